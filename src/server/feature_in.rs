//! A parcel as a client sends it (OGC API - Features Part 4): a GeoJSON `Feature` read into a
//! [`ParcelPatch`] in the commune's own CRS, with every refusal naming the member at fault. Geometry comes in
//! CRS84 (longitude, latitude: the default) or, with `Content-Crs`, in the commune's own CRS, so that a
//! client working in VN-2000 writes its coordinates exactly. A geometry that is not a valid area (a ring not
//! closed, too few points, a self-intersection...) is refused unless the request says `allow_invalid=true`;
//! then it is stored as given and becomes its `invalid_geometry` conflict.

use axum::http::{HeaderMap, StatusCode};
use serde_json::{Map, Value};

use crate::crs::Crs;
use crate::dataset::parcels::RawPolygon;
use crate::store::edit::parcel::ParcelPatch;

/// A refusal: status (400 for what is not a feature at all, 422 for a value that cannot be stored) and reason.
pub(super) type Refusal = (StatusCode, String);

fn unprocessable(m: String) -> Refusal {
    (StatusCode::UNPROCESSABLE_ENTITY, m)
}

/// The properties a client may set, and the names of those it may send back as the server gave them (ignored).
pub(super) const EDITABLE: &[&str] =
    &["parcel_id", "commune", "sheet", "parcel_no", "group", "land_use", "area", "recorded_area_m2", "parcel_code"];
const READ_ONLY: &[&str] =
    &["id", "status", "reasons", "area_m2", "valid", "cert_ids", "conflict_ids", "certificates", "links"];

/// The CRS of a request's coordinates: CRS84 unless `Content-Crs` names the commune's own (by its definition,
/// e.g. `EPSG:9210` or `VN2000:107.75`, or its OGC URI); anything else is a 400 saying what is accepted.
/// True when the coordinates are in the commune's own CRS.
pub(super) fn content_crs(headers: &HeaderMap, own: &Crs) -> Result<bool, Refusal> {
    let Some(value) = headers.get("content-crs") else { return Ok(false) };
    let given = value.to_str().unwrap_or("").trim().trim_start_matches('<').trim_end_matches('>').trim();
    let crs84 = ["http://www.opengis.net/def/crs/OGC/1.3/CRS84", "OGC:CRS84"];
    if crs84.iter().any(|c| c.eq_ignore_ascii_case(given)) {
        return Ok(false);
    }
    let own_uri = own
        .definition
        .strip_prefix("EPSG:")
        .map(|code| format!("http://www.opengis.net/def/crs/EPSG/0/{code}"))
        .unwrap_or_else(|| own.definition.clone());
    if given.eq_ignore_ascii_case(&own.definition) || given.eq_ignore_ascii_case(&own_uri) {
        return Ok(true);
    }
    Err((
        StatusCode::BAD_REQUEST,
        format!(
            "`Content-Crs: {given}` is not accepted: send coordinates in CRS84 (longitude, latitude; the default) or in \
             the commune's own CRS, `Content-Crs: <{own_uri}>`"
        ),
    ))
}

/// How to read a request's geometry.
pub(super) struct Coordinates<'a> {
    /// The commune's own CRS.
    pub(super) crs: &'a Crs,
    /// The coordinates are in it already (`Content-Crs`); otherwise CRS84.
    pub(super) native: bool,
    /// Store an invalid geometry anyway (`allow_invalid=true`).
    pub(super) allow_invalid: bool,
    /// The longitude/latitude box of the commune's parcels (west, south, east, north), when it has some: a
    /// position farther than [`FAR_DEGREES`] from it is refused (coordinates in the wrong CRS).
    pub(super) near: Option<[f64; 4]>,
    /// The commune's parcels carry national parcel codes (`parcel_code` may be set).
    pub(super) codes: bool,
}

/// How far (in degrees, about 25 km) outside the box of the commune's parcels a position may lie.
pub(super) const FAR_DEGREES: f64 = 0.25;

/// What kind of request the feature came with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Intent {
    /// POST or PUT: the whole feature; geometry, sheet and number required.
    Whole,
    /// PATCH: only what is given changes.
    Merge,
}

