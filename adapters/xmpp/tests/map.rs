//! The message mapping (`map::message`) through the public API: XMPP stanzas parsed from text to core
//! messages and back.

mod common;

use common::parse_stanza;
use switchboard_core::address::{Address, XmppAddress, XmppAddressError};
use switchboard_core::cpim::{CpimDateTime, LanguageTag};
use switchboard_core::envelope::{DeliveryError, ErrorKind};
use switchboard_core::ids::MessageId;
use switchboard_core::message::{Link, Message, MessageKind};
use switchboard_xmpp::map::{ChatState, MapError, MessageMapper, receipt};
use switchboard_xmpp::proto::Element;
use switchboard_xmpp::transport::{LegacyNetwork, TransportAddressError, TransportDomains};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2025-03-01 12:00:00 UTC);

fn domains() -> TransportDomains {
    let mut d = TransportDomains::default();
    d.add("gw.example", LegacyNetwork::Irc);
    d.add("sip.gw.example", LegacyNetwork::Sip);
    d.add("sms.gw.example", LegacyNetwork::Sms);
    d.add("email.gw.example", LegacyNetwork::Email);
    d
}

fn mapper() -> MessageMapper {
    MessageMapper::new(domains())
}

fn addr(text: &str) -> Address {
    text.parse().expect(text)
}

fn jid(text: &str) -> XmppAddress {
    XmppAddress::from_jid_str(text).expect(text)
}

fn to_core(xml: &str) -> Result<Message, MapError> {
    mapper().message_to_core_at(&parse_stanza(xml).expect("well-formed"), NOW)
}

fn body(message: &Message) -> String {
    message.body_text().expect("text body").into_owned()
}

#[test]
fn a_chat_message_becomes_a_core_message() {
    let message = to_core(
        "<message from='juliet@example.com/balcony' to='bob%libera@gw.example' id='m1' \
         type='chat'><body>hi</body></message>",
    )
    .expect("mapped");
    assert_eq!(
        message.sender(),
        Ok(addr("xmpp:juliet@example.com/balcony"))
    );
    assert_eq!(
        message.recipients(),
        Ok(vec![addr("irc://libera/bob,isnick")])
    );
    assert_eq!(body(&message), "hi");
    assert_eq!(message.meta.kind, MessageKind::Chat);
    assert_eq!(message.meta.source_id.as_deref(), Some("m1"));
    assert_eq!(
        message.cpim.date_time(),
        Some(&CpimDateTime::new(NOW).expect("date"))
    );
    assert_eq!(message.cpim.content().header("Content-Language"), None);
    assert!(!message.meta.action && !message.meta.wants_receipt);
    assert_eq!(message.meta.thread, None);
    assert!(message.meta.links.is_empty());
    assert_ne!(message.meta.id.as_str(), "m1", "the canonical id is fresh");
}

#[test]
fn every_extension_reaches_the_metadata() {
    let message = to_core(
        "<message from='juliet@example.com/balcony' to='carol%sip.example.net@sip.gw.example' \
         type='headline'>\
           <body>/me waves</body>\
           <subject xml:lang='fr'>salut</subject><subject>hello</subject>\
           <thread parent='p'>t-1</thread>\
           <request xmlns='urn:xmpp:receipts'/>\
           <replace id='old-1' xmlns='urn:xmpp:message-correct:0'/>\
           <reply id='orig-7' to='carol%sip.example.net@sip.gw.example' xmlns='urn:xmpp:reply:0'/>\
           <x xmlns='jabber:x:oob'><url>https://example.org/a.png</url><desc>a picture</desc></x>\
           <x xmlns='jabber:x:oob'><url>https://example.org/b</url></x>\
           <x xmlns='jabber:x:oob'><desc>no url</desc></x>\
           <delay xmlns='urn:xmpp:delay' stamp='2025-03-01T11:00:00Z'/>\
           <origin-id xmlns='urn:xmpp:sid:0' id='origin-9'/>\
         </message>",
    )
    .expect("mapped");
    assert_eq!(
        message.recipients(),
        Ok(vec![addr("sip:carol@sip.example.net")])
    );
    assert_eq!(body(&message), "waves");
    let meta = &message.meta;
    assert_eq!(meta.kind, MessageKind::Headline);
    assert!(meta.action);
    assert!(meta.wants_receipt);
    assert_eq!(meta.thread.as_deref(), Some("t-1"));
    assert_eq!(meta.correction_of, Some(MessageId::new("old-1")));
    assert_eq!(meta.in_reply_to, Some(MessageId::new("orig-7")));
    assert_eq!(meta.source_id.as_deref(), Some("origin-9"));
    assert_eq!(
        meta.links,
        vec![
            Link {
                url: "https://example.org/a.png".into(),
                media_type: None,
                size: None,
                name: Some("a picture".into()),
            },
            Link {
                url: "https://example.org/b".into(),
                media_type: None,
                size: None,
                name: None,
            },
        ]
    );
    let subjects: Vec<_> = message
        .cpim
        .subjects()
        .map(|s| (s.text.as_str(), s.lang.as_ref().map(LanguageTag::as_str)))
        .collect();
    assert_eq!(subjects, [("salut", Some("fr")), ("hello", None)]);
    assert_eq!(
        message.cpim.date_time(),
        Some(&CpimDateTime::new(datetime!(2025-03-01 11:00:00 UTC)).expect("date"))
    );
}

