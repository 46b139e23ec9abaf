//! Phase two and three: check every value against the others and resolve secrets, collecting every
//! problem instead of stopping at the first.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::ops::Range;

use switchboard_core::address::{IrcAddress, XmppAddress};
use toml::Spanned;

use crate::addresses::{Networks, bridge_configs, route_config};
use crate::check::{
    check_component_domains, check_domain, component_domain, component_domains, host_port,
    is_domain, required_secret,
};
use crate::error::Problem;
use crate::model::{
    Charset, Config, EmailConfig, EmailSecurity, GatewayConfig, IrcConfig, IrcNetworkConfig,
    XmppConfig,
};
use crate::parse::{Positions, join_key};
use crate::raw::{RawConfig, RawEmail, RawGateway, RawIrc, RawNetwork, RawXmpp};
use crate::secret::{Environment, Secret, SecretKeys};

/// Gathers problems with their positions.
#[derive(Debug)]
pub(crate) struct Collector<'a> {
    positions: &'a Positions<'a>,
    problems: Vec<Problem>,
}

impl Collector<'_> {
    /// Records a problem at the start of `span`.
    pub(crate) fn problem(&mut self, span: Range<usize>, key: String, message: String) {
        self.problems
            .push(self.positions.problem(span, key, message));
    }
}

/// Validates `raw` and resolves its secrets; on any problem, returns all of them.
pub(crate) fn validate(
    raw: RawConfig,
    positions: &Positions<'_>,
    env: &dyn Environment,
) -> Result<Config, Vec<Problem>> {
    let mut out = Collector {
        positions,
        problems: Vec::new(),
    };
    let networks = Networks {
        xmpp: raw.xmpp.is_some(),
        email: raw.email.is_some(),
        irc: raw.irc.as_ref().map(|irc| {
            let names = irc.get_ref().networks.keys();
            names.map(|name| name.get_ref().clone()).collect()
        }),
        irc_open: raw.irc.as_ref().is_some_and(|irc| irc.get_ref().open),
    };
    check_component_domains(&component_domains(&raw), &mut out);
    let gateway = raw
        .gateway
        .map(|gateway| gateway_config(gateway.into_inner(), &mut out))
        .unwrap_or_default();
    let xmpp = raw.xmpp.and_then(|xmpp| xmpp_config(xmpp, &mut out, env));
    let irc = raw
        .irc
        .and_then(|irc| irc_config(irc.into_inner(), networks.xmpp, &mut out, env));
    let email = raw
        .email
        .and_then(|email| email_config(email.into_inner(), networks.xmpp, &mut out, env));
    let bridges = bridge_configs(raw.bridge, &networks, &mut out);
    let routes = raw
        .route
        .into_iter()
        .enumerate()
        .filter_map(|(index, route)| route_config(index, route.into_inner(), &networks, &mut out))
        .collect();
    if !out.problems.is_empty() {
        return Err(out.problems);
    }
    Ok(Config {
        gateway,
        xmpp,
        irc,
        email,
        bridges,
        routes,
    })
}

fn gateway_config(raw: RawGateway, out: &mut Collector<'_>) -> GatewayConfig {
    let mut gateway = GatewayConfig::default();
    if let Some(data_dir) = raw.data_dir {
        if data_dir.get_ref().as_os_str().is_empty() {
            out.problem(
                data_dir.span(),
                "gateway.data_dir".to_owned(),
                "data_dir is empty; give the directory for the message store, such as \"./data\""
                    .to_owned(),
            );
        }
        gateway.data_dir = data_dir.into_inner();
    }
    if let Some(log) = raw.log {
        if log.get_ref().trim().is_empty() {
            out.problem(
                log.span(),
                "gateway.log".to_owned(),
                "log is empty; give a tracing filter such as \"info\" or \"switchboard=debug,info\""
                    .to_owned(),
            );
        }
        gateway.log = log.into_inner();
    }
    gateway
}

