//! The RFC 6120 §13.12 limits (each at its bound and one past it, and a 10 MiB stanza fed in
//! 64 KiB chunks) and the XML attack corpus (tests/fixtures/xml-attacks/README.md).

mod common;

use common::{HEADER, feed_chunks, stanzas};
use switchboard_xmpp::proto::{
    LimitExceeded, Malformed, Restricted, StreamError, StreamLimits, StreamParser, parse_all,
};

fn attack(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/xml-attacks/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn attack_corpus_is_refused_with_the_exact_condition() {
    let cases: [(&str, bool, StreamError); 17] = [
        ("cyclic.xml", false, Restricted::Doctype.into()),
        (
            "deep_nesting_1000.xml",
            false,
            LimitExceeded::Depth { limit: 64 }.into(),
        ),
        ("dtd.xml", false, Restricted::Doctype.into()),
        (
            "dup_attr.xml",
            true,
            Malformed::DuplicateAttribute("to".into()).into(),
        ),
        (
            "encoding_latin1_decl.xml",
            false,
            StreamError::UnsupportedEncoding {
                encoding: "ISO-8859-1".into(),
            },
        ),
        ("external.xml", false, Restricted::Doctype.into()),
        ("external_file.xml", false, Restricted::Doctype.into()),
        ("invalid_utf8.xml", true, Malformed::InvalidUtf8.into()),
        ("nul_and_ctrl.xml", true, Malformed::ForbiddenChar(0).into()),
        ("quadratic.xml", false, Restricted::Doctype.into()),
        (
            "restricted_pi_comment.xml",
            false,
            Restricted::Comment.into(),
        ),
        ("simple.xml", false, Restricted::Comment.into()),
        (
            "simple-ns.xml",
            false,
            Restricted::ProcessingInstruction.into(),
        ),
        (
            "undeclared_prefix.xml",
            true,
            Malformed::UndeclaredPrefix("foo".into()).into(),
        ),
        ("xmlbomb.xml", false, Restricted::Doctype.into()),
        ("xmlbomb2.xml", false, Restricted::Doctype.into()),
        ("xxe_file.xml", false, Restricted::Doctype.into()),
    ];
    let conditions = [
        ("cyclic.xml", "restricted-xml"),
        ("deep_nesting_1000.xml", "policy-violation"),
        ("dup_attr.xml", "not-well-formed"),
        ("encoding_latin1_decl.xml", "unsupported-encoding"),
        ("invalid_utf8.xml", "not-well-formed"),
        ("nul_and_ctrl.xml", "not-well-formed"),
        ("undeclared_prefix.xml", "not-well-formed"),
    ];
    for (name, after_header, want) in cases {
        let mut input = if after_header {
            HEADER.as_bytes().to_vec()
        } else {
            Vec::new()
        };
        input.extend(attack(name));
        let got = parse_all(&input, StreamLimits::default());
        assert_eq!(got, Err(want.clone()), "{name}");
        // Byte-at-a-time feeding agrees.
        assert_eq!(
            feed_chunks(input.chunks(1), StreamLimits::default()),
            Err(want.clone()),
            "{name}"
        );
        if let Some((_, cond)) = conditions.iter().find(|(n, _)| *n == name) {
            assert_eq!(want.condition(), *cond, "{name}");
        } else {
            assert_eq!(want.condition(), "restricted-xml", "{name}");
        }
    }
}

#[test]
fn doctype_is_refused_before_its_declarations_are_read() {
    let mut p = StreamParser::new(StreamLimits::default());
    assert_eq!(p.feed(b"<!"), Ok(()));
    assert_eq!(p.feed(b"D"), Err(Restricted::Doctype.into()));
    // The error is final.
    assert_eq!(p.feed(HEADER.as_bytes()), Err(Restricted::Doctype.into()));
}

#[test]
fn ten_mib_stanza_is_refused_with_bounded_memory() {
    let limits = StreamLimits::default();
    let chunk_size = 64 * 1024;
    let mut p = StreamParser::new(limits);
    p.feed(HEADER.as_bytes()).unwrap();
    p.feed(b"<message><body>").unwrap();
    let chunk = vec![b'A'; chunk_size];
    let mut fed = 0usize;
    let mut error = None;
    while fed < 10 * 1024 * 1024 {
        match p.feed(&chunk) {
            Ok(()) => fed += chunk_size,
            Err(e) => {
                error = Some(e);
                break;
            }
        }
        assert!(
            p.buffered_bytes() <= limits.max_stanza_bytes + chunk_size,
            "{}",
            p.buffered_bytes()
        );
    }
    assert_eq!(
        error,
        Some(LimitExceeded::StanzaBytes { limit: 512 * 1024 }.into())
    );
    // Refused inside the 8th chunk (512 KiB reached), not after 10 MiB.
    assert_eq!(fed, 7 * chunk_size);
    assert!(p.buffered_bytes() <= limits.max_stanza_bytes);
    assert_eq!(error.map(|e| e.condition()), Some("policy-violation"));
}

/// A stanza of exactly `len` bytes: `<a>` + filler + `</a>`.
fn stanza_of_len(len: usize) -> String {
    format!("<a>{}</a>", "x".repeat(len - 7))
}

#[test]
fn byte_cap_at_limit_and_limit_plus_one() {
    let limits = StreamLimits {
        max_stanza_bytes: 1000,
        ..StreamLimits::default()
    };
    let ok = format!("{HEADER}{}", stanza_of_len(1000));
    assert_eq!(stanzas(&parse_all(ok.as_bytes(), limits).unwrap()).len(), 1);
    let bad = format!("{HEADER}{}", stanza_of_len(1001));
    assert_eq!(
        parse_all(bad.as_bytes(), limits),
        Err(LimitExceeded::StanzaBytes { limit: 1000 }.into())
    );
    // A header longer than the limit is refused too.
    let long_header = format!("{} a='{}'>", &HEADER[..HEADER.len() - 1], "y".repeat(1000));
    assert_eq!(
        parse_all(long_header.as_bytes(), limits),
        Err(LimitExceeded::StanzaBytes { limit: 1000 }.into())
    );
}

fn nested(depth: usize) -> String {
    format!("{}{}", "<x>".repeat(depth), "</x>".repeat(depth))
}

#[test]
fn depth_cap_at_limit_and_limit_plus_one() {
    for max_depth in [1, 5, 64] {
        let limits = StreamLimits {
            max_depth,
            ..StreamLimits::default()
        };
        let ok = format!("{HEADER}{}", nested(max_depth));
        let events = parse_all(ok.as_bytes(), limits).unwrap();
        assert_eq!(stanzas(&events).len(), 1, "{max_depth}");
        let bad = format!("{HEADER}{}", nested(max_depth + 1));
        assert_eq!(
            parse_all(bad.as_bytes(), limits),
            Err(LimitExceeded::Depth { limit: max_depth }.into())
        );
    }
}

#[test]
fn attribute_cap_at_limit_and_limit_plus_one() {
    let limits = StreamLimits {
        max_attributes: 4,
        ..StreamLimits::default()
    };
    // The header carries exactly four attributes, so it passes too.
    let ok = format!("{HEADER}<a x='1' y='2' z='3' v='4'/>");
    assert!(parse_all(ok.as_bytes(), limits).is_ok());
    let bad = format!("{HEADER}<a x='1' y='2' z='3' v='4' w='5'/>");
    assert_eq!(
        parse_all(bad.as_bytes(), limits),
        Err(LimitExceeded::Attributes { limit: 4 }.into())
    );
}

#[test]
fn namespace_binding_cap_at_limit_and_limit_plus_one() {
    // The header declares two bindings (default and `stream`).
    let limits = StreamLimits {
        max_namespace_bindings: 4,
        ..StreamLimits::default()
    };
    let ok = format!("{HEADER}<a xmlns:p='urn:p'><b xmlns:q='urn:q'/></a>");
    assert!(parse_all(ok.as_bytes(), limits).is_ok());
    let bad = format!("{HEADER}<a xmlns:p='urn:p'><b xmlns:q='urn:q' xmlns:r='urn:r'/></a>");
    assert_eq!(
        parse_all(bad.as_bytes(), limits),
        Err(LimitExceeded::NamespaceBindings { limit: 4 }.into())
    );
}
