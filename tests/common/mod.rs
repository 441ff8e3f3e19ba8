//! A small hand-made commune with one of every defect, and helpers to run the binary.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_thuadat"))
}

pub fn run(args: &[&str]) -> Output {
    Command::new(bin()).args(args).output().expect("the thuadat binary runs")
}

/// Runs the binary with `input` on its standard input; panics unless it succeeds.
pub fn run_with_stdin(args: &[&str], input: &str) -> Output {
    let out = run_with_stdin_status(args, input);
    assert!(out.status.success(), "thuadat {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// Runs the binary with `input` on its standard input.
pub fn run_with_stdin_status(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(bin())
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the thuadat binary runs");
    child.stdin.take().expect("stdin").write_all(format!("{input}\n").as_bytes()).expect("writing stdin");
    child.wait_with_output().expect("the thuadat binary runs")
}

/// `thuadat serve` on a free port, stopped when dropped.
pub struct Server {
    pub child: Child,
    /// `host:port` the server printed on start.
    pub addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `thuadat serve <dataset>` on a free port and waits until it says where it listens.
pub fn serve(dataset: &Path) -> Server {
    serve_with(&[dataset.to_str().unwrap()]).0
}

/// Starts `thuadat serve` with `args` on a free port: the server and the first line it prints (where it
/// listens).
pub fn serve_with(args: &[&str]) -> (Server, String) {
    let mut child = Command::new(bin())
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.split("http://").nth(1).unwrap_or_else(|| panic!("{line}")).split('/').next().unwrap().to_string();
    (Server { child, addr }, line)
}

/// The test data carried in the repository (`tests/fixtures`; its README names each file's source).
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Easting/northing of the commune's origin (VN-2000 TM-3 105, Hanoi).
const X0: f64 = 585_000.0;
const Y0: f64 = 2_326_000.0;

fn rect(x: f64, y: f64, w: f64, h: f64) -> String {
    let (x, y) = (X0 + x, Y0 + y);
    format!("[[[{x},{y}],[{},{y}],[{},{}],[{x},{}],[{x},{y}]]]", x + w, x + w, y + h, y + h)
}

fn feature(sheet: i64, no: i64, group: &str, geometry: &str) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{"MaXa":"00118","SoTo":{sheet},"SoThua":{no},"MDSD":"ODT","DienTich":100.0,"ToDanPho":"{group}"}},"geometry":{geometry}}}"#
    )
}

