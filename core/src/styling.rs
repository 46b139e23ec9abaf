//! XEP-0393 message styling: the spans of one line (§6.2), parsed once here for every adapter that renders
//! them in its network's own markup (mIRC codes on IRC, HTML in mail).
//!
//! A span opens with a directive at the start of the line, after whitespace or after another opening
//! directive, followed by non-whitespace; it closes at the first same directive after non-whitespace, and
//! holds at least one character. Spans nest; a preformatted span (`` ` ``) holds plain text.

/// A span directive (XEP-0393 §6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Directive {
    /// `*strong*`
    Strong,
    /// `_emphasis_`
    Emphasis,
    /// `~strike~`
    Strike,
    /// `` `preformatted` ``
    Preformatted,
}

impl Directive {
    /// Every directive, in a fixed order.
    pub const ALL: [Directive; 4] = [
        Directive::Strong,
        Directive::Emphasis,
        Directive::Strike,
        Directive::Preformatted,
    ];

    /// The character that opens and closes it.
    pub fn marker(self) -> char {
        match self {
            Directive::Strong => '*',
            Directive::Emphasis => '_',
            Directive::Strike => '~',
            Directive::Preformatted => '`',
        }
    }

    /// The directive `c` stands for, if any.
    pub fn from_marker(c: char) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.marker() == c)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A piece of a styled line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    /// Text as written.
    Text(String),
    /// A span and what it holds (one `Text` for a preformatted span).
    Span {
        /// Its directive.
        directive: Directive,
        /// What is inside.
        content: Vec<Inline>,
    },
}

/// The spans and text of one line (no line breaks inside). Linear in the line's length per nesting level,
/// and spans nest at most four deep (inside a span no closer of its own directive comes before its end), so
/// no line costs more than a few passes.
pub fn parse_line(line: &str) -> Vec<Inline> {
    let chars: Vec<char> = line.chars().collect();
    parse(&chars)
}

/// Whether `line` has at least one span.
pub fn is_styled(inlines: &[Inline]) -> bool {
    inlines.iter().any(|i| matches!(i, Inline::Span { .. }))
}

fn parse(chars: &[char]) -> Vec<Inline> {
    let closes = closing_positions(chars);
    let mut out = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let Some(directive) = Directive::from_marker(c) {
            let opens = (i == 0
                || chars[i - 1].is_whitespace()
                || Directive::from_marker(chars[i - 1]).is_some())
                && chars.get(i + 1).is_some_and(|n| !n.is_whitespace());
            // The first closer after the character that follows: a span is never empty.
            let k = directive.index();
            let end = opens
                .then(|| match closes[i][k] {
                    Some(j) if j == i + 1 => closes[j][k],
                    other => other,
                })
                .flatten();
            if let Some(end) = end {
                if !text.is_empty() {
                    out.push(Inline::Text(std::mem::take(&mut text)));
                }
                let inner = &chars[i + 1..end];
                let content = if directive == Directive::Preformatted {
                    vec![Inline::Text(inner.iter().collect())]
                } else {
                    parse(inner)
                };
                out.push(Inline::Span { directive, content });
                i = end + 1;
                continue;
            }
        }
        text.push(c);
        i += 1;
    }
    if !text.is_empty() {
        out.push(Inline::Text(text));
    }
    out
}

/// For each position and directive, the first later position that can close it (the directive after a
/// non-whitespace character), found in one pass from the right.
fn closing_positions(chars: &[char]) -> Vec<[Option<usize>; 4]> {
    let mut closes = vec![[None; 4]; chars.len()];
    let mut next: [Option<usize>; 4] = [None; 4];
    for j in (0..chars.len()).rev() {
        closes[j] = next;
        if let Some(directive) = Directive::from_marker(chars[j])
            && j > 0
            && !chars[j - 1].is_whitespace()
        {
            next[directive.index()] = Some(j);
        }
    }
    closes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> Inline {
        Inline::Text(t.to_owned())
    }

    fn span(directive: Directive, content: Vec<Inline>) -> Inline {
        Inline::Span { directive, content }
    }

    #[test]
    fn spans_follow_section_6_2() {
        assert_eq!(
            parse_line("*bold* and _it_"),
            [
                span(Directive::Strong, vec![text("bold")]),
                text(" and "),
                span(Directive::Emphasis, vec![text("it")]),
            ]
        );
        // Not spans: inside a word, before whitespace, empty, or never closed.
        for plain in ["2*3*4", "snake_case_name", "* x*", "**", "*a *", "a*b"] {
            assert_eq!(parse_line(plain), [text(plain)], "{plain}");
        }
        // Nesting, but not inside preformatted text.
        assert_eq!(
            parse_line("*_x_* `*y*`"),
            [
                span(
                    Directive::Strong,
                    vec![span(Directive::Emphasis, vec![text("x")])]
                ),
                text(" "),
                span(Directive::Preformatted, vec![text("*y*")]),
            ]
        );
    }

    #[test]
    fn a_line_of_unclosed_openers_stays_text() {
        // Quadratic if each opener looked for its closer on its own.
        let line = " *a".repeat(100_000);
        assert_eq!(parse_line(&line), [text(&line)]);
    }
}
