//! The file as deserialized, before validation: values that get checked keep their position
//! ([`Spanned`]) so every problem can name its line and column. Defaults of spanned values are applied
//! during validation, since a `Spanned` cannot be built in a `const fn`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use crate::model::{EmailSecurity, IrcNetworkConfig, RouteWhen};

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    #[serde(default)]
    pub(crate) gateway: Option<Spanned<RawGateway>>,
    pub(crate) xmpp: Option<Spanned<RawXmpp>>,
    pub(crate) irc: Option<Spanned<RawIrc>>,
    pub(crate) email: Option<Spanned<RawEmail>>,
    #[serde(default)]
    pub(crate) bridge: Vec<Spanned<RawBridge>>,
    #[serde(default)]
    pub(crate) route: Vec<Spanned<RawRoute>>,
}

/// `[gateway]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawGateway {
    pub(crate) data_dir: Option<Spanned<PathBuf>>,
    pub(crate) log: Option<Spanned<String>>,
}

/// `[xmpp]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawXmpp {
    pub(crate) domain: Spanned<String>,
    pub(crate) server: Spanned<String>,
    pub(crate) secret: Option<Spanned<String>>,
    pub(crate) secret_file: Option<Spanned<PathBuf>>,
    pub(crate) secret_env: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) admins: Vec<Spanned<String>>,
}

/// `[irc]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawIrc {
    #[serde(default)]
    pub(crate) open: bool,
    pub(crate) xmpp_domain: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) networks: BTreeMap<Spanned<String>, Spanned<RawNetwork>>,
}

/// `[irc.networks.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNetwork {
    pub(crate) server: Spanned<String>,
    #[serde(default = "default_tls")]
    pub(crate) tls: bool,
    pub(crate) nick: Option<Spanned<String>>,
    pub(crate) flood_burst: Option<Spanned<u32>>,
    pub(crate) flood_per_second: Option<Spanned<f64>>,
    #[serde(default = "default_max_lines")]
    pub(crate) max_lines: u32,
    pub(crate) charset: Option<Spanned<String>>,
    pub(crate) sasl_user: Option<Spanned<String>>,
    pub(crate) sasl_password: Option<Spanned<String>>,
    pub(crate) sasl_password_file: Option<Spanned<PathBuf>>,
    pub(crate) sasl_password_env: Option<Spanned<String>>,
    pub(crate) max_puppets: Option<Spanned<u32>>,
    #[serde(default)]
    pub(crate) relay: bool,
}

const fn default_tls() -> bool {
    IrcNetworkConfig::DEFAULT_TLS
}

const fn default_max_lines() -> u32 {
    IrcNetworkConfig::DEFAULT_MAX_LINES
}

/// `[email]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEmail {
    pub(crate) relay: Spanned<String>,
    #[serde(default)]
    pub(crate) security: EmailSecurity,
    pub(crate) username: Option<Spanned<String>>,
    pub(crate) password: Option<Spanned<String>>,
    pub(crate) password_file: Option<Spanned<PathBuf>>,
    pub(crate) password_env: Option<Spanned<String>>,
    pub(crate) listen: Option<Spanned<String>>,
    pub(crate) mail_domain: Spanned<String>,
    pub(crate) from: Option<Spanned<String>>,
    pub(crate) xmpp_domain: Option<Spanned<String>>,
}

/// `[[bridge]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBridge {
    pub(crate) name: Spanned<String>,
    pub(crate) endpoints: Spanned<Vec<Spanned<String>>>,
}

/// `[[route]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRoute {
    pub(crate) from: Spanned<String>,
    pub(crate) to: Spanned<String>,
    #[serde(default)]
    pub(crate) when: RouteWhen,
}
