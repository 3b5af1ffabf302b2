//! Stage 4, audit: payments linked and the rules run over every unit of the run (here or
//! on the cluster), then rows deleted or edited since the last night added as findings.

use std::time::Instant;

use polars::prelude::DataFrame;

use super::engine::{self, Cluster};
use super::last_night::LastNight;
use super::options::RunOptions;
use fundaudit_audit::partition;
use fundaudit_core::error::Result;
use fundaudit_core::timings::Timings;
use fundaudit_rules::analytics::DigitCounts;
use fundaudit_rules::context::Context;
use fundaudit_rules::past_due::Coverage;
use fundaudit_rules::source_rows;

pub(super) struct Audited {
    /// The rules' findings, unscored, DATA_SOURCE_CHANGED's among them.
    pub raw: DataFrame,
    /// The people with the rows the findings name.
    pub ctx: Context,
    pub digits: DigitCounts,
    pub parts: usize,
    /// Allocations past due per program and period (the coverage the ledger compares
    /// night to night).
    pub coverage: Vec<Coverage>,
    /// Where each source row a finding names is, tonight.
    pub row_index: source_rows::Index,
    /// Whether the comparison with the last night left rows out of scope.
    pub out_of_scope: bool,
}

pub(super) fn audit(
    people: Context,
    opts: &RunOptions,
    cluster: Option<&Cluster>,
    last: &LastNight,
    timings: &mut Timings,
) -> Result<Audited> {
    tracing::info!("linking payments and running the rules");
    let partition::Audited {
        findings: mut raw,
        timings: part_times,
        digits,
        context: mut ctx,
        parts,
    } = engine::audit(people, opts, cluster)?;
    for (name, secs) in part_times {
        timings.record(&name, secs);
    }
    let coverage = ctx.whole.past_due.coverage();
    if !ctx.officials.is_empty() && !fundaudit_rules::cadre::has_households(&ctx) {
        ctx.warnings.push(
            "DIV_CADRE_HOUSEHOLD checked shared bank cards only: the registry has no household_id (户编号) column, so officials' households were not checked".into(),
        );
    }
    // The fingerprints of the rows tonight's findings name are kept in the case ledger
    // (and compared with the last night's): without a ledger nothing reads them.
    let t = Instant::now();
    let row_index = match last.earlier {
        Some(_) => source_rows::Index::of(&ctx, &source_rows::wanted(&raw, last.rows())?)?,
        None => source_rows::Index::default(),
    };
    // Rows deleted or edited since the last night are findings themselves.
    let mut out_of_scope = false;
    if let Some(l) = last.compared() {
        let changed = fundaudit_rules::source_changed::source_changed(
            &l.rows, &row_index, &l.earlier, &l.as_of,
        )?;
        raw.vstack_mut_owned(changed.findings)?;
        if let Some(note) = changed.scope_note {
            out_of_scope = true;
            ctx.warnings.push(note);
        }
    }
    if last.earlier.is_some() {
        timings.lap("fingerprint and compare source rows", t);
    }
    Ok(Audited {
        raw,
        ctx,
        digits,
        parts,
        coverage,
        row_index,
        out_of_scope,
    })
}
