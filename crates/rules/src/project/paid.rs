//! Project money paid where it should not be: beyond the approval or the contracts
//! (PRJ_OVER_APPROVED), before any contract was signed (PRJ_PAID_BEFORE_TENDER), ahead of
//! the work — beyond the advance share before the planned start, or beyond the progress
//! share before acceptance (PRJ_PAID_BEFORE_ACCEPTANCE) — and onto an account that is no
//! contractor's of the project (PRJ_PAYEE_NOT_CONTRACTOR).

use std::collections::{BTreeMap, HashSet};

use polars::prelude::*;

use super::book::{contractor_key, Book, Payment, Project};
use super::{about, describe_payments, ids_and_sum};
use crate::context::Context;
use crate::views::Views;
use fundaudit_core::cells::{fen_of_yuan, fmt_day, fmt_yuan, Day};
use fundaudit_core::findings::{Finding, FindingsBuilder, Rule};
use fundaudit_core::privacy::mask_code;

fn tolerance(ctx: &Context) -> i64 {
    fen_of_yuan(ctx.config.projects.amount_tolerance_yuan)
}

pub fn over_approved(ctx: &Context, _: &Views) -> PolarsResult<DataFrame> {
    let mut out = FindingsBuilder::new(Rule::PrjOverApproved);
    let Some(book) = ctx.projects()? else {
        return out.finish();
    };
    let tol = tolerance(ctx);
    for p in &book.projects {
        let payments: Vec<&Payment> = book.payments_of(p).collect();
        let (payment_ids, paid) = ids_and_sum(payments.iter().copied());
        let cap = book.cap_fen(p);
        if paid <= cap + tol {
            continue;
        }
        let what = if cap < p.approved_fen {
            format!("合同金额合计{}元", fmt_yuan(cap))
        } else {
            format!("批复金额{}元", fmt_yuan(p.approved_fen))
        };
        out.push(Finding {
            confidence: 0.85,
            amount_fen: paid - cap,
            payment_ids,
            evidence: format!(
                "项目{}{}，已拨付{}，超出{}元",
                p.label(),
                what,
                describe_payments(&payments),
                fmt_yuan(paid - cap)
            ),
            ..about(book, p, format!("prj-over|{}", p.id))
        });
    }
    // Money paid for a project the approvals do not hold: nothing was approved.
    if book.has_projects {
        let mut unknown: BTreeMap<&str, Vec<&Payment>> = BTreeMap::new();
        for &k in &book.unknown_payments {
            let k = &book.payments[k];
            unknown.entry(k.project.as_str()).or_default().push(k);
        }
        for (project, payments) in unknown {
            let (payment_ids, paid) = ids_and_sum(payments.iter().copied());
            out.push(Finding {
                key: format!("prj-over|{project}"),
                confidence: 0.7,
                amount_fen: paid,
                program: super::book::PROJECT_FUNDS.to_string(),
                payment_ids,
                refs: vec![format!("projects:{project}")],
                evidence: format!(
                    "项目编号{project}在项目批复中查无此项目，却拨付{}",
                    describe_payments(&payments)
                ),
                ..Finding::default()
            });
        }
    }
    out.finish()
}

pub fn paid_before_tender(ctx: &Context, _: &Views) -> PolarsResult<DataFrame> {
    let mut out = FindingsBuilder::new(Rule::PrjPaidBeforeTender);
    let Some(book) = ctx.projects()?.filter(|b| b.has_contracts) else {
        return out.finish();
    };
    for p in &book.projects {
        // The works' contract: a supervisor signed first is not the works let.
        let first_signed = book.works_of(p).map(|c| c.signed).min();
        let early: Vec<&Payment> = book
            .payments_of(p)
            .filter(|k| first_signed.is_none_or(|s| k.paid < s))
            .collect();
        if early.is_empty() {
            continue;
        }
        let (payment_ids, sum) = ids_and_sum(early.iter().copied());
        let when = match first_signed {
            Some(s) => format!("合同{}签订，此前", fmt_day(s)),
            None => "合同台账中无该项目施工合同，".to_string(),
        };
        out.push(Finding {
            confidence: if first_signed.is_some() { 0.85 } else { 0.6 },
            amount_fen: sum,
            payment_ids,
            days_late: first_signed.map(|s| (s - early[0].paid) as i64),
            evidence: format!(
                "项目{}{}已拨付{}，涉嫌未签合同先拨付",
                p.label(),
                when,
                describe_payments(&early)
            ),
            ..about(book, p, format!("prj-early|{}", p.id))
        });
    }
    out.finish()
}

