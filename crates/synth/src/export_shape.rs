//! The generated county as counties deliver it, with the same content and so the same
//! findings and truth:
//!
//! - `gov-workbook`: the roster as one workbook with a sheet per township, each with a
//!   merged title naming the township (the sheet has no township column: the title gives
//!   it), a 填报单位 row, a group header 银行账户信息 over 账号, and 合计/制表人 rows; the
//!   allocations as one workbook per township in a folder 发放清册/, with 合计 rows that
//!   add up; deaths and officials under Chinese names;
//! - `bank`: the payments as the bank's monthly files in 代发/, with a 交易状态 column:
//!   failed attempts before their successful retry, a wrong transfer and its reversal
//!   (冲正, negative amount), a transfer returned (退票) before the real one, and each
//!   month's file repeating the last rows of the month before (an overlapping export);
//! - `county`: both, and the posted lists as villages keep them: in 公示名单/, every third
//!   a workbook with a title row and one 公示起止日期 cell (`2025-03-01至2025-03-08`).

use std::collections::BTreeMap;
use std::path::Path;

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use fundaudit_core::error::{Error, Result};

/// How the generated ledgers are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shape {
    /// One clean UTF-8 CSV per ledger.
    #[default]
    Csv,
    GovWorkbook,
    Bank,
    /// Every shape at once.
    County,
}

impl std::str::FromStr for Shape {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Shape, String> {
        match s {
            "csv" => Ok(Shape::Csv),
            "gov-workbook" => Ok(Shape::GovWorkbook),
            "bank" => Ok(Shape::Bank),
            "county" => Ok(Shape::County),
            _ => Err(format!(
                "unknown shape `{s}`: use csv, gov-workbook, bank or county"
            )),
        }
    }
}

fn failed(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Rows of a CSV the generator wrote (no quoted fields in the ledgers).
fn rows(path: &Path) -> Result<(Vec<String>, Vec<Vec<String>>)> {
    let text = std::fs::read_to_string(path).map_err(|e| failed(path, e))?;
    let mut lines = text.lines();
    let header = lines
        .next()
        .unwrap_or("")
        .split(',')
        .map(str::to_string)
        .collect();
    let body = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    Ok((header, body))
}

/// Rewrites the clean CSVs in `out` in `shape`; the CSVs it replaces are removed (the
/// generator wrote them a moment ago).
pub fn apply(shape: Shape, out: &Path) -> Result<()> {
    if matches!(shape, Shape::GovWorkbook | Shape::County) {
        roster_workbook(out)?;
        allocation_workbooks(out)?;
        for (from, to) in [
            ("deaths.csv", "死亡人员名单.csv"),
            ("officials.csv", "财政供养人员名单.csv"),
        ] {
            std::fs::rename(out.join(from), out.join(to)).map_err(|e| failed(out, e))?;
        }
    }
    if matches!(shape, Shape::Bank | Shape::County) {
        bank_files(out)?;
    }
    if shape == Shape::County {
        notice_files(out)?;
    }
    Ok(())
}

/// notices/ as 公示名单/: every third list a titled workbook with the posting span in one
/// cell, the rest CSV as written.
fn notice_files(out: &Path) -> Result<()> {
    let (from_dir, to_dir) = (out.join("notices"), out.join("公示名单"));
    std::fs::create_dir_all(&to_dir).map_err(|e| failed(&to_dir, e))?;
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&from_dir)
        .map_err(|e| failed(&from_dir, e))?
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for (k, path) in files.iter().enumerate() {
        let name = path.file_name().unwrap_or_default();
        if k % 3 != 0 {
            std::fs::rename(path, to_dir.join(name)).map_err(|e| failed(path, e))?;
            continue;
        }
        let (_, body) = rows(path)?;
        let stem = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let target = to_dir.join(format!("{stem}.xlsx"));
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let headers = [
            "乡镇",
            "村",
            "姓名",
            "身份证号",
            "补贴项目",
            "所属期",
            "金额",
            "公示起止日期",
        ];
        let title_format = Format::new().set_bold().set_font_size(14);
        let fail = xlsx(&target);
        sheet
            .merge_range(0, 0, 0, headers.len() as u16 - 1, &stem, &title_format)
            .map_err(&fail)?;
        for (j, h) in headers.iter().enumerate() {
            sheet.write(1, j as u16, *h).map_err(&fail)?;
        }
        for (i, r) in body.iter().enumerate() {
            let row = i as u32 + 2;
            for (j, v) in r.iter().take(6).enumerate() {
                sheet.write(row, j as u16, v.as_str()).map_err(&fail)?;
            }
            sheet
                .write(row, 6, fen(&r[6]) as f64 / 100.0)
                .map_err(&fail)?;
            sheet
                .write(row, 7, format!("{}至{}", r[7], r[8]))
                .map_err(&fail)?;
        }
        book.save(&target).map_err(&fail)?;
        std::fs::remove_file(path).map_err(|e| failed(path, e))?;
    }
    std::fs::remove_dir(&from_dir).map_err(|e| failed(&from_dir, e))
}

