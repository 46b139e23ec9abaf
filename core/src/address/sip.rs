//! `sip:` and `sips:` URIs (RFC 3261 §19.1).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use thiserror::Error;

use super::percent;
use super::strip_scheme;

/// RFC 1035 §2.3.4: a host name is at most 253 characters in text form.
const MAX_HOST_LEN: usize = 253;
/// RFC 1035 §2.3.4: a label is at most 63 octets.
const MAX_LABEL_LEN: usize = 63;

/// Why a string is not a valid `sip:` or `sips:` URI.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SipUriError {
    /// Happens when the string starts with neither `sip:` nor `sips:`.
    #[error("`{0}` is not a sip: or sips: URI")]
    NotSipUri(String),
    /// Happens when an `@` is present but the user part before it is empty (RFC 3261 §19.1.1).
    #[error("sip URI user part is empty although the URI contains an @")]
    EmptyUser,
    /// Happens when the user info carries a password (`user:password@`), which RFC 3261 §19.1.1 advises
    /// against and the gateway refuses to store.
    #[error("sip URI carries a password (user:password@host); remove it")]
    PasswordNotSupported,
    /// Happens when the user part holds a character that must be percent-escaped (RFC 3261 §25.1 `user`).
    #[error("sip URI user part `{0}` holds a character that must be %-escaped (RFC 3261 §25.1)")]
    InvalidUser(String),
    /// Happens when nothing follows the scheme or the `@`.
    #[error("sip URI has no host")]
    MissingHost,
    /// Happens when the host is neither a host name, an IPv4 address nor a bracketed IPv6 reference (RFC 3261
    /// §25.1 `host`).
    #[error(
        "sip URI host `{0}` is not a host name, IPv4 address or [IPv6] reference (RFC 3261 §25.1)"
    )]
    InvalidHost(String),
    /// Happens when the host name is longer than 253 characters (RFC 1035 §2.3.4).
    #[error("sip URI host name is longer than 253 characters")]
    HostTooLong,
    /// Happens when one label of the host name is longer than 63 characters (RFC 1035 §2.3.4).
    #[error("sip URI host label `{0}` is longer than 63 characters")]
    LabelTooLong(String),
    /// Happens when the port is not a number from 0 to 65535.
    #[error("sip URI port `{0}` is not a number from 0 to 65535")]
    InvalidPort(String),
    /// Happens when a `;name=value` parameter is empty or holds a character that must be escaped (RFC 3261
    /// §25.1 `uri-parameter`).
    #[error(
        "sip URI parameter `{0}` is empty or holds a character that must be %-escaped (RFC 3261 §25.1)"
    )]
    InvalidParameter(String),
    /// Happens when the same parameter name appears twice (RFC 3261 §19.1.1: at most once each).
    #[error("sip URI parameter `{0}` appears more than once")]
    DuplicateParameter(String),
    /// Happens when the URI carries `?header=value` fields, which an address cannot carry (RFC 3261 §19.1.5).
    #[error("sip URI `{0}` carries header fields (?...); give only the address")]
    HeadersNotSupported(String),
    /// Happens when a `%` is not followed by two hex digits or the decoded octets are not UTF-8.
    #[error("sip URI `{0}` has a malformed percent-escape or escapes octets that are not UTF-8")]
    BadPercentEncoding(String),
}

/// A SIP or SIPS URI without header fields (RFC 3261 §19.1).
///
/// Canonical form: scheme and host in lowercase, user and parameter values unescaped where the grammar
/// allows and escaped as `%HH` otherwise, parameter names in lowercase (RFC 3261 §19.1.4 compares them
/// case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SipUri {
    secure: bool,
    user: Option<String>,
    host: String,
    port: Option<u16>,
    params: Vec<(String, Option<String>)>,
}

impl SipUri {
    /// Whether this is a `sips:` URI (RFC 3261 §19.1: TLS on every hop).
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// The user part, unescaped (RFC 3261 §19.1.1).
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The host: a lowercase host name, an IPv4 address, or an IPv6 reference in brackets.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port, if given.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The URI parameters in their order, names in lowercase, values unescaped (RFC 3261 §19.1.1).
    pub fn params(&self) -> &[(String, Option<String>)] {
        &self.params
    }

    /// The value of parameter `name` (compared case-insensitively): `None` when absent, `Some(None)` for a
    /// flag such as `;lr`.
    pub fn param(&self, name: &str) -> Option<Option<&str>> {
        self.params
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_deref())
    }

    /// This URI without its parameters.
    pub fn without_params(&self) -> SipUri {
        SipUri {
            params: Vec::new(),
            ..self.clone()
        }
    }
}

/// RFC 3261 §25.1 `user-unreserved`.
fn is_user_unreserved(c: char) -> bool {
    matches!(c, '&' | '=' | '+' | '$' | ',' | ';' | '?' | '/')
}

/// RFC 3261 §25.1 `param-unreserved`.
fn is_param_unreserved(c: char) -> bool {
    matches!(c, '[' | ']' | '/' | ':' | '&' | '+' | '$')
}

