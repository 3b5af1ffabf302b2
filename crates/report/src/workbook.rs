//! findings.xlsx: what discipline officers open in Excel or WPS. An overview sheet
//! (run date, inputs and row counts, findings and money by category and township, the
//! top findings), one ranked sheet per category, and a township sheet for 一案双查: each
//! township (the responsible unit) with its findings, money at risk and a unit score, so
//! both the case and the unit's responsibility can be pursued.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use polars::prelude::*;
use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};

use crate::html::words::Lang;
use crate::report::Summary;
use crate::run_sheets;
use crate::xlsx_format::{header_row, Formats, Words};
use fundaudit_core::error::{Error, Result};
use fundaudit_core::findings::Category;
use fundaudit_core::frame;

/// Findings columns on the category sheets: (frame column, Chinese header, English
/// header, width, kind). The first [`PRINTED`] are what a printed page holds: in
/// landscape A4 at about 85% (their widths sum to 166 characters, a page takes ~141 at
/// 100%). The ids, codes and the facts' hash after them are for the screen and for
/// `review --import`, outside the print area.
const COLUMNS: &[(&str, &str, &str, f64, Kind)] = &[
    ("rank", "排名", "Rank", 5.0, Kind::Int),
    ("finding_id", "线索编号", "Finding", 14.0, Kind::Text),
    ("case_id", "案件编号", "Case", 14.0, Kind::Text),
    // The rule by its name; its code is in 规则代码 further right.
    ("rule", "问题", "Issue", 14.0, Kind::Text),
    ("severity", "风险等级", "Severity", 5.0, Kind::Text),
    ("risk_score", "风险分", "Score", 6.0, Kind::Score),
    (
        "amount_at_risk",
        "涉及金额(元)",
        "Amount (yuan)",
        12.0,
        Kind::Yuan,
    ),
    ("township", "乡镇", "Township", 9.0, Kind::Text),
    ("program", "补贴项目", "Program", 12.0, Kind::Text),
    ("days_late", "逾期天数", "Days late", 6.0, Kind::Int),
    ("evidence", "问题线索", "Evidence", 56.0, Kind::Text),
    // New, changed or persisting since the last night (the sheets are in rank order).
    ("change", "变化", "Change", 6.0, Kind::Text),
    // Officers' decisions so far (the case ledger's), else blank for them to fill in;
    // `fundaudit review --import findings.xlsx` reads them back.
    ("status", "处置", "Decision", 7.0, Kind::Text),
    ("rule", "规则代码", "Rule code", 20.0, Kind::Text),
    (
        "township_split",
        "分属乡镇金额",
        "Money by township",
        14.0,
        Kind::Text,
    ),
    (
        "beneficiary_ids",
        "人员编号",
        "Beneficiaries",
        16.0,
        Kind::Text,
    ),
    (
        "allocation_ids",
        "清册编号",
        "Allocations",
        16.0,
        Kind::Text,
    ),
    ("payment_ids", "代发流水号", "Payments", 18.0, Kind::Text),
    (
        "similarity",
        "姓名相似度",
        "Name similarity",
        10.0,
        Kind::Score,
    ),
    ("note", "备注", "Note", 24.0, Kind::Text),
    ("reviewer", "核查人", "Reviewer", 10.0, Kind::Text),
    // The facts the officer reads: `review --import` records the decision against them.
    (
        "fingerprint",
        "事实指纹",
        "Fact fingerprint",
        26.0,
        Kind::Text,
    ),
];

/// How many of [`COLUMNS`] print.
const PRINTED: u16 = 13;

#[derive(Clone, Copy)]
enum Kind {
    Text,
    Int,
    Score,
    Yuan,
}

/// The Chinese name of a severity.
pub(crate) fn severity_zh(s: &str) -> &str {
    match s {
        "high" => "高",
        "medium" => "中",
        "low" => "低",
        other => other,
    }
}

fn xlsx(e: XlsxError) -> Error {
    Error::Write {
        path: "findings.xlsx".into(),
        message: e.to_string(),
    }
}

