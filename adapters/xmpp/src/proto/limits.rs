//! Resource bounds for one inbound stream (RFC 6120 §13.12 denial of service, §4.9.3.14).

/// The bounds [`StreamParser`](super::StreamParser) enforces while reading, each refused with
/// `policy-violation` as soon as it is crossed (RFC 6120 §4.9.3.14, §13.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimits {
    /// Largest stanza, in bytes from its `<` to its final `>`; also bounds the stream header.
    /// The parser never holds more than this (plus one byte) of a stanza. RFC 6120 §13.12 asks
    /// for at least 10 000 bytes; the default is 512 KiB.
    pub max_stanza_bytes: usize,
    /// Deepest element nesting inside a stanza, the stanza element itself being depth 1.
    pub max_depth: usize,
    /// Most attributes (namespace declarations included) on one element.
    pub max_attributes: usize,
    /// Most namespace declarations in scope at once, the stream header's included.
    pub max_namespace_bindings: usize,
}

impl Default for StreamLimits {
    fn default() -> Self {
        Self {
            max_stanza_bytes: 512 * 1024,
            max_depth: 64,
            max_attributes: 64,
            max_namespace_bindings: 128,
        }
    }
}
