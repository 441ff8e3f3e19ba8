//! A holder's current id set by an officer (issue 18): the 12-digit CCCD read from the holder's card replaces
//! what the certificate row says (an old 9-digit CMND, nothing, a mistyped id), and the holder is linked again
//! against the register under the stored linkage model ([`crate::linkage::holders::link_one`]), in one
//! transaction with the numbered edit row and an audit row.
//!
//! The edit row holds the id (personal data): `GET /export/changes` gives it only to the logins entitled to
//! holders. The audit row names the parcel, certificate and line, never the id.

use serde_json::{json, Value};
use sqlx::{PgPool, Row};

use super::super::connection::lock_commune;
use super::{db, etag_of, record};
use crate::error::Result;
use crate::linkage::holders::{HolderLink, HolderRecord};
use crate::linkage::matcher::Model;
use crate::linkage::register::Register;

/// A holder row as an id edit sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Holder {
    /// Its line in certificates.csv.
    pub line: i32,
    /// Its certificate.
    pub cert_id: String,
    /// Name, id, birth, address as the row writes them.
    pub name: String,
    /// The id as written (None: empty).
    pub holder_id: Option<String>,
    /// Birth as written.
    pub birth: String,
    /// Address as written.
    pub address: String,
    /// Its stored link (None: the commune's linkage is not stored).
    pub link: Option<HolderLink>,
}

impl Holder {
    /// The row as linkage reads it, with id `id`.
    pub fn record<'a>(&'a self, id: &'a str) -> HolderRecord<'a> {
        HolderRecord { name: &self.name, id, birth: &self.birth, address: &self.address }
    }
}

/// A holder's entity tag: a digest of its line and id.
///
/// ```
/// use thuadat::store::edit::holder::etag;
/// assert_ne!(etag(12, Some("079123456789")), etag(12, None));
/// assert_ne!(etag(12, None), etag(13, None));
/// ```
pub fn etag(line: i32, holder_id: Option<&str>) -> String {
    etag_of(&json!({"line": line, "holder_id": holder_id}))
}

/// A link as stored in an edit row: `{"status", "citizen", "score", "why"}`, and `"candidate"` when it names one.
pub fn link_json(l: &HolderLink) -> Value {
    let mut v = json!({"status": l.status.as_str(), "citizen": l.citizen, "score": l.score, "why": l.why});
    if let (Some(c), Some(o)) = (l.candidate, v.as_object_mut()) {
        o.insert("candidate".into(), c.into());
    }
    v
}

/// The link an edit row stores ([`link_json`]), read back.
pub fn link_of(v: &Value) -> Option<HolderLink> {
    Some(HolderLink {
        status: crate::linkage::holders::Status::parse(v.get("status")?.as_str()?)?,
        citizen: v.get("citizen").and_then(Value::as_u64).and_then(|c| u32::try_from(c).ok()),
        score: v.get("score").and_then(Value::as_f64),
        why: v.get("why").and_then(Value::as_str).unwrap_or("").to_string(),
        candidate: v.get("candidate").and_then(Value::as_u64).and_then(|c| u32::try_from(c).ok()),
    })
}

/// The holder row at `line` of commune `code`, or None.
pub async fn holder(pool: &PgPool, code: &str, line: i32) -> Result<Option<Holder>> {
    read(pool, code, line).await
}

async fn read<'e, E: sqlx::PgExecutor<'e>>(ex: E, code: &str, line: i32) -> Result<Option<Holder>> {
    let row = sqlx::query(
        "SELECT c.cert_id, c.holder_name, c.holder_id, c.holder_birth, c.address, l.status, l.citizen, l.score, l.why, \
                l.candidate \
         FROM thuadat.certificate c \
         LEFT JOIN thuadat.holder_link l ON l.commune_code = c.commune_code AND l.line = c.line \
         WHERE c.commune_code = $1 AND c.line = $2",
    )
    .bind(code)
    .bind(line)
    .fetch_optional(ex)
    .await
    .map_err(db("reading the holder"))?;
    let Some(r) = row else { return Ok(None) };
    let text = |i: usize| r.get::<Option<String>, _>(i).unwrap_or_default();
    let link = r.get::<Option<String>, _>(5).and_then(|s| crate::linkage::holders::Status::parse(&s)).map(|status| {
        HolderLink {
            status,
            citizen: r.get::<Option<i32>, _>(6).and_then(|c| u32::try_from(c).ok()),
            score: r.get(7),
            why: text(8),
            candidate: r.get::<Option<i32>, _>(9).and_then(|c| u32::try_from(c).ok()),
        }
    });
    Ok(Some(Holder {
        line,
        cert_id: text(0),
        name: text(1),
        holder_id: r.get::<Option<String>, _>(2).filter(|s| !s.is_empty()),
        birth: text(3),
        address: text(4),
        link,
    }))
}

