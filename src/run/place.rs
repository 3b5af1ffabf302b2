//! Stage 1, place: where the run writes, which lock guards it, the case ledger held.
//! Decided and checked before any work: a refusal costs nothing and touches nothing.

use std::path::PathBuf;

use super::options::RunOptions;
use fundaudit_casebook::ledger::CaseLedger;
use fundaudit_casebook::run_folder;
use fundaudit_core::cells;
use fundaudit_core::error::{Error, Result};
use fundaudit_report::runs;

/// The run's place, held to the end of the run.
pub(super) struct Place {
    /// The run folder as it will be when published.
    pub done: PathBuf,
    /// The reports folder's (or --out's) lock.
    pub _lock: fundaudit_casebook::lock::RunLock,
    /// The case ledger, its own lock held from here to the end, so two reports folders
    /// sharing one ledger queue behind each other instead of interleaving their
    /// classification.
    pub ledger: Option<CaseLedger>,
}

pub(super) fn place(opts: &RunOptions) -> Result<Place> {
    let (done, lock_path) = folder_and_lock(opts)?;
    let _lock = fundaudit_casebook::lock::lock(&lock_path, opts.wait)?;
    let ledger = match &opts.ledger {
        Some(path) => Some(CaseLedger::open(path, opts.wait)?),
        None => None,
    };
    Ok(Place {
        done,
        _lock,
        ledger,
    })
}

/// Where this run will write (its folder) and which lock guards it (see
/// [`run_folder`]).
fn folder_and_lock(opts: &RunOptions) -> Result<(PathBuf, PathBuf)> {
    let (done, lock_path) = match (&opts.out_dir, &opts.reports_dir) {
        (Some(out), _) => {
            let name = out.file_name().map(|n| n.to_string_lossy().to_string());
            let lock = out.with_file_name(format!(".{}.lock", name.unwrap_or_default()));
            (out.clone(), lock)
        }
        (None, Some(reports)) => {
            let as_of = cells::fmt_day(opts.as_of);
            (
                reports.join(runs::next_run_name(reports, &as_of)),
                reports.join("fundaudit.lock"),
            )
        }
        (None, None) => {
            return Err(Error::Argument(
                "a run needs a reports folder (--reports) or --out".into(),
            ))
        }
    };
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    run_folder::check_places(
        &run_folder::Places {
            data: &opts.data_dir,
            reports: opts.reports_dir.as_deref(),
            out: opts.out_dir.as_deref(),
            ledger: opts.ledger.as_deref(),
        },
        home.as_deref(),
        &cwd,
    )?;
    Ok((done, lock_path))
}
