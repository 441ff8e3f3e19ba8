//! Clipping a polygon ring to an axis-aligned box (Sutherland–Hodgman, one box edge at a time).
//!
//! Clipping a ring against a convex window never fails and needs no valid input: invalid parcels (bow-ties,
//! spikes) are clipped like the rest. Where a ring leaves and re-enters the window the result runs along the
//! window's edge; with the tile buffer those stretches lie outside the visible tile.

use geo::Coord;

/// The part of a closed ring inside `[min, max]`. The result is closed, or empty when nothing is inside.
///
/// ```
/// use geo::Coord;
/// use thuadat::tiles::clip::clip_ring;
/// let ring = [(-5.0, 1.0), (5.0, 1.0), (5.0, 2.0), (-5.0, 2.0), (-5.0, 1.0)].map(|(x, y)| Coord { x, y });
/// let out = clip_ring(&ring, Coord { x: 0.0, y: 0.0 }, Coord { x: 10.0, y: 10.0 });
/// assert_eq!(out.first(), out.last());
/// assert!(out.iter().all(|c| c.x >= 0.0));
/// ```
pub fn clip_ring(ring: &[Coord<f64>], min: Coord<f64>, max: Coord<f64>) -> Vec<Coord<f64>> {
    let mut pts: Vec<Coord<f64>> = ring.to_vec();
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    if pts.iter().all(|c| c.x >= min.x && c.x <= max.x && c.y >= min.y && c.y <= max.y) {
        return close(pts);
    }
    for edge in [Edge::Left(min.x), Edge::Right(max.x), Edge::Bottom(min.y), Edge::Top(max.y)] {
        if pts.is_empty() {
            break;
        }
        pts = clip_edge(&pts, edge);
    }
    close(pts)
}

fn close(mut pts: Vec<Coord<f64>>) -> Vec<Coord<f64>> {
    if let Some(&first) = pts.first() {
        pts.push(first);
    }
    pts
}

#[derive(Clone, Copy)]
enum Edge {
    Left(f64),
    Right(f64),
    Bottom(f64),
    Top(f64),
}

impl Edge {
    fn inside(self, c: Coord<f64>) -> bool {
        match self {
            Edge::Left(v) => c.x >= v,
            Edge::Right(v) => c.x <= v,
            Edge::Bottom(v) => c.y >= v,
            Edge::Top(v) => c.y <= v,
        }
    }

    /// Where the segment `a`-`b` (one end inside, one outside) crosses the edge.
    fn cross(self, a: Coord<f64>, b: Coord<f64>) -> Coord<f64> {
        match self {
            Edge::Left(v) | Edge::Right(v) => {
                let t = (v - a.x) / (b.x - a.x);
                Coord { x: v, y: a.y + t * (b.y - a.y) }
            }
            Edge::Bottom(v) | Edge::Top(v) => {
                let t = (v - a.y) / (b.y - a.y);
                Coord { x: a.x + t * (b.x - a.x), y: v }
            }
        }
    }
}

fn clip_edge(pts: &[Coord<f64>], edge: Edge) -> Vec<Coord<f64>> {
    let mut out = Vec::with_capacity(pts.len() + 4);
    let Some(&last) = pts.last() else { return out };
    let mut prev = last;
    for &cur in pts {
        match (edge.inside(prev), edge.inside(cur)) {
            (true, true) => out.push(cur),
            (true, false) => out.push(edge.cross(prev, cur)),
            (false, true) => {
                out.push(edge.cross(prev, cur));
                out.push(cur);
            }
            (false, false) => {}
        }
        prev = cur;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    #[test]
    fn a_ring_inside_is_kept_as_is() {
        let ring = vec![c(1., 1.), c(2., 1.), c(2., 2.), c(1., 1.)];
        assert_eq!(clip_ring(&ring, c(0., 0.), c(10., 10.)), ring);
    }

    #[test]
    fn a_ring_outside_vanishes() {
        let ring = vec![c(11., 11.), c(12., 11.), c(12., 12.), c(11., 11.)];
        assert!(clip_ring(&ring, c(0., 0.), c(10., 10.)).is_empty());
    }

    #[test]
    fn a_square_across_a_corner_is_cut_to_the_overlap() {
        let ring = vec![c(5., 5.), c(15., 5.), c(15., 15.), c(5., 15.), c(5., 5.)];
        let out = clip_ring(&ring, c(0., 0.), c(10., 10.));
        let area: f64 = out.windows(2).map(|w| w[0].x * w[1].y - w[1].x * w[0].y).sum::<f64>() / 2.0;
        assert_eq!(area, 25.0);
    }
}
