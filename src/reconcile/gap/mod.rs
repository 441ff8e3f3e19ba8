//! `gap`: a hole in the union of the parcels, larger than `overlap_min_area_m2` and at most `gap_max_area_m2`:
//! ground that neighbouring parcels enclose and no parcel covers.
//!
//! A global union of a commune's parcels would give every hole, at the cost of an overlay of every edge. The
//! search instead works where holes can be, in three steps that use the overlap search's R-tree:
//!
//! 1. **Open edges.** Shells run counter-clockwise and holes clockwise, so each parcel has its interior on the
//!    left of every edge. An edge whose exact reverse is an edge of a neighbour has parcels on both sides: it is
//!    inside the union, and cancelling the pair leaves the coverage count everywhere as it was. What stays
//!    *open* is a superset of the union's boundary: the commune's outline, road frontages, and every defect.
//! 2. **Clusters.** Parcels whose open edges come within [`CONTACT`] of each other are joined (union-find). The
//!    boundary of a hole is a closed chain of open edges, so all the parcels around one hole are in one
//!    cluster, and the hole is a hole of that cluster's union too.
//! 3. **Holes.** Each cluster's parcels are overlaid (`i_overlay`, the engine under geo's boolean operations,
//!    non-zero winding so that a parcel repaired from a self-intersecting ring counts as its lobes); the holes
//!    of the result whose ground area fits are gaps, less any parcel lying wholly inside them (an island).
//!    The parcels within [`CONTACT`] of the hole are the conflict's parcels.
//!
//! An invalid parcel covers what its repaired geometry covers ([`cover`]). After an edit, [`find_near`] follows
//! the same clusters from the parcels where the edit happened, and finds their holes the same way.

use std::borrow::Cow;

use geo::{Area, BooleanOps, BoundingRect, Contains, Coord, Distance, Euclidean, InteriorPoint, Line, LineString};
use geo::{MultiPolygon, Polygon, Rect};
use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay_rule::OverlayRule;
use i_overlay::float::overlay::{FloatOverlay, OverlayOptions};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

mod open;

use open::edges;
pub use open::{open_edges, OpenEdges};

use super::overlap::round2;
use crate::conflict::{Conflict, ConflictGeometry, Kind};
use crate::dataset::Parcel;
use crate::index::ParcelIndex;
use crate::topology::{rect_grown, rect_union, rect_within, rects_meet};

/// Open edges closer than this (planar metres) are in contact: they may bound one hole. A millimetre, far above
/// the overlay's snapping and far below anything that is a real opening.
pub const CONTACT: f64 = 0.001;

/// Where a ring turns back on itself within this width (planar metres, 10 µm), the turn is a spike of the
/// overlay's snapping, not ground.
const SPIKE: f64 = 1e-5;

/// The tolerances of the rule.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Holes up to this ground area (m2) are noise.
    pub min_area: f64,
    /// Holes above this ground area (m2) are left alone (a road, a yard).
    pub max_area: f64,
}

impl Limits {
    /// The dataset's tolerances (`overlap_min_area_m2`, `gap_max_area_m2`).
    pub fn of(tol: &crate::config::Tolerances) -> Limits {
        Limits { min_area: tol.overlap_min_area_m2, max_area: tol.gap_max_area_m2 }
    }
}

/// What a parcel covers: its geometry, or for an invalid one the repaired geometry (non-zero winding, so a
/// self-intersecting ring covers its lobes); None without a geometry.
pub fn cover(p: &Parcel) -> Option<Cow<'_, MultiPolygon<f64>>> {
    let g = p.geometry.as_ref()?;
    if p.invalid.is_none() {
        return Some(Cow::Borrowed(g));
    }
    let paths: Vec<Vec<[f64; 2]>> = g.0.iter().flat_map(rings).map(path).collect();
    let shapes = FloatOverlay::with_subj_custom(&paths, OverlayOptions::ogc(), Default::default())
        .overlay(OverlayRule::Subject, FillRule::NonZero);
    let repaired = to_multi_polygon(shapes);
    (!repaired.0.is_empty()).then_some(Cow::Owned(repaired))
}

