//! Typed errors of the library. Each message says what went wrong, where, and what to do;
//! the binary adds context and maps them to exit codes.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error("config {path}: {message}")]
    Config { path: String, message: String },

    #[error("input file {path} not found: put it in the data folder or pass --data DIR")]
    MissingFile { path: String },

    #[error("cannot read input file {path}: {message}")]
    Unreadable { path: String, message: String },

    #[error(
        "input file {path}: required column `{column}` is missing; columns found: {found}. \
         Rename the header or add the column."
    )]
    MissingColumn {
        path: String,
        column: String,
        found: String,
    },

    #[error(
        "input file {path}: no header row found in its first {scanned} rows (looked for the \
         columns {wanted} or their Chinese names). The first rows are:\n{rows}\nName the \
         headers in the config's [columns.{stem}] table (see `fundaudit config`)"
    )]
    NoHeader {
        path: String,
        scanned: usize,
        wanted: String,
        stem: String,
        rows: String,
    },

    #[error(
        "input file {path}: the header `{header}` appears twice (columns {first} and {second}); \
         rename one, so it is clear which holds the {header}"
    )]
    DuplicateHeader {
        path: String,
        header: String,
        first: usize,
        second: usize,
    },

    /// An input past one of the `[limits]` caps, refused before it is read whole.
    #[error(
        "input file {path}: {what}; it was not read (a cap against files that would exhaust \
         memory: [limits] {key} in the config; raise it only for a file you know to be genuine)"
    )]
    TooLarge {
        path: String,
        what: String,
        key: &'static str,
    },

    #[error("cannot write {path}: {message}")]
    Write { path: String, message: String },

    #[error(
        "another fundaudit run holds the lock {path}; it is still writing there (its run \
         folder, or the case ledger). Retry later, or pass --wait to queue behind it"
    )]
    Busy { path: String },

    /// A place a run would write to or replace that holds, or could hold, a user's files.
    #[error("refusing to write to {path}: {why}")]
    UnsafeOutput { path: String, why: String },

    #[error("invalid argument: {0}")]
    Argument(String),

    /// The Ballista cluster (`--engine ballista`) could not be reached or a task failed.
    #[error("cluster {scheduler}: {message}")]
    Cluster { scheduler: String, message: String },

    #[error("internal data-frame error: {0}")]
    Polars(#[from] polars::error::PolarsError),
}

impl Error {
    /// A file or folder that could not be written (or created, synced, renamed), with
    /// the path and the system's reason: the shape every writer reports.
    pub fn write(path: &std::path::Path, e: impl std::fmt::Display) -> Error {
        Error::Write {
            path: path.display().to_string(),
            message: e.to_string(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
