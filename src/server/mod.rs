//! `thuadat serve`: the checked dataset over HTTP, from memory (maplibre/martin style: configuration in one
//! typed [`ServerConfig`], the data in a [`source::Source`], tile encoding in [`crate::tiles`], the HTTP layer
//! in [`http`]).
//!
//! Endpoints (docs/API.md): vector tiles `/tiles/{z}/{x}/{y}.mvt` and `/tiles.json`, `/lookup`, OGC API -
//! Features (`/`, `/api` (OpenAPI 3.0), `/conformance`, `/collections`, `/collections/{id}/items`, `/collections/{id}/items/{fid}`),
//! `/groups`, `/conflicts.csv`, `/health`; the web map at `/` for browsers ([`webmap`]).

pub mod auth;
pub mod edit;
pub mod error;
mod feature_in;
pub mod features;
pub mod holders;
pub mod http;
mod live;
pub mod login;
pub mod lookup;
pub mod net;
pub mod params;
pub mod parcel_edit;
pub mod review;
pub mod scope;
mod sheets;
pub mod source;
mod sync;
pub mod tls;
pub mod users;
pub mod vector;
pub mod webmap;
pub mod work;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use crate::check;
use crate::error::{Error, Result};
pub use source::Source;

/// Everything the server is configured with.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The dataset directory served.
    pub dataset: PathBuf,
    pub(crate) addr: SocketAddr,
    /// Bytes of encoded tiles kept in memory (0: no tile cache).
    pub tile_cache_bytes: usize,
    /// Features per page when `limit` is not given.
    pub default_limit: usize,
    /// The largest `limit` accepted.
    pub max_limit: usize,
    /// The largest look-up accuracy radius accepted, metres.
    pub max_accuracy_m: f64,
    /// The look-up radius when `accuracy` is not given, metres.
    pub default_accuracy_m: f64,
    /// `Cache-Control: max-age` of data responses, seconds (clients revalidate with the ETag after it).
    pub max_age_s: u32,
    /// Serve a commune of the PostGIS store (`src/store`) instead of the dataset directory.
    pub store: Option<crate::store::StoreSource>,
    /// The URL clients reach the server at (`https://maps.example.org/thuadat`), for the links of the
    /// documents served; without it, links are made from the listen address (relative ones when that is a
    /// wildcard address such as `0.0.0.0`). Never from the request's `Host` header.
    pub public_url: Option<String>,
    /// Let a reload go from some parcels to none (else it is refused and the old data stay served).
    pub allow_empty_reload: bool,
    /// Serve a dataset directory (no users) on an address other machines reach (else only loopback).
    pub open: bool,
    /// HTTPS with this certificate (else plain HTTP).
    pub tls: Option<tls::TlsSource>,
    /// Timeouts and the connection limit.
    pub limits: net::Limits,
}

impl ServerConfig {
    /// The defaults for serving `dataset` on `addr` (256 MB of tile cache, pages of 100 features, look-ups of 5 m).
    pub fn new(dataset: PathBuf, addr: SocketAddr) -> ServerConfig {
        ServerConfig {
            dataset,
            addr,
            tile_cache_bytes: 256 << 20,
            default_limit: 100,
            max_limit: 10_000,
            max_accuracy_m: 1_000.0,
            default_accuracy_m: 5.0,
            max_age_s: 60,
            store: None,
            public_url: None,
            allow_empty_reload: false,
            open: false,
            tls: None,
            limits: net::Limits::default(),
        }
    }

    /// The start of every link served: the public URL without its final `/`, else `http://` and the listen
    /// address, else (a wildcard address) nothing: links are then relative to the server's root.
    pub fn link_base(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None if self.addr.ip().is_unspecified() => String::new(),
            None if self.tls.is_some() => format!("https://{}", self.addr),
            None => format!("http://{}", self.addr),
        }
    }
}

