//! A sound, cheap test that two polygons do not overlap: the way touching neighbours of a cadastral map (the
//! vast majority of candidate pairs from the R-tree) are rejected without a polygon overlay.
//!
//! Both polygons must be oriented as [`geo::orient::Direction::Default`] (shells counter-clockwise, holes
//! clockwise), so that every polygon's interior lies to the left of each of its edges. All orientation tests
//! use geo's robust (exact) predicate, so neighbours that share vertices are classified exactly.
//!
//! [`interiors_disjoint`] answers `true` only when it has proved that the interiors do not meet; when it is
//! unsure (a point exactly on a boundary where it did not expect one) it answers `false` and the caller runs the
//! exact overlay.
//!
//! ```
//! use geo::{polygon, orient::{Direction, Orient}};
//! use thuadat::topology::interiors_disjoint;
//! let a = polygon![(x: 0., y: 0.), (x: 5., y: 0.), (x: 5., y: 20.), (x: 0., y: 20.)].orient(Direction::Default);
//! let b = polygon![(x: 5., y: 0.), (x: 10., y: 0.), (x: 10., y: 20.), (x: 5., y: 20.)].orient(Direction::Default);
//! let c = polygon![(x: 4., y: 0.), (x: 10., y: 0.), (x: 10., y: 20.), (x: 4., y: 20.)].orient(Direction::Default);
//! assert!(interiors_disjoint(&a, &b)); // neighbours sharing an edge
//! assert!(!interiors_disjoint(&a, &c)); // a 1 m strip in common
//! ```

use geo::coordinate_position::CoordPos;
use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo::{BoundingRect, Coord, CoordinatePosition, Line, Polygon, Rect};
use smallvec::SmallVec;

pub(crate) fn orient(p: Coord<f64>, q: Coord<f64>, r: Coord<f64>) -> Orientation {
    RobustKernel::orient2d(p, q, r)
}

fn boxes_meet(a: &Line<f64>, b: &Line<f64>) -> bool {
    a.start.x.min(a.end.x) <= b.start.x.max(b.end.x)
        && b.start.x.min(b.end.x) <= a.start.x.max(a.end.x)
        && a.start.y.min(a.end.y) <= b.start.y.max(b.end.y)
        && b.start.y.min(b.end.y) <= a.start.y.max(a.end.y)
}

fn dot(a: Coord<f64>, b: Coord<f64>) -> f64 {
    a.x * b.x + a.y * b.y
}

/// Position of `c` along the line through `l` (0 at start, 1 at end).
fn param(l: &Line<f64>, c: Coord<f64>) -> f64 {
    let d = l.end - l.start;
    dot(c - l.start, d) / dot(d, d)
}

/// True when collinear segments share a stretch of positive length.
fn collinear_overlap(a: &Line<f64>, b: &Line<f64>) -> bool {
    let (t0, t1) = (param(a, b.start), param(a, b.end));
    t0.max(t1).min(1.0) > t0.min(t1).max(0.0)
}

/// True when `v` lies on the closed segment `l` (exact).
fn on_segment(l: &Line<f64>, v: Coord<f64>) -> bool {
    l.start.x.min(l.end.x) <= v.x
        && v.x <= l.start.x.max(l.end.x)
        && l.start.y.min(l.end.y) <= v.y
        && v.y <= l.start.y.max(l.end.y)
        && orient(l.start, l.end, v) == Orientation::Collinear
}

