#!/usr/bin/env bash
# Builds the Leptos UI to ui/dist (wasm + JS glue + static files). Installs the wasm target and
# the exact wasm-bindgen-cli the lockfile uses when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${1:-release}"
rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$' || rustup target add wasm32-unknown-unknown
wbg=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wbg" ]; then
  # Without --locked: the tool's own lockfile pins a yanked crate (see TOOLCHAIN.md).
  cargo install wasm-bindgen-cli --version "$wbg"
fi
if [ "$profile" = release ]; then
  cargo build -p backroom-ui --target wasm32-unknown-unknown --release --locked
else
  cargo build -p backroom-ui --target wasm32-unknown-unknown --locked
fi
rm -rf ui/dist && mkdir -p ui/dist
wasm-bindgen --target web --no-typescript --out-dir ui/dist --out-name backroom-ui \
  "target/wasm32-unknown-unknown/$profile/backroom-ui.wasm"
cp ui/index.html ui/style.css ui/dist/
echo "UI built into ui/dist ($(du -sh ui/dist | cut -f1))"
