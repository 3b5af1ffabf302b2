//! A Ballista scheduler that knows fundaudit's functions: it turns the client's plan,
//! which names them, into tasks (a stock scheduler cannot read such a plan). Takes
//! Ballista's scheduler options (`--help`).

use std::sync::Arc;

use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::{Config, SchedulerConfig};
use ballista_scheduler::scheduler_process::start_server;
use clap::Parser;

#[tokio::main]
async fn main() -> ballista_core::error::Result<()> {
    let opt = Config::parse();
    let addr = format!("{}:{}", opt.bind_host, opt.bind_port)
        .parse()
        .map_err(|e: std::net::AddrParseError| {
            ballista_core::error::BallistaError::Configuration(e.to_string())
        })?;
    let config: SchedulerConfig = opt.try_into()?;
    let config = config
        .with_override_session_builder(Arc::new(fundaudit_ballista::functions::session_state));
    tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(std::io::stderr)
        .init();
    let cluster = BallistaCluster::new_from_config(&config).await?;
    start_server(cluster, addr, Arc::new(config)).await
}