fn xmpp_config(
    raw: Spanned<RawXmpp>,
    out: &mut Collector<'_>,
    env: &dyn Environment,
) -> Option<XmppConfig> {
    let header = raw.span();
    let raw = raw.into_inner();
    let domain = check_domain(&raw.domain, "xmpp.domain", out);
    let server = host_port(&raw.server, "xmpp.server", "127.0.0.1:5347", out);
    let keys = SecretKeys {
        table: "xmpp",
        name: "secret",
        value: raw.secret.as_ref(),
        file: raw.secret_file.as_ref(),
        env: raw.secret_env.as_ref(),
    };
    let secret = required_secret(&keys, header, out, env);
    let mut admins = Vec::new();
    for (index, admin) in raw.admins.iter().enumerate() {
        match XmppAddress::from_jid_str(admin.get_ref()) {
            Ok(jid) => admins.push(jid),
            Err(error) => out.problem(
                admin.span(),
                format!("xmpp.admins[{index}]"),
                format!("`{}` is not a valid JID: {error}", admin.get_ref()),
            ),
        }
    }
    Some(XmppConfig {
        domain: domain?,
        server: server?,
        secret: secret?,
        admins,
    })
}

fn irc_config(
    raw: RawIrc,
    xmpp_present: bool,
    out: &mut Collector<'_>,
    env: &dyn Environment,
) -> Option<IrcConfig> {
    let xmpp_domain = raw
        .xmpp_domain
        .as_ref()
        .and_then(|domain| component_domain(domain, "irc.xmpp_domain", xmpp_present, out));
    let mut networks = BTreeMap::new();
    let mut complete = true;
    for (name, network) in raw.networks {
        let table = join_key("irc.networks", name.get_ref());
        let valid_name = check_network_name(&name, &table, out);
        match network_config(&table, network.into_inner(), out, env) {
            Some(network) if valid_name => {
                networks.insert(name.into_inner(), network);
            }
            _ => complete = false,
        }
    }
    if raw.xmpp_domain.is_some() && xmpp_domain.is_none() {
        complete = false;
    }
    complete.then_some(IrcConfig {
        open: raw.open,
        xmpp_domain,
        networks,
    })
}

fn check_network_name(name: &Spanned<String>, table: &str, out: &mut Collector<'_>) -> bool {
    let text = name.get_ref();
    let valid = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'));
    if !valid {
        out.problem(
            name.span(),
            table.to_owned(),
            format!(
                "network name `{text}` may hold only lowercase letters, digits, `.`, `-` and `_`, \
                 as irc://NETWORK/ addresses do; rename the table"
            ),
        );
    }
    valid
}

