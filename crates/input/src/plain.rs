//! The common file, read fast: delimited text without a quote character, in one encoding,
//! its header on line 1 naming every required field. Its text is cut into runs of whole
//! lines, and each run is read and checked in one pass on a core of its own: fields cut
//! at the separator, each cell trimmed, checked and typed as it is met (a date to days,
//! an amount to fen, an ID cleaned), with the very checks of [`crate::validate`]. The
//! general path instead has Polars parse every cell into text and the checks read that
//! text again: at a million rows the difference is most of the loading time. A file read a
//! chunk at a time ([`crate::chunks`], a province's ledgers) takes the same pass per
//! chunk, carrying the keys seen and the amounts for a later 合计 as the general path does.
//!
//! Anything out of the ordinary sends the file to the general path ([`crate::load`]),
//! which handles it as it always has: a quote (a field may then hold the separator or a
//! line break), damaged bytes, a row of more or fewer fields, a blank line, a key left
//! empty or reading like 合计 (a footer row), an invisible format character, a blank or
//! repeated header. For every file this path takes, it gives what the general path gives:
//! the same frame, rejects and counts (the property test below checks it on random files).

use std::path::Path;
use std::sync::Arc;

use memchr::{memchr, memchr_iter};
use polars::prelude::*;
use polars_arrow::array::{MutableBinaryViewArray, PrimitiveArray};
use polars_arrow::bitmap::BitmapBuilder;
use polars_arrow::types::NativeType;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::footer::may_not_be_data;
use crate::load::{clean_header, column_names, maps_required, spec_fields, Carry};
use crate::loaded::{FileCount, Loaded, Reject, LINE};
use crate::options::InputOptions;
use crate::read::delimited::{check_header_width, delimiter_name, refuse_binary, sniff_delimiter};
use crate::read::encoding::{decode, is_utf16, line_pieces, DAMAGED_UTF8};
use crate::read::table::{extension, is_workbook, unreadable};
use crate::validate::{
    check_amount, check_code, check_date, check_filled, duplicate, finish_frame, hidden_marks,
    quoted, too_long, KeyIndex,
};
use fundaudit_core::error::Result;
use fundaudit_core::frame;
use fundaudit_core::spec::{ColumnSpec, Field, FileSpec};

/// Lines per run are what a run's bytes hold; below this a file is read in one run on the
/// calling thread (a village's posted list is two kilobytes: handing it to the pool costs
/// more than reading it).
const RUN_BYTES: usize = 1 << 20;

/// A file of more than two of these is read a block at a time: its bytes read whole
/// stood beside the columns made of them (a million people's payments are 460 MB of text,
/// and reading them whole was the run's peak of memory).
const BLOCK_BYTES: usize = 64 << 20;

/// Reads and checks `path` if it is a file this path takes; None sends it to the general
/// path.
pub(crate) fn load_plain(
    path: &Path,
    spec: &FileSpec,
    options: &InputOptions,
) -> Result<Option<Loaded>> {
    load_plain_in(path, spec, options, BLOCK_BYTES)
}

/// [`load_plain`], a file past two `block`s read a block at a time.
fn load_plain_in(
    path: &Path,
    spec: &FileSpec,
    options: &InputOptions,
    block: usize,
) -> Result<Option<Loaded>> {
    if is_workbook(path) || extension(path) == "parquet" {
        return Ok(None);
    }
    // Binary data (a sparse or damaged file) is refused from its first bytes, before the
    // whole of it is read.
    refuse_binary(path)?;
    let size = std::fs::metadata(path)
        .map_err(|e| unreadable(path, e))?
        .len();
    if size > 2 * block as u64 {
        match load_blocks(path, spec, options, block)? {
            Streamed::Read(loaded) => return Ok(Some(*loaded)),
            Streamed::General => return Ok(None),
            Streamed::Whole => {}
        }
    }
    let bytes = std::fs::read(path).map_err(|e| unreadable(path, e))?;
    // UTF-8 is checked once, word-wise, and read where it lies (std's check, twice over,
    // was a seventh of loading); other encodings are decoded to UTF-8 first.
    // (UTF-16 of ASCII text is valid UTF-8 with a NUL after each letter: told first.)
    let decoded;
    let utf8 = match is_utf16(&bytes[..bytes.len().min(64 * 1024)]) {
        true => None,
        false => simdutf8::basic::from_utf8(&bytes).ok(),
    };
    let (text, encoding) = match utf8 {
        Some(text) => match text.strip_prefix('\u{feff}') {
            Some(rest) => (rest, "UTF-8 with BOM"),
            None => (text, "UTF-8"),
        },
        None => {
            let (text, encoding) = decode(bytes);
            decoded = text;
            match simdutf8::basic::from_utf8(&decoded) {
                Ok(text) if encoding != DAMAGED_UTF8 => (text, encoding),
                _ => return Ok(None),
            }
        }
    };
    let separator = sniff_delimiter(text.as_bytes());
    check_header_width(path, text.as_bytes(), separator)?;
    let format = format!("text, {encoding}, {}", delimiter_name(separator));
    let text = Text {
        text,
        separator,
        first_line: 2,
        format,
    };
    load_text(text, path, spec, options, &mut Carry::default())
}

/// What reading a file block by block came to.
enum Streamed {
    Read(Box<Loaded>),
    /// Out of the ordinary: the general path reads it.
    General,
    /// Not UTF-8 from its first block on (GB18030, UTF-16): decoded whole.
    Whole,
}

