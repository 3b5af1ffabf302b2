//! Resident identity numbers (居民身份证号码, GB 11643-1999): 6-digit region, 8-digit
//! birth date, 3-digit sequence, 1 check character.

use chrono::NaiveDate;

use fundaudit_core::cells::{to_day, Day};

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

/// Why an ID number cannot belong to a real person. Held by every registry entry whose
/// number fails, so without a text of its own: twelve bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdProblem {
    Empty,
    /// Characters in the number.
    Length(u32),
    NotDigits,
    /// The eight birth-date digits as written (`20251332`), as a number.
    BirthDate(u32),
    CheckDigit {
        expected: char,
        found: char,
    },
}

impl IdProblem {
    /// The reason in Chinese, for a finding's evidence.
    pub fn describe(&self) -> String {
        match self {
            IdProblem::Empty => "身份证号为空".into(),
            IdProblem::Length(n) => format!("身份证号长度为{n}位，应为18位"),
            IdProblem::NotDigits => "身份证号含非法字符".into(),
            IdProblem::BirthDate(d) => format!("身份证号中的出生日期{d:08}不存在"),
            IdProblem::CheckDigit { expected, found } => {
                format!("身份证号校验码为{found}，按公民身份号码国家标准计算应为{expected}")
            }
        }
    }
}

/// Upper-cases the check character and strips spaces, the way registries disagree.
pub fn normalize_id(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The GB 11643 check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (b, w) in first17.iter().zip(WEIGHTS) {
        if !b.is_ascii_digit() {
            return None;
        }
        sum += u32::from(b - b'0') * w;
    }
    Some(CHECK_CHARS[(sum % 11) as usize])
}

/// Birth date encoded in positions 7–14, if it is a real calendar date from 1890 on.
pub fn birth_day(id: &str) -> Option<Day> {
    let b = id.as_bytes();
    if b.len() != 18 || !b[6..14].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| -> u32 {
        b[r].iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let (y, m, d) = (n(6..10), n(10..12), n(12..14));
    if y < 1890 {
        return None;
    }
    NaiveDate::from_ymd_opt(y as i32, m, d).map(to_day)
}

/// Validates a normalised ID number; `as_of` rules out birth dates in the future.
pub fn validate(id: &str, as_of: Day) -> Result<Day, IdProblem> {
    if id.is_empty() {
        return Err(IdProblem::Empty);
    }
    let b = id.as_bytes();
    if b.len() != 18 {
        return Err(IdProblem::Length(id.chars().count() as u32));
    }
    if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
        return Err(IdProblem::NotDigits);
    }
    let birth = match birth_day(id) {
        Some(d) if d <= as_of => d,
        // Digits, as checked above.
        _ => {
            let digits = b[6..14].iter().fold(0, |n, d| n * 10 + u32::from(d - b'0'));
            return Err(IdProblem::BirthDate(digits));
        }
    };
    let expected = check_char(&b[..17]).unwrap_or(b'?');
    if expected != b[17] {
        return Err(IdProblem::CheckDigit {
            expected: expected as char,
            found: b[17] as char,
        });
    }
    Ok(birth)
}

/// Number of positions at which two equally long ID numbers differ (None when lengths differ).
pub fn digit_diff(a: &str, b: &str) -> Option<u32> {
    digit_diff_bytes(a.as_bytes(), b.as_bytes())
}

/// As [`digit_diff`], on the bytes of ID numbers kept packed (see the death list's index).
pub fn digit_diff_bytes(a: &[u8], b: &[u8]) -> Option<u32> {
    if a.len() != b.len() {
        return None;
    }
    Some(a.iter().zip(b).filter(|(x, y)| x != y).count() as u32)
}

/// Builds a valid ID number from its parts; used by the generator and tests.
pub fn make_id(region: &str, birth: NaiveDate, seq: u32) -> String {
    let mut s = format!("{region}{}{:03}", birth.format("%Y%m%d"), seq % 1000);
    let c = check_char(s.as_bytes()).unwrap_or(b'0');
    s.push(c as char);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const AS_OF: Day = 20_000; // 2024-10-04

    #[test]
    fn known_valid_number() {
        // The worked example of GB 11643-1999.
        assert!(validate("11010519491231002X", AS_OF).is_ok());
        assert_eq!(normalize_id(" 11010519491231002x "), "11010519491231002X");
    }

    #[test]
    fn detects_each_problem() {
        assert_eq!(validate("", AS_OF), Err(IdProblem::Empty));
        assert_eq!(
            validate("1101051949123100", AS_OF),
            Err(IdProblem::Length(16))
        );
        assert_eq!(
            validate("11010519491231002A", AS_OF),
            Err(IdProblem::NotDigits)
        );
        assert!(matches!(
            validate("110105194912310021", AS_OF),
            Err(IdProblem::CheckDigit {
                expected: 'X',
                found: '1'
            })
        ));
        // 30 February does not exist.
        let bad_date = {
            let mut s = "1101051949023000".to_string();
            s.push('1');
            let c = check_char(s.as_bytes()).unwrap() as char;
            s.push(c);
            s
        };
        assert!(matches!(
            validate(&bad_date, AS_OF),
            Err(IdProblem::BirthDate(_))
        ));
        // Born after the as-of date.
        let future = make_id("411623", NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(), 1);
        assert!(matches!(
            validate(&future, AS_OF),
            Err(IdProblem::BirthDate(_))
        ));
    }

    #[test]
    fn digit_diff_counts_positions() {
        assert_eq!(digit_diff("123", "123"), Some(0));
        assert_eq!(digit_diff("123", "193"), Some(1));
        assert_eq!(digit_diff("123", "1234"), None);
    }

    proptest! {
        #[test]
        fn made_ids_validate(days in 0i64..40_000, seq in 0u32..1000) {
            let birth = NaiveDate::from_ymd_opt(1920, 1, 1).unwrap() + chrono::Duration::days(days);
            let id = make_id("411623", birth, seq);
            prop_assert_eq!(validate(&id, 60_000), Ok(to_day(birth)));
        }

        #[test]
        fn one_changed_digit_breaks_the_check(pos in 14usize..17, days in 0i64..30_000, seq in 0u32..1000) {
            let birth = NaiveDate::from_ymd_opt(1930, 1, 1).unwrap() + chrono::Duration::days(days);
            let id = make_id("411623", birth, seq);
            let mut bytes = id.into_bytes();
            bytes[pos] = if bytes[pos] == b'9' { b'0' } else { bytes[pos] + 1 };
            let changed = String::from_utf8(bytes).unwrap();
            let is_check_digit_error = matches!(validate(&changed, 60_000), Err(IdProblem::CheckDigit { .. }));
            prop_assert!(is_check_digit_error);
        }

        #[test]
        fn validate_never_panics(s in "\\PC{0,24}") {
            let _ = validate(&normalize_id(&s), AS_OF);
        }
    }
}
