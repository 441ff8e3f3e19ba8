//! How rings lie with respect to each other once each is simple and encloses an area: which stretches of one
//! ring lie inside, outside or along another ring (or polygon), from exact orientation tests around the points
//! where they meet, and a ray for a ring that meets nothing of the other.

use std::ops::Range;

use geo::kernels::Orientation;
use geo::{Coord, Intersects, Line, Rect};
use rstar::AABB;
use smallvec::SmallVec;

use super::{orient, rects_meet, RingRole, Shapes, C};

/// A direction from a point, towards this point, and whether a region's interior lies to its left.
type Ray = (Coord<f64>, bool);

/// True when `v` lies on the closed segment `l` (exact).
pub(super) fn on_segment(l: &Line<f64>, v: Coord<f64>) -> bool {
    l.start.x.min(l.end.x) <= v.x
        && v.x <= l.start.x.max(l.end.x)
        && l.start.y.min(l.end.y) <= v.y
        && v.y <= l.start.y.max(l.end.y)
        && orient(l.start, l.end, v) == C
}

/// True when two segments run along each other for a positive length (exact).
pub(super) fn share_a_stretch(a: &Line<f64>, e: &Line<f64>) -> bool {
    if a.start == a.end
        || e.start == e.end
        || orient(a.start, a.end, e.start) != C
        || orient(a.start, a.end, e.end) != C
    {
        return false;
    }
    let key = |c: Coord<f64>| if a.start.x != a.end.x { c.x } else { c.y };
    let span = |l: &Line<f64>| (key(l.start).min(key(l.end)), key(l.start).max(key(l.end)));
    let ((a0, a1), (e0, e1)) = (span(a), span(e));
    a0.max(e0) < a1.min(e1)
}

/// The order of the directions from `p` to `a` and to `b`, counter-clockwise from east (exact).
pub(super) fn angle_order(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    let upper = |q: Coord<f64>| q.y > p.y || (q.y == p.y && q.x > p.x);
    match (upper(a), upper(b)) {
        (true, false) => Less,
        (false, true) => Greater,
        _ => match orient(p, a, b) {
            Orientation::CounterClockwise => Less,
            Orientation::Clockwise => Greater,
            Orientation::Collinear => Equal,
        },
    }
}

/// A region rings are classified against: one ring's inside, or a polygon (shell minus holes).
#[derive(Debug, Clone, Copy)]
pub(super) enum Region {
    Ring(usize),
    Polygon(usize),
}

/// Where the stretches of a ring lie with respect to a region.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Sides {
    pub(super) inside: bool,
    pub(super) outside: bool,
    /// A stretch along the region's boundary with both interiors on the same side.
    pub(super) along_same: bool,
}

