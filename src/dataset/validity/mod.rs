//! Polygon validity in O(n log n): geo's verdicts (`Validation::check_validation` on a `Polygon`, or on a
//! `MultiPolygon` of several), in geo's words, plus rings of zero area, which geo lets through.
//!
//! geo compares every pair of segments of a ring, relates the shell to every hole, every hole to every other
//! and every polygon to every other: one parcel of 200,000 vertices took 26 s, one of 22,500 holes did not
//! finish in a minute. Here one R-tree holds every segment of the geometry, and only pairs of segments whose
//! boxes meet are looked at, with geo's own segment predicates (`Line::intersects` and its rule for the
//! segments of a ring that may touch), so a ring's verdict is geo's by construction.
//!
//! Between rings (a hole and its shell, two holes, two polygons) geo builds a topology graph per pair
//! (`relate`). Once every ring is simple and encloses an area, these relations follow from where the rings
//! meet: [`Shapes::sides`] classifies each stretch of a ring against the other region (inside, outside, or
//! along its boundary, with the interiors on the same side or not) by exact orientation tests around the
//! points where they touch; a ring that meets nothing of the other is wholly inside or outside it, which one
//! point-in-polygon test (a ray through the same R-tree) says. The random tests (`tests.rs`) hold the verdicts
//! to geo's on small integer grids, where rings touch, share edges and nest all the time.
//!
//! One deviation: geo relates polygon `i` to a later polygon `j` of a multipolygon before it validates `j`, so
//! when `j` is itself invalid geo may report the pair first; here such a pair is not related (its topology
//! means nothing) and `j`'s own problem is reported. The verdict is the same.

use geo::algorithm::validation::{CoordIndex, InvalidPolygon, RingRole};
use geo::kernels::Orientation;
use geo::{Coord, Intersects, Line, MultiPolygon, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{Envelope, RTree, RTreeObject, AABB};
use rustc_hash::{FxHashMap, FxHashSet};
use smallvec::SmallVec;

use crate::topology::{orient, rect_within, rects_meet};
use std::ops::Range;

use relate::Region;

mod relate;
#[cfg(test)]
mod tests;

/// Why a polygon is not valid.
#[derive(Debug, Clone, PartialEq)]
pub enum PolygonProblem {
    /// One of geo's reasons.
    Geo(InvalidPolygon),
    /// A ring whose points all lie on one line (exactly): it encloses no area.
    ZeroArea(RingRole),
}

impl std::fmt::Display for PolygonProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PolygonProblem::Geo(e) => write!(f, "{e}"),
            PolygonProblem::ZeroArea(ring) => write!(f, "{ring} has zero area (its points are collinear)"),
        }
    }
}

/// Why a geometry is not valid: the first problem in geo's order, worded as geo words it (a single polygon
/// as a `Polygon`, several as a `MultiPolygon`).
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// A problem of one polygon: its position when the geometry has several.
    Polygon(Option<usize>, PolygonProblem),
    /// The interiors of two polygons meet.
    Overlap(usize, usize),
    /// The boundaries of two polygons share a stretch.
    TouchOnALine(usize, usize),
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Polygon(None, p) => write!(f, "{p}"),
            Problem::Polygon(Some(i), p) => write!(f, "polygon at index {i} is invalid: {p}"),
            Problem::Overlap(i, j) => write!(f, "polygons at indices {i} and {j} overlap"),
            Problem::TouchOnALine(i, j) => write!(f, "polygons at indices {i} and {j} touch on a line"),
        }
    }
}

/// Counts of the work done, for tests that hold it to O(n log n).
#[derive(Debug, Default, Clone, Copy)]
#[cfg_attr(not(test), allow(dead_code))]
pub struct Stats {
    /// Segments of the geometry (in the R-tree, or scanned when few).
    pub segments: usize,
    /// Pairs of segments whose boxes meet, each looked at once.
    pub segment_pairs: usize,
    /// Pairs of rings or polygons related to each other (those that touch or nest).
    pub related_pairs: usize,
}

/// The first problem of `mp` in geo's order, or none.
pub fn check(mp: &MultiPolygon<f64>) -> Result<(), Problem> {
    // Most parcels are one small ring: settled without building the segment index.
    if let [p] = mp.0.as_slice() {
        if p.interiors().is_empty() && p.exterior().0.len() <= FEW + 1 && small_shell_is_valid(&p.exterior().0) {
            return Ok(());
        }
    }
    check_counting(mp).0
}

