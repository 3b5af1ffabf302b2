//! fundaudit: batch audit of livelihood-fund (民生资金) disbursements.
//!
//! The pipeline is `input` (ledgers → typed frames, bad rows → rejects) → `context`
//! (linking and identity resolution, once) → `rules` (one pure function per rule, each
//! returning a findings frame) → `scoring` (risk score, stable id, rank) → `report`.
//! The binary in `main.rs` is only a command-line layer over [`run`] and [`generate`].

pub mod check;
pub mod config;
pub mod context;
pub mod error;
pub mod findings;
pub mod frame;
pub mod generate;
pub mod html;
pub mod identity;
pub mod input;
pub mod link;
pub mod parse;
pub mod privacy;
pub mod registry_dedup;
pub mod report;
pub mod rules;
pub mod scoring;
pub mod workbook;

use std::path::PathBuf;
use std::time::Instant;

use polars::prelude::DataFrame;

pub use config::Config;
pub use error::{Error, Result};

/// What one audit run needs to know.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub data_dir: PathBuf,
    pub out_dir: PathBuf,
    pub config: Config,
    /// Reference date for "unpaid past due" (days since 1970-01-01).
    pub as_of: parse::Day,
    /// Write ID and account numbers in full (default: masked, see [`privacy`]).
    pub unmasked: bool,
    /// Language of report.html.
    pub lang: html::Lang,
}

/// The result of a run, as written to the output folder.
pub struct RunOutcome {
    pub findings: DataFrame,
    pub summary: report::Summary,
}

/// Runs the whole audit and writes findings.csv, findings.json, rejects.csv and
/// summary.json into `out_dir`.
pub fn run(opts: &RunOptions) -> Result<RunOutcome> {
    let mut timings: Vec<(String, f64)> = Vec::new();
    let t = Instant::now();
    let ledgers = input::Ledgers::load(&opts.data_dir, &opts.config)?;
    timings.push(("load and validate inputs".into(), t.elapsed().as_secs_f64()));

    let ctx = context::Context::build(ledgers, opts.config.clone(), opts.as_of)?;
    timings.extend(ctx.timings.iter().map(|(n, s)| (n.to_string(), *s)));

    let t = Instant::now();
    let (raw, rule_times) = rules::run_all(&ctx)?;
    timings.push(("rules".into(), t.elapsed().as_secs_f64()));
    timings.extend(rule_times);

    let t = Instant::now();
    let findings = scoring::score(&raw, &ctx.config)?;
    timings.push(("score and rank".into(), t.elapsed().as_secs_f64()));

    let t = Instant::now();
    std::fs::create_dir_all(&opts.out_dir).map_err(|e| Error::Write {
        path: opts.out_dir.display().to_string(),
        message: e.to_string(),
    })?;
    let mut shown = if opts.unmasked {
        findings.clone()
    } else {
        report::mask_frame(&findings)?
    };
    report::write_csv(&mut shown, &opts.out_dir.join("findings.csv"))?;
    report::write_json(&shown, &opts.out_dir.join("findings.json"))?;
    report::write_rejects(
        &ctx.ledgers.rejects,
        &opts.out_dir.join("rejects.csv"),
        opts.unmasked,
    )?;
    timings.push(("write reports".into(), t.elapsed().as_secs_f64()));

    let summary = report::Summary::new(
        parse::fmt_day(opts.as_of),
        ctx.ledgers.counts.clone(),
        &findings,
        timings,
        ctx.warnings.clone(),
    )?;
    report::write_summary(&summary, &opts.out_dir.join("summary.json"))?;
    workbook::write_workbook(&shown, &summary, &opts.out_dir.join("findings.xlsx"))?;
    html::write_html(
        &shown,
        &ctx.ledgers,
        &summary,
        opts.lang,
        opts.unmasked,
        &opts.out_dir.join("report.html"),
    )?;
    Ok(RunOutcome { findings, summary })
}