/// Reads a UTF-8 file `block` bytes at a time, each block's whole lines read in runs as a
/// whole file's are; the line cut by a block's end is carried into the next. The checks
/// a whole file gets (UTF-8, no quote) are made block by block, and a block that fails
/// them sends the file the way a whole file failing them goes.
fn load_blocks(
    path: &Path,
    spec: &FileSpec,
    options: &InputOptions,
    block: usize,
) -> Result<Streamed> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| unreadable(path, e))?;
    let mut more = |into: &mut Vec<u8>| -> Result<bool> {
        let n = (&mut file)
            .take(block as u64)
            .read_to_end(into)
            .map_err(|e| unreadable(path, e))?;
        Ok(n > 0)
    };
    let mut rest = Vec::with_capacity(2 * block);
    more(&mut rest)?;
    if is_utf16(&rest[..rest.len().min(64 * 1024)]) {
        return Ok(Streamed::Whole);
    }
    let encoding = match rest.strip_prefix("\u{feff}".as_bytes()) {
        Some(_) => {
            rest.drain(..3);
            "UTF-8 with BOM"
        }
        None => "UTF-8",
    };
    let Some(end) = memchr(b'\n', &rest) else {
        return Ok(Streamed::Whole);
    };
    let Ok(header) = simdutf8::basic::from_utf8(&rest[..end]) else {
        return Ok(Streamed::Whole);
    };
    let separator = sniff_delimiter(header.as_bytes());
    check_header_width(path, header.as_bytes(), separator)?;
    if memchr(b'"', header.as_bytes()).is_some() {
        return Ok(Streamed::General);
    }
    let carry = &mut Carry::default();
    let Some(Header {
        names,
        mapped,
        shape,
    }) = read_header(header, separator, spec, options, carry)
    else {
        return Ok(Streamed::General);
    };
    rest.drain(..=end);
    let mut runs = Vec::new();
    loop {
        let eof = !more(&mut rest)?;
        // The block's whole lines (at the end of the file, the rest of it).
        let cut = match eof {
            true => rest.len(),
            false => memchr::memrchr(b'\n', &rest).map_or(0, |p| p + 1),
        };
        let body = &rest[..cut];
        if memchr(b'"', body).is_some() {
            return Ok(Streamed::General);
        }
        let Ok(body) = simdutf8::basic::from_utf8(body) else {
            return Ok(Streamed::Whole);
        };
        if !body.is_empty() || runs.is_empty() && eof {
            let Some(read) = read_runs(body, separator, &shape) else {
                return Ok(Streamed::General);
            };
            runs.extend(read);
        }
        rest.drain(..cut);
        if eof {
            break;
        }
    }
    let format = format!("text, {encoding}, {}", delimiter_name(separator));
    let loaded = finish(runs, names, mapped, &shape, spec, path, 2, format, carry)?;
    Ok(Streamed::Read(Box::new(loaded)))
}

/// Text to read: a header line and the lines below it, one encoding, no quote.
pub(crate) struct Text<'t> {
    pub(crate) text: &'t str,
    pub(crate) separator: u8,
    /// The line in the file of the first line below the header (2 for a whole file).
    pub(crate) first_line: usize,
    /// What was read, for the file's account.
    pub(crate) format: String,
}

/// Reads and checks `text` (a whole file, or a chunk of one behind its header, with what
/// the file's earlier chunks leave in `carry`); None sends it to the general path, and
/// then `carry` is as it was.
pub(crate) fn load_text(
    text: Text,
    path: &Path,
    spec: &FileSpec,
    options: &InputOptions,
    carry: &mut Carry,
) -> Result<Option<Loaded>> {
    // A quote may hold the separator or a line break: only a scan from the top places
    // the fields then.
    if memchr(b'"', text.text.as_bytes()).is_some() {
        return Ok(None);
    }
    let (header, body) = text.text.split_once('\n').unwrap_or((text.text, ""));
    let Some(Header {
        names,
        mapped,
        shape,
    }) = read_header(header, text.separator, spec, options, carry)
    else {
        return Ok(None);
    };
    let Some(runs) = read_runs(body, text.separator, &shape) else {
        return Ok(None);
    };
    let (first_line, format) = (text.first_line, text.format);
    finish(
        runs, names, mapped, &shape, spec, path, first_line, format, carry,
    )
    .map(Some)
}

/// A header line as this path takes it: the file's column names, the headers mapped to
/// another name, and what the columns are to the spec.
struct Header<'s> {
    names: Vec<String>,
    mapped: Vec<(String, String)>,
    shape: Shape<'s>,
}

/// None for a header the general path must read: a blank or repeated name, a required
/// field missing.
fn read_header<'s>(
    header: &str,
    separator: u8,
    spec: &'s FileSpec,
    options: &InputOptions,
    carry: &Carry,
) -> Option<Header<'s>> {
    let headers: Vec<String> = header.split(separator as char).map(clean_header).collect();
    let repeated = (1..headers.len()).any(|i| headers[..i].contains(&headers[i]));
    if headers.iter().any(String::is_empty) || repeated {
        return None;
    }
    if !maps_required(&headers, spec, options) {
        return None;
    }
    let (names, mapped) = column_names(&headers, spec, options);
    let mut shape = Shape::new(&names, spec);
    if carry.totals.is_some() {
        shape.totals = names.iter().position(|n| n == "amount");
    }
    Some(Header {
        names,
        mapped,
        shape,
    })
}

