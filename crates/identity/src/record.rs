//! A registry record packed on its own, for a process that sees some records and never
//! the registry (a cluster's worker, given two records of a candidate pair). It is
//! normalised and packed once, where it is read, as a registry packs its rows; its place
//! stands for itself by a hash of its text instead of a registry's index. Two records
//! make a two-record registry ([`pair_registry`]) that compares them exactly as the whole
//! registry would, and its block and sort keys ([`super::blocking`]) group records
//! exactly as the registry's do (property-tested below).

/// The bits of a record's block key that say its family.
pub const FAMILY_BITS: u64 = 0xf;

use super::blocking::BlockKey;
use super::idcard;
use super::packed::{PackedName, PackedRegistry, Person, Place, NAME_LEN, ROMAN_LEN};
use crate::normalize::NormName;
use fundaudit_core::hash::fx;

/// One registry row, packed as a registry packs it, but pointing at no registry: its
/// place stands for itself ([`Record::place_key`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Record {
    pub name: PackedName,
    /// Name 0, place 1 when it has one (0: unknown).
    person: Person,
    /// The village; township 0 until a registry numbers it ([`pair_registry`]).
    place: Place,
    place_key: u64,
    township_key: u64,
}

impl Record {
    /// The record of a beneficiaries row, normalised as the registry normalises it.
    pub fn new(
        name: &str,
        id_number: &str,
        township: &str,
        village: &str,
        account: &str,
    ) -> Record {
        let name = PackedName::new(&NormName::new(name));
        let id_number = idcard::normalize_id(id_number);
        // As `RegistryBuilder::place`: a place needs a village; a blank township is
        // unknown.
        let has_place = !village.trim().is_empty();
        let township = (!township.trim().is_empty()).then_some(township);
        Record {
            name,
            person: Person::new(0, &name, &id_number, u32::from(has_place), account),
            place: if has_place {
                Place::new(0, village)
            } else {
                Place::default()
            },
            place_key: if has_place {
                fx((township.unwrap_or(""), village)).max(1)
            } else {
                0
            },
            township_key: match township {
                Some(t) if has_place => fx(t).max(1),
                _ => 0,
            },
        }
    }

    /// The record as a registry's row of name 0 at `place` (0: unknown).
    pub fn person(&self, place: u32) -> Person {
        Person {
            place,
            ..self.person
        }
    }

    /// Equal for two records exactly when a registry gives them one place index (0:
    /// unknown). Stands in for that index in block keys.
    pub fn place_key(&self) -> u64 {
        self.place_key
    }

    /// Equal for two records exactly when a registry gives their places one township
    /// (0: unknown place or township): the groups of the within-township name-order pass.
    pub fn township_key(&self) -> u64 {
        self.township_key
    }

    /// The record's place as a registry holds it, its township numbered `township`.
    pub fn place(&self, township: u32) -> Place {
        Place {
            township,
            ..self.place
        }
    }

    /// The record's key in each block family ([`BlockKey::ALL`]), the family in the
    /// low [`FAMILY_BITS`] so keys of two families never meet; None where it has none.
    pub fn block_keys(&self) -> [Option<u64>; BlockKey::ALL.len()] {
        let mut keys = [None; BlockKey::ALL.len()];
        for (f, family) in BlockKey::ALL.iter().enumerate() {
            keys[f] = family
                .key_at(&self.person, &self.name, self.place_key)
                .map(|k| (k & !FAMILY_BITS) | f as u64);
        }
        keys
    }

