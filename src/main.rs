//! The `fundaudit` command: a thin layer over the library.
//!
//! Exit codes (for cron, systemd timers and schedulers such as Airflow):
//! - 0: the run completed (findings, if any, are in the run folder);
//! - 3: the run completed and a finding reached the config's alert score;
//! - 4: the run completed but the inputs look incomplete (an empty ledger, a period with
//!   no payments at all, a 合计 that does not add up): check the data before the findings;
//! - 2: bad configuration, arguments or input (the message names file, row and column);
//! - 75: another run holds the reports folder's lock (temporary: retry later, or --wait);
//! - 1: internal error (a bug: please report it with the message).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};

use fundaudit::check::check_inputs;
use fundaudit::config::{Config, DEFAULT_CONFIG_TOML};
use fundaudit::generate::{generate, GenerateOptions};
use fundaudit::ledger::{import_dispositions, parse_status, Ledger, RuleStats};
use fundaudit::operations::identity_stats::identity_stats;
use fundaudit::registry_dedup::{run_dedup, DedupOptions};
use fundaudit::{parse, run, Error, RunOptions};

#[derive(Parser)]
#[command(
    name = "fundaudit",
    version,
    about = "Audit of livelihood-fund (民生资金) disbursements: delayed, partial, duplicate, ghost and diverted payments",
    after_help = "Exit codes: 0 success; 3 success, and a finding reached the alert score; 4 success, but the inputs look incomplete (check them first); 2 bad config, arguments or input; 75 another run holds the lock (retry later); 1 internal error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the inputs are and how to read them: shared by every command that reads them.
#[derive(Args)]
struct InputArgs {
    /// Folder holding beneficiaries, allocations, payments and, when available, deaths
    /// and officials (.csv, .tsv, .txt, .xlsx, .xls, .ods or .parquet).
    #[arg(long, default_value = "sample_data")]
    data: PathBuf,
    /// TOML config; keys left out keep their defaults (see `fundaudit config`).
    #[arg(long)]
    config: Option<PathBuf>,
}

impl InputArgs {
    /// The config, its `[limits]` put in force for every reader of this process.
    fn config(&self) -> Result<Config, Error> {
        let config = match &self.config {
            Some(path) => Config::from_file(path)?,
            None => Config::default(),
        };
        fundaudit::input::limits::set(config.limits);
        Ok(config)
    }
}

/// Where and how a run writes: shared by `run` and `screen`.
#[derive(Args)]
struct OutputArgs {
    /// Reports folder: each run goes to a new <reports>/<as-of>-<n>/, and
    /// <reports>/latest points at the last complete one [default: reports].
    #[arg(long)]
    reports: Option<PathBuf>,
    /// Write this run exactly into DIR instead, replacing an earlier run there. DIR must
    /// be new, empty, or hold an earlier fundaudit run and nothing else.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Reference date YYYY-MM-DD for "unpaid past due" [default: today].
    #[arg(long)]
    as_of: Option<String>,
    /// Print nothing on success.
    #[arg(long)]
    quiet: bool,
    /// Write ID and account numbers in full in the reports (default: masked, e.g.
    /// 411623********123X and ****6090). Only for systems entitled to them.
    #[arg(long)]
    unmasked: bool,
    /// Language of report.html: zh (default) or en.
    #[arg(long, default_value = "zh")]
    lang: fundaudit::html::Lang,
}

impl OutputArgs {
    fn as_of(&self) -> Result<fundaudit::parse::Day, Error> {
        match &self.as_of {
            Some(s) => {
                let day = parse::parse_date(s)
                    .map_err(|why| Error::Argument(format!("--as-of: {why}")))?;
                // Days since 1970-01-01: 0 and 2100-12-31. A date outside is a typo, and
                // would make every allocation overdue or none.
                if !(0..=47846).contains(&day) {
                    return Err(Error::Argument(format!(
                        "--as-of {s}: give a date between 1970-01-01 and 2100-12-31"
                    )));
                }
                Ok(day)
            }
            None => Ok(parse::today()),
        }
    }

    /// The reports folder: the one named; none for a run written only to --out; else
    /// `reports`.
    fn reports(&self) -> Option<PathBuf> {
        match (&self.reports, &self.out) {
            (Some(r), _) => Some(r.clone()),
            (None, Some(_)) => None,
            (None, None) => Some(PathBuf::from("reports")),
        }
    }
}

