//! 拨付不足额: the payments behind an allocation add up to less than it.

use polars::prelude::*;
use rustc_hash::FxHashMap;

use crate::context::Context;
use crate::views::{groups_with_variety, Allocations, Payments, Views};
use fundaudit_core::cells::{fen_of_yuan, fmt_yuan};
use fundaudit_core::findings::{Finding, FindingsBuilder, Rule};

/// Paid at least once, but short by more than the tolerance. Installments that add up
/// to the full amount are not a finding; split payments that add up short are.
///
/// A person registered twice is owed one entitlement per program and period: what the
/// other registration drew counts against the shortfall. Net short, the finding says so
/// (and names the other allocations); net over, it is no shortfall at all — the extra is
/// DUP_PERSON_PERIOD's.
pub fn short(ctx: &Context, v: &Views) -> PolarsResult<DataFrame> {
    let a = &v.allocations;
    let tol = &ctx.config.partial;
    let abs_fen = fen_of_yuan(tol.abs_tolerance_yuan);
    let others = Registrations::new(&v.payments);
    let mut out = FindingsBuilder::new(Rule::PartialShort);
    for i in 0..a.len() {
        let (amount, paid, n) = (a.amount(i), a.paid(i), a.count(i));
        // Paid for a period after its beneficiary's death: the payments are
        // GHOST_DECEASED's, and the money missing was never owed.
        if n == 0 || amount - paid <= 0 || a.died_before_period(i, ctx).is_some() {
            continue;
        }
        let other = others.of(a, i, &v.payments);
        // Owed once: the largest of the person's allocations for the period.
        let owed = other.iter().map(|o| o.amount).fold(amount, i64::max);
        let drawn = paid + other.iter().map(|o| o.paid).sum::<i64>();
        let shortfall = owed - drawn;
        // Net paid in full (or more); or another allocation of the period carries the
        // finding (the largest, the first by id among equals).
        let own_id = a.allocation_id.at(i).unwrap_or("");
        let carried_elsewhere = other
            .iter()
            .any(|o| o.amount > amount || (o.amount == amount && o.allocation_id < own_id));
        if shortfall <= 0 || carried_elsewhere {
            continue;
        }
        if shortfall <= abs_fen || (shortfall as f64) <= tol.rel_tolerance * owed as f64 {
            continue;
        }
        let share = if owed > 0 {
            shortfall as f64 / owed as f64
        } else {
            0.0
        };
        let net = if other.is_empty() {
            String::new()
        } else {
            format!(
                "；同一人同期另经分配单{}领取{}元，合计实领{}元，净少发{}元",
                other
                    .iter()
                    .map(|o| o.allocation_id)
                    .collect::<Vec<_>>()
                    .join("、"),
                fmt_yuan(other.iter().map(|o| o.paid).sum()),
                fmt_yuan(drawn),
                fmt_yuan(shortfall)
            )
        };
        out.push(Finding {
            confidence: (0.7 + share).min(1.0),
            evidence: format!(
                "{}实发{}笔共{}元，少发{}元（{}）{}，涉嫌拨付不足额或克扣",
                a.describe(i, ctx),
                n,
                fmt_yuan(paid),
                fmt_yuan(amount - paid),
                if share < 0.001 {
                    "不足0.1%".to_string()
                } else {
                    format!("{:.1}%", share * 100.0)
                },
                net
            ),
            ..a.finding(i, shortfall, &v.payments)
        });
    }
    out.finish()
}

/// Another allocation of the same person, program and period, and what it paid.
struct Other<'a> {
    allocation_id: &'a str,
    amount: i64,
    paid: i64,
}

/// Paid allocations per resolved person, program and period: what a second registration
/// drew.
struct Registrations<'a> {
    by_key: FxHashMap<(i64, &'a str, &'a str), Vec<usize>>,
}

impl<'a> Registrations<'a> {
    /// Only the (rare) keys paid for more than one allocation are kept: they are found by
    /// sorting hashes, not by a table of every payment's key.
    fn new(p: &Payments<'a>) -> Self {
        let key = |r: usize| {
            if !p.alloc_found[r] {
                return None;
            }
            Some((p.person.at(r)?, p.program.at(r)?, p.period.at(r)?))
        };
        let by_key = groups_with_variety(p.len(), key, |r| p.alloc_row.at(r))
            .into_iter()
            .collect();
        Registrations { by_key }
    }

    /// The person's other paid allocations of allocation `i`'s program and period.
    fn of_allocation(&self, a: &Allocations<'a>, i: usize, p: &Payments<'a>) -> Vec<usize> {
        let Some(&first) = a.payments(i).first() else {
            return Vec::new();
        };
        let (Some(person), Some(program), Some(period)) =
            (p.person.at(first), p.program.at(first), p.period.at(first))
        else {
            return Vec::new();
        };
        self.by_key
            .get(&(person, program, period))
            .cloned()
            .unwrap_or_default()
    }

    fn of(&self, a: &Allocations<'a>, i: usize, p: &Payments<'a>) -> Vec<Other<'a>> {
        let own = a.payments(i).first().and_then(|&r| p.alloc_row.at(r));
        let mut by_alloc: Vec<Other<'a>> = Vec::new();
        for r in self.of_allocation(a, i, p) {
            if p.alloc_row.at(r) == own {
                continue;
            }
            let id = p.allocation_id.at(r).unwrap_or("");
            let fen = p.amount_fen.at(r).unwrap_or(0);
            match by_alloc.iter_mut().find(|o| o.allocation_id == id) {
                Some(o) => o.paid += fen,
                None => by_alloc.push(Other {
                    allocation_id: id,
                    amount: p.alloc_amount_fen.at(r).unwrap_or(0),
                    paid: fen,
                }),
            }
        }
        by_alloc
    }
}
