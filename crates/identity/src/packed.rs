//! Registry records packed once into fixed width, so the comparison kernel touches no
//! UTF-8 and allocates nothing. Names and places are packed once per distinct value and
//! records point at them: a province repeats 张伟 and 城关镇 millions of times.

use rustc_hash::FxHashMap;

use super::idcard;
use super::similarity::{jaro_winkler, NameParts};
use crate::normalize::NormName;
use fundaudit_core::cells::Day;
use fundaudit_core::hash::fx;

/// Characters of a name kept for comparison; longer names (rare transliterations) are
/// compared on their first `NAME_LEN` characters.
pub const NAME_LEN: usize = 12;
/// Letters of a name's romanisation kept (pinyin of 12 syllables fits).
pub const ROMAN_LEN: usize = 40;
const MAX_TOKENS: usize = 4;
const VILLAGE_LEN: usize = 10;
pub(crate) const NO_BIRTH: Day = Day::MIN;

/// A normalised name in fixed width.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PackedName {
    /// Hash of the romanisation: homophones, and a Han name and its Latin spelling,
    /// share it (the sound block key).
    pub sound_key: u64,
    /// Hash of the romanisation's letters sorted: parts in another order share it.
    pub anagram_key: u64,
    /// Hash of the four-corner codes, for all-Han names (0 otherwise): look-alikes.
    pub shape_key: u64,
    pub han: bool,
    pub latin: bool,
    pub len: u8,
    pub roman_len: u8,
    pub tokens: u8,
    pub token_ends: [u16; MAX_TOKENS],
    pub chars: [u16; NAME_LEN],
    pub syllables: [u16; NAME_LEN],
    pub shapes: [u32; NAME_LEN],
    pub roman: [u8; ROMAN_LEN],
}

impl PackedName {
    pub fn new(name: &NormName) -> PackedName {
        let len = name.chars().len().min(NAME_LEN);
        let mut chars = [0u16; NAME_LEN];
        let mut syllables = [0u16; NAME_LEN];
        let mut shapes = [0u32; NAME_LEN];
        for i in 0..len {
            let c = name.chars()[i] as u32;
            // Characters beyond the BMP (rare in names) fold into a private range.
            chars[i] = if c <= 0xffff {
                c as u16
            } else {
                0xf000 | (c & 0x0fff) as u16
            };
            syllables[i] = name.syllables()[i];
            shapes[i] = name.shapes()[i];
        }
        let full = name.pinyin_str().as_bytes();
        let roman_len = full.len().min(ROMAN_LEN);
        let mut roman = [0u8; ROMAN_LEN];
        roman[..roman_len].copy_from_slice(&full[..roman_len]);
        let mut token_ends = [0u16; MAX_TOKENS];
        let ends = name.token_ends();
        let tokens = if ends.len() <= MAX_TOKENS {
            for (slot, &e) in token_ends.iter_mut().zip(ends) {
                *slot = e.min(roman_len as u16);
            }
            ends.len()
        } else {
            // More parts than are worth reordering: one part.
            token_ends[0] = roman_len as u16;
            1
        };
        let mut letters = full.to_vec();
        letters.sort_unstable();
        let han = name.is_han();
        PackedName {
            sound_key: fx(full),
            anagram_key: fx((7u8, letters)),
            shape_key: if han && name.shapes().iter().all(|&s| s != 0) {
                fx(name
                    .shapes()
                    .iter()
                    .map(|&s| super::glyph::corner(s))
                    .collect::<Vec<_>>())
            } else {
                0
            },
            han,
            latin: name.is_latin(),
            len: len as u8,
            roman_len: roman_len as u8,
            tokens: tokens as u8,
            token_ends,
            chars,
            syllables,
            shapes,
            roman,
        }
    }

