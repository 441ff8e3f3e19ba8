//! Property-based fuzzing (proptest) of what thuadat reads from outside: the native GeoJSON reader, the CSV
//! readers (`certificates.csv`, `citizens.csv`), `dataset.toml`, a whole dataset through `check`, the HTTP
//! query parameters, and whole requests through the router. Each target gets arbitrary bytes, a soup of its
//! format's own tokens, and mutations of a valid input (a bit flipped, a byte set, bytes inserted or deleted,
//! the input truncated, a piece of it copied elsewhere, a token inserted). Nothing may panic; every input
//! either parses or gives a bad-input error (exit 2 at the CLI) whose message starts with the file; over HTTP,
//! a 4xx JSON answer, never a 5xx.
//!
//! Cases per target: the CI count passed to [`fuzz`] (the whole file runs in about a minute in release), or
//! `PROPTEST_CASES` for every target (`scripts/fuzz.sh`, the long run; docs/FUZZ.md records the runs).
#![allow(clippy::print_stdout, clippy::print_stderr)] // a test may say what it measured
#![allow(clippy::unwrap_used)] // a test fails loudly on its own fixtures

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, Uri};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{TestCaseError, TestRunner};
use tower::ServiceExt;

use thuadat::check;
use thuadat::config::{Columns, DatasetConfig};
use thuadat::dataset::geojson;
use thuadat::dataset::Certificates;
use thuadat::linkage::register::Register;
use thuadat::server::params::Params;
use thuadat::server::{http, AppState, ServerConfig};

/// Runs `test` on `cases` inputs of `strategy` (or `$PROPTEST_CASES`), failing with the smallest input found
/// to fail; says how many cases passed, how long they took, and how many had each outcome (the label `test`
/// returns: parsed or not, the HTTP status).
fn fuzz<S: Strategy>(name: &str, cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<String, TestCaseError>) {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(cases);
    // Failures are kept as named regression tests, not in a persistence file.
    let config = ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() };
    let outcomes = std::sync::Mutex::new(std::collections::BTreeMap::<String, u32>::new());
    let start = Instant::now();
    let result = TestRunner::new(config).run(&strategy, |v| {
        let label = test(v)?;
        *outcomes.lock().unwrap().entry(label).or_default() += 1;
        Ok(())
    });
    match result {
        Ok(()) => eprintln!(
            "fuzz {name}: {cases} cases passed in {:.1} s ({:?})",
            start.elapsed().as_secs_f64(),
            outcomes.lock().unwrap()
        ),
        Err(e) => panic!("fuzz {name}: {e}"),
    }
}

/// One change to an input.
#[derive(Debug, Clone)]
enum Edit {
    Flip(Index, u8),
    Set(Index, u8),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    Truncate(Index),
    /// A copy of `len` bytes from `from`, inserted at `to`.
    Splice {
        from: Index,
        len: usize,
        to: Index,
    },
    Token(Index, &'static [u8]),
    /// The `Index`th digit replaced by another digit or a sign, point or exponent: numbers change, the
    /// syntax mostly holds.
    Digit(Index, u8),
}

fn edit(tokens: &'static [&'static [u8]]) -> impl Strategy<Value = Edit> {
    prop_oneof![
        2 => (any::<Index>(), 0..8u8).prop_map(|(i, bit)| Edit::Flip(i, bit)),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        2 => (any::<Index>(), prop::collection::vec(any::<u8>(), 1..8)).prop_map(|(i, b)| Edit::Insert(i, b)),
        2 => (any::<Index>(), 1..64usize).prop_map(|(i, n)| Edit::Delete(i, n)),
        1 => any::<Index>().prop_map(Edit::Truncate),
        2 => (any::<Index>(), 1..256usize, any::<Index>()).prop_map(|(from, len, to)| Edit::Splice { from, len, to }),
        2 => (any::<Index>(), prop::sample::select(tokens)).prop_map(|(i, t)| Edit::Token(i, t)),
        3 => (any::<Index>(), any::<u8>()).prop_map(|(i, d)| Edit::Digit(i, d)),
    ]
}

