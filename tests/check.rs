//! `thuadat check` end to end on the small hand-made commune: every kind, every status, the report layout.

mod common;

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
    assert!(holders.starts_with("cert_id,holder_name,holder_id,status,citizen_id,score\n"));
    assert_eq!(holders.lines().count(), 16);
}

#[test]
fn rerun_replaces_the_report_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("commune");
    write_small_commune(&ds);
    let report = tmp.path().join("report");
    std::fs::create_dir_all(&report).unwrap();
    std::fs::write(report.join("stale.txt"), "old").unwrap();
    let out = run(&["check", ds.to_str().unwrap(), "--out", report.to_str().unwrap(), "--quiet"]);
    assert!(out.status.success());
    assert!(!report.join("stale.txt").exists());
    let names: Vec<String> =
        std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), 2, "no temporary directories left: {names:?}");
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
