//! OGC API - Features (Part 1, core, GeoJSON) documents: the landing page, conformance, collections, and the
//! parcels and conflicts as features in CRS84. Also the per-group scorecard and the conflicts CSV.

use std::collections::BTreeMap;

use geo::{Coord, Geometry, Intersects, MultiPolygon};
use serde_json::{json, Value};

use super::error::ApiError;
use super::params::Params;
use super::source::Source;
use crate::conflict::Kind;
use crate::reconcile::parcel_code;
use crate::review::{status_names, ReviewStatus};
use crate::tiles::grid::{lonlat_to_mercator, mercator_to_lonlat};
use crate::tiles::Cut;

/// The two feature collections.
pub const COLLECTIONS: [(&str, &str); 2] =
    [("parcels", "Mapped parcels with their campaign status"), ("conflicts", "Conflicts found by the check")];

/// Limits of a page of features.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub(crate) default_limit: usize,
    pub(crate) max_limit: usize,
}

fn lonlat(c: &Coord<f64>) -> [f64; 2] {
    let (lon, lat) = mercator_to_lonlat(c.x, c.y);
    [(lon * 1e8).round() / 1e8, (lat * 1e8).round() / 1e8]
}

fn multipolygon_json(g: &MultiPolygon<f64>) -> Value {
    let polys: Vec<Vec<Vec<[f64; 2]>>> = g
        .0
        .iter()
        .map(|p| std::iter::once(p.exterior()).chain(p.interiors()).map(|r| r.0.iter().map(lonlat).collect()).collect())
        .collect();
    if polys.len() == 1 {
        json!({"type": "Polygon", "coordinates": polys[0]})
    } else {
        json!({"type": "MultiPolygon", "coordinates": polys})
    }
}

/// A Web Mercator geometry as GeoJSON in longitude/latitude.
pub fn geometry_json(g: Option<&Geometry<f64>>) -> Value {
    match g {
        Some(Geometry::MultiPolygon(m)) => multipolygon_json(m),
        Some(Geometry::Point(p)) => json!({"type": "Point", "coordinates": lonlat(&p.0)}),
        _ => Value::Null,
    }
}

/// The landing page.
/// The API definition (OpenAPI 3.0), checked in beside this module; `tests/server.rs` holds it to the routes
/// (every documented path answers, every route is documented).
pub const OPENAPI: &str = include_str!("openapi.json");

/// Its media type, as OGC API - Features Part 1 names it for `rel=service-desc`.
pub const OPENAPI_TYPE: &str = "application/vnd.oai.openapi+json;version=3.0";

pub(crate) fn landing(src: &Source, base: &str) -> Value {
    json!({
        "title": format!("thuadat: {}", src.checked.dataset.name),
        "description": "Cadastral parcels and the conflicts found by `thuadat check`, as OGC API - Features and vector tiles",
        "links": [
            {"href": format!("{base}/"), "rel": "self", "type": "application/json", "title": "this document"},
            {"href": format!("{base}/?f=html"), "rel": "alternate", "type": "text/html", "title": "the web map"},
            {"href": format!("{base}/api"), "rel": "service-desc", "type": OPENAPI_TYPE, "title": "the API definition (OpenAPI 3.0)"},
            {"href": format!("{base}/conformance"), "rel": "conformance", "type": "application/json", "title": "conformance classes"},
            {"href": format!("{base}/collections"), "rel": "data", "type": "application/json", "title": "feature collections"},
            {"href": format!("{base}/tiles.json"), "rel": "describedby", "type": "application/json", "title": "TileJSON of the vector tiles"},
            {"href": format!("{base}/groups"), "rel": "related", "type": "application/json", "title": "residential groups scorecard"},
        ]
    })
}

/// The conformance classes; with the store (`editable`), OGC API - Features Part 4's too (create, replace,
/// delete, update; optimistic locking with ETags).
pub(crate) fn conformance(editable: bool) -> Value {
    let mut classes = vec![
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    ];
    if editable {
        classes.extend([
            "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
            "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
            "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags",
            "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
        ]);
    }
    json!({ "conformsTo": classes })
}

