//! Stage 7, write: the cases summarised and each finding's money placed, then every
//! report written into the run's work folder — masked unless `--unmasked` — each
//! attempted whatever became of the others.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use polars::prelude::DataFrame;

use super::audit::Audited;
use super::options::RunOptions;
use super::record::{Keep, Recorded};
use super::writers::Writers;
use crate::operations::screen;
use fundaudit_audit::cases;
use fundaudit_casebook::run_folder::RunFolder;
use fundaudit_core::error::Result;
use fundaudit_core::timings::Timings;
use fundaudit_report::{
    case_sheet, case_sheets_xlsx, html, report, workbook, worklists, xlsx_format,
};
use fundaudit_rules::money;

/// The run's work folder with its reports, not yet published.
pub(super) struct Written {
    pub folder: RunFolder,
    pub findings: DataFrame,
    pub summary: report::Summary,
    /// The reports that could not be written (file: why).
    pub not_written: Vec<String>,
    /// The seed of worklists.xlsx's verification sample.
    pub worklist_seed: Option<u64>,
}

/// The cases, in the table officers read, and the night's money counted once.
struct Summarised {
    findings: DataFrame,
    /// How many cases: the cases themselves live on in `case_table` alone.
    cases: usize,
    case_table: DataFrame,
    money: money::Money,
}

/// Consumes the night's links and frees them, with the cases, as soon as the case table
/// is made: a province's cases and the payments they name (two million findings, as
/// many payments) held gigabytes through the reports, which read only the table.
fn summarise(
    findings: DataFrame,
    links: cases::Links,
    previous_cases: &HashMap<String, String>,
    audited: &Audited,
    calibration: &HashMap<String, f64>,
    english: bool,
    timings: &mut Timings,
) -> Result<Summarised> {
    let t = Instant::now();
    // The cases and the night's money read the same findings and nothing of each other:
    // side by side (at a million people each is a second or two, mostly on one core).
    let (cases, money) = rayon::join(
        || -> Result<_> {
            let case_list =
                cases::summarise(&findings, &links, &audited.ctx, calibration, english)?;
            let case_table = cases::cases_frame(&case_list, &findings, previous_cases)?;
            let count = case_list.cases.len();
            // Millions of small allocations: freed on a thread of their own (see below).
            std::thread::spawn(move || drop(case_list));
            Ok((count, case_table))
        },
        || {
            // The night's money, each payment once, and where each finding's money lies.
            let all_rows: Vec<usize> = (0..findings.height()).collect();
            money::Claims::new(&findings)
                .map(|claims| money::distinct(&claims, &all_rows, &links.pays))
        },
    );
    std::thread::spawn(move || drop(links));
    let (cases, case_table) = cases?;
    let night_money = money?;
    let findings = money::with_split_column(findings, &night_money)?;
    timings.lap("summarise cases", t);
    Ok(Summarised {
        findings,
        cases,
        case_table,
        money: night_money,
    })
}

/// What the reports are made from, beside the recorded findings.
pub(super) struct Sources<'a> {
    /// Case ids the ledger knew (by finding id).
    pub previous_cases: &'a HashMap<String, String>,
    pub audited: &'a Audited,
    /// When the run started (run.log's first line).
    pub started: &'a str,
}

/// Writes the reports from the findings and the links that group them (consumed: see
/// [`summarise`]); with `keep`, tonight's source rows go into the case ledger on a
/// thread beside them (see [`Keep`]), and the night's timings say how long that took.
pub(super) fn write(
    recorded: Recorded,
    links: cases::Links,
    from: &Sources,
    keep: Option<Keep>,
    done: std::path::PathBuf,
    opts: &RunOptions,
    timings: Timings,
) -> Result<Written> {
    std::thread::scope(|scope| {
        let keeping = keep.map(|k| scope.spawn(move || k.run()));
        write_beside(recorded, links, from, keeping, done, opts, timings)
    })
}

