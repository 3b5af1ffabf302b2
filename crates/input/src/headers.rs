//! Which header is which field: the config's `[columns.<file>]` mapping first, then the
//! field's own name, then the built-in aliases (姓名, 身份证号, 银行账号 …). Headers are
//! compared folded: spaces and `*` removed, full-width forms and case folded.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use unicode_normalization::UnicodeNormalization;

use fundaudit_core::spec::FileSpec;

/// A header as it is compared.
pub fn fold(header: &str) -> String {
    let kept = |c: &char| !c.is_whitespace() && !matches!(c, '*' | '\u{feff}');
    // ASCII and the common CJK ideographs are their own NFKC form: most cells (names,
    // numbers, dates, 姓名) skip the normalizer, which a folder of ten thousand files feels.
    if header
        .chars()
        .all(|c| c.is_ascii() || ('\u{4e00}'..='\u{9fff}').contains(&c))
    {
        return header
            .chars()
            .filter(kept)
            .map(|c| c.to_ascii_lowercase())
            .collect();
    }
    slow_fold(header)
}

/// [`fold`] through the normalizer, whatever the text.
fn slow_fold(header: &str) -> String {
    header
        .nfkc()
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '\u{feff}'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A spec's columns by folded name and by folded alias (each alias's columns in spec
/// order): built once per run, not once per header of every file (ten thousand posted
/// lists, each header row tried against every ledger).
struct Known {
    by_name: FxHashMap<String, usize>,
    by_alias: FxHashMap<String, Vec<usize>>,
    /// Per column, its name and aliases folded.
    words: Vec<Vec<String>>,
}

fn known(spec: &FileSpec) -> Rc<Known> {
    thread_local! {
        static CACHE: RefCell<FxHashMap<&'static str, Rc<Known>>> = RefCell::default();
    }
    CACHE.with(|cache| {
        cache
            .borrow_mut()
            .entry(spec.stem)
            .or_insert_with(|| {
                let mut k = Known {
                    by_name: FxHashMap::default(),
                    by_alias: FxHashMap::default(),
                    words: Vec::new(),
                };
                for (i, c) in spec.columns.iter().enumerate() {
                    k.by_name.entry(fold(c.name)).or_insert(i);
                    for a in c.aliases {
                        k.by_alias.entry(fold(a)).or_default().push(i);
                    }
                    k.words.push(
                        std::iter::once(c.name)
                            .chain(c.aliases.iter().copied())
                            .map(fold)
                            .collect(),
                    );
                }
                Rc::new(k)
            })
            .clone()
    })
}

/// Whether every column `spec` requires is named (by its name or an alias) by one of
/// `cells`, folded: a few lookups a ledger, not one per cell of a file's first rows.
pub fn names_required(cells: &rustc_hash::FxHashSet<String>, spec: &FileSpec) -> bool {
    let known = known(spec);
    spec.columns
        .iter()
        .zip(&known.words)
        .all(|(c, words)| !c.required || words.iter().any(|w| cells.contains(w.as_str())))
}

/// The field each header maps to (None: an extra column, kept and ignored). When two
/// headers mean one field, the left-most one is used.
pub fn map_headers(
    headers: &[String],
    spec: &FileSpec,
    user: Option<&BTreeMap<String, String>>,
) -> Vec<Option<&'static str>> {
    let folded: Vec<String> = headers.iter().map(|h| fold(h)).collect();
    map_folded(&folded, spec, user)
}

/// [`map_headers`] of headers already [`fold`]ed: finding a header row tries every row of
/// a file's head against every ledger, and folds each cell once, not once a try.
pub fn map_folded<S: AsRef<str>>(
    folded: &[S],
    spec: &FileSpec,
    user: Option<&BTreeMap<String, String>>,
) -> Vec<Option<&'static str>> {
    let user: Vec<(String, &str)> = user
        .into_iter()
        .flatten()
        .map(|(h, f)| (fold(h), f.as_str()))
        .collect();
    let known = known(spec);
    let mut taken = vec![false; spec.columns.len()];
    let mut out = vec![None; folded.len()];
    // Three passes, strongest first, so an exact name beats an alias wherever it stands;
    // in each, a header takes the first column (in spec order) it may mean and that no
    // header left of it took.
    for pass in 0..3 {
        if pass == 0 && user.is_empty() {
            continue;
        }
        for (i, h) in folded.iter().enumerate() {
            let h = h.as_ref();
            if out[i].is_some() || h.is_empty() {
                continue;
            }
            let free = |c: &usize| !taken[*c];
            let found = match pass {
                0 => spec.columns.iter().enumerate().position(|(c, col)| {
                    !taken[c] && user.iter().any(|(uh, f)| uh == h && *f == col.name)
                }),
                1 => known.by_name.get(h).copied().filter(free),
                _ => known
                    .by_alias
                    .get(h)
                    .and_then(|v| v.iter().copied().find(free)),
            };
            if let Some(c) = found {
                taken[c] = true;
                out[i] = Some(spec.columns[c].name);
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
    fn the_fast_fold_is_the_normalizer_s() {
        for h in [
            "姓名",
            " Payee_Name* ",
            "ID\tNo",
            "2025-01-01",
            "身份证号码",
            "4116**********123X",
            "\u{7f}",
            "户 主 姓 名",
            "AMOUNT(元)",
        ] {
            assert_eq!(fold(h), slow_fold(h), "{h:?}");
        }
    }

    #[test]
    fn folding() {
        assert_eq!(fold(" \u{feff}Payee_Name* "), "payee_name");
        assert_eq!(fold("乡镇（街道）"), "乡镇(街道)");
    }
}
