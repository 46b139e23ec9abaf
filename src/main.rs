//! `switchboard`: the gateway's command line and composition root.
//!
//! `switchboard run --config FILE` starts the router and every configured adapter; `switchboard check
//! --config FILE` lists every problem in a config file.
#![forbid(unsafe_code)]

mod adapters;
mod logging;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use switchboard_core::router::{Bridge, ReloadHook, Route, RouteWhen, RouterBuilder, RoutingTable};
use switchboard_core::store::{SharedStore, SledStore};
use tokio::signal::unix::{SignalKind, signal};
use tracing::{error, info};

use crate::logging::LogFormat;

/// Switchboard: a multi-protocol instant-messaging gateway (XMPP, IRC, SIP/SIMPLE, SMS, email).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Log format: human-readable lines or one JSON object per line.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Human)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the gateway until Ctrl-C or SIGTERM.
    Run {
        /// The TOML configuration file.
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Checks a configuration file and lists every problem in it.
    Check {
        /// The TOML configuration file.
        #[arg(long, short)]
        config: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { config } => check(&config),
        Command::Run { config } => match run(&config, cli.log_format) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                error!(
                    error = format!("{error:#}"),
                    "Switchboard stopped on an error"
                );
                eprintln!("switchboard: {error:#}");
                ExitCode::FAILURE
            }
        },
    }
}

/// `switchboard check`: every problem on stderr and exit 1, or a one-line summary and exit 0.
fn check(path: &Path) -> ExitCode {
    match bridge_config::load(path) {
        Ok(config) => {
            println!("{}: ok: {}", path.display(), config.summary());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}

fn run(path: &Path, log_format: LogFormat) -> anyhow::Result<()> {
    let config = bridge_config::load(path).map_err(|e| anyhow::anyhow!("{e}"))?;
    logging::init(&config.gateway.log, log_format)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime failed")?;
    runtime.block_on(serve(config, path))
}

async fn serve(config: bridge_config::Config, config_path: &Path) -> anyhow::Result<()> {
    let store: SharedStore =
        Arc::new(SledStore::open(&config.gateway.data_dir).with_context(|| {
            format!("opening the store in {}", config.gateway.data_dir.display())
        })?);
    let adapters = adapters::build(&config)?;
    // An admin's reload reads the file again; a file with problems is refused and the old table stays.
    let path = config_path.to_owned();
    let reload = ReloadHook::new(move || {
        bridge_config::load(&path)
            .map(|config| routing_table(&config))
            .map_err(|error| error.to_string())
    });
    let mut builder = RouterBuilder::new(Arc::clone(&store))
        .table(routing_table(&config))
        .reload_hook(reload);
    for adapter in adapters {
        builder = builder.adapter(adapter);
    }
    // Listen for signals before announcing that we run, so a signal right after the announcement is ours.
    let mut terminate = signal(SignalKind::terminate()).context("listening for SIGTERM failed")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("listening for Ctrl-C failed")?;
    let mut hangup = signal(SignalKind::hangup()).context("listening for SIGHUP failed")?;
    let gateway = builder.start().context("starting the router failed")?;
    let control = gateway.control();
    tokio::spawn(async move {
        while hangup.recv().await.is_some() {
            match control.reload().await {
                Ok(summary) => info!(summary = %summary, "Reloaded on SIGHUP"),
                Err(reason) => error!(reason = %reason, "Reload on SIGHUP refused"),
            }
        }
    });
    let shutdown = gateway.shutdown_token();
    tokio::spawn(async move {
        tokio::select! {
            _ = terminate.recv() => info!(signal = "SIGTERM", "Shutting down"),
            _ = interrupt.recv() => info!(signal = "SIGINT", "Shutting down"),
        }
        shutdown.cancel();
    });
    info!(summary = %config.summary(), "Switchboard running");
    gateway.run_until_shutdown().await;
    store
        .flush()
        .context("flushing the store at shutdown failed")?;
    info!("Switchboard stopped");
    Ok(())
}

/// The router's view of `[[bridge]]` and `[[route]]`.
fn routing_table(config: &bridge_config::Config) -> RoutingTable {
    RoutingTable {
        bridges: config
            .bridges
            .iter()
            .map(|bridge| Bridge {
                name: bridge.name.clone(),
                endpoints: bridge.endpoints.clone(),
            })
            .collect(),
        routes: config
            .routes
            .iter()
            .map(|route| Route {
                from: route.from.clone(),
                to: route.to.clone(),
                when: match route.when {
                    bridge_config::RouteWhen::Always => RouteWhen::Always,
                    bridge_config::RouteWhen::Offline => RouteWhen::Offline,
                },
            })
            .collect(),
    }
}
