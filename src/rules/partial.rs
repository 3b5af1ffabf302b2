//! 拨付不足额: the payments behind an allocation add up to less than it.

use polars::prelude::*;

use super::Views;
use crate::context::Context;
use crate::findings::{Finding, FindingsBuilder, Rule};
use crate::parse::fmt_yuan;

/// Paid at least once, but short by more than the tolerance. Installments that add up
/// to the full amount are not a finding; split payments that add up short are.
pub fn short(ctx: &Context, v: &Views) -> PolarsResult<DataFrame> {
    let a = &v.allocations;
    let tol = &ctx.config.partial;
    let abs_fen = (tol.abs_tolerance_yuan * 100.0).round() as i64;
    let mut out = FindingsBuilder::new(Rule::PartialShort);
    for i in 0..a.len() {
        let (amount, paid, n) = (a.amount(i), a.paid(i), a.count(i));
        let shortfall = amount - paid;
        if n == 0 || shortfall <= 0 {
            continue;
        }
        if shortfall <= abs_fen || (shortfall as f64) <= tol.rel_tolerance * amount as f64 {
            continue;
        }
        let share = if amount > 0 {
            shortfall as f64 / amount as f64
        } else {
            0.0
        };
        out.push(Finding {
            confidence: (0.7 + share).min(1.0),
            evidence: format!(
                "{}实发{}笔共{}元，少发{}元（{}），涉嫌拨付不足额或克扣",
                a.describe(i, ctx),
                n,
                fmt_yuan(paid),
                fmt_yuan(shortfall),
                if share < 0.001 {
                    "不足0.1%".to_string()
                } else {
                    format!("{:.1}%", share * 100.0)
                }
            ),
            ..a.finding(i, shortfall, &v.payments)
        });
    }
    out.finish()
}
