//! The PostGIS store (docs/STORE.md): a commune's dataset, its conflicts with their review status and history,
//! and the audit log, in PostgreSQL 15 + PostGIS 3 under the schema `thuadat`.
//!
//! - [`import`] checks a dataset directory exactly as `thuadat check` does, then in one transaction (under a
//!   per-commune advisory lock) replaces the commune's rows with COPY and syncs its conflicts.
//! - [`load_dataset`] reads a commune back through the same pipeline as files ([`Dataset::from_raw`]): the
//!   parcels are kept as read (source CRS, rings as written), so the check of the store equals the check of
//!   the directory; [`check`] writes its report and syncs the conflicts again.
//!
//! sqlx without its compile-time checked macros (CI builds without a database); the schema comes from the
//! versioned migrations in `migrations/`, embedded in the binary.

pub mod copy;
pub mod partition;
pub mod review;
pub mod wkb;

use std::path::{Path, PathBuf};
use std::time::Instant;

use futures_util::TryStreamExt;
use serde_json::json;
use sqlx::{Connection, PgConnection, Row};

use crate::check::Checked;
use crate::config::{DatasetConfig, CERTIFICATE_FIELDS, CITIZEN_FIELDS, PARCEL_FIELDS};
use crate::crs::Crs;
use crate::dataset::certificates::Certificates;
use crate::dataset::certificates::{CertificateRow, CertificatesBuilder};
use crate::dataset::parcels::{RawFeature, RawGeometry, RawPolygon, RawValue};
use crate::dataset::{value_area, value_integer, value_text, Dataset, InputFile, RawHead, RawTables, Reader};
use crate::error::{Error, Location, Result};
use crate::linkage::holders::{HolderLink, Linkage, Status as HolderStatus};
use crate::linkage::matcher::Model;
use crate::linkage::register::Register;
use crate::reconcile::ConflictGeometry;
use crate::review::ReviewStatus;
use copy::{BinaryRows, CopyRows};

/// The schema's migrations, embedded: every connection brings the database up to date.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A commune of the store to serve (`thuadat serve --db`).
#[derive(Debug, Clone)]
pub struct StoreSource {
    pub url: String,
    /// None: the store's only commune.
    pub commune: Option<String>,
}

/// What an import or a check did to the stored conflicts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConflictSync {
    pub opened: u64,
    pub vanished: u64,
    pub reappeared: u64,
    /// Conflicts of this run (by distinct stable id).
    pub present: u64,
}

/// What [`import`] wrote.
#[derive(Debug, Clone)]
pub struct ImportSummary {
    pub commune: String,
    pub import_id: i64,
    /// Rows: every feature of the parcels file.
    pub parcels: u64,
    pub certificates: u64,
    /// Rows of certificates.csv.
    pub holders: u64,
    pub citizens: u64,
    pub groups: u64,
    pub conflicts: ConflictSync,
    /// Reading the dataset directory.
    pub load_seconds: f64,
    /// The check (index and reconciliation), which runs while the first tables are stored.
    pub check_seconds: f64,
    /// From the connection to the commit.
    pub store_seconds: f64,
    /// From the start of the reading to the commit.
    pub total_seconds: f64,
    /// Seconds of each step of the store part.
    pub store_steps: Vec<(&'static str, f64)>,
}

/// Wall seconds of consecutive steps.
#[derive(Debug)]
struct Steps(Vec<(&'static str, f64)>, Instant);

impl Default for Steps {
    fn default() -> Steps {
        Steps(Vec::new(), Instant::now())
    }
}

impl Steps {
    fn lap(&mut self, name: &'static str) {
        self.0.push((name, self.1.elapsed().as_secs_f64()));
        self.1 = Instant::now();
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Other(format!("cannot start the runtime: {e}")))
}

/// The URL without its password, for messages.
fn shown(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Connects, makes sure PostGIS is there (creating it when allowed) and migrates the schema.
pub async fn connect(url: &str) -> Result<PgConnection> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(Error::bad_input(
            Location::file("--db"),
            format!("`{}` is not a PostgreSQL URL (postgres://user@host:port/database)", shown(url)),
        ));
    }
    let mut conn = PgConnection::connect(url).await.map_err(|e| match e {
        sqlx::Error::Configuration(m) => Error::bad_input(Location::file("--db"), format!("`{}`: {m}", shown(url))),
        e => Error::db(format!("cannot connect to {}", shown(url)), e),
    })?;
    let has: Option<String> = sqlx::query_scalar("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
        .fetch_optional(&mut conn)
        .await
        .map_err(|e| Error::db("looking for PostGIS", e))?;
    if has.is_none() {
        sqlx::query("CREATE EXTENSION IF NOT EXISTS postgis").execute(&mut conn).await.map_err(|e| {
            Error::db(
                "PostGIS is not installed in this database and cannot be created here (install \
                 postgresql-15-postgis-3 and run `CREATE EXTENSION postgis` as a superuser)",
                e,
            )
        })?;
    }
    MIGRATOR
        .run(&mut conn)
        .await
        .map_err(|e| Error::Other(format!("database: migrating the schema `thuadat`: {e}")))?;
    Ok(conn)
}

/// The code the dataset is stored under: `--commune`, else the single `commune` value of its parcels.
pub fn choose_commune(ds: &Dataset, chosen: Option<&str>) -> Result<String> {
    if let Some(c) = chosen {
        let c = c.trim();
        if c.is_empty() {
            return Err(Error::bad_input(Location::file("--commune"), "empty commune code"));
        }
        return Ok(c.to_string());
    }
    let codes: std::collections::BTreeSet<&str> = ds.parcels.iter().filter_map(|p| p.commune.as_deref()).collect();
    let at = Location::file(ds.dir.join("parcels")).field("commune");
    match codes.len() {
        1 => Ok(codes.into_iter().next().unwrap_or_default().to_string()),
        0 => Err(Error::bad_input(at, "no parcel names its commune: choose the code with --commune")),
        n => Err(Error::bad_input(
            at,
            format!(
                "the parcels carry {n} commune codes ({}): choose one with --commune",
                codes.into_iter().take(5).collect::<Vec<_>>().join(", ")
            ),
        )),
    }
}

/// Takes the commune's advisory lock for the transaction; says so on stderr when it has to wait.
async fn lock_commune(conn: &mut PgConnection, code: &str) -> Result<()> {
    let key = format!("thuadat.commune:{code}");
    let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(&key)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| Error::db("locking the commune", e))?;
    if !got {
        eprintln!("commune {code}: another import or check of this commune is running; waiting for it to finish");
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(&key)
            .execute(&mut *conn)
            .await
            .map_err(|e| Error::db("waiting for the commune's lock", e))?;
    }
    Ok(())
}

/// The custom SRID registered for a PROJ string, if any.
async fn custom_srid(conn: &mut PgConnection, proj: &str) -> Result<Option<i32>> {
    sqlx::query_scalar(
        "SELECT srid FROM spatial_ref_sys WHERE auth_name = 'thuadat' AND proj4text = $1 ORDER BY srid LIMIT 1",
    )
    .bind(proj)
    .fetch_optional(conn)
    .await
    .map_err(|e| Error::db("looking up the custom SRID", e))
}

/// The SRID for geometries in `crs`: its EPSG code when PostGIS knows it, else a custom SRID (900000 and up)
/// registered in `spatial_ref_sys` with the CRS's PROJ string (so QGIS and `ST_Transform` work).
async fn srid_for(conn: &mut PgConnection, crs: &Crs) -> Result<i32> {
    let def = crs.definition.trim();
    let upper = def.to_ascii_uppercase();
    let epsg = if matches!(upper.as_str(), "OGC:CRS84" | "CRS:84" | "WGS84" | "URN:OGC:DEF:CRS:OGC:1.3:CRS84") {
        Some(4326)
    } else {
        upper
            .strip_prefix("EPSG:")
            .or_else(|| upper.strip_prefix("URN:OGC:DEF:CRS:EPSG::"))
            .and_then(|c| c.trim().parse::<i32>().ok())
    };
    let db = |what: &'static str| move |e| Error::db(what, e);
    if let Some(code) = epsg {
        let known: Option<i32> = sqlx::query_scalar("SELECT srid FROM spatial_ref_sys WHERE srid = $1")
            .bind(code)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db("looking up the SRID"))?;
        if known.is_some() {
            return Ok(code);
        }
    }
    if let Some(srid) = custom_srid(conn, &crs.proj_string).await? {
        return Ok(srid);
    }
    // A new CRS is registered in a transaction of its own, committed at once: two imports that register the
    // same CRS take turns for that moment only, not for the whole of the first one (a CRS registered by an
    // import that then fails stays, a valid definition the next import uses).
    let mut tx = conn.begin().await.map_err(db("starting to register the CRS"))?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('thuadat.spatial_ref_sys', 0))")
        .execute(&mut *tx)
        .await
        .map_err(db("locking spatial_ref_sys"))?;
    if let Some(srid) = custom_srid(&mut tx, &crs.proj_string).await? {
        return Ok(srid);
    }
    crate::dataset::quiet_gdal();
    let wkt = gdal::spatial_ref::SpatialRef::from_proj4(&crs.proj_string).and_then(|s| s.to_wkt()).unwrap_or_default();
    let srid = sqlx::query_scalar(
        "INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text) \
         SELECT s, 'thuadat', s, $1, $2 FROM (SELECT GREATEST(900000, COALESCE(MAX(srid), 0) + 1) AS s \
         FROM spatial_ref_sys WHERE srid >= 900000) n RETURNING srid",
    )
    .bind(wkt)
    .bind(&crs.proj_string)
    .fetch_one(&mut *tx)
    .await
    .map_err(db("registering the CRS in spatial_ref_sys"))?;
    tx.commit().await.map_err(db("registering the CRS in spatial_ref_sys"))?;
    Ok(srid)
}

