//! Night after night: findings new, persisting, changed, resolved; a killed run; coverage
//! that collapses; source rows deleted or edited since the last night.

use std::path::Path;
use std::time::Duration;

use super::{fixture, summary_changes, table};
use crate::common::{fundaudit, read_csv, run_night, Fixture};

#[test]
fn nights_new_persisting_changed_resolved_and_dismissed() {
    let dir = tempfile::tempdir().unwrap();
    let (data, reports) = (dir.path().join("data"), dir.path().join("reports"));
    let db = reports.join("ledger.sqlite");
    fixture().write(&data);

    run_night(&data, &reports, "2025-03-01");
    let first = read_csv(&reports.join("latest/findings.csv"));
    assert_eq!(first.len(), 2);
    assert!(first.iter().all(|f| f["change"] == "new"));
    let before = table(&db, "SELECT * FROM findings ORDER BY finding_id");

    // The same night again: same ids, nothing changes but the run record.
    run_night(&data, &reports, "2025-03-01");
    let again = read_csv(&reports.join("latest/findings.csv"));
    let ids = |v: &[std::collections::HashMap<String, String>]| {
        let mut x: Vec<String> = v.iter().map(|f| f["finding_id"].clone()).collect();
        x.sort();
        x
    };
    assert_eq!(ids(&first), ids(&again));
    assert!(again.iter().all(|f| f["change"] == "persisting"));
    assert_eq!(
        before,
        table(&db, "SELECT * FROM findings ORDER BY finding_id")
    );
    assert_eq!(table(&db, "SELECT run FROM runs").len(), 2);

    // Next night: the short payment is shorter (changed, listed first), the unpaid one
    // is paid in full (resolved), and a new problem appears.
    let mut f = fixture();
    f.payments[0] = f.payments[0].replace("99.00", "90.00");
    f.payment(
        "P2",
        "A2",
        "B2",
        "刘强",
        "6228480000000000002",
        "100.00",
        "2025-01-20",
    );
    f.payment(
        "P9",
        "",
        "B2",
        "刘强",
        "6228480000000000002",
        "50.00",
        "2025-02-20",
    );
    f.write(&data);
    run_night(&data, &reports, "2025-03-02");
    let night2 = read_csv(&reports.join("latest/findings.csv"));
    let changes: Vec<(&str, &str)> = night2
        .iter()
        .map(|f| (f["rule"].as_str(), f["change"].as_str()))
        .collect();
    // P1's amount was edited since the night that flagged it: that is a finding too
    // (DATA_SOURCE_CHANGED, shown as it was and as it is).
    assert_eq!(
        changes,
        [
            ("DATA_SOURCE_CHANGED", "new"),
            ("DIV_NO_ALLOCATION", "new"),
            ("PARTIAL_SHORT", "changed")
        ],
        "new and changed first"
    );
    let resolved = table(&db, "SELECT rule FROM findings WHERE status = 'resolved'");
    assert_eq!(resolved, [["Text(\"DELAY_UNPAID\")"]]);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(reports.join("latest/summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["ledger"]["resolved"], 1);

    // An officer dismisses the shortfall (不属实): it leaves the reports while its facts
    // stay the same, and comes back when they change.
    let short = night2
        .iter()
        .find(|f| f["rule"] == "PARTIAL_SHORT")
        .unwrap()["finding_id"]
        .clone();
    fundaudit()
        .args([
            "review",
            &short,
            "--status",
            "不属实",
            "--note",
            "银行退汇后已补发",
            "--by",
            "王五",
            "--ledger",
        ])
        .arg(&db)
        .assert()
        .success();
    run_night(&data, &reports, "2025-03-03");
    let night3 = read_csv(&reports.join("latest/findings.csv"));
    assert!(
        night3.iter().all(|f| f["finding_id"] != short),
        "dismissed, same facts: not shown"
    );
    let mut f2 = fixture();
    f2.payments[0] = f2.payments[0].replace("99.00", "80.00");
    f2.payment(
        "P2",
        "A2",
        "B2",
        "刘强",
        "6228480000000000002",
        "100.00",
        "2025-01-20",
    );
    f2.write(&data);
    run_night(&data, &reports, "2025-03-04");
    let night4 = read_csv(&reports.join("latest/findings.csv"));
    let back = night4
        .iter()
        .find(|f| f["finding_id"] == short)
        .expect("facts changed: shown again");
    assert_eq!(back["change"], "changed");
    // Every disposition is kept, with who and when.
    let kept = table(&db, "SELECT status, by, note FROM dispositions");
    assert_eq!(
        kept,
        [[
            "Text(\"dismissed\")",
            "Text(\"王五\")",
            "Text(\"银行退汇后已补发\")"
        ]]
    );

    // Dispositions imported from an officer's sheet; stats count them.
    imports_are_recorded_and_counted(dir.path(), &db, &short);
}

/// The officer's sheet (CSV, then the workbook findings.xlsx comes as, filled in) imported
/// into the ledger, and `stats` counting the decisions.
fn imports_are_recorded_and_counted(dir: &Path, db: &Path, short: &str) {
    let sheet = dir.join("核查结果.csv");
    std::fs::write(
        &sheet,
        format!("线索编号,处置,备注,核查人\n{short},属实,补发不足,赵六\n"),
    )
    .unwrap();
    fundaudit()
        .args(["review", "--import"])
        .arg(&sheet)
        .arg("--ledger")
        .arg(db)
        .assert()
        .success();
    assert_eq!(table(db, "SELECT status FROM dispositions").len(), 2);
    let stats = fundaudit()
        .args(["stats", "--ledger"])
        .arg(db)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let stats = String::from_utf8(stats).unwrap();
    let line = stats
        .lines()
        .find(|l| l.starts_with("PARTIAL_SHORT"))
        .unwrap();
    let cols: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(cols[1..5], ["1", "1", "1", "0"], "{stats}");
    assert!(line.contains("100%"), "{stats}");
    // And from a workbook: findings.xlsx comes with 处置/备注/核查人 columns to fill in.
    let filled = dir.join("filled.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("拨付不足额").unwrap();
    for (c, h) in ["排名", "线索编号", "处置", "备注", "核查人"]
        .iter()
        .enumerate()
    {
        sheet.write(0, c as u16, *h).unwrap();
    }
    sheet.write(1, 0, 1).unwrap();
    sheet.write(1, 1, short).unwrap();
    sheet.write(1, 2, "核查中").unwrap();
    sheet.write(1, 4, "孙七").unwrap();
    book.save(&filled).unwrap();
    fundaudit()
        .args(["review", "--import"])
        .arg(&filled)
        .arg("--ledger")
        .arg(db)
        .assert()
        .success();
    assert_eq!(
        table(
            db,
            "SELECT status, by FROM dispositions ORDER BY id DESC LIMIT 1"
        ),
        [["Text(\"investigating\")", "Text(\"孙七\")"]]
    );
}

#[test]
fn a_killed_run_leaves_ledger_and_latest_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let (data, reports) = (dir.path().join("data"), dir.path().join("reports"));
    fundaudit()
        .args([
            "generate",
            "--beneficiaries",
            "20000",
            "--seed",
            "3",
            "--out",
        ])
        .arg(&data)
        .assert()
        .success();
    run_night(&data, &reports, "2026-03-31");
    let bin = assert_cmd::cargo::cargo_bin("fundaudit");
    // Kill at spread-out moments: while loading, matching, writing, renaming.
    for delay_ms in [20u64, 120, 250, 400, 600, 900] {
        let mut child = std::process::Command::new(&bin)
            .args(["run", "--quiet", "--as-of", "2026-03-31", "--data"])
            .arg(&data)
            .arg("--reports")
            .arg(&reports)
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // latest always points at a complete run.
        let latest = reports.join("latest");
        assert!(
            latest.join("manifest.json").exists(),
            "after a kill at {delay_ms} ms latest is complete"
        );
        assert!(read_csv(&latest.join("findings.csv")).len() > 10);
        // The ledger is a sound database.
        let check = table(&reports.join("ledger.sqlite"), "PRAGMA integrity_check");
        assert_eq!(check, [["Text(\"ok\")"]]);
    }
    // And the next run completes.
    run_night(&data, &reports, "2026-03-31");
    assert!(reports.join("latest/manifest.json").exists());
}

#[test]
fn a_night_whose_coverage_collapses_against_the_last_is_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    let (data, reports) = (dir.path().join("data"), dir.path().join("reports"));
    let config = dir.path().join("c.toml");
    std::fs::write(&config, "[completeness]\nmin_allocations = 2\n").unwrap();
    let county = |paid: usize| {
        let mut f = Fixture::one_person();
        for n in 1..=4 {
            let a = format!("A{n}");
            f.allocation(
                &a,
                "低保金",
                "2025Q1",
                "B1",
                "100.00",
                "2025-01-01",
                "2025-01-31",
            );
            if n <= paid {
                f.payment(
                    &format!("P{n}"),
                    &a,
                    "B1",
                    "张伟",
                    "6228480000000000001",
                    "100.00",
                    "2025-01-10",
                );
            }
        }
        f
    };
    let night = |paid: usize, code: i32| {
        county(paid).write(&data);
        fundaudit()
            .args(["run", "--as-of", "2025-06-30", "--config"])
            .arg(&config)
            .arg("--data")
            .arg(&data)
            .arg("--reports")
            .arg(&reports)
            .assert()
            .code(code)
            .get_output()
            .stdout
            .clone()
    };
    night(4, 0);
    // One payment of four came through: the other three look unpaid, but next to a night
    // when all four were paid that is more likely a broken export.
    let out = String::from_utf8(night(1, 4)).unwrap();
    assert!(
        out.starts_with("WARNING: the inputs look incomplete"),
        "{out}"
    );
    assert!(
        out.contains("低保金2025Q1：应发分配单中有发放记录的占25%（1/4），上次运行为100%（4/4）"),
        "{out}"
    );
}

/// 本期变化 over four nights (issue 26): a lead whose bank rows are deleted does not just
/// vanish as if put right — DATA_SOURCE_CHANGED lists the rows as they were, the lead is
/// resolved "because its rows were deleted"; the next night it persists (one finding,
/// not one a night); once the rows come back it resolves as restored.
#[test]
fn deleted_source_rows_are_a_finding_night_after_night_until_they_return() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let reports = dir.path().join("reports");
    crate::common::generate(&data, 1500, 4, &[]);
    let payments = data.join("payments.csv");
    let original = std::fs::read_to_string(&payments).unwrap();

    // Night 1: a dead man still paid.
    run_night(&data, &reports, "2026-03-31");
    let first = read_csv(&reports.join("latest/findings.csv"));
    let ghost = first
        .iter()
        .find(|f| f["rule"] == "GHOST_DECEASED" && !f["payment_ids"].is_empty())
        .expect("a dead man paid");
    let deleted: Vec<String> = ghost["payment_ids"]
        .split(';')
        .map(str::to_string)
        .collect();
    assert!(first.iter().all(|f| f["rule"] != "DATA_SOURCE_CHANGED"));

    // Night 2: his posthumous payments deleted from the bank file.
    let kept: Vec<&str> = original
        .lines()
        .filter(|l| !deleted.iter().any(|id| l.starts_with(&format!("{id},"))))
        .collect();
    assert_eq!(kept.len() + deleted.len(), original.lines().count());
    std::fs::write(&payments, kept.join("\n") + "\n").unwrap();
    run_night(&data, &reports, "2026-03-31");
    let second = read_csv(&reports.join("latest/findings.csv"));
    assert!(second
        .iter()
        .all(|f| f["finding_id"] != ghost["finding_id"]));
    let changed: Vec<_> = second
        .iter()
        .filter(|f| f["rule"] == "DATA_SOURCE_CHANGED")
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    let dsc = changed[0];
    assert_eq!(dsc["change"], "new");
    assert_eq!(dsc["payment_ids"], ghost["payment_ids"]);
    assert_eq!(dsc["amount_at_risk"], ghost["amount_at_risk"]);
    assert!(
        dsc["refs"]
            .split(';')
            .any(|r| r == format!("finding:{}", ghost["finding_id"])),
        "{}",
        dsc["refs"]
    );
    assert_eq!(dsc["township"], ghost["township"]);
    for id in &deleted {
        assert!(
            dsc["evidence"].contains(&format!("代发记录{id}（")),
            "{}",
            dsc["evidence"]
        );
    }
    assert!(dsc["evidence"].contains("已删除"));
    let night = summary_changes(&reports.join("latest"));
    let resolved = night["resolved"].as_array().unwrap();
    let gone = resolved
        .iter()
        .find(|r| r["finding_id"] == ghost["finding_id"].as_str())
        .expect("the ghost is resolved");
    assert_eq!(gone["why"], "source_changed");
    assert!(gone["why_zh"]
        .as_str()
        .unwrap()
        .contains("原始记录被删除或修改"));

    // Night 3: nothing restored: the same finding, persisting.
    run_night(&data, &reports, "2026-03-31");
    let third = read_csv(&reports.join("latest/findings.csv"));
    let again: Vec<_> = third
        .iter()
        .filter(|f| f["rule"] == "DATA_SOURCE_CHANGED")
        .collect();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0]["finding_id"], dsc["finding_id"]);
    assert_eq!(again[0]["change"], "persisting");

    // Night 4: the rows are back: the ghost returns, the data-change finding resolves as
    // restored.
    std::fs::write(&payments, &original).unwrap();
    run_night(&data, &reports, "2026-03-31");
    let fourth = read_csv(&reports.join("latest/findings.csv"));
    assert!(fourth.iter().all(|f| f["rule"] != "DATA_SOURCE_CHANGED"));
    assert!(fourth
        .iter()
        .any(|f| f["finding_id"] == ghost["finding_id"]));
    let night = summary_changes(&reports.join("latest"));
    let restored = night["resolved"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["finding_id"] == dsc["finding_id"].as_str())
        .expect("the data-change finding resolves");
    assert!(restored["why_zh"].as_str().unwrap().contains("已恢复"));
}

