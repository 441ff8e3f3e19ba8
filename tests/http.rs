//! The server's answers without a socket: requests go straight through `server::http::router` with
//! `tower::ServiceExt::oneshot` on a state built in this process (the bundled sample, loaded once; or a
//! commune of the test's own). Status codes, JSON error bodies, ETag / 304, Cache-Control, CORS, gzip, query
//! parsing, features, look-up, groups, CSV and tiles, with expectations from the report `thuadat check` writes
//! and geometry tested with `geo` here (tests/reference). Snapshots (insta, tests/snapshots/) pin the
//! documents `/collections`, `/tiles.json` and `/api`; links in them come from a fixed public URL.
//!
//! What needs a real process or socket (start-up, SIGHUP reloads, timeouts, the connection limit, SIGTERM,
//! hyper's 414/431/400, the command line's flags, GDAL's clients) stays in tests/server.rs.
#![allow(clippy::unwrap_used)] // a test fails loudly on its own fixtures

mod common;
mod reference;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{Method, Request};
use geo::{BoundingRect, Intersects, LineString, MultiPolygon, Polygon};
use serde_json::{json, Value};
use tower::ServiceExt;

use reference::{
    assert_json_error, conflict_features, in_mercator, names, parcels_in_mercator, report, sample, tile_box, tile_of,
    Reply,
};
use thuadat::server::{http, AppState, ServerConfig};

/// The public URL every link is made from (the listen address would put a port in the snapshots).
const BASE: &str = "http://thuadat.test";

/// The runtime the requests run on, shared by the tests.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap())
}

/// The router on the state `thuadat serve` builds for a dataset directory, with the public URL [`BASE`].
struct App {
    state: Arc<AppState>,
}

impl App {
    fn new(dataset: &Path) -> App {
        let mut config = ServerConfig::new(dataset.to_path_buf(), "127.0.0.1:0".parse().unwrap());
        config.public_url = Some(BASE.to_string());
        let source = thuadat::server::load(&config).unwrap();
        App { state: Arc::new(AppState::new(config, source)) }
    }

    /// One request through the router, answered whole.
    fn send(&self, request: Request<Body>) -> Reply {
        runtime().block_on(async {
            let response = http::router(self.state.clone()).oneshot(request).await.unwrap();
            let status = response.status().as_u16();
            let headers =
                response.headers().iter().map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_string())).collect();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap().to_vec();
            Reply { status, headers, body }
        })
    }

    /// A GET of `target` as given, with `extra` header fields (`Host` is `thuadat.test` unless `extra` has
    /// one).
    fn get_with(&self, target: &str, extra: &[(&str, &str)]) -> Reply {
        self.request(Method::GET, target, extra)
    }

    fn get(&self, target: &str) -> Reply {
        self.get_with(target, &[])
    }

    fn request(&self, method: Method, target: &str, extra: &[(&str, &str)]) -> Reply {
        let mut req = Request::builder().method(method).uri(target);
        if !extra.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
            req = req.header("host", "thuadat.test");
        }
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        self.send(req.body(Body::empty()).unwrap())
    }
}

/// The server on the bundled sample, built once for the whole file.
fn sample_app() -> &'static App {
    static APP: OnceLock<App> = OnceLock::new();
    APP.get_or_init(|| App::new(&sample()))
}

/// Status, every header field and the body as JSON: what a snapshot holds.
fn document(r: &Reply) -> Value {
    let mut headers: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (k, v) in &r.headers {
        headers.entry(k.as_str()).or_default().push(v.as_str());
    }
    json!({"status": r.status, "headers": headers, "body": r.json()})
}

fn center(app: &App) -> (f64, f64) {
    let tj = app.get("/tiles.json").json();
    (tj["center"][0].as_f64().unwrap(), tj["center"][1].as_f64().unwrap())
}

// ---- snapshots of the documents ----

/// `/collections`: both collections, their extents and links.
#[test]
fn collections_snapshot() {
    let r = sample_app().get("/collections");
    assert_eq!(r.status, 200);
    insta::assert_json_snapshot!("collections", document(&r));
}

/// `/tiles.json`: the TileJSON of the vector tiles, its layers and their fields.
#[test]
fn tilejson_snapshot() {
    let r = sample_app().get("/tiles.json");
    assert_eq!(r.status, 200);
    insta::assert_json_snapshot!("tiles.json", document(&r));
}

