//! The inbound SMTP state machine fed bytes: a full session, pipelining, every input split at every byte,
//! smuggling, relaying, and each limit at the limit and one past.

use switchboard_email::proto::smtp_server::{
    MailVerdict, ReceivedMail, SmtpLimits, SmtpSession, Step,
};

const DOMAIN: &str = "mail.gw.example";

fn known(local: &str) -> bool {
    local.starts_with("c-")
}

/// Feeds `input` in chunks of `chunk` bytes, answering every mail with `verdict`; returns all replies and mail.
fn run(
    input: &[u8],
    chunk: usize,
    limits: SmtpLimits,
    verdict: &MailVerdict,
) -> (String, Vec<ReceivedMail>, bool) {
    let mut session = SmtpSession::new(DOMAIN, limits);
    let mut replies = Vec::new();
    let mut mails = Vec::new();
    let mut closed = false;
    for piece in input.chunks(chunk.max(1)) {
        let mut step: Step = session.feed(piece, &known);
        loop {
            replies.extend_from_slice(&step.reply);
            closed |= step.close;
            match step.mail.take() {
                Some(mail) => {
                    mails.push(mail);
                    replies.extend_from_slice(&session.finish_mail(verdict));
                    step = session.feed(b"", &known);
                }
                None => break,
            }
        }
        if closed {
            break;
        }
    }
    (
        String::from_utf8(replies).expect("replies are text"),
        mails,
        closed,
    )
}

fn codes(replies: &str) -> Vec<&str> {
    replies
        .split("\r\n")
        .filter(|l| l.len() >= 4 && l.as_bytes()[3] == b' ')
        .map(|l| &l[..3])
        .collect()
}

const SESSION: &[u8] = b"EHLO client.example\r\nMAIL FROM:<bob@example.net>\r\nRCPT TO:<c-1@mail.gw.example>\r\nDATA\r\nSubject: hi\r\n\r\n..leading dot\r\nbody\r\n.\r\nQUIT\r\n";

#[test]
fn a_whole_session_pipelined_gives_one_mail_and_250_after_the_verdict() {
    let (replies, mails, closed) = run(
        SESSION,
        usize::MAX,
        SmtpLimits::default(),
        &MailVerdict::Accepted,
    );
    assert_eq!(
        codes(&replies),
        ["250", "250", "250", "354", "250", "221"],
        "{replies}"
    );
    assert!(closed);
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].reverse_path.as_deref(), Some("bob@example.net"));
    assert_eq!(mails[0].recipients, ["c-1"]);
    assert_eq!(
        mails[0].data,
        b"Subject: hi\r\n\r\n.leading dot\r\nbody\r\n"
    );
}

#[test]
fn every_chunk_split_gives_the_same_result() {
    let whole = run(
        SESSION,
        usize::MAX,
        SmtpLimits::default(),
        &MailVerdict::Accepted,
    );
    for chunk in 1..SESSION.len() {
        assert_eq!(
            run(
                SESSION,
                chunk,
                SmtpLimits::default(),
                &MailVerdict::Accepted
            ),
            whole,
            "chunk {chunk}"
        );
    }
}

#[test]
fn the_verdict_sets_the_reply() {
    let (replies, _, _) = run(
        SESSION,
        usize::MAX,
        SmtpLimits::default(),
        &MailVerdict::TryLater("store busy".into()),
    );
    assert!(replies.contains("451 4.3.0 store busy\r\n"), "{replies}");
    let (replies, _, _) = run(
        SESSION,
        usize::MAX,
        SmtpLimits::default(),
        &MailVerdict::Refused("no\r\nX".into()),
    );
    assert!(replies.contains("550 5.7.1 no X\r\n"), "{replies}");
}

