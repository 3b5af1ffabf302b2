//! Money counted once (issue 26): the header total is the money at risk with each
//! payment (or unpaid allocation) counted once, computed here again from the raw
//! payments.csv and the findings' ids; township and category totals add up to it; a
//! finding that spans townships is split among them.

use crate::common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use common::{generate, read_csv, run_cmd};

fn fen(yuan: &str) -> i64 {
    (yuan.trim().parse::<f64>().unwrap_or(0.0) * 100.0).round() as i64
}

/// The distinct money at risk, from the raw payments and the findings alone: every
/// payment a finding names for all its money counts once at its raw amount; money not
/// paid counts once per allocation (its largest finding); a finding for less than its
/// payments (the larger first) counts what the money others already hold, whole or in
/// part, does not cover.
fn independent_total(data: &Path, findings: &[HashMap<String, String>]) -> i64 {
    let raw: HashMap<String, i64> = read_csv(&data.join("payments.csv"))
        .into_iter()
        .map(|r| (r["payment_id"].clone(), fen(&r["amount"])))
        .collect();
    let unpaid = ["DELAY_UNPAID", "PARTIAL_SHORT", "DATA_INCOMPLETE"];
    let mut held: HashSet<&str> = HashSet::new();
    let mut owed: HashMap<String, i64> = HashMap::new();
    let mut partial: Vec<(i64, Vec<&str>)> = Vec::new();
    for f in findings {
        let amount = fen(&f["amount_at_risk"]);
        let ids: Vec<&str> = f["payment_ids"]
            .split(';')
            .filter(|s| !s.is_empty())
            .collect();
        let cap: i64 = ids.iter().filter_map(|i| raw.get(*i)).sum();
        // The short side of the rules that go either way is money not paid too.
        let either_way = ["PUB_AMOUNT_DIFFERS", "AMOUNT_BASIS"].contains(&f["rule"].as_str());
        if unpaid.contains(&f["rule"].as_str()) || (either_way && f["category"] == "partial") {
            let key = if f["allocation_ids"].is_empty() {
                f["finding_id"].clone()
            } else {
                f["allocation_ids"].clone()
            };
            let e = owed.entry(key).or_default();
            *e = (*e).max(amount);
        } else if cap == 0 {
            owed.insert(f["finding_id"].clone(), amount);
        } else if amount >= cap {
            held.extend(ids);
        } else {
            partial.push((amount, ids));
        }
    }
    let mut total: i64 = held.iter().map(|i| raw[*i]).sum::<i64>() + owed.values().sum::<i64>();
    let mut claimed: HashMap<&str, i64> = held.iter().map(|i| (*i, raw[*i])).collect();
    partial.sort_by_key(|(amount, _)| -amount);
    for (amount, ids) in partial {
        // What others hold covers it first; the rest is new money.
        let mut left = amount;
        for id in &ids {
            left -= left.min(claimed.get(id).copied().unwrap_or(0));
        }
        for id in &ids {
            let c = claimed.entry(id).or_default();
            let take = left.min(raw[*id] - *c).max(0);
            *c += take;
            left -= take;
            total += take;
        }
        total += left;
    }
    total
}

fn summary(out: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
}

fn tally_sum(s: &serde_json::Value, key: &str) -> i64 {
    s[key]
        .as_object()
        .unwrap()
        .values()
        .map(|t| (t["amount_at_risk"].as_f64().unwrap() * 100.0).round() as i64)
        .sum()
}

fn check(data: &Path, out: &Path) {
    let findings = read_csv(&out.join("findings.csv"));
    let s = summary(out);
    let header = (s["amount_at_risk"].as_f64().unwrap() * 100.0).round() as i64;
    assert_eq!(
        header,
        independent_total(data, &findings),
        "the header is the distinct money at risk"
    );
    assert_eq!(tally_sum(&s, "by_township"), header, "townships add up");
    assert_eq!(tally_sum(&s, "by_category"), header, "categories add up");
    let per_rule = tally_sum(&s, "by_rule");
    assert!(per_rule > header, "rules overlap: {per_rule} vs {header}");
    // Each case counts its own payments once; cases partition the findings.
    let cases: i64 = read_csv(&out.join("cases.csv"))
        .iter()
        .map(|c| fen(&c["amount_at_risk"]))
        .sum();
    assert!(
        cases >= header && cases <= per_rule,
        "cases {cases}, header {header}"
    );
    // A finding whose money spans townships says how much lies in each, and the pieces
    // add up to its money.
    let spans: Vec<&HashMap<String, String>> = findings
        .iter()
        .filter(|f| !f["township_split"].is_empty())
        .collect();
    assert!(!spans.is_empty(), "some shared account spans townships");
    for f in &spans {
        let parts: Vec<(&str, i64)> = f["township_split"]
            .split('；')
            .map(|p| {
                let (t, a) = p.rsplit_once(' ').unwrap();
                (t, fen(&a.replace(',', "")))
            })
            .collect();
        assert!(parts.len() >= 2);
        assert_eq!(parts[0].0, f["township"], "listed under its largest share");
        let sum: i64 = parts.iter().map(|p| p.1).sum();
        assert_eq!(sum, fen(&f["amount_at_risk"]), "{}", f["township_split"]);
    }
    // One name for the unknown township, never a blank.
    assert!(findings.iter().all(|f| !f["township"].is_empty()));
}

#[test]
fn the_sample_countys_header_counts_each_payment_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    let out = dir.path().join("out");
    run_cmd(&data, &out).assert().code(0);
    check(&data, &out);
}

#[test]
fn a_generated_countys_header_counts_each_payment_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    generate(&data, 3000, 7, &[]);
    let out = dir.path().join("out");
    run_cmd(&data, &out).assert().code(0);
    check(&data, &out);
}

#[test]
fn a_shared_account_names_the_townships_its_people_live_in() {
    let dir = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    let out = dir.path().join("out");
    run_cmd(&data, &out).assert().code(0);
    let findings = read_csv(&out.join("findings.csv"));
    let spanning = findings
        .iter()
        .find(|f| f["rule"] == "DIV_SHARED_ACCOUNT" && !f["township_split"].is_empty())
        .expect("a shared account across townships");
    let towns: BTreeMap<&str, ()> = spanning["township_split"]
        .split('；')
        .map(|p| (p.rsplit_once(' ').unwrap().0, ()))
        .collect();
    assert!(
        spanning["evidence"].contains(&format!("分属{}个乡镇", towns.len())),
        "{}",
        spanning["evidence"]
    );
    for t in towns.keys().filter(|t| **t != "未登记乡镇") {
        assert!(
            spanning["evidence"].contains(t),
            "{t} in {}",
            spanning["evidence"]
        );
    }
}
