//! 本期变化: what changed since the last night, in the words an officer needs — which
//! findings are new, what changed in a changed one (its money before and now, the rows
//! added or gone), and why a finding of last night is gone: paid or put right, its
//! source rows deleted or edited (DATA_SOURCE_CHANGED), decided by an officer, or out of
//! tonight's scope. Decisions and money recovered ride along for the reports.

use std::collections::{BTreeSet, HashMap, HashSet};

use polars::prelude::*;
use serde::Serialize;

use crate::ledger::night::{Decided, OpenFinding};
use fundaudit_core::cells::{fen_of_yuan, fmt_yuan};
use fundaudit_core::findings::scored;
use fundaudit_core::findings::{cols, rule_title, Rule};
use fundaudit_core::frame;

/// A finding that changed since the last night.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Changed {
    pub finding_id: String,
    pub rule: String,
    pub township: String,
    pub amount_before: f64,
    pub amount_now: f64,
    /// `金额12,564.95→15,151.95；新增代发记录P9；减少分配单A3`
    pub what: String,
}

/// A finding of the last night that tonight's run did not raise, and why.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Resolved {
    pub finding_id: String,
    pub rule: String,
    pub township: String,
    pub amount: f64,
    pub case_id: String,
    /// `source_changed`, `decided`, `out_of_scope` or `put_right`.
    pub why: String,
    /// The reason in Chinese, for the reports.
    pub why_zh: String,
}

/// The night's changes against the last one (None in a run without a ledger).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct NightChanges {
    /// The last complete run's as-of date (empty on the first night).
    pub last_night: String,
    pub new: Vec<String>,
    pub changed: Vec<Changed>,
    pub resolved: Vec<Resolved>,
    /// Findings an officer dismissed (不属实), with who and why: a dismissed finding
    /// whose facts have not changed stays out of the findings.
    pub dismissed: Vec<Decided>,
    /// Money recovered per case (追缴/已追回), yuan.
    pub recovered: Vec<(String, f64)>,
}

/// The parts of a facts string (`amount 620.00; beneficiaries B1; allocations A1;
/// payments P1;P2`): amount and the id lists.
fn parse_facts(facts: &str) -> (f64, [BTreeSet<String>; 3]) {
    let mut amount = 0.0;
    let mut lists: [BTreeSet<String>; 3] = Default::default();
    // `; ` separates the parts; ids within a part are `;`-separated without a space.
    for part in facts.split("; ") {
        let (key, value) = part.split_once(' ').unwrap_or((part, ""));
        let ids = || {
            value
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect::<BTreeSet<_>>()
        };
        match key {
            "amount" => amount = value.trim().parse().unwrap_or(0.0),
            "beneficiaries" => lists[0] = ids(),
            "allocations" => lists[1] = ids(),
            "payments" => lists[2] = ids(),
            _ => {}
        }
    }
    (amount, lists)
}

/// What changed between two facts strings, in Chinese.
pub fn describe_change(before: &str, now: &str) -> String {
    let (a0, l0) = parse_facts(before);
    let (a1, l1) = parse_facts(now);
    let mut said = Vec::new();
    let fen = fen_of_yuan;
    if fen(a0) != fen(a1) {
        said.push(format!("金额{}→{}", fmt_yuan(fen(a0)), fmt_yuan(fen(a1))));
    }
    for (k, what) in ["人员", "分配单", "代发记录"].iter().enumerate() {
        let added: Vec<&String> = l1[k].difference(&l0[k]).collect();
        let gone: Vec<&String> = l0[k].difference(&l1[k]).collect();
        if !added.is_empty() {
            said.push(format!("新增{what}{}", join(&added)));
        }
        if !gone.is_empty() {
            said.push(format!("减少{what}{}", join(&gone)));
        }
    }
    if said.is_empty() {
        "评分或案件归属变化".to_string()
    } else {
        said.join("；")
    }
}

fn join(ids: &[&String]) -> String {
    let shown: Vec<&str> = ids.iter().take(5).map(|s| s.as_str()).collect();
    if ids.len() > shown.len() {
        format!("{}等{}项", shown.join("、"), ids.len())
    } else {
        shown.join("、")
    }
}

/// The facts of each finding tonight, as the ledger writes them.
pub fn facts_tonight(findings: &DataFrame) -> PolarsResult<HashMap<String, String>> {
    let ids = frame::text(findings, scored::FINDING_ID)?;
    let amount: Vec<Option<f64>> = findings
        .column(scored::AMOUNT_AT_RISK)?
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .collect();
    let ben = frame::text(findings, cols::BENEFICIARY_IDS)?;
    let alloc = frame::text(findings, cols::ALLOCATION_IDS)?;
    let pay = frame::text(findings, cols::PAYMENT_IDS)?;
    Ok((0..findings.height())
        .map(|i| {
            (
                ids[i].unwrap_or("").to_string(),
                crate::ledger::describe_facts(
                    amount[i].unwrap_or(0.0),
                    ben[i].unwrap_or(""),
                    alloc[i].unwrap_or(""),
                    pay[i].unwrap_or(""),
                ),
            )
        })
        .collect())
}

