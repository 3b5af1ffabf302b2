//! The case ledger across nights: reruns change nothing but the run record, changed facts
//! are seen as changed, vanished findings as resolved, dismissed findings stay out of the
//! reports until their facts change, dispositions import from an officer's sheet, and a
//! run killed at any point leaves the ledger and reports/latest consistent.

use crate::common;

use std::path::Path;
use std::time::Duration;

use common::{fundaudit, read_csv, run_night, Fixture};
use rusqlite::Connection;

fn fixture() -> Fixture {
    let mut f = Fixture::short_payment();
    f.person(
        "B2",
        "刘强",
        &common::id_number(1961, 1, 1, 2),
        "东村",
        "6228480000000000002",
        "",
    );
    f.allocation(
        "A2",
        "低保金",
        "2025Q1",
        "B2",
        "100.00",
        "2025-01-01",
        "2025-01-31",
    ); // unpaid
    f
}

/// `review ID --status STATUS` by 王科长; what it printed.
fn review(db: &Path, id: &str, status: &str) -> String {
    let out = fundaudit()
        .args([
            "review",
            id,
            "--status",
            status,
            "--by",
            "王科长",
            "--ledger",
        ])
        .arg(db)
        .assert()
        .success();
    String::from_utf8_lossy(&out.get_output().stdout).to_string()
}

fn table(db: &Path, sql: &str) -> Vec<Vec<String>> {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        (0..n)
            .map(|i| {
                r.get::<_, rusqlite::types::Value>(i)
                    .map(|v| format!("{v:?}"))
            })
            .collect()
    })
    .unwrap()
    .map(|r| r.unwrap())
    .collect()
}

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
    let sheet = dir.path().join("核查结果.csv");
    std::fs::write(
        &sheet,
        format!("线索编号,处置,备注,核查人\n{short},属实,补发不足,赵六\n"),
    )
    .unwrap();
    fundaudit()
        .args(["review", "--import"])
        .arg(&sheet)
        .arg("--ledger")
        .arg(&db)
        .assert()
        .success();
    assert_eq!(table(&db, "SELECT status FROM dispositions").len(), 2);
    let stats = fundaudit()
        .args(["stats", "--ledger"])
        .arg(&db)
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
    let filled = dir.path().join("filled.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("拨付不足额").unwrap();
    for (c, h) in ["排名", "线索编号", "处置", "备注", "核查人"]
        .iter()
        .enumerate()
    {
        sheet.write(0, c as u16, *h).unwrap();
    }
    sheet.write(1, 0, 1).unwrap();
    sheet.write(1, 1, short.as_str()).unwrap();
    sheet.write(1, 2, "核查中").unwrap();
    sheet.write(1, 4, "孙七").unwrap();
    book.save(&filled).unwrap();
    fundaudit()
        .args(["review", "--import"])
        .arg(&filled)
        .arg("--ledger")
        .arg(&db)
        .assert()
        .success();
    assert_eq!(
        table(
            &db,
            "SELECT status, by FROM dispositions ORDER BY id DESC LIMIT 1"
        ),
        [["Text(\"investigating\")", "Text(\"孙七\")"]]
    );
}

#[test]
fn a_review_made_on_an_old_report_is_recorded_against_what_the_officer_saw() {
    let dir = tempfile::tempdir().unwrap();
    let (data, reports) = (dir.path().join("data"), dir.path().join("reports"));
    let db = reports.join("ledger.sqlite");
    fixture().write(&data);
    run_night(&data, &reports, "2025-03-01");
    // The officer reads night 1's report (shortfall 1.00)...
    let read = read_csv(&reports.join("latest/findings.csv"));
    let short = read.iter().find(|f| f["rule"] == "PARTIAL_SHORT").unwrap();
    let (id, seen) = (short["finding_id"].clone(), short["fingerprint"].clone());
    // ...while night 2 finds the shortfall grown to 10.00.
    let mut f = fixture();
    f.payments[0] = f.payments[0].replace("99.00", "90.00");
    f.write(&data);
    run_night(&data, &reports, "2025-03-02");
    let out = fundaudit()
        .args([
            "review",
            &id,
            "--status",
            "不属实",
            "--by",
            "王五",
            "--fingerprint",
            &seen,
            "--ledger",
        ])
        .arg(&db)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("the facts changed since the report you read"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("you saw: {seen}: amount 1.00")),
        "{stderr}"
    );
    assert!(stderr.contains("amount 10.00"), "{stderr}");
    assert_eq!(
        table(&db, "SELECT fingerprint FROM dispositions"),
        [[format!("Text(\"{seen}\")")]]
    );
    // The dismissal covers 1.00, not 10.00: the finding stays in the reports.
    run_night(&data, &reports, "2025-03-03");
    let night3 = read_csv(&reports.join("latest/findings.csv"));
    assert!(night3.iter().any(|f| f["finding_id"] == id));
    // The same through an officer's sheet with the report's fingerprint column.
    let sheet = dir.path().join("核查结果.csv");
    std::fs::write(
        &sheet,
        format!("线索编号,处置,事实指纹\n{id},属实,{seen}\n"),
    )
    .unwrap();
    let out = fundaudit()
        .args(["review", "--by", "王五", "--import"])
        .arg(&sheet)
        .arg("--ledger")
        .arg(&db)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains(&format!("{id}: the facts changed")),
        "{stderr}"
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

