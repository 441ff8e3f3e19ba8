//! Tile sizes over a pyramid: loads a dataset as `thuadat serve` does, then for every zoom from `min` to `max`
//! renders the tiles over the dataset's bounds (all of them up to `--all-below` tiles a zoom, else an evenly
//! spaced, deterministic sample of that many) with the tile cache off, and prints per zoom: tiles rendered (of
//! the zoom's total), the largest tile in bytes (and which), p99 and mean bytes, the most features in a tile
//! (all layers), and the largest `parcels` and `conflicts` layers in features. `scripts/tile-sizes.sh` runs it
//! on a generated commune.
//!
//! ```sh
//! cargo run --release --example tile_sizes -- <dataset> [min-zoom] [max-zoom] [tiles-a-zoom]
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)]

use anyhow::Context;
use geozero::mvt::{Message, Tile};
use rayon::prelude::*;
use thuadat::server::Source;
use thuadat::tiles::grid::lonlat_to_mercator;
use thuadat::tiles::TileId;

/// Mapbox's guideline for a vector tile, the bound `thuadat::tiles::TILE_BUDGET` holds tiles to.
const BUDGET: usize = 500_000;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// One rendered tile: bytes, features in all layers, in `parcels`, in `conflicts`.
struct Sized {
    tile: TileId,
    bytes: usize,
    features: usize,
    parcels: usize,
    conflicts: usize,
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: tile_sizes <dataset> [min-zoom] [max-zoom] [tiles-a-zoom]";
    let dir = std::path::PathBuf::from(args.next().context(usage)?);
    let min: u8 = args.next().map_or(Ok(0), |s| s.parse()).context(usage)?;
    let max: u8 = args.next().map_or(Ok(18), |s| s.parse()).context(usage)?;
    let per_zoom: u64 = args.next().map_or(Ok(4096), |s| s.parse()).context(usage)?;
    let checked = thuadat::check::run(&mut thuadat::check::Directory::new(&dir), &thuadat::check::Options::default())?;
    let src = Source::new(checked, 0);
    let [w, s, e, n] = src.bounds;
    println!(
        "{}: {} parcels, {} conflicts, {} groups; bounds {w:.5},{s:.5},{e:.5},{n:.5}",
        dir.display(),
        src.parcels().len(),
        src.conflicts().len(),
        src.groups.len()
    );
    println!("tiles over {BUDGET} bytes are counted");
    println!();
    println!("| z | tiles (of) | max bytes (tile) | p99 bytes | mean bytes | max features | max parcels | max conflicts | CPU ms a tile |");
    println!("|---|---|---|---|---|---|---|---|---|");
    let (x0, y0) = lonlat_to_mercator(w, n);
    let (x1, y1) = lonlat_to_mercator(e, s);
    let mut over = 0usize;
    for z in min..=max {
        let (a, b) = (TileId::containing(z, x0, y0), TileId::containing(z, x1, y1));
        let (nx, ny) = (u64::from(b.x - a.x + 1), u64::from(b.y - a.y + 1));
        let total = nx * ny;
        let step = total.div_ceil(per_zoom).max(1);
        let tiles: Vec<TileId> = (0..total)
            .step_by(step as usize)
            .map(|k| TileId { z, x: a.x + (k % nx) as u32, y: a.y + (k / nx) as u32 })
            .collect();
        let before = thuadat::metrics::cpu_seconds();
        let mut sized: Vec<Sized> = tiles
            .par_iter()
            .map(|&t| {
                let bytes = thuadat::server::vector::render(&src, t, &thuadat::tiles::Cut::All);
                let tile = Tile::decode(bytes.as_slice()).expect("our own tile decodes");
                let count = |name: &str| tile.layers.iter().find(|l| l.name == name).map_or(0, |l| l.features.len());
                Sized {
                    tile: t,
                    bytes: bytes.len(),
                    features: tile.layers.iter().map(|l| l.features.len()).sum(),
                    parcels: count("parcels"),
                    conflicts: count("conflicts"),
                }
            })
            .collect();
        let cpu = thuadat::metrics::cpu_seconds() - before;
        sized.sort_by_key(|s| s.bytes);
        let Some(largest) = sized.last() else { continue };
        let p99 = sized[(sized.len() * 99).div_ceil(100).saturating_sub(1)].bytes;
        let mean = sized.iter().map(|s| s.bytes).sum::<usize>() / sized.len();
        let most = |f: fn(&Sized) -> usize| sized.iter().map(f).max().unwrap_or(0);
        over += sized.iter().filter(|s| s.bytes > BUDGET).count();
        println!(
            "| {z} | {} ({total}) | {} ({}) | {p99} | {mean} | {} | {} | {} | {:.2} |",
            sized.len(),
            largest.bytes,
            largest.tile,
            most(|s| s.features),
            most(|s| s.parcels),
            most(|s| s.conflicts),
            cpu * 1e3 / sized.len() as f64,
        );
    }
    println!();
    println!("tiles over {BUDGET} bytes: {over}");
    Ok(())
}
