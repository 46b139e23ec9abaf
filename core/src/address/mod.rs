//! Validated addresses of every network the gateway bridges, as URIs.
//!
//! [`Address`] is the one type the router and the configuration see; each scheme has its own validated
//! newtype in a sub-module. Every type parses from its URI form ([`FromStr`]) and prints its canonical URI
//! form ([`fmt::Display`]); parsing the printed form gives back an equal value. Serde uses the URI string.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

mod im;
mod irc;
mod mailbox;
mod mailto;
mod percent;
mod sip;
mod tel;
pub mod xep0106;
mod xmpp;

pub use im::{ImAddress, PresAddress};
pub use irc::{CaseMapping, CaseMappingError, IrcAddress, IrcAddressError, IrcTarget};
pub use mailbox::MailboxError;
pub use mailto::MailtoAddress;
pub use sip::{SipUri, SipUriError};
pub use tel::{TelNumber, TelNumberError};
pub use xmpp::{XmppAddress, XmppAddressError};

/// A URI scheme the gateway knows how to route to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scheme {
    /// `xmpp:` (RFC 5122).
    Xmpp,
    /// `sip:` (RFC 3261 §19.1).
    Sip,
    /// `sips:` (RFC 3261 §19.1), SIP over TLS.
    Sips,
    /// `irc:` (draft-butcher-irc-url).
    Irc,
    /// `tel:` (RFC 3966).
    Tel,
    /// `mailto:` (RFC 6068).
    Mailto,
    /// `im:` (RFC 3860 §3).
    Im,
    /// `pres:` (RFC 3859 §4).
    Pres,
}

impl Scheme {
    /// The scheme name in lowercase, without the colon.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Xmpp => "xmpp",
            Scheme::Sip => "sip",
            Scheme::Sips => "sips",
            Scheme::Irc => "irc",
            Scheme::Tel => "tel",
            Scheme::Mailto => "mailto",
            Scheme::Im => "im",
            Scheme::Pres => "pres",
        }
    }

    const ALL: [Scheme; 8] = [
        Scheme::Xmpp,
        Scheme::Sip,
        Scheme::Sips,
        Scheme::Irc,
        Scheme::Tel,
        Scheme::Mailto,
        Scheme::Im,
        Scheme::Pres,
    ];
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scheme {
    type Err = AddressError;

    /// RFC 3986 §3.1: schemes compare case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scheme::ALL
            .into_iter()
            .find(|scheme| scheme.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| AddressError::UnknownScheme(s.to_owned()))
    }
}

