//! Reading one header line: message headers by RFC 3862 §3.6, MIME headers by RFC 5322 §2.2.

use super::error::CpimError;
use super::message::Header;
use super::mime::is_mime_header_name;
use super::syntax;
use super::values::{
    CpimDateTime, ExtensionHeader, HeaderName, HeaderParam, LanguageTag, Name, NameAddr,
    NsDeclaration, Subject, Uri,
};

/// Reads one message header line (without its CRLF).
pub(crate) fn parse_message_header(text: &str, line: usize) -> Result<Header, CpimError> {
    let bad = |reason| CpimError::MalformedHeader { line, reason };
    if text.chars().any(|c| c.is_ascii_control()) {
        return Err(bad(
            "raw control character; RFC 3862 §2.3 requires the \\ escape",
        ));
    }
    let (name, after_name) = text
        .split_once(':')
        .ok_or(bad("no ':' after the header name"))?;
    if !syntax::is_header_name(name) {
        return Err(bad("header name is not [Prefix.]Name of RFC 3862 §3.1"));
    }
    let mut rest = after_name;
    let mut params = Vec::new();
    while let Some(after_semicolon) = rest.strip_prefix(';') {
        let (param, after) = read_param(after_semicolon).map_err(bad)?;
        params.push(param);
        rest = after;
    }
    let value = rest.strip_prefix(' ').ok_or(bad(
        "header name and parameters must be followed by one space",
    ))?;
    let no_params = |header: Header| {
        if params.is_empty() {
            Ok(header)
        } else {
            Err(bad("this header takes no parameters"))
        }
    };
    match name {
        "From" => no_params(Header::From(read_name_addr(value, line)?)),
        "To" => no_params(Header::To(read_name_addr(value, line)?)),
        "cc" => no_params(Header::Cc(read_name_addr(value, line)?)),
        "DateTime" => no_params(Header::DateTime(CpimDateTime::parse(value)?)),
        "NS" => no_params(Header::Ns(read_ns(value, line)?)),
        "Require" => no_params(Header::Require(
            read_require(value).ok_or(bad("Require lists Header-names split by ','"))?,
        )),
        "Subject" => {
            let lang = match params.as_slice() {
                [] => None,
                [HeaderParam { name, value }] if name.as_str() == "lang" => {
                    Some(LanguageTag::parse(value).map_err(|_| bad("lang is not a language tag"))?)
                }
                _ => return Err(bad("Subject takes only a lang parameter")),
            };
            Ok(Header::Subject(Subject {
                lang,
                text: syntax::unescape(value).map_err(bad)?,
            }))
        }
        _ => {
            let header_name = HeaderName::parse(name).map_err(|_| bad("bad header name"))?;
            let value = syntax::unescape(value).map_err(bad)?;
            let ext = ExtensionHeader::new(header_name, value)
                .map_err(|_| bad("reserved header name"))?;
            Ok(Header::Extension(ext.with_params(params)))
        }
    }
}

/// Reads `name=value` after a `;`; returns the parameter and what follows it.
fn read_param(input: &str) -> Result<(HeaderParam, &str), &'static str> {
    let (name, after_name) = input.split_once('=').ok_or("parameter has no '='")?;
    let name = Name::parse(name).map_err(|_| "parameter name is not a Name")?;
    if after_name.starts_with('"') {
        let (value, rest) = syntax::read_quoted(after_name)?;
        return Ok((HeaderParam { name, value }, rest));
    }
    let end = after_name.find([';', ' ']).unwrap_or(after_name.len());
    let value = &after_name[..end];
    if !syntax::is_token(value) {
        return Err("parameter value is not a Token, Number or quoted String");
    }
    Ok((
        HeaderParam {
            name,
            value: value.to_owned(),
        },
        &after_name[end..],
    ))
}

/// RFC 3862 §4.1: `[ Formal-name ] "<" URI ">"`; a space after a quoted name is tolerated.
fn read_name_addr(value: &str, line: usize) -> Result<NameAddr, CpimError> {
    let bad = |reason| CpimError::MalformedHeader { line, reason };
    let (display_name, addr) = if value.starts_with('"') {
        let (name, rest) = syntax::read_quoted(value).map_err(bad)?;
        (Some(name), rest.strip_prefix(' ').unwrap_or(rest))
    } else if value.starts_with('<') {
        (None, value)
    } else {
        let lt = value
            .find('<')
            .ok_or(bad("expected <URI> after the display name"))?;
        let phrase = value[..lt]
            .strip_suffix(' ')
            .ok_or(bad("display name must be followed by a space"))?;
        if !syntax::is_token_phrase(phrase) {
            return Err(bad(
                "display name must be tokens split by single spaces, or a quoted string",
            ));
        }
        (Some(phrase.to_owned()), &value[lt..])
    };
    Ok(NameAddr {
        display_name,
        uri: read_angle_uri(addr, line)?,
    })
}

fn read_angle_uri(value: &str, line: usize) -> Result<Uri, CpimError> {
    let inner = value
        .strip_prefix('<')
        .and_then(|v| v.strip_suffix('>'))
        .ok_or(CpimError::MalformedHeader {
            line,
            reason: "expected <URI> at the end of the value",
        })?;
    Uri::parse(inner)
}