impl Shapes<'_> {
    pub(super) fn in_region(&self, region: Region, ring: usize) -> bool {
        match region {
            Region::Ring(r) => r == ring,
            Region::Polygon(p) => self.rings[ring].polygon == p,
        }
    }

    /// True when the region's interior lies to the left of ring `ring`'s edges, as the ring runs.
    pub(super) fn interior_left(&self, region: Region, ring: usize) -> bool {
        let hole = matches!(self.rings[ring].role, RingRole::Interior(_));
        match region {
            Region::Ring(_) => self.ccw[ring],
            Region::Polygon(_) => self.ccw[ring] != hole,
        }
    }

    /// The region's bounding box (a polygon's is its shell's).
    pub(super) fn region_box(&self, region: Region) -> Option<Rect<f64>> {
        let ring = match region {
            Region::Ring(r) => r,
            Region::Polygon(p) => self.polygons[p].start,
        };
        self.rings[ring].bbox
    }

    /// True when `q`, which is on no boundary of the region, lies inside it: the parity of the region's edges
    /// that a ray from `q` eastwards crosses (exact).
    pub(super) fn inside(&self, q: Coord<f64>, region: Region) -> bool {
        let Some(bbox) = self.region_box(region) else { return false };
        if !bbox.intersects(&q) {
            return false;
        }
        let ray = AABB::from_corners([q.x, q.y], [bbox.max().x, q.y]);
        let mut inside = false;
        for (ring, k) in self.meeting(&ray) {
            if !self.in_region(region, ring as usize) {
                continue;
            }
            let e = self.line(ring, k);
            if (e.start.y > q.y) != (e.end.y > q.y) {
                let o = orient(e.start, e.end, q);
                let up = e.end.y > e.start.y;
                if (up && o == Orientation::CounterClockwise) || (!up && o == Orientation::Clockwise) {
                    inside = !inside;
                }
            }
        }
        inside
    }

    /// The directions from `p` along the region's boundary, each with whether the region's interior lies to
    /// its left (counter-clockwise of it).
    pub(super) fn rays(&self, p: Coord<f64>, region: Region) -> SmallVec<[Ray; 8]> {
        let mut rays = SmallVec::new();
        for (ring, k) in self.meeting(&AABB::from_point([p.x, p.y])) {
            if !self.in_region(region, ring as usize) {
                continue;
            }
            let e = self.line(ring, k);
            if e.start == e.end || !on_segment(&e, p) {
                continue;
            }
            let left = self.interior_left(region, ring as usize);
            if p != e.start {
                rays.push((e.start, !left));
            }
            if p != e.end {
                rays.push((e.end, left));
            }
        }
        rays
    }

    /// Where the stretches of ring `r` (of region `x`) lie with respect to region `y`, from the pairs of
    /// segments where they meet (segment of `r`, ring and segment of `y`), which must not be empty.
    ///
    /// A proper crossing with no vertex of `y` at it puts stretches on both sides. Every other meeting point is
    /// a vertex of one of them; there each direction of `r` away from it is classified among the directions of
    /// `y`'s boundary around it. Every stretch of `r` starts at such a point (or lies between crossings), and
    /// keeps its side up to the next.
    pub(super) fn sides(&self, r: usize, x: Region, y: Region, pairs: &mut [(u32, u32, u32)]) -> Sides {
        let mut sides = Sides::default();
        let mut events: Vec<(Coord<f64>, u32)> = Vec::new();
        pairs.sort_unstable();
        for group in pairs.chunk_by(|a, b| a.0 == b.0) {
            let k = group[0].0;
            let a = self.line(r as u32, k);
            let on_a: SmallVec<[Coord<f64>; 4]> = group
                .iter()
                .flat_map(|&(_, re, ke)| {
                    let e = self.line(re, ke);
                    [e.start, e.end]
                })
                .filter(|v| on_segment(&a, *v))
                .collect();
            for &(_, re, ke) in group {
                let e = self.line(re, ke);
                let (o1, o2) = (orient(e.start, e.end, a.start), orient(e.start, e.end, a.end));
                let (o3, o4) = (orient(a.start, a.end, e.start), orient(a.start, a.end, e.end));
                if o1 != C && o2 != C && o1 != o2 && o3 != C && o4 != C && o3 != o4 {
                    if !on_a.iter().any(|v| on_segment(&e, *v)) {
                        sides.inside = true;
                        sides.outside = true;
                    }
                    continue;
                }
                for v in [a.start, a.end] {
                    if on_segment(&e, v) {
                        events.push((v, k));
                    }
                }
            }
            events.extend(on_a.iter().map(|v| (*v, k)));
        }
        events.sort_unstable_by(|a, b| a.0.x.total_cmp(&b.0.x).then(a.0.y.total_cmp(&b.0.y)));
        events.dedup_by(|a, b| a.0 == b.0);
        let x_left = self.interior_left(x, r);
        for (p, k) in events {
            let a = self.line(r as u32, k);
            let vertex = if p == a.start {
                Some(k as usize)
            } else if p == a.end {
                Some(k as usize + 1)
            } else {
                None
            };
            let (back, ahead) = match vertex {
                Some(v) => self.neighbours(r, v),
                None => (a.start, a.end),
            };
            let rays = self.rays(p, y);
            for (q, left_of_r) in [(back, !x_left), (ahead, x_left)] {
                if q == p {
                    continue;
                }
                self.classify(p, q, left_of_r, &rays, &mut sides);
            }
        }
        sides
    }

    /// Classifies the direction from `p` to `q` (with `x`'s interior on its left or not) among `rays`.
    pub(super) fn classify(&self, p: Coord<f64>, q: Coord<f64>, x_left: bool, rays: &[Ray], sides: &mut Sides) {
        use std::cmp::Ordering::*;
        // The ray just clockwise of q (the last before it counter-clockwise from east, else the last of all):
        // the sector that q lies in is to that ray's left.
        let (mut before, mut last): (Option<Ray>, Option<Ray>) = (None, None);
        for &ray in rays {
            match angle_order(p, ray.0, q) {
                Equal => {
                    if ray.1 == x_left {
                        sides.along_same = true;
                    }
                    return;
                }
                Less => {
                    if before.is_none_or(|b| angle_order(p, b.0, ray.0) == Less) {
                        before = Some(ray);
                    }
                }
                Greater => {}
            }
            if last.is_none_or(|l| angle_order(p, l.0, ray.0) == Less) {
                last = Some(ray);
            }
        }
        match before.or(last) {
            Some((_, true)) => sides.inside = true,
            Some((_, false)) => sides.outside = true,
            None => {}
        }
    }

    /// The pairs of segments where ring `r` meets the rings of region `y`: (segment of `r`, ring, segment).
    pub(super) fn pairs_with(&self, r: usize, y: Region) -> Vec<(u32, u32, u32)> {
        let mut out = Vec::new();
        let Some(others) = self.meets.get(&(r as u32)) else { return out };
        for &o in others {
            if !self.in_region(y, o as usize) {
                continue;
            }
            let r = r as u32;
            let key = if r < o { (r, o) } else { (o, r) };
            for &(ka, kb) in self.contacts.get(&key).map(Vec::as_slice).unwrap_or_default() {
                out.push(if r < o { (ka, o, kb) } else { (kb, o, ka) });
            }
        }
        out
    }

    /// True when some pair of segments of the two regions runs along each other.
    pub(super) fn share_a_line(&self, rings_x: Range<usize>, y: Region) -> bool {
        rings_x.into_iter().any(|r| {
            self.pairs_with(r, y).iter().any(|&(k, o, ke)| share_a_stretch(&self.line(r as u32, k), &self.line(o, ke)))
        })
    }

    /// Where the rings `rings_x` of region `x` lie with respect to region `y` (all stretches of all of them).
    pub(super) fn region_sides(&self, x: Region, rings_x: Range<usize>, y: Region) -> Sides {
        let mut all = Sides::default();
        let y_box = self.region_box(y);
        for r in rings_x {
            let mut pairs = self.pairs_with(r, y);
            let s = if !pairs.is_empty() {
                self.sides(r, x, y, &mut pairs)
            } else if self.rings[r].bbox.zip(y_box).is_some_and(|(a, b)| rects_meet(&a, &b))
                && self.inside(self.rings[r].coords[0], y)
            {
                Sides { inside: true, ..Sides::default() }
            } else {
                Sides { outside: true, ..Sides::default() }
            };
            all.inside |= s.inside;
            all.outside |= s.outside;
            all.along_same |= s.along_same;
        }
        all
    }

    /// True when the interiors of the two regions meet: a stretch of either boundary inside the other, or a
    /// stretch both run along with their interiors on the same side.
    pub(super) fn overlap(&self, x: Region, rings_x: Range<usize>, y: Region, rings_y: Range<usize>) -> bool {
        let a = self.region_sides(x, rings_x, y);
        a.inside || a.along_same || self.region_sides(y, rings_y, x).inside
    }
}
