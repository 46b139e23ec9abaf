//! A real Prosody on loopback, from a config in a temporary directory (Debian's `prosody` package).

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::ports::{free_port, wait_for_listener};
use crate::process::Background;

/// The XMPP domain of users in the test server.
pub const USER_DOMAIN: &str = "localhost";
/// The MUC service.
pub const MUC_DOMAIN: &str = "conference.localhost";

/// What to start Prosody with.
#[derive(Debug, Clone)]
pub struct ProsodyOptions {
    /// External components (XEP-0114) to accept, each with the shared secret.
    pub components: Vec<(String, String)>,
    /// Users to create on `localhost`, as (name, password).
    pub users: Vec<(String, String)>,
}

impl Default for ProsodyOptions {
    fn default() -> Self {
        Self {
            components: vec![("gw.localhost".into(), "s3cret".into())],
            users: vec![
                ("alice".into(), "alice-pass".into()),
                ("bob".into(), "bob-pass".into()),
                ("carol".into(), "carol-pass".into()),
            ],
        }
    }
}

/// A running Prosody; stopped by PID when dropped.
#[derive(Debug)]
pub struct Prosody {
    /// Client-to-server port (plain, no TLS).
    pub c2s_port: u16,
    /// External component port (XEP-0114).
    pub component_port: u16,
    dir: tempfile::TempDir,
    config: PathBuf,
    process: Option<Background>,
}

impl Prosody {
    /// Writes the config, creates the users, starts Prosody and waits until both ports listen.
    pub fn start(options: &ProsodyOptions) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir().context("temporary directory for prosody")?;
        let c2s_port = free_port();
        let component_port = free_port();
        let root = dir.path();
        std::fs::create_dir_all(root.join("data"))?;
        std::fs::create_dir_all(root.join("certs"))?;
        let mut config = format!(
            r#"-- Written by switchboard's integration tests.
run_as_root = true
pidfile = "{root}/prosody.pid"
data_path = "{root}/data"
certificates = "{root}/certs"
interfaces = {{ "127.0.0.1" }}
c2s_ports = {{ {c2s_port} }}
component_ports = {{ {component_port} }}
component_interface = "127.0.0.1"
http_ports = {{ }}
https_ports = {{ }}
modules_enabled = {{ "roster"; "saslauth"; "disco"; "ping"; "posix"; "version"; "presence"; "offline" }}
modules_disabled = {{ "s2s"; "tls" }}
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_plain"
log = {{ debug = "{root}/prosody.log" }}
VirtualHost "{USER_DOMAIN}"
Component "{MUC_DOMAIN}" "muc"
    muc_room_locking = false
"#,
            root = root.display()
        );
        for (domain, secret) in &options.components {
            config.push_str(&format!(
                "Component \"{domain}\"\n    component_secret = \"{secret}\"\n"
            ));
        }
        let config_path = root.join("prosody.cfg.lua");
        std::fs::write(&config_path, config)?;
        for (user, password) in &options.users {
            let status = Command::new("prosodyctl")
                .arg("--config")
                .arg(&config_path)
                .args(["register", user, USER_DOMAIN, password])
                .output()
                .context("running prosodyctl (is the prosody package installed?)")?;
            if !status.status.success() {
                bail!(
                    "prosodyctl register {user} failed: {}",
                    String::from_utf8_lossy(&status.stderr)
                );
            }
        }
        let mut prosody = Self {
            c2s_port,
            component_port,
            config: config_path,
            dir,
            process: None,
        };
        prosody.launch()?;
        Ok(prosody)
    }

    fn launch(&mut self) -> anyhow::Result<()> {
        let mut command = Command::new("prosody");
        command.arg("--config").arg(&self.config).arg("-F");
        let process = Background::spawn("prosody", command, &self.dir.path().join("stdout.log"))?;
        self.process = Some(process);
        for port in [self.c2s_port, self.component_port] {
            if !wait_for_listener(port, Duration::from_secs(20)) {
                bail!("prosody did not listen on {port}; its log:\n{}", self.log());
            }
        }
        Ok(())
    }

    /// Kills Prosody (SIGKILL) and starts it again on the same ports with the same data.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        if let Some(mut process) = self.process.take() {
            process.kill();
        }
        // The ports are released when the process is gone; give the kernel a moment.
        std::thread::sleep(Duration::from_millis(200));
        self.launch()
    }

    /// Stops Prosody (it stays stopped until [`Prosody::restart`]).
    pub fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.kill();
        }
    }

    /// Prosody's own log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("prosody.log")).unwrap_or_default()
    }
}
