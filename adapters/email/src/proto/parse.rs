//! Incoming mail read with mail-parser: who sent it, its ids, its reply text, and whether it must not reach
//! the chat at all (auto-replies, bounces, our own mail come back).

use mail_parser::{HeaderValue, MessageParser, MimeHeaders};

use super::header::header_text;
use super::quote::strip_reply;

/// Longest chat text taken from one mail, in characters; the rest is cut with a visible note.
pub const MAX_TEXT_CHARS: usize = 64 * 1024;
/// The note that marks a cut text.
pub const CUT_NOTE: &str = "\n[… the rest of this mail was cut: too long for a chat message]";
/// Most attachments listed by name in the note that says they were not forwarded.
pub const MAX_ATTACHMENT_NOTES: usize = 20;
/// Most ids read from `References`.
pub const MAX_IDS: usize = 50;

/// A parsed incoming mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMail {
    /// The author's mailbox from `From` (RFC 5322 §3.6.2), else the envelope sender.
    pub from: Option<String>,
    /// The author's display name, on one line.
    pub from_name: Option<String>,
    /// The subject, on one line.
    pub subject: Option<String>,
    /// `Message-ID` without angle brackets.
    pub message_id: Option<String>,
    /// `In-Reply-To` ids.
    pub in_reply_to: Vec<String>,
    /// `References` ids, oldest first.
    pub references: Vec<String>,
    /// `Date` in seconds since the Unix epoch.
    pub date: Option<i64>,
    /// The reply text: text/plain (or HTML made text), quotes and signature stripped, no control characters
    /// but LF and TAB.
    pub text: String,
    /// Why this mail must not be relayed, if it must not.
    pub not_for_chat: Option<NotForChat>,
}

/// Why a mail is kept out of the chat (RFC 3834 §2, §5 and loop protection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotForChat {
    /// `Auto-Submitted` other than `no` (RFC 3834 §5).
    AutoSubmitted(String),
    /// `Precedence: bulk`, `junk` or `list`, or an `X-Autoreply`-style header.
    AutoReply(String),
    /// The null reverse path or a delivery report (RFC 3464): a bounce.
    Bounce,
    /// A mail the gateway itself sent (its Message-ID is in our domain): relaying it would loop.
    OurOwn,
}

impl std::fmt::Display for NotForChat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotForChat::AutoSubmitted(value) => write!(f, "Auto-Submitted: {value}"),
            NotForChat::AutoReply(why) => write!(f, "auto-reply ({why})"),
            NotForChat::Bounce => f.write_str("bounce (null sender or delivery report)"),
            NotForChat::OurOwn => f.write_str("the gateway's own mail came back"),
        }
    }
}

/// Why a mail could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Happens when the data is not a mail at all (no header block).
    #[error("the message is not an RFC 5322 mail")]
    NotAMail,
}

/// Reads a mail; `reverse_path` is the envelope sender (`None` for `<>`), `own_domain` the gateway's mail
/// domain.
pub fn parse_mail(
    data: &[u8],
    reverse_path: Option<&str>,
    own_domain: &str,
) -> Result<InboundMail, ParseError> {
    let message = MessageParser::default()
        .parse(data)
        .ok_or(ParseError::NotAMail)?;
    if message.headers().is_empty() {
        return Err(ParseError::NotAMail);
    }
    let author = message.from().and_then(|a| a.first());
    let from = author
        .and_then(|a| a.address())
        .map(str::to_owned)
        .or_else(|| reverse_path.map(str::to_owned))
        .filter(|a| !a.chars().any(|c| c.is_control() || c.is_whitespace()));
    let from_name = author
        .and_then(|a| a.name())
        .map(|n| header_text(n, 100))
        .filter(|n| !n.is_empty());
    let message_id = message.message_id().and_then(clean_id);
    let in_reply_to = ids(message.in_reply_to());
    let references = ids(message.references());
    let subject = message
        .subject()
        .map(|s| header_text(s, 200))
        .filter(|s| !s.is_empty());
    let date = message.date().map(|d| d.to_timestamp());

    let not_for_chat = classify(&message, reverse_path, message_id.as_deref(), own_domain);
    let raw = message.body_text(0).unwrap_or_default();
    let mut text = strip_reply(&raw.replace("\r\n", "\n"));
    // Chat carries no files: say which were left behind rather than dropping them unnoticed.
    text.push_str(&attachment_note(&message));
    let text = clean_text(&text);
    Ok(InboundMail {
        from,
        from_name,
        subject,
        message_id,
        in_reply_to,
        references,
        date,
        text,
        not_for_chat,
    })
}

