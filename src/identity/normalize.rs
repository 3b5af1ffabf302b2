//! Name normalisation: the bank, the registry and the death list spell one name in
//! different ways (traditional characters, inner or full-width spaces, `·` in minority
//! names, Latin letters in any case). Everything is normalised once, up front, into
//! fixed code points so the matching kernels never touch UTF-8.

use std::sync::OnceLock;

use pinyin::ToPinyin;
use unicode_normalization::UnicodeNormalization;

const CJK_START: u32 = 0x3400;
const CJK_END: u32 = 0x9FFF;

/// A name ready for comparison: simplified characters and toneless pinyin.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct NormName {
    /// Normalised characters: simplified Han, lower-case Latin, no spaces or dots.
    pub chars: Box<[char]>,
    /// One token per character: the toneless pinyin syllable of a Han character (hashed),
    /// the code point of anything else. Homophones compare equal syllable by syllable;
    /// comparing the letters instead would make zhang-yan-li and zhang-yan-lin 0.98 alike.
    pub syllables: Box<[u32]>,
    /// Toneless pinyin, concatenated (`zhangwei`): the key that blocks homophones together.
    pub pinyin: Box<str>,
}

impl NormName {
    pub fn new(raw: &str) -> NormName {
        let chars: Vec<char> = normalize_chars(raw);
        let mut pinyin = String::with_capacity(chars.len() * 4);
        let syllables = chars
            .iter()
            .map(|&c| match c.to_pinyin() {
                Some(p) => {
                    pinyin.push_str(p.plain());
                    syllable_token(p.plain())
                }
                None => {
                    pinyin.push(c);
                    c as u32
                }
            })
            .collect();
        NormName {
            chars: chars.into_boxed_slice(),
            syllables,
            pinyin: pinyin.into_boxed_str(),
        }
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
}

/// A syllable as a token outside the Unicode range, so it never equals a code point.
fn syllable_token(syllable: &str) -> u32 {
    let h = syllable.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    0x0011_0000 | (h & 0x7fff_ffff)
}

/// Normalised name as a string: what the bank's and the registry's spellings agree on.
pub fn normalize_name(raw: &str) -> String {
    normalize_chars(raw).into_iter().collect()
}

fn normalize_chars(raw: &str) -> Vec<char> {
    let table = simplified_table();
    raw.nfkc()
        .filter(|c| !is_separator(*c))
        .flat_map(char::to_lowercase)
        .map(|c| {
            let u = c as u32;
            if (CJK_START..=CJK_END).contains(&u) {
                table[(u - CJK_START) as usize]
            } else {
                c
            }
        })
        .collect()
}

/// Spaces (any width), the middle dots of transliterated minority names, and punctuation
/// carry no identity.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '·' | '•'
                | '・'
                | '‧'
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
