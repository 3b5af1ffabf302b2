//! Reading a source file into a frame of text columns, whatever office tool wrote it:
//! CSV or tab/semicolon-separated text in UTF-8 (with or without BOM), GB18030/GBK or
//! UTF-16; Excel workbooks (.xlsx, .xlsm, .xls) and OpenDocument sheets; Parquet.
//!
//! Nothing here interprets a value: every cell stays text (19-digit card numbers and ID
//! numbers ending in `X` must never be guessed into numbers) until validation checks it.

use std::io::Cursor;
use std::path::Path;

use calamine::{open_workbook_auto, Data, Reader};
use polars::prelude::*;

use super::header_shape::Grid;
use super::Reject;
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

pub(super) fn unreadable(path: &Path, message: impl std::fmt::Display) -> Error {
    Error::Unreadable {
        path: path.display().to_string(),
        message: message.to_string(),
    }
}

/// The text of a delimited file as UTF-8, and the encoding it was in. A BOM decides;
/// without one, valid UTF-8 is UTF-8 and anything else is read as GB18030 (a superset of
/// GBK and GB2312, what Chinese Windows saves by default).
pub fn decode(bytes: Vec<u8>) -> (Vec<u8>, &'static str) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (rest.to_vec(), "UTF-8 with BOM");
    }
    for (bom, encoding, name) in [
        (&b"\xFF\xFE"[..], encoding_rs::UTF_16LE, "UTF-16LE"),
        (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE, "UTF-16BE"),
    ] {
        if bytes.starts_with(bom) {
            let (text, _) = encoding.decode_without_bom_handling(&bytes[2..]);
            return (text.into_owned().into_bytes(), name);
        }
    }
    // UTF-16 without a BOM (some exports write it) is valid UTF-8 byte for byte when its
    // text is ASCII: told apart by its NUL bytes, all on one side of each pair.
    if let Some((encoding, name)) = utf16_without_bom(&bytes[..bytes.len().min(64 * 1024)]) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes);
        return (text.into_owned().into_bytes(), name);
    }
    if std::str::from_utf8(&bytes).is_ok() {
        return (bytes, "UTF-8");
    }
    // UTF-8 with a few damaged bytes (a bad sector, a truncated copy) is still UTF-8: read
    // as GB18030 every Chinese character in the file would change. Such a file is read as
    // UTF-8, the damaged bytes replaced, and the lines holding them rejected.
    // Decided on the first MiB: GB18030 text is invalid UTF-8 within a few characters, and
    // counting a whole file's millions of invalid sequences costs more than decoding it.
    let sample = &bytes[..bytes.len().min(1 << 20)];
    let (valid_multibyte, damaged) = utf8_census(sample);
    if valid_multibyte >= 20 * damaged.max(1) {
        return (
            String::from_utf8_lossy(&bytes).into_owned().into_bytes(),
            DAMAGED_UTF8,
        );
    }
    gb18030_lines(&bytes)
}

/// A GB18030 file, line by line: a line that is valid UTF-8 holding non-ASCII text was
/// pasted in from a UTF-8 file (read as GB18030 it becomes 鏉庣幉 for 李玲, a false
/// payee mismatch) and is read as UTF-8; the file's format then says so
/// ([`MIXED_GB18030`]). A genuine GB18030 line of Chinese text is almost never valid
/// UTF-8 (a very short one can be, and would be read as UTF-8). Bytes
/// neither encoding can read become U+FFFD, and the loader rejects their rows.
fn gb18030_lines(bytes: &[u8]) -> (Vec<u8>, &'static str) {
    let is_utf8_line = |line: &[u8]| !line.is_ascii() && std::str::from_utf8(line).is_ok();
    // The usual file has no such line: decoded in one piece. The scan is cheap: lines
    // found with memchr, and a GB18030 line fails the UTF-8 check at its first Chinese
    // character.
    let mut start = 0;
    let any_utf8_line = memchr::memchr_iter(b'\n', bytes)
        .chain(std::iter::once(bytes.len()))
        .any(|end| {
            let line = &bytes[start..end];
            start = end + 1;
            is_utf8_line(line)
        });
    if !any_utf8_line {
        let (text, _) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
        return (text.into_owned().into_bytes(), "GB18030");
    }
    let mut text = Vec::with_capacity(bytes.len() * 3 / 2);
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        if is_utf8_line(line) {
            text.extend_from_slice(line);
        } else {
            let (decoded, _) = encoding_rs::GB18030.decode_without_bom_handling(line);
            text.extend_from_slice(decoded.as_bytes());
        }
    }
    (text, MIXED_GB18030)
}

