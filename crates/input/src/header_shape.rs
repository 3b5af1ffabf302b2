//! The shape of a table as government offices save it: a title block above the header (a
//! merged title row, `填报单位（盖章）：… 单位：元`), the header itself on one row or two (a
//! merged group header such as `银行账户信息` over `开户行 | 账号`), the data, then `合计` /
//! `小计` rows and notes (`制表人：… 审核人：…`, `填表说明`) and blank rows.
//!
//! The header is found, not assumed: of the first [`HEADER_SCAN_ROWS`] rows, the one (or
//! the pair) that maps the most of the file's required fields wins. Rows above it are the
//! title block, kept for the summary and the manifest. Rows below it that are totals, notes
//! or blank are neither data nor rejects: they are counted as skipped, each with its row.

use std::collections::BTreeMap;

use super::headers::{fold, map_folded};
use fundaudit_core::spec::FileSpec;
use fundaudit_core::text::is_han;

/// How many leading rows may hold the title block and the header.
pub const HEADER_SCAN_ROWS: usize = 30;

/// Rows of text cells, each with the row number a user sees (Excel row or text line).
#[derive(Debug, Clone, Default)]
pub struct Grid {
    pub rows: Vec<Vec<Option<String>>>,
    pub lines: Vec<usize>,
    /// The first rows' cells folded for header matching (see [`Grid::folded`]).
    pub folded: std::sync::OnceLock<Vec<Vec<Option<String>>>>,
    /// The distinct folded cells of those rows (see [`Grid::may_fit`]).
    words: std::sync::OnceLock<rustc_hash::FxHashSet<String>>,
}

impl Grid {
    pub fn new(rows: Vec<Vec<Option<String>>>, lines: Vec<usize>) -> Grid {
        Grid {
            rows,
            lines,
            folded: Default::default(),
            words: Default::default(),
        }
    }

    /// Whether every required field of `spec` is named by some cell of the first rows:
    /// else no header row can fit it, and the rows need not be tried (a folder of ten
    /// thousand files, each tried against every ledger). With the config's own header
    /// mapping for the file, every row is tried.
    pub fn may_fit(&self, spec: &FileSpec, user: Option<&BTreeMap<String, String>>) -> bool {
        if user.is_some_and(|u| !u.is_empty()) {
            return true;
        }
        let words = self
            .words
            .get_or_init(|| self.folded().iter().flatten().flatten().cloned().collect());
        super::headers::names_required(words, spec)
    }

    /// The first [`HEADER_SCAN_ROWS`] + 1 rows' cells, trimmed, blank as None, folded:
    /// once per file, though every ledger's header is looked for in them.
    fn folded(&self) -> &[Vec<Option<String>>] {
        self.folded.get_or_init(|| {
            self.rows
                .iter()
                .take(HEADER_SCAN_ROWS + 1)
                .map(|row| (0..row.len()).map(|j| cell(row, j).map(fold)).collect())
                .collect()
        })
    }
}

/// The header found in a grid.
#[derive(Debug, Clone, PartialEq)]
pub struct HeaderChoice {
    /// Index in the grid of the header's first row.
    pub row: usize,
    /// 1, or 2 for a group header over sub-headers.
    pub height: usize,
    /// One name per column (sub-header under a group header; `column_<n>` when blank).
    pub headers: Vec<String>,
    /// Required fields the header maps.
    pub required: usize,
}

/// How well a header row maps the spec: (required fields, all fields).
fn score(
    folded: &[&str],
    spec: &FileSpec,
    user: Option<&BTreeMap<String, String>>,
) -> (usize, usize) {
    let mapped = map_folded(folded, spec, user);
    let required = mapped
        .iter()
        .flatten()
        .filter(|f| spec.column(f).is_some_and(|c| c.required))
        .count();
    (required, mapped.iter().flatten().count())
}

