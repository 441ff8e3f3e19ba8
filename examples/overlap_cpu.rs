//! CPU seconds of the overlap search alone, repeated on one loaded dataset: a measure of the search's cost
//! that a busy machine disturbs less than wall time does (docs/BENCHMARKS.md).
//!
//! ```sh
//! cargo run --release --example overlap_cpu -- /tmp/thuadat-bench/c100000 5
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;

use anyhow::Context;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().context("usage: overlap_cpu <dataset> [runs]")?);
    let runs: usize = args.next().map_or(Ok(3), |s| s.parse())?;
    let ds = thuadat::dataset::Dataset::load(&dir)?;
    let index = thuadat::index::ParcelIndex::build(&ds.parcels);
    let min_area = ds.config.tolerances.overlap_min_area_m2;
    for _ in 0..runs {
        let (cpu, wall) = (thuadat::metrics::cpu_seconds(), std::time::Instant::now());
        let (found, stats) =
            thuadat::reconcile::overlap::find(&ds.parcels, &index, min_area, &indicatif::ProgressBar::hidden());
        println!(
            "overlap: {:.2} s CPU, {:.2} s wall, {} overlaps, {} touching pairs, {} overlays",
            thuadat::metrics::cpu_seconds() - cpu,
            wall.elapsed().as_secs_f64(),
            found.len(),
            stats.rejected_as_touching,
            stats.overlays
        );
    }
    Ok(())
}
