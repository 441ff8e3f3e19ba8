//! Corrections in place (issue 18) on the real binary against a real PostgreSQL + PostGIS server
//! (`scripts/with-postgis.sh cargo test --release --test edits`): certificates re-pointed and cancelled, parcels
//! created, replaced, updated, retired and split through OGC API - Features Part 4, each checked again at once,
//! and the invariant that the live conflicts and statuses are those of a full check of the exported commune.
//! Without `DATABASE_URL` every test here fails.
// A test fails loudly on its own fixtures.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{add, http, http_with, password_of, reason, run, sql_value, TestDb};
use geo::BooleanOps;
use serde_json::{json, Value};

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/sample")
}

fn etag_of(head: &str) -> String {
    head.lines().find_map(|l| l.strip_prefix("etag: ")).unwrap().trim().to_string()
}

/// The live conflicts and statuses of the server at `a` against a full `check` of the exported commune: the
/// stored present conflicts, the served ones and every parcel's status (and only the parcels served) equal.
fn assert_live_equals_full_check(db: &TestDb, a: &str, login: Option<(&str, &str)>) {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, report) = (tmp.path().join("export"), tmp.path().join("report"));
    let o = run(&["export", "--db", &db.url, "--out", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(&["check", dir.to_str().unwrap(), "--out", report.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let geojson: Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("conflicts.geojson")).unwrap()).unwrap();
    let mut checked: Vec<String> = geojson["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["id"].as_str().unwrap().to_string())
        .collect();
    checked.sort();
    let stored =
        sql_value(&db.url, "SELECT string_agg(id, ',' ORDER BY id COLLATE \"C\") FROM thuadat.conflict WHERE present");
    assert_eq!(stored, checked.join(","), "stored conflicts");
    let (code, _, text) = http(a, "GET", "/collections/conflicts/items?limit=10000", "", login);
    assert_eq!(code, 200, "{text}");
    let served: Value = serde_json::from_str(&text).unwrap();
    let mut served: Vec<String> =
        served["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_string()).collect();
    served.sort();
    assert_eq!(served, checked, "served conflicts");
    let mut full: Vec<(String, String)> =
        common::report_parcels(&report).into_iter().map(|(id, _, status, _)| (id, status)).collect();
    full.sort();
    let (code, _, text) = http(a, "GET", "/collections/parcels/items?limit=10000", "", login);
    assert_eq!(code, 200, "{text}");
    let parcels: Value = serde_json::from_str(&text).unwrap();
    let mut live: Vec<(String, String)> = parcels["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap().to_string(), f["properties"]["status"].to_string()))
        .collect();
    live.sort();
    assert_eq!(live.len(), full.len(), "parcels served");
    assert_eq!(live, full, "statuses");
}

/// Issue 18, first edit: an officer re-points an unmatched certificate to its likely parcel with `PATCH
/// /certificates/{id}` and `If-Match`; the conflict vanishes at once (store, history, served data), the edit is
/// numbered and audited, a stale tag is 412, a missing one 428; field users and viewers may not edit; and the
/// conflicts then live equal those of a full check of the exported commune.
#[test]
fn an_officer_repoints_a_certificate_and_the_commune_is_checked_again_at_once() {
    let db = TestDb::new("edits");
    let out = run(&["import", sample().to_str().unwrap(), "--db", &db.url, "--by", "tester"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    add(&db, "an", "officer", &[]);
    add(&db, "dung", "viewer", &[]);
    let group = sql_value(&db.url, "SELECT name FROM thuadat.grp ORDER BY position LIMIT 1");
    add(&db, "binh", "field", &["--group", &group]);
    let (server, _) = common::serve_with(&["--db", &db.url]);
    let a = server.addr.as_str();
    // A second server of the same store: it learns of the edit (LISTEN/NOTIFY) and loads the commune again.
    let (other, _) = common::serve_with(&["--db", &db.url]);
    let (an_pw, dung_pw, binh_pw) = (password_of("an"), password_of("dung"), password_of("binh"));
    let an = Some(("an", an_pw.as_str()));

    // An unmatched certificate placed at its likely parcel.
    let (code, _, text) = http(a, "GET", "/work?kind=unmatched_certificate&limit=1000", "", an);
    assert_eq!(code, 200, "{text}");
    let work: Value = serde_json::from_str(&text).unwrap();
    let item = work["items"].as_array().unwrap().iter().find(|i| i["located_by"] == "candidate").unwrap().clone();
    let cert = item["cert_ids"][0].as_str().unwrap().to_string();
    let (parcel, sheet, number) = (
        item["parcel"]["id"].as_str().unwrap().to_string(),
        item["parcel"]["sheet"].as_i64().unwrap(),
        item["parcel"]["parcel_no"].as_i64().unwrap(),
    );
    let target = format!("/certificates/{cert}");
    let (code, head, text) = http(a, "GET", &target, "", an);
    assert_eq!(code, 200, "{text}");
    let etag = head.lines().find_map(|l| l.strip_prefix("etag: ")).unwrap().trim().to_string();
    let before: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(before["served"]["conflict_ids"], serde_json::json!([item["id"]]));
    assert_eq!(before["served"]["parcel_ids"], serde_json::json!([]));
    let (_, _, text) = http(other.addr.as_str(), "GET", &target, "", an);
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["served"], before["served"]);

    let body = format!(r#"{{"sheet": {sheet}, "parcel_no": "{number}", "comment": "đối chiếu hồ sơ gốc"}}"#);
    let if_match = format!("If-Match: {etag}\r\n");
    // Who may not, and what is refused.
    for (login, pw) in [("dung", &dung_pw), ("binh", &binh_pw)] {
        let (code, _, text) = http_with(a, "PATCH", &target, &body, Some((login, pw)), &if_match);
        assert_eq!(code, 403, "{login}: {text}");
        assert!(reason(&text).ends_with("only officers and admins correct the data"), "{text}");
    }
    let (code, _, text) = http(a, "PATCH", &target, &body, an);
    assert_eq!((code, reason(&text).starts_with("an edit needs `If-Match`")), (428, true), "{text}");
    let (code, head, text) = http_with(a, "PATCH", &target, &body, an, "If-Match: \"0000\"\r\n");
    assert_eq!(code, 412, "{text}");
    assert!(head.contains(&format!("etag: {etag}")), "{head}");
    for (bad, status, why) in [
        (r#"{"sheet": -1}"#, 422, "`sheet`: -1 is not a sheet number"),
        (r#"{"parcel_no": "abc"}"#, 422, "`parcel_no`: `abc` is not a parcel number"),
        (r#"{"area": 0}"#, 422, "`area`: 0 is not an area"),
        (r#"{}"#, 422, "nothing to change"),
        (r#"{"owner": "x"}"#, 400, "unknown field `owner`"),
    ] {
        let (code, _, text) = http_with(a, "PATCH", &target, bad, an, &if_match);
        assert_eq!(code, status, "{bad}: {text}");
        assert!(reason(&text).contains(why), "{bad}: {text}");
    }
    assert_eq!(sql_value(&db.url, "SELECT count(*)::text FROM thuadat.edit"), "0");

    // The edit: re-pointed, checked again, the conflict gone from the store and the served data.
    let (code, head, text) = http_with(a, "PATCH", &target, &body, an, &if_match);
    assert_eq!(code, 200, "{text}");
    let done: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(done["version"], 1);
    assert_eq!(done["after"]["sheet"], sheet);
    assert_eq!(done["after"]["parcel_no"], number.to_string());
    assert!(done["conflicts"]["vanished"].as_u64().unwrap() >= 1, "{done}");
    assert_eq!(done["served"]["parcel_ids"], serde_json::json!([parcel]));
    assert!(!done["served"]["conflict_ids"].as_array().unwrap().contains(&item["id"]), "{done}");
    let new_etag = head.lines().find_map(|l| l.strip_prefix("etag: ")).unwrap().trim().to_string();
    assert_ne!(new_etag, etag);
    let id = item["id"].as_str().unwrap();
    assert_eq!(
        sql_value(&db.url, &format!("SELECT present::text || ',' || (SELECT string_agg(event, ',' ORDER BY h.id) FROM thuadat.conflict_history h WHERE h.conflict_id = c.id) FROM thuadat.conflict c WHERE id = '{id}'")),
        "false,opened,vanished"
    );
    assert_eq!(
        sql_value(&db.url, "SELECT by_whom || ':' || target || ':' || target_id || ':' || coalesce(comment, '') FROM thuadat.edit WHERE version = 1"),
        format!("an:certificate:{cert}:đối chiếu hồ sơ gốc")
    );
    assert_eq!(
        sql_value(
            &db.url,
            "SELECT count(*)::text FROM thuadat.audit_log WHERE action = 'certificate edited' AND by_whom = 'an'"
        ),
        "1"
    );
    let (_, _, text) = http(a, "GET", "/work?kind=unmatched_certificate&limit=1000", "", an);
    assert!(!text.contains(id), "{id} still listed");
    // The old tag is stale now.
    let (code, _, _) = http_with(a, "PATCH", &target, &body, an, &if_match);
    assert_eq!(code, 412);
    // The other server shows the edit soon after (it loads the whole commune again: the sample takes about a
    // second).
    let t0 = Instant::now();
    loop {
        let (_, _, text) = http(other.addr.as_str(), "GET", &target, "", an);
        let v: Value = serde_json::from_str(&text).unwrap();
        if v["served"]["parcel_ids"] == serde_json::json!([parcel]) {
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(20), "the second server still serves {}", v["served"]);
        std::thread::sleep(Duration::from_millis(100));
    }

    // A re-issued duplicate cancelled: its rows stay, the duplicate_certificate conflict goes.
    let (_, _, text) = http(a, "GET", "/work?kind=duplicate_certificate&limit=1000", "", an);
    let dup: Value = serde_json::from_str(&text).unwrap();
    let dup = dup["items"][0].clone();
    let (kept, gone) = (dup["cert_ids"][0].as_str().unwrap(), dup["cert_ids"][1].as_str().unwrap().to_string());
    let (_, head, _) = http(a, "GET", &format!("/certificates/{gone}"), "", an);
    let gone_tag = head.lines().find_map(|l| l.strip_prefix("etag: ")).unwrap().trim().to_string();
    let (code, _, text) = http_with(
        a,
        "PATCH",
        &format!("/certificates/{gone}"),
        r#"{"cancelled": true, "comment": "cấp đổi, GCN cũ hết hiệu lực"}"#,
        an,
        &format!("If-Match: {gone_tag}\r\n"),
    );
    assert_eq!(code, 200, "{text}");
    let cancelled: Value = serde_json::from_str(&text).unwrap();
    assert_eq!((cancelled["version"].as_i64(), cancelled["after"]["cancelled"].as_bool()), (Some(2), Some(true)));
    assert_eq!(cancelled["served"], serde_json::json!({"parcel_ids": [], "conflict_ids": []}));
    let (_, _, text) = http(a, "GET", &format!("/certificates/{kept}"), "", an);
    let kept_now: Value = serde_json::from_str(&text).unwrap();
    assert!(!kept_now["served"]["conflict_ids"].as_array().unwrap().contains(&dup["id"]), "{kept_now}");
    assert_eq!(
        sql_value(
            &db.url,
            &format!("SELECT count(*)::text FROM thuadat.certificate WHERE cert_id = '{gone}' AND cancelled")
        ),
        sql_value(&db.url, &format!("SELECT count(*)::text FROM thuadat.certificate WHERE cert_id = '{gone}'"))
    );

    // The edits since a version, for the land information system (every login: no personal data).
    let (code, _, text) = http(a, "GET", "/export/changes?since=0", "", Some(("dung", &dung_pw)));
    assert_eq!(code, 200, "{text}");
    let changes: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (changes["version"].as_i64(), changes["since"].as_i64(), changes["through"].as_i64()),
        (Some(2), Some(0), Some(2))
    );
    let c = &changes["changes"][0];
    assert_eq!(
        (c["version"].as_i64(), c["by"].as_str(), c["target"].as_str(), c["id"].as_str()),
        (Some(1), Some("an"), Some("certificate"), Some(cert.as_str()))
    );
    assert_eq!((&c["before"], &c["after"]), (&done["before"], &done["after"]));
    assert_eq!(c["comment"], "đối chiếu hồ sơ gốc");
    assert!(c["at"].as_str().unwrap().ends_with('Z'), "{c}");
    assert_eq!(changes["changes"][1]["id"], gone.as_str());
    let (_, _, text) = http(a, "GET", "/export/changes?since=2", "", an);
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["changes"], serde_json::json!([]));
    let (code, _, text) = http(a, "GET", "/export/changes?since=x", "", an);
    assert_eq!((code, reason(&text)), (400, "parameter `since`: `x` is not a whole number".to_string()));

    // The invariant: the live conflicts are those of a full check of the commune as it now stands.
    assert_live_equals_full_check(&db, a, an);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("export");
    let o = run(&["export", "--db", &db.url, "--out", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The cancelled certificate is not in the export.
    let csv_text = std::fs::read_to_string(dir.join("certificates.csv")).unwrap();
    assert!(!csv_text.lines().any(|l| l.starts_with(&format!("{gone},"))), "{gone} exported");
    assert!(csv_text.lines().any(|l| l.starts_with(&format!("{kept},"))));

    // A server started after the cancellation has not read the certificate: restoring it through that server
    // checks the commune whole, and the invariant holds there too.
    let (third, _) = common::serve_with(&["--db", &db.url]);
    let t = third.addr.as_str();
    let (_, head, _) = http(t, "GET", &format!("/certificates/{gone}"), "", an);
    let (code, _, text) = http_with(
        t,
        "PATCH",
        &format!("/certificates/{gone}"),
        r#"{"cancelled": false}"#,
        an,
        &format!("If-Match: {}\r\n", etag_of(&head)),
    );
    assert_eq!(code, 200, "{text}");
    let restored: Value = serde_json::from_str(&text).unwrap();
    assert_eq!((restored["version"].as_i64(), restored["recheck"].as_str()), (Some(3), Some("whole")));
    assert!(restored["conflicts"]["opened_ids"].as_array().unwrap().contains(&dup["id"]), "{restored}");
    assert_live_equals_full_check(&db, t, an);
}

/// The parcel's polygons in the commune's own CRS, as stored.
fn stored_polygon(db: &TestDb, id: &str) -> geo::MultiPolygon<f64> {
    let text = sql_value(
        &db.url,
        &format!(
            "SELECT ST_AsGeoJSON(ST_Multi(geom), 15) FROM thuadat.parcel WHERE parcel_id = '{id}' AND NOT retired"
        ),
    );
    let v: Value = serde_json::from_str(&text).unwrap();
    let ring = |r: &Value| {
        geo::LineString::from(
            r.as_array().unwrap().iter().map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap())).collect::<Vec<_>>(),
        )
    };
    geo::MultiPolygon(
        v["coordinates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|rings| {
                let rings = rings.as_array().unwrap();
                geo::Polygon::new(ring(&rings[0]), rings[1..].iter().map(ring).collect())
            })
            .collect(),
    )
}

fn geojson_of(mp: &geo::MultiPolygon<f64>) -> Value {
    let ring = |r: &geo::LineString<f64>| r.0.iter().map(|c| json!([c.x, c.y])).collect::<Vec<_>>();
    json!({
        "type": "MultiPolygon",
        "coordinates": mp.0.iter().map(|p| {
            let mut rings = vec![ring(p.exterior())];
            rings.extend(p.interiors().iter().map(ring));
            rings
        }).collect::<Vec<_>>(),
    })
}

/// Issue 18, parcels (OGC API - Features Part 4): an officer fixes an overlap by replacing a parcel's geometry
/// in the commune's own CRS, renames a land use with PATCH, maps a split in one batch, retires a parcel and adds
/// one; each is checked again at once (the answer names the conflicts opened and closed and the statuses that
/// changed), numbered, audited, seen by a second server; stale, missing and bad writes are refused with the
/// member named; and afterwards the live conflicts and statuses equal a full check of the exported commune.
#[test]
fn officers_correct_parcels_through_ogc_api_features_part_4() {
    let db = TestDb::new("parcel_edits");
    let out = run(&["import", sample().to_str().unwrap(), "--db", &db.url, "--by", "tester"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    add(&db, "an", "officer", &[]);
    let group = sql_value(&db.url, "SELECT name FROM thuadat.grp ORDER BY position LIMIT 1");
    add(&db, "binh", "field", &["--group", &group]);
    let (server, _) = common::serve_with(&["--db", &db.url]);
    let (other, _) = common::serve_with(&["--db", &db.url]);
    let a = server.addr.as_str();
    let (an_pw, binh_pw) = (password_of("an"), password_of("binh"));
    let an = Some(("an", an_pw.as_str()));
    let native = "Content-Crs: <VN2000:105.0>\r\n";
    let (_, _, text) = http(a, "GET", "/conformance", "", an);
    assert!(text.contains("ogcapi-features-4/1.0/conf/create-replace-delete"), "{text}");

    // An overlap between two parcels.
    let (_, _, text) = http(a, "GET", "/work?kind=overlap&limit=1000", "", an);
    let work: Value = serde_json::from_str(&text).unwrap();
    let overlap = work["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["parcel_ids"].as_array().unwrap().len() == 2)
        .unwrap()
        .clone();
    let (pa, pb) = (overlap["parcel_ids"][0].as_str().unwrap(), overlap["parcel_ids"][1].as_str().unwrap());
    let item = format!("/collections/parcels/items/{pa}");
    let (code, head, text) = http(a, "GET", &item, "", an);
    assert_eq!(code, 200, "{text}");
    let tag = etag_of(&head);
    assert!(head.contains("cache-control: no-store") || head.contains("cache-control: private"), "{head}");
    let fixed = stored_polygon(&db, pa).difference(&stored_polygon(&db, pb));
    let mut feature: Value = serde_json::from_str(&text).unwrap();
    feature["geometry"] = geojson_of(&fixed);
    feature["comment"] = json!("trả lại phần chồng lấn cho thửa bên cạnh");
    let body = feature.to_string();
    let if_match = format!("If-Match: {tag}\r\n{native}");

    // Who may not, and what is refused (nothing written).
    let (code, _, text) = http_with(a, "PUT", &item, &body, Some(("binh", &binh_pw)), &if_match);
    assert_eq!(code, 403, "{text}");
    assert!(reason(&text).contains("field users may not edit geometry"), "{text}");
    let (code, _, text) = http_with(a, "PUT", &item, &body, an, native);
    assert_eq!((code, reason(&text).starts_with("an edit needs `If-Match`")), (428, true), "{text}");
    let (code, head, text) = http_with(a, "PUT", &item, &body, an, &format!("If-Match: \"00\"\r\n{native}"));
    assert_eq!(code, 412, "{text}");
    assert_eq!(etag_of(&head), tag);
    // In the commune, in VN-2000 (the sample lies at about 105.40 E, 20.99 N).
    let (x0, y0, d) = (543423.0, 2322109.0, 10.0);
    let unclosed = json!({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[x0, y0], [x0 + d, y0], [x0 + d, y0 + d], [x0, y0 + d]]]}, "properties": {"sheet": 1, "parcel_no": 9000}});
    let bowtie = json!({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[x0, y0], [x0 + d, y0 + d], [x0 + d, y0], [x0, y0 + d], [x0, y0]]]}, "properties": {"sheet": 1, "parcel_no": 9000}});
    let elsewhere = json!({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[0.0, 0.0], [1e-4, 0.0], [1e-4, 1e-4], [0.0, 0.0]]]}, "properties": {"sheet": 1, "parcel_no": 9000}});
    let lonlat_as_native = json!({"geometry": {"type": "Polygon", "coordinates": [[[105.4019, 20.9856], [105.402, 20.9856], [105.402, 20.9857], [105.4019, 20.9856]]]}});
    let native_match = format!("If-Match: {tag}\r\n{native}");
    for (method, bad, extra, status, why) in [
        ("PUT", unclosed.to_string(), if_match.as_str(), 422, "`geometry`: polygon 1, ring 1 is not closed"),
        ("PUT", bowtie.to_string(), if_match.as_str(), 422, "`geometry`: exterior ring has a self-intersection"),
        ("PUT", elsewhere.to_string(), if_match.as_str(), 422, "`geometry`: polygon 1, ring 1, position 1: (0, 0) lies about "),
        ("PATCH", lonlat_as_native.to_string(), native_match.as_str(), 422, "lies about 2"),
        ("PATCH", r#"{"properties": {"sheet": -1}}"#.to_string(), if_match.as_str(), 422, "`properties.sheet`: -1 is not a whole number"),
        ("PATCH", r#"{"properties": {"owner": "x"}}"#.to_string(), if_match.as_str(), 422, "`properties.owner`: not a property of a parcel"),
        ("PATCH", r#"{"geometry": {"type": "Point", "coordinates": [1, 2]}}"#.to_string(), if_match.as_str(), 422, "a Polygon or a MultiPolygon, not Point"),
        ("PATCH", r#"{"geometry": {"type": "Polygon", "coordinates": [[[105.9, 21.0], [105.91, 21.0], [105.91, 21.01], [105.9, 21.0]]]}}"#.to_string(), &format!("If-Match: {tag}\r\nContent-Crs: <EPSG:3857>\r\n"), 400, "`Content-Crs: EPSG:3857` is not accepted"),
        ("PUT", r#"{"type": "Feature", "geometry": null, "properties": {"sheet": 1, "parcel_no": 2}}"#.to_string(), if_match.as_str(), 422, "`geometry`: a parcel needs its polygon"),
        ("PUT", "{oops".to_string(), if_match.as_str(), 400, "the body is not JSON"),
    ] {
        let (code, _, text) = http_with(a, method, &item, &bad, an, extra);
        assert_eq!(code, status, "{bad}: {text}");
        assert!(reason(&text).contains(why), "{bad}: {text}");
    }
    let (code, _, text) = http_with(
        a,
        "PUT",
        &format!("/collections/conflicts/items/{}", overlap["id"].as_str().unwrap()),
        &body,
        an,
        &if_match,
    );
    assert_eq!(code, 405, "{text}");
    assert_eq!(sql_value(&db.url, "SELECT count(*)::text FROM thuadat.edit"), "0");

    // The overlap fixed in VN-2000 coordinates: the conflict closes at once.
    let (code, head, text) = http_with(a, "PUT", &item, &body, an, &if_match);
    assert_eq!(code, 200, "{text}");
    let done: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (done["op"].as_str(), done["id"].as_str(), done["version"].as_i64()),
        (Some("changed"), Some(pa), Some(1))
    );
    assert!(done["conflicts"]["closed_ids"].as_array().unwrap().contains(&overlap["id"]), "{}", done["conflicts"]);
    assert_ne!(etag_of(&head), tag);
    assert!(!done["parcel"]["properties"]["conflict_ids"].as_str().unwrap().contains(overlap["id"].as_str().unwrap()));
    assert_eq!(
        sql_value(
            &db.url,
            "SELECT by_whom || ':' || target || ':' || target_id || ':' || comment FROM thuadat.edit WHERE version = 1"
        ),
        format!("an:parcel:{pa}:trả lại phần chồng lấn cho thửa bên cạnh")
    );
    assert_eq!(sql_value(&db.url, "SELECT count(*)::text FROM thuadat.audit_log WHERE action = 'parcel edited'"), "1");
    // The same tag again is stale now.
    let (code, _, _) = http_with(a, "PUT", &item, &body, an, &if_match);
    assert_eq!(code, 412);

    // PATCH: only what is given changes.
    let (_, head, _) = http(a, "GET", &item, "", an);
    let (code, head, text) = http_with(
        a,
        "PATCH",
        &item,
        r#"{"properties": {"land_use": "ODT"}}"#,
        an,
        &format!("If-Match: {}\r\n", etag_of(&head)),
    );
    assert_eq!(code, 200, "{text}");
    let patched: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(patched["after"]["land_use"], "ODT");
    // Only what an edit can affect is checked again.
    assert_eq!((done["recheck"].as_str(), patched["recheck"].as_str()), (Some("incremental"), Some("incremental")));
    assert_eq!(patched["after"]["geometry"], patched["before"]["geometry"]);
    assert_eq!(patched["parcel"]["properties"]["land_use"], "ODT");
    let pa_tag = etag_of(&head);

    // A split mapped in one batch: parcel pb keeps its west half, its east half is a new parcel.
    let whole = stored_polygon(&db, pb);
    let bbox = geo::BoundingRect::bounding_rect(&whole).unwrap();
    let mid = (bbox.min().x + bbox.max().x) / 2.0;
    let west = geo::Rect::new((bbox.min().x - 1.0, bbox.min().y - 1.0), (mid, bbox.max().y + 1.0)).to_polygon();
    let east = geo::Rect::new((mid, bbox.min().y - 1.0), (bbox.max().x + 1.0, bbox.max().y + 1.0)).to_polygon();
    let (west, east) =
        (whole.intersection(&geo::MultiPolygon(vec![west])), whole.intersection(&geo::MultiPolygon(vec![east])));
    let (_, head, text) = http(a, "GET", &format!("/collections/parcels/items/{pb}"), "", an);
    let b_feature: Value = serde_json::from_str(&text).unwrap();
    let sheet = b_feature["properties"]["sheet"].as_i64().unwrap();
    let new_no = 9001;
    let batch = json!({
        "comment": "tách thửa theo hồ sơ",
        "changes": [
            {"op": "update", "id": pb, "if_match": etag_of(&head), "feature": {"geometry": geojson_of(&west)}},
            {"op": "create", "feature": {"type": "Feature", "geometry": geojson_of(&east), "properties": {"sheet": sheet, "parcel_no": new_no, "land_use": "ONT"}}},
        ],
    });
    // A stale change anywhere in the batch writes nothing.
    let mut stale = batch.clone();
    stale["changes"][0]["if_match"] = json!("\"00\"");
    let (code, _, text) = http_with(a, "POST", "/parcels/batch", &stale.to_string(), an, native);
    assert_eq!(code, 412, "{text}");
    assert_eq!(sql_value(&db.url, "SELECT max(version)::text FROM thuadat.edit"), "2");
    let (code, _, text) = http_with(a, "POST", "/parcels/batch", &batch.to_string(), an, native);
    assert_eq!(code, 200, "{text}");
    let split: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(split["recheck"], "incremental");
    let new_id = format!("00118-{sheet}-{new_no}");
    assert_eq!(split["changes"][0]["version"], 3);
    assert_eq!(
        (split["changes"][1]["op"].as_str(), split["changes"][1]["id"].as_str()),
        (Some("created"), Some(new_id.as_str()))
    );
    assert!(
        split["statuses"].as_array().unwrap().iter().any(|s| s["id"] == new_id.as_str() && s["was"].is_null()),
        "{}",
        split["statuses"]
    );
    let (code, _, _) = http(a, "GET", &format!("/collections/parcels/items/{new_id}"), "", an);
    assert_eq!(code, 200);

    // Retired: off the map, kept on record.
    let (code, _, text) = http(a, "DELETE", &item, "", an);
    assert_eq!(code, 428, "{text}");
    let (code, _, text) = http_with(
        a,
        "DELETE",
        &format!("{item}?comment=nh%E1%BA%ADp%20th%E1%BB%ADa"),
        "",
        an,
        &format!("If-Match: {pa_tag}\r\n"),
    );
    assert_eq!(code, 200, "{text}");
    let retired: Value = serde_json::from_str(&text).unwrap();
    assert_eq!((retired["op"].as_str(), retired["parcel"].is_null()), (Some("retired"), true));
    assert_eq!(retired["recheck"], "incremental");
    assert!(
        retired["statuses"].as_array().unwrap().iter().any(|s| s["id"] == pa && s["status"].is_null()),
        "{}",
        retired["statuses"]
    );
    let (code, _, _) = http(a, "GET", &item, "", an);
    assert_eq!(code, 404);
    assert_eq!(
        sql_value(&db.url, &format!("SELECT retired::text FROM thuadat.parcel WHERE parcel_id = '{pa}'")),
        "true"
    );

    // A new parcel whose ring crosses itself, stored anyway on request: its invalid_geometry conflict opens.
    let mut bad = bowtie.clone();
    let b0 = bbox.min();
    bad["geometry"]["coordinates"] = json!([[
        [b0.x + 500.0, b0.y],
        [b0.x + 510.0, b0.y + 10.0],
        [b0.x + 510.0, b0.y],
        [b0.x + 500.0, b0.y + 10.0],
        [b0.x + 500.0, b0.y]
    ]]);
    bad["properties"] = json!({"sheet": sheet, "parcel_no": 9002});
    let (code, head, text) =
        http_with(a, "POST", "/collections/parcels/items?allow_invalid=true", &bad.to_string(), an, native);
    assert_eq!(code, 201, "{text}");
    let bad_id = format!("00118-{sheet}-9002");
    assert!(head.contains(&format!("location: http://{a}/collections/parcels/items/{bad_id}")), "{head}");
    let posted: Value = serde_json::from_str(&text).unwrap();
    let opened = posted["conflicts"]["opened_ids"].as_array().unwrap();
    let (_, _, text) = http(a, "GET", "/work?kind=invalid_geometry&limit=1000", "", an);
    let invalid: Value = serde_json::from_str(&text).unwrap();
    assert!(
        invalid["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["parcel_ids"] == json!([bad_id]) && opened.contains(&i["id"])),
        "{text}"
    );

    // The edits for the land information system, and a second server that learnt of them.
    let (_, _, text) = http(a, "GET", "/export/changes?since=0", "", an);
    let changes: Value = serde_json::from_str(&text).unwrap();
    let targets: Vec<(i64, &str, &str)> = changes["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["version"].as_i64().unwrap(), c["target"].as_str().unwrap(), c["id"].as_str().unwrap()))
        .collect();
    assert_eq!(
        targets,
        vec![
            (1, "parcel", pa),
            (2, "parcel", pa),
            (3, "parcel", pb),
            (4, "parcel", new_id.as_str()),
            (5, "parcel", pa),
            (6, "parcel", bad_id.as_str())
        ]
    );
    let t0 = Instant::now();
    while http(other.addr.as_str(), "GET", &format!("/collections/parcels/items/{bad_id}"), "", an).0 != 200 {
        assert!(t0.elapsed() < Duration::from_secs(20), "the second server does not serve {bad_id}");
        std::thread::sleep(Duration::from_millis(100));
    }

    assert_live_equals_full_check(&db, a, an);
    assert_live_equals_full_check(&db, other.addr.as_str(), an);
}

/// Random edits through the HTTP API (parcels moved, renumbered and retired; certificates re-pointed and
/// cancelled), each re-checked incrementally and synced to the store; then the live conflicts and statuses, of
/// this server and of a second one, equal a full check of the exported commune.
#[test]
fn random_edits_through_the_api_keep_the_store_equal_to_a_full_check() {
    use rand::{Rng, SeedableRng};
    let db = TestDb::new("random_edits");
    let out = run(&["import", sample().to_str().unwrap(), "--db", &db.url, "--by", "tester"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    add(&db, "an", "officer", &[]);
    let (server, _) = common::serve_with(&["--db", &db.url]);
    let (other, _) = common::serve_with(&["--db", &db.url]);
    let a = server.addr.as_str();
    let pw = password_of("an");
    let an = Some(("an", pw.as_str()));
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(18);
    let parcels: usize = sql_value(&db.url, "SELECT count(*)::text FROM thuadat.parcel").parse().unwrap();
    let certs: usize =
        sql_value(&db.url, "SELECT count(DISTINCT cert_id)::text FROM thuadat.certificate").parse().unwrap();
    let (mut done, mut incremental, mut in_place) = (0, 0, 0);
    for _ in 0..60 {
        let k: usize = rng.random_range(0..parcels);
        let id = sql_value(
            &db.url,
            &format!("SELECT parcel_id FROM thuadat.parcel WHERE NOT retired ORDER BY feature OFFSET {k} LIMIT 1"),
        );
        let what: u8 = rng.random_range(0..5);
        let (method, target, body) = if what < 3 {
            let item = format!("/collections/parcels/items/{id}");
            let (code, _, text) = http(a, "GET", &item, "", an);
            if code != 200 {
                continue; // renamed by an earlier edit (a repeated number)
            }
            let f: Value = serde_json::from_str(&text).unwrap();
            let body = match what {
                0 => {
                    let (dx, dy) = (rng.random_range(-2.0..2.0), rng.random_range(-2.0..2.0));
                    let moved = stored_polygon(&db, &id)
                        .0
                        .into_iter()
                        .map(|p| geo::MapCoords::map_coords(&p, |c| geo::Coord { x: c.x + dx, y: c.y + dy }))
                        .collect();
                    json!({"geometry": geojson_of(&geo::MultiPolygon(moved))})
                }
                1 => {
                    json!({"properties": {"parcel_no": f["properties"]["parcel_no"].as_i64().unwrap() + rng.random_range(1..4)}})
                }
                _ => Value::Null,
            };
            (if body.is_null() { "DELETE" } else { "PATCH" }, item, body)
        } else {
            let k: usize = rng.random_range(0..certs);
            let cert = sql_value(
                &db.url,
                &format!("SELECT DISTINCT cert_id FROM thuadat.certificate ORDER BY cert_id OFFSET {k} LIMIT 1"),
            );
            let target = format!("/certificates/{cert}");
            let body = if what == 3 {
                let n: i64 = sql_value(
                    &db.url,
                    &format!(
                        "SELECT parcel_no::text FROM thuadat.parcel ORDER BY feature OFFSET {} LIMIT 1",
                        rng.random_range(0..parcels)
                    ),
                )
                .parse()
                .unwrap_or(1);
                json!({"sheet": 1, "parcel_no": n.to_string()})
            } else {
                json!({"cancelled": true})
            };
            ("PATCH", target, body)
        };
        let (_, head, _) = http(a, "GET", &target, "", an);
        let tag = etag_of(&head);
        let body = if body.is_null() { String::new() } else { body.to_string() };
        let (code, _, text) =
            http_with(a, method, &target, &body, an, &format!("If-Match: {tag}\r\nContent-Crs: <VN2000:105.0>\r\n"));
        assert_eq!(code, 200, "{method} {target} {body}: {text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        done += 1;
        incremental += usize::from(v["recheck"] == "incremental");
        in_place += usize::from(v["served_data"] == "in place");
    }
    assert!(done >= 50 && incremental == done, "{done} edits, {incremental} incremental");
    assert_eq!(in_place, done, "every edit's served data changed in place");
    assert_live_equals_full_check(&db, a, an);
    // What the edited server serves is what a server loading the commune whole serves: every parcel and
    // conflict feature (geometry and properties, in order), the groups' scorecards and the work list.
    let (fresh, _) = common::serve_with(&["--db", &db.url]);
    for path in [
        "/collections/parcels/items?limit=10000",
        "/collections/conflicts/items?limit=10000",
        "/groups",
        "/work?limit=10000",
    ] {
        let (_, _, edited) = http(a, "GET", path, "", an);
        let (_, _, whole) = http(fresh.addr.as_str(), "GET", path, "", an);
        let (edited, whole): (Value, Value) =
            // Links name the server.
            (
                serde_json::from_str(&edited.replace(a, "server")).unwrap(),
                serde_json::from_str(&whole.replace(fresh.addr.as_str(), "server")).unwrap(),
            );
        let strip = |mut v: Value| {
            // The time of the answer differs.
            v.as_object_mut().map(|o| o.remove("timeStamp"));
            v
        };
        let (edited, whole) = (strip(edited), strip(whole));
        if let (Some(e), Some(w)) = (edited["features"].as_array(), whole["features"].as_array()) {
            let first = e.iter().zip(w).position(|(a, b)| a != b);
            assert!(
                first.is_none() && e.len() == w.len(),
                "{path}: {} features edited, {} whole; first differing:\nedited {}\nwhole  {}",
                e.len(),
                w.len(),
                first.map_or(Value::Null, |k| e[k].clone()),
                first.map_or(Value::Null, |k| w[k].clone())
            );
        }
        if let (Some(e), Some(w)) = (edited.as_object(), whole.as_object()) {
            let keys: Vec<&String> = e.keys().chain(w.keys()).filter(|k| e.get(*k) != w.get(*k)).collect();
            let show = |v: &serde_json::Map<String, Value>| -> Vec<String> {
                keys.iter()
                    .map(|k| format!("{k}: {:.600}", v.get(*k).map_or(String::new(), Value::to_string)))
                    .collect()
            };
            assert!(keys.is_empty(), "{path} differs:\nedited {:?}\nwhole  {:?}", show(e), show(w));
        }
        assert!(edited == whole, "{path} differs");
    }
    // The second server reloads after each NOTIFY; give it the last one.
    let t0 = Instant::now();
    loop {
        let (_, _, mine) = http(a, "GET", "/collections/conflicts/items?limit=10000", "", an);
        let (_, _, theirs) = http(other.addr.as_str(), "GET", "/collections/conflicts/items?limit=10000", "", an);
        let ids = |t: &str| -> Vec<String> {
            let v: Value = serde_json::from_str(t).unwrap();
            let mut ids: Vec<String> =
                v["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_string()).collect();
            ids.sort();
            ids
        };
        if ids(&mine) == ids(&theirs) {
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(30), "the second server does not catch up");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_live_equals_full_check(&db, other.addr.as_str(), an);
    // The export after the edits round-trips: imported again and exported, the same files.
    let tmp = tempfile::tempdir().unwrap();
    let (first, second) = (tmp.path().join("first"), tmp.path().join("second"));
    let o = run(&["export", "--db", &db.url, "--out", first.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(&["import", first.to_str().unwrap(), "--db", &db.url, "--by", "tester"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(&["export", "--db", &db.url, "--out", second.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["certificates.csv", "citizens.csv", "dataset.toml", "groups.geojson", "parcels.geojson"] {
        assert!(std::fs::read(first.join(f)).unwrap() == std::fs::read(second.join(f)).unwrap(), "{f} differs");
    }
}

/// An officer sets a holder's current id (`PATCH /parcels/{id}/holders/{line}`): the holder that was matched
/// by attributes is linked again by the id, the parcel's status follows at once, the edit is numbered and its
/// id shown in `/export/changes` only to those entitled to holders; bad ids are 422, a stale tag 412, a
/// missing one 428, viewers 403; a second server replays the edit; and the commune equals a full check of
/// its export.
#[test]
fn an_officer_sets_a_holders_current_id_and_the_holder_is_linked_again() {
    let db = TestDb::new("holder_id");
    let out = run(&["import", sample().to_str().unwrap(), "--db", &db.url, "--by", "tester"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    add(&db, "an", "officer", &[]);
    add(&db, "vi", "viewer", &[]);
    let (server, _) = common::serve_with(&["--db", &db.url]);
    let (other, _) = common::serve_with(&["--db", &db.url]);
    let a = server.addr.as_str();
    let (pw, vpw) = (password_of("an"), password_of("vi"));
    let (an, vi) = (Some(("an", pw.as_str())), Some(("vi", vpw.as_str())));
    // A holder matched by attributes, with the register's id of the person found.
    let row = common::sql(
        &db.url,
        &["SELECT l.line::text, c.cert_id, z.citizen_id FROM thuadat.holder_link l \
           JOIN thuadat.certificate c ON c.commune_code = l.commune_code AND c.line = l.line \
           JOIN thuadat.citizen z ON z.commune_code = l.commune_code AND z.line = l.citizen_line \
           WHERE l.status = 'matched_by_attributes' AND length(z.citizen_id) = 12 AND NOT c.cancelled \
           ORDER BY l.line LIMIT 1"],
    );
    let row: Vec<String> = row[0].iter().map(|v| v.clone().unwrap()).collect();
    let (line, cert, cccd) = (row[0].as_str(), row[1].as_str(), row[2].as_str());
    let (_, _, text) = http(a, "GET", &format!("/certificates/{cert}"), "", an);
    let c: Value = serde_json::from_str(&text).unwrap();
    let parcel = c["served"]["parcel_ids"][0].as_str().unwrap().to_string();
    let holders_of = |addr: &str| -> Value {
        let (code, _, text) = http(addr, "GET", &format!("/parcels/{parcel}/holders"), "", an);
        assert_eq!(code, 200, "{text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        v["holders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["line"].as_i64().map(|l| l.to_string()).as_deref() == Some(line))
            .unwrap()
            .clone()
    };
    let before = holders_of(a);
    assert_eq!(before["linkage"]["status"], "matched_by_attributes", "{before}");
    let tag = before["etag"].as_str().unwrap().to_string();
    let target = format!("/parcels/{parcel}/holders/{line}");
    let body = json!({"holder_id": cccd, "comment": "số CCCD trên thẻ"}).to_string();
    let if_match = format!("If-Match: {tag}\r\n");

    // Refused: no tag, a stale one, ids that are not a CCCD, a viewer.
    let (code, _, text) = http(a, "PATCH", &target, &body, an);
    assert_eq!(code, 428, "{text}");
    let (code, head, text) = http_with(a, "PATCH", &target, &body, an, "If-Match: \"0000\"\r\n");
    assert_eq!((code, etag_of(&head)), (412, tag.clone()), "{text}");
    for (bad, want) in [
        ("013508475", "`holder_id` must be the holder's current 12-digit citizen id (CCCD), not `013508475`"),
        ("12345678901x", "`holder_id` is not a citizen id (CCCD)"),
    ] {
        let b = json!({"holder_id": bad}).to_string();
        let (code, _, text) = http_with(a, "PATCH", &target, &b, an, &if_match);
        assert_eq!(code, 422, "{text}");
        assert!(reason(&text).starts_with(want), "{text}");
    }
    let (code, _, text) = http_with(a, "PATCH", &target, &body, vi, &if_match);
    assert_eq!(code, 403, "{text}");

    // Set: linked again by the id, the commune checked again, the served data in place.
    let (code, head, text) = http_with(a, "PATCH", &target, &body, an, &if_match);
    assert_eq!(code, 200, "{text}");
    let done: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(done["holder"]["holder_id"], cccd);
    assert_eq!(done["holder"]["linkage"]["status"], "matched_by_id", "{done}");
    assert_eq!(done["holder"]["differs"], json!([]), "{done}");
    assert_eq!((done["recheck"].as_str(), done["served_data"].as_str()), (Some("incremental"), Some("in place")));
    assert_eq!(etag_of(&head), done["holder"]["etag"].as_str().unwrap());
    assert_ne!(etag_of(&head), tag);
    let version = done["version"].as_i64().unwrap();
    let stored = sql_value(
        &db.url,
        &format!(
            "SELECT c.holder_id || ' ' || l.status FROM thuadat.certificate c JOIN thuadat.holder_link l \
             ON l.commune_code = c.commune_code AND l.line = c.line WHERE c.line = {line}"
        ),
    );
    assert_eq!(stored, format!("{cccd} matched_by_id"));
    // The parcel's status: no longer held back by a holder matched by attributes.
    let (_, _, text) = http(a, "GET", &format!("/collections/parcels/items/{parcel}"), "", an);
    let f: Value = serde_json::from_str(&text).unwrap();
    let reasons = f["properties"]["reasons"].as_str().unwrap_or("").to_string();
    assert!(!reasons.contains("holder_matched_by_attributes"), "{f}");
    // Again with the old tag: stale.
    let (code, _, _) = http_with(a, "PATCH", &target, &body, an, &if_match);
    assert_eq!(code, 412);

    // The change list: the id to the officer, withheld from the viewer; the audit row names no id.
    let since = format!("/export/changes?since={}", version - 1);
    let (_, _, text) = http(a, "GET", &since, "", an);
    let change = serde_json::from_str::<Value>(&text).unwrap()["changes"][0].clone();
    assert_eq!((change["target"].as_str(), change["id"].as_str()), (Some("holder"), Some(line)));
    assert_eq!(change["after"]["holder_id"], cccd);
    assert_eq!(change["after"]["link"]["status"], "matched_by_id");
    let (_, _, text) = http(a, "GET", &since, "", vi);
    let change = serde_json::from_str::<Value>(&text).unwrap()["changes"][0].clone();
    assert_eq!((change["withheld"].as_bool(), change["after"].is_null()), (Some(true), true), "{change}");
    assert!(!text.contains(cccd));
    let audit = sql_value(&db.url, "SELECT detail::text FROM thuadat.audit_log WHERE action = 'holder id set'");
    assert!(audit.contains(&parcel) && !audit.contains(cccd), "{audit}");

    // The second server replays the edit.
    let t0 = Instant::now();
    let properties = |addr: &str| -> Value {
        let (_, _, text) = http(addr, "GET", &format!("/collections/parcels/items/{parcel}"), "", an);
        serde_json::from_str::<Value>(&text).unwrap()["properties"].clone()
    };
    while properties(other.addr.as_str()) != properties(a) {
        assert!(t0.elapsed() < Duration::from_secs(20), "the second server does not follow");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_live_equals_full_check(&db, a, an);
}
