#!/usr/bin/env python3
"""Compares thuadat's report with the PostGIS/GEOS lists for each Da Nang ward (see scripts/compare-danang.sh).

Usage: compare.py OUT_DIR WARD...  where OUT_DIR/WARD/ holds pg_*.csv (from ward.sql) and report/ (thuadat).
Prints the per-ward table (Markdown) and every difference, and writes OUT_DIR/differences.md and
OUT_DIR/summary.json. Exits 0 whatever the differences (they are findings), non-zero only on a broken input.
"""
import csv
import json
import os
import sys

MIN_AREA = 0.5  # overlap_min_area_m2
GAP_MAX = 50.0  # gap_max_area_m2
NEAR_DUP = 0.9
EDGE_AREA = 0.1  # the lower end of the "just under the tolerance" band shown in the table
ROUNDING = 0.005 + 1e-9  # thuadat reports overlap areas rounded to 0.01 m2


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def fnum(s):
    return None if s in (None, "") else float(s)


def load_thuadat(report):
    with open(os.path.join(report, "conflicts.geojson"), encoding="utf-8") as f:
        fc = json.load(f)
    inv, dups, pairs, gaps = {}, set(), {}, {}
    for feat in fc["features"]:
        p = feat["properties"]
        kind, ids = p["kind"], p["parcel_ids"]
        if kind == "invalid_geometry":
            detail = p.get("detail") or ""
            inv[ids[0]] = detail.split(": ", 1)[1] if ": " in detail else detail
        elif kind == "duplicate_parcel_number":
            dups.add(frozenset(ids))
        elif kind == "overlap":
            if len(ids) != 2:
                raise SystemExit(f"{report}: overlap with {len(ids)} parcel ids: {ids}")
            key = tuple(sorted(ids))
            if key in pairs:
                raise SystemExit(f"{report}: overlap {key} reported twice")
            pairs[key] = (p["measure"], p.get("near_duplicate"))
        elif kind == "gap":
            gaps.setdefault(frozenset(ids), []).append(p["measure"])
    return inv, dups, pairs, gaps


def load_postgis(d):
    parcels = {r["parcel_id"]: r for r in read_csv(os.path.join(d, "pg_parcels.csv"))}
    inv = {r["parcel_id"]: r["reason"] for r in read_csv(os.path.join(d, "pg_invalid.csv"))}
    dups = {frozenset(r["parcel_ids"].split(" ")) for r in read_csv(os.path.join(d, "pg_dups.csv"))}
    pairs = {}
    for r in read_csv(os.path.join(d, "pg_pairs.csv")):
        pairs[(r["a_id"], r["b_id"])] = (fnum(r["area_m2"]), fnum(r["smaller_m2"]), fnum(r["area_tm_m2"]))
    pairs_inv = {(r["a_id"], r["b_id"]): fnum(r["area_m2"]) for r in read_csv(os.path.join(d, "pg_pairs_invalid.csv"))}
    gaps = {}
    for r in read_csv(os.path.join(d, "pg_gaps.csv")):
        ids = frozenset((r["parcel_ids"] or "").split(" ")) - {""}
        gaps.setdefault(ids, []).append((fnum(r["area_m2"]), fnum(r["area_tm_m2"]), r["point"]))
    return parcels, inv, dups, pairs, pairs_inv, gaps


def fmt(x, nd=2):
    return "null" if x is None else f"{x:.{nd}f}"


