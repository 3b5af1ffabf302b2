//! Loading the ledgers: any office export (CSV/TSV in UTF-8, GB18030 or UTF-16; Excel
//! and OpenDocument workbooks; Parquet) into typed Polars frames, with every bad row sent
//! to rejects (file, row as the user sees it, column, value, reason) instead of dropped.
//!
//! `read` turns a file into text columns, `headers` maps its headers to fields, `validate`
//! checks every cell. Money becomes exact fen (Int64), dates Polars `Date`, ID and account
//! numbers cleaned text; everything else stays as written.

pub mod bank;
pub mod chunks;
pub mod header_shape;
pub mod headers;
pub mod limits;
pub mod read;
pub mod sources;
pub mod stack;
pub mod stage;
pub mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use fundaudit_core::error::{Error, Result};
use fundaudit_core::spec::{
    Field, FileSpec, ALLOCATIONS, BENEFICIARIES, DEATHS, LIST, OFFICIALS, PAYMENTS,
};
pub use validate::validate;

/// Name of the column that carries each row's line number in its source file.
pub const LINE: &str = "_source_line";

/// How to read one file: its header mapping and workbook sheet from the config.
#[derive(Debug, Clone, Default)]
pub struct InputOptions {
    /// "header as in the file" → field, beyond the built-in aliases.
    pub columns: BTreeMap<String, String>,
    /// Workbook sheet to read (default: the first).
    pub sheet: Option<String>,
    /// Program names the config knows, which a file's title may name.
    pub programs: Vec<String>,
}

impl InputOptions {
    /// The options the config gives one file.
    pub fn for_file(config: &fundaudit_core::config::Config, spec: &FileSpec) -> InputOptions {
        InputOptions {
            columns: config.columns.get(spec.stem).cloned().unwrap_or_default(),
            sheet: config.sheets.get(spec.stem).cloned(),
            programs: config.deadlines.programs.keys().cloned().collect(),
        }
    }
}

/// A row that could not be used, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reject {
    pub file: String,
    /// Line in the file as a text editor or Excel shows it (the header is line 1).
    pub line: usize,
    pub column: String,
    pub value: String,
    pub reason: String,
}

/// A row below the header that is neither data nor a reject: a total, a note, a blank.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SkippedRow {
    pub line: usize,
    pub kind: header_shape::SkipKind,
    /// The row's first cells, shortened.
    pub text: String,
}

/// Rows in and rows accounted for, per file: read = used + rejected, always; title, header,
/// total, note and blank rows are listed apart.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FileCount {
    pub file: String,
    pub rows_read: usize,
    pub rows_used: usize,
    pub rows_rejected: usize,
    /// What was read: `text, GB18030, tab-separated`, `workbook, sheet 花名册`, `Parquet`.
    pub format: String,
    /// Headers that were mapped to a differently named field: (header, field).
    pub mapped: Vec<(String, String)>,
    /// Wall time to read and validate the file.
    pub seconds: f64,
    /// The row (as the user sees it) where the header starts.
    pub header_line: usize,
    /// Rows above the header: the title block (program, township, period, unit …).
    pub title: Vec<String>,
    /// Totals, notes and blank rows below the header.
    pub skipped: Vec<SkippedRow>,
    /// Columns the file lacked, filled from its title: (field, value).
    pub from_title: Vec<(String, String)>,
    /// Problems with the file as a whole, e.g. a 合计 that does not add up.
    pub warnings: Vec<String>,
    /// Cells that held invisible format characters (removed as read: see [`fundaudit_core::text`]).
    #[serde(default)]
    pub invisible_cells: usize,
    /// The fields the file carries (its own columns, or filled from its title).
    pub fields: Vec<String>,
    /// The workbook sheet, when the file's sheets were read one by one.
    pub sheet: Option<String>,
    /// The file's SHA-256 when it was staged: a run on the stage records what was staged,
    /// whatever became of the file since (None: hashed by the run, as read).
    #[serde(default)]
    pub sha256: Option<String>,
}

/// One loaded file: the typed frame of good rows plus the accounting.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub frame: DataFrame,
    pub rejects: Vec<Reject>,
    pub count: FileCount,
}