/// The file's runs made one frame, its rejects and its account.
#[allow(clippy::too_many_arguments)]
fn finish(
    runs: Vec<Run>,
    names: Vec<String>,
    mapped: Vec<(String, String)>,
    shape: &Shape,
    spec: &FileSpec,
    path: &Path,
    first_line: usize,
    format: String,
    carry: &mut Carry,
) -> Result<Loaded> {
    let shown = path.display().to_string();
    let at = Place {
        file: &shown,
        first_line,
    };
    let (frame, rejects, rows) = assemble(runs, &names, shape, spec, at, carry)?;
    let fields = spec_fields(&names, spec);
    let rows_rejected = rows - frame.height();
    Ok(Loaded {
        count: FileCount {
            file: shown,
            rows_read: rows,
            rows_used: frame.height(),
            rows_rejected,
            format,
            mapped,
            header_line: 1,
            fields,
            ..FileCount::default()
        },
        frame,
        rejects,
    })
}

/// Where rows being assembled are: their file, and the line of the first.
#[derive(Clone, Copy)]
struct Place<'a> {
    file: &'a str,
    first_line: usize,
}

/// What a column becomes.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// Text as read (trimmed, blank as null): names, places, keys, extra columns.
    Text,
    /// An ID or account number, cleaned.
    Code,
    /// Text that repeats a few values (see `ColumnSpec::repeats`), held as a code per row
    /// over the shared dictionary ([`frame::coded`]) from the start: a text per row would
    /// be made whole and then coded, two passes over millions of rows for a column of
    /// twenty townships.
    Coded,
    Date,
    Fen,
}

/// The file's columns as the spec sees them.
struct Shape<'s> {
    /// Per column of the file: its spec (None: an extra column), its place among the
    /// spec's columns the file has (the order rejects of one row are listed in), its kind.
    columns: Vec<(Option<&'s ColumnSpec>, usize, Kind)>,
    /// The spec's columns the file has, in the spec's order.
    present: Vec<&'s ColumnSpec>,
    /// The column of the file's key, whose keys must not repeat.
    key: Option<usize>,
    /// The column whose emptiness marks a row as maybe a total or a note (see
    /// [`crate::footer`]).
    footer: Option<usize>,
    /// The `amount` column, when a chunk's amounts are added up for a later 合计.
    totals: Option<usize>,
    /// The shared dictionary [`Kind::Coded`] columns are coded over.
    dictionary: Arc<CategoricalMapping>,
}

impl<'s> Shape<'s> {
    fn new(names: &[String], spec: &'s FileSpec) -> Shape<'s> {
        let present: Vec<&ColumnSpec> = spec
            .columns
            .iter()
            .filter(|c| names.iter().any(|n| n == c.name))
            .collect();
        let columns = names
            .iter()
            .map(|n| match present.iter().position(|c| c.name == n) {
                None => (None, 0, Kind::Text),
                Some(p) => {
                    let kind = match present[p].field {
                        Field::IdNumber | Field::Account => Kind::Code,
                        Field::Date | Field::OptDate => Kind::Date,
                        Field::Amount | Field::SignedAmount | Field::OptAmount => Kind::Fen,
                        Field::Text | Field::OptText if present[p].repeats => Kind::Coded,
                        Field::Key | Field::Text | Field::OptText => Kind::Text,
                    };
                    (Some(present[p]), p, kind)
                }
            })
            .collect();
        let key = names
            .iter()
            .position(|n| spec.column(n).is_some_and(|c| c.field == Field::Key));
        let footer_name = crate::footer::key_column(spec);
        let footer = names.iter().position(|n| n == footer_name);
        let DataType::Categorical(_, dictionary) = frame::coded() else {
            unreachable!("a coded column is categorical")
        };
        Shape {
            columns,
            present,
            key,
            footer,
            totals: None,
            dictionary,
        }
    }
}

/// A column of one run, as read.
enum Values {
    Text(MutableBinaryViewArray<str>),
    Codes(Numbers<u32>),
    Dates(Numbers<i32>),
    Fen(Numbers<i64>),
}

/// Numbers of one run as an Arrow column holds them: values and a validity bit each (a
/// `Vec<Option<i64>>` is sixteen bytes a row, then copied into a column grown by doubling).
struct Numbers<T: NativeType> {
    values: Vec<T>,
    valid: BitmapBuilder,
}

impl<T: NativeType> Numbers<T> {
    fn with_capacity(rows: usize) -> Numbers<T> {
        Numbers {
            values: Vec::with_capacity(rows),
            valid: BitmapBuilder::with_capacity(rows),
        }
    }

    fn push(&mut self, value: Option<T>) {
        self.values.push(value.unwrap_or_default());
        self.valid.push(value.is_some());
    }

