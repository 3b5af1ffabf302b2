//! fundaudit: batch audit of livelihood-fund (民生资金) disbursements.
//!
//! The pipeline is `input` (ledgers → typed frames, bad rows → rejects) → `context`
//! (identity resolution, once) → `partition` (payments linked and `rules` run a part at
//! a time, one pure function per rule, each returning a findings frame) → `scoring`
//! (risk score, stable id, rank) → `cases` → `report`.
//! The binary in `main.rs` is only a command-line layer over [`run`] and [`generate`].

pub mod config;
pub mod distributed;
pub mod error;
pub mod generate;
pub mod identity;
pub mod input;
pub mod operations;
pub mod outputs;
pub mod pipeline;
pub mod rules;
pub mod safe_fs;
pub mod text;

use operations::{changes, ledger, run_folder, runs, screen};
use outputs::{html, report, workbook, worklists};
use pipeline::{cases, context, findings, frame, parse, partition, scoring};

use std::path::PathBuf;
use std::time::Instant;

use polars::prelude::{
    BooleanChunked, Column, DataFrame, DataType, NewChunkedArray, SortMultipleOptions,
};

pub use config::Config;
pub use error::{Error, Result};

/// What one audit run needs to know.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub data_dir: PathBuf,
    /// The reports folder: run folders `<as-of>-<n>/`, `latest`, the lock. None only with
    /// `out_dir`.
    pub reports_dir: Option<PathBuf>,
    /// Write the run exactly here instead of a new `<reports>/<as-of>-<n>/`, replacing an
    /// earlier run there (and nothing else: see [`run_folder`]).
    pub out_dir: Option<PathBuf>,
    pub config: Config,
    /// Reference date for "unpaid past due" (days since 1970-01-01).
    pub as_of: parse::Day,
    /// Write ID and account numbers in full (default: masked, see [`outputs::privacy`]).
    pub unmasked: bool,
    /// Language of report.html.
    pub lang: html::Lang,
    /// Queue behind a run that holds the reports folder's lock for at most this long
    /// instead of failing at once (None: fail at once, exit 75).
    pub wait: Option<std::time::Duration>,
    /// The case ledger (SQLite); None runs without one.
    pub ledger: Option<PathBuf>,
    /// A pre-payment screen (事前筛查) of the allocations instead of an audit of payments.
    pub screen: bool,
    /// Where the rules run: here, or on a Ballista cluster.
    pub engine: Engine,
}

/// Where a run's units are audited (see [`distributed`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Engine {
    /// In this process, a unit after another.
    #[default]
    Local,
    /// On a Ballista cluster: the scheduler at `df://HOST:PORT`, or (None) a scheduler
    /// and two executors started in this process. Needs a stage as the data folder and
    /// the `distributed` build.
    Ballista { scheduler: Option<String> },
}

/// The result of a run, as written to its folder.
pub struct RunOutcome {
    pub findings: DataFrame,
    pub summary: report::Summary,
    /// The run's folder, complete.
    pub out_dir: PathBuf,
    /// Whether a finding reached the config's alert score (exit code 3).
    pub alert: bool,
    /// Whether the inputs look like a broken export (exit code 4; see
    /// [`rules::completeness`]).
    pub incomplete: bool,
    /// The reports that could not be written (file: why); the others were published
    /// (exit code 2).
    pub not_written: Vec<String>,
}

/// The cluster a run audits on; in a build without the engine, a type with no value.
#[cfg(feature = "distributed")]
type Cluster = distributed::Cluster;
#[cfg(not(feature = "distributed"))]
type Cluster = std::convert::Infallible;

