//! The case ledger (台账): every finding ever raised, in an embedded SQLite database, so
//! the second night knows what the first night found. Each run classifies its findings
//! as new, persisting, changed (same finding id, other facts) or resolved (gone since the
//! last run); officers' dispositions are kept with who and when, never overwritten; a
//! finding dismissed as 不属实 stays out of the reports while its facts stay the same.
//!
//! Two promises hold across crashes and concurrent runs:
//! - **The ledger agrees with the published folders.** A run's classification is committed
//!   as `pending` with an undo snapshot of the rows it touched; it becomes `complete` once
//!   its folder is in place. Whoever opens the ledger next finishes the job: a pending run
//!   whose folder holds its manifest is marked complete, any other is rolled back, so a
//!   run killed between the commit and the rename leaves no trace.
//! - **One writer at a time.** Opening the ledger takes `<ledger>.lock` for as long as the
//!   [`Ledger`] lives, so two reports folders sharing one ledger never interleave their
//!   classification.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use polars::prelude::*;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use fundaudit_core::error::{Error, Result};
use fundaudit_core::frame;

mod night;
pub use night::{Decided, OpenFinding};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, run TEXT NOT NULL, folder TEXT, state TEXT NOT NULL,
    as_of TEXT NOT NULL, recorded TEXT NOT NULL,
    findings INTEGER, new INTEGER, changed INTEGER, persisting INTEGER,
    resolved INTEGER, suppressed INTEGER);
CREATE TABLE IF NOT EXISTS findings (
    finding_id TEXT PRIMARY KEY, rule TEXT, category TEXT, township TEXT,
    first_seen TEXT, last_seen TEXT, runs_seen INTEGER, status TEXT,
    fingerprint TEXT, amount REAL, risk_score REAL, open INTEGER, case_id TEXT);
CREATE TABLE IF NOT EXISTS dispositions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, finding_id TEXT NOT NULL, status TEXT NOT NULL,
    note TEXT, by TEXT, at TEXT NOT NULL, fingerprint TEXT);
CREATE TABLE IF NOT EXISTS facts (
    fingerprint TEXT PRIMARY KEY, finding_id TEXT NOT NULL, facts TEXT NOT NULL,
    first_seen TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS undo_findings AS SELECT * FROM findings WHERE 0;
CREATE TABLE IF NOT EXISTS undo_new (finding_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS coverage (
    run_id TEXT NOT NULL, program TEXT NOT NULL, period TEXT NOT NULL,
    due INTEGER NOT NULL, paid INTEGER NOT NULL, PRIMARY KEY (run_id, program, period));
CREATE TABLE IF NOT EXISTS source_rows (
    run_id TEXT NOT NULL, finding_id TEXT NOT NULL, origin TEXT NOT NULL,
    origin_rule TEXT NOT NULL, kind TEXT NOT NULL, row_id TEXT NOT NULL, hash TEXT NOT NULL,
    as_was TEXT NOT NULL, amount_fen INTEGER NOT NULL,
    PRIMARY KEY (run_id, finding_id, kind, row_id));
CREATE TABLE IF NOT EXISTS recoveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL, fen INTEGER NOT NULL,
    note TEXT, by TEXT NOT NULL, at TEXT NOT NULL);
";

/// Ledgers written before runs had ids and states: keep their runs, as complete.
const MIGRATE_RUNS_V1: &str = "
ALTER TABLE runs RENAME TO runs_v1;
CREATE TABLE runs (
    run_id TEXT PRIMARY KEY, run TEXT NOT NULL, folder TEXT, state TEXT NOT NULL,
    as_of TEXT NOT NULL, recorded TEXT NOT NULL,
    findings INTEGER, new INTEGER, changed INTEGER, persisting INTEGER,
    resolved INTEGER, suppressed INTEGER);
INSERT INTO runs SELECT run, run, NULL, 'complete', as_of, recorded, findings, new, changed,
    persisting, resolved, suppressed FROM runs_v1;
DROP TABLE runs_v1;
";

/// Dispositions an officer can record.
pub const STATUSES: [&str; 3] = ["confirmed", "dismissed", "investigating"];

/// A ledger error, with the next step where there is one: SQLite's "database is locked"
/// is another process writing (exit 75, retry), "malformed" a damaged file.
fn db(path: &Path, e: impl std::fmt::Display) -> Error {
    let message = e.to_string();
    if message.contains("database is locked") || message.contains("database is busy") {
        return Error::Busy {
            path: path.display().to_string(),
        };
    }
    if message.contains("malformed") || message.contains("not a database") {
        return Error::Write {
            path: path.display().to_string(),
            message: format!(
                "{message}: the case ledger is damaged. Restore it from a backup copy of \
                 {name}, or run with --no-ledger to audit without it (findings are then not \
                 compared with earlier runs)",
                name = path.display()
            ),
        };
    }
    Error::Write {
        path: path.display().to_string(),
        message,
    }
}

/// The chain hash of a decision: SHA-256 over the previous decision's hash and this
/// one's fields. Each row covering the one before makes the decisions tamper-evident: a
/// row inserted, changed or deleted by hand breaks the chain from there on.
fn decision_hash(prev: &str, d: &Decision) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for field in [
        prev,
        &d.finding_id,
        &d.status,
        &d.note,
        &d.by,
        &d.at,
        &d.fingerprint,
    ] {
        h.update((field.len() as u64).to_le_bytes());
        h.update(field.as_bytes());
    }
    fundaudit_core::safe_fs::hex(&h.finalize())
}

/// One row of `dispositions`, as hashed.
struct Decision {
    id: i64,
    finding_id: String,
    status: String,
    note: String,
    by: String,
    at: String,
    fingerprint: String,
    hash: Option<String>,
}

pub struct Ledger {
    conn: Connection,
    path: std::path::PathBuf,
    /// Decisions with an id below this one are on an intact chain; those from it on are
    /// not applied (i64::MAX when the chain holds).
    trusted_below: i64,
    /// Where the decisions' chain broke, said once as a data-integrity warning.
    chain_break: Option<String>,
    /// `<ledger>.lock`, held while this value lives (None for read-only use).
    _lock: Option<crate::operations::lock::RunLock>,
}

