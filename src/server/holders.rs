//! The holders of a parcel's certificates, for the officer who acts on their linkage (served with
//! `serve --db`, docs/API.md "Access"): `GET /parcels/{id}/holders` (each holder as the certificate writes
//! them, the linkage, the register's record, the fields where the two disagree, the latest decision) and
//! `PUT /parcels/{id}/holders/{line}` with `{"decision": "confirmed" | "rejected", "comment"}` (a decision on
//! the link of the holder at certificate line `line`), and `PATCH /parcels/{id}/holders/{line}` with
//! `{"holder_id": "<12-digit CCCD>", "comment"}` and `If-Match` (the holder's current id set, the holder linked
//! again under the stored model, the commune checked again: an edit, for officers and admins).
//!
//! Both are for admins, officers and the field users of the parcel's group ([`scope::own`]: a parcel outside
//! a field user's groups is not found); viewers never (`403`). The personal data are read from the store per
//! request ([`crate::store::holders`]), never kept or logged; every answer is JSON and `no-store`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Extension, Router};
use serde_json::{json, Value};

use super::auth::Caller;
use super::error::{json_error, no_store_json, ApiError};
use super::review::{bad_path, unavailable};
use super::scope;
use super::AppState;
use crate::access::Role;
use crate::live::LiveEdit;
use crate::store::holders::{self, Decision, NewDecision};

type Shared = State<Arc<AppState>>;

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/parcels/{id}/holders", get(get_holders))
        .route("/parcels/{id}/holders/{line}", put(put_decision).patch(patch_holder))
}

/// A request entitled to a parcel's holders ([`entitled`]): the store, the commune, the caller and the
/// certificate lines of the parcel's holders.
struct Entitled {
    pool: sqlx::PgPool,
    code: String,
    caller: Caller,
    lines: Vec<i32>,
}

/// The personal data of parcel `id` go to admins, officers and the field users of its group; viewers are
/// `403`, a parcel unknown or outside a field user's groups `404`.
fn entitled(state: &AppState, caller: Option<Extension<Caller>>, id: &str) -> Result<Entitled, ApiError> {
    let (Some((pool, code)), Some(Extension(caller))) = (state.store.as_ref(), caller) else {
        return Err(ApiError::not_found("holders are served only by `serve --db`, to the logins entitled to them"));
    };
    if caller.user.role == Role::Viewer {
        let login = &caller.user.login;
        return Err(ApiError::forbidden(format!("`{login}` is a viewer: viewers never see personal data")));
    }
    let src = state.source();
    let own = scope::own(&src, Some(&caller));
    let Some(i) = src.parcel_by_id.get(id).map(|&i| i as usize).filter(|&i| own.admits(src.parcel_group[i])) else {
        return Err(ApiError::not_found(format!("no parcel `{id}`")));
    };
    let certs = &src.checked.dataset.certificates;
    let lines: Vec<i32> = src
        .checked
        .reconciliation
        .links
        .certs_of(i)
        .iter()
        .flat_map(|&c| certs.holders_of(c as usize))
        .filter_map(|h| i32::try_from(certs.holders[h].line).ok())
        .collect();
    Ok(Entitled { pool: pool.clone(), code: code.clone(), caller, lines })
}

/// `GET /parcels/{id}/holders`: `{"parcel_id", "holders": [...]}`, the rows of [`holders::holder_rows`].
async fn get_holders(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let Path(id) = match id {
        Ok(id) => id,
        Err(e) => return bad_path(e),
    };
    let e = match entitled(&state, caller, &id) {
        Ok(e) => e,
        Err(e) => return e.into_response(),
    };
    match holders::holder_rows(&e.pool, &e.code, &e.lines).await {
        Ok(rows) => no_store_json(StatusCode::OK, &json!({"parcel_id": id, "holders": rows})),
        Err(e) => unavailable(e),
    }
}

/// The body of a decision: `{"decision": "confirmed" | "rejected", "comment": "..." | null}` (the comment
/// optional), or the `400` naming the field that is wrong.
fn decision_of(body: &[u8]) -> Result<(Decision, Option<String>), ApiError> {
    let bad_body = |reason: &str| ApiError::bad_request(reason);
    let names = Decision::ALL.map(Decision::as_str).join(", ");
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        bad_body(&format!("the body must be JSON {{\"decision\": \"confirmed\" | \"rejected\", \"comment\"}}: {e}"))
    })?;
    let Some(fields) = v.as_object() else {
        return Err(bad_body("the body must be a JSON object {\"decision\", \"comment\"}"));
    };
    if let Some(other) = fields.keys().find(|k| !matches!(k.as_str(), "decision" | "comment")) {
        return Err(bad_body(&format!("unknown field `{other}`: a decision has `decision` and `comment`")));
    }
    let decision = match fields.get("decision") {
        None => return Err(bad_body(&format!("`decision` is missing: one of {names}"))),
        Some(Value::String(s)) => {
            Decision::parse(s).ok_or_else(|| bad_body(&format!("`decision` must be one of {names}, not `{s}`")))?
        }
        Some(other) => return Err(bad_body(&format!("`decision` must be one of {names}, not {other}"))),
    };
    let comment = match fields.get("comment") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(bad_body("`comment` must be a string (or null)")),
    };
    Ok((decision, comment))
}

