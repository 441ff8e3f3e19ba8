//! Point look-up for field teams: the parcel under a GPS fix and every other parcel within the fix's
//! accuracy radius, ranked by distance, in the dataset's planar metric frame (metres).

use geo::{Distance, Euclidean, Point};
use serde::Serialize;
use serde_json::Value;

use super::error::ApiError;
use super::source::Source;
use crate::conflict::Severity;
use crate::review::ReviewStatus;
use crate::tiles::Cut;

/// Distance in metres from a planar point to parcel `i` (0 inside it); None without geometry.
fn distance(src: &Source, i: usize, at: Point<f64>) -> Option<f64> {
    let g = src.parcels()[i].geometry.as_ref()?;
    g.0.iter().map(|p| Euclidean.distance(&at, p)).reduce(f64::min)
}

/// A certificate's summary (ids, area, status: no personal data). Fields in alphabetical order, as the JSON
/// has always had them.
#[derive(Serialize)]
struct CertSummary<'a> {
    area_m2: Option<f64>,
    conflict_ids: Vec<&'a str>,
    id: &'a str,
    status: &'static str,
}

#[derive(Serialize)]
struct ConflictSummary<'a> {
    id: &'a str,
    kind: &'static str,
    severity: Severity,
    /// The review status (open unless served from the store and reviewed).
    status: ReviewStatus,
}

/// A parcel's summary: ids, status, certificates (ids, areas, status only) and open conflicts.
#[derive(Serialize)]
struct ParcelSummary<'a> {
    area_m2: Option<f64>,
    certificates: Vec<CertSummary<'a>>,
    conflicts: Vec<ConflictSummary<'a>>,
    distance_m: f64,
    group: Option<&'a str>,
    id: &'a str,
    land_use: Option<&'a str>,
    /// The national parcel code as the data carry it.
    parcel_code: Option<&'a str>,
    parcel_no: Option<i64>,
    reasons: String,
    sheet: Option<i64>,
    status: u8,
}

/// The look-up's answer, serialised straight to bytes (no `serde_json::Value` in between).
#[derive(Serialize)]
struct Answer<'a> {
    accuracy_m: f64,
    ambiguous: bool,
    lat: f64,
    lon: f64,
    nearby: Vec<ParcelSummary<'a>>,
    parcel: Option<ParcelSummary<'a>>,
    reason: Option<String>,
}

/// Parcel `i`'s certificates: ids, areas and status only (no holders), with the conflicts each is in.
fn cert_summaries(src: &Source, i: usize) -> Vec<CertSummary<'_>> {
    let ds = &src.checked.dataset;
    src.checked
        .reconciliation
        .links
        .certs_of(i)
        .iter()
        .map(|&c| {
            let c = c as usize;
            let conflict_ids: Vec<&str> =
                src.cert_conflicts[c].iter().map(|&k| src.conflict_ids[k as usize].as_str()).collect();
            CertSummary {
                area_m2: ds.certificates.certificates[c].area,
                status: if conflict_ids.is_empty() { "ok" } else { "in_conflict" },
                conflict_ids,
                id: ds.certificates.id(c),
            }
        })
        .collect()
}

/// Parcel `i`'s certificates as JSON (the feature API's single parcel item carries them too).
pub fn certificates(src: &Source, i: usize) -> Vec<Value> {
    cert_summaries(src, i).iter().filter_map(|c| serde_json::to_value(c).ok()).collect()
}

fn summary(src: &Source, i: usize, distance_m: f64) -> ParcelSummary<'_> {
    let ds = &src.checked.dataset;
    let rec = &src.checked.reconciliation;
    let p = &ds.parcels[i];
    let s = &rec.statuses[i];
    let certificates = cert_summaries(src, i);
    let conflicts = src.parcel_conflicts[i]
        .iter()
        .map(|&k| {
            let c = &rec.conflicts[k as usize];
            ConflictSummary {
                id: &src.conflict_ids[k as usize],
                kind: c.kind.as_str(),
                severity: c.kind.severity(),
                status: src.review(k as usize),
            }
        })
        .collect();
    ParcelSummary {
        area_m2: p.area_m2.map(|a| (a * 100.0).round() / 100.0),
        certificates,
        conflicts,
        distance_m: (distance_m * 100.0).round() / 100.0,
        group: p.group.as_deref(),
        id: p.id.as_str(),
        land_use: p.land_use.as_deref(),
        parcel_code: p.code.as_deref(),
        parcel_no: p.parcel_no,
        reasons: s.reasons_text(),
        sheet: p.sheet,
        status: s.status,
    }
}

fn answer<'a>(src: &'a Source, lon: f64, lat: f64, accuracy: f64, cut: &Cut) -> Result<Answer<'a>, ApiError> {
    let (x, y) = src
        .checked
        .dataset
        .frame
        .from_wgs84(lon, lat)
        .map_err(|e| ApiError::bad_request(format!("cannot place ({lon}, {lat}) on the map: {e}")))?;
    if !x.is_finite() || !y.is_finite() {
        return Err(ApiError::bad_request(format!("cannot place ({lon}, {lat}) on the map")));
    }
    let at = Point::new(x, y);
    let mut hits: Vec<(f64, usize)> = src
        .checked
        .index
        .intersecting([x - accuracy, y - accuracy], [x + accuracy, y + accuracy])
        // A parcel outside the caller's groups is not there, not even as "nearby".
        .filter(|&i| cut.admits(src.parcel_group[i]))
        .filter_map(|i| Some((distance(src, i, at)?, i)))
        .filter(|(d, _)| *d <= accuracy)
        .collect();
    let parcels = src.parcels();
    hits.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| parcels[a.1].id.cmp(&parcels[b.1].id)));
    let inside = hits.iter().take_while(|(d, _)| *d == 0.0).count();
    let parcel = hits.first().filter(|(d, _)| *d == 0.0).map(|&(d, i)| summary(src, i, d));
    let nearby = hits.iter().skip(usize::from(inside > 0)).map(|&(d, i)| summary(src, i, d)).collect();
    let reason = match (inside, hits.len()) {
        (0, 0) => Some(format!("no parcel within {accuracy} m")),
        (0, n) => Some(format!("the point is on no parcel; {n} within {accuracy} m")),
        (1, 1) => None,
        (1, n) => Some(format!("{} other parcel(s) within the {accuracy} m accuracy radius", n - 1)),
        (k, _) => Some(format!("the point is inside {k} overlapping parcels")),
    };
    Ok(Answer { accuracy_m: accuracy, ambiguous: hits.len() > 1, lat, lon, nearby, parcel, reason })
}

/// The look-up's answer for a point (degrees) and an accuracy radius (metres), among the parcels of `cut`.
pub fn lookup(src: &Source, lon: f64, lat: f64, accuracy: f64, cut: &Cut) -> Result<Value, ApiError> {
    serde_json::to_value(answer(src, lon, lat, accuracy, cut)?)
        .map_err(|e| ApiError::bad_request(format!("cannot answer ({lon}, {lat}): {e}")))
}

/// The look-up's answer as the JSON bytes served (the same document as [`lookup`], keys in the same order).
pub fn lookup_bytes(src: &Source, lon: f64, lat: f64, accuracy: f64, cut: &Cut) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(&answer(src, lon, lat, accuracy, cut)?)
        .map_err(|e| ApiError::bad_request(format!("cannot answer ({lon}, {lat}): {e}")))
}
