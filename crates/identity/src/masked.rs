//! Posted lists (公示名单) print ID numbers masked — `4116**********123X`,
//! `411623********1234` — so a row is matched to the registry by the digits it shows
//! *and* the name (and the village when given), never by a name alone where the registry
//! holds it more than once: in a county a common name is held by hundreds, and a posted
//! row pinned to the wrong 张伟 would accuse a stranger. A row that fits two registered
//! people is ambiguous and says so.

use rustc_hash::FxHashMap;

use crate::normalize::normalize_name;

/// Characters that stand for a hidden digit on a posted list.
fn is_mask(c: char) -> bool {
    matches!(
        c,
        '*' | '＊' | '×' | '?' | '？' | '#' | '●' | '○' | '•' | '·' | '_'
    )
}

/// An ID number as posted: the digits it shows, by position (18 positions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskedId {
    shown: [Option<u8>; 18],
}

impl MaskedId {
    /// Reads a posted ID number: 18 positions of digits, `X` (the check character) or
    /// mask characters; full-width forms and spaces are tolerated. None when it is not
    /// 18 positions long or holds anything else (then the row is matched by name only
    /// where the name is unique, see [`MaskedIndex::find`]).
    pub fn parse(raw: &str) -> Option<MaskedId> {
        // As most lists write it: 18 ASCII characters, read by byte.
        if raw.len() == 18 && raw.is_ascii() {
            let mut shown = [None; 18];
            for (n, (s, &b)) in shown.iter_mut().zip(raw.as_bytes()).enumerate() {
                *s = match b {
                    b'0'..=b'9' => Some(b),
                    b'X' | b'x' if n == 17 => Some(b'X'),
                    b if is_mask(b as char) => None,
                    _ => return None,
                };
            }
            return Some(MaskedId { shown });
        }
        let mut shown = [None; 18];
        let mut n = 0;
        for c in raw.chars().filter(|c| !c.is_whitespace()) {
            let c = match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32)?,
                'Ｘ' | 'ｘ' => 'X',
                c => c,
            };
            if n == 18 {
                return None;
            }
            shown[n] = match c {
                '0'..='9' => Some(c as u8),
                'X' | 'x' if n == 17 => Some(b'X'),
                c if is_mask(c) => None,
                _ => return None,
            };
            n += 1;
        }
        (n == 18).then_some(MaskedId { shown })
    }

    /// How many positions are shown.
    pub fn visible(&self) -> usize {
        self.shown.iter().filter(|d| d.is_some()).count()
    }

    /// Whether the full ID number `id` shows these digits where they are shown.
    pub fn fits(&self, id: &str) -> bool {
        let id = id.as_bytes();
        id.len() == 18
            && self
                .shown
                .iter()
                .zip(id)
                .all(|(s, c)| s.is_none_or(|s| s == c.to_ascii_uppercase()))
    }
}

/// What a posted row matched in the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    /// One registered person (a registry row).
    One(usize),
    /// More than one fits: the rows, for the finding to say so.
    Ambiguous(Vec<usize>),
    /// No one registered fits.
    NoOne,
}

/// The registry by normalised name, to match posted rows. A province's lists post a
/// million rows: names are numbered once, and lookups hash numbers and borrowed text.
pub struct MaskedIndex<'a> {
    /// Name → its number and the rows that hold it.
    by_name: FxHashMap<String, (u32, Vec<usize>)>,
    /// The same rows by name and village: a posted row looks among its village's
    /// holders of the name, not a county's hundreds of 王芳.
    by_village: FxHashMap<(u32, &'a str), Vec<usize>>,
    ids: Vec<&'a str>,
}

/// Fewest shown digits of the sequence and check part (positions 15–18) or of the
/// birth date (7–14) for the digits alone to tell people of one name apart; below that
/// a masked ID is treated as no ID at all.
const MIN_SHOWN: usize = 3;

