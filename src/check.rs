//! The one pipeline: read ([`DatasetSource`]) -> index -> reconcile -> report, timed. `thuadat check`,
//! `import`, `check --db` and `serve` all go through [`load`] and [`Loaded::check`] (or
//! [`Loaded::check_alongside`]).

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
    /// No progress shown (`--quiet`, tests, benchmarks).
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

/// Where a dataset comes from: a dataset directory ([`Directory`]) or a commune of the PostGIS store
/// (`crate::store::StoredCommune`). Every way of checking reads through one of these and then goes the same way
/// ([`load`], then [`Loaded::check`] or [`Loaded::check_alongside`]).
pub trait DatasetSource {
    /// Reads the dataset whole; bad input fails here.
    fn load(&mut self) -> Result<Dataset>;
}

/// A dataset directory (the contract's layout), read with the chosen parcels reader.
#[derive(Debug, Clone, Copy)]
pub struct Directory<'a> {
    pub(crate) dir: &'a Path,
    pub(crate) reader: Reader,
}

impl<'a> Directory<'a> {
    /// `dir` with the default reader.
    pub fn new(dir: &'a Path) -> Self {
        Directory { dir, reader: Reader::Auto }
    }
}

impl DatasetSource for Directory<'_> {
    fn load(&mut self) -> Result<Dataset> {
        Dataset::load_with(self.dir, self.reader)
    }
}

/// How a check runs.
#[derive(Default)]
pub struct Options<'a> {
    pub(crate) progress: Progress,
    /// The thread pool of the reconciliation (None: rayon's global pool). `import` gives one of lower
    /// priority, so that storing beside the check goes first.
    pub pool: Option<&'a rayon::ThreadPool>,
}

impl Options<'_> {
    /// Progress as chosen, on rayon's global pool.
    pub fn with_progress(progress: Progress) -> Self {
        Options { progress, pool: None }
    }
}

/// A dataset read and not yet checked, with the reading's timings.
pub struct Loaded {
    pub(crate) dataset: Dataset,
    pub(crate) timings: Vec<(String, f64)>,
}

/// A dataset checked in memory.
#[derive(Clone)]
pub struct Checked {
    /// The dataset as read (parcels, certificates, register, groups).
    pub dataset: Dataset,
    pub(crate) index: ParcelIndex,
    /// Every conflict found and each parcel's status.
    pub reconciliation: Reconciliation,
    /// What each step took, in order: `(step, seconds)`; the `peak_rss_mb_after_*` entries are MB.
    pub timings: Vec<(String, f64)>,
}

/// Reads a dataset from `source` (where bad input fails), timed.
pub fn load(source: &mut dyn DatasetSource, options: &Options<'_>) -> Result<Loaded> {
    let t = Instant::now();
    let spinner = options.progress.spinner("reading");
    let dataset = source.load();
    spinner.finish_and_clear();
    let dataset = dataset?;
    let timings = vec![
        ("load".to_string(), t.elapsed().as_secs_f64()),
        ("peak_rss_mb_after_load".to_string(), crate::metrics::peak_rss_mb()),
    ];
    Ok(Loaded { dataset, timings })
}

/// Reads and checks a dataset: [`load`] then [`Loaded::check`].
pub fn run(source: &mut dyn DatasetSource, options: &Options<'_>) -> Result<Checked> {
    Ok(load(source, options)?.check(options))
}

impl Loaded {
    /// Indexes and reconciles the dataset (nothing here fails).
    pub fn check(self, options: &Options<'_>) -> Checked {
        self.check_alongside(options, |_| ()).0
    }

    /// [`Loaded::check`], with `side` run on this thread meanwhile (given the dataset): `import` stores the
    /// tables that do not depend on the check while it runs.
    pub fn check_alongside<R>(self, options: &Options<'_>, side: impl FnOnce(&Dataset) -> R) -> (Checked, R) {
        let Loaded { dataset, mut timings } = self;
        let bar = options.progress.bar("overlaps");
        let (reconciled, side) = std::thread::scope(|scope| {
            let ds = &dataset;
            let bar = &bar;
            let check = scope.spawn(move || {
                let t = Instant::now();
                // The index is built alongside the certificate rules; its time is in the reconciliation's timings.
                let run = || reconcile::index_and_reconcile(ds, bar);
                let out = match options.pool {
                    Some(pool) => pool.install(run),
                    None => run(),
                };
                (out, t.elapsed().as_secs_f64())
            });
            let side = side(ds);
            (check.join(), side)
        });
        bar.finish_and_clear();
        // A panic in the rules is a bug: it goes on as one, as it would have without the thread.
        let ((index, reconciliation), seconds) = match reconciled {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        timings.push(("reconcile".to_string(), seconds));
        timings.push(("peak_rss_mb_after_reconcile".to_string(), crate::metrics::peak_rss_mb()));
        let mut dataset = dataset;
        let without = reconciliation
            .conflicts
            .iter()
            .filter(|c| c.kind == crate::conflict::Kind::ParcelWithoutCertificate)
            .filter_map(|c| c.parcels.first())
            .map(|&i| dataset.parcels[i].land_use.as_deref());
        if let Some(w) = reconcile::without_certificate::hint(&dataset.config.rules.no_certificate_land_use, without) {
            dataset.warnings.push(w);
        }
        (Checked { dataset, index, reconciliation, timings }, side)
    }
}

/// Checks the dataset directory `dir` and writes the report directory `out`, which is checked before anything
/// is read (see [`crate::report::Destination`]): a directory that is not an earlier report is refused.
pub fn check_into(dir: &Path, reader: Reader, out: &Path, options: &Options<'_>) -> Result<Checked> {
    let start = Instant::now();
    let out = crate::report::Destination::check(out, Some(dir))?;
    let mut checked = run(&mut Directory { dir, reader }, options)?;
    report(&mut checked, &out, start)?;
    Ok(checked)
}

/// Writes the report of `checked` into `out`, adding its timing (`start`: when the run began).
pub fn report(checked: &mut Checked, out: &crate::report::Destination, start: Instant) -> Result<()> {
    let t = Instant::now();
    let mut timings = checked.timings.clone();
    timings.push(("total_before_report".into(), start.elapsed().as_secs_f64()));
    crate::report::write(&checked.dataset, &checked.reconciliation, out, &timings)?;
    checked.timings.push(("report".to_string(), t.elapsed().as_secs_f64()));
    Ok(())
}
