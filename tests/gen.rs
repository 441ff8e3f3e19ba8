//! `thuadat::gen`: determinism, the truth against the files, the geometry (only planted overlaps, valid
//! polygons, parcels inside their groups), certificate areas.
#![allow(clippy::print_stdout, clippy::print_stderr)] // a test may say what it measured
#![allow(clippy::unwrap_used)] // a test fails loudly on its own fixtures

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use geo::{
    Area, BooleanOps, BoundingRect, Contains, Coord, InteriorPoint, LineString, MultiPolygon, Polygon, Validation,
};
use serde_json::Value;
use thuadat::gen::{generate, GenOptions, GenSummary};

const KINDS: [&str; 10] = [
    "area_mismatch",
    "duplicate_certificate",
    "duplicate_parcel_number",
    "gap",
    "invalid_geometry",
    "overlap",
    "parcel_code",
    "parcel_without_certificate",
    "unmapped_split",
    "unmatched_certificate",
];

fn gen(dir: &Path, parcels: usize, seed: u64) -> GenSummary {
    let opts = GenOptions { out: dir.to_path_buf(), parcels, seed, ..GenOptions::default() };
    generate(&opts).unwrap()
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

struct Feature {
    id: String,
    sheet: u64,
    number: u64,
    group: String,
    area: f64,
    geometry: Value,
}

/// The parcels with their ids by the contract's default rule (`_2`, `_3` for repeats in file order).
fn parcels(dir: &Path) -> Vec<Feature> {
    let v = json(&dir.join("parcels.geojson"));
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = &f["properties"];
            let (sheet, number) = (p["SoHieuToBanDo"].as_u64().unwrap(), p["SoThuTuThua"].as_u64().unwrap());
            let base = format!("{}-{sheet}-{number}", p["MaXa"].as_str().unwrap());
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            let id = if *n == 1 { base } else { format!("{base}_{n}") };
            Feature {
                id,
                sheet,
                number,
                group: p["ToDanPho"].as_str().unwrap().to_string(),
                area: p["DienTich"].as_f64().unwrap(),
                geometry: f["geometry"].clone(),
            }
        })
        .collect()
}

/// Planar polygon of a feature, shifted by `origin` to keep the numbers small.
fn polygon(geometry: &Value, origin: (f64, f64)) -> Polygon {
    let rings: Vec<LineString> = geometry["coordinates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|c| Coord { x: c[0].as_f64().unwrap() - origin.0, y: c[1].as_f64().unwrap() - origin.1 })
                .collect()
        })
        .collect();
    let mut it = rings.into_iter();
    Polygon::new(it.next().unwrap(), it.collect())
}

fn origin(features: &[Feature]) -> (f64, f64) {
    let c = &features.iter().find(|f| !f.geometry.is_null()).unwrap().geometry["coordinates"][0][0];
    (c[0].as_f64().unwrap().floor(), c[1].as_f64().unwrap().floor())
}

fn conflicts_of<'a>(truth: &'a Value, kind: &str) -> Vec<&'a Value> {
    truth["conflicts"].as_array().unwrap().iter().filter(|c| c["kind"] == kind).collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

/// (`fixed`, every string one digit transposed, replaced, dropped or added away from `digits`).
fn one_edit(fixed: &str, digits: &str) -> Vec<(String, String)> {
    let d: Vec<char> = digits.chars().collect();
    let mut out = Vec::new();
    for k in 0..d.len() {
        let mut e = d.clone();
        e.remove(k);
        out.push(e);
        if k + 1 < d.len() {
            let mut e = d.clone();
            e.swap(k, k + 1);
            out.push(e);
        }
    }
    for k in 0..=d.len() {
        for c in '0'..='9' {
            let mut e = d.clone();
            e.insert(k, c);
            out.push(e);
            if k < d.len() {
                let mut e = d.clone();
                e[k] = c;
                out.push(e);
            }
        }
    }
    out.into_iter()
        .map(|e| e.into_iter().collect::<String>().trim_start_matches('0').to_string())
        .map(|e| (fixed.to_string(), e))
        .collect()
}

