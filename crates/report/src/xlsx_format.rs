//! The cell formats every sheet of findings.xlsx shares (header, title, yuan, score,
//! wrapped text) and its header row: kept apart so the night's sheets
//! (`night_sheets.rs`) and the rest of the workbook (`workbook.rs`) use one style
//! without importing each other.

use rust_xlsxwriter::{Format, FormatAlign, Worksheet, XlsxError};

pub(crate) struct Formats {
    pub(crate) header: Format,
    pub(crate) title: Format,
    pub(crate) yuan: Format,
    pub(crate) score: Format,
    pub(crate) wrap: Format,
}

impl Formats {
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
