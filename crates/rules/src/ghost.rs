//! 虚报冒领: money paid for people who are not there — unregistered, dead, or carrying an
//! ID number no living person can have.

use polars::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap;

use crate::context::Context;
use crate::views::{group_rows, Views};
use fundaudit_core::cells::fmt_day;
use fundaudit_core::findings::{Finding, FindingsBuilder, Rule};
use fundaudit_core::frame;
use fundaudit_identity::DeathLink;

/// Payments for a beneficiary id that the registry does not hold.
pub fn unregistered(_ctx: &Context, v: &Views) -> PolarsResult<DataFrame> {
    let p = &v.payments;
    let keys = (0..p.len()).map(|r| match p.reg_row.at(r) {
        Some(_) => None,
        None => p.beneficiary_id.at(r),
    });
    let mut out = FindingsBuilder::new(Rule::GhostUnregistered);
    for (id, rows) in group_rows(keys) {
        out.push(Finding {
            key: id.to_string(),
            confidence: 0.95,
            evidence: format!(
                "人员编号{}不在花名册中，却被发放{}，收款人{}，涉嫌虚报冒领",
                id,
                p.describe(&rows),
                p.payee_name.at(rows[0]).unwrap_or("不详")
            ),
            ..p.finding(&rows)
        });
    }
    out.finish()
}

/// Payments made after the beneficiary's death (registry death date, or a sure match in
/// the death list; see identity::resolve::match_deaths).
pub fn deceased(ctx: &Context, v: &Views) -> PolarsResult<DataFrame> {
    let p = &v.payments;
    let keys = (0..p.len()).map(|r| {
        let row = p.reg_row.at(r)? as usize;
        let death = ctx.death_of.get(row)?;
        (p.paid.at(r)? > death.death_date).then_some(row)
    });
    let mut out = FindingsBuilder::new(Rule::GhostDeceased);
    for (row, rows) in group_rows(keys) {
        let Some(death) = ctx.death_of.get(row) else {
            continue;
        };
        let confidence = match death.link {
            DeathLink::Registry | DeathLink::IdNumber => 1.0,
            DeathLink::IdTypo => 0.9,
            DeathLink::NameAndBirth => 0.85,
            DeathLink::NameAndVillage => 0.7,
        };
        out.push(Finding {
            key: ctx.registry[row].beneficiary_id.to_string(),
            confidence,
            similarity: death.similarity.map(|s| s.score),
            refs: death_refs(ctx, death),
            evidence: format!(
                "{}已于{}死亡（{}），死亡后仍被发放{}，涉嫌冒领",
                ctx.row_label(row),
                fmt_day(death.death_date),
                death.describe(&ctx.deaths),
                p.describe(&rows)
            ),
            ..p.finding(&rows)
        });
    }
    // 死亡未销户: allocations for periods that began after the death and were not paid
    // (paid ones are above): the dead person is still on the list, and the money
    // allocated in their name is at risk of being drawn.
    // Not where a program-period has no payment data at all (DATA_INCOMPLETE's): "not
    // paid" cannot be said there.
    let a = &v.allocations;
    let gaps = ctx.whole.past_due.gaps(&ctx.config);
    let listed = (0..a.len()).map(|i| {
        let period = (a.program.at(i).unwrap_or(""), a.period.at(i).unwrap_or(""));
        if a.count(i) > 0 || gaps.contains(&period) {
            return None;
        }
        a.died_before_period(i, ctx).map(|(row, _)| row)
    });
    for (row, allocations) in group_rows(listed) {
        let Some(death) = ctx.death_of.get(row) else {
            continue;
        };
        let amount: i64 = allocations.iter().map(|&i| a.amount(i)).sum();
        let mut periods: Vec<String> = allocations
            .iter()
            .map(|&i| {
                format!(
                    "{}{}",
                    a.program.at(i).unwrap_or(""),
                    a.period.at(i).unwrap_or("")
                )
            })
            .collect();
        periods.sort();
        periods.dedup();
        let mut f = a.finding(allocations[0], amount, &v.payments);
        for &i in &allocations[1..] {
            f.allocation_ids
                .extend(a.allocation_id.at(i).map(str::to_string));
        }
        out.push(Finding {
            key: format!("listed|{}", ctx.registry[row].beneficiary_id),
            confidence: match death.link {
                DeathLink::Registry | DeathLink::IdNumber => 0.9,
                DeathLink::IdTypo => 0.8,
                _ => 0.65,
            },
            similarity: death.similarity.map(|s| s.score),
            refs: death_refs(ctx, death),
            evidence: format!(
                "{}已于{}死亡（{}），仍列入{}的分配清册（{}张分配单共{}元，尚未发放），死亡未销户，涉嫌虚报冒领",
                ctx.row_label(row),
                fmt_day(death.death_date),
                death.describe(&ctx.deaths),
                periods.join("、"),
                allocations.len(),
                fundaudit_core::cells::fmt_yuan(amount)
            ),
            ..f
        });
    }
    out.finish()
}

