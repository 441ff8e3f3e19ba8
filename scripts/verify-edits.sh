#!/usr/bin/env bash
# The invariant of issue 18 on a large commune: random edits through the API (parcels moved, renumbered and
# retired, splits mapped; certificates re-pointed and cancelled; holders' current ids set, holder links
# confirmed), then the stored present conflicts and every served parcel's
# status equal a full `thuadat check` of `thuadat export` of the commune. A generated commune imported into a
# throwaway PostGIS. Exits non-zero when they differ.
#
#   scripts/verify-edits.sh        # BENCH_DIR (default /tmp/thuadat-bench), BENCH_PARCELS=100000, VERIFY_EDITS=1000
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/apt-install.sh curl python3
bench=${BENCH_DIR:-/tmp/thuadat-bench}
n=${BENCH_PARCELS:-100000}
mkdir -p "$bench"
cargo build --release --quiet
export BENCH_BIN=$PWD/target/release/thuadat BENCH_DS=$bench/c$n BENCH_OUT=$bench VERIFY_EDITS=${VERIFY_EDITS:-1000}
[ -f "$BENCH_DS/truth.json" ] || "$BENCH_BIN" gen "$BENCH_DS" --parcels "$n" --seed 7 >/dev/null

scripts/with-postgis.sh bash -c '
set -euo pipefail
bin=$BENCH_BIN; out=$BENCH_OUT
"$bin" import "$BENCH_DS" --db "$DATABASE_URL" --by verify > /dev/null
echo "verify-password-1" | "$bin" user add verify --role officer --db "$DATABASE_URL" --password-stdin > /dev/null
port=$(python3 -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])")
"$bin" serve --db "$DATABASE_URL" --addr "127.0.0.1:$port" --request-timeout 600 --idle-timeout 660 > "$out/serve-verify.log" 2>&1 &
server=$!
trap "kill $server 2>/dev/null || true" EXIT
for _ in $(seq 1 1200); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done
rm -rf "$out/verify-export" "$out/verify-report"
python3 - "$port" "$VERIFY_EDITS" "$bin" "$DATABASE_URL" "$out" <<PY
import base64, csv, json, random, subprocess, sys, time, urllib.error, urllib.request
port, edits, binary, url, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
auth = "Basic " + base64.b64encode(b"verify:verify-password-1").decode()
def req(method, path, body=None, headers={}):
    r = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, data=body,
                               headers={"Authorization": auth, "Content-Type": "application/json", **headers})
    with urllib.request.urlopen(r) as f:
        return json.load(f), f.headers
def all_parcels():
    feats, offset = [], 0
    while True:
        page = req("GET", f"/collections/parcels/items?limit=10000&offset={offset}")[0]["features"]
        feats += page
        if len(page) < 10000:
            return feats
        offset += 10000
def half(ring, m, west):
    # The part of a ring west (or east) of the meridian x = m (Sutherland-Hodgman against one half-plane).
    inside = (lambda c: c[0] <= m) if west else (lambda c: c[0] >= m)
    out = []
    for k, c in enumerate(ring):
        prev = ring[k - 1]
        if inside(c) != inside(prev):
            t = (m - prev[0]) / (c[0] - prev[0])
            out.append([m, prev[1] + t * (c[1] - prev[1])])
        if inside(c):
            out.append(c)
    return out