pub(super) fn rings(p: &Polygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
    std::iter::once(p.exterior()).chain(p.interiors())
}

/// A closed ring as an overlay path (without the closing point).
fn path(ring: &LineString<f64>) -> Vec<[f64; 2]> {
    let n = ring.0.len().saturating_sub(1);
    ring.0[..n].iter().map(|c| [c.x, c.y]).collect()
}

/// A ring from an overlay path, without spikes: vertices where the ring turns straight back on itself. The
/// overlay leaves such zero-width spikes where two edges run along each other within its snapping, and the grid
/// it snaps to depends on the extent it works over; without them, a hole is the same whatever parcels went in.
fn to_ring(path: &[[f64; 2]]) -> LineString<f64> {
    let mut coords: Vec<Coord<f64>> = path.iter().map(|p| Coord { x: p[0], y: p[1] }).collect();
    let mut k = 0;
    while coords.len() > 3 && k < coords.len() {
        let n = coords.len();
        let (a, b, c) = (coords[(k + n - 1) % n], coords[k], coords[(k + 1) % n]);
        let (u, v) = (b - a, c - b);
        let cross = u.x * v.y - u.y * v.x;
        let dot = u.x * v.x + u.y * v.y;
        let longer = u.x.hypot(u.y).max(v.x.hypot(v.y));
        if b == a || (dot < 0.0 && cross.abs() <= SPIKE * longer) {
            coords.remove(k);
            k = k.saturating_sub(1);
        } else {
            k += 1;
        }
    }
    if let Some(&first) = coords.first() {
        coords.push(first);
    }
    LineString(coords)
}

fn to_multi_polygon(shapes: Vec<Vec<Vec<[f64; 2]>>>) -> MultiPolygon<f64> {
    MultiPolygon(
        shapes
            .into_iter()
            .filter_map(|shape| {
                let mut contours = shape.iter();
                let outer = to_ring(contours.next()?);
                Some(Polygon::new(outer, contours.map(|c| to_ring(c)).collect()))
            })
            .collect(),
    )
}

/// The corners of `r` grown by `by`, as the R-tree takes a box.
fn grown(r: Rect<f64>, by: f64) -> ([f64; 2], [f64; 2]) {
    let g = rect_grown(r, by);
    ([g.min().x, g.min().y], [g.max().x, g.max().y])
}

/// True when the boxes come within `by` of each other.
pub(crate) fn boxes_meet(a: &Rect<f64>, b: &Rect<f64>, by: f64) -> bool {
    rects_meet(a, &rect_grown(*b, by))
}

fn in_contact(a: &[(u32, Line<f64>)], b: &[(u32, Line<f64>)]) -> bool {
    a.iter().any(|(_, la)| {
        let ra = la.bounding_rect();
        b.iter().any(|(_, lb)| boxes_meet(&ra, &lb.bounding_rect(), CONTACT) && Euclidean.distance(la, lb) <= CONTACT)
    })
}

/// Disjoint sets of `0..n` (path halving; the smaller root wins, so roots are stable).
pub(crate) struct UnionFind(Vec<u32>);

impl UnionFind {
    pub(crate) fn new(n: usize) -> UnionFind {
        UnionFind((0..n as u32).collect())
    }

    pub(crate) fn root(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let up = self.0[self.0[x as usize] as usize];
            self.0[x as usize] = up;
            x = up;
        }
        x
    }

    pub(crate) fn join(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.root(a), self.root(b));
        if ra != rb {
            self.0[ra.max(rb) as usize] = ra.min(rb);
        }
    }
}