/// Payments to a registered beneficiary whose ID number fails the GB 11643 check digit or
/// encodes a birth date that cannot exist.
pub fn invalid_id(ctx: &Context, v: &Views) -> PolarsResult<DataFrame> {
    let p = &v.payments;
    let keys = (0..p.len()).map(|r| {
        let row = p.reg_row.at(r)? as usize;
        ctx.registry[row].id_problem.as_ref().map(|_| row)
    });
    let mut out = FindingsBuilder::new(Rule::GhostInvalidId);
    let groups = group_rows(keys);
    let namesakes = ctx.invalid_id_namesakes();
    for (row, rows) in groups {
        let r = &ctx.registry[row];
        let problem = r
            .id_problem
            .as_ref()
            .map(|e| e.describe())
            .unwrap_or_default();
        // A registered person of the same village it sounds like, paid for the same
        // program and period: named, and the case joins them; never merged on this alone.
        let linked: Vec<usize> = namesakes
            .get(&row)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&c| c != row && ctx.whole.paid_for.alike(row, c))
            .collect();
        let also = if linked.is_empty() {
            String::new()
        } else {
            format!(
                "；疑似与{}（同村、同音、同期同项目领取）为同一人重复登记",
                linked
                    .iter()
                    .map(|&o| ctx.row_label(o))
                    .collect::<Vec<_>>()
                    .join("、")
            )
        };
        let mut finding = p.finding(&rows);
        finding.beneficiary_ids.extend(
            linked
                .iter()
                .map(|&o| ctx.registry[o].beneficiary_id.to_string()),
        );
        out.push(Finding {
            key: r.beneficiary_id.to_string(),
            confidence: 0.8,
            evidence: format!(
                "{}身份证号{}无效：{}，仍被发放{}，需核实是否虚构人员{}",
                ctx.row_label(row),
                if r.id_number.is_empty() {
                    "（空）"
                } else {
                    &r.id_number
                },
                problem,
                p.describe(&rows),
                also
            ),
            ..finding
        });
    }
    out.finish()
}

