//! Typed errors of the library. The CLI maps [`Error::is_bad_input`] to exit code 2.

use std::path::PathBuf;

/// Where in an input a problem was found: the file, and when known the row or feature and the field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Location {
    pub file: PathBuf,
    /// "row 12" (CSV, 1-based data row counting the header as row 1) or "feature 7" (0-based FID order).
    pub item: Option<String>,
    pub field: Option<String>,
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
    pub fn file(file: impl Into<PathBuf>) -> Self {
        Location { file: file.into(), item: None, field: None }
    }
    pub fn row(file: impl Into<PathBuf>, row: usize) -> Self {
        Location { file: file.into(), item: Some(format!("row {row}")), field: None }
    }
    pub fn feature(file: impl Into<PathBuf>, feature: usize) -> Self {
        Location { file: file.into(), item: Some(format!("feature {feature}")), field: None }
    }
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is wrong: a missing file, an unknown CRS, a bad value. Exit code 2.
    #[error("{at}: {message}")]
    BadInput { at: Location, message: String },
    /// Reading or writing failed for a reason outside the data (permissions, disk full).
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// The PostGIS store (`src/store`) failed: `what` was being done. The server's message is part of this
    /// error's own text and not its `source()`: sqlx's error repeats its source's text, and the CLI prints
    /// the chain, so the message came out three times.
    #[error("database: {what}: {cause}")]
    Database { what: String, cause: sqlx::Error },
    /// Anything else that is our fault or the environment's.
    #[error("{0}")]
    Other(String),
}

impl Error {
    pub fn bad_input(at: Location, message: impl Into<String>) -> Self {
        Error::BadInput { at, message: message.into() }
    }
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
    /// A failed database operation, saying what was being done.
    pub fn db(what: impl Into<String>, source: sqlx::Error) -> Self {
        Error::Database { what: what.into(), cause: source }
    }
    /// True when the error is the input's fault (exit code 2 at the CLI).
    pub fn is_bad_input(&self) -> bool {
        matches!(self, Error::BadInput { .. })
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
