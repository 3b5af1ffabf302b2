//! 事前筛查: screening the 发放清册 before the bank file goes out (the lesson of the US Do
//! Not Pay program: checking at disbursement is too late). Rather than a second set of
//! rules, the screen audits the payments the bank file *would* make: every allocation paid
//! in full, on its due date, to the account the registry holds for its beneficiary. The
//! ordinary rules then flag what must not be paid — a beneficiary dead before the money
//! would reach them, unregistered, with an invalid ID number, on the officials' list,
//! registered twice for one program and period, drawing exclusive programs, above a
//! standard — while delay, shortfall and payee rules stay quiet by construction.
//! `hold.csv` lists the allocations to hold back, with the reasons.

use std::collections::BTreeMap;
use std::path::Path;

use polars::prelude::*;

use fundaudit_core::error::{Error, Result};
use fundaudit_core::frame;
use fundaudit_input::{Inputs, LINE};

/// Prefix of the payment ids of the would-be bank file.
pub const PLANNED: &str = "拟发-";

/// The payments the bank file would make for the allocations, as a payments ledger.
pub fn planned_payments(
    ledgers: &Inputs,
    config: &fundaudit_core::config::Config,
) -> Result<DataFrame> {
    let a = &ledgers.allocations;
    let ids = frame::text(a, "allocation_id")?;
    let bens = frame::text(a, "beneficiary_id")?;
    let programs = frame::text(a, "program")?;
    let amounts = frame::int(a, "amount_fen")?;
    let received = frame::day(a, "funds_received_date")?;
    let due = frame::day(a, "due_date")?;
    let lines = frame::int(a, LINE)?;
    let registry_ids = frame::text(&ledgers.beneficiaries, "beneficiary_id")?;
    let names = frame::text(&ledgers.beneficiaries, "name")?;
    let accounts = frame::text(&ledgers.beneficiaries, "bank_account")?;
    let who: BTreeMap<&str, (Option<&str>, Option<&str>)> = registry_ids
        .iter()
        .zip(names.iter().zip(&accounts))
        .filter_map(|(id, (n, acc))| id.map(|id| (id, (*n, *acc))))
        .collect();
    let n = a.height();
    let mut payment_id = Vec::with_capacity(n);
    let (mut payee, mut account, mut paid) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        payment_id.push(format!("{PLANNED}{}", ids[i].unwrap_or("")));
        let (nm, acc) = bens[i]
            .and_then(|b| who.get(b).copied())
            .unwrap_or((None, None));
        payee.push(nm.map(str::to_string));
        account.push(acc.map(str::to_string));
        let deadline = config.deadline_days(programs[i].unwrap_or("")) as i32;
        paid.push(due[i].or_else(|| received[i].map(|r| r + deadline)));
    }
    let paid = Int32Chunked::from_iter(paid)
        .with_name("paid_date".into())
        .into_date()
        .into_column();
    let frame = DataFrame::new(
        n,
        vec![
            Column::new("payment_id".into(), payment_id),
            Column::new("allocation_id".into(), ids.clone()),
            Column::new("beneficiary_id".into(), bens.clone()),
            Column::new("payee_name".into(), payee),
            Column::new("payee_account".into(), account),
            Column::new("amount_fen".into(), amounts),
            paid,
            Column::new("program".into(), programs.clone()),
            Column::new("status".into(), vec![None::<&str>; n]),
            Column::new(LINE.into(), lines),
        ],
    )?;
    Ok(frame)
}

/// hold.csv: each allocation any finding names, with its rules and reasons.
pub fn write_hold(findings: &DataFrame, path: &Path) -> Result<usize> {
    let allocs = frame::text(findings, "allocation_ids")?;
    let rules = frame::text(findings, "rule")?;
    let evidence = frame::text(findings, "evidence")?;
    let ids = frame::text(findings, "finding_id")?;
    let mut hold: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in 0..findings.height() {
        for a in allocs[i].unwrap_or("").split(';').filter(|a| !a.is_empty()) {
            hold.entry(a.to_string()).or_default().push(format!(
                "{} {}: {}",
                ids[i].unwrap_or(""),
                rules[i].unwrap_or(""),
                evidence[i].unwrap_or("")
            ));
        }
    }
    let fail = |e: std::io::Error| Error::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    use std::io::Write;
    let mut w =
        std::io::BufWriter::new(fundaudit_core::safe_fs::create_private(path).map_err(fail)?);
    w.write_all("\u{feff}allocation_id,reasons\n".as_bytes())
        .map_err(fail)?;
    for (a, reasons) in &hold {
        // Quoted, and defused where a spreadsheet would read a formula.
        let quoted = |t: &str| {
            format!(
                "\"{}\"",
                fundaudit_core::text::csv_safe(t).replace('"', "\"\"")
            )
        };
        writeln!(w, "{},{}", quoted(a), quoted(&reasons.join(" | "))).map_err(fail)?;
    }
    w.flush().map_err(fail)?;
    Ok(hold.len())
}