#[test]
fn smuggling_with_bare_lf_ends_the_session_before_a_second_mail() {
    // CVE-2023-51764: `\n.\n` or `\n.\r\n` ends DATA on lax servers, and the rest runs as commands.
    for smuggle in [&b"\n.\n"[..], b"\n.\r\n", b"\r\n.\n", b"\r.\r\n"] {
        let mut input = b"EHLO c\r\nMAIL FROM:<bob@example.net>\r\nRCPT TO:<c-1@mail.gw.example>\r\nDATA\r\nSubject: a\r\n\r\nfirst".to_vec();
        input.extend_from_slice(smuggle);
        input.extend_from_slice(b"MAIL FROM:<admin@example.net>\r\nRCPT TO:<c-2@mail.gw.example>\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n.\r\n");
        let (replies, mails, closed) = run(
            &input,
            usize::MAX,
            SmtpLimits::default(),
            &MailVerdict::Accepted,
        );
        assert!(mails.is_empty(), "{smuggle:?}: {mails:?}");
        assert!(closed);
        assert!(
            replies.ends_with(
                "521 5.5.2 bare CR or LF refused: lines end in CRLF (RFC 5321 section 2.3.8)\r\n"
            ),
            "{replies}"
        );
    }
    let (replies, _, closed) = run(
        b"EHLO c\nMAIL FROM:<a@b>\r\n",
        usize::MAX,
        SmtpLimits::default(),
        &MailVerdict::Accepted,
    );
    assert!(closed && codes(&replies) == ["521"], "{replies}");
}

#[test]
fn no_open_relay_and_unknown_conversations_are_refused() {
    let input = b"EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<victim@elsewhere.example>\r\nRCPT TO:<nobody@mail.gw.example>\r\nRCPT TO:<c-1@MAIL.GW.EXAMPLE>\r\nDATA\r\n";
    let (replies, _, _) = run(
        input,
        usize::MAX,
        SmtpLimits::default(),
        &MailVerdict::Accepted,
    );
    assert_eq!(
        codes(&replies),
        ["250", "250", "550", "550", "250", "354"],
        "{replies}"
    );
    assert!(replies.contains("550 5.7.1 relaying denied"), "{replies}");
}

#[test]
fn commands_out_of_order_are_refused() {
    let input = b"MAIL FROM:<a@b>\r\nEHLO c\r\nRCPT TO:<c-1@mail.gw.example>\r\nDATA\r\nMAIL FROM:<a@b>\r\nMAIL FROM:<a@b>\r\nDATA\r\nFOO\r\nHELO\r\nRSET\r\nNOOP\r\nVRFY x\r\n";
    let (replies, mails, _) = run(
        input,
        usize::MAX,
        SmtpLimits::default(),
        &MailVerdict::Accepted,
    );
    assert!(mails.is_empty());
    assert_eq!(
        codes(&replies),
        [
            "503", "250", "503", "503", "250", "503", "503", "502", "501", "250", "250", "252"
        ],
        "{replies}"
    );
}

#[test]
fn command_line_limit_at_and_past() {
    let limits = SmtpLimits::default();
    // "NOOP " + padding + CRLF: exactly the limit, then one more.
    let at = format!("NOOP {}\r\n", "x".repeat(limits.max_command_line - 7));
    assert_eq!(at.len(), limits.max_command_line);
    let (replies, _, _) = run(at.as_bytes(), usize::MAX, limits, &MailVerdict::Accepted);
    assert_eq!(codes(&replies), ["250"]);
    let past = format!("NOOP {}\r\n", "x".repeat(limits.max_command_line - 6));
    let (replies, _, _) = run(past.as_bytes(), usize::MAX, limits, &MailVerdict::Accepted);
    assert_eq!(codes(&replies), ["500"], "{replies}");
    // A line that never ends is cut off and the session closed.
    let endless = "x".repeat(limits.max_command_line * 3);
    let (replies, _, closed) = run(endless.as_bytes(), 100, limits, &MailVerdict::Accepted);
    assert!(closed && codes(&replies) == ["500", "421"], "{replies}");
}

