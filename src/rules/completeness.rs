//! 数据不完整: signs that an input is a broken export rather than a county's conduct. A
//! payments file that arrived with its header only makes every due allocation "unpaid":
//! thousands of DELAY_UNPAID findings that are one fact about the data. So, before they
//! reach an officer:
//!
//! - a main ledger with no rows is one finding;
//! - a program and period whose allocations (at least `[completeness] min_allocations`
//!   of them, all past due) have no payment at all is one finding for the group, and
//!   DELAY_UNPAID leaves those allocations to it.
//!
//! Either makes the night *incomplete*: a banner on the summary, report.html and the
//! workbook, and exit code 4.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::Views;
use crate::context::Context;
use crate::findings::{Finding, FindingsBuilder, Rule};
use crate::parse::{fmt_day, fmt_yuan};

/// How many allocation ids a group finding lists (the evidence gives the count).
const LISTED: usize = 50;

/// Allocations of one program and period, all past due, none paid.
pub struct Gap<'a> {
    pub program: &'a str,
    pub period: &'a str,
    pub rows: Vec<usize>,
}

/// Allocation rows past due plus grace, by program and period: what both the gaps and
/// the coverage are counted over.
fn past_due<'a>(ctx: &Context, v: &Views<'a>) -> BTreeMap<(&'a str, &'a str), Vec<usize>> {
    let a = &v.allocations;
    let grace = ctx.config.delayed.grace_days as i64;
    let mut groups: BTreeMap<(&'a str, &'a str), Vec<usize>> = BTreeMap::new();
    for i in 0..a.len() {
        let Some(due) = a.due(i, &ctx.config) else {
            continue;
        };
        if (ctx.as_of - due) as i64 <= grace {
            continue;
        }
        groups
            .entry((a.program[i].unwrap_or(""), a.period[i].unwrap_or("")))
            .or_default()
            .push(i);
    }
    groups
}

/// The program-period groups with no payment at all (see the module comment).
pub fn gaps<'a>(ctx: &Context, v: &Views<'a>) -> Vec<Gap<'a>> {
    let a = &v.allocations;
    let min = ctx.config.completeness.min_allocations.max(1);
    past_due(ctx, v)
        .into_iter()
        .filter(|(_, rows)| rows.len() >= min && rows.iter().all(|&i| a.count(i) == 0))
        .map(|((program, period), rows)| Gap {
            program,
            period,
            rows,
        })
        .collect()
}

/// Of one program and period: allocations past due, and those with any payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub program: String,
    pub period: String,
    pub due: usize,
    pub paid: usize,
}

impl Coverage {
    pub fn share(&self) -> f64 {
        self.paid as f64 / self.due.max(1) as f64
    }
}

/// Coverage of every program and period with allocations past due: the case ledger keeps
/// it per run, so a night whose coverage collapses against the last one is noticed.
pub fn coverage(ctx: &Context, v: &Views) -> Vec<Coverage> {
    let a = &v.allocations;
    past_due(ctx, v)
        .into_iter()
        .map(|((program, period), rows)| Coverage {
            program: program.to_string(),
            period: period.to_string(),
            due: rows.len(),
            paid: rows.iter().filter(|&&i| a.count(i) > 0).count(),
        })
        .collect()
}

/// Warnings for program-periods whose coverage fell to under half of the previous run's
/// (when that was at least half, over at least `min_allocations` allocations).
pub fn coverage_drops(now: &[Coverage], before: &[Coverage], min: usize) -> Vec<String> {
    now.iter()
        .filter_map(|c| {
            let b = before
                .iter()
                .find(|b| b.program == c.program && b.period == c.period)?;
            let fell = c.due >= min && b.share() >= 0.5 && c.share() < b.share() / 2.0;
            fell.then(|| {
                format!(
                    "{}{}：应发分配单中有发放记录的占{:.0}%（{}/{}），上次运行为{:.0}%（{}/{}）：代发数据可能不完整",
                    c.program,
                    c.period,
                    100.0 * c.share(),
                    c.paid,
                    c.due,
                    100.0 * b.share(),
                    b.paid,
                    b.due
                )
            })
        })
        .collect()
}

/// One finding per empty ledger and per unpaid program-period group.
pub fn incomplete(ctx: &Context, v: &Views) -> PolarsResult<DataFrame> {
    let mut out = FindingsBuilder::new(Rule::DataIncomplete);
    let l = &ctx.ledgers;
    for (name, rows) in [
        ("beneficiaries（花名册）", l.beneficiaries.height()),
        ("allocations（发放清册）", l.allocations.height()),
        ("payments（代发记录）", l.payments.height()),
    ] {
        if rows == 0 {
            out.push(Finding {
                key: format!("empty|{name}"),
                confidence: 1.0,
                evidence: format!(
                    "输入文件{name}没有任何数据行，疑似导出失败或文件不完整；在补齐数据前，依赖它的线索不可信"
                ),
                ..Finding::default()
            });
        }
    }
    let a = &v.allocations;
    for gap in gaps(ctx, v) {
        let amount: i64 = gap.rows.iter().map(|&i| a.amount(i)).sum();
        let ids: Vec<String> = gap
            .rows
            .iter()
            .take(LISTED)
            .filter_map(|&i| a.allocation_id[i].map(str::to_string))
            .collect();
        let first_due = gap.rows.iter().filter_map(|&i| a.due(i, &ctx.config)).min();
        out.push(Finding {
            key: format!("gap|{}|{}", gap.program, gap.period),
            confidence: 0.6,
            program: gap.program.to_string(),
            allocation_ids: ids,
            amount_fen: amount,
            evidence: format!(
                "{}{}共{}个分配单、应发{}元（最早应于{}前发放）截至{}无一笔发放记录：更可能是代发数据缺失或导出不完整，而非逐笔截留；请先核实代发数据是否齐全（逐笔的“仍无发放记录”线索已并入本条）",
                gap.program,
                gap.period,
                gap.rows.len(),
                fmt_yuan(amount),
                first_due.map(fmt_day).unwrap_or_default(),
                fmt_day(ctx.as_of)
            ),
            ..Finding::default()
        });
    }
    out.finish()
}
