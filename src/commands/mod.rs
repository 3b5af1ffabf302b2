//! The subcommands, one file each: its arguments (clap) and what it does with them,
//! over the library. Shared here: where inputs are read from and how ([`InputArgs`]),
//! where a run writes ([`OutputArgs`]), and how a command ends ([`Outcome`]).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use fundaudit_core::cells;
use fundaudit_core::config::Config;
use fundaudit_core::error::Error;

mod check;
mod config;
mod dedup;
mod generate;
mod review;
mod run;
mod screen;
mod stage;
mod stats;

#[derive(Subcommand)]
pub enum Command {
    /// Run the audit over a data folder and write ranked findings.
    Run(run::RunArgs),
    /// Screen the allocations before the bank file goes out (事前筛查): the audit of the
    /// payments the bank file would make; writes the reports and hold.csv, the allocations
    /// to hold back with their reasons. No payments ledger is needed (one present is not
    /// read), and the case ledger is not touched.
    Screen(screen::ScreenArgs),
    /// Write synthetic ledgers with planted anomalies and a truth.csv of what was planted.
    Generate(generate::GenerateArgs),
    /// Read and validate the inputs only: formats, header mapping, rejects.
    Check(check::CheckArgs),
    /// Read and validate a data folder once and write it as typed Parquet with its
    /// rejects and file accounts (a stage); `run --data STAGE` then skips parsing and
    /// validation.
    Stage(stage::StageArgs),
    /// Find persons registered more than once in DIR/beneficiaries.csv (registry
    /// self-deduplication alone, for registries of millions); scores itself against
    /// DIR/truth_pairs.csv when present.
    Dedup(dedup::DedupArgs),
    /// Record an officer's disposition of a finding or a case in the case ledger, or
    /// import a filled-in disposition column (CSV or workbook) with --import.
    Review(review::ReviewArgs),
    /// Per rule: findings reviewed, confirmed and dismissed, and the confirm rate per
    /// score band, to move cut-offs with evidence.
    Stats(stats::StatsArgs),
    /// Print the default configuration file, with a comment on every key.
    Config,
}

impl Command {
    /// Runs the command.
    pub fn execute(self) -> anyhow::Result<Outcome> {
        match self {
            Command::Run(args) => run::run(args),
            Command::Screen(args) => screen::screen(args),
            Command::Generate(args) => generate::generate(args),
            Command::Check(args) => check::check(args),
            Command::Stage(args) => stage::stage(args),
            Command::Dedup(args) => dedup::dedup(args),
            Command::Review(args) => review::review(args),
            Command::Stats(args) => stats::stats(args),
            Command::Config => config::print(),
        }
    }
}

/// How a successful command ended.
pub enum Outcome {
    Done,
    /// A finding reached the alert score.
    Alert,
    /// The inputs look incomplete.
    Incomplete,
    /// The run was published, but some of its reports could not be written.
    NotWritten,
}

/// Where the inputs are and how to read them: shared by every command that reads them.
#[derive(Args)]
pub struct InputArgs {
    /// Folder holding beneficiaries, allocations, payments and, when available, deaths
    /// and officials (.csv, .tsv, .txt, .xlsx, .xls, .ods or .parquet).
    #[arg(long, default_value = "sample_data")]
    pub data: PathBuf,
    /// TOML config; keys left out keep their defaults (see `fundaudit config`).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

impl InputArgs {
    /// The config, its `[limits]` put in force for every reader of this process.
    pub fn config(&self) -> Result<Config, Error> {
        let config = match &self.config {
            Some(path) => Config::from_file(path)?,
            None => Config::default(),
        };
        fundaudit_input::limits::set(config.limits);
        Ok(config)
    }
}

/// Where and how a run writes: shared by `run` and `screen`.
#[derive(Args)]
pub struct OutputArgs {
    /// Reports folder: each run goes to a new <reports>/<as-of>-<n>/, and
    /// <reports>/latest points at the last complete one [default: reports].
    #[arg(long)]
    pub reports: Option<PathBuf>,
    /// Write this run exactly into DIR instead, replacing an earlier run there. DIR must
    /// be new, empty, or hold an earlier fundaudit run and nothing else.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Reference date YYYY-MM-DD for "unpaid past due" [default: today].
    #[arg(long)]
    pub as_of: Option<String>,
    /// Print nothing on success.
    #[arg(long)]
    pub quiet: bool,
    /// Write ID and account numbers in full in the reports (default: masked, e.g.
    /// 411623********123X and ****6090). Only for systems entitled to them.
    #[arg(long)]
    pub unmasked: bool,
    /// Language of report.html: zh (default) or en.
    #[arg(long, default_value = "zh")]
    pub lang: fundaudit_report::html::words::Lang,
}

impl OutputArgs {
    pub fn as_of(&self) -> Result<fundaudit_core::cells::Day, Error> {
        match &self.as_of {
            Some(s) => {
                let day = cells::parse_date(s)
                    .map_err(|why| Error::Argument(format!("--as-of: {why}")))?;
                // Days since 1970-01-01: 0 and 2100-12-31. A date outside is a typo, and
                // would make every allocation overdue or none.
                if !(0..=47846).contains(&day) {
                    return Err(Error::Argument(format!(
                        "--as-of {s}: give a date between 1970-01-01 and 2100-12-31"
                    )));
                }
                Ok(day)
            }
            None => Ok(cells::today()),
        }
    }

    /// The reports folder: the one named; none for a run written only to --out; else
    /// `reports`.
    pub fn reports(&self) -> Option<PathBuf> {
        match (&self.reports, &self.out) {
            (Some(r), _) => Some(r.clone()),
            (None, Some(_)) => None,
            (None, None) => Some(PathBuf::from("reports")),
        }
    }
}

/// Prints a finished run's summary (unless quiet) and maps it to an exit outcome.
pub fn finish(
    outcome: &fundaudit::RunOutcome,
    progress: Option<indicatif::ProgressBar>,
    quiet: bool,
    written: &str,
) -> Outcome {
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if !quiet {
        println!("{}", outcome.summary.render());
        println!("\n{written} {}", outcome.out_dir.display());
    }
    if !outcome.not_written.is_empty() {
        eprintln!(
            "error: the run completed and its other reports are in {}, but {} could not be written: {}",
            outcome.out_dir.display(),
            outcome.not_written.len(),
            fundaudit_core::privacy::safe_message(&outcome.not_written.join("; "))
        );
        return Outcome::NotWritten;
    }
    // Incomplete inputs outrank an alert: the alert may be the broken export's.
    if outcome.incomplete {
        Outcome::Incomplete
    } else if outcome.alert {
        Outcome::Alert
    } else {
        Outcome::Done
    }
}
