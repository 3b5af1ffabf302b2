//! The workbook's 本期变化 and 已排除 sheets: what changed since the last night (new,
//! changed with its money before and now, gone with why) and what officers dismissed,
//! by whom and why. Written only with a case ledger, which is what knows the last night.

use rust_xlsxwriter::{Worksheet, XlsxError};

use crate::xlsx_format::{header_row, Formats};
use fundaudit_casebook::changes::{status_zh, NightChanges};
use fundaudit_core::findings::rule_title;

type Result = std::result::Result<(), XlsxError>;

/// 本期变化: counts on top, then the changed findings and the findings gone with why.
pub(crate) fn changes(sheet: &mut Worksheet, c: &NightChanges, f: &Formats) -> Result {
    sheet.set_name("本期变化")?;
    let since = if c.last_night.is_empty() {
        "首次运行，无上期可比".to_string()
    } else {
        format!("与上期（截止{}）相比", c.last_night)
    };
    sheet.write_string_with_format(0, 0, format!("本期变化：{since}"), &f.title)?;
    sheet.write_string(
        1,
        0,
        format!(
            "新增线索 {} 条，有变化 {} 条，已消失 {} 条（其中原始记录被删改 {} 条）",
            c.new.len(),
            c.changed.len(),
            c.resolved.len(),
            c.resolved
                .iter()
                .filter(|r| r.why == "source_changed")
                .count()
        ),
    )?;
    let mut r = 3;
    sheet.write_string_with_format(r, 0, "有变化的线索", &f.header)?;
    r += 1;
    header_row(
        sheet,
        r,
        &[
            "线索编号",
            "问题",
            "乡镇",
            "上期金额(元)",
            "本期金额(元)",
            "变化内容",
        ],
        f,
    )?;
    for ch in &c.changed {
        r += 1;
        sheet.write_string(r, 0, &ch.finding_id)?;
        sheet.write_string(r, 1, rule_title(&ch.rule))?;
        sheet.write_string(r, 2, &ch.township)?;
        sheet.write_number_with_format(r, 3, ch.amount_before, &f.yuan)?;
        sheet.write_number_with_format(r, 4, ch.amount_now, &f.yuan)?;
        sheet.write_string_with_format(r, 5, &ch.what, &f.wrap)?;
    }
    r += 2;
    sheet.write_string_with_format(r, 0, "已消失的线索（上期有、本期无）", &f.header)?;
    r += 1;
    header_row(
        sheet,
        r,
        &[
            "线索编号",
            "问题",
            "乡镇",
            "上期金额(元)",
            "案件编号",
            "消失原因",
        ],
        f,
    )?;
    for gone in &c.resolved {
        r += 1;
        sheet.write_string(r, 0, &gone.finding_id)?;
        sheet.write_string(r, 1, rule_title(&gone.rule))?;
        sheet.write_string(r, 2, &gone.township)?;
        sheet.write_number_with_format(r, 3, gone.amount, &f.yuan)?;
        sheet.write_string(r, 4, &gone.case_id)?;
        sheet.write_string_with_format(r, 5, &gone.why_zh, &f.wrap)?;
    }
    for (col, width) in [15.0, 16.0, 10.0, 14.0, 14.0, 70.0].iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
    }
    Ok(())
}

/// 已排除: every finding whose latest decision is 不属实, with who, when and why, and the
/// money recovered per case.
pub(crate) fn dismissed(sheet: &mut Worksheet, c: &NightChanges, f: &Formats) -> Result {
    sheet.set_name("已排除")?;
    header_row(
        sheet,
        0,
        &[
            "线索编号",
            "案件编号",
            "问题",
            "乡镇",
            "金额(元)",
            "处置",
            "核查人",
            "处置时间",
            "理由",
        ],
        f,
    )?;
    for (i, d) in c.dismissed.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, &d.finding_id)?;
        sheet.write_string(r, 1, &d.case_id)?;
        sheet.write_string(r, 2, rule_title(&d.rule))?;
        sheet.write_string(r, 3, &d.township)?;
        sheet.write_number_with_format(r, 4, d.amount, &f.yuan)?;
        sheet.write_string(r, 5, status_zh(&d.status))?;
        sheet.write_string(r, 6, &d.by)?;
        sheet.write_string(r, 7, &d.at)?;
        sheet.write_string_with_format(r, 8, &d.note, &f.wrap)?;
    }
    let mut r = c.dismissed.len() as u32 + 3;
    sheet.write_string_with_format(r, 0, "追缴/已追回（按案件）", &f.header)?;
    for (case, yuan) in &c.recovered {
        r += 1;
        sheet.write_string(r, 0, case)?;
        sheet.write_number_with_format(r, 1, *yuan, &f.yuan)?;
    }
    for (col, width) in [15.0, 15.0, 16.0, 10.0, 12.0, 8.0, 10.0, 20.0, 40.0]
        .iter()
        .enumerate()
    {
        sheet.set_column_width(col as u16, *width)?;
    }
    Ok(())
}
