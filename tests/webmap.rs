//! The web map at `/`: served from the binary (content negotiation against the OGC landing page, the
//! embedded files, the pinned MapLibre build), and the end-to-end run in headless Chromium
//! (`web/tests/e2e.mjs`, driven by playwright-core) against the real server on the bundled sample.
//!
//! Needs Node.js, Debian's `chromium` and `npm ci` in `web/` (scripts/web-deps.sh, called by
//! scripts/test.sh). Missing any of them fails the test; nothing is skipped.
#![allow(clippy::print_stdout)] // passes on the browser test's own report
#![allow(clippy::unwrap_used)] // a test fails loudly on its own fixtures

mod common;

use common::Server;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn start() -> Server {
    common::serve(&root().join("data/sample"))
}

/// A GET over a plain socket: status, headers (lower-cased names), body.
fn get(addr: &str, target: &str, headers: &[(&str, &str)]) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut req = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers.iter().any(|(k, v)| k == "transfer-encoding" && v == "chunked") {
        body = dechunk(&body);
    }
    (status, headers, body)
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let eol = b.windows(2).position(|w| w == b"\r\n").unwrap();
        let n = usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().trim(), 16).unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + n]);
        b = &b[eol + 4 + n..];
    }
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

#[test]
fn browsers_get_the_map_at_root_and_other_clients_the_landing_page() {
    let s = start();
    let (status, h, body) = get(&s.addr, "/", &[("Accept", BROWSER_ACCEPT)]);
    assert_eq!(status, 200);
    assert_eq!(header(&h, "content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(header(&h, "vary"), Some("Accept"));
    assert_eq!(body, std::fs::read(root().join("web/app/index.html")).unwrap());
    let html = String::from_utf8(body).unwrap();
    for asset in ["/vendor/maplibre-gl/maplibre-gl.css", "/app/app.css", "/app/app.js"] {
        assert!(html.contains(&format!("\"{asset}\"")), "index.html does not load {asset}");
    }
    // curl, GDAL and JSON clients: the OGC landing page, which links the map.
    for accept in [None, Some("*/*"), Some("application/json"), Some("application/json, text/html;q=0.5")] {
        let headers: Vec<(&str, &str)> = accept.map(|a| vec![("Accept", a)]).unwrap_or_default();
        let (status, h, body) = get(&s.addr, "/", &headers);
        assert_eq!(status, 200, "{accept:?}");
        assert_eq!(header(&h, "content-type"), Some("application/json"), "{accept:?}");
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let alt = v["links"].as_array().unwrap().iter().find(|l| l["type"] == "text/html").unwrap();
        assert_eq!(alt["href"], format!("http://{}/?f=html", s.addr));
    }
    // ?f= overrides the header.
    assert_eq!(
        get(&s.addr, "/?f=html", &[]).1.iter().find(|(k, _)| k == "content-type").unwrap().1,
        "text/html; charset=utf-8"
    );
    let (_, h, _) = get(&s.addr, "/?f=json", &[("Accept", BROWSER_ACCEPT)]);
    assert_eq!(header(&h, "content-type"), Some("application/json"));
}

#[test]
fn the_page_files_and_maplibre_are_served_from_the_binary() {
    let s = start();
    let files = [
        ("/app/app.js", "web/app/app.js", "text/javascript; charset=utf-8"),
        ("/app/app.css", "web/app/app.css", "text/css; charset=utf-8"),
        (
            "/vendor/maplibre-gl/maplibre-gl.mjs",
            "web/vendor/maplibre-gl/maplibre-gl.mjs",
            "text/javascript; charset=utf-8",
        ),
        (
            "/vendor/maplibre-gl/maplibre-gl-worker.mjs",
            "web/vendor/maplibre-gl/maplibre-gl-worker.mjs",
            "text/javascript; charset=utf-8",
        ),
        ("/vendor/maplibre-gl/maplibre-gl.css", "web/vendor/maplibre-gl/maplibre-gl.css", "text/css; charset=utf-8"),
        ("/vendor/maplibre-gl/LICENSE.txt", "web/vendor/maplibre-gl/LICENSE.txt", "text/plain; charset=utf-8"),
    ];
    for (target, file, content_type) in files {
        let (status, h, body) = get(&s.addr, target, &[]);
        assert_eq!(status, 200, "{target}");
        assert_eq!(header(&h, "content-type"), Some(content_type), "{target}");
        assert!(header(&h, "etag").is_some(), "{target}");
        assert_eq!(body, std::fs::read(root().join(file)).unwrap(), "{target}");
    }
    for missing in ["/app/nope.js", "/vendor/maplibre-gl/maplibre-gl.mjs.map", "/app/..%2F..%2FCargo.toml", "/vendor/x"]
    {
        let (status, h, body) = get(&s.addr, missing, &[]);
        assert_eq!(status, 404, "{missing}");
        assert_eq!(header(&h, "content-type"), Some("application/json"), "{missing}");
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["status"], 404);
    }
}

/// What the page reads beyond the server's first API: each group's box, parcels by sheet and number, a
/// parcel's certificate summaries.
#[test]
fn the_api_the_page_reads() {
    let s = start();
    let json = |target: &str| -> (u16, serde_json::Value) {
        let (status, _, body) = get(&s.addr, target, &[]);
        (status, serde_json::from_slice(&body).unwrap())
    };
    let (_, groups) = json("/groups");
    for g in groups["groups"].as_array().unwrap() {
        let name = g["name"].as_str().unwrap();
        let b: Vec<f64> = g["bbox"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        assert!(b[0] < b[2] && b[1] < b[3], "{name}: {b:?}");
        // Every parcel of the group lies in its box (the outline's envelope).
        let q: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
        let (_, items) = json(&format!("/collections/parcels/items?group={q}&limit=10000"));
        let features = items["features"].as_array().unwrap();
        assert_eq!(features.len() as u64, g["parcels"].as_u64().unwrap());
        let mut inside = 0;
        for f in features.iter().filter(|f| !f["geometry"].is_null()) {
            let coords = f["geometry"]["coordinates"].to_string();
            let nums: Vec<f64> = coords.split(['[', ']', ',']).filter_map(|t| t.parse().ok()).collect();
            assert!(nums
                .chunks(2)
                .all(|c| c[0] >= b[0] - 1e-7 && c[0] <= b[2] + 1e-7 && c[1] >= b[1] - 1e-7 && c[1] <= b[3] + 1e-7));
            inside += 1;
        }
        assert!(inside > 0);
    }

    // Find by sheet and number: 3/412 is one parcel; a number used twice on a sheet gives both.
    let (status, found) = json("/collections/parcels/items?sheet=3&parcel_no=412");
    assert_eq!(status, 200);
    let ids: Vec<&str> = found["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["00118-3-412"]);
    assert_eq!(found["numberMatched"], 1);
    let (_, dups) = json("/collections/conflicts/items?kind=duplicate_parcel_number&limit=1");
    let dup = &dups["features"][0]["properties"];
    let first = dup["parcel_ids"].as_str().unwrap().split(';').next().unwrap().to_string();
    let (_, p) = json(&format!("/collections/parcels/items/{first}"));
    let (sheet, no) = (&p["properties"]["sheet"], &p["properties"]["parcel_no"]);
    let (_, both) = json(&format!("/collections/parcels/items?sheet={sheet}&parcel_no={no}"));
    let mut got: Vec<&str> = both["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    got.sort_unstable();
    let mut want: Vec<&str> = dup["parcel_ids"].as_str().unwrap().split(';').collect();
    want.sort_unstable();
    assert_eq!(got, want);
    assert_eq!(json("/collections/parcels/items?sheet=3&parcel_no=99999").1["numberMatched"], 0);
    for (bad, reason) in [
        ("/collections/parcels/items?sheet=three", "parameter `sheet`: `three` is not a whole number"),
        ("/collections/parcels/items?parcel_no=4.5", "parameter `parcel_no`: `4.5` is not a whole number"),
        ("/collections/conflicts/items?sheet=3", "parameter `sheet` filters parcels, not conflicts"),
    ] {
        let (status, v) = json(bad);
        assert_eq!((status, v["reason"].as_str().unwrap()), (400, reason), "{bad}");
    }

    // One parcel comes with its certificates' summaries, the same as /lookup gives for it.
    let (_, one) = json("/collections/parcels/items/00118-3-412");
    let certs = one["properties"]["certificates"].as_array().unwrap();
    let ids: Vec<&str> = certs.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.join(";"), one["properties"]["cert_ids"].as_str().unwrap());
    let ring = &one["geometry"]["coordinates"][0];
    let n = ring.as_array().unwrap().len() - 1;
    let (lon, lat) = (0..n).fold((0.0, 0.0), |(x, y), i| {
        (x + ring[i][0].as_f64().unwrap() / n as f64, y + ring[i][1].as_f64().unwrap() / n as f64)
    });
    let (_, look) = json(&format!("/lookup?lon={lon}&lat={lat}&accuracy=0"));
    assert_eq!(look["parcel"]["id"], "00118-3-412");
    assert_eq!(&look["parcel"]["certificates"], &one["properties"]["certificates"]);
    // Items pages do not carry them (they stay light).
    assert!(found["features"][0]["properties"].get("certificates").is_none());
}

/// The committed MapLibre build is byte for byte the one web/package-lock.json pins (after `npm ci`).
#[test]
fn the_embedded_maplibre_is_the_pinned_npm_package() {
    let pinned = root().join("web/node_modules/maplibre-gl");
    assert!(pinned.join("package.json").exists(), "web/node_modules is missing: run scripts/web-deps.sh");
    let lock: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root().join("web/package-lock.json")).unwrap()).unwrap();
    let version = lock["packages"]["node_modules/maplibre-gl"]["version"].as_str().unwrap();
    let installed: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pinned.join("package.json")).unwrap()).unwrap();
    assert_eq!(installed["version"], version);
    let vendored = root().join("web/vendor/maplibre-gl");
    assert_eq!(std::fs::read_to_string(vendored.join("VERSION")).unwrap().trim(), version);
    for (from, to) in [
        ("dist/maplibre-gl.mjs", "maplibre-gl.mjs"),
        ("dist/maplibre-gl-worker.mjs", "maplibre-gl-worker.mjs"),
        ("dist/maplibre-gl.css", "maplibre-gl.css"),
        ("LICENSE.txt", "LICENSE.txt"),
    ] {
        assert!(
            std::fs::read(pinned.join(from)).unwrap() == std::fs::read(vendored.join(to)).unwrap(),
            "web/vendor/maplibre-gl/{to} differs from maplibre-gl {version}: run scripts/web-vendor.sh"
        );
    }
}