/// True when the boundary of `b` never enters the interior of `a`: no edge of `b` crosses an edge of `a`
/// properly, no stretch of `b`'s boundary runs along `a`'s in the same direction (interiors on the same side),
/// and every other piece of `b`'s boundary lies outside `a`. False when that is not proved.
///
/// With no proper crossings, each piece of an edge of `b` between the points where it touches `a` lies
/// wholly inside or wholly outside `a`. Consecutive pieces of a ring that meet at a point off `a`'s boundary
/// lie on the same side of it (the path through them does not touch the boundary), so only the first piece
/// after each contact with `a` needs a point-in-polygon test: on a map, the run of a neighbour's edges away
/// from the shared boundary costs one test, not one per edge.
///
/// The interior of a valid polygon is connected, so when this holds the interior of `a` lies either wholly
/// outside `b` (disjoint interiors) or wholly inside it (`a` within `b`).
///
/// `near_a`: the edges of `a` that meet `b`'s bounding box (no other edge of `a` can touch `b`).
fn boundary_stays_outside(a: &Polygon<f64>, near_a: &[Line<f64>], b: &Polygon<f64>, a_box: &Rect<f64>) -> bool {
    const C: Orientation = Orientation::Collinear;
    let mut cuts: SmallVec<[f64; 8]> = SmallVec::new();
    let mut along: SmallVec<[Line<f64>; 4]> = SmallVec::new();
    for ring in std::iter::once(b.exterior()).chain(b.interiors()) {
        // The piece that ends at the current point is known to lie outside `a`, and the point is not on
        // `a`'s boundary.
        let mut outside_before = false;
        for eb in ring.lines() {
            let eb_box = Rect::new(eb.start, eb.end);
            if !rects_meet(&eb_box, a_box) {
                outside_before = true; // wholly outside a's bounding box, and so are its ends
                continue;
            }
            cuts.clear();
            cuts.push(0.0);
            cuts.push(1.0);
            along.clear();
            let (mut start_contact, mut end_contact) = (false, false);
            for &ea in near_a {
                if !boxes_meet(&ea, &eb) {
                    continue;
                }
                let s = orient(eb.start, eb.end, ea.start);
                let e = orient(eb.start, eb.end, ea.end);
                if s == e && s != C {
                    continue; // `ea` lies strictly on one side of `eb`'s line: no contact
                }
                let o1 = orient(ea.start, ea.end, eb.start);
                let o2 = orient(ea.start, ea.end, eb.end);
                if o1 == o2 && o1 != C {
                    continue; // `eb` lies strictly on one side of `ea`'s line: no contact
                }
                if o1 == C && o2 == C {
                    // Same line: a shared stretch with both interiors on the left of the same direction overlaps.
                    if collinear_overlap(&ea, &eb) && dot(ea.delta(), eb.delta()) > 0.0 {
                        return false;
                    }
                } else if o1 != C && o2 != C && s != C && e != C {
                    return false; // proper crossing
                }
                for (o, v) in [(s, ea.start), (e, ea.end)] {
                    if o == C {
                        let t = param(&eb, v);
                        if t > 0.0 && t < 1.0 {
                            cuts.push(t);
                        } else if eb_box.min().x <= v.x
                            && v.x <= eb_box.max().x
                            && eb_box.min().y <= v.y
                            && v.y <= eb_box.max().y
                        {
                            // On the closed edge, at (or numerically at) one of its ends.
                            if t <= 0.5 {
                                start_contact = true;
                            } else {
                                end_contact = true;
                            }
                        }
                    }
                }
                if s == C && e == C {
                    along.push(ea);
                }
                if !start_contact && on_segment(&ea, eb.start) {
                    start_contact = true;
                }
            }
            if start_contact {
                outside_before = false;
            }
            cuts.sort_unstable_by(f64::total_cmp);
            cuts.dedup();
            for (k, w) in cuts.windows(2).enumerate() {
                if k > 0 {
                    outside_before = false; // a cut is a point of a's boundary
                }
                // Pieces that run along an edge of `a` were judged by direction above.
                if along.iter().any(|ea| {
                    let (u0, u1) = (param(&eb, ea.start), param(&eb, ea.end));
                    u0.min(u1) <= w[0] && w[1] <= u0.max(u1)
                }) {
                    outside_before = false;
                    continue;
                }
                if outside_before {
                    continue;
                }
                let tm = (w[0] + w[1]) / 2.0;
                let m = eb.start + eb.delta() * tm;
                match a.coordinate_position(&m) {
                    CoordPos::Outside => outside_before = true,
                    CoordPos::Inside | CoordPos::OnBoundary => return false,
                }
            }
            if end_contact {
                outside_before = false;
            }
        }
    }
    true
}

