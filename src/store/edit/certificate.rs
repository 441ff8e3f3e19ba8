//! Certificate corrections: a certificate re-pointed to another sheet and parcel number (e.g. an
//! officer accepting the likely parcel of an `unmatched_certificate`), its area corrected, or the certificate
//! cancelled (a re-issued duplicate: its rows kept, out of the check and the export) or restored. Optimistic
//! locking: a certificate's [`etag`] is a digest of what an edit may change; a write naming another one is
//! refused as stale ([`Edit::Stale`]).

use serde_json::{json, Value};
use sqlx::{PgPool, Row};

use super::super::connection::lock_commune;
use super::{db, etag_of, record};
use crate::error::Result;

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
    etag_of(&f.json())
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
    let version =
        record(&mut tx, code, by, "certificate", cert_id, &before.json(), &after.json(), patch.comment.as_deref())
            .await?;
    let detail = json!({"cert_id": cert_id, "version": version, "before": before.json(), "after": after.json()});
    super::super::users::audit_in(&mut tx, by, address, Some(code), "certificate edited", detail).await?;
    tx.commit().await.map_err(db("committing the edit"))?;
    let etag = etag(&after);
    Ok(Edit::Done { version, before, after, etag })
}
