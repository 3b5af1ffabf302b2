//! A ledger in many files, as counties hand them over: monthly bank files in a folder named
//! in Chinese, a roster workbook with one sheet per batch, an overlapping export, files the
//! audit does not use. The findings equal those of the same ledgers as single clean CSVs.

use crate::common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{fundaudit, id_number, read_csv, Fixture};
use rust_xlsxwriter::Workbook;

fn fixture() -> Fixture {
    let mut f = Fixture::one_person();
    for (i, name) in ["刘强", "王芳", "李娜"].iter().enumerate() {
        let n = i as u32 + 2;
        f.person(
            &format!("B{n}"),
            name,
            &id_number(1961, 1, n, n),
            "东村",
            &format!("622848000000000000{n}"),
            "",
        );
    }
    f.allocation(
        "A1",
        "低保金",
        "2025-07",
        "B1",
        "620.00",
        "2025-07-01",
        "2025-07-31",
    )
    .payment(
        "P1",
        "A1",
        "B1",
        "张伟",
        "6228480000000000001",
        "600.00",
        "2025-07-10",
    ); // short
    f.allocation(
        "A2",
        "低保金",
        "2025-07",
        "B2",
        "620.00",
        "2025-07-01",
        "2025-07-31",
    )
    .payment(
        "P2",
        "A2",
        "B2",
        "刘强",
        "6228480000000000002",
        "620.00",
        "2025-07-10",
    );
    f.allocation(
        "A3",
        "低保金",
        "2025-08",
        "B3",
        "620.00",
        "2025-08-01",
        "2025-08-31",
    )
    .payment(
        "P3",
        "A3",
        "B3",
        "王芳",
        "6228480000000000003",
        "620.00",
        "2025-08-05",
    );
    f.allocation(
        "A4",
        "低保金",
        "2025-08",
        "B4",
        "620.00",
        "2025-08-01",
        "2025-08-31",
    ); // unpaid
    f
}

/// CSV text of a header and some of the fixture's rows.
fn csv(header: &str, rows: &[&String]) -> String {
    let mut s = format!("{header}\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

fn workbook(path: &Path, header: &str, sheets: &[(&str, Vec<&String>)]) {
    let mut book = Workbook::new();
    for (name, rows) in sheets {
        let sheet = book.add_worksheet().set_name(*name).unwrap();
        for (j, h) in header.split(',').enumerate() {
            sheet.write(0, j as u16, h).unwrap();
        }
        for (i, r) in rows.iter().enumerate() {
            for (j, v) in r.split(',').enumerate() {
                if !v.is_empty() {
                    sheet.write(i as u32 + 1, j as u16, v).unwrap();
                }
            }
        }
    }
    book.save(path).unwrap();
}

const BEN: &str = "beneficiary_id,name,id_number,township,village,bank_account,death_date";
const PAY: &str =
    "payment_id,allocation_id,beneficiary_id,payee_name,payee_account,amount,paid_date,program";

fn audit(data: &Path, out: &Path) -> (Vec<std::collections::HashMap<String, String>>, String) {
    let output = fundaudit()
        .args(["run", "--as-of", "2025-09-30", "--no-ledger", "--data"])
        .arg(data)
        .arg("--out")
        .arg(out)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    (
        read_csv(&out.join("findings.csv")),
        String::from_utf8(output).unwrap(),
    )
}

fn ids(f: &[std::collections::HashMap<String, String>]) -> BTreeSet<(String, String)> {
    f.iter()
        .map(|f| (f["rule"].clone(), f["finding_id"].clone()))
        .collect()
}

/// The fixture as counties deliver it: the roster in a workbook named in Chinese with one
/// sheet per batch, the allocations as they are, the payments as monthly bank files in a
/// folder 代发/, July's file repeating P2 (an overlapping export).
fn split(f: &Fixture, data: &Path) {
    std::fs::create_dir_all(data.join("代发")).unwrap();
    let b: Vec<&String> = f.beneficiaries.iter().collect();
    workbook(
        &data.join("2025年城关镇低保对象花名册.xlsx"),
        BEN,
        &[("第一批", b[..2].to_vec()), ("第二批", b[2..].to_vec())],
    );
    let p: Vec<&String> = f.payments.iter().collect();
    std::fs::write(data.join("代发/2025-07.csv"), csv(PAY, &[p[0], p[1]])).unwrap();
    std::fs::write(data.join("代发/2025-08.csv"), csv(PAY, &[p[1], p[2]])).unwrap();
    let mut clean = tempfile::tempdir().unwrap().keep();
    clean.push("x");
    f.write(&clean);
    std::fs::copy(clean.join("allocations.csv"), data.join("allocations.csv")).unwrap();
    std::fs::write(data.join("说明.txt"), "本文件夹为2025年7-8月数据").unwrap();
}

#[test]
fn split_and_overlapping_files_give_the_findings_of_one_clean_csv() {
    let dir = tempfile::tempdir().unwrap();
    let (clean, real) = (dir.path().join("clean"), dir.path().join("real"));
    fixture().write(&clean);
    split(&fixture(), &real);
    let (want, _) = audit(&clean, &dir.path().join("o1"));
    let (got, summary) = audit(&real, &dir.path().join("o2"));
    assert!(want.len() >= 2, "{want:?}");
    assert_eq!(ids(&want), ids(&got), "{summary}");
    assert!(
        !got.iter().any(|f| f["rule"].starts_with("DUP")),
        "the repeated row is not a duplicate payment"
    );
    // Both sheets read, both bank files read, the repeat counted once and listed.
    assert!(
        summary.contains("sheet `第一批`") && summary.contains("sheet `第二批`"),
        "{summary}"
    );
    assert!(summary.contains("2025-08.csv"), "{summary}");
    assert!(
        summary.contains("1 repeated from another file (rows 2)"),
        "{summary}"
    );
    assert!(
        summary.contains("not read as a ledger: 说明.txt (its header fits no ledger)"),
        "{summary}"
    );
    // Each finding's raw rows name their file.
    let report = std::fs::read_to_string(dir.path().join("o2/report.html")).unwrap();
    assert!(report.contains("2025-07.csv"));
}

#[test]
fn a_key_with_other_values_in_another_file_is_rejected_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let f = fixture();
    split(&f, &data);
    // August's copy of P2 says another amount.
    let changed = f.payments[1].replace("620.00", "62.00");
    std::fs::write(
        data.join("代发/2025-08.csv"),
        csv(PAY, &[&changed, &f.payments[2]]),
    )
    .unwrap();
    let (_, _) = audit(&data, &dir.path().join("out"));
    let rejects = read_csv(&dir.path().join("out/rejects.csv"));
    let r = rejects
        .iter()
        .find(|r| r["column"] == "payment_id")
        .expect("a reject for P2");
    assert!(r["file"].ends_with("2025-08.csv"), "{r:?}");
    assert!(r["reason"].contains("also in 2025-07.csv row 3"), "{r:?}");
}

/// Runs the audit expecting exit 2; returns what it said.
fn refused(data: &Path, dir: &Path) -> String {
    let out = fundaudit()
        .args(["run", "--quiet", "--no-ledger", "--data"])
        .arg(data)
        .arg("--out")
        .arg(dir.join("out"))
        .assert()
        .code(2);
    String::from_utf8_lossy(&out.get_output().stderr).to_string()
}

#[test]
fn files_of_one_ledger_with_other_columns_exit_2_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let f = fixture();
    f.write(&data);
    // The roster as a folder of two files, the second without the death_date column.
    std::fs::remove_file(data.join("beneficiaries.csv")).unwrap();
    std::fs::create_dir_all(data.join("beneficiaries")).unwrap();
    let b: Vec<&String> = f.beneficiaries.iter().collect();
    std::fs::write(data.join("beneficiaries/a.csv"), csv(BEN, &b[..2])).unwrap();
    let rows: Vec<String> = b[2..]
        .iter()
        .map(|r| r.rsplit_once(',').unwrap().0.to_string())
        .collect();
    let short = BEN.rsplit_once(',').unwrap().0;
    std::fs::write(
        data.join("beneficiaries/b.csv"),
        csv(short, &rows.iter().collect::<Vec<_>>()),
    )
    .unwrap();
    let stderr = refused(&data, dir.path());
    assert!(
        stderr.contains("a.csv has death_date that") && stderr.contains("b.csv lacks"),
        "{stderr}"
    );
}

