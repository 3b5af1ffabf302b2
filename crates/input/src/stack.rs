//! Many files (or sheets) of one ledger made one frame. Each part was read and validated on
//! its own; here they must agree on the fields they carry (else exit 2 naming both), each
//! row keeps its source (`_source_file`: file, and sheet when there are several), and a
//! row met twice is decided once:
//!
//! - the same key with the same values in another file is an overlapping export (a bank's
//!   July file repeating June's last days): the later copy is counted as *repeated*, listed
//!   with its row and the row it repeats, and used once — not a duplicate payment;
//! - the same key with other values is a conflict: the later row is rejected, naming the
//!   earlier one (which of them is right is for a person to say).
//!
//! Files without a key (deaths, officials, posted lists) count a row as repeated when
//! every value matches a row of another file; a row twice in one file is kept twice, as
//! in a ledger of one file.

use rustc_hash::FxHashMap;

use polars::prelude::*;

use super::header_shape::SkipKind;
use crate::loaded::Loaded;
use crate::loaded::{Reject, SkippedRow, LINE};
use fundaudit_core::error::{Error, Result};
use fundaudit_core::spec::{Field, FileSpec};

/// The column that names each row's source file (and sheet).
pub const SOURCE: &str = "_source_file";

/// One loaded part and how rows of it are named in messages.
pub struct Part {
    pub loaded: Loaded,
    /// `payments.xlsx`, or `payments.xlsx [城关镇]` for one sheet of several.
    pub label: String,
}

/// Names `label` as the source of every row of `frame` (the [`SOURCE`] column).
pub fn with_source(frame: &mut DataFrame, label: &str) -> PolarsResult<()> {
    let n = frame.height();
    // One value for the whole part: a constant column, not a million copies; coded,
    // so the parts of a folder of monthly files stack into codes, not strings.
    let source = Column::new_scalar(SOURCE.into(), Scalar::from(PlSmallStr::from(label)), n);
    frame.with_column(source.cast(&fundaudit_core::frame::coded())?)?;
    Ok(())
}

/// One ledger from all its parts.
pub struct Stacked {
    pub frame: DataFrame,
    pub rejects: Vec<Reject>,
    /// One per part, adjusted for what stacking decided.
    pub counts: Vec<crate::loaded::FileCount>,
}

/// The parts of one ledger as one frame, with their rejects.
pub fn stack(spec: &FileSpec, parts: Vec<Part>) -> Result<Stacked> {
    check_same_fields(spec, &parts)?;
    let labels: Vec<String> = parts.iter().map(|p| p.label.clone()).collect();
    let mut frames = Vec::with_capacity(parts.len());
    let mut rejects = Vec::new();
    let mut counts = Vec::with_capacity(parts.len());
    for part in parts {
        let Loaded {
            frame,
            rejects: part_rejects,
            count,
        } = part.loaded;
        rejects.extend(part_rejects);
        frames.push(frame);
        counts.push(count);
    }
    let heights: Vec<usize> = frames.iter().map(DataFrame::height).collect();
    // Stacked first and compared once: a folder of ten thousand small lists is one
    // frame to hash, not ten thousand casts, filters and source columns.
    let mut frame = vstack_aligned(frames)?;
    if labels.len() == 1 {
        with_source(&mut frame, &labels[0])?;
    } else if labels.len() > 1 {
        frame.with_column(source_column(&labels, &heights)?)?;
        let keep = repeats(spec, &frame, &heights, &labels, &mut counts, &mut rejects)?;
        if !keep.iter().all(|k| *k) {
            frame = frame.filter(&BooleanChunked::from_slice("keep".into(), &keep))?;
        }
    }
    rejects.sort_by(|a, b| a.file.cmp(&b.file).then(a.line.cmp(&b.line)));
    Ok(Stacked {
        frame,
        rejects,
        counts,
    })
}