#[test]
fn a_trusted_stanza_id_is_the_last_resort_for_the_source_id() {
    let stanza = |by: &str| {
        format!(
            "<message from='juliet@example.com/balcony' to='bob%libera@gw.example'><body>x</body>\
             <stanza-id xmlns='urn:xmpp:sid:0' by='{by}' id='sid-1'/></message>"
        )
    };
    let trusted = to_core(&stanza("bob%libera@gw.example")).expect("mapped");
    assert_eq!(trusted.meta.source_id.as_deref(), Some("sid-1"));
    let foreign = to_core(&stanza("example.com")).expect("mapped");
    assert_eq!(foreign.meta.source_id, None);
}

#[test]
fn the_body_in_the_stanza_language_is_chosen_and_tagged() {
    let message = to_core(
        "<message xml:lang='de' from='juliet@example.com/b' to='bob%libera@gw.example'>\
         <body xml:lang='en'>hello</body><body>hallo</body></message>",
    )
    .expect("mapped");
    assert_eq!(body(&message), "hallo");
    assert_eq!(
        message.cpim.content().header("Content-Language"),
        Some("de")
    );
    let first = to_core(
        "<message xml:lang='de' from='juliet@example.com/b' to='bob%libera@gw.example'>\
         <body xml:lang='en'>hello</body><body xml:lang='fr'>salut</body></message>",
    )
    .expect("mapped");
    assert_eq!(body(&first), "hello");
    assert_eq!(first.cpim.content().header("Content-Language"), Some("en"));
}

#[test]
fn message_types_follow_rfc_6121() {
    for (attribute, kind) in [
        (" type='chat'", MessageKind::Chat),
        (" type='groupchat'", MessageKind::GroupChat),
        (" type='headline'", MessageKind::Headline),
        (" type='normal'", MessageKind::Normal),
        ("", MessageKind::Normal),
        (" type='shout'", MessageKind::Normal),
    ] {
        let message = to_core(&format!(
            "<message{attribute} from='a@example.com/r' to='bob%libera@gw.example'><body>x</body></message>"
        ))
        .expect("mapped");
        assert_eq!(message.meta.kind, kind, "{attribute}");
    }
}

const TRICKY: [&str; 5] = [
    "😀 👍🏽 family: 👨‍👩‍👧",
    "日本語のテキスト、中文",
    "Кириллица и ёжик",
    "<b>&amp;</b> \"quoted\" 'single' ]]>",
    "  *bold* _it_ `code`\n> quote\n\ttab  ",
];

#[test]
fn bodies_are_kept_byte_for_byte_both_ways() {
    for text in TRICKY {
        let from = addr("irc://libera/bob,isnick");
        let to = addr("xmpp:juliet@example.com");
        let message = Message::text(MessageKind::Chat, &from, &to, text);
        let stanza = mapper()
            .message_from_core(&message, &jid("juliet@example.com"), NOW)
            .expect("stanza");
        let parsed = parse_stanza(&stanza.to_xml()).expect("well-formed");
        assert_eq!(
            parsed
                .child("body", "jabber:component:accept")
                .map(Element::text),
            Some(text.to_owned())
        );
        let back = mapper()
            .message_to_core_at(&swapped(&parsed), NOW)
            .expect("mapped");
        assert_eq!(back.cpim.content().body, text.as_bytes());
    }
}

