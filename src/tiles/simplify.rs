//! Ramer–Douglas–Peucker simplification of a ring or line in tile coordinates, as geo's `Simplify` for a
//! `LineString` computes it (the same distances, the same choice of the farthest point, so the same points
//! kept), without its per-step allocations: one pass marks the points kept, with an explicit stack of spans,
//! and the line's length is computed once per span rather than once per point.

use geo::Coord;

/// Marks in `keep` (resized to `pts.len()`) the points RDP with tolerance `epsilon` keeps; returns how many.
///
/// ```
/// use geo::{Coord, LineString, Simplify};
/// use thuadat::tiles::simplify::rdp_keep;
/// let pts: Vec<Coord<f64>> = [(0.0, 0.0), (5.0, 0.4), (10.0, 0.0), (10.0, 10.0), (0.0, 0.0)]
///     .map(|(x, y)| Coord { x, y })
///     .to_vec();
/// let mut keep = Vec::new();
/// rdp_keep(&pts, 1.0, &mut keep);
/// let ours: Vec<Coord<f64>> = pts.iter().zip(&keep).filter(|(_, k)| **k).map(|(c, _)| *c).collect();
/// assert_eq!(ours, LineString(pts.clone()).simplify(1.0).0);
/// ```
pub fn rdp_keep(pts: &[Coord<f64>], epsilon: f64, keep: &mut Vec<bool>) -> usize {
    let n = pts.len();
    keep.clear();
    if epsilon <= 0.0 || n <= 2 {
        keep.resize(n, true);
        return n;
    }
    keep.resize(n, false);
    keep[0] = true;
    keep[n - 1] = true;
    let mut kept = 2;
    let mut spans: Vec<(usize, usize)> = vec![(0, n - 1)];
    while let Some((lo, hi)) = spans.pop() {
        if hi - lo < 2 {
            continue;
        }
        let (far, d) = farthest(&pts[lo..=hi]);
        if d > epsilon {
            keep[lo + far] = true;
            kept += 1;
            spans.push((lo + far, hi));
            spans.push((lo, lo + far));
        }
    }
    kept
}

/// The interior point of `span` farthest from the line between its ends (the last of equals), and its
/// distance; `(0, 0.0)` when every distance is NaN.
fn farthest(span: &[Coord<f64>]) -> (usize, f64) {
    let (a, b) = (span[0], span[span.len() - 1]);
    let mut best = (0usize, 0.0f64);
    let inner = &span[1..span.len() - 1];
    if a == b {
        for (i, p) in inner.iter().enumerate() {
            let d = (a.x - p.x).hypot(a.y - p.y);
            if d >= best.1 {
                best = (i + 1, d);
            }
        }
        return best;
    }
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let d_squared = dx * dx + dy * dy;
    let length = dx.hypot(dy);
    for (i, p) in inner.iter().enumerate() {
        let r = ((p.x - a.x) * dx + (p.y - a.y) * dy) / d_squared;
        let d = if r <= 0.0 {
            (a.x - p.x).hypot(a.y - p.y)
        } else if r >= 1.0 {
            (b.x - p.x).hypot(b.y - p.y)
        } else {
            (((a.y - p.y) * dx - (a.x - p.x) * dy) / d_squared).abs() * length
        };
        if d >= best.1 {
            best = (i + 1, d);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, Simplify};
    use rand::{Rng, SeedableRng};

    #[test]
    fn the_same_points_as_geo_on_random_rings_and_lines() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let mut keep = Vec::new();
        for case in 0..2000 {
            let n = rng.random_range(0..60);
            let scale = if case % 2 == 0 { 3.0 } else { 300.0 };
            let mut pts: Vec<Coord<f64>> =
                (0..n).map(|_| Coord { x: rng.random_range(0.0..scale), y: rng.random_range(0.0..scale) }).collect();
            if case % 3 == 0 && n > 0 {
                pts.push(pts[0]);
            }
            let kept = rdp_keep(&pts, 1.0, &mut keep);
            let ours: Vec<Coord<f64>> = pts.iter().zip(&keep).filter(|(_, k)| **k).map(|(c, _)| *c).collect();
            assert_eq!(ours, LineString(pts.clone()).simplify(1.0).0, "case {case}");
            assert_eq!(kept, ours.len());
        }
    }
}
