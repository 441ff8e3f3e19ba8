//! User management over HTTP, for admins (`serve --db`): `GET /users`, `POST /users` (a new user; a
//! generated password is answered once unless one is given), `PATCH /users/{login}` (role, groups and
//! communes, disabled, password). The same checks and audit rows as `thuadat user` ([`crate::store::users`]),
//! the admin's login and address as who did it. Everyone else is `403`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use axum::{Extension, Router};
use serde::Deserialize;
use serde_json::json;

use super::auth::Caller;
use super::error::{json_error, no_store_json, ApiError};
use super::AppState;
use crate::access::{password, Role};
use crate::store::users::{self, Change, NewUser};

type Shared = State<Arc<AppState>>;

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/users", get(list).post(add)).route("/users/{login}", patch(change))
}

/// The admin asking, or the answer refusing everyone else.
fn admin(state: &AppState, caller: Option<Extension<Caller>>) -> Result<(sqlx::PgPool, Caller), ApiError> {
    let (Some((pool, _)), Some(Extension(caller))) = (state.store.as_ref(), caller) else {
        return Err(ApiError::not_found("users are managed on `serve --db` only"));
    };
    if !caller.user.role.manages_users() {
        let who = &caller.user.login;
        return Err(ApiError::forbidden(format!("`{who}` is not an admin: only admins manage users")));
    }
    Ok((pool.clone(), caller))
}

/// A store error: bad input is 400 with its reason (naming the field), the rest 503.
fn failed(e: crate::Error) -> Response {
    if e.is_bad_input() {
        json_error(StatusCode::BAD_REQUEST, &e.to_string())
    } else {
        json_error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string())
    }
}

async fn list(State(state): Shared, caller: Option<Extension<Caller>>) -> Response {
    let (pool, _) = match admin(&state, caller) {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let listed = async {
        let mut conn = pool.acquire().await.map_err(|e| crate::Error::db("connecting", e))?;
        users::list_users(&mut conn).await
    };
    match listed.await {
        Ok(list) => no_store_json(StatusCode::OK, &json!({"users": list})),
        Err(e) => failed(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewBody {
    login: String,
    role: String,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    communes: Vec<String>,
    #[serde(default)]
    password: Option<String>,
}

fn body_error(e: impl std::fmt::Display, shape: &str) -> Response {
    json_error(StatusCode::BAD_REQUEST, &format!("the body must be JSON {shape}: {e}"))
}

async fn add(State(state): Shared, caller: Option<Extension<Caller>>, body: Result<Bytes, BytesRejection>) -> Response {
    let (pool, caller) = match admin(&state, caller) {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let shape = "{login, role, groups, communes, password}";
    let body: NewBody =
        match body.map_err(|e| e.body_text()).and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string())) {
            Ok(b) => b,
            Err(e) => return body_error(e, shape),
        };
    let role = match Role::parse(&body.role) {
        Ok(r) => r,
        Err(m) => return json_error(StatusCode::BAD_REQUEST, &format!("role: {m}")),
    };
    let (password, generated) = match body.password {
        Some(p) => (p, false),
        None => (password::generate(), true),
    };
    let user = NewUser { login: body.login, role, groups: body.groups, communes: body.communes };
    let address = caller.address.map(|a| a.to_string());
    let added = async {
        let mut conn = pool.acquire().await.map_err(|e| crate::Error::db("connecting", e))?;
        users::add_user(&mut conn, &user, &password, &caller.user.login, address.as_deref()).await
    };
    match added.await {
        Ok(()) => {
            let mut v =
                json!({"login": user.login, "role": user.role, "groups": user.groups, "communes": user.communes});
            if generated {
                v["password"] = json!(password);
            }
            no_store_json(StatusCode::CREATED, &v)
        }
        Err(e) => failed(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeBody {
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    groups: Option<Vec<String>>,
    #[serde(default)]
    communes: Option<Vec<String>>,
    #[serde(default)]
    disabled: Option<bool>,
    #[serde(default)]
    password: Option<String>,
}

async fn change(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
    login: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (pool, caller) = match admin(&state, caller) {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let Ok(Path(login)) = login else { return json_error(StatusCode::BAD_REQUEST, "bad path") };
    let shape = "with one of role, groups and communes, disabled, password";
    let body: ChangeBody =
        match body.map_err(|e| e.body_text()).and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string())) {
            Ok(b) => b,
            Err(e) => return body_error(e, shape),
        };
    let change = match body {
        ChangeBody { role: Some(r), groups: None, communes: None, disabled: None, password: None } => {
            match Role::parse(&r) {
                Ok(role) => Change::Role(role),
                Err(m) => return json_error(StatusCode::BAD_REQUEST, &format!("role: {m}")),
            }
        }
        ChangeBody { role: None, groups: g @ Some(_), communes: c, disabled: None, password: None }
        | ChangeBody { role: None, groups: g, communes: c @ Some(_), disabled: None, password: None } => {
            Change::Scope { groups: g.unwrap_or_default(), communes: c.unwrap_or_default() }
        }
        ChangeBody { role: None, groups: None, communes: None, disabled: Some(d), password: None } => {
            Change::Disabled(d)
        }
        ChangeBody { role: None, groups: None, communes: None, disabled: None, password: Some(p) } => {
            Change::Password(p)
        }
        _ => {
            return json_error(
                StatusCode::BAD_REQUEST,
                &format!("the body must be JSON {shape} (one change at a time)"),
            )
        }
    };
    if caller.user.login == login && matches!(change, Change::Disabled(true) | Change::Role(_)) {
        return json_error(StatusCode::BAD_REQUEST, "an admin cannot disable or demote themselves (another admin can)");
    }
    let address = caller.address.map(|a| a.to_string());
    let changed = async {
        let mut conn = pool.acquire().await.map_err(|e| crate::Error::db("connecting", e))?;
        users::change_user(&mut conn, &login, &change, &caller.user.login, address.as_deref()).await
    };
    match changed.await {
        Ok(None) => json_error(StatusCode::NOT_FOUND, &format!("no user `{login}`")),
        Ok(Some(u)) => no_store_json(
            StatusCode::OK,
            &json!({"login": u.login, "role": u.role, "groups": u.groups, "communes": u.communes, "disabled": u.disabled}),
        ),
        Err(e) => failed(e),
    }
}
