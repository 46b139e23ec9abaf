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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_sets_their_nick_and_charset_for_the_network() {
    let prosody = Prosody::start(&ProsodyOptions::default()).expect("prosody");
    let gateway = start_gateway(&prosody).await;
    let mut alice = login(&prosody, "alice@localhost/test", "alice-pass");
    let execute = |id: &str| {
        format!(
            "<iq type='set' id='{id}' to='gw.localhost'>\
             <command xmlns='http://jabber.org/protocol/commands' node='settings' action='execute'/></iq>"
        )
    };
    let form = ask(&mut alice, &execute("s1"), "s1");
    assert!(form.xml.contains("status=\"executing\""), "{}", form.xml);
    assert!(form.xml.contains("var=\"charset\""), "{}", form.xml);
    let submit = "<iq type='set' id='s2' to='gw.localhost'>\
                  <command xmlns='http://jabber.org/protocol/commands' node='settings' sessionid='s1'>\
                  <x xmlns='jabber:x:data' type='submit'>\
                  <field var='nick'><value>ally</value></field>\
                  <field var='charset'><value>latin-1</value></field></x></command></iq>";
    let done = ask(&mut alice, submit, "s2");
    assert!(done.xml.contains("status=\"completed\""), "{}", done.xml);
    let again = ask(&mut alice, &execute("s3"), "s3");
    assert!(
        again.xml.contains("ally"),
        "the saved nick is shown: {}",
        again.xml
    );
    assert!(again.xml.contains("latin-1"), "{}", again.xml);
    drop(alice);
    gateway.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_reloads_bridges_and_routes() {
    use switchboard_core::router::{ReloadHook, RoutingTable};
    let prosody = Prosody::start(&ProsodyOptions::default()).expect("prosody");
    let dir = tempfile::tempdir().expect("temp dir");
    let store: SharedStore = Arc::new(SledStore::open(&dir.path().join("store")).expect("store"));
    let mut config = adapter_config(&prosody, SECRET);
    config.admins =
        vec![switchboard_core::address::XmppAddress::from_jid_str("alice@localhost").expect("jid")];
    let gateway = RouterBuilder::new(store)
        .reload_hook(ReloadHook::new(|| Ok(RoutingTable::default())))
        .adapter(Arc::new(XmppAdapter::new(config)))
        .start()
        .expect("start");
    wait_for_component(&prosody, 1).await;
    let mut alice = login(&prosody, "alice@localhost/admin", "alice-pass");
    let reload = "<iq type='set' id='rl-1' to='gw.localhost'>\
                  <command xmlns='http://jabber.org/protocol/commands' node='reload' action='execute'/></iq>";
    let done = ask(&mut alice, reload, "rl-1");
    assert!(done.xml.contains("status=\"completed\""), "{}", done.xml);
    assert!(
        done.xml.contains("Reloaded: 0 bridges, 0 routes"),
        "{}",
        done.xml
    );
    let mut bob = login(&prosody, "bob@localhost/x", "bob-pass");
    let refused = ask(&mut bob, reload, "rl-1");
    assert_eq!(refused.kind, "error", "{}", refused.xml);
    assert!(refused.xml.contains("forbidden"), "{}", refused.xml);
    drop((alice, bob));
    gateway.shutdown().await;
}
