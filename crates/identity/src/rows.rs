//! Registry rows by beneficiary id, without a second copy of the ids: a province's
//! registry is ten million entries, and a map keyed by `String` held every id twice (the
//! entry's and the key's, ~70 bytes a row). Here a row is found by its id's 64-bit hash
//! and confirmed against the entry itself; ids whose hashes collide (about one pair in
//! 10^5 registries of ten million) are kept by name on the side, so every lookup is exact.

use rustc_hash::FxHashMap;

use crate::entry::RegistryEntry;
use fundaudit_core::hash::fx;

/// Registry rows by beneficiary id.
#[derive(Debug, Default, Clone)]
pub struct RowIndex {
    by_hash: FxHashMap<u64, u32>,
    /// Ids whose hash another id had first.
    collided: FxHashMap<String, usize>,
}

impl RowIndex {
    /// The index of `registry`; of two entries with one id, the later is found (as a map
    /// collected from the rows would).
    pub fn new(registry: &[RegistryEntry]) -> RowIndex {
        let mut index = RowIndex::default();
        index.by_hash.reserve(registry.len());
        for (i, r) in registry.iter().enumerate() {
            let id = r.beneficiary_id.as_str();
            match index.by_hash.entry(fx(id)) {
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
        self.by_hash.capacity() * (std::mem::size_of::<(u64, u32)>() + 1)
            + self.collided.capacity() * (std::mem::size_of::<(String, usize)>() + 1)
            + self.collided.keys().map(String::capacity).sum::<usize>()
    }

    /// The registry row of `id`, if any.
    pub fn get(&self, registry: &[RegistryEntry], id: &str) -> Option<usize> {
        match self.by_hash.get(&fx(id)) {
            Some(&row) if registry[row as usize].beneficiary_id == id => Some(row as usize),
            _ => self.collided.get(id).copied(),
        }
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
}