/// The stanza as if the recipient had sent it back: `from` and `to` exchanged.
fn swapped(stanza: &Element) -> Element {
    let mut stanza = stanza.clone();
    let from = stanza.attr("from").expect("from").to_owned();
    let to = stanza.attr("to").expect("to").to_owned();
    stanza.set_attr("from", to);
    stanza.set_attr("to", from);
    stanza
}

fn rich_message() -> Message {
    let from = addr("irc://libera/bob,isnick");
    let to = addr("xmpp:juliet@example.com");
    let mut message = Message::text(MessageKind::Chat, &from, &to, "waves at Кириллица 😀");
    message.cpim = message
        .cpim
        .with_subject("salut", Some(LanguageTag::parse("fr").expect("tag")))
        .with_subject("hello", None)
        .with_date_time(CpimDateTime::new(NOW - Duration::minutes(1)).expect("date"));
    message.meta.thread = Some("t-1".into());
    message.meta.action = true;
    message.meta.wants_receipt = true;
    message.meta.correction_of = Some(MessageId::new("old-1"));
    message.meta.in_reply_to = Some(MessageId::new("orig-7"));
    message.meta.links = vec![Link {
        url: "https://example.org/a.png".into(),
        media_type: None,
        size: None,
        name: Some("a picture".into()),
    }];
    message
}

#[test]
fn a_core_message_becomes_the_expected_stanza() {
    let message = rich_message();
    let stanza = mapper()
        .message_from_core(&message, &jid("juliet@example.com/balcony"), NOW)
        .expect("stanza");
    let expected = format!(
        "<message xmlns='jabber:component:accept' from='bob%libera@gw.example' \
         to='juliet@example.com/balcony' type='chat' id='{}'><body>/me waves at Кириллица 😀</body>\
         <subject xml:lang='fr'>salut</subject><subject>hello</subject><thread>t-1</thread>\
         <reply xmlns='urn:xmpp:reply:0' id='orig-7'/><replace xmlns='urn:xmpp:message-correct:0' \
         id='old-1'/><request xmlns='urn:xmpp:receipts'/><x xmlns='jabber:x:oob'>\
         <url>https://example.org/a.png</url><desc>a picture</desc></x><delay xmlns='urn:xmpp:delay' \
         stamp='2025-03-01T11:59:00Z'/></message>",
        message.meta.id
    );
    assert_eq!(stanza.to_xml(), expected);
}

#[test]
fn a_round_trip_keeps_content_and_metadata() {
    let message = rich_message();
    let stanza = mapper()
        .message_from_core(&message, &jid("juliet@example.com/balcony"), NOW)
        .expect("stanza");
    let parsed = parse_stanza(&stanza.to_xml()).expect("well-formed");
    let back = mapper()
        .message_to_core_at(&swapped(&parsed), NOW)
        .expect("mapped");
    assert_eq!(back.recipients(), Ok(vec![addr("irc://libera/bob,isnick")]));
    assert_eq!(back.sender(), Ok(addr("xmpp:juliet@example.com/balcony")));
    assert_eq!(back.body_text(), message.body_text());
    assert_eq!(
        back.cpim.subjects().collect::<Vec<_>>(),
        message.cpim.subjects().collect::<Vec<_>>()
    );
    assert_eq!(back.cpim.date_time(), message.cpim.date_time());
    let (sent, got) = (&message.meta, &back.meta);
    assert_eq!(got.kind, sent.kind);
    assert_eq!(got.thread, sent.thread);
    assert_eq!(got.action, sent.action);
    assert_eq!(got.wants_receipt, sent.wants_receipt);
    assert_eq!(got.links, sent.links);
    assert_eq!(got.correction_of, sent.correction_of);
    assert_eq!(got.in_reply_to, sent.in_reply_to);
    assert_eq!(got.source_id.as_deref(), Some(sent.id.as_str()));
}

#[test]
fn the_body_language_survives_a_round_trip() {
    let from = addr("tel:+15551234567");
    let mut message = Message::text(
        MessageKind::Normal,
        &from,
        &addr("xmpp:a@example.com"),
        "Hej",
    );
    *message.cpim.content_mut() = message
        .cpim
        .content()
        .clone()
        .with_header("Content-Language", "sv")
        .expect("header");
    let stanza = mapper()
        .message_from_core(&message, &jid("a@example.com"), NOW)
        .expect("stanza");
    assert_eq!(stanza.attr("from"), Some("+15551234567@sms.gw.example"));
    let back = mapper()
        .message_to_core_at(&swapped(&stanza), NOW)
        .expect("mapped");
    assert_eq!(back.cpim.content().header("Content-Language"), Some("sv"));
    assert_eq!(back.recipients(), Ok(vec![from]));
}