/// The encoding name of a GB18030 file with lines in UTF-8 (see [`gb18030_lines`]).
pub const MIXED_GB18030: &str = "GB18030 with lines in UTF-8";

/// Whether a file's first bytes are UTF-16, with a byte-order mark or without one (its
/// NUL bytes would pass for UTF-8, or for binary data).
pub(super) fn is_utf16(head: &[u8]) -> bool {
    head.starts_with(b"\xFF\xFE")
        || head.starts_with(b"\xFE\xFF")
        || utf16_without_bom(head).is_some()
}

/// UTF-16 without a byte-order mark: in a sample of even length, NUL bytes on one side of
/// the byte pairs (ASCII text and digits have a zero high byte) and none on the other.
fn utf16_without_bom(sample: &[u8]) -> Option<(&'static encoding_rs::Encoding, &'static str)> {
    let pairs = sample.len() / 2;
    if pairs < 4 {
        return None;
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for pair in sample.chunks_exact(2) {
        even += usize::from(pair[0] == 0);
        odd += usize::from(pair[1] == 0);
    }
    // A few characters have a zero low byte too (U+4E00 一 is 00 4E in UTF-16LE).
    if odd * 4 >= pairs && even * 10 <= odd {
        Some((encoding_rs::UTF_16LE, "UTF-16LE without BOM"))
    } else if even * 4 >= pairs && odd * 10 <= even {
        Some((encoding_rs::UTF_16BE, "UTF-16BE without BOM"))
    } else {
        None
    }
}

/// The encoding name of a UTF-8 file with damaged bytes (see [`decode`]).
pub const DAMAGED_UTF8: &str = "UTF-8 with damaged bytes";

/// Valid multi-byte UTF-8 characters and invalid sequences in `bytes`.
fn utf8_census(bytes: &[u8]) -> (usize, usize) {
    let (mut valid, mut invalid) = (0, 0);
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                valid += s.chars().filter(|c| c.len_utf8() > 1).count();
                return (valid, invalid);
            }
            Err(e) => {
                let good = e.valid_up_to();
                valid += std::str::from_utf8(&rest[..good])
                    .map_or(0, |s| s.chars().filter(|c| c.len_utf8() > 1).count());
                invalid += 1;
                let skip = e.error_len().unwrap_or(rest.len() - good);
                rest = &rest[good + skip.max(1).min(rest.len() - good)..];
                if rest.is_empty() {
                    return (valid, invalid);
                }
            }
        }
    }
}

/// The delimiter of a text table: whichever of comma, tab and semicolon occurs most often
/// (outside quotes) in its header line.
pub fn sniff_delimiter(text: &[u8]) -> u8 {
    let header = text.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let mut counts = [(b',', 0usize), (b'\t', 0), (b';', 0)];
    let mut quoted = false;
    for &b in header {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for c in counts.iter_mut() {
                if c.0 == b {
                    c.1 += 1;
                }
            }
        }
    }
    counts
        .iter()
        .max_by_key(|c| c.1)
        .filter(|c| c.1 > 0)
        .map_or(b',', |c| c.0)
}

/// Delimited text in memory as text columns (see [`text_options`]).
pub(super) fn parse_text(text: &[u8], separator: u8) -> PolarsResult<DataFrame> {
    text_options(separator)
        .into_reader_with_file_handle(Cursor::new(text))
        .finish()
}

/// The separator and encoding of plain UTF-8 text from its first bytes: a BOM says
/// "with BOM" and is not looked at for the separator.
pub(super) fn sniff_plain(head: &[u8]) -> (u8, &'static str) {
    match head.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (sniff_delimiter(rest), "UTF-8 with BOM"),
        None => (sniff_delimiter(head), "UTF-8"),
    }
}

fn text_options(separator: u8) -> CsvReadOptions {
    CsvReadOptions::default()
        .with_has_header(true)
        // Zero rows of inference: every column is text until we say otherwise.
        .with_infer_schema_length(Some(0))
        .map_parse_options(move |o| o.with_separator(separator))
}

