//! The anomalies planted into a clean county, one module per family of rules (as in
//! `rules/`), and the hard clean cases that must not be flagged (`clean.rs`). Each plant
//! takes fresh people from the `Draw` and records what it planted in the county's truth.
//!
//! The order `generate` calls them in is part of the output: every plant draws from one
//! seeded generator, so a reordering changes every county generated after it.

pub(crate) mod cadre;
pub(crate) mod clean;
pub(crate) mod delayed;
pub(crate) mod diverted;
pub(crate) mod duplicate;
pub(crate) mod exclusive;
pub(crate) mod ghost;
pub(crate) mod lists;
pub(crate) mod partial;
pub(crate) mod projects;
pub(crate) mod publicity;
pub(crate) mod standards;

use std::collections::HashMap;

use super::county::Gen;
use super::draw::Draw;

/// Each person's allocations by person id, in the order they were made.
pub(crate) type AllocationsOf = HashMap<String, Vec<usize>>;
/// Payment rows by beneficiary (or allocation) id, in the order they were made.
pub(crate) type PaymentsOf = HashMap<String, Vec<usize>>;

/// The first allocation of each of `count` fresh people (none for a person without one).
fn first_allocations(
    g: &Gen,
    draw: &mut Draw,
    alloc_of: &AllocationsOf,
    count: usize,
) -> Vec<usize> {
    (0..count)
        .filter_map(|_| {
            let p = draw.take();
            alloc_of
                .get(&g.people[p].id)
                .and_then(|v| v.first().copied())
        })
        .collect()
}
