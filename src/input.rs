//! Loading the ledgers: CSV files into typed Polars frames, with every bad row sent to
//! rejects (file, line, column, value, reason) instead of being dropped.
//!
//! Every column is first read as text: card numbers of 19 digits and ID numbers ending in
//! `X` must never be guessed into integers. Money becomes exact fen (Int64) and dates
//! become Polars `Date` only after a cell-by-cell check whose failures are reported.

use rustc_hash::FxHashMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::parse::{parse_amount_fen, parse_date};

/// What a column must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Non-empty and unique within the file (a primary key).
    Key,
    /// Non-empty text.
    Text,
    /// Text that may be blank.
    OptText,
    /// An ISO date that must be present.
    Date,
    /// An ISO date that may be blank.
    OptDate,
    /// Yuan with at most two decimals; becomes `<name>_fen` (Int64, exact).
    Amount,
}

/// A column the loader knows: its header and what it must hold.
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub field: Field,
    /// Whether a file without this header is unusable.
    pub required: bool,
}

const fn req(name: &'static str, field: Field) -> ColumnSpec {
    ColumnSpec {
        name,
        field,
        required: true,
    }
}
const fn opt(name: &'static str, field: Field) -> ColumnSpec {
    ColumnSpec {
        name,
        field,
        required: false,
    }
}

/// One input file of the audit.
#[derive(Debug, Clone, Copy)]
pub struct FileSpec {
    pub file: &'static str,
    pub columns: &'static [ColumnSpec],
    /// Optional reference lists are used when present.
    pub optional: bool,
}

pub const BENEFICIARIES: FileSpec = FileSpec {
    file: "beneficiaries.csv",
    optional: false,
    columns: &[
        req("beneficiary_id", Field::Key),
        req("name", Field::Text),
        req("id_number", Field::OptText),
        req("township", Field::OptText),
        req("village", Field::OptText),
        req("bank_account", Field::OptText),
        opt("death_date", Field::OptDate),
    ],
};

pub const ALLOCATIONS: FileSpec = FileSpec {
    file: "allocations.csv",
    optional: false,
    columns: &[
        req("allocation_id", Field::Key),
        req("program", Field::Text),
        req("period", Field::Text),
        req("beneficiary_id", Field::Text),
        req("township", Field::OptText),
        req("amount", Field::Amount),
        req("funds_received_date", Field::Date),
        opt("due_date", Field::OptDate),
    ],
};

pub const PAYMENTS: FileSpec = FileSpec {
    file: "payments.csv",
    optional: false,
    columns: &[
        req("payment_id", Field::Key),
        req("allocation_id", Field::OptText),
        req("beneficiary_id", Field::OptText),
        req("payee_name", Field::OptText),
        req("payee_account", Field::OptText),
        req("amount", Field::Amount),
        req("paid_date", Field::Date),
        req("program", Field::OptText),
    ],
};

pub const DEATHS: FileSpec = FileSpec {
    file: "deaths.csv",
    optional: true,
    columns: &[
        req("name", Field::Text),
        opt("id_number", Field::OptText),
        req("death_date", Field::Date),
        opt("birth_date", Field::OptDate),
        opt("township", Field::OptText),
        opt("village", Field::OptText),
    ],
};

pub const OFFICIALS: FileSpec = FileSpec {
    file: "officials.csv",
    optional: true,
    columns: &[
        req("name", Field::Text),
        opt("id_number", Field::OptText),
        opt("unit", Field::OptText),
        opt("role", Field::OptText),
    ],
};

