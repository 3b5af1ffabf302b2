//! Personal information in reports. ID numbers and bank accounts are sensitive personal
//! information (PIPL; GB/T 35273): reports that get passed around show them masked —
//! `411623********123X`, `****6090`, enough to tell records apart — unless the run says
//! `--unmasked`. Report files are created readable by their owner only.

/// Columns of the tool's own ids (finding, case, fingerprint), never masked: they are
/// hex digits, and `F` followed by twelve decimal digits would otherwise be taken for a
/// card number, and a finding could no longer be found by the id its report shows.
pub const OWN_IDS: &[&str] = &["finding_id", "case_id", "fingerprint", "finding_ids"];

/// Whether [`mask_text`] could change `text`: it holds a run of 12 digits or more. (An
/// ASCII digit's byte is never part of another character's.) A column none of whose
/// cells may need it is kept as it is, not copied cell by cell.
pub fn may_need_mask(text: &str) -> bool {
    text.as_bytes()
        .split(|b| !b.is_ascii_digit())
        .any(|run| run.len() >= 12)
}

/// Masks every ID number and account number in a text: a run of 17 digits and a check
/// character keeps its region code and last four; any other run of 12 or more digits (a
/// card number) keeps its last four.
pub fn mask_text(text: &str) -> String {
    // Most cells (names, townships, amounts, dates) hold no run of 12 digits: copied as
    // they are.
    if !may_need_mask(text) {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        let mut run: String = chars[start..i].iter().collect();
        if run.len() == 17 && i < chars.len() && matches!(chars[i], 'X' | 'x') {
            run.push(chars[i]);
            i += 1;
        }
        out.push_str(&mask_code(&run));
    }
    out
}

/// The most of a message that goes to stderr: a hostile file (100 MB of NUL bytes) must
/// not be echoed into the log a cron line appends to.
pub const MESSAGE_BYTES: usize = 4096;

/// A message as it may be printed to a terminal or a log: ID and account numbers masked
/// (stderr is appended to logs that travel as the reports do), control and invisible
/// characters shown as `?` (line breaks kept), and at most [`MESSAGE_BYTES`].
pub fn safe_message(text: &str) -> String {
    let mut shown = String::with_capacity(text.len().min(MESSAGE_BYTES + 64));
    for c in text.chars() {
        if shown.len() >= MESSAGE_BYTES {
            shown.push_str(&format!(
                " … ({} more bytes not shown)",
                text.len() - shown.len()
            ));
            break;
        }
        let unsafe_char = (c.is_control() && c != '\n') || crate::text::is_invisible(c);
        shown.push(if unsafe_char { '?' } else { c });
    }
    mask_text(&shown)
}

/// `code` as a report shows it: masked (see [`mask_code`]) unless the run is `unmasked`.
pub fn shown_code(code: &str, unmasked: bool) -> String {
    if unmasked {
        code.to_string()
    } else {
        mask_code(code)
    }
}

/// Masks one code: an 18-character ID number as `411623********123X`, a long digit run
/// as `****6090`; anything shorter than 12 characters (amounts, dates, ids) as it is.
pub fn mask_code(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    let n = chars.len();
    let part = |r: std::ops::Range<usize>| chars[r].iter().collect::<String>();
    if n == 18 {
        format!("{}********{}", part(0..6), part(14..18))
    } else if n >= 12 {
        format!("****{}", part(n - 4..n))
    } else {
        code.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ids_and_accounts_masked_amounts_and_dates_kept() {
        let text = "张伟（B0001）身份证号41162319600304101X，账户6228480000000006090，领取1,234.50元（2025-01-05）";
        assert_eq!(
            mask_text(text),
            "张伟（B0001）身份证号411623********101X，账户****6090，领取1,234.50元（2025-01-05）"
        );
        assert_eq!(mask_text("411623196003041012"), "411623********1012");
        assert_eq!(mask_text("P000009511;A00008971"), "P000009511;A00008971");
    }

    proptest! {
        #[test]
        fn no_long_digit_run_survives(s in "[0-9A-Za-z张伟，;-]{0,60}") {
            let masked = mask_text(&s);
            let longest = masked
                .split(|c: char| !c.is_ascii_digit())
                .map(str::len)
                .max()
                .unwrap_or(0);
            prop_assert!(longest < 12, "{} -> {}", s, masked);
        }

        /// A text without a run of 12 digits is what it was.
        #[test]
        fn short_digit_runs_kept(s in "([0-9]{0,11}[A-Za-z张伟，;-]){0,8}") {
            prop_assert_eq!(mask_text(&s), s);
        }

        /// Any cell, multi-byte ones of 12 or 18 characters included, masks without a
        /// panic (an ID column holding 十八个汉字 sliced bytes mid-character).
        #[test]
        fn any_code_masks_without_panic(s in "[0-9X张伟，]{0,24}") {
            let masked = mask_code(&s);
            prop_assert!(masked.chars().count() <= s.chars().count().max(8));
        }
    }
}
