//! `<presence/>` stanzas (RFC 6121 §4) <-> core [`Presence`] documents; subscription requests (RFC 6121 §3)
//! are a [`SubscriptionRequest`] for the session, not a presence.
//!
//! An XMPP presence becomes one tuple ([`DEFAULT_TUPLE_ID`]) about the sender's full JID: open unless the
//! type is `unavailable`, its RPID activity from `<show/>` (RFC 6121 §4.7.2.1), its notes from `<status/>`
//! (§4.7.2.2, with `xml:lang`), its contact priority from `<priority/>` (§4.7.2.3) and its timestamp from a
//! XEP-0203 `<delay/>`.

use switchboard_core::address::{Address, XmppAddress};
use switchboard_core::envelope::{DeliveryError, ErrorKind};
use switchboard_core::presence::{
    Activity, BasicStatus, Contact, DEFAULT_TUPLE_ID, Note, Presence, Priority, Show, Tuple,
};

use super::attrs::{language, recipient, sender};
use super::stamp::{delay_element, delay_of};
use super::{MapError, error_of};
use crate::proto::{Element, NS_COMPONENT, NS_XML};
use crate::transport::{TransportAddressError, TransportDomains};

/// A presence stanza about the subscription between a user and a contact (RFC 6121 §3, §4.3 for probes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubscriptionRequest {
    /// `subscribe`: the user asks to see the contact's presence (RFC 6121 §3.1).
    Subscribe,
    /// `subscribed`: the user lets the contact see theirs (RFC 6121 §3.1.5).
    Subscribed,
    /// `unsubscribe`: the user no longer wants the contact's presence (RFC 6121 §3.3).
    Unsubscribe,
    /// `unsubscribed`: the user withdraws the contact's permission (RFC 6121 §3.2).
    Unsubscribed,
    /// `probe`: the user's server asks for the contact's current presence (RFC 6121 §4.3).
    Probe,
}

impl SubscriptionRequest {
    /// The `type` attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionRequest::Subscribe => "subscribe",
            SubscriptionRequest::Subscribed => "subscribed",
            SubscriptionRequest::Unsubscribe => "unsubscribe",
            SubscriptionRequest::Unsubscribed => "unsubscribed",
            SubscriptionRequest::Probe => "probe",
        }
    }

    /// The request a `<presence/>` stanza makes, if it is one.
    pub fn of(stanza: &Element) -> Option<SubscriptionRequest> {
        if stanza.name != "presence" {
            return None;
        }
        Some(match stanza.attr("type")? {
            "subscribe" => SubscriptionRequest::Subscribe,
            "subscribed" => SubscriptionRequest::Subscribed,
            "unsubscribe" => SubscriptionRequest::Unsubscribe,
            "unsubscribed" => SubscriptionRequest::Unsubscribed,
            "probe" => SubscriptionRequest::Probe,
            _ => return None,
        })
    }
}

