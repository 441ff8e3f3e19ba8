//! The rules: each conflict kind of the contract in its own module, and the parcels' campaign status.
//!
//! [`reconcile`] runs them in order. Geometric rules ([`overlap`], [`gap`], [`validity`]) and numbering
//! ([`numbering`]) look at the map alone; [`linking`] points each certificate at its parcel, and the
//! certificate rules ([`split`], [`duplicate_certificate`], [`unmatched`], [`without_certificate`],
//! [`area_mismatch`]) work from those links. National parcel codes ([`parcel_code`]) are checked where the
//! parcels carry them. Holder linkage ([`crate::linkage::holders`]: the three
//! `holder_*` kinds, against the population register) adds its conflicts to the same list before [`status`]
//! classifies the parcels.

pub mod area_mismatch;
pub mod duplicate_certificate;
pub mod gap;
pub mod holders;
pub mod linking;
pub mod numbering;
pub mod overlap;
pub mod parcel_code;
pub mod split;
pub mod status;
pub mod unmatched;
pub mod validity;
pub mod without_certificate;

use std::time::Instant;

use serde::Serialize;

use crate::conflict::Conflict;
use crate::dataset::Dataset;
use crate::index::ParcelIndex;
pub use linking::Links;
pub use status::ParcelStatus;

/// Counters of the overlap search, for the summary and the benchmarks.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct OverlapStats {
    /// Pairs of parcels whose envelopes meet.
    pub candidate_pairs: u64,
    /// Rejected because the envelopes' common box is smaller than the tolerance.
    pub rejected_by_envelope: u64,
    /// Rejected by the exact touching test (shared edges, no overlay).
    pub rejected_as_touching: u64,
    /// Pairs that needed the full polygon overlay.
    pub overlays: u64,
}

/// Everything the rules found.
#[derive(Debug, Clone)]
pub struct Reconciliation {
    /// Sorted by kind, then parcel ids, then certificate ids.
    pub conflicts: Vec<Conflict>,
    pub(crate) links: Links,
    /// Per parcel, in the dataset's order.
    pub statuses: Vec<ParcelStatus>,
    pub(crate) overlap_stats: OverlapStats,
    /// Rules that did not run, and why.
    pub skipped_rules: Vec<String>,
    /// Certificates with an area whose parcel has no mapped area: not compared by `area_mismatch`.
    pub area_not_compared: Vec<usize>,
    /// Holder linkage against the register; None when the dataset has no citizens.csv.
    pub holders: Option<crate::linkage::holders::Linkage>,
    pub(crate) timings: Vec<(String, f64)>,
}

/// Runs every rule on a loaded dataset.
pub fn reconcile(ds: &Dataset, index: &ParcelIndex, progress: &indicatif::ProgressBar) -> Reconciliation {
    run(ds, || {
        let (found, stats, timings) = map_rules(ds, index, gap::OpenEdges::new(&ds.parcels), progress);
        ((), found, stats, timings)
    })
    .1
}

/// Builds the spatial index and runs every rule. The geometric side (index, then the overlap search) and the
/// certificate side run at the same time, so that each fills the other's serial stretches. Timings include
/// `index`.
pub fn index_and_reconcile(ds: &Dataset, progress: &indicatif::ProgressBar) -> (ParcelIndex, Reconciliation) {
    run(ds, || {
        let t = Instant::now();
        // The R-tree's bulk load is one thread's work: the gap rule numbers the edges meanwhile.
        let (index, open) = rayon::join(|| ParcelIndex::build(&ds.parcels), || gap::OpenEdges::new(&ds.parcels));
        let mut timings = vec![("index".to_string(), t.elapsed().as_secs_f64())];
        let (found, stats, more) = map_rules(ds, &index, open, progress);
        timings.extend(more);
        (index, found, stats, timings)
    })
}

