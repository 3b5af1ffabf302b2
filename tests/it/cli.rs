//! The command line as an auditor meets it: bad input named by file, row and column,
//! every row accounted for, config errors named by key, exit codes, stable output.

use crate::common;

use common::{fundaudit, read_csv, Fixture};
use predicates::prelude::*;
use predicates::str::contains;

fn small_fixture() -> Fixture {
    let mut f = Fixture::one_person();
    f.allocation(
        "A1",
        "低保金",
        "2025Q1",
        "B1",
        "100.00",
        "2025-01-01",
        "2025-01-31",
    )
    .payment(
        "P1",
        "A1",
        "B1",
        "张伟",
        "6228480000000000001",
        "100.00",
        "2025-01-10",
    );
    f
}

/// `fundaudit run --data DIR/data --out DIR/out`, more arguments to follow.
fn run_on(dir: &std::path::Path) -> assert_cmd::Command {
    let mut cmd = fundaudit();
    cmd.args(["run", "--data"])
        .arg(dir.join("data"))
        .arg("--out")
        .arg(dir.join("out"));
    cmd
}

#[test]
fn missing_file_exits_2_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    // A mistyped folder is named as the folder, not as its first ledger.
    run_on(dir.path())
        .assert()
        .code(2)
        .stderr(contains("data folder").and(contains("does not exist")))
        .stderr(contains("beneficiaries.csv").not());
    std::fs::create_dir(dir.path().join("data")).unwrap();
    run_on(dir.path())
        .assert()
        .code(2)
        .stderr(contains("beneficiaries.csv").and(contains("not found")));
    assert!(!dir.path().join("out").exists(), "nothing written");
}

#[test]
fn the_ballista_engine_is_refused_before_anything_is_read_when_it_cannot_run() {
    let dir = tempfile::tempdir().unwrap();
    small_fixture().write(&dir.path().join("data"));
    // A scheduler without the engine that uses it.
    run_on(dir.path())
        .args(["--scheduler", "df://localhost:50050"])
        .assert()
        .code(2)
        .stderr(contains("--engine ballista"));
    // Without the feature the engine is not there; with it, plain files are not a stage.
    let said = if cfg!(feature = "distributed") {
        "is not one: run `fundaudit stage"
    } else {
        "needs the distributed build"
    };
    run_on(dir.path())
        .args(["--engine", "ballista"])
        .assert()
        .code(2)
        .stderr(contains(said));
    assert!(!dir.path().join("out").exists(), "nothing written");
}

#[test]
fn missing_column_exits_2_naming_column_and_listing_found() {
    let dir = tempfile::tempdir().unwrap();
    small_fixture().write(&dir.path().join("data"));
    std::fs::write(
        dir.path().join("data/payments.csv"),
        "payment_id,allocation_id,beneficiary_id,payee_name,payee_account,paid_date,program\n",
    )
    .unwrap();
    run_on(dir.path()).assert().code(2).stderr(
        contains("payments.csv")
            .and(contains("`amount`"))
            .and(contains("columns found: payment_id")),
    );
}

#[test]
fn bad_rows_go_to_rejects_and_every_row_is_accounted_for() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = small_fixture();
    f.payment(
        "P2",
        "A1",
        "B1",
        "张伟",
        "6228480000000000001",
        "1,0O",
        "2025-01-10",
    ) // unquoted comma
    .payment(
        "P4",
        "A1",
        "B1",
        "张伟",
        "6228480000000000001",
        "1O.00",
        "2025-01-10",
    ) // bad amount
    .payment(
        "P3",
        "A1",
        "B1",
        "张伟",
        "6228480000000000001",
        "10.00",
        "2025/13/10",
    ) // bad date
    .payment(
        "P1",
        "A1",
        "B1",
        "张伟",
        "6228480000000000001",
        "10.00",
        "2025-01-10",
    ) // duplicate key
    .payment(
        "",
        "A1",
        "B1",
        "张伟",
        "6228480000000000001",
        "10.00",
        "2025-01-10",
    ); // empty key
    f.write(&dir.path().join("data"));
    let out = dir.path().join("out");
    fundaudit()
        .args(["run", "--as-of", "2025-03-01", "--data"])
        .arg(dir.path().join("data"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stdout(contains("every row accounted for").and(contains("rejected       5")));
    let rejects = read_csv(&out.join("rejects.csv"));
    let got: Vec<(String, String, String)> = rejects
        .iter()
        .map(|r| (r["line"].clone(), r["column"].clone(), r["value"].clone()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "3".into(),
                "(row)".into(),
                "P2,A1,B1,张伟,****0001,1,0O,2025-01-10,低保金".into()
            ),
            ("4".into(), "amount".into(), "1O.00".into()),
            ("5".into(), "paid_date".into(), "2025/13/10".into()),
            ("6".into(), "payment_id".into(), "P1".into()),
            ("7".into(), "payment_id".into(), "".into()),
        ]
    );
    assert!(rejects.iter().all(|r| r["file"].ends_with("payments.csv")));
    assert!(
        rejects[0]["reason"].contains("9 fields"),
        "{}",
        rejects[0]["reason"]
    );
    assert!(rejects[3]["reason"].contains("first at line 2"));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let payments = summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"].as_str().unwrap().ends_with("payments.csv"))
        .unwrap();
    assert_eq!(payments["rows_read"], 6);
    assert_eq!(payments["rows_used"], 1);
    assert_eq!(payments["rows_rejected"], 5);
    assert_eq!(
        summary["rows_read"],
        summary["rows_used"].as_u64().unwrap() + summary["rows_rejected"].as_u64().unwrap()
    );
}

