//! Stream codec tests: simple stanzas, framing under every chunking, round trips, RFC 6120 §11.1
//! restrictions and the exact error of each invalid input.

mod common;

use common::{HEADER, feed_chunks, parse_stanza, stanzas};
use switchboard_xmpp::proto::{
    Element, FormatProblem, LimitExceeded, Malformed, NS_COMPONENT, NS_STREAMS, NS_XML, Node,
    Restricted, StreamError, StreamEvent, StreamHeader, StreamLimits, StreamParser, parse_all,
};

fn realistic_stream() -> String {
    format!(
        "<?xml version='1.0' encoding='UTF-8'?>\n{HEADER}\n\
         <handshake/>\r\n\t \
         <message to='юзер@gw.example.org' from='王@example.org/手机' type='chat' id='m&amp;1' xml:lang='ru'>\
         <body>Привет 👋 — 你好 &lt;b&gt;&amp;amp;&lt;/b&gt; <![CDATA[<b>&amp;</b>]]> &#x1F600;&#233;</body>\
         <html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'>\
         <p style=\"font-weight:bold\">Привет 👋<br/>你好</p></body></html>\
         <x:ext xmlns:x='urn:example:ext' x:mode='fast' plain=\"a&quot;b'c\"><x:inner>é</x:inner></x:ext>\
         </message>  \
         <presence from='a@example.org'><status>on the phone\r\nback soon</status></presence>\n\
         <iq type='get' id='q1' to='gw.example.org'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>\
         <stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>\
         \n</stream:stream>\n"
    )
}

#[test]
fn simple_stanzas_and_stream_header() {
    let events = parse_all(realistic_stream().as_bytes(), StreamLimits::default()).unwrap();
    let StreamEvent::StreamOpen(open) = &events[0] else {
        panic!("{:?}", events[0]);
    };
    assert_eq!(open.name, "stream:stream");
    assert_eq!(open.id(), Some("3BF96D75"));
    assert_eq!(open.from(), Some("gw.example.org"));
    assert_eq!(open.to(), None);
    assert_eq!(open.version(), None);
    assert_eq!(open.default_namespace(), Some(NS_COMPONENT));
    assert_eq!(open.attr("xmlns:stream"), Some(NS_STREAMS));
    assert_eq!(events.last(), Some(&StreamEvent::StreamClose));

    let s = stanzas(&events);
    let names: Vec<_> = s
        .iter()
        .map(|e| (e.name.as_str(), e.namespace.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("handshake", NS_COMPONENT),
            ("message", NS_COMPONENT),
            ("presence", NS_COMPONENT),
            ("iq", NS_COMPONENT),
            ("error", NS_STREAMS),
        ]
    );
    let msg = s[1];
    assert_eq!(msg.attr("to"), Some("юзер@gw.example.org"));
    assert_eq!(msg.attr("id"), Some("m&1"));
    assert_eq!(msg.attr_ns("lang", NS_XML), Some("ru"));
    assert_eq!(
        msg.child("body", NS_COMPONENT).unwrap().text(),
        "Привет 👋 — 你好 <b>&amp;</b> <b>&amp;</b> 😀é"
    );
    let ext = msg.child("ext", "urn:example:ext").unwrap();
    assert_eq!(ext.attr_ns("mode", "urn:example:ext"), Some("fast"));
    assert_eq!(ext.attr("plain"), Some("a\"b'c"));
    assert_eq!(ext.child("inner", "urn:example:ext").unwrap().text(), "é");
    let xhtml = msg
        .child("html", "http://jabber.org/protocol/xhtml-im")
        .and_then(|h| h.child("body", "http://www.w3.org/1999/xhtml"))
        .unwrap();
    assert!(xhtml.child("p", "http://www.w3.org/1999/xhtml").is_some());
    // XML 1.0 §2.11: CR LF becomes LF.
    assert_eq!(
        s[2].child("status", NS_COMPONENT).unwrap().text(),
        "on the phone\nback soon"
    );
    assert!(
        s[4].child("host-unknown", "urn:ietf:params:xml:ns:xmpp-streams")
            .is_some()
    );
}