/// Every gap of the commune, from the open edges of its parcels ([`open_edges`], in parcel order).
pub fn find(parcels: &[Parcel], index: &ParcelIndex, open: &[(u32, Line<f64>)], limits: Limits) -> Vec<Conflict> {
    let mut runs: FxHashMap<u32, (usize, usize)> = FxHashMap::default();
    let mut start = 0;
    for k in 1..=open.len() {
        if k == open.len() || open[k].0 != open[start].0 {
            runs.insert(open[start].0, (start, k));
            start = k;
        }
    }
    let run = |i: u32| runs.get(&i).map(|&(s, e)| &open[s..e]);

    // 2. Clusters of parcels whose open edges touch.
    let mut owners: Vec<u32> = runs.keys().copied().collect();
    owners.sort_unstable();
    let contacts: Vec<(u32, u32)> = owners
        .par_iter()
        .with_min_len(64)
        .flat_map_iter(|&i| {
            let mine = run(i).unwrap_or_default();
            let Some(r) = bounds(mine) else { return Vec::new() };
            let (lo, hi) = grown(r, CONTACT);
            index
                .intersecting(lo, hi)
                .filter(|&j| j as u32 > i)
                .filter_map(|j| run(j as u32).filter(|theirs| in_contact(mine, theirs)).map(|_| (i, j as u32)))
                .collect::<Vec<_>>()
        })
        .collect();
    let position: FxHashMap<u32, u32> = owners.iter().enumerate().map(|(k, &i)| (i, k as u32)).collect();
    let mut sets = UnionFind::new(owners.len());
    for (i, j) in contacts {
        sets.join(position[&i], position[&j]);
    }
    let mut clusters: FxHashMap<u32, Vec<usize>> = FxHashMap::default();
    for (k, &i) in owners.iter().enumerate() {
        let root = sets.root(k as u32);
        clusters.entry(root).or_default().push(i as usize);
    }
    let mut clusters: Vec<Vec<usize>> = clusters.into_values().collect();
    clusters.sort_unstable_by_key(|c| c[0]);

    // 3. The holes of each cluster's union.
    let found: Vec<Conflict> =
        clusters.par_iter().flat_map_iter(|members| holes(parcels, index, members, None, limits)).collect();
    number_repeats(found, parcels)
}

/// The gaps that meet `region` (a box an edit touched: a parcel's old or new box, or a gap found before),
/// as [`find`] finds them: the clusters of the parcels whose box meets the region, followed from parcel to
/// parcel through their open edges (`live` says which parcels are still on the map).
pub fn find_near(
    parcels: &[Parcel],
    index: &ParcelIndex,
    region: Rect<f64>,
    live: impl Fn(usize) -> bool,
    limits: Limits,
) -> Vec<Conflict> {
    let mut open: FxHashMap<usize, Vec<(u32, Line<f64>)>> = FxHashMap::default();
    let mut open_of = |i: usize| -> Vec<(u32, Line<f64>)> {
        open.entry(i)
            .or_insert_with(|| {
                let mut v = Vec::new();
                if let Some(r) = parcels[i].bbox {
                    let near: Vec<usize> = index
                        .intersecting([r.min().x, r.min().y], [r.max().x, r.max().y])
                        .filter(|&j| j != i && live(j))
                        .collect();
                    open_edges(parcels, i, &near, &mut v);
                }
                v
            })
            .clone()
    };
    let (lo, hi) = grown(region, CONTACT);
    let mut starts: Vec<usize> = index.intersecting(lo, hi).filter(|&i| live(i)).collect();
    starts.sort_unstable();
    let mut joined: FxHashSet<usize> = FxHashSet::default();
    let mut found = Vec::new();
    for s in starts {
        if joined.contains(&s) || open_of(s).is_empty() {
            continue;
        }
        joined.insert(s);
        let (mut cluster, mut queue) = (vec![s], vec![s]);
        while let Some(p) = queue.pop() {
            let mine = open_of(p);
            let Some(r) = bounds(&mine) else { continue };
            let (lo, hi) = grown(r, CONTACT);
            let near: Vec<usize> = index.intersecting(lo, hi).filter(|&q| q != p && live(q)).collect();
            for q in near {
                if !joined.contains(&q) && in_contact(&mine, &open_of(q)) {
                    joined.insert(q);
                    cluster.push(q);
                    queue.push(q);
                }
            }
        }
        cluster.sort_unstable();
        found.extend(holes(parcels, index, &cluster, Some(region), limits));
    }
    number_repeats(found, parcels)
}

