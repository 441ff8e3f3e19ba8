//! The web map's login (`serve --db`): `GET /login` (the page), `POST /login` (a form or JSON with `login` and
//! `password`: a session cookie, `HttpOnly`, `SameSite=Strict`, `Secure` when the server is reached over
//! HTTPS (`--tls-…`, or an `https://` public URL), ending on the server after [`SESSION_TTL`]), `POST /logout`, and `GET /me` (who is logged in, with
//! the role and groups the map shows). Failed logins are slowed as Basic ones are ([`super::auth`]).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use base64::Engine;
use serde::Deserialize;
use serde_json::json;

use super::auth::{same_origin, see_other, session_cookie, too_many, Caller, Denied, SESSION_COOKIE, SESSION_TTL};
use super::error::{json_error, no_store_json};
use super::AppState;
use crate::store::users;

type Shared = State<Arc<AppState>>;

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/login", get(page).post(login)).route("/logout", post(logout)).route("/me", get(me))
}

/// The login page: Vietnamese first, English below; `failed` says the last try was wrong.
fn login_page(status: StatusCode, message: Option<&str>) -> Response {
    let message = message.map_or(String::new(), |m| format!("<p class=\"error\" role=\"alert\">{m}</p>"));
    let html = format!(
        r#"<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Đăng nhập · thuadat</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; margin: 0; display: grid; place-items: center; min-height: 100vh; background: #f4f5f7; }}
form {{ background: #fff; padding: 24px; border-radius: 8px; box-shadow: 0 1px 4px #0002; width: min(92vw, 360px); }}
h1 {{ font-size: 1.3em; margin: 0 0 16px; }}
label {{ display: block; margin: 12px 0 4px; }}
input {{ width: 100%; box-sizing: border-box; font: inherit; padding: 10px; min-height: 44px; }}
button {{ margin-top: 20px; width: 100%; min-height: 48px; font: inherit; font-weight: 600; background: #1f6feb; color: #fff; border: 0; border-radius: 6px; }}
.error {{ color: #b3261e; }}
.en {{ color: #666; font-size: .85em; }}
</style>
</head>
<body>
<form method="post" action="/login">
<h1>Đăng nhập <span class="en">Log in</span></h1>
{message}
<label for="login">Tên đăng nhập <span class="en">Login</span></label>
<input id="login" data-testid="login-name" name="login" autocomplete="username" autocapitalize="none" required autofocus>
<label for="password">Mật khẩu <span class="en">Password</span></label>
<input id="password" data-testid="login-password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" data-testid="login-submit">Đăng nhập</button>
</form>
<script>
// A shared link (#group=…&parcel=…) that led here opens where it pointed once logged in.
if (location.hash) try {{ sessionStorage.setItem('thuadat.after-login', location.hash); }} catch (e) {{}}
</script>
</body>
</html>
"#
    );
    let mut r = (status, html).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn no_logins() -> Response {
    json_error(
        StatusCode::NOT_FOUND,
        "this server has no logins: `serve <directory>` is for one person (`serve --db` has users)",
    )
}

async fn page(State(state): Shared) -> Response {
    if state.auth.is_none() {
        return no_logins();
    }
    login_page(StatusCode::OK, None)
}

#[derive(Deserialize)]
struct Credentials {
    login: String,
    password: String,
}

/// The `Set-Cookie` of a session (`token` empty: the cookie is removed).
fn cookie(state: &AppState, token: &str) -> Option<HeaderValue> {
    let secure =
        state.config.tls.is_some() || state.config.public_url.as_deref().is_some_and(|u| u.starts_with("https://"));
    let max_age = if token.is_empty() { 0 } else { SESSION_TTL.as_secs() };
    let value = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&value).ok()
}

/// The peer's address, when the connection gave it.
fn peer_of(request: &Request) -> Option<std::net::IpAddr> {
    request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())
}

/// The longest login body read (a login and a password).
const MAX_LOGIN_BYTES: usize = 4096;

async fn login(State(state): Shared, request: Request) -> Response {
    let Some(auth) = state.auth.as_ref() else { return no_logins() };
    let address = peer_of(&request);
    let headers = request.headers().clone();
    let Ok(body): Result<Bytes, _> = axum::body::to_bytes(request.into_body(), MAX_LOGIN_BYTES).await else {
        return json_error(StatusCode::PAYLOAD_TOO_LARGE, "a login body is a login and a password (at most 4 kB)");
    };
    let form = !headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    // A login from another site's page would log the browser into this one: refused.
    if headers.contains_key(header::ORIGIN) && !same_origin(&headers) {
        return json_error(StatusCode::FORBIDDEN, "a login must come from this server's page (Origin)");
    }
    let parsed: Result<Credentials, String> = if form {
        serde_urlencoded::from_bytes(&body).map_err(|e| e.to_string())
    } else {
        serde_json::from_slice(&body).map_err(|e| e.to_string())
    };
    let Ok(c) = parsed else {
        return json_error(StatusCode::BAD_REQUEST, "a login needs `login` and `password` (a form or JSON)");
    };
    if let Some(wait) = auth.throttle.wait(&c.login, address, Instant::now()) {
        return too_many(wait);
    }
    let refused = |message: &str| {
        if form {
            login_page(StatusCode::UNAUTHORIZED, Some(message))
        } else {
            json_error(StatusCode::UNAUTHORIZED, message)
        }
    };
    let user = match auth.check(&c.login, &c.password, address).await {
        Ok(user) => user,
        Err(Denied::Wrong) => return refused("Sai tên đăng nhập hoặc mật khẩu. (Wrong login or password.)"),
        Err(Denied::Disabled) => return refused("Tài khoản đã bị khóa. (This user is disabled.)"),
        Err(Denied::Store(e)) => return json_error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
    };
    let mut bytes = [0u8; 32];
    {
        use argon2::password_hash::rand_core::{OsRng, RngCore};
        OsRng.fill_bytes(&mut bytes);
    }
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let digest = auth.token_digest(&token);
    let shown = address.map(|a| a.to_string());
    if let Err(e) = users::open_session(&auth.pool, &digest, &user.login, shown.as_deref(), SESSION_TTL).await {
        return json_error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string());
    }
    let mut r = if form {
        see_other("/")
    } else {
        (StatusCode::OK, axum::Json(json!({"login": user.login, "role": user.role}))).into_response()
    };
    if let Some(c) = cookie(&state, &token) {
        r.headers_mut().insert(header::SET_COOKIE, c);
    }
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn logout(State(state): Shared, request: Request) -> Response {
    let Some(auth) = state.auth.as_ref() else { return no_logins() };
    if let Some(token) = session_cookie(request.headers()) {
        let shown = peer_of(&request).map(|a| a.to_string());
        if let Err(e) = users::close_session(&auth.pool, &auth.token_digest(&token), shown.as_deref()).await {
            return json_error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string());
        }
        auth.forget_session(&token);
    }
    let mut r = see_other("/login");
    if let Some(c) = cookie(&state, "") {
        r.headers_mut().insert(header::SET_COOKIE, c);
    }
    r
}

/// Who is logged in: login, role, groups and communes (what the map shows in its header).
async fn me(State(state): Shared, caller: Option<Extension<Caller>>) -> Response {
    if state.auth.is_none() {
        return no_logins();
    }
    let Some(Extension(c)) = caller else {
        return json_error(StatusCode::UNAUTHORIZED, "not logged in");
    };
    let u = &c.user;
    no_store_json(
        StatusCode::OK,
        &json!({"login": u.login, "role": u.role, "groups": u.groups, "communes": u.communes}),
    )
}
