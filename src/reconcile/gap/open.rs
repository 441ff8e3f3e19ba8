//! Step 1 of the gap search: the *open* edges of the parcels, those that no neighbour runs exactly back along.
//!
//! Shells run counter-clockwise and holes clockwise, so each parcel has its interior on the left of every edge.
//! An edge whose exact reverse is an edge of a neighbour (a parcel whose box meets its box) has parcels on both
//! sides. The relation is symmetric, so the whole check ([`OpenEdges`]) tests each pair of neighbours once,
//! during the overlap search's walk, and marks the edges of both; an edit's re-check ([`open_edges`]) looks at
//! one parcel and all its neighbours. Both give the same edges.

use std::sync::atomic::{AtomicU64, Ordering};

use geo::{BoundingRect, Coord, Line, MultiPolygon};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use super::{cover, rings};
use crate::dataset::Parcel;

/// Every edge of `g`, in ring order (interior on the left), zero-length ones left out.
pub(super) fn edges(g: &MultiPolygon<f64>) -> impl Iterator<Item = Line<f64>> + '_ {
    g.0.iter().flat_map(rings).flat_map(|r| r.lines()).filter(|l| l.start != l.end)
}

fn key(a: Coord<f64>, b: Coord<f64>) -> [u64; 4] {
    [a.x.to_bits(), a.y.to_bits(), b.x.to_bits(), b.y.to_bits()]
}

/// Parcels with more edges than this (roads, long strips, large fields) have their edge keys sorted once
/// ([`OpenEdges`]): a parcel next to one looks its own few edges up there instead of scanning all of its.
const MANY_EDGES: usize = 32;

/// Edge keys with the edges' positions in [`edges`]' order.
type Keys = Vec<([u64; 4], u32)>;

/// The keys of `g`'s edges with their positions, sorted.
fn sorted_keys<C>(g: &MultiPolygon<f64>) -> C
where
    C: FromIterator<([u64; 4], u32)> + AsMut<[([u64; 4], u32)]>,
{
    let mut keys: C = edges(g).enumerate().map(|(k, l)| (key(l.start, l.end), k as u32)).collect();
    keys.as_mut().sort_unstable();
    keys
}

/// A parcel's edge keys, sorted, with their positions in [`edges`]' order, and its box: one side of the test.
struct Side {
    keys: SmallVec<[([u64; 4], u32); 16]>,
    r: geo::Rect<f64>,
}

impl Side {
    fn of(p: &Parcel) -> Option<Side> {
        let g = cover(p)?;
        Some(Side { r: g.bounding_rect()?, keys: sorted_keys(&g) })
    }

    /// Calls `close(own edge, their edge)` (positions) for every edge of parcel `j` that runs exactly back along
    /// one of these edges: looked up in `long`, `j`'s sorted keys when it has many edges, else found by scanning
    /// `j`'s edges.
    fn meet(&self, parcels: &[Parcel], j: usize, long: Option<&Keys>, mut close: impl FnMut(usize, usize)) {
        if let Some(theirs) = long {
            for &([ax, ay, bx, by], k) in &self.keys {
                let want = [bx, by, ax, ay];
                let at = theirs.partition_point(|(x, _)| *x < want);
                for &(_, m) in theirs[at..].iter().take_while(|(x, _)| *x == want) {
                    close(k as usize, m as usize);
                }
            }
            return;
        }
        let Some(h) = cover(&parcels[j]) else { return };
        let (lo, hi) = (self.r.min(), self.r.max());
        let inside = |c: Coord<f64>| c.x >= lo.x && c.x <= hi.x && c.y >= lo.y && c.y <= hi.y;
        // As `edges` numbers them, in plain loops: this runs for every pair of neighbours of a commune.
        let mut m = 0;
        for ring in h.0.iter().flat_map(rings) {
            for w in ring.0.windows(2) {
                let (a, b) = (w[0], w[1]);
                if a == b {
                    continue;
                }
                if inside(a) && inside(b) {
                    let k = key(b, a);
                    if let Ok(at) = self.keys.binary_search_by(|(x, _)| x.cmp(&k)) {
                        close(self.keys[at].1 as usize, m);
                    }
                }
                m += 1;
            }
        }
    }
}

