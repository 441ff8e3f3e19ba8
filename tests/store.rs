//! The PostGIS store on the real binary against a real PostgreSQL 15 + PostGIS 3 server
//! (`scripts/with-postgis.sh cargo test --release --test store`). Each test gets its own throwaway database;
//! without `DATABASE_URL` every test here fails.
#![allow(clippy::unwrap_used)] // a test fails loudly on its own fixtures

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{bin, run, sql, sql_value, TestDb};
use serde_json::Value;

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/sample")
}

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "thuadat {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn import(db: &TestDb, dataset: &Path, extra: &[&str]) -> String {
    let mut args = vec!["import", dataset.to_str().unwrap(), "--db", &db.url, "--by", "tester"];
    args.extend_from_slice(extra);
    ok(&args)
}

fn count(db: &TestDb, table: &str, code: &str) -> i64 {
    sql_value(&db.url, &format!("SELECT count(*)::text FROM thuadat.{table} WHERE commune_code = '{code}'"))
        .parse()
        .unwrap()
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The four report files are equal, but for where the data came from and the timings in summary.json.
fn assert_same_report(a: &Path, b: &Path) {
    for f in ["conflicts.geojson", "parcels.csv", "holders.csv"] {
        let (x, y) = (std::fs::read(a.join(f)).unwrap(), std::fs::read(b.join(f)).unwrap());
        assert!(x == y, "{f} differs between {} and {}", a.display(), b.display());
    }
    let strip = |mut v: Value| {
        let o = v.as_object_mut().unwrap();
        for k in ["dataset", "inputs", "timings_s"] {
            assert!(o.remove(k).is_some(), "summary.json has `{k}`");
        }
        // The linkage model's u probabilities come from a parallel random sample whose outcome varies from run
        // to run even on the same directory (src/linkage/matcher.rs, estimate_u): not the store's to compare.
        if let Some(l) = o.get_mut("holder_linkage").and_then(|l| l.as_object_mut()) {
            l.remove("model");
        }
        v
    };
    assert_eq!(strip(json(&a.join("summary.json"))), strip(json(&b.join("summary.json"))));
}

fn gen(dir: &Path, parcels: usize, seed: u64) {
    ok(&["gen", dir.to_str().unwrap(), "--parcels", &parcels.to_string(), "--seed", &seed.to_string()]);
}

#[test]
fn import_counts_and_the_report_from_the_store_equals_the_report_of_the_directory() {
    let db = TestDb::new("sample");
    let tmp = tempfile::tempdir().unwrap();
    let out = import(&db, &sample(), &[]);
    assert!(out.contains("into commune 00118"), "{out}");
    let ds = thuadat::dataset::Dataset::load(&sample()).unwrap();
    // Every feature of the parcels file is a row (features that are not areas too).
    assert_eq!(count(&db, "parcel", "00118") as usize, ds.parcels.len() + ds.skipped_features);
    assert_eq!(sql_value(&db.url, "SELECT count(parcel_id)::text FROM thuadat.parcel"), ds.parcels.len().to_string());
    assert_eq!(count(&db, "certificate", "00118") as usize, ds.certificates.holders.len());
    assert_eq!(count(&db, "citizen", "00118") as usize, ds.register.as_ref().unwrap().len());
    assert_eq!(count(&db, "grp", "00118") as usize, ds.groups.len());
    // The geometry is in the source CRS (VN2000:105.0, a custom SRID) and ST_Transform works with it.
    let srid: i32 = sql_value(&db.url, "SELECT srid::text FROM thuadat.commune").parse().unwrap();
    assert!(srid >= 900000, "custom SRID {srid}");
    let lon: f64 = sql_value(
        &db.url,
        "SELECT ST_X(ST_Transform(ST_Centroid(geom), 4326))::text FROM thuadat.parcel WHERE geom IS NOT NULL \
         ORDER BY feature LIMIT 1",
    )
    .parse()
    .unwrap();
    assert!((104.0..106.5).contains(&lon), "longitude {lon}");

    let files = tmp.path().join("files");
    let stored = tmp.path().join("stored");
    ok(&["check", sample().to_str().unwrap(), "--out", files.to_str().unwrap(), "-q"]);
    ok(&["check", "--db", &db.url, "--commune", "00118", "--out", stored.to_str().unwrap(), "-q"]);
    assert_same_report(&files, &stored);
    // The conflicts of the report are the stored ones, open.
    let conflicts = json(&files.join("conflicts.geojson"));
    let n = conflicts["features"].as_array().unwrap().len();
    assert!(n > 0);
    let ids: std::collections::BTreeSet<&str> =
        conflicts["features"].as_array().unwrap().iter().map(|f| f["properties"]["id"].as_str().unwrap()).collect();
    assert_eq!(
        sql_value(&db.url, "SELECT count(*)::text FROM thuadat.conflict WHERE present AND status = 'open'"),
        ids.len().to_string()
    );
    assert_eq!(
        sql_value(&db.url, "SELECT count(*)::text FROM thuadat.conflict_history WHERE event = 'opened'"),
        ids.len().to_string()
    );
    // Each stored conflict has the report's fields and geometry (WGS 84, to the report's 1e-8 degrees).
    let stored: std::collections::BTreeMap<String, Value> = sql(
        &db.url,
        &["SELECT id, json_build_object('kind', kind, 'severity', severity, 'parcel_ids', parcel_ids, \
           'cert_ids', cert_ids, 'group', grp, 'detail', detail, 'candidates', candidates, \
           'geometry', ST_AsGeoJSON(geom, 9)::json)::text FROM thuadat.conflict"],
    )
    .into_iter()
    .map(|r| (r[0].clone().unwrap(), serde_json::from_str(r[1].as_deref().unwrap()).unwrap()))
    .collect();
    fn numbers(v: &Value, out: &mut Vec<f64>) {
        match v {
            Value::Number(n) => out.push(n.as_f64().unwrap()),
            Value::Array(a) => a.iter().for_each(|x| numbers(x, out)),
            _ => {}
        }
    }
    let mut geometries = 0;
    for f in conflicts["features"].as_array().unwrap() {
        let p = &f["properties"];
        let row = &stored[p["id"].as_str().unwrap()];
        for k in ["kind", "severity", "parcel_ids", "cert_ids", "group", "detail", "candidates"] {
            assert_eq!(row[k], p[k], "{k} of {}", p["id"]);
        }
        assert_eq!(row["geometry"]["type"], f["geometry"]["type"], "{}", p["id"]);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        numbers(&row["geometry"]["coordinates"], &mut a);
        numbers(&f["geometry"]["coordinates"], &mut b);
        assert_eq!(a.len(), b.len(), "{}", p["id"]);
        assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-9), "{}", p["id"]);
        geometries += usize::from(!f["geometry"].is_null());
    }
    assert!(geometries > 150, "{geometries} conflicts drawn");
    // Two writes, two audit rows.
    assert_eq!(
        sql(&db.url, &["SELECT action, by_whom FROM thuadat.audit_log ORDER BY id"]),
        vec![
            vec![Some("import".into()), Some("tester".into())],
            vec![Some("check".into()), Some(std::env::var("USER").unwrap_or_else(|_| "thuadat".into()))]
        ]
    );
}

