//! worklists.xlsx: the officers' 入户核查 rounds. One sheet per township, rows grouped by
//! village: every high and medium finding there, and a random sample of clean
//! beneficiaries to visit as well (so a round also measures how much the findings miss).
//! The sample is drawn with a seed written in the manifest, so it can be reproduced and
//! audited. Findings that name an official stay off (see `need_to_know`): they go to
//! confidential.xlsx (纪委专用) instead. Blank columns take what the visit found;
//! `review --import worklists.xlsx` reads the 处置 column back (sample rows, which have
//! no finding id, are skipped).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::rc::Rc;

use polars::prelude::*;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder};

use fundaudit_core::error::{Error, Result};
use fundaudit_core::frame;
use fundaudit_core::policy::Policy;
use fundaudit_rules::context::Context;

/// One row of a worklist: who to visit, what the finding says and what to check.
///
/// A visit borrows what the findings and the registry already hold, and shares its
/// rule's words with every visit of that rule: a province's worklists hold a million
/// visits, and a dozen strings of their own each (the checklist a few hundred bytes) were
/// a gigabyte.
struct Visit<'a> {
    village: &'a str,
    kind: &'static str,
    finding_id: &'a str,
    severity: &'static str,
    beneficiary_id: &'a str,
    name: &'a str,
    /// Masked as the reports mask them: enough to tell two 张娜 of one village apart.
    id_number: String,
    household: &'a str,
    program: &'a str,
    amount: Option<f64>,
    /// The last four digits of the person's own card, as on their passbook.
    card_tail: String,
    issue: Rc<str>,
    checklist: Rc<str>,
}

/// (header, width) of a worklist's columns; the blank ones after 核查要点 take what the
/// visit found. 191 characters: landscape A4 at about 74%.
const COLUMNS: &[(&str, f64)] = &[
    ("村", 8.0),
    ("类型", 5.0),
    ("线索编号", 14.0),
    ("风险等级", 5.0),
    ("人员编号", 9.0),
    ("姓名", 7.0),
    ("身份证号", 18.0),
    ("户号", 8.0),
    ("补贴项目", 10.0),
    ("涉及金额(元)", 10.0),
    ("卡号尾号", 7.0),
    ("问题", 12.0),
    ("核查要点", 32.0),
    ("入户核查结果", 24.0),
    ("处置", 6.0),
    ("核查人", 7.0),
    ("核查日期", 9.0),
];
const CHECKLIST_COLUMN: usize = 12;

/// What a visit with no finding checks (the random sample).
const SAMPLE_CHECKLIST: &str =
    "①核实本人是否在世、是否本村居民\n②询问是否本人领取、是否足额按时到账\n③查看家庭情况是否仍符合条件";

