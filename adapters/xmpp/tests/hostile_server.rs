//! The adapter against a scripted, hostile component server: what the peer sends must never crash the
//! gateway, and a stream that breaks the rules is closed with the right stream error, then re-established.

use std::sync::Arc;
use std::time::Duration;

use switchboard_core::router::RouterBuilder;
use switchboard_core::store::{Secret, SharedStore, SledStore};
use switchboard_xmpp::transport::{LegacyNetwork, TransportDomains};
use switchboard_xmpp::{XmppAdapter, XmppAdapterConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Reads from `socket` until `needle` has been seen, up to five seconds; returns all that was read.
async fn read_until(socket: &mut TcpStream, needle: &str) -> String {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !String::from_utf8_lossy(&seen).contains(needle) {
        let read = tokio::time::timeout_at(deadline, socket.read(&mut buffer))
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "never saw {needle:?}; got {:?}",
                    String::from_utf8_lossy(&seen)
                )
            })
            .expect("read");
        if read == 0 {
            break;
        }
        seen.extend_from_slice(&buffer[..read]);
    }
    String::from_utf8_lossy(&seen).into_owned()
}

/// Accepts the component as a server would (any handshake is fine), then sends `attack`.
async fn accept_and_attack(listener: &TcpListener, attack: &[u8]) -> String {
    let (mut socket, _) = listener.accept().await.expect("accept");
    read_until(&mut socket, "<stream:stream").await;
    socket
        .write_all(
            b"<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' \
              xmlns:stream='http://etherx.jabber.org/streams' id='hostile-1' from='gw.localhost'>",
        )
        .await
        .expect("write header");
    read_until(&mut socket, "</handshake>").await;
    socket.write_all(b"<handshake/>").await.expect("write");
    socket.write_all(attack).await.expect("write attack");
    read_until(&mut socket, "</stream:stream>").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_xml_from_the_server_gets_the_right_stream_error_and_a_reconnect() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let dir = tempfile::tempdir().expect("temp dir");
    let store: SharedStore = Arc::new(SledStore::open(&dir.path().join("store")).expect("store"));
    let mut domains = TransportDomains::default();
    domains.add("gw.localhost", LegacyNetwork::Irc);
    let mut config =
        XmppAdapterConfig::new(&format!("127.0.0.1:{port}"), Secret::new("x"), domains);
    config.reconnect.initial = Duration::from_millis(50);
    let gateway = RouterBuilder::new(store)
        .adapter(Arc::new(XmppAdapter::new(config)))
        .start()
        .expect("start");

    let cases: [(&[u8], &str); 4] = [
        (b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]>", "restricted-xml"),
        (b"<message><!-- hidden --></message>", "restricted-xml"),
        (b"<message to='a@b'>\x00</message>", "not-well-formed"),
        (
            b"<message to='a@b'><body>\xff\xfe</body></message>",
            "not-well-formed",
        ),
    ];
    for (attack, condition) in cases {
        let answer = tokio::time::timeout(
            Duration::from_secs(10),
            accept_and_attack(&listener, attack),
        )
        .await
        .expect("the adapter reconnects and answers");
        assert!(
            answer.contains(condition),
            "attack {:?} answered with {answer}",
            String::from_utf8_lossy(attack)
        );
    }
    gateway.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_the_server_is_unreachable_messages_wait_up_to_the_limit_and_the_rest_are_refused() {
    use switchboard_core::adapter::AddressClaim;
    use switchboard_core::address::{Address, Scheme};
    use switchboard_core::envelope::{DeliveryOutcome, ErrorKind};
    use switchboard_core::testing::MemoryAdapter;

    // A port nobody listens on: the adapter keeps trying to connect.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let dir = tempfile::tempdir().expect("temp dir");
    let store: SharedStore = Arc::new(SledStore::open(&dir.path().join("store")).expect("store"));
    let mut domains = TransportDomains::default();
    domains.add("gw.localhost", LegacyNetwork::Irc);
    let mut config =
        XmppAdapterConfig::new(&format!("127.0.0.1:{port}"), Secret::new("x"), domains);
    config.max_queued = 2;
    let (irc, irc_handle) = MemoryAdapter::new(
        "irc:libera",
        vec![AddressClaim::Domain {
            scheme: Scheme::Irc,
            domain: "libera".into(),
        }],
    );
    let gateway = RouterBuilder::new(store)
        .adapter(Arc::new(XmppAdapter::new(config)))
        .adapter(irc)
        .start()
        .expect("start");
    let from: Address = "irc://libera/bob,isnick".parse().expect("address");
    let to: Address = "xmpp:alice@localhost".parse().expect("address");
    let mut ids = Vec::new();
    for n in 0..4 {
        ids.push(
            irc_handle
                .send_text(&from, &to, &format!("queued {n}"))
                .await,
        );
    }
    for id in &ids[2..] {
        let status = irc_handle
            .wait_for_status(Duration::from_secs(5), *id, |o| {
                matches!(o, DeliveryOutcome::Failed(_))
            })
            .await
            .expect("refused past the limit");
        let DeliveryOutcome::Failed(error) = status.outcome else {
            unreachable!()
        };
        assert_eq!(error.kind, ErrorKind::ResourceConstraint);
        assert_eq!(
            error.text,
            "2 messages already wait for the XMPP server; try again later"
        );
    }
    for id in &ids[..2] {
        assert!(
            !irc_handle
                .statuses()
                .iter()
                .any(|s| s.about == *id && matches!(s.outcome, DeliveryOutcome::Failed(_))),
            "the first two wait, they are not refused"
        );
    }
    gateway.shutdown().await;
}
