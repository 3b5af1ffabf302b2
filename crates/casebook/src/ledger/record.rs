//! One run recorded: its findings classified as new, persisting or changed against the
//! ledger, the open ones it did not raise resolved, all in one transaction with an undo
//! snapshot (see the module comment of ledger.rs).

use polars::prelude::*;
use rusqlite::{params, OptionalExtension};

use super::{db, describe_facts, CaseLedger, Change, RunRecord, RunRef};
use fundaudit_core::error::Result;
use fundaudit_core::frame;

impl CaseLedger {
    /// Records a run's findings in one transaction (a crash leaves the ledger as it was),
    /// as `pending` until [`CaseLedger::mark_published`], and returns each finding's change,
    /// the findings to leave out, and the counts.
    pub fn record_run(
        &mut self,
        run: &RunRef,
        findings: &DataFrame,
    ) -> Result<(Vec<Change>, Vec<bool>, RunRecord)> {
        let as_of = run.as_of;
        let path = self.path.clone();
        let e = |x: rusqlite::Error| db(&path, x);
        let rows = FindingRows::of(findings)?;
        let tx = self.conn.transaction().map_err(e)?;
        let mut rec = RunRecord {
            path: self.path.display().to_string(),
            ..RunRecord::default()
        };
        snapshot_for_undo(&tx, &rows.ids).map_err(e)?;
        let (changes, suppress) =
            record_findings(&tx, &rows, as_of, self.trusted_below, &mut rec).map_err(e)?;
        // Open findings this run did not raise are resolved.
        rec.resolved = tx
            .execute(
                "UPDATE findings SET open = 0, status = 'resolved' WHERE open = 1 AND finding_id NOT IN (SELECT finding_id FROM seen)",
                [],
            )
            .map_err(e)?;
        tx.execute(
            "INSERT INTO runs (run_id, run, folder, state, as_of, recorded, findings, new, changed, persisting, resolved, suppressed)
             VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![run.id, run.name, run.folder.display().to_string(), as_of, fundaudit_core::cells::now(),
                rows.ids.len() as i64, rec.new as i64, rec.changed as i64,
                rec.persisting as i64, rec.resolved as i64, rec.suppressed as i64],
        )
        .map_err(e)?;
        tx.commit().map_err(e)?;
        Ok((changes, suppress, rec))
    }
}

/// A run's findings as the ledger records them, a column each.
struct FindingRows<'a> {
    ids: Vec<Option<&'a str>>,
    rules: Vec<Option<&'a str>>,
    cats: Vec<Option<&'a str>>,
    towns: Vec<Option<&'a str>>,
    ben: Vec<Option<&'a str>>,
    alloc: Vec<Option<&'a str>>,
    pay: Vec<Option<&'a str>>,
    fps: Vec<Option<&'a str>>,
    case_ids: Vec<Option<&'a str>>,
    amount: Vec<Option<f64>>,
    score: Vec<Option<f64>>,
}

impl<'a> FindingRows<'a> {
    fn of(findings: &'a DataFrame) -> Result<FindingRows<'a>> {
        let ids = frame::text(findings, "finding_id")?;
        let case_ids = frame::text(findings, "case_id").unwrap_or_else(|_| vec![None; ids.len()]);
        Ok(FindingRows {
            rules: frame::text(findings, "rule")?,
            cats: frame::text(findings, "category")?,
            towns: frame::text(findings, "township")?,
            ben: frame::text(findings, "beneficiary_ids")?,
            alloc: frame::text(findings, "allocation_ids")?,
            pay: frame::text(findings, "payment_ids")?,
            fps: frame::text(findings, fundaudit_core::findings::scored::FINGERPRINT)?,
            case_ids,
            amount: findings.column("amount_at_risk")?.f64()?.iter().collect(),
            score: findings.column("risk_score")?.f64()?.iter().collect(),
            ids,
        })
    }
}

/// The ids this run raised (temp table `seen`), then the undo snapshot of every row it
/// may touch: the open findings (some will be resolved) and the ones it raises.
fn snapshot_for_undo(tx: &rusqlite::Transaction, ids: &[Option<&str>]) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS seen (finding_id TEXT PRIMARY KEY); DELETE FROM seen;",
    )?;
    {
        let mut seen = tx.prepare("INSERT OR IGNORE INTO seen VALUES (?1)")?;
        for id in ids.iter().flatten() {
            seen.execute(params![id])?;
        }
    }
    tx.execute_batch(
        "DELETE FROM undo_findings; DELETE FROM undo_new;
         INSERT INTO undo_findings SELECT * FROM findings
             WHERE open = 1 OR finding_id IN (SELECT finding_id FROM seen);
         INSERT INTO undo_new SELECT finding_id FROM seen
             WHERE finding_id NOT IN (SELECT finding_id FROM findings);",
    )
}

