//! Report writers: findings.csv (UTF-8 with BOM, so Excel and WPS open Chinese text
//! right), findings.json, rejects.csv, summary.json, and the terminal summary.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use polars::prelude::*;
use serde::Serialize;

use fundaudit_core::cells::{fen_of_yuan, fmt_yuan};
use fundaudit_core::error::{Error, Result};
use fundaudit_core::findings::scored;
use fundaudit_core::findings::{cols, Category};
use fundaudit_input::{FileCount, Reject};
use fundaudit_rules::money::{township_label, Money};

/// Findings and money at risk for one group (a category, a township, a rule).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Tally {
    pub findings: usize,
    pub amount_at_risk: f64,
}

/// The registry's people in memory (summary.json's `people`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct People {
    pub beneficiaries: usize,
    pub bytes: usize,
    pub bytes_per_beneficiary: usize,
}

/// What a run did, for the terminal and for summary.json.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub as_of: String,
    pub files: Vec<FileCount>,
    pub rows_read: usize,
    pub rows_used: usize,
    pub rows_rejected: usize,
    pub findings: usize,
    /// Cases the findings make (see [`fundaudit_audit::cases`]): what officers check.
    pub cases: usize,
    /// Money at risk with each payment (or unpaid allocation) counted once.
    pub amount_at_risk: f64,
    /// Findings and money counted once per category (each item under the category that
    /// gave it its largest share): the amounts add up to `amount_at_risk`.
    pub by_category: BTreeMap<String, Tally>,
    /// Money counted once per township, each payment under its own township: the amounts
    /// add up to `amount_at_risk`; a finding spanning townships counts in each.
    pub by_township: BTreeMap<String, Tally>,
    /// Each rule's own sum: rules look at the same payments from several sides, so these
    /// overlap and add up to more than `amount_at_risk`.
    pub by_rule: BTreeMap<String, Tally>,
    /// Each township's money (counted once) per category: township → category → yuan.
    pub township_categories: BTreeMap<String, BTreeMap<String, f64>>,
    /// Seconds per stage, in the order they ran.
    pub timings: fundaudit_core::timings::Timings,
    pub warnings: Vec<String>,
    /// What the case ledger made of this run (None without a ledger).
    pub ledger: Option<fundaudit_casebook::ledger::RunRecord>,
    /// 本期变化: new, changed and resolved findings with why, decisions and recoveries
    /// (None without a ledger).
    pub changes: Option<fundaudit_casebook::changes::NightChanges>,
    /// Files in the data folder that no ledger took, with why.
    pub unused: Vec<String>,
    /// What the bank's transfer statuses and reversals did to the payments.
    pub settled: fundaudit_input::bank::Settled,
    /// Signs that an input is a broken export (empty ledger, a period with no payments, a
    /// 合计 that does not add up): shown first everywhere, and exit code 4.
    pub incomplete: Vec<String>,
    /// A pre-payment screen (事前筛查), not an audit of payments made.
    pub screening: bool,
    /// First-digit tests of payment amounts per township and program (context).
    pub digits: Vec<fundaudit_rules::analytics::DigitTest>,
    /// Parts the payments were read in (see [`fundaudit_audit::partition`]); 1 for a county.
    pub parts: usize,
    /// What the registry's people take in memory for the whole night (entries, index,
    /// clusters, deaths; see `Context::people_bytes`): what every part, and every
    /// executor of a cluster, holds, so what sizes a province's machine.
    pub people: People,
    /// The villages' posted lists (公示名单) delivered, when any were: the township pages
    /// show which village posted which program and period.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub posted_lists: Vec<fundaudit_rules::publicity::ListCoverage>,
    /// 涉农项目资金's projects, when project files were delivered: the workbook's 项目
    /// sheet and the web report's projects view.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<fundaudit_rules::project::overview::ProjectLine>,
    /// The identity weights' u measured on this registry (with `identity.measure_u`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_u: Option<fundaudit_identity::measure::Measured>,
}

