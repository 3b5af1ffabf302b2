//! Nightly operation: each run writes a folder `reports/<as-of>-<n>/` with its reports and
//! a `manifest.json` (how the folder is written and swapped into place: [`fundaudit_casebook::run_folder`]);
//! `reports/latest` points at the last complete run; a lock keeps two runs over one
//! reports folder from overlapping.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::report::Summary;
use fundaudit_core::config::Config;
use fundaudit_core::error::{Error, Result};
use fundaudit_core::safe_fs::{hex, sha256_file, Hashed};

/// The next free run folder name for a date: `2026-03-31-1`, `2026-03-31-2`, …
pub fn next_run_name(reports: &Path, as_of: &str) -> String {
    let taken: Vec<u32> = std::fs::read_dir(reports)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            name.strip_prefix(&format!("{as_of}-"))?.parse().ok()
        })
        .collect();
    format!("{as_of}-{}", taken.iter().max().map_or(1, |n| n + 1))
}

/// `reports/latest` → the run folder, replaced atomically (a new link renamed over it).
/// A `latest` that is not a link (a folder or file of the user's) is left alone.
pub fn point_latest(reports: &Path, run: &Path) -> Result<()> {
    let latest = reports.join("latest");
    if let Ok(meta) = latest.symlink_metadata() {
        if cfg!(unix) && !meta.file_type().is_symlink() {
            tracing::warn!(path = %latest.display(), "not a link fundaudit made: left alone");
            return Ok(());
        }
    }
    let target = run.file_name().map(PathBuf::from).unwrap_or_default();
    let tmp = reports.join(".latest.tmp");
    let _ = std::fs::remove_file(&tmp);
    #[cfg(unix)]
    std::os::unix::fs::symlink(&target, &tmp).map_err(|e| Error::write(&tmp, e))?;
    #[cfg(not(unix))]
    std::fs::write(&tmp, target.to_string_lossy().as_bytes()).map_err(|e| Error::write(&tmp, e))?;
    std::fs::rename(&tmp, reports.join("latest")).map_err(|e| Error::write(reports, e))?;
    fundaudit_core::safe_fs::sync_dir(reports)
}

#[derive(Debug, Serialize)]
pub struct InputRecord {
    pub file: String,
    pub size: u64,
    pub sha256: String,
    pub rows_read: usize,
    pub rows_used: usize,
    pub rows_rejected: usize,
    pub format: String,
    /// Where the file really is when `file` is a link (the hash is of what was read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_target: Option<String>,
    /// The title block above the header (it often names township, program and period).
    pub title: Vec<String>,
    pub header_line: usize,
    /// Totals, notes and blank rows, each with its row.
    pub skipped: Vec<fundaudit_input::SkippedRow>,
}

/// A new run's id: unique across machines and reports folders that share one ledger, and
/// written in the manifest, so the ledger can tell whether a run's folder appeared.
pub fn new_run_id() -> String {
    format!(
        "{}-{:016x}",
        chrono::Local::now().format("%Y%m%dT%H%M%S"),
        rand::random::<u64>()
    )
}

/// What a run was: program, config, inputs (with hashes), timings, results. Its presence
/// (program `fundaudit`) is what marks a folder as a run folder.
#[derive(Debug, Serialize)]
pub struct Manifest {
    pub program: &'static str,
    pub version: &'static str,
    pub run_id: String,
    pub run: String,
    /// The case ledger the run was classified against (None with --no-ledger).
    pub ledger: Option<String>,
    pub as_of: String,
    pub started: String,
    pub finished: String,
    pub config_sha256: String,
    pub config: Config,
    pub inputs: Vec<InputRecord>,
    /// Files in the data folder that no ledger took, with why.
    pub unused: Vec<String>,
    /// The night's warnings, reports that could not be written among them.
    pub warnings: Vec<String>,
    /// The seed of worklists.xlsx's verification sample (to reproduce and audit it).
    pub worklist_seed: Option<u64>,
    pub timings: fundaudit_core::timings::Timings,
    pub findings: usize,
    pub amount_at_risk: f64,
    pub by_category: std::collections::BTreeMap<String, crate::report::Tally>,
    pub alert: bool,
}

impl Manifest {
    /// `hashed`: inputs hashed already ([`fundaudit_core::safe_fs::hash_files`]); the
    /// rest are hashed here.
    pub fn new(
        run_id: &str,
        run: &str,
        started: String,
        config: &Config,
        summary: &Summary,
        alert: bool,
        hashed: &Hashed,
    ) -> Result<Manifest> {
        let config_json =
            serde_json::to_string(config).map_err(|e| Error::write(Path::new("config"), e))?;
        let inputs = summary
            .files
            .par_iter()
            .map(|f| {
                let path = Path::new(&f.file);
                Ok(InputRecord {
                    file: f.file.clone(),
                    size: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
                    sha256: match (&f.sha256, hashed.get(&f.file)) {
                        (Some(staged), _) => staged.clone(),
                        (None, Some(hashed)) => hashed.clone(),
                        (None, None) => sha256_file(path)?,
                    },
                    rows_read: f.rows_read,
                    rows_used: f.rows_used,
                    rows_rejected: f.rows_rejected,
                    format: f.format.clone(),
                    link_target: fundaudit_core::safe_fs::is_link(path)
                        .then(|| std::fs::canonicalize(path).ok())
                        .flatten()
                        .map(|p| p.display().to_string()),
                    title: f.title.clone(),
                    header_line: f.header_line,
                    skipped: f.skipped.clone(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Manifest {
            program: "fundaudit",
            version: env!("CARGO_PKG_VERSION"),
            run_id: run_id.to_string(),
            run: run.to_string(),
            ledger: summary.ledger.as_ref().map(|l| l.path.clone()),
            as_of: summary.as_of.clone(),
            started,
            finished: fundaudit_core::cells::now(),
            config_sha256: hex(&Sha256::digest(config_json.as_bytes())),
            config: config.clone(),
            inputs,
            unused: summary.unused.clone(),
            warnings: summary.warnings.clone(),
            worklist_seed: None,
            timings: summary.timings.clone(),
            findings: summary.findings,
            amount_at_risk: summary.amount_at_risk,
            by_category: summary.by_category.clone(),
            alert,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_names_count_up_per_date() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(next_run_name(dir.path(), "2026-03-31"), "2026-03-31-1");
        std::fs::create_dir(dir.path().join("2026-03-31-1")).unwrap();
        std::fs::create_dir(dir.path().join("2026-03-31-7")).unwrap();
        std::fs::create_dir(dir.path().join("2026-04-01-9")).unwrap();
        assert_eq!(next_run_name(dir.path(), "2026-03-31"), "2026-03-31-8");
    }
}