/// Reads the dataset directory `dir` (bad input fails here, before the database is touched, but for text the
/// store cannot hold), then checks it and stores it as commune `commune` (or the parcels' own code) in one
/// transaction. The rows that do not depend on the check (parcels, certificates, citizens, and their indexes)
/// are stored in new tables while the check runs; the holder links and a first import's conflicts follow it;
/// the shared tables (`commune`, `grp`, conflicts already stored) are written last, under the swap lock
/// (`src/store/partition.rs`).
pub fn import(dir: &Path, url: &str, commune: Option<&str>, by: &str) -> Result<ImportSummary> {
    let start = Instant::now();
    let (ds, mut timings) = crate::check::load(dir, crate::check::Progress::Hidden, Reader::Auto)?;
    let load_seconds = start.elapsed().as_secs_f64();
    let code = choose_commune(&ds, commune)?;
    let t = Instant::now();
    let rt = runtime()?;
    let mut conn = rt.block_on(connect(url))?;
    let crs = ds.frame.source().clone();
    let srid = rt.block_on(srid_for(&mut conn, &crs))?;
    let mut tx = rt.block_on(conn.begin()).map_err(|e| Error::db("starting the transaction", e))?;
    rt.block_on(lock_commune(&mut tx, &code))?;
    let source = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf()).display().to_string();
    let import_id = rt.block_on(new_import(&mut tx, &code, "import", &source, by))?;
    // The CRS the features are in, whatever its origin, so the store reads them back the same way.
    let mut config = ds.config.clone();
    config.crs = Some(crs.definition.clone());

    // The big tables: new partitions, loaded without indexes, indexed once, swapped in at the end. Until the
    // swap the import writes only to its own new tables (and a row of `import`): see [`partition`] on why.
    let mut steps = Steps::default();
    let [parcel, certificate, citizen, holder_link] = rt.block_on(async {
        let mut staged = Vec::new();
        for table in partition::TABLES {
            staged.push(partition::create(&mut tx, table, import_id, &code).await?);
        }
        staged.try_into().map_err(|_| Error::Other("four partitions".into()))
    })?;
    // The check on the cores the store leaves free; the server parses and indexes meanwhile.
    let (checked, stored) = std::thread::scope(|scope| {
        let ds = &ds;
        let check = scope.spawn(move || {
            let t = Instant::now();
            let run = || crate::reconcile::index_and_reconcile(ds, &indicatif::ProgressBar::hidden());
            let checked = match background_pool() {
                Some(pool) => pool.install(run),
                None => run(),
            };
            (checked, t.elapsed().as_secs_f64())
        });
        let stored = (|| -> Result<_> {
            let parcels = copy_parcels(&rt, &mut tx, &parcel.name, dir, &config, ds, &code, srid)?;
            steps.lap("parcels");
            let holders = rt.block_on(copy_certificates(&mut tx, &certificate.name, ds, &code))?;
            let citizens = rt.block_on(copy_citizens(&mut tx, &citizen.name, ds, &code))?;
            steps.lap("certificates, citizens");
            let groups = Dataset::read_raw_groups(dir, &ds.config, Reader::Auto)?;
            // A group's name is also the group of its parcels' conflicts: refused before either is stored.
            if let Some(i) = groups.iter().position(|(name, _)| name.as_deref().is_some_and(|n| n.contains('\0'))) {
                return Err(nul_error(Location::feature(input_path(ds, "groups"), i).field("group")));
            }
            rt.block_on(async {
                for s in [&parcel, &certificate, &citizen] {
                    partition::prepare(&mut tx, s).await?;
                }
                Ok::<(), Error>(())
            })?;
            steps.lap("indexes of parcels, certificates, citizens");
            Ok((parcels, holders, citizens, groups))
        })();
        (check.join(), stored)
    });
    let ((index, reconciliation), check_seconds) = checked.map_err(|_| Error::Other("the check panicked".into()))?;
    let (parcels, holders, citizens, groups) = stored?;
    steps.lap("waiting for the check");
    timings.push(("reconcile".to_string(), check_seconds));
    let checked = Checked { dataset: ds, index, reconciliation, timings };
    let ds = &checked.dataset;
    let certificates = ds.certificates.certificates.len() as u64;
    rt.block_on(copy_linkage(&mut tx, &holder_link.name, &checked, &code))?;
    steps.lap("holder links");
    rt.block_on(partition::prepare(&mut tx, &holder_link))?;
    steps.lap("indexes of holder links");
    let mut staged = vec![parcel, certificate, citizen, holder_link];
    // A commune's first conflicts go into new partitions too; later ones are synced in place after the lock.
    let first = rt.block_on(async {
        if partition::exists(&mut tx, "conflict", &code).await? {
            return Ok::<_, Error>(None);
        }
        let (sync, tables) = stage_conflicts(&mut tx, &checked, &code, import_id, by).await?;
        staged.extend(tables);
        Ok(Some(sync))
    })?;
    if first.is_some() {
        steps.lap("conflicts");
    }

    // The shared tables, under the swap lock.
    rt.block_on(partition::lock_swaps(&mut tx))?;
    steps.lap("waiting for other writers");
    let config_json = serde_json::to_value(&config).map_err(|e| Error::Other(e.to_string()))?;
    rt.block_on(async {
        sqlx::query(
            "INSERT INTO thuadat.commune (code, name, crs, srid, config, source, import_id, imported_at, has_register) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8) ON CONFLICT (code) DO UPDATE SET name = excluded.name, \
             crs = excluded.crs, srid = excluded.srid, config = excluded.config, source = excluded.source, \
             has_register = excluded.has_register, \
             import_id = excluded.import_id, imported_at = excluded.imported_at",
        )
        .bind(&code)
        .bind(&ds.name)
        .bind(&crs.definition)
        .bind(srid)
        .bind(&config_json)
        .bind(&source)
        .bind(import_id)
        .bind(ds.register.is_some())
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM thuadat.grp WHERE commune_code = $1").bind(&code).execute(&mut *tx).await?;
        Ok::<(), sqlx::Error>(())
    })
    .map_err(|e| Error::db("replacing the commune", e))?;
    let group_count = rt.block_on(copy_groups(&mut tx, &groups, &code, srid))?;
    rt.block_on(store_linkage_model(&mut tx, &checked, &code))?;
    steps.lap("commune, groups");
    let conflicts = match first {
        Some(sync) => {
            rt.block_on(conflicts_seen(&mut tx, &code, import_id))?;
            sync
        }
        None => {
            let sync = rt.block_on(sync_conflicts(&mut tx, &checked, &code, import_id, by))?;
            steps.lap("conflicts");
            sync
        }
    };
    rt.block_on(async {
        for s in &staged {
            partition::swap_in(&mut tx, s, &code).await?;
        }
        Ok::<(), Error>(())
    })?;
    steps.lap("swap");
    let detail = json!({
        "source": source, "parcels": parcels, "certificates": certificates, "holders": holders, "citizens": citizens,
        "groups": group_count, "conflicts": conflicts.present, "opened": conflicts.opened,
        "vanished": conflicts.vanished, "reappeared": conflicts.reappeared, "srid": srid,
    });
    rt.block_on(finish_import(&mut tx, import_id, &code, "import", by, &detail))?;
    rt.block_on(tx.commit()).map_err(|e| Error::db("committing the import", e))?;
    steps.lap("commit");
    Ok(ImportSummary {
        commune: code,
        import_id,
        parcels,
        certificates,
        holders,
        citizens,
        groups: group_count,
        conflicts,
        load_seconds,
        check_seconds,
        store_seconds: t.elapsed().as_secs_f64(),
        total_seconds: start.elapsed().as_secs_f64(),
        store_steps: steps.0,
    })
}

