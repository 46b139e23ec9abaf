//! XEP-0077 / XEP-0100 registration with the transport, by a real user on a real Prosody.

mod support;

use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_registers_updates_and_removes_the_registration() {
    let prosody = Prosody::start(&ProsodyOptions::default()).expect("prosody");
    let gateway = start_gateway(&prosody).await;
    let mut alice = login(&prosody, "alice@localhost/test", "alice-pass");
    let form_request = |id: &str| {
        format!(
            "<iq type='get' id='{id}' to='gw.localhost'><query xmlns='jabber:iq:register'/></iq>"
        )
    };

    let form = ask(&mut alice, &form_request("form-1"), "form-1");
    assert_eq!(form.kind, "result", "{}", form.xml);
    assert!(form.xml.contains("jabber:x:data"), "{}", form.xml);
    assert!(
        !form.xml.contains("registered"),
        "not registered yet: {}",
        form.xml
    );

    tokio::task::block_in_place(|| {
        alice.send_raw(
            "<iq type='set' id='reg-1' to='gw.localhost'><query xmlns='jabber:iq:register'>\
             <username>alice-irc</username><password>hunter2</password><nick>ally</nick></query></iq>",
        )
    })
    .expect("send");
    let done = tokio::task::block_in_place(|| {
        alice.wait_for(WAIT, |r| r.event == "iq" && r.id == "reg-1")
    })
    .expect("registered");
    assert_eq!(done.kind, "result", "{}", done.xml);
    // XEP-0100 §4.1.1: the gateway asks to see the user's presence, so it appears in the roster.
    tokio::task::block_in_place(|| {
        alice.wait_for(WAIT, |r| {
            r.event == "presence" && r.kind == "subscribe" && r.from == "gw.localhost"
        })
    })
    .expect("the gateway subscribes");

    let again = ask(&mut alice, &form_request("form-2"), "form-2");
    assert!(again.xml.contains("registered"), "{}", again.xml);
    assert!(again.xml.contains("alice-irc"), "{}", again.xml);
    assert!(
        !again.xml.contains("hunter2"),
        "the password is never echoed: {}",
        again.xml
    );

    tokio::task::block_in_place(|| {
        alice.send_raw(
            "<iq type='set' id='unreg-1' to='gw.localhost'><query xmlns='jabber:iq:register'><remove/></query></iq>",
        )
    })
    .expect("send");
    let removed = tokio::task::block_in_place(|| {
        alice.wait_for(WAIT, |r| r.event == "iq" && r.id == "unreg-1")
    })
    .expect("removed");
    assert_eq!(removed.kind, "result", "{}", removed.xml);
    tokio::task::block_in_place(|| {
        alice.wait_for(WAIT, |r| {
            r.event == "presence" && r.kind == "unsubscribe" && r.from == "gw.localhost"
        })
    })
    .expect("the gateway unsubscribes");
    let after = ask(&mut alice, &form_request("form-3"), "form-3");
    assert!(!after.xml.contains("registered"), "{}", after.xml);
    drop(alice);
    gateway.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_translates_a_typed_legacy_address_into_a_jid() {
    let prosody = Prosody::start(&ProsodyOptions::default()).expect("prosody");
    let gateway = start_gateway(&prosody).await;
    let mut alice = login(&prosody, "alice@localhost/test", "alice-pass");
    tokio::task::block_in_place(|| {
        alice.send_raw(
            "<iq type='get' id='gw-1' to='gw.localhost'><query xmlns='jabber:iq:gateway'/></iq>",
        )
    })
    .expect("send");
    let prompt =
        tokio::task::block_in_place(|| alice.wait_for(WAIT, |r| r.event == "iq" && r.id == "gw-1"))
            .expect("the prompt");
    assert!(prompt.xml.contains("nick%network"), "{}", prompt.xml);
    tokio::task::block_in_place(|| {
        alice.send_raw(
            "<iq type='set' id='gw-2' to='gw.localhost'><query xmlns='jabber:iq:gateway'>\
             <prompt>Bob%libera</prompt></query></iq>",
        )
    })
    .expect("send");
    let jid =
        tokio::task::block_in_place(|| alice.wait_for(WAIT, |r| r.event == "iq" && r.id == "gw-2"))
            .expect("the jid");
    assert_eq!(jid.kind, "result", "{}", jid.xml);
    assert!(jid.xml.contains("bob%libera@gw.localhost"), "{}", jid.xml);
    tokio::task::block_in_place(|| {
        alice.send_raw(
            "<iq type='set' id='gw-3' to='gw.localhost'><query xmlns='jabber:iq:gateway'>\
             <prompt>no network here</prompt></query></iq>",
        )
    })
    .expect("send");
    let refused =
        tokio::task::block_in_place(|| alice.wait_for(WAIT, |r| r.event == "iq" && r.id == "gw-3"))
            .expect("the refusal");
    assert_eq!(refused.kind, "error", "{}", refused.xml);
    assert!(refused.xml.contains("bad-request"), "{}", refused.xml);
    drop(alice);
    gateway.running.shutdown().await;
}
