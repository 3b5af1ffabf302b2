//! CSV and tab- or semicolon-separated text: the delimiter sniffed, binary files and
//! header widths refused, rows that do not split into the header's fields rejected with
//! their line (quotes spanning lines respected), and the whole file or its head as a grid.

use std::path::Path;

use polars::prelude::*;

use super::encoding::{decode, is_utf16, DAMAGED_UTF8};
use super::table::{unreadable, RawTable};
use crate::header_shape::Grid;
use crate::loaded::Reject;
use fundaudit_core::error::Result;
use std::io::Cursor;

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

/// One thread for a small file: a village's posted list is two kilobytes, and waking the
/// pool for it costs more than reading it (ten thousand such files took seconds of
/// thread hand-offs).
fn small_threads(bytes: usize) -> Option<usize> {
    (bytes < 1 << 20).then_some(1)
}

/// Delimited text in memory as text columns (see [`text_options`]).
pub(crate) fn parse_text(text: &[u8], separator: u8) -> PolarsResult<DataFrame> {
    text_options(separator)
        .with_n_threads(small_threads(text.len()))
        .into_reader_with_file_handle(Cursor::new(text))
        .finish()
}

/// The separator and encoding of plain UTF-8 text from its first bytes: a BOM says
/// "with BOM" and is not looked at for the separator.
pub(crate) fn sniff_plain(head: &[u8]) -> (u8, &'static str) {
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

pub(crate) fn delimiter_name(separator: u8) -> &'static str {
    match separator {
        b'\t' => "tab-separated",
        b';' => "semicolon-separated",
        _ => "comma-separated",
    }
}

pub(super) fn read_delimited(path: &Path) -> Result<RawTable> {
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
        // From the bytes already read, not the file again.
        if let Ok(frame) = parse_text(&bytes, separator) {
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
pub(crate) fn refuse_binary(path: &Path) -> Result<()> {
    use std::io::Read;
    let mut head = Vec::with_capacity(64 * 1024);
    std::fs::File::open(path)
        .map_err(|e| unreadable(path, e))?
        .take(64 * 1024)
        .read_to_end(&mut head)
        .map_err(|e| unreadable(path, e))?;
    if !is_utf16(&head) && memchr::memchr(0, &head).is_some() {
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
pub(crate) fn check_header_width(path: &Path, text: &[u8], separator: u8) -> Result<()> {
    let first = text.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let fields = 1 + first.iter().filter(|&&b| b == separator).count();
    crate::limits::check_columns(path, fields, 1)
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
    let max_columns = crate::limits::current().max_columns;
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
                crate::limits::check_columns(path, record.len() + 1, start_line)?;
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
