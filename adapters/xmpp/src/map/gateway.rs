//! XEP-0100 §6 address translation with `jabber:iq:gateway`, I/O-free: a client asks a transport domain how
//! to write a legacy address (a get), then sends the address as the user typed it and gets back the JID that
//! reaches it through the gateway (a set), so users can add legacy contacts to their roster.

use switchboard_core::address::{Address, IrcAddress, MailtoAddress, TelNumber};
use switchboard_core::envelope::ErrorKind;
use thiserror::Error;

use super::iq::{iq_result, request_is_get};
use super::{error_reply, ns};
use crate::proto::Element;
use crate::transport::{LegacyNetwork, TransportDomains};

/// Why the text of a `<prompt/>` does not translate into a JID (XEP-0100 §6.2).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PromptError {
    /// Happens when the set has no `<prompt/>`, or an empty one.
    #[error("the prompt is empty: enter {expected}")]
    Empty {
        /// What the network's addresses look like.
        expected: &'static str,
    },
    /// Happens when the text is not an address of the domain's network.
    #[error("'{text}' is not {expected}")]
    Invalid {
        /// The text, trimmed.
        text: String,
        /// What the network's addresses look like.
        expected: &'static str,
    },
    /// Happens when the address is valid but makes no valid JID under the gateway's domains (its localpart
    /// would be longer than RFC 7622 §3.3 allows, say).
    #[error("'{text}' cannot be written as an address at this gateway")]
    NoJid {
        /// The text, trimmed.
        text: String,
    },
}

/// The `<desc/>` of a domain fronting `network` (XEP-0100 §6.1): how to write an address there.
pub fn description(network: LegacyNetwork) -> &'static str {
    match network {
        LegacyNetwork::Irc => {
            "Enter the IRC nick and network as nick%network, such as bob%libera (or #channel%network)."
        }
        LegacyNetwork::Email => "Enter the email address, such as alice@example.org.",
        LegacyNetwork::Sms => {
            "Enter the phone number in international E.164 form, such as +15551234567."
        }
        LegacyNetwork::Sip => {
            "Enter the SIP address as user@host or as a SIP URI, such as sip:alice@example.com."
        }
    }
}

/// The `<prompt/>` label of a domain fronting `network` (XEP-0100 §6.1, like its "Contact ID").
pub fn prompt_label(network: LegacyNetwork) -> &'static str {
    match network {
        LegacyNetwork::Irc => "Nick%network",
        LegacyNetwork::Email => "Email address",
        LegacyNetwork::Sms => "Phone number",
        LegacyNetwork::Sip => "SIP address",
    }
}

/// What a valid address of `network` looks like, for error texts.
fn expected(network: LegacyNetwork) -> &'static str {
    match network {
        LegacyNetwork::Irc => "an IRC nick and network written as nick%network, such as bob%libera",
        LegacyNetwork::Email => "an email address, such as alice@example.org",
        LegacyNetwork::Sms => "a phone number in E.164 form, such as +15551234567",
        LegacyNetwork::Sip => "a SIP address, such as alice@example.com or sip:alice@example.com",
    }
}

/// The legacy address `typed` names on `network` (XEP-0100 §6.2): IRC `nick%network` (or
/// `#channel%network`), email `local@domain` (an optional `mailto:` is dropped), SMS an E.164 number with
/// optional RFC 3966 visual separators (an optional `tel:` is dropped), SIP `user@host`, `sip:user@host` or
/// `sips:user@host`. Surrounding whitespace is ignored.
pub fn legacy_address(network: LegacyNetwork, typed: &str) -> Result<Address, PromptError> {
    let text = typed.trim();
    let expected = expected(network);
    if text.is_empty() {
        return Err(PromptError::Empty { expected });
    }
    let invalid = || PromptError::Invalid {
        text: text.to_owned(),
        expected,
    };
    match network {
        LegacyNetwork::Irc => {
            let (name, irc_network) = text.rsplit_once('%').ok_or_else(invalid)?;
            let irc = if name.starts_with(['#', '&', '+', '!']) {
                IrcAddress::channel(irc_network, name)
            } else {
                IrcAddress::nick(irc_network, name)
            };
            irc.map(Address::Irc).map_err(|_| invalid())
        }
        LegacyNetwork::Email => {
            MailtoAddress::from_mailbox(text.strip_prefix("mailto:").unwrap_or(text))
                .map(Address::Mailto)
                .map_err(|_| invalid())
        }
        LegacyNetwork::Sms => TelNumber::from_e164(text.strip_prefix("tel:").unwrap_or(text))
            .map(Address::Tel)
            .map_err(|_| invalid()),
        LegacyNetwork::Sip => {
            let uri = if text.starts_with("sip:") || text.starts_with("sips:") {
                text.to_owned()
            } else {
                format!("sip:{text}")
            };
            match uri.parse::<Address>() {
                Ok(Address::Sip(sip)) if sip.user().is_some() => Ok(Address::Sip(sip)),
                _ => Err(invalid()),
            }
        }
    }
}