fn cell(row: &[Option<String>], j: usize) -> Option<&str> {
    row.get(j)
        .and_then(|c| c.as_deref())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn names(cells: impl Iterator<Item = Option<String>>) -> Vec<String> {
    cells
        .enumerate()
        .map(|(j, c)| c.unwrap_or_else(|| format!("column_{}", j + 1)))
        .collect()
}

/// Whether a grid's first row alone maps every field `spec` requires. Then no row maps
/// more of them, so whether a header fits is known without scoring the rows below: a
/// folder of ten thousand lists is ten thousand headers on line 1.
pub fn first_row_maps_required(
    grid: &Grid,
    spec: &FileSpec,
    user: Option<&BTreeMap<String, String>>,
) -> bool {
    let Some(row) = grid.folded().first() else {
        return false;
    };
    let cells: Vec<&str> = row.iter().map(|c| c.as_deref().unwrap_or("")).collect();
    let required = spec.columns.iter().filter(|c| c.required).count();
    required > 0 && score(&cells, spec, user).0 == required
}

/// The header row (or pair of rows) that maps the most required fields, None when no row
/// of the first [`HEADER_SCAN_ROWS`] maps any.
pub fn find_header(
    grid: &Grid,
    spec: &FileSpec,
    user: Option<&BTreeMap<String, String>>,
) -> Option<HeaderChoice> {
    let width = grid.rows.iter().map(Vec::len).max().unwrap_or(0);
    let scan = grid.rows.len().min(HEADER_SCAN_ROWS);
    let single = |r: usize| names((0..width).map(|j| cell(&grid.rows[r], j).map(str::to_string)));
    let pair = |r: usize| {
        names((0..width).map(|j| {
            cell(&grid.rows[r + 1], j)
                .or_else(|| cell(&grid.rows[r], j))
                .map(str::to_string)
        }))
    };
    // Scored on the folded cells (a blank cell, `column_<n>`, maps nothing); the names
    // are made only for the best so far.
    let folded = grid.folded();
    let at = |r: usize, j: usize| -> &str {
        folded
            .get(r)
            .and_then(|row| row.get(j))
            .and_then(Option::as_deref)
            .unwrap_or("")
    };
    let singles: Vec<(usize, usize)> = (0..scan)
        .map(|r| {
            let cells: Vec<&str> = (0..width).map(|j| at(r, j)).collect();
            score(&cells, spec, user)
        })
        .collect();
    // (row, height, score) of the best so far: more required fields, then more fields.
    let mut best: Option<(usize, usize, (usize, usize))> = None;
    let mut consider = |row: usize, height: usize, s: (usize, usize)| {
        if s.0 > 0 && best.is_none_or(|(_, _, b)| s > b) {
            best = Some((row, height, s));
        }
    };
    for r in 0..scan {
        consider(r, 1, singles[r]);
        if r + 1 >= grid.rows.len() {
            continue;
        }
        // A group header merged over its sub-headers: the sub-header names the column, the
        // group row names the columns merged vertically (blank below). A pair counts only
        // when it maps more than either of its rows alone.
        let cells: Vec<&str> = (0..width)
            .map(|j| match at(r + 1, j) {
                "" => at(r, j),
                below => below,
            })
            .collect();
        let s = score(&cells, spec, user);
        let alone = singles[r].max(singles.get(r + 1).copied().unwrap_or((0, 0)));
        if s > alone {
            consider(r, 2, s);
        }
    }
    best.map(|(row, height, s)| HeaderChoice {
        row,
        height,
        headers: if height == 1 { single(row) } else { pair(row) },
        required: s.0,
    })
}

/// The title block's rows as text (cells joined by two spaces), blank rows left out.
pub fn title_block(grid: &Grid, choice: &HeaderChoice) -> Vec<String> {
    grid.rows[..choice.row]
        .iter()
        .map(|row| {
            row.iter()
                .flatten()
                .map(|c| c.trim())
                .filter(|c| !c.is_empty())
                .collect::<Vec<_>>()
                .join("  ")
        })
        .filter(|t| !t.is_empty())
        .collect()
}

/// Why a row below the header is not data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SkipKind {
    /// 合计 / 小计 / 总计: its amount is checked against the rows above.
    Total,
    /// 制表人, 审核人, 填表说明 …
    Notes,
    Blank,
    /// The same row as in another file of the ledger (overlapping exports): counted once.
    Repeated,
}

impl SkipKind {
    pub const ALL: [SkipKind; 4] = [
        SkipKind::Total,
        SkipKind::Notes,
        SkipKind::Blank,
        SkipKind::Repeated,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SkipKind::Total => "total",
            SkipKind::Notes => "notes",
            SkipKind::Blank => "blank",
            SkipKind::Repeated => "repeated from another file",
        }
    }
}

const TOTAL_MARKS: &[&str] = &["合计", "小计", "总计", "本页合计", "本页小计", "累计"];
const NOTE_MARKS: &[&str] = &[
    "制表人",
    "制表",
    "审核人",
    "审核",
    "填表人",
    "填报人",
    "制表日期",
    "填表日期",
    "填报日期",
    "填表说明",
    "填报说明",
    "说明",
    "注",
    "备注",
    "负责人",
    "单位负责人",
    "经办人",
    "复核人",
    "审批人",
    "联系电话",
];

/// A cheap test, without allocating, that rules most keys out before [`classify`]: whether
/// `text` holds a character a marker starts with.
pub fn may_be_marker(text: &str) -> bool {
    // Asked of every row's key (two million a county night), nearly all ASCII ids: no
    // marker is ASCII, and a character-by-character search cost a seventh of loading.
    !text.is_ascii()
        && text
            .chars()
            .any(|c| "合小总本累制审填说注备负单经复联".contains(c))
}

