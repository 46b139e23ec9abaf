//! The XMPP adapter bridging an existing MUC room on a real Prosody.

mod support;

use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bridged_muc_shows_each_irc_person_as_their_own_occupant_and_carries_messages_back() {
    use switchboard_core::router::{Bridge, RoutingTable};
    let prosody = Prosody::start(&ProsodyOptions::default()).expect("prosody");
    let mut alice = login(&prosody, "alice@localhost/test", "alice-pass");
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
