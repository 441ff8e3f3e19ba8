//! Map sheets in a `parcels/` folder (issue 20): a commune drawn as DGN v7 lines and text labels gives the
//! report of the same commune as polygon sheets, parcel for parcel, and its generator's truth; a drawing's
//! defects (a missing boundary, a dangling line, a label in no face) are reported; a folder that cannot be read
//! is refused with the file named.
#![allow(clippy::unwrap_used)] // a test fails loudly on its own fixtures

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;
use thuadat::dataset::sheets::{dgn7, drawing};

fn gen(dir: &Path, format: &str) {
    let out = run(&[
        "gen",
        dir.to_str().unwrap(),
        "--parcels",
        "1500",
        "--seed",
        "11",
        "--defect-rate",
        "0.06",
        "--map-sheets",
        format,
    ]);
    assert!(out.status.success(), "gen: {}", String::from_utf8_lossy(&out.stderr));
}

fn check(ds: &Path, report: &Path) {
    let out = run(&["check", ds.to_str().unwrap(), "--out", report.to_str().unwrap(), "--quiet"]);
    assert!(out.status.success(), "check: {}", String::from_utf8_lossy(&out.stderr));
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A ring's vertices from its lowest one on: rings equal up to where they start.
fn rotated(ring: &Value) -> Vec<Value> {
    let mut v: Vec<Value> = ring.as_array().unwrap()[1..].to_vec();
    let low = (0..v.len()).min_by(|&a, &b| v[a].to_string().cmp(&v[b].to_string())).unwrap();
    v.rotate_left(low);
    v
}

/// A ring's area in square degrees, by the shoelace formula.
fn ring_area(r: &[Value]) -> f64 {
    // From the first vertex: the products of whole coordinates (105 x 21) would drown a parcel's area.
    let o = (r[0][0].as_f64().unwrap(), r[0][1].as_f64().unwrap());
    let xy: Vec<(f64, f64)> = r.iter().map(|v| (v[0].as_f64().unwrap() - o.0, v[1].as_f64().unwrap() - o.1)).collect();
    (0..xy.len()).map(|k| xy[k].0 * xy[(k + 1) % xy.len()].1 - xy[(k + 1) % xy.len()].0 * xy[k].1).sum::<f64>() / 2.0
}

fn rings(g: &Value) -> Vec<Vec<Value>> {
    match g["type"].as_str() {
        Some("Polygon") => g["coordinates"].as_array().unwrap().iter().map(rotated).collect(),
        Some("MultiPolygon") => g["coordinates"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p.as_array().unwrap().iter().map(rotated))
            .collect(),
        _ => Vec::new(),
    }
}

#[test]
fn dgn_sheets_give_the_report_of_their_geojson_twin_and_the_truth() {
    let tmp = tempfile::tempdir().unwrap();
    let (dgn, twin) = (tmp.path().join("dgn"), tmp.path().join("geojson"));
    gen(&dgn, "dgn");
    gen(&twin, "geojson");
    let sheets: Vec<String> = std::fs::read_dir(dgn.join("parcels"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        sheets.len() >= 2 && sheets.iter().all(|s| s.starts_with("00118_To_") && s.ends_with(".dgn")),
        "{sheets:?}"
    );
    // thuadat's DGN v7 reader gives what GDAL's gives, element for element, bit for bit, with and without the
    // level filters (the frame and the title then too).
    for name in &sheets {
        let path = dgn.join("parcels").join(name);
        let bytes = std::fs::read(&path).unwrap();
        for (b, l) in [(Some(&[10u32][..]), Some(&[13u32][..])), (None, None)] {
            let (lines, labels, _) = dgn7::read(&bytes, b, l).unwrap();
            let levels = drawing::Levels { boundaries: b, labels: l };
            let gdal = drawing::read_with_gdal(&path, &levels).unwrap();
            let ours: Vec<_> = lines.iter().map(|x| (x.element, x.coords.clone())).collect();
            let theirs: Vec<_> = gdal.lines.iter().map(|x| (x.element, x.coords.clone())).collect();
            assert_eq!(ours, theirs, "{name}");
            let ours: Vec<_> = labels.iter().map(|x| (x.element, x.at, x.text.clone())).collect();
            let theirs: Vec<_> = gdal.labels.iter().map(|x| (x.element, x.at, x.text.clone())).collect();
            assert_eq!(ours, theirs, "{name}");
            assert!(!lines.is_empty() && !labels.is_empty());
        }
    }
    let (r_dgn, r_twin) = (tmp.path().join("r-dgn"), tmp.path().join("r-twin"));
    check(&dgn, &r_dgn);
    check(&twin, &r_twin);

    // Parcel for parcel: ids, groups, statuses, reasons, sheets, numbers, land use, mapped areas, certificates.
    let rows = |r: &Path| -> Vec<Vec<String>> {
        csv::Reader::from_path(r.join("parcels.csv"))
            .unwrap()
            .records()
            .map(|x| x.unwrap().iter().map(str::to_string).collect())
            .collect()
    };
    let (a, b) = (rows(&r_dgn), rows(&r_twin));
    assert_eq!(a.len(), b.len());
    assert!(a.len() > 1400);
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x[..9], y[..9]);
        // Where each parcel was drawn: its sheet's file, and the element of its number label.
        assert_eq!(x[9], y[9].replace(".geojson", ".dgn"));
        assert!(x[10].parse::<u64>().is_ok(), "{x:?}");
    }
    // Conflict for conflict, geometry too (rings compared from their lowest vertex: a face starts where the
    // polygonizer starts it).
    let (ca, cb) = (json(&r_dgn.join("conflicts.geojson")), json(&r_twin.join("conflicts.geojson")));
    let (fa, fb) = (ca["features"].as_array().unwrap(), cb["features"].as_array().unwrap());
    assert_eq!(fa.len(), fb.len());
    for (x, y) in fa.iter().zip(fb) {
        assert_eq!(x["properties"], y["properties"]);
        // The same rings; a face may have more vertices, where a neighbour's corner meets its edge (the drawing
        // shares that vertex; the twin's polygon did not need it).
        let (rx, ry) = (rings(&x["geometry"]), rings(&y["geometry"]));
        assert_eq!(rx.len(), ry.len(), "{}", x["properties"]);
        for (a, b) in rx.iter().zip(&ry) {
            assert!(b.iter().all(|v| a.contains(v)), "{}: {a:?} {b:?}", x["properties"]);
            assert!(
                (ring_area(a) - ring_area(b)).abs() < 1e-4 * ring_area(b).abs(),
                "{}: {a:?} {b:?}",
                x["properties"]
            );
        }
    }
    // And the generator's truth: every planted conflict that a drawing can hold, nothing else.
    let truth = json(&dgn.join("truth.json"));
    let mut expected: Vec<(String, Vec<String>, Vec<String>)> = truth["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |v: &Value| v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect();
            (c["kind"].as_str().unwrap().to_string(), s(&c["parcel_ids"]), s(&c["cert_ids"]))
        })
        .collect();
    let mut got = report_conflicts(&r_dgn);
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    for kind in ["gap", "duplicate_parcel_number", "area_mismatch", "unmapped_split", "unmatched_certificate"] {
        assert!(got.iter().any(|c| c.0 == kind), "no {kind} planted");
    }

    // The summary, sheet by sheet: the gaps are faces without a number; nothing loose.
    let summary = json(&r_dgn.join("summary.json"));
    let listed = summary["map_sheets"].as_array().unwrap();
    assert_eq!(listed.len(), sheets.len());
    let sum = |k: &str| listed.iter().map(|s| s[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!(sum("parcels") as usize, a.len());
    assert_eq!(sum("faces_without_number") as usize, got.iter().filter(|c| c.0 == "gap").count());
    assert!(listed.iter().all(|s| s["drawn_as"] == "lines" && s["format"] == "DGN"));
    assert!(listed
        .iter()
        .all(|s| s["loose_lines"] == Value::Array(vec![]) && s["loose_labels"] == Value::Array(vec![])));

    // Without the level filters the sheet frame (level 1) encloses one more face per sheet, and the title
    // (level 63) is a label in it.
    let toml = std::fs::read_to_string(dgn.join("dataset.toml")).unwrap();
    let unfiltered: String = toml.lines().filter(|l| !l.contains("_levels")).map(|l| format!("{l}\n")).collect();
    std::fs::write(dgn.join("dataset.toml"), unfiltered).unwrap();
    let r_all = tmp.path().join("r-all");
    check(&dgn, &r_all);
    let all = json(&r_all.join("summary.json"));
    let sum_all = |k: &str| all["map_sheets"].as_array().unwrap().iter().map(|s| s[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!(sum_all("faces_without_number"), sum("faces_without_number") + sheets.len() as u64);
    assert_eq!(rows(&r_all).len(), a.len());
}

/// Lines and labels as GeoJSON features (`Level`, and the text in the OGR style that GDAL's DGN writer takes),
/// written as a DGN v7 sheet by ogr2ogr.
fn dgn_sheet(path: &Path, lines: &[(u32, &[(f64, f64)])], labels: &[(u32, (f64, f64), &str)]) {
    let mut features = Vec::new();
    for (level, pts) in lines {
        let coords: Vec<[f64; 2]> = pts.iter().map(|&(x, y)| [545_000.0 + x, 2_300_000.0 + y]).collect();
        features.push(serde_json::json!({"type": "Feature", "properties": {"Level": level},
            "geometry": {"type": "LineString", "coordinates": coords}}));
    }
    for (level, (x, y), text) in labels {
        features.push(serde_json::json!({"type": "Feature",
            "properties": {"Level": level, "OGR_STYLE": format!("LABEL(t:\"{text}\",s:1g)")},
            "geometry": {"type": "Point", "coordinates": [545_000.0 + x, 2_300_000.0 + y]}}));
    }
    let src = path.with_extension("src.geojson");
    std::fs::write(&src, serde_json::json!({"type": "FeatureCollection", "features": features}).to_string()).unwrap();
    let out = std::process::Command::new("ogr2ogr")
        .args(["-f", "DGN", path.to_str().unwrap(), src.to_str().unwrap()])
        .args(["-dsco", "SEED=/usr/share/gdal/seed_2d.dgn", "-dsco", "ORIGIN=-500000,-2000000,0"])
        .args(["-dsco", "SUB_UNITS_PER_MASTER_UNIT=1000", "-dsco", "UOR_PER_SUB_UNIT=1"])
        .output()
        .unwrap();
    assert!(path.exists(), "ogr2ogr: {}", String::from_utf8_lossy(&out.stderr));
    std::fs::remove_file(src).unwrap();
}

const CERTS: &str = "cert_id,serial,commune,sheet,parcel_no,area,land_use,issued,holder_name\n\
                     C1,AA 1,10105,7,1,100,ODT,2010,Nguyễn Văn An\n";

/// A dataset of one DGN sheet (sheet 7): parcels 1 and 2 side by side, the line between them 1 mm short of the
/// bottom (snapped); parcels 3 and 4 in one outline without the line between them; a line hanging in the air; a
/// label in no face.
fn drawing_with_defects(ds: &Path) {
    std::fs::create_dir_all(ds.join("parcels")).unwrap();
    std::fs::write(ds.join("dataset.toml"), "crs = \"VN2000:105.0\"\ncommune = \"10105\"\n").unwrap();
    std::fs::write(ds.join("certificates.csv"), CERTS).unwrap();
    dgn_sheet(
        &ds.join("parcels/To_7.dgn"),
        &[
            (10, &[(10.0, 0.0), (0.0, 0.0), (0.0, 10.0), (10.0, 10.0)]),
            (10, &[(10.0, 10.0), (20.0, 10.0), (20.0, 0.0), (10.0, 0.0)]),
            (10, &[(10.0, 0.001), (10.0, 10.0)]),
            (10, &[(30.0, 0.0), (50.0, 0.0), (50.0, 10.0), (30.0, 10.0), (30.0, 0.0)]),
            (10, &[(60.0, 0.0), (70.0, 5.0)]),
        ],
        &[
            (13, (5.0, 5.0), "1"),
            (13, (15.0, 5.0), "2"),
            (13, (15.0, 3.0), "99.5"),
            (13, (35.0, 5.0), "3"),
            (13, (45.0, 5.0), "4"),
            (13, (80.0, 5.0), "ODT"),
        ],
    );
}

#[test]
fn a_drawings_defects_are_reported_where_they_are() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("ds");
    drawing_with_defects(&ds);
    let report = tmp.path().join("r");
    check(&ds, &report);
    let parcels = report_parcels(&report);
    let ids: Vec<&str> = parcels.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(ids, ["10105-7-1", "10105-7-2", "10105-7-3", "10105-7-4"]);
    let conflicts = json(&report.join("conflicts.geojson"));
    let invalid: Vec<(Value, String)> = conflicts["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["kind"] == "invalid_geometry")
        .map(|f| (f["properties"]["parcel_ids"].clone(), f["properties"]["detail"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(invalid.len(), 2, "{invalid:?}");
    for (k, (ids, detail)) in invalid.iter().enumerate() {
        assert_eq!(ids[0], format!("10105-7-{}", k + 3));
        assert!(
            detail.contains("a boundary is missing on sheet 7 (To_7.dgn): one face holds parcel numbers 3, 4"),
            "{detail}"
        );
    }
    let summary = json(&report.join("summary.json"));
    let sheet = &summary["map_sheets"][0];
    assert_eq!((sheet["file"].as_str(), sheet["sheet"].as_u64()), (Some("To_7.dgn"), Some(7)));
    assert_eq!((sheet["parcels"].as_u64(), sheet["faces_with_several_numbers"].as_u64()), (Some(4), Some(1)));
    let loose = sheet["loose_lines"].as_array().unwrap();
    assert_eq!(loose.len(), 1, "{loose:?}");
    assert_eq!((loose[0]["kind"].as_str(), loose[0]["from"][0].as_f64()), (Some("dangle"), Some(545_060.0)));
    let labels = sheet["loose_labels"].as_array().unwrap();
    assert_eq!(labels.len(), 1);
    assert_eq!((labels[0]["text"].as_str(), labels[0]["at"][0].as_f64()), (Some("ODT"), Some(545_080.0)));
    // The server draws them: GET /map-sheets.geojson, in WGS 84, with every sheet's summary.
    let server = serve(&ds);
    let (status, _, body) = http(&server.addr, "GET", "/map-sheets.geojson", "", None);
    assert_eq!(status, 200, "{body}");
    let fc: Value = serde_json::from_str(&body).unwrap();
    let features = fc["features"].as_array().unwrap();
    assert_eq!(features.len(), 2, "{body}");
    let line = &features[0];
    assert_eq!(
        (line["geometry"]["type"].as_str(), line["properties"]["kind"].as_str()),
        (Some("LineString"), Some("dangle"))
    );
    assert_eq!(
        (line["properties"]["file"].as_str(), line["properties"]["sheet"].as_u64()),
        (Some("To_7.dgn"), Some(7))
    );
    assert_eq!(line["properties"]["element"], loose[0]["element"]);
    let lon = line["geometry"]["coordinates"][0][0].as_f64().unwrap();
    assert!((104.0..106.0).contains(&lon), "{body}");
    let label = &features[1];
    assert_eq!(
        (label["geometry"]["type"].as_str(), label["properties"]["text"].as_str()),
        (Some("Point"), Some("ODT"))
    );
    assert_eq!(fc["sheets"][0]["parcels"].as_u64(), Some(4));
    drop(server);

    let rows = std::fs::read_to_string(report.join("parcels.csv")).unwrap();
    assert!(rows.lines().next().unwrap().ends_with(",sheet_file,element"), "{rows}");
    assert!(rows.lines().nth(2).unwrap().contains(",To_7.dgn,"), "{rows}");
}

fn refused(ds: &Path, says: &[&str]) {
    let out = run(&["check", ds.to_str().unwrap(), "--out", ds.with_extension("r").to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for s in says {
        assert!(err.contains(s), "{err}\nshould say: {s}");
    }
    assert!(!ds.with_extension("r").exists());
}

#[test]
fn sheet_folders_that_cannot_be_read_are_refused_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let square = |no: u32| {
        format!(
            "{{\"type\":\"FeatureCollection\",\"features\":[{{\"type\":\"Feature\",\"properties\":{{\"parcel_no\":{no}}},\
             \"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[[105.0,21.0],[105.0001,21.0],[105.0001,21.0001],[105.0,21.0]]]}}}}]}}"
        )
    };
    let fresh = |name: &str, toml: &str| {
        let ds = tmp.path().join(name);
        std::fs::create_dir_all(ds.join("parcels")).unwrap();
        std::fs::write(ds.join("dataset.toml"), toml).unwrap();
        std::fs::write(ds.join("certificates.csv"), CERTS).unwrap();
        ds
    };

    // Polygon sheets work as a parcels file does, the sheet number from the name.
    let ok = fresh("ok", "commune = \"10105\"\n");
    std::fs::write(ok.join("parcels/To_7.geojson"), square(1)).unwrap();
    std::fs::write(ok.join("parcels/To_8.geojson"), square(1)).unwrap();
    std::fs::write(ok.join("parcels/ghi chu.txt"), "notes beside the sheets are left alone").unwrap();
    let report = tmp.path().join("r-ok");
    check(&ok, &report);
    let ids: Vec<String> = report_parcels(&report).into_iter().map(|p| p.0).collect();
    assert_eq!(ids, ["10105-7-1", "10105-8-1"]);
    // Nothing drawn to show for polygon sheets, but their summary.
    let server = serve(&ok);
    let (status, _, body) = http(&server.addr, "GET", "/map-sheets.geojson", "", None);
    let fc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((status, fc["features"].as_array().unwrap().len()), (200, 0), "{body}");
    assert_eq!(fc["sheets"][1]["file"].as_str(), Some("To_8.geojson"));
    drop(server);

    let d = fresh("noname", "");
    std::fs::write(d.join("parcels/ban do.geojson"), square(1)).unwrap();
    refused(&d, &["ban do.geojson", "no sheet number in the file name"]);

    let d = fresh("pattern", "[map_sheets]\nfile_pattern = \"To_(\\\\d+)\"\n");
    std::fs::write(d.join("parcels/00118_12.geojson"), square(1)).unwrap();
    refused(&d, &["00118_12.geojson", "`[map_sheets] file_pattern` does not match it"]);

    let d = fresh("twice", "");
    std::fs::write(d.join("parcels/To_7.geojson"), square(1)).unwrap();
    std::fs::write(d.join("parcels/To_007.geojson"), square(2)).unwrap();
    refused(&d, &["To_7.geojson", "gives sheet 7 as To_007.geojson does"]);

    let d = fresh("empty", "");
    refused(&d, &["parcels", "holds no map sheet"]);

    let d = fresh("both", "");
    std::fs::write(d.join("parcels/To_7.geojson"), square(1)).unwrap();
    std::fs::write(d.join("parcels.geojson"), square(1)).unwrap();
    refused(&d, &["parcels.geojson", "both this parcels file and a parcels/ folder"]);

    let d = fresh("nocrs", "");
    dgn_sheet(&d.join("parcels/To_7.dgn"), &[(10, &[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 0.0)])], &[]);
    refused(&d, &["To_7.dgn", "declares no coordinate system: set `crs` in dataset.toml"]);

    let d = fresh("v8", "crs = \"VN2000:105.0\"\n");
    let mut v8 = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    v8.extend(std::iter::repeat_n(0u8, 504));
    std::fs::write(d.join("parcels/To_7.dgn"), v8).unwrap();
    refused(&d, &["To_7.dgn", "MicroStation V8", "save the sheets as V7"]);

    let d = fresh("twocrs", "");
    std::fs::write(d.join("parcels/To_7.geojson"), square(1)).unwrap();
    let other = square(1).replacen(
        "{\"type\":\"FeatureCollection\",",
        "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"EPSG:3857\"}},",
        1,
    );
    std::fs::write(d.join("parcels/To_8.geojson"), other).unwrap();
    refused(&d, &["To_8.geojson", "every sheet must be in one CRS"]);

    let d = fresh("badvalue", "");
    std::fs::write(d.join("parcels/To_7.geojson"), square(1).replace("\"parcel_no\":1", "\"parcel_no\":\"12b\""))
        .unwrap();
    refused(&d, &["To_7.geojson, feature 0, field `parcel_no`"]);
}

#[test]
fn a_drawings_missing_boundary_survives_the_store() {
    let db = TestDb::new("sheets");
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("ds");
    drawing_with_defects(&ds);
    let out = run(&["import", ds.to_str().unwrap(), "--db", &db.url, "--by", "tester"]);
    assert!(out.status.success(), "import: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        sql_value(&db.url, "SELECT string_agg(feature::text, ',' ORDER BY feature) FROM thuadat.parcel WHERE drawn_defect LIKE 'a boundary is missing%'"),
        "2,3"
    );
    let (files, stored) = (tmp.path().join("files"), tmp.path().join("stored"));
    check(&ds, &files);
    let out = run(&["check", "--db", &db.url, "--commune", "10105", "--out", stored.to_str().unwrap(), "--quiet"]);
    assert!(out.status.success(), "check --db: {}", String::from_utf8_lossy(&out.stderr));
    // The same conflicts (both parcels of the face invalid, no overlap between them) and statuses.
    assert_eq!(report_conflicts(&stored), report_conflicts(&files));
    assert!(report_conflicts(&stored).iter().all(|c| c.0 != "overlap"));
    assert_eq!(report_parcels(&stored), report_parcels(&files));
}

/// The web map draws a drawing's loose lines and labels (`web/tests/drawing.mjs`, Debian's headless Chromium).
/// Needs Node.js, Chromium and `npm ci` in `web/` (scripts/web-deps.sh, called by scripts/test.sh); missing any
/// fails the test.
#[test]
fn the_web_map_draws_the_drawings_loose_lines_and_labels() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let node = std::process::Command::new("node").arg("--version").output();
    assert!(node.is_ok_and(|o| o.status.success()), "node is not installed: run scripts/web-deps.sh");
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("ds");
    drawing_with_defects(&ds);
    let out = std::process::Command::new("node")
        .arg(root.join("web/tests/drawing.mjs"))
        .arg(bin())
        .arg(&ds)
        .current_dir(&root)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the drawing run failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("2 checks passed"), "{stdout}");
}
