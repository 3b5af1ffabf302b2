//! Totals and notes rows at the foot of an office export (合计, 制表人, 备注): recognised,
//! checked against the rows above where they carry a sum, and skipped, never read as
//! people or payments.

use polars::prelude::*;

use crate::header_shape;
use crate::loaded::SkippedRow;
use fundaudit_core::error::Result;
use fundaudit_core::spec::{Field, FileSpec};

pub(crate) type Footers = (DataFrame, Vec<usize>, Vec<SkippedRow>, Vec<String>);

/// The amounts of a file's data rows so far, for checking a total met in a later chunk
/// of a file read a chunk at a time: since the last 小计, and from the start.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Totals {
    since: i64,
    from_start: i64,
}

impl Totals {
    /// Adds data rows' amounts, which every later total covers.
    pub(crate) fn add(&mut self, fen: i64) {
        self.since += fen;
        self.from_start += fen;
    }
}

/// A row's amount for the totals check: unreadable amounts count as nothing.
pub(crate) fn row_fen(amounts: Option<&StringChunked>, i: usize) -> i64 {
    amounts
        .and_then(|a| a.get(i))
        .and_then(|v| fundaudit_core::cells::parse_amount_fen(v).ok())
        .unwrap_or(0)
}

/// Takes total, note and blank rows out of the data (see [`header_shape::classify`]) and checks
/// each total's amount against the rows above it: 合计/总计 against every data row before
/// it, 小计 against the rows since the previous total. A total that does not add up is a
/// warning, since it is itself a fact an auditor wants to see. `carry` holds the sums of
/// the file's earlier chunks, and is brought up to the end of this one.
pub(crate) fn skip_footer_rows(
    frame: DataFrame,
    lines: Option<Vec<usize>>,
    spec: &FileSpec,
    file: &str,
    carry: Option<&mut Totals>,
) -> Result<Footers> {
    let height = frame.height();
    let lines = lines.unwrap_or_else(|| (2..height + 2).collect());
    let amounts = frame.column("amount").and_then(|c| c.str().cloned()).ok();
    // The rows after the last total of this chunk, added to the carried sums (in
    // parallel: a chunk is a million rows, and most have no total at all).
    let carry_rest = |carry: Option<&mut Totals>, from: usize, skip: &[bool]| {
        if let Some(t) = carry {
            use rayon::prelude::*;
            let fen: i64 = (from..height)
                .into_par_iter()
                .filter(|&j| !skip.get(j).copied().unwrap_or(false))
                .map(|j| row_fen(amounts.as_ref(), j))
                .sum();
            t.add(fen);
        }
    };
    let key = key_column(spec);
    let Ok(key_values) = frame.column(key).and_then(|c| c.str().cloned()) else {
        carry_rest(carry, 0, &[]);
        return Ok((frame, lines, Vec::new(), Vec::new()));
    };
    // Only rows without a key, or whose key is itself a marker, can be anything but data.
    let candidates: Vec<usize> = key_values
        .iter()
        .enumerate()
        .filter(|(_, k)| may_not_be_data(*k))
        .map(|(i, _)| i)
        .collect();
    if candidates.is_empty() {
        carry_rest(carry, 0, &[]);
        return Ok((frame, lines, Vec::new(), Vec::new()));
    }
    let texts: Vec<StringChunked> = frame
        .columns()
        .iter()
        .filter_map(|c| c.str().ok().cloned())
        .collect();
    let mut skip = vec![false; height];
    let mut skipped = Vec::new();
    let mut totals = Vec::new();
    for &i in &candidates {
        let cells: Vec<Option<&str>> = texts.iter().map(|c| c.get(i)).collect();
        if let Some(kind) = header_shape::classify(&cells, key_values.get(i)) {
            skip[i] = true;
            let text: String = cells
                .iter()
                .flatten()
                .map(|c| c.trim())
                .filter(|c| !c.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
                .chars()
                .take(60)
                .collect();
            if kind == header_shape::SkipKind::Total {
                totals.push((i, text.clone()));
            }
            skipped.push(SkippedRow {
                line: lines[i],
                kind,
                text,
            });
        }
    }
    let mut warnings = Vec::new();
    let mut sums = carry.as_deref().copied().unwrap_or_default();
    let mut last = 0usize;
    if amounts.is_some() {
        for (i, text) in totals {
            for (j, skipped) in skip.iter().enumerate().take(i).skip(last) {
                if !skipped {
                    let v = row_fen(amounts.as_ref(), j);
                    sums.since += v;
                    sums.from_start += v;
                }
            }
            last = i + 1;
            let expected = if text.contains("小计") {
                sums.since
            } else {
                sums.from_start
            };
            let stated = amounts
                .as_ref()
                .and_then(|a| a.get(i))
                .and_then(|v| fundaudit_core::cells::parse_amount_fen(v).ok());
            if let Some(stated) = stated {
                if stated != expected {
                    warnings.push(format!(
                        "{file} row {}: `{}` states {} yuan but the rows above add up to {} yuan",
                        lines[i],
                        text.chars().take(20).collect::<String>(),
                        fundaudit_core::cells::fmt_yuan(stated),
                        fundaudit_core::cells::fmt_yuan(expected)
                    ));
                }
            }
            sums.since = 0;
        }
    }
    if let Some(carry) = carry {
        *carry = sums;
        carry_rest(Some(carry), last, &skip);
    }
    let keep: Vec<bool> = skip.iter().map(|s| !s).collect();
    let frame = frame.filter(&BooleanChunked::from_slice("keep".into(), &keep))?;
    let lines = lines
        .into_iter()
        .zip(&skip)
        .filter(|(_, s)| !**s)
        .map(|(l, _)| l)
        .collect();
    Ok((frame, lines, skipped, warnings))
}

/// Whether a row whose key-column cell is `key` may be a total, a note or a blank rather
/// than data: its key is empty, or is itself a marker. Only such rows are looked at whole.
pub(crate) fn may_not_be_data(key: Option<&str>) -> bool {
    key.is_none_or(|k| {
        let k = k.trim();
        k.is_empty()
            || (header_shape::may_be_marker(k)
                && header_shape::classify(&[Some(k)], Some(k)).is_some())
    })
}

/// The column whose emptiness marks a row as possibly not data: the file's key, else its
/// first required column.
pub(crate) fn key_column(spec: &FileSpec) -> &'static str {
    spec.columns
        .iter()
        .find(|c| c.field == Field::Key)
        .or_else(|| spec.columns.iter().find(|c| c.required))
        .map_or("", |c| c.name)
}
