//! `fundaudit screen`: 事前筛查, the audit of the payments a bank file would make.

use clap::Args;

use fundaudit::{Engine, RunOptions};

use super::args::{InputArgs, OutputArgs};
use super::outcome::{finish, Outcome};

#[derive(Args)]
pub struct ScreenArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn screen(args: ScreenArgs) -> anyhow::Result<Outcome> {
    let ScreenArgs { input, output } = args;
    let progress = crate::logging::init_logging(output.quiet);
    let config = input.config()?;
    let outcome = fundaudit::run(&RunOptions {
        policy: InputArgs::policy(&config)?,
        ledger: None,
        config,
        data_dir: input.data,
        reports_dir: output.reports(),
        as_of: output.as_of()?,
        out_dir: output.out.clone(),
        unmasked: output.unmasked,
        lang: output.lang,
        wait: None,
        screen: true,
        engine: Engine::Local,
    })?;
    Ok(finish(
        &outcome,
        progress,
        output.quiet,
        "reports and hold.csv written to",
    ))
}