/// Officers' decisions on duplicate findings judge the identity weights: `stats
/// --identity` counts how many confirmed and dismissed pairs the weights in use, the
/// weights learned from the registry, and those learned with the decisions would match,
/// and prints the block to adopt.
#[test]
fn identity_stats_count_decisions_under_each_set_of_weights() {
    let dir = tempfile::tempdir().unwrap();
    let (data, reports) = (dir.path().join("data"), dir.path().join("reports"));
    common::generate(&data, 1500, 5, &[]);
    run_night(&data, &reports, "2026-03-31");
    let db = reports.join("ledger.sqlite");
    let dups: Vec<_> = read_csv(&reports.join("latest/findings.csv"))
        .into_iter()
        .filter(|f| f["rule"] == "DUP_PERSON_PERIOD" && f["beneficiary_ids"].contains(';'))
        .collect();
    assert!(dups.len() >= 8, "{}", dups.len());
    // Five confirmed, two dismissed (the officer found them two people after all).
    for (f, status) in dups
        .iter()
        .zip(["confirmed"; 5].into_iter().chain(["dismissed"; 2]))
    {
        review(&db, &f["finding_id"], status);
    }
    let out = fundaudit()
        .args(["stats", "--identity", "--ledger"])
        .arg(&db)
        .arg("--data")
        .arg(&data)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    println!("{text}");
    assert!(
        text.contains("5 confirmed and 2 dismissed findings"),
        "{text}"
    );
    // The weights in use made these findings: they match every decided pair.
    let in_use = text.lines().find(|l| l.starts_with("in use")).unwrap();
    let cells: Vec<&str> = in_use.split_whitespace().collect();
    assert!(cells.contains(&"5/5") && cells.contains(&"2/2"), "{in_use}");
    assert!(text
        .lines()
        .any(|l| l.starts_with("learned from the registry")));
    assert!(text
        .lines()
        .any(|l| l.starts_with("learned with the decisions")));
    assert!(
        text.contains("[identity]") && text.contains("2 dismissed pairs from the case ledger"),
        "{text}"
    );
}

