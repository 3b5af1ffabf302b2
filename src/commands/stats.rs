//! `fundaudit stats`: what the officers decided, per rule and per score band; with
//! `--identity`, their decisions set against the identity weights.

use std::path::PathBuf;

use clap::Args;

use fundaudit::operations::identity_stats::identity_stats;
use fundaudit_audit::calibration::RuleStats;
use fundaudit_casebook::ledger::CaseLedger;
use fundaudit_core::error::Error;

use super::args::InputArgs;
use super::outcome::Outcome;

#[derive(Args)]
pub struct StatsArgs {
    #[arg(long, default_value = "reports/ledger.sqlite")]
    ledger: PathBuf,
    /// Instead: how the identity weights in use, those learned from the registry
    /// (--data) and those learned with the officers' decisions on duplicate
    /// findings would judge the confirmed and dismissed pairs, and the block to adopt.
    #[arg(long)]
    identity: bool,
    #[command(flatten)]
    input: InputArgs,
}

pub fn stats(args: StatsArgs) -> anyhow::Result<Outcome> {
    let StatsArgs {
        ledger,
        identity,
        input,
    } = args;
    if !ledger.exists() {
        return Err(Error::Argument(format!("no case ledger at {}", ledger.display())).into());
    }
    let book = CaseLedger::open_read(&ledger)?;
    if identity {
        print!(
            "{}",
            identity_stats(&input.data, &book, &input.config()?)?.render()
        );
    } else {
        print!("{}", RuleStats::render_all(&book.stats()?));
        print!("{}", book.case_stats()?.render());
    }
    Ok(Outcome::Done)
}