/// Writes findings.xlsx from the ranked (and, unless unmasked, masked) findings and
/// cases: the 案件 sheet first (what a case meeting goes through), then the overview,
/// a sheet per category, townships and the digit tests. Every sheet prints landscape,
/// one page wide, its header row on every page, the run date above and 第 N 页 below.
pub fn write_workbook(
    findings: &DataFrame,
    cases: &DataFrame,
    summary: &Summary,
    words: &Words,
    path: &Path,
) -> Result<()> {
    let mut book = crate::xlsx_format::new_workbook();
    // The tables' cells sit at the top of their rows (level with wrapped text beside
    // them): made the workbook's default style, so that a cell needs no format of its
    // own. A cell written with one costs a hash of the whole format in rust_xlsxwriter,
    // which was a tenth of a night's time in this workbook and the worklists.
    book.set_default_format(&Formats::default_cell(), 20, 64)
        .map_err(xlsx)?;
    // The row-by-row sheets spill to a temporary file beside the workbook (in the run
    // folder, with the rest of the run's personal data), removed when saved.
    if let Some(dir) = path.parent() {
        book.set_tempdir(dir).map_err(xlsx)?;
    }
    let f = Formats::new();
    // Every sheet in the order its 排名 column says.
    for (name, part) in sheet_parts("案件", &frame::rank_order(cases), SHEET_ROWS) {
        let sheet = book.add_worksheet_with_constant_memory().map_err(xlsx)?;
        sheet.set_name(&name).map_err(xlsx)?;
        cases_sheet(sheet, cases, part, words, &f)?;
    }
    run_sheets::overview(book.add_worksheet(), findings, summary, &f).map_err(xlsx)?;
    let categories = frame::text(findings, "category")?;
    // (The 变化 column says which findings are new or changed.)
    let by_rank = frame::rank_order(findings);
    for c in Category::ALL {
        let rows: Vec<usize> = by_rank
            .iter()
            .copied()
            .filter(|&i| categories[i] == Some(c.code()))
            .collect();
        // A category past Excel's row limit continues on 挪用截留(2), (3) …
        for (name, part) in sheet_parts(c.chinese(), &rows, SHEET_ROWS) {
            let sheet = book.add_worksheet_with_constant_memory().map_err(xlsx)?;
            sheet.set_name(&name).map_err(xlsx)?;
            findings_sheet(sheet, findings, part, words, &f)?;
        }
    }
    townships(book.add_worksheet(), findings, summary, &f)?;
    if !summary.projects.is_empty() {
        crate::project_sheet::projects(book.add_worksheet(), summary, &f).map_err(xlsx)?;
    }
    if let Some(changes) = &summary.changes {
        crate::night_sheets::changes(book.add_worksheet(), changes, &f).map_err(xlsx)?;
        crate::night_sheets::dismissed(book.add_worksheet(), changes, &f).map_err(xlsx)?;
    }
    run_sheets::digits(book.add_worksheet(), summary, &f).map_err(xlsx)?;
    for sheet in book.worksheets_mut() {
        // The overview's rows are blocks, not one table: no header row to repeat.
        let repeat = sheet.name() != "概览";
        print_setup(sheet, &summary.as_of, repeat).map_err(xlsx)?;
    }
    save_private(&mut book, path)
}

/// A sheet name Excel and WPS accept, unique in its workbook: the characters a sheet name
/// may not hold (`/ \\ ? * [ ] :`) as `_`, no `'` at either end, at most 31 characters,
/// and a `(2)`, `(3)` … where two names are equal after that or differ only in case
/// (`城关镇/街道`, `Chengguan` and `CHENGGUAN`). One bad township name must not cost
/// every township its worklist.
pub fn safe_sheet_name(raw: &str, taken: &mut std::collections::HashSet<String>) -> String {
    let cleaned: String = raw
        .chars()
        .map(|c| match c {
            '/' | '\\' | '?' | '*' | '[' | ']' | ':' => '_',
            c if c.is_control() || fundaudit_core::text::is_invisible(c) => '_',
            c => c,
        })
        .collect();
    let trimmed = cleaned.trim().trim_matches('\'').trim();
    let base = if trimmed.is_empty() || trimmed.eq_ignore_ascii_case("history") {
        format!("（{trimmed}）")
    } else {
        trimmed.to_string()
    };
    let mut n = 1;
    loop {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!("({n})")
        };
        let keep = 31 - suffix.chars().count();
        let head: String = base.chars().take(keep).collect();
        let name = format!("{}{suffix}", head.trim_end_matches('\''));
        if taken.insert(name.to_lowercase()) {
            return name;
        }
        n += 1;
    }
}