#[test]
fn a_delay_is_added_only_for_messages_older_than_five_seconds() {
    for (age, delayed) in [(3, false), (5, false), (6, true)] {
        let mut message = Message::text(
            MessageKind::Chat,
            &addr("irc://libera/bob,isnick"),
            &addr("xmpp:a@example.com"),
            "x",
        );
        message.cpim = message
            .cpim
            .with_date_time(CpimDateTime::new(NOW - Duration::seconds(age)).expect("date"));
        let stanza = mapper()
            .message_from_core(&message, &jid("a@example.com"), NOW)
            .expect("stanza");
        assert_eq!(
            stanza.child("delay", "urn:xmpp:delay").is_some(),
            delayed,
            "{age} s"
        );
    }
}

#[test]
fn every_from_is_under_one_of_the_domains() {
    let mut only_irc = TransportDomains::default();
    only_irc.add("irc.gw.example", LegacyNetwork::Irc);
    for domains in [domains(), only_irc] {
        let mapper = MessageMapper::new(domains.clone());
        for sender in [
            "irc://libera/bob,isnick",
            "irc://libera/%23dev",
            "sip:carol@sip.example.net",
            "tel:+15551234567",
            "mailto:o'brien@example.org",
            "im:conformance@switchboard.invalid",
            "pres:piglet@example.org",
            "xmpp:romeo@montague.example/orchard",
        ] {
            let message = Message::text(
                MessageKind::Chat,
                &addr(sender),
                &addr("xmpp:a@example.com"),
                "x",
            );
            let stanza = mapper
                .message_from_core(&message, &jid("a@example.com"), NOW)
                .expect(sender);
            let from = jid(stanza.attr("from").expect("from"));
            assert!(domains.is_ours(from.domain()), "{sender} -> {from}");
            let back = mapper
                .message_to_core_at(&swapped(&stanza), NOW)
                .expect(sender);
            assert_eq!(back.recipients(), Ok(vec![addr(sender)]), "{sender}");
        }
    }
}

#[test]
fn a_fallback_localpart_addresses_the_uri_it_escapes() {
    let message = to_core(
        "<message from='juliet@example.com/b' \
         to='im\\3aconformance\\40switchboard.invalid@gw.example'><body>x</body></message>",
    )
    .expect("mapped");
    assert_eq!(
        message.recipients(),
        Ok(vec![addr("im:conformance@switchboard.invalid")])
    );
}

#[test]
fn a_message_with_only_links_gets_their_urls_as_body() {
    let mut message = Message::text(
        MessageKind::Chat,
        &addr("irc://libera/bob,isnick"),
        &addr("xmpp:a@example.com"),
        "",
    );
    message.meta.links = vec![Link {
        url: "https://example.org/f".into(),
        media_type: None,
        size: None,
        name: None,
    }];
    let stanza = mapper()
        .message_from_core(&message, &jid("a@example.com"), NOW)
        .expect("stanza");
    assert_eq!(
        stanza
            .child("body", "jabber:component:accept")
            .map(Element::text),
        Some("https://example.org/f".to_owned())
    );
}

#[test]
fn messages_that_cannot_go_out_are_refused_with_the_reason() {
    let message = Message::text(
        MessageKind::Chat,
        &addr("tel:+15551234567"),
        &addr("xmpp:a@example.com"),
        "x",
    );
    let nowhere = MessageMapper::new(TransportDomains::default());
    assert_eq!(
        nowhere.message_from_core(&message, &jid("a@example.com"), NOW),
        Err(DeliveryError::new(
            ErrorKind::BadRequest,
            "no jid under the gateway's domains can stand for tel:+15551234567"
        ))
    );
    let mut binary = message.clone();
    *binary.cpim.content_mut() = switchboard_core::cpim::MimePart::new(vec![0xff, 0x00])
        .with_header("Content-Type", "image/png")
        .expect("header");
    assert_eq!(
        mapper().message_from_core(&binary, &jid("a@example.com"), NOW),
        Err(DeliveryError::new(
            ErrorKind::NotAcceptable,
            "xmpp carries text bodies only, not image/png"
        ))
    );
}

