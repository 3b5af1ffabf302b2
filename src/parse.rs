//! Parsers for single cells: money, dates. They return the reason a cell is bad, in words
//! an auditor can act on, because the reason goes straight into rejects.csv.

use chrono::{Datelike, NaiveDate};

/// Days since 1970-01-01, the physical value of a Polars `Date`.
pub type Day = i32;

const EPOCH_DAYS_FROM_CE: i32 = 719_163;

pub fn to_day(d: NaiveDate) -> Day {
    d.num_days_from_ce() - EPOCH_DAYS_FROM_CE
}

pub fn from_day(day: Day) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(day + EPOCH_DAYS_FROM_CE).unwrap_or(NaiveDate::MIN)
}

/// Formats a Polars day number as `YYYY-MM-DD`.
pub fn fmt_day(day: Day) -> String {
    from_day(day).format("%Y-%m-%d").to_string()
}

/// Parses an ISO date `YYYY-MM-DD` (a million of them per run: byte-level, no format
/// string interpretation).
pub fn parse_date(raw: &str) -> Result<Day, String> {
    let s = raw.trim();
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r.clone())?.iter().try_fold(0u32, |acc, d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    let parsed = (b.len() == 10 && b[4] == b'-' && b[7] == b'-')
        .then(|| Some((digits(0..4)?, digits(5..7)?, digits(8..10)?)))
        .flatten()
        .and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y as i32, m, d));
    parsed
        .map(to_day)
        .ok_or_else(|| format!("`{s}` is not a date in the form YYYY-MM-DD"))
}

/// Parses a yuan amount with at most two decimals into fen, exactly (no floating point:
/// "one fen short" must stay one fen).
pub fn parse_amount_fen(raw: &str) -> Result<i64, String> {
    let s = raw.trim();
    let bad = || format!("`{s}` is not an amount in yuan (digits, at most two decimals)");
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int_part, frac_part) = match body.split_once('.') {
        Some((i, f)) => (i, f),
        None => (body, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(bad());
    }
    if !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let frac_trimmed = frac_part.trim_end_matches('0');
    if frac_trimmed.len() > 2 {
        return Err(format!(
            "`{s}` has fractions of a fen: amounts carry at most two decimals"
        ));
    }
    if int_part.len() > 13 {
        return Err(format!("`{s}` is too large to be a payment amount"));
    }
    let yuan: i64 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().map_err(|_| bad())?
    };
    let mut fen_digits = frac_trimmed.to_string();
    while fen_digits.len() < 2 {
        fen_digits.push('0');
    }
    let fen: i64 = fen_digits.parse().map_err(|_| bad())?;
    let total = yuan * 100 + fen;
    Ok(if negative { -total } else { total })
}

/// Formats fen as yuan with two decimals and thousands separators: `1,234.50`.
pub fn fmt_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let yuan = (abs / 100).to_string();
    let mut grouped = String::with_capacity(yuan.len() + yuan.len() / 3);
    for (i, ch) in yuan.chars().enumerate() {
        if i > 0 && (yuan.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped}.{:02}", abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts_parse_to_exact_fen() {
        assert_eq!(parse_amount_fen("620.00"), Ok(62000));
        assert_eq!(parse_amount_fen("620.5"), Ok(62050));
        assert_eq!(parse_amount_fen("0.01"), Ok(1));
        assert_eq!(parse_amount_fen(" 12 "), Ok(1200));
        assert_eq!(parse_amount_fen("-3.10"), Ok(-310));
        assert_eq!(parse_amount_fen("1.230"), Ok(123));
        assert!(parse_amount_fen("1.234").is_err());
        assert!(parse_amount_fen("abc").is_err());
        assert!(parse_amount_fen("").is_err());
        assert!(parse_amount_fen(".").is_err());
        assert!(parse_amount_fen("1e5").is_err());
    }

    #[test]
    fn dates_parse_iso_only() {
        assert_eq!(fmt_day(parse_date("2025-03-31").unwrap()), "2025-03-31");
        assert_eq!(parse_date("1970-01-01"), Ok(0));
        assert!(parse_date("2025-02-30").is_err());
        assert!(parse_date("2025/03/01").is_err());
        assert!(parse_date("2025-3-01").is_err());
        assert!(parse_date("2025-03-1x").is_err());
        assert!(parse_date("２０２５-03-01").is_err());
    }

    #[test]
    fn yuan_formatting() {
        assert_eq!(fmt_yuan(123450), "1,234.50");
        assert_eq!(fmt_yuan(1), "0.01");
        assert_eq!(fmt_yuan(-100000000), "-1,000,000.00");
    }

    proptest! {
        #[test]
        fn amount_round_trips(fen in -10_000_000_000i64..10_000_000_000i64) {
            let text = format!("{}{}.{:02}", if fen < 0 { "-" } else { "" }, fen.unsigned_abs() / 100, fen.unsigned_abs() % 100);
            prop_assert_eq!(parse_amount_fen(&text), Ok(fen));
        }

        #[test]
        fn amount_parser_never_panics(s in "\\PC*") {
            let _ = parse_amount_fen(&s);
            let _ = parse_date(&s);
        }
    }
}