/// A run the ledger knows about: what it recorded, and where its folder should appear.
#[derive(Debug, Clone)]
pub struct RunRef<'a> {
    /// Unique per run (also in the folder's manifest.json).
    pub id: &'a str,
    /// The folder's name, e.g. `2026-03-31-2`.
    pub name: &'a str,
    /// The folder's absolute path once published.
    pub folder: &'a Path,
    pub as_of: &'a str,
}

/// What `review` found when the officer's report and the ledger disagree on the facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactsChanged {
    /// The facts in the report the officer read (the disposition is recorded against these).
    pub seen: String,
    /// The facts the ledger holds now.
    pub now: String,
}

/// How a finding of this run relates to the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Change {
    New,
    Changed,
    Persisting,
}

impl Change {
    pub fn code(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Changed => "changed",
            Change::Persisting => "persisting",
        }
    }
}

/// What recording a run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunRecord {
    /// The ledger file the run used.
    pub path: String,
    pub new: usize,
    pub changed: usize,
    pub persisting: usize,
    pub resolved: usize,
    /// Findings left out of the reports: dismissed with the same facts.
    pub suppressed: usize,
}

/// `<ledger>.lock`: a file of its own, so the lock never meddles with SQLite's locking.
pub fn lock_path(ledger: &Path) -> std::path::PathBuf {
    let mut name = ledger.as_os_str().to_os_string();
    name.push(".lock");
    name.into()
}