impl Summary {
    /// `money` is the findings' money counted once ([`fundaudit_rules::money::distinct`]
    /// over every row): the header, categories and townships come from it and add up;
    /// `by_rule` keeps each rule's own sum, which overlap.
    pub fn new(
        as_of: String,
        files: Vec<FileCount>,
        findings: &DataFrame,
        money: &Money,
        timings: fundaudit_core::timings::Timings,
        warnings: Vec<String>,
    ) -> PolarsResult<Summary> {
        let cats = fundaudit_core::frame::text(findings, cols::CATEGORY)?;
        let towns = fundaudit_core::frame::text(findings, cols::TOWNSHIP)?;
        let rules = fundaudit_core::frame::text(findings, cols::RULE)?;
        let amounts: Vec<f64> = findings
            .column(scored::AMOUNT_AT_RISK)?
            .f64()?
            .iter()
            .map(|a| a.unwrap_or(0.0))
            .collect();
        let yuan = |fen: i64| fen as f64 / 100.0;
        let mut by_category: BTreeMap<String, Tally> = Category::ALL
            .iter()
            .map(|c| (c.code().to_string(), Tally::default()))
            .collect();
        let mut by_township: BTreeMap<String, Tally> = BTreeMap::new();
        let mut by_rule: BTreeMap<String, Tally> = BTreeMap::new();
        for i in 0..findings.height() {
            by_category
                .entry(cats[i].unwrap_or("").to_string())
                .or_default()
                .findings += 1;
            let rule = by_rule
                .entry(rules[i].unwrap_or("").to_string())
                .or_default();
            rule.findings += 1;
            rule.amount_at_risk += amounts[i];
            // A finding counts in each township its money lies in.
            match money.of_row.get(&i).filter(|p| !p.is_empty()) {
                Some(placed) => {
                    for t in placed.keys() {
                        by_township.entry(t.clone()).or_default().findings += 1;
                    }
                }
                None => {
                    by_township
                        .entry(township_label(towns[i]).to_string())
                        .or_default()
                        .findings += 1
                }
            }
        }
        for (c, fen) in &money.by_category {
            by_category.entry(c.clone()).or_default().amount_at_risk = yuan(*fen);
        }
        for (t, fen) in &money.by_township {
            by_township.entry(t.clone()).or_default().amount_at_risk = yuan(*fen);
        }
        for t in by_rule.values_mut() {
            t.amount_at_risk = (t.amount_at_risk * 100.0).round() / 100.0;
        }
        // A file's own problems (a 合计 that does not add up) are the night's warnings too,
        // and with the data-quality findings they make the night incomplete.
        let mut warnings = warnings;
        let mut incomplete = Vec::new();
        for f in &files {
            warnings.extend(f.warnings.iter().cloned());
            incomplete.extend(f.warnings.iter().cloned());
            // A file that is mostly rejects is a broken export (the wrong sheet, shifted
            // columns, a million junk rows), not a county with a few bad rows.
            if f.rows_read >= MOSTLY_REJECTS_MIN_ROWS && f.rows_rejected * 2 > f.rows_read {
                let w = format!(
                    "{}: {} of {} rows rejected ({:.1}%): the file looks like a broken export \
                     (a wrong sheet, shifted columns, junk rows); check rejects.csv before the findings",
                    f.file,
                    f.rows_rejected,
                    f.rows_read,
                    100.0 * f.rows_rejected as f64 / f.rows_read as f64
                );
                warnings.push(w.clone());
                incomplete.push(w);
            }
        }
        let rule_col = fundaudit_core::frame::text(findings, cols::RULE)?;
        let evidence = fundaudit_core::frame::text(findings, cols::EVIDENCE)?;
        for (r, e) in rule_col.iter().zip(&evidence) {
            if *r == Some(fundaudit_core::findings::Rule::DataIncomplete.code()) {
                incomplete.push(e.unwrap_or("").to_string());
            }
        }
        Ok(Summary {
            as_of,
            rows_read: files.iter().map(|f| f.rows_read).sum(),
            rows_used: files.iter().map(|f| f.rows_used).sum(),
            rows_rejected: files.iter().map(|f| f.rows_rejected).sum(),
            files,
            findings: findings.height(),
            cases: 0,
            amount_at_risk: yuan(money.total_fen),
            by_category,
            by_township,
            by_rule,
            township_categories: money
                .by_township_category
                .iter()
                .map(|(t, cats)| {
                    let cats = cats.iter().map(|(c, f)| (c.clone(), yuan(*f))).collect();
                    (t.clone(), cats)
                })
                .collect(),
            timings,
            warnings,
            ledger: None,
            changes: None,
            unused: Vec::new(),
            settled: Default::default(),
            incomplete,
            screening: false,
            digits: Vec::new(),
            posted_lists: Vec::new(),
            projects: Vec::new(),
            parts: 1,
            people: People::default(),
            identity_u: None,
        })
    }

