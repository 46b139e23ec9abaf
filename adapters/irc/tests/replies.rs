//! IRCv3 replies (the `+draft/reply` client tag) through a bridge, both ways: a line answering one heard on
//! IRC names it by msgid, and a reply heard on IRC reaches the other network as a reply to the right
//! message. ngircd has no message-tags, so the IRC side is a scripted IRCv3 server on loopback.

mod support;

use support::{ROOM, WAIT, addr, body_is, bridged, message_of, next_matching};
use switchboard_core::message::{Message, MessageKind};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_carry_the_ircv3_reply_tag_both_ways() {
    let support::Bridged {
        running,
        room: muc_handle,
        mut heard,
        say,
        dir: _dir,
    } = bridged(|_| {}).await;

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

    // A parent whose msgid is too long for the client-tag budget: the answer goes out without the tag
    // rather than failing.
    let long_id = "L".repeat(5000);
    say.send(format!(
        "@msgid={long_id} :carol!c@h PRIVMSG #chan :long id"
    ))
    .unwrap();
    let long = muc_handle
        .wait_for_delivery(WAIT, |e| body_is(e, "long id"))
        .await
        .expect("the line crosses");
    let mut answer = Message::text(
        MessageKind::GroupChat,
        &addr(&format!("{ROOM}/alice")),
        &addr(ROOM),
        "answer to a long id",
    );
    answer.meta.in_reply_to = Some(message_of(&long).unwrap().meta.id.clone());
    muc_handle.send_message(answer).await;
    let line = next_matching(&mut heard, |l| l.contains("answer to a long id")).await;
    assert_eq!(line, "PRIVMSG #chan :<alice> answer to a long id");
    running.shutdown().await;
}
