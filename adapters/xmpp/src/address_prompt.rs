//! XEP-0100 §6 (jabber:iq:gateway, XEP-0100's use of it): translates a legacy address as a person types it
//! into the JID that reaches it through the gateway, so clients can add legacy contacts.

use switchboard_core::address::{Address, IrcAddress, MailtoAddress, TelNumber};
use switchboard_core::envelope::ErrorKind;

use crate::map::error_reply;
use crate::proto::{Element, NS_COMPONENT};
use crate::transport::{LegacyNetwork, TransportDomains};

/// The jabber:iq:gateway namespace.
pub(crate) const NS_GATEWAY: &str = "jabber:iq:gateway";

/// Whether `iq` asks for the prompt or translates one.
pub(crate) fn is_gateway_iq(iq: &Element) -> bool {
    iq.name == "iq"
        && matches!(iq.attr("type"), Some("get" | "set"))
        && iq.child("query", NS_GATEWAY).is_some()
}

/// The answer to a jabber:iq:gateway iq addressed to a transport domain.
pub(crate) fn answer(iq: &Element, domains: &TransportDomains) -> Option<Element> {
    let domain = iq.attr("to")?;
    let Some(network) = domains.network_of(domain) else {
        return error_reply(iq, ErrorKind::ItemNotFound, "not a gateway domain");
    };
    let result = |child: Element| {
        Element::new("iq", NS_COMPONENT)
            .with_attr("type", "result")
            .with_attr("id", iq.attr("id").unwrap_or_default())
            .with_attr("from", domain)
            .with_attr("to", iq.attr("from").unwrap_or_default())
            .with_child(child)
    };
    if iq.attr("type") == Some("get") {
        return Some(result(
            Element::new("query", NS_GATEWAY)
                .with_child(Element::new("desc", NS_GATEWAY).with_text(description(network)))
                .with_child(Element::new("prompt", NS_GATEWAY).with_text(prompt_label(network))),
        ));
    }
    let typed = iq
        .child("query", NS_GATEWAY)
        .and_then(|q| q.child("prompt", NS_GATEWAY))
        .map(Element::text)
        .unwrap_or_default();
    match legacy_address(network, typed.trim()).and_then(|a| domains.to_jid(&a)) {
        Some(jid) => Some(result(Element::new("query", NS_GATEWAY).with_child(
            Element::new("jid", NS_GATEWAY).with_text(jid.jid().to_string()),
        ))),
        None => error_reply(
            iq,
            ErrorKind::BadRequest,
            &format!(
                "{typed:?} is not a valid address here: {}",
                description(network)
            ),
        ),
    }
}

fn description(network: LegacyNetwork) -> &'static str {
    match network {
        LegacyNetwork::Irc => {
            "Enter the IRC nick and network as nick%network (or #channel%network)"
        }
        LegacyNetwork::Email => "Enter the email address",
        LegacyNetwork::Sms => "Enter the phone number in international form, such as +15551234567",
        LegacyNetwork::Sip => "Enter the SIP address, such as alice@example.com",
    }
}

fn prompt_label(network: LegacyNetwork) -> &'static str {
    match network {
        LegacyNetwork::Irc => "Nick%network",
        LegacyNetwork::Email => "Email address",
        LegacyNetwork::Sms => "Phone number",
        LegacyNetwork::Sip => "SIP address",
    }
}

/// The legacy address a person typed for `network`.
fn legacy_address(network: LegacyNetwork, typed: &str) -> Option<Address> {
    match network {
        LegacyNetwork::Irc => {
            let (name, net) = typed.rsplit_once('%')?;
            let irc = if name.starts_with(['#', '&', '+', '!']) {
                IrcAddress::channel(net, name)
            } else {
                IrcAddress::nick(net, name)
            };
            irc.ok().map(Address::Irc)
        }
        LegacyNetwork::Email => MailtoAddress::from_mailbox(typed.trim_start_matches("mailto:"))
            .ok()
            .map(Address::Mailto),
        LegacyNetwork::Sms => TelNumber::from_e164(typed.trim_start_matches("tel:"))
            .ok()
            .map(Address::Tel),
        LegacyNetwork::Sip => {
            let uri = if typed.starts_with("sip:") || typed.starts_with("sips:") {
                typed.to_owned()
            } else {
                format!("sip:{typed}")
            };
            uri.parse().ok()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_addresses_become_legacy_addresses_per_network() {
        let cases = [
            (
                LegacyNetwork::Irc,
                "bob%libera",
                Some("irc://libera/bob,isnick"),
            ),
            (LegacyNetwork::Irc, "#dev%libera", Some("irc://libera/#dev")),
            (LegacyNetwork::Irc, "bob", None),
            (
                LegacyNetwork::Email,
                "alice@example.org",
                Some("mailto:alice@example.org"),
            ),
            (LegacyNetwork::Email, "not an address", None),
            (LegacyNetwork::Sms, "+15551234567", Some("tel:+15551234567")),
            (LegacyNetwork::Sms, "5551234567", None),
            (
                LegacyNetwork::Sip,
                "carol@example.net",
                Some("sip:carol@example.net"),
            ),
        ];
        for (network, typed, expected) in cases {
            let got = legacy_address(network, typed).map(|a| a.to_string());
            assert_eq!(got.as_deref(), expected, "{network:?} {typed:?}");
        }
    }
}
