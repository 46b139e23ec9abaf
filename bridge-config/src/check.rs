//! Checks of single values shared by several tables: domains, `host:port` pairs, required secrets.

use std::net::{IpAddr, Ipv6Addr};
use std::ops::Range;

use toml::Spanned;

use crate::model::HostPort;
use crate::raw::RawConfig;
use crate::secret::{Environment, Secret, SecretKeys};
use crate::validate::Collector;

/// Longest DNS name (RFC 1035 §2.3.4).
const MAX_DOMAIN_LEN: usize = 253;
/// Longest DNS label (RFC 1035 §2.3.4).
const MAX_LABEL_LEN: usize = 63;

/// Whether `text` is a DNS name (letters, digits and inner hyphens per label) or an IP address.
pub(crate) fn is_domain(text: &str) -> bool {
    if text.parse::<IpAddr>().is_ok() {
        return true;
    }
    let text = text.strip_suffix('.').unwrap_or(text);
    !text.is_empty()
        && text.len() <= MAX_DOMAIN_LEN
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= MAX_LABEL_LEN
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

/// Checks a domain value, recording a problem when it is not one.
pub(crate) fn check_domain(
    domain: &Spanned<String>,
    key: &str,
    out: &mut Collector<'_>,
) -> Option<String> {
    let text = domain.get_ref();
    if is_domain(text) {
        return Some(text.to_ascii_lowercase());
    }
    out.problem(
        domain.span(),
        key.to_owned(),
        format!(
            "`{text}` is not a valid domain name; give a name such as gw.example.org (labels of up to \
             {MAX_LABEL_LEN} letters, digits or hyphens, {MAX_DOMAIN_LEN} characters in all)"
        ),
    );
    None
}

/// Checks an extra component domain, which only means something when there is an `[xmpp]` table.
pub(crate) fn component_domain(
    domain: &Spanned<String>,
    key: &str,
    xmpp_present: bool,
    out: &mut Collector<'_>,
) -> Option<String> {
    let domain_ok = check_domain(domain, key, out)?;
    if xmpp_present {
        return Some(domain_ok);
    }
    out.problem(
        domain.span(),
        key.to_owned(),
        "an extra XMPP component domain needs an [xmpp] table to connect through; add [xmpp] or \
         remove this key"
            .to_owned(),
    );
    None
}

/// The component domains the file names, with their keys, in file order.
pub(crate) fn component_domains(raw: &RawConfig) -> Vec<(&'static str, Spanned<String>)> {
    let mut domains = Vec::new();
    if let Some(xmpp) = &raw.xmpp {
        domains.push(("xmpp.domain", xmpp.get_ref().domain.clone()));
    }
    if let Some(domain) = raw
        .irc
        .as_ref()
        .and_then(|irc| irc.get_ref().xmpp_domain.as_ref())
    {
        domains.push(("irc.xmpp_domain", domain.clone()));
    }
    if let Some(domain) = raw
        .email
        .as_ref()
        .and_then(|e| e.get_ref().xmpp_domain.as_ref())
    {
        domains.push(("email.xmpp_domain", domain.clone()));
    }
    domains
}

/// Each component connects with its own domain, so no two may be equal.
pub(crate) fn check_component_domains(
    domains: &[(&'static str, Spanned<String>)],
    out: &mut Collector<'_>,
) {
    for (index, (key, domain)) in domains.iter().enumerate() {
        let earlier = domains[..index]
            .iter()
            .find(|(_, other)| other.get_ref().eq_ignore_ascii_case(domain.get_ref()));
        if let Some((other_key, _)) = earlier {
            out.problem(
                domain.span(),
                (*key).to_owned(),
                format!(
                    "`{}` is already the domain of {other_key}; each component needs its own domain",
                    domain.get_ref()
                ),
            );
        }
    }
}

/// Parses `host:port` (`[v6]:port` for IPv6), recording a problem that shows `example` when it fails.
pub(crate) fn host_port(
    value: &Spanned<String>,
    key: &str,
    example: &str,
    out: &mut Collector<'_>,
) -> Option<HostPort> {
    match parse_host_port(value.get_ref(), example) {
        Ok(parsed) => Some(parsed),
        Err(message) => {
            out.problem(value.span(), key.to_owned(), message);
            None
        }
    }
}

fn parse_host_port(text: &str, example: &str) -> Result<HostPort, String> {
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let Some((host, port)) = rest.split_once("]:") else {
            return Err(format!(
                "`{text}` is not host:port; write an IPv6 server as [::1]:5347"
            ));
        };
        if host.parse::<Ipv6Addr>().is_err() {
            return Err(format!("`{host}` in brackets is not an IPv6 address"));
        }
        (host, port)
    } else {
        let Some((host, port)) = text.rsplit_once(':') else {
            return Err(format!(
                "`{text}` has no port; write it as host:port, such as {example}"
            ));
        };
        if host.contains(':') {
            return Err(format!(
                "`{text}` looks like an IPv6 address without brackets; write it as [::1]:5347"
            ));
        }
        if !is_domain(host) {
            return Err(format!(
                "`{host}` is not a valid host name or IP address; write host:port, such as {example}"
            ));
        }
        (host, port)
    };
    match port.parse::<u16>() {
        Ok(port) if port != 0 => Ok(HostPort {
            host: host.to_owned(),
            port,
        }),
        _ => Err(format!(
            "port `{port}` is not a number from 1 to 65535; write host:port, such as {example}"
        )),
    }
}

/// Resolves a secret that must be given, recording a problem at the table `header` when it is not.
pub(crate) fn required_secret(
    keys: &SecretKeys<'_>,
    header: Range<usize>,
    out: &mut Collector<'_>,
    env: &dyn Environment,
) -> Option<Secret> {
    if keys.value.is_none() && keys.file.is_none() && keys.env.is_none() {
        let name = keys.name;
        out.problem(
            header,
            format!("{}.{name}", keys.table),
            format!("no {name} is given; set one of {name}, {name}_file or {name}_env"),
        );
        return None;
    }
    keys.resolve(out, env)
}
