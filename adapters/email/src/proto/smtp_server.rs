//! The inbound SMTP session (RFC 5321) as an I/O-free state machine: bytes in, replies and finished mail out.
//!
//! The listener feeds whatever the socket gave it to [`SmtpSession::feed`] and writes back the replies in
//! [`Step::reply`]. A complete message stops the machine at [`Step::mail`]: the caller gets it into the
//! durable outbox, then calls [`SmtpSession::finish_mail`] with the outcome, and only then is `250` sent
//! (the gateway must not acknowledge what it could still lose). Further pipelined input waits in the buffer
//! until the caller feeds again.
//!
//! Hardening, each with a limit in [`SmtpLimits`]:
//! - lines end in CRLF only: a bare LF or a bare CR ends the session with `521` (SMTP smuggling,
//!   CVE-2023-51764; RFC 5321 §2.3.8 forbids them), so no second message can hide inside a first;
//! - command lines are at most 512 octets (RFC 5321 §4.5.3.1.4), text lines at most 1000 (§4.5.3.1.6);
//! - a message is at most [`SmtpLimits::max_message`] octets (§4.5.3.1.7), refused with `552` past it;
//! - at most [`SmtpLimits::max_recipients`] recipients (§4.5.3.1.8 asks for at least 100);
//! - only recipients in the gateway's mail domain that the [`RecipientPolicy`] knows are accepted (no open
//!   relay, §3.6.2);
//! - after [`SmtpLimits::max_errors`] bad commands the session ends with `421`.

use super::path::{MailPath, PathError, parse_path};

/// The limits of one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmtpLimits {
    /// Longest command line including CRLF (RFC 5321 §4.5.3.1.4: 512).
    pub max_command_line: usize,
    /// Longest text line in DATA including CRLF (RFC 5321 §4.5.3.1.6: 1000).
    pub max_text_line: usize,
    /// Largest message in octets, after dot-unstuffing.
    pub max_message: usize,
    /// Most recipients of one message (RFC 5321 §4.5.3.1.8: at least 100).
    pub max_recipients: usize,
    /// Bad commands tolerated before the session is closed.
    pub max_errors: usize,
}

impl Default for SmtpLimits {
    fn default() -> Self {
        Self {
            max_command_line: 512,
            max_text_line: 1000,
            max_message: 10 * 1024 * 1024,
            max_recipients: 100,
            max_errors: 10,
        }
    }
}

/// Decides which local parts of the gateway's mail domain take mail.
pub trait RecipientPolicy {
    /// Whether `local` (the part before `@mail_domain`) names a conversation or mailbox of the gateway.
    fn accepts(&self, local: &str) -> bool;
}

impl<F: Fn(&str) -> bool> RecipientPolicy for F {
    fn accepts(&self, local: &str) -> bool {
        self(local)
    }
}

/// A message received in full, waiting for the caller's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The reverse path from `MAIL FROM`; `None` for the null sender `<>` (bounces, RFC 5321 §4.5.5).
    pub reverse_path: Option<String>,
    /// The accepted recipients' local parts, in order.
    pub recipients: Vec<String>,
    /// The message as sent, dot-unstuffed, lines ending in CRLF (RFC 5321 §4.5.2).
    pub data: Vec<u8>,
}

/// What one call to [`SmtpSession::feed`] produced.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Step {
    /// Reply text to write to the client, in order (already CRLF-terminated).
    pub reply: Vec<u8>,
    /// A finished message: answer it with [`SmtpSession::finish_mail`] before feeding more.
    pub mail: Option<ReceivedMail>,
    /// The session is over: write `reply`, then close the connection.
    pub close: bool,
}

/// The caller's verdict on a [`ReceivedMail`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailVerdict {
    /// The message is held durably: `250`.
    Accepted,
    /// Try later (`451`): the gateway could not store it now.
    TryLater(String),
    /// Refused for good (`550`/`554`), with a reason the sender will read.
    Refused(String),
    /// Taken and deliberately not relayed (an auto-reply or bounce): still `250`, since refusing it would
    /// only cause another bounce; the caller logs why.
    Discarded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Before HELO/EHLO.
    Connected,
    /// Greeted, no transaction.
    Ready,
    /// After MAIL FROM.
    Mail,
    /// Inside DATA.
    Data,
    /// A message was handed to the caller; waiting for its verdict.
    Verdict,
    /// The session is over.
    Closed,
}