fn bounds(lines: &[(u32, Line<f64>)]) -> Option<Rect<f64>> {
    let mut r = lines.first()?.1.bounding_rect();
    for (_, l) in lines {
        r = rect_union(r, l.bounding_rect());
    }
    Some(r)
}

/// The holes of the union of `members` that fit the limits (and meet `region`, when given).
fn holes(
    parcels: &[Parcel],
    index: &ParcelIndex,
    members: &[usize],
    region: Option<Rect<f64>>,
    limits: Limits,
) -> Vec<Conflict> {
    let mut paths: Vec<Vec<[f64; 2]>> = Vec::new();
    let (mut low, mut high) = (f64::INFINITY, 0.0f64);
    for &i in members {
        let Some(g) = cover(&parcels[i]) else { continue };
        paths.extend(g.0.iter().flat_map(rings).map(path));
        low = low.min(parcels[i].area_scale);
        high = high.max(parcels[i].area_scale);
    }
    if paths.is_empty() {
        return Vec::new();
    }
    // The ground the members leave uncovered within a frame around them: the piece that reaches the frame is
    // the outside, every other piece is enclosed. (A hole need not be an interior ring of one polygon: parcels
    // that meet only at corners enclose ground between polygons of the union.)
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for p in paths.iter().flatten() {
        (lo, hi) = ([lo[0].min(p[0]) - 1.0, lo[1].min(p[1]) - 1.0], [hi[0].max(p[0]) + 1.0, hi[1].max(p[1]) + 1.0]);
    }
    let outer = vec![[lo[0], lo[1]], [hi[0], lo[1]], [hi[0], hi[1]], [lo[0], hi[1]]];
    let uncovered = FloatOverlay::with_subj_and_clip_custom(&outer, &paths, OverlayOptions::ogc(), Default::default())
        .overlay(OverlayRule::Difference, FillRule::NonZero);
    let mut out = Vec::new();
    for shape in uncovered {
        let Some(polygon) = to_multi_polygon(vec![shape]).0.pop() else { continue };
        let Some(r) = polygon.bounding_rect() else { continue };
        if r.min().x <= lo[0] || r.min().y <= lo[1] || r.max().x >= hi[0] || r.max().y >= hi[1] {
            continue;
        }
        for polygon in pinched_apart(polygon) {
            let Some(r) = polygon.bounding_rect() else { continue };
            out.extend(fitting(parcels, index, polygon, r, (low, high), region, limits));
        }
    }
    out
}

/// Uncovered ground that touches itself at a point is as many holes as it has loops there (as in GEOS, whose
/// holes of a union may touch at a point): the overlay gives it as one ring through that point twice (within
/// its snapping).
fn pinched_apart(polygon: Polygon<f64>) -> Vec<Polygon<f64>> {
    let (exterior, interiors) = polygon.into_inner();
    let ring = &exterior.0[..exterior.0.len().saturating_sub(1)];
    let mut loops: Vec<Vec<Coord<f64>>> = Vec::new();
    let mut path: Vec<Coord<f64>> = Vec::with_capacity(ring.len());
    for &c in ring {
        if let Some(k) = path.iter().position(|&q| (q.x - c.x).abs() <= SPIKE && (q.y - c.y).abs() <= SPIKE) {
            let mut tail = path.split_off(k + 1);
            if let Some(&start) = path.last() {
                tail.insert(0, start);
            }
            loops.push(tail);
        } else {
            path.push(c);
        }
    }
    loops.push(path);
    if loops.len() == 1 {
        return vec![Polygon::new(exterior, interiors)];
    }
    let signed = |l: &[Coord<f64>]| Polygon::new(LineString(l.to_vec()), vec![]).signed_area();
    let (mut pieces, mut holes): (Vec<Polygon<f64>>, Vec<LineString<f64>>) = (Vec::new(), interiors);
    for l in loops.into_iter().filter(|l| l.len() >= 3) {
        let a = signed(&l);
        let mut r = LineString(l);
        r.close();
        if a > 0.0 {
            pieces.push(Polygon::new(r, vec![]));
        } else if a < 0.0 {
            holes.push(r);
        }
    }
    for h in holes {
        let Some(pt) = Polygon::new(h.clone(), vec![]).interior_point() else { continue };
        if let Some(p) = pieces.iter_mut().find(|p| p.contains(&pt)) {
            p.interiors_push(h);
        }
    }
    pieces
}

