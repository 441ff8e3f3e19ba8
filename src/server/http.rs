//! The HTTP layer: routes, ETag / If-None-Match, Cache-Control, gzip, CORS, and JSON errors for every bad
//! request. Handlers read the current [`Source`] and never panic on input; a panic anyway (a bug) is caught
//! and answered 500 with JSON.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde_json::{json, Value};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};

use super::auth::Caller;
use super::error::{json_error, ApiError};
use super::features::{self, Paging};
use super::params::Params;
use super::scope;
use super::source::Source;
use super::vector::{self, LAYERS};
use super::webmap;
use super::AppState;
use crate::tiles::{grid, TileId};

type Shared = State<Arc<AppState>>;
type Answer = Result<Response, ApiError>;

/// Every route, with the request bounds ([`bounded`]), compression, CORS and panic catching around them.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(landing))
        .route("/api", get(api))
        .route("/conformance", get(conformance))
        .route("/collections", get(collections))
        .route("/collections/{id}", get(collection))
        .route("/collections/{id}/items", get(items).post(super::parcel_edit::create))
        .route(
            "/collections/{id}/items/{fid}",
            get(item)
                .put(super::parcel_edit::replace)
                .patch(super::parcel_edit::update)
                .delete(super::parcel_edit::retire),
        )
        .route("/tiles/{z}/{x}/{y}", get(tile))
        .route("/tiles.json", get(tilejson))
        .route("/lookup", get(lookup))
        .route("/groups", get(groups))
        .route("/map-sheets.geojson", get(map_sheets))
        .route("/work", get(work))
        .route("/conflicts.csv", get(conflicts_csv))
        .route("/health", get(health))
        .route("/app/{file}", get(asset))
        .route("/vendor/maplibre-gl/{file}", get(asset))
        .merge(super::review::routes())
        .merge(super::login::routes())
        .merge(super::users::routes())
        .fallback(|| async { json_error(StatusCode::NOT_FOUND, "no such endpoint (see /)") })
        .method_not_allowed_fallback(|| async {
            json_error(
                StatusCode::METHOD_NOT_ALLOWED,
                "only GET and HEAD are served (and PATCH on /conflicts/{id}, /certificates/{id} and /users/{login}, POST on /login, /logout, /users and /parcels/batch; POST, PUT, PATCH and DELETE on /collections/parcels/items with the store)",
            )
        })
        .layer(axum::middleware::from_fn_with_state(state.clone(), super::auth::authenticate))
        .layer(axum::middleware::from_fn_with_state(state.clone(), bounded))
        .layer(CompressionLayer::new())
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([
                    axum::http::Method::GET,
                    axum::http::Method::HEAD,
                    axum::http::Method::PATCH,
                    axum::http::Method::POST,
                    axum::http::Method::PUT,
                    axum::http::Method::DELETE,
                ])
                .expose_headers([header::ETAG, header::LOCATION]),
        )
        .layer(CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send>| {
            json_error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }))
        .with_state(state)
}

/// The router's bounds of a request: a request target longer than [`super::net::MAX_TARGET_BYTES`] is `414`;
/// an answer not ready within the request timeout is `503` (both with the JSON body).
async fn bounded(State(state): Shared, request: Request, next: Next) -> Response {
    let target = request.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if target > super::net::MAX_TARGET_BYTES {
        let reason = format!("the request target is longer than {} bytes", super::net::MAX_TARGET_BYTES);
        return json_error(StatusCode::URI_TOO_LONG, &reason);
    }
    let limit = state.config.limits.request_timeout;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let reason = format!("no answer within the request timeout ({} s)", limit.as_secs_f64());
            json_error(StatusCode::SERVICE_UNAVAILABLE, &reason)
        }
    }
}

/// A strong ETag of the body's bytes (FxHash, 64 bits, deterministic).
fn etag_of(body: &[u8]) -> String {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(body);
    h.write_usize(body.len());
    format!("\"{:016x}\"", h.finish())
}

/// A 200 with ETag and Cache-Control, or a 304 when the client's If-None-Match has that ETag.
fn respond(headers: &HeaderMap, content_type: &'static str, max_age: u32, body: impl Into<bytes::Bytes>) -> Response {
    let body: bytes::Bytes = body.into();
    let etag = etag_of(&body);
    let cache_control = format!("public, max-age={max_age}");
    let matches = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| t == "*" || t == etag || t.strip_prefix("W/") == Some(etag.as_str()));
    let mut builder = Response::builder()
        .header(header::ETAG, etag)
        .header(header::CACHE_CONTROL, cache_control)
        .header(header::CONTENT_TYPE, content_type);
    let body = if matches {
        builder = builder.status(StatusCode::NOT_MODIFIED);
        Body::empty()
    } else {
        builder = builder.status(StatusCode::OK);
        Body::from(body)
    };
    builder.body(body).unwrap_or_else(|_| json_error(StatusCode::INTERNAL_SERVER_ERROR, "response"))
}

