//! XEP-0106 JID Escaping: carrying the characters a JID localpart forbids as `\hh` sequences.
//!
//! XEP-0106 §3.2 maps ten characters, space `"` `&` `'` `/` `:` `<` `>` `@` `\`, to `\20` `\22` `\26` `\27`
//! `\2f` `\3a` `\3c` `\3e` `\40` `\5c`. The backslash is escaped only where it would otherwise start one of
//! those sequences (XEP-0106 §4.1 rule 7, §4.2 step 3); any other backslash passes through unchanged
//! (§4.3).

use thiserror::Error;

/// The characters XEP-0106 §3.2 escapes, with the two lowercase hex digits of each.
const TABLE: [(char, &str); 10] = [
    (' ', "20"),
    ('"', "22"),
    ('&', "26"),
    ('\'', "27"),
    ('/', "2f"),
    (':', "3a"),
    ('<', "3c"),
    ('>', "3e"),
    ('@', "40"),
    ('\\', "5c"),
];

/// The character a known `\hh` sequence at the start of `text` (just after the backslash) stands for.
fn sequence_at(text: &str) -> Option<char> {
    let hex = text.get(..2)?;
    TABLE.iter().find(|(_, code)| *code == hex).map(|(c, _)| *c)
}

/// Escapes `text` for use as a JID localpart (XEP-0106 §3.2 and §4.2): each of the ten characters becomes
/// its `\hh` sequence, and a backslash that already starts a known sequence becomes `\5c`.
///
/// This is the plain transformation; [`escape_localpart`] also applies the rule on leading and trailing
/// spaces.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (index, c) in text.char_indices() {
        match c {
            '\\' if sequence_at(&text[index + 1..]).is_none() => out.push('\\'),
            _ => match TABLE.iter().find(|(special, _)| *special == c) {
                Some((_, code)) => {
                    out.push('\\');
                    out.push_str(code);
                }
                None => out.push(c),
            },
        }
    }
    out
}

/// Reverses [`escape`] (XEP-0106 §3.3): only the ten known sequences are unescaped; partial or unknown
/// sequences such as `\2` or `\41` stay as written (§4.3).
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(position) = rest.find('\\') {
        out.push_str(&rest[..position]);
        let after = &rest[position + 1..];
        match sequence_at(after) {
            Some(c) => {
                out.push(c);
                rest = &after[2..];
            }
            None => {
                out.push('\\');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Why a string cannot be escaped into a JID localpart.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Xep0106Error {
    /// Happens when the text is empty: a localpart cannot be.
    #[error("cannot escape an empty string into a JID localpart")]
    Empty,
    /// Happens when the text starts or ends with a space, since `\20` must not begin or end an escaped
    /// localpart (XEP-0106 §4.1 rule 6).
    #[error(
        "`{0}` starts or ends with a space, which XEP-0106 forbids in an escaped localpart; trim it"
    )]
    EdgeSpace(String),
}

/// Escapes `text` into a JID localpart, refusing what XEP-0106 §4.1 forbids: empty text and a space at
/// either end.
pub fn escape_localpart(text: &str) -> Result<String, Xep0106Error> {
    if text.is_empty() {
        return Err(Xep0106Error::Empty);
    }
    if text.starts_with(' ') || text.ends_with(' ') {
        return Err(Xep0106Error::EdgeSpace(text.to_owned()));
    }
    Ok(escape(text))
}
