//! Bridged rooms without a server: puppets keyed by origin, nick conflicts on join.

use super::*;

const ROOM: &str = "lobby@conference.localhost";

fn address(text: &str) -> Address {
    text.parse().expect("address")
}

fn room() -> XmppAddress {
    XmppAddress::from_jid_str(ROOM).expect("room")
}

fn line(from: &str) -> Element {
    Element::new("message", NS_COMPONENT).with_attr("from", from)
}

/// (stanza name, from, to) of each stanza.
fn shape(stanzas: &[Element]) -> Vec<(String, String, String)> {
    stanzas
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                s.attr("from").unwrap_or_default().to_owned(),
                s.attr("to").unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn one_nick_from_two_networks_gets_two_puppets() {
    let mut rooms = Rooms::new("gw.localhost", "switchboard", &[room()]);
    let libera = address("irc://libera/alice,isnick");
    let oftc = address("irc://oftc/alice,isnick");
    let first = rooms.speak(&room(), &libera, line("alice%libera@gw.localhost"));
    let second = rooms.speak(&room(), &oftc, line("alice%oftc@gw.localhost"));
    let presence = |from: &str, nick: &str| {
        (
            "presence".to_owned(),
            format!("{from}/bridge"),
            format!("{ROOM}/{nick}"),
        )
    };
    let said = |from: &str| {
        (
            "message".to_owned(),
            format!("{from}/bridge"),
            ROOM.to_owned(),
        )
    };
    assert_eq!(
        shape(&first),
        [
            presence("alice%libera@gw.localhost", "alice"),
            said("alice%libera@gw.localhost")
        ]
    );
    assert_eq!(
        shape(&second),
        [
            presence("alice%oftc@gw.localhost", "alice_"),
            said("alice%oftc@gw.localhost")
        ],
        "the second alice is another occupant, not the first one's"
    );
    // Each keeps their own occupant afterwards.
    let again = rooms.speak(&room(), &libera, line("alice%libera@gw.localhost"));
    assert_eq!(shape(&again), [said("alice%libera@gw.localhost")]);

    // oftc's alice leaving takes her puppet out, not libera's.
    let left = RoomEvent {
        room: address("irc://oftc/#lobby"),
        nick: "alice".into(),
        real_address: None,
        change: RoomChange::Left { reason: None },
    };
    let out = rooms.event_stanzas(&room(), &left, "alice%oftc@gw.localhost");
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].attr("from"), Some("alice%oftc@gw.localhost/bridge"));
    assert_eq!(out[0].attr("to"), Some(&*format!("{ROOM}/alice_")));
    assert_eq!(out[0].attr("type"), Some("unavailable"));
    let still = rooms.speak(&room(), &libera, line("alice%libera@gw.localhost"));
    assert_eq!(shape(&still), [said("alice%libera@gw.localhost")]);
}

fn join_error(nick: &str, to: &str, condition: &str) -> Element {
    Element::new("presence", NS_COMPONENT)
        .with_attr("from", format!("{ROOM}/{nick}"))
        .with_attr("to", to)
        .with_attr("type", "error")
        .with_child(
            Element::new("error", NS_COMPONENT)
                .with_attr("type", "cancel")
                .with_child(Element::new(condition, NS_STANZAS)),
        )
}

#[test]
fn a_puppet_whose_nick_is_taken_joins_again_under_the_next_one_a_few_times_at_most() {
    let mut rooms = Rooms::new("gw.localhost", "switchboard", &[room()]);
    let alice = address("irc://libera/alice,isnick");
    let puppet = "alice%libera@gw.localhost/bridge";
    rooms.speak(&room(), &alice, line("alice%libera@gw.localhost"));
    let mut nick = "alice".to_owned();
    for _ in 0..MAX_NICK_SUFFIX {
        let Some(RoomInbound::Send(rejoin)) =
            rooms.classify(&join_error(&nick, puppet, "conflict"))
        else {
            panic!("a conflict makes the puppet join again")
        };
        nick.push('_');
        assert_eq!(
            shape(&rejoin),
            [(
                "presence".to_owned(),
                puppet.to_owned(),
                format!("{ROOM}/{nick}")
            )]
        );
    }
    // Past the limit it stops trying.
    assert!(matches!(
        rooms.classify(&join_error(&nick, puppet, "conflict")),
        Some(RoomInbound::Ignore)
    ));
    // Another error, or an error for someone else's join, makes no new join.
    let mut fresh = Rooms::new("gw.localhost", "switchboard", &[room()]);
    fresh.speak(&room(), &alice, line("alice%libera@gw.localhost"));
    assert!(matches!(
        fresh.classify(&join_error("alice", puppet, "forbidden")),
        Some(RoomInbound::Ignore)
    ));
    assert!(matches!(
        fresh.classify(&join_error("alice", "stranger@localhost/x", "conflict")),
        Some(RoomInbound::Ignore)
    ));
}