fn classify(
    message: &mail_parser::Message<'_>,
    reverse_path: Option<&str>,
    message_id: Option<&str>,
    own_domain: &str,
) -> Option<NotForChat> {
    let header = |name: &str| {
        message
            .header_raw(name)
            .map(|v| v.trim().to_ascii_lowercase())
    };
    if let Some(value) = header("Auto-Submitted")
        && !value.starts_with("no")
    {
        return Some(NotForChat::AutoSubmitted(header_text(&value, 50)));
    }
    if message_id.is_some_and(|id| {
        id.rsplit_once('@')
            .is_some_and(|(_, domain)| domain.eq_ignore_ascii_case(own_domain))
    }) {
        return Some(NotForChat::OurOwn);
    }
    if reverse_path.is_none() {
        return Some(NotForChat::Bounce);
    }
    if message.root_part().is_content_type("multipart", "report") {
        return Some(NotForChat::Bounce);
    }
    if let Some(value) = header("Precedence")
        && matches!(value.as_str(), "bulk" | "junk" | "list" | "auto_reply")
    {
        return Some(NotForChat::AutoReply(format!("Precedence: {value}")));
    }
    // Headers some responders add instead of Auto-Submitted.
    for name in ["X-Autoreply", "X-Autorespond"] {
        if header(name).is_some() {
            return Some(NotForChat::AutoReply(name.to_owned()));
        }
    }
    None
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    let list: Vec<String> = match value {
        HeaderValue::Text(id) => clean_id(id).into_iter().collect(),
        HeaderValue::TextList(ids) => ids.iter().filter_map(|id| clean_id(id)).collect(),
        _ => Vec::new(),
    };
    if list.len() > MAX_IDS {
        // Keep the root and the newest: those are what threading looks at.
        let mut kept = vec![list[0].clone()];
        kept.extend_from_slice(&list[list.len() - (MAX_IDS - 1)..]);
        return kept;
    }
    list
}

/// A message id as stored: no brackets, no whitespace or control characters, at most 250 octets.
fn clean_id(id: &str) -> Option<String> {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    (!id.is_empty()
        && id.len() <= 250
        && id
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '<' && c != '>'))
    .then(|| id.to_owned())
}

/// One line per attachment the chat cannot carry (`[attachment not forwarded: name, size]`), at most
/// [`MAX_ATTACHMENT_NOTES`] and a count of the rest.
fn attachment_note(message: &mail_parser::Message<'_>) -> String {
    let mut note = String::new();
    let mut count = 0usize;
    for part in message.attachments() {
        count += 1;
        if count > MAX_ATTACHMENT_NOTES {
            continue;
        }
        let name = part
            .attachment_name()
            .map(|n| header_text(n, 100))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "unnamed".to_owned());
        let size = part.len().div_ceil(1024);
        note.push_str(&format!("\n[attachment not forwarded: {name}, {size} KiB]"));
    }
    if count > MAX_ATTACHMENT_NOTES {
        let rest = count - MAX_ATTACHMENT_NOTES;
        note.push_str(&format!("\n[{rest} more attachments not forwarded]"));
    }
    note
}

