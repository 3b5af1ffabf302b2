//! The subcommands, one file each: its arguments (clap) and what it does with them,
//! over the library. Shared by them: where inputs are read from and where a run writes
//! ([`args`]), and how a command ends ([`outcome`]).

use clap::Subcommand;

mod args;
mod check;
mod config;
mod dedup;
mod generate;
pub mod outcome;
mod policy;
mod review;
mod run;
mod screen;
mod stage;
mod stats;

use outcome::Outcome;

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
    /// Print the built-in rule texts: each rule's names, policy basis (政策依据) and visit
    /// checklist (核查要点). Save, edit and name the copy in `[report] policy`.
    Policy,
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
            Command::Policy => policy::print(),
        }
    }
}
