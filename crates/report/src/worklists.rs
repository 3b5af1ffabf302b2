//! worklists.xlsx: the officers' 入户核查 rounds. One sheet per township, rows grouped by
//! village: every high and medium finding there, and a random sample of clean
//! beneficiaries to visit as well (so a round also measures how much the findings miss).
//! The sample is drawn with a seed written in the manifest, so it can be reproduced and
//! audited. Findings that name an official stay off (see `need_to_know`): they go to
//! confidential.xlsx (纪委专用) instead. Blank columns take what the visit found;
//! `review --import worklists.xlsx` reads the 处置 column back (sample rows, which have
//! no finding id, are skipped).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use polars::prelude::*;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rust_xlsxwriter::{Format, FormatAlign, Workbook};

use fundaudit_core::error::{Error, Result};
use fundaudit_core::frame;
use fundaudit_rules::context::Context;

/// One row of a worklist.
struct Visit {
    village: String,
    kind: &'static str,
    finding_id: String,
    severity: String,
    beneficiary_id: String,
    name: String,
    evidence: String,
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

/// Writes worklists.xlsx; returns the seed of the sample.
pub fn write_worklists(findings: &DataFrame, ctx: &Context, path: &Path) -> Result<u64> {
    let seed = ctx.config.worklists.seed.unwrap_or(ctx.as_of as u64);
    let per_village = ctx.config.worklists.sample_per_village;
    let ids = frame::text(findings, "finding_id")?;
    let severity = frame::text(findings, "severity")?;
    let bens = frame::text(findings, "beneficiary_ids")?;
    let evidence = frame::text(findings, "evidence")?;
    let towns = frame::text(findings, "township")?;
    let split = frame::text(findings, fundaudit_rules::money::SPLIT)
        .unwrap_or_else(|_| vec![None; findings.height()]);
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
        let name = row.map_or(String::new(), |e| e.raw_name.clone());
        for town in fundaudit_rules::money::townships_of(towns[i], split[i]) {
            let village = row
                .filter(|e| &*e.township == town)
                .map_or(String::new(), |e| e.village.to_string());
            by_town.entry(town.to_string()).or_default().push(Visit {
                village,
                kind: "线索",
                finding_id: ids[i].unwrap_or("").to_string(),
                severity: if severity[i] == Some("high") {
                    "高"
                } else {
                    "中"
                }
                .to_string(),
                beneficiary_id: first.to_string(),
                name: name.clone(),
                evidence: evidence[i].unwrap_or("").to_string(),
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
    for ((town, village), mut rows) in clean {
        rows.shuffle(&mut rng);
        for r in rows.into_iter().take(per_village) {
            let e = &ctx.registry[r];
            by_town.entry(town.to_string()).or_default().push(Visit {
                village: village.to_string(),
                kind: "抽查",
                finding_id: String::new(),
                severity: String::new(),
                beneficiary_id: e.beneficiary_id.clone(),
                name: e.raw_name.clone(),
                evidence: "随机抽查（无线索）：核实是否在世、是否本人领取、家庭情况是否符合条件"
                    .into(),
            });
        }
    }
    let fail = |e: rust_xlsxwriter::XlsxError| Error::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let mut book = Workbook::new();
    // Sheets written row by row, spilled to a temporary file in the run folder (a
    // province's worklists hold hundreds of thousands of visits).
    if let Some(dir) = path.parent() {
        book.set_tempdir(dir).map_err(fail)?;
    }
    let bold = Format::new()
        .set_bold()
        .set_background_color(0xDDEBF7)
        .set_align(FormatAlign::Center);
    let headers = [
        "村",
        "类型",
        "线索编号",
        "风险等级",
        "人员编号",
        "姓名",
        "核查要点",
        "入户核查结果",
        "处置",
        "核查人",
        "核查日期",
    ];
    let mut taken = HashSet::new();
    for (town, mut visits) in by_town {
        visits.sort_by(|a, b| a.village.cmp(&b.village).then(a.kind.cmp(b.kind)));
        let sheet = book.add_worksheet_with_constant_memory().map_err(fail)?;
        let name = crate::workbook::safe_sheet_name(&town, &mut taken);
        sheet.set_name(&name).map_err(fail)?;
        // Column widths come before the rows in a sheet written row by row.
        sheet.set_column_width(6, 60).map_err(fail)?;
        sheet.set_column_width(7, 30).map_err(fail)?;
        for (c, h) in headers.iter().enumerate() {
            sheet
                .write_string_with_format(0, c as u16, *h, &bold)
                .map_err(fail)?;
        }
        for (i, v) in visits.iter().enumerate() {
            let r = i as u32 + 1;
            for (c, text) in [
                &v.village,
                &v.kind.to_string(),
                &v.finding_id,
                &v.severity,
                &v.beneficiary_id,
                &v.name,
                &v.evidence,
            ]
            .iter()
            .enumerate()
            {
                sheet
                    .write_string(r, c as u16, text.as_str())
                    .map_err(fail)?;
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(fail)?;
    }
    if book.worksheets().is_empty() {
        book.add_worksheet().set_name("无核查任务").map_err(fail)?;
    }
    let as_of = fundaudit_core::cells::fmt_day(ctx.as_of);
    for sheet in book.worksheets_mut() {
        crate::workbook::print_setup(sheet, &as_of, true).map_err(fail)?;
    }
    crate::workbook::save_private(&mut book, path)?;
    Ok(seed)
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
    let mut book = Workbook::new();
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
            .map_or(String::new(), |row| ctx.registry[row].raw_name.clone());
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
