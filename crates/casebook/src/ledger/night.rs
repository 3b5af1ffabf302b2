//! What the case ledger tells tonight about the nights before: the findings open then
//! (to say what changed, and why a finding is gone), the source rows they named (rows
//! deleted or edited since, see [`fundaudit_rules::source_rows`]), officers' latest
//! decisions (carried into every report), and money recovered per case.

use std::collections::{BTreeMap, HashMap};

use rusqlite::params;
use serde::Serialize;

use super::{db, CaseLedger};
use fundaudit_core::error::{Error, Result};
use fundaudit_rules::source_rows::SourceRow;

/// A finding open after the last run, as the ledger holds it.
#[derive(Debug, Clone, Default)]
pub struct OpenFinding {
    pub finding_id: String,
    pub rule: String,
    pub township: String,
    pub amount: f64,
    pub case_id: String,
    /// The facts of its last fingerprint (amount and ids, see `describe_facts`).
    pub facts: String,
}

/// An officer's latest decision on a finding (on the intact part of the chain).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Decided {
    pub finding_id: String,
    pub status: String,
    pub note: String,
    pub by: String,
    pub at: String,
    /// What the ledger knows of the finding: rule, township, money and case.
    pub rule: String,
    pub township: String,
    pub amount: f64,
    pub case_id: String,
}