#[test]
fn stanzas_that_carry_nothing_to_route_say_why() {
    let head = "<message from='juliet@example.com/b' to='bob%libera@gw.example' id='m2'";
    for (xml, error) in [
        (
            format!(
                "{head} type='error'><error type='wait'><recipient-unavailable \
                 xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text \
                 xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>offline</text></error></message>"
            ),
            MapError::ErrorStanza(DeliveryError::new(
                ErrorKind::RecipientUnavailable,
                "offline",
            )),
        ),
        (
            format!(
                "{head} type='chat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>"
            ),
            MapError::ChatStateOnly(ChatState::Composing),
        ),
        (
            format!("{head}><received xmlns='urn:xmpp:receipts' id='m1'/></message>"),
            MapError::Receipt { id: "m1".into() },
        ),
        (
            format!("{head}><body></body></message>"),
            MapError::NoContent,
        ),
        (format!("{head}/>"), MapError::NoContent),
    ] {
        let got = to_core(&xml).expect_err(&xml);
        assert_eq!(got.error_kind(), None, "{xml}");
        assert_eq!(got, error, "{xml}");
    }
}

#[test]
fn badly_addressed_stanzas_get_the_error_to_answer_with() {
    let body = "><body>x</body></message>";
    for (attributes, error, kind) in [
        (
            "to='bob%libera@gw.example'",
            MapError::MissingFrom,
            ErrorKind::BadRequest,
        ),
        (
            "from='@example.com' to='bob%libera@gw.example'",
            MapError::BadFrom {
                from: "@example.com".into(),
                reason: XmppAddressError::EmptyLocalpart,
            },
            ErrorKind::BadRequest,
        ),
        (
            "from='a@example.com'",
            MapError::MissingTo,
            ErrorKind::BadRequest,
        ),
        (
            "from='a@example.com' to='b@gw.example/'",
            MapError::BadTo {
                to: "b@gw.example/".into(),
                reason: XmppAddressError::EmptyResource,
            },
            ErrorKind::BadRequest,
        ),
        (
            "from='a@example.com' to='b@elsewhere.example'",
            MapError::NotOurs {
                to: "b@elsewhere.example".into(),
            },
            ErrorKind::ItemNotFound,
        ),
        (
            "from='a@example.com' to='bob@gw.example'",
            MapError::Recipient(TransportAddressError::MissingPercent {
                jid: "bob@gw.example".into(),
                domain: "gw.example".into(),
            }),
            ErrorKind::BadRequest,
        ),
        (
            "from='a@example.com' to='gw.example'",
            MapError::Recipient(TransportAddressError::NoLocalpart {
                jid: "gw.example".into(),
            }),
            ErrorKind::ServiceUnavailable,
        ),
    ] {
        let xml = format!("<message {attributes}{body}");
        let got = to_core(&xml).expect_err(&xml);
        assert_eq!(got, error, "{xml}");
        assert_eq!(got.error_kind(), Some(kind), "{xml}");
    }
}

#[test]
fn a_receipt_answers_a_request_from_the_addressee() {
    let request = parse_stanza(
        "<message from='juliet@example.com/b' to='bob%libera@gw.example' id='m1' type='chat'>\
         <body>x</body><request xmlns='urn:xmpp:receipts'/></message>",
    )
    .expect("well-formed");
    let answer = receipt(&request).expect("receipt");
    assert_eq!(answer.attr("from"), Some("bob%libera@gw.example"));
    assert_eq!(answer.attr("to"), Some("juliet@example.com/b"));
    assert_eq!(
        answer
            .child("received", "urn:xmpp:receipts")
            .and_then(|r| r.attr("id")),
        Some("m1")
    );
    assert!(answer.attr("id").is_some_and(|id| id != "m1"));
    let mut groupchat = request.clone();
    groupchat.set_attr("type", "groupchat");
    assert_eq!(receipt(&groupchat), None);
    let mut anonymous = request.clone();
    anonymous.attributes.retain(|a| a.name != "id");
    assert_eq!(receipt(&anonymous), None);
    let plain = parse_stanza(
        "<message from='juliet@example.com/b' to='bob%libera@gw.example' id='m1'><body>x</body></message>",
    )
    .expect("well-formed");
    assert_eq!(receipt(&plain), None);
}
