//! What callers hand identity resolution: a registry row ([`RegistryEntry`]) with its
//! place ([`Places`]), a death-list row ([`DeathEntry`]), an official ([`OfficialEntry`]).

use fundaudit_core::cells::Day;

use crate::idcard;
use crate::normalize::NormName;

/// One registry (花名册) row, prepared for matching. A province holds ten million of
/// these for the whole night, so each is kept small: its short texts inline (a
/// beneficiary id, an ID number, a card number and a name each fit in 24 bytes, where a
/// `String` would add an allocation), places shared ([`Places`]). See
/// [`RegistryEntry::bytes`].
#[derive(Debug, Clone)]
pub struct RegistryEntry {
    pub beneficiary_id: Text,
    pub raw_name: Text,
    pub name: NormName,
    /// Upper-cased, spaces removed.
    pub id_number: Text,
    /// Birth date read from the ID number even when its check digit is wrong: a typo in
    /// the sequence digits does not move the birth date.
    pub birth: Option<Day>,
    pub id_problem: Option<idcard::IdProblem>,
    /// Shared by everyone of the township (or village): a province has ten million
    /// entries and a few thousand places (see [`Places`]).
    pub township: std::sync::Arc<str>,
    pub village: std::sync::Arc<str>,
    pub bank_account: Text,
    pub death_date: Option<Day>,
    /// Line in beneficiaries.csv, for the drill-down.
    pub line: u32,
}

/// A short text held inline up to 24 bytes (see [`RegistryEntry`]).
pub type Text = compact_str::CompactString;

impl RegistryEntry {
    /// The bytes the entry takes: itself and what it points to alone (its places are
    /// shared). Heap blocks are counted as asked for; the allocator rounds them up to its
    /// size classes.
    pub fn bytes(&self) -> usize {
        let heap = |t: &Text| {
            if t.is_heap_allocated() {
                t.capacity()
            } else {
                0
            }
        };
        std::mem::size_of::<RegistryEntry>()
            + heap(&self.beneficiary_id)
            + heap(&self.raw_name)
            + heap(&self.id_number)
            + heap(&self.bank_account)
            + self.name.heap_bytes()
    }
}

/// One shared copy of each place name: registry entries point at it instead of holding
/// their own (a `String` per entry is about 50 bytes for a name of five characters).
#[derive(Debug, Default)]
pub struct Places(rustc_hash::FxHashMap<Box<str>, std::sync::Arc<str>>);

impl Places {
    /// The places among `names`, each once.
    pub fn of<'a>(names: impl IntoIterator<Item = &'a str>) -> Places {
        let mut places = Places::default();
        for n in names {
            if !places.0.contains_key(n) {
                places.0.insert(n.into(), n.into());
            }
        }
        places
    }

    /// The shared copy of `name` (a new one if it was not among the names given).
    pub fn get(&self, name: &str) -> std::sync::Arc<str> {
        self.0.get(name).cloned().unwrap_or_else(|| name.into())
    }
}

/// One civil-affairs death record.
#[derive(Debug, Clone)]
pub struct DeathEntry {
    pub raw_name: String,
    pub name: NormName,
    pub id_number: String,
    pub death_date: Day,
    pub birth: Option<Day>,
    pub township: String,
    pub village: String,
    pub line: usize,
}

/// One public-payroll or village-cadre record.
#[derive(Debug, Clone)]
pub struct OfficialEntry {
    pub raw_name: String,
    pub name: NormName,
    pub id_number: String,
    pub unit: String,
    pub role: String,
    pub line: usize,
}