/// The core presence of a `<presence/>` from an XMPP user, and the legacy contact it is directed to (`None`
/// when it is addressed to one of the gateway's domains, as the user's broadcast to a transport is).
///
/// `Ok(None)` for a [`SubscriptionRequest`], which the session handles (see [`answer_subscription`]). Fails
/// with [`MapError::ErrorStanza`] for type `error`, [`MapError::BadPresenceType`],
/// [`MapError::BadPriority`], and the addressing errors of `from` and `to`.
pub fn presence_to_core(
    stanza: &Element,
    domains: &TransportDomains,
) -> Result<Option<(Presence, Option<Address>)>, MapError> {
    let status = match stanza.attr("type") {
        None => BasicStatus::Open,
        Some("unavailable") => BasicStatus::Closed,
        Some("error") => {
            let error = error_of(stanza).unwrap_or_else(|| {
                DeliveryError::new(ErrorKind::ServiceUnavailable, "error stanza")
            });
            return Err(MapError::ErrorStanza(error));
        }
        Some(_) if SubscriptionRequest::of(stanza).is_some() => return Ok(None),
        Some(other) => return Err(MapError::BadPresenceType(other.to_owned())),
    };
    let entity = Address::Xmpp(sender(stanza)?);
    let to = match recipient(stanza, domains) {
        Ok(address) => Some(address),
        Err(MapError::Recipient(TransportAddressError::NoLocalpart { .. })) => None,
        Err(error) => return Err(error),
    };
    let stanza_lang = stanza.attr_ns("lang", NS_XML);
    let mut tuple = Tuple::new(DEFAULT_TUPLE_ID, status);
    tuple.activity = stanza
        .child("show", NS_COMPONENT)
        .and_then(|show| activity_of(&show.text()));
    tuple.notes = stanza
        .elements()
        .filter(|child| child.is("status", NS_COMPONENT))
        .map(|status| Note {
            lang: language(status, stanza_lang).map(String::from),
            text: status.text(),
        })
        .collect();
    if let Some(priority) = stanza.child("priority", NS_COMPONENT) {
        let text = priority.text();
        let value: i8 = text
            .trim()
            .parse()
            .map_err(|_| MapError::BadPriority(text.clone()))?;
        tuple.contact = Some(Contact {
            uri: entity.clone(),
            priority: Some(priority_to_core(value)),
        });
    }
    tuple.timestamp = delay_of(stanza);
    let presence = Presence {
        entity,
        tuples: vec![tuple],
        notes: Vec::new(),
    };
    Ok(Some((presence, to)))
}

/// The `<presence/>` telling the XMPP user `to` about `presence`, sent from `from` (the JID standing for its
/// entity under the gateway's domains).
///
/// Unavailable when no tuple is open; otherwise the most available open tuple speaks: its [`Show`] as
/// `<show/>`, its contact priority as `<priority/>`. `<status/>` carries the document's notes, then that
/// tuple's, one per language (RFC 6121 §4.7.2.2); its timestamp becomes a XEP-0203 `<delay/>`.
pub fn presence_from_core(presence: &Presence, from: &XmppAddress, to: &XmppAddress) -> Element {
    let mut stanza = Element::new("presence", NS_COMPONENT)
        .with_attr("from", from.jid().to_string())
        .with_attr("to", to.jid().to_string());
    let speaking = presence
        .tuples
        .iter()
        .filter(|tuple| tuple.status == BasicStatus::Open)
        .min_by_key(|tuple| availability_rank(tuple.show()));
    if speaking.is_none() {
        stanza.set_attr("type", "unavailable");
    }
    let tuple = speaking.or_else(|| presence.tuples.first());
    if let Some(show) = speaking.and_then(|tuple| tuple.show().as_xmpp()) {
        stanza = stanza.with_child(Element::new("show", NS_COMPONENT).with_text(show));
    }
    let mut languages: Vec<Option<&str>> = Vec::new();
    let notes = presence
        .notes
        .iter()
        .chain(tuple.into_iter().flat_map(|tuple| &tuple.notes));
    for note in notes {
        if languages.contains(&note.lang.as_deref()) {
            continue;
        }
        languages.push(note.lang.as_deref());
        let mut status = Element::new("status", NS_COMPONENT);
        if let Some(lang) = &note.lang {
            status = status.with_attr_ns("lang", NS_XML, lang.as_str());
        }
        stanza = stanza.with_child(status.with_text(note.text.as_str()));
    }
    let priority = speaking
        .and_then(|tuple| tuple.contact.as_ref())
        .and_then(|contact| contact.priority);
    if let Some(priority) = priority {
        let value = priority_from_core(priority).to_string();
        stanza = stanza.with_child(Element::new("priority", NS_COMPONENT).with_text(value));
    }
    if let Some(delay) = tuple
        .and_then(|tuple| tuple.timestamp)
        .and_then(delay_element)
    {
        stanza = stanza.with_child(delay);
    }
    stanza
}

