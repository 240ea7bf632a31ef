#!/usr/bin/env bash
# Builds Backroom and runs the desktop app on its embedded default: a SQLite file in the
# platform data directory (~/.local/share/backroom/store.sqlite on Linux). The first start
# offers "set up my store" or "explore with demo data".
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
  echo "error: cargo not found; install Rust with rustup (https://rustup.rs) first" >&2
  exit 1
fi
bash scripts/setup-desktop.sh
bash scripts/build-ui.sh release
cargo build --release --locked -p backroom-desktop -p backroom
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "No display here: the desktop window needs one. Headless, the same store is at your service:"
  bin=target/release/backroom
  "$bin" summary 2>/dev/null || "$bin" demo --seed 1 --products 200
  "$bin" check
  echo "More: $bin --help"
  exit 0
fi
exec target/release/backroom-desktop
