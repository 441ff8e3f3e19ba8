//! National parcel codes (`parcel_code`, issue 19 part 4) on the real binary: each defect on a small commune,
//! read natively and through GDAL (GeoPackage, Shapefile), the proposal inside its parcel; a commune without the
//! column; the code served, looked up and found; and, against a real PostgreSQL + PostGIS server
//! (`scripts/with-postgis.sh cargo test --release --test parcel_code`), an officer's correction checked again at
//! once, a malformed code refused, and the column kept through import and export.
#![allow(clippy::unwrap_used)] // a test fails loudly on its own fixtures

mod common;

use std::path::{Path, PathBuf};

use common::{add, http, http_with, password_of, reason, run, sql_value, TestDb};
use serde_json::{json, Value};

/// VN-2000 / TM-3 105° (Hanoi) metres of the squares' south-west corners.
const X0: f64 = 541_000.0;
const Y0: f64 = 2_320_000.0;

/// VN-2000 / TM-3 105° as PROJ writes it (the Helmert parameters of Decision 05/2007/QĐ-BTNMT).
const VN2000_105: &str = "+proj=tmerc +lat_0=0 +lon_0=105 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 \
     +towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278 +units=m +no_defs";

/// The GeoHash-12 of the VN-2000 point (x, y), through GDAL's own transformation (`gdaltransform`), not the
/// checker's.
fn code_at(x: f64, y: f64) -> String {
    let out = std::process::Command::new("gdaltransform")
        .args(["-s_srs", VN2000_105, "-t_srs", "+proj=longlat +datum=WGS84 +no_defs", "-output_xy"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(format!("{x} {y}\n").as_bytes())?;
            child.wait_with_output()
        })
        .expect("gdaltransform (GDAL) runs");
    let text = String::from_utf8(out.stdout).unwrap();
    let v: Vec<f64> = text.split_whitespace().map(|s| s.parse().unwrap()).collect();
    geohash::encode(geo::Coord { x: v[0], y: v[1] }, 12).unwrap()
}

/// The point (degrees) a code names: its cell's centre.
fn point_of(code: &str) -> (f64, f64) {
    let (c, _, _) = geohash::decode(code).unwrap();
    (c.x, c.y)
}

/// Eight 20 m squares in a row on sheet 1 with codes: right, right with spaces, empty (null and ""),
/// malformed, outside (1.5 m east of its square), and a neighbour's code copied.
fn write_commune(dir: &Path, with_codes: bool) {
    std::fs::create_dir_all(dir).unwrap();
    let square = |k: usize| {
        let (x, y) = (X0 + 20.0 * k as f64, Y0);
        json!({"type": "Polygon", "coordinates": [[[x, y], [x + 20.0, y], [x + 20.0, y + 20.0], [x, y + 20.0], [x, y]]]})
    };
    let centre = |k: usize| code_at(X0 + 20.0 * k as f64 + 10.0, Y0 + 10.0);
    let codes: Vec<Value> = vec![
        json!(centre(0)),
        json!(format!(" {} ", centre(1))),
        Value::Null,
        json!(""),
        json!(centre(4).to_uppercase()),
        json!(&centre(5)[..11]),
        json!(code_at(X0 + 20.0 * 7.0 + 1.5, Y0 + 10.0)),
        json!(centre(0)),
    ];
    let features: Vec<Value> = (0..8)
        .map(|k| {
            let mut props = json!({"MaXa": "00118", "SoTo": 1, "SoThua": k + 1, "LoaiDat": "ODT"});
            if with_codes {
                props["MaDinhDanh"] = codes[k].clone();
            }
            json!({"type": "Feature", "properties": props, "geometry": square(k)})
        })
        .collect();
    let fc = json!({"type": "FeatureCollection", "features": features});
    std::fs::write(dir.join("parcels.geojson"), serde_json::to_string(&fc).unwrap()).unwrap();
    std::fs::write(
        dir.join("dataset.toml"),
        "crs = \"VN2000:105.0\"\n[columns.parcels]\ncommune = \"MaXa\"\nsheet = \"SoTo\"\nparcel_no = \"SoThua\"\n\
         land_use = \"LoaiDat\"\n"
            .to_string()
            + if with_codes { "parcel_code = \"MaDinhDanh\"\n" } else { "" },
    )
    .unwrap();
    std::fs::write(dir.join("certificates.csv"), "cert_id,commune,sheet,parcel_no,area\n").unwrap();
}

