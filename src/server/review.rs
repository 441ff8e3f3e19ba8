//! The review endpoints (served with `serve --db`, docs/API.md): `GET /conflicts/{id}` (the conflict with its
//! review status), `PATCH /conflicts/{id}` with `{"status", "comment"}`, `GET /conflicts/{id}/history`.
//! The reviewer is the authenticated login ([`super::auth::Caller`]): officers and admins review any conflict,
//! field users those of their residential groups, viewers none. The work is in [`crate::store::review`];
//! every error is JSON. The holders of a parcel (`/parcels/{id}/holders`) are [`super::holders`]'s, whose routes
//! are merged here.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Extension;
use axum::Router;
use serde::Deserialize;

use super::auth::Caller;
use super::error::{json_error, no_store_json};
use super::scope;
use super::source::Source;
use super::AppState;
use crate::review::{status_names, ReviewStatus};
use crate::store::review::{self, Review};
use crate::tiles::Cut;

type Shared = State<Arc<AppState>>;

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/conflicts/{id}", get(get_conflict).patch(patch_conflict))
        .route("/conflicts/{id}/history", get(get_history))
        .merge(super::holders::routes())
        .merge(super::edit::routes())
        .merge(super::parcel_edit::routes())
}

fn no_store() -> Response {
    json_error(StatusCode::NOT_FOUND, "reviews need the PostGIS store: start the server with `serve --db`")
}

fn unknown(id: &str, code: &str) -> Response {
    json_error(StatusCode::NOT_FOUND, &format!("no conflict `{id}` in commune {code}"))
}

pub(super) fn unavailable(e: crate::Error) -> Response {
    json_error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string())
}

/// A path that does not decode (`%FF`: not UTF-8) is a JSON 400 like every bad request, not axum's text.
pub(super) fn bad_path(e: PathRejection) -> Response {
    json_error(StatusCode::BAD_REQUEST, &format!("bad path: {e}"))
}

/// True when the caller may see conflict `id`: one of its groups ([`scope::own`]); conflicts no longer in the
/// served data only when it sees every group.
fn sees(source: &Source, caller: Option<&Caller>, id: &str) -> bool {
    match scope::own(source, caller) {
        Cut::All => true,
        own => source.conflict_by_id.get(id).is_some_and(|&ci| own.admits(source.conflict_group[ci as usize])),
    }
}

async fn get_conflict(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let Path(id) = match id {
        Ok(id) => id,
        Err(e) => return bad_path(e),
    };
    let Some((pool, code)) = state.store.as_ref() else { return no_store() };
    if !sees(&state.source(), caller.as_deref(), &id) {
        return unknown(&id, code);
    }
    match review::conflict(pool, code, &id).await {
        Ok(Some(v)) => no_store_json(StatusCode::OK, &v),
        Ok(None) => unknown(&id, code),
        Err(e) => unavailable(e),
    }
}

async fn get_history(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let Path(id) = match id {
        Ok(id) => id,
        Err(e) => return bad_path(e),
    };
    let Some((pool, code)) = state.store.as_ref() else { return no_store() };
    if !sees(&state.source(), caller.as_deref(), &id) {
        return unknown(&id, code);
    }
    match review::history(pool, code, &id).await {
        Ok(Some(v)) => no_store_json(StatusCode::OK, &v),
        Ok(None) => unknown(&id, code),
        Err(e) => unavailable(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Patch {
    status: String,
    #[serde(default)]
    comment: Option<String>,
    /// Older clients name the reviewer; it must then be the login.
    #[serde(default)]
    by: Option<String>,
}

async fn patch_conflict(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
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
    let Some((pool, code)) = state.store.as_ref() else { return no_store() };
    let patch: Patch = match serde_json::from_slice(&body) {
        Ok(p) => p,
        Err(e) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                &format!("the body must be JSON {{\"status\", \"comment\"}}: {e}"),
            )
        }
    };
    let Some(status) = ReviewStatus::parse(&patch.status) else {
        return json_error(
            StatusCode::BAD_REQUEST,
            &format!("`status` must be one of {}, not `{}`", status_names(), patch.status),
        );
    };
    let Some(Extension(caller)) = caller else {
        return json_error(StatusCode::UNAUTHORIZED, "a review needs a login");
    };
    let by = caller.user.login.as_str();
    if patch.by.as_deref().is_some_and(|b| b.trim() != by) {
        return json_error(
            StatusCode::BAD_REQUEST,
            &format!("`by` is the login ({by}) and may be left out; it cannot name someone else"),
        );
    }
    if !caller.user.role.reviews() {
        return json_error(StatusCode::FORBIDDEN, &format!("`{by}` is a {}: viewers do not review", caller.user.role));
    }
    let source = state.source();
    let group = source.conflict_by_id.get(&id).and_then(|&ci| source.conflict_group[ci as usize]);
    let group_name = group.map(|g| source.groups[g as usize].name.as_str());
    if source.conflict_by_id.contains_key(&id) && !sees(&source, Some(&caller), &id) {
        return json_error(
            StatusCode::FORBIDDEN,
            &format!(
                "conflict `{id}` is {}: not one of the groups of `{by}` ({})",
                group_name.map_or("in no residential group".to_string(), |g| format!("in group {g}")),
                caller.user.groups.join(", ")
            ),
        );
    }
    match review::set_status(pool, code, &id, status, patch.comment.as_deref(), by).await {
        Ok(Review::Done(v)) => {
            // Features, look-ups and tiles show the new status from the next request: the tiles that draw the
            // conflict leave the cache, the others stay.
            super::live::set_review(&state, &id, status).await;
            no_store_json(StatusCode::OK, &v)
        }
        Ok(Review::NotFound) => unknown(&id, code),
        Err(e) => unavailable(e),
    }
}
