//! A real ngircd on loopback (Debian's `ngircd` package), from a config in a temporary directory.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::ports::{free_port, wait_for_listener};
use crate::process::Background;

/// What to start ngircd with.
#[derive(Debug, Clone)]
pub struct NgircdOptions {
    /// The server's name.
    pub name: String,
    /// The longest nick it accepts (ngircd's default is 9).
    pub max_nick_length: u32,
    /// A TLS port with this PEM certificate and key, besides the plain port.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// The plain port; a free one when `None`.
    pub port: Option<u16>,
}

impl Default for NgircdOptions {
    fn default() -> Self {
        Self {
            name: "irc.localhost".into(),
            max_nick_length: 30,
            tls: None,
            port: None,
        }
    }
}

/// A running ngircd; stopped by PID when dropped.
#[derive(Debug)]
pub struct Ngircd {
    /// The plain-text port.
    pub port: u16,
    /// The TLS port, when asked for.
    pub tls_port: Option<u16>,
    dir: tempfile::TempDir,
    config: PathBuf,
    process: Option<Background>,
}

impl Ngircd {
    /// Writes the config, starts ngircd in the foreground and waits until it listens.
    pub fn start(options: &NgircdOptions) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir().context("temporary directory for ngircd")?;
        let port = options.port.unwrap_or_else(free_port);
        let tls_port = options.tls.as_ref().map(|_| free_port());
        let motd = dir.path().join("motd");
        std::fs::write(&motd, "Switchboard test server\n")?;
        // MaxPenaltyTime = 0 lifts ngircd's flood delays; MaxConnections(IP) = 0 and MaxJoins = 0 allow many
        // loopback connections (one per puppet) and channels.
        let mut config = format!(
            r#"# Written by switchboard's integration tests.
[Global]
    Name = {name}
    Info = Switchboard test server
    Listen = 127.0.0.1
    Ports = {port}
    MotdFile = {motd}
[Limits]
    MaxConnections = 0
    MaxConnectionsIP = 0
    MaxJoins = 0
    MaxNickLength = {nicklen}
    MaxPenaltyTime = 0
    PingTimeout = 120
    PongTimeout = 60
[Options]
    DNS = no
    Ident = no
    PAM = no
    RequireAuthPing = no
"#,
            name = options.name,
            nicklen = options.max_nick_length,
            motd = motd.display(),
        );
        if let (Some((cert, key)), Some(tls_port)) = (&options.tls, tls_port) {
            config.push_str(&format!(
                "[SSL]\n    CertFile = {}\n    KeyFile = {}\n    Ports = {tls_port}\n",
                cert.display(),
                key.display()
            ));
        }
        let config_path = dir.path().join("ngircd.conf");
        std::fs::write(&config_path, config)?;
        let mut ngircd = Self {
            port,
            tls_port,
            dir,
            config: config_path,
            process: None,
        };
        ngircd.launch()?;
        Ok(ngircd)
    }

    fn launch(&mut self) -> anyhow::Result<()> {
        let mut command = Command::new("ngircd");
        command.arg("-n").arg("-f").arg(&self.config);
        let log = self.dir.path().join("ngircd.log");
        self.process = Some(
            Background::spawn("ngircd", command, &log)
                .context("starting ngircd (is the ngircd package installed?)")?,
        );
        for port in std::iter::once(self.port).chain(self.tls_port) {
            if !wait_for_listener(port, Duration::from_secs(20)) {
                bail!("ngircd did not listen on {port}; its log:\n{}", self.log());
            }
        }
        Ok(())
    }

    /// Kills ngircd (SIGKILL): every connection drops at once.
    pub fn kill(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.kill();
        }
    }

    /// Starts ngircd again on the same ports (after [`Ngircd::kill`]).
    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.kill();
        for _ in 0..100 {
            if std::net::TcpListener::bind(("127.0.0.1", self.port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.launch()
    }

    /// What ngircd printed.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("ngircd.log")).unwrap_or_default()
    }
}