/// The `parcel_code` conflicts of a report: (parcel ids, measure, proposed codes).
fn code_conflicts(report: &Path) -> Vec<(Vec<String>, Value, Vec<String>)> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(report.join("conflicts.geojson")).unwrap()).unwrap();
    let mut out: Vec<(Vec<String>, Value, Vec<String>)> = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["properties"])
        .filter(|p| p["kind"] == "parcel_code")
        .map(|p| {
            let ids = p["parcel_ids"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect();
            let proposed = match &p["proposed_code"] {
                Value::String(s) => vec![s.clone()],
                Value::Array(a) => a.iter().map(|s| s.as_str().unwrap().to_string()).collect(),
                other => panic!("proposed_code {other}"),
            };
            (ids, p["measure"].clone(), proposed)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn check(dir: &Path, report: &Path) {
    let o = run(&["check", dir.to_str().unwrap(), "--out", report.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn each_kind_of_wrong_code_is_found_with_a_proposal_inside_its_parcel_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c");
    write_commune(&dir, true);
    let report = tmp.path().join("r");
    check(&dir, &report);
    let found = code_conflicts(&report);
    let ids = |v: &[usize]| v.iter().map(|k| format!("00118-1-{k}")).collect::<Vec<_>>();
    // 1 and 8 share the code of 1's centre: one conflict of both, and 8's code is 130 m outside 8 (the row
    // away); 3 and 4 empty, 5 in upper case, 6 eleven characters, 7 1.5 m outside. 2 (spaces) is right. A
    // code names the centre of its cell (37 x 19 mm), so distances are to 2 cm.
    let got: Vec<(Vec<String>, Option<f64>)> = found.iter().map(|(p, m, _)| (p.clone(), m.as_f64())).collect();
    let listed: Vec<Vec<String>> = got.iter().map(|g| g.0.clone()).collect();
    assert_eq!(listed, vec![ids(&[1, 8]), ids(&[3]), ids(&[4]), ids(&[5]), ids(&[6]), ids(&[7]), ids(&[8])]);
    let measures: Vec<Option<f64>> = got.iter().map(|g| g.1).collect();
    assert_eq!(measures[..5], [Some(2.0), None, None, None, None]);
    assert!((measures[5].unwrap() - 1.5).abs() < 0.02, "{measures:?}");
    assert!((measures[6].unwrap() - 130.0).abs() < 0.03, "{measures:?}");
    // Each proposal names a point inside its square: here its centre, to a centimetre.
    for (parcels, _, proposed) in &found {
        assert_eq!(parcels.len(), proposed.len());
        for (id, code) in parcels.iter().zip(proposed) {
            let k: usize = id.rsplit('-').next().unwrap().parse().unwrap();
            let want = point_of(&code_at(X0 + 20.0 * (k - 1) as f64 + 10.0, Y0 + 10.0));
            let got = point_of(code);
            assert!((got.0 - want.0).abs() < 1e-6 && (got.1 - want.1).abs() < 1e-6, "{id}: {code}");
        }
    }
    // The details say which defect.
    let v: Value = serde_json::from_str(&std::fs::read_to_string(report.join("conflicts.geojson")).unwrap()).unwrap();
    let detail = |id: &str| {
        v["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| &f["properties"])
            .find(|p| p["kind"] == "parcel_code" && p["parcel_ids"] == json!([id]))
            .unwrap()["detail"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(detail("00118-1-3"), "the parcel has no national parcel code");
    assert!(detail("00118-1-5").contains("is in upper case"), "{}", detail("00118-1-5"));
    assert!(detail("00118-1-6").contains("is not 12 GeoHash characters"), "{}", detail("00118-1-6"));
    assert!(detail("00118-1-7").ends_with(" m outside the parcel"), "{}", detail("00118-1-7"));
    // Status 2 with the reason.
    let parcels = common::report_parcels(&report);
    let p3 = parcels.iter().find(|p| p.0 == "00118-1-3").unwrap();
    assert_eq!((p3.2.as_str(), p3.3.as_str()), ("2", "parcel_code"));

    // The same through GDAL: GeoPackage, and a Shapefile (its column names are ten characters at most).
    for (driver, ext) in [("GPKG", "gpkg"), ("ESRI Shapefile", "shp")] {
        let other = tmp.path().join(format!("c-{ext}"));
        std::fs::create_dir_all(&other).unwrap();
        for f in ["dataset.toml", "certificates.csv"] {
            std::fs::copy(dir.join(f), other.join(f)).unwrap();
        }
        let o = std::process::Command::new("ogr2ogr")
            .args(["-f", driver])
            .arg(other.join(format!("parcels.{ext}")))
            .arg(dir.join("parcels.geojson"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let r = tmp.path().join(format!("r-{ext}"));
        check(&other, &r);
        let again: Vec<(Vec<String>, Option<f64>)> =
            code_conflicts(&r).into_iter().map(|(p, m, _)| (p, m.as_f64())).collect();
        // A Shapefile has no null strings: the empty ones read as "", the same defect.
        assert_eq!(again, got, "{driver}");
    }
}

#[test]
fn without_the_column_codes_are_not_checked_and_with_it_empty_everywhere_every_parcel_is_told() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c");
    write_commune(&dir, false);
    let report = tmp.path().join("r");
    check(&dir, &report);
    assert_eq!(code_conflicts(&report), vec![]);
    // The canonical column in a Shapefile, whose field names stop at ten characters (`parcel_cod`).
    let shp = tmp.path().join("shp");
    std::fs::create_dir_all(&shp).unwrap();
    for f in ["dataset.toml", "certificates.csv"] {
        std::fs::copy(dir.join(f), shp.join(f)).unwrap();
    }
    let text = std::fs::read_to_string(dir.join("parcels.geojson")).unwrap();
    let with_code = text.replace("\"LoaiDat\":\"ODT\"", "\"LoaiDat\":\"ODT\",\"parcel_code\":\"w7dzq89xxwpn\"");
    std::fs::write(tmp.path().join("coded.geojson"), &with_code).unwrap();
    let o = std::process::Command::new("ogr2ogr")
        .args(["-f", "ESRI Shapefile"])
        .arg(shp.join("parcels.shp"))
        .arg(tmp.path().join("coded.geojson"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = tmp.path().join("r-shp");
    check(&shp, &r);
    // The same code on all eight: one shared-code conflict, and seven (or eight) codes outside their square.
    let shared = code_conflicts(&r).into_iter().filter(|(p, _, _)| p.len() == 8).count();
    assert_eq!(shared, 1);
    // The column present, every value null: eight empty codes.
    let text = std::fs::read_to_string(dir.join("parcels.geojson")).unwrap();
    std::fs::write(
        dir.join("parcels.geojson"),
        text.replace("\"LoaiDat\":\"ODT\"", "\"LoaiDat\":\"ODT\",\"parcel_code\":null"),
    )
    .unwrap();
    check(&dir, &report);
    assert_eq!(code_conflicts(&report).len(), 8);
}

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/sample")
}

#[test]
fn the_code_is_served_looked_up_and_found() {
    let server = common::serve(&sample());
    let a = server.addr.as_str();
    let get = |target: &str| {
        let (code, _, text) = http(a, "GET", target, "", None);
        assert_eq!(code, 200, "{target}: {text}");
        serde_json::from_str::<Value>(&text).unwrap()
    };
    // A parcel with a right code: found by it, in any case.
    let all = get("/collections/parcels/items?limit=10000");
    let with_code = all["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["status"] == 1 && f["properties"]["parcel_code"].is_string())
        .unwrap();
    let code = with_code["properties"]["parcel_code"].as_str().unwrap();
    let found = get(&format!("/collections/parcels/items?parcel_code={}", code.to_uppercase()));
    assert_eq!(found["numberMatched"], 1);
    assert_eq!(found["features"][0]["id"], with_code["id"]);
    assert!(found["links"].as_array().unwrap().iter().any(|l| l["href"].as_str().unwrap().contains("parcel_code=")));
    // The look-up at the code's own point finds the parcel and says its code.
    let (lon, lat) = point_of(code);
    let look = get(&format!("/lookup?lon={lon}&lat={lat}"));
    assert_eq!(look["parcel"]["id"], with_code["id"]);
    assert_eq!(look["parcel"]["parcel_code"], code);
    // The conflicts say what is wrong and what to write.
    let conflicts = get("/collections/conflicts/items?kind=parcel_code&limit=1000");
    let features = conflicts["features"].as_array().unwrap();
    assert_eq!(features.len(), 31);
    let mut defects: Vec<&str> = features.iter().map(|f| f["properties"]["code_defect"].as_str().unwrap()).collect();
    defects.sort_unstable();
    defects.dedup();
    assert_eq!(defects, vec!["empty", "malformed", "outside", "shared"]);
    for f in features {
        let p = &f["properties"];
        let n = p["parcel_ids"].as_str().unwrap().split(';').count();
        let proposed: Vec<&str> = p["proposed_code"].as_str().unwrap().split(';').collect();
        assert_eq!(proposed.len(), n, "{p}");
        assert!(proposed.iter().all(|c| c.len() == 12), "{p}");
    }
    // Filters on the wrong collection are refused.
    let (code, _, text) = http(a, "GET", "/collections/conflicts/items?parcel_code=x", "", None);
    assert_eq!((code, reason(&text)), (400, "parameter `parcel_code` filters parcels, not conflicts".to_string()));
}

#[test]
fn an_officer_sets_the_proposed_code_and_the_conflict_goes_at_once_and_the_column_survives_export() {
    let db = TestDb::new("parcel_code");
    let out = run(&["import", sample().to_str().unwrap(), "--db", &db.url, "--by", "tester"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(sql_value(&db.url, "SELECT has_parcel_code::text FROM thuadat.commune"), "true");
    add(&db, "an", "officer", &[]);
    let (server, _) = common::serve_with(&["--db", &db.url]);
    let a = server.addr.as_str();
    let pw = password_of("an");
    let an = Some(("an", pw.as_str()));
    let (_, _, text) = http(a, "GET", "/collections/conflicts/items?kind=parcel_code&limit=1000", "", an);
    let conflicts: Value = serde_json::from_str(&text).unwrap();
    let empty = conflicts["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["code_defect"] == "empty")
        .unwrap()
        .clone();
    let (parcel, proposed) =
        (empty["properties"]["parcel_ids"].as_str().unwrap(), empty["properties"]["proposed_code"].as_str().unwrap());
    let item = format!("/collections/parcels/items/{parcel}");
    let (_, head, _) = http(a, "GET", &item, "", an);
    let etag = head.lines().find_map(|l| l.strip_prefix("etag: ")).unwrap().trim().to_string();
    let if_match = format!("If-Match: {etag}\r\n");
    let patch = |code: &str| json!({"type": "Feature", "properties": {"parcel_code": code}}).to_string();
    // Malformed: refused, nothing written.
    let (code, _, text) = http_with(a, "PATCH", &item, &patch("W7DZQ"), an, &if_match);
    assert_eq!(code, 422, "{text}");
    assert!(reason(&text).contains("`W7DZQ` is not a national parcel code"), "{text}");
    assert_eq!(sql_value(&db.url, "SELECT count(*)::text FROM thuadat.edit"), "0");
    // The proposal: the conflict goes, the parcel's status with it.
    let (code, _, text) = http_with(a, "PATCH", &item, &patch(proposed), an, &if_match);
    assert_eq!(code, 200, "{text}");
    let done: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(done["conflicts"]["closed_ids"], json!([empty["id"]]), "{done}");
    assert_eq!(done["conflicts"]["opened_ids"], json!([]), "{done}");
    assert_eq!(done["parcel"]["properties"]["parcel_code"], proposed, "{done}");
    let (code, _, _) =
        http(a, "GET", &format!("/collections/conflicts/items/{}", empty["id"].as_str().unwrap()), "", an);
    assert_eq!(code, 404);
    assert_eq!(
        sql_value(&db.url, &format!("SELECT parcel_code FROM thuadat.parcel WHERE parcel_id = '{parcel}'")),
        proposed
    );
    // Exported and checked again: the code is there, the conflict is not; the empty codes stay empty.
    let tmp = tempfile::tempdir().unwrap();
    let (dir, report) = (tmp.path().join("export"), tmp.path().join("report"));
    let o = run(&["export", "--db", &db.url, "--out", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    check(&dir, &report);
    let after = code_conflicts(&report);
    assert_eq!(after.len(), 30);
    assert!(!after.iter().any(|(p, _, _)| p == &vec![parcel.to_string()]));
}
