//! Degenerate geometry end to end (issue 14, item 3): a ring of zero area and a coordinate that cannot be
//! projected are that parcel's `invalid_geometry`, and the rest of the check runs as usual.
#![allow(clippy::unwrap_used)] // a test fails loudly on its own fixtures

mod common;

use std::path::Path;

use common::*;

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// Runs check on a changed copy of the small commune; returns the report directory (inside `tmp`).
fn check(tmp: &Path, change: impl FnOnce(&Path)) -> std::path::PathBuf {
    let ds = tmp.join("commune");
    write_small_commune(&ds);
    change(&ds);
    let report = tmp.join("report");
    let out = run(&["check", ds.to_str().unwrap(), "--out", report.to_str().unwrap(), "--quiet"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    report
}

/// The small commune's conflicts with one more `invalid_geometry`, of parcel `id`.
fn small_commune_conflicts_and_invalid(id: &str) -> Vec<(String, Vec<String>, Vec<String>)> {
    let mut expected = small_commune_conflicts();
    let at = expected.iter().position(|c| c.0 == "invalid_geometry").unwrap();
    expected.insert(at, ("invalid_geometry".into(), vec![id.to_string()], vec![]));
    expected.sort_by_key(|(k, p, c)| (KINDS.iter().position(|x| x == k), p.clone(), c.clone()));
    expected
}

/// The `detail` of the report's conflict of `kind` on parcel `id`.
fn detail(report: &Path, kind: &str, id: &str) -> String {
    let text = std::fs::read_to_string(report.join("conflicts.geojson")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let f = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["kind"] == kind && f["properties"]["parcel_ids"][0] == id)
        .unwrap_or_else(|| panic!("no {kind} conflict on {id}"));
    f["properties"]["detail"].as_str().unwrap().to_string()
}

fn summary(report: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(report.join("summary.json")).unwrap()).unwrap()
}

/// parcels.csv's `mapped_area_m2` of parcel `id`.
fn mapped_area(report: &Path, id: &str) -> String {
    let mut r = csv::Reader::from_path(report.join("parcels.csv")).unwrap();
    let rec = r.records().map(|r| r.unwrap()).find(|r| &r[0] == id).unwrap();
    rec[7].to_string()
}

/// Parcel 3 (a 5 m x 20 m strip from (585010, 2326000)) drawn as a ring whose three points lie on one line.
const PARCEL_3: &str = "[[[585010,2326000],[585015,2326000],[585015,2326020],[585010,2326020],[585010,2326000]]]";
const PARCEL_3_COLLINEAR: &str = "[[[585010,2326000],[585012.5,2326010],[585015,2326020],[585010,2326000]]]";

#[test]
fn collinear_ring_is_invalid_geometry() {
    let tmp = tempfile::tempdir().unwrap();
    let report = check(tmp.path(), |d| edit(&d.join("parcels.geojson"), PARCEL_3, PARCEL_3_COLLINEAR));
    assert_eq!(report_conflicts(&report), small_commune_conflicts_and_invalid("00118-1-3"));
    assert_eq!(
        detail(&report, "invalid_geometry", "00118-1-3"),
        "00118-1-3: exterior ring has zero area (its points are collinear)"
    );
    let parcels = report_parcels(&report);
    let p3 = parcels.iter().find(|p| p.0 == "00118-1-3").unwrap();
    assert_eq!((p3.2.as_str(), p3.3.as_str()), ("3", "invalid_geometry"));
    assert_eq!(mapped_area(&report, "00118-1-3"), "");
    // Its certificate (100.4 m2 against a mapped area of 0) is not compared, and the summary says so, with the
    // certificates of the bow-tie (10) and of the parcel without geometry (11).
    assert_eq!(
        summary(&report)["area_mismatch_not_compared"],
        serde_json::json!({
            "certificates": 3,
            "cert_ids": ["C10", "C11", "C3"],
            "why": "their parcel has no mapped area (invalid or missing geometry): compared once the geometry is rebuilt"
        })
    );
}

#[test]
fn collinear_hole_is_invalid_geometry() {
    let tmp = tempfile::tempdir().unwrap();
    let report = check(tmp.path(), |d| {
        let hole = "[[585011,2326001],[585012,2326002],[585013,2326003],[585011,2326001]]";
        edit(&d.join("parcels.geojson"), PARCEL_3, &format!("{}],{hole}]", &PARCEL_3[..PARCEL_3.len() - 2]));
    });
    assert_eq!(report_conflicts(&report), small_commune_conflicts_and_invalid("00118-1-3"));
    assert_eq!(
        detail(&report, "invalid_geometry", "00118-1-3"),
        "00118-1-3: interior ring at index 0 has zero area (its points are collinear)"
    );
}

/// Parcel 2's second vertex (585010, 2326000) moved to `x`.
fn move_parcel_2_vertex(d: &Path, x: &str) {
    edit(&d.join("parcels.geojson"), "[585010,2326000],[585010,2326020]", &format!("[{x},2326000],[585010,2326020]"));
}

#[test]
fn coordinate_out_of_range_is_that_parcels_invalid_geometry() {
    let tmp = tempfile::tempdir().unwrap();
    let report = check(tmp.path(), |d| move_parcel_2_vertex(d, "1e308"));
    assert_eq!(report_conflicts(&report), small_commune_conflicts_and_invalid("00118-1-2"));
    assert_eq!(
        detail(&report, "invalid_geometry", "00118-1-2"),
        "00118-1-2: exterior ring has coordinate (1e308, 2326000), which VN2000:105.0 cannot project to longitude/latitude"
    );
    assert_eq!(mapped_area(&report, "00118-1-2"), "");
    assert_eq!(mapped_area(&report, "00118-1-1"), "100.00");
    assert_eq!(summary(&report)["area_mismatch_not_compared"]["cert_ids"], serde_json::json!(["C10", "C11", "C2"]));
}

/// A coordinate within numeric range that the CRS cannot project (a billion metres east): the parcel is invalid,
/// and the area-scale grid is built over the other parcels (their areas do not change).
#[test]
fn coordinate_the_crs_cannot_project_is_that_parcels_invalid_geometry() {
    let tmp = tempfile::tempdir().unwrap();
    let report = check(tmp.path(), |d| move_parcel_2_vertex(d, "1000000000"));
    assert_eq!(report_conflicts(&report), small_commune_conflicts_and_invalid("00118-1-2"));
    assert_eq!(
        detail(&report, "invalid_geometry", "00118-1-2"),
        "00118-1-2: exterior ring has coordinate (1000000000, 2326000), which VN2000:105.0 cannot project to longitude/latitude"
    );
    assert_eq!(mapped_area(&report, "00118-1-2"), "");
    assert_eq!(mapped_area(&report, "00118-1-1"), "100.00");
    assert_eq!(mapped_area(&report, "00118-1-17"), "100.00");
}

/// The same map in the CRS forms the contract allows gives the same report.
#[test]
fn equivalent_crs_forms_give_the_same_conflicts() {
    for crs in [String::from("EPSG:5897"), thuadat::crs::vn2000_proj_string(105.0)] {
        let tmp = tempfile::tempdir().unwrap();
        let report = check(tmp.path(), |d| edit(&d.join("dataset.toml"), "VN2000:105.0", &crs));
        assert_eq!(report_conflicts(&report), small_commune_conflicts(), "{crs}");
        assert_eq!(mapped_area(&report, "00118-1-1"), "100.00", "{crs}");
    }
}