fn polygon(coords: &str) -> String {
    format!(r#"{{"type":"Polygon","coordinates":{coords}}}"#)
}

/// Writes the small commune into `dir` (created). Parcels are 5 m x 20 m strips (100 m2 on the map, 100.02 on
/// the ground) numbered 1.. along sheet 1, in two groups.
///
/// | parcel | defect |
/// |---|---|
/// | 1, 2, 3 | none (one certificate each) |
/// | 4 | split: certificates 4a and 4b |
/// | 5 | duplicate_certificate: two whole-plot certificates |
/// | 6 | area_mismatch: certificate says 130 m2 |
/// | 7 | parcel_without_certificate |
/// | 8, 9 | overlap: 9 reaches 1 m into 8 (20 m2) |
/// | 10 | invalid_geometry: a bow-tie |
/// | 11 | invalid_geometry: missing geometry |
/// | 12 + 12 | duplicate_parcel_number (second one away from the strip), both with no certificate except the first |
/// | 17 | its certificate was typed as 71: unmatched_certificate, 17 parcel_without_certificate |
pub fn write_small_commune(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let mut f = Vec::new();
    for no in 1..=7 {
        let group = if no <= 4 { "To 1" } else { "To 2" };
        f.push(feature(1, no, group, &polygon(&rect(5.0 * (no - 1) as f64, 0.0, 5.0, 20.0))));
    }
    f.push(feature(1, 8, "To 2", &polygon(&rect(35.0, 0.0, 5.0, 20.0))));
    f.push(feature(1, 9, "To 2", &polygon(&rect(39.0, 0.0, 6.0, 20.0))));
    // A bow-tie: the ring crosses itself.
    let (x, y) = (X0 + 50.0, Y0);
    f.push(feature(
        1,
        10,
        "To 2",
        &polygon(&format!("[[[{x},{y}],[{},{}],[{},{y}],[{x},{}],[{x},{y}]]]", x + 5.0, y + 20.0, x + 5.0, y + 20.0)),
    ));
    f.push(feature(1, 11, "To 2", "null"));
    f.push(feature(1, 12, "To 2", &polygon(&rect(60.0, 0.0, 5.0, 20.0))));
    f.push(feature(1, 12, "To 2", &polygon(&rect(60.0, 40.0, 5.0, 20.0))));
    f.push(feature(1, 17, "To 2", &polygon(&rect(70.0, 0.0, 5.0, 20.0))));
    let geojson = format!("{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}\n", f.join(",\n"));
    std::fs::write(dir.join("parcels.geojson"), geojson).unwrap();
    std::fs::write(
        dir.join("dataset.toml"),
        r#"name = "Small commune"
crs = "VN2000:105.0"
[columns.parcels]
commune = "MaXa"
sheet = "SoTo"
parcel_no = "SoThua"
land_use = "MDSD"
area = "DienTich"
group = "ToDanPho"
"#,
    )
    .unwrap();
    let certs = "\
cert_id,serial,commune,sheet,parcel_no,area,land_use,issued,holder_name,holder_id,holder_birth,address
C1,AA 00000001,00118,1,1,100.0,ODT,2012-05-04,Nguyễn Văn An,001085001234,1985,Tổ 1
C1,AA 00000001,00118,1,1,100.0,ODT,2012-05-04,Trần Thị Bình,001185004321,1986,Tổ 1
C2,AA 00000002,00118,1,2,99.5,ODT,2013,Lê Văn Cường,,1970,Tổ 1
C3,AA 00000003,00118,1,3,\"100,4\",ODT,2014,Phạm Thị Dung,012345678,1968,Tổ 1
C4A,AB 00000004,00118,1,4a,50.0,ODT,2015,Hoàng Văn Em,,1960,Tổ 1
C4B,AB 00000005,00118,1,4b,50.0,ODT,2015,Hoàng Văn Phú,,1962,Tổ 1
C5,AC 00000006,00118,1,5,100.0,ODT,1998,Vũ Văn Giang,,1950,Tổ 2
C5N,AC 00000007,00118,1,5,100.0,ODT,2012,Vũ Văn Giang,001050000001,1950,Tổ 2
C6,AD 00000008,00118,1,6,130.0,ODT,2010,Đặng Văn Hải,,1975,Tổ 2
C8,AD 00000009,00118,1,8,100.0,ODT,2010,Bùi Văn Khoa,,1975,Tổ 2
C9,AD 00000010,00118,1,9,120.0,ODT,2010,Đỗ Văn Long,,1975,Tổ 2
C10,AD 00000011,00118,1,10,100.0,ODT,2010,Hồ Văn Minh,,1975,Tổ 2
C11,AD 00000012,00118,1,11,100.0,ODT,2010,Ngô Văn Nam,,1975,Tổ 2
C12,AD 00000013,00118,1,12,100.0,ODT,2010,Dương Văn Oanh,,1975,Tổ 2
C17,AD 00000014,00118,1,71,100.0,ODT,2010,Lý Văn Phong,,1975,Tổ 2
";
    std::fs::write(dir.join("certificates.csv"), certs).unwrap();
}

/// The small commune with formulas planted in its free text: a group name, certificate ids, a holder name
///.
pub fn write_formula_commune(dir: &Path) {
    write_small_commune(dir);
    let parcels = std::fs::read_to_string(dir.join("parcels.geojson")).unwrap();
    std::fs::write(dir.join("parcels.geojson"), parcels.replace("\"To 2\"", "\"=cmd|' /C calc'!A0\"")).unwrap();
    let certs = std::fs::read_to_string(dir.join("certificates.csv")).unwrap();
    let certs = certs
        .replace("\nC6,", "\n-2+3,")
        .replace("\nC9,", "\n-9,")
        .replace("\nC5N,", "\n@C5N,")
        .replace("Bùi Văn Khoa", "=2*3");
    std::fs::write(dir.join("certificates.csv"), certs).unwrap();
}

/// Every cell of a CSV, and each `;`-part of it, that a spreadsheet would take for a formula.
pub fn formula_cells(csv_bytes: &[u8]) -> Vec<String> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(csv_bytes);
    let mut bad = Vec::new();
    for rec in r.records() {
        for cell in rec.unwrap().iter() {
            for part in cell.split(';') {
                let number = part.parse::<f64>().is_ok_and(f64::is_finite) && !part.contains(char::is_alphabetic);
                if part.starts_with(['=', '+', '-', '@', '\t', '\r']) && !number {
                    bad.push(cell.to_string());
                }
            }
        }
    }
    bad
}

