//! CPU time of `thuadat serve`'s per-request work, one thread, on a fixed list of tiles and look-up points
//! (the lists `scripts/bench-serve.sh` writes): tile rendering (`vector::render`, cache off) per zoom, and
//! `/lookup` answers serialised to bytes. A busy machine disturbs CPU time less than wall time
//! (docs/BENCHMARKS.md).
//!
//! ```sh
//! cargo run --release --example serve_cpu -- /tmp/thuadat-bench/c200000 /tmp/thuadat-bench [dump-file]
//! ```
//!
//! With a dump file, every tile is decoded (prost) and written out canonically — per layer, features by id
//! with their geometry commands and their properties resolved to key = value — and hashed (one line a tile,
//! with its size and feature count), followed by every look-up answer, so that two builds can be compared
//! with `cmp`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use geozero::mvt::{Message, Tile};
use thuadat::server::Source;
use thuadat::tiles::TileId;

/// The server's allocator (src/main.rs), so that allocation costs what it costs there.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A decoded tile, canonically: layers in order, features sorted by id, tags resolved.
fn canonical(bytes: &[u8], out: &mut String) -> anyhow::Result<()> {
    let tile = Tile::decode(bytes)?;
    for l in &tile.layers {
        writeln!(out, " layer {} extent {:?} features {}", l.name, l.extent, l.features.len())?;
        let mut fs: Vec<_> = l.features.iter().collect();
        fs.sort_by_key(|f| f.id);
        for f in fs {
            let mut props: Vec<String> = f
                .tags
                .chunks(2)
                .map(|kv| format!("{}={:?}", l.keys[kv[0] as usize], l.values[kv[1] as usize]))
                .collect();
            props.sort();
            writeln!(out, "  {:?} {:?} {:?} {}", f.id, f.r#type, f.geometry, props.join(" "))?;
        }
    }
    Ok(())
}

fn fxhash(b: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(b);
    h.finish()
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: serve_cpu <dataset> <bench dir with tiles.txt and lookups.txt> [dump-file]";
    let dir = PathBuf::from(args.next().context(usage)?);
    let lists = PathBuf::from(args.next().context(usage)?);
    let dump = args.next().map(PathBuf::from);
    let checked = thuadat::check::run(&mut thuadat::check::Directory::new(&dir), &thuadat::check::Options::default())?;
    let src = Source::new(checked, 0);
    let tiles: Vec<TileId> = std::fs::read_to_string(lists.join("tiles.txt"))?
        .lines()
        .map(|l| {
            let n: Vec<u64> = l.split('/').map(|s| s.parse().unwrap_or(u64::MAX)).collect();
            TileId::new(n[0] as u32, n[1], n[2]).map_err(anyhow::Error::msg)
        })
        .collect::<anyhow::Result<_>>()?;
    let points: Vec<(f64, f64, f64)> = std::fs::read_to_string(lists.join("lookups.txt"))?
        .lines()
        .map(|l| {
            let q = l.split_once('?').map_or("", |(_, q)| q);
            let v: Vec<f64> = form_urlencoded::parse(q.as_bytes()).map(|(_, v)| v.parse().unwrap_or(0.0)).collect();
            (v[0], v[1], v[2])
        })
        .collect();

    let mut text = String::new();
    // Per zoom 14..=18: tiles, CPU seconds, bytes.
    let mut per_zoom = [(0usize, 0.0f64, 0usize); 5];
    let mut dump_cpu = 0.0;
    let start = thuadat::metrics::cpu_seconds();
    // SERVE_CPU_TILE_ROUNDS (default 1): the tile list again and again, for profiling.
    let tile_rounds: usize = std::env::var("SERVE_CPU_TILE_ROUNDS").map_or(Ok(1), |s| s.parse())?;
    let all: Vec<TileId> = (0..tile_rounds).flat_map(|_| tiles.iter().copied()).collect();
    for &t in &all {
        let before = thuadat::metrics::cpu_seconds();
        let bytes = thuadat::server::vector::render(&src, t, None);
        let z = &mut per_zoom[usize::from(t.z.clamp(14, 18) - 14)];
        z.0 += 1;
        z.1 += thuadat::metrics::cpu_seconds() - before;
        z.2 += bytes.len();
        if dump.is_some() {
            let before = thuadat::metrics::cpu_seconds();
            let mut decoded = String::new();
            canonical(&bytes, &mut decoded)?;
            let features = decoded.lines().filter(|l| l.starts_with("  ")).count();
            writeln!(text, "tile {t} {} bytes {features} features {:016x}", bytes.len(), fxhash(decoded.as_bytes()))?;
            dump_cpu += thuadat::metrics::cpu_seconds() - before;
        }
    }
    let tiles_cpu = thuadat::metrics::cpu_seconds() - start - dump_cpu;
    println!("{} tiles: {tiles_cpu:.2} s CPU, {:.2} ms a tile", all.len(), tiles_cpu * 1e3 / all.len() as f64);
    for (i, (n, s, b)) in per_zoom.iter().enumerate() {
        if *n > 0 {
            println!("  z{}: {n} tiles, {:.2} ms a tile, {} kB a tile", 14 + i, s * 1e3 / *n as f64, b / n / 1024);
        }
    }

    let rounds = 20;
    let start = thuadat::metrics::cpu_seconds();
    let mut answered = 0usize;
    for round in 0..rounds {
        for &(lon, lat, acc) in &points {
            let body =
                thuadat::server::lookup::lookup_bytes(&src, lon, lat, acc).map_err(|e| anyhow::anyhow!("{e:?}"))?;
            answered += body.len();
            if round == 0 && dump.is_some() {
                writeln!(text, "lookup {lon} {lat} {acc} {}", String::from_utf8_lossy(&body))?;
            }
        }
    }
    let lookup_cpu = thuadat::metrics::cpu_seconds() - start;
    let n = rounds * points.len();
    println!(
        "{n} look-ups: {lookup_cpu:.2} s CPU, {:.1} us a look-up ({} bytes answered)",
        lookup_cpu * 1e6 / n as f64,
        answered
    );
    if let Some(path) = dump {
        std::fs::File::create(&path)?.write_all(text.as_bytes())?;
        println!("decoded tiles and answers written to {}", path.display());
    }
    Ok(())
}
