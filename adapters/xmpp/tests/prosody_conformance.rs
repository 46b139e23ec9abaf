//! The XMPP adapter passes the adapter conformance suite against a real Prosody.

mod support;

use support::*;

/// The conformance suite's view of the XMPP adapter: the peer is alice, a real user on Prosody.
struct ProsodyHarness {
    prosody: Prosody,
    alice: Option<XmppUser>,
    domains: TransportDomains,
    store: SharedStore,
    _dir: tempfile::TempDir,
}

#[async_trait::async_trait]
impl switchboard_core::testing::ConformanceHarness for ProsodyHarness {
    fn adapter(&self) -> Arc<dyn switchboard_core::adapter::Adapter> {
        Arc::new(XmppAdapter::new(adapter_config(&self.prosody, SECRET)))
    }

    fn store(&self) -> SharedStore {
        Arc::clone(&self.store)
    }

    fn reachable(&self) -> Address {
        addr("xmpp:alice@localhost")
    }

    fn unreachable(&self) -> Option<Address> {
        // Prosody bounces a message to a user that does not exist; the bounce arrives before the ping
        // that would have confirmed the stanza, so the adapter reports a failure.
        Some(addr("xmpp:nobody@localhost"))
    }

    async fn peer_sends(&mut self, to: &Address, text: &str) -> Result<(), String> {
        wait_for_component(&self.prosody, 1).await;
        let jid = self
            .domains
            .to_jid(to)
            .ok_or_else(|| format!("no JID for {to}"))?;
        let bare = jid.jid().to_string();
        let alice = self.alice.as_mut().ok_or("alice is not logged in")?;
        tokio::task::block_in_place(|| alice.send(&bare, text, "conformance-in"))
            .map_err(|e| e.to_string())
    }

    async fn peer_received(&mut self, text: &str, timeout: Duration) -> bool {
        let Some(alice) = self.alice.as_mut() else {
            return false;
        };
        tokio::task::block_in_place(|| {
            alice
                .wait_for(timeout, |r| {
                    r.event == "message" && r.body.as_deref() == Some(text)
                })
                .is_ok()
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_xmpp_adapter_passes_the_conformance_suite() {
    let prosody = Prosody::start(&ProsodyOptions::default()).expect("prosody");
    let alice = login(&prosody, "alice@localhost/conformance", "alice-pass");
    let dir = tempfile::tempdir().expect("temp dir");
    let store: SharedStore = Arc::new(SledStore::open(&dir.path().join("store")).expect("store"));
    let mut domains = TransportDomains::default();
    domains.add("gw.localhost", LegacyNetwork::Irc);
    switchboard_core::testing::run_conformance(ProsodyHarness {
        prosody,
        alice: Some(alice),
        domains,
        store,
        _dir: dir,
    })
    .await
    .expect("the XMPP adapter conforms");
}
