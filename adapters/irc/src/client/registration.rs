//! Registration as an I/O-free state machine: IRCv3 capability negotiation (`CAP LS 302`, REQ, ACK/NAK,
//! END), SASL PLAIN and EXTERNAL (IRCv3 sasl-3.1, `AUTHENTICATE` in 400-byte chunks), NICK/USER (RFC 2812
//! §3.1), nick collisions (433/432) with a predictable fallback, and ISUPPORT, until the end of the MOTD.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::{ClientError, Sasl};
use crate::wire::{IrcMessage, Isupport, serialize};

/// What registration asks of the connection after a line.
#[derive(Debug, Default)]
pub(crate) struct Step {
    /// Lines to write now.
    pub(crate) send: Vec<Vec<u8>>,
    /// The server gave us another nick than we asked for.
    pub(crate) nick_fallback: Option<(String, String)>,
    /// Registration is complete.
    pub(crate) done: bool,
    /// Registration failed in a way retrying will not fix.
    pub(crate) fatal: Option<ClientError>,
}

/// Where registration stands.
#[derive(Debug)]
pub(crate) struct Registration {
    wanted_caps: Vec<String>,
    sasl: Option<Sasl>,
    wanted_nick: String,
    attempt: usize,
    offered: BTreeSet<String>,
    /// The capabilities the server acknowledged.
    pub(crate) enabled: BTreeSet<String>,
    cap_done: bool,
    /// The nick in use.
    pub(crate) nick: String,
    /// What the server told of itself.
    pub(crate) isupport: Isupport,
    welcomed: bool,
}

impl Registration {
    /// Starts registering; returns the state and the first lines to send.
    pub(crate) fn start(
        nick: &str,
        username: &str,
        realname: &str,
        wanted_caps: &[String],
        sasl: Option<Sasl>,
    ) -> (Self, Vec<Vec<u8>>) {
        let mut lines = vec![line("CAP", &["LS", "302"])];
        lines.push(line("NICK", &[nick]));
        lines.push(line("USER", &[username, "0", "*", realname]));
        let registration = Self {
            wanted_caps: wanted_caps.to_vec(),
            sasl,
            wanted_nick: nick.to_owned(),
            attempt: 0,
            offered: BTreeSet::new(),
            enabled: BTreeSet::new(),
            cap_done: false,
            nick: nick.to_owned(),
            isupport: Isupport::default(),
            welcomed: false,
        };
        (registration, lines)
    }