/// A thread pool for the check that runs alongside the store, on every core but at a lower priority: the
/// store's own work (reading and sending the parcels here, parsing and indexing in the database server) is the
/// import's longest path, and the check has time to spare beside it. In rayon's global pool instead, the
/// reader's parallel parsing queued behind the check's jobs (1M parcels: the parcels' COPY 4 s alone, 17.5 s
/// beside the check). Nice 1, 4 and 10 measured on 2 cores: within the machine's noise; the higher, the
/// longer the store waits for the check at the end (docs/BENCHMARKS.md).
fn background_pool() -> Option<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("check-{i}"))
        .start_handler(|_| lower_priority())
        .build()
        .ok()
}

/// Raises the calling thread's nice value to 4 (Linux: nice values are per thread). Needs no privilege.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: plain system calls on the calling thread's own id; failure only leaves the priority as it was.
    unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 4);
    }
}

async fn new_import(conn: &mut PgConnection, code: &str, action: &str, source: &str, by: &str) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO thuadat.import (commune_code, action, source, by_whom) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(code)
    .bind(action)
    .bind(source)
    .bind(by)
    .fetch_one(conn)
    .await
    .map_err(|e| Error::db("recording the import", e))
}

/// Fills in the import's counts and writes its audit row.
async fn finish_import(
    conn: &mut PgConnection,
    import_id: i64,
    code: &str,
    action: &str,
    by: &str,
    detail: &serde_json::Value,
) -> Result<()> {
    let n = |k: &str| detail.get(k).and_then(|v| v.as_i64()).map(|v| v as i32);
    sqlx::query(
        "UPDATE thuadat.import SET parcels = $2, certificates = $3, citizens = $4, groups = $5, conflicts = $6, \
         holders = $7 WHERE id = $1",
    )
    .bind(import_id)
    .bind(n("parcels"))
    .bind(n("certificates"))
    .bind(n("citizens"))
    .bind(n("groups"))
    .bind(n("conflicts"))
    .bind(n("holders"))
    .execute(&mut *conn)
    .await
    .map_err(|e| Error::db("recording the import's counts", e))?;
    let mut detail = detail.clone();
    if let Some(o) = detail.as_object_mut() {
        o.insert("import_id".into(), json!(import_id));
    }
    sqlx::query("INSERT INTO thuadat.audit_log (by_whom, action, commune_code, detail) VALUES ($1, $2, $3, $4)")
        .bind(by)
        .bind(action)
        .bind(code)
        .bind(detail)
        .execute(conn)
        .await
        .map_err(|e| Error::db("writing the audit log", e))?;
    Ok(())
}

/// Sends COPY text in pieces from a reading thread.
async fn copy_from(
    conn: &mut PgConnection,
    statement: &str,
    mut rx: tokio::sync::mpsc::Receiver<Vec<u8>>,
) -> std::result::Result<u64, sqlx::Error> {
    let mut copy = conn.copy_in_raw(statement).await?;
    while let Some(buf) = rx.recv().await {
        if let Err(e) = copy.send(buf).await {
            let _ = copy.abort("send failed").await;
            return Err(e);
        }
    }
    copy.finish().await
}

/// COPYs every feature of the parcels file, read again as read (source CRS, rings as written).
#[allow(clippy::too_many_arguments)]
fn copy_parcels(
    rt: &tokio::runtime::Runtime,
    conn: &mut PgConnection,
    table: &str,
    dir: &Path,
    config: &DatasetConfig,
    ds: &Dataset,
    code: &str,
    srid: i32,
) -> Result<u64> {
    // The checker's id of each feature (features that are not areas have none).
    let features = ds.parcels.last().map_or(0, |p| p.feature as usize + 1);
    let mut ids: Vec<Option<&str>> = vec![None; features];
    for p in &ds.parcels {
        ids[p.feature as usize] = Some(p.id.as_str());
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
    let stopped = |_| Error::Other("the COPY of parcels stopped".into());
    let (read, copied) = std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            // Owned here, so that the COPY ends when the reading does.
            let tx = tx;
            tx.blocking_send(BinaryRows::HEADER.to_vec()).map_err(stopped)?;
            let mut on_chunk = |first: usize, chunk: Vec<RawFeature>| -> Result<()> {
                let mut out = BinaryRows::with_capacity(chunk.len() * 256);
                for (k, f) in chunk.into_iter().enumerate() {
                    let i = first + k;
                    parcel_row(&mut out, code, int4(i, "parcel features")?, ids.get(i).copied().flatten(), f, srid);
                    if let Some(field) = out.nul_in_row() {
                        // The commune code (0) is the parcels' `commune`, the checker's id (2) comes from
                        // `parcel_id`; the contract's properties follow (3..10), then the geometry's columns. By
                        // their contract names, as the reader's errors name them.
                        let name = match field {
                            0 => "commune",
                            2 => "parcel_id",
                            f => f.checked_sub(3).and_then(|k| PARCEL_FIELDS.get(k)).copied().unwrap_or("geometry"),
                        };
                        return Err(nul_error(Location::feature(input_path(ds, "parcels"), i).field(name)));
                    }
                }
                tx.blocking_send(out.buf).map_err(stopped)
            };
            let crs = Dataset::read_raw_parcels(dir, config, Reader::Auto, &mut on_chunk)?;
            tx.blocking_send(BinaryRows::TRAILER.to_vec()).map_err(stopped)?;
            Ok(crs)
        });
        let copied = rt.block_on(copy_from(
            conn,
            &format!(
                "COPY {table} (commune_code, feature, parcel_id, source_id, commune, sheet, parcel_no, grp, \
                 land_use, area, geom_kind, geom, geom_raw) FROM STDIN (FORMAT binary, FREEZE)"
            ),
            rx,
        ));
        let read = reader.join().unwrap_or_else(|_| Err(Error::Other("reading parcels panicked".into())));
        (read, copied)
    });
    match (copied, read) {
        (Err(e), _) => Err(Error::db("COPY of the parcels", e)),
        (Ok(_), Err(e)) => Err(e),
        // The rows the server took, as COPY reports them.
        (Ok(rows), Ok(_)) => Ok(rows),
    }
}

