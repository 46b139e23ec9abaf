//! Percent-encoding (RFC 3986 §2.1) shared by the URI schemes.

use std::fmt::Write as _;

/// Why a percent-encoded component could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PercentError {
    /// A `%` not followed by two hexadecimal digits.
    BadEscape,
    /// The decoded octets are not UTF-8.
    NotUtf8,
}

/// Decodes every `%HH` of `input` (RFC 3986 §2.1) and checks that the result is UTF-8.
pub(crate) fn decode(input: &str) -> Result<String, PercentError> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let high = bytes.get(index + 1).and_then(|b| hex_value(*b));
            let low = bytes.get(index + 2).and_then(|b| hex_value(*b));
            match (high, low) {
                (Some(high), Some(low)) => out.push(high << 4 | low),
                _ => return Err(PercentError::BadEscape),
            }
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).map_err(|_| PercentError::NotUtf8)
}

/// Encodes `input` for a URI: characters for which `keep` is false become `%HH` (uppercase hex, RFC 3986
/// §2.1), non-ASCII characters as their UTF-8 octets.
pub(crate) fn encode(input: &str, keep: impl Fn(char) -> bool) -> String {
    encode_with(input, keep, false)
}

/// Encodes `input` for an IRI (RFC 3987): like [`encode`], but non-ASCII characters stay as they are so
/// the text stays readable.
pub(crate) fn encode_iri(input: &str, keep: impl Fn(char) -> bool) -> String {
    encode_with(input, keep, true)
}

fn encode_with(input: &str, keep: impl Fn(char) -> bool, keep_non_ascii: bool) -> String {
    let mut out = String::with_capacity(input.len());
    let mut utf8 = [0; 4];
    for c in input.chars() {
        if (c.is_ascii() && keep(c)) || (!c.is_ascii() && keep_non_ascii) {
            out.push(c);
        } else {
            for byte in c.encode_utf8(&mut utf8).bytes() {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

/// RFC 3986 §2.3 unreserved characters.
pub(crate) fn is_unreserved(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Whether `c` would break a line or a C string if it reached a protocol: CR, LF or NUL.
pub(crate) fn is_line_breaking(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\0')
}
