//! The server's per-request work, one request at a time, on a generated commune of 20,000 parcels (checked
//! once, as `thuadat serve` does): a vector tile rendered with the cache off, at zooms 14, 16 and 18 (tiles on
//! a 5 x 5 grid over the commune's bounds), and a `/lookup` answer serialised to bytes (points on a 10 x 10
//! grid). `cargo bench --bench serve`; throughput over HTTP with its peers is `scripts/bench-serve.sh`.
// A benchmark fails loudly on its own generated data.
#![allow(clippy::unwrap_used)]
// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use thuadat::gen::GenOptions;
use thuadat::server::Source;
use thuadat::tiles::grid::{lonlat_to_mercator, TileId};
use thuadat::tiles::Cut;

/// `n` x `n` points evenly inside the bounds (west, south, east, north).
fn grid(bounds: [f64; 4], n: usize) -> Vec<(f64, f64)> {
    let [w, s, e, north] = bounds;
    let at = |i: usize, lo: f64, hi: f64| lo + (hi - lo) * (i as f64 + 0.5) / n as f64;
    (0..n).flat_map(|i| (0..n).map(move |j| (at(i, w, e), at(j, s, north)))).collect()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c20k");
    thuadat::gen::generate(&GenOptions { out: out.clone(), parcels: 20_000, seed: 7, ..GenOptions::default() })
        .unwrap();
    let checked =
        thuadat::check::run(&mut thuadat::check::Directory::new(&out), &thuadat::check::Options::default()).unwrap();
    let src = Source::new(checked, 0);

    let mut group = c.benchmark_group("serve 20k");
    for z in [14u8, 16, 18] {
        let mut tiles: Vec<TileId> = grid(src.bounds, 5)
            .into_iter()
            .map(|(lon, lat)| {
                let (x, y) = lonlat_to_mercator(lon, lat);
                TileId::containing(z, x, y)
            })
            .collect();
        tiles.dedup();
        group.throughput(Throughput::Elements(tiles.len() as u64));
        group.bench_function(format!("tiles z{z}"), |b| {
            b.iter(|| tiles.iter().map(|&t| thuadat::server::vector::render(&src, t, &Cut::All).len()).sum::<usize>())
        });
    }
    let points = grid(src.bounds, 10);
    group.throughput(Throughput::Elements(points.len() as u64));
    group.bench_function("lookups", |b| {
        b.iter(|| {
            points
                .iter()
                .map(|&(lon, lat)| {
                    thuadat::server::lookup::lookup_bytes(&src, lon, lat, 10.0, &Cut::All).unwrap().len()
                })
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
