//! A scripted IRCv3 server on loopback (ngircd has no message-tags) and a gateway bridging one of its
//! channels to an in-memory room, for scenarios that need IRCv3 features or exact control of the server.
#![allow(dead_code)] // Each test file uses its own subset.

use std::sync::Arc;
use std::time::Duration;

use switchboard_core::adapter::AddressClaim;
use switchboard_core::address::{Address, Scheme};
use switchboard_core::envelope::{Envelope, Payload};
use switchboard_core::message::Message;
use switchboard_core::router::{Bridge, RouterBuilder, RoutingTable, RunningGateway};
use switchboard_core::store::{SharedStore, SledStore};
use switchboard_core::testing::{MemoryAdapter, MemoryHandle};
use switchboard_irc::{IrcAdapter, IrcAdapterConfig, NetworkSettings};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

pub(crate) const WAIT: Duration = Duration::from_secs(20);
pub(crate) const ROOM: &str = "xmpp:room@conference.localhost";
pub(crate) const CHANNEL: &str = "irc://scripted/#chan";

pub(crate) fn addr(text: &str) -> Address {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// A scripted IRCv3 server for one client: registers it with message-tags and msgid, lets it join, and
/// then hands every client line to the test and writes what the test sends.
pub(crate) async fn scripted_server(
    listener: TcpListener,
    heard: mpsc::UnboundedSender<String>,
    mut say: mpsc::UnboundedReceiver<String>,
) {
    let (stream, _) = listener.accept().await.expect("the relay connects");
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut nick = String::from("*");
    loop {
        tokio::select! {
            line = lines.next_line() => {
                let Ok(Some(line)) = line else { return };
                let reply: Vec<String> = if line.starts_with("CAP LS") {
                    vec![":irc.test CAP * LS :message-tags server-time".into()]
                } else if line.starts_with("CAP REQ") {
                    let wanted = line.split_once(':').map_or("", |(_, caps)| caps);
                    vec![format!(":irc.test CAP * ACK :{wanted}")]
                } else if let Some(wanted) = line.strip_prefix("NICK ") {
                    nick = wanted.to_owned();
                    Vec::new()
                } else if line == "CAP END" {
                    vec![
                        format!(":irc.test 001 {nick} :Welcome"),
                        format!(":irc.test 005 {nick} CASEMAPPING=ascii PREFIX=(ov)@+ :are supported"),
                        format!(":irc.test 376 {nick} :End of MOTD"),
                    ]
                } else if let Some(channel) = line.strip_prefix("JOIN ") {
                    vec![
                        format!(":{nick}!relay@gw.test JOIN {channel}"),
                        format!(":irc.test 353 {nick} = {channel} :{nick} carol dave"),
                        format!(":irc.test 366 {nick} {channel} :End of /NAMES list."),
                    ]
                } else {
                    Vec::new()
                };
                for reply in reply {
                    write.write_all(format!("{reply}\r\n").as_bytes()).await.expect("write");
                }
                let _ = heard.send(line);
            }
            Some(line) = say.recv() => {
                write.write_all(format!("{line}\r\n").as_bytes()).await.expect("write");
            }
        }
    }
}

pub(crate) async fn next_matching(
    heard: &mut mpsc::UnboundedReceiver<String>,
    predicate: impl Fn(&str) -> bool,
) -> String {
    loop {
        let line = tokio::time::timeout(WAIT, heard.recv())
            .await
            .expect("a client line in time")
            .expect("the server is running");
        if predicate(&line) {
            return line;
        }
    }
}

pub(crate) fn message_of(envelope: &Envelope) -> Option<&Message> {
    match &envelope.payload {
        Payload::Message(message) => Some(message),
        _ => None,
    }
}

pub(crate) fn body_is(envelope: &Envelope, text: &str) -> bool {
    message_of(envelope).is_some_and(|m| m.cpim.content().text().as_deref() == Some(text))
}

/// A running gateway bridging `ROOM` (an in-memory adapter) and `CHANNEL` on a scripted server.
pub(crate) struct Bridged {
    pub(crate) running: RunningGateway,
    pub(crate) room: MemoryHandle,
    /// Every line the gateway's relay sent.
    pub(crate) heard: mpsc::UnboundedReceiver<String>,
    /// Lines for the server to send.
    pub(crate) say: mpsc::UnboundedSender<String>,
    pub(crate) dir: tempfile::TempDir,
}

/// Starts the scripted server and the gateway (relay mode, settings adjusted by `tune`), and waits until
/// the relay joined the channel.
pub(crate) async fn bridged(tune: impl FnOnce(&mut NetworkSettings)) -> Bridged {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (heard_tx, mut heard) = mpsc::unbounded_channel();
    let (say, say_rx) = mpsc::unbounded_channel();
    tokio::spawn(scripted_server(listener, heard_tx, say_rx));

    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore = Arc::new(SledStore::open(&dir.path().join("store")).unwrap());
    let mut settings = NetworkSettings::new("127.0.0.1", port, false);
    settings.flood_per_second = 0.0;
    settings.relay = true;
    settings.nick = "sbrelay".into();
    tune(&mut settings);
    let mut irc = IrcAdapterConfig::new();
    irc.networks.insert("scripted".into(), settings);
    irc.bridged_channels
        .insert("scripted".into(), vec!["#chan".into()]);
    let (muc, room) = MemoryAdapter::new(
        "muc",
        vec![AddressClaim::Domain {
            scheme: Scheme::Xmpp,
            domain: "conference.localhost".into(),
        }],
    );
    let running = RouterBuilder::new(store)
        .table(RoutingTable {
            bridges: vec![Bridge {
                name: "chan".into(),
                endpoints: vec![addr(ROOM), addr(CHANNEL)],
            }],
            routes: Vec::new(),
        })
        .adapter(muc)
        .adapter(Arc::new(IrcAdapter::new(irc)))
        .start()
        .expect("the gateway starts");
    next_matching(&mut heard, |l| l.starts_with("JOIN #chan")).await;
    Bridged {
        running,
        room,
        heard,
        say,
        dir,
    }
}
