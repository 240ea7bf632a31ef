#!/usr/bin/env bash
# Makes sure the server's tests have a PostgreSQL, and prints `export DATABASE_URL=…` for the
# caller to eval (scripts/test.sh does). Order: DATABASE_URL when already set; else the
# machine's PostgreSQL on 127.0.0.1:5432 when one answers; else a throwaway cluster (trust auth,
# 127.0.0.1:55432, data under /tmp) started with Debian's PostgreSQL, installed when missing.
# BACKROOM_PG_THROWAWAY=1 skips the machine's server (to try the throwaway path).
set -euo pipefail

if [ -n "${DATABASE_URL:-}" ]; then
  echo "export DATABASE_URL='$DATABASE_URL'"
  exit 0
fi
if [ "${BACKROOM_PG_THROWAWAY:-0}" != 1 ] && command -v pg_isready >/dev/null 2>&1 \
   && pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "export DATABASE_URL='postgres://postgres@127.0.0.1:5432/postgres'"
  exit 0
fi

if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  sudo_=""
  [ "$(id -u)" != 0 ] && sudo_="sudo"
  $sudo_ apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends postgresql >&2
fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
port=55432
data=/tmp/backroom-pg-$port
as_pg() {
  # PostgreSQL refuses to run as root: the cluster belongs to the postgres user then.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ ! -f "$data/PG_VERSION" ]; then
  mkdir -p "$data"
  [ "$(id -u)" = 0 ] && chown postgres "$data"
  as_pg "$bin/initdb" -D "$data" -A trust -U postgres >&2
fi
if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
  as_pg "$bin/pg_ctl" -D "$data" -l "$data/log" -w \
    -o "-p $port -c listen_addresses=127.0.0.1 -k /tmp" start >&2
fi
echo "export DATABASE_URL='postgres://postgres@127.0.0.1:$port/postgres'"
