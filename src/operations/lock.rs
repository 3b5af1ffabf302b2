//! File locks that keep two runs from writing one place at once: a reports folder
//! (`fundaudit.lock`), an `--out` folder (`.<out>.lock` beside it), a case ledger
//! (`<ledger>.lock`). The operating system releases them when a process dies, so a kill
//! never leaves a stale lock behind.

use std::fs::File;
use std::path::Path;

use crate::error::{Error, Result};

fn io(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Holds a lock file for the life of a run (released on drop, and by the operating system
/// if the process dies): `<reports>/fundaudit.lock`, `.<out>.lock` beside an `--out`
/// folder, `<ledger>.lock` beside the case ledger.
pub struct RunLock {
    _file: File,
}

/// Takes the lock at `path`; with `wait`, queues behind whoever holds it, else fails at
/// once with [`Error::Busy`].
pub fn lock(path: &Path, wait: bool) -> Result<RunLock> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    }
    let path = path.to_path_buf();
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| io(&path, e))?;
    if wait {
        file.lock().map_err(|e| io(&path, e))?;
    } else {
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Error::Busy {
                    path: path.display().to_string(),
                })
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(&path, e)),
        }
    }
    Ok(RunLock { _file: file })
}
