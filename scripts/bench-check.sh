#!/usr/bin/env bash
# Benchmark of `thuadat check` (issue #2): wall time and peak memory on generated communes of 100k and 1M
# parcels, the native GeoJSON reader against GDAL's, and in the same run the overlap self-join in PostGIS on
# the same 1M parcels (GiST index, nested-loop plan with bitmap scans off), with the ratio.
#
# The generated communes carry a population register (citizens.csv). Issue #2's check (map and certificate
# rules) is timed on a copy of the dataset without it (`c<n>-core`: links to every file but citizens.csv);
# one more run per size (`auto+register`) adds holder linkage against the register (issue #3).
#
#   scripts/bench-check.sh            # BENCH_DIR (default /tmp/thuadat-bench) keeps the generated communes
#   BENCH_SIZES="100000" scripts/bench-check.sh
#   BENCH_POSTGIS=0 scripts/bench-check.sh   # skip PostGIS
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/apt-install.sh time bc

bench=${BENCH_DIR:-/tmp/thuadat-bench}
sizes=${BENCH_SIZES:-"100000 1000000"}
runs=${BENCH_RUNS:-3}
mkdir -p "$bench"
cargo build --release --quiet
bin=$PWD/target/release/thuadat

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, $(lscpu | sed -n 's/^Model name: *//p')"
echo "thuadat $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo
echo "| parcels | reader | run | wall s | peak RSS MB | read s | overlap s | overlap pairs / overlays |"
echo "|---|---|---|---|---|---|---|---|"
for n in $sizes; do
  [ "${BENCH_ONLY_POSTGIS:-0}" = 1 ] && break
  ds=$bench/c$n
  [ -f "$ds/truth.json" ] || "$bin" gen "$ds" --parcels "$n" --seed 7 >/dev/null
  core=$bench/c$n-core
  mkdir -p "$core"
  for f in "$ds"/*; do
    case $(basename "$f") in citizens.csv | truth.json) ;; *) ln -sf "$f" "$core/" ;; esac
  done
  cat "$ds"/* > /dev/null   # warm the page cache: we measure the check, not the disk
  for reader in auto gdal auto+register; do
    r=$runs
    [ "$reader" = auto ] || r=1
    dir=$core
    [ "$reader" = auto+register ] && dir=$ds
    for i in $(seq 1 "$r"); do
      /usr/bin/time -f "%e %M" -o "$bench/time" "$bin" check "$dir" --out "$bench/r$n" --quiet --reader "${reader%+register}"
      read -r wall kb < "$bench/time"
      python3 - "$bench/r$n/summary.json" "$n" "$reader" "$i" "$wall" "$kb" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); t = s["timings_s"]; o = s["overlap_search"]
n, reader, i, wall, kb = sys.argv[2:]
print(f"| {s['parcels']:,} | {reader} | {i} | {float(wall):.2f} | {int(kb)//1024} | {t['read_parcels']:.2f} | {t['overlap']:.2f} | {o['candidate_pairs']:,} / {o['overlays']:,} |")
PY
    done
  done
done

[ "${BENCH_POSTGIS:-1}" = 1 ] || exit 0
n=$(echo $sizes | awk '{print $NF}')
ds=$bench/c$n
[ -f "$ds/truth.json" ] || "$bin" gen "$ds" --parcels "$n" --seed 7 >/dev/null
echo
echo "PostGIS on the same $n parcels (EPSG:5897 = VN2000:105.0, planar areas):"
export BENCH_DS=$ds BENCH_OUT=$bench
scripts/with-postgis.sh bash -c '
set -euo pipefail
start=$(date +%s.%N)
# (the generator plants unclosed rings; GDAL warns about each)
PG_USE_COPY=YES CPL_LOG=/dev/null ogr2ogr -q -f PostgreSQL "PG:dbname=$PGDATABASE host=$PGHOST port=$PGPORT user=$PGUSER" "$BENCH_DS/parcels.geojson" \
  -nln parcels -lco GEOMETRY_NAME=geom -lco FID=id -lco SPATIAL_INDEX=NONE -a_srs EPSG:5897 -nlt MULTIPOLYGON -gt 65536
# Validity once, beforehand (thuadat validates while loading, outside its overlap time): GEOS cannot
# intersect invalid polygons.
export PGOPTIONS="-c client_min_messages=warning"
psql -q -c "CREATE INDEX parcels_geom ON parcels USING gist (geom)"
psql -q -c "ALTER TABLE parcels ADD valid boolean"
psql -q -c "UPDATE parcels SET valid = ST_IsValid(geom)"
psql -q -c "VACUUM ANALYZE parcels"
echo "load + index: $(echo "$(date +%s.%N) - $start" | bc) s"
q="SELECT count(*) FROM parcels a JOIN parcels b ON a.id < b.id AND ST_Intersects(a.geom, b.geom) WHERE a.valid AND b.valid AND ST_Area(ST_Intersection(a.geom, b.geom)) > 0.5"
psql -q -c "SET enable_bitmapscan = off; EXPLAIN $q" | sed "s/^/  plan: /"
start=$(date +%s.%N)
psql -q -t -c "SET enable_bitmapscan = off; $q" | sed "s/^/  overlapping pairs:/"
echo "overlap self-join: $(echo "$(date +%s.%N) - $start" | bc) s"
'