pub(crate) fn collection(src: &Source, base: &str, id: &str) -> Result<Value, ApiError> {
    let title = COLLECTIONS
        .iter()
        .find(|(c, _)| *c == id)
        .map(|(_, t)| *t)
        .ok_or_else(|| ApiError::not_found(format!("no collection `{id}` (there are parcels and conflicts)")))?;
    Ok(json!({
        "id": id,
        "title": title,
        "itemType": "feature",
        "crs": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"],
        "extent": {"spatial": {"bbox": [src.bounds], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
        "links": [
            {"href": format!("{base}/collections/{id}"), "rel": "self", "type": "application/json"},
            {"href": format!("{base}/collections/{id}/items"), "rel": "items", "type": "application/geo+json"},
        ]
    }))
}

pub(crate) fn collections(src: &Source, base: &str) -> Value {
    let list: Vec<Value> = COLLECTIONS.iter().filter_map(|(id, _)| collection(src, base, id).ok()).collect();
    json!({
        "links": [{"href": format!("{base}/collections"), "rel": "self", "type": "application/json"}],
        "collections": list,
    })
}

/// A parcel as a GeoJSON feature: no holder names or citizen ids.
pub fn parcel_feature(src: &Source, i: usize) -> Value {
    let ds = &src.checked.dataset;
    let rec = &src.checked.reconciliation;
    let p = &ds.parcels[i];
    let s = &rec.statuses[i];
    let certs: Vec<&str> = rec.links.certs_of(i).iter().map(|&c| ds.certificates.id(c as usize)).collect();
    let conflicts: Vec<&str> = src.parcel_conflicts[i].iter().map(|&c| src.conflict_ids[c as usize].as_str()).collect();
    let geometry = src.parcel_geometry[i].clone().map(Geometry::MultiPolygon);
    json!({
        "type": "Feature",
        "id": p.id.as_str(),
        "geometry": geometry_json(geometry.as_ref()),
        "properties": {
            "id": p.id.as_str(),
            "sheet": p.sheet,
            "parcel_no": p.parcel_no,
            "land_use": p.land_use.as_deref(),
            "group": p.group.as_deref(),
            "parcel_code": p.code.as_deref(),
            "status": s.status,
            "reasons": s.reasons_text(),
            "area_m2": p.area_m2.map(|a| (a * 100.0).round() / 100.0),
            "recorded_area_m2": p.recorded_area,
            "valid": p.is_valid(),
            "cert_ids": certs.join(";"),
            "conflict_ids": conflicts.join(";"),
        }
    })
}

/// A conflict as a GeoJSON feature (candidates and detail included; no personal data).
pub fn conflict_feature(src: &Source, ci: usize) -> Value {
    let ds = &src.checked.dataset;
    let c = &src.conflicts()[ci];
    let pids: Vec<&str> = c.parcels.iter().map(|&i| ds.parcels[i].id.as_str()).collect();
    let cids: Vec<&str> = c.certificates.iter().map(|&i| ds.certificates.id(i)).collect();
    let candidates: Vec<String> =
        c.candidates.iter().map(|k| format!("{}:{:.3}", ds.parcels[k.parcel].id, k.score)).collect();
    let group = src.conflict_group[ci].map(|g| src.groups[g as usize].name.as_str());
    let mut feature = json!({
        "type": "Feature",
        "id": src.conflict_ids[ci],
        "geometry": geometry_json(src.conflict_drawing(ci).as_ref()),
        "properties": {
            "id": src.conflict_ids[ci],
            "kind": c.kind.as_str(),
            "severity": c.kind.severity(),
            "measure": c.measure.filter(|m| m.is_finite()),
            "group": group,
            "parcel_ids": pids.join(";"),
            "cert_ids": cids.join(";"),
            "candidates": candidates.join(";"),
            // Each candidate's reason (`; ` between its parts), in the order of `candidates`, `|` between them.
            "candidate_reasons": c.candidates.iter().map(|k| k.reason.as_str()).collect::<Vec<_>>().join("|"),
            "detail": src.public_detail(ci),
            "status": src.review(ci).as_str(),
        }
    });
    if c.kind == Kind::ParcelCode {
        // The code in question, what is wrong with it, and the code each parcel should carry (`;` between them,
        // in `parcel_ids` order, as the other lists).
        let props = &mut feature["properties"];
        props["parcel_code"] = json!(c.parcels.first().and_then(|&i| ds.parcels[i].code.as_deref()));
        props["code_defect"] = json!(parcel_code::defect_name(c, &ds.parcels, &ds.frame));
        let proposed = parcel_code::proposals(c, &ds.parcels, &ds.frame);
        props["proposed_code"] =
            json!(proposed.iter().map(|p| p.as_deref().unwrap_or("")).collect::<Vec<_>>().join(";"));
    }
    feature
}

/// The group named by `?group=`, as a position; 404 when unknown.
pub fn group_param(src: &Source, params: &Params) -> Result<Option<u32>, ApiError> {
    let Some(name) = params.get("group") else { return Ok(None) };
    src.group_by_name
        .get(name)
        .copied()
        .map(Some)
        .ok_or_else(|| ApiError::not_found(format!("no residential group `{name}`")))
}

/// `/collections/{id}/items`: filtered, paged, with `next` links.
pub fn items(
    src: &Source,
    base: &str,
    id: &str,
    params: &Params,
    paging: Paging,
    cut: &Cut,
) -> Result<Value, ApiError> {
    collection(src, base, id)?;
    let limit = params.count("limit", paging.max_limit)?.unwrap_or(paging.default_limit);
    if limit == 0 {
        return Err(ApiError::bad_request("parameter `limit`: 0 would page forever; ask for 1 or more"));
    }
    let offset = params.count("offset", usize::MAX)?.unwrap_or(0);
    let bbox = params.bbox()?;
    let window = bbox.map(|b| {
        let (x0, y0) = lonlat_to_mercator(b.min().x, b.min().y);
        let (x1, y1) = lonlat_to_mercator(b.max().x, b.max().y);
        geo::Rect::new(Coord { x: x0, y: y0 }, Coord { x: x1, y: y1 })
    });
    let matched: Vec<usize> = if id == "parcels" {
        if params.get("kind").is_some() {
            return Err(ApiError::bad_request("parameter `kind` filters conflicts, not parcels"));
        }
        let status = match params.get("status") {
            None => None,
            Some(s @ ("1" | "2" | "3")) => s.parse::<u8>().ok(),
            Some(s) => return Err(ApiError::bad_request(format!("parameter `status`: `{s}` is not 1, 2 or 3"))),
        };
        let candidates: Vec<usize> = match window {
            Some(w) => src
                .parcels_in(w)
                .into_iter()
                .filter(|&i| src.parcel_geometry[i].as_ref().is_some_and(|g| g.intersects(&w)))
                .collect(),
            None => src.parcels_served().collect(),
        };
        let whole = |name: &str| -> Result<Option<i64>, ApiError> {
            params
                .get(name)
                .map(|v| {
                    v.parse::<i64>()
                        .map_err(|_| ApiError::bad_request(format!("parameter `{name}`: `{v}` is not a whole number")))
                })
                .transpose()
        };
        let (sheet, parcel_no) = (whole("sheet")?, whole("parcel_no")?);
        // A national code as typed or read from a certificate: trimmed, any case.
        let code = params.get("parcel_code").map(|c| c.trim().to_ascii_lowercase());
        let statuses = &src.checked.reconciliation.statuses;
        let parcels = src.parcels();
        candidates
            .into_iter()
            .filter(|&i| cut.admits(src.parcel_group[i]))
            .filter(|&i| status.is_none_or(|s| statuses[i].status == s))
            .filter(|&i| sheet.is_none_or(|s| parcels[i].sheet == Some(s)))
            .filter(|&i| parcel_no.is_none_or(|n| parcels[i].parcel_no == Some(n)))
            .filter(|&i| {
                code.as_deref().is_none_or(|c| parcels[i].code.as_deref().is_some_and(|p| p.eq_ignore_ascii_case(c)))
            })
            .collect()
    } else {
        for key in ["sheet", "parcel_no", "parcel_code"] {
            if params.get(key).is_some() {
                return Err(ApiError::bad_request(format!("parameter `{key}` filters parcels, not conflicts")));
            }
        }
        // A conflict's `status` is its review status.
        let review = match params.get("status") {
            None => None,
            Some(s) => Some(ReviewStatus::parse(s).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "parameter `status` of conflicts: `{s}` is not one of {}",
                    status_names()
                ))
            })?),
        };
        let kind = match params.get("kind") {
            None => None,
            Some(k) => Some(Kind::parse(k).ok_or_else(|| {
                let all: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                ApiError::bad_request(format!("parameter `kind`: `{k}` is not one of {}", all.join(", ")))
            })?),
        };
        let candidates: Vec<usize> = match window {
            Some(w) => src
                .conflicts_in(w)
                .into_iter()
                .filter(|&i| src.conflict_drawing(i).is_some_and(|g| g.intersects(&w)))
                .collect(),
            None => src.conflict_order().iter().map(|&ci| ci as usize).collect(),
        };
        candidates
            .into_iter()
            .filter(|&i| cut.admits(src.conflict_group[i]))
            .filter(|&i| kind.is_none_or(|k| src.conflicts()[i].kind == k))
            .filter(|&i| review.is_none_or(|r| src.review(i) == r))
            .collect()
    };
    let page: Vec<Value> = matched
        .iter()
        .skip(offset)
        .take(limit)
        .map(|&i| if id == "parcels" { parcel_feature(src, i) } else { conflict_feature(src, i) })
        .collect();
    let link = |offset: usize| {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for key in ["bbox", "group", "status", "kind", "sheet", "parcel_no", "parcel_code"] {
            if let Some(v) = params.get(key) {
                q.append_pair(key, v);
            }
        }
        q.append_pair("limit", &limit.to_string());
        q.append_pair("offset", &offset.to_string());
        format!("{base}/collections/{id}/items?{}", q.finish())
    };
    let mut links = vec![
        json!({"href": link(offset), "rel": "self", "type": "application/geo+json"}),
        json!({"href": format!("{base}/collections/{id}"), "rel": "collection", "type": "application/json"}),
    ];
    if offset.saturating_add(limit) < matched.len() {
        links.push(json!({"href": link(offset + limit), "rel": "next", "type": "application/geo+json"}));
    }
    if offset > 0 {
        links.push(json!({"href": link(offset.saturating_sub(limit)), "rel": "prev", "type": "application/geo+json"}));
    }
    Ok(json!({
        "type": "FeatureCollection",
        "numberMatched": matched.len(),
        "numberReturned": page.len(),
        "links": links,
        "features": page,
    }))
}

