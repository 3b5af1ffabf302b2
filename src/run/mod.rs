//! One audit run, as a sequence of stages, a file each: [`place`] (where it writes, the
//! locks) → [`load`] (the ledgers) → [`resolve`] (the people, the last night) →
//! [`audit`] (the rules) → [`rank`] (scores, cases) → [`record`] (the case ledger) →
//! [`write`] (the reports, the ledger's source rows kept beside them) → [`publish`] (the
//! folder in place). Each stage's wall time goes
//! into one [`Timings`]; where the rules run (here or on a cluster) is [`engine`]'s
//! alone.

use fundaudit_casebook::run_folder;
use fundaudit_core::cells;
use fundaudit_core::error::Result;
use fundaudit_core::timings::Timings;
use fundaudit_report::runs;

mod audit;
mod engine;
mod last_night;
mod load;
pub mod options;
mod place;
mod publish;
mod rank;
mod record;
mod resolve;
mod write;
mod writers;

use options::{RunOptions, RunOutcome};

/// Runs the whole audit and writes the run folder: report.html, findings.xlsx,
/// findings.csv/json, rejects.csv, summary.json and manifest.json.
pub fn run(opts: &RunOptions) -> Result<RunOutcome> {
    let started = fundaudit_core::cells::now();
    let mut timings = Timings::default();
    let cluster = engine::reach(opts)?;
    let mut place = place::place(opts)?;
    let loaded = load::load(opts, &place.done, cluster.is_none(), &mut timings)?;
    let resolve::Resolved { people, last } = resolve::resolve(
        loaded.ledgers,
        loaded.people,
        opts,
        cluster.as_ref(),
        place.ledger.as_ref(),
        &mut timings,
    )?;
    let audited = audit::audit(people, opts, cluster.as_ref(), &last, &mut timings)?;
    let rank::Ranked {
        findings,
        case_links,
        previous_cases,
    } = rank::rank(
        &audited.raw,
        &audited.ctx,
        place.ledger.as_ref(),
        &mut timings,
    )?;

    let as_of = cells::fmt_day(opts.as_of);
    let run_id = runs::new_run_id();
    let run_name = place
        .done
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let folder = run_folder::absolute(&place.done);
    let night = record::Night {
        run_id: &run_id,
        run_name: &run_name,
        folder: &folder,
        as_of: &as_of,
    };
    let mut recorded = record::record(
        findings,
        &audited,
        place.ledger.as_mut(),
        &last,
        &night,
        opts,
        &mut timings,
    )?;
    let sources = write::Sources {
        previous_cases: &previous_cases,
        audited: &audited,
        started: &started,
    };
    let keep = match (place.ledger.as_mut(), recorded.keep.take()) {
        (Some(book), Some(findings)) => Some(record::Keep {
            book,
            run_id: &run_id,
            findings,
            index: &audited.row_index,
            last: &last,
        }),
        _ => None,
    };
    let written = write::write(
        recorded,
        case_links,
        &sources,
        keep,
        place.done.clone(),
        opts,
        timings,
    )?;
    let who = publish::Identity {
        run_id: &run_id,
        run_name: &run_name,
        started: &started,
    };
    let hashed = loaded.hashing.join().unwrap_or_default();
    let outcome = publish::publish(written, &who, place.ledger.as_mut(), opts, &hashed)?;
    // The stage a province's CSV was read through goes now, after the folder is in place.
    drop(loaded.on_the_way);
    // The night's rows and people are freed on a thread of their own: the reports are
    // written and the folder is in place, and freeing millions of small allocations one
    // by one (0.3–0.5 s for a county of 200,000 people) would only hold up the exit. The
    // process may end before that thread does; the memory goes back with it.
    std::thread::spawn(move || drop((audited, previous_cases, last)));
    Ok(outcome)
}
