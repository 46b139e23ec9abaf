//! The validated configuration the gateway runs with: every value checked, every secret resolved.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;
use switchboard_core::address::{Address, XmppAddress};

use crate::secret::Secret;

/// The whole configuration file.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `[gateway]`: process-wide settings.
    pub gateway: GatewayConfig,
    /// `[xmpp]`: the XEP-0114 component connection; `None` when XMPP is not bridged.
    pub xmpp: Option<XmppConfig>,
    /// `[irc]`: IRC networks; `None` when IRC is not bridged.
    pub irc: Option<IrcConfig>,
    /// `[email]`: the SMTP relay and listener; `None` when e-mail is not bridged.
    pub email: Option<EmailConfig>,
    /// `[[bridge]]`: rooms joined across networks, in file order.
    pub bridges: Vec<BridgeConfig>,
    /// `[[route]]`: one-to-one forwarding rules, in file order.
    pub routes: Vec<RouteConfig>,
}

impl Config {
    /// One line for the startup log, such as `2 bridges, 1 route, networks: xmpp, irc:libera, email`.
    pub fn summary(&self) -> String {
        let mut networks = Vec::new();
        if self.xmpp.is_some() {
            networks.push("xmpp".to_owned());
        }
        if let Some(irc) = &self.irc {
            if irc.networks.is_empty() {
                networks.push("irc".to_owned());
            }
            networks.extend(irc.networks.keys().map(|name| format!("irc:{name}")));
        }
        if self.email.is_some() {
            networks.push("email".to_owned());
        }
        let networks = if networks.is_empty() {
            "none".to_owned()
        } else {
            networks.join(", ")
        };
        format!(
            "{}, {}, networks: {networks}",
            plural(self.bridges.len(), "bridge"),
            plural(self.routes.len(), "route"),
        )
    }
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// `[gateway]`: process-wide settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayConfig {
    /// `data_dir`: where the message store lives; created if missing.
    pub data_dir: PathBuf,
    /// `log`: the tracing filter, such as `info` or `switchboard=debug,info`.
    pub log: String,
}

impl GatewayConfig {
    /// Default `data_dir`.
    pub const DEFAULT_DATA_DIR: &'static str = "./data";
    /// Default `log` filter.
    pub const DEFAULT_LOG: &'static str = "info";
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            data_dir: PathBuf::from(Self::DEFAULT_DATA_DIR),
            log: Self::DEFAULT_LOG.to_owned(),
        }
    }
}

/// A `host:port` pair naming a server to connect to; the host is a DNS name or an IP address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostPort {
    /// DNS name or IP address, without IPv6 brackets.
    pub host: String,
    /// TCP port, 1 to 65535.
    pub port: u16,
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// `[xmpp]`: the connection to the XMPP server as an external component (XEP-0114).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmppConfig {
    /// `domain`: the component's domain, such as `gw.example.org`.
    pub domain: String,
    /// `server`: the server's component port, such as `127.0.0.1:5347`.
    pub server: HostPort,
    /// `secret` / `secret_file` / `secret_env`: the component's shared secret.
    pub secret: Secret,
    /// `admins`: JIDs allowed to run the admin ad-hoc commands; empty by default.
    pub admins: Vec<XmppAddress>,
}

/// `[irc]`: IRC networks and how IRC users are addressed.
#[derive(Debug, Clone, PartialEq)]
pub struct IrcConfig {
    /// `open`: allow any IRC host name as the network of an `irc://NETWORK/...` address, not just the
    /// networks configured below; `false` by default.
    pub open: bool,
    /// `xmpp_domain`: an extra component domain for IRC users and channels, such as `irc.gw.example.org`.
    pub xmpp_domain: Option<String>,
    /// `[irc.networks.NAME]`: the configured networks, by lowercase name.
    pub networks: BTreeMap<String, IrcNetworkConfig>,
}

/// `[irc.networks.NAME]`: one IRC network.
#[derive(Debug, Clone, PartialEq)]
pub struct IrcNetworkConfig {
    /// `server`: the server to connect to, such as `irc.libera.chat:6697`.
    pub server: HostPort,
    /// `tls`: connect with TLS; `true` by default.
    pub tls: bool,
    /// `nick`: the nick of the gateway's own connection; `switchboard` by default.
    pub nick: String,
    /// `flood_burst`: lines sent at once before throttling starts; 5 by default.
    pub flood_burst: u32,
    /// `flood_per_second`: sustained lines per second; 2.0 by default, 0 disables flood control.
    pub flood_per_second: f64,
    /// `max_lines`: longest message relayed as separate lines; longer ones are cut. 10 by default, 0 means
    /// no limit.
    pub max_lines: u32,
    /// `charset`: how to decode lines that are not UTF-8; latin-1 by default.
    pub charset: Charset,
    /// `sasl_user`: account name for SASL PLAIN; `None` logs in without SASL.
    pub sasl_user: Option<String>,
    /// `sasl_password` / `sasl_password_file` / `sasl_password_env`: the SASL password, set exactly when
    /// `sasl_user` is.
    pub sasl_password: Option<Secret>,
    /// `max_puppets`: most per-user connections open at once; 50 by default.
    pub max_puppets: u32,
    /// `relay`: speak for everyone through one relay connection instead of per-user puppets; `false` by
    /// default.
    pub relay: bool,
}

