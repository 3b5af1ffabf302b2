//! case_sheets.xlsx: the 线索处置表 of the top cases, a sheet each, every one printing
//! on one portrait A4 page with its signature lines; then a 移送函 per township listing
//! that township's cases, to send with the sheets. The same contents as report.html's
//! printed sheets (both read [`crate::case_sheet`]), for offices that file workbooks.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Worksheet, XlsxError};

use crate::case_sheet::{CaseSheet, Kind};
use crate::xlsx_format::row_height;
use fundaudit_core::error::{Error, Result};

/// Column widths of a sheet (A–H): 96 characters, one portrait A4 page wide at 100%.
const WIDTHS: [f64; 8] = [14.0, 11.0, 18.0, 14.0, 12.0, 11.0, 8.0, 8.0];
const LAST: u16 = 7;

struct Styles {
    title: Format,
    meta: Format,
    section: Format,
    head: Format,
    wrap: Format,
    blank: Format,
}

impl Styles {
    fn new() -> Styles {
        let border = |f: Format| f.set_border(FormatBorder::Thin);
        Styles {
            title: Format::new()
                .set_bold()
                .set_font_size(16)
                .set_align(FormatAlign::Center),
            meta: Format::new().set_font_size(10),
            section: Format::new().set_bold().set_font_size(11),
            head: border(
                Format::new()
                    .set_bold()
                    .set_background_color(0xDDEBF7)
                    .set_align(FormatAlign::Center),
            ),
            wrap: border(
                Format::new()
                    .set_font_size(10)
                    .set_text_wrap()
                    .set_align(FormatAlign::Top),
            ),
            blank: border(Format::new().set_text_wrap().set_align(FormatAlign::Top)),
        }
    }
}

fn fail(path: &Path) -> impl Fn(XlsxError) -> Error + '_ {
    move |e| Error::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Writes case_sheets.xlsx; a run without cases writes one sheet saying so.
pub fn write(sheets: &[CaseSheet], as_of: &str, path: &Path) -> Result<()> {
    let fail = fail(path);
    let s = Styles::new();
    let mut book = crate::xlsx_format::new_workbook();
    let mut taken = HashSet::new();
    for c in sheets {
        let sheet = book.add_worksheet();
        let name =
            crate::workbook::safe_sheet_name(&format!("{} {}", c.rank, c.case_id), &mut taken);
        sheet.set_name(&name).map_err(&fail)?;
        case_page(sheet, c, as_of, &s).map_err(&fail)?;
    }
    let mut by_town: BTreeMap<&str, Vec<&CaseSheet>> = BTreeMap::new();
    for c in sheets {
        for t in c.townships.split(';').filter(|t| !t.is_empty()) {
            by_town.entry(t).or_default().push(c);
        }
    }
    for (town, cases) in &by_town {
        let sheet = book.add_worksheet();
        let name = crate::workbook::safe_sheet_name(&format!("移送函 {town}"), &mut taken);
        sheet.set_name(&name).map_err(&fail)?;
        referral(sheet, town, cases, as_of, &s).map_err(&fail)?;
    }
    if sheets.is_empty() {
        book.add_worksheet()
            .set_name("无案件")
            .and_then(|w| w.write_string(0, 0, "本次运行没有案件。"))
            .map_err(&fail)?;
    }
    crate::workbook::save_private(&mut book, path)
}

/// A row of merged cells from `first` to the last column.
fn span(
    sheet: &mut Worksheet,
    row: u32,
    first: u16,
    text: &str,
    format: &Format,
) -> std::result::Result<(), XlsxError> {
    if first == LAST {
        sheet.write_string_with_format(row, first, text, format)?;
    } else {
        sheet.merge_range(row, first, row, LAST, text, format)?;
    }
    Ok(())
}

/// A bordered table: `heads` as (text, first column), the last head spanning to the
/// sheet's edge; each row's cells in the same columns, wrapped and sized to fit.
fn table(
    sheet: &mut Worksheet,
    row: &mut u32,
    heads: &[(&str, u16)],
    rows: &[Vec<String>],
    s: &Styles,
) -> std::result::Result<(), XlsxError> {
    let spans: Vec<(u16, u16)> = heads
        .iter()
        .enumerate()
        .map(|(k, (_, first))| {
            let last = heads.get(k + 1).map_or(LAST, |(_, next)| next - 1);
            (*first, last)
        })
        .collect();
    let width = |(a, b): (u16, u16)| (a..=b).map(|c| WIDTHS[c as usize]).sum::<f64>();
    let put = |sheet: &mut Worksheet, r: u32, (a, b): (u16, u16), text: &str, f: &Format| {
        if a == b {
            sheet.write_string_with_format(r, a, text, f).map(|_| ())
        } else {
            sheet.merge_range(r, a, r, b, text, f).map(|_| ())
        }
    };
    for ((h, _), sp) in heads.iter().zip(&spans) {
        put(sheet, *row, *sp, h, &s.head)?;
    }
    *row += 1;
    for cells in rows {
        let h = row_height(
            cells
                .iter()
                .zip(&spans)
                .map(|(t, sp)| (t.as_str(), width(*sp))),
        );
        sheet.set_row_height(*row, h)?;
        for (text, sp) in cells.iter().zip(&spans) {
            put(sheet, *row, *sp, text, &s.wrap)?;
        }
        *row += 1;
    }
    Ok(())
}