#[test]
fn config_errors_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    small_fixture().write(dir.path());
    let cfg = dir.path().join("c.toml");
    for (text, key) in [
        ("[delayed]\ngrace_dayz = 3\n", "grace_dayz"),
        ("[matching]\nname_cutoff = 2\n", "matching.name_cutoff"),
        ("[weights]\nDELAY_LATE = \"high\"\n", "DELAY_LATE"),
    ] {
        std::fs::write(&cfg, text).unwrap();
        fundaudit()
            .args(["run", "--config"])
            .arg(&cfg)
            .arg("--data")
            .arg(dir.path())
            .arg("--out")
            .arg(dir.path().join("out"))
            .assert()
            .code(2)
            .stderr(contains(key).and(contains("c.toml")));
    }
}

#[test]
fn printed_default_config_is_a_working_config() {
    let dir = tempfile::tempdir().unwrap();
    small_fixture().write(&dir.path().join("data"));
    let printed = fundaudit()
        .arg("config")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(printed).unwrap();
    assert_eq!(
        fundaudit_core::config::Config::from_toml_str(&text, "printed").unwrap(),
        fundaudit_core::config::Config::default()
    );
    std::fs::write(dir.path().join("c.toml"), text).unwrap();
    fundaudit()
        .args(["run", "--quiet", "--as-of", "2025-03-01", "--config"])
        .arg(dir.path().join("c.toml"))
        .arg("--data")
        .arg(dir.path().join("data"))
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .success();
}

#[test]
fn bad_as_of_exits_2() {
    fundaudit()
        .args(["run", "--as-of", "2025-13-01"])
        .assert()
        .code(2)
        .stderr(contains("--as-of"));
}

#[test]
fn generator_and_audit_are_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for d in [&a, &b] {
        fundaudit()
            .args(["generate", "--beneficiaries", "600", "--seed", "5", "--out"])
            .arg(d)
            .assert()
            .success();
        fundaudit()
            .args(["run", "--quiet", "--as-of", "2026-03-31", "--data"])
            .arg(d)
            .arg("--out")
            .arg(d.with_extension("out"))
            .assert()
            .success();
    }
    let (a_out, b_out) = (a.with_extension("out"), b.with_extension("out"));
    for (x, y, file) in [
        (&a, &b, "beneficiaries.csv"),
        (&a, &b, "allocations.csv"),
        (&a, &b, "payments.csv"),
        (&a, &b, "deaths.csv"),
        (&a, &b, "officials.csv"),
        (&a, &b, "truth.csv"),
        (&a_out, &b_out, "findings.csv"),
        (&a_out, &b_out, "findings.json"),
    ] {
        assert_eq!(
            std::fs::read(x.join(file)).unwrap(),
            std::fs::read(y.join(file)).unwrap(),
            "{file} differs between runs"
        );
    }
    let other = dir.path().join("c");
    fundaudit()
        .args(["generate", "--beneficiaries", "600", "--seed", "6", "--out"])
        .arg(&other)
        .assert()
        .success();
    assert_ne!(
        std::fs::read(a.join("payments.csv")).unwrap(),
        std::fs::read(other.join("payments.csv")).unwrap()
    );
}