/// True when a small shell without holes is valid: geo's three checks (too few points once repeats are
/// removed, a self-intersection by geo's own segment predicate, a non-finite coordinate), each pair of
/// segments tested once and only when their boxes meet, and an area that is not zero. False sends the shell
/// to the full check, which finds the problem and says it.
fn small_shell_is_valid(ring: &[Coord<f64>]) -> bool {
    if ring.iter().any(|c| !(c.x.is_finite() && c.y.is_finite())) {
        return false;
    }
    let distinct = ring.windows(2).filter(|w| w[0] != w[1]).count();
    if distinct < 3 || collinear(ring) {
        return false;
    }
    // Segment i runs from ring[i] to ring[i + 1]; its box, on the stack (at most FEW segments).
    let n = ring.len() - 1;
    let mut boxes = [(0.0, 0.0, 0.0, 0.0); FEW];
    for (b, w) in boxes.iter_mut().zip(ring.windows(2)) {
        *b = (w[0].x.min(w[1].x), w[0].x.max(w[1].x), w[0].y.min(w[1].y), w[0].y.max(w[1].y));
    }
    for i in 0..n {
        let (a, b) = (Line::new(ring[i], ring[i + 1]), boxes[i]);
        for j in i + 1..n {
            let d = boxes[j];
            if b.0 <= d.1 && d.0 <= b.1 && b.2 <= d.3 && d.2 <= b.3 {
                let c = Line::new(ring[j], ring[j + 1]);
                if a.start != c.end && a.end != c.start && a.intersects(&c) {
                    return false;
                }
            }
        }
    }
    true
}

/// [`check`], with the work it did.
pub fn check_counting(mp: &MultiPolygon<f64>) -> (Result<(), Problem>, Stats) {
    let mut shapes = Shapes::new(mp);
    let result = shapes.first_problem(mp.0.len() > 1);
    (result, shapes.stats)
}

const C: Orientation = Orientation::Collinear;

/// True when every point of the ring lies on one line (exact): it encloses no area.
fn collinear(coords: &[Coord<f64>]) -> bool {
    let Some(&a) = coords.first() else { return true };
    let Some(&b) = coords.iter().find(|c| **c != a) else { return true };
    coords.iter().all(|&c| orient(a, b, c) == C)
}

/// A segment in the R-tree: its ring and its position in the ring.
type Seg = GeomWithData<Rectangle<[f64; 2]>, (u32, u32)>;

/// A box in the R-tree of [`nested_pairs`], with its position.
type Boxed = GeomWithData<Rectangle<[f64; 2]>, (usize, Rect<f64>)>;

/// The pairs (lower position first) of the given boxes where one lies within the other, found through an
/// R-tree of the boxes (holes in a shell, polygons of a multipolygon).
fn nested_pairs(boxes: impl Iterator<Item = (usize, Rect<f64>)>) -> Vec<(usize, usize)> {
    let items: Vec<Boxed> = boxes
        .map(|(i, b)| GeomWithData::new(Rectangle::from_corners(b.min().into(), b.max().into()), (i, b)))
        .collect();
    let tree = RTree::bulk_load(items);
    let mut out = Vec::new();
    for b in tree.iter() {
        for o in tree.locate_in_envelope_intersecting(&b.envelope()) {
            let ((i, x), (j, y)) = (b.data, o.data);
            if i < j && (rect_within(&x, &y) || rect_within(&y, &x)) {
                out.push((i, j));
            }
        }
    }
    out
}

/// Up to this many segments (most parcels) are scanned rather than put in an R-tree.
const FEW: usize = 32;

/// The segments of a geometry, in an R-tree, or in order when they are few (ring, position in the ring).
/// The few are kept inline: most parcels then validate without allocating for them.
#[allow(clippy::large_enum_variant)]
enum Segments {
    Tree(RTree<Seg>),
    Few(SmallVec<[(u32, u32); FEW]>),
}

fn envelope(l: &Line<f64>) -> AABB<[f64; 2]> {
    AABB::from_corners([l.start.x, l.start.y], [l.end.x, l.end.y])
}

fn line(rings: &[Ring<'_>], ring: u32, seg: u32) -> Line<f64> {
    let c = rings[ring as usize].coords;
    Line::new(c[seg as usize], c[seg as usize + 1])
}

struct Ring<'a> {
    coords: &'a [Coord<f64>],
    polygon: usize,
    role: RingRole,
    /// None when a coordinate is not finite (such a ring takes no part in the R-tree).
    bbox: Option<Rect<f64>>,
}

