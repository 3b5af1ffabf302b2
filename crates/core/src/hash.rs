//! One fast, non-cryptographic hash for keys every layer buckets by: names, places,
//! accounts, partition keys. Fx is deterministic across runs and machines (no random
//! seed), so a key's bucket is the same on every night and on every cluster executor.

use std::hash::{BuildHasher, Hash};

use rustc_hash::FxBuildHasher;

/// The 64-bit Fx hash of `value`.
pub fn fx<T: Hash>(value: T) -> u64 {
    FxBuildHasher.hash_one(value)
}