impl Ledger {
    /// Opens (or creates) the ledger for writing: takes its lock (with `wait`, queues
    /// behind another run, else fails with [`Error::Busy`]) and settles a run that a kill
    /// left pending.
    pub fn open(path: &Path, wait: Option<std::time::Duration>) -> Result<Ledger> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| db(path, e))?;
        }
        let lock = crate::operations::lock::lock(&lock_path(path), wait)?;
        let mut ledger = Ledger::connect(path, Some(lock))?;
        ledger.settle_pending()?;
        Ok(ledger)
    }

    /// Opens an existing ledger to read (stats), without waiting for a running run.
    pub fn open_read(path: &Path) -> Result<Ledger> {
        Ledger::connect(path, None)
    }

    fn connect(path: &Path, lock: Option<crate::operations::lock::RunLock>) -> Result<Ledger> {
        let conn = Connection::open(path).map_err(|e| db(path, e))?;
        let e = |x: rusqlite::Error| db(path, x);
        // Write-ahead logging: a reader (stats, a spreadsheet's ODBC link, `sqlite3`)
        // never blocks the night's run, nor the run a reader. A writer that still finds
        // the file busy after the timeout is another run: exit 75, retry.
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(e)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(e)?;
        let old_runs: bool = conn
            .query_row(
                "SELECT count(*) = 1 FROM sqlite_master WHERE name = 'runs' AND sql NOT LIKE '%run_id%'",
                [],
                |r| r.get(0),
            )
            .map_err(e)?;
        if old_runs {
            conn.execute_batch(MIGRATE_RUNS_V1).map_err(e)?;
        }
        conn.execute_batch(SCHEMA).map_err(e)?;
        // Ledgers written before cases: their findings get a case_id column (empty until
        // the next run), the undo snapshot too, so both keep one shape.
        for table in ["findings", "undo_findings"] {
            let has_case: bool = conn
                .query_row(
                    &format!("SELECT count(*) > 0 FROM pragma_table_info('{table}') WHERE name = 'case_id'"),
                    [],
                    |r| r.get(0),
                )
                .map_err(e)?;
            if !has_case {
                conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN case_id TEXT;"))
                    .map_err(e)?;
            }
        }
        // Decisions are chained by hash (see `decision_hash`); a ledger from before the
        // chain gets its hashes once, here, and triggers keep the table append-only.
        let has_hash: bool = conn
            .query_row(
                "SELECT count(*) > 0 FROM pragma_table_info('dispositions') WHERE name = 'hash'",
                [],
                |r| r.get(0),
            )
            .map_err(e)?;
        if !has_hash {
            conn.execute_batch("ALTER TABLE dispositions ADD COLUMN hash TEXT;")
                .map_err(e)?;
        }
        conn.execute_batch(
            "CREATE TRIGGER IF NOT EXISTS dispositions_no_update BEFORE UPDATE ON dispositions
                 WHEN OLD.hash IS NOT NULL
                 BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
             CREATE TRIGGER IF NOT EXISTS dispositions_no_delete BEFORE DELETE ON dispositions
                 BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;",
        )
        .map_err(e)?;
        let mut ledger = Ledger {
            conn,
            path: path.to_path_buf(),
            trusted_below: i64::MAX,
            chain_break: None,
            _lock: lock,
        };
        if !has_hash {
            ledger.chain_legacy_decisions()?;
        }
        ledger.verify_decisions()?;
        Ok(ledger)
    }

    fn decisions(&self) -> Result<Vec<Decision>> {
        let path = self.path.clone();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, finding_id, status, coalesce(note, ''), coalesce(by, ''), at,
                        coalesce(fingerprint, ''), hash FROM dispositions ORDER BY id",
            )
            .map_err(|x| db(&path, x))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Decision {
                    id: r.get(0)?,
                    finding_id: r.get(1)?,
                    status: r.get(2)?,
                    note: r.get(3)?,
                    by: r.get(4)?,
                    at: r.get(5)?,
                    fingerprint: r.get(6)?,
                    hash: r.get(7)?,
                })
            })
            .map_err(|x| db(&path, x))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|x| db(&path, x))
    }

    /// Hashes the decisions of a ledger written before the chain (once, when the hash
    /// column is added): what was there is taken as it stands.
    fn chain_legacy_decisions(&mut self) -> Result<()> {
        let path = self.path.clone();
        let mut prev = String::new();
        let decisions = self.decisions()?;
        let tx = self.conn.transaction().map_err(|x| db(&path, x))?;
        for d in decisions {
            let hash = decision_hash(&prev, &d);
            tx.execute(
                "UPDATE dispositions SET hash = ?2 WHERE id = ?1",
                params![d.id, hash],
            )
            .map_err(|x| db(&path, x))?;
            prev = hash;
        }
        tx.commit().map_err(|x| db(&path, x))
    }

    /// Walks the chain of decisions; from the first row that does not follow from the one
    /// before (inserted or changed by hand, or a status no officer can record), no
    /// decision is applied, and the break is kept for [`Ledger::integrity_warning`].
    fn verify_decisions(&mut self) -> Result<()> {
        let mut prev = String::new();
        for d in self.decisions()? {
            let expected = decision_hash(&prev, &d);
            let valid_status = STATUSES.contains(&d.status.as_str());
            if d.hash.as_deref() != Some(expected.as_str()) || !valid_status {
                let why = if valid_status {
                    "does not follow from the decisions before it (added or changed outside fundaudit)"
                } else {
                    "holds a status no officer can record"
                };
                self.trusted_below = d.id;
                self.chain_break = Some(format!(
                    "data integrity: the case ledger {}: decision #{} (finding {}, status `{}`, by `{}`) {why}; \
                     it and every later decision are not applied: restore the ledger from a backup, \
                     or record the decisions again with `fundaudit review`",
                    self.path.display(),
                    d.id,
                    d.finding_id,
                    d.status,
                    d.by
                ));
                return Ok(());
            }
            prev = expected;
        }
        Ok(())
    }

    /// Whether the finding's last decision is this one (status, note and who): a row of
    /// a file imported again.
    fn repeats_last_decision(
        &self,
        finding_id: &str,
        status: &str,
        note: &str,
        by: &str,
    ) -> Result<bool> {
        let last: Option<(String, String, String)> = self
            .conn
            .query_row(
                "SELECT status, coalesce(note, ''), coalesce(by, '') FROM dispositions
                 WHERE finding_id = ?1 ORDER BY id DESC LIMIT 1",
                params![finding_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(|x| db(&self.path, x))?;
        Ok(last.is_some_and(|(s, n, b)| s == status && n == note && b == by))
    }

    /// The break in the decisions' chain, when there is one: a data-integrity warning
    /// for the night's summary (exit 4).
    pub fn integrity_warning(&self) -> Option<&str> {
        self.chain_break.as_deref()
    }

    /// The ledger file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A run left `pending` by a kill: complete if its folder appeared (its manifest names
    /// it), else rolled back from the undo snapshot as if it had never run.
    fn settle_pending(&mut self) -> Result<()> {
        let path = self.path.clone();
        let e = |x: rusqlite::Error| db(&path, x);
        let pending: Vec<(String, Option<String>)> = {
            let mut stmt = self
                .conn
                .prepare("SELECT run_id, folder FROM runs WHERE state = 'pending'")
                .map_err(e)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(e)?;
            rows.collect::<std::result::Result<_, _>>().map_err(e)?
        };
        for (run_id, folder) in pending {
            let published = folder
                .as_deref()
                .and_then(|f| crate::operations::run_folder::run_id_of(Path::new(f)))
                .is_some_and(|id| id == run_id);
            if published {
                self.mark_published(&run_id)?;
            } else {
                tracing::warn!(run = %run_id, "a run killed before its folder appeared: its ledger entries are rolled back");
                let tx = self.conn.transaction().map_err(e)?;
                tx.execute_batch(
                    "DELETE FROM findings WHERE finding_id IN (SELECT finding_id FROM undo_new);
                     INSERT OR REPLACE INTO findings SELECT * FROM undo_findings;
                     DELETE FROM undo_findings; DELETE FROM undo_new;",
                )
                .map_err(e)?;
                tx.execute("DELETE FROM runs WHERE run_id = ?1", params![run_id])
                    .map_err(e)?;
                tx.execute("DELETE FROM coverage WHERE run_id = ?1", params![run_id])
                    .map_err(e)?;
                tx.commit().map_err(e)?;
            }
        }
        Ok(())
    }

    /// Keeps a run's coverage per program and period (see `pipeline::past_due`).
    pub fn record_coverage(
        &mut self,
        run_id: &str,
        coverage: &[crate::pipeline::past_due::Coverage],
    ) -> Result<()> {
        let path = self.path.clone();
        let e = |x: rusqlite::Error| db(&path, x);
        let tx = self.conn.transaction().map_err(e)?;
        {
            let mut insert = tx
                .prepare("INSERT OR REPLACE INTO coverage VALUES (?1, ?2, ?3, ?4, ?5)")
                .map_err(e)?;
            for c in coverage {
                insert
                    .execute(params![
                        run_id,
                        c.program,
                        c.period,
                        c.due as i64,
                        c.paid as i64
                    ])
                    .map_err(e)?;
            }
        }
        tx.commit().map_err(e)
    }

    /// The coverage of the last complete run before `run_id` (empty for a first run).
    pub fn previous_coverage(
        &self,
        run_id: &str,
    ) -> Result<Vec<crate::pipeline::past_due::Coverage>> {
        let path = self.path.clone();
        let e = |x: rusqlite::Error| db(&path, x);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT program, period, due, paid FROM coverage WHERE run_id = (
                     SELECT c.run_id FROM coverage c JOIN runs r ON r.run_id = c.run_id
                     WHERE r.state = 'complete' AND c.run_id != ?1 ORDER BY r.rowid DESC LIMIT 1)",
            )
            .map_err(e)?;
        let rows = stmt
            .query_map(params![run_id], |r| {
                Ok(crate::pipeline::past_due::Coverage {
                    program: r.get(0)?,
                    period: r.get(1)?,
                    due: r.get::<_, i64>(2)? as usize,
                    paid: r.get::<_, i64>(3)? as usize,
                })
            })
            .map_err(e)?;
        rows.collect::<std::result::Result<_, _>>().map_err(e)
    }

    /// The run's folder is in place: its classification stands.
    pub fn mark_published(&mut self, run_id: &str) -> Result<()> {
        let path = self.path.clone();
        let e = |x: rusqlite::Error| db(&path, x);
        let tx = self.conn.transaction().map_err(e)?;
        tx.execute(
            "UPDATE runs SET state = 'complete' WHERE run_id = ?1",
            params![run_id],
        )
        .map_err(e)?;
        tx.execute_batch("DELETE FROM undo_findings; DELETE FROM undo_new;")
            .map_err(e)?;
        tx.commit().map_err(e)
    }

    /// Records a run's findings in one transaction (a crash leaves the ledger as it was),
    /// as `pending` until [`Ledger::mark_published`], and returns each finding's change,
    /// the findings to leave out, and the counts.
    pub fn record_run(
        &mut self,
        run: &RunRef,
        findings: &DataFrame,
    ) -> Result<(Vec<Change>, Vec<bool>, RunRecord)> {
        let as_of = run.as_of;
        let path = self.path.clone();
        let e = |x: rusqlite::Error| db(&path, x);
        let ids = frame::text(findings, "finding_id")?;
        let rules = frame::text(findings, "rule")?;
        let cats = frame::text(findings, "category")?;
        let towns = frame::text(findings, "township")?;
        let ben = frame::text(findings, "beneficiary_ids")?;
        let alloc = frame::text(findings, "allocation_ids")?;
        let pay = frame::text(findings, "payment_ids")?;
        let fps = frame::text(findings, crate::pipeline::scoring::scored::FINGERPRINT)?;
        let case_ids = frame::text(findings, "case_id").unwrap_or_else(|_| vec![None; ids.len()]);
        let amount: Vec<Option<f64>> = findings.column("amount_at_risk")?.f64()?.iter().collect();
        let score: Vec<Option<f64>> = findings.column("risk_score")?.f64()?.iter().collect();

        let tx = self.conn.transaction().map_err(e)?;
        let mut changes = Vec::with_capacity(ids.len());
        let mut suppress = Vec::with_capacity(ids.len());
        let mut rec = RunRecord {
            path: self.path.display().to_string(),
            ..RunRecord::default()
        };
        // The ids this run raised, then the undo snapshot of every row it may touch: the
        // open findings (some will be resolved) and the ones it raises.
        tx.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS seen (finding_id TEXT PRIMARY KEY); DELETE FROM seen;",
        )
        .map_err(e)?;
        {
            let mut seen = tx
                .prepare("INSERT OR IGNORE INTO seen VALUES (?1)")
                .map_err(e)?;
            for id in ids.iter().flatten() {
                seen.execute(params![id]).map_err(e)?;
            }
        }
        tx.execute_batch(
            "DELETE FROM undo_findings; DELETE FROM undo_new;
             INSERT INTO undo_findings SELECT * FROM findings
                 WHERE open = 1 OR finding_id IN (SELECT finding_id FROM seen);
             INSERT INTO undo_new SELECT finding_id FROM seen
                 WHERE finding_id NOT IN (SELECT finding_id FROM findings);",
        )
        .map_err(e)?;
        {
            let mut facts = tx
                .prepare("INSERT OR IGNORE INTO facts (fingerprint, finding_id, facts, first_seen) VALUES (?1, ?2, ?3, ?4)")
                .map_err(e)?;
            let mut get = tx
                .prepare("SELECT fingerprint, last_seen FROM findings WHERE finding_id = ?1")
                .map_err(e)?;
            let mut last_disposition = tx
                .prepare(&format!(
                    "SELECT status, fingerprint FROM dispositions WHERE finding_id = ?1 AND id < {} ORDER BY id DESC LIMIT 1",
                    self.trusted_below
                ))
                .map_err(e)?;
            let mut insert = tx
                .prepare(
                    "INSERT INTO findings (finding_id, rule, category, township, first_seen, last_seen, runs_seen, status, fingerprint, amount, risk_score, open, case_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?5, 1, 'open', ?6, ?7, ?8, 1, ?9)",
                )
                .map_err(e)?;
            let mut update = tx
                .prepare(
                    "UPDATE findings SET last_seen = ?2, runs_seen = runs_seen + ?3, fingerprint = ?4, amount = ?5,
                     risk_score = ?6, open = 1, status = CASE WHEN status = 'resolved' THEN 'open' ELSE status END,
                     case_id = ?7
                     WHERE finding_id = ?1",
                )
                .map_err(e)?;
            for i in 0..ids.len() {
                let id = ids[i].unwrap_or("");
                let fp = fps[i].unwrap_or("").to_string();
                facts
                    .execute(params![
                        fp,
                        id,
                        describe_facts(
                            amount[i].unwrap_or(0.0),
                            ben[i].unwrap_or(""),
                            alloc[i].unwrap_or(""),
                            pay[i].unwrap_or("")
                        ),
                        as_of
                    ])
                    .map_err(e)?;
                let known: Option<(String, String)> = get
                    .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
                    .map_err(e)?;
                let change = match &known {
                    None => {
                        insert
                            .execute(params![
                                id,
                                rules[i],
                                cats[i],
                                towns[i],
                                as_of,
                                fp,
                                amount[i],
                                score[i],
                                case_ids[i]
                            ])
                            .map_err(e)?;
                        Change::New
                    }
                    Some((old, last_seen)) => {
                        // Rerunning the same night is not another night seen.
                        let another_night = i64::from(last_seen != as_of);
                        update
                            .execute(params![
                                id,
                                as_of,
                                another_night,
                                fp,
                                amount[i],
                                score[i],
                                case_ids[i]
                            ])
                            .map_err(e)?;
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
                    .optional()
                    .map_err(e)?
                    .is_some_and(|(status, f)| {
                        status == "dismissed" && f.as_deref() == Some(fp.as_str())
                    });
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
        }
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
                ids.len() as i64, rec.new as i64, rec.changed as i64,
                rec.persisting as i64, rec.resolved as i64, rec.suppressed as i64],
        )
        .map_err(e)?;
        tx.commit().map_err(e)?;
        Ok((changes, suppress, rec))
    }

    /// Records an officer's disposition of a finding, with who and when and the facts it
    /// was made on; earlier dispositions stay. `seen` is the fingerprint in the report the
    /// officer read: the decision is recorded against those facts, and when the ledger
    /// holds other facts now, both versions are returned so the caller can say so (the
    /// finding then shows again as changed, instead of a dismissal hiding new facts).
    pub fn review(
        &mut self,
        finding_id: &str,
        status: &str,
        note: &str,
        by: &str,
        seen: Option<&str>,
    ) -> Result<Option<FactsChanged>> {
        if !STATUSES.contains(&status) {
            return Err(Error::Argument(format!(
                "--status {status}: use confirmed, dismissed or investigating"
            )));
        }
        let path = self.path.clone();
        let fp: Option<String> = self
            .conn
            .query_row(
                "SELECT fingerprint FROM findings WHERE finding_id = ?1",
                params![finding_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|x| db(&path, x))?;
        let Some(now_fp) = fp else {
            return Err(Error::Argument(format!(
                "finding or case {finding_id} is not in the ledger {}; check the id in findings.csv or cases.csv",
                path.display()
            )));
        };
        let seen = seen.map(str::trim).filter(|s| !s.is_empty());
        let changed = match seen {
            Some(seen_fp) if seen_fp != now_fp => {
                let facts_of = |fp: &str| -> Result<Option<String>> {
                    self.conn
                        .query_row(
                            "SELECT facts FROM facts WHERE fingerprint = ?1 AND finding_id = ?2",
                            params![fp, finding_id],
                            |r| r.get(0),
                        )
                        .optional()
                        .map_err(|x| db(&path, x))
                };
                let Some(seen_facts) = facts_of(seen_fp)? else {
                    return Err(Error::Argument(format!(
                        "finding {finding_id}: fingerprint {seen_fp} was never recorded for it in \
                         the ledger {}; check the fingerprint column of the report you read",
                        path.display()
                    )));
                };
                Some(FactsChanged {
                    seen: format!("{seen_fp}: {seen_facts}"),
                    now: format!("{now_fp}: {}", facts_of(&now_fp)?.unwrap_or_default()),
                })
            }
            _ => None,
        };
        let recorded_fp = seen.unwrap_or(&now_fp);
        if let Some(broken) = &self.chain_break {
            return Err(Error::Argument(format!(
                "{broken}: no decision is recorded on a broken chain"
            )));
        }
        let prev: String = self
            .conn
            .query_row(
                "SELECT coalesce((SELECT hash FROM dispositions ORDER BY id DESC LIMIT 1), '')",
                [],
                |r| r.get(0),
            )
            .map_err(|x| db(&path, x))?;
        let decision = Decision {
            id: 0,
            finding_id: finding_id.to_string(),
            status: status.to_string(),
            note: note.to_string(),
            by: by.to_string(),
            at: fundaudit_core::cells::now(),
            fingerprint: recorded_fp.to_string(),
            hash: None,
        };
        let hash = decision_hash(&prev, &decision);
        self.conn
            .execute(
                "INSERT INTO dispositions (finding_id, status, note, by, at, fingerprint, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    decision.finding_id,
                    decision.status,
                    decision.note,
                    decision.by,
                    decision.at,
                    decision.fingerprint,
                    hash
                ],
            )
            .map_err(|x| db(&path, x))?;
        let current = match status {
            "confirmed" => "confirmed",
            "dismissed" => "dismissed",
            _ => "investigating",
        };
        self.conn
            .execute(
                "UPDATE findings SET status = ?2 WHERE finding_id = ?1 AND open = 1",
                params![finding_id, current],
            )
            .map_err(|x| db(&path, x))?;
        Ok(changed)
    }

    /// Per rule: findings, reviewed, confirmed, dismissed; and the confirm rate per score
    /// band, so an analyst can move a cut-off with evidence.
    pub fn stats(&self) -> Result<Vec<RuleStats>> {
        let path = self.path.clone();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT f.rule, f.risk_score, (SELECT status FROM dispositions d WHERE d.finding_id = f.finding_id ORDER BY id DESC LIMIT 1)
                 FROM findings f",
            )
            .map_err(|x| db(&path, x))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<f64>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })
            .map_err(|x| db(&path, x))?;
        let mut by_rule: BTreeMap<String, RuleStats> = BTreeMap::new();
        for row in rows {
            let (rule, score, status) = row.map_err(|x| db(&path, x))?;
            let s = by_rule.entry(rule.clone()).or_insert_with(|| RuleStats {
                rule,
                ..Default::default()
            });
            s.findings += 1;
            let band = ((score.unwrap_or(0.0) / 25.0).floor() as usize).min(3);
            let b = &mut s.bands[band];
            match status.as_deref() {
                Some("confirmed") => {
                    s.reviewed += 1;
                    s.confirmed += 1;
                    b.0 += 1;
                }
                Some("dismissed") => {
                    s.reviewed += 1;
                    s.dismissed += 1;
                    b.1 += 1;
                }
                Some(_) => {
                    s.reviewed += 1;
                    s.investigating += 1;
                }
                None => {}
            }
        }
        Ok(by_rule.into_values().collect())
    }

    /// The case of each open finding, as the last run recorded it: tonight's cases take
    /// their ids from these (see [`crate::pipeline::cases::assign_ids`]).
    pub fn open_cases(&self) -> Result<HashMap<String, String>> {
        let path = self.path.clone();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT finding_id, case_id FROM findings WHERE open = 1 AND case_id IS NOT NULL",
            )
            .map_err(|x| db(&path, x))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(|x| db(&path, x))?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(|x| db(&path, x))
    }

    /// The open findings of a case (empty when no open finding has that case id).
    pub fn case_members(&self, case_id: &str) -> Result<Vec<String>> {
        let path = self.path.clone();
        let mut stmt = self
            .conn
            .prepare("SELECT finding_id FROM findings WHERE case_id = ?1 AND open = 1 ORDER BY finding_id")
            .map_err(|x| db(&path, x))?;
        let rows = stmt
            .query_map(params![case_id], |r| r.get::<_, String>(0))
            .map_err(|x| db(&path, x))?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(|x| db(&path, x))
    }

    /// Cases as officers decided them: open cases, cases with a decision on any member,
    /// cases with a confirmed member, and cases whose decided members were all dismissed.
    pub fn case_stats(&self) -> Result<CaseStats> {
        let path = self.path.clone();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT f.case_id, (SELECT status FROM dispositions d WHERE d.finding_id = f.finding_id ORDER BY id DESC LIMIT 1)
                 FROM findings f WHERE f.open = 1 AND f.case_id IS NOT NULL",
            )
            .map_err(|x| db(&path, x))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
            })
            .map_err(|x| db(&path, x))?;
        let mut by_case: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
        for row in rows {
            let (case, status) = row.map_err(|x| db(&path, x))?;
            let e = by_case.entry(case).or_default();
            match status.as_deref() {
                Some("confirmed") => e.0 += 1,
                Some("dismissed") => e.1 += 1,
                Some(_) => e.2 += 1,
                // An undecided finding keeps a case from being all dismissed.
                None => {}
            }
        }
        let mut s = CaseStats {
            cases: by_case.len(),
            ..CaseStats::default()
        };
        // A case is confirmed when any finding is; dismissed when every decided finding
        // is and none waits; under review (核查中) when one is and none is confirmed;
        // open otherwise.
        for (confirmed, dismissed, investigating) in by_case.values() {
            if confirmed + dismissed + investigating > 0 {
                s.reviewed += 1;
            }
            if *confirmed > 0 {
                s.confirmed += 1;
            } else if *investigating > 0 {
                s.investigating += 1;
            } else if *dismissed > 0 {
                s.dismissed += 1;
            } else {
                s.open += 1;
            }
        }
        s.recovered_fen = self.recovered()?.values().sum();
        Ok(s)
    }

    /// Officers' decisions on duplicate-registration findings, as labelled groups of
    /// beneficiary ids: the registrations a DUP_PERSON_PERIOD finding put together, and
    /// whether the latest decision confirmed it (true) or dismissed it (false). The ids
    /// are those of the facts the officer saw (the decision's fingerprint), else the
    /// finding's latest facts. Findings under review or undecided are left out.
    pub fn identity_decisions(&self) -> Result<Vec<(Vec<String>, bool)>> {
        let path = self.path.clone();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT d.status,
                        COALESCE((SELECT facts FROM facts x WHERE x.fingerprint = d.fingerprint AND x.finding_id = f.finding_id),
                                 (SELECT facts FROM facts x WHERE x.fingerprint = f.fingerprint AND x.finding_id = f.finding_id))
                 FROM findings f
                 JOIN dispositions d ON d.id = (SELECT MAX(id) FROM dispositions e WHERE e.finding_id = f.finding_id)
                 WHERE f.rule = 'DUP_PERSON_PERIOD' AND d.status IN ('confirmed', 'dismissed')
                 ORDER BY f.finding_id",
            )
            .map_err(|x| db(&path, x))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
            })
            .map_err(|x| db(&path, x))?;
        let mut out = Vec::new();
        for row in rows {
            let (status, facts) = row.map_err(|x| db(&path, x))?;
            let ids = facts
                .as_deref()
                .map(facts_beneficiaries)
                .unwrap_or_default();
            if ids.len() >= 2 {
                out.push((ids, status == "confirmed"));
            }
        }
        Ok(out)
    }

    /// The latest disposition of each finding (for reports).
    pub fn dispositions(&self) -> Result<HashMap<String, String>> {
        let path = self.path.clone();
        let mut stmt = self
            .conn
            .prepare("SELECT finding_id, status FROM dispositions ORDER BY id")
            .map_err(|x| db(&path, x))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(|x| db(&path, x))?;
        let mut out = HashMap::new();
        for r in rows {
            let (id, status) = r.map_err(|x| db(&path, x))?;
            out.insert(id, status);
        }
        Ok(out)
    }
}