#[test]
fn whitespace_keepalives_are_ignored() {
    let input = format!("\n \t\r\n{HEADER} \n<a/>\r\n \t\n \n<b/>   </stream:stream>\n\n ");
    let events = parse_all(input.as_bytes(), StreamLimits::default()).unwrap();
    assert_eq!(events.len(), 4);
    let s = stanzas(&events);
    assert_eq!((s[0].name.as_str(), s[1].name.as_str()), ("a", "b"));
    // Keep-alives alone, fed one at a time, produce nothing.
    let mut p = StreamParser::new(StreamLimits::default());
    p.feed(HEADER.as_bytes()).unwrap();
    assert!(matches!(p.next_event(), Some(StreamEvent::StreamOpen(_))));
    for _ in 0..100 {
        p.feed(b" ").unwrap();
        assert_eq!(p.next_event(), None);
    }
}

#[test]
fn every_two_way_split_gives_the_one_shot_events() {
    let input = realistic_stream();
    let bytes = input.as_bytes();
    let expected = parse_all(bytes, StreamLimits::default()).unwrap();
    assert_eq!(expected.len(), 7);
    for i in 0..=bytes.len() {
        let got = feed_chunks([&bytes[..i], &bytes[i..]], StreamLimits::default());
        assert_eq!(got.as_ref(), Ok(&expected), "split at {i}");
    }
    let one_by_one = feed_chunks(bytes.chunks(1), StreamLimits::default());
    assert_eq!(one_by_one, Ok(expected.clone()));
    for size in [2, 3, 5, 7, 64] {
        assert_eq!(
            feed_chunks(bytes.chunks(size), StreamLimits::default()),
            Ok(expected.clone())
        );
    }
}

#[test]
fn errors_do_not_depend_on_chunking() {
    // An invalid UTF-8 byte in the middle of a multi-byte sequence, and an undefined entity.
    for bad in [
        format!("{HEADER}<m>пр\u{0438}</m>")
            .into_bytes()
            .into_iter()
            .map(|b| if b == 0xB8 { 0x28 } else { b })
            .collect::<Vec<_>>(),
        format!("{HEADER}<m a='&nbsp;'/>").into_bytes(),
    ] {
        let one_shot = parse_all(&bad, StreamLimits::default()).unwrap_err();
        for i in 0..=bad.len() {
            let got = feed_chunks([&bad[..i], &bad[i..]], StreamLimits::default());
            assert_eq!(got, Err(one_shot.clone()), "split at {i}");
        }
    }
}

#[test]
fn round_trip_parse_serialize_parse() {
    let events = parse_all(realistic_stream().as_bytes(), StreamLimits::default()).unwrap();
    for e in stanzas(&events) {
        assert_eq!(parse_stanza(&e.to_xml()).as_ref(), Ok(e), "{}", e.to_xml());
        assert_eq!(
            parse_stanza(&e.to_stream_xml()).as_ref(),
            Ok(e),
            "{}",
            e.to_stream_xml()
        );
    }
}

#[test]
fn round_trip_of_built_elements_with_awkward_content() {
    let e = Element::new("message", NS_COMPONENT)
        .with_attr("to", "a&b<c>\"d'e\tf\ng\rh")
        .with_attr_ns("lang", NS_XML, "en")
        .with_attr_ns("p", "urn:one", "1")
        .with_child(
            Element::new("payload", "urn:unknown:any")
                .with_attr_ns("q", "urn:one", "2")
                .with_attr_ns("r", "urn:two", "3")
                .with_child(Element::new("deep", "urn:one").with_text("]]> & <tag> \r\n \r"))
                .with_child(Element::new("none", "")),
        )
        .with_text("  Ünïcödé 🎉 𝄞 ")
        .with_child(Element::new("error", NS_STREAMS));
    assert_eq!(parse_stanza(&e.to_xml()), Ok(e.clone()));
    assert_eq!(parse_stanza(&e.to_stream_xml()), Ok(e));
}

#[test]
fn prefixed_namespaces_are_resolved() {
    let e = parse_stanza(
        "<iq xmlns:a='urn:a' xmlns:b='urn:b'><a:query b:x='1' y='2'><b:item/><c xmlns='urn:c'><d/></c></a:query></iq>",
    )
    .unwrap();
    let q = e.child("query", "urn:a").unwrap();
    assert_eq!(q.attr_ns("x", "urn:b"), Some("1"));
    assert_eq!(q.attr("y"), Some("2"));
    assert_eq!(
        q.attributes.len(),
        2,
        "xmlns declarations are not attributes"
    );
    assert!(q.child("item", "urn:b").is_some());
    assert!(q.child("c", "urn:c").unwrap().child("d", "urn:c").is_some());
    assert!(e.attributes.is_empty());
}

