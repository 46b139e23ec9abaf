//! The processes under test and their IRC server: ngircd on 127.0.0.1:6667 (Biboumi only ever dials
//! 6697, 6670 and 6667 on the host named in the room address), the `switchboard` release binary, and
//! Biboumi, each from a config in its own temporary directory and stopped by PID when dropped.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::ngircd::{Ngircd, NgircdOptions};
use crate::process::Background;
use crate::prosody::Prosody;

/// The IRC port both gateways reach ngircd on.
pub const IRC_PORT: u16 = 6667;
/// The IRC "network" in room addresses: the host both gateways dial.
pub const IRC_HOST: &str = "127.0.0.1";

/// The test harness's ngircd on the fixed port 6667; fails when 6667 is taken, or when 6697 or 6670 listen
/// (Biboumi would try TLS there first).
pub fn start_ngircd() -> anyhow::Result<Ngircd> {
    for port in [6697, 6670] {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            bail!("something listens on 127.0.0.1:{port}; Biboumi would dial it before 6667");
        }
    }
    if std::net::TcpListener::bind(("127.0.0.1", IRC_PORT)).is_err() {
        bail!("127.0.0.1:{IRC_PORT} is taken; the bench needs it for ngircd");
    }
    Ngircd::start(&NgircdOptions {
        port: Some(IRC_PORT),
        ..NgircdOptions::default()
    })
}

/// Which gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// This project's `switchboard run`.
    Switchboard,
    /// Biboumi, the reference IRC gateway.
    Biboumi,
}

impl Kind {
    /// Its name in the table.
    pub fn name(self) -> &'static str {
        match self {
            Self::Switchboard => "Switchboard",
            Self::Biboumi => "Biboumi",
        }
    }

    /// Its XEP-0114 component domain on the shared Prosody.
    pub fn domain(self) -> &'static str {
        match self {
            Self::Switchboard => "switchboard.localhost",
            Self::Biboumi => "biboumi.localhost",
        }
    }
}

/// The component secret both gateways use.
pub const SECRET: &str = "bench-secret";

/// A running gateway; stopped by PID when dropped.
#[derive(Debug)]
pub struct Gateway {
    /// Which one.
    pub kind: Kind,
    process: Background,
    dir: tempfile::TempDir,
}

impl Gateway {
    /// Starts `kind` against `prosody` and waits until Prosody has authenticated its component.
    pub fn start(kind: Kind, prosody: &Prosody, switchboard: &Path) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir().context("temporary directory for the gateway")?;
        let before = authenticated_components(prosody);
        let log = dir.path().join("gateway.log");
        let process = match kind {
            Kind::Switchboard => {
                let config = dir.path().join("switchboard.toml");
                std::fs::write(&config, switchboard_config(dir.path(), prosody))?;
                let mut command = Command::new(switchboard);
                command.arg("run").arg("--config").arg(&config);
                Background::spawn("switchboard", command, &log)?
            }
            Kind::Biboumi => {
                let config = dir.path().join("biboumi.cfg");
                std::fs::write(&config, biboumi_config(dir.path(), prosody))?;
                let mut command = Command::new("biboumi");
                command.arg(&config);
                Background::spawn("biboumi", command, &log)
                    .context("starting biboumi (is the biboumi package installed?)")?
            }
        };
        let mut gateway = Self { kind, process, dir };
        let deadline = Instant::now() + Duration::from_secs(30);
        while authenticated_components(prosody) <= before {
            if gateway.process.has_exited() || Instant::now() > deadline {
                bail!(
                    "{} did not connect to Prosody; its log:\n{}",
                    kind.name(),
                    gateway.log()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(gateway)
    }

    /// The process id.
    pub fn pid(&self) -> anyhow::Result<u32> {
        self.process.pid().context("the gateway is not running")
    }

    /// Whether it has exited.
    pub fn has_exited(&mut self) -> bool {
        self.process.has_exited()
    }

    /// What it logged.
    pub fn log(&self) -> String {
        self.process.log()
    }

    /// Its temporary directory.
    pub fn dir(&self) -> PathBuf {
        self.dir.path().to_owned()
    }
}

/// How many times Prosody has logged a component authenticating.
fn authenticated_components(prosody: &Prosody) -> usize {
    prosody
        .log()
        .matches("External component successfully authenticated")
        .count()
}

/// Switchboard in transport mode only: one configured network named after the host, flood control off
/// (ngircd's is off too), room for a puppet per benchmark user, warnings only in the log.
fn switchboard_config(dir: &Path, prosody: &Prosody) -> String {
    format!(
        r#"# Written by switchboard's bridge_bench.
[gateway]
data_dir = {data:?}
log = "warn"

[xmpp]
domain = "{domain}"
server = "127.0.0.1:{component}"
secret = "{SECRET}"

[irc.networks."{IRC_HOST}"]
server = "{IRC_HOST}:{IRC_PORT}"
tls = false
nick = "sbrelay"
flood_per_second = 0
max_puppets = 500
"#,
        data = dir.join("data").display().to_string(),
        domain = Kind::Switchboard.domain(),
        component = prosody.component_port,
    )
}

/// Biboumi with a SQLite file of its own, identd off, warnings only in the log.
fn biboumi_config(dir: &Path, prosody: &Prosody) -> String {
    format!(
        "hostname={domain}\npassword={SECRET}\nxmpp_server_ip=127.0.0.1\nport={component}\n\
         identd_port=0\ndb_name={db}\nlog_level=2\nrealname_customization=true\n\
         policy_directory={dir}\n",
        domain = Kind::Biboumi.domain(),
        component = prosody.component_port,
        db = dir.join("biboumi.sqlite").display(),
        dir = dir.display(),
    )
}