/// Decides each row met before (see the module comment) over the stacked parts: which
/// rows to keep, each later copy counted as repeated or rejected in its part's count.
fn repeats(
    spec: &FileSpec,
    frame: &DataFrame,
    heights: &[usize],
    labels: &[String],
    counts: &mut [crate::loaded::FileCount],
    rejects: &mut Vec<Reject>,
) -> Result<Vec<bool>> {
    let key = spec
        .columns
        .iter()
        .find(|c| c.field == Field::Key)
        .map(|c| c.name);
    let hashes = row_hashes(frame)?;
    let keys = key
        .map(|k| fundaudit_core::frame::text(frame, k))
        .transpose()?;
    let lines = fundaudit_core::frame::int(frame, LINE)?;
    // A row seen: (its part, its line, its content's hash). Rows are compared by hash,
    // keys by text: a county's posted lists are a million rows without a key.
    let mut seen_key: FxHashMap<&str, (usize, usize, u64)> = FxHashMap::default();
    let mut seen_row: FxHashMap<u64, (usize, usize)> = FxHashMap::default();
    let mut keep = vec![true; frame.height()];
    let parts = heights
        .iter()
        .enumerate()
        .flat_map(|(at, &n)| std::iter::repeat_n(at, n));
    for (i, at) in parts.enumerate() {
        let Some(line) = lines[i] else { continue };
        let line = line as usize;
        // The first sighting of the key (or row), and whether its values match.
        let (first, same, key_text) = match &keys {
            Some(keys) => {
                let Some(k) = keys[i] else { continue };
                match seen_key.get(k) {
                    None => {
                        seen_key.insert(k, (at, line, hashes[i]));
                        continue;
                    }
                    Some(&(p, l, h)) => ((p, l), h == hashes[i], k),
                }
            }
            None => match seen_row.get(&hashes[i]) {
                None => {
                    seen_row.insert(hashes[i], (at, line));
                    continue;
                }
                // Twice in one file is the file's own content (a list posting a person
                // registered twice, once per registration), as it is in a ledger of one
                // file: a repeat is a row another file already gave.
                Some(&(p, _)) if p == at => continue,
                Some(&(p, l)) => ((p, l), true, ""),
            },
        };
        let file = &labels[first.0];
        let count = &mut counts[at];
        keep[i] = false;
        count.rows_used -= 1;
        if same {
            count.rows_read -= 1;
            count.skipped.push(SkippedRow {
                line,
                kind: SkipKind::Repeated,
                text: format!("same as {} row {}", crate::loaded::short(file), first.1),
            });
        } else {
            count.rows_rejected += 1;
            rejects.push(Reject {
                file: labels[at].clone(),
                line,
                column: key.unwrap_or("(row)").to_string(),
                value: key_text.chars().take(60).collect(),
                reason: format!(
                    "also in {} row {} with other values; which one is right is for a person to decide",
                    crate::loaded::short(file),
                    first.1
                ),
            });
        }
    }
    Ok(keep)
}

/// The [`SOURCE`] column of stacked parts: each part's label coded once and its code
/// repeated over the part's rows.
fn source_column(labels: &[String], heights: &[usize]) -> PolarsResult<Column> {
    let names = StringChunked::from_iter_values(SOURCE.into(), labels.iter().map(String::as_str))
        .into_column()
        .cast(&fundaudit_core::frame::coded())?;
    let codes: Vec<u32> = names.cat32()?.physical().into_no_null_iter().collect();
    let per_row: Vec<u32> = codes
        .iter()
        .zip(heights)
        .flat_map(|(&c, &n)| std::iter::repeat_n(c, n))
        .collect();
    let coded = Categorical32Chunked::from_cats_and_dtype(
        UInt32Chunked::from_vec(SOURCE.into(), per_row),
        fundaudit_core::frame::coded(),
    );
    Ok(coded.into_series().into_column())
}

/// Every part must carry the same fields, unless its ledger's files may differ
/// ([`FileSpec::fields_vary`]).
fn check_same_fields(spec: &FileSpec, parts: &[Part]) -> Result<()> {
    if spec.fields_vary {
        return Ok(());
    }
    let Some(first) = parts.first() else {
        return Ok(());
    };
    for other in &parts[1..] {
        let (a, b) = (&first.loaded.count.fields, &other.loaded.count.fields);
        if a != b {
            let only = |x: &Vec<String>, y: &Vec<String>| -> String {
                let v: Vec<&str> = x
                    .iter()
                    .filter(|f| !y.contains(f))
                    .map(String::as_str)
                    .collect();
                if v.is_empty() {
                    "nothing".into()
                } else {
                    v.join(", ")
                }
            };
            return Err(Error::Argument(format!(
                "{}: its files do not carry the same columns: {} has {} that {} lacks, and {} has {} that {} lacks. \
                 Make the files agree (or map the headers in [columns.{}]) so every row means the same",
                spec.stem,
                first.label,
                only(a, b),
                other.label,
                other.label,
                only(b, a),
                first.label,
                spec.stem
            )));
        }
    }
    Ok(())
}

/// A column's cells as hashed: texts as text, everything else by its physical value
/// (a date's day number, not its formatted text: formatting a million dates per night
/// cost more than the rest of the stacking).
enum Cells<'a> {
    Text(Vec<Option<&'a str>>),
    Number(Vec<Option<u64>>),
}

