//! The PostGIS store (docs/STORE.md): a commune's dataset, its conflicts with their review status and history,
//! and the audit log, in PostgreSQL 15 + PostGIS 3 under the schema `thuadat`.
//!
//! - [`import()`] checks a dataset directory exactly as `thuadat check` does, then in one transaction (under a
//!   per-commune advisory lock) replaces the commune's rows with COPY and syncs its conflicts.
//! - [`load_dataset`] reads a commune back through the same pipeline as files ([`crate::dataset::Dataset::from_raw`]): the
//!   parcels are kept as read (source CRS, rings as written), so the check of the store equals the check of
//!   the directory; [`check()`] writes its report and syncs the conflicts again.
//!
//! By concern: [`connection`] (URL, PostGIS, migrations, locks, SRIDs), [`mod@import`], [`conflicts`] (first COPY
//! and later syncs), [`read`] (the commune back as raw features), [`run`] (`check --db`, `serve --db`); the
//! blocking entry points start their own runtime ([`runtime`]).
//!
//! sqlx without its compile-time checked macros (CI builds without a database); the schema comes from the
//! versioned migrations in `migrations/`, embedded in the binary.

mod conflicts;
mod connection;
pub mod copy;
pub mod edit;
pub mod export;
pub mod holders;
mod import;
pub mod partition;
mod read;
pub mod review;
mod run;
pub mod users;
pub mod wkb;

pub use conflicts::sync_found;
pub use connection::{connect, resolve_commune};
pub use import::{choose_commune, import};
pub use read::load_dataset;
pub use run::{check, last_edit, load_checked, recheck, StoredCommune};

use crate::error::{Error, Result};

/// The schema's migrations, embedded: every connection brings the database up to date.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A commune of the store to serve (`thuadat serve --db`).
#[derive(Debug, Clone)]
pub struct StoreSource {
    /// The database URL (`postgres://user@host:port/database`).
    pub url: String,
    /// None: the store's only commune.
    pub commune: Option<String>,
}

/// What an import or a check did to the stored conflicts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConflictSync {
    /// Conflicts new to the store, opened with an `opened` history row.
    pub opened: u64,
    /// Conflicts stored as present that this run no longer finds: kept, marked vanished.
    pub vanished: u64,
    /// Conflicts that had vanished and occur again: present again, review status kept.
    pub reappeared: u64,
    /// Conflicts of this run (by distinct stable id).
    pub present: u64,
}

/// What [`import`] wrote.
#[derive(Debug, Clone)]
pub struct ImportSummary {
    /// The commune code the dataset was stored under.
    pub commune: String,
    /// The id of this import's row in `thuadat.import` (the audit log's and history's import).
    pub import_id: i64,
    /// Rows: every feature of the parcels file.
    pub parcels: u64,
    /// Certificates (distinct `cert_id`s).
    pub certificates: u64,
    /// Rows of certificates.csv.
    pub holders: u64,
    /// Rows of citizens.csv (0 without a register).
    pub citizens: u64,
    /// Residential group boundaries (0 without `groups.<ext>`).
    pub groups: u64,
    /// What the import did to the stored conflicts.
    pub conflicts: ConflictSync,
    /// Reading the dataset directory.
    pub load_seconds: f64,
    /// The check (index and reconciliation), which runs while the first tables are stored.
    pub check_seconds: f64,
    /// From the connection to the commit.
    pub store_seconds: f64,
    /// From the start of the reading to the commit.
    pub total_seconds: f64,
    /// Seconds of each step of the store part.
    pub store_steps: Vec<(&'static str, f64)>,
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|cause| Error::System { what: "cannot start the runtime".into(), cause })
}

/// Who writes: `$THUADAT_USER`, else `$USER`, else `thuadat`.
pub fn default_user() -> String {
    std::env::var("THUADAT_USER")
        .or_else(|_| std::env::var("USER"))
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "thuadat".into())
}
