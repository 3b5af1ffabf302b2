//! The real binary on generated county data: every planted anomaly is found, and clean
//! records (homonyms, bank spellings, household cards, installments, payments late within
//! grace, people whose payments stopped at death) are not flagged.
//!
//! Floors: recall per rule and precision per category at least 0.95 (see README).

mod common;

use common::{generate_and_run, read_csv, score};

const RECALL_FLOOR: f64 = 0.95;
const PRECISION_FLOOR: f64 = 0.95;

fn audit_generated(beneficiaries: usize, seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let (data, out) = generate_and_run(dir.path(), beneficiaries, seed, &[]);
    let truth = read_csv(&data.join("truth.csv"));
    let findings = read_csv(&out.join("findings.csv"));
    let s = score(&truth, &findings);
    s.print(&format!("{beneficiaries} beneficiaries, seed {seed}"));

    // Every rule is planted and checked.
    assert_eq!(
        s.recall.len(),
        12,
        "generator plants all twelve rules: {:?}",
        s.recall.keys()
    );
    for (rule, (found, planted)) in &s.recall {
        let r = *found as f64 / *planted as f64;
        assert!(
            r >= RECALL_FLOOR,
            "{rule}: recall {r:.3} below {RECALL_FLOOR}"
        );
    }
    for (cat, (ok, all)) in &s.precision {
        let p = *ok as f64 / *all as f64;
        assert!(
            p >= PRECISION_FLOOR,
            "{cat}: precision {p:.3} below {PRECISION_FLOOR}"
        );
    }
    assert_eq!(s.precision.len(), 5, "findings in all five categories");
}

#[test]
fn planted_anomalies_found_clean_records_not_flagged() {
    audit_generated(4000, 11);
}

#[test]
fn holds_on_another_seed_and_size() {
    audit_generated(800, 2026);
}
