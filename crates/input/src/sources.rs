//! Which files hold each ledger. Real inputs arrive as `2025年第三季度低保金发放花名册.xlsx`,
//! one workbook per township or month, or a bank's monthly files in a folder, so a ledger
//! may be, in this order of precedence:
//!
//! 1. the files the config's `[inputs]` patterns name (`payments = ["代发/*.xlsx"]`);
//! 2. `<name>.<ext>` in the data folder (every supported extension present), and every
//!    supported file in a folder `<name>/`;
//! 3. any other file in the data folder or one folder down, recognised by a Chinese word
//!    in its name or its folder's (花名册 → beneficiaries, 发放清册 → allocations, 代发 →
//!    payments, 死亡 → deaths, 财政供养 → officials …) *and confirmed by its header*; a file
//!    without such a word joins a main ledger only when its header fits that ledger alone.
//!
//! A file that fits nothing is listed as not used, never silently ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::header_shape::{find_header, first_row_maps_required, Grid};
use super::read::table::EXTENSIONS;
use fundaudit_core::config::Config;
use fundaudit_core::error::{Error, Result};
use fundaudit_core::spec::{FileSpec, ALL};

/// Words in file or folder names, per ledger.
const NAME_WORDS: &[(&str, &[&str])] = &[
    (
        "beneficiaries",
        &["花名册", "享受对象", "人员名册", "名册", "对象名单"],
    ),
    ("allocations", &["发放清册", "清册", "分配", "核定"]),
    (
        "payments",
        &["代发", "发放明细", "银行", "流水", "到账", "支付明细"],
    ),
    ("deaths", &["死亡", "火化", "殡葬"]),
    (
        "officials",
        &["财政供养", "公职人员", "干部", "工作人员", "编制"],
    ),
    ("notices", &["公示"]),
    ("land", &["确权", "承包地"]),
    ("projects", &["项目批复", "项目计划", "项目库", "立项"]),
    ("contracts", &["合同", "招标", "中标"]),
    (
        "project_payments",
        &["项目资金拨付", "项目拨付", "项目支付"],
    ),
    ("acceptances", &["验收"]),
    (
        "contractors",
        &["企业登记", "企业信息", "工商", "股东", "承包商"],
    ),
];

/// The files of each ledger, and the files looked at and not used (with why).
#[derive(Debug, Default)]
pub struct Plan {
    pub files: BTreeMap<&'static str, Vec<PathBuf>>,
    pub unused: Vec<String>,
}

fn supported(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    // Hidden files and the lock files office programs leave beside open workbooks.
    if name.starts_with('.') || name.starts_with("~$") {
        return false;
    }
    EXTENSIONS.contains(&super::read::table::extension(path).as_str())
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && supported(p))
        .collect();
    out.sort_by_cached_key(|p| file_order(p));
    out
}

/// Files in name order, except that a copy follows its original: `名单 - 副本.csv` sorts
/// before `名单.csv` by name, and of two files with the same rows the one read first is
/// the one used (the other's rows are "repeated from another file"), so the original
/// should be read first and the copy named as the repeat.
fn file_order(path: &Path) -> (String, bool, String) {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let stem = path.file_stem().and_then(|n| n.to_str()).unwrap_or("");
    let original = original_stem(stem);
    (
        format!("{original}{}", &name[stem.len()..]),
        original.len() < stem.len(),
        name.to_string(),
    )
}

/// A file name's stem without the marks office programs and browsers add to a copy:
/// `名单 - 副本`, `名单 - 副本 (2)`, `名单的副本`, `名单 - Copy`, `名单 副本 2`, `名单 copy`,
/// `名单 (1)`.
fn original_stem(stem: &str) -> &str {
    let s = without_number(stem.trim_end());
    let bare = s.trim_end_matches(|c: char| c.is_ascii_digit()).trim_end();
    for mark in ["副本", "copy", "Copy", "COPY"] {
        if let Some(t) = bare.strip_suffix(mark) {
            let t = t.trim_end();
            let t = t.strip_suffix(['-', '_', '的']).unwrap_or(t).trim_end();
            if !t.is_empty() {
                return t;
            }
        }
    }
    s
}

/// `名单 (2)` → `名单`: a number in brackets at the end.
fn without_number(s: &str) -> &str {
    for (open, close) in [('(', ')'), ('（', '）')] {
        let Some(t) = s.strip_suffix(close) else {
            continue;
        };
        if let Some(i) = t.rfind(open) {
            let inner = &t[i + open.len_utf8()..];
            if !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_digit()) {
                return t[..i].trim_end();
            }
        }
    }
    s
}

