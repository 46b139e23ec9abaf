//! The incremental, I/O-free stream parser: bytes in (any chunking), stream events out
//! (RFC 6120 §4 streams, XEP-0114 §3 component streams).

use std::collections::VecDeque;

use quick_xml::name::NamespaceResolver;

use super::build::{as_xml_text, parse_decl, parse_header, parse_stanza};
use super::element::Element;
use super::error::{FormatProblem, Malformed, StreamError};
use super::framer::{Framer, Unit};
use super::limits::StreamLimits;
use super::{NS_COMPONENT, NS_STREAMS};

/// What the peer's stream yields, in order (RFC 6120 §4.2, §4.4, §4.7.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    /// The peer's stream header `<stream:stream …>` (RFC 6120 §4.7).
    StreamOpen(StreamOpen),
    /// One complete top-level child of the stream: a stanza (`message`, `presence`, `iq`), the
    /// XEP-0114 `handshake`, `stream:error`, or anything else.
    Stanza(Element),
    /// The peer closed its stream with `</stream:stream>` (RFC 6120 §4.4).
    StreamClose,
}

/// The attributes of the peer's stream header (RFC 6120 §4.7, XEP-0114 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamOpen {
    /// The header's qualified name as sent, e.g. `stream:stream`.
    pub name: String,
    /// Every attribute as sent, in order, by qualified name (`xmlns`, `xmlns:stream`, `id`, …),
    /// with values normalized and unescaped.
    pub attributes: Vec<(String, String)>,
}

impl StreamOpen {
    /// The value of the attribute with qualified name `qname`, e.g. `attr("xml:lang")`.
    #[must_use]
    pub fn attr(&self, qname: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == qname)
            .map(|(_, v)| v.as_str())
    }

    /// The stream id (RFC 6120 §4.7.3), which the XEP-0114 §3 handshake digest covers.
    #[must_use]
    pub fn id(&self) -> Option<&str> {
        self.attr("id")
    }

    /// The `from` attribute (RFC 6120 §4.7.1).
    #[must_use]
    pub fn from(&self) -> Option<&str> {
        self.attr("from")
    }

    /// The `to` attribute (RFC 6120 §4.7.2).
    #[must_use]
    pub fn to(&self) -> Option<&str> {
        self.attr("to")
    }

    /// The `version` attribute (RFC 6120 §4.7.5); XEP-0114 peers usually omit it.
    #[must_use]
    pub fn version(&self) -> Option<&str> {
        self.attr("version")
    }

    /// The default namespace the header declared (RFC 6120 §4.8.2), e.g. `jabber:component:accept`.
    #[must_use]
    pub fn default_namespace(&self) -> Option<&str> {
        self.attr("xmlns")
    }
}

/// An incremental parser for one inbound XEP-0114 component stream (RFC 6120 §4, §11).
///
/// Feed it bytes as they arrive, split anywhere; take events with [`StreamParser::next_event`].
/// The first error is final: it is returned again by every later `feed`, and the events queued
/// before it can still be taken.
#[derive(Debug)]
pub struct StreamParser {
    limits: StreamLimits,
    framer: Framer,
    resolver: NamespaceResolver,
    /// The header's qualified name, which the closing tag must repeat (XML 1.0 §3 WFC: Element
    /// Type Match).
    stream_name: String,
    events: VecDeque<StreamEvent>,
    failed: Option<StreamError>,
}

impl StreamParser {
    /// A parser waiting for the peer's stream header.
    #[must_use]
    pub fn new(limits: StreamLimits) -> Self {
        let mut resolver = NamespaceResolver::default();
        resolver.set_max_namespace_bindings(limits.max_namespace_bindings);
        Self {
            limits,
            framer: Framer::new(limits),
            resolver,
            stream_name: String::new(),
            events: VecDeque::new(),
            failed: None,
        }
    }

    /// Consumes a chunk of bytes, queueing the events it completes.
    ///
    /// # Errors
    /// The [`StreamError`] to report to the peer before closing the stream (RFC 6120 §4.9).
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), StreamError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        for &b in chunk {
            let step = match self.framer.push(b) {
                Ok(None) => Ok(()),
                Ok(Some(unit)) => self.complete(unit),
                Err(e) => Err(e),
            };
            if let Err(e) = step {
                self.failed = Some(e.clone());
                return Err(e);
            }
        }
        Ok(())
    }

    /// The next complete event, if any.
    pub fn next_event(&mut self) -> Option<StreamEvent> {
        self.events.pop_front()
    }

    /// Bytes of memory held for the unit (stanza or header) being read; never more than
    /// [`StreamLimits::max_stanza_bytes`].
    #[must_use]
    pub fn buffered_bytes(&self) -> usize {
        self.framer.buffered_bytes()
    }

    /// The limits in force.
    #[must_use]
    pub fn limits(&self) -> &StreamLimits {
        &self.limits
    }

    fn complete(&mut self, unit: Unit) -> Result<(), StreamError> {
        let text = as_xml_text(self.framer.unit())?;
        let ns_limit = self.limits.max_namespace_bindings;
        match unit {
            Unit::Decl => {
                // RFC 6120 §11.6: only UTF-8 is allowed.
                if let Some(enc) = parse_decl(text)?.filter(|e| !e.eq_ignore_ascii_case("utf-8")) {
                    return Err(StreamError::UnsupportedEncoding { encoding: enc });
                }
            }
            Unit::Header => {
                let header = parse_header(text, &mut self.resolver, ns_limit)?;
                if header.element.namespace != NS_STREAMS {
                    return Err(StreamError::InvalidNamespace {
                        expected: NS_STREAMS,
                        found: header.element.namespace,
                    });
                }
                if header.element.name != "stream" {
                    return Err(FormatProblem::NotAStreamHeader(header.qname).into());
                }
                let content_ns = header
                    .attributes
                    .iter()
                    .find(|(k, _)| k == "xmlns")
                    .map(|(_, v)| v.as_str())
                    .unwrap_or_default();
                if content_ns != NS_COMPONENT {
                    return Err(StreamError::InvalidNamespace {
                        expected: NS_COMPONENT,
                        found: content_ns.to_owned(),
                    });
                }
                self.stream_name = header.qname.clone();
                self.events.push_back(StreamEvent::StreamOpen(StreamOpen {
                    name: header.qname,
                    attributes: header.attributes,
                }));
                if header.empty {
                    self.events.push_back(StreamEvent::StreamClose);
                }
            }
            Unit::Stanza => {
                let element = parse_stanza(text, &mut self.resolver, 1, ns_limit)?;
                self.events.push_back(StreamEvent::Stanza(element));
            }
            Unit::Close => {
                let found = text
                    .trim_start_matches("</")
                    .trim_end_matches('>')
                    .trim_end_matches(|c: char| c.is_ascii_whitespace());
                if found != self.stream_name {
                    return Err(Malformed::MismatchedEndTag {
                        expected: self.stream_name.clone(),
                        found: found.to_owned(),
                    }
                    .into());
                }
                self.events.push_back(StreamEvent::StreamClose);
            }
        }
        self.framer.clear_unit();
        Ok(())
    }
}

/// Parses a whole byte string in one go: the fuzzing entry point, and the reference the chunked
/// parser must agree with.
///
/// # Errors
/// The first [`StreamError`] the stream contains.
pub fn parse_all(bytes: &[u8], limits: StreamLimits) -> Result<Vec<StreamEvent>, StreamError> {
    let mut parser = StreamParser::new(limits);
    parser.feed(bytes)?;
    Ok(std::iter::from_fn(|| parser.next_event()).collect())
}
