//! Helpers shared by the integration tests: run the real binary, read its CSV output,
//! and score findings against a generator's truth.csv.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use assert_cmd::Command;

pub fn fundaudit() -> Command {
    Command::cargo_bin("fundaudit").expect("the fundaudit binary is built")
}

/// Reads a CSV file (with or without BOM) into rows keyed by header.
pub fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let text = String::from_utf8(bytes).expect("UTF-8");
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    rdr.records()
        .map(|r| {
            let r = r.expect("record");
            headers
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn ids(s: &str) -> HashSet<&str> {
    s.split(';').filter(|x| !x.is_empty()).collect()
}

/// Recall per rule and precision per category of findings against planted truth.
#[derive(Debug, Default)]
pub struct Score {
    /// rule → (found, planted)
    pub recall: BTreeMap<String, (usize, usize)>,
    /// category → (true findings, findings)
    pub precision: BTreeMap<String, (usize, usize)>,
    pub missed: Vec<String>,
    pub false_findings: Vec<String>,
}

/// A planted anomaly is found when a finding of its category involves one of its ids
/// (of the kind truth names: allocation, payment or beneficiary); a finding is true when
/// it involves the ids of some planted anomaly of its category.
pub fn score(truth: &[HashMap<String, String>], findings: &[HashMap<String, String>]) -> Score {
    let column = |kind: &str| match kind {
        "allocation" => "allocation_ids",
        "payment" => "payment_ids",
        _ => "beneficiary_ids",
    };
    let hits = |t: &HashMap<String, String>, f: &HashMap<String, String>| {
        f["category"] == t["category"]
            && !ids(&f[column(&t["key_type"])]).is_disjoint(&ids(&t["ids"]))
    };
    let mut s = Score::default();
    for t in truth {
        let e = s.recall.entry(t["rule"].clone()).or_default();
        e.1 += 1;
        if findings.iter().any(|f| hits(t, f)) {
            e.0 += 1;
        } else {
            s.missed
                .push(format!("{} {} ({})", t["rule"], t["ids"], t["note"]));
        }
    }
    for f in findings {
        let e = s.precision.entry(f["category"].clone()).or_default();
        e.1 += 1;
        if truth.iter().any(|t| hits(t, f)) {
            e.0 += 1;
        } else {
            s.false_findings
                .push(format!("{}: {}", f["rule"], f["evidence"]));
        }
    }
    s
}

impl Score {
    pub fn print(&self, label: &str) {
        println!("{label}");
        for (rule, (found, planted)) in &self.recall {
            println!(
                "  recall    {rule:<20} {found:>5}/{planted:<5} {:.3}",
                *found as f64 / *planted as f64
            );
        }
        for (cat, (ok, all)) in &self.precision {
            println!(
                "  precision {cat:<20} {ok:>5}/{all:<5} {:.3}",
                *ok as f64 / *all as f64
            );
        }
        for m in &self.missed {
            println!("  missed: {m}");
        }
        for f in &self.false_findings {
            println!("  false: {f}");
        }
    }
}