/// The contract's map and certificate kinds (all but the holder_* ones), in the report's order.
pub const KINDS: [&str; 10] = [
    "overlap",
    "invalid_geometry",
    "duplicate_parcel_number",
    "unmapped_split",
    "duplicate_certificate",
    "unmatched_certificate",
    "parcel_without_certificate",
    "area_mismatch",
    "gap",
    "parcel_code",
];

/// The conflicts the small commune must give: (kind, parcel ids, cert ids).
pub fn small_commune_conflicts() -> Vec<(String, Vec<String>, Vec<String>)> {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let mut v = vec![
        ("overlap", s(&["00118-1-8", "00118-1-9"]), s(&[])),
        ("invalid_geometry", s(&["00118-1-10"]), s(&[])),
        ("invalid_geometry", s(&["00118-1-11"]), s(&[])),
        ("duplicate_parcel_number", s(&["00118-1-12", "00118-1-12_2"]), s(&[])),
        ("unmapped_split", s(&["00118-1-4"]), s(&["C4A", "C4B"])),
        ("duplicate_certificate", s(&["00118-1-5"]), s(&["C5", "C5N"])),
        ("unmatched_certificate", s(&[]), s(&["C17"])),
        ("parcel_without_certificate", s(&["00118-1-12_2"]), s(&[])),
        ("parcel_without_certificate", s(&["00118-1-17"]), s(&[])),
        ("parcel_without_certificate", s(&["00118-1-7"]), s(&[])),
        ("area_mismatch", s(&["00118-1-6"]), s(&["C6"])),
    ];
    let order = |k: &str| KINDS.iter().position(|x| *x == k).unwrap();
    v.sort_by(|a, b| (order(a.0), &a.1, &a.2).cmp(&(order(b.0), &b.1, &b.2)));
    v.into_iter().map(|(k, p, c)| (k.to_string(), p, c)).collect()
}

/// Reads a report's conflicts as (kind, parcel ids, cert ids), in file order.
pub fn report_conflicts(report: &Path) -> Vec<(String, Vec<String>, Vec<String>)> {
    let text = std::fs::read_to_string(report.join("conflicts.geojson")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let strings = |x: &serde_json::Value| -> Vec<String> {
        x.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
    };
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = &f["properties"];
            (p["kind"].as_str().unwrap().to_string(), strings(&p["parcel_ids"]), strings(&p["cert_ids"]))
        })
        .collect()
}

/// parcels.csv as (parcel_id, group, status, reasons).
pub fn report_parcels(report: &Path) -> Vec<(String, String, String, String)> {
    let mut r = csv::Reader::from_path(report.join("parcels.csv")).unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[0].to_string(), rec[1].to_string(), rec[2].to_string(), rec[3].to_string())
        })
        .collect()
}

/// A throwaway database with PostGIS for one test, copied from the database of `$DATABASE_URL` (which
/// `scripts/with-postgis.sh` creates with PostGIS) and dropped when the value is dropped. Without
/// `DATABASE_URL` the test fails: a PostGIS test that passes without a database would be a lie.
pub struct TestDb {
    /// The URL of the fresh database.
    pub url: String,
    /// The URL of the maintenance database `postgres` on the same server.
    pub admin: String,
    pub name: String,
}

/// `$DATABASE_URL`, or a failed test saying how to get one.
pub fn database_url() -> String {
    match std::env::var("DATABASE_URL") {
        Ok(u) if !u.trim().is_empty() => u,
        _ => panic!(
            "DATABASE_URL is not set: the PostGIS tests need a real PostgreSQL + PostGIS server; run them with \
             `scripts/with-postgis.sh cargo test --release --test store` (or scripts/test.sh)"
        ),
    }
}