/// All inputs of one audit run.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub beneficiaries: DataFrame,
    pub allocations: DataFrame,
    pub payments: DataFrame,
    pub deaths: Option<DataFrame>,
    pub officials: Option<DataFrame>,
    pub rejects: Vec<Reject>,
    pub counts: Vec<FileCount>,
    /// Files in the data folder that no ledger took, with why.
    pub unused: Vec<String>,
    /// What the bank's transfer statuses and reversals did to the payments.
    pub settled: bank::Settled,
    /// The reference lists the config declares, in its order (None: file not found).
    pub lists: Vec<Option<DataFrame>>,
    /// Payments and allocations left on disk in a stage's parts (then `payments` and
    /// `allocations` are empty frames of their columns): see `fundaudit_audit::partition`.
    pub staged: Option<stage::Parts>,
}

/// A path's last part, for messages that name a file among files.
pub fn short(path: &str) -> &str {
    Path::new(path)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(path)
}

/// Loads a file: a workbook sheet by sheet (the configured one; by default every sheet
/// whose header maps the same fields as the first, one sheet per township being common),
/// anything else whole.
fn load_parts(
    path: &Path,
    spec: &FileSpec,
    options: &InputOptions,
    unused: &mut Vec<String>,
) -> Result<Vec<stack::Part>> {
    let shown = path.display().to_string();
    let named_sheet = options.sheet.as_deref().filter(|s| *s != "*");
    if !read::is_workbook(path) || named_sheet.is_some() {
        let loaded = load_file_with(path, spec, options)?;
        return Ok(vec![stack::Part {
            loaded,
            label: shown,
        }]);
    }
    let every = options.sheet.as_deref() == Some("*");
    let names = read::sheet_names(path)?;
    let mut parts: Vec<stack::Part> = Vec::new();
    for name in &names {
        let mut one = options.clone();
        one.sheet = Some(name.clone());
        let label = if names.len() > 1 {
            format!("{shown} [{name}]")
        } else {
            shown.clone()
        };
        match load_file_with(path, spec, &one) {
            Ok(mut loaded) => {
                let fits = parts
                    .first()
                    .is_none_or(|p| p.loaded.count.fields == loaded.count.fields);
                if fits || every {
                    loaded.count.sheet = (names.len() > 1).then(|| name.clone());
                    for r in loaded.rejects.iter_mut() {
                        r.file = label.clone();
                    }
                    parts.push(stack::Part { loaded, label });
                } else {
                    unused.push(format!(
                        "{label} (its header maps other fields than the first sheet's)"
                    ));
                }
            }
            // The first sheet decides what the file is; a later sheet that is not the
            // ledger (a 汇总 or 说明 sheet) is listed as not used.
            Err(e) if parts.is_empty() || every => return Err(e),
            Err(e) => unused.push(format!("{label} ({e})")),
        }
    }
    Ok(parts)
}

impl FileCount {
    /// How rows of this file are named in rejects: the path, and the sheet when the file's
    /// sheets were read one by one.
    pub fn label(&self) -> String {
        match &self.sheet {
            Some(sheet) => format!("{} [{sheet}]", self.file),
            None => self.file.clone(),
        }
    }
}

impl Inputs {
    /// Loads every input from a data folder (which files: see [`sources`]); optional lists
    /// are skipped when absent.
    pub fn load(dir: &Path, config: &fundaudit_core::config::Config) -> Result<Inputs> {
        Inputs::load_with(dir, config, false)
    }

