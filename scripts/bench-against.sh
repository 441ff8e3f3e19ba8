#!/usr/bin/env bash
# The check of one generated commune by this tree's binary and by an older revision's, alternating in one run
# (the machine's load drifts: runs of one binary after the other would measure the drift). Prints each run and
# the medians of wall, user and system time and peak memory; the reports must be identical (summary.json
# apart: timings, and keys added since; conflicts of kinds added since, NEW_KINDS, set aside).
#
#   scripts/bench-against.sh 9e34c72              # 1M parcels, 7 runs each
#   BENCH_PARCELS=100000 BENCH_RUNS=9 scripts/bench-against.sh 9e34c72
#   OLD_BIN=/path/to/thuadat scripts/bench-against.sh 9e34c72   # a binary already built at that revision
#
# The commune is `thuadat gen --parcels N --seed 7` without citizens.csv (issue 2's check: map and
# certificate rules), kept in BENCH_DIR (default /tmp/thuadat-bench) as bench-check.sh keeps it.
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:?usage: scripts/bench-against.sh <older revision>}
scripts/install-deps.sh
scripts/apt-install.sh time

bench=${BENCH_DIR:-/tmp/thuadat-bench}
n=${BENCH_PARCELS:-1000000}
runs=${BENCH_RUNS:-7}
mkdir -p "$bench"
cargo build --release --quiet
new=$bench/thuadat-new
cp target/release/thuadat "$new"
old=${OLD_BIN:-}
if [ -z "$old" ]; then
  old=$bench/thuadat-$rev
  if [ ! -x "$old" ]; then
    wt=$bench/worktree-$rev
    [ -d "$wt" ] || git worktree add --detach "$wt" "$rev" >/dev/null
    (cd "$wt" && cargo build --release --quiet)
    cp "$wt/target/release/thuadat" "$old"
    git worktree remove --force "$wt"
  fi
fi

ds=$bench/c$n
[ -f "$ds/truth.json" ] || "$new" gen "$ds" --parcels "$n" --seed 7 >/dev/null
core=$bench/c$n-core
mkdir -p "$core"
for f in "$ds"/*; do
  case $(basename "$f") in citizens.csv | truth.json) ;; *) ln -sf "$f" "$core/" ;; esac
done
cat "$ds"/* >/dev/null # warm the page cache: we measure the check, not the disk

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB; this tree $(git rev-parse --short HEAD) against $rev; $n parcels"
times=$bench/against.txt
: >"$times"
for i in $(seq 1 "$runs"); do
  for b in old new; do
    bin=$old
    [ $b = new ] && bin=$new
    rm -rf "$bench/r-$b"
    /usr/bin/time -f "$b %e %U %S %M" -a -o "$times" "$bin" check "$core" --out "$bench/r-$b" --quiet
    tail -1 "$times"
  done
done
# Kinds the older revision does not have (NEW_KINDS, comma-separated, default gap) are set aside: their
# conflicts, and the parcels they give a reason; everything else must be identical.
NEW_KINDS=${NEW_KINDS:-gap} python3 - "$bench/r-old" "$bench/r-new" <<'PY'
import csv, json, os, sys
old, new = sys.argv[1], sys.argv[2]
fresh = set(k for k in os.environ["NEW_KINDS"].split(",") if k)
# holders.csv: the older revision's columns (columns added since, like candidate_id, set aside).
def holders(d, width=None):
    rows = list(csv.reader(open(f"{d}/holders.csv", encoding="utf-8", newline="")))
    return [r[:width or len(rows[0])] for r in rows]
old_holders = holders(old)
if old_holders != holders(new, len(old_holders[0])):
    sys.exit("reports differ: holders.csv")
def conflicts(d):
    fc = json.load(open(f"{d}/conflicts.geojson", encoding="utf-8"))
    return [f for f in fc["features"] if f["properties"]["kind"] not in fresh]
a, b = conflicts(old), conflicts(new)
if a != b:
    sys.exit(f"reports differ: conflicts.geojson ({len(a)} and {len(b)} conflicts of the old kinds)")
ra = list(csv.reader(open(f"{old}/parcels.csv", encoding="utf-8")))
rb = list(csv.reader(open(f"{new}/parcels.csv", encoding="utf-8")))
if len(ra) != len(rb) or ra[0] != rb[0]:
    sys.exit("reports differ: parcels.csv rows")
at = rb[0].index("reasons")
kept = [(x, y) for x, y in zip(ra[1:], rb[1:]) if not fresh & set(y[at].split(";"))]
if any(x != y for x, y in kept):
    sys.exit("reports differ: parcels.csv")
print(f"reports identical but for {sorted(fresh)}: holders.csv; {len(a)} conflicts; {len(kept)} of {len(rb) - 1} parcels "
      f"({len(rb) - 1 - len(kept)} with a reason of the new kinds set aside)")
PY
python3 - "$times" <<'PY'
import statistics as st, sys
rows = [l.split() for l in open(sys.argv[1])]
med = {}
for b in ("old", "new"):
    r = [x for x in rows if x[0] == b]
    m = [st.median(float(x[k]) for x in r) for k in (1, 2, 3)] + [st.median(int(x[4]) for x in r) / 1024]
    med[b] = m
    print(f"{b}: median wall {m[0]:.2f} s, user {m[1]:.2f} s, system {m[2]:.2f} s, peak {m[3]:.0f} MB "
          f"(wall {min(float(x[1]) for x in r):.2f}-{max(float(x[1]) for x in r):.2f} s, {len(r)} runs)")
print(f"new/old: wall {med['new'][0] / med['old'][0]:.3f}, user {med['new'][1] / med['old'][1]:.3f}")
PY
