//! Similarity kernels over pre-normalised names. Jaro-Winkler is computed on slices of
//! fixed-width units with stack buffers: no allocation and no UTF-8 decoding per pair,
//! which is what makes millions of comparisons a second possible.

use super::normalize::{NameBlock, NormName};

/// Longest name handled on the stack; longer ones (rare transliterations) fall back to strsim.
const STACK_LEN: usize = 64;

/// Jaro-Winkler similarity of two sequences (prefix scale 0.1, prefix up to 4, boost only
/// above 0.7), numerically the same as `strsim::generic_jaro_winkler`.
pub fn jaro_winkler<T: PartialEq + Copy>(a: &[T], b: &[T]) -> f64 {
    let jaro = jaro(a, b);
    if jaro <= 0.7 {
        return jaro;
    }
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count();
    jaro + 0.1 * prefix as f64 * (1.0 - jaro)
}

fn jaro<T: PartialEq + Copy>(a: &[T], b: &[T]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a.len() > STACK_LEN || b.len() > STACK_LEN {
        return jaro_long(a, b);
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut a_match = [false; STACK_LEN];
    let mut b_match = [false; STACK_LEN];
    let mut matches = 0usize;
    for (i, x) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if !b_match[j] && b[j] == *x {
                a_match[i] = true;
                b_match[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut j = 0usize;
    for (i, x) in a.iter().enumerate() {
        if a_match[i] {
            while !b_match[j] {
                j += 1;
            }
            if *x != b[j] {
                transpositions += 1;
            }
            j += 1;
        }
    }
    let m = matches as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (m - (transpositions / 2) as f64) / m) / 3.0
}

fn jaro_long<T: PartialEq + Copy>(a: &[T], b: &[T]) -> f64 {
    strsim::generic_jaro(&a.to_vec(), &b.to_vec())
}

/// How two names met, the strongest way that applies: evidence says which, and the
/// identity model weighs exact, alike and partial agreement differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum NameMatch {
    /// Equal after normalisation.
    Exact,
    /// Same sound, syllable by syllable (张伟/张玮).
    Homophone,
    /// Each character equal, a homophone or a look-alike (己/已, 戊/戌).
    LookAlike,
    /// A Han name and its pinyin or Latin spelling (买买提吐尔逊/Maimaiti Tuerxun).
    Spelling,
    /// The same parts in another order (吐尔逊·买买提, OLIVIA BLACKWELL/blackwell olivia).
    Reordered,
    /// Close letters or characters (a typo).
    Similar,
    /// Of two or more parts, one agrees exactly and another does not (a changed surname).
    Partial,
    /// Different names.
    Different,
    /// One of the names is empty.
    Missing,
}

/// The comparison of two names, kept whole so evidence can say why names were judged equal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NameSimilarity {
    /// Jaro-Winkler on normalised characters.
    pub chars: f64,
    /// Jaro-Winkler on toneless pinyin syllables.
    pub pinyin: f64,
    /// The number cut-offs apply to: the best of characters, pinyin_weight times pinyin,
    /// and pinyin_weight for look-alikes, spellings and reorderings.
    pub score: f64,
    pub how: NameMatch,
}

impl NameSimilarity {
    /// Short Chinese description for evidence. Callers often put it in brackets of their
    /// own, so it holds none; names that do not match say so in words, not as three
    /// similarities near zero that mean nothing to an officer.
    pub fn describe(&self) -> String {
        match self.how {
            NameMatch::Exact => "姓名规范化后一致".to_string(),
            NameMatch::Homophone => {
                format!("姓名同音，字形相似度{:.2}", self.chars)
            }
            NameMatch::LookAlike => "姓名各字相同、同音或形近，疑似抄录错字".to_string(),
            NameMatch::Spelling => {
                format!("汉字姓名与拼音拼写一致，相似度{:.2}", self.score)
            }
            NameMatch::Reordered => "姓名各部分相同但顺序颠倒".to_string(),
            NameMatch::Partial => "姓名部分一致，一部分相同、另一部分不同".to_string(),
            NameMatch::Missing => "姓名缺失".to_string(),
            NameMatch::Similar => format!(
                "姓名相近，相似度{:.2}，其中字形{:.2}、拼音{:.2}",
                self.score, self.chars, self.pinyin
            ),
            NameMatch::Different => "姓名不同".to_string(),
        }
    }
}

