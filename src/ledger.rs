//! The case ledger (台账): every finding ever raised, in an embedded SQLite database, so
//! the second night knows what the first night found. Each run classifies its findings
//! as new, persisting, changed (same finding id, other facts) or resolved (gone since the
//! last run); officers' dispositions are kept with who and when, never overwritten; a
//! finding dismissed as 不属实 stays out of the reports while its facts stay the same.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use polars::prelude::*;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::frame;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs (
    run TEXT PRIMARY KEY, as_of TEXT NOT NULL, recorded TEXT NOT NULL,
    findings INTEGER, new INTEGER, changed INTEGER, persisting INTEGER,
    resolved INTEGER, suppressed INTEGER);
CREATE TABLE IF NOT EXISTS findings (
    finding_id TEXT PRIMARY KEY, rule TEXT, category TEXT, township TEXT,
    first_seen TEXT, last_seen TEXT, runs_seen INTEGER, status TEXT,
    fingerprint TEXT, amount REAL, risk_score REAL, open INTEGER);
CREATE TABLE IF NOT EXISTS dispositions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, finding_id TEXT NOT NULL, status TEXT NOT NULL,
    note TEXT, by TEXT, at TEXT NOT NULL, fingerprint TEXT);
";

/// Dispositions an officer can record.
pub const STATUSES: [&str; 3] = ["confirmed", "dismissed", "investigating"];

