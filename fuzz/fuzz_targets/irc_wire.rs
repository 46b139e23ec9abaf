//! The IRC wire code on hostile bytes: parsing a server line never panics and a parsed line serializes back
//! to one line; the serializer never lets CR, LF or NUL through; message text always splits into lines of at
//! most 512 bytes (counting the relay prefix) that carry the text without its line breaks and NULs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_irc::wire::{Charset, IrcMessage, MAX_LINE, irc_to_styling, styling_to_irc, serialize, text_lines};

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = IrcMessage::parse(data, Charset::Latin1) {
        let params: Vec<&str> = message.params.iter().map(String::as_str).collect();
        if let Ok(line) = serialize(&message.command, &params) {
            assert!(line.ends_with(b"\r\n") && line.len() <= MAX_LINE);
            let body = &line[..line.len() - 2];
            assert!(!body.iter().any(|b| matches!(b, b'\r' | b'\n' | 0)), "{line:?}");
        }
    }

    let text = String::from_utf8_lossy(data);
    let _ = irc_to_styling(&text);
    let _ = styling_to_irc(&text);
    for field in [text.as_ref(), "#chan"] {
        if let Ok(line) = serialize("PRIVMSG", &[field, &text]) {
            let body = &line[..line.len() - 2];
            assert!(!body.iter().any(|b| matches!(b, b'\r' | b'\n' | 0)));
        }
    }
    let prefix = "nick!user@gateway.example";
    if let Ok(lines) = text_lines("PRIVMSG", prefix, "#chan", &text, false, 0) {
        let mut carried = String::new();
        for line in &lines {
            let overhead = 1 + prefix.len() + 1;
            assert!(line.len() + overhead <= MAX_LINE, "{} bytes", line.len() + overhead);
            let parsed = IrcMessage::parse(&line[..line.len() - 2], Charset::Latin1).expect("our own line parses");
            let said = parsed.params.last().map(String::as_str).unwrap_or("");
            assert!(!said.starts_with('\u{1}'), "plain text never becomes a CTCP request: {said:?}");
            carried.push_str(said);
        }
        // Splitting drops only line breaks, NULs, the spaces it split at, and a \x01 opening a line.
        let squeeze = |s: &str| s.chars().filter(|c| !matches!(c, '\r' | '\n' | '\0' | ' ' | '\u{1}')).collect::<String>();
        assert_eq!(squeeze(&carried), squeeze(&text));
    }
});
