//! Where a run's rules and identity resolution run: here, or on a Ballista cluster
//! (`--engine ballista`, the `distributed` build). The only place the run knows of the
//! engine.

use super::options::{Engine, RunOptions};
use fundaudit_audit::partition;
use fundaudit_core::error::{Error, Result};
use fundaudit_input::Inputs;
use fundaudit_rules::context::{Context, People};

/// The cluster a run audits on; in a build without the engine, a type with no value.
#[cfg(feature = "distributed")]
pub(super) type Cluster = fundaudit_ballista::Cluster;
#[cfg(not(feature = "distributed"))]
pub(super) type Cluster = std::convert::Infallible;

/// The cluster the options name, reached before anything is loaded (a scheduler that is
/// not there is said at once, not after the people are built); None to run here.
pub(super) fn reach(opts: &RunOptions) -> Result<Option<Cluster>> {
    let Engine::Ballista { scheduler } = &opts.engine else {
        return Ok(None);
    };
    #[cfg(feature = "distributed")]
    {
        // Executors read a stage, not the files.
        if !fundaudit_input::stage::is_stage(&opts.data_dir) {
            return Err(Error::Argument(format!(
                "--engine ballista reads a stage, and {} is not one: run `fundaudit stage --data {} --out STAGE` to a folder every executor reads at the same path, then `fundaudit run --data STAGE --engine ballista`",
                opts.data_dir.display(),
                opts.data_dir.display()
            )));
        }
        // A stage made by an older fundaudit lacks the columns the cluster's plans read
        // (row numbers, plain text): said now, before the cluster is asked anything.
        fundaudit_input::stage::registry_file(&opts.data_dir)?;
        fundaudit_input::stage::part_files(&opts.data_dir)?;
        let partitions = opts.config.scale.cluster_partitions.max(1);
        Ok(Some(match scheduler {
            Some(url) => fundaudit_ballista::connect(url, partitions)?,
            // Two executors of one slot: twice as many partitions.
            None => fundaudit_ballista::in_process(2, 1, partitions.min(4))?,
        }))
    }
    // Without the engine, whether the data is a stage does not matter.
    #[cfg(not(feature = "distributed"))]
    {
        let _ = scheduler;
        Err(Error::Argument(
            "--engine ballista needs the distributed build: cargo build --release --features distributed".into(),
        ))
    }
}

/// The run's people, their duplicate registrations found here (or already, beside the
/// loading: `resolved`) or on the cluster.
pub(super) fn people(
    ledgers: Inputs,
    resolved: Option<Result<People>>,
    opts: &RunOptions,
    cluster: Option<&Cluster>,
) -> Result<Context> {
    let (config, as_of) = (opts.config.clone(), opts.as_of);
    match cluster {
        None => match resolved {
            Some(people) => Ok(Context::of_people(ledgers, config, as_of, people?)),
            None => Context::people(ledgers, config, as_of),
        },
        #[cfg(feature = "distributed")]
        Some(cluster) => {
            tracing::info!(scheduler = %cluster.scheduler(), "resolving identities on the cluster");
            Context::people_with(ledgers, config, as_of, |reg, config| {
                fundaudit_ballista::identity::resolve(cluster, &opts.data_dir, reg, config)
            })
        }
        #[cfg(not(feature = "distributed"))]
        Some(cluster) => match *cluster {},
    }
}

/// The rules over every unit of the run, here or on the cluster.
pub(super) fn audit(
    people: Context,
    // Read by the cluster's arm only.
    #[cfg_attr(not(feature = "distributed"), allow(unused_variables))] opts: &RunOptions,
    cluster: Option<&Cluster>,
) -> Result<partition::Audited> {
    match cluster {
        None => partition::audit(people),
        #[cfg(feature = "distributed")]
        Some(cluster) => {
            let matched = people.dedup.matched();
            let prepared = partition::prepare(people)?;
            let job = fundaudit_ballista::Job::new(
                &opts.data_dir,
                &opts.config,
                opts.as_of,
                matched,
                &prepared,
            )?;
            tracing::info!(scheduler = %cluster.scheduler(), "auditing the units on the cluster");
            fundaudit_ballista::audit(prepared, &job, cluster)
        }
        #[cfg(not(feature = "distributed"))]
        Some(cluster) => match *cluster {},
    }
}
