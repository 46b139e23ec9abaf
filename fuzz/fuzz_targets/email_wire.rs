//! The email adapter's wire code on hostile bytes: the SMTP session never panics, gives the same result
//! however the input is split, and never hands out a mail after a bare LF; the mail reader never panics and
//! its chat text has no control characters but LF and TAB; a mail built from hostile IM text has exactly the
//! headers we wrote.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_email::proto::build::{OutgoingMail, build_mail};
use switchboard_email::proto::parse::parse_mail;
use switchboard_email::proto::smtp_server::{MailVerdict, SmtpLimits, SmtpSession};

fn run(data: &[u8], split: usize) -> (Vec<u8>, Vec<Vec<u8>>) {
    let limits = SmtpLimits {
        max_message: 2048,
        max_recipients: 4,
        ..SmtpLimits::default()
    };
    let mut session = SmtpSession::new("mail.gw.example", limits);
    let policy = |local: &str| local.starts_with("c-");
    let mut replies = Vec::new();
    let mut mails = Vec::new();
    for piece in [&data[..split], &data[split..]] {
        let mut step = session.feed(piece, &policy);
        loop {
            replies.extend_from_slice(&step.reply);
            let Some(mail) = step.mail.take() else { break };
            mails.push(mail.data);
            replies.extend_from_slice(&session.finish_mail(&MailVerdict::Accepted));
            step = session.feed(b"", &policy);
        }
    }
    (replies, mails)
}

fuzz_target!(|data: &[u8]| {
    let split = data.first().map_or(0, |&b| usize::from(b) % (data.len() + 1));
    let whole = run(data, data.len());
    assert_eq!(whole, run(data, split), "the split changed the session");
    for mail in &whole.1 {
        assert!(
            !mail.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'),
            "a mail with a bare LF was handed out"
        );
    }

    if let Ok(mail) = parse_mail(data, Some("a@b.example"), "mail.gw.example") {
        assert!(!mail.text.chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
        for value in mail.subject.iter().chain(mail.from_name.iter()) {
            assert!(!value.chars().any(char::is_control));
        }
    }

    let text = String::from_utf8_lossy(data);
    let middle = text.char_indices().nth(text.chars().count() / 2).map_or(text.len(), |(at, _)| at);
    let (subject, body) = text.split_at(middle);
    let (subject, body) = (subject.to_owned(), body.to_owned());
    let built = build_mail(&OutgoingMail {
        from_name: &subject,
        from_address: "gateway@mail.gw.example",
        to: "bob@example.net",
        reply_to: "c-x@mail.gw.example",
        subject: &subject,
        message_id: "sb.1@mail.gw.example",
        in_reply_to: None,
        references: &[],
        date: 0,
        body: &body,
        links: &[],
    })
    .expect("fixed addresses always build");
    let head_end = built.windows(4).position(|w| w == b"\r\n\r\n").expect("a header block");
    let names: Vec<String> = built[..head_end]
        .split(|&b| b == b'\n')
        .filter(|line| !line.starts_with(b" ") && !line.starts_with(b"\t"))
        .filter_map(|line| line.iter().position(|&b| b == b':').map(|at| String::from_utf8_lossy(&line[..at]).to_ascii_lowercase()))
        .collect();
    for name in &names {
        assert!(
            ["from", "to", "reply-to", "subject", "message-id", "date", "auto-submitted", "mime-version", "content-type", "content-transfer-encoding"].contains(&name.as_str()),
            "unexpected header {name:?}"
        );
    }
});
