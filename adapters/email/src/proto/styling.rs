//! XEP-0393 message styling to HTML, for the `text/html` alternative of a mail whose IM carried styling.
//!
//! Covers the spans (§5.2: `*strong*`, `_emphasis_`, `~strike~`, `` `pre` ``), block quotes (§5.1.2 `> `)
//! and preformatted blocks (§5.1.1 ```` ``` ````). Everything else is text, HTML-escaped.

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

/// The span directives (§5.2) and their tags.
const DIRECTIVES: [(char, &str); 4] = [('*', "strong"), ('_', "em"), ('~', "s"), ('`', "code")];

/// Writes `line` with its spans as tags; answers whether it had any.
fn spans_into(line: &str, out: &mut String) -> bool {
    let chars: Vec<char> = line.chars().collect();
    let closes = closing_positions(&chars);
    let mut any = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let directive = DIRECTIVES.iter().position(|(d, _)| *d == c);
        // §5.2: an opening directive is at the start or after whitespace, followed by non-whitespace;
        // the closing one follows non-whitespace.
        let opens = directive.is_some()
            && (i == 0 || chars[i - 1].is_whitespace())
            && chars
                .get(i + 1)
                .is_some_and(|n| !n.is_whitespace() && *n != c);
        if let (Some(k), true) = (directive, opens)
            && let Some(close) = closes[i][k]
        {
            let tag = DIRECTIVES[k].1;
            let inner: String = chars[i + 1..close].iter().collect();
            out.push_str(&format!("<{tag}>"));
            escape_into(&inner, out);
            out.push_str(&format!("</{tag}>"));
            any = true;
            i = close + 1;
            continue;
        }
        escape_into(c.encode_utf8(&mut [0; 4]), out);
        i += 1;
    }
    any
}

/// For each position and directive, the first later position that can close it (the directive after a
/// non-whitespace character): one pass from the right, so a line full of unclosed openers stays linear.
fn closing_positions(chars: &[char]) -> Vec<[Option<usize>; 4]> {
    let mut closes = vec![[None; 4]; chars.len()];
    let mut next: [Option<usize>; 4] = [None; 4];
    for j in (0..chars.len()).rev() {
        closes[j] = next;
        if let Some(k) = DIRECTIVES.iter().position(|(d, _)| *d == chars[j])
            && j > 0
            && !chars[j - 1].is_whitespace()
        {
            next[k] = Some(j);
        }
    }
    closes
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
