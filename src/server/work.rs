//! `GET /work`: a residential group's work list, what one team goes through. Every conflict of the group
//! (an `unmatched_certificate` counts in the group of its best candidate parcel, see [`Source::new`]) and every
//! parcel of status 2 or 3 that no conflict leads to (e.g. a holder matched only by attributes), filtered by
//! kind (`parcel` for the parcel entries), severity, parcel status and review state, searched by sheet/number or id, sorted, paged; with the
//! group's progress (how many of its conflicts are reviewed). `?not_located=true` lists what belongs to no
//! group (officers and admins only). No personal data: the entries carry what tiles and features carry.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::error::ApiError;
use super::features::{bbox_json, group_param};
use super::params::Params;
use super::source::Source;
use crate::conflict::{Kind, Severity};
use crate::review::{status_names, ReviewStatus};
use crate::tiles::Cut;

/// Entries per page unless `limit` says otherwise, and the most one page may hold.
pub const DEFAULT_LIMIT: usize = 50;
/// See [`DEFAULT_LIMIT`].
pub const MAX_LIMIT: usize = 1000;

/// One line of a work list: a conflict, or a parcel needing work that no conflict names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    Conflict(usize),
    Parcel(usize),
}

/// The filters of one request, each `None` when absent (everything passes).
struct Filter {
    /// Conflict kinds, and whether parcel entries pass (`kind=parcel`).
    kinds: Option<(Vec<Kind>, bool)>,
    severities: Option<Vec<Severity>>,
    statuses: Option<Vec<u8>>,
    reviews: Option<Vec<ReviewStatus>>,
    /// Folded search words (see [`crate::vntext::fold`]).
    query: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sort {
    /// Errors first, then by sheet and number.
    Severity,
    /// By sheet and number (naturally: 2 before 10).
    Number,
    /// By kind, then by sheet and number.
    Kind,
    /// Open first, then acknowledged, resolved, waived; parcels last.
    Review,
}

fn list<T>(
    params: &Params,
    name: &str,
    parse: impl Fn(&str) -> Option<T>,
    allowed: &str,
) -> Result<Option<Vec<T>>, ApiError> {
    let Some(v) = params.get(name) else { return Ok(None) };
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            parse(s).ok_or_else(|| ApiError::bad_request(format!("parameter `{name}`: `{s}` is not one of {allowed}")))
        })
        .collect::<Result<Vec<T>, ApiError>>()
        .map(Some)
}

impl Filter {
    fn parse(params: &Params) -> Result<Filter, ApiError> {
        let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        let kinds = list(
            params,
            "kind",
            |s| if s == "parcel" { Some(None) } else { Kind::parse(s).map(Some) },
            &format!("{}, parcel", kinds.join(", ")),
        )?;
        Ok(Filter {
            kinds: kinds.map(|ks| (ks.iter().flatten().copied().collect(), ks.iter().any(Option::is_none))),
            severities: list(
                params,
                "severity",
                |s| match s {
                    "error" => Some(Severity::Error),
                    "warning" => Some(Severity::Warning),
                    _ => None,
                },
                "error, warning",
            )?,
            statuses: list(params, "status", |s| s.parse::<u8>().ok().filter(|n| (1..=3).contains(n)), "1, 2, 3")?,
            reviews: list(params, "review", ReviewStatus::parse, &status_names())?,
            query: params.get("q").map(crate::vntext::fold).map(|q| q.trim().to_string()).filter(|q| !q.is_empty()),
        })
    }
}

fn parse_sort(params: &Params) -> Result<Sort, ApiError> {
    match params.get("sort").unwrap_or("severity") {
        "severity" => Ok(Sort::Severity),
        "number" => Ok(Sort::Number),
        "kind" => Ok(Sort::Kind),
        "review" => Ok(Sort::Review),
        other => Err(ApiError::bad_request(format!(
            "parameter `sort`: `{other}` is not one of severity, number, kind, review"
        ))),
    }
}

/// The parcel an entry is shown at: a conflict's first parcel, else its best candidate.
fn primary_parcel(src: &Source, e: Entry) -> Option<usize> {
    match e {
        Entry::Parcel(i) => Some(i),
        Entry::Conflict(ci) => src.conflicts()[ci].located_at(),
    }
}

/// The (sheet, number) an entry sorts by: its parcel's, else its first certificate's.
fn number_key(src: &Source, e: Entry) -> (i64, i64) {
    let ds = &src.checked.dataset;
    if let Entry::Conflict(ci) = e {
        let c = &src.conflicts()[ci];
        if c.parcels.is_empty() {
            if let Some(cert) = c.certificates.first().and_then(|&k| ds.certificates.certificates.get(k)) {
                return (cert.sheet.unwrap_or(i64::MAX), cert.parcel_base.unwrap_or(i64::MAX));
            }
        }
    }
    match primary_parcel(src, e).map(|i| &ds.parcels[i]) {
        Some(p) => (p.sheet.unwrap_or(i64::MAX), p.parcel_no.unwrap_or(i64::MAX)),
        None => (i64::MAX, i64::MAX),
    }
}

