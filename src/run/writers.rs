//! The report writers of one run, each attempted whatever became of the others.

use fundaudit_core::error::{Error, Result};

/// The report writers of one run, each attempted whatever became of the others. A
/// writer's error, or a panic inside it (rust_xlsxwriter panicked on a full disk), is
/// collected, and the half-written file removed: a partial workbook would be read as a
/// whole one.
pub(super) struct Writers<'a> {
    out: &'a std::path::Path,
    pub(super) failed: Vec<String>,
}

impl<'a> Writers<'a> {
    pub(super) fn new(out: &'a std::path::Path) -> Writers<'a> {
        Writers {
            out,
            failed: Vec::new(),
        }
    }

    pub(super) fn attempt(&mut self, what: &str, write: impl FnOnce() -> Result<()>) {
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(write)).unwrap_or_else(|panic| {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "the writer stopped".into());
                Err(Error::Write {
                    path: self.out.join(what).display().to_string(),
                    message,
                })
            });
        if result.is_ok() {
            fundaudit_core::safe_fs::start_writeback(&self.out.join(what));
        }
        if let Err(e) = result {
            tracing::error!(output = what, "{e}");
            let _ = std::fs::remove_file(self.out.join(what));
            self.failed.push(format!("{what}: {e}"));
        }
    }
}
