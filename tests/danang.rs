//! Real cadastral parcels of ten Da Nang wards (tests/fixtures/parcels-danang: EPSG:4326, VBDLIS column
//! names, no certificates): `check` runs clean and finds the invalid rings, overlaps and repeated sheet+parcel
//! numbers that the files contain. The counts were checked against PostGIS/GEOS (docs/DANANG.md).
#![allow(clippy::unwrap_used)] // a test fails loudly on its own fixtures

mod common;

use std::path::Path;

use common::*;

fn dataset(dir: &Path, ward: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let src = fixtures().join(format!("parcels-danang/{ward}.geojson.gz"));
    assert!(src.is_file(), "{} is missing", src.display());
    std::os::unix::fs::symlink(&src, dir.join("parcels.geojson.gz")).unwrap();
    std::fs::write(
        dir.join("certificates.csv"),
        "cert_id,serial,commune,sheet,parcel_no,area,land_use,issued,holder_name,holder_id,holder_birth,address\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("dataset.toml"),
        format!(
            "name = \"Da Nang ward {ward}\"\n[columns.parcels]\ncommune = \"MaXa\"\nsheet = \"SoHieuToBanDo\"\nparcel_no = \"SoThuTuThua\"\narea = \"DienTich\"\nland_use = \"KyHieuMucDichSuDung\"\n"
        ),
    )
    .unwrap();
}

fn counts(report: &Path) -> (u64, u64, u64, u64) {
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("summary.json")).unwrap()).unwrap();
    let k = &s["conflicts"]["by_kind"];
    (
        s["parcels"].as_u64().unwrap(),
        k["invalid_geometry"].as_u64().unwrap(),
        k["duplicate_parcel_number"].as_u64().unwrap(),
        k["overlap"].as_u64().unwrap(),
    )
}

#[test]
fn ten_wards() {
    // (ward, parcels, invalid_geometry, duplicate_parcel_number groups, overlaps above 0.5 m2)
    let expected = [
        ("20203", 4374, 1, 26, 0),
        ("20206", 5962, 2, 51, 2),
        ("20207", 4369, 2, 52, 0),
        ("20209", 5118, 1, 20, 0),
        ("20212", 3249, 0, 5, 1),
        ("20215", 6041, 3, 28, 0),
        ("20218", 4446, 0, 19, 1),
        ("20221", 4568, 3, 17, 0),
        ("20225", 6459, 2, 28, 0),
        ("20227", 5557, 2, 4, 2),
    ];
    let tmp = tempfile::tempdir().unwrap();
    for (ward, parcels, invalid, duplicates, overlaps) in expected {
        let ds = tmp.path().join(ward);
        dataset(&ds, ward);
        let report = tmp.path().join(format!("report-{ward}"));
        let out = run(&["check", ds.to_str().unwrap(), "--out", report.to_str().unwrap(), "--quiet"]);
        assert!(out.status.success(), "{ward}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(counts(&report), (parcels, invalid, duplicates, overlaps), "ward {ward}");
        // Without certificates the certificate rules have nothing to say; every parcel keeps its id.
        let rows = report_parcels(&report);
        assert_eq!(rows.len() as u64, parcels);
        let ids: std::collections::HashSet<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(ids.len() as u64, parcels, "ids are distinct");
    }
}