def compare_ward(out, ward):
    d = os.path.join(out, ward)
    t_inv, t_dups, t_pairs, t_gaps = load_thuadat(os.path.join(d, "report"))
    parcels, p_inv, p_dups, p_pairs, p_pairs_inv, p_gaps = load_postgis(d)
    diffs = []  # (class, text)

    # (a) invalid geometries
    for pid in sorted(set(t_inv) | set(p_inv)):
        if pid in t_inv and pid in p_inv:
            continue
        row = parcels.get(pid, {})
        if pid in t_inv:
            diffs.append(("invalid only in thuadat",
                          f"{pid} (OBJECTID {row.get('objectid')}): geo says `{t_inv[pid]}`; GEOS says valid "
                          f"on lon/lat, `{row.get('geos_invalid_tm') or 'valid'}` on thuadat's TM"))
        else:
            diffs.append(("invalid only in PostGIS",
                          f"{pid} (OBJECTID {row.get('objectid')}): GEOS says `{p_inv[pid]}` on lon/lat, "
                          f"`{row.get('geos_invalid_tm') or 'valid'}` on thuadat's TM; geo says valid"))

    # (b) duplicate parcel numbers
    for g in sorted(t_dups - p_dups, key=sorted):
        diffs.append(("duplicate group only in thuadat", " ".join(sorted(g))))
    for g in sorted(p_dups - t_dups, key=sorted):
        diffs.append(("duplicate group only in PostGIS", " ".join(sorted(g))))

    # (c) overlaps
    p_above = {k: v for k, v in p_pairs.items() if v[0] is not None and v[0] > MIN_AREA}
    p_edge = {k: v for k, v in p_pairs.items() if v[0] is not None and v[0] <= MIN_AREA}
    p_err = [k for k, v in p_pairs.items() if v[0] is None]
    for k in p_err:
        diffs.append(("GEOS intersection failed", f"{k[0]} x {k[1]}"))
    common = sorted(set(t_pairs) & set(p_above))
    max_abs, max_rel, worst, max_abs_tm = 0.0, 0.0, None, 0.0
    near_dup_diff = 0
    for k in common:
        ta, tnd = t_pairs[k]
        pa, smaller, ptm = p_above[k]
        dabs = abs(ta - pa)
        drel = dabs / pa if pa else 0.0
        dtm = abs(ta - ptm) if ptm is not None else float("inf")
        max_abs = max(max_abs, dabs)
        max_abs_tm = max(max_abs_tm, dtm)
        if drel > max_rel:
            max_rel, worst = drel, k
        pnd = pa >= NEAR_DUP * smaller
        if tnd is not None and bool(tnd) != pnd:
            near_dup_diff += 1
            diffs.append(("near_duplicate flag differs",
                          f"{k[0]} x {k[1]}: thuadat {tnd}, PostGIS {pnd} "
                          f"(overlap {pa:.3f} m2, smaller parcel {smaller:.3f} m2)"))
        if drel > 0.005 and dabs > ROUNDING:
            if dtm <= ROUNDING:
                cls = "overlap area differs by more than 0.5% (frame: matches GEOS in thuadat's TM)"
            else:
                cls = "SUSPECTED BUG: overlap area differs from GEOS in both frames"
            diffs.append((cls, f"{k[0]} x {k[1]}: thuadat {ta:.2f} m2, PostGIS {pa:.3f} m2 ({100 * drel:.2f}%), "
                               f"GEOS in thuadat's TM {fmt(ptm, 3)} m2"))

    def why_pair(k):
        bits = []
        for pid in k:
            row = parcels.get(pid, {})
            if pid in t_inv:
                bits.append(f"{pid} invalid for geo (`{t_inv[pid]}`)")
            if row.get("geos_invalid"):
                bits.append(f"{pid} invalid for GEOS (`{row['geos_invalid']}`)")
        return "; ".join(bits)

    for k in sorted(set(t_pairs) - set(p_above)):
        ta = t_pairs[k][0]
        if k in p_edge:
            pg = f"PostGIS {p_edge[k][0]:.3f} m2 (under the tolerance), GEOS in thuadat's TM {fmt(p_edge[k][2], 3)} m2"
        elif k in p_pairs_inv:
            pg = f"PostGIS {fmt(p_pairs_inv[k], 3)} m2 after ST_MakeValid (pair skipped: a GEOS-invalid parcel)"
        elif any(parcels.get(pid, {}).get("geos_invalid") for pid in k):
            pg = "PostGIS <= 0.1 m2 after ST_MakeValid (pair skipped: a GEOS-invalid parcel)"
        else:
            pg = "PostGIS <= 0.1 m2"
        why = why_pair(k)
        frame = k in p_edge and p_edge[k][2] is not None and p_edge[k][2] > MIN_AREA
        cls = "overlap only in thuadat" if why or frame else "SUSPECTED BUG: overlap only in thuadat"
        diffs.append((cls, f"{k[0]} x {k[1]}: thuadat {ta:.2f} m2; {pg}" + (f"; {why}" if why else "")))
    for k in sorted(set(p_above) - set(t_pairs)):
        why = why_pair(k)
        ptm = p_above[k][2]
        frame = ptm is not None and ptm <= MIN_AREA
        cls = "overlap only in PostGIS" if why or frame else "SUSPECTED BUG: overlap only in PostGIS"
        diffs.append((cls, f"{k[0]} x {k[1]}: PostGIS {p_above[k][0]:.3f} m2, GEOS in thuadat's TM {fmt(ptm, 3)} m2"
                           + (f"; {why}" if why else "")))

    # (d) gaps: holes of the union, matched by the parcels around them (areas in order where several share them)
    p_in = {k: sorted(h for h in v if MIN_AREA < h[0] <= GAP_MAX) for k, v in p_gaps.items()}
    p_in = {k: v for k, v in p_in.items() if v}
    t_n = sum(len(v) for v in t_gaps.values())
    p_n = sum(len(v) for v in p_in.values())
    gap_only_t = gap_only_p = 0
    gap_abs = gap_tm = 0.0
    for k in sorted(set(t_gaps) | set(p_in), key=sorted):
        ts, ps = sorted(t_gaps.get(k, [])), p_in.get(k, [])
        for ta, (pa, ptm, _) in zip(ts, ps):
            gap_abs = max(gap_abs, abs(ta - pa))
            gap_tm = max(gap_tm, abs(ta - ptm))
            if abs(ta - pa) > 0.005 * pa and abs(ta - pa) > ROUNDING:
                cls = ("gap area differs by more than 0.5% (frame: matches GEOS in thuadat's TM)"
                       if abs(ta - ptm) <= ROUNDING else "SUSPECTED BUG: gap area differs from GEOS in both frames")
                diffs.append((cls, f"{' '.join(sorted(k))}: thuadat {ta:.2f} m2, PostGIS {pa:.3f} m2, TM {ptm:.3f} m2"))
        for ta in ts[len(ps):]:
            gap_only_t += 1
            near = [h for h in p_gaps.get(k, []) if not MIN_AREA < h[0] <= GAP_MAX]
            pg = f"PostGIS {near[0][0]:.3f} m2 (outside the limits), TM {near[0][1]:.3f} m2" if near else "no PostGIS hole"
            cls = "gap only in thuadat" if near else "SUSPECTED BUG: gap only in thuadat"
            diffs.append((cls, f"{' '.join(sorted(k))}: thuadat {ta:.2f} m2; {pg}"))
        for pa, ptm, pt in ps[len(ts):]:
            gap_only_p += 1
            frame = not MIN_AREA < ptm <= GAP_MAX
            cls = "gap only in PostGIS" if frame else "SUSPECTED BUG: gap only in PostGIS"
            diffs.append((cls, f"{' '.join(sorted(k)) or '(no parcel within 1 mm)'}: PostGIS {pa:.3f} m2, "
                               f"TM {ptm:.3f} m2 at {pt}"))

    row = {
        "ward": ward,
        "parcels": len(parcels),
        "invalid_t": len(t_inv), "invalid_p": len(p_inv),
        "invalid_only_t": len(set(t_inv) - set(p_inv)), "invalid_only_p": len(set(p_inv) - set(t_inv)),
        "dups_t": len(t_dups), "dups_p": len(p_dups), "dups_diff": len(t_dups ^ p_dups),
        "overlaps_t": len(t_pairs), "overlaps_p": len(p_above),
        "overlaps_only_t": len(set(t_pairs) - set(p_above)), "overlaps_only_p": len(set(p_above) - set(t_pairs)),
        "edge_p": sum(1 for v in p_edge.values() if v[0] > EDGE_AREA), "geos_errors": len(p_err),
        "max_abs_m2": max_abs, "max_rel": max_rel, "max_abs_tm_m2": max_abs_tm, "worst_pair": list(worst) if worst else None,
        "near_dup_diff": near_dup_diff,
        "gaps_t": t_n, "gaps_p": p_n, "gaps_only_t": gap_only_t, "gaps_only_p": gap_only_p,
        "gap_edge_p": sum(1 for v in p_gaps.values() for h in v if EDGE_AREA < h[0] <= MIN_AREA),
        "gap_max_abs_m2": gap_abs, "gap_max_abs_tm_m2": gap_tm,
    }
    return row, diffs


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    out, wards = sys.argv[1], sys.argv[2:]
    rows, all_diffs = [], []
    for w in wards:
        row, diffs = compare_ward(out, w)
        rows.append(row)
        all_diffs += [(w, c, t) for c, t in diffs]

    head = ("| ward | parcels | invalid T / P | invalid only T / only P | dup groups T / P | dup groups differing "
            "| overlaps T / P | overlaps only T / only P | P pairs 0.1-0.5 m2 | max area diff m2 (rel.) "
            "| max diff to GEOS in T's frame m2 |")
    lines = [head, "|" + "---|" * head.count(" |")]
    tot = {k: 0 for k in rows[0] if isinstance(rows[0][k], int)} if rows else {}
    for r in rows:
        for k in tot:
            tot[k] += r[k]
        lines.append(
            f"| {r['ward']} | {r['parcels']} | {r['invalid_t']} / {r['invalid_p']} | "
            f"{r['invalid_only_t']} / {r['invalid_only_p']} | {r['dups_t']} / {r['dups_p']} | {r['dups_diff']} | "
            f"{r['overlaps_t']} / {r['overlaps_p']} | {r['overlaps_only_t']} / {r['overlaps_only_p']} | "
            f"{r['edge_p']} | {r['max_abs_m2']:.3f} ({100 * r['max_rel']:.2f}%) | {r['max_abs_tm_m2']:.3f} |")
    if rows:
        lines.append(
            f"| all | {tot['parcels']} | {tot['invalid_t']} / {tot['invalid_p']} | "
            f"{tot['invalid_only_t']} / {tot['invalid_only_p']} | {tot['dups_t']} / {tot['dups_p']} | "
            f"{tot['dups_diff']} | {tot['overlaps_t']} / {tot['overlaps_p']} | "
            f"{tot['overlaps_only_t']} / {tot['overlaps_only_p']} | {tot['edge_p']} | "
            f"{max(r['max_abs_m2'] for r in rows):.3f} ({100 * max(r['max_rel'] for r in rows):.2f}%) | "
            f"{max(r['max_abs_tm_m2'] for r in rows):.3f} |")
    head = ("| ward | gaps T / P | gaps only T / only P | P holes 0.1-0.5 m2 | max gap area diff m2 "
            "| max diff to GEOS in T's frame m2 |")
    lines += ["", head, "|" + "---|" * head.count(" |")]
    for r in rows:
        lines.append(f"| {r['ward']} | {r['gaps_t']} / {r['gaps_p']} | {r['gaps_only_t']} / {r['gaps_only_p']} | "
                     f"{r['gap_edge_p']} | {r['gap_max_abs_m2']:.3f} | {r['gap_max_abs_tm_m2']:.3f} |")
    if rows:
        lines.append(f"| all | {tot['gaps_t']} / {tot['gaps_p']} | {tot['gaps_only_t']} / {tot['gaps_only_p']} | "
                     f"{tot['gap_edge_p']} | {max(r['gap_max_abs_m2'] for r in rows):.3f} | "
                     f"{max(r['gap_max_abs_tm_m2'] for r in rows):.3f} |")
    table = "\n".join(lines)
    print(table)
    print()
    print("T = thuadat check, P = PostGIS/GEOS (lon/lat geometry, ellipsoidal area of the intersection). The last column")
    print("compares with GEOS run in thuadat's own planar frame (local transverse Mercator). thuadat rounds to 0.01 m2.")
    print()
    if all_diffs:
        print(f"{len(all_diffs)} differences:")
        for w, c, t in all_diffs:
            print(f"  {w}  {c}: {t}")
    else:
        print("No differences.")
    with open(os.path.join(out, "differences.md"), "w", encoding="utf-8") as f:
        f.write(table + "\n\n")
        for w, c, t in all_diffs:
            f.write(f"- {w} {c}: {t}\n")
    with open(os.path.join(out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump({"wards": rows, "differences": [{"ward": w, "class": c, "text": t} for w, c, t in all_diffs]}, f,
                  indent=1)


if __name__ == "__main__":
    main()
