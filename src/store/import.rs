//! `thuadat import`: a dataset directory checked and stored in one transaction, the big tables by COPY into
//! new partitions while the check runs.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::json;
use sqlx::{Connection, PgConnection};

use super::conflicts::{conflicts_seen, stage_conflicts, sync_conflicts};
use super::connection::{connect, lock_commune, srid_for};
use super::copy::{BinaryRows, CopyRows};
use super::{partition, wkb};
use super::{runtime, ImportSummary};
use crate::check::{self, Checked};
use crate::config::{DatasetConfig, CERTIFICATE_FIELDS, CITIZEN_FIELDS, PARCEL_FIELDS};
use crate::dataset::parcels::{RawFeature, RawGeometry, RawPolygon};
use crate::dataset::{value_area, value_integer, value_text, Dataset, Reader};
use crate::error::{Error, Location, Result};

/// Wall seconds of consecutive steps.
#[derive(Debug)]
pub(super) struct Steps(Vec<(&'static str, f64)>, Instant);

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

/// Reads the dataset directory `dir` (bad input fails here, before the database is touched, but for text the
/// store cannot hold), then checks it and stores it as commune `commune` (or the parcels' own code) in one
/// transaction. The rows that do not depend on the check (parcels, certificates, citizens, and their indexes)
/// are stored in new tables while the check runs; the holder links and a first import's conflicts follow it;
/// the shared tables (`commune`, `grp`, conflicts already stored) are written last, under the swap lock
/// (`src/store/partition.rs`).
pub fn import(dir: &Path, url: &str, commune: Option<&str>, by: &str) -> Result<ImportSummary> {
    let start = Instant::now();
    let pool = background_pool();
    let options = check::Options { progress: check::Progress::Hidden, pool: pool.as_ref() };
    let loaded = check::load(&mut check::Directory::new(dir), &options)?;
    let load_seconds = start.elapsed().as_secs_f64();
    let ds = &loaded.dataset;
    let code = choose_commune(ds, commune)?;
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
        staged.try_into().map_err(|_| Error::Internal("four partitions expected".into()))
    })?;
    // The check on the cores the store leaves free; the server parses and indexes meanwhile.
    let (checked, stored) = loaded.check_alongside(&options, |ds| -> Result<_> {
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
    });
    let (parcels, holders, citizens, groups) = stored?;
    steps.lap("waiting for the check");
    let check_seconds = checked.timings.iter().find(|(k, _)| k == "reconcile").map_or(0.0, |(_, v)| *v);
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
    let config_json =
        serde_json::to_value(&config).map_err(|cause| Error::Json { what: "the dataset config", cause })?;
    rt.block_on(async {
        sqlx::query(
            "INSERT INTO thuadat.commune (code, name, crs, srid, config, source, import_id, imported_at, \
             has_register, absent_columns, has_parcel_code) VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8, $9, $10) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, \
             crs = excluded.crs, srid = excluded.srid, config = excluded.config, source = excluded.source, \
             has_register = excluded.has_register, absent_columns = excluded.absent_columns, \
             has_parcel_code = excluded.has_parcel_code, \
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
        .bind(&ds.certificates.absent_columns)
        .bind(ds.has_parcel_codes)
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
/// longer the store waits for the check at the end (docs/perf-log/2026-11-to-12.md).
pub(super) fn background_pool() -> Option<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("check-{i}"))
        .start_handler(|_| lower_priority())
        .build()
        .ok()
}

/// Raises the calling thread's nice value to 4 (Linux: nice values are per thread). Needs no privilege.
pub(super) fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: plain system calls on the calling thread's own id; failure only leaves the priority as it was.
    unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 4);
    }
}

pub(super) async fn new_import(
    conn: &mut PgConnection,
    code: &str,
    action: &str,
    source: &str,
    by: &str,
) -> Result<i64> {
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
pub(super) async fn finish_import(
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
pub(super) async fn copy_from(
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
pub(super) fn copy_parcels(
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
    let stopped = |_| Error::Internal("the COPY of parcels stopped".into());
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
                        // `parcel_id`; the contract's properties follow (3..=10), then the geometry's columns. By
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
                 land_use, area, parcel_code, geom_kind, geom, geom_raw, drawn_defect) FROM STDIN (FORMAT binary, FREEZE)"
            ),
            rx,
        ));
        let read = reader.join().unwrap_or_else(|_| Err(Error::panicked("reading parcels")));
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
pub(super) fn parcel_row(out: &mut BinaryRows, code: &str, feature: i32, id: Option<&str>, f: RawFeature, srid: i32) {
    let v = &f.values;
    let text = |i: usize| v.get(i).and_then(value_text);
    let int = |i: usize| v.get(i).and_then(|x| value_integer(x).ok().flatten());
    out.row(15).text(Some(code)).int4(Some(feature)).text(id);
    out.text(text(0).as_deref()).text(text(1).as_deref()).int8(int(2)).int8(int(3));
    out.text(text(4).as_deref()).text(text(5).as_deref());
    out.float8(v.get(6).and_then(|x| value_area(x).ok().flatten()));
    out.text(text(7).as_deref());
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
    out.text(f.defect.as_deref());
}