#[test]
fn same_seed_same_bytes_other_seed_differs() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (tmp.path().join("a"), tmp.path().join("b"), tmp.path().join("c"));
    let sa = gen(&a, 700, 7);
    let sb = gen(&b, 700, 7);
    gen(&c, 700, 8);
    assert_eq!(sa, sb);
    for f in ["dataset.toml", "parcels.geojson", "groups.geojson", "certificates.csv", "citizens.csv", "truth.json"] {
        let (x, y) = (std::fs::read(a.join(f)).unwrap(), std::fs::read(b.join(f)).unwrap());
        assert!(x == y, "{f} differs between two runs with the same seed");
        assert_ne!(x, std::fs::read(c.join(f)).unwrap(), "{f} is the same for another seed");
    }
    assert!(!tmp.path().join("a.tmp-gen").exists());
}

#[test]
fn every_kind_and_consistent_statuses_in_a_3000_parcel_commune() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("commune");
    let summary = gen(&dir, 3000, 1);
    assert!((2400..3600).contains(&summary.parcels), "{summary:?}");
    let truth = json(&dir.join("truth.json"));
    let conflicts = truth["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), summary.conflicts);
    let kinds: BTreeSet<&str> = conflicts.iter().map(|c| c["kind"].as_str().unwrap()).collect();
    let holder_kinds = ["holder_id_invalid", "holder_not_found", "holder_mismatch"];
    assert_eq!(kinds, KINDS.into_iter().chain(holder_kinds).collect());

    // Sorted by (kind, parcel_ids, cert_ids), each list sorted.
    let keys: Vec<(String, Vec<String>, Vec<String>)> = conflicts
        .iter()
        .map(|c| (c["kind"].as_str().unwrap().to_string(), strings(&c["parcel_ids"]), strings(&c["cert_ids"])))
        .collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]));
    for (_, p, c) in &keys {
        assert!(p.windows(2).all(|w| w[0] < w[1]) && c.windows(2).all(|w| w[0] < w[1]));
    }

    // Unmatched certificates: recoverable typos name their parcel (which lacks a certificate), the others not.
    let unmatched = conflicts_of(&truth, "unmatched_certificate");
    assert!(unmatched.iter().any(|c| c["expected_candidate"].is_null()));
    let without: BTreeSet<String> = conflicts_of(&truth, "parcel_without_certificate")
        .iter()
        .map(|c| strings(&c["parcel_ids"])[0].clone())
        .collect();
    let expected: Vec<&str> = unmatched.iter().filter_map(|c| c["expected_candidate"].as_str()).collect();
    assert!(!expected.is_empty());
    for e in expected {
        assert!(without.contains(e), "{e}");
    }
    // ... and, for a number one slip off, it is the only such parcel within one edit of what the certificate
    // says (a number mistyped twice, `expected_within: 3`, is two edits away).
    let mut rdr = csv::Reader::from_path(dir.join("certificates.csv")).unwrap();
    let written: BTreeMap<String, (String, String)> =
        rdr.records().map(|r| r.unwrap()).map(|r| (r[0].to_string(), (r[3].to_string(), r[4].to_string()))).collect();
    for c in unmatched.iter().filter(|c| c["expected_candidate"].is_string() && c["expected_within"].is_null()) {
        let (sheet, no) = &written[c["cert_ids"][0].as_str().unwrap()];
        let near: Vec<String> = one_edit(sheet, no)
            .into_iter()
            .chain(one_edit(no, sheet).into_iter().map(|(n, s)| (s, n)))
            .map(|(s, n)| format!("00118-{s}-{n}"))
            .filter(|id| without.contains(id))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(near, [c["expected_candidate"].as_str().unwrap()], "{sheet} {no}");
    }

    // Statuses follow from the conflicts (docs/RULES.md "Status").
    let mut by_parcel: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for c in conflicts {
        for p in strings(&c["parcel_ids"]) {
            by_parcel.entry(p).or_default().insert(c["kind"].as_str().unwrap().to_string());
        }
    }
    let level3 = ["invalid_geometry", "overlap", "unmapped_split"];
    let mut statuses = BTreeMap::new();
    for p in truth["parcels"].as_array().unwrap() {
        let id = p["parcel_id"].as_str().unwrap();
        let mut kinds = by_parcel.get(id).cloned().unwrap_or_default();
        // A holder matched only by attributes is no conflict, but a reason (checked against the report in
        // tests/truth.rs).
        if p["reasons"].as_str().unwrap().contains("holder_matched_by_attributes") {
            kinds.insert("holder_matched_by_attributes".into());
        }
        let l3: Vec<&str> = kinds.iter().map(String::as_str).filter(|k| level3.contains(k)).collect();
        let (status, reasons) = if !l3.is_empty() {
            (3, l3.join(";"))
        } else if !kinds.is_empty() {
            (2, kinds.iter().cloned().collect::<Vec<_>>().join(";"))
        } else {
            (1, String::new())
        };
        assert_eq!(p["status"], status, "{id}");
        assert_eq!(p["reasons"], reasons.as_str(), "{id}");
        *statuses.entry(status).or_insert(0) += 1;
    }
    // Most holders of older certificates have no current id: their parcels are status 2.
    assert!(statuses[&1] > statuses[&3] && statuses[&2] > statuses[&3], "{statuses:?}");

    // Each kind of invalid geometry is there.
    let features = parcels(&dir);
    let invalid: BTreeSet<String> =
        conflicts_of(&truth, "invalid_geometry").iter().map(|c| strings(&c["parcel_ids"])[0].clone()).collect();
    let mut shapes = BTreeSet::new();
    for f in features.iter().filter(|f| invalid.contains(&f.id)) {
        if f.geometry.is_null() {
            shapes.insert("null");
            continue;
        }
        let ring = f.geometry["coordinates"][0].as_array().unwrap();
        let distinct: BTreeSet<String> = ring.iter().map(|c| c.to_string()).collect();
        shapes.insert(if ring.first() != ring.last() {
            "unclosed"
        } else if distinct.len() < 3 {
            "two points"
        } else {
            "bow-tie"
        });
    }
    assert_eq!(shapes, ["bow-tie", "null", "two points", "unclosed"].into_iter().collect());
}

