//! The web map at `/` (for browsers; other clients get the OGC landing page there): a single page that
//! draws the tiles with MapLibre GL JS, for officers at a desk and field teams on a phone.
//!
//! Every file is embedded in the binary, so `thuadat serve` works from any directory and without
//! internet: the page (`web/app`) and the pinned MapLibre GL JS build (`web/vendor/maplibre-gl`, copied from
//! the npm package locked in `web/package-lock.json` by `scripts/web-vendor.sh`).

use axum::http::{header, HeaderMap};

/// One embedded file: its path under `/`, its media type and its bytes.
pub struct Asset {
    pub(crate) path: &'static str,
    /// The `Content-Type` it is served with.
    pub content_type: &'static str,
    pub(crate) body: &'static [u8],
}

/// The page itself, served at `/` to browsers.
pub const INDEX: &[u8] = include_bytes!("../../web/app/index.html");

/// Everything the page loads, by path.
pub const ASSETS: &[Asset] = &[
    Asset {
        path: "app/app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../web/app/app.js"),
    },
    Asset {
        path: "app/dom.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../web/app/dom.js"),
    },
    Asset {
        path: "app/i18n.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../web/app/i18n.js"),
    },
    Asset {
        path: "app/style.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../web/app/style.js"),
    },
    Asset {
        path: "app/coords.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../web/app/coords.js"),
    },
    Asset {
        path: "app/worklist.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../web/app/worklist.js"),
    },
    Asset {
        path: "app/parcel.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../web/app/parcel.js"),
    },
    Asset {
        path: "app/app.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../web/app/app.css"),
    },
    Asset {
        path: "vendor/maplibre-gl/maplibre-gl.mjs",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../web/vendor/maplibre-gl/maplibre-gl.mjs"),
    },
    Asset {
        path: "vendor/maplibre-gl/maplibre-gl-worker.mjs",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../web/vendor/maplibre-gl/maplibre-gl-worker.mjs"),
    },
    Asset {
        path: "vendor/maplibre-gl/maplibre-gl.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../web/vendor/maplibre-gl/maplibre-gl.css"),
    },
    Asset {
        path: "vendor/maplibre-gl/LICENSE.txt",
        content_type: "text/plain; charset=utf-8",
        body: include_bytes!("../../web/vendor/maplibre-gl/LICENSE.txt"),
    },
];

/// The embedded file at `path` (without the leading `/`).
///
/// ```
/// use thuadat::server::webmap::asset;
/// assert_eq!(asset("app/app.js").map(|a| a.content_type), Some("text/javascript; charset=utf-8"));
/// assert!(asset("app/../Cargo.toml").is_none());
/// ```
pub fn asset(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

/// Whether a request for `/` wants the web map rather than the OGC landing page: `?f=html`, or (without
/// `?f=json`) an `Accept` header that ranks `text/html` above JSON, as browsers send.
///
/// ```
/// use axum::http::{header, HeaderMap, HeaderValue};
/// use thuadat::server::webmap::wants_html;
/// let mut h = HeaderMap::new();
/// assert!(!wants_html(&h, None)); // curl, GDAL: JSON
/// h.insert(header::ACCEPT, HeaderValue::from_static("text/html,application/xhtml+xml,*/*;q=0.8"));
/// assert!(wants_html(&h, None));
/// assert!(!wants_html(&h, Some("json")));
/// ```
pub fn wants_html(headers: &HeaderMap, f: Option<&str>) -> bool {
    match f {
        Some("html") => return true,
        Some(_) => return false,
        None => {}
    }
    let mut html = None;
    let mut json = None;
    for value in headers.get_all(header::ACCEPT).iter().filter_map(|v| v.to_str().ok()) {
        for (i, item) in value.split(',').enumerate() {
            let mut parts = item.split(';').map(str::trim);
            let media = parts.next().unwrap_or("").to_ascii_lowercase();
            let q = parts.filter_map(|p| p.strip_prefix("q=")).find_map(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
            // Rank by quality, then by order of appearance.
            let rank = (q, -(i as f32));
            let slot = match media.as_str() {
                "text/html" => &mut html,
                "application/json" | "application/geo+json" => &mut json,
                _ => continue,
            };
            if q > 0.0 && slot.is_none_or(|r: (f32, f32)| rank > r) {
                *slot = Some(rank);
            }
        }
    }
    match (html, json) {
        (Some(h), Some(j)) => h > j,
        (Some(_), None) => true,
        _ => false,
    }
}
