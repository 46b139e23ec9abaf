//! `[irc]`: the irc adapter.

use std::sync::Arc;

use switchboard_core::adapter::Adapter;

/// The irc adapters, when `[irc]` is configured.
pub(super) fn build(config: &bridge_config::Config) -> anyhow::Result<Vec<Arc<dyn Adapter>>> {
    if config.irc.is_some() {
        anyhow::bail!(
            "this build of switchboard has no adapter for [irc] yet: remove that section"
        );
    }
    Ok(Vec::new())
}
