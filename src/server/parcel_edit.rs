//! Parcel edits over HTTP (`serve --db`; OGC API - Features Part 4, docs/API.md): `POST
//! /collections/parcels/items` creates a parcel (201 with `Location`), `PUT` and `PATCH
//! /collections/parcels/items/{id}` replace or update one, `DELETE` retires it; `POST /parcels/batch` applies
//! several in one transaction (a split: the old parcel's geometry replaced and the new pieces created). A
//! parcel's `GET` gives its `ETag` (a digest of the row as stored); every change of an existing parcel needs
//! `If-Match` with it (428 without, 412 when stale). Officers and admins only: field users and viewers may not
//! edit geometry. After the edit the commune is checked again and the served data swapped
//! ([`super::live::after_edit`]); the answer says what changed. No personal data.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::{Extension, Router};
use serde_json::{json, Value};

use super::auth::Caller;
use super::edit::no_store;
use super::error::{json_error, no_store_json};
use super::feature_in::{self, Coordinates, Intent, Refusal};
use super::params::Params;
use super::review::{bad_path, unavailable};
use super::source::Source;
use super::AppState;
use crate::live::LiveEdit;
use crate::store::edit::parcel::{self, Applied, ParcelFields, ParcelOp, ParcelPatch};

type Shared = State<Arc<AppState>>;

/// At most this many changes in one batch.
pub(super) const MAX_BATCH: usize = 100;

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/parcels/batch", post(batch))
}

/// The position of the served parcel with feature number `feature` (parcels are in feature order).
fn position_of_feature(src: &Source, feature: i32) -> Option<usize> {
    src.checked.dataset.position_of_feature(u32::try_from(feature).ok()?)
}

/// The feature number of the served parcel `id`, or a 404.
fn feature_of(src: &Source, id: &str) -> Result<i32, Refused> {
    src.parcel_by_id
        .get(id)
        .and_then(|&i| i32::try_from(src.checked.dataset.parcels[i as usize].feature).ok())
        .ok_or_else(|| refuse(StatusCode::NOT_FOUND, &format!("no parcel `{id}`")))
}

/// The caller, when the store is served and the caller may edit.
fn editor(state: &AppState, caller: Option<Extension<Caller>>) -> Result<Caller, Refused> {
    let (Some(_), Some(Extension(caller))) = (state.store.as_ref(), caller) else { return Err(Box::new(no_store())) };
    if !caller.user.role.edits() {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            &format!(
                "`{}` is a {}: only officers and admins correct the data (field users may not edit geometry)",
                caller.user.login, caller.user.role
            ),
        ));
    }
    Ok(caller)
}

fn only_parcels(collection: &str) -> Result<(), Refused> {
    match collection {
        "parcels" => Ok(()),
        "conflicts" => Err(refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            "conflicts are not edited: correct the parcels and certificates (they are checked again), or review the conflict (PATCH /conflicts/{id})",
        )),
        other => Err(refuse(StatusCode::NOT_FOUND, &format!("no collection `{other}`"))),
    }
}

fn refused((status, reason): Refusal) -> Refused {
    refuse(status, &reason)
}

/// A refused request's answer (boxed: an error of its own size would make every `Result` large).
type Refused = Box<Response>;

fn refuse(status: StatusCode, reason: &str) -> Refused {
    Box::new(json_error(status, reason))
}

fn if_match(headers: &HeaderMap) -> Result<String, Refused> {
    headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()).map(|v| v.trim().to_string()).ok_or_else(|| {
        refuse(
            StatusCode::PRECONDITION_REQUIRED,
            "an edit needs `If-Match` with the parcel's ETag (from GET /collections/parcels/items/{id}): so that no one's change is overwritten unseen",
        )
    })
}

/// How the request's coordinates are read: `Content-Crs` and `allow_invalid`.
fn coordinates<'a>(src: &'a Source, headers: &HeaderMap, q: Option<&str>) -> Result<Coordinates<'a>, Refused> {
    let crs = src.checked.dataset.frame.source();
    let native = feature_in::content_crs(headers, crs).map_err(refused)?;
    let allow_invalid = match Params::parse(q).get("allow_invalid") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                &format!("parameter `allow_invalid`: `{other}` is not true or false"),
            ))
        }
    };
    let near = (src.parcel_count() > 0).then_some(src.bounds);
    let codes = src.checked.dataset.has_parcel_codes;
    Ok(Coordinates { crs, native, allow_invalid, near, codes })
}

