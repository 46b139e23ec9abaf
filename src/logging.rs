//! tracing set-up: human-readable by default, JSON on request; `RUST_LOG` overrides the config's filter.

use anyhow::Context;
use tracing_subscriber::EnvFilter;

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum LogFormat {
    /// One readable line per event.
    Human,
    /// One JSON object per event, for log collectors.
    Json,
}

/// Installs the global subscriber with `filter` (the config's `[gateway] log`) unless `RUST_LOG` is set.
pub(crate) fn init(filter: &str, format: LogFormat) -> anyhow::Result<()> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(from_env) if !from_env.is_empty() => EnvFilter::try_new(&from_env)
            .with_context(|| format!("RUST_LOG={from_env} is not a valid tracing filter"))?,
        _ => EnvFilter::try_new(filter)
            .with_context(|| format!("[gateway] log = {filter:?} is not a valid tracing filter"))?,
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    result.map_err(|e| anyhow::anyhow!("installing the logger failed: {e}"))
}
