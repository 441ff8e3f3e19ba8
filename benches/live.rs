//! What an incremental re-check costs (issue 18), in memory: `Live::apply` of one parcel's geometry replaced
//! (moved by up to a metre: overlaps come and go), p50 / p99 over many edits, on a commune given as
//! `THUADAT_BENCH_COMMUNE` (a dataset directory: `scripts/bench-edit.sh` passes the generated 1M-parcel
//! commune) or a generated 20,000-parcel one; then 100 edits in a row against one full check of the same data
//! (the peer), with their results compared. `cargo bench --bench live`.
// A benchmark fails loudly on its own data.
#![allow(clippy::unwrap_used)]
#![allow(missing_docs)]
// A benchmark that reports its own percentiles prints them.
#![allow(clippy::print_stdout)]

use std::collections::BTreeSet;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use thuadat::check::{self, Directory, Options, Progress};
use thuadat::live::Live;

fn main() {
    // `cargo bench` passes `--bench`; under `cargo test` (no `--bench`) a smoke run of few edits.
    let benching = std::env::args().any(|a| a == "--bench");
    let tmp = tempfile::tempdir().unwrap();
    let dir = match std::env::var_os("THUADAT_BENCH_COMMUNE") {
        Some(d) => std::path::PathBuf::from(d),
        None => {
            let out = tmp.path().join("c20k");
            let opts = thuadat::gen::GenOptions { out: out.clone(), parcels: 20_000, seed: 7, ..Default::default() };
            thuadat::gen::generate(&opts).unwrap();
            out
        }
    };
    let edits: usize = std::env::var("THUADAT_BENCH_EDITS").ok().and_then(|e| e.parse().ok()).unwrap_or(if benching {
        500
    } else {
        20
    });
    let t = Instant::now();
    let checked = check::run(&mut Directory::new(&dir), &Options::with_progress(Progress::Hidden)).unwrap();
    let check_s = t.elapsed().as_secs_f64();
    let n = checked.dataset.parcels.len();
    let t = Instant::now();
    let mut live = Live::new(checked);
    let new_s = t.elapsed().as_secs_f64();
    println!("commune: {} ({n} parcels); load + check {check_s:.2} s; kept live in {new_s:.2} s", dir.display());

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(18);
    let mut times = Vec::with_capacity(edits);
    let (mut opened, mut closed) = (0, 0);
    for _ in 0..edits {
        let Some(edit) = live.moved(rng.random_range(0..n), rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0))
        else {
            continue;
        };
        let edit = [edit];
        let t = Instant::now();
        let delta = live.apply(&edit).unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        (opened, closed) = (opened + delta.opened.len(), closed + delta.closed.len());
    }
    times.sort_by(f64::total_cmp);
    let q = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    println!(
        "replace one parcel's geometry: {} edits, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({opened} conflicts opened, {closed} closed)",
        times.len(),
        q(0.5),
        q(0.99),
        q(1.0)
    );

    // 100 edits in a row, against one full check of the data they leave.
    let t = Instant::now();
    for _ in 0..100 {
        if let Some(edit) = live.moved(rng.random_range(0..n), rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0))
        {
            live.apply(&[edit]).unwrap();
        }
    }
    let hundred = t.elapsed().as_secs_f64();
    // The served data follow an edit in place (`Source::sync`: measured by scripts/bench-edit.sh).
    let snapshot = live.snapshot();
    let t = Instant::now();
    let full = thuadat::reconcile::index_and_reconcile(&snapshot.dataset, &indicatif::ProgressBar::hidden()).1;
    let full_s = t.elapsed().as_secs_f64();
    let ids = |c: &[thuadat::conflict::Conflict]| -> BTreeSet<String> {
        c.iter()
            .map(|c| {
                let (p, k) = thuadat::report::ids(&snapshot.dataset, c);
                thuadat::conflict::conflict_id(c.kind, &p, &k)
            })
            .collect()
    };
    let same = ids(&full.conflicts) == ids(&snapshot.reconciliation.conflicts)
        && full.statuses.iter().map(|s| s.status).eq(snapshot.reconciliation.statuses.iter().map(|s| s.status));
    println!(
        "100 edits in a row: {hundred:.3} s; one full re-check (index + rules) of the same data: {full_s:.3} s; state equal: {same}"
    );
    assert!(same, "the live state differs from the full check");
}
