//! The `[limits]` caps in force for this process's readers. The readers sit far below the
//! commands that hold a config (a workbook cell reader, the header peek of file
//! discovery), so the command line sets the caps once, when it has read the config, and
//! every reader asks here; a reader that runs without a config (`review --import`) gets
//! the defaults.

use std::path::Path;
use std::sync::RwLock;

use fundaudit_core::config::Limits;
use fundaudit_core::error::Error;

static CURRENT: RwLock<Limits> = RwLock::new(Limits::DEFAULT);

/// Puts a config's caps in force.
pub fn set(limits: Limits) {
    *CURRENT.write().unwrap_or_else(|e| e.into_inner()) = limits;
}

/// The caps in force.
pub fn current() -> Limits {
    *CURRENT.read().unwrap_or_else(|e| e.into_inner())
}

/// The error for a file past the cap `key`.
pub fn too_large(path: &Path, what: String, key: &'static str) -> Error {
    Error::TooLarge {
        path: path.display().to_string(),
        what,
        key,
    }
}

/// Refuses a table row of more than `[limits] max_columns` cells.
pub fn check_columns(path: &Path, columns: usize, line: usize) -> Result<(), Error> {
    let max = current().max_columns;
    if columns > max {
        return Err(too_large(
            path,
            format!("line {line} has {columns} columns, more than the {max} a ledger may have"),
            "max_columns",
        ));
    }
    Ok(())
}