#[test]
fn text_nodes_are_merged_across_references_and_cdata() {
    let e = parse_stanza("<m>a&amp;b<![CDATA[c]]>&#100;<x/>e</m>").unwrap();
    assert_eq!(
        e.children,
        [
            Node::Text("a&bcd".into()),
            Node::Element(Element::new("x", NS_COMPONENT)),
            Node::Text("e".into())
        ]
    );
}

#[test]
fn invalid_input_gives_the_exact_error() {
    let cases: Vec<(String, StreamError)> = vec![
        (format!("{HEADER}<a></b>"), Malformed::MismatchedEndTag { expected: "a".into(), found: "b".into() }.into()),
        (format!("{HEADER}<a>&nbsp;</a>"), Restricted::EntityReference { name: "nbsp".into() }.into()),
        (format!("{HEADER}<a>&#0;</a>"), Malformed::ForbiddenChar(0).into()),
        (format!("{HEADER}<a>\u{FFFE}</a>"), Malformed::ForbiddenChar(0xFFFE).into()),
        (format!("{HEADER}<a>&amp</a>"), Malformed::BadReference.into()),
        (format!("{HEADER}<?pi x?>"), Restricted::ProcessingInstruction.into()),
        (format!("{HEADER}<a><!--x--></a>"), Restricted::Comment.into()),
        (format!("{HEADER}<!ENTITY x 'y'>"), Restricted::MarkupDeclaration.into()),
        (format!("{HEADER}hello"), FormatProblem::TextBetweenStanzas.into()),
        (format!("{HEADER}</stream>"), Malformed::MismatchedEndTag { expected: "stream:stream".into(), found: "stream".into() }.into()),
        (format!("{HEADER}</stream:stream><a/>"), Malformed::ContentAfterClose.into()),
        (format!("x{HEADER}"), Malformed::ContentBeforeHeader.into()),
        (format!(" <?xml version='1.0'?>{HEADER}"), Restricted::ProcessingInstruction.into()),
        (format!("{HEADER}<a xmlns:p='urn:x' xmlns:q='urn:x' p:k='1' q:k='2'/>"), Malformed::DuplicateAttribute("q:k".into()).into()),
        (format!("{HEADER}<a><p:b/></a>"), Malformed::UndeclaredPrefix("p".into()).into()),
        (format!("{HEADER}<a xmlns:xml='urn:wrong'/>"), Malformed::BadNamespaceDeclaration("the namespace prefix 'xml' cannot be bound to 'urn:wrong'".into()).into()),
        (format!("{HEADER}<a xmlns:p=''/>"), Malformed::BadNamespaceDeclaration("prefix 'p' bound to the empty namespace".into()).into()),
        (format!("{HEADER}<a:b:c xmlns:a='urn:a'/>"), Malformed::BadName("a:b:c".into()).into()),
        ("<message xmlns='jabber:component:accept'>".into(), StreamError::InvalidNamespace { expected: NS_STREAMS, found: NS_COMPONENT.into() }),
        ("<s:features xmlns='jabber:component:accept' xmlns:s='http://etherx.jabber.org/streams'>".into(), FormatProblem::NotAStreamHeader("s:features".into()).into()),
        ("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>".into(), StreamError::InvalidNamespace { expected: NS_COMPONENT, found: "jabber:client".into() }),
        ("<stream:stream xmlns='jabber:component:accept'>".into(), Malformed::UndeclaredPrefix("stream".into()).into()),
        ("\u{FEFF}<?xml version='1.1'?>".into(), Malformed::BadXmlDeclaration.into()),
    ];
    for (input, want) in cases {
        assert_eq!(
            parse_all(input.as_bytes(), StreamLimits::default()),
            Err(want),
            "{input}"
        );
    }
}

#[test]
fn accepted_prolog_forms() {
    for prolog in [
        "",
        "\u{FEFF}",
        "<?xml version='1.0'?>",
        "\u{FEFF}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n",
    ] {
        let input = format!("{prolog}{HEADER}<a/></stream:stream>");
        let events = parse_all(input.as_bytes(), StreamLimits::default()).unwrap();
        assert_eq!(events.len(), 3, "{prolog:?}");
    }
    // A header that closes itself opens and closes the stream.
    let events = parse_all(
        b"<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'/>",
        StreamLimits::default(),
    )
    .unwrap();
    assert!(matches!(
        events.as_slice(),
        [StreamEvent::StreamOpen(_), StreamEvent::StreamClose]
    ));
}

