//! One large text ledger read a chunk of rows at a time, so that staging a province
//! (`fundaudit stage`) holds one chunk of it and not the whole file: a 5 GB payments file
//! read whole is 5 GB of bytes and then twice that of Polars strings.
//!
//! Each chunk goes through the same header mapping, footer check and cell validation as
//! a file read whole ([`crate::load::load_file_with`]), with what crosses chunks carried
//! ([`crate::load::Carry`]): the keys seen (a duplicate key names its first line wherever that
//! was) and the amounts above a 合计. Row numbers are the file's own lines.
//!
//! Only plain files can be cut between any two lines: UTF-8 text without a quote
//! character (a quoted field may hold a line break, and only a scan from the top places
//! records then) whose first line is the header. Anything else — a workbook, GB18030, a
//! title block above the header, an export that quotes its fields — is read whole as
//! before; [`open`] says which.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::read;
use super::read::table::{unreadable, RawTable};
use crate::footer::Totals;
use crate::load::{Carry, Table};
use crate::loaded::{FileCount, Loaded};
use crate::options::InputOptions;
use crate::plain::Text;
use fundaudit_core::error::Result;
use fundaudit_core::spec::FileSpec;

/// A plain text file being read a chunk at a time.
pub struct Chunks<'a> {
    path: PathBuf,
    spec: &'a FileSpec,
    options: &'a InputOptions,
    file: File,
    /// The header line as in the file, put in front of every chunk for Polars.
    header: Vec<u8>,
    separator: u8,
    format: String,
    /// Bytes read past the last whole line of the previous chunk.
    pending: Vec<u8>,
    /// Lines of the file before the next chunk (the header included).
    lines_before: usize,
    /// About how many bytes make `rows` rows, from the file's first lines.
    chunk_bytes: usize,
    eof: bool,
    chunks: usize,
    carry: Carry,
    count: Option<FileCount>,
    clock: std::time::Instant,
}

/// Whether the whole file is UTF-8 without a quote character: one pass of 16 MiB
/// blocks (a character cut by a block's end is carried into the next).
fn plain_text(path: &Path) -> Result<bool> {
    let mut file = File::open(path).map_err(|e| unreadable(path, e))?;
    let mut block = vec![0u8; 16 << 20];
    let mut carried = 0usize;
    loop {
        let n = file
            .read(&mut block[carried..])
            .map_err(|e| unreadable(path, e))?;
        let filled = carried + n;
        if n == 0 {
            return Ok(carried == 0);
        }
        let bytes = &block[..filled];
        // Both checks word-wise (SIMD): a province's ten gigabytes were half a minute of
        // one core with the byte-at-a-time `contains` and std's check, before any row
        // was read.
        if memchr::memchr(b'"', bytes).is_some() {
            return Ok(false);
        }
        let valid = match simdutf8::compat::from_utf8(bytes) {
            Ok(_) => filled,
            // An incomplete character at the block's end: read on.
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => return Ok(false),
        };
        block.copy_within(valid..filled, 0);
        carried = filled - valid;
    }
}