/// The file a dataset read for `role` (`parcels`, `certificates`, `citizens`, `groups`).
pub(super) fn input_path(ds: &Dataset, role: &str) -> PathBuf {
    ds.inputs.iter().find(|i| i.role == role).map_or_else(|| PathBuf::from(role), |i| i.path.clone())
}

/// A text value the store cannot hold, found at `at`.
pub(super) fn nul_error(at: Location) -> Error {
    Error::bad_input(at, "text with a NUL character (U+0000), which PostgreSQL cannot store")
}

/// `n` as the value of an `integer` column (feature positions, CSV lines, register positions), or an error
/// naming what is too many for the store.
pub(super) fn int4(n: impl TryInto<i32> + Copy + std::fmt::Display, what: &str) -> Result<i32> {
    n.try_into().map_err(|_| Error::Capacity { what: format!("{n} {what}"), limit: "2^31 - 1 in the store" })
}

/// Raw polygons as nested coordinate arrays (polygons, rings, `[x, y]`): GeoJSON's MultiPolygon coordinates.
pub(super) fn raw_coordinates(polys: &[RawPolygon]) -> Vec<Vec<Vec<[f64; 2]>>> {
    polys.iter().map(|rings| rings.iter().map(|r| r.iter().map(|c| [c.x, c.y]).collect()).collect()).collect()
}

/// The coordinates of polygons PostGIS cannot hold, as JSON (`geom_raw`).
pub(super) fn raw_json(polys: &[RawPolygon]) -> String {
    serde_json::to_string(&raw_coordinates(polys)).unwrap_or_default()
}

pub(super) fn polygons_fields(out: &mut CopyRows, polys: &[RawPolygon], srid: i32) {
    if wkb::holdable(polys) {
        out.raw(|b| wkb::push_hex_ewkb(b, polys, srid)).text(None);
    } else {
        out.text(None).text(Some(&raw_json(polys)));
    }
}

pub(super) async fn send_all(
    conn: &mut PgConnection,
    statement: &str,
    buf: Vec<u8>,
) -> std::result::Result<(), sqlx::Error> {
    let mut copy = conn.copy_in_raw(statement).await?;
    copy.send(buf).await?;
    copy.finish().await.map(|_| ())
}

pub(super) async fn copy_certificates(conn: &mut PgConnection, table: &str, ds: &Dataset, code: &str) -> Result<u64> {
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

pub(super) async fn copy_citizens(conn: &mut PgConnection, table: &str, ds: &Dataset, code: &str) -> Result<u64> {
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

pub(super) async fn copy_groups(
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

/// Stores the model of this run's holder linkage in `commune.linkage_model` (NULL without a register).
pub(super) async fn store_linkage_model(conn: &mut PgConnection, checked: &Checked, code: &str) -> Result<()> {
    let model = checked
        .reconciliation
        .holders
        .as_ref()
        .map(|l| serde_json::to_value(&l.model))
        .transpose()
        .map_err(|cause| Error::Json { what: "the linkage model", cause })?;
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
pub(super) async fn copy_linkage(conn: &mut PgConnection, table: &str, checked: &Checked, code: &str) -> Result<u64> {
    let Some(l) = checked.reconciliation.holders.as_ref() else { return Ok(0) };
    let certs = &checked.dataset.certificates;
    let register = checked.dataset.register.as_ref();
    let mut out = BinaryRows::copy_data(l.holders.len() * 84);
    for (h, link) in certs.holders.iter().zip(&l.holders) {
        out.row(9).text(Some(code)).int4(Some(int4(h.line, "lines of certificates.csv")?));
        out.text(Some(link.status.as_str())).int4(link.citizen.map(|j| int4(j, "citizens")).transpose()?);
        out.float8(link.score.filter(|s| s.is_finite())).text(Some(&link.why));
        // The register entry's line in citizens.csv (its record is read by that key).
        let line_of = |j: Option<u32>| j.and_then(|j| register?.people.get(j as usize)).map(|p| p.line);
        out.int4(line_of(link.citizen).map(|l| int4(l, "lines of citizens.csv")).transpose()?);
        // The namesake named as a candidate, by position and line.
        out.int4(link.candidate.map(|j| int4(j, "citizens")).transpose()?);
        out.int4(line_of(link.candidate).map(|l| int4(l, "lines of citizens.csv")).transpose()?);
    }
    send_all(
        conn,
        &format!("COPY {table} (commune_code, line, status, citizen, score, why, citizen_line, candidate, candidate_line) FROM STDIN (FORMAT binary, FREEZE)"),
        out.finish(),
    )
    .await
    .map_err(|e| Error::db("COPY of the holder linkage", e))?;
    Ok(l.holders.len() as u64)
}