random.seed(18)
parcels = all_parcels()
certs = sorted({c for f in parcels for c in f["properties"]["cert_ids"].split(";") if c})
kinds, done, t0 = {}, 0, time.time()
seen_ids = []  # register ids seen on holder records: another person id for a holder
for _ in range(edits):
    what = random.choice(["move", "move", "renumber", "retire", "split", "repoint", "cancel", "holder_id", "confirm"])
    try:
        if what == "split":
            # A split mapped (one batch): the west half stays the parcel, the east half is a new one.
            p = random.choice(parcels)
            f, h = req("GET", "/collections/parcels/items/" + p["id"])
            g = f["geometry"]
            if g is None or g["type"] != "Polygon" or len(g["coordinates"]) != 1:
                continue
            ring = g["coordinates"][0][:-1]
            xs = [c[0] for c in ring]
            west, east = half(ring, (min(xs) + max(xs)) / 2, True), half(ring, (min(xs) + max(xs)) / 2, False)
            if len(west) < 3 or len(east) < 3:
                continue
            poly = lambda r: {"type": "Polygon", "coordinates": [r + [r[0]]]}
            q = f["properties"]
            new = {"sheet": q["sheet"], "parcel_no": 90000 + done, "group": q["group"], "land_use": q["land_use"]}
            body = {"comment": "tách thửa", "changes": [
                {"op": "update", "id": p["id"], "if_match": h["ETag"], "feature": {"type": "Feature", "geometry": poly(west)}},
                {"op": "create", "feature": {"type": "Feature", "geometry": poly(east), "properties": new}}]}
            req("POST", "/parcels/batch", json.dumps(body).encode())
        elif what in ("holder_id", "confirm"):
            p = random.choice([p for p in parcels if p["properties"]["cert_ids"]])
            holders = req("GET", "/parcels/" + p["id"] + "/holders")[0]["holders"]
            if not holders:
                continue
            h = random.choice(holders)
            if h["register"] and len(h["register"]["citizen_id"] or "") == 12:
                seen_ids.append(h["register"]["citizen_id"])
            target = "/parcels/" + p["id"] + "/holders/" + str(h["line"])
            if what == "confirm":
                req("PUT", target, json.dumps({"decision": "confirmed"}).encode())
            else:
                # The register id of the person linked (the card read at the plot), else another person id.
                own = h["register"]["citizen_id"] if h["register"] else None
                new = own if own and len(own) == 12 and random.random() < 0.7 else (random.choice(seen_ids) if seen_ids else None)
                if not new:
                    continue
                req("PATCH", target, json.dumps({"holder_id": new}).encode(), {"If-Match": h["etag"]})
        elif what in ("move", "renumber", "retire"):
            p = random.choice(parcels)
            f, h = req("GET", "/collections/parcels/items/" + p["id"])
            if what == "move" and f["geometry"] is None:
                what = "retire"  # a parcel without geometry: nothing to move
            if what == "move":
                dx, dy = random.uniform(-2e-5, 2e-5), random.uniform(-2e-5, 2e-5)
                def move(c):
                    return [move(x) for x in c] if isinstance(c[0], list) else [c[0] + dx, c[1] + dy]
                g = f["geometry"]
                body = {"geometry": {"type": g["type"], "coordinates": move(g["coordinates"])}}
                req("PATCH", "/collections/parcels/items/" + p["id"], json.dumps(body).encode(), {"If-Match": h["ETag"]})
            elif what == "renumber":
                q = random.choice(parcels)["properties"]
                if q["sheet"] is None or q["parcel_no"] is None:
                    continue
                body = {"properties": {"sheet": q["sheet"], "parcel_no": q["parcel_no"] + random.choice([0, 1])}}
                req("PATCH", "/collections/parcels/items/" + p["id"], json.dumps(body).encode(), {"If-Match": h["ETag"]})
            else:
                req("DELETE", "/collections/parcels/items/" + p["id"], None, {"If-Match": h["ETag"]})
        else:
            c = random.choice(certs)
            _, h = req("GET", "/certificates/" + c)
            if what == "repoint":
                q = random.choice(parcels)["properties"]
                if q["sheet"] is None or q["parcel_no"] is None:
                    continue
                body = {"sheet": q["sheet"], "parcel_no": str(q["parcel_no"])}
            else:
                body = {"cancelled": True}
            req("PATCH", "/certificates/" + c, json.dumps(body).encode(), {"If-Match": h["ETag"]})
        done += 1
        kinds[what] = kinds.get(what, 0) + 1
    except urllib.error.HTTPError as e:
        if e.code != 404:  # a parcel renamed or retired by an earlier edit
            raise
        parcels = all_parcels()
print(f"{done} edits in {time.time() - t0:.0f} s: {kinds}")
subprocess.run([binary, "export", "--db", url, "--out", f"{out}/verify-export"], check=True, stdout=subprocess.DEVNULL)
subprocess.run([binary, "check", f"{out}/verify-export", "--out", f"{out}/verify-report", "--quiet"], check=True)
full = {f["properties"]["id"] for f in json.load(open(f"{out}/verify-report/conflicts.geojson"))["features"]}
served = set()
offset = 0
while True:
    page = req("GET", f"/collections/conflicts/items?limit=10000&offset={offset}")[0]["features"]
    served |= {f["id"] for f in page}
    if len(page) < 10000:
        break
    offset += 10000
stored = set(subprocess.run(["psql", url, "-Atc", "SELECT id FROM thuadat.conflict WHERE present"], check=True,
                            capture_output=True, text=True).stdout.split())
full_status = {r["parcel_id"]: r["status"] for r in csv.DictReader(open(f"{out}/verify-report/parcels.csv"))}
live_status = {f["id"]: str(f["properties"]["status"]) for f in all_parcels()}
print(f"conflicts: full check {len(full)}, stored {len(stored)}, served {len(served)}; parcels: full {len(full_status)}, served {len(live_status)}")
ok = full == stored == served and full_status == live_status
print("invariant holds" if ok else "INVARIANT BROKEN")
sys.exit(0 if ok else 1)
PY
'
