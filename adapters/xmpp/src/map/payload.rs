//! Payload elements the gateway does not interpret (XHTML-IM, OMEMO, custom extensions) travel with the
//! message as CPIM extension headers (RFC 3862 §5.2: `NS` declaration plus `Prefix.Name` headers), so a
//! far side that can carry them (another XMPP user, a bridged MUC) gets them back intact; other networks
//! ignore them.

use switchboard_core::cpim::{CpimMessage, ExtensionHeader, HeaderName, Name, NsDeclaration, Uri};

use super::ns;
use crate::proto::{Element, NS_COMPONENT, StreamEvent, StreamLimits, parse_all};

/// The CPIM namespace of carried XMPP payloads.
const PAYLOAD_NS: &str = "urn:xmpp:switchboard:payload:0";
/// The prefix declared for it, and the header name.
const PREFIX: &str = "XMPP";
const HEADER: &str = "XMPP.Payload";

/// Whether a child of `<message/>` is one the mapping already understands.
fn is_understood(child: &Element) -> bool {
    let ours = [
        (NS_COMPONENT, "body"),
        (NS_COMPONENT, "subject"),
        (NS_COMPONENT, "thread"),
        (NS_COMPONENT, "error"),
    ];
    ours.iter().any(|(ns, name)| child.is(name, ns))
        || [
            ns::RECEIPTS,
            ns::CORRECT,
            ns::REPLY,
            ns::OOB,
            ns::DELAY,
            ns::SID,
            ns::CHAT_STATES,
        ]
        .contains(&child.namespace.as_str())
}

/// Adds every payload of `stanza` the mapping does not understand to `cpim`.
pub(crate) fn carry(stanza: &Element, mut cpim: CpimMessage) -> CpimMessage {
    let unknown: Vec<&Element> = stanza.elements().filter(|c| !is_understood(c)).collect();
    if unknown.is_empty() {
        return cpim;
    }
    let (Ok(prefix), Ok(uri), Ok(name)) = (
        Name::parse(PREFIX),
        Uri::parse(PAYLOAD_NS),
        HeaderName::parse(HEADER),
    ) else {
        return cpim;
    };
    cpim = cpim.with_namespace(NsDeclaration {
        prefix: Some(prefix),
        uri,
    });
    for element in unknown {
        if let Ok(header) = ExtensionHeader::new(name.clone(), element.to_xml()) {
            cpim = cpim.with_extension(header);
        }
    }
    cpim
}

/// The payloads `cpim` carries, as elements to put back into a `<message/>`.
pub(crate) fn restore(cpim: &CpimMessage) -> Vec<Element> {
    cpim.extensions()
        .filter(|header| header.name().as_str() == HEADER)
        .filter_map(|header| parse_element(header.value()))
        .collect()
}

/// Parses one serialized element (as `Element::to_xml` wrote it) inside a throwaway stream.
fn parse_element(xml: &str) -> Option<Element> {
    let stream = format!(
        "<stream:stream xmlns='{NS_COMPONENT}' xmlns:stream='http://etherx.jabber.org/streams'>{xml}"
    );
    parse_all(stream.as_bytes(), StreamLimits::default())
        .ok()?
        .into_iter()
        .find_map(|event| match event {
            StreamEvent::Stanza(element) => Some(element),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_core::cpim::{MimePart, NameAddr};

    #[test]
    fn unknown_payloads_survive_the_trip_and_known_ones_are_not_duplicated() {
        let stanza = parse_element(
            "<message to='a@b'><body>hi</body><request xmlns='urn:xmpp:receipts'/>\
             <foo xmlns='urn:example:custom' level='2'><bar>1 &amp; 2</bar></foo>\
             <html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'>\
             <b>hi</b></body></html></message>",
        )
        .expect("stanza");
        let cpim = CpimMessage::new(
            NameAddr::new(Uri::parse("im:a@b").expect("uri")),
            NameAddr::new(Uri::parse("im:c@d").expect("uri")),
            MimePart::text_plain("hi"),
        );
        let carried = carry(&stanza, cpim);
        let restored = restore(&carried);
        assert_eq!(
            restored.len(),
            2,
            "foo and html, not body nor the receipt request"
        );
        assert!(restored[0].is("foo", "urn:example:custom"));
        assert_eq!(restored[0].attr("level"), Some("2"));
        assert_eq!(
            restored[0]
                .child("bar", "urn:example:custom")
                .map(Element::text)
                .as_deref(),
            Some("1 & 2")
        );
        assert!(restored[1].is("html", "http://jabber.org/protocol/xhtml-im"));
        // And through CPIM bytes: the header escaping keeps the XML intact.
        let bytes = carried.to_bytes();
        let reparsed = CpimMessage::parse(&bytes, &Default::default()).expect("reparse");
        assert_eq!(restore(&reparsed), restored);
    }
}
