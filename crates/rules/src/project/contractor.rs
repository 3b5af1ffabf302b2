//! PRJ_CONTRACTOR_RELATED: whose company builds the project. The enterprise register
//! (contractors: 法定代表人 and 股东, a row each) is held against the officials by ID
//! number — the person is an official, or is registered as one of an official's
//! household (户编号), on their card, or as their second registration (identity's
//! clusters), the official found in the registry by ID number — never by a name alone:
//! a legal person sharing a common name with a cadre is a stranger. The second reading
//! needs no register: one contractor holding far beyond its share of a township's
//! projects.

use std::collections::{BTreeMap, HashMap, HashSet};

use polars::prelude::*;

use super::about_contracts;
use super::book::{contractor_key, Book, Contract, Holder};
use crate::context::Context;
use crate::views::Views;
use fundaudit_core::cells::fmt_yuan;
use fundaudit_core::findings::{Finding, FindingsBuilder, Rule};
use fundaudit_core::frame;

pub fn contractor_related(ctx: &Context, _: &Views) -> PolarsResult<DataFrame> {
    let mut out = FindingsBuilder::new(Rule::PrjContractorRelated);
    let Some(book) = ctx.projects()? else {
        return out.finish();
    };
    let mut by_contractor: BTreeMap<String, Vec<&Contract>> = BTreeMap::new();
    for c in &book.contracts {
        by_contractor.entry(c.key.clone()).or_default().push(c);
    }
    // Each registry row's 户编号, read once.
    let household_ids = frame::text_or_none(&ctx.ledgers.beneficiaries, "household_id");
    let around = Around::of(ctx, &household_ids);
    // The registry rows of the register's people, found in one pass over the registry.
    let wanted: HashSet<&str> = book
        .holders
        .iter()
        .map(|h| h.id_number.as_str())
        .filter(|id| !id.is_empty())
        .collect();
    let mut rows_of: HashMap<&str, Vec<usize>> = HashMap::new();
    if !around.is_empty() {
        for row in ctx.registry_rows_where(|_, r| wanted.contains(r.id_number.as_str())) {
            rows_of
                .entry(ctx.registry[row].id_number.as_str())
                .or_default()
                .push(row);
        }
    }
    for h in &book.holders {
        let Some(contracts) = by_contractor.get(&h.key) else {
            continue;
        };
        let Some((official, how, beneficiaries)) =
            related(ctx, &around, &household_ids, &rows_of, h)
        else {
            continue;
        };
        let off = &ctx.officials[official];
        let mut f = finding(
            book,
            contracts,
            format!("prj-related|{}|{}", h.line, off.line),
        );
        let sum: i64 = contracts.iter().map(|c| c.amount_fen).sum();
        f.refs.push(format!("officials:{}", off.line));
        f.refs.push(format!("contractors:{}", h.line));
        f.beneficiary_ids = beneficiaries;
        f.confidence = 0.85;
        f.evidence = format!(
            "{}的{}{}（企业登记第{}行）{}公职人员名单第{}行{}（{}{}），该单位承包{}，合同金额合计{}元，涉嫌利用职务影响为亲属谋利",
            h.contractor,
            if h.role.is_empty() { "人员" } else { &h.role },
            h.name,
            h.line,
            how,
            off.line,
            off.raw_name,
            off.unit,
            off.role,
            contracts_text(contracts),
            fmt_yuan(sum)
        );
        out.push(f);
    }
    township_share(ctx, book, &mut out);
    out.finish()
}

/// What ties a registered person to an official found in the registry by ID number: the
/// official's household (户编号), card and person (a second registration of theirs, as
/// identity resolution clusters them) — the links DIV_CADRE_HOUSEHOLD reads.
#[derive(Default)]
struct Around {
    /// Key → (official, the official's beneficiary id).
    households: HashMap<String, (usize, String)>,
    cards: HashMap<String, (usize, String)>,
    persons: HashMap<usize, (usize, String)>,
}

impl Around {
    fn of(ctx: &Context, household_ids: &[Option<&str>]) -> Around {
        let index = ctx.official_index();
        let mut around = Around::default();
        for row in ctx.registry_rows_where(|_, r| {
            !r.id_number.is_empty() && index.by_id_number(&r.id_number).is_some()
        }) {
            let r = &ctx.registry[row];
            let Some(o) = index.by_id_number(&r.id_number) else {
                continue;
            };
            let theirs = (o, r.beneficiary_id.to_string());
            if let Some(h) = household_ids.get(row).copied().flatten().map(str::trim) {
                if !h.is_empty() {
                    around.households.insert(h.to_string(), theirs.clone());
                }
            }
            if !r.bank_account.is_empty() {
                around
                    .cards
                    .insert(r.bank_account.to_string(), theirs.clone());
            }
            around.persons.insert(ctx.cluster_of(row), theirs);
        }
        around
    }

