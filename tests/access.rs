//! Users, roles and logins (issue 16) on the real binary against a real PostgreSQL + PostGIS server
//! (`scripts/with-postgis.sh cargo test --release --test access`); without `DATABASE_URL` every test here
//! fails.
// A test fails loudly on its own fixtures.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::Engine;
use common::{run, run_with_stdin, sql, sql_value, TestDb};
use serde_json::Value;

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/sample")
}

fn stderr_of(args: &[&str]) -> (Option<i32>, String) {
    let out = run(args);
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Adds a user with a known password.
fn add(db: &TestDb, login: &str, role: &str, scope: &[&str]) {
    let mut args = vec!["user", "add", login, "--role", role, "--db", &db.url, "--password-stdin"];
    args.extend_from_slice(scope);
    run_with_stdin(&args, &password_of(login));
}

fn password_of(login: &str) -> String {
    format!("{login}-mat-khau-dai")
}

/// One HTTP/1.1 request as `login` (None: no credentials; the password is [`password_of`] unless given):
/// the status, the head and the body.
fn http(addr: &str, method: &str, target: &str, body: &str, login: Option<(&str, &str)>) -> (u16, String, String) {
    use std::io::{Read, Write};
    let auth = login.map_or(String::new(), |(l, p)| {
        format!("Authorization: Basic {}\r\n", base64::engine::general_purpose::STANDARD.encode(format!("{l}:{p}")))
    });
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\n\
         {auth}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    (head[9..12].parse().unwrap(), head.to_string(), body.to_string())
}

fn reason(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    v["reason"].as_str().unwrap().to_string()
}

#[test]
fn users_are_added_listed_and_changed_from_the_command_line_with_clear_errors() {
    let db = TestDb::new("users");
    // A generated password is printed once; the store keeps only its Argon2id hash.
    let out = run(&["user", "add", "admin", "--role", "admin", "--db", &db.url]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let password = stdout.lines().find_map(|l| l.split("it is not kept): ").nth(1)).unwrap();
    assert_eq!(password.len(), 16, "{stdout}");
    let hash = sql_value(&db.url, "SELECT password_hash FROM thuadat.app_user WHERE login = 'admin'");
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$") && !hash.contains(password), "{hash}");

    add(&db, "binh", "field", &["--group", "Thôn Đông", "--group", "Thôn Đoài"]);
    add(&db, "chi", "officer", &["--commune", "00118"]);
    add(&db, "dung", "viewer", &[]);
    let list = String::from_utf8_lossy(&run(&["user", "list", "--db", &db.url]).stdout).into_owned();
    assert_eq!(
        list,
        "login\trole\tgroups\tcommunes\tdisabled\nadmin\tadmin\t\t\tfalse\nbinh\tfield\tThôn Đông;Thôn Đoài\t\tfalse\n\
         chi\tofficer\t\t00118\tfalse\ndung\tviewer\t\t\tfalse\n"
    );
    assert!(!list.contains("argon2"));

    // Bad input: exit 2, a reason naming what is wrong, nothing written.
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["user", "add", "binh", "--role", "viewer"], "user `binh` exists"),
        (vec!["user", "add", "Binh Le", "--role", "viewer"], "`Binh Le` is not a login"),
        (vec!["user", "add", "em", "--role", "boss"], "`boss` is not a role: one of admin, officer, field, viewer"),
        (vec!["user", "add", "em", "--role", "field"], "a field user needs at least one --group"),
        (vec!["user", "add", "em", "--role", "viewer", "--group", "Thôn Đông"], "a viewer sees every group"),
        (vec!["user", "add", "em", "--role", "officer", "--commune", "xa"], "`xa` is not a commune code"),
        (vec!["user", "set-role", "dung", "field"], "a field user needs at least one --group"),
        (vec!["user", "disable", "nobody"], "no user `nobody`"),
    ];
    for (mut args, want) in cases {
        args.extend(["--db", &db.url]);
        let (code, err) = stderr_of(&args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    let out = common::run_with_stdin_status(&["user", "passwd", "binh", "--db", &db.url, "--password-stdin"], "short");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a password needs at least 10 characters"));
    assert_eq!(sql_value(&db.url, "SELECT count(*)::text FROM thuadat.app_user"), "4");

    run_with_stdin(&["user", "set-groups", "binh", "--group", "Thôn Bắc", "--db", &db.url], "");
    run_with_stdin(&["user", "disable", "dung", "--db", &db.url], "");
    assert_eq!(
        sql(&db.url, &["SELECT login, groups::text, disabled::text FROM thuadat.app_user WHERE login IN ('binh', 'dung') ORDER BY 1"]),
        vec![
            vec![Some("binh".into()), Some("{\"Thôn Bắc\"}".into()), Some("false".into())],
            vec![Some("dung".into()), Some("{}".into()), Some("true".into())]
        ]
    );
    // Every change is in the audit log.
    assert_eq!(
        sql_value(&db.url, "SELECT string_agg(action, ',' ORDER BY id) FROM thuadat.audit_log"),
        "user added,user added,user added,user added,scope changed,user disabled"
    );
}

#[test]
fn serve_db_needs_a_login_and_applies_roles_to_reviews() {
    let db = TestDb::new("logins");
    let out = run(&["import", sample().to_str().unwrap(), "--db", &db.url, "--by", "tester"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    add(&db, "an", "officer", &[]);
    add(&db, "dung", "viewer", &[]);
    add(&db, "xa.khac", "officer", &["--commune", "00999"]);
    let (server, _) = common::serve_with(&["--db", &db.url]);
    let a = server.addr.as_str();
    let pw = |l: &str| password_of(l);
    // A conflict of some residential group (from the officer's CSV), a field user of that group and one of
    // another (users are read per request: no restart).
    let (code, _, csv_text) = http(a, "GET", "/conflicts.csv", "", Some(("an", &pw("an"))));
    assert_eq!(code, 200, "{csv_text}");
    let (id, group) = csv::Reader::from_reader(csv_text.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .find(|r| !r[3].is_empty())
        .map(|r| (r[0].to_string(), r[3].to_string()))
        .unwrap();
    add(&db, "binh", "field", &["--group", &group]);
    add(&db, "em", "field", &["--group", "Tổ dân phố khác"]);
    let (an, dung, binh, em) = (pw("an"), pw("dung"), pw("binh"), pw("em"));

    // Without a login: 401 with the Basic challenge, everywhere but /health.
    for target in ["/", "/collections", "/tiles/14/13000/7000", "/lookup?lon=105.7&lat=21.0", "/conflicts.csv"] {
        let (code, head, body) = http(a, "GET", target, "", None);
        assert_eq!(code, 401, "{target}");
        assert!(head.contains("www-authenticate: Basic realm=\"thuadat\", charset=\"UTF-8\""), "{head}");
        assert!(reason(&body).starts_with("this server needs a login"), "{body}");
    }
    assert_eq!(http(a, "GET", "/health", "", None).0, 200);
    // Every role reads.
    for (l, p) in [("an", &an), ("dung", &dung), ("binh", &binh)] {
        assert_eq!(http(a, "GET", "/collections", "", Some((l, p))).0, 200, "{l}");
    }
    // An officer of another commune is refused.
    let (code, _, body) = http(a, "GET", "/collections", "", Some(("xa.khac", &pw("xa.khac"))));
    assert_eq!(code, 403);
    assert!(reason(&body).contains("does not work on commune 00118"), "{body}");

    // Reviews: the login is the reviewer; viewers and field users of other groups are refused.
    let target = format!("/conflicts/{id}");
    let body = r#"{"status": "acknowledged", "comment": "đi thực địa thứ Hai"}"#;
    let (code, _, text) = http(a, "PATCH", &target, body, Some(("dung", &dung)));
    assert_eq!((code, reason(&text)), (403, "`dung` is a viewer: viewers do not review".to_string()));
    let (code, _, text) = http(a, "PATCH", &target, body, Some(("em", &em)));
    assert_eq!(code, 403, "{text}");
    assert!(reason(&text).contains(&format!("is in group {group}: not one of the groups of `em`")), "{text}");
    let (code, _, text) = http(a, "PATCH", &target, r#"{"status": "resolved", "by": "an"}"#, Some(("binh", &binh)));
    assert_eq!(
        (code, reason(&text)),
        (400, "`by` is the login (binh) and may be left out; it cannot name someone else".to_string())
    );
    let (code, _, text) = http(a, "PATCH", &target, body, Some(("binh", &binh)));
    assert_eq!(code, 200, "{text}");
    let (code, _, text) = http(a, "PATCH", &target, r#"{"status": "resolved"}"#, Some(("an", &an)));
    assert_eq!(code, 200, "{text}");
    let (_, _, history) = http(a, "GET", &format!("{target}/history"), "", Some(("dung", &dung)));
    let h: Value = serde_json::from_str(&history).unwrap();
    let by: Vec<&str> = h["history"].as_array().unwrap().iter().map(|e| e["by"].as_str().unwrap()).collect();
    assert_eq!(by, ["tester", "binh", "an"]);

    // Wrong passwords and unknown logins: 401, counted; the fourth failure of a login makes it wait.
    for _ in 0..3 {
        let (code, _, text) = http(a, "GET", "/collections", "", Some(("an", "sai mat khau")));
        assert_eq!((code, reason(&text)), (401, "wrong login or password".to_string()));
    }
    assert_eq!(http(a, "GET", "/collections", "", Some(("khong.co", "sai mat khau"))).0, 401);
    let (code, _, _) = http(a, "GET", "/collections", "", Some(("an", "sai mat khau")));
    assert_eq!(code, 401);
    let (code, head, text) = http(a, "GET", "/collections", "", Some(("an", &an)));
    assert_eq!(code, 429, "{text}");
    assert!(head.contains("retry-after: 1"), "{head}");
    assert!(reason(&text).starts_with("too many failed logins: try again in 1 s"), "{text}");
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(http(a, "GET", "/collections", "", Some(("an", &an))).0, 200);
    assert_eq!(sql_value(&db.url, "SELECT count(*)::text FROM thuadat.audit_log WHERE action = 'login failed'"), "5");

    // A user disabled while the server runs is refused within a second or so.
    assert_eq!(http(a, "GET", "/collections", "", Some(("binh", &binh))).0, 200);
    run_with_stdin(&["user", "disable", "binh", "--db", &db.url], "");
    let start = Instant::now();
    loop {
        let (code, _, text) = http(a, "GET", "/collections", "", Some(("binh", &binh)));
        if code == 401 {
            assert_eq!(reason(&text), "user `binh` is disabled");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(3), "still served after 3 s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_dataset_directory_is_served_on_loopback_only_unless_open() {
    use std::io::BufRead;
    let (code, err) = stderr_of(&["serve", sample().to_str().unwrap(), "--addr", "0.0.0.0:0"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("`serve <directory>` has no logins: it listens on this machine only"), "{err}");
    let mut child = std::process::Command::new(common::bin())
        .args(["serve", sample().to_str().unwrap(), "--addr", "0.0.0.0:0", "--open"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.starts_with("serving "), "{line}");
}