/// A rule's checklist as numbered lines (①…), from the policy file.
fn numbered(items: &[String]) -> String {
    const MARKS: [char; 10] = ['①', '②', '③', '④', '⑤', '⑥', '⑦', '⑧', '⑨', '⑩'];
    items
        .iter()
        .enumerate()
        .map(|(k, item)| format!("{}{item}", MARKS.get(k).copied().unwrap_or('·')))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Which findings must stay off the worklists: a village's worklist goes to its cadres,
/// the colleagues of an official a finding names (the party secretary whose card took
/// the money). A finding that names a row of the officials' list (its refs say
/// `officials:N`: DIV_OFFICIAL, DIV_CADRE_HOUSEHOLD), and every finding of a case that
/// holds one, is for the discipline officers alone; they have it in findings.xlsx and
/// report.html. Its people are not drawn for the random sample either.
pub fn need_to_know(findings: &DataFrame) -> Result<Vec<bool>> {
    let refs = frame::text(findings, "refs")?;
    let names_official: Vec<bool> = refs
        .iter()
        .map(|r| {
            r.unwrap_or("")
                .split(';')
                .any(|r| r.starts_with("officials:"))
        })
        .collect();
    let Ok(cases) = frame::text(findings, "case_id") else {
        return Ok(names_official);
    };
    let secret_cases: HashSet<&str> = cases
        .iter()
        .zip(&names_official)
        .filter_map(|(c, &o)| c.filter(|c| o && !c.is_empty()))
        .collect();
    Ok(cases
        .iter()
        .zip(names_official)
        .map(|(c, o)| o || c.is_some_and(|c| secret_cases.contains(c)))
        .collect())
}

/// Writes worklists.xlsx; returns the seed of the sample. ID numbers are masked unless
/// `unmasked`; the checklists are the policy's.
pub fn write_worklists(
    findings: &DataFrame,
    ctx: &Context,
    policy: &Policy,
    unmasked: bool,
    path: &Path,
) -> Result<u64> {
    let seed = ctx.config.worklists.seed.unwrap_or(ctx.as_of as u64);
    let by_town = visits(findings, ctx, policy, unmasked, seed)?;
    write_sheets(by_town, &fundaudit_core::cells::fmt_day(ctx.as_of), path)?;
    Ok(seed)
}

/// Each township's visits: its high and medium findings (not decided, not for the
/// discipline officers alone) and the random sample of its clean beneficiaries.
fn visits<'a>(
    findings: &'a DataFrame,
    ctx: &'a Context,
    policy: &Policy,
    unmasked: bool,
    seed: u64,
) -> Result<BTreeMap<String, Vec<Visit<'a>>>> {
    let per_village = ctx.config.worklists.sample_per_village;
    let ids = frame::text(findings, "finding_id")?;
    let severity = frame::text(findings, "severity")?;
    let bens = frame::text(findings, "beneficiary_ids")?;
    let rules = frame::text(findings, "rule")?;
    let programs = frame::text(findings, "program")?;
    let amounts: Vec<Option<f64>> = findings
        .column("amount_at_risk")?
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .collect();
    let towns = frame::text(findings, "township")?;
    let households = crate::case_sheet::households(&ctx.ledgers.beneficiaries, |_| true);
    let person =
        |row: Option<&fundaudit_identity::entry::RegistryEntry>| -> (String, &'a str, String) {
            row.map_or_else(Default::default, |e| {
                let id = fundaudit_core::privacy::shown_code(&e.id_number, unmasked);
                let digits: Vec<char> = e.bank_account.chars().collect();
                let tail: String = digits[digits.len().saturating_sub(4)..].iter().collect();
                (
                    id,
                    households
                        .get(e.beneficiary_id.as_str())
                        .copied()
                        .unwrap_or_default(),
                    tail,
                )
            })
        };
    // Each rule's words once, shared by its visits.
    let mut words: HashMap<&str, (Rc<str>, Rc<str>)> = HashMap::new();
    let mut words_of = |rule: &'a str| {
        words
            .entry(rule)
            .or_insert_with(|| {
                (
                    policy.title(rule, false).into(),
                    numbered(&policy.rule(rule).checklist).into(),
                )
            })
            .clone()
    };
    let split = frame::text_or_none(findings, fundaudit_rules::money::SPLIT);
    let confidential = need_to_know(findings)?;
    let status = frame::text(findings, "status").unwrap_or_default();
    let mut by_town: BTreeMap<String, Vec<Visit>> = BTreeMap::new();
    let mut flagged: HashSet<&str> = HashSet::new();
    for i in 0..findings.height() {
        let first = bens[i].unwrap_or("").split(';').next().unwrap_or("");
        for b in bens[i].unwrap_or("").split(';') {
            flagged.insert(b);
        }
        // Decided findings (属实, 不属实, 核查中) have had their visit.
        let decided = status
            .get(i)
            .copied()
            .flatten()
            .is_some_and(|s| !s.is_empty());
        if !matches!(severity[i], Some("high") | Some("medium")) || confidential[i] || decided {
            continue;
        }
        // The township the finding's money lies in (each of them, when it spans
        // several): that township's cadres visit it, registered or not.
        let row = ctx.row_of(first).map(|r| &ctx.registry[r]);
        let name = row.map_or("", |e| e.raw_name.as_str());
        let (id_number, household, card_tail) = person(row);
        let (issue, checklist) = words_of(rules[i].unwrap_or(""));
        for town in fundaudit_rules::money::townships_of(towns[i], split[i]) {
            let village = row
                .filter(|e| &*e.township == town)
                .map_or("", |e| &*e.village);
            by_town.entry(town.to_string()).or_default().push(Visit {
                village,
                kind: "线索",
                finding_id: ids[i].unwrap_or(""),
                severity: if severity[i] == Some("high") {
                    "高"
                } else {
                    "中"
                },
                beneficiary_id: first,
                name,
                id_number: id_number.clone(),
                household,
                program: programs[i].unwrap_or(""),
                amount: amounts[i],
                card_tail: card_tail.clone(),
                issue: issue.clone(),
                checklist: checklist.clone(),
            });
        }
    }
    // The verification sample: clean beneficiaries, per village, in registry order then
    // shuffled with the seed.
    let mut clean: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (r, e) in ctx.registry.iter().enumerate() {
        if !flagged.contains(e.beneficiary_id.as_str()) {
            clean.entry((&e.township, &e.village)).or_default().push(r);
        }
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let (sampled, sample_checklist): (Rc<str>, Rc<str>) =
        ("随机抽查（无线索）".into(), SAMPLE_CHECKLIST.into());
    for ((town, village), mut rows) in clean {
        rows.shuffle(&mut rng);
        for r in rows.into_iter().take(per_village) {
            let e = &ctx.registry[r];
            let (id_number, household, card_tail) = person(Some(e));
            by_town.entry(town.to_string()).or_default().push(Visit {
                village,
                kind: "抽查",
                finding_id: "",
                severity: "",
                beneficiary_id: e.beneficiary_id.as_str(),
                name: e.raw_name.as_str(),
                id_number,
                household,
                program: "",
                amount: None,
                card_tail,
                issue: sampled.clone(),
                checklist: sample_checklist.clone(),
            });
        }
    }
    Ok(by_town)
}

