//! Text that reads as what it is. Two ways a cell can show an officer something other
//! than its characters: invisible format characters (Unicode category Cf: zero-width
//! joiners and spaces, bidi overrides and isolates, the BOM, soft hyphens) that make
//! 王刚 and 王\u{200D}刚 two names to a matcher and reorder evidence text on screen; and
//! a leading `=`, `+`, `-` or `@` that a spreadsheet opening a CSV file turns into a live
//! formula. The loader strips the first from every cell; every CSV writer defuses the
//! second.

use std::borrow::Cow;

/// The Han blocks names are written in: CJK Unified Ideographs Extension A and the main
/// block (U+3400–U+9FFF). Shared by name normalisation, character shapes and the header
/// reader, so all three agree on what a Han character is.
pub const CJK_START: u32 = 0x3400;
pub const CJK_END: u32 = 0x9FFF;

/// Whether `c` is a Han character of [`CJK_START`]..=[`CJK_END`].
pub fn is_han(c: char) -> bool {
    (CJK_START..=CJK_END).contains(&(c as u32))
}

/// Unicode's format characters (general category Cf, Unicode 15.1), bidi controls among
/// them. None carries meaning in a name, a place or an account number.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c as u32,
        0x00AD
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    )
}

/// Whether `s` holds a format character. Every one lies above U+00AC, so ASCII text is
/// passed over at memory speed.
pub fn has_invisible(s: &str) -> bool {
    !s.is_ascii() && s.chars().any(is_invisible)
}

/// `s` without its format characters (borrowed when it has none).
pub fn strip_invisible(s: &str) -> Cow<'_, str> {
    if has_invisible(s) {
        Cow::Owned(s.chars().filter(|&c| !is_invisible(c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// A cell a spreadsheet would read as a formula: it starts with `=`, `+`, `-` or `@`, or
/// with a tab or carriage return (which some importers strip before looking). A plain
/// negative number (`-12.50`) is data, not a formula, and stays as it is.
pub fn is_formula_like(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    match first {
        '=' | '+' | '@' | '\t' | '\r' => true,
        '-' => s[1..].parse::<f64>().is_err(),
        _ => false,
    }
}

/// A cell as written to a CSV file: a formula-like value gets a leading `'` (OWASP's
/// advice for CSV injection), which Excel, WPS and LibreOffice show as text.
pub fn csv_safe(s: &str) -> Cow<'_, str> {
    if is_formula_like(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_characters_are_removed_and_nothing_else() {
        for c in [
            '\u{200D}', '\u{202E}', '\u{2067}', '\u{200B}', '\u{FEFF}', '\u{AD}',
        ] {
            assert!(is_invisible(c), "{:X}", c as u32);
            assert_eq!(strip_invisible(&format!("王{c}刚")), "王刚");
        }
        for s in [
            "王刚",
            "SUN TAOHUA",
            "买买提·吐尔逊",
            "José",
            "6228480000000000001",
        ] {
            assert!(matches!(strip_invisible(s), Cow::Borrowed(_)), "{s}");
        }
    }

    #[test]
    fn formula_prefixes_are_defused_and_numbers_kept() {
        for s in [
            "=1+1",
            "+86",
            "@SUM(A1)",
            "=HYPERLINK(\"x\")",
            "\t=1+1",
            "-cmd",
            "-",
        ] {
            assert!(csv_safe(s).starts_with('\''), "{s}");
        }
        for s in ["-12.50", "张伟", "", "100", "a=b"] {
            assert_eq!(csv_safe(s), s);
        }
    }
}