/// `*` and `?` wildcards over one file name.
fn wildcard(pattern: &[char], name: &[char]) -> bool {
    match (pattern.first(), name.first()) {
        (None, None) => true,
        (Some('*'), _) => {
            wildcard(&pattern[1..], name) || (!name.is_empty() && wildcard(pattern, &name[1..]))
        }
        (Some('?'), Some(_)) => wildcard(&pattern[1..], &name[1..]),
        (Some(p), Some(n)) if p == n => wildcard(&pattern[1..], &name[1..]),
        _ => false,
    }
}

/// The files a pattern relative to `dir` names (wildcards in the last part only).
fn glob(dir: &Path, pattern: &str) -> Vec<PathBuf> {
    let full = dir.join(pattern);
    let (Some(parent), Some(name)) = (full.parent(), full.file_name().and_then(|n| n.to_str()))
    else {
        return Vec::new();
    };
    let want: Vec<char> = name.chars().collect();
    files_in(parent)
        .into_iter()
        .filter(|p| {
            let n: Vec<char> = p
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .chars()
                .collect();
            wildcard(&want, &n)
        })
        .collect()
}

/// The ledgers a name suggests.
fn named(path: &Path, dir: &Path) -> Vec<&'static str> {
    let rel = path.strip_prefix(dir).unwrap_or(path).to_string_lossy();
    NAME_WORDS
        .iter()
        .filter(|(_, words)| words.iter().any(|w| rel.contains(w)))
        .map(|(stem, _)| *stem)
        .collect()
}

/// Whether a file's first rows hold a header that maps every required field.
fn fits(grid: &Grid, spec: &FileSpec, config: &Config) -> bool {
    let user = config.columns.get(spec.stem);
    grid.may_fit(spec, user)
        && (first_row_maps_required(grid, spec, user)
            || find_header(grid, spec, user)
                .is_some_and(|h| h.required == spec.columns.iter().filter(|c| c.required).count()))
}

/// The first rows of a file as cells, cheaply: a text file's first 64 KiB, a workbook's
/// first sheet.
fn head_grid(path: &Path) -> Result<Grid> {
    if super::read::table::is_workbook(path) {
        return super::read::workbook::head_workbook_grid(
            path,
            super::header_shape::HEADER_SCAN_ROWS + 1,
        );
    }
    match super::read::table::extension(path).as_str() {
        "parquet" => {
            let raw = super::read::read_source(path, None)?;
            let header = raw
                .frame
                .get_column_names()
                .iter()
                .map(|n| Some(n.to_string()))
                .collect();
            Ok(Grid::new(vec![header], vec![1]))
        }
        _ => super::read::delimited::head_delimited_grid(path, 64 * 1024),
    }
}

/// Where `path` really is when that is outside the data folder (`dir_real`, resolved): a
/// link to elsewhere, or an `[inputs]` pattern with `..`. None when it is inside.
fn outside(path: &Path, dir_real: &Path) -> Option<PathBuf> {
    let real = std::fs::canonicalize(path).ok()?;
    (!real.starts_with(dir_real)).then_some(real)
}

/// Decides which files hold each ledger (see the module comment).
pub fn plan(dir: &Path, config: &Config) -> Result<Plan> {
    let mut plan = Plan::default();
    // A set: a folder of ten thousand per-village lists is ten thousand lookups.
    let mut claimed: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    let dir_real = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let allow_outside = config.limits.allow_outside;
    for spec in ALL {
        let mut files = declared_files(dir, spec, config, &mut plan.unused);
        files.dedup();
        if !allow_outside {
            refuse_outside(&files, &dir_real)?;
        }
        claimed.extend(files.iter().cloned());
        plan.files.insert(spec.stem, files);
    }
    let rest = files_here_and_one_down(dir);
    // Reference lists are the config's (`[[lists]] file`), not ledgers.
    let is_list = |p: &Path| {
        p.parent() == Some(dir)
            && p.file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| config.lists.iter().any(|l| l.file == s))
    };
    // A link to a file outside the folder is not even peeked at.
    let (rest, elsewhere): (Vec<PathBuf>, Vec<PathBuf>) = rest
        .into_iter()
        .partition(|p| allow_outside || outside(p, &dir_real).is_none());
    for path in elsewhere {
        plan.unused.push(format!(
            "{}: not read (a link to outside the data folder)",
            path.strip_prefix(dir).unwrap_or(&path).display()
        ));
    }
    let rest: Vec<PathBuf> = rest
        .into_iter()
        .filter(|p| !claimed.contains(p) && !is_list(p))
        .collect();
    // Each file's header peeked on every core: a folder of ten thousand lists.
    let decided = crate::parallel::map_each(&rest, |path| decide(path, dir, config));
    for (path, decision) in rest.into_iter().zip(decided) {
        match decision? {
            Decision::Ledger(stem) => {
                if let Some(files) = plan.files.get_mut(stem) {
                    files.push(path);
                }
            }
            Decision::Unused(why) => plan.unused.push(why),
        }
    }
    refuse_side_by_side(&plan, dir, config)?;
    Ok(plan)
}

