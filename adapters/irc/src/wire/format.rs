//! mIRC formatting codes <-> XEP-0393 message styling: bold `\x02` <-> `*bold*`, italic `\x1d` <-> `_it_`,
//! strikethrough `\x1e` <-> `~strike~`, monospace `\x11` <-> `` `mono` ``. Colours (`\x03NN[,NN]`, `\x04` hex),
//! reverse, underline and reset codes have no XEP-0393 form and are removed.

use switchboard_core::styling::{self, Directive, Inline};

const BOLD: char = '\u{2}';
const COLOR: char = '\u{3}';
const HEX_COLOR: char = '\u{4}';
const RESET: char = '\u{f}';
const MONO: char = '\u{11}';
const REVERSE: char = '\u{16}';
const ITALIC: char = '\u{1d}';
const STRIKE: char = '\u{1e}';
const UNDERLINE: char = '\u{1f}';

/// The styling markers, by IRC code.
const PAIRS: [(char, char); 4] = [(BOLD, '*'), (ITALIC, '_'), (STRIKE, '~'), (MONO, '`')];

/// IRC text with mIRC codes as XEP-0393 styled text.
pub fn irc_to_styling(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut open: Vec<char> = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(&(_, marker)) = PAIRS.iter().find(|(code, _)| *code == c) {
            if let Some(at) = open.iter().position(|&m| m == marker) {
                // Close the markers opened after it too, so spans nest properly.
                let closing: Vec<char> = open.drain(at..).rev().collect();
                for m in closing {
                    close(&mut out, m);
                }
            } else {
                open.push(marker);
                out.push(marker);
            }
            continue;
        }
        match c {
            COLOR => {
                skip_digits(&mut chars);
                if chars.peek() == Some(&',') {
                    let mut ahead = chars.clone();
                    ahead.next();
                    if ahead.peek().is_some_and(char::is_ascii_digit) {
                        chars.next();
                        skip_digits(&mut chars);
                    }
                }
            }
            HEX_COLOR => {
                for _ in 0..6 {
                    if chars.peek().is_some_and(char::is_ascii_hexdigit) {
                        chars.next();
                    }
                }
            }
            RESET => {
                for m in open.drain(..).rev() {
                    close(&mut out, m);
                }
            }
            REVERSE | UNDERLINE => {}
            c => out.push(c),
        }
    }
    for m in open.into_iter().rev() {
        close(&mut out, m);
    }
    out
}

/// Closes a span: an empty one (`**`) is taken back instead.
fn close(out: &mut String, marker: char) {
    if out.ends_with(marker) {
        out.pop();
    } else {
        out.push(marker);
    }
}

fn skip_digits(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for _ in 0..2 {
        if chars.peek().is_some_and(char::is_ascii_digit) {
            chars.next();
        }
    }
}

/// XEP-0393 styled text as IRC text with mIRC codes. Only spans that follow XEP-0393 §6.2 are converted
/// (an opening directive at a line start, after whitespace or another opening directive, not followed by
/// whitespace; a closing one not preceded by whitespace; not empty; within one line), so `2*3*4` or
/// `snake_case_name` stay as they are. Preformatted blocks (```) are left alone.
pub fn styling_to_irc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_block = false;
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.starts_with("```") {
            in_block = !in_block;
            out.push_str(line);
            continue;
        }
        if in_block {
            out.push_str(line);
        } else {
            style_span(&styling::parse_line(line), &mut out);
        }
    }
    out
}

/// Writes the spans of one line (parsed by the core, XEP-0393 §6.2) as mIRC codes.
fn style_span(inlines: &[Inline], out: &mut String) {
    for inline in inlines {
        match inline {
            Inline::Text(text) => out.push_str(text),
            Inline::Span { directive, content } => {
                let code = match directive {
                    Directive::Strong => BOLD,
                    Directive::Emphasis => ITALIC,
                    Directive::Strike => STRIKE,
                    Directive::Preformatted => MONO,
                };
                out.push(code);
                style_span(content, out);
                out.push(code);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirc_codes_become_styling() {
        assert_eq!(
            irc_to_styling("\u{2}bold\u{2} and \u{1d}it\u{1d}"),
            "*bold* and _it_"
        );
        assert_eq!(
            irc_to_styling("\u{3}04,12red\u{3} \u{3}3green"),
            "red green"
        );
        assert_eq!(irc_to_styling("\u{4}ff0000hex\u{f}"), "hex");
        assert_eq!(irc_to_styling("\u{2}open"), "*open*");
        assert_eq!(irc_to_styling("\u{2}\u{2}x"), "x");
        assert_eq!(irc_to_styling("\u{1f}under\u{16}"), "under");
        assert_eq!(irc_to_styling("\u{2}b\u{1d}bi\u{f} plain"), "*b_bi_* plain");
        assert_eq!(irc_to_styling("\u{3}, not a colour"), ", not a colour");
    }

    #[test]
    fn styling_becomes_mirc_codes_only_where_xep_0393_says_it_is_styling() {
        assert_eq!(
            styling_to_irc("*bold* and _it_"),
            "\u{2}bold\u{2} and \u{1d}it\u{1d}"
        );
        assert_eq!(
            styling_to_irc("~gone~ `*code*`"),
            "\u{1e}gone\u{1e} \u{11}*code*\u{11}"
        );
        assert_eq!(
            styling_to_irc("2*3*4 snake_case_name"),
            "2*3*4 snake_case_name"
        );
        assert_eq!(styling_to_irc("* not bold*"), "* not bold*");
        assert_eq!(styling_to_irc("**"), "**");
        assert_eq!(styling_to_irc("```\n*x*\n```"), "```\n*x*\n```");
        assert_eq!(styling_to_irc("<b>&amp;</b>"), "<b>&amp;</b>");
    }

    #[test]
    fn styling_round_trips_through_irc() {
        for text in ["*bold* _it_ ~s~ `m`", "plain text", "a *b _c_ d* e"] {
            assert_eq!(irc_to_styling(&styling_to_irc(text)), text);
        }
    }

    #[test]
    fn long_and_deeply_nested_lines_stay_cheap_and_bounded() {
        // Unclosed openers: each would scan to the end of the line if the closers were searched for.
        let line = " *a".repeat(100_000);
        assert_eq!(styling_to_irc(&line), line);
        // Deep-looking nesting is a run of small spans, not deep recursion.
        let nested = format!("{}x{}", "*_".repeat(10_000), "_*".repeat(10_000));
        assert_eq!(
            styling_to_irc(&nested).chars().count(),
            nested.chars().count()
        );
        assert_eq!(
            styling_to_irc("*_~x~_*"),
            "\u{2}\u{1d}\u{1e}x\u{1e}\u{1d}\u{2}"
        );
    }
}