    /// As [`Inputs::load`]; with `screening`, the payments ledger is not read (a screen
    /// checks the allocations before anything is paid; see `fundaudit::operations::screen`).
    pub fn load_with(
        dir: &Path,
        config: &fundaudit_core::config::Config,
        screening: bool,
    ) -> Result<Inputs> {
        // A stage (`fundaudit stage`): the ledgers as they were validated.
        if stage::is_stage(dir) {
            return stage::load(dir, config, screening);
        }
        let mut plan = sources::plan(dir, config)?;
        if screening {
            for p in plan.files.remove(PAYMENTS.stem).unwrap_or_default() {
                plan.unused.push(format!(
                    "{} (payments are not read by a pre-payment screen)",
                    p.display()
                ));
            }
        }
        let mut unused = std::mem::take(&mut plan.unused);
        let mut read =
            |spec: &FileSpec| read_ledger(dir, config, &plan, spec, screening, &mut unused);
        let beneficiaries = read(&BENEFICIARIES)?;
        let allocations = read(&ALLOCATIONS)?;
        let payments = read(&PAYMENTS)?;
        let deaths = read(&DEATHS)?;
        let officials = read(&OFFICIALS)?;
        let (payments, settled) = payments.settle(config)?;
        let lists = read_lists(dir, config, &mut unused)?;
        Ok(Inputs::assemble(
            [beneficiaries, allocations, payments, deaths, officials],
            lists,
            unused,
            settled,
        ))
    }

    /// The ledgers from what was read of each (beneficiaries, allocations, payments,
    /// deaths, officials), the rejects and file counts in that order, the lists' last.
    pub fn assemble(
        ledgers: [Read; 5],
        lists: Read<Vec<Option<DataFrame>>>,
        unused: Vec<String>,
        settled: bank::Settled,
    ) -> Inputs {
        let mut rejects = Vec::new();
        let mut counts = Vec::new();
        let [beneficiaries, allocations, payments, deaths, officials] = ledgers.map(|r| {
            rejects.extend(r.rejects);
            counts.extend(r.counts);
            r.frame
        });
        rejects.extend(lists.rejects);
        counts.extend(lists.counts);
        Inputs {
            beneficiaries: beneficiaries.unwrap_or_default(),
            allocations: allocations.unwrap_or_default(),
            payments: payments.unwrap_or_default(),
            deaths,
            officials,
            rejects,
            counts,
            unused,
            settled,
            lists: lists.frame,
            staged: None,
        }
    }
}

/// One ledger as read: its frame (None for an optional file that is absent, or payments
/// in a screen), its rejects and the account of each of its files.
#[derive(Default)]
pub struct Read<T = Option<DataFrame>> {
    pub frame: T,
    pub rejects: Vec<Reject>,
    pub counts: Vec<FileCount>,
}

impl Read {
    /// Payments as money that left and stayed gone (see [`bank::settle`]): failed,
    /// returned and reversed transfers leave, and rows the bank's status makes
    /// unplaceable are rejected.
    pub fn settle(
        mut self,
        config: &fundaudit_core::config::Config,
    ) -> Result<(Read, bank::Settled)> {
        let Some(frame) = self.frame.take().filter(|f| f.width() > 0) else {
            return Ok((self, bank::Settled::default()));
        };
        let (paid, bank_rejects, settled) = bank::settle(frame, &config.status)?;
        self.frame = Some(paid);
        self.reject_settled(bank_rejects);
        Ok((self, settled))
    }

    /// Rows the bank's status rejected, counted against their files.
    pub fn reject_settled(&mut self, bank_rejects: Vec<Reject>) {
        for r in &bank_rejects {
            if let Some(c) = self.counts.iter_mut().find(|c| c.label() == r.file) {
                c.rows_used -= 1;
                c.rows_rejected += 1;
            }
        }
        self.rejects.extend(bank_rejects);
    }
}

/// Reads and stacks the files of one ledger (which files: see [`sources::plan`]).
pub fn read_ledger(
    dir: &Path,
    config: &fundaudit_core::config::Config,
    plan: &sources::Plan,
    spec: &FileSpec,
    screening: bool,
    unused: &mut Vec<String>,
) -> Result<Read> {
    let files = plan.files.get(spec.stem).cloned().unwrap_or_default();
    if files.is_empty() {
        if spec.optional || (screening && spec.stem == PAYMENTS.stem) {
            return Ok(Read::default());
        }
        return Err(Error::MissingFile {
            path: format!(
                "{} (or {}.{}, a folder {}/, or a file named in Chinese; see [inputs] in `fundaudit config`)",
                dir.join(spec.file).display(),
                spec.stem,
                read::EXTENSIONS.join(", ."),
                dir.join(spec.stem).display()
            ),
        });
    }
    let options = InputOptions::for_file(config, spec);
    let mut parts = Vec::new();
    for path in &files {
        parts.extend(load_parts(path, spec, &options, unused)?);
    }
    let stacked = stack::stack(spec, parts)?;
    Ok(Read {
        frame: Some(stacked.frame),
        rejects: stacked.rejects,
        counts: stacked.counts,
    })
}

