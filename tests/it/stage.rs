//! `fundaudit stage`: a data folder read and validated once into typed Parquet; a run on
//! the stage gives the findings of a run on the raw files, rejects and file accounts
//! included, and refuses a stage made with other input settings.

use crate::common;

use std::path::{Path, PathBuf};

use common::{fundaudit, generate, read_csv, run_cmd, stage as stage_folder};

/// `fundaudit run` of `input` into `dir/name` as of 2026-03-31, without a case ledger;
/// a finished run (exit codes below 5 say what was found).
fn run_into(dir: &Path, input: &Path, name: &str, config: Option<&Path>) -> PathBuf {
    let out = dir.join(name);
    let mut cmd = run_cmd(input, &out);
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    cmd.assert().code(predicates::ord::lt(5));
    out
}

/// A generated county of 1,500 beneficiaries in `dir/data`, with its project files (they
/// travel through the stage too).
fn county(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    generate(&data, 1500, 8, &["--projects"]);
    data
}

fn summary(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap()
}

#[test]
fn a_run_on_the_stage_finds_what_a_run_on_the_files_finds() {
    let dir = tempfile::tempdir().unwrap();
    let data = county(dir.path());
    // A bad row, so rejects travel through the stage too.
    let payments = data.join("payments.csv");
    let mut text = std::fs::read_to_string(&payments).unwrap();
    text.push_str("P-BAD,A-NONE,B0000001,张三,6228,not-a-number,2025-13-45,低保金\n");
    // A quoted field, as office exports write them: the file cannot be cut between any
    // two lines, so it is staged whole (the other path of `stage`).
    let second: Vec<&str> = text.lines().nth(1).unwrap().split(',').collect();
    text.push_str(&format!(
        "P-QUOTED,{},{},\"{}\",{}\n",
        second[1],
        second[2],
        second[3],
        second[4..].join(",")
    ));
    std::fs::write(&payments, text).unwrap();
    let stage = dir.path().join("stage");
    let said = stage_folder(&data, &stage, None);
    let manifest = std::fs::read_to_string(stage.join("stage.json")).unwrap();
    assert!(!manifest.contains("read in chunks"), "{manifest}");
    assert!(
        said.contains("rejected)") && !said.contains("(0 rejected)"),
        "{said}"
    );
    let run = |input: &Path, name: &str| run_into(dir.path(), input, name, None);
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

/// A plain CSV staged a few rows at a time must come out as the file read whole: the
/// rows, rejects, counts, bank settlement, totals check and findings. Everything that
/// crosses chunks is planted across them: a payment id repeated far below its first
/// use, a reversal and a return of payments many chunks above, a 合计 over the whole
/// file, a blank line and a ragged row in the middle.
/// Rows a chunked read must handle as a whole read does: transfer statuses, a ragged
/// row, a bad amount, a reversal, a return, a failure, an unknown status, a duplicate id
/// far below its first, a totals row; and an allocation id met again thousands of lines
/// below.
fn plant_what_chunks_must_carry(data: &Path) {
    let path = data.join("payments.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    let field = |line: usize, i: usize| rows[line - 1].split(',').nth(i).unwrap().to_string();
    // Row at line `line` again, with another id, amount and status.
    let again = |line: usize, id: &str, amount: &str, status: &str| {
        let mut f: Vec<String> = rows[line - 1].split(',').map(str::to_string).collect();
        f[0] = id.to_string();
        f[5] = amount.to_string();
        format!("{},{status}", f.join(","))
    };
    let mut out = vec![format!("{},status", rows[0])];
    for (i, row) in rows.iter().enumerate().skip(1) {
        out.push(format!("{row},{}", if i % 3 == 0 { "成功" } else { "" }));
        if i == 300 {
            out.push(String::new());
            out.push("P-RAGGED,A1,B1,某人,6228,1.00,2025-01-01,低保金,成功,多出一列".into());
            out.push("P-BADAMT,A1,B1,某人,6228,十元,2025-01-01,低保金,".into());
        }
    }
    let amount = |line: usize| field(line, 5);
    out.push(again(6, "P-REV-1", &format!("-{}", amount(6)), "冲正"));
    out.push(again(11, "P-RET-1", &amount(11), "退票"));
    out.push(again(21, "P-FAIL-1", &amount(21), "失败"));
    out.push(again(31, "P-UNK-1", &amount(31), "待清算"));
    out.push(again(41, &field(41, 0), "1.23", ""));
    out.push("合计,,,,,99999.00,,,".into());
    std::fs::write(&path, out.join("\n") + "\n").unwrap();
    // An allocation id met again, thousands of lines below.
    let alloc_path = data.join("allocations.csv");
    let mut allocs = std::fs::read_to_string(&alloc_path).unwrap();
    let second = allocs.lines().nth(1).unwrap().to_string();
    allocs.push_str(&second);
    allocs.push('\n');
    std::fs::write(&alloc_path, allocs).unwrap();
}

#[test]
fn a_file_staged_in_chunks_is_the_file_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let data = county(dir.path());
    plant_what_chunks_must_carry(&data);

    let config = dir.path().join("small.toml");
    std::fs::write(&config, "[scale]\nread_rows = 40\npartition_rows = 3000\n").unwrap();
    let stage = dir.path().join("stage");
    stage_folder(&data, &stage, Some(&config));
    let left: Vec<String> = std::fs::read_dir(&stage)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        left.is_empty(),
        "temporary files left in the stage: {left:?}"
    );
    let run = |input: &Path, name: &str| run_into(dir.path(), input, name, Some(&config));
    // The raw folder is read whole by `run`: the reference.
    let (whole, chunked) = (run(&data, "whole"), run(&stage, "chunked"));
    let (a, b) = (summary(&whole), summary(&chunked));
    let files = |s: &serde_json::Value| -> Vec<serde_json::Value> {
        s["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let keep = [
                    "file",
                    "rows_read",
                    "rows_used",
                    "rows_rejected",
                    "skipped",
                    "warnings",
                ];
                keep.iter().map(|k| f[*k].clone()).collect()
            })
            .collect()
    };
    assert_eq!(files(&a), files(&b));
    let formats: Vec<String> = b["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["format"].as_str().unwrap().to_string())
        .collect();
    assert!(
        formats
            .iter()
            .filter(|f| f.contains("read in chunks"))
            .count()
            == 2,
        "{formats:?}"
    );
    for key in [
        "rows_read",
        "rows_used",
        "rows_rejected",
        "findings",
        "cases",
        "settled",
    ] {
        assert_eq!(a[key], b[key], "{key}");
    }
    assert_eq!(b["settled"]["reversals"], 1);
    assert_eq!(b["settled"]["returned"], 1);
    assert!(b["settled"]["failed"].as_u64().unwrap() >= 1);
    let rejects = std::fs::read_to_string(chunked.join("rejects.csv")).unwrap();
    assert_eq!(
        std::fs::read_to_string(whole.join("rejects.csv")).unwrap(),
        rejects
    );
    for planted in [
        "duplicate payment_id (first at line 41)",
        "duplicate allocation_id (first at line 2)",
        "unknown transfer status",
        "but the header has",
    ] {
        assert!(
            rejects.contains(planted),
            "{planted} not in rejects:\n{rejects}"
        );
    }
    let warnings = b["files"].to_string();
    assert!(
        warnings.contains("states 99,999.00 yuan") || warnings.contains("states 99999.00 yuan"),
        "{warnings}"
    );
    assert_eq!(
        std::fs::read_to_string(whole.join("findings.csv")).unwrap(),
        std::fs::read_to_string(chunked.join("findings.csv")).unwrap()
    );

    // `run` on files past `[scale] stage_bytes` stages them on the way, beside its own
    // folder, and removes that stage when done: the same run, nothing left behind.
    std::fs::write(
        &config,
        "[scale]\nread_rows = 40\npartition_rows = 3000\nstage_bytes = 1\n",
    )
    .unwrap();
    let before: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    let on_the_way = run(&data, "on-the-way");
    let c = summary(&on_the_way);
    assert_eq!(files(&a), files(&c));
    assert!(c["files"].to_string().contains("read in chunks"));
    // The people were resolved once, by the staging that cut the parts, and not again.
    let stages: Vec<&str> = c["timings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t[0].as_str().unwrap())
        .collect();
    let staging = "stage on the way, the people resolved in it";
    assert!(stages.contains(&staging), "{stages:?}");
    for f in ["findings.csv", "rejects.csv"] {
        assert_eq!(
            std::fs::read_to_string(whole.join(f)).unwrap(),
            std::fs::read_to_string(on_the_way.join(f)).unwrap(),
            "{f}"
        );
    }
    let after: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(!after.iter().any(|n| n.contains(".stage")), "{after:?}");
    // The run folder and its lock are all that is new.
    assert_eq!(after.len(), before.len() + 2, "{after:?}");
}
