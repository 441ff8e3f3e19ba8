#!/usr/bin/env bash
# Soak test of `thuadat serve` (issue 14): the release server on loopback under mixed traffic from wrk (vector
# tiles z14-z18, feature pages and items, /lookup, and about one request in ten deliberately bad: 400, 404,
# 405, 414) at 256 connections for 10 minutes. While it runs, the server's RSS, open file descriptors and a
# /health probe are sampled every 5 s. Prints the answers by status class, wrk's errors, latency percentiles
# and RSS over time; then stops the server with SIGTERM.
#
# Exits non-zero on any failure that is not a deliberate 4xx: a 5xx, a socket error (connect, read, write,
# timeout), a 4xx share far from the bad requests' share, a /health probe that fails, a panic in the server's
# log, or a server that does not stop cleanly. Everything is bounded: wrk runs SOAK_SECONDS, each probe 5 s.
#
#   scripts/soak.sh                          # the bundled sample, 600 s, 256 connections
#   SOAK_SECONDS=60 scripts/soak.sh          # shorter
#   SOAK_PARCELS=20000 scripts/soak.sh       # a generated commune of that size instead of the sample
#   SOAK_CONNECTIONS=256 SOAK_THREADS=2 SOAK_DIR=/tmp/soak scripts/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/apt-install.sh wrk curl python3

secs=${SOAK_SECONDS:-600}
conns=${SOAK_CONNECTIONS:-256}
threads=${SOAK_THREADS:-2}
work=${SOAK_DIR:-$(mktemp -d /tmp/thuadat-soak.XXXXXX)}
mkdir -p "$work"
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-$PWD/target}/release/thuadat

if [ -n "${SOAK_PARCELS:-}" ]; then
  ds=$work/c$SOAK_PARCELS
  [ -f "$ds/truth.json" ] || "$bin" gen "$ds" --parcels "$SOAK_PARCELS" --seed 7 >/dev/null
else
  ds=data/sample
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
"$bin" serve "$ds" --addr "127.0.0.1:$port" > "$work/serve.out" 2> "$work/serve.err" &
server=$!
sampler=
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
  kill "$server" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 1200); do curl -sf -m 2 "$base/health" >/dev/null && break; sleep 0.5; done
curl -sf -m 5 "$base/health" >/dev/null || { echo "the server did not start" >&2; cat "$work/serve.err" >&2; exit 1; }

# The request list: ~6000 lines `METHOD path expected-class`, shuffled (seeded), checked once before the soak.
python3 - "$base" "$work" <<'PY'
import http.client, json, math, random, sys, urllib.parse
base, work = sys.argv[1], sys.argv[2]
host, port = base[len("http://"):].split(":")
conn = http.client.HTTPConnection(host, int(port), timeout=30)
def get(path, method="GET"):
    conn.request(method, path)
    r = conn.getresponse()
    return r.status, r.read()
tj = json.loads(get("/tiles.json")[1])
w, s, e, n = tj["bounds"]
groups = [g["name"] for g in json.loads(get("/groups")[1])["groups"]]
parcels = [f["id"] for f in json.loads(get("/collections/parcels/items?limit=500")[1])["features"]]
conflicts = [f["id"] for f in json.loads(get("/collections/conflicts/items?limit=200")[1])["features"]]
rng = random.Random(14)
q = lambda v: urllib.parse.quote(v, safe="")
def tile(z, lon, lat):
    k = 2 ** z
    x = int((lon + 180) / 360 * k)
    y = int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * k)
    return x, y
def pt():
    return rng.uniform(w, e), rng.uniform(s, n)
good = []
for _ in range(3000):  # tiles, one in five cut to a group
    z = rng.randint(14, 18)
    x, y = tile(z, *pt())
    g = f"?group={q(rng.choice(groups))}" if groups and rng.random() < 0.2 else ""
    good.append(f"/tiles/{z}/{x}/{y}.mvt{g}")
for _ in range(1200):  # look-ups
    lon, lat = pt()
    good.append(f"/lookup?lon={lon:.7f}&lat={lat:.7f}&accuracy={rng.choice([0, 5, 10, 30])}")
for _ in range(1200):  # features
    r = rng.random()
    if r < 0.35:
        lon, lat = pt()
        d = rng.uniform(0.0005, 0.003)
        good.append(f"/collections/parcels/items?bbox={lon:.6f},{lat:.6f},{lon + d:.6f},{lat + d:.6f}&limit=50")
    elif r < 0.55:
        good.append(f"/collections/parcels/items/{q(rng.choice(parcels))}")
    elif r < 0.7 and conflicts:
        good.append(f"/collections/conflicts/items/{q(rng.choice(conflicts))}")
    elif r < 0.85:
        good.append(f"/collections/conflicts/items?limit=20&offset={rng.randint(0, 200)}")
    else:
        good.append(rng.choice(["/", "/collections", "/collections/parcels", "/conformance", "/tiles.json",
                                "/groups", "/health", "/conflicts.csv"]))