fn json_body(body: Result<Bytes, BytesRejection>) -> Result<Value, Refused> {
    let body = body.map_err(|e| refuse(e.status(), &e.body_text()))?;
    serde_json::from_slice(&body).map_err(|e| refuse(StatusCode::BAD_REQUEST, &format!("the body is not JSON: {e}")))
}

fn comment_of(v: &Value) -> Result<Option<String>, Refused> {
    match v.get("comment") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(c)) if c.chars().count() <= 2000 => Ok(Some(c.trim().to_string()).filter(|c| !c.is_empty())),
        Some(_) => Err(refuse(StatusCode::UNPROCESSABLE_ENTITY, "`comment`: text of at most 2000 characters")),
    }
}

/// The fields of a new parcel from a whole feature's patch; without a `commune` it takes the store's code of
/// the commune (unless `dataset.toml` names one, which the check gives it).
fn created(state: &AppState, p: ParcelPatch) -> ParcelFields {
    let code = state.store.as_ref().map(|(_, code)| code.clone());
    let default = if state.source().checked.dataset.config.commune.is_some() { None } else { code };
    ParcelFields {
        parcel_id: p.parcel_id.flatten(),
        commune: p.commune.flatten().or(default),
        sheet: p.sheet.flatten(),
        parcel_no: p.parcel_no.flatten(),
        group: p.group.flatten(),
        land_use: p.land_use.flatten(),
        area: p.area.flatten(),
        parcel_code: p.parcel_code.flatten(),
        geometry: p.geometry,
        retired: false,
    }
}

/// Applies `ops`, checks the commune again and answers: one change as `{id, feature, version, before, after,
/// conflicts, statuses, parcel}` (with `ETag`, and 201 + `Location` for a creation), a batch as `{changes: [...],
/// conflicts, statuses}`.
async fn apply(
    state: &Arc<AppState>,
    caller: &Caller,
    ops: Vec<ParcelOp>,
    ids: Vec<String>,
    comment: Option<String>,
    single: bool,
) -> Response {
    let Some((pool, code)) = state.store.as_ref() else { return no_store() };
    let by = caller.user.login.as_str();
    let address = caller.address.map(|a| a.to_string());
    let default_commune = state.source().checked.dataset.config.commune.clone();
    let applied =
        parcel::apply(pool, code, default_commune.as_deref(), &ops, comment.as_deref(), by, address.as_deref()).await;
    let done = match applied {
        Ok(Applied::Done(done)) => done,
        Ok(Applied::NotFound(k)) => {
            return json_error(StatusCode::NOT_FOUND, &format!("no parcel `{}` (retired or never mapped)", ids[k]))
        }
        Ok(Applied::Stale(k, current)) => {
            let mut r = json_error(
                StatusCode::PRECONDITION_FAILED,
                &format!("parcel `{}` changed since its ETag was read (now {current}): read it again", ids[k]),
            );
            if let (true, Ok(v)) = (single, HeaderValue::from_str(&current)) {
                r.headers_mut().insert(header::ETAG, v);
            }
            return r;
        }
        Err(e) => return unavailable(e),
    };
    let Some(last) = done.last().map(|d| d.version) else {
        return json_error(StatusCode::UNPROCESSABLE_ENTITY, "nothing to change");
    };
    let edits = done
        .iter()
        .map(|d| LiveEdit::Parcel { feature: d.feature as u32, raw: super::live::raw_of(&d.after) })
        .collect();
    let rechecked = match super::live::after_edit(state, last, edits, by).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let src = state.source();
    let changes: Vec<Value> = done
        .iter()
        .map(|d| {
            let served = if d.after.retired { None } else { position_of_feature(&src, d.feature) };
            let id = served.map_or_else(
                || d.after.id(default_commune.as_deref()),
                |i| src.checked.dataset.parcels[i].id.to_string(),
            );
            let op = match (&d.before, d.after.retired) {
                (None, _) => "created",
                (Some(_), true) => "retired",
                (Some(_), false) => "changed",
            };
            json!({
                "op": op, "id": id, "feature": d.feature, "version": d.version, "etag": d.etag,
                "before": d.before.as_ref().map(ParcelFields::json), "after": d.after.json(),
                "parcel": served.map(|i| super::features::parcel_feature(&src, i)),
            })
        })
        .collect();
    if !single {
        let v = json!({
            "changes": changes, "conflicts": rechecked["conflicts"], "statuses": rechecked["statuses"],
            "recheck": rechecked["recheck"],
            "served_data": rechecked["served_data"],
            "timings_ms": rechecked["timings_ms"],
        });
        return no_store_json(StatusCode::OK, &v);
    }
    let mut v = changes.into_iter().next().unwrap_or(Value::Null);
    v["conflicts"] = rechecked["conflicts"].clone();
    v["statuses"] = rechecked["statuses"].clone();
    v["recheck"] = rechecked["recheck"].clone();
    v["served_data"] = rechecked["served_data"].clone();
    v["timings_ms"] = rechecked["timings_ms"].clone();
    let created = v["op"] == "created";
    let mut r = no_store_json(if created { StatusCode::CREATED } else { StatusCode::OK }, &v);
    if let Some(Ok(etag)) = v["etag"].as_str().map(HeaderValue::from_str) {
        r.headers_mut().insert(header::ETAG, etag);
    }
    if created {
        let id = v["id"].as_str().unwrap_or("");
        let at = format!(
            "{}/collections/parcels/items/{}",
            state.base,
            form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>()
        );
        if let Ok(at) = HeaderValue::from_str(&at) {
            r.headers_mut().insert(header::LOCATION, at);
        }
    }
    r
}