/// A write on one holder row (`PUT` or `PATCH /parcels/{id}/holders/{line}`): the parcel's id, the caller
/// entitled to its holders, the line as a number, the body.
struct HolderWrite {
    id: String,
    e: Entitled,
    line: i32,
    body: Bytes,
}

/// Reads a write on a holder row, or answers why not (the path, the entitlement, the line, the body).
fn holder_write(
    state: &AppState,
    caller: Option<Extension<Caller>>,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<HolderWrite, Box<Response>> {
    let Path((id, line)) = path.map_err(|e| Box::new(bad_path(e)))?;
    let e = entitled(state, caller, &id).map_err(|e| Box::new(e.into_response()))?;
    let Ok(line) = line.parse::<i32>() else {
        let reason = format!("`line` must be the holder's line in certificates.csv (a number), not `{line}`");
        return Err(Box::new(json_error(StatusCode::BAD_REQUEST, &reason)));
    };
    let body = body.map_err(|e| Box::new(json_error(e.status(), &e.body_text())))?;
    Ok(HolderWrite { id, e, line, body })
}

/// The `404` of a line that is not one of parcel `id`'s holder rows.
fn unknown_line(id: &str, line: i32) -> Response {
    let reason = format!("no holder at line {line} of certificates.csv among the certificates of parcel `{id}`");
    json_error(StatusCode::NOT_FOUND, &reason)
}

/// `PUT /parcels/{id}/holders/{line}`: records a decision on the link of the holder at certificate line
/// `line` (one of the parcel's holders, else `404`) with its audit row, and answers the holder's row after it.
async fn put_decision(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let HolderWrite { id, e, line: line_no, body } = match holder_write(&state, caller, path, body) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    let (decision, comment) = match decision_of(&body) {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let unknown = || unknown_line(&id, line_no);
    if !e.lines.contains(&line_no) {
        return unknown();
    }
    let address = e.caller.address.map(|a| a.to_string());
    let new =
        NewDecision { decision, comment: comment.as_deref(), by: &e.caller.user.login, address: address.as_deref() };
    match holders::decide(&e.pool, &e.code, &id, line_no, &new).await {
        Ok(Some(row)) => no_store_json(StatusCode::OK, &row),
        Ok(None) => unknown(),
        Err(e) => unavailable(e),
    }
}

/// The body of an id edit: `{"holder_id": "<12-digit CCCD>", "comment": "..." | null}`, or the `400` / `422`
/// naming the field.
fn id_edit_of(body: &[u8]) -> Result<(String, Option<String>), ApiError> {
    use crate::linkage::citizen_id::{parse, HolderId};
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the body must be JSON {{\"holder_id\", \"comment\"}}: {e}")))?;
    let Some(fields) = v.as_object() else {
        return Err(ApiError::bad_request("the body must be a JSON object {\"holder_id\", \"comment\"}"));
    };
    if let Some(other) = fields.keys().find(|k| !matches!(k.as_str(), "holder_id" | "comment")) {
        return Err(ApiError::bad_request(format!(
            "unknown field `{other}`: an id edit has `holder_id` and `comment` (a decision is a PUT)"
        )));
    }
    let id = match fields.get("holder_id") {
        Some(Value::String(s)) => s.trim().to_string(),
        None => return Err(ApiError::bad_request("`holder_id` is missing: the holder's 12-digit citizen id (CCCD)")),
        Some(other) => return Err(ApiError::bad_request(format!("`holder_id` must be a string, not {other}"))),
    };
    match parse(&id) {
        HolderId::Cccd(_) => {}
        HolderId::Invalid(why) => {
            return Err(ApiError::unprocessable(format!("`holder_id` is not a citizen id (CCCD): the id {why}")))
        }
        HolderId::Cmnd(_) | HolderId::Empty => {
            return Err(ApiError::unprocessable(format!(
                "`holder_id` must be the holder's current 12-digit citizen id (CCCD), not `{id}`"
            )))
        }
    }
    let comment = match fields.get("comment") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(ApiError::bad_request("`comment` must be a string (or null)")),
    };
    Ok((id, comment))
}

