//! Stage 8, publish: the manifest written, the work folder put in place as the run's
//! folder, `latest` pointed at it, and the case ledger told the night is complete.

use polars::prelude::DataFrame;

use super::options::{RunOptions, RunOutcome};
use super::write::Written;
use fundaudit_casebook::ledger::CaseLedger;
use fundaudit_core::error::Result;
use fundaudit_report::report;
use fundaudit_report::runs;

/// Who the run is, as its manifest says.
pub(super) struct Identity<'a> {
    pub run_id: &'a str,
    pub run_name: &'a str,
    pub started: &'a str,
}

pub(super) fn publish(
    written: Written,
    who: &Identity,
    ledger: Option<&mut CaseLedger>,
    opts: &RunOptions,
    hashed: &fundaudit_core::safe_fs::Hashed,
) -> Result<RunOutcome> {
    let Written {
        folder,
        findings,
        summary,
        not_written,
        worklist_seed,
    } = written;
    let alert = frame_max(&findings, fundaudit_core::findings::scored::RISK_SCORE)
        >= opts.config.alert.score;
    let mut manifest = runs::Manifest::new(
        who.run_id,
        who.run_name,
        who.started.to_string(),
        &opts.config,
        &summary,
        alert,
        hashed,
    )?;
    manifest.worklist_seed = worklist_seed;
    report::write_json_value(&manifest, &folder.work.join("manifest.json"))?;
    let out_dir = folder.publish()?;
    if let Some(reports) = opts.reports_dir.as_deref() {
        if out_dir.parent() == Some(reports) {
            runs::point_latest(reports, &out_dir)?;
        }
    }
    if let Some(book) = ledger {
        book.mark_published(who.run_id)?;
    }
    let incomplete = !summary.incomplete.is_empty();
    Ok(RunOutcome {
        findings,
        summary,
        out_dir,
        alert,
        incomplete,
        not_written,
    })
}

/// The largest value of a float column (negative infinity when empty).
fn frame_max(df: &DataFrame, name: &str) -> f64 {
    df.column(name)
        .ok()
        .and_then(|c| {
            c.f64()
                .ok()
                .map(|ca| ca.iter().flatten().fold(f64::NEG_INFINITY, f64::max))
        })
        .unwrap_or(f64::NEG_INFINITY)
}
