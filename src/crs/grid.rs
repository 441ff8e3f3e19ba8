//! WGS 84 longitude/latitude to the planar frame, interpolated: the exact transformation (proj4rs, with the
//! datum shift: two geocentric conversions) at the corners of 0.0025° cells, bilinear inside them. For a check
//! that projects a point per parcel (the national parcel codes), the corners are projected once per cell.
//!
//! Within a 0.0025° cell (about 280 m) the transverse Mercator and the Helmert shift are nearly affine: the
//! bilinear position is off by less than a millimetre (the test below asserts it over a whole TM-3 zone, from
//! the south of Vietnam to the north: `cargo test --release --lib crs::grid`); callers that
//! decide at a threshold recompute exactly near it ([`ProjectionGrid::MAX_ERROR_M`]).

use rustc_hash::FxHashMap;

use super::Frame;

/// Exact planar positions of cell corners, for the cells a set of points falls in.
#[derive(Debug, Default)]
pub struct ProjectionGrid {
    /// Per cell (column and row of [`CELL`]): its corners (south-west, south-east, north-west, north-east)
    /// in the planar frame; None when a corner does not project.
    cells: FxHashMap<(i32, i32), Option<Corners>>,
}

/// A cell's corners in the planar frame: south-west, south-east, north-west, north-east.
type Corners = [(f64, f64); 4];

/// Side of a cell, degrees.
const CELL: f64 = 0.0025;

fn key(lon: f64, lat: f64) -> (i32, i32) {
    ((lon / CELL).floor() as i32, (lat / CELL).floor() as i32)
}

impl ProjectionGrid {
    /// A bound on how far an interpolated position is from the exact one, metres (five times what the test
    /// allows anywhere in a TM-3 zone).
    pub const MAX_ERROR_M: f64 = 0.005;

    /// The cells of `points` (longitude, latitude in degrees), their corners projected exactly (in parallel).
    pub fn covering(frame: &Frame, points: impl Iterator<Item = (f64, f64)>) -> ProjectionGrid {
        use rayon::prelude::*;
        let mut keys: Vec<(i32, i32)> =
            points.filter(|p| p.0.is_finite() && p.1.is_finite()).map(|p| key(p.0, p.1)).collect();
        keys.par_sort_unstable();
        keys.dedup();
        let corners = |k: (i32, i32)| -> Option<Corners> {
            let at = |c: i32, r: i32| frame.from_wgs84(f64::from(c) * CELL, f64::from(r) * CELL).ok();
            Some([at(k.0, k.1)?, at(k.0 + 1, k.1)?, at(k.0, k.1 + 1)?, at(k.0 + 1, k.1 + 1)?])
        };
        let cells = keys.into_par_iter().map(|k| (k, corners(k))).collect();
        ProjectionGrid { cells }
    }

    /// The planar position of (lon, lat), interpolated; None outside the grid's cells or where they do not
    /// project.
    pub fn at(&self, lon: f64, lat: f64) -> Option<(f64, f64)> {
        let k = key(lon, lat);
        let [sw, se, nw, ne] = (*self.cells.get(&k)?)?;
        let (u, v) = (lon / CELL - f64::from(k.0), lat / CELL - f64::from(k.1));
        let mix = |a: f64, b: f64, c: f64, d: f64| {
            a * (1.0 - u) * (1.0 - v) + b * u * (1.0 - v) + c * (1.0 - u) * v + d * u * v
        };
        Some((mix(sw.0, se.0, nw.0, ne.0), mix(sw.1, se.1, nw.1, ne.1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::Crs;

    #[test]
    fn interpolated_positions_are_within_a_millimetre_over_a_tm3_zone() {
        use rand::{Rng, SeedableRng};
        let frame = Frame::new(Crs::parse("VN2000:105.0").unwrap(), 0.0);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(19);
        // Points up to 1.5° either side of the central meridian, from the south to the north of Vietnam.
        let points: Vec<(f64, f64)> =
            (0..20_000).map(|_| (rng.random_range(103.5..106.5), rng.random_range(8.5..23.4))).collect();
        let grid = ProjectionGrid::covering(&frame, points.iter().copied());
        let mut worst = 0.0f64;
        for &(lon, lat) in &points {
            let (x, y) = frame.from_wgs84(lon, lat).unwrap();
            let (ix, iy) = grid.at(lon, lat).unwrap();
            worst = worst.max((x - ix).hypot(y - iy));
        }
        assert!(worst < ProjectionGrid::MAX_ERROR_M / 5.0, "{worst} m");
    }
}
