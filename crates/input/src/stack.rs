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
//! Files without a key (deaths, officials) count a row as repeated when every value
//! matches.

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
    let key = spec
        .columns
        .iter()
        .find(|c| c.field == Field::Key)
        .map(|c| c.name);
    // A row seen: (its part, its line, its content's hash). Rows are compared by hash,
    // keys by text: a county's posted lists are a million rows without a key.
    let mut seen_key: FxHashMap<String, (usize, usize, u64)> = FxHashMap::default();
    let mut seen_row: FxHashMap<u64, (usize, usize)> = FxHashMap::default();
    let labels: Vec<String> = parts.iter().map(|p| p.label.clone()).collect();
    let mut frames = Vec::with_capacity(parts.len());
    let mut rejects = Vec::new();
    let mut counts = Vec::with_capacity(parts.len());
    let several = parts.len() > 1;
    // Each part's rows hashed and keyed, to compare across parts: on every core, a folder
    // of small files being thousands of parts.
    let compared: Vec<Result<Compared>> = if several {
        crate::parallel::map_each(&parts, |p| compared(&p.loaded.frame, key))
    } else {
        Vec::new()
    };
    let mut compared = compared.into_iter();
    for (at, part) in parts.into_iter().enumerate() {
        let Loaded {
            frame,
            rejects: part_rejects,
            mut count,
        } = part.loaded;
        rejects.extend(part_rejects);
        let height = frame.height();
        let mut keep = vec![true; height];
        if let Some(this) = compared.next() {
            let (hashes, keys, lines) = this?;
            for i in 0..height {
                let Some(line) = lines[i] else { continue };
                let line = line as usize;
                // The first sighting of the key (or row), and whether its values match.
                let (first, same, key_text) = match &keys {
                    Some(keys) => {
                        let Some(k) = &keys[i] else { continue };
                        match seen_key.get(k) {
                            None => {
                                seen_key.insert(k.clone(), (at, line, hashes[i]));
                                continue;
                            }
                            Some(&(p, l, h)) => ((p, l), h == hashes[i], k.as_str()),
                        }
                    }
                    None => match seen_row.get(&hashes[i]) {
                        None => {
                            seen_row.insert(hashes[i], (at, line));
                            continue;
                        }
                        Some(&(p, l)) => ((p, l), true, ""),
                    },
                };
                let file = &labels[first.0];
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
        }
        let mut frame = if keep.iter().all(|k| *k) {
            frame
        } else {
            frame.filter(&BooleanChunked::from_slice("keep".into(), &keep))?
        };
        with_source(&mut frame, &labels[at])?;
        frames.push(frame);
        counts.push(count);
    }
    let frame = vstack_aligned(frames)?;
    rejects.sort_by(|a, b| a.file.cmp(&b.file).then(a.line.cmp(&b.line)));
    Ok(Stacked {
        frame,
        rejects,
        counts,
    })
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

/// A part's rows' content hashes, their keys (None for a ledger without a key column)
/// and lines.
type Compared = (Vec<u64>, Option<Vec<Option<String>>>, Vec<Option<i64>>);

fn compared(frame: &DataFrame, key: Option<&str>) -> Result<Compared> {
    let hashes = row_hashes(frame)?;
    let keys = match key {
        Some(k) => Some(
            fundaudit_core::frame::text(frame, k)?
                .into_iter()
                .map(|v| v.map(str::to_string))
                .collect(),
        ),
        None => None,
    };
    let lines = fundaudit_core::frame::int(frame, LINE)?;
    Ok((hashes, keys, lines))
}

/// Each row's values (every column but the line and source) hashed, to compare rows.
fn row_hashes(frame: &DataFrame) -> Result<Vec<u64>> {
    let columns: Vec<Column> = frame
        .columns()
        .iter()
        .filter(|c| c.name().as_str() != LINE && c.name().as_str() != SOURCE)
        .map(|c| c.cast(&DataType::String))
        .collect::<PolarsResult<_>>()?;
    let texts: Vec<Vec<Option<&str>>> = columns
        .iter()
        .map(|c| c.str().map(|ca| ca.iter().collect()))
        .collect::<PolarsResult<_>>()?;
    let mut row: Vec<u8> = Vec::new();
    Ok((0..frame.height())
        .map(|i| {
            row.clear();
            for col in &texts {
                // A missing value and an empty one differ; the separator keeps `ab|c` from
                // `a|bc`.
                match col[i] {
                    Some(v) => row.extend_from_slice(v.as_bytes()),
                    None => row.push(0),
                }
                row.push(0x1f);
            }
            xxhash_rust::xxh3::xxh3_64(&row)
        })
        .collect())
}

/// Stacks frames whose extra (unmapped) columns may differ: a column missing from one
/// part is null there.
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
    let mut out: Option<DataFrame> = None;
    for f in frames {
        let n = f.height();
        let columns: Vec<Column> = order
            .iter()
            .map(|(name, dtype)| match f.column(name) {
                Ok(c) if c.dtype() == dtype => Ok(c.clone()),
                Ok(c) => c.cast(dtype),
                Err(_) => Ok(Column::full_null(name.clone(), n, dtype)),
            })
            .collect::<PolarsResult<_>>()?;
        let aligned = DataFrame::new(n, columns)?;
        match out.as_mut() {
            None => out = Some(aligned),
            Some(acc) => {
                acc.vstack_mut(&aligned)?;
            }
        }
    }
    let mut out = out.unwrap_or_default();
    out.rechunk_mut();
    Ok(out)
}