/// Reads `v` (a GeoJSON Feature; for [`Intent::Merge`] any part of one) into a patch.
pub(super) fn patch(v: &Value, intent: Intent, how: &Coordinates<'_>) -> Result<ParcelPatch, Refusal> {
    let obj =
        v.as_object().ok_or_else(|| (StatusCode::BAD_REQUEST, "the body must be a GeoJSON Feature".to_string()))?;
    match obj.get("type").and_then(Value::as_str) {
        Some("Feature") => {}
        None if intent == Intent::Merge => {}
        other => {
            return Err((
                StatusCode::BAD_REQUEST,
                format!("`type` is {other:?}: the body must be one GeoJSON Feature (\"type\": \"Feature\")"),
            ))
        }
    }
    let mut p = ParcelPatch::default();
    match obj.get("geometry") {
        None if intent == Intent::Merge => {}
        None | Some(Value::Null) => return Err(unprocessable("`geometry`: a parcel needs its polygon".into())),
        Some(g) => p.geometry = Some(geometry(g, how)?),
    }
    let empty = Map::new();
    let props = match obj.get("properties") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(m)) => m,
        Some(_) => return Err((StatusCode::BAD_REQUEST, "`properties` must be an object".into())),
    };
    for (k, v) in props {
        let at = |m: &str| unprocessable(format!("`properties.{k}`: {m}"));
        match k.as_str() {
            "parcel_id" => p.parcel_id = Some(text(v, 64).map_err(|m| at(&m))?),
            "commune" => p.commune = Some(text(v, 32).map_err(|m| at(&m))?),
            "group" => p.group = Some(text(v, 200).map_err(|m| at(&m))?),
            "land_use" => p.land_use = Some(text(v, 32).map_err(|m| at(&m))?),
            "sheet" => p.sheet = Some(Some(whole(v, 1_000_000).map_err(|m| at(&m))?)),
            "parcel_no" => p.parcel_no = Some(Some(whole(v, 1_000_000_000).map_err(|m| at(&m))?)),
            "area" | "recorded_area_m2" => p.area = Some(area(v).map_err(|m| at(&m))?),
            "parcel_code" => p.parcel_code = Some(parcel_code(v, how.codes).map_err(|m| at(&m))?),
            k if READ_ONLY.contains(&k) => {}
            _ => return Err(at(&format!("not a property of a parcel (editable: {})", EDITABLE.join(", ")))),
        }
    }
    if intent == Intent::Whole {
        for (name, given) in [("sheet", p.sheet.is_some()), ("parcel_no", p.parcel_no.is_some())] {
            if !given {
                return Err(unprocessable(format!("`properties.{name}`: a parcel needs its sheet and number")));
            }
        }
        // A replacement clears the attributes it does not give; the parcel's identity (its given id and
        // commune, which the served feature does not repeat) stays unless given.
        for f in [&mut p.group, &mut p.land_use] {
            f.get_or_insert(None);
        }
        p.area.get_or_insert(None);
    }
    Ok(p)
}

fn text(v: &Value, max: usize) -> Result<Option<String>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => {
            let t = s.trim();
            if t.chars().count() > max {
                return Err(format!("longer than {max} characters"));
            }
            if t.chars().any(char::is_control) {
                return Err("holds a control character".into());
            }
            Ok(Some(t.to_string()).filter(|t| !t.is_empty()))
        }
        other => Err(format!("{other} is not text")),
    }
}

/// A national parcel code as an officer sets it: 12 GeoHash characters, or null to clear it. Only where the
/// commune's parcels have the column (the check of codes runs only there).
fn parcel_code(v: &Value, codes: bool) -> Result<Option<String>, String> {
    let code = text(v, 32)?;
    if !codes && code.is_some() {
        return Err("the commune's parcels have no national parcel codes (its parcels file has no `parcel_code` \
                    column), so none is kept"
            .into());
    }
    if let Some(c) = &code {
        if !crate::reconcile::parcel_code::well_formed(c) {
            return Err(format!(
                "`{c}` is not a national parcel code: 12 GeoHash characters (0-9 and b-z without i, l, o, in lower case)"
            ));
        }
    }
    Ok(code)
}

fn whole(v: &Value, max: i64) -> Result<i64, String> {
    let n = match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    n.filter(|n| (0..=max).contains(n)).ok_or_else(|| format!("{v} is not a whole number from 0 to {max}"))
}

fn area(v: &Value) -> Result<Option<f64>, String> {
    match v {
        Value::Null => Some(None),
        Value::Number(n) => n.as_f64().filter(|a| a.is_finite() && *a > 0.0).map(Some),
        _ => None,
    }
    .ok_or_else(|| format!("{v} is not an area in m² (a number above 0)"))
}

