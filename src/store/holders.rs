//! Holders as written on their certificates, with the register's record each was linked to, the fields where
//! the two disagree and the latest officer decision on the link: the personal data a server of the store hands
//! to the logins entitled to it (`GET /parcels/{id}/holders`), and the decisions they record
//! (`PUT /parcels/{id}/holders/{line}`, table `holder_decision`, migration 0013). Read from the store on each
//! request, never kept in the server's memory, never logged: the audit row of a decision names the parcel,
//! certificate, line and decision, not the holder nor the comment.

use serde_json::{json, Value};
use sqlx::postgres::PgRow;
use sqlx::{PgExecutor, PgPool, Row};

use crate::error::{Error, Result};
use crate::linkage::differs::{differs, Field};
use crate::linkage::holders::HolderRecord;

/// An officer's decision on the link of a holder to the register's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The register's record is the holder.
    Confirmed,
    /// It is not.
    Rejected,
}

impl Decision {
    /// Both decisions.
    pub const ALL: [Decision; 2] = [Decision::Confirmed, Decision::Rejected];

    /// The decision as stored and answered: `confirmed` or `rejected`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Confirmed => "confirmed",
            Decision::Rejected => "rejected",
        }
    }

    /// The decision named `s` (`confirmed` or `rejected`).
    pub fn parse(s: &str) -> Option<Decision> {
        Decision::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// A decision to record, with who made it.
#[derive(Debug, Clone, Copy)]
pub struct NewDecision<'a> {
    /// Confirmed or rejected.
    pub decision: Decision,
    /// Why, as the officer wrote it (None or empty: no comment).
    pub comment: Option<&'a str>,
    /// The login.
    pub by: &'a str,
    /// The client's address, for the audit row.
    pub address: Option<&'a str>,
}

/// The row's columns: the certificate's holder (1-5), the linkage (6-8), the register's record (9-12), the
/// latest decision (13-16), the register's record of the namesake named as a candidate (17-20).
const ROWS: &str = "SELECT c.line, c.cert_id, c.holder_name, c.holder_id, c.holder_birth, c.address, \
            l.status, l.score, l.why, z.citizen_id, z.full_name, z.birth_date, z.address, \
            d.decision, d.comment, d.by_whom, to_char(d.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), \
            k.citizen_id, k.full_name, k.birth_date, k.address \
     FROM thuadat.certificate c \
     LEFT JOIN thuadat.holder_link l ON l.commune_code = c.commune_code AND l.line = c.line \
     LEFT JOIN thuadat.citizen z ON z.commune_code = c.commune_code AND z.line = l.citizen_line \
     LEFT JOIN thuadat.citizen k ON k.commune_code = c.commune_code AND k.line = l.candidate_line \
     LEFT JOIN LATERAL (SELECT decision, comment, by_whom, at FROM thuadat.holder_decision h \
                        WHERE h.commune_code = c.commune_code AND h.line = c.line ORDER BY h.id DESC LIMIT 1) d ON true \
     WHERE c.commune_code = $1 AND c.line = ANY($2) ORDER BY c.line";

/// The holder rows at certificate lines `lines` of commune `code`, in line order: each with what the
/// certificate says, the linkage (status, score, why), the register's record it was matched to, the fields
/// where the two disagree ([`differs`]; none without a record) and the latest decision on the link.
pub async fn holder_rows(pool: &PgPool, code: &str, lines: &[i32]) -> Result<Vec<Value>> {
    rows(pool, code, lines).await
}

async fn rows<'e>(ex: impl PgExecutor<'e>, code: &str, lines: &[i32]) -> Result<Vec<Value>> {
    let rows = sqlx::query(ROWS)
        .bind(code)
        .bind(lines)
        .fetch_all(ex)
        .await
        .map_err(|e| Error::db("reading the holders", e))?;
    Ok(rows.iter().map(row).collect())
}

