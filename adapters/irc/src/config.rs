//! What the IRC adapter is told by the operator: the configured networks and how to treat the others.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use switchboard_core::address::CaseMapping;

use crate::client::Sasl;
use crate::wire::Charset;

/// The IRC adapter's settings (`[irc]` and its `[irc.networks.NAME]` tables).
#[derive(Debug, Clone)]
pub struct IrcAdapterConfig {
    /// `[irc.networks.NAME]`, by lowercase network name (the NETWORK of `irc://NETWORK/...` addresses).
    pub networks: BTreeMap<String, NetworkSettings>,
    /// `open`: any host name may be used as a network, with [`IrcAdapterConfig::open_defaults`].
    pub open: bool,
    /// How an unconfigured network of an open gateway is used (its host and port are the network's name
    /// with TLS on 6697 first, then plain 6667).
    pub open_defaults: NetworkSettings,
    /// The channels of each network that static bridges join, by network: the gateway's own relay connection
    /// sits in them to hear what is said.
    pub bridged_channels: BTreeMap<String, Vec<String>>,
    /// The real name puppets register with; `{jid}` is replaced by the XMPP user's bare JID.
    pub realname: String,
}

impl IrcAdapterConfig {
    /// A gateway with no networks yet; add them to `networks`.
    pub fn new() -> Self {
        Self {
            networks: BTreeMap::new(),
            open: false,
            open_defaults: NetworkSettings::new("", 6697, true),
            bridged_channels: BTreeMap::new(),
            realname: "Switchboard gateway user".to_owned(),
        }
    }

    /// The settings for `network`: its own table, or, on an open gateway, the defaults aimed at that host.
    pub fn network(&self, network: &str) -> Option<NetworkSettings> {
        if let Some(settings) = self.networks.get(network) {
            return Some(settings.clone());
        }
        if !self.open {
            return None;
        }
        let mut settings = self.open_defaults.clone();
        settings.host = network.to_owned();
        settings.port = 6697;
        settings.tls = true;
        settings.plain_fallback_port = Some(6667);
        Some(settings)
    }
}

impl IrcAdapterConfig {
    /// Whether `channel` of `network` is an endpoint of a static bridge.
    pub fn is_bridged(&self, network: &str, channel: &str, mapping: CaseMapping) -> bool {
        self.bridged_channels.get(network).is_some_and(|channels| {
            channels
                .iter()
                .any(|c| mapping.fold(c) == mapping.fold(channel))
        })
    }
}

impl Default for IrcAdapterConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// One IRC network (`[irc.networks.NAME]`).
#[derive(Debug, Clone)]
pub struct NetworkSettings {
    /// Host to connect to.
    pub host: String,
    /// Port to connect to.
    pub port: u16,
    /// Whether to use TLS.
    pub tls: bool,
    /// A plain-text port tried when TLS on `port` cannot connect (open gateways: 6697 first, then 6667).
    pub plain_fallback_port: Option<u16>,
    /// Certificates to trust instead of the web PKI roots (a private network's own CA; tests).
    pub tls_roots: Option<Arc<rustls::RootCertStore>>,
    /// The nick of the gateway's own relay connection.
    pub nick: String,
    /// `flood_burst`: lines sent at once before throttling.
    pub flood_burst: u32,
    /// `flood_per_second`: sustained lines per second; 0 disables flood control.
    pub flood_per_second: f64,
    /// `max_lines`: most IRC lines one message may become; 0 means no limit.
    pub max_lines: usize,
    /// `charset`: decoding of lines that are not UTF-8.
    pub charset: Charset,
    /// SASL credentials of the relay connection.
    pub sasl: Option<Sasl>,
    /// `max_puppets`: most per-person connections open at once on this network.
    pub max_puppets: usize,
    /// `relay`: speak for every bridged person through the relay connection (`<nick> text`).
    pub relay: bool,
    /// How long a connection attempt may take.
    pub connect_timeout: Duration,
    /// How often an idle connection is checked with PING.
    pub ping_interval: Duration,
    /// Reconnect backoff bounds.
    pub reconnect_min: Duration,
    /// Reconnect backoff bounds.
    pub reconnect_max: Duration,
}

impl NetworkSettings {
    /// A network at `host:port` with the documented defaults.
    pub fn new(host: &str, port: u16, tls: bool) -> Self {
        Self {
            host: host.to_owned(),
            port,
            tls,
            plain_fallback_port: None,
            tls_roots: None,
            nick: "switchboard".to_owned(),
            flood_burst: 5,
            flood_per_second: 2.0,
            max_lines: 10,
            charset: Charset::Latin1,
            sasl: None,
            max_puppets: 50,
            relay: false,
            connect_timeout: Duration::from_secs(20),
            ping_interval: Duration::from_secs(120),
            reconnect_min: Duration::from_secs(1),
            reconnect_max: Duration::from_secs(300),
        }
    }
}
