//! Officers' decisions brought in from a filled-in worklist or findings sheet (`review
//! import`): each row's status checked, recorded with who and when.

use std::path::Path;

use super::{db, CaseLedger, FactsChanged};
use fundaudit_core::error::{Error, Result};
use fundaudit_core::frame;

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
    ledger: &mut CaseLedger,
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

fn import_all(ledger: &mut CaseLedger, path: &Path, default_by: Option<&str>) -> Result<Imported> {
    let is_workbook = fundaudit_input::read::table::is_workbook(path);
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
    ledger: &mut CaseLedger,
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