#[test]
fn a_file_named_for_a_ledger_with_a_missing_column_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let f = fixture();
    split(&f, &data);
    let rows: Vec<String> = f.payments[2..]
        .iter()
        .map(|r| r.rsplit_once(',').unwrap().0.to_string())
        .collect();
    let short = PAY.rsplit_once(',').unwrap().0;
    std::fs::write(
        data.join("代发/2025-08.csv"),
        csv(short, &rows.iter().collect::<Vec<_>>()),
    )
    .unwrap();
    let stderr = refused(&data, dir.path());
    assert!(
        stderr.contains("2025-08.csv: required column `program` is missing"),
        "{stderr}"
    );
}

/// The tired auditor's copy: `东村公示 - 副本.csv` beside `东村公示.csv` (WPS and Windows
/// name a copy so, and it sorts first). The original is read and the copy named as the
/// repeat; a row the original lists twice (a person registered twice, posted once per
/// registration) is its own content and kept twice, not a repeat "from another file".
#[test]
fn a_copy_beside_its_original_is_the_repeat_and_a_row_twice_in_one_file_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fixture().write(&data);
    let header = "姓名,身份证号,村,补贴项目,所属期,金额,公示起止日期";
    let row = |name: &str, n: u32| {
        let id = id_number(1961, 1, n, n);
        format!(
            "{name},{}**********{},东村,低保金,2025-07,500.00,2025-07-01至2025-07-08",
            &id[..4],
            &id[14..]
        )
    };
    let list = [
        row("刘强", 2),
        row("王芳", 3),
        row("王芳", 3),
        row("李娜", 4),
    ]
    .join("\n");
    std::fs::create_dir_all(data.join("notices")).unwrap();
    for name in ["东村公示.csv", "东村公示 - 副本.csv"] {
        std::fs::write(
            data.join("notices").join(name),
            format!("{header}\n{list}\n"),
        )
        .unwrap();
    }
    let out = fundaudit()
        .args(["check", "--data"])
        .arg(&data)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    let line = |file: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(file))
            .unwrap_or_else(|| panic!("no line for {file}: {out}"))
            .to_string()
    };
    let (original, copy) = (line("东村公示.csv"), line("东村公示 - 副本.csv"));
    assert!(original.contains("read         4  used         4"), "{out}");
    assert!(copy.contains("read         0  used         0"), "{out}");
    assert!(
        out.find("东村公示.csv").unwrap() < out.find("东村公示 - 副本.csv").unwrap(),
        "{out}"
    );
    assert!(out.contains("4 repeated from another file"), "{out}");
}
