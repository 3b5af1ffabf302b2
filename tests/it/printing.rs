//! Issue 29: what officers print. findings.xlsx and worklists.xlsx read back from their
//! sheet XML (print area, widths, row heights), case_sheets.xlsx (the 线索处置表 and the
//! 移送函, citing the policy file), and `--lang en`. The browser's own print of the case
//! sheets is in browser.rs.

use crate::common;
use crate::workbook::sheets_xml;

use calamine::{open_workbook_auto, Reader};
use common::{generate_and_run, read_csv};

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
