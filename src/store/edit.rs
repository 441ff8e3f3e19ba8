//! Corrections in the store (issue 18): a certificate re-pointed to another sheet and parcel number (e.g. an
//! officer accepting the likely parcel of an `unmatched_certificate`), its area corrected, or the certificate
//! cancelled (a re-issued duplicate: its rows kept, out of the check and the export) or restored. Each edit is one
//! transaction under the commune's lock: the rows changed, an `edit` row numbered per commune (its version,
//! with before, after, who and why) and an `audit_log` row. Optimistic locking: a certificate's [`etag`] is
//! a digest of what an edit may change; a write naming another one is refused as stale ([`Edit::Stale`]).
//! After an edit the commune is checked again ([`super::run::recheck`]); the HTTP layer is
//! `src/server/edit.rs`.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Row};

use super::connection::lock_commune;
use crate::error::{Error, Result};

fn db(what: &'static str) -> impl Fn(sqlx::Error) -> Error {
    move |e| Error::db(what, e)
}

/// What an edit may change of a certificate (every row of it: co-holders repeat it), as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateFields {
    /// The sheet it points at.
    pub sheet: Option<i64>,
    /// The parcel number as written (`45`, `45a`).
    pub parcel_no: Option<String>,
    /// The area written on it, m².
    pub area: Option<f64>,
    /// Cancelled by an officer (a re-issued duplicate): kept on record, out of the check and the export.
    pub cancelled: bool,
}

impl CertificateFields {
    /// As JSON: `{"sheet", "parcel_no", "area", "cancelled"}`.
    pub fn json(&self) -> Value {
        json!({"sheet": self.sheet, "parcel_no": self.parcel_no, "area": self.area, "cancelled": self.cancelled})
    }
}

