//! Officers' decisions: recorded against what the officer saw, chained, imported all or
//! nothing, counted per set of weights, taken per case, carried into every report.

use std::path::Path;

use rusqlite::Connection;

use super::{fixture, night, review, table};
use crate::common::{fundaudit, read_csv, run_night};

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

/// Officers' decisions on duplicate findings judge the identity weights: `stats
/// --identity` counts how many confirmed and dismissed pairs the weights in use, the
/// weights learned from the registry, and those learned with the decisions would match,
/// and prints the block to adopt.
#[test]
fn identity_stats_count_decisions_under_each_set_of_weights() {
    let dir = tempfile::tempdir().unwrap();
    let (data, reports) = (dir.path().join("data"), dir.path().join("reports"));
    crate::common::generate(&data, 1500, 5, &[]);
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
    let second = crate::common::two_nights(dir.path());
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
    crate::common::generate(&data, 1500, 4, &[]);
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
                statuses.push((r[12].to_string(), r[20].to_string()));
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
