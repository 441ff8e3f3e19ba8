#!/usr/bin/env bash
# What an edit costs (issue 18): `PATCH /certificates/{id}` (re-point an unmatched certificate to its likely
# parcel, with If-Match), answered after the edit's transaction, the commune's re-check and the swap of the
# served data; against `thuadat check --db` of the same commune (the full re-check it must come to equal), in
# the same run, on a generated commune imported into a throwaway PostGIS.
#
#   scripts/bench-edit.sh          # BENCH_DIR (default /tmp/thuadat-bench), BENCH_PARCELS=100000, BENCH_EDITS=10
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/apt-install.sh curl python3
bench=${BENCH_DIR:-/tmp/thuadat-bench}
n=${BENCH_PARCELS:-100000}
mkdir -p "$bench"
cargo build --release --quiet
export BENCH_BIN=$PWD/target/release/thuadat BENCH_DS=$bench/c$n BENCH_OUT=$bench BENCH_EDITS=${BENCH_EDITS:-10}
[ -f "$BENCH_DS/truth.json" ] || "$BENCH_BIN" gen "$BENCH_DS" --parcels "$n" --seed 7 >/dev/null

scripts/with-postgis.sh bash -c '
set -euo pipefail
bin=$BENCH_BIN; out=$BENCH_OUT
"$bin" import "$BENCH_DS" --db "$DATABASE_URL" --by bench > /dev/null
echo "bench-password-1" | "$bin" user add bench --role officer --db "$DATABASE_URL" --password-stdin > /dev/null
port=$(python3 -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])")
"$bin" serve --db "$DATABASE_URL" --addr "127.0.0.1:$port" > "$out/serve-edit.log" 2>&1 &
server=$!
trap "kill $server 2>/dev/null || true" EXIT
for _ in $(seq 1 1200); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done
python3 - "$port" "$BENCH_EDITS" <<PY
import base64, json, statistics, sys, time, urllib.request
port, edits = sys.argv[1], int(sys.argv[2])
auth = "Basic " + base64.b64encode(b"bench:bench-password-1").decode()
def req(method, path, body=None, headers={}):
    r = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, data=body,
                               headers={"Authorization": auth, "Content-Type": "application/json", **headers})
    with urllib.request.urlopen(r) as f:
        return json.load(f), f.headers
work, _ = req("GET", "/work?kind=unmatched_certificate&limit=1000")
items = [i for i in work["items"] if i["located_by"] == "candidate"][:edits]
times = []
for it in items:
    cert = it["cert_ids"][0]
    _, h = req("GET", f"/certificates/{cert}")
    body = json.dumps({"sheet": it["parcel"]["sheet"], "parcel_no": str(it["parcel"]["parcel_no"])}).encode()
    t = time.perf_counter()
    done, _ = req("PATCH", f"/certificates/{cert}", body, {"If-Match": h["ETag"]})
    times.append(time.perf_counter() - t)
    assert done["served"]["parcel_ids"] == [it["parcel"]["id"]], done
print(f"edits: {len(times)}; p50 {statistics.median(times):.3f} s, min {min(times):.3f} s, max {max(times):.3f} s")
PY
start=$(date +%s.%N)
rm -rf "$out/report-edit"; "$bin" check --db "$DATABASE_URL" --commune 00118 --out "$out/report-edit" > /dev/null
echo "peer: check --db of the same commune: $(python3 -c "print(f\"{$(date +%s.%N) - $start:.3f}\")") s"
'
