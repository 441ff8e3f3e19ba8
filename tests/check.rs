//! `thuadat check` end to end on the small hand-made commune: every kind, every status, the report layout.
#![allow(clippy::unwrap_used)] // a test fails loudly on its own fixtures

mod common;

use std::path::Path;

use common::*;

#[test]
fn small_commune_gives_every_conflict_and_status() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("commune");
    write_small_commune(&ds);
    let report = tmp.path().join("report");
    let out = run(&["check", ds.to_str().unwrap(), "--out", report.to_str().unwrap(), "--quiet"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(report_conflicts(&report), small_commune_conflicts());
    let parcels = report_parcels(&report);
    let status: Vec<(&str, &str, &str)> =
        parcels.iter().map(|(id, _, s, r)| (id.as_str(), s.as_str(), r.as_str())).collect();
    assert_eq!(
        status,
        vec![
            ("00118-1-1", "1", ""),
            ("00118-1-2", "1", ""),
            ("00118-1-3", "1", ""),
            ("00118-1-4", "3", "unmapped_split"),
            ("00118-1-5", "2", "duplicate_certificate"),
            ("00118-1-6", "2", "area_mismatch"),
            ("00118-1-7", "2", "parcel_without_certificate"),
            ("00118-1-8", "3", "overlap"),
            ("00118-1-9", "3", "overlap"),
            ("00118-1-10", "3", "invalid_geometry"),
            ("00118-1-11", "3", "invalid_geometry"),
            ("00118-1-12", "2", "duplicate_parcel_number"),
            ("00118-1-12_2", "2", "duplicate_parcel_number;parcel_without_certificate"),
            ("00118-1-17", "2", "parcel_without_certificate"),
        ]
    );
    assert_eq!(parcels[0].1, "To 1");
    assert_eq!(parcels[6].1, "To 2");
    for f in ["conflicts.geojson", "parcels.csv", "holders.csv", "summary.json"] {
        assert!(report.join(f).is_file(), "{f}");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["parcels"], 14);
    assert_eq!(summary["certificates"], 14);
    assert_eq!(summary["holders"], 15);
    assert_eq!(summary["conflicts"]["by_kind"]["parcel_without_certificate"], 3);
    assert_eq!(summary["conflicts"]["by_group"]["To 1"]["unmapped_split"], 1);
    assert_eq!(summary["status"]["3"], 5);

    // The overlap: 1 m x 20 m on the map, scaled to the ground (k = 0.9999 near the central meridian... and
    // a little more 80 km east of it).
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("conflicts.geojson")).unwrap()).unwrap();
    let overlap = &v["features"][0];
    let area = overlap["properties"]["measure"].as_f64().unwrap();
    assert!((area - 20.0).abs() < 0.02, "{area}");
    assert_eq!(overlap["properties"]["near_duplicate"], false);
    assert_eq!(overlap["geometry"]["type"], "Polygon");
    let lon = overlap["geometry"]["coordinates"][0][0][0].as_f64().unwrap();
    assert!((105.8..105.9).contains(&lon), "{lon}");
    // The unmatched certificate's best guess is the orphaned parcel 17 (7 and 1 swapped).
    let unmatched =
        v["features"].as_array().unwrap().iter().find(|f| f["properties"]["kind"] == "unmatched_certificate").unwrap();
    assert_eq!(unmatched["properties"]["candidates"][0]["parcel_id"], "00118-1-17");
    assert_eq!(unmatched["properties"]["severity"], "warning");
    assert_eq!(unmatched["geometry"]["type"], "Point");
    // holders.csv: one row per holder, names as written.
    let holders = std::fs::read_to_string(report.join("holders.csv")).unwrap();
    assert!(holders.starts_with("cert_id,holder_name,holder_id,status,citizen_id,score,candidate_id\n"));
    assert_eq!(holders.lines().count(), 16);
}

#[test]
fn rerun_replaces_the_report_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("commune");
    write_small_commune(&ds);
    let report = tmp.path().join("report");
    let check = || run(&["check", ds.to_str().unwrap(), "--out", report.to_str().unwrap(), "--quiet"]);
    assert!(check().status.success());
    let first = std::fs::read_to_string(report.join("parcels.csv")).unwrap();
    // A report of thuadat's own is replaced whole.
    std::fs::write(report.join("parcels.csv"), "edited").unwrap();
    assert!(check().status.success());
    assert_eq!(std::fs::read_to_string(report.join("parcels.csv")).unwrap(), first);
    let names: Vec<String> =
        std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), 2, "no temporary directories left: {names:?}");
}

