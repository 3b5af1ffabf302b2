//! findings.xlsx's sheets about the run as a whole rather than its findings one by one:
//! 概览 (inputs, totals by category and township, the top findings) and 数字分析 (the
//! first-digit tests of amounts, context for analysts).

use polars::prelude::*;
use rust_xlsxwriter::{Color, Format, Worksheet, XlsxError};

use crate::html::words::Lang;
use crate::report::{file_name, Summary};
use crate::xlsx_format::{header_row, Formats};
use fundaudit_core::findings::Category;
use fundaudit_core::frame;

/// 概览: the run date, the inputs and their rows, findings and money by category and by
/// township, and the top 20 findings.
pub(crate) fn overview(
    sheet: &mut Worksheet,
    findings: &DataFrame,
    s: &Summary,
    f: &Formats,
) -> std::result::Result<(), XlsxError> {
    sheet.set_name("概览")?;
    let title = if s.screening {
        "民生资金发放前筛查（事前筛查，fundaudit）：以下分配单建议暂缓发放，见hold.csv"
    } else {
        "民生资金拨付审计线索（fundaudit）"
    };
    sheet.write_string_with_format(0, 0, title, &f.title)?;
    sheet.write_string(1, 0, format!("截止日期：{}", s.as_of))?;
    sheet.write_string(
        2,
        0,
        format!(
            "线索 {} 条，涉及金额 {} 元（同一笔资金只计一次，跨乡镇的按每笔资金所属乡镇计）",
            s.findings,
            fundaudit_core::cells::fmt_yuan(fundaudit_core::cells::fen_of_yuan(s.amount_at_risk))
        ),
    )?;

    let mut r = 4;
    if !s.incomplete.is_empty() {
        // A broken export is read before anything else on the page.
        let alarm = Format::new().set_bold().set_font_color(Color::Red);
        sheet.write_string_with_format(
            r,
            0,
            "警告：输入数据疑似不完整，请先核实数据再使用线索",
            &alarm,
        )?;
        for w in s.incomplete.iter().take(10) {
            r += 1;
            sheet.write_string_with_format(r, 0, w, &alarm)?;
        }
        r += 2;
    }
    header_row(
        sheet,
        r,
        &["输入文件", "读取行数", "使用行数", "拒收行数", "格式"],
        f,
    )?;
    for file in &s.files {
        r += 1;
        sheet.write_string(r, 0, file_name(&file.file))?;
        sheet.write_number(r, 1, file.rows_read as f64)?;
        sheet.write_number(r, 2, file.rows_used as f64)?;
        sheet.write_number(r, 3, file.rows_rejected as f64)?;
        sheet.write_string(r, 4, format_zh(&file.format))?;
    }

    r += 2;
    header_row(sheet, r, &["问题类型", "线索数", "涉及金额(元)"], f)?;
    for c in Category::ALL {
        r += 1;
        let t = s.by_category.get(c.code()).cloned().unwrap_or_default();
        sheet.write_string(r, 0, c.chinese())?;
        sheet.write_number(r, 1, t.findings as f64)?;
        sheet.write_number_with_format(r, 2, t.amount_at_risk, &f.yuan)?;
    }

    r += 2;
    header_row(sheet, r, &["乡镇", "线索数", "涉及金额(元)"], f)?;
    let mut towns: Vec<_> = s.by_township.iter().collect();
    towns.sort_by(|a, b| b.1.amount_at_risk.total_cmp(&a.1.amount_at_risk));
    for (town, t) in towns {
        r += 1;
        sheet.write_string(r, 0, town)?;
        sheet.write_number(r, 1, t.findings as f64)?;
        sheet.write_number_with_format(r, 2, t.amount_at_risk, &f.yuan)?;
    }

    r += 2;
    sheet.write_string_with_format(r, 0, "风险最高的线索", &f.header)?;
    r += 1;
    header_row(
        sheet,
        r,
        &[
            "排名",
            "问题类型",
            "乡镇",
            "涉及金额(元)",
            "风险分",
            "问题线索",
        ],
        f,
    )?;
    let rank = frame::int(findings, "rank").unwrap_or_default();
    let cat = frame::text(findings, "category").unwrap_or_default();
    let town = frame::text(findings, "township").unwrap_or_default();
    let evidence = frame::text(findings, "evidence").unwrap_or_default();
    let amount = frame::floats(findings, "amount_at_risk");
    let score = frame::floats(findings, "risk_score");
    for &i in frame::rank_order(findings).iter().take(20) {
        r += 1;
        sheet.write_number(r, 0, rank.get(i).copied().flatten().unwrap_or(0) as f64)?;
        let zh = Category::ALL
            .iter()
            .find(|c| Some(c.code()) == cat[i])
            .map_or("", |c| c.chinese());
        sheet.write_string(r, 1, zh)?;
        sheet.write_string(r, 2, town[i].unwrap_or(""))?;
        sheet.write_number_with_format(r, 3, amount[i].unwrap_or(0.0), &f.yuan)?;
        sheet.write_number_with_format(r, 4, score[i].unwrap_or(0.0), &f.score)?;
        let text = evidence[i].unwrap_or("");
        sheet.set_row_height(r, crate::xlsx_format::row_height([(text, 80.0)]))?;
        sheet.write_string_with_format(r, 5, text, &f.wrap)?;
    }
    for (c, w) in [12.0, 12.0, 12.0, 14.0, 10.0, 80.0].iter().enumerate() {
        sheet.set_column_width(c as u16, *w)?;
    }
    Ok(())
}