fn apply(mut v: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        // A position between bytes, 0..=len.
        let gap = |i: &Index, v: &Vec<u8>| i.index(v.len() + 1);
        match e {
            Edit::Flip(i, bit) if !v.is_empty() => {
                let k = i.index(v.len());
                v[k] ^= 1 << bit;
            }
            Edit::Set(i, b) if !v.is_empty() => {
                let k = i.index(v.len());
                v[k] = *b;
            }
            Edit::Insert(i, b) => {
                let k = gap(i, &v);
                v.splice(k..k, b.iter().copied());
            }
            Edit::Delete(i, n) => {
                let k = gap(i, &v);
                let end = (k + n).min(v.len());
                v.drain(k..end);
            }
            Edit::Truncate(i) => {
                let k = gap(i, &v);
                v.truncate(k);
            }
            Edit::Splice { from, len, to } if !v.is_empty() => {
                let s = from.index(v.len());
                let piece = v[s..(s + len).min(v.len())].to_vec();
                let k = gap(to, &v);
                v.splice(k..k, piece);
            }
            Edit::Token(i, t) => {
                let k = gap(i, &v);
                v.splice(k..k, t.iter().copied());
            }
            Edit::Digit(i, d) => {
                let digits: Vec<usize> = (0..v.len()).filter(|&k| v[k].is_ascii_digit()).collect();
                if !digits.is_empty() {
                    v[digits[i.index(digits.len())]] = b"0123456789-.eE+"[usize::from(*d) % 15];
                }
            }
            _ => {}
        }
    }
    v
}

/// Arbitrary bytes, a soup of the format's tokens, or (most often) a valid input with a few edits.
fn inputs(valid: Vec<u8>, tokens: &'static [&'static [u8]]) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..600),
        1 => prop::collection::vec(prop::sample::select(tokens), 0..96).prop_map(|t| t.concat()),
        6 => prop_oneof![prop::collection::vec(edit(tokens), 1..2), prop::collection::vec(edit(tokens), 2..6)]
            .prop_map(move |e| apply(valid.clone(), &e)),
    ]
}

/// Ok, or a bad-input error whose message starts with `file` (a file, or the dataset directory): the label
/// "ok" or "bad input".
fn ok_or_bad_input<T>(r: &thuadat::Result<T>, file: &Path) -> Result<String, TestCaseError> {
    if let Err(e) = r {
        let m = e.to_string();
        prop_assert!(e.is_bad_input(), "not a bad-input error: {m} ({e:?})");
        prop_assert!(m.starts_with(&file.display().to_string()), "the message does not name {}: {m}", file.display());
        return Ok("bad input".into());
    }
    Ok("ok".into())
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn sample(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/sample").join(file)
}

/// The first `lines` lines of a file of the bundled sample.
fn sample_head(file: &str, lines: usize) -> Vec<u8> {
    let text = std::fs::read_to_string(sample(file)).unwrap();
    text.lines().take(lines).map(|l| format!("{l}\n")).collect::<String>().into_bytes()
}

const GEOJSON_TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\"",
    b"\\",
    b"\\\"",
    b"\\u00e9",
    b"\\ud800",
    b"\n",
    b" ",
    b"null",
    b"true",
    b"0",
    b"-1",
    b"1e308",
    b"1e999",
    b"-0.0",
    b"18446744073709551616",
    b"\"type\"",
    b"\"Feature\"",
    b"\"FeatureCollection\"",
    b"\"features\"",
    b"\"geometry\"",
    b"\"properties\"",
    b"\"coordinates\"",
    b"\"Polygon\"",
    b"\"MultiPolygon\"",
    b"\"Point\"",
    b"\"crs\"",
    b"\"name\"",
    b"\"SoTo\"",
    b"[0,0]",
    b"[[[0,0],[1,0],[1,1],[0,0]]]",
    b"\xEF\xBB\xBF",
    b"\xC3",
    b"\xFF",
    b"\0",
];

