//! Cell-by-cell checks: every column the spec knows is checked, bad rows become rejects
//! with file, row, column, raw value and reason, and good rows come out typed (exact fen,
//! Polars dates, cleaned ID and account numbers).

use polars::prelude::*;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::loaded::{FileCount, Loaded};
use crate::loaded::{Reject, LINE};
use fundaudit_core::cells::{clean_code, parse_amount_fen, parse_date};
use fundaudit_core::error::{Error, Result};
use fundaudit_core::frame;
use fundaudit_core::spec::{ColumnSpec, Field, FileSpec};

/// Per-column result of the cell checks.
enum Parsed {
    Text,
    /// Text rewritten by cleaning (ID and account numbers); None when nothing changed.
    Cleaned(Option<Vec<Option<String>>>),
    Dates(Vec<Option<i32>>),
    Fen(Vec<Option<i64>>),
}

/// The keys a file has shown so far and the line of each, so a key met again is
/// rejected as a duplicate naming the first — across the chunks of a file read a chunk at
/// a time too (see [`super::chunks`]). Keys are kept as 128-bit hashes: 24 bytes a row
/// whatever the key's length, and a false "duplicate" is as likely as two random 128-bit
/// numbers being equal.
#[derive(Default)]
pub struct KeyIndex(pub(crate) std::sync::Mutex<FxHashMap<(u64, u64), u32>>);

impl KeyIndex {
    /// The line of an earlier row with this key, or None after recording this one.
    fn first(seen: &mut FxHashMap<(u64, u64), u32>, key: &str, line: usize) -> Option<usize> {
        Self::first_hashed(seen, Self::hash(key), line)
    }

    /// A key as the index holds it.
    pub(crate) fn hash(key: &str) -> (u64, u64) {
        let h = xxhash_rust::xxh3::xxh3_128(key.as_bytes());
        ((h >> 64) as u64, h as u64)
    }

    /// Rows of `keys` (hashed, in the file's order; None: empty) whose key the index
    /// already holds or an earlier row of them has, each with the line of the first; the
    /// rest recorded. `first_line` is the line of `keys[0]`.
    pub(crate) fn repeated(
        &self,
        keys: &[Option<(u64, u64)>],
        first_line: usize,
    ) -> Vec<(usize, usize)> {
        let mut seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
        seen.reserve(keys.len());
        keys.iter()
            .enumerate()
            .filter_map(|(row, h)| {
                let first = Self::first_hashed(&mut seen, (*h)?, row + first_line)?;
                Some((row, first))
            })
            .collect()
    }

    /// As [`KeyIndex::first`], for a key hashed beforehand (on another thread).
    pub(crate) fn first_hashed(
        seen: &mut FxHashMap<(u64, u64), u32>,
        h: (u64, u64),
        line: usize,
    ) -> Option<usize> {
        match seen.entry(h) {
            std::collections::hash_map::Entry::Occupied(e) => Some(*e.get() as usize),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(line.min(u32::MAX as usize) as u32);
                None
            }
        }
    }
}

/// Checks every cell the spec cares about; returns the good rows, typed, and the rejects.
pub fn validate(raw: DataFrame, file: &str, spec: &FileSpec) -> Result<Loaded> {
    let headers: Vec<String> = raw
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    validate_rows(raw, None, file, spec, &headers, &KeyIndex::default())
}

/// As [`validate`], with the source line of each row when rows were skipped before.
/// `headers` are the file's own headers, for the message when a column is missing;
/// `keys` the keys of the file's earlier rows (a fresh index for a file read whole).
pub(super) fn validate_rows(
    raw: DataFrame,
    lines: Option<&[usize]>,
    file: &str,
    spec: &FileSpec,
    headers: &[String],
    keys: &KeyIndex,
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
                found: headers.join(", "),
            });
        }
    }
    let present: Vec<&ColumnSpec> = spec
        .columns
        .iter()
        .filter(|c| found.iter().any(|f| f == c.name))
        .collect();

    let (df, invisible_cells, undecodable) = clean_cells(raw, &present)?;
    let height = df.height();
    let (parsed, bad, mut rejects) = check_rows(&df, &present, undecodable, file, &line_of, keys)?;
    let good = keep_good(df, spec, &present, &found, parsed, &bad, &line_of)?;
    let rows_rejected = bad.iter().filter(|b| **b).count();
    rejects.sort_by_key(|r| r.line);
    Ok(Loaded {
        count: FileCount {
            file: file.to_string(),
            rows_read: height,
            rows_used: height - rows_rejected,
            rows_rejected,
            invisible_cells,
            ..FileCount::default()
        },
        frame: good,
        rejects,
    })
}