    /// Takes in one line from the server.
    pub(crate) fn on_line(&mut self, message: &IrcMessage) -> Step {
        let mut step = Step::default();
        let param = |i: usize| message.params.get(i).map(String::as_str).unwrap_or("");
        match message.command.as_str() {
            "CAP" => match param(1) {
                "LS" => {
                    // `CAP * LS * :caps` continues on the next line; the last has no `*`.
                    let more = param(2) == "*";
                    let list = message.params.last().map(String::as_str).unwrap_or("");
                    for cap in list.split(' ').filter(|c| !c.is_empty()) {
                        let name = cap.split_once('=').map_or(cap, |(n, _)| n);
                        self.offered.insert(name.to_owned());
                    }
                    if !more {
                        let wanted: Vec<&str> = self
                            .wanted_caps
                            .iter()
                            .map(String::as_str)
                            .filter(|c| self.offered.contains(*c))
                            .filter(|c| *c != "sasl" || self.sasl.is_some())
                            .collect();
                        if wanted.is_empty() {
                            step.send.push(self.cap_end());
                        } else {
                            step.send.push(line("CAP", &["REQ", &wanted.join(" ")]));
                        }
                    }
                }
                "ACK" => {
                    let list = message.params.last().map(String::as_str).unwrap_or("");
                    for cap in list.split(' ').filter(|c| !c.is_empty()) {
                        if let Some(removed) = cap.strip_prefix('-') {
                            self.enabled.remove(removed);
                        } else {
                            self.enabled.insert(cap.to_owned());
                        }
                    }
                    match (&self.sasl, self.enabled.contains("sasl")) {
                        (Some(Sasl::Plain { .. }), true) => {
                            step.send.push(line("AUTHENTICATE", &["PLAIN"]))
                        }
                        (Some(Sasl::External { .. }), true) => {
                            step.send.push(line("AUTHENTICATE", &["EXTERNAL"]))
                        }
                        _ => step.send.push(self.cap_end()),
                    }
                }
                "NAK" => step.send.push(self.cap_end()),
                _ => {}
            },
            "AUTHENTICATE" if param(0) == "+" => match &self.sasl {
                Some(Sasl::Plain { user, password }) => {
                    let payload = format!("{user}\0{user}\0{password}");
                    step.send
                        .extend(authenticate_chunks(&STANDARD.encode(payload.as_bytes())));
                }
                Some(Sasl::External { .. }) => step.send.push(line("AUTHENTICATE", &["+"])),
                None => step.send.push(line("AUTHENTICATE", &["*"])),
            },
            // RPL_SASLSUCCESS.
            "903" => step.send.push(self.cap_end()),
            // ERR_SASLFAIL, ERR_SASLTOOLONG, ERR_SASLABORTED, ERR_NICKLOCKED.
            "902" | "904" | "905" | "906" => {
                step.fatal = Some(ClientError::Sasl(
                    message.params.last().cloned().unwrap_or_default(),
                ));
            }
            // RPL_WELCOME: the nick we have.
            "001" => {
                self.welcomed = true;
                if let Some(nick) = message.params.first() {
                    self.nick = nick.clone();
                }
            }
            "005" => self.isupport.apply(&message.params),
            // ERR_NICKNAMEINUSE, ERR_ERRONEUSNICKNAME, ERR_NICKCOLLISION, ERR_UNAVAILRESOURCE before 001.
            "433" | "432" | "436" | "437" if !self.welcomed => {
                if message.command == "432" && self.wanted_nick.len() > 9 {
                    // Too long for this server: RFC 2812 guarantees 9 characters.
                    self.wanted_nick = self.wanted_nick.chars().take(9).collect();
                    self.attempt = 0;
                    self.nick = self.wanted_nick.clone();
                } else {
                    self.attempt += 1;
                    self.nick = fallback_nick(&self.wanted_nick, self.attempt);
                }
                step.nick_fallback = Some((self.wanted_nick.clone(), self.nick.clone()));
                step.send.push(line("NICK", &[&self.nick]));
            }
            // RPL_ENDOFMOTD, ERR_NOMOTD: registration is complete.
            "376" | "422" if self.welcomed => step.done = true,
            // ERR_YOUREBANNEDCREEP, ERR_PASSWDMISMATCH.
            "465" | "464" => {
                step.fatal = Some(ClientError::Refused(
                    message.params.last().cloned().unwrap_or_default(),
                ));
            }
            _ => {}
        }
        step
    }

    fn cap_end(&mut self) -> Vec<u8> {
        self.cap_done = true;
        line("CAP", &["END"])
    }
}

/// The `attempt`-th nick to try when `wanted` is taken: `nick_`, `nick__`, `nick___`, then `nick1`,
/// `nick2` ...
pub(crate) fn fallback_nick(wanted: &str, attempt: usize) -> String {
    if attempt <= 3 {
        format!("{wanted}{}", "_".repeat(attempt))
    } else {
        format!("{wanted}{}", attempt - 3)
    }
}

fn line(command: &str, params: &[&str]) -> Vec<u8> {
    // Every parameter here is ours or checked; a failure would be a bug, so it is replaced by a harmless
    // no-op rather than a panic.
    serialize(command, params).unwrap_or_else(|_| b"PING :invalid\r\n".to_vec())
}