/// One parcels row: the contract's properties as the checker reads them, the geometry as read.
fn parcel_row(out: &mut BinaryRows, code: &str, feature: i32, id: Option<&str>, f: RawFeature, srid: i32) {
    let v = &f.values;
    let text = |i: usize| v.get(i).and_then(value_text);
    let int = |i: usize| v.get(i).and_then(|x| value_integer(x).ok().flatten());
    out.row(13).text(Some(code)).int4(Some(feature)).text(id);
    out.text(text(0).as_deref()).text(text(1).as_deref()).int8(int(2)).int8(int(3));
    out.text(text(4).as_deref()).text(text(5).as_deref());
    out.float8(v.get(6).and_then(|x| value_area(x).ok().flatten()));
    match &f.geometry {
        RawGeometry::Missing => {
            out.text(Some("missing")).text(None).text(None);
        }
        RawGeometry::NotAreal(what) => {
            out.text(Some("not_areal")).text(None).text(Some(what));
        }
        RawGeometry::Polygons(polys) => {
            out.text(Some("polygons"));
            if wkb::holdable(polys) {
                out.bytes(|b| wkb::push_ewkb(b, polys, srid)).text(None);
            } else {
                out.text(None).text(Some(&raw_json(polys)));
            }
        }
    }
}

/// The file a dataset read for `role` (`parcels`, `certificates`, `citizens`, `groups`).
fn input_path(ds: &Dataset, role: &str) -> PathBuf {
    ds.inputs.iter().find(|i| i.role == role).map_or_else(|| PathBuf::from(role), |i| i.path.clone())
}

/// A text value the store cannot hold, found at `at`.
fn nul_error(at: Location) -> Error {
    Error::bad_input(at, "text with a NUL character (U+0000), which PostgreSQL cannot store")
}

/// `n` as the value of an `integer` column (feature positions, CSV lines, register positions), or an error
/// naming what is too many for the store.
fn int4(n: impl TryInto<i32> + Copy + std::fmt::Display, what: &str) -> Result<i32> {
    n.try_into().map_err(|_| Error::Other(format!("{n} {what}: more than the store holds ({})", i32::MAX)))
}

/// The coordinates of polygons PostGIS cannot hold, as JSON (`geom_raw`).
fn raw_json(polys: &[RawPolygon]) -> String {
    let coords: Vec<Vec<Vec<[f64; 2]>>> =
        polys.iter().map(|rings| rings.iter().map(|r| r.iter().map(|c| [c.x, c.y]).collect()).collect()).collect();
    serde_json::to_string(&coords).unwrap_or_default()
}

fn polygons_fields(out: &mut CopyRows, polys: &[RawPolygon], srid: i32) {
    if wkb::holdable(polys) {
        out.raw(|b| wkb::push_hex_ewkb(b, polys, srid)).text(None);
    } else {
        out.text(None).text(Some(&raw_json(polys)));
    }
}

fn raw_polygons(json: &str) -> std::result::Result<Vec<RawPolygon>, String> {
    let coords: Vec<Vec<Vec<[f64; 2]>>> = serde_json::from_str(json).map_err(|e| e.to_string())?;
    Ok(coords
        .into_iter()
        .map(|rings| rings.into_iter().map(|r| r.into_iter().map(|[x, y]| geo::Coord { x, y }).collect()).collect())
        .collect())
}

async fn send_all(conn: &mut PgConnection, statement: &str, buf: Vec<u8>) -> std::result::Result<(), sqlx::Error> {
    let mut copy = conn.copy_in_raw(statement).await?;
    copy.send(buf).await?;
    copy.finish().await.map(|_| ())
}

async fn copy_certificates(conn: &mut PgConnection, table: &str, ds: &Dataset, code: &str) -> Result<u64> {
    let c = &ds.certificates;
    let mut out = BinaryRows::copy_data(c.holders.len() * 200);
    for h in &c.holders {
        let cert = &c.certificates[h.cert as usize];
        out.row(14).text(Some(code)).int4(Some(int4(h.line, "lines of certificates.csv")?));
        out.text(Some(c.text(cert.id))).text_or_null(c.text(cert.serial)).text_or_null(c.text(cert.commune));
        out.int8(cert.sheet).text_or_null(c.text(cert.parcel_no)).float8(cert.area);
        out.text_or_null(c.text(cert.land_use)).text_or_null(c.text(cert.issued));
        out.text_or_null(c.text(h.holder_name)).text_or_null(c.text(h.holder_id));
        out.text_or_null(c.text(h.holder_birth)).text_or_null(c.text(h.address));
        if let Some(field) = out.nul_in_row() {
            // After `commune_code` and `line`, the contract's columns, named as in the file (as the reader's
            // errors name them).
            let column = CERTIFICATE_FIELDS
                .get(field.wrapping_sub(2))
                .map_or("commune".into(), |c| ds.config.columns.certificate(c));
            return Err(nul_error(Location::row(input_path(ds, "certificates"), h.line as usize).field(column)));
        }
    }
    send_all(
        conn,
        &format!(
            "COPY {table} (commune_code, line, cert_id, serial, commune, sheet, parcel_no, area, land_use, \
             issued, holder_name, holder_id, holder_birth, address) FROM STDIN (FORMAT binary, FREEZE)"
        ),
        out.finish(),
    )
    .await
    .map_err(|e| Error::db("COPY of the certificates", e))?;
    Ok(c.holders.len() as u64)
}

async fn copy_citizens(conn: &mut PgConnection, table: &str, ds: &Dataset, code: &str) -> Result<u64> {
    let Some(reg) = &ds.register else { return Ok(0) };
    let mut out = BinaryRows::copy_data(reg.people.len() * 128);
    for p in &reg.people {
        out.row(7).text(Some(code)).int4(Some(int4(p.line, "lines of citizens.csv")?));
        out.text(Some(reg.text(p.id))).text(Some(reg.text(p.name)));
        out.text(p.birth.map(|d| d.to_string()).as_deref()).bool(p.female).text_or_null(reg.text(p.address));
        if let Some(field) = out.nul_in_row() {
            let column =
                CITIZEN_FIELDS.get(field.wrapping_sub(2)).map_or("commune".into(), |c| ds.config.columns.citizen(c));
            return Err(nul_error(Location::row(input_path(ds, "citizens"), p.line as usize).field(column)));
        }
    }
    send_all(
        conn,
        &format!(
            "COPY {table} (commune_code, line, citizen_id, full_name, birth_date, female, address) \
             FROM STDIN (FORMAT binary, FREEZE)"
        ),
        out.finish(),
    )
    .await
    .map_err(|e| Error::db("COPY of the citizens", e))?;
    Ok(reg.people.len() as u64)
}

