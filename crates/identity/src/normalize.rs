//! Name normalisation: the bank, the registry and the death list spell one name in
//! different ways (traditional characters, inner or full-width spaces, `·` in minority
//! names, Latin letters in any case). Everything is normalised once, up front, into
//! fixed code points so the matching kernels never touch UTF-8.

use std::sync::OnceLock;

use pinyin::ToPinyin;
use unicode_normalization::UnicodeNormalization;

use fundaudit_core::text::{is_han, CJK_END, CJK_START};

/// A name ready for comparison: simplified characters and toneless pinyin.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct NormName {
    /// Normalised characters: simplified Han, lower-case Latin, no spaces or dots.
    pub chars: Box<[char]>,
    /// One token per character: the toneless pinyin syllable of a Han character (a small
    /// id, see [`syllable`]), `0x8000 | code point` for anything else. Homophones compare
    /// equal syllable by syllable; comparing letters instead would make zhang-yan-li and
    /// zhang-yan-lin 0.98 alike.
    pub syllables: Box<[u16]>,
    /// Toneless pinyin, concatenated (`zhangwei`): the key that blocks homophones together.
    /// Latin letters stay as they are, so 张伟 and the bank's `ZHANG Wei` share it.
    pub pinyin: Box<str>,
    /// Where each token of `pinyin` ends (tokens are what separators divided: `买买提·吐尔逊`
    /// has two, `张伟` one). Names whose parts come in another order are found by them.
    pub token_ends: Box<[u16]>,
    /// Character shapes (see [`super::glyph`]) for look-alike characters.
    pub shapes: Box<[u32]>,
}

impl NormName {
    pub fn new(raw: &str) -> NormName {
        let (chars, char_ends) = normalize_tokens(raw);
        let table = syllable_table();
        let mut pinyin = String::with_capacity(chars.len() * 4);
        let mut token_ends = Vec::with_capacity(char_ends.len());
        let mut ends = char_ends.iter().peekable();
        let mut syllables = Vec::with_capacity(chars.len());
        for (i, &c) in chars.iter().enumerate() {
            let token = syllable(c);
            match table.text.get(token as usize) {
                Some(text) if token & 0x8000 == 0 => pinyin.push_str(text),
                // Banks write ü as v (LV MIN for 吕敏) or drop its dots (LÜ → lu).
                _ if c == 'v' => pinyin.push('u'),
                _ => pinyin.push(c),
            }
            syllables.push(token);
            while ends.next_if(|&&e| e == i + 1).is_some() {
                token_ends.push(pinyin.len().min(u16::MAX as usize) as u16);
            }
        }
        NormName {
            shapes: chars.iter().map(|&c| super::glyph::shape(c)).collect(),
            chars: chars.into_boxed_slice(),
            syllables: syllables.into_boxed_slice(),
            pinyin: pinyin.into_boxed_str(),
            token_ends: token_ends.into_boxed_slice(),
        }
    }

    /// Whether every character is a Latin letter (a bank's transliteration).
    pub fn is_latin(&self) -> bool {
        !self.chars.is_empty() && self.chars.iter().all(|c| c.is_ascii_lowercase())
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    pub fn as_string(&self) -> String {
        self.chars.iter().collect()
    }

    /// The pinyin key as text, used to block homophones together.
    pub fn pinyin_str(&self) -> &str {
        &self.pinyin
    }

    /// Whether every character is Han (names of different lengths then never match).
    pub fn is_han(&self) -> bool {
        !self.chars.is_empty() && self.chars.iter().all(|&c| is_han(c))
    }
}

/// Toneless pinyin syllables, interned: every Han character of the common blocks maps to
/// the id of its (first) reading, so homophones share an id. Built once.
struct SyllableTable {
    /// Syllable id per code point from CJK_START (0: no reading).
    of_char: Vec<u16>,
    /// Text of each syllable id (index 0 unused).
    /// (ü written u: the way cards and passports spell it, LÜ or LV or LU, all meet.)
    text: Vec<Box<str>>,
}

fn syllable_table() -> &'static SyllableTable {
    static TABLE: OnceLock<SyllableTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut ids: std::collections::HashMap<&'static str, u16> =
            std::collections::HashMap::new();
        let mut text: Vec<Box<str>> = vec!["".into()];
        let of_char = (CJK_START..=CJK_END)
            .map(|u| match char::from_u32(u).and_then(|c| c.to_pinyin()) {
                Some(p) => *ids.entry(p.plain()).or_insert_with(|| {
                    text.push(p.plain().replace('ü', "u").into());
                    (text.len() - 1) as u16
                }),
                None => 0,
            })
            .collect();
        SyllableTable { of_char, text }
    })
}

/// The comparison token of one normalised character: its syllable id when it is a Han
/// character with a reading, else `0x8000 | code point` (folded into 15 bits).
pub fn syllable(c: char) -> u16 {
    let u = c as u32;
    if (CJK_START..=CJK_END).contains(&u) {
        let id = syllable_table().of_char[(u - CJK_START) as usize];
        if id != 0 {
            return id;
        }
    }
    0x8000 | (u & 0x7fff) as u16
}

