//! Users, roles and logins (issue 16) on the real binary against a real PostgreSQL + PostGIS server
//! (`scripts/with-postgis.sh cargo test --release --test access`); without `DATABASE_URL` every test here
//! fails.
// A test fails loudly on its own fixtures.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::Engine;
use common::{add, http, password_of, reason, run, run_with_stdin, sql, sql_value, TestDb};
use serde_json::Value;

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/sample")
}

fn stderr_of(args: &[&str]) -> (Option<i32>, String) {
    let out = run(args);
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
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
    // Nor does a field user of another group see the conflict or its history.
    for t in [target.clone(), format!("{target}/history")] {
        let (code, _, text) = http(a, "GET", &t, "", Some(("em", &em)));
        assert_eq!(code, 404, "{t}: {text}");
        assert_eq!(http(a, "GET", &t, "", Some(("binh", &binh))).0, 200, "{t}");
    }
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

    // A session of the web map: a cookie from POST /login; writes with it must come from the server's pages.
    let (code, head, _) = http(a, "POST", "/login", &format!(r#"{{"login": "an", "password": "{an}"}}"#), None);
    assert_eq!(code, 200, "{head}");
    let set_cookie = head.lines().find_map(|l| l.strip_prefix("set-cookie: ")).unwrap().to_string();
    assert!(set_cookie.ends_with("; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200"), "{set_cookie}");
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    let with_cookie = |method: &str, target: &str, body: &str, extra: &str| {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(a).unwrap();
        write!(
            s,
            "{method} {target} HTTP/1.1\r\nHost: {a}\r\nConnection: close\r\nCookie: {cookie}\r\n{extra}\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        (head[9..12].parse::<u16>().unwrap(), head.to_string(), body.to_string())
    };
    assert_eq!(with_cookie("GET", "/me", "", "").0, 200);
    let (code, _, text) = with_cookie("PATCH", &target, r#"{"status": "acknowledged"}"#, "");
    assert_eq!(
        (code, reason(&text)),
        (403, "a write with the session cookie must come from this server's pages (Origin)".to_string())
    );
    let (code, _, text) =
        with_cookie("PATCH", &target, r#"{"status": "acknowledged"}"#, "Origin: http://evil.example\r\n");
    assert_eq!(code, 403, "{text}");
    let (code, _, text) =
        with_cookie("PATCH", &target, r#"{"status": "acknowledged"}"#, &format!("Origin: http://{a}\r\n"));
    assert_eq!(code, 200, "{text}");
    // After the logout the cookie is refused: a page goes to /login, an API call is 401 without a challenge.
    let (code, _, _) = with_cookie("POST", "/logout", "", &format!("Origin: http://{a}\r\n"));
    assert_eq!(code, 303);
    let (code, head, _) = with_cookie("GET", "/", "", "Accept: text/html\r\n");
    assert_eq!(code, 303);
    assert!(head.contains("location: /login"), "{head}");
    let (code, head, text) = with_cookie("GET", "/groups", "", "");
    assert_eq!((code, reason(&text)), (401, "the session has ended: log in again".to_string()));
    assert!(!head.contains("www-authenticate"), "{head}");

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

fn get_json(a: &str, target: &str, login: (&str, &str)) -> Value {
    let (code, _, body) = http(a, "GET", target, "", Some(login));
    assert_eq!(code, 200, "{target}: {body}");
    serde_json::from_str(&body).unwrap()
}

fn get_bytes(a: &str, target: &str, login: (&str, &str)) -> Vec<u8> {
    use std::io::{Read, Write};
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", login.0, login.1));
    let mut s = std::net::TcpStream::connect(a).unwrap();
    write!(s, "GET {target} HTTP/1.1\r\nHost: {a}\r\nConnection: close\r\nAuthorization: Basic {auth}\r\n\r\n")
        .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let at = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    assert_eq!(&raw[9..12], b"200", "{target}");
    raw[at + 4..].to_vec()
}

/// The `group` of every feature of every layer of a tile (the `name` for the groups layer).
fn tile_groups(tile: Vec<u8>) -> Vec<(String, Option<String>)> {
    let reader = mvt_reader::Reader::new(tile).unwrap();
    let mut out = Vec::new();
    for (i, layer) in reader.get_layer_names().unwrap().iter().enumerate() {
        for f in reader.get_features(i).unwrap() {
            let p = f.properties.unwrap();
            let key = if layer == "groups" { "name" } else { "group" };
            let g = match p.get(key) {
                Some(mvt_reader::feature::Value::String(s)) => Some(s.clone()),
                None => None,
                other => panic!("{layer}.{key} is {other:?}"),
            };
            out.push((layer.clone(), g));
        }
    }
    out
}

#[test]
fn every_endpoint_applies_the_callers_scope_and_personal_data_goes_to_the_entitled_only() {
    let db = TestDb::new("scope");
    let out = run(&["import", sample().to_str().unwrap(), "--db", &db.url, "--by", "tester"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    add(&db, "an", "officer", &[]);
    add(&db, "dung", "viewer", &[]);
    let (server, _) = common::serve_with(&["--db", &db.url]);
    let a = server.addr.as_str();
    let (an, dung) = (password_of("an"), password_of("dung"));
    let (an, dung) = (("an", an.as_str()), ("dung", dung.as_str()));
    let groups = get_json(a, "/groups", an);
    let names: Vec<String> =
        groups["groups"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap().to_string()).collect();
    assert!(names.len() >= 2, "{names:?}");
    let (mine, other) = (names[0].clone(), names[1].clone());
    add(&db, "binh", "field", &["--group", &mine]);
    let binh_pw = password_of("binh");
    let binh = ("binh", binh_pw.as_str());
    let q = |g: &str| form_urlencoded::byte_serialize(g.as_bytes()).collect::<String>();

    // Features: the field user's parcels are the officer's parcels of that group; another group is 403.
    let all_mine = get_json(a, &format!("/collections/parcels/items?group={}&limit=10000", q(&mine)), an);
    let seen = get_json(a, "/collections/parcels/items?limit=10000", binh);
    assert_eq!(seen["numberMatched"], all_mine["numberMatched"]);
    assert!(seen["features"].as_array().unwrap().iter().all(|f| f["properties"]["group"] == mine.as_str()));
    let (code, _, body) = http(a, "GET", &format!("/collections/parcels/items?group={}", q(&other)), "", Some(binh));
    assert_eq!((code, reason(&body)), (403, format!("group `{other}` is not one of the groups of `binh`")));
    let theirs = get_json(a, &format!("/collections/parcels/items?group={}&limit=1", q(&other)), an);
    let their_id = theirs["features"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(http(a, "GET", &format!("/collections/parcels/items/{}", q(&their_id)), "", Some(binh)).0, 404);
    assert_eq!(http(a, "GET", &format!("/collections/parcels/items/{}", q(&their_id)), "", Some(dung)).0, 200);
    // Conflicts: in features and the CSV, only the field user's group.
    let conflicts = get_json(a, "/collections/conflicts/items?limit=10000", binh);
    assert!(conflicts["features"].as_array().unwrap().iter().all(|f| f["properties"]["group"] == mine.as_str()));
    let (code, head, csv_text) = http(a, "GET", "/conflicts.csv", "", Some(binh));
    assert_eq!(code, 200);
    assert!(head.contains("cache-control: private, max-age=60"), "{head}");
    let rows: Vec<csv::StringRecord> =
        csv::Reader::from_reader(csv_text.as_bytes()).records().map(|r| r.unwrap()).collect();
    assert!(!rows.is_empty() && rows.iter().all(|r| &r[3] == mine.as_str()));
    // Groups: the field user's only.
    let g = get_json(a, "/groups", binh);
    assert_eq!(g["groups"].as_array().unwrap().len(), 1);
    assert_eq!(g["groups"][0]["name"], mine.as_str());

    // Tiles: over the whole commune at z14, the field user's tiles hold their group only; the viewer's all.
    let tj = get_json(a, "/tiles.json", an);
    let b: Vec<f64> = tj["bounds"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let tile = |lon: f64, lat: f64| {
        let n = f64::from(1u32 << 14);
        let y = (1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n;
        format!("/tiles/14/{}/{}.mvt", ((lon + 180.0) / 360.0 * n) as u32, y as u32)
    };
    let mut field_groups = std::collections::BTreeSet::new();
    let mut viewer_groups = std::collections::BTreeSet::new();
    for (lon, lat) in
        [(b[0], b[1]), (b[2], b[3]), ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0), (b[0], b[3]), (b[2], b[1])]
    {
        let target = tile(lon, lat);
        for (layer, g) in tile_groups(get_bytes(a, &target, binh)) {
            assert_eq!(g.as_deref(), Some(mine.as_str()), "{target} {layer}");
            field_groups.insert(g);
        }
        viewer_groups.extend(tile_groups(get_bytes(a, &target, dung)).into_iter().map(|(_, g)| g));
    }
    assert_eq!(field_groups.len(), 1);
    assert!(viewer_groups.len() > 1, "{viewer_groups:?}");
    let (code, _, _) = http(a, "GET", &format!("{}?group={}", tile(b[0], b[1]), q(&other)), "", Some(binh));
    assert_eq!(code, 403);

    // Look-up at a vertex of another group's parcel: nothing of that group, not even nearby.
    let at = &theirs["features"][0]["geometry"]["coordinates"][0][0];
    let (lon, lat) = (at[0].as_f64().unwrap(), at[1].as_f64().unwrap());
    let l = get_json(a, &format!("/lookup?lon={lon}&lat={lat}&accuracy=50"), binh);
    let found: Vec<&Value> =
        l["parcel"].as_object().map(|_| &l["parcel"]).into_iter().chain(l["nearby"].as_array().unwrap()).collect();
    assert!(found.iter().all(|p| p["group"] == mine.as_str()), "{l}");
    let viewer_l = get_json(a, &format!("/lookup?lon={lon}&lat={lat}&accuracy=50"), dung);
    // The viewer sees it there (on it, or nearby when a neighbour shares the vertex).
    let ids: Vec<&str> = std::iter::once(&viewer_l["parcel"])
        .chain(viewer_l["nearby"].as_array().unwrap())
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert!(ids.contains(&their_id.as_str()), "{viewer_l}");

    // Personal data: a parcel of the field user's group with a certificate; its holders to the officer and the
    // field user, never to the viewer; another group's to nobody in the field.
    let with_cert = seen["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .find(|id| {
            let item = get_json(a, &format!("/collections/parcels/items/{}", q(id)), an);
            !item["properties"]["certificates"].as_array().unwrap().is_empty()
        })
        .unwrap();
    let target = format!("/parcels/{}/holders", q(&with_cert));
    let (code, head, body) = http(a, "GET", &target, "", Some(binh));
    assert_eq!(code, 200, "{body}");
    assert!(head.contains("cache-control: no-store"), "{head}");
    let h: Value = serde_json::from_str(&body).unwrap();
    let holder = &h["holders"][0];
    let name = holder["name"].as_str().unwrap().to_string();
    assert!(!name.is_empty() && holder["cert_id"].is_string() && holder["linkage"]["status"].is_string(), "{h}");
    // The register's record that the holder was matched to, from the store (by its line in citizens.csv).
    if holder["linkage"]["status"] == "matched_by_id" {
        assert_eq!(holder["register"]["citizen_id"], holder["holder_id"], "{h}");
    }
    // Over the group: every holder matched by id shows the register's record with the same id.
    let mut matched = 0;
    for f in seen["features"].as_array().unwrap().iter().take(40) {
        let id = f["id"].as_str().unwrap();
        let v = get_json(a, &format!("/parcels/{}/holders", q(id)), binh);
        for h in v["holders"].as_array().unwrap() {
            if h["linkage"]["status"] == "matched_by_id" {
                assert_eq!(h["register"]["citizen_id"], h["holder_id"], "{v}");
                matched += 1;
            }
        }
    }
    assert!(matched > 0, "no holder matched by id among the group's first parcels");
    assert_eq!(get_json(a, &target, an), h);
    let (code, _, body) = http(a, "GET", &target, "", Some(dung));
    assert_eq!((code, reason(&body)), (403, "`dung` is a viewer: viewers never see personal data".to_string()));
    assert_eq!(http(a, "GET", &format!("/parcels/{}/holders", q(&their_id)), "", Some(binh)).0, 404);
    // The holder's name is in no tile, feature or look-up answer of the viewer.
    let mut seen_by_viewer = Vec::new();
    for (lon, lat) in [(b[0], b[1]), ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0)] {
        seen_by_viewer.extend(get_bytes(a, &tile(lon, lat), dung));
    }
    for target in [
        "/collections/parcels/items?limit=10000",
        "/collections/conflicts/items?limit=10000",
        "/conflicts.csv",
        "/groups",
    ] {
        seen_by_viewer.extend(get_bytes(a, target, dung));
    }
    seen_by_viewer.extend(get_bytes(a, &format!("/collections/parcels/items/{}", q(&with_cert)), dung));
    assert!(!String::from_utf8_lossy(&seen_by_viewer).contains(&name), "{name} reached the viewer");
}

/// The web map's login in Debian's headless Chromium (`web/tests/login.mjs`, playwright-core): redirect to
/// the login page, a wrong password said, the session cookie, the header with the login's scope, logout,
/// and a user disabled mid-session sent back to the login page. Needs Node.js, Chromium and `npm ci` in
/// `web/` (scripts/web-deps.sh, called by scripts/test.sh); missing any fails the test.
#[test]
fn the_web_map_logs_in_and_out_in_a_real_browser() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let node = std::process::Command::new("node").arg("--version").output();
    assert!(node.is_ok_and(|o| o.status.success()), "node is not installed: run scripts/web-deps.sh");
    assert!(std::path::Path::new("/usr/bin/chromium").exists(), "chromium is not installed: run scripts/web-deps.sh");
    let db = TestDb::new("browser");
    let out = run(&["import", sample().to_str().unwrap(), "--db", &db.url, "--by", "tester"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let group = sql_value(&db.url, "SELECT name FROM thuadat.grp ORDER BY position LIMIT 1");
    add(&db, "binh", "field", &["--group", &group]);
    let out = std::process::Command::new("node")
        .arg(root.join("web/tests/login.mjs"))
        .arg(common::bin())
        .arg(&db.url)
        .arg("binh")
        .arg(password_of("binh"))
        .current_dir(&root)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the login run failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("5 checks passed"), "{stdout}");
}

/// The web map as a workplace with logins (`web/tests/workplace.mjs`, Chromium): a decision with its comment
/// and history, seen after a reload and by a second officer, the map restyled at once, the holder
/// comparison with the differing fields marked and a confirmed link, a holder's current id recorded and the
/// holder linked again (then an id the register lacks: the namesake named), and a viewer without either. It
/// writes
/// the README's screenshots of the decision and the holders into docs/.
#[test]
fn officers_decide_in_the_web_map_and_see_each_others_decisions() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let node = std::process::Command::new("node").arg("--version").output();
    assert!(node.is_ok_and(|o| o.status.success()), "node is not installed: run scripts/web-deps.sh");
    assert!(std::path::Path::new("/usr/bin/chromium").exists(), "chromium is not installed: run scripts/web-deps.sh");
    let db = TestDb::new("workplace");
    let out = run(&["import", sample().to_str().unwrap(), "--db", &db.url, "--by", "tester"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    add(&db, "an", "officer", &[]);
    add(&db, "chi", "officer", &["--commune", "00118"]);
    add(&db, "dung", "viewer", &[]);
    let out = std::process::Command::new("node")
        .arg(root.join("web/tests/workplace.mjs"))
        .arg(common::bin())
        .arg(&db.url)
        .args(["an", &password_of("an"), "chi", &password_of("chi"), "dung", &password_of("dung")])
        .arg(root.join("docs"))
        .current_dir(&root)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the workplace run failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("9 checks passed"), "{stdout}");
    // The decisions are in the store's history and audit log under the logins that made them.
    assert_eq!(
        sql_value(&db.url, "SELECT string_agg(by_whom || ':' || to_status, ',' ORDER BY id) FROM thuadat.conflict_history WHERE event = 'status'"),
        "an:acknowledged,chi:resolved"
    );
}

#[test]
fn admins_manage_users_over_http_with_the_same_checks_and_audit() {
    let db = TestDb::new("admin");
    let out = run(&["import", sample().to_str().unwrap(), "--db", &db.url, "--by", "tester"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    add(&db, "quan.tri", "admin", &[]);
    add(&db, "an", "officer", &[]);
    let (server, _) = common::serve_with(&["--db", &db.url]);
    let a = server.addr.as_str();
    let (admin_pw, an_pw) = (password_of("quan.tri"), password_of("an"));
    let (admin, an) = (Some(("quan.tri", admin_pw.as_str())), Some(("an", an_pw.as_str())));

    // Only admins.
    for (method, target, body) in [
        ("GET", "/users", ""),
        ("POST", "/users", r#"{"login": "x", "role": "viewer"}"#),
        ("PATCH", "/users/an", r#"{"disabled": true}"#),
    ] {
        let (code, _, text) = http(a, method, target, body, an);
        assert_eq!(
            (code, reason(&text)),
            (403, "`an` is not an admin: only admins manage users".to_string()),
            "{method} {target}"
        );
    }
    // A new field user: the generated password is answered once, and works.
    let (code, head, text) =
        http(a, "POST", "/users", r#"{"login": "binh", "role": "field", "groups": ["Tổ dân phố 2"]}"#, admin);
    assert_eq!(code, 201, "{text}");
    assert!(head.contains("cache-control: no-store"), "{head}");
    let v: Value = serde_json::from_str(&text).unwrap();
    let binh_pw = v["password"].as_str().unwrap().to_string();
    assert_eq!(binh_pw.len(), 16);
    assert_eq!(http(a, "GET", "/me", "", Some(("binh", &binh_pw))).0, 200);
    // The same checks as the command line, as 400 with the reason; an unknown user is 404.
    for (method, target, body, want) in [
        ("POST", "/users", r#"{"login": "binh", "role": "viewer"}"#, "user `binh` exists"),
        ("POST", "/users", r#"{"login": "em", "role": "field"}"#, "a field user needs at least one --group"),
        ("POST", "/users", r#"{"login": "em", "role": "boss"}"#, "role: `boss` is not a role"),
        (
            "POST",
            "/users",
            r#"{"login": "em", "role": "viewer", "password": "short"}"#,
            "a password needs at least 10 characters",
        ),
        ("PATCH", "/users/binh", r#"{"role": "viewer", "disabled": true}"#, "one change at a time"),
        ("PATCH", "/users/quan.tri", r#"{"disabled": true}"#, "an admin cannot disable or demote themselves"),
    ] {
        let (code, _, text) = http(a, method, target, body, admin);
        assert_eq!(code, 400, "{body}: {text}");
        assert!(reason(&text).contains(want), "{body}: {text}");
    }
    assert_eq!(http(a, "PATCH", "/users/nobody", r#"{"disabled": true}"#, admin).0, 404);
    // Changes: scope, then disabled (the user is refused within a second).
    let (code, _, text) = http(a, "PATCH", "/users/binh", r#"{"groups": ["Tổ dân phố 3"]}"#, admin);
    assert_eq!(code, 200, "{text}");
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["groups"][0], "Tổ dân phố 3");
    assert_eq!(http(a, "PATCH", "/users/binh", r#"{"disabled": true}"#, admin).0, 200);
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(http(a, "GET", "/me", "", Some(("binh", &binh_pw))).0, 401);
    let list = get_json(a, "/users", ("quan.tri", &admin_pw));
    let logins: Vec<(&str, bool)> = list["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["login"].as_str().unwrap(), u["disabled"].as_bool().unwrap()))
        .collect();
    assert_eq!(logins, [("an", false), ("binh", true), ("quan.tri", false)]);
    assert!(!list.to_string().contains("argon2"));
    // Audited as the admin, with the address.
    assert_eq!(
        sql(
            &db.url,
            &["SELECT action, by_whom, address FROM thuadat.audit_log WHERE detail->>'user' = 'binh' ORDER BY id"]
        ),
        ["user added", "scope changed", "user disabled"].map(|a| vec![
            Some(a.to_string()),
            Some("quan.tri".to_string()),
            Some("127.0.0.1".to_string())
        ])
    );
}

/// The holder comparison an officer acts on (issue 17): on the sample's `holder_mismatch` of certificate
/// CH000519, which fields differ from the register's record (as the linkage compares them: a name in TCVN3
/// is the same name), and the officer's decision on the link, confirmed, then rejected by a field user of the
/// parcel's group (the latest wins, both kept, each with an audit row without personal data).
#[test]
fn officers_see_where_holders_differ_from_the_register_and_confirm_or_reject_the_link() {
    let db = TestDb::new("decisions");
    let out = run(&["import", sample().to_str().unwrap(), "--db", &db.url, "--by", "tester"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    add(&db, "an", "officer", &[]);
    add(&db, "dung", "viewer", &[]);
    add(&db, "em", "field", &["--group", "Tổ dân phố 1"]);
    let (server, _) = common::serve_with(&["--db", &db.url]);
    let a = server.addr.as_str();
    let (an_pw, dung_pw, em_pw) = (password_of("an"), password_of("dung"), password_of("em"));
    let (an, dung, em) = (("an", an_pw.as_str()), ("dung", dung_pw.as_str()), ("em", em_pw.as_str()));

    // The sample's 18 holder_mismatch conflicts; CH000519's is on parcel 00118-2-527 of Tổ dân phố 2.
    let conflicts = get_json(a, "/collections/conflicts/items?kind=holder_mismatch&limit=100", an);
    let features = conflicts["features"].as_array().unwrap();
    assert_eq!(features.len(), 18);
    // (Semicolon-separated lists, as the OGC items give them.)
    let c = &features.iter().find(|f| f["properties"]["cert_ids"] == "CH000519").unwrap()["properties"];
    assert_eq!((&c["parcel_ids"], &c["group"]), (&Value::from("00118-2-527"), &Value::from("Tổ dân phố 2")));
    add(&db, "binh", "field", &["--group", "Tổ dân phố 2"]);
    let binh_pw = password_of("binh");
    let binh = ("binh", binh_pw.as_str());
    let target = "/parcels/00118-2-527/holders";

    let h = get_json(a, target, an);
    let rows = h["holders"].as_array().unwrap();
    assert_eq!(rows.iter().map(|r| r["line"].as_i64().unwrap()).collect::<Vec<_>>(), [665, 666]);
    // Line 665: a name written in TCVN3 seen through Windows-1252, linked by attributes; nothing differs.
    assert_eq!((&rows[0]["name"], &rows[0]["register"]["name"]), (&"Ph¹m §×nh HiÕu".into(), &"Phạm Đình Hiếu".into()));
    assert_eq!(rows[0]["linkage"]["status"], "matched_by_attributes");
    assert_eq!(rows[0]["differs"], serde_json::json!([]));
    // Line 666, the mismatch: someone else's id on the certificate; name and birth agree, and the old
    // three-level address agrees with the register's new one as far as the two compare.
    assert_eq!(rows[1]["linkage"]["status"], "mismatch");
    assert_eq!(
        (&rows[1]["holder_id"], &rows[1]["register"]["citizen_id"]),
        (&"001067323076".into(), &"001167883975".into())
    );
    assert_eq!(rows[1]["differs"], serde_json::json!(["holder_id"]));
    assert!(rows.iter().all(|r| r["decision"].is_null()), "{h}");

    // The officer confirms the link: the row after it, the login as who decided.
    let comment = "đúng người, số CCCD trên giấy chứng nhận sai";
    let body = serde_json::json!({"decision": "confirmed", "comment": comment}).to_string();
    let (code, head, text) = http(a, "PUT", &format!("{target}/666"), &body, Some(an));
    assert_eq!(code, 200, "{text}");
    assert!(head.contains("cache-control: no-store"), "{head}");
    let row: Value = serde_json::from_str(&text).unwrap();
    let d = &row["decision"];
    assert_eq!((&d["decision"], &d["comment"], &d["by"]), (&"confirmed".into(), &comment.into(), &"an".into()));
    let at = d["at"].as_str().unwrap();
    assert!(at.len() == 27 && at.as_bytes()[10] == b'T' && at.ends_with('Z'), "{at}");
    assert_eq!((&row["line"], &row["differs"]), (&666.into(), &serde_json::json!(["holder_id"])));
    let h = get_json(a, target, an);
    assert_eq!((&h["holders"][1], &h["holders"][0]["decision"]), (&row, &Value::Null));
    // A field user of the parcel's group rejects it: the latest decision wins; both are kept.
    let (code, _, text) = http(a, "PUT", &format!("{target}/666"), r#"{"decision": "rejected"}"#, Some(binh));
    assert_eq!(code, 200, "{text}");
    let d = get_json(a, target, binh)["holders"][1]["decision"].clone();
    assert_eq!((&d["decision"], &d["comment"], &d["by"]), (&"rejected".into(), &Value::Null, &"binh".into()));
    assert_eq!(get_json(a, target, an)["holders"][1]["decision"], d);
    assert_eq!(
        sql(
            &db.url,
            &["SELECT decision, by_whom, comment, citizen_line::text FROM thuadat.holder_decision ORDER BY id"]
        ),
        [("confirmed", "an", Some(comment)), ("rejected", "binh", None)].map(|(d, by, c)| vec![
            Some(d.to_string()),
            Some(by.to_string()),
            c.map(str::to_string),
            Some("1499".to_string())
        ])
    );
    // Each with an audit row: who, from where, what; neither the holder nor the comment.
    let audit = sql(
        &db.url,
        &["SELECT by_whom, address, commune_code, detail::text FROM thuadat.audit_log \
           WHERE action = 'holder decision' ORDER BY id"],
    );
    let detail =
        |d: &str| format!(r#"{{"line": 666, "parcel": "00118-2-527", "cert_id": "CH000519", "decision": "{d}"}}"#);
    assert_eq!(
        audit,
        [("an", "confirmed"), ("binh", "rejected")].map(|(by, d)| vec![
            Some(by.to_string()),
            Some("127.0.0.1".to_string()),
            Some("00118".to_string()),
            Some(detail(d))
        ])
    );

    // Refused: a viewer (403), a field user of another group (404, as for reading), a bad body (400 naming
    // the field), a line that is not a holder of the parcel (404), a line that is not a number (400).
    let put = |login: (&str, &str), line: &str, body: &str| {
        let (code, _, text) = http(a, "PUT", &format!("{target}/{line}"), body, Some(login));
        (code, reason(&text))
    };
    let confirm = r#"{"decision": "confirmed"}"#;
    assert_eq!(put(dung, "666", confirm), (403, "`dung` is a viewer: viewers never see personal data".to_string()));
    assert_eq!(put(em, "666", confirm), (404, "no parcel `00118-2-527`".to_string()));
    assert_eq!(http(a, "GET", target, "", Some(em)).0, 404);
    for (body, want) in [
        (r#"{"decision": "maybe"}"#, "`decision` must be one of confirmed, rejected, not `maybe`"),
        (r#"{"comment": "x"}"#, "`decision` is missing: one of confirmed, rejected"),
        (r#"{"decision": "confirmed", "comment": 7}"#, "`comment` must be a string (or null)"),
        (r#"{"decision": "confirmed", "by": "an"}"#, "unknown field `by`: a decision has `decision` and `comment`"),
    ] {
        assert_eq!(put(an, "666", body), (400, want.to_string()), "{body}");
    }
    let (code, why) = put(an, "666", "confirmed");
    assert!(code == 400 && why.starts_with("the body must be JSON {\"decision\""), "{code} {why}");
    // Line 141 is CH000114's holder, on another parcel.
    for line in ["141", "99999"] {
        let want =
            format!("no holder at line {line} of certificates.csv among the certificates of parcel `00118-2-527`");
        assert_eq!(put(an, line, confirm), (404, want));
    }
    assert_eq!(
        put(an, "x1", confirm),
        (400, "`line` must be the holder's line in certificates.csv (a number), not `x1`".to_string())
    );
    assert_eq!(sql_value(&db.url, "SELECT count(*)::text FROM thuadat.holder_decision"), "2");

    // The comparison is made per request: the certificate's name without diacritics and in capitals is the
    // same name; a birth date one day off is a difference.
    sql(
        &db.url,
        &["UPDATE thuadat.certificate SET holder_name = 'NGUYEN THI  KIM THAO', holder_birth = '1967-08-23' \
           WHERE commune_code = '00118' AND line = 666"],
    );
    let h = get_json(a, target, an);
    assert_eq!(h["holders"][1]["differs"], serde_json::json!(["holder_id", "birth"]));
}
