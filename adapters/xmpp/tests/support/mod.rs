//! Shared set-up for the tests against a real Prosody: the gateway, its settings, waiting helpers.
#![allow(dead_code, unused_imports)] // Each test file uses its own subset.

pub(crate) use std::sync::Arc;
pub(crate) use std::time::Duration;

pub(crate) use integration_tests::prosody::{Prosody, ProsodyOptions};
pub(crate) use integration_tests::xmpp_user::XmppUser;
pub(crate) use switchboard_core::adapter::AddressClaim;
pub(crate) use switchboard_core::address::{Address, Scheme};
pub(crate) use switchboard_core::envelope::Payload;
pub(crate) use switchboard_core::message::{Message, MessageKind};
pub(crate) use switchboard_core::router::{RouterBuilder, RunningGateway};
pub(crate) use switchboard_core::store::{Secret, SharedStore, SledStore};
pub(crate) use switchboard_core::testing::{MemoryAdapter, MemoryHandle};
pub(crate) use switchboard_xmpp::transport::{LegacyNetwork, TransportDomains};
pub(crate) use switchboard_xmpp::{XmppAdapter, XmppAdapterConfig, check_connection};

pub(crate) const WAIT: Duration = Duration::from_secs(20);
pub(crate) const SECRET: &str = "s3cret";

pub(crate) fn addr(text: &str) -> Address {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

pub(crate) fn adapter_config(prosody: &Prosody, secret: &str) -> XmppAdapterConfig {
    let mut domains = TransportDomains::default();
    domains.add("gw.localhost", LegacyNetwork::Irc);
    let mut config = XmppAdapterConfig::new(
        &format!("127.0.0.1:{}", prosody.component_port),
        Secret::new(secret),
        domains,
    );
    config.reconnect.initial = Duration::from_millis(100);
    config.reconnect.max = Duration::from_secs(1);
    config
}

pub(crate) struct Gateway {
    pub(crate) running: RunningGateway,
    pub(crate) irc: MemoryHandle,
    _dir: tempfile::TempDir,
}

pub(crate) async fn start_gateway(prosody: &Prosody) -> Gateway {
    let dir = tempfile::tempdir().expect("temp dir");
    let store: SharedStore = Arc::new(SledStore::open(&dir.path().join("store")).expect("store"));
    let (irc, irc_handle) = MemoryAdapter::new(
        "irc:libera",
        vec![AddressClaim::Domain {
            scheme: Scheme::Irc,
            domain: "libera".into(),
        }],
    );
    let running = RouterBuilder::new(store)
        .adapter(Arc::new(XmppAdapter::new(adapter_config(prosody, SECRET))))
        .adapter(irc)
        .start()
        .expect("start gateway");
    wait_for_component(prosody, 1).await;
    Gateway {
        running,
        irc: irc_handle,
        _dir: dir,
    }
}

/// Prosody logs each component that authenticates; waits until it has done so `times` times in all.
pub(crate) async fn wait_for_component(prosody: &Prosody, times: usize) {
    for _ in 0..400 {
        if prosody
            .log()
            .matches("External component successfully authenticated")
            .count()
            >= times
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the component never authenticated; prosody log:\n{}",
        prosody.log()
    );
}

pub(crate) fn body_of(message: &Message) -> String {
    message
        .body_text()
        .map(|b| b.into_owned())
        .unwrap_or_default()
}

pub(crate) async fn irc_got(irc: &MemoryHandle, text: &str) -> (Message, Option<Address>) {
    let envelope = irc
        .wait_for_delivery(
            WAIT,
            |e| matches!(&e.payload, Payload::Message(m) if body_of(m) == text),
        )
        .await
        .unwrap_or_else(|| panic!("{text:?} never reached the IRC side"));
    let Payload::Message(message) = envelope.payload else {
        unreachable!()
    };
    (*message, envelope.recipient)
}

/// Logs `jid` in on the test Prosody (blocking the test's worker thread, as slixmpp runs beside it).
pub(crate) fn login(prosody: &Prosody, jid: &str, password: &str) -> XmppUser {
    tokio::task::block_in_place(|| XmppUser::login(prosody.c2s_port, jid, password))
        .unwrap_or_else(|e| panic!("{jid} logs in: {e}"))
}

/// Sends raw XML as `user` and waits for the iq answering `id`.
pub(crate) fn ask(
    user: &mut XmppUser,
    xml: &str,
    id: &str,
) -> integration_tests::xmpp_user::Received {
    tokio::task::block_in_place(|| {
        user.send_raw(xml)?;
        user.wait_for(WAIT, |r| r.event == "iq" && r.id == id)
    })
    .unwrap_or_else(|e| panic!("no answer to {id}: {e}"))
}