/// `POST /collections/parcels/items`: a new parcel (a whole feature).
pub(super) async fn create(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
    headers: HeaderMap,
    collection: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Path(collection) = match collection {
        Ok(c) => c,
        Err(e) => return bad_path(e),
    };
    let run = || async {
        only_parcels(&collection)?;
        let caller = editor(&state, caller)?;
        let v = json_body(body)?;
        let src = state.source();
        let how = coordinates(&src, &headers, q.as_deref())?;
        let fields = created(&state, feature_in::patch(&v, Intent::Whole, &how).map_err(refused)?);
        let comment = comment_of(&v)?;
        let id = fields.id(src.checked.dataset.config.commune.as_deref());
        Ok::<_, Refused>(apply(&state, &caller, vec![ParcelOp::Create(fields)], vec![id], comment, true).await)
    };
    run().await.unwrap_or_else(|r| *r)
}

/// The change a `PUT`, `PATCH` or `DELETE` of parcel `id` asks for.
async fn change(
    state: Arc<AppState>,
    caller: Option<Extension<Caller>>,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
    q: Option<String>,
    body: Option<Result<Bytes, BytesRejection>>,
    intent: Option<Intent>,
) -> Response {
    let Path((collection, id)) = match path {
        Ok(p) => p,
        Err(e) => return bad_path(e),
    };
    let run = || async {
        only_parcels(&collection)?;
        let caller = editor(&state, caller)?;
        let src = state.source();
        let feature = feature_of(&src, &id)?;
        let (patch, comment) = match (intent, body) {
            (Some(intent), Some(body)) => {
                let v = json_body(body)?;
                let how = coordinates(&src, &headers, q.as_deref())?;
                (feature_in::patch(&v, intent, &how).map_err(refused)?, comment_of(&v)?)
            }
            _ => {
                let comment = Params::parse(q.as_deref()).get("comment").map(str::to_string);
                (ParcelPatch { retire: true, ..ParcelPatch::default() }, comment)
            }
        };
        let if_match = if_match(&headers)?;
        let op = ParcelOp::Change { feature, if_match, patch };
        Ok::<_, Refused>(apply(&state, &caller, vec![op], vec![id.clone()], comment, true).await)
    };
    run().await.unwrap_or_else(|r| *r)
}

/// `PUT /collections/parcels/items/{id}`: the parcel replaced by a whole feature.
pub(super) async fn replace(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
    RawQuery(q): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    change(state, caller, headers, path, q, Some(body), Some(Intent::Whole)).await
}