/// Normalised name as a string: what the bank's and the registry's spellings agree on.
pub fn normalize_name(raw: &str) -> String {
    normalize_chars(raw).into_iter().collect()
}

fn normalize_chars(raw: &str) -> Vec<char> {
    normalize_tokens(raw).0
}

/// Normalised characters and where each token ends (separators divide tokens).
fn normalize_tokens(raw: &str) -> (Vec<char>, Vec<usize>) {
    let table = simplified_table();
    // Compatibility decomposition (full-width → half-width), lower case, then decompose
    // again and drop combining marks: José and Jose are one name to a bank clerk, and the
    // result is stable under a second pass (idempotent; property-tested below).
    let lowered: String = raw.nfkd().flat_map(char::to_lowercase).collect();
    let mut chars = Vec::with_capacity(lowered.len());
    let mut ends = Vec::new();
    for c in lowered.nfkd() {
        // Invisible format characters (a zero-width joiner inside 王刚) are not part of
        // the name: dropped, not read as a separator.
        if fundaudit_core::text::is_invisible(c) {
            continue;
        }
        if is_separator(c) {
            if chars.len() > ends.last().copied().unwrap_or(0) {
                ends.push(chars.len());
            }
            continue;
        }
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        let u = c as u32;
        chars.push(if (CJK_START..=CJK_END).contains(&u) {
            table[(u - CJK_START) as usize]
        } else {
            c
        });
    }
    if chars.len() > ends.last().copied().unwrap_or(0) {
        ends.push(chars.len());
    }
    (chars, ends)
}

/// Spaces (any width), the middle dots of transliterated minority names, and punctuation
/// carry no identity.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            // The dots of transliterated names in their many code points (full-width
            // ． and ﹒ decompose to '.', ･ to ・, ΄· to ·).
            '·' | '•'
                | '・'
                | '‧'
                | '∙'
                | '⋅'
                | 'ᐧ'
                | '●'
                | '°'
                | '.'
                | '-'
                | '_'
                | '\''
                | '"'
                | ','
                | '('
                | ')'
                | '（'
                | '）'
                | '、'
                | '。'
                | '，'
        )
        || c == '\u{feff}'
        || c == '\u{200b}'
}

/// Traditional → simplified for every Han character in the BMP blocks names use, derived
/// once from the fast2s table character by character (names are not phrases, so
/// phrase-level conversion would be wrong here).
fn simplified_table() -> &'static [char] {
    static TABLE: OnceLock<Vec<char>> = OnceLock::new();
    TABLE.get_or_init(|| {
        (CJK_START..=CJK_END)
            .map(|u| {
                let c = char::from_u32(u).unwrap_or(' ');
                let converted = fast2s::convert(c.encode_utf8(&mut [0u8; 4]));
                let mut it = converted.chars();
                match (it.next(), it.next()) {
                    (Some(s), None) => s,
                    _ => c,
                }
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bank_spellings_meet() {
        let canonical = normalize_name("张伟");
        for variant in ["張偉", "张 伟", "张\u{3000}伟", " 张伟 ", "張 偉"] {
            assert_eq!(normalize_name(variant), canonical, "{variant}");
        }
        assert_eq!(normalize_name("陳麗華"), "陈丽华");
        assert_eq!(normalize_name("劉國榮"), "刘国荣");
    }

    #[test]
    fn minority_and_latin_names() {
        assert_eq!(normalize_name("买买提·艾力"), "买买提艾力");
        assert_eq!(normalize_name("买买提 • 艾力"), "买买提艾力");
        assert_eq!(normalize_name("ＡＬＩ Ｋｕｒｂａｎ"), "alikurban");
        assert_eq!(normalize_name("O'Brien-Smith"), "obriensmith");
        assert_eq!(normalize_name("José"), normalize_name("JOSE"));
    }

    #[test]
    fn u_umlaut_meets_the_bank_spellings() {
        let han = NormName::new("吕敏");
        assert_eq!(&*han.pinyin, "lumin");
        for bank in ["LÜ MIN", "LV MIN", "Lu Min"] {
            assert_eq!(&*NormName::new(bank).pinyin, "lumin", "{bank}");
        }
        // 吕 and 路 keep their own syllables: no homophones by the spelling alone.
        assert_ne!(
            NormName::new("吕敏").syllables,
            NormName::new("路敏").syllables
        );
    }

    #[test]
    fn homophones_share_pinyin() {
        assert_eq!(NormName::new("张伟").pinyin, NormName::new("张玮").pinyin);
        assert_eq!(NormName::new("李静").pinyin, NormName::new("李晶").pinyin);
        assert_ne!(NormName::new("李静").pinyin, NormName::new("李娜").pinyin);
        assert_eq!(NormName::new("张伟").pinyin_str(), "zhangwei");
        assert_eq!(
            NormName::new("张伟").syllables,
            NormName::new("张玮").syllables
        );
        assert_eq!(NormName::new("Ali").syllables.len(), 3);
    }

    proptest! {
        #[test]
        fn normalisation_is_idempotent(s in "\\PC{0,12}") {
            let once = normalize_name(&s);
            prop_assert_eq!(normalize_name(&once), once);
        }
    }
}
