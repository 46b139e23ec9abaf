//! The XMPP adapter against a real Prosody on loopback, with real XMPP users (slixmpp).

use std::sync::Arc;
use std::time::Duration;

use integration_tests::prosody::{Prosody, ProsodyOptions};
use integration_tests::xmpp_user::XmppUser;
use switchboard_core::adapter::AddressClaim;
use switchboard_core::address::{Address, Scheme};
use switchboard_core::envelope::Payload;
use switchboard_core::message::{Message, MessageKind};
use switchboard_core::router::{RouterBuilder, RunningGateway};
use switchboard_core::store::{Secret, SharedStore, SledStore};
use switchboard_core::testing::{MemoryAdapter, MemoryHandle};
use switchboard_xmpp::transport::{LegacyNetwork, TransportDomains};
use switchboard_xmpp::{XmppAdapter, XmppAdapterConfig, check_connection};

const WAIT: Duration = Duration::from_secs(20);
const SECRET: &str = "s3cret";

fn addr(text: &str) -> Address {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn adapter_config(prosody: &Prosody, secret: &str) -> XmppAdapterConfig {
    let mut domains = TransportDomains::default();
    domains.add("gw.localhost", LegacyNetwork::Irc);
    let mut config = XmppAdapterConfig::new(
        &format!("127.0.0.1:{}", prosody.component_port),
        Secret::new(secret),
        domains,
    );
    config.reconnect.initial = Duration::from_millis(100);
    config.reconnect.max = Duration::from_secs(1);
    config
}

struct Gateway {
    running: RunningGateway,
    irc: MemoryHandle,
    _dir: tempfile::TempDir,
}

async fn start_gateway(prosody: &Prosody) -> Gateway {
    let dir = tempfile::tempdir().expect("temp dir");
    let store: SharedStore = Arc::new(SledStore::open(&dir.path().join("store")).expect("store"));
    let (irc, irc_handle) = MemoryAdapter::new(
        "irc:libera",
        vec![AddressClaim::Domain {
            scheme: Scheme::Irc,
            domain: "libera".into(),
        }],
    );
    let running = RouterBuilder::new(store)
        .adapter(Arc::new(XmppAdapter::new(adapter_config(prosody, SECRET))))
        .adapter(irc)
        .start()
        .expect("start gateway");
    wait_for_component(prosody, 1).await;
    Gateway {
        running,
        irc: irc_handle,
        _dir: dir,
    }
}

/// Prosody logs each component that authenticates; waits until it has done so `times` times in all.
async fn wait_for_component(prosody: &Prosody, times: usize) {
    for _ in 0..400 {
        if prosody
            .log()
            .matches("External component successfully authenticated")
            .count()
            >= times
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the component never authenticated; prosody log:\n{}",
        prosody.log()
    );
}

fn body_of(message: &Message) -> String {
    message
        .body_text()
        .map(|b| b.into_owned())
        .unwrap_or_default()
}

async fn irc_got(irc: &MemoryHandle, text: &str) -> (Message, Option<Address>) {
    let envelope = irc
        .wait_for_delivery(
            WAIT,
            |e| matches!(&e.payload, Payload::Message(m) if body_of(m) == text),
        )
        .await
        .unwrap_or_else(|| panic!("{text:?} never reached the IRC side"));
    let Payload::Message(message) = envelope.payload else {
        unreachable!()
    };
    (*message, envelope.recipient)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_handshake_succeeds_with_the_right_secret_and_fails_clearly_with_a_wrong_one() {
    let prosody = Prosody::start(&ProsodyOptions::default()).expect("prosody");
    check_connection(&adapter_config(&prosody, SECRET))
        .await
        .expect("right secret accepted");
    let error = check_connection(&adapter_config(&prosody, "wrong"))
        .await
        .expect_err("wrong secret refused");
    let text = error.to_string();
    assert!(
        text.contains("refused the component gw.localhost"),
        "{text}"
    );
    assert!(text.contains("not-authorized"), "{text}");
    assert!(
        text.contains("secret"),
        "the operator is told what to check: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_cross_both_ways_with_the_right_addresses_and_bytes() {
    let prosody = Prosody::start(&ProsodyOptions::default()).expect("prosody");
    let gateway = start_gateway(&prosody).await;
    let mut alice = tokio::task::block_in_place(|| {
        XmppUser::login(prosody.c2s_port, "alice@localhost/test", "alice-pass")
    })
    .expect("alice logs in");

    // XMPP -> legacy: the transport address names the IRC nick and network.
    let text = "héllo 🎉 你好 Привет <b>&amp;</b>";
    tokio::task::block_in_place(|| alice.send("bob%libera@gw.localhost", text, "m1"))
        .expect("send");
    let (message, recipient) = irc_got(&gateway.irc, text).await;
    assert_eq!(recipient, Some(addr("irc://libera/bob,isnick")));
    assert_eq!(
        message.sender().expect("sender"),
        addr("xmpp:alice@localhost/test")
    );
    assert_eq!(message.meta.kind, MessageKind::Chat);

    // Legacy -> XMPP: arrives from the transport JID, inside the component's domain.
    gateway
        .irc
        .send_text(
            &addr("irc://libera/bob,isnick"),
            &addr("xmpp:alice@localhost"),
            "reply ✓ Ωμέγα",
        )
        .await;
    let received = tokio::task::block_in_place(|| {
        alice.wait_for(WAIT, |r| {
            r.event == "message" && r.body.as_deref() == Some("reply ✓ Ωμέγα")
        })
    })
    .expect("alice gets the reply");
    assert!(
        received.from.starts_with("bob%libera@gw.localhost"),
        "from {}",
        received.from
    );
    drop(alice);
    gateway.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undeliverable_message_comes_back_as_an_xmpp_error() {
    let prosody = Prosody::start(&ProsodyOptions::default()).expect("prosody");
    let gateway = start_gateway(&prosody).await;
    let mut alice = tokio::task::block_in_place(|| {
        XmppUser::login(prosody.c2s_port, "alice@localhost/test", "alice-pass")
    })
    .expect("alice logs in");
    tokio::task::block_in_place(|| alice.send("ghost%nowhere@gw.localhost", "anyone?", "lost-1"))
        .expect("send");
    let error = tokio::task::block_in_place(|| {
        alice.wait_for(WAIT, |r| {
            r.event == "message" && r.kind == "error" && r.id == "lost-1"
        })
    })
    .expect("an error stanza comes back");
    assert!(error.xml.contains("item-not-found"), "{}", error.xml);
    assert!(
        error.from.starts_with("ghost%nowhere@gw.localhost"),
        "{}",
        error.from
    );
    drop(alice);
    gateway.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disco_shows_a_gateway() {
    let prosody = Prosody::start(&ProsodyOptions::default()).expect("prosody");
    let gateway = start_gateway(&prosody).await;
    let mut alice = tokio::task::block_in_place(|| {
        XmppUser::login(prosody.c2s_port, "alice@localhost/test", "alice-pass")
    })
    .expect("alice logs in");
    tokio::task::block_in_place(|| {
        alice.send_raw(
            "<iq type='get' id='disco-1' to='gw.localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>",
        )
    })
    .expect("send");
    let answer = tokio::task::block_in_place(|| {
        alice.wait_for(WAIT, |r| r.event == "iq" && r.id == "disco-1")
    })
    .expect("disco answer");
    assert_eq!(answer.kind, "result", "{}", answer.xml);
    assert!(
        answer.xml.contains("category=\"gateway\""),
        "{}",
        answer.xml
    );
    assert!(answer.xml.contains("urn:xmpp:ping"), "{}", answer.xml);
    drop(alice);
    gateway.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_sent_while_prosody_restarts_are_delivered_after_it_is_back() {
    let mut prosody = Prosody::start(&ProsodyOptions::default()).expect("prosody");
    let gateway = start_gateway(&prosody).await;
    prosody.stop();
    for n in 0..5 {
        gateway
            .irc
            .send_text(
                &addr("irc://libera/bob,isnick"),
                &addr("xmpp:alice@localhost"),
                &format!("while down {n}"),
            )
            .await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    prosody.restart().expect("prosody back");
    wait_for_component(&prosody, 2).await;
    // Give the gateway a moment to flush its queue into the new stream before alice looks.
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Alice was offline the whole time: Prosody's offline storage holds what the gateway delivered.
    let mut alice = tokio::task::block_in_place(|| {
        XmppUser::login(prosody.c2s_port, "alice@localhost/back", "alice-pass")
    })
    .expect("alice logs in");
    for n in 0..5 {
        let text = format!("while down {n}");
        tokio::task::block_in_place(|| {
            alice.wait_for(WAIT, |r| {
                r.event == "message" && r.body.as_deref() == Some(text.as_str())
            })
        })
        .unwrap_or_else(|e| panic!("{text:?} lost: {e}\nprosody log:\n{}", prosody.log()));
    }
    drop(alice);
    gateway.running.shutdown().await;
}

/// The conformance suite's view of the XMPP adapter: the peer is alice, a real user on Prosody.
struct ProsodyHarness {
    prosody: Prosody,
    alice: Option<XmppUser>,
    domains: TransportDomains,
    store: SharedStore,
    _dir: tempfile::TempDir,
}

#[async_trait::async_trait]
impl switchboard_core::testing::ConformanceHarness for ProsodyHarness {
    fn adapter(&self) -> Arc<dyn switchboard_core::adapter::Adapter> {
        Arc::new(XmppAdapter::new(adapter_config(&self.prosody, SECRET)))
    }

    fn store(&self) -> SharedStore {
        Arc::clone(&self.store)
    }

    fn reachable(&self) -> Address {
        addr("xmpp:alice@localhost")
    }

    fn unreachable(&self) -> Option<Address> {
        // Prosody keeps messages for offline users and answers unknown users later, after the stanza was
        // confirmed; XMPP gives no synchronous refusal to check here.
        None
    }

    async fn peer_sends(&mut self, to: &Address, text: &str) -> Result<(), String> {
        wait_for_component(&self.prosody, 1).await;
        let jid = self
            .domains
            .to_jid(to)
            .ok_or_else(|| format!("no JID for {to}"))?;
        let bare = jid.jid().to_string();
        let alice = self.alice.as_mut().ok_or("alice is not logged in")?;
        tokio::task::block_in_place(|| alice.send(&bare, text, "conformance-in"))
            .map_err(|e| e.to_string())
    }

    async fn peer_received(&mut self, text: &str, timeout: Duration) -> bool {
        let Some(alice) = self.alice.as_mut() else {
            return false;
        };
        tokio::task::block_in_place(|| {
            alice
                .wait_for(timeout, |r| {
                    r.event == "message" && r.body.as_deref() == Some(text)
                })
                .is_ok()
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_xmpp_adapter_passes_the_conformance_suite() {
    let prosody = Prosody::start(&ProsodyOptions::default()).expect("prosody");
    let alice = tokio::task::block_in_place(|| {
        XmppUser::login(
            prosody.c2s_port,
            "alice@localhost/conformance",
            "alice-pass",
        )
    })
    .expect("alice logs in");
    let dir = tempfile::tempdir().expect("temp dir");
    let store: SharedStore = Arc::new(SledStore::open(&dir.path().join("store")).expect("store"));
    let mut domains = TransportDomains::default();
    domains.add("gw.localhost", LegacyNetwork::Irc);
    switchboard_core::testing::run_conformance(ProsodyHarness {
        prosody,
        alice: Some(alice),
        domains,
        store,
        _dir: dir,
    })
    .await
    .expect("the XMPP adapter conforms");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_names_the_original_by_its_canonical_id_and_equal_ids_of_two_users_both_pass()
{
    let prosody = Prosody::start(&ProsodyOptions::default()).expect("prosody");
    let gateway = start_gateway(&prosody).await;
    let mut alice = tokio::task::block_in_place(|| {
        XmppUser::login(prosody.c2s_port, "alice@localhost/test", "alice-pass")
    })
    .expect("alice logs in");
    let mut bob = tokio::task::block_in_place(|| {
        XmppUser::login(prosody.c2s_port, "bob@localhost/test", "bob-pass")
    })
    .expect("bob logs in");

    tokio::task::block_in_place(|| alice.send("carol%libera@gw.localhost", "helo", "same-id"))
        .expect("send");
    let (original, _) = irc_got(&gateway.irc, "helo").await;
    // Stanza ids are unique per sender only: bob's "same-id" is another message, not a duplicate.
    tokio::task::block_in_place(|| bob.send("carol%libera@gw.localhost", "bob's own", "same-id"))
        .expect("send");
    irc_got(&gateway.irc, "bob's own").await;

    tokio::task::block_in_place(|| {
        alice.send_raw(
            "<message type='chat' to='carol%libera@gw.localhost' id='fix-1'><body>hello</body>\
             <replace id='same-id' xmlns='urn:xmpp:message-correct:0'/></message>",
        )
    })
    .expect("send correction");
    let (correction, _) = irc_got(&gateway.irc, "hello").await;
    assert_eq!(
        correction.meta.correction_of,
        Some(original.meta.id.clone())
    );
    drop((alice, bob));
    gateway.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribing_to_the_gateway_and_to_a_contact_is_approved() {
    let prosody = Prosody::start(&ProsodyOptions::default()).expect("prosody");
    let gateway = start_gateway(&prosody).await;
    let mut alice = tokio::task::block_in_place(|| {
        XmppUser::login(prosody.c2s_port, "alice@localhost/test", "alice-pass")
    })
    .expect("alice logs in");
    for contact in ["gw.localhost", "bob%libera@gw.localhost"] {
        tokio::task::block_in_place(|| {
            alice.send_raw(&format!("<presence type='subscribe' to='{contact}'/>"))
        })
        .expect("subscribe");
        let answer = tokio::task::block_in_place(|| {
            alice.wait_for(WAIT, |r| {
                r.event == "presence" && r.kind == "subscribed" && r.from == contact
            })
        })
        .unwrap_or_else(|e| panic!("no subscribed from {contact}: {e}"));
        assert_eq!(answer.from, contact);
    }
    drop(alice);
    gateway.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bridged_muc_shows_each_irc_person_as_their_own_occupant_and_carries_messages_back() {
    use switchboard_core::router::{Bridge, RoutingTable};
    let prosody = Prosody::start(&ProsodyOptions::default()).expect("prosody");
    let mut alice = tokio::task::block_in_place(|| {
        XmppUser::login(prosody.c2s_port, "alice@localhost/test", "alice-pass")
    })
    .expect("alice logs in");
    let room = "dev@conference.localhost";
    tokio::task::block_in_place(|| {
        alice.send_raw(&format!(
            "<presence to='{room}/alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>"
        ))
    })
    .expect("join");
    tokio::task::block_in_place(|| {
        alice.wait_for(WAIT, |r| {
            r.event == "presence" && r.from == format!("{room}/alice")
        })
    })
    .expect("alice is in the room");

    let dir = tempfile::tempdir().expect("temp dir");
    let store: SharedStore = Arc::new(SledStore::open(&dir.path().join("store")).expect("store"));
    let (irc, irc_handle) = MemoryAdapter::new(
        "irc:libera",
        vec![AddressClaim::Domain {
            scheme: Scheme::Irc,
            domain: "libera".into(),
        }],
    );
    let mut config = adapter_config(&prosody, SECRET);
    config.rooms =
        vec![switchboard_core::address::XmppAddress::from_jid_str(room).expect("room jid")];
    let table = RoutingTable {
        bridges: vec![Bridge {
            name: "dev".into(),
            endpoints: vec![addr(&format!("xmpp:{room}")), addr("irc://libera/%23dev")],
        }],
        routes: vec![],
    };
    let gateway = RouterBuilder::new(store)
        .table(table)
        .adapter(Arc::new(XmppAdapter::new(config)))
        .adapter(irc)
        .start()
        .expect("start gateway");
    tokio::task::block_in_place(|| {
        alice.wait_for(WAIT, |r| {
            r.event == "presence" && r.from == format!("{room}/switchboard")
        })
    })
    .expect("the gateway's listener joined");

    // IRC -> MUC: carol appears as her own occupant, once, however often she speaks.
    for text in ["hi from irc", "and again"] {
        let mut message = Message::text(
            MessageKind::GroupChat,
            &addr("irc://libera/carol,isnick"),
            &addr("irc://libera/%23dev"),
            text,
        );
        message.meta.source_id = Some(format!("irc-{text}"));
        irc_handle.send_message(message).await;
        let seen = tokio::task::block_in_place(|| {
            alice.wait_for(WAIT, |r| {
                r.event == "message" && r.body.as_deref() == Some(text)
            })
        })
        .expect("carol's message reached the room");
        assert_eq!(seen.from, format!("{room}/carol"));
        assert_eq!(seen.kind, "groupchat");
    }

    // MUC -> IRC: alice's message reaches the channel, from her occupant JID.
    tokio::task::block_in_place(|| {
        alice.send_raw(&format!(
            "<message type='groupchat' to='{room}' id='g1'><body>hi from xmpp ✓</body></message>"
        ))
    })
    .expect("send");
    let (message, recipient) = irc_got(&irc_handle, "hi from xmpp ✓").await;
    assert_eq!(recipient, Some(addr("irc://libera/%23dev")));
    assert_eq!(
        message.sender().expect("sender"),
        addr(&format!("xmpp:{room}/alice"))
    );

    // The room reflects carol's lines to the listener too; they must not come back to IRC.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let echoes = irc_handle
        .delivered()
        .iter()
        .filter(|e| matches!(&e.payload, Payload::Message(m) if body_of(m) == "hi from irc"))
        .count();
    assert_eq!(echoes, 0, "no echo of the bridge's own messages");
    let carol_joins = tokio::task::block_in_place(|| {
        alice
            .seen(Duration::from_millis(200))
            .iter()
            .filter(|r| r.event == "presence" && r.from == format!("{room}/carol"))
            .count()
    });
    assert_eq!(carol_joins, 1, "carol joined once");

    // IRC room events: dave joins, changes nick, leaves with a reason.
    use switchboard_core::envelope::{Envelope, EnvelopeId};
    use switchboard_core::room::{Affiliation, Role, RoomChange, RoomEvent};
    let irc_event = |nick: &str, change: RoomChange| RoomEvent {
        room: addr("irc://libera/%23dev"),
        nick: nick.to_owned(),
        real_address: None,
        change,
    };
    let events = [
        irc_event(
            "dave",
            RoomChange::Joined {
                role: Role::Participant,
                affiliation: Affiliation::None,
            },
        ),
        irc_event(
            "dave",
            RoomChange::NickChanged {
                new_nick: "david".into(),
            },
        ),
        irc_event(
            "david",
            RoomChange::Left {
                reason: Some("bye now".into()),
            },
        ),
    ];
    for (n, event) in events.into_iter().enumerate() {
        irc_handle
            .inject(Envelope::new(
                EnvelopeId(1000 + n as u64),
                Payload::Room(Box::new(event)),
            ))
            .await;
    }
    tokio::task::block_in_place(|| {
        alice.wait_for(WAIT, |r| {
            r.event == "presence" && r.from == format!("{room}/dave") && r.kind != "unavailable"
        })
    })
    .expect("dave joined");
    tokio::task::block_in_place(|| {
        alice.wait_for(WAIT, |r| {
            r.event == "presence" && r.from == format!("{room}/dave") && r.xml.contains("303")
        })
    })
    .expect("dave's nick change shows as status 303");
    let left = tokio::task::block_in_place(|| {
        alice.wait_for(WAIT, |r| {
            r.event == "presence" && r.from == format!("{room}/david") && r.kind == "unavailable"
        })
    })
    .expect("david left");
    assert!(left.xml.contains("bye now"), "{}", left.xml);
    drop(alice);
    gateway.shutdown().await;
}
