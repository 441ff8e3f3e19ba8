#!/usr/bin/env bash
# Serves the bundled sample commune (data/sample) on http://127.0.0.1:8080/ (docs/API.md): vector tiles,
# OGC API - Features, point look-up, and the web map at /. Extra arguments go to `thuadat serve` (e.g.
# --addr 0.0.0.0:8080 --open: a dataset directory has no logins, so other machines reach it only with --open).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cargo run --release -- serve data/sample "$@"
