//! The new part of a reply: quoted history and signatures stripped, as a chat line should be.
//!
//! Cuts at the first attribution line (`On … wrote:`, `Le … a écrit :`, `Am … schrieb …:`), at an
//! `-----Original Message-----` or Outlook `From:` block, and at the signature separator `-- ` (RFC 3676
//! §4.3); drops trailing `>` quoted lines. Quotes between the reply's own lines (inline answers) stay, since
//! they are what the answer refers to. If stripping leaves nothing, the whole text is kept: a reply is never
//! lost to the heuristics.

/// The reply text of a mail body (LF line endings expected).
pub fn strip_reply(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut end = lines.len();
    for (index, line) in lines.iter().enumerate() {
        let trimmed = line.trim();
        if is_separator(trimmed) || is_attribution(trimmed, lines.get(index + 1).map(|l| l.trim()))
        {
            end = index;
            break;
        }
    }
    let mut kept = &lines[..end];
    // Signature: the last `-- ` line and everything after it.
    if let Some(sig) = kept.iter().rposition(|l| *l == "-- " || *l == "--") {
        kept = &kept[..sig];
    }
    // Trailing quoted lines and blank lines.
    while let Some(last) = kept.last() {
        let t = last.trim();
        if t.is_empty() || t.starts_with('>') {
            kept = &kept[..kept.len() - 1];
        } else {
            break;
        }
    }
    let result = kept.join("\n").trim().to_owned();
    if result.is_empty() {
        text.trim().to_owned()
    } else {
        result
    }
}

fn is_separator(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    lower.starts_with("-----original message-----")
        || lower.starts_with("-------- original message --------")
        || lower.starts_with("---------- forwarded message")
        || (line.len() >= 30 && line.chars().all(|c| c == '_'))
}

/// `On <date>, <someone> wrote:` possibly broken over two lines, and its usual translations.
fn is_attribution(line: &str, next: Option<&str>) -> bool {
    let joined;
    let candidate = match next {
        Some(next) if !line.ends_with(':') && next.ends_with(':') && !next.is_empty() => {
            joined = format!("{line} {next}");
            joined.as_str()
        }
        _ => line,
    };
    let lower = candidate.to_lowercase();
    if !lower.ends_with(':') {
        return false;
    }
    (lower.starts_with("on ") && lower.contains(" wrote"))
        || (lower.starts_with("le ") && lower.contains("a écrit"))
        || (lower.starts_with("am ") && lower.contains("schrieb"))
        || (lower.starts_with("el ") && lower.contains("escribió"))
        || lower.ends_with(" wrote:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmail_style_attribution_and_quote_are_cut() {
        let text = "Sounds good, see you at 5.\n\nOn Tue, 24 Nov 2026 at 10:00, Alice via IM gateway <\ngateway@mail.gw.example> wrote:\n> are we still on?\n";
        assert_eq!(strip_reply(text), "Sounds good, see you at 5.");
    }

    #[test]
    fn signature_and_outlook_block_are_cut() {
        let text = "Yes.\n-- \nBob\nACME\n";
        assert_eq!(strip_reply(text), "Yes.");
        let text = "Fine by me\n\n________________________________\nFrom: gateway\nSent: Monday\n";
        assert_eq!(strip_reply(text), "Fine by me");
        let text = "ok\n-----Original Message-----\nFrom: x\n";
        assert_eq!(strip_reply(text), "ok");
    }

    #[test]
    fn inline_answers_keep_their_quotes() {
        let text = "> first question\nanswer one\n> second question\nanswer two\n> trailing\n";
        assert_eq!(
            strip_reply(text),
            "> first question\nanswer one\n> second question\nanswer two"
        );
    }

    #[test]
    fn nothing_left_keeps_everything() {
        assert_eq!(strip_reply("> only a quote\n"), "> only a quote");
    }
}