fn severity_rank(src: &Source, e: Entry) -> u8 {
    match e {
        Entry::Conflict(ci) => match src.conflicts()[ci].kind.severity() {
            Severity::Error => 0,
            Severity::Warning => 1,
        },
        Entry::Parcel(_) => 2,
    }
}

fn review_rank(src: &Source, e: Entry) -> usize {
    match e {
        Entry::Conflict(ci) => ReviewStatus::ALL.iter().position(|r| *r == src.review(ci)).unwrap_or(0),
        Entry::Parcel(_) => ReviewStatus::ALL.len(),
    }
}

fn kind_rank(src: &Source, e: Entry) -> usize {
    match e {
        Entry::Conflict(ci) => Kind::ALL.iter().position(|k| *k == src.conflicts()[ci].kind).unwrap_or(0),
        Entry::Parcel(_) => Kind::ALL.len(),
    }
}

fn compare(src: &Source, sort: Sort, a: Entry, b: Entry) -> Ordering {
    let by_number = || number_key(src, a).cmp(&number_key(src, b));
    let first = match sort {
        Sort::Severity => severity_rank(src, a).cmp(&severity_rank(src, b)),
        Sort::Number => Ordering::Equal,
        Sort::Kind => kind_rank(src, a).cmp(&kind_rank(src, b)),
        Sort::Review => review_rank(src, a).cmp(&review_rank(src, b)),
    };
    first.then_with(by_number).then_with(|| entry_order(a).cmp(&entry_order(b)))
}

/// A total order tie-break: conflicts in the reconciliation's order, then parcels in dataset order.
fn entry_order(e: Entry) -> (u8, usize) {
    match e {
        Entry::Conflict(ci) => (0, ci),
        Entry::Parcel(i) => (1, i),
    }
}

/// The texts an entry is found by: ids, `sheet/number` of its parcels and certificates.
fn matches_query(src: &Source, e: Entry, q: &str) -> bool {
    let ds = &src.checked.dataset;
    let parcel_hit = |i: usize| {
        let p = &ds.parcels[i];
        let label = format!(
            "{}/{}",
            p.sheet.map_or(String::new(), |s| s.to_string()),
            p.parcel_no.map_or(String::new(), |n| n.to_string())
        );
        label == q || crate::vntext::fold(&p.id).contains(q)
    };
    match e {
        Entry::Parcel(i) => parcel_hit(i),
        Entry::Conflict(ci) => {
            let c = &src.conflicts()[ci];
            crate::vntext::fold(&src.conflict_ids[ci]).contains(q)
                || c.parcels.iter().any(|&i| parcel_hit(i))
                || c.candidates.first().is_some_and(|k| parcel_hit(k.parcel))
                || c.certificates.iter().any(|&k| crate::vntext::fold(ds.certificates.id(k)).contains(q))
        }
    }
}

fn passes(src: &Source, f: &Filter, e: Entry) -> bool {
    let statuses = &src.checked.reconciliation.statuses;
    let status = primary_parcel(src, e).map(|i| statuses[i].status);
    let (kind, review) = match e {
        Entry::Conflict(ci) => (Some(src.conflicts()[ci].kind), Some(src.review(ci))),
        Entry::Parcel(_) => (None, None),
    };
    f.kinds.as_ref().is_none_or(|(ks, parcels)| kind.map_or(*parcels, |k| ks.contains(&k)))
        && f.severities.as_ref().is_none_or(|ss| kind.is_some_and(|k| ss.contains(&k.severity())))
        && f.statuses.as_ref().is_none_or(|ss| status.is_some_and(|s| ss.contains(&s)))
        && f.reviews.as_ref().is_none_or(|rs| review.is_some_and(|r| rs.contains(&r)))
        && f.query.as_deref().is_none_or(|q| matches_query(src, e, q))
}