/// A small FeatureCollection with a bit of everything the reader handles.
const GEOJSON: &str = r#"{"type":"FeatureCollection","name":"a \"}{[\" b",
"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4326"}},
"features":[
{"type":"Feature","properties":{"SoTo":3,"SoThua":"45","DienTich":12.5,"ToDanPho":"Tổ 1","x":[1,{"a":2}]},"geometry":{"type":"Polygon","coordinates":[[[105.1,21.1,9],[105.2,21.1,9],[105.2,21.2,9],[105.1,21.1,9]]]}},
{"type":"Feature","geometry":null,"properties":null},
{"type":"Feature","properties":{"sotO":18446744073709551615,"SoThua":true},"geometry":{"coordinates":[[[[105,21],[105.001,21],[105,21.001],[105,21]]],[[[106,22],[106.1,22],[106,22.1],[106,22]]]],"type":"MultiPolygon"}},
{"type":"Feature","properties":{"DienTich":"1,5","n":"}]\\"},"geometry":{"type":"Point","coordinates":[1,2]}},
{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[]}}
],"bbox":[105,21,106,22]}
"#;

/// The native GeoJSON reader, plain and gzip-compressed (valid gzip of a broken text, and broken gzip):
/// Ok or bad input naming the file; on plain files the same answer whatever the block size.
#[test]
fn geojson_reader() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = tmp.path().join("parcels.geojson");
    let gz = tmp.path().join("parcels.geojson.gz");
    let columns: Vec<Option<String>> = ["SoTo", "SoThua", "", "DienTich", "ToDanPho", "SoTo"]
        .iter()
        .map(|c| (!c.is_empty()).then(|| c.to_string()))
        .collect();
    let strategy = (
        inputs(GEOJSON.as_bytes().to_vec(), GEOJSON_TOKENS),
        0..4u8,
        prop::collection::vec(edit(GEOJSON_TOKENS), 1..4),
        1..80usize,
    );
    fuzz("geojson", 10000, strategy, |(bytes, mode, gz_edits, block)| {
        // 0: plain; 1: gzip of the text; 2: gzip of the text, then broken; 3: the bytes as a .gz file.
        let (path, content) = match mode {
            0 => (&plain, bytes),
            1 => (&gz, gzip(&bytes)),
            2 => (&gz, apply(gzip(&bytes), &gz_edits)),
            _ => (&gz, bytes),
        };
        std::fs::write(path, &content).unwrap();
        let read = |block: Option<usize>| {
            let mut features = Vec::new();
            let mut sink = |f, crs: Option<&str>| {
                features.push((f, crs.map(str::to_owned)));
                Ok(())
            };
            let r = match block {
                None => geojson::read(path, &columns, &mut sink),
                Some(b) => geojson::read_blocks(path, &columns, &mut sink, b),
            };
            r.map(|o| (features, o.crs, o.crs_after_features, o.features, o.seen))
        };
        let whole = read(None);
        let label = ok_or_bad_input(&whole, path)?;
        if mode < 2 {
            let small = read(Some(block));
            match (&whole, &small) {
                (Ok(w), Ok(s)) => prop_assert_eq!(w, s, "block {}", block),
                (Err(w), Err(s)) => prop_assert_eq!(w.to_string(), s.to_string(), "block {}", block),
                _ => return Err(TestCaseError::fail(format!("block {block}: {whole:?} vs {small:?}"))),
            }
        }
        Ok(label)
    });
}

const CSV_TOKENS: &[&[u8]] = &[
    b",",
    b"\"",
    b"\"\"",
    b"\n",
    b"\r\n",
    b"\r",
    b" ",
    b"\t",
    b";",
    b"\xEF\xBB\xBF",
    b"\xC3",
    b"\xE1\xBB",
    b"\xFF",
    b"\0",
    b"-",
    b"0",
    b"1e999",
    b"-1",
    b"1,5",
    b"\"1,234.5\"",
    b"99999999999999999999",
    b"2012-05-04",
    b"2012-13-45",
    b"0000",
    b"NaN",
    b"inf",
    b"cert_id",
    b"sheet",
    b"parcel_no",
    b"area",
    b"issued",
    b"holder_birth",
    b"citizen_id",
    b"full_name",
    b"birth_date",
    b"gender",
    b"Nam",
    b"N\xE1\xBB\xAF",
    b"M",
    b"x",
];

/// `certificates.csv` through `Certificates::read`.
#[test]
fn certificates_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("certificates.csv");
    let columns = Columns::default();
    fuzz("certificates.csv", 5000, inputs(sample_head("certificates.csv", 25), CSV_TOKENS), |bytes| {
        std::fs::write(&path, &bytes).unwrap();
        let r = Certificates::read(&path, &columns);
        if let Ok(c) = &r {
            prop_assert!(c.holders.len() <= bytes.len());
        }
        ok_or_bad_input(&r, &path)
    });
}