/// worklists.xlsx: a sheet per township, bordered rows with room to write, the signature
/// lines in every page's footer.
fn write_sheets(by_town: BTreeMap<String, Vec<Visit>>, as_of: &str, path: &Path) -> Result<()> {
    let fail = |e: rust_xlsxwriter::XlsxError| Error::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let mut book = crate::xlsx_format::new_workbook();
    // Sheets written row by row, spilled to a temporary file in the run folder (a
    // province's worklists hold hundreds of thousands of visits).
    if let Some(dir) = path.parent() {
        book.set_tempdir(dir).map_err(fail)?;
    }
    let border = |f: Format| f.set_border(FormatBorder::Thin).set_align(FormatAlign::Top);
    let head = border(
        Format::new()
            .set_bold()
            .set_text_wrap()
            .set_background_color(0xDDEBF7)
            .set_align(FormatAlign::Center),
    );
    let cell = border(Format::new());
    let wrap = border(Format::new().set_text_wrap());
    let yuan = border(Format::new().set_num_format("#,##0.00"));
    let mut taken = HashSet::new();
    for (town, mut visits) in by_town {
        // The findings first, the most serious first, village by village; then the
        // random sample (the rows a round must not skip come before the rest).
        visits.sort_by(|a, b| {
            (
                a.kind == "抽查",
                a.severity != "高",
                &a.village,
                &a.finding_id,
            )
                .cmp(&(
                    b.kind == "抽查",
                    b.severity != "高",
                    &b.village,
                    &b.finding_id,
                ))
        });
        let sheet = book.add_worksheet_with_constant_memory().map_err(fail)?;
        let name = crate::workbook::safe_sheet_name(&town, &mut taken);
        sheet.set_name(&name).map_err(fail)?;
        // Column widths come before the rows in a sheet written row by row.
        for (c, (_, w)) in COLUMNS.iter().enumerate() {
            sheet.set_column_width(c as u16, *w).map_err(fail)?;
        }
        sheet.set_row_height(0, 30.0).map_err(fail)?;
        for (c, (h, _)) in COLUMNS.iter().enumerate() {
            sheet
                .write_string_with_format(0, c as u16, *h, &head)
                .map_err(fail)?;
        }
        for (i, v) in visits.iter().enumerate() {
            let r = i as u32 + 1;
            // As tall as the checklist, and never less than room to write in by hand.
            let height =
                crate::xlsx_format::row_height([(&*v.checklist, COLUMNS[CHECKLIST_COLUMN].1)])
                    .max(48.0);
            sheet.set_row_height(r, height).map_err(fail)?;
            let texts = [
                v.village,
                v.kind,
                v.finding_id,
                v.severity,
                v.beneficiary_id,
                v.name,
                &v.id_number,
                v.household,
                v.program,
            ];
            for (c, text) in texts.iter().enumerate() {
                sheet
                    .write_string_with_format(r, c as u16, *text, &wrap)
                    .map_err(fail)?;
            }
            match v.amount {
                Some(a) => sheet.write_number_with_format(r, 9, a, &yuan),
                None => sheet.write_blank(r, 9, &cell),
            }
            .map_err(fail)?;
            for (c, text) in [
                (10u16, v.card_tail.as_str()),
                (11, &*v.issue),
                (12, &*v.checklist),
            ] {
                sheet
                    .write_string_with_format(r, c, text, &wrap)
                    .map_err(fail)?;
            }
            for c in 13..COLUMNS.len() as u16 {
                sheet.write_blank(r, c, &cell).map_err(fail)?;
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(fail)?;
        sheet
            .autofilter(0, 0, visits.len().max(1) as u32, COLUMNS.len() as u16 - 1)
            .map_err(fail)?;
    }
    if book.worksheets().is_empty() {
        book.add_worksheet().set_name("无核查任务").map_err(fail)?;
    }
    for sheet in book.worksheets_mut() {
        crate::workbook::print_setup(sheet, as_of, true).map_err(fail)?;
        // Who went and when, on every printed page.
        sheet.set_footer(
            "&L核查人（签字）：＿＿＿＿＿＿　日期：＿＿＿＿＿＿&C第 &P 页 共 &N 页&R村（居）委会负责人（签字）：＿＿＿＿＿＿",
        );
    }
    crate::workbook::save_private(&mut book, path)
}

/// confidential.xlsx (纪委专用): the findings [`need_to_know`] keeps off the worklists —
/// those naming an official, a cadre or their household, and every finding of their
/// cases — in one list for the discipline officers, never sent to a township or village.
pub fn write_confidential(findings: &DataFrame, ctx: &Context, path: &Path) -> Result<usize> {
    let fail = |e: rust_xlsxwriter::XlsxError| Error::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let secret = need_to_know(findings)?;
    let rows: Vec<usize> = fundaudit_core::frame::rank_order(findings)
        .into_iter()
        .filter(|&i| secret[i])
        .collect();
    let text = |c: &str| frame::text(findings, c).unwrap_or_default();
    let (ids, cases, rules, severity, towns, bens, evidence, status) = (
        text("finding_id"),
        text("case_id"),
        text("rule"),
        text("severity"),
        text("township"),
        text("beneficiary_ids"),
        text("evidence"),
        text("status"),
    );
    let amount: Vec<Option<f64>> = findings
        .column("amount_at_risk")?
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .collect();
    let mut book = crate::xlsx_format::new_workbook();
    let sheet = book.add_worksheet();
    sheet.set_name("纪委专用").map_err(fail)?;
    let bold = Format::new().set_bold();
    let head = Format::new()
        .set_bold()
        .set_background_color(0xDDEBF7)
        .set_align(FormatAlign::Center);
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let yuan = Format::new().set_num_format("#,##0.00");
    sheet
        .write_string_with_format(
            0,
            0,
            "纪委专用：涉及公职人员、村干部及其亲属的线索，仅供纪检监察干部核查，不得下发乡镇、村",
            &bold,
        )
        .map_err(fail)?;
    let headers = [
        "线索编号",
        "案件编号",
        "问题",
        "风险等级",
        "乡镇",
        "人员编号",
        "姓名",
        "涉及金额(元)",
        "问题线索",
        "处置",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(2, c as u16, *h, &head)
            .map_err(fail)?;
    }
    for (k, &i) in rows.iter().enumerate() {
        let r = k as u32 + 3;
        let first = bens[i].unwrap_or("").split(';').next().unwrap_or("");
        let name = ctx
            .row_of(first)
            .map_or(String::new(), |row| ctx.registry[row].raw_name.to_string());
        let cells = [
            ids[i].unwrap_or(""),
            cases.get(i).copied().flatten().unwrap_or(""),
            fundaudit_core::findings::rule_title(rules[i].unwrap_or("")),
            crate::workbook::severity_zh(severity[i].unwrap_or("low")),
            towns[i].unwrap_or(""),
            bens[i].unwrap_or(""),
            &name,
        ];
        for (c, v) in cells.iter().enumerate() {
            sheet.write_string(r, c as u16, *v).map_err(fail)?;
        }
        sheet
            .write_number_with_format(r, 7, amount[i].unwrap_or(0.0), &yuan)
            .map_err(fail)?;
        sheet
            .write_string_with_format(r, 8, evidence[i].unwrap_or(""), &wrap)
            .map_err(fail)?;
        sheet
            .write_string(
                r,
                9,
                fundaudit_casebook::changes::status_zh(
                    status.get(i).copied().flatten().unwrap_or(""),
                ),
            )
            .map_err(fail)?;
    }
    for (c, w) in [15.0, 15.0, 14.0, 8.0, 10.0, 16.0, 8.0, 12.0, 70.0, 8.0]
        .iter()
        .enumerate()
    {
        sheet.set_column_width(c as u16, *w).map_err(fail)?;
    }
    crate::workbook::print_setup(sheet, &fundaudit_core::cells::fmt_day(ctx.as_of), true)
        .map_err(fail)?;
    crate::workbook::save_private(&mut book, path)?;
    Ok(rows.len())
}
