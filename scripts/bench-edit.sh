#!/usr/bin/env bash
# What an edit costs (issue 18): `PATCH /collections/parcels/items/{id}` replacing one parcel's geometry (moved by
# about 0.1 m, with If-Match), answered after the edit's transaction, the incremental re-check, the store sync
# and the served data brought up to date in place (each step's median from the answer's `timings_ms`; the
# server makes its live commune and a spare copy of the served data ready in the background after it starts,
# reported apart, as is its first edit); against `thuadat check --db` of the same commune (the full re-check),
# in the same run, on a generated commune imported into a throwaway PostGIS. The in-memory re-check alone on
# 1M parcels: `THUADAT_BENCH_COMMUNE=<dir> cargo bench --bench live`.
#
#   scripts/bench-edit.sh          # BENCH_DIR (default /tmp/thuadat-bench), BENCH_PARCELS=100000, BENCH_EDITS=100
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/apt-install.sh curl python3
bench=${BENCH_DIR:-/tmp/thuadat-bench}
n=${BENCH_PARCELS:-100000}
mkdir -p "$bench"
cargo build --release --quiet
export BENCH_BIN=$PWD/target/release/thuadat BENCH_DS=$bench/c$n BENCH_OUT=$bench BENCH_EDITS=${BENCH_EDITS:-100}
[ -f "$BENCH_DS/truth.json" ] || "$BENCH_BIN" gen "$BENCH_DS" --parcels "$n" --seed 7 >/dev/null

scripts/with-postgis.sh bash -c '
set -euo pipefail
bin=$BENCH_BIN; out=$BENCH_OUT
"$bin" import "$BENCH_DS" --db "$DATABASE_URL" --by bench > /dev/null
echo "bench-password-1" | "$bin" user add bench --role officer --db "$DATABASE_URL" --password-stdin > /dev/null
port=$(python3 -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])")
"$bin" serve --db "$DATABASE_URL" --addr "127.0.0.1:$port" --request-timeout 600 --idle-timeout 660 > "$out/serve-edit.log" 2>&1 &
server=$!
trap "kill $server 2>/dev/null || true" EXIT
rss() { awk "/VmRSS/ {print int(\$2/1024)}" /proc/$server/status; }
for _ in $(seq 1 1200); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done
echo "server RSS when it first answers: $(rss) MiB"
for _ in $(seq 1 2400); do grep -q "ready for edits" "$out/serve-edit.log" && break; sleep 0.5; done
echo "$(grep -o "ready for edits in [0-9.]* s" "$out/serve-edit.log"); server RSS then: $(rss) MiB"
python3 - "$port" "$BENCH_EDITS" <<PY
import base64, json, random, statistics, sys, time, urllib.request
port, edits = sys.argv[1], int(sys.argv[2])
auth = "Basic " + base64.b64encode(b"bench:bench-password-1").decode()
def req(method, path, body=None, headers={}):
    r = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, data=body,
                               headers={"Authorization": auth, "Content-Type": "application/json", **headers})
    with urllib.request.urlopen(r) as f:
        return json.load(f), f.headers
random.seed(18)
ids = [f["id"] for f in req("GET", "/collections/parcels/items?limit=10000")[0]["features"]]
rows = []
for k in range(edits + 1):
    pid = random.choice(ids)
    f, h = req("GET", f"/collections/parcels/items/{pid}")
    # Moved by up to about 0.1 m (1e-6 degrees): overlaps with the neighbours come and go.
    dx, dy = random.uniform(-1e-6, 1e-6), random.uniform(-1e-6, 1e-6)
    def move(c):
        return [move(x) for x in c] if isinstance(c[0], list) else [c[0] + dx, c[1] + dy]
    g = f["geometry"]
    body = json.dumps({"geometry": {"type": g["type"], "coordinates": move(g["coordinates"])}}).encode()
    t = time.perf_counter()
    done, _ = req("PATCH", f"/collections/parcels/items/{pid}", body, {"If-Match": h["ETag"]})
    rows.append((time.perf_counter() - t, done["recheck"], done["timings_ms"], done.get("served_data")))
first = rows[0]
inc = [r for r in rows[1:] if r[1] == "incremental"]
ms = sorted(r[0] * 1000 for r in inc)
q = lambda p: ms[round((len(ms) - 1) * p)]
part = lambda k: statistics.median(r[2][k] for r in inc)
rc, st, sv = part("recheck"), part("store"), part("served")
print(f"first edit ({first[1]} re-check, served data {first[3]}): {first[0]:.3f} s")
print("served data: " + ", ".join(f"{k} {sum(1 for r in rows[1:] if r[3] == k)}" for k in ("in place", "whole")))
print(f"incremental edits: {len(inc)}; answered p50 {q(0.5):.1f} ms, p99 {q(0.99):.1f} ms, max {ms[-1]:.1f} ms; "
      f"p50 of the steps: re-check {rc:.2f} ms, store sync {st:.2f} ms, served data {sv:.2f} ms")
PY
echo "server RSS after the edits (live commune and two copies of the served data): $(rss) MiB"
start=$(date +%s.%N)
rm -rf "$out/report-edit"; "$bin" check --db "$DATABASE_URL" --commune 00118 --out "$out/report-edit" > /dev/null
echo "peer: check --db of the same commune: $(python3 -c "print(f\"{$(date +%s.%N) - $start:.3f}\")") s"
'
