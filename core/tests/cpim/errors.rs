//! Exact errors for each `CpimError` variant, and every limit at the limit and one past it.

use super::*;

const MINIMAL: &[u8] = b"From: <im:a@b>\r\nTo: <im:b@c>\r\n\r\n\r\n";

#[test]
fn unclosed_message_headers_are_refused() {
    assert_eq!(
        parse(b"From: <im:a@b>\r\nTo: <im:b@c>\r\n"),
        Err(CpimError::MessageHeadersNotTerminated)
    );
    assert_eq!(parse(b""), Err(CpimError::MessageHeadersNotTerminated));
    assert_eq!(
        parse(b"From: <im:a@b>"),
        Err(CpimError::MessageHeadersNotTerminated)
    );
}

#[test]
fn unclosed_mime_headers_are_refused() {
    let input = b"From: <im:a@b>\r\nTo: <im:b@c>\r\n\r\nContent-Type: text/plain\r\nhello";
    assert_eq!(parse(input), Err(CpimError::MimeHeadersNotTerminated));
    assert_eq!(
        parse(b"From: <im:a@b>\r\nTo: <im:b@c>\r\n\r\n"),
        Err(CpimError::MimeHeadersNotTerminated)
    );
}

#[test]
fn missing_from_and_to_are_refused() {
    assert_eq!(
        parse(b"To: <im:b@c>\r\n\r\n\r\n"),
        Err(CpimError::MissingFrom)
    );
    assert_eq!(
        parse(b"From: <im:a@b>\r\ncc: <im:b@c>\r\n\r\n\r\n"),
        Err(CpimError::MissingTo)
    );
    // Header names are case-sensitive (RFC 3862 §3.1): "from" is an extension, not From.
    assert_eq!(
        parse(b"from: <im:a@b>\r\nTo: <im:b@c>\r\n\r\n\r\n"),
        Err(CpimError::MissingFrom)
    );
}

#[test]
fn second_from_or_date_time_is_refused() {
    let twice_from = b"From: <im:a@b>\r\nTo: <im:b@c>\r\nFrom: <im:x@y>\r\n\r\n\r\n";
    assert_eq!(
        parse(twice_from),
        Err(CpimError::DuplicateHeader {
            name: "From",
            line: 3
        })
    );
    let twice_date =
        b"From: <im:a@b>\r\nDateTime: 2000-12-13T13:40:00Z\r\nDateTime: 2000-12-13T13:40:00Z\r\n";
    assert_eq!(
        parse(twice_date),
        Err(CpimError::DuplicateHeader {
            name: "DateTime",
            line: 3
        })
    );
}

#[test]
fn bad_date_time_carries_the_text() {
    let input = b"From: <im:a@b>\r\nTo: <im:b@c>\r\nDateTime: 13/12/2000 13:40\r\n\r\n\r\n";
    assert_eq!(
        parse(input),
        Err(CpimError::BadDateTime {
            text: "13/12/2000 13:40".to_owned()
        })
    );
    let no_offset = b"From: <im:a@b>\r\nTo: <im:b@c>\r\nDateTime: 2000-12-13T13:40:00\r\n\r\n\r\n";
    assert_eq!(
        parse(no_offset),
        Err(CpimError::BadDateTime {
            text: "2000-12-13T13:40:00".to_owned()
        })
    );
}

#[test]
fn bad_uri_carries_the_text() {
    assert_eq!(
        parse(b"From: <im a@b>\r\nTo: <im:b@c>\r\n\r\n\r\n"),
        Err(CpimError::BadUri {
            text: "im a@b".to_owned()
        })
    );
    assert_eq!(
        parse(b"From: <im:a@b>\r\nTo: <b@c>\r\n\r\n\r\n"),
        Err(CpimError::BadUri {
            text: "b@c".to_owned()
        })
    );
}