/// What linking a holder again needs: the stored model and the register (None: the commune's linkage is not
/// stored, and holders are linked again by the next import or check).
pub async fn linkage_inputs(pool: &PgPool, code: &str) -> Result<Option<(Model, Register)>> {
    let mut conn = pool.acquire().await.map_err(db("connecting"))?;
    let Some(model) = super::super::read::load_model(&mut conn, code).await? else { return Ok(None) };
    let dir = std::path::Path::new("thuadat").join(code);
    let register = super::super::read::load_register(&mut conn, code, &dir).await?;
    Ok(Some((model, register)))
}

/// What an id edit did.
#[derive(Debug, Clone)]
pub enum Edit {
    /// Written: the commune's new version and the holder's new tag.
    Done {
        /// The commune's version after this edit.
        version: i64,
        /// The holder's new tag.
        etag: String,
    },
    /// No holder row at that line.
    NotFound,
    /// The tag given is not the holder's any more: its current tag.
    Stale(String),
}

/// An id edit to make.
#[derive(Debug, Clone, Copy)]
pub struct SetId<'a> {
    /// The holder's line.
    pub line: i32,
    /// The new id.
    pub holder_id: &'a str,
    /// The holder linked again with it (None: the linkage is not stored).
    pub link: Option<&'a HolderLink>,
    /// The register it was linked against (for the citizen's line).
    pub register: Option<&'a Register>,
    /// The parcel the officer edits through (for the audit row).
    pub parcel_id: &'a str,
    /// Why (kept with the edit).
    pub comment: Option<&'a str>,
}

/// Sets the id of the holder at `e.line` of commune `code` if its tag is still `if_match`; see the module's doc.
pub async fn set_id(
    pool: &PgPool,
    code: &str,
    e: &SetId<'_>,
    if_match: &str,
    by: &str,
    address: Option<&str>,
) -> Result<Edit> {
    let mut tx = pool.begin().await.map_err(db("starting the edit"))?;
    lock_commune(&mut tx, code).await?;
    let Some(current) = read(&mut *tx, code, e.line).await? else { return Ok(Edit::NotFound) };
    let tag = etag(e.line, current.holder_id.as_deref());
    if tag != if_match {
        return Ok(Edit::Stale(tag));
    }
    sqlx::query("UPDATE thuadat.certificate SET holder_id = $3 WHERE commune_code = $1 AND line = $2")
        .bind(code)
        .bind(e.line)
        .bind(e.holder_id)
        .execute(&mut *tx)
        .await
        .map_err(db("changing the holder"))?;
    if let Some(l) = e.link {
        let line_of = |j: Option<u32>| j.and_then(|c| e.register?.people.get(c as usize)).map(|p| p.line as i32);
        sqlx::query(
            "UPDATE thuadat.holder_link SET status = $3, citizen = $4, score = $5, why = $6, citizen_line = $7, \
             candidate = $8, candidate_line = $9 WHERE commune_code = $1 AND line = $2",
        )
        .bind(code)
        .bind(e.line)
        .bind(l.status.as_str())
        .bind(l.citizen.map(|c| c as i32))
        .bind(l.score)
        .bind(&l.why)
        .bind(line_of(l.citizen))
        .bind(l.candidate.map(|c| c as i32))
        .bind(line_of(l.candidate))
        .execute(&mut *tx)
        .await
        .map_err(db("linking the holder again"))?;
    }
    let side = |id: Option<&str>, link: Option<&HolderLink>| json!({"line": e.line, "cert_id": current.cert_id, "holder_id": id, "link": link.map(link_json)});
    let (before, after) = (side(current.holder_id.as_deref(), current.link.as_ref()), side(Some(e.holder_id), e.link));
    let version = record(&mut tx, code, by, "holder", &e.line.to_string(), &before, &after, e.comment).await?;
    let detail = json!({"parcel": e.parcel_id, "cert_id": current.cert_id, "line": e.line, "version": version});
    super::super::users::audit_in(&mut tx, by, address, Some(code), "holder id set", detail).await?;
    tx.commit().await.map_err(db("committing the edit"))?;
    Ok(Edit::Done { version, etag: etag(e.line, Some(e.holder_id)) })
}
