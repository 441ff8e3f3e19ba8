//! `thuadat serve` as users meet it: the real binary on a free port, read over real HTTP by GDAL's own clients
//! (`ogrinfo` with the MVT and OAPIF drivers), and what only a process and its sockets show: SIGHUP reloads,
//! hyper's own 414/431/400, links from the command line's `--public-url`, the timeouts, the connection limit
//! and SIGTERM. Expectations come from the data: the report `thuadat check` writes for the same sample, and
//! parcel geometry tested with `geo` (tests/reference). The answers themselves (status codes, JSON errors,
//! headers, features, look-up, groups, CSV, tiles) are tested in-process in tests/http.rs.
#![allow(clippy::unwrap_used)] // a test fails loudly on its own fixtures

mod common;
mod reference;

use common::Server;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;

use geo::{Intersects, Rect};
use serde_json::Value;

use reference::{
    assert_json_error, conflict_features, mercator, names, parcels_in_mercator, parcels_with_geometry, report, sample,
    tile_of, Reply,
};

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
    // Nothing here asks for gzip (tests/http.rs does), so every body comes whole with a Content-Length.
    let chunked = headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    assert!(!chunked, "a chunked answer: {head}");
    Reply { status, headers, body: raw[split + 4..].to_vec() }
}

fn get(target: &str) -> Reply {
    get_with(target, &[])
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