    fn is_empty(&self) -> bool {
        self.persons.is_empty()
    }
}

/// The official a contractor's person is, by ID number, or is tied to through the
/// registry (see [`Around`]), with how and the registry people that links (for cases).
fn related(
    ctx: &Context,
    around: &Around,
    household_ids: &[Option<&str>],
    rows_of: &HashMap<&str, Vec<usize>>,
    h: &Holder,
) -> Option<(usize, String, Vec<String>)> {
    if h.id_number.is_empty() {
        return None;
    }
    if let Some(o) = ctx.official_index().by_id_number(&h.id_number) {
        return Some((o, "即".to_string(), Vec::new()));
    }
    if around.is_empty() {
        return None;
    }
    for &row in rows_of.get(h.id_number.as_str()).into_iter().flatten() {
        let r = &ctx.registry[row];
        let household = household_ids
            .get(row)
            .copied()
            .flatten()
            .map(str::trim)
            .filter(|h| !h.is_empty());
        let found = around
            .persons
            .get(&ctx.cluster_of(row))
            .map(|t| (t, "与其为同一人（花名册重复登记），即".to_string()))
            .or_else(|| {
                let hh = household?;
                let t = around.households.get(hh)?;
                Some((t, format!("与其同户（户编号{hh}），即")))
            })
            .or_else(|| {
                let t = around.cards.get(r.bank_account.as_str())?;
                Some((t, "与其共用银行卡，即".to_string()))
            });
        if let Some(((o, theirs), how)) = found {
            return Some((*o, how, vec![r.beneficiary_id.to_string(), theirs.clone()]));
        }
    }
    None
}

/// A finding about a contractor's contracts, its money what was paid to the contractor.
fn finding(book: &Book, contracts: &[&Contract], key: String) -> Finding {
    let names: HashSet<&str> = contracts.iter().map(|c| c.key.as_str()).collect();
    about_contracts(book, contracts, key, |k| {
        names.contains(contractor_key(&k.payee).as_str())
    })
}

fn contracts_text(contracts: &[&Contract]) -> String {
    let shown: Vec<String> = contracts
        .iter()
        .take(5)
        .map(|c| {
            format!(
                "项目{}（合同{}，{}元）",
                c.project,
                c.id,
                fmt_yuan(c.amount_fen)
            )
        })
        .collect();
    let more = if contracts.len() > 5 {
        format!("等{}个", contracts.len())
    } else {
        String::new()
    };
    format!("{}{more}", shown.join("、"))
}

/// One contractor holding more than `township_share` of a township's projects (a
/// project of several lots counts once), where the township let enough projects to enough
/// contractors for a share to mean something. Counted by projects, not money: one large
/// road outweighs ten village squares without anyone favouring its builder.
fn township_share(ctx: &Context, book: &Book, out: &mut FindingsBuilder) {
    let cfg = &ctx.config.projects;
    // township → contractor → its works contracts there; township → projects let.
    let mut by_township: BTreeMap<&str, BTreeMap<String, Vec<&Contract>>> = BTreeMap::new();
    let mut let_there: BTreeMap<&str, HashSet<&str>> = BTreeMap::new();
    for c in &book.contracts {
        let Some(p) = book.project(&c.project) else {
            continue;
        };
        if p.township.is_empty() || super::is_service(&c.content) {
            continue;
        }
        by_township
            .entry(&p.township)
            .or_default()
            .entry(c.key.clone())
            .or_default()
            .push(c);
        let_there.entry(&p.township).or_default().insert(&p.id);
    }
    for (township, by) in by_township {
        let projects = let_there[township].len();
        if projects < cfg.township_min_contracts as usize
            || by.len() < cfg.township_min_contractors as usize
        {
            continue;
        }
        for (name, theirs) in by {
            let won: HashSet<&str> = theirs.iter().map(|c| c.project.as_str()).collect();
            let share = won.len() as f64 / projects as f64;
            if share <= cfg.township_share {
                continue;
            }
            let sum: i64 = theirs.iter().map(|c| c.amount_fen).sum();
            let mut f = finding(book, &theirs, format!("prj-share|{township}|{name}"));
            f.township = township.to_string();
            f.confidence = 0.5;
            f.evidence = format!(
                "{}在{township}承包{}个项目，占该乡镇{projects}个项目的{:.0}%（合同金额{}元），远超其份额，需核查是否存在围标串标或关联关系：{}",
                theirs[0].contractor,
                won.len(),
                share * 100.0,
                fmt_yuan(sum),
                contracts_text(&theirs)
            );
            out.push(f);
        }
    }
}