/// Reference lists: `<file>.<ext>` in the data folder, loaded like the ledgers.
pub fn read_lists(
    dir: &Path,
    config: &fundaudit_core::config::Config,
    unused: &mut Vec<String>,
) -> Result<Read<Vec<Option<DataFrame>>>> {
    let mut lists: Read<Vec<Option<DataFrame>>> = Read::default();
    for list in &config.lists {
        match find_stem(dir, &list.file) {
            Some(path) => {
                let loaded = load_file_with(&path, &LIST, &InputOptions::default())?;
                lists.rejects.extend(loaded.rejects);
                lists.counts.push(loaded.count);
                lists.frame.push(Some(loaded.frame));
            }
            None => {
                unused.push(format!(
                    "lists: no file {}.* in the data folder for {} ({})",
                    list.file, list.rule, list.label
                ));
                lists.frame.push(None);
            }
        }
    }
    Ok(lists)
}

/// The file for a spec in a folder: `<stem>.csv`, or the first of the other supported
/// extensions that exists.
pub fn find_source(dir: &Path, spec: &FileSpec) -> Option<PathBuf> {
    find_stem(dir, spec.stem)
}

/// `<stem>.csv` in a folder, or the first of the other supported extensions that exists.
fn find_stem(dir: &Path, stem: &str) -> Option<PathBuf> {
    read::EXTENSIONS
        .iter()
        .map(|ext| dir.join(format!("{stem}.{ext}")))
        .find(|p| p.is_file())
}

/// Reads and validates one file with default options (built-in header aliases, first
/// sheet).
pub fn load_file(path: &Path, spec: &FileSpec) -> Result<Loaded> {
    load_file_with(path, spec, &InputOptions::default())
}

/// A source read as text, its header found.
struct Table {
    raw: read::RawTable,
    header_line: usize,
    title: Vec<String>,
}

/// Reads a file and finds its header. Plain CSV with its header on line 1 takes the fast
/// path; a workbook, or a text export whose first line is not the header, is read as a
/// grid of cells and shaped (see [`header_shape`]).
fn read_table(path: &Path, spec: &FileSpec, options: &InputOptions) -> Result<Table> {
    let user = Some(&options.columns);
    let (grid, format, header) = if read::is_workbook(path) {
        let (grid, sheet) = read::read_workbook_grid(path, options.sheet.as_deref())?;
        let header = header_shape::find_header(&grid, spec, user);
        (grid, format!("workbook, sheet `{sheet}`"), header)
    } else {
        let raw = read::read_source(path, None)?;
        let all_required = maps_required(&clean_headers(&raw.frame), spec, options);
        let line_one = |raw| Table {
            raw,
            header_line: 1,
            title: Vec::new(),
        };
        if all_required || read::extension(path) == "parquet" {
            return Ok(line_one(raw));
        }
        let (grid, format) = read::read_delimited_grid(path)?;
        let header = header_shape::find_header(&grid, spec, user);
        // Only a better header than line 1 changes anything; else the fast read stands
        // (and the missing column is reported as such).
        if header.as_ref().is_some_and(|h| h.row == 0) {
            return Ok(line_one(raw));
        }
        (grid, format, header)
    };
    let Some(header) = header else {
        return Err(Error::NoHeader {
            path: path.display().to_string(),
            scanned: header_shape::HEADER_SCAN_ROWS,
            wanted: spec
                .columns
                .iter()
                .filter(|c| c.required)
                .map(|c| c.name)
                .collect::<Vec<_>>()
                .join(", "),
            stem: spec.stem.to_string(),
            rows: header_shape::first_rows(&grid, 8),
        });
    };
    let title = header_shape::title_block(&grid, &header);
    let header_line = grid.lines[header.row];
    let mut raw = read::grid_table(&grid, header.row + header.height, &header.headers, path)?;
    raw.format = if header.height == 2 {
        format!("{format}, two-row header")
    } else {
        format
    };
    Ok(Table {
        raw,
        header_line,
        title,
    })
}