pub(super) fn delimiter_name(separator: u8) -> &'static str {
    match separator {
        b'\t' => "tab-separated",
        b';' => "semicolon-separated",
        _ => "comma-separated",
    }
}

fn read_delimited(path: &Path) -> Result<RawTable> {
    // The common case — plain UTF-8 without a quote character anywhere — is parsed by
    // Polars straight from the file, several times faster than any careful scan. A file
    // with quotes is split into records here first: a stray quote (a name like `"张伟` in
    // a bank export) would otherwise swallow the rest of the file into one field, and
    // Polars would not even call it an error.
    refuse_binary(path)?;
    let bytes = std::fs::read(path).map_err(|e| unreadable(path, e))?;
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let plain_utf8 = !is_utf16(head) && std::str::from_utf8(&bytes).is_ok();
    if plain_utf8 && !bytes.contains(&b'"') {
        let (separator, encoding) = sniff_plain(head);
        check_header_width(path, head, separator)?;
        let fast = text_options(separator)
            .try_into_reader_with_file_path(Some(path.to_path_buf()))
            .and_then(|r| r.finish());
        if let Ok(frame) = fast {
            return Ok(RawTable {
                frame,
                lines: None,
                rejects: Vec::new(),
                format: format!("text, {encoding}, {}", delimiter_name(separator)),
            });
        }
    }
    let (text, encoding) = decode(bytes);
    let separator = sniff_delimiter(&text);
    check_header_width(path, &text, separator)?;
    let format = format!("text, {encoding}, {}", delimiter_name(separator));
    // Without quotes or damaged bytes the decoded text needs no record scan, unless
    // Polars finds a ragged row.
    if encoding != DAMAGED_UTF8 && !text.contains(&b'"') {
        if let Ok(frame) = parse_text(&text, separator) {
            return Ok(RawTable {
                frame,
                lines: None,
                rejects: Vec::new(),
                format,
            });
        }
    }
    let (clean, lines, rejects) = drop_ragged_rows(&text, separator, encoding == DAMAGED_UTF8);
    let frame = parse_text(&clean, separator).map_err(|e| unreadable(path, e))?;
    Ok(RawTable {
        frame,
        lines: Some(lines),
        rejects,
        format,
    })
}

/// Refuses a file whose first 64 KiB hold NUL bytes and are not UTF-16: binary data (a
/// sparse or damaged file, an archive renamed .csv), which would otherwise be read whole
/// and echoed back in the error.
fn refuse_binary(path: &Path) -> Result<()> {
    use std::io::Read;
    let mut head = Vec::with_capacity(64 * 1024);
    std::fs::File::open(path)
        .map_err(|e| unreadable(path, e))?
        .take(64 * 1024)
        .read_to_end(&mut head)
        .map_err(|e| unreadable(path, e))?;
    if !is_utf16(&head) && head.contains(&0) {
        return Err(unreadable(
            path,
            "it holds NUL bytes: binary data, not a text table (a damaged copy, or another \
             kind of file named .csv); export the ledger again",
        ));
    }
    Ok(())
}

/// Refuses a first line of more fields than `[limits] max_columns` before a parser sizes
/// a frame by it (quotes ignored: an upper bound).
fn check_header_width(path: &Path, text: &[u8], separator: u8) -> Result<()> {
    let first = text.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let fields = 1 + first.iter().filter(|&&b| b == separator).count();
    super::limits::check_columns(path, fields, 1)
}

/// How many lines a quoted field may span before its opening quote is taken for a stray
/// one: an address with a line break spans two or three; a quote that is never closed
/// spans the rest of the file.
pub const MAX_QUOTED_LINES: usize = 10;

