//! `overlap`: two valid parcels whose common area on the ground exceeds `overlap_min_area_m2`.
//!
//! Candidate pairs come from the R-tree (envelopes that meet). Most are neighbours that touch along shared
//! edges; they are rejected in two cheap steps before any overlay: the common box of the two envelopes is too
//! small to hold the tolerance, or [`crate::topology::interiors_disjoint`] proves that the interiors do not
//! meet. Only the remaining pairs get geo's exact polygon intersection. Both cores share the work (rayon).

use std::sync::atomic::{AtomicU64, Ordering};

use geo::{Area, BooleanOps, MultiPolygon};
use rayon::prelude::*;
use smallvec::SmallVec;

use super::OverlapStats;
use crate::conflict::{Conflict, ConflictGeometry, Kind};
use crate::dataset::Parcel;
use crate::index::ParcelIndex;
use crate::topology::{interiors_disjoint, interiors_disjoint_in_boxes};

/// Share of the smaller parcel above which an overlap is a near-duplicate (the same plot digitised twice).
pub const NEAR_DUPLICATE_SHARE: f64 = 0.9;

/// Finds every overlap above `min_area` (m2 on the ground).
pub fn find(
    parcels: &[Parcel],
    index: &ParcelIndex,
    min_area: f64,
    progress: &indicatif::ProgressBar,
) -> (Vec<Conflict>, OverlapStats) {
    let (found, stats, _) = find_and_visit(parcels, index, min_area, progress, |_, _, _: &mut Vec<()>| {});
    (found, stats)
}

/// What the walk over the parcels and their neighbours collects: a conflict, or what the visitor adds. The
/// conflict is boxed: conflicts are rare and large, visits (a gap's open edges) many and small, and the walk
/// collects one item per visit.
enum Item<T> {
    Found(Box<Conflict>),
    Visited(T),
}

/// [`find`], and on the way `visit(i, neighbours, out)` for every parcel with its neighbours (every other
/// parcel whose envelope meets its own): rules that look at a parcel's neighbourhood share the one R-tree query.
/// What the visitor pushes comes back in parcel order.
pub fn find_and_visit<T: Send>(
    parcels: &[Parcel],
    index: &ParcelIndex,
    min_area: f64,
    progress: &indicatif::ProgressBar,
    visit: impl Fn(usize, &[usize], &mut Vec<T>) + Sync,
) -> (Vec<Conflict>, OverlapStats, Vec<T>) {
    let candidate_pairs = AtomicU64::new(0);
    let by_envelope = AtomicU64::new(0);
    let touching = AtomicU64::new(0);
    let overlays = AtomicU64::new(0);
    progress.set_length(parcels.len() as u64);
    let items: Vec<Item<T>> = (0..parcels.len())
        .into_par_iter()
        .with_min_len(256)
        .flat_map_iter(|i| {
            progress.inc(1);
            let mut out = Vec::new();
            let a = &parcels[i];
            let Some(ra) = a.bbox else { return out.into_iter() };
            let near: SmallVec<[usize; 32]> =
                index.intersecting([ra.min().x, ra.min().y], [ra.max().x, ra.max().y]).filter(|&j| j != i).collect();
            if a.geometry.is_some() && a.is_valid() {
                let (mut pairs, mut env, mut touch, mut over) = (0, 0, 0, 0);
                for &j in &near {
                    if j <= i {
                        continue;
                    }
                    match pair(parcels, i, j, min_area) {
                        Pair::NotCandidates => {}
                        Pair::ByEnvelope => (pairs, env) = (pairs + 1, env + 1),
                        Pair::Touching => (pairs, touch) = (pairs + 1, touch + 1),
                        Pair::Overlay(found) => {
                            (pairs, over) = (pairs + 1, over + 1);
                            out.extend(found.map(|c| Item::Found(Box::new(c))));
                        }
                    }
                }
                candidate_pairs.fetch_add(pairs, Ordering::Relaxed);
                by_envelope.fetch_add(env, Ordering::Relaxed);
                touching.fetch_add(touch, Ordering::Relaxed);
                overlays.fetch_add(over, Ordering::Relaxed);
            }
            // After the pairs: the neighbours' geometry is in the cache now.
            let mut visited = Vec::new();
            visit(i, &near, &mut visited);
            out.extend(visited.into_iter().map(Item::Visited));
            out.into_iter()
        })
        .collect();
    let stats = OverlapStats {
        candidate_pairs: candidate_pairs.into_inner(),
        rejected_by_envelope: by_envelope.into_inner(),
        rejected_as_touching: touching.into_inner(),
        overlays: overlays.into_inner(),
    };
    let (mut found, mut visited) = (Vec::new(), Vec::new());
    for item in items {
        match item {
            Item::Found(c) => found.push(*c),
            Item::Visited(t) => visited.push(t),
        }
    }
    (found, stats, visited)
}