/// A payment's amount edited after the night that flagged it is a data change too, said
/// with the row before and after (back-dating and editing are how a scheme is covered).
#[test]
fn an_edited_source_row_is_shown_as_it_was_and_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let reports = dir.path().join("reports");
    let mut f = fixture();
    f.write(&data);
    run_night(&data, &reports, "2025-03-31");
    let first = read_csv(&reports.join("latest/findings.csv"));
    let short = first
        .iter()
        .find(|f| f["rule"] == "PARTIAL_SHORT")
        .expect("a short payment");
    // The payment is back-dated and made whole in the file, as if nothing happened.
    f.payments[0] = f.payments[0].replace("99.00,2025-01-10", "100.00,2024-12-31");
    f.write(&data);
    run_night(&data, &reports, "2025-03-31");
    let second = read_csv(&reports.join("latest/findings.csv"));
    let dsc = second
        .iter()
        .find(|f| f["rule"] == "DATA_SOURCE_CHANGED")
        .expect("the edit is a finding");
    assert!(dsc["refs"].contains(&format!("finding:{}", short["finding_id"])));
    assert!(
        dsc["evidence"].contains("（2025-01-10，99.00元")
            && dsc["evidence"].contains("已改为代发记录P1（2024-12-31，100.00元"),
        "{}",
        dsc["evidence"]
    );
}

