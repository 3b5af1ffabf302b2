//! DUP_ALLOCATION (one allocation paid twice) and DUP_PERSON_PERIOD (a second
//! registration of one person, paid again), with the hard negatives beside them: twins and
//! namesakes of one village that a careless matcher would take for one person.

use chrono::Duration;
use rand::Rng;

use super::{first_allocations, AllocationsOf};
use crate::county::{clone_payment, index_payments, mirror_first_allocation, Gen, Payment};
use crate::draw::Draw;
use crate::twins::{plant_hard_negatives, plant_twin};

/// The allocations to be paid a second time (paid clean first).
pub(crate) fn choose_doubled(g: &Gen, draw: &mut Draw, alloc_of: &AllocationsOf) -> Vec<usize> {
    let count = draw.count(0.005);
    first_allocations(g, draw, alloc_of, count)
}

/// Pays each allocation once more, in full, 1–29 days after its last payment.
pub(crate) fn pay_twice(g: &mut Gen, doubled: Vec<usize>) {
    let by_alloc = index_payments(&g.payments, |p| &p.allocation);
    for a in doubled {
        let last = by_alloc
            .get(&g.allocations[a].id)
            .and_then(|v| v.last().copied());
        if let Some(last) = last {
            let mut again = Payment {
                id: g.pay_id(),
                ..clone_payment(&g.payments[last])
            };
            again.amount_fen = g.allocations[a].amount_fen;
            again.paid += Duration::days(g.rng.random_range(1..30));
            g.payments.push(again);
            let id = g.allocations[a].id.clone();
            g.plant("DUP_ALLOCATION", "allocation", vec![id], "paid twice");
        }
    }
}

/// For the identity benchmark's registries (no ledgers): second registrations and hard
/// negatives, written to truth_pairs.csv and hard_negatives.csv.
pub(crate) fn registry_pairs(g: &mut Gen, draw: &mut Draw) {
    for k in 0..draw.count(0.01) {
        let p = draw.take();
        plant_twin(g, p, k);
    }
    for k in 0..draw.count(0.004) {
        let p = draw.take();
        plant_hard_negatives(g, p, k, true);
    }
}

/// DUP_PERSON_PERIOD: a second registration of a fresh person, given the first
/// registration's first allocation and paid again. Every fifth is paid to the card of an
/// official of its township (DIV_OFFICIAL too); one without an ID number is
/// GHOST_INVALID_ID too.
pub(crate) fn person_period(
    g: &mut Gen,
    draw: &mut Draw,
    alloc_of: &AllocationsOf,
    n_officials: usize,
) {
    for k in 0..draw.count(0.01) {
        let p = draw.take();
        let (twin_index, how) = plant_twin(g, p, k);
        // One scheme, two faces: every fifth second registration is paid to the card of an
        // official of its township (not one registered without an ID number: its own
        // card is what ties it to the first registration).
        let official = (k % 5 == 3 && !g.people[twin_index].id_number.is_empty())
            .then(|| {
                // A different official each time where the township has several.
                let t = g.people[twin_index].township;
                let here: Vec<_> = g.officials[..n_officials]
                    .iter()
                    .filter(|o| o.4 == t)
                    .collect();
                (!here.is_empty()).then(|| here[(k / 5) % here.len()].clone())
            })
            .flatten();
        if let Some(o) = &official {
            g.people[twin_index].account = o.5.clone();
            g.people[twin_index].card_holder = Some(o.0.clone());
        }
        if let Some(ids) = mirror_first_allocation(g, alloc_of, p, twin_index) {
            if official.is_some() {
                let twin_pid = g.people[twin_index].id.clone();
                g.plant(
                    "DIV_OFFICIAL",
                    "beneficiary",
                    vec![twin_pid],
                    "a second registration paid to an official's card",
                );
            }
            g.plant("DUP_PERSON_PERIOD", "allocation", ids, how);
            if g.people[twin_index].id_number.is_empty() {
                let twin_pid = g.people[twin_index].id.clone();
                g.plant(
                    "GHOST_INVALID_ID",
                    "beneficiary",
                    vec![twin_pid],
                    "second registration without an ID number",
                );
            }
        }
    }
}

/// Hard negatives: twins and namesakes of one village, paid for the same program and
/// period as their neighbour. Merging them would raise a false DUP_PERSON_PERIOD.
pub(crate) fn hard_negatives(g: &mut Gen, draw: &mut Draw, alloc_of: &AllocationsOf) {
    for k in 0..draw.count(0.004) {
        let p = draw.take();
        for q in plant_hard_negatives(g, p, k, false) {
            mirror_first_allocation(g, alloc_of, p, q);
        }
    }
}