/// The files a ledger's config patterns name, or else its own name's files and folder
/// (a pattern matching nothing is said in `unused`).
fn declared_files(
    dir: &Path,
    spec: &FileSpec,
    config: &Config,
    unused: &mut Vec<String>,
) -> Vec<PathBuf> {
    let mut files = Vec::new();
    if let Some(patterns) = config.inputs.get(spec.stem) {
        for pattern in patterns {
            let found = glob(dir, pattern);
            if found.is_empty() {
                unused.push(format!("inputs.{}: `{pattern}` matches no file", spec.stem));
            }
            files.extend(found);
        }
    } else {
        files.extend(
            EXTENSIONS
                .iter()
                .map(|ext| dir.join(format!("{}.{ext}", spec.stem)))
                .filter(|p| p.is_file()),
        );
        files.extend(files_in(&dir.join(spec.stem)));
    }
    files
}

/// Refuses a ledger file that is (a link to) a file outside the data folder.
fn refuse_outside(files: &[PathBuf], dir_real: &Path) -> Result<()> {
    for f in files {
        if let Some(real) = outside(f, dir_real) {
            return Err(Error::Unreadable {
                path: f.display().to_string(),
                message: format!(
                    "it is outside the data folder {} (it is {}); fundaudit reads only the \
                     data folder's own files: copy the file in, or set [limits] \
                     allow_outside = true in the config",
                    dir_real.display(),
                    real.display()
                ),
            });
        }
    }
    Ok(())
}

/// Every other file of the data folder and of its folders one level down (hidden
/// folders aside), in order.
fn files_here_and_one_down(dir: &Path) -> Vec<PathBuf> {
    let mut rest: Vec<PathBuf> = files_in(dir);
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_dir()
                && !p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    subdirs.sort();
    for sub in subdirs {
        rest.extend(files_in(&sub));
    }
    rest
}

