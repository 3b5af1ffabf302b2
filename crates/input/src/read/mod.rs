//! Reading a source file into a frame of text columns, whatever office tool wrote it:
//! CSV or tab/semicolon-separated text in UTF-8 (with or without BOM), GB18030/GBK or
//! UTF-16; Excel workbooks (.xlsx, .xlsm, .xls) and OpenDocument sheets; Parquet.
//!
//! Nothing here interprets a value: every cell stays text (19-digit card numbers and ID
//! numbers ending in `X` must never be guessed into numbers) until validation checks it.

//!
//! One file per concern: [`table`] (what a read gives, the formats by extension),
//! [`encoding`], [`delimited`] (CSV and other separated text), [`workbook`].

pub mod delimited;
pub mod encoding;
pub mod table;
pub mod workbook;

use std::path::Path;

use polars::prelude::*;

use delimited::read_delimited;
use fundaudit_core::error::Result;
use table::{extension, is_workbook, unreadable, RawTable};
use workbook::read_workbook;

/// Reads any supported file; `sheet` picks a workbook sheet (default: the first).
pub fn read_source(path: &Path, sheet: Option<&str>) -> Result<RawTable> {
    if is_workbook(path) {
        return read_workbook(path, sheet);
    }
    match extension(path).as_str() {
        "parquet" => read_parquet(path),
        _ => read_delimited(path),
    }
}

fn read_parquet(path: &Path) -> Result<RawTable> {
    let file = std::fs::File::open(path).map_err(|e| unreadable(path, e))?;
    let typed = ParquetReader::new(file)
        .finish()
        .map_err(|e| unreadable(path, e))?;
    // Back to text, so Parquet goes through the same checks as every other format.
    let columns = typed
        .columns()
        .iter()
        .map(|c| c.cast(&DataType::String))
        .collect::<PolarsResult<Vec<Column>>>()
        .map_err(|e| unreadable(path, e))?;
    let frame = DataFrame::new(typed.height(), columns).map_err(|e| unreadable(path, e))?;
    // Numbered as if a header row came first, like every other format.
    let lines = (2..=frame.height() + 1).collect();
    Ok(RawTable {
        frame,
        lines: Some(lines),
        rejects: Vec::new(),
        format: "Parquet".to_string(),
    })
}