pub fn paid_before_acceptance(ctx: &Context, _: &Views) -> PolarsResult<DataFrame> {
    let mut out = FindingsBuilder::new(Rule::PrjPaidBeforeAcceptance);
    let Some(book) = ctx.projects()? else {
        return out.finish();
    };
    let cfg = &ctx.config.projects;
    let tol = tolerance(ctx);
    for p in &book.projects {
        let base = book.cap_fen(p);
        let share = |s: f64| (s * base as f64).round() as i64;
        let mut cum = 0;
        let mut breaches: Vec<(&Payment, String, i64)> = Vec::new();
        for k in book.payments_of(p) {
            cum += k.amount_fen;
            let before = |d: Option<Day>| d.is_none_or(|d| k.paid < d);
            if p.planned_start.is_some()
                && before(p.planned_start)
                && cum > share(cfg.advance_share) + tol
            {
                breaches.push((
                    k,
                    format!(
                        "开工（计划{}）前累计拨付{}元，超过预付比例{:.0}%",
                        p.planned_start.map(fmt_day).unwrap_or_default(),
                        fmt_yuan(cum),
                        cfg.advance_share * 100.0
                    ),
                    cum - share(cfg.advance_share),
                ));
            } else if book.has_acceptances
                && before(p.accepted)
                && cum > share(cfg.progress_share) + tol
            {
                let state = match p.accepted {
                    Some(d) => format!("验收（{}）前", fmt_day(d)),
                    None if p.failed_acceptances > 0 => "验收未通过时".to_string(),
                    None => "未验收时".to_string(),
                };
                breaches.push((
                    k,
                    format!(
                        "{state}累计拨付{}元，超过进度款比例{:.0}%",
                        fmt_yuan(cum),
                        cfg.progress_share * 100.0
                    ),
                    cum - share(cfg.progress_share),
                ));
            }
        }
        let Some(worst) = breaches.iter().map(|b| b.2).max() else {
            continue;
        };
        let payments: Vec<&Payment> = breaches.iter().map(|b| b.0).collect();
        let (payment_ids, _) = ids_and_sum(payments.iter().copied());
        let (first, why, _) = &breaches[0];
        out.push(Finding {
            confidence: 0.75,
            amount_fen: worst,
            payment_ids,
            evidence: format!(
                "项目{}{}{}元，拨付{}时{}；超比例拨付{}，涉嫌未验收超进度拨付",
                p.label(),
                if base < p.approved_fen {
                    "合同金额"
                } else {
                    "批复金额"
                },
                fmt_yuan(base),
                first.id,
                why,
                describe_payments(&payments)
            ),
            ..about(book, p, format!("prj-ahead|{}", p.id))
        });
    }
    out.finish()
}

pub fn payee_not_contractor(ctx: &Context, _: &Views) -> PolarsResult<DataFrame> {
    let mut out = FindingsBuilder::new(Rule::PrjPayeeNotContractor);
    let Some(book) = ctx.projects()?.filter(|b| b.has_contracts) else {
        return out.finish();
    };
    let holders = crate::context::memoised(&ctx.memo.holders, || {
        fundaudit_identity::AccountHolders::new(&ctx.registry)
    });
    for p in &book.projects {
        if book.works_of(p).next().is_none() {
            continue; // works never contracted: PRJ_PAID_BEFORE_TENDER's
        }
        let (names, accounts) = contractors_of(book, p);
        let mut stray: BTreeMap<&str, Vec<&Payment>> = BTreeMap::new();
        for k in book.payments_of(p) {
            let to_theirs = !k.account.is_empty() && accounts.contains(k.account.as_str());
            let named = !k.payee.is_empty() && names.contains(contractor_key(&k.payee).as_str());
            if !to_theirs && !named {
                stray.entry(k.account.as_str()).or_default().push(k);
            }
        }
        for (account, payments) in stray {
            let (payment_ids, sum) = ids_and_sum(payments.iter().copied());
            // Whose the account is, where the registry or the officials say.
            let person = holders.of(account, &ctx.registry).next();
            // An official by the card holder's ID number, never by a name alone.
            let official = person.and_then(|row| {
                let id = ctx.registry[row].id_number.as_str();
                (!id.is_empty())
                    .then(|| ctx.official_index().by_id_number(id))
                    .flatten()
            });
            let mut f = about(book, p, format!("prj-payee|{}|{account}", p.id));
            let mut whose = String::new();
            let mut beneficiary_ids = Vec::new();
            if let Some(row) = person {
                whose = format!("，该账户为花名册人员{}的银行卡", ctx.row_label(row));
                beneficiary_ids.push(ctx.registry[row].beneficiary_id.to_string());
            }
            if let Some(o) = official {
                let off = &ctx.officials[o];
                whose.push_str(&format!(
                    "，即公职人员名单第{}行{}（{}{}）",
                    off.line, off.raw_name, off.unit, off.role
                ));
                f.refs.push(format!("officials:{}", off.line));
            }
            let contractors: Vec<&str> = book
                .contracts_of(p)
                .map(|c| c.contractor.as_str())
                .collect();
            out.push(Finding {
                confidence: if person.is_some() || official.is_some() {
                    0.9
                } else {
                    0.75
                },
                amount_fen: sum,
                payment_ids,
                beneficiary_ids,
                evidence: format!(
                    "项目{}承包单位为{}，但{}拨入收款人{}账户{}{}，非承包单位账户，涉嫌截留挪用",
                    p.label(),
                    contractors.join("、"),
                    describe_payments(&payments),
                    payments[0].payee,
                    mask_code(account),
                    whose
                ),
                ..f
            });
        }
    }
    out.finish()
}

/// The names (compared as [`contractor_key`]) and accounts of a project's contractors:
/// the contracts' own accounts and the enterprise register's.
fn contractors_of<'a>(book: &'a Book, p: &'a Project) -> (HashSet<&'a str>, HashSet<&'a str>) {
    let names: HashSet<&str> = book.contracts_of(p).map(|c| c.key.as_str()).collect();
    let mut accounts: HashSet<&str> = book
        .contracts_of(p)
        .map(|c| c.account.as_str())
        .filter(|a| !a.is_empty())
        .collect();
    for name in &names {
        for &h in book.holders_of.get(*name).into_iter().flatten() {
            let account = book.holders[h].account.as_str();
            if !account.is_empty() {
                accounts.insert(account);
            }
        }
    }
    (names, accounts)
}
