//! 超标准发放: an allocation, or the sum of a person's payments for a program and period,
//! above the program's standard for that period (`[standards."<program>"]
//! max_yuan_per_period`). Standards are local and change yearly, so none is built in: a
//! program without one is not checked.

use polars::prelude::*;

use crate::context::Context;
use crate::views::Views;
use fundaudit_core::cells::{fen_of_yuan, fmt_yuan};
use fundaudit_core::findings::{Finding, FindingsBuilder, Rule};

pub fn over_standard(ctx: &Context, v: &Views) -> PolarsResult<DataFrame> {
    let standards = &ctx.config.standards;
    let mut out = FindingsBuilder::new(Rule::OverStandard);
    if standards.is_empty() {
        return out.finish();
    }
    let cap = |program: &str| -> Option<i64> {
        standards
            .get(program)
            .map(|s| fen_of_yuan(s.max_yuan_per_period))
    };
    let a = &v.allocations;
    let mut over_alloc = vec![false; a.len()];
    for (i, over) in over_alloc.iter_mut().enumerate() {
        let program = a.program.at(i).unwrap_or("");
        let Some(max) = cap(program) else { continue };
        let amount = a.amount(i);
        if amount <= max {
            continue;
        }
        *over = true;
        out.push(Finding {
            key: format!("alloc|{}", a.allocation_id.at(i).unwrap_or("")),
            confidence: 0.9,
            evidence: format!(
                "{}核定金额{}元，超过{}每期标准{}元，超标准{}元",
                a.describe(i, ctx),
                fmt_yuan(amount),
                program,
                fmt_yuan(max),
                fmt_yuan(amount - max)
            ),
            ..a.finding(i, amount - max, &v.payments)
        });
    }
    // A person's payments for one program and period above the standard, where no single
    // allocation already was.
    let p = &v.payments;
    let key = (0..p.len()).map(|r| {
        let (person, program, period) = (p.person.at(r)?, p.program.at(r)?, p.period.at(r)?);
        let fresh = !p.alloc_row.at(r).is_some_and(|i| over_alloc[i as usize]);
        (cap(program).is_some() && fresh).then_some((person, program, period))
    });
    let groups = crate::views::group_rows(key);
    for ((_, program, period), rows) in groups {
        let max = cap(program).unwrap_or(i64::MAX);
        let paid = p.total(&rows);
        if paid <= max {
            continue;
        }
        let who = p
            .beneficiary_id
            .at(rows[0])
            .map_or(String::new(), |b| ctx.person_label(b));
        out.push(Finding {
            key: format!(
                "paid|{program}|{period}|{}",
                rows.iter()
                    .filter_map(|&r| p.allocation_id.at(r))
                    .min()
                    .unwrap_or("")
            ),
            confidence: 0.85,
            evidence: format!(
                "{who}{period}{program}实际领取{}，超过每期标准{}元，超标准{}元",
                p.describe(&rows),
                fmt_yuan(max),
                fmt_yuan(paid - max)
            ),
            amount_fen: paid - max,
            ..p.finding(&rows)
        });
    }
    out.finish()
}