/// One inbound SMTP session.
#[derive(Debug)]
pub struct SmtpSession {
    domain: String,
    limits: SmtpLimits,
    phase: Phase,
    buffer: Vec<u8>,
    reverse_path: Option<String>,
    recipients: Vec<String>,
    data: Vec<u8>,
    /// Why the message being received will be refused at its end (too large, line too long).
    data_refusal: Option<&'static str>,
    /// The rest of an over-long line is being skipped up to its CRLF: none of it may be read as a line of
    /// its own (a `.` there would end the message early, a smuggling vector).
    skipping: bool,
    errors: usize,
}

/// RFC 5321 §4.2: the greeting; the caller writes it on connect.
pub fn greeting(domain: &str) -> Vec<u8> {
    format!("220 {domain} ESMTP Switchboard\r\n").into_bytes()
}

impl SmtpSession {
    /// A session for the gateway's mail domain `domain` (the only domain recipients may be in).
    pub fn new(domain: &str, limits: SmtpLimits) -> Self {
        Self {
            domain: domain.to_ascii_lowercase(),
            limits,
            phase: Phase::Connected,
            buffer: Vec::new(),
            reverse_path: None,
            recipients: Vec::new(),
            data: Vec::new(),
            data_refusal: None,
            skipping: false,
            errors: 0,
        }
    }

    /// Whether the session has ended.
    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// Feeds bytes from the client (possibly none, to go on with pipelined input after a verdict).
    pub fn feed(&mut self, input: &[u8], policy: &dyn RecipientPolicy) -> Step {
        let mut step = Step::default();
        if self.phase == Phase::Closed {
            step.close = true;
            return step;
        }
        self.buffer.extend_from_slice(input);
        let mut consumed = 0;
        while self.phase != Phase::Verdict && self.phase != Phase::Closed {
            let rest = &self.buffer[consumed..];
            if self.skipping {
                match rest.iter().position(|&b| b == b'\n') {
                    Some(lf) if lf > 0 && rest[lf - 1] == b'\r' => {
                        consumed += lf + 1;
                        self.skipping = false;
                        continue;
                    }
                    Some(_) => {
                        self.bare_line_ending(&mut step);
                        break;
                    }
                    None => {
                        // Keep a trailing CR: its LF may come in the next read.
                        consumed = self.buffer.len() - usize::from(rest.last() == Some(&b'\r'));
                        break;
                    }
                }
            }
            let limit = if self.phase == Phase::Data {
                self.limits.max_text_line
            } else {
                self.limits.max_command_line
            };
            let Some(lf) = rest.iter().position(|&b| b == b'\n') else {
                if let Some(cr) = rest.iter().position(|&b| b == b'\r')
                    && cr + 1 < rest.len()
                {
                    // A CR followed by anything but LF is a bare CR.
                    self.bare_line_ending(&mut step);
                    break;
                }
                if rest.len() >= limit {
                    // Too long already: drop what we have so memory stays bounded, keeping a trailing CR
                    // whose LF may come next.
                    consumed = self.buffer.len() - usize::from(rest.last() == Some(&b'\r'));
                    self.line_too_long(&mut step, true);
                }
                break;
            };
            let line_with_lf = &rest[..=lf];
            if lf == 0 || rest[lf - 1] != b'\r' || rest[..lf - 1].contains(&b'\r') {
                self.bare_line_ending(&mut step);
                break;
            }
            let line_len = line_with_lf.len();
            if line_len > limit {
                consumed += line_len;
                self.line_too_long(&mut step, false);
                continue;
            }
            let line = line_with_lf[..lf - 1].to_vec();
            consumed += line_len;
            if self.phase == Phase::Data {
                self.data_line(&line, &mut step);
            } else {
                self.command(&line, policy, &mut step);
            }
        }
        self.buffer.drain(..consumed.min(self.buffer.len()));
        if self.phase == Phase::Closed {
            step.close = true;
            self.buffer.clear();
        }
        step
    }

    /// Answers the message handed out in [`Step::mail`]; returns the reply to write.
    pub fn finish_mail(&mut self, verdict: &MailVerdict) -> Vec<u8> {
        if self.phase != Phase::Verdict {
            return Vec::new();
        }
        self.phase = Phase::Ready;
        match verdict {
            MailVerdict::Accepted | MailVerdict::Discarded => b"250 2.0.0 OK: queued\r\n".to_vec(),
            MailVerdict::TryLater(reason) => {
                format!("451 4.3.0 {}\r\n", one_line(reason)).into_bytes()
            }
            MailVerdict::Refused(reason) => {
                format!("550 5.7.1 {}\r\n", one_line(reason)).into_bytes()
            }
        }
    }

