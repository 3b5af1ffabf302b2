//! `fundaudit stage`: a data folder read and validated once, written as typed Parquet.

use std::path::PathBuf;

use clap::Args;

use super::args::InputArgs;
use super::outcome::Outcome;

#[derive(Args)]
pub struct StageArgs {
    #[command(flatten)]
    input: InputArgs,
    /// The stage folder to write (new or empty).
    #[arg(long)]
    out: PathBuf,
}

pub fn stage(args: StageArgs) -> anyhow::Result<Outcome> {
    let StageArgs { input, out } = args;
    let clock = std::time::Instant::now();
    let staged = fundaudit_audit::stage::stage(&input.data, &out, &input.config()?)?;
    println!(
        "staged {} file(s), {} rows ({} rejected), payments and allocations in {} part(s), from {} into {} in {:.1} s",
        staged.files,
        staged.rows,
        staged.rejects,
        staged.parts,
        input.data.display(),
        out.display(),
        clock.elapsed().as_secs_f64()
    );
    Ok(Outcome::Done)
}
