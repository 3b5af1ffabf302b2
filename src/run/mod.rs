//! One audit run, as a sequence of stages, a file each: [`place`] (where it writes, the
//! locks) → [`load`] (the ledgers) → [`resolve`] (the people, the last night) →
//! [`audit`] (the rules) → [`rank`] (scores, cases) → [`record`] (the case ledger) →
//! [`write`] (the reports) → [`publish`] (the folder in place). Each stage's wall time goes
//! into one [`Timings`]; where the rules run (here or on a cluster) is [`engine`]'s
//! alone.

use std::path::PathBuf;

use polars::prelude::DataFrame;

use fundaudit_casebook::run_folder;
use fundaudit_core::cells::{self, Day};
use fundaudit_core::config::Config;
use fundaudit_core::error::Result;
use fundaudit_core::timings::Timings;
use fundaudit_report::html::words::Lang;
use fundaudit_report::report::Summary;
use fundaudit_report::runs;

mod audit;
mod engine;
mod last_night;
mod load;
mod place;
mod publish;
mod rank;
mod record;
mod resolve;
mod write;
mod writers;

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

/// Runs the whole audit and writes the run folder: report.html, findings.xlsx,
/// findings.csv/json, rejects.csv, summary.json and manifest.json.
pub fn run(opts: &RunOptions) -> Result<RunOutcome> {
    let started = fundaudit_core::cells::now();
    let mut timings = Timings::default();
    let cluster = engine::reach(opts)?;
    let mut place = place::place(opts)?;
    let loaded = load::load(opts, &place.done, &mut timings)?;
    let resolve::Resolved { people, last } = resolve::resolve(
        loaded.ledgers,
        opts,
        cluster.as_ref(),
        place.ledger.as_ref(),
        &mut timings,
    )?;
    let audited = audit::audit(people, opts, cluster.as_ref(), &last, &mut timings)?;
    let mut ranked = rank::rank(
        &audited.raw,
        &audited.ctx,
        place.ledger.as_ref(),
        &mut timings,
    )?;

    let as_of = cells::fmt_day(opts.as_of);
    let run_id = runs::new_run_id();
    let run_name = place
        .done
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let folder = run_folder::absolute(&place.done);
    let night = record::Night {
        run_id: &run_id,
        run_name: &run_name,
        folder: &folder,
        as_of: &as_of,
    };
    let recorded = record::record(
        std::mem::take(&mut ranked.findings),
        &audited,
        place.ledger.as_mut(),
        &last,
        &night,
        opts,
        &mut timings,
    )?;
    let sources = write::Sources {
        ranked: &ranked,
        audited: &audited,
        ledger: place.ledger.as_ref(),
        started: &started,
    };
    let written = write::write(recorded, &sources, place.done.clone(), opts, timings)?;
    let who = publish::Identity {
        run_id: &run_id,
        run_name: &run_name,
        started: &started,
    };
    let outcome = publish::publish(written, &who, place.ledger.as_mut(), opts)?;
    // The stage a province's CSV was read through goes now, after the folder is in place.
    drop(loaded.on_the_way);
    Ok(outcome)
}