fn respond_json(headers: &HeaderMap, content_type: &'static str, max_age: u32, v: &Value) -> Response {
    respond(headers, content_type, max_age, v.to_string().into_bytes())
}

/// The start of links: the configured public URL or the listen address, never the request's `Host` header
/// (answers are cached publicly: a reflected host would poison caches).
fn base(state: &AppState) -> &str {
    &state.base
}

fn paging(state: &AppState) -> Paging {
    Paging { default_limit: state.config.default_limit, max_limit: state.config.max_limit }
}

/// `/`: the web map for browsers, the OGC landing page for everyone else (`?f=html` / `?f=json` choose).
async fn landing(State(state): Shared, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let params = Params::parse(q.as_deref());
    let mut r = if webmap::wants_html(&headers, params.get("f")) {
        respond(&headers, "text/html; charset=utf-8", state.config.max_age_s, webmap::INDEX)
    } else {
        let v = features::landing(&state.source(), base(&state));
        respond_json(&headers, "application/json", state.config.max_age_s, &v)
    };
    r.headers_mut().insert(header::VARY, HeaderValue::from_static("Accept"));
    r
}

/// The web map's embedded files (`/app/…`, `/vendor/maplibre-gl/…`).
async fn asset(State(state): Shared, headers: HeaderMap, uri: axum::http::Uri) -> Answer {
    let path = uri.path().trim_start_matches('/');
    let a = webmap::asset(path).ok_or_else(|| ApiError::not_found(format!("no file `/{path}`")))?;
    Ok(respond(&headers, a.content_type, state.config.max_age_s, a.body))
}

/// The API definition (`rel=service-desc` of the landing page).
async fn api(State(state): Shared, headers: HeaderMap) -> Response {
    respond(&headers, features::OPENAPI_TYPE, state.config.max_age_s, features::OPENAPI)
}

async fn conformance(State(state): Shared, headers: HeaderMap) -> Response {
    respond_json(&headers, "application/json", state.config.max_age_s, &features::conformance(state.store.is_some()))
}

async fn collections(State(state): Shared, headers: HeaderMap) -> Response {
    let v = features::collections(&state.source(), base(&state));
    respond_json(&headers, "application/json", state.config.max_age_s, &v)
}

fn path_error(e: PathRejection) -> ApiError {
    ApiError::bad_request(format!("bad path: {e}"))
}

async fn collection(State(state): Shared, headers: HeaderMap, id: Result<Path<String>, PathRejection>) -> Answer {
    let Path(id) = id.map_err(path_error)?;
    let v = features::collection(&state.source(), base(&state), &id)?;
    Ok(respond_json(&headers, "application/json", state.config.max_age_s, &v))
}

