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
fn sheets_xml(path: &Path) -> (Vec<(String, String)>, String) {
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

/// The widths of a sheet's columns, by column number (1-based), from its `<cols>`.
fn column_widths(xml: &str) -> std::collections::BTreeMap<u32, f64> {
    let mut widths = std::collections::BTreeMap::new();
    for col in xml.split("<col ").skip(1) {
        let attr = |name: &str| -> Option<&str> {
            col.split(&format!("{name}=\"")).nth(1)?.split('"').next()
        };
        let (Some(min), Some(max), Some(width)) = (attr("min"), attr("max"), attr("width")) else {
            continue;
        };
        for c in min.parse::<u32>().unwrap()..=max.parse::<u32>().unwrap() {
            widths.insert(c, width.parse::<f64>().unwrap());
        }
    }
    widths
}

/// The last column (1-based) a sheet prints: its print area's, else its widest row's.
fn printed_columns(workbook: &str, index: usize, xml: &str) -> u32 {
    let letters = |a1: &str| -> u32 {
        a1.chars()
            .take_while(|c| c.is_ascii_alphabetic() || *c == '$')
            .filter(|c| c.is_ascii_alphabetic())
            .fold(0, |n, c| n * 26 + (c as u32 - 'A' as u32 + 1))
    };
    let area = workbook
        .split("<definedName name=\"_xlnm.Print_Area\" ")
        .skip(1)
        .find(|d| d.starts_with(&format!("localSheetId=\"{index}\"")));
    if let Some(area) = area {
        let range = area.split('>').nth(1).unwrap().split('<').next().unwrap();
        let last = range.rsplit(':').next().unwrap().trim_start_matches('$');
        return letters(last);
    }
    xml.split("spans=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.split(':').nth(1)?.parse().ok())
        .max()
        .unwrap_or(1)
}

/// Issue 29: the sheets print readable. Printed landscape on A4, one page wide, a page
/// holds about 141 characters of column width at 100%: what a sheet prints must be at
/// most 141 / 0.7 wide so that no sheet shrinks below 70% (the lists of ids and the
/// facts' hash stay outside the print area). The long texts wrap, and each row of them
/// is as tall as its text (a row left at the default height prints one line and cuts
/// the rest), in the findings' and the worklists' sheets alike.
#[test]
fn printed_sheets_stay_at_70_percent_or_more_and_wrap_their_long_texts() {
    const PAGE_AT_100: f64 = 141.0;
    let dir = tempfile::tempdir().unwrap();
    let (_, out) = generate_and_run(dir.path(), 1500, 4, &[]);
    for file in ["findings.xlsx", "worklists.xlsx"] {
        let (sheets, workbook) = sheets_xml(&out.join(file));
        for (index, (name, xml)) in sheets.iter().enumerate() {
            let here = format!("{file} / {name}");
            let widths = column_widths(xml);
            let last = printed_columns(&workbook, index, xml);
            let printed: f64 = (1..=last)
                .map(|c| widths.get(&c).copied().unwrap_or(8.43 + 0.71))
                .sum();
            let scale = (PAGE_AT_100 / printed).min(1.0);
            assert!(
                scale >= 0.7,
                "{here}: {printed:.0} characters wide prints at {:.0}%",
                scale * 100.0
            );
            let wrapped_texts = file == "worklists.xlsx"
                || [
                    "案件",
                    "滞拨滞留",
                    "拨付不足额",
                    "重复发放",
                    "虚报冒领",
                    "挪用截留",
                ]
                .contains(&name.as_str());
            if wrapped_texts && xml.matches("<row ").count() > 3 {
                let tall = xml.matches("customHeight=\"1\"").count();
                assert!(tall > 0, "{here}: rows sized to their wrapped text");
            }
        }
    }
    // The category sheets print their evidence, not the ids and hash.
    let (sheets, workbook) = sheets_xml(&out.join("findings.xlsx"));
    let (index, (_, xml)) = sheets
        .iter()
        .enumerate()
        .find(|(_, (n, _))| n == "挪用截留")
        .unwrap();
    assert_eq!(printed_columns(&workbook, index, xml), 13);
    let mut book = open_workbook_auto(out.join("findings.xlsx")).unwrap();
    let range = book.worksheet_range("挪用截留").unwrap();
    let header: Vec<String> = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert_eq!(header[3], "问题");
    assert_eq!(header[10], "问题线索");
    assert!(header[13..].contains(&"事实指纹".to_string()));
    // The issue column names the rule in Chinese, its code further right.
    for row in range.rows().skip(1) {
        let (title, code) = (row[3].to_string(), row[13].to_string());
        assert!(
            !code.is_empty() && code.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
            "{code}"
        );
        assert!(
            !title.is_empty() && title.chars().all(|c| !c.is_ascii_alphabetic()),
            "{title}"
        );
    }
}

/// Issue 29: case_sheets.xlsx holds a 线索处置表 for each top case — one portrait A4 page
/// (fit to one page), the people, cards, payments, the rules' 政策依据 from the policy
/// file the config names, the blanks to fill in and the three signatures — and a 移送函
/// per township listing its cases. A policy file that cannot be read stops the run
/// before any work, naming the file.
#[test]
fn case_sheets_cite_the_policy_and_print_one_page_each() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    common::generate(&data, 1500, 4, &[]);
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        "[rules.DIV_OFFICIAL]\nbasis = [\"某省惠民惠农资金监督管理办法\"]\n",
    )
    .unwrap();
    let standards = std::fs::read_to_string(data.join("standards.toml")).unwrap();
    let config = dir.path().join("fundaudit.toml");
    std::fs::write(
        &config,
        format!(
            "{standards}\n[report]\nmax_case_sheets = 6\npolicy = \"{}\"\n",
            policy.display()
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    common::fundaudit()
        .args(["run", "--quiet", "--as-of", "2026-03-31", "--data"])
        .arg(&data)
        .arg("--config")
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(predicates::ord::lt(5));
    let cases = read_csv(&out.join("cases.csv"));
    let path = out.join("case_sheets.xlsx");
    let (sheets, _) = sheets_xml(&path);
    let mut book = open_workbook_auto(&path).unwrap();
    let case_sheets: Vec<&(String, String)> = sheets
        .iter()
        .filter(|(n, _)| !n.starts_with("移送函"))
        .collect();
    assert_eq!(case_sheets.len(), 6.min(cases.len()));
    let mut cited = 0;
    for (name, xml) in &case_sheets {
        // (Fit to page, one page tall: Excel's default, which the file leaves out.)
        assert!(
            xml.contains("<pageSetUpPr fitToPage=\"1\"/>") && !xml.contains("fitToHeight=\"0\""),
            "{name}: one page tall"
        );
        assert!(xml.contains("orientation=\"portrait\"") && xml.contains("paperSize=\"9\""));
        let text: Vec<String> = book
            .worksheet_range(name)
            .unwrap()
            .rows()
            .flat_map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>())
            .collect();
        let all = text.join("\n");
        let id = name.split(' ').nth(1).unwrap();
        let case = cases
            .iter()
            .find(|c| c["case_id"] == id)
            .expect("a case of cases.csv");
        assert!(all.contains("民生资金问题线索处置表") && all.contains(id));
        for field in [
            "、政策依据",
            "核查情况",
            "处置意见",
            "追缴金额",
            "承办人（签字）",
            "审核人（签字）",
            "审批人（签字）",
        ] {
            assert!(all.contains(field), "{name}: {field}");
        }
        // Numbered as they are present: 二 is the officials or else the people.
        assert!(
            all.contains("一、案情摘要") && all.contains("二、涉及"),
            "{name}"
        );
        // Each member finding's rule is cited, by name.
        for rule in case["rules"].split(';') {
            let named = fundaudit_core::findings::rule_title(rule);
            assert!(
                all.contains(&format!("{named}：")),
                "{name}: the basis of {rule}"
            );
        }
        if case["rules"].split(';').any(|r| r == "DIV_OFFICIAL") {
            assert!(all.contains("某省惠民惠农资金监督管理办法"), "{name}");
            cited += 1;
        }
        // The people, masked.
        for b in case["beneficiary_ids"].split(';').take(6) {
            assert!(all.contains(b), "{name}: {b}");
        }
        assert!(!all
            .chars()
            .collect::<Vec<_>>()
            .windows(12)
            .any(|w| w.iter().all(char::is_ascii_digit)));
    }
    assert!(cited > 0, "the sample's top cases include a 公职人员领取");
    // A 移送函 per township of those cases, listing each of its cases.
    for case in cases
        .iter()
        .filter(|c| case_sheets.iter().any(|(n, _)| n.ends_with(&c["case_id"])))
    {
        for town in case["townships"].split(';') {
            let letter = format!("移送函 {town}");
            let range = book.worksheet_range(&letter).unwrap();
            assert!(
                range.rows().any(|r| r[0].to_string() == case["case_id"]),
                "{letter} lists {}",
                case["case_id"]
            );
        }
    }
    // A policy file that is not there: exit 2 at once, naming it.
    std::fs::write(
        &config,
        format!(
            "{standards}\n[report]\npolicy = \"{}\"\n",
            dir.path().join("无此文件.toml").display()
        ),
    )
    .unwrap();
    let assert = common::fundaudit()
        .args(["run", "--quiet", "--data"])
        .arg(&data)
        .arg("--config")
        .arg(&config)
        .arg("--out")
        .arg(dir.path().join("out2"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains("无此文件.toml") && stderr.contains("policy"),
        "{stderr}"
    );
    assert!(!dir.path().join("out2").exists(), "nothing written");
}

/// Issue 29: `--lang en` writes the case summaries, the workbook's headers and issue
/// column, and report.html's rule descriptions in English (the evidence stays Chinese).
#[test]
fn lang_en_translates_summaries_headers_and_rule_descriptions() {
    let dir = tempfile::tempdir().unwrap();
    let (_, out) = generate_and_run(dir.path(), 1500, 4, &["--lang", "en"]);
    let cases = read_csv(&out.join("cases.csv"));
    assert!(cases
        .iter()
        .all(|c| c["summary"].contains("money at risk") && !c["summary"].contains("本案")));
    let mut book = open_workbook_auto(out.join("findings.xlsx")).unwrap();
    let range = book.worksheet_range("挪用截留").unwrap();
    let header: Vec<String> = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert_eq!(header[..4], ["Rank", "Finding", "Case", "Issue"]);
    assert_eq!(header[10], "Evidence");
    let issue = range.rows().nth(1).unwrap()[3].to_string();
    assert!(issue.is_ascii() && issue.contains(' '), "{issue}");
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(page.contains("\"ruleDescriptions\"") && page.contains("The money went to an account"));
}
