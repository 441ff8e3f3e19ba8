//! Web Mercator (EPSG:3857) and the XYZ tile grid.

use geo::{Coord, Rect};

/// Earth radius of the spherical Web Mercator, metres.
pub const EARTH_RADIUS: f64 = 6_378_137.0;
/// Half the width of the Web Mercator world, metres.
pub const WORLD_HALF: f64 = std::f64::consts::PI * EARTH_RADIUS;
/// Latitude limit of Web Mercator, degrees.
pub const MAX_LAT: f64 = 85.051_128_779_806_59;
/// Tile coordinates per tile side (the layer extent).
pub const EXTENT: u32 = 4096;
/// Highest zoom served.
pub const MAX_ZOOM: u8 = 24;

/// Longitude/latitude (degrees) to Web Mercator metres.
///
/// ```
/// let (x, y) = thuadat::tiles::grid::lonlat_to_mercator(180.0, 0.0);
/// assert!((x - thuadat::tiles::grid::WORLD_HALF).abs() < 1e-6 && y.abs() < 1e-9);
/// ```
pub fn lonlat_to_mercator(lon: f64, lat: f64) -> (f64, f64) {
    let lat = lat.clamp(-MAX_LAT, MAX_LAT);
    let x = EARTH_RADIUS * lon.to_radians();
    let y = EARTH_RADIUS * (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0).tan().ln();
    (x, y)
}

/// Web Mercator metres to longitude/latitude (degrees).
///
/// ```
/// use thuadat::tiles::grid::{lonlat_to_mercator, mercator_to_lonlat};
/// let (x, y) = lonlat_to_mercator(105.75, 20.98);
/// let (lon, lat) = mercator_to_lonlat(x, y);
/// assert!((lon - 105.75).abs() < 1e-12 && (lat - 20.98).abs() < 1e-12);
/// ```
pub fn mercator_to_lonlat(x: f64, y: f64) -> (f64, f64) {
    let lon = (x / EARTH_RADIUS).to_degrees();
    let lat = (2.0 * (y / EARTH_RADIUS).exp().atan() - std::f64::consts::FRAC_PI_2).to_degrees();
    (lon, lat)
}

/// One tile of the XYZ grid (y counted from the north).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileId {
    /// Zoom level, `0..=MAX_ZOOM`.
    pub z: u8,
    /// Column, `0..2^z` from the west.
    pub x: u32,
    /// Row, `0..2^z` from the north.
    pub y: u32,
}

impl TileId {
    /// The tile if `z <= MAX_ZOOM` and `x`, `y` are within `0..2^z`; otherwise why not.
    ///
    /// ```
    /// use thuadat::tiles::TileId;
    /// assert!(TileId::new(2, 3, 3).is_ok());
    /// assert!(TileId::new(2, 4, 0).is_err());
    /// ```
    pub fn new(z: u32, x: u64, y: u64) -> Result<TileId, String> {
        if z > u32::from(MAX_ZOOM) {
            return Err(format!("zoom {z} is beyond the maximum {MAX_ZOOM}"));
        }
        let n = 1u64 << z;
        if x >= n || y >= n {
            return Err(format!("tile {z}/{x}/{y} is outside the grid: x and y must be below {n} at zoom {z}"));
        }
        Ok(TileId { z: z as u8, x: x as u32, y: y as u32 })
    }

    /// Width of the tile, metres.
    pub fn size(self) -> f64 {
        2.0 * WORLD_HALF / f64::from(1u32 << self.z.min(31))
    }

    /// The tile's box in Web Mercator metres.
    pub fn bounds(self) -> Rect<f64> {
        let s = self.size();
        let left = -WORLD_HALF + f64::from(self.x) * s;
        let top = WORLD_HALF - f64::from(self.y) * s;
        Rect::new(Coord { x: left, y: top - s }, Coord { x: left + s, y: top })
    }

    /// The tile's box grown by `buffer` tile units on every side.
    pub fn buffered_bounds(self, buffer: f64) -> Rect<f64> {
        let b = self.bounds();
        let m = buffer * self.size() / f64::from(EXTENT);
        Rect::new(Coord { x: b.min().x - m, y: b.min().y - m }, Coord { x: b.max().x + m, y: b.max().y + m })
    }

    /// Web Mercator metres to this tile's coordinates (x right, y down, 0..EXTENT inside the tile).
    pub fn to_tile(self, x: f64, y: f64) -> (f64, f64) {
        let b = self.bounds();
        let k = f64::from(EXTENT) / self.size();
        ((x - b.min().x) * k, (b.max().y - y) * k)
    }

    /// The tile holding a Web Mercator point at zoom `z`.
    pub fn containing(z: u8, x: f64, y: f64) -> TileId {
        let n = f64::from(1u32 << z);
        let fx = ((x + WORLD_HALF) / (2.0 * WORLD_HALF) * n).floor().clamp(0.0, n - 1.0);
        let fy = ((WORLD_HALF - y) / (2.0 * WORLD_HALF) * n).floor().clamp(0.0, n - 1.0);
        TileId { z, x: fx as u32, y: fy as u32 }
    }
}

impl std::fmt::Display for TileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_zero_covers_the_world() {
        let b = TileId::new(0, 0, 0).unwrap().bounds();
        assert_eq!((b.min().x, b.min().y, b.max().x, b.max().y), (-WORLD_HALF, -WORLD_HALF, WORLD_HALF, WORLD_HALF));
    }

    #[test]
    fn containing_tile_contains_the_point() {
        let (x, y) = lonlat_to_mercator(105.75, 20.98);
        let t = TileId::containing(17, x, y);
        let (tx, ty) = t.to_tile(x, y);
        assert!((0.0..4096.0).contains(&tx) && (0.0..4096.0).contains(&ty), "{tx} {ty}");
    }

    #[test]
    fn out_of_range_tiles_are_refused() {
        assert!(TileId::new(25, 0, 0).is_err());
        assert!(TileId::new(0, 1, 0).is_err());
        assert!(TileId::new(24, (1 << 24) - 1, 0).is_ok());
    }
}