/// `--out` never deletes what is not a report of thuadat's: the dataset, a folder of the user's, a file. Each
/// is refused with exit code 2 before anything is read or written, and stays as it was.
#[test]
fn out_refuses_to_replace_what_is_not_a_report() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("commune");
    write_small_commune(&ds);
    let listing = |dir: &Path| -> Vec<String> {
        let mut n: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        n.sort();
        n
    };
    let dataset_files = listing(&ds);
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    std::fs::write(work.join("notes.txt"), "mine").unwrap();
    let notes = tmp.path().join("notes.txt");
    std::fs::write(&notes, "mine too").unwrap();
    let refused = |out: &Path, says: &str| {
        let o = run(&["check", ds.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(2), "{}: {stderr}", out.display());
        assert_eq!(stderr, format!("error: {}: {says}\n", out.display()));
    };
    refused(&ds, "is the dataset directory itself: the report is never written over the dataset");
    refused(
        &ds.join("report"),
        &format!("is inside the dataset directory {}: the report is never written into the dataset", ds.display()),
    );
    refused(
        tmp.path(),
        &format!("contains the dataset directory {}: replacing it would delete the dataset", ds.display()),
    );
    refused(
        &work,
        "holds `notes.txt`, which is not part of a thuadat report: nothing was written; give a new or empty directory",
    );
    refused(&notes, "exists and is not a directory: the report is a directory; give a new or empty one");
    assert_eq!(listing(&ds), dataset_files);
    assert_eq!(std::fs::read_to_string(work.join("notes.txt")).unwrap(), "mine");
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "mine too");
    assert_eq!(listing(tmp.path()), ["commune", "notes.txt", "work"], "nothing written beside them");
    // An empty directory is fine.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = run(&["check", ds.to_str().unwrap(), "--out", empty.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(listing(&empty), ["conflicts.geojson", "holders.csv", "parcels.csv", "summary.json"]);
}

/// Writes a dataset of parcels given as (properties JSON, planar square origin x), VN-2000 coordinates, and
/// a certificates file; returns the dataset directory.
fn tiny_dataset(dir: &Path, toml: &str, features: &[&str], certificates: &str) -> std::path::PathBuf {
    let ds = dir.join("tiny");
    std::fs::create_dir_all(&ds).unwrap();
    let geojson = format!("{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}\n", features.join(",\n"));
    std::fs::write(ds.join("parcels.geojson"), geojson).unwrap();
    std::fs::write(ds.join("dataset.toml"), format!("crs = \"VN2000:105.0\"\n{toml}")).unwrap();
    std::fs::write(ds.join("certificates.csv"), certificates).unwrap();
    ds
}

fn square(properties: &str, k: usize) -> String {
    let (x, y, s) = (585_000.0 + 20.0 * k as f64, 2_326_000.0, 10.0);
    format!(
        r#"{{"type":"Feature","properties":{properties},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{},{y}],[{},{}],[{x},{}],[{x},{y}]]]}}}}"#,
        x + s,
        x + s,
        y + s,
        y + s
    )
}

