#!/usr/bin/env bash
# Compares `thuadat check` with PostGIS/GEOS on the real Da Nang parcels: invalid geometries, duplicate parcel
# numbers and overlaps above the tolerance, ward by ward (docs/DANANG.md has the results and their explanation).
#
#   scripts/compare-danang.sh [--out DIR] [WARD ...]      (default: all wards of tests/fixtures/parcels-danang)
#
# Runs itself under scripts/with-postgis.sh unless a PostGIS database is already reachable through the PG*
# variables. Uses target/release/thuadat (built when missing; THUADAT=path overrides). Prints a per-ward table
# and every difference; with --out DIR keeps the datasets, reports, PostGIS lists (CSV) and differences.md there.
# Differences are findings: the exit code is non-zero only when a step fails.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
data=${DANANG_DATA:-$repo/tests/fixtures/parcels-danang}

out=""
wards=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --out=*) out=${1#--out=}; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) wards+=("$1"); shift ;;
  esac
done

# Under PostGIS? Otherwise start a throwaway server and come back.
if [ -z "${PGPORT:-}" ] || ! psql -X -qAt -c 'select postgis_version()' >/dev/null 2>&1; then
  args=()
  [ -n "$out" ] && args+=(--out "$out")
  exec "$here/with-postgis.sh" "$0" "${args[@]}" "${wards[@]}"
fi

[ -d "$data" ] || { echo "no data directory $data (set DANANG_DATA)" >&2; exit 1; }
if [ ${#wards[@]} -eq 0 ]; then
  for f in "$data"/*.geojson.gz; do
    w=$(basename "$f" .geojson.gz)
    wards+=("$w")
  done
fi
[ ${#wards[@]} -gt 0 ] || { echo "no *.geojson.gz in $data" >&2; exit 1; }

thuadat=${THUADAT:-$repo/target/release/thuadat}
if [ ! -x "$thuadat" ]; then
  echo "building $thuadat" >&2
  (cd "$repo" && cargo build --release --quiet)
fi

if [ -n "$out" ]; then
  mkdir -p "$out"
  out=$(cd "$out" && pwd)
else
  out=$(mktemp -d "${TMPDIR:-/tmp}/compare-danang.XXXXXX")
  trap 'rm -rf "$out"' EXIT
fi

pg_conn="PG:host=$PGHOST port=$PGPORT user=$PGUSER dbname=$PGDATABASE"
header='cert_id,serial,commune,sheet,parcel_no,area,land_use,issued,holder_name,holder_id,holder_birth,address'

for w in "${wards[@]}"; do
  src="$data/$w.geojson.gz"
  [ -f "$src" ] || { echo "no $src" >&2; exit 1; }
  d="$out/$w"
  rm -rf "$d"
  mkdir -p "$d/dataset"

  # thuadat's side.
  ln -s "$src" "$d/dataset/parcels.geojson.gz"
  echo "$header" >"$d/dataset/certificates.csv"
  cat >"$d/dataset/dataset.toml" <<EOF
name = "Da Nang ward $w"
[columns.parcels]
commune = "MaXa"
sheet = "SoHieuToBanDo"
parcel_no = "SoThuTuThua"
area = "DienTich"
land_use = "KyHieuMucDichSuDung"
EOF
  "$thuadat" check "$d/dataset" --out "$d/report" --quiet

  # PostGIS's side: ogr_fid = feature index, so the ids and their _2, _3 follow the file order.
  ogr2ogr -q -f PostgreSQL "$pg_conn" "/vsigzip/$src" -nln "ward_$w" -overwrite -preserve_fid \
    -lco GEOMETRY_NAME=geom -lco FID=ogr_fid -lco PRECISION=NO -lco SPATIAL_INDEX=GIST
  psql -X -q -v ON_ERROR_STOP=1 -v tbl="ward_$w" -v sch="w$w" -v edge_area=0.1 -f "$here/danang/ward.sql" >/dev/null
  for t in parcels invalid dups pairs pairs_invalid gaps; do
    psql -X -q -v ON_ERROR_STOP=1 --csv -c "SELECT * FROM w$w.$t" >"$d/pg_$t.csv"
  done
done

python3 "$here/danang/compare.py" "$out" "${wards[@]}"