    /// The terminal summary: counts and money by category and township, and the
    /// accounting of every input row.
    pub fn render(&self) -> String {
        let yuan = |a: f64| fmt_yuan(fen_of_yuan(a));
        let mut s = String::new();
        if !self.incomplete.is_empty() {
            s.push_str("WARNING: the inputs look incomplete (数据疑似不完整); check them before acting on the findings:\n");
            for w in self.incomplete.iter().take(10) {
                s.push_str(&format!("  ! {w}\n"));
            }
            if self.incomplete.len() > 10 {
                s.push_str(&format!("  ! … and {} more\n", self.incomplete.len() - 10));
            }
            s.push('\n');
        }
        let what = if self.screening {
            "pre-payment screening (事前筛查) of the allocations, "
        } else {
            ""
        };
        s.push_str(&format!(
            "fundaudit: {what}as of {}\n\ninput rows\n",
            self.as_of
        ));
        s.push_str(&input_lines(&self.files, false));
        s.push_str(&format!(
            "  {:<20} read {:>9}  used {:>9}  rejected {:>7}  (every row accounted for)\n",
            "total", self.rows_read, self.rows_used, self.rows_rejected
        ));
        s.push_str(&unused_lines(&self.unused));
        if !self.settled.is_empty() {
            s.push_str(&format!("  {}\n", self.settled.describe()));
        }
        s.push_str(&format!(
            "\nfindings: {} in {} cases   money at risk: {} yuan\n\nby category\n",
            self.findings,
            self.cases,
            yuan(self.amount_at_risk)
        ));
        for c in Category::ALL {
            let t = self.by_category.get(c.code()).cloned().unwrap_or_default();
            s.push_str(&format!(
                "  {:<10} {:<10} {:>8} findings {:>18} yuan\n",
                c.code(),
                c.chinese(),
                t.findings,
                yuan(t.amount_at_risk)
            ));
        }
        s.push_str("\nby township\n");
        let mut towns: Vec<(&String, &Tally)> = self.by_township.iter().collect();
        towns.sort_by(|a, b| b.1.amount_at_risk.total_cmp(&a.1.amount_at_risk));
        for (t, tally) in towns {
            s.push_str(&format!(
                "  {:<12} {:>8} findings {:>18} yuan\n",
                t,
                tally.findings,
                yuan(tally.amount_at_risk)
            ));
        }
        match &self.ledger {
            Some(l) => s.push_str(&format!(
                "\ncase ledger {}: {} new, {} changed, {} persisting, {} resolved since the last run, {} dismissed and left out\n",
                l.path, l.new, l.changed, l.persisting, l.resolved, l.suppressed
            )),
            None => s.push_str("\ncase ledger: none (--no-ledger): findings not compared with earlier runs\n"),
        }
        for w in &self.warnings {
            s.push_str(&format!("\nwarning: {w}"));
        }
        s
    }
}

/// The input files' accounting for the run summary. A folder of many files (a county's
/// 700 posted lists) is its first file, the files with something to say (rejected rows,
/// a title, skipped rows, another header mapping), and one line for the rest: the
/// summary is read on a terminal, and every file stays listed in summary.json and the
/// manifest. `timed` adds each file's read time (`fundaudit check`).
pub fn input_lines(files: &[FileCount], timed: bool) -> String {
    let folder = |f: &FileCount| {
        Path::new(&f.file)
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    };
    let mut s = String::new();
    let mut i = 0;
    while i < files.len() {
        // A run of files of one folder and one ledger (the fields they carry tell the
        // ledgers apart: the data folder holds the registry beside the payments).
        let end = i + files[i..]
            .iter()
            .take_while(|f| folder(f) == folder(&files[i]) && f.fields == files[i].fields)
            .count();
        let group = &files[i..end];
        let mut quiet: Vec<&FileCount> = Vec::new();
        let mut shown: Option<&FileCount> = None;
        for (k, f) in group.iter().enumerate() {
            let plain = f.rows_rejected == 0
                && f.title.is_empty()
                && f.skipped.is_empty()
                && f.from_title.is_empty()
                && f.invisible_cells == 0
                && f.warnings.is_empty()
                && shown.is_some_and(|p| p.mapped == f.mapped);
            if group.len() >= GROUP_FILES && k > 0 && plain {
                quiet.push(f);
            } else {
                s.push_str(&file_lines(f, timed, shown));
                shown = Some(f);
            }
        }
        if !quiet.is_empty() {
            let sum = |n: fn(&FileCount) -> usize| quiet.iter().map(|f| n(f)).sum::<usize>();
            let time = if timed {
                let seconds: f64 = quiet.iter().map(|f| f.seconds).sum();
                format!("{seconds:.3} s  ")
            } else {
                String::new()
            };
            // Files read another way than the folder's first (another encoding, a
            // workbook) are counted by how: how each file was read is what `check` is
            // run to see.
            let mut other_ways: Vec<(&str, usize)> = Vec::new();
            for f in quiet.iter().filter(|f| f.format != group[0].format) {
                match other_ways.iter_mut().find(|(way, _)| *way == f.format) {
                    Some((_, n)) => *n += 1,
                    None => other_ways.push((&f.format, 1)),
                }
            }
            let ways: String = other_ways
                .iter()
                .map(|(way, n)| format!("; {n} read as {way}"))
                .collect();
            s.push_str(&format!(
                "  {:<20} read {:>9}  used {:>9}  rejected {:>7}  {time}({} more files of {}/, headers as above{ways})\n",
                "…",
                sum(|f| f.rows_read),
                sum(|f| f.rows_used),
                0,
                quiet.len(),
                folder(&group[0])
            ));
        }
        i = end;
    }
    s
}