    fn bare_line_ending(&mut self, step: &mut Step) {
        step.reply.extend_from_slice(
            b"521 5.5.2 bare CR or LF refused: lines end in CRLF (RFC 5321 section 2.3.8)\r\n",
        );
        self.phase = Phase::Closed;
    }

    fn line_too_long(&mut self, step: &mut Step, partial: bool) {
        if self.phase == Phase::Data {
            self.data_refusal = Some("500 5.5.6 text line too long (RFC 5321 section 4.5.3.1.6)");
            self.data.clear();
            // The rest of this line arrives later without its start: skip it up to its CRLF.
            self.skipping = partial;
            return;
        }
        step.reply
            .extend_from_slice(b"500 5.5.2 command line too long (RFC 5321 section 4.5.3.1.4)\r\n");
        self.count_error(step);
        if partial {
            // Without the line's end there is no safe place to resume: close.
            step.reply
                .extend_from_slice(b"421 4.7.0 closing: unterminated command line\r\n");
            self.phase = Phase::Closed;
        }
    }

    fn count_error(&mut self, step: &mut Step) {
        self.errors += 1;
        if self.errors >= self.limits.max_errors && self.phase != Phase::Closed {
            step.reply
                .extend_from_slice(b"421 4.7.0 too many errors, closing connection\r\n");
            self.phase = Phase::Closed;
        }
    }

    fn data_line(&mut self, line: &[u8], step: &mut Step) {
        if line == b"." {
            let refusal = self.data_refusal.take();
            let data = std::mem::take(&mut self.data);
            if let Some(refusal) = refusal {
                step.reply.extend_from_slice(refusal.as_bytes());
                step.reply.extend_from_slice(b"\r\n");
                self.reset_transaction();
                self.phase = Phase::Ready;
                return;
            }
            step.mail = Some(ReceivedMail {
                reverse_path: self.reverse_path.take(),
                recipients: std::mem::take(&mut self.recipients),
                data,
            });
            self.phase = Phase::Verdict;
            return;
        }
        if self.data_refusal.is_some() {
            return;
        }
        // RFC 5321 §4.5.2: a leading dot was doubled by the client.
        let line = line.strip_prefix(b".").unwrap_or(line);
        if self.data.len() + line.len() + 2 > self.limits.max_message {
            self.data_refusal = Some("552 5.3.4 message too large");
            self.data = Vec::new();
            return;
        }
        self.data.extend_from_slice(line);
        self.data.extend_from_slice(b"\r\n");
    }

    fn reset_transaction(&mut self) {
        self.reverse_path = None;
        self.recipients.clear();
        self.data.clear();
        self.data_refusal = None;
    }

    fn reply(&mut self, step: &mut Step, text: &str) {
        step.reply.extend_from_slice(text.as_bytes());
        step.reply.extend_from_slice(b"\r\n");
    }

    fn error(&mut self, step: &mut Step, text: &str) {
        self.reply(step, text);
        self.count_error(step);
    }

    fn command(&mut self, line: &[u8], policy: &dyn RecipientPolicy, step: &mut Step) {
        let Ok(line) = std::str::from_utf8(line) else {
            self.error(step, "500 5.5.2 command is not UTF-8");
            return;
        };
        let (verb, args) = match line.find(' ') {
            Some(at) => (&line[..at], line[at + 1..].trim()),
            None => (line, ""),
        };
        match verb.to_ascii_uppercase().as_str() {
            "EHLO" | "HELO" if args.is_empty() => {
                self.error(step, "501 5.5.4 a domain or address literal is required");
            }
            "EHLO" => {
                self.reset_transaction();
                self.phase = Phase::Ready;
                let text = format!(
                    "250-{}\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n250 SIZE {}",
                    self.domain, self.limits.max_message
                );
                self.reply(step, &text);
            }
            "HELO" => {
                self.reset_transaction();
                self.phase = Phase::Ready;
                let text = format!("250 {}", self.domain);
                self.reply(step, &text);
            }
            "MAIL" => self.mail_from(args, step),
            "RCPT" => self.rcpt_to(args, policy, step),
            "DATA" => self.data_start(step),
            "RSET" => {
                self.reset_transaction();
                if self.phase != Phase::Connected {
                    self.phase = Phase::Ready;
                }
                self.reply(step, "250 2.0.0 OK");
            }
            "NOOP" => self.reply(step, "250 2.0.0 OK"),
            "QUIT" => {
                self.reply(step, "221 2.0.0 bye");
                self.phase = Phase::Closed;
            }
            // RFC 5321 §3.5.3: 252 when the server will not verify.
            "VRFY" => self.reply(step, "252 2.1.5 cannot verify, but will try delivery"),
            _ => self.error(step, "502 5.5.1 command not implemented"),
        }
    }