/// Whether `headers` map every field `spec` requires (the built-in aliases and the
/// config's mapping): then the first line is the header.
fn maps_required(headers: &[String], spec: &FileSpec, options: &InputOptions) -> bool {
    let mapped = headers::map_headers(headers, spec, Some(&options.columns));
    spec.columns
        .iter()
        .filter(|c| c.required)
        .all(|c| mapped.contains(&Some(c.name)))
}

fn clean_headers(frame: &DataFrame) -> Vec<String> {
    frame
        .get_column_names()
        .iter()
        .map(|n| n.trim_start_matches('\u{feff}').trim().to_string())
        .collect()
}

/// Reads one file of any supported format, maps its headers, validates every cell.
pub fn load_file_with(path: &Path, spec: &FileSpec, options: &InputOptions) -> Result<Loaded> {
    let clock = std::time::Instant::now();
    let shown = path.display().to_string();
    if !path.exists() {
        return Err(Error::MissingFile { path: shown });
    }
    let table = read_table(path, spec, options)?;
    let mut loaded = load_table(table, path, spec, options, &mut Carry::default())?;
    loaded.count.seconds = clock.elapsed().as_secs_f64();
    // Progress on the terminal (hidden by --quiet): a county's folder of monthly files
    // or a province's ledger takes long enough to wonder whether anything is happening.
    tracing::info!(
        file = %shown,
        rows = loaded.count.rows_read,
        rejected = loaded.count.rows_rejected,
        seconds = loaded.count.seconds,
        "read {} rows of {shown}",
        loaded.count.rows_read
    );
    Ok(loaded)
}

/// What checking a file's rows carries from one chunk of it to the next (see
/// [`chunks`]): the keys seen, and the amounts for its totals. A file read whole starts
/// and ends with a fresh one.
#[derive(Default)]
pub struct Carry {
    keys: validate::KeyIndex,
    /// Kept only when more chunks follow.
    totals: Option<Totals>,
}

/// Maps a table's headers, takes out its footer rows and validates every cell.
fn load_table(
    table: Table,
    path: &Path,
    spec: &FileSpec,
    options: &InputOptions,
    carry: &mut Carry,
) -> Result<Loaded> {
    let shown = path.display().to_string();
    let raw = table.raw;
    let mut frame = raw.frame;
    let headers = clean_headers(&frame);
    // A repeated header (Polars and the grid reader name the repeat `<h>_duplicated_<k>`):
    // which column holds the value is anyone's guess, so say so.
    for (i, h) in headers.iter().enumerate() {
        if let Some((base, _)) = h.rsplit_once("_duplicated_") {
            if let Some(j) = headers.iter().position(|x| x == base) {
                return Err(Error::DuplicateHeader {
                    path: shown,
                    header: base.to_string(),
                    first: j + 1,
                    second: i + 1,
                });
            }
        }
    }
    let fields = headers::map_headers(&headers, spec, Some(&options.columns));
    let mut mapped = Vec::new();
    let names: Vec<String> = headers
        .iter()
        .zip(&fields)
        .enumerate()
        .map(|(i, (h, f))| match f {
            Some(f) => {
                if h != f {
                    mapped.push((h.clone(), f.to_string()));
                }
                f.to_string()
            }
            // An extra column keeps its header, unless that would clash with a field name.
            None if spec.column(h).is_some() => format!("{h}_{}", i + 1),
            None => h.clone(),
        })
        .collect();
    frame
        .set_column_names(&names)
        .map_err(|e| Error::Unreadable {
            path: shown.clone(),
            message: e.to_string(),
        })?;
    let mut fields: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .filter(|n| spec.column(n).is_some())
        .collect();
    fields.sort();
    let (mut frame, lines, skipped, warnings) =
        skip_footer_rows(frame, raw.lines, spec, &shown, carry.totals.as_mut())?;
    // Columns the file lacks that its title names unambiguously (a township's roster
    // rarely repeats the township on every row).
    let mut from_title = Vec::new();
    if !table.title.is_empty() {
        let programs: Vec<&str> = options.programs.iter().map(String::as_str).collect();
        for (field, value) in header_shape::title_defaults(&table.title, &programs) {
            if spec.column(field).is_some() && !names.iter().any(|n| n == field) {
                frame.with_column(Column::new(
                    field.into(),
                    vec![value.as_str(); frame.height()],
                ))?;
                from_title.push((field.to_string(), value));
            }
        }
    }
    let mut loaded =
        validate::validate_rows(frame, Some(&lines), &shown, spec, &headers, &carry.keys)?;
    // Rows that could not even be split into fields count as read and rejected.
    loaded.count.rows_read += raw.rejects.len();
    loaded.count.rows_rejected += raw.rejects.len();
    loaded.count.format = raw.format;
    loaded.count.mapped = mapped;
    loaded.count.header_line = table.header_line;
    loaded.count.title = table.title;
    loaded.count.skipped = skipped;
    fields.extend(from_title.iter().map(|(f, _)| f.clone()));
    fields.sort();
    loaded.count.fields = fields;
    loaded.count.from_title = from_title;
    loaded.count.warnings = warnings;
    loaded.rejects.extend(raw.rejects.into_iter().map(|mut r| {
        r.file = shown.clone();
        r
    }));
    loaded.rejects.sort_by_key(|r| r.line);
    Ok(loaded)
}