/// Files of one folder, from this many on, are summed into one line of the run summary
/// but for those with something to say.
const GROUP_FILES: usize = 8;

/// One input file's accounting (and read time when `timed`), and its header mapping
/// when there was one: shared by the run summary and `fundaudit check`.
/// `previous` is the entry listed before: the header mapping is not repeated for the next
/// sheet of one workbook or the next file of one folder when it is the same.
pub fn file_lines(f: &FileCount, timed: bool, previous: Option<&FileCount>) -> String {
    let time = if timed {
        format!("{:.3} s  ", f.seconds)
    } else {
        String::new()
    };
    let mut s = format!(
        "  {:<20} read {:>9}  used {:>9}  rejected {:>7}  {time}({})\n",
        file_name(&f.file),
        f.rows_read,
        f.rows_used,
        f.rows_rejected,
        f.format
    );
    let pad = "";
    if f.invisible_cells > 0 {
        s.push_str(&format!(
            "  {pad:<20} {} cells held invisible format characters (zero-width, bidi controls): removed as read\n",
            f.invisible_cells
        ));
    }
    if !f.title.is_empty() {
        s.push_str(&format!(
            "  {pad:<20} title: {} (header on row {})\n",
            f.title.join(" / "),
            f.header_line
        ));
    }
    let same_mapping = previous.is_some_and(|p| p.mapped == f.mapped);
    if !f.mapped.is_empty() && !same_mapping {
        let pairs: Vec<String> = f.mapped.iter().map(|(h, c)| format!("{h} → {c}")).collect();
        s.push_str(&format!("  {pad:<20} headers: {}\n", pairs.join(", ")));
    }
    for (field, value) in &f.from_title {
        s.push_str(&format!(
            "  {pad:<20} {field} = {value} for every row: the file has no {field} column, its title names one\n"
        ));
    }
    if !f.skipped.is_empty() {
        let mut kinds: Vec<String> = Vec::new();
        for kind in fundaudit_input::header_shape::SkipKind::ALL {
            let rows: Vec<String> = f
                .skipped
                .iter()
                .filter(|r| r.kind == kind)
                .map(|r| r.line.to_string())
                .collect();
            if !rows.is_empty() {
                let shown = rows.iter().take(8).cloned().collect::<Vec<_>>().join(", ");
                let more = if rows.len() > 8 { ", …" } else { "" };
                kinds.push(format!(
                    "{} {} (rows {shown}{more})",
                    rows.len(),
                    kind.label()
                ));
            }
        }
        s.push_str(&format!(
            "  {pad:<20} skipped, neither data nor rejects: {}\n",
            kinds.join("; ")
        ));
    }
    s
}