/// `citizens.csv` through `Register::read`.
#[test]
fn citizens_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("citizens.csv");
    let columns = Columns::default();
    fuzz("citizens.csv", 5000, inputs(sample_head("citizens.csv", 25), CSV_TOKENS), |bytes| {
        std::fs::write(&path, &bytes).unwrap();
        let r = Register::read(&path, &columns);
        if let Ok(reg) = &r {
            prop_assert!(reg.len() <= bytes.len());
        }
        ok_or_bad_input(&r, &path)
    });
}

const TOML_TOKENS: &[&[u8]] = &[
    b"[",
    b"]",
    b"[[",
    b"]]",
    b"=",
    b"\"",
    b"'",
    b"\"\"\"",
    b"'''",
    b"\\",
    b"\\u00e9",
    b"\\uD800",
    b"\\U0010FFFF",
    b"\n",
    b"\r\n",
    b" ",
    b"#",
    b".",
    b"{",
    b"}",
    b",",
    b"-",
    b"+",
    b"0",
    b"1e400",
    b"-0.5",
    b"nan",
    b"inf",
    b"-inf",
    b"0x10",
    b"1_000",
    b"true",
    b"1979-05-27T07:32:00Z",
    b"name",
    b"crs",
    b"tolerances",
    b"columns",
    b"parcels",
    b"certificates",
    b"citizens",
    b"groups",
    b"sheet",
    b"overlap_min_area_m2",
    b"\"EPSG:4326\"",
    b"\"VN2000:1e308\"",
    b"\xC3",
    b"\xFF",
    b"\0",
];

fn config_text() -> Vec<u8> {
    let mut t = std::fs::read(sample("dataset.toml")).unwrap();
    t.extend_from_slice(
        "[columns.certificates]\nholder_name = \"HoTen\"\n[columns.citizens]\nfull_name = \"Họ tên\"\n\
         [columns.groups]\ngroup = \"ToDanPho\"\n"
            .as_bytes(),
    );
    t
}

/// `dataset.toml` through `DatasetConfig::parse` (text) and `DatasetConfig::load` (bytes from a file).
#[test]
fn dataset_toml() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("dataset.toml");
    fuzz("dataset.toml", 6000, inputs(config_text(), TOML_TOKENS), |bytes| {
        let text = String::from_utf8_lossy(&bytes);
        let parsed = ok_or_bad_input(&DatasetConfig::parse(&text, &path), &path)?;
        std::fs::write(&path, &bytes).unwrap();
        let loaded = ok_or_bad_input(&DatasetConfig::load(&path), &path)?;
        Ok(format!("{parsed}, {loaded}"))
    });
}

/// Group boundaries for the small commune of tests/common (VN-2000 TM-3 105, around its origin).
const GROUPS: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"group":"To 1"},"geometry":{"type":"Polygon","coordinates":[[[584999,2325999],[585020,2325999],[585020,2326021],[584999,2326021],[584999,2325999]]]}},
{"type":"Feature","properties":{"group":"To 2"},"geometry":{"type":"Polygon","coordinates":[[[585020,2325999],[585100,2325999],[585100,2326070],[585020,2326070],[585020,2325999]]]}}
]}
"#;

const CITIZENS: &str = "citizen_id,full_name,birth_date,gender,address
001085001234,Nguyễn Văn An,1985-03-02,Nam,Tổ 1
001185004321,Trần Thị Bình,1986,Nữ,Tổ 1
001050000001,Vũ Văn Giang,1950,Nam,Tổ 2
";