/// A commune whose certificates.csv lacks optional columns: the stored commune remembers which, so that its
/// check skips the same rules and gives the same warnings as the directory's.
#[test]
fn a_commune_without_optional_certificate_columns_is_checked_alike_from_the_store() {
    let db = TestDb::new("absent");
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("sample");
    std::fs::create_dir(&ds).unwrap();
    for entry in std::fs::read_dir(sample()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, ds.join(path.file_name().unwrap())).unwrap();
    }
    // certificates.csv without `area` and `issued`.
    let mut r = csv::Reader::from_path(sample().join("certificates.csv")).unwrap();
    let header = r.headers().unwrap().clone();
    let keep: Vec<usize> =
        header.iter().enumerate().filter(|(_, h)| !["area", "issued"].contains(h)).map(|(i, _)| i).collect();
    let mut w = csv::Writer::from_path(ds.join("certificates.csv")).unwrap();
    w.write_record(keep.iter().map(|&i| &header[i])).unwrap();
    for rec in r.records() {
        let rec = rec.unwrap();
        w.write_record(keep.iter().map(|&i| &rec[i])).unwrap();
    }
    w.flush().unwrap();
    import(&db, &ds, &[]);
    assert_eq!(sql_value(&db.url, "SELECT array_to_string(absent_columns, ',') FROM thuadat.commune"), "area,issued");
    let (files, stored) = (tmp.path().join("files"), tmp.path().join("stored"));
    ok(&["check", ds.to_str().unwrap(), "--out", files.to_str().unwrap(), "-q"]);
    ok(&["check", "--db", &db.url, "--commune", "00118", "--out", stored.to_str().unwrap(), "-q"]);
    let s = json(&stored.join("summary.json"));
    assert_eq!(
        s["skipped_rules"][0],
        "area_mismatch, duplicate_certificate: certificates.csv has no `area` column (area)"
    );
    assert_eq!(s["warnings"].as_array().unwrap().len(), 2, "{}", s["warnings"]);
    assert_same_report(&files, &stored);
}

#[test]
fn a_generated_commune_with_every_defect_reads_back_identically() {
    let db = TestDb::new("gen");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("commune");
    gen(&dir, 1500, 11);
    // Defects PostGIS cannot hold as geometry: an unclosed ring and a ring of three points.
    let path = dir.join("parcels.geojson");
    let mut fc = json(&path);
    let features = fc["features"].as_array_mut().unwrap();
    let ring = features[3]["geometry"]["coordinates"][0].as_array_mut().unwrap();
    ring.pop();
    let ring = features[4]["geometry"]["coordinates"][0].as_array_mut().unwrap();
    ring.drain(1..ring.len() - 2);
    features[5]["geometry"] = Value::Null;
    std::fs::write(&path, serde_json::to_string(&fc).unwrap()).unwrap();

    import(&db, &dir, &[]);
    assert_eq!(
        sql(
            &db.url,
            &["SELECT feature::text FROM thuadat.parcel WHERE feature IN (3, 4, 5) AND geom IS NULL ORDER BY 1"]
        ),
        vec![vec![Some("3".into())], vec![Some("4".into())], vec![Some("5".into())]]
    );
    assert_eq!(
        sql_value(&db.url, "SELECT string_agg(feature::text, ',') FROM thuadat.parcel WHERE feature IN (3, 4) AND geom_raw LIKE '[[[%'"),
        "3,4"
    );
    assert_eq!(sql_value(&db.url, "SELECT geom_kind FROM thuadat.parcel WHERE feature = 5"), "missing");
    let files = tmp.path().join("files");
    let stored = tmp.path().join("stored");
    ok(&["check", dir.to_str().unwrap(), "--out", files.to_str().unwrap(), "-q"]);
    ok(&["check", "--db", &db.url, "--commune", "00118", "--out", stored.to_str().unwrap(), "-q"]);
    let kinds = json(&files.join("summary.json"))["conflicts"]["by_kind"].clone();
    // Every kind of conflict occurs.
    assert_eq!(kinds.as_object().unwrap().len(), thuadat::conflict::Kind::ALL.len());
    for (k, n) in kinds.as_object().unwrap() {
        assert!(n.as_u64().unwrap() > 0, "the generated commune has no {k}: {kinds}");
    }
    assert_same_report(&files, &stored);
}

/// The ids of the stored conflicts that are present, by kind.
fn present(db: &TestDb) -> Vec<(String, String)> {
    sql(&db.url, &["SELECT id, kind FROM thuadat.conflict WHERE present ORDER BY id"])
        .into_iter()
        .map(|r| (r[0].clone().unwrap(), r[1].clone().unwrap()))
        .collect()
}

