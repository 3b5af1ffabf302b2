//! A Ballista executor that knows fundaudit's functions (`--engine ballista`). Stock
//! executors fail fundaudit's tasks: Ballista looks functions up by name in the
//! executor's own registry. Takes Ballista's executor options (`--help`); the stage
//! must be at the same path here as on the client.

use std::sync::Arc;

use ballista_executor::config::Config;
use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
use clap::Parser;

#[tokio::main]
async fn main() -> ballista_core::error::Result<()> {
    let mut config: ExecutorProcessConfig = Config::parse().try_into()?;
    config.override_function_registry =
        Some(Arc::new(fundaudit_ballista::functions::function_registry()));
    tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(std::io::stderr)
        .init();
    start_executor_process(Arc::new(config)).await
}