fn xlsx(path: &Path) -> impl Fn(XlsxError) -> Error + '_ {
    move |e| failed(path, e)
}

/// Title, 填报单位 row, and the header (group header 银行账户信息 over the account column
/// when `account` is given); returns the first data row.
fn head(
    sheet: &mut Worksheet,
    title: &str,
    unit: &str,
    headers: &[&str],
    account: Option<usize>,
) -> std::result::Result<u32, XlsxError> {
    let width = headers.len() as u16;
    let title_format = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(rust_xlsxwriter::FormatAlign::Center);
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.merge_range(0, 0, 0, width - 1, title, &title_format)?;
    sheet.write(1, 0, format!("填报单位（盖章）：{unit}"))?;
    sheet.write(1, width - 1, "单位：元")?;
    let boxed = Format::new()
        .set_bold()
        .set_border(rust_xlsxwriter::FormatBorder::Thin)
        .set_align(rust_xlsxwriter::FormatAlign::Center);
    for (j, h) in headers.iter().enumerate() {
        let c = j as u16;
        // Wide enough for an ID or card number, as an office would set them.
        let chars = if h.contains("身份") || h.contains("账号") {
            21.0
        } else {
            11.0
        };
        sheet.set_column_width(c, chars)?;
        if Some(j) == account {
            sheet.write_with_format(2, c, "银行账户信息", &boxed)?;
            sheet.write_with_format(3, c, *h, &boxed)?;
        } else if account.is_some() {
            // Merged down over the sub-header row, as offices draw it.
            sheet.merge_range(2, c, 3, c, h, &boxed)?;
        } else {
            sheet.write_with_format(2, c, *h, &boxed)?;
        }
    }
    Ok(if account.is_some() { 4 } else { 3 })
}

/// 合计 (with the amount column's sum), a blank row, the signatures.
fn foot(
    sheet: &mut Worksheet,
    row: u32,
    amount: Option<(u16, i64)>,
) -> std::result::Result<(), XlsxError> {
    sheet.write(row, 0, "合计")?;
    if let Some((col, fen)) = amount {
        sheet.write(row, col, fen as f64 / 100.0)?;
    }
    sheet.write(
        row + 2,
        0,
        "制表人：王会计    审核人：李主任    制表日期：2026年4月2日",
    )?;
    Ok(())
}

fn fen(yuan: &str) -> i64 {
    fundaudit_core::cells::parse_amount_fen(yuan).unwrap_or(0)
}

/// beneficiaries.csv → 某县享受对象花名册.xlsx, a sheet per township, township in the title.
fn roster_workbook(out: &Path) -> Result<()> {
    let src = out.join("beneficiaries.csv");
    let (header, body) = rows(&src)?;
    let at = |name: &str| header.iter().position(|h| h == name).unwrap_or(0);
    let (id, name, idn, town, village, account, death, household) = (
        at("beneficiary_id"),
        at("name"),
        at("id_number"),
        at("township"),
        at("village"),
        at("bank_account"),
        at("death_date"),
        at("household_id"),
    );
    let mut by_town: BTreeMap<&str, Vec<&Vec<String>>> = BTreeMap::new();
    for r in &body {
        by_town.entry(r[town].as_str()).or_default().push(r);
    }
    let path = out.join("某县享受对象花名册.xlsx");
    let e = xlsx(&path);
    let mut book = Workbook::new();
    for (township, people) in by_town {
        let sheet = book.add_worksheet();
        sheet.set_name(township).map_err(&e)?;
        let first = head(
            sheet,
            &format!("某县2025年{township}惠民惠农补贴享受对象花名册"),
            &format!("{township}人民政府"),
            &[
                "人员编号",
                "姓名",
                "公民身份号码",
                "村（社区）",
                "账号",
                "死亡日期",
            ],
            Some(4),
        )
        .map_err(&e)?;
        for (i, r) in people.iter().enumerate() {
            let row = first + i as u32;
            for (j, c) in [id, name, idn, village, account, death, household]
                .iter()
                .enumerate()
            {
                if !r[*c].is_empty() {
                    sheet.write_string(row, j as u16, &r[*c]).map_err(&e)?;
                }
            }
        }
        foot(sheet, first + people.len() as u32, None).map_err(&e)?;
    }
    book.save(&path).map_err(&e)?;
    std::fs::remove_file(&src).map_err(|e| failed(&src, e))
}

