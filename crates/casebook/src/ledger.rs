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
//!   [`CaseLedger`] lives, so two reports folders sharing one ledger never interleave their
//!   classification.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use fundaudit_core::error::{Error, Result};

pub mod import;
pub mod night;
mod record;
mod review;
mod schema;
pub mod stats;
use schema::{MIGRATE_RUNS_V1, SCHEMA};

/// Dispositions an officer can record.
pub const STATUSES: [&str; 3] = ["confirmed", "dismissed", "investigating"];

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
pub fn facts_beneficiaries(facts: &str) -> Vec<String> {
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

pub struct CaseLedger {
    conn: Connection,
    path: std::path::PathBuf,
    /// Decisions with an id below this one are on an intact chain; those from it on are
    /// not applied (i64::MAX when the chain holds).
    trusted_below: i64,
    /// Where the decisions' chain broke, said once as a data-integrity warning.
    chain_break: Option<String>,
    /// `<ledger>.lock`, held while this value lives (None for read-only use).
    _lock: Option<crate::lock::RunLock>,
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

/// The ledger holds officers' notes and the names and ids of people under review: it is
/// owner-only, as the run's files are. A new ledger is created 0600 before SQLite opens it
/// (SQLite gives its -wal, -shm and -journal files the database's mode); one an earlier
/// fundaudit left readable by others is narrowed, with those companions. Called with the
/// ledger's lock held, so no other run creates it meanwhile; an existing file is never
/// truncated.
fn keep_private(path: &Path) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(db(path, e)),
    }
    #[cfg(unix)]
    for suffix in ["", "-wal", "-shm", "-journal"] {
        use std::os::unix::fs::PermissionsExt;
        let mut name = path.as_os_str().to_os_string();
        name.push(suffix);
        let file = std::path::PathBuf::from(name);
        let Ok(meta) = std::fs::symlink_metadata(&file) else {
            continue;
        };
        if meta.is_file() && meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| db(&file, e))?;
        }
    }
    Ok(())
}

impl CaseLedger {
    /// Opens (or creates) the ledger for writing: takes its lock (with `wait`, queues
    /// behind another run, else fails with [`Error::Busy`]) and settles a run that a kill
    /// left pending.
    pub fn open(path: &Path, wait: Option<std::time::Duration>) -> Result<CaseLedger> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| db(path, e))?;
        }
        let lock = crate::lock::lock(&lock_path(path), wait)?;
        keep_private(path)?;
        let mut ledger = CaseLedger::connect(path, Some(lock))?;
        ledger.settle_pending()?;
        Ok(ledger)
    }

    /// Opens an existing ledger to read (stats), without waiting for a running run.
    pub fn open_read(path: &Path) -> Result<CaseLedger> {
        CaseLedger::connect(path, None)
    }

    fn connect(path: &Path, lock: Option<crate::lock::RunLock>) -> Result<CaseLedger> {
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
        // Inputs written before cases: their findings get a case_id column (empty until
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
        let mut ledger = CaseLedger {
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
    /// decision is applied, and the break is kept for [`CaseLedger::integrity_warning`].
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
                .and_then(|f| crate::run_folder::run_id_of(Path::new(f)))
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
        coverage: &[fundaudit_rules::past_due::Coverage],
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
    ) -> Result<Vec<fundaudit_rules::past_due::Coverage>> {
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
                Ok(fundaudit_rules::past_due::Coverage {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use fundaudit_core::frame;
    use polars::prelude::*;

    /// Findings as scoring writes them, one per (id, amount).
    fn findings(rows: &[(&str, f64)]) -> DataFrame {
        let col = |name: &str, v: Vec<String>| Column::new(name.into(), v);
        let n = rows.len();
        let ids: Vec<String> = rows.iter().map(|r| r.0.to_string()).collect();
        let fps: Vec<String> = rows
            .iter()
            .map(|r| fundaudit_audit::scoring::fingerprint(&[r.0, &format!("{:.2}", r.1)]))
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
                col("refs", vec![String::new(); n]),
                col("fingerprint", fps),
            ],
        )
        .unwrap()
    }

    fn record(book: &mut CaseLedger, id: &str, folder: &Path, f: &DataFrame) -> RunRecord {
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
            let mut book = CaseLedger::open(&path, None).unwrap();
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
            let mut book = CaseLedger::open(&path, None).unwrap();
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
        drop(CaseLedger::open(&path, None).unwrap());
        assert_eq!(dump(&path), settled);
        // A pending run whose folder did appear (killed after the rename) stands.
        let run3 = dir.path().join("run3");
        {
            let mut book = CaseLedger::open(&path, None).unwrap();
            record(&mut book, "run3", &run3, &findings(&[("F1", 12.0)]));
        }
        std::fs::create_dir_all(&run3).unwrap();
        std::fs::write(
            run3.join("manifest.json"),
            r#"{"program":"fundaudit","run_id":"run3"}"#,
        )
        .unwrap();
        drop(CaseLedger::open(&path, None).unwrap());
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
        let mut book = CaseLedger::open(&path, None).unwrap();
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