/// `/api`: the OpenAPI definition served.
#[test]
fn api_snapshot() {
    let r = sample_app().get("/api");
    assert_eq!(r.status, 200);
    insta::assert_json_snapshot!("api", document(&r));
}

// ---- moved from tests/server.rs: request and response only ----

#[test]
fn a_z17_tile_holds_exactly_the_parcels_that_meet_it() {
    let app = sample_app();
    let (lon, lat) = center(app);
    let (x, y) = tile_of(17, lon, lat);
    let reply = app.get(&format!("/tiles/17/{x}/{y}.mvt"));
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
    let app = sample_app();
    let summary = &report().summary;
    let served = app.get("/groups").json();
    let groups = served["groups"].as_array().unwrap();
    assert_eq!(groups.len() as u64, summary["groups"].as_u64().unwrap());
    for g in groups {
        let name = g["name"].as_str().unwrap();
        let status = &summary["status_by_group"][name];
        for s in ["1", "2", "3"] {
            assert_eq!(g["status"][s].as_u64().unwrap_or(0), status[s].as_u64().unwrap_or(0), "{name} status {s}");
        }
        // The report's count for the group, and the unmatched certificates whose best candidate is in it.
        let kinds = served_group_kinds();
        let kinds = kinds.get(name).cloned().unwrap_or_default();
        let total: u64 = kinds.values().sum();
        assert_eq!(g["conflicts"].as_u64().unwrap(), total, "{name}");
        for (k, n) in g["conflicts_by_kind"].as_object().unwrap() {
            assert_eq!(n.as_u64().unwrap(), kinds.get(k).copied().unwrap_or(0), "{name} {k}");
        }
        let q: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
        let items = app.get(&format!("/collections/conflicts/items?group={q}&limit=1")).json();
        assert_eq!(items["numberMatched"].as_u64().unwrap(), total, "{name}");
        let csv = app.get(&format!("/conflicts.csv?group={q}"));
        assert_eq!(csv.status, 200);
        let rows = csv::Reader::from_reader(csv.body.as_slice()).records().count() as u64;
        assert_eq!(rows, total, "{name}");
        // A tile cut to this group holds only its parcels, conflicts and outline.
        let (lon, lat) = center(app);
        let (x, y) = tile_of(15, lon, lat);
        let tile = app.get(&format!("/tiles/15/{x}/{y}.mvt?group={q}"));
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
    assert_eq!(app.get("/groups").json()["groups"].as_array().unwrap().len(), groups.len());
}

/// Conflicts per group and kind as the server counts them: the report's `group` (the first parcel's), or for
/// a conflict without parcels the group of its best candidate parcel; `""` for none.
fn served_group_kinds() -> BTreeMap<String, BTreeMap<String, u64>> {
    let group_of: BTreeMap<&str, &str> =
        report().parcels_csv.iter().map(|r| (r["parcel_id"].as_str(), r["group"].as_str())).collect();
    let mut out: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for f in conflict_features() {
        let p = &f["properties"];
        let group = match p["group"].as_str() {
            Some(g) => g.to_string(),
            None => p["candidates"]
                .as_array()
                .and_then(|c| c.first())
                .and_then(|c| group_of.get(c["parcel_id"].as_str().unwrap()))
                .map_or(String::new(), |g| g.to_string()),
        };
        *out.entry(group).or_default().entry(p["kind"].as_str().unwrap().to_string()).or_default() += 1;
    }
    out
}

#[test]
fn every_conflict_is_in_one_groups_list_or_the_not_located_one_and_the_counts_add_up() {
    let app = sample_app();
    let expected = served_group_kinds();
    let doc = app.get("/groups").json();
    let all = conflict_features().len() as u64;
    let not_located: u64 = expected.get("").map_or(0, |k| k.values().sum());
    assert_eq!(doc["not_located"]["conflicts"].as_u64().unwrap(), not_located);
    assert_eq!(doc["totals"]["conflicts"].as_u64().unwrap(), all);
    assert_eq!(doc["totals"]["parcels"].as_u64().unwrap(), report().parcels_csv.len() as u64);
    let in_groups: u64 = doc["groups"].as_array().unwrap().iter().map(|g| g["conflicts"].as_u64().unwrap()).sum();
    assert_eq!(in_groups + not_located, all);
    // The unmatched certificates of the sample all name a likely parcel, so each lands in a group.
    let unmatched = conflict_features().iter().filter(|f| f["properties"]["kind"] == "unmatched_certificate").count();
    assert!(unmatched > 0);
    let listed: u64 = doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["conflicts_by_kind"]["unmatched_certificate"].as_u64().unwrap())
        .sum();
    let without_candidate = conflict_features()
        .iter()
        .filter(|f| {
            f["properties"]["kind"] == "unmatched_certificate"
                && f["properties"]["candidates"].as_array().unwrap().is_empty()
        })
        .count();
    assert_eq!(listed as usize + without_candidate, unmatched);

    // The work lists: every conflict id exactly once over the groups' lists and the not-located one.
    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    let mut lists: Vec<String> = doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            format!(
                "group={}",
                form_urlencoded::byte_serialize(g["name"].as_str().unwrap().as_bytes()).collect::<String>()
            )
        })
        .collect();
    lists.push("not_located=true".into());
    for q in &lists {
        let w = app.get(&format!("/work?{q}&limit=1000")).json();
        assert_eq!(w["matched"], w["total"], "{q}");
        assert_eq!(w["returned"], w["matched"], "{q}");
        let mut conflicts = 0;
        for item in w["items"].as_array().unwrap() {
            if item["type"] == "conflict" {
                conflicts += 1;
                *seen.entry(item["id"].as_str().unwrap().to_string()).or_default() += 1;
            } else {
                // A parcel needing work that no conflict names: status 2 or 3, no conflict in the report.
                assert_eq!(item["type"], "parcel");
                assert!(item["parcel"]["status"].as_u64().unwrap() >= 2, "{item}");
            }
        }
        assert_eq!(w["progress"]["conflicts"].as_u64().unwrap(), conflicts, "{q}");
    }
    let ids: BTreeSet<String> =
        conflict_features().iter().map(|f| f["properties"]["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(seen.keys().cloned().collect::<BTreeSet<_>>(), ids);
    assert!(seen.values().all(|&n| n == 1));

    // Status-2/3 parcels with no conflict are listed too: exactly those of parcels.csv.
    let with_conflict: BTreeSet<&str> = conflict_features()
        .iter()
        .flat_map(|f| f["properties"]["parcel_ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()))
        .collect();
    let needing: BTreeSet<String> = report()
        .parcels_csv
        .iter()
        .filter(|r| r["status"] != "1" && !with_conflict.contains(r["parcel_id"].as_str()))
        .map(|r| r["parcel_id"].clone())
        .collect();
    let mut listed_parcels = BTreeSet::new();
    for q in &lists {
        let w = app.get(&format!("/work?{q}&limit=1000")).json();
        for item in w["items"].as_array().unwrap().iter().filter(|i| i["type"] == "parcel") {
            listed_parcels.insert(item["id"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(listed_parcels, needing);
}

#[test]
fn the_work_list_filters_sorts_searches_and_pages() {
    let app = sample_app();
    let groups = app.get("/groups").json();
    let g = groups["groups"].as_array().unwrap().iter().max_by_key(|g| g["conflicts"].as_u64().unwrap()).unwrap();
    let q: String = form_urlencoded::byte_serialize(g["name"].as_str().unwrap().as_bytes()).collect();
    let all = app.get(&format!("/work?group={q}&limit=1000")).json();
    let items = all["items"].as_array().unwrap();
    // Default order: errors, then warnings, then parcels; by sheet and number (as numbers) within each.
    let rank = |i: &Value| match i["severity"].as_str() {
        Some("error") => 0,
        Some("warning") => 1,
        _ => 2,
    };
    let key = |i: &Value| {
        (
            rank(i),
            i["parcel"]["sheet"].as_i64().unwrap_or(i64::MAX),
            i["parcel"]["parcel_no"].as_i64().unwrap_or(i64::MAX),
        )
    };
    for w in items.windows(2) {
        assert!(
            key(&w[0]) <= key(&w[1])
                || w[1]["parcel"].is_null()
                || w[0]["kind"] == "unmatched_certificate"
                || w[1]["kind"] == "unmatched_certificate",
            "{} before {}",
            w[0],
            w[1]
        );
    }
    // Kind filter: exactly the group's conflicts of the kinds asked.
    let kinds = g["conflicts_by_kind"].as_object().unwrap();
    let picked: Vec<&String> = kinds.iter().filter(|(_, n)| n.as_u64().unwrap() > 0).map(|(k, _)| k).take(2).collect();
    let two = app.get(&format!("/work?group={q}&kind={},{}&limit=1000", picked[0], picked[1])).json();
    assert_eq!(
        two["matched"].as_u64().unwrap(),
        kinds[picked[0]].as_u64().unwrap() + kinds[picked[1]].as_u64().unwrap()
    );
    assert!(two["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| picked.contains(&&i["kind"].as_str().unwrap().to_string())));
    // `parcel` in the kinds lets the parcel entries through.
    let with_parcels = app.get(&format!("/work?group={q}&kind={},parcel&limit=1000", picked[0])).json();
    assert_eq!(
        with_parcels["matched"].as_u64().unwrap(),
        kinds[picked[0]].as_u64().unwrap() + all["progress"]["parcels"].as_u64().unwrap()
    );
    // Severity and status filters.
    let errors = app.get(&format!("/work?group={q}&severity=error&limit=1000")).json();
    assert_eq!(errors["matched"].as_u64().unwrap() as usize, items.iter().filter(|i| i["severity"] == "error").count());
    let s3 = app.get(&format!("/work?group={q}&status=3&limit=1000")).json();
    assert_eq!(s3["matched"].as_u64().unwrap() as usize, items.iter().filter(|i| i["parcel"]["status"] == 3).count());
    assert!(s3["matched"].as_u64().unwrap() > 0);
    // Review filter: everything is open on a dataset directory.
    assert_eq!(app.get(&format!("/work?group={q}&review=open&limit=1")).json()["matched"], g["conflicts"]);
    assert_eq!(app.get(&format!("/work?group={q}&review=resolved")).json()["matched"], 0);
    // Search by sheet/number finds the entries of that parcel.
    let p = &items.iter().find(|i| i["type"] == "conflict" && i["located_by"] == "parcel").unwrap()["parcel"];
    let label = format!("{}/{}", p["sheet"], p["parcel_no"]);
    let found = app
        .get(&format!("/work?group={q}&q={}", form_urlencoded::byte_serialize(label.as_bytes()).collect::<String>()))
        .json();
    let expected = items
        .iter()
        .filter(|i| {
            i["parcel_ids"].as_array().is_some_and(|ids| ids.contains(&p["id"]))
                || i["id"] == p["id"]
                || (i["located_by"] == "candidate" && i["parcel"]["id"] == p["id"])
        })
        .count();
    assert_eq!(found["matched"].as_u64().unwrap() as usize, expected, "{label}");
    // Paging: pages of 7 concatenate to the whole list.
    let mut paged = Vec::new();
    let mut offset = 0;
    loop {
        let page = app.get(&format!("/work?group={q}&limit=7&offset={offset}")).json();
        let got = page["items"].as_array().unwrap().clone();
        if got.is_empty() {
            break;
        }
        assert!(got.len() <= 7);
        paged.extend(got);
        offset += 7;
    }
    assert_eq!(&paged, items);
    // Sorted by number: non-decreasing sheet/number.
    let by_number = app.get(&format!("/work?group={q}&sort=number&limit=1000")).json();
    let nums: Vec<(i64, i64)> = by_number["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["located_by"] != "candidate")
        .map(|i| (i["parcel"]["sheet"].as_i64().unwrap(), i["parcel"]["parcel_no"].as_i64().unwrap()))
        .collect();
    assert!(nums.windows(2).all(|w| w[0] <= w[1]));
    // Bad parameters: 400 naming the parameter; an unknown group 404.
    assert_json_error(&app.get(&format!("/work?group={q}&kind=gaps")), 400, "parameter `kind`");
    assert_json_error(&app.get(&format!("/work?group={q}&status=4")), 400, "parameter `status`");
    assert_json_error(&app.get(&format!("/work?group={q}&sort=size")), 400, "parameter `sort`");
    assert_json_error(&app.get(&format!("/work?group={q}&limit=0")), 400, "parameter `limit`");
    assert_json_error(&app.get(&format!("/work?group={q}&not_located=true")), 400, "exclude each other");
    assert_json_error(&app.get("/work?group=Nowhere"), 404, "no residential group `Nowhere`");
}

#[test]
fn lookup_takes_projected_coordinates_of_the_datasets_crs() {
    let app = sample_app();
    let (lon, lat) = center(app);
    let by_lonlat = app.get(&format!("/lookup?lon={lon}&lat={lat}&accuracy=3")).json();
    // The same point in the sample's VN-2000 (TM-3, 105°): Y (easting) and X (northing) in metres.
    let crs = thuadat::crs::Crs::parse("VN2000:105.0").unwrap();
    let (e, n) = crs.from_wgs84(lon, lat).unwrap();
    let by_xy = app.get(&format!("/lookup?easting={e}&northing={n}&accuracy=3")).json();
    assert!((by_xy["lon"].as_f64().unwrap() - lon).abs() < 1e-7);
    assert!((by_xy["lat"].as_f64().unwrap() - lat).abs() < 1e-7);
    assert_eq!(by_xy["parcel"], by_lonlat["parcel"]);
    assert_eq!(by_xy["nearby"], by_lonlat["nearby"]);
    assert_json_error(&app.get("/lookup?easting=541000"), 400, "parameter `northing` is required");
    assert_json_error(&app.get("/lookup?easting=abc&northing=1"), 400, "parameter `easting`");
    let health = app.get("/health").json();
    assert_eq!(health["crs"], json!({"definition": "VN2000:105.0", "projected": true}));
}

#[test]
fn lookup_finds_the_parcel_under_a_point_and_flags_ambiguity() {
    let app = sample_app();
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
    let exact = app.get(&format!("/lookup?lon={lon}&lat={lat}&accuracy=0")).json();
    assert_eq!(exact["parcel"]["id"], p.id.as_str());
    assert_eq!(exact["ambiguous"], false);
    assert_eq!(exact["nearby"].as_array().unwrap().len(), 0);
    let row = report().parcels_csv.iter().find(|r| r["parcel_id"] == p.id.as_str()).unwrap();
    let certs: Vec<&str> =
        exact["parcel"]["certificates"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(certs.join(";"), row["cert_ids"]);
    assert_eq!(exact["parcel"]["status"].as_u64().unwrap().to_string(), row["status"]);
    // Within 30 m there are neighbours: ambiguous, ranked by distance.
    let wide = app.get(&format!("/lookup?lon={lon}&lat={lat}&accuracy=30")).json();
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
    let both = app.get(&format!("/lookup?lon={}&lat={}&accuracy=0", ip.x(), ip.y())).json();
    assert_eq!(both["ambiguous"], true);
    assert_eq!(both["nearby"].as_array().unwrap().len(), 1);
    assert!(both["reason"].as_str().unwrap().contains("overlapping"));
}

#[test]
fn no_holder_names_or_citizen_ids_are_served() {
    let app = sample_app();
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
    served.extend(app.get("/collections/parcels/items?limit=10000").body);
    served.extend(app.get("/collections/conflicts/items?limit=10000").body);
    served.extend(app.get("/conflicts.csv").body);
    served.extend(app.get("/groups").body);
    let (lon, lat) = center(app);
    served.extend(app.get(&format!("/lookup?lon={lon}&lat={lat}&accuracy=200")).body);
    let (x, y) = tile_of(15, lon, lat);
    served.extend(app.get(&format!("/tiles/15/{x}/{y}.mvt")).body);
    let text = String::from_utf8_lossy(&served);
    for s in &secrets {
        assert!(!text.contains(s.as_str()), "served data contains `{s}`");
    }
}

#[test]
fn hostile_requests_answer_4xx_with_a_json_reason() {
    let app = sample_app();
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
        let r = app.get(target);
        assert_json_error(&r, *expected, target);
    }
    // A wrong method, and the server still answers afterwards.
    let delete = app.request(Method::DELETE, "/health", &[]);
    assert_json_error(&delete, 405, "DELETE /health");
    assert_eq!(app.get("/health").json()["status"], "ok");
}

#[test]
fn etags_revalidate_and_responses_are_gzipped_for_clients_that_ask() {
    let app = sample_app();
    let (lon, lat) = center(app);
    let (x, y) = tile_of(16, lon, lat);
    for target in [format!("/tiles/16/{x}/{y}.mvt"), "/collections/parcels/items?limit=5".to_string(), "/groups".into()]
    {
        let first = app.get(&target);
        assert_eq!(first.status, 200, "{target}");
        assert_eq!(first.header("content-encoding"), None, "{target}");
        let etag = first.header("etag").unwrap().to_string();
        let hex = etag.strip_prefix('"').and_then(|e| e.strip_suffix('"')).unwrap_or_default();
        assert!(hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()), "{target}: a strong ETag, {etag}");
        assert_eq!(first.header("cache-control"), Some("public, max-age=60"), "{target}");
        let again = app.get_with(&target, &[("If-None-Match", &etag)]);
        assert_eq!(again.status, 304, "{target}");
        assert!(again.body.is_empty());
        assert_eq!(again.header("etag"), Some(etag.as_str()), "{target}");
        let stale = app.get_with(&target, &[("If-None-Match", "\"0000000000000000\"")]);
        assert_eq!((stale.status, stale.body.len()), (200, first.body.len()), "{target}");
        assert_eq!(stale.body, first.body, "{target}");
        let gz = app.get_with(&target, &[("Accept-Encoding", "gzip")]);
        assert_eq!(gz.header("content-encoding"), Some("gzip"), "{target}");
        assert_eq!(gz.header("etag"), Some(etag.as_str()), "{target}");
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(gz.body.as_slice()).read_to_end(&mut plain).unwrap();
        assert_eq!(plain, first.body, "{target}");
    }
    let cors = app.get_with("/tiles.json", &[("Origin", "http://example.org")]);
    assert_eq!(cors.header("access-control-allow-origin"), Some("*"));
}

#[test]
fn items_page_with_next_links_and_filters_match_the_report() {
    let app = sample_app();
    let total = report().summary["parcels"].as_u64().unwrap();
    let mut seen = BTreeSet::new();
    let mut next = Some(format!("{BASE}/collections/parcels/items?limit=1000"));
    while let Some(url) = next {
        let target = url.strip_prefix(BASE).unwrap_or_else(|| panic!("{url} is not under {BASE}")).to_string();
        let page = app.get(&target).json();
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
        let page = app.get(&format!("/collections/parcels/items?status={s}&limit=1")).json();
        assert_eq!(page["numberMatched"], report().summary["status"][s], "status {s}");
    }
    for (kind, n) in report().summary["conflicts"]["by_kind"].as_object().unwrap() {
        let page = app.get(&format!("/collections/conflicts/items?kind={kind}&limit=1")).json();
        assert_eq!(page["numberMatched"], *n, "{kind}");
    }
    // One item by id, and a bbox around it finds it.
    let f = &conflict_features()[0];
    let id = f["properties"]["id"].as_str().unwrap();
    let one = app.get(&format!("/collections/conflicts/items/{id}")).json();
    assert_eq!(one["properties"]["kind"], f["properties"]["kind"]);
    let pid = report().parcels_csv[0]["parcel_id"].clone();
    let parcel = app.get(&format!("/collections/parcels/items/{pid}")).json();
    let coords = &parcel["geometry"]["coordinates"][0];
    let (mut w, mut s, mut e, mut n) = (180.0f64, 90.0f64, -180.0f64, -90.0f64);
    for c in coords.as_array().unwrap() {
        let (x, y) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
        (w, s, e, n) = (w.min(x), s.min(y), e.max(x), n.max(y));
    }
    let around = app.get(&format!("/collections/parcels/items?bbox={w},{s},{e},{n}&limit=100")).json();
    assert!(around["features"].as_array().unwrap().iter().any(|f| f["id"] == pid.as_str()));
    assert!(around["numberMatched"].as_u64().unwrap() < total);
}

#[test]
fn the_landing_page_links_an_api_definition_that_documents_every_route() {
    let app = sample_app();
    let landing = app.get("/").json();
    let link =
        landing["links"].as_array().unwrap().iter().find(|l| l["rel"] == "service-desc").expect("rel=service-desc");
    assert_eq!(link["type"], "application/vnd.oai.openapi+json;version=3.0");
    assert_eq!(link["href"], "http://thuadat.test/api");
    let reply = app.get("/api");
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
    // Every route of the router (the `.route("…"` lines of http.rs and of the review, holder, login and user
    // routes it merges) is documented, and nothing else.
    let router = [
        include_str!("../src/server/http.rs"),
        include_str!("../src/server/review.rs"),
        include_str!("../src/server/holders.rs"),
        include_str!("../src/server/edit.rs"),
        include_str!("../src/server/parcel_edit.rs"),
        include_str!("../src/server/login.rs"),
        include_str!("../src/server/users.rs"),
    ]
    .concat();
    let router = router.replace(".route(\n            \"", ".route(\"");
    let routes: BTreeSet<String> =
        router.split(".route(\"").skip(1).map(|r| blank(&r[..r.find('"').unwrap()])).collect();
    assert_eq!(routes, documented);
    // Every documented operation answers 200 with its path parameters filled in and its required query
    // parameters given.
    let (lon, lat) = center(app);
    let parcel = &report().parcels_csv[0]["parcel_id"];
    let (x, y) = tile_of(16, lon, lat);
    for (path, item) in paths {
        let ops: Vec<&Value> =
            ["get", "post", "put", "patch"].iter().map(|m| &item[*m]).filter(|o| o.is_object()).collect();
        assert!(!ops.is_empty(), "{path}");
        for op in &ops {
            assert!(op["operationId"].is_string() && op["responses"].is_object(), "{path}");
        }
        let op = &item["get"];
        if !op.is_object() {
            continue;
        }
        assert!(op["responses"]["200"].is_object(), "{path}");
        let target = path
            .replace("{collectionId}", "parcels")
            .replace("{featureId}", parcel)
            .replace("{parcelId}", parcel)
            .replace("{z}", "16")
            .replace("{x}", &x.to_string())
            .replace("{y}", &format!("{y}.mvt"))
            .replace("/app/{file}", "/app/app.js")
            .replace("{file}", "maplibre-gl.mjs");
        let query = if path == "/lookup" { format!("?lon={lon}&lat={lat}") } else { String::new() };
        let target = target.replace("{conflictId}", conflict_features()[0]["properties"]["id"].as_str().unwrap());
        let target = target.replace("{certId}", "CH000001");
        let reply = app.get(&format!("{target}{query}"));
        if item["x-thuadat-store"] == true {
            // Reviews, logins and holders live in the PostGIS store (tests/store.rs, tests/access.rs); from a
            // directory: 404 with the reason.
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

#[test]
fn conflicts_csv_neutralises_spreadsheet_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("commune");
    common::write_formula_commune(&ds);
    let app = App::new(&ds);
    let reply = app.get("/conflicts.csv");
    let csv_bytes = reply.body.clone();
    // A byte-order mark for Excel, and a file name with the date (Vietnam's).
    assert!(csv_bytes.starts_with(b"\xEF\xBB\xBFid,kind,severity,group,"), "{:?}", &csv_bytes[..20]);
    let disposition = reply.header("content-disposition").unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"xung-dot_20") && disposition.ends_with(".csv\""),
        "{disposition}"
    );
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
    let items = app.get("/collections/conflicts/items?kind=area_mismatch").json();
    assert_eq!(items["features"][0]["properties"]["cert_ids"], "-2+3");
}

/// A generated commune of 20,000 parcels, its report, its parcels in Web Mercator and the server on it.
struct Generated {
    _dir: tempfile::TempDir,
    app: App,
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
    let parcels = d
        .parcels
        .iter()
        .map(|p| {
            let g = p.geometry.as_ref().map(|g| in_mercator(&d, g));
            let class = match (status[p.id.as_str()].as_str(), in_conflict.contains(p.id.as_str())) {
                ("3", _) => 0,
                (_, true) => 1,
                ("2", _) => 2,
                _ => 3,
            };
            (p.id.to_string(), g, class, p.area_m2.unwrap_or(0.0))
        })
        .collect();
    let app = App::new(&ds);
    Generated { _dir: dir, app, parcels, drawn_conflicts }
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
    let app = &g.app;
    let tj = app.get("/tiles.json").json();
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
            let reply = app.get(&format!("/tiles/{z}/{x}/{y}.mvt"));
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
