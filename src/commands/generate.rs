//! `fundaudit generate`: synthetic ledgers with planted anomalies and their truth.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use fundaudit_synth::{GenerateOptions, IdCodes, Names};

use super::outcome::Outcome;

#[derive(Args)]
pub struct GenerateArgs {
    #[arg(long, default_value_t = 2000)]
    beneficiaries: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[arg(long)]
    out: PathBuf,
    /// Only beneficiaries.csv and truth_pairs.csv (for the identity benchmark).
    #[arg(long)]
    registry_only: bool,
    /// How to write the ledgers: csv (clean), gov-workbook (titled workbooks split by
    /// township), bank (monthly bank files with statuses, retries, reversals and
    /// overlaps) or county (both). Same content, same findings.
    #[arg(long, default_value = "csv", conflicts_with = "registry_only")]
    shape: fundaudit_synth::export_shape::Shape,
    /// How ID numbers' sequence codes are issued: station (the default: a police
    /// station's two digits per township, the last digit's parity the sex; plants
    /// same-day namesakes as hard negatives) or random (three random digits).
    #[arg(long, default_value = "station")]
    id_codes: IdCodes,
    /// Which names: ours (the generator's lists; no clean namesakes born on one day)
    /// or common (another county's: hundreds share 王刚, and same-day namesakes
    /// occur by chance).
    #[arg(long, default_value = "ours")]
    names: Names,
    /// Also write the county's project files (涉农项目资金: projects, contracts,
    /// project_payments, acceptances, contractors), every project rule planted.
    #[arg(long, conflicts_with = "registry_only")]
    projects: bool,
}

pub fn generate(args: GenerateArgs) -> anyhow::Result<Outcome> {
    let GenerateArgs {
        beneficiaries,
        seed,
        out,
        registry_only,
        shape,
        id_codes,
        names,
        projects,
    } = args;
    let opts = GenerateOptions {
        beneficiaries,
        seed,
        registry_only,
        shape,
        id_codes,
        names,
        projects,
    };
    fundaudit_synth::generate(&opts, &out)
        .with_context(|| format!("generating synthetic data into {}", out.display()))?;
    eprintln!(
        "wrote synthetic ledgers for {beneficiaries} beneficiaries (seed {seed}) to {}",
        out.display()
    );
    Ok(Outcome::Done)
}
