//! Which adapters the configuration asks for, registered with a plain match per network.

use std::sync::Arc;

use switchboard_core::adapter::Adapter;
use switchboard_core::address::Address;
use switchboard_core::store::Secret;
use switchboard_xmpp::transport::{LegacyNetwork, TransportDomains};
use switchboard_xmpp::{XmppAdapter, XmppAdapterConfig};

/// The adapters for every network section present in the config.
///
/// The network adapters arrive one issue at a time; until a network's adapter is part of this build, a
/// config that names it is refused with a message saying so, rather than silently ignored.
pub(crate) fn build(config: &bridge_config::Config) -> anyhow::Result<Vec<Arc<dyn Adapter>>> {
    let mut adapters: Vec<Arc<dyn Adapter>> = Vec::new();
    if let Some(xmpp) = &config.xmpp {
        let mut domains = TransportDomains::default();
        // The main domain fronts IRC, as Biboumi's does, unless [irc] names a domain of its own.
        let irc_domain = config
            .irc
            .as_ref()
            .and_then(|irc| irc.xmpp_domain.clone())
            .unwrap_or_else(|| xmpp.domain.clone());
        domains.add(&irc_domain, LegacyNetwork::Irc);
        if irc_domain != xmpp.domain {
            domains.add(&xmpp.domain, LegacyNetwork::Irc);
        }
        if let Some(email_domain) = config.email.as_ref().and_then(|e| e.xmpp_domain.as_ref()) {
            domains.add(email_domain, LegacyNetwork::Email);
        }
        let mut settings = XmppAdapterConfig::new(
            &xmpp.server.to_string(),
            Secret::new(xmpp.secret.expose()),
            domains,
        );
        settings.admins = xmpp.admins.clone();
        // Every xmpp: endpoint of a bridge is an existing MUC the component joins.
        settings.rooms = config
            .bridges
            .iter()
            .flat_map(|bridge| &bridge.endpoints)
            .filter_map(|endpoint| match endpoint {
                Address::Xmpp(room) => Some(room.bare()),
                _ => None,
            })
            .collect();
        adapters.push(Arc::new(XmppAdapter::new(settings)));
    }
    let mut missing = Vec::new();
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
