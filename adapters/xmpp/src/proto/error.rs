//! Stream errors: why the codec refused the peer's XML, each mapped to the RFC 6120 §4.9.3 defined
//! condition that the gateway sends back in a `<stream:error/>` before closing the stream.

use thiserror::Error;

use super::element::Element;
use super::{NS_STREAM_ERRORS, NS_STREAMS, NS_XML};

/// Why the peer's stream cannot be processed; fatal: the stream must be closed (RFC 6120 §4.9.1.1).
///
/// When the error happens before the peer's stream header was read, RFC 6120 §4.9.1.3 asks the
/// gateway to send its own stream header first, then [`StreamError::to_stream_error_xml`], then
/// `</stream:stream>`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum StreamError {
    /// Happens when a stanza, the stream header, an element's attributes or its namespace bindings
    /// cross a [`StreamLimits`](super::StreamLimits) bound (RFC 6120 §4.9.3.14 `policy-violation`).
    #[error("policy violation: {0}")]
    PolicyViolation(LimitExceeded),
    /// Happens when the peer sends XML that RFC 6120 §11.1 forbids on a stream: a comment, a
    /// processing instruction, a document type declaration or an entity reference other than the
    /// five predefined ones (RFC 6120 §4.9.3.18 `restricted-xml`).
    #[error("restricted xml: {0}")]
    RestrictedXml(Restricted),
    /// Happens when the bytes are not well-formed XML 1.0 with namespaces (RFC 6120 §4.9.3.13
    /// `not-well-formed`, §11.3, §11.4).
    #[error("not well-formed: {0}")]
    NotWellFormed(Malformed),
    /// Happens when the stream header is not `stream` in `http://etherx.jabber.org/streams`, or its
    /// content namespace is not `jabber:component:accept` (RFC 6120 §4.9.3.10 `invalid-namespace`,
    /// XEP-0114 §3).
    #[error("invalid namespace: {found:?} is not {expected}")]
    InvalidNamespace {
        /// The namespace the stream needs there.
        expected: &'static str,
        /// The namespace the peer used (empty when none).
        found: String,
    },
    /// Happens when the XML declaration names an encoding other than UTF-8 (RFC 6120 §11.6,
    /// §4.9.3.22 `unsupported-encoding`).
    #[error("unsupported encoding {encoding:?}: streams are utf-8")]
    UnsupportedEncoding {
        /// The encoding label the declaration gave.
        encoding: String,
    },
    /// Happens when the root element is not a stream header, or character data other than
    /// whitespace appears between stanzas (RFC 6120 §4.9.3.1 `bad-format`).
    #[error("bad format: {0}")]
    BadFormat(FormatProblem),
}

impl StreamError {
    /// The RFC 6120 §4.9.3 defined condition to send for this error, e.g. `"policy-violation"`.
    #[must_use]
    pub fn condition(&self) -> &'static str {
        match self {
            Self::PolicyViolation(_) => "policy-violation",
            Self::RestrictedXml(_) => "restricted-xml",
            Self::NotWellFormed(_) => "not-well-formed",
            Self::InvalidNamespace { .. } => "invalid-namespace",
            Self::UnsupportedEncoding { .. } => "unsupported-encoding",
            Self::BadFormat(_) => "bad-format",
        }
    }

    /// The `<stream:error/>` element to send (RFC 6120 §4.9.2): the defined condition plus a
    /// `<text/>` carrying this error's message, both qualified by
    /// `urn:ietf:params:xml:ns:xmpp-streams`.
    #[must_use]
    pub fn to_stream_error_element(&self) -> Element {
        Element::new("error", NS_STREAMS)
            .with_child(Element::new(self.condition(), NS_STREAM_ERRORS))
            .with_child(
                Element::new("text", NS_STREAM_ERRORS)
                    .with_attr_ns("lang", NS_XML, "en")
                    .with_text(self.to_string()),
            )
    }

    /// The `<stream:error/>` element serialized for the gateway's own stream, whose header declares
    /// the `stream` prefix (RFC 6120 §4.9.2, §4.8.5); the caller sends `</stream:stream>` after it.
    #[must_use]
    pub fn to_stream_error_xml(&self) -> String {
        self.to_stream_error_element().to_stream_xml()
    }
}

/// Which [`StreamLimits`](super::StreamLimits) bound the peer crossed (RFC 6120 §4.9.3.14, §13.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum LimitExceeded {
    /// Happens when a stanza (or the stream header) grows past `max_stanza_bytes`.
    #[error("stanza larger than {limit} bytes")]
    StanzaBytes {
        /// The bound in force.
        limit: usize,
    },
    /// Happens when elements nest deeper than `max_depth` inside one stanza.
    #[error("elements nested deeper than {limit}")]
    Depth {
        /// The bound in force.
        limit: usize,
    },
    /// Happens when one element carries more than `max_attributes` attributes.
    #[error("more than {limit} attributes on one element")]
    Attributes {
        /// The bound in force.
        limit: usize,
    },
    /// Happens when more than `max_namespace_bindings` namespace declarations are in scope at once.
    #[error("more than {limit} namespace bindings in scope")]
    NamespaceBindings {
        /// The bound in force.
        limit: usize,
    },
}