/// Cases across nights: a case keeps its id when a member leaves it, comes back as
/// changed when its facts change, takes one decision for all its findings, and `stats`
/// counts cases.
#[test]
fn cases_keep_their_ids_come_back_changed_and_take_one_decision() {
    let dir = tempfile::tempdir().unwrap();
    let second = common::two_nights(dir.path());
    let first = dir.path().join("reports/2026-03-31-1");
    let db = dir.path().join("reports/ledger.sqlite");
    let pooled = |run: &Path| {
        read_csv(&run.join("findings.csv"))
            .into_iter()
            .find(|f| f["rule"] == "DIV_SHARED_ACCOUNT")
            .unwrap()
    };
    let (before, after) = (pooled(&first), pooled(&second));
    assert_eq!(before["finding_id"], after["finding_id"]);
    assert_eq!(after["change"], "changed");
    // The case gained two findings (the allocation that payment paid is now unpaid, and
    // the payment's row is gone from the bank file: DATA_SOURCE_CHANGED): its id stays.
    assert_eq!(before["case_id"], after["case_id"], "the case keeps its id");
    let case_id = after["case_id"].clone();
    let case_row = |run: &Path| {
        read_csv(&run.join("cases.csv"))
            .into_iter()
            .find(|c| c["case_id"] == case_id)
            .unwrap()
    };
    let (c1, c2) = (case_row(&first), case_row(&second));
    assert_eq!(
        c2["findings"].parse::<usize>().unwrap(),
        c1["findings"].parse::<usize>().unwrap() + 2
    );
    assert!(c2["rules"].contains("DELAY_UNPAID") && !c1["rules"].contains("DELAY_UNPAID"));
    assert!(c2["rules"].contains("DATA_SOURCE_CHANGED"));
    assert_eq!(c1["change"], "new");
    assert_eq!(
        c2["change"], "changed",
        "a case whose facts changed comes back as changed"
    );
    // … and says what changed: its new findings and the changed one, by id.
    assert!(c1["change_detail"].is_empty(), "{}", c1["change_detail"]);
    let detail = &c2["change_detail"];
    assert!(
        detail.contains("新增线索")
            && detail.contains("有变化线索")
            && detail.contains(after["finding_id"].as_str()),
        "{detail}"
    );
    assert!(c2["summary"].contains("收取") && c2["summary"].contains("同一笔资金只计一次"));

    // One decision for the case: every open finding of it.
    let said = review(&db, &case_id, "属实");
    let members: Vec<String> = c2["finding_ids"].split(';').map(String::from).collect();
    assert!(
        said.contains(&format!("{} finding(s)", members.len())),
        "{said}"
    );
    let decided = table(
        &db,
        &format!("SELECT DISTINCT finding_id FROM dispositions WHERE status = 'confirmed' AND finding_id IN ('{}')", members.join("','")),
    );
    assert_eq!(decided.len(), members.len());
    let stats = fundaudit()
        .args(["stats", "--ledger"])
        .arg(&db)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&stats.get_output().stdout).to_string();
    assert!(
        text.contains("investigating 0  confirmed 1  dismissed 0"),
        "{text}"
    );
    // A fingerprint names one finding's facts, not a case's.
    fundaudit()
        .args([
            "review",
            &case_id,
            "--status",
            "dismissed",
            "--fingerprint",
            "x",
            "--ledger",
        ])
        .arg(&db)
        .assert()
        .code(2);
}

