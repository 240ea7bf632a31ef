#!/usr/bin/env bash
# Builds Backroom and runs it on its embedded default: a SQLite file in the platform data
# directory. Until the desktop app lands this builds the `backroom` CLI, creates a demo store
# there on first run and prints its summary, stock alerts and a search.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
  echo "error: cargo not found; install Rust with rustup (https://rustup.rs) first" >&2
  exit 1
fi
if ! command -v cc >/dev/null 2>&1; then
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends build-essential
fi
cargo build --release --locked -p backroom
bin=target/release/backroom
if "$bin" summary >/dev/null 2>&1; then
  echo "Using the existing store:"
else
  echo "First start: building the demo store (explore with demo data)…"
  "$bin" demo --seed 1 --products 200 >/dev/null
fi
"$bin" summary
echo
echo "Stock needing attention at MAIN:"
"$bin" stock alerts --location MAIN | head -n 10
echo
echo "Search 'classic tee':"
"$bin" search "classic tee" --limit 5
echo
"$bin" check
echo
echo "More: $bin --help"