#[test]
fn truth_lists_exactly_the_parcels_and_numbers_repeat_only_where_planted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("commune");
    gen(&dir, 2000, 2);
    let truth = json(&dir.join("truth.json"));
    let features = parcels(&dir);
    let listed: Vec<String> =
        truth["parcels"].as_array().unwrap().iter().map(|p| p["parcel_id"].as_str().unwrap().to_string()).collect();
    let mut ids: Vec<String> = features.iter().map(|f| f.id.clone()).collect();
    ids.sort();
    assert_eq!(listed, ids);

    // Repeated sheet+number: exactly the planted duplicate_parcel_number conflicts.
    let mut by_number: BTreeMap<(u64, u64), Vec<String>> = BTreeMap::new();
    for f in &features {
        by_number.entry((f.sheet, f.number)).or_default().push(f.id.clone());
    }
    let mut repeated: Vec<Vec<String>> = by_number
        .into_values()
        .filter(|v| v.len() > 1)
        .map(|mut v| {
            v.sort();
            v
        })
        .collect();
    repeated.sort();
    let planted: Vec<Vec<String>> =
        conflicts_of(&truth, "duplicate_parcel_number").iter().map(|c| strings(&c["parcel_ids"])).collect();
    assert!(!planted.is_empty());
    assert_eq!(repeated, planted);
}