/// `PATCH /collections/parcels/items/{id}`: what the body gives changes (JSON merge patch of the feature).
pub(super) async fn update(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
    RawQuery(q): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    change(state, caller, headers, path, q, Some(body), Some(Intent::Merge)).await
}

/// `DELETE /collections/parcels/items/{id}[?comment=]`: the parcel retired (kept on record).
pub(super) async fn retire(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
    RawQuery(q): RawQuery,
) -> Response {
    change(state, caller, headers, path, q, None, None).await
}

/// `POST /parcels/batch`: `{"comment", "changes": [{"op": "create" | "replace" | "update" | "retire", "id",
/// "if_match", "feature"}]}`, all or none, one re-check.
async fn batch(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let run = || async {
        let caller = editor(&state, caller)?;
        let v = json_body(body)?;
        let src = state.source();
        let how = coordinates(&src, &headers, q.as_deref())?;
        let comment = comment_of(&v)?;
        let list = v.get("changes").and_then(Value::as_array).ok_or_else(|| {
            refuse(
                StatusCode::BAD_REQUEST,
                "the body must be {\"changes\": [{\"op\", \"id\", \"if_match\", \"feature\"}, ...]}",
            )
        })?;
        if list.is_empty() || list.len() > MAX_BATCH {
            return Err(refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("`changes`: {} changes; a batch holds 1 to {MAX_BATCH}", list.len()),
            ));
        }
        let (mut ops, mut ids) = (Vec::new(), Vec::new());
        for (k, c) in list.iter().enumerate() {
            let at = |status: StatusCode, m: &str| refuse(status, &format!("`changes[{k}]`: {m}"));
            let op = c.get("op").and_then(Value::as_str).unwrap_or("");
            let feature_json = c.get("feature").unwrap_or(&Value::Null);
            let read = |intent| feature_in::patch(feature_json, intent, &how).map_err(|(s, m)| at(s, &m));
            if op == "create" {
                let fields = created(&state, read(Intent::Whole)?);
                ids.push(fields.id(src.checked.dataset.config.commune.as_deref()));
                ops.push(ParcelOp::Create(fields));
                continue;
            }
            let id = c
                .get("id")
                .and_then(Value::as_str)
                .ok_or_else(|| at(StatusCode::UNPROCESSABLE_ENTITY, "`id`: which parcel"))?;
            let feature = feature_of(&src, id).map_err(|_| at(StatusCode::NOT_FOUND, &format!("no parcel `{id}`")))?;
            let if_match = c.get("if_match").and_then(Value::as_str).map(str::to_string).ok_or_else(|| {
                at(
                    StatusCode::PRECONDITION_REQUIRED,
                    "`if_match`: the parcel's ETag (from GET /collections/parcels/items/{id})",
                )
            })?;
            let patch = match op {
                "replace" => read(Intent::Whole)?,
                "update" => read(Intent::Merge)?,
                "retire" => ParcelPatch { retire: true, ..ParcelPatch::default() },
                other => {
                    return Err(at(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        &format!("`op`: `{other}` is not create, replace, update or retire"),
                    ))
                }
            };
            ids.push(id.to_string());
            ops.push(ParcelOp::Change { feature, if_match, patch });
        }
        Ok::<_, Refused>(apply(&state, &caller, ops, ids, comment, false).await)
    };
    run().await.unwrap_or_else(|r| *r)
}

/// `GET /collections/parcels/items/{id}` with the store: the feature as served, with the `ETag` an edit
/// needs (a digest of the parcel's row as stored) and no caching.
pub(super) async fn stored_item(state: &AppState, src: &Source, id: &str, feature: Value) -> Response {
    let Some((pool, code)) = state.store.as_ref() else { return no_store() };
    let stored = match feature_of(src, id) {
        Ok(f) => parcel::parcel(pool, code, f).await,
        Err(r) => return *r,
    };
    let etag = match stored {
        Ok(Some(p)) => p.etag,
        Ok(None) => return json_error(StatusCode::NOT_FOUND, &format!("no parcel `{id}`")),
        Err(e) => return unavailable(e),
    };
    let mut r = no_store_json(StatusCode::OK, &feature);
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/geo+json"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}