/// Every ring of a multipolygon, its segments in one R-tree, and where rings meet.
struct Shapes<'a> {
    rings: SmallVec<[Ring<'a>; 2]>,
    /// Per polygon: its rings' positions in `rings` (shell first), empty when its shell is empty.
    polygons: SmallVec<[Range<usize>; 1]>,
    segments: Segments,
    /// Per ring: a self-intersection by geo's rule was found.
    self_crossing: SmallVec<[bool; 4]>,
    /// Per pair of rings (lower position first): their pairs of segments that meet.
    contacts: FxHashMap<(u32, u32), Vec<(u32, u32)>>,
    /// Per ring: the rings it meets.
    meets: FxHashMap<u32, SmallVec<[u32; 4]>>,
    /// Per ring: counter-clockwise (computed once the ring is known simple).
    ccw: SmallVec<[bool; 4]>,
    stats: Stats,
}

impl<'a> Shapes<'a> {
    fn new(mp: &'a MultiPolygon<f64>) -> Shapes<'a> {
        let mut rings: SmallVec<[Ring<'a>; 2]> = SmallVec::new();
        let mut polygons = SmallVec::with_capacity(mp.0.len());
        for (pi, p) in mp.0.iter().enumerate() {
            let first = rings.len();
            // geo finds a polygon with an empty shell valid, and skips empty holes.
            if !p.exterior().0.is_empty() {
                let holes = p.interiors().iter().enumerate().map(|(k, r)| (RingRole::Interior(k), r));
                for (role, r) in std::iter::once((RingRole::Exterior, p.exterior())).chain(holes) {
                    if r.0.is_empty() {
                        continue;
                    }
                    let finite = r.0.iter().all(|c| c.x.is_finite() && c.y.is_finite());
                    let bbox = finite.then(|| geo::BoundingRect::bounding_rect(r)).flatten();
                    rings.push(Ring { coords: &r.0, polygon: pi, role, bbox });
                }
            }
            polygons.push(first..rings.len());
        }
        let mut segs: SmallVec<[(u32, u32); FEW]> = SmallVec::new();
        for (ri, r) in rings.iter().enumerate() {
            if r.bbox.is_some() {
                segs.extend((0..r.coords.len().saturating_sub(1)).map(|k| (ri as u32, k as u32)));
            }
        }
        let (n, count) = (rings.len(), segs.len());
        let segments = if count <= FEW {
            Segments::Few(segs)
        } else {
            let seg = |&(r, k): &(u32, u32)| {
                let l = line(&rings, r, k);
                Seg::new(Rectangle::from_corners([l.start.x, l.start.y], [l.end.x, l.end.y]), (r, k))
            };
            Segments::Tree(RTree::bulk_load(segs.iter().map(seg).collect()))
        };
        let mut shapes = Shapes {
            rings,
            polygons,
            stats: Stats { segments: count, ..Stats::default() },
            segments,
            self_crossing: smallvec::smallvec![false; n],
            contacts: FxHashMap::default(),
            meets: FxHashMap::default(),
            ccw: smallvec::smallvec![false; n],
        };
        shapes.find_contacts();
        shapes
    }

    fn line(&self, ring: u32, seg: u32) -> Line<f64> {
        line(&self.rings, ring, seg)
    }

    /// The segments (ring, position) whose boxes meet `env`.
    fn meeting<'s>(&'s self, env: &AABB<[f64; 2]>) -> Box<dyn Iterator<Item = (u32, u32)> + 's> {
        let env = *env;
        match &self.segments {
            Segments::Tree(tree) => Box::new(tree.locate_in_envelope_intersecting(&env).map(|s| s.data)),
            Segments::Few(segs) => {
                Box::new(segs.iter().copied().filter(move |&(r, k)| envelope(&self.line(r, k)).intersects(&env)))
            }
        }
    }

    /// Looks at every pair of segments whose boxes meet, once: self-intersections by geo's rule within a
    /// ring, and the segments where different rings meet.
    fn find_contacts(&mut self) {
        let (rings, mut pairs) = (&self.rings, 0);
        let (self_crossing, contacts, meets) = (&mut self.self_crossing, &mut self.contacts, &mut self.meets);
        let mut visit = |(rs, ks): (u32, u32), (rt, kt): (u32, u32)| {
            pairs += 1;
            let (a, b) = (line(rings, rs, ks), line(rings, rt, kt));
            if rs == rt {
                // geo's rule: segments of a ring may meet only end to start (neighbours, or a spike).
                if !self_crossing[rs as usize] && a.start != b.end && a.end != b.start && a.intersects(&b) {
                    self_crossing[rs as usize] = true;
                }
            } else if a.intersects(&b) {
                let pairs = contacts.entry((rs, rt)).or_default();
                if pairs.is_empty() {
                    meets.entry(rs).or_default().push(rt);
                    meets.entry(rt).or_default().push(rs);
                }
                pairs.push((ks, kt));
            }
        };
        match &self.segments {
            Segments::Tree(tree) => {
                for s in tree.iter() {
                    for t in tree.locate_in_envelope_intersecting(&s.envelope()) {
                        if t.data > s.data {
                            visit(s.data, t.data);
                        }
                    }
                }
            }
            Segments::Few(segs) => {
                let boxes: SmallVec<[AABB<[f64; 2]>; FEW]> =
                    segs.iter().map(|&(r, k)| envelope(&line(rings, r, k))).collect();
                for i in 0..segs.len() {
                    for j in i + 1..segs.len() {
                        if boxes[i].intersects(&boxes[j]) {
                            visit(segs[i], segs[j]);
                        }
                    }
                }
            }
        }
        self.stats.segment_pairs = pairs;
    }