    /// Fixed fields, no text: a worker decodes a record per candidate pair, so decoding
    /// allocates and parses nothing.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let n = &self.name;
        for key in [n.sound_key, n.anagram_key, n.shape_key] {
            out.extend_from_slice(&key.to_le_bytes());
        }
        out.extend_from_slice(&[n.han as u8, n.latin as u8, n.len, n.roman_len, n.tokens]);
        let (len, tokens) = (n.len as usize, n.tokens as usize);
        for v in &n.token_ends[..tokens] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in n.chars[..len].iter().chain(&n.syllables[..len]) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in &n.shapes[..len] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&n.roman[..n.roman_len as usize]);
        let p = &self.person;
        out.extend_from_slice(&p.id.to_le_bytes());
        out.extend_from_slice(&p.birth.to_le_bytes());
        out.extend_from_slice(&p.place.to_le_bytes());
        for v in [p.sound, p.account, self.place_key, self.township_key] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.push(p.has_id as u8);
        out.push(self.place.len);
        for v in &self.place.village[..self.place.len as usize] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }

    /// A record [`Record::encode`] wrote; None for anything else.
    pub fn decode(bytes: &[u8]) -> Option<Record> {
        let mut r = Reader(bytes);
        let mut name = PackedName {
            sound_key: r.u64()?,
            anagram_key: r.u64()?,
            shape_key: r.u64()?,
            han: r.u8()? != 0,
            latin: r.u8()? != 0,
            len: r.u8()?,
            roman_len: r.u8()?,
            tokens: r.u8()?,
            token_ends: [0; 4],
            chars: [0; NAME_LEN],
            syllables: [0; NAME_LEN],
            shapes: [0; NAME_LEN],
            roman: [0; ROMAN_LEN],
        };
        let (len, tokens) = (name.len as usize, name.tokens as usize);
        if len > NAME_LEN || tokens > name.token_ends.len() || name.roman_len as usize > ROMAN_LEN {
            return None;
        }
        for slot in &mut name.token_ends[..tokens] {
            *slot = r.u16()?;
        }
        for slot in name.chars[..len].iter_mut() {
            *slot = r.u16()?;
        }
        for slot in name.syllables[..len].iter_mut() {
            *slot = r.u16()?;
        }
        for slot in name.shapes[..len].iter_mut() {
            *slot = r.u32()?;
        }
        let roman = r.take(name.roman_len as usize)?;
        name.roman[..roman.len()].copy_from_slice(roman);
        let id = u128::from_le_bytes(r.take(16)?.try_into().ok()?);
        let birth = i32::from_le_bytes(r.take(4)?.try_into().ok()?);
        let place_index = r.u32()?;
        let (sound, account, place_key, township_key) = (r.u64()?, r.u64()?, r.u64()?, r.u64()?);
        let has_id = r.u8()? != 0;
        let mut place = Place {
            len: r.u8()?,
            ..Place::default()
        };
        if place.len as usize > place.village.len() {
            return None;
        }
        for slot in place.village[..place.len as usize].iter_mut() {
            *slot = r.u16()?;
        }
        let record = Record {
            name,
            person: Person {
                id,
                birth,
                place: place_index,
                name: 0,
                sound,
                account,
                has_id,
            },
            place,
            place_key,
            township_key,
        };
        r.0.is_empty().then_some(record)
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}

/// A registry of the two records (rows 0 and 1), their places and townships numbered
/// as a registry holding both would number them, so every comparison of the two is the
/// whole registry's — except the registry's size, which [`super::model`] takes apart.
pub fn pair_registry(a: &Record, b: &Record) -> PackedRegistry {
    let mut reg = PackedRegistry::default();
    pair_registry_into(&mut reg, a, b);
    reg
}

