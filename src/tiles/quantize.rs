//! Geometry into a tile's integer coordinates: transform, clip with the buffer, simplify at low zoom, snap to
//! the grid, drop what collapses, and wind rings as MVT 2.1 wants them (exterior rings of positive area in
//! tile coordinates, y down; holes negative).

use geo::{Coord, LineString, MultiPolygon, Point, Polygon};

use super::clip::clip_ring;
use super::grid::{TileId, EXTENT};
use super::simplify::rdp_keep;

/// Below this zoom, rings are simplified (Ramer–Douglas–Peucker) by [`SIMPLIFY_TOLERANCE`] tile units before
/// snapping, so a tile's size stays bounded however detailed the outlines are.
pub const SIMPLIFY_BELOW_ZOOM: u8 = 16;
/// Simplification tolerance in tile units (1/4096 of the tile's width).
pub const SIMPLIFY_TOLERANCE: f64 = 1.0;

/// A geometry in tile coordinates (whole numbers), ready for the encoder.
#[derive(Debug, Clone, PartialEq)]
pub enum TileGeometry {
    /// Polygons with whole-number vertices, rings wound as MVT wants them.
    Polygons(MultiPolygon<f64>),
    /// A point with whole-number coordinates (also what a polygon too small for the grid collapses to).
    Point(Point<f64>),
}

/// The part of a Web Mercator multipolygon inside `tile` grown by `buffer` units, in tile coordinates; None
/// when nothing of it is inside. A polygon that is inside but smaller than the tile grid (it collapses when
/// snapped) becomes a point at the middle of its inside part, so that low zooms still show it.
pub fn polygons(g: &MultiPolygon<f64>, tile: TileId, buffer: f64) -> Option<TileGeometry> {
    let lo = Coord { x: -buffer, y: -buffer };
    let hi = Coord { x: f64::from(EXTENT) + buffer, y: f64::from(EXTENT) + buffer };
    let simplify = tile.z < SIMPLIFY_BELOW_ZOOM;
    let mut out = Vec::new();
    let mut collapsed: Option<Coord<f64>> = None;
    for poly in &g.0 {
        let exterior = match ring(poly.exterior(), tile, lo, hi, simplify, true) {
            Ring::Kept(r) => r,
            Ring::Collapsed(c) => {
                collapsed.get_or_insert(c);
                continue;
            }
            Ring::Outside => continue,
        };
        let holes = poly
            .interiors()
            .iter()
            .filter_map(|r| match ring(r, tile, lo, hi, simplify, false) {
                Ring::Kept(r) => Some(r),
                _ => None,
            })
            .collect();
        out.push(Polygon::new(exterior, holes));
    }
    if out.is_empty() {
        return collapsed.map(|c| TileGeometry::Point(Point::new(c.x.round(), c.y.round())));
    }
    Some(TileGeometry::Polygons(MultiPolygon(out)))
}

enum Ring {
    Kept(LineString<f64>),
    /// Inside, but nothing left once snapped: the middle of its inside part.
    Collapsed(Coord<f64>),
    Outside,
}

/// Clipped rings lying wholly on the window's edges with less area than this (tile units squared) are residue
/// of the clipper (a ring passing round a corner of the window leaves a degenerate path along its edges).
const RESIDUE: f64 = 1e-6;

/// A Web Mercator point in tile coordinates, when inside the buffered tile.
pub fn point(p: Point<f64>, tile: TileId, buffer: f64) -> Option<TileGeometry> {
    let (x, y) = tile.to_tile(p.x(), p.y());
    let range = -buffer..=f64::from(EXTENT) + buffer;
    (range.contains(&x) && range.contains(&y)).then(|| TileGeometry::Point(Point::new(x.round(), y.round())))
}

