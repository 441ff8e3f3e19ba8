#!/usr/bin/env bash
# Checks the bundled sample commune (data/sample) and writes the report to ./report.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cargo run --release -- check data/sample --out report "$@"