/// A page's columns and its centred title; returns the next row.
fn page_top(sheet: &mut Worksheet, title: &str, s: &Styles) -> std::result::Result<u32, XlsxError> {
    for (col, w) in WIDTHS.iter().enumerate() {
        sheet.set_column_width(col as u16, *w)?;
    }
    sheet.set_row_height(0, 24.0)?;
    span(sheet, 0, 0, title, &s.title)?;
    Ok(1)
}

fn case_page(
    sheet: &mut Worksheet,
    c: &CaseSheet,
    as_of: &str,
    s: &Styles,
) -> std::result::Result<(), XlsxError> {
    let mut r = page_top(sheet, "民生资金问题线索处置表", s)?;
    span(
        sheet,
        r,
        0,
        &format!(
            "案件编号 {}　排名 第{}位　案件分 {}　涉及金额 {}元　乡镇 {}　截止日期 {}",
            c.case_id,
            c.rank,
            c.score,
            c.amount,
            c.townships.replace(';', "、"),
            as_of
        ),
        &s.meta,
    )?;
    r += 2;
    for section in &c.sections {
        span(sheet, r, 0, &section.title, &s.section)?;
        r += 1;
        match section.kind {
            Kind::Table => {
                let heads: Vec<(&str, u16)> = section
                    .heads
                    .iter()
                    .copied()
                    .zip(section.columns.iter().copied())
                    .collect();
                table(sheet, &mut r, &heads, &section.rows, s)?;
            }
            Kind::Text | Kind::List => {
                for row in &section.rows {
                    let text = row.join("");
                    sheet.set_row_height(r, row_height([(text.as_str(), 95.0)]))?;
                    span(sheet, r, 0, &text, &s.wrap)?;
                    r += 1;
                }
            }
        }
    }
    // What the officers fill in: room to write, then the three signatures.
    for (label, lines) in c.blanks.iter().zip([5u32, 3]) {
        span(sheet, r, 0, label, &s.section)?;
        r += 1;
        sheet.merge_range(r, 0, r + lines - 1, LAST, "", &s.blank)?;
        r += lines;
    }
    span(
        sheet,
        r,
        0,
        "追缴金额：＿＿＿＿＿＿＿＿元　　　移送单位：＿＿＿＿＿＿＿＿＿＿",
        &s.meta,
    )?;
    r += 2;
    for who in ["承办人", "审核人", "审批人"] {
        sheet.set_row_height(r, 22.0)?;
        span(
            sheet,
            r,
            0,
            &format!("{who}（签字）：＿＿＿＿＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日"),
            &s.meta,
        )?;
        r += 1;
    }
    sheet
        .set_portrait()
        .set_paper_size(9)
        .set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3)
        // One page: the lists are capped (case_sheet's MAX_*) so that the scale stays
        // near 90% at most.
        .set_print_fit_to_pages(1, 1)
        .set_footer("&C第 &P 页 共 &N 页");
    Ok(())
}

/// 移送函: one township's cases, for the body that checks them.
fn referral(
    sheet: &mut Worksheet,
    town: &str,
    cases: &[&CaseSheet],
    as_of: &str,
    s: &Styles,
) -> std::result::Result<(), XlsxError> {
    let mut r = page_top(sheet, "问题线索移送函", s)? + 1;
    span(sheet, r, 0, &format!("{town}党委、纪委："), &s.meta)?;
    r += 1;
    let amount: f64 = cases
        .iter()
        .map(|c| c.amount.replace(',', "").parse::<f64>().unwrap_or(0.0))
        .sum();
    let body = format!(
        "　　在民生资金拨付情况监督检查中，经数据比对（截止日期{as_of}），发现涉及你乡镇的问题线索{}件，涉及金额{}元，现随附线索处置表移送你单位。请逐件核查处置，并于收函后30日内将核查处置情况书面反馈。",
        cases.len(),
        fundaudit_core::cells::fmt_yuan(fundaudit_core::cells::fen_of_yuan(amount))
    );
    sheet.set_row_height(r, row_height([(body.as_str(), 95.0)]))?;
    span(sheet, r, 0, &body, &s.wrap)?;
    r += 2;
    let rows: Vec<Vec<String>> = cases
        .iter()
        .map(|c| {
            vec![
                c.case_id.clone(),
                c.rank.to_string(),
                format!("{}元", c.amount),
                c.summary.clone(),
            ]
        })
        .collect();
    table(
        sheet,
        &mut r,
        &[
            ("案件编号", 0),
            ("排名", 1),
            ("涉及金额", 2),
            ("案情摘要", 3),
        ],
        &rows,
        s,
    )?;
    r += 1;
    span(
        sheet,
        r,
        0,
        &format!("附件：线索处置表{}份", cases.len()),
        &s.meta,
    )?;
    r += 3;
    span(sheet, r, 4, "（盖章）", &s.meta)?;
    r += 1;
    span(sheet, r, 4, "＿＿＿＿年＿＿月＿＿日", &s.meta)?;
    sheet
        .set_portrait()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0)
        .set_footer("&C第 &P 页 共 &N 页");
    Ok(())
}