async fn copy_groups(
    conn: &mut PgConnection,
    groups: &[(Option<String>, RawGeometry)],
    code: &str,
    srid: i32,
) -> Result<u64> {
    let mut out = CopyRows::with_capacity(groups.len() * 512);
    for (i, (name, g)) in groups.iter().enumerate() {
        out.text(Some(code)).value(Some(i)).text(name.as_deref());
        match g {
            RawGeometry::Polygons(p) => polygons_fields(&mut out, p, srid),
            RawGeometry::Missing => {
                out.text(None).text(None);
            }
            RawGeometry::NotAreal(what) => {
                out.text(None).text(Some(&format!("not_areal:{what}")));
            }
        }
        out.end();
    }
    send_all(conn, "COPY thuadat.grp (commune_code, position, name, geom, geom_raw) FROM STDIN", out.buf)
        .await
        .map_err(|e| Error::db("COPY of the groups", e))?;
    Ok(groups.len() as u64)
}

/// The columns of [`conflict_rows`]: the fields of the report's `conflicts.geojson`.
const CONFLICT_FIELDS: &str = "id, kind, severity, measure, parcel_ids, cert_ids, grp, detail, candidates, \
                               near_duplicate, geom";

/// The conflicts as COPY rows of [`CONFLICT_FIELDS`] (the geometry as hex EWKB in WGS 84), each id once,
/// rendered on every core. With `stored` (commune code, import id), each row is led by the commune code and
/// followed by the import id twice: rows of `conflict (commune_code, {CONFLICT_FIELDS}, first_seen,
/// last_seen)`.
fn conflict_rows(ds: &Dataset, conflicts: &[crate::reconcile::Conflict], stored: Option<(&str, i64)>) -> Vec<u8> {
    use rayon::prelude::*;
    let array = |items: &[&str]| -> String {
        let quoted: Vec<String> =
            items.iter().map(|s| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))).collect();
        format!("{{{}}}", quoted.join(","))
    };
    let mut seen = rustc_hash::FxHashSet::default();
    let rows: Vec<(String, Vec<u8>)> = conflicts
        .par_iter()
        .map(|c| {
            let (pids, cids) = crate::report::ids(ds, c);
            let id = crate::report::conflict_id(c.kind, &pids, &cids);
            let candidates = serde_json::to_string(&crate::report::candidates(ds, c)).unwrap_or_else(|_| "[]".into());
            let mut out = CopyRows::with_capacity(256);
            if let Some((code, _)) = stored {
                out.text(Some(code));
            }
            out.text(Some(&id)).text(Some(c.kind.as_str())).text(Some(c.kind.severity().as_str()));
            out.value(c.measure.filter(|m| m.is_finite())).text(Some(&array(&pids))).text(Some(&array(&cids)));
            out.text(c.parcels.first().and_then(|&i| ds.parcels[i].group.as_deref())).text(Some(&c.detail));
            out.text(Some(&candidates)).value(c.near_duplicate);
            let wgs84 = |p: &geo::Coord<f64>| {
                let [x, y] = crate::report::wgs84(ds, *p);
                geo::Coord { x, y }
            };
            let area: Option<Vec<RawPolygon>> = c.area(&ds.parcels).map(|g| {
                g.0.iter()
                    .map(|p| {
                        std::iter::once(p.exterior())
                            .chain(p.interiors())
                            .map(|r| r.0.iter().map(wgs84).collect())
                            .collect()
                    })
                    .collect()
            });
            match (&c.geometry, area) {
                (ConflictGeometry::Point(p), _) => {
                    let c = wgs84(&p.0);
                    if c.x.is_finite() && c.y.is_finite() {
                        out.raw(|b| wkb::push_hex_ewkb_point(b, c.x, c.y, 4326));
                    } else {
                        out.text(None);
                    }
                }
                // A Polygon when it has one member, as conflicts.geojson has it.
                (_, Some(polys)) if wkb::holdable(&polys) => match polys.as_slice() {
                    [one] => {
                        out.raw(|b| wkb::push_hex_ewkb_polygon(b, one, 4326));
                    }
                    many => {
                        out.raw(|b| wkb::push_hex_ewkb(b, many, 4326));
                    }
                },
                _ => {
                    out.text(None);
                }
            }
            if let Some((_, import_id)) = stored {
                out.value(Some(import_id)).value(Some(import_id));
            }
            out.end();
            (id, out.buf)
        })
        .collect();
    let mut buf = Vec::with_capacity(rows.iter().map(|r| r.1.len()).sum());
    for (id, row) in rows {
        if seen.insert(id) {
            buf.extend_from_slice(&row);
        }
    }
    buf
}

/// Brings the stored conflicts of `code` in line with this run's: statuses of conflicts that still occur are
/// kept (by stable id); conflicts that no longer occur are marked vanished, new ones opened, returning ones
/// reappear; each change gets a history row.
async fn sync_conflicts(
    conn: &mut PgConnection,
    checked: &Checked,
    code: &str,
    import_id: i64,
    by: &str,
) -> Result<ConflictSync> {
    let db = |what: &'static str| move |e| Error::db(what, e);
    sqlx::query(
        "CREATE TEMP TABLE inc (id text PRIMARY KEY, kind text, severity text, measure double precision, \
         parcel_ids text[], cert_ids text[], grp text, detail text, candidates jsonb, near_duplicate boolean, \
         geom geometry) ON COMMIT DROP",
    )
    .execute(&mut *conn)
    .await
    .map_err(db("preparing the conflicts"))?;
    send_all(conn, "COPY inc FROM STDIN", conflict_rows(&checked.dataset, &checked.reconciliation.conflicts, None))
        .await
        .map_err(db("COPY of the conflicts"))?;
    // A present conflict was last seen by the commune's `conflicts_seen` run (its own `last_seen` is only
    // written when its row changes): one that vanishes now keeps that as its `last_seen`.
    let vanished = sqlx::query(
        "WITH v AS (UPDATE thuadat.conflict c SET present = false, vanished_at = now(), \
         last_seen = COALESCE((SELECT conflicts_seen FROM thuadat.commune WHERE code = $1), c.last_seen) \
         WHERE c.commune_code = $1 AND c.present AND NOT EXISTS (SELECT 1 FROM inc WHERE inc.id = c.id) \
         RETURNING c.id, c.status) \
         INSERT INTO thuadat.conflict_history (commune_code, conflict_id, event, by_whom, from_status, to_status, \
         import_id) SELECT $1, id, 'vanished', $2, status, status, $3 FROM v",
    )
    .bind(code)
    .bind(by)
    .bind(import_id)
    .execute(&mut *conn)
    .await
    .map_err(db("closing vanished conflicts"))?
    .rows_affected();
    let reappeared = sqlx::query(
        "INSERT INTO thuadat.conflict_history (commune_code, conflict_id, event, by_whom, from_status, to_status, \
         import_id) SELECT $1, c.id, 'reappeared', $2, c.status, c.status, $3 FROM thuadat.conflict c \
         JOIN inc ON inc.id = c.id WHERE c.commune_code = $1 AND NOT c.present",
    )
    .bind(code)
    .bind(by)
    .bind(import_id)
    .execute(&mut *conn)
    .await
    .map_err(db("recording reappeared conflicts"))?
    .rows_affected();
    let opened = sqlx::query(
        "WITH up AS (INSERT INTO thuadat.conflict AS c (commune_code, id, kind, severity, measure, parcel_ids, \
         cert_ids, grp, detail, candidates, near_duplicate, geom, first_seen, last_seen) \
         SELECT $1, id, kind, severity, measure, parcel_ids, cert_ids, grp, detail, candidates, near_duplicate, \
         geom, $3, $3 FROM inc \
         ON CONFLICT (commune_code, id) DO UPDATE SET kind = excluded.kind, severity = excluded.severity, \
         measure = excluded.measure, parcel_ids = excluded.parcel_ids, cert_ids = excluded.cert_ids, \
         grp = excluded.grp, detail = excluded.detail, candidates = excluded.candidates, \
         near_duplicate = excluded.near_duplicate, geom = excluded.geom, present = true, vanished_at = NULL, \
         last_seen = excluded.last_seen \
         WHERE NOT c.present OR (c.kind, c.severity, c.measure, c.parcel_ids, c.cert_ids, c.grp, c.detail, \
         c.candidates, c.near_duplicate, ST_AsEWKB(c.geom)) IS DISTINCT FROM (excluded.kind, excluded.severity, \
         excluded.measure, excluded.parcel_ids, excluded.cert_ids, excluded.grp, excluded.detail, \
         excluded.candidates, excluded.near_duplicate, ST_AsEWKB(excluded.geom)) \
         RETURNING c.id, c.first_seen = $3 AS inserted) \
         INSERT INTO thuadat.conflict_history (commune_code, conflict_id, event, by_whom, to_status, import_id) \
         SELECT $1, id, 'opened', $2, 'open', $3 FROM up WHERE inserted",
    )
    .bind(code)
    .bind(by)
    .bind(import_id)
    .execute(&mut *conn)
    .await
    .map_err(db("storing the conflicts"))?
    .rows_affected();
    conflicts_seen(conn, code, import_id).await?;
    let present: i64 = sqlx::query_scalar("SELECT count(*) FROM inc")
        .fetch_one(&mut *conn)
        .await
        .map_err(db("counting the conflicts"))?;
    Ok(ConflictSync { opened, vanished, reappeared, present: present as u64 })
}

