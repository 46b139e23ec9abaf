//! Transport mode against a real Prosody and a real ngircd: XMPP users join `#chan%local@gw.localhost/nick`
//! (Biboumi's addresses) and talk with IRC users, each XMPP user through an IRC connection of their own.

mod irc_support;

use irc_support::*;

/// Three XMPP users in a channel with three IRC users: joins, words both ways byte-exact in any script,
/// actions, a long body split, an injection attempt neutralised, latin-1 decoded, a nick change, a part.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_xmpp_users_and_three_irc_users_share_a_channel() {
    let prosody = prosody(&[]);
    let ngircd = ngircd();
    let _gateway = start_gateway(&prosody, &[(NET, network(ngircd.port))], &[], None).await;
    wait_for_component(&prosody, 1).await;
    let room = format!("#lobby%{NET}@{GW}");

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
    for (user, nick) in xmpp_users.iter_mut().zip(["alice", "bob", "carol"]) {
        join_transport_room(user, "#lobby", nick);
    }
    // Each XMPP user is on IRC under their own nick.
    for nick in ["alice", "bob", "carol"] {
        tokio::task::block_in_place(|| {
            irc_users[0].wait_for(WAIT, |line| {
                line.command == "JOIN" && line.nick() == Some(nick)
            })
        })
        .unwrap_or_else(|e| panic!("{nick} never joined #lobby on IRC: {e}"));
    }
    // The IRC users are occupants of the room for the XMPP users.
    xmpp_wait(&mut xmpp_users[0], "dave is an occupant", |r| {
        r.event == "presence" && r.from.eq_ignore_ascii_case(&format!("{room}/dave"))
    });

    // IRC -> XMPP, byte-exact in several scripts, to every XMPP user.
    let text = "héllo 👋 世界 привет <b>&amp;</b>";
    tokio::task::block_in_place(|| irc_users[1].privmsg("#lobby", text)).expect("erin speaks");
    for user in &mut xmpp_users {
        let got = xmpp_wait(user, "erin's words", |r| {
            r.event == "message" && r.kind == "groupchat" && r.body.as_deref() == Some(text)
        });
        assert!(
            got.from.eq_ignore_ascii_case(&format!("{room}/erin")),
            "from the occupant: {}",
            got.from
        );
    }

    // XMPP -> IRC, byte-exact, from alice's own nick; alice sees her message reflected with her id.
    say_in_room(&mut xmpp_users[0], &room, text, "alice-1");
    let line = tokio::task::block_in_place(|| {
        irc_users[2].wait_for(WAIT, |line| {
            line.command == "PRIVMSG" && line.nick() == Some("alice")
        })
    })
    .expect("alice's words reach IRC");
    assert_eq!(line.params, vec!["#lobby".to_owned(), text.to_owned()]);
    let reflected = xmpp_wait(&mut xmpp_users[0], "alice's reflection", |r| {
        r.event == "message" && r.body.as_deref() == Some(text) && r.from.ends_with("/alice")
    });
    assert_eq!(
        reflected.id, "alice-1",
        "the reflection carries the sender's own stanza id"
    );
    // bob and carol see alice's line too, through their own connections.
    for user in &mut xmpp_users[1..] {
        xmpp_wait(user, "alice's words for the others", |r| {
            r.event == "message" && r.body.as_deref() == Some(text) && r.from.ends_with("/alice")
        });
    }
}