/// For each registry row with an invalid ID number: the registered people with a valid ID
/// number of the same township and village whose name sounds the same (pinyin, so a
/// homophone counts). A second registration made without an ID number cannot be matched
/// by the identity model (it weighs nothing but the name and place), so this is the lead
/// an officer needs: whose second registration it may be. Of the registry alone, so found
/// once per run ([`Context::invalid_id_namesakes`]); whether they were paid alike is the
/// run's ([`PaidFor`]).
pub fn namesakes_of_invalid(ctx: &Context) -> FxHashMap<usize, Vec<usize>> {
    // Fx, not SipHash: a million people's registry is asked of every row.
    type Key<'a> = (&'a str, &'a str, &'a str);
    let key = |row: usize| -> Key {
        let e = &ctx.registry[row];
        (&*e.township, &*e.village, e.name.pinyin_str())
    };
    let invalid = ctx.registry_rows_where(|_, e| e.id_problem.is_some() && !e.name.is_empty());
    let wanted: FxHashMap<Key, Vec<usize>> =
        invalid.iter().fold(FxHashMap::default(), |mut m, &row| {
            m.entry(key(row)).or_default().push(row);
            m
        });
    if wanted.is_empty() {
        return FxHashMap::default();
    }
    let candidates = ctx.registry_rows_where(|i, e| {
        e.id_problem.is_none() && !e.id_number.is_empty() && wanted.contains_key(&key(i))
    });
    let mut out: FxHashMap<usize, Vec<usize>> = FxHashMap::default();
    for c in candidates {
        for &row in wanted.get(&key(c)).into_iter().flatten() {
            out.entry(row).or_default().push(c);
        }
    }
    for v in out.values_mut() {
        v.sort_unstable();
    }
    out
}

/// The program-periods each registry row an invalid-ID finding may name (the rows of
/// [`namesakes_of_invalid`], both sides) was paid for, over the whole run. A whole-run
/// fact, counted like the past-due counts ([`crate::context::Whole`]): a part keeps one
/// person's rows together, but a namesake is another person until identity says
/// otherwise, so their payments may sit in another part — and the evidence must not
/// depend on where the cut fell.
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PaidFor {
    #[serde(with = "crate::pairs")]
    by_row: BTreeMap<usize, BTreeSet<(String, String)>>,
}

impl PaidFor {
    /// What the rows in question were paid for among `allocations` (as loaded, or one part
    /// of them): each allocation some payment names, by its beneficiary's registry row.
    pub fn of(
        ctx: &Context,
        allocations: &DataFrame,
        named: &crate::link::Named,
    ) -> PolarsResult<PaidFor> {
        let namesakes = ctx.invalid_id_namesakes();
        let mut paid = PaidFor::default();
        if namesakes.is_empty() {
            return Ok(paid);
        }
        // Their beneficiary ids, so most allocations are passed over by one look-up of a
        // short table rather than the registry's.
        let ids: rustc_hash::FxHashSet<&str> = namesakes
            .iter()
            .flat_map(|(row, others)| std::iter::once(row).chain(others))
            .map(|&row| ctx.registry[row].beneficiary_id.as_str())
            .collect();
        let (ben, program, period) = (
            frame::text(allocations, "beneficiary_id")?,
            frame::text(allocations, "program")?,
            frame::text(allocations, "period")?,
        );
        for i in (0..allocations.height()).filter(|&i| named.paid[i]) {
            let Some(b) = ben[i] else { continue };
            if !ids.contains(b) {
                continue;
            }
            let (Some(row), Some(program), Some(period)) = (ctx.row_of(b), program[i], period[i])
            else {
                continue;
            };
            paid.by_row
                .entry(row)
                .or_default()
                .insert((program.to_string(), period.to_string()));
        }
        Ok(paid)
    }

    pub fn merge(&mut self, other: PaidFor) {
        for (row, mut set) in other.by_row {
            self.by_row.entry(row).or_default().append(&mut set);
        }
    }

    /// Whether rows `a` and `b` were paid for one program-period.
    fn alike(&self, a: usize, b: usize) -> bool {
        match (self.by_row.get(&a), self.by_row.get(&b)) {
            (Some(a), Some(b)) => !a.is_disjoint(b),
            _ => false,
        }
    }
}

/// The death-list line behind a death (none when the registry's own date says it).
fn death_refs(ctx: &Context, death: &fundaudit_identity::DeathMatch) -> Vec<String> {
    death
        .death_row
        .map(|d| format!("deaths:{}", ctx.deaths[d].line))
        .into_iter()
        .collect()
}