bad = []
for _ in range(600):
    bad.append(rng.choice([
        "/tiles/25/0/0.mvt", "/tiles/3/9/0.mvt", "/tiles/abc/0/0.mvt", "/tiles/3/0/0.png",
        "/lookup?lon=abc&lat=21", "/lookup?lon=181&lat=21", "/lookup?lon=105&lat=21&accuracy=1e9",
        "/collections/nothing", "/collections/parcels/items?bbox=106,20,105,21",
        "/collections/parcels/items?limit=0", "/collections/parcels/items/no-such-parcel",
        "/conflicts.csv?group=nobody", "/nothing/here", "/" + "a" * 9000,
    ]))
lines = [f"GET {p} ok" for p in good] + [f"GET {p} bad" for p in bad] + ["DELETE /health bad"] * 20
# Each distinct request answers as classed (the soak then counts classes only: wrk cannot pair answers with
# requests).
checked = {}
for line in lines:
    method, path, want = line.split(" ")
    if (method, path) in checked:
        continue
    status, _ = get(path, method)
    checked[(method, path)] = status
    if (want == "ok") != (200 <= status < 300) or (want == "bad" and not 400 <= status < 500):
        sys.exit(f"{method} {path[:80]}: {status}, expected {want}")
rng.shuffle(lines)
with open(f"{work}/requests.txt", "w") as f:
    f.writelines(f"{l}\n" for l in lines)
print(f"{len(lines)} requests ({len(bad) + 20} bad, {len(checked)} distinct), each checked once: "
      f"{sum(1 for v in checked.values() if v < 300)} answer 2xx, {sum(1 for v in checked.values() if v >= 400)} 4xx")
PY

cat > "$work/soak.lua" <<'LUA'
local threads = {}
local n = 0
function setup(thread)
  n = n + 1
  thread:set("id", n)
  table.insert(threads, thread)
