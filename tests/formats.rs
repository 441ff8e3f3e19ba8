//! The same parcels written as GeoJSON, GeoPackage, Shapefile and FlatGeobuf (by GDAL's own ogr2ogr) give
//! the same report.
#![allow(clippy::unwrap_used)] // a test fails loudly on its own fixtures

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

fn convert(dir: &Path, driver: &str, ext: &str) {
    let src = dir.join("parcels.geojson");
    let dst = dir.join(format!("parcels.{ext}"));
    // FlatGeobuf's spatial index reorders the features; keep file order so that row order and the `_2` ids of
    // repeated numbers (given in file order) compare.
    let options: &[&str] = if driver == "FlatGeobuf" { &["-lco", "SPATIAL_INDEX=NO"] } else { &[] };
    let out = Command::new("ogr2ogr")
        .args(options)
        .args(["-f", driver, dst.to_str().unwrap(), src.to_str().unwrap()])
        .output()
        .expect("ogr2ogr (gdal-bin) is installed by scripts/install-deps.sh");
    assert!(out.status.success(), "ogr2ogr {driver}: {}", String::from_utf8_lossy(&out.stderr));
    std::fs::remove_file(src).unwrap();
}

type Report = (Vec<(String, Vec<String>, Vec<String>)>, String, serde_json::Value);

fn report_for(driver: Option<(&str, &str)>, drop_null_geometry: bool) -> Report {
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("commune");
    write_small_commune(&ds);
    if drop_null_geometry {
        let p = ds.join("parcels.geojson");
        let text = std::fs::read_to_string(&p).unwrap();
        let kept: Vec<&str> = text.lines().filter(|l| !l.contains("\"geometry\":null")).collect();
        std::fs::write(&p, kept.join("\n")).unwrap();
    }
    if let Some((driver, ext)) = driver {
        convert(&ds, driver, ext);
    }
    let report = tmp.path().join("report");
    let out = run(&["check", ds.to_str().unwrap(), "--out", report.to_str().unwrap(), "--quiet"]);
    assert!(out.status.success(), "{driver:?}: {}", String::from_utf8_lossy(&out.stderr));
    let parcels = std::fs::read_to_string(report.join("parcels.csv")).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("conflicts.geojson")).unwrap()).unwrap();
    (report_conflicts(&report), parcels, v)
}

#[test]
fn geojson_geopackage_shapefile_flatgeobuf_agree() {
    let (conflicts, parcels, features) = report_for(None, false);
    assert_eq!(conflicts, small_commune_conflicts());
    for (driver, ext) in [("GPKG", "gpkg"), ("ESRI Shapefile", "shp")] {
        let (c, p, f) = report_for(Some((driver, ext)), false);
        assert_eq!(c, conflicts, "{driver}");
        assert_eq!(p, parcels, "{driver}");
        // Same measures and geometries too (ids, groups, candidates): the whole feature collection.
        assert_eq!(f, features, "{driver}");
    }
    // GDAL 3.6's FlatGeobuf writer drops features without geometry, so the comparison leaves out the one
    // parcel whose geometry is missing.
    let baseline = report_for(None, true);
    // Without parcel 11 its certificate points at nothing.
    assert!(baseline.0.contains(&("unmatched_certificate".into(), vec![], vec!["C11".into()])));
    assert_eq!(report_for(Some(("FlatGeobuf", "fgb")), true), baseline);
}

/// The native GeoJSON reader reads what GDAL reads: same parcels, attributes, geometries, validity.
#[test]
fn native_geojson_reader_agrees_with_gdal() {
    use thuadat::dataset::{Dataset, Reader};
    let tmp = tempfile::tempdir().unwrap();
    let small = tmp.path().join("commune");
    write_small_commune(&small);
    let ward = tmp.path().join("ward");
    std::fs::create_dir_all(&ward).unwrap();
    std::os::unix::fs::symlink(fixtures().join("parcels-danang/20206.geojson.gz"), ward.join("parcels.geojson.gz"))
        .unwrap();
    std::fs::write(ward.join("certificates.csv"), "cert_id,sheet,parcel_no\n").unwrap();
    std::fs::write(
        ward.join("dataset.toml"),
        "[columns.parcels]\ncommune = \"MaXa\"\nsheet = \"SoHieuToBanDo\"\nparcel_no = \"SoThuTuThua\"\narea = \"DienTich\"\nland_use = \"KyHieuMucDichSuDung\"\n",
    )
    .unwrap();
    for dir in [small, ward] {
        let native = Dataset::load_with(&dir, Reader::Auto).unwrap();
        let gdal = Dataset::load_with(&dir, Reader::Gdal).unwrap();
        assert!(native.inputs[0].format.contains("native"));
        assert_eq!(gdal.inputs[0].format, "GeoJSON");
        assert_eq!(native.frame.source().proj_string, gdal.frame.source().proj_string);
        assert_eq!(native.parcels.len(), gdal.parcels.len());
        for (a, b) in native.parcels.iter().zip(&gdal.parcels) {
            assert_eq!(
                (&a.id, &a.commune, a.sheet, a.parcel_no, &a.land_use, a.recorded_area, &a.invalid),
                (&b.id, &b.commune, b.sheet, b.parcel_no, &b.land_use, b.recorded_area, &b.invalid)
            );
            assert_eq!(a.geometry, b.geometry, "{}", a.id);
            assert_eq!(a.area_m2, b.area_m2);
        }
    }
}