/// The column whose emptiness marks a row as possibly not data: the file's key, else its
/// first required column.
fn key_column(spec: &FileSpec) -> &'static str {
    spec.columns
        .iter()
        .find(|c| c.field == Field::Key)
        .or_else(|| spec.columns.iter().find(|c| c.required))
        .map_or("", |c| c.name)
}

type Footers = (DataFrame, Vec<usize>, Vec<SkippedRow>, Vec<String>);

/// The amounts of a file's data rows so far, for checking a total met in a later chunk
/// of a file read a chunk at a time: since the last 小计, and from the start.
#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    since: i64,
    from_start: i64,
}

/// A row's amount for the totals check: unreadable amounts count as nothing.
fn row_fen(amounts: Option<&StringChunked>, i: usize) -> i64 {
    amounts
        .and_then(|a| a.get(i))
        .and_then(|v| fundaudit_core::cells::parse_amount_fen(v).ok())
        .unwrap_or(0)
}

/// Takes total, note and blank rows out of the data (see [`header_shape::classify`]) and checks
/// each total's amount against the rows above it: 合计/总计 against every data row before
/// it, 小计 against the rows since the previous total. A total that does not add up is a
/// warning, since it is itself a fact an auditor wants to see. `carry` holds the sums of
/// the file's earlier chunks, and is brought up to the end of this one.
fn skip_footer_rows(
    frame: DataFrame,
    lines: Option<Vec<usize>>,
    spec: &FileSpec,
    file: &str,
    carry: Option<&mut Totals>,
) -> Result<Footers> {
    let height = frame.height();
    let lines = lines.unwrap_or_else(|| (2..height + 2).collect());
    let amounts = frame.column("amount").and_then(|c| c.str().cloned()).ok();
    // The rows after the last total of this chunk, added to the carried sums (in
    // parallel: a chunk is a million rows, and most have no total at all).
    let carry_rest = |carry: Option<&mut Totals>, from: usize, skip: &[bool]| {
        if let Some(t) = carry {
            use rayon::prelude::*;
            let fen: i64 = (from..height)
                .into_par_iter()
                .filter(|&j| !skip.get(j).copied().unwrap_or(false))
                .map(|j| row_fen(amounts.as_ref(), j))
                .sum();
            t.since += fen;
            t.from_start += fen;
        }
    };
    let key = key_column(spec);
    let Ok(key_values) = frame.column(key).and_then(|c| c.str().cloned()) else {
        carry_rest(carry, 0, &[]);
        return Ok((frame, lines, Vec::new(), Vec::new()));
    };
    // Only rows without a key, or whose key is itself a marker, can be anything but data.
    let candidates: Vec<usize> = key_values
        .iter()
        .enumerate()
        .filter(|(_, k)| {
            k.is_none_or(|k| {
                let k = k.trim();
                k.is_empty()
                    || (header_shape::may_be_marker(k)
                        && header_shape::classify(&[Some(k)], Some(k)).is_some())
            })
        })
        .map(|(i, _)| i)
        .collect();
    if candidates.is_empty() {
        carry_rest(carry, 0, &[]);
        return Ok((frame, lines, Vec::new(), Vec::new()));
    }
    let texts: Vec<StringChunked> = frame
        .columns()
        .iter()
        .filter_map(|c| c.str().ok().cloned())
        .collect();
    let mut skip = vec![false; height];
    let mut skipped = Vec::new();
    let mut totals = Vec::new();
    for &i in &candidates {
        let cells: Vec<Option<&str>> = texts.iter().map(|c| c.get(i)).collect();
        if let Some(kind) = header_shape::classify(&cells, key_values.get(i)) {
            skip[i] = true;
            let text: String = cells
                .iter()
                .flatten()
                .map(|c| c.trim())
                .filter(|c| !c.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
                .chars()
                .take(60)
                .collect();
            if kind == header_shape::SkipKind::Total {
                totals.push((i, text.clone()));
            }
            skipped.push(SkippedRow {
                line: lines[i],
                kind,
                text,
            });
        }
    }
    let mut warnings = Vec::new();
    let mut sums = carry.as_deref().copied().unwrap_or_default();
    let mut last = 0usize;
    if amounts.is_some() {
        for (i, text) in totals {
            for (j, skipped) in skip.iter().enumerate().take(i).skip(last) {
                if !skipped {
                    let v = row_fen(amounts.as_ref(), j);
                    sums.since += v;
                    sums.from_start += v;
                }
            }
            last = i + 1;
            let expected = if text.contains("小计") {
                sums.since
            } else {
                sums.from_start
            };
            let stated = amounts
                .as_ref()
                .and_then(|a| a.get(i))
                .and_then(|v| fundaudit_core::cells::parse_amount_fen(v).ok());
            if let Some(stated) = stated {
                if stated != expected {
                    warnings.push(format!(
                        "{file} row {}: `{}` states {} yuan but the rows above add up to {} yuan",
                        lines[i],
                        text.chars().take(20).collect::<String>(),
                        fundaudit_core::cells::fmt_yuan(stated),
                        fundaudit_core::cells::fmt_yuan(expected)
                    ));
                }
            }
            sums.since = 0;
        }
    }
    if let Some(carry) = carry {
        *carry = sums;
        carry_rest(Some(carry), last, &skip);
    }
    let keep: Vec<bool> = skip.iter().map(|s| !s).collect();
    let frame = frame.filter(&BooleanChunked::from_slice("keep".into(), &keep))?;
    let lines = lines
        .into_iter()
        .zip(&skip)
        .filter(|(_, s)| !**s)
        .map(|(l, _)| l)
        .collect();
    Ok((frame, lines, skipped, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::Column;

    fn frame(cols: &[(&str, &[Option<&str>])]) -> DataFrame {
        let columns = cols
            .iter()
            .map(|(n, v)| Column::new((*n).into(), v.to_vec()))
            .collect();
        DataFrame::new_infer_height(columns).unwrap()
    }

    #[test]
    fn bad_rows_go_to_rejects_and_counts_reconcile() {
        let raw = frame(&[
            (
                "payment_id",
                &[Some("P1"), Some("P2"), Some("P2"), None, Some("P5")],
            ),
            (
                "allocation_id",
                &[Some("A1"), None, Some("A3"), Some("A4"), Some("A5")],
            ),
            ("beneficiary_id", &[None, None, None, None, None]),
            ("payee_name", &[Some(" 张伟 "), None, None, None, None]),
            ("payee_account", &[None, None, None, None, None]),
            (
                "amount",
                &[Some("10.00"), Some("1O"), Some("3"), Some("4"), Some("5")],
            ),
            (
                "paid_date",
                &[
                    Some("2025-01-01"),
                    Some("2025-01-02"),
                    Some("2025-13-01"),
                    Some("2025-01-04"),
                    Some("2025-01-05"),
                ],
            ),
            ("program", &[None, None, None, None, None]),
            ("extra", &[Some("kept"), None, None, None, None]),
        ]);
        let loaded = validate(raw, "payments.csv", &PAYMENTS).unwrap();
        assert_eq!(loaded.count.rows_read, 5);
        assert_eq!(loaded.count.rows_used, 2);
        assert_eq!(loaded.count.rows_rejected, 3);
        let reasons: Vec<(usize, &str)> = loaded
            .rejects
            .iter()
            .map(|r| (r.line, r.column.as_str()))
            .collect();
        assert!(reasons.contains(&(3, "amount")), "{reasons:?}");
        assert!(reasons.contains(&(4, "payment_id")), "{reasons:?}");
        assert!(reasons.contains(&(4, "paid_date")), "{reasons:?}");
        assert!(reasons.contains(&(5, "payment_id")), "{reasons:?}");
        let f = &loaded.frame;
        assert_eq!(
            f.column("amount_fen").unwrap().i64().unwrap().get(0),
            Some(1000)
        );
        assert_eq!(
            f.column("payee_name").unwrap().str().unwrap().get(0),
            Some("张伟")
        );
        assert_eq!(f.column(LINE).unwrap().i64().unwrap().get(1), Some(6));
        assert!(f.column("extra").is_ok());
    }

    #[test]
    fn repeated_text_is_coded_and_reads_back_as_text() {
        let raw = frame(&[
            ("allocation_id", &[Some("A1"), Some("A2"), Some("A3")]),
            ("program", &[Some("低保"), Some("低保"), Some("特困供养")]),
            (
                "period",
                &[Some("2025-01"), Some("2025-01"), Some("2025-02")],
            ),
            ("beneficiary_id", &[Some("B1"), Some("B2"), Some("B1")]),
            ("township", &[Some("城关镇"), None, Some("城关镇")]),
            ("amount", &[Some("1"), Some("2"), Some("3")]),
            (
                "funds_received_date",
                &[Some("2025-01-01"), Some("2025-01-01"), Some("2025-02-01")],
            ),
        ]);
        let loaded = validate(raw, "allocations.csv", &ALLOCATIONS).unwrap();
        let f = &loaded.frame;
        for (name, coded) in [
            ("program", true),
            ("period", true),
            ("township", true),
            ("allocation_id", false),
            ("beneficiary_id", false),
        ] {
            let dtype = f.column(name).unwrap().dtype();
            assert_eq!(dtype.is_categorical(), coded, "{name}: {dtype:?}");
        }
        assert_eq!(
            fundaudit_core::frame::text(f, "township").unwrap(),
            vec![Some("城关镇"), None, Some("城关镇")]
        );
        assert_eq!(
            fundaudit_core::frame::text(f, "program").unwrap(),
            vec![Some("低保"), Some("低保"), Some("特困供养")]
        );
        // An optional coded column the file lacks is coded too, so files with and
        // without it stack.
        let f = validate(
            frame(&[
                ("payment_id", &[Some("P1")]),
                ("allocation_id", &[Some("A1")]),
                ("beneficiary_id", &[Some("B1")]),
                ("payee_name", &[Some("张伟")]),
                ("payee_account", &[None]),
                ("amount", &[Some("1")]),
                ("paid_date", &[Some("2025-01-02")]),
                ("program", &[Some("低保")]),
            ]),
            "payments.csv",
            &PAYMENTS,
        )
        .unwrap()
        .frame;
        assert!(f.column("status").unwrap().dtype().is_categorical());
        assert_eq!(
            fundaudit_core::frame::text(&f, "status").unwrap(),
            vec![None]
        );
    }

    #[test]
    fn missing_column_names_file_and_column() {
        let raw = frame(&[("name", &[Some("x")])]);
        let err = validate(raw, "beneficiaries.csv", &BENEFICIARIES)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("beneficiaries.csv")
                && err.contains("beneficiary_id")
                && err.contains("name"),
            "{err}"
        );
    }
}
