//! 原始数据被删改: rows an earlier night's finding rested on, deleted or edited since.
//!
//! Not in [`crate::RULES`]: it reads the case ledger's record of last night (the rows
//! each finding named, see [`crate::source_rows`]) beside tonight's data, so
//! it runs only with a ledger. It is still a pure function of its inputs.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;

use crate::source_rows::{Index, SourceRow, PAYMENT};
use fundaudit_core::cells::fmt_yuan;
use fundaudit_core::findings::{rule_title, Finding, FindingsBuilder, Rule};

/// What last night knew of a finding, for the evidence.
#[derive(Debug, Clone, Default)]
pub struct Earlier {
    pub township: String,
    pub program: String,
    pub beneficiary_ids: Vec<String>,
}

/// The findings, and when most of last night's rows are gone at once a note saying so
/// instead: that is another scope (a folder of one township, a year left out), not rows
/// deleted to cover something up.
pub struct SourceChanged {
    pub findings: DataFrame,
    pub scope_note: Option<String>,
}

/// One DATA_SOURCE_CHANGED finding per earlier finding whose rows are gone or edited.
pub fn source_changed(
    previous: &[SourceRow],
    now: &Index,
    earlier: &BTreeMap<String, Earlier>,
    last_night: &str,
) -> PolarsResult<SourceChanged> {
    let mut out = FindingsBuilder::new(Rule::DataSourceChanged);
    // Changed rows per origin, each row once.
    let mut by_origin: BTreeMap<&str, BTreeMap<(&str, &str), &SourceRow>> = BTreeMap::new();
    let mut rows: BTreeSet<(&str, &str)> = BTreeSet::new();
    let mut gone_rows: BTreeSet<(&str, &str)> = BTreeSet::new();
    for r in previous {
        rows.insert((&r.kind, &r.row_id));
        let now_hash = now.get(&r.kind, &r.row_id).map(|p| p.hash.as_str());
        if now_hash.is_none() {
            gone_rows.insert((&r.kind, &r.row_id));
        }
        if now_hash != Some(r.hash.as_str()) {
            by_origin
                .entry(&r.origin)
                .or_default()
                .entry((&r.kind, &r.row_id))
                .or_insert(r);
        }
    }
    if rows.len() >= 100 && gone_rows.len() * 2 > rows.len() {
        return Ok(SourceChanged {
            findings: out.finish()?,
            scope_note: Some(format!(
                "{} of the {} source rows last night's findings named ({last_night}) are not in tonight's data: \
                 another scope (a township's or a year's files left out?), so no DATA_SOURCE_CHANGED findings were raised; \
                 run on the same folder as the night before to compare",
                gone_rows.len(),
                rows.len()
            )),
        });
    }
    // One finding per set of rows: two findings that named the same deleted payments (a
    // ghost and a payee mismatch) are one change of the data.
    let mut by_rows: BTreeMap<Vec<(&str, &str)>, Vec<&str>> = BTreeMap::new();
    for (origin, changed) in &by_origin {
        by_rows
            .entry(changed.keys().copied().collect())
            .or_default()
            .push(origin);
    }
    for (keys, origins) in by_rows {
        let changed = &by_origin[origins[0]];
        let mut said = Vec::new();
        let (mut payment_ids, mut allocation_ids) = (Vec::new(), Vec::new());
        let mut amount = 0;
        for ((kind, id), r) in changed {
            amount += r.amount_fen;
            if *kind == PAYMENT {
                payment_ids.push(id.to_string());
            } else {
                allocation_ids.push(id.to_string());
            }
            said.push(match now.get(kind, id) {
                None => format!("{}已删除", r.as_was),
                Some(p) => format!("{}已改为{}", r.as_was, p.as_was),
            });
        }
        let leads: Vec<String> = origins
            .iter()
            .map(|o| {
                let rule = by_origin[o]
                    .values()
                    .next()
                    .map_or("", |r| r.origin_rule.as_str());
                format!("{o}（{}）", rule_title(rule))
            })
            .collect();
        let known = origins
            .iter()
            .find_map(|o| earlier.get(*o))
            .cloned()
            .unwrap_or_default();
        out.push(Finding {
            key: keys
                .iter()
                .map(|(k, id)| format!("{k}:{id}"))
                .collect::<Vec<_>>()
                .join(";"),
            amount_fen: amount,
            confidence: 0.8,
            township: known.township,
            program: known.program,
            beneficiary_ids: known.beneficiary_ids,
            allocation_ids,
            payment_ids,
            refs: origins.iter().map(|o| format!("finding:{o}")).collect(),
            evidence: format!(
                "{last_night}运行时线索{}所依据的原始记录{}条已被删除或修改：{}。线索因此{}，\
                 与问题已整改无法区分，需核实删改原因（是否掩盖问题），原始记录以{last_night}为准，合计{}元",
                leads.join("、"),
                changed.len(),
                said.join("；"),
                if keys.iter().any(|(k, id)| now.get(k, id).is_none()) {
                    "不再完整出现"
                } else {
                    "事实已变"
                },
                fmt_yuan(amount)
            ),
            ..Finding::default()
        });
    }
    Ok(SourceChanged {
        findings: out.finish()?,
        scope_note: None,
    })
}