/// Files that no ledger took: one line each, or one per folder and reason for many.
pub fn unused_lines(unused: &[String]) -> String {
    // Files not read, grouped by folder and reason: a folder of ten thousand lists that
    // fit no ledger is one line (every file stays listed in the manifest).
    let mut groups: Vec<((String, String), Vec<&str>)> = Vec::new();
    let mut out = String::new();
    for u in unused {
        if let Some(list) = u.strip_prefix("lists: ") {
            // A reference list the config names but the folder lacks.
            out.push_str(&format!("  reference list not checked: {list}\n"));
        } else if let Some(check) = u.strip_prefix("check: ") {
            // A check whose optional ledger was not delivered.
            out.push_str(&format!("  check not run: {check}\n"));
        } else {
            let (path, why) = u.split_once(" (").unwrap_or((u.as_str(), ""));
            let folder = match path.rfind(['/', '\\']) {
                Some(i) => path[..=i].to_string(),
                None => "the data folder".to_string(),
            };
            let key = (folder, why.trim_end_matches(')').to_string());
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => v.push(u),
                None => groups.push((key, vec![u])),
            }
        }
    }
    for ((folder, why), files) in groups {
        if files.len() < GROUP_UNUSED {
            for u in files {
                out.push_str(&format!("  not read as a ledger: {u}\n"));
            }
        } else {
            out.push_str(&format!(
                "  not read as a ledger: {folder}: {} files ({why}; each is listed in the manifest)\n",
                files.len()
            ));
        }
    }
    out
}

/// Files of one folder not read for one reason, from this many on, are one line.
const GROUP_UNUSED: usize = 4;

/// The file name of a path, for compact listings.
pub fn file_name(path: &str) -> &str {
    Path::new(path)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(path)
}

/// Report files are created readable by their owner only: they name people.
fn create(path: &Path) -> Result<BufWriter<File>> {
    fundaudit_core::safe_fs::create_private(path)
        .map(BufWriter::new)
        .map_err(|e| write_error(path, e))
}

/// The frame with ID and account numbers masked in every text column (see
/// [`fundaudit_core::privacy`]); ids of beneficiaries, allocations and payments are kept.
pub fn mask_frame(df: &DataFrame) -> PolarsResult<DataFrame> {
    use rayon::prelude::*;
    // A column at a time on each core: the night's findings are masked before every
    // report is written, which waits for it.
    let columns = df
        .columns()
        .par_iter()
        .map(|c| match c.dtype() {
            // The tool's own ids are hex digits: one made of twelve decimal digits would
            // read as a card number, and a masked id no longer finds its finding.
            DataType::String if fundaudit_core::privacy::OWN_IDS.contains(&c.name().as_str()) => {
                Ok(c.clone())
            }
            // Coded text (township, program, status …) is text too.
            // A column with nothing to mask (names, dates, rules) is kept as it is; the
            // others are masked a cell at a time on both cores (the evidence column is
            // most of the work).
            DataType::String | DataType::Categorical(..) => {
                use fundaudit_core::privacy::{mask_text, may_need_mask};
                let text = c.cast(&DataType::String)?;
                let masked: StringChunked = {
                    let cells: Vec<Option<&str>> = text.str()?.iter().collect();
                    if !cells.par_iter().flatten().any(|v| may_need_mask(v)) {
                        return Ok(text);
                    }
                    cells.into_par_iter().map(|v| v.map(mask_text)).collect()
                };
                Ok(masked.with_name(c.name().clone()).into_column())
            }
            _ => Ok(c.clone()),
        })
        .collect::<PolarsResult<Vec<Column>>>()?;
    DataFrame::new(df.height(), columns)
}

fn write_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Rows a file must have before "mostly rejected" says something about the export.
const MOSTLY_REJECTS_MIN_ROWS: usize = 20;

/// CSV with a UTF-8 BOM: without it Excel on a Chinese Windows reads the file as GBK.
/// Text cells a spreadsheet would run as formulas (a township named `=HYPERLINK(…)`)
/// are written with a leading `'` (see [`fundaudit_core::text::csv_safe`]).
pub fn write_csv(df: &mut DataFrame, path: &Path) -> Result<()> {
    let mut defused = defuse_formulas(df)?;
    let df = defused.as_mut().unwrap_or(df);
    let mut out = create(path)?;
    CsvWriter::new(&mut out)
        .include_bom(true)
        .with_float_precision(Some(2))
        .finish(df)
        .map_err(|e| write_error(path, e))?;
    out.flush().map_err(|e| write_error(path, e))
}

