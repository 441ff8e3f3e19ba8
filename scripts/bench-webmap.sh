#!/usr/bin/env bash
# The web map's first map with the CPU slowed 4× (issue 17): time from navigation to a ready page (map
# loaded, the group's work list drawn) and to an idle map (every tile of the view drawn), desktop 1280×800 and
# phone 360×740, on a generated commune of 18,869 parcels, opened on every group (a first visit) and on the
# group with the most conflicts (a shared link); against the web
# map of another build (OLD_BIN, e.g. the commit before the workplace) in the same run, alternating.
#
#   OLD_BIN=/path/to/old/thuadat scripts/bench-webmap.sh      # BENCH_DIR (default /tmp/thuadat-bench), BENCH_RUNS=5
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/web-deps.sh >/dev/null
bench=${BENCH_DIR:-/tmp/thuadat-bench}
n=${BENCH_PARCELS:-18869}
runs=${BENCH_RUNS:-5}
mkdir -p "$bench"
cargo build --release --quiet
bin=$PWD/target/release/thuadat
ds=$bench/c$n
[ -f "$ds/truth.json" ] || "$bin" gen "$ds" --parcels "$n" --seed 7 >/dev/null

free_port() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"; }
start() { # binary -> the server in the background: its pid in $server, its port in $port
  port=$(free_port)
  "$1" serve "$ds" --addr "127.0.0.1:$port" > "$bench/serve-webmap.log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done
}
servers=("new:$bin")
[ -n "${OLD_BIN:-}" ] && servers+=("old:$OLD_BIN")
for s in "${servers[@]}"; do
  name=${s%%:*}; b=${s#*:}
  start "$b"
  group=$(curl -s "http://127.0.0.1:$port/groups" | python3 -c "import json,sys,urllib.parse; g=max(json.load(sys.stdin)['groups'], key=lambda g: g['conflicts']); print(urllib.parse.quote(g['name']))")
  for hash in "" "#group=$group"; do
    for size in "1280 800" "360 740"; do
      set -- $size
      line=$(node web/bench/first-map.mjs "http://127.0.0.1:$port" "$hash" "$runs" "$1" "$2" | tail -1)
      echo "$name ${1}x$2 ${hash:-(every group)} $line"
    done
  done
  kill "$server"; wait "$server" 2>/dev/null || true
done