/// The rules that need the spatial index: the overlap search, which also marks the open edges (`open`: every
/// parcel's edges numbered, none marked yet), then the gaps.
fn map_rules(
    ds: &Dataset,
    index: &ParcelIndex,
    open: gap::OpenEdges,
    progress: &indicatif::ProgressBar,
) -> (Vec<Conflict>, OverlapStats, Timings) {
    let tol = ds.config.tolerances;
    let t = Instant::now();
    let parcels = &ds.parcels;
    let (mut found, stats, _) =
        overlap::find_and_visit(parcels, index, tol.overlap_min_area_m2, progress, |i, near, _: &mut Vec<()>| {
            open.visit(parcels, i, near)
        });
    let mut timings = vec![("overlap".to_string(), t.elapsed().as_secs_f64())];
    let t = Instant::now();
    found.extend(gap::find(parcels, index, &open.collect(parcels), gap::Limits::of(&tol)));
    timings.push(("gap".to_string(), t.elapsed().as_secs_f64()));
    (found, stats, timings)
}

type Timings = Vec<(String, f64)>;

/// Runs `geometric` (the overlap search, returning something of its own too) alongside every other rule.
fn run<T: Send>(
    ds: &Dataset,
    geometric: impl FnOnce() -> (T, Vec<Conflict>, OverlapStats, Timings) + Send,
) -> (T, Reconciliation) {
    let tol = ds.config.tolerances;
    let (
        (extra, overlaps, overlap_stats, mut timings),
        (others, links, (skipped_rules, area_not_compared), other_timings, holders, attribute_matches),
    ) = rayon::join(geometric, || {
        let mut timings = Vec::new();
        let mut clock = Instant::now();
        let mut lap = |name: &str, timings: &mut Timings| {
            timings.push((name.to_string(), clock.elapsed().as_secs_f64()));
            clock = Instant::now();
        };
        let mut conflicts = Vec::new();
        conflicts.extend(validity::find(&ds.parcels));
        conflicts.extend(numbering::find(&ds.parcels));
        lap("validity_numbering", &mut timings);
        if ds.has_parcel_codes {
            conflicts.extend(parcel_code::find(&ds.parcels, &ds.frame));
            lap("parcel_code", &mut timings);
        }

        let certs = &ds.certificates;
        let links = linking::link(&ds.parcels, certs);
        let splits = split::find(&ds.parcels, certs, &links, tol.split_area_ratio);
        let duplicates = duplicate_certificate::find(&ds.parcels, certs, &links, &splits, tol.area_mismatch_ratio);
        let explained: std::collections::HashSet<usize> =
            splits.iter().chain(duplicates.iter()).flat_map(|c| c.certificates.iter().copied()).collect();
        conflicts.extend(area_mismatch::find(&ds.parcels, certs, &links, &explained, tol.area_mismatch_ratio));
        let area_not_compared = area_mismatch::not_compared(&ds.parcels, certs, &links, &explained);
        conflicts.extend(splits);
        conflicts.extend(duplicates);
        conflicts.extend(unmatched::find(&ds.parcels, certs, &links));
        // An empty certificates file means the certificates are not in yet: flagging every parcel would
        // bury the map's own defects, so the rule waits for them.
        let mut skipped_rules = Vec::new();
        if certs.absent_columns.contains(&"area") && !certs.is_empty() {
            skipped_rules.push(format!(
                "area_mismatch, duplicate_certificate: certificates.csv has no `{}` column (area)",
                ds.config.columns.certificate("area")
            ));
        }
        if certs.is_empty() {
            skipped_rules.push("parcel_without_certificate: certificates.csv has no rows".to_string());
        } else {
            conflicts.extend(without_certificate::find(&ds.parcels, &links, &ds.config.rules.no_certificate_land_use));
        }
        lap("certificates", &mut timings);

        // Holder linkage needs the certificate links, not the map: it runs beside the overlap search too.
        let mut attribute_matches = Vec::new();
        let linkage = match (&ds.linkage, &ds.register) {
            (Some(stored), _) => Some(stored.clone()),
            (None, Some(register)) => Some(crate::linkage::holders::link(certs, register)),
            (None, None) => None,
        };
        let holders = match linkage {
            Some(linkage) => {
                conflicts.extend(holders::conflicts(certs, &links, &linkage));
                for p in holders::matched_by_attributes(certs, &links, &linkage) {
                    attribute_matches.push((p, 2, status::MATCHED_BY_ATTRIBUTES));
                }
                Some(linkage)
            }
            None => {
                skipped_rules.push("holder linkage: the dataset has no citizens.csv".to_string());
                None
            }
        };
        lap("holders", &mut timings);
        (conflicts, links, (skipped_rules, area_not_compared), timings, holders, attribute_matches)
    });
    timings.extend(other_timings);
    let mut conflicts = overlaps;
    conflicts.extend(others);

    let t = Instant::now();
    sort_conflicts(&mut conflicts, ds);
    let statuses = status::classify(ds.parcels.len(), &conflicts, &attribute_matches);
    timings.push(("status".to_string(), t.elapsed().as_secs_f64()));
    let reconciliation = Reconciliation {
        conflicts,
        links,
        statuses,
        overlap_stats,
        skipped_rules,
        area_not_compared,
        holders,
        timings,
    };
    (extra, reconciliation)
}