/// Whether a byte may begin a format character or U+FFFD: each of them is written in
/// UTF-8 from one of these lead bytes (U+00AD from C2, U+0600–U+08E2 from D8–E0, U+180E
/// from E1, U+200B–U+206F from E2, U+FEFF and U+FFF9–U+FFFD from EF, the rest from F0
/// and F3), and Han text (lead bytes E3–E9, continuation bytes 80–BF) from none.
fn may_lead(b: &u8) -> bool {
    matches!(b, 0xC2 | 0xD8..=0xDF | 0xE0..=0xE2 | 0xEF..=0xF4)
}

/// Whether text holds a format character, and whether it holds U+FFFD (a byte its file's
/// encoding could not read). Only the characters that begin with a [`may_lead`] byte are
/// decoded, and the bytes are looked at sixty-four at a time, which the compiler turns
/// into vector compares: ASCII, a name, a village or a program pass at memory speed, so
/// a whole run of lines is looked at once (see `crate::plain`).
pub(crate) fn hidden_marks(v: &str) -> (bool, bool) {
    let mut marks = (false, false);
    for (k, chunk) in v.as_bytes().chunks(64).enumerate() {
        if !chunk.iter().fold(false, |any, b| any | may_lead(b)) {
            continue;
        }
        for (i, _) in chunk.iter().enumerate().filter(|(_, b)| may_lead(b)) {
            // A lead byte begins a character: never inside one.
            let at = k * 64 + i;
            if let Some(ch) = v.get(at..).and_then(|rest| rest.chars().next()) {
                marks.0 |= fundaudit_core::text::is_invisible(ch);
                marks.1 |= ch == '\u{FFFD}';
            }
        }
    }
    marks
}

/// Cells the file's encoding could not read: (row, column, value).
type Undecodable = Vec<(usize, String, String)>;

/// Text trimmed, blank cells made null and format characters stripped (counted), before
/// any check; with the cells the file's encoding could not read.
fn clean_cells(raw: DataFrame, present: &[&ColumnSpec]) -> Result<(DataFrame, usize, Undecodable)> {
    // Trim text and turn blank cells into nulls before any check. Most columns of a clean
    // export need neither, and rewriting a million strings costs more than looking at
    // them, so only the columns that need it are rewritten. Format characters (zero-width
    // joiners, bidi overrides: see [`fundaudit_core::text`]) are removed in the same pass, before
    // identity or evidence sees them, and counted.
    let needs_trim = |v: &str| {
        v.is_empty() || v.starts_with(char::is_whitespace) || v.ends_with(char::is_whitespace)
    };
    let mut invisible_cells = 0usize;
    let mut trims: Vec<Expr> = Vec::new();
    let mut stripped: Vec<Column> = Vec::new();
    // Cells holding U+FFFD, the mark of bytes their file's encoding could not read (a
    // file mixing encodings, a damaged copy): their rows are rejected, never used with a
    // garbled name in them.
    let mut undecodable: Vec<(usize, String, String)> = Vec::new();
    // One look at each cell, the columns side by side: blank or padded, invisible
    // characters, U+FFFD. (A column of plain ASCII costs a length check and a word-wise
    // ASCII scan per cell.)
    struct Look {
        invisible: usize,
        trim: bool,
        undecodable: Vec<(usize, String, String)>,
    }
    let looks: Vec<Option<Look>> = raw
        .columns()
        .par_iter()
        .map(|c| {
            let ca = c.str().ok()?;
            let used = present.iter().any(|p| p.name == c.name().as_str());
            let mut look = Look {
                invisible: 0,
                trim: false,
                undecodable: Vec::new(),
            };
            for (row, v) in ca.iter().enumerate() {
                let Some(v) = v else { continue };
                look.trim = look.trim || needs_trim(v);
                let (invisible, replaced) = hidden_marks(v);
                look.invisible += usize::from(invisible);
                if used && replaced {
                    look.undecodable
                        .push((row, c.name().to_string(), v.to_string()));
                }
            }
            Some(look)
        })
        .collect();
    for (c, look) in raw.columns().iter().zip(looks) {
        let Some(look) = look else { continue };
        let Ok(ca) = c.str() else { continue };
        let (invisible, trim) = (look.invisible, look.trim);
        undecodable.extend(look.undecodable);
        if invisible > 0 {
            invisible_cells += invisible;
            let clean: StringChunked = ca
                .iter()
                .map(|v| {
                    v.map(fundaudit_core::text::strip_invisible)
                        .map(|v| v.trim().to_string())
                        .filter(|v| !v.is_empty())
                })
                .collect();
            stripped.push(clean.with_name(c.name().clone()).into_column());
        } else if trim {
            let n = c.name().as_str();
            let trimmed = col(n).str().strip_chars(lit(NULL));
            trims.push(
                when(trimmed.clone().eq(lit("")))
                    .then(lit(NULL))
                    .otherwise(trimmed)
                    .alias(n),
            );
        }
    }
    let mut df = if trims.is_empty() {
        raw
    } else {
        raw.lazy().with_columns(trims).collect()?
    };
    for c in stripped {
        df.with_column(c)?;
    }
    Ok((df, invisible_cells, undecodable))
}