#[test]
fn statuses_survive_reimport_and_recheck_and_vanished_conflicts_get_history() {
    let db = TestDb::new("review");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("commune");
    common::write_small_commune(&dir);
    import(&db, &dir, &["--commune", "00118"]);
    let before = present(&db);
    assert!(before.len() >= 3, "{before:?}");
    // A reviewer acknowledges one conflict and waives another (the HTTP PATCH does the same in SQL).
    let (ack, waived) = (before[0].0.clone(), before[1].0.clone());
    sql(
        &db.url,
        &[
            &format!(
                "UPDATE thuadat.conflict SET status = 'acknowledged', status_by = 'an', status_at = now(), \
                 status_comment = 'seen' WHERE id = '{ack}'"
            ),
            &format!("UPDATE thuadat.conflict SET status = 'waived' WHERE id = '{waived}'"),
        ],
    );
    // The overlap goes away: the second parcel of the overlapping pair loses its geometry's overlap.
    let overlap = before.iter().find(|(_, k)| k == "overlap").map(|(id, _)| id.clone()).expect("an overlap");
    let path = dir.join("parcels.geojson");
    let original = std::fs::read_to_string(&path).unwrap();
    let mut fc = json(&path);
    // Parcel 9 reaches into parcel 8 (tests/common): without it, no overlap.
    let features = fc["features"].as_array_mut().unwrap();
    let victim = features.iter().position(|f| f["properties"]["SoThua"] == 9).expect("parcel 9");
    features.remove(victim);
    std::fs::write(&path, serde_json::to_string(&fc).unwrap()).unwrap();
    import(&db, &dir, &["--commune", "00118"]);
    let after = present(&db);
    assert!(!after.iter().any(|(id, _)| *id == overlap), "the overlap vanished");
    assert_eq!(
        sql(
            &db.url,
            &[&format!(
                "SELECT present::text, (vanished_at IS NOT NULL)::text FROM thuadat.conflict WHERE id = '{overlap}'"
            )]
        ),
        vec![vec![Some("false".into()), Some("true".into())]]
    );
    assert_eq!(
        sql_value(&db.url, &format!("SELECT count(*)::text FROM thuadat.conflict_history WHERE conflict_id = '{overlap}' AND event = 'vanished'")),
        "1"
    );
    // The vanished overlap was last seen by the first import; the present conflicts by the second.
    assert_eq!(
        sql_value(&db.url, &format!("SELECT last_seen::text FROM thuadat.conflict WHERE id = '{overlap}'")),
        "1"
    );
    assert_eq!(sql_value(&db.url, "SELECT conflicts_seen::text FROM thuadat.commune"), "2");
    for (id, status) in [(&ack, "acknowledged"), (&waived, "waived")] {
        if after.iter().any(|(x, _)| x == id) {
            assert_eq!(sql_value(&db.url, &format!("SELECT status FROM thuadat.conflict WHERE id = '{id}'")), status);
        }
    }
    assert!(after.iter().any(|(x, _)| *x == ack) || after.iter().any(|(x, _)| *x == waived));
    // The import replaced the parcels whole.
    assert_eq!(count(&db, "parcel", "00118") as usize, fc["features"].as_array().unwrap().len());

    // A re-check changes nothing and keeps the statuses; it rewrites no conflict row (same row versions).
    let versions = "SELECT string_agg(id || ':' || xmin::text, ',' ORDER BY id) FROM thuadat.conflict";
    let rows_before = sql_value(&db.url, versions);
    let report = tmp.path().join("report");
    ok(&["check", "--db", &db.url, "--commune", "00118", "--out", report.to_str().unwrap(), "-q"]);
    assert_eq!(present(&db), after);
    assert_eq!(sql_value(&db.url, versions), rows_before);
    assert_eq!(sql_value(&db.url, "SELECT conflicts_seen::text FROM thuadat.commune"), "3");
    if after.iter().any(|(x, _)| *x == ack) {
        assert_eq!(
            sql(
                &db.url,
                &[&format!("SELECT status, status_by, status_comment FROM thuadat.conflict WHERE id = '{ack}'")]
            ),
            vec![vec![Some("acknowledged".into()), Some("an".into()), Some("seen".into())]]
        );
    }
    // The overlap comes back: same id, its history says so.
    std::fs::write(&path, original).unwrap();
    import(&db, &dir, &["--commune", "00118"]);
    assert_eq!(present(&db), before);
    assert_eq!(
        sql(
            &db.url,
            &[&format!("SELECT event FROM thuadat.conflict_history WHERE conflict_id = '{overlap}' ORDER BY id")]
        ),
        vec![vec![Some("opened".into())], vec![Some("vanished".into())], vec![Some("reappeared".into())]]
    );
    assert_eq!(
        sql_value(&db.url, &format!("SELECT last_seen::text FROM thuadat.conflict WHERE id = '{overlap}'")),
        "4"
    );
    assert_eq!(sql_value(&db.url, "SELECT count(*)::text FROM thuadat.import"), "4");
}