/// RFC 3862 §4.6: `[ Name-prefix SP ] "<" URI ">"`.
fn read_ns(value: &str, line: usize) -> Result<NsDeclaration, CpimError> {
    if value.starts_with('<') {
        return Ok(NsDeclaration {
            prefix: None,
            uri: read_angle_uri(value, line)?,
        });
    }
    let bad = CpimError::MalformedHeader {
        line,
        reason: "NS value must be [Prefix SP] <URI>",
    };
    let (prefix, addr) = value.split_once(' ').ok_or(bad.clone())?;
    let prefix = Name::parse(prefix).map_err(|_| bad)?;
    Ok(NsDeclaration {
        prefix: Some(prefix),
        uri: read_angle_uri(addr, line)?,
    })
}

/// RFC 3862 §4.7: `Header-name *( "," Header-name )`; a space after each comma is tolerated.
fn read_require(value: &str) -> Option<Vec<HeaderName>> {
    value
        .split(',')
        .enumerate()
        .map(|(i, name)| {
            let name = if i > 0 {
                name.strip_prefix(' ').unwrap_or(name)
            } else {
                name
            };
            HeaderName::parse(name).ok()
        })
        .collect()
}

/// A MIME header line: either a new header or a folded continuation of the previous one.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum MimeLine<'a> {
    /// `Name: value`, value without leading blanks.
    Header(&'a str, &'a str),
    /// A line starting with a space or tab (RFC 5322 §2.2.3 folding).
    Continuation(&'a str),
}

/// Reads one MIME header line (without its CRLF).
pub(crate) fn parse_mime_header(text: &str, line: usize) -> Result<MimeLine<'_>, CpimError> {
    let bad = |reason| CpimError::MalformedHeader { line, reason };
    if text.chars().any(|c| c.is_ascii_control() && c != '\t') {
        return Err(bad("raw control character in a mime header"));
    }
    if text.starts_with([' ', '\t']) {
        return Ok(MimeLine::Continuation(text));
    }
    let (name, value) = text
        .split_once(':')
        .ok_or(bad("no ':' after the mime header name"))?;
    if !is_mime_header_name(name) {
        return Err(bad(
            "mime header name must be printable ascii without ':' (RFC 5322 §2.2)",
        ));
    }
    Ok(MimeLine::Header(
        name,
        value.trim_start_matches([' ', '\t']),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn malformed(line: &str) -> &'static str {
        match parse_message_header(line, 7) {
            Err(CpimError::MalformedHeader { line: 7, reason }) => reason,
            other => panic!("{line:?} gave {other:?}"),
        }
    }

    #[test]
    fn header_lines_read_as_typed_headers() {
        let from = parse_message_header("From: \"A \\\"B\\\"\" <im:a@b>", 1).unwrap();
        assert_eq!(
            from,
            Header::From(NameAddr::with_name(
                "A \"B\"",
                Uri::parse("im:a@b").unwrap()
            ))
        );
        let to = parse_message_header("To: \"x\"<im:a@b>", 1).unwrap();
        assert_eq!(
            to,
            Header::To(NameAddr::with_name("x", Uri::parse("im:a@b").unwrap()))
        );
        let req = parse_message_header("Require: A.b, C", 1).unwrap();
        assert_eq!(
            req,
            Header::Require(vec![
                HeaderName::parse("A.b").unwrap(),
                HeaderName::parse("C").unwrap()
            ])
        );
        let ns = parse_message_header("NS: <urn:x>", 1).unwrap();
        assert_eq!(
            ns,
            Header::Ns(NsDeclaration {
                prefix: None,
                uri: Uri::parse("urn:x").unwrap()
            })
        );
    }

    #[test]
    fn malformed_lines_say_why() {
        assert_eq!(malformed("NoColon"), "no ':' after the header name");
        assert_eq!(
            malformed("a.b.c: x"),
            "header name is not [Prefix.]Name of RFC 3862 §3.1"
        );
        assert_eq!(
            malformed("From:<im:a@b>"),
            "header name and parameters must be followed by one space"
        );
        assert_eq!(
            malformed("From: A<im:a@b>"),
            "display name must be followed by a space"
        );
        assert_eq!(
            malformed("From: A  <im:a@b>"),
            "display name must be tokens split by single spaces, or a quoted string"
        );
        assert_eq!(
            malformed("From: im:a@b"),
            "expected <URI> after the display name"
        );
        assert_eq!(
            malformed("From:;x=1 <im:a@b>"),
            "this header takes no parameters"
        );
        assert_eq!(
            malformed("Subject:;lang=fr-- x"),
            "lang is not a language tag"
        );
        assert_eq!(
            malformed("Subject:;charset=x y"),
            "Subject takes only a lang parameter"
        );
        assert_eq!(
            malformed("X:;p= v"),
            "parameter value is not a Token, Number or quoted String"
        );
        assert_eq!(malformed("X:;p v"), "parameter has no '='");
        assert_eq!(
            malformed("X: tab\there"),
            "raw control character; RFC 3862 §2.3 requires the \\ escape"
        );
        assert_eq!(
            malformed("Require: a,,b"),
            "Require lists Header-names split by ','"
        );
        assert_eq!(
            malformed("NS: a b <urn:x>"),
            "expected <URI> at the end of the value"
        );
        assert_eq!(
            malformed("NS: a.b <urn:x>"),
            "NS value must be [Prefix SP] <URI>"
        );
    }

    #[test]
    fn mime_lines() {
        assert_eq!(
            parse_mime_header("Content-ID:\t<1@x>", 1).unwrap(),
            MimeLine::Header("Content-ID", "<1@x>")
        );
        assert_eq!(
            parse_mime_header(" more", 1).unwrap(),
            MimeLine::Continuation(" more")
        );
        assert!(parse_mime_header("Bad Name: x", 1).is_err());
    }
}
