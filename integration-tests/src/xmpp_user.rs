//! A scripted XMPP user (slixmpp, driven over stdin/stdout as JSON lines) logged in to a test Prosody.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::Value;

/// One stanza the user received.
#[derive(Debug, Clone)]
pub struct Received {
    /// `message`, `presence` or `iq`.
    pub event: String,
    /// The sender.
    pub from: String,
    /// The stanza type.
    pub kind: String,
    /// The stanza id.
    pub id: String,
    /// The body of a message.
    pub body: Option<String>,
    /// The whole stanza as slixmpp printed it.
    pub xml: String,
}

impl Received {
    fn from_json(value: &Value) -> Self {
        let text = |key: &str| value[key].as_str().unwrap_or_default().to_owned();
        Self {
            event: text("event"),
            from: text("from"),
            kind: text("type"),
            id: text("id"),
            body: value["body"].as_str().map(str::to_owned),
            xml: text("xml"),
        }
    }
}

/// A logged-in XMPP user; logged out and stopped by PID when dropped.
#[derive(Debug)]
pub struct XmppUser {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
    seen: Vec<Received>,
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/xmpp_user.py")
}

impl XmppUser {
    /// Logs `jid` in on `127.0.0.1:port` and waits until the session is up.
    pub fn login(port: u16, jid: &str, password: &str) -> anyhow::Result<Self> {
        // Debian's python3-slixmpp is importable only by Debian's own interpreter.
        let mut child = Command::new("/usr/bin/python3")
            .arg(script())
            .args(["127.0.0.1", &port.to_string(), jid, password])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting the scripted XMPP user (is python3-slixmpp installed?)")?;
        let stdin = child.stdin.take().context("stdin")?;
        let stdout = child.stdout.take().context("stdout")?;
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut user = Self {
            child,
            stdin,
            lines,
            seen: Vec::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = user
                .lines
                .recv_timeout(left)
                .map_err(|_| anyhow::anyhow!("{jid} did not log in within 20 s"))?;
            let value: Value = serde_json::from_str(&line)?;
            if value["event"] == "ready" {
                return Ok(user);
            }
            // Stanzas that arrive with the session (offline messages) are kept for wait_for.
            user.seen.push(Received::from_json(&value));
        }
    }

    fn command(&mut self, command: Value) -> anyhow::Result<()> {
        writeln!(self.stdin, "{command}")?;
        self.stdin.flush()?;
        Ok(())
    }

    /// Sends a chat message.
    pub fn send(&mut self, to: &str, body: &str, id: &str) -> anyhow::Result<()> {
        self.command(
            serde_json::json!({"cmd": "send", "to": to, "body": body, "type": "chat", "id": id}),
        )
    }

    /// Sends raw XML on the stream.
    pub fn send_raw(&mut self, xml: &str) -> anyhow::Result<()> {
        self.command(serde_json::json!({"cmd": "raw", "xml": xml}))
    }

    /// Every stanza received so far, after reading for `settle` more.
    pub fn seen(&mut self, settle: Duration) -> &[Received] {
        let _ = self.wait_for(settle, |_| false);
        &self.seen
    }

    /// Forgets every stanza received so far, so later waits see only new ones.
    pub fn clear(&mut self) {
        while let Ok(line) = self.lines.try_recv() {
            drop(line);
        }
        self.seen.clear();
    }

    /// Waits up to `timeout` for a stanza matching `predicate` (including ones received earlier).
    pub fn wait_for(
        &mut self,
        timeout: Duration,
        predicate: impl Fn(&Received) -> bool,
    ) -> anyhow::Result<Received> {
        if let Some(found) = self.seen.iter().find(|r| predicate(r)) {
            return Ok(found.clone());
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = self.lines.recv_timeout(left) else {
                bail!(
                    "no matching stanza within {timeout:?}; received: {:#?}",
                    self.seen
                );
            };
            let value: Value = serde_json::from_str(&line)?;
            let received = Received::from_json(&value);
            self.seen.push(received.clone());
            if predicate(&received) {
                return Ok(received);
            }
        }
    }
}

impl Drop for XmppUser {
    fn drop(&mut self) {
        let _ = self.command(serde_json::json!({"cmd": "quit"}));
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
