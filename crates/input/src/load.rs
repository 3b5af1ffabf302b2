//! One file read into a typed frame: read as text, its header row found and mapped to
//! fields, every cell validated, its totals rows skipped, rejects kept with their lines.

use std::path::Path;

use polars::prelude::*;

use crate::footer::{skip_footer_rows, Totals};
use crate::loaded::Loaded;
use crate::options::InputOptions;
use crate::{header_shape, headers, read, validate};
use fundaudit_core::error::{Error, Result};
use fundaudit_core::spec::FileSpec;

/// Reads and validates one file with default options (built-in header aliases, first
/// sheet).
pub fn load_file(path: &Path, spec: &FileSpec) -> Result<Loaded> {
    load_file_with(path, spec, &InputOptions::default())
}

/// A source read as text, its header found.
pub(crate) struct Table {
    pub(crate) raw: read::table::RawTable,
    pub(crate) header_line: usize,
    pub(crate) title: Vec<String>,
}

/// Reads a file and finds its header. Plain CSV with its header on line 1 takes the fast
/// path; a workbook, or a text export whose first line is not the header, is read as a
/// grid of cells and shaped (see [`header_shape`]).
pub(crate) fn read_table(path: &Path, spec: &FileSpec, options: &InputOptions) -> Result<Table> {
    let user = Some(&options.columns);
    let (grid, format, header) = if read::table::is_workbook(path) {
        let (grid, sheet) = read::workbook::read_workbook_grid(path, options.sheet.as_deref())?;
        let header = header_shape::find_header(&grid, spec, user);
        (grid, format!("workbook, sheet `{sheet}`"), header)
    } else {
        let raw = read::read_source(path, None)?;
        let all_required = maps_required(&clean_headers(&raw.frame), spec, options);
        let line_one = |raw| Table {
            raw,
            header_line: 1,
            title: Vec::new(),
        };
        if all_required || read::table::extension(path) == "parquet" {
            return Ok(line_one(raw));
        }
        let (grid, format) = read::delimited::read_delimited_grid(path)?;
        let header = header_shape::find_header(&grid, spec, user);
        // Only a better header than line 1 changes anything; else the fast read stands
        // (and the missing column is reported as such).
        if header.as_ref().is_some_and(|h| h.row == 0) {
            return Ok(line_one(raw));
        }
        (grid, format, header)
    };
    let Some(header) = header else {
        return Err(Error::NoHeader {
            path: path.display().to_string(),
            scanned: header_shape::HEADER_SCAN_ROWS,
            wanted: spec
                .columns
                .iter()
                .filter(|c| c.required)
                .map(|c| c.name)
                .collect::<Vec<_>>()
                .join(", "),
            stem: spec.stem.to_string(),
            rows: header_shape::first_rows(&grid, 8),
        });
    };
    let title = header_shape::title_block(&grid, &header);
    let header_line = grid.lines[header.row];
    let mut raw =
        read::table::grid_table(&grid, header.row + header.height, &header.headers, path)?;
    raw.format = if header.height == 2 {
        format!("{format}, two-row header")
    } else {
        format
    };
    Ok(Table {
        raw,
        header_line,
        title,
    })
}

/// Whether `headers` map every field `spec` requires (the built-in aliases and the
/// config's mapping): then the first line is the header.
pub(crate) fn maps_required(headers: &[String], spec: &FileSpec, options: &InputOptions) -> bool {
    let mapped = headers::map_headers(headers, spec, Some(&options.columns));
    spec.columns
        .iter()
        .filter(|c| c.required)
        .all(|c| mapped.contains(&Some(c.name)))
}

/// The frame's name for each of a file's columns: a header that means a field is named as
/// the field; an extra column keeps its header, unless that would clash with a field
/// name. With the (header, field) pairs renamed, for the file's account.
#[allow(clippy::type_complexity)]
pub(crate) fn column_names(
    headers: &[String],
    spec: &FileSpec,
    options: &InputOptions,
) -> (Vec<String>, Vec<(String, String)>) {
    let fields = headers::map_headers(headers, spec, Some(&options.columns));
    let mut mapped = Vec::new();
    let names = headers
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
            None if spec.column(h).is_some() => format!("{h}_{}", i + 1),
            None => h.clone(),
        })
        .collect();
    (names, mapped)
}

pub(crate) fn clean_headers(frame: &DataFrame) -> Vec<String> {
    frame
        .get_column_names()
        .iter()
        .map(|n| clean_header(n))
        .collect()
}

/// A header as written, without a byte-order mark or the white space around it.
pub(crate) fn clean_header(header: &str) -> String {
    header.trim_start_matches('\u{feff}').trim().to_string()
}

/// The fields of `spec` among a file's column names, sorted: what the file carries.
pub(crate) fn spec_fields(names: &[String], spec: &FileSpec) -> Vec<String> {
    let mut fields: Vec<String> = names
        .iter()
        .filter(|n| spec.column(n).is_some())
        .cloned()
        .collect();
    fields.sort();
    fields
}

