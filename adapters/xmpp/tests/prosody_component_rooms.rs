//! Rooms presented at the component (transport mode, Biboumi's `#channel%network@gw/nick`), with a real
//! XMPP user on a real Prosody and the IRC side played by a memory adapter.

mod support;

use support::*;
use switchboard_core::cpim::{CpimMessage, MimePart, NameAddr};
use switchboard_core::envelope::{Envelope, EnvelopeId};
use switchboard_core::message::{MessageMeta, uri_of};
use switchboard_core::room::{Affiliation, Role, RoomChange, RoomEvent};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_joins_a_channel_as_a_component_room_and_talks_in_it() {
    let prosody = Prosody::start(&ProsodyOptions::default()).expect("prosody");
    let gateway = start_gateway(&prosody).await;
    let mut alice = login(&prosody, "alice@localhost/test", "alice-pass");
    let room = "#dev%libera@gw.localhost";

    // The join reaches the IRC side as a room event for the channel, naming alice.
    tokio::task::block_in_place(|| {
        alice.send_raw(&format!(
            "<presence to='{room}/alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>"
        ))
    })
    .expect("join");
    let join = gateway
        .irc
        .wait_for_delivery(WAIT, |e| matches!(&e.payload, Payload::Room(_)))
        .await
        .expect("the join reached the IRC side");
    assert_eq!(join.recipient, Some(addr("irc://libera/%23dev")));
    let Payload::Room(event) = join.payload else {
        unreachable!()
    };
    assert_eq!(event.nick, "alice");
    assert_eq!(event.real_address, Some(addr("xmpp:alice@localhost/test")));

    // The IRC side answers with the occupants and alice's own join: MUC presences, the self one with 110.
    let alice_jid = addr("xmpp:alice@localhost/test");
    for (n, (nick, real)) in [("carol", None), ("alice", Some(alice_jid.clone()))]
        .into_iter()
        .enumerate()
    {
        let event = RoomEvent {
            room: addr("irc://libera/%23dev"),
            nick: nick.into(),
            real_address: real,
            change: RoomChange::Joined {
                role: Role::Participant,
                affiliation: Affiliation::None,
            },
        };
        let mut envelope =
            Envelope::new(EnvelopeId(500 + n as u64), Payload::Room(Box::new(event)));
        envelope.recipient = Some(alice_jid.clone());
        gateway.irc.inject(envelope).await;
    }
    tokio::task::block_in_place(|| {
        alice.wait_for(WAIT, |r| {
            r.event == "presence" && r.from == format!("{room}/carol")
        })
    })
    .expect("carol is listed");
    let own = tokio::task::block_in_place(|| {
        alice.wait_for(WAIT, |r| {
            r.event == "presence" && r.from == format!("{room}/alice")
        })
    })
    .expect("alice's self-presence");
    assert!(
        own.xml.contains("110"),
        "self-presence carries status 110: {}",
        own.xml
    );

    // A channel line from carol shows as a groupchat message from her occupant JID.
    // The CPIM From names the channel; its display name is the speaker.
    let line = Message {
        cpim: CpimMessage::new(
            NameAddr::with_name("carol", uri_of(&addr("irc://libera/%23dev"))),
            NameAddr::new(uri_of(&alice_jid)),
            MimePart::text_plain("hello alice"),
        ),
        meta: MessageMeta::new(MessageKind::GroupChat),
    };
    gateway.irc.send_message(line).await;
    let seen = tokio::task::block_in_place(|| {
        alice.wait_for(WAIT, |r| {
            r.event == "message" && r.body.as_deref() == Some("hello alice")
        })
    })
    .expect("carol's line");
    assert_eq!(seen.from, format!("{room}/carol"));
    assert_eq!(seen.kind, "groupchat");

    // alice speaks in the room: it goes to the channel.
    tokio::task::block_in_place(|| {
        alice.send_raw(&format!(
            "<message type='groupchat' to='{room}' id='c1'><body>hi channel</body></message>"
        ))
    })
    .expect("send");
    let (message, recipient) = irc_got(&gateway.irc, "hi channel").await;
    assert_eq!(recipient, Some(addr("irc://libera/%23dev")));
    assert_eq!(message.meta.kind, MessageKind::GroupChat);

    // A nick change is a presence to the new nick (XEP-0045 §7.6); the IRC side gets it as a join under it.
    tokio::task::block_in_place(|| alice.send_raw(&format!("<presence to='{room}/ally'/>")))
        .expect("rename");
    gateway
        .irc
        .wait_for_delivery(
            WAIT,
            |e| matches!(&e.payload, Payload::Room(r) if r.nick == "ally"),
        )
        .await
        .expect("the nick change reached the IRC side");

    // A kick on IRC shows as an unavailable presence with status 307 and the reason.
    let kick = RoomEvent {
        room: addr("irc://libera/%23dev"),
        nick: "carol".into(),
        real_address: None,
        change: RoomChange::Kicked {
            by: Some("op".into()),
            reason: Some("flooding".into()),
        },
    };
    let mut envelope = Envelope::new(EnvelopeId(600), Payload::Room(Box::new(kick)));
    envelope.recipient = Some(alice_jid.clone());
    gateway.irc.inject(envelope).await;
    let kicked = tokio::task::block_in_place(|| {
        alice.wait_for(WAIT, |r| {
            r.event == "presence" && r.from == format!("{room}/carol") && r.kind == "unavailable"
        })
    })
    .expect("carol's kick");
    assert!(kicked.xml.contains("307"), "{}", kicked.xml);
    assert!(kicked.xml.contains("flooding"), "{}", kicked.xml);
    drop(alice);
    gateway.running.shutdown().await;
}
