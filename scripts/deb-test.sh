#!/usr/bin/env bash
# The .deb as a store installs it: builds it (scripts/bundle.sh), installs it with apt (which
# resolves the dependencies it declares, as on a clean machine), checks what a store manager and
# their menu see, starts the installed app once from its menu entry on a fresh database under
# Xvfb, uses the installed `backroom` CLI, then removes the package again. Any failed step
# fails the script. Run by scripts/test.sh; alone: `bash scripts/deb-test.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
fail() { echo "deb-test: FAILED: $*" >&2; exit 1; }

command -v npm >/dev/null || { $sudo_cmd apt-get update; DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y --no-install-recommends npm; }
bash scripts/bundle.sh deb
deb=$(ls -t target/dist/bundle/deb/*.deb | head -1)
[ -f "$deb" ] || fail "no .deb was built"
deb="$PWD/$deb"

# What the package says about itself: a description for a store manager, a real maintainer,
# the runtime libraries a clean machine must pull in.
field() { dpkg-deb -f "$deb" "$1"; }
pkg=$(field Package)
echo "deb-test: $pkg $(field Version), $(du -h "$deb" | cut -f1)"
field Maintainer | grep -q '@' || fail "Maintainer has no address: $(field Maintainer)"
field Description | grep -qi 'store' || fail "the description does not speak to a store: $(field Description)"
field Depends | grep -q 'libwebkit2gtk-4.1' || fail "Depends misses WebKitGTK: $(field Depends)"
field Depends | grep -q 'libgtk-3' || fail "Depends misses GTK 3: $(field Depends)"

DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y --reinstall "$deb"
trap 'DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get remove -y "$pkg" >/dev/null || true' EXIT

# The menu entry: its category, and the command it runs.
entry=$(dpkg -L "$pkg" | grep '^/usr/share/applications/.*\.desktop$' | head -1)
[ -n "$entry" ] || fail "no menu entry (.desktop) installed"
grep -q '^Categories=.*Office' "$entry" || fail "menu category is not Office: $(grep Categories "$entry")"
exec_cmd=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$entry" | head -1)
app=$(command -v "$exec_cmd" || true)
[ -x "$app" ] || fail "the menu's command '$exec_cmd' is not installed"

# The CLI beside it: a store set up, checked and backed up from a script.
[ -x /usr/bin/backroom ] || fail "/usr/bin/backroom is missing"
work=$(mktemp -d)
/usr/bin/backroom --db "$work/cli.sqlite" init --store-name "Deb Test" --owner-pin 4826 --currency EUR >/dev/null
/usr/bin/backroom --db "$work/cli.sqlite" check >/dev/null || fail "backroom check failed"
/usr/bin/backroom --db "$work/cli.sqlite" backup "$work/cli-backup.sqlite" >/dev/null
[ -s "$work/cli-backup.sqlite" ] || fail "the CLI's backup is empty"

# The app, started once from its menu command on a fresh database: it must open (and create)
# the database and still be running after 15 s.
BACKROOM_DB="$work/app.sqlite" xvfb-run -a "$app" >"$work/app.log" 2>&1 &
runner=$!
for _ in $(seq 1 30); do
  [ -s "$work/app.sqlite" ] && break
  sleep 1
done
sleep 15
alive=yes
kill -0 "$runner" 2>/dev/null || alive=no
pkill -TERM -f "^$app" 2>/dev/null || true
wait "$runner" 2>/dev/null || true
[ -s "$work/app.sqlite" ] || { cat "$work/app.log" >&2; fail "the installed app did not open its database"; }
[ "$alive" = yes ] || { cat "$work/app.log" >&2; fail "the installed app exited within 15 s"; }
rm -rf "$work"
echo "deb-test: installed, started from its menu command, CLI works; removing $pkg"
