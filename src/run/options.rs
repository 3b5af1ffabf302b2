//! What a run is asked to do ([`RunOptions`], [`Engine`]) and what it gives back
//! ([`RunOutcome`]): the one thing every stage of `run/` reads, so the stages import it
//! from here and not from the sequence in mod.rs that calls them.

use std::path::PathBuf;

use polars::prelude::DataFrame;

use fundaudit_core::cells::Day;
use fundaudit_core::config::Config;
use fundaudit_core::policy::Policy;
use fundaudit_report::html::words::Lang;
use fundaudit_report::report::Summary;

/// What one audit run needs to know.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub data_dir: PathBuf,
    /// The reports folder: run folders `<as-of>-<n>/`, `latest`, the lock. None only with
    /// `out_dir`.
    pub reports_dir: Option<PathBuf>,
    /// Write the run exactly here instead of a new `<reports>/<as-of>-<n>/`, replacing an
    /// earlier run there (and nothing else: see [`fundaudit_casebook::run_folder`]).
    pub out_dir: Option<PathBuf>,
    pub config: Config,
    /// Each rule's names, policy basis and visit checklist (the config's `[report] policy`
    /// over the built-in texts).
    pub policy: Policy,
    /// Reference date for "unpaid past due" (days since 1970-01-01).
    pub as_of: Day,
    /// Write ID and account numbers in full (default: masked, see [`fundaudit_core::privacy`]).
    pub unmasked: bool,
    /// Language of report.html.
    pub lang: Lang,
    /// Queue behind a run that holds the reports folder's lock for at most this long
    /// instead of failing at once (None: fail at once, exit 75).
    pub wait: Option<std::time::Duration>,
    /// The case ledger (SQLite); None runs without one.
    pub ledger: Option<PathBuf>,
    /// A pre-payment screen (事前筛查) of the allocations instead of an audit of payments.
    pub screen: bool,
    /// Where the rules run: here, or on a Ballista cluster.
    pub engine: Engine,
}

/// Where a run's units are audited (see [`fundaudit_ballista`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Engine {
    /// In this process, a unit after another.
    #[default]
    Local,
    /// On a Ballista cluster: the scheduler at `df://HOST:PORT`, or (None) a scheduler
    /// and two executors started in this process. Needs a stage as the data folder and
    /// the `distributed` build.
    Ballista { scheduler: Option<String> },
}

/// The result of a run, as written to its folder.
pub struct RunOutcome {
    pub findings: DataFrame,
    pub summary: Summary,
    /// The run's folder, complete.
    pub out_dir: PathBuf,
    /// Whether a finding reached the config's alert score (exit code 3).
    pub alert: bool,
    /// Whether the inputs look like a broken export (exit code 4; see
    /// [`fundaudit_rules::completeness`]).
    pub incomplete: bool,
    /// The reports that could not be written (file: why); the others were published
    /// (exit code 2).
    pub not_written: Vec<String>,
}
