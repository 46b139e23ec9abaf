//! IRCv3 replies (the `+draft/reply` client tag) through a bridge, both ways: a line answering one heard on
//! IRC names it by msgid, and a reply heard on IRC reaches the other network as a reply to the right
//! message. ngircd has no message-tags, so the IRC side is a scripted IRCv3 server on loopback.

use std::sync::Arc;
use std::time::Duration;

use switchboard_core::adapter::AddressClaim;
use switchboard_core::address::{Address, Scheme};
use switchboard_core::envelope::{Envelope, Payload};
use switchboard_core::message::{Message, MessageKind};
use switchboard_core::router::{Bridge, RouterBuilder, RoutingTable};
use switchboard_core::store::{SharedStore, SledStore};
use switchboard_core::testing::MemoryAdapter;
use switchboard_irc::{IrcAdapter, IrcAdapterConfig, NetworkSettings};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(20);
const ROOM: &str = "xmpp:room@conference.localhost";
const CHANNEL: &str = "irc://scripted/#chan";

fn addr(text: &str) -> Address {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// A scripted IRCv3 server for one client: registers it with message-tags and msgid, lets it join, and
/// then hands every client line to the test and writes what the test sends.
async fn scripted_server(
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

async fn next_matching(
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

fn message_of(envelope: &Envelope) -> Option<&Message> {
    match &envelope.payload {
        Payload::Message(message) => Some(message),
        _ => None,
    }
}

fn body_is(envelope: &Envelope, text: &str) -> bool {
    message_of(envelope).is_some_and(|m| m.cpim.content().text().as_deref() == Some(text))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_carry_the_ircv3_reply_tag_both_ways() {
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
    let mut irc = IrcAdapterConfig::new();
    irc.networks.insert("scripted".into(), settings);
    irc.bridged_channels
        .insert("scripted".into(), vec!["#chan".into()]);
    let (muc, muc_handle) = MemoryAdapter::new(
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

    // carol asks on IRC; the other side gets her line with an id of its own.
    say.send("@msgid=p1;time=2026-12-07T10:00:00.000Z :carol!c@h PRIVMSG #chan :lunch?".into())
        .unwrap();
    let question = muc_handle
        .wait_for_delivery(WAIT, |e| body_is(e, "lunch?"))
        .await
        .expect("carol's line crosses");
    let question_id = message_of(&question).unwrap().meta.id.clone();

    // alice answers that line from the room: the relay's line names p1 in the reply tag.
    let mut answer = Message::text(
        MessageKind::GroupChat,
        &addr(&format!("{ROOM}/alice")),
        &addr(ROOM),
        "yes, at noon",
    );
    answer.meta.in_reply_to = Some(question_id.clone());
    muc_handle.send_message(answer).await;
    let line = next_matching(&mut heard, |l| l.contains("PRIVMSG #chan")).await;
    assert_eq!(line, "@+draft/reply=p1 PRIVMSG #chan :<alice> yes, at noon");

    // dave answers carol on IRC: the room gets a reply to the message it saw as carol's.
    say.send("@msgid=p2;+draft/reply=p1 :dave!d@h PRIVMSG #chan :me too".into())
        .unwrap();
    let reply = muc_handle
        .wait_for_delivery(WAIT, |e| body_is(e, "me too"))
        .await
        .expect("dave's reply crosses");
    assert_eq!(
        message_of(&reply).unwrap().meta.in_reply_to,
        Some(question_id)
    );

    // A reply to a line the gateway never saw is an ordinary line, not a broken reply.
    say.send("@msgid=p3;+draft/reply=unknown :dave!d@h PRIVMSG #chan :hm".into())
        .unwrap();
    let plain = muc_handle
        .wait_for_delivery(WAIT, |e| body_is(e, "hm"))
        .await
        .expect("the line crosses");
    assert_eq!(message_of(&plain).unwrap().meta.in_reply_to, None);
    running.shutdown().await;
}