/// Pushes the edges of parcel `i` that no edge of its `neighbours` runs exactly back along (an edit's re-check:
/// [`super::find_near`]; every neighbour's edges scanned).
pub fn open_edges(parcels: &[Parcel], i: usize, neighbours: &[usize], out: &mut Vec<(u32, Line<f64>)>) {
    let Some(side) = Side::of(&parcels[i]) else { return };
    let mut closed: SmallVec<[bool; 16]> = smallvec::smallvec![false; side.keys.len()];
    for &j in neighbours {
        side.meet(parcels, j, None, |k, _| closed[k] = true);
    }
    let Some(g) = cover(&parcels[i]) else { return };
    out.extend(edges(&g).zip(closed).filter(|(_, c)| !c).map(|(l, _)| (i as u32, l)));
}

/// The open edges of every parcel, found pair by pair: [`OpenEdges::visit`] for each parcel with its neighbours
/// (the overlap search's walk calls it, in any order and from any thread), then [`OpenEdges::collect`].
#[derive(Debug)]
pub struct OpenEdges {
    /// Where each parcel's edges start in `closed` (one more entry at the end: the total).
    offsets: Vec<u32>,
    /// One bit per edge of every parcel: closed.
    closed: Vec<AtomicU64>,
    /// The sorted edge keys of the parcels of more than [`MANY_EDGES`] edges (roads, long strips, large fields):
    /// a neighbour looks its own few edges up there instead of scanning all of theirs.
    long: FxHashMap<u32, Keys>,
}

impl OpenEdges {
    /// Every edge of `parcels` open, before any visit.
    pub fn new(parcels: &[Parcel]) -> OpenEdges {
        let counts: Vec<u32> = parcels.par_iter().map(|p| cover(p).map_or(0, |g| edges(&g).count() as u32)).collect();
        // The long rings' keys, for the few parcels that have them.
        let long = counts
            .par_iter()
            .enumerate()
            .filter(|&(_, &n)| n as usize > MANY_EDGES)
            .filter_map(|(j, _)| cover(&parcels[j]).map(|g| (j as u32, sorted_keys::<Keys>(&g))))
            .collect();
        let mut offsets = Vec::with_capacity(parcels.len() + 1);
        let mut total = 0u32;
        offsets.push(0);
        for n in counts {
            total += n;
            offsets.push(total);
        }
        let closed = (0..(total as usize).div_ceil(64)).map(|_| AtomicU64::new(0)).collect();
        OpenEdges { offsets, closed, long }
    }

    fn close(&self, edge: usize) {
        self.closed[edge / 64].fetch_or(1 << (edge % 64), Ordering::Relaxed);
    }

    /// The parcels whose edges are looked up rather than scanned.
    #[cfg(test)]
    pub(super) fn long_rings(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self.long.keys().copied().collect();
        v.sort_unstable();
        v
    }

    fn is_closed(&self, edge: usize) -> bool {
        self.closed[edge / 64].load(Ordering::Relaxed) & (1 << (edge % 64)) != 0
    }

    /// Closes the edges that parcel `i` and each of its `neighbours` after it run back along each other.
    pub fn visit(&self, parcels: &[Parcel], i: usize, neighbours: &[usize]) {
        if !neighbours.iter().any(|&j| j > i) {
            return;
        }
        let Some(side) = Side::of(&parcels[i]) else { return };
        let mine = self.offsets[i] as usize;
        for &j in neighbours.iter().filter(|&&j| j > i) {
            let theirs = self.offsets[j] as usize;
            side.meet(parcels, j, self.long.get(&(j as u32)), |k, m| {
                self.close(mine + k);
                self.close(theirs + m);
            });
        }
    }

    /// The open edges, by parcel and in ring order (as [`open_edges`] gives them parcel after parcel).
    pub fn collect(&self, parcels: &[Parcel]) -> Vec<(u32, Line<f64>)> {
        (0..parcels.len())
            .into_par_iter()
            .with_min_len(1024)
            .flat_map_iter(|i| {
                let (start, end) = (self.offsets[i] as usize, self.offsets[i + 1] as usize);
                let open = (start..end).any(|e| !self.is_closed(e));
                let g = open.then(|| cover(&parcels[i])).flatten();
                let lines: Vec<(u32, Line<f64>)> = g.map_or_else(Vec::new, |g| {
                    edges(&g)
                        .enumerate()
                        .filter(|&(k, _)| !self.is_closed(start + k))
                        .map(|(_, l)| (i as u32, l))
                        .collect()
                });
                lines.into_iter()
            })
            .collect()
    }
}
