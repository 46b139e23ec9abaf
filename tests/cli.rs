//! The `switchboard` binary as an operator uses it: `check` and `run`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn switchboard() -> Command {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write config");
    path
}

#[test]
fn check_accepts_a_good_config_with_a_one_line_summary() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write(
        dir.path(),
        "good.toml",
        r#"
[gateway]
data_dir = "./data"

[xmpp]
domain = "gw.example.org"
server = "127.0.0.1:5347"
secret = "s3cret"

[irc.networks.libera]
server = "irc.libera.chat:6697"
tls = true
nick = "switchboard"

[[bridge]]
name = "dev"
endpoints = ["xmpp:dev@conference.example.org", "irc://libera/#dev"]
"#,
    );
    let output = switchboard()
        .arg("check")
        .arg("--config")
        .arg(&config)
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout.lines().count(), 1, "one line: {stdout}");
    assert!(stdout.contains("1 bridge"), "{stdout}");
    assert!(!stdout.contains("s3cret"), "secrets never printed");
}

#[test]
fn check_lists_three_mistakes_with_their_lines() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write(
        dir.path(),
        "bad.toml",
        r#"[gateway]
data_dir = "./data"

[irc.networks.libera]
server = "irc.libera.chat:6697"
nick = "switchboard"

[[bridge]]
name = "lonely"
endpoints = ["irc://libera/#lonely"]

[[bridge]]
name = "typo"
endpoints = ["irc://liberra/#dev", "irc://libera/#dev"]

[[route]]
from = "irc://libera/#dev"
to = "mailto:not an address"
when = "always"
"#,
    );
    let output = switchboard()
        .arg("check")
        .arg("--config")
        .arg(&config)
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let problems: Vec<&str> = stderr.lines().filter(|l| l.contains("bad.toml:")).collect();
    assert_eq!(problems.len(), 3, "three problems, got:\n{stderr}");
    assert!(problems[0].contains("bad.toml:10:"), "{}", problems[0]);
    assert!(problems[1].contains("bad.toml:14:"), "{}", problems[1]);
    assert!(problems[2].contains("bad.toml:18:"), "{}", problems[2]);
}

#[test]
fn run_starts_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let config = write(
        dir.path(),
        "run.toml",
        &format!(
            "[gateway]\ndata_dir = {:?}\nlog = \"info\"\n",
            data.display().to_string()
        ),
    );
    let (mut child, lines_rx, mut log) = run_until(switchboard(), &config, "Switchboard running");
    sigterm(&child);
    let exit = child.wait().expect("wait");
    log.extend(lines_rx.try_iter());
    while let Ok(line) = lines_rx.recv_timeout(Duration::from_secs(2)) {
        log.push(line);
    }
    assert!(exit.success(), "exit {exit:?}; log:\n{}", log.join("\n"));
    assert!(
        log.iter().any(|l| l.contains("Switchboard stopped")),
        "log:\n{}",
        log.join("\n")
    );
    assert!(data.exists(), "the store was created in data_dir");
}

/// Starts `command` as `switchboard run --config CONFIG` and waits until its log shows `until`; returns the
/// process, the rest of its log lines, and the lines seen so far.
fn run_until(
    mut command: Command,
    config: &Path,
    until: &str,
) -> (
    std::process::Child,
    std::sync::mpsc::Receiver<String>,
    Vec<String>,
) {
    let mut child = command
        .arg("run")
        .arg("--config")
        .arg(config)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn switchboard");
    let stderr = child.stderr.take().expect("stderr");
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut log = Vec::new();
    while !log.iter().any(|l: &String| l.contains(until)) {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines_rx.recv_timeout(left) {
            Ok(line) => log.push(line),
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "switchboard never logged {until:?}; log:\n{}",
                    log.join("\n")
                );
            }
        }
    }
    (child, lines_rx, log)
}

fn sigterm(child: &std::process::Child) {
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .expect("kill");
    assert!(status.success());
}

#[test]
fn run_connects_to_a_real_prosody_as_a_component() {
    use integration_tests::prosody::{Prosody, ProsodyOptions};
    let prosody = Prosody::start(&ProsodyOptions::default()).expect("prosody");
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write(
        dir.path(),
        "xmpp.toml",
        &format!(
            "[gateway]\ndata_dir = {:?}\n[xmpp]\ndomain = \"gw.localhost\"\nserver = \"127.0.0.1:{}\"\nsecret_env = \"SWITCHBOARD_TEST_SECRET\"\n",
            dir.path().join("data").display().to_string(),
            prosody.component_port
        ),
    );
    // The secret comes from the environment, as an operator keeps it out of the file.
    let mut command = switchboard();
    command.env("SWITCHBOARD_TEST_SECRET", "s3cret");
    let (mut child, _lines, log) = run_until(command, &config, "XMPP component connected");
    assert!(
        !log.iter().any(|l| l.contains("s3cret")),
        "the secret is never logged"
    );
    assert!(
        prosody
            .log()
            .contains("External component successfully authenticated")
    );
    sigterm(&child);
    assert!(child.wait().expect("wait").success());
}

#[test]
fn run_refuses_a_config_with_problems() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write(
        dir.path(),
        "typo.toml",
        "[gateway]\ndata_dirr = \"./data\"\n",
    );
    let output = switchboard()
        .arg("run")
        .arg("--config")
        .arg(&config)
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("typo.toml:2:1"), "{stderr}");
    assert!(stderr.contains("data_dirr"), "{stderr}");
}

#[test]
fn sighup_reloads_bridges_and_refuses_a_broken_file() {
    use integration_tests::prosody::{Prosody, ProsodyOptions};
    let prosody = Prosody::start(&ProsodyOptions::default()).expect("prosody");
    let dir = tempfile::tempdir().expect("temp dir");
    let base = format!(
        "[gateway]\ndata_dir = {:?}\n[xmpp]\ndomain = \"gw.localhost\"\nserver = \"127.0.0.1:{}\"\nsecret = \"s3cret\"\n",
        dir.path().join("data").display().to_string(),
        prosody.component_port
    );
    let config = write(dir.path(), "reload.toml", &base);
    let (mut child, lines, _log) = run_until(switchboard(), &config, "XMPP component connected");
    let wait_for = |needle: &str| {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => panic!("never logged {needle:?}"),
            }
        }
    };
    write(
        dir.path(),
        "reload.toml",
        &format!(
            "{base}[[bridge]]\nname = \"rooms\"\nendpoints = [\"xmpp:a@conference.localhost\", \"xmpp:b@conference.localhost\"]\n"
        ),
    );
    let hup = |child: &std::process::Child| {
        let status = Command::new("kill")
            .arg("-HUP")
            .arg(child.id().to_string())
            .status()
            .expect("kill");
        assert!(status.success());
    };
    hup(&child);
    let reloaded = wait_for("Reloaded on SIGHUP");
    assert!(reloaded.contains("1 bridges"), "{reloaded}");
    write(
        dir.path(),
        "reload.toml",
        &format!("{base}[[bridge]]\nname = \"lonely\"\n"),
    );
    hup(&child);
    let refused = wait_for("Reload on SIGHUP refused");
    assert!(
        refused.contains("reload.toml"),
        "the problem names the file: {refused}"
    );
    sigterm(&child);
    assert!(child.wait().expect("wait").success());
}
