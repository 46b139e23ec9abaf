//! The XMPP adapter against a real Prosody on loopback, with real XMPP users (slixmpp): one-to-one
//! messages, errors, discovery, subscriptions, restarts.

mod support;

use support::*;

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
    let mut alice = login(&prosody, "alice@localhost/test", "alice-pass");

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
    let mut alice = login(&prosody, "alice@localhost/test", "alice-pass");
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
    let mut alice = login(&prosody, "alice@localhost/test", "alice-pass");
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
    let mut alice = login(&prosody, "alice@localhost/back", "alice-pass");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_names_the_original_by_its_canonical_id_and_equal_ids_of_two_users_both_pass()
{
    let prosody = Prosody::start(&ProsodyOptions::default()).expect("prosody");
    let gateway = start_gateway(&prosody).await;
    let mut alice = login(&prosody, "alice@localhost/test", "alice-pass");
    let mut bob = login(&prosody, "bob@localhost/test", "bob-pass");

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

    // A reply from IRC names alice's message by the stanza id she gave it, not the gateway's id.
    let mut reply = Message::text(
        MessageKind::Chat,
        &addr("irc://libera/carol,isnick"),
        &addr("xmpp:alice@localhost"),
        "replying",
    );
    reply.meta.in_reply_to = Some(original.meta.id.clone());
    gateway.irc.send_message(reply).await;
    let seen = tokio::task::block_in_place(|| {
        alice.wait_for(WAIT, |r| {
            r.event == "message" && r.body.as_deref() == Some("replying")
        })
    })
    .expect("the reply");
    assert!(seen.xml.contains("urn:xmpp:reply:0"), "{}", seen.xml);
    assert!(seen.xml.contains("id=\"same-id\""), "{}", seen.xml);
    drop((alice, bob));
    gateway.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribing_to_the_gateway_and_to_a_contact_is_approved() {
    let prosody = Prosody::start(&ProsodyOptions::default()).expect("prosody");
    let gateway = start_gateway(&prosody).await;
    let mut alice = login(&prosody, "alice@localhost/test", "alice-pass");
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
async fn a_receipt_request_is_answered_once_the_far_side_has_the_message() {
    let prosody = Prosody::start(&ProsodyOptions::default()).expect("prosody");
    let gateway = start_gateway(&prosody).await;
    let mut alice = login(&prosody, "alice@localhost/test", "alice-pass");
    tokio::task::block_in_place(|| {
        alice.send_raw(
            "<message type='chat' to='bob%libera@gw.localhost' id='rcpt-1'><body>did you get this?</body>\
             <request xmlns='urn:xmpp:receipts'/></message>",
        )
    })
    .expect("send");
    irc_got(&gateway.irc, "did you get this?").await;
    let receipt = tokio::task::block_in_place(|| {
        alice.wait_for(WAIT, |r| {
            r.event == "message" && r.xml.contains("urn:xmpp:receipts")
        })
    })
    .expect("a receipt comes back");
    assert!(receipt.xml.contains("received"), "{}", receipt.xml);
    assert!(receipt.xml.contains("rcpt-1"), "{}", receipt.xml);
    assert!(
        receipt.from.starts_with("bob%libera@gw.localhost"),
        "{}",
        receipt.from
    );
    drop(alice);
    gateway.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_notifications_cross_as_rfc_3994_is_composing() {
    use switchboard_core::composing::ComposingState;
    let prosody = Prosody::start(&ProsodyOptions::default()).expect("prosody");
    let gateway = start_gateway(&prosody).await;
    let mut alice = login(&prosody, "alice@localhost/test", "alice-pass");
    tokio::task::block_in_place(|| {
        alice.send_raw(
            "<message type='chat' to='bob%libera@gw.localhost'>\
             <composing xmlns='http://jabber.org/protocol/chatstates'/></message>",
        )
    })
    .expect("send");
    let typing = gateway
        .irc
        .wait_for_delivery(
            WAIT,
            |e| matches!(&e.payload, Payload::Message(m) if m.composing_state().is_some()),
        )
        .await
        .expect("the typing notification reached the IRC side");
    let Payload::Message(message) = typing.payload else {
        unreachable!()
    };
    assert_eq!(message.composing_state(), Some(ComposingState::Active));
    assert_eq!(typing.recipient, Some(addr("irc://libera/bob,isnick")));

    let back = Message::composing(
        MessageKind::Chat,
        &addr("irc://libera/bob,isnick"),
        &addr("xmpp:alice@localhost"),
        ComposingState::Idle,
    );
    gateway.irc.send_message(back).await;
    let paused = tokio::task::block_in_place(|| {
        alice.wait_for(WAIT, |r| r.event == "message" && r.xml.contains("paused"))
    })
    .expect("alice sees bob pause");
    assert!(
        !paused.xml.contains("<body"),
        "a chat state has no body: {}",
        paused.xml
    );
    assert!(
        paused.from.starts_with("bob%libera@gw.localhost"),
        "{}",
        paused.from
    );
    drop(alice);
    gateway.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_payloads_reach_a_far_side_that_can_carry_them() {
    let prosody = Prosody::start(&ProsodyOptions::default()).expect("prosody");
    let gateway = start_gateway(&prosody).await;
    let mut alice = login(&prosody, "alice@localhost/test", "alice-pass");
    let mut bob = login(&prosody, "bob@localhost/test", "bob-pass");
    tokio::task::block_in_place(|| {
        alice.send_raw(
            "<message type='chat' to='carol%libera@gw.localhost' id='p1'><body>with extras</body>\
             <foo xmlns='urn:example:custom' level='2'><bar>kept</bar></foo></message>",
        )
    })
    .expect("send");
    let (message, _) = irc_got(&gateway.irc, "with extras").await;
    // The far side here hands the same message on to another XMPP user, who can carry the payload.
    let mut onward = message.clone();
    onward.cpim = switchboard_core::cpim::CpimMessage::from_parts(
        onward
            .cpim
            .headers()
            .iter()
            .map(|header| match header {
                switchboard_core::cpim::Header::From(_) => switchboard_core::cpim::Header::From(
                    switchboard_core::message::name_addr(&addr("irc://libera/carol,isnick")),
                ),
                switchboard_core::cpim::Header::To(_) => switchboard_core::cpim::Header::To(
                    switchboard_core::message::name_addr(&addr("xmpp:bob@localhost")),
                ),
                other => other.clone(),
            })
            .collect(),
        onward.cpim.content().clone(),
    )
    .expect("cpim");
    onward.meta = switchboard_core::message::MessageMeta::new(MessageKind::Chat);
    gateway.irc.send_message(onward).await;
    let seen = tokio::task::block_in_place(|| {
        bob.wait_for(WAIT, |r| {
            r.event == "message" && r.body.as_deref() == Some("with extras")
        })
    })
    .expect("bob gets it");
    assert!(seen.xml.contains("urn:example:custom"), "{}", seen.xml);
    assert!(seen.xml.contains("kept"), "{}", seen.xml);
    drop((alice, bob));
    gateway.running.shutdown().await;
}
