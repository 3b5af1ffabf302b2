//! Less noise ranked as signal (issue 26): fixed-standard subsidies are not tested
//! against Benford's law, a batch paid to unregistered people on one day is one case,
//! and case scores separate the top instead of crowding at 99.

use crate::common;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use common::{read_csv, run_cmd};

fn sample_run(dir: &Path) -> std::path::PathBuf {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    let out = dir.join("out");
    run_cmd(&data, &out).assert().code(0);
    out
}

#[test]
fn a_batch_paid_to_unregistered_people_is_one_case() {
    let dir = tempfile::tempdir().unwrap();
    let out = sample_run(dir.path());
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    let payments: HashMap<String, HashMap<String, String>> = read_csv(&data.join("payments.csv"))
        .into_iter()
        .map(|p| (p["payment_id"].clone(), p))
        .collect();
    let findings = read_csv(&out.join("findings.csv"));
    // Unregistered payees by (program, day, amount): each batch's findings share a case.
    let mut batches: HashMap<(String, String, String), HashSet<String>> = HashMap::new();
    for f in findings
        .iter()
        .filter(|f| f["rule"] == "GHOST_UNREGISTERED")
    {
        for id in f["payment_ids"].split(';') {
            let p = &payments[id];
            batches
                .entry((
                    p["program"].clone(),
                    p["paid_date"].clone(),
                    p["amount"].clone(),
                ))
                .or_default()
                .insert(f["case_id"].clone());
        }
    }
    let big: Vec<_> = batches.values().collect();
    assert!(!big.is_empty());
    for cases in big {
        assert_eq!(cases.len(), 1, "one batch, one case: {cases:?}");
    }
    let cases = read_csv(&out.join("cases.csv"));
    let unregistered = findings
        .iter()
        .filter(|f| f["rule"] == "GHOST_UNREGISTERED")
        .count();
    let batch_case = cases
        .iter()
        .find(|c| c["rules"] == "GHOST_UNREGISTERED")
        .expect("the batch's case");
    assert_eq!(
        batch_case["findings"].parse::<usize>().unwrap(),
        unregistered
    );
}

#[test]
fn fixed_standards_are_not_called_nonconforming_and_case_scores_spread() {
    let dir = tempfile::tempdir().unwrap();
    let out = sample_run(dir.path());
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let digits = summary["digits"].as_array().unwrap();
    assert!(!digits.is_empty());
    // Quarterly sums of 900–2,100 yuan and fixed standards: nothing to say about Benford.
    for d in digits {
        let c = d[4].as_str().or(d["conformity"].as_str()).unwrap_or("");
        assert!(c != "nonconformity", "{d}");
    }
    let cases = read_csv(&out.join("cases.csv"));
    let top: Vec<f64> = cases
        .iter()
        .take(10)
        .map(|c| c["case_score"].parse().unwrap())
        .collect();
    assert!(top[0] < 99.0, "{top:?}");
    assert!(top[0] - top[9] > 5.0, "the top ten are told apart: {top:?}");
}