/// A whole dataset (the small commune of tests/common with group boundaries and a register) through
/// `check::run`, one file broken at a time: reading, projection, validation, measuring and every rule.
#[test]
fn whole_dataset() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    common::write_small_commune(&base);
    std::fs::write(base.join("groups.geojson"), GROUPS).unwrap();
    std::fs::write(base.join("citizens.csv"), CITIZENS).unwrap();
    let files = ["parcels.geojson", "certificates.csv", "dataset.toml", "groups.geojson", "citizens.csv"];
    let originals: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(base.join(f)).unwrap()).collect();
    assert!(check::run(&mut check::Directory::new(&base), &check::Options::default()).is_ok());
    let dir = tmp.path().join("commune");
    std::fs::create_dir(&dir).unwrap();
    let tokens = [GEOJSON_TOKENS, CSV_TOKENS, TOML_TOKENS, GEOJSON_TOKENS, CSV_TOKENS];
    let strategy = (0..files.len()).prop_flat_map(move |k| {
        let broken = prop::collection::vec(edit(tokens[k]), 1..5);
        (Just(k), broken, prop::collection::vec(any::<u8>(), 0..300), 0..8u8)
    });
    fuzz("dataset", 1500, strategy, |(k, edits, noise, how)| {
        for (f, o) in files.iter().zip(&originals) {
            std::fs::write(dir.join(f), o).unwrap();
        }
        // Mostly an edited file; sometimes noise instead of it.
        let content = if how == 0 { noise } else { apply(originals[k].clone(), &edits) };
        std::fs::write(dir.join(files[k]), content).unwrap();
        let r = check::run(&mut check::Directory::new(&dir), &check::Options::default());
        Ok(format!("{}: {}", files[k], ok_or_bad_input(&r, &dir)?))
    });
}

const QUERY_TOKENS: &[&[u8]] = &[
    b"&",
    b"=",
    b"%",
    b"%2",
    b"%FF",
    b"%00",
    b"%E1%BB%85",
    b"+",
    b",",
    b".",
    b"-",
    b"e",
    b"0",
    b"1e308",
    b"1e999",
    b"NaN",
    b"inf",
    b"-inf",
    b"18446744073709551616",
    b"bbox",
    b"limit",
    b"offset",
    b"lon",
    b"lat",
    b"accuracy",
    b"group",
    b"status",
    b"kind",
    b"f",
    b"\xC3",
    b"\xFF",
    b" ",
];

const NAMES: [&str; 8] = ["bbox", "limit", "offset", "lon", "lat", "accuracy", "group", "x"];

/// `Params`: every accessor on any query string answers a value or a 400 naming the parameter.
#[test]
fn query_params() {
    let valid = b"bbox=105.7,20.9,105.8,21.1&limit=10&offset=20&lon=105.75&lat=21.0&accuracy=5&group=T%E1%BB%95+1";
    fuzz("query", 50000, inputs(valid.to_vec(), QUERY_TOKENS), |bytes| {
        let q = String::from_utf8_lossy(&bytes);
        let p = Params::parse(Some(&q));
        let bad = |e: &thuadat::server::error::ApiError, name: &str| -> Result<(), TestCaseError> {
            prop_assert_eq!(e.status, StatusCode::BAD_REQUEST);
            prop_assert!(e.reason.contains(name), "{}", e.reason);
            Ok(())
        };
        for name in NAMES {
            match p.number(name) {
                Ok(x) => prop_assert!(x.is_none_or(f64::is_finite)),
                Err(e) => bad(&e, name)?,
            }
            for max in [0, 100, usize::MAX] {
                match p.count(name, max) {
                    Ok(n) => prop_assert!(n.is_none_or(|n| n <= max)),
                    Err(e) => bad(&e, name)?,
                }
            }
            match p.required_in(name, -90.0..=90.0) {
                Ok(x) => prop_assert!((-90.0..=90.0).contains(&x)),
                Err(e) => bad(&e, name)?,
            }
        }
        match p.bbox() {
            Ok(Some(r)) => prop_assert!(r.min().x <= r.max().x && r.min().y <= r.max().y),
            Ok(None) => prop_assert!(p.get("bbox").is_none()),
            Err(e) => bad(&e, "bbox")?,
        }
        let present: Vec<&str> = NAMES.into_iter().filter(|n| p.get(n).is_some()).collect();
        Ok(match (present.len(), present.iter().filter(|n| p.number(n).is_ok()).count()) {
            (0, _) => "no known parameter",
            (n, k) if n == k => "every known parameter a number",
            _ => "some not a number",
        }
        .into())
    });
}

