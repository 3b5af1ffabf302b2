//! Name normalisation: the bank, the registry and the death list spell one name in
//! different ways (traditional characters, inner or full-width spaces, `·` in minority
//! names, Latin letters in any case). Everything is normalised once, up front, into
//! fixed code points so the matching kernels never touch UTF-8.

use std::sync::OnceLock;

use pinyin::ToPinyin;
use unicode_normalization::UnicodeNormalization;

use fundaudit_core::text::{is_han, CJK_END, CJK_START};

/// A name ready for comparison: simplified characters and toneless pinyin.
///
/// Every registry entry, death-list row and official holds one, ten million of them at a
/// province, so the parts live in one block ([`NormName::heap_bytes`]): five boxed slices
/// were 80 bytes of pointers and five allocations a name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NormName {
    /// `[chars, tokens, pinyin bytes]`, then the characters (a `char` each), their shapes,
    /// the syllables (two `u16` a word), the token ends (likewise) and the pinyin (four
    /// bytes a word), each part padded with zeros to a whole word.
    block: Box<[u32]>,
}

/// Words of the block before the parts.
const HEADER: usize = 3;

impl Default for NormName {
    fn default() -> NormName {
        NormName::new("")
    }
}

impl NormName {
    /// The bytes its block takes on the heap.
    pub fn heap_bytes(&self) -> usize {
        std::mem::size_of_val(&*self.block)
    }

    pub fn new(raw: &str) -> NormName {
        NormName::pack(&Parts::of(raw))
    }

    fn pack(parts: &Parts) -> NormName {
        let Parts {
            chars,
            syllables,
            pinyin,
            token_ends,
            shapes,
        } = parts;
        let mut block = Vec::with_capacity(
            HEADER
                + 2 * chars.len()
                + syllables.len().div_ceil(2)
                + token_ends.len().div_ceil(2)
                + pinyin.len().div_ceil(4),
        );
        block.extend([
            chars.len() as u32,
            token_ends.len() as u32,
            pinyin.len() as u32,
        ]);
        block.extend(chars.iter().map(|&c| u32::from(c)));
        block.extend(shapes);
        let pairs = |v: &[u16]| -> Vec<u32> {
            v.chunks(2)
                .map(|p| u32::from(p[0]) | u32::from(p.get(1).copied().unwrap_or(0)) << 16)
                .collect()
        };
        block.extend(pairs(syllables));
        block.extend(pairs(token_ends));
        block.extend(pinyin.as_bytes().chunks(4).map(|q| {
            let mut word = [0u8; 4];
            word[..q.len()].copy_from_slice(q);
            u32::from_le_bytes(word)
        }));
        NormName {
            block: block.into_boxed_slice(),
        }
    }

    /// The packed block, borrowed: what the accessors read, and what a group of names
    /// kept side by side copies (see [`NameBlock::copy_into`]).
    pub fn as_block(&self) -> NameBlock<'_> {
        NameBlock(&self.block)
    }

    /// Normalised characters: simplified Han, lower-case Latin, no spaces or dots.
    pub fn chars(&self) -> &[char] {
        self.as_block().chars()
    }

    /// Character shapes (see [`super::glyph`]) for look-alike characters.
    pub fn shapes(&self) -> &[u32] {
        self.as_block().shapes()
    }

    /// See [`NameBlock::syllables`].
    pub fn syllables(&self) -> &[u16] {
        self.as_block().syllables()
    }

    /// See [`NameBlock::token_ends`].
    pub fn token_ends(&self) -> &[u16] {
        self.as_block().token_ends()
    }

    /// See [`NameBlock::pinyin_str`].
    pub fn pinyin_str(&self) -> &str {
        self.as_block().pinyin_str()
    }

    /// Whether every character is a Latin letter (a bank's transliteration).
    pub fn is_latin(&self) -> bool {
        self.as_block().is_latin()
    }

    pub fn is_empty(&self) -> bool {
        self.block[0] == 0
    }

    pub fn as_string(&self) -> String {
        self.chars().iter().collect()
    }

    /// Whether every character is Han (names of different lengths then never match).
    pub fn is_han(&self) -> bool {
        self.as_block().is_han()
    }
}

/// A [`NormName`]'s block where it lies: in the name, or copied beside others of a group
/// that is compared over and over (everyone born on one day, see
/// `resolve::match_deaths`), where reading each name from its own allocation, scattered
/// over gigabytes, cost more than comparing it.
#[derive(Debug, Clone, Copy)]
pub struct NameBlock<'a>(&'a [u32]);