    fn into_array(self) -> PrimitiveArray<T> {
        PrimitiveArray::from_vec(self.values).with_validity(self.valid.into_opt_validity())
    }
}

/// A bad cell of a run: row (in the run), its column's place among the present ones,
/// 0 for a length problem and 1 for the field's own, the value quoted, the reason.
type Problem = (usize, usize, u8, Option<String>, String);

/// One run of lines, read.
struct Run {
    rows: usize,
    values: Vec<Values>,
    /// The key of each row, hashed (None: empty).
    keys: Vec<Option<(u64, u64)>>,
    problems: Vec<Problem>,
    /// The amounts as a 合计 adds them (see [`crate::footer::row_fen`]), when asked.
    amounts: i64,
}

/// The body's runs of whole lines, read side by side; None when any of them is out of the
/// ordinary.
fn read_runs(body: &str, separator: u8, shape: &Shape) -> Option<Vec<Run>> {
    let threads = rayon::current_num_threads().max(1);
    let target = (body.len() / (threads * 4)).max(RUN_BYTES);
    let mut pieces: Vec<&str> = line_pieces(body.as_bytes(), target)
        .into_iter()
        .map(|r| &body[r])
        .collect();
    // A file of a header alone is one run of no rows, which makes its columns, empty.
    if pieces.is_empty() {
        pieces.push(body);
    }
    if pieces.len() <= 1 {
        return pieces
            .iter()
            .map(|p| read_run(p, separator, shape))
            .collect();
    }
    pieces
        .par_iter()
        .map(|p| read_run(p, separator, shape))
        .collect()
}

/// Reads one run of whole lines; None at the first thing out of the ordinary.
fn read_run(run: &str, separator: u8, shape: &Shape) -> Option<Run> {
    // The cleaning every cell gets first (see `validate::clean_cells`): format characters
    // and unreadable bytes go to the general path, which counts and reports them. Neither
    // is a separator or a line break, so the run is looked at whole, at memory speed,
    // instead of cell by cell.
    if hidden_marks(run) != (false, false) {
        return None;
    }
    let bytes = run.as_bytes();
    let mut reader = RunReader::new(shape, memchr_iter(b'\n', bytes).count() + 1);
    let mut cells: Vec<&str> = Vec::with_capacity(shape.columns.len());
    let (mut line, mut from) = (0, 0);
    for (base, chunk) in (0..).step_by(STOP_BYTES).zip(bytes.chunks(STOP_BYTES)) {
        let mut stops = stop_mask(chunk, separator);
        while stops != 0 {
            let p = base + stops.trailing_zeros() as usize;
            stops &= stops - 1;
            if bytes[p] == separator {
                cells.push(&run[from..p]);
                from = p + 1;
                continue;
            }
            let end = if p > line && bytes[p - 1] == b'\r' {
                p - 1
            } else {
                p
            };
            cells.push(&run[from.min(end)..end]);
            reader.row(&run[line..end], &cells, shape)?;
            cells.clear();
            (line, from) = (p + 1, p + 1);
        }
    }
    // The last line, when the run does not end with a line break.
    if line < run.len() {
        let end = run.len() - usize::from(run.ends_with('\r'));
        cells.push(&run[from.min(end)..end]);
        reader.row(&run[line..end], &cells, shape)?;
    }
    Some(reader.finish())
}

/// Bytes looked at together for the separators and line ends (one bit each in a `u64`).
const STOP_BYTES: usize = 64;

/// Where in `chunk` (at most [`STOP_BYTES`] long) the separator or a line break stands, a
/// bit per byte. A cell is ten bytes on average, so a search that stops at each one
/// (`memchr`) pays its setup every ten bytes; this compares the whole chunk at once, which
/// the compiler turns into vector compares, and the caller walks the bits.
fn stop_mask(chunk: &[u8], separator: u8) -> u64 {
    let mut mask = 0u64;
    if let Ok(whole) = <&[u8; STOP_BYTES]>::try_from(chunk) {
        for (i, &b) in whole.iter().enumerate() {
            mask |= u64::from((b == separator) | (b == b'\n')) << i;
        }
    } else {
        for (i, &b) in chunk.iter().enumerate() {
            mask |= u64::from((b == separator) | (b == b'\n')) << i;
        }
    }
    mask
}

/// The columns of a run being read, row by row.
struct RunReader<'r> {
    values: Vec<Values>,
    keys: Vec<Option<(u64, u64)>>,
    problems: Vec<Problem>,
    /// Each coded column's texts met in this run, with their codes: the shared
    /// dictionary is asked once per text, not once per row.
    met: Vec<FxHashMap<&'r str, u32>>,
    rows: usize,
    amounts: i64,
}

impl<'r> RunReader<'r> {
    fn new(shape: &Shape, rows_guess: usize) -> RunReader<'r> {
        let values = shape
            .columns
            .iter()
            .map(|(_, _, kind)| match kind {
                Kind::Text | Kind::Code => {
                    Values::Text(MutableBinaryViewArray::with_capacity(rows_guess))
                }
                Kind::Coded => Values::Codes(Numbers::with_capacity(rows_guess)),
                Kind::Date => Values::Dates(Numbers::with_capacity(rows_guess)),
                Kind::Fen => Values::Fen(Numbers::with_capacity(rows_guess)),
            })
            .collect();
        RunReader {
            values,
            keys: Vec::with_capacity(if shape.key.is_some() { rows_guess } else { 0 }),
            problems: Vec::new(),
            met: vec![FxHashMap::default(); shape.columns.len()],
            rows: 0,
            amounts: 0,
        }
    }

    /// Reads one line (without its line break) cut into `cells`; None when it is out of
    /// the ordinary.
    fn row(&mut self, line: &str, cells: &[&'r str], shape: &Shape) -> Option<()> {
        if cells.len() != shape.columns.len() || line.trim().is_empty() {
            return None;
        }
        let row = self.rows;
        for (j, (&cell, &(spec, place, kind))) in cells.iter().zip(&shape.columns).enumerate() {
            let v = Some(trimmed(cell)).filter(|v| !v.is_empty());
            if Some(j) == shape.totals {
                self.amounts += fundaudit_core::cells::parse_amount_fen(cell).unwrap_or(0);
            }
            if Some(j) == shape.footer && may_not_be_data(v) {
                return None;
            }
            let problems = &mut self.problems;
            let mut problem = |order: u8, why: String| {
                problems.push((row, place, order, v.map(quoted), why));
            };
            let Some(c) = spec else {
                if let Values::Text(a) = &mut self.values[j] {
                    a.push(v);
                }
                continue;
            };
            if let Some(why) = v.and_then(|v| too_long(c, v)) {
                problem(0, why);
            }
            match (&mut self.values[j], kind) {
                (Values::Text(a), Kind::Text) => {
                    if let Err(why) = check_filled(c, v) {
                        problem(1, why);
                    }
                    if Some(j) == shape.key {
                        self.keys.push(v.map(KeyIndex::hash));
                    }
                    a.push(v);
                }
                (Values::Codes(codes), _) => {
                    if let Err(why) = check_filled(c, v) {
                        problem(1, why);
                    }
                    let code = match v {
                        None => None,
                        Some(text) => Some(match self.met[j].get(text) {
                            Some(&code) => code,
                            None => {
                                // A dictionary full past u32 is the general path's to say.
                                let code = shape.dictionary.insert_cat(text).ok()?;
                                self.met[j].insert(text, code);
                                code
                            }
                        }),
                    };
                    codes.push(code);
                }
                (Values::Text(a), _) => match v.map(|s| check_code(c, s)) {
                    None => a.push_null(),
                    Some(Ok(s)) => a.push_value(s),
                    Some(Err(why)) => {
                        problem(1, why);
                        a.push_null();
                    }
                },
                (Values::Dates(d), _) => d.push(check_date(c, v).unwrap_or_else(|why| {
                    problem(1, why);
                    None
                })),
                (Values::Fen(f), _) => f.push(check_amount(c, v).unwrap_or_else(|why| {
                    problem(1, why);
                    None
                })),
            }
        }
        self.rows += 1;
        Some(())
    }

    fn finish(self) -> Run {
        Run {
            rows: self.rows,
            values: self.values,
            keys: self.keys,
            problems: self.problems,
            amounts: self.amounts,
        }
    }
}