/// Checks a public URL: `http://` or `https://`, a host, no query or fragment.
pub fn check_public_url(url: &str) -> std::result::Result<String, String> {
    let uri: axum::http::Uri = url.parse().map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none_or(str::is_empty) {
        return Err(format!("`{url}` is not an http:// or https:// URL with a host"));
    }
    if uri.query().is_some() || url.contains('#') {
        return Err(format!("`{url}` has a query or fragment; give the URL of the server's root"));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// The outcome of the last reload, for `/health`.
#[derive(Debug, Clone)]
pub struct ReloadOutcome {
    pub(crate) at: SystemTime,
    /// The parcels served since, or why the reload failed (no personal data: see [`public_error`]).
    pub result: std::result::Result<usize, String>,
}

/// An error's text as it may be shown in `/health` and the log: a bad input's place (file name, row or
/// feature, field) without the message, which may quote the data; a file's name, not its whole path; a
/// database error's operation without the server's message.
pub fn public_error(e: &Error) -> String {
    let name = |p: &std::path::Path| p.file_name().map_or_else(|| p.to_path_buf(), PathBuf::from);
    match e {
        Error::BadInput { at, .. } => {
            let at = crate::error::Location { file: name(&at.file), ..at.clone() };
            format!("bad input at {at} (`thuadat check` on the dataset says what)")
        }
        Error::Refused { path, message } => format!("{}: {message}", name(path).display()),
        Error::Io { path, cause } => format!("{}: {cause}", name(path).display()),
        Error::Database { what, .. } => format!("database: {what} failed"),
        Error::Stored(_) => "database: stored data this version cannot read".into(),
        Error::Panicked { .. }
        | Error::Capacity { .. }
        | Error::Migration(_)
        | Error::System { .. }
        | Error::Json { .. }
        | Error::Internal(_) => e.to_string(),
    }
}

/// `2025-12-07T03:21:09Z`.
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Days to a civil date (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem / 60 % 60, rem % 60)
}

/// The server's shared state: the configuration and the current source (swapped whole on reload).
pub struct AppState {
    pub(crate) config: ServerConfig,
    source: RwLock<Arc<Source>>,
    /// With `serve --db`: connections to the store and the commune served (the review endpoints).
    pub store: Option<(sqlx::PgPool, String)>,
    /// With `serve --db`: the users (every request but `/health` is authenticated).
    pub(crate) auth: Option<auth::Auth>,
    /// The start of links ([`ServerConfig::link_base`]).
    pub base: String,
    last_reload: RwLock<Option<ReloadOutcome>>,
    /// With `serve --db`: the latest edit of the commune (`thuadat.edit.version`) the served data include, as
    /// far as this server knows ([`follow_edits`]).
    pub(crate) edit_version: std::sync::atomic::AtomicI64,
    /// With `serve --db`: the commune kept live for incremental re-checks after edits (`live`).
    pub(crate) live: live::LiveSlot,
}

impl AppState {
    /// The state serving `source`; with `serve --db`, a pool of up to 4 connections to the store, opened on first use.
    pub fn new(config: ServerConfig, source: Source) -> AppState {
        // Connections open on first use (a runtime must be running).
        let store = config.store.as_ref().and_then(|s| {
            let pool = sqlx::postgres::PgPoolOptions::new().max_connections(4).connect_lazy(&s.url).ok()?;
            Some((pool, s.commune.clone()?))
        });
        let base = config.link_base();
        let auth = store.as_ref().map(|(pool, _)| auth::Auth::new(pool.clone()));
        AppState {
            config,
            source: RwLock::new(Arc::new(source)),
            store,
            auth,
            base,
            last_reload: RwLock::new(None),
            edit_version: std::sync::atomic::AtomicI64::new(0),
            live: Default::default(),
        }
    }

    /// The source requests read now.
    pub fn source(&self) -> Arc<Source> {
        self.source.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Swaps in `source` (brought up to date in place) and answers the one it replaces.
    pub(crate) fn swap_source(&self, source: Arc<Source>) -> Arc<Source> {
        std::mem::replace(&mut *self.source.write().unwrap_or_else(|p| p.into_inner()), source)
    }

    /// Swaps in a new source; its tile cache starts empty, the old one is dropped with the old data.
    pub fn replace(&self, source: Source) {
        *self.source.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(source);
    }

    /// A reload's end: swaps in the freshly loaded source, unless loading failed or it would take the server
    /// from some parcels to none without [`ServerConfig::allow_empty_reload`]; then the old data stay served.
    /// The outcome is kept for `/health` and returned (parcels served, or why not).
    pub fn reload_with(&self, loaded: Result<Source>) -> std::result::Result<usize, String> {
        let result = match loaded {
            Ok(source) => {
                let (old, new) = (self.source().parcels().len(), source.parcels().len());
                if new == 0 && old > 0 && !self.config.allow_empty_reload {
                    Err(format!(
                        "refused: the reloaded data have no parcels and {old} are served (`serve --allow-empty-reload` \
                         allows it)"
                    ))
                } else {
                    self.replace(source);
                    Ok(new)
                }
            }
            Err(e) => Err(public_error(&e)),
        };
        let outcome = ReloadOutcome { at: SystemTime::now(), result: result.clone() };
        *self.last_reload.write().unwrap_or_else(|p| p.into_inner()) = Some(outcome);
        result
    }

    /// The outcome of the last reload (none yet: `None`).
    pub fn last_reload(&self) -> Option<ReloadOutcome> {
        self.last_reload.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Loads and checks the configured dataset.
pub fn load(config: &ServerConfig) -> Result<Source> {
    match &config.store {
        Some(store) => {
            let (checked, reviews) = crate::store::load_checked(store)?;
            let source = Source::new(checked, config.tile_cache_bytes);
            source.apply_reviews(reviews.iter().map(|(id, status)| (id.as_str(), *status)));
            Ok(source)
        }
        None => {
            let checked = check::run(&mut check::Directory::new(&config.dataset), &check::Options::default())?;
            Ok(Source::new(checked, config.tile_cache_bytes))
        }
    }
}

/// Raises the soft limit of open files to what `connections` need, within the hard limit; an error when the
/// hard limit is too low.
fn ensure_open_files(connections: usize) -> Result<()> {
    #[cfg(unix)]
    {
        let need = connections.saturating_add(net::RESERVED_FDS) as libc::rlim_t;
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit writes the struct it is given.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 || lim.rlim_cur >= need {
            return Ok(());
        }
        if lim.rlim_max != libc::RLIM_INFINITY && lim.rlim_max < need {
            return Err(Error::bad_input(
                crate::error::Location::file("--max-connections"),
                format!(
                    "{connections} connections need {need} open files and this process may open {} (ulimit -Hn); \
                     lower --max-connections",
                    lim.rlim_max
                ),
            ));
        }
        lim.rlim_cur = need;
        // SAFETY: setrlimit reads the struct it is given.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) } != 0 {
            return Err(Error::System {
                what: format!("cannot raise the open files limit to {need}"),
                cause: std::io::Error::last_os_error(),
            });
        }
    }
    Ok(())
}

/// What [`serve`] tells its caller once it listens.
pub struct Started<'a> {
    /// `http://` or `https://` and the address listened on.
    pub url: String,
    /// The data served.
    pub source: &'a Source,
    /// With HTTPS: the certificate's SHA-256 fingerprint, and the names and addresses a self-signed one is for.
    pub tls: Option<(String, Vec<String>)>,
}

/// Loads the dataset, binds, and serves until interrupted (Ctrl-C / SIGTERM), within the configured limits
/// ([`net`]). SIGHUP reloads the dataset. `ready` is called with the bound address once the server accepts
/// connections. Each reload is logged (`tracing`, no personal data).
pub fn serve(mut config: ServerConfig, ready: impl FnOnce(&Started)) -> Result<net::Stopped> {
    if config.store.is_none() && !config.addr.ip().is_loopback() && !config.open {
        return Err(Error::bad_input(
            crate::error::Location::file("--addr"),
            format!(
                "`serve <directory>` has no logins: it listens on this machine only (127.0.0.1) unless --open is \
                 given, not on {}; a team server is `serve --db` (users and roles)",
                config.addr
            ),
        ));
    }
    if let Some(store) = config.store.as_mut() {
        store.commune = Some(crate::store::resolve_commune(store)?);
    }
    ensure_open_files(config.limits.max_connections)?;
    // A certificate that cannot be used is said before the data is checked.
    let tls = config.tls.as_ref().map(tls::load).transpose()?;
    let version = config.store.as_ref().map(crate::store::last_edit).transpose()?.unwrap_or(0);
    let source = load(&config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|cause| Error::System { what: "cannot start the runtime".into(), cause })?;
    let stopped = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|cause| Error::System { what: format!("cannot listen on {}", config.addr), cause })?;
        let addr =
            listener.local_addr().map_err(|cause| Error::System { what: "the listening address".into(), cause })?;
        // Port 0 is the port found.
        config.addr = addr;
        // The signals are ours before anyone is told where we listen (a SIGHUP or SIGTERM sent at once would
        // otherwise end the process).
        let signals = Signals::new()?;
        let limits = config.limits;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let state = Arc::new(AppState::new(config, source));
        state.edit_version.store(version, std::sync::atomic::Ordering::SeqCst);
        ready(&Started {
            url: format!("{scheme}://{addr}"),
            source: &state.source(),
            tls: tls.as_ref().map(|t| (t.fingerprint.clone(), t.names.clone())),
        });
        tokio::spawn(reload_on_hangup(state.clone(), signals.hangup));
        tokio::spawn(follow_edits(state.clone()));
        let warm = state.clone();
        tokio::spawn(async move {
            if let Some(took) = live::prepare(warm).await {
                tracing::info!(
                    "ready for edits in {:.1} s (the live commune and a spare copy of the data)",
                    took.as_secs_f64()
                );
            }
        });
        let acceptor = tls.map(|t| t.acceptor);
        Ok::<_, Error>(net::serve(listener, http::router(state), limits, acceptor, shutdown(signals.stop)).await)
    })?;
    // A reload still checking in the background is not waited for.
    runtime.shutdown_background();
    Ok(stopped)
}