/// A name in any fixed-width representation: the owned [`NormName`] and the packed
/// records of registry deduplication both lend one, so there is one comparison.
#[derive(Debug, Clone, Copy)]
pub struct NameParts<'a, C> {
    pub chars: &'a [C],
    pub syllables: &'a [u16],
    pub shapes: &'a [u32],
    /// Pinyin for Han characters, the letters themselves otherwise.
    pub roman: &'a [u8],
    /// End of each token in `roman`.
    pub token_ends: &'a [u16],
    pub han: bool,
    pub latin: bool,
}

impl NormName {
    pub fn parts(&self) -> NameParts<'_, char> {
        self.as_block().parts()
    }
}

impl<'a> NameBlock<'a> {
    pub fn parts(self) -> NameParts<'a, char> {
        NameParts {
            chars: self.chars(),
            syllables: self.syllables(),
            shapes: self.shapes(),
            roman: self.pinyin_str().as_bytes(),
            token_ends: self.token_ends(),
            han: self.is_han(),
            latin: self.is_latin(),
        }
    }
}

pub fn compare_names(a: &NormName, b: &NormName, pinyin_weight: f64) -> NameSimilarity {
    compare_parts(&a.parts(), &b.parts(), pinyin_weight)
}

/// The one name comparison. Exact and homophone agreement come first; look-alike
/// characters, spellings across scripts and reordered parts are tried only when the
/// plain similarity has not already reached `pinyin_weight`, so the common case costs
/// two Jaro-Winklers.
pub fn compare_parts<C: PartialEq + Copy + Into<u32>>(
    a: &NameParts<C>,
    b: &NameParts<C>,
    pinyin_weight: f64,
) -> NameSimilarity {
    let result = |chars, pinyin, score, how| NameSimilarity {
        chars,
        pinyin,
        score,
        how,
    };
    if a.chars.is_empty() || b.chars.is_empty() {
        return result(0.0, 0.0, 0.0, NameMatch::Missing);
    }
    if a.chars == b.chars {
        return result(1.0, 1.0, 1.0, NameMatch::Exact);
    }
    let chars = jaro_winkler(a.chars, b.chars);
    let pinyin = jaro_winkler(a.syllables, b.syllables);
    let (mut score, mut how) = if pinyin >= 1.0 && pinyin_weight >= chars {
        (pinyin_weight, NameMatch::Homophone)
    } else {
        (chars.max(pinyin_weight * pinyin), NameMatch::Similar)
    };
    let same_length = a.chars.len() == b.chars.len();
    if a.han && b.han && !same_length {
        // 郭华 and 郭华芳 are two names, though Jaro-Winkler rates a prefix at 0.91: Han
        // names of different lengths never reach a same-name cut-off.
        score = score.min(HAN_LENGTH_MISMATCH_CAP);
    }
    if score < pinyin_weight && a.han && b.han && same_length && look_alike(a, b) {
        (score, how) = (pinyin_weight, NameMatch::LookAlike);
    }
    if score < pinyin_weight && (a.latin || b.latin) && (a.han || b.han) {
        let r = pinyin_weight * jaro_winkler(a.roman, b.roman);
        if r > score {
            (score, how) = (r, NameMatch::Spelling);
        }
    }
    if score < pinyin_weight && (a.token_ends.len() > 1 || b.token_ends.len() > 1) {
        let r = reordered(a, b).max(reordered(b, a));
        // Only a reordering that is nearly exact counts: two parts each a little off
        // in another order is a different name more often than not.
        if r >= 0.95 && pinyin_weight * r > score {
            (score, how) = (pinyin_weight * r, NameMatch::Reordered);
        }
    }
    if score < pinyin_weight && shares_a_part(a, b) {
        how = NameMatch::Partial;
    } else if how == NameMatch::Similar && score < 0.7 {
        how = NameMatch::Different;
    }
    result(chars, pinyin, score, how)
}

/// Every position equal, a homophone or a look-alike character, and at least one a
/// look-alike: a clerk's misreading of a handwritten form.
fn look_alike<C: PartialEq + Copy + Into<u32>>(a: &NameParts<C>, b: &NameParts<C>) -> bool {
    let mut any = false;
    for i in 0..a.chars.len() {
        if a.chars[i] == b.chars[i] || a.syllables[i] == b.syllables[i] {
            continue;
        }
        let (sa, sb) = (a.shapes.get(i), b.shapes.get(i));
        match (sa, sb) {
            (Some(&x), Some(&y))
                if super::glyph::alike(x, y)
                    || super::glyph::alike_chars(a.chars[i].into(), b.chars[i].into()) =>
            {
                any = true
            }
            _ => return false,
        }
    }
    any
}

