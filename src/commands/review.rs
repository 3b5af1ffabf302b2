//! `fundaudit review`: an officer's disposition of a finding or a case, or a filled-in
//! disposition column imported, recorded in the case ledger.

use std::path::{Path, PathBuf};

use clap::Args;

use fundaudit_casebook::ledger::import::{import_dispositions, parse_status};
use fundaudit_casebook::ledger::{CaseLedger, FactsChanged};
use fundaudit_core::cells;
use fundaudit_core::error::Error;

use super::outcome::Outcome;

#[derive(Args)]
pub struct ReviewArgs {
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
}

pub fn review(args: ReviewArgs) -> anyhow::Result<Outcome> {
    if !args.ledger.exists() {
        return Err(Error::Argument(format!(
            "no case ledger at {}; run an audit first or pass --ledger",
            args.ledger.display()
        ))
        .into());
    }
    // A nightly run holds the ledger until its folder is published: queue behind it.
    let mut book = match CaseLedger::open(&args.ledger, None) {
        Err(Error::Busy { path }) => {
            eprintln!("a run holds the case ledger ({path}); waiting for it to finish");
            CaseLedger::open(&args.ledger, Some(std::time::Duration::MAX))?
        }
        other => other?,
    };
    // Who decided is part of the decision: never guessed.
    let by = args
        .by
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(str::to_string);
    match (&args.finding_id, &args.import) {
        (_, Some(file)) => import(&mut book, file, by.as_deref()),
        (Some(id), None) => {
            let by = by.ok_or_else(|| {
                Error::Argument(
                    "--by NAME is required: who decided is recorded with the decision".into(),
                )
            })?;
            decide(&mut book, id, &by, &args)
        }
        (None, None) => Err(Error::Argument("name a finding id, or --import FILE".into()).into()),
    }
}

/// A filled-in disposition column (CSV or workbook), each row a decision.
fn import(book: &mut CaseLedger, file: &Path, by: Option<&str>) -> anyhow::Result<Outcome> {
    let imported = import_dispositions(book, file, by)?;
    for (id, changed) in &imported.facts_changed {
        warn_facts_changed(id, changed);
    }
    let already = if imported.already > 0 {
        format!(
            " ({} already recorded, left as they were)",
            imported.already
        )
    } else {
        String::new()
    };
    println!(
        "recorded {} disposition(s) from {}{already}",
        imported.recorded,
        file.display(),
    );
    Ok(Outcome::Done)
}

/// One finding's or one case's decision (and money recovered for it), by `by`.
fn decide(book: &mut CaseLedger, id: &str, by: &str, args: &ReviewArgs) -> anyhow::Result<Outcome> {
    let note = &args.note;
    if let Some(yuan) = &args.recovered {
        let fen = cells::parse_amount_fen(yuan)
            .ok()
            .filter(|f| *f > 0)
            .ok_or_else(|| {
                Error::Argument(format!(
                    "--recovered {yuan}: give the yuan recovered, e.g. --recovered 1200.50"
                ))
            })?;
        book.record_recovery(id, fen, note, by)?;
        println!(
            "{id}: {} yuan recovered, recorded by {by}",
            cells::fmt_yuan(fen)
        );
        if args.status.is_none() {
            return Ok(Outcome::Done);
        }
    }
    let raw = args.status.as_deref().ok_or_else(|| {
        Error::Argument("--status is required (or --recovered YUAN for a case)".into())
    })?;
    let status = parse_status(raw).ok_or_else(|| {
        Error::Argument(format!(
            "--status {raw}: use confirmed, dismissed or investigating"
        ))
    })?;
    let members = book.case_members(id)?;
    if !members.is_empty() {
        if args.fingerprint.is_some() {
            return Err(Error::Argument(format!(
                "{id} is a case: --fingerprint belongs to one finding; review the case without it, or its findings one by one"
            ))
            .into());
        }
        for member in &members {
            book.review(member, status, note, by, None)?;
        }
        println!(
            "{id}: {status} by {by} ({} finding(s): {})",
            members.len(),
            members.join(", ")
        );
        return Ok(Outcome::Done);
    }
    let changed = book.review(id, status, note, by, args.fingerprint.as_deref())?;
    if let Some(changed) = &changed {
        warn_facts_changed(id, changed);
    }
    println!("{id}: {status} by {by}");
    Ok(Outcome::Done)
}

/// A decision recorded on facts that have changed since the report the officer read.
fn warn_facts_changed(id: &str, changed: &FactsChanged) {
    eprintln!(
        "warning: {id}: the facts changed since the report you read. Recorded against what you \
         saw:\n  you saw: {}\n  now:     {}\nThe decision does not cover the new facts: the finding stays in the reports until \
         it is reviewed on them.",
        changed.seen, changed.now
    );
}