/// The gateway's answer to a subscription request addressed to a contact or to the gateway itself: a
/// `subscribe` is approved with `subscribed` and an `unsubscribe` acknowledged with `unsubscribed` (RFC 6121
/// §3.1.5, §3.3.3), from the addressed bare JID to the user's bare JID, so legacy contacts can be added to a
/// roster. `subscribed`, `unsubscribed` and anything else get no answer; so does a `probe` (RFC 6121 §4.3.2),
/// which the session answers from the presence it knows.
pub fn answer_subscription(stanza: &Element) -> Option<Element> {
    let answer = match SubscriptionRequest::of(stanza)? {
        SubscriptionRequest::Subscribe => SubscriptionRequest::Subscribed,
        SubscriptionRequest::Unsubscribe => SubscriptionRequest::Unsubscribed,
        _ => return None,
    };
    let bare = |jid: &str| {
        XmppAddress::from_jid_str(jid)
            .ok()
            .map(|jid| jid.jid().to_bare().to_string())
    };
    let from = bare(stanza.attr("to")?)?;
    let to = bare(stanza.attr("from")?)?;
    Some(
        Element::new("presence", NS_COMPONENT)
            .with_attr("from", from)
            .with_attr("to", to)
            .with_attr("type", answer.as_str()),
    )
}

/// The contact priority of an XMPP priority (RFC 6121 §4.7.2.3, -128 to 127) on the 0 to 1 scale of RFC
/// 3863 §4.1.5: `q = (p + 128) / 255`, rounded to thousandths. The map is monotonic, so the order of
/// resources is kept; XMPP's default 0 becomes 0.502.
pub fn priority_to_core(priority: i8) -> Priority {
    let steps = u32::from((i16::from(priority) + 128).unsigned_abs());
    // steps * 1000 / 255, rounded half up: at most 1000.
    let thousandths = (2 * steps * 1000 + 255) / 510;
    u16::try_from(thousandths)
        .ok()
        .and_then(|thousandths| Priority::from_thousandths(thousandths).ok())
        .unwrap_or(Priority::MAX)
}

/// The XMPP priority of a contact priority: `p = round(q * 255) - 128`, the inverse of [`priority_to_core`]
/// for every XMPP priority (thousandths are fine enough that rounding never crosses a step).
pub fn priority_from_core(priority: Priority) -> i8 {
    // round(thousandths * 255 / 1000), at most 255.
    let steps = (2 * i32::from(priority.thousandths()) * 255 + 1000) / 2000;
    i8::try_from(steps - 128).unwrap_or(i8::MAX)
}

/// RFC 6121 §4.7.2.1 values; anything else is ignored (plain availability).
fn activity_of(show: &str) -> Option<Activity> {
    Some(match show.trim() {
        "away" => Activity::Away,
        "chat" => Activity::Chat,
        "dnd" => Activity::Busy,
        "xa" => Activity::ExtendedAway,
        _ => return None,
    })
}

/// Lower is more available (the order [`Presence::show`] summarises by).
fn availability_rank(show: Show) -> u8 {
    match show {
        Show::Chat => 0,
        Show::Available => 1,
        Show::Away => 2,
        Show::Xa => 3,
        Show::Dnd => 4,
    }
}

#[cfg(test)]
mod tests {
    use switchboard_core::address::XmppAddressError;
    use time::macros::datetime;

    use super::*;
    use crate::map::ns;
    use crate::transport::LegacyNetwork;

    fn domains() -> TransportDomains {
        let mut d = TransportDomains::default();
        d.add("gw.example", LegacyNetwork::Irc);
        d.add("sms.gw.example", LegacyNetwork::Sms);
        d
    }

    fn jid(text: &str) -> XmppAddress {
        XmppAddress::from_jid_str(text).expect(text)
    }

    fn addr(text: &str) -> Address {
        text.parse().expect(text)
    }

    fn stanza(presence_type: Option<&str>, to: &str) -> Element {
        let stanza = Element::new("presence", NS_COMPONENT)
            .with_attr("from", "juliet@example.com/balcony")
            .with_attr("to", to);
        match presence_type {
            Some(presence_type) => stanza.with_attr("type", presence_type),
            None => stanza,
        }
    }

    fn text_child(name: &str, text: &str) -> Element {
        Element::new(name, NS_COMPONENT).with_text(text)
    }