/// The runs made one frame as the general path makes it: the good rows only, the file's
/// columns in its order with typed ones in their place, then each row's line, then the
/// amounts in fen, then the optional columns the file lacks. With the rejects, in line
/// order (a row's in its columns' order), and the rows read.
fn assemble(
    runs: Vec<Run>,
    names: &[String],
    shape: &Shape,
    spec: &FileSpec,
    at: Place,
    carry: &mut Carry,
) -> Result<(DataFrame, Vec<Reject>, usize)> {
    let height: usize = runs.iter().map(|r| r.rows).sum();
    // A chunk's amounts, for a 合计 in a later chunk (see `footer::Totals`).
    if let Some(t) = carry.totals.as_mut() {
        let fen: i64 = runs.iter().map(|r| r.amounts).sum();
        t.add(fen);
    }
    let mut problems: Vec<Problem> = Vec::new();
    let mut keys: Vec<Option<(u64, u64)>> = Vec::with_capacity(height);
    let mut per_column: Vec<Vec<Values>> = names.iter().map(|_| Vec::new()).collect();
    let mut start = 0;
    for run in runs {
        problems.extend(
            run.problems
                .into_iter()
                .map(|(row, place, order, v, why)| (start + row, place, order, v, why)),
        );
        keys.extend(run.keys);
        for (parts, values) in per_column.iter_mut().zip(run.values) {
            parts.push(values);
        }
        start += run.rows;
    }
    // The columns made whole side by side, and the repeated keys found beside them.
    let (columns, duplicates) = rayon::join(
        || {
            per_column
                .into_par_iter()
                .zip(names)
                .zip(&shape.columns)
                .map(|((parts, name), &(_, _, kind))| whole_column(parts, name, kind))
                .collect::<Vec<Column>>()
        },
        || match carry.totals {
            // A whole file: its keys alone, in shards side by side.
            None => repeated_keys(keys, at.first_line),
            // A chunk: against the keys of the file's chunks before it too.
            Some(_) => carry.keys.repeated(&keys, at.first_line),
        },
    );
    let columns: Vec<(usize, Column)> = columns.into_iter().enumerate().collect();
    if let Some(k) = shape.key {
        let keys = columns[k].1.str()?.clone();
        let place = shape.columns[k].1;
        let c = shape.present[place];
        for (row, first) in duplicates {
            problems.push((
                row,
                place,
                1,
                keys.get(row).map(quoted),
                duplicate(c, first),
            ));
        }
    }
    problems.sort_by_key(|(row, place, order, _, _)| (*row, *place, *order));
    let mut bad = vec![false; height];
    let rejects: Vec<Reject> = problems
        .into_iter()
        .map(|(row, place, _, value, reason)| {
            bad[row] = true;
            Reject {
                file: at.file.to_string(),
                line: row + at.first_line,
                column: shape.present[place].name.to_string(),
                value: value.unwrap_or_default(),
                reason,
            }
        })
        .collect();
    // The file's columns but the amounts; each row's line; the amounts in fen, in the
    // spec's order: as the general path adds them.
    let (mut amounts, mut all): (Vec<_>, Vec<_>) = columns
        .into_iter()
        .partition(|(j, _)| shape.columns[*j].2 == Kind::Fen);
    let line_at = all.len();
    amounts.sort_by_key(|(j, _)| shape.columns[*j].1);
    all.extend(amounts);
    let mut frame = DataFrame::new(height, all.into_iter().map(|(_, c)| c).collect())?;
    if bad.iter().any(|b| *b) {
        let mask: BooleanChunked = bad.iter().map(|b| !b).collect();
        frame = frame.filter(&mask)?;
    }
    let mut lines: Vec<i64> = Vec::with_capacity(height);
    lines.extend(
        (0..height)
            .filter(|&r| !bad[r])
            .map(|r| (r + at.first_line) as i64),
    );
    frame.insert_column(line_at, Column::new(LINE.into(), lines))?;
    let frame = finish_frame(frame, spec, &shape.present, names)?;
    Ok((frame, rejects, height))
}