/// Chat text: LF lines, no control characters but LF and TAB, at most [`MAX_TEXT_CHARS`].
fn clean_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_TEXT_CHARS * 4));
    for (count, c) in text.chars().enumerate() {
        if count == MAX_TEXT_CHARS {
            out.push_str(CUT_NOTE);
            break;
        }
        match c {
            '\n' | '\t' => out.push(c),
            '\r' => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: &str = "mail.gw.example";

    fn mail(headers: &str, body: &str) -> Vec<u8> {
        format!("{headers}\r\n\r\n{body}")
            .replace('\n', "\r\n")
            .replace("\r\r\n", "\r\n")
            .into_bytes()
    }

    #[test]
    fn a_reply_is_read_with_its_ids_and_without_its_quote() {
        let data = mail(
            "From: Bob <bob@example.net>\nTo: c1@mail.gw.example\nSubject: Re: hi\nMessage-ID: <r1@example.net>\nIn-Reply-To: <m1@mail.gw.example>\nReferences: <m0@mail.gw.example> <m1@mail.gw.example>\nDate: Tue, 24 Nov 2026 10:00:00 +0000",
            "yes!\n\nOn Tue, Alice wrote:\n> hi\n",
        );
        let parsed = parse_mail(&data, Some("bob@example.net"), OWN).expect("parsed");
        assert_eq!(parsed.from.as_deref(), Some("bob@example.net"));
        assert_eq!(parsed.from_name.as_deref(), Some("Bob"));
        assert_eq!(parsed.message_id.as_deref(), Some("r1@example.net"));
        assert_eq!(parsed.in_reply_to, vec!["m1@mail.gw.example"]);
        assert_eq!(
            parsed.references,
            vec!["m0@mail.gw.example", "m1@mail.gw.example"]
        );
        assert_eq!(parsed.text, "yes!");
        assert_eq!(parsed.not_for_chat, None);
        assert_eq!(parsed.date, Some(1_795_514_400));
    }

    #[test]
    fn auto_replies_bounces_and_our_own_mail_are_kept_out() {
        let auto = mail(
            "From: b@example.net\nAuto-Submitted: auto-replied\nMessage-ID: <x@example.net>",
            "away",
        );
        assert_eq!(
            parse_mail(&auto, Some("b@example.net"), OWN)
                .expect("parsed")
                .not_for_chat,
            Some(NotForChat::AutoSubmitted("auto-replied".into()))
        );
        let plain = mail("From: b@example.net\nMessage-ID: <x@example.net>", "hi");
        assert_eq!(
            parse_mail(&plain, None, OWN).expect("parsed").not_for_chat,
            Some(NotForChat::Bounce)
        );
        let bulk = mail("From: b@example.net\nPrecedence: bulk", "hi");
        assert!(matches!(
            parse_mail(&bulk, Some("b@example.net"), OWN)
                .expect("parsed")
                .not_for_chat,
            Some(NotForChat::AutoReply(_))
        ));
        let own = mail(
            "From: b@example.net\nMessage-ID: <sb.1@MAIL.gw.example>",
            "hi",
        );
        assert_eq!(
            parse_mail(&own, Some("b@example.net"), OWN)
                .expect("parsed")
                .not_for_chat,
            Some(NotForChat::OurOwn)
        );
        let explicit_no = mail("From: b@example.net\nAuto-Submitted: no", "hi");
        assert_eq!(
            parse_mail(&explicit_no, Some("b@example.net"), OWN)
                .expect("parsed")
                .not_for_chat,
            None
        );
    }

    #[test]
    fn encoded_words_never_let_crlf_through() {
        // "a\r\nBcc: x" as a Q encoded word in the subject and the display name.
        let data = mail(
            "From: =?utf-8?Q?Eve=0D=0AX-Evil=3A_1?= <eve@example.net>\nSubject: =?utf-8?Q?a=0D=0ABcc=3A_x?=",
            "body\u{0}with\u{7}controls\r\nand a bare\rCR",
        );
        let parsed = parse_mail(&data, Some("eve@example.net"), OWN).expect("parsed");
        assert_eq!(parsed.subject.as_deref(), Some("a Bcc: x"));
        assert_eq!(parsed.from_name.as_deref(), Some("Eve X-Evil: 1"));
        assert!(
            !parsed
                .text
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t'),
            "{:?}",
            parsed.text
        );
    }

    #[test]
    fn attachments_are_named_not_dropped_unnoticed() {
        let data = mail(
            "From: b@example.net\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"XX\"",
            "--XX\nContent-Type: text/plain\n\nsee attached\n--XX\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=\"=?utf-8?Q?r=C3=A9port=0D=0A.pdf?=\"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--XX--\n",
        );
        let parsed = parse_mail(&data, Some("b@example.net"), OWN).expect("parsed");
        assert_eq!(
            parsed.text, "see attached\n[attachment not forwarded: réport .pdf, 1 KiB]",
            "the encoded CR LF in the name is a space, not a line break"
        );
    }

    #[test]
    fn attachment_notes_at_and_past_the_limit() {
        let parts = |n: usize| {
            let mut body = String::from("--XX\nContent-Type: text/plain\n\nfiles\n");
            for i in 0..n {
                body.push_str(&format!(
                    "--XX\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"f{i}\"\n\nx\n"
                ));
            }
            body.push_str("--XX--\n");
            mail(
                "From: b@e\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"XX\"",
                &body,
            )
        };
        let at = parse_mail(&parts(MAX_ATTACHMENT_NOTES), Some("b@e"), OWN).expect("parsed");
        assert_eq!(
            at.text.matches("[attachment not forwarded").count(),
            MAX_ATTACHMENT_NOTES
        );
        assert!(!at.text.contains("more attachments"));
        let past = parse_mail(&parts(MAX_ATTACHMENT_NOTES + 2), Some("b@e"), OWN).expect("parsed");
        assert_eq!(
            past.text.matches("[attachment not forwarded").count(),
            MAX_ATTACHMENT_NOTES
        );
        assert!(
            past.text.ends_with("[2 more attachments not forwarded]"),
            "{:?}",
            past.text
        );
    }

    #[test]
    fn html_only_mail_becomes_text() {
        let data = mail(
            "From: b@example.net\nContent-Type: text/html; charset=utf-8",
            "<p>Hello <b>there</b></p>",
        );
        let parsed = parse_mail(&data, Some("b@example.net"), OWN).expect("parsed");
        assert!(
            parsed.text.contains("Hello")
                && parsed.text.contains("there")
                && !parsed.text.contains('<'),
            "{:?}",
            parsed.text
        );
    }

    #[test]
    fn sender_name_and_subject_limits_at_and_past() {
        let read = |name: &str, subject: &str| {
            let data = mail(
                &format!("From: {name} <b@example.net>\nSubject: {subject}"),
                "x",
            );
            let parsed = parse_mail(&data, Some("b@example.net"), OWN).expect("parsed");
            (
                parsed.from_name.unwrap_or_default(),
                parsed.subject.unwrap_or_default(),
            )
        };
        let (name, subject) = read(&"n".repeat(100), &"s".repeat(200));
        assert_eq!((name.chars().count(), subject.chars().count()), (100, 200));
        let (name, subject) = read(&"n".repeat(101), &"s".repeat(201));
        assert_eq!(name, format!("{}…", "n".repeat(100)));
        assert_eq!(subject, format!("{}…", "s".repeat(200)));
    }

    #[test]
    fn text_limit_at_and_past() {
        let at = "a".repeat(MAX_TEXT_CHARS);
        assert_eq!(clean_text(&at), at);
        let past = "a".repeat(MAX_TEXT_CHARS + 1);
        assert_eq!(clean_text(&past), format!("{at}{CUT_NOTE}"));
    }

    #[test]
    fn reference_limit_at_and_past() {
        let list = |n: usize| {
            (0..n)
                .map(|i| format!("<{i}@d>"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let at = mail(&format!("From: b@e\nReferences: {}", list(MAX_IDS)), "x");
        assert_eq!(
            parse_mail(&at, Some("b@e"), OWN)
                .expect("parsed")
                .references
                .len(),
            MAX_IDS
        );
        let past = mail(
            &format!("From: b@e\nReferences: {}", list(MAX_IDS + 1)),
            "x",
        );
        let refs = parse_mail(&past, Some("b@e"), OWN)
            .expect("parsed")
            .references;
        assert_eq!(refs.len(), MAX_IDS);
        assert_eq!(refs[0], "0@d");
        assert_eq!(refs.last().map(String::as_str), Some("50@d"));
    }
}
