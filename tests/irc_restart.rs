//! The `switchboard` binary bridging two MUCs and an IRC channel, killed with SIGKILL mid-conversation and
//! started again: the bridge resumes both ways, and an XEP-0308 correction of a message sent before the
//! crash is applied, in the other MUC, to the right message (the message-id map survived in the store).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use integration_tests::irc_user::IrcUser;
use integration_tests::ngircd::{Ngircd, NgircdOptions};
use integration_tests::prosody::{Prosody, ProsodyOptions};
use integration_tests::xmpp_user::XmppUser;

const WAIT: Duration = Duration::from_secs(20);
const ONE: &str = "one@conference.localhost";
const TWO: &str = "two@conference.localhost";

/// The gateway process, killed (SIGKILL) when dropped, so a failing test leaves nothing running.
struct Gateway(Child);

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(config: &Path) -> Gateway {
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("run")
        .arg("--config")
        .arg(config)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn switchboard");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + WAIT;
    let mut log = Vec::new();
    while !log
        .iter()
        .any(|l: &String| l.contains("XMPP component connected"))
    {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => log.push(line),
            Err(_) => {
                let _ = child.kill();
                panic!("switchboard did not connect; log:\n{}", log.join("\n"));
            }
        }
    }
    // Keep draining so the pipe never fills.
    std::thread::spawn(move || while rx.recv().is_ok() {});
    Gateway(child)
}

fn join(user: &mut XmppUser, room: &str, nick: &str) {
    user.send_raw(&format!(
        "<presence to='{room}/{nick}'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>"
    ))
    .unwrap();
    user.wait_for(WAIT, |r| {
        r.event == "presence" && r.from == format!("{room}/{nick}") && r.xml.contains("110")
    })
    .unwrap_or_else(|e| panic!("{nick} joins {room}: {e}"));
}

/// Waits until the gateway's listener is in both rooms and its relay in the channel.
fn wait_until_bridged(alice: &mut XmppUser, carol: &mut XmppUser, dave: &mut IrcUser) {
    alice
        .wait_for(WAIT, |r| {
            r.event == "presence" && r.from == format!("{ONE}/switchboard")
        })
        .expect("the listener joins room one");
    carol
        .wait_for(WAIT, |r| {
            r.event == "presence" && r.from == format!("{TWO}/switchboard")
        })
        .expect("the listener joins room two");
    dave.wait_for(WAIT, |l| l.command == "JOIN" && l.nick() == Some("sbrelay"))
        .expect("the relay joins the channel");
}

#[test]
fn sigkill_and_restart_resume_the_bridge_and_a_correction_finds_its_original() {
    let prosody = Prosody::start(&ProsodyOptions {
        components: vec![("gw.localhost".into(), "s3cret".into())],
        ..ProsodyOptions::default()
    })
    .expect("prosody");
    let ngircd = Ngircd::start(&NgircdOptions::default()).expect("ngircd");
    let mut dave = IrcUser::connect(ngircd.port, "dave").expect("dave");
    dave.join("#lobby").expect("dave joins");
    let mut alice =
        XmppUser::login(prosody.c2s_port, "alice@localhost", "alice-pass").expect("alice");
    let mut carol =
        XmppUser::login(prosody.c2s_port, "carol@localhost", "carol-pass").expect("carol");
    join(&mut alice, ONE, "alice");
    join(&mut carol, TWO, "carol");

    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("switchboard.toml");
    std::fs::write(
        &config,
        format!(
            r#"[gateway]
data_dir = {data:?}
log = "info"

[xmpp]
domain = "gw.localhost"
server = "127.0.0.1:{component}"
secret = "s3cret"

[irc.networks.local]
server = "127.0.0.1:{irc}"
tls = false
nick = "sbrelay"
flood_per_second = 0

[[bridge]]
name = "lobby"
endpoints = ["xmpp:{ONE}", "xmpp:{TWO}", "irc://local/#lobby"]
"#,
            data = dir.path().join("data").display().to_string(),
            component = prosody.component_port,
            irc = ngircd.port,
        ),
    )
    .unwrap();

    let mut gateway = start(&config);
    wait_until_bridged(&mut alice, &mut carol, &mut dave);
    // alice speaks in room one; the bridge carries it to room two (from her occupant there) and IRC.
    alice
        .send_raw(&format!(
            "<message to='{ONE}' type='groupchat' id='m1'><body>teh original</body></message>"
        ))
        .unwrap();
    let in_two = carol
        .wait_for(WAIT, |r| {
            r.event == "message" && r.body.as_deref() == Some("teh original")
        })
        .expect("room two gets alice's message");
    let original_id = in_two.id.clone();
    dave.wait_for(WAIT, |l| {
        l.command == "PRIVMSG" && l.params.get(1).map(String::as_str) == Some("teh original")
    })
    .expect("IRC gets alice's message");

    // SIGKILL: no shutdown, no flush beyond what the store already made durable.
    gateway.0.kill().expect("SIGKILL");
    gateway.0.wait().expect("reaped");
    drop(gateway);
    alice.clear();
    carol.clear();
    dave.clear();
    let gateway = start(&config);
    wait_until_bridged(&mut alice, &mut carol, &mut dave);

    // The correction of the pre-crash message names, in room two, the id room two saw it with.
    alice
        .send_raw(&format!(
            "<message to='{ONE}' type='groupchat' id='m2'><body>the original</body><replace xmlns='urn:xmpp:message-correct:0' id='m1'/></message>"
        ))
        .unwrap();
    let corrected = carol
        .wait_for(WAIT, |r| {
            r.event == "message" && r.body.as_deref() == Some("the original")
        })
        .expect("room two gets the correction");
    assert!(
        corrected.xml.contains(&format!("id=\"{original_id}\""))
            && corrected.xml.contains("urn:xmpp:message-correct:0"),
        "the correction names the message room two saw ({original_id}): {}",
        corrected.xml
    );
    // IRC cannot edit: the correction arrives marked.
    dave.wait_for(WAIT, |l| {
        l.command == "PRIVMSG" && l.params.get(1).map(String::as_str) == Some("* the original")
    })
    .expect("IRC gets the correction");
    // And the bridge carries IRC -> XMPP after the restart.
    dave.privmsg("#lobby", "welcome back").unwrap();
    for user in [&mut alice, &mut carol] {
        user.wait_for(WAIT, |r| {
            r.event == "message" && r.body.as_deref() == Some("welcome back")
        })
        .expect("IRC -> both rooms after the restart");
    }
    drop(gateway);
}