/// The cluster the options name, reached before anything is loaded (a scheduler that is
/// not there is said at once, not after the people are built); None to run here.
fn reach(opts: &RunOptions) -> Result<Option<Cluster>> {
    let Engine::Ballista { scheduler } = &opts.engine else {
        return Ok(None);
    };
    #[cfg(feature = "distributed")]
    {
        // Executors read a stage, not the files.
        if !input::stage::is_stage(&opts.data_dir) {
            return Err(Error::Argument(format!(
                "--engine ballista reads a stage, and {} is not one: run `fundaudit stage --data {} --out STAGE` to a folder every executor reads at the same path, then `fundaudit run --data STAGE --engine ballista`",
                opts.data_dir.display(),
                opts.data_dir.display()
            )));
        }
        // A stage made by an older fundaudit lacks the columns the cluster's plans read
        // (row numbers, plain text): said now, before the cluster is asked anything.
        input::stage::registry_file(&opts.data_dir)?;
        input::stage::part_files(&opts.data_dir)?;
        let partitions = opts.config.scale.cluster_partitions.max(1);
        Ok(Some(match scheduler {
            Some(url) => distributed::connect(url, partitions)?,
            // Two executors of one slot: twice as many partitions.
            None => distributed::in_process(2, 1, partitions.min(4))?,
        }))
    }
    // Without the engine, whether the data is a stage does not matter.
    #[cfg(not(feature = "distributed"))]
    {
        let _ = scheduler;
        Err(Error::Argument(
            "--engine ballista needs the distributed build: cargo build --release --features distributed".into(),
        ))
    }
}

/// The run's people, their duplicate registrations found here or on the cluster.
fn people(
    ledgers: input::Ledgers,
    opts: &RunOptions,
    cluster: Option<&Cluster>,
) -> Result<context::Context> {
    let (config, as_of) = (opts.config.clone(), opts.as_of);
    match cluster {
        None => context::Context::people(ledgers, config, as_of),
        #[cfg(feature = "distributed")]
        Some(cluster) => {
            tracing::info!(scheduler = %cluster.scheduler(), "resolving identities on the cluster");
            context::Context::people_with(ledgers, config, as_of, |reg, config| {
                distributed::identity::resolve(cluster, &opts.data_dir, reg, config)
            })
        }
        #[cfg(not(feature = "distributed"))]
        Some(cluster) => match *cluster {},
    }
}

/// The rules over every unit of the run, here or on the cluster.
fn audit(
    people: context::Context,
    // Read by the cluster's arm only.
    #[cfg_attr(not(feature = "distributed"), allow(unused_variables))] opts: &RunOptions,
    cluster: Option<&Cluster>,
) -> Result<partition::Audited> {
    match cluster {
        None => partition::audit(people),
        #[cfg(feature = "distributed")]
        Some(cluster) => {
            let matched = people.dedup.matched();
            let prepared = partition::prepare(people)?;
            let job = distributed::Job::new(
                &opts.data_dir,
                &opts.config,
                opts.as_of,
                matched,
                &prepared,
            )?;
            tracing::info!(scheduler = %cluster.scheduler(), "auditing the units on the cluster");
            distributed::audit(prepared, &job, cluster)
        }
        #[cfg(not(feature = "distributed"))]
        Some(cluster) => match *cluster {},
    }
}