/// `PATCH /parcels/{id}/holders/{line}` with `If-Match` (the holder's `etag` in `GET /parcels/{id}/holders`):
/// sets the holder's current id, links the holder again against the register under the stored model, and
/// checks the commune again (docs/API.md "Edits"). Answers the holder's row after it with the edit's version
/// and what the re-check changed.
async fn patch_holder(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    use crate::store::edit::holder::{self as holder_edit, Edit, SetId};
    let HolderWrite { id, e, line: line_no, body } = match holder_write(&state, caller, path, body) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    let by = e.caller.user.login.clone();
    if !e.caller.user.role.edits() {
        let reason = format!("`{by}` is a {}: only officers and admins correct the data", e.caller.user.role);
        return json_error(StatusCode::FORBIDDEN, &reason);
    }
    let (new_id, comment) = match id_edit_of(&body) {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let unknown = || unknown_line(&id, line_no);
    if !e.lines.contains(&line_no) {
        return unknown();
    }
    let Some(if_match) = headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()).map(str::trim) else {
        return json_error(
            StatusCode::PRECONDITION_REQUIRED,
            "an edit needs `If-Match` with the holder's `etag` (from GET /parcels/{id}/holders): so that no one's change is overwritten unseen",
        );
    };
    // The holder linked again with the new id, under the stored model, against the stored register.
    let current = match holder_edit::holder(&e.pool, &e.code, line_no).await {
        Ok(Some(h)) => h,
        Ok(None) => return unknown(),
        Err(err) => return unavailable(err),
    };
    let inputs = match holder_edit::linkage_inputs(&e.pool, &e.code).await {
        Ok(i) => i,
        Err(err) => return unavailable(err),
    };
    let (link, register) = match inputs {
        Some((model, register)) => {
            let (h, id2) = (current.clone(), new_id.clone());
            let linked = tokio::task::spawn_blocking(move || {
                let link = crate::linkage::holders::link_one(h.record(&id2), &register, &model);
                (link, register)
            })
            .await;
            match linked {
                Ok((link, register)) => (Some(link), Some(register)),
                Err(_) => return json_error(StatusCode::INTERNAL_SERVER_ERROR, "linking the holder again stopped"),
            }
        }
        None => (None, None),
    };
    let address = e.caller.address.map(|a| a.to_string());
    let set = SetId {
        line: line_no,
        holder_id: &new_id,
        link: link.as_ref(),
        register: register.as_ref(),
        parcel_id: &id,
        comment: comment.as_deref(),
    };
    let (version, etag) = match holder_edit::set_id(&e.pool, &e.code, &set, if_match, &by, address.as_deref()).await {
        Ok(Edit::Done { version, etag }) => (version, etag),
        Ok(Edit::NotFound) => return unknown(),
        Ok(Edit::Stale(now)) => {
            let reason =
                format!("the holder at line {line_no} changed since its etag {if_match} was read: read it again");
            let mut r = json_error(StatusCode::PRECONDITION_FAILED, &reason);
            if let Ok(v) = HeaderValue::from_str(&now) {
                r.headers_mut().insert(header::ETAG, v);
            }
            return r;
        }
        Err(err) => return unavailable(err),
    };
    drop(register);
    let edit = LiveEdit::Holder { line: line_no as u32, holder_id: new_id, link };
    let rechecked = match super::live::after_edit(&state, version, vec![edit], &by).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let row = match holders::holder_rows(&e.pool, &e.code, &[line_no]).await {
        Ok(rows) => rows.into_iter().next().unwrap_or(Value::Null),
        Err(err) => return unavailable(err),
    };
    let v = json!({
        "parcel_id": id, "version": version, "holder": row,
        "conflicts": rechecked["conflicts"], "statuses": rechecked["statuses"], "recheck": rechecked["recheck"],
        "served_data": rechecked["served_data"], "timings_ms": rechecked["timings_ms"],
    });
    let mut r = no_store_json(StatusCode::OK, &v);
    if let Ok(v) = HeaderValue::from_str(&etag) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_body_is_read_or_refused_naming_the_field() {
        assert_eq!(decision_of(br#"{"decision": "confirmed"}"#), Ok((Decision::Confirmed, None)));
        assert_eq!(
            decision_of(r#"{"decision": "rejected", "comment": "khác người"}"#.as_bytes()),
            Ok((Decision::Rejected, Some("khác người".to_string())))
        );
        assert_eq!(decision_of(br#"{"decision": "rejected", "comment": null}"#), Ok((Decision::Rejected, None)));
        for (body, want) in [
            (&br#"{"decision": "maybe"}"#[..], "`decision` must be one of confirmed, rejected, not `maybe`"),
            (br#"{"decision": 1}"#, "`decision` must be one of confirmed, rejected, not 1"),
            (br#"{"comment": "x"}"#, "`decision` is missing: one of confirmed, rejected"),
            (br#"{"decision": "confirmed", "comment": 3}"#, "`comment` must be a string (or null)"),
            (
                br#"{"decision": "confirmed", "by": "an"}"#,
                "unknown field `by`: a decision has `decision` and `comment`",
            ),
            (br#"["confirmed"]"#, "the body must be a JSON object {\"decision\", \"comment\"}"),
        ] {
            assert_eq!(decision_of(body), Err(ApiError::bad_request(want)), "{body:?}");
        }
        let Err(e) = decision_of(b"confirmed") else { panic!("not JSON was accepted") };
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(e.reason.starts_with("the body must be JSON {\"decision\""), "{e}");
    }
}
