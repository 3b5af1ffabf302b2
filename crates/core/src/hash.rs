//! One fast, non-cryptographic hash for keys every layer buckets by: names, places,
//! accounts, partition keys. Fx is deterministic across runs and machines (no random
//! seed), so a key's bucket is the same on every night and on every cluster executor.

use std::hash::{BuildHasher, Hash};

use rustc_hash::FxBuildHasher;

/// The 64-bit Fx hash of `value`.
pub fn fx<T: Hash>(value: T) -> u64 {
    FxBuildHasher.hash_one(value)
}

/// Rows by a 64-bit hash of their key (0: the row has none), kept in shards small enough
/// to stay in the cache, built and read a shard at a time. One table of five million
/// allocations' ids is a hundred megabytes, and every lookup of a payment's allocation in
/// it missed the cache twice (the probe, then the key): at a million people those lookups
/// were two seconds of the cores' time, and the table's single-threaded build one more.
/// Dealt by hash first, each shard's rows and queries are read from one place, and two
/// shards are worked at once. Made only by [`RowsByHash::distinct`], so it always holds
/// every shard (no `Default`: an empty one would have none to look in).
#[derive(Debug, Clone)]
pub struct RowsByHash {
    shards: Vec<rustc_hash::FxHashMap<u64, u32>>,
}

/// Shards as `1 << SHARD_BITS`: five million rows make tables of about 256 KB each, a
/// core's L2 cache (at 2 MB each, a lookup still took 200 ns).
const SHARD_BITS: u32 = 9;

/// Rows dealt a chunk at a time, side by side.
const DEAL_CHUNK: usize = 1 << 18;

/// The shard of a hash: its top bits after a multiply, so that hashes alike in their high
/// bits (short ids differing in the last character) still spread.
fn shard_of(h: u64) -> usize {
    (h.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - SHARD_BITS)) as usize
}

/// Each chunk of rows' hashes dealt to the shards, as (hash, row); a shard's rows are its
/// pieces of every chunk, in order, so in row order.
fn deal(hashes: &[u64]) -> Vec<Vec<Vec<(u64, u32)>>> {
    use rayon::prelude::*;
    hashes
        .par_chunks(DEAL_CHUNK)
        .enumerate()
        .map(|(c, chunk)| {
            let room = (chunk.len() >> SHARD_BITS) * 5 / 4;
            let mut shards: Vec<Vec<(u64, u32)>> = (0..1 << SHARD_BITS)
                .map(|_| Vec::with_capacity(room))
                .collect();
            for (k, &h) in chunk.iter().enumerate() {
                if h != 0 {
                    shards[shard_of(h)].push((h, (c * DEAL_CHUNK + k) as u32));
                }
            }
            shards
        })
        .collect()
}

impl RowsByHash {
    /// The rows of `hashes` by hash; None when two rows share one (a key written twice,
    /// or two keys whose hashes collide: the caller's text must answer then). Rows past
    /// `u32::MAX` are not held: None.
    pub fn distinct(hashes: &[u64]) -> Option<RowsByHash> {
        use rayon::prelude::*;
        if u32::try_from(hashes.len()).is_err() {
            return None;
        }
        let dealt = deal(hashes);
        let shards = (0..1usize << SHARD_BITS)
            .into_par_iter()
            .map(|s| {
                let mut table = rustc_hash::FxHashMap::default();
                table.reserve(dealt.iter().map(|d| d[s].len()).sum());
                for &(h, row) in dealt.iter().flat_map(|d| &d[s]) {
                    if table.insert(h, row).is_some() {
                        return None;
                    }
                }
                Some(table)
            })
            .collect::<Option<Vec<_>>>()?;
        Some(RowsByHash { shards })
    }

    /// The row holding `h`, looked up alone.
    pub fn get(&self, h: u64) -> Option<u32> {
        self.shards.get(shard_of(h))?.get(&h).copied()
    }

    /// The bytes the shards take (their slots and control bytes).
    pub fn bytes(&self) -> usize {
        let slot = std::mem::size_of::<(u64, u32)>() + 1;
        self.shards.iter().map(|t| t.capacity() * slot).sum()
    }

    /// For each of `hashes` (0: none), the row holding it, where `same(i, row)` agrees
    /// (the caller compares the keys themselves, so that a collision never links two).
    /// The rows are found a shard at a time, then checked in the order of `hashes`: that
    /// side of each comparison is then read front to back instead of a shard's stride
    /// apart, which was a cache miss per row.
    pub fn find(
        &self,
        hashes: &[u64],
        same: impl Fn(usize, usize) -> bool + Sync,
    ) -> Vec<Option<u32>> {
        use rayon::prelude::*;
        let dealt = deal(hashes);
        let found: Vec<Vec<(u32, u32)>> = (0..1usize << SHARD_BITS)
            .into_par_iter()
            .map(|s| {
                let table = &self.shards[s];
                dealt
                    .iter()
                    .flat_map(|d| &d[s])
                    .filter_map(|&(h, i)| Some((i, *table.get(&h)?)))
                    .collect()
            })
            .collect();
        drop(dealt);
        let mut rows = vec![None; hashes.len()];
        for &(i, row) in found.iter().flatten() {
            rows[i as usize] = Some(row);
        }
        rows.par_iter_mut().enumerate().for_each(|(i, row)| {
            if row.is_some_and(|r| !same(i, r as usize)) {
                *row = None;
            }
        });
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Sharded, the rows found are those of one table of every row, and a repeated
        /// hash is refused as one table would see it.
        #[test]
        fn rows_by_hash_are_one_tables(
            keys in proptest::collection::vec(0u64..40, 0..300),
            asked in proptest::collection::vec(0u64..50, 0..300),
            odd in 0u64..7,
        ) {
            let mut one = std::collections::HashMap::new();
            let mut repeated = false;
            for (row, &h) in keys.iter().enumerate() {
                if h != 0 {
                    repeated |= one.insert(h, row as u32).is_some();
                }
            }
            match RowsByHash::distinct(&keys) {
                None => prop_assert!(repeated),
                Some(rows) => {
                    prop_assert!(!repeated);
                    // `same` turns down the pairs whose sum `odd` divides: the caller's
                    // text check, which a row found by hash may still fail.
                    let same = |i: usize, row: usize| !((i + row) as u64).is_multiple_of(odd + 1);
                    let found = rows.find(&asked, same);
                    let expected: Vec<Option<u32>> = asked
                        .iter()
                        .enumerate()
                        .map(|(i, h)| one.get(h).copied().filter(|&r| same(i, r as usize)))
                        .collect();
                    prop_assert_eq!(found, expected);
                }
            }
        }
    }

    #[test]
    fn rows_by_hash_across_many_chunks() {
        let n = 3 * DEAL_CHUNK + 17;
        let keys: Vec<u64> = (0..n as u64).map(|i| fx(i).max(1)).collect();
        let rows = RowsByHash::distinct(&keys).expect("distinct hashes");
        let asked: Vec<u64> = keys.iter().rev().copied().chain([0, 12345]).collect();
        let found = rows.find(&asked, |_, _| true);
        assert!((0..n).all(|i| found[i] == Some((n - 1 - i) as u32)));
        assert_eq!(&found[n..], &[None, None]);
        let mut twice = keys.clone();
        twice.push(keys[DEAL_CHUNK + 5]);
        assert!(RowsByHash::distinct(&twice).is_none());
    }
}
