//! 互斥资金 / 重复享受: one person drawing two programs that exclude each other in the same
//! period (特困人员救助供养金 with 城乡居民最低生活保障金), or one program from two townships
//! (跨区域重复享受). Matched on the resolved person — identity resolution's cluster — so a
//! second registration under a variant name or another beneficiary id is caught too.
//! Which programs exclude each other is the config's `[exclusive]`.

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::context::Context;
use crate::views::Views;
use fundaudit_core::cells::{fmt_yuan, months};
use fundaudit_core::findings::{Finding, FindingsBuilder, Rule};

fn overlap(a: &str, b: &str) -> bool {
    match (months(a), months(b)) {
        (Some((a0, a1)), Some((b0, b1))) => a0 <= b1 && b0 <= a1,
        _ => a == b,
    }
}

/// Payment rows per resolved person (people in order, each one's rows in row order), of
/// the programs the config names only, and only people with two such rows or more: a
/// finding takes two payments, and most people in a part have none of these programs
/// twice (grouping every person's every payment was most of this rule's time).
fn by_person(v: &Views, cfg: &fundaudit_core::config::Exclusive) -> Vec<Vec<usize>> {
    let p = &v.payments;
    let named: rustc_hash::FxHashSet<&str> = cfg
        .pairs
        .iter()
        .flatten()
        .chain(&cfg.one_township_programs)
        .map(String::as_str)
        .collect();
    let mut rows: Vec<(i64, usize)> = (0..p.len())
        .filter(|&r| p.alloc_found[r])
        .filter_map(|r| Some((p.person.at(r)?, r)))
        .filter(|&(_, r)| p.program.at(r).is_some_and(|name| named.contains(name)))
        .collect();
    rows.sort_unstable();
    rows.chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() >= 2)
        .map(|run| run.iter().map(|&(_, r)| r).collect())
        .collect()
}

/// Exclusive programs in overlapping periods, and one-township programs drawn in two
/// townships for overlapping periods.
pub fn exclusive(ctx: &Context, v: &Views) -> PolarsResult<DataFrame> {
    let p = &v.payments;
    let cfg = &ctx.config.exclusive;
    let mut out = FindingsBuilder::new(Rule::DupExclusive);
    for rows in &by_person(v, cfg) {
        let program = |r: usize| p.program.at(r).unwrap_or("");
        let period = |r: usize| p.period.at(r).unwrap_or("");
        for pair in &cfg.pairs {
            let [a, b] = [pair[0].as_str(), pair[1].as_str()];
            let of = |name: &str| -> Vec<usize> {
                rows.iter()
                    .copied()
                    .filter(|&r| program(r) == name)
                    .collect()
            };
            let (ra, rb) = (of(a), of(b));
            // The second program's payments in periods the first also covers.
            let clash: Vec<usize> = rb
                .iter()
                .copied()
                .filter(|&r| ra.iter().any(|&x| overlap(period(x), period(r))))
                .collect();
            if clash.is_empty() {
                continue;
            }
            let first: Vec<usize> = ra
                .iter()
                .copied()
                .filter(|&x| clash.iter().any(|&r| overlap(period(x), period(r))))
                .collect();
            let mut all = first.clone();
            all.extend(&clash);
            let who = p
                .beneficiary_id
                .at(clash[0])
                .map_or(String::new(), |b| ctx.person_label(b));
            out.push(Finding {
                key: format!(
                    "{a}|{b}|{}",
                    all.iter()
                        .filter_map(|&r| p.allocation_id.at(r))
                        .min()
                        .unwrap_or("")
                ),
                confidence: 0.9,
                evidence: format!(
                    "{who}在同一期间同时领取互斥的{a}{}与{b}{}，按规定不得同时享受，涉嫌重复享受",
                    p.describe(&first),
                    p.describe(&clash),
                ),
                amount_fen: p.total(&clash),
                ..p.finding(&all)
            });
        }
        for one in &cfg.one_township_programs {
            let mine: Vec<usize> = rows
                .iter()
                .copied()
                .filter(|&r| program(r) == one)
                .collect();
            let mut towns: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
            for &r in &mine {
                towns
                    .entry(p.township.at(r).unwrap_or(""))
                    .or_default()
                    .push(r);
            }
            if towns.len() < 2 {
                continue;
            }
            // Only periods drawn in two townships at once.
            let clash: Vec<usize> = mine
                .iter()
                .copied()
                .filter(|&r| {
                    mine.iter().any(|&x| {
                        p.township.at(x) != p.township.at(r) && overlap(period(x), period(r))
                    })
                })
                .collect();
            if clash.is_empty() {
                continue;
            }
            let mut per_town: BTreeMap<&str, i64> = BTreeMap::new();
            for &r in &clash {
                *per_town.entry(p.township.at(r).unwrap_or("")).or_default() +=
                    p.amount_fen.at(r).unwrap_or(0);
            }
            let kept = per_town.values().max().copied().unwrap_or(0);
            let names: Vec<&str> = per_town.keys().copied().collect();
            let who = p
                .beneficiary_id
                .at(clash[0])
                .map_or(String::new(), |b| ctx.person_label(b));
            out.push(Finding {
                key: format!(
                    "{one}|towns|{}",
                    clash
                        .iter()
                        .filter_map(|&r| p.allocation_id.at(r))
                        .min()
                        .unwrap_or("")
                ),
                confidence: 0.85,
                evidence: format!(
                    "{who}同期在{}个乡镇（{}）领取{one}，{}，只应在一地享受，涉嫌跨区域重复享受（多领{}元）",
                    names.len(),
                    names.join("、"),
                    p.describe(&clash),
                    fmt_yuan(p.total(&clash) - kept)
                ),
                amount_fen: p.total(&clash) - kept,
                ..p.finding(&clash)
            });
        }
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_as_months() {
        assert_eq!(months("2025"), Some((24300, 24311)));
        assert_eq!(months("2025Q3"), Some((24306, 24308)));
        assert_eq!(months("2025-03"), Some((24302, 24302)));
        assert_eq!(months("2025年3月"), Some((24302, 24302)));
        assert!(overlap("2025Q1", "2025-02"));
        assert!(!overlap("2025Q1", "2025-04"));
        assert!(overlap("上半年", "上半年"));
        assert!(!overlap("上半年", "下半年"));
    }
}