/// Every present column checked (in parallel); the rows with a bad cell marked and each
/// problem a reject naming file, line and column.
fn check_rows(
    df: &DataFrame,
    present: &[&ColumnSpec],
    undecodable: Undecodable,
    file: &str,
    line_of: &(dyn Fn(usize) -> usize + Sync),
    keys: &KeyIndex,
) -> Result<(Vec<Parsed>, Vec<bool>, Vec<Reject>)> {
    let height = df.height();
    // Columns are checked in parallel; each reports its problems by row.
    let checked: Vec<(Parsed, Vec<CellProblem>)> = present
        .par_iter()
        .map(|c| Ok(check_column(df.column(c.name)?.str()?, c, line_of, keys)))
        .collect::<PolarsResult<_>>()?;
    let mut bad = vec![false; height];
    let mut rejects = Vec::new();
    for (row, column, value) in undecodable {
        if !std::mem::replace(&mut bad[row], true) {
            rejects.push(Reject {
                file: file.to_string(),
                line: line_of(row),
                column,
                value,
                reason: "holds bytes the file's encoding cannot read (shown as �): the file \
                         mixes encodings or is damaged; save it again in one encoding (UTF-8 \
                         or GB18030) and run again"
                    .into(),
            });
        }
    }
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

    Ok((parsed, bad, rejects))
}

/// The good rows only, each with its line; typed columns replace their text, repeating
/// columns coded, and the optional columns the file lacks added as nulls.
fn keep_good(
    df: DataFrame,
    spec: &FileSpec,
    present: &[&ColumnSpec],
    found: &[String],
    parsed: Vec<Parsed>,
    bad: &[bool],
    line_of: &(dyn Fn(usize) -> usize + Sync),
) -> Result<DataFrame> {
    let height = df.height();
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
            Parsed::Text | Parsed::Cleaned(None) => {}
            Parsed::Cleaned(Some(values)) => {
                let kept: StringChunked = values
                    .into_iter()
                    .zip(&keep)
                    .filter(|(_, k)| **k)
                    .map(|(v, _)| v)
                    .collect();
                good.with_column(kept.with_name(c.name.into()).into_column())?;
            }
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
    finish_frame(good, spec, present, found)
}

/// The last steps of every loaded frame, whichever path read it: repeating columns coded,
/// and the optional columns the file lacks added as nulls.
pub(crate) fn finish_frame(
    mut good: DataFrame,
    spec: &FileSpec,
    present: &[&ColumnSpec],
    found: &[String],
) -> Result<DataFrame> {
    // Side by side: each column is a pass of hash lookups into the shared categories.
    // (A column the fast path read is coded already.)
    let coded: Vec<Column> = present
        .par_iter()
        .filter(|c| c.repeats)
        .filter(|c| {
            good.column(c.name)
                .is_ok_and(|col| !matches!(col.dtype(), DataType::Categorical(..)))
        })
        .map(|c| good.column(c.name)?.cast(&frame::coded()))
        .collect::<PolarsResult<_>>()?;
    for column in coded {
        good.with_column(column)?;
    }
    // Optional columns absent from the file exist as nulls, so rules need not ask.
    for c in spec
        .columns
        .iter()
        .filter(|c| !found.iter().any(|f| f == c.name))
    {
        let dtype = match c.field {
            Field::Date | Field::OptDate => DataType::Date,
            Field::Amount | Field::SignedAmount | Field::OptAmount => DataType::Int64,
            _ if c.repeats => frame::coded(),
            _ => DataType::String,
        };
        // An amount is held in fen under `<name>_fen`, present or not.
        let name = match c.field {
            Field::Amount | Field::SignedAmount | Field::OptAmount => format!("{}_fen", c.name),
            _ => c.name.to_string(),
        };
        good.with_column(Column::full_null(name.into(), good.height(), &dtype))?;
    }

    Ok(good)
}

