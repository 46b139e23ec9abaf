//! Character classes and the character escape mechanism of RFC 3862 §2.3 and §3.6.

/// RFC 3862 §3.6 `NAMECHAR`: `%x21 / %x23-27 / %x2a-2b / %x2d / %x5e-60 / %x7c / %x7e / ALPHA / DIGIT`.
pub(crate) fn is_namechar(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '\x21' | '\x23'..='\x27' | '\x2a' | '\x2b' | '\x2d' | '\x5e'..='\x60' | '\x7c' | '\x7e')
}

/// RFC 3862 §3.6 `TOKENCHAR = NAMECHAR / "." / UCS-high`.
pub(crate) fn is_tokenchar(c: char) -> bool {
    is_namechar(c) || c == '.' || !c.is_ascii()
}

/// RFC 3862 §3.6 `Name = 1*NAMECHAR`.
pub(crate) fn is_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_namechar)
}

/// RFC 3862 §3.6 `Token = 1*TOKENCHAR`.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_tokenchar)
}

/// RFC 3862 §3.6 `Header-name = [ Name-prefix "." ] Name`.
pub(crate) fn is_header_name(s: &str) -> bool {
    match s.split_once('.') {
        Some((prefix, name)) => is_name(prefix) && is_name(name),
        None => is_name(s),
    }
}

/// RFC 3862 §4.5 refers to RFC 3066 tags: `1*8ALPHA *( "-" 1*8alphanum )`.
pub(crate) fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    primary_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Whether a display name can be written bare as RFC 3862 §3.6 `1*( Token SP )`.
pub(crate) fn is_token_phrase(s: &str) -> bool {
    !s.is_empty() && s.split(' ').all(is_token)
}

/// Writes `text` with the RFC 3862 §2.3 escapes a header value needs: backslash and control characters.
pub(crate) fn write_escaped(text: &str, out: &mut String) {
    for c in text.chars() {
        push_escaped_char(c, out);
    }
}

/// Writes `text` as an RFC 3862 §3.6 `String`: double quotes around, `"` and `\` and controls escaped.
pub(crate) fn write_quoted(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        if c == '"' {
            out.push_str("\\\"");
        } else {
            push_escaped_char(c, out);
        }
    }
    out.push('"');
}

fn push_escaped_char(c: char, out: &mut String) {
    match c {
        '\\' => out.push_str("\\\\"),
        '\u{8}' => out.push_str("\\b"),
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c if c.is_ascii_control() => {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        }
        c => out.push(c),
    }
}

/// Decodes the RFC 3862 §2.3 escapes of a header value; `\uXXXX` pairs of UTF-16 surrogates join.
pub(crate) fn unescape(value: &str) -> Result<String, &'static str> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(pos) = rest.find('\\') {
        out.push_str(&rest[..pos]);
        let (c, after) = decode_escape(&rest[pos..])?;
        out.push(c);
        rest = after;
    }
    out.push_str(rest);
    Ok(out)
}

/// Reads an RFC 3862 §3.6 `String` at the start of `input` (which starts with `"`); returns its decoded
/// text and what follows the closing quote.
pub(crate) fn read_quoted(input: &str) -> Result<(String, &str), &'static str> {
    let mut rest = input
        .strip_prefix('"')
        .ok_or("expected a double-quoted string")?;
    let mut out = String::new();
    loop {
        let stop = rest
            .find(['"', '\\'])
            .ok_or("quoted string is not closed")?;
        out.push_str(&rest[..stop]);
        if rest[stop..].starts_with('"') {
            return Ok((out, &rest[stop + 1..]));
        }
        let (c, after) = decode_escape(&rest[stop..])?;
        out.push(c);
        rest = after;
    }
}

/// Decodes one escape at the start of `input` (which starts with `\`).
fn decode_escape(input: &str) -> Result<(char, &str), &'static str> {
    const BAD: &str =
        "backslash must start one of \\b \\t \\n \\r \\\" \\' \\\\ \\uXXXX (RFC 3862 §2.3)";
    let after = &input[1..];
    let simple = match after.chars().next() {
        Some('b') => Some('\u{8}'),
        Some('t') => Some('\t'),
        Some('n') => Some('\n'),
        Some('r') => Some('\r'),
        Some('"') => Some('"'),
        Some('\'') => Some('\''),
        Some('\\') => Some('\\'),
        Some('u') => None,
        _ => return Err(BAD),
    };
    if let Some(c) = simple {
        return Ok((c, &after[1..]));
    }
    let (unit, rest) = read_u_escape(after).ok_or(BAD)?;
    if (0xD800..0xDC00).contains(&unit) {
        let low = rest.strip_prefix('\\').and_then(read_u_escape);
        return match low {
            Some((low, rest)) if (0xDC00..0xE000).contains(&low) => {
                let scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                char::from_u32(scalar)
                    .map(|c| (c, rest))
                    .ok_or("escaped surrogate pair is not a character")
            }
            _ => Err("escaped high surrogate is not followed by an escaped low surrogate"),
        };
    }
    char::from_u32(unit)
        .map(|c| (c, rest))
        .ok_or("escaped low surrogate stands alone")
}

/// Reads `uXXXX` (four hex digits) at the start of `input`.
fn read_u_escape(input: &str) -> Option<(u32, &str)> {
    let digits = input.strip_prefix('u')?.get(..4)?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let unit = u32::from_str_radix(digits, 16).ok()?;
    Some((unit, &input[5..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_round_trips_controls_and_backslash() {
        let text = "a\\b\u{8}\t\n\r\u{1}\u{7f}é\"'";
        let mut out = String::new();
        write_escaped(text, &mut out);
        assert_eq!(out, "a\\\\b\\b\\t\\n\\r\\u0001\\u007fé\"'");
        assert_eq!(unescape(&out).unwrap(), text);
    }

    #[test]
    fn quoted_round_trips() {
        let mut out = String::new();
        write_quoted("say \"hi\" \\ ok", &mut out);
        assert_eq!(out, "\"say \\\"hi\\\" \\\\ ok\"");
        assert_eq!(
            read_quoted(&format!("{out}<x")).unwrap(),
            ("say \"hi\" \\ ok".to_owned(), "<x")
        );
    }

    #[test]
    fn surrogate_pairs_join_and_lone_ones_fail() {
        assert_eq!(unescape("\\ud83d\\ude00").unwrap(), "\u{1f600}");
        assert_eq!(unescape("\\u00e9").unwrap(), "é");
        assert!(unescape("\\ud83d").is_err());
        assert!(unescape("\\ude00").is_err());
        assert!(unescape("\\u12").is_err());
        assert!(unescape("\\x").is_err());
        assert!(unescape("end\\").is_err());
    }

    #[test]
    fn names_and_tags() {
        assert!(is_header_name("MyFeatures.VitalMessageOption"));
        assert!(!is_header_name("a.b.c"));
        assert!(!is_header_name(".a"));
        assert!(is_language_tag("fr"));
        assert!(is_language_tag("en-GB-oed1"));
        assert!(!is_language_tag("fr--"));
        assert!(!is_language_tag("123"));
        assert!(is_token_phrase("MR SANDERS"));
        assert!(!is_token_phrase("A  B"));
        assert!(!is_token_phrase("a<b"));
    }
}
