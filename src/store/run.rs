//! The check of a stored commune (`check --db`, `serve --db`): read back, reconciled, and (for `check --db`)
//! reported and synced.

use std::path::Path;
use std::time::Instant;

use serde_json::json;
use sqlx::{Connection, PgConnection};

use super::conflicts::sync_conflicts;
use super::connection::{connect, lock_commune, pick_commune};
use super::import::{copy_linkage, finish_import, new_import, store_linkage_model};
use super::read::load_dataset;
use super::{partition, review};
use super::{runtime, ConflictSync, StoreSource};
use crate::check::Checked;
use crate::error::{Error, Result};
use crate::review::ReviewStatus;

/// Reads and checks a commune of the store, as `check::run` does a directory.
pub(super) fn run_checked(
    rt: &tokio::runtime::Runtime,
    conn: &mut PgConnection,
    code: &str,
    stored_linkage: bool,
) -> Result<Checked> {
    let t = Instant::now();
    let dataset = load_dataset(rt, conn, code, stored_linkage)?;
    let mut timings = vec![("load".to_string(), t.elapsed().as_secs_f64())];
    let t = Instant::now();
    let (index, reconciliation) = crate::reconcile::index_and_reconcile(&dataset, &indicatif::ProgressBar::hidden());
    timings.push(("reconcile".to_string(), t.elapsed().as_secs_f64()));
    Ok(Checked { dataset, index, reconciliation, timings })
}

/// The server's data from the store (`thuadat serve --db`): the checked commune and the review status of
/// its conflicts that are not open. Runs on its own thread: it may be called from inside the server's runtime
/// (reload on SIGHUP).
pub fn load_checked(store: &StoreSource) -> Result<(Checked, Vec<(String, ReviewStatus)>)> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let rt = runtime()?;
                let mut conn = rt.block_on(connect(&store.url))?;
                let code = rt.block_on(pick_commune(&mut conn, store.commune.as_deref()))?;
                let checked = run_checked(&rt, &mut conn, &code, true)?;
                let reviews = rt.block_on(review::statuses(&mut conn, &code))?;
                Ok((checked, reviews))
            })
            .join()
            .unwrap_or_else(|_| Err(Error::Other("loading from the store panicked".into())))
    })
}

/// `thuadat check --db`: checks commune `code` of the store, writes the report directory `out`, and syncs the
/// stored conflicts (statuses kept, vanished ones closed, new ones opened), in one transaction.
pub fn check(url: &str, code: &str, out: &Path, by: &str) -> Result<(Checked, ConflictSync)> {
    let start = Instant::now();
    let report = crate::report::Destination::check(out, None)?;
    let rt = runtime()?;
    let mut conn = rt.block_on(connect(url))?;
    let mut checked = run_checked(&rt, &mut conn, code, false)?;
    let mut timings = checked.timings.clone();
    timings.push(("total_before_report".into(), start.elapsed().as_secs_f64()));
    crate::report::write(&checked.dataset, &checked.reconciliation, &report, &timings)?;
    checked.timings.push(("report".to_string(), start.elapsed().as_secs_f64()));
    let mut tx = rt.block_on(conn.begin()).map_err(|e| Error::db("starting the transaction", e))?;
    rt.block_on(lock_commune(&mut tx, code))?;
    let source = format!("postgresql:thuadat/{code}");
    let import_id = rt.block_on(new_import(&mut tx, code, "check", &source, by))?;
    // As an import: the new linkage table first, the shared tables under the swap lock.
    let sync = rt.block_on(async {
        let links = partition::create(&mut tx, "holder_link", import_id, code).await?;
        copy_linkage(&mut tx, &links.name, &checked, code).await?;
        partition::prepare(&mut tx, &links).await?;
        partition::lock_swaps(&mut tx).await?;
        store_linkage_model(&mut tx, &checked, code).await?;
        let sync = sync_conflicts(&mut tx, &checked, code, import_id, by).await?;
        partition::swap_in(&mut tx, &links, code).await?;
        Ok::<_, Error>(sync)
    })?;
    let detail = json!({
        "conflicts": sync.present, "opened": sync.opened, "vanished": sync.vanished,
        "reappeared": sync.reappeared, "report": out.display().to_string(),
    });
    rt.block_on(finish_import(&mut tx, import_id, code, "check", by, &detail))?;
    rt.block_on(tx.commit()).map_err(|e| Error::db("committing the check", e))?;
    Ok((checked, sync))
}
