//! A lean IRC client for the bench: registers, joins, sends PRIVMSGs as fast as asked, answers PING, and
//! hands on every line with the instant it was read.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::irc_user::IrcLine;

/// One line received, without CRLF.
#[derive(Debug, Clone)]
pub struct Line {
    /// When it was read.
    pub at: Instant,
    /// The source (`nick!user@host`), if any.
    pub source: Option<String>,
    /// The command.
    pub command: String,
    /// The parameters, the trailing one last.
    pub params: Vec<String>,
}

impl Line {
    /// Splits a raw line into source, command and parameters (as the scripted test user does).
    pub fn parse(raw: &str, at: Instant) -> Self {
        let IrcLine {
            source,
            command,
            params,
            ..
        } = IrcLine::parse(raw);
        Self {
            at,
            source,
            command,
            params,
        }
    }

    /// The sender's nick.
    pub fn nick(&self) -> Option<&str> {
        self.source
            .as_deref()
            .map(|s| s.split('!').next().unwrap_or(s))
    }
}

/// A registered IRC connection.
#[derive(Debug)]
pub struct IrcClient {
    /// Its nick.
    pub nick: String,
    writer: Arc<Mutex<TcpStream>>,
    lines: mpsc::Receiver<Line>,
}

impl IrcClient {
    /// Connects to `127.0.0.1:port` as `nick` and waits for the end of registration.
    pub fn connect(port: u16, nick: &str) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(("127.0.0.1", port)).context("connecting to ngircd")?;
        stream.set_nodelay(true)?;
        let writer = Arc::new(Mutex::new(stream.try_clone()?));
        let pong = Arc::clone(&writer);
        let (tx, lines) = mpsc::channel();
        std::thread::Builder::new()
            .name(format!("irc-{nick}"))
            .spawn(move || {
                let mut reader = BufReader::with_capacity(256 * 1024, stream);
                let mut raw = Vec::new();
                loop {
                    raw.clear();
                    match reader.read_until(b'\n', &mut raw) {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    let at = Instant::now();
                    while matches!(raw.last(), Some(b'\r' | b'\n')) {
                        raw.pop();
                    }
                    let line = Line::parse(&String::from_utf8_lossy(&raw), at);
                    if line.command == "PING" {
                        let token = line.params.first().cloned().unwrap_or_default();
                        if let Ok(mut w) = pong.lock() {
                            let _ = w.write_all(format!("PONG :{token}\r\n").as_bytes());
                        }
                    }
                    if tx.send(line).is_err() {
                        return;
                    }
                }
            })?;
        let mut client = Self {
            nick: nick.to_owned(),
            writer,
            lines,
        };
        client.send(&format!("NICK {nick}\r\nUSER {nick} 0 * :{nick}\r\n"))?;
        client.wait_for(Duration::from_secs(20), "end of registration", |l| {
            l.command == "376" || l.command == "422"
        })?;
        Ok(client)
    }

    /// Writes raw text (with its CRLF).
    pub fn send(&self, text: &str) -> anyhow::Result<()> {
        let mut stream = self
            .writer
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?;
        stream.write_all(text.as_bytes())?;
        Ok(())
    }

    /// Joins `channel` and waits for the end of NAMES.
    pub fn join(&mut self, channel: &str) -> anyhow::Result<()> {
        self.send(&format!("JOIN {channel}\r\n"))?;
        self.wait_for(Duration::from_secs(20), "end of NAMES", |l| {
            l.command == "366"
                && l.params
                    .get(1)
                    .is_some_and(|c| c.eq_ignore_ascii_case(channel))
        })?;
        Ok(())
    }

    /// Says `text` in `target`.
    pub fn privmsg(&self, target: &str, text: &str) -> anyhow::Result<()> {
        self.send(&format!("PRIVMSG {target} :{text}\r\n"))
    }

    /// The next line within `timeout`.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Line> {
        self.lines.recv_timeout(timeout).ok()
    }

    /// Waits up to `timeout` for a line matching `predicate`, dropping the others.
    pub fn wait_for(
        &mut self,
        timeout: Duration,
        what: &str,
        predicate: impl Fn(&Line) -> bool,
    ) -> anyhow::Result<Line> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = self.lines.recv_timeout(left) else {
                bail!("{}: no {what} within {timeout:?}", self.nick);
            };
            if predicate(&line) {
                return Ok(line);
            }
        }
    }

    /// Throws away everything received so far; returns how much.
    pub fn drain(&self) -> usize {
        let mut count = 0;
        while self.lines.try_recv().is_ok() {
            count += 1;
        }
        count
    }
}

impl Drop for IrcClient {
    fn drop(&mut self) {
        if let Ok(mut stream) = self.writer.lock() {
            let _ = stream.write_all(b"QUIT :bench done\r\n");
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }
}
