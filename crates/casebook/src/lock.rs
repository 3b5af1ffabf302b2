//! File locks that keep two runs from writing one place at once: a reports folder
//! (`fundaudit.lock`), an `--out` folder (`.<out>.lock` beside it), a case ledger
//! (`<ledger>.lock`). The operating system releases them when a process dies, so a kill
//! never leaves a stale lock behind.

use std::fs::File;
use std::path::Path;
use std::time::{Duration, Instant};

use fundaudit_core::error::{Error, Result};

/// Holds a lock file for the life of a run (released on drop, and by the operating system
/// if the process dies): `<reports>/fundaudit.lock`, `.<out>.lock` beside an `--out`
/// folder, `<ledger>.lock` beside the case ledger.
pub struct RunLock {
    _file: File,
}

/// Takes the lock at `path`; with `wait`, queues behind whoever holds it for at most that
/// long ([`Duration::MAX`]: as long as it takes), else fails at once; either way a lock
/// still held is [`Error::Busy`] (exit 75).
pub fn lock(path: &Path, wait: Option<Duration>) -> Result<RunLock> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    }
    let path = path.to_path_buf();
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::write(&path, e))?;
    let deadline = wait.and_then(|w| Instant::now().checked_add(w));
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(RunLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => {
                // No deadline with a wait: as long as it takes (Duration::MAX).
                let waited_enough = wait.is_none() || deadline.is_some_and(|d| Instant::now() >= d);
                if waited_enough {
                    return Err(Error::Busy {
                        path: path.display().to_string(),
                    });
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::write(&path, e)),
        }
    }
}

/// A `--wait` value: `30m`, `2h`, `90s`, `90` (seconds), or `forever`.
pub fn parse_wait(text: &str) -> std::result::Result<Duration, String> {
    let t = text.trim();
    if t == "forever" {
        return Ok(Duration::MAX);
    }
    let (number, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = number
        .parse()
        .map_err(|_| format!("--wait {text}: give a time such as 30m, 2h or 90s, or forever"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        _ => {
            return Err(format!(
                "--wait {text}: the unit is s, m or h (30m, 2h, 90s)"
            ))
        }
    };
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fundaudit.lock");
        let first = lock(&path, None).unwrap();
        assert!(matches!(lock(&path, None), Err(Error::Busy { .. })));
        drop(first);
        assert!(lock(&path, None).is_ok());
    }
}
