//! 擅自变更实施项目: a project whose contract or payments name another village than
//! approved (PRJ_CHANGED_SITE), or whose contract is for other works or another scale
//! (PRJ_CHANGED_CONTENT), with no change approval (变更批复) on file. Service contracts
//! (监理, 设计 …) are not the works and are passed by; a payment whose purpose names the
//! project's own village beside another (a road between two villages) is where approved.

use std::collections::{BTreeSet, HashMap};

use polars::prelude::*;

use super::book::{village_key, Book};
use super::{about, content_similarity, describe_payments, ids_and_sum, is_service};
use crate::context::Context;
use crate::views::Views;
use fundaudit_core::cells::fmt_yuan;
use fundaudit_core::findings::{FindingsBuilder, Rule};

pub fn changed_site(ctx: &Context, _: &Views) -> PolarsResult<DataFrame> {
    let mut out = FindingsBuilder::new(Rule::PrjChangedSite);
    let Some(book) = ctx.projects()? else {
        return out.finish();
    };
    let villages = villages_by_township(ctx, book);
    for p in &book.projects {
        let own = village_key(&p.village);
        if !p.change_approval.is_empty() || own.is_empty() {
            continue;
        }
        let mut why = Vec::new();
        for c in book.contracts_of(p) {
            let theirs = village_key(&c.village);
            if !theirs.is_empty() && theirs != own && !is_service(&c.content) {
                why.push(format!(
                    "合同{}（{}）建设地点为{}",
                    c.id, c.contractor, c.village
                ));
            }
        }
        let empty = BTreeSet::new();
        let known = villages.get(p.township.as_str()).unwrap_or(&empty);
        let elsewhere: Vec<_> = book
            .payments_of(p)
            .filter(|k| !k.purpose.contains(own.as_str()))
            .filter_map(|k| {
                let other = known
                    .iter()
                    .find(|v| **v != own && k.purpose.contains(v.as_str()))?;
                Some((k, other.clone()))
            })
            .collect();
        for (k, other) in &elsewhere {
            why.push(format!("拨付{}用途“{}”指向{}", k.id, k.purpose, other));
        }
        if why.is_empty() {
            continue;
        }
        let (payment_ids, paid) = ids_and_sum(book.payments_of(p));
        out.push(fundaudit_core::findings::Finding {
            confidence: 0.8,
            amount_fen: paid,
            payment_ids,
            evidence: format!(
                "项目{}批复建设地点为{}{}，但{}，未见变更批复；已拨付{}元，涉嫌擅自变更实施地点",
                p.label(),
                p.township,
                p.village,
                why.join("；"),
                fmt_yuan(paid)
            ),
            ..about(book, p, format!("prj-site|{}", p.id))
        });
    }
    out.finish()
}

pub fn changed_content(ctx: &Context, _: &Views) -> PolarsResult<DataFrame> {
    let mut out = FindingsBuilder::new(Rule::PrjChangedContent);
    let Some(book) = ctx.projects()? else {
        return out.finish();
    };
    let cfg = &ctx.config.projects;
    for p in &book.projects {
        if !p.change_approval.is_empty() {
            continue;
        }
        let mut why = Vec::new();
        for c in book.contracts_of(p).filter(|c| !is_service(&c.content)) {
            if !p.content.is_empty() && !c.content.is_empty() {
                let alike = content_similarity(&p.content, &c.content);
                if alike < cfg.content_min_similarity {
                    let alike = if alike < 0.005 {
                        "与批复内容无一处相同".to_string()
                    } else {
                        format!("与批复内容相似度{alike:.2}")
                    };
                    why.push(format!("合同{}建设内容为“{}”（{alike}）", c.id, c.content));
                }
            }
            if let (Some(approved), Some(theirs)) = (p.scale, c.scale) {
                let gap = (theirs - approved).abs() as f64;
                if approved > 0 && gap > cfg.scale_tolerance_share * approved as f64 {
                    why.push(format!(
                        "合同{}建设规模为{}（批复{}，相差{:.0}%）",
                        c.id,
                        fmt_yuan(theirs),
                        fmt_yuan(approved),
                        100.0 * gap / approved as f64
                    ));
                }
            }
        }
        if why.is_empty() {
            continue;
        }
        let payments: Vec<_> = book.payments_of(p).collect();
        let (payment_ids, paid) = ids_and_sum(payments.iter().copied());
        let paid_words = if payments.is_empty() {
            "尚未拨付".to_string()
        } else {
            format!("已拨付{}", describe_payments(&payments))
        };
        out.push(fundaudit_core::findings::Finding {
            confidence: 0.75,
            amount_fen: paid,
            payment_ids,
            evidence: format!(
                "项目{}批复建设内容为“{}”{}，但{}，未见变更批复；{}，涉嫌擅自变更建设内容",
                p.label(),
                p.content,
                p.scale
                    .map(|s| format!("、规模{}", fmt_yuan(s)))
                    .unwrap_or_default(),
                why.join("；"),
                paid_words
            ),
            ..about(book, p, format!("prj-content|{}", p.id))
        });
    }
    out.finish()
}

/// The villages of each township, from the registry and the approvals: the names a
/// payment's purpose may point to.
fn villages_by_township<'a>(
    ctx: &'a Context,
    book: &'a Book,
) -> HashMap<&'a str, BTreeSet<String>> {
    let mut out: HashMap<&str, BTreeSet<String>> = HashMap::new();
    let wanted: std::collections::HashSet<&str> =
        book.projects.iter().map(|p| p.township.as_str()).collect();
    for r in ctx.registry.iter() {
        if wanted.contains(&*r.township) && r.village.chars().count() >= 2 {
            out.entry(&*r.township)
                .or_default()
                .insert(village_key(&r.village));
        }
    }
    for p in &book.projects {
        if p.village.chars().count() >= 2 {
            out.entry(&p.township)
                .or_default()
                .insert(village_key(&p.village));
        }
    }
    out
}