/// Each finding's facts kept, its row inserted or updated, and whether an officer
/// dismissed these same facts before (only decisions below `trusted_below`, the ones on
/// an intact chain, count). Returns each finding's change and whether to leave it out.
fn record_findings(
    tx: &rusqlite::Transaction,
    rows: &FindingRows,
    as_of: &str,
    trusted_below: i64,
    rec: &mut RunRecord,
) -> rusqlite::Result<(Vec<Change>, Vec<bool>)> {
    let mut facts = tx.prepare("INSERT OR IGNORE INTO facts (fingerprint, finding_id, facts, first_seen) VALUES (?1, ?2, ?3, ?4)")?;
    let mut get =
        tx.prepare("SELECT fingerprint, last_seen FROM findings WHERE finding_id = ?1")?;
    let mut last_disposition = tx.prepare(&format!(
        "SELECT status, fingerprint FROM dispositions WHERE finding_id = ?1 AND id < {trusted_below} ORDER BY id DESC LIMIT 1"
    ))?;
    let mut insert = tx.prepare(
        "INSERT INTO findings (finding_id, rule, category, township, first_seen, last_seen, runs_seen, status, fingerprint, amount, risk_score, open, case_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, 1, 'open', ?6, ?7, ?8, 1, ?9)",
    )?;
    let mut update = tx.prepare(
        "UPDATE findings SET last_seen = ?2, runs_seen = runs_seen + ?3, fingerprint = ?4, amount = ?5,
         risk_score = ?6, open = 1, status = CASE WHEN status = 'resolved' THEN 'open' ELSE status END,
         case_id = ?7
         WHERE finding_id = ?1",
    )?;
    let n = rows.ids.len();
    let (mut changes, mut suppress) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        let id = rows.ids[i].unwrap_or("");
        let fp = rows.fps[i].unwrap_or("").to_string();
        let described = describe_facts(
            rows.amount[i].unwrap_or(0.0),
            rows.ben[i].unwrap_or(""),
            rows.alloc[i].unwrap_or(""),
            rows.pay[i].unwrap_or(""),
        );
        facts.execute(params![fp, id, described, as_of])?;
        let known: Option<(String, String)> = get
            .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (amount, score, case_id) = (rows.amount[i], rows.score[i], rows.case_ids[i]);
        let change = match &known {
            None => {
                insert.execute(params![
                    id,
                    rows.rules[i],
                    rows.cats[i],
                    rows.towns[i],
                    as_of,
                    fp,
                    amount,
                    score,
                    case_id
                ])?;
                Change::New
            }
            Some((old, last_seen)) => {
                // Rerunning the same night is not another night seen.
                let another_night = i64::from(last_seen != as_of);
                update.execute(params![
                    id,
                    as_of,
                    another_night,
                    fp,
                    amount,
                    score,
                    case_id
                ])?;
                if *old == fp {
                    Change::Persisting
                } else {
                    Change::Changed
                }
            }
        };
        let dismissed_same_facts = last_disposition
            .query_row(params![id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
            })
            .optional()?
            .is_some_and(|(status, f)| status == "dismissed" && f.as_deref() == Some(fp.as_str()));
        match change {
            Change::New => rec.new += 1,
            Change::Changed => rec.changed += 1,
            Change::Persisting => rec.persisting += 1,
        }
        if dismissed_same_facts {
            rec.suppressed += 1;
        }
        changes.push(change);
        suppress.push(dismissed_same_facts);
    }
    Ok((changes, suppress))
}