/// The night's changes: `tonight` is every finding the rules raised (dismissed ones
/// included), `change` each one's change code, `source_changed` the findings whose rows
/// DATA_SOURCE_CHANGED reports (by id), `out_of_scope` whether most of last night's rows
/// are not in tonight's data.
#[allow(clippy::too_many_arguments)]
pub fn night_changes(
    last_night: &str,
    open_before: &[OpenFinding],
    tonight: &DataFrame,
    change: &[&str],
    source_changed: &HashSet<String>,
    decided: &HashMap<String, Decided>,
    out_of_scope: bool,
    recovered: &std::collections::BTreeMap<String, i64>,
) -> PolarsResult<NightChanges> {
    let ids = frame::text(tonight, scored::FINDING_ID)?;
    let rules = frame::text(tonight, cols::RULE)?;
    let towns = frame::text(tonight, cols::TOWNSHIP)?;
    let facts = facts_tonight(tonight)?;
    let before: HashMap<&str, &OpenFinding> = open_before
        .iter()
        .map(|f| (f.finding_id.as_str(), f))
        .collect();
    let mut out = NightChanges {
        last_night: last_night.to_string(),
        ..NightChanges::default()
    };
    let seen: HashSet<&str> = ids.iter().flatten().copied().collect();
    for i in 0..tonight.height() {
        let id = ids[i].unwrap_or("");
        match change.get(i).copied() {
            Some("new") => out.new.push(id.to_string()),
            Some("changed") => {
                let was = before.get(id);
                let now = facts.get(id).map_or("", |s| s.as_str());
                out.changed.push(Changed {
                    finding_id: id.to_string(),
                    rule: rules[i].unwrap_or("").to_string(),
                    township: towns[i].unwrap_or("").to_string(),
                    amount_before: was.map_or(0.0, |w| w.amount),
                    amount_now: parse_facts(now).0,
                    what: was.map_or(String::new(), |w| describe_change(&w.facts, now)),
                });
            }
            _ => {}
        }
    }
    for f in open_before
        .iter()
        .filter(|f| !seen.contains(f.finding_id.as_str()))
    {
        let (why, why_zh) = if source_changed.contains(&f.finding_id) {
            (
                "source_changed",
                "原始记录被删除或修改（见原始数据被删改线索）".to_string(),
            )
        } else if out_of_scope {
            ("out_of_scope", "不在本次数据范围内".to_string())
        } else if let Some(d) = decided.get(&f.finding_id) {
            (
                "decided",
                format!("已核查处置（{}，{}，{}）", status_zh(&d.status), d.by, d.at),
            )
        } else if f.rule == Rule::DataSourceChanged.code() {
            ("put_right", "被删改的原始记录已恢复".to_string())
        } else {
            (
                "put_right",
                "数据显示问题已不存在（已发放或已整改）".to_string(),
            )
        };
        out.resolved.push(Resolved {
            finding_id: f.finding_id.clone(),
            rule: f.rule.clone(),
            township: f.township.clone(),
            amount: f.amount,
            case_id: f.case_id.clone(),
            why: why.to_string(),
            why_zh: format!("{}：{}", rule_title(&f.rule), why_zh),
        });
    }
    let mut dismissed: Vec<Decided> = decided
        .values()
        .filter(|d| d.status == "dismissed")
        .cloned()
        .collect();
    dismissed.sort_by(|a, b| b.at.cmp(&a.at).then(a.finding_id.cmp(&b.finding_id)));
    out.dismissed = dismissed;
    out.recovered = recovered
        .iter()
        .map(|(c, f)| (c.clone(), *f as f64 / 100.0))
        .collect();
    Ok(out)
}

/// A decision's status as officers write it.
pub fn status_zh(status: &str) -> &str {
    match status {
        "confirmed" => "属实",
        "dismissed" => "不属实",
        "investigating" => "核查中",
        other => other,
    }
}

/// The findings with the officers' latest decisions as columns (`status`, `note`,
/// `reviewer`, `reviewed_at`), blank where none: every report carries them.
pub fn with_decisions(
    findings: DataFrame,
    decided: &HashMap<String, Decided>,
) -> PolarsResult<DataFrame> {
    let ids = frame::text(&findings, scored::FINDING_ID)?;
    let col = |f: &dyn Fn(&Decided) -> &str| -> Vec<String> {
        ids.iter()
            .map(|id| {
                id.and_then(|id| decided.get(id))
                    .map_or(String::new(), |d| f(d).to_string())
            })
            .collect()
    };
    let columns = [
        ("status", col(&|d| d.status.as_str())),
        ("note", col(&|d| d.note.as_str())),
        ("reviewer", col(&|d| d.by.as_str())),
        ("reviewed_at", col(&|d| d.at.as_str())),
    ];
    let mut f = findings;
    for (name, values) in columns {
        f.with_column(Column::new(name.into(), values))?;
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_said_in_money_and_rows() {
        let before = "amount 12564.95; beneficiaries B1; allocations A1;A2; payments P1;P2";
        let now = "amount 15151.95; beneficiaries B1; allocations A1;A2; payments P1;P2;P9";
        assert_eq!(
            describe_change(before, now),
            "金额12,564.95→15,151.95；新增代发记录P9"
        );
        assert_eq!(
            describe_change(now, before),
            "金额15,151.95→12,564.95；减少代发记录P9"
        );
    }
}