/// Splits CSV bytes into records (quotes respected) and keeps those with as many fields
/// as the header; returns the kept bytes, the source line of each kept data row, and a
/// reject for every other row. A quote opens a field only at the field's start. A quoted
/// field still open after [`MAX_QUOTED_LINES`] lines (or at the end of the file) is an
/// unbalanced quote: the line it opened on is rejected and reading resumes on the next.
/// With `damaged`, a line holding a replacement character (a byte that was not UTF-8) is
/// rejected too.
pub fn drop_ragged_rows(
    bytes: &[u8],
    separator: u8,
    damaged: bool,
) -> (Vec<u8>, Vec<usize>, Vec<Reject>) {
    let mut kept = Vec::with_capacity(bytes.len());
    let mut lines = Vec::new();
    let mut rejects: Vec<Reject> = Vec::new();
    fn shown(record: &[u8]) -> String {
        String::from_utf8_lossy(record)
            .trim_end()
            .chars()
            .take(200)
            .collect()
    }
    let mut header_fields: Option<usize> = None;
    // Record being scanned: where it starts, its first line, its fields so far.
    let (mut start, mut start_line) = (0usize, 1usize);
    let (mut i, mut line) = (0usize, 1usize);
    let (mut in_quotes, mut at_field_start, mut fields) = (false, true, 1usize);
    let finish = |record: &[u8],
                  fields: usize,
                  first_line: usize,
                  header: &mut Option<usize>,
                  kept: &mut Vec<u8>,
                  lines: &mut Vec<usize>,
                  rejects: &mut Vec<Reject>| {
        let blank = record.iter().all(|c| c.is_ascii_whitespace());
        match *header {
            None => {
                *header = Some(fields);
                kept.extend_from_slice(record);
                if !record.ends_with(b"\n") {
                    kept.push(b'\n');
                }
            }
            Some(_) if blank => {}
            Some(_) if damaged && record.windows(3).any(|w| w == "\u{fffd}".as_bytes()) => {
                rejects.push(Reject {
                    file: String::new(),
                    line: first_line,
                    column: "(row)".into(),
                    value: shown(record),
                    reason: "the line holds bytes that are not UTF-8 (a damaged character, shown as �); the rest of the file is UTF-8".into(),
                })
            }
            Some(h) if h == fields => {
                kept.extend_from_slice(record);
                if !record.ends_with(b"\n") {
                    kept.push(b'\n');
                }
                lines.push(first_line);
            }
            Some(h) => rejects.push(Reject {
                file: String::new(),
                line: first_line,
                column: "(row)".into(),
                value: shown(record),
                reason: format!(
                    "row has {fields} fields but the header has {h}; check for an unquoted delimiter"
                ),
            }),
        }
    };
    while i < bytes.len() {
        let b = bytes[i];
        if in_quotes {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 1; // an escaped quote
                } else {
                    in_quotes = false;
                }
            } else if b == b'\n' {
                line += 1;
            }
            let runaway =
                in_quotes && (line - start_line > MAX_QUOTED_LINES || i + 1 == bytes.len());
            if runaway {
                // Set the record's first line aside and read on from the next one.
                let end = bytes[start..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(bytes.len(), |p| start + p + 1);
                rejects.push(Reject {
                    file: String::new(),
                    line: start_line,
                    column: "(row)".into(),
                    value: shown(&bytes[start..end]),
                    reason: format!(
                        "unbalanced quote: a quote opens a field on this line and is not closed within {MAX_QUOTED_LINES} lines; the line is set aside and reading goes on with the next"
                    ),
                });
                if header_fields.is_none() {
                    header_fields = Some(0);
                }
                start = end;
                start_line += 1;
                line = start_line;
                i = end;
                (in_quotes, at_field_start, fields) = (false, true, 1);
                continue;
            }
            i += 1;
            continue;
        }
        if b == b'"' && at_field_start {
            in_quotes = true;
            at_field_start = false;
        } else if b == separator {
            fields += 1;
            at_field_start = true;
        } else if b == b'\n' {
            line += 1;
            finish(
                &bytes[start..=i],
                fields,
                start_line,
                &mut header_fields,
                &mut kept,
                &mut lines,
                &mut rejects,
            );
            start = i + 1;
            start_line = line;
            (at_field_start, fields) = (true, 1);
        } else if b != b'\r' {
            at_field_start = false;
        }
        i += 1;
    }
    if start < bytes.len() {
        finish(
            &bytes[start..],
            fields,
            start_line,
            &mut header_fields,
            &mut kept,
            &mut lines,
            &mut rejects,
        );
    }
    (kept, lines, rejects)
}

