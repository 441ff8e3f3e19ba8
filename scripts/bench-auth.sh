#!/usr/bin/env bash
# What logging in costs (issue 16): tile and look-up throughput of `serve --db` with HTTP Basic and with the
# web map's session cookie, against `serve <directory>` (no logins) on the same generated commune, the same
# request lists, caches off, wrk over loopback, alternating the servers in one run.
#
#   scripts/bench-auth.sh                       # BENCH_DIR (default /tmp/thuadat-bench), BENCH_PARCELS=100000
#   BENCH_SECONDS=10 BENCH_ROUNDS=3 scripts/bench-auth.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/apt-install.sh wrk curl python3

bench=${BENCH_DIR:-/tmp/thuadat-bench}
n=${BENCH_PARCELS:-100000}
mkdir -p "$bench"
cargo build --release --quiet
export BENCH_BIN=$PWD/target/release/thuadat BENCH_DS=$bench/c$n BENCH_OUT=$bench
[ -f "$BENCH_DS/truth.json" ] || "$BENCH_BIN" gen "$BENCH_DS" --parcels "$n" --seed 7 >/dev/null
export WRK_SECS=${BENCH_SECONDS:-10} BENCH_ROUNDS=${BENCH_ROUNDS:-3} WRK_CONNS=${BENCH_CONNECTIONS:-32}

scripts/with-postgis.sh bash -c '
set -euo pipefail
source scripts/wrk-lib.sh
bin=$BENCH_BIN; out=$BENCH_OUT
"$bin" import "$BENCH_DS" --db "$DATABASE_URL" --by bench > /dev/null
echo "bench-password-1" | "$bin" user add bench --role officer --db "$DATABASE_URL" --password-stdin > /dev/null
free_port() { python3 -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])"; }
dir_port=$(free_port); db_port=$(free_port)
"$bin" serve "$BENCH_DS" --addr "127.0.0.1:$dir_port" --tile-cache-mb 0 > "$out/serve-dir.log" 2>&1 &
dir=$!
"$bin" serve --db "$DATABASE_URL" --addr "127.0.0.1:$db_port" --tile-cache-mb 0 > "$out/serve-db.log" 2>&1 &
db=$!
trap "kill $dir $db 2>/dev/null || true" EXIT
for p in $dir_port $db_port; do
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$p/health" >/dev/null && break; sleep 0.5; done
done
basic="Authorization: Basic $(printf "bench:bench-password-1" | base64)"
cookie="Cookie: $(curl -s -D - -o /dev/null -H "Content-Type: application/json" \
  -d "{\"login\":\"bench\",\"password\":\"bench-password-1\"}" "http://127.0.0.1:$db_port/login" |
  sed -n "s/^set-cookie: \([^;]*\);.*/\1/p")"
curl -sf "http://127.0.0.1:$dir_port/tiles.json" > "$out/tiles.json"
wrk_lists "$out"
sed "s|^|/tiles/|; s|$|.mvt|" "$out/tiles.txt" > "$out/auth-tiles.txt"
echo "machine: $(nproc) cores; wrk -t2 -c$WRK_CONNS -d${WRK_SECS}s on the same machine; thuadat $(git rev-parse --short HEAD 2>/dev/null || echo ?); $(sed -n "s/^serving //p" "$out/serve-dir.log" | sed "s/ on http.*//")"
echo
echo "| round, server, requests | requests/s | p50 ms | p99 ms | non-2xx |"
echo "|---|---|---|---|---|"
for r in $(seq 1 "$BENCH_ROUNDS"); do
  wrk_run "$r, directory (no login), tiles" "$out/auth-tiles.txt" "$dir_port" ""
  wrk_run "$r, --db with Basic, tiles" "$out/auth-tiles.txt" "$db_port" "$basic"
  wrk_run "$r, --db with the session cookie, tiles" "$out/auth-tiles.txt" "$db_port" "$cookie"
  wrk_run "$r, directory (no login), /lookup" "$out/lookups.txt" "$dir_port" ""
  wrk_run "$r, --db with Basic, /lookup" "$out/lookups.txt" "$db_port" "$basic"
  wrk_run "$r, --db with the session cookie, /lookup" "$out/lookups.txt" "$db_port" "$cookie"
done
'
