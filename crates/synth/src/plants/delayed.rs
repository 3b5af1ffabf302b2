//! DELAY_LATE and DELAY_UNPAID: one allocation of a fresh person paid past due and grace,
//! or never paid.

use chrono::Duration;
use rand::Rng;

use super::{first_allocations, AllocationsOf};
use crate::county::Gen;
use crate::draw::Draw;

/// The allocations to be paid late (left unpaid by the clean payments).
pub(crate) fn choose_late(g: &Gen, draw: &mut Draw, alloc_of: &AllocationsOf) -> Vec<usize> {
    let count = draw.count(0.01);
    first_allocations(g, draw, alloc_of, count)
}

/// The allocations never to be paid.
pub(crate) fn choose_unpaid(g: &Gen, draw: &mut Draw, alloc_of: &AllocationsOf) -> Vec<usize> {
    let count = draw.count(0.005);
    first_allocations(g, draw, alloc_of, count)
}

/// Pays each allocation in full, every installment beyond due date plus grace.
pub(crate) fn pay_late(g: &mut Gen, late: Vec<usize>) {
    let grace = g.config.delayed.grace_days as i64;
    for a in late {
        let due = g.due_of(&g.allocations[a]);
        let days = grace + g.rng.random_range(1..120);
        g.pay_clean(a);
        let last = g.payments.len() - 1;
        let first = g
            .payments
            .iter()
            .rposition(|p| p.allocation != g.allocations[a].id)
            .map_or(0, |i| i + 1);
        for p in &mut g.payments[first..=last] {
            p.paid = due + Duration::days(days);
        }
        let id = g.allocations[a].id.clone();
        g.plant(
            "DELAY_LATE",
            "allocation",
            vec![id],
            format!("paid {days} days after due"),
        );
    }
}

/// Records the unpaid allocations (their payments were never made).
pub(crate) fn leave_unpaid(g: &mut Gen, unpaid: Vec<usize>) {
    for a in unpaid {
        let id = g.allocations[a].id.clone();
        g.plant("DELAY_UNPAID", "allocation", vec![id], "never paid");
    }
}
