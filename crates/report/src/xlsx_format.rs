//! The cell formats every sheet of findings.xlsx shares (header, title, yuan, score,
//! wrapped text) and its header row: kept apart so the night's sheets
//! (`night_sheets.rs`) and the rest of the workbook (`workbook.rs`) use one style
//! without importing each other.

use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};

use crate::html::words::Lang;

/// A workbook of the run's reports, compressed fast.
///
/// An xlsx file is a zip of XML; at the zip library's default level (6), deflate was
/// about a third of writing findings.xlsx, the longest of the officers' reports at the
/// end of a night. Level 2 took the reports of a 200,000-person county from 1.8–2.0 s to
/// 1.1–1.4 s for files about a quarter larger (findings.xlsx 6.9 → 8.9 MB; level 1 gave
/// 11.1 MB for little more speed). Excel and WPS read any level alike.
pub fn new_workbook() -> Workbook {
    let mut book = Workbook::new();
    book.set_zip_compression_level(2);
    book
}

/// The language a workbook's headers are written in (`--lang`): the evidence and
/// summaries stay as the run wrote them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Words {
    pub lang: Lang,
}

impl Words {
    pub fn new(lang: Lang) -> Words {
        Words { lang }
    }

    /// `zh` or `en`, by the workbook's language.
    pub fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        match self.lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

pub(crate) struct Formats {
    pub(crate) header: Format,
    pub(crate) title: Format,
    pub(crate) yuan: Format,
    pub(crate) score: Format,
    pub(crate) wrap: Format,
    /// Numbers of a table whose rows are as tall as their wrapped text: each at the top,
    /// level with the text beside it (plain cells are, by the workbook's default style:
    /// see [`Formats::default_cell`]).
    pub(crate) yuan_top: Format,
    pub(crate) score_top: Format,
}

impl Formats {
    /// The style of a table's plain cell, made a workbook's default (see
    /// `workbook::write_workbook`): at the top of its row.
    pub(crate) fn default_cell() -> Format {
        Format::new().set_align(FormatAlign::Top)
    }

    pub(crate) fn new() -> Formats {
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color(0xDDEBF7)
                .set_align(FormatAlign::Center),
            title: Format::new().set_bold().set_font_size(16),
            yuan: Format::new().set_num_format("#,##0.00"),
            score: Format::new().set_num_format("0.00"),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            yuan_top: Format::new()
                .set_num_format("#,##0.00")
                .set_align(FormatAlign::Top),
            score_top: Format::new()
                .set_num_format("0.00")
                .set_align(FormatAlign::Top),
        }
    }
}

pub(crate) fn header_row(
    sheet: &mut Worksheet,
    row: u32,
    headers: &[&str],
    f: &Formats,
) -> std::result::Result<(), XlsxError> {
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(row, c as u16, *h, &f.header)?;
    }
    Ok(())
}

/// How many lines `text` takes in a wrapped cell `width` characters wide (Excel's width
/// unit is one `0`; a Han character or full-width mark takes two). Excel, WPS and
/// LibreOffice do not all fit row heights to wrapped text on opening, and a printed row
/// that is too short cuts its text: the writers set each row's height from this.
pub(crate) fn wrapped_lines(text: &str, width: f64) -> usize {
    let per_line = (width - 0.5).max(2.0);
    text.split('\n')
        .map(|line| {
            let units: f64 = line
                .chars()
                .map(|c| if c.is_ascii() { 1.0 } else { 2.0 })
                .sum();
            ((units / per_line).ceil() as usize).max(1)
        })
        .sum()
}

/// The height in points of a row whose wrapped cells are `cells` (text, column width),
/// for an 11-point font.
pub(crate) fn row_height<'a>(cells: impl IntoIterator<Item = (&'a str, f64)>) -> f64 {
    let lines = cells
        .into_iter()
        .map(|(t, w)| wrapped_lines(t, w))
        .max()
        .unwrap_or(1);
    15.0 * lines as f64 + 2.0
}

#[cfg(test)]
mod tests {
    use super::wrapped_lines;

    #[test]
    fn han_characters_take_two_units() {
        assert_eq!(wrapped_lines("", 10.0), 1);
        assert_eq!(wrapped_lines("abcdefgh", 10.0), 1);
        // 10 Han characters = 20 units over 9.5 a line: 3 lines.
        assert_eq!(wrapped_lines("张三李四王五赵六钱七", 10.0), 3);
        assert_eq!(wrapped_lines("a\nb", 10.0), 2);
    }
}
