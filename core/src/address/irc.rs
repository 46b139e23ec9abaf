//! `irc:` URLs (draft-butcher-irc-url): a channel or a nick on a named network, and IRC case mapping.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

use super::percent;
use super::strip_scheme;

/// Why a string is not a valid `irc:` address.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum IrcAddressError {
    /// Happens when the string does not start with `irc://`.
    #[error("`{0}` is not an irc:// URL")]
    NotIrcUrl(String),
    /// Happens when the network name between `irc://` and `/` is empty or holds a character other than
    /// letters, digits, `.`, `-` and `_`.
    #[error("irc network name `{0}` must be letters, digits, '.', '-' or '_'")]
    InvalidNetwork(String),
    /// Happens when no channel or nick follows the network name.
    #[error(
        "irc URL `{0}` names no channel or nick; write irc://network/#channel or irc://network/nick,isnick"
    )]
    MissingTarget(String),
    /// Happens when a channel name lacks its `#`, `&`, `+` or `!` prefix (RFC 2811 §2.1).
    #[error("irc channel `{0}` has no prefix (#, &, + or !); for a nick add ,isnick")]
    MissingChannelPrefix(String),
    /// Happens when a channel name is only its prefix.
    #[error("irc channel `{0}` has nothing after its prefix")]
    EmptyChannelName(String),
    /// Happens when a channel name holds a space, comma, CR, LF, NUL or BEL (RFC 2812 §1.3).
    #[error("irc channel `{0}` holds a space, comma or control character that IRC forbids")]
    InvalidChannel(String),
    /// Happens when a nick is empty, starts with a digit, `-`, `#`, `&`, `$` or `:`, or holds a space, comma,
    /// `*`, `?`, `!`, `@`, CR, LF, NUL or BEL (RFC 2812 §2.3.1).
    #[error(
        "irc nick `{0}` is not valid: it must not start with a digit, '-', '#', '&', '$' or ':' nor hold spaces, commas, '*', '?', '!', '@' or control characters"
    )]
    InvalidNick(String),
    /// Happens when the URL carries a flag other than `isnick`, such as `needkey` or `isserver`.
    #[error("irc URL flag `{0}` is not supported; only ,isnick is")]
    UnsupportedFlag(String),
    /// Happens when the URL carries a query such as a channel key (`?key`).
    #[error("irc URL `{0}` carries a query (?...); give only the address")]
    QueryNotSupported(String),
    /// Happens when a `%` is not followed by two hex digits or the decoded octets are not UTF-8.
    #[error("irc URL `{0}` has a malformed percent-escape or escapes octets that are not UTF-8")]
    BadPercentEncoding(String),
}

/// Who on an IRC network an address names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IrcTarget {
    /// A channel, with its prefix (`#rust`).
    Channel(String),
    /// A user's nick.
    Nick(String),
}

impl IrcTarget {
    /// The channel or nick name.
    pub fn name(&self) -> &str {
        match self {
            IrcTarget::Channel(name) | IrcTarget::Nick(name) => name,
        }
    }
}

/// A channel or nick on a named IRC network: `irc://libera/#rust` or `irc://libera/alice,isnick`.
///
/// The network is the gateway's own name for a configured server (lowercased); names keep their case, since
/// how they fold depends on the server's CASEMAPPING (see [`IrcAddress::folded`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IrcAddress {
    network: String,
    target: IrcTarget,
}

/// RFC 2811 §2.1 channel prefixes.
const CHANNEL_PREFIXES: [char; 4] = ['#', '&', '+', '!'];

/// Characters no IRC name may hold: they end or split a protocol line (RFC 2812 §2.3.1).
fn breaks_line(c: char) -> bool {
    matches!(c, ' ' | ',' | '\r' | '\n' | '\0' | '\x07')
}

fn check_network(network: &str) -> Result<String, IrcAddressError> {
    let valid = !network.is_empty()
        && network
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if valid {
        Ok(network.to_ascii_lowercase())
    } else {
        Err(IrcAddressError::InvalidNetwork(network.to_owned()))
    }
}

fn check_channel(name: &str) -> Result<(), IrcAddressError> {
    let Some(rest) = name.strip_prefix(CHANNEL_PREFIXES) else {
        return Err(IrcAddressError::MissingChannelPrefix(name.to_owned()));
    };
    if rest.is_empty() {
        return Err(IrcAddressError::EmptyChannelName(name.to_owned()));
    }
    if name.chars().any(breaks_line) {
        return Err(IrcAddressError::InvalidChannel(name.to_owned()));
    }
    Ok(())
}

fn check_nick(nick: &str) -> Result<(), IrcAddressError> {
    let bad_start = match nick.chars().next() {
        None => true,
        Some(first) => first.is_ascii_digit() || matches!(first, '-' | '#' | '&' | '$' | ':'),
    };
    let bad_char = nick
        .chars()
        .any(|c| breaks_line(c) || matches!(c, '*' | '?' | '!' | '@'));
    if bad_start || bad_char {
        Err(IrcAddressError::InvalidNick(nick.to_owned()))
    } else {
        Ok(())
    }
}

impl IrcAddress {
    /// A channel on `network`; `channel` includes its prefix.
    pub fn channel(network: &str, channel: &str) -> Result<Self, IrcAddressError> {
        check_channel(channel)?;
        Ok(IrcAddress {
            network: check_network(network)?,
            target: IrcTarget::Channel(channel.to_owned()),
        })
    }