/// The end-to-end run: `node web/tests/e2e.mjs` starts its own servers (it stops one to see the page say
/// so), drives Chromium, and writes the README's screenshots into docs/.
#[test]
fn end_to_end_in_headless_chromium() {
    let script = root().join("web/tests/e2e.mjs");
    let node = Command::new("node").arg("--version").output();
    assert!(node.is_ok_and(|o| o.status.success()), "node is not installed: run scripts/web-deps.sh");
    assert!(Path::new("/usr/bin/chromium").exists(), "chromium is not installed: run scripts/web-deps.sh");
    let out = Command::new("node")
        .arg(&script)
        .arg(common::bin())
        .arg(root().join("data/sample"))
        .arg(root().join("docs"))
        .current_dir(root())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(out.status.success(), "the end-to-end run failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("21 checks passed"), "{stdout}");
    assert!(!stdout.contains("not ok"), "{stdout}");
}

/// The typed-coordinate parser of the web map (`web/app/coords.js`) in node: decimal degrees with a dot or a
/// comma, degrees-minutes-seconds (N/E and B/Đ), VN-2000 X/Y, national parcel codes.
#[test]
fn typed_coordinates_parse_in_every_form() {
    let out = Command::new("node").arg(root().join("web/tests/coords.test.mjs")).current_dir(root()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("ok - 36 coordinate forms"), "{stdout}");
}