/// A workbook cell as the text a user sees. Numbers that are whole print without a
/// decimal point; numbers of 16 digits or more print as Excel shows them (`4.11623E+17`),
/// because their digits are already gone and the ID check must say so.
fn cell_text(cell: &Data) -> Option<String> {
    match cell {
        Data::Empty => None,
        Data::String(s) => Some(s.clone()),
        Data::Int(i) => Some(i.to_string()),
        Data::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 => {
            Some(format!("{f:.0}"))
        }
        Data::Float(f) if f.is_finite() && f.abs() >= 1e15 => {
            Some(format!("{f:E}").replace('E', "E+"))
        }
        Data::Float(f) => Some(f.to_string()),
        Data::Bool(b) => Some(if *b { "TRUE" } else { "FALSE" }.to_string()),
        Data::DateTime(d) => Some(fundaudit_core::cells::fmt_day(
            fundaudit_core::cells::excel_serial_to_day(d.as_f64()),
        )),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Some(s.clone()),
        Data::Error(e) => Some(format!("#{e:?}")),
    }
}

/// Every row of a workbook sheet as text cells, blank rows included, each with its Excel
/// row number; and the sheet's name.
pub fn read_workbook_grid(path: &Path, sheet: Option<&str>) -> Result<(Grid, String)> {
    check_zip_parts(path)?;
    let ext = extension(path);
    if ext == "xlsx" || ext == "xlsm" {
        return read_xlsx_grid(path, sheet);
    }
    let mut book = open_workbook_auto(path).map_err(|e| unreadable(path, e))?;
    let name = pick_sheet(path, &book.sheet_names(), sheet)?;
    let range = book
        .worksheet_range(&name)
        .map_err(|e| unreadable(path, e))?;
    let (first_row, _) = range.start().unwrap_or((0, 0));
    let mut grid = Grid::default();
    for (i, row) in range.rows().enumerate() {
        grid.rows.push(row.iter().map(cell_text).collect());
        grid.lines.push(first_row as usize + i + 1);
    }
    Ok((grid, name))
}

/// The sheet to read: the one named, else the first.
fn pick_sheet(path: &Path, names: &[String], sheet: Option<&str>) -> Result<String> {
    match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s)
            .cloned()
            .ok_or_else(|| {
                unreadable(
                    path,
                    format!(
                        "sheet `{s}` not found; sheets in the workbook: {}",
                        names.join(", ")
                    ),
                )
            }),
        None => names
            .first()
            .cloned()
            .ok_or_else(|| unreadable(path, "the workbook has no sheets")),
    }
}

/// An .xlsx sheet as a grid, read as a stream of its cells. calamine's own range is dense
/// from the first used cell to the last: one cell at XFD1048576 asks for 17 billion cells
/// (512 GiB). Here the cells are kept sparse, and a sheet wider than `[limits]
/// max_columns` or larger than `max_sheet_cells` is refused before anything is sized by
/// it. The grid is what the range gave: rows from the first used one, cells from the
/// first used column, each with its Excel row number; rows end at their last cell.
fn read_xlsx_grid(path: &Path, sheet: Option<&str>) -> Result<(Grid, String)> {
    let limits = super::limits::current();
    let mut cells: Vec<(u32, u32, String)> = Vec::new();
    let (mut top, mut left, mut bottom, mut right) = (u32::MAX, u32::MAX, 0u32, 0u32);
    let name = each_xlsx_cell(path, sheet, |name, r, c, text| {
        let Some(text) = text else { return Ok(true) };
        (top, left) = (top.min(r), left.min(c));
        (bottom, right) = (bottom.max(r), right.max(c));
        let width = (right - left) as usize + 1;
        if width > limits.max_columns {
            return Err(super::limits::too_large(
                path,
                format!(
                    "sheet `{name}` spans {width} columns (a cell at row {}, column {}), more \
                     than the {} a ledger may have",
                    r + 1,
                    c + 1,
                    limits.max_columns
                ),
                "max_columns",
            ));
        }
        let area = (u64::from(bottom - top) + 1) * width as u64;
        if area > limits.max_sheet_cells {
            return Err(super::limits::too_large(
                path,
                format!(
                    "sheet `{name}` spans {area} cells (to row {}), more than {}",
                    bottom + 1,
                    limits.max_sheet_cells
                ),
                "max_sheet_cells",
            ));
        }
        cells.push((r, c, text));
        Ok(true)
    })?;
    let mut grid = Grid::default();
    if cells.is_empty() {
        return Ok((grid, name));
    }
    let height = (bottom - top) as usize + 1;
    grid.rows = vec![Vec::new(); height];
    grid.lines = (0..height).map(|i| top as usize + i + 1).collect();
    for (r, c, text) in cells {
        put(
            &mut grid.rows[(r - top) as usize],
            (c - left) as usize,
            Some(text),
        );
    }
    Ok((grid, name))
}