/// How a file was read, in the officers' words: the loader's description
/// (`text, UTF-8, comma-separated`, `workbook, sheet `花名册``) word for word.
fn format_zh(format: &str) -> String {
    const WORDS: &[(&str, &str)] = &[
        ("text", "文本"),
        ("comma-separated", "逗号分隔"),
        ("tab-separated", "制表符分隔"),
        ("semicolon-separated", "分号分隔"),
        ("read in chunks", "分块读取"),
        ("two-row header", "双行表头"),
        ("workbook", "工作簿"),
    ];
    let mut parts = Vec::new();
    for part in format.split(", ") {
        let zh = WORDS.iter().find(|(e, _)| *e == part).map(|(_, z)| *z);
        parts.push(match (zh, part.strip_prefix("sheet ")) {
            (Some(z), _) => z.to_string(),
            (None, Some(name)) => format!("工作表{}", name.trim_matches('`')),
            (None, None) => part.to_string(),
        });
    }
    parts.join("，")
}

/// 数字分析: the first-digit test per township and program (context, not findings).
pub(crate) fn digits(
    sheet: &mut Worksheet,
    s: &Summary,
    f: &Formats,
) -> std::result::Result<(), XlsxError> {
    sheet.set_name("数字分析")?;
    let mut headers = crate::html::words::DIGIT_HEADS.to_vec();
    let digit_names = [
        "首位1", "首位2", "首位3", "首位4", "首位5", "首位6", "首位7", "首位8", "首位9",
    ];
    headers.extend(digit_names);
    header_row(sheet, 0, &headers, f)?;
    for (i, d) in s.digits.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(
            r,
            0,
            if d.by == "township" {
                "乡镇"
            } else {
                "补贴项目"
            },
        )?;
        sheet.write_string(r, 1, &d.group)?;
        sheet.write_number(r, 2, d.payments as f64)?;
        sheet.write_number(r, 3, d.mad)?;
        sheet.write_string(r, 4, crate::html::words::conformity(Lang::Zh, d.conformity))?;
        sheet.write_number(r, 5, d.round_share)?;
        for (k, share) in d.observed.iter().enumerate() {
            sheet.write_number(r, 6 + k as u16, *share)?;
        }
    }
    sheet.set_column_width(1, 18)?;
    sheet.set_column_width(4, 22)?;
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}
