//! Which header is which field: the config's `[columns.<file>]` mapping first, then the
//! field's own name, then the built-in aliases (姓名, 身份证号, 银行账号 …). Headers are
//! compared folded: spaces and `*` removed, full-width forms and case folded.

use std::collections::BTreeMap;

use unicode_normalization::UnicodeNormalization;

use fundaudit_core::spec::{ColumnSpec, FileSpec};

/// A header as it is compared.
pub fn fold(header: &str) -> String {
    header
        .nfkc()
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '\u{feff}'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether a folded header means a column.
type Matcher<'a> = dyn Fn(&str, &ColumnSpec) -> bool + 'a;

/// The field each header maps to (None: an extra column, kept and ignored). When two
/// headers mean one field, the left-most one is used.
pub fn map_headers(
    headers: &[String],
    spec: &FileSpec,
    user: Option<&BTreeMap<String, String>>,
) -> Vec<Option<&'static str>> {
    let folded: Vec<String> = headers.iter().map(|h| fold(h)).collect();
    let user: Vec<(String, &str)> = user
        .into_iter()
        .flatten()
        .map(|(h, f)| (fold(h), f.as_str()))
        .collect();
    let mut taken: Vec<&'static str> = Vec::new();
    let mut out = vec![None; headers.len()];
    // Three passes, strongest first, so an exact name beats an alias wherever it stands.
    let passes: [&Matcher; 3] = [
        &|h, c| user.iter().any(|(uh, f)| uh == h && *f == c.name),
        &|h, c| h == fold(c.name),
        &|h, c| c.aliases.iter().any(|a| fold(a) == h),
    ];
    for pass in passes {
        for (i, h) in folded.iter().enumerate() {
            if out[i].is_some() {
                continue;
            }
            if let Some(c) = spec
                .columns
                .iter()
                .find(|c| !taken.contains(&c.name) && pass(h, c))
            {
                taken.push(c.name);
                out[i] = Some(c.name);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use fundaudit_core::spec::{BENEFICIARIES, PAYMENTS};

    fn headers(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn chinese_headers_map_to_fields() {
        let h = headers(&[
            "人员编号",
            "姓名",
            "公民身份号码",
            "乡镇（街道）",
            "村（社区）",
            "一卡通账号",
            "备注",
        ]);
        let m = map_headers(&h, &BENEFICIARIES, None);
        assert_eq!(
            m,
            [
                Some("beneficiary_id"),
                Some("name"),
                Some("id_number"),
                Some("township"),
                Some("village"),
                Some("bank_account"),
                None
            ]
        );
    }

    #[test]
    fn exact_names_beat_aliases_and_the_first_alias_wins() {
        // 姓名 is an alias of payee_name, but the file also has payee_name itself.
        let h = headers(&["姓名", "payee_name", "实发金额", "金额"]);
        let m = map_headers(&h, &PAYMENTS, None);
        assert_eq!(m, [None, Some("payee_name"), Some("amount"), None]);
    }

    #[test]
    fn config_mapping_comes_first() {
        let mut user = BTreeMap::new();
        user.insert("交易 编号".to_string(), "payment_id".to_string());
        let h = headers(&["交易编号", "流水号"]);
        let m = map_headers(&h, &PAYMENTS, Some(&user));
        assert_eq!(m, [Some("payment_id"), None]);
    }

    #[test]
    fn folding() {
        assert_eq!(fold(" \u{feff}Payee_Name* "), "payee_name");
        assert_eq!(fold("乡镇（街道）"), "乡镇(街道)");
    }
}