    #[test]
    fn an_available_presence_keeps_show_status_priority_and_delay() {
        let presence = stanza(None, "bob%libera@gw.example")
            .with_attr_ns("lang", NS_XML, "en")
            .with_child(text_child("show", "dnd"))
            .with_child(text_child("status", "busy"))
            .with_child(text_child("status", "beschäftigt").with_attr_ns("lang", NS_XML, "de"))
            .with_child(text_child("priority", "5"))
            .with_child(
                Element::new("delay", ns::DELAY).with_attr("stamp", "2025-03-01T10:00:00Z"),
            );
        let (core, to) = presence_to_core(&presence, &domains())
            .expect("valid")
            .expect("a presence");
        assert_eq!(to, Some(addr("irc://libera/bob,isnick")));
        let entity = addr("xmpp:juliet@example.com/balcony");
        let mut tuple = Tuple::new(DEFAULT_TUPLE_ID, BasicStatus::Open);
        tuple.activity = Some(Activity::Busy);
        tuple.notes = vec![
            Note {
                lang: Some("en".into()),
                text: "busy".into(),
            },
            Note {
                lang: Some("de".into()),
                text: "beschäftigt".into(),
            },
        ];
        tuple.contact = Some(Contact {
            uri: entity.clone(),
            priority: Some(priority_to_core(5)),
        });
        tuple.timestamp = Some(datetime!(2025-03-01 10:00:00 UTC));
        assert_eq!(
            core,
            Presence {
                entity,
                tuples: vec![tuple],
                notes: Vec::new(),
            }
        );
        assert_eq!(core.validate(), Ok(()));
        let back = presence_from_core(
            &core,
            &jid("bob%libera@gw.example"),
            &jid("juliet@example.com"),
        );
        assert_eq!(
            back.to_xml(),
            "<presence xmlns='jabber:component:accept' from='bob%libera@gw.example' \
             to='juliet@example.com'><show>dnd</show><status xml:lang='en'>busy</status><status \
             xml:lang='de'>beschäftigt</status><priority>5</priority><delay xmlns='urn:xmpp:delay' \
             stamp='2025-03-01T10:00:00Z'/></presence>"
        );
    }

    #[test]
    fn every_show_maps_both_ways() {
        for show in ["away", "chat", "dnd", "xa"] {
            let presence = stanza(None, "gw.example").with_child(text_child("show", show));
            let (core, to) = presence_to_core(&presence, &domains())
                .expect("valid")
                .expect("a presence");
            assert_eq!(to, None, "addressed to the gateway itself");
            assert_eq!(core.show().and_then(Show::as_xmpp), Some(show));
            let back = presence_from_core(&core, &jid("gw.example"), &jid("juliet@example.com"));
            assert_eq!(
                back.child("show", NS_COMPONENT)
                    .map(Element::text)
                    .as_deref(),
                Some(show)
            );
        }
        let plain = stanza(None, "gw.example").with_child(text_child("show", "sleepy"));
        let (core, _) = presence_to_core(&plain, &domains())
            .expect("valid")
            .expect("a presence");
        assert_eq!(core.show(), Some(Show::Available));
    }

    #[test]
    fn unavailable_maps_both_ways() {
        let presence =
            stanza(Some("unavailable"), "gw.example").with_child(text_child("status", "bye"));
        let (core, _) = presence_to_core(&presence, &domains())
            .expect("valid")
            .expect("a presence");
        assert!(!core.is_available());
        let back = presence_from_core(&core, &jid("gw.example"), &jid("juliet@example.com"));
        assert_eq!(
            back.to_xml(),
            "<presence xmlns='jabber:component:accept' from='gw.example' to='juliet@example.com' \
             type='unavailable'><status>bye</status></presence>"
        );
    }

    #[test]
    fn the_most_available_open_tuple_speaks() {
        let entity = addr("tel:+15551234567");
        let mut away = Tuple::new("a", BasicStatus::Open);
        away.activity = Some(Activity::Away);
        let mut chat = Tuple::new("b", BasicStatus::Open);
        chat.activity = Some(Activity::Chat);
        chat.notes = vec![Note::new("free")];
        let closed = Tuple::new("c", BasicStatus::Closed);
        let presence = Presence {
            entity,
            tuples: vec![away, closed, chat],
            notes: vec![
                Note::new("whole"),
                Note {
                    lang: Some("fr".into()),
                    text: "tout".into(),
                },
            ],
        };
        let stanza = presence_from_core(
            &presence,
            &jid("+15551234567@sms.gw.example"),
            &jid("juliet@example.com"),
        );
        assert_eq!(
            stanza.to_xml(),
            "<presence xmlns='jabber:component:accept' from='+15551234567@sms.gw.example' \
             to='juliet@example.com'><show>chat</show><status>whole</status><status \
             xml:lang='fr'>tout</status></presence>"
        );
    }

