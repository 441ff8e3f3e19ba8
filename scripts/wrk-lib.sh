# Shared by the HTTP benchmarks (bench-serve.sh, bench-auth.sh); sourced, not run. wrk walks a list of
# request paths; the lists are seeded, so every server of a run gets the same requests.

# wrk_lists <dir>: from <dir>/tiles.json (bounds), <dir>/tiles.txt (2,000 tiles z14-z18 inside the commune, as
# z/x/y) and <dir>/lookups.txt (2,000 /lookup paths, accuracy 10 m); and <dir>/paths.lua, which walks a list
# from a random start in each wrk thread.
wrk_lists() {
  python3 - "$1" <<'PY'
import json, math, random, sys
d = sys.argv[1]
w, s, e, n = json.load(open(f"{d}/tiles.json"))["bounds"]
def tile(z, lon, lat):
    k = 2 ** z
    x = int((lon + 180) / 360 * k)
    y = int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * k)
    return x, y
rng = random.Random(7)
with open(f"{d}/tiles.txt", "w") as f:
    for _ in range(2000):
        z = rng.randint(14, 18)
        x, y = tile(z, rng.uniform(w, e), rng.uniform(s, n))
        f.write(f"{z}/{x}/{y}\n")
with open(f"{d}/lookups.txt", "w") as f:
    for _ in range(2000):
        f.write(f"/lookup?lon={rng.uniform(w, e):.7f}&lat={rng.uniform(s, n):.7f}&accuracy=10\n")
PY
  cat > "$1/paths.lua" <<'LUA'
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
}

# wrk_run <name> <paths file> <port> [<header>]: one table row (requests/s, p50 and p99 in ms, non-2xx) of
# wrk -t2 -c$WRK_CONNS -d${WRK_SECS}s over loopback; <dir>/paths.lua is the paths file's directory's.
wrk_run() {
  local out header=()
  [ -n "${4:-}" ] && header=(-H "$4")
  out=$(wrk -t2 -c"$WRK_CONNS" -d"${WRK_SECS}s" --latency "${header[@]}" -s "$(dirname "$2")/paths.lua" \
    "http://127.0.0.1:$3" -- "$2")
  python3 - "$1" "$out" <<'PY'
import re, sys
name, out = sys.argv[1], sys.argv[2]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
def pct(p):
    m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)\b", out)
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
errs = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
print(f"| {name} | {rps:,.0f} | {pct(50):.2f} | {pct(99):.2f} | {errs.group(1) if errs else 0} |")
PY
}
