//! Typed errors of the library. The CLI maps [`Error::is_bad_input`] to exit code 2.

use std::path::PathBuf;

/// Where in an input a problem was found: the file, and when known the row or feature and the field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Location {
    pub(crate) file: PathBuf,
    /// "row 12" (CSV, 1-based data row counting the header as row 1) or "feature 7" (0-based FID order).
    pub item: Option<String>,
    pub(crate) field: Option<String>,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(item) = &self.item {
            write!(f, ", {item}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        Ok(())
    }
}

impl Location {
    pub(crate) fn file(file: impl Into<PathBuf>) -> Self {
        Location { file: file.into(), item: None, field: None }
    }
    pub(crate) fn row(file: impl Into<PathBuf>, row: usize) -> Self {
        Location { file: file.into(), item: Some(format!("row {row}")), field: None }
    }
    pub(crate) fn feature(file: impl Into<PathBuf>, feature: usize) -> Self {
        Location { file: file.into(), item: Some(format!("feature {feature}")), field: None }
    }
    pub(crate) fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

/// What can go wrong; [`Error::is_bad_input`] tells the input's fault from the rest.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is wrong: a missing file, an unknown CRS, a bad value. Exit code 2.
    #[error("{at}: {message}")]
    BadInput {
        /// Where: the file, and when known the row or feature and the field.
        at: Location,
        /// What is wrong there, for the user.
        message: String,
    },
    /// A place the user named for output may not be replaced (it is the dataset, holds other files, ...).
    /// Exit code 2, like bad input: nothing was written.
    #[error("{}: {message}", path.display())]
    Refused {
        /// The output path refused.
        path: PathBuf,
        /// Why it may not be replaced.
        message: String,
    },
    /// Writing (or reading something that is not input) failed for a reason outside the data (disk full).
    /// The OS error is part of this error's own text, not its `source()`, so that it is said once.
    #[error("{}: {cause}", path.display())]
    Io {
        /// The file or directory being written or read.
        path: PathBuf,
        /// The OS error.
        cause: std::io::Error,
    },
    /// The PostGIS store (`src/store`) failed: `what` was being done. The server's message is part of this
    /// error's own text and not its `source()`: sqlx's error repeats its source's text, and the CLI prints
    /// the chain, so the message came out three times.
    #[error("database: {what}: {cause}")]
    Database {
        /// What was being done ("reading the conflict").
        what: String,
        /// The driver's or the server's error.
        cause: sqlx::Error,
    },
    /// A worker thread of ours panicked (a bug): what it was doing.
    #[error("{what} panicked (a bug: please report it)")]
    Panicked {
        /// What the thread was doing.
        what: &'static str,
    },
    /// More than this version can hold (4 GiB of text, 2^32 rows, a 32-bit database column).
    #[error("{what}: more than this version can hold ({limit})")]
    Capacity {
        /// What grew too large ("certificate rows").
        what: String,
        /// The limit passed ("2^32", "4 GiB").
        limit: &'static str,
    },
    /// Data in the store that this version cannot read (written by another version, or edited by hand).
    #[error("database: {0}")]
    Stored(String),
    /// The schema's migrations failed.
    #[error("database: migrating the schema `thuadat`: {0}")]
    Migration(sqlx::migrate::MigrateError),
    /// The system refused something that is not about the data (a runtime, a socket).
    #[error("{what}: {cause}")]
    System {
        /// What was refused ("cannot listen on 127.0.0.1:8080").
        what: String,
        /// The OS error.
        cause: std::io::Error,
    },
    /// Serialising our own output failed.
    #[error("{what}: {cause}")]
    Json {
        /// The output being serialised (`summary.json`).
        what: &'static str,
        /// serde_json's error.
        cause: serde_json::Error,
    },
    /// A state this program should never reach (a bug).
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub(crate) fn bad_input(at: Location, message: impl Into<String>) -> Self {
        Error::BadInput { at, message: message.into() }
    }
    /// Writing or reading `path` failed for a reason outside the data (not bad input).
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), cause: source }
    }
    /// An input file that cannot be read (a directory, a symlink loop, a truncated archive, no permission):
    /// bad input naming the file, with the OS's reason said once.
    pub fn unreadable(path: impl Into<PathBuf>, source: &std::io::Error) -> Self {
        let path = path.into();
        let message = if path.is_dir() {
            "is a directory, not a file".to_string()
        } else {
            match source.raw_os_error() {
                Some(libc::ELOOP) => "is a symbolic link that loops (or too many links in a row)".to_string(),
                _ => format!("cannot be read: {}", plain(source)),
            }
        };
        Error::BadInput { at: Location::file(path), message }
    }
    /// A failed database operation, saying what was being done.
    pub fn db(what: impl Into<String>, source: sqlx::Error) -> Self {
        Error::Database { what: what.into(), cause: source }
    }
    /// A thread of ours that panicked, doing `what`.
    pub fn panicked(what: &'static str) -> Self {
        Error::Panicked { what }
    }
    /// True when the error is the input's fault (exit code 2 at the CLI).
    pub fn is_bad_input(&self) -> bool {
        matches!(self, Error::BadInput { .. } | Error::Refused { .. })
    }
}

/// An I/O error's text without the path and code decorations the OS adds ("Is a directory (os error 21)" ->
/// "is a directory"), lower case, for messages that already name the file.
fn plain(e: &std::io::Error) -> String {
    let text = e.to_string();
    let text = match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

/// The library's result, with [`Error`] by default.
pub type Result<T, E = Error> = std::result::Result<T, E>;
