//! What the XMPP adapter needs to run, built by the binary from the `[xmpp]` section.

use std::time::Duration;

use switchboard_core::address::XmppAddress;
use switchboard_core::router::Backoff;
use switchboard_core::store::Secret;

use crate::proto::StreamLimits;
use crate::transport::TransportDomains;

/// The XMPP adapter's settings.
#[derive(Debug, Clone)]
pub struct XmppAdapterConfig {
    /// The server's component port, `host:port` (`[xmpp] server`).
    pub server: String,
    /// The domain the server itself serves, used as the target of the confirmation pings; by default the
    /// component domain without its first label (`gw.example.org` -> `example.org`).
    pub server_domain: String,
    /// The shared component secret (`[xmpp] secret`); never logged.
    pub secret: Secret,
    /// The component domains and the legacy network each fronts; the first is the main domain.
    pub domains: TransportDomains,
    /// Stream limits (stanza size, depth).
    pub limits: StreamLimits,
    /// How often a whitespace keep-alive is sent on an idle stream (RFC 6120 §4.6.1).
    pub keepalive: Duration,
    /// How long to wait for the server at each set-up step.
    pub connect_timeout: Duration,
    /// Reconnection backoff.
    pub reconnect: Backoff,
    /// How many outbound stanzas may wait per domain while the server is unreachable; past that, senders get
    /// an error instead.
    pub max_queued: usize,
    /// The name shown in service discovery and XEP-0092.
    pub name: String,
    /// Existing MUC rooms to bridge (the `xmpp:` endpoints of `[[bridge]]`): the component joins each with a
    /// listener and speaks in it through one occupant per remote person.
    pub rooms: Vec<XmppAddress>,
    /// The listener occupant's nick in those rooms.
    pub room_nick: String,
    /// Who may run the admin ad-hoc commands (`[xmpp] admins`).
    pub admins: Vec<XmppAddress>,
}

impl XmppAdapterConfig {
    /// Settings for `domains` on `server` with `secret`, and defaults for the rest.
    pub fn new(server: &str, secret: Secret, domains: TransportDomains) -> Self {
        let main = domains
            .domains()
            .next()
            .map(|(domain, _)| domain.to_owned())
            .unwrap_or_default();
        let server_domain = main
            .split_once('.')
            .map(|(_, parent)| parent.to_owned())
            .unwrap_or_else(|| main.clone());
        Self {
            server: server.to_owned(),
            server_domain,
            secret,
            domains,
            limits: StreamLimits::default(),
            keepalive: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            reconnect: Backoff {
                initial: Duration::from_millis(250),
                max: Duration::from_secs(30),
                multiplier: 2.0,
                jitter: 0.3,
                reset_after: Duration::from_secs(60),
            },
            max_queued: 10_000,
            name: "Switchboard".to_owned(),
            rooms: Vec::new(),
            room_nick: "switchboard".to_owned(),
            admins: Vec::new(),
        }
    }
}