/// Review counts by case (the cases of the last run's findings).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct CaseStats {
    pub cases: usize,
    /// No decision on any finding yet.
    pub open: usize,
    pub reviewed: usize,
    /// Cases with at least one confirmed finding.
    pub confirmed: usize,
    /// Cases under review (核查中), none confirmed.
    pub investigating: usize,
    /// Cases whose decided findings were all dismissed.
    pub dismissed: usize,
    /// Money recovered (追缴/已追回) over all cases, fen.
    pub recovered_fen: i64,
}

impl CaseStats {
    pub fn render(&self) -> String {
        format!(
            "cases: {}  open {}  investigating {}  confirmed {}  dismissed {}  recovered {} yuan{}\n",
            self.cases,
            self.open,
            self.investigating,
            self.confirmed,
            self.dismissed,
            fundaudit_core::cells::fmt_yuan(self.recovered_fen),
            if self.confirmed + self.dismissed > 0 {
                format!(
                    "  (confirm rate {:.0}% of cases decided)",
                    100.0 * self.confirmed as f64 / (self.confirmed + self.dismissed) as f64
                )
            } else {
                String::new()
            }
        )
    }
}

/// Review counts of one rule; `bands[k]` = (confirmed, dismissed) for scores in
/// [25k, 25k + 25).
#[derive(Debug, Clone, Default, Serialize)]
pub struct RuleStats {
    pub rule: String,
    pub findings: usize,
    pub reviewed: usize,
    pub confirmed: usize,
    pub dismissed: usize,
    /// Under review (核查中): reviewed, neither confirmed nor dismissed yet.
    pub investigating: usize,
    pub bands: [(usize, usize); 4],
}

