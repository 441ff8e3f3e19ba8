//! Who is asking, for `serve --db`: every request but `/health` shows a login and password with HTTP Basic
//! (what QGIS, GDAL's OAPIF driver, curl and browsers speak), checked against the store's users
//! ([`crate::store::users`]); the handlers find the [`Caller`] in the request's extensions.
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

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user as the store has it now.
    pub user: User,
    /// The peer's address.
    pub address: Option<IpAddr>,
}

struct Known {
    user: User,
    /// The stored hash the password verified against (a new password makes it stale).
    hash: String,
    /// Keyed digest of the password that verified.
    digest: [u8; 64],
    read: Instant,
}

/// The users' side of a server of the store.
pub(crate) struct Auth {
    pool: PgPool,
    throttle: Throttle,
    known: Mutex<HashMap<String, Known>>,
    /// This process's key for the digests.
    key: [u8; 32],
    /// A hash no password matches, verified for unknown logins so that they take as long as known ones.
    decoy: String,
}

enum Denied {
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
        Auth { pool, throttle: Throttle::new(), known: Mutex::new(HashMap::new()), key, decoy }
    }

    fn known(&self) -> std::sync::MutexGuard<'_, HashMap<String, Known>> {
        self.known.lock().unwrap_or_else(|p| p.into_inner())
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

    async fn check(&self, login: &str, password: &str, address: Option<IpAddr>) -> Result<User, Denied> {
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
    if request.uri().path() == "/health" {
        return next.run(request).await;
    }
    let address = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let Some((login, password)) = basic(request.headers()) else {
        return unauthorized("this server needs a login: HTTP Basic with a user name and password (ask an admin)");
    };
    if let Some(wait) = auth.throttle.wait(&login, address, Instant::now()) {
        let seconds = wait.as_secs().max(1);
        let mut r =
            json_error(StatusCode::TOO_MANY_REQUESTS, &format!("too many failed logins: try again in {seconds} s"));
        if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return r;
    }
    match auth.check(&login, &password, address).await {
        Ok(user) if !user.in_commune(code) => json_error(
            StatusCode::FORBIDDEN,
            &format!("`{}` does not work on commune {code} (their communes: {})", user.login, user.communes.join(", ")),
        ),
        Ok(user) => {
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
        Err(Denied::Wrong) => unauthorized("wrong login or password"),
        Err(Denied::Disabled) => unauthorized(&format!("user `{login}` is disabled")),
        Err(Denied::Store(e)) => json_error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
    }
}
