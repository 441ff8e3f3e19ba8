//! Corrections in the store (issue 18), one module per thing corrected: [`certificate`] (re-pointed, area
//! corrected, cancelled), [`parcel`] (created, replaced, updated, retired: OGC API - Features Part 4) and
//! [`holder`] (a holder's current id set, the holder linked again).
//!
//! Every edit is one transaction under the commune's lock: the rows changed, an `edit` row numbered per
//! commune (its version, with before, after, who and why; [`record`]) and an `audit_log` row. Optimistic
//! locking: what an edit may change has an entity tag, a digest of it ([`etag_of`]); a write naming another tag
//! is refused as stale. After an edit the commune is checked again ([`super::run::recheck`]); the HTTP layer
//! is `src/server/edit.rs` and `src/server/parcel_edit.rs`. [`changes`] lists the edits after a version.

pub mod certificate;
pub mod holder;
pub mod parcel;

pub use certificate::{certificate, edit_certificate, etag, Certificate, CertificateFields, CertificatePatch, Edit};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool, Row};

use crate::error::{Error, Result};

pub(super) fn db(what: &'static str) -> impl Fn(sqlx::Error) -> Error {
    move |e| Error::db(what, e)
}

/// A strong entity tag (quoted) of a JSON value: the first 96 bits of its SHA-256, in hex.
pub(crate) fn etag_of(v: &Value) -> String {
    let digest = Sha256::digest(v.to_string().as_bytes());
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// Writes the `edit` row of one change of commune `code` (the next version of the commune) and answers its
/// version. Called inside the edit's transaction, after the commune's lock.
#[allow(clippy::too_many_arguments)]
pub(super) async fn record(
    conn: &mut PgConnection,
    code: &str,
    by: &str,
    target: &str,
    target_id: &str,
    before: &Value,
    after: &Value,
    comment: Option<&str>,
) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO thuadat.edit (commune_code, version, by_whom, target, target_id, before, after, comment) \
         SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5, $6, $7 FROM thuadat.edit \
         WHERE commune_code = $1 RETURNING version",
    )
    .bind(code)
    .bind(by)
    .bind(target)
    .bind(target_id)
    .bind(before)
    .bind(after)
    .bind(comment)
    .fetch_one(&mut *conn)
    .await
    .map_err(db("recording the edit"))
}

/// The edits of commune `code` after version `since`, oldest first, at most `limit`: what `GET
/// /export/changes` answers, for the land information system to replay. A holder's id is personal data:
/// without `personal`, a holder edit's `before` and `after` are withheld (`"withheld": true`).
pub async fn changes(pool: &PgPool, code: &str, since: i64, limit: i64, personal: bool) -> Result<Value> {
    let current: Option<i64> = sqlx::query_scalar("SELECT max(version) FROM thuadat.edit WHERE commune_code = $1")
        .bind(code)
        .fetch_one(pool)
        .await
        .map_err(db("reading the edits"))?;
    let rows = sqlx::query(
        "SELECT version, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), by_whom, target, target_id, \
         before, after, comment FROM thuadat.edit WHERE commune_code = $1 AND version > $2 ORDER BY version LIMIT $3",
    )
    .bind(code)
    .bind(since)
    .bind(limit)
    .fetch_all(pool)
    .await
    .map_err(db("reading the edits"))?;
    let changes: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut change = json!({
                "version": r.get::<i64, _>(0),
                "at": r.get::<String, _>(1),
                "by": r.get::<String, _>(2),
                "target": r.get::<String, _>(3),
                "id": r.get::<String, _>(4),
                "before": r.get::<Value, _>(5),
                "after": r.get::<Value, _>(6),
                "comment": r.get::<Option<String>, _>(7),
            });
            if change["target"] == "holder" && !personal {
                for key in ["before", "after", "comment"] {
                    change[key] = Value::Null;
                }
                change["withheld"] = Value::Bool(true);
            }
            change
        })
        .collect();
    let last = changes.last().and_then(|c| c["version"].as_i64()).unwrap_or(since);
    Ok(json!({"commune": code, "version": current.unwrap_or(0), "since": since, "through": last, "changes": changes}))
}

/// The edits of commune `code` with versions in `(after, through]`, oldest first: `(version, target,
/// target_id, after)`, to replay in a server's live commune.
pub async fn replay(pool: &PgPool, code: &str, after: i64, through: i64) -> Result<Vec<(i64, String, String, Value)>> {
    let rows = sqlx::query(
        "SELECT version, target, target_id, after FROM thuadat.edit WHERE commune_code = $1 AND version > $2 AND version <= $3 \
         ORDER BY version",
    )
    .bind(code)
    .bind(after)
    .bind(through)
    .fetch_all(pool)
    .await
    .map_err(db("reading the edits"))?;
    Ok(rows
        .iter()
        .map(|r| (r.get::<i64, _>(0), r.get::<String, _>(1), r.get::<String, _>(2), r.get::<Value, _>(3)))
        .collect())
}