#[test]
fn bad_input_and_bad_databases_give_clear_errors() {
    // Bad input: exit 2 before the database is touched (here: none is reachable at all).
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope");
    let out = run(&["import", missing.to_str().unwrap(), "--db", "postgres://127.0.0.1:1/x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("dataset directory not found"));

    // A URL that is not PostgreSQL's.
    let out = run(&["import", sample().to_str().unwrap(), "--db", "mysql://u@h/db"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--db") && err.contains("is not a PostgreSQL URL"), "{err}");

    // No server listening: exit 1, names what failed, hides the password.
    let out = run(&["import", sample().to_str().unwrap(), "--db", "postgres://u:secret@127.0.0.1:1/x"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot connect to postgres://u:***@127.0.0.1:1/x"), "{err}");
    assert!(!err.contains("secret"));

    // A database where PostGIS cannot be created (its owner is not a superuser).
    let plain = TestDb::without_postgis("plain");
    let role = format!("r_{}", plain.name);
    sql(
        &plain.admin,
        &[&format!("CREATE ROLE {role} LOGIN"), &format!("ALTER DATABASE {} OWNER TO {role}", plain.name)],
    );
    let url = plain.url.replacen("://postgres@", &format!("://{role}@"), 1);
    assert_ne!(url, plain.url, "the test URL names the postgres user");
    let out = run(&["import", sample().to_str().unwrap(), "--db", &url]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("PostGIS is not installed in this database and cannot be created"), "{err}");
    assert_eq!(sql_value(&plain.url, "SELECT count(*)::text FROM pg_namespace WHERE nspname = 'thuadat'"), "0");

    // An unknown commune.
    let db = TestDb::new("unknown");
    import(&db, &sample(), &[]);
    let out = run(&["check", "--db", &db.url, "--commune", "99999", "--out", tmp.path().join("r").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("commune `99999` is not in the store (it holds: 00118)"), "{err}");

    // Text PostgreSQL cannot hold (a NUL character, as torn records have), in a parcel and in a certificate:
    // exit 2 naming the file, the feature or row, and the field; the stored commune stays as it was.
    let copy_sample = |to: &Path| {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(sample()).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    };
    let torn = tmp.path().join("torn");
    copy_sample(&torn);
    let mut parcels = json(&torn.join("parcels.geojson"));
    let props = parcels["features"][5]["properties"].as_object_mut().unwrap();
    let land_use = props.keys().find(|k| k.as_str() == "KyHieuMucDichSuDung").unwrap().clone();
    props.insert(land_use, Value::String("ODT\u{0}x".into()));
    std::fs::write(torn.join("parcels.geojson"), serde_json::to_string(&parcels).unwrap()).unwrap();
    let imports = sql_value(&db.url, "SELECT count(*)::text FROM thuadat.import");
    let out = run(&["import", torn.to_str().unwrap(), "--db", &db.url]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "parcels.geojson, feature 5, field `land_use`: text with a NUL character (U+0000), which \
                      PostgreSQL cannot store"
        ),
        "{err}"
    );
    let torn_csv = tmp.path().join("torn-csv");
    copy_sample(&torn_csv);
    let certs = std::fs::read_to_string(torn_csv.join("certificates.csv")).unwrap();
    let mut lines: Vec<String> = certs.lines().map(String::from).collect();
    // The seventh column (`land_use`; the address, last, is quoted and has commas).
    let mut parts: Vec<String> = lines[3].splitn(8, ',').map(String::from).collect();
    parts[6].insert(1, '\u{0}');
    lines[3] = parts.join(",");
    std::fs::write(torn_csv.join("certificates.csv"), lines.join("\n") + "\n").unwrap();
    let out = run(&["import", torn_csv.to_str().unwrap(), "--db", &db.url]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("certificates.csv, row 4, field `land_use`: text with a NUL character"), "{err}");
    // A group's name, which its parcels' conflicts carry too.
    let torn_groups = tmp.path().join("torn-groups");
    copy_sample(&torn_groups);
    let mut groups = json(&torn_groups.join("groups.geojson"));
    groups["features"][1]["properties"]["group"] = Value::String("Tổ dân phố 2\u{0}".into());
    std::fs::write(torn_groups.join("groups.geojson"), serde_json::to_string(&groups).unwrap()).unwrap();
    let out = run(&["import", torn_groups.to_str().unwrap(), "--db", &db.url]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("groups.geojson, feature 1, field `group`: text with a NUL character"), "{err}");
    assert_eq!(sql_value(&db.url, "SELECT count(*)::text FROM thuadat.import"), imports);
    assert_eq!(count(&db, "parcel", "00118"), 2997);
    drop(sql(&plain.admin, &[&format!("DROP DATABASE {} WITH (FORCE)", plain.name), &format!("DROP ROLE {role}")]));
    std::mem::forget(plain);
}

#[test]
fn an_older_schema_is_migrated() {
    let db = TestDb::new("older");
    // The schema as the first migration left it.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        let mut first = sqlx::migrate!("./migrations");
        first.migrations = std::borrow::Cow::Owned(first.migrations[..1].to_vec());
        first.run(&mut conn).await.unwrap();
    });
    assert_eq!(sql_value(&db.url, "SELECT string_agg(version::text, ',') FROM _sqlx_migrations"), "1");
    // A commune stored under that schema (a few rows as the first version wrote them).
    sql(
        &db.url,
        &[
            "INSERT INTO thuadat.import (id, commune_code, action, source, by_whom) VALUES (1, 'x''1', 'import', 's', 'a')",
            "INSERT INTO thuadat.commune (code, name, crs, srid, config, has_register, source, import_id, imported_at) \
             VALUES ('x''1', 'Old', 'EPSG:4326', 4326, '{}', true, 's', 1, now())",
            "INSERT INTO thuadat.parcel (commune_code, feature, parcel_id, geom_kind, geom) VALUES \
             ('x''1', 0, 'p0', 'polygons', 'SRID=4326;POLYGON((0 0,1 0,1 1,0 0))'), ('x''1', 1, NULL, 'missing', NULL)",
            "INSERT INTO thuadat.certificate (commune_code, line, cert_id) VALUES ('x''1', 2, 'C1')",
            "INSERT INTO thuadat.citizen (commune_code, line, citizen_id, full_name) VALUES ('x''1', 2, '001', 'An')",
            "INSERT INTO thuadat.conflict (commune_code, id, kind, severity, parcel_ids, cert_ids, status, first_seen, \
             last_seen) VALUES ('x''1', 'overlap-1', 'overlap', 'error', '{p0}', '{}', 'waived', 1, 1)",
            "SELECT setval('thuadat.import_id_seq', 1)::text",
        ],
    );
    import(&db, &sample(), &[]);
    // Its rows moved into its own partitions; the new commune has its own.
    let rows = |q: &str| -> Vec<String> {
        sql(&db.url, &[q])
            .into_iter()
            .map(|r| r.into_iter().map(Option::unwrap).collect::<Vec<_>>().join(" "))
            .collect()
    };
    assert_eq!(
        rows(
            "SELECT c.relname, p.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
             JOIN pg_class p ON p.oid = i.inhparent WHERE c.relkind = 'r' ORDER BY 1"
        ),
        [
            "certificate_00118 certificate",
            "certificate_x'1 certificate",
            "citizen_00118 citizen",
            "citizen_x'1 citizen",
            "conflict_00118 conflict",
            "conflict_history_00118 conflict_history",
            "conflict_history_x'1 conflict_history",
            "conflict_x'1 conflict",
            "holder_link_00118 holder_link",
            "holder_link_x'1 holder_link",
            "parcel_00118 parcel",
            "parcel_x'1 parcel",
        ]
    );
    let counts = ["parcel", "certificate", "citizen", "holder_link", "conflict", "conflict_history"]
        .map(|t| {
            format!(
                "SELECT relname, count(*)::text FROM thuadat.{t} x JOIN pg_class ON pg_class.oid = x.tableoid GROUP BY 1"
            )
        })
        .join(" UNION ALL ");
    // The new commune's conflicts, each with its 'opened' row, are in its partitions; the old one's stayed.
    let n: usize =
        sql_value(&db.url, "SELECT count(*)::text FROM thuadat.conflict WHERE commune_code = '00118'").parse().unwrap();
    assert!(n > 0);
    let expected: Vec<String> = [
        "certificate_00118 3510",
        "certificate_x'1 1",
        "citizen_00118 3922",
        "citizen_x'1 1",
        &format!("conflict_00118 {n}"),
        &format!("conflict_history_00118 {n}"),
        "conflict_x'1 1",
        "holder_link_00118 3510",
        "parcel_00118 2997",
        "parcel_x'1 2",
    ]
    .map(String::from)
    .to_vec();
    assert_eq!(rows(&format!("{counts} ORDER BY 1")), expected);
    assert_eq!(sql_value(&db.url, "SELECT status FROM thuadat.conflict WHERE commune_code = 'x''1'"), "waived");
    assert_eq!(
        sql_value(&db.url, "SELECT string_agg(version::text, ',' ORDER BY version) FROM _sqlx_migrations"),
        // Every migration of this version, in order.
        (1..=sqlx::migrate!("./migrations").migrations.len()).map(|v| v.to_string()).collect::<Vec<_>>().join(",")
    );
    assert_eq!(sql_value(&db.url, "SELECT count(*)::text FROM thuadat.holder_link"), "3510");
    assert_eq!(sql_value(&db.url, "SELECT count(*)::text FROM thuadat.audit_log"), "1");
}

#[test]
fn a_concurrent_import_of_the_same_commune_waits() {
    let db = TestDb::new("concurrent");
    import(&db, &sample(), &[]);
    // Hold the commune's lock as an import in progress does.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut holder = rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query("BEGIN").execute(&mut c).await.unwrap();
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('thuadat.commune:00118', 0))")
            .execute(&mut c)
            .await
            .unwrap();
        c
    });
    let mut child = Command::new(bin())
        .args(["import", sample().to_str().unwrap(), "--db", &db.url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(line.contains("commune 00118: another import or check of this commune is running; waiting"), "{line}");
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "the import waits for the lock");
    rt.block_on(async { sqlx::query("COMMIT").execute(&mut holder).await.unwrap() });
    let status = child.wait().unwrap();
    assert!(status.success());
    assert_eq!(sql_value(&db.url, "SELECT count(*)::text FROM thuadat.import"), "2");
}

#[test]
fn imports_of_two_communes_at_once_both_land() {
    let db = TestDb::new("two");
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("big");
    gen(&big, 60_000, 11);
    import(&db, &sample(), &[]);
    let conflicts: i64 = sql_value(&db.url, "SELECT count(*)::text FROM thuadat.conflict").parse().unwrap();
    // A first import of another commune, whose swap attaches tables with foreign keys to `commune` and
    // `conflict`...
    let mut first = Command::new(bin())
        .args(["import", big.to_str().unwrap(), "--db", &db.url, "--commune", "99999"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while sql_value(
        &db.url,
        "SELECT count(*)::text FROM pg_stat_activity WHERE query LIKE 'COPY thuadat.\"parcel_import_%' AND state = 'active'",
    ) != "1"
    {
        assert!(first.try_wait().unwrap().is_none(), "the import ended before its COPY was seen");
        assert!(t.elapsed() < Duration::from_secs(120), "no COPY seen");
        std::thread::sleep(Duration::from_millis(20));
    }
    // ... while the sample is imported again: it updates `commune` and syncs its conflicts in place. Each waits
    // for the other's swap at most; neither holds a lock the other's swap needs while waiting for the swap lock.
    import(&db, &sample(), &[]);
    let out = first.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        sql_value(
            &db.url,
            "SELECT string_agg(commune_code || ':' || n, ',' ORDER BY commune_code) FROM \
             (SELECT commune_code, count(*)::text AS n FROM thuadat.import GROUP BY 1) i"
        ),
        "00118:2,99999:1"
    );
    assert_eq!(
        sql_value(&db.url, "SELECT count(*)::text FROM thuadat.conflict WHERE commune_code = '00118'"),
        conflicts.to_string()
    );
    let parcels = count(&db, "parcel", "99999");
    assert!(parcels > 50_000, "{parcels}");
    assert!(
        sql_value(&db.url, "SELECT count(*)::text FROM thuadat.conflict_history WHERE commune_code = '99999'")
            .parse::<i64>()
            .unwrap()
            > 0
    );
}

#[test]
fn kill_9_during_an_import_leaves_the_previous_import_whole() {
    let db = TestDb::new("kill");
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("big");
    gen(&big, 60_000, 5);
    import(&db, &sample(), &[]);
    let parcels = count(&db, "parcel", "00118");
    let conflicts = sql_value(&db.url, "SELECT count(*)::text FROM thuadat.conflict");
    sql(
        &db.url,
        &["UPDATE thuadat.conflict SET status = 'resolved' WHERE id = (SELECT min(id) FROM thuadat.conflict)"],
    );
    let mut child = Command::new(bin())
        .args(["import", big.to_str().unwrap(), "--db", &db.url, "--commune", "00118"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it while its COPY of the parcels runs.
    let t = Instant::now();
    loop {
        let copying = sql_value(
            &db.url,
            "SELECT count(*)::text FROM pg_stat_activity WHERE query LIKE 'COPY thuadat.\"parcel_import_%' AND state = 'active'",
        );
        if copying == "1" {
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "the import ended before its COPY was seen");
        assert!(t.elapsed() < Duration::from_secs(120), "no COPY seen");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    // The server notices the dead client and rolls back.
    let t = Instant::now();
    while sql_value(
        &db.url,
        "SELECT count(*)::text FROM pg_stat_activity WHERE query LIKE 'COPY thuadat.\"parcel_import_%'",
    ) != "0"
    {
        assert!(t.elapsed() < Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(count(&db, "parcel", "00118"), parcels);
    assert_eq!(sql_value(&db.url, "SELECT count(*)::text FROM thuadat.conflict"), conflicts);
    assert_eq!(sql_value(&db.url, "SELECT count(*)::text FROM thuadat.conflict WHERE status = 'resolved'"), "1");
    // The interrupted import left no trace but its sequence number: no new partition either.
    assert_eq!(sql_value(&db.url, "SELECT count(*)::text FROM thuadat.import"), "1");
    assert_eq!(
        sql_value(
            &db.url,
            "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relname LIKE '%\\_00118'"
        ),
        "certificate_00118,citizen_00118,conflict_00118,conflict_history_00118,holder_link_00118,parcel_00118"
    );
    assert_eq!(sql_value(&db.url, "SELECT count(*)::text FROM thuadat.audit_log"), "1");
}

/// The officer every request of these tests logs in as (`serve --db` needs a login).
const LOGIN: (&str, &str) = ("an", "mat-khau-cua-an");

/// Adds [`LOGIN`] to the store at `url` (once).
fn add_officer(url: &str) {
    if sql_value(url, "SELECT count(*)::text FROM thuadat.app_user WHERE login = 'an'") == "0" {
        common::run_with_stdin(
            &["user", "add", LOGIN.0, "--role", "officer", "--db", url, "--password-stdin"],
            LOGIN.1,
        );
    }
}

/// `thuadat serve` with `args` on a free port: the child and its first line of output. With `--db`, the
/// store gets the officer [`LOGIN`] first.
fn serve(args: &[&str]) -> (common::Server, String) {
    if let Some(url) = args.iter().position(|a| *a == "--db").map(|i| args[i + 1]) {
        // The schema (with its users table) exists once anything was imported.
        add_officer(url);
    }
    common::serve_with(args)
}

/// `Authorization: Basic` of [`LOGIN`].
fn authorization() -> String {
    use base64::Engine;
    format!(
        "Authorization: Basic {}\r\n",
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", LOGIN.0, LOGIN.1))
    )
}

/// One HTTP/1.1 request: the status code and the body.
fn http(addr: &str, method: &str, target: &str, body: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\n\
         {}Content-Length: {}\r\n\r\n{body}",
        authorization(),
        body.len()
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(!head.to_ascii_lowercase().contains("transfer-encoding: chunked"), "{head}");
    (head[9..12].parse().unwrap(), body.to_string())
}

fn http_get(addr: &str, target: &str) -> String {
    let (code, body) = http(addr, "GET", target, "");
    assert_eq!(code, 200, "{target}: {body}");
    body
}

#[test]
fn serve_from_the_store_serves_what_the_directory_serves() {
    let db = TestDb::new("serve");
    import(&db, &sample(), &[]);
    let (files, files_line) = serve(&[sample().to_str().unwrap()]);
    let (stored, stored_line) = serve(&["--db", &db.url]);
    let strip = |l: &str| l.split(" on http://").next().unwrap().to_string();
    assert_eq!(strip(&stored_line), strip(&files_line));
    assert!(stored_line.contains("(2997 parcels, 251 conflicts)"), "{stored_line}");
    for target in ["/conflicts.csv", "/collections/parcels/items?limit=50&offset=1000", "/groups"] {
        // Links name the server's own address.
        let a = http_get(&stored.addr, target).replace(&stored.addr, "HOST");
        let b = http_get(&files.addr, target).replace(&files.addr, "HOST");
        assert!(a == b, "{target} differs");
    }
    // Two communes: the one to serve must be named.
    let tmp = tempfile::tempdir().unwrap();
    let other = tmp.path().join("other");
    common::write_small_commune(&other);
    import(&db, &other, &["--commune", "00999"]);
    let out = run(&["serve", "--db", &db.url, "--addr", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("choose the commune to serve with --commune (the store holds: 00118, 00999)"), "{err}");
    let (small, line) = serve(&["--db", &db.url, "--commune", "00999"]);
    assert!(line.contains("serving Small commune (14 parcels"), "{line}");
    drop(small);
}

#[test]
fn review_over_http_sets_the_status_with_history_and_audit() {
    let db = TestDb::new("http");
    import(&db, &sample(), &[]);
    let id = sql_value(&db.url, "SELECT min(id) FROM thuadat.conflict WHERE kind = 'overlap'");
    let (server, _) = serve(&["--db", &db.url]);
    let a = server.addr.as_str();
    let v: Value = serde_json::from_str(&http_get(a, &format!("/conflicts/{id}"))).unwrap();
    assert_eq!(v["id"], id.as_str());
    assert_eq!(v["properties"]["status"], "open");
    assert_eq!(v["properties"]["kind"], "overlap");
    assert!(v["geometry"]["type"] == "Polygon" || v["geometry"]["type"] == "MultiPolygon", "{v}");

    let body = r#"{"status": "acknowledged", "comment": "surveyor goes on Monday", "by": "an"}"#;
    let (code, text) = http(a, "PATCH", &format!("/conflicts/{id}"), body);
    assert_eq!(code, 200, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["properties"]["status"], "acknowledged");
    assert_eq!(v["properties"]["status_by"], "an");
    assert_eq!(v["properties"]["status_comment"], "surveyor goes on Monday");
    let v: Value = serde_json::from_str(&http_get(a, &format!("/conflicts/{id}"))).unwrap();
    assert_eq!(v["properties"]["status"], "acknowledged");

    let h: Value = serde_json::from_str(&http_get(a, &format!("/conflicts/{id}/history"))).unwrap();
    let events: Vec<(&str, &str, Option<&str>)> = h["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["event"].as_str().unwrap(), e["by"].as_str().unwrap(), e["to"].as_str()))
        .collect();
    assert_eq!(events, vec![("opened", "tester", Some("open")), ("status", "an", Some("acknowledged"))]);
    assert_eq!(h["history"][1]["from"], "open");
    assert_eq!(
        sql(
            &db.url,
            &["SELECT action, by_whom, detail->>'conflict', detail->>'to' FROM thuadat.audit_log \
               WHERE action IN ('import', 'review') ORDER BY id"]
        ),
        vec![
            vec![Some("import".into()), Some("tester".into()), None, None],
            vec![Some("review".into()), Some("an".into()), Some(id.clone()), Some("acknowledged".into())]
        ]
    );
    // The officer's first request verified the password once: one login in the audit log, with the address.
    assert_eq!(
        sql(&db.url, &["SELECT by_whom, address FROM thuadat.audit_log WHERE action = 'login'"]),
        vec![vec![Some("an".into()), Some("127.0.0.1".into())]]
    );

    // Bad reviews: JSON errors, nothing written.
    for (target, body, want, reason) in [
        (
            "/conflicts/overlap-0000000000000000",
            r#"{"status":"waived","by":"an"}"#,
            404,
            "no conflict `overlap-0000000000000000` in commune 00118",
        ),
        (
            &format!("/conflicts/{id}") as &str,
            r#"{"status":"done","by":"an"}"#,
            400,
            "`status` must be one of open, acknowledged, resolved, waived, not `done`",
        ),
        (&format!("/conflicts/{id}"), r#"{"status":"waived","by":"binh"}"#, 400, "`by` is the login (an)"),
        (&format!("/conflicts/{id}"), r#"{"status":"waived","who":"an"}"#, 400, "unknown field `who`"),
        (&format!("/conflicts/{id}"), "status=waived", 400, "the body must be JSON"),
    ] {
        let (code, text) = http(a, "PATCH", target, body);
        assert_eq!(code, want, "{body}: {text}");
        let e: Value = serde_json::from_str(&text).unwrap();
        assert!(e["reason"].as_str().unwrap().contains(reason), "{body}: {text}");
    }
    let (code, _) = http(a, "GET", "/conflicts/overlap-0000000000000000/history", "");
    assert_eq!(code, 404);
    assert_eq!(sql_value(&db.url, "SELECT count(*)::text FROM thuadat.conflict_history WHERE event = 'status'"), "1");
    assert_eq!(
        sql_value(&db.url, "SELECT count(*)::text FROM thuadat.audit_log WHERE action IN ('import', 'review')"),
        "2"
    );

    // A re-import keeps the review.
    import(&db, &sample(), &[]);
    let v: Value = serde_json::from_str(&http_get(a, &format!("/conflicts/{id}"))).unwrap();
    assert_eq!(v["properties"]["status"], "acknowledged");
    assert_eq!(v["properties"]["last_seen"], 2);

    // Served from a directory there is no store to review in.
    let (files, _) = serve(&[sample().to_str().unwrap()]);
    let (code, text) = http(&files.addr, "PATCH", &format!("/conflicts/{id}"), body);
    assert_eq!(code, 404);
    assert!(text.contains("reviews need the PostGIS store"), "{text}");
}

/// One HTTP/1.1 GET: the status code and the body's bytes (tiles are binary).
fn http_bytes(addr: &str, target: &str) -> (u16, Vec<u8>) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{}\r\n", authorization()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let at = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    (std::str::from_utf8(&raw[9..12]).unwrap().parse().unwrap(), raw[at + 4..].to_vec())
}

/// The z/x/y tile holding a longitude/latitude.
fn tile_of(z: u32, lon: f64, lat: f64) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let y = (1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n;
    (((lon + 180.0) / 360.0 * n) as u32, y as u32)
}

/// The `status` of conflict `id` in a vector tile's `conflicts` layer (None: not in the tile).
fn tile_status(tile: Vec<u8>, id: &str) -> Option<String> {
    let reader = mvt_reader::Reader::new(tile).unwrap();
    let layer = reader.get_layer_names().unwrap().iter().position(|l| l == "conflicts").unwrap();
    reader.get_features(layer).unwrap().into_iter().find_map(|f| {
        let p = f.properties.unwrap();
        (p.get("id") == Some(&mvt_reader::feature::Value::String(id.to_string()))).then(|| match p.get("status") {
            Some(mvt_reader::feature::Value::String(s)) => s.clone(),
            other => panic!("status is {other:?}"),
        })
    })
}

#[test]
fn a_review_shows_at_once_in_features_look_ups_and_tiles_and_drops_only_the_tiles_that_draw_it() {
    let db = TestDb::new("live");
    import(&db, &sample(), &[]);
    let id = sql_value(&db.url, "SELECT min(id) FROM thuadat.conflict WHERE kind = 'overlap'");
    let total: usize = sql_value(&db.url, "SELECT count(*)::text FROM thuadat.conflict").parse().unwrap();
    let (server, _) = serve(&["--db", &db.url]);
    let a = server.addr.as_str();
    let item = format!("/collections/conflicts/items/{id}");
    let f: Value = serde_json::from_str(&http_get(a, &item)).unwrap();
    assert_eq!(f["properties"]["status"], "open");
    let group = f["properties"]["group"].as_str().unwrap().to_string();
    // The middle of the overlap, its tile at z17 (also cut to its group), and a tile far from it.
    let ring = f["geometry"]["coordinates"].as_array().unwrap();
    let ring = if f["geometry"]["type"] == "Polygon" { &ring[0] } else { &ring[0][0] };
    let pts: Vec<(f64, f64)> =
        ring.as_array().unwrap().iter().map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap())).collect();
    let lon = pts.iter().map(|p| p.0).sum::<f64>() / pts.len() as f64;
    let lat = pts.iter().map(|p| p.1).sum::<f64>() / pts.len() as f64;
    let (x, y) = tile_of(17, lon, lat);
    let q = group.replace(' ', "%20");
    let near = format!("/tiles/17/{x}/{y}.mvt");
    let near_group = format!("/tiles/17/{x}/{y}.mvt?group={q}");
    let far = format!("/tiles/17/{}/{y}.mvt", x + 40);
    for t in [&near, &near_group, &far] {
        assert_eq!(http_bytes(a, t).0, 200, "{t}");
    }
    let cached = |a: &str| -> u64 {
        serde_json::from_str::<Value>(&http_get(a, "/health")).unwrap()["tiles_cached"].as_u64().unwrap()
    };
    assert_eq!(cached(a), 3);
    assert_eq!(tile_status(http_bytes(a, &near).1, &id).as_deref(), Some("open"));
    assert_eq!(tile_status(http_bytes(a, &near_group).1, &id).as_deref(), Some("open"));
    let ids_with = |a: &str, status: &str| -> Vec<String> {
        let v: Value =
            serde_json::from_str(&http_get(a, &format!("/collections/conflicts/items?status={status}&limit=10000")))
                .unwrap();
        v["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(ids_with(a, "open").len(), total);
    assert!(ids_with(a, "acknowledged").is_empty());

    let (code, text) = http(a, "PATCH", &format!("/conflicts/{id}"), r#"{"status": "acknowledged", "by": "an"}"#);
    assert_eq!(code, 200, "{text}");
    // Only the two tiles that draw the conflict left the cache.
    assert_eq!(cached(a), 1);
    assert_eq!(tile_status(http_bytes(a, &near).1, &id).as_deref(), Some("acknowledged"));
    assert_eq!(tile_status(http_bytes(a, &near_group).1, &id).as_deref(), Some("acknowledged"));
    let f: Value = serde_json::from_str(&http_get(a, &item)).unwrap();
    assert_eq!(f["properties"]["status"], "acknowledged");
    assert_eq!(ids_with(a, "acknowledged"), vec![id.clone()]);
    assert_eq!(ids_with(a, "open").len(), total - 1);
    // The look-up at the overlap lists the conflict with its status, on both parcels.
    let l: Value = serde_json::from_str(&http_get(a, &format!("/lookup?lon={lon}&lat={lat}&accuracy=2"))).unwrap();
    let mut parcels: Vec<Value> = l["nearby"].as_array().unwrap().clone();
    parcels.push(l["parcel"].clone());
    let seen: Vec<&str> = parcels
        .iter()
        .filter(|p| !p.is_null())
        .flat_map(|p| p["conflicts"].as_array().unwrap().clone())
        .filter(|c| c["id"] == id.as_str())
        .map(|c| if c["status"] == "acknowledged" { "acknowledged" } else { "other" })
        .collect();
    assert_eq!(seen, vec!["acknowledged", "acknowledged"], "{l}");
    let csv = http_get(a, "/conflicts.csv");
    assert!(csv.lines().next().unwrap().ends_with(",detail,status"));
    assert!(csv.lines().any(|l| l.starts_with(&format!("{id},")) && l.ends_with(",acknowledged")));
    let (code, text) = http(a, "GET", "/collections/conflicts/items?status=done", "");
    assert_eq!(code, 400, "{text}");
    assert!(text.contains("parameter `status` of conflicts: `done` is not one of open, acknowledged, resolved, waived"));

    // A server started later reads the statuses from the store.
    drop(server);
    let (again, _) = serve(&["--db", &db.url]);
    let f: Value = serde_json::from_str(&http_get(&again.addr, &item)).unwrap();
    assert_eq!(f["properties"]["status"], "acknowledged");
    assert_eq!(tile_status(http_bytes(&again.addr, &near).1, &id).as_deref(), Some("acknowledged"));
}

#[test]
fn kill_9_during_review_updates_loses_no_acknowledged_review_and_leaves_no_half_state() {
    let db = TestDb::new("killreview");
    import(&db, &sample(), &[]);
    let ids: Vec<String> = sql(&db.url, &["SELECT id FROM thuadat.conflict ORDER BY id LIMIT 400"])
        .into_iter()
        .map(|r| r[0].clone().unwrap())
        .collect();
    let (mut server, _) = serve(&["--db", &db.url]);
    let addr = server.addr.clone();
    // Four clients review conflicts as fast as the server answers; the server is killed once 40 reviews have
    // been answered, while others are under way.
    let answered = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let clients: Vec<_> = ids
        .chunks(ids.len() / 4)
        .map(|chunk| {
            let (chunk, addr, answered) = (chunk.to_vec(), addr.clone(), answered.clone());
            std::thread::spawn(move || {
                for id in chunk {
                    let body = format!(r#"{{"status": "resolved", "comment": "fixed {id}", "by": "an"}}"#);
                    let reply = std::panic::catch_unwind(|| http(&addr, "PATCH", &format!("/conflicts/{id}"), &body));
                    match reply {
                        Ok((200, _)) => answered.lock().unwrap().push(id),
                        _ => return,
                    }
                }
            })
        })
        .collect();
    let t = Instant::now();
    while answered.lock().unwrap().len() < 40 {
        assert!(t.elapsed() < Duration::from_secs(60), "the reviews did not go through");
        std::thread::sleep(Duration::from_millis(2));
    }
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    for c in clients {
        c.join().unwrap();
    }
    let answered = answered.lock().unwrap().clone();
    assert!(answered.len() >= 40 && answered.len() < ids.len(), "{} answered", answered.len());
    // Every answered review is stored, with its history row and its audit row.
    let stored = |q: &str| -> std::collections::BTreeSet<String> {
        sql(&db.url, &[q]).into_iter().map(|r| r[0].clone().unwrap()).collect()
    };
    let resolved = stored("SELECT id FROM thuadat.conflict WHERE status = 'resolved'");
    let history = stored("SELECT conflict_id FROM thuadat.conflict_history WHERE event = 'status'");
    let audit = stored("SELECT detail->>'conflict' FROM thuadat.audit_log WHERE action = 'review'");
    for id in &answered {
        assert!(resolved.contains(id), "answered review of {id} lost");
    }
    // Nothing half-written: the status, the history row and the audit row exist together or not at all, once.
    assert_eq!(resolved, history);
    assert_eq!(resolved, audit);
    let rows = |q: &str| sql_value(&db.url, q).parse::<usize>().unwrap();
    assert_eq!(rows("SELECT count(*)::text FROM thuadat.conflict_history WHERE event = 'status'"), resolved.len());
    assert_eq!(rows("SELECT count(*)::text FROM thuadat.audit_log WHERE action = 'review'"), resolved.len());
    assert_eq!(
        rows(
            "SELECT count(*)::text FROM thuadat.conflict WHERE status = 'resolved' AND status_comment = 'fixed ' || id"
        ),
        resolved.len()
    );
    // The store still serves: a new server starts with every stored review.
    let (again, _) = serve(&["--db", &db.url]);
    let v: Value =
        serde_json::from_str(&http_get(&again.addr, "/collections/conflicts/items?status=resolved&limit=10000"))
            .unwrap();
    let served: std::collections::BTreeSet<String> =
        v["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(served, resolved);
}

#[test]
fn a_server_of_the_store_starts_from_the_stored_holder_linkage_and_a_check_renews_it() {
    let db = TestDb::new("linkage");
    import(&db, &sample(), &[]);
    // One row per holder, as holders.csv of the directory's report has them.
    let report = tempfile::tempdir().unwrap();
    ok(&["check", sample().to_str().unwrap(), "--out", report.path().to_str().unwrap(), "--quiet"]);
    let mut csv = csv::Reader::from_path(report.path().join("holders.csv")).unwrap();
    let cols = csv.headers().unwrap().clone();
    let at = cols.iter().position(|c| c == "status").unwrap();
    // holders.csv lists the holders in the order of certificates.csv, as the store's lines are.
    let want: Vec<String> = csv.records().map(|r| r.unwrap()[at].to_string()).collect();
    let stored: Vec<String> =
        sql(&db.url, &["SELECT status FROM thuadat.holder_link WHERE commune_code = '00118' ORDER BY line"])
            .into_iter()
            .map(|r| r[0].clone().unwrap())
            .collect();
    assert_eq!(stored.len(), 3510);
    assert_eq!(stored, want);
    assert_eq!(sql_value(&db.url, "SELECT (linkage_model ? 'prior')::text FROM thuadat.commune"), "true");

    let count = |addr: &str, kind: &str| -> u64 {
        let v: Value =
            serde_json::from_str(&http_get(addr, &format!("/collections/conflicts/items?kind={kind}&limit=1")))
                .unwrap();
        v["numberMatched"].as_u64().unwrap()
    };
    let (files, _) = serve(&[sample().to_str().unwrap()]);
    let not_found = count(&files.addr, "holder_not_found");
    assert_eq!(not_found, 38);
    // A stored link changed by hand shows in a server started afterwards: it reads the stored linkage and
    // does not link again.
    let victim = sql_value(
        &db.url,
        "SELECT min(line)::text FROM thuadat.holder_link l WHERE status = 'matched_by_id' AND NOT EXISTS \
         (SELECT 1 FROM thuadat.certificate c JOIN thuadat.certificate d USING (commune_code, cert_id) \
          JOIN thuadat.holder_link m ON m.commune_code = d.commune_code AND m.line = d.line \
          WHERE c.commune_code = l.commune_code AND c.line = l.line AND m.status = 'not_found')",
    );
    sql(
        &db.url,
        &[&format!("UPDATE thuadat.holder_link SET status = 'not_found', citizen = NULL WHERE line = {victim}")],
    );
    let (stored_server, _) = serve(&["--db", &db.url]);
    assert_eq!(count(&stored_server.addr, "holder_not_found"), not_found + 1);
    drop(stored_server);
    // check --db links again and stores the result: the hand-made change is gone.
    ok(&[
        "check",
        "--db",
        &db.url,
        "--commune",
        "00118",
        "--out",
        report.path().join("db").to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(
        sql_value(&db.url, &format!("SELECT status FROM thuadat.holder_link WHERE line = {victim}")),
        "matched_by_id"
    );
    let (renewed, _) = serve(&["--db", &db.url]);
    assert_eq!(count(&renewed.addr, "holder_not_found"), not_found);
    drop(renewed);
    // A commune stored without its linkage (imported before the linkage was stored) is linked again.
    sql(&db.url, &["DELETE FROM thuadat.holder_link", "UPDATE thuadat.commune SET linkage_model = NULL"]);
    let (relinked, _) = serve(&["--db", &db.url]);
    for target in ["/conflicts.csv", "/groups"] {
        let a = http_get(&relinked.addr, target).replace(&relinked.addr, "HOST");
        let b = http_get(&files.addr, target).replace(&files.addr, "HOST");
        assert!(a == b, "{target} differs");
    }
}

/// `thuadat export`: the commune written back as a dataset directory checks to the same report as the
/// directory it was imported from, byte for byte; importing the export and exporting again gives the same
/// files (issue 18's round trip); an `--out` that holds files is refused with exit 2 and left as it was.
#[test]
fn export_round_trips_the_commune() {
    let db = TestDb::new("export");
    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/sample");
    let out = run(&["import", sample.to_str().unwrap(), "--db", &db.url, "--by", "tester"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let tmp = tempfile::tempdir().unwrap();
    let (first, second) = (tmp.path().join("first"), tmp.path().join("second"));
    let out = run(&["export", "--db", &db.url, "--out", first.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "exported commune 00118 to {}: 2997 parcel features, 3510 certificate rows, 3922 citizens, 4 groups\n",
            first.display()
        )
    );
    let mut names: Vec<String> =
        std::fs::read_dir(&first).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["certificates.csv", "citizens.csv", "dataset.toml", "groups.geojson", "parcels.geojson"]);
    // The same report as the directory imported.
    let (ra, rb) = (tmp.path().join("report-a"), tmp.path().join("report-b"));
    for (dir, report) in [(&sample, &ra), (&first, &rb)] {
        let o = run(&["check", dir.to_str().unwrap(), "--out", report.to_str().unwrap(), "--quiet"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    for f in ["parcels.csv", "holders.csv", "conflicts.geojson"] {
        assert!(std::fs::read(ra.join(f)).unwrap() == std::fs::read(rb.join(f)).unwrap(), "{f} differs");
    }
    // Import the export, export again: the same files.
    let o = run(&["import", first.to_str().unwrap(), "--db", &db.url, "--by", "tester"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(&["export", "--db", &db.url, "--commune", "00118", "--out", second.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in &names {
        assert!(std::fs::read(first.join(f)).unwrap() == std::fs::read(second.join(f)).unwrap(), "{f} differs");
    }
    // An --out with files in it: refused, untouched; no staging directory left behind.
    let before = std::fs::read(first.join("dataset.toml")).unwrap();
    let o = run(&["export", "--db", &db.url, "--out", first.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains(&format!("{}: exists and is not empty", first.display())),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(std::fs::read(first.join("dataset.toml")).unwrap(), before);
    let left: Vec<String> =
        std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(!left.iter().any(|n| n.contains(".partial-")), "{left:?}");
    let o =
        run(&["export", "--db", &db.url, "--commune", "99999", "--out", tmp.path().join("third").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!tmp.path().join("third").exists());
}