end
local reqs = {}
local i = 0
function init(args)
  for line in io.lines(args[1]) do
    local method, path = line:match("^(%u+) (%S+) ")
    reqs[#reqs + 1] = wrk.format(method, path)
  end
  i = math.floor(#reqs * (id - 1) / tonumber(args[2]))
  c2, c3, c4, c5 = 0, 0, 0, 0
end
function request()
  i = i % #reqs + 1
  return reqs[i]
end
function response(status, headers, body)
  if status < 300 then c2 = c2 + 1
  elseif status < 400 then c3 = c3 + 1
  elseif status < 500 then c4 = c4 + 1
  else c5 = c5 + 1 end
end
function done(summary, latency, requests)
  local t = { 0, 0, 0, 0 }
  for _, th in ipairs(threads) do
    t[1] = t[1] + th:get("c2"); t[2] = t[2] + th:get("c3"); t[3] = t[3] + th:get("c4"); t[4] = t[4] + th:get("c5")
  end
  local e = summary.errors
  io.write(string.format("SOAK requests=%d seconds=%.1f 2xx=%d 3xx=%d 4xx=%d 5xx=%d connect=%d read=%d write=%d timeout=%d p50=%.2f p90=%.2f p99=%.2f p999=%.2f max=%.2f\n",
    summary.requests, summary.duration / 1e6, t[1], t[2], t[3], t[4], e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000))
end
LUA

# RSS, open descriptors, threads and a /health probe every 5 s while wrk runs (bounded by wrk's time).
(
  t0=$(date +%s)
  while kill -0 "$server" 2>/dev/null && [ $(( $(date +%s) - t0 )) -le $(( secs + 30 )) ]; do
    rss=$(awk '/^VmRSS/{print $2}' "/proc/$server/status" 2>/dev/null || echo 0)
    fds=$(ls "/proc/$server/fd" 2>/dev/null | wc -l)
    thr=$(awk '/^Threads/{print $2}' "/proc/$server/status" 2>/dev/null || echo 0)
    health=$(curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}' "$base/health" || true)
    echo "$(( $(date +%s) - t0 )) $rss $fds $thr ${health:-000 5}"
    sleep 5
  done
) > "$work/samples.txt" &
sampler=$!

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB; thuadat $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(sed -n 's/^serving //p' "$work/serve.out")"
echo "wrk -t$threads -c$conns -d${secs}s --timeout 10s on the same machine (loopback); work dir $work"
wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 10s -s "$work/soak.lua" "$base" -- "$work/requests.txt" "$threads" \
  > "$work/wrk.txt" 2>&1 || true
sleep 6
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
sampler=

python3 - "$work" <<'PY'
import re, sys
work = sys.argv[1]
wrk = open(f"{work}/wrk.txt").read()
m = re.search(r"^SOAK (.*)$", wrk, re.M)
if not m:
    print(wrk)
    sys.exit("wrk printed no summary")
v = {k: float(x) for k, x in (kv.split("=") for kv in m.group(1).split())}
lines = open(f"{work}/requests.txt").read().splitlines()
bad_share = sum(1 for l in lines if l.endswith(" bad")) / len(lines)
answered = v["2xx"] + v["3xx"] + v["4xx"] + v["5xx"]
socket_errors = v["connect"] + v["read"] + v["write"] + v["timeout"]
print()
print(f"requests {int(v['requests']):,} in {v['seconds']:.0f} s ({v['requests'] / v['seconds']:,.0f}/s)")
print(f"answers: 2xx {int(v['2xx']):,}, 3xx {int(v['3xx']):,}, 4xx {int(v['4xx']):,} "
      f"({100 * v['4xx'] / max(answered, 1):.2f} %; the bad requests are {100 * bad_share:.2f} % of the list), "
      f"5xx {int(v['5xx']):,}")
print(f"socket errors: connect {int(v['connect'])}, read {int(v['read'])}, write {int(v['write'])}, "
      f"timeout {int(v['timeout'])}")
print(f"latency ms: p50 {v['p50']:.2f}, p90 {v['p90']:.2f}, p99 {v['p99']:.2f}, p99.9 {v['p999']:.2f}, max {v['max']:.2f}")
rows = [l.split() for l in open(f"{work}/samples.txt").read().splitlines() if l.strip()]
print()
print("| t (s) | RSS (MB) | open fds | threads | /health (status, s) |")
print("|---|---|---|---|---|")
step = max(1, len(rows) // 20)
shown = rows[::step] + ([rows[-1]] if rows and (len(rows) - 1) % step else [])
for t, rss, fds, thr, code, secs in shown:
    print(f"| {t} | {int(rss) / 1024:.0f} | {fds} | {thr} | {code} {float(secs):.3f} |")
rss = [int(r[1]) / 1024 for r in rows]
failed_probes = [r for r in rows if r[4] != "200"]
probe = sorted(float(r[5]) for r in rows)
if rows:
    print(f"RSS MB: first {rss[0]:.0f}, min {min(rss):.0f}, max {max(rss):.0f}, last {rss[-1]:.0f}; "
          f"/health probes: {len(rows)}, failed {len(failed_probes)}, slowest {probe[-1]:.3f} s")
problems = []
if v["5xx"]:
    problems.append(f"{int(v['5xx'])} answers 5xx")
if socket_errors:
    problems.append(f"{int(socket_errors)} socket errors")
if answered and abs(v["4xx"] / answered - bad_share) > 0.02:
    problems.append("the 4xx share is not the bad requests' share")
if failed_probes:
    problems.append(f"{len(failed_probes)} /health probes failed")
open(f"{work}/verdict.txt", "w").write("; ".join(problems))
PY

if grep -q "panicked" "$work/serve.err"; then
  echo "the server panicked:" >&2
  grep -m5 "panicked" "$work/serve.err" >&2
  echo "; panics in the server log" >> "$work/verdict.txt"
fi
kill -TERM "$server"
stopped=
# Exited (a zombie until waited for) within 15 s?
for _ in $(seq 1 150); do
  state=$(awk '{print $3}' "/proc/$server/stat" 2>/dev/null || echo gone)
  if [ "$state" = Z ] || [ "$state" = gone ]; then stopped=1; break; fi
  sleep 0.1
done
code=0
[ -n "$stopped" ] || kill -KILL "$server" 2>/dev/null || true
wait "$server" || code=$?
trap - EXIT
if [ -z "$stopped" ] || [ "$code" -ne 0 ]; then
  echo "; the server did not stop cleanly on SIGTERM (exit $code)" >> "$work/verdict.txt"
fi
verdict=$(cat "$work/verdict.txt")
if [ -n "$verdict" ]; then
  echo "SOAK FAILED: $verdict" >&2
  exit 1
fi
echo "soak passed: no 5xx, no socket errors, every /health probe answered, clean stop (exit 0 on SIGTERM)"