const MAX_TOKENS: usize = 4;

fn tokens<'a, C>(n: &NameParts<'a, C>) -> impl Iterator<Item = &'a [u8]> + 'a {
    let (roman, ends) = (n.roman, n.token_ends);
    ends.iter().enumerate().map(move |(i, &e)| {
        let start = if i == 0 { 0 } else { ends[i - 1] as usize };
        &roman[start.min(roman.len())..(e as usize).min(roman.len())]
    })
}

/// Best Jaro-Winkler between `b`'s romanisation and `a`'s parts in another order
/// (names of two to four parts; their order is the only thing tried).
fn reordered<C>(a: &NameParts<C>, b: &NameParts<C>) -> f64 {
    let parts: Vec<&[u8]> = tokens(a).collect();
    if parts.len() < 2 || parts.len() > MAX_TOKENS {
        return 0.0;
    }
    let mut order: Vec<usize> = (0..parts.len()).collect();
    let mut best = 0.0f64;
    let mut buf = [0u8; STACK_LEN];
    // Heap's algorithm over at most 24 orders, the first (the given order) skipped.
    let mut c = vec![0usize; order.len()];
    let mut i = 0;
    while i < order.len() {
        if c[i] < i {
            if i % 2 == 0 {
                order.swap(0, i);
            } else {
                order.swap(c[i], i);
            }
            let mut len = 0;
            for &k in &order {
                for &byte in parts[k] {
                    if len < STACK_LEN {
                        buf[len] = byte;
                        len += 1;
                    }
                }
            }
            best = best.max(jaro_winkler(&buf[..len], b.roman));
            c[i] += 1;
            i = 0;
        } else {
            c[i] = 0;
            i += 1;
        }
    }
    best
}

/// Two names, one at least of several parts, that share one part exactly (at least
/// two letters): a changed surname, or a given name left out on one record.
fn shares_a_part<C>(a: &NameParts<C>, b: &NameParts<C>) -> bool {
    if a.token_ends.len() < 2 && b.token_ends.len() < 2 {
        return false;
    }
    tokens(a).any(|x| x.len() >= 2 && tokens(b).any(|y| x == y))
}