    #[test]
    fn priorities_map_monotonically_and_back_exactly() {
        let mut previous = None;
        for value in i8::MIN..=i8::MAX {
            let priority = priority_to_core(value);
            assert_eq!(priority_from_core(priority), value);
            assert!(previous < Some(priority), "{value}");
            previous = Some(priority);
        }
        assert_eq!(priority_to_core(i8::MIN), Priority::MIN);
        assert_eq!(priority_to_core(i8::MAX), Priority::MAX);
        assert_eq!(priority_to_core(0).thousandths(), 502);
    }

    #[test]
    fn subscription_requests_are_not_presence() {
        for (presence_type, request, answer) in [
            (
                "subscribe",
                SubscriptionRequest::Subscribe,
                Some("subscribed"),
            ),
            ("subscribed", SubscriptionRequest::Subscribed, None),
            (
                "unsubscribe",
                SubscriptionRequest::Unsubscribe,
                Some("unsubscribed"),
            ),
            ("unsubscribed", SubscriptionRequest::Unsubscribed, None),
            ("probe", SubscriptionRequest::Probe, None),
        ] {
            let presence = stanza(Some(presence_type), "bob%libera@gw.example/x");
            assert_eq!(presence_to_core(&presence, &domains()), Ok(None));
            assert_eq!(SubscriptionRequest::of(&presence), Some(request));
            assert_eq!(request.as_str(), presence_type);
            let expected = answer.map(|answer| {
                format!(
                    "<presence xmlns='jabber:component:accept' from='bob%libera@gw.example' \
                     to='juliet@example.com' type='{answer}'/>"
                )
            });
            assert_eq!(answer_subscription(&presence).map(|a| a.to_xml()), expected);
        }
        assert_eq!(SubscriptionRequest::of(&stanza(None, "gw.example")), None);
    }

    #[test]
    fn invalid_presences_are_refused_with_the_reason() {
        let domains = domains();
        let bad_priority = stanza(None, "gw.example").with_child(text_child("priority", "200"));
        assert_eq!(
            presence_to_core(&bad_priority, &domains),
            Err(MapError::BadPriority("200".into()))
        );
        assert_eq!(
            presence_to_core(&stanza(Some("invisible"), "gw.example"), &domains),
            Err(MapError::BadPresenceType("invisible".into()))
        );
        let error = stanza(Some("error"), "gw.example").with_child(
            Element::new("error", NS_COMPONENT)
                .with_attr("type", "cancel")
                .with_child(Element::new("remote-server-not-found", ns::STANZAS)),
        );
        assert_eq!(
            presence_to_core(&error, &domains),
            Err(MapError::ErrorStanza(DeliveryError::new(
                ErrorKind::ItemNotFound,
                "remote-server-not-found"
            )))
        );
        assert_eq!(
            presence_to_core(&stanza(None, "x@elsewhere.example"), &domains),
            Err(MapError::NotOurs {
                to: "x@elsewhere.example".into()
            })
        );
        assert_eq!(
            presence_to_core(&stanza(None, "12@sms.gw.example"), &domains)
                .map_err(|e| e.error_kind()),
            Err(Some(ErrorKind::BadRequest))
        );
        let mut anonymous = stanza(None, "gw.example");
        anonymous.attributes.retain(|a| a.name != "from");
        assert_eq!(
            presence_to_core(&anonymous, &domains),
            Err(MapError::MissingFrom)
        );
        let mut bad_from = stanza(None, "gw.example");
        bad_from.set_attr("from", "a@b/");
        assert_eq!(
            presence_to_core(&bad_from, &domains),
            Err(MapError::BadFrom {
                from: "a@b/".into(),
                reason: XmppAddressError::EmptyResource
            })
        );
    }
}
