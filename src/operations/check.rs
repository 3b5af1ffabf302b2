//! `fundaudit check`: read and validate the inputs without auditing them. What an auditor
//! runs first on a new export: which file was read how (encoding, delimiter, sheet),
//! which header became which field, and which rows are rejected and why.

use std::path::Path;

use fundaudit_core::config::Config;
use fundaudit_core::error::Result;
use fundaudit_input::{FileCount, Inputs};
use fundaudit_report::report::{input_lines, unused_lines, write_rejects};

/// The accounting of every input file, and where the rejects were written.
pub struct CheckReport {
    pub files: Vec<FileCount>,
    pub rejects: usize,
    pub unused: Vec<String>,
}

impl CheckReport {
    pub fn render(&self) -> String {
        input_lines(&self.files, true) + &unused_lines(&self.unused)
    }
}

/// Loads every input in `data_dir` as the audit would; writes rejects.csv into `out_dir`
/// when given.
pub fn check_inputs(
    data_dir: &Path,
    config: &Config,
    out_dir: Option<&Path>,
) -> Result<CheckReport> {
    if let Some(out) = out_dir {
        fundaudit_core::safe_fs::refuse_existing(out, &["rejects.csv"], "--out")?;
    }
    let ledgers = Inputs::load(data_dir, config)?;
    if let Some(out) = out_dir {
        std::fs::create_dir_all(out).map_err(|e| fundaudit_core::error::Error::Write {
            path: out.display().to_string(),
            message: e.to_string(),
        })?;
        write_rejects(&ledgers.rejects, &out.join("rejects.csv"), false)?;
    }
    Ok(CheckReport {
        unused: ledgers.unused,
        files: ledgers.counts,
        rejects: ledgers.rejects.len(),
    })
}