/// Why a string is not a valid [`Address`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum AddressError {
    /// Happens when the string has no `scheme:` prefix at all.
    #[error("address `{0}` has no scheme; write it as a URI such as xmpp:user@example.org")]
    MissingScheme(String),
    /// Happens when the scheme is not one the gateway routes to.
    #[error(
        "unknown address scheme `{0}`; expected one of xmpp, sip, sips, irc, tel, mailto, im, pres"
    )]
    UnknownScheme(String),
    /// Happens when an `xmpp:` URI is invalid.
    #[error(transparent)]
    Xmpp(#[from] XmppAddressError),
    /// Happens when a `sip:` or `sips:` URI is invalid.
    #[error(transparent)]
    Sip(#[from] SipUriError),
    /// Happens when an `irc:` URL is invalid.
    #[error(transparent)]
    Irc(#[from] IrcAddressError),
    /// Happens when a `tel:` URI is invalid.
    #[error(transparent)]
    Tel(#[from] TelNumberError),
    /// Happens when a `mailto:`, `im:` or `pres:` URI is invalid.
    #[error(transparent)]
    Mailbox(#[from] MailboxError),
}

/// Any address the gateway can route to, in one of the supported URI schemes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Address {
    /// An XMPP address (RFC 7622 JID, RFC 5122 URI).
    Xmpp(XmppAddress),
    /// A SIP or SIPS URI (RFC 3261 §19.1).
    Sip(SipUri),
    /// An IRC channel or nick on a network.
    Irc(IrcAddress),
    /// A global E.164 telephone number (RFC 3966), for SMS.
    Tel(TelNumber),
    /// An e-mail mailbox (RFC 6068).
    Mailto(MailtoAddress),
    /// An abstract instant-messaging address (RFC 3860 §3).
    Im(ImAddress),
    /// An abstract presence address (RFC 3859 §4).
    Pres(PresAddress),
}

impl Address {
    /// The URI scheme of this address.
    pub fn scheme(&self) -> Scheme {
        match self {
            Address::Xmpp(_) => Scheme::Xmpp,
            Address::Sip(uri) if uri.is_secure() => Scheme::Sips,
            Address::Sip(_) => Scheme::Sip,
            Address::Irc(_) => Scheme::Irc,
            Address::Tel(_) => Scheme::Tel,
            Address::Mailto(_) => Scheme::Mailto,
            Address::Im(_) => Scheme::Im,
            Address::Pres(_) => Scheme::Pres,
        }
    }

    /// The routing domain: XMPP domainpart, SIP host, IRC network name, mail domain, im:/pres: domain;
    /// None for tel:.
    pub fn domain(&self) -> Option<&str> {
        match self {
            Address::Xmpp(address) => Some(address.domain()),
            Address::Sip(uri) => Some(uri.host()),
            Address::Irc(address) => Some(address.network()),
            Address::Tel(_) => None,
            Address::Mailto(address) => Some(address.domain()),
            Address::Im(address) => Some(address.domain()),
            Address::Pres(address) => Some(address.domain()),
        }
    }

    /// XMPP: the bare JID (resource dropped); SIP: URI without parameters; others: a clone.
    pub fn bare(&self) -> Address {
        match self {
            Address::Xmpp(address) => Address::Xmpp(address.bare()),
            Address::Sip(uri) => Address::Sip(uri.without_params()),
            other => other.clone(),
        }
    }

    /// Whether [`Address::bare`] would give this same address back.
    pub fn is_bare(&self) -> bool {
        match self {
            Address::Xmpp(address) => address.is_bare(),
            Address::Sip(uri) => uri.params().is_empty(),
            _ => true,
        }
    }

    /// The bare form, borrowed when the address is bare already (the router's hot path looks up many).
    pub fn bare_cow(&self) -> std::borrow::Cow<'_, Address> {
        if self.is_bare() {
            std::borrow::Cow::Borrowed(self)
        } else {
            std::borrow::Cow::Owned(self.bare())
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Xmpp(address) => address.fmt(f),
            Address::Sip(uri) => uri.fmt(f),
            Address::Irc(address) => address.fmt(f),
            Address::Tel(number) => number.fmt(f),
            Address::Mailto(address) => address.fmt(f),
            Address::Im(address) => address.fmt(f),
            Address::Pres(address) => address.fmt(f),
        }
    }
}

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let Some((scheme, _)) = s.split_once(':') else {
            return Err(AddressError::MissingScheme(s.to_owned()));
        };
        Ok(match scheme.parse::<Scheme>()? {
            Scheme::Xmpp => Address::Xmpp(s.parse()?),
            Scheme::Sip | Scheme::Sips => Address::Sip(s.parse()?),
            Scheme::Irc => Address::Irc(s.parse()?),
            Scheme::Tel => Address::Tel(s.parse()?),
            Scheme::Mailto => Address::Mailto(s.parse()?),
            Scheme::Im => Address::Im(s.parse()?),
            Scheme::Pres => Address::Pres(s.parse()?),
        })
    }
}

impl From<XmppAddress> for Address {
    fn from(address: XmppAddress) -> Self {
        Address::Xmpp(address)
    }
}

impl From<SipUri> for Address {
    fn from(uri: SipUri) -> Self {
        Address::Sip(uri)
    }
}

impl From<IrcAddress> for Address {
    fn from(address: IrcAddress) -> Self {
        Address::Irc(address)
    }
}

impl From<TelNumber> for Address {
    fn from(number: TelNumber) -> Self {
        Address::Tel(number)
    }
}

impl From<MailtoAddress> for Address {
    fn from(address: MailtoAddress) -> Self {
        Address::Mailto(address)
    }
}

impl From<ImAddress> for Address {
    fn from(address: ImAddress) -> Self {
        Address::Im(address)
    }
}

impl From<PresAddress> for Address {
    fn from(address: PresAddress) -> Self {
        Address::Pres(address)
    }
}

/// Strips `scheme:` from the front of `input`, comparing the scheme case-insensitively (RFC 3986 §3.1).
pub(crate) fn strip_scheme<'a>(input: &'a str, scheme: &str) -> Option<&'a str> {
    let (head, rest) = input.split_once(':')?;
    head.eq_ignore_ascii_case(scheme).then_some(rest)
}

/// Serialises a type as its `Display` string and deserialises it through `FromStr`.
macro_rules! serde_as_uri_string {
    ($($ty:ty),+ $(,)?) => {$(
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str> as serde::Deserialize<'de>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    )+};
}

serde_as_uri_string!(
    Address,
    Scheme,
    XmppAddress,
    SipUri,
    IrcAddress,
    TelNumber,
    MailtoAddress,
    ImAddress,
    PresAddress,
);
