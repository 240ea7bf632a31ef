#!/usr/bin/env bash
# Sets up what the tests need on a fresh Debian machine and runs every test in the workspace,
# including the desktop app driven in its real window under Xvfb.
# Idempotent: a machine that already has everything goes straight to the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
  echo "error: cargo not found; install Rust with rustup (https://rustup.rs) first" >&2
  exit 1
fi
bash scripts/setup-desktop.sh
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy

# The desktop binary embeds the built UI; the end-to-end tests drive that binary.
bash scripts/build-ui.sh release
cargo build --locked -p backroom-desktop

# Every crate's tests; the desktop suite needs a display, so everything runs under Xvfb.
xvfb-run -a cargo test --workspace --locked
