//! Which adapters the configuration asks for, registered with a plain match per network.

use std::sync::Arc;

use switchboard_core::adapter::Adapter;

/// The adapters for every network section present in the config.
///
/// The network adapters arrive one issue at a time; until a network's adapter is part of this build, a
/// config that names it is refused with a message saying so, rather than silently ignored.
pub(crate) fn build(config: &bridge_config::Config) -> anyhow::Result<Vec<Arc<dyn Adapter>>> {
    let adapters: Vec<Arc<dyn Adapter>> = Vec::new();
    let mut missing = Vec::new();
    if config.xmpp.is_some() {
        missing.push("[xmpp]");
    }
    if config.irc.is_some() {
        missing.push("[irc]");
    }
    if config.email.is_some() {
        missing.push("[email]");
    }
    if !missing.is_empty() {
        anyhow::bail!(
            "this build of switchboard has no adapter for {}: remove those sections or use a build that has them",
            missing.join(", ")
        );
    }
    Ok(adapters)
}