/// Whether a cell is a total or a note marker (`合计`, `合 计`, `制表人：张三`, `注：…`).
fn marker(text: &str) -> Option<SkipKind> {
    let f = fold(text);
    let f = f.trim_start_matches(|c: char| c.is_ascii_digit() || "、.)(".contains(c));
    if TOTAL_MARKS.iter().any(|m| f.starts_with(m)) {
        return Some(SkipKind::Total);
    }
    let note = NOTE_MARKS.iter().any(|m| {
        f.strip_prefix(m)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(':'))
    });
    note.then_some(SkipKind::Notes)
}

/// Classifies a row below the header: blank, a total, a note, or data (None). `key` is the
/// row's value in the file's key column: a row with a real key is data whatever else it
/// says (a person may well live in 合计村).
pub fn classify(cells: &[Option<&str>], key: Option<&str>) -> Option<SkipKind> {
    let filled: Vec<&str> = cells
        .iter()
        .flatten()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .collect();
    if filled.is_empty() {
        return Some(SkipKind::Blank);
    }
    let key = key.map(str::trim).filter(|k| !k.is_empty());
    if key.is_some_and(|k| marker(k).is_none()) {
        return None;
    }
    // The marker must lead the row: its first filled cell (or the key itself).
    marker(filled[0]).or_else(|| key.and_then(marker))
}

/// Values a title offers for columns a file lacks: the township (`…城关镇…`), the period
/// (`2025年第三季度` → `2025Q3`, `2025年3月` → `2025-03`) and the program (one of
/// `programs`, the names the config knows), each only when the title names exactly one.
pub fn title_defaults(title: &[String], programs: &[&str]) -> Vec<(&'static str, String)> {
    let text = title.join(" ");
    let mut out = Vec::new();
    let named: Vec<&str> = programs
        .iter()
        .copied()
        .filter(|p| !p.is_empty() && text.contains(p))
        .collect();
    if named.len() == 1 {
        out.push(("program", named[0].to_string()));
    }
    let towns = townships_in(&text);
    if towns.len() == 1 {
        out.push(("township", towns[0].clone()));
    }
    let periods = periods_in(&text);
    if periods.len() == 1 {
        out.push(("period", periods[0].clone()));
    }
    out
}

/// `XX镇`, `XX乡`, `XX街道` after the last 省/市/县/区 before them; distinct, in order.
fn townships_in(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found: Vec<String> = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        let end = if c == '镇' || c == '乡' {
            i + 1
        } else if c == '街' && chars.get(i + 1) == Some(&'道') {
            i + 2
        } else {
            continue;
        };
        let mut start = i;
        while start > 0
            && is_han(chars[start - 1])
            && !"省市县区年度的为及和与、各全本该每乡镇".contains(chars[start - 1])
            && i - (start - 1) <= 4
        {
            start -= 1;
        }
        // Two characters at least: 城关镇, 河口乡; a lone 某乡 is not a name.
        if i - start >= 2 {
            let name: String = chars[start..end].iter().collect();
            // 乡镇 alone is a word, not a place.
            if name != "乡镇" && !found.contains(&name) {
                found.push(name);
            }
        }
    }
    found
}

/// Periods named as `2025年第三季度` / `2025年第3季度` (→ `2025Q3`) or `2025年3月`
/// (→ `2025-03`).
fn periods_in(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found: Vec<String> = Vec::new();
    for i in 0..chars.len() {
        if chars[i] != '年' || i < 4 {
            continue;
        }
        let year: String = chars[i - 4..i].iter().collect();
        if !year.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let rest: String = chars[i + 1..].iter().take(6).collect();
        let quarter = [
            ("第一季度", 1),
            ("第二季度", 2),
            ("第三季度", 3),
            ("第四季度", 4),
            ("第1季度", 1),
            ("第2季度", 2),
            ("第3季度", 3),
            ("第4季度", 4),
        ]
        .iter()
        .find(|(w, _)| rest.starts_with(w))
        .map(|(_, q)| format!("{year}Q{q}"));
        let month = || {
            let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            let after = rest.chars().nth(digits.chars().count());
            match (digits.parse::<u32>(), after) {
                (Ok(m), Some('月')) if (1..=12).contains(&m) => Some(format!("{year}-{m:02}")),
                _ => None,
            }
        };
        if let Some(p) = quarter.or_else(month) {
            if !found.contains(&p) {
                found.push(p);
            }
        }
    }
    found
}

