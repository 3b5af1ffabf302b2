//! Inputs as government offices save them: a merged title row, a 填报单位 row, Chinese
//! headers on row 3 (a group header over 开户行 | 账号 for the bank columns), the data, a
//! 合计 row, a blank row and a 制表人 row. They load with no hand edits and give the
//! findings their clean CSV twin gives; what is not data is counted, not rejected.

use crate::common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{fundaudit, id_number, read_csv, Fixture};
use rust_xlsxwriter::{Format, Workbook};

fn fixture() -> Fixture {
    let mut f = Fixture::one_person();
    f.person(
        "B2",
        "刘强",
        &id_number(1961, 1, 1, 2),
        "城关镇",
        "6228480000000000002",
        "",
    );
    f.allocation(
        "A1",
        "低保金",
        "2025Q3",
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
        "2025Q3",
        "B2",
        "620.00",
        "2025-07-01",
        "2025-07-31",
    ); // unpaid
    f.allocation(
        "A3",
        "低保金",
        "2025Q2",
        "B2",
        "620.00",
        "2025-04-01",
        "2025-04-30",
    )
    .payment(
        "P3",
        "A3",
        "B2",
        "马超",
        "6228480000000009999",
        "620.00",
        "2025-04-10",
    ); // someone else's card
    f
}

/// Chinese headers for a CSV header, and which of them sit under the group header
/// 银行账户信息.
fn chinese(header: &str) -> (&'static str, bool) {
    match header {
        "beneficiary_id" => ("人员编号", false),
        "name" => ("姓名", false),
        "id_number" => ("公民身份号码", false),
        "township" => ("乡镇（街道）", false),
        "village" => ("村（社区）", false),
        "bank_account" => ("账号", true),
        "payee_account" => ("账号", true),
        "death_date" => ("死亡日期", false),
        "allocation_id" => ("清册编号", false),
        "program" => ("补贴项目", false),
        "period" => ("所属期", false),
        "amount" => ("金额", false),
        "funds_received_date" => ("资金到位日期", false),
        "due_date" => ("发放截止日期", false),
        "payment_id" => ("流水号", false),
        "payee_name" => ("收款人姓名", false),
        "paid_date" => ("发放日期", false),
        other => panic!("no Chinese header for {other}"),
    }
}

/// Writes a CSV of the fixture as a government workbook; `total_off` (fen) makes its 合计
/// wrong.
fn gov_workbook(csv: &Path, xlsx: &Path, title: &str, total_off: i64) {
    let text = std::fs::read_to_string(csv).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let bold = Format::new().set_bold();
    let width = header.len() as u16;
    sheet.merge_range(0, 0, 0, width - 1, title, &bold).unwrap();
    sheet.write(1, 0, "填报单位（盖章）：某县财政局").unwrap();
    sheet.write(1, width - 1, "单位：元").unwrap();
    // Row 3: the headers; bank columns under a merged group header, named on row 4.
    let grouped = header.iter().any(|h| chinese(h).1);
    let data_row = if grouped { 4 } else { 3 };
    for (j, h) in header.iter().enumerate() {
        let (name, under_group) = chinese(h);
        if under_group {
            sheet.write(2, j as u16, "银行账户信息").unwrap();
            sheet.write(3, j as u16, name).unwrap();
        } else {
            sheet.write(2, j as u16, name).unwrap();
        }
    }
    let amount = header.iter().position(|h| *h == "amount");
    let mut total = 0i64;
    for (i, row) in rows.iter().enumerate() {
        let r = data_row + i as u32;
        for (j, v) in row.iter().enumerate() {
            if Some(j) == amount {
                let yuan: f64 = v.parse().unwrap();
                total += (yuan * 100.0).round() as i64;
                sheet.write(r, j as u16, yuan).unwrap();
            } else if !v.is_empty() {
                sheet.write(r, j as u16, *v).unwrap();
            }
        }
    }
    let r = data_row + rows.len() as u32;
    sheet.write(r, 0, "合计").unwrap();
    if let Some(a) = amount {
        sheet
            .write(r, a as u16, (total + total_off) as f64 / 100.0)
            .unwrap();
    }
    // A blank row, then the signatures.
    sheet
        .write(
            r + 2,
            0,
            "制表人：张三    审核人：李四    制表日期：2025年10月8日",
        )
        .unwrap();
    book.save(xlsx).unwrap();
}

fn audit(data: &Path, out: &Path) -> (Vec<std::collections::HashMap<String, String>>, String) {
    audit_code(data, out, 0)
}

