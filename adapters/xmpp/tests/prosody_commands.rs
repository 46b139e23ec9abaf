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

    let mut alice = login(&prosody, "alice@localhost/admin", "alice-pass");
    let items = ask(&mut alice, list, "list-1");
    assert!(items.xml.contains("node=\"status\""), "{}", items.xml);
    let status = ask(&mut alice, execute, "cmd-1");
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

    let mut bob = login(&prosody, "bob@localhost/x", "bob-pass");
    let refused = ask(&mut bob, execute, "cmd-1");
    assert_eq!(refused.kind, "error", "{}", refused.xml);
    assert!(refused.xml.contains("forbidden"), "{}", refused.xml);
    drop((alice, bob));
    gateway.shutdown().await;
}