/// The longest sane value of a field, in characters.
pub fn max_chars(field: Field) -> usize {
    match field {
        Field::IdNumber
        | Field::Account
        | Field::Date
        | Field::OptDate
        | Field::Amount
        | Field::SignedAmount
        | Field::OptAmount => 64,
        Field::Key => 100,
        Field::Text | Field::OptText => 500,
    }
}

/// A bad cell: row, raw value, reason.
type CellProblem = (usize, Option<String>, String);

/// A rejected value as a reject quotes it, shortened: a 2,000,000-character cell stays in
/// its file.
pub(crate) fn quoted(value: &str) -> String {
    if value.chars().count() > 200 {
        format!("{}…", value.chars().take(200).collect::<String>())
    } else {
        value.to_string()
    }
}

/// Why a cell is far longer than its column can hold: a broken row (a runaway quote, a
/// paste gone wrong), not a name, set aside before it reaches any report.
pub(crate) fn too_long(c: &ColumnSpec, v: &str) -> Option<String> {
    let bound = max_chars(c.field);
    (v.len() > bound && v.chars().count() > bound).then(|| {
        format!(
            "{} is {} characters long; a {} holds at most {bound}",
            c.name,
            v.chars().count(),
            c.name
        )
    })
}

/// A key or a required text left empty. (A repeated key is the file's business, not the
/// cell's: see [`KeyIndex`].)
pub(crate) fn check_filled(c: &ColumnSpec, v: Option<&str>) -> Result<(), String> {
    match v {
        None if matches!(c.field, Field::Key | Field::Text) => Err(format!("{} is empty", c.name)),
        _ => Ok(()),
    }
}

/// Whether an ID or account number needs no cleaning: digits and an upper-case X.
pub(crate) fn clean_as_is(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit() || b == b'X')
}

/// An ID or account number cleaned (spaces, a leading apostrophe, full-width digits; an
/// ID's x upper-cased), or why it cannot be.
pub(crate) fn check_code<'a>(
    c: &ColumnSpec,
    s: &'a str,
) -> Result<std::borrow::Cow<'a, str>, String> {
    if clean_as_is(s) {
        return Ok(s.into());
    }
    clean_code(s, c.field == Field::IdNumber).map(Into::into)
}

/// A date cell as days since 1970, or why not.
pub(crate) fn check_date(c: &ColumnSpec, v: Option<&str>) -> Result<Option<i32>, String> {
    match v {
        None if c.field == Field::Date => Err(format!("{} is empty", c.name)),
        None => Ok(None),
        Some(s) => parse_date(s).map(Some),
    }
}

/// An amount cell in fen, or why not.
pub(crate) fn check_amount(c: &ColumnSpec, v: Option<&str>) -> Result<Option<i64>, String> {
    match v.map(parse_amount_fen) {
        None if c.field == Field::OptAmount => Ok(None),
        None => Err(format!("{} is empty", c.name)),
        Some(Ok(f)) if f < 0 && c.field != Field::SignedAmount => {
            Err("negative amount".to_string())
        }
        Some(Ok(f)) => Ok(Some(f)),
        Some(Err(why)) => Err(why),
    }
}

