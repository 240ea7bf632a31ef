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
# The server's tests need a PostgreSQL: DATABASE_URL, the machine's, or a throwaway cluster.
eval "$(bash scripts/setup-postgres.sh)"
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy

# The desktop binary embeds the built UI; the end-to-end tests drive that binary.
bash scripts/build-ui.sh release
cargo build --locked -p backroom-desktop

# Every crate's tests; the desktop suite needs a display, so everything runs under Xvfb.
xvfb-run -a cargo test --workspace --locked

# The .deb as a store installs it: built, installed with apt, started once from its menu
# command, its CLI used, removed (scripts/deb-test.sh). BACKROOM_SKIP_DEB_TEST=1 skips it on a
# developer's machine where installing a package is not wanted; CI always runs it.
if [ "${BACKROOM_SKIP_DEB_TEST:-0}" != 1 ] || [ "${CI:-}" = true ]; then
  bash scripts/deb-test.sh
fi
