//! findings.xlsx's 项目资金 sheet, written when project files were delivered: each
//! project from approval to acceptance (approved → contracted → paid → accepted), the
//! gaps between them, and the project rules that fired, projects with findings first.
//! An officer filters it by township or sorts by money; the findings themselves stay on
//! the category sheets.

use rust_xlsxwriter::{Worksheet, XlsxError};

use crate::report::Summary;
use crate::xlsx_format::{header_row, Formats};
use fundaudit_core::findings::rule_title;

const HEADERS: &[(&str, f64)] = &[
    ("项目编号", 13.0),
    ("项目名称", 22.0),
    ("乡镇", 9.0),
    ("村", 8.0),
    ("批复金额(元)", 13.0),
    ("批复日期", 11.0),
    ("合同金额(元)", 13.0),
    ("承包单位（发包方式）", 28.0),
    ("已拨付(元)", 13.0),
    ("拨付笔数", 6.0),
    ("验收日期", 11.0),
    ("差异", 20.0),
    ("问题", 30.0),
];

pub(crate) fn projects(
    sheet: &mut Worksheet,
    summary: &Summary,
    f: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name("项目资金")?;
    let headers: Vec<&str> = HEADERS.iter().map(|h| h.0).collect();
    header_row(sheet, 0, &headers, f)?;
    for (r, p) in summary.projects.iter().enumerate() {
        let row = r as u32 + 1;
        sheet.write_string(row, 0, &p.id)?;
        sheet.write_string(row, 1, &p.name)?;
        sheet.write_string(row, 2, &p.township)?;
        sheet.write_string(row, 3, &p.village)?;
        sheet.write_number_with_format(row, 4, p.approved_yuan, &f.yuan)?;
        sheet.write_string(row, 5, &p.approved)?;
        sheet.write_number_with_format(row, 6, p.contracted_yuan, &f.yuan)?;
        sheet.write_string(row, 7, p.contractors.join("；"))?;
        sheet.write_number_with_format(row, 8, p.paid_yuan, &f.yuan)?;
        sheet.write_number(row, 9, p.payments as f64)?;
        sheet.write_string(row, 10, p.accepted.as_deref().unwrap_or("未验收"))?;
        sheet.write_string(row, 11, p.gaps.join("；"))?;
        let titles: Vec<&str> = p.rules.iter().map(|r| rule_title(r)).collect();
        sheet.write_string(row, 12, titles.join("；"))?;
    }
    for (c, (_, w)) in HEADERS.iter().enumerate() {
        sheet.set_column_width(c as u16, *w)?;
    }
    sheet.set_freeze_panes(1, 1)?;
    sheet.autofilter(
        0,
        0,
        summary.projects.len().max(1) as u32,
        HEADERS.len() as u16 - 1,
    )?;
    Ok(())
}