/// The conflict for an enclosed piece of uncovered ground, when its area fits and it meets the region.
fn fitting(
    parcels: &[Parcel],
    index: &ParcelIndex,
    polygon: Polygon<f64>,
    r: Rect<f64>,
    (low, high): (f64, f64),
    region: Option<Rect<f64>>,
    limits: Limits,
) -> Option<Conflict> {
    let planar = polygon.unsigned_area();
    if planar * high <= limits.min_area || planar * low > limits.max_area {
        return None;
    }
    if region.is_some_and(|g| !boxes_meet(&g, &r, CONTACT)) {
        return None;
    }
    gap(parcels, index, polygon, r, limits)
}

/// The conflict for one hole of a union: less the parcels inside it, with the parcels around it.
fn gap(parcels: &[Parcel], index: &ParcelIndex, hole: Polygon<f64>, r: Rect<f64>, limits: Limits) -> Option<Conflict> {
    let (lo, hi) = grown(r, CONTACT);
    let near: Vec<usize> = index.intersecting(lo, hi).collect();
    let mut area = MultiPolygon(vec![hole.clone()]);
    let whole = Polygon::new(hole.exterior().clone(), vec![]);
    let mut around = Vec::new();
    for &j in &near {
        let p = &parcels[j];
        let Some(g) = cover(p) else { continue };
        let Some(pr) = p.bbox else { continue };
        // Within the hole's box, give or take the overlay's snapping: a parcel may fill a hole exactly.
        let inside = rect_within(&pr, &rect_grown(r, CONTACT));
        if inside && g.interior_point().is_some_and(|pt| whole.contains(&pt)) {
            area = area.difference(g.as_ref());
            continue;
        }
        let close = hole.exterior().lines().any(|h| {
            let hr = h.bounding_rect();
            edges(&g).any(|e| boxes_meet(&hr, &e.bounding_rect(), CONTACT) && Euclidean.distance(&h, &e) <= CONTACT)
        });
        if close {
            around.push(j);
        }
    }
    if around.is_empty() {
        return None;
    }
    let scale = around.iter().map(|&j| parcels[j].area_scale).sum::<f64>() / around.len() as f64;
    let ground = area.unsigned_area() * scale;
    if ground <= limits.min_area || ground > limits.max_area {
        return None;
    }
    around.sort_unstable_by(|&a, &b| parcels[a].id.cmp(&parcels[b].id));
    let names: Vec<&str> = around.iter().map(|&j| parcels[j].id.as_str()).collect();
    let mut c = Conflict::new(Kind::Gap, around, vec![]);
    c.measure = Some(round2(ground));
    c.detail = format!("a gap of {ground:.2} m2 that no parcel covers, between {}", names.join(", "));
    c.geometry = ConflictGeometry::Area(area);
    Some(c)
}