fn db(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

pub struct Ledger {
    conn: Connection,
    path: std::path::PathBuf,
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
    pub new: usize,
    pub changed: usize,
    pub persisting: usize,
    pub resolved: usize,
    /// Findings left out of the reports: dismissed with the same facts.
    pub suppressed: usize,
}

/// The facts of a finding: what money and which records. A different amount or another
/// payment makes a different fingerprint; the wording of the evidence does not.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    h.finalize()
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Ledger {
    pub fn open(path: &Path) -> Result<Ledger> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| db(path, e))?;
        }
        let conn = Connection::open(path).map_err(|e| db(path, e))?;
        conn.execute_batch(SCHEMA).map_err(|e| db(path, e))?;
        Ok(Ledger {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Records a run's findings in one transaction (a crash leaves the ledger as it was)
    /// and returns each finding's change, the findings to leave out, and the counts.
    pub fn record_run(
        &mut self,
        run: &str,
        as_of: &str,
        findings: &DataFrame,
    ) -> Result<(Vec<Change>, Vec<bool>, RunRecord)> {
        let path = self.path.clone();
        let e = |x: rusqlite::Error| db(&path, x);
        let ids = frame::text(findings, "finding_id")?;
        let rules = frame::text(findings, "rule")?;
        let cats = frame::text(findings, "category")?;
        let towns = frame::text(findings, "township")?;
        let ben = frame::text(findings, "beneficiary_ids")?;
        let alloc = frame::text(findings, "allocation_ids")?;
        let pay = frame::text(findings, "payment_ids")?;
        let amount: Vec<Option<f64>> = findings.column("amount_at_risk")?.f64()?.iter().collect();
        let score: Vec<Option<f64>> = findings.column("risk_score")?.f64()?.iter().collect();

        let tx = self.conn.transaction().map_err(e)?;
        let mut changes = Vec::with_capacity(ids.len());
        let mut suppress = Vec::with_capacity(ids.len());
        let mut rec = RunRecord::default();
        {
            let mut get = tx
                .prepare("SELECT fingerprint, last_seen FROM findings WHERE finding_id = ?1")
                .map_err(e)?;
            let mut last_disposition = tx
                .prepare("SELECT status, fingerprint FROM dispositions WHERE finding_id = ?1 ORDER BY id DESC LIMIT 1")
                .map_err(e)?;
            let mut insert = tx
                .prepare(
                    "INSERT INTO findings (finding_id, rule, category, township, first_seen, last_seen, runs_seen, status, fingerprint, amount, risk_score, open)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?5, 1, 'open', ?6, ?7, ?8, 1)",
                )
                .map_err(e)?;
            let mut update = tx
                .prepare(
                    "UPDATE findings SET last_seen = ?2, runs_seen = runs_seen + ?3, fingerprint = ?4, amount = ?5,
                     risk_score = ?6, open = 1, status = CASE WHEN status = 'resolved' THEN 'open' ELSE status END
                     WHERE finding_id = ?1",
                )
                .map_err(e)?;
            for i in 0..ids.len() {
                let id = ids[i].unwrap_or("");
                let amount_text = format!("{:.2}", amount[i].unwrap_or(0.0));
                let fp = fingerprint(&[
                    rules[i].unwrap_or(""),
                    ben[i].unwrap_or(""),
                    alloc[i].unwrap_or(""),
                    pay[i].unwrap_or(""),
                    &amount_text,
                ]);
                let known: Option<(String, String)> = get
                    .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
                    .map_err(e)?;
                let change = match &known {
                    None => {
                        insert
                            .execute(params![
                                id, rules[i], cats[i], towns[i], as_of, fp, amount[i], score[i]
                            ])
                            .map_err(e)?;
                        Change::New
                    }
                    Some((old, last_seen)) => {
                        // Rerunning the same night is not another night seen.
                        let another_night = i64::from(last_seen != as_of);
                        update
                            .execute(params![id, as_of, another_night, fp, amount[i], score[i]])
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
        rec.resolved = tx
            .execute(
                "UPDATE findings SET open = 0, status = 'resolved' WHERE open = 1 AND finding_id NOT IN (SELECT finding_id FROM seen)",
                [],
            )
            .map_err(e)?;
        tx.execute(
            "INSERT OR REPLACE INTO runs (run, as_of, recorded, findings, new, changed, persisting, resolved, suppressed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![run, as_of, crate::runs::now(), ids.len() as i64, rec.new as i64, rec.changed as i64,
                rec.persisting as i64, rec.resolved as i64, rec.suppressed as i64],
        )
        .map_err(e)?;
        tx.commit().map_err(e)?;
        Ok((changes, suppress, rec))
    }

    /// Records an officer's disposition of a finding, with who and when and the facts it
    /// was made on; earlier dispositions stay.
    pub fn review(&mut self, finding_id: &str, status: &str, note: &str, by: &str) -> Result<()> {
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
        let Some(fp) = fp else {
            return Err(Error::Argument(format!(
                "finding {finding_id} is not in the ledger {}; check the id in findings.csv",
                path.display()
            )));
        };
        self.conn
            .execute(
                "INSERT INTO dispositions (finding_id, status, note, by, at, fingerprint) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![finding_id, status, note, by, crate::runs::now(), fp],
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
        Ok(())
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
                Some(_) => s.reviewed += 1,
                None => {}
            }
        }
        Ok(by_rule.into_values().collect())
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

/// Review counts of one rule; `bands[k]` = (confirmed, dismissed) for scores in
/// [25k, 25k + 25).
#[derive(Debug, Clone, Default, Serialize)]
pub struct RuleStats {
    pub rule: String,
    pub findings: usize,
    pub reviewed: usize,
    pub confirmed: usize,
    pub dismissed: usize,
    pub bands: [(usize, usize); 4],
}

impl RuleStats {
    pub fn render_all(stats: &[RuleStats]) -> String {
        let mut s = format!(
            "{:<20} {:>8} {:>8} {:>9} {:>9}  confirm rate by score band: {:>6} {:>6} {:>6} {:>6}\n",
            "rule",
            "findings",
            "reviewed",
            "confirmed",
            "dismissed",
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
                "{:<20} {:>8} {:>8} {:>9} {:>9}  {:>27} {:>6} {:>6} {:>6} {:>6}\n",
                r.rule,
                r.findings,
                r.reviewed,
                r.confirmed,
                r.dismissed,
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
/// and optionally `note`/备注 and `by`/核查人. Rows with no status are skipped; returns
/// how many were recorded.
pub fn import_dispositions(ledger: &mut Ledger, path: &Path, default_by: &str) -> Result<usize> {
    let is_workbook = path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        matches!(
            e.to_ascii_lowercase().as_str(),
            "xlsx" | "xlsm" | "xls" | "ods"
        )
    });
    if !is_workbook {
        return import_sheet(ledger, path, None, default_by);
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
    let mut n = 0;
    for name in names {
        match import_sheet(ledger, path, Some(&name), default_by) {
            Ok(k) => n += k,
            Err(Error::MissingColumn { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn import_sheet(
    ledger: &mut Ledger,
    path: &Path,
    sheet: Option<&str>,
    default_by: &str,
) -> Result<usize> {
    let raw = crate::input::read::read_source(path, sheet)?;
    let df = raw.frame;
    let find = |names: &[&str]| -> Option<String> {
        df.get_column_names()
            .iter()
            .map(|n| n.to_string())
            .find(|h| {
                let f = crate::input::headers::fold(h);
                names.iter().any(|n| crate::input::headers::fold(n) == f)
            })
    };
    let shown = path.display().to_string();
    let id_col = find(&["finding_id", "线索编号"]).ok_or_else(|| Error::MissingColumn {
        path: shown.clone(),
        column: "finding_id (线索编号)".into(),
        found: df
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    })?;
    let status_col = find(&["status", "disposition", "处置", "核查结论"]).ok_or_else(|| {
        Error::MissingColumn {
            path: shown.clone(),
            column: "status (处置)".into(),
            found: df
                .get_column_names()
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        }
    })?;
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
    let mut n = 0;
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
        ledger
            .review(
                id,
                status,
                notes[i].as_deref().unwrap_or(""),
                bys[i].as_deref().unwrap_or(default_by),
            )
            .map_err(|e| Error::Argument(format!("{shown} row {line}: {e}")))?;
        n += 1;
    }
    Ok(n)
}
