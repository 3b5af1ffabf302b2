//! A registry record packed on its own, for a process that sees some records and never
//! the registry (a cluster's worker, given two records of a candidate pair). Its name is
//! normalised once, where it is read; its other fields stay as the registry row has them,
//! so two records make a two-record registry ([`pair_registry`]) that compares them
//! exactly as the whole registry would, and its block and sort keys
//! ([`super::blocking`]) group records exactly as the registry's do.

use super::packed::{fx, PackedName, PackedRegistry, Person, Place, NAME_LEN, ROMAN_LEN};
use super::{idcard, NormName};

/// One registry row: the name packed, the rest as text.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub name: PackedName,
    /// Normalised as the registry's ([`idcard::normalize_id`]).
    pub id_number: String,
    pub township: String,
    pub village: String,
    pub account: String,
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
        Record {
            name: PackedName::new(&NormName::new(name)),
            id_number: idcard::normalize_id(id_number),
            township: township.to_string(),
            village: village.to_string(),
            account: account.to_string(),
        }
    }

    /// The record as a registry's row 0 of name 0, at `place` (0: unknown).
    pub fn person(&self, place: u32) -> Person {
        Person::new(0, &self.name, &self.id_number, place, &self.account)
    }

    /// Whether the registry would give the record a place (it needs a village).
    pub fn has_place(&self) -> bool {
        !self.village.trim().is_empty()
    }

    /// The township as the registry interns it: none when blank.
    fn township_known(&self) -> Option<&str> {
        (!self.township.trim().is_empty()).then_some(self.township.as_str())
    }

    /// Equal for two records exactly when a registry gives them one place index (0:
    /// unknown). Stands in for that index in block keys.
    pub fn place_key(&self) -> u64 {
        if !self.has_place() {
            return 0;
        }
        fx((self.township_known().unwrap_or(""), self.village.as_str())).max(1)
    }

    /// Equal for two records exactly when a registry gives their places one township
    /// (0: unknown place or township): the groups of the within-township name-order pass.
    pub fn township_key(&self) -> u64 {
        match self.township_known() {
            Some(t) if self.has_place() => fx(t).max(1),
            _ => 0,
        }
    }

    /// The record's place as a registry holds it, its township numbered `township`.
    pub fn place(&self, township: u32) -> Place {
        if self.has_place() {
            Place::new(township, &self.village)
        } else {
            Place::default()
        }
    }

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
        for text in [
            &self.id_number,
            &self.township,
            &self.village,
            &self.account,
        ] {
            let bytes = text.as_bytes();
            let len = bytes.len().min(u16::MAX as usize);
            out.extend_from_slice(&(len as u16).to_le_bytes());
            out.extend_from_slice(&bytes[..len]);
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
        let mut text = || -> Option<String> {
            let len = r.u16()? as usize;
            String::from_utf8(r.take(len)?.to_vec()).ok()
        };
        let record = Record {
            name,
            id_number: text()?,
            township: text()?,
            village: text()?,
            account: text()?,
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
    let same_township = a.township_known() == b.township_known();
    let township = |r: &Record, first: bool| match r.township_known() {
        None => 0,
        Some(_) if first || same_township => 1,
        Some(_) => 2,
    };
    let (ta, tb) = (township(a, true), township(b, false));
    let mut places = vec![Place::default()];
    let pa = if a.has_place() {
        places.push(a.place(ta));
        1
    } else {
        0
    };
    let pb = if !b.has_place() {
        0
    } else if pa == 1 && ta == tb && a.village == b.village {
        1
    } else {
        places.push(b.place(tb));
        places.len() as u32 - 1
    };
    PackedRegistry {
        people: vec![
            Person::new(0, &a.name, &a.id_number, pa, &a.account),
            Person::new(1, &b.name, &b.id_number, pb, &b.account),
        ],
        names: vec![a.name, b.name],
        places,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::identity::blocking::{BlockKey, Neighbourhood, NAME_BITS};
    use crate::identity::model::compare;
    use crate::identity::RegistryBuilder;
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
            let whole = compare(&registry, 1, 2, count, &config);
            let alone = crate::identity::model::compare_in(&pair, &pair.people[0], &pair.people[1], count, registry.len(), &config);
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