/// `/collections/{id}/items/{fid}`.
pub fn item(src: &Source, base: &str, id: &str, fid: &str, cut: &Cut) -> Result<Value, ApiError> {
    collection(src, base, id)?;
    // Outside the caller's groups a parcel or conflict is as good as absent.
    let mut f = if id == "parcels" {
        let i = src
            .parcel_by_id
            .get(fid)
            .filter(|&&i| cut.admits(src.parcel_group[i as usize]))
            .ok_or_else(|| ApiError::not_found(format!("no parcel `{fid}`")))?;
        let mut f = parcel_feature(src, *i as usize);
        // One parcel comes with its certificates' summaries (ids, areas, status: no holders).
        if let Some(props) = f.get_mut("properties").and_then(Value::as_object_mut) {
            props.insert("certificates".into(), Value::Array(super::lookup::certificates(src, *i as usize)));
        }
        f
    } else {
        let i = src
            .conflict_by_id
            .get(fid)
            .filter(|&&i| cut.admits(src.conflict_group[i as usize]))
            .ok_or_else(|| ApiError::not_found(format!("no conflict `{fid}`")))?;
        conflict_feature(src, *i as usize)
    };
    if let Some(obj) = f.as_object_mut() {
        obj.insert(
            "links".into(),
            json!([
                {"href": format!("{base}/collections/{id}/items/{}", urlencode(fid)), "rel": "self", "type": "application/geo+json"},
                {"href": format!("{base}/collections/{id}"), "rel": "collection", "type": "application/json"},
            ]),
        );
    }
    Ok(f)
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A Web Mercator box as `[west, south, east, north]` in longitude/latitude.
pub(crate) fn bbox_json(r: geo::Rect<f64>) -> Value {
    let [w, s] = lonlat(&r.min());
    let [e, n] = lonlat(&r.max());
    json!([w, s, e, n])
}

/// `/groups`: the scorecard of every residential group in `cut`.
pub fn groups(src: &Source, base: &str, cut: &Cut) -> Value {
    let list: Vec<Value> = src
        .groups
        .iter()
        .enumerate()
        .filter(|(gi, _)| cut.admits(Some(*gi as u32)))
        .map(|(_, g)| {
            let by_kind: serde_json::Map<String, Value> =
                Kind::ALL.iter().map(|k| (k.as_str().to_string(), json!(g.conflicts_by_kind.get(k.as_str()).copied().unwrap_or(0)))).collect();
            let q = format!("group={}", urlencode(&g.name));
            // The outline's box in longitude/latitude (west, south, east, north): what a map fits to.
            let bbox = g.bbox.map(bbox_json);
            json!({
                "name": g.name,
                "bbox": bbox,
                "parcels": g.parcels,
                "status": {"1": g.by_status[0], "2": g.by_status[1], "3": g.by_status[2]},
                "conflicts": g.conflicts_by_kind.values().sum::<usize>(),
                "conflicts_by_kind": by_kind,
                "links": [
                    {"href": format!("{base}/tiles.json?{q}"), "rel": "tiles", "type": "application/json"},
                    {"href": format!("{base}/collections/parcels/items?{q}"), "rel": "items", "type": "application/geo+json"},
                    {"href": format!("{base}/conflicts.csv?{q}"), "rel": "alternate", "type": "text/csv"},
                ],
            })
        })
        .collect();
    // What belongs to no group: conflicts with neither a parcel nor a candidate in a group, parcels without a
    // group. Shown to those who see every group, so that the groups and this add up to the commune.
    let mut body = json!({"dataset": src.checked.dataset.name, "groups": list});
    if let Cut::All = cut {
        let mut by_kind: BTreeMap<&str, usize> = Kind::ALL.iter().map(|k| (k.as_str(), 0)).collect();
        let mut conflicts = 0usize;
        for &ci in src.conflict_order() {
            let (ci, c) = (ci as usize, &src.conflicts()[ci as usize]);
            if src.conflict_group[ci].is_none() {
                conflicts += 1;
                *by_kind.entry(c.kind.as_str()).or_default() += 1;
            }
        }
        let statuses = &src.checked.reconciliation.statuses;
        let mut status = [0usize; 3];
        let mut parcels = 0usize;
        for (i, g) in src.parcel_group.iter().enumerate() {
            if g.is_none() && !src.is_retired(i) {
                parcels += 1;
                if let Some(n) = status.get_mut(usize::from(statuses[i].status).wrapping_sub(1)) {
                    *n += 1;
                }
            }
        }
        body["not_located"] = json!({
            "parcels": parcels,
            "status": {"1": status[0], "2": status[1], "3": status[2]},
            "conflicts": conflicts,
            "conflicts_by_kind": by_kind,
        });
        body["totals"] = json!({"parcels": src.parcel_count(), "conflicts": src.conflict_count()});
    }
    body
}

/// `/conflicts.csv`: one row per conflict, for officers' spreadsheets (cells through
/// [`crate::report::spreadsheet_cell`]).
pub fn conflicts_csv(src: &Source, cut: &Cut) -> Result<Vec<u8>, ApiError> {
    use crate::report::Cell::{Own, Text};
    let ds = &src.checked.dataset;
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError {
        status: axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        reason: format!("writing CSV: {e}"),
    };
    w.write_record(["id", "kind", "severity", "group", "parcel_ids", "cert_ids", "measure", "detail", "status"])
        .map_err(fail)?;
    for &ci in src.conflict_order() {
        let (ci, c) = (ci as usize, &src.conflicts()[ci as usize]);
        if !cut.admits(src.conflict_group[ci]) {
            continue;
        }
        let pids: Vec<&str> = c.parcels.iter().map(|&i| ds.parcels[i].id.as_str()).collect();
        let cids: Vec<&str> = c.certificates.iter().map(|&i| ds.certificates.id(i)).collect();
        crate::report::write_spreadsheet_record(
            &mut w,
            &[
                Own(src.conflict_ids[ci].as_str()),
                Own(c.kind.as_str()),
                Own(c.kind.severity().as_str()),
                Text(src.conflict_group[ci].map_or("", |g| src.groups[g as usize].name.as_str())),
                Text(&pids.join(";")),
                Text(&cids.join(";")),
                Own(&c.measure.map(|m| m.to_string()).unwrap_or_default()),
                Text(src.public_detail(ci).unwrap_or("")),
                Own(src.review(ci).as_str()),
            ],
        )
        .map_err(fail)?;
    }
    w.into_inner().map_err(|e| ApiError {
        status: axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        reason: format!("writing CSV: {e}"),
    })
}
