//! `thuadat serve` as users meet it: the real binary on a free port, read over real HTTP by GDAL's own clients
//! (`ogrinfo` with the MVT and OAPIF drivers), tiles decoded by a separate decoder (`mvt-reader`), hostile
//! requests, ETag revalidation. Expectations come from the data: the report `thuadat check` writes for the
//! same sample, and parcel geometry tested against tile boxes with `geo` here.

mod common;

use common::Server;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use geo::{BoundingRect, Coord, Intersects, LineString, MultiPolygon, Polygon, Rect};
use serde_json::Value;

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample")
}

impl Server {
    /// Sends SIGHUP: the server checks the dataset again and swaps it in.
    fn hang_up(&self) {
        let ok = Command::new("kill").args(["-HUP", &self.child.id().to_string()]).status().unwrap();
        assert!(ok.success());
    }
}

/// Starts the test's own server; requests of this thread go to it until the guard is dropped.
fn start() -> Server {
    let server = common::serve(&sample());
    ADDR.with(|a| *a.borrow_mut() = server.addr.clone());
    server
}

thread_local! {
    /// The address of the running test's own server (see [`start`]).
    static ADDR: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

fn server() -> String {
    ADDR.with(|a| a.borrow().clone())
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// A raw HTTP/1.1 GET (the target is sent as given, so hostile paths reach the server unmodified). `Host` is
/// the server's address unless `extra` has one.
fn get_with(target: &str, extra: &[(&str, &str)]) -> Reply {
    let mut req = format!("GET {target} HTTP/1.1\r\nConnection: close\r\n");
    if !extra.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: {}\r\n", server()));
    }
    for (k, v) in extra {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    exchange(req.as_bytes())
}

/// Sends `request` as it is on a new connection and reads the answer until the server closes.
fn exchange(request: &[u8]) -> Reply {
    let mut s = TcpStream::connect(server()).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(60))).unwrap();
    s.write_all(request).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    parse_reply(&raw)
}

fn parse_reply(raw: &[u8]) -> Reply {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete response");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    let mut body = raw[split + 4..].to_vec();
    if headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked")) {
        body = dechunk(&body);
    }
    Reply { status, headers, body }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let eol = b.windows(2).position(|w| w == b"\r\n").unwrap();
        let size = usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 4 + size..];
    }
}

fn get(target: &str) -> Reply {
    get_with(target, &[])
}

/// The report of `thuadat check` on the same sample.
struct Report {
    summary: Value,
    conflicts: Value,
    parcels_csv: Vec<BTreeMap<String, String>>,
}

