//! 不符合条件: beneficiaries on a reference list that disqualifies them from a program —
//! 财政供养人员, 车辆登记, 工商登记, 不动产登记, 公积金缴存, 养老金领取 … — any number of
//! lists, each declared in the config's `[[lists]]` with its own rule code, programs,
//! category and weight. A list row matches a registered person by ID number, or, when the
//! row has no ID number, by name plus birth date (never by a common name alone, as for
//! deaths). The evidence names the list and its row.

use std::collections::{HashMap, HashSet};

use polars::prelude::*;

use crate::context::{Context, Listed};
use crate::views::{group_rows, Views};
use fundaudit_core::config::ListConfig;
use fundaudit_core::findings::{Category, Finding, FindingsBuilder};
use fundaudit_identity::NormName;

/// One findings frame per configured list whose file was found.
pub fn list_findings(ctx: &Context, v: &Views) -> PolarsResult<Vec<(String, DataFrame)>> {
    // Who each list names is the same in every part of a run: worked out once.
    let listed = crate::context::memoised(&ctx.memo.lists, || {
        ctx.config
            .lists
            .iter()
            .zip(&ctx.ledgers.lists)
            .map(|(_, frame)| match frame {
                Some(frame) => listed_rows(ctx, frame).map_err(|e| e.to_string()),
                None => Ok(HashMap::new()),
            })
            .collect()
    });
    let mut out = Vec::new();
    for ((list, frame), listed) in ctx.config.lists.iter().zip(&ctx.ledgers.lists).zip(listed) {
        if frame.is_some() {
            let listed = listed
                .as_ref()
                .map_err(|e| PolarsError::ComputeError(format!("{}: {e}", list.file).into()))?;
            out.push((list.rule.clone(), one_list(ctx, v, list, listed)?));
        }
    }
    Ok(out)
}

/// Who on the list is in the registry.
fn listed_rows(ctx: &Context, frame: &DataFrame) -> PolarsResult<Listed> {
    let names = fundaudit_core::frame::text(frame, "name")?;
    let ids = fundaudit_core::frame::text(frame, "id_number")?;
    let births = fundaudit_core::frame::day(frame, "birth_date")?;
    let lines = fundaudit_core::frame::int(frame, fundaudit_input::LINE)?;
    // Only the people the list names are looked up: a pass over the registry for its
    // ID numbers, and for its name + birth date pairs of rows without an ID number (most
    // lists have none such).
    let wanted_ids: HashSet<String> = ids
        .iter()
        .flatten()
        .filter(|id| !id.is_empty())
        .map(|id| id.to_ascii_uppercase())
        .collect();
    let normed: Vec<Option<(NormName, i32)>> = (0..frame.height())
        .map(
            |k| match (ids[k].filter(|id| !id.is_empty()), names[k], births[k]) {
                (None, Some(name), Some(birth)) => Some((NormName::new(name), birth)),
                _ => None,
            },
        )
        .collect();
    let wanted_names: HashSet<(&[char], i32)> = normed
        .iter()
        .flatten()
        .map(|(n, b)| (n.chars(), *b))
        .collect();
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    let mut by_name_birth: HashMap<(&[char], i32), Vec<usize>> = HashMap::new();
    let rows = ctx.registry_rows_where(|_, r| {
        wanted_ids.contains(r.id_number.as_str())
            || r.birth
                .is_some_and(|b| wanted_names.contains(&(r.name.chars(), b)))
    });
    for row in rows {
        let r = &ctx.registry[row];
        if wanted_ids.contains(r.id_number.as_str()) {
            by_id.insert(r.id_number.as_str(), row);
        }
        if let Some(b) = r
            .birth
            .filter(|&b| wanted_names.contains(&(r.name.chars(), b)))
        {
            by_name_birth
                .entry((r.name.chars(), b))
                .or_default()
                .push(row);
        }
    }
    // Registry row → (list line, how matched).
    let mut listed: HashMap<usize, (i64, &'static str)> = HashMap::new();
    for k in 0..frame.height() {
        let line = lines[k].unwrap_or(0);
        match ids[k].filter(|id| !id.is_empty()) {
            Some(id) => {
                if let Some(&row) = by_id.get(id.to_ascii_uppercase().as_str()) {
                    listed.entry(row).or_insert((line, "身份证号一致"));
                }
            }
            None => {
                let Some((norm, birth)) = &normed[k] else {
                    continue;
                };
                if let Some(rows) = by_name_birth.get(&(norm.chars(), *birth)) {
                    // Two registered people with that name and birth date: no match.
                    if let [row] = rows[..] {
                        listed.entry(row).or_insert((line, "姓名与出生日期一致"));
                    }
                }
            }
        }
    }
    Ok(listed)
}

fn one_list(
    ctx: &Context,
    v: &Views,
    list: &ListConfig,
    listed: &Listed,
) -> PolarsResult<DataFrame> {
    let category = Category::parse(&list.category).unwrap_or(Category::Ghost);
    let mut out = FindingsBuilder::custom(&list.rule, category);
    let p = &v.payments;
    let key = (0..p.len()).map(|r| {
        let row = p.reg_row.at(r)? as usize;
        let program = p.program.at(r).unwrap_or("");
        let applies = list.programs.is_empty() || list.programs.iter().any(|x| x == program);
        (applies && listed.contains_key(&row)).then_some(row)
    });
    for (row, rows) in group_rows(key) {
        let (line, how) = listed[&row];
        out.push(Finding {
            key: format!(
                "{}|{}|{}",
                list.rule, ctx.registry[row].beneficiary_id, line
            ),
            refs: vec![format!("{}:{line}", list.file)],
            confidence: if how == "身份证号一致" {
                0.9
            } else {
                0.75
            },
            evidence: format!(
                "享受对象{}在{}名单第{}行（{}），领取{}，按规定不符合享受条件，涉嫌虚报冒领",
                ctx.row_label(row),
                list.label,
                line,
                how,
                p.describe(&rows)
            ),
            ..p.finding(&rows)
        });
    }
    out.finish()
}
