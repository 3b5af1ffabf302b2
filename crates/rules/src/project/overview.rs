//! Each project from approval to acceptance, for the workbook's project sheet, the web
//! report's projects view and summary.json: approved → contracted → paid → accepted, the
//! gaps between them in words, and the project rules that fired on it.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;

use super::book::Book;
use crate::context::Context;
use fundaudit_core::cells::{fmt_day, fmt_yuan};
use fundaudit_core::findings::cols;
use fundaudit_core::frame;

/// One project as the reports show it.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct ProjectLine {
    pub id: String,
    pub name: String,
    pub township: String,
    pub village: String,
    pub approved_yuan: f64,
    pub approved: String,
    pub contracted_yuan: f64,
    /// Contractors and how each was chosen: `某公司（公开招标）`.
    pub contractors: Vec<String>,
    pub paid_yuan: f64,
    pub payments: usize,
    pub accepted: Option<String>,
    /// The gaps in words: `合同金额少于批复10.0万元`, `已付超合同`, `未验收已付90%`.
    pub gaps: Vec<String>,
    /// The project rules that fired on it.
    pub rules: Vec<String>,
}

/// Every project of the run, those with findings first (most rules first), then by id;
/// empty without project ledgers.
pub fn lines(ctx: &Context, findings: &DataFrame) -> PolarsResult<Vec<ProjectLine>> {
    let Some(book) = ctx.projects()? else {
        return Ok(Vec::new());
    };
    let rules = rules_by_project(findings)?;
    let mut out: Vec<ProjectLine> = book
        .projects
        .iter()
        .map(|p| line(book, p, rules.get(p.id.as_str())))
        .collect();
    out.sort_by(|a, b| b.rules.len().cmp(&a.rules.len()).then(a.id.cmp(&b.id)));
    Ok(out)
}

fn line(book: &Book, p: &super::book::Project, rules: Option<&BTreeSet<String>>) -> ProjectLine {
    let contracted = book.contracted_fen(p);
    let paid = book.paid_fen(p);
    let yuan = |fen: i64| fen as f64 / 100.0;
    let mut gaps = Vec::new();
    if book.works_of(p).next().is_none() {
        gaps.push("无施工合同".to_string());
    } else if contracted > p.approved_fen {
        gaps.push(format!(
            "合同超批复{}元",
            fmt_yuan(contracted - p.approved_fen)
        ));
    }
    let cap = book.cap_fen(p);
    if paid > cap {
        gaps.push(format!("超付{}元", fmt_yuan(paid - cap)));
    }
    if p.accepted.is_none() && paid > 0 && cap > 0 {
        gaps.push(format!(
            "未验收已付{:.0}%",
            100.0 * paid as f64 / cap as f64
        ));
    }
    if p.failed_acceptances > 0 {
        gaps.push(format!("验收未通过{}次", p.failed_acceptances));
    }
    ProjectLine {
        id: p.id.clone(),
        name: p.name.clone(),
        township: p.township.clone(),
        village: p.village.clone(),
        approved_yuan: yuan(p.approved_fen),
        approved: fmt_day(p.approved),
        contracted_yuan: yuan(contracted),
        contractors: {
            // A contractor of several lots once.
            let mut v: Vec<String> = Vec::new();
            for c in book.contracts_of(p) {
                let s = if c.method.is_empty() {
                    c.contractor.clone()
                } else {
                    format!("{}（{}）", c.contractor, c.method)
                };
                if !v.contains(&s) {
                    v.push(s);
                }
            }
            v
        },
        paid_yuan: yuan(paid),
        payments: p.payments.len(),
        accepted: p.accepted.map(fmt_day),
        gaps,
        rules: rules
            .map(|r| r.iter().cloned().collect())
            .unwrap_or_default(),
    }
}

/// Project id → the rules whose findings name it (refs `projects:<id>`).
fn rules_by_project(findings: &DataFrame) -> PolarsResult<BTreeMap<String, BTreeSet<String>>> {
    let refs = frame::text(findings, cols::REFS)?;
    let rules = frame::text(findings, cols::RULE)?;
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (r, rule) in refs.iter().zip(&rules) {
        for id in crate::money::split(*r).filter_map(|x| x.strip_prefix("projects:")) {
            out.entry(id.to_string())
                .or_default()
                .insert(rule.unwrap_or("").to_string());
        }
    }
    Ok(out)
}