impl<'a> MaskedIndex<'a> {
    /// `people`: each registry row's (name, ID number, village), in registry order.
    pub fn new(people: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>) -> MaskedIndex<'a> {
        MaskedIndex::new_normalized(
            people
                .into_iter()
                .map(|(name, id, village)| (normalize_name(name), id, village)),
        )
    }

    /// [`MaskedIndex::new`] of names already [`normalize_name`]d (the registry holds
    /// them so).
    pub fn new_normalized(
        people: impl IntoIterator<Item = (String, &'a str, &'a str)>,
    ) -> MaskedIndex<'a> {
        let mut by_name: FxHashMap<String, (u32, Vec<usize>)> = FxHashMap::default();
        let mut by_village: FxHashMap<(u32, &'a str), Vec<usize>> = FxHashMap::default();
        let mut ids = Vec::new();
        for (row, (key, id, village)) in people.into_iter().enumerate() {
            let next = by_name.len() as u32;
            let (n, rows) = by_name.entry(key).or_insert_with(|| (next, Vec::new()));
            rows.push(row);
            by_village
                .entry((*n, village.trim()))
                .or_default()
                .push(row);
            ids.push(id);
        }
        MaskedIndex {
            by_name,
            by_village,
            ids,
        }
    }

    /// The registry rows a posted row (name, masked ID as posted, village if posted)
    /// can be: those of the same name whose ID number shows the posted digits, in the
    /// posted village when one is given. Without usable digits (none posted,
    /// unreadable, or fewer than [`MIN_SHOWN`] beyond the region code) only a name the
    /// registry holds once matches.
    pub fn find(&self, name: &str, masked: Option<&str>, village: Option<&str>) -> Posted {
        self.find_normalized(&normalize_name(name), masked, village)
    }

    /// [`MaskedIndex::find`] by a name already [`normalize_name`]d (a list repeats its
    /// names; the caller normalizes each once).
    pub fn find_normalized(
        &self,
        key: &str,
        masked: Option<&str>,
        village: Option<&str>,
    ) -> Posted {
        let Some((n, rows)) = self.by_name.get(key) else {
            return Posted::NoOne;
        };
        let masked = masked
            .and_then(MaskedId::parse)
            .filter(|m| m.shown[6..].iter().filter(|d| d.is_some()).count() >= MIN_SHOWN);
        // A village posts its own people: someone of the name registered in another
        // village is not the one posted (a blank registry village may be any).
        // (Slices of the index, not copies: a province asks this a million times.)
        let pool: [&[usize]; 2] = match village.map(str::trim).filter(|v| !v.is_empty()) {
            Some(v) => [v, ""].map(|v| self.by_village.get(&(*n, v)).map_or(&[][..], |r| r)),
            None => [rows, &[]],
        };
        let mut fits = pool
            .iter()
            .flat_map(|rows| rows.iter().copied())
            .filter(|&r| masked.as_ref().is_none_or(|m| m.fits(self.ids[r])));
        // Most posted rows fit one registered person: that answer needs no list.
        let (Some(one), second) = (fits.next(), fits.next()) else {
            return Posted::NoOne;
        };
        let Some(second) = second else {
            return match &masked {
                Some(_) => Posted::One(one),
                None if rows.len() == 1 => Posted::One(one),
                None => Posted::Ambiguous(rows.clone()),
            };
        };
        if masked.is_none() {
            // A name held more than once and no digits to tell: any of them.
            return Posted::Ambiguous(rows.clone());
        }
        let mut fit: Vec<usize> = [one, second].into_iter().chain(fits).collect();
        fit.sort_unstable();
        Posted::Ambiguous(fit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const A: &str = "41162319800101123X";
    const B: &str = "411623198001011248"; // same birthday, sequence differs in the last digits
    const C: &str = "411623199205056612";

    fn index() -> MaskedIndex<'static> {
        MaskedIndex::new([
            ("张伟", A, "李庄村"),
            ("张伟", B, "王庄村"),
            ("王静", C, "李庄村"),
            ("刘洋", "411623197712120013", "李庄村"),
        ])
    }

    #[test]
    fn the_posted_shapes_parse() {
        let m = MaskedId::parse("4116**********123X").unwrap();
        assert_eq!(m.visible(), 8);
        assert!(m.fits(A) && !m.fits(B));
        let m = MaskedId::parse("411623＊＊＊＊＊＊＊＊1248").unwrap();
        assert!(m.fits(B) && !m.fits(A));
        assert!(MaskedId::parse("4116**123X").is_none(), "too short");
        assert!(MaskedId::parse("4116**********12AX").is_none(), "a letter");
        assert!(MaskedId::parse("4116**********123x").unwrap().fits(A));
        assert_eq!(MaskedId::parse(A).unwrap().visible(), 18);
    }

    #[test]
    fn visible_digits_and_the_name_decide() {
        let ix = index();
        // Two 张伟 share a birthday: the shown tail tells them apart.
        assert_eq!(
            ix.find("张伟", Some("4116**********123X"), None),
            Posted::One(0)
        );
        assert_eq!(
            ix.find("张伟", Some("411623********1248"), None),
            Posted::One(1)
        );
        // Digits that fit both: ambiguous, and it says which.
        assert_eq!(
            ix.find("张伟", Some("41162319800101****"), None),
            Posted::Ambiguous(vec![0, 1])
        );
        // …unless the posted village separates them.
        assert_eq!(
            ix.find("张伟", Some("41162319800101****"), Some("王庄村")),
            Posted::One(1)
        );
        // Posted by a village where no one of the name and digits is registered: no one.
        assert_eq!(
            ix.find("张伟", Some("4116**********123X"), Some("王庄村")),
            Posted::NoOne
        );
        // The digits of one person under another's name: no one.
        assert_eq!(
            ix.find("王静", Some("4116**********123X"), None),
            Posted::NoOne
        );
        assert_eq!(
            ix.find("赵六", Some("4116**********123X"), None),
            Posted::NoOne
        );
    }

    #[test]
    fn a_common_name_alone_never_matches() {
        let ix = index();
        // No digits, or only the region code: a name held twice is ambiguous even when
        // the village would pick one, a name held once matches.
        assert_eq!(ix.find("张伟", None, None), Posted::Ambiguous(vec![0, 1]));
        assert_eq!(
            ix.find("张伟", Some("411623************"), Some("李庄村")),
            Posted::Ambiguous(vec![0, 1])
        );
        assert_eq!(ix.find("王静", None, Some("李庄村")), Posted::One(2));
        assert_eq!(
            ix.find("王 静", Some("无"), None),
            Posted::One(2),
            "spaces, junk ID"
        );
    }

    proptest! {
        /// A person's own ID, masked anywhere, always fits them; and never panics.
        #[test]
        fn a_masked_id_fits_its_own(mask in proptest::collection::vec(any::<bool>(), 18), junk in "\\PC{0,20}") {
            let shown: String = A.chars().zip(&mask).map(|(c, m)| if *m { '*' } else { c }).collect();
            prop_assert!(MaskedId::parse(&shown).unwrap().fits(A));
            let _ = MaskedId::parse(&junk).map(|m| m.fits(A));
            let _ = index().find(&junk, Some(&junk), Some(&junk));
        }
    }
}