/// A nightly run into `reports`, its exit code and stderr.
fn night(data: &Path, reports: &Path) -> (i32, String) {
    let out = fundaudit()
        .args(["run", "--quiet", "--as-of", "2025-03-01", "--data"])
        .arg(data)
        .arg("--reports")
        .arg(reports)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// Issue 34: a decision inserted into the ledger by hand removed a finding from every
/// report; a made-up status counted as reviewed. Decisions are chained by hash: a row
/// that does not follow is a data-integrity warning (exit 4) and is not applied.
#[test]
fn a_decision_inserted_by_hand_breaks_the_chain_and_is_not_applied() {
    for (status, by) in [("dismissed", "某人"), ("whatever", "某人")] {
        let dir = tempfile::tempdir().unwrap();
        let (data, reports) = (dir.path().join("data"), dir.path().join("reports"));
        let db = reports.join("ledger.sqlite");
        fixture().write(&data);
        run_night(&data, &reports, "2025-03-01");
        let first = read_csv(&reports.join("latest/findings.csv"));
        let target = first[0]["finding_id"].clone();
        // An honest decision on the other finding, through fundaudit.
        review(&db, &first[1]["finding_id"], "investigating");
        let conn = Connection::open(&db).unwrap();
        conn.execute(
            "INSERT INTO dispositions (finding_id, status, note, by, at, fingerprint) VALUES (?1, ?2, '', ?3, '2025-03-02', '')",
            rusqlite::params![target, status, by],
        )
        .unwrap();
        drop(conn);
        let (code, _) = night(&data, &reports);
        assert_eq!(
            code, 4,
            "a broken chain makes the night not clean ({status})"
        );
        let again = read_csv(&reports.join("latest/findings.csv"));
        assert!(
            again.iter().any(|f| f["finding_id"] == target),
            "the hand-made {status} hid the finding"
        );
        let summary = std::fs::read_to_string(reports.join("latest/summary.json")).unwrap();
        assert!(summary.contains("data integrity"), "{summary}");
        // Deleting a decision is refused by the ledger itself.
        let conn = Connection::open(&db).unwrap();
        assert!(conn.execute("DELETE FROM dispositions", []).is_err());
    }
}

#[test]
fn a_review_says_who_decided_and_an_import_is_all_or_nothing_and_once() {
    let dir = tempfile::tempdir().unwrap();
    let (data, reports) = (dir.path().join("data"), dir.path().join("reports"));
    let db = reports.join("ledger.sqlite");
    fixture().write(&data);
    run_night(&data, &reports, "2025-03-01");
    let ids: Vec<String> = read_csv(&reports.join("latest/findings.csv"))
        .iter()
        .map(|f| f["finding_id"].clone())
        .collect();
    // Without --by: refused, nothing recorded.
    fundaudit()
        .args(["review", &ids[0], "--status", "dismissed", "--ledger"])
        .arg(&db)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--by"));
    assert!(table(&db, "SELECT id FROM dispositions").is_empty());

    // A bad second row: the first is not recorded either.
    let sheet = dir.path().join("核查结果.csv");
    let write_sheet = |second: &str| {
        let text = format!(
            "线索编号,处置,核查人\n{},属实,赵六\n{},{second}\n",
            ids[0], ids[1]
        );
        std::fs::write(&sheet, text).unwrap();
    };
    let import = || {
        let mut cmd = fundaudit();
        cmd.args(["review", "--import"])
            .arg(&sheet)
            .arg("--ledger")
            .arg(&db);
        cmd
    };
    let refused_saying = |said: &str| {
        import()
            .assert()
            .code(2)
            .stderr(predicates::str::contains(said));
        assert!(table(&db, "SELECT id FROM dispositions").is_empty());
    };
    write_sheet("随便,赵六");
    refused_saying("row 3");

    // A row without 核查人 and no --by: refused; the corrected file imports once.
    write_sheet("不属实,");
    refused_saying("核查人");
    import().arg("--by").arg("钱七").assert().success();
    assert_eq!(table(&db, "SELECT id FROM dispositions").len(), 2);
    import()
        .arg("--by")
        .arg("钱七")
        .assert()
        .success()
        .stdout(predicates::str::contains("2 already recorded"));
    assert_eq!(table(&db, "SELECT id FROM dispositions").len(), 2);
    assert_eq!(
        table(&db, "SELECT by FROM dispositions ORDER BY id"),
        [["Text(\"赵六\")"], ["Text(\"钱七\")"]]
    );
}

/// A reader holding the ledger open (a spreadsheet's link, `sqlite3`) made the night's
/// run exit 2 with "database is locked". With write-ahead logging it never blocks.
#[test]
fn a_reader_never_blocks_the_night_and_a_damaged_ledger_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let (data, reports) = (dir.path().join("data"), dir.path().join("reports"));
    let db = reports.join("ledger.sqlite");
    fixture().write(&data);
    run_night(&data, &reports, "2025-03-01");
    let reader = Connection::open(&db).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let n: i64 = reader
        .query_row("SELECT count(*) FROM findings", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2);
    let (code, stderr) = night(&data, &reports);
    assert!(matches!(code, 0 | 3), "exit {code}: {stderr}");
    reader.execute_batch("COMMIT").unwrap();
    drop(reader);

    // Another writer holding the ledger past the busy timeout: exit 75 (retry), not 2.
    let writer = Connection::open(&db).unwrap();
    writer.execute_batch("BEGIN IMMEDIATE").unwrap();
    let (code, stderr) = night(&data, &reports);
    assert_eq!(code, 75, "{stderr}");
    writer.execute_batch("ROLLBACK").unwrap();
    drop(writer);

    // A damaged ledger: the message names the next step.
    let _ = std::fs::remove_file(reports.join("ledger.sqlite-wal"));
    let _ = std::fs::remove_file(reports.join("ledger.sqlite-shm"));
    let mut bytes = std::fs::read(&db).unwrap();
    for b in bytes.iter_mut().skip(100).take(4000) {
        *b = 0xAB;
    }
    std::fs::write(&db, bytes).unwrap();
    let (code, stderr) = night(&data, &reports);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("--no-ledger") && stderr.contains("backup"),
        "{stderr}"
    );
}

fn summary_changes(run: &Path) -> serde_json::Value {
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).unwrap()).unwrap();
    s["changes"].clone()
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
    common::generate(&data, 1500, 4, &[]);
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