/// A column of the file from its runs' parts.
fn whole_column(parts: Vec<Values>, name: &str, kind: Kind) -> Column {
    let name = PlSmallStr::from(name);
    match kind {
        Kind::Text | Kind::Code => {
            let arrays = parts.into_iter().map(|p| match p {
                Values::Text(a) => a.freeze(),
                _ => unreachable!("a text column holds text"),
            });
            whole(StringChunked::from_chunk_iter(name, arrays)).into_column()
        }
        Kind::Coded => {
            let codes: UInt32Chunked = numbers(name, parts, |p| match p {
                Values::Codes(c) => Some(c),
                _ => None,
            });
            // SAFETY: every code was given by the shared dictionary `frame::coded` names
            // (`insert_cat`), and that dictionary only grows.
            unsafe { Categorical32Chunked::from_cats_and_dtype_unchecked(codes, frame::coded()) }
                .into_series()
                .into_column()
        }
        Kind::Date => {
            let days: Int32Chunked = numbers(name, parts, |p| match p {
                Values::Dates(d) => Some(d),
                _ => None,
            });
            days.into_date().into_column()
        }
        Kind::Fen => {
            let fen: Int64Chunked = numbers(format!("{name}_fen").into(), parts, |p| match p {
                Values::Fen(f) => Some(f),
                _ => None,
            });
            fen.into_column()
        }
    }
}

/// A column of numbers (days, fen, codes) from its runs' parts, which `pick` takes out
/// of their [`Values`].
fn numbers<T: PolarsNumericType>(
    name: PlSmallStr,
    parts: Vec<Values>,
    pick: fn(Values) -> Option<Numbers<T::Native>>,
) -> ChunkedArray<T> {
    let arrays = parts.into_iter().map(|p| {
        pick(p)
            .expect("a column's parts hold its kind")
            .into_array()
    });
    whole(ChunkedArray::from_chunk_iter(name, arrays))
}

/// A column of one chunk (the runs' parts copied once into a column of their total size).
fn whole<T: PolarsDataType>(parts: ChunkedArray<T>) -> ChunkedArray<T> {
    parts.rechunk().into_owned()
}

/// Rows whose key an earlier row holds, each with that row's line: the first row of a key
/// is the one kept. The rows are dealt by their key's hash into shards looked at side by
/// side (a key is in one shard only, and each shard is read in the file's order), each
/// shard's table small enough to stay in the cache: one table of five million payments'
/// keys is over a hundred megabytes, and nearly every row missed the cache.
fn repeated_keys(keys: Vec<Option<(u64, u64)>>, first_line: usize) -> Vec<(usize, usize)> {
    const SHARD_BITS: u32 = 7;
    let shard = |h: &(u64, u64)| (h.0 >> (64 - SHARD_BITS)) as usize;
    let mut shards: Vec<Vec<((u64, u64), usize)>> = (0..1 << SHARD_BITS)
        .map(|_| Vec::with_capacity((keys.len() >> SHARD_BITS) * 9 / 8))
        .collect();
    for (row, h) in keys.iter().enumerate() {
        if let Some(h) = h {
            shards[shard(h)].push((*h, row));
        }
    }
    // The shards hold every key now: the file's list goes before their tables are made
    // (five million payments' keys are 120 MB).
    drop(keys);
    let mut found: Vec<(usize, usize)> = shards
        .into_par_iter()
        .flat_map_iter(|rows| {
            let mut seen = FxHashMap::default();
            seen.reserve(rows.len());
            let mut found = Vec::new();
            for (h, row) in rows {
                if let Some(first) = KeyIndex::first_hashed(&mut seen, h, row + first_line) {
                    found.push((row, first));
                }
            }
            found
        })
        .collect();
    found.sort_unstable();
    found
}

