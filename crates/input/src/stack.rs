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

use std::collections::HashMap;

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
    let mut seen: HashMap<String, (String, usize, String)> = HashMap::new();
    let mut frames = Vec::with_capacity(parts.len());
    let mut rejects = Vec::new();
    let mut counts = Vec::with_capacity(parts.len());
    let several = parts.len() > 1;
    for part in parts {
        let Loaded {
            frame,
            rejects: part_rejects,
            mut count,
        } = part.loaded;
        rejects.extend(part_rejects);
        let height = frame.height();
        let mut keep = vec![true; height];
        if several {
            let content = row_texts(&frame)?;
            let keys: Vec<Option<String>> = match key {
                Some(k) => fundaudit_core::frame::text(&frame, k)?
                    .into_iter()
                    .map(|v| v.map(str::to_string))
                    .collect(),
                None => content.iter().cloned().map(Some).collect(),
            };
            let lines = fundaudit_core::frame::int(&frame, LINE)?;
            for i in 0..height {
                let (Some(k), Some(line)) = (&keys[i], lines[i]) else {
                    continue;
                };
                let line = line as usize;
                match seen.get(k) {
                    None => {
                        seen.insert(k.clone(), (part.label.clone(), line, content[i].clone()));
                    }
                    Some((file, first, values)) if *values == content[i] => {
                        keep[i] = false;
                        count.rows_read -= 1;
                        count.rows_used -= 1;
                        count.skipped.push(SkippedRow {
                            line,
                            kind: SkipKind::Repeated,
                            text: format!("same as {} row {first}", crate::loaded::short(file)),
                        });
                    }
                    Some((file, first, _)) => {
                        keep[i] = false;
                        count.rows_used -= 1;
                        count.rows_rejected += 1;
                        rejects.push(Reject {
                            file: part.label.clone(),
                            line,
                            column: key.unwrap_or("(row)").to_string(),
                            value: k.chars().take(60).collect(),
                            reason: format!(
                                "also in {} row {first} with other values; which one is right is for a person to decide",
                                crate::loaded::short(file)
                            ),
                        });
                    }
                }
            }
        }
        let mut frame = if keep.iter().all(|k| *k) {
            frame
        } else {
            frame.filter(&BooleanChunked::from_slice("keep".into(), &keep))?
        };
        with_source(&mut frame, &part.label)?;
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

/// Every part must carry the same fields: a payments file with a status column beside one
/// without would mean different things for the same money.
fn check_same_fields(spec: &FileSpec, parts: &[Part]) -> Result<()> {
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

/// Each row's values (every column but the line) as one string, to compare rows.
fn row_texts(frame: &DataFrame) -> Result<Vec<String>> {
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
    Ok((0..frame.height())
        .map(|i| {
            texts
                .iter()
                .map(|col| col[i].unwrap_or(""))
                .collect::<Vec<_>>()
                .join("\u{1f}")
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