#[test]
fn events_before_an_error_are_kept() {
    let mut p = StreamParser::new(StreamLimits::default());
    let input = format!("{HEADER}<a/><b>&bogus;</b>");
    assert_eq!(
        p.feed(input.as_bytes()),
        Err(Restricted::EntityReference {
            name: "bogus".into()
        }
        .into())
    );
    assert!(matches!(p.next_event(), Some(StreamEvent::StreamOpen(_))));
    assert!(matches!(p.next_event(), Some(StreamEvent::Stanza(e)) if e.name == "a"));
    assert_eq!(p.next_event(), None);
}

#[test]
fn stream_error_rendering() {
    let e: StreamError = LimitExceeded::Depth { limit: 64 }.into();
    assert_eq!(
        e.to_string(),
        "policy violation: elements nested deeper than 64"
    );
    assert_eq!(
        e.to_stream_error_xml(),
        "<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>\
         <text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>\
         policy violation: elements nested deeper than 64</text></stream:error>"
    );
    let e: StreamError = Malformed::MismatchedEndTag {
        expected: "a".into(),
        found: "<&>".into(),
    }
    .into();
    assert!(
        e.to_stream_error_xml()
            .contains("end tag &lt;/&lt;&amp;&gt;&gt; does not match &lt;a&gt;")
    );
    // What the gateway sends parses back as a stream error with the condition.
    let sent = format!("{HEADER}{}", e.to_stream_error_xml());
    let events = parse_all(sent.as_bytes(), StreamLimits::default()).unwrap();
    let err = stanzas(&events)[0];
    assert!(err.is("error", NS_STREAMS));
    assert!(
        err.child("not-well-formed", "urn:ietf:params:xml:ns:xmpp-streams")
            .is_some()
    );
    let conditions: Vec<&str> = [
        StreamError::from(Restricted::Comment),
        StreamError::InvalidNamespace {
            expected: NS_STREAMS,
            found: String::new(),
        },
        StreamError::UnsupportedEncoding {
            encoding: "latin1".into(),
        },
        FormatProblem::TextBetweenStanzas.into(),
    ]
    .iter()
    .map(StreamError::condition)
    .collect();
    assert_eq!(
        conditions,
        [
            "restricted-xml",
            "invalid-namespace",
            "unsupported-encoding",
            "bad-format"
        ]
    );
}

#[test]
fn component_header_is_accepted_by_the_parser() {
    let header = StreamHeader::new("gw.example.org").to_xml();
    let events = parse_all(header.as_bytes(), StreamLimits::default()).unwrap();
    let [StreamEvent::StreamOpen(open)] = events.as_slice() else {
        panic!("{events:?}");
    };
    assert_eq!(open.to(), Some("gw.example.org"));
}

/// A small deterministic mutation fuzzer: whatever the bytes, no panic, chunked parsing agrees
/// with one-shot parsing, and every stanza that parses survives a serialize/parse round trip.
#[test]
fn mutated_streams_agree_across_chunkings_and_round_trip() {
    let base = realistic_stream().into_bytes();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet = b"<>/&;'\"=:x #![]-?\0\xC3\xA9\xFF";
    for _ in 0..400 {
        let mut bytes = base.clone();
        for _ in 0..(next() % 4 + 1) {
            let at = (next() % bytes.len() as u64) as usize;
            let b = alphabet[(next() % alphabet.len() as u64) as usize];
            match next() % 3 {
                0 => bytes[at] = b,
                1 => bytes.insert(at, b),
                _ => {
                    bytes.remove(at);
                }
            }
        }
        let one_shot = parse_all(&bytes, StreamLimits::default());
        let chunk = (next() % 17 + 1) as usize;
        assert_eq!(
            feed_chunks(bytes.chunks(chunk), StreamLimits::default()),
            one_shot
        );
        if let Ok(events) = &one_shot {
            for e in stanzas(events) {
                assert_eq!(parse_stanza(&e.to_xml()).as_ref(), Ok(e));
            }
        }
    }
}
