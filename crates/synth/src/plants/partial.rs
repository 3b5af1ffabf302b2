//! PARTIAL_SHORT: one allocation of a fresh person paid short, by a fen, a fifth or a
//! random sum.

use rand::Rng;

use super::{first_allocations, AllocationsOf};
use crate::county::Gen;
use crate::draw::Draw;
use fundaudit_core::cells::fmt_yuan;

/// The allocations to be paid short (left unpaid by the clean payments).
pub(crate) fn choose(g: &Gen, draw: &mut Draw, alloc_of: &AllocationsOf) -> Vec<usize> {
    let count = draw.count(0.01);
    first_allocations(g, draw, alloc_of, count)
}

/// Pays each allocation, its last installment cut.
pub(crate) fn pay_short(g: &mut Gen, short: Vec<usize>) {
    for (k, a) in short.into_iter().enumerate() {
        g.pay_clean(a);
        let last = g.payments.len() - 1;
        let cut = match k % 3 {
            0 => 1, // one fen short
            1 => g.allocations[a].amount_fen / 5,
            _ => g.rng.random_range(100..5_000),
        }
        .min(g.payments[last].amount_fen - 1)
        .max(1);
        g.payments[last].amount_fen -= cut;
        let id = g.allocations[a].id.clone();
        g.plant(
            "PARTIAL_SHORT",
            "allocation",
            vec![id],
            format!("short by {} yuan", fmt_yuan(cut)),
        );
    }
}