#[test]
fn planted_overlaps_are_the_only_overlaps_and_polygons_are_valid() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("commune");
    gen(&dir, 1500, 3);
    let truth = json(&dir.join("truth.json"));
    let features = parcels(&dir);
    let invalid: BTreeSet<String> =
        conflicts_of(&truth, "invalid_geometry").iter().map(|c| strings(&c["parcel_ids"])[0].clone()).collect();
    let o = origin(&features);
    let polys: Vec<(String, Polygon)> =
        features.iter().filter(|f| !invalid.contains(&f.id)).map(|f| (f.id.clone(), polygon(&f.geometry, o))).collect();
    for (id, p) in &polys {
        assert!(p.is_valid(), "{id}: {:?}", p.validation_errors());
    }
    for f in features.iter().filter(|f| invalid.contains(&f.id) && !f.geometry.is_null()) {
        let ring = f.geometry["coordinates"][0].as_array().unwrap();
        if ring.first() == ring.last() && ring.len() >= 4 {
            assert!(!polygon(&f.geometry, o).is_valid(), "{} should be invalid", f.id);
        }
    }

    // Sweep on x over bounding boxes, then exact intersections.
    let mut boxes: Vec<(f64, f64, f64, f64, usize)> = polys
        .iter()
        .enumerate()
        .map(|(k, (_, p))| {
            let r = p.bounding_rect().unwrap();
            (r.min().x, r.max().x, r.min().y, r.max().y, k)
        })
        .collect();
    boxes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut found = BTreeSet::new();
    let mut largest_other: f64 = 0.0;
    for i in 0..boxes.len() {
        for j in i + 1..boxes.len() {
            let (a, b) = (boxes[i], boxes[j]);
            if b.0 > a.1 {
                break;
            }
            if b.2 > a.3 || a.2 > b.3 {
                continue;
            }
            let area = polys[a.4].1.intersection(&polys[b.4].1).unsigned_area();
            let mut pair = [polys[a.4].0.clone(), polys[b.4].0.clone()];
            pair.sort();
            if area > 0.5 {
                assert!(area >= 2.0, "{pair:?}: planted overlaps are 2 m2 or more, this one {area}");
                found.insert(pair.to_vec());
            } else {
                largest_other = largest_other.max(area);
            }
        }
    }
    let planted: BTreeSet<Vec<String>> =
        conflicts_of(&truth, "overlap").iter().map(|c| strings(&c["parcel_ids"])).collect();
    assert!(planted.len() >= 2);
    assert_eq!(found, planted);
    assert!(largest_other < 0.01, "touching parcels overlap by {largest_other} m2");
}

#[test]
fn parcels_lie_in_their_groups_and_certificates_match_clean_parcels() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("commune");
    let summary = gen(&dir, 2500, 4);
    let truth = json(&dir.join("truth.json"));
    let features = parcels(&dir);
    let o = origin(&features);

    let groups = json(&dir.join("groups.geojson"));
    let groups: BTreeMap<String, MultiPolygon> = groups["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            assert_eq!(g["geometry"]["type"], "Polygon");
            (g["properties"]["group"].as_str().unwrap().to_string(), MultiPolygon(vec![polygon(&g["geometry"], o)]))
        })
        .collect();
    assert_eq!(groups.len(), summary.groups);
    assert!(groups.keys().any(|g| g.starts_with("Tổ dân phố ")) && groups.keys().any(|g| g.starts_with("Thôn ")));
    let names: Vec<&String> = groups.keys().collect();
    for i in 0..names.len() {
        assert!(groups[names[i]].is_valid(), "{}", names[i]);
        for j in i + 1..names.len() {
            let a = groups[names[i]].intersection(&groups[names[j]]).unsigned_area();
            assert!(a < 0.01, "{} and {} overlap by {a}", names[i], names[j]);
        }
    }
    let status: BTreeMap<String, u64> = truth["parcels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["parcel_id"].as_str().unwrap().to_string(), p["status"].as_u64().unwrap()))
        .collect();
    // Parcels of status 2 for their holders alone: clean as far as the map and areas go.
    let holder_only: BTreeSet<String> = truth["parcels"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["status"] == 2 && p["reasons"].as_str().unwrap().split(';').all(|r| r.starts_with("holder_")))
        .map(|p| p["parcel_id"].as_str().unwrap().to_string())
        .collect();
    let mut mapped = BTreeMap::new();
    for f in &features {
        if status[&f.id] == 3 {
            continue;
        }
        let p = polygon(&f.geometry, o);
        let pt = p.interior_point().unwrap();
        assert!(groups[&f.group].contains(&pt), "{} is outside {}", f.id, f.group);
        let area = p.unsigned_area();
        assert!((area - f.area).abs() <= 0.051, "{}: DienTich {} for {area}", f.id, f.area);
        mapped.insert((f.sheet.to_string(), f.number.to_string()), (f.id.clone(), area));
    }

    // certificates.csv: the contract's columns; co-holders repeat a certificate; the certificates of the
    // parcels of status 1 have their area within 1%.
    let mut rdr = csv::Reader::from_path(dir.join("certificates.csv")).unwrap();
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "cert_id",
            "serial",
            "commune",
            "sheet",
            "parcel_no",
            "area",
            "land_use",
            "issued",
            "holder_name",
            "holder_id",
            "holder_birth",
            "address"
        ]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let certs: BTreeSet<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(certs.len(), summary.certificates);
    let couples = rows.len() - certs.len();
    assert!(couples * 100 > certs.len() * 15 && couples * 100 < certs.len() * 35, "{couples} of {}", certs.len());
    let mut checked = 0;
    // The truth's holder rows, in the same order: planted faulty ids are not checked here.
    let holders = truth["holders"].as_array().unwrap();
    assert_eq!(holders.len(), rows.len());
    for (r, h) in rows.iter().zip(holders) {
        assert_eq!(&r[0], h["cert_id"].as_str().unwrap());
        let serial = &r[1];
        assert!(serial.len() == 11 && serial.as_bytes()[2] == b' ', "{serial}");
        let id = &r[9];
        let planted = ["id_invalid", "mismatch"].contains(&h["status"].as_str().unwrap());
        assert!(planted || id.is_empty() || id.len() == 9 || id.len() == 12, "{id}");
        if id.len() == 12 && !planted {
            // CCCD: century+sex digit and two-digit year agree with the birth year.
            let birth: u32 = r[10][..4].parse().unwrap();
            let cs = id.as_bytes()[3] - b'0';
            assert_eq!(cs / 2, if birth >= 2000 { 1 } else { 0 }, "{id} {birth}");
            assert_eq!(&id[4..6], &r[10][2..4]);
        }
        if let Some((pid, area)) = mapped.get(&(r[3].to_string(), r[4].to_string())) {
            if status[pid] == 1 || holder_only.contains(pid) {
                let a: f64 = r[5].parse().unwrap();
                assert!((a - area).abs() / area < 0.0102, "{}: {a} for {area}", &r[0]);
                checked += 1;
            }
        }
    }
    assert!(checked > 1000);
    let citizens = std::fs::read_to_string(dir.join("citizens.csv")).unwrap();
    assert!(citizens.starts_with("citizen_id,full_name,birth_date,gender,address\n"));
    for (r, _) in rows.iter().zip(holders).filter(|(_, h)| h["status"] == "matched_by_id") {
        assert!(citizens.contains(&format!("\n{},", &r[9])), "{} not in the register", &r[9]);
    }
}

