//! findings.xlsx opened back with calamine: its sheets, headers and totals agree with
//! findings.csv.

mod common;

use calamine::{open_workbook_auto, Data, DataType, Reader};
use common::{generate_and_run, read_csv};

#[test]
fn workbook_sheets_headers_and_totals_match_findings_csv() {
    let dir = tempfile::tempdir().unwrap();
    let (_, out) = generate_and_run(dir.path(), 1500, 4, &[]);
    let findings = read_csv(&out.join("findings.csv"));
    let mut book = open_workbook_auto(out.join("findings.xlsx")).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "概览",
            "滞拨滞留",
            "拨付不足额",
            "重复发放",
            "虚报冒领",
            "挪用截留",
            "乡镇一案双查",
            "数字分析"
        ]
    );
    // The digit analysis: one row per township and per program, shares summing to 1.
    let digits = book.worksheet_range("数字分析").unwrap();
    let rows: Vec<_> = digits.rows().skip(1).collect();
    assert!(rows.iter().any(|r| r[0] == "乡镇"));
    assert!(rows.iter().any(|r| r[0] == "补贴项目"));
    for r in &rows {
        let shares: f64 = (6..15).map(|c| r[c].as_f64().unwrap()).sum();
        assert!((shares - 1.0).abs() < 1e-9, "{r:?}");
    }
    let overview = book.worksheet_range("概览").unwrap();
    assert!(matches!(overview.get((1, 0)), Some(Data::String(s)) if s.contains("2026-03-31")));

    let yuan = |s: &str| s.parse::<f64>().unwrap();
    let mut total = 0.0;
    for (sheet, category) in [
        ("滞拨滞留", "delayed"),
        ("拨付不足额", "partial"),
        ("重复发放", "duplicate"),
        ("虚报冒领", "ghost"),
        ("挪用截留", "diverted"),
    ] {
        let range = book.worksheet_range(sheet).unwrap();
        let header: Vec<String> = range
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(header[0], "排名");
        assert_eq!(header[5], "涉及金额(元)");
        assert_eq!(header[13], "问题线索");
        assert_eq!(
            header[14..17],
            ["处置", "备注", "核查人"],
            "columns for officers to fill in"
        );
        assert_eq!(
            header[17], "事实指纹",
            "the facts the officer reads, for review --import"
        );
        let rows: Vec<&[Data]> = range.rows().skip(1).collect();
        let expected: Vec<_> = findings
            .iter()
            .filter(|f| f["category"] == category)
            .collect();
        assert_eq!(rows.len(), expected.len(), "{sheet}");
        assert!(!rows.is_empty(), "{sheet} has findings");
        let sheet_sum: f64 = rows.iter().map(|r| r[5].as_f64().unwrap()).sum();
        let csv_sum: f64 = expected.iter().map(|f| yuan(&f["amount_at_risk"])).sum();
        assert!(
            (sheet_sum - csv_sum).abs() < 0.005,
            "{sheet}: {sheet_sum} vs {csv_sum}"
        );
        // Ranked as in findings.csv.
        let ranks: Vec<f64> = rows.iter().map(|r| r[0].as_f64().unwrap()).collect();
        assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{sheet} ranked");
        assert_eq!(rows[0][1].to_string(), expected[0]["finding_id"]);
        assert_eq!(rows[0][17].to_string(), expected[0]["fingerprint"]);
        total += sheet_sum;
    }
    let towns = book.worksheet_range("乡镇一案双查").unwrap();
    let town_total: f64 = towns.rows().skip(1).map(|r| r[4].as_f64().unwrap()).sum();
    assert!((town_total - total).abs() < 0.01, "{town_total} vs {total}");
    let town_findings: f64 = towns.rows().skip(1).map(|r| r[3].as_f64().unwrap()).sum();
    assert_eq!(town_findings as usize, findings.len());
}

/// worklists.xlsx: per township, the high and medium findings and a seeded sample of
/// clean beneficiaries per village; the same seed draws the same sample; a filled-in
/// worklist imports back into the case ledger.
#[test]
fn worklists_for_the_visits() {
    let dir = tempfile::tempdir().unwrap();
    let (data, out) = generate_and_run(dir.path(), 1500, 4, &[]);
    let findings = read_csv(&out.join("findings.csv"));
    let path = out.join("worklists.xlsx");
    let mut book = open_workbook_auto(&path).unwrap();
    let mut listed = 0;
    let mut samples: Vec<String> = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).unwrap();
        let mut per_village: std::collections::HashMap<String, usize> = Default::default();
        for r in range.rows().skip(1) {
            if r[1] == "抽查" {
                *per_village.entry(r[0].to_string()).or_default() += 1;
                samples.push(r[4].to_string());
            } else {
                listed += 1;
            }
        }
        assert!(
            per_village.values().all(|&n| n <= 2),
            "{name}: {per_village:?}"
        );
    }
    let high_medium = findings
        .iter()
        .filter(|f| f["severity"] == "high" || f["severity"] == "medium")
        .count();
    assert_eq!(listed, high_medium);
    assert!(!samples.is_empty());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert!(manifest["worklist_seed"].as_u64().is_some());
    // The same run again draws the same sample.
    let again = dir.path().join("again");
    common::fundaudit()
        .args([
            "run",
            "--quiet",
            "--no-ledger",
            "--as-of",
            "2026-03-31",
            "--data",
        ])
        .arg(&data)
        .arg("--out")
        .arg(&again)
        .args(common::standards(&data))
        .assert()
        .success();
    let mut book2 = open_workbook_auto(again.join("worklists.xlsx")).unwrap();
    let mut samples2 = Vec::new();
    for name in book2.sheet_names() {
        for r in book2.worksheet_range(&name).unwrap().rows().skip(1) {
            if r[1] == "抽查" {
                samples2.push(r[4].to_string());
            }
        }
    }
    assert_eq!(samples, samples2);
    // A filled-in worklist imports back: the finding row is recorded, the sample row
    // (no finding id) is skipped.
    let filled = dir.path().join("已核查.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet();
    for (c, h) in ["村", "类型", "线索编号", "处置"].iter().enumerate() {
        sheet.write(0, c as u16, *h).unwrap();
    }
    let listed_id =
        findings.iter().find(|f| f["severity"] == "high").unwrap()["finding_id"].clone();
    for (r, (kind, id)) in [("线索", listed_id.as_str()), ("抽查", "")]
        .iter()
        .enumerate()
    {
        let r = r as u32 + 1;
        sheet.write(r, 1, *kind).unwrap();
        sheet.write(r, 2, *id).unwrap();
        sheet.write(r, 3, "属实").unwrap();
    }
    wb.save(&filled).unwrap();
    let ledger = out.with_file_name("out.ledger.sqlite");
    let stdout = common::fundaudit()
        .args(["review", "--import"])
        .arg(&filled)
        .arg("--ledger")
        .arg(&ledger)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8(stdout)
        .unwrap()
        .starts_with("recorded 1 disposition"));
}