/// `df` with every formula-like text cell defused, or None when no cell is (the usual
/// case: the frame is not copied).
fn defuse_formulas(df: &DataFrame) -> PolarsResult<Option<DataFrame>> {
    let risky = |c: &Column| -> PolarsResult<bool> {
        Ok(match c.dtype() {
            DataType::String | DataType::Categorical(..) => c
                .cast(&DataType::String)?
                .str()?
                .iter()
                .flatten()
                .any(fundaudit_core::text::is_formula_like),
            _ => false,
        })
    };
    let flags = df
        .columns()
        .iter()
        .map(risky)
        .collect::<PolarsResult<Vec<bool>>>()?;
    if !flags.contains(&true) {
        return Ok(None);
    }
    let columns = df
        .columns()
        .iter()
        .zip(flags)
        .map(|(c, risky)| {
            if !risky {
                return Ok(c.clone());
            }
            let safe: StringChunked = c
                .cast(&DataType::String)?
                .str()?
                .iter()
                .map(|v| v.map(|v| fundaudit_core::text::csv_safe(v).into_owned()))
                .collect();
            Ok(safe.with_name(c.name().clone()).into_column())
        })
        .collect::<PolarsResult<Vec<Column>>>()?;
    DataFrame::new(df.height(), columns).map(Some)
}

/// The findings as a JSON array of objects, one per finding, columns as keys.
pub fn write_json(df: &DataFrame, path: &Path) -> Result<()> {
    use rayon::prelude::*;
    // A block of rows at a time: a province's million findings as JSON values at once
    // would be gigabytes. Blocks are made side by side, a few at a time (on one core the
    // file was the longest writer of its stage, a second and a half at a million
    // people), and written in order: the bytes are those of the whole array written in
    // one go by serde_json's pretty printer.
    const BLOCK: usize = 10_000;
    let mut out = create(path)?;
    let io = |e: std::io::Error| write_error(path, e);
    if df.height() == 0 {
        out.write_all(b"[]").map_err(io)?;
        return out.flush().map_err(io);
    }
    // Each row's keys in the order a JSON object (serde_json's Map) keeps them, sorted;
    // a row is written from the block's columns, not built as a map of its own (the
    // copies of twenty-odd keys a row were most of the time of writing the file).
    let mut keys: Vec<(usize, &str)> = df
        .get_column_names()
        .into_iter()
        .enumerate()
        .map(|(i, n)| (i, n.as_str()))
        .collect();
    keys.sort_by(|a, b| a.1.cmp(b.1));
    out.write_all(b"[").map_err(io)?;
    let starts: Vec<usize> = (0..df.height()).step_by(BLOCK).collect();
    for group in starts.chunks(2 * rayon::current_num_threads().max(1)) {
        let blocks = group
            .par_iter()
            .map(|&start| block_json(df, start, BLOCK, &keys, path))
            .collect::<Result<Vec<Vec<u8>>>>()?;
        for block in &blocks {
            out.write_all(block).map_err(io)?;
        }
    }
    out.write_all(b"\n]").map_err(io)?;
    out.flush().map_err(io)
}

/// Rows `start..start + len` of `df` as they stand in the pretty-printed array: each
/// after a comma (but the array's first row), on a line of its own, one level in.
fn block_json(
    df: &DataFrame,
    start: usize,
    len: usize,
    keys: &[(usize, &str)],
    path: &Path,
) -> Result<Vec<u8>> {
    let block = df.slice(start as i64, len);
    let values = block
        .columns()
        .iter()
        .map(column_json)
        .collect::<PolarsResult<Vec<_>>>()?;
    let mut out = Vec::with_capacity(block.height() * 64 * keys.len());
    let mut one = Vec::new();
    for row in 0..block.height() {
        out.extend_from_slice(if start + row == 0 { b"\n  " } else { b",\n  " });
        one.clear();
        let json = JsonRow {
            keys,
            values: &values,
            row,
        };
        serde_json::to_writer_pretty(&mut one, &json).map_err(|e| write_error(path, e))?;
        // One level deeper: every line of the object but its first two spaces further in
        // (a JSON string never holds a raw line break, so every one is the printer's).
        for (k, line) in one.split(|&b| b == b'\n').enumerate() {
            if k > 0 {
                out.extend_from_slice(b"\n  ");
            }
            out.extend_from_slice(line);
        }
    }
    Ok(out)
}

/// One row of a block as a JSON object, its keys in `keys`' order.
struct JsonRow<'a> {
    keys: &'a [(usize, &'a str)],
    values: &'a [Vec<serde_json::Value>],
    row: usize,
}

impl Serialize for JsonRow<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.keys.len()))?;
        for &(column, key) in self.keys {
            map.serialize_entry(key, &self.values[column][self.row])?;
        }
        map.end()
    }
}

