#!/usr/bin/env bash
# Builds the release bundle of the desktop app: a .deb (and an AppImage where linuxdeploy can be
# downloaded). Uses the Tauri CLI from npm (prebuilt, seconds to install) rather than compiling
# tauri-cli with cargo (~12 minutes on 2 cores). Prints where the bundles are and their sizes.
#   bash scripts/bundle.sh            # .deb → target/dist/bundle/deb/
#   bash scripts/bundle.sh deb,appimage
set -euo pipefail
cd "$(dirname "$0")/.."
bundles="${1:-deb}"
bash scripts/setup-desktop.sh
bash scripts/build-ui.sh release
cli_dir=target/tauri-cli
if [ ! -x "$cli_dir/node_modules/.bin/tauri" ]; then
  command -v npm >/dev/null || { echo "error: npm is needed to fetch the Tauri CLI (apt-get install npm)" >&2; exit 1; }
  mkdir -p "$cli_dir"
  npm install --prefix "$cli_dir" --no-audit --no-fund --silent "@tauri-apps/cli@^2"
fi
# The `dist` profile (Cargo.toml): release without debug info, stripped. The `backroom` CLI
# goes into the package beside the app (cron backups, scripted imports): build it first.
cargo build --locked --profile dist -p backroom
(cd src-tauri && "../$cli_dir/node_modules/.bin/tauri" build --bundles "$bundles" -- --profile dist)
echo "Bundles:"
find target/dist/bundle -maxdepth 2 -type f \( -name '*.deb' -o -name '*.AppImage' \) -exec du -h {} \;
echo "Binary: $(du -h target/dist/backroom-desktop | cut -f1)"
