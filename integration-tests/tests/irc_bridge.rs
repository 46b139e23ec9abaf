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