/// `path` ready to be read `rows` rows at a time, or None when it must be read whole
/// (see the module's comment).
pub fn open<'a>(
    path: &Path,
    spec: &'a FileSpec,
    options: &'a InputOptions,
    rows: usize,
) -> Result<Option<Chunks<'a>>> {
    if read::table::is_workbook(path)
        || read::table::extension(path) == "parquet"
        || !path.is_file()
    {
        return Ok(None);
    }
    let mut file = File::open(path).map_err(|e| unreadable(path, e))?;
    let mut head = vec![0u8; 64 * 1024];
    let n = read_full(&mut file, &mut head).map_err(|e| unreadable(path, e))?;
    head.truncate(n);
    if read::encoding::is_utf16(&head) || !plain_text(path)? {
        return Ok(None);
    }
    let Some(end) = head.iter().position(|&b| b == b'\n') else {
        return Ok(None);
    };
    let (separator, encoding) = read::delimited::sniff_plain(&head);
    let header = head[..=end].to_vec();
    // The header must be line 1 and map every required field, as the fast whole read
    // asks; a title block above it needs the whole file's shape.
    let names = read::delimited::parse_text(&header, separator).map_err(|e| unreadable(path, e))?;
    if !crate::load::maps_required(&crate::load::clean_headers(&names), spec, options) {
        return Ok(None);
    }
    let lines_in_head = head.iter().filter(|&&b| b == b'\n').count().max(1);
    let per_line = head.len().div_ceil(lines_in_head).max(1);
    let pending = head[end + 1..].to_vec();
    Ok(Some(Chunks {
        path: path.to_path_buf(),
        spec,
        options,
        file,
        header,
        separator,
        format: format!(
            "text, {encoding}, {}, read in chunks",
            read::delimited::delimiter_name(separator)
        ),
        pending,
        lines_before: 1,
        chunk_bytes: per_line.saturating_mul(rows.max(1)),
        eof: false,
        chunks: 0,
        carry: Carry {
            totals: Some(Totals::default()),
            ..Carry::default()
        },
        count: None,
        clock: std::time::Instant::now(),
    }))
}