    /// The problem of ring `r` alone, in geo's order (too few points, self-intersection, non-finite
    /// coordinate), then zero area.
    fn ring_problem(&self, r: usize) -> Option<PolygonProblem> {
        let ring = &self.rings[r];
        let role = ring.role;
        let distinct = 1 + ring.coords.windows(2).filter(|w| w[0] != w[1]).count();
        if distinct < 4 {
            return Some(PolygonProblem::Geo(InvalidPolygon::TooFewPointsInRing(role)));
        }
        if ring.bbox.is_none() {
            // geo would test self-intersections first; with a non-finite coordinate their verdict means nothing.
            let k = ring.coords.iter().position(|c| !(c.x.is_finite() && c.y.is_finite())).unwrap_or(0);
            return Some(PolygonProblem::Geo(InvalidPolygon::NonFiniteCoord(role, CoordIndex(k))));
        }
        if self.self_crossing[r] {
            return Some(PolygonProblem::Geo(InvalidPolygon::SelfIntersection(role)));
        }
        if collinear(ring.coords) {
            return Some(PolygonProblem::ZeroArea(role));
        }
        None
    }

    /// True when the simple ring `r` runs counter-clockwise: the turn at its lowest-leftmost vertex (exact).
    fn counter_clockwise(&self, r: usize) -> bool {
        let c = self.rings[r].coords;
        let m = c.len() - 1; // closed: the last point repeats the first
        let lowest = (0..m).min_by(|&i, &j| c[i].x.total_cmp(&c[j].x).then(c[i].y.total_cmp(&c[j].y))).unwrap_or(0);
        let (prev, next) = self.neighbours(r, lowest);
        match orient(prev, c[lowest], next) {
            Orientation::CounterClockwise => true,
            Orientation::Clockwise => false,
            // Not for a simple ring of positive area; the signed area decides.
            Orientation::Collinear => c.windows(2).map(|w| (w[0].x - w[1].x) * (w[0].y + w[1].y)).sum::<f64>() > 0.0,
        }
    }

    /// The distinct points before and after vertex `k` of ring `r` (around the closing point).
    fn neighbours(&self, r: usize, k: usize) -> (Coord<f64>, Coord<f64>) {
        let c = self.rings[r].coords;
        let m = c.len() - 1;
        let p = c[k % m];
        let prev = (1..m).map(|d| c[(k % m + m - d) % m]).find(|q| *q != p).unwrap_or(p);
        let next = (1..m).map(|d| c[(k % m + d) % m]).find(|q| *q != p).unwrap_or(p);
        (prev, next)
    }

