//! `xmpp:` addresses: an RFC 7622 JID in the RFC 5122 URI form.

use std::fmt;
use std::str::FromStr;

use jid::{DomainPart, Jid, NodePart, ResourcePart};
use thiserror::Error;

use super::percent;
use super::strip_scheme;

/// Why a string is not a valid `xmpp:` address.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum XmppAddressError {
    /// Happens when the string does not start with `xmpp:`.
    #[error("`{0}` is not an xmpp: URI")]
    NotXmppUri(String),
    /// Happens when nothing follows `xmpp:`.
    #[error("xmpp: URI has no JID after the scheme")]
    Empty,
    /// Happens when the URI names the account to act from (`xmpp://account/...`, RFC 5122 §2.3), which an
    /// address cannot carry.
    #[error(
        "xmpp: URI `{0}` names an authority (xmpp://...); give only the address, as xmpp:user@example.org"
    )]
    AuthorityNotSupported(String),
    /// Happens when the URI carries a query such as `?message` (RFC 5122 §2.5), which is an action, not an
    /// address.
    #[error("xmpp: URI `{0}` carries a query (?...); give only the address")]
    QueryNotSupported(String),
    /// Happens when the URI carries a fragment (`#...`).
    #[error("xmpp: URI `{0}` carries a fragment (#...); give only the address")]
    FragmentNotSupported(String),
    /// Happens when a `%` is not followed by two hex digits or the decoded octets are not UTF-8 (RFC 5122
    /// §2.7.2).
    #[error("xmpp: URI `{0}` has a malformed percent-escape or escapes octets that are not UTF-8")]
    BadPercentEncoding(String),
    /// Happens when an `@` is present but the localpart before it is empty (RFC 7622 §3.3.1).
    #[error("xmpp localpart is empty although the address contains an @")]
    EmptyLocalpart,
    /// Happens when a `/` is present but the resourcepart after it is empty (RFC 7622 §3.4.1).
    #[error("xmpp resourcepart is empty although the address contains a /")]
    EmptyResource,
    /// Happens when the localpart is longer than 1023 octets (RFC 7622 §3.3.1).
    #[error("xmpp localpart is longer than 1023 octets")]
    LocalpartTooLong,
    /// Happens when the resourcepart is longer than 1023 octets (RFC 7622 §3.4.1).
    #[error("xmpp resourcepart is longer than 1023 octets")]
    ResourceTooLong,
    /// Happens when the localpart holds a character the localpart profile forbids, such as a space, `"`,
    /// `&`, `'`, `/`, `:`, `<`, `>` or `@` (RFC 7622 §3.3.1); XEP-0106 escaping can carry those.
    #[error("xmpp localpart `{0}` holds a character that is not allowed there (RFC 7622 §3.3)")]
    InvalidLocalpart(String),
    /// Happens when the domainpart is not a valid host name or IP literal (RFC 7622 §3.2).
    #[error("xmpp domainpart `{0}` is not a valid domain name or IP address (RFC 7622 §3.2)")]
    InvalidDomain(String),
    /// Happens when the resourcepart holds a forbidden character such as a control character (RFC 7622
    /// §3.4).
    #[error("xmpp resourcepart `{0}` holds a character that is not allowed there (RFC 7622 §3.4)")]
    InvalidResource(String),
}

/// An XMPP address: a validated JID (RFC 7622), printed as an `xmpp:` URI (RFC 5122).
///
/// The JID is normalised by the `jid` crate (nodeprep, nameprep and resourceprep, RFC 6122 profiles), so
/// `xmpp:Juliet@Example.COM` and `xmpp:juliet@example.com` are equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct XmppAddress(Jid);

impl XmppAddress {
    /// Wraps an already validated JID.
    pub fn new(jid: Jid) -> Self {
        XmppAddress(jid)
    }

    /// Parses a plain JID such as `juliet@example.com/balcony` (RFC 7622 §3.1), without URI escaping.
    pub fn from_jid_str(jid: &str) -> Result<Self, XmppAddressError> {
        let (bare, resource) = match jid.split_once('/') {
            Some((bare, resource)) => (bare, Some(resource)),
            None => (jid, None),
        };
        let (node, domain) = match bare.split_once('@') {
            Some((node, domain)) => (Some(node), domain),
            None => (None, bare),
        };
        build(node, domain, resource)
    }

    /// The JID.
    pub fn jid(&self) -> &Jid {
        &self.0
    }

    /// The localpart (RFC 7622 §3.3), if any.
    pub fn node(&self) -> Option<&str> {
        self.0.node().map(|node| node.as_str())
    }

    /// The domainpart (RFC 7622 §3.2).
    pub fn domain(&self) -> &str {
        self.0.domain().as_str()
    }

    /// The resourcepart (RFC 7622 §3.4), if any.
    pub fn resource(&self) -> Option<&str> {
        self.0.resource().map(|resource| resource.as_str())
    }