/// Numbers the holes that have the same parcels around them (`nth` 1, 2 ... in the order of their lowest
/// corner), so that each keeps an id of its own.
fn number_repeats(mut found: Vec<Conflict>, parcels: &[Parcel]) -> Vec<Conflict> {
    let corner = |c: &Conflict| {
        c.area(parcels).and_then(|g| g.bounding_rect()).map(|r| (r.min().y, r.min().x)).unwrap_or_default()
    };
    found.sort_by(|a, b| {
        let ((ya, xa), (yb, xb)) = (corner(a), corner(b));
        a.parcels.cmp(&b.parcels).then(ya.total_cmp(&yb)).then(xa.total_cmp(&xb))
    });
    let mut k = 0;
    while k < found.len() {
        let mut e = k + 1;
        while e < found.len() && found[e].parcels == found[k].parcels {
            e += 1;
        }
        if e - k > 1 {
            for (n, c) in found[k..e].iter_mut().enumerate() {
                c.nth = n as u32 + 1;
            }
        }
        k = e;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::tests::parcel;

    const LIMITS: Limits = Limits { min_area: 0.5, max_area: 50.0 };

    fn square(id: &str, x: f64, y: f64, s: f64) -> Parcel {
        parcel(id, &[(x, y), (x + s, y), (x + s, y + s), (x, y + s)])
    }

    /// A 3 x 3 block of 5 m squares, named by column and row, without the ones in `leave_out`.
    fn block(leave_out: &[&str]) -> Vec<Parcel> {
        let mut v = Vec::new();
        for r in 0..3 {
            for c in 0..3 {
                let id = format!("p{c}{r}");
                if !leave_out.contains(&id.as_str()) {
                    v.push(square(&id, 5.0 * c as f64, 5.0 * r as f64, 5.0));
                }
            }
        }
        v
    }

    /// The whole search as the check runs it.
    fn search(parcels: &[Parcel]) -> Vec<Conflict> {
        let index = ParcelIndex::build(parcels);
        find(parcels, &index, &pairwise_open_edges(parcels, &index), LIMITS)
    }

    /// The open edges as the check finds them: each pair of neighbours once ([`OpenEdges`]).
    fn pairwise_open_edges(parcels: &[Parcel], index: &ParcelIndex) -> Vec<(u32, Line<f64>)> {
        let open = OpenEdges::new(parcels);
        // Visited backwards: the order does not matter.
        for i in (0..parcels.len()).rev() {
            let r = parcels[i].bbox.unwrap_or_else(|| Rect::new(Coord::zero(), Coord::zero()));
            let near: Vec<usize> =
                index.intersecting([r.min().x, r.min().y], [r.max().x, r.max().y]).filter(|&j| j != i).collect();
            open.visit(parcels, i, &near);
        }
        let found = open.collect(parcels);
        assert_eq!(found, all_open_edges(parcels, index), "pair by pair and parcel by parcel");
        found
    }

    /// The open edges parcel by parcel, every neighbour's edges scanned ([`open_edges`]).
    fn all_open_edges(parcels: &[Parcel], index: &ParcelIndex) -> Vec<(u32, Line<f64>)> {
        let mut open = Vec::new();
        for i in 0..parcels.len() {
            let r = parcels[i].bbox.unwrap_or_else(|| Rect::new(Coord::zero(), Coord::zero()));
            let near: Vec<usize> =
                index.intersecting([r.min().x, r.min().y], [r.max().x, r.max().y]).filter(|&j| j != i).collect();
            open_edges(parcels, i, &near, &mut open);
        }
        open
    }

    /// A road of many vertices under the block: its edges along the block are closed, looked up in its sorted
    /// keys, exactly as scanning them closes them.
    #[test]
    fn a_long_ring_closes_edges_as_a_scan_does() {
        let mut parcels = block(&["p11"]);
        let mut road = vec![(0.0, 0.0)];
        road.extend((0..=40).map(|k| (15.0 * k as f64 / 40.0, -4.0 - (k % 2) as f64 * 0.1)));
        road.extend([(15.0, 0.0), (10.0, 0.0), (5.0, 0.0)]);
        parcels.push(parcel("road", &road));
        let index = ParcelIndex::build(&parcels);
        // The road (parcel 8) is looked up, not scanned, pair by pair; parcel by parcel everything is scanned.
        assert_eq!(OpenEdges::new(&parcels).long_rings(), [8]);
        let fast = pairwise_open_edges(&parcels, &index);
        assert_eq!(fast, all_open_edges(&parcels, &index));
        // The road's three edges along the block, and the block's three along the road, are closed.
        let along = |(_, l): &&(u32, Line<f64>)| l.start.y == 0.0 && l.end.y == 0.0;
        assert_eq!(fast.iter().filter(along).count(), 0, "{fast:?}");
        assert_eq!(gaps(&parcels).len(), 1);
    }

    fn gaps(parcels: &[Parcel]) -> Vec<(Vec<String>, f64, u32)> {
        let mut v: Vec<_> = search(parcels)
            .into_iter()
            .map(|c| {
                let ids: Vec<String> = c.parcels.iter().map(|&i| parcels[i].id.to_string()).collect();
                (ids, c.measure.unwrap_or_default(), c.nth)
            })
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0).then(a.2.cmp(&b.2)));
        v
    }

    fn ids(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_missing_parcel_is_a_gap_with_every_parcel_around_it() {
        let all = ["p00", "p01", "p02", "p10", "p12", "p20", "p21", "p22"];
        assert_eq!(gaps(&block(&["p11"])), vec![(ids(&all), 25.0, 0)]);
        // A clean block has none, and a missing corner is open to the outside: not a hole.
        assert_eq!(gaps(&block(&[])), vec![]);
        assert_eq!(gaps(&block(&["p00"])), vec![]);
    }

    #[test]
    fn a_parcel_moved_leaves_a_strip_on_the_other_side() {
        // The middle parcel moved 0.4 m to the right: a 0.4 m x 5 m hole on its left, between the neighbours
        // above and below whose edges run past the hole's corners (no vertex there).
        let mut v = vec![
            parcel("top", &[(0., 5.), (15., 5.), (15., 10.), (0., 10.)]),
            parcel("bottom", &[(0., -5.), (15., -5.), (15., 0.), (0., 0.)]),
            square("left", 0., 0., 5.),
            square("right", 10., 0., 5.),
        ];
        v.push(square("middle", 5.4, 0., 5.));
        assert_eq!(gaps(&v), vec![(ids(&["bottom", "left", "middle", "top"]), 2.0, 0)]);
    }

    #[test]
    fn limits_noise_and_yards() {
        // A 0.7 x 0.7 m hole is noise (0.49 m2); a 8 x 8 m one is a yard (64 m2).
        let noise = vec![
            parcel("a", &[(0., 0.), (2., 0.), (2., 0.65), (0.65, 0.65), (0.65, 1.35), (2., 1.35), (2., 2.), (0., 2.)]),
            parcel("b", &[(2., 0.), (4., 0.), (4., 2.), (2., 2.), (2., 1.35), (1.35, 1.35), (1.35, 0.65), (2., 0.65)]),
        ];
        assert_eq!(gaps(&noise), vec![]);
        let ring = |s: f64| {
            vec![
                parcel("w", &[(0., 0.), (2., 0.), (2., s + 4.), (0., s + 4.)]),
                parcel("e", &[(s + 2., 0.), (s + 4., 0.), (s + 4., s + 4.), (s + 2., s + 4.)]),
                parcel("s", &[(2., 0.), (s + 2., 0.), (s + 2., 2.), (2., 2.)]),
                parcel("n", &[(2., s + 2.), (s + 2., s + 2.), (s + 2., s + 4.), (2., s + 4.)]),
            ]
        };
        assert_eq!(gaps(&ring(8.0)), vec![]);
        assert_eq!(gaps(&ring(7.0)), vec![(ids(&["e", "n", "s", "w"]), 49.0, 0)]);
    }

    #[test]
    fn a_hole_a_parcel_fills_is_no_gap_and_an_island_is_taken_out() {
        let with_hole = |inner: f64| {
            let (a, b) = (5.0 - inner / 2.0, 5.0 + inner / 2.0);
            let mut g = parcel("yard", &[(0., 0.), (10., 0.), (10., 10.), (0., 10.)]);
            let hole = LineString::from(vec![(a, a), (a, b), (b, b), (b, a), (a, a)]);
            let shell = LineString::from(vec![(0., 0.), (10., 0.), (10., 10.), (0., 10.), (0., 0.)]);
            g.geometry = Some(MultiPolygon(vec![Polygon::new(shell, vec![hole])]));
            g
        };
        // The house fills the yard's hole exactly (its edges all cancel: it is in no cluster).
        assert_eq!(gaps(&[with_hole(4.0), square("house", 3., 3., 4.)]), vec![]);
        // An empty hole is a gap of the one parcel around it.
        assert_eq!(gaps(&[with_hole(4.0)]), vec![(ids(&["yard"]), 16.0, 0)]);
        // A smaller house inside leaves the ring around it, and is not around the gap.
        assert_eq!(gaps(&[with_hole(4.0), square("house", 4., 4., 2.)]), vec![(ids(&["yard"]), 12.0, 0)]);
    }

    #[test]
    fn an_invalid_parcel_covers_its_repaired_lobes() {
        // A bow tie in the middle of the block covers its left and right lobes; the triangles above and below
        // (6.25 m2) are gaps, with every parcel that reaches them, corners included.
        let mut v = block(&["p11"]);
        let mut bow = parcel("bow", &[(5., 5.), (10., 10.), (10., 5.), (5., 10.)]);
        bow.invalid = Some("self-intersection".into());
        v.push(bow);
        assert_eq!(
            gaps(&v),
            vec![
                (ids(&["bow", "p00", "p01", "p10", "p20", "p21"]), 6.25, 0),
                (ids(&["bow", "p01", "p02", "p12", "p21", "p22"]), 6.25, 0),
            ]
        );
    }

    #[test]
    fn holes_with_the_same_parcels_around_are_numbered() {
        // Two 1 m2 notches in `a` along its straight neighbour `b`.
        let a = parcel(
            "a",
            &[
                (0., 0.),
                (2., 0.),
                (2., 2.),
                (1., 2.),
                (1., 3.),
                (2., 3.),
                (2., 6.),
                (1., 6.),
                (1., 7.),
                (2., 7.),
                (2., 10.),
                (0., 10.),
            ],
        );
        let b = parcel("b", &[(2., 0.), (4., 0.), (4., 10.), (2., 10.)]);
        let v = vec![a, b];
        assert_eq!(gaps(&v), vec![(ids(&["a", "b"]), 1.0, 1), (ids(&["a", "b"]), 1.0, 2)]);
        let found = search(&v);
        let lowest = |c: &Conflict| c.area(&v).and_then(|g| g.bounding_rect()).map(|r| r.min().y);
        assert_eq!((lowest(&found[0]), lowest(&found[1])), (Some(2.0), Some(6.0)));
        assert_ne!(found[0].id(&["a", "b"], &[]), found[1].id(&["a", "b"], &[]));
    }

    #[test]
    fn near_an_edit_finds_what_the_whole_search_finds_there() {
        let mut v = block(&["p11"]);
        v.extend(block(&["p11"]).into_iter().map(|mut p| {
            p.id = format!("far-{}", p.id).into();
            let g = p.geometry.take().map(|g| {
                use geo::Translate;
                g.translate(100.0, 0.0)
            });
            p.bbox = g.as_ref().and_then(|g| g.bounding_rect());
            p.geometry = g;
            p
        }));
        let index = ParcelIndex::build(&v);
        let all = search(&v);
        assert_eq!(all.len(), 2);
        // The box of the middle parcel, as if an edit had just retired it.
        let region = Rect::new(Coord { x: 5.0, y: 5.0 }, Coord { x: 10.0, y: 10.0 });
        let near = find_near(&v, &index, region, |_| true, LIMITS);
        assert_eq!(near.len(), 1);
        assert!(all.contains(&near[0]));
        assert!(near[0].parcels.iter().all(|&i| !v[i].id.starts_with("far")));
        // Parcels left out (retired) open the hole to the outside: the missing corner is no gap.
        let corner = v.iter().position(|p| p.id == "p00").unwrap_or_default();
        assert_eq!(find_near(&v, &index, region, |i| i != corner, LIMITS).len(), 1);
    }
}