/// Print setup for a sheet officers print: landscape A4, one page wide (as many tall as
/// it takes), the first row repeated on every page when it is a header row, the run
/// date in the page header and 第 &P 页 共 &N 页 in the footer.
pub(crate) fn print_setup(
    sheet: &mut Worksheet,
    as_of: &str,
    repeat_header: bool,
) -> std::result::Result<(), XlsxError> {
    let title = format!("&L民生资金拨付审计 · {}&R截止日期 {as_of}", sheet.name());
    sheet
        .set_landscape()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0)
        .set_header(title)
        .set_footer("&C第 &P 页 共 &N 页");
    if repeat_header {
        sheet.set_repeat_rows(0, 0)?;
    }
    Ok(())
}

/// 案件: ranked cases with what joins them, the money counted once and the summary;
/// the member findings by id (the category sheets carry each finding's 案件编号).
fn cases_sheet(
    sheet: &mut Worksheet,
    cases: &DataFrame,
    order: &[usize],
    words: &Words,
    f: &Formats,
) -> Result<()> {
    // The first seven print (127 characters: landscape A4 at 100%); the lists of ids
    // after them are for the screen.
    const CASE_COLUMNS: &[(&str, &str, &str, f64, Kind)] = &[
        ("rank", "排名", "Rank", 5.0, Kind::Int),
        ("case_id", "案件编号", "Case", 14.0, Kind::Text),
        ("case_score", "案件分", "Case score", 6.0, Kind::Score),
        (
            "amount_at_risk",
            "涉及金额(元)",
            "Amount (yuan)",
            12.0,
            Kind::Yuan,
        ),
        ("findings", "线索数", "Findings", 6.0, Kind::Int),
        ("townships", "乡镇", "Townships", 12.0, Kind::Text),
        ("summary", "案情摘要", "Summary", 72.0, Kind::Text),
        ("change", "变化", "Change", 6.0, Kind::Text),
        (
            "beneficiary_ids",
            "人员编号",
            "Beneficiaries",
            18.0,
            Kind::Text,
        ),
        ("accounts", "收款账户", "Accounts", 16.0, Kind::Text),
        ("finding_ids", "线索编号", "Findings' ids", 30.0, Kind::Text),
    ];
    let headers: Vec<&str> = CASE_COLUMNS.iter().map(|c| words.pick(c.1, c.2)).collect();
    let mut columns = Vec::with_capacity(CASE_COLUMNS.len());
    for (name, _, _, width, kind) in CASE_COLUMNS {
        let cells = match kind {
            Kind::Text => Cells::Text {
                values: frame::Texts::of(cases, name)?,
                // Every case cell written, an empty one as empty text.
                missing_as_empty: true,
                wrap: *name == "summary" || *name == "townships",
                words: match (*name, words.lang) {
                    ("change", Lang::Zh) => change_zh,
                    _ => as_is,
                },
            },
            _ => Cells::Number {
                values: frame::floats(cases, name),
                kind: *kind,
            },
        };
        columns.push(Column {
            width: *width,
            cells,
        });
    }
    write_table(sheet, &headers, &columns, order, 8, f)
}

/// The ledger's change words in Chinese.
fn change_zh(code: &str) -> &str {
    match code {
        "new" => "新增",
        "changed" => "有变化",
        "persisting" => "持续",
        other => other,
    }
}

/// Data rows a sheet holds: Excel's 1,048,576 rows less the header.
const SHEET_ROWS: usize = 1_048_575;

