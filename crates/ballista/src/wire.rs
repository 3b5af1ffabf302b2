//! A unit's result as bytes, from an executor to the client: one Binary cell of the
//! query's answer. A JSON header (digit counts, timings, the sizes of what follows) and
//! three Parquet files (findings, and the payments and allocations they name) — Parquet
//! because the frames keep their exact types (amounts in fen, coded text, floats) and
//! Polars reads and writes it without another format built in.

use std::io::Cursor;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use fundaudit_audit::partition::UnitResult;
use fundaudit_rules::analytics::DigitCounts;

#[derive(Serialize, Deserialize)]
struct Header {
    digits: DigitCounts,
    timings: Vec<(String, f64)>,
    /// Byte lengths of the findings, payments and allocations files that follow.
    sizes: [usize; 3],
}

pub fn encode(unit: UnitResult) -> PolarsResult<Vec<u8>> {
    let mut frames = [unit.findings, unit.payments, unit.allocations];
    let mut files = Vec::with_capacity(3);
    for frame in frames.iter_mut() {
        let mut bytes = Vec::new();
        ParquetWriter::new(&mut bytes).finish(frame)?;
        files.push(bytes);
    }
    let header = Header {
        digits: unit.digits,
        timings: unit.timings,
        sizes: [files[0].len(), files[1].len(), files[2].len()],
    };
    let head = serde_json::to_vec(&header).map_err(to_polars)?;
    let mut out = Vec::with_capacity(8 + head.len() + files.iter().map(Vec::len).sum::<usize>());
    out.extend_from_slice(&(head.len() as u64).to_le_bytes());
    out.extend_from_slice(&head);
    for f in files {
        out.extend_from_slice(&f);
    }
    Ok(out)
}

pub fn decode(bytes: &[u8]) -> PolarsResult<UnitResult> {
    let short =
        || polars_err!(ComputeError: "a unit's result is cut short ({} bytes)", bytes.len());
    let head_len = bytes
        .get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()) as usize)
        .ok_or_else(short)?;
    let head = bytes.get(8..8 + head_len).ok_or_else(short)?;
    let header: Header = serde_json::from_slice(head).map_err(to_polars)?;
    let mut at = 8 + head_len;
    let mut frames = Vec::with_capacity(3);
    for size in header.sizes {
        let file = bytes.get(at..at + size).ok_or_else(short)?;
        frames.push(ParquetReader::new(Cursor::new(file)).finish()?);
        at += size;
    }
    let [findings, payments, allocations]: [DataFrame; 3] =
        frames.try_into().map_err(|_| short())?;
    Ok(UnitResult {
        findings,
        digits: header.digits,
        payments,
        allocations,
        timings: header.timings,
    })
}

fn to_polars(e: serde_json::Error) -> PolarsError {
    polars_err!(ComputeError: "a unit's result header: {e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_result_comes_back_as_it_went() {
        let payments = fundaudit_core::frame::with_coded(
            df!(
                "payment_id" => ["P1", "P2"],
                "amount_fen" => [Some(1_000i64), None],
                "program" => ["低保", "低保"],
            )
            .unwrap(),
            &["program"],
        );
        let allocations = df!("allocation_id" => ["A1"], "period" => ["2025-01"]).unwrap();
        let findings = fundaudit_core::findings::empty_frame().unwrap();
        let mut digits = DigitCounts::default();
        digits
            .add(
                &df!(
                    "amount_fen" => [12_300i64, 40_000, 9_900],
                    "township" => ["城关镇", "城关镇", "河口乡"],
                    "program" => ["低保", "特困", "低保"],
                )
                .unwrap(),
            )
            .unwrap();
        let sent = UnitResult {
            findings: findings.clone(),
            digits: digits.clone(),
            payments: payments.clone(),
            allocations: allocations.clone(),
            timings: vec![("rules".into(), 0.25)],
        };
        let bytes = encode(sent).unwrap();
        let back = decode(&bytes).unwrap();
        assert!(
            back.payments.equals_missing(&payments),
            "{:?}",
            back.payments
        );
        assert!(back
            .payments
            .column("program")
            .unwrap()
            .dtype()
            .is_categorical());
        assert!(back.allocations.equals_missing(&allocations));
        assert_eq!(back.findings.schema(), findings.schema());
        assert_eq!(
            serde_json::to_string(&back.digits).unwrap(),
            serde_json::to_string(&digits).unwrap()
        );
        assert_eq!(back.timings, vec![("rules".to_string(), 0.25)]);
        // Cut short anywhere: an error, not a panic.
        for cut in [0, 4, 8, 20, bytes.len() - 1] {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }
}
