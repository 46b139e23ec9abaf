//! Static bridges against a real Prosody and real ngircd servers: a MUC and an IRC channel joined by a
//! `[[bridge]]`, each IRC person an occupant of the MUC and each MUC occupant a nick on IRC; a relay beyond
//! the puppet cap; a bridge of two IRC networks and a MUC; no echo loops.

mod irc_support;

use irc_support::*;

const MUC: &str = "lobby@conference.localhost";

/// Joins `user` to the MUC as `nick` and waits for their own presence.
fn join_muc(user: &mut XmppUser, nick: &str) {
    tokio::task::block_in_place(|| {
        user.send_raw(&format!(
            "<presence to='{MUC}/{nick}'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>"
        ))
    })
    .expect("join sent");
    xmpp_wait(user, &format!("{nick} is in the MUC"), |r| {
        r.event == "presence" && r.from == format!("{MUC}/{nick}") && r.xml.contains("110")
    });
}

fn irc_wait(
    user: &mut IrcUser,
    what: &str,
    predicate: impl Fn(&integration_tests::irc_user::IrcLine) -> bool,
) -> integration_tests::irc_user::IrcLine {
    tokio::task::block_in_place(|| user.wait_for(WAIT, predicate))
        .unwrap_or_else(|e| panic!("{what}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_muc_and_an_irc_channel_bridged_with_three_people_on_each_side() {
    let prosody = prosody(&[]);
    let ngircd = ngircd();
    let mut irc_users: Vec<IrcUser> = ["dave", "erin", "frank"]
        .iter()
        .map(|nick| {
            let mut user = IrcUser::connect(ngircd.port, nick).expect("IRC user connects");
            user.join("#lobby").expect("IRC user joins");
            user
        })
        .collect();
    let mut xmpp_users: Vec<XmppUser> = ["alice", "bob", "carol"]
        .iter()
        .map(|name| login(&prosody, name))
        .collect();
    // The room exists before the gateway comes (Prosody makes it on first join).
    for (user, nick) in xmpp_users.iter_mut().zip(["alice", "bob", "carol"]) {
        join_muc(user, nick);
    }
    let bridge = [format!("xmpp:{MUC}"), format!("irc://{NET}/%23lobby")];
    let bridge: Vec<&str> = bridge.iter().map(String::as_str).collect();
    let _gateway = start_gateway(&prosody, &[(NET, network(ngircd.port))], &[&bridge], None).await;
    wait_for_component(&prosody, 1).await;

    // Each MUC occupant appears on IRC under their own nick.
    for nick in ["alice", "bob", "carol"] {
        irc_wait(
            &mut irc_users[0],
            &format!("{nick}'s puppet joins #lobby"),
            |line| line.command == "JOIN" && line.nick() == Some(nick),
        );
    }
    // Each IRC person appears in the MUC as their own occupant.
    for nick in ["dave", "erin", "frank"] {
        xmpp_wait(&mut xmpp_users[0], &format!("{nick} is an occupant"), |r| {
            r.event == "presence" && r.from == format!("{MUC}/{nick}")
        });
    }

    // MUC -> IRC from the occupant's own nick, byte-exact.
    let text = "héllo 👋 世界 привет <b>&amp;</b>";
    say_in_room(&mut xmpp_users[1], MUC, text, "bob-1");
    let line = irc_wait(&mut irc_users[0], "bob's words on IRC", |line| {
        line.command == "PRIVMSG" && line.nick() == Some("bob")
    });
    assert_eq!(line.params, vec!["#lobby".to_owned(), text.to_owned()]);

    // IRC -> MUC from the IRC person's own occupant, byte-exact.
    tokio::task::block_in_place(|| irc_users[2].privmsg("#lobby", "from frank ✓"))
        .expect("frank speaks");
    for user in &mut xmpp_users {
        let got = xmpp_wait(user, "frank's words in the MUC", |r| {
            r.event == "message" && r.body.as_deref() == Some("from frank ✓")
        });
        assert_eq!(got.from, format!("{MUC}/frank"));
    }

    // No loops: bob's line reached IRC once, frank's line reached the MUC once.
    let settle = Duration::from_secs(2);
    tokio::time::sleep(settle).await;
    let seen_on_irc = tokio::task::block_in_place(|| irc_users[0].lines_now());
    assert_eq!(
        seen_on_irc
            .iter()
            .filter(|l| l.command == "PRIVMSG" && l.params.get(1).map(String::as_str) == Some(text))
            .count(),
        1,
        "bob's line crossed once"
    );
    let seen_in_muc = tokio::task::block_in_place(|| xmpp_users[0].seen(settle).to_vec());
    assert_eq!(
        seen_in_muc
            .iter()
            .filter(|r| r.event == "message" && r.body.as_deref() == Some("from frank ✓"))
            .count(),
        1,
        "frank's line crossed once"
    );
}

/// Starts `names` as IRC users in `#lobby` on `port`.
fn irc_people(port: u16, names: &[&str]) -> Vec<IrcUser> {
    names
        .iter()
        .map(|nick| {
            let mut user = IrcUser::connect(port, nick).expect("IRC user connects");
            user.join("#lobby").expect("IRC user joins");
            user
        })
        .collect()
}

/// Past `max_puppets`, the relay connection speaks as `<nick> text`; with `relay = true` it speaks for all.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_relay_speaks_past_the_puppet_cap_and_in_relay_mode() {
    const RELAY_MUC: &str = "relayed@conference.localhost";
    let prosody = prosody(&[]);
    let capped = ngircd();
    let relayed = ngircd();
    let mut on_capped = irc_people(capped.port, &["dave"]);
    let mut on_relayed = irc_people(relayed.port, &["erin"]);
    let mut alice = login(&prosody, "alice");
    let mut bob = login(&prosody, "bob");
    join_muc(&mut alice, "alice");
    join_muc(&mut bob, "bob");
    for (user, nick) in [(&mut alice, "alice"), (&mut bob, "bob")] {
        tokio::task::block_in_place(|| {
            user.send_raw(&format!(
                "<presence to='{RELAY_MUC}/{nick}'><x xmlns='http://jabber.org/protocol/muc'/></presence>"
            ))
        })
        .unwrap();
        xmpp_wait(user, "in the second MUC", |r| {
            r.event == "presence"
                && r.from == format!("{RELAY_MUC}/{nick}")
                && r.xml.contains("110")
        });
    }
    let mut one_puppet = network(capped.port);
    one_puppet.max_puppets = 1;
    let mut relay_only = network(relayed.port);
    relay_only.relay = true;
    let capped_bridge = [format!("xmpp:{MUC}"), "irc://capped/%23lobby".to_owned()];
    let relayed_bridge = [
        format!("xmpp:{RELAY_MUC}"),
        "irc://relayed/%23lobby".to_owned(),
    ];
    let capped_bridge: Vec<&str> = capped_bridge.iter().map(String::as_str).collect();
    let relayed_bridge: Vec<&str> = relayed_bridge.iter().map(String::as_str).collect();
    let _gateway = start_gateway(
        &prosody,
        &[("capped", one_puppet), ("relayed", relay_only)],
        &[&capped_bridge, &relayed_bridge],
        None,
    )
    .await;
    wait_for_component(&prosody, 1).await;
    // One puppet on the capped network (whoever the MUC listed first), none on the relayed one.
    let puppet = irc_wait(&mut on_capped[0], "one puppet on the capped network", |l| {
        l.command == "JOIN" && matches!(l.nick(), Some("alice") | Some("bob"))
    });
    let puppet_nick = puppet.nick().unwrap().to_owned();
    let (with_puppet, without) = if puppet_nick == "alice" {
        (&mut alice, &mut bob)
    } else {
        (&mut bob, &mut alice)
    };
    let relayed_nick = if puppet_nick == "alice" {
        "bob"
    } else {
        "alice"
    };

    say_in_room(with_puppet, MUC, "through my puppet", "p-1");
    let line = irc_wait(&mut on_capped[0], "the puppet speaks", |l| {
        l.command == "PRIVMSG" && l.params.get(1).map(String::as_str) == Some("through my puppet")
    });
    assert_eq!(line.nick(), Some(puppet_nick.as_str()));
    say_in_room(without, MUC, "through the relay", "r-1");
    let expected = format!("<{relayed_nick}> through the relay");
    let line = irc_wait(&mut on_capped[0], "the relay speaks past the cap", |l| {
        l.command == "PRIVMSG" && l.params.get(1) == Some(&expected)
    });
    assert_eq!(line.nick(), Some("sbrelay"));
    // On the relay-only network, everyone speaks through the relay.
    say_in_room(without, RELAY_MUC, "relay mode", "r-2");
    let expected = format!("<{relayed_nick}> relay mode");
    let line = irc_wait(&mut on_relayed[0], "the relay speaks in relay mode", |l| {
        l.command == "PRIVMSG" && l.params.get(1) == Some(&expected)
    });
    assert_eq!(line.nick(), Some("sbrelay"));
    assert!(
        !on_relayed[0]
            .lines_now()
            .iter()
            .any(|l| l.command == "JOIN" && matches!(l.nick(), Some("alice") | Some("bob"))),
        "no puppets in relay mode"
    );
}

/// A bridge of two IRC networks and a MUC: what is said on one reaches the other two, once each.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_bridge_of_two_irc_networks_and_a_muc() {
    let prosody = prosody(&[]);
    let one = ngircd();
    let two = ngircd();
    let mut on_one = irc_people(one.port, &["dave"]);
    let mut on_two = irc_people(two.port, &["erin"]);
    let mut alice = login(&prosody, "alice");
    join_muc(&mut alice, "alice");
    let bridge = [
        format!("xmpp:{MUC}"),
        "irc://one/%23lobby".to_owned(),
        "irc://two/%23lobby".to_owned(),
    ];
    let bridge: Vec<&str> = bridge.iter().map(String::as_str).collect();
    let _gateway = start_gateway(
        &prosody,
        &[("one", network(one.port)), ("two", network(two.port))],
        &[&bridge],
        None,
    )
    .await;
    wait_for_component(&prosody, 1).await;
    // dave appears on network two as his own nick, erin on network one, both in the MUC.
    irc_wait(&mut on_two[0], "dave's puppet on two", |l| {
        l.command == "JOIN" && l.nick() == Some("dave")
    });
    irc_wait(&mut on_one[0], "erin's puppet on one", |l| {
        l.command == "JOIN" && l.nick() == Some("erin")
    });
    irc_wait(&mut on_one[0], "alice's puppet on one", |l| {
        l.command == "JOIN" && l.nick() == Some("alice")
    });

    tokio::task::block_in_place(|| on_one[0].privmsg("#lobby", "from one")).unwrap();
    let line = irc_wait(&mut on_two[0], "dave's words on two", |l| {
        l.command == "PRIVMSG" && l.params.get(1).map(String::as_str) == Some("from one")
    });
    assert_eq!(line.nick(), Some("dave"));
    xmpp_wait(&mut alice, "dave's words in the MUC", |r| {
        r.body.as_deref() == Some("from one") && r.from == format!("{MUC}/dave")
    });
    say_in_room(&mut alice, MUC, "from xmpp", "x-1");
    for user in [&mut on_one[0], &mut on_two[0]] {
        let line = irc_wait(user, "alice's words on IRC", |l| {
            l.command == "PRIVMSG" && l.params.get(1).map(String::as_str) == Some("from xmpp")
        });
        assert_eq!(line.nick(), Some("alice"));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let count = |user: &mut IrcUser, text: &str| {
        user.lines_now()
            .iter()
            .filter(|l| l.command == "PRIVMSG" && l.params.get(1).map(String::as_str) == Some(text))
            .count()
    };
    assert_eq!(count(&mut on_one[0], "from xmpp"), 1);
    assert_eq!(count(&mut on_two[0], "from xmpp"), 1);
    assert_eq!(count(&mut on_two[0], "from one"), 1);
    assert_eq!(
        count(&mut on_one[0], "from one"),
        0,
        "no echo back to where it came from"
    );
}

/// ngircd killed mid-conversation and started again: what the MUC said meanwhile reaches IRC after the
/// gateway reconnects and rejoins, and the bridge carries both ways again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_irc_server_killed_and_restarted_loses_nothing() {
    let prosody = prosody(&[]);
    let mut server = ngircd();
    let mut dave = irc_people(server.port, &["dave"]).remove(0);
    let mut alice = login(&prosody, "alice");
    join_muc(&mut alice, "alice");
    // Reconnects wait at least 1.5 s, so dave is back in the channel before the gateway's lines arrive.
    let mut settings = network(server.port);
    settings.reconnect_min = Duration::from_secs(2);
    settings.reconnect_max = Duration::from_secs(3);
    let bridge = [format!("xmpp:{MUC}"), format!("irc://{NET}/%23lobby")];
    let bridge: Vec<&str> = bridge.iter().map(String::as_str).collect();
    let _gateway = start_gateway(&prosody, &[(NET, settings)], &[&bridge], None).await;
    wait_for_component(&prosody, 1).await;
    irc_wait(&mut dave, "alice's puppet", |l| {
        l.command == "JOIN" && l.nick() == Some("alice")
    });
    say_in_room(&mut alice, MUC, "before the crash", "b-1");
    irc_wait(&mut dave, "before the crash", |l| {
        l.params.get(1).map(String::as_str) == Some("before the crash")
    });

    server.kill();
    drop(dave);
    for i in 1..=3 {
        say_in_room(
            &mut alice,
            MUC,
            &format!("while down {i}"),
            &format!("d-{i}"),
        );
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    tokio::task::block_in_place(|| server.restart()).expect("ngircd restarts");
    let mut dave = irc_people(server.port, &["dave"]).remove(0);
    for i in 1..=3 {
        let text = format!("while down {i}");
        let line = irc_wait(&mut dave, "a line said while IRC was down", |l| {
            l.command == "PRIVMSG" && l.params.get(1) == Some(&text)
        });
        assert_eq!(line.nick(), Some("alice"));
    }
    // The relay, which hears the channel for the bridge, is back too.
    irc_wait(&mut dave, "the relay rejoins", |l| {
        l.command == "JOIN" && l.nick() == Some("sbrelay")
    });
    tokio::task::block_in_place(|| dave.privmsg("#lobby", "back again")).unwrap();
    xmpp_wait(&mut alice, "IRC -> MUC after the restart", |r| {
        r.body.as_deref() == Some("back again") && r.from == format!("{MUC}/dave")
    });
}
