//! One run recorded: its findings classified as new, persisting or changed against the
//! ledger, the open ones it did not raise resolved, all in one transaction with an undo
//! snapshot (see the module comment of ledger.rs).

use polars::prelude::*;
use rusqlite::{params, OptionalExtension};

use super::{db, describe_facts, CaseLedger, Change, RunRecord, RunRef};
use fundaudit_core::error::Result;
use fundaudit_core::findings::ScoredView;

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
        let rows = ScoredView::of(findings)?;
        let tx = self.conn.transaction().map_err(e)?;
        let mut rec = RunRecord {
            path: self.path.display().to_string(),
            ..RunRecord::default()
        };
        snapshot_for_undo(&tx, &rows.finding_id).map_err(e)?;
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
                rows.finding_id.len() as i64, rec.new as i64, rec.changed as i64,
                rec.persisting as i64, rec.resolved as i64, rec.suppressed as i64],
        )
        .map_err(e)?;
        tx.commit().map_err(e)?;
        Ok((changes, suppress, rec))
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
    rows: &ScoredView,
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
    let n = rows.finding_id.len();
    let (mut changes, mut suppress) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        let id = rows.finding_id[i].unwrap_or("");
        let fp = rows.fingerprint[i].unwrap_or("").to_string();
        let described = describe_facts(
            rows.amount_at_risk[i].unwrap_or(0.0),
            rows.beneficiary_ids[i].unwrap_or(""),
            rows.allocation_ids[i].unwrap_or(""),
            rows.payment_ids[i].unwrap_or(""),
        );
        facts.execute(params![fp, id, described, as_of])?;
        let known: Option<(String, String)> = get
            .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (amount, score, case_id) =
            (rows.amount_at_risk[i], rows.risk_score[i], rows.case_id[i]);
        let change = match &known {
            None => {
                insert.execute(params![
                    id,
                    rows.rule[i],
                    rows.category[i],
                    rows.township[i],
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
