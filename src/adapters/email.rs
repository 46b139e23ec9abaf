//! `[email]`: the email adapter.

use std::sync::Arc;

use switchboard_core::adapter::Adapter;

/// The email adapters, when `[email]` is configured.
pub(super) fn build(config: &bridge_config::Config) -> anyhow::Result<Vec<Arc<dyn Adapter>>> {
    if config.email.is_some() {
        anyhow::bail!(
            "this build of switchboard has no adapter for [email] yet: remove that section"
        );
    }
    Ok(Vec::new())
}
