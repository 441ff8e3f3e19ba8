#!/usr/bin/env bash
# Benchmark of `thuadat serve` (issue #4): tile throughput and latency on a generated commune (default 200k
# parcels), caches off, the same list of z14-z18 tile requests driven by wrk over loopback; `/lookup` on random
# points; and, in the same run, martin (cargo install martin) serving the same parcels from PostGIS with its
# cache off, on the same tile list.
#
#   scripts/bench-serve.sh                      # BENCH_DIR (default /tmp/thuadat-bench) keeps the commune
#   BENCH_PARCELS=200000 BENCH_SECONDS=15 scripts/bench-serve.sh
#   BENCH_MARTIN=0 scripts/bench-serve.sh       # our server only (no PostGIS, no martin)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/apt-install.sh wrk curl python3

bench=${BENCH_DIR:-/tmp/thuadat-bench}
n=${BENCH_PARCELS:-200000}
secs=${BENCH_SECONDS:-15}
conns=${BENCH_CONNECTIONS:-32}
mkdir -p "$bench"
cargo build --release --quiet
bin=$PWD/target/release/thuadat
ds=$bench/c$n
[ -f "$ds/truth.json" ] || "$bin" gen "$ds" --parcels "$n" --seed 7 >/dev/null

# wrk_lists, wrk_run: the request lists and the wrk runs shared with bench-auth.sh.
source scripts/wrk-lib.sh
export WRK_CONNS=$conns WRK_SECS=$secs

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve "$ds" --addr "127.0.0.1:$port" --tile-cache-mb 0 > "$bench/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$port/tiles.json" > "$bench/tiles.json"

# The request lists: 2000 tiles over z14-z18 inside the commune, 2000 look-up points (seeded).
wrk_lists "$bench"
sed 's|^|/tiles/|; s|$|.mvt|' "$bench/tiles.txt" > "$bench/ours.txt"

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, $(lscpu | sed -n 's/^Model name: *//p'); wrk -t2 -c$conns -d${secs}s on the same machine"
echo "thuadat $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(sed -n 's/^serving //p' "$bench/serve.log")"
echo
echo "| server, requests | requests/s | p50 ms | p99 ms | non-2xx |"
echo "|---|---|---|---|---|"
wrk_run "thuadat, 2000 tiles z14-z18 (cache off)" "$bench/ours.txt" "$port"
wrk_run "thuadat, /lookup (accuracy 10 m)" "$bench/lookups.txt" "$port"
kill $server; wait $server 2>/dev/null || true
trap - EXIT

[ "${BENCH_MARTIN:-1}" = 1 ] || exit 0
# martin 1.14 is the newest release that builds with the machine's rustc 1.95 (later ones need 1.98). Only its
# PostGIS source: the default features add map rendering, whose build clones maplibre-native from GitHub.
command -v martin >/dev/null || cargo install martin --version 1.14.0 --locked --no-default-features --features postgres
export BENCH_DS=$ds BENCH_OUT=$bench
export -f wrk_run
scripts/with-postgis.sh bash -c '
set -euo pipefail
PG_USE_COPY=YES CPL_LOG=/dev/null ogr2ogr -q -f PostgreSQL "PG:dbname=$PGDATABASE host=$PGHOST port=$PGPORT user=$PGUSER" "$BENCH_DS/parcels.geojson" \
  -nln parcels -lco GEOMETRY_NAME=geom -lco FID=id -a_srs EPSG:5897 -nlt MULTIPOLYGON -gt 65536
psql -q -c "analyze parcels"
port=$(python3 -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])")
martin --cache-size 0 --listen-addresses "127.0.0.1:$port" "$DATABASE_URL" > "$BENCH_OUT/martin.log" 2>&1 &
m=$!
trap "kill $m 2>/dev/null || true" EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/catalog" >/dev/null && break; sleep 0.5; done
sed "s|^|/parcels/|" "$BENCH_OUT/tiles.txt" > "$BENCH_OUT/martin.txt"
wrk_run "martin $(martin --version | cut -d" " -f2) + PostGIS, same 2000 tiles (cache off)" "$BENCH_OUT/martin.txt" "$port"
'
