//! Reaching a Ballista cluster: a scheduler at `df://HOST:PORT`, or one started in this
//! process with executors built from the production registry (tests, one machine).

use std::sync::Arc;

use ballista::prelude::{SessionConfigExt, SessionContextExt};
use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
use ballista_core::serde::BallistaCodec;
use ballista_core::{ConfigProducer, RuntimeProducer};
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::prelude::{SessionConfig, SessionContext};

use super::functions;
use fundaudit_core::error::{Error, Result};

/// A session on a cluster, and the runtime its calls (and, in process, its servers) run on.
pub struct Cluster {
    pub(super) ctx: SessionContext,
    pub(super) runtime: tokio::runtime::Runtime,
    /// Where the scheduler is, for messages.
    pub(super) scheduler: String,
}

impl Cluster {
    /// `df://HOST:PORT`, or where the in-process scheduler listens.
    pub fn scheduler(&self) -> &str {
        &self.scheduler
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Cluster {
            scheduler: "-".into(),
            message: format!("cannot start the async runtime: {e}"),
        })
}

/// Ballista's defaults with `partitions` per shuffle (`[scale] cluster_partitions`; the
/// audit's query makes its own, a unit each), and Ballista's static planner: the
/// adaptive one (on by default in 55) is experimental, and it picks each join's mode at
/// run time, where a plan should say how it spreads before it runs.
fn config(partitions: usize) -> SessionConfig {
    SessionConfig::new_with_ballista()
        .with_target_partitions(partitions)
        .set_str(
            ballista_core::config::BALLISTA_ADAPTIVE_PLANNER_ENABLED,
            "false",
        )
}

/// A session on the scheduler at `url` (`df://HOST:PORT`); its executors must be
/// `fundaudit-executor`s that read the stage at the same path as this client.
pub fn connect(url: &str, partitions: usize) -> Result<Cluster> {
    let runtime = runtime()?;
    let fail = |e: &dyn std::fmt::Display| Error::Cluster {
        scheduler: url.to_string(),
        message: format!("{e}; is `fundaudit-scheduler` running there?"),
    };
    // The session connects only when it runs a query: knock first, to say it here.
    let grpc = url.replacen("df://", "http://", 1);
    runtime
        .block_on(SchedulerGrpcClient::connect(grpc))
        .map_err(|e| fail(&e))?;
    let state = functions::session_state(config(partitions)).map_err(|e| fail(&e))?;
    let ctx = runtime
        .block_on(SessionContext::remote_with_state(url, state))
        .map_err(|e| fail(&e))?;
    Ok(Cluster {
        ctx: with_functions(ctx),
        runtime,
        scheduler: url.to_string(),
    })
}

/// A scheduler and `executors` executors in this process, on localhost ports the system
/// picks, each executor with `slots` task slots. The scheduler plans with
/// [`functions::session_state`] and the executors run with
/// [`functions::function_registry`] — the production ones, not the client's session: a
/// function missing from the executors' registry fails here as on a real cluster.
pub fn in_process(executors: usize, slots: usize, partitions: usize) -> Result<Cluster> {
    in_process_with(executors, slots, partitions, functions::function_registry())
}

/// As [`in_process`], the executors built with `registry` (a test gives them Ballista's
/// stock registry, to see a job fail as on a cluster of stock executors).
pub fn in_process_with(
    executors: usize,
    slots: usize,
    partitions: usize,
    registry: ballista_core::registry::BallistaFunctionRegistry,
) -> Result<Cluster> {
    let registry = Arc::new(registry);
    let runtime = runtime()?;
    let fail = |e: &dyn std::fmt::Display| Error::Cluster {
        scheduler: "in-process".into(),
        message: e.to_string(),
    };
    let url = runtime.block_on(async {
        let builder: ballista_scheduler::scheduler_server::SessionBuilder =
            Arc::new(functions::session_state);
        let producer: ConfigProducer = Arc::new(move || config(partitions));
        let addr = ballista_scheduler::standalone::new_standalone_scheduler_with_builder(
            builder,
            producer,
            BallistaCodec::default(),
        )
        .await
        .map_err(|e| fail(&e))?;
        let grpc = format!("http://localhost:{}", addr.port());
        for _ in 0..executors {
            // The scheduler takes a moment to listen.
            let mut tries = 0;
            let scheduler = loop {
                match SchedulerGrpcClient::connect(grpc.clone()).await {
                    Ok(client) => break client,
                    Err(e) if tries >= 50 => return Err(fail(&e)),
                    Err(_) => {
                        tries += 1;
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    }
                }
            };
            let producer: ConfigProducer = Arc::new(move || config(partitions));
            let runtime: RuntimeProducer = Arc::new(|_| Ok(Arc::new(RuntimeEnv::default())));
            ballista_executor::new_standalone_executor_from_builder(
                scheduler,
                slots,
                producer,
                runtime,
                BallistaCodec::default(),
                clone_registry(&registry),
            )
            .await
            .map_err(|e| fail(&e))?;
        }
        Ok::<_, Error>(format!("df://localhost:{}", addr.port()))
    })?;
    let state = functions::session_state(config(partitions)).map_err(|e| fail(&e))?;
    let ctx = runtime
        .block_on(SessionContext::remote_with_state(&url, state))
        .map_err(|e| fail(&e))?;
    Ok(Cluster {
        ctx: with_functions(ctx),
        runtime,
        scheduler: url,
    })
}

/// Ballista's session upgrade replaces the state's functions with its own; fundaudit's
/// go back in after it.
fn with_functions(ctx: SessionContext) -> SessionContext {
    for f in functions::udfs() {
        ctx.register_udf(f.as_ref().clone());
    }
    for f in functions::udafs() {
        ctx.register_udaf(f.as_ref().clone());
    }
    ctx
}

/// The registry is moved into each executor; its maps of shared functions copy cheaply.
fn clone_registry(
    r: &ballista_core::registry::BallistaFunctionRegistry,
) -> ballista_core::registry::BallistaFunctionRegistry {
    ballista_core::registry::BallistaFunctionRegistry {
        scalar_functions: r.scalar_functions.clone(),
        aggregate_functions: r.aggregate_functions.clone(),
        window_functions: r.window_functions.clone(),
        higher_order_functions: r.higher_order_functions.clone(),
    }
}