/// Records import (or check) `import_id` as the run whose conflicts are commune `code`'s present ones.
async fn conflicts_seen(conn: &mut PgConnection, code: &str, import_id: i64) -> Result<()> {
    sqlx::query("UPDATE thuadat.commune SET conflicts_seen = $2 WHERE code = $1")
        .bind(code)
        .bind(import_id)
        .execute(conn)
        .await
        .map_err(|e| Error::db("recording the run that saw the conflicts", e))?;
    Ok(())
}

/// Stores a commune's first conflicts, when it has no partition of `conflict` yet: COPYs them into a new one
/// and their 'opened' history rows into a new partition of `conflict_history`, each indexed once, to be swapped
/// in with the import's other tables (the foreign keys checked once, by the ATTACH). Returns what
/// [`sync_conflicts`] would have, and the two tables, `conflict`'s first.
async fn stage_conflicts(
    conn: &mut PgConnection,
    checked: &Checked,
    code: &str,
    import_id: i64,
    by: &str,
) -> Result<(ConflictSync, [partition::Staged; 2])> {
    let db = |what: &'static str| move |e| Error::db(what, e);
    let conflict = partition::create(conn, "conflict", import_id, code).await?;
    let history = partition::create(conn, "conflict_history", import_id, code).await?;
    let rows = conflict_rows(&checked.dataset, &checked.reconciliation.conflicts, Some((code, import_id)));
    send_all(
        conn,
        &format!("COPY {} (commune_code, {CONFLICT_FIELDS}, first_seen, last_seen) FROM STDIN (FREEZE)", conflict.name),
        rows,
    )
    .await
    .map_err(db("COPY of the conflicts"))?;
    partition::prepare(conn, &conflict).await?;
    let opened = sqlx::query(&format!(
        "INSERT INTO {} (commune_code, conflict_id, event, by_whom, to_status, import_id) \
         SELECT commune_code, id, 'opened', $1, 'open', $2 FROM {}",
        history.name, conflict.name
    ))
    .bind(by)
    .bind(import_id)
    .execute(&mut *conn)
    .await
    .map_err(db("recording the opened conflicts"))?
    .rows_affected();
    partition::prepare(conn, &history).await?;
    // Every conflict is new: as many present as opened.
    Ok((ConflictSync { opened, vanished: 0, reappeared: 0, present: opened }, [conflict, history]))
}

/// Stores the model of this run's holder linkage in `commune.linkage_model` (NULL without a register).
async fn store_linkage_model(conn: &mut PgConnection, checked: &Checked, code: &str) -> Result<()> {
    let model = checked
        .reconciliation
        .holders
        .as_ref()
        .map(|l| serde_json::to_value(&l.model))
        .transpose()
        .map_err(|e| Error::Other(format!("the linkage model cannot be stored: {e}")))?;
    sqlx::query("UPDATE thuadat.commune SET linkage_model = $2 WHERE code = $1")
        .bind(code)
        .bind(model)
        .execute(conn)
        .await
        .map_err(|e| Error::db("storing the linkage model", e))?;
    Ok(())
}

/// COPYs the rows of this run's holder linkage into `table` (a new partition of `holder_link`); nothing
/// without a register. Returns the rows stored.
async fn copy_linkage(conn: &mut PgConnection, table: &str, checked: &Checked, code: &str) -> Result<u64> {
    let Some(l) = checked.reconciliation.holders.as_ref() else { return Ok(0) };
    let certs = &checked.dataset.certificates;
    let mut out = BinaryRows::copy_data(l.holders.len() * 80);
    for (h, link) in certs.holders.iter().zip(&l.holders) {
        out.row(6).text(Some(code)).int4(Some(int4(h.line, "lines of certificates.csv")?));
        out.text(Some(link.status.as_str())).int4(link.citizen.map(|j| int4(j, "citizens")).transpose()?);
        out.float8(link.score.filter(|s| s.is_finite())).text(Some(&link.why));
    }
    send_all(
        conn,
        &format!("COPY {table} (commune_code, line, status, citizen, score, why) FROM STDIN (FORMAT binary, FREEZE)"),
        out.finish(),
    )
    .await
    .map_err(|e| Error::db("COPY of the holder linkage", e))?;
    Ok(l.holders.len() as u64)
}

/// The stored holder linkage of `code`, when it covers exactly these certificate rows (else None: the
/// linkage was not stored, or the rows changed since).
async fn load_linkage(conn: &mut PgConnection, code: &str, certs: &Certificates) -> Result<Option<Linkage>> {
    let db = |what: &'static str| move |e| Error::db(what, e);
    let model: Option<serde_json::Value> =
        sqlx::query_scalar("SELECT linkage_model FROM thuadat.commune WHERE code = $1")
            .bind(code)
            .fetch_one(&mut *conn)
            .await
            .map_err(db("reading the linkage model"))?;
    let Some(model) = model else { return Ok(None) };
    let model: Model = serde_json::from_value(model)
        .map_err(|e| Error::Other(format!("commune {code}: the stored linkage model is unreadable: {e}")))?;
    let mut holders = Vec::with_capacity(certs.holders.len());
    let mut rows = sqlx::query(
        "SELECT line, status, citizen, score, why FROM thuadat.holder_link WHERE commune_code = $1 ORDER BY line",
    )
    .bind(code)
    .fetch(&mut *conn);
    while let Some(r) = rows.try_next().await.map_err(db("reading the holder linkage"))? {
        let line: i32 = r.get(0);
        if certs.holders.get(holders.len()).map(|h| h.line as i32) != Some(line) {
            return Ok(None);
        }
        let status: &str = r.get(1);
        let Some(status) = HolderStatus::parse(status) else { return Ok(None) };
        holders.push(HolderLink {
            status,
            citizen: r.get::<Option<i32>, _>(2).map(|c| c as u32),
            score: r.get(3),
            why: r.get(4),
        });
    }
    Ok((holders.len() == certs.holders.len()).then_some(Linkage { holders, model }))
}

