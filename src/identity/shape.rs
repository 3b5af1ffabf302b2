//! Character shape, for typos that are not homophones: a clerk copying a handwritten
//! form reads 己 for 已, 戌 for 戊, 玉 for 王 (形近字). Two characters look alike when
//! their four-corner codes (四角号码, the first four digits) agree and they are built the
//! same way: the same radical with at most one stroke between them (王/玉, 戊/戌), or the
//! same stroke count (土/士, 己/已). The four-corner code alone would also pair 三 with
//! 王; the stroke and radical test keeps those apart.
//!
//! The table is built from the Unicode Han Database by `tools/shape_table.py` (see
//! `data/NOTICE-Unicode.txt`): four bytes per code point of U+3400..U+9FFF.

use super::normalize::{is_han, CJK_START};

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
    fn strangers_and_shared_codes_stay_apart() {
        // 三 and 王 share four-corner code 1010 but not radical or stroke count.
        assert!(!looks_alike('三', '王'));
        assert!(!looks_alike('张', '王'));
        assert!(!looks_alike('a', 'a'));
        assert_eq!(shape('x'), 0);
    }
}
