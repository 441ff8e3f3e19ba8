//! Who is asking, for `serve --db`: every request but `/health`, the login page and the web map's files shows
//! either a session cookie of the web map (`POST /login`, [`super::login`]) or a login and password with HTTP
//! Basic (what QGIS, GDAL's OAPIF driver and curl speak), checked against the store's users
//! ([`crate::store::users`]); the handlers find the [`Caller`] in the request's extensions.
//!
//! - Without either, a browser asking for a page is sent to `/login`; everything else is `401` with the
//!   Basic challenge. An ended session is `401` without the challenge (the web map goes back to its login
//!   page instead of the browser's password dialog).
//! - A write with a session cookie must come from the server's own pages (`Origin`), besides the cookie's
//!   `SameSite=Strict`.
//!
//! - Passwords are Argon2id hashes. A password that verified is remembered for the process as a keyed
//!   BLAKE2b digest (never in clear), so later requests cost no Argon2 run; the user's record is read again
//!   at most a second after it was last read, so a disabled user, a changed role or password takes effect
//!   within a second, whatever the client remembers.
//! - Failed logins are slowed per login and per address ([`crate::access::throttle`]): `429` with
//!   `Retry-After`. An unknown login costs the same Argon2 run as a wrong password.
//! - Logins (a password verified), failed logins and refusals of disabled users go to the audit log.
//! - Answers to a login are `Cache-Control: private`: a shared cache never hands one scope's tiles to another.
//! - `serve <directory>` has no users: nothing here applies.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use blake2::{Blake2b512, Digest};
use sqlx::PgPool;

use super::error::json_error;
use super::AppState;
use crate::access::throttle::Throttle;
use crate::access::{password, User};
use crate::store::users;

/// How long a user's record read from the store is trusted.
const REFRESH: Duration = Duration::from_secs(1);
/// The web map's session cookie.
pub(crate) const SESSION_COOKIE: &str = "thuadat_session";
/// How long a session lasts (a working day and more), whatever the client does.
pub(crate) const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user as the store has it now (shared: requests of one user hold the same record).
    pub user: Arc<User>,
    /// The peer's address.
    pub address: Option<IpAddr>,
}

struct Known {
    user: Arc<User>,
    /// The stored hash the password verified against (a new password makes it stale).
    hash: String,
    /// Keyed digest of the password that verified.
    digest: [u8; 64],
    read: Instant,
}

/// A session's user as last read, and when.
type Seen = (Arc<User>, Instant);

/// The users' side of a server of the store.
pub(crate) struct Auth {
    pub(crate) pool: PgPool,
    pub(crate) throttle: Throttle,
    known: Mutex<HashMap<String, Known>>,
    /// Sessions seen: the user as last read, and when.
    sessions: Mutex<HashMap<[u8; 64], Seen>>,
    /// This process's key for the digests.
    key: [u8; 32],
    /// A hash no password matches, verified for unknown logins so that they take as long as known ones.
    decoy: String,
}

pub(crate) enum Denied {
    Wrong,
    Disabled,
    Store(crate::Error),
}

impl Auth {
    pub(crate) fn new(pool: PgPool) -> Auth {
        use argon2::password_hash::rand_core::{OsRng, RngCore};
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        let decoy = password::hash(&password::generate()).unwrap_or_default();
        Auth {
            pool,
            throttle: Throttle::new(),
            known: Mutex::new(HashMap::new()),
            sessions: Mutex::new(HashMap::new()),
            key,
            decoy,
        }
    }

    fn known(&self) -> std::sync::MutexGuard<'_, HashMap<String, Known>> {
        self.known.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The keyed digest a session token is kept as.
    pub(crate) fn token_digest(&self, token: &str) -> [u8; 64] {
        self.digest("", token)
    }

    /// The user of a session token, read again at most a second after it last was (None: no such session,
    /// or it ended).
    async fn session(&self, token: &str) -> Result<Option<Arc<User>>, crate::Error> {
        let digest = self.token_digest(token);
        {
            let sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((user, _)) = sessions.get(&digest).filter(|(_, read)| read.elapsed() < REFRESH) {
                return Ok(Some(user.clone()));
            }
        }
        let user = users::session_user(&self.pool, &digest).await?.map(Arc::new);
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        match &user {
            Some(u) => {
                sessions.insert(digest, (u.clone(), Instant::now()));
            }
            None => {
                sessions.remove(&digest);
            }
        }
        Ok(user)
    }

    /// Forgets a session (after a logout).
    pub(crate) fn forget_session(&self, token: &str) {
        let digest = self.token_digest(token);
        self.sessions.lock().unwrap_or_else(|p| p.into_inner()).remove(&digest);
    }

    fn digest(&self, login: &str, password: &str) -> [u8; 64] {
        let mut h = Blake2b512::new();
        h.update(self.key);
        h.update(login.as_bytes());
        h.update([0]);
        h.update(password.as_bytes());
        h.finalize().into()
    }

    async fn audit(&self, login: &str, address: Option<IpAddr>, action: &str) {
        let address = address.map(|a| a.to_string());
        let written = async {
            let mut conn = self.pool.acquire().await.map_err(|e| crate::Error::db("connecting", e))?;
            users::audit(&mut conn, login, address.as_deref(), action, serde_json::json!({})).await
        };
        if let Err(e) = written.await {
            tracing::warn!("audit log: {e}");
        }
    }