/// The commune's row: what reading its parcels needs, and whether it has a register.
async fn load_head(conn: &mut PgConnection, code: &str) -> Result<(RawHead, bool)> {
    let db = |what: &'static str| move |e| Error::db(what, e);
    let row = sqlx::query("SELECT name, crs, config, has_register FROM thuadat.commune WHERE code = $1")
        .bind(code)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db("reading the commune"))?;
    let Some(row) = row else {
        let known: Vec<String> = sqlx::query_scalar("SELECT code FROM thuadat.commune ORDER BY code")
            .fetch_all(&mut *conn)
            .await
            .map_err(db("listing the communes"))?;
        return Err(Error::bad_input(
            Location::file("--commune"),
            format!("commune `{code}` is not in the store (it holds: {})", list_or_none(&known)),
        ));
    };
    let name: String = row.get(0);
    let crs_def: String = row.get(1);
    let config: serde_json::Value = row.get(2);
    let has_register: bool = row.get(3);
    let dir = PathBuf::from(format!("postgresql:thuadat/{code}"));
    let config: DatasetConfig = serde_json::from_value(config)
        .map_err(|e| Error::Other(format!("{}: stored dataset config: {e}", dir.display())))?;
    let crs = Crs::parse(&crs_def).map_err(|e| Error::bad_input(Location::file(&dir).field("crs"), e))?;
    Ok((RawHead { dir, name, config, crs }, has_register))
}

/// The commune's tables but the parcels (which [`load_dataset`] streams after them). With `stored`, the
/// holder linkage stored by the last import or check is read instead of the register (a server's start: it
/// serves no register data); without it, or when none is stored, the register is read to link again.
async fn load_tables(
    conn: &mut PgConnection,
    code: &str,
    dir: &Path,
    has_register: bool,
    stored: bool,
) -> Result<RawTables> {
    let db = |what: &'static str| move |e| Error::db(what, e);
    let bad = |table: &str, line: i32, m: String| Error::bad_input(Location::row(dir.join(table), line as usize), m);
    let mut b = CertificatesBuilder::default();
    let mut holders = 0usize;
    {
        let mut rows = sqlx::query(
            "SELECT line, cert_id, serial, commune, sheet, parcel_no, area, land_use, issued, holder_name, \
             holder_id, holder_birth, address FROM thuadat.certificate WHERE commune_code = $1 ORDER BY line",
        )
        .bind(code)
        .fetch(&mut *conn);
        while let Some(r) = rows.try_next().await.map_err(db("reading the certificates"))? {
            let s = |i: usize| r.get::<Option<String>, _>(i).unwrap_or_default();
            let (cert_id, serial, commune, parcel_no, land_use, issued) = (s(1), s(2), s(3), s(5), s(7), s(8));
            let (holder_name, holder_id, holder_birth, address) = (s(9), s(10), s(11), s(12));
            let line: i32 = r.get(0);
            let row = CertificateRow {
                cert_id: &cert_id,
                serial: &serial,
                commune: &commune,
                sheet: r.get(4),
                parcel_no: &parcel_no,
                area: r.get(6),
                land_use: &land_use,
                issued: &issued,
                holder_name: &holder_name,
                holder_id: &holder_id,
                holder_birth: &holder_birth,
                address: &address,
            };
            b.push_row(&row, line as u32)?;
            holders += 1;
        }
    }
    let certificates = b.finish();
    let mut inputs = vec![InputFile {
        role: "certificates".into(),
        path: dir.join("certificate"),
        format: "PostgreSQL".into(),
        records: holders,
    }];
    let linkage = if stored && has_register { load_linkage(conn, code, &certificates).await? } else { None };
    if let Some(l) = &linkage {
        inputs.push(InputFile {
            role: "holder_linkage".into(),
            path: dir.join("holder_link"),
            format: "PostgreSQL".into(),
            records: l.holders.len(),
        });
    }
    let mut register = Register::default();
    if linkage.is_none() {
        let mut rows = sqlx::query(
            "SELECT line, citizen_id, full_name, birth_date, female, address FROM thuadat.citizen \
             WHERE commune_code = $1 ORDER BY line",
        )
        .bind(code)
        .fetch(&mut *conn);
        while let Some(r) = rows.try_next().await.map_err(db("reading the citizens"))? {
            let line: i32 = r.get(0);
            let birth: Option<String> = r.get(3);
            let birth = match birth {
                Some(b) => crate::dataset::date::parse_date(&b).map_err(|m| bad("citizen", line, m))?,
                None => None,
            };
            let address: Option<String> = r.get(5);
            register.push(
                line as u32,
                r.get::<&str, _>(1),
                r.get::<&str, _>(2),
                birth,
                r.get(4),
                address.as_deref().unwrap_or(""),
            )?;
        }
    }
    let register = if has_register && linkage.is_none() {
        register.finish();
        inputs.push(InputFile {
            role: "citizens".into(),
            path: dir.join("citizen"),
            format: "PostgreSQL".into(),
            records: register.len(),
        });
        Some(register)
    } else {
        None
    };
    let mut groups = Vec::new();
    {
        let mut rows = sqlx::query(
            "SELECT position, name, ST_AsBinary(geom), geom_raw FROM thuadat.grp WHERE commune_code = $1 \
             ORDER BY position",
        )
        .bind(code)
        .fetch(&mut *conn);
        while let Some(r) = rows.try_next().await.map_err(db("reading the groups"))? {
            let position: i32 = r.get(0);
            let geom: Option<Vec<u8>> = r.get(2);
            let raw: Option<String> = r.get(3);
            let g = stored_geometry(geom, raw, true).map_err(|m| bad("grp", position, m))?;
            groups.push((r.get::<Option<String>, _>(1), g));
        }
    }
    Ok(RawTables { certificates, register, linkage, groups, inputs })
}

/// Starts a read-only repeatable-read transaction: every query of it sees the store as at its start.
async fn begin_snapshot(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *conn)
        .await
        .map_err(|e| Error::db("starting a read", e))?;
    Ok(())
}

async fn end_snapshot(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("COMMIT").execute(&mut *conn).await.map_err(|e| Error::db("ending a read", e))?;
    Ok(())
}