fn network_config(
    table: &str,
    raw: RawNetwork,
    out: &mut Collector<'_>,
    env: &dyn Environment,
) -> Option<IrcNetworkConfig> {
    let key = |name: &str| format!("{table}.{name}");
    let server = host_port(&raw.server, &key("server"), "irc.libera.chat:6697", out);
    let nick = match &raw.nick {
        Some(nick) => check_nick(nick, &key("nick"), out),
        None => Some(IrcNetworkConfig::DEFAULT_NICK.to_owned()),
    };
    let flood_per_second = raw
        .flood_per_second
        .as_ref()
        .map_or(IrcNetworkConfig::DEFAULT_FLOOD_PER_SECOND, |rate| {
            *rate.get_ref()
        });
    let flood_burst = raw
        .flood_burst
        .as_ref()
        .map_or(IrcNetworkConfig::DEFAULT_FLOOD_BURST, |burst| {
            *burst.get_ref()
        });
    let mut valid = true;
    if let Some(rate) = &raw.flood_per_second
        && !(rate.get_ref().is_finite() && *rate.get_ref() >= 0.0)
    {
        out.problem(
            rate.span(),
            key("flood_per_second"),
            format!(
                "flood_per_second is {}; give a positive number of lines per second, or 0 to disable \
                 flood control",
                rate.get_ref()
            ),
        );
        valid = false;
    }
    if let Some(burst) = &raw.flood_burst
        && flood_burst == 0
        && flood_per_second > 0.0
    {
        out.problem(
            burst.span(),
            key("flood_burst"),
            "flood_burst = 0 would never let a line out; give at least 1, or set \
             flood_per_second = 0 to disable flood control"
                .to_owned(),
        );
        valid = false;
    }
    let charset = match &raw.charset {
        None => Some(IrcNetworkConfig::DEFAULT_CHARSET),
        Some(name) => {
            let charset = Charset::from_name(name.get_ref());
            if charset.is_none() {
                out.problem(
                    name.span(),
                    key("charset"),
                    format!(
                        "unknown charset `{}`; use latin-1, latin-9 or windows-1252",
                        name.get_ref()
                    ),
                );
            }
            charset
        }
    };
    let max_puppets = raw
        .max_puppets
        .as_ref()
        .map_or(IrcNetworkConfig::DEFAULT_MAX_PUPPETS, |max| *max.get_ref());
    if let Some(max) = &raw.max_puppets
        && max_puppets == 0
        && !raw.relay
    {
        out.problem(
            max.span(),
            key("max_puppets"),
            "max_puppets = 0 allows no puppet connections; give at least 1, or set relay = true \
             to speak through one relay connection"
                .to_owned(),
        );
        valid = false;
    }
    let keys = SecretKeys {
        table,
        name: "sasl_password",
        value: raw.sasl_password.as_ref(),
        file: raw.sasl_password_file.as_ref(),
        env: raw.sasl_password_env.as_ref(),
    };
    let (sasl_user, sasl_password, sasl_valid) =
        credentials(raw.sasl_user.as_ref(), &key("sasl_user"), &keys, out, env);
    let config = IrcNetworkConfig {
        server: server?,
        tls: raw.tls,
        nick: nick?,
        flood_burst,
        flood_per_second,
        max_lines: raw.max_lines,
        charset: charset?,
        sasl_user,
        sasl_password,
        max_puppets,
        relay: raw.relay,
    };
    (valid && sasl_valid).then_some(config)
}

fn check_nick(nick: &Spanned<String>, key: &str, out: &mut Collector<'_>) -> Option<String> {
    let text = nick.get_ref();
    let message = if text.chars().count() > IrcNetworkConfig::MAX_NICK_LEN {
        format!(
            "nick is longer than {} characters; choose a shorter one",
            IrcNetworkConfig::MAX_NICK_LEN
        )
    } else if let Err(error) = IrcAddress::nick("config", text) {
        format!("`{text}` is not a valid IRC nick: {error}")
    } else {
        return Some(text.clone());
    };
    out.problem(nick.span(), key.to_owned(), message);
    None
}

/// Checks a user name and its password secret: both or neither. Returns the user, the password and
/// whether both were fine.
fn credentials(
    user: Option<&Spanned<String>>,
    user_key: &str,
    keys: &SecretKeys<'_>,
    out: &mut Collector<'_>,
    env: &dyn Environment,
) -> (Option<String>, Option<Secret>, bool) {
    let before = out.problems.len();
    let password = keys.resolve(out, env);
    let password_given = keys.value.is_some() || keys.file.is_some() || keys.env.is_some();
    let mut valid = out.problems.len() == before;
    let name = keys.name;
    let user_name = user_key.rsplit('.').next().unwrap_or(user_key);
    match user {
        Some(user) if user.get_ref().is_empty() => {
            out.problem(
                user.span(),
                user_key.to_owned(),
                format!("{user_name} is empty; give the account name or remove the key"),
            );
            valid = false;
        }
        Some(user) if !password_given => {
            out.problem(
                user.span(),
                user_key.to_owned(),
                format!(
                    "{user_name} is set but no password is; set {name}, {name}_file or {name}_env"
                ),
            );
            valid = false;
        }
        None if password_given => {
            let span = [
                keys.value.map(Spanned::span),
                keys.file.map(Spanned::span),
                keys.env.map(Spanned::span),
            ]
            .into_iter()
            .flatten()
            .next()
            .unwrap_or_default();
            out.problem(
                span,
                format!("{}.{name}", keys.table),
                format!("a password is set but {user_name} is not; set {user_name} or remove the password"),
            );
            valid = false;
        }
        _ => {}
    }
    (user.map(|user| user.get_ref().clone()), password, valid)
}