#[test]
fn malformed_lines_carry_their_line_number() {
    let no_colon = b"From: <im:a@b>\r\nGarbage line\r\n\r\n\r\n";
    assert_eq!(
        parse(no_colon),
        Err(CpimError::MalformedHeader {
            line: 2,
            reason: "no ':' after the header name"
        })
    );
    let bare_lf = b"From: <im:a@b>\nTo: <im:b@c>\r\n\r\n\r\n";
    let reason = "line ends with a bare LF instead of CRLF";
    assert_eq!(
        parse(bare_lf),
        Err(CpimError::MalformedHeader { line: 1, reason })
    );
    let mime = b"From: <im:a@b>\r\nTo: <im:b@c>\r\n\r\n folded first\r\n\r\n";
    let reason = "folded line with no header before it";
    assert_eq!(
        parse(mime),
        Err(CpimError::MalformedHeader { line: 4, reason })
    );
    let bad_escape = b"From: <im:a@b>\r\nTo: <im:b@c>\r\nSubject: \\q\r\n\r\n\r\n";
    let reason =
        "backslash must start one of \\b \\t \\n \\r \\\" \\' \\\\ \\uXXXX (RFC 3862 §2.3)";
    assert_eq!(
        parse(bad_escape),
        Err(CpimError::MalformedHeader { line: 3, reason })
    );
}

#[test]
fn non_utf8_header_is_refused_but_a_binary_body_is_not() {
    let input = b"From: <im:a@b>\r\nTo: \xff <im:b@c>\r\n\r\n\r\n";
    assert_eq!(parse(input), Err(CpimError::NonUtf8Header { line: 2 }));
    let mime = b"From: <im:a@b>\r\nTo: <im:b@c>\r\n\r\nX-Bin: \xc3\x28\r\n\r\n";
    assert_eq!(parse(mime), Err(CpimError::NonUtf8Header { line: 4 }));
    let body = b"From: <im:a@b>\r\nTo: <im:b@c>\r\n\r\n\r\n\xff\xfe\x00";
    assert_eq!(parse(body).unwrap().content().body, b"\xff\xfe\x00");
}

// Limits: each at the limit and one past it.

#[test]
fn max_bytes_holds_at_the_limit_and_refuses_one_more() {
    let input = fixture("rfc3862-section6.cpim");
    let at = CpimLimits {
        max_bytes: input.len(),
        ..CpimLimits::default()
    };
    assert!(CpimMessage::parse(&input, &at).is_ok());
    let under = CpimLimits {
        max_bytes: input.len() - 1,
        ..CpimLimits::default()
    };
    assert_eq!(
        CpimMessage::parse(&input, &under),
        Err(CpimError::Oversized {
            limit: input.len() - 1
        })
    );
}

#[test]
fn oversized_input_is_refused_while_feeding() {
    let limits = CpimLimits {
        max_bytes: 64,
        ..CpimLimits::default()
    };
    let mut decoder = CpimDecoder::new(limits);
    assert_eq!(
        decoder.feed(b"From: <im:a@b>\r\nTo: <im:b@c>\r\n\r\n\r\n"),
        Ok(())
    );
    assert_eq!(decoder.feed(&[b'x'; 30]), Ok(()));
    assert_eq!(
        decoder.feed(&vec![b'x'; 10 * 1024 * 1024]),
        Err(CpimError::Oversized { limit: 64 })
    );
}

#[test]
fn max_headers_holds_at_the_limit_and_refuses_one_more() {
    // Four message headers and two MIME headers, one of them folded over two lines.
    let input =
        b"From: <im:a@b>\r\nTo: <im:b@c>\r\ncc: <im:c@d>\r\nX: y\r\n\r\nA: 1\r\nB: 2\r\n 3\r\n\r\n";
    let at = CpimLimits {
        max_headers: 6,
        ..CpimLimits::default()
    };
    assert_eq!(
        CpimMessage::parse(input, &at)
            .unwrap()
            .content()
            .header("b"),
        Some("2 3")
    );
    let under = CpimLimits {
        max_headers: 5,
        ..CpimLimits::default()
    };
    assert_eq!(
        CpimMessage::parse(input, &under),
        Err(CpimError::TooManyHeaders { limit: 5 })
    );
    let tiny = CpimLimits {
        max_headers: 3,
        ..CpimLimits::default()
    };
    assert_eq!(
        CpimMessage::parse(input, &tiny),
        Err(CpimError::TooManyHeaders { limit: 3 })
    );
}