fn write_beside(
    recorded: Recorded,
    links: cases::Links,
    from: &Sources,
    keeping: Option<std::thread::ScopedJoinHandle<'_, Result<f64>>>,
    done: std::path::PathBuf,
    opts: &RunOptions,
    mut timings: Timings,
) -> Result<Written> {
    let Sources {
        previous_cases,
        audited,
        started,
    } = *from;
    let Recorded {
        findings,
        ledger_record,
        night,
        coverage_warnings,
        calibration,
        integrity_warning,
        keep: _,
    } = recorded;
    let english = opts.lang == fundaudit_report::html::words::Lang::En;
    let Summarised {
        findings,
        cases: case_count,
        case_table,
        money: night_money,
    } = summarise(
        findings,
        links,
        previous_cases,
        audited,
        &calibration,
        english,
        &mut timings,
    )?;
    let ctx = &audited.ctx;
    let folder = RunFolder::new(done)?;
    let out = folder.work.clone();
    let t = Instant::now();
    let mask = |df: &DataFrame| -> Result<DataFrame> {
        Ok(if opts.unmasked {
            df.clone()
        } else {
            report::mask_frame(df)?
        })
    };
    let (shown, shown_cases) = rayon::join(|| mask(&findings), || mask(&case_table));
    let (shown, mut shown_cases) = (shown?, shown_cases?);
    // The reports read the case table as shown; the one it was masked from goes now (a
    // province's is most of a gigabyte of text).
    drop(case_table);
    // Once the rules have run, one writer failing must not cost the night the others:
    // each report is attempted, failures are collected and said together at the end.
    // These four are written side by side, and all of them before the officers' reports:
    // on a full disk they are what a night keeps. Their failures are said in this order.
    let mut writers = Writers::new(&out);
    let attempt = |what: &str, write: &mut dyn FnMut() -> Result<()>| {
        let mut w = Writers::new(&out);
        w.attempt(what, write);
        w.failed
    };
    let ((csv, json), (case_csv, rejects)) = rayon::join(
        || {
            rayon::join(
                || {
                    attempt("findings.csv", &mut || {
                        report::write_csv(&mut shown.clone(), &out.join("findings.csv"))
                    })
                },
                || {
                    attempt("findings.json", &mut || {
                        report::write_json(&shown, &out.join("findings.json"))
                    })
                },
            )
        },
        || {
            (
                attempt("cases.csv", &mut || {
                    report::write_csv(&mut shown_cases, &out.join("cases.csv"))
                }),
                attempt("rejects.csv", &mut || {
                    report::write_rejects(
                        &ctx.ledgers.rejects,
                        &out.join("rejects.csv"),
                        opts.unmasked,
                    )
                }),
            )
        },
    );
    for failed in [csv, json, case_csv, rejects] {
        writers.failed.extend(failed);
    }
    timings.lap("write csv and json", t);

    let mut summary = report::Summary::new(
        fundaudit_core::cells::fmt_day(opts.as_of),
        ctx.ledgers.counts.clone(),
        &findings,
        &night_money,
        timings,
        ctx.warnings.clone(),
    )?;
    summary.ledger = ledger_record;
    summary.changes = night;
    summary.cases = case_count;
    summary.unused = ctx.ledgers.unused.clone();
    summary.settled = ctx.ledgers.settled.clone();
    summary.screening = opts.screen;
    summary.digits = audited.digits.tests();
    summary.parts = audited.parts;
    let people = ctx.people_bytes();
    summary.people = report::People {
        beneficiaries: ctx.registry.len(),
        bytes: people,
        bytes_per_beneficiary: people / ctx.registry.len().max(1),
    };
    summary.identity_u = ctx.dedup.stats.measured.clone();
    summary.posted_lists = fundaudit_rules::publicity::coverage(ctx)?;
    summary.projects = fundaudit_rules::project::overview::lines(ctx, &findings)?;
    summary.incomplete.extend(coverage_warnings);
    // A case ledger whose decisions were changed outside fundaudit: said, and the night
    // is not clean (exit 4).
    if let Some(broken) = integrity_warning {
        summary.warnings.push(broken.clone());
        summary.incomplete.push(broken);
    }
    let worklist_seed = write_for_officers(
        &mut writers,
        &shown,
        &shown_cases,
        audited,
        &mut summary,
        opts,
        &out,
    );
    // The source rows must be in the ledger before the night is said complete: a night
    // that cannot keep them fails, as it did when they were written first.
    if let Some(keeping) = keeping {
        let secs = join(keeping)?;
        summary
            .timings
            .record("case ledger: source rows (beside the reports)", secs);
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
        report::write_log(&summary, started, &out.join("run.log"))
    });
    // The night's money and the masked frames are freed on a thread of their own, as the
    // night's rows are at the end of the run (see `super::run`): freed here they held up
    // the publishing.
    std::thread::spawn(move || drop((night_money, shown, shown_cases)));
    Ok(Written {
        folder,
        findings,
        summary,
        not_written: writers.failed,
        worklist_seed,
    })
}

