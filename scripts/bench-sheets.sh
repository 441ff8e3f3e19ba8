#!/usr/bin/env bash
# Reading a commune kept as map sheets (issue 20): the same generated parcels as DGN v7 sheets drawn as lines
# and labels (`gen --map-sheets dgn`) and as GeoJSON polygon sheets (`--map-sheets geojson`), checked
# alternately. Prints each run's wall time, user time, peak memory and the `read_parcels` step, then the medians
# and the ratio DGN / GeoJSON (the issue's bound: 3x).
#
#   scripts/bench-sheets.sh                        # 100,000 parcels, 5 runs each
#   BENCH_PARCELS=20000 BENCH_RUNS=3 scripts/bench-sheets.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/apt-install.sh time
bench=${BENCH_DIR:-/tmp/thuadat-bench}
n=${BENCH_PARCELS:-100000}
runs=${BENCH_RUNS:-5}
mkdir -p "$bench"
cargo build --release --quiet
bin=target/release/thuadat
for f in dgn geojson; do
  [ -f "$bench/s$n-$f/truth.json" ] || "$bin" gen "$bench/s$n-$f" --parcels "$n" --seed 7 --map-sheets $f >/dev/null
done
echo "machine: $(nproc) cores; $(git rev-parse --short HEAD); $n parcels in $(ls "$bench/s$n-dgn/parcels" | wc -l) sheets"
times=$bench/sheets-times.txt
: >"$times"
for i in $(seq 1 "$runs"); do
  for f in dgn geojson; do
    rm -rf "$bench/r-s$f"
    /usr/bin/time -f "%e %U %M" -o "$bench/t" "$bin" check "$bench/s$n-$f" --out "$bench/r-s$f" --quiet
    read_s=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['timings_s']['read_parcels'])" "$bench/r-s$f/summary.json")
    echo "$f $(cat "$bench/t") $read_s" | tee -a "$times"
  done
done
python3 - "$times" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = {f: [statistics.median(float(r[k]) for r in rows if r[0] == f) for k in (1, 2, 3, 4)] for f in ("dgn", "geojson")}
for f, (wall, user, kb, read) in med.items():
    print(f"{f:8} median: wall {wall:.2f} s, user {user:.2f} s, peak {kb / 1024:.0f} MiB, read_parcels {read:.3f} s")
d, g = med["dgn"], med["geojson"]
print(f"DGN / GeoJSON: read_parcels {d[3] / g[3]:.2f}x, whole check {d[0] / g[0]:.2f}x, memory {d[2] / g[2]:.2f}x")
PY