impl<'a> NameBlock<'a> {
    /// Appends the block to `arena`; [`NameBlock::at`] reads it back from where it starts.
    pub fn copy_into(self, arena: &mut Vec<u32>) {
        arena.extend_from_slice(self.0);
    }

    /// The block that starts at `start` in an arena [`NameBlock::copy_into`] filled.
    pub fn at(arena: &'a [u32], start: usize) -> NameBlock<'a> {
        // The block ends with its pinyin, where its own layout says.
        let ([.., pinyin], [.., p]) = NameBlock(&arena[start..]).layout();
        NameBlock(&arena[start..start + pinyin + p.div_ceil(4)])
    }

    /// Where each part starts in the block, and the lengths (chars, tokens, pinyin).
    fn layout(self) -> ([usize; 5], [usize; 3]) {
        let (n, t, p) = (self.0[0] as usize, self.0[1] as usize, self.0[2] as usize);
        let chars = HEADER;
        let shapes = chars + n;
        let syllables = shapes + n;
        let tokens = syllables + n.div_ceil(2);
        let pinyin = tokens + t.div_ceil(2);
        ([chars, shapes, syllables, tokens, pinyin], [n, t, p])
    }

    /// Normalised characters: simplified Han, lower-case Latin, no spaces or dots.
    pub fn chars(self) -> &'a [char] {
        let ([at, ..], [n, ..]) = self.layout();
        let words = &self.0[at..at + n];
        // SAFETY: these words were written from `char`s (`new`), and a `char` is a `u32`
        // of the same size and alignment whose every value here is a valid one.
        unsafe { std::slice::from_raw_parts(words.as_ptr().cast::<char>(), n) }
    }

    /// Character shapes (see [`super::glyph`]) for look-alike characters.
    pub fn shapes(self) -> &'a [u32] {
        let ([_, at, ..], [n, ..]) = self.layout();
        &self.0[at..at + n]
    }

    /// One token per character: the toneless pinyin syllable of a Han character (a small
    /// id, see [`syllable`]), `0x8000 | code point` for anything else. Homophones compare
    /// equal syllable by syllable; comparing letters instead would make zhang-yan-li and
    /// zhang-yan-lin 0.98 alike.
    pub fn syllables(self) -> &'a [u16] {
        let ([_, _, at, ..], [n, ..]) = self.layout();
        halves(&self.0[at..at + n.div_ceil(2)], n)
    }

    /// Where each token of the pinyin ends (tokens are what separators divided:
    /// `买买提·吐尔逊` has two, `张伟` one). Names whose parts come in another order are
    /// found by them.
    pub fn token_ends(self) -> &'a [u16] {
        let ([_, _, _, at, _], [_, t, _]) = self.layout();
        halves(&self.0[at..at + t.div_ceil(2)], t)
    }

    /// Toneless pinyin, concatenated (`zhangwei`): the key that blocks homophones
    /// together. Latin letters stay as they are, so 张伟 and the bank's `ZHANG Wei` share
    /// it.
    pub fn pinyin_str(self) -> &'a str {
        let ([.., at], [_, _, p]) = self.layout();
        let words = &self.0[at..at + p.div_ceil(4)];
        // SAFETY: a `u32` is four bytes; the words were written from the pinyin's bytes
        // in order (`from_le_bytes`, memory order on the little-endian targets the block
        // is built for), so the first `p` bytes are the pinyin, a `String`'s UTF-8.
        unsafe {
            let bytes = std::slice::from_raw_parts(words.as_ptr().cast::<u8>(), p);
            std::str::from_utf8_unchecked(bytes)
        }
    }

    /// Whether every character is a Latin letter (a bank's transliteration).
    pub fn is_latin(self) -> bool {
        let chars = self.chars();
        !chars.is_empty() && chars.iter().all(|c| c.is_ascii_lowercase())
    }

    /// Whether every character is Han (names of different lengths then never match).
    pub fn is_han(self) -> bool {
        let chars = self.chars();
        !chars.is_empty() && chars.iter().all(|&c| is_han(c))
    }
}

/// A name's parts as they are worked out, before [`NormName`] packs them.
#[derive(Debug, PartialEq)]
struct Parts {
    chars: Vec<char>,
    syllables: Vec<u16>,
    pinyin: String,
    token_ends: Vec<u16>,
    shapes: Vec<u32>,
}