/// [`pair_registry`] into `reg`, reusing its memory: a worker compares millions of pairs.
pub fn pair_registry_into(reg: &mut PackedRegistry, a: &Record, b: &Record) {
    let ta = u32::from(a.township_key != 0);
    let tb = match b.township_key {
        0 => 0,
        t if t == a.township_key => 1,
        _ => 2,
    };
    reg.places.clear();
    reg.places.push(Place::default());
    let pa = if a.place_key != 0 {
        reg.places.push(a.place(ta));
        1
    } else {
        0
    };
    let pb = if b.place_key == 0 {
        0
    } else if b.place_key == a.place_key {
        1
    } else {
        reg.places.push(b.place(tb));
        reg.places.len() as u32 - 1
    };
    reg.people.clear();
    reg.people.push(Person {
        name: 0,
        place: pa,
        ..a.person
    });
    reg.people.push(Person {
        name: 1,
        place: pb,
        ..b.person
    });
    reg.names.clear();
    reg.names.extend([a.name, b.name]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocking::{BlockKey, Neighbourhood, NAME_BITS};
    use crate::model::compare;
    use crate::packed::RegistryBuilder;
    use fundaudit_core::config::Config;
    use proptest::prelude::*;

    fn arb_record() -> impl Strategy<Value = (String, String, String, String, String)> {
        let pick = |xs: &[&str]| {
            proptest::sample::select(xs.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        };
        (
            pick(&[
                "张伟",
                "張偉",
                "张玮",
                "王芳",
                "Ali Kurban",
                "ALI  KURBAN",
                "",
                "阿依古丽·吐尔逊",
            ]),
            pick(&[
                "411623196003040011",
                "411623196003040012",
                "41162319600304001x",
                "411623197003040011",
                "",
                "4116231960",
            ]),
            pick(&["城关镇", "", " ", "关镇"]),
            pick(&["东村", "东村 ", "", "西村", "东材"]),
            pick(&["6228001", "", "6228002"]),
        )
    }

    proptest! {
        /// A record read back is the record written; anything cut short is refused.
        #[test]
        fn records_round_trip(r in arb_record(), cut in 0usize..200) {
            let record = Record::new(&r.0, &r.1, &r.2, &r.3, &r.4);
            let mut bytes = Vec::new();
            record.encode(&mut bytes);
            prop_assert_eq!(Record::decode(&bytes), Some(record));
            if cut < bytes.len() {
                prop_assert_eq!(Record::decode(&bytes[..cut]), None);
            }
        }

        /// Two records compare, block and sort exactly as in a registry holding them
        /// among others.
        #[test]
        fn a_pair_is_what_the_registry_says(x in arb_record(), y in arb_record(), count in 1u32..50) {
            let config = Config::default();
            let mut builder = RegistryBuilder::new();
            builder.push(&NormName::new("李娜"), "411623199001010022", "别镇", "北村", "");
            for r in [&x, &y] {
                let id = idcard::normalize_id(&r.1);
                builder.push(&NormName::new(&r.0), &id, &r.2, &r.3, &r.4);
            }
            let registry = builder.finish();
            let (a, b) = (Record::new(&x.0, &x.1, &x.2, &x.3, &x.4), Record::new(&y.0, &y.1, &y.2, &y.3, &y.4));
            let pair = pair_registry(&a, &b);
            // Reused memory holds nothing of the pair before.
            let mut reused = pair_registry(&b, &a);
            pair_registry_into(&mut reused, &a, &b);
            prop_assert_eq!(&reused.people, &pair.people);
            prop_assert_eq!(&reused.names, &pair.names);
            prop_assert_eq!(&reused.places, &pair.places);
            let whole = compare(&registry, 1, 2, count, &config);
            let alone = crate::model::compare_in(&pair, &pair.people[0], &pair.people[1], count, registry.len(), &config);
            prop_assert_eq!(whole.levels, alone.levels);
            prop_assert!((whole.score - alone.score).abs() < 1e-12);
            let (p, q) = (&registry.people[1], &registry.people[2]);
            prop_assert_eq!(p.place == q.place, a.place_key() == b.place_key());
            prop_assert_eq!(p.place == 0, a.place_key() == 0);
            let (tp, tq) = (registry.places[p.place as usize].township, registry.places[q.place as usize].township);
            prop_assert_eq!(tp == tq, a.township_key() == b.township_key());
            for family in BlockKey::ALL {
                let in_registry = (family.key(&registry, p), family.key(&registry, q));
                let alone = (
                    family.key_at(&a.person(0), &a.name, a.place_key()),
                    family.key_at(&b.person(0), &b.name, b.place_key()),
                );
                prop_assert_eq!(in_registry.0.is_some(), alone.0.is_some(), "{:?}", family);
                prop_assert_eq!(in_registry.0.is_some() && in_registry.0 == in_registry.1,
                    alone.0.is_some() && alone.0 == alone.1, "{:?}", family);
            }
            for pass in Neighbourhood::ALL {
                let place = &registry.places[p.place as usize];
                let in_registry = pass.name_order(registry.name(1)) | pass.place_order(place);
                let alone = pass.name_order(&a.name) | pass.place_order(&a.place(0));
                match pass {
                    // The township apart (a group of its own, by township_key above).
                    Neighbourhood::TownshipReversed => prop_assert_eq!(in_registry & NAME_BITS, alone),
                    Neighbourhood::Everywhere => prop_assert_eq!(in_registry, alone),
                }
            }
        }
    }
}