impl RuleStats {
    pub fn render_all(stats: &[RuleStats]) -> String {
        let mut s = format!(
            "{:<20} {:>8} {:>8} {:>9} {:>9} {:>13}  confirm rate by score band: {:>6} {:>6} {:>6} {:>6}\n",
            "rule",
            "findings",
            "reviewed",
            "confirmed",
            "dismissed",
            "investigating",
            "0-25",
            "25-50",
            "50-75",
            "75-100"
        );
        for r in stats {
            let rate = |(c, d): (usize, usize)| {
                if c + d == 0 {
                    "-".to_string()
                } else {
                    format!("{:.0}%", 100.0 * c as f64 / (c + d) as f64)
                }
            };
            s.push_str(&format!(
                "{:<20} {:>8} {:>8} {:>9} {:>9} {:>13}  {:>27} {:>6} {:>6} {:>6} {:>6}\n",
                r.rule,
                r.findings,
                r.reviewed,
                r.confirmed,
                r.dismissed,
                r.investigating,
                "",
                rate(r.bands[0]),
                rate(r.bands[1]),
                rate(r.bands[2]),
                rate(r.bands[3])
            ));
        }
        s
    }
}

/// The facts behind a fingerprint, in words an officer can compare.
pub(crate) fn describe_facts(
    amount: f64,
    beneficiaries: &str,
    allocations: &str,
    payments: &str,
) -> String {
    format!(
        "amount {amount:.2}; beneficiaries {beneficiaries}; allocations {allocations}; payments {payments}"
    )
}