/// A column as JSON values: text as strings, floats rounded to four decimals, the rest
/// as integers; nulls as null. Shared by findings.json and report.html.
pub fn column_json(column: &Column) -> PolarsResult<Vec<serde_json::Value>> {
    use serde_json::Value;
    Ok(match column.dtype() {
        DataType::String => column
            .str()?
            .iter()
            .map(|v| v.map_or(Value::Null, Value::from))
            .collect(),
        DataType::Categorical(..) => column_json(&column.cast(&DataType::String)?)?,
        DataType::Float64 | DataType::Float32 => column
            .cast(&DataType::Float64)?
            .f64()?
            .iter()
            .map(|v| {
                v.map_or(Value::Null, |f| {
                    Value::from((f * 10_000.0).round() / 10_000.0)
                })
            })
            .collect(),
        _ => column
            .cast(&DataType::Int64)?
            .i64()?
            .iter()
            .map(|v| v.map_or(Value::Null, Value::from))
            .collect(),
    })
}

/// rejects.csv; raw values are masked unless `unmasked` (a rejected ID number is still
/// an ID number).
pub fn write_rejects(rejects: &[Reject], path: &Path, unmasked: bool) -> Result<()> {
    let text = |f: &dyn Fn(&Reject) -> String| rejects.iter().map(f).collect::<Vec<String>>();
    let value = |r: &Reject| {
        if unmasked {
            r.value.clone()
        } else {
            fundaudit_core::privacy::mask_text(&r.value)
        }
    };
    let mut df = DataFrame::new(
        rejects.len(),
        vec![
            Column::new("file".into(), text(&|r| r.file.clone())),
            Column::new(
                "line".into(),
                rejects.iter().map(|r| r.line as i64).collect::<Vec<i64>>(),
            ),
            Column::new("column".into(), text(&|r| r.column.clone())),
            Column::new("value".into(), text(&value)),
            Column::new("reason".into(), text(&|r| r.reason.clone())),
        ],
    )?;
    write_csv(&mut df, path)
}

pub fn write_summary(summary: &Summary, path: &Path) -> Result<()> {
    write_json_value(summary, path)
}

/// run.log: the run's stages, counts and warnings, one `time level message` line each,
/// for whoever reads the night's run in the morning.
pub fn write_log(summary: &Summary, started: &str, path: &Path) -> Result<()> {
    let mut out = create(path)?;
    let mut lines = vec![format!(
        "{started} INFO run started, as of {}",
        summary.as_of
    )];
    for f in &summary.files {
        lines.push(format!(
            "{started} INFO input {} read={} used={} rejected={} format=\"{}\"",
            f.file, f.rows_read, f.rows_used, f.rows_rejected, f.format
        ));
    }
    for (stage, secs) in &summary.timings {
        lines.push(format!(
            "{started} INFO stage \"{}\" seconds={secs:.3}",
            stage.trim()
        ));
    }
    for w in &summary.warnings {
        lines.push(format!("{started} WARN {w}"));
    }
    if let Some(l) = &summary.ledger {
        lines.push(format!(
            "{started} INFO ledger file=\"{}\" new={} changed={} persisting={} resolved={} suppressed={}",
            l.path,
            l.new, l.changed, l.persisting, l.resolved, l.suppressed
        ));
    }
    lines.push(format!(
        "{} INFO run finished findings={} amount_at_risk={:.2}",
        fundaudit_core::cells::now(),
        summary.findings,
        summary.amount_at_risk
    ));
    for l in lines {
        writeln!(out, "{l}").map_err(|e| write_error(path, e))?;
    }
    out.flush().map_err(|e| write_error(path, e))
}

