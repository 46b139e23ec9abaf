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

/// Writes `line` with its spans as tags; answers whether it had any.
fn spans_into(line: &str, out: &mut String) -> bool {
    let chars: Vec<char> = line.chars().collect();
    let mut any = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let tag = match c {
            '*' => Some("strong"),
            '_' => Some("em"),
            '~' => Some("s"),
            '`' => Some("code"),
            _ => None,
        };
        // §5.2: an opening directive is at the start or after whitespace, followed by non-whitespace;
        // the closing one follows non-whitespace.
        let opens = tag.is_some()
            && (i == 0 || chars[i - 1].is_whitespace())
            && chars
                .get(i + 1)
                .is_some_and(|n| !n.is_whitespace() && *n != c);
        if let (Some(tag), true) = (tag, opens)
            && let Some(len) = chars[i + 1..]
                .iter()
                .enumerate()
                .position(|(k, &d)| d == c && !chars[i + k].is_whitespace())
        {
            let inner: String = chars[i + 1..i + 1 + len].iter().collect();
            out.push_str(&format!("<{tag}>"));
            escape_into(&inner, out);
            out.push_str(&format!("</{tag}>"));
            any = true;
            i += len + 2;
            continue;
        }
        escape_into(c.encode_utf8(&mut [0; 4]), out);
        i += 1;
    }
    any
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
}