/// As [`audit`], expecting exit code `code` (4: the inputs look incomplete).
fn audit_code(
    data: &Path,
    out: &Path,
    code: i32,
) -> (Vec<std::collections::HashMap<String, String>>, String) {
    let output = fundaudit()
        .args(["run", "--as-of", "2025-09-30", "--no-ledger", "--data"])
        .arg(data)
        .arg("--out")
        .arg(out)
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    (
        read_csv(&out.join("findings.csv")),
        String::from_utf8(output).unwrap(),
    )
}

fn ids(findings: &[std::collections::HashMap<String, String>]) -> BTreeSet<String> {
    findings.iter().map(|f| f["finding_id"].clone()).collect()
}

#[test]
fn government_workbooks_give_the_findings_of_their_clean_csv() {
    let dir = tempfile::tempdir().unwrap();
    let (clean, gov) = (dir.path().join("clean"), dir.path().join("gov"));
    fixture().write(&clean);
    std::fs::create_dir_all(&gov).unwrap();
    for (stem, title) in [
        (
            "beneficiaries",
            "某县2025年惠民惠农财政补贴资金享受对象花名册",
        ),
        ("allocations", "某县2025年低保金发放清册"),
        ("payments", "某县农商银行2025年低保金代发明细"),
    ] {
        gov_workbook(
            &clean.join(format!("{stem}.csv")),
            &gov.join(format!("{stem}.xlsx")),
            title,
            0,
        );
    }
    let (want, _) = audit(&clean, &dir.path().join("out-clean"));
    let (got, summary) = audit(&gov, &dir.path().join("out-gov"));
    assert!(want.len() >= 3, "the fixture plants findings: {want:?}");
    assert_eq!(ids(&want), ids(&got));
    // The summary shows the title, where the header was, and what was skipped.
    assert!(
        summary.contains("title: 某县2025年惠民惠农财政补贴资金享受对象花名册 / 填报单位（盖章）：某县财政局  单位：元 (header on row 3)"),
        "{summary}"
    );
    assert!(summary.contains("two-row header"), "{summary}");
    assert!(
        summary.contains("skipped, neither data nor rejects: 1 total (rows 7); 1 notes (rows 9); 1 blank (rows 8)"),
        "{summary}"
    );
    assert!(
        summary.contains("rejected       0  (every row accounted for)"),
        "{summary}"
    );
    assert!(!summary.contains("warning"), "totals add up: {summary}");
}

#[test]
fn a_total_that_does_not_add_up_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fixture().write(&data);
    gov_workbook(
        &data.join("payments.csv"),
        &data.join("payments.xlsx"),
        "代发明细",
        -1000,
    );
    std::fs::remove_file(data.join("payments.csv")).unwrap();
    // A total that does not add up is a sign of a broken export: exit 4, and said first.
    let (_, summary) = audit_code(&data, &dir.path().join("out"), 4);
    assert!(
        summary.starts_with("WARNING: the inputs look incomplete"),
        "{summary}"
    );
    assert!(
        summary.contains(
            "row 7: `合计 1210` states 1,210.00 yuan but the rows above add up to 1,220.00 yuan"
        ),
        "{summary}"
    );
}

#[test]
fn a_csv_saved_from_a_workbook_keeps_its_title_rows() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fixture().write(&data);
    let text = std::fs::read_to_string(data.join("beneficiaries.csv")).unwrap();
    std::fs::write(
        data.join("beneficiaries.csv"),
        format!("城关镇低保对象花名册,,,,,,\n填报单位：民政所,,,,,,\n{text}合计：2人,,,,,,\n"),
    )
    .unwrap();
    let (findings, summary) = audit(&data, &dir.path().join("out"));
    assert!(summary.contains("header on row 3"), "{summary}");
    assert!(summary.contains("1 total (rows 6)"), "{summary}");
    assert!(!findings.is_empty());
}

#[test]
fn no_header_row_exits_2_with_the_first_rows() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fixture().write(&data);
    std::fs::write(data.join("payments.csv"), "统计表,,\n甲,乙,丙\n1,2,3\n").unwrap();
    let out = fundaudit()
        .args(["run", "--quiet", "--no-ledger", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("payments.csv: no header row found"),
        "{stderr}"
    );
    assert!(stderr.contains("row 2: 甲 | 乙 | 丙"), "{stderr}");
    assert!(stderr.contains("[columns.payments]"), "{stderr}");
}