fn ring(r: &LineString<f64>, tile: TileId, lo: Coord<f64>, hi: Coord<f64>, simplify: bool, exterior: bool) -> Ring {
    // `TileId::to_tile` with the tile's box and scale worked out once.
    let b = tile.bounds();
    let (left, top, k) = (b.min().x, b.max().y, f64::from(EXTENT) / tile.size());
    let local: Vec<Coord<f64>> = r.0.iter().map(|c| Coord { x: (c.x - left) * k, y: (top - c.y) * k }).collect();
    let clipped = clip_ring(&local, lo, hi);
    if clipped.len() < 4 {
        return Ring::Outside;
    }
    let on_window = |c: &Coord<f64>| c.x == lo.x || c.x == hi.x || c.y == lo.y || c.y == hi.y;
    if clipped.iter().all(on_window) && shoelace(&clipped[..clipped.len() - 1]).abs() / 2.0 < RESIDUE {
        return Ring::Outside;
    }
    let (mut min, mut max) = (clipped[0], clipped[0]);
    for c in &clipped {
        (min.x, min.y, max.x, max.y) = (min.x.min(c.x), min.y.min(c.y), max.x.max(c.x), max.y.max(c.y));
    }
    let middle = Coord { x: (min.x + max.x) / 2.0, y: (min.y + max.y) / 2.0 };
    let mut keep = Vec::new();
    if simplify {
        rdp_keep(&clipped, SIMPLIFY_TOLERANCE, &mut keep);
    } else {
        keep.resize(clipped.len(), true);
    }
    let mut snapped: Vec<Coord<f64>> = Vec::with_capacity(clipped.len());
    for c in clipped.iter().zip(&keep).filter(|(_, k)| **k).map(|(c, _)| c) {
        let s = Coord { x: c.x.round(), y: c.y.round() };
        if snapped.last() != Some(&s) {
            snapped.push(s);
        }
    }
    if snapped.len() > 1 && snapped.first() == snapped.last() {
        snapped.pop();
    }
    if snapped.len() < 3 {
        return Ring::Collapsed(middle);
    }
    let area2 = shoelace(&snapped);
    if area2 == 0.0 {
        return Ring::Collapsed(middle);
    }
    // Exterior rings positive in tile coordinates, interior rings negative.
    if (area2 > 0.0) != exterior {
        snapped.reverse();
    }
    let first = snapped[0];
    snapped.push(first);
    Ring::Kept(LineString(snapped))
}

/// Twice the signed area of an open ring by the surveyor's formula, as MVT 2.1 computes it.
pub fn shoelace(pts: &[Coord<f64>]) -> f64 {
    let n = pts.len();
    (0..n)
        .map(|i| {
            let (a, b) = (pts[i], pts[(i + 1) % n]);
            a.x * b.y - b.x * a.y
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn a_square_in_the_middle_of_tile_zero_is_snapped_and_wound() {
        let t = TileId::new(0, 0, 0).unwrap();
        let half = super::super::grid::WORLD_HALF;
        let d = half / 2048.0 * 10.0; // ten tile units
        let p = polygon![(x: 0.0, y: 0.0), (x: d, y: 0.0), (x: d, y: d), (x: 0.0, y: d), (x: 0.0, y: 0.0)];
        let Some(TileGeometry::Polygons(mp)) = polygons(&MultiPolygon(vec![p]), t, 64.0) else { panic!() };
        let ring: Vec<(f64, f64)> = mp.0[0].exterior().0.iter().map(|c| (c.x, c.y)).collect();
        assert_eq!(ring.len(), 5);
        assert!(ring.contains(&(2048.0, 2048.0)) && ring.contains(&(2058.0, 2038.0)));
        assert!(shoelace(&mp.0[0].exterior().0[..4]) > 0.0);
    }

    #[test]
    fn a_parcel_smaller_than_a_tile_unit_becomes_a_point() {
        let t = TileId::new(0, 0, 0).unwrap();
        let p = polygon![(x: 1.0, y: 1.0), (x: 2.0, y: 1.0), (x: 2.0, y: 2.0), (x: 1.0, y: 1.0)];
        assert_eq!(polygons(&MultiPolygon(vec![p]), t, 64.0), Some(TileGeometry::Point(Point::new(2048.0, 2048.0))));
    }

    #[test]
    fn a_parcel_outside_the_buffer_is_left_out() {
        let t = TileId::new(1, 0, 0).unwrap();
        let p = polygon![(x: 1.0e6, y: -1.0e6), (x: 2.0e6, y: -1.0e6), (x: 2.0e6, y: -2.0e6), (x: 1.0e6, y: -1.0e6)];
        assert_eq!(polygons(&MultiPolygon(vec![p]), t, 64.0), None);
    }
}
