//! Loading the ledgers: any office export (CSV/TSV in UTF-8, GB18030 or UTF-16; Excel
//! and OpenDocument workbooks; Parquet) into typed Polars frames, with every bad row sent
//! to rejects (file, row as the user sees it, column, value, reason) instead of dropped.
//!
//! `read` turns a file into text columns, `headers` maps its headers to fields, `validate`
//! checks every cell. Money becomes exact fen (Int64), dates Polars `Date`, ID and account
//! numbers cleaned text; everything else stays as written.

pub mod headers;
pub mod read;
pub mod spec;
pub mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};
pub use spec::{
    ColumnSpec, Field, FileSpec, ALLOCATIONS, BENEFICIARIES, DEATHS, OFFICIALS, PAYMENTS,
};
pub use validate::validate;

/// Name of the column that carries each row's line number in its source file.
pub const LINE: &str = "_source_line";

/// How to read one file: its header mapping and workbook sheet from the config.
#[derive(Debug, Clone, Default)]
pub struct InputOptions {
    /// "header as in the file" → field, beyond the built-in aliases.
    pub columns: BTreeMap<String, String>,
    /// Workbook sheet to read (default: the first).
    pub sheet: Option<String>,
}

impl InputOptions {
    /// The options the config gives one file.
    pub fn for_file(config: &crate::config::Config, spec: &FileSpec) -> InputOptions {
        InputOptions {
            columns: config.columns.get(spec.stem).cloned().unwrap_or_default(),
            sheet: config.sheets.get(spec.stem).cloned(),
        }
    }
}

/// A row that could not be used, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reject {
    pub file: String,
    /// Line in the file as a text editor or Excel shows it (the header is line 1).
    pub line: usize,
    pub column: String,
    pub value: String,
    pub reason: String,
}

/// Rows in and rows accounted for, per file: read = used + rejected, always.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
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
}

/// One loaded file: the typed frame of good rows plus the accounting.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub frame: DataFrame,
    pub rejects: Vec<Reject>,
    pub count: FileCount,
}

/// All inputs of one audit run.
#[derive(Debug, Clone)]
pub struct Ledgers {
    pub beneficiaries: DataFrame,
    pub allocations: DataFrame,
    pub payments: DataFrame,
    pub deaths: Option<DataFrame>,
    pub officials: Option<DataFrame>,
    pub rejects: Vec<Reject>,
    pub counts: Vec<FileCount>,
}

impl Ledgers {
    /// Loads every input from a data folder; optional lists are skipped when absent.
    pub fn load(dir: &Path, config: &crate::config::Config) -> Result<Ledgers> {
        let mut rejects = Vec::new();
        let mut counts = Vec::new();
        let mut take = |spec: &FileSpec| -> Result<Option<DataFrame>> {
            let path = match find_source(dir, spec) {
                Some(path) => path,
                None if spec.optional => return Ok(None),
                None => {
                    return Err(Error::MissingFile {
                        path: format!(
                            "{} (or {}.{})",
                            dir.join(spec.file).display(),
                            spec.stem,
                            read::EXTENSIONS.join(", .")
                        ),
                    })
                }
            };
            let loaded = load_file_with(&path, spec, &InputOptions::for_file(config, spec))?;
            rejects.extend(loaded.rejects);
            counts.push(loaded.count);
            Ok(Some(loaded.frame))
        };
        let beneficiaries = take(&BENEFICIARIES)?.unwrap_or_default();
        let allocations = take(&ALLOCATIONS)?.unwrap_or_default();
        let payments = take(&PAYMENTS)?.unwrap_or_default();
        let deaths = take(&DEATHS)?;
        let officials = take(&OFFICIALS)?;
        Ok(Ledgers {
            beneficiaries,
            allocations,
            payments,
            deaths,
            officials,
            rejects,
            counts,
        })
    }
}

/// The file for a spec in a folder: `<stem>.csv`, or the first of the other supported
/// extensions that exists.
pub fn find_source(dir: &Path, spec: &FileSpec) -> Option<PathBuf> {
    read::EXTENSIONS
        .iter()
        .map(|ext| dir.join(format!("{}.{ext}", spec.stem)))
        .find(|p| p.exists())
}

/// Reads and validates one file with default options (built-in header aliases, first
/// sheet).
pub fn load_file(path: &Path, spec: &FileSpec) -> Result<Loaded> {
    load_file_with(path, spec, &InputOptions::default())
}

