//! AMOUNT_BASIS: an allocation whose amount is not what its basis gives. Land subsidies
//! are area × rate (耕地地力保护补贴: 确权面积 × 每亩标准), old-age allowances go by age band
//! (高龄津贴), disability allowances by grade (残疾人两项补贴). The basis comes from the
//! allocation's own columns (确权面积, 补贴标准, 残疾等级), the `land` ledger (确权面积 by
//! ID number) and `[basis."<program>"]` in the config (rates per mu, per age band, per
//! grade). An allocation with an area and a rate of its own is checked without any config;
//! a program with nothing to go by is not checked.
//!
//! Above its basis is an inflated claim (虚报面积, a band the person is too young for:
//! the ghost category); below it, short payment (the partial category).

use polars::prelude::*;
use rustc_hash::FxHashMap;

use crate::context::Context;
use crate::views::Views;
use fundaudit_core::cells::{fen_of_yuan, fmt_yuan, from_day, period_start, whole_years};
use fundaudit_core::config::Basis;
use fundaudit_core::findings::{Category, Finding, FindingsBuilder, Rule};
use fundaudit_core::frame;

/// What an allocation's amount should be, and why (for the evidence).
struct Expected {
    fen: i64,
    why: String,
}

pub fn amount_basis(ctx: &Context, v: &Views) -> PolarsResult<DataFrame> {
    let mut over = FindingsBuilder::new(Rule::AmountBasis);
    let mut under = FindingsBuilder::custom(Rule::AmountBasis.code(), Category::Partial);
    let df = &ctx.ledgers.allocations;
    let (Ok(area), Ok(rate), Ok(grade)) = (
        frame::int(df, "area_mu_fen"),
        frame::int(df, "rate_fen"),
        frame::text(df, "grade"),
    ) else {
        return over.finish();
    };
    let land = ctx.land_areas()?;
    let a = &v.allocations;
    for i in 0..a.len().min(area.len()) {
        let program = a.program.at(i).unwrap_or("").trim();
        let basis = ctx.config.basis.get(program);
        if basis.is_none() && rate[i].is_none() {
            continue; // nothing to go by
        }
        let row = a.beneficiary_id.at(i).and_then(|b| ctx.row_of(b));
        // The land register's 确权面积 is what the area is; an area the allocation
        // states is what was claimed, and is used only where the register is silent.
        let registered = row.and_then(|r| land.get(r).copied().flatten());
        let area_i = registered.or(area[i]);
        let Some(expected) = expected(ctx, basis, area_i, rate[i], grade[i], row, a.period.at(i))
        else {
            continue;
        };
        let amount = a.amount(i);
        let gap = amount - expected.fen;
        let tolerance = fen_of_yuan(basis.map_or(1.0, |b| b.tolerance_yuan));
        if gap.abs() <= tolerance {
            continue;
        }
        let finding = Finding {
            key: format!("basis|{}", a.allocation_id.at(i).unwrap_or("")),
            confidence: 0.85,
            evidence: format!(
                "{}，按{}应为{}元，{}{}元",
                a.describe(i, ctx),
                expected.why,
                fmt_yuan(expected.fen),
                if gap > 0 { "多核定" } else { "少核定" },
                fmt_yuan(gap.abs())
            ),
            ..a.finding(i, gap.abs(), &v.payments)
        };
        if gap > 0 {
            over.push(finding);
        } else {
            under.push(finding);
        }
    }
    let mut all = over.finish()?;
    all.vstack_mut_owned(under.finish()?)?;
    Ok(all)
}

/// The amount an allocation's basis gives: area × rate (the config's rate per mu, else
/// the allocation's own), the age band at the period's start, or the grade's amount.
fn expected(
    ctx: &Context,
    basis: Option<&Basis>,
    area: Option<i64>,
    own_rate: Option<i64>,
    grade: Option<&str>,
    row: Option<usize>,
    period: Option<&str>,
) -> Option<Expected> {
    let per_mu = basis
        .and_then(|b| b.per_mu_yuan)
        .map(fen_of_yuan)
        .or(own_rate);
    if let (Some(area), Some(rate)) = (area, per_mu) {
        // Area in hundredths of a mu × fen per mu, rounded to the fen.
        let fen = ((area as i128 * rate as i128 + 50) / 100) as i64;
        return Some(Expected {
            fen,
            why: format!("面积{}亩×每亩{}元", fmt_yuan(area), fmt_yuan(rate)),
        });
    }
    let basis = basis?;
    if !basis.age_bands.is_empty() {
        let birth = ctx.registry[row?].birth?;
        let start = period_start(period?)?;
        let age = whole_years(from_day(birth), from_day(start));
        let band = basis
            .age_bands
            .iter()
            .filter(|b| age >= b.min_age as i64)
            .max_by_key(|b| b.min_age);
        return Some(match band {
            Some(b) => Expected {
                fen: fen_of_yuan(b.yuan),
                why: format!("期初年龄{age}岁（{}岁档）", b.min_age),
            },
            None => Expected {
                fen: 0,
                why: format!(
                    "期初年龄{age}岁，未到最低{}岁",
                    basis.age_bands.iter().map(|b| b.min_age).min().unwrap_or(0)
                ),
            },
        });
    }
    let grade = grade?.trim();
    let yuan = basis.grades.get(grade)?;
    Some(Expected {
        fen: fen_of_yuan(*yuan),
        why: format!("残疾等级{grade}"),
    })
}

/// 确权面积 of each registry row from the `land` ledger (a person's plots summed, by ID
/// number), in hundredths of a mu; None where the ledger has none. Once per run (see
/// [`Context::land_areas`]): the rules run once per part, and a million people's night
/// indexed 600,000 plots ten times over.
pub(crate) fn land_by_row(ctx: &Context) -> PolarsResult<Vec<Option<i64>>> {
    let Some(df) = ctx.ledgers.land.as_ref() else {
        return Ok(Vec::new());
    };
    let ids = frame::text(df, "id_number")?;
    let areas = frame::int(df, "area_mu_fen")?;
    let mut by_id: FxHashMap<&str, i64> = FxHashMap::default();
    for (id, area) in ids.into_iter().zip(areas) {
        if let (Some(id), Some(area)) = (id, area) {
            *by_id.entry(id).or_insert(0) += area;
        }
    }
    Ok(ctx
        .registry
        .iter()
        .map(|e| by_id.get(e.id_number.as_str()).copied())
        .collect())
}