fn cells<'a>(frame: &'a DataFrame, column: &'a Column) -> PolarsResult<Cells<'a>> {
    let dtype = column.dtype();
    Ok(match dtype {
        DataType::String | DataType::Categorical(..) => {
            Cells::Text(fundaudit_core::frame::text(frame, column.name())?)
        }
        DataType::Float32 | DataType::Float64 => Cells::Number(
            column
                .cast(&DataType::Float64)?
                .f64()?
                .iter()
                .map(|v| v.map(f64::to_bits))
                .collect(),
        ),
        _ if dtype.is_primitive_numeric() || dtype.is_temporal() || dtype.is_bool() => {
            Cells::Number(
                column
                    .to_physical_repr()
                    .cast(&DataType::Int64)?
                    .i64()?
                    .iter()
                    .map(|v| v.map(|v| v as u64))
                    .collect(),
            )
        }
        _ => {
            return Err(polars_err!(
                ComputeError: "column `{}` of type {dtype} cannot be compared across files",
                column.name()
            ))
        }
    })
}

/// Each row's values (every column but the line and source) hashed, to compare rows;
/// ranges of rows hashed on every core.
fn row_hashes(frame: &DataFrame) -> Result<Vec<u64>> {
    let columns: Vec<Cells> = frame
        .columns()
        .iter()
        .filter(|c| c.name().as_str() != LINE && c.name().as_str() != SOURCE)
        .map(|c| cells(frame, c))
        .collect::<PolarsResult<_>>()?;
    let hash_range = |rows: &std::ops::Range<usize>| -> Vec<u64> {
        let mut row: Vec<u8> = Vec::new();
        rows.clone()
            .map(|i| {
                row.clear();
                for col in &columns {
                    // A missing value and an empty one differ; the separator keeps `ab|c`
                    // from `a|bc`.
                    match col {
                        Cells::Text(v) => match v[i] {
                            Some(v) => row.extend_from_slice(v.as_bytes()),
                            None => row.push(0),
                        },
                        Cells::Number(v) => match v[i] {
                            Some(v) => {
                                row.push(1);
                                row.extend_from_slice(&v.to_le_bytes());
                            }
                            None => row.push(0),
                        },
                    }
                    row.push(0x1f);
                }
                xxhash_rust::xxh3::xxh3_64(&row)
            })
            .collect()
    };
    let n = frame.height();
    let ranges: Vec<std::ops::Range<usize>> = (0..n)
        .step_by(HASH_ROWS)
        .map(|start| start..(start + HASH_ROWS).min(n))
        .collect();
    Ok(crate::parallel::map_each(&ranges, hash_range)
        .into_iter()
        .flatten()
        .collect())
}

/// Rows hashed in one go on one core.
const HASH_ROWS: usize = 1 << 16;

/// Stacks frames whose extra (unmapped) columns may differ: a column missing from one
/// part is null there. Thousands of small parts are stacked in batches side by side,
/// then the batches: appending ten thousand lists' columns one by one was most of
/// reading them.
fn vstack_aligned(mut frames: Vec<DataFrame>) -> Result<DataFrame> {
    if frames.len() == 1 {
        return Ok(frames.pop().unwrap_or_default());
    }
    let mut order: Vec<(PlSmallStr, DataType)> = Vec::new();
    for f in &frames {
        for c in f.columns() {
            if !order.iter().any(|(n, _)| n == c.name()) {
                order.push((c.name().clone(), c.dtype().clone()));
            }
        }
    }
    if frames.len() > STACK_BATCH {
        let batches: Vec<&[DataFrame]> = frames.chunks(STACK_BATCH).collect();
        // A frame's clone shares its columns.
        frames = crate::parallel::map_each(&batches, |b| append_all(b.to_vec(), &order))
            .into_iter()
            .collect::<Result<_>>()?;
    }
    append_all(frames, &order)
}

/// Parts stacked in one batch.
const STACK_BATCH: usize = 256;

/// `frames` one after another in the columns of `order`, in one chunk.
fn append_all(frames: Vec<DataFrame>, order: &[(PlSmallStr, DataType)]) -> Result<DataFrame> {
    let mut out: Option<DataFrame> = None;
    for f in frames {
        // Most parts already have the stack's columns in its order: taken as they are.
        let aligned = f.width() == order.len()
            && f.columns()
                .iter()
                .zip(order)
                .all(|(c, (name, dtype))| c.name() == name && c.dtype() == dtype);
        let f = if aligned {
            f
        } else {
            let n = f.height();
            let columns: Vec<Column> = order
                .iter()
                .map(|(name, dtype)| match f.column(name) {
                    Ok(c) if c.dtype() == dtype => Ok(c.clone()),
                    Ok(c) => c.cast(dtype),
                    Err(_) => Ok(Column::full_null(name.clone(), n, dtype)),
                })
                .collect::<PolarsResult<_>>()?;
            DataFrame::new(n, columns)?
        };
        match out.as_mut() {
            None => out = Some(f),
            Some(acc) => {
                acc.vstack_mut_owned(f)?;
            }
        }
    }
    let mut out = out.unwrap_or_default();
    out.rechunk_mut();
    Ok(out)
}
