//! `thuadat check`: read -> index -> reconcile -> report, timed.

use std::path::Path;
use std::time::Instant;

use crate::dataset::{Dataset, Reader};
use crate::error::Result;
use crate::index::ParcelIndex;
use crate::reconcile::{self, Reconciliation};

/// How the run reports progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Progress {
    /// Bars on a terminal, nothing when stderr is not one.
    #[default]
    Auto,
    Hidden,
}

impl Progress {
    fn bar(self, message: &'static str) -> indicatif::ProgressBar {
        match self {
            Progress::Hidden => indicatif::ProgressBar::hidden(),
            Progress::Auto => {
                let bar = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
                if let Ok(style) = indicatif::ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} {elapsed}")
                {
                    bar.set_style(style.progress_chars("=> "));
                }
                bar.set_message(message);
                bar
            }
        }
    }

    fn spinner(self, message: &'static str) -> indicatif::ProgressBar {
        match self {
            Progress::Hidden => indicatif::ProgressBar::hidden(),
            Progress::Auto => {
                let bar = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
                bar.set_message(message);
                bar.enable_steady_tick(std::time::Duration::from_millis(120));
                bar
            }
        }
    }
}

/// A dataset checked in memory.
pub struct Checked {
    pub dataset: Dataset,
    pub index: ParcelIndex,
    pub reconciliation: Reconciliation,
    pub timings: Vec<(String, f64)>,
}

/// Loads, indexes and reconciles a dataset directory.
pub fn run(dir: &Path, progress: Progress) -> Result<Checked> {
    run_with(dir, progress, Reader::Auto)
}

/// [`run`] with a chosen parcels reader.
pub fn run_with(dir: &Path, progress: Progress, reader: Reader) -> Result<Checked> {
    let (dataset, timings) = load(dir, progress, reader)?;
    Ok(reconcile_loaded(dataset, timings, progress))
}

/// The first half of [`run`]: reads the dataset (where bad input fails), returning it with the `load` timings.
pub fn load(dir: &Path, progress: Progress, reader: Reader) -> Result<(Dataset, Vec<(String, f64)>)> {
    let t = Instant::now();
    let spinner = progress.spinner("reading");
    let dataset = Dataset::load_with(dir, reader);
    spinner.finish_and_clear();
    let dataset = dataset?;
    let timings = vec![
        ("load".to_string(), t.elapsed().as_secs_f64()),
        ("peak_rss_mb_after_load".to_string(), crate::metrics::peak_rss_mb()),
    ];
    Ok((dataset, timings))
}

/// The second half of [`run`]: indexes and reconciles a loaded dataset (nothing in it fails), adding the
/// `reconcile` timings to `timings`.
pub fn reconcile_loaded(dataset: Dataset, mut timings: Vec<(String, f64)>, progress: Progress) -> Checked {
    let t = Instant::now();
    let bar = progress.bar("overlaps");
    // The index is built alongside the certificate rules; its time is in the reconciliation's timings.
    let (index, reconciliation) = reconcile::index_and_reconcile(&dataset, &bar);
    bar.finish_and_clear();
    timings.push(("reconcile".to_string(), t.elapsed().as_secs_f64()));
    timings.push(("peak_rss_mb_after_reconcile".to_string(), crate::metrics::peak_rss_mb()));
    Checked { dataset, index, reconciliation, timings }
}

/// Checks `dir` and writes the report directory `out`.
pub fn check(dir: &Path, out: &Path, progress: Progress) -> Result<Checked> {
    check_with(dir, out, progress, Reader::Auto)
}

/// [`check`] with a chosen parcels reader. `out` is checked before anything is read (see
/// [`crate::report::Destination`]): a directory that is not an earlier report is refused.
pub fn check_with(dir: &Path, out: &Path, progress: Progress, reader: Reader) -> Result<Checked> {
    let start = Instant::now();
    let out = crate::report::Destination::check(out, Some(dir))?;
    let mut checked = run_with(dir, progress, reader)?;
    let t = Instant::now();
    let mut timings = checked.timings.clone();
    timings.push(("total_before_report".into(), start.elapsed().as_secs_f64()));
    crate::report::write(&checked.dataset, &checked.reconciliation, &out, &timings)?;
    checked.timings.push(("report".to_string(), t.elapsed().as_secs_f64()));
    Ok(checked)
}
