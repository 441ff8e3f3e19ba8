//! What the server tests (tests/server.rs over real HTTP, tests/http.rs in-process) expect, found without the
//! server's code: the report `thuadat check` writes for the bundled sample, tile arithmetic, and the sample's
//! parcels in Web Mercator from the library's reader.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use geo::{Coord, LineString, MultiPolygon, Polygon, Rect};
use serde_json::Value;

pub fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample")
}

/// The report of `thuadat check` on the same sample.
pub struct Report {
    pub summary: Value,
    pub conflicts: Value,
    pub parcels_csv: Vec<BTreeMap<String, String>>,
}

pub fn report() -> &'static Report {
    static REPORT: OnceLock<Report> = OnceLock::new();
    REPORT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("report");
        let o = crate::common::run(&["check", sample().to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let read = |f: &str| std::fs::read_to_string(out.join(f)).unwrap();
        let mut rows = Vec::new();
        let mut r = csv::Reader::from_path(out.join("parcels.csv")).unwrap();
        let headers = r.headers().unwrap().clone();
        for rec in r.records() {
            let rec = rec.unwrap();
            rows.push(headers.iter().zip(rec.iter()).map(|(k, v)| (k.to_string(), v.to_string())).collect());
        }
        Report {
            summary: serde_json::from_str(&read("summary.json")).unwrap(),
            conflicts: serde_json::from_str(&read("conflicts.geojson")).unwrap(),
            parcels_csv: rows,
        }
    })
}

pub fn conflict_features() -> &'static Vec<Value> {
    report().conflicts["features"].as_array().unwrap()
}

/// Parcels with a geometry: all but those whose invalid_geometry conflict says the geometry is missing.
pub fn parcels_with_geometry() -> usize {
    let missing = conflict_features()
        .iter()
        .filter(|f| f["properties"]["kind"] == "invalid_geometry")
        .filter(|f| f["properties"]["detail"].as_str().unwrap().ends_with("missing geometry"))
        .count();
    report().summary["parcels"].as_u64().unwrap() as usize - missing
}

// ---- tile arithmetic and parcel geometry, independent of the server's own code ----

const R: f64 = 6_378_137.0;
const HALF: f64 = std::f64::consts::PI * R;

pub fn mercator(lon: f64, lat: f64) -> Coord<f64> {
    Coord { x: R * lon.to_radians(), y: R * (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0).tan().ln() }
}

pub fn tile_of(z: u32, lon: f64, lat: f64) -> (u32, u32) {
    let c = mercator(lon, lat);
    let n = f64::from(1u32 << z);
    (((c.x + HALF) / (2.0 * HALF) * n) as u32, ((HALF - c.y) / (2.0 * HALF) * n) as u32)
}

/// A tile's box in Web Mercator, grown by `buffer` of 4096 units.
pub fn tile_box(z: u32, x: u32, y: u32, buffer: f64) -> Rect<f64> {
    let s = 2.0 * HALF / f64::from(1u32 << z);
    let m = s * buffer / 4096.0;
    let (left, top) = (-HALF + f64::from(x) * s, HALF - f64::from(y) * s);
    Rect::new(Coord { x: left - m, y: top - s - m }, Coord { x: left + s + m, y: top + m })
}

/// A parcel's planar geometry in Web Mercator, through the dataset's own frame.
pub fn in_mercator(ds: &thuadat::dataset::Dataset, g: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    let ring = |r: &LineString<f64>| {
        LineString(
            r.0.iter()
                .map(|c| {
                    let (lon, lat) = ds.frame.to_wgs84(c.x, c.y).unwrap();
                    mercator(lon, lat)
                })
                .collect(),
        )
    };
    MultiPolygon(
        g.0.iter().map(|p| Polygon::new(ring(p.exterior()), p.interiors().iter().map(ring).collect())).collect(),
    )
}

/// Every parcel of the sample (id, Web Mercator geometry), from the library's reader.
pub fn parcels_in_mercator() -> &'static Vec<(String, Option<MultiPolygon<f64>>)> {
    static P: OnceLock<Vec<(String, Option<MultiPolygon<f64>>)>> = OnceLock::new();
    P.get_or_init(|| {
        let ds = thuadat::dataset::Dataset::load(&sample()).unwrap();
        ds.parcels.iter().map(|p| (p.id.to_string(), p.geometry.as_ref().map(|g| in_mercator(&ds, g)))).collect()
    })
}

pub fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// An HTTP answer, whole: from the real server (tests/server.rs) or the router in-process (tests/http.rs).
pub struct Reply {
    pub status: u16,
    /// Header fields in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// The first field named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// A JSON error answer: `status`, `application/json`, the status and a non-empty reason in the body.
pub fn assert_json_error(r: &Reply, status: u16, what: &str) {
    assert_eq!(r.status, status, "{what}: {}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-type"), Some("application/json"), "{what}");
    let v = r.json();
    assert_eq!(v["status"].as_u64(), Some(u64::from(status)), "{what}");
    assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{what}: {v}");
    assert!(v["reason"].as_str().is_some_and(|e| !e.is_empty()), "{what}: {v}");
}
