//! 招投标: a contract above the threshold let without open tender (PRJ_NO_TENDER);
//! contracts each just under it, to one contractor or for one project within a window,
//! together above it (拆分规避招标, PRJ_SPLIT_TENDER); and projects slow from approval to
//! contract or from funds received to the first payment (招投标执行效率低,
//! PRJ_TENDER_SLOW), ranked by the money left idle.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::book::Contract;
use super::{about, about_contracts};
use crate::context::Context;
use crate::views::Views;
use fundaudit_core::cells::{fen_of_yuan, fmt_day, fmt_yuan};
use fundaudit_core::config::Projects;
use fundaudit_core::findings::{Finding, FindingsBuilder, Rule};

fn threshold_fen(cfg: &Projects) -> i64 {
    fen_of_yuan(cfg.tender_threshold_yuan)
}

/// Whether a contract was openly tendered (its method one of `open_methods`).
fn open(cfg: &Projects, c: &Contract) -> bool {
    let m: String = c.method.chars().filter(|c| !c.is_whitespace()).collect();
    cfg.open_methods.iter().any(|o| m == o.trim())
}

pub fn no_tender(ctx: &Context, _: &Views) -> PolarsResult<DataFrame> {
    let mut out = FindingsBuilder::new(Rule::PrjNoTender);
    let Some(book) = ctx.projects()? else {
        return out.finish();
    };
    let cfg = &ctx.config.projects;
    let limit = threshold_fen(cfg);
    for c in &book.contracts {
        if c.amount_fen <= limit || open(cfg, c) {
            continue;
        }
        let method = if c.method.is_empty() {
            "未载明招标方式".to_string()
        } else {
            format!("以{}方式发包", c.method)
        };
        out.push(Finding {
            confidence: if c.method.is_empty() { 0.6 } else { 0.85 },
            evidence: format!(
                "合同{}（项目{}，{}）金额{}元，超过应公开招标限额{}元，{}，涉嫌应招标未招标",
                c.id,
                c.project,
                c.contractor,
                fmt_yuan(c.amount_fen),
                fmt_yuan(limit),
                method
            ),
            ..about_contracts(book, &[c], format!("prj-notender|{}", c.id), |_| true)
        });
    }
    out.finish()
}

pub fn split_tender(ctx: &Context, _: &Views) -> PolarsResult<DataFrame> {
    let mut out = FindingsBuilder::new(Rule::PrjSplitTender);
    let Some(book) = ctx.projects()? else {
        return out.finish();
    };
    let cfg = &ctx.config.projects;
    let limit = threshold_fen(cfg);
    let floor = (cfg.split_floor_share * limit as f64).round() as i64;
    let under: Vec<&Contract> = book
        .contracts
        .iter()
        .filter(|c| c.amount_fen >= floor && c.amount_fen <= limit && !open(cfg, c))
        .collect();
    // The same contracts seen by contractor and by project are one finding.
    let mut groups: BTreeMap<Vec<&str>, (Vec<&Contract>, &'static str)> = BTreeMap::new();
    for (by, key_of) in [
        (
            "同一承包单位",
            (|c: &Contract| c.key.clone()) as fn(&Contract) -> String,
        ),
        ("同一项目", |c: &Contract| c.project.clone()),
    ] {
        let mut by_key: BTreeMap<String, Vec<&Contract>> = BTreeMap::new();
        for &c in &under {
            by_key.entry(key_of(c)).or_default().push(c);
        }
        for (_, mut cs) in by_key {
            cs.sort_by(|a, b| (a.signed, &a.id).cmp(&(b.signed, &b.id)));
            let mut i = 0;
            while i < cs.len() {
                let mut j = i + 1;
                while j < cs.len() && cs[j].signed - cs[i].signed <= cfg.split_window_days as i32 {
                    j += 1;
                }
                let window = &cs[i..j];
                let sum: i64 = window.iter().map(|c| c.amount_fen).sum();
                if window.len() >= 2 && sum > limit {
                    let mut ids: Vec<&str> = window.iter().map(|c| c.id.as_str()).collect();
                    ids.sort_unstable();
                    groups.entry(ids).or_insert((window.to_vec(), by));
                    i = j;
                } else {
                    i += 1;
                }
            }
        }
    }
    for (ids, (contracts, by)) in groups {
        let sum: i64 = contracts.iter().map(|c| c.amount_fen).sum();
        let listed: Vec<String> = contracts
            .iter()
            .map(|c| {
                format!(
                    "{}（{}，{}，{}元，{}）",
                    c.id,
                    c.project,
                    c.contractor,
                    fmt_yuan(c.amount_fen),
                    fmt_day(c.signed)
                )
            })
            .collect();
        out.push(Finding {
            confidence: 0.75,
            evidence: format!(
                "{by}在{}天内签订{}份合同：{}，每份均在应公开招标限额{}元之下，合计{}元超过限额，均未公开招标，涉嫌拆分规避招标",
                cfg.split_window_days,
                contracts.len(),
                listed.join("；"),
                fmt_yuan(limit),
                fmt_yuan(sum)
            ),
            ..about_contracts(
                book,
                &contracts,
                format!("prj-split|{}", ids.join(";")),
                |_| true,
            )
        });
    }
    out.finish()
}

pub fn tender_slow(ctx: &Context, _: &Views) -> PolarsResult<DataFrame> {
    let mut out = FindingsBuilder::new(Rule::PrjTenderSlow);
    let Some(book) = ctx.projects()? else {
        return out.finish();
    };
    let cfg = &ctx.config.projects;
    let as_of = ctx.as_of;
    for p in book.projects.iter().filter(|p| p.approved <= as_of) {
        let mut why = Vec::new();
        let mut over = 0i64;
        if book.has_contracts {
            let signed = book.contracts_of(p).map(|c| c.signed).min();
            let days = (signed.unwrap_or(as_of) - p.approved) as i64;
            let excess = days - cfg.approval_to_contract_days as i64;
            if excess > 0 {
                over = over.max(excess);
                why.push(match signed {
                    Some(s) => format!(
                        "{}批复，{}才签订合同，历时{days}天",
                        fmt_day(p.approved),
                        fmt_day(s)
                    ),
                    None => format!(
                        "{}批复，至{}已{days}天仍未签订合同",
                        fmt_day(p.approved),
                        fmt_day(as_of)
                    ),
                });
            }
        }
        if let Some(received) = p.funds_received.filter(|&d| d <= as_of) {
            let first = book.payments_of(p).map(|k| k.paid).next();
            let days = (first.unwrap_or(as_of) - received) as i64;
            let excess = days - cfg.funds_to_payment_days as i64;
            if excess > 0 {
                over = over.max(excess);
                why.push(match first {
                    Some(d) => format!(
                        "资金{}到位，{}才首次拨付，闲置{days}天",
                        fmt_day(received),
                        fmt_day(d)
                    ),
                    None => format!(
                        "资金{}到位，至{}已{days}天未拨付",
                        fmt_day(received),
                        fmt_day(as_of)
                    ),
                });
            }
        }
        if why.is_empty() {
            continue;
        }
        out.push(Finding {
            confidence: 0.7,
            // The money left idle: what was approved and not yet paid by the limit.
            amount_fen: p.approved_fen,
            days_late: Some(over),
            evidence: format!(
                "项目{}（批复{}元）{}，超过规定时限{over}天，资金闲置，招投标执行效率低",
                p.label(),
                fmt_yuan(p.approved_fen),
                why.join("；")
            ),
            ..about(book, p, format!("prj-slow|{}", p.id))
        });
    }
    out.finish()
}