async fn items(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> Answer {
    let Path(id) = id.map_err(path_error)?;
    let params = Params::parse(q.as_deref());
    let src = state.source();
    let cut = scope::cut(&src, caller.as_deref(), &params)?;
    let v = features::items(&src, base(&state), &id, &params, paging(&state), &cut)?;
    Ok(respond_json(&headers, "application/geo+json", state.config.max_age_s, &v))
}

async fn item(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Answer {
    let Path((id, fid)) = path.map_err(path_error)?;
    let src = state.source();
    let v = features::item(&src, base(&state), &id, &fid, &scope::own(&src, caller.as_deref()))?;
    if state.store.is_some() && id == "parcels" {
        // The ETag an edit needs: the parcel's row as stored (Part 4's optimistic locking).
        return Ok(super::parcel_edit::stored_item(&state, &src, &fid, v).await);
    }
    Ok(respond_json(&headers, "application/geo+json", state.config.max_age_s, &v))
}

fn tile_number(name: &str, text: &str) -> Result<u64, ApiError> {
    text.parse::<u64>().map_err(|_| ApiError::bad_request(format!("tile {name} `{text}` is not a whole number")))
}

/// The tile a path names, e.g. `14`, `13005`, `7244.mvt`.
fn tile_id(z: &str, x: &str, y: &str) -> Result<TileId, ApiError> {
    let y = y
        .strip_suffix(".mvt")
        .or_else(|| y.strip_suffix(".pbf"))
        .ok_or_else(|| ApiError::not_found(format!("tile `{y}`: tiles are named {{y}}.mvt")))?;
    let z = tile_number("zoom", z)?;
    let (x, y) = (tile_number("x", x)?, tile_number("y", y)?);
    let z = u32::try_from(z).map_err(|_| ApiError::bad_request(format!("zoom {z} is out of range")))?;
    TileId::new(z, x, y).map_err(ApiError::bad_request)
}

async fn tile(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
    headers: HeaderMap,
    path: Result<Path<(String, String, String)>, PathRejection>,
    RawQuery(q): RawQuery,
) -> Answer {
    let Path((z, x, y)) = path.map_err(path_error)?;
    let t = tile_id(&z, &x, &y)?;
    let src = state.source();
    // The cache is keyed by the groups the tile is cut to: one scope's tiles never go to another.
    let cut = scope::cut(&src, caller.as_deref(), &Params::parse(q.as_deref()))?;
    let key = (t, cut);
    let bytes = match src.tiles.get(&key) {
        Some(b) => b,
        None => {
            let epoch = src.tiles.epoch();
            let b = bytes::Bytes::from(vector::render(&src, t, &key.1));
            src.tiles.put(key, b.clone(), epoch);
            b
        }
    };
    Ok(respond(&headers, "application/vnd.mapbox-vector-tile", state.config.max_age_s, bytes))
}

/// TileJSON 3.0.
fn tilejson_doc(src: &Source, base: &str, group: Option<&str>) -> Value {
    let suffix = group.map_or_else(String::new, |g| {
        format!("?group={}", form_urlencoded::byte_serialize(g.as_bytes()).collect::<String>())
    });
    let layers: Vec<Value> = LAYERS
        .iter()
        .map(|l| {
            let fields: serde_json::Map<String, Value> =
                l.fields.iter().map(|(k, v)| (k.to_string(), Value::from(*v))).collect();
            json!({"id": l.id, "description": l.description, "minzoom": l.minzoom, "maxzoom": l.maxzoom, "fields": fields})
        })
        .collect();
    let [w, s, e, n] = src.bounds;
    json!({
        "tilejson": "3.0.0",
        "name": src.checked.dataset.name,
        "description": "parcels, conflicts and residential groups checked by thuadat",
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{{z}}/{{x}}/{{y}}.mvt{suffix}")],
        "minzoom": 0,
        "maxzoom": grid::MAX_ZOOM,
        "bounds": [w, s, e, n],
        "center": [(w + e) / 2.0, (s + n) / 2.0, 15],
        "vector_layers": layers,
    })
}

async fn tilejson(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Answer {
    let src = state.source();
    let params = Params::parse(q.as_deref());
    scope::cut(&src, caller.as_deref(), &params)?;
    let v = tilejson_doc(&src, base(&state), params.get("group"));
    Ok(respond_json(&headers, "application/json", state.config.max_age_s, &v))
}

async fn lookup(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Answer {
    let params = Params::parse(q.as_deref());
    let src = state.source();
    let (lon, lat) = match (params.get("easting"), params.get("northing")) {
        (None, None) => (params.required_in("lon", -180.0..=180.0)?, params.required_in("lat", -90.0..=90.0)?),
        _ => projected_point(&src, &params)?,
    };
    let accuracy = match params.number("accuracy")? {
        None => state.config.default_accuracy_m,
        Some(a) if (0.0..=state.config.max_accuracy_m).contains(&a) => a,
        Some(a) => {
            return Err(ApiError::bad_request(format!(
                "parameter `accuracy`: {a} m is outside 0..{} m",
                state.config.max_accuracy_m
            )))
        }
    };
    let cut = scope::own(&src, caller.as_deref());
    let body = super::lookup::lookup_bytes(&src, lon, lat, accuracy, &cut)?;
    // A field team's answer must be current: revalidate every time.
    Ok(respond(&headers, "application/json", 0, body))
}

/// `?easting=&northing=` in metres of the dataset's own projected CRS (VN-2000: Y is the easting, X the
/// northing) as longitude/latitude.
fn projected_point(src: &Source, params: &Params) -> Result<(f64, f64), ApiError> {
    let crs = src.checked.dataset.frame.source();
    if crs.is_geographic() {
        return Err(ApiError::bad_request(format!(
            "parameters `easting`/`northing`: the dataset's CRS ({}) is geographic; give `lon` and `lat`",
            crs.definition
        )));
    }
    let e = params
        .number("easting")?
        .ok_or_else(|| ApiError::bad_request("parameter `easting` is required with `northing`"))?;
    let n = params
        .number("northing")?
        .ok_or_else(|| ApiError::bad_request("parameter `northing` is required with `easting`"))?;
    let (lon, lat) = crs.to_wgs84(e, n).map_err(|why| {
        ApiError::bad_request(format!("easting {e}, northing {n} is not a place in {}: {why}", crs.definition))
    })?;
    if !(lon.is_finite() && lat.is_finite() && (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)) {
        return Err(ApiError::bad_request(format!("easting {e}, northing {n} is not a place in {}", crs.definition)));
    }
    Ok((lon, lat))
}

async fn groups(State(state): Shared, caller: Option<Extension<Caller>>, headers: HeaderMap) -> Response {
    let src = state.source();
    let v = features::groups(&src, base(&state), &scope::own(&src, caller.as_deref()));
    respond_json(&headers, "application/json", state.config.max_age_s, &v)
}

/// The map sheets' lines and labels that explain no parcel (`server::sheets`).
async fn map_sheets(State(state): Shared, headers: HeaderMap) -> Response {
    let v = super::sheets::drawing_defects(&state.source());
    respond_json(&headers, "application/geo+json", state.config.max_age_s, &v)
}

async fn work(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Answer {
    let src = state.source();
    let params = Params::parse(q.as_deref());
    let v = super::work::work(&src, &scope::own(&src, caller.as_deref()), &params)?;
    // Review states change under the list: revalidate every time (the ETag spares the body).
    Ok(respond_json(&headers, "application/json", 0, &v))
}

async fn conflicts_csv(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Answer {
    let src = state.source();
    let params = Params::parse(q.as_deref());
    let cut = scope::cut(&src, caller.as_deref(), &params)?;
    // A byte-order mark first: Excel reads the file as UTF-8 only with one (else `Tổ dân phố` is mojibake).
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend(features::conflicts_csv(&src, &cut)?);
    let mut r = respond(&headers, "text/csv; charset=utf-8", state.config.max_age_s, body);
    let name = csv_file_name(params.get("group"), std::time::SystemTime::now());
    if let Ok(v) = HeaderValue::from_str(&name) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

/// `Content-Disposition` of `/conflicts.csv`: a file per group and date (Vietnam's, UTC+7), e.g.
/// `xung-dot_to-dan-pho-2_2026-12-07.csv`, with the group's name as written in `filename*` (RFC 6266).
fn csv_file_name(group: Option<&str>, now: std::time::SystemTime) -> String {
    let date = &super::rfc3339(now + std::time::Duration::from_secs(7 * 3600))[..10];
    let slug = |g: &str| {
        let folded = crate::vntext::fold(g);
        let words: Vec<&str> = folded.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
        words.join("-")
    };
    match group {
        Some(g) => {
            let ascii = format!("xung-dot_{}_{date}.csv", slug(g));
            let written = format!("xung-dot_{g}_{date}.csv");
            let encoded: String = written
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
        }
        None => format!("attachment; filename=\"xung-dot_{date}.csv\""),
    }
}

async fn health(State(state): Shared) -> Response {
    let src = state.source();
    let reload = state.last_reload().map(|r| match r.result {
        Ok(parcels) => json!({"at": super::rfc3339(r.at), "ok": true, "parcels": parcels}),
        Err(e) => json!({"at": super::rfc3339(r.at), "ok": false, "error": e}),
    });
    let v = json!({
        "status": "ok",
        "dataset": src.checked.dataset.name,
        "parcels": src.parcel_count(),
        "conflicts": src.conflict_count(),
        "groups": src.groups.len(),
        "crs": {"definition": src.checked.dataset.frame.source().definition, "projected": !src.checked.dataset.frame.source().is_geographic()},
        "no_certificate_land_use": src.checked.dataset.config.rules.no_certificate_land_use,
        "parcel_codes": src.checked.dataset.has_parcel_codes,
        "tiles_cached": src.tiles.len(),
        "last_reload": reload,
    });
    ([(header::CACHE_CONTROL, "no-store")], axum::Json(v)).into_response()
}

#[cfg(test)]
mod tests {
    use super::csv_file_name;
    use std::time::{Duration, SystemTime};

    #[test]
    fn the_csv_is_named_for_its_group_and_vietnams_date() {
        // 2026-12-07 20:00 UTC is already 8 December in Vietnam.
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_673_600);
        assert_eq!(
            csv_file_name(Some("Tổ dân phố 2"), t),
            "attachment; filename=\"xung-dot_to-dan-pho-2_2026-12-08.csv\"; \
             filename*=UTF-8''xung-dot_T%E1%BB%95%20d%C3%A2n%20ph%E1%BB%91%202_2026-12-08.csv"
        );
        assert_eq!(csv_file_name(None, t), "attachment; filename=\"xung-dot_2026-12-08.csv\"");
    }
}