/// Prints a finished run's summary (unless quiet) and maps it to an exit outcome.
fn finish(
    outcome: &fundaudit::RunOutcome,
    progress: Option<indicatif::ProgressBar>,
    quiet: bool,
    written: &str,
) -> Outcome {
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if !quiet {
        println!("{}", outcome.summary.render());
        println!("\n{written} {}", outcome.out_dir.display());
    }
    if !outcome.not_written.is_empty() {
        eprintln!(
            "error: the run completed and its other reports are in {}, but {} could not be written: {}",
            outcome.out_dir.display(),
            outcome.not_written.len(),
            fundaudit::privacy::safe_message(&outcome.not_written.join("; "))
        );
        return Outcome::NotWritten;
    }
    // Incomplete inputs outrank an alert: the alert may be the broken export's.
    if outcome.incomplete {
        Outcome::Incomplete
    } else if outcome.alert {
        Outcome::Alert
    } else {
        Outcome::Done
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the audit over a data folder and write ranked findings.
    Run {
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        output: OutputArgs,
        /// If another run holds the reports folder's lock, wait for it (at most DURATION:
        /// 30m, 2h, 90s; without one, as long as it takes) instead of exiting with code 75.
        #[arg(long, num_args = 0..=1, default_missing_value = "forever", value_name = "DURATION", value_parser = fundaudit::operations::lock::parse_wait)]
        wait: Option<std::time::Duration>,
        /// Case ledger (SQLite) [default: <reports>/ledger.sqlite; with --out DIR and no
        /// --reports, DIR.ledger.sqlite beside DIR].
        #[arg(long)]
        ledger: Option<PathBuf>,
        /// Run without the case ledger.
        #[arg(long, conflicts_with = "ledger")]
        no_ledger: bool,
        /// Where the rules run: local, or ballista (Apache DataFusion Ballista; needs a
        /// stage as --data and the `distributed` build).
        #[arg(long, default_value = "local", value_parser = ["local", "ballista"])]
        engine: String,
        /// The Ballista scheduler, df://HOST:PORT [default: a scheduler and two executors
        /// in this process].
        #[arg(long)]
        scheduler: Option<String>,
    },
    /// Screen the allocations before the bank file goes out (事前筛查): the audit of the
    /// payments the bank file would make; writes the reports and hold.csv, the allocations
    /// to hold back with their reasons. No payments ledger is needed (one present is not
    /// read), and the case ledger is not touched.
    Screen {
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Write synthetic ledgers with planted anomalies and a truth.csv of what was planted.
    Generate {
        #[arg(long, default_value_t = 2000)]
        beneficiaries: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
        /// Only beneficiaries.csv and truth_pairs.csv (for the identity benchmark).
        #[arg(long)]
        registry_only: bool,
        /// How to write the ledgers: csv (clean), gov-workbook (titled workbooks split by
        /// township), bank (monthly bank files with statuses, retries, reversals and
        /// overlaps) or county (both). Same content, same findings.
        #[arg(long, default_value = "csv", conflicts_with = "registry_only")]
        shape: fundaudit::generate::shapes::Shape,
        /// How ID numbers' sequence codes are issued: station (the default: a police
        /// station's two digits per township, the last digit's parity the sex; plants
        /// same-day namesakes as hard negatives) or random (three random digits).
        #[arg(long, default_value = "station")]
        id_codes: fundaudit::generate::IdCodes,
        /// Which names: ours (the generator's lists; no clean namesakes born on one day)
        /// or common (another county's: hundreds share 王刚, and same-day namesakes
        /// occur by chance).
        #[arg(long, default_value = "ours")]
        names: fundaudit::generate::Names,
    },
    /// Read and validate the inputs only: formats, header mapping, rejects.
    Check {
        #[command(flatten)]
        input: InputArgs,
        /// Write rejects.csv into this folder.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Read and validate a data folder once and write it as typed Parquet with its
    /// rejects and file accounts (a stage); `run --data STAGE` then skips parsing and
    /// validation.
    Stage {
        #[command(flatten)]
        input: InputArgs,
        /// The stage folder to write (new or empty).
        #[arg(long)]
        out: PathBuf,
    },
    /// Find persons registered more than once in DIR/beneficiaries.csv (registry
    /// self-deduplication alone, for registries of millions); scores itself against
    /// DIR/truth_pairs.csv when present.
    Dedup {
        #[command(flatten)]
        input: InputArgs,
        /// Write duplicates.csv (each matched pair and why) and dedup_report.json here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Also time the comparison kernel alone on this many pairs, on one thread.
        #[arg(long, default_value_t = 0)]
        kernel_pairs: usize,
        /// Learn the identity weights from this registry (EM over the candidate pairs,
        /// u from random pairs), print them as an [identity] block (identity.toml with
        /// --out) and deduplicate with them.
        #[arg(long)]
        train: bool,
    },
    /// Record an officer's disposition of a finding or a case in the case ledger, or
    /// import a filled-in disposition column (CSV or workbook) with --import.
    Review {
        /// The finding (its finding_id in findings.csv), or a case (its case_id in
        /// cases.csv): a case's disposition is recorded for each of its open findings.
        finding_id: Option<String>,
        /// confirmed, dismissed or investigating (属实, 不属实, 核查中).
        #[arg(long)]
        status: Option<String>,
        /// The finding's fingerprint in the report you read (findings.csv `fingerprint`,
        /// workbook 事实指纹): the decision is recorded against those facts.
        #[arg(long)]
        fingerprint: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
        /// Who decided.
        #[arg(long)]
        by: Option<String>,
        /// Money recovered for a case (追缴/已追回), in yuan: recorded with --by and
        /// --note, counted by `stats` and shown in the workbook's 已排除 sheet.
        #[arg(long, value_name = "YUAN")]
        recovered: Option<String>,
        /// A CSV or workbook with finding_id/线索编号 and status/处置 columns.
        #[arg(long, conflicts_with = "finding_id")]
        import: Option<PathBuf>,
        #[arg(long, default_value = "reports/ledger.sqlite")]
        ledger: PathBuf,
    },
    /// Per rule: findings reviewed, confirmed and dismissed, and the confirm rate per
    /// score band, to move cut-offs with evidence.
    Stats {
        #[arg(long, default_value = "reports/ledger.sqlite")]
        ledger: PathBuf,
        /// Instead: how the identity weights in use, those learned from the registry
        /// (--data) and those learned with the officers' decisions on duplicate
        /// findings would judge the confirmed and dismissed pairs, and the block to adopt.
        #[arg(long)]
        identity: bool,
        #[command(flatten)]
        input: InputArgs,
    },
    /// Print the default configuration file, with a comment on every key.
    Config,
}

/// How a successful command ended.
enum Outcome {
    Done,
    /// A finding reached the alert score.
    Alert,
    /// The inputs look incomplete.
    Incomplete,
    /// The run was published, but some of its reports could not be written.
    NotWritten,
}

fn main() -> ExitCode {
    match try_main() {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Alert) => ExitCode::from(3),
        Ok(Outcome::Incomplete) => ExitCode::from(4),
        Ok(Outcome::NotWritten) => ExitCode::from(2),
        Err(e) => {
            // Masked and bounded: a message may quote an input's rows.
            eprintln!(
                "error: {}",
                fundaudit::privacy::safe_message(&format!("{e:#}"))
            );
            let ours = e.downcast_ref::<Error>();
            if matches!(ours, Some(Error::Busy { .. })) {
                return ExitCode::from(75);
            }
            let user_error = ours.is_some_and(|e| !matches!(e, Error::Polars(_)))
                || e.downcast_ref::<clap::Error>().is_some();
            ExitCode::from(if user_error { 2 } else { 1 })
        }
    }
}

/// Progress on a terminal (a spinner showing the current stage), plain structured log
/// lines on stderr otherwise (cron, systemd, Airflow capture them); nothing with --quiet.
fn init_logging(quiet: bool) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    if quiet {
        return None;
    }
    if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        let writer_bar = bar.clone();
        tracing_subscriber::fmt()
            .with_target(false)
            .without_time()
            .with_level(false)
            .with_ansi(false)
            .with_writer(move || SpinnerLine::new(writer_bar.clone()))
            .finish()
            .with(log_filter())
            .init();
        Some(bar)
    } else {
        tracing_subscriber::fmt()
            .with_target(false)
            .with_ansi(false)
            .with_writer(std::io::stderr)
            .finish()
            .with(log_filter())
            .init();
        None
    }
}

