//! findings.xlsx opened back with calamine: its sheets, headers and totals agree with
//! findings.csv; every block titled by rank is in rank order on a night with new,
//! changed and persisting findings; every sheet of both workbooks prints landscape, one
//! page wide, with its header row repeated and page numbers (read back from the file).

use crate::common;

use std::io::Read;
use std::path::Path;

use calamine::{open_workbook_auto, Data, DataType, Reader};
use common::{generate_and_run, read_csv, two_nights};

#[test]
fn workbook_sheets_headers_and_totals_match_findings_csv() {
    let dir = tempfile::tempdir().unwrap();
    let (_, out) = generate_and_run(dir.path(), 1500, 4, &[]);
    let findings = read_csv(&out.join("findings.csv"));
    let mut book = open_workbook_auto(out.join("findings.xlsx")).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "案件",
            "概览",
            "滞拨滞留",
            "拨付不足额",
            "重复发放",
            "虚报冒领",
            "挪用截留",
            "乡镇一案双查",
            "本期变化",
            "已排除",
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
        assert_eq!(header[2], "案件编号");
        assert_eq!(header[6], "涉及金额(元)");
        assert_eq!(header[7], "乡镇");
        assert_eq!(header[8], "补贴项目");
        assert_eq!(header[10], "问题线索");
        assert_eq!(header[11], "变化");
        assert_eq!(header[12], "处置", "the decision, printed");
        assert_eq!(header[14], "分属乡镇金额");
        assert_eq!(
            header[19..21],
            ["备注", "核查人"],
            "columns for officers to fill in"
        );
        assert_eq!(
            header[21], "事实指纹",
            "the facts the officer reads, for review --import"
        );
        let rows: Vec<&[Data]> = range.rows().skip(1).collect();
        let expected: Vec<_> = findings
            .iter()
            .filter(|f| f["category"] == category)
            .collect();
        assert_eq!(rows.len(), expected.len(), "{sheet}");
        assert!(!rows.is_empty(), "{sheet} has findings");
        let sheet_sum: f64 = rows.iter().map(|r| r[6].as_f64().unwrap()).sum();
        let csv_sum: f64 = expected.iter().map(|f| yuan(&f["amount_at_risk"])).sum();
        assert!(
            (sheet_sum - csv_sum).abs() < 0.005,
            "{sheet}: {sheet_sum} vs {csv_sum}"
        );
        // Ranked as in findings.csv.
        let ranks: Vec<f64> = rows.iter().map(|r| r[0].as_f64().unwrap()).collect();
        assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{sheet} ranked");
        assert_eq!(rows[0][1].to_string(), expected[0]["finding_id"]);
        assert_eq!(rows[0][2].to_string(), expected[0]["case_id"]);
        assert_eq!(rows[0][21].to_string(), expected[0]["fingerprint"]);
        total += sheet_sum;
    }
    // Townships add up to the header (money counted once, each payment under its own
    // township), not to the per-finding sums, which overlap.
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let header = summary["amount_at_risk"].as_f64().unwrap();
    assert!(header < total, "findings overlap: {header} vs {total}");
    let towns = book.worksheet_range("乡镇一案双查").unwrap();
    let town_total: f64 = towns.rows().skip(1).map(|r| r[4].as_f64().unwrap()).sum();
    assert!(
        (town_total - header).abs() < 0.01,
        "{town_total} vs {header}"
    );
    // A finding spanning townships is listed in each.
    let town_findings: f64 = towns.rows().skip(1).map(|r| r[3].as_f64().unwrap()).sum();
    assert_eq!(
        town_findings as usize,
        findings.iter().map(townships).sum::<usize>()
    );
}