/// A cell without the white space around it: `str::trim` but for the usual cell, which
/// starts and ends with something else and is passed back after a look at two characters.
fn trimmed(cell: &str) -> &str {
    let mut chars = cell.chars();
    match (chars.next(), chars.next_back()) {
        (Some(a), Some(b)) if !a.is_whitespace() && !b.is_whitespace() => cell,
        (Some(a), None) if !a.is_whitespace() => cell,
        _ => cell.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{load_table, read_table, Carry};

    /// The general path's reading of a file, as if this path did not exist.
    fn general(path: &Path, spec: &FileSpec) -> Loaded {
        let options = InputOptions::default();
        let table = read_table(path, spec, &options).unwrap();
        load_table(table, path, spec, &options, &mut Carry::default()).unwrap()
    }

    fn same(a: &Loaded, b: &Loaded) {
        assert_eq!(a.rejects, b.rejects);
        let (mut x, mut y) = (a.count.clone(), b.count.clone());
        (x.seconds, y.seconds) = (0.0, 0.0);
        assert_eq!(x, y);
        assert_eq!(
            a.frame.get_column_names(),
            b.frame.get_column_names(),
            "column order"
        );
        for (c, d) in a.frame.columns().iter().zip(b.frame.columns()) {
            assert_eq!(c.dtype(), d.dtype(), "{}", c.name());
            let (c, d) = (c.as_materialized_series(), d.as_materialized_series());
            if !c.equals_missing(d) {
                let i = (0..c.len()).find(|&i| c.get(i).ok() != d.get(i).ok());
                panic!(
                    "{} differs at row {i:?}: {:?} / {:?}",
                    c.name(),
                    i.map(|i| c.get(i)),
                    i.map(|i| d.get(i))
                );
            }
        }
    }

    /// Cells of every kind a field meets in office files: clean, padded, blank, wrong,
    /// cleanable, far too long, a footer's marker, an invisible character, a quote.
    fn cells(field: Field) -> Vec<String> {
        let mut v: Vec<String> = match field {
            Field::Key => vec!["K1", "K2", "K3", "K1", " K4 ", "K5", "合计", "制表人：张三"],
            Field::Text | Field::OptText => {
                vec!["张三", "李 四", " 王五 ", "　赵六", "合计村", "ab"]
            }
            Field::IdNumber => vec![
                "420001198709101329",
                "42000119870910132x",
                "4200 0119 8709 1013 29",
                "'420001198709101329",
                "１２３４",
                "abc",
            ],
            Field::Account => vec!["6228480000000007919", "6228 4800 0000 0007 919", "x1"],
            Field::Date | Field::OptDate => vec![
                "2025-01-20",
                "2025/1/5",
                "20250105",
                "2025-13-01",
                "2025年1月5日",
                " 2025-01-20 ",
            ],
            Field::Amount | Field::SignedAmount | Field::OptAmount => {
                vec!["1841.00", "920.5", "-5", "abc", "1,234.50", " 12 ", "0"]
            }
        }
        .into_iter()
        .map(String::from)
        .collect();
        v.extend(["".to_string(), "  ".to_string(), "长".repeat(600)]);
        v
    }

    fn specs() -> [&'static FileSpec; 3] {
        [
            &fundaudit_core::spec::PAYMENTS,
            &fundaudit_core::spec::BENEFICIARIES,
            &fundaudit_core::spec::ALLOCATIONS,
        ]
    }

    /// A file of `spec`'s required columns, some of its optional ones and an extra one, in
    /// a shuffled order, headers by name or alias, rows of cells drawn from [`cells`], and
    /// now and then what this path must leave to the general one.
    fn file_text(spec: &FileSpec, picks: &[usize], odd: u8, separator: char) -> String {
        let mut columns: Vec<(String, Vec<String>)> = Vec::new();
        for (i, c) in spec.columns.iter().enumerate() {
            if !c.required && picks.get(i).is_some_and(|p| p.is_multiple_of(2)) {
                continue;
            }
            let header = match (c.aliases.first(), picks.get(i + 1).map(|p| p % 3)) {
                (Some(a), Some(0)) => a.to_string(),
                _ => c.name.to_string(),
            };
            columns.push((header, cells(c.field)));
        }
        columns.push(("extra".into(), cells(Field::OptText)));
        let shift = picks.first().copied().unwrap_or(0) % columns.len();
        columns.rotate_left(shift);
        let rows = picks.len() / 2;
        let mut text = String::new();
        if odd == 1 {
            text.push('\u{feff}');
        }
        let header: Vec<&str> = columns.iter().map(|(h, _)| h.as_str()).collect();
        text.push_str(&header.join(&separator.to_string()));
        let end = if odd == 2 { "\r\n" } else { "\n" };
        text.push_str(end);
        for r in 0..rows {
            let mut row: Vec<String> = columns
                .iter()
                .enumerate()
                .map(|(j, (_, palette))| {
                    let p = picks[(r * 7 + j * 3) % picks.len()] + r + j;
                    // Mostly the first, clean, cells: a file is mostly good rows.
                    let k = if p.is_multiple_of(4) {
                        p / 4 % palette.len()
                    } else {
                        p % 2
                    };
                    palette[k].clone()
                })
                .collect();
            // The key stays unique but for the duplicates the palette plants.
            if let Some(j) = columns
                .iter()
                .position(|(h, _)| spec.column(h).is_some_and(|c| c.field == Field::Key))
            {
                if row[j] == "K5" {
                    row[j] = format!("K{}", 100 + r);
                }
            }
            match (odd, r) {
                (3, 1) => row.push("more".into()),
                (4, 1) => row[0] = "\"quoted".into(),
                (5, 1) => row[0] = "张\u{200b}三".into(),
                (6, 1) => row = vec![String::new()],
                _ => {}
            }
            text.push_str(&row.join(&separator.to_string()));
            if r + 1 < rows || odd != 7 {
                text.push_str(end);
            }
        }
        text
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        /// Whatever a file or a chunk holds, this path either leaves it to the general one
        /// or reads it exactly as the general one does.
        #[test]
        fn reads_as_the_general_path_or_leaves_it(
            which in 0usize..3,
            picks in proptest::collection::vec(0usize..1000, 2..40),
            odd in 0u8..12,
            separator in proptest::sample::select(vec![',', '\t', ';']),
            block in 8usize..400,
        ) {
            let spec = specs()[which];
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("ledger.csv");
            let text = file_text(spec, &picks, odd, separator);
            std::fs::write(&path, &text).unwrap();
            let options = InputOptions::default();
            let whole = load_plain(&path, spec, &options).unwrap();
            if let Some(fast) = &whole {
                same(fast, &general(&path, spec));
            }
            // Read a block at a time, as a large file is: taken or left alike, and alike.
            let blocks = load_plain_in(&path, spec, &options, block).unwrap();
            proptest::prop_assert_eq!(blocks.is_some(), whole.is_some());
            if let (Some(a), Some(b)) = (&blocks, &whole) {
                same(a, b);
            }
            // The same text as a chunk of a larger file, read behind earlier chunks.
            chunk_alike(spec, text.trim_start_matches('\u{feff}'), separator);
        }
    }

    /// A chunk of a file read a chunk at a time (see [`crate::chunks`]): its rows,
    /// rejects and counts, and what it leaves for the next chunk (the keys seen, the
    /// amounts for a later 合计), as the general path's.
    fn chunk_alike(spec: &FileSpec, text: &str, separator: char) -> bool {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.csv");
        let (first_line, format) = (101, "text, UTF-8, read in chunks".to_string());
        let seeded = || {
            let carry = Carry {
                totals: Some(Default::default()),
                ..Carry::default()
            };
            // A key of an earlier chunk, which a row of this one repeats.
            carry.keys.repeated(&[Some(KeyIndex::hash("K2"))], 50);
            carry
        };
        let (mut a, mut b) = (seeded(), seeded());
        let chunk = Text {
            text,
            separator: separator as u8,
            first_line,
            format: format.clone(),
        };
        let options = InputOptions::default();
        let Some(fast) = load_text(chunk, &path, spec, &options, &mut a).unwrap() else {
            return false;
        };
        let frame = crate::read::delimited::parse_text(text.as_bytes(), separator as u8).unwrap();
        let lines = (first_line..first_line + frame.height()).collect();
        let raw = crate::read::table::RawTable {
            frame,
            lines: Some(lines),
            rejects: Vec::new(),
            format,
        };
        let table = crate::load::Table {
            raw,
            header_line: 1,
            title: Vec::new(),
        };
        let general = load_table(table, &path, spec, &options, &mut b).unwrap();
        same(&fast, &general);
        assert_eq!(a.totals, b.totals, "the amounts carried");
        let keys = |c: &Carry| c.keys.0.lock().unwrap().clone();
        assert_eq!(keys(&a), keys(&b), "the keys carried");
        true
    }

    /// The chunk property is not empty either: ordinary chunks are taken.
    #[test]
    fn ordinary_chunks_are_taken() {
        let spec = &fundaudit_core::spec::PAYMENTS;
        let taken = (0..40usize)
            .filter(|seed| {
                let picks: Vec<usize> = (0..30).map(|i| (i * 37 + seed * 11) % 1000).collect();
                chunk_alike(spec, &file_text(spec, &picks, 0, ','), ',')
            })
            .count();
        assert!(taken >= 20, "{taken} of 40 ordinary chunks taken");
    }

    /// The property above is not empty: most such files are this path's, a good many of
    /// them with rejects, and the odd ones are not.
    #[test]
    fn ordinary_files_are_taken_and_odd_ones_left() {
        let spec = &fundaudit_core::spec::PAYMENTS;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("payments.csv");
        let (mut taken, mut with_rejects) = (0, 0);
        for seed in 0..40usize {
            let picks: Vec<usize> = (0..30).map(|i| (i * 37 + seed * 11) % 1000).collect();
            std::fs::write(&path, file_text(spec, &picks, 0, ',')).unwrap();
            if let Some(fast) = load_plain(&path, spec, &InputOptions::default()).unwrap() {
                taken += 1;
                with_rejects += usize::from(!fast.rejects.is_empty());
                same(&fast, &general(&path, spec));
            }
        }
        assert!(taken >= 20, "{taken} of 40 ordinary files taken");
        assert!(with_rejects >= 10, "{with_rejects} of them with rejects");
        for odd in [3, 4, 5, 6] {
            let picks: Vec<usize> = (0..30).map(|i| i * 4).collect();
            std::fs::write(&path, file_text(spec, &picks, odd, ',')).unwrap();
            assert!(
                load_plain(&path, spec, &InputOptions::default())
                    .unwrap()
                    .is_none(),
                "odd file {odd} taken"
            );
        }
    }

    /// A header alone, a GB18030 file, UTF-16 without a BOM (ASCII text in it is valid
    /// UTF-8 with NULs) and CRLF lines: each read as the general path reads it.
    #[test]
    fn other_encodings_and_empty_files_read_alike() {
        let spec = &fundaudit_core::spec::PAYMENTS;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("payments.csv");
        let header = "payment_id,allocation_id,beneficiary_id,payee_name,payee_account,amount,paid_date,program";
        let rows = "P1,A1,B1,张三,6228480000000007919,10.50,2025-01-20,低保金\r\nP2,A2,B2,李四,6228,-3,2025-02-30,低保金\r\n";
        let text = format!("{header}\r\n{rows}");
        let utf16: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        let (gb, _, _) = encoding_rs::GB18030.encode(&text);
        for (bytes, taken) in [
            (format!("{header}\n").into_bytes(), true),
            (header.as_bytes().to_vec(), true),
            (gb.into_owned(), true),
            (utf16, true),
        ] {
            std::fs::write(&path, &bytes).unwrap();
            let fast = load_plain(&path, spec, &InputOptions::default()).unwrap();
            assert_eq!(fast.is_some(), taken);
            same(&fast.unwrap(), &general(&path, spec));
            // A block at a time: a block that is not UTF-8 sends the file to be decoded
            // whole, wherever it comes.
            for block in [8, 40, 100] {
                let blocks = load_plain_in(&path, spec, &InputOptions::default(), block);
                same(&blocks.unwrap().unwrap(), &general(&path, spec));
            }
        }
    }

    /// The files of a county on disk, read both ways (`FUNDAUDIT_PLAIN_DIR=DIR`).
    #[test]
    #[ignore]
    fn a_folder_reads_alike_both_ways() {
        let dir = std::env::var("FUNDAUDIT_PLAIN_DIR").unwrap();
        for spec in [
            &fundaudit_core::spec::BENEFICIARIES,
            &fundaudit_core::spec::ALLOCATIONS,
            &fundaudit_core::spec::PAYMENTS,
        ] {
            let path = Path::new(&dir).join(spec.file);
            let fast = load_plain(&path, spec, &InputOptions::default())
                .unwrap()
                .expect("taken");
            same(&fast, &general(&path, spec));
        }
    }
}
