//! The case ledger across nights: reruns change nothing but the run record, changed facts
//! are seen as changed, vanished findings as resolved, dismissed findings stay out of the
//! reports until their facts change, dispositions import from an officer's sheet, and a
//! run killed at any point leaves the ledger and reports/latest consistent.

mod decisions;
mod nights;

use crate::common;

use std::path::Path;
use std::time::Duration;

use common::{fundaudit, Fixture};
use rusqlite::Connection;

pub(super) fn fixture() -> Fixture {
    let mut f = Fixture::short_payment();
    f.person(
        "B2",
        "刘强",
        &crate::common::id_number(1961, 1, 1, 2),
        "东村",
        "6228480000000000002",
        "",
    );
    f.allocation(
        "A2",
        "低保金",
        "2025Q1",
        "B2",
        "100.00",
        "2025-01-01",
        "2025-01-31",
    ); // unpaid
    f
}

/// `review ID --status STATUS` by 王科长; what it printed.
pub(super) fn review(db: &Path, id: &str, status: &str) -> String {
    let out = fundaudit()
        .args([
            "review",
            id,
            "--status",
            status,
            "--by",
            "王科长",
            "--ledger",
        ])
        .arg(db)
        .assert()
        .success();
    String::from_utf8_lossy(&out.get_output().stdout).to_string()
}

pub(super) fn table(db: &Path, sql: &str) -> Vec<Vec<String>> {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        (0..n)
            .map(|i| {
                r.get::<_, rusqlite::types::Value>(i)
                    .map(|v| format!("{v:?}"))
            })
            .collect()
    })
    .unwrap()
    .map(|r| r.unwrap())
    .collect()
}

/// A nightly run into `reports`, its exit code and stderr.
pub(super) fn night(data: &Path, reports: &Path) -> (i32, String) {
    let out = fundaudit()
        .args(["run", "--quiet", "--as-of", "2025-03-01", "--data"])
        .arg(data)
        .arg("--reports")
        .arg(reports)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

pub(super) fn summary_changes(run: &Path) -> serde_json::Value {
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).unwrap()).unwrap();
    s["changes"].clone()
}
