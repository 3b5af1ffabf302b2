//! Where the inputs are and how to read them ([`InputArgs`], every command that reads
//! them), where and how a run writes ([`OutputArgs`], `run` and `screen`).

use std::path::PathBuf;

use clap::Args;

use fundaudit_core::cells;
use fundaudit_core::config::Config;
use fundaudit_core::error::Error;
use fundaudit_core::policy::Policy;

/// Where the inputs are and how to read them: shared by every command that reads them.
#[derive(Args)]
pub struct InputArgs {
    /// Folder holding beneficiaries, allocations, payments and, when available, deaths
    /// and officials (.csv, .tsv, .txt, .xlsx, .xls, .ods or .parquet).
    #[arg(long, default_value = "sample_data")]
    pub data: PathBuf,
    /// TOML config; keys left out keep their defaults (see `fundaudit config`).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

impl InputArgs {
    /// The config, its `[limits]` put in force for every reader of this process.
    pub fn config(&self) -> Result<Config, Error> {
        let config = match &self.config {
            Some(path) => Config::from_file(path)?,
            None => Config::default(),
        };
        fundaudit_input::limits::set(config.limits);
        Ok(config)
    }

    /// The rule texts: the file the config's `[report] policy` names over the built-in
    /// ones (read before a run starts, so a typo fails in a second, not after the audit).
    pub fn policy(config: &Config) -> Result<Policy, Error> {
        match config.report.policy.trim() {
            "" => Ok(Policy::default()),
            path => Policy::from_file(std::path::Path::new(path)),
        }
    }
}

/// Where and how a run writes: shared by `run` and `screen`.
#[derive(Args)]
pub struct OutputArgs {
    /// Reports folder: each run goes to a new <reports>/<as-of>-<n>/, and
    /// <reports>/latest points at the last complete one [default: reports].
    #[arg(long)]
    pub reports: Option<PathBuf>,
    /// Write this run exactly into DIR instead, replacing an earlier run there. DIR must
    /// be new, empty, or hold an earlier fundaudit run and nothing else.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Reference date YYYY-MM-DD for "unpaid past due" [default: today].
    #[arg(long)]
    pub as_of: Option<String>,
    /// Print nothing on success.
    #[arg(long)]
    pub quiet: bool,
    /// Write ID and account numbers in full in the reports (default: masked, e.g.
    /// 411623********123X and ****6090). Only for systems entitled to them.
    #[arg(long)]
    pub unmasked: bool,
    /// Language of report.html: zh (default) or en.
    #[arg(long, default_value = "zh")]
    pub lang: fundaudit_report::html::words::Lang,
}

impl OutputArgs {
    pub fn as_of(&self) -> Result<fundaudit_core::cells::Day, Error> {
        match &self.as_of {
            Some(s) => {
                let day = cells::parse_date(s)
                    .map_err(|why| Error::Argument(format!("--as-of: {why}")))?;
                // Days since 1970-01-01: 0 and 2100-12-31. A date outside is a typo, and
                // would make every allocation overdue or none.
                if !(0..=47846).contains(&day) {
                    return Err(Error::Argument(format!(
                        "--as-of {s}: give a date between 1970-01-01 and 2100-12-31"
                    )));
                }
                Ok(day)
            }
            None => Ok(cells::today()),
        }
    }

    /// The reports folder: the one named; none for a run written only to --out; else
    /// `reports`.
    pub fn reports(&self) -> Option<PathBuf> {
        match (&self.reports, &self.out) {
            (Some(r), _) => Some(r.clone()),
            (None, Some(_)) => None,
            (None, None) => Some(PathBuf::from("reports")),
        }
    }
}