#[test]
fn findings_csv_has_bom_and_documented_columns() {
    let dir = tempfile::tempdir().unwrap();
    fundaudit()
        .args(["generate", "--beneficiaries", "300", "--seed", "1", "--out"])
        .arg(dir.path().join("data"))
        .assert()
        .success();
    let out = dir.path().join("out");
    fundaudit()
        .args(["run", "--quiet", "--as-of", "2026-03-31", "--data"])
        .arg(dir.path().join("data"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let bytes = std::fs::read(out.join("findings.csv")).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "UTF-8 BOM for Excel/WPS"
    );
    let header = String::from_utf8(bytes)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .trim_start_matches('\u{feff}')
        .to_string();
    assert_eq!(
        header,
        "finding_id,case_id,rank,category,rule,severity,risk_score,amount_at_risk,township,township_split,program,beneficiary_ids,allocation_ids,payment_ids,similarity,confidence,days_late,evidence,refs,change,status,note,reviewer,reviewed_at,fingerprint"
    );
    let rows = read_csv(&out.join("findings.csv"));
    let ranks: Vec<usize> = rows.iter().map(|r| r["rank"].parse().unwrap()).collect();
    assert_eq!(ranks, (1..=rows.len()).collect::<Vec<_>>());
    let scores: Vec<f64> = rows
        .iter()
        .map(|r| r["risk_score"].parse().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "ranked by risk score"
    );
    let json: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(out.join("findings.json")).unwrap()).unwrap();
    assert_eq!(json.len(), rows.len());
    assert_eq!(
        json[0]["finding_id"].as_str().unwrap(),
        rows[0]["finding_id"]
    );
}

#[test]
fn id_and_account_numbers_masked_unless_unmasked_and_files_private() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = Fixture::default();
    let bad_id = common::id_with_bad_check(1960, 3, 4, 101);
    f.person("B1", "张伟", &bad_id, "东村", "6228480000000000001", "");
    f.allocation(
        "A1",
        "低保金",
        "2025Q1",
        "B1",
        "100.00",
        "2025-01-01",
        "2025-01-31",
    )
    .payment(
        "P1",
        "A1",
        "B1",
        "马超",
        "6228480000000006090",
        "100.00",
        "2025-01-10",
    );
    f.write(&dir.path().join("data"));
    let run = |extra: &[&str], out: &str| {
        let mut cmd = fundaudit();
        cmd.args(["run", "--quiet", "--as-of", "2025-03-01", "--data"])
            .arg(dir.path().join("data"))
            .arg("--out")
            .arg(dir.path().join(out))
            .args(extra)
            .assert()
            .success();
        std::fs::read_to_string(dir.path().join(out).join("findings.csv")).unwrap()
    };
    let masked = run(&[], "masked");
    let masked_id = format!("{}********{}", &bad_id[..6], &bad_id[14..]);
    assert!(masked.contains(&masked_id), "{masked}");
    assert!(masked.contains("****6090"), "{masked}");
    assert!(
        !masked.contains(&bad_id) && !masked.contains("6228480000000006090"),
        "{masked}"
    );
    let full = run(&["--unmasked"], "full");
    assert!(
        full.contains(&bad_id) && full.contains("6228480000000006090"),
        "{full}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for file in [
            "findings.csv",
            "findings.json",
            "rejects.csv",
            "summary.json",
        ] {
            let mode = std::fs::metadata(dir.path().join("masked").join(file))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{file} is readable by its owner only");
        }
    }
}