/// Reads one file of any supported format, maps its headers, validates every cell.
pub fn load_file_with(path: &Path, spec: &FileSpec, options: &InputOptions) -> Result<Loaded> {
    let clock = std::time::Instant::now();
    let shown = path.display().to_string();
    if !path.exists() {
        return Err(Error::MissingFile { path: shown });
    }
    let raw = read::read_source(path, options.sheet.as_deref())?;
    let mut frame = raw.frame;
    let headers: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|n| n.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    let fields = headers::map_headers(&headers, spec, Some(&options.columns));
    let mut mapped = Vec::new();
    let names: Vec<String> = headers
        .iter()
        .zip(&fields)
        .enumerate()
        .map(|(i, (h, f))| match f {
            Some(f) => {
                if h != f {
                    mapped.push((h.clone(), f.to_string()));
                }
                f.to_string()
            }
            // An extra column keeps its header, unless that would clash with a field name.
            None if spec.column(h).is_some() => format!("{h}_{}", i + 1),
            None => h.clone(),
        })
        .collect();
    frame
        .set_column_names(&names)
        .map_err(|e| Error::Unreadable {
            path: shown.clone(),
            message: e.to_string(),
        })?;
    let mut loaded = validate::validate_rows(frame, raw.lines.as_deref(), &shown, spec, &headers)?;
    // Rows that could not even be split into fields count as read and rejected.
    loaded.count.rows_read += raw.rejects.len();
    loaded.count.rows_rejected += raw.rejects.len();
    loaded.count.format = raw.format;
    loaded.count.mapped = mapped;
    loaded.rejects.extend(raw.rejects.into_iter().map(|mut r| {
        r.file = shown.clone();
        r
    }));
    loaded.rejects.sort_by_key(|r| r.line);
    loaded.count.seconds = clock.elapsed().as_secs_f64();
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::Column;

    fn frame(cols: &[(&str, &[Option<&str>])]) -> DataFrame {
        let columns = cols
            .iter()
            .map(|(n, v)| Column::new((*n).into(), v.to_vec()))
            .collect();
        DataFrame::new_infer_height(columns).unwrap()
    }

    #[test]
    fn bad_rows_go_to_rejects_and_counts_reconcile() {
        let raw = frame(&[
            (
                "payment_id",
                &[Some("P1"), Some("P2"), Some("P2"), None, Some("P5")],
            ),
            (
                "allocation_id",
                &[Some("A1"), None, Some("A3"), Some("A4"), Some("A5")],
            ),
            ("beneficiary_id", &[None, None, None, None, None]),
            ("payee_name", &[Some(" 张伟 "), None, None, None, None]),
            ("payee_account", &[None, None, None, None, None]),
            (
                "amount",
                &[Some("10.00"), Some("1O"), Some("3"), Some("4"), Some("5")],
            ),
            (
                "paid_date",
                &[
                    Some("2025-01-01"),
                    Some("2025-01-02"),
                    Some("2025-13-01"),
                    Some("2025-01-04"),
                    Some("2025-01-05"),
                ],
            ),
            ("program", &[None, None, None, None, None]),
            ("extra", &[Some("kept"), None, None, None, None]),
        ]);
        let loaded = validate(raw, "payments.csv", &PAYMENTS).unwrap();
        assert_eq!(loaded.count.rows_read, 5);
        assert_eq!(loaded.count.rows_used, 2);
        assert_eq!(loaded.count.rows_rejected, 3);
        let reasons: Vec<(usize, &str)> = loaded
            .rejects
            .iter()
            .map(|r| (r.line, r.column.as_str()))
            .collect();
        assert!(reasons.contains(&(3, "amount")), "{reasons:?}");
        assert!(reasons.contains(&(4, "payment_id")), "{reasons:?}");
        assert!(reasons.contains(&(4, "paid_date")), "{reasons:?}");
        assert!(reasons.contains(&(5, "payment_id")), "{reasons:?}");
        let f = &loaded.frame;
        assert_eq!(
            f.column("amount_fen").unwrap().i64().unwrap().get(0),
            Some(1000)
        );
        assert_eq!(
            f.column("payee_name").unwrap().str().unwrap().get(0),
            Some("张伟")
        );
        assert_eq!(f.column(LINE).unwrap().i64().unwrap().get(1), Some(6));
        assert!(f.column("extra").is_ok());
    }

    #[test]
    fn missing_column_names_file_and_column() {
        let raw = frame(&[("name", &[Some("x")])]);
        let err = validate(raw, "beneficiaries.csv", &BENEFICIARIES)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("beneficiaries.csv")
                && err.contains("beneficiary_id")
                && err.contains("name"),
            "{err}"
        );
    }
}
