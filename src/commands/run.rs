//! `fundaudit run`: the audit of a data folder.

use std::path::PathBuf;

use clap::Args;

use fundaudit::{Engine, RunOptions};

use fundaudit_core::error::Error;

use super::args::{InputArgs, OutputArgs};
use super::outcome::{finish, Outcome};

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    output: OutputArgs,
    /// If another run holds the reports folder's lock, wait for it (at most DURATION:
    /// 30m, 2h, 90s; without one, as long as it takes) instead of exiting with code 75.
    #[arg(long, num_args = 0..=1, default_missing_value = "forever", value_name = "DURATION", value_parser = fundaudit_casebook::lock::parse_wait)]
    wait: Option<std::time::Duration>,
    /// Case ledger (SQLite) [default: <reports>/ledger.sqlite; with --out DIR and no
    /// --reports, DIR.ledger.sqlite beside DIR].
    #[arg(long)]
    ledger: Option<PathBuf>,
    /// Run without the case ledger.
    #[arg(long, conflicts_with = "ledger")]
    no_ledger: bool,
    /// Where the rules run: local, or ballista (Apache DataFusion Ballista; needs a
    /// stage as --data and the `distributed` build).
    #[arg(long, default_value = "local", value_parser = ["local", "ballista"])]
    engine: String,
    /// The Ballista scheduler, df://HOST:PORT [default: a scheduler and two executors
    /// in this process].
    #[arg(long)]
    scheduler: Option<String>,
}

pub fn run(args: RunArgs) -> anyhow::Result<Outcome> {
    let RunArgs {
        input,
        output,
        wait,
        ledger,
        no_ledger,
        engine,
        scheduler,
    } = args;
    let progress = crate::logging::init_logging(output.quiet);
    // A run written to --out has no reports folder unless one is named; its ledger then
    // sits beside it, named after it, so runs of different counties into sibling folders
    // keep separate ledgers (and none sits inside the folder a run replaces).
    let reports = output.reports();
    let ledger = match (no_ledger, ledger, &reports, &output.out) {
        (true, _, _, _) => None,
        (false, Some(path), _, _) => Some(path),
        (false, None, Some(r), _) => Some(r.join("ledger.sqlite")),
        (false, None, None, Some(o)) => {
            let name = o.file_name().map(|n| n.to_string_lossy().to_string());
            Some(o.with_file_name(format!("{}.ledger.sqlite", name.unwrap_or_default())))
        }
        (false, None, None, None) => None,
    };
    let engine = match (engine.as_str(), scheduler) {
        ("ballista", scheduler) => Engine::Ballista { scheduler },
        (_, Some(_)) => {
            return Err(Error::Argument(
                "--scheduler names a Ballista scheduler: add --engine ballista".into(),
            )
            .into())
        }
        _ => Engine::Local,
    };
    let config = input.config()?;
    let outcome = fundaudit::run(&RunOptions {
        policy: InputArgs::policy(&config)?,
        ledger,
        config,
        data_dir: input.data,
        reports_dir: reports,
        as_of: output.as_of()?,
        out_dir: output.out.clone(),
        unmasked: output.unmasked,
        lang: output.lang,
        wait,
        screen: false,
        engine,
    })?;
    Ok(finish(
        &outcome,
        progress,
        output.quiet,
        "reports written to",
    ))
}