/// Repeated ids get suffixes that no other parcel carries: `A, A, A_2` must not give two `A_2` (issue 14, 4).
#[test]
fn suffixes_of_repeated_ids_never_collide() {
    let tmp = tempfile::tempdir().unwrap();
    let features: Vec<String> = ["A", "A", "A_2", "A"]
        .iter()
        .enumerate()
        .map(|(k, id)| square(&format!(r#"{{"parcel_id":"{id}","sheet":1,"parcel_no":{}}}"#, k + 1), k))
        .collect();
    let features: Vec<&str> = features.iter().map(String::as_str).collect();
    let ds = tiny_dataset(tmp.path(), "", &features, "cert_id,sheet,parcel_no,area\nC1,1,1,100\n");
    let report = tmp.path().join("report");
    let out = run(&["check", ds.to_str().unwrap(), "--out", report.to_str().unwrap(), "--quiet"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ids: Vec<String> = report_parcels(&report).into_iter().map(|p| p.0).collect();
    assert_eq!(ids, ["A", "A_3", "A_2", "A_4"]);
}

/// Without an `area` column the area rules cannot run: a warning on stderr, the rule in `skipped_rules` and the
/// warning in `summary.json`, instead of silence (issue 14, 5). Features that are not areas are said on stdout
/// (issue 14, 13). `commune` from dataset.toml fills parcels without one; `no_certificate_land_use` exempts
/// roads from `parcel_without_certificate` (contract v2).
#[test]
fn missing_optional_columns_and_points_are_said() {
    let tmp = tempfile::tempdir().unwrap();
    let point = r#"{"type":"Feature","properties":{"sheet":1,"parcel_no":9},"geometry":{"type":"Point","coordinates":[585100.0,2326000.0]}}"#;
    let (a, b, road) = (
        square(r#"{"sheet":1,"parcel_no":1,"land_use":"ODT"}"#, 0),
        square(r#"{"sheet":1,"parcel_no":2,"land_use":"ODT"}"#, 1),
        square(r#"{"sheet":1,"parcel_no":3,"land_use":"DGT"}"#, 2),
    );
    let ds = tiny_dataset(
        tmp.path(),
        "commune = \"10105\"\n[rules]\nno_certificate_land_use = [\"DGT\"]\n[columns.certificates]\nholder_name = \"HoTen\"\n",
        &[&a, &b, point, &road],
        "cert_id,sheet,parcel_no,HoTen\nC1,1,1,An\n",
    );
    let report = tmp.path().join("report");
    let out = run(&["check", ds.to_str().unwrap(), "--out", report.to_str().unwrap()]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("warning: certificates.csv has no column `area` (area): area_mismatch and duplicate_certificate are not checked, and unmapped_split is found from split suffixes only\n"), "{stderr}");
    assert!(
        stdout.contains("  not parcels: 1 features of the parcels file are points or lines, not areas (left out)\n"),
        "{stdout}"
    );
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        s["skipped_rules"][0],
        "area_mismatch, duplicate_certificate: certificates.csv has no `area` column (area)"
    );
    assert!(s["warnings"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().contains("no column `area`")));
    assert_eq!(s["skipped_features"], 1);
    // The road needs no certificate; parcel 2 does. Ids carry the commune from dataset.toml.
    assert_eq!(
        report_conflicts(&report),
        [("parcel_without_certificate".to_string(), vec!["10105-1-2".to_string()], vec![])]
    );
}

/// Roads, canals, rivers and water carry no certificate by default (contract v2); a commune that exempts no land
/// use (`[]`) keeps them as conflicts, and the check says how to exempt them.
#[test]
fn roads_without_certificates_are_exempt_unless_the_list_is_emptied_and_then_get_a_hint() {
    let (a, road, canal) = (
        square(r#"{"sheet":1,"parcel_no":1,"land_use":"ODT"}"#, 0),
        square(r#"{"sheet":1,"parcel_no":2,"land_use":"DGT"}"#, 1),
        square(r#"{"sheet":1,"parcel_no":3,"land_use":"DTL+SON"}"#, 2),
    );
    let certs = "cert_id,sheet,parcel_no,area\nC1,1,1,10000\n";
    let by_default = tempfile::tempdir().unwrap();
    let ds = tiny_dataset(by_default.path(), "commune = \"10105\"\n", &[&a, &road, &canal], certs);
    let report = by_default.path().join("report");
    let out = run(&["check", ds.to_str().unwrap(), "--out", report.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("no_certificate_land_use"), "{stderr}");
    assert!(report_conflicts(&report).iter().all(|(kind, _, _)| kind != "parcel_without_certificate"));

    let tmp = tempfile::tempdir().unwrap();
    let ds = tiny_dataset(
        tmp.path(),
        "commune = \"10105\"\n[rules]\nno_certificate_land_use = []\n",
        &[&a, &road, &canal],
        certs,
    );
    let report = tmp.path().join("report");
    let out = run(&["check", ds.to_str().unwrap(), "--out", report.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let hint = "2 of the 2 parcels without a certificate are roads, irrigation, rivers or water surface (DGT, DTL, \
                SON, MNC): if such land never carries a certificate in this commune, list its codes in dataset.toml \
                as [rules] no_certificate_land_use = [\"DGT\", \"DTL\", \"SON\", \"MNC\"]";
    assert!(stderr.contains(&format!("warning: {hint}\n")), "{stderr}");
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("summary.json")).unwrap()).unwrap();
    assert!(s["warnings"].as_array().unwrap().iter().any(|w| w == hint), "{}", s["warnings"]);
    let without: Vec<Vec<String>> = report_conflicts(&report)
        .into_iter()
        .filter(|(kind, _, _)| kind == "parcel_without_certificate")
        .map(|(_, parcels, _)| parcels)
        .collect();
    assert_eq!(without, [vec!["10105-1-2".to_string()], vec!["10105-1-3".to_string()]]);
}

#[test]
fn report_csv_files_neutralise_spreadsheet_formulas_and_keep_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("commune");
    write_formula_commune(&ds);
    let report = tmp.path().join("report");
    let out = run(&["check", ds.to_str().unwrap(), "--out", report.to_str().unwrap(), "--quiet"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for f in ["parcels.csv", "holders.csv"] {
        let bytes = std::fs::read(report.join(f)).unwrap();
        assert_eq!(formula_cells(&bytes), Vec::<String>::new(), "{f}");
    }
    let parcels = report_parcels(&report);
    assert_eq!(parcels[6].1, "'=cmd|' /C calc'!A0", "a group name");
    let mut r = csv::Reader::from_path(report.join("parcels.csv")).unwrap();
    let certs: Vec<String> = r.records().map(|rec| rec.unwrap()[8].to_string()).collect();
    assert_eq!(certs[5], "'-2+3", "parcel 6's certificate");
    assert_eq!(certs[8], "-9", "a number stays a number");
    let mut r = csv::Reader::from_path(report.join("holders.csv")).unwrap();
    let names: Vec<String> = r.records().map(|rec| rec.unwrap()[1].to_string()).collect();
    assert!(names.iter().any(|n| n == "'=2*3"), "{names:?}");
    // The GeoJSON report keeps the text as it is.
    let conflicts = std::fs::read_to_string(report.join("conflicts.geojson")).unwrap();
    assert!(conflicts.contains("\"-2+3\"") && conflicts.contains("\"=cmd|' /C calc'!A0\""));
}
