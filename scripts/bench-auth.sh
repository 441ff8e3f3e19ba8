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
export BENCH_SECS=${BENCH_SECONDS:-10} BENCH_ROUNDS=${BENCH_ROUNDS:-3} BENCH_CONNS=${BENCH_CONNECTIONS:-32}

scripts/with-postgis.sh bash -c '
set -euo pipefail
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
python3 - "$out" <<PY
import json, math, random, sys
d = sys.argv[1]
w, s, e, n = json.load(open(f"{d}/tiles.json"))["bounds"]
def tile(z, lon, lat):
    k = 2 ** z
    return int((lon + 180) / 360 * k), int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * k)
rng = random.Random(7)
with open(f"{d}/auth-tiles.txt", "w") as f:
    for _ in range(2000):
        z = rng.randint(14, 18)
        x, y = tile(z, rng.uniform(w, e), rng.uniform(s, n))
        f.write(f"/tiles/{z}/{x}/{y}.mvt\n")
with open(f"{d}/auth-lookups.txt", "w") as f:
    for _ in range(2000):
        f.write(f"/lookup?lon={rng.uniform(w, e):.7f}&lat={rng.uniform(s, n):.7f}&accuracy=10\n")
PY
cat > "$out/paths.lua" <<LUA
local paths = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = math.random(#paths)
end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
LUA
run() { # name, list, port, header
  local o
  if [ -n "$4" ]; then
    o=$(wrk -t2 -c"$BENCH_CONNS" -d"${BENCH_SECS}s" --latency -H "$4" -s "$out/paths.lua" "http://127.0.0.1:$3" -- "$2")
  else
    o=$(wrk -t2 -c"$BENCH_CONNS" -d"${BENCH_SECS}s" --latency -s "$out/paths.lua" "http://127.0.0.1:$3" -- "$2")
  fi
  python3 - "$1" "$o" <<PY
import re, sys
name, o = sys.argv[1], sys.argv[2]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", o).group(1))
def pct(p):
    m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)\b", o)
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
errs = re.search(r"Non-2xx or 3xx responses: (\d+)", o)
print(f"| {name} | {rps:,.0f} | {pct(50):.2f} | {pct(99):.2f} | {errs.group(1) if errs else 0} |")
PY
}
echo "machine: $(nproc) cores; wrk -t2 -c$BENCH_CONNS -d${BENCH_SECS}s on the same machine; thuadat $(git rev-parse --short HEAD 2>/dev/null || echo ?); $(sed -n "s/^serving //p" "$out/serve-dir.log" | sed "s/ on http.*//")"
echo
echo "| round, server, requests | requests/s | p50 ms | p99 ms | non-2xx |"
echo "|---|---|---|---|---|"
for r in $(seq 1 "$BENCH_ROUNDS"); do
  run "$r, directory (no login), tiles" "$out/auth-tiles.txt" "$dir_port" ""
  run "$r, --db with Basic, tiles" "$out/auth-tiles.txt" "$db_port" "$basic"
  run "$r, --db with the session cookie, tiles" "$out/auth-tiles.txt" "$db_port" "$cookie"
  run "$r, directory (no login), /lookup" "$out/auth-lookups.txt" "$dir_port" ""
  run "$r, --db with Basic, /lookup" "$out/auth-lookups.txt" "$db_port" "$basic"
  run "$r, --db with the session cookie, /lookup" "$out/auth-lookups.txt" "$db_port" "$cookie"
done
'