/// Reads commune `code` back into a [`Dataset`] through the same pipeline as a dataset directory: the
/// parcels stream from the database into the pipeline's converter as they arrive. With `stored_linkage`, the
/// holder linkage of the last import or check comes with it instead of the register (see [`load_tables`]).
///
/// Everything is read in one read-only repeatable-read transaction, so that an import committed meanwhile is
/// not half seen. (Reading the tables on a second connection while the parcels stream, in the same exported
/// snapshot, was measured: on 2 cores it took more CPU and no less time.)
pub fn load_dataset(
    rt: &tokio::runtime::Runtime,
    conn: &mut PgConnection,
    code: &str,
    stored_linkage: bool,
) -> Result<Dataset> {
    let (head, tables) = rt.block_on(async {
        begin_snapshot(&mut *conn).await?;
        let (head, has_register) = load_head(&mut *conn, code).await?;
        let tables = load_tables(&mut *conn, code, &head.dir, has_register, stored_linkage).await?;
        Ok::<_, Error>((head, tables))
    })?;
    let dir = head.dir.clone();
    let dataset = Dataset::from_raw(head, tables, &mut |feed| {
        rt.block_on(async {
            let bad = |line: i32, m: String| Error::bad_input(Location::feature(dir.join("parcel"), line as usize), m);
            let mut stream = sqlx::query(
                "SELECT feature, source_id, commune, sheet, parcel_no, grp, land_use, area, geom_kind, \
                 ST_AsBinary(geom), geom_raw FROM thuadat.parcel WHERE commune_code = $1 ORDER BY feature",
            )
            .bind(code)
            .fetch(&mut *conn);
            let mut next = 0i32;
            while let Some(r) = stream.try_next().await.map_err(|e| Error::db("reading the parcels", e))? {
                let feature: i32 = r.get(0);
                if feature != next {
                    return Err(bad(next, "missing from the store".into()));
                }
                next += 1;
                let t = |i: usize| r.get::<Option<String>, _>(i).map_or(RawValue::Null, RawValue::Text);
                let n = |i: usize| r.get::<Option<i64>, _>(i).map_or(RawValue::Null, RawValue::Int);
                let area = r.get::<Option<f64>, _>(7).map_or(RawValue::Null, RawValue::Real);
                let kind: &str = r.get(8);
                let geometry = match kind {
                    "missing" => RawGeometry::Missing,
                    "not_areal" => RawGeometry::NotAreal(r.get::<Option<String>, _>(10).unwrap_or_default()),
                    _ => stored_geometry(r.get(9), r.get(10), false).map_err(|m| bad(feature, m))?,
                };
                feed(RawFeature { geometry, values: vec![t(1), t(2), n(3), n(4), t(5), t(6), area] })?;
            }
            Ok(())
        })
    })?;
    rt.block_on(end_snapshot(conn))?;
    Ok(dataset)
}

fn list_or_none(codes: &[String]) -> String {
    if codes.is_empty() {
        "no commune".into()
    } else {
        codes.join(", ")
    }
}

/// A stored geometry: WKB from `geom`, else the raw JSON coordinates.
fn stored_geometry(
    geom: Option<Vec<u8>>,
    raw: Option<String>,
    group: bool,
) -> std::result::Result<RawGeometry, String> {
    match (geom, raw) {
        (Some(wkb), _) => wkb::read_wkb(&wkb).map(RawGeometry::Polygons),
        (None, Some(raw)) => match raw.strip_prefix("not_areal:") {
            Some(what) if group => Ok(RawGeometry::NotAreal(what.to_string())),
            _ => raw_polygons(&raw).map(RawGeometry::Polygons),
        },
        (None, None) => Ok(RawGeometry::Missing),
    }
}

/// The commune to read: `chosen`, else the store's only one.
async fn pick_commune(conn: &mut PgConnection, chosen: Option<&str>) -> Result<String> {
    if let Some(c) = chosen {
        return Ok(c.to_string());
    }
    let known: Vec<String> = sqlx::query_scalar("SELECT code FROM thuadat.commune ORDER BY code")
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| Error::db("listing the communes", e))?;
    match known.len() {
        1 => Ok(known[0].clone()),
        _ => Err(Error::bad_input(
            Location::file("--commune"),
            format!("choose the commune to serve with --commune (the store holds: {})", list_or_none(&known)),
        )),
    }
}

/// The commune a server of the store serves: the chosen one, else the store's only one.
pub fn resolve_commune(store: &StoreSource) -> Result<String> {
    let rt = runtime()?;
    rt.block_on(async {
        let mut conn = connect(&store.url).await?;
        pick_commune(&mut conn, store.commune.as_deref()).await
    })
}

/// Reads and checks a commune of the store, as `check::run` does a directory.
fn run_checked(
    rt: &tokio::runtime::Runtime,
    conn: &mut PgConnection,
    code: &str,
    stored_linkage: bool,
) -> Result<Checked> {
    let t = Instant::now();
    let dataset = load_dataset(rt, conn, code, stored_linkage)?;
    let mut timings = vec![("load".to_string(), t.elapsed().as_secs_f64())];
    let t = Instant::now();
    let (index, reconciliation) = crate::reconcile::index_and_reconcile(&dataset, &indicatif::ProgressBar::hidden());
    timings.push(("reconcile".to_string(), t.elapsed().as_secs_f64()));
    Ok(Checked { dataset, index, reconciliation, timings })
}

/// The server's data from the store (`thuadat serve --db`): the checked commune and the review status of
/// its conflicts that are not open. Runs on its own thread: it may be called from inside the server's runtime
/// (reload on SIGHUP).
pub fn load_checked(store: &StoreSource) -> Result<(Checked, Vec<(String, ReviewStatus)>)> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let rt = runtime()?;
                let mut conn = rt.block_on(connect(&store.url))?;
                let code = rt.block_on(pick_commune(&mut conn, store.commune.as_deref()))?;
                let checked = run_checked(&rt, &mut conn, &code, true)?;
                let reviews = rt.block_on(review::statuses(&mut conn, &code))?;
                Ok((checked, reviews))
            })
            .join()
            .unwrap_or_else(|_| Err(Error::Other("loading from the store panicked".into())))
    })
}

/// `thuadat check --db`: checks commune `code` of the store, writes the report directory `out`, and syncs the
/// stored conflicts (statuses kept, vanished ones closed, new ones opened), in one transaction.
pub fn check(url: &str, code: &str, out: &Path, by: &str) -> Result<(Checked, ConflictSync)> {
    let start = Instant::now();
    let report = crate::report::Destination::check(out, None)?;
    let rt = runtime()?;
    let mut conn = rt.block_on(connect(url))?;
    let mut checked = run_checked(&rt, &mut conn, code, false)?;
    let mut timings = checked.timings.clone();
    timings.push(("total_before_report".into(), start.elapsed().as_secs_f64()));
    crate::report::write(&checked.dataset, &checked.reconciliation, &report, &timings)?;
    checked.timings.push(("report".to_string(), start.elapsed().as_secs_f64()));
    let mut tx = rt.block_on(conn.begin()).map_err(|e| Error::db("starting the transaction", e))?;
    rt.block_on(lock_commune(&mut tx, code))?;
    let source = format!("postgresql:thuadat/{code}");
    let import_id = rt.block_on(new_import(&mut tx, code, "check", &source, by))?;
    // As an import: the new linkage table first, the shared tables under the swap lock.
    let sync = rt.block_on(async {
        let links = partition::create(&mut tx, "holder_link", import_id, code).await?;
        copy_linkage(&mut tx, &links.name, &checked, code).await?;
        partition::prepare(&mut tx, &links).await?;
        partition::lock_swaps(&mut tx).await?;
        store_linkage_model(&mut tx, &checked, code).await?;
        let sync = sync_conflicts(&mut tx, &checked, code, import_id, by).await?;
        partition::swap_in(&mut tx, &links, code).await?;
        Ok::<_, Error>(sync)
    })?;
    let detail = json!({
        "conflicts": sync.present, "opened": sync.opened, "vanished": sync.vanished,
        "reappeared": sync.reappeared, "report": out.display().to_string(),
    });
    rt.block_on(finish_import(&mut tx, import_id, code, "check", by, &detail))?;
    rt.block_on(tx.commit()).map_err(|e| Error::db("committing the check", e))?;
    Ok((checked, sync))
}

/// Who writes: `$THUADAT_USER`, else `$USER`, else `thuadat`.
pub fn default_user() -> String {
    std::env::var("THUADAT_USER")
        .or_else(|_| std::env::var("USER"))
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "thuadat".into())
}
