//! The stored conflicts: a first import's COPY into new partitions, and the sync of later runs (statuses
//! kept, vanished ones closed, new ones opened, with their history).

use sqlx::PgConnection;

use super::copy::CopyRows;
use super::import::send_all;
use super::ConflictSync;
use super::{partition, wkb};
use crate::check::Checked;
use crate::conflict::ConflictGeometry;
use crate::dataset::parcels::RawPolygon;
use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// The columns of [`conflict_rows`]: the fields of the report's `conflicts.geojson`.
pub(super) const CONFLICT_FIELDS: &str = "id, kind, severity, measure, parcel_ids, cert_ids, grp, detail, candidates, \
                               near_duplicate, geom";

/// The conflicts as COPY rows of [`CONFLICT_FIELDS`] (the geometry as hex EWKB in WGS 84), each id once,
/// rendered on every core. With `stored` (commune code, import id), each row is led by the commune code and
/// followed by the import id twice: rows of `conflict (commune_code, {CONFLICT_FIELDS}, first_seen,
/// last_seen)`.
pub(super) fn conflict_rows(
    ds: &Dataset,
    conflicts: &[crate::conflict::Conflict],
    stored: Option<(&str, i64)>,
) -> Vec<u8> {
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
            let id = c.id(&pids, &cids);
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

/// The conflicts of `inc` into `conflict` (`$1` the commune, `$3` the import that sees them): new ones inserted,
/// stored ones present again and their fields brought up to date (a row that did not change is left as it is);
/// `set` adds assignments to the update, `returning` is what the statement gives back.
fn upsert_from_inc(set: &str, returning: &str) -> String {
    format!(
        "INSERT INTO thuadat.conflict AS c (commune_code, id, kind, severity, measure, parcel_ids, cert_ids, grp, \
         detail, candidates, near_duplicate, geom, first_seen, last_seen) \
         SELECT $1, id, kind, severity, measure, parcel_ids, cert_ids, grp, detail, candidates, near_duplicate, \
         geom, $3, $3 FROM inc \
         ON CONFLICT (commune_code, id) DO UPDATE SET kind = excluded.kind, severity = excluded.severity, \
         measure = excluded.measure, parcel_ids = excluded.parcel_ids, cert_ids = excluded.cert_ids, \
         grp = excluded.grp, detail = excluded.detail, candidates = excluded.candidates, \
         near_duplicate = excluded.near_duplicate, geom = excluded.geom, present = true, vanished_at = NULL{set} \
         WHERE NOT c.present OR (c.kind, c.severity, c.measure, c.parcel_ids, c.cert_ids, c.grp, c.detail, \
         c.candidates, c.near_duplicate, ST_AsEWKB(c.geom)) IS DISTINCT FROM (excluded.kind, excluded.severity, \
         excluded.measure, excluded.parcel_ids, excluded.cert_ids, excluded.grp, excluded.detail, \
         excluded.candidates, excluded.near_duplicate, ST_AsEWKB(excluded.geom)) \
         RETURNING {returning}"
    )
}

/// A temporary table `inc` (dropped at the commit) holding `conflicts` as rows of [`CONFLICT_FIELDS`]: what a
/// sync upserts from.
async fn stage_inc(conn: &mut PgConnection, ds: &Dataset, conflicts: &[crate::conflict::Conflict]) -> Result<()> {
    let db = |what: &'static str| move |e| Error::db(what, e);
    sqlx::query(
        "CREATE TEMP TABLE inc (id text PRIMARY KEY, kind text, severity text, measure double precision, \
         parcel_ids text[], cert_ids text[], grp text, detail text, candidates jsonb, near_duplicate boolean, \
         geom geometry) ON COMMIT DROP",
    )
    .execute(&mut *conn)
    .await
    .map_err(db("preparing the conflicts"))?;
    send_all(conn, "COPY inc FROM STDIN", conflict_rows(ds, conflicts, None)).await.map_err(db("COPY of the conflicts"))
}

/// Brings the stored conflicts of `code` in line with this run's: statuses of conflicts that still occur are
/// kept (by stable id); conflicts that no longer occur are marked vanished, new ones opened, returning ones
/// reappear; each change gets a history row.
pub(super) async fn sync_conflicts(
    conn: &mut PgConnection,
    checked: &Checked,
    code: &str,
    import_id: i64,
    by: &str,
) -> Result<ConflictSync> {
    let db = |what: &'static str| move |e| Error::db(what, e);
    stage_inc(conn, &checked.dataset, &checked.reconciliation.conflicts).await?;
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
    let opened = sqlx::query(&format!(
        "WITH up AS ({}) INSERT INTO thuadat.conflict_history (commune_code, conflict_id, event, by_whom, \
             to_status, import_id) SELECT $1, id, 'opened', $2, 'open', $3 FROM up WHERE inserted",
        upsert_from_inc(", last_seen = excluded.last_seen", "c.id, c.first_seen = $3 AS inserted")
    ))
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
pub(super) async fn conflicts_seen(conn: &mut PgConnection, code: &str, import_id: i64) -> Result<()> {
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
pub(super) async fn stage_conflicts(
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

/// The stored conflicts after an incremental re-check (issue 18): `found` (what the re-check's rules found,
/// new or again) stored as present, opened or reappearing with their history; `closed` ones marked vanished.
/// Runs under the commune's lock and only while the store's last edit is `version`: a later edit (another
/// server's) is checked in full and synced by that server, which covers this one's too; then None.
/// `present` is the number of conflicts the commune now has.
#[allow(clippy::too_many_arguments)]
pub async fn sync_found(
    pool: &sqlx::PgPool,
    code: &str,
    ds: &Dataset,
    found: &[crate::conflict::Conflict],
    closed: &[String],
    present: u64,
    version: i64,
    by: &str,
) -> Result<Option<ConflictSync>> {
    use sqlx::Connection;
    let db = |what: &'static str| move |e| Error::db(what, e);
    let mut conn = pool.acquire().await.map_err(db("connecting"))?;
    let mut tx = conn.begin().await.map_err(db("starting the sync"))?;
    super::connection::lock_commune(&mut tx, code).await?;
    let last: Option<i64> = sqlx::query_scalar("SELECT max(version) FROM thuadat.edit WHERE commune_code = $1")
        .bind(code)
        .fetch_one(&mut *tx)
        .await
        .map_err(db("reading the edits"))?;
    if last.unwrap_or(0) != version {
        return Ok(None);
    }
    let seen: Option<i64> = sqlx::query_scalar("SELECT conflicts_seen FROM thuadat.commune WHERE code = $1")
        .bind(code)
        .fetch_one(&mut *tx)
        .await
        .map_err(db("reading the commune"))?;
    let vanished = sqlx::query(
        "WITH v AS (UPDATE thuadat.conflict c SET present = false, vanished_at = now() \
         WHERE c.commune_code = $1 AND c.present AND c.id = ANY($2) RETURNING c.id, c.status) \
         INSERT INTO thuadat.conflict_history (commune_code, conflict_id, event, by_whom, from_status, to_status, \
         comment) SELECT $1, id, 'vanished', $3, status, status, 'edit ' || $4 FROM v",
    )
    .bind(code)
    .bind(closed)
    .bind(by)
    .bind(version.to_string())
    .execute(&mut *tx)
    .await
    .map_err(db("closing vanished conflicts"))?
    .rows_affected();
    stage_inc(&mut tx, ds, found).await?;
    let reappeared = sqlx::query(
        "INSERT INTO thuadat.conflict_history (commune_code, conflict_id, event, by_whom, from_status, to_status, \
         comment) SELECT $1, c.id, 'reappeared', $2, c.status, c.status, 'edit ' || $3 FROM thuadat.conflict c \
         JOIN inc ON inc.id = c.id WHERE c.commune_code = $1 AND NOT c.present",
    )
    .bind(code)
    .bind(by)
    .bind(version.to_string())
    .execute(&mut *tx)
    .await
    .map_err(db("recording reappeared conflicts"))?
    .rows_affected();
    let opened = sqlx::query(
        &format!(
            "WITH known AS (SELECT c.id FROM thuadat.conflict c JOIN inc ON inc.id = c.id WHERE c.commune_code = $1), \
             up AS ({}) INSERT INTO thuadat.conflict_history (commune_code, conflict_id, event, by_whom, to_status, \
             comment) SELECT $1, id, 'opened', $2, 'open', 'edit ' || $4 FROM up WHERE id NOT IN (SELECT id FROM known)",
            upsert_from_inc("", "c.id")
        ),
    )
    .bind(code)
    .bind(by)
    .bind(seen.unwrap_or(0))
    .bind(version.to_string())
    .execute(&mut *tx)
    .await
    .map_err(db("storing the conflicts"))?
    .rows_affected();
    tx.commit().await.map_err(db("committing the sync"))?;
    Ok(Some(ConflictSync { opened, vanished, reappeared, present }))
}