impl Parts {
    fn of(raw: &str) -> Parts {
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
        let shapes = chars.iter().map(|&c| super::glyph::shape(c)).collect();
        Parts {
            chars,
            syllables,
            pinyin,
            token_ends,
            shapes,
        }
    }
}

/// The first `n` halves of `words`, low half first.
fn halves(words: &[u32], n: usize) -> &[u16] {
    // SAFETY: a `u32` is two `u16`s of smaller alignment; the halves were written low
    // first (`new`), which is memory order on a little-endian target (a big-endian one is
    // refused at compile time below).
    unsafe { std::slice::from_raw_parts(words.as_ptr().cast::<u16>(), n) }
}

// The block's halves and bytes are read in memory order.
const _: () = assert!(
    cfg!(target_endian = "little"),
    "NormName's block assumes little-endian"
);

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
    proptest::proptest! {
        /// The block gives back each part as worked out, whatever the name's length
        /// (odd and even counts of halves and bytes pad differently), script or
        /// separators.
        #[test]
        fn a_packed_name_reads_back_its_parts(raw in "[张伟李静王小明·\\- a-zA-Z0-9ÜüéØ𠀀-𠀃]{0,40}") {
            let parts = Parts::of(&raw);
            let name = NormName::new(&raw);
            proptest::prop_assert_eq!(name.chars(), &parts.chars[..]);
            proptest::prop_assert_eq!(name.syllables(), &parts.syllables[..]);
            proptest::prop_assert_eq!(name.pinyin_str(), parts.pinyin.as_str());
            proptest::prop_assert_eq!(name.token_ends(), &parts.token_ends[..]);
            proptest::prop_assert_eq!(name.shapes(), &parts.shapes[..]);
            proptest::prop_assert_eq!(name.is_empty(), parts.chars.is_empty());
            proptest::prop_assert_eq!(&name, &NormName::new(&raw));
        }

        /// Names copied one after another into an arena read back whole from where each
        /// starts, the same parts as the names they were copied from.
        #[test]
        fn names_copied_side_by_side_read_back_as_themselves(
            raws in proptest::collection::vec("[张伟李静王小明·\\- a-zA-Z0-9ÜüéØ𠀀-𠀃]{0,12}", 1..6)
        ) {
            let names: Vec<NormName> = raws.iter().map(|r| NormName::new(r)).collect();
            let mut arena = Vec::new();
            let mut starts = Vec::new();
            for name in &names {
                starts.push(arena.len());
                name.as_block().copy_into(&mut arena);
            }
            for (name, &start) in names.iter().zip(&starts) {
                let copied = NameBlock::at(&arena, start);
                proptest::prop_assert_eq!(copied.chars(), name.chars());
                proptest::prop_assert_eq!(copied.syllables(), name.syllables());
                proptest::prop_assert_eq!(copied.shapes(), name.shapes());
                proptest::prop_assert_eq!(copied.token_ends(), name.token_ends());
                proptest::prop_assert_eq!(copied.pinyin_str(), name.pinyin_str());
                proptest::prop_assert_eq!(copied.0, name.as_block().0);
            }
        }
    }

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
        assert_eq!(han.pinyin_str(), "lumin");
        for bank in ["LÜ MIN", "LV MIN", "Lu Min"] {
            assert_eq!(NormName::new(bank).pinyin_str(), "lumin", "{bank}");
        }
        // 吕 and 路 keep their own syllables: no homophones by the spelling alone.
        assert_ne!(
            NormName::new("吕敏").syllables(),
            NormName::new("路敏").syllables()
        );
    }

    #[test]
    fn homophones_share_pinyin() {
        assert_eq!(
            NormName::new("张伟").pinyin_str(),
            NormName::new("张玮").pinyin_str()
        );
        assert_eq!(
            NormName::new("李静").pinyin_str(),
            NormName::new("李晶").pinyin_str()
        );
        assert_ne!(
            NormName::new("李静").pinyin_str(),
            NormName::new("李娜").pinyin_str()
        );
        assert_eq!(NormName::new("张伟").pinyin_str(), "zhangwei");
        assert_eq!(
            NormName::new("张伟").syllables(),
            NormName::new("张玮").syllables()
        );
        assert_eq!(NormName::new("Ali").syllables().len(), 3);
    }

    proptest! {
        #[test]
        fn normalisation_is_idempotent(s in "\\PC{0,12}") {
            let once = normalize_name(&s);
            prop_assert_eq!(normalize_name(&once), once);
        }
    }
}
