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
use crate::check::{self, Checked, DatasetSource};
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::review::ReviewStatus;

/// A commune of the store as a [`DatasetSource`]: read back by [`load_dataset`] on an open connection. With
/// `stored_linkage`, the holder linkage of the last import or check comes with it instead of the register.
pub struct StoredCommune<'a> {
    pub(crate) rt: &'a tokio::runtime::Runtime,
    pub(crate) conn: &'a mut PgConnection,
    pub(crate) code: &'a str,
    pub(crate) stored_linkage: bool,
}

impl DatasetSource for StoredCommune<'_> {
    fn load(&mut self) -> Result<Dataset> {
        load_dataset(self.rt, self.conn, self.code, self.stored_linkage)
    }
}

/// The server's data from the store (`thuadat serve --db`): the checked commune and the review status of
/// its conflicts that are not open. Runs on its own thread: it may be called from inside the server's runtime
/// (reload on SIGHUP).
pub fn load_checked(store: &StoreSource) -> Result<(Checked, Vec<(String, ReviewStatus)>)> {
    on_commune(store, "loading from the store", |rt, conn, code| {
        let mut commune = StoredCommune { rt, conn: &mut *conn, code, stored_linkage: true };
        let checked = check::run(&mut commune, &check::Options::default())?;
        let reviews = rt.block_on(review::statuses(conn, code))?;
        Ok((checked, reviews))
    })
}

/// The last edit of the served commune (0: none). A server reads it before the data, so that it never counts
/// an edit as served that its data lack (an edit made in between is replayed again, which changes nothing).
pub fn last_edit(store: &StoreSource) -> Result<i64> {
    on_commune(store, "reading the edits", |rt, conn, code| {
        let v: Option<i64> = rt
            .block_on(
                sqlx::query_scalar("SELECT max(version) FROM thuadat.edit WHERE commune_code = $1")
                    .bind(code)
                    .fetch_one(&mut *conn),
            )
            .map_err(|e| Error::db("reading the edits", e))?;
        Ok(v.unwrap_or(0))
    })
}

/// Runs `f` on a thread of its own (it may be called from inside the server's runtime) with a runtime, a
/// connection to the store and the served commune's code; `what` names it if the thread panics.
fn on_commune<T: Send>(
    store: &StoreSource,
    what: &'static str,
    f: impl FnOnce(&tokio::runtime::Runtime, &mut PgConnection, &str) -> Result<T> + Send,
) -> Result<T> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let rt = runtime()?;
                let mut conn = rt.block_on(connect(&store.url))?;
                let code = rt.block_on(pick_commune(&mut conn, store.commune.as_deref()))?;
                f(&rt, &mut conn, &code)
            })
            .join()
            .unwrap_or_else(|_| Err(Error::panicked(what)))
    })
}

/// `thuadat check --db`: checks commune `code` of the store, writes the report directory `out`, and syncs the
/// stored conflicts (statuses kept, vanished ones closed, new ones opened), in one transaction.
pub fn check(url: &str, code: &str, out: &Path, by: &str) -> Result<(Checked, ConflictSync)> {
    let start = Instant::now();
    let report = crate::report::Destination::check(out, None)?;
    let rt = runtime()?;
    let mut conn = rt.block_on(connect(url))?;
    check_and_sync(&rt, &mut conn, code, by, Some((&report, out, start)))
}

/// What [`recheck`] gives: the check, what it did to the stored conflicts, the review statuses not open.
pub type Rechecked = (Checked, ConflictSync, Vec<(String, ReviewStatus)>);

/// After an edit (`src/server/edit.rs`): checks commune `code` again and syncs its conflicts as `check --db`
/// does, without a report; returns the check and the review statuses a server starts from. Rechecks of one
/// commune run one at a time (a session lock of their own), so the last to finish has read every edit
/// committed before it started. Runs on its own thread: it is called from inside the server's runtime.
pub fn recheck(url: &str, code: &str, by: &str) -> Result<Rechecked> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let rt = runtime()?;
                let mut guard = rt.block_on(connect(url))?;
                let key = format!("thuadat.recheck:{code}");
                rt.block_on(
                    sqlx::query("SELECT pg_advisory_lock(hashtextextended($1, 0))").bind(&key).execute(&mut guard),
                )
                .map_err(|e| Error::db("waiting for the commune's recheck lock", e))?;
                let mut conn = rt.block_on(connect(url))?;
                let (checked, sync) = check_and_sync(&rt, &mut conn, code, by, None)?;
                let reviews = rt.block_on(review::statuses(&mut conn, code))?;
                // The lock ends with its session (the guard's connection closes when dropped).
                Ok((checked, sync, reviews))
            })
            .join()
            .unwrap_or_else(|_| Err(Error::panicked("checking the commune again")))
    })
}

/// Reads commune `code` back, checks it, writes the report when given, and syncs the stored linkage and
/// conflicts in one transaction under the commune's lock.
fn check_and_sync(
    rt: &tokio::runtime::Runtime,
    conn: &mut PgConnection,
    code: &str,
    by: &str,
    report: Option<(&crate::report::Destination, &Path, Instant)>,
) -> Result<(Checked, ConflictSync)> {
    let mut commune = StoredCommune { rt, conn, code, stored_linkage: false };
    let mut checked = check::run(&mut commune, &check::Options::default())?;
    if let Some((destination, _, start)) = report {
        check::report(&mut checked, destination, start)?;
    }
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
        "reappeared": sync.reappeared,
        "report": report.map_or("none: after an edit".to_string(), |(_, out, _)| out.display().to_string()),
    });
    rt.block_on(finish_import(&mut tx, import_id, code, "check", by, &detail))?;
    rt.block_on(tx.commit()).map_err(|e| Error::db("committing the check", e))?;
    Ok((checked, sync))
}
