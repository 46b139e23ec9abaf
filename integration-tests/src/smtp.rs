//! SMTP peers for the email scenarios: an aiosmtpd capture server as the gateway's relay, and swaks as the
//! mail client that answers.
//!
//! The capture server is Debian's `python3-aiosmtpd` run as `/usr/bin/python3 -m aiosmtpd -n -l
//! 127.0.0.1:PORT -c capture.Capture DIR`, where `capture.Capture` is aiosmtpd's own `Mailbox` handler (each
//! mail lands in the Maildir `DIR` with `X-MailFrom` / `X-RcptTo` headers) plus two recipient rules, so a
//! scenario can meet a real 5xx and 4xx: a local part starting with `reject` gets `550 5.1.1`, one starting
//! with `tempfail` gets `451 4.3.0`.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::ports::{free_port, wait_for_listener};
use crate::process::Background;

const HANDLER: &str = r#"# Written by switchboard's integration tests: aiosmtpd's Mailbox plus recipient rules.
from aiosmtpd.handlers import Mailbox


class Capture(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0]
        if local.startswith("reject"):
            return "550 5.1.1 no such user here"
        if local.startswith("tempfail"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"
"#;

/// A running aiosmtpd capture server.
#[derive(Debug)]
pub struct SmtpCapture {
    /// Its SMTP port on 127.0.0.1.
    pub port: u16,
    dir: tempfile::TempDir,
    process: Option<Background>,
}

impl SmtpCapture {
    /// Starts the capture server on a free port and waits until it listens.
    pub fn start() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir().context("temporary directory for aiosmtpd")?;
        std::fs::write(dir.path().join("capture.py"), HANDLER)?;
        let mut capture = Self {
            port: free_port(),
            dir,
            process: None,
        };
        capture.launch()?;
        Ok(capture)
    }

    fn launch(&mut self) -> anyhow::Result<()> {
        let mut command = Command::new("/usr/bin/python3");
        command
            .env("PYTHONPATH", self.dir.path())
            .args(["-m", "aiosmtpd", "-n", "-u", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["-c", "capture.Capture"])
            .arg(self.maildir());
        let process =
            Background::spawn("aiosmtpd", command, &self.dir.path().join("aiosmtpd.log"))?;
        self.process = Some(process);
        if !wait_for_listener(self.port, Duration::from_secs(20)) {
            bail!(
                "aiosmtpd did not listen on {} (is python3-aiosmtpd installed?); its log:\n{}",
                self.port,
                self.log()
            );
        }
        Ok(())
    }

    /// Stops the server (the relay goes down); its mail stays.
    pub fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.stop(Duration::from_secs(5));
        }
    }

    /// Starts it again on the same port with the same Maildir.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.stop();
        self.launch()
    }

    /// The Maildir mail lands in.
    pub fn maildir(&self) -> PathBuf {
        self.dir.path().join("maildir")
    }

    /// Every mail captured so far, oldest first (by delivery time, then name), as raw bytes.
    pub fn mails(&self) -> Vec<Vec<u8>> {
        let mut files = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(self.maildir().join(sub)) {
                for entry in entries.flatten() {
                    let modified = entry.metadata().and_then(|m| m.modified()).ok();
                    files.push((modified, entry.file_name(), entry.path()));
                }
            }
        }
        files.sort();
        files
            .into_iter()
            .filter_map(|(_, _, path)| std::fs::read(path).ok())
            .collect()
    }

    /// Waits (up to `timeout`) until at least `count` mails were captured, and returns them all.
    pub fn wait_for_mails(&self, count: usize, timeout: Duration) -> anyhow::Result<Vec<Vec<u8>>> {
        let deadline = Instant::now() + timeout;
        loop {
            let mails = self.mails();
            if mails.len() >= count {
                return Ok(mails);
            }
            if Instant::now() >= deadline {
                bail!(
                    "only {} of {count} mails arrived at aiosmtpd; its log:\n{}",
                    mails.len(),
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What the server has logged.
    pub fn log(&self) -> String {
        self.process
            .as_ref()
            .map(Background::log)
            .unwrap_or_default()
    }
}

/// What one swaks run did.
#[derive(Debug)]
pub struct SwaksRun {
    /// Whether swaks exited successfully (the server answered 250 to the data).
    pub success: bool,
    /// Its transcript (stdout and stderr).
    pub transcript: String,
}

/// Sends one mail to `127.0.0.1:port` with swaks (Debian `swaks`): `from`, `to`, extra `headers`
/// (`Name: value`) and a body.
pub fn swaks(
    port: u16,
    from: &str,
    to: &str,
    headers: &[&str],
    body: &str,
) -> anyhow::Result<SwaksRun> {
    let mut command = Command::new("swaks");
    command
        .args(["--server", "127.0.0.1", "--port"])
        .arg(port.to_string())
        .args([
            "--helo",
            "client.example",
            "--from",
            from,
            "--to",
            to,
            "--timeout",
            "60",
        ])
        .args(["--body", body]);
    for header in headers {
        command.args(["--header", header]);
    }
    let output = command
        .output()
        .context("running swaks (is the swaks package installed?)")?;
    let mut transcript = String::from_utf8_lossy(&output.stdout).into_owned();
    transcript.push_str(&String::from_utf8_lossy(&output.stderr));
    Ok(SwaksRun {
        success: output.status.success(),
        transcript,
    })
}