const SEGMENTS: &[&str] = &[
    "",
    "collections",
    "parcels",
    "conflicts",
    "items",
    "groups",
    "tiles",
    "tiles.json",
    "lookup",
    "conflicts.csv",
    "health",
    "api",
    "conformance",
    "app",
    "app.js",
    "index.html",
    "vendor",
    "maplibre-gl",
    "maplibre-gl.css",
    "0",
    "1",
    "14",
    "24",
    "25",
    "13005",
    "7244.mvt",
    "0.mvt",
    "1.pbf",
    "-1",
    "4294967296",
    "99999999999999999999",
    "00118-1-1",
    "00118-3-531",
    "history",
    "%FF",
    "%00",
    "%2F",
    "..",
    ".",
    "%E1%BB%85",
    "%",
    "x",
];
const KEYS: &[&str] = &["bbox", "limit", "offset", "group", "status", "kind", "lon", "lat", "accuracy", "f", "x", ""];
const VALUES: &[&str] = &[
    "",
    "0",
    "1",
    "2",
    "3",
    "-1",
    "10",
    "10000",
    "10001",
    "1e308",
    "1e999",
    "NaN",
    "inf",
    "-0",
    "0x10",
    "105.77",
    "21.0",
    "105.7,20.9,105.8,21.1",
    "105,20,106,21",
    "106,20,105,21",
    "-180,-90,180,90",
    "1,2,3",
    "a,b,c,d",
    "T%E1%BB%95+d%C3%A2n+ph%E1%BB%91+1",
    "%FF",
    "%",
    "+",
    "json",
    "html",
    "overlap",
    "area_mismatch",
    "open",
    "99999999999999999999999",
];

/// Bytes as a URI path and query: bytes a URI cannot hold are percent-encoded, `%` is kept (so broken
/// escapes get through).
fn uri_text(bytes: &[u8]) -> String {
    let mut s = String::new();
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"/?&=%.,-_+~:@!$'()*;".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    if !s.starts_with('/') {
        s.insert(0, '/');
    }
    s
}

/// The routes, with `{}` for a path segment.
const TEMPLATES: &[&str] = &[
    "/collections/{}",
    "/collections/{}/items",
    "/collections/parcels/items/{}",
    "/collections/conflicts/items/{}",
    "/collections/{}/items/{}",
    "/tiles/{}/{}/{}",
    "/tiles/14/{}/{}",
    "/conflicts/{}",
    "/conflicts/{}/history",
    "/app/{}",
    "/vendor/maplibre-gl/{}",
    "/{}",
];

/// Requests the sample answers with 200.
const VALID_URIS: &[&str] = &[
    "/collections/parcels/items?bbox=105.7,20.9,105.8,21.1&limit=5&offset=10",
    "/collections/conflicts/items?kind=overlap&group=T%E1%BB%95+d%C3%A2n+ph%E1%BB%91+1&limit=3",
    "/collections/parcels/items/00118-1-1",
    "/tiles/14/13005/7244.mvt?group=T%E1%BB%95+d%C3%A2n+ph%E1%BB%91+2",
    "/lookup?lon=105.74&lat=20.95&accuracy=10",
    "/conflicts.csv?group=T%E1%BB%95+d%C3%A2n+ph%E1%BB%91+1",
    "/tiles.json",
    "/app/app.js",
];

fn request_uri() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        4 => prop::sample::select(SEGMENTS).prop_map(str::to_string),
        1 => prop::collection::vec(any::<u8>(), 0..12).prop_map(|b| uri_text(&b).split_off(1).replace('/', "%2F")),
    ];
    let path = prop::collection::vec(word, 0..6).prop_map(|w| format!("/{}", w.join("/")));
    let pair = (prop::sample::select(KEYS), prop::sample::select(VALUES)).prop_map(|(k, v)| format!("{k}={v}"));
    let query = prop::collection::vec(pair, 0..5).prop_map(|p| p.join("&"));
    let templated = (prop::sample::select(TEMPLATES), prop::collection::vec(prop::sample::select(SEGMENTS), 3))
        .prop_map(|(t, w)| t.replacen("{}", w[0], 1).replacen("{}", w[1], 1).replacen("{}", w[2], 1));
    let path = prop_oneof![1 => path, 2 => templated];
    let built = (path, prop::option::of(query)).prop_map(|(p, q)| match q {
        Some(q) => format!("{p}?{q}"),
        None => p,
    });
    let mutated = (prop::sample::select(VALID_URIS), prop::collection::vec(edit(QUERY_TOKENS), 1..5))
        .prop_map(|(uri, e)| uri_text(&apply(uri.as_bytes().to_vec(), &e)));
    prop_oneof![1 => built, 1 => mutated]
}