/// Checks one column against its spec; returns its typed values (for dates and amounts)
/// and the problems found. Each cell's check is one of the functions above, which
/// [`crate::plain`] calls too, cell by cell as it reads.
fn check_column(
    values: &StringChunked,
    c: &ColumnSpec,
    line_of: &(dyn Fn(usize) -> usize + Sync),
    keys: &KeyIndex,
) -> (Parsed, Vec<CellProblem>) {
    let height = values.len();
    let mut problems: Vec<CellProblem> = Vec::new();
    let mut reject = |row: usize, value: Option<&str>, reason: String| {
        problems.push((row, value.map(quoted), reason))
    };
    for (row, v) in values.iter().enumerate() {
        if let Some(why) = v.and_then(|v| too_long(c, v)) {
            reject(row, v, why);
        }
    }
    let p = match c.field {
        Field::Key => {
            // Only the key column uses the index: the lock is taken once, uncontended.
            let mut seen = keys.0.lock().unwrap_or_else(|e| e.into_inner());
            seen.reserve(height);
            for (row, v) in values.iter().enumerate() {
                if let Err(why) = check_filled(c, v) {
                    reject(row, v, why);
                }
                if let Some(first) = v.and_then(|s| KeyIndex::first(&mut seen, s, line_of(row))) {
                    reject(row, v, duplicate(c, first));
                }
            }
            Parsed::Text
        }
        Field::Text | Field::OptText => {
            for (row, v) in values.iter().enumerate() {
                if let Err(why) = check_filled(c, v) {
                    reject(row, v, why);
                }
            }
            Parsed::Text
        }
        Field::IdNumber | Field::Account => {
            // A clean export is checked in one pass without allocating; only a column
            // with something to clean is rebuilt.
            if values.iter().flatten().all(clean_as_is) {
                Parsed::Cleaned(None)
            } else {
                let cleaned = values
                    .iter()
                    .enumerate()
                    .map(|(row, v)| match v.map(|s| check_code(c, s)) {
                        None => None,
                        Some(Ok(cleaned)) => Some(cleaned.into_owned()),
                        Some(Err(why)) => {
                            reject(row, v, why);
                            None
                        }
                    })
                    .collect();
                Parsed::Cleaned(Some(cleaned))
            }
        }
        Field::Date | Field::OptDate => {
            Parsed::Dates(typed(values, |v| check_date(c, v), &mut reject))
        }
        Field::Amount | Field::SignedAmount | Field::OptAmount => {
            Parsed::Fen(typed(values, |v| check_amount(c, v), &mut reject))
        }
    };
    (p, problems)
}

/// Each cell's typed value by `check`; a cell that fails it is rejected, and null.
fn typed<T>(
    values: &StringChunked,
    check: impl Fn(Option<&str>) -> Result<Option<T>, String>,
    reject: &mut impl FnMut(usize, Option<&str>, String),
) -> Vec<Option<T>> {
    values
        .iter()
        .enumerate()
        .map(|(row, v)| {
            check(v).unwrap_or_else(|why| {
                reject(row, v, why);
                None
            })
        })
        .collect()
}

/// The reason a repeated key is rejected, naming the line of its first row.
pub(crate) fn duplicate(c: &ColumnSpec, first: usize) -> String {
    format!("duplicate {} (first at line {first})", c.name)
}

#[cfg(test)]
mod tests {
    use super::hidden_marks;
    use proptest::prelude::*;

    /// Every character looked at, as the cleaning of a cell defines the marks.
    fn every_char(v: &str) -> (bool, bool) {
        v.chars().fold((false, false), |(invisible, replaced), ch| {
            (
                invisible || fundaudit_core::text::is_invisible(ch),
                replaced || ch == '\u{FFFD}',
            )
        })
    }

    proptest! {
        /// Text of names, places, punctuation the offices type (a middle dot, full-width
        /// brackets, a dash) and now and then a format character or U+FFFD, at every length
        /// around the 64-byte steps: the marks are those of every character.
        #[test]
        fn hidden_marks_are_every_characters(
            picks in proptest::collection::vec(0usize..14, 0..200)
        ) {
            const PIECES: [&str; 14] = [
                "张", "伟", "a", ",", "\n", "·", "（", "）", "—", "é",
                "\u{200B}", "\u{FEFF}", "\u{FFFD}", "\u{00AD}",
            ];
            // Mostly ordinary pieces: the marks are rare in a real file.
            let text: String = picks.iter().map(|&p| PIECES[if p >= 10 && p % 3 != 0 { p - 10 } else { p }]).collect();
            prop_assert_eq!(hidden_marks(&text), every_char(&text));
        }
    }

    #[test]
    fn hidden_marks_far_into_a_long_text() {
        let plain = "张伟,6228480000000007919,2025-01-15,特困供养金（2025）\n".repeat(50);
        assert_eq!(hidden_marks(&plain), (false, false));
        assert_eq!(hidden_marks(&format!("{plain}王\u{200D}芳")), (true, false));
        assert_eq!(hidden_marks(&format!("{plain}王\u{FFFD}")), (false, true));
    }
}