/// How many townships a finding's money lies in (its `township_split`, else one).
fn townships(f: &std::collections::HashMap<String, String>) -> usize {
    f["township_split"]
        .split('；')
        .filter(|p| !p.is_empty())
        .count()
        .max(1)
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
        let header: Vec<String> = range
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|d| d.to_string())
            .collect();
        assert_eq!(
            header[..13],
            [
                "村",
                "类型",
                "线索编号",
                "风险等级",
                "人员编号",
                "姓名",
                "身份证号",
                "户号",
                "补贴项目",
                "涉及金额(元)",
                "卡号尾号",
                "问题",
                "核查要点"
            ],
            "{name}"
        );
        let mut sample_seen = false;
        let mut with_id = 0;
        for r in range.rows().skip(1) {
            // Enough to find the person: a masked ID number, the card's tail, a checklist.
            // (A payee the registry does not hold has neither.)
            let id = r[6].to_string();
            assert!(id.is_empty() || id.contains("********"), "{name}: {id}");
            assert!(
                id.is_empty() || r[10].to_string().chars().count() == 4,
                "{name}: card tail"
            );
            if !id.is_empty() {
                with_id += 1;
            }
            assert!(r[12].to_string().starts_with('①'), "{name}: {:?}", r[12]);
            if r[1] == "抽查" {
                *per_village.entry(r[0].to_string()).or_default() += 1;
                samples.push(r[4].to_string());
                sample_seen = true;
            } else {
                assert!(!sample_seen, "{name}: findings before the sample");
                assert!(r[9].as_f64().is_some_and(|a| a > 0.0), "{name}: the amount");
                assert!(!r[8].to_string().is_empty(), "{name}: the program");
                listed += 1;
            }
        }
        assert!(
            per_village.values().all(|&n| n <= 2),
            "{name}: {per_village:?}"
        );
        assert!(
            name == "未登记乡镇" || with_id * 2 > range.height(),
            "{name}: most rows name a registered person"
        );
    }
    // Every high and medium finding but those naming an official (and their cases), on
    // the sheet of each township its money lies in.
    let secret = need_to_know(&out);
    let high_medium = findings
        .iter()
        .filter(|f| f["severity"] == "high" || f["severity"] == "medium")
        .filter(|f| !secret.contains(&f["finding_id"]))
        .map(townships)
        .sum::<usize>();
    assert_eq!(listed, high_medium);
    assert!(!samples.is_empty());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert!(manifest["worklist_seed"].as_u64().is_some());
    // The same run again draws the same sample.
    let again = dir.path().join("again");
    common::run_cmd(&data, &again)
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
        .args(["review", "--by", "王五", "--import"])
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

/// Ranks read off a column of a sheet's rows (blank cells skipped).
fn ranks(rows: &[&[Data]], col: usize) -> Vec<f64> {
    rows.iter().filter_map(|r| r.get(col)?.as_f64()).collect()
}

#[test]
fn blocks_titled_by_rank_are_in_rank_order_on_a_night_of_changes() {
    let dir = tempfile::tempdir().unwrap();
    let run = two_nights(dir.path());
    let findings = read_csv(&run.join("findings.csv"));
    let changes: std::collections::BTreeSet<&str> =
        findings.iter().map(|f| f["change"].as_str()).collect();
    assert!(
        ["new", "changed", "persisting"]
            .iter()
            .all(|c| changes.contains(c)),
        "a night with every kind of change: {changes:?}"
    );
    // The frame itself is not in rank order (new and changed first) ...
    let csv_ranks: Vec<u64> = findings
        .iter()
        .map(|f| f["rank"].parse().unwrap())
        .collect();
    assert!(csv_ranks.windows(2).any(|w| w[0] > w[1]), "{csv_ranks:?}");
    let mut book = open_workbook_auto(run.join("findings.xlsx")).unwrap();
    // ... but every block titled by rank is.
    for sheet in [
        "案件",
        "滞拨滞留",
        "拨付不足额",
        "重复发放",
        "虚报冒领",
        "挪用截留",
    ] {
        let range = book.worksheet_range(sheet).unwrap();
        let rows: Vec<&[Data]> = range.rows().skip(1).collect();
        let r = ranks(&rows, 0);
        assert!(r.windows(2).all(|w| w[0] < w[1]), "{sheet}: {r:?}");
    }
    let overview = book.worksheet_range("概览").unwrap();
    let rows: Vec<&[Data]> = overview.rows().collect();
    let start = rows
        .iter()
        .position(|r| r[0] == "风险最高的线索")
        .expect("the top-findings block");
    let top = ranks(&rows[start + 2..], 0);
    assert_eq!(
        top,
        (1..=20).map(f64::from).collect::<Vec<_>>(),
        "风险最高的线索"
    );
}

/// The XML of each sheet of a workbook, by sheet name, and the workbook part.
pub(crate) fn sheets_xml(path: &Path) -> (Vec<(String, String)>, String) {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut read = |name: &str| {
        let mut s = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        s
    };
    let workbook = read("xl/workbook.xml");
    let names: Vec<String> = workbook
        .split("<sheet ")
        .skip(1)
        .map(|s| {
            s.split("name=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    let sheets = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            (
                n.clone(),
                read(&format!("xl/worksheets/sheet{}.xml", i + 1)),
            )
        })
        .collect();
    (sheets, workbook)
}