/// Runs the whole audit and writes the run folder: report.html, findings.xlsx,
/// findings.csv/json, rejects.csv, summary.json and manifest.json.
pub fn run(opts: &RunOptions) -> Result<RunOutcome> {
    let started = runs::now();
    let cluster = reach(opts)?;
    let (done, lock_path) = place(opts)?;
    let _lock = runs::lock(&lock_path, opts.wait)?;
    // The ledger's own lock is held from here to the end, so two reports folders sharing
    // one ledger queue behind each other instead of interleaving their classification.
    let mut ledger = match &opts.ledger {
        Some(path) => Some(ledger::Ledger::open(path, opts.wait)?),
        None => None,
    };
    let mut timings: Vec<(String, f64)> = Vec::new();
    tracing::info!(data = %opts.data_dir.display(), "loading inputs");
    let t = Instant::now();
    // A province's CSV is staged on the way ([scale] stage_bytes): read in chunks, then
    // a part at a time, instead of whole. The stage goes when the run ends.
    let on_the_way = if opts.screen {
        None
    } else {
        input::stage::on_the_way(&opts.data_dir, &opts.config, &done)?
    };
    let data = on_the_way
        .as_ref()
        .map_or(opts.data_dir.as_path(), |s| s.dir());
    let mut ledgers = input::Ledgers::load_with(data, &opts.config, opts.screen)?;
    if opts.screen {
        ledgers.payments = screen::planned_payments(&ledgers, &opts.config)?;
    }
    stage(&mut timings, "load and validate inputs", t);

    tracing::info!("resolving identities");
    let people = people(ledgers, opts, cluster.as_ref())?;
    // What the ledger knows of the last night: its open findings and the source rows they
    // named, which the audit keeps beside tonight's (see Memo::keep_rows). On a cluster
    // the executors keep only tonight's: no comparison there.
    let last = match ledger.as_ref() {
        Some(book) => Some(Earlier::read(book)?),
        None => None,
    };
    let compare_rows = cluster.is_none();
    if let Some(l) = last.as_ref().filter(|_| compare_rows) {
        let ids = l.rows.iter().map(|r| r.row_id.clone()).collect();
        let _ = people.memo.keep_rows.set(ids);
    }
    if ledger.is_some() && cluster.is_some() {
        tracing::warn!("--engine ballista: source rows are not compared with the last night (DATA_SOURCE_CHANGED needs the local engine)");
    }
    for (name, secs) in &people.timings {
        tracing::info!(stage = *name, seconds = *secs, "{name} done");
        timings.push((name.to_string(), *secs));
    }
    tracing::info!("linking payments and running the rules");
    let partition::Audited {
        findings: raw,
        timings: part_times,
        digits,
        context: mut ctx,
        parts,
    } = audit(people, opts, cluster.as_ref())?;
    for (name, secs) in part_times {
        tracing::info!(stage = name.trim(), seconds = secs, "{} done", name.trim());
        timings.push((name, secs));
    }
    let coverage = ctx.whole.past_due.coverage();

    if !ctx.officials.is_empty() && !rules::cadre::has_households(&ctx) {
        ctx.warnings.push(
            "DIV_CADRE_HOUSEHOLD checked shared bank cards only: the registry has no household_id (户编号) column, so officials' households were not checked".into(),
        );
    }
    // Rows deleted or edited since the last night are findings themselves.
    let t = Instant::now();
    let prev_rows = match &last {
        Some(l) if compare_rows => l.rows.as_slice(),
        _ => &[][..],
    };
    let row_index =
        pipeline::source_rows::Index::of(&ctx, &pipeline::source_rows::wanted(&raw, prev_rows)?)?;
    let mut raw = raw;
    let mut out_of_scope = false;
    if let Some(l) = last.as_ref().filter(|_| compare_rows) {
        let changed =
            rules::source_changed::source_changed(&l.rows, &row_index, &l.earlier, &l.as_of)?;
        raw.vstack_mut_owned(changed.findings)?;
        if let Some(note) = changed.scope_note {
            out_of_scope = true;
            ctx.warnings.push(note);
        }
    }
    if ledger.is_some() {
        stage(&mut timings, "compare source rows", t);
    }
    let t = Instant::now();
    let findings = scoring::score(&raw, &ctx.config)?;
    stage(&mut timings, "score and rank", t);
    let t = Instant::now();
    let case_links = cases::links(&findings, &ctx)?;
    let mut case_groups = cases::group(&findings, &case_links, &ctx.config)?;
    // Case ids carry over from the ledger's last night (see cases::assign_ids).
    let previous_cases = match ledger.as_ref() {
        Some(book) => book.open_cases()?,
        None => Default::default(),
    };
    cases::assign_ids(
        &mut case_groups,
        &frame::text(&findings, scoring::scored::FINDING_ID)?,
        &previous_cases,
    );
    let findings = cases::with_case_column(findings, &case_groups)?;
    stage(&mut timings, "group cases", t);

    let as_of = parse::fmt_day(opts.as_of);
    let run_id = runs::new_run_id();
    let run_name = done
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let t = Instant::now();
    let folder_path = run_folder::absolute(&done);
    let mut coverage_warnings: Vec<String> = Vec::new();
    let mut night = None;
    let mut decisions = Default::default();
    let (findings, ledger_record) = match ledger.as_mut() {
        Some(book) => {
            let run_ref = ledger::RunRef {
                id: &run_id,
                name: &run_name,
                folder: &folder_path,
                as_of: &as_of,
            };
            let (changes, suppress, record) = book.record_run(&run_ref, &findings)?;
            let rows = pipeline::source_rows::of_findings(&findings, &row_index, prev_rows)?;
            book.record_source_rows(&run_id, &rows)?;
            let decided = book.decided()?;
            let codes: Vec<&str> = changes.iter().map(|c| c.code()).collect();
            let l = last.as_ref().expect("read with the ledger");
            night = Some(changes::night_changes(
                &l.as_of,
                &l.open,
                &findings,
                &codes,
                &source_changed_origins(&findings)?,
                &decided,
                out_of_scope,
                &book.recovered()?,
            )?);
            decisions = decided;
            let before = book.previous_coverage(&run_id)?;
            book.record_coverage(&run_id, &coverage)?;
            coverage_warnings = rules::completeness::coverage_drops(
                &coverage,
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
    if opts.ledger.is_some() {
        stage(&mut timings, "case ledger", t);
    }
    // Officers' decisions ride along in every report; the fingerprint last: officers
    // read the columns before it; tools and `review` find it.
    let findings = changes::with_decisions(findings, &decisions)?;
    let findings = last_column(findings, scoring::scored::FINGERPRINT)?;
    let t = Instant::now();
    let calibration = match ledger.as_ref() {
        Some(book) => cases::calibration(&book.stats()?),
        None => Default::default(),
    };
    let case_list = cases::summarise(&findings, &case_links, &ctx, &calibration)?;
    let case_table = cases::cases_frame(&case_list, &findings, &previous_cases)?;
    // The night's money, each payment once, and where each finding's money lies.
    let all_rows: Vec<usize> = (0..findings.height()).collect();
    let night_money = pipeline::money::distinct(
        &pipeline::money::Claims::new(&findings)?,
        &all_rows,
        &case_links.pays,
    );
    let findings = pipeline::money::with_split_column(findings, &night_money)?;
    stage(&mut timings, "summarise cases", t);
    let folder = run_folder::RunFolder::new(done)?;
    let out = folder.work.clone();
    let t = Instant::now();
    let mut shown = if opts.unmasked {
        findings.clone()
    } else {
        report::mask_frame(&findings)?
    };
    // Once the rules have run, one writer failing must not cost the night the others:
    // each report is attempted, failures are collected and said together at the end.
    let mut writers = Writers::new(&out);
    writers.attempt("findings.csv", || {
        report::write_csv(&mut shown, &out.join("findings.csv"))
    });
    writers.attempt("findings.json", || {
        report::write_json(&shown, &out.join("findings.json"))
    });
    let mut shown_cases = if opts.unmasked {
        case_table.clone()
    } else {
        report::mask_frame(&case_table)?
    };
    writers.attempt("cases.csv", || {
        report::write_csv(&mut shown_cases, &out.join("cases.csv"))
    });
    writers.attempt("rejects.csv", || {
        report::write_rejects(
            &ctx.ledgers.rejects,
            &out.join("rejects.csv"),
            opts.unmasked,
        )
    });
    stage(&mut timings, "write csv and json", t);

    let mut summary = report::Summary::new(
        as_of,
        ctx.ledgers.counts.clone(),
        &findings,
        &night_money,
        timings,
        ctx.warnings.clone(),
    )?;
    summary.ledger = ledger_record;
    summary.changes = night;
    summary.cases = case_list.cases.len();
    summary.unused = ctx.ledgers.unused.clone();
    summary.settled = ctx.ledgers.settled.clone();
    summary.screening = opts.screen;
    summary.digits = digits.tests();
    summary.parts = parts;
    summary.identity_u = ctx.dedup.stats.measured.clone();
    summary.incomplete.extend(coverage_warnings);
    // A case ledger whose decisions were changed outside fundaudit: said, and the night
    // is not clean (exit 4).
    if let Some(broken) = ledger.as_ref().and_then(|l| l.integrity_warning()) {
        summary.warnings.push(broken.to_string());
        summary.incomplete.push(broken.to_string());
    }
    let t = Instant::now();
    writers.attempt("findings.xlsx", || {
        workbook::write_workbook(&shown, &shown_cases, &summary, &out.join("findings.xlsx"))
    });
    stage(&mut summary.timings, "write workbook", t);
    let t = Instant::now();
    writers.attempt("report.html", || {
        html::write_html(
            &shown,
            &shown_cases,
            &ctx.ledgers,
            &summary,
            &html::Options {
                lang: opts.lang,
                unmasked: opts.unmasked,
                limits: opts.config.report.clone(),
            },
            &out.join("report.html"),
        )
    });
    stage(&mut summary.timings, "write web report", t);
    let mut worklist_seed = None;
    let t = Instant::now();
    writers.attempt("worklists.xlsx", || {
        worklists::write_worklists(&shown, &ctx, &out.join("worklists.xlsx")).map(|seed| {
            worklist_seed = Some(seed);
        })
    });
    writers.attempt("confidential.xlsx", || {
        worklists::write_confidential(&shown, &ctx, &out.join("confidential.xlsx")).map(|_| ())
    });
    stage(&mut summary.timings, "write worklists", t);
    if opts.screen {
        writers.attempt("hold.csv", || {
            screen::write_hold(&shown, &out.join("hold.csv")).map(|_| ())
        });
    }
    // What could not be written is said where the night is read back: summary.json,
    // run.log and the manifest.
    summary
        .warnings
        .extend(writers.failed.iter().map(|f| format!("not written: {f}")));
    writers.attempt("summary.json", || {
        report::write_summary(&summary, &out.join("summary.json"))
    });
    writers.attempt("run.log", || {
        report::write_log(&summary, &started, &out.join("run.log"))
    });

    let alert = frame_max(&findings, scoring::scored::RISK_SCORE) >= opts.config.alert.score;
    let manifest = runs::Manifest::new(
        &run_id,
        &run_name,
        started.clone(),
        &opts.config,
        &summary,
        alert,
    )?;
    let mut manifest = manifest;
    manifest.worklist_seed = worklist_seed;
    report::write_json_value(&manifest, &out.join("manifest.json"))?;
    let out_dir = folder.publish()?;
    if let Some(reports) = opts.reports_dir.as_deref() {
        if out_dir.parent() == Some(reports) {
            runs::point_latest(reports, &out_dir)?;
        }
    }
    if let Some(book) = ledger.as_mut() {
        book.mark_published(&run_id)?;
    }
    let incomplete = !summary.incomplete.is_empty();
    Ok(RunOutcome {
        findings,
        summary,
        out_dir,
        alert,
        incomplete,
        not_written: writers.failed,
    })
}

/// The report writers of one run, each attempted whatever became of the others. A
/// writer's error, or a panic inside it (rust_xlsxwriter panicked on a full disk), is
/// collected, and the half-written file removed: a partial workbook would be read as a
/// whole one.
struct Writers<'a> {
    out: &'a std::path::Path,
    failed: Vec<String>,
}

impl<'a> Writers<'a> {
    fn new(out: &'a std::path::Path) -> Writers<'a> {
        Writers {
            out,
            failed: Vec::new(),
        }
    }

    fn attempt(&mut self, what: &str, write: impl FnOnce() -> Result<()>) {
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(write)).unwrap_or_else(|panic| {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "the writer stopped".into());
                Err(Error::Write {
                    path: self.out.join(what).display().to_string(),
                    message,
                })
            });
        if let Err(e) = result {
            tracing::error!(output = what, "{e}");
            let _ = std::fs::remove_file(self.out.join(what));
            self.failed.push(format!("{what}: {e}"));
        }
    }
}

/// Where this run will write (its folder) and which lock guards it, decided and checked
/// before any work: a refusal costs nothing and touches nothing (see [`run_folder`]).
fn place(opts: &RunOptions) -> Result<(PathBuf, PathBuf)> {
    let (done, lock_path) = match (&opts.out_dir, &opts.reports_dir) {
        (Some(out), _) => {
            let name = out.file_name().map(|n| n.to_string_lossy().to_string());
            let lock = out.with_file_name(format!(".{}.lock", name.unwrap_or_default()));
            (out.clone(), lock)
        }
        (None, Some(reports)) => {
            let as_of = parse::fmt_day(opts.as_of);
            (
                reports.join(runs::next_run_name(reports, &as_of)),
                reports.join("fundaudit.lock"),
            )
        }
        (None, None) => {
            return Err(Error::Argument(
                "a run needs a reports folder (--reports) or --out".into(),
            ))
        }
    };
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    run_folder::check_places(
        &run_folder::Places {
            data: &opts.data_dir,
            reports: opts.reports_dir.as_deref(),
            out: opts.out_dir.as_deref(),
            ledger: opts.ledger.as_deref(),
        },
        home.as_deref(),
        &cwd,
    )?;
    Ok((done, lock_path))
}

/// Records a stage's wall time and tells whoever listens (a progress line on a terminal,
/// a log line elsewhere: see main.rs).
fn stage(timings: &mut Vec<(String, f64)>, name: &str, started: Instant) {
    let secs = started.elapsed().as_secs_f64();
    tracing::info!(stage = name, seconds = secs, "{name} done");
    timings.push((name.to_string(), secs));
}

/// Adds each finding's change since the last run, drops those dismissed with the same
/// facts, and puts new and changed findings first (each group in rank order).
fn with_changes(
    findings: DataFrame,
    changes: &[ledger::Change],
    suppress: &[bool],
) -> Result<DataFrame> {
    let mut f = findings;
    let codes: Vec<&str> = changes.iter().map(|c| c.code()).collect();
    let order: Vec<i64> = changes
        .iter()
        .map(|c| match c {
            ledger::Change::New => 0,
            ledger::Change::Changed => 1,
            ledger::Change::Persisting => 2,
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

/// What the ledger knows of the last complete night, read before tonight is recorded.
struct Earlier {
    as_of: String,
    open: Vec<ledger::OpenFinding>,
    rows: Vec<pipeline::source_rows::SourceRow>,
    earlier: std::collections::BTreeMap<String, rules::source_changed::Earlier>,
}

impl Earlier {
    fn read(book: &ledger::Ledger) -> Result<Earlier> {
        let (rows, as_of) = book.previous_source_rows()?;
        let open = book.open_findings()?;
        // Each finding's place and people by its own id, and by the origin a
        // DATA_SOURCE_CHANGED finding carries (its origin may be resolved by now).
        let origin_of: std::collections::HashMap<&str, &str> = rows
            .iter()
            .map(|r| (r.finding_id.as_str(), r.origin.as_str()))
            .collect();
        let mut earlier = std::collections::BTreeMap::new();
        for f in &open {
            let known = rules::source_changed::Earlier {
                township: f.township.clone(),
                program: String::new(),
                beneficiary_ids: ledger::facts_beneficiaries(&f.facts),
            };
            let origin = origin_of.get(f.finding_id.as_str()).copied();
            if let Some(origin) = origin.filter(|o| *o != f.finding_id) {
                earlier.entry(origin.to_string()).or_insert(known.clone());
            }
            earlier.insert(f.finding_id.clone(), known);
        }
        Ok(Earlier {
            as_of,
            open,
            rows,
            earlier,
        })
    }
}

/// The findings DATA_SOURCE_CHANGED findings report on (their refs `finding:F…`).
fn source_changed_origins(findings: &DataFrame) -> Result<std::collections::HashSet<String>> {
    let rules = frame::text(findings, findings::cols::RULE)?;
    let refs = frame::text(findings, findings::cols::REFS)?;
    Ok(rules
        .iter()
        .zip(&refs)
        .filter(|(r, _)| **r == Some(findings::Rule::DataSourceChanged.code()))
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

/// The largest value of a float column (negative infinity when empty).
fn frame_max(df: &DataFrame, name: &str) -> f64 {
    df.column(name)
        .ok()
        .and_then(|c| {
            c.f64()
                .ok()
                .map(|ca| ca.iter().flatten().fold(f64::NEG_INFINITY, f64::max))
        })
        .unwrap_or(f64::NEG_INFINITY)
}