    /// The bare JID: this address without its resource (RFC 7622 §3.5 terminology).
    pub fn bare(&self) -> XmppAddress {
        XmppAddress(Jid::from(self.0.to_bare()))
    }

    /// Whether the address has no resource.
    pub fn is_bare(&self) -> bool {
        self.0.is_bare()
    }
}

impl From<Jid> for XmppAddress {
    fn from(jid: Jid) -> Self {
        XmppAddress(jid)
    }
}

impl From<XmppAddress> for Jid {
    fn from(address: XmppAddress) -> Self {
        address.0
    }
}

impl FromStr for XmppAddress {
    type Err = XmppAddressError;

    /// RFC 5122 §2.2: `xmpp:` [ `//` authority `/` ] node `@` domain [ `/` resource ], each part
    /// percent-decoded as UTF-8 (§2.7.2).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let rest =
            strip_scheme(s, "xmpp").ok_or_else(|| XmppAddressError::NotXmppUri(s.to_owned()))?;
        if rest.starts_with("//") {
            return Err(XmppAddressError::AuthorityNotSupported(s.to_owned()));
        }
        if rest.contains('?') {
            return Err(XmppAddressError::QueryNotSupported(s.to_owned()));
        }
        if rest.contains('#') {
            return Err(XmppAddressError::FragmentNotSupported(s.to_owned()));
        }
        if rest.is_empty() {
            return Err(XmppAddressError::Empty);
        }
        let decode = |part: &str| {
            percent::decode(part).map_err(|_| XmppAddressError::BadPercentEncoding(s.to_owned()))
        };
        let (bare, resource) = match rest.split_once('/') {
            Some((bare, resource)) => (bare, Some(decode(resource)?)),
            None => (rest, None),
        };
        let (node, domain) = match bare.split_once('@') {
            Some((node, domain)) => (Some(decode(node)?), decode(domain)?),
            None => (None, decode(bare)?),
        };
        build(node.as_deref(), &domain, resource.as_deref())
    }
}

/// Validates each part separately, so that a decoded `/` or `@` cannot move a part boundary.
fn build(
    node: Option<&str>,
    domain: &str,
    resource: Option<&str>,
) -> Result<XmppAddress, XmppAddressError> {
    let node = node
        .map(|node| {
            NodePart::new(node).map_err(|error| match error {
                jid::Error::NodeEmpty => XmppAddressError::EmptyLocalpart,
                jid::Error::NodeTooLong => XmppAddressError::LocalpartTooLong,
                _ if node.is_empty() => XmppAddressError::EmptyLocalpart,
                _ => XmppAddressError::InvalidLocalpart(node.to_owned()),
            })
        })
        .transpose()?;
    let domain_part =
        DomainPart::new(domain).map_err(|_| XmppAddressError::InvalidDomain(domain.to_owned()))?;
    let resource = resource
        .map(|resource| {
            ResourcePart::new(resource).map_err(|error| match error {
                jid::Error::ResourceEmpty => XmppAddressError::EmptyResource,
                jid::Error::ResourceTooLong => XmppAddressError::ResourceTooLong,
                _ if resource.is_empty() => XmppAddressError::EmptyResource,
                _ => XmppAddressError::InvalidResource(resource.to_owned()),
            })
        })
        .transpose()?;
    Ok(XmppAddress(Jid::from_parts(
        node.as_deref(),
        &domain_part,
        resource.as_deref(),
    )))
}

/// RFC 5122 §2.2 `nodeallow`: what may stay unescaped in a localpart besides unreserved characters.
fn node_keeps(c: char) -> bool {
    percent::is_unreserved(c) || matches!(c, '!' | '$' | '(' | ')' | '*' | '+' | ',' | ';' | '=')
}

/// RFC 3987 `ireg-name` / `ipath-segment` characters that may stay unescaped in the domain and resource.
fn domain_keeps(c: char) -> bool {
    percent::is_unreserved(c)
        || matches!(
            c,
            '!' | '$' | '&' | '\'' | '(' | ')' | '*' | '+' | ',' | ';' | '=' | '[' | ']' | ':'
        )
}

fn resource_keeps(c: char) -> bool {
    percent::is_unreserved(c)
        || matches!(
            c,
            '!' | '$' | '&' | '\'' | '(' | ')' | '*' | '+' | ',' | ';' | '=' | ':' | '@' | '/'
        )
}

impl fmt::Display for XmppAddress {
    /// RFC 5122 §2.2 form, with the characters the URI syntax reserves percent-encoded (§2.7.1).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("xmpp:")?;
        if let Some(node) = self.node() {
            write!(f, "{}@", percent::encode_iri(node, node_keeps))?;
        }
        f.write_str(&percent::encode_iri(self.domain(), domain_keeps))?;
        if let Some(resource) = self.resource() {
            write!(f, "/{}", percent::encode_iri(resource, resource_keeps))?;
        }
        Ok(())
    }
}
