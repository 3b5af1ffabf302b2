//! `fundaudit dedup`: registry self-deduplication alone.

use std::path::PathBuf;

use clap::Args;

use fundaudit::operations::registry_dedup::{run_dedup, DedupOptions};

use super::args::InputArgs;
use super::outcome::Outcome;

#[derive(Args)]
pub struct DedupArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Write duplicates.csv (each matched pair and why) and dedup_report.json here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Also time the comparison kernel alone on this many pairs, on one thread.
    #[arg(long, default_value_t = 0)]
    kernel_pairs: usize,
    /// Learn the identity weights from this registry (EM over the candidate pairs,
    /// u from random pairs), print them as an [identity] block (identity.toml with
    /// --out) and deduplicate with them.
    #[arg(long)]
    train: bool,
}

pub fn dedup(args: DedupArgs) -> anyhow::Result<Outcome> {
    let DedupArgs {
        input,
        out,
        kernel_pairs,
        train,
    } = args;
    let report = run_dedup(&DedupOptions {
        config: input.config()?,
        data_dir: input.data,
        out_dir: out,
        kernel_pairs,
        train,
    })?;
    print!("{}", report.render());
    Ok(Outcome::Done)
}
