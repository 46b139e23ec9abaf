//! The CPIM codec (RFC 3862) against the RFC's own example, round trips, chunked input, limits and errors.

use std::path::Path;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use switchboard_core::cpim::{
    CpimDateTime, CpimDecoder, CpimError, CpimLimits, CpimMessage, ExtensionHeader, Header,
    HeaderName, HeaderParam, LanguageTag, MimePart, Name, NameAddr, NsDeclaration, Subject, Uri,
};

const FIXTURES: [&str; 3] = [
    "rfc3862-section6.cpim",
    "extensions-and-escapes.cpim",
    "empty-body.cpim",
];

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/cpim")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse(input: &[u8]) -> Result<CpimMessage, CpimError> {
    CpimMessage::parse(input, &CpimLimits::default())
}

fn uri(text: &str) -> Uri {
    Uri::parse(text).unwrap()
}

fn name_addr(display: Option<&str>, address: &str) -> NameAddr {
    NameAddr {
        display_name: display.map(str::to_owned),
        uri: uri(address),
    }
}

fn header_name(text: &str) -> HeaderName {
    HeaderName::parse(text).unwrap()
}

fn lang(text: &str) -> Option<LanguageTag> {
    Some(LanguageTag::parse(text).unwrap())
}

/// Feeds `input` cut at `cuts` (ascending offsets) and finishes.
fn decode_in_pieces(
    input: &[u8],
    cuts: &[usize],
    limits: CpimLimits,
) -> Result<CpimMessage, CpimError> {
    let mut decoder = CpimDecoder::new(limits);
    let mut start = 0;
    for &cut in cuts.iter().chain(std::iter::once(&input.len())) {
        decoder.feed(&input[start..cut])?;
        start = cut;
    }
    decoder.finish()
}

// RFC 3862 §6 example, typed in from the RFC into the fixture.

#[test]
fn rfc3862_example_reads_into_typed_headers() {
    let message = parse(&fixture("rfc3862-section6.cpim")).unwrap();
    assert_eq!(
        message.from(),
        &name_addr(Some("MR SANDERS"), "im:piglet@100akerwood.com")
    );
    assert_eq!(
        message.to().collect::<Vec<_>>(),
        [&name_addr(
            Some("Depressed Donkey"),
            "im:eeyore@100akerwood.com"
        )]
    );
    assert_eq!(message.cc().count(), 0);
    let at = message.date_time().unwrap().as_offset_date_time();
    assert_eq!(at, time::macros::datetime!(2000-12-13 13:40:00 -08:00));
    assert_eq!(at.offset().whole_hours(), -8);
    assert_eq!(
        message.subjects().collect::<Vec<_>>(),
        [
            &Subject {
                lang: None,
                text: "the weather will be fine today".to_owned()
            },
            &Subject {
                lang: lang("fr"),
                text: "beau temps prevu pour aujourd'hui".to_owned()
            },
        ]
    );
    assert_eq!(
        message.namespaces().collect::<Vec<_>>(),
        [&NsDeclaration {
            prefix: Some(Name::parse("MyFeatures").unwrap()),
            uri: uri("mid:MessageFeatures@id.foo.com")
        }]
    );
    assert_eq!(
        message.require().collect::<Vec<_>>(),
        [&header_name("MyFeatures.VitalMessageOption")]
    );
    let extensions: Vec<_> = message
        .extensions()
        .map(|e| (e.name().as_str(), e.value()))
        .collect();
    assert_eq!(
        extensions,
        [
            ("MyFeatures.VitalMessageOption", "Confirmation-requested"),
            ("MyFeatures.WackyMessageOption", "Use-silly-font"),
        ]
    );
    assert_eq!(message.headers().len(), 9);
    let content = message.content();
    assert_eq!(
        content.headers(),
        [
            (
                "Content-type".to_owned(),
                "text/xml; charset=utf-8".to_owned()
            ),
            ("Content-ID".to_owned(), "<1234567890@foo.com>".to_owned()),
        ]
    );
    assert_eq!(content.content_type(), Some("text/xml; charset=utf-8"));
    assert_eq!(content.charset(), Some("utf-8"));
    assert_eq!(
        content.text().as_deref(),
        Some("<body>\r\nHere is the text of my message.\r\n</body>\r\n")
    );
}

#[test]
fn rfc3862_example_writes_back_byte_exact() {
    let input = fixture("rfc3862-section6.cpim");
    assert_eq!(
        String::from_utf8(parse(&input).unwrap().to_bytes()).unwrap(),
        String::from_utf8(input).unwrap()
    );
}

#[test]
fn rfc3862_example_requirements_are_checked_against_what_is_understood() {
    let message = parse(&fixture("rfc3862-section6.cpim")).unwrap();
    let vital = header_name("MyFeatures.VitalMessageOption");
    assert_eq!(message.unsupported_requirements(|_| false), [&vital]);
    assert!(
        message
            .unsupported_requirements(|name| name == &vital)
            .is_empty()
    );
}