/// Checks that `raw` uses only `allowed` characters and `%HH` escapes, then decodes it.
fn decode_checked(
    raw: &str,
    allowed: fn(char) -> bool,
    uri: &str,
) -> Result<Option<String>, SipUriError> {
    if !raw
        .chars()
        .all(|c| c == '%' || percent::is_unreserved(c) || allowed(c))
    {
        return Ok(None);
    }
    percent::decode(raw)
        .map(Some)
        .map_err(|_| SipUriError::BadPercentEncoding(uri.to_owned()))
}

fn parse_host(raw: &str) -> Result<String, SipUriError> {
    if raw.is_empty() {
        return Err(SipUriError::MissingHost);
    }
    if let Some(inner) = raw
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
    {
        return inner
            .parse::<Ipv6Addr>()
            .map(|ip| format!("[{ip}]"))
            .map_err(|_| SipUriError::InvalidHost(raw.to_owned()));
    }
    if raw.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return raw
            .parse::<Ipv4Addr>()
            .map(|ip| ip.to_string())
            .map_err(|_| SipUriError::InvalidHost(raw.to_owned()));
    }
    if raw.len() > MAX_HOST_LEN {
        return Err(SipUriError::HostTooLong);
    }
    // RFC 3261 §25.1: hostname = *( domainlabel "." ) toplabel [ "." ]
    let name = raw.strip_suffix('.').unwrap_or(raw);
    let labels: Vec<&str> = name.split('.').collect();
    for label in &labels {
        let valid = !label.is_empty()
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !valid {
            return Err(SipUriError::InvalidHost(raw.to_owned()));
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(SipUriError::LabelTooLong((*label).to_owned()));
        }
    }
    let top_starts_with_letter = labels
        .last()
        .and_then(|label| label.chars().next())
        .is_some_and(|c| c.is_ascii_alphabetic());
    if !top_starts_with_letter {
        return Err(SipUriError::InvalidHost(raw.to_owned()));
    }
    Ok(raw.to_ascii_lowercase())
}

fn parse_port(raw: &str) -> Result<u16, SipUriError> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SipUriError::InvalidPort(raw.to_owned()));
    }
    raw.parse()
        .map_err(|_| SipUriError::InvalidPort(raw.to_owned()))
}

impl FromStr for SipUri {
    type Err = SipUriError;

    /// RFC 3261 §19.1.1: `sip:` [ user `@` ] host [ `:` port ] *( `;` param [ `=` value ] ).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (secure, rest) = match (strip_scheme(s, "sips"), strip_scheme(s, "sip")) {
            (Some(rest), _) => (true, rest),
            (None, Some(rest)) => (false, rest),
            (None, None) => return Err(SipUriError::NotSipUri(s.to_owned())),
        };
        // A raw `@` cannot appear after the host, so the last one ends the user info.
        let (user, remainder) = match rest.rsplit_once('@') {
            Some((userinfo, remainder)) => {
                if userinfo.is_empty() {
                    return Err(SipUriError::EmptyUser);
                }
                if userinfo.contains(':') {
                    return Err(SipUriError::PasswordNotSupported);
                }
                let user = decode_checked(userinfo, is_user_unreserved, s)?
                    .ok_or_else(|| SipUriError::InvalidUser(userinfo.to_owned()))?;
                (Some(user), remainder)
            }
            None => (None, rest),
        };
        if remainder.contains('?') {
            return Err(SipUriError::HeadersNotSupported(s.to_owned()));
        }
        let mut pieces = remainder.split(';');
        let hostport = pieces.next().unwrap_or_default();
        let (host, port) = match hostport.rfind(':') {
            Some(colon) if !hostport[colon..].contains(']') => (
                &hostport[..colon],
                Some(parse_port(&hostport[colon + 1..])?),
            ),
            _ => (hostport, None),
        };
        let host = parse_host(host)?;
        let mut params: Vec<(String, Option<String>)> = Vec::new();
        for piece in pieces {
            let (name, value) = match piece.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (piece, None),
            };
            let invalid = || SipUriError::InvalidParameter(piece.to_owned());
            if name.is_empty() || value == Some("") {
                return Err(invalid());
            }
            let name = decode_checked(name, is_param_unreserved, s)?
                .ok_or_else(invalid)?
                .to_ascii_lowercase();
            let value = match value {
                Some(value) => {
                    Some(decode_checked(value, is_param_unreserved, s)?.ok_or_else(invalid)?)
                }
                None => None,
            };
            if params.iter().any(|(known, _)| *known == name) {
                return Err(SipUriError::DuplicateParameter(name));
            }
            params.push((name, value));
        }
        Ok(SipUri {
            secure,
            user,
            host,
            port,
            params,
        })
    }
}

impl fmt::Display for SipUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.secure { "sips:" } else { "sip:" })?;
        if let Some(user) = &self.user {
            // `?` is legal in a user part but escaping it keeps the printed form unambiguous.
            let keep = |c: char| percent::is_unreserved(c) || (is_user_unreserved(c) && c != '?');
            write!(f, "{}@", percent::encode(user, keep))?;
        }
        f.write_str(&self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        let keep = |c: char| percent::is_unreserved(c) || is_param_unreserved(c);
        for (name, value) in &self.params {
            write!(f, ";{}", percent::encode(name, keep))?;
            if let Some(value) = value {
                write!(f, "={}", percent::encode(value, keep))?;
            }
        }
        Ok(())
    }
}
