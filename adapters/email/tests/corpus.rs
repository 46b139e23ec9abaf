//! CPython's email test messages (tests/fixtures/cpython-email, see SOURCE.md): every one parses without a
//! panic into chat text with no control character but LF and TAB, and every one crosses the SMTP session
//! byte for byte (dot-stuffed on the way in, unstuffed on the way out).

use std::path::PathBuf;

use switchboard_email::proto::parse::parse_mail;
use switchboard_email::proto::smtp_server::{MailVerdict, SmtpLimits, SmtpSession};

fn samples() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cpython-email");
    let mut samples: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("fixtures directory")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("msg_"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("readable fixture"),
            )
        })
        .collect();
    samples.sort();
    samples
}

/// LF or CRLF lines to CRLF lines, as SMTP carries them.
fn crlf(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 20);
    for (i, &b) in data.iter().enumerate() {
        if b == b'\n' && (i == 0 || data[i - 1] != b'\r') {
            out.push(b'\r');
        }
        if b == b'\r' && data.get(i + 1) != Some(&b'\n') {
            // A bare CR inside a sample becomes a line break for the SMTP copy.
            out.extend_from_slice(b"\r\n");
            continue;
        }
        out.push(b);
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[test]
fn every_sample_parses_into_clean_chat_text() {
    let samples = samples();
    assert!(
        samples.len() >= 47,
        "the corpus is there: {}",
        samples.len()
    );
    let mut not_mail = Vec::new();
    for (name, data) in &samples {
        let parsed = parse_mail(data, Some("sender@example.org"), "mail.gw.example");
        let Ok(mail) = parsed else {
            not_mail.push(name.as_str());
            continue;
        };
        assert!(
            !mail
                .text
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t'),
            "{name}: control character in {:?}",
            mail.text
        );
        for value in mail.subject.iter().chain(mail.from_name.iter()) {
            assert!(!value.chars().any(char::is_control), "{name}: {value:?}");
        }
    }
    // msg_19 is a list digest's body without any header: refused as not a mail (SMTP 550), not guessed at.
    assert_eq!(not_mail, ["msg_19.txt"]);
}

#[test]
fn every_sample_crosses_the_smtp_session_unchanged() {
    for (name, data) in samples() {
        let message = crlf(&data);
        let mut input =
            b"EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c-1@mail.gw.example>\r\nDATA\r\n"
                .to_vec();
        for line in message.split_inclusive(|&b| b == b'\n') {
            if line.starts_with(b".") {
                input.push(b'.');
            }
            input.extend_from_slice(line);
        }
        input.extend_from_slice(b".\r\n");
        let mut session = SmtpSession::new("mail.gw.example", SmtpLimits::default());
        let step = session.feed(&input, &|_: &str| true);
        let mail = step.mail.unwrap_or_else(|| {
            panic!(
                "{name}: no mail; replies {}",
                String::from_utf8_lossy(&step.reply)
            )
        });
        assert_eq!(mail.data, message, "{name}");
        assert!(
            session
                .finish_mail(&MailVerdict::Accepted)
                .starts_with(b"250")
        );
    }
}
