#!/usr/bin/env bash
# Times `thuadat check` on single very large parcels (examples/big_polygons.rs): a shell of 200,000 vertices,
# a polygon with 22,500 holes, a multipolygon of 2,500 parts. Geometry validation dominates all three.
#
#   scripts/bench-validity.sh [thuadat binary] [timeout in seconds]
#
# Without a binary, builds this checkout's (release). Prints wall seconds per dataset and the loading time
# (summary.json timings_s.read_parcels), or "timeout" when the check does not finish in time.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-}
limit=${2:-120}
if [[ -z "$bin" ]]; then
  cargo build --release --quiet
  bin="${CARGO_TARGET_DIR:-target}/release/thuadat"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo run --release --quiet --example big_polygons -- "$work/data" >/dev/null
for name in vertices holes parts; do
  start=$(date +%s.%N)
  if timeout "$limit" "$bin" check "$work/data/$name" --out "$work/report-$name" --quiet; then
    end=$(date +%s.%N)
    load=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['timings_s']['read_parcels'])" \
      "$work/report-$name/summary.json")
    invalid=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['conflicts']['by_kind']['invalid_geometry'])" \
      "$work/report-$name/summary.json")
    printf '%-9s %8.2f s wall, read_parcels %s s, invalid_geometry %s\n' "$name" "$(echo "$end - $start" | bc)" "$load" "$invalid"
  else
    printf '%-9s timeout (over %s s) or failure\n' "$name" "$limit"
  fi
done