/// Streams the cells of an .xlsx sheet (the one named, else the first) in the sheet's
/// order to `each` (sheet name, row, column, text; None for a cell without a value) until
/// it returns false; returns the sheet's name. Nothing is sized by the sheet here.
fn each_xlsx_cell(
    path: &Path,
    sheet: Option<&str>,
    mut each: impl FnMut(&str, u32, u32, Option<String>) -> Result<bool>,
) -> Result<String> {
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook(path).map_err(|e| unreadable(path, e))?;
    let name = pick_sheet(path, &book.sheet_names(), sheet)?;
    let mut reader = book
        .worksheet_cells_reader(&name)
        .map_err(|e| unreadable(path, e))?;
    while let Some(cell) = reader.next_cell().map_err(|e| unreadable(path, e))? {
        let (r, c) = cell.get_position();
        if !each(
            &name,
            r,
            c,
            cell_text(&Data::from(cell.get_value().clone())),
        )? {
            break;
        }
    }
    Ok(name)
}

/// Sets cell `at` of a grid row, the row lengthened to it as needed.
fn put(row: &mut Vec<Option<String>>, at: usize, text: Option<String>) {
    if row.len() <= at {
        row.resize(at + 1, None);
    }
    row[at] = text;
}

/// Refuses a zipped workbook (.xlsx, .xlsm, .ods) one of whose parts unpacks past
/// `[limits] max_unzipped_mb`, or (past 16 MB) to more than `max_zip_ratio` times its
/// packed size: a zip bomb, checked on the archive's directory before anything unpacks.
fn check_zip_parts(path: &Path) -> Result<()> {
    if !matches!(extension(path).as_str(), "xlsx" | "xlsm" | "ods") {
        return Ok(());
    }
    let limits = super::limits::current();
    let file = std::fs::File::open(path).map_err(|e| unreadable(path, e))?;
    let mut zip = ::zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| {
        unreadable(
            path,
            format!(
                "{e}: the file is damaged or was not written to the end; export it again \
                 (or open it in Excel or WPS and save it again)"
            ),
        )
    })?;
    const MB: u64 = 1 << 20;
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(|e| unreadable(path, e))?;
        let (size, packed) = (part.size(), part.compressed_size().max(1));
        let name = part.name().map(|n| n.to_string()).unwrap_or_default();
        if size > limits.max_unzipped_mb * MB {
            return Err(super::limits::too_large(
                path,
                format!("its part `{name}` unpacks to {} MB", size / MB),
                "max_unzipped_mb",
            ));
        }
        if size > 16 * MB && size / packed > limits.max_zip_ratio {
            return Err(super::limits::too_large(
                path,
                format!(
                    "its part `{name}` unpacks to {} MB from {} KB, {} times its packed size",
                    size / MB,
                    packed / 1024,
                    size / packed
                ),
                "max_zip_ratio",
            ));
        }
    }
    Ok(())
}

/// The first `rows` rows of a workbook's first sheet. An .xlsx is read as a stream and
/// left as soon as they are in (finding the header of a 50,000-row bank workbook must not
/// parse it whole); other workbooks are read whole and cut.
pub fn head_workbook_grid(path: &Path, rows: usize) -> Result<Grid> {
    let ext = extension(path);
    check_zip_parts(path)?;
    if ext == "xlsx" || ext == "xlsm" {
        let mut grid = Grid {
            rows: vec![Vec::new(); rows],
            lines: (1..=rows).collect(),
        };
        each_xlsx_cell(path, None, |_, r, c, text| {
            let (r, c) = (r as usize, c as usize);
            if r >= rows {
                return Ok(false);
            }
            super::limits::check_columns(path, c + 1, r + 1)?;
            put(&mut grid.rows[r], c, text);
            Ok(true)
        })?;
        return Ok(grid);
    }
    let (mut grid, _) = read_workbook_grid(path, None)?;
    grid.rows.truncate(rows);
    grid.lines.truncate(rows);
    Ok(grid)
}

