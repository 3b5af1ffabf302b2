//! A source read as text ([`RawTable`]), the formats read by extension, and the error a
//! file that cannot be read gives.

use std::path::Path;

use polars::prelude::*;

use crate::header_shape::Grid;
use crate::loaded::Reject;
use fundaudit_core::error::{Error, Result};

/// A source read as text.
pub struct RawTable {
    pub frame: DataFrame,
    /// The row number a user sees for each frame row (Excel row, or text line; the header
    /// is row 1) when it is not simply index + 2.
    pub lines: Option<Vec<usize>>,
    /// Rows that could not even be split into the header's fields.
    pub rejects: Vec<Reject>,
    /// What was detected, for the log: `CSV, GB18030, tab-separated`, `Excel sheet 花名册`.
    pub format: String,
}

/// The formats this module reads, by extension.
pub const EXTENSIONS: [&str; 8] = ["csv", "tsv", "txt", "xlsx", "xlsm", "xls", "ods", "parquet"];

/// A file's extension, lower-cased (empty without one).
pub fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default()
}

/// Whether a file is a workbook (Excel or OpenDocument), by its extension.
pub fn is_workbook(path: &Path) -> bool {
    matches!(
        extension(path).as_str(),
        "xlsx" | "xlsm" | "xls" | "xlsb" | "ods"
    )
}

pub(crate) fn unreadable(path: &Path, message: impl std::fmt::Display) -> Error {
    Error::Unreadable {
        path: path.display().to_string(),
        message: message.to_string(),
    }
}

/// A frame of the grid's rows from `first` on, under `headers` (repeats numbered), with
/// each row's line; blank rows are kept (the loader counts them as skipped).
pub fn grid_table(grid: &Grid, first: usize, headers: &[String], path: &Path) -> Result<RawTable> {
    let rows = grid.rows.get(first..).unwrap_or(&[]);
    let mut columns: Vec<Vec<Option<String>>> = vec![Vec::with_capacity(rows.len()); headers.len()];
    for row in rows {
        for (j, column) in columns.iter_mut().enumerate() {
            column.push(row.get(j).cloned().flatten());
        }
    }
    let mut seen = std::collections::HashSet::new();
    let frame_columns: Vec<Column> = headers
        .iter()
        .zip(columns)
        .map(|(h, values)| {
            // Duplicate headers would make an invalid frame: number the repeats as Polars
            // does (the loader refuses a repeated header, naming both columns).
            let mut name = h.clone();
            let mut k = 0;
            while !seen.insert(name.clone()) {
                name = format!("{h}_duplicated_{k}");
                k += 1;
            }
            Column::new(name.as_str().into(), values)
        })
        .collect();
    let frame = DataFrame::new(rows.len(), frame_columns).map_err(|e| unreadable(path, e))?;
    Ok(RawTable {
        frame,
        lines: Some(grid.lines.get(first..).unwrap_or(&[]).to_vec()),
        rejects: Vec::new(),
        format: String::new(),
    })
}
