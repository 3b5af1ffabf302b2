//! worklists.xlsx: the officers' 入户核查 rounds. One sheet per township, rows grouped by
//! village: every high and medium finding there, and a random sample of clean
//! beneficiaries to visit as well (so a round also measures how much the findings miss).
//! The sample is drawn with a seed written in the manifest, so it can be reproduced and
//! audited. Findings that name an official stay off (see `need_to_know`). Blank columns take what the visit found; `review --import worklists.xlsx`
//! reads the 处置 column back (sample rows, which have no finding id, are skipped).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use polars::prelude::*;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rust_xlsxwriter::{Format, FormatAlign, Workbook};

use crate::context::Context;
use crate::error::{Error, Result};
use crate::frame;

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
fn need_to_know(findings: &DataFrame) -> Result<Vec<bool>> {
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
    let split = frame::text(findings, crate::pipeline::money::SPLIT)
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
        for town in crate::pipeline::money::townships_of(towns[i], split[i]) {
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
    let as_of = crate::parse::fmt_day(ctx.as_of);
    for sheet in book.worksheets_mut() {
        crate::workbook::print_setup(sheet, &as_of, true).map_err(fail)?;
    }
    crate::workbook::save_private(&mut book, path)?;
    Ok(seed)
}
