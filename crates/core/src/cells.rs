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

/// Completed years from `birth` to `at`: an age as benefit rules count it (80 on the
/// 80th birthday, not the day after).
pub fn whole_years(birth: NaiveDate, at: NaiveDate) -> i64 {
    let years = (at.year() - birth.year()) as i64;
    if (at.month(), at.day()) < (birth.month(), birth.day()) {
        years - 1
    } else {
        years
    }
}

/// Formats a Polars day number as `YYYY-MM-DD`.
pub fn fmt_day(day: Day) -> String {
    from_day(day).format("%Y-%m-%d").to_string()
}

/// Parses a date as office tools write them: `2025-01-05`, `2025/1/5`, `2025-1-5`,
/// `2025.1.5`, `2025年1月5日`, `20250105`, an Excel serial number (`45662`), any of them
/// with a time after it, in full-width digits too. ISO dates take a byte-level fast path
/// (a million of them per run).
pub fn parse_date(raw: &str) -> Result<Day, String> {
    let s = raw.trim();
    if let Some(day) = parse_iso_date(s) {
        return Ok(day);
    }
    let text = half_width(s);
    // A time after the date (`2025/1/5 0:00:00`, `2025-01-05T08:30`) is not part of it.
    let date_part = text.split([' ', 'T']).next().unwrap_or("");
    let bad = || {
        format!(
            "`{s}` is not a date (accepted: 2025-01-05, 2025/1/5, 2025年1月5日, 20250105, an Excel date number)"
        )
    };
    if date_part.contains('年') {
        let ymd = date_part.replace(['年', '月'], "-").replace('日', "");
        return ymd_parts(&ymd, &['-']).ok_or_else(bad);
    }
    if date_part.len() == 8 && date_part.bytes().all(|b| b.is_ascii_digit()) {
        let ymd = format!(
            "{}-{}-{}",
            &date_part[..4],
            &date_part[4..6],
            &date_part[6..]
        );
        return parse_iso_date(&ymd).ok_or_else(bad);
    }
    if let Some(day) = ymd_parts(date_part, &['-', '/', '.']) {
        return Ok(day);
    }
    // Excel's serial day numbers, counted from 1899-12-30 (Lotus's 1900 leap-year bug
    // makes that the epoch for every date after February 1900). Below 3653 (1910-01-01)
    // a bare number is more likely a year or a typo than a date.
    if let Ok(serial) = date_part.parse::<f64>() {
        if (3653.0..=2_958_465.0).contains(&serial) {
            return Ok(excel_serial_to_day(serial));
        }
    }
    Err(bad())
}

/// The day of an Excel serial date number (its fraction, the time of day, is dropped).
pub fn excel_serial_to_day(serial: f64) -> Day {
    const EXCEL_EPOCH: Day = -25_569; // 1899-12-30
    EXCEL_EPOCH + serial.floor() as Day
}

/// `Y?M?D` with a four-digit year and one of the separators.
fn ymd_parts(s: &str, separators: &[char]) -> Option<Day> {
    let mut parts = s.split(separators);
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || y.len() != 4
        || m.is_empty()
        || m.len() > 2
        || d.is_empty()
        || d.len() > 2
    {
        return None;
    }
    let n = |t: &str| t.parse::<u32>().ok();
    NaiveDate::from_ymd_opt(n(y)? as i32, n(m)?, n(d)?).map(to_day)
}

/// Full-width digits, letters and punctuation to ASCII (NFKC), only when there are any.
pub fn half_width(s: &str) -> std::borrow::Cow<'_, str> {
    use unicode_normalization::UnicodeNormalization;
    if s.is_ascii() {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.nfkc().collect())
    }
}

/// An ISO date `YYYY-MM-DD`, byte by byte.
fn parse_iso_date(s: &str) -> Option<Day> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r.clone())?.iter().try_fold(0u32, |acc, d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    (b.len() == 10 && b[4] == b'-' && b[7] == b'-')
        .then(|| Some((digits(0..4)?, digits(5..7)?, digits(8..10)?)))
        .flatten()
        .and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y as i32, m, d))
        .map(to_day)
}

/// Yuan held as a float (a config's tolerance, threshold or rate; a summary's total) in
/// fen, to the nearest fen: rules compare and print money as exact fen.
pub fn fen_of_yuan(yuan: f64) -> i64 {
    (yuan * 100.0).round() as i64
}

/// Parses a yuan amount with at most two decimals into fen, exactly (no floating point:
/// "one fen short" must stay one fen). Accepts what spreadsheets show: `1,234.50`,
/// `¥1234.5`, `1234.50元`, full-width digits.
pub fn parse_amount_fen(raw: &str) -> Result<i64, String> {
    // Two million amounts a county night, nearly all plain: read their bytes without the
    // cleaning below (which allocates twice a cell).
    match plain_fen(raw.as_bytes()) {
        Some(fen) => Ok(fen),
        None => cleaned_fen(raw),
    }
}

