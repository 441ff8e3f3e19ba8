#!/usr/bin/env bash
# Throughput of the Vietnamese text module (issue #3): vntext::{fold, normalize, repair} on the 8,757 real
# full names of tests/fixtures/names-vn (criterion, `cargo bench --bench vntext`: one thread, four input
# forms, the module's first fold as a baseline) and, in the same run, Python's standard-library folding
# (unicodedata NFD + dropping the marks, the usual recipe) on the same names cycled to BENCH_NAMES
# (default 1,000,000).
#
#   scripts/bench-vntext.sh
#   BENCH_NAMES=200000 scripts/bench-vntext.sh
set -euo pipefail
cd "$(dirname "$0")/.."
names=${BENCH_NAMES:-1000000}

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "thuadat $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo
echo "criterion, names/s (the middle of the confidence interval)"
cargo bench --quiet --bench vntext 2>/dev/null |
  awk '/^vntext\// { name = $0; sub(/ +time:.*/, "", name); seen = 0 } /thrpt:/ && !seen && name { print "| " name " | " $4, $5 " |"; seen = 1 }' |
  tr -d '['
echo
python3 - tests/fixtures/names-vn/uit_member.full_name.json.gz "$names" <<'PY'
import gzip, itertools, json, sys, time, unicodedata
names = json.load(gzip.open(sys.argv[1]))
n = int(sys.argv[2])
def fold(s):
    s = unicodedata.normalize("NFD", " ".join(s.lower().split()))
    return "".join(c for c in s if not unicodedata.combining(c)).replace("đ", "d")
forms = {"unicode": names, "ascii": [fold(x) for x in names]}
print(f"Python {sys.version.split()[0]} unicodedata fold, names/s (millions)")
for form, base in forms.items():
    data = list(itertools.islice(itertools.cycle(base), n))
    t = time.perf_counter()
    for s in data:
        fold(s)
    print(f"| {form} | {n / (time.perf_counter() - t) / 1e6:.2f} |")
PY
