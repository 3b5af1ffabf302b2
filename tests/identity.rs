//! Identity resolution end to end: `fundaudit dedup` on a generated registry with planted
//! duplicate registrations (same ID in traditional characters, ID typos, homophones in
//! the same village) and clean homonyms (same name and birth date, other village).

mod common;

use common::{fundaudit, read_csv};

#[test]
fn planted_duplicates_resolve_and_homonyms_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = dir.path().join("out");
    fundaudit()
        .args([
            "generate",
            "--registry-only",
            "--beneficiaries",
            "20000",
            "--seed",
            "9",
            "--out",
        ])
        .arg(&data)
        .assert()
        .success();
    fundaudit()
        .args(["dedup", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("dedup_report.json")).unwrap()).unwrap();
    let acc = &report["accuracy"];
    println!("{acc}");
    assert_eq!(acc["truth_pairs"], 200);
    assert!(acc["precision"].as_f64().unwrap() >= 0.99, "{acc}");
    assert!(acc["recall"].as_f64().unwrap() >= 0.99, "{acc}");
    assert!(
        report["stats"]["candidate_pairs"].as_u64().unwrap() < 20 * 20000,
        "blocking keeps candidates near linear"
    );

    // Every matched pair says why, in Chinese, with its score.
    let pairs = read_csv(&out.join("duplicates.csv"));
    assert_eq!(
        pairs.len(),
        acc["predicted_pairs"].as_u64().unwrap() as usize
    );
    assert!(pairs.iter().all(|p| p["evidence"].contains("匹配得分")));
    assert!(
        pairs.iter().any(|p| p["evidence"].contains("同音")),
        "homophones are among the pairs"
    );
    assert!(
        pairs.iter().any(|p| p["evidence"].contains("身份证号仅差")),
        "ID typos are among the pairs"
    );
}
