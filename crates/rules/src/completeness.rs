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

use polars::prelude::*;

use crate::context::Context;
use crate::views::Views;
use fundaudit_core::cells::{fmt_day, fmt_yuan};
use fundaudit_core::findings::{Finding, FindingsBuilder, Rule};

/// One finding per empty ledger and per unpaid program-period group, of the whole run
/// (in a partitioned run, the first partition's turn: see [`crate::ONCE`]).
pub fn incomplete(ctx: &Context, _: &Views) -> PolarsResult<DataFrame> {
    let mut out = FindingsBuilder::new(Rule::DataIncomplete);
    let rows = ctx.whole.rows;
    for (name, rows) in [
        ("beneficiaries（花名册）", rows.beneficiaries),
        ("allocations（发放清册）", rows.allocations),
        ("payments（代发记录）", rows.payments),
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
    let past_due = &ctx.whole.past_due;
    for (program, period) in past_due.gaps(&ctx.config) {
        let g = &past_due.groups[&(program.to_string(), period.to_string())];
        out.push(Finding {
            key: format!("gap|{program}|{period}"),
            confidence: 0.6,
            program: program.to_string(),
            allocation_ids: g.ids.clone(),
            amount_fen: g.amount_fen,
            evidence: format!(
                "{program}{period}共{}个分配单、应发{}元（最早应于{}前发放）截至{}无一笔发放记录：更可能是代发数据缺失或导出不完整，而非逐笔截留；请先核实代发数据是否齐全（逐笔的“仍无发放记录”线索已并入本条）",
                g.due,
                fmt_yuan(g.amount_fen),
                g.first_due.map(fmt_day).unwrap_or_default(),
                fmt_day(ctx.as_of)
            ),
            ..Finding::default()
        });
    }
    out.finish()
}
