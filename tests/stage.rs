//! `fundaudit stage`: a data folder read and validated once into typed Parquet; a run on
//! the stage gives the findings of a run on the raw files, rejects and file accounts
//! included, and refuses a stage made with other input settings.

mod common;

use common::{fundaudit, generate, read_csv, stage as stage_folder};

#[test]
fn a_run_on_the_stage_finds_what_a_run_on_the_files_finds() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    generate(&data, 1500, 8, &[]);
    // A bad row, so rejects travel through the stage too.
    let payments = data.join("payments.csv");
    let mut text = std::fs::read_to_string(&payments).unwrap();
    text.push_str("P-BAD,A-NONE,B0000001,张三,6228,not-a-number,2025-13-45,低保金\n");
    std::fs::write(&payments, text).unwrap();
    let stage = dir.path().join("stage");
    let said = stage_folder(&data, &stage, None);
    assert!(
        said.contains("rejected)") && !said.contains("(0 rejected)"),
        "{said}"
    );
    let run = |input: &std::path::Path, name: &str| {
        let out = dir.path().join(name);
        fundaudit()
            .args(["run", "--quiet", "--as-of", "2026-03-31", "--data"])
            .arg(input)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        out
    };
    let (raw, staged) = (run(&data, "raw"), run(&stage, "staged"));
    let facts = |out: &std::path::Path| {
        let mut v: Vec<(String, String, String, String)> = read_csv(&out.join("findings.csv"))
            .into_iter()
            .map(|f| {
                (
                    f["finding_id"].clone(),
                    f["case_id"].clone(),
                    f["fingerprint"].clone(),
                    f["evidence"].clone(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let (a, b) = (facts(&raw), facts(&staged));
    assert!(a.len() > 100);
    assert_eq!(a, b, "same findings, ids, cases and evidence");
    assert_eq!(
        std::fs::read_to_string(raw.join("rejects.csv")).unwrap(),
        std::fs::read_to_string(staged.join("rejects.csv")).unwrap()
    );
    let summary = |out: &std::path::Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap()
    };
    for key in [
        "rows_read",
        "rows_used",
        "rows_rejected",
        "findings",
        "cases",
    ] {
        assert_eq!(summary(&raw)[key], summary(&staged)[key], "{key}");
    }

    // The manifest of a run on the stage records the files as they were staged, and the
    // run needs none of them: moved away, the stage still runs.
    let inputs = |out: &std::path::Path| -> Vec<(String, String)> {
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
        m["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["file"].to_string(), i["sha256"].to_string()))
            .collect()
    };
    assert_eq!(inputs(&raw), inputs(&staged));
    std::fs::rename(&data, dir.path().join("moved")).unwrap();
    let again = run(&stage, "again");
    assert_eq!(inputs(&again), inputs(&raw));
    assert_eq!(facts(&again), facts(&raw));
    std::fs::rename(dir.path().join("moved"), &data).unwrap();

    // Other input settings than the stage was made with: refused, with what to do.
    let config = dir.path().join("columns.toml");
    std::fs::write(&config, "[columns.payments]\n\"实发金额\" = \"amount\"\n").unwrap();
    let refused = fundaudit()
        .args(["run", "--quiet", "--data"])
        .arg(&stage)
        .arg("--config")
        .arg(&config)
        .arg("--out")
        .arg(dir.path().join("other"))
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&refused.get_output().stderr).to_string();
    assert!(err.contains("staged with other input settings"), "{err}");
    // A stage is written only into a new or empty folder.
    fundaudit()
        .args(["stage", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&stage)
        .assert()
        .code(2);
}