/// The server's state on the bundled sample, loaded once for the whole file.
fn sample_state() -> Arc<AppState> {
    static STATE: std::sync::OnceLock<Arc<AppState>> = std::sync::OnceLock::new();
    STATE
        .get_or_init(|| {
            let config = ServerConfig::new(sample(""), "127.0.0.1:0".parse().unwrap());
            Arc::new(AppState::new(config.clone(), thuadat::server::load(&config).unwrap()))
        })
        .clone()
}

/// Status, content type and body of one request to the router on the sample.
fn answer(method: Method, uri: &str, body: Vec<u8>) -> (StatusCode, String, Vec<u8>) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let req = Request::builder().method(method).uri(uri).body(Body::from(body)).unwrap();
    rt.block_on(async {
        let resp = http::router(sample_state()).oneshot(req).await.unwrap();
        let status = resp.status();
        let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        (status, ct, axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap().to_vec())
    })
}

/// Found by `http_requests`: `/conflicts/%FF` was answered by axum's own plain-text 400.
#[test]
fn a_review_path_that_is_not_utf8_is_a_json_400() {
    for (method, uri) in
        [(Method::GET, "/conflicts/%FF"), (Method::GET, "/conflicts/%FF/history"), (Method::PATCH, "/conflicts/%C3")]
    {
        let (status, ct, body) = answer(method, uri, b"{}".to_vec());
        assert_eq!((status, ct.as_str()), (StatusCode::BAD_REQUEST, "application/json"), "{uri}");
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["status"], 400);
        let reason = v["reason"].as_str().unwrap();
        assert!(reason.starts_with("bad path: ") && reason.contains("UTF-8"), "{reason}");
    }
}

/// Whole requests through `http::router` on the bundled sample (loaded once): any method, path, query and
/// caching headers give a JSON 4xx or an answer, never a 5xx (a panic would be caught and answered 500).
#[test]
fn http_requests() {
    let state = sample_state();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let method = prop::sample::select(vec![
        Method::GET,
        Method::GET,
        Method::GET,
        Method::GET,
        Method::HEAD,
        Method::PATCH,
        Method::POST,
        Method::OPTIONS,
    ]);
    let header = prop::option::of(prop::sample::select(vec![
        ("if-none-match", "*"),
        ("if-none-match", "W/\"0000000000000000\", \"x\""),
        ("accept", "text/html"),
        ("accept", "application/json;q=0.9, */*"),
        ("host", "example.org:8080"),
        ("host", "[::1"),
        ("host", ""),
    ]));
    let body = prop::collection::vec(any::<u8>(), 0..64);
    fuzz("http", 10000, (method, request_uri(), header, body), |(method, uri, header, body)| {
        let Ok(uri) = Uri::try_from(uri.as_str()) else {
            // Not a URI: hyper refuses it before the router sees it.
            return Ok("not a URI".into());
        };
        let mut req = Request::builder().method(method.clone()).uri(uri.clone());
        if let Some((name, value)) = header {
            req = req.header(name, value);
        }
        let req = req.body(Body::from(body)).unwrap();
        let (status, content_type, bytes) = rt.block_on(async {
            let resp = http::router(state.clone()).oneshot(req).await.unwrap();
            let status = resp.status();
            let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            (status, ct, axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap())
        });
        prop_assert!(
            [200, 304, 400, 404, 405].contains(&status.as_u16()),
            "{method} {uri}: {status} {}",
            String::from_utf8_lossy(&bytes)
        );
        if status.is_client_error() && method != Method::HEAD {
            let v: serde_json::Value =
                serde_json::from_slice(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(v["status"].as_u64(), Some(u64::from(status.as_u16())), "{} {}", method, uri);
            prop_assert!(v["reason"].as_str().is_some_and(|r| !r.is_empty()), "{} {}: {}", method, uri, v);
        }
        if status == StatusCode::OK && method == Method::GET && content_type.contains("json") {
            prop_assert!(serde_json::from_slice::<serde_json::Value>(&bytes).is_ok(), "{} {}", method, uri);
        }
        Ok(status.as_u16().to_string())
    });
}