    /// The problems of polygon `p` (ring by ring, then between its rings), the first in geo's order.
    fn polygon_problem(&mut self, p: usize) -> Option<PolygonProblem> {
        let rings = self.polygons[p].clone();
        for r in rings.clone() {
            if let Some(problem) = self.ring_problem(r) {
                return Some(problem);
            }
        }
        // Orientation is needed between rings only.
        if rings.len() < 2 && self.polygons.len() < 2 {
            return None;
        }
        for r in rings.clone() {
            self.ccw[r] = self.counter_clockwise(r);
        }
        if rings.len() < 2 {
            return None;
        }
        let shell = rings.start;
        // (hole, 0, 0, 0): not within the shell; (hole, 1, ..): on a line with it; (hole, 2, other, 0 | 1):
        // interiors or lines in common with a later hole. geo reports them in that order.
        let mut found: Vec<((usize, u8, usize, u8), InvalidPolygon)> = Vec::new();
        let shell_box = self.rings[shell].bbox;
        for h in rings.start + 1..rings.end {
            let (x, y) = (Region::Ring(h), Region::Ring(shell));
            let within = self.rings[h].bbox.zip(shell_box).is_some_and(|(a, b)| rect_within(&a, &b))
                && !self.region_sides(x, h..h + 1, y).outside;
            self.stats.related_pairs += 1;
            if !within {
                found.push(((h, 0, 0, 0), InvalidPolygon::InteriorRingNotContainedInExteriorRing(self.rings[h].role)));
            }
            if self.share_a_line(h..h + 1, y) {
                found.push((
                    (h, 1, 0, 0),
                    InvalidPolygon::IntersectingRingsOnALine(RingRole::Exterior, self.rings[h].role),
                ));
            }
        }
        for (h1, h2) in self.related_holes(rings.start + 1..rings.end) {
            let (x, y) = (Region::Ring(h1), Region::Ring(h2));
            self.stats.related_pairs += 1;
            if self.overlap(x, h1..h1 + 1, y, h2..h2 + 1) {
                found.push((
                    (h1, 2, h2, 0),
                    InvalidPolygon::IntersectingRingsOnAnArea(self.rings[h1].role, self.rings[h2].role),
                ));
            }
            if self.share_a_line(h1..h1 + 1, y) {
                found.push((
                    (h1, 2, h2, 1),
                    InvalidPolygon::IntersectingRingsOnALine(self.rings[h1].role, self.rings[h2].role),
                ));
            }
        }
        found.into_iter().min_by_key(|f| f.0).map(|f| PolygonProblem::Geo(f.1))
    }

    /// Pairs of holes (lower position first) that meet or whose boxes nest: the only ones whose interiors or
    /// boundaries can have anything in common.
    fn related_holes(&self, holes: Range<usize>) -> Vec<(usize, usize)> {
        let mut pairs: FxHashSet<(usize, usize)> = FxHashSet::default();
        for h in holes.clone() {
            for &o in self.meets.get(&(h as u32)).map(SmallVec::as_slice).unwrap_or_default() {
                let o = o as usize;
                if holes.contains(&o) {
                    pairs.insert((h.min(o), h.max(o)));
                }
            }
        }
        pairs.extend(nested_pairs(holes.filter_map(|h| Some((h, self.rings[h].bbox?)))));
        let mut pairs: Vec<(usize, usize)> = pairs.into_iter().collect();
        pairs.sort_unstable();
        pairs
    }

    /// Pairs of polygons (lower position first) that meet or whose shells' boxes nest.
    fn related_polygons(&self) -> Vec<(usize, usize)> {
        let mut pairs: FxHashSet<(usize, usize)> = FxHashSet::default();
        for &(a, b) in self.contacts.keys() {
            let (pa, pb) = (self.rings[a as usize].polygon, self.rings[b as usize].polygon);
            if pa != pb {
                pairs.insert((pa.min(pb), pa.max(pb)));
            }
        }
        pairs.extend(nested_pairs(
            (0..self.polygons.len())
                .filter(|&p| !self.polygons[p].is_empty())
                .filter_map(|p| Some((p, self.region_box(Region::Polygon(p))?))),
        ));
        let mut pairs: Vec<(usize, usize)> = pairs.into_iter().collect();
        pairs.sort_unstable();
        pairs
    }

    /// The first problem in geo's order: polygon by polygon, each followed by its pairs with later polygons.
    fn first_problem(&mut self, multi: bool) -> Result<(), Problem> {
        let n = self.polygons.len();
        if !multi {
            return match (0..n).find_map(|p| self.polygon_problem(p)) {
                Some(p) => Err(Problem::Polygon(None, p)),
                None => Ok(()),
            };
        }
        let problems: Vec<Option<PolygonProblem>> = (0..n).map(|p| self.polygon_problem(p)).collect();
        let mut found: Vec<((usize, usize, u8), Problem)> = Vec::new();
        for (p, problem) in problems.iter().enumerate() {
            if let Some(problem) = problem {
                found.push(((p, 0, 0), Problem::Polygon(Some(p), problem.clone())));
            }
        }
        for (p, q) in self.related_polygons() {
            if problems[p].is_some() || problems[q].is_some() {
                continue;
            }
            let (x, y) = (Region::Polygon(p), Region::Polygon(q));
            self.stats.related_pairs += 1;
            if self.overlap(x, self.polygons[p].clone(), y, self.polygons[q].clone()) {
                found.push(((p, q + 1, 0), Problem::Overlap(p, q)));
            }
            if self.share_a_line(self.polygons[p].clone(), y) {
                found.push(((p, q + 1, 1), Problem::TouchOnALine(p, q)));
            }
        }
        match found.into_iter().min_by_key(|f| f.0) {
            Some((_, problem)) => Err(problem),
            None => Ok(()),
        }
    }
}
