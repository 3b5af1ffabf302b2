//! Similarity kernels over pre-normalised names. Jaro-Winkler is computed on slices of
//! fixed-width units with stack buffers: no allocation and no UTF-8 decoding per pair,
//! which is what makes millions of comparisons a second possible.

use super::normalize::NormName;

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

/// The comparison of two names, kept whole so evidence can say why names were judged equal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NameSimilarity {
    /// Jaro-Winkler on normalised characters.
    pub chars: f64,
    /// Jaro-Winkler on toneless pinyin syllables.
    pub pinyin: f64,
    /// max(chars, pinyin_weight * pinyin): the number cut-offs apply to.
    pub score: f64,
}

impl NameSimilarity {
    /// Short Chinese description for evidence.
    pub fn describe(&self) -> String {
        if self.chars >= 1.0 {
            "姓名规范化后一致".to_string()
        } else if self.pinyin >= 1.0 {
            format!("姓名同音（字形相似度{:.2}，拼音一致）", self.chars)
        } else {
            format!(
                "姓名相似度{:.2}（字形{:.2}，拼音{:.2}）",
                self.score, self.chars, self.pinyin
            )
        }
    }
}

pub fn compare_names(a: &NormName, b: &NormName, pinyin_weight: f64) -> NameSimilarity {
    compare_tokens(
        (&a.chars, &a.syllables, a.is_han()),
        (&b.chars, &b.syllables, b.is_han()),
        pinyin_weight,
    )
}

/// The one name comparison, over any fixed-width representation: characters, syllable
/// tokens, and whether the name is all Han. [`compare_names`] and the compact records of
/// registry deduplication both come here.
pub fn compare_tokens<C: PartialEq + Copy, S: PartialEq + Copy>(
    a: (&[C], &[S], bool),
    b: (&[C], &[S], bool),
    pinyin_weight: f64,
) -> NameSimilarity {
    let ((ac, asy, a_han), (bc, bsy, b_han)) = (a, b);
    if ac == bc {
        let s = if ac.is_empty() { 0.0 } else { 1.0 };
        return NameSimilarity {
            chars: s,
            pinyin: s,
            score: s,
        };
    }
    let chars = jaro_winkler(ac, bc);
    let pinyin = jaro_winkler(asy, bsy);
    let mut score = chars.max(pinyin_weight * pinyin);
    if ac.len() != bc.len() && a_han && b_han {
        // 郭华 and 郭华芳 are two names, though Jaro-Winkler rates a prefix at 0.91: Han
        // names of different lengths never reach a same-name cut-off.
        score = score.min(HAN_LENGTH_MISMATCH_CAP);
    }
    NameSimilarity {
        chars,
        pinyin,
        score,
    }
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
        assert!(sim("王芳", "王芬").score < 0.9, "{:?}", sim("王芳", "王芬"));
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
