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

/// Everything hostile or large between one XMPP user and IRC: a 2,000-byte body split within 512 bytes
/// and reassembling byte-exact, CR/LF in a body neutralised into separate lines, more lines than
/// `max_lines` refused with an error, latin-1 from IRC decoded, actions and formatting both ways, private
/// messages both ways, and an IRC nick change, kick and part shown as MUC presence.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn long_hostile_and_private_messages_and_occupant_changes() {
    let prosody = prosody(&[]);
    let ngircd = ngircd();
    let _gateway = start_gateway(&prosody, &[(NET, network(ngircd.port))], &[], None).await;
    wait_for_component(&prosody, 1).await;
    let room = format!("#ops%{NET}@{GW}");
    // dave joins first and is the channel operator.
    let mut dave = IrcUser::connect(ngircd.port, "dave").expect("dave connects");
    dave.join("#ops").expect("dave joins");
    let mut erin = IrcUser::connect(ngircd.port, "erin").expect("erin connects");
    erin.join("#ops").expect("erin joins");
    let mut alice = login(&prosody, "alice");
    join_transport_room(&mut alice, "#ops", "alice");
    // dave is shown as a moderator (op), erin as a participant.
    let dave_presence = xmpp_wait(&mut alice, "dave's presence", |r| {
        r.event == "presence" && r.from.eq_ignore_ascii_case(&format!("{room}/dave"))
    });
    assert!(
        dave_presence.xml.contains("moderator"),
        "{}",
        dave_presence.xml
    );
    tokio::task::block_in_place(|| {
        dave.wait_for(WAIT, |l| l.command == "JOIN" && l.nick() == Some("alice"))
    })
    .expect("alice is on IRC");

    // A 2,000-byte body in several scripts: split within 512 bytes counting the real prefix, reassembled
    // byte-exact by concatenating the PRIVMSGs.
    let long: String = "Grüße 👋 世界 привет ".repeat(70);
    assert!(long.len() >= 2000);
    say_in_room(&mut alice, &room, &long, "long-1");
    let mut joined = String::new();
    let mut lines = 0;
    while joined.len() < long.trim_end().len() {
        let line = tokio::task::block_in_place(|| {
            dave.wait_for(WAIT, |l| {
                l.command == "PRIVMSG" && l.nick() == Some("alice")
            })
        })
        .unwrap_or_else(|e| panic!("only {} of {} bytes arrived: {e}", joined.len(), long.len()));
        assert!(
            line.raw.len() + 2 <= 512,
            "a line of {} bytes",
            line.raw.len() + 2
        );
        if !joined.is_empty() {
            // Lines break at spaces, and the space at the break is not sent (servers strip it).
            joined.push(' ');
        }
        joined.push_str(&line.params[1]);
        lines += 1;
        dave.forget(&line);
    }
    assert!(lines >= 5, "2,000 bytes need several lines, got {lines}");
    assert_eq!(
        joined,
        long.trim_end(),
        "the pieces give the body back exactly"
    );
    dave.clear();

    // CR/LF in a body: separate lines, never a command of the sender's choosing.
    say_in_room(
        &mut alice,
        &room,
        "hi\r\nQUIT :pwned\nPRIVMSG dave :x",
        "inject-1",
    );
    tokio::task::block_in_place(|| {
        dave.wait_for(WAIT, |l| {
            l.command == "PRIVMSG" && l.params.get(1).map(String::as_str) == Some("PRIVMSG dave :x")
        })
    })
    .expect("the injected text arrives as text");
    let seen = dave.lines_now();
    let texts: Vec<&str> = seen
        .iter()
        .filter(|l| l.command == "PRIVMSG" && l.nick() == Some("alice"))
        .map(|l| l.params[1].as_str())
        .collect();
    assert_eq!(texts, ["hi", "QUIT :pwned", "PRIVMSG dave :x"]);
    assert!(
        !seen.iter().any(|l| l.command == "QUIT"),
        "alice did not quit"
    );
    assert!(
        !seen
            .iter()
            .any(|l| l.command == "PRIVMSG" && l.params[0] == "dave"),
        "nothing was sent to dave privately"
    );

    // More lines than max_lines (10): refused with an error to the sender, nothing sent.
    let eleven = (1..=11)
        .map(|i| format!("line {i}"))
        .collect::<Vec<_>>()
        .join("\n");
    say_in_room(&mut alice, &room, &eleven, "flood-1");
    let error = xmpp_wait(&mut alice, "an error for the 11-line message", |r| {
        r.event == "message" && r.kind == "error" && r.id == "flood-1"
    });
    assert!(error.xml.contains("policy-violation"), "{}", error.xml);

    // latin-1 from IRC is decoded, not dropped; mIRC bold becomes XEP-0393 bold; an action becomes /me.
    tokio::task::block_in_place(|| dave.send_raw(b"PRIVMSG #ops :caf\xe9 cr\xe8me\r\n")).unwrap();
    xmpp_wait(&mut alice, "latin-1 decoded", |r| {
        r.body.as_deref() == Some("café crème")
    });
    tokio::task::block_in_place(|| dave.privmsg("#ops", "\u{2}bold\u{2} move")).unwrap();
    xmpp_wait(&mut alice, "bold styled", |r| {
        r.body.as_deref() == Some("*bold* move")
    });
    tokio::task::block_in_place(|| dave.privmsg("#ops", "\u{1}ACTION waves\u{1}")).unwrap();
    xmpp_wait(&mut alice, "an action", |r| {
        r.body.as_deref() == Some("/me waves")
    });
    say_in_room(&mut alice, &room, "/me bows", "action-1");
    tokio::task::block_in_place(|| {
        dave.wait_for(WAIT, |l| {
            l.command == "PRIVMSG"
                && l.params.get(1).map(String::as_str) == Some("\u{1}ACTION bows\u{1}")
        })
    })
    .expect("the action reaches IRC as CTCP ACTION");

    // Private messages both ways.
    let dave_jid = format!("dave%{NET}@{GW}");
    tokio::task::block_in_place(|| alice.send(&dave_jid, "psst dave", "pm-1")).unwrap();
    tokio::task::block_in_place(|| {
        dave.wait_for(WAIT, |l| {
            l.command == "PRIVMSG" && l.params == ["dave", "psst dave"]
        })
    })
    .expect("alice's private message reaches dave");
    let alice_nick = "alice";
    tokio::task::block_in_place(|| dave.privmsg(alice_nick, "psst alice")).unwrap();
    let private = xmpp_wait(&mut alice, "dave's private answer", |r| {
        r.event == "message" && r.body.as_deref() == Some("psst alice")
    });
    assert!(private.from.starts_with(&dave_jid), "from {}", private.from);
    assert_eq!(private.kind, "chat");

    // An IRC nick change is a 303, a kick a 307 with its reason.
    tokio::task::block_in_place(|| erin.send_raw(b"NICK erin2\r\n")).unwrap();
    let renamed = xmpp_wait(&mut alice, "erin's nick change", |r| {
        r.event == "presence" && r.xml.contains("303") && r.from.ends_with("/erin")
    });
    assert!(renamed.xml.contains("erin2"), "{}", renamed.xml);
    tokio::task::block_in_place(|| dave.send_raw(b"KICK #ops erin2 :be nice\r\n")).unwrap();
    let kicked = xmpp_wait(&mut alice, "erin2 kicked", |r| {
        r.event == "presence" && r.xml.contains("307") && r.from.ends_with("/erin2")
    });
    assert!(kicked.xml.contains("be nice"), "{}", kicked.xml);

    // alice leaves: she parts on IRC and sees her own departure.
    tokio::task::block_in_place(|| {
        alice.send_raw(&format!(
            "<presence type='unavailable' to='{room}/alice'><status>bye all</status></presence>"
        ))
    })
    .unwrap();
    let part = tokio::task::block_in_place(|| {
        dave.wait_for(WAIT, |l| {
            (l.command == "PART" || l.command == "QUIT") && l.nick() == Some("alice")
        })
    })
    .expect("alice leaves IRC");
    assert!(part.raw.contains("bye all"), "{}", part.raw);
    xmpp_wait(&mut alice, "alice's own departure", |r| {
        r.event == "presence"
            && r.kind == "unavailable"
            && r.from.ends_with("/alice")
            && r.xml.contains("110")
    });
}