/// The most two Han names of different lengths can score.
pub const HAN_LENGTH_MISMATCH_CAP: f64 = 0.8;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sim(a: &str, b: &str) -> NameSimilarity {
        compare_names(&NormName::new(a), &NormName::new(b), 0.92)
    }

    /// Evidence puts the description in brackets of its own ("户名为马超（…）"), so it holds
    /// none; and names that do not match say so, not "0.00（字形0.00，拼音0.00）".
    #[test]
    fn descriptions_hold_no_brackets_and_strangers_read_as_different() {
        let pairs = [
            ("张伟", "张伟"),
            ("张伟", "张玮"),
            ("张伟", "马超"),
            ("欧阳明", "明欧阳"),
            ("王小明", "王小红"),
            ("李天", "李夭"),
            ("张伟", "Zhang Wei"),
            ("张伟", ""),
        ];
        for (a, b) in pairs {
            let d = sim(a, b).describe();
            assert!(!d.contains(['（', '）', '(', ')']), "{a} / {b}: {d}");
        }
        assert_eq!(sim("张伟", "马超").describe(), "姓名不同");
        assert!(sim("张伟", "张玮").describe().starts_with("姓名同音"));
    }

    #[test]
    fn character_jaro_winkler_alone_misses_homophones() {
        let s = sim("张伟", "张玮");
        assert!((s.chars - 2.0 / 3.0).abs() < 1e-9, "{s:?}");
        assert_eq!(s.pinyin, 1.0);
        assert!((s.score - 0.92).abs() < 1e-9);
    }

    #[test]
    fn variants_and_strangers() {
        assert_eq!(sim("張偉", "张 伟").score, 1.0);
        assert!(sim("王芳", "李娜").score < 0.6);
        assert!(sim("王芳", "王丽").score < 0.9, "{:?}", sim("王芳", "王丽"));
        // 芬 and 芳 share radical, strokes and four-corner code: a misreading.
        assert_eq!(sim("王芳", "王芬").how, NameMatch::LookAlike);
        // One syllable apart is not a homophone, however alike the letters.
        assert!(
            sim("张艳丽", "张艳林").score < 0.9,
            "{:?}",
            sim("张艳丽", "张艳林")
        );
        assert_eq!(sim("", "").score, 0.0);
        // A two-character name is not a three-character one that starts with it.
        let s = sim("郭华", "郭华芳");
        assert!(s.chars > 0.9, "{s:?}");
        assert!(s.score <= HAN_LENGTH_MISMATCH_CAP, "{s:?}");
    }

    #[test]
    fn minority_names_meet_across_separators_orders_and_scripts() {
        let canonical = "买买提·吐尔逊";
        for variant in [
            "买买提吐尔逊",
            "买买提.吐尔逊",
            "买买提 吐尔逊",
            "买买提．吐尔逊",
            "买买提•吐尔逊",
            "买买提・吐尔逊",
            "买买提‧吐尔逊",
        ] {
            assert_eq!(sim(canonical, variant).how, NameMatch::Exact, "{variant}");
        }
        let reordered = sim(canonical, "吐尔逊·买买提");
        assert_eq!(reordered.how, NameMatch::Reordered, "{reordered:?}");
        assert!(reordered.score >= 0.9);
        for latin in ["Maimaiti Tuerxun", "MAIMAITI TUERXUN", "Tuerxun Maimaiti"] {
            let s = sim(canonical, latin);
            assert!(s.score >= 0.9, "{latin}: {s:?}");
            assert!(
                matches!(s.how, NameMatch::Spelling | NameMatch::Reordered),
                "{latin}: {s:?}"
            );
        }
        // A Han name and its pinyin, as a bank writes it.
        assert!(sim("张伟", "ZHANG Wei").score >= 0.9);
        assert!(sim("张伟", "Wei Zhang").score >= 0.9);
        // But not another name's pinyin.
        assert!(sim("张伟", "Zhang Qiang").score < 0.9);
        assert!(sim("买买提·吐尔逊", "Maimaiti Aili").score < 0.9);
    }

    #[test]
    fn look_alike_characters_meet_and_strangers_do_not() {
        for (a, b) in [
            ("李己", "李已"),
            ("王戊生", "王戌生"),
            ("王玉兰", "玉玉兰"),
            ("张未", "张末"),
            // Four-corner codes apart; one component or stroke changed.
            ("金天华", "金夭华"),
            ("李天永", "李夭永"),
            ("潘徽福", "潘微福"),
            ("刘拔", "刘拨"),
        ] {
            assert_eq!(sim(a, b).how, NameMatch::LookAlike, "{a} {b}");
        }
        // Twins' names: one ordinary character apart.
        assert_ne!(sim("张明远", "张亮远").how, NameMatch::LookAlike);
        assert_eq!(sim("张三", "张王").how, NameMatch::Different);
        assert!(sim("张伟", "张强").score < 0.9);
    }

    #[test]
    fn a_changed_surname_or_missing_part_is_partial() {
        assert_eq!(
            sim("kelsey ferris", "kelsey nguyen").how,
            NameMatch::Partial
        );
        assert_eq!(sim("eliza haack", "haack").how, NameMatch::Partial);
        assert_ne!(sim("张伟", "张强").how, NameMatch::Partial);
        assert_eq!(
            sim("olivia blackwell", "blackwell olivia").how,
            NameMatch::Reordered
        );
    }

    proptest! {
        #[test]
        fn kernel_agrees_with_strsim(a in "[a-e]{0,10}", b in "[a-e]{0,10}") {
            let ours = jaro_winkler(a.as_bytes(), b.as_bytes());
            let theirs = strsim::jaro_winkler(&a, &b);
            prop_assert!((ours - theirs).abs() < 1e-9, "{} {} {} {}", a, b, ours, theirs);
        }

        #[test]
        fn symmetric_and_self_identical(a in "\\PC{1,8}", b in "\\PC{1,8}") {
            let (na, nb) = (NormName::new(&a), NormName::new(&b));
            let ab = compare_names(&na, &nb, 0.92);
            let ba = compare_names(&nb, &na, 0.92);
            prop_assert!((ab.score - ba.score).abs() < 1e-9);
            if !na.is_empty() {
                prop_assert_eq!(compare_names(&na, &na.clone(), 0.92).score, 1.0);
            }
        }
    }
}