#[test]
fn run_folders_latest_manifest_lock_and_alert_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    small_fixture().write(&dir.path().join("data"));
    let reports = dir.path().join("reports");
    let run = || {
        let mut cmd = fundaudit();
        cmd.args(["run", "--quiet", "--as-of", "2025-03-01", "--data"])
            .arg(dir.path().join("data"))
            .arg("--reports")
            .arg(&reports);
        cmd
    };
    run().assert().success();
    run().assert().success();
    let first = reports.join("2025-03-01-1");
    let second = reports.join("2025-03-01-2");
    assert!(first.join("report.html").exists() && second.join("manifest.json").exists());
    assert_eq!(
        std::fs::read_link(reports.join("latest")).unwrap(),
        std::path::PathBuf::from("2025-03-01-2")
    );
    let leftovers: Vec<_> = std::fs::read_dir(&reports)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // The manifest names every input with its size, hash and rows, and the config hash.
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(second.join("manifest.json")).unwrap()).unwrap();
    let payments = m["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["file"].as_str().unwrap().ends_with("payments.csv"))
        .unwrap();
    let bytes = std::fs::read(dir.path().join("data/payments.csv")).unwrap();
    assert_eq!(payments["size"], bytes.len());
    assert_eq!(payments["rows_read"], 1);
    // Hashed as read, beside the run (not at the end): the bytes' own SHA-256.
    use sha2::Digest;
    let hex: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(payments["sha256"].as_str().unwrap(), hex);
    let m1: serde_json::Value =
        serde_json::from_slice(&std::fs::read(first.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        m["config_sha256"], m1["config_sha256"],
        "same config, same hash"
    );
    assert_eq!(payments["sha256"], m1["inputs"][2]["sha256"]);
    assert_eq!(m["run"], "2025-03-01-2");

    // A second run while the lock is held exits 75 at once.
    let lock = std::fs::File::open(reports.join("fundaudit.lock")).unwrap();
    lock.lock().unwrap();
    run()
        .assert()
        .code(75)
        .stderr(contains("fundaudit.lock").and(contains("--wait")));
    // --wait with a limit: queues that long, then exits 75 all the same.
    let started = std::time::Instant::now();
    run().args(["--wait", "1s"]).assert().code(75);
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    run().args(["--wait", "soon"]).assert().code(2);
    drop(lock);

    // A finding at or above the configured alert score: exit 3, the run still complete.
    let config = dir.path().join("alert.toml");
    std::fs::write(&config, "[alert]\nscore = 1.0\n").unwrap();
    let mut alerting = run();
    alerting.arg("--config").arg(&config);
    // One finding in this fixture? Make one: a payment after a second allocation is unpaid.
    let mut f = small_fixture();
    f.allocation(
        "A2",
        "低保金",
        "2025Q2",
        "B1",
        "100.00",
        "2025-01-01",
        "2025-01-31",
    );
    f.write(&dir.path().join("data"));
    alerting.assert().code(3);
    assert!(reports.join("2025-03-01-3").join("findings.csv").exists());
}

#[test]
fn structured_log_lines_when_not_a_terminal_and_silence_with_quiet() {
    let dir = tempfile::tempdir().unwrap();
    small_fixture().write(&dir.path().join("data"));
    let run = |quiet: bool| {
        let mut cmd = fundaudit();
        cmd.args(["run", "--as-of", "2025-03-01", "--data"])
            .arg(dir.path().join("data"))
            .arg("--reports")
            .arg(dir.path().join("reports"));
        if quiet {
            cmd.arg("--quiet");
        }
        let out = cmd.assert().success().get_output().clone();
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (_, log) = run(false);
    assert!(
        log.lines()
            .any(|l| l.contains("INFO") && l.contains("stage=\"rules\"")),
        "{log}"
    );
    assert!(log.contains("loading inputs"), "{log}");
    let (stdout, stderr) = run(true);
    assert!(
        stdout.is_empty() && stderr.is_empty(),
        "--quiet: {stdout}{stderr}"
    );
    let log_file = std::fs::read_to_string(dir.path().join("reports/latest/run.log")).unwrap();
    assert!(log_file.contains("INFO stage \"rules\""), "{log_file}");
}

/// 事前筛查: the allocations screened before the bank file goes out. Planted dead,
/// unregistered, invalid-ID and doubly registered beneficiaries are held back; nothing is
/// late, short or paid to a stranger, since nothing has been paid yet.
#[test]
fn screen_holds_allocations_before_payment() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fundaudit()
        .args([
            "generate",
            "--beneficiaries",
            "1500",
            "--seed",
            "8",
            "--projects",
            "--out",
        ])
        .arg(&data)
        .assert()
        .success();
    std::fs::remove_file(data.join("payments.csv")).unwrap();
    let out = dir.path().join("screen");
    let stdout = fundaudit()
        .args(["screen", "--as-of", "2026-03-31", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(stdout).unwrap();
    assert!(
        stdout.starts_with("fundaudit: pre-payment screening"),
        "{stdout}"
    );
    let findings = read_csv(&out.join("findings.csv"));
    let rules: std::collections::BTreeSet<&str> =
        findings.iter().map(|f| f["rule"].as_str()).collect();
    for expected in [
        "GHOST_DECEASED",
        "GHOST_UNREGISTERED",
        "GHOST_INVALID_ID",
        "DUP_PERSON_PERIOD",
    ] {
        assert!(rules.contains(expected), "{expected} in {rules:?}");
    }
    for quiet in [
        "DELAY_LATE",
        "DELAY_UNPAID",
        "PARTIAL_SHORT",
        "DIV_PAYEE_MISMATCH",
    ] {
        assert!(!rules.contains(quiet), "{quiet} in {rules:?}");
    }
    // The projects' money is the night's run's: their files are listed as not read.
    assert!(rules.iter().all(|r| !r.starts_with("PRJ_")), "{rules:?}");
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(
        summary.contains("contracts.csv (project files are not read by a pre-payment screen)"),
        "{summary}"
    );
    // Every allocation a finding names is held, with its reasons.
    let hold = read_csv(&out.join("hold.csv"));
    let held: std::collections::BTreeSet<&str> =
        hold.iter().map(|h| h["allocation_id"].as_str()).collect();
    let flagged: std::collections::BTreeSet<&str> = findings
        .iter()
        .flat_map(|f| f["allocation_ids"].split(';'))
        .filter(|a| !a.is_empty())
        .collect();
    assert_eq!(held, flagged);
    assert!(hold.iter().all(|h| !h["reasons"].is_empty()));
    assert!(
        !dir.path().join("screen.ledger.sqlite").exists(),
        "no case ledger"
    );
}
