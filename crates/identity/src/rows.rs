//! Registry rows by beneficiary id, without a second copy of the ids: a province's
//! registry is ten million entries, and a map keyed by `String` held every id twice (the
//! entry's and the key's, ~70 bytes a row). Here a row is found by its id's 64-bit hash
//! and confirmed against the entry itself; ids whose hashes collide (about one pair in
//! 10^5 registries of ten million) are kept by name on the side, so every lookup is exact.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::entry::RegistryEntry;
use fundaudit_core::hash::{fx, RowsByHash};

/// Registry rows by beneficiary id.
#[derive(Debug, Default, Clone)]
pub struct RowIndex {
    /// When every id's hash is its own (a registry's ids are distinct, and two of them
    /// collide about once in 10^5 provinces): the rows in cache-sized shards, which a
    /// batch of lookups ([`RowIndex::rows_of_each`]) reads a shard at a time. A
    /// million-row table missed the cache on nearly every lookup of the cut's ten million.
    sharded: Option<RowsByHash>,
    /// Otherwise one table, with the repeated and colliding ids worked out below.
    by_hash: FxHashMap<u64, u32>,
    /// Ids whose hash another id had first.
    collided: FxHashMap<String, usize>,
}

/// An id's hash as the index holds it (never 0, which [`RowsByHash`] reads as no id).
fn key(id: &str) -> u64 {
    fx(id).max(1)
}

impl RowIndex {
    /// The index of `registry`; of two entries with one id, the later is found (as a map
    /// collected from the rows would).
    pub fn new(registry: &[RegistryEntry]) -> RowIndex {
        let hashes: Vec<u64> = registry
            .par_iter()
            .map(|r| key(&r.beneficiary_id))
            .collect();
        if let Some(sharded) = RowsByHash::distinct(&hashes) {
            return RowIndex {
                sharded: Some(sharded),
                ..RowIndex::default()
            };
        }
        let mut index = RowIndex::default();
        index.by_hash.reserve(registry.len());
        for (i, (r, &h)) in registry.iter().zip(&hashes).enumerate() {
            let id = r.beneficiary_id.as_str();
            match index.by_hash.entry(h) {
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(i as u32);
                }
                std::collections::hash_map::Entry::Occupied(mut e) => {
                    if registry[*e.get() as usize].beneficiary_id == id {
                        e.insert(i as u32);
                    } else {
                        index.collided.insert(id.to_string(), i);
                    }
                }
            }
        }
        index
    }

    /// The bytes the index takes (its tables' slots and control bytes).
    pub fn bytes(&self) -> usize {
        self.sharded.as_ref().map_or(0, RowsByHash::bytes)
            + self.by_hash.capacity() * (std::mem::size_of::<(u64, u32)>() + 1)
            + self.collided.capacity() * (std::mem::size_of::<(String, usize)>() + 1)
            + self.collided.keys().map(String::capacity).sum::<usize>()
    }

    /// The row of `id` in `registry` (the registry the index was built from).
    pub fn get(&self, registry: &[RegistryEntry], id: &str) -> Option<usize> {
        let h = key(id);
        let held = match &self.sharded {
            Some(sharded) => sharded.get(h),
            None => self.by_hash.get(&h).copied(),
        };
        match held {
            Some(row) if registry[row as usize].beneficiary_id == id => Some(row as usize),
            _ => self.collided.get(id).copied(),
        }
    }

    /// The row of each of `n` ids (`id(i)`; None: no id), as [`RowIndex::get`] finds it,
    /// looked up a shard at a time: for the millions of rows a run's cut reads.
    pub fn rows_of_each<'a>(
        &self,
        registry: &[RegistryEntry],
        n: usize,
        id: impl Fn(usize) -> Option<&'a str> + Sync,
    ) -> Vec<Option<u32>> {
        let Some(sharded) = &self.sharded else {
            return (0..n)
                .into_par_iter()
                .map(|i| Some(self.get(registry, id(i)?)? as u32))
                .collect();
        };
        let hashes: Vec<u64> = (0..n)
            .into_par_iter()
            .map(|i| id(i).map_or(0, key))
            .collect();
        sharded.find(&hashes, |i, row| {
            id(i) == Some(registry[row].beneficiary_id.as_str())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str) -> RegistryEntry {
        RegistryEntry {
            beneficiary_id: id.into(),
            raw_name: Default::default(),
            name: Default::default(),
            id_number: Default::default(),
            birth: None,
            id_problem: None,
            township: "".into(),
            village: "".into(),
            bank_account: Default::default(),
            death_date: None,
            line: 0,
        }
    }

    #[test]
    fn finds_every_id_and_nothing_else() {
        let reg: Vec<RegistryEntry> = (0..5000).map(|i| entry(&format!("B{i:07}"))).collect();
        let index = RowIndex::new(&reg);
        for (i, r) in reg.iter().enumerate() {
            assert_eq!(index.get(&reg, &r.beneficiary_id), Some(i));
        }
        assert_eq!(index.get(&reg, "B9999999"), None);
        assert_eq!(index.get(&reg, ""), None);
    }

    #[test]
    fn a_colliding_hash_is_resolved_by_the_id() {
        // Two ids forced onto one hash slot: the second is kept on the side.
        let reg = vec![entry("B1"), entry("B2")];
        let mut index = RowIndex::default();
        index.by_hash.insert(fx("B1"), 0);
        index.by_hash.insert(fx("B2"), 0); // as if B2 hashed like B1
        index.collided.insert("B2".into(), 1);
        assert_eq!(index.get(&reg, "B1"), Some(0));
        assert_eq!(index.get(&reg, "B2"), Some(1));
        assert_eq!(index.get(&reg, "B3"), None);
    }

    #[test]
    fn rows_of_each_are_each_get_sharded_or_not() {
        let ids = |n: usize| {
            (0..n)
                .map(|i| format!("B{:07}", i * 7 % 1000))
                .collect::<Vec<_>>()
        };
        // Distinct ids (sharded), and ids written twice (one table, the later row found).
        for reg in [
            (0..1000)
                .map(|i| entry(&format!("B{i:07}")))
                .collect::<Vec<_>>(),
            (0..1000)
                .map(|i| entry(&format!("B{:07}", i % 600)))
                .collect(),
        ] {
            let index = RowIndex::new(&reg);
            let asked: Vec<Option<String>> = ids(1500)
                .into_iter()
                .enumerate()
                .map(|(i, id)| (i % 11 != 0).then_some(id))
                .chain([Some("B9999999".into()), Some(String::new())])
                .collect();
            let each = index.rows_of_each(&reg, asked.len(), |i| asked[i].as_deref());
            for (i, a) in asked.iter().enumerate() {
                let one = a
                    .as_deref()
                    .and_then(|a| index.get(&reg, a))
                    .map(|r| r as u32);
                assert_eq!(each[i], one, "id {a:?}");
            }
            assert!(index.bytes() > 0);
        }
    }
}