// Round trips.

#[test]
fn every_fixture_round_trips_and_writes_stably() {
    for name in FIXTURES {
        let first = parse(&fixture(name)).unwrap();
        let bytes = first.to_bytes();
        let second = parse(&bytes).unwrap();
        assert_eq!(second, first, "{name}");
        assert_eq!(second.to_bytes(), bytes, "{name}");
    }
}

#[test]
fn escapes_and_odd_order_fixture_reads_as_meant() {
    let message = parse(&fixture("extensions-and-escapes.cpim")).unwrap();
    assert!(matches!(message.headers()[0], Header::Cc(_)));
    assert!(matches!(message.headers()[1], Header::Extension(_)));
    assert_eq!(
        message.from(),
        &name_addr(Some("Winnie the Pooh"), "im:pooh@100akerwood.com")
    );
    let to: Vec<_> = message.to().cloned().collect();
    assert_eq!(
        to,
        [
            name_addr(None, "im:piglet@100akerwood.com"),
            name_addr(Some("Émile Zola"), "mailto:emile@example.fr")
        ]
    );
    let cc: Vec<_> = message.cc().cloned().collect();
    assert_eq!(
        cc,
        [
            name_addr(None, "im:tigger@100akerwood.com"),
            name_addr(Some("Kanga & Roo"), "im:kanga@100akerwood.com")
        ]
    );
    let subjects: Vec<_> = message.subjects().cloned().collect();
    assert_eq!(
        subjects,
        [
            Subject {
                lang: lang("de"),
                text: "Grüße aus dem \"Wald\"\tmit Tab".to_owned()
            },
            Subject {
                lang: None,
                text: "天気は晴れ".to_owned()
            },
        ]
    );
    let unknown = message.extensions().nth(1).unwrap();
    assert_eq!(unknown.name().prefix(), None);
    assert_eq!(
        unknown.params(),
        [
            HeaderParam {
                name: Name::parse("p").unwrap(),
                value: "a;b c".to_owned()
            },
            HeaderParam {
                name: Name::parse("q").unwrap(),
                value: "7".to_owned()
            },
        ]
    );
    assert_eq!(unknown.value(), "value with \\ backslash");
    assert_eq!(
        message
            .require()
            .map(HeaderName::as_str)
            .collect::<Vec<_>>(),
        ["X.Trace", "Unknown"]
    );
    assert_eq!(
        message.date_time().unwrap().to_string(),
        "2024-02-29T23:59:59.25Z"
    );
    assert_eq!(
        message.content().content_type(),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(message.content().body, b"hello\r\nworld");
}

#[test]
fn empty_body_fixture_has_no_mime_headers_and_no_body() {
    let message = parse(&fixture("empty-body.cpim")).unwrap();
    assert!(message.content().headers().is_empty());
    assert!(message.content().body.is_empty());
    assert_eq!(message.content().text().as_deref(), Some(""));
}

fn built_messages() -> Vec<CpimMessage> {
    let at = CpimDateTime::parse("2001-02-02T10:48:54.123456789-05:00").unwrap();
    let ext = |name: &str, value: &str| ExtensionHeader::new(header_name(name), value).unwrap();
    let tricky = CpimMessage::new(
        name_addr(Some("Ünïcödé \"quoted\" \\ name"), "sip:alice@example.com"),
        name_addr(Some(""), "xmpp:bob@example.com/phone"),
        MimePart::new(vec![0, 159, 255])
            .with_header("Content-Type", "application/octet-stream")
            .unwrap(),
    )
    .with_extension(ext("Z.Last", "first in line"))
    .with_to(name_addr(Some("trailing space "), "irc:carol@libera"))
    .with_cc(name_addr(Some("Dave"), "mailto:dave@example.org"))
    .with_cc(name_addr(None, "tel:+15555550100"))
    .with_subject(
        "line one\nline two\r\n\u{1}\u{7f} back\\slash",
        lang("en-GB"),
    )
    .with_subject("🙂 emoji", None)
    .with_date_time(at)
    .with_namespace(NsDeclaration {
        prefix: None,
        uri: uri("urn:ietf:params:cpim-headers:"),
    })
    .with_require(vec![header_name("Z.Last"), header_name("A")])
    .with_extension(ext("A", "  padded  ").with_params([HeaderParam {
        name: Name::parse("k").unwrap(),
        value: "has space; and \"quote\"".to_owned(),
    }]))
    .with_extension(ext("Empty", ""));
    let plain = CpimMessage::new(
        name_addr(None, "im:a@example.com"),
        name_addr(None, "im:b@example.com"),
        MimePart::text_plain(""),
    );
    vec![tricky, plain]
}

#[test]
fn built_messages_round_trip() {
    for message in built_messages() {
        let bytes = message.to_bytes();
        assert_eq!(
            parse(&bytes).unwrap(),
            message,
            "{}",
            String::from_utf8_lossy(&bytes)
        );
    }
}

#[test]
fn built_message_writes_escapes_and_quotes_as_rfc3862_says() {
    let text = String::from_utf8_lossy(&built_messages()[0].to_bytes()).into_owned();
    assert!(
        text.starts_with("From: \"Ünïcödé \\\"quoted\\\" \\\\ name\"<sip:alice@example.com>\r\n"),
        "{text}"
    );
    assert!(text.contains("\r\nTo: \"\"<xmpp:bob@example.com/phone>\r\n"));
    assert!(text.contains("\r\nTo: \"trailing space \"<irc:carol@libera>\r\n"));
    assert!(text.contains("\r\ncc: Dave <mailto:dave@example.org>\r\n"));
    assert!(text.contains(
        "\r\nSubject:;lang=en-GB line one\\nline two\\r\\n\\u0001\\u007f back\\\\slash\r\n"
    ));
    assert!(text.contains("\r\nDateTime: 2001-02-02T10:48:54.123456789-05:00\r\n"));
    assert!(text.contains("\r\nNS: <urn:ietf:params:cpim-headers:>\r\n"));
    assert!(text.contains("\r\nRequire: Z.Last,A\r\n"));
    assert!(text.contains("\r\nA:;k=\"has space; and \\\"quote\\\"\"   padded  \r\n"));
    assert!(text.contains("\r\nEmpty: \r\n\r\nContent-Type: application/octet-stream\r\n\r\n"));
}

#[test]
fn model_survives_serde() {
    for message in built_messages() {
        let bytes = postcard::to_allocvec(&message).unwrap();
        assert_eq!(
            postcard::from_bytes::<CpimMessage>(&bytes).unwrap(),
            message
        );
    }
}

#[test]
fn serde_refuses_a_message_without_to() {
    let message = &built_messages()[1];
    let headers: Vec<Header> = message
        .headers()
        .iter()
        .filter(|h| !matches!(h, Header::To(_)))
        .cloned()
        .collect();
    #[derive(serde::Serialize)]
    struct Fields<'a> {
        headers: Vec<Header>,
        content: &'a MimePart,
    }
    let bytes = postcard::to_allocvec(&Fields {
        headers,
        content: message.content(),
    })
    .unwrap();
    assert!(postcard::from_bytes::<CpimMessage>(&bytes).is_err());
}

