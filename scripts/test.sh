#!/usr/bin/env bash
# Sets up what the tests need on a fresh Debian machine and runs every test in the workspace.
# Idempotent: a machine that already has everything goes straight to the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
  echo "error: cargo not found; install Rust with rustup (https://rustup.rs) first" >&2
  exit 1
fi
# rustfmt/clippy for the style gates, the wasm target for checking the UI-shared crates.
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$' || rustup target add wasm32-unknown-unknown
# A C compiler builds the bundled SQLite.
if ! command -v cc >/dev/null 2>&1; then
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends build-essential
fi

cargo test --workspace --locked
