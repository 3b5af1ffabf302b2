//! The case ledger's tables, and the migration of a ledger written before runs had ids.

pub(super) const SCHEMA: &str = "
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

/// Inputs written before runs had ids and states: keep their runs, as complete.
pub(super) const MIGRATE_RUNS_V1: &str = "
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