/// fundaudit's own lines at info; a cluster's crates (the scheduler and executors of
/// `--engine ballista` in this process) only when something is wrong: at info they
/// print each job's whole physical plan, and Ballista logs a failure of its own metrics
/// display as an error that says nothing about the run.
fn log_filter() -> tracing_subscriber::filter::Targets {
    use tracing_subscriber::filter::LevelFilter;
    tracing_subscriber::filter::Targets::new()
        .with_default(LevelFilter::INFO)
        .with_target("ballista", LevelFilter::WARN)
        .with_target("ballista_scheduler::display", LevelFilter::OFF)
        .with_target("datafusion", LevelFilter::WARN)
}

/// Turns one formatted log line into the spinner's message.
struct SpinnerLine {
    bar: indicatif::ProgressBar,
    line: Vec<u8>,
}

impl SpinnerLine {
    fn new(bar: indicatif::ProgressBar) -> Self {
        SpinnerLine {
            bar,
            line: Vec::new(),
        }
    }
}

impl std::io::Write for SpinnerLine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.line.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for SpinnerLine {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.line).trim().to_string();
        if !text.is_empty() {
            self.bar.set_message(text);
        }
    }
}

/// A decision recorded on facts that have changed since the report the officer read.
fn warn_facts_changed(id: &str, changed: &fundaudit::ledger::FactsChanged) {
    eprintln!(
        "warning: {id}: the facts changed since the report you read. Recorded against what you \
         saw:\n  you saw: {}\n  now:     {}\nThe decision does not cover the new facts: the finding stays in the reports until \
         it is reviewed on them.",
        changed.seen, changed.now
    );
}

