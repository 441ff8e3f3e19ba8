#!/usr/bin/env bash
# Benchmark of the PostGIS store (issue #6): `thuadat import` of a generated 1M-parcel commune against
# `ogr2ogr -f PostgreSQL` loading the same parcels (PG_USE_COPY, GiST index), in the same run on the same
# throwaway server (scripts/with-postgis.sh), then `thuadat serve --db` start time (until it listens).
# Wall time, user + system CPU seconds of the client and peak RSS for each.
#
#   scripts/bench-import.sh                 # BENCH_DIR (default /tmp/thuadat-bench) keeps the commune
#   BENCH_PARCELS=100000 scripts/bench-import.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${DATABASE_URL:-}" ]; then
  exec scripts/with-postgis.sh "$0" "$@"
fi
scripts/apt-install.sh time gdal-bin >/dev/null

bench=${BENCH_DIR:-/tmp/thuadat-bench}
n=${BENCH_PARCELS:-1000000}
mkdir -p "$bench"
cargo build --release --quiet
bin=$PWD/target/release/thuadat
ds=$bench/c$n
[ -f "$ds/truth.json" ] || "$bin" gen "$ds" --parcels "$n" --seed 7 >/dev/null
cat "$ds"/* >/dev/null # warm the page cache

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "thuadat $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(ogr2ogr --version), $(psql -XAtc 'select postgis_lib_version()' 2>/dev/null | sed 's/^/PostGIS /')"
echo "commune: $ds ($n parcels, $(($(wc -l <"$ds/certificates.csv") - 1)) certificate rows, $(($(wc -l <"$ds/citizens.csv") - 1)) citizens)"
echo
echo "| step | wall s | client CPU s (user+sys) | client peak RSS MB | rows |"
echo "|---|---|---|---|---|"
row() { # name, time file, rows
  read -r wall user sys kb <"$2"
  printf '| %s | %.2f | %.2f | %d | %s |\n' "$1" "$wall" "$(echo "$user + $sys" | bc)" "$((kb / 1024))" "$3"
}

psql -XAq -c 'CREATE EXTENSION IF NOT EXISTS postgis'
psql -XAq -c 'CHECKPOINT'
/usr/bin/time -f "%e %U %S %M" -o "$bench/t-ogr" \
  ogr2ogr -f PostgreSQL "PG:host=${PGHOST:?} port=${PGPORT:?} user=${PGUSER:?} dbname=${PGDATABASE:?}" "$ds/parcels.geojson" -nln ogr_parcels -overwrite \
  --config PG_USE_COPY YES -lco SPATIAL_INDEX=GIST -lco GEOMETRY_NAME=geom -a_srs "+proj=tmerc +lat_0=0 +lon_0=105 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +units=m +no_defs" -gt 65536 \
  2>"$bench/ogr.err"
# ogr2ogr closes the generated commune's unclosed rings itself (one warning each); thuadat keeps them as read.
echo "(ogr2ogr: $(grep -c 'Non closed ring' "$bench/ogr.err" || true) 'Non closed ring' warnings)" >&2
row "ogr2ogr parcels.geojson (parcels only)" "$bench/t-ogr" "$(psql -XAtc 'select count(*) from ogr_parcels')"

psql -XAq -c 'CHECKPOINT'
/usr/bin/time -f "%e %U %S %M" -o "$bench/t-imp" "$bin" import "$ds" --db "$DATABASE_URL" --by bench >"$bench/import.out"
row "thuadat import (check + parcels, certificates, citizens, groups, conflicts)" "$bench/t-imp" \
  "$(psql -XAtc 'select count(*) from thuadat.parcel')"
sed 's/^/    /' "$bench/import.out"

psql -XAq -c 'CHECKPOINT'
/usr/bin/time -f "%e %U %S %M" -o "$bench/t-imp2" "$bin" import "$ds" --db "$DATABASE_URL" --by bench >"$bench/import2.out"
row "thuadat import again (replaces the commune)" "$bench/t-imp2" "$(psql -XAtc 'select count(*) from thuadat.parcel')"
sed 's/^/    /' "$bench/import2.out"

# Server start: from the command to the first line it prints (it prints once it listens), three times.
for run in 1 2 3; do
start=$(date +%s.%N)
"$bin" serve --db "$DATABASE_URL" --addr 127.0.0.1:0 >"$bench/serve.out" 2>&1 &
pid=$!
while ! grep -q "serving" "$bench/serve.out" 2>/dev/null; do
  kill -0 $pid 2>/dev/null || { cat "$bench/serve.out"; exit 1; }
  sleep 0.05
done
end=$(date +%s.%N)
cpu=$(awk '{print ($14 + $15) / 100}' /proc/$pid/stat)
rss=$(awk '/VmHWM/{print int($2 / 1024)}' /proc/$pid/status)
kill $pid
wait $pid 2>/dev/null || true
printf '| thuadat serve --db: start until listening (run %d) | %.2f | %.2f | %d | %s |\n' "$run" "$(echo "$end - $start" | bc)" "$cpu" "$rss" \
  "$(grep -o '([0-9]* parcels' "$bench/serve.out" | tr -d '(')"
done
