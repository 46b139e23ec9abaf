//! Which adapters the configuration asks for: one module per network, each turning its config section into
//! adapters.

mod email;
mod irc;
mod xmpp;

use std::sync::Arc;

use switchboard_core::adapter::Adapter;

/// The adapters for every network section present in the config.
pub(crate) fn build(config: &bridge_config::Config) -> anyhow::Result<Vec<Arc<dyn Adapter>>> {
    let mut adapters: Vec<Arc<dyn Adapter>> = Vec::new();
    adapters.extend(xmpp::build(config)?);
    adapters.extend(irc::build(config)?);
    adapters.extend(email::build(config)?);
    Ok(adapters)
}
