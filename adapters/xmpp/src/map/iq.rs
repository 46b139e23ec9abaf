//! The IQs the gateway answers itself (RFC 6120 §8.2.3: every `get` and `set` gets a result or an error):
//! XEP-0030 service discovery of its domains, XEP-0092 software version and XEP-0199 ping.

use switchboard_core::address::XmppAddress;
use switchboard_core::envelope::ErrorKind;

use super::{error_reply, ns};
use crate::proto::{Element, NS_COMPONENT};
use crate::transport::{LegacyNetwork, TransportDomains};

/// The features every domain advertises (XEP-0030 §3.1): the namespaces [`answer_iq`] answers, then those
/// the message mapping carries (XEP-0184 receipts, XEP-0308 corrections, XEP-0066 links).
pub const FEATURES: [&str; 10] = [
    ns::COMMANDS,
    ns::GATEWAY,
    ns::REGISTER,
    ns::DISCO_INFO,
    ns::DISCO_ITEMS,
    ns::PING,
    ns::VERSION,
    ns::RECEIPTS,
    ns::CORRECT,
    ns::OOB,
];

/// What the gateway says about itself in service discovery and XEP-0092.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceInfo {
    /// The software name (XEP-0092 `<name/>`), also the start of every identity name.
    pub name: String,
    /// The software version (XEP-0092 `<version/>`).
    pub version: String,
}

/// The XEP-0030 identity `(category, type)` of a domain fronting `network`, from the XMPP Registrar's
/// service discovery identities (gateway types `irc`, `simple`, `sms`, `smtp`). Biboumi announces
/// `conference/irc` because it offers rooms; that identity joins this one when rooms at the component are
/// built.
pub fn identity_of(network: LegacyNetwork) -> (&'static str, &'static str) {
    match network {
        LegacyNetwork::Irc => ("gateway", "irc"),
        LegacyNetwork::Sip => ("gateway", "simple"),
        LegacyNetwork::Sms => ("gateway", "sms"),
        LegacyNetwork::Email => ("gateway", "smtp"),
    }
}

/// The name of a domain in discovery: the software name and the network, such as `Switchboard (IRC)`.
pub fn display_name(info: &ServiceInfo, network: LegacyNetwork) -> String {
    let label = match network {
        LegacyNetwork::Irc => "IRC",
        LegacyNetwork::Sip => "SIP/SIMPLE",
        LegacyNetwork::Sms => "SMS",
        LegacyNetwork::Email => "Email",
    };
    format!("{} ({label})", info.name)
}

/// Whether an `<iq/>` is a request (RFC 6120 §8.2.3): `Some(true)` for a get, `Some(false)` for a set,
/// `None` for a result, an error, an unknown type or another element.
pub(crate) fn request_is_get(iq: &Element) -> Option<bool> {
    if iq.name != "iq" {
        return None;
    }
    match iq.attr("type") {
        Some("get") => Some(true),
        Some("set") => Some(false),
        _ => None,
    }
}

/// The empty result answering `iq` (RFC 6120 §8.2.3): from its `to`, to its `from`, with its id; add the
/// payload as a child.
pub fn iq_result(iq: &Element) -> Element {
    let mut result = Element::new("iq", NS_COMPONENT);
    for (attribute, source) in [("from", "to"), ("to", "from"), ("id", "id")] {
        if let Some(value) = iq.attr(source) {
            result.set_attr(attribute, value);
        }
    }
    result.set_attr("type", "result");
    result
}

/// The answer to an `<iq/>` from the XMPP server, from the iq's `to` back to its `from` with the same id.
///
/// A `get` to one of the domains (no localpart, no resource) of XEP-0030 disco#info (the identity of
/// [`identity_of`] and [`FEATURES`]), disco#items (the other domains, listed on the first, main domain;
/// empty on the others), XEP-0092 version or XEP-0199 ping gets its result; a disco query for a node gets
/// item-not-found (XEP-0030 §3.1); one without exactly one child, or with an unknown type, gets bad-request
/// (RFC 6120 §8.2.3); any other `get` or `set` gets service-unavailable (RFC 6120 §8.3.3.19). Results and
/// errors get nothing (RFC 6120 §8.2.3), nor does an iq without `from`.
pub fn answer_iq(iq: &Element, info: &ServiceInfo, domains: &TransportDomains) -> Option<Element> {
    if iq.name != "iq" {
        return None;
    }
    let is_get = match iq.attr("type") {
        Some("get") => true,
        Some("set") => false,
        Some("result" | "error") => return None,
        _ => {
            return error_reply(
                iq,
                ErrorKind::BadRequest,
                "an iq must have type get, set, result or error",
            );
        }
    };
    let mut payloads = iq.elements();
    let (Some(payload), None) = (payloads.next(), payloads.next()) else {
        return error_reply(
            iq,
            ErrorKind::BadRequest,
            "an iq get or set must carry exactly one child element",
        );
    };
    let domain = iq
        .attr("to")
        .and_then(|to| XmppAddress::from_jid_str(to).ok())
        .filter(|jid| jid.node().is_none() && jid.resource().is_none())
        .and_then(|jid| {
            let network = domains.network_of(jid.domain())?;
            Some((jid.domain().to_owned(), network))
        });
    let answer = match domain {
        Some((domain, network)) if is_get => query(payload, &domain, network, info, domains),
        _ => Answer::Unsupported,
    };
    match answer {
        Answer::Result(child) => {
            iq.attr("from")?;
            let result = iq_result(iq);
            Some(match child {
                Some(child) => result.with_child(child),
                None => result,
            })
        }
        Answer::Error(kind, text) => error_reply(iq, kind, text),
        Answer::Unsupported => error_reply(
            iq,
            ErrorKind::ServiceUnavailable,
            "the gateway does not offer this service",
        ),
    }
}

