//! 重复发放/多头领取: one entitlement paid more than once.

use std::collections::HashMap;

use polars::prelude::*;

use crate::context::Context;
use crate::views::{groups_with_variety, Views};
use fundaudit_core::cells::{fen_of_yuan, fmt_yuan};
use fundaudit_core::findings::{Finding, FindingsBuilder, Rule};

/// Several payments on one allocation that add up to more than it (installments that add
/// up exactly are fine).
pub fn same_allocation(ctx: &Context, v: &Views) -> PolarsResult<DataFrame> {
    let a = &v.allocations;
    let tol_fen = fen_of_yuan(ctx.config.duplicate.abs_tolerance_yuan);
    let mut out = FindingsBuilder::new(Rule::DupAllocation);
    for i in 0..a.len() {
        let excess = a.paid(i) - a.amount(i);
        if a.count(i) < 2 || excess <= tol_fen {
            continue;
        }
        out.push(Finding {
            confidence: 0.95,
            evidence: format!(
                "{}被发放{}笔共{}元，多发{}元，涉嫌重复发放",
                a.describe(i, ctx),
                a.count(i),
                fmt_yuan(a.paid(i)),
                fmt_yuan(excess)
            ),
            ..a.finding(i, excess, &v.payments)
        });
    }
    out.finish()
}

/// One person paid for one program and period under two or more allocations: either
/// allocated twice, or registered twice under two beneficiary ids (same ID number, an ID
/// typo, or a name variant with the same birth date and village; see identity::resolve).
pub fn same_person_period(ctx: &Context, v: &Views) -> PolarsResult<DataFrame> {
    let p = &v.payments;
    let tol_fen = fen_of_yuan(ctx.config.duplicate.abs_tolerance_yuan);
    let key = |r: usize| {
        if !p.alloc_found[r] {
            return None;
        }
        Some((p.person.at(r)?, p.program.at(r)?, p.period.at(r)?))
    };
    let mut out = FindingsBuilder::new(Rule::DupPersonPeriod);
    for ((_, program, period), rows) in groups_with_variety(p.len(), key, |r| p.alloc_row.at(r)) {
        // Paid per allocation; the person was owed only the largest one. Drawn less than
        // that in all, they were not paid twice over: the net shortfall is
        // PARTIAL_SHORT's.
        let mut per_alloc: HashMap<&str, (i64, i64)> = HashMap::new();
        for &r in &rows {
            let e = per_alloc
                .entry(p.allocation_id.at(r).unwrap_or(""))
                .or_default();
            e.0 += p.amount_fen.at(r).unwrap_or(0);
            e.1 = p.alloc_amount_fen.at(r).unwrap_or(0);
        }
        if per_alloc.len() < 2 {
            continue;
        }
        let owed = per_alloc.values().map(|v| v.1).max().unwrap_or(0);
        let excess = p.total(&rows) - owed;
        if excess <= tol_fen {
            continue;
        }
        let mut reg_rows: Vec<usize> = rows
            .iter()
            .filter_map(|&r| p.reg_row.at(r))
            .map(|r| r as usize)
            .collect();
        reg_rows.sort_unstable();
        reg_rows.dedup();
        let pair = reg_rows
            .iter()
            .enumerate()
            .flat_map(|(i, &a)| reg_rows[i + 1..].iter().map(move |&b| (a, b)))
            .find_map(|(a, b)| ctx.matched_pair(a, b));
        let (why, similarity, confidence) = match pair {
            Some(m) => {
                let c = &m.comparison;
                (
                    format!(
                        "{}与{}{}，系同一人重复登记",
                        ctx.row_label(m.a),
                        ctx.row_label(m.b),
                        c.describe()
                    ),
                    Some(c.name.score),
                    // The model's match probability; never below what an indirect link
                    // through other registrations gets.
                    c.probability.clamp(0.6, 1.0),
                )
            }
            None if reg_rows.len() > 1 => (
                format!(
                    "{}经身份比对属同一人（经其他登记记录间接关联，需人工核实）",
                    reg_rows
                        .iter()
                        .map(|&r| ctx.row_label(r))
                        .collect::<Vec<_>>()
                        .join("、")
                ),
                None,
                0.6,
            ),
            None => (
                format!(
                    "{}在同一项目同一期有{}张分配单",
                    ctx.row_label(reg_rows[0]),
                    per_alloc.len()
                ),
                None,
                0.9,
            ),
        };
        out.push(Finding {
            key: format!(
                "{}|{program}|{period}",
                reg_rows
                    .iter()
                    .map(|&r| ctx.registry[r].beneficiary_id.as_str())
                    .collect::<Vec<_>>()
                    .join(";")
            ),
            amount_fen: excess,
            confidence,
            similarity,
            evidence: format!(
                "{}；{}{}期重复领取{}，多领{}元",
                why,
                program,
                period,
                p.describe(&rows),
                fmt_yuan(excess)
            ),
            ..p.finding(&rows)
        });
    }
    out.finish()
}

/// 多发: one payment larger than the whole allocation it pays (a typo or an inflated
/// amount; several payments adding up to more are [`same_allocation`]'s).
pub fn over_allocation(ctx: &Context, v: &Views) -> PolarsResult<DataFrame> {
    let p = &v.payments;
    let mut out = FindingsBuilder::new(Rule::DupOverAllocation);
    for r in 0..p.len() {
        let (Some(paid), Some(due)) = (p.amount_fen.at(r), p.alloc_amount_fen.at(r)) else {
            continue;
        };
        if paid <= due {
            continue;
        }
        let excess = paid - due;
        out.push(Finding {
            key: p.payment_id.at(r).unwrap_or("").to_string(),
            confidence: 0.9,
            evidence: format!(
                "代发记录{}（{}）一笔发放{}元，超过分配单{}应发的{}元，多发{}元",
                p.payment_id.at(r).unwrap_or(""),
                p.beneficiary_id
                    .at(r)
                    .map_or("无人员编号".to_string(), |b| ctx.person_label(b)),
                fmt_yuan(paid),
                p.allocation_id.at(r).unwrap_or(""),
                fmt_yuan(due),
                fmt_yuan(excess)
            ),
            amount_fen: excess,
            ..p.finding(&[r])
        });
    }
    out.finish()
}