/// A sheet's rows cut into parts of at most `limit`, named `name`, `name(2)`, `name(3)`…
/// (an empty category still gets its sheet).
fn sheet_parts<'a>(name: &str, rows: &'a [usize], limit: usize) -> Vec<(String, &'a [usize])> {
    if rows.len() <= limit {
        return vec![(name.to_string(), rows)];
    }
    rows.chunks(limit.max(1))
        .enumerate()
        .map(|(k, part)| {
            let n = if k == 0 {
                name.to_string()
            } else {
                format!("{name}({})", k + 1)
            };
            (n, part)
        })
        .collect()
}

/// Saves a workbook readable by its owner only (it names people), as every report is.
pub(crate) fn save_private(book: &mut Workbook, path: &Path) -> Result<()> {
    let fail = |message: String| Error::Write {
        path: path.display().to_string(),
        message,
    };
    // Straight into the file: made in memory first, a province's workbook (half a
    // gigabyte zipped) held twice that while the buffer grew. A save that fails half way
    // removes the file it made: a partial workbook would be read as a whole one.
    let file = fundaudit_core::safe_fs::create_private(path).map_err(|e| fail(e.to_string()))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let saved = book
        .save_to_writer(&mut out)
        .map_err(|e| e.to_string())
        .and_then(|()| out.flush().map_err(|e| e.to_string()));
    saved.map_err(|message| {
        drop(out);
        let _ = std::fs::remove_file(path);
        fail(message)
    })
}

/// Excel holds at most 32,767 characters in a cell: a longer text is cut, visibly; the
/// CSV and JSON keep it whole.
fn excel_text(text: &str) -> std::borrow::Cow<'_, str> {
    const LIMIT: usize = 32_000;
    if text.len() <= LIMIT || text.chars().count() <= LIMIT {
        return std::borrow::Cow::Borrowed(text);
    }
    let cut: String = text.chars().take(LIMIT).collect();
    std::borrow::Cow::Owned(format!(
        "{cut}…（超出Excel单元格上限，已截断；全文见findings.csv）"
    ))
}

fn findings_sheet(
    sheet: &mut Worksheet,
    findings: &DataFrame,
    rows: &[usize],
    words: &Words,
    f: &Formats,
) -> Result<()> {
    let headers: Vec<&str> = COLUMNS.iter().map(|c| words.pick(c.1, c.2)).collect();
    let mut columns = Vec::with_capacity(COLUMNS.len());
    for (k, (name, _, _, width, kind)) in COLUMNS.iter().enumerate() {
        let cells = match kind {
            // A frame without a column (case_id in a screening) leaves it blank.
            Kind::Text => match frame::Texts::of(findings, name) {
                Ok(values) => Cells::Text {
                    values,
                    missing_as_empty: false,
                    wrap: matches!(*name, "evidence" | "program"),
                    words: match (*name, words.lang) {
                        ("rule", Lang::Zh) if (k as u16) < PRINTED => {
                            fundaudit_core::findings::rule_title
                        }
                        ("rule", Lang::En) if (k as u16) < PRINTED => {
                            fundaudit_core::policy::built_in_title_en
                        }
                        ("severity", Lang::Zh) => severity_zh,
                        ("change", Lang::Zh) => change_zh,
                        ("status", Lang::Zh) => fundaudit_casebook::changes::status_zh,
                        _ => as_is,
                    },
                },
                Err(_) => Cells::Blank,
            },
            _ => Cells::Number {
                values: frame::floats(findings, name),
                kind: *kind,
            },
        };
        columns.push(Column {
            width: *width,
            cells,
        });
    }
    write_table(sheet, &headers, &columns, rows, PRINTED, f)
}

/// One column of a sheet, read once and written row by row.
struct Column<'a> {
    width: f64,
    cells: Cells<'a>,
}

enum Cells<'a> {
    Blank,
    Text {
        /// Read where they lie: a province's category sheet copied out as
        /// `Vec<Option<&str>>` per column was most of a gigabyte beside the worklists.
        values: frame::Texts<'a>,
        /// A missing cell written as empty text (the cases sheet), not left out.
        missing_as_empty: bool,
        wrap: bool,
        /// The words officers read for codes (`high` → 高).
        words: fn(&str) -> &str,
    },
    Number {
        values: Vec<Option<f64>>,
        kind: Kind,
    },
}

