#!/usr/bin/env bash
# The long fuzz run (docs/FUZZ.md): every target of tests/fuzz.rs with PROPTEST_CASES cases each (default
# 200,000; CI runs the file with its own smaller counts), in release. Each target prints its cases, time and
# outcomes; a failure prints the smallest failing input proptest found.
#
#   scripts/fuzz.sh                                      # 200,000 cases per target: about 17 minutes on 2 busy
#                                                        # cores, plus about 42 minutes of CPU for whole_dataset
#   PROPTEST_CASES=20000 scripts/fuzz.sh whole_dataset   # fewer cases, only the tests whose names match
#   scripts/fuzz.sh --skip whole_dataset                 # the others
set -euo pipefail
cd "$(dirname "$0")/.."
export PROPTEST_CASES=${PROPTEST_CASES:-200000}
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); thuadat $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "PROPTEST_CASES=$PROPTEST_CASES"
cargo build --release --test fuzz
start=$(date +%s)
status=0
cargo test --release --test fuzz -- --nocapture "$@" || status=$?
echo "wall time: $(( $(date +%s) - start )) s"
exit $status