/// Name of the column that carries each row's line number in its source file.
pub const LINE: &str = "_source_line";

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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileCount {
    pub file: String,
    pub rows_read: usize,
    pub rows_used: usize,
    pub rows_rejected: usize,
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
    pub fn load(dir: &Path) -> Result<Ledgers> {
        let mut rejects = Vec::new();
        let mut counts = Vec::new();
        let mut take = |spec: &FileSpec| -> Result<Option<DataFrame>> {
            let path = dir.join(spec.file);
            if spec.optional && !path.exists() {
                return Ok(None);
            }
            let loaded = load_file(&path, spec)?;
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

/// Reads one CSV file as text and validates it against its spec.
pub fn load_file(path: &Path, spec: &FileSpec) -> Result<Loaded> {
    let shown = path.display().to_string();
    if !path.exists() {
        return Err(Error::MissingFile { path: shown });
    }
    let raw = read_csv_as_text(path)?;
    let mut loaded = validate_rows(raw.frame, raw.lines.as_deref(), &shown, spec)?;
    // Rows Polars could not even split into fields count as read and rejected.
    loaded.count.rows_read += raw.rejects.len();
    loaded.count.rows_rejected += raw.rejects.len();
    loaded.rejects.extend(raw.rejects.into_iter().map(|mut r| {
        r.file = shown.clone();
        r
    }));
    loaded.rejects.sort_by_key(|r| r.line);
    Ok(loaded)
}

/// A file read as text: the frame, the source line of each row when they are not simply
/// row + 2, and rows that could not be split into the header's fields.
struct RawTable {
    frame: DataFrame,
    lines: Option<Vec<usize>>,
    rejects: Vec<Reject>,
}

fn text_options() -> CsvReadOptions {
    CsvReadOptions::default()
        .with_has_header(true)
        // Zero rows of inference: every column is text until we say otherwise.
        .with_infer_schema_length(Some(0))
}

fn read_csv_as_text(path: &Path) -> Result<RawTable> {
    let unreadable = |e: PolarsError| Error::Unreadable {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let fast = text_options()
        .try_into_reader_with_file_path(Some(PathBuf::from(path)))
        .and_then(|r| r.finish());
    let mut table = match fast {
        Ok(frame) => RawTable {
            frame,
            lines: None,
            rejects: Vec::new(),
        },
        // Polars refuses a file with a ragged row and cannot say which row: find the bad
        // rows ourselves, reject them by line, and read the rest.
        Err(first_error) => {
            let bytes = std::fs::read(path).map_err(|e| Error::Unreadable {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
            let (clean, lines, rejects) = drop_ragged_rows(&bytes);
            if rejects.is_empty() {
                return Err(unreadable(first_error));
            }
            let frame = text_options()
                .into_reader_with_file_handle(std::io::Cursor::new(clean))
                .finish()
                .map_err(unreadable)?;
            RawTable {
                frame,
                lines: Some(lines),
                rejects,
            }
        }
    };
    let df = &mut table.frame;
    // Headers saved by office tools carry a BOM or stray spaces.
    let cleaned: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    df.set_column_names(&cleaned).map_err(unreadable)?;
    Ok(table)
}

/// Splits CSV bytes into records (quotes respected) and keeps those with as many fields
/// as the header; returns the kept bytes, the source line of each kept data row, and a
/// reject for every other row.
fn drop_ragged_rows(bytes: &[u8]) -> (Vec<u8>, Vec<usize>, Vec<Reject>) {
    let mut kept = Vec::with_capacity(bytes.len());
    let mut lines = Vec::new();
    let mut rejects = Vec::new();
    let (mut start, mut line, mut start_line) = (0usize, 1usize, 1usize);
    let (mut in_quotes, mut fields, mut header_fields) = (false, 1usize, None);
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b',' if !in_quotes => fields += 1,
            b'\n' => {
                line += 1;
                if in_quotes {
                    continue;
                }
                let record = &bytes[start..=i];
                let blank = record.iter().all(|c| c.is_ascii_whitespace());
                match header_fields {
                    None => {
                        header_fields = Some(fields);
                        kept.extend_from_slice(record);
                    }
                    Some(_) if blank => {}
                    Some(h) if h == fields => {
                        kept.extend_from_slice(record);
                        lines.push(start_line);
                    }
                    Some(h) => rejects.push(Reject {
                        file: String::new(),
                        line: start_line,
                        column: "(row)".into(),
                        value: String::from_utf8_lossy(record).trim_end().chars().take(200).collect(),
                        reason: format!("row has {fields} fields but the header has {h}; check for an unquoted comma"),
                    }),
                }
                start = i + 1;
                start_line = line;
                fields = 1;
            }
            _ => {}
        }
    }
    if start < bytes.len() {
        let record = &bytes[start..];
        match header_fields {
            Some(h) if h != fields => rejects.push(Reject {
                file: String::new(),
                line: start_line,
                column: "(row)".into(),
                value: String::from_utf8_lossy(record)
                    .trim_end()
                    .chars()
                    .take(200)
                    .collect(),
                reason: format!(
                    "row has {fields} fields but the header has {h}; check for an unquoted comma"
                ),
            }),
            _ => {
                kept.extend_from_slice(record);
                if header_fields.is_some() {
                    lines.push(start_line);
                }
            }
        }
    }
    (kept, lines, rejects)
}

/// Per-column result of the cell checks.
enum Parsed {
    Text,
    Dates(Vec<Option<i32>>),
    Fen(Vec<Option<i64>>),
}

/// Checks every cell the spec cares about; returns the good rows, typed, and the rejects.
pub fn validate(raw: DataFrame, file: &str, spec: &FileSpec) -> Result<Loaded> {
    validate_rows(raw, None, file, spec)
}

/// As [`validate`], with the source line of each row when rows were skipped before.
fn validate_rows(
    raw: DataFrame,
    lines: Option<&[usize]>,
    file: &str,
    spec: &FileSpec,
) -> Result<Loaded> {
    let line_of = |row: usize| lines.and_then(|l| l.get(row).copied()).unwrap_or(row + 2);
    let found: Vec<String> = raw
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    for c in spec.columns.iter().filter(|c| c.required) {
        if !found.iter().any(|f| f == c.name) {
            return Err(Error::MissingColumn {
                path: file.to_string(),
                column: c.name.to_string(),
                found: found.join(", "),
            });
        }
    }
    let present: Vec<&ColumnSpec> = spec
        .columns
        .iter()
        .filter(|c| found.iter().any(|f| f == c.name))
        .collect();

    // Trim text and turn blank cells into nulls before any check. Most columns of a clean
    // export need neither, and rewriting a million strings costs more than looking at
    // them, so only the columns that need it are rewritten.
    let needs_trim = |c: &polars::prelude::Column| -> bool {
        c.str().is_ok_and(|ca| {
            ca.iter().flatten().any(|v| {
                v.is_empty()
                    || v.starts_with(char::is_whitespace)
                    || v.ends_with(char::is_whitespace)
            })
        })
    };
    let trims: Vec<Expr> = raw
        .columns()
        .iter()
        .filter(|c| needs_trim(c))
        .map(|c| {
            let n = c.name().as_str();
            let trimmed = col(n).str().strip_chars(lit(NULL));
            when(trimmed.clone().eq(lit("")))
                .then(lit(NULL))
                .otherwise(trimmed)
                .alias(n)
        })
        .collect();
    let df = if trims.is_empty() {
        raw
    } else {
        raw.lazy().with_columns(trims).collect()?
    };
    let height = df.height();

    // Columns are checked in parallel; each reports its problems by row.
    let checked: Vec<(Parsed, Vec<CellProblem>)> = present
        .par_iter()
        .map(|c| Ok(check_column(df.column(c.name)?.str()?, c, &line_of)))
        .collect::<PolarsResult<_>>()?;
    let mut bad = vec![false; height];
    let mut rejects = Vec::new();
    let mut parsed = Vec::with_capacity(present.len());
    for (c, (p, problems)) in present.iter().zip(checked) {
        for (row, value, reason) in problems {
            bad[row] = true;
            rejects.push(Reject {
                file: file.to_string(),
                line: line_of(row),
                column: c.name.to_string(),
                value: value.unwrap_or_default(),
                reason,
            });
        }
        parsed.push(p);
    }

    // Keep good rows only; typed columns replace their text.
    let keep: Vec<bool> = bad.iter().map(|b| !b).collect();
    let mask = BooleanChunked::from_slice("keep".into(), &keep);
    let mut good = df.filter(&mask)?;
    let lines: Vec<i64> = (0..height)
        .filter(|&r| keep[r])
        .map(|r| line_of(r) as i64)
        .collect();
    good.with_column(Column::new(LINE.into(), lines))?;
    for (c, p) in present.iter().zip(parsed) {
        match p {
            Parsed::Text => {}
            Parsed::Dates(v) => {
                let kept: Int32Chunked = v
                    .into_iter()
                    .zip(&keep)
                    .filter(|(_, k)| **k)
                    .map(|(d, _)| d)
                    .collect();
                let dates = kept.with_name(c.name.into()).into_date().into_column();
                good.with_column(dates)?;
            }
            Parsed::Fen(v) => {
                let kept: Int64Chunked = v
                    .into_iter()
                    .zip(&keep)
                    .filter(|(_, k)| **k)
                    .map(|(d, _)| d)
                    .collect();
                let name = format!("{}_fen", c.name);
                good.with_column(kept.with_name(name.as_str().into()).into_column())?;
                good.drop_in_place(c.name)?;
            }
        }
    }
    // Optional columns absent from the file exist as nulls, so rules need not ask.
    for c in spec
        .columns
        .iter()
        .filter(|c| !found.iter().any(|f| f == c.name))
    {
        let dtype = match c.field {
            Field::Date | Field::OptDate => DataType::Date,
            Field::Amount => DataType::Int64,
            _ => DataType::String,
        };
        good.with_column(Column::full_null(c.name.into(), good.height(), &dtype))?;
    }

    let rows_rejected = bad.iter().filter(|b| **b).count();
    rejects.sort_by_key(|r| r.line);
    Ok(Loaded {
        count: FileCount {
            file: file.to_string(),
            rows_read: height,
            rows_used: height - rows_rejected,
            rows_rejected,
        },
        frame: good,
        rejects,
    })
}

/// A bad cell: row, raw value, reason.
type CellProblem = (usize, Option<String>, String);

/// Checks one column against its spec; returns its typed values (for dates and amounts)
/// and the problems found.
fn check_column(
    values: &StringChunked,
    c: &ColumnSpec,
    line_of: &(dyn Fn(usize) -> usize + Sync),
) -> (Parsed, Vec<CellProblem>) {
    let height = values.len();
    let mut problems: Vec<CellProblem> = Vec::new();
    let mut reject = |row: usize, value: Option<&str>, reason: String| {
        problems.push((row, value.map(str::to_string), reason));
    };
    let p = match c.field {
        Field::Key => {
            let mut seen: FxHashMap<&str, usize> = FxHashMap::default();
            seen.reserve(height);
            for (row, v) in values.iter().enumerate() {
                match v {
                    None => reject(row, v, format!("{} is empty", c.name)),
                    Some(s) => {
                        if let Some(first) = seen.get(s) {
                            reject(
                                row,
                                v,
                                format!("duplicate {} (first at line {})", c.name, line_of(*first)),
                            );
                        } else {
                            seen.insert(s, row);
                        }
                    }
                }
            }
            Parsed::Text
        }
        Field::Text => {
            for (row, v) in values.iter().enumerate() {
                if v.is_none() {
                    reject(row, v, format!("{} is empty", c.name));
                }
            }
            Parsed::Text
        }
        Field::OptText => Parsed::Text,
        Field::Date | Field::OptDate => {
            let mut out = Vec::with_capacity(height);
            for (row, v) in values.iter().enumerate() {
                out.push(match v {
                    None if c.field == Field::Date => {
                        reject(row, v, format!("{} is empty", c.name));
                        None
                    }
                    None => None,
                    Some(s) => match parse_date(s) {
                        Ok(d) => Some(d),
                        Err(why) => {
                            reject(row, v, why);
                            None
                        }
                    },
                });
            }
            Parsed::Dates(out)
        }
        Field::Amount => {
            let mut out = Vec::with_capacity(height);
            for (row, v) in values.iter().enumerate() {
                out.push(match v.map(parse_amount_fen) {
                    None => {
                        reject(row, v, format!("{} is empty", c.name));
                        None
                    }
                    Some(Ok(f)) if f < 0 => {
                        reject(row, v, "negative amount".to_string());
                        None
                    }
                    Some(Ok(f)) => Some(f),
                    Some(Err(why)) => {
                        reject(row, v, why);
                        None
                    }
                });
            }
            Parsed::Fen(out)
        }
    };
    (p, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

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
                &[Some("10.00"), Some("1,0"), Some("3"), Some("4"), Some("5")],
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