/// A writer group's result; a panic outside a writer (none is expected: each catches its
/// own) goes on as it was.
fn join<T>(h: std::thread::ScopedJoinHandle<'_, T>) -> T {
    h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
}

/// The officers' reports: the workbook, the web report, the worklists and the
/// confidential workbook, and a screen's hold list. Returns the worklists' sample seed.
///
/// Three groups run side by side, each on a thread of its own: the workbook; the case
/// sheets and the web report that prints them; the worklists, the confidential workbook
/// and the hold list. They read the same findings and write other files, and each spends
/// most of its time on one core (formatting cells and text), so on two cores the three
/// take about as long as the longest instead of their sum. A group's failures are said
/// in the order the groups are listed, whatever order they ended in.
fn write_for_officers(
    writers: &mut Writers,
    shown: &DataFrame,
    shown_cases: &DataFrame,
    audited: &Audited,
    summary: &mut report::Summary,
    opts: &RunOptions,
    out: &Path,
) -> Option<u64> {
    let ctx = &audited.ctx;
    let started = Instant::now();
    let read: &report::Summary = summary;
    let (workbook, web, lists) = std::thread::scope(|scope| {
        let workbook = scope.spawn(|| {
            let (t, mut w) = (Instant::now(), Writers::new(out));
            w.attempt("findings.xlsx", || {
                workbook::write_workbook(
                    shown,
                    shown_cases,
                    read,
                    &xlsx_format::Words::new(opts.lang),
                    &out.join("findings.xlsx"),
                )
            });
            (w.failed, t.elapsed().as_secs_f64())
        });
        let web = scope.spawn(|| {
            let (t, mut w) = (Instant::now(), Writers::new(out));
            // The top cases' 线索处置表: printed from report.html and as case_sheets.xlsx.
            let mut sheets = Vec::new();
            w.attempt("case_sheets.xlsx", || {
                sheets = case_sheet::case_sheets(
                    shown,
                    shown_cases,
                    ctx,
                    &opts.policy,
                    opts.unmasked,
                    opts.config.report.max_case_sheets,
                )?;
                case_sheets_xlsx::write(&sheets, &read.as_of, &out.join("case_sheets.xlsx"))
            });
            w.attempt("report.html", || {
                html::write_html(
                    shown,
                    shown_cases,
                    &ctx.ledgers,
                    &sheets,
                    read,
                    &html::Options {
                        lang: opts.lang,
                        unmasked: opts.unmasked,
                        limits: opts.config.report.clone(),
                        policy: opts.policy.clone(),
                    },
                    &out.join("report.html"),
                )
            });
            (w.failed, t.elapsed().as_secs_f64())
        });
        let lists = scope.spawn(|| {
            let (t, mut w) = (Instant::now(), Writers::new(out));
            let mut seed = None;
            w.attempt("worklists.xlsx", || {
                worklists::write_worklists(
                    shown,
                    ctx,
                    &opts.policy,
                    opts.unmasked,
                    &out.join("worklists.xlsx"),
                )
                .map(|s| {
                    seed = Some(s);
                })
            });
            w.attempt("confidential.xlsx", || {
                worklists::write_confidential(shown, ctx, &out.join("confidential.xlsx"))
                    .map(|_| ())
            });
            if opts.screen {
                w.attempt("hold.csv", || {
                    screen::write_hold(shown, &out.join("hold.csv")).map(|_| ())
                });
            }
            (w.failed, seed, t.elapsed().as_secs_f64())
        });
        (join(workbook), join(web), join(lists))
    });
    summary
        .timings
        .lap("write officers' reports (side by side)", started);
    summary.timings.record("  findings.xlsx", workbook.1);
    summary
        .timings
        .record("  case sheets and report.html", web.1);
    summary.timings.record("  worklists", lists.2);
    writers.failed.extend(workbook.0);
    writers.failed.extend(web.0);
    writers.failed.extend(lists.0);
    lists.1
}
