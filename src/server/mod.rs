//! `thuadat serve`: the checked dataset over HTTP, from memory (maplibre/martin style: configuration in one
//! typed [`ServerConfig`], the data in a [`source::Source`], tile encoding in [`crate::tiles`], the HTTP layer
//! in [`http`]).
//!
//! Endpoints (docs/API.md): vector tiles `/tiles/{z}/{x}/{y}.mvt` and `/tiles.json`, `/lookup`, OGC API -
//! Features (`/`, `/api` (OpenAPI 3.0), `/conformance`, `/collections`, `/collections/{id}/items`, `/collections/{id}/items/{fid}`),
//! `/groups`, `/conflicts.csv`, `/health`; the web map at `/` for browsers ([`webmap`]).

pub mod error;
pub mod features;
pub mod http;
pub mod lookup;
pub mod params;
pub mod review;
pub mod source;
pub mod vector;
pub mod webmap;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use crate::check;
use crate::error::{Error, Result};
pub use source::Source;

/// Everything the server is configured with.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The dataset directory served.
    pub dataset: PathBuf,
    pub addr: SocketAddr,
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
}

impl ServerConfig {
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
        }
    }
}

/// The server's shared state: the configuration and the current source (swapped whole on reload).
pub struct AppState {
    pub config: ServerConfig,
    source: RwLock<Arc<Source>>,
    /// With `serve --db`: connections to the store and the commune served (the review endpoints).
    pub store: Option<(sqlx::PgPool, String)>,
}

impl AppState {
    pub fn new(config: ServerConfig, source: Source) -> AppState {
        // Connections open on first use (a runtime must be running).
        let store = config.store.as_ref().and_then(|s| {
            let pool = sqlx::postgres::PgPoolOptions::new().max_connections(4).connect_lazy(&s.url).ok()?;
            Some((pool, s.commune.clone()?))
        });
        AppState { config, source: RwLock::new(Arc::new(source)), store }
    }

    /// The source requests read now.
    pub fn source(&self) -> Arc<Source> {
        self.source.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Swaps in a new source; its tile cache starts empty, the old one is dropped with the old data.
    pub fn replace(&self, source: Source) {
        *self.source.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(source);
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

/// Loads the dataset, binds, and serves until interrupted (Ctrl-C / SIGTERM). SIGHUP reloads the dataset.
/// `ready` is called with the bound address once the server accepts connections.
pub fn serve(mut config: ServerConfig, ready: impl FnOnce(SocketAddr, &Source)) -> Result<()> {
    if let Some(store) = config.store.as_mut() {
        store.commune = Some(crate::store::resolve_commune(store)?);
    }
    let source = load(&config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Other(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|e| Error::Other(format!("cannot listen on {}: {e}", config.addr)))?;
        let addr = listener.local_addr().map_err(|e| Error::Other(e.to_string()))?;
        ready(addr, &source);
        let state = Arc::new(AppState::new(config, source));
        tokio::spawn(reload_on_hangup(state.clone()));
        axum::serve(listener, http::router(state))
            .with_graceful_shutdown(shutdown())
            .await
            .map_err(|e| Error::Other(format!("server: {e}")))
    })
}

async fn shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// SIGHUP: check the dataset again and swap it in; a failed reload keeps the data being served.
async fn reload_on_hangup(state: Arc<AppState>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut hup) = signal(SignalKind::hangup()) else { return };
        while hup.recv().await.is_some() {
            let config = state.config.clone();
            match tokio::task::spawn_blocking(move || load(&config)).await {
                Ok(Ok(source)) => {
                    eprintln!("reloaded {}: {} parcels", state.config.dataset.display(), source.parcels().len());
                    state.replace(source);
                }
                Ok(Err(e)) => eprintln!("reload failed, still serving the previous data: {e}"),
                Err(e) => eprintln!("reload failed, still serving the previous data: {e}"),
            }
        }
    }
    #[cfg(not(unix))]
    let _ = state;
}
