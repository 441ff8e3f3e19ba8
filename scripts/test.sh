#!/usr/bin/env bash
# The project's whole test run: system packages, formatting, lints, every test (release build: the
# geometry tests and the generated communes are large enough that debug builds only waste time).
set -euo pipefail
cd "$(dirname "$0")/.."
# Snapshot tests (insta, tests/snapshots/): a missing or different snapshot fails, here and in CI, and no
# `.snap.new` is written; accepting a change is a deliberate `INSTA_UPDATE=always cargo test …` (or
# `cargo insta review`) and a commit of the `.snap` file.
export INSTA_UPDATE=no INSTA_FORCE_PASS=0

scripts/install-deps.sh
scripts/web-deps.sh   # Node.js, Debian's chromium, `npm ci` in web/ (the web map's browser tests)
scripts/apt-install.sh curl openssl   # the HTTPS tests' clients (tests/tls.rs)
cargo fmt --all -- --check
cargo clippy --release --all-targets -- -D warnings
# The PostGIS tests (tests/store.rs) run against a throwaway PostgreSQL 15 + PostGIS 3 server.
scripts/with-postgis.sh cargo test --release --all-targets
cargo test --release --doc
