//! The check's costliest steps on a generated commune of 20,000 parcels (`thuadat::gen`, seed 7, written to a
//! temporary directory once): loading the dataset (read, project, validate, measure), the overlap search
//! alone, and the whole reconciliation. `cargo bench --bench check`. Whole-check wall times against older
//! binaries and PostGIS are `scripts/bench-check.sh` and `scripts/bench-against.sh`.
// A benchmark fails loudly on its own generated data.
#![allow(clippy::unwrap_used)]
// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use thuadat::dataset::Dataset;
use thuadat::gen::GenOptions;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c20k");
    thuadat::gen::generate(&GenOptions { out: out.clone(), parcels: 20_000, seed: 7, ..GenOptions::default() })
        .unwrap();
    std::fs::remove_file(out.join("citizens.csv")).unwrap();
    let ds = Dataset::load(&out).unwrap();
    let index = thuadat::index::ParcelIndex::build(&ds.parcels);
    let min_area = ds.config.tolerances.overlap_min_area_m2;

    let mut group = c.benchmark_group("check 20k");
    group.sample_size(10);
    group.throughput(Throughput::Elements(ds.parcels.len() as u64));
    group.bench_function("load", |b| b.iter(|| Dataset::load(&out).unwrap().parcels.len()));
    group.bench_function("overlap search", |b| {
        b.iter(|| {
            thuadat::reconcile::overlap::find(&ds.parcels, &index, min_area, &indicatif::ProgressBar::hidden()).0.len()
        })
    });
    group.bench_function("index and reconcile", |b| {
        b.iter(|| thuadat::reconcile::index_and_reconcile(&ds, &indicatif::ProgressBar::hidden()).1.conflicts.len())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
