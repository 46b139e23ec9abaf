//! A scripted IRC user over a raw TCP connection: registers, answers PING, joins, says things (raw bytes
//! allowed, for latin-1 and injection attempts), and keeps every line it receives for the test to wait on.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// One line the user received, split into its atoms (RFC 1459 §2.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IrcLine {
    /// The raw line without CRLF, decoded lossily.
    pub raw: String,
    /// The IRCv3 tags, unparsed (`a=b;c`).
    pub tags: Option<String>,
    /// The source (`nick!user@host`).
    pub source: Option<String>,
    /// The command, as sent.
    pub command: String,
    /// The parameters.
    pub params: Vec<String>,
}

impl IrcLine {
    /// Splits a raw line (without CRLF) into its atoms.
    pub fn parse(raw: &str) -> Self {
        let mut rest = raw;
        let mut tags = None;
        if let Some(after) = rest.strip_prefix('@') {
            let (t, r) = after.split_once(' ').unwrap_or((after, ""));
            tags = Some(t.to_owned());
            rest = r;
        }
        let mut source = None;
        if let Some(after) = rest.strip_prefix(':') {
            let (s, r) = after.split_once(' ').unwrap_or((after, ""));
            source = Some(s.to_owned());
            rest = r;
        }
        let (command, mut rest) = rest.split_once(' ').unwrap_or((rest, ""));
        let mut params = Vec::new();
        while !rest.is_empty() {
            if let Some(trailing) = rest.strip_prefix(':') {
                params.push(trailing.to_owned());
                break;
            }
            let (p, r) = rest.split_once(' ').unwrap_or((rest, ""));
            if !p.is_empty() {
                params.push(p.to_owned());
            }
            rest = r;
        }
        Self {
            raw: raw.to_owned(),
            tags,
            source,
            command: command.to_owned(),
            params,
        }
    }

    /// The sender's nick.
    pub fn nick(&self) -> Option<&str> {
        self.source
            .as_deref()
            .map(|s| s.split('!').next().unwrap_or(s))
    }

    /// The value of IRCv3 tag `key`.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags.as_deref()?.split(';').find_map(|tag| {
            let (k, v) = tag.split_once('=').unwrap_or((tag, ""));
            (k == key).then_some(v)
        })
    }
}

/// A connected, registered IRC user.
#[derive(Debug)]
pub struct IrcUser {
    /// The nick it registered with.
    pub nick: String,
    stream: TcpStream,
    lines: mpsc::Receiver<IrcLine>,
    seen: Vec<IrcLine>,
}

impl IrcUser {
    /// Connects to `127.0.0.1:port` as `nick` and waits for the end of registration (376/422).
    pub fn connect(port: u16, nick: &str) -> anyhow::Result<Self> {
        Self::connect_with(port, nick, &[])
    }

    /// [`IrcUser::connect`], asking for IRCv3 capabilities first (`CAP REQ`).
    pub fn connect_with(port: u16, nick: &str, caps: &[&str]) -> anyhow::Result<Self> {
        let stream =
            TcpStream::connect(("127.0.0.1", port)).context("connecting to the IRC server")?;
        stream.set_nodelay(true)?;
        let reader = BufReader::new(stream.try_clone()?);
        let mut writer = stream.try_clone()?;
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in reader.split(b'\n') {
                let Ok(mut line) = line else { break };
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                let line = IrcLine::parse(&String::from_utf8_lossy(&line));
                if line.command == "PING" {
                    let token = line.params.first().cloned().unwrap_or_default();
                    let _ = writer.write_all(format!("PONG :{token}\r\n").as_bytes());
                }
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut user = Self {
            nick: nick.to_owned(),
            stream,
            lines,
            seen: Vec::new(),
        };
        if !caps.is_empty() {
            user.send_raw(format!("CAP REQ :{}\r\n", caps.join(" ")).as_bytes())?;
        }
        user.send_raw(format!("NICK {nick}\r\nUSER {nick} 0 * :{nick}\r\n").as_bytes())?;
        if !caps.is_empty() {
            user.send_raw(b"CAP END\r\n")?;
        }
        user.wait_for(Duration::from_secs(20), |l| {
            l.command == "376" || l.command == "422"
        })
        .with_context(|| format!("{nick} registering"))?;
        Ok(user)
    }

    /// Sends raw bytes (include the CRLF).
    pub fn send_raw(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        self.stream.write_all(bytes)?;
        Ok(())
    }

    /// Joins `channel` and waits for the end of its NAMES list.
    pub fn join(&mut self, channel: &str) -> anyhow::Result<()> {
        self.send_raw(format!("JOIN {channel}\r\n").as_bytes())?;
        let wanted = channel.to_ascii_lowercase();
        self.wait_for(Duration::from_secs(20), |l| {
            l.command == "366"
                && l.params.get(1).map(|c| c.to_ascii_lowercase()) == Some(wanted.clone())
        })?;
        Ok(())
    }

    /// Says `text` to `target`.
    pub fn privmsg(&mut self, target: &str, text: &str) -> anyhow::Result<()> {
        self.send_raw(format!("PRIVMSG {target} :{text}\r\n").as_bytes())
    }

    /// Waits up to `timeout` for a line matching `predicate`, among those received so far (see
    /// [`IrcUser::clear`]) and those still to come.
    pub fn wait_for(
        &mut self,
        timeout: Duration,
        predicate: impl Fn(&IrcLine) -> bool,
    ) -> anyhow::Result<IrcLine> {
        if let Some(found) = self.seen.iter().find(|l| predicate(l)) {
            return Ok(found.clone());
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = self.lines.recv_timeout(left) else {
                bail!(
                    "{}: no matching line within {timeout:?}; received:\n{}",
                    self.nick,
                    self.seen
                        .iter()
                        .map(|l| l.raw.as_str())
                        .collect::<Vec<_>>()
                        .join("\n")
                );
            };
            self.seen.push(line.clone());
            if predicate(&line) {
                return Ok(line);
            }
        }
    }

    /// Every line received so far (after taking in what has arrived).
    pub fn lines_now(&mut self) -> Vec<IrcLine> {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        self.seen.clone()
    }

    /// Forgets one line received, so a later wait finds the next one like it.
    pub fn forget(&mut self, line: &IrcLine) {
        if let Some(at) = self.seen.iter().position(|l| l == line) {
            self.seen.remove(at);
        }
    }

    /// Forgets the lines received so far, so later waits see only new ones.
    pub fn clear(&mut self) {
        self.lines_now();
        self.seen.clear();
    }
}

impl Drop for IrcUser {
    fn drop(&mut self) {
        let _ = self.stream.write_all(b"QUIT :bye\r\n");
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}