/// What the test of one pair of parcels came to.
pub(crate) enum Pair {
    /// One of them is invalid or has no geometry.
    NotCandidates,
    /// Rejected by the envelopes' common box.
    ByEnvelope,
    /// Rejected by the exact touching test.
    Touching,
    /// Overlaid: the conflict when the common area exceeds the tolerance.
    Overlay(Option<Conflict>),
}

/// Tests parcels `i` and `j` (`i < j`; their envelopes meet): the search's work for one candidate pair.
pub(crate) fn pair(parcels: &[Parcel], i: usize, j: usize, min_area: f64) -> Pair {
    let (a, b) = (&parcels[i], &parcels[j]);
    let (Some(ga), true, Some(ra)) = (&a.geometry, a.is_valid(), a.bbox) else { return Pair::NotCandidates };
    let (Some(gb), true, Some(rb)) = (&b.geometry, b.is_valid(), b.bbox) else { return Pair::NotCandidates };
    let scale = (a.area_scale + b.area_scale) / 2.0;
    let w = ra.max().x.min(rb.max().x) - ra.min().x.max(rb.min().x);
    let h = ra.max().y.min(rb.max().y) - ra.min().y.max(rb.min().y);
    if w.max(0.0) * h.max(0.0) * scale <= min_area {
        return Pair::ByEnvelope;
    }
    let disjoint = match (&ga.0[..], &gb.0[..]) {
        // A single polygon's box is the parcel's.
        ([pa], [pb]) => interiors_disjoint_in_boxes(pa, &ra, pb, &rb),
        _ => ga.0.iter().all(|pa| gb.0.iter().all(|pb| interiors_disjoint(pa, pb))),
    };
    if disjoint {
        return Pair::Touching;
    }
    let common: MultiPolygon<f64> = ga.intersection(gb);
    let area = common.unsigned_area() * scale;
    Pair::Overlay((area > min_area).then(|| conflict(i, j, a, b, common, area)))
}

fn conflict(i: usize, j: usize, a: &Parcel, b: &Parcel, common: MultiPolygon<f64>, area: f64) -> Conflict {
    let (a, b) = if a.id <= b.id { (a, b) } else { (b, a) };
    let smaller = a.area_m2.unwrap_or(f64::INFINITY).min(b.area_m2.unwrap_or(f64::INFINITY));
    let near_duplicate = area >= NEAR_DUPLICATE_SHARE * smaller;
    let mut c = Conflict::new(Kind::Overlap, vec![i, j], vec![]);
    c.measure = Some(round2(area));
    c.detail = if near_duplicate {
        format!("{} and {} are nearly the same plot digitised twice ({area:.2} m2 in common)", a.id, b.id)
    } else {
        format!("{} and {} overlap by {area:.2} m2", a.id, b.id)
    };
    c.near_duplicate = Some(near_duplicate);
    c.geometry = ConflictGeometry::Area(common);
    c
}

/// Rounds to centimetre-square precision for the report.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::tests::parcel;

    #[test]
    fn finds_strips_and_duplicates_not_neighbours_or_noise() {
        let parcels = vec![
            parcel("a", &[(0., 0.), (5., 0.), (5., 20.), (0., 20.)]),
            parcel("b", &[(5., 0.), (10., 0.), (10., 20.), (5., 20.)]), // touches a
            parcel("c", &[(9., 0.), (15., 0.), (15., 20.), (9., 20.)]), // 1 m x 20 m into b
            parcel("d", &[(0.2, 0.), (5.2, 0.), (5.2, 20.), (0.2, 20.)]), // a digitised again
            parcel("e", &[(15., 0.), (20., 0.), (20., 20.), (14.99, 20.)]), // 0.1 m2 into c: noise
        ];
        let index = ParcelIndex::build(&parcels);
        let (found, stats) = find(&parcels, &index, 0.5, &indicatif::ProgressBar::hidden());
        let mut pairs: Vec<(usize, usize, f64, bool)> =
            found.iter().map(|c| (c.parcels[0], c.parcels[1], c.measure.unwrap(), c.near_duplicate.unwrap())).collect();
        pairs.sort_by_key(|p| (p.0, p.1));
        assert_eq!(pairs, vec![(0, 3, 96.0, true), (1, 2, 20.0, false), (1, 3, 4.0, false)]);
        // a-b and c-e meet only in thin boxes; a-d, b-c and b-d need the overlay.
        assert_eq!(
            (stats.candidate_pairs, stats.rejected_by_envelope, stats.rejected_as_touching, stats.overlays),
            (5, 2, 0, 3)
        );
    }

    #[test]
    fn invalid_parcels_take_no_part() {
        let mut parcels = vec![
            parcel("a", &[(0., 0.), (5., 0.), (5., 20.), (0., 20.)]),
            parcel("b", &[(0., 0.), (5., 0.), (5., 20.), (0., 20.)]),
        ];
        parcels[1].invalid = Some("exterior ring has a self-intersection".into());
        let index = ParcelIndex::build(&parcels);
        let (found, _) = find(&parcels, &index, 0.5, &indicatif::ProgressBar::hidden());
        assert!(found.is_empty());
    }
}