impl CaseLedger {
    /// The findings open after the last run (read before tonight's is recorded).
    pub fn open_findings(&self) -> Result<Vec<OpenFinding>> {
        let path = self.path.clone();
        let e = |x: rusqlite::Error| db(&path, x);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT f.finding_id, coalesce(f.rule, ''), coalesce(f.township, ''),
                        coalesce(f.amount, 0), coalesce(f.case_id, ''),
                        coalesce((SELECT facts FROM facts x WHERE x.fingerprint = f.fingerprint
                                  AND x.finding_id = f.finding_id), '')
                 FROM findings f WHERE f.open = 1 ORDER BY f.finding_id",
            )
            .map_err(e)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(OpenFinding {
                    finding_id: r.get(0)?,
                    rule: r.get(1)?,
                    township: r.get(2)?,
                    amount: r.get(3)?,
                    case_id: r.get(4)?,
                    facts: r.get(5)?,
                })
            })
            .map_err(e)?;
        rows.collect::<std::result::Result<_, _>>().map_err(e)
    }

    /// Each finding's latest decision, for the reports: decisions past a break in the
    /// chain are not applied (see `verify_decisions`).
    pub fn decided(&self) -> Result<HashMap<String, Decided>> {
        let path = self.path.clone();
        let e = |x: rusqlite::Error| db(&path, x);
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT d.finding_id, d.status, coalesce(d.note, ''), coalesce(d.by, ''), d.at,
                        coalesce(f.rule, ''), coalesce(f.township, ''), coalesce(f.amount, 0),
                        coalesce(f.case_id, '')
                 FROM dispositions d LEFT JOIN findings f ON f.finding_id = d.finding_id
                 WHERE d.id = (SELECT MAX(id) FROM dispositions e
                               WHERE e.finding_id = d.finding_id AND e.id < {})
                 ORDER BY d.id",
                self.trusted_below
            ))
            .map_err(e)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Decided {
                    finding_id: r.get(0)?,
                    status: r.get(1)?,
                    note: r.get(2)?,
                    by: r.get(3)?,
                    at: r.get(4)?,
                    rule: r.get(5)?,
                    township: r.get(6)?,
                    amount: r.get(7)?,
                    case_id: r.get(8)?,
                })
            })
            .map_err(e)?;
        let mut out = HashMap::new();
        for row in rows {
            let d = row.map_err(e)?;
            out.insert(d.finding_id.clone(), d);
        }
        Ok(out)
    }

    /// The source rows of the last complete run's findings, and that run's as-of date
    /// (empty before any).
    pub fn previous_source_rows(&self) -> Result<(Vec<SourceRow>, String)> {
        let path = self.path.clone();
        let e = |x: rusqlite::Error| db(&path, x);
        let last: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT run_id, as_of FROM runs WHERE state = 'complete' ORDER BY rowid DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ok();
        let Some((run_id, as_of)) = last else {
            return Ok((Vec::new(), String::new()));
        };
        let mut stmt = self
            .conn
            .prepare(
                "SELECT finding_id, origin, origin_rule, kind, row_id, hash, as_was, amount_fen
                 FROM source_rows WHERE run_id = ?1 ORDER BY finding_id, kind, row_id",
            )
            .map_err(e)?;
        let rows = stmt
            .query_map(params![run_id], |r| {
                Ok(SourceRow {
                    finding_id: r.get(0)?,
                    origin: r.get(1)?,
                    origin_rule: r.get(2)?,
                    kind: r.get(3)?,
                    row_id: r.get(4)?,
                    hash: r.get(5)?,
                    as_was: r.get(6)?,
                    amount_fen: r.get(7)?,
                })
            })
            .map_err(e)?;
        let rows = rows.collect::<std::result::Result<_, _>>().map_err(e)?;
        Ok((rows, as_of))
    }

    /// Keeps tonight's source rows under `run_id`; rows of runs before the last complete
    /// one go (only the last night is compared with).
    pub fn record_source_rows(&mut self, run_id: &str, rows: &[SourceRow]) -> Result<()> {
        let path = self.path.clone();
        let e = |x: rusqlite::Error| db(&path, x);
        let tx = self.conn.transaction().map_err(e)?;
        tx.execute(
            "DELETE FROM source_rows WHERE run_id != ?1 AND run_id NOT IN
                 (SELECT run_id FROM runs WHERE state = 'complete' ORDER BY rowid DESC LIMIT 1)",
            params![run_id],
        )
        .map_err(e)?;
        {
            let mut insert = tx
                .prepare(
                    "INSERT OR REPLACE INTO source_rows
                     (run_id, finding_id, origin, origin_rule, kind, row_id, hash, as_was, amount_fen)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .map_err(e)?;
            for r in rows {
                insert
                    .execute(params![
                        run_id,
                        r.finding_id,
                        r.origin,
                        r.origin_rule,
                        r.kind,
                        r.row_id,
                        r.hash,
                        r.as_was,
                        r.amount_fen
                    ])
                    .map_err(e)?;
            }
        }
        tx.commit().map_err(e)
    }

    /// Records money recovered (追缴/已追回) for a case the ledger knows.
    pub fn record_recovery(&mut self, case_id: &str, fen: i64, note: &str, by: &str) -> Result<()> {
        let path = self.path.clone();
        let e = |x: rusqlite::Error| db(&path, x);
        let known: bool = self
            .conn
            .query_row(
                "SELECT count(*) > 0 FROM findings WHERE case_id = ?1",
                params![case_id],
                |r| r.get(0),
            )
            .map_err(e)?;
        if !known {
            return Err(Error::Argument(format!(
                "case {case_id} is not in the ledger {}; check the case id in cases.csv",
                path.display()
            )));
        }
        if fen <= 0 {
            return Err(Error::Argument(format!(
                "--recovered {}: give the yuan recovered, more than 0",
                fundaudit_core::cells::fmt_yuan(fen)
            )));
        }
        self.conn
            .execute(
                "INSERT INTO recoveries (case_id, fen, note, by, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![case_id, fen, note, by, fundaudit_core::cells::now()],
            )
            .map_err(e)?;
        Ok(())
    }

    /// Money recovered per case, in fen.
    pub fn recovered(&self) -> Result<BTreeMap<String, i64>> {
        let path = self.path.clone();
        let e = |x: rusqlite::Error| db(&path, x);
        let mut stmt = self
            .conn
            .prepare("SELECT case_id, sum(fen) FROM recoveries GROUP BY case_id")
            .map_err(e)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(e)?;
        rows.collect::<std::result::Result<_, _>>().map_err(e)
    }
}