/// Fills `buf` unless the file ends first; returns the bytes read.
fn read_full(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

impl Chunks<'_> {
    /// The next chunk's rows, checked as the file's own; None after the last. A file of
    /// no rows gives one empty chunk, so its columns are known.
    pub fn next_chunk(&mut self) -> Result<Option<Loaded>> {
        let Some(bytes) = self.next_bytes()? else {
            return Ok(None);
        };
        let path = self.path.clone();
        let lines = bytes[self.header.len()..]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + usize::from(!bytes.ends_with(b"\n") && bytes.len() > self.header.len());
        let base = self.lines_before;
        self.lines_before += lines;
        // The one-pass read of `plain` where the chunk is ordinary (the file is UTF-8
        // without quotes, and a chunk holds whole lines); else Polars and the checks.
        let text = simdutf8::basic::from_utf8(&bytes).ok().map(|text| Text {
            text,
            separator: self.separator,
            first_line: base + 1,
            format: self.format.clone(),
        });
        let plain = match text {
            Some(text) => {
                crate::plain::load_text(text, &path, self.spec, self.options, &mut self.carry)?
            }
            None => None,
        };
        let loaded = match plain {
            Some(loaded) => loaded,
            None => {
                let raw = self.parse(&bytes, base)?;
                drop(bytes);
                let table = Table {
                    raw,
                    header_line: 1,
                    title: Vec::new(),
                };
                crate::load::load_table(table, &path, self.spec, self.options, &mut self.carry)?
            }
        };
        self.chunks += 1;
        match &mut self.count {
            None => self.count = Some(loaded.count.clone()),
            Some(total) => {
                let c = &loaded.count;
                total.rows_read += c.rows_read;
                total.rows_used += c.rows_used;
                total.rows_rejected += c.rows_rejected;
                total.invisible_cells += c.invisible_cells;
                total.skipped.extend(c.skipped.iter().cloned());
                total.warnings.extend(c.warnings.iter().cloned());
            }
        }
        let read = self.count.as_ref().map_or(0, |c| c.rows_read);
        let shown = path.display();
        tracing::info!(file = %shown, rows = read, "read {read} rows of {shown}");
        Ok(Some(loaded))
    }

    /// The header and the next whole lines, about `chunk_bytes` of them.
    fn next_bytes(&mut self) -> Result<Option<Vec<u8>>> {
        if self.eof && self.pending.is_empty() && self.chunks > 0 {
            return Ok(None);
        }
        let mut bytes = Vec::with_capacity(self.header.len() + self.chunk_bytes + 4096);
        bytes.extend_from_slice(&self.header);
        bytes.append(&mut self.pending);
        let want = self.header.len() + self.chunk_bytes;
        if !self.eof && bytes.len() < want {
            let start = bytes.len();
            bytes.resize(want, 0);
            let n = read_full(&mut self.file, &mut bytes[start..])
                .map_err(|e| unreadable(&self.path, e))?;
            bytes.truncate(start + n);
            self.eof = start + n < want;
        }
        if !self.eof {
            // Cut after the last line break; the rest starts the next chunk.
            match bytes[self.header.len()..].iter().rposition(|&b| b == b'\n') {
                Some(p) => {
                    let cut = self.header.len() + p + 1;
                    self.pending = bytes[cut..].to_vec();
                    bytes.truncate(cut);
                }
                // One line longer than a chunk: read on until it ends.
                None => {
                    let mut more = [0u8; 64 * 1024];
                    loop {
                        let n = read_full(&mut self.file, &mut more)
                            .map_err(|e| unreadable(&self.path, e))?;
                        let end = more[..n].iter().position(|&b| b == b'\n');
                        let upto = end.map_or(n, |e| e + 1);
                        bytes.extend_from_slice(&more[..upto]);
                        if let Some(e) = end {
                            self.pending = more[e + 1..n].to_vec();
                            break;
                        }
                        if n < more.len() {
                            self.eof = true;
                            break;
                        }
                    }
                }
            }
        }
        Ok(Some(bytes))
    }

    /// A chunk's rows as text columns, each with its line in the file (`base`: lines
    /// before the chunk). A chunk with a ragged row or a blank line is split into records
    /// first, as a file read whole is (see [`read::delimited::drop_ragged_rows`]).
    fn parse(&self, bytes: &[u8], base: usize) -> Result<RawTable> {
        let body = &bytes[self.header.len()..];
        let blank = body.starts_with(b"\n")
            || body.starts_with(b"\r\n")
            || body.windows(2).any(|w| w == b"\n\n")
            || body.windows(3).any(|w| w == b"\n\r\n");
        if !blank {
            if let Ok(frame) = read::delimited::parse_text(bytes, self.separator) {
                let lines = (base + 1..base + 1 + frame.height()).collect();
                return Ok(RawTable {
                    frame,
                    lines: Some(lines),
                    rejects: Vec::new(),
                    format: self.format.clone(),
                });
            }
        }
        // Lines of `bytes` count the header as 1; the chunk's first line is base + 1.
        let (clean, lines, mut rejects) =
            read::delimited::drop_ragged_rows(bytes, self.separator, false);
        for r in rejects.iter_mut() {
            r.line = r.line + base - 1;
        }
        let frame = read::delimited::parse_text(&clean, self.separator)
            .map_err(|e| unreadable(&self.path, e))?;
        Ok(RawTable {
            frame,
            lines: Some(lines.into_iter().map(|l| l + base - 1).collect()),
            rejects,
            format: self.format.clone(),
        })
    }

    /// The account of the file so far (the whole file once [`Chunks::next_chunk`] gave
    /// None).
    pub fn count(&self) -> FileCount {
        let mut count = self.count.clone().unwrap_or_default();
        count.seconds = self.clock.elapsed().as_secs_f64();
        count
    }
}

#[cfg(test)]
mod tests {
    use super::plain_text;

    /// A file of `fill` bytes of plain rows, then `tail`.
    fn file_of(fill: usize, tail: &[u8]) -> tempfile::NamedTempFile {
        let mut bytes = b"a,b\n".repeat(fill / 4);
        bytes.extend_from_slice(tail);
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), bytes).unwrap();
        f
    }

    #[test]
    fn a_character_cut_by_a_block_end_is_plain_a_quote_or_bad_byte_past_it_is_not() {
        // 张's three bytes start two before the first 16 MiB block's end.
        let edge = 16 << 20;
        assert!(plain_text(file_of(edge - 4, "ab张,b\n".as_bytes()).path()).unwrap());
        assert!(!plain_text(file_of(edge + 40, b"\"a\",b\n").path()).unwrap());
        assert!(!plain_text(file_of(edge + 40, b"a\xff,b\n").path()).unwrap());
        // Cut off in the middle of a character at the very end: not UTF-8.
        assert!(!plain_text(file_of(8, &"张".as_bytes()[..2]).path()).unwrap());
        assert!(plain_text(file_of(0, b"").path()).unwrap());
    }
}