/// Orders parcel and certificate lists by id, and conflicts by (kind, parcel ids, certificate ids).
pub(crate) fn sort_conflicts(conflicts: &mut [Conflict], ds: &Dataset) {
    let pid = |i: &usize| ds.parcels[*i].id.as_str();
    let cid = |i: &usize| ds.certificates.id(*i);
    for c in conflicts.iter_mut() {
        c.parcels.sort_by(|a, b| pid(a).cmp(pid(b)));
        c.parcels.dedup();
        c.certificates.sort_by(|a, b| cid(a).cmp(cid(b)));
        c.certificates.dedup();
    }
    conflicts.sort_by(|a, b| conflict_order(a, b, ds));
}

/// The order of the report's conflicts: by kind, then parcel ids, then certificate ids (each conflict's lists
/// already in id order).
pub(crate) fn conflict_order(a: &Conflict, b: &Conflict, ds: &Dataset) -> std::cmp::Ordering {
    let pid = |i: &usize| ds.parcels[*i].id.as_str();
    let cid = |i: &usize| ds.certificates.id(*i);
    a.kind
        .cmp(&b.kind)
        .then_with(|| a.parcels.iter().map(pid).cmp(b.parcels.iter().map(pid)))
        .then_with(|| a.certificates.iter().map(cid).cmp(b.certificates.iter().map(cid)))
}

#[cfg(test)]
pub(crate) mod tests {
    //! Small builders for the rules' unit tests.
    use geo::orient::{Direction, Orient};
    use geo::{Area, BoundingRect, LineString, MultiPolygon, Polygon};

    use crate::dataset::certificates::{CertificateRow, Certificates, CertificatesBuilder};
    use crate::dataset::Parcel;

    /// A valid parcel with a planar polygon (area scale 1).
    pub fn parcel(id: &str, ring: &[(f64, f64)]) -> Parcel {
        let g = MultiPolygon(vec![Polygon::new(LineString::from(ring.to_vec()), vec![])]).orient(Direction::Default);
        Parcel {
            id: id.into(),
            area_m2: Some(g.unsigned_area()),
            bbox: g.bounding_rect(),
            geometry: Some(g),
            ..Parcel::blank(0)
        }
    }

    /// A parcel known by its number and mapped area: a square of that area.
    pub fn numbered(id: &str, commune: Option<&str>, sheet: i64, no: i64, area: f64) -> Parcel {
        let s = area.sqrt();
        let mut p = parcel(id, &[(0., 0.), (s, 0.), (s, s), (0., s)]);
        p.commune = commune.map(Into::into);
        p.sheet = Some(sheet);
        p.parcel_no = Some(no);
        p.area_m2 = Some(area);
        p
    }

    /// A certificate row: (id, commune, sheet, parcel number as written, area).
    pub type Row = (&'static str, Option<&'static str>, Option<i64>, &'static str, Option<f64>);

    pub fn cert(
        id: &'static str,
        commune: Option<&'static str>,
        sheet: Option<i64>,
        no: &'static str,
        area: Option<f64>,
    ) -> Row {
        (id, commune, sheet, no, area)
    }

    /// A certificates table of one holder row per certificate.
    pub fn table(rows: Vec<Row>) -> Certificates {
        let mut b = CertificatesBuilder::default();
        for (i, (id, commune, sheet, no, area)) in rows.into_iter().enumerate() {
            let row = CertificateRow {
                cert_id: id,
                commune: commune.unwrap_or(""),
                sheet,
                parcel_no: no,
                area,
                issued: "2010",
                ..CertificateRow::default()
            };
            b.push_row(&row, i as u32 + 2).unwrap();
        }
        b.finish()
    }
}
