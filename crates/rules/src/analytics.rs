//! Digit analysis, as audit tools (ACL, IDEA, Arbutus) ship it: per township and per
//! program, the first-digit distribution of payment amounts against Benford's law, its
//! mean absolute deviation (MAD) with Nigrini's conformity band, and the share of round
//! amounts. Amounts typed in by hand drift from Benford and pile up on round numbers, so
//! an analyst can spot a township whose amounts look made up. Context, not findings.
//!
//! Benford's law holds only for amounts that vary freely over orders of magnitude. Most
//! subsidies do not: a program pays its standards (a few fixed sums) or amounts within
//! one order of magnitude (900–2,100 yuan a quarter), and such a group is far from
//! Benford for honest reasons — the sample county's 22 townships all came out
//! "nonconformity". So a group is tested only when it has at least [`MIN_PAYMENTS`]
//! payments, its ten commonest amounts are at most half of them (not fixed standards),
//! and its 5th and 95th percentiles lie two orders of magnitude apart; otherwise it says
//! why it was not tested.

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

/// Fewer payments than this say nothing about their first digits.
pub const MIN_PAYMENTS: usize = 300;

/// Nigrini's first-digit MAD bands; below [`MIN_PAYMENTS`] the test says nothing.
pub fn conformity(mad: f64, n: usize) -> &'static str {
    if n < MIN_PAYMENTS {
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

/// Amounts a group remembers, each with its count, to tell fixed standards: past this
/// many distinct amounts the group is taken to vary freely.
const AMOUNTS_KEPT: usize = 2_000;

/// Of one group of payments: how many start with each digit, how many in all, how many
/// are whole hundreds of yuan, how many per order of magnitude (yuan 1–9, 10–99 …), and
/// the commonest amounts.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Tally {
    digits: [usize; 9],
    n: usize,
    round: usize,
    decades: [usize; 12],
    amounts: BTreeMap<i64, usize>,
    /// More distinct amounts than [`AMOUNTS_KEPT`] were seen.
    many_amounts: bool,
}

impl Tally {
    fn add(&mut self, fen: i64, digit: usize) {
        self.digits[digit - 1] += 1;
        self.n += 1;
        self.round += usize::from(fen % 10_000 == 0);
        let yuan = (fen.unsigned_abs() / 100).max(1) as f64;
        self.decades[(yuan.log10().floor() as usize).min(11)] += 1;
        self.count_amount(fen, 1);
    }

    fn count_amount(&mut self, fen: i64, k: usize) {
        if self.many_amounts {
            return;
        }
        *self.amounts.entry(fen).or_default() += k;
        if self.amounts.len() > AMOUNTS_KEPT {
            self.many_amounts = true;
            self.amounts.clear();
        }
    }

    /// Why the group is not tested, if it is not.
    fn not_testable(&self) -> Option<&'static str> {
        if self.n < MIN_PAYMENTS {
            return Some("too few payments");
        }
        if !self.many_amounts {
            let mut counts: Vec<usize> = self.amounts.values().copied().collect();
            counts.sort_unstable_by(|a, b| b.cmp(a));
            if counts.iter().take(10).sum::<usize>() * 2 > self.n {
                return Some("not tested: fixed standards");
            }
        }
        // The decades holding the 5th and the 95th percentile.
        let at = |q: f64| {
            let want = (q * self.n as f64).ceil() as usize;
            let mut seen = 0;
            self.decades
                .iter()
                .position(|&c| {
                    seen += c;
                    seen >= want.max(1)
                })
                .unwrap_or(11)
        };
        if at(0.95) < at(0.05) + 2 {
            return Some("not tested: amounts within one order of magnitude");
        }
        None
    }
}

/// First digits, whole-hundred amounts and payments per group, counted part by part.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct DigitCounts {
    groups: [BTreeMap<String, Tally>; 2],
}

const BY: [&str; 2] = ["township", "program"];

fn fold(into: &mut Tally, other: Tally) {
    for (sum, c) in into.digits.iter_mut().zip(other.digits) {
        *sum += c;
    }
    for (sum, c) in into.decades.iter_mut().zip(other.decades) {
        *sum += c;
    }
    into.n += other.n;
    into.round += other.round;
    if other.many_amounts {
        into.many_amounts = true;
        into.amounts.clear();
    }
    for (fen, k) in other.amounts {
        into.count_amount(fen, k);
    }
}

impl DigitCounts {
    /// Counts the payments of `linked` (one part's, or all).
    pub fn add(&mut self, linked: &DataFrame) -> PolarsResult<()> {
        let amounts = fundaudit_core::frame::int(linked, "amount_fen")?;
        // By the column's codes, not its text: a part's million payments each find their
        // group by index. The two groupings on a core each.
        let count = |by: &str, groups: &mut BTreeMap<String, Tally>| -> PolarsResult<()> {
            let (codes, texts) = fundaudit_core::frame::codes(linked, by)?;
            let mut here: Vec<Option<Tally>> = vec![None; texts.len()];
            for (k, a) in codes.iter().zip(&amounts) {
                let (Some(k), Some(a)) = (k, a) else { continue };
                let Some(d) = first_digit(*a) else { continue };
                here[*k as usize].get_or_insert_default().add(*a, d);
            }
            for (k, tally) in texts.into_iter().zip(here) {
                if let Some(tally) = tally {
                    fold(groups.entry(k.to_string()).or_default(), tally);
                }
            }
            Ok(())
        };
        let [towns, programs] = &mut self.groups;
        let (a, b) = rayon::join(|| count(BY[0], towns), || count(BY[1], programs));
        a.and(b)
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
            for (group, t) in groups {
                let n = t.n.max(1);
                let mut observed = [0.0; 9];
                for (o, c) in observed.iter_mut().zip(t.digits) {
                    *o = c as f64 / n as f64;
                }
                let mad = (1..=9)
                    .map(|d| (observed[d - 1] - expected(d)).abs())
                    .sum::<f64>()
                    / 9.0;
                out.push(DigitTest {
                    by,
                    group: group.clone(),
                    payments: t.n,
                    observed,
                    mad: (mad * 10_000.0).round() / 10_000.0,
                    conformity: t.not_testable().unwrap_or_else(|| conformity(mad, t.n)),
                    round_share: t.round as f64 / n as f64,
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
        // Five fixed sums are standards, not made-up amounts: not tested.
        let fixed = &digit_tests(&frame(&made_up, "乙镇")).unwrap()[0];
        assert_eq!(fixed.conformity, "not tested: fixed standards");
        assert_eq!(fixed.round_share, 1.0);
        // Amounts made up over orders of magnitude, all starting with 5 to 9: flagged.
        let made_up: Vec<i64> = (0..2000)
            .map(|i| {
                (5 + i % 5) as i64 * 10i64.pow(1 + (i % 4) as u32) * 100 + (i as i64 % 97) * 100
            })
            .collect();
        let bad = &digit_tests(&frame(&made_up, "丙镇")).unwrap()[0];
        assert_eq!(bad.conformity, "nonconformity", "{bad:?}");
        // 900–2,100 yuan a quarter: within one order of magnitude, not tested.
        let narrow: Vec<i64> = (0..2000).map(|i| 90_000 + i * 60 + i % 7).collect();
        let narrow = &digit_tests(&frame(&narrow, "丁镇")).unwrap()[0];
        assert_eq!(
            narrow.conformity,
            "not tested: amounts within one order of magnitude"
        );
        assert!((expected(1) - std::f64::consts::LOG10_2).abs() < 1e-12);
    }
}
