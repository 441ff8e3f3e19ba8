//! Mapbox Vector Tiles (2.1) from geometry held in memory, in martin's spirit: tile math ([`grid`]), clipping
//! with a buffer ([`clip`]), quantisation to the tile's extent with simplification at low zoom ([`quantize`]),
//! encoding with geozero's MVT writer ([`encode`]) and an in-memory cache of encoded tiles ([`cache`]).
//!
//! Geometry comes in Web Mercator metres (EPSG:3857); [`grid::lonlat_to_mercator`] converts once, at load.

pub mod cache;
pub mod clip;
pub mod encode;
pub mod grid;
pub mod quantize;
pub mod simplify;

pub use cache::{Cut, TileCache};
pub use encode::{LayerBuilder, Property};
pub use grid::{TileId, EXTENT, MAX_ZOOM};
pub use quantize::TileGeometry;

/// Tile units of buffer around each tile, so that strokes and labels across tile edges join up (PostGIS and
/// martin use 64 of 4096 too).
pub const BUFFER: f64 = 64.0;

/// The most bytes a tile may have (Mapbox's guideline for a vector tile is 500 KB).
pub const TILE_BUDGET: usize = 500_000;
