//! Stage 5, rank: findings scored and ranked, and grouped into cases (线索归并) whose ids
//! carry over from the case ledger's last night.

use std::collections::HashMap;
use std::time::Instant;

use polars::prelude::DataFrame;

use fundaudit_audit::{cases, scoring};
use fundaudit_casebook::ledger::CaseLedger;
use fundaudit_core::error::Result;
use fundaudit_core::frame;
use fundaudit_core::timings::Timings;
use fundaudit_rules::context::Context;

pub(super) struct Ranked {
    /// Scored, ranked, each with its case.
    pub findings: DataFrame,
    pub case_links: cases::Links,
    /// Case ids the ledger knew (by finding id).
    pub previous_cases: HashMap<String, String>,
}

pub(super) fn rank(
    raw: &DataFrame,
    ctx: &Context,
    ledger: Option<&CaseLedger>,
    timings: &mut Timings,
) -> Result<Ranked> {
    let t = Instant::now();
    let findings = scoring::score(raw, &ctx.config)?;
    timings.lap("score and rank", t);
    let t = Instant::now();
    let case_links = cases::links(&findings, ctx)?;
    let mut case_groups = cases::group(&findings, &case_links, &ctx.config)?;
    // Case ids carry over from the ledger's last night (see cases::assign_ids).
    let previous_cases = match ledger {
        Some(book) => book.open_cases()?,
        None => Default::default(),
    };
    cases::assign_ids(
        &mut case_groups,
        &frame::text(&findings, fundaudit_core::findings::scored::FINDING_ID)?,
        &previous_cases,
    );
    let findings = cases::with_case_column(findings, &case_groups)?;
    timings.lap("group cases", t);
    Ok(Ranked {
        findings,
        case_links,
        previous_cases,
    })
}
