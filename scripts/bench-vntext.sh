#!/usr/bin/env bash
# Throughput of the Vietnamese text module (issue #3): vntext::{fold, normalize, repair} on the real names of
# ../shared/data/names-vn (8,757 full names cycled to BENCH_NAMES per input form, default 1,000,000), one
# thread, against the module's first version and, in the same run, Python's standard-library folding
# (unicodedata NFD + dropping the marks, the usual recipe) on the same names.
#
#   scripts/bench-vntext.sh
#   BENCH_NAMES=200000 scripts/bench-vntext.sh
set -euo pipefail
cd "$(dirname "$0")/.."
names=${BENCH_NAMES:-1000000}
json=../shared/data/names-vn/uit_member.json

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "thuadat $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo
cargo run --release --quiet --example vntext_bench -- "$json" "$names"
echo
python3 - "$json" "$names" <<'PY'
import itertools, json, sys, time, unicodedata
names = [r["full_name"] for r in json.load(open(sys.argv[1]))]
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