fn entry_json(src: &Source, e: Entry) -> Value {
    let ds = &src.checked.dataset;
    let statuses = &src.checked.reconciliation.statuses;
    let primary = primary_parcel(src, e);
    let parcel = primary.map(|i| {
        let p = &ds.parcels[i];
        json!({"id": p.id.as_str(), "sheet": p.sheet, "parcel_no": p.parcel_no, "status": statuses[i].status, "land_use": p.land_use.as_deref()})
    });
    let bbox =
        primary.and_then(|i| src.parcel_geometry[i].as_ref()).and_then(geo::BoundingRect::bounding_rect).map(bbox_json);
    match e {
        Entry::Parcel(i) => json!({
            "type": "parcel",
            "id": ds.parcels[i].id.as_str(),
            "kind": null,
            "severity": null,
            "review": null,
            "parcel": parcel,
            "reasons": statuses[i].reasons_text(),
            "bbox": bbox,
        }),
        Entry::Conflict(ci) => {
            let c = &src.conflicts()[ci];
            let cids: Vec<&str> = c.certificates.iter().map(|&k| ds.certificates.id(k)).collect();
            let pids: Vec<&str> = c.parcels.iter().map(|&i| ds.parcels[i].id.as_str()).collect();
            let drawn = src.conflict_drawing(ci).and_then(|g| geo::BoundingRect::bounding_rect(&g)).map(bbox_json);
            json!({
                "type": "conflict",
                "id": src.conflict_ids[ci],
                "kind": c.kind.as_str(),
                "severity": c.kind.severity().as_str(),
                "review": src.review(ci).as_str(),
                "parcel": parcel,
                "located_by": if c.parcels.is_empty() && primary.is_some() { "candidate" } else if primary.is_some() { "parcel" } else { "none" },
                "parcel_ids": pids,
                "cert_ids": cids,
                "measure": c.measure.filter(|m| m.is_finite()),
                "detail": src.public_detail(ci),
                "bbox": drawn.or(bbox),
            })
        }
    }
}

/// The entries of the work list the request names, in list order before filtering: `Ok(None)` for the whole
/// of `cut`.
fn entries(src: &Source, cut: &Cut, group: Option<Option<u32>>) -> Vec<Entry> {
    let in_list = |g: Option<u32>| match group {
        Some(want) => g == want && cut.admits(g),
        None => cut.admits(g),
    };
    let statuses = &src.checked.reconciliation.statuses;
    let conflicts = src
        .conflict_order()
        .iter()
        .map(|&ci| ci as usize)
        .filter(|&ci| in_list(src.conflict_group[ci]))
        .map(Entry::Conflict);
    let parcels = src
        .parcels_served()
        .filter(|&i| statuses[i].status >= 2 && src.parcel_conflicts[i].is_empty() && in_list(src.parcel_group[i]))
        .map(Entry::Parcel);
    conflicts.chain(parcels).collect()
}

/// `GET /work`: see the module's documentation. `own` is what the caller may see ([`super::scope::own`]).
pub fn work(src: &Source, own: &Cut, params: &Params) -> Result<Value, ApiError> {
    let not_located = match params.get("not_located") {
        None | Some("false") => false,
        Some("true") => true,
        Some(v) => return Err(ApiError::bad_request(format!("parameter `not_located`: `{v}` is not true or false"))),
    };
    let group = group_param(src, params)?;
    if not_located && group.is_some() {
        return Err(ApiError::bad_request("parameters `group` and `not_located=true` exclude each other"));
    }
    if not_located && !matches!(own, Cut::All) {
        return Err(ApiError::forbidden("the list of what belongs to no group is for officers and admins"));
    }
    if let Some(g) = group {
        if !own.admits(Some(g)) {
            return Err(ApiError::forbidden(format!(
                "group `{}` is not one of your groups",
                src.groups[g as usize].name
            )));
        }
    }
    let filter = Filter::parse(params)?;
    let sort = parse_sort(params)?;
    let limit = params.count("limit", MAX_LIMIT)?.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 {
        return Err(ApiError::bad_request("parameter `limit`: ask for 1 or more"));
    }
    let offset = params.count("offset", usize::MAX)?.unwrap_or(0);

    let which = if not_located { Some(None) } else { group.map(Some) };
    let all = entries(src, own, which);
    let conflicts = all.iter().filter(|e| matches!(e, Entry::Conflict(_))).count();
    // Counts over the whole list (not the filtered part): every review state, the kinds present.
    let mut by_review: BTreeMap<&str, usize> = ReviewStatus::ALL.iter().map(|r| (r.as_str(), 0)).collect();
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &all {
        if let Entry::Conflict(ci) = *e {
            *by_review.entry(src.review(ci).as_str()).or_default() += 1;
            *by_kind.entry(src.conflicts()[ci].kind.as_str()).or_default() += 1;
        }
    }
    let reviewed = conflicts - by_review.get("open").copied().unwrap_or(0);
    let mut matched: Vec<Entry> = all.iter().copied().filter(|&e| passes(src, &filter, e)).collect();
    matched.sort_by(|&a, &b| compare(src, sort, a, b));
    let items: Vec<Value> = matched.iter().skip(offset).take(limit).map(|&e| entry_json(src, e)).collect();
    Ok(json!({
        "group": group.map(|g| src.groups[g as usize].name.as_str()),
        "not_located": not_located,
        "total": all.len(),
        "matched": matched.len(),
        "offset": offset,
        "limit": limit,
        "returned": items.len(),
        "progress": {
            "conflicts": conflicts,
            "reviewed": reviewed,
            "parcels": all.len() - conflicts,
            "by_review": by_review,
            "by_kind": by_kind,
        },
        "items": items,
    }))
}