    pub(crate) async fn check(
        &self,
        login: &str,
        password: &str,
        address: Option<IpAddr>,
    ) -> Result<Arc<User>, Denied> {
        let digest = self.digest(login, password);
        {
            let known = self.known();
            if let Some(k) = known.get(login).filter(|k| k.digest == digest && k.read.elapsed() < REFRESH) {
                return if k.user.disabled { Err(Denied::Disabled) } else { Ok(k.user.clone()) };
            }
        }
        let found = users::find(&self.pool, login).await.map_err(Denied::Store)?;
        let verified_before = match &found {
            Some((_, hash)) => self.known().get(login).is_some_and(|k| k.digest == digest && &k.hash == hash),
            None => false,
        };
        if !verified_before {
            let (password, phc) = (password.to_string(), found.as_ref().map_or(self.decoy.clone(), |f| f.1.clone()));
            let ok = tokio::task::spawn_blocking(move || password::verify(&password, &phc)).await.unwrap_or(false);
            if !(ok && found.is_some()) {
                self.throttle.failed(login, address, Instant::now());
                self.audit(login, address, "login failed").await;
                return Err(Denied::Wrong);
            }
        }
        let Some((user, hash)) = found else { return Err(Denied::Wrong) };
        let user = Arc::new(user);
        if user.disabled {
            self.audit(login, address, "refused: user disabled").await;
        } else if !verified_before {
            self.audit(login, address, "login").await;
        }
        self.throttle.succeeded(login);
        let disabled = user.disabled;
        self.known().insert(login.to_string(), Known { user: user.clone(), hash, digest, read: Instant::now() });
        if disabled {
            Err(Denied::Disabled)
        } else {
            Ok(user)
        }
    }
}

/// The value of the session cookie, if the request has one.
pub(crate) fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|v| !v.is_empty())
}

/// True when the request's `Origin` is the server it was sent to (its `Host`).
pub(crate) fn same_origin(headers: &HeaderMap) -> bool {
    let get = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    match (get(header::ORIGIN), get(header::HOST)) {
        (Some(origin), Some(host)) => origin.split_once("://").is_some_and(|(_, authority)| authority == host),
        _ => false,
    }
}

/// Paths served to everyone: the health check, the login page and the web map's own files (no data).
fn open_path(path: &str) -> bool {
    matches!(path, "/health" | "/login" | "/logout") || path.starts_with("/app/") || path.starts_with("/vendor/")
}

/// The login and password of an `Authorization: Basic` header.
fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (login, password) = text.split_once(':')?;
    Some((login.to_string(), password.to_string()))
}

fn unauthorized(reason: &str) -> Response {
    let mut r = json_error(StatusCode::UNAUTHORIZED, reason);
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"thuadat\", charset=\"UTF-8\""));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The middleware: the caller of every request of a server of the store, or the reason it is refused.
pub(crate) async fn authenticate(State(state): State<Arc<AppState>>, mut request: Request, next: Next) -> Response {
    let (Some(auth), Some((_, code))) = (state.auth.as_ref(), state.store.as_ref()) else {
        return next.run(request).await;
    };
    if open_path(request.uri().path()) {
        return next.run(request).await;
    }
    let address = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let headers = request.headers();
    let page = request.method() == axum::http::Method::GET && super::webmap::wants_html(headers, None);
    let user = if let Some(token) = session_cookie(headers) {
        let writes = !matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD);
        if writes && !same_origin(headers) {
            return json_error(
                StatusCode::FORBIDDEN,
                "a write with the session cookie must come from this server's pages (Origin)",
            );
        }
        match auth.session(&token).await {
            Ok(Some(user)) if user.disabled && page => return see_other("/login"),
            Ok(Some(user)) if user.disabled => {
                return session_ended(&format!("user `{}` is disabled", user.login));
            }
            Ok(Some(user)) => user,
            Ok(None) if page => return see_other("/login"),
            Ok(None) => return session_ended("the session has ended: log in again"),
            Err(e) => return json_error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
        }
    } else if let Some((login, password)) = basic(headers) {
        if let Some(wait) = auth.throttle.wait(&login, address, Instant::now()) {
            return too_many(wait);
        }
        match auth.check(&login, &password, address).await {
            Ok(user) => user,
            Err(Denied::Wrong) => return unauthorized("wrong login or password"),
            Err(Denied::Disabled) => return unauthorized(&format!("user `{login}` is disabled")),
            Err(Denied::Store(e)) => return json_error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
        }
    } else if page {
        return see_other("/login");
    } else {
        return unauthorized("this server needs a login: HTTP Basic with a user name and password (ask an admin)");
    };
    if !user.in_commune(code) {
        return json_error(
            StatusCode::FORBIDDEN,
            &format!("`{}` does not work on commune {code} (their communes: {})", user.login, user.communes.join(", ")),
        );
    }
    request.extensions_mut().insert(Caller { user, address });
    let mut r = next.run(request).await;
    // What one login may see is not for another's cache: shared caches must not keep it.
    let public = r.headers().get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()).map(str::to_string);
    if let Some(v) = public.and_then(|v| v.strip_prefix("public").map(|rest| format!("private{rest}"))) {
        if let Ok(v) = HeaderValue::from_str(&v) {
            r.headers_mut().insert(header::CACHE_CONTROL, v);
        }
    }
    r
}

/// `429` with `Retry-After`.
pub(crate) fn too_many(wait: Duration) -> Response {
    let seconds = wait.as_secs().max(1);
    let mut r = json_error(StatusCode::TOO_MANY_REQUESTS, &format!("too many failed logins: try again in {seconds} s"));
    if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// `401` without the Basic challenge: the web map sends its user back to the login page.
fn session_ended(reason: &str) -> Response {
    let mut r = json_error(StatusCode::UNAUTHORIZED, reason);
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `303 See Other` to `to`.
pub(crate) fn see_other(to: &'static str) -> Response {
    let mut r = Response::new(axum::body::Body::empty());
    *r.status_mut() = StatusCode::SEE_OTHER;
    r.headers_mut().insert(header::LOCATION, HeaderValue::from_static(to));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}