/// The names of a workbook's sheets.
pub fn sheet_names(path: &Path) -> Result<Vec<String>> {
    check_zip_parts(path)?;
    Ok(open_workbook_auto(path)
        .map_err(|e| unreadable(path, e))?
        .sheet_names())
}

/// A workbook sheet whose first non-blank row is the header (for sheets fundaudit wrote
/// itself, such as a filled-in findings.xlsx; ledgers go through [`super::header_shape`]).
fn read_workbook(path: &Path, sheet: Option<&str>) -> Result<RawTable> {
    let (grid, name) = read_workbook_grid(path, sheet)?;
    let Some(header) = grid.rows.iter().position(|r| {
        r.iter()
            .any(|c| c.as_deref().is_some_and(|v| !v.trim().is_empty()))
    }) else {
        return Err(unreadable(path, format!("sheet `{name}` is empty")));
    };
    let headers: Vec<String> = grid.rows[header]
        .iter()
        .enumerate()
        .map(|(i, c)| c.clone().unwrap_or_else(|| format!("column_{}", i + 1)))
        .collect();
    let mut table = grid_table(&grid, header + 1, &headers, path)?;
    table.format = format!("workbook, sheet `{name}`");
    Ok(table)
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

/// Every record of a delimited text file as cells (quotes respected), each with the line it
/// starts on: the slow path for exports whose header is not on line 1.
pub fn read_delimited_grid(path: &Path) -> Result<(Grid, String)> {
    let bytes = std::fs::read(path).map_err(|e| unreadable(path, e))?;
    let (text, encoding) = decode(bytes);
    let separator = sniff_delimiter(&text);
    Ok((
        split_grid(&text, separator, path)?,
        format!("text, {encoding}, {}", delimiter_name(separator)),
    ))
}

/// The first `limit` bytes of a delimited text file as cells (the last, maybe cut, record
/// dropped): enough to find its header without reading a large file.
pub fn head_delimited_grid(path: &Path, limit: usize) -> Result<Grid> {
    use std::io::Read;
    let mut bytes = Vec::with_capacity(limit);
    std::fs::File::open(path)
        .map_err(|e| unreadable(path, e))?
        .take(limit as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(path, e))?;
    let cut = bytes.len() == limit;
    let (text, _) = decode(bytes);
    let mut grid = split_grid(&text, sniff_delimiter(&text), path)?;
    if cut && grid.rows.len() > 1 {
        grid.rows.pop();
        grid.lines.pop();
    }
    Ok(grid)
}

/// Splits decoded text into records of cells: quotes respected (a doubled quote is one
/// quote), blank cells None, each record with the line it starts on.
fn split_grid(text: &[u8], separator: u8, path: &Path) -> Result<Grid> {
    let max_columns = super::limits::current().max_columns;
    let mut grid = Grid::default();
    let (mut field, mut record) = (Vec::new(), Vec::new());
    let (mut in_quotes, mut line, mut start_line) = (false, 1usize, 1usize);
    let finish_field = |field: &mut Vec<u8>, record: &mut Vec<Option<String>>| {
        let text = String::from_utf8_lossy(field)
            .trim_end_matches('\r')
            .to_string();
        record.push((!text.trim().is_empty()).then_some(text));
        field.clear();
    };
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        if in_quotes {
            if b == b'"' && text.get(i + 1) == Some(&b'"') {
                field.push(b'"');
                i += 1;
            } else if b == b'"' {
                in_quotes = false;
            } else {
                if b == b'\n' {
                    line += 1;
                }
                field.push(b);
            }
        } else if b == b'"' && field.is_empty() {
            in_quotes = true;
        } else if b == separator {
            finish_field(&mut field, &mut record);
            if record.len() >= max_columns {
                super::limits::check_columns(path, record.len() + 1, start_line)?;
            }
        } else if b == b'\n' {
            finish_field(&mut field, &mut record);
            grid.rows.push(std::mem::take(&mut record));
            grid.lines.push(start_line);
            line += 1;
            start_line = line;
        } else {
            field.push(b);
        }
        i += 1;
    }
    if !field.is_empty() || !record.is_empty() {
        finish_field(&mut field, &mut record);
        grid.rows.push(record);
        grid.lines.push(start_line);
    }
    Ok(grid)
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