fn try_main() -> anyhow::Result<Outcome> {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            e.print()?;
            std::process::exit(2);
        }
        Err(e) => {
            e.print()?;
            return Ok(Outcome::Done);
        }
    };
    match cli.command {
        Command::Config => {
            print!("{DEFAULT_CONFIG_TOML}");
            Ok(Outcome::Done)
        }
        Command::Generate {
            beneficiaries,
            seed,
            out,
            registry_only,
            shape,
            id_codes,
            names,
        } => {
            let opts = GenerateOptions {
                beneficiaries,
                seed,
                registry_only,
                shape,
                id_codes,
                names,
            };
            generate(&opts, &out)
                .with_context(|| format!("generating synthetic data into {}", out.display()))?;
            eprintln!(
                "wrote synthetic ledgers for {beneficiaries} beneficiaries (seed {seed}) to {}",
                out.display()
            );
            Ok(Outcome::Done)
        }
        Command::Review {
            finding_id,
            status,
            fingerprint,
            note,
            by,
            recovered,
            import,
            ledger,
        } => {
            if !ledger.exists() {
                return Err(Error::Argument(format!(
                    "no case ledger at {}; run an audit first or pass --ledger",
                    ledger.display()
                ))
                .into());
            }
            // A nightly run holds the ledger until its folder is published: queue behind it.
            let mut book = match Ledger::open(&ledger, None) {
                Err(Error::Busy { path }) => {
                    eprintln!("a run holds the case ledger ({path}); waiting for it to finish");
                    Ledger::open(&ledger, Some(std::time::Duration::MAX))?
                }
                other => other?,
            };
            // Who decided is part of the decision: never guessed.
            let by = by.map(|b| b.trim().to_string()).filter(|b| !b.is_empty());
            match (finding_id, import) {
                (_, Some(file)) => {
                    let imported = import_dispositions(&mut book, &file, by.as_deref())?;
                    for (id, changed) in &imported.facts_changed {
                        warn_facts_changed(id, changed);
                    }
                    println!(
                        "recorded {} disposition(s) from {}{}",
                        imported.recorded,
                        file.display(),
                        if imported.already > 0 {
                            format!(
                                " ({} already recorded, left as they were)",
                                imported.already
                            )
                        } else {
                            String::new()
                        }
                    );
                }
                (Some(id), None) => {
                    let by = by.ok_or_else(|| {
                        Error::Argument(
                            "--by NAME is required: who decided is recorded with the decision"
                                .into(),
                        )
                    })?;
                    if let Some(yuan) = &recovered {
                        let fen = fundaudit::parse::parse_amount_fen(yuan)
                            .ok()
                            .filter(|f| *f > 0)
                            .ok_or_else(|| {
                                Error::Argument(format!(
                                    "--recovered {yuan}: give the yuan recovered, e.g. --recovered 1200.50"
                                ))
                            })?;
                        book.record_recovery(&id, fen, &note, &by)?;
                        println!(
                            "{id}: {} yuan recovered, recorded by {by}",
                            fundaudit::parse::fmt_yuan(fen)
                        );
                        if status.is_none() {
                            return Ok(Outcome::Done);
                        }
                    }
                    let raw = status.ok_or_else(|| {
                        Error::Argument(
                            "--status is required (or --recovered YUAN for a case)".into(),
                        )
                    })?;
                    let status = parse_status(&raw).ok_or_else(|| {
                        Error::Argument(format!(
                            "--status {raw}: use confirmed, dismissed or investigating"
                        ))
                    })?;
                    let members = book.case_members(&id)?;
                    if !members.is_empty() {
                        if fingerprint.is_some() {
                            return Err(Error::Argument(format!(
                                "{id} is a case: --fingerprint belongs to one finding; review the case without it, or its findings one by one"
                            ))
                            .into());
                        }
                        for member in &members {
                            book.review(member, status, &note, &by, None)?;
                        }
                        println!(
                            "{id}: {status} by {by} ({} finding(s): {})",
                            members.len(),
                            members.join(", ")
                        );
                        return Ok(Outcome::Done);
                    }
                    let changed = book.review(&id, status, &note, &by, fingerprint.as_deref())?;
                    if let Some(changed) = &changed {
                        warn_facts_changed(&id, changed);
                    }
                    println!("{id}: {status} by {by}");
                }
                (None, None) => {
                    return Err(
                        Error::Argument("name a finding id, or --import FILE".into()).into(),
                    )
                }
            }
            Ok(Outcome::Done)
        }
        Command::Stats {
            ledger,
            identity,
            input,
        } => {
            if !ledger.exists() {
                return Err(
                    Error::Argument(format!("no case ledger at {}", ledger.display())).into(),
                );
            }
            let book = Ledger::open_read(&ledger)?;
            if identity {
                print!(
                    "{}",
                    identity_stats(&input.data, &book, &input.config()?)?.render()
                );
            } else {
                print!("{}", RuleStats::render_all(&book.stats()?));
                print!("{}", book.case_stats()?.render());
            }
            Ok(Outcome::Done)
        }
        Command::Stage { input, out } => {
            let clock = std::time::Instant::now();
            let staged = fundaudit::input::stage::stage(&input.data, &out, &input.config()?)?;
            println!(
                "staged {} file(s), {} rows ({} rejected), payments and allocations in {} part(s), from {} into {} in {:.1} s",
                staged.files,
                staged.rows,
                staged.rejects,
                staged.parts,
                input.data.display(),
                out.display(),
                clock.elapsed().as_secs_f64()
            );
            Ok(Outcome::Done)
        }
        Command::Check { input, out } => {
            let report = check_inputs(&input.data, &input.config()?, out.as_deref())?;
            print!("{}", report.render());
            println!("{} rejected row(s)", report.rejects);
            Ok(Outcome::Done)
        }
        Command::Dedup {
            input,
            out,
            kernel_pairs,
            train,
        } => {
            let report = run_dedup(&DedupOptions {
                config: input.config()?,
                data_dir: input.data,
                out_dir: out,
                kernel_pairs,
                train,
            })?;
            print!("{}", report.render());
            Ok(Outcome::Done)
        }
        Command::Screen { input, output } => {
            let progress = init_logging(output.quiet);
            let outcome = run(&RunOptions {
                ledger: None,
                config: input.config()?,
                data_dir: input.data,
                reports_dir: output.reports(),
                as_of: output.as_of()?,
                out_dir: output.out.clone(),
                unmasked: output.unmasked,
                lang: output.lang,
                wait: None,
                screen: true,
                engine: fundaudit::Engine::Local,
            })?;
            Ok(finish(
                &outcome,
                progress,
                output.quiet,
                "reports and hold.csv written to",
            ))
        }
        Command::Run {
            input,
            output,
            wait,
            ledger,
            no_ledger,
            engine,
            scheduler,
        } => {
            let progress = init_logging(output.quiet);
            // A run written to --out has no reports folder unless one is named; its ledger
            // then sits beside it, named after it, so runs of different counties into
            // sibling folders keep separate ledgers (and none sits inside the folder a run
            // replaces).
            let reports = output.reports();
            let ledger = match (no_ledger, ledger, &reports, &output.out) {
                (true, _, _, _) => None,
                (false, Some(path), _, _) => Some(path),
                (false, None, Some(r), _) => Some(r.join("ledger.sqlite")),
                (false, None, None, Some(o)) => {
                    let name = o.file_name().map(|n| n.to_string_lossy().to_string());
                    Some(o.with_file_name(format!("{}.ledger.sqlite", name.unwrap_or_default())))
                }
                (false, None, None, None) => None,
            };
            let outcome = run(&RunOptions {
                ledger,
                config: input.config()?,
                data_dir: input.data,
                reports_dir: reports,
                as_of: output.as_of()?,
                out_dir: output.out.clone(),
                unmasked: output.unmasked,
                lang: output.lang,
                wait,
                screen: false,
                engine: match (engine.as_str(), scheduler) {
                    ("ballista", scheduler) => fundaudit::Engine::Ballista { scheduler },
                    (_, Some(_)) => {
                        return Err(Error::Argument(
                            "--scheduler names a Ballista scheduler: add --engine ballista".into(),
                        )
                        .into())
                    }
                    _ => fundaudit::Engine::Local,
                },
            })?;
            Ok(finish(
                &outcome,
                progress,
                output.quiet,
                "reports written to",
            ))
        }
    }
}