#[test]
fn max_header_line_holds_at_the_limit_and_refuses_one_more() {
    let long_to = format!("To: <im:{}@b>", "x".repeat(100));
    let input = format!("From: <im:a@b>\r\n{long_to}\r\n\r\n\r\n");
    let at = CpimLimits {
        max_header_line: long_to.len(),
        ..CpimLimits::default()
    };
    assert!(CpimMessage::parse(input.as_bytes(), &at).is_ok());
    let under = CpimLimits {
        max_header_line: long_to.len() - 1,
        ..CpimLimits::default()
    };
    let err = CpimError::HeaderLineTooLong {
        line: 2,
        limit: long_to.len() - 1,
    };
    assert_eq!(
        CpimMessage::parse(input.as_bytes(), &under),
        Err(err.clone())
    );
    // The decoder refuses the line as soon as it is too long, before its CRLF arrives.
    let mut decoder = CpimDecoder::new(under);
    assert_eq!(
        decoder.feed(format!("From: <im:a@b>\r\n{}", &long_to[..long_to.len() - 1]).as_bytes()),
        Ok(())
    );
    assert_eq!(decoder.feed(b">"), Err(err));
}

#[test]
fn max_header_line_applies_to_mime_headers() {
    let input = b"From: <im:a@b>\r\nTo: <im:b@c>\r\n\r\nContent-Type: text/plain\r\n\r\n";
    let at = CpimLimits {
        max_header_line: 24,
        ..CpimLimits::default()
    };
    assert!(CpimMessage::parse(input, &at).is_ok());
    let under = CpimLimits {
        max_header_line: 23,
        ..CpimLimits::default()
    };
    assert_eq!(
        CpimMessage::parse(input, &under),
        Err(CpimError::HeaderLineTooLong { line: 4, limit: 23 })
    );
}

#[test]
fn default_limits_are_one_mebibyte_256_headers_8_kib_lines() {
    assert_eq!(
        CpimLimits::default(),
        CpimLimits {
            max_bytes: 1 << 20,
            max_headers: 256,
            max_header_line: 8 << 10
        }
    );
    assert!(parse(MINIMAL).is_ok());
}

// Errors from building values in code.

#[test]
fn builders_refuse_what_could_not_be_written() {
    let mut message = parse(MINIMAL).unwrap();
    assert_eq!(
        message
            .push_header(Header::From(name_addr(None, "im:x@y")))
            .map(|_| ()),
        Err(CpimError::AlreadyHasHeader { name: "From" })
    );
    let at = CpimDateTime::parse("2000-12-13T13:40:00Z").unwrap();
    assert!(message.push_header(Header::DateTime(at)).is_ok());
    assert_eq!(
        message.push_header(Header::DateTime(at)).map(|_| ()),
        Err(CpimError::AlreadyHasHeader { name: "DateTime" })
    );
    assert_eq!(
        HeaderName::parse("a.b.c"),
        Err(CpimError::BadName {
            text: "a.b.c".to_owned()
        })
    );
    assert_eq!(
        Name::parse("My.Prefix"),
        Err(CpimError::BadName {
            text: "My.Prefix".to_owned()
        })
    );
    assert_eq!(
        LanguageTag::parse("fr--"),
        Err(CpimError::BadLanguageTag {
            text: "fr--".to_owned()
        })
    );
    assert_eq!(
        ExtensionHeader::new(header_name("Subject"), "x"),
        Err(CpimError::ReservedHeaderName {
            name: "Subject".to_owned()
        })
    );
    assert_eq!(
        MimePart::text_plain("x").with_header("Bad:Name", "v"),
        Err(CpimError::BadMimeHeader {
            name: "Bad:Name".to_owned()
        })
    );
    let content = MimePart::text_plain("x");
    let from = Header::From(name_addr(None, "im:a@b"));
    assert_eq!(
        CpimMessage::from_parts(vec![from.clone()], content.clone()),
        Err(CpimError::MissingTo)
    );
    assert_eq!(
        CpimMessage::from_parts(Vec::new(), content),
        Err(CpimError::MissingFrom)
    );
}

#[test]
fn error_texts_are_lowercase_without_final_period() {
    let errors = [
        CpimError::MessageHeadersNotTerminated,
        CpimError::MissingFrom,
        CpimError::Oversized { limit: 5 },
        CpimError::HeaderLineTooLong { line: 2, limit: 8 },
        CpimError::MalformedHeader {
            line: 3,
            reason: "no ':' after the header name",
        },
        CpimError::BadUri {
            text: "x".to_owned(),
        },
    ];
    for err in errors {
        let text = err.to_string();
        assert!(!text.ends_with('.'), "{text}");
        assert!(
            text.chars().next().is_some_and(|c| !c.is_uppercase()),
            "{text}"
        );
    }
    assert_eq!(
        CpimError::MalformedHeader {
            line: 3,
            reason: "no ':' after the header name"
        }
        .to_string(),
        "line 3: malformed header line: no ':' after the header name"
    );
}
