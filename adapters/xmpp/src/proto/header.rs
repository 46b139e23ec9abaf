//! What the component writes to open its stream (XEP-0114 §3, RFC 6120 §4.7) and authenticate
//! (XEP-0114 §3 handshake, computed as the `<handshake/>` digest).

use sha1::{Digest, Sha1};

use super::element::Element;
use super::serialize::escape_into;
use super::{NS_COMPONENT, NS_STREAMS};

/// The closing tag of a stream (RFC 6120 §4.4).
pub const STREAM_CLOSE: &str = "</stream:stream>";

/// Builds a component stream header (XEP-0114 §3 example 1, RFC 6120 §4.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamHeader {
    to: String,
    from: Option<String>,
    id: Option<String>,
}

impl StreamHeader {
    /// The header a component sends: `to` is the component's own domain (XEP-0114 §3).
    #[must_use]
    pub fn new(to: impl Into<String>) -> Self {
        Self {
            to: to.into(),
            from: None,
            id: None,
        }
    }

    /// Adds `from` (RFC 6120 §4.7.1), as a server's answering header carries.
    #[must_use]
    pub fn from(mut self, from: impl Into<String>) -> Self {
        self.from = Some(from.into());
        self
    }

    /// Adds the stream `id` (RFC 6120 §4.7.3), as a server's answering header carries.
    #[must_use]
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// The opening tag, e.g. `<stream:stream xmlns='jabber:component:accept'
    /// xmlns:stream='http://etherx.jabber.org/streams' to='gw.example.org'>`.
    #[must_use]
    pub fn to_xml(&self) -> String {
        let mut out = format!("<stream:stream xmlns='{NS_COMPONENT}' xmlns:stream='{NS_STREAMS}'");
        for (name, value) in [
            ("to", Some(&self.to)),
            ("from", self.from.as_ref()),
            ("id", self.id.as_ref()),
        ] {
            if let Some(value) = value {
                out.push(' ');
                out.push_str(name);
                out.push_str("='");
                escape_into(&mut out, value, true);
                out.push('\'');
            }
        }
        out.push('>');
        out
    }
}

/// The XEP-0114 §3 handshake digest: lowercase hex SHA-1 of the stream id followed by the shared
/// secret, both as UTF-8.
#[must_use]
pub fn handshake_digest(stream_id: &str, secret: &str) -> String {
    let mut hasher = Sha1::new();
    hasher.update(stream_id.as_bytes());
    hasher.update(secret.as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The `<handshake/>` element carrying [`handshake_digest`] (XEP-0114 §3 example 3).
#[must_use]
pub fn handshake_element(stream_id: &str, secret: &str) -> Element {
    Element::new("handshake", NS_COMPONENT).with_text(handshake_digest(stream_id, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn component_header() {
        assert_eq!(
            StreamHeader::new("gw.example.org").to_xml(),
            "<stream:stream xmlns='jabber:component:accept' \
             xmlns:stream='http://etherx.jabber.org/streams' to='gw.example.org'>"
        );
        assert_eq!(
            StreamHeader::new("a'b").from("s").id("1&2").to_xml(),
            "<stream:stream xmlns='jabber:component:accept' \
             xmlns:stream='http://etherx.jabber.org/streams' to='a&apos;b' from='s' id='1&amp;2'>"
        );
    }

    #[test]
    fn handshake_vectors() {
        // Independently computed with Python 3:
        // hashlib.sha1(b'3BF96D75' + b'sunshine').hexdigest()
        assert_eq!(
            handshake_digest("3BF96D75", "sunshine"),
            "1fde9c4664f12ed6859ad048d7931d5cbd7845ef"
        );
        // hashlib.sha1('idé'.encode() + 'sécret'.encode()).hexdigest()
        assert_eq!(
            handshake_digest("idé", "sécret"),
            "78e9f12a7dc1f22cd44a289aaef4f17015c1c25b"
        );
        assert_eq!(
            handshake_element("3BF96D75", "sunshine").to_stream_xml(),
            "<handshake>1fde9c4664f12ed6859ad048d7931d5cbd7845ef</handshake>"
        );
    }
}
