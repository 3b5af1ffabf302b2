//! What loading a file gives ([`Loaded`]): its typed frame, each row's line in the file
//! ([`LINE`]), the rows that could not be used with file, line, column, value and reason
//! ([`Reject`]), the totals and notes rows skipped ([`SkippedRow`]), and its account of
//! rows read, used and rejected ([`FileCount`]).

use std::path::Path;

use polars::prelude::*;

use crate::header_shape;

/// Name of the column that carries each row's line number in its source file.
pub const LINE: &str = "_source_line";

/// A row that could not be used, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reject {
    pub file: String,
    /// Line in the file as a text editor or Excel shows it (the header is line 1).
    pub line: usize,
    pub column: String,
    pub value: String,
    pub reason: String,
}

/// A row below the header that is neither data nor a reject: a total, a note, a blank.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SkippedRow {
    pub line: usize,
    pub kind: header_shape::SkipKind,
    /// The row's first cells, shortened.
    pub text: String,
}

/// Rows in and rows accounted for, per file: read = used + rejected, always; title, header,
/// total, note and blank rows are listed apart.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FileCount {
    pub file: String,
    pub rows_read: usize,
    pub rows_used: usize,
    pub rows_rejected: usize,
    /// What was read: `text, GB18030, tab-separated`, `workbook, sheet 花名册`, `Parquet`.
    pub format: String,
    /// Headers that were mapped to a differently named field: (header, field).
    pub mapped: Vec<(String, String)>,
    /// Wall time to read and validate the file.
    pub seconds: f64,
    /// The row (as the user sees it) where the header starts.
    pub header_line: usize,
    /// Rows above the header: the title block (program, township, period, unit …).
    pub title: Vec<String>,
    /// Totals, notes and blank rows below the header.
    pub skipped: Vec<SkippedRow>,
    /// Columns the file lacked, filled from its title: (field, value).
    pub from_title: Vec<(String, String)>,
    /// Problems with the file as a whole, e.g. a 合计 that does not add up.
    pub warnings: Vec<String>,
    /// Cells that held invisible format characters (removed as read: see [`fundaudit_core::text`]).
    #[serde(default)]
    pub invisible_cells: usize,
    /// The fields the file carries (its own columns, or filled from its title).
    pub fields: Vec<String>,
    /// The workbook sheet, when the file's sheets were read one by one.
    pub sheet: Option<String>,
    /// The file's SHA-256 when it was staged: a run on the stage records what was staged,
    /// whatever became of the file since (None: hashed by the run, as read).
    #[serde(default)]
    pub sha256: Option<String>,
}

/// One loaded file: the typed frame of good rows plus the accounting.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub frame: DataFrame,
    pub rejects: Vec<Reject>,
    pub count: FileCount,
}

impl FileCount {
    /// How rows of this file are named in rejects: the path, and the sheet when the file's
    /// sheets were read one by one.
    pub fn label(&self) -> String {
        match &self.sheet {
            Some(sheet) => format!("{} [{sheet}]", self.file),
            None => self.file.clone(),
        }
    }
}

/// A path's last part, for messages that name a file among files.
pub fn short(path: &str) -> &str {
    Path::new(path)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(path)
}