/// Which RFC 6120 §11.1 restriction the peer broke.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Restricted {
    /// Happens when the peer sends `<!--`.
    #[error("comments are not allowed")]
    Comment,
    /// Happens when the peer sends `<?` anywhere but an XML declaration at the very start.
    #[error("processing instructions are not allowed")]
    ProcessingInstruction,
    /// Happens when the peer sends `<!DOCTYPE`.
    #[error("document type declarations are not allowed")]
    Doctype,
    /// Happens when the peer sends another markup declaration such as `<!ENTITY` or `<!ELEMENT`.
    #[error("markup declarations are not allowed")]
    MarkupDeclaration,
    /// Happens when the peer references an entity other than `lt`, `gt`, `amp`, `quot`, `apos`.
    #[error("undefined entity reference &{name};")]
    EntityReference {
        /// The entity name (at most 32 bytes of it).
        name: String,
    },
}

/// What makes the input not well-formed (XML 1.0 §2, Namespaces in XML 1.0 §7).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Malformed {
    /// Happens when the bytes are not UTF-8 (RFC 6120 §11.6).
    #[error("invalid utf-8")]
    InvalidUtf8,
    /// Happens when a character (literal or referenced) is outside XML 1.0 `Char` (§2.2), e.g. NUL.
    #[error("character U+{0:04X} is not allowed in xml")]
    ForbiddenChar(u32),
    /// Happens when a byte cannot start or continue markup where it stands, e.g. `<` in an
    /// attribute value or `< a>`.
    #[error("unexpected byte 0x{0:02x} in markup")]
    UnexpectedByte(u8),
    /// Happens when `&` does not start a syntactically valid reference ending in `;`.
    #[error("malformed character or entity reference")]
    BadReference,
    /// Happens when `]]>` appears in character data (XML 1.0 §2.4).
    #[error("']]>' in character data")]
    CdataEndInText,
    /// Happens when character data or markup precedes the stream header.
    #[error("content before the stream header")]
    ContentBeforeHeader,
    /// Happens when anything but whitespace follows `</stream:stream>`.
    #[error("content after the stream was closed")]
    ContentAfterClose,
    /// Happens when the XML declaration is malformed or longer than 256 bytes.
    #[error("malformed xml declaration")]
    BadXmlDeclaration,
    /// Happens when an end tag does not close the element that is open.
    #[error("end tag </{found}> does not match <{expected}>")]
    MismatchedEndTag {
        /// The element that is open.
        expected: String,
        /// The end tag the peer sent.
        found: String,
    },
    /// Happens when an element or attribute name is not an XML `QName`.
    #[error("invalid name {0:?}")]
    BadName(String),
    /// Happens when a name uses a prefix that no `xmlns:` declaration in scope binds.
    #[error("undeclared namespace prefix {0:?}")]
    UndeclaredPrefix(String),
    /// Happens when an element carries the same attribute twice (by name, or by namespace and
    /// local name).
    #[error("duplicate attribute {0:?}")]
    DuplicateAttribute(String),
    /// Happens when a namespace declaration is illegal, e.g. rebinding `xml` or `xmlns`.
    #[error("illegal namespace declaration: {0}")]
    BadNamespaceDeclaration(String),
    /// Happens on any other syntax error reported by the XML tokenizer (its message).
    #[error("{0}")]
    Syntax(String),
}

/// Why the stream is well-formed XML yet not an XMPP stream (RFC 6120 §4.9.3.1).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FormatProblem {
    /// Happens when the root element is not named `stream` (its qualified name is kept).
    #[error("root element <{0}> is not a stream header")]
    NotAStreamHeader(String),
    /// Happens when non-whitespace character data appears between stanzas (RFC 6120 §4.7.2
    /// allows only whitespace keep-alives there).
    #[error("character data between stanzas")]
    TextBetweenStanzas,
}

impl From<LimitExceeded> for StreamError {
    fn from(limit: LimitExceeded) -> Self {
        Self::PolicyViolation(limit)
    }
}

impl From<Restricted> for StreamError {
    fn from(what: Restricted) -> Self {
        Self::RestrictedXml(what)
    }
}

impl From<Malformed> for StreamError {
    fn from(what: Malformed) -> Self {
        Self::NotWellFormed(what)
    }
}

impl From<FormatProblem> for StreamError {
    fn from(what: FormatProblem) -> Self {
        Self::BadFormat(what)
    }
}