/// [`parse_amount_fen`] the long way: what spreadsheets show cleaned away first.
fn cleaned_fen(raw: &str) -> Result<i64, String> {
    let original = raw.trim();
    let cleaned: String = half_width(original)
        .chars()
        .filter(|c| !matches!(c, ',' | '¥' | '￥' | '元' | ' ' | '\u{a0}'))
        .collect();
    let s = cleaned.as_str();
    let bad = || format!("`{original}` is not an amount in yuan (digits, at most two decimals)");
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
        return Err(format!("`{original}` is too large to be a payment amount"));
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

/// `-?D{1,13}(.D{1,2})?` in fen, where D is an ASCII digit; None for anything else
/// (which [`parse_amount_fen`] then reads the long way, to the same value).
fn plain_fen(b: &[u8]) -> Option<i64> {
    let (negative, b) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    let dot = b.iter().position(|&c| c == b'.').unwrap_or(b.len());
    let (int, frac) = (&b[..dot], b.get(dot + 1..).unwrap_or(&[]));
    if int.is_empty() || int.len() > 13 || frac.len() > 2 || (dot < b.len() && frac.is_empty()) {
        return None;
    }
    let mut yuan: i64 = 0;
    for &c in int {
        yuan = yuan * 10 + i64::from(c.checked_sub(b'0').filter(|d| *d < 10)?);
    }
    let mut fen: i64 = 0;
    for k in 0..2 {
        let d = match frac.get(k) {
            Some(&c) => i64::from(c.checked_sub(b'0').filter(|d| *d < 10)?),
            None => 0,
        };
        fen = fen * 10 + d;
    }
    let total = yuan * 100 + fen;
    Some(if negative { -total } else { total })
}

/// Cleans an ID number or account number as office tools mangle it: spaces inside, a
/// leading apostrophe (Excel's "store as text" mark), full-width digits, and for ID
/// numbers a lower-case check character. A number in scientific notation (`4.11623E+17`)
/// has lost its digits and cannot be repaired: that is an error.
pub fn clean_code(raw: &str, upper: bool) -> Result<String, String> {
    let text = half_width(raw.trim());
    let s = text.strip_prefix('\'').unwrap_or(&text);
    let mut out: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if upper {
        out.make_ascii_uppercase();
    }
    if looks_scientific(&out) {
        return Err(format!(
            "`{}` is in scientific notation: the digits are lost. Format the column as text in Excel and export it again",
            raw.trim()
        ));
    }
    Ok(out)
}

/// `4.11623E+17`, `6.22848e18`: a mantissa with a decimal point and an exponent.
fn looks_scientific(s: &str) -> bool {
    let Some((mantissa, exponent)) = s.split_once(['E', 'e']) else {
        return false;
    };
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    !mantissa.is_empty()
        && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !exponent.is_empty()
        && exponent.bytes().all(|b| b.is_ascii_digit())
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

/// Local time, ISO 8601 with offset: when a run started and finished, when a decision was
/// recorded. Here, with the other date handling, so reports and the ledger need not reach
/// into the run machinery for it.
/// Today, on this machine's clock.
pub fn today() -> Day {
    to_day(chrono::Local::now().date_naive())
}

pub fn now() -> String {
    chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// A period as a span of months (`2025` → 2025-01..12, `2025Q3` → 07..09, `2025-03`
/// → 03); None for a label of another form, which then overlaps only itself.
pub fn months(period: &str) -> Option<(u32, u32)> {
    let p = period.trim();
    let year: u32 = p.get(..4)?.parse().ok()?;
    let rest = &p[4..];
    let base = year * 12;
    if rest.is_empty() || rest == "年" || rest == "年度" {
        return Some((base, base + 11));
    }
    if let Some(q) = rest
        .strip_prefix('Q')
        .or_else(|| rest.strip_prefix('q'))
        .and_then(|q| q.parse::<u32>().ok())
        .or_else(|| chinese_quarter(rest))
        .filter(|q| (1..=4).contains(q))
    {
        return Some((base + 3 * (q - 1), base + 3 * q - 1));
    }
    let m: u32 = rest
        .trim_start_matches(['-', '/', '年'])
        .trim_end_matches('月')
        .parse()
        .ok()?;
    (1..=12)
        .contains(&m)
        .then_some((base + m - 1, base + m - 1))
}

/// `年第三季度`, `年3季度`, `年三季度` → 3: how posted lists and office files name quarters.
fn chinese_quarter(rest: &str) -> Option<u32> {
    let q = rest
        .trim_start_matches('年')
        .trim_start_matches('第')
        .strip_suffix("季度")?;
    match q {
        "一" | "1" | "１" => Some(1),
        "二" | "2" | "２" => Some(2),
        "三" | "3" | "３" => Some(3),
        "四" | "4" | "４" => Some(4),
        _ => None,
    }
}

/// The first day of a period (`2025Q3` → 2025-07-01), where [`months`] reads it.
pub fn period_start(period: &str) -> Option<Day> {
    let (first, _) = months(period)?;
    NaiveDate::from_ymd_opt((first / 12) as i32, first % 12 + 1, 1).map(to_day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn age_is_completed_years() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(whole_years(d(1945, 7, 1), d(2025, 7, 1)), 80);
        assert_eq!(whole_years(d(1945, 7, 2), d(2025, 7, 1)), 79);
    }

    #[test]
    fn chinese_quarters_are_quarters() {
        assert_eq!(months("2025年第三季度"), months("2025Q3"));
        assert_eq!(months("2025年1季度"), months("2025Q1"));
        assert_eq!(months("2025年第五季度"), None);
        assert_eq!(period_start("2025Q3"), period_start("2025-07"));
    }

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
    fn dates_as_office_tools_write_them() {
        let d = |s: &str| parse_date(s).map(fmt_day);
        assert_eq!(d("2025-03-31"), Ok("2025-03-31".into()));
        assert_eq!(parse_date("1970-01-01"), Ok(0));
        for same in [
            "2025/1/5",
            "2025-1-5",
            "2025.01.05",
            "2025年1月5日",
            "20250105",
            "45662",
            "2025/1/5 0:00:00",
            "2025-01-05T08:30:00",
            "２０２５年１月５日",
            "45662.75",
        ] {
            assert_eq!(d(same), Ok("2025-01-05".into()), "{same}");
        }
        assert!(parse_date("2025-02-30").is_err());
        assert!(parse_date("2025-03-1x").is_err());
        assert!(
            parse_date("05/01/2025").is_err(),
            "day-first or month-first is ambiguous"
        );
        assert!(parse_date("20251305").is_err());
        assert!(parse_date("").is_err());
        assert!(
            parse_date("2025").is_err(),
            "a bare year is not an Excel date number"
        );
    }

    #[test]
    fn amounts_as_spreadsheets_show_them() {
        assert_eq!(parse_amount_fen("1,234.50"), Ok(123450));
        assert_eq!(parse_amount_fen("¥1234.5"), Ok(123450));
        assert_eq!(parse_amount_fen("1234.50元"), Ok(123450));
        assert_eq!(parse_amount_fen("１２３４．５０"), Ok(123450));
        assert_eq!(parse_amount_fen("￥ 620"), Ok(62000));
        assert!(parse_amount_fen("1,234.567").is_err());
    }

    #[test]
    fn codes_cleaned_and_scientific_notation_refused() {
        assert_eq!(
            clean_code(" '41162319900101123x ", true),
            Ok("41162319900101123X".into())
        );
        assert_eq!(
            clean_code("4116 2319 9001 0112 3X", true),
            Ok("41162319900101123X".into())
        );
        assert_eq!(clean_code("６２２８４８", false), Ok("622848".into()));
        assert!(clean_code("4.11623E+17", true)
            .unwrap_err()
            .contains("scientific notation"));
        assert!(clean_code("6.22848e18", false).is_err());
        assert_eq!(clean_code("EE12", true), Ok("EE12".into()));
    }

    #[test]
    fn yuan_formatting() {
        assert_eq!(fmt_yuan(123450), "1,234.50");
        assert_eq!(fmt_yuan(1), "0.01");
        assert_eq!(fmt_yuan(-100000000), "-1,000,000.00");
    }

    proptest! {
        /// The plain-amount fast path reads every amount it takes as the long way does,
        /// and leaves the rest to it.
        #[test]
        fn plain_amounts_read_as_the_long_way_reads_them(raw in "-?[0-9]{0,15}(\\.[0-9]{0,3})?|[0-9 .,+-]{0,8}") {
            if let Some(fen) = plain_fen(raw.as_bytes()) {
                prop_assert_eq!(Ok(fen), cleaned_fen(&raw), "{}", raw);
            }
        }
    }

    proptest! {
        #[test]
        fn amount_round_trips(fen in -10_000_000_000i64..10_000_000_000i64) {
            let text = format!("{}{}.{:02}", if fen < 0 { "-" } else { "" }, fen.unsigned_abs() / 100, fen.unsigned_abs() % 100);
            prop_assert_eq!(parse_amount_fen(&text), Ok(fen));
        }

        #[test]
        fn cell_parsers_never_panic(s in "\\PC*") {
            let _ = parse_amount_fen(&s);
            let _ = parse_date(&s);
            let _ = clean_code(&s, true);
        }
    }
}