/// What a file no pattern or own name claimed is.
enum Decision {
    Ledger(&'static str),
    /// Not read, and why.
    Unused(String),
}

/// The ledger a file's name and header fit, or why it is not read; refuses a header that
/// fits two main ledgers alike.
fn decide(path: &Path, dir: &Path, config: &Config) -> Result<Decision> {
    let shown = path.strip_prefix(dir).unwrap_or(path).display().to_string();
    let by_name = named(path, dir);
    // The file's first rows, read once for every ledger it is tried against.
    let grid = head_grid(path).unwrap_or_default();
    let fitting: Vec<&'static str> = ALL
        .iter()
        .filter(|s| !config.inputs.contains_key(s.stem))
        .filter(|s| fits(&grid, s, config))
        .map(|s| s.stem)
        .collect();
    let named_and_fitting: Vec<&str> = by_name
        .iter()
        .copied()
        .filter(|s| fitting.contains(s))
        .collect();
    // Reference lists (deaths, officials) need little (a name, a date): their word in
    // the name is required. The main ledgers may be recognised by header alone.
    let main_fitting: Vec<&str> = fitting
        .iter()
        .copied()
        .filter(|s| ["beneficiaries", "allocations", "payments"].contains(s))
        .collect();
    // A file its name gives to one ledger whose header is that ledger's in part goes to
    // it all the same: loading then says which column is missing, instead of the file
    // being passed over.
    let named_partly = match by_name.as_slice() {
        [one] => ALL
            .iter()
            .find(|s| s.stem == *one && !config.inputs.contains_key(s.stem))
            .filter(|s| {
                let user = config.columns.get(s.stem);
                first_row_maps_required(&grid, s, user) || find_header(&grid, s, user).is_some()
            })
            .map(|s| s.stem),
        _ => None,
    };
    let choice = match (named_and_fitting.as_slice(), main_fitting.as_slice()) {
        ([one], _) => Some(*one),
        ([], [one]) => Some(*one),
        _ => named_partly,
    };
    match choice {
        Some(stem) => Ok(Decision::Ledger(stem)),
        None if main_fitting.len() > 1 => Err(Error::Argument(format!(
            "{}: its header fits {} alike; say which in the config, e.g. [inputs] {} = [\"{shown}\"]",
            path.display(),
            main_fitting.join(" and "),
            main_fitting[0]
        ))),
        None => Ok(Decision::Unused(format!(
            "{shown} (its header fits no ledger{})",
            if by_name.is_empty() {
                String::new()
            } else {
                format!("; its name suggests {}", by_name.join("/"))
            }
        ))),
    }
}

/// Several files of one ledger side by side in the data folder are ambiguous: which is
/// the export and which a copy (payments.csv beside payments.tsv)? Files in a folder
/// are a set, stacked; files the config names are what it says.
fn refuse_side_by_side(plan: &Plan, dir: &Path, config: &Config) -> Result<()> {
    for spec in ALL {
        if config.inputs.contains_key(spec.stem) {
            continue;
        }
        let side_by_side: Vec<String> = plan.files[spec.stem]
            .iter()
            .filter(|p| p.parent() == Some(dir))
            .map(|p| {
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .to_string()
            })
            .collect();
        if side_by_side.len() > 1 {
            return Err(Error::Argument(format!(
                "{}: {} files in {} could each be it: {}. Keep one; or put the set in a folder \
                 ({}/, or one named in Chinese such as 代发/) to stack them; or list them in the \
                 config: [inputs] {} = [...]",
                spec.stem,
                side_by_side.len(),
                dir.display(),
                side_by_side.join(", "),
                spec.stem,
                spec.stem
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_is_read_after_its_original() {
        for (copy, original) in [
            ("名单 - 副本", "名单"),
            ("名单 - 副本 (2)", "名单"),
            ("名单的副本", "名单"),
            ("名单 - Copy", "名单"),
            ("名单 副本 2", "名单"),
            ("名单 copy", "名单"),
            ("名单 (1)", "名单"),
            ("名单（3）", "名单"),
        ] {
            assert_eq!(original_stem(copy), original, "{copy}");
        }
        for name in ["名单", "2025Q1", "第(2)期", "副本", "低保2025"] {
            assert_eq!(original_stem(name), name);
        }
        let mut files: Vec<PathBuf> = ["b.csv", "a - 副本.csv", "a.csv", "a (1).csv", "A.csv"]
            .iter()
            .map(PathBuf::from)
            .collect();
        files.sort_by_cached_key(|p| file_order(p));
        let names: Vec<&str> = files.iter().filter_map(|p| p.to_str()).collect();
        assert_eq!(
            names,
            ["A.csv", "a.csv", "a (1).csv", "a - 副本.csv", "b.csv"]
        );
    }

    #[test]
    fn wildcards() {
        let w = |p: &str, n: &str| {
            wildcard(
                &p.chars().collect::<Vec<_>>(),
                &n.chars().collect::<Vec<_>>(),
            )
        };
        assert!(w("*.xlsx", "2025年7月代发.xlsx"));
        assert!(w("代发??.csv", "代发07.csv"));
        assert!(!w("*.xlsx", "a.csv"));
        assert!(w("*", ""));
    }

    #[test]
    fn files_are_found_by_name_folder_pattern_and_header() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(
            d.join("beneficiaries.csv"),
            "beneficiary_id,name,id_number,township,village,bank_account\n",
        )
        .unwrap();
        std::fs::create_dir_all(d.join("allocations")).unwrap();
        std::fs::write(
            d.join("allocations/7月.csv"),
            "allocation_id,program,period,beneficiary_id,township,amount,funds_received_date\n",
        )
        .unwrap();
        let pay = "流水号,清册编号,人员编号,户名,账号,金额,交易日期,补贴项目\n";
        std::fs::write(d.join("2025年7月农商行代发明细.csv"), pay).unwrap();
        std::fs::create_dir_all(d.join("bank")).unwrap();
        std::fs::write(d.join("bank/202508.csv"), pay).unwrap();
        std::fs::write(d.join("死亡人员名单.csv"), "姓名,死亡日期\n").unwrap();
        std::fs::write(d.join("truth.csv"), "rule,allocation_id\n").unwrap();
        std::fs::write(d.join("~$花名册.xlsx"), "lock").unwrap();
        let plan = plan(d, &Config::default()).unwrap();
        let names = |stem: &str| -> Vec<String> {
            plan.files[stem]
                .iter()
                .map(|p| p.strip_prefix(d).unwrap().display().to_string())
                .collect()
        };
        assert_eq!(names("beneficiaries"), ["beneficiaries.csv"]);
        assert_eq!(names("allocations"), ["allocations/7月.csv"]);
        assert_eq!(
            names("payments"),
            ["2025年7月农商行代发明细.csv", "bank/202508.csv"]
        );
        assert_eq!(names("deaths"), ["死亡人员名单.csv"]);
        assert!(
            plan.unused.iter().any(|u| u.starts_with("truth.csv")),
            "{:?}",
            plan.unused
        );
        // The config's patterns replace the search for that ledger.
        let mut config = Config::default();
        config
            .inputs
            .insert("payments".into(), vec!["bank/*.csv".into()]);
        let plan2 = super::plan(d, &config).unwrap();
        assert_eq!(plan2.files["payments"], [d.join("bank/202508.csv")]);
    }
}