/// Files of at least this many rows say so on the terminal as they are read.
pub const PROGRESS_ROWS: usize = 10_000;

/// Reads one file of any supported format, maps its headers, validates every cell.
pub fn load_file_with(path: &Path, spec: &FileSpec, options: &InputOptions) -> Result<Loaded> {
    let clock = std::time::Instant::now();
    let shown = path.display().to_string();
    if !path.exists() {
        return Err(Error::MissingFile { path: shown });
    }
    let mut loaded = match crate::plain::load_plain(path, spec, options)? {
        Some(loaded) => loaded,
        None => {
            let table = read_table(path, spec, options)?;
            load_table(table, path, spec, options, &mut Carry::default())?
        }
    };
    loaded.count.seconds = clock.elapsed().as_secs_f64();
    // Progress on the terminal (hidden by --quiet): a county's folder of monthly files
    // or a province's ledger takes long enough to wonder whether anything is happening.
    // A folder of hundreds of villages' small lists is not: those files are one line
    // per ledger (`read_ledger`), each file's own at debug level.
    let (rows, rejected, seconds) = (
        loaded.count.rows_read,
        loaded.count.rows_rejected,
        loaded.count.seconds,
    );
    if rows >= PROGRESS_ROWS || seconds >= 0.5 {
        tracing::info!(file = %shown, rows, rejected, seconds, "read {rows} rows of {shown}");
    } else {
        tracing::debug!(file = %shown, rows, rejected, seconds, "read {rows} rows of {shown}");
    }
    Ok(loaded)
}

/// What checking a file's rows carries from one chunk of it to the next (see
/// [`chunks`]): the keys seen, and the amounts for its totals. A file read whole starts
/// and ends with a fresh one.
#[derive(Default)]
pub struct Carry {
    pub(crate) keys: validate::KeyIndex,
    /// Kept only when more chunks follow.
    pub(crate) totals: Option<Totals>,
}

/// Maps a table's headers, takes out its footer rows and validates every cell.
pub(crate) fn load_table(
    table: Table,
    path: &Path,
    spec: &FileSpec,
    options: &InputOptions,
    carry: &mut Carry,
) -> Result<Loaded> {
    let shown = path.display().to_string();
    let raw = table.raw;
    let mut frame = raw.frame;
    let headers = clean_headers(&frame);
    // A repeated header (Polars and the grid reader name the repeat `<h>_duplicated_<k>`):
    // which column holds the value is anyone's guess, so say so.
    for (i, h) in headers.iter().enumerate() {
        if let Some((base, _)) = h.rsplit_once("_duplicated_") {
            if let Some(j) = headers.iter().position(|x| x == base) {
                return Err(Error::DuplicateHeader {
                    path: shown,
                    header: base.to_string(),
                    first: j + 1,
                    second: i + 1,
                });
            }
        }
    }
    let (names, mapped) = column_names(&headers, spec, options);
    frame
        .set_column_names(&names)
        .map_err(|e| Error::Unreadable {
            path: shown.clone(),
            message: e.to_string(),
        })?;
    let mut fields = spec_fields(&names, spec);
    let (mut frame, lines, skipped, warnings) =
        skip_footer_rows(frame, raw.lines, spec, &shown, carry.totals.as_mut())?;
    // Columns the file lacks that its title names unambiguously (a township's roster
    // rarely repeats the township on every row).
    let mut from_title = Vec::new();
    if !table.title.is_empty() {
        let programs: Vec<&str> = options.programs.iter().map(String::as_str).collect();
        for (field, value) in header_shape::title_defaults(&table.title, &programs) {
            if spec.column(field).is_some() && !names.iter().any(|n| n == field) {
                frame.with_column(Column::new(
                    field.into(),
                    vec![value.as_str(); frame.height()],
                ))?;
                from_title.push((field.to_string(), value));
            }
        }
    }
    let mut loaded =
        validate::validate_rows(frame, Some(&lines), &shown, spec, &headers, &carry.keys)?;
    // Rows that could not even be split into fields count as read and rejected.
    loaded.count.rows_read += raw.rejects.len();
    loaded.count.rows_rejected += raw.rejects.len();
    loaded.count.format = raw.format;
    loaded.count.mapped = mapped;
    loaded.count.header_line = table.header_line;
    loaded.count.title = table.title;
    loaded.count.skipped = skipped;
    fields.extend(from_title.iter().map(|(f, _)| f.clone()));
    fields.sort();
    loaded.count.fields = fields;
    loaded.count.from_title = from_title;
    loaded.count.warnings = warnings;
    loaded.rejects.extend(raw.rejects.into_iter().map(|mut r| {
        r.file = shown.clone();
        r
    }));
    loaded.rejects.sort_by_key(|r| r.line);
    Ok(loaded)
}