impl IrcNetworkConfig {
    /// Default `tls`.
    pub const DEFAULT_TLS: bool = true;
    /// Default `nick`.
    pub const DEFAULT_NICK: &'static str = "switchboard";
    /// Default `flood_burst`.
    pub const DEFAULT_FLOOD_BURST: u32 = 5;
    /// Default `flood_per_second`.
    pub const DEFAULT_FLOOD_PER_SECOND: f64 = 2.0;
    /// Default `max_lines`.
    pub const DEFAULT_MAX_LINES: u32 = 10;
    /// Default `charset`.
    pub const DEFAULT_CHARSET: Charset = Charset::Latin1;
    /// Default `max_puppets`.
    pub const DEFAULT_MAX_PUPPETS: u32 = 50;
    /// Longest nick accepted in `nick` (RFC 2812 allows 9; modern networks allow about 30).
    pub const MAX_NICK_LEN: usize = 32;

    /// Whether outgoing lines are throttled (`flood_per_second` above 0).
    pub fn flood_control(&self) -> bool {
        self.flood_per_second > 0.0
    }
}

/// A character set for decoding IRC lines that are not valid UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Charset {
    /// ISO-8859-1 (`latin-1`, also `iso-8859-1`, `latin1`).
    Latin1,
    /// ISO-8859-15 (`latin-9`, also `iso-8859-15`, `latin9`).
    Latin9,
    /// Windows code page 1252 (`windows-1252`, also `cp1252`).
    Windows1252,
}

impl Charset {
    /// Every accepted name, canonical name first within each charset.
    const NAMES: [(&'static str, Charset); 8] = [
        ("latin-1", Charset::Latin1),
        ("iso-8859-1", Charset::Latin1),
        ("latin1", Charset::Latin1),
        ("latin-9", Charset::Latin9),
        ("iso-8859-15", Charset::Latin9),
        ("latin9", Charset::Latin9),
        ("windows-1252", Charset::Windows1252),
        ("cp1252", Charset::Windows1252),
    ];

    /// The canonical name, as written in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            Charset::Latin1 => "latin-1",
            Charset::Latin9 => "latin-9",
            Charset::Windows1252 => "windows-1252",
        }
    }

    /// Looks a charset up by any of its names, ignoring ASCII case.
    pub fn from_name(name: &str) -> Option<Charset> {
        Self::NAMES
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map(|(_, charset)| *charset)
    }
}

impl fmt::Display for Charset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `[email]`: the outgoing SMTP relay and the incoming SMTP listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailConfig {
    /// `relay`: the SMTP server outgoing mail is handed to, such as `127.0.0.1:25`.
    pub relay: HostPort,
    /// `security`: how the connection to the relay is protected; `starttls` by default.
    pub security: EmailSecurity,
    /// `username`: SMTP AUTH user; `None` sends without authenticating.
    pub username: Option<String>,
    /// `password` / `password_file` / `password_env`: SMTP AUTH password, set exactly when `username` is.
    pub password: Option<Secret>,
    /// `listen`: where to accept incoming mail; `None` accepts none.
    pub listen: Option<SocketAddr>,
    /// `mail_domain`: the mail domain gateway addresses live in, such as `mail.gw.example.org`.
    pub mail_domain: String,
    /// `from`: the `From:` header of mail the gateway sends on its own behalf; defaults to
    /// `Switchboard <gateway@MAIL_DOMAIN>`.
    pub from: String,
    /// `xmpp_domain`: an extra component domain for e-mail contacts, such as `email.gw.example.org`.
    pub xmpp_domain: Option<String>,
}

/// How the connection to the SMTP relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailSecurity {
    /// `none`: plain text; only for a relay on the same host.
    None,
    /// `starttls`: upgrade with STARTTLS (RFC 3207), failing if the relay does not offer it.
    #[default]
    Starttls,
    /// `tls`: TLS from the first byte (RFC 8314 implicit TLS).
    Tls,
}

/// `[[bridge]]`: one conversation joined across networks; a message in any endpoint reaches the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BridgeConfig {
    /// `name`: unique name used in logs and admin commands.
    pub name: String,
    /// `endpoints`: the rooms, channels or users joined, at least two.
    pub endpoints: Vec<Address>,
}

impl BridgeConfig {
    /// Fewest endpoints a bridge needs.
    pub const MIN_ENDPOINTS: usize = 2;
    /// Longest bridge name, in characters.
    pub const MAX_NAME_LEN: usize = 64;
}

/// `[[route]]`: forward what is sent to one address on to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteConfig {
    /// `from`: the address whose messages are forwarded.
    pub from: Address,
    /// `to`: where they are forwarded.
    pub to: Address,
    /// `when`: `always` or only while `from` is `offline`; `always` by default.
    pub when: RouteWhen,
}

/// When a route forwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteWhen {
    /// Every message.
    #[default]
    Always,
    /// Only while the `from` address has no available presence.
    Offline,
}