/// The ledger holds officers' notes and the people under review: owner-only, as the run's
/// files are, and narrowed when an earlier version left it readable by others.
#[cfg(unix)]
#[test]
fn the_case_ledger_is_owner_only_like_the_run_files() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (data, reports) = (dir.path().join("data"), dir.path().join("reports"));
    let db = reports.join("ledger.sqlite");
    fixture().write(&data);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;

    run_night(&data, &reports, "2025-03-01");
    assert_eq!(mode(&db), 0o600, "a new ledger");
    for companion in [
        "ledger.sqlite-wal",
        "ledger.sqlite-shm",
        "ledger.sqlite-journal",
    ] {
        let p = reports.join(companion);
        if p.exists() {
            assert_eq!(mode(&p), 0o600, "{companion}");
        }
    }
    let findings = table(&db, "SELECT finding_id FROM findings ORDER BY finding_id");
    assert!(!findings.is_empty());

    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    run_night(&data, &reports, "2025-03-01");
    assert_eq!(mode(&db), 0o600, "a ledger left readable by others");
    assert_eq!(
        findings,
        table(&db, "SELECT finding_id FROM findings ORDER BY finding_id"),
        "narrowed, not recreated"
    );
}

/// Issue 29: a case's id is its smallest finding's (findings' ids hash what they are
/// about), so it is the same whether the run keeps a ledger or not — on a first night,
/// and on every night after while the case's findings stand. (When a case gains a
/// smaller finding or loses its smallest, the ledger keeps the id officers already use,
/// which a run without the ledger cannot know: see docs/operation.md.)
#[test]
fn case_ids_are_the_same_with_or_without_a_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    crate::common::generate(&data, 1500, 4, &[]);
    let ids = |out: &Path| -> Vec<String> {
        let mut ids: Vec<String> = read_csv(&out.join("cases.csv"))
            .into_iter()
            .map(|c| c["case_id"].clone())
            .collect();
        ids.sort();
        ids
    };
    let without = dir.path().join("without");
    crate::common::run_cmd(&data, &without)
        .assert()
        .code(predicates::ord::lt(5));
    let ledger = dir.path().join("ledger.sqlite");
    for night in 1..=2 {
        let with = dir.path().join(format!("with{night}"));
        fundaudit()
            .args(["run", "--quiet", "--as-of", "2026-03-31", "--data"])
            .arg(&data)
            .arg("--ledger")
            .arg(&ledger)
            .arg("--out")
            .arg(&with)
            .assert()
            .code(predicates::ord::lt(5));
        assert!(ledger.exists(), "the run kept its ledger");
        assert_eq!(ids(&with), ids(&without), "night {night}");
        assert!(ids(&with).len() > 50);
    }
}

