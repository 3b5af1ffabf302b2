//! 滞拨/滞留: money that reached the county but not the person on time.

use polars::prelude::*;

use crate::context::Context;
use crate::views::Views;
use fundaudit_core::cells::{fmt_day, Day};
use fundaudit_core::findings::{Finding, FindingsBuilder, Rule};

/// Paid, but later than the due date plus the grace days. The delay is measured to the
/// day the payments first added up to the full amount (the person had the money only
/// then; a later duplicate payment does not make an on-time allocation late), or to the
/// last payment when they never did.
pub fn late(ctx: &Context, v: &Views) -> PolarsResult<DataFrame> {
    let a = &v.allocations;
    let grace = ctx.config.delayed.grace_days as i64;
    let mut out = FindingsBuilder::new(Rule::DelayLate);
    for i in 0..a.len() {
        let done = completion_day(v, i);
        let (Some(due), Some(last)) = (a.due(i, &ctx.config), done) else {
            continue;
        };
        let days = (last - due) as i64;
        if a.count(i) == 0 || days <= grace {
            continue;
        }
        out.push(Finding {
            confidence: (0.6 + days as f64 / 180.0).min(1.0),
            days_late: Some(days),
            evidence: format!(
                "{}资金{}到位，应于{}前发放，实际{}才足额发放，逾期{}天（宽限{}天），涉嫌滞拨滞留",
                a.describe(i, ctx),
                a.received.at(i).map(fmt_day).unwrap_or_default(),
                fmt_day(due),
                fmt_day(last),
                days,
                grace
            ),
            ..a.finding(i, a.amount(i), &v.payments)
        });
    }
    out.finish()
}

/// The day allocation `i`'s payments first reached its amount (else its last payment).
fn completion_day(v: &Views, i: usize) -> Option<Day> {
    let (a, p) = (&v.allocations, &v.payments);
    let mut sum = 0;
    let mut day = None;
    for &r in a.payments(i) {
        sum += p.amount_fen.at(r).unwrap_or(0);
        day = p.paid.at(r);
        if sum >= a.amount(i) {
            break;
        }
    }
    day
}

/// No payment at all, and the due date plus grace lies before the run's as-of date: the
/// money sits somewhere (截留 risk).
pub fn unpaid(ctx: &Context, v: &Views) -> PolarsResult<DataFrame> {
    let a = &v.allocations;
    let grace = ctx.config.delayed.grace_days as i64;
    let mut out = FindingsBuilder::new(Rule::DelayUnpaid);
    // Groups with no payment at all are one data-quality finding, not thousands of these.
    let gaps = ctx.whole.past_due.gaps(&ctx.config);
    let in_gap =
        |i: usize| gaps.contains(&(a.program.at(i).unwrap_or(""), a.period.at(i).unwrap_or("")));
    for i in (0..a.len()).filter(|&i| gaps.is_empty() || !in_gap(i)) {
        let Some(due) = a.due(i, &ctx.config) else {
            continue;
        };
        let days = (ctx.as_of - due) as i64;
        // An allocation for someone dead before its period is GHOST_DECEASED's (死亡未销户).
        if a.count(i) > 0 || days <= grace || a.died_before_period(i, ctx).is_some() {
            continue;
        }
        out.push(Finding {
            confidence: (0.75 + days as f64 / 360.0).min(1.0),
            days_late: Some(days),
            evidence: format!(
                "{}应于{}前发放，截至{}仍无发放记录，已逾期{}天，资金去向不明，涉嫌截留",
                a.describe(i, ctx),
                fmt_day(due),
                fmt_day(ctx.as_of),
                days
            ),
            ..a.finding(i, a.amount(i), &v.payments)
        });
    }
    out.finish()
}