fn row(r: &PgRow) -> Value {
    let s = |i: usize| r.get::<Option<String>, _>(i);
    let text = |i: usize| s(i).unwrap_or_default();
    let (name, id, birth, address) = (text(2), text(3), text(4), text(5));
    let register = s(9).map(|citizen_id| (citizen_id, text(10), text(11), text(12)));
    let differs: Vec<&str> = register.as_ref().map_or_else(Vec::new, |(rid, rname, rbirth, raddress)| {
        let certificate = HolderRecord { name: &name, id: &id, birth: &birth, address: &address };
        let record = HolderRecord { name: rname, id: rid, birth: rbirth, address: raddress };
        differs(&certificate, &record).into_iter().map(Field::as_str).collect()
    });
    let linkage = s(6).map(|status| json!({"status": status, "score": r.get::<Option<f64>, _>(7), "why": s(8)}));
    let decision = s(13).map(|d| json!({"decision": d, "comment": s(14), "by": s(15), "at": s(16)}));
    json!({
        "line": r.get::<i32, _>(0),
        "etag": super::edit::holder::etag(r.get::<i32, _>(0), s(3).as_deref().filter(|s| !s.is_empty())),
        "cert_id": s(1),
        "name": s(2),
        "holder_id": s(3),
        "birth": s(4),
        "address": s(5),
        "linkage": linkage,
        "register": s(9).map(|id| json!({"citizen_id": id, "name": s(10), "birth": s(11), "address": s(12)})),
        "candidate": s(17).map(|id| json!({"citizen_id": id, "name": s(18), "birth": s(19), "address": s(20)})),
        "differs": differs,
        "decision": decision,
    })
}

/// Records decision `d` on the link of the holder at certificate line `line` of commune `code` (of parcel
/// `parcel_id`, for the audit row): the decision and an audit row in one transaction. Answers the holder's row
/// as [`holder_rows`] gives it afterwards, or None when the commune has no certificate row at `line`.
pub async fn decide(
    pool: &PgPool,
    code: &str,
    parcel_id: &str,
    line: i32,
    d: &NewDecision<'_>,
) -> Result<Option<Value>> {
    let db = |what: &'static str| move |e| Error::db(what, e);
    let mut tx = pool.begin().await.map_err(db("starting the transaction"))?;
    let found: Option<(String, Option<i32>)> = sqlx::query_as(
        "SELECT c.cert_id, l.citizen_line FROM thuadat.certificate c \
         LEFT JOIN thuadat.holder_link l ON l.commune_code = c.commune_code AND l.line = c.line \
         WHERE c.commune_code = $1 AND c.line = $2",
    )
    .bind(code)
    .bind(line)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db("reading the holder"))?;
    let Some((cert_id, citizen_line)) = found else { return Ok(None) };
    let comment = d.comment.map(str::trim).filter(|c| !c.is_empty());
    sqlx::query(
        "INSERT INTO thuadat.holder_decision (commune_code, line, decision, comment, by_whom, citizen_line) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(code)
    .bind(line)
    .bind(d.decision.as_str())
    .bind(comment)
    .bind(d.by)
    .bind(citizen_line)
    .execute(&mut *tx)
    .await
    .map_err(db("recording the decision"))?;
    let detail = json!({"parcel": parcel_id, "cert_id": cert_id, "line": line, "decision": d.decision.as_str()});
    super::users::audit_in(&mut tx, d.by, d.address, Some(code), "holder decision", detail).await?;
    let after = rows(&mut *tx, code, &[line]).await?.into_iter().next();
    tx.commit().await.map_err(db("committing the decision"))?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_are_named_as_stored() {
        assert_eq!(Decision::ALL.map(Decision::as_str), ["confirmed", "rejected"]);
        assert_eq!(Decision::parse("rejected"), Some(Decision::Rejected));
        assert_eq!(Decision::parse("Confirmed"), None);
    }
}