/// The certificate's entity tag: a digest of its editable fields (strong, quoted).
///
/// ```
/// use thuadat::store::edit::{etag, CertificateFields};
/// let a = CertificateFields { sheet: Some(7), parcel_no: Some("531".into()), area: Some(120.5), cancelled: false };
/// let b = CertificateFields { parcel_no: Some("531a".into()), ..a.clone() };
/// let c = CertificateFields { cancelled: true, ..a.clone() };
/// assert_ne!(etag(&a), etag(&b));
/// assert_ne!(etag(&a), etag(&c));
/// assert!(etag(&a).starts_with('"') && etag(&a).ends_with('"'));
/// ```
pub fn etag(f: &CertificateFields) -> String {
    let digest = Sha256::digest(f.json().to_string().as_bytes());
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// A certificate as an edit sees it: its fields (from its first row), its rows, its tag.
#[derive(Debug, Clone)]
pub struct Certificate {
    /// Its id.
    pub cert_id: String,
    /// Its editable fields.
    pub fields: CertificateFields,
    /// How many rows (holders) it has.
    pub rows: i64,
    /// [`etag`] of the fields.
    pub etag: String,
}

/// The certificate `cert_id` of commune `code`, or None.
pub async fn certificate(pool: &PgPool, code: &str, cert_id: &str) -> Result<Option<Certificate>> {
    read(pool, code, cert_id).await
}

async fn read<'e, E: sqlx::PgExecutor<'e>>(ex: E, code: &str, cert_id: &str) -> Result<Option<Certificate>> {
    let row = sqlx::query(
        "SELECT (array_agg(sheet ORDER BY line))[1], (array_agg(parcel_no ORDER BY line))[1], \
         (array_agg(area ORDER BY line))[1], count(*), bool_or(cancelled) FROM thuadat.certificate \
         WHERE commune_code = $1 AND cert_id = $2",
    )
    .bind(code)
    .bind(cert_id)
    .fetch_one(ex)
    .await
    .map_err(db("reading the certificate"))?;
    let rows: i64 = row.get(3);
    if rows == 0 {
        return Ok(None);
    }
    let fields = CertificateFields {
        sheet: row.get(0),
        parcel_no: row.get(1),
        area: row.get(2),
        cancelled: row.get::<Option<bool>, _>(4).unwrap_or(false),
    };
    Ok(Some(Certificate { cert_id: cert_id.to_string(), etag: etag(&fields), fields, rows }))
}

/// A requested change: the fields given replace the stored ones.
#[derive(Debug, Clone, Default)]
pub struct CertificatePatch {
    /// New sheet.
    pub sheet: Option<i64>,
    /// New parcel number as written.
    pub parcel_no: Option<String>,
    /// New area, m².
    pub area: Option<f64>,
    /// Cancel (true) or restore (false).
    pub cancelled: Option<bool>,
    /// Why (kept with the edit).
    pub comment: Option<String>,
}

/// What an edit did.
#[derive(Debug, Clone)]
pub enum Edit {
    /// Written: the commune's new version, the fields before and after, the new tag.
    Done {
        /// The commune's version after this edit.
        version: i64,
        /// Before.
        before: CertificateFields,
        /// After.
        after: CertificateFields,
        /// The certificate's new tag.
        etag: String,
    },
    /// No such certificate.
    NotFound,
    /// The tag given is not the certificate's any more (someone changed it): its current tag.
    Stale(String),
}

/// Edits certificate `cert_id` of commune `code` if its tag is still `if_match`; see the module's doc.
pub async fn edit_certificate(
    pool: &PgPool,
    code: &str,
    cert_id: &str,
    patch: &CertificatePatch,
    if_match: &str,
    by: &str,
    address: Option<&str>,
) -> Result<Edit> {
    let mut tx = pool.begin().await.map_err(db("starting the edit"))?;
    lock_commune(&mut tx, code).await?;
    let Some(current) = read(&mut *tx, code, cert_id).await? else { return Ok(Edit::NotFound) };
    if current.etag != if_match {
        return Ok(Edit::Stale(current.etag));
    }
    let before = current.fields.clone();
    let after = CertificateFields {
        sheet: patch.sheet.or(before.sheet),
        parcel_no: patch.parcel_no.clone().or_else(|| before.parcel_no.clone()),
        area: patch.area.or(before.area),
        cancelled: patch.cancelled.unwrap_or(before.cancelled),
    };
    sqlx::query(
        "UPDATE thuadat.certificate SET sheet = $3, parcel_no = $4, area = $5, cancelled = $6 \
         WHERE commune_code = $1 AND cert_id = $2",
    )
    .bind(code)
    .bind(cert_id)
    .bind(after.sheet)
    .bind(&after.parcel_no)
    .bind(after.area)
    .bind(after.cancelled)
    .execute(&mut *tx)
    .await
    .map_err(db("changing the certificate"))?;
    let version: i64 = sqlx::query_scalar(
        "INSERT INTO thuadat.edit (commune_code, version, by_whom, target, target_id, before, after, comment) \
         SELECT $1, coalesce(max(version), 0) + 1, $2, 'certificate', $3, $4, $5, $6 FROM thuadat.edit \
         WHERE commune_code = $1 RETURNING version",
    )
    .bind(code)
    .bind(by)
    .bind(cert_id)
    .bind(before.json())
    .bind(after.json())
    .bind(patch.comment.as_deref())
    .fetch_one(&mut *tx)
    .await
    .map_err(db("recording the edit"))?;
    let detail = json!({"cert_id": cert_id, "version": version, "before": before.json(), "after": after.json()});
    super::users::audit_in(&mut tx, by, address, Some(code), "certificate edited", detail).await?;
    tx.commit().await.map_err(db("committing the edit"))?;
    let etag = etag(&after);
    Ok(Edit::Done { version, before, after, etag })
}

/// The edits of commune `code` after version `since`, oldest first, at most `limit`: what `GET
/// /export/changes` answers, for the land information system to replay (no personal data: certificate
/// fields only).
pub async fn changes(pool: &PgPool, code: &str, since: i64, limit: i64) -> Result<Value> {
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
            json!({
                "version": r.get::<i64, _>(0),
                "at": r.get::<String, _>(1),
                "by": r.get::<String, _>(2),
                "target": r.get::<String, _>(3),
                "id": r.get::<String, _>(4),
                "before": r.get::<Value, _>(5),
                "after": r.get::<Value, _>(6),
                "comment": r.get::<Option<String>, _>(7),
            })
        })
        .collect();
    let last = changes.last().and_then(|c| c["version"].as_i64()).unwrap_or(since);
    Ok(json!({"commune": code, "version": current.unwrap_or(0), "since": since, "through": last, "changes": changes}))
}