    pub fn parts(&self) -> NameParts<'_, u16> {
        let len = self.len as usize;
        NameParts {
            chars: &self.chars[..len],
            syllables: &self.syllables[..len],
            shapes: &self.shapes[..len],
            roman: &self.roman[..self.roman_len as usize],
            token_ends: &self.token_ends[..self.tokens as usize],
            han: self.han,
            latin: self.latin,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// A township and village, interned; index 0 of a registry's places is "unknown".
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Place {
    /// Interned township (0: unknown).
    pub township: u32,
    pub len: u8,
    pub village: [u16; VILLAGE_LEN],
}

impl Place {
    pub fn new(township: u32, village: &str) -> Place {
        let mut chars = [0u16; VILLAGE_LEN];
        let mut len = 0;
        for c in village.chars().filter(|c| !c.is_whitespace()) {
            if len == VILLAGE_LEN {
                break;
            }
            chars[len] = (c as u32 & 0xffff) as u16;
            len += 1;
        }
        Place {
            township,
            len: len as u8,
            village: chars,
        }
    }

    /// Village names a typo apart (新庄村/新庄材, new farm/new fam).
    pub fn village_alike(&self, other: &Place) -> bool {
        let (a, b) = (
            &self.village[..self.len as usize],
            &other.village[..other.len as usize],
        );
        !a.is_empty() && !b.is_empty() && jaro_winkler(a, b) >= VILLAGE_ALIKE
    }
}

/// Jaro-Winkler at which two village names in one township are taken as one village.
pub const VILLAGE_ALIKE: f64 = 0.88;

/// One registry record, packed for matching (48 bytes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Person {
    /// The 18 characters of the ID number as nibbles, character i at bits 4i..4i+4
    /// ('X' is 10): digit differences are one XOR and a popcount.
    pub id: u128,
    pub birth: Day,
    /// Index into the registry's places (0: unknown).
    pub place: u32,
    /// Index into the registry's names.
    pub name: u32,
    /// The name's sound key, copied from it (0: no name): most block keys need it, and
    /// reading it here spares a cache miss into the names per record and family. It
    /// fits in the struct's padding.
    pub sound: u64,
    /// Hash of the bank account (0: none).
    pub account: u64,
    pub has_id: bool,
}

/// Nibble masks over the ID number: region (1–6), birth date (7–14), sequence (15–17).
const fn nibbles(from: usize, to: usize) -> u128 {
    let mut m = 0u128;
    let mut i = from;
    while i < to {
        m |= 0xf << (4 * i);
        i += 1;
    }
    m
}
pub(crate) const REGION: u128 = nibbles(0, 6);
pub(crate) const BIRTH: u128 = nibbles(6, 14);
pub(crate) const SEQ: u128 = nibbles(14, 17);
pub(crate) const BODY: u128 = nibbles(0, 17);
const LOW_BITS: u128 = 0x1111_1111_1111_1111_1111_1111_1111_1111;

/// Positions (as a nibble mask) in which two packed ID numbers differ.
pub(crate) fn differing(a: u128, b: u128) -> u128 {
    let x = a ^ b;
    (x | x >> 1 | x >> 2 | x >> 3) & LOW_BITS
}

impl Person {
    pub fn new(
        name: u32,
        packed: &PackedName,
        id_number: &str,
        place: u32,
        account: &str,
    ) -> Person {
        let b = id_number.as_bytes();
        let ok = b.len() == 18
            && b[..17].iter().all(u8::is_ascii_digit)
            && (b[17].is_ascii_digit() || b[17] == b'X' || b[17] == b'x');
        let id = if ok {
            b.iter().enumerate().fold(0u128, |acc, (i, &c)| {
                let v = if c.is_ascii_digit() { c - b'0' } else { 10 };
                acc | (u128::from(v) << (4 * i))
            })
        } else {
            0
        };
        Person {
            id,
            birth: idcard::birth_day(id_number).unwrap_or(NO_BIRTH),
            place,
            name,
            sound: if packed.is_empty() {
                0
            } else {
                packed.sound_key.max(1)
            },
            account: if account.is_empty() {
                0
            } else {
                fx(account).max(1)
            },
            has_id: ok,
        }
    }

    pub fn has_birth(&self) -> bool {
        self.birth != NO_BIRTH
    }
}

/// A registry packed for matching: records, and the names and places they point at.
#[derive(Debug, Clone, Default)]
pub struct PackedRegistry {
    pub people: Vec<Person>,
    pub names: Vec<PackedName>,
    /// Index 0 is the unknown place.
    pub places: Vec<Place>,
}

impl PackedRegistry {
    pub fn name(&self, row: usize) -> &PackedName {
        &self.names[self.people[row].name as usize]
    }

    pub fn place(&self, row: usize) -> &Place {
        &self.places[self.people[row].place as usize]
    }

    pub fn len(&self) -> usize {
        self.people.len()
    }

    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }
}

/// Builds a [`PackedRegistry`] one record at a time (a county's registry; the
/// province-scale `dedup` command packs in parallel instead).
#[derive(Default)]
pub struct RegistryBuilder {
    registry: PackedRegistry,
    names: FxHashMap<Box<[char]>, u32>,
    townships: FxHashMap<String, u32>,
    places: FxHashMap<(u32, String), u32>,
}

impl RegistryBuilder {
    pub fn new() -> RegistryBuilder {
        let mut b = RegistryBuilder::default();
        b.registry.places.push(Place::default());
        b
    }

    pub fn push(
        &mut self,
        name: &NormName,
        id_number: &str,
        township: &str,
        village: &str,
        account: &str,
    ) {
        let names = &mut self.registry.names;
        let name_index = *self.names.entry(name.chars().into()).or_insert_with(|| {
            names.push(PackedName::new(name));
            (names.len() - 1) as u32
        });
        let place = self.place(township, village);
        let packed = &self.registry.names[name_index as usize];
        self.registry
            .people
            .push(Person::new(name_index, packed, id_number, place, account));
    }

    /// Interns a place; an empty village is unknown, whatever the township.
    pub fn place(&mut self, township: &str, village: &str) -> u32 {
        if village.trim().is_empty() {
            return 0;
        }
        let next_township = self.townships.len() as u32 + 1;
        let t = if township.trim().is_empty() {
            0
        } else {
            *self
                .townships
                .entry(township.to_string())
                .or_insert(next_township)
        };
        let places = &mut self.registry.places;
        *self
            .places
            .entry((t, village.to_string()))
            .or_insert_with(|| {
                places.push(Place::new(t, village));
                (places.len() - 1) as u32
            })
    }

    pub fn finish(self) -> PackedRegistry {
        self.registry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_digits_differ_by_nibble() {
        let name = PackedName::new(&NormName::new("张伟"));
        let a = Person::new(0, &name, "41162319800304123X", 0, "");
        let b = Person::new(0, &name, "411623198003041244", 0, "");
        assert!(a.has_id && b.has_id);
        assert_eq!(differing(a.id, b.id).count_ones(), 2);
        assert_eq!((differing(a.id, b.id) & SEQ).count_ones(), 1);
        assert_eq!((differing(a.id, b.id) & BIRTH).count_ones(), 0);
        assert!(!Person::new(0, &name, "4116231980", 0, "").has_id);
        assert_eq!(std::mem::size_of::<Person>(), 48);
    }

    #[test]
    fn village_typos_are_alike() {
        assert!(Place::new(1, "new farm").village_alike(&Place::new(1, "new fam")));
        assert!(!Place::new(1, "东村").village_alike(&Place::new(1, "西村")));
    }
}
