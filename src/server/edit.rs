//! Corrections over HTTP (served with `serve --db`, docs/API.md; issue 18): `GET /certificates/{id}` (what an
//! edit may change, with its `ETag`) and `PATCH /certificates/{id}` with `If-Match` and
//! `{"sheet", "parcel_no", "area", "comment"}`: an officer re-points a certificate (e.g. to the likely parcel
//! of an `unmatched_certificate`) or corrects its area. The edit is stored ([`crate::store::edit`]), the
//! commune checked again and synced ([`crate::store::recheck`]) and the served data swapped, before the
//! answer: it says what the edit changed and what happened to the conflicts. `GET /export/changes?since=`
//! lists the edits after a version, for the land information system to replay. No personal data.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::Caller;
use super::error::{json_error, no_store_json};
use super::review::{bad_path, unavailable};
use super::source::Source;
use super::AppState;
use crate::live::LiveEdit;
use crate::store::edit::{self, CertificateFields, CertificatePatch, Edit};

type Shared = State<Arc<AppState>>;

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/certificates/{id}", get(get_certificate).patch(patch_certificate))
        .route("/export/changes", get(get_changes))
}

/// `GET /export/changes?since=<version>[&limit=<n>]`: the commune's edits after a version, oldest first (at
/// most 1000 a page; `through` is the last version given, the `since` of the next page).
async fn get_changes(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> Response {
    let (Some((pool, code)), Some(Extension(caller))) = (state.store.as_ref(), caller) else { return no_store() };
    // Holder ids only to the logins that see every holder of the commune.
    let personal = matches!(caller.user.role, crate::access::Role::Admin | crate::access::Role::Officer);
    let params = super::params::Params::parse(q.as_deref());
    let since = match params.count("since", i64::MAX as usize) {
        Ok(s) => s.unwrap_or(0) as i64,
        Err(e) => return axum::response::IntoResponse::into_response(e),
    };
    let limit = match params.count("limit", 1000) {
        Ok(Some(0)) => return json_error(StatusCode::BAD_REQUEST, "parameter `limit`: ask for 1 or more"),
        Ok(l) => l.unwrap_or(1000) as i64,
        Err(e) => return axum::response::IntoResponse::into_response(e),
    };
    match edit::changes(pool, code, since, limit, personal).await {
        Ok(v) => no_store_json(StatusCode::OK, &v),
        Err(e) => unavailable(e),
    }
}

fn fields_json(f: &CertificateFields) -> Value {
    f.json()
}

/// The served certificate's links and conflicts (positions in the served data), by id.
fn served(src: &Source, cert_id: &str) -> Value {
    let ds = &src.checked.dataset;
    let Some(k) = (0..ds.certificates.certificates.len()).find(|&k| ds.certificates.id(k) == cert_id) else {
        return json!({"parcel_ids": [], "conflict_ids": []});
    };
    let parcels: Vec<&str> =
        src.checked.reconciliation.links.parcel_of(k).map(|p| ds.parcels[p].id.as_str()).into_iter().collect();
    let conflicts: Vec<&str> = src.cert_conflicts[k].iter().map(|&c| src.conflict_ids[c as usize].as_str()).collect();
    json!({"parcel_ids": parcels, "conflict_ids": conflicts})
}

fn with_etag(mut r: Response, etag: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(etag) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}

pub(super) fn no_store() -> Response {
    json_error(StatusCode::NOT_FOUND, "edits need the PostGIS store: start the server with `serve --db`")
}

async fn get_certificate(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let Path(id) = match id {
        Ok(id) => id,
        Err(e) => return bad_path(e),
    };
    let (Some((pool, code)), Some(_)) = (state.store.as_ref(), caller) else { return no_store() };
    match edit::certificate(pool, code, &id).await {
        Ok(Some(c)) => {
            let mut v = fields_json(&c.fields);
            v["cert_id"] = json!(c.cert_id);
            v["rows"] = json!(c.rows);
            v["served"] = served(&state.source(), &id);
            with_etag(no_store_json(StatusCode::OK, &v), &c.etag)
        }
        Ok(None) => json_error(StatusCode::NOT_FOUND, &format!("no certificate `{id}` in commune {code}")),
        Err(e) => unavailable(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    #[serde(default)]
    sheet: Option<serde_json::Number>,
    #[serde(default)]
    parcel_no: Option<String>,
    #[serde(default)]
    area: Option<f64>,
    #[serde(default)]
    cancelled: Option<bool>,
    #[serde(default)]
    comment: Option<String>,
}

/// The patch a body asks for, or the reason it cannot be applied (naming the field).
fn patch_of(body: &[u8]) -> Result<CertificatePatch, (StatusCode, String)> {
    let b: Body = serde_json::from_slice(body).map_err(|e| {
        (
            StatusCode::BAD_REQUEST,
            format!("the body must be JSON {{\"sheet\", \"parcel_no\", \"area\", \"cancelled\", \"comment\"}}: {e}"),
        )
    })?;
    let unprocessable = |m: String| (StatusCode::UNPROCESSABLE_ENTITY, m);
    let sheet = match b.sheet {
        None => None,
        Some(n) => Some(
            n.as_i64()
                .filter(|s| (0..=1_000_000).contains(s))
                .ok_or_else(|| unprocessable(format!("`sheet`: {n} is not a sheet number (a whole number from 0)")))?,
        ),
    };
    let parcel_no = match b.parcel_no.map(|p| p.trim().to_string()) {
        Some(p) if p.is_empty() || p.chars().count() > 32 || !p.starts_with(|c: char| c.is_ascii_digit()) => {
            return Err(unprocessable(format!(
                "`parcel_no`: `{p}` is not a parcel number (digits, then a split suffix such as `45a`)"
            )))
        }
        p => p,
    };
    if let Some(a) = b.area.filter(|a| !(a.is_finite() && *a > 0.0)) {
        return Err(unprocessable(format!("`area`: {a} is not an area in m² (a number above 0)")));
    }
    if sheet.is_none() && parcel_no.is_none() && b.area.is_none() && b.cancelled.is_none() {
        return Err(unprocessable("nothing to change: give `sheet`, `parcel_no`, `area` or `cancelled`".to_string()));
    }
    Ok(CertificatePatch {
        sheet,
        parcel_no,
        area: b.area,
        cancelled: b.cancelled,
        comment: b.comment.map(|c| c.trim().to_string()).filter(|c| !c.is_empty()),
    })
}

async fn patch_certificate(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Path(id) = match id {
        Ok(id) => id,
        Err(e) => return bad_path(e),
    };
    let body = match body {
        Ok(b) => b,
        Err(e) => return json_error(e.status(), &e.body_text()),
    };
    let (Some((pool, code)), Some(Extension(caller))) = (state.store.as_ref(), caller) else { return no_store() };
    let by = caller.user.login.as_str();
    if !caller.user.role.edits() {
        return json_error(
            StatusCode::FORBIDDEN,
            &format!("`{by}` is a {}: only officers and admins correct the data", caller.user.role),
        );
    }
    let patch = match patch_of(&body) {
        Ok(p) => p,
        Err((status, reason)) => return json_error(status, &reason),
    };
    let Some(if_match) = headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()).map(str::trim) else {
        return json_error(
            StatusCode::PRECONDITION_REQUIRED,
            "an edit needs `If-Match` with the certificate's ETag (from GET /certificates/{id}): so that no one's change is overwritten unseen",
        );
    };
    let address = caller.address.map(|a| a.to_string());
    let done = match edit::edit_certificate(pool, code, &id, &patch, if_match, by, address.as_deref()).await {
        Ok(Edit::Done { version, before, after, etag }) => (version, before, after, etag),
        Ok(Edit::NotFound) => {
            return json_error(StatusCode::NOT_FOUND, &format!("no certificate `{id}` in commune {code}"))
        }
        Ok(Edit::Stale(current)) => {
            return with_etag(
                json_error(
                    StatusCode::PRECONDITION_FAILED,
                    &format!(
                        "certificate `{id}` changed since its ETag {if_match} was read (now {current}): read it again"
                    ),
                ),
                &current,
            )
        }
        Err(e) => return unavailable(e),
    };
    let (version, before, after, etag) = done;
    let live_edit = LiveEdit::Certificate {
        cert_id: id.clone(),
        sheet: after.sheet,
        parcel_no: after.parcel_no.clone().unwrap_or_default(),
        area: after.area,
        cancelled: after.cancelled,
    };
    let conflicts = match super::live::after_edit(&state, version, vec![live_edit], by).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let now = served(&state.source(), &id);
    let v = json!({
        "cert_id": id,
        "version": version,
        "before": fields_json(&before),
        "after": fields_json(&after),
        "conflicts": conflicts["conflicts"],
        "statuses": conflicts["statuses"],
        "recheck": conflicts["recheck"],
        "timings_ms": conflicts["timings_ms"],
        "served_data": conflicts["served_data"],
        "served": now,
    });
    with_etag(no_store_json(StatusCode::OK, &v), &etag)
}