/// What a query to one of the domains gets.
enum Answer {
    /// A result, with its payload (none for a ping).
    Result(Option<Element>),
    /// An error.
    Error(ErrorKind, &'static str),
    /// Not a query the gateway answers.
    Unsupported,
}

fn query(
    payload: &Element,
    domain: &str,
    network: LegacyNetwork,
    info: &ServiceInfo,
    domains: &TransportDomains,
) -> Answer {
    let is_disco = payload.is("query", ns::DISCO_INFO) || payload.is("query", ns::DISCO_ITEMS);
    if is_disco && payload.attr("node").is_some() {
        return Answer::Error(ErrorKind::ItemNotFound, "the gateway has no such node");
    }
    if payload.is("query", ns::DISCO_INFO) {
        Answer::Result(Some(disco_info(network, info)))
    } else if payload.is("query", ns::DISCO_ITEMS) {
        Answer::Result(Some(disco_items(domain, info, domains)))
    } else if payload.is("query", ns::VERSION) {
        Answer::Result(Some(
            Element::new("query", ns::VERSION)
                .with_child(Element::new("name", ns::VERSION).with_text(info.name.as_str()))
                .with_child(Element::new("version", ns::VERSION).with_text(info.version.as_str())),
        ))
    } else if payload.is("ping", ns::PING) {
        Answer::Result(None)
    } else {
        Answer::Unsupported
    }
}

/// XEP-0030 §3.1: one identity and the features.
fn disco_info(network: LegacyNetwork, info: &ServiceInfo) -> Element {
    let (category, kind) = identity_of(network);
    let identity = Element::new("identity", ns::DISCO_INFO)
        .with_attr("category", category)
        .with_attr("type", kind)
        .with_attr("name", display_name(info, network));
    FEATURES.iter().fold(
        Element::new("query", ns::DISCO_INFO).with_child(identity),
        |query, feature| {
            query.with_child(Element::new("feature", ns::DISCO_INFO).with_attr("var", *feature))
        },
    )
}

/// XEP-0030 §4.1: the main (first) domain lists the others; the others list nothing.
fn disco_items(domain: &str, info: &ServiceInfo, domains: &TransportDomains) -> Element {
    let mut all = domains.domains();
    let query = Element::new("query", ns::DISCO_ITEMS);
    let is_main = all
        .next()
        .is_some_and(|(main, _)| main.eq_ignore_ascii_case(domain));
    if !is_main {
        return query;
    }
    all.fold(query, |query, (other, network)| {
        query.with_child(
            Element::new("item", ns::DISCO_ITEMS)
                .with_attr("jid", other)
                .with_attr("name", display_name(info, network)),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domains() -> TransportDomains {
        super::super::test_domains()
    }

    fn info() -> ServiceInfo {
        ServiceInfo {
            name: "Switchboard".into(),
            version: "0.1.0".into(),
        }
    }

    fn iq(iq_type: &str, to: &str, payload: Option<Element>) -> Element {
        let iq = Element::new("iq", NS_COMPONENT)
            .with_attr("from", "juliet@example.com/balcony")
            .with_attr("to", to)
            .with_attr("id", "q1")
            .with_attr("type", iq_type);
        match payload {
            Some(payload) => iq.with_child(payload),
            None => iq,
        }
    }

    fn answer(iq: &Element) -> String {
        answer_iq(iq, &info(), &domains())
            .expect("an answer")
            .to_xml()
    }

    const HEAD: &str = "<iq xmlns='jabber:component:accept' from='sip.gw.example' \
                        to='juliet@example.com/balcony' id='q1'";

    #[test]
    fn disco_info_names_the_identity_of_the_network_and_exactly_the_features() {
        for (domain, category, kind, name) in [
            ("irc.gw.example", "gateway", "irc", "Switchboard (IRC)"),
            (
                "sip.gw.example",
                "gateway",
                "simple",
                "Switchboard (SIP/SIMPLE)",
            ),
            ("sms.gw.example", "gateway", "sms", "Switchboard (SMS)"),
            ("email.gw.example", "gateway", "smtp", "Switchboard (Email)"),
        ] {
            let request = iq("get", domain, Some(Element::new("query", ns::DISCO_INFO)));
            let expected = format!(
                "<iq xmlns='jabber:component:accept' from='{domain}' to='juliet@example.com/balcony' \
                 id='q1' type='result'><query xmlns='http://jabber.org/protocol/disco#info'><identity \
                 category='{category}' type='{kind}' name='{name}'/><feature \
                 var='http://jabber.org/protocol/commands'/><feature var='jabber:iq:gateway'/><feature \
                 var='jabber:iq:register'/><feature \
                 var='http://jabber.org/protocol/disco#info'/><feature \
                 var='http://jabber.org/protocol/disco#items'/><feature var='urn:xmpp:ping'/><feature \
                 var='jabber:iq:version'/><feature var='urn:xmpp:receipts'/><feature \
                 var='urn:xmpp:message-correct:0'/><feature var='jabber:x:oob'/></query></iq>"
            );
            assert_eq!(answer(&request), expected);
        }
    }

    #[test]
    fn disco_items_on_the_main_domain_list_the_others() {
        let request = iq(
            "get",
            "irc.gw.example",
            Some(Element::new("query", ns::DISCO_ITEMS)),
        );
        assert_eq!(
            answer(&request),
            "<iq xmlns='jabber:component:accept' from='irc.gw.example' to='juliet@example.com/balcony' \
             id='q1' type='result'><query xmlns='http://jabber.org/protocol/disco#items'><item \
             jid='sip.gw.example' name='Switchboard (SIP/SIMPLE)'/><item jid='sms.gw.example' \
             name='Switchboard (SMS)'/><item jid='email.gw.example' name='Switchboard (Email)'/></query></iq>"
        );
        let other = iq(
            "get",
            "sip.gw.example",
            Some(Element::new("query", ns::DISCO_ITEMS)),
        );
        assert_eq!(
            answer(&other),
            format!(
                "{HEAD} type='result'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>"
            )
        );
    }

    #[test]
    fn version_and_ping_are_answered() {
        let version = iq(
            "get",
            "sip.gw.example",
            Some(Element::new("query", ns::VERSION)),
        );
        assert_eq!(
            answer(&version),
            format!(
                "{HEAD} type='result'><query xmlns='jabber:iq:version'><name>Switchboard</name>\
                 <version>0.1.0</version></query></iq>"
            )
        );
        let ping = iq(
            "get",
            "sip.gw.example",
            Some(Element::new("ping", ns::PING)),
        );
        assert_eq!(answer(&ping), format!("{HEAD} type='result'/>"));
    }

    fn error_xml(condition: &str, error_type: &str, text: &str) -> String {
        format!(
            "{HEAD} type='error'><error type='{error_type}'><{condition} \
             xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text \
             xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>{text}</text></error></iq>"
        )
    }

    #[test]
    fn unknown_queries_and_sets_get_service_unavailable() {
        let unavailable = error_xml(
            "service-unavailable",
            "cancel",
            "the gateway does not offer this service",
        );
        let unknown = iq(
            "get",
            "sip.gw.example",
            Some(Element::new("query", "jabber:iq:register")),
        );
        assert_eq!(answer(&unknown), unavailable);
        let set = iq(
            "set",
            "sip.gw.example",
            Some(Element::new("ping", ns::PING)),
        );
        assert_eq!(answer(&set), unavailable);
        let contact = iq(
            "get",
            "sip.gw.example/res",
            Some(Element::new("ping", ns::PING)),
        );
        assert_eq!(
            answer(&contact),
            unavailable.replace("from='sip.gw.example'", "from='sip.gw.example/res'")
        );
    }

    #[test]
    fn malformed_requests_get_bad_request_and_nodes_item_not_found() {
        let empty = iq("get", "sip.gw.example", None);
        assert_eq!(
            answer(&empty),
            error_xml(
                "bad-request",
                "modify",
                "an iq get or set must carry exactly one child element"
            )
        );
        let typeless = Element::new("iq", NS_COMPONENT)
            .with_attr("from", "juliet@example.com/balcony")
            .with_attr("to", "sip.gw.example")
            .with_attr("id", "q1")
            .with_child(Element::new("ping", ns::PING));
        assert_eq!(
            answer(&typeless),
            error_xml(
                "bad-request",
                "modify",
                "an iq must have type get, set, result or error"
            )
        );
        let node = iq(
            "get",
            "sip.gw.example",
            Some(Element::new("query", ns::DISCO_INFO).with_attr("node", "x")),
        );
        assert_eq!(
            answer(&node),
            error_xml("item-not-found", "cancel", "the gateway has no such node")
        );
    }

    #[test]
    fn results_and_errors_get_no_answer() {
        for iq_type in ["result", "error"] {
            let request = iq(iq_type, "sip.gw.example", None);
            assert_eq!(answer_iq(&request, &info(), &domains()), None);
        }
        let not_an_iq = Element::new("message", NS_COMPONENT).with_attr("type", "get");
        assert_eq!(answer_iq(&not_an_iq, &info(), &domains()), None);
    }
}
