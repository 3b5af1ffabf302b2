//! Digit analysis, as audit tools (ACL, IDEA, Arbutus) ship it: per township and per
//! program, the first-digit distribution of payment amounts against Benford's law, its
//! mean absolute deviation (MAD) with Nigrini's conformity band, and the share of round
//! amounts. Amounts typed in by hand drift from Benford and pile up on round numbers, so
//! an analyst can spot a township whose amounts look made up. Context, not findings:
//! subsidy amounts follow standards, and a program paying one fixed sum is far from
//! Benford for honest reasons.

use std::collections::BTreeMap;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

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

/// Of one group of payments: how many start with each digit, how many in all, how many
/// are whole hundreds of yuan.
type Tally = ([usize; 9], usize, usize);

/// First digits, whole-hundred amounts and payments per group, counted part by part.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct DigitCounts {
    groups: [BTreeMap<String, Tally>; 2],
}

const BY: [&str; 2] = ["township", "program"];

fn fold(into: &mut Tally, (counts, n, round): Tally) {
    for (sum, c) in into.0.iter_mut().zip(counts) {
        *sum += c;
    }
    into.1 += n;
    into.2 += round;
}

impl DigitCounts {
    /// Counts the payments of `linked` (one part's, or all).
    pub fn add(&mut self, linked: &DataFrame) -> PolarsResult<()> {
        let amounts = crate::frame::int(linked, "amount_fen")?;
        for (by, groups) in BY.iter().zip(self.groups.iter_mut()) {
            let keys = crate::frame::text(linked, by)?;
            let mut here: BTreeMap<&str, Tally> = BTreeMap::new();
            for (k, a) in keys.iter().zip(&amounts) {
                let (Some(k), Some(a)) = (k, a) else { continue };
                let Some(d) = first_digit(*a) else { continue };
                let g = here.entry(k).or_default();
                g.0[d - 1] += 1;
                g.1 += 1;
                g.2 += usize::from(*a % 10_000 == 0);
            }
            for (k, tally) in here {
                fold(groups.entry(k.to_string()).or_default(), tally);
            }
        }
        Ok(())
    }

    /// Adds the counts of `other` (another part's).
    pub fn merge(&mut self, other: DigitCounts) {
        for (groups, theirs) in self.groups.iter_mut().zip(other.groups) {
            for (k, tally) in theirs {
                fold(groups.entry(k).or_default(), tally);
            }
        }
    }

    /// The test for each township and each program counted.
    pub fn tests(&self) -> Vec<DigitTest> {
        let mut out = Vec::new();
        for (by, groups) in BY.iter().zip(&self.groups) {
            for (group, &(counts, n, round)) in groups {
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
                    group: group.clone(),
                    payments: n,
                    observed,
                    mad: (mad * 10_000.0).round() / 10_000.0,
                    conformity: conformity(mad, n),
                    round_share: round as f64 / n as f64,
                });
            }
        }
        out
    }
}

/// The test for each township and each program of the linked payments.
pub fn digit_tests(linked: &DataFrame) -> PolarsResult<Vec<DigitTest>> {
    let mut counts = DigitCounts::default();
    counts.add(linked)?;
    Ok(counts.tests())
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
