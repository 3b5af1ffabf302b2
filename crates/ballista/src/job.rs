//! What an executor needs to audit a unit ([`Job`]): the stage, the config, the as-of date
//! and the client's matched pairs and units, so its people and units are the client's.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use fundaudit_audit::partition::Prepared;
use fundaudit_core::cells::Day;
use fundaudit_core::config::Config;
use fundaudit_core::error::{Error, Result};

/// What an executor needs to audit a unit: the stage (at a path it reads), the config
/// and the as-of date — so its people and units are the client's.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    pub stage: PathBuf,
    /// SHA-256 of the stage's manifest as the client read it. An executor whose path
    /// holds another stage (restaged since, another mount) refuses the task instead of
    /// auditing other data; and a restaged folder is a new job, so no executor reuses
    /// the people it built for the old one.
    pub stage_sha256: String,
    pub config: Config,
    pub as_of: Day,
    /// The registry's matched pairs (rows a < b), found once on the cluster
    /// ([`crate::identity::resolve`]): each executor compares and clusters them as the client
    /// did, so every process holds the client's persons and none blocks the registry.
    pub matched: Vec<(u32, u32)>,
    /// The whole-run facts and the stage parts of each unit, as the client counted
    /// and cut them: no executor reads the stage's payments and allocations for them.
    pub whole: fundaudit_rules::context::Whole,
    pub units: Vec<Vec<usize>>,
}

impl Job {
    /// The job of auditing `stage` as the client has `prepared` it.
    pub fn new(
        stage: &std::path::Path,
        config: &Config,
        as_of: Day,
        matched: Vec<(u32, u32)>,
        prepared: &Prepared,
    ) -> Result<Job> {
        let stage = std::path::absolute(stage).map_err(|e| Error::Argument(e.to_string()))?;
        let units = prepared.staged_parts().ok_or_else(|| {
            Error::Argument("the cluster audits a stage: run `fundaudit stage` first".into())
        })?;
        Ok(Job {
            stage_sha256: fundaudit_core::safe_fs::sha256_file(
                &stage.join(fundaudit_input::stage::MANIFEST),
            )?,
            stage,
            config: config.clone(),
            as_of,
            matched,
            whole: prepared.whole().clone(),
            units,
        })
    }

    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| Error::Argument(format!("job: {e}")))
    }

    pub fn from_json(text: &str) -> Result<Job> {
        serde_json::from_str(text).map_err(|e| Error::Argument(format!("job: {e}")))
    }

    /// The people and units of the job, as the client has them.
    pub fn prepare(&self) -> Result<Prepared> {
        let manifest = self.stage.join(fundaudit_input::stage::MANIFEST);
        let here = fundaudit_core::safe_fs::sha256_file(&manifest)?;
        if here != self.stage_sha256 {
            return Err(Error::Argument(format!(
                "{} is not the stage the client audits (manifest SHA-256 {here}, the client's {}): stage once, on a path every executor and the client read",
                self.stage.display(),
                self.stage_sha256
            )));
        }
        let ledgers = fundaudit_input::Inputs::load(&self.stage, &self.config)?;
        let people = fundaudit_rules::context::Context::people_with(
            ledgers,
            self.config.clone(),
            self.as_of,
            |reg, config| {
                Ok(fundaudit_identity::Dedup::of_pairs(
                    reg,
                    config,
                    &self.matched,
                    Default::default(),
                    Vec::new(),
                ))
            },
        )?;
        fundaudit_audit::partition::prepare_given(people, self.whole.clone(), self.units.clone())
    }
}
