//! The audit on Apache DataFusion Ballista (`--engine ballista`, cargo feature
//! `distributed`; [`wire`] is always built).
//!
//! A partitioned run ([`crate::partition`]) already cuts the payments into units whose
//! findings do not depend on each other: whole components of allocation, person and
//! account. On a cluster each unit is one task:
//!
//! ```text
//!  client                          scheduler                 executors (fundaudit-executor)
//!  people, units (as local) ──SQL──► plan: UNION ALL of ──► fundaudit_unit(unit, job):
//!  SELECT unit,                      one-row branches, a      people built once per process
//!   fundaudit_unit(unit, job)        task per unit            from the stage (shared path),
//!                                                             the unit read, linked, the
//!  ◄── one Binary per unit ────────────────────────────────── rules run → findings + rows
//!  finish: stack in unit order → score, cases, reports (the local code)
//! ```
//!
//! Why a scalar function over a table of units, and not a UDAF or a custom plan node: a
//! unit's rules need its rows whole and together (payments and allocations of one
//! component); a UDAF's partial states would be every row shuffled to the final stage,
//! and a plan node needs a codec in client, scheduler and executors. The function reads
//! its unit from the stage, which every executor sees at the same path, so no row of
//! the ledgers crosses the network — only the findings and the rows they name. The rule
//! logic is the library's ([`crate::partition::Prepared::audit_unit`]): the local and
//! the distributed engine cannot disagree on a finding.
//!
//! Identity resolution runs on the cluster first ([`identity`]): the registry's blocking
//! joins as a DataFusion plan, the matched pairs back to the client, clustered there and
//! sent to the executors in the job. What this does not yet do (see the README): give
//! each executor only the people its units name — each still loads the whole registry,
//! death list and officials.

#[cfg(feature = "distributed")]
mod cluster;
#[cfg(feature = "distributed")]
pub mod functions;
#[cfg(feature = "distributed")]
pub mod identity;
pub mod wire;

#[cfg(feature = "distributed")]
pub use cluster::{connect, in_process, in_process_with, Cluster};

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::parse::Day;
use crate::partition::Prepared;

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
    /// ([`identity::resolve`]): each executor compares and clusters them as the client
    /// did, so every process holds the client's persons and none blocks the registry.
    pub matched: Vec<(u32, u32)>,
}

impl Job {
    /// The job of auditing `stage` as the client sees it now.
    pub fn new(
        stage: &std::path::Path,
        config: &Config,
        as_of: Day,
        matched: Vec<(u32, u32)>,
    ) -> Result<Job> {
        let stage = std::path::absolute(stage).map_err(|e| Error::Argument(e.to_string()))?;
        Ok(Job {
            stage_sha256: crate::runs::sha256_file(&stage.join(crate::input::stage::MANIFEST))?,
            stage,
            config: config.clone(),
            as_of,
            matched,
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
        let manifest = self.stage.join(crate::input::stage::MANIFEST);
        let here = crate::runs::sha256_file(&manifest)?;
        if here != self.stage_sha256 {
            return Err(Error::Argument(format!(
                "{} is not the stage the client audits (manifest SHA-256 {here}, the client's {}): stage once, on a path every executor and the client read",
                self.stage.display(),
                self.stage_sha256
            )));
        }
        let ledgers = crate::input::Ledgers::load(&self.stage, &self.config)?;
        let people = crate::context::Context::people_with(
            ledgers,
            self.config.clone(),
            self.as_of,
            |reg, config| {
                Ok(crate::identity::Dedup::of_pairs(
                    reg,
                    config,
                    &self.matched,
                    Default::default(),
                    Vec::new(),
                ))
            },
        )?;
        crate::partition::prepare(people)
    }
}

/// Audits every unit of `prepared` on the cluster, one task a unit, and puts the results
/// together as a local run does.
#[cfg(feature = "distributed")]
pub fn audit(
    prepared: Prepared,
    job: &Job,
    cluster: &Cluster,
) -> Result<crate::partition::Audited> {
    use datafusion::arrow::array::{Array, BinaryArray, Int64Array};
    use datafusion::execution::FunctionRegistry;
    use datafusion::logical_expr::{col, lit};

    let n = prepared.units();
    let json = job.to_json()?;
    let fail = |e: &dyn std::fmt::Display| Error::Cluster {
        scheduler: cluster.scheduler.clone(),
        message: e.to_string(),
    };
    let batches = cluster
        .runtime
        .block_on(async {
            // Exactly one task per unit: each unit is a one-row branch of a UNION ALL, and
            // a union's partitions are its branches', so Ballista runs one task per
            // branch, with no shuffle. (A repartition is planned away — nothing
            // downstream asks for it — and a hash of the ids leaves some partitions
            // empty and gives others two or three units.)
            let udf = cluster.ctx.udf(functions::UNIT)?;
            let mut units: Option<datafusion::dataframe::DataFrame> = None;
            for k in 0..n {
                let one = cluster
                    .ctx
                    .sql(&format!("SELECT CAST({k} AS BIGINT) AS unit"))
                    .await?;
                units = Some(match units {
                    None => one,
                    Some(all) => all.union(one)?,
                });
            }
            let Some(units) = units else {
                return Ok(Vec::new());
            };
            units
                .select(vec![
                    col("unit"),
                    udf.call(vec![col("unit"), lit(json)]).alias("result"),
                ])?
                .collect()
                .await
        })
        .map_err(|e| fail(&e))?;
    let mut results: Vec<Option<crate::partition::UnitResult>> = (0..n).map(|_| None).collect();
    let mut bytes = 0usize;
    for batch in &batches {
        let units =
            functions::downcast::<Int64Array>(batch.column(0), "unit").map_err(|e| fail(&e))?;
        let blobs =
            functions::downcast::<BinaryArray>(batch.column(1), "result").map_err(|e| fail(&e))?;
        for i in 0..batch.num_rows() {
            let k = units.value(i) as usize;
            if blobs.is_null(i) || k >= n {
                return Err(fail(&format!("no result for unit {k}")));
            }
            bytes += blobs.value(i).len();
            results[k] = Some(wire::decode(blobs.value(i))?);
        }
    }
    // What crossed the network back: the findings and the rows they name, per unit.
    tracing::info!(
        units = n,
        result_bytes = bytes,
        "{n} units audited on the cluster, {:.1} MB of results",
        bytes as f64 / 1e6
    );
    let results = results
        .into_iter()
        .enumerate()
        .map(|(k, r)| r.ok_or_else(|| fail(&format!("unit {k} of {n} never came back"))))
        .collect::<Result<Vec<_>>>()?;
    prepared.finish(results)
}
