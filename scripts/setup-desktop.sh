#!/usr/bin/env bash
# Installs what building and driving the desktop app needs, skipping what is already there:
# Debian packages (WebKitGTK, Xvfb, WebKitWebDriver, a C compiler, xdotool and xwd to answer and
# photograph the system file dialog in the e2e tests), the wasm target, the
# wasm-bindgen CLI matching Cargo.lock, and tauri-driver.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pkg in libwebkit2gtk-4.1-dev pkg-config xvfb xauth webkit2gtk-driver build-essential xdotool x11-apps; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y --no-install-recommends "${need[@]}"
fi
rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$' || rustup target add wasm32-unknown-unknown
wbg=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wbg" ]; then
  # Without --locked: the tool's own lockfile pins a yanked crate (TOOLCHAIN.md).
  cargo install wasm-bindgen-cli --version "$wbg"
fi
# tauri-driver has no --version flag: ask cargo what it installed.
if ! cargo install --list | grep -q '^tauri-driver v2\.1\.0:'; then
  cargo install tauri-driver --version 2.1.0 --locked
fi