/// A GeoJSON Polygon or MultiPolygon as raw polygons in the commune's CRS, checked.
fn geometry(g: &Value, how: &Coordinates<'_>) -> Result<Vec<RawPolygon>, Refusal> {
    let bad = |m: String| (StatusCode::BAD_REQUEST, format!("`geometry`: {m}"));
    let kind = g.get("type").and_then(Value::as_str).unwrap_or("");
    let coords = g.get("coordinates").ok_or_else(|| bad("has no `coordinates`".into()))?;
    let polygons: Vec<&Value> = match kind {
        "Polygon" => vec![coords],
        "MultiPolygon" => {
            coords.as_array().ok_or_else(|| bad("`coordinates` must be an array".into()))?.iter().collect()
        }
        other => {
            return Err(unprocessable(format!(
                "`geometry`: a parcel is a Polygon or a MultiPolygon, not {}",
                if other.is_empty() { "a geometry without `type`" } else { other }
            )))
        }
    };
    if polygons.is_empty() {
        return Err(unprocessable("`geometry`: the MultiPolygon is empty".into()));
    }
    let wgs84 = !how.native && how.crs.proj_string != Crs::wgs84().proj_string;
    let mut out: Vec<RawPolygon> = Vec::with_capacity(polygons.len());
    for (pi, poly) in polygons.iter().enumerate() {
        let rings = poly.as_array().ok_or_else(|| bad(format!("polygon {} is not an array of rings", pi + 1)))?;
        let mut raw = Vec::with_capacity(rings.len());
        for (ri, ring) in rings.iter().enumerate() {
            let at = format!("polygon {}, ring {}", pi + 1, ri + 1);
            let points = ring.as_array().ok_or_else(|| bad(format!("{at} is not an array of positions")))?;
            let mut r = Vec::with_capacity(points.len());
            for (k, pt) in points.iter().enumerate() {
                let xy = pt.as_array().filter(|a| a.len() >= 2).and_then(|a| Some((a[0].as_f64()?, a[1].as_f64()?)));
                let (x, y) = xy
                    .filter(|(x, y)| x.is_finite() && y.is_finite())
                    .ok_or_else(|| bad(format!("{at}, position {}: not [x, y] numbers", k + 1)))?;
                let (x, y) = if wgs84 {
                    if !((-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y)) {
                        return Err(unprocessable(format!(
                            "`geometry`: {at}, position {}: ({x}, {y}) is not a longitude and latitude (CRS84); \
                             coordinates in the commune's own CRS need `Content-Crs`",
                            k + 1
                        )));
                    }
                    how.crs.from_wgs84(x, y).map_err(|e| unprocessable(format!("`geometry`: {at}: {e}")))?
                } else {
                    (x, y)
                };
                if let Some(b) = how.near {
                    far(how.crs, b, x, y)
                        .map_err(|m| unprocessable(format!("`geometry`: {at}, position {}: {m}", k + 1)))?;
                }
                r.push(geo::Coord { x, y });
            }
            raw.push(r);
        }
        if raw.is_empty() {
            return Err(unprocessable(format!("`geometry`: polygon {} has no rings", pi + 1)));
        }
        out.push(raw);
    }
    if !how.allow_invalid {
        if let Some(why) = invalid(&out) {
            return Err(unprocessable(format!(
                "`geometry`: {why}; send `?allow_invalid=true` to store it anyway as an invalid_geometry conflict"
            )));
        }
    }
    Ok(out)
}

/// Why position `(x, y)` of the commune's CRS cannot be one of its parcels: not a place on the earth, or
/// farther than [`FAR_DEGREES`] from the box `b` of its parcels.
fn far(crs: &Crs, b: [f64; 4], x: f64, y: f64) -> Result<(), String> {
    let (lon, lat) = crs.to_wgs84(x, y).map_err(|e| format!("({x}, {y}) is no place in the commune's CRS: {e}"))?;
    if !(lon.is_finite() && lat.is_finite() && (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)) {
        return Err(format!("({x}, {y}) is no place in the commune's CRS"));
    }
    let dx = (b[0] - lon).max(lon - b[2]).max(0.0);
    let dy = (b[1] - lat).max(lat - b[3]).max(0.0);
    if dx > FAR_DEGREES || dy > FAR_DEGREES {
        let km = (dx * dx + dy * dy).sqrt() * 111.0;
        return Err(format!(
            "({x}, {y}) lies about {km:.0} km from the commune's parcels: longitude and latitude (CRS84) need no \
             header, coordinates in the commune's own CRS need `Content-Crs`"
        ));
    }
    Ok(())
}

/// Why polygons are not a valid area, or None: rings closed with four positions or more, then geo's verdict
/// as the check gives it.
fn invalid(polys: &[RawPolygon]) -> Option<String> {
    for (pi, rings) in polys.iter().enumerate() {
        for (ri, r) in rings.iter().enumerate() {
            let at = format!("polygon {}, ring {}", pi + 1, ri + 1);
            if r.len() < 4 {
                return Some(format!("{at} has {} positions (a ring needs 4, the last repeating the first)", r.len()));
            }
            if r.first() != r.last() {
                return Some(format!("{at} is not closed (its last position must repeat the first)"));
            }
        }
    }
    let mp = geo::MultiPolygon(
        polys
            .iter()
            .map(|rings| {
                let mut rs = rings.iter().map(|r| geo::LineString(r.clone()));
                let shell = rs.next().unwrap_or_else(|| geo::LineString(vec![]));
                geo::Polygon::new(shell, rs.collect())
            })
            .collect(),
    );
    crate::dataset::validity::check(&mp).err().map(|p| p.to_string())
}
