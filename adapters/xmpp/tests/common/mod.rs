//! Helpers shared by the integration tests.
#![allow(dead_code, reason = "each test binary uses a subset of the helpers")]

use switchboard_xmpp::proto::{
    Element, StreamError, StreamEvent, StreamLimits, StreamParser, parse_all,
};

/// A server's answering component stream header (XEP-0114 §3 example 2 shape).
pub(crate) const HEADER: &str = "<stream:stream xmlns='jabber:component:accept' \
                      xmlns:stream='http://etherx.jabber.org/streams' from='gw.example.org' id='3BF96D75'>";

pub(crate) fn stanzas(events: &[StreamEvent]) -> Vec<&Element> {
    events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Stanza(s) => Some(s),
            _ => None,
        })
        .collect()
}

/// Parses `xml` as the only stanza of a component stream.
pub(crate) fn parse_stanza(xml: &str) -> Result<Element, StreamError> {
    let input = format!("{HEADER}{xml}</stream:stream>");
    let events = parse_all(input.as_bytes(), StreamLimits::default())?;
    let found = stanzas(&events);
    assert_eq!(found.len(), 1, "{xml}");
    Ok(found[0].clone())
}

/// Feeds `input` in the given chunks, collecting events, stopping at the first error.
pub(crate) fn feed_chunks<'a>(
    chunks: impl IntoIterator<Item = &'a [u8]>,
    limits: StreamLimits,
) -> Result<Vec<StreamEvent>, StreamError> {
    let mut p = StreamParser::new(limits);
    let mut events = Vec::new();
    for chunk in chunks {
        p.feed(chunk)?;
        events.extend(std::iter::from_fn(|| p.next_event()));
    }
    Ok(events)
}