/// The signals the server answers, registered at once.
struct Signals {
    /// SIGTERM and SIGINT.
    #[cfg(unix)]
    stop: [tokio::signal::unix::Signal; 2],
    #[cfg(not(unix))]
    stop: (),
    #[cfg(unix)]
    hangup: tokio::signal::unix::Signal,
    #[cfg(not(unix))]
    hangup: (),
}

impl Signals {
    fn new() -> Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let on = |kind: SignalKind| {
                signal(kind).map_err(|cause| Error::System { what: "cannot handle signals".into(), cause })
            };
            Ok(Signals {
                stop: [on(SignalKind::terminate())?, on(SignalKind::interrupt())?],
                hangup: on(SignalKind::hangup())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals { stop: (), hangup: () })
    }
}

#[cfg(unix)]
async fn shutdown(stop: [tokio::signal::unix::Signal; 2]) {
    let [mut term, mut int] = stop;
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}

#[cfg(not(unix))]
async fn shutdown(_: ()) {
    let _ = tokio::signal::ctrl_c().await;
}

/// Loads and checks the configured dataset again off the async threads and swaps it in
/// ([`AppState::reload_with`]): parcels served, or why the previous data stay.
async fn reload(state: &AppState) -> std::result::Result<usize, String> {
    let config = state.config.clone();
    // Edits wait while the data are read again; the live commune is behind them after, and goes.
    let mut live = state.live.lock().await;
    let loaded = match tokio::task::spawn_blocking(move || {
        let version = config.store.as_ref().map(crate::store::last_edit).transpose()?.unwrap_or(0);
        load(&config).map(|s| (s, version))
    })
    .await
    {
        Ok(loaded) => loaded,
        Err(_) => Err(Error::panicked("the reload")),
    };
    live.forget();
    let loaded = loaded.map(|(source, version)| {
        state.edit_version.fetch_max(version, std::sync::atomic::Ordering::SeqCst);
        source
    });
    state.reload_with(loaded)
}

