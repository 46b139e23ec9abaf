//! `[xmpp]`: the XEP-0114 component, fronting the legacy networks' domains.

use std::sync::Arc;

use switchboard_core::adapter::Adapter;
use switchboard_core::address::Address;
use switchboard_core::store::Secret;
use switchboard_xmpp::transport::{LegacyNetwork, TransportDomains};
use switchboard_xmpp::{XmppAdapter, XmppAdapterConfig};

/// The XMPP adapter, when `[xmpp]` is configured.
pub(super) fn build(config: &bridge_config::Config) -> anyhow::Result<Option<Arc<dyn Adapter>>> {
    let Some(xmpp) = &config.xmpp else {
        return Ok(None);
    };
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
    Ok(Some(Arc::new(XmppAdapter::new(settings))))
}