    /// A user's nick on `network`.
    pub fn nick(network: &str, nick: &str) -> Result<Self, IrcAddressError> {
        check_nick(nick)?;
        Ok(IrcAddress {
            network: check_network(network)?,
            target: IrcTarget::Nick(nick.to_owned()),
        })
    }

    /// The network name, lowercase.
    pub fn network(&self) -> &str {
        &self.network
    }

    /// The channel or nick.
    pub fn target(&self) -> &IrcTarget {
        &self.target
    }

    /// This address with its channel or nick folded by the server's case mapping, for comparing names the
    /// way the server does (RFC 2812 §2.2).
    pub fn folded(&self, mapping: CaseMapping) -> IrcAddress {
        let target = match &self.target {
            IrcTarget::Channel(name) => IrcTarget::Channel(mapping.fold(name)),
            IrcTarget::Nick(name) => IrcTarget::Nick(mapping.fold(name)),
        };
        IrcAddress {
            network: self.network.clone(),
            target,
        }
    }
}

impl FromStr for IrcAddress {
    type Err = IrcAddressError;

    /// `irc://network/target[,isnick]`; `#` may be written `%23` as URL syntax asks.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let rest = strip_scheme(s, "irc")
            .and_then(|rest| rest.strip_prefix("//"))
            .ok_or_else(|| IrcAddressError::NotIrcUrl(s.to_owned()))?;
        let Some((network, path)) = rest.split_once('/') else {
            check_network(rest)?;
            return Err(IrcAddressError::MissingTarget(s.to_owned()));
        };
        let network = check_network(network)?;
        if path.contains('?') {
            return Err(IrcAddressError::QueryNotSupported(s.to_owned()));
        }
        let mut pieces = path.split(',');
        let raw_name = pieces.next().unwrap_or_default();
        if raw_name.is_empty() {
            return Err(IrcAddressError::MissingTarget(s.to_owned()));
        }
        let mut is_nick = false;
        for flag in pieces {
            if flag == "isnick" {
                is_nick = true;
            } else {
                return Err(IrcAddressError::UnsupportedFlag(flag.to_owned()));
            }
        }
        let name = percent::decode(raw_name)
            .map_err(|_| IrcAddressError::BadPercentEncoding(s.to_owned()))?;
        let target = if is_nick {
            check_nick(&name)?;
            IrcTarget::Nick(name)
        } else {
            check_channel(&name)?;
            IrcTarget::Channel(name)
        };
        Ok(IrcAddress { network, target })
    }
}

impl fmt::Display for IrcAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keep = |c: char| c.is_ascii_graphic() && !matches!(c, '%' | '/' | '?');
        write!(
            f,
            "irc://{}/{}",
            self.network,
            percent::encode_iri(self.target.name(), keep)
        )?;
        if matches!(self.target, IrcTarget::Nick(_)) {
            f.write_str(",isnick")?;
        }
        Ok(())
    }
}

/// How a server folds case in nicks and channel names, from its `CASEMAPPING` ISUPPORT token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum CaseMapping {
    /// `ascii`: only `A`-`Z` fold to `a`-`z`.
    Ascii,
    /// `rfc1459`: `A`-`Z` plus `[]\~` fold to `{}|^` (RFC 1459 §2.2); the default when a server does not say.
    #[default]
    Rfc1459,
    /// `rfc1459-strict`: `A`-`Z` plus `[]\` fold to `{}|`, but `~` and `^` stay distinct.
    Rfc1459Strict,
}

/// Why a CASEMAPPING token is not understood.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CaseMappingError {
    /// Happens when the server advertises a case mapping other than ascii, rfc1459 or rfc1459-strict (for
    /// example `rfc7613`).
    #[error(
        "unknown CASEMAPPING `{0}`; fall back to rfc1459, the mapping servers use when they do not say"
    )]
    Unknown(String),
}

impl CaseMapping {
    /// The ISUPPORT token.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseMapping::Ascii => "ascii",
            CaseMapping::Rfc1459 => "rfc1459",
            CaseMapping::Rfc1459Strict => "rfc1459-strict",
        }
    }

    /// Folds `name` to lowercase under this mapping; characters outside ASCII are left alone.
    pub fn fold(&self, name: &str) -> String {
        name.chars()
            .map(|c| match (self, c) {
                (_, 'A'..='Z') => c.to_ascii_lowercase(),
                (CaseMapping::Rfc1459 | CaseMapping::Rfc1459Strict, '[') => '{',
                (CaseMapping::Rfc1459 | CaseMapping::Rfc1459Strict, ']') => '}',
                (CaseMapping::Rfc1459 | CaseMapping::Rfc1459Strict, '\\') => '|',
                (CaseMapping::Rfc1459, '~') => '^',
                _ => c,
            })
            .collect()
    }
}

impl fmt::Display for CaseMapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CaseMapping {
    type Err = CaseMappingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "ascii" => Ok(CaseMapping::Ascii),
            "rfc1459" => Ok(CaseMapping::Rfc1459),
            "rfc1459-strict" => Ok(CaseMapping::Rfc1459Strict),
            _ => Err(CaseMappingError::Unknown(s.to_owned())),
        }
    }
}