/// The same server's URL with another database.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let head = base.rsplit_once('/').map_or(base, |(h, _)| h);
    format!("{head}/{db}{query}")
}

/// Runs SQL statements on `url` (one connection), returning the rows of the last as text columns.
pub fn sql(url: &str, statements: &[&str]) -> Vec<Vec<Option<String>>> {
    use sqlx::{Connection, Row};
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap_or_else(|e| panic!("connect {url}: {e}"));
        let mut last = Vec::new();
        for s in statements {
            let rows = sqlx::query(s).fetch_all(&mut conn).await.unwrap_or_else(|e| panic!("{s}: {e}"));
            last = rows
                .iter()
                .map(|r| (0..r.len()).map(|i| r.try_get::<Option<String>, _>(i).unwrap()).collect())
                .collect();
        }
        last
    })
}

/// One text value of a query.
pub fn sql_value(url: &str, query: &str) -> String {
    let rows = sql(url, &[query]);
    rows.first().and_then(|r| r.first().cloned().flatten()).unwrap_or_default()
}

static DB_COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl TestDb {
    /// A fresh database with PostGIS (from the template); `tag` names it in `pg_database`.
    pub fn new(tag: &str) -> TestDb {
        Self::create(tag, true)
    }

    /// A fresh database from `template0`, without PostGIS.
    pub fn without_postgis(tag: &str) -> TestDb {
        Self::create(tag, false)
    }

    fn create(tag: &str, postgis: bool) -> TestDb {
        let url = database_url();
        let template = url.split('?').next().unwrap().rsplit('/').next().unwrap().to_string();
        let admin = with_database(&url, "postgres");
        let n = DB_COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let name = format!("t_{tag}_{}_{n}", std::process::id());
        let from = if postgis { template } else { "template0".to_string() };
        // Several tests copy the template at once: PostgreSQL refuses while another copy runs; retry.
        let mut tries = 0;
        loop {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let r = rt.block_on(async {
                use sqlx::Connection;
                let mut c = sqlx::PgConnection::connect(&admin).await?;
                sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {from}")).execute(&mut c).await.map(|_| ())
            });
            match r {
                Ok(()) => break,
                Err(e) if tries < 50 && e.to_string().contains("being accessed by other users") => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(e) => panic!("CREATE DATABASE {name}: {e}"),
            }
        }
        TestDb { url: with_database(&url, &name), admin, name }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let stmt = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let _ = rt.block_on(async {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&self.admin).await?;
            sqlx::query(&stmt).execute(&mut c).await.map(|_| ())
        });
    }
}

/// Adds a user with a known password.
pub fn add(db: &TestDb, login: &str, role: &str, scope: &[&str]) {
    let mut args = vec!["user", "add", login, "--role", role, "--db", &db.url, "--password-stdin"];
    args.extend_from_slice(scope);
    run_with_stdin(&args, &password_of(login));
}

pub fn password_of(login: &str) -> String {
    format!("{login}-mat-khau-dai")
}

/// One HTTP/1.1 request as `login` (None: no credentials; the password is [`password_of`] unless given):
/// the status, the head and the body.
pub fn http(addr: &str, method: &str, target: &str, body: &str, login: Option<(&str, &str)>) -> (u16, String, String) {
    http_with(addr, method, target, body, login, "")
}

/// [`http`] with `extra` header lines (each ending in `\r\n`).
pub fn http_with(
    addr: &str,
    method: &str,
    target: &str,
    body: &str,
    login: Option<(&str, &str)>,
    extra: &str,
) -> (u16, String, String) {
    use base64::Engine;
    use std::io::{Read, Write};
    let auth = login.map_or(String::new(), |(l, p)| {
        format!("Authorization: Basic {}\r\n", base64::engine::general_purpose::STANDARD.encode(format!("{l}:{p}")))
    });
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\n\
         {auth}{extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    (head[9..12].parse().unwrap(), head.to_string(), body.to_string())
}

pub fn reason(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    v["reason"].as_str().unwrap().to_string()
}
