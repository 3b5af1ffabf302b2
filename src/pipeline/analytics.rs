//! Digit analysis, as audit tools (ACL, IDEA, Arbutus) ship it: per township and per
//! program, the first-digit distribution of payment amounts against Benford's law, its
//! mean absolute deviation (MAD) with Nigrini's conformity band, and the share of round
//! amounts. Amounts typed in by hand drift from Benford and pile up on round numbers, so
//! an analyst can spot a township whose amounts look made up. Context, not findings:
//! subsidy amounts follow standards, and a program paying one fixed sum is far from
//! Benford for honest reasons.

use std::collections::BTreeMap;

use polars::prelude::*;
use serde::Serialize;

/// The first-digit test of one group of payments.
#[derive(Debug, Clone, Serialize)]
pub struct DigitTest {
    /// `township` or `program`.
    pub by: &'static str,
    pub group: String,
    pub payments: usize,
    /// Share of each first digit 1–9.
    pub observed: [f64; 9],
    pub mad: f64,
    /// Nigrini's band for first digits: close, acceptable, marginal, nonconformity.
    pub conformity: &'static str,
    /// Share of amounts that are whole hundreds of yuan.
    pub round_share: f64,
}

/// Benford's expected share of first digit d: log10(1 + 1/d).
pub fn expected(d: usize) -> f64 {
    (1.0 + 1.0 / d as f64).log10()
}

/// Nigrini's first-digit MAD bands; below 100 payments the test says nothing.
pub fn conformity(mad: f64, n: usize) -> &'static str {
    if n < 100 {
        "too few payments"
    } else if mad <= 0.006 {
        "close conformity"
    } else if mad <= 0.012 {
        "acceptable conformity"
    } else if mad <= 0.015 {
        "marginally acceptable"
    } else {
        "nonconformity"
    }
}

fn first_digit(fen: i64) -> Option<usize> {
    let mut yuan = fen.unsigned_abs() / 100;
    if yuan == 0 {
        return None;
    }
    while yuan >= 10 {
        yuan /= 10;
    }
    Some(yuan as usize)
}

/// The test for each township and each program of the linked payments.
pub fn digit_tests(linked: &DataFrame) -> PolarsResult<Vec<DigitTest>> {
    let amounts = crate::frame::int(linked, "amount_fen")?;
    let mut out = Vec::new();
    for by in ["township", "program"] {
        let keys = crate::frame::text(linked, by)?;
        let mut groups: BTreeMap<&str, ([usize; 9], usize, usize)> = BTreeMap::new();
        for (k, a) in keys.iter().zip(&amounts) {
            let (Some(k), Some(a)) = (k, a) else { continue };
            let Some(d) = first_digit(*a) else { continue };
            let g = groups.entry(k).or_default();
            g.0[d - 1] += 1;
            g.1 += 1;
            g.2 += usize::from(*a % 10_000 == 0);
        }
        for (group, (counts, n, round)) in groups {
            let mut observed = [0.0; 9];
            for d in 0..9 {
                observed[d] = counts[d] as f64 / n as f64;
            }
            let mad = (1..=9)
                .map(|d| (observed[d - 1] - expected(d)).abs())
                .sum::<f64>()
                / 9.0;
            out.push(DigitTest {
                by,
                group: group.to_string(),
                payments: n,
                observed,
                mad: (mad * 10_000.0).round() / 10_000.0,
                conformity: conformity(mad, n),
                round_share: round as f64 / n as f64,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn benford_amounts_conform_and_made_up_ones_do_not() {
        // Amounts spread over orders of magnitude follow Benford (a geometric series).
        let benford: Vec<i64> = (0..2000)
            .map(|i| (100.0 * 10f64.powf(2.0 + 3.0 * i as f64 / 2000.0)) as i64)
            .collect();
        // Hand-typed amounts: all start with 5 to 9, all round.
        let made_up: Vec<i64> = (0..2000).map(|i| (500 + (i % 5) * 100) * 100).collect();
        let frame = |v: &[i64], t: &str| {
            DataFrame::new(
                v.len(),
                vec![
                    Column::new("amount_fen".into(), v.to_vec()),
                    Column::new("township".into(), vec![t; v.len()]),
                    Column::new("program".into(), vec!["p"; v.len()]),
                ],
            )
            .unwrap()
        };
        let good = &digit_tests(&frame(&benford, "甲镇")).unwrap()[0];
        assert_eq!(good.conformity, "close conformity", "{good:?}");
        let bad = &digit_tests(&frame(&made_up, "乙镇")).unwrap()[0];
        assert_eq!(bad.conformity, "nonconformity");
        assert_eq!(bad.round_share, 1.0);
        assert!((expected(1) - std::f64::consts::LOG10_2).abs() < 1e-12);
    }
}
