//! XEP-0393 message styling to HTML, for the `text/html` alternative of a mail whose IM carried styling.
//!
//! Covers the spans (§5.2: `*strong*`, `_emphasis_`, `~strike~`, `` `pre` ``), block quotes (§5.1.2 `> `)
//! and preformatted blocks (§5.1.1 ```` ``` ````). Everything else is text, HTML-escaped.

use switchboard_core::styling::{self, Directive, Inline};

/// HTML for a styled body, or `None` when the body has no styling (then plain text alone is sent).
pub fn to_html(body: &str) -> Option<String> {
    let mut html = String::with_capacity(body.len() * 2);
    let mut styled = false;
    let mut in_pre = false;
    let mut quote_open = false;
    for line in body.split('\n') {
        if line.starts_with("```") {
            styled = true;
            if quote_open {
                html.push_str("</blockquote>");
                quote_open = false;
            }
            html.push_str(if in_pre { "</pre>" } else { "<pre>" });
            in_pre = !in_pre;
            continue;
        }
        if in_pre {
            escape_into(line, &mut html);
            html.push('\n');
            continue;
        }
        let (quoted, text) = match line.strip_prefix('>') {
            Some(rest) => (true, rest.strip_prefix(' ').unwrap_or(rest)),
            None => (false, line),
        };
        if quoted != quote_open {
            styled = true;
            html.push_str(if quoted {
                "<blockquote>"
            } else {
                "</blockquote>"
            });
            quote_open = quoted;
        }
        styled |= spans_into(text, &mut html);
        html.push_str("<br>\n");
    }
    if in_pre {
        html.push_str("</pre>");
    }
    if quote_open {
        html.push_str("</blockquote>");
    }
    styled.then(|| format!("<html><body>{html}</body></html>"))
}

/// Writes `line` with its spans (parsed by the core, XEP-0393 §6.2) as HTML tags; answers whether it had
/// any.
fn spans_into(line: &str, out: &mut String) -> bool {
    let inlines = styling::parse_line(line);
    inlines_into(&inlines, out);
    styling::is_styled(&inlines)
}

fn inlines_into(inlines: &[Inline], out: &mut String) {
    for inline in inlines {
        match inline {
            Inline::Text(text) => escape_into(text, out),
            Inline::Span { directive, content } => {
                let tag = match directive {
                    Directive::Strong => "strong",
                    Directive::Emphasis => "em",
                    Directive::Strike => "s",
                    Directive::Preformatted => "code",
                };
                out.push_str(&format!("<{tag}>"));
                inlines_into(content, out);
                out.push_str(&format!("</{tag}>"));
            }
        }
    }
}

fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_has_no_html() {
        assert_eq!(to_html("just words, a*b and 2 * 3"), None);
    }

    #[test]
    fn spans_quotes_and_pre_become_tags_and_text_is_escaped() {
        let html = to_html("*bold* and _it_ <b>\n> quoted\n```\n<x>\n```").expect("styled");
        assert!(
            html.contains("<strong>bold</strong> and <em>it</em> &lt;b&gt;"),
            "{html}"
        );
        assert!(
            html.contains("<blockquote>quoted<br>\n</blockquote>"),
            "{html}"
        );
        assert!(html.contains("<pre>&lt;x&gt;\n</pre>"), "{html}");
    }

    #[test]
    fn a_line_of_unclosed_openers_is_handled_in_one_pass() {
        // Each ` *a` opens a span that a later `a*`-less text never closes: quadratic if each opener scanned
        // to the end of the line.
        let line = " *a".repeat(100_000);
        assert_eq!(to_html(&line), None, "nothing closes, so nothing is styled");
        // The first opener closes at the only valid closer, the last `*`: one span over the whole line.
        let closed = format!("{line} *b*");
        let html = to_html(&closed).expect("styled");
        assert!(
            html.starts_with("<html><body> <strong>a *a"),
            "{}",
            &html[..60]
        );
        assert!(
            html.ends_with(" *b</strong><br>\n</body></html>"),
            "{}",
            &html[html.len() - 60..]
        );
    }

    #[test]
    fn the_closing_directive_must_follow_non_whitespace() {
        assert_eq!(
            to_html("*a * b*").as_deref(),
            Some("<html><body><strong>a * b</strong><br>\n</body></html>")
        );
        assert_eq!(to_html("*a *"), None);
    }
}
