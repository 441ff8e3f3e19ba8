//! The review workflow on the store: a conflict with its review status, a status change (with its history row
//! and audit row, in one transaction), and a conflict's history. The HTTP layer is `src/server/review.rs`.

use serde_json::Value;
use sqlx::{PgConnection, PgPool};

use crate::error::{Error, Result};
use crate::review::ReviewStatus;

/// A conflict as a GeoJSON feature (geometry in WGS 84): its stable id as `id`, its fields and review status
/// as properties. The detail of the holder kinds is withheld (it names holders and citizen ids).
const FEATURE: &str = "SELECT jsonb_build_object('type', 'Feature', 'id', id, \
     'geometry', ST_AsGeoJSON(geom, 8)::jsonb, 'properties', jsonb_build_object('id', id, 'kind', kind, \
     'severity', severity, 'measure', measure, 'parcel_ids', to_jsonb(parcel_ids), 'cert_ids', to_jsonb(cert_ids), \
     'group', grp, 'detail', CASE WHEN kind LIKE 'holder\\_%' THEN NULL ELSE detail END, \
     'candidates', candidates, 'status', status, 'status_by', status_by, 'status_at', status_at, \
     'status_comment', status_comment, 'present', present, 'first_seen', first_seen, \
     'last_seen', CASE WHEN present THEN (SELECT conflicts_seen FROM thuadat.commune WHERE code = $1) ELSE last_seen END, \
     'vanished_at', vanished_at)) FROM thuadat.conflict WHERE commune_code = $1 AND id = $2";

/// The conflict `id` of commune `code`, or None when the store has no such conflict.
pub async fn conflict(pool: &PgPool, code: &str, id: &str) -> Result<Option<Value>> {
    sqlx::query_scalar(FEATURE)
        .bind(code)
        .bind(id)
        .fetch_optional(pool)
        .await
        .map_err(|e| Error::db("reading the conflict", e))
}

/// [`statuses`] on a connection of `pool`.
pub async fn statuses_of(pool: &sqlx::PgPool, code: &str) -> Result<Vec<(String, ReviewStatus)>> {
    let mut conn = pool.acquire().await.map_err(|e| Error::db("connecting", e))?;
    statuses(&mut conn, code).await
}

/// The review statuses of the conflicts `ids` of commune `code` that are not open.
pub async fn statuses_of_ids(pool: &sqlx::PgPool, code: &str, ids: &[&str]) -> Result<Vec<(String, ReviewStatus)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, status FROM thuadat.conflict WHERE commune_code = $1 AND id = ANY($2) AND status <> 'open'",
    )
    .bind(code)
    .bind(ids)
    .fetch_all(pool)
    .await
    .map_err(|e| Error::db("reading the review statuses", e))?;
    parsed(code, rows)
}

/// Stored `(id, status)` rows of commune `code` read as review statuses.
fn parsed(code: &str, rows: Vec<(String, String)>) -> Result<Vec<(String, ReviewStatus)>> {
    rows.into_iter()
        .map(|(id, s)| match ReviewStatus::parse(&s) {
            Some(status) => Ok((id, status)),
            None => Err(Error::Stored(format!("conflict {id} of commune {code} has an unknown review status `{s}`"))),
        })
        .collect()
}

/// The review status of every conflict of commune `code` that is not open (a server starts from these).
pub async fn statuses(conn: &mut PgConnection, code: &str) -> Result<Vec<(String, ReviewStatus)>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT id, status FROM thuadat.conflict WHERE commune_code = $1 AND status <> 'open'")
            .bind(code)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| Error::db("reading the review statuses", e))?;
    parsed(code, rows)
}

/// What a status change did.
#[derive(Debug)]
pub enum Review {
    /// The conflict after the change.
    Done(Value),
    /// The commune has no conflict with that id.
    NotFound,
}

/// Sets the review status of conflict `id`: the conflict, a `status` history row and an audit row in one
/// transaction (a crash loses all three or none).
pub async fn set_status(
    pool: &PgPool,
    code: &str,
    id: &str,
    status: ReviewStatus,
    comment: Option<&str>,
    by: &str,
) -> Result<Review> {
    let status = status.as_str();
    let db = |what: &'static str| move |e| Error::db(what, e);
    let mut tx = pool.begin().await.map_err(db("starting the transaction"))?;
    let from: Option<String> =
        sqlx::query_scalar("SELECT status FROM thuadat.conflict WHERE commune_code = $1 AND id = $2 FOR UPDATE")
            .bind(code)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db("reading the conflict"))?;
    let Some(from) = from else { return Ok(Review::NotFound) };
    sqlx::query(
        "UPDATE thuadat.conflict SET status = $3, status_by = $4, status_at = now(), status_comment = $5 \
         WHERE commune_code = $1 AND id = $2",
    )
    .bind(code)
    .bind(id)
    .bind(status)
    .bind(by)
    .bind(comment)
    .execute(&mut *tx)
    .await
    .map_err(db("setting the status"))?;
    sqlx::query(
        "INSERT INTO thuadat.conflict_history (commune_code, conflict_id, event, by_whom, from_status, to_status, \
         comment) VALUES ($1, $2, 'status', $3, $4, $5, $6)",
    )
    .bind(code)
    .bind(id)
    .bind(by)
    .bind(&from)
    .bind(status)
    .bind(comment)
    .execute(&mut *tx)
    .await
    .map_err(db("writing the history"))?;
    sqlx::query("INSERT INTO thuadat.audit_log (by_whom, action, commune_code, detail) VALUES ($1, 'review', $2, $3)")
        .bind(by)
        .bind(code)
        .bind(serde_json::json!({"conflict": id, "from": from, "to": status, "comment": comment}))
        .execute(&mut *tx)
        .await
        .map_err(db("writing the audit log"))?;
    let after: Value = sqlx::query_scalar(FEATURE)
        .bind(code)
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(db("reading the conflict"))?;
    tx.commit().await.map_err(db("committing the review"))?;
    Ok(Review::Done(after))
}

/// The history of conflict `id`, oldest first, or None when the store has no such conflict.
pub async fn history(pool: &PgPool, code: &str, id: &str) -> Result<Option<Value>> {
    let events: Option<Value> = sqlx::query_scalar(
        "SELECT (SELECT coalesce(jsonb_agg(jsonb_build_object('event', event, 'by', by_whom, 'at', at, \
         'from', from_status, 'to', to_status, 'comment', comment, 'import', import_id) ORDER BY h.id), '[]') \
         FROM thuadat.conflict_history h WHERE h.commune_code = c.commune_code AND h.conflict_id = c.id) \
         FROM thuadat.conflict c WHERE c.commune_code = $1 AND c.id = $2",
    )
    .bind(code)
    .bind(id)
    .fetch_optional(pool)
    .await
    .map_err(|e| Error::db("reading the history", e))?;
    Ok(events.map(|e| serde_json::json!({"id": id, "history": e})))
}