/// The channel on which a server of the store announces an edit of a commune (`<code> <version>`), once the
/// commune has been checked again and its conflicts synced.
pub const EDITS_CHANNEL: &str = "thuadat_changes";

/// With `serve --db`: listens on [`EDITS_CHANNEL`] and, when another server has edited the commune served
/// (a version above [`AppState::edit_version`]), replays the edits in its live commune (`live::follow`: the
/// edit rows as written, checked incrementally), or else loads the commune again from the store, and swaps the
/// served data, so that every server of a store shows an edit. A lost connection is opened again.
async fn follow_edits(state: Arc<AppState>) {
    use std::sync::atomic::Ordering;
    let Some((pool, code)) = state.store.clone() else { return };
    loop {
        let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!("cannot listen for edits of commune {code} (retrying in 5 s): {e}");
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(EDITS_CHANNEL).await {
            tracing::warn!("cannot listen for edits of commune {code} (retrying in 5 s): {e}");
            tokio::time::sleep(Duration::from_secs(5)).await;
            continue;
        }
        loop {
            let note = match listener.recv().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!("lost the store's edit notifications (listening again): {e}");
                    break;
                }
            };
            let Some((c, v)) = note.payload().split_once(' ') else { continue };
            let Ok(version) = v.parse::<i64>() else { continue };
            if c != code || version <= state.edit_version.load(Ordering::SeqCst) {
                continue;
            }
            // Replayed in the live commune when this server keeps one (or can start one from its data).
            if live::follow(&state, version).await {
                state.edit_version.fetch_max(version, Ordering::SeqCst);
                tracing::info!("commune {code} edited elsewhere (version {version}): replayed");
                continue;
            }
            match reload(&state).await {
                Ok(n) => {
                    state.edit_version.fetch_max(version, Ordering::SeqCst);
                    tracing::info!("commune {code} edited elsewhere (version {version}): reloaded, {n} parcels");
                }
                Err(e) => tracing::warn!("commune {code} edited elsewhere, reload failed: {e}"),
            }
        }
    }
}