/// IRCv3 sasl-3.1: the payload in 400-byte AUTHENTICATE lines, with `+` after an exact multiple of 400.
fn authenticate_chunks(encoded: &str) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = encoded
        .as_bytes()
        .chunks(400)
        .map(|chunk| line("AUTHENTICATE", &[std::str::from_utf8(chunk).unwrap_or("+")]))
        .collect();
    if encoded.is_empty() || encoded.len().is_multiple_of(400) {
        lines.push(line("AUTHENTICATE", &["+"]));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Charset;

    fn msg(line: &str) -> IrcMessage {
        IrcMessage::parse(line.as_bytes(), Charset::Latin1).unwrap()
    }

    fn text(lines: &[Vec<u8>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| String::from_utf8_lossy(l).trim_end().to_owned())
            .collect()
    }

    #[test]
    fn caps_are_negotiated_and_sasl_plain_authenticates() {
        let caps: Vec<String> = ["sasl", "server-time", "echo-message"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let sasl = Sasl::Plain {
            user: "bot".into(),
            password: "pw".into(),
        };
        let (mut reg, first) = Registration::start("bot", "bot", "A bot", &caps, Some(sasl));
        assert_eq!(
            text(&first),
            ["CAP LS 302", "NICK bot", "USER bot 0 * :A bot"]
        );
        assert!(
            reg.on_line(&msg(":s CAP * LS * :multi-prefix sasl=PLAIN,EXTERNAL"))
                .send
                .is_empty()
        );
        let step = reg.on_line(&msg(":s CAP * LS :server-time away-notify"));
        assert_eq!(text(&step.send), ["CAP REQ :sasl server-time"]);
        let step = reg.on_line(&msg(":s CAP * ACK :sasl server-time"));
        assert_eq!(text(&step.send), ["AUTHENTICATE PLAIN"]);
        let step = reg.on_line(&msg("AUTHENTICATE +"));
        assert_eq!(text(&step.send), ["AUTHENTICATE Ym90AGJvdABwdw=="]);
        let step = reg.on_line(&msg(":s 903 bot :SASL authentication successful"));
        assert_eq!(text(&step.send), ["CAP END"]);
        reg.on_line(&msg(":s 001 bot :Welcome"));
        reg.on_line(&msg(
            ":s 005 bot NICKLEN=20 CASEMAPPING=ascii :are supported",
        ));
        assert!(reg.on_line(&msg(":s 376 bot :End of MOTD")).done);
        assert_eq!(reg.isupport.nicklen, Some(20));
        assert!(reg.enabled.contains("server-time"));
    }

    #[test]
    fn a_refused_sasl_login_is_fatal() {
        let sasl = Sasl::Plain {
            user: "bot".into(),
            password: "bad".into(),
        };
        let (mut reg, _) = Registration::start("bot", "bot", "A bot", &["sasl".into()], Some(sasl));
        let step = reg.on_line(&msg(":s 904 bot :SASL authentication failed"));
        assert!(matches!(step.fatal, Some(ClientError::Sasl(_))));
    }

    #[test]
    fn nick_collisions_fall_back_predictably() {
        let (mut reg, _) = Registration::start("alice", "a", "A", &[], None);
        let mut tried = Vec::new();
        for _ in 0..5 {
            let step = reg.on_line(&msg(":s 433 * alice :Nickname is already in use"));
            tried.push(step.nick_fallback.unwrap().1);
        }
        assert_eq!(tried, ["alice_", "alice__", "alice___", "alice1", "alice2"]);
        let (mut reg, _) = Registration::start("averyverylongnick", "a", "A", &[], None);
        let step = reg.on_line(&msg(":s 432 * averyverylongnick :Erroneous nickname"));
        assert_eq!(step.nick_fallback.unwrap().1, "averyvery");
    }

    #[test]
    fn sasl_payloads_are_chunked_at_400_bytes() {
        assert_eq!(authenticate_chunks(&"A".repeat(400)).len(), 2);
        assert_eq!(authenticate_chunks(&"A".repeat(401)).len(), 2);
        assert_eq!(authenticate_chunks(&"A".repeat(10)).len(), 1);
    }
}