/// The first rows of a grid, for the message when no header is found.
pub fn first_rows(grid: &Grid, n: usize) -> String {
    grid.rows
        .iter()
        .zip(&grid.lines)
        .take(n)
        .map(|(row, line)| {
            let cells: Vec<&str> = row.iter().map(|c| c.as_deref().unwrap_or("")).collect();
            // Enough of a row to recognise it, never a whole hostile line.
            let text = cells.join(" | ");
            let cut: String = text.chars().take(160).collect();
            let more = if cut.len() < text.len() { " …" } else { "" };
            format!("  row {line}: {cut}{more}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use fundaudit_core::spec::{BENEFICIARIES, PAYMENTS};

    fn grid(rows: &[&[&str]]) -> Grid {
        Grid {
            rows: rows
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|c| (!c.is_empty()).then(|| c.to_string()))
                        .collect()
                })
                .collect(),
            lines: (1..=rows.len()).collect(),
            folded: Default::default(),
            words: Default::default(),
        }
    }

    #[test]
    fn the_header_is_found_under_a_title_block() {
        let g = grid(&[
            &[
                "某县2025年第三季度城关镇低保金享受对象花名册",
                "",
                "",
                "",
                "",
                "",
            ],
            &["填报单位（盖章）：某县民政局", "", "", "", "单位：元", ""],
            &["人员编号", "姓名", "身份证号", "乡镇", "村", "银行账号"],
            &["B1", "张伟", "411623196003041012", "城关镇", "东村", "6228"],
        ]);
        let h = find_header(&g, &BENEFICIARIES, None).unwrap();
        assert_eq!((h.row, h.height, h.required), (2, 1, 6));
        assert_eq!(
            title_block(&g, &h),
            [
                "某县2025年第三季度城关镇低保金享受对象花名册",
                "填报单位（盖章）：某县民政局  单位：元"
            ]
        );
        assert_eq!(
            title_defaults(&title_block(&g, &h), &["低保金", "特困供养金"]),
            [
                ("program", "低保金".to_string()),
                ("township", "城关镇".to_string()),
                ("period", "2025Q3".to_string())
            ]
        );
    }

    #[test]
    fn a_group_header_over_sub_headers() {
        let g = grid(&[
            &[
                "流水号",
                "清册编号",
                "人员编号",
                "收款人",
                "银行账户信息",
                "",
                "金额",
                "发放日期",
                "补贴项目",
            ],
            &["", "", "", "", "开户行", "账号", "", "", ""],
            &[
                "P1",
                "A1",
                "B1",
                "张伟",
                "农行",
                "6228",
                "100",
                "2025-01-01",
                "低保金",
            ],
        ]);
        let h = find_header(&g, &PAYMENTS, None).unwrap();
        assert_eq!((h.row, h.height), (0, 2));
        assert_eq!(h.headers[5], "账号");
        assert_eq!(h.headers[0], "流水号");
    }

    #[test]
    fn footer_rows_are_told_from_data() {
        let c = |v: &[&str]| -> Vec<Option<String>> {
            v.iter()
                .map(|s| (!s.is_empty()).then(|| s.to_string()))
                .collect()
        };
        let kind = |v: &[&str], key: Option<&str>| {
            let row = c(v);
            let cells: Vec<Option<&str>> = row.iter().map(|x| x.as_deref()).collect();
            classify(&cells, key)
        };
        assert_eq!(kind(&["合 计", "", "1200.00"], None), Some(SkipKind::Total));
        assert_eq!(
            kind(&["本页小计：", "", "300"], None),
            Some(SkipKind::Total)
        );
        assert_eq!(
            kind(
                &["制表人：张三", "审核人：李四", "制表日期：2025-10-01"],
                None
            ),
            Some(SkipKind::Notes)
        );
        assert_eq!(
            kind(&["填表说明：1. 金额单位为元"], None),
            Some(SkipKind::Notes)
        );
        assert_eq!(kind(&["", "", ""], None), Some(SkipKind::Blank));
        // A real key makes a row data, whatever the other cells say.
        assert_eq!(kind(&["B9", "合计村", "100"], Some("B9")), None);
        // A row with no key and no marker is data (it will be rejected for its key).
        assert_eq!(kind(&["", "张伟", "100"], None), None);
        // 注意 is not 注：
        assert_eq!(kind(&["注意事项很多"], None), None);
    }

    #[test]
    fn periods_and_townships_from_titles() {
        assert_eq!(periods_in("2025年3月份发放"), ["2025-03"]);
        assert_eq!(periods_in("2024年第4季度"), ["2024Q4"]);
        assert!(periods_in("2025年度").is_empty());
        assert_eq!(townships_in("某县红旗街道办事处"), ["红旗街道"]);
        assert!(townships_in("各乡镇合计").is_empty());
        // Two townships named: no default.
        assert!(title_defaults(&["城关镇、河口镇汇总".into()], &[]).is_empty());
    }

    #[test]
    fn no_header_when_nothing_maps() {
        let g = grid(&[&["a", "b"], &["1", "2"]]);
        assert_eq!(find_header(&g, &PAYMENTS, None), None);
        assert!(first_rows(&g, 5).contains("row 1: a | b"));
    }
}