impl<'a> Cells<'a> {
    /// Row `i`'s text, where the column is text and the cell is written.
    fn text(&self, i: usize) -> Option<&'a str> {
        match self {
            Cells::Text {
                values,
                missing_as_empty,
                ..
            } => values.at(i).or(missing_as_empty.then_some("")),
            _ => None,
        }
    }
}

fn as_is(s: &str) -> &str {
    s
}

/// A header row, then `rows` of the columns in order, then frozen header and filter;
/// the first `printed` columns are the print area. Each row as tall as its wrapped
/// text (a printed row cut short cuts its text). Row by row, as the constant-memory
/// sheets of large runs require: a row once left is on disk.
fn write_table(
    sheet: &mut Worksheet,
    headers: &[&str],
    columns: &[Column],
    rows: &[usize],
    printed: u16,
    f: &Formats,
) -> Result<()> {
    // A column whose cells all take one format has it as the column's: a cell written
    // without a format takes its column's (rust_xlsxwriter hashes the whole format of
    // every cell written with one). The column's format is invisible on its empty cells
    // (wrapped text at the top; a number's style).
    for (c, col) in columns.iter().enumerate() {
        let c = c as u16;
        sheet.set_column_width(c, col.width).map_err(xlsx)?;
        let format = match &col.cells {
            Cells::Text { wrap: true, .. } => Some(&f.wrap),
            Cells::Number {
                kind: Kind::Yuan, ..
            } => Some(&f.yuan_top),
            Cells::Number {
                kind: Kind::Score, ..
            } => Some(&f.score_top),
            _ => None,
        };
        if let Some(format) = format {
            sheet.set_column_format(c, format).map_err(xlsx)?;
        }
    }
    header_row(sheet, 0, headers, f).map_err(xlsx)?;
    for (r, &i) in rows.iter().enumerate() {
        let cell = r as u32 + 1;
        let wrapped = columns.iter().filter_map(|col| match &col.cells {
            Cells::Text {
                wrap: true, words, ..
            } => col.cells.text(i).map(|v| (words(v), col.width)),
            _ => None,
        });
        let height = crate::xlsx_format::row_height(wrapped);
        if height > 17.0 {
            sheet.set_row_height(cell, height).map_err(xlsx)?;
        }
        for (c, col) in columns.iter().enumerate() {
            let c = c as u16;
            match &col.cells {
                Cells::Blank => Ok(()),
                Cells::Text { words, .. } => match col.cells.text(i) {
                    Some(v) => sheet
                        .write_string(cell, c, excel_text(words(v)).as_ref())
                        .map(|_| ()),
                    None => Ok(()),
                },
                Cells::Number { values, .. } => match values.get(i).copied().flatten() {
                    Some(v) => sheet.write_number(cell, c, v).map(|_| ()),
                    None => Ok(()),
                },
            }
            .map_err(xlsx)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
    let last_row = rows.len().max(1) as u32;
    sheet
        .autofilter(0, 0, last_row, columns.len() as u16 - 1)
        .map_err(xlsx)?;
    sheet
        .set_print_area(0, 0, last_row, printed.min(columns.len() as u16) - 1)
        .map_err(xlsx)?;
    Ok(())
}

/// Per township: findings, money at risk, findings per category, and the unit score —
/// the sum of its findings' risk scores, so a unit with many serious cases ranks first.
/// 乡镇一案双查: per township (the responsible unit) its findings, summed risk score and
/// money. Money is the summary's, each payment once under its beneficiary's township; a
/// finding whose money spans townships is listed in each.
fn townships(
    sheet: &mut Worksheet,
    findings: &DataFrame,
    summary: &Summary,
    f: &Formats,
) -> Result<()> {
    sheet.set_name("乡镇一案双查").map_err(xlsx)?;
    let town = frame::text(findings, "township")?;
    let split = frame::text_or_none(findings, fundaudit_rules::money::SPLIT);
    let cat = frame::text(findings, "category")?;
    let score = frame::floats(findings, "risk_score");
    #[derive(Default)]
    struct Unit {
        findings: usize,
        amount: f64,
        score: f64,
        by_category: BTreeMap<String, usize>,
    }
    let mut units: BTreeMap<String, Unit> = BTreeMap::new();
    for i in 0..findings.height() {
        for name in fundaudit_rules::money::townships_of(town[i], split[i]) {
            let u = units.entry(name.to_string()).or_default();
            u.findings += 1;
            u.score += score[i].unwrap_or(0.0);
            *u.by_category
                .entry(cat[i].unwrap_or("").to_string())
                .or_default() += 1;
        }
    }
    for (name, u) in units.iter_mut() {
        u.amount = summary
            .by_township
            .get(name)
            .map_or(0.0, |t| t.amount_at_risk);
    }
    let mut units: Vec<(String, Unit)> = units.into_iter().collect();
    units.sort_by(|a, b| b.1.score.total_cmp(&a.1.score));
    let mut headers = vec![
        "排名",
        "乡镇（责任单位）",
        "单位风险分",
        "线索数",
        "涉及金额(元)",
    ];
    headers.extend(Category::ALL.iter().map(|c| c.chinese()));
    header_row(sheet, 0, &headers, f).map_err(xlsx)?;
    for (r, (name, u)) in units.iter().enumerate() {
        let row = r as u32 + 1;
        let w = |res: std::result::Result<&mut Worksheet, XlsxError>| res.map(|_| ()).map_err(xlsx);
        w(sheet.write_number(row, 0, (r + 1) as f64))?;
        w(sheet.write_string(row, 1, name))?;
        w(sheet.write_number_with_format(row, 2, u.score, &f.score))?;
        w(sheet.write_number(row, 3, u.findings as f64))?;
        w(sheet.write_number_with_format(row, 4, u.amount, &f.yuan))?;
        for (k, c) in Category::ALL.iter().enumerate() {
            let n = u.by_category.get(c.code()).copied().unwrap_or(0);
            w(sheet.write_number(row, 5 + k as u16, n as f64))?;
        }
    }
    for (c, w) in [6.0, 16.0, 12.0, 9.0, 16.0, 10.0, 10.0, 10.0, 10.0, 10.0]
        .iter()
        .enumerate()
    {
        sheet.set_column_width(c as u16, *w).map_err(xlsx)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
    sheet
        .autofilter(0, 0, units.len().max(1) as u32, headers.len() as u16 - 1)
        .map_err(xlsx)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_made_safe_and_unique() {
        let mut taken = std::collections::HashSet::new();
        let mut name = |raw: &str| safe_sheet_name(raw, &mut taken);
        assert_eq!(name("城关镇/街道"), "城关镇_街道");
        assert_eq!(name("城关镇?街道"), "城关镇_街道(2)");
        assert_eq!(name("Chengguan"), "Chengguan");
        assert_eq!(name("CHENGGUAN"), "CHENGGUAN(2)");
        assert_eq!(name("'黄寨镇'"), "黄寨镇");
        assert_eq!(name(""), "（）");
        let long = "一".repeat(40);
        let a = name(&long);
        let b = name(&format!("{long}二"));
        assert_eq!(a.chars().count(), 31);
        assert_eq!(b.chars().count(), 31);
        assert_ne!(a, b);
        let mut book = Workbook::new();
        for n in [a, b, "城关镇_街道(2)".to_string()] {
            book.add_worksheet().set_name(&n).unwrap();
        }
    }

    #[test]
    fn a_category_past_the_row_limit_continues_on_numbered_sheets() {
        let rows: Vec<usize> = (0..5).collect();
        let parts = sheet_parts("挪用截留", &rows, 2);
        let names: Vec<&str> = parts.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(names, ["挪用截留", "挪用截留(2)", "挪用截留(3)"]);
        assert_eq!(parts.iter().map(|p| p.1.len()).sum::<usize>(), 5);
        assert_eq!(parts[2].1, [4]);
        assert_eq!(sheet_parts("重复发放", &[], 2).len(), 1);
        assert_eq!(SHEET_ROWS + 1, 1 << 20);
    }
}