/// The beneficiary ids of facts written by [`describe_facts`].
pub(crate) fn facts_beneficiaries(facts: &str) -> Vec<String> {
    facts
        .split_once("; beneficiaries ")
        .and_then(|(_, rest)| rest.split_once("; allocations"))
        .map(|(ids, _)| {
            ids.split(';')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// A disposition status as officers write it: the English code or 属实 / 不属实 / 核查中.
pub fn parse_status(raw: &str) -> Option<&'static str> {
    match raw.trim() {
        "confirmed" | "属实" | "确认" => Some("confirmed"),
        "dismissed" | "不属实" | "排除" => Some("dismissed"),
        "investigating" | "核查中" | "调查中" => Some("investigating"),
        _ => None,
    }
}

/// Imports dispositions filled in by officers: a CSV or workbook with a finding id column
/// (`finding_id` or 线索编号), a status column (`status`, `disposition`, 处置 or 核查结论),
/// and optionally `note`/备注, `by`/核查人 and the report's `fingerprint`/事实指纹 (each
/// decision is then recorded against the facts the officer saw). Rows with no status are
/// skipped.
pub fn import_dispositions(
    ledger: &mut Ledger,
    path: &Path,
    default_by: Option<&str>,
) -> Result<Imported> {
    // All or nothing: a bad row leaves the ledger as it was, so the corrected file can
    // simply be imported again.
    let ledger_path = ledger.path.clone();
    ledger
        .conn
        .execute_batch("BEGIN IMMEDIATE")
        .map_err(|x| db(&ledger_path, x))?;
    match import_all(ledger, path, default_by) {
        Ok(imported) => {
            ledger
                .conn
                .execute_batch("COMMIT")
                .map_err(|x| db(&ledger_path, x))?;
            Ok(imported)
        }
        Err(e) => {
            let _ = ledger.conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

fn import_all(ledger: &mut Ledger, path: &Path, default_by: Option<&str>) -> Result<Imported> {
    let is_workbook = fundaudit_input::read::is_workbook(path);
    let mut imported = Imported::default();
    if !is_workbook {
        import_sheet(ledger, path, None, default_by, &mut imported)?;
        return Ok(imported);
    }
    // A workbook (findings.xlsx has one sheet per category): every sheet with the
    // columns counts.
    use calamine::Reader;
    let names = calamine::open_workbook_auto(path)
        .map_err(|e| Error::Unreadable {
            path: path.display().to_string(),
            message: e.to_string(),
        })?
        .sheet_names();
    for name in names {
        match import_sheet(ledger, path, Some(&name), default_by, &mut imported) {
            Ok(()) | Err(Error::MissingColumn { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(imported)
}

/// What an import recorded.
#[derive(Debug, Default)]
pub struct Imported {
    pub recorded: usize,
    /// Rows that repeat the finding's last decision (a file imported twice): not recorded
    /// again.
    pub already: usize,
    /// Decisions made on facts that have changed since (finding id, both versions).
    pub facts_changed: Vec<(String, FactsChanged)>,
}

fn import_sheet(
    ledger: &mut Ledger,
    path: &Path,
    sheet: Option<&str>,
    default_by: Option<&str>,
    imported: &mut Imported,
) -> Result<()> {
    let raw = fundaudit_input::read::read_source(path, sheet)?;
    let df = raw.frame;
    let find = |names: &[&str]| -> Option<String> {
        df.get_column_names()
            .iter()
            .map(|n| n.to_string())
            .find(|h| {
                let f = fundaudit_input::headers::fold(h);
                names.iter().any(|n| fundaudit_input::headers::fold(n) == f)
            })
    };
    let shown = path.display().to_string();
    let missing = |column: &str| Error::MissingColumn {
        path: shown.clone(),
        column: column.into(),
        found: df
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    };
    let id_col =
        find(&["finding_id", "线索编号"]).ok_or_else(|| missing("finding_id (线索编号)"))?;
    let status_col = find(&["status", "disposition", "处置", "核查结论"])
        .ok_or_else(|| missing("status (处置)"))?;
    let text = |c: &Option<String>| -> Result<Vec<Option<String>>> {
        Ok(match c {
            Some(c) => frame::text(&df, c)?
                .into_iter()
                .map(|v| v.map(str::to_string))
                .collect(),
            None => vec![None; df.height()],
        })
    };
    let ids = text(&Some(id_col))?;
    let statuses = text(&Some(status_col))?;
    let notes = text(&find(&["note", "备注"]))?;
    let bys = text(&find(&["by", "核查人"]))?;
    let seen = text(&find(&["fingerprint", "事实指纹"]))?;
    for i in 0..df.height() {
        let Some(raw_status) = statuses[i].as_deref().filter(|s| !s.trim().is_empty()) else {
            continue;
        };
        let line = raw
            .lines
            .as_ref()
            .and_then(|l| l.get(i).copied())
            .unwrap_or(i + 2);
        let status = parse_status(raw_status).ok_or_else(|| {
            Error::Argument(format!(
                "{shown} row {line}: status `{raw_status}` is not confirmed/dismissed/investigating (属实/不属实/核查中)"
            ))
        })?;
        let id = ids[i].as_deref().unwrap_or("").trim();
        if id.is_empty() {
            // A worklist's sample visit: no finding to record it against.
            continue;
        }
        let Some(by) = bys[i]
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .or(default_by)
        else {
            return Err(Error::Argument(format!(
                "{shown} row {line}: who decided is not said: fill in 核查人 (by), or pass \
                 --by NAME for the rows without one; nothing was recorded"
            )));
        };
        let note = notes[i].as_deref().unwrap_or("");
        if ledger.repeats_last_decision(id, status, note, by)? {
            imported.already += 1;
            continue;
        }
        let changed = ledger
            .review(id, status, note, by, seen[i].as_deref())
            .map_err(|e| {
                Error::Argument(format!("{shown} row {line}: {e}; nothing was recorded"))
            })?;
        if let Some(c) = changed {
            imported.facts_changed.push((id.to_string(), c));
        }
        imported.recorded += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Findings as scoring writes them, one per (id, amount).
    fn findings(rows: &[(&str, f64)]) -> DataFrame {
        let col = |name: &str, v: Vec<String>| Column::new(name.into(), v);
        let n = rows.len();
        let ids: Vec<String> = rows.iter().map(|r| r.0.to_string()).collect();
        let fps: Vec<String> = rows
            .iter()
            .map(|r| crate::pipeline::scoring::fingerprint(&[r.0, &format!("{:.2}", r.1)]))
            .collect();
        DataFrame::new(
            n,
            vec![
                col("finding_id", ids.clone()),
                col("rule", vec!["PARTIAL_SHORT".into(); n]),
                col("category", vec!["partial".into(); n]),
                col("township", vec!["城关镇".into(); n]),
                col("beneficiary_ids", ids.clone()),
                col("allocation_ids", ids.clone()),
                col("payment_ids", ids),
                Column::new(
                    "amount_at_risk".into(),
                    rows.iter().map(|r| r.1).collect::<Vec<_>>(),
                ),
                Column::new("risk_score".into(), vec![50.0; n]),
                col("fingerprint", fps),
            ],
        )
        .unwrap()
    }

    fn record(book: &mut Ledger, id: &str, folder: &Path, f: &DataFrame) -> RunRecord {
        let run = RunRef {
            id,
            name: id,
            folder,
            as_of: "2025-03-01",
        };
        book.record_run(&run, f).unwrap().2
    }

    fn dump(path: &Path) -> Vec<String> {
        let conn = Connection::open(path).unwrap();
        let mut out = Vec::new();
        for sql in [
            "SELECT finding_id, status, fingerprint, open, runs_seen, last_seen FROM findings ORDER BY finding_id",
            "SELECT run_id, state FROM runs ORDER BY run_id",
        ] {
            let mut stmt = conn.prepare(sql).unwrap();
            let n = stmt.column_count();
            let rows = stmt
                .query_map([], |r| {
                    Ok((0..n)
                        .map(|i| format!("{:?}", r.get::<_, rusqlite::types::Value>(i).unwrap()))
                        .collect::<Vec<_>>()
                        .join("|"))
                })
                .unwrap();
            out.extend(rows.map(|r| r.unwrap()));
        }
        out
    }

    #[test]
    fn facts_give_back_their_beneficiaries() {
        let facts = describe_facts(12.5, "B1;B2", "A1;A2", "P1");
        assert_eq!(facts_beneficiaries(&facts), vec!["B1", "B2"]);
        assert!(facts_beneficiaries("amount 1.00").is_empty());
    }

    #[test]
    fn a_run_whose_folder_never_appeared_is_rolled_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        let folder = dir.path().join("run1");
        {
            let mut book = Ledger::open(&path, None).unwrap();
            record(
                &mut book,
                "run1",
                &folder,
                &findings(&[("F1", 10.0), ("F2", 5.0)]),
            );
            book.mark_published("run1").unwrap();
        }
        let settled = dump(&path);
        // Killed after the commit, before its folder appeared: F1 changed, F2 resolved,
        // F3 new, all pending.
        {
            let mut book = Ledger::open(&path, None).unwrap();
            let rec = record(
                &mut book,
                "run2",
                &dir.path().join("run2"),
                &findings(&[("F1", 12.0), ("F3", 1.0)]),
            );
            assert_eq!((rec.new, rec.changed, rec.resolved), (1, 1, 1));
        }
        assert_ne!(dump(&path), settled);
        // Whoever opens the ledger next undoes it.
        drop(Ledger::open(&path, None).unwrap());
        assert_eq!(dump(&path), settled);
        // A pending run whose folder did appear (killed after the rename) stands.
        let run3 = dir.path().join("run3");
        {
            let mut book = Ledger::open(&path, None).unwrap();
            record(&mut book, "run3", &run3, &findings(&[("F1", 12.0)]));
        }
        std::fs::create_dir_all(&run3).unwrap();
        std::fs::write(
            run3.join("manifest.json"),
            r#"{"program":"fundaudit","run_id":"run3"}"#,
        )
        .unwrap();
        drop(Ledger::open(&path, None).unwrap());
        let after = dump(&path);
        assert!(
            after.contains(&"Text(\"run3\")|Text(\"complete\")".to_string()),
            "{after:?}"
        );
    }

    #[test]
    fn a_decision_is_recorded_against_the_facts_the_officer_saw() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        let mut book = Ledger::open(&path, None).unwrap();
        let night1 = findings(&[("F1", 10.0)]);
        let seen = frame::text(&night1, "fingerprint").unwrap()[0]
            .unwrap()
            .to_string();
        record(&mut book, "n1", dir.path(), &night1);
        book.mark_published("n1").unwrap();
        record(&mut book, "n2", dir.path(), &findings(&[("F1", 30.0)]));
        book.mark_published("n2").unwrap();
        let changed = book
            .review("F1", "dismissed", "", "王五", Some(&seen))
            .unwrap()
            .expect("facts differ");
        assert!(changed.seen.contains("amount 10.00"), "{changed:?}");
        assert!(changed.now.contains("amount 30.00"), "{changed:?}");
        // Dismissed on the old facts: the new facts are not hidden.
        let (_, suppress, _) = book
            .record_run(
                &RunRef {
                    id: "n3",
                    name: "n3",
                    folder: dir.path(),
                    as_of: "2025-03-03",
                },
                &findings(&[("F1", 30.0)]),
            )
            .unwrap();
        assert_eq!(suppress, [false]);
        // Without a fingerprint, or with the current one, it is the current facts.
        assert_eq!(
            book.review("F1", "dismissed", "", "王五", None).unwrap(),
            None
        );
        assert!(book
            .review(
                "F1",
                "dismissed",
                "",
                "王五",
                Some("000000000000000000000000")
            )
            .is_err());
    }
}
