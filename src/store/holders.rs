//! Holders as written on their certificates, with the register's record each was linked to: the personal
//! data a server of the store hands to the logins entitled to it (`GET /parcels/{id}/holders`). Read from
//! the store on each request, never kept in the server's memory, never logged.

use serde_json::{json, Value};
use sqlx::{PgPool, Row};

use crate::error::{Error, Result};

/// The holder rows at certificate lines `lines` of commune `code`, in line order: each with what the
/// certificate says, the linkage (status, score, why) and the register's record it was matched to.
pub async fn holder_rows(pool: &PgPool, code: &str, lines: &[i32]) -> Result<Vec<Value>> {
    let rows = sqlx::query(
        "SELECT c.line, c.cert_id, c.holder_name, c.holder_id, c.holder_birth, c.address, \
                l.status, l.score, l.why, z.citizen_id, z.full_name, z.birth_date, z.address \
         FROM thuadat.certificate c \
         LEFT JOIN thuadat.holder_link l ON l.commune_code = c.commune_code AND l.line = c.line \
         LEFT JOIN thuadat.citizen z ON z.commune_code = c.commune_code AND z.line = l.citizen_line \
         WHERE c.commune_code = $1 AND c.line = ANY($2) ORDER BY c.line",
    )
    .bind(code)
    .bind(lines)
    .fetch_all(pool)
    .await
    .map_err(|e| Error::db("reading the holders", e))?;
    Ok(rows
        .iter()
        .map(|r| {
            let s = |i: usize| r.get::<Option<String>, _>(i);
            let register = s(9).map(|id| json!({"citizen_id": id, "name": s(10), "birth": s(11), "address": s(12)}));
            let linkage =
                s(6).map(|status| json!({"status": status, "score": r.get::<Option<f64>, _>(7), "why": s(8)}));
            json!({
                "line": r.get::<i32, _>(0),
                "cert_id": s(1),
                "name": s(2),
                "holder_id": s(3),
                "birth": s(4),
                "address": s(5),
                "linkage": linkage,
                "register": register,
            })
        })
        .collect())
}
