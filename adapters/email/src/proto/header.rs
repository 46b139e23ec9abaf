//! Header values made safe: whatever an IM carried, a header value never holds CR, LF or another control
//! character (RFC 5322 §2.2: a field body is printable characters and folding whitespace only), so a subject
//! `hi\r\nBcc: victim` stays one header.

/// `text` with every control character (CR, LF, TAB, NUL, DEL, C1) replaced by a space, runs of spaces
/// collapsed, trimmed, and cut to at most `max_chars` characters (an ellipsis marks the cut).
pub fn header_text(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 4));
    let mut last_space = true;
    let mut count = 0;
    for c in text.chars() {
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else {
            c
        };
        if c == ' ' {
            if last_space {
                continue;
            }
            last_space = true;
        } else {
            last_space = false;
        }
        if count == max_chars {
            out.push('…');
            break;
        }
        out.push(c);
        count += 1;
    }
    out.trim_end().to_owned()
}

/// `text` reduced to the characters allowed inside a Message-ID's left part (RFC 5322 §3.6.4 `dot-atom-text`,
/// restricted further to letters, digits, `.`, `-` and `_`), at most `max` of them.
pub fn id_atom(text: &str, max: usize) -> String {
    let kept: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .take(max)
        .collect();
    // A dot-atom has no leading, trailing or doubled dot.
    kept.split('.')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_and_controls_become_spaces() {
        assert_eq!(header_text("hi\r\nBcc: victim", 100), "hi Bcc: victim");
        assert_eq!(header_text("a\0b\tc\u{85}d\u{2028}e", 100), "a b c d e");
        assert_eq!(header_text("  many   spaces  ", 100), "many spaces");
    }

    #[test]
    fn length_limit_at_and_past() {
        assert_eq!(header_text("abcd", 4), "abcd");
        assert_eq!(header_text("abcde", 4), "abcd…");
        assert_eq!(header_text("ééééé", 4), "éééé…");
    }

    #[test]
    fn id_atoms_keep_only_safe_characters() {
        assert_eq!(id_atom("ab<c>@d\r\n.e", 64), "abcd.e");
        assert_eq!(id_atom("..a...b..", 64), "a.b");
        assert_eq!(id_atom("abcdef", 3), "abc");
    }
}