#[test]
fn refuses_bad_options_and_non_empty_directories() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("x");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("keep.txt"), "x").unwrap();
    let e = generate(&GenOptions { out: dir.clone(), parcels: 100, ..GenOptions::default() }).unwrap_err();
    assert!(e.is_bad_input() && e.to_string().contains("not empty"), "{e}");
    assert!(dir.join("keep.txt").exists());
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let s = generate(&GenOptions { out: empty.clone(), parcels: 100, ..GenOptions::default() }).unwrap();
    assert!(s.parcels > 0 && empty.join("truth.json").is_file());
    let slash = tmp.path().join("slash/");
    generate(&GenOptions { out: slash, parcels: 100, ..GenOptions::default() }).unwrap();
    assert!(tmp.path().join("slash").join("truth.json").is_file() && !tmp.path().join("slash.tmp-gen").exists());
    for opts in [
        GenOptions { out: tmp.path().join("a"), parcels: 0, ..GenOptions::default() },
        GenOptions { out: tmp.path().join("b"), commune: "00 118".into(), ..GenOptions::default() },
        GenOptions { out: tmp.path().join("c"), defect_rate: 2.0, ..GenOptions::default() },
        GenOptions { out: tmp.path().join("d"), lon_0: f64::NAN, ..GenOptions::default() },
    ] {
        let e = generate(&opts).unwrap_err();
        assert!(e.is_bad_input(), "{e}");
        assert!(!opts.out.exists());
    }
}

/// Timing: `cargo test --release --test gen -- --ignored --nocapture`.
#[test]
#[ignore]
fn a_million_parcels() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("big");
    let t = std::time::Instant::now();
    let s = gen(&dir, 1_000_000, 42);
    eprintln!("{s:?} in {:.2?}", t.elapsed());
    for f in std::fs::read_dir(&dir).unwrap() {
        let f = f.unwrap();
        eprintln!("{:>12} {}", f.metadata().unwrap().len(), f.file_name().to_string_lossy());
    }
}
