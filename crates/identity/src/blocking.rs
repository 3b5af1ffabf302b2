//! Candidate pairs: which records are compared at all. Each family of block keys yields
//! at most one key per record; records sharing a key form a block and are compared
//! pairwise. No family needs the ID number alone, so a registration without one, or
//! with a badly mangled one, still meets its twin by name sound and village, by name
//! sound and birth date, or as a neighbour in name order within its township. Never the
//! surname alone: 王, 李 and 张 are 7% of people each.

use super::packed::{PackedName, PackedRegistry, Person, Place, BODY, REGION, SEQ};
use fundaudit_core::hash::fx;

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
    /// The name's sound and the village: no ID number, or one mangled beyond the rest.
    /// (The village of its township: village names repeat across a province's
    /// townships, and keyed on the name alone these blocks would grow with the
    /// province. A township mistyped on one record is left to the name-order pass
    /// everywhere, which sorts by name and then village name.)
    SoundPlace,
    /// The name's letters in any order and the village: parts reordered.
    AnagramPlace,
    /// The name's four-corner codes and the village: look-alike characters.
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
        self.key_at(p, &reg.names[p.name as usize], u64::from(p.place))
    }

    /// The key of a record with this name at a place numbered `place` (0: unknown):
    /// any numbering that is equal exactly for equal places blocks alike (a registry's
    /// index, or [`super::record::Record::place_key`] where there is no registry).
    pub fn key_at(self, p: &Person, name: &PackedName, place: u64) -> Option<u64> {
        let named = p.sound != 0;
        match self {
            BlockKey::IdNumber => p.has_id.then(|| fx((0u8, p.id & BODY))),
            BlockKey::BirthPlace => {
                (p.has_birth() && place != 0).then(|| fx((1u8, p.birth, place)))
            }
            BlockKey::SoundBirth => (named && p.has_birth()).then(|| fx((2u8, p.birth, p.sound))),
            BlockKey::SoundRegionSeq => {
                (named && p.has_id).then(|| fx((3u8, p.id & (REGION | SEQ), p.sound)))
            }
            BlockKey::SoundPlace => (named && place != 0).then(|| fx((4u8, place, p.sound))),
            BlockKey::AnagramPlace => {
                (named && place != 0 && name.tokens > 1).then(|| fx((5u8, place, name.anagram_key)))
            }
            BlockKey::ShapePlace => (named && place != 0 && name.shape_key != 0)
                .then(|| fx((6u8, place, name.shape_key))),
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

/// Records compared with their next neighbours in a sorted order: typos that change the
/// sound (a dropped letter, a transposition) leave two spellings next to each other when
/// sorted from the front or from the back.
pub const NEIGHBOURHOOD_WINDOW: usize = 4;

/// The sorted-neighbourhood passes: in name order read from the end within each
/// township (a typo early in the name), and in name order everywhere (a typo late in
/// the name, or a township or village mistyped on one record). Name order from the
/// front within a township is not run: on the Febrl benchmark it found nothing the other
/// two did not, and at ten million records a pass costs over a second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Neighbourhood {
    TownshipReversed,
    Everywhere,
}

impl Neighbourhood {
    pub const ALL: [Neighbourhood; 2] =
        [Neighbourhood::TownshipReversed, Neighbourhood::Everywhere];

    pub fn label(self) -> &'static str {
        match self {
            Neighbourhood::TownshipReversed => "name order from the end, within township",
            Neighbourhood::Everywhere => "name order, everywhere",
        }
    }

    /// Whether two sort keys may be compared (the township pass stays inside one).
    pub fn comparable(self, a: u64, b: u64) -> bool {
        self == Neighbourhood::Everywhere || a >> TOWNSHIP_SHIFT == b >> TOWNSHIP_SHIFT
    }

    /// The name's part of a sort key (within [`NAME_BITS`]): the last nine letters read
    /// backwards, or the first twelve.
    pub fn name_order(self, name: &PackedName) -> u64 {
        let roman = &name.roman[..name.roman_len as usize];
        match self {
            Neighbourhood::TownshipReversed => pack_letters(&mut roman.iter().rev(), 9),
            Neighbourhood::Everywhere => pack_letters(&mut roman.iter(), KEY_LETTERS) << 4,
        }
    }

    /// The place's part of a sort key: the township's low 16 bits above the name's, or
    /// four bits of the village name's hash below it.
    pub fn place_order(self, place: &Place) -> u64 {
        match self {
            Neighbourhood::TownshipReversed => u64::from(place.township & 0xffff) << TOWNSHIP_SHIFT,
            Neighbourhood::Everywhere => fx(&place.village[..place.len as usize]) & 0xf,
        }
    }
}

/// The bits of a within-township sort key the name fills (the township's lie above).
pub const NAME_BITS: u64 = (1 << TOWNSHIP_SHIFT) - 1;

fn pack_letters(letters: &mut dyn Iterator<Item = &u8>, n: usize) -> u64 {
    let mut key = 0u64;
    for _ in 0..n {
        key = (key << 5) | letters.next().map_or(0, |&c| letter(c));
    }
    key
}

/// Letters of the romanised name in a sort key, five bits each (a–z as 1–26, anything
/// else as 27–31), so a key is one u64: ten million (u64, row) pairs sort in 16 bytes
/// each.
const KEY_LETTERS: usize = 12;
const TOWNSHIP_SHIFT: u32 = 48;

fn letter(c: u8) -> u64 {
    match c {
        b'a'..=b'z' => u64::from(c - b'a' + 1),
        _ => 27 + u64::from(c % 5),
    }
}

/// Sort keys for a sorted-neighbourhood pass. Within a township: the township's low 16
/// bits, then the last nine letters of the name read backwards. Everywhere: the first
/// twelve letters, then four bits of the village name's hash, so namesakes of one
/// village sit together.
pub fn neighbourhood_keys(reg: &PackedRegistry, pass: Neighbourhood) -> Vec<(u64, u32)> {
    use rayon::prelude::*;
    // The name part once per distinct name: a table small enough to stay in cache,
    // where reading each record's name would be a cache miss per record.
    let by_name: Vec<u64> = reg.names.par_iter().map(|n| pass.name_order(n)).collect();
    let by_place: Vec<u64> = reg.places.iter().map(|p| pass.place_order(p)).collect();
    reg.people
        .par_iter()
        .enumerate()
        .filter(|(_, p)| p.sound != 0)
        .map(|(i, p)| {
            (
                by_name[p.name as usize] | by_place[p.place as usize],
                i as u32,
            )
        })
        .collect()
}