// Chunked decoding.

#[test]
fn every_split_point_gives_the_one_shot_result() {
    let mut inputs: Vec<Vec<u8>> = FIXTURES.iter().map(|name| fixture(name)).collect();
    inputs.extend(built_messages().iter().map(CpimMessage::to_bytes));
    let mut broken = fixture("rfc3862-section6.cpim");
    broken[60] = 0xff;
    inputs.push(broken);
    inputs.push(b"From: <im:a@b>\r\nTo: <im:b@c>\r\n".to_vec());
    for input in &inputs {
        let one_shot = parse(input);
        for cut in 0..=input.len() {
            assert_eq!(
                decode_in_pieces(input, &[cut], CpimLimits::default()),
                one_shot,
                "cut at {cut}"
            );
        }
    }
}

#[test]
fn random_multi_chunk_splits_give_the_one_shot_result() {
    let mut rng = StdRng::seed_from_u64(3862);
    let tight = CpimLimits {
        max_bytes: 300,
        max_headers: 8,
        max_header_line: 48,
    };
    for name in FIXTURES {
        let input = fixture(name);
        for limits in [CpimLimits::default(), tight] {
            let one_shot = CpimMessage::parse(&input, &limits);
            for _ in 0..200 {
                let mut cuts: Vec<usize> = (0..rng.random_range(1..12))
                    .map(|_| rng.random_range(0..=input.len()))
                    .collect();
                cuts.sort_unstable();
                assert_eq!(
                    decode_in_pieces(&input, &cuts, limits),
                    one_shot,
                    "{name} cut at {cuts:?}"
                );
            }
        }
    }
}

#[test]
fn byte_by_byte_feeding_matches_one_shot() {
    let input = fixture("extensions-and-escapes.cpim");
    let cuts: Vec<usize> = (1..input.len()).collect();
    assert_eq!(
        decode_in_pieces(&input, &cuts, CpimLimits::default()),
        parse(&input)
    );
}

#[test]
fn decoder_repeats_its_error_after_failing() {
    let mut decoder = CpimDecoder::new(CpimLimits::default());
    let err = CpimError::MalformedHeader {
        line: 1,
        reason: "no ':' after the header name",
    };
    assert_eq!(decoder.feed(b"nonsense\r\n"), Err(err.clone()));
    assert_eq!(decoder.feed(b"From: <im:a@b>\r\n"), Err(err.clone()));
    assert_eq!(decoder.finish(), Err(err));
}

#[path = "cpim/errors.rs"]
mod errors;
