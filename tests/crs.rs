//! The contract's `VN2000:<lon_0>` shorthand must agree with PROJ's EPSG definitions (through GDAL, the
//! reference every GIS here uses) to the millimetre.
#![allow(clippy::unwrap_used)] // a test fails loudly on its own fixtures

use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use thuadat::crs::Crs;

/// WGS 84 lon/lat -> EPSG:code easting/northing by PROJ (through GDAL).
fn proj_reference(code: u32, points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    proj_transform(4326, code, points)
}

fn proj_transform(from: u32, to: u32, points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut wgs = SpatialRef::from_epsg(from).unwrap();
    wgs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let mut vn = SpatialRef::from_epsg(to).unwrap();
    vn.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let t = CoordTransform::new(&wgs, &vn).unwrap();
    let mut xs: Vec<f64> = points.iter().map(|p| p.0).collect();
    let mut ys: Vec<f64> = points.iter().map(|p| p.1).collect();
    let mut zs = vec![0.0; points.len()];
    t.transform_coords(&mut xs, &mut ys, &mut zs).unwrap();
    xs.into_iter().zip(ys).collect()
}

fn agree(shorthand: &str, code: u32, points: &[(f64, f64)]) {
    let crs = Crs::parse(shorthand).unwrap();
    let reference = proj_reference(code, points);
    for (p, r) in points.iter().zip(reference) {
        let ours = crs.from_wgs84(p.0, p.1).unwrap();
        let d = ((ours.0 - r.0).powi(2) + (ours.1 - r.1).powi(2)).sqrt();
        assert!(d < 0.001, "{shorthand} vs EPSG:{code} at {p:?}: ours {ours:?}, PROJ {r:?}, {d:.6} m apart");
        // And the inverse: easting/northing to WGS 84, ours against PROJ's, compared on the ground. (Neither
        // round-trips exactly: the datum shift starts from height 0 on either ellipsoid, about 1 mm apart.)
        let (lon, lat) = crs.to_wgs84(r.0, r.1).unwrap();
        let q = proj_transform(code, 4326, &[r])[0];
        let (dx, dy) =
            ((lon - q.0).to_radians() * 6_378_137.0 * q.1.to_radians().cos(), (lat - q.1).to_radians() * 6_378_137.0);
        let db = (dx * dx + dy * dy).sqrt();
        assert!(db < 0.001, "inverse at {p:?}: ours ({lon}, {lat}), PROJ {q:?}, {db:.6} m apart");
    }
}

#[test]
fn vn2000_105_matches_epsg_5897() {
    // Hanoi, Bac Ninh, Hai Phong, Thanh Hoa: inside and at the edges of the zone.
    agree("VN2000:105.0", 5897, &[(105.85, 21.03), (106.07, 21.18), (106.68, 20.86), (105.78, 19.81), (103.6, 22.3)]);
}

#[test]
fn vn2000_107_75_matches_epsg_5899() {
    // Da Nang, Hoi An, Da Lat (Lam Dong): TM-3 zone 107.75.
    agree("VN2000:107.75", 5899, &[(108.2, 16.05), (108.33, 15.88), (108.44, 11.94), (106.5, 12.5)]);
}

#[test]
fn epsg_codes_and_proj_strings_work_too() {
    let a = Crs::parse("EPSG:5897").unwrap();
    let b = Crs::parse("VN2000:105").unwrap();
    let pa = a.from_wgs84(105.85, 21.03).unwrap();
    let pb = b.from_wgs84(105.85, 21.03).unwrap();
    assert!((pa.0 - pb.0).abs() < 1e-6 && (pa.1 - pb.1).abs() < 1e-6);
    let c = Crs::parse(&thuadat::crs::vn2000_proj_string(105.0)).unwrap();
    let pc = c.from_wgs84(105.85, 21.03).unwrap();
    assert!((pc.0 - pb.0).abs() < 1e-9 && (pc.1 - pb.1).abs() < 1e-9);
}

#[test]
fn the_unflipped_rotation_signs_would_be_wrong() {
    // The decision's table signs as PROJ's +towgs84: the error many tools make. It must be visibly off.
    let wrong = "+proj=tmerc +lat_0=0 +lon_0=105 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +towgs84=-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,0.252906278 +units=m +no_defs";
    let wrong = Crs::parse(wrong).unwrap();
    let r = proj_reference(5897, &[(105.85, 21.03)])[0];
    let p = wrong.from_wgs84(105.85, 21.03).unwrap();
    let d = ((p.0 - r.0).powi(2) + (p.1 - r.1).powi(2)).sqrt();
    assert!(d > 0.3, "{d}");
}

#[test]
fn esri_prj_without_datum_shift_gets_the_national_one() {
    // What ogr2ogr -a_srs EPSG:5897 writes into a Shapefile's .prj: the datum's name, no TOWGS84.
    let esri = r#"PROJCS["VN_2000_TM-3_zone_482",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.0],PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
    let srs = SpatialRef::from_esri(esri).unwrap();
    let crs = Crs::from_spatial_ref("a.prj", &srs).unwrap();
    let r = proj_reference(5897, &[(105.85, 21.03)])[0];
    let p = crs.from_wgs84(105.85, 21.03).unwrap();
    assert!(((p.0 - r.0).powi(2) + (p.1 - r.1).powi(2)).sqrt() < 0.001, "{p:?} vs {r:?}");
    // A TM on a WGS 84-based unknown datum is left alone.
    let plain = SpatialRef::from_proj4(
        "+proj=tmerc +lat_0=0 +lon_0=105 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +units=m +no_defs",
    )
    .unwrap();
    assert!(!Crs::from_spatial_ref("b", &plain).unwrap().proj_string.contains("towgs84"));
}