fn report() -> &'static Report {
    static REPORT: OnceLock<Report> = OnceLock::new();
    REPORT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("report");
        let o = common::run(&["check", sample().to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
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

fn conflict_features() -> &'static Vec<Value> {
    report().conflicts["features"].as_array().unwrap()
}

/// Parcels with a geometry: all but those whose invalid_geometry conflict says the geometry is missing.
fn parcels_with_geometry() -> usize {
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

fn mercator(lon: f64, lat: f64) -> Coord<f64> {
    Coord { x: R * lon.to_radians(), y: R * (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0).tan().ln() }
}

fn tile_of(z: u32, lon: f64, lat: f64) -> (u32, u32) {
    let c = mercator(lon, lat);
    let n = f64::from(1u32 << z);
    (((c.x + HALF) / (2.0 * HALF) * n) as u32, ((HALF - c.y) / (2.0 * HALF) * n) as u32)
}

/// A tile's box in Web Mercator, grown by `buffer` of 4096 units.
fn tile_box(z: u32, x: u32, y: u32, buffer: f64) -> Rect<f64> {
    let s = 2.0 * HALF / f64::from(1u32 << z);
    let m = s * buffer / 4096.0;
    let (left, top) = (-HALF + f64::from(x) * s, HALF - f64::from(y) * s);
    Rect::new(Coord { x: left - m, y: top - s - m }, Coord { x: left + s + m, y: top + m })
}

/// Every parcel of the sample (id, Web Mercator geometry), from the library's reader.
fn parcels_in_mercator() -> &'static Vec<(String, Option<MultiPolygon<f64>>)> {
    static P: OnceLock<Vec<(String, Option<MultiPolygon<f64>>)>> = OnceLock::new();
    P.get_or_init(|| {
        let ds = thuadat::dataset::Dataset::load(&sample()).unwrap();
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
        ds.parcels
            .iter()
            .map(|p| {
                let g = p.geometry.as_ref().map(|g| {
                    MultiPolygon(
                        g.0.iter()
                            .map(|p| Polygon::new(ring(p.exterior()), p.interiors().iter().map(ring).collect()))
                            .collect(),
                    )
                });
                (p.id.to_string(), g)
            })
            .collect()
    })
}

fn center() -> (f64, f64) {
    let tj = get("/tiles.json").json();
    (tj["center"][0].as_f64().unwrap(), tj["center"][1].as_f64().unwrap())
}

fn ogrinfo(args: &[&str]) -> String {
    let o = Command::new("ogrinfo").args(args).output().expect("ogrinfo (gdal-bin) is installed");
    assert!(o.status.success(), "ogrinfo {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Layer name -> (feature count, field names) from `ogrinfo -so -al`.
fn layers(summary: &str) -> BTreeMap<String, (usize, Vec<String>)> {
    let mut out = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in summary.lines() {
        if let Some(name) = line.strip_prefix("Layer name: ") {
            current = Some(name.trim().to_string());
            out.insert(name.trim().to_string(), (0, Vec::new()));
        } else if let (Some(n), Some(c)) = (line.strip_prefix("Feature Count: "), &current) {
            out.get_mut(c).unwrap().0 = n.trim().parse().unwrap();
        } else if let (Some((field, ty)), Some(c)) = (line.split_once(": "), &current) {
            let known = ["String", "Integer", "Integer64", "Real", "Date", "DateTime", "StringList"];
            if !field.contains(' ') && known.iter().any(|k| ty.starts_with(k)) {
                out.get_mut(c).unwrap().1.push(field.to_string());
            }
        }
    }
    out
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn ogrinfo_reads_the_tiles_covering_the_sample_with_the_mvt_driver() {
    let _server = start();
    let tj = get("/tiles.json").json();
    let b: Vec<f64> = tj["bounds"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    // Zoom 14 is the first with parcels; the sample (1.4 x 1 km) lies across the corner of four tiles there,
    // each well under the budget, so between them they hold every parcel and conflict with a geometry.
    let ((x0, y0), (x1, y1)) = (tile_of(14, b[0], b[3]), tile_of(14, b[2], b[1]));
    assert!(x1 - x0 <= 1 && y1 - y0 <= 1, "the sample spans more than 2 x 2 z14 tiles");
    let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut labels = 0;
    for (x, y) in (y0..=y1).flat_map(|y| (x0..=x1).map(move |x| (x, y))) {
        let url = format!("/vsicurl_streaming/http://{}/tiles/14/{x}/{y}.mvt", server());
        let got = layers(&ogrinfo(&["-ro", "-so", "-al", &url]));
        assert_eq!(
            got["parcels"].1,
            names(&["mvt_id", "id", "sheet", "parcel_no", "land_use", "status", "group", "area"])
        );
        let conflict_fields: BTreeSet<String> = got["conflicts"].1.iter().cloned().collect();
        for f in ["id", "kind", "severity", "measure", "parcel_ids", "cert_ids", "group"] {
            assert!(conflict_fields.contains(f), "conflicts lack {f}: {conflict_fields:?}");
        }
        assert_eq!(
            got["groups"].1,
            names(&["mvt_id", "name", "parcels", "status_1", "status_2", "status_3", "conflicts", "role"])
        );
        // Every feature: `OGRFeature(layer):fid`, then its fields, `  id (String) = …`, `  role (String) = …`.
        let mut layer = String::new();
        for line in ogrinfo(&["-ro", "-al", "-q", &url]).lines() {
            if let Some(rest) = line.strip_prefix("OGRFeature(") {
                layer = rest.split(')').next().unwrap().to_string();
            } else if let Some(id) = line.trim().strip_prefix("id (String) = ") {
                ids.entry(layer.clone()).or_default().insert(id.to_string());
            } else if line.trim() == "role (String) = label" {
                labels += 1;
            }
        }
    }
    let with_geometry = conflict_features().iter().filter(|f| !f["geometry"].is_null()).count();
    assert_eq!(ids["parcels"].len(), parcels_with_geometry());
    assert_eq!(ids["conflicts"].len(), with_geometry);
    assert_eq!(labels, report().summary["groups"].as_u64().unwrap() as usize, "a label per group, in one tile");
}

#[test]
fn ogrinfo_reads_the_features_api_with_the_oapif_driver() {
    let _server = start();
    let url = format!("OAPIF:http://{}/", server());
    let got = layers(&ogrinfo(&["-ro", "-so", "-al", &url]));
    let summary = &report().summary;
    assert_eq!(got.keys().cloned().collect::<Vec<_>>(), names(&["conflicts", "parcels"]));
    assert_eq!(got["parcels"].0, summary["parcels"].as_u64().unwrap() as usize);
    assert_eq!(got["conflicts"].0, summary["conflicts"]["total"].as_u64().unwrap() as usize);
    for f in ["id", "sheet", "parcel_no", "land_use", "group", "status", "reasons", "area_m2", "cert_ids"] {
        assert!(got["parcels"].1.iter().any(|g| g == f), "parcels lack {f}: {:?}", got["parcels"].1);
    }
    for f in ["id", "kind", "severity", "measure", "parcel_ids", "cert_ids", "detail"] {
        assert!(got["conflicts"].1.iter().any(|g| g == f), "conflicts lack {f}: {:?}", got["conflicts"].1);
    }
    // A spatial filter goes to the server as `bbox`; every page is read through the `next` links.
    let (lon, lat) = center();
    let (w, s, e, n) = (lon - 0.004, lat - 0.004, lon + 0.0015, lat + 0.002);
    let window = Rect::new(mercator(w, s), mercator(e, n)).to_polygon();
    let expected =
        parcels_in_mercator().iter().filter(|(_, g)| g.as_ref().is_some_and(|g| g.intersects(&window))).count();
    assert!(expected > 100 && expected < parcels_with_geometry(), "{expected}");
    let spat = [w, s, e, n].map(|v| v.to_string());
    let args = ["-ro", "-al", "-q", &url, "parcels", "-spat", &spat[0], &spat[1], &spat[2], &spat[3]];
    let features = ogrinfo(&args).lines().filter(|l| l.starts_with("OGRFeature(")).count();
    assert_eq!(features, expected);
}

#[test]
fn a_z17_tile_holds_exactly_the_parcels_that_meet_it() {
    let _server = start();
    let (lon, lat) = center();
    let (x, y) = tile_of(17, lon, lat);
    let reply = get(&format!("/tiles/17/{x}/{y}.mvt"));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/vnd.mapbox-vector-tile"));
    let reader = mvt_reader::Reader::new(reply.body).unwrap();
    let layer_names = reader.get_layer_names().unwrap();
    assert_eq!(layer_names, names(&["parcels", "conflicts"]), "no group outlines beyond zoom 15");
    let features = reader.get_features(0).unwrap();
    let got: BTreeSet<String> = features
        .iter()
        .map(|f| match f.properties.as_ref().unwrap().get("id") {
            Some(mvt_reader::feature::Value::String(s)) => s.clone(),
            other => panic!("id is {other:?}"),
        })
        .collect();
    let window = tile_box(17, x, y, 64.0).to_polygon();
    let expected: BTreeSet<String> = parcels_in_mercator()
        .iter()
        .filter(|(_, g)| g.as_ref().is_some_and(|g| g.intersects(&window)))
        .map(|(id, _)| id.clone())
        .collect();
    assert!(expected.len() >= 20, "a tile in the middle of the commune holds parcels: {}", expected.len());
    assert_eq!(got, expected);
    assert_eq!(features.len(), got.len(), "each parcel once");
    // Properties as in the report's parcels.csv.
    let rows: BTreeMap<&str, &BTreeMap<String, String>> =
        report().parcels_csv.iter().map(|r| (r["parcel_id"].as_str(), r)).collect();
    for f in &features {
        let p = f.properties.as_ref().unwrap();
        let Some(mvt_reader::feature::Value::String(id)) = p.get("id") else { unreachable!() };
        let row = rows[id.as_str()];
        assert_eq!(p.get("status"), Some(&mvt_reader::feature::Value::Int(row["status"].parse().unwrap())), "{id}");
        if let Some(mvt_reader::feature::Value::Double(a)) = p.get("area") {
            assert_eq!(format!("{a:.2}"), row["mapped_area_m2"], "{id}");
        }
        assert!(matches!(f.geometry, geo::Geometry::Polygon(_) | geo::Geometry::MultiPolygon(_)), "{id}");
    }
}

#[test]
fn the_group_filter_cuts_every_layer_and_the_scorecard_matches_the_report() {
    let _server = start();
    let summary = &report().summary;
    let served = get("/groups").json();
    let groups = served["groups"].as_array().unwrap();
    assert_eq!(groups.len() as u64, summary["groups"].as_u64().unwrap());
    for g in groups {
        let name = g["name"].as_str().unwrap();
        let status = &summary["status_by_group"][name];
        for s in ["1", "2", "3"] {
            assert_eq!(g["status"][s].as_u64().unwrap_or(0), status[s].as_u64().unwrap_or(0), "{name} status {s}");
        }
        let kinds = &summary["conflicts"]["by_group"][name];
        let total: u64 = kinds.as_object().map_or(0, |m| m.values().map(|v| v.as_u64().unwrap()).sum());
        assert_eq!(g["conflicts"].as_u64().unwrap(), total, "{name}");
        for (k, n) in kinds.as_object().into_iter().flatten() {
            assert_eq!(g["conflicts_by_kind"][k], *n, "{name} {k}");
        }
        let q: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
        let items = get(&format!("/collections/conflicts/items?group={q}&limit=1")).json();
        assert_eq!(items["numberMatched"].as_u64().unwrap(), total, "{name}");
        let csv = get(&format!("/conflicts.csv?group={q}"));
        assert_eq!(csv.status, 200);
        let rows = csv::Reader::from_reader(csv.body.as_slice()).records().count() as u64;
        assert_eq!(rows, total, "{name}");
        // A tile cut to this group holds only its parcels, conflicts and outline.
        let (lon, lat) = center();
        let (x, y) = tile_of(15, lon, lat);
        let tile = get(&format!("/tiles/15/{x}/{y}.mvt?group={q}"));
        let reader = mvt_reader::Reader::new(tile.body).unwrap();
        for (li, layer) in reader.get_layer_names().unwrap().iter().enumerate() {
            let key = if layer == "groups" { "name" } else { "group" };
            for f in reader.get_features(li).unwrap() {
                let v = f.properties.as_ref().unwrap().get(key);
                assert_eq!(v, Some(&mvt_reader::feature::Value::String(name.to_string())), "{layer} in {name}");
                if layer == "groups" {
                    // The group's scorecard, as /groups has it.
                    let p = f.properties.as_ref().unwrap();
                    let int = |k: &str| match p.get(k) {
                        Some(mvt_reader::feature::Value::Int(n)) => *n as u64,
                        Some(mvt_reader::feature::Value::UInt(n)) => *n,
                        Some(mvt_reader::feature::Value::SInt(n)) => *n as u64,
                        other => panic!("{k} is {other:?}"),
                    };
                    assert_eq!(int("conflicts"), total, "{name}");
                    for s in ["1", "2", "3"] {
                        assert_eq!(int(&format!("status_{s}")), g["status"][s].as_u64().unwrap_or(0), "{name} {s}");
                    }
                }
            }
        }
    }
    assert_eq!(get("/groups").json()["groups"].as_array().unwrap().len(), groups.len());
}

#[test]
fn lookup_finds_the_parcel_under_a_point_and_flags_ambiguity() {
    let _server = start();
    use geo::InteriorPoint;
    let ds = thuadat::dataset::Dataset::load(&sample()).unwrap();
    let overlapping: BTreeSet<String> = conflict_features()
        .iter()
        .filter(|f| f["properties"]["kind"] == "overlap")
        .flat_map(|f| f["properties"]["parcel_ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()))
        .collect();
    let p = ds.parcels.iter().filter(|p| p.is_valid() && !overlapping.contains(p.id.as_str())).nth(100).unwrap();
    let at = p.geometry.as_ref().unwrap().interior_point().unwrap();
    let (lon, lat) = ds.frame.to_wgs84(at.x(), at.y()).unwrap();
    // Accuracy 0: the parcel under the point, nothing else.
    let exact = get(&format!("/lookup?lon={lon}&lat={lat}&accuracy=0")).json();
    assert_eq!(exact["parcel"]["id"], p.id.as_str());
    assert_eq!(exact["ambiguous"], false);
    assert_eq!(exact["nearby"].as_array().unwrap().len(), 0);
    let row = report().parcels_csv.iter().find(|r| r["parcel_id"] == p.id.as_str()).unwrap();
    let certs: Vec<&str> =
        exact["parcel"]["certificates"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(certs.join(";"), row["cert_ids"]);
    assert_eq!(exact["parcel"]["status"].as_u64().unwrap().to_string(), row["status"]);
    // Within 30 m there are neighbours: ambiguous, ranked by distance.
    let wide = get(&format!("/lookup?lon={lon}&lat={lat}&accuracy=30")).json();
    assert_eq!(wide["parcel"]["id"], p.id.as_str());
    assert_eq!(wide["ambiguous"], true);
    let d: Vec<f64> = wide["nearby"].as_array().unwrap().iter().map(|n| n["distance_m"].as_f64().unwrap()).collect();
    assert!(!d.is_empty() && d.windows(2).all(|w| w[0] <= w[1]) && d.iter().all(|&x| x <= 30.0), "{d:?}");
    // The two parcels of an overlap: the point inside both is ambiguous.
    let overlap = conflict_features().iter().find(|f| f["properties"]["kind"] == "overlap").unwrap();
    let ring = &overlap["geometry"]["coordinates"];
    let first = if overlap["geometry"]["type"] == "Polygon" { &ring[0] } else { &ring[0][0] };
    let pts: Vec<(f64, f64)> =
        first.as_array().unwrap().iter().map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap())).collect();
    let poly = Polygon::new(LineString::from(pts), vec![]);
    let ip = poly.interior_point().unwrap();
    let both = get(&format!("/lookup?lon={}&lat={}&accuracy=0", ip.x(), ip.y())).json();
    assert_eq!(both["ambiguous"], true);
    assert_eq!(both["nearby"].as_array().unwrap().len(), 1);
    assert!(both["reason"].as_str().unwrap().contains("overlapping"));
}

#[test]
fn no_holder_names_or_citizen_ids_are_served() {
    let _server = start();
    let mut r = csv::Reader::from_path(sample().join("certificates.csv")).unwrap();
    let headers = r.headers().unwrap().clone();
    let name_col = headers.iter().position(|h| h == "holder_name").unwrap();
    let id_col = headers.iter().position(|h| h == "holder_id").unwrap();
    let secrets: Vec<String> = r
        .records()
        .take(400)
        .flat_map(|rec| {
            let rec = rec.unwrap();
            [rec[name_col].to_string(), rec[id_col].to_string()]
        })
        .filter(|s| s.len() > 4)
        .collect();
    assert!(secrets.len() > 100);
    let mut served = Vec::new();
    served.extend(get("/collections/parcels/items?limit=10000").body);
    served.extend(get("/collections/conflicts/items?limit=10000").body);
    served.extend(get("/conflicts.csv").body);
    served.extend(get("/groups").body);
    let (lon, lat) = center();
    served.extend(get(&format!("/lookup?lon={lon}&lat={lat}&accuracy=200")).body);
    let (x, y) = tile_of(15, lon, lat);
    served.extend(get(&format!("/tiles/15/{x}/{y}.mvt")).body);
    let text = String::from_utf8_lossy(&served);
    for s in &secrets {
        assert!(!text.contains(s.as_str()), "served data contains `{s}`");
    }
}

#[test]
fn hostile_requests_answer_4xx_with_a_json_reason() {
    let _server = start();
    let cases: &[(&str, u16)] = &[
        ("/tiles/25/0/0.mvt", 400),
        ("/tiles/3/8/0.mvt", 400),
        ("/tiles/3/0/8.mvt", 400),
        ("/tiles/-1/0/0.mvt", 400),
        ("/tiles/abc/0/0.mvt", 400),
        ("/tiles/3/x/0.mvt", 400),
        ("/tiles/3/0/1e3.mvt", 400),
        ("/tiles/99999999999999999999999/0/0.mvt", 400),
        ("/tiles/4294967296/0/0.mvt", 400),
        ("/tiles/3/0/0.png", 404),
        ("/tiles/3/0/0.mvt?group=nobody", 404),
        ("/tiles.json?group=nobody", 404),
        ("/lookup", 400),
        ("/lookup?lon=abc&lat=21", 400),
        ("/lookup?lon=105&lat=NaN", 400),
        ("/lookup?lon=105&lat=inf", 400),
        ("/lookup?lon=181&lat=21", 400),
        ("/lookup?lon=105&lat=-91", 400),
        ("/lookup?lon=105&lat=21&accuracy=-1", 400),
        ("/lookup?lon=105&lat=21&accuracy=1e9", 400),
        ("/collections/nothing", 404),
        ("/collections/nothing/items", 404),
        ("/collections/parcels/items/no-such-parcel", 404),
        ("/collections/conflicts/items/overlap-0000", 404),
        ("/collections/parcels/items?bbox=106,20,105,21", 400),
        ("/collections/parcels/items?bbox=105,22,106,21", 400),
        ("/collections/parcels/items?bbox=-200,20,106,21", 400),
        ("/collections/parcels/items?bbox=105,20,106,95", 400),
        ("/collections/parcels/items?bbox=105,20,106", 400),
        ("/collections/parcels/items?bbox=a,b,c,d", 400),
        ("/collections/parcels/items?limit=abc", 400),
        ("/collections/parcels/items?limit=-5", 400),
        ("/collections/parcels/items?limit=0", 400),
        ("/collections/parcels/items?limit=10001", 400),
        ("/collections/parcels/items?limit=99999999999999999999999", 400),
        ("/collections/parcels/items?offset=x", 400),
        ("/collections/parcels/items?status=4", 400),
        ("/collections/parcels/items?kind=overlap", 400),
        ("/collections/conflicts/items?kind=nonsense", 400),
        ("/collections/conflicts/items?status=1", 400),
        ("/collections/parcels/items?group=nobody", 404),
        ("/conflicts.csv?group=nobody", 404),
        ("/conflicts.csv?group=%FF%FE", 404),
        ("/collections/parcels/items/%FF%FE", 400),
        ("/nothing/here", 404),
        ("/tiles/1/2", 404),
    ];
    for (target, expected) in cases {
        let r = get(target);
        assert_eq!(r.status, *expected, "{target}: {}", String::from_utf8_lossy(&r.body));
        let v = r.json();
        assert_eq!(v["status"].as_u64(), Some(u64::from(*expected)), "{target}");
        assert!(!v["reason"].as_str().unwrap().is_empty(), "{target}");
    }
    // A wrong method, and the server still answers afterwards.
    let mut s = TcpStream::connect(server()).unwrap();
    s.write_all(format!("DELETE /health HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", server()).as_bytes())
        .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 405"), "{raw}");
    assert_eq!(get("/health").json()["status"], "ok");
}

#[test]
fn etags_revalidate_and_responses_are_gzipped_for_clients_that_ask() {
    let _server = start();
    let (lon, lat) = center();
    let (x, y) = tile_of(16, lon, lat);
    for target in [format!("/tiles/16/{x}/{y}.mvt"), "/collections/parcels/items?limit=5".to_string(), "/groups".into()]
    {
        let first = get(&target);
        assert_eq!(first.status, 200, "{target}");
        let etag = first.header("etag").unwrap().to_string();
        assert!(first.header("cache-control").unwrap().contains("max-age"), "{target}");
        let again = get_with(&target, &[("If-None-Match", &etag)]);
        assert_eq!(again.status, 304, "{target}");
        assert!(again.body.is_empty());
        let stale = get_with(&target, &[("If-None-Match", "\"0000000000000000\"")]);
        assert_eq!((stale.status, stale.body.len()), (200, first.body.len()), "{target}");
        let gz = get_with(&target, &[("Accept-Encoding", "gzip")]);
        assert_eq!(gz.header("content-encoding"), Some("gzip"), "{target}");
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(gz.body.as_slice()).read_to_end(&mut plain).unwrap();
        assert_eq!(plain, first.body, "{target}");
    }
    let cors = get_with("/tiles.json", &[("Origin", "http://example.org")]);
    assert_eq!(cors.header("access-control-allow-origin"), Some("*"));
}

#[test]
fn a_reload_drops_the_tile_cache_and_serves_on() {
    let server = start();
    let (lon, lat) = center();
    let (x, y) = tile_of(16, lon, lat);
    let tile = get(&format!("/tiles/16/{x}/{y}.mvt"));
    assert_eq!(tile.status, 200);
    assert_eq!(get("/health").json()["tiles_cached"], 1);
    server.hang_up();
    let mut cached = 1;
    for _ in 0..100 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        cached = get("/health").json()["tiles_cached"].as_u64().unwrap();
        if cached == 0 {
            break;
        }
    }
    assert_eq!(cached, 0, "the reloaded data start with an empty tile cache");
    let again = get(&format!("/tiles/16/{x}/{y}.mvt"));
    assert_eq!((again.status, again.body), (200, tile.body), "the same data give the same tile");
}

#[test]
fn items_page_with_next_links_and_filters_match_the_report() {
    let _server = start();
    let total = report().summary["parcels"].as_u64().unwrap();
    let mut seen = BTreeSet::new();
    let mut next = Some(format!("http://{}/collections/parcels/items?limit=1000", server()));
    while let Some(url) = next {
        let target = url.split_once(&server()).unwrap().1.to_string();
        let page = get(&target).json();
        assert_eq!(page["numberMatched"].as_u64(), Some(total));
        for f in page["features"].as_array().unwrap() {
            assert!(seen.insert(f["id"].as_str().unwrap().to_string()), "repeated {}", f["id"]);
        }
        next = page["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "next")
            .map(|l| l["href"].as_str().unwrap().to_string());
    }
    assert_eq!(seen.len() as u64, total);
    for s in ["1", "2", "3"] {
        let page = get(&format!("/collections/parcels/items?status={s}&limit=1")).json();
        assert_eq!(page["numberMatched"], report().summary["status"][s], "status {s}");
    }
    for (kind, n) in report().summary["conflicts"]["by_kind"].as_object().unwrap() {
        let page = get(&format!("/collections/conflicts/items?kind={kind}&limit=1")).json();
        assert_eq!(page["numberMatched"], *n, "{kind}");
    }
    // One item by id, and a bbox around it finds it.
    let f = &conflict_features()[0];
    let id = f["properties"]["id"].as_str().unwrap();
    let one = get(&format!("/collections/conflicts/items/{id}")).json();
    assert_eq!(one["properties"]["kind"], f["properties"]["kind"]);
    let pid = report().parcels_csv[0]["parcel_id"].clone();
    let parcel = get(&format!("/collections/parcels/items/{pid}")).json();
    let coords = &parcel["geometry"]["coordinates"][0];
    let (mut w, mut s, mut e, mut n) = (180.0f64, 90.0f64, -180.0f64, -90.0f64);
    for c in coords.as_array().unwrap() {
        let (x, y) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
        (w, s, e, n) = (w.min(x), s.min(y), e.max(x), n.max(y));
    }
    let around = get(&format!("/collections/parcels/items?bbox={w},{s},{e},{n}&limit=100")).json();
    assert!(around["features"].as_array().unwrap().iter().any(|f| f["id"] == pid.as_str()));
    assert!(around["numberMatched"].as_u64().unwrap() < total);
}

#[test]
fn the_landing_page_links_an_api_definition_that_documents_every_route() {
    let _server = start();
    let landing = get("/").json();
    let link =
        landing["links"].as_array().unwrap().iter().find(|l| l["rel"] == "service-desc").expect("rel=service-desc");
    assert_eq!(link["type"], "application/vnd.oai.openapi+json;version=3.0");
    assert_eq!(link["href"], format!("http://{}/api", server()));
    let reply = get("/api");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/vnd.oai.openapi+json;version=3.0"));
    let doc = reply.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.0."), "{}", doc["openapi"]);
    // Paths with their parameters' names blanked: `/collections/{}/items`.
    let blank = |p: &str| {
        let mut out = String::new();
        let mut inside = false;
        for c in p.chars() {
            match c {
                '{' => {
                    inside = true;
                    out.push_str("{}");
                }
                '}' => inside = false,
                _ if !inside => out.push(c),
                _ => {}
            }
        }
        out
    };
    let paths = doc["paths"].as_object().unwrap();
    let documented: BTreeSet<String> = paths.keys().map(|p| blank(p)).collect();
    // Every route of the router (the `.route("…"` lines of http.rs and of the review routes it merges) is
    // documented, and nothing else.
    let router = [include_str!("../src/server/http.rs"), include_str!("../src/server/review.rs")].concat();
    let routes: BTreeSet<String> =
        router.split(".route(\"").skip(1).map(|r| blank(&r[..r.find('"').unwrap()])).collect();
    assert_eq!(routes, documented);
    // Every documented operation answers 200 with its path parameters filled in and its required query
    // parameters given.
    let (lon, lat) = center();
    let parcel = &report().parcels_csv[0]["parcel_id"];
    let (x, y) = tile_of(16, lon, lat);
    for (path, item) in paths {
        let op = &item["get"];
        assert!(op["operationId"].is_string() && op["responses"]["200"].is_object(), "{path}");
        let target = path
            .replace("{collectionId}", "parcels")
            .replace("{featureId}", parcel)
            .replace("{z}", "16")
            .replace("{x}", &x.to_string())
            .replace("{y}", &format!("{y}.mvt"))
            .replace("/app/{file}", "/app/app.js")
            .replace("{file}", "maplibre-gl.mjs");
        let query = if path == "/lookup" { format!("?lon={lon}&lat={lat}") } else { String::new() };
        let target = target.replace("{conflictId}", conflict_features()[0]["properties"]["id"].as_str().unwrap());
        let reply = get(&format!("{target}{query}"));
        if item["x-thuadat-store"] == true {
            // The reviews live in the PostGIS store (tests/store.rs); from a directory: 404 with the reason.
            assert_eq!(reply.status, 404, "{path} as {target}");
            assert!(reply.json()["reason"].as_str().unwrap().contains("serve --db"), "{path}");
            continue;
        }
        assert_eq!(reply.status, 200, "{path} as {target}{query}");
    }
    // Every parameter given by reference is defined.
    let defined = doc["components"]["parameters"].as_object().unwrap();
    for item in paths.values() {
        for p in item["get"]["parameters"].as_array().into_iter().flatten() {
            if let Some(r) = p["$ref"].as_str() {
                assert!(defined.contains_key(r.trim_start_matches("#/components/parameters/")), "{r}");
            }
        }
    }
}

/// A generated commune of 20,000 parcels, its report, its parcels in Web Mercator and its server.
struct Generated {
    _dir: tempfile::TempDir,
    server: Server,
    /// Parcel id, Web Mercator geometry, thinning class (0 status 3, 1 in a conflict, 2 status 2, 3 the rest),
    /// mapped area.
    parcels: Vec<(String, Option<MultiPolygon<f64>>, u8, f64)>,
    /// Ids of the conflicts with a geometry.
    drawn_conflicts: BTreeSet<String>,
}

fn generated() -> Generated {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("c20000");
    let out = dir.path().join("report");
    let o = common::run(&["gen", ds.to_str().unwrap(), "--parcels", "20000", "--seed", "7"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = common::run(&["check", ds.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let conflicts: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("conflicts.geojson")).unwrap()).unwrap();
    let features = conflicts["features"].as_array().unwrap();
    let in_conflict: BTreeSet<&str> = features
        .iter()
        .flat_map(|f| f["properties"]["parcel_ids"].as_array().unwrap())
        .map(|p| p.as_str().unwrap())
        .collect();
    let drawn_conflicts = features
        .iter()
        .filter(|f| !f["geometry"].is_null())
        .map(|f| f["properties"]["id"].as_str().unwrap().to_string())
        .collect();
    let mut status: BTreeMap<String, String> = BTreeMap::new();
    let mut r = csv::Reader::from_path(out.join("parcels.csv")).unwrap();
    let headers = r.headers().unwrap().clone();
    let (id_col, status_col) =
        (headers.iter().position(|h| h == "parcel_id").unwrap(), headers.iter().position(|h| h == "status").unwrap());
    for rec in r.records() {
        let rec = rec.unwrap();
        status.insert(rec[id_col].to_string(), rec[status_col].to_string());
    }
    let d = thuadat::dataset::Dataset::load(&ds).unwrap();
    let ring = |r: &LineString<f64>| {
        LineString(
            r.0.iter().map(|c| d.frame.to_wgs84(c.x, c.y).map(|(lon, lat)| mercator(lon, lat)).unwrap()).collect(),
        )
    };
    let parcels = d
        .parcels
        .iter()
        .map(|p| {
            let g = p.geometry.as_ref().map(|g| {
                MultiPolygon(
                    g.0.iter()
                        .map(|p| Polygon::new(ring(p.exterior()), p.interiors().iter().map(ring).collect()))
                        .collect(),
                )
            });
            let class = match (status[p.id.as_str()].as_str(), in_conflict.contains(p.id.as_str())) {
                ("3", _) => 0,
                (_, true) => 1,
                ("2", _) => 2,
                _ => 3,
            };
            (p.id.to_string(), g, class, p.area_m2.unwrap_or(0.0))
        })
        .collect();
    let server = common::serve(&ds);
    ADDR.with(|a| *a.borrow_mut() = server.addr.clone());
    Generated { _dir: dir, server, parcels, drawn_conflicts }
}

/// Property `key` of every feature of a decoded tile's layer, as strings.
fn ids_in(reader: &mvt_reader::Reader, layer: &str) -> Vec<String> {
    let names = reader.get_layer_names().unwrap();
    let Some(i) = names.iter().position(|n| n == layer) else { return Vec::new() };
    reader
        .get_features(i)
        .unwrap()
        .iter()
        .map(|f| match f.properties.as_ref().unwrap().get("id") {
            Some(mvt_reader::feature::Value::String(s)) => s.clone(),
            other => panic!("id is {other:?}"),
        })
        .collect()
}

#[test]
fn every_tile_of_a_dense_commune_stays_within_500_kb_thinned_in_the_documented_order() {
    let g = generated();
    let _server = &g.server;
    let tj = get("/tiles.json").json();
    let layer = |id: &str| tj["vector_layers"].as_array().unwrap().iter().find(|l| l["id"] == id).unwrap().clone();
    assert_eq!((layer("parcels")["minzoom"].as_u64(), layer("conflicts")["minzoom"].as_u64()), (Some(14), Some(10)));
    assert_eq!(layer("groups")["maxzoom"].as_u64(), Some(15));
    let b: Vec<f64> = tj["bounds"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let mut thinned = [0usize; 19];
    for z in 0..=18u32 {
        let ((x0, y0), (x1, y1)) = (tile_of(z, b[0], b[3]), tile_of(z, b[2], b[1]));
        let all: Vec<(u32, u32)> = (y0..=y1).flat_map(|y| (x0..=x1).map(move |x| (x, y))).collect();
        // Every tile up to zoom 16; a spread of 150 above.
        let step = if z <= 16 { 1 } else { all.len().div_ceil(150) };
        let mut conflicts_seen: BTreeSet<String> = BTreeSet::new();
        for &(x, y) in all.iter().step_by(step) {
            let reply = get(&format!("/tiles/{z}/{x}/{y}.mvt"));
            assert_eq!(reply.status, 200);
            assert!(reply.body.len() <= 500_000, "tile {z}/{x}/{y}: {} bytes", reply.body.len());
            if reply.body.is_empty() {
                continue;
            }
            let reader = mvt_reader::Reader::new(reply.body).unwrap();
            conflicts_seen.extend(ids_in(&reader, "conflicts"));
            let got = ids_in(&reader, "parcels");
            if z < 14 {
                assert!(got.is_empty(), "parcels at zoom {z}");
                continue;
            }
            // The parcels meeting the tile, in the documented order; the tile holds the first of them.
            let boxed = tile_box(z, x, y, 64.0);
            let window = boxed.to_polygon();
            let mut meeting: Vec<(u8, f64, usize, &str)> = g
                .parcels
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    p.1.as_ref().is_some_and(|m| boxed.intersects(&m.bounding_rect().unwrap()) && m.intersects(&window))
                })
                .map(|(i, p)| (p.2, -p.3, i, p.0.as_str()))
                .collect();
            meeting.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
            let expected: BTreeSet<&str> = meeting[..got.len().min(meeting.len())].iter().map(|m| m.3).collect();
            let got_set: BTreeSet<&str> = got.iter().map(String::as_str).collect();
            assert_eq!(got_set, expected, "tile {z}/{x}/{y}: not the first {} parcels of the order", got.len());
            if got.len() < meeting.len() {
                thinned[z as usize] += 1;
                assert!(z < 16, "tile {z}/{x}/{y} thinned: {} of {} parcels", got.len(), meeting.len());
            }
        }
        if (15..=16).contains(&z) {
            assert_eq!(conflicts_seen, g.drawn_conflicts, "every conflict is drawn at zoom {z}");
        }
    }
    // The commune is dense enough for the budget to matter at zoom 14.
    assert!(thinned[14] > 0, "no zoom 14 tile was thinned: {thinned:?}");
}

// ---- issue 14: hardening ----

use std::time::{Duration, Instant};

/// Starts `thuadat serve <args…>` for this thread's requests (see [`start`]).
fn start_with(args: &[&str]) -> Server {
    let (server, _) = common::serve_with(args);
    ADDR.with(|a| *a.borrow_mut() = server.addr.clone());
    server
}

impl Server {
    fn signal(&self, name: &str) {
        let ok = Command::new("kill").args([&format!("-{name}"), &self.child.id().to_string()]).status().unwrap();
        assert!(ok.success());
    }
}

/// Polls `done` every 100 ms for at most `bound`; whether it came true.
fn within(bound: Duration, mut done: impl FnMut() -> bool) -> bool {
    let t = Instant::now();
    while t.elapsed() < bound {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    done()
}

/// Reads from `s` until the server closes it (end of stream or reset) or `bound` passes: the bytes read and
/// whether it was closed.
fn read_until_closed(s: &mut TcpStream, bound: Duration) -> (Vec<u8>, bool) {
    let t = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 65536];
    s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    while t.elapsed() < bound {
        match s.read(&mut buf) {
            Ok(0) => return (got, true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => return (got, true),
        }
    }
    (got, false)
}

/// Reads one answer with a `Content-Length` (or what came within `bound`).
fn read_one_reply(s: &mut TcpStream, bound: Duration) -> Vec<u8> {
    let t = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 65536];
    s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    while t.elapsed() < bound {
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
            let len = head.lines().find_map(|l| l.strip_prefix("content-length:")).map(|v| v.trim().parse().unwrap());
            if len.is_some_and(|n: usize| got.len() >= end + 4 + n) {
                return got;
            }
        }
        match s.read(&mut buf) {
            Ok(0) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => return got,
        }
    }
    got
}

fn assert_json_error(r: &Reply, status: u16, what: &str) {
    assert_eq!(r.status, status, "{what}: {}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-type"), Some("application/json"), "{what}");
    let v = r.json();
    assert_eq!(v["status"].as_u64(), Some(u64::from(status)), "{what}");
    assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{what}: {v}");
    assert!(v["reason"].as_str().is_some_and(|e| !e.is_empty()), "{what}: {v}");
}

#[test]
fn requests_too_long_or_malformed_for_http_answer_414_431_400_with_the_json_body() {
    let _server = start();
    let host = server();
    // A request target over 8 KiB: 414.
    let long = format!("/collections/parcels/items?group={}", "a".repeat(10_000));
    assert_json_error(&get(&long), 414, "a 10 kB target");
    // A head over 32 KiB: 431, from hyper before any route; so is one with more than 100 fields.
    let big = "b".repeat(40_000);
    assert_json_error(&get_with("/health", &[("X-Big", &big)]), 431, "a 40 kB header field");
    let mut many = format!("GET /health HTTP/1.1\r\nHost: {host}\r\n");
    for i in 0..150 {
        many.push_str(&format!("X-Field-{i}: {i}\r\n"));
    }
    many.push_str("\r\n");
    assert_json_error(&exchange(many.as_bytes()), 431, "150 header fields");
    // Not HTTP: hyper's 400.
    let bad = format!("GET /health HTTP/1.1\r\nHost: {host}\r\nno colon here\r\n\r\n");
    assert_json_error(&exchange(bad.as_bytes()), 400, "a header line without a colon");
    assert_json_error(&exchange(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"), 400, "TLS bytes");
    // And it serves on.
    assert_eq!(get("/health").json()["status"], "ok");
}

/// Every `href` in a JSON document.
fn hrefs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("href", Value::String(h)) => out.push(h.clone()),
                    ("tiles", Value::Array(t)) => out.extend(t.iter().filter_map(|s| s.as_str().map(String::from))),
                    _ => hrefs(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| hrefs(x, out)),
        _ => {}
    }
}

fn links_with_host(host: &str) -> Vec<String> {
    let parcel = &report().parcels_csv[0]["parcel_id"];
    let mut out = Vec::new();
    for target in [
        "/".to_string(),
        "/collections".into(),
        "/collections/parcels".into(),
        "/collections/parcels/items?limit=2&offset=2".into(),
        format!("/collections/parcels/items/{parcel}"),
        "/tiles.json".into(),
        "/groups".into(),
    ] {
        let r = get_with(&target, &[("Host", host), ("Accept", "application/json")]);
        assert_eq!(r.status, 200, "{target}");
        let before = out.len();
        hrefs(&r.json(), &mut out);
        assert!(out.len() > before, "{target} has links");
    }
    out
}

#[test]
fn links_come_from_the_listen_address_or_the_public_url_never_from_the_host_header() {
    let server_ = start();
    let links = links_with_host("evil.example");
    let own = format!("http://{}/", server());
    for l in &links {
        assert!(l.starts_with(&own), "{l} does not start with {own}");
    }
    drop(server_);
    let _server = start_with(&[sample().to_str().unwrap(), "--public-url", "https://maps.example.org/thuadat/"]);
    for l in links_with_host("evil.example") {
        assert!(l.starts_with("https://maps.example.org/thuadat/"), "{l}");
        assert!(!l.contains("evil") && !l.contains("//tiles") && !l.contains("thuadat//"), "{l}");
    }
    // A public URL that is not one is refused at start.
    let o = common::run(&["serve", "--addr", "127.0.0.1:0", "--public-url", "maps.example.org"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--public-url"), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn conflicts_csv_neutralises_spreadsheet_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("commune");
    common::write_formula_commune(&ds);
    let _server = start_with(&[ds.to_str().unwrap()]);
    let csv_bytes = get("/conflicts.csv").body;
    assert_eq!(common::formula_cells(&csv_bytes), Vec::<String>::new());
    let mut r = csv::Reader::from_reader(csv_bytes.as_slice());
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let row = |kind: &str| rows.iter().find(|r| &r[1] == kind).unwrap_or_else(|| panic!("no {kind}"));
    assert_eq!(&row("area_mismatch")[5], "'-2+3");
    assert_eq!(&row("area_mismatch")[3], "'=cmd|' /C calc'!A0");
    let mut certs: Vec<&str> = row("duplicate_certificate")[5].split(';').collect();
    certs.sort_unstable();
    assert_eq!(certs, ["'@C5N", "C5"]);
    // The JSON documents carry the text as it is.
    let items = get("/collections/conflicts/items?kind=area_mismatch").json();
    assert_eq!(items["features"][0]["properties"]["cert_ids"], "-2+3");
}

#[test]
fn a_reload_that_would_empty_the_server_is_refused_and_every_reload_shows_in_health() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("commune");
    common::write_small_commune(&ds);
    let parcels = ds.join("parcels.geojson");
    let original = std::fs::read_to_string(&parcels).unwrap();
    let server = start_with(&[ds.to_str().unwrap()]);
    let health = get("/health").json();
    assert_eq!((health["parcels"].as_u64(), &health["last_reload"]), (Some(14), &Value::Null));
    // A valid but empty collection: refused, the 14 parcels stay served.
    std::fs::write(&parcels, "{\"type\":\"FeatureCollection\",\"features\":[]}\n").unwrap();
    server.hang_up();
    let mut h = Value::Null;
    assert!(within(Duration::from_secs(30), || {
        h = get("/health").json();
        !h["last_reload"].is_null()
    }));
    assert_eq!(h["last_reload"]["ok"], false, "{h}");
    assert!(h["last_reload"]["error"].as_str().unwrap().contains("no parcels"), "{h}");
    assert!(h["last_reload"]["at"].as_str().unwrap().ends_with('Z'), "{h}");
    assert_eq!(h["parcels"], 14);
    assert_eq!(get("/collections/parcels/items").json()["numberMatched"], 14);
    // A broken file: the error says where, not what the file holds.
    std::fs::write(&parcels, original.replace("\"SoThua\":7,", "\"SoThua\":\"Nguyễn Văn An\",")).unwrap();
    server.hang_up();
    assert!(within(Duration::from_secs(30), || {
        h = get("/health").json();
        h["last_reload"]["error"].as_str().is_some_and(|e| e.contains("bad input"))
    }));
    let error = h["last_reload"]["error"].as_str().unwrap();
    assert!(error.contains("parcels.geojson") && !error.contains("Nguyễn"), "{error}");
    assert_eq!((h["parcels"].as_u64(), &h["last_reload"]["ok"]), (Some(14), &Value::Bool(false)));
    // Fixed: served, and shown.
    std::fs::write(&parcels, &original).unwrap();
    server.hang_up();
    assert!(within(Duration::from_secs(30), || {
        h = get("/health").json();
        h["last_reload"]["ok"] == true
    }));
    assert_eq!((h["parcels"].as_u64(), h["last_reload"]["parcels"].as_u64()), (Some(14), Some(14)));
}

#[test]
fn an_empty_reload_is_taken_when_the_operator_allows_it() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("commune");
    common::write_small_commune(&ds);
    let server = start_with(&[ds.to_str().unwrap(), "--allow-empty-reload"]);
    std::fs::write(ds.join("parcels.geojson"), "{\"type\":\"FeatureCollection\",\"features\":[]}\n").unwrap();
    server.hang_up();
    let mut h = Value::Null;
    assert!(within(Duration::from_secs(30), || {
        h = get("/health").json();
        !h["last_reload"].is_null()
    }));
    assert_eq!((&h["last_reload"]["ok"], h["parcels"].as_u64()), (&Value::Bool(true), Some(0)), "{h}");
}

#[test]
fn idle_connections_are_closed_and_past_the_limit_a_connection_is_answered_503() {
    let _server = start_with(&[
        sample().to_str().unwrap(),
        "--idle-timeout",
        "3",
        "--header-timeout",
        "60",
        "--max-connections",
        "4",
    ]);
    let t = Instant::now();
    let mut idle: Vec<TcpStream> = (0..4).map(|_| TcpStream::connect(server()).unwrap()).collect();
    // The fifth: 503 with the JSON body, at once.
    let over = get("/health");
    assert_json_error(&over, 503, "a fifth connection");
    assert_eq!(over.header("connection"), Some("close"));
    // The four idle ones are closed by the server (default: 60 s).
    for s in &mut idle {
        let (got, closed) = read_until_closed(s, Duration::from_secs(20));
        assert!(closed && got.is_empty(), "an idle connection was not closed ({} bytes)", got.len());
    }
    assert!(t.elapsed() >= Duration::from_secs(3));
    assert_eq!(get("/health").json()["status"], "ok");
}

#[test]
fn a_client_sending_its_head_slowly_is_cut_at_the_header_timeout() {
    let _server = start_with(&[sample().to_str().unwrap(), "--header-timeout", "1", "--idle-timeout", "60"]);
    let mut s = TcpStream::connect(server()).unwrap();
    let mut writer = s.try_clone().unwrap();
    let t = Instant::now();
    // A byte every 100 ms: never idle, never done.
    let trickle = std::thread::spawn(move || {
        let head = format!("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: {}", "s".repeat(1000));
        for b in head.bytes() {
            if writer.write_all(&[b]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    let (got, closed) = read_until_closed(&mut s, Duration::from_secs(20));
    assert!(closed, "a slow head was not cut ({:?})", t.elapsed());
    assert!(got.is_empty() || got.starts_with(b"HTTP/1.1 408"), "{}", String::from_utf8_lossy(&got));
    assert!(t.elapsed() >= Duration::from_millis(900), "{:?}", t.elapsed());
    drop(s);
    trickle.join().unwrap();
    assert_eq!(get("/health").json()["status"], "ok");
}

#[test]
fn a_client_that_stops_reading_is_cut_at_the_idle_timeout() {
    let _server = start_with(&[sample().to_str().unwrap(), "--idle-timeout", "2"]);
    let whole = get("/collections/parcels/items?limit=10000").body.len();
    // 40 pipelined requests of several megabytes each, and nothing read for 5 s: far more than the sockets
    // buffer, so the server's writes wait, and it gives up after 2 s.
    let mut s = TcpStream::connect(server()).unwrap();
    let one = format!("GET /collections/parcels/items?limit=10000 HTTP/1.1\r\nHost: {}\r\n\r\n", server());
    s.write_all(one.repeat(40).as_bytes()).unwrap();
    std::thread::sleep(Duration::from_secs(5));
    let (got, closed) = read_until_closed(&mut s, Duration::from_secs(60));
    assert!(closed, "the connection was not closed");
    assert!(got.len() < 40 * whole, "{} bytes of {}: the server waited for the reader", got.len(), 40 * whole);
}

#[test]
fn a_request_not_answered_within_the_request_timeout_is_503() {
    let _server = start_with(&[sample().to_str().unwrap(), "--request-timeout", "1"]);
    // A body that never comes whole: the review endpoint waits for it.
    let mut s = TcpStream::connect(server()).unwrap();
    let head = format!(
        "PATCH /conflicts/x HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"status\"",
        server()
    );
    s.write_all(head.as_bytes()).unwrap();
    let t = Instant::now();
    let got = read_one_reply(&mut s, Duration::from_secs(20));
    assert!(!got.is_empty(), "no answer within 20 s");
    let reply = parse_reply(&got);
    assert_json_error(&reply, 503, "a stalled body");
    assert!(reply.json()["reason"].as_str().unwrap().contains("request timeout"));
    assert!(t.elapsed() < Duration::from_secs(20));
}

#[test]
fn sigterm_stops_the_server_within_the_shutdown_timeout_despite_a_half_sent_request() {
    let mut server = start_with(&[
        sample().to_str().unwrap(),
        "--shutdown-timeout",
        "1",
        "--header-timeout",
        "120",
        "--idle-timeout",
        "120",
    ]);
    let mut half = TcpStream::connect(server.addr.clone()).unwrap();
    half.write_all(format!("GET /health HTTP/1.1\r\nHost: {}\r\n", server.addr).as_bytes()).unwrap();
    assert_eq!(get("/health").json()["status"], "ok");
    std::thread::sleep(Duration::from_millis(200));
    server.signal("TERM");
    let t = Instant::now();
    let mut status = None;
    assert!(
        within(Duration::from_secs(20), || {
            status = server.child.try_wait().unwrap();
            status.is_some()
        }),
        "still running 20 s after SIGTERM"
    );
    assert!(status.unwrap().success(), "{status:?}");
    assert!(t.elapsed() < Duration::from_secs(20));
    // It no longer listens.
    assert!(TcpStream::connect(server.addr.clone()).is_err());
}
