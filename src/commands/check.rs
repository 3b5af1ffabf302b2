//! `fundaudit check`: read and validate the inputs only.

use std::path::PathBuf;

use clap::Args;

use fundaudit::operations::check::check_inputs;

use super::args::InputArgs;
use super::outcome::Outcome;

#[derive(Args)]
pub struct CheckArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Write rejects.csv into this folder.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn check(args: CheckArgs) -> anyhow::Result<Outcome> {
    let CheckArgs { input, out } = args;
    let report = check_inputs(&input.data, &input.config()?, out.as_deref())?;
    print!("{}", report.render());
    println!("{} rejected row(s)", report.rejects);
    Ok(Outcome::Done)
}