/// True when `inner` lies within `outer` (closed boxes).
pub(crate) fn rect_within(inner: &Rect<f64>, outer: &Rect<f64>) -> bool {
    outer.min().x <= inner.min().x
        && outer.min().y <= inner.min().y
        && inner.max().x <= outer.max().x
        && inner.max().y <= outer.max().y
}

/// The smallest box holding both.
pub(crate) fn rect_union(a: Rect<f64>, b: Rect<f64>) -> Rect<f64> {
    Rect::new(
        Coord { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
        Coord { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
    )
}

/// `r` grown by `by` on every side.
pub(crate) fn rect_grown(r: Rect<f64>, by: f64) -> Rect<f64> {
    Rect::new(Coord { x: r.min().x - by, y: r.min().y - by }, Coord { x: r.max().x + by, y: r.max().y + by })
}

/// True when the closed boxes share a point.
pub(crate) fn rects_meet(a: &Rect<f64>, b: &Rect<f64>) -> bool {
    a.min().x <= b.max().x && b.min().x <= a.max().x && a.min().y <= b.max().y && b.min().y <= a.max().y
}

/// True when the line through some shell edge of `a` has all of `a` on its left (or on it) and all of `b` on
/// its right (or on it): the closed half-planes then hold the two polygons, so their interiors cannot meet.
/// Neighbours on a map are mostly convex plots sharing an edge, and this settles them in a few orientation
/// tests.
///
/// `shell_near_b`: the shell edges of `a` to try (those that meet `b`'s bounding box: the lines of far edges
/// rarely separate, and a pair this test leaves goes to the full test).
fn separated_by_an_edge_line(shell_near_b: &[Line<f64>], a: &Polygon<f64>, b: &Polygon<f64>) -> bool {
    let (ra, rb) = (&a.exterior().0, &b.exterior().0);
    'edges: for e in shell_near_b {
        if e.start == e.end {
            continue; // a repeated vertex: no line
        }
        for &v in rb {
            if orient(e.start, e.end, v) == Orientation::CounterClockwise {
                continue 'edges;
            }
        }
        for &v in ra {
            if orient(e.start, e.end, v) == Orientation::Clockwise {
                continue 'edges;
            }
        }
        return true;
    }
    false
}

/// True when the interiors of `a` and `b` are proved disjoint (they may still share boundary).
pub fn interiors_disjoint(a: &Polygon<f64>, b: &Polygon<f64>) -> bool {
    let (Some(a_box), Some(b_box)) = (a.bounding_rect(), b.bounding_rect()) else { return true };
    interiors_disjoint_in_boxes(a, &a_box, b, &b_box)
}

/// [`interiors_disjoint`] with the polygons' bounding boxes already known (they must be exact).
pub fn interiors_disjoint_in_boxes(a: &Polygon<f64>, a_box: &Rect<f64>, b: &Polygon<f64>, b_box: &Rect<f64>) -> bool {
    let (a_box, b_box) = (*a_box, *b_box);
    if !rects_meet(&a_box, &b_box) {
        return true;
    }
    // Edges that meet the other polygon's box, shell edges first, and how many of them are shell edges.
    let near = |p: &Polygon<f64>, r: &Rect<f64>| -> (SmallVec<[Line<f64>; 16]>, usize) {
        let meets = |e: &Line<f64>| rects_meet(&Rect::new(e.start, e.end), r);
        let mut v: SmallVec<[Line<f64>; 16]> = p.exterior().lines().filter(meets).collect();
        let shell = v.len();
        v.extend(p.interiors().iter().flat_map(|r| r.lines()).filter(meets));
        (v, shell)
    };
    let (near_a, shell_a) = near(a, &b_box);
    if separated_by_an_edge_line(&near_a[..shell_a], a, b) {
        return true;
    }
    // When `b`'s boundary stays out of `a`, the interiors are disjoint or `a` lies within `b`; the latter needs
    // `a`'s box within `b`'s. Neighbours on a map seldom have nested boxes, so one direction settles them.
    if !rect_within(&a_box, &b_box) {
        return boundary_stays_outside(a, &near_a, b, &a_box);
    }
    let (near_b, shell_b) = near(b, &a_box);
    if separated_by_an_edge_line(&near_b[..shell_b], b, a) {
        return true;
    }
    if !rect_within(&b_box, &a_box) {
        return boundary_stays_outside(b, &near_b, a, &b_box);
    }
    boundary_stays_outside(a, &near_a, b, &a_box) && boundary_stays_outside(b, &near_b, a, &b_box)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::orient::{Direction, Orient};
    use geo::{polygon, Area, BooleanOps};

    fn o(p: Polygon<f64>) -> Polygon<f64> {
        p.orient(Direction::Default)
    }

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
        o(polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)])
    }

    /// The test must agree with the exact overlay wherever it claims disjointness.
    fn check(a: &Polygon<f64>, b: &Polygon<f64>, expect_disjoint: bool) {
        assert_eq!(interiors_disjoint(a, b), expect_disjoint, "a={a:?} b={b:?}");
        assert_eq!(interiors_disjoint(b, a), expect_disjoint, "swapped");
        let overlap = a.intersection(b).unsigned_area();
        if expect_disjoint {
            assert!(overlap < 1e-9, "claimed disjoint but overlap {overlap}");
        } else {
            assert!(overlap > 1e-9, "expected an overlap");
        }
    }

    #[test]
    fn shared_edges_and_corners_touch() {
        check(&rect(0., 0., 5., 20.), &rect(5., 0., 10., 20.), true);
        check(&rect(0., 0., 5., 20.), &rect(5., 20., 10., 30.), true); // corner
        check(&rect(0., 0., 5., 20.), &rect(5., 5., 10., 10.), true); // T-junction: partial shared edge
        check(&rect(0., 0., 5., 20.), &rect(6., 0., 10., 20.), true); // apart
                                                                      // A neighbour with an extra vertex on the shared edge.
        let b = o(polygon![(x: 5., y: 0.), (x: 10., y: 0.), (x: 10., y: 20.), (x: 5., y: 20.), (x: 5., y: 10.)]);
        check(&rect(0., 0., 5., 20.), &b, true);
    }

    #[test]
    fn neighbours_sharing_a_bent_boundary_touch() {
        // Two plots of the generated sample: their common boundary is a chain of three vertices rounded to the
        // millimetre, so no line through one of its edges separates them.
        let a = o(polygon![
            (x: 541585.715, y: 2321408.556), (x: 541596.677, y: 2321409.478), (x: 541596.125, y: 2321416.63),
            (x: 541595.573, y: 2321423.783), (x: 541594.724, y: 2321434.792), (x: 541593.875, y: 2321445.801),
            (x: 541583.308, y: 2321445.014), (x: 541584.767, y: 2321422.915)
        ]);
        let b = o(polygon![
            (x: 541596.677, y: 2321409.478), (x: 541601.132, y: 2321409.852), (x: 541600.544, y: 2321416.994),
            (x: 541599.955, y: 2321424.135), (x: 541595.573, y: 2321423.783), (x: 541596.125, y: 2321416.63)
        ]);
        check(&a, &b, true);
        // The middle vertex of b moved 1 cm into a: they overlap.
        let b = o(polygon![
            (x: 541596.677, y: 2321409.478), (x: 541601.132, y: 2321409.852), (x: 541600.544, y: 2321416.994),
            (x: 541599.955, y: 2321424.135), (x: 541595.573, y: 2321423.783), (x: 541596.115, y: 2321416.63)
        ]);
        check(&a, &b, false);
    }

    #[test]
    fn overlaps_are_never_missed() {
        check(&rect(0., 0., 5., 20.), &rect(4., 0., 10., 20.), false); // strip
        check(&rect(0., 0., 5., 20.), &rect(0., 0., 5., 20.), false); // identical
        check(&rect(0., 0., 10., 20.), &rect(0., 0., 5., 20.), false); // half, sharing three edges
        check(&rect(0., 0., 10., 20.), &rect(2., 2., 4., 4.), false); // inside, no contact
        check(&rect(0., 0., 10., 20.), &rect(0., 0., 10., 10.), false); // contained, shares a corner region
        check(&rect(0., 0., 10., 10.), &rect(5., 5., 15., 15.), false); // corner overlap
                                                                        // A chord: b's edge runs from a's boundary through its interior to a's boundary.
        let b = o(polygon![(x: 0., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.)]);
        check(&rect(0., 0., 10., 10.), &b, false);
        // Rotated strips (envelopes overlap a lot) that only touch.
        let a = o(polygon![(x: 0., y: 0.), (x: 4., y: 3.), (x: 1., y: 7.), (x: -3., y: 4.)]);
        let c = o(polygon![(x: 4., y: 3.), (x: 8., y: 6.), (x: 5., y: 10.), (x: 1., y: 7.)]);
        check(&a, &c, true);
        let c2 = o(polygon![(x: 3.9, y: 3.), (x: 8., y: 6.), (x: 5., y: 10.), (x: 1., y: 7.)]);
        check(&a, &c2, false);
    }

    /// Random small polygons on a coarse grid (so that vertices coincide and edges run along each other as on
    /// a real map): whenever the test claims disjoint interiors, the exact overlay must agree, and it must
    /// not give up on plain neighbours.
    #[test]
    fn never_claims_disjoint_when_overlay_finds_area() {
        use geo::{LineString, Validation};
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let random_polygon = |rng: &mut rand_chacha::ChaCha8Rng| loop {
            let n = rng.random_range(3..7);
            let mut pts: Vec<(f64, f64)> =
                (0..n).map(|_| (rng.random_range(0..5) as f64, rng.random_range(0..5) as f64)).collect();
            // Repeated vertices happen in real maps (and are valid).
            if rng.random_range(0..5) == 0 {
                let k = rng.random_range(0..pts.len());
                pts.insert(k, pts[k]);
            }
            let p = Polygon::new(LineString::from(pts), vec![]);
            if p.is_valid() && p.unsigned_area() > 0.0 {
                return o(p);
            }
        };
        let (mut claimed, mut checked, mut zero) = (0, 0, 0);
        for _ in 0..20_000 {
            let a = random_polygon(&mut rng);
            let b = random_polygon(&mut rng);
            let overlap = a.intersection(&b).unsigned_area();
            checked += 1;
            zero += usize::from(overlap < 1e-9);
            if interiors_disjoint(&a, &b) {
                claimed += 1;
                assert!(overlap < 1e-9, "claimed disjoint, overlay says {overlap}: {a:?} {b:?}");
            }
        }
        // Seen: 4,939 of the 5,140 pairs without common area proved (the rest go to the overlay).
        assert!(
            claimed * 100 >= zero * 95,
            "the test proves too few pairs disjoint: {claimed} of {zero} ({checked} pairs)"
        );
    }

    #[test]
    fn runs_of_edges_away_from_a_are_judged_again_after_each_contact() {
        // b runs around a outside it, touches a's right edge at (10, 5) and a's corner (0, 0), and between
        // these contacts runs through a's interior without crossing any edge properly.
        let b = o(polygon![(x: 0., y: 0.), (x: 20., y: -5.), (x: 20., y: 15.), (x: 10., y: 5.), (x: 5., y: 5.)]);
        check(&rect(0., 0., 10., 10.), &b, false);
        // The same run staying outside: touches only.
        let b = o(polygon![(x: 10., y: 0.), (x: 20., y: -5.), (x: 20., y: 15.), (x: 10., y: 5.), (x: 12., y: 3.)]);
        check(&rect(0., 0., 10., 10.), &b, true);
    }

    #[test]
    fn holes_count() {
        let donut =
            o(Polygon::new(rect(0., 0., 10., 10.).exterior().clone(), vec![rect(3., 3., 7., 7.).exterior().clone()]));
        check(&donut, &rect(3., 3., 7., 7.), true); // fills the hole exactly
        check(&donut, &rect(2., 2., 8., 8.), false);
        check(&donut, &rect(4., 4., 6., 6.), true); // inside the hole
    }
}
