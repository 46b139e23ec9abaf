//! The I/O-free XMPP stream codec for XEP-0114 component streams (namespace
//! `jabber:component:accept`): an incremental parser fed arbitrary byte chunks, an owned DOM for
//! stanzas, a serializer, the stream errors of RFC 6120 §4.9.3, and the component's stream header
//! and handshake (XEP-0114 §3).
//!
//! Parsing happens in two stages. `framer` reads byte by byte and finds where each top-level unit
//! ends, enforcing the RFC 6120 §11.1 restrictions and the [`StreamLimits`] as soon as a byte
//! crosses them, so memory stays bounded whatever the peer sends. `build` then hands the complete
//! unit to quick-xml for tokenizing and namespace resolution and produces an [`Element`].

mod build;
mod chars;
mod element;
mod error;
mod framer;
mod header;
mod limits;
mod parser;
mod serialize;

pub use element::{Attribute, Element, Node};
pub use error::{FormatProblem, LimitExceeded, Malformed, Restricted, StreamError};
pub use header::{STREAM_CLOSE, StreamHeader, handshake_digest, handshake_element};
pub use limits::StreamLimits;
pub use parser::{StreamEvent, StreamOpen, StreamParser, parse_all};

/// The stream namespace (RFC 6120 §4.8.1).
pub const NS_STREAMS: &str = "http://etherx.jabber.org/streams";
/// The content namespace of component streams (XEP-0114 §3).
pub const NS_COMPONENT: &str = "jabber:component:accept";
/// The namespace of stream error conditions (RFC 6120 §4.9.2).
pub const NS_STREAM_ERRORS: &str = "urn:ietf:params:xml:ns:xmpp-streams";
/// The namespace bound to the `xml` prefix (Namespaces in XML 1.0 §3), e.g. for `xml:lang`.
pub const NS_XML: &str = "http://www.w3.org/XML/1998/namespace";
