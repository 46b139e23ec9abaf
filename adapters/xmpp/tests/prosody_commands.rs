//! XEP-0050 ad-hoc commands at the gateway, run by real users on a real Prosody.

mod support;

use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_gets_the_status_and_anyone_else_is_refused() {
    let prosody = Prosody::start(&ProsodyOptions::default()).expect("prosody");
    let dir = tempfile::tempdir().expect("temp dir");
    let store: SharedStore = Arc::new(SledStore::open(&dir.path().join("store")).expect("store"));
    let mut config = adapter_config(&prosody, SECRET);
    config.admins =
        vec![switchboard_core::address::XmppAddress::from_jid_str("alice@localhost").expect("jid")];
    let gateway = RouterBuilder::new(store)
        .adapter(Arc::new(XmppAdapter::new(config)))
        .start()
        .expect("start");
    wait_for_component(&prosody, 1).await;
    let execute = "<iq type='set' id='cmd-1' to='gw.localhost'>\
                   <command xmlns='http://jabber.org/protocol/commands' node='status' action='execute'/></iq>";
    let list = "<iq type='get' id='list-1' to='gw.localhost'>\
                <query xmlns='http://jabber.org/protocol/disco#items' node='http://jabber.org/protocol/commands'/></iq>";

    let mut alice = tokio::task::block_in_place(|| {
        XmppUser::login(prosody.c2s_port, "alice@localhost/admin", "alice-pass")
    })
    .expect("alice logs in");
    tokio::task::block_in_place(|| alice.send_raw(list)).expect("send");
    let items = tokio::task::block_in_place(|| {
        alice.wait_for(WAIT, |r| r.event == "iq" && r.id == "list-1")
    })
    .expect("command list");
    assert!(items.xml.contains("node=\"status\""), "{}", items.xml);
    tokio::task::block_in_place(|| alice.send_raw(execute)).expect("send");
    let status = tokio::task::block_in_place(|| {
        alice.wait_for(WAIT, |r| r.event == "iq" && r.id == "cmd-1")
    })
    .expect("status answer");
    assert_eq!(status.kind, "result", "{}", status.xml);
    assert!(
        status.xml.contains("status=\"completed\""),
        "{}",
        status.xml
    );
    assert!(
        status.xml.contains("gw.localhost: connected"),
        "{}",
        status.xml
    );

    let mut bob = tokio::task::block_in_place(|| {
        XmppUser::login(prosody.c2s_port, "bob@localhost/x", "bob-pass")
    })
    .expect("bob logs in");
    tokio::task::block_in_place(|| bob.send_raw(execute)).expect("send");
    let refused =
        tokio::task::block_in_place(|| bob.wait_for(WAIT, |r| r.event == "iq" && r.id == "cmd-1"))
            .expect("refusal");
    assert_eq!(refused.kind, "error", "{}", refused.xml);
    assert!(refused.xml.contains("forbidden"), "{}", refused.xml);
    drop((alice, bob));
    gateway.shutdown().await;
}