    fn mail_from(&mut self, args: &str, step: &mut Step) {
        match self.phase {
            Phase::Connected => return self.error(step, "503 5.5.1 say EHLO first"),
            Phase::Mail => return self.error(step, "503 5.5.1 nested MAIL command"),
            _ => {}
        }
        let Some(rest) = strip_keyword(args, "FROM:") else {
            return self.error(step, "501 5.5.4 syntax: MAIL FROM:<address>");
        };
        let (path, params) = split_params(rest);
        let path = match parse_path(path) {
            Ok(MailPath::Null) => None,
            Ok(MailPath::Mailbox { local, domain }) => Some(format!("{local}@{domain}")),
            Err(e) => return self.error(step, &path_error_reply(&e)),
        };
        for param in params.split_ascii_whitespace() {
            if let Some(size) = strip_keyword(param, "SIZE=") {
                // RFC 1870 §6: refuse at once a message declared too large.
                if size
                    .parse::<usize>()
                    .map_or(true, |size| size > self.limits.max_message)
                {
                    return self.reply(
                        step,
                        "552 5.3.4 message size exceeds the fixed maximum message size",
                    );
                }
            }
        }
        self.reset_transaction();
        self.reverse_path = path;
        self.phase = Phase::Mail;
        self.reply(step, "250 2.1.0 OK");
    }

    fn rcpt_to(&mut self, args: &str, policy: &dyn RecipientPolicy, step: &mut Step) {
        if self.phase != Phase::Mail {
            return self.error(step, "503 5.5.1 need MAIL before RCPT");
        }
        let Some(rest) = strip_keyword(args, "TO:") else {
            return self.error(step, "501 5.5.4 syntax: RCPT TO:<address>");
        };
        let (path, _params) = split_params(rest);
        let (local, domain) = match parse_path(path) {
            Ok(MailPath::Mailbox { local, domain }) => (local, domain),
            Ok(MailPath::Null) => return self.error(step, "501 5.1.3 a recipient is required"),
            Err(e) => return self.error(step, &path_error_reply(&e)),
        };
        if !domain.eq_ignore_ascii_case(&self.domain) {
            // RFC 5321 §3.6.2: not an open relay.
            return self.error(
                step,
                "550 5.7.1 relaying denied: this gateway only takes mail for its own domain",
            );
        }
        if self.recipients.len() >= self.limits.max_recipients {
            return self.reply(step, "452 4.5.3 too many recipients");
        }
        if !policy.accepts(&local) {
            return self.error(step, "550 5.1.1 no such conversation at this gateway");
        }
        self.recipients.push(local);
        self.reply(step, "250 2.1.5 OK");
    }

    fn data_start(&mut self, step: &mut Step) {
        if self.phase != Phase::Mail || self.recipients.is_empty() {
            return self.error(step, "503 5.5.1 need RCPT before DATA");
        }
        self.phase = Phase::Data;
        self.data.clear();
        self.data_refusal = None;
        self.reply(step, "354 end data with <CR><LF>.<CR><LF>");
    }
}

/// `keyword` (case-insensitive) at the start of `text`, and what follows it.
fn strip_keyword<'a>(text: &'a str, keyword: &str) -> Option<&'a str> {
    let head = text.get(..keyword.len())?;
    head.eq_ignore_ascii_case(keyword)
        .then(|| text[keyword.len()..].trim_start())
}

/// Splits `<path> PARAMS` at the path's closing `>`.
fn split_params(text: &str) -> (&str, &str) {
    match text.find('>') {
        Some(at) => (&text[..=at], text[at + 1..].trim()),
        None => (text, ""),
    }
}

fn path_error_reply(error: &PathError) -> String {
    format!("501 5.1.7 bad address: {error}")
}

/// Reply text on one line, whatever the reason contained.
fn one_line(text: &str) -> String {
    super::header::header_text(text, 200)
}