/// A project's money deleted from the disbursement records is a DATA_SOURCE_CHANGED
/// finding the next night, as a bank row is: a payment onto a villager's card does not
/// vanish as if put right.
#[test]
fn a_deleted_project_payment_is_a_source_change_the_next_night() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let reports = dir.path().join("reports");
    crate::common::generate(&data, 1500, 4, &["--projects"]);
    run_night(&data, &reports, "2026-03-31");
    let first = read_csv(&reports.join("latest/findings.csv"));
    let stray = first
        .iter()
        .find(|f| f["rule"] == "PRJ_PAYEE_NOT_CONTRACTOR")
        .expect("project money on a person's card");
    let deleted: Vec<String> = stray["payment_ids"]
        .split(';')
        .map(str::to_string)
        .collect();
    let path = data.join("project_payments.csv");
    let original = std::fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = original
        .lines()
        .filter(|l| !deleted.iter().any(|id| l.starts_with(&format!("{id},"))))
        .collect();
    assert_eq!(kept.len() + deleted.len(), original.lines().count());
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    run_night(&data, &reports, "2026-03-31");
    let second = read_csv(&reports.join("latest/findings.csv"));
    assert!(second
        .iter()
        .all(|f| f["finding_id"] != stray["finding_id"]));
    let changed: Vec<_> = second
        .iter()
        .filter(|f| f["rule"] == "DATA_SOURCE_CHANGED")
        .filter(|f| {
            f["refs"]
                .split(';')
                .any(|r| r == format!("finding:{}", stray["finding_id"]))
        })
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    for id in &deleted {
        assert!(
            changed[0]["evidence"].contains(&format!("项目拨付{id}（")),
            "{}",
            changed[0]["evidence"]
        );
    }
}