/// allocations.csv → 发放清册/<township>2025年发放清册.xlsx, one workbook per township.
fn allocation_workbooks(out: &Path) -> Result<()> {
    let src = out.join("allocations.csv");
    let (header, body) = rows(&src)?;
    let town = header.iter().position(|h| h == "township").unwrap_or(0);
    let amount = header.iter().position(|h| h == "amount").unwrap_or(0);
    let chinese = [
        "清册编号",
        "补贴项目",
        "所属期",
        "人员编号",
        "乡镇",
        "金额",
        "资金到位日期",
        "发放截止日期",
    ];
    let dir = out.join("发放清册");
    std::fs::create_dir_all(&dir).map_err(|e| failed(&dir, e))?;
    let mut by_town: BTreeMap<&str, Vec<&Vec<String>>> = BTreeMap::new();
    for r in &body {
        by_town.entry(r[town].as_str()).or_default().push(r);
    }
    for (township, list) in by_town {
        let name = if township.is_empty() {
            "其他"
        } else {
            township
        };
        let path = dir.join(format!("{name}2025年发放清册.xlsx"));
        let e = xlsx(&path);
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let first = head(
            sheet,
            &format!("某县{name}民生资金发放清册"),
            &format!("{name}财政所"),
            &chinese,
            None,
        )
        .map_err(&e)?;
        let mut total = 0;
        for (i, r) in list.iter().enumerate() {
            let row = first + i as u32;
            for (j, v) in r.iter().enumerate() {
                if j == amount {
                    total += fen(v);
                    sheet
                        .write(row, j as u16, fen(v) as f64 / 100.0)
                        .map_err(&e)?;
                } else if !v.is_empty() {
                    sheet.write_string(row, j as u16, v).map_err(&e)?;
                }
            }
        }
        foot(
            sheet,
            first + list.len() as u32,
            Some((amount as u16, total)),
        )
        .map_err(&e)?;
        book.save(&path).map_err(&e)?;
    }
    std::fs::remove_file(&src).map_err(|e| failed(&src, e))
}

/// payments.csv → 代发/农商行代发明细_<yyyy-mm>.csv with 交易状态, retries, a reversal, a
/// return, and each month repeating the last rows of the month before.
fn bank_files(out: &Path) -> Result<()> {
    let src = out.join("payments.csv");
    let (header, body) = rows(&src)?;
    let at = |name: &str| header.iter().position(|h| h == name).unwrap_or(0);
    let (id, amount, date) = (at("payment_id"), at("amount"), at("paid_date"));
    let shifted = |d: &str, days: i64| -> String {
        chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(|x| {
                (x + chrono::Duration::days(days))
                    .format("%Y-%m-%d")
                    .to_string()
            })
            .unwrap_or_else(|_| d.to_string())
    };
    let mut by_month: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    let mut push = |r: Vec<String>, status: &str| {
        let month = r[date].get(..7).unwrap_or("").to_string();
        let mut r = r;
        r.push(status.to_string());
        by_month.entry(month).or_default().push(r);
    };
    for (k, r) in body.iter().enumerate() {
        let with = |suffix: &str, amount_text: Option<String>, days: i64| {
            let mut x = r.clone();
            x[id] = format!("{}{suffix}", r[id]);
            if let Some(a) = &amount_text {
                x[amount] = a.clone();
            }
            x[date] = shifted(&r[date], days);
            x
        };
        if k % 33 == 7 {
            // A failed attempt, retried two days later.
            push(with("-F", None, -2), "失败：账户冻结");
        }
        if k % 151 == 11 {
            // A transfer returned (退票) before the real one went out.
            push(with("-T0", None, -6), "成功");
            push(with("-T", None, -5), "退票");
        }
        push(r.clone(), "成功");
        if k % 97 == 5 {
            // A wrong second transfer the next day, reversed the same day.
            push(with("-W", None, 1), "成功");
            push(with("-R", Some(format!("-{}", r[amount])), 1), "冲正");
        }
    }
    let dir = out.join("代发");
    std::fs::create_dir_all(&dir).map_err(|e| failed(&dir, e))?;
    let head = "流水号,清册编号,人员编号,户名,账号,交易金额,交易日期,补贴项目,交易状态";
    let mut previous_tail: Vec<Vec<String>> = Vec::new();
    for (month, list) in &by_month {
        let mut text = String::from("\u{feff}");
        text.push_str(head);
        text.push('\n');
        // The overlapping export: last month's final rows again.
        for r in previous_tail.iter().chain(list) {
            text.push_str(&r.join(","));
            text.push('\n');
        }
        let name = if month.is_empty() {
            "未知月份"
        } else {
            month
        };
        let path = dir.join(format!("农商行代发明细_{name}.csv"));
        std::fs::write(&path, text).map_err(|e| failed(&path, e))?;
        let keep = (list.len() / 50).max(1);
        previous_tail = list[list.len().saturating_sub(keep)..].to_vec();
    }
    std::fs::remove_file(&src).map_err(|e| failed(&src, e))
}