#[test]
fn every_sheet_prints_landscape_one_page_wide_with_headers_and_page_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let (_, out) = generate_and_run(dir.path(), 1500, 4, &[]);
    for file in ["findings.xlsx", "worklists.xlsx"] {
        let (sheets, workbook) = sheets_xml(&out.join(file));
        assert!(sheets.len() >= 2, "{file}");
        for (name, xml) in &sheets {
            let here = format!("{file} / {name}");
            assert!(
                xml.contains("orientation=\"landscape\""),
                "{here}: landscape"
            );
            assert!(
                xml.contains("<pageSetUpPr fitToPage=\"1\"/>"),
                "{here}: fit to page"
            );
            assert!(
                xml.contains("fitToHeight=\"0\""),
                "{here}: one page wide, any number tall"
            );
            assert!(!xml.contains("fitToWidth=\"0\""), "{here}");
            assert!(
                xml.contains("截止日期 2026-03-31</oddHeader>"),
                "{here}: run date in the header"
            );
            assert!(
                xml.contains("&amp;C第 &amp;P 页 共 &amp;N 页"),
                "{here}: page numbers in the footer"
            );
            if file == "worklists.xlsx" {
                assert!(xml.contains("核查人（签字）"), "{here}: a line to sign");
            }
            if name != "概览" {
                // (Names Excel would misread are quoted.)
                assert!(
                    workbook.contains(&format!(">{name}!$1:$1</definedName>"))
                        || workbook.contains(&format!(">'{name}'!$1:$1</definedName>")),
                    "{here}: header row repeated on every page"
                );
            }
        }
    }
}

/// The findings kept off the worklists: those naming a row of the officials' list, and
/// every finding of their cases (from findings.csv and cases.csv).
fn need_to_know(out: &Path) -> std::collections::HashSet<String> {
    let findings = read_csv(&out.join("findings.csv"));
    let official: std::collections::HashSet<&str> = findings
        .iter()
        .filter(|f| f["refs"].split(';').any(|r| r.starts_with("officials:")))
        .map(|f| f["finding_id"].as_str())
        .collect();
    let mut secret: std::collections::HashSet<String> =
        official.iter().map(|s| s.to_string()).collect();
    for c in read_csv(&out.join("cases.csv")) {
        let ids: Vec<&str> = c["finding_ids"].split(';').collect();
        if ids.iter().any(|id| official.contains(id)) {
            secret.extend(ids.iter().map(|s| s.to_string()));
        }
    }
    secret
}

/// Issue 26 (need to know): a village's worklist goes to its cadres, the colleagues of an
/// official a finding names. No finding that names a row of the officials' list, nor any
/// finding of its case, may reach worklists.xlsx; the others still do.
#[test]
fn no_finding_naming_an_official_reaches_a_worklist() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    common::fundaudit()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "run",
            "--quiet",
            "--no-ledger",
            "--as-of",
            "2025-12-31",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(predicates::ord::lt(5));
    let findings = read_csv(&out.join("findings.csv"));
    let secret = need_to_know(&out);
    assert!(
        findings
            .iter()
            .any(|f| secret.contains(&f["finding_id"]) && f["severity"] != "low"),
        "the sample names officials in findings worth a visit"
    );
    let mut book = open_workbook_auto(out.join("worklists.xlsx")).unwrap();
    let mut cells = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).unwrap();
        cells.extend(range.rows().flatten().filter_map(|c| c.as_string()));
    }
    for id in &secret {
        assert!(!cells.contains(id), "{id} is on a worklist");
    }
    assert!(
        !cells.iter().any(|c| c.contains("公职人员")),
        "an official named on a worklist"
    );
    // They are on the discipline officers' own list (纪委专用), all of them and no other.
    let mut book = open_workbook_auto(out.join("confidential.xlsx")).unwrap();
    assert_eq!(book.sheet_names(), ["纪委专用"]);
    let range = book.worksheet_range("纪委专用").unwrap();
    let listed: std::collections::HashSet<String> =
        range.rows().skip(3).map(|r| r[0].to_string()).collect();
    assert_eq!(listed, secret);
    let visible = findings
        .iter()
        .filter(|f| f["severity"] == "high" && !secret.contains(&f["finding_id"]))
        .filter(|f| cells.iter().any(|c| c == &f["finding_id"]))
        .count();
    assert!(
        visible > 10,
        "the other high findings are still visited: {visible}"
    );
}