/// The answer to a `jabber:iq:gateway` iq (XEP-0100 §6); `None` when `iq` is not an `<iq/>` get or set
/// carrying a `jabber:iq:gateway` `<query/>`, or has no `from` to answer.
///
/// To one of `domains` (no localpart, no resource): a get gets the `<desc/>` and `<prompt/>` of the
/// domain's network (XEP-0100 §6.1); a set gets the `<jid/>` that reaches the address in its `<prompt/>`
/// (XEP-0100 §6.2, through [`TransportDomains::to_jid`]), or bad-request naming what was expected when the
/// text is not such an address. To any other JID the iq gets service-unavailable (RFC 6120 §8.3.3.19).
pub fn answer_gateway(iq: &Element, domains: &TransportDomains) -> Option<Element> {
    let is_get = request_is_get(iq)?;
    let query = iq.child("query", ns::GATEWAY)?;
    iq.attr("from")?;
    let network = iq
        .attr("to")
        .filter(|to| !to.contains(['@', '/']))
        .and_then(|to| domains.network_of(to));
    let Some(network) = network else {
        return error_reply(
            iq,
            ErrorKind::ServiceUnavailable,
            "the gateway does not offer this service",
        );
    };
    let payload = if is_get {
        Element::new("query", ns::GATEWAY)
            .with_child(Element::new("desc", ns::GATEWAY).with_text(description(network)))
            .with_child(Element::new("prompt", ns::GATEWAY).with_text(prompt_label(network)))
    } else {
        let typed = query
            .child("prompt", ns::GATEWAY)
            .map(Element::text)
            .unwrap_or_default();
        let jid = legacy_address(network, &typed).and_then(|address| {
            domains.to_jid(&address).ok_or_else(|| PromptError::NoJid {
                text: typed.trim().to_owned(),
            })
        });
        match jid {
            Ok(jid) => Element::new("query", ns::GATEWAY).with_child(
                Element::new("jid", ns::GATEWAY).with_text(jid.jid().to_bare().to_string()),
            ),
            Err(error) => return error_reply(iq, ErrorKind::BadRequest, &error.to_string()),
        }
    };
    Some(iq_result(iq).with_child(payload))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::NS_COMPONENT;

    fn domains() -> TransportDomains {
        super::super::test_domains()
    }

    fn iq(iq_type: &str, to: &str, prompt: Option<&str>) -> Element {
        let mut query = Element::new("query", ns::GATEWAY);
        if let Some(prompt) = prompt {
            query = query.with_child(Element::new("prompt", ns::GATEWAY).with_text(prompt));
        }
        Element::new("iq", NS_COMPONENT)
            .with_attr("from", "juliet@example.com/balcony")
            .with_attr("to", to)
            .with_attr("id", "gw1")
            .with_attr("type", iq_type)
            .with_child(query)
    }

    fn answer(iq: &Element) -> String {
        answer_gateway(iq, &domains()).expect("an answer").to_xml()
    }

    fn head(domain: &str, iq_type: &str) -> String {
        format!(
            "<iq xmlns='jabber:component:accept' from='{domain}' to='juliet@example.com/balcony' \
             id='gw1' type='{iq_type}'>"
        )
    }

    #[test]
    fn a_get_describes_the_address_form_of_each_network() {
        for (domain, desc, prompt) in [
            (
                "irc.gw.example",
                "Enter the IRC nick and network as nick%network, such as bob%libera (or \
                 #channel%network).",
                "Nick%network",
            ),
            (
                "email.gw.example",
                "Enter the email address, such as alice@example.org.",
                "Email address",
            ),
            (
                "sms.gw.example",
                "Enter the phone number in international E.164 form, such as +15551234567.",
                "Phone number",
            ),
            (
                "sip.gw.example",
                "Enter the SIP address as user@host or as a SIP URI, such as sip:alice@example.com.",
                "SIP address",
            ),
        ] {
            assert_eq!(
                answer(&iq("get", domain, None)),
                format!(
                    "{}<query xmlns='jabber:iq:gateway'><desc>{desc}</desc><prompt>{prompt}</prompt>\
                     </query></iq>",
                    head(domain, "result")
                )
            );
        }
    }

    #[test]
    fn a_set_translates_the_prompt_into_the_jid_for_each_network() {
        for (domain, typed, jid) in [
            ("irc.gw.example", "bob%libera", "bob%libera@irc.gw.example"),
            (
                "irc.gw.example",
                " #dev%libera ",
                "#dev%libera@irc.gw.example",
            ),
            (
                "email.gw.example",
                "alice@example.org",
                "alice%example.org@email.gw.example",
            ),
            (
                "email.gw.example",
                "mailto:o'brien@example.org",
                "o\\27brien%example.org@email.gw.example",
            ),
            (
                "sms.gw.example",
                "+15551234567",
                "+15551234567@sms.gw.example",
            ),
            (
                "sms.gw.example",
                "tel:+1 (555) 123-4567",
                "+15551234567@sms.gw.example",
            ),
            (
                "sip.gw.example",
                "carol@sip.example.net",
                "carol%sip.example.net@sip.gw.example",
            ),
            (
                "sip.gw.example",
                "sip:carol@sip.example.net",
                "carol%sip.example.net@sip.gw.example",
            ),
        ] {
            assert_eq!(
                answer(&iq("set", domain, Some(typed))),
                format!(
                    "{}<query xmlns='jabber:iq:gateway'><jid>{jid}</jid></query></iq>",
                    head(domain, "result")
                ),
                "{typed}"
            );
        }
    }

    fn bad_request(domain: &str, text: &str) -> String {
        format!(
            "{}<error type='modify'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text \
             xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>{text}</text></error></iq>",
            head(domain, "error")
        )
    }

    #[test]
    fn a_prompt_that_does_not_parse_gets_bad_request_naming_the_expected_form() {
        for (domain, typed, text) in [
            (
                "irc.gw.example",
                "bob@libera",
                "&apos;bob@libera&apos; is not an IRC nick and network written as nick%network, such as \
                 bob%libera",
            ),
            (
                "email.gw.example",
                "not an address",
                "&apos;not an address&apos; is not an email address, such as alice@example.org",
            ),
            (
                "sms.gw.example",
                "5551234567",
                "&apos;5551234567&apos; is not a phone number in E.164 form, such as +15551234567",
            ),
            (
                "sip.gw.example",
                "sip.example.net",
                "&apos;sip.example.net&apos; is not a SIP address, such as alice@example.com or \
                 sip:alice@example.com",
            ),
        ] {
            assert_eq!(
                answer(&iq("set", domain, Some(typed))),
                bad_request(domain, text),
                "{typed}"
            );
        }
        assert_eq!(
            answer(&iq("set", "sms.gw.example", None)),
            bad_request(
                "sms.gw.example",
                "the prompt is empty: enter a phone number in E.164 form, such as +15551234567"
            )
        );
    }

    #[test]
    fn prompt_errors_read_as_documented() {
        assert_eq!(
            legacy_address(LegacyNetwork::Irc, "bob"),
            Err(PromptError::Invalid {
                text: "bob".into(),
                expected: "an IRC nick and network written as nick%network, such as bob%libera",
            })
        );
        assert_eq!(
            legacy_address(LegacyNetwork::Email, "  "),
            Err(PromptError::Empty {
                expected: "an email address, such as alice@example.org"
            })
        );
        assert_eq!(
            PromptError::NoJid { text: "x".into() }.to_string(),
            "'x' cannot be written as an address at this gateway"
        );
    }

    #[test]
    fn iqs_to_other_jids_get_service_unavailable() {
        let unavailable = |domain: &str| {
            format!(
                "{}<error type='cancel'><service-unavailable \
                 xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text \
                 xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>the gateway does not offer this \
                 service</text></error></iq>",
                head(domain, "error")
            )
        };
        for to in [
            "other.example",
            "bob%libera@irc.gw.example",
            "irc.gw.example/x",
        ] {
            assert_eq!(answer(&iq("get", to, None)), unavailable(to), "{to}");
        }
    }

    #[test]
    fn other_stanzas_get_no_answer() {
        for iq_type in ["result", "error"] {
            assert_eq!(
                answer_gateway(&iq(iq_type, "irc.gw.example", None), &domains()),
                None
            );
        }
        let register = Element::new("iq", NS_COMPONENT)
            .with_attr("from", "juliet@example.com/balcony")
            .with_attr("to", "irc.gw.example")
            .with_attr("type", "get")
            .with_child(Element::new("query", ns::REGISTER));
        assert_eq!(answer_gateway(&register, &domains()), None);
        let anonymous = Element::new("iq", NS_COMPONENT)
            .with_attr("to", "irc.gw.example")
            .with_attr("type", "get")
            .with_child(Element::new("query", ns::GATEWAY));
        assert_eq!(answer_gateway(&anonymous, &domains()), None);
    }
}
