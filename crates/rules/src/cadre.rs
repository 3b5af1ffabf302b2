//! 优亲厚友: an official or village cadre whose own household — or a household sharing
//! their bank card — draws benefits in the township or village they serve. The cadre is
//! found in the registry by ID number (officials.csv); their household by the registry's
//! `household_id` (户编号), their card by its account. A cadre drawing benefits
//! themselves is DIV_OFFICIAL's; this rule is about the people around them. Without
//! household ids only shared cards are checked, and the summary says so.

use std::collections::{HashMap, HashSet};

use polars::prelude::*;

use crate::context::Context;
use crate::views::{group_rows, Views};
use fundaudit_core::findings::{Finding, FindingsBuilder, Rule};

/// Whether the registry carries household ids at all.
pub fn has_households(ctx: &Context) -> bool {
    fundaudit_core::frame::text(&ctx.ledgers.beneficiaries, "household_id")
        .is_ok_and(|v| v.iter().any(|h| h.is_some_and(|h| !h.trim().is_empty())))
}

pub fn cadre_household(ctx: &Context, v: &Views) -> PolarsResult<DataFrame> {
    let mut out = FindingsBuilder::new(Rule::DivCadreHousehold);
    if ctx.officials.is_empty() {
        return out.finish();
    }
    let linked = crate::context::memoised(&ctx.memo.cadre, || around_officials(ctx));
    let p = &v.payments;
    // Their household drawing a benefit is barred on means-tested programs only; money on
    // the cadre's own card is someone else's money whatever the program.
    let key = (0..p.len()).map(|r| {
        let row = p.reg_row.at(r)? as usize;
        let (_, _, on_card) = linked.get(&row)?;
        (*on_card || ctx.config.means_tested(p.program.at(r)?)).then_some(row)
    });
    for (row, rows) in group_rows(key) {
        let (o, how, _) = &linked[&row];
        let off = &ctx.officials[*o];
        out.push(Finding {
            key: format!("{}|cadre|{}", ctx.registry[row].beneficiary_id, off.line),
            refs: vec![format!("officials:{}", off.line)],
            confidence: 0.8,
            evidence: format!(
                "{}（公职人员名单第{}行，{}{}）{}的{}领取{}，在其任职的乡镇村，涉嫌优亲厚友",
                off.raw_name,
                off.line,
                off.unit,
                off.role,
                how,
                ctx.row_label(row),
                p.describe(&rows)
            ),
            ..p.finding(&rows)
        });
    }
    out.finish()
}

/// Registry rows of an official's household or on their card, in the township or
/// village they serve: row → (official, how linked, whether on their card).
fn around_officials(ctx: &Context) -> HashMap<usize, (usize, String, bool)> {
    let households =
        fundaudit_core::frame::text_or_none(&ctx.ledgers.beneficiaries, "household_id");
    let household_of = |i: usize| {
        households
            .get(i)
            .copied()
            .flatten()
            .filter(|h| !h.trim().is_empty())
    };
    // The officials' own registry rows (the last of an ID number's, as an index by ID
    // number would keep), then their households and cards.
    let ids: HashSet<&str> = ctx
        .officials
        .iter()
        .map(|o| o.id_number.as_str())
        .filter(|id| !id.is_empty())
        .collect();
    let mut by_id_number: HashMap<&str, usize> = HashMap::new();
    for row in ctx.registry_rows_where(|_, r| ids.contains(r.id_number.as_str())) {
        by_id_number.insert(ctx.registry[row].id_number.as_str(), row);
    }
    let their_households: HashSet<&str> = by_id_number
        .values()
        .filter_map(|&r| household_of(r))
        .collect();
    let their_cards: HashSet<&str> = by_id_number
        .values()
        .map(|&r| ctx.registry[r].bank_account.as_str())
        .filter(|a| !a.is_empty())
        .collect();
    // Registry rows of each of those households and cards.
    let mut household_rows: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut card_rows: HashMap<&str, Vec<usize>> = HashMap::new();
    let near = ctx.registry_rows_where(|i, r| {
        household_of(i).is_some_and(|h| their_households.contains(h))
            || their_cards.contains(r.bank_account.as_str())
    });
    for i in near {
        let r = &ctx.registry[i];
        if let Some(h) = household_of(i) {
            household_rows.entry(h).or_default().push(i);
        }
        if !r.bank_account.is_empty() {
            card_rows
                .entry(r.bank_account.as_str())
                .or_default()
                .push(i);
        }
    }
    // (beneficiary row) → (official index, how they are linked, on their card)
    let mut linked: HashMap<usize, (usize, String, bool)> = HashMap::new();
    for (o, off) in ctx.officials.iter().enumerate() {
        let Some(&me) = by_id_number.get(off.id_number.as_str()) else {
            continue;
        };
        let mine = &ctx.registry[me];
        let unit = off.unit.as_str();
        // The township or village they serve: named in their unit, or theirs when the unit
        // names neither.
        let serves = |row: usize| {
            let r = &ctx.registry[row];
            let named = |place: &str| !place.is_empty() && unit.contains(place);
            named(&r.township)
                || named(&r.village)
                || (unit.is_empty() && r.township == mine.township)
        };
        let household = households.get(me).copied().flatten();
        let mut add = |rows: &[usize], how: String, card: bool| {
            for &row in rows.iter().filter(|&&row| row != me && serves(row)) {
                let e = linked.entry(row).or_insert((o, how.clone(), card));
                if card && !e.2 && e.0 == o {
                    e.1 = format!("{}、{}", e.1, how);
                    e.2 = true;
                }
            }
        };
        if let Some(h) = household.filter(|h| !h.trim().is_empty()) {
            add(
                household_rows.get(h).map_or(&[][..], |v| v),
                format!("同户（户编号{h}）"),
                false,
            );
        }
        if !mine.bank_account.is_empty() {
            add(
                card_rows
                    .get(mine.bank_account.as_str())
                    .map_or(&[][..], |v| v),
                "与其共用银行卡".to_string(),
                true,
            );
        }
    }
    linked
}