fn data_session(body: &str) -> Vec<u8> {
    format!("EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c-1@mail.gw.example>\r\nDATA\r\n{body}.\r\nQUIT\r\n").into_bytes()
}

#[test]
fn text_line_limit_at_and_past_and_a_dot_in_the_cut_part_does_not_end_data() {
    let limits = SmtpLimits::default();
    let at = format!("{}\r\n", "y".repeat(limits.max_text_line - 2));
    let (replies, mails, _) = run(
        &data_session(&at),
        usize::MAX,
        limits,
        &MailVerdict::Accepted,
    );
    assert_eq!(mails.len(), 1, "{replies}");
    let past = format!("{}\r\n", "y".repeat(limits.max_text_line - 1));
    let (replies, mails, _) = run(
        &data_session(&past),
        usize::MAX,
        limits,
        &MailVerdict::Accepted,
    );
    assert!(mails.is_empty());
    assert_eq!(
        codes(&replies),
        ["250", "250", "250", "354", "500", "221"],
        "{replies}"
    );
    // The over-long line's tail is `.`: read in small chunks it must not end the data early.
    let tricky = format!("{}.\r\nRSET\r\n", "y".repeat(limits.max_text_line + 10));
    let (replies, mails, _) = run(&data_session(&tricky), 50, limits, &MailVerdict::Accepted);
    assert!(mails.is_empty());
    assert_eq!(
        codes(&replies),
        ["250", "250", "250", "354", "500", "221"],
        "{replies}"
    );
}

#[test]
fn message_size_limit_at_and_past() {
    let limits = SmtpLimits {
        max_message: 100,
        ..SmtpLimits::default()
    };
    // 98 octets of text plus CRLF = 100 octets.
    let at = format!("{}\r\n", "z".repeat(98));
    let (_, mails, _) = run(
        &data_session(&at),
        usize::MAX,
        limits,
        &MailVerdict::Accepted,
    );
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].data.len(), 100);
    let past = format!("{}\r\n", "z".repeat(99));
    let (replies, mails, _) = run(
        &data_session(&past),
        usize::MAX,
        limits,
        &MailVerdict::Accepted,
    );
    assert!(mails.is_empty());
    assert!(replies.contains("552 5.3.4 message too large"), "{replies}");
    let declared =
        b"EHLO c\r\nMAIL FROM:<a@b.example> SIZE=101\r\nMAIL FROM:<a@b.example> SIZE=100\r\n";
    let (replies, _, _) = run(declared, usize::MAX, limits, &MailVerdict::Accepted);
    assert_eq!(codes(&replies), ["250", "552", "250"], "{replies}");
}

#[test]
fn recipient_limit_at_and_past() {
    let limits = SmtpLimits {
        max_recipients: 3,
        ..SmtpLimits::default()
    };
    let mut input = b"EHLO c\r\nMAIL FROM:<a@b.example>\r\n".to_vec();
    for n in 0..4 {
        input.extend_from_slice(format!("RCPT TO:<c-{n}@mail.gw.example>\r\n").as_bytes());
    }
    let (replies, _, _) = run(&input, usize::MAX, limits, &MailVerdict::Accepted);
    assert_eq!(
        codes(&replies),
        ["250", "250", "250", "250", "250", "452"],
        "{replies}"
    );
}

#[test]
fn error_limit_at_and_past() {
    let limits = SmtpLimits {
        max_errors: 3,
        ..SmtpLimits::default()
    };
    let (replies, _, closed) = run(
        b"X\r\nX\r\nNOOP\r\n",
        usize::MAX,
        limits,
        &MailVerdict::Accepted,
    );
    assert!(
        !closed && codes(&replies) == ["502", "502", "250"],
        "{replies}"
    );
    let (replies, _, closed) = run(
        b"X\r\nX\r\nX\r\nNOOP\r\n",
        usize::MAX,
        limits,
        &MailVerdict::Accepted,
    );
    assert!(
        closed && codes(&replies) == ["502", "502", "502", "421"],
        "{replies}"
    );
}
