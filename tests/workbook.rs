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
