//! Candidate pairs: which records are compared at all. Each family of block keys yields
//! at most one key per record; records sharing a key form a block and are compared
//! pairwise. No family needs the ID number alone, so a registration without one, or
//! with a badly mangled one, still meets its twin by name sound and village, by name
//! sound and birth date, or as a neighbour in name order within its township. Never the
//! surname alone: 王, 李 and 张 are 7% of people each.

use super::packed::{fx, PackedRegistry, Person, BODY, REGION, SEQ};

/// The block key families.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKey {
    /// The ID number's first 17 characters (a wrong check character still meets).
    IdNumber,
    /// Birth date, township and village: a registrar's name variant.
    BirthPlace,
    /// The name's sound and the birth date: an ID typo outside the birth date.
    SoundBirth,
    /// The name's sound, region and sequence digits: an ID typo in the birth date.
    SoundRegionSeq,
    /// The name's sound and the village's name: no ID number, or one mangled beyond
    /// the rest.
    SoundPlace,
    /// The name's letters in any order and the village's name: parts reordered.
    AnagramPlace,
    /// The name's four-corner codes and the village's name: look-alike characters.
    ShapePlace,
    /// The bank account.
    Account,
}

impl BlockKey {
    pub const ALL: [BlockKey; 8] = [
        BlockKey::IdNumber,
        BlockKey::BirthPlace,
        BlockKey::SoundBirth,
        BlockKey::SoundRegionSeq,
        BlockKey::SoundPlace,
        BlockKey::AnagramPlace,
        BlockKey::ShapePlace,
        BlockKey::Account,
    ];

    pub fn key(self, reg: &PackedRegistry, p: &Person) -> Option<u64> {
        let name = &reg.names[p.name as usize];
        let named = !name.is_empty();
        // The village by its name alone: a township mistyped (or missing) on one
        // record must not keep two registrations of one person apart.
        let village = || {
            let place = &reg.places[p.place as usize];
            fx(&place.village[..place.len as usize])
        };
        match self {
            BlockKey::IdNumber => p.has_id.then(|| fx((0u8, p.id & BODY))),
            BlockKey::BirthPlace => {
                (p.has_birth() && p.place != 0).then(|| fx((1u8, p.birth, p.place)))
            }
            BlockKey::SoundBirth => {
                (named && p.has_birth()).then(|| fx((2u8, p.birth, name.sound_key)))
            }
            BlockKey::SoundRegionSeq => {
                (named && p.has_id).then(|| fx((3u8, p.id & (REGION | SEQ), name.sound_key)))
            }
            BlockKey::SoundPlace => {
                (named && p.place != 0).then(|| fx((4u8, village(), name.sound_key)))
            }
            BlockKey::AnagramPlace => (named && name.tokens > 1 && p.place != 0)
                .then(|| fx((5u8, village(), name.anagram_key))),
            BlockKey::ShapePlace => {
                (name.shape_key != 0 && p.place != 0).then(|| fx((6u8, village(), name.shape_key)))
            }
            BlockKey::Account => (p.account != 0).then(|| fx((7u8, p.account))),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            BlockKey::IdNumber => "ID number",
            BlockKey::BirthPlace => "birth date + village",
            BlockKey::SoundBirth => "name sound + birth date",
            BlockKey::SoundRegionSeq => "name sound + ID region and sequence",
            BlockKey::SoundPlace => "name sound + village",
            BlockKey::AnagramPlace => "name letters in any order + village",
            BlockKey::ShapePlace => "name shape + village",
            BlockKey::Account => "bank account",
        }
    }
}

/// Records compared with their neighbours in name order within a township: typos that
/// change the sound (a dropped letter, a transposition) leave two spellings next to each
/// other when sorted from the front or from the back.
pub const NEIGHBOURHOOD_WINDOW: usize = 4;

/// The sorted-neighbourhood passes: in name order within each township, in name order
/// read from the end within each township, and in name order everywhere (a township or
/// village mistyped on one record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Neighbourhood {
    Township,
    TownshipReversed,
    Everywhere,
}

impl Neighbourhood {
    pub const ALL: [Neighbourhood; 3] = [
        Neighbourhood::Township,
        Neighbourhood::TownshipReversed,
        Neighbourhood::Everywhere,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Neighbourhood::Township => "name order, within township",
            Neighbourhood::TownshipReversed => "name order from the end, within township",
            Neighbourhood::Everywhere => "name order, everywhere",
        }
    }

    /// Whether two sort keys may be compared (the township passes stay inside one).
    pub fn comparable(self, a: u128, b: u128) -> bool {
        self == Neighbourhood::Everywhere || a >> 96 == b >> 96
    }
}

/// Sort keys for a sorted-neighbourhood pass: township (or, everywhere, nothing), then
/// the first (or, reversed, the last) twelve letters of the romanised name, and
/// everywhere the village name's hash after them, so namesakes of one village sit
/// together.
pub fn neighbourhood_keys(reg: &PackedRegistry, pass: Neighbourhood) -> Vec<(u128, u32)> {
    let reversed = pass == Neighbourhood::TownshipReversed;
    use rayon::prelude::*;
    reg.people
        .par_iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let name = &reg.names[p.name as usize];
            if name.is_empty() {
                return None;
            }
            let roman = &name.roman[..name.roman_len as usize];
            let place = &reg.places[p.place as usize];
            let mut letters = 0u128;
            let mut put = |k: usize, c: u8| letters |= u128::from(c) << (88 - 8 * k);
            if reversed {
                roman
                    .iter()
                    .rev()
                    .take(12)
                    .enumerate()
                    .for_each(|(k, &c)| put(k, c));
            } else {
                roman
                    .iter()
                    .take(12)
                    .enumerate()
                    .for_each(|(k, &c)| put(k, c));
            }
            let key = if pass == Neighbourhood::Everywhere {
                (letters << 32) | u128::from(fx(&place.village[..place.len as usize]) as u32)
            } else {
                (u128::from(place.township) << 96) | letters
            };
            Some((key, i as u32))
        })
        .collect()
}