/// Decisions carried through (issue 26): the next night's findings.csv, workbook and
/// report.html carry each decision (status, note, reviewer, when); decided findings
/// leave the worklists; dismissed ones are listed with who and why; money recovered
/// per case and cases under review are counted by `stats`.
#[test]
fn decisions_reach_every_report_and_leave_the_worklists() {
    use calamine::{open_workbook_auto, Reader};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let reports = dir.path().join("reports");
    let db = reports.join("ledger.sqlite");
    common::generate(&data, 1500, 4, &[]);
    run_night(&data, &reports, "2026-03-31");
    let first = read_csv(&reports.join("latest/findings.csv"));
    // Three high or medium findings of three different cases, not an official's.
    let mut picked: Vec<&std::collections::HashMap<String, String>> = Vec::new();
    for f in &first {
        let visit = f["severity"] != "low" && !f["refs"].contains("officials:");
        if visit && picked.iter().all(|p| p["case_id"] != f["case_id"]) {
            picked.push(f);
        }
        if picked.len() == 3 {
            break;
        }
    }
    let (confirmed, investigating, dismissed) = (picked[0], picked[1], picked[2]);
    review(&db, &confirmed["finding_id"], "属实");
    review(&db, &investigating["finding_id"], "核查中");
    fundaudit()
        .args(["review", &dismissed["finding_id"], "--status", "dismissed"])
        .args(["--by", "李核查员", "--note", "系同名不同人，已入户核实"])
        .arg("--ledger")
        .arg(&db)
        .assert()
        .success();
    let said = fundaudit()
        .args(["review", &confirmed["case_id"], "--recovered", "1200.50"])
        .args(["--by", "王科长", "--note", "已追回"])
        .arg("--ledger")
        .arg(&db)
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&said.get_output().stdout).contains("1,200.50 yuan recovered"));

    run_night(&data, &reports, "2026-03-31");
    let latest = reports.join("latest");
    let second = read_csv(&latest.join("findings.csv"));
    let row = |id: &str| second.iter().find(|f| f["finding_id"] == id);
    let c = row(&confirmed["finding_id"]).expect("confirmed stays listed");
    assert_eq!(
        (c["status"].as_str(), c["reviewer"].as_str()),
        ("confirmed", "王科长")
    );
    assert!(!c["reviewed_at"].is_empty());
    assert_eq!(
        row(&investigating["finding_id"]).unwrap()["status"],
        "investigating"
    );
    assert!(
        row(&dismissed["finding_id"]).is_none(),
        "dismissed, facts unchanged: left out"
    );
    let undecided = second.iter().filter(|f| f["status"].is_empty()).count();
    assert_eq!(undecided, second.len() - 2);

    // The workbook: decisions in the 处置/备注/核查人 columns, the dismissed listed.
    let mut book = open_workbook_auto(latest.join("findings.xlsx")).unwrap();
    let mut statuses = Vec::new();
    for name in ["滞拨滞留", "拨付不足额", "重复发放", "虚报冒领", "挪用截留"]
    {
        let range = book.worksheet_range(name).unwrap();
        for r in range.rows().skip(1) {
            if r[1].to_string() == confirmed["finding_id"]
                || r[1].to_string() == investigating["finding_id"]
            {
                statuses.push((r[17].to_string(), r[19].to_string()));
            }
        }
    }
    statuses.sort();
    assert_eq!(
        statuses,
        [
            ("属实".to_string(), "王科长".to_string()),
            ("核查中".to_string(), "王科长".to_string())
        ]
    );
    let gone = book.worksheet_range("已排除").unwrap();
    let listed: Vec<String> = gone
        .rows()
        .skip(1)
        .map(|r| {
            r.iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect();
    assert!(
        listed
            .iter()
            .any(|l| l.contains(dismissed["finding_id"].as_str())
                && l.contains("李核查员")
                && l.contains("系同名不同人")),
        "{listed:?}"
    );
    assert!(listed
        .iter()
        .any(|l| l.contains(confirmed["case_id"].as_str()) && l.contains("1200.5")));

    // The worklists: no decided finding goes to the villages again.
    let mut wl = open_workbook_auto(latest.join("worklists.xlsx")).unwrap();
    for name in wl.sheet_names() {
        for r in wl.worksheet_range(&name).unwrap().rows().skip(1) {
            let id = r[2].to_string();
            assert!(
                id != confirmed["finding_id"] && id != investigating["finding_id"],
                "{id} on {name}"
            );
        }
    }
    // The web report carries the decisions.
    let html = std::fs::read_to_string(latest.join("report.html")).unwrap();
    assert!(html.contains("\"investigating\"") && html.contains("李核查员"));

    // stats: a case under review is not open, nor confirmed; the dismissed case is not
    // open; money recovered is counted.
    let out = fundaudit()
        .args(["stats", "--ledger"])
        .arg(&db)
        .assert()
        .success();
    let stats = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let line = stats.lines().find(|l| l.starts_with("cases:")).unwrap();
    assert!(line.contains("investigating 1"), "{line}");
    assert!(line.contains("confirmed 1"), "{line}");
    assert!(line.contains("dismissed 1"), "{line}");
    assert!(line.contains("recovered 1,200.50 yuan"), "{line}");
}