/// SIGHUP: check the dataset again and swap it in ([`AppState::reload_with`]); a failed or refused reload
/// keeps the data being served.
#[cfg(unix)]
async fn reload_on_hangup(state: Arc<AppState>, mut hup: tokio::signal::unix::Signal) {
    while hup.recv().await.is_some() {
        let outcome = reload(&state).await;
        let what = match &state.config.store {
            Some(s) => format!("commune {}", s.commune.as_deref().unwrap_or("?")),
            None => state.config.dataset.display().to_string(),
        };
        match outcome {
            Ok(n) => tracing::info!("reloaded {what}: {n} parcels"),
            Err(e) => tracing::warn!("reload of {what} failed, still serving the previous data: {e}"),
        }
    }
}

#[cfg(not(unix))]
async fn reload_on_hangup(_: Arc<AppState>, _: (), _: impl Fn(&str) + Send + Sync + 'static) {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn public_errors_name_the_place_not_the_data_nor_the_whole_path() {
        use crate::error::Location;
        let at = Location::feature("/srv/data/x/parcels.geojson", 7).field("SoTo");
        let e = Error::bad_input(at, "`Nguyễn Văn An` is not a whole number");
        assert_eq!(
            public_error(&e),
            "bad input at parcels.geojson, feature 7, field `SoTo` (`thuadat check` on the dataset says what)"
        );
        let io = Error::io("/srv/data/x/certificates.csv", std::io::ErrorKind::NotFound.into());
        assert_eq!(public_error(&io), "certificates.csv: entity not found");
    }

    #[test]
    fn times_are_rfc3339_utc() {
        let at = |s: u64| rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_765_077_669), "2025-12-07T03:21:09Z");
    }

    #[test]
    fn public_urls_are_checked_and_links_never_come_from_a_request() {
        assert_eq!(
            check_public_url("https://maps.example.org/thuadat/"),
            Ok("https://maps.example.org/thuadat".into())
        );
        for bad in ["maps.example.org", "ftp://x/", "https:///x", "https://x/?a=1", "https://x/#top", "not a url"] {
            assert!(check_public_url(bad).is_err(), "{bad}");
        }
        let mut c = ServerConfig::new(PathBuf::from("x"), "127.0.0.1:8080".parse().unwrap());
        assert_eq!(c.link_base(), "http://127.0.0.1:8080");
        c.addr = "0.0.0.0:8080".parse().unwrap();
        assert_eq!(c.link_base(), "");
        c.public_url = Some("https://maps.example.org/t".into());
        assert_eq!(c.link_base(), "https://maps.example.org/t");
    }
}
