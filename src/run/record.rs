//! Stage 6, record: tonight's findings recorded in the case ledger — each marked new,
//! changed or persisting since the last night, those dismissed on the same facts
//! dropped, the night's changes and coverage compared — and the officers' decisions
//! carried into every report. The rows the findings name are kept in the ledger after,
//! beside the reports ([`Keep`]).

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use polars::prelude::{
    BooleanChunked, Column, DataFrame, DataType, NewChunkedArray, SortMultipleOptions,
};

use super::audit::Audited;
use super::last_night::LastNight;
use super::options::RunOptions;
use fundaudit_casebook::changes::{self, NightChanges};
use fundaudit_casebook::ledger::{CaseLedger, Change, RunRecord, RunRef};
use fundaudit_core::error::Result;
use fundaudit_core::findings::{cols, Rule};
use fundaudit_core::frame;
use fundaudit_core::timings::Timings;
use fundaudit_rules::source_rows;

/// Who tonight's run is, as the ledger records it.
pub(super) struct Night<'a> {
    pub run_id: &'a str,
    pub run_name: &'a str,
    pub folder: &'a std::path::Path,
    pub as_of: &'a str,
}

pub(super) struct Recorded {
    /// With their change since the last night, decisions and fingerprint.
    pub findings: DataFrame,
    pub ledger_record: Option<RunRecord>,
    pub night: Option<NightChanges>,
    /// Programs and periods whose past-due allocations fell since the last night.
    pub coverage_warnings: Vec<String>,
    /// Each rule's weight in a case from officers' decisions so far (see
    /// `fundaudit_audit::calibration`); empty without a ledger.
    pub calibration: HashMap<String, f64>,
    /// The ledger's decisions changed outside fundaudit, when they were.
    pub integrity_warning: Option<String>,
    /// The rows tonight's findings name, still to be kept in the ledger: see [`Keep`].
    pub keep: Option<DataFrame>,
}

/// Tonight's source rows kept in the case ledger (`source_rows`), for the next night to
/// compare. Nothing tonight reads them back, and writing a county's (280,000 rows for
/// 200,000 people) is most of the ledger's time, so they are kept on a thread beside the
/// reports ([`super::write`]); the night is published only after they are in.
pub(super) struct Keep<'a> {
    pub book: &'a mut CaseLedger,
    pub run_id: &'a str,
    /// The findings as recorded (before those dismissed on the same facts are dropped: a
    /// dismissed finding's rows are compared the next night too).
    pub findings: DataFrame,
    pub index: &'a source_rows::Index,
    pub last: &'a LastNight,
}

impl Keep<'_> {
    /// Writes the rows; returns the seconds it took.
    pub fn run(self) -> Result<f64> {
        let t = Instant::now();
        let rows = source_rows::of_findings(&self.findings, self.index, self.last.rows())?;
        self.book.record_source_rows(self.run_id, &rows)?;
        Ok(t.elapsed().as_secs_f64())
    }
}

pub(super) fn record(
    findings: DataFrame,
    audited: &Audited,
    ledger: Option<&mut CaseLedger>,
    last: &LastNight,
    night: &Night,
    opts: &RunOptions,
    timings: &mut Timings,
) -> Result<Recorded> {
    let t = Instant::now();
    let recording = ledger.is_some();
    let mut decisions = Default::default();
    let mut changes_tonight = None;
    let mut coverage_warnings = Vec::new();
    let mut calibration = HashMap::new();
    let mut integrity_warning = None;
    let mut keep = None;
    let (findings, ledger_record) = match ledger {
        Some(book) => {
            let run_ref = RunRef {
                id: night.run_id,
                name: night.run_name,
                folder: night.folder,
                as_of: night.as_of,
            };
            let (changes, suppress, record) = book.record_run(&run_ref, &findings)?;
            keep = Some(findings.clone());
            calibration = fundaudit_audit::calibration::calibration(&book.stats()?);
            integrity_warning = book.integrity_warning().map(str::to_string);
            let decided = book.decided()?;
            let codes: Vec<&str> = changes.iter().map(|c| c.code()).collect();
            let l = last.earlier.as_ref().expect("read with the ledger");
            changes_tonight = Some(changes::night_changes(
                &l.as_of,
                &l.open,
                &findings,
                &codes,
                &source_changed_origins(&findings)?,
                &decided,
                audited.out_of_scope,
                &book.recovered()?,
            )?);
            decisions = decided;
            let before = book.previous_coverage(night.run_id)?;
            book.record_coverage(night.run_id, &audited.coverage)?;
            coverage_warnings = fundaudit_rules::past_due::coverage_drops(
                &audited.coverage,
                &before,
                opts.config.completeness.min_allocations,
            );
            (with_changes(findings, &changes, &suppress)?, Some(record))
        }
        None => {
            let n = findings.height();
            let mut f = findings;
            f.with_column(Column::full_null("change".into(), n, &DataType::String))?;
            (f, None)
        }
    };
    if recording {
        timings.lap("case ledger", t);
    }
    // Officers' decisions ride along in every report; the fingerprint last: officers
    // read the columns before it; tools and `review` find it.
    let findings = changes::with_decisions(findings, &decisions)?;
    let findings = last_column(findings, fundaudit_core::findings::scored::FINGERPRINT)?;
    Ok(Recorded {
        findings,
        ledger_record,
        night: changes_tonight,
        coverage_warnings,
        calibration,
        integrity_warning,
        keep,
    })
}

/// Adds each finding's change since the last run, drops those dismissed with the same
/// facts, and puts new and changed findings first (each group in rank order).
fn with_changes(findings: DataFrame, changes: &[Change], suppress: &[bool]) -> Result<DataFrame> {
    let mut f = findings;
    let codes: Vec<&str> = changes.iter().map(|c| c.code()).collect();
    let order: Vec<i64> = changes
        .iter()
        .map(|c| match c {
            Change::New => 0,
            Change::Changed => 1,
            Change::Persisting => 2,
        })
        .collect();
    f.with_column(Column::new("change".into(), codes))?;
    f.with_column(Column::new("_order".into(), order))?;
    let keep: Vec<bool> = suppress.iter().map(|s| !s).collect();
    let f = f.filter(&BooleanChunked::from_slice("keep".into(), &keep))?;
    let mut f = f.sort(["_order", "rank"], SortMultipleOptions::default())?;
    f.drop_in_place("_order")?;
    Ok(f)
}

/// The findings DATA_SOURCE_CHANGED findings report on (their refs `finding:F…`).
fn source_changed_origins(findings: &DataFrame) -> Result<HashSet<String>> {
    let rules = frame::text(findings, cols::RULE)?;
    let refs = frame::text(findings, cols::REFS)?;
    Ok(rules
        .iter()
        .zip(&refs)
        .filter(|(r, _)| **r == Some(Rule::DataSourceChanged.code()))
        .flat_map(|(_, refs)| {
            refs.unwrap_or("")
                .split(';')
                .filter_map(|r| r.strip_prefix("finding:"))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect())
}

/// The frame with column `name` moved to the end.
fn last_column(df: DataFrame, name: &str) -> Result<DataFrame> {
    let mut order: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .filter(|c| c != name)
        .collect();
    order.push(name.to_string());
    Ok(df.select(order)?)
}