/// Any serialisable value as pretty JSON, owner-readable.
pub fn write_json_value<T: Serialize>(value: &T, path: &Path) -> Result<()> {
    let mut out = create(path)?;
    serde_json::to_writer_pretty(&mut out, value).map_err(|e| write_error(path, e))?;
    out.flush().map_err(|e| write_error(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The frame as JSON objects whole, the way findings.json was once written: what the
    /// file written a block at a time must equal byte for byte.
    fn frame_to_json(df: &DataFrame) -> Result<Vec<serde_json::Map<String, serde_json::Value>>> {
        let mut rows = vec![serde_json::Map::new(); df.height()];
        for column in df.columns() {
            let name = column.name().to_string();
            for (row, v) in rows.iter_mut().zip(column_json(column)?) {
                row.insert(name.clone(), v);
            }
        }
        Ok(rows)
    }

    #[test]
    fn files_not_read_are_one_line_per_folder_and_reason() {
        let mut unused: Vec<String> = (0..500)
            .map(|i| format!("各村/{i}.csv (its header fits no ledger)"))
            .collect();
        unused.push("说明.txt (its header fits no ledger)".into());
        unused.push("lists: no file vehicles.* in the data folder".into());
        unused.push("各村/a.xlsx (unreadable)".into());
        let text = unused_lines(&unused);
        assert!(
            text.contains("not read as a ledger: 各村/: 500 files (its header fits no ledger; each is listed in the manifest)"),
            "{text}"
        );
        assert!(text.contains("not read as a ledger: 说明.txt (its header fits no ledger)"));
        assert!(text.contains("not read as a ledger: 各村/a.xlsx (unreadable)"));
        assert!(text.contains("reference list not checked: no file vehicles.*"));
        assert_eq!(text.lines().count(), 4, "{text}");
    }

    #[test]
    fn a_folder_of_many_files_is_summed_but_for_those_with_something_to_say() {
        let file = |path: &str, fields: &[&str], rows: usize, rejected: usize| FileCount {
            file: path.to_string(),
            rows_read: rows,
            rows_used: rows - rejected,
            rows_rejected: rejected,
            fields: fields.iter().map(|f| f.to_string()).collect(),
            mapped: vec![("姓名".into(), "name".into())],
            ..FileCount::default()
        };
        let mut files = vec![
            file("d/beneficiaries.csv", &["name", "id_number"], 10, 0),
            file("d/allocations.csv", &["program"], 20, 0),
        ];
        files.extend((0..50).map(|i| file(&format!("d/notices/{i}.csv"), &["name"], 3, 0)));
        files[30] = file("d/notices/30.csv", &["name"], 3, 1);
        let text = input_lines(&files, false);
        // The two ledgers of the data folder, the first list, the one with a reject, the rest.
        assert!(
            text.contains("beneficiaries.csv") && text.contains("allocations.csv"),
            "{text}"
        );
        assert!(
            text.contains("0.csv ") && text.contains("30.csv "),
            "{text}"
        );
        assert!(
            text.contains(
                "read       144  used       144  rejected       0  (48 more files of d/notices/"
            ),
            "{text}"
        );
        let rows = |t: &str| t.lines().filter(|l| l.contains(" read ")).count();
        assert_eq!(rows(&text), 5, "{text}");
        // `check` sums the quiet files' read times into their one line.
        let timed = input_lines(&files, true);
        assert_eq!(rows(&timed), 5, "{timed}");
        assert!(
            timed.contains("0.000 s  (48 more files of d/notices/"),
            "{timed}"
        );
        // Files read another way than the folder's first are counted by how.
        for f in &mut files[40..43] {
            f.format = "text, GB18030, comma-separated".into();
        }
        let text = input_lines(&files, false);
        assert!(
            text.contains(
                "(48 more files of d/notices/, headers as above; 3 read as text, GB18030, comma-separated)"
            ),
            "{text}"
        );
    }

    #[test]
    fn findings_json_written_in_blocks_is_the_array_written_whole() {
        let n = 90_001; // blocks made side by side in more than one group, and one row
        let ids: Vec<String> = (0..n).map(|i| format!("F{i:012}")).collect();
        let scores: Vec<f64> = (0..n).map(|i| i as f64 / 7.0).collect();
        let notes: Vec<Option<String>> = (0..n)
            .map(|i| (i % 3 != 0).then(|| format!("第{i}条\"引号\"")))
            .collect();
        let counts: Vec<i64> = (0..n as i64).collect();
        // Columns not in the order a JSON object keeps its keys.
        let df =
            df!("score" => scores, "finding_id" => ids, "note" => notes, "amount_fen" => counts)
                .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("findings.json");
        write_json(&df, &path).unwrap();
        let whole = serde_json::to_string_pretty(&frame_to_json(&df).unwrap()).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), whole);
        write_json(&df.head(Some(0)), &path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[]");
    }

    #[test]
    fn masking_keeps_the_tools_own_ids() {
        let df = df!(
            "finding_id" => ["F123456789012"],
            "case_id" => ["C123456789012"],
            "fingerprint" => ["123456789012345678901234"],
            "evidence" => ["打入账户6228480000000007919"],
        )
        .unwrap();
        let masked = mask_frame(&df).unwrap();
        let text = |c: &str| {
            fundaudit_core::frame::text(&masked, c).unwrap()[0]
                .unwrap()
                .to_string()
        };
        assert_eq!(text("finding_id"), "F123456789012");
        assert_eq!(text("case_id"), "C123456789012");
        assert_eq!(text("fingerprint"), "123456789012345678901234");
        assert_eq!(text("evidence"), "打入账户****7919");
    }
}