/// Whether `host` is this machine (`localhost`, 127.0.0.0/8, ::1), where a plain connection stays local.
fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn email_config(
    raw: RawEmail,
    xmpp_present: bool,
    out: &mut Collector<'_>,
    env: &dyn Environment,
) -> Option<EmailConfig> {
    let relay = host_port(&raw.relay, "email.relay", "127.0.0.1:25", out);
    let keys = SecretKeys {
        table: "email",
        name: "password",
        value: raw.password.as_ref(),
        file: raw.password_file.as_ref(),
        env: raw.password_env.as_ref(),
    };
    let (username, password, credentials_valid) =
        credentials(raw.username.as_ref(), "email.username", &keys, out, env);
    if let (EmailSecurity::None, Some(user), Some(relay)) =
        (raw.security, raw.username.as_ref(), relay.as_ref())
        && !is_loopback_host(&relay.host)
    {
        out.problem(
            user.span(),
            "email.username".to_owned(),
            format!(
                "SMTP AUTH to {relay} with security = \"none\" would send the password in clear text; set \
                 security = \"starttls\" or \"tls\", or use a relay on this host"
            ),
        );
    }
    let listen = match &raw.listen {
        None => Some(None),
        Some(listen) => match listen.get_ref().parse::<SocketAddr>() {
            Ok(address) => Some(Some(address)),
            Err(_) => {
                out.problem(
                    listen.span(),
                    "email.listen".to_owned(),
                    format!(
                        "`{}` is not an IP address and port to listen on; write it as \
                         127.0.0.1:2525 or [::1]:2525",
                        listen.get_ref()
                    ),
                );
                None
            }
        },
    };
    let mail_domain = check_domain(&raw.mail_domain, "email.mail_domain", out);
    let from = match &raw.from {
        None => mail_domain
            .as_ref()
            .map(|domain| format!("Switchboard <gateway@{domain}>")),
        Some(from) => check_from(from, out),
    };
    let xmpp_domain = match &raw.xmpp_domain {
        None => Some(None),
        Some(domain) => component_domain(domain, "email.xmpp_domain", xmpp_present, out).map(Some),
    };
    let config = EmailConfig {
        relay: relay?,
        security: raw.security,
        username,
        password,
        listen: listen?,
        mail_domain: mail_domain?,
        from: from?,
        xmpp_domain: xmpp_domain?,
    };
    credentials_valid.then_some(config)
}

fn check_from(from: &Spanned<String>, out: &mut Collector<'_>) -> Option<String> {
    let text = from.get_ref();
    let mailbox = match (text.rfind('<'), text.rfind('>')) {
        (Some(open), Some(close)) if open < close && text[close + 1..].trim().is_empty() => {
            &text[open + 1..close]
        }
        _ => text.trim(),
    };
    let valid = !text.contains(['\r', '\n'])
        && mailbox
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && is_domain(domain))
        && !mailbox.contains([' ', '<', '>']);
    if valid {
        return Some(text.clone());
    }
    out.problem(
        from.span(),
        "email.from".to_owned(),
        format!(
            "`{text}` is not a mailbox; write it as gateway@mail.example.org or \
             IM gateway <gateway@mail.example.org>"
        ),
    );
    None
}
