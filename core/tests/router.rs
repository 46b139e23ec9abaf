//! The router through memory adapters: resolution, fan-out, backpressure, supervision, the durable outbox.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use switchboard_core::adapter::{Adapter, AdapterContext, AdapterError, AddressClaim};
use switchboard_core::address::{Address, Scheme};
use switchboard_core::envelope::{DeliveryOutcome, Envelope, EnvelopeId, ErrorKind, Payload};
use switchboard_core::ids::{AdapterId, PersonId};
use switchboard_core::message::{Message, MessageKind};
use switchboard_core::presence::Presence;
use switchboard_core::router::{Backoff, Bridge, Route, RouteWhen, RouterBuilder, RoutingTable};
use switchboard_core::store::{SharedStore, SledStore};
use switchboard_core::testing::{MemoryAdapter, MemoryBehavior, MemoryHandle};

const WAIT: Duration = Duration::from_secs(5);

fn addr(text: &str) -> Address {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn domain(scheme: Scheme, domain: &str) -> Vec<AddressClaim> {
    vec![AddressClaim::Domain {
        scheme,
        domain: domain.to_owned(),
    }]
}

fn temp_store() -> (tempfile::TempDir, SharedStore) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SledStore::open(&dir.path().join("store")).expect("open store");
    (dir, Arc::new(store))
}

fn fast_backoff() -> Backoff {
    Backoff {
        initial: Duration::from_millis(10),
        max: Duration::from_millis(50),
        multiplier: 2.0,
        jitter: 0.2,
        reset_after: Duration::from_secs(60),
    }
}

fn body_of(envelope: &Envelope) -> Option<String> {
    match &envelope.payload {
        Payload::Message(m) => m.body_text().map(|b| b.into_owned()),
        _ => None,
    }
}

async fn delivered_text(handle: &MemoryHandle, text: &str) -> Envelope {
    handle
        .wait_for_delivery(WAIT, |e| body_of(e).as_deref() == Some(text))
        .await
        .unwrap_or_else(|| panic!("{text:?} was not delivered; got {:?}", handle.delivered()))
}

#[tokio::test]
async fn a_message_reaches_the_claiming_adapter_and_the_sender_hears_back() {
    let (_dir, store) = temp_store();
    let (xmpp, xmpp_handle) = MemoryAdapter::new("xmpp", domain(Scheme::Xmpp, "example.org"));
    let (irc, irc_handle) = MemoryAdapter::new("irc:libera", domain(Scheme::Irc, "libera"));
    let gateway = RouterBuilder::new(store)
        .adapter(xmpp)
        .adapter(irc)
        .start()
        .expect("start");

    let from = addr("xmpp:alice@example.org/phone");
    let to = addr("irc://libera/bob,isnick");
    let mut message = Message::text(MessageKind::Chat, &from, &to, "héllo ✓");
    message.meta.wants_receipt = true;
    let id = xmpp_handle.send_message(message).await;

    let copy = delivered_text(&irc_handle, "héllo ✓").await;
    assert_eq!(copy.recipient, Some(to.clone()));
    assert_eq!(copy.bridge, None);
    assert!(
        xmpp_handle
            .wait_for_status(WAIT, id, |o| *o == DeliveryOutcome::Accepted)
            .await
            .is_some()
    );
    let delivered = xmpp_handle
        .wait_for_status(WAIT, id, |o| *o == DeliveryOutcome::Delivered)
        .await
        .expect("receipt requested, so Delivered comes back");
    assert_eq!(delivered.recipient, Some(to));
    assert!(xmpp_handle.delivered().is_empty(), "no echo to the sender");
    gateway.shutdown().await;
}

#[tokio::test]
async fn an_unroutable_address_is_an_item_not_found_error_to_the_sender() {
    let (_dir, store) = temp_store();
    let (xmpp, xmpp_handle) = MemoryAdapter::new("xmpp", domain(Scheme::Xmpp, "example.org"));
    let gateway = RouterBuilder::new(store)
        .adapter(xmpp)
        .start()
        .expect("start");
    let id = xmpp_handle
        .send_text(
            &addr("xmpp:alice@example.org"),
            &addr("tel:+15551234567"),
            "anyone?",
        )
        .await;
    let status = xmpp_handle
        .wait_for_status(WAIT, id, |o| matches!(o, DeliveryOutcome::Failed(_)))
        .await
        .expect("failure reported");
    let DeliveryOutcome::Failed(error) = status.outcome else {
        unreachable!()
    };
    assert_eq!(error.kind, ErrorKind::ItemNotFound);
    assert_eq!(
        error.text,
        "no network delivers to tel:+15551234567: configure its adapter or link the address to a person"
    );
    gateway.shutdown().await;
}

#[tokio::test]
async fn a_bridge_fans_out_to_every_other_endpoint_and_never_echoes() {
    let (_dir, store) = temp_store();
    let (xmpp, xmpp_handle) =
        MemoryAdapter::new("xmpp", domain(Scheme::Xmpp, "conference.example.org"));
    let (libera, libera_handle) = MemoryAdapter::new("irc:libera", domain(Scheme::Irc, "libera"));
    let (oftc, oftc_handle) = MemoryAdapter::new("irc:oftc", domain(Scheme::Irc, "oftc"));
    let table = RoutingTable {
        bridges: vec![Bridge {
            name: "dev".into(),
            endpoints: vec![
                addr("xmpp:dev@conference.example.org"),
                addr("irc://libera/#dev"),
                addr("irc://oftc/#dev"),
            ],
        }],
        routes: vec![],
    };
    let gateway = RouterBuilder::new(store)
        .table(table)
        .adapter(xmpp)
        .adapter(libera)
        .adapter(oftc)
        .start()
        .expect("start");
    let mut message = Message::text(
        MessageKind::GroupChat,
        &addr("irc://libera/carol,isnick"),
        &addr("irc://libera/#dev"),
        "<b>&amp;</b> Привет 你好 🎉",
    );
    message.meta.source_id = Some("msgid-1".into());
    libera_handle.send_message(message).await;

    let to_xmpp = delivered_text(&xmpp_handle, "<b>&amp;</b> Привет 你好 🎉").await;
    let to_oftc = delivered_text(&oftc_handle, "<b>&amp;</b> Привет 你好 🎉").await;
    assert_eq!(
        to_xmpp.recipient,
        Some(addr("xmpp:dev@conference.example.org"))
    );
    assert_eq!(to_oftc.recipient, Some(addr("irc://oftc/#dev")));
    assert_eq!(to_xmpp.bridge.as_deref(), Some("dev"));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        libera_handle.delivered().is_empty(),
        "the source endpoint gets no echo"
    );
    gateway.shutdown().await;
}

/// One adapter serving two endpoints of a bridge (one IRC adapter, two networks) gets a copy for each: a
/// shared source id is not a duplicate across recipients.
#[tokio::test]
async fn two_endpoints_on_one_adapter_each_get_their_copy() {
    let (_dir, store) = temp_store();
    let (xmpp, xmpp_handle) =
        MemoryAdapter::new("xmpp", domain(Scheme::Xmpp, "conference.example.org"));
    let (irc, irc_handle) = MemoryAdapter::new("irc", vec![AddressClaim::Scheme(Scheme::Irc)]);
    let table = RoutingTable {
        bridges: vec![Bridge {
            name: "dev".into(),
            endpoints: vec![
                addr("xmpp:dev@conference.example.org"),
                addr("irc://libera/#dev"),
                addr("irc://oftc/#dev"),
            ],
        }],
        routes: vec![],
    };
    let gateway = RouterBuilder::new(store)
        .table(table)
        .adapter(xmpp)
        .adapter(irc)
        .start()
        .expect("start");
    let mut message = Message::text(
        MessageKind::GroupChat,
        &addr("xmpp:dev@conference.example.org/alice"),
        &addr("xmpp:dev@conference.example.org"),
        "to both networks",
    );
    message.meta.source_id = Some("stanza-1".into());
    xmpp_handle.send_message(message).await;
    assert!(
        irc_handle
            .wait_until(WAIT, |h| h.delivered().len() == 2)
            .await,
        "both channels get the message"
    );
    let mut recipients: Vec<String> = irc_handle
        .delivered()
        .iter()
        .filter_map(|e| e.recipient.as_ref().map(ToString::to_string))
        .collect();
    recipients.sort();
    assert_eq!(recipients, ["irc://libera/#dev", "irc://oftc/#dev"]);
    gateway.shutdown().await;
}

#[tokio::test]
async fn room_events_cross_bridges_too() {
    let (_dir, store) = temp_store();
    let (xmpp, xmpp_handle) =
        MemoryAdapter::new("xmpp", domain(Scheme::Xmpp, "conference.example.org"));
    let (irc, irc_handle) = MemoryAdapter::new("irc:libera", domain(Scheme::Irc, "libera"));
    let table = RoutingTable {
        bridges: vec![Bridge {
            name: "dev".into(),
            endpoints: vec![
                addr("xmpp:dev@conference.example.org"),
                addr("irc://libera/#dev"),
            ],
        }],
        routes: vec![],
    };
    let gateway = RouterBuilder::new(store)
        .table(table)
        .adapter(xmpp)
        .adapter(irc)
        .start()
        .expect("start");
    let event = switchboard_core::room::RoomEvent {
        room: addr("irc://libera/#dev"),
        nick: "carol".into(),
        real_address: None,
        change: switchboard_core::room::RoomChange::Topic {
            text: "release day".into(),
        },
    };
    irc_handle
        .inject(Envelope::new(
            EnvelopeId(1),
            Payload::Room(Box::new(event.clone())),
        ))
        .await;
    let copy = xmpp_handle
        .wait_for_delivery(
            WAIT,
            |e| matches!(&e.payload, Payload::Room(r) if **r == event),
        )
        .await
        .expect("topic crossed the bridge");
    assert_eq!(
        copy.recipient,
        Some(addr("xmpp:dev@conference.example.org"))
    );
    gateway.shutdown().await;
}

#[tokio::test]
async fn an_offline_route_fires_only_while_the_person_is_offline() {
    let (_dir, store) = temp_store();
    let (xmpp, xmpp_handle) = MemoryAdapter::new("xmpp", domain(Scheme::Xmpp, "example.org"));
    let (email, email_handle) =
        MemoryAdapter::new("email", vec![AddressClaim::Scheme(Scheme::Mailto)]);
    let (irc, irc_handle) = MemoryAdapter::new("irc:libera", domain(Scheme::Irc, "libera"));
    let table = RoutingTable {
        bridges: vec![],
        routes: vec![Route {
            from: addr("xmpp:alice@example.org"),
            to: addr("mailto:alice@example.net"),
            when: RouteWhen::Offline,
        }],
    };
    let gateway = RouterBuilder::new(store)
        .table(table)
        .adapter(xmpp)
        .adapter(email)
        .adapter(irc)
        .start()
        .expect("start");
    let alice = addr("xmpp:alice@example.org");
    let bob = addr("irc://libera/bob,isnick");

    irc_handle.send_text(&bob, &alice, "while offline").await;
    delivered_text(&xmpp_handle, "while offline").await;
    let mailed = delivered_text(&email_handle, "while offline").await;
    assert_eq!(mailed.recipient, Some(addr("mailto:alice@example.net")));

    let online = Presence::available(addr("xmpp:alice@example.org/laptop"));
    xmpp_handle
        .inject(Envelope::new(
            EnvelopeId(100),
            Payload::Presence(Box::new(online)),
        ))
        .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    irc_handle.send_text(&bob, &alice, "while online").await;
    delivered_text(&xmpp_handle, "while online").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !email_handle
            .delivered()
            .iter()
            .any(|e| body_of(e).as_deref() == Some("while online")),
        "no mail while alice is online"
    );

    let offline = Presence::unavailable(addr("xmpp:alice@example.org/laptop"));
    xmpp_handle
        .inject(Envelope::new(
            EnvelopeId(101),
            Payload::Presence(Box::new(offline)),
        ))
        .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    irc_handle.send_text(&bob, &alice, "offline again").await;
    delivered_text(&email_handle, "offline again").await;
    gateway.shutdown().await;
}

#[tokio::test]
async fn an_address_linked_to_a_person_reaches_their_network() {
    let (_dir, store) = temp_store();
    store
        .link_identity(&PersonId::new("bob"), "xmpp:bob@example.org")
        .expect("link");
    store
        .link_identity(&PersonId::new("bob"), "im:bob@example.com")
        .expect("link");
    let (xmpp, xmpp_handle) = MemoryAdapter::new("xmpp", domain(Scheme::Xmpp, "example.org"));
    let (irc, irc_handle) = MemoryAdapter::new("irc:libera", domain(Scheme::Irc, "libera"));
    let gateway = RouterBuilder::new(store)
        .adapter(xmpp)
        .adapter(irc)
        .start()
        .expect("start");
    irc_handle
        .send_text(
            &addr("irc://libera/carol,isnick"),
            &addr("im:bob@example.com"),
            "via identity",
        )
        .await;
    let copy = delivered_text(&xmpp_handle, "via identity").await;
    assert_eq!(copy.recipient, Some(addr("xmpp:bob@example.org")));
    gateway.shutdown().await;
}

#[tokio::test]
async fn a_failure_at_the_destination_goes_back_to_the_sender() {
    let (_dir, store) = temp_store();
    let (xmpp, xmpp_handle) = MemoryAdapter::new("xmpp", domain(Scheme::Xmpp, "example.org"));
    let (irc, irc_handle) = MemoryAdapter::new("irc:libera", domain(Scheme::Irc, "libera"));
    irc_handle.set_behavior(MemoryBehavior::Fail(ErrorKind::RecipientUnavailable));
    let gateway = RouterBuilder::new(store)
        .adapter(xmpp)
        .adapter(irc)
        .start()
        .expect("start");
    let to = addr("irc://libera/ghost,isnick");
    let id = xmpp_handle
        .send_text(&addr("xmpp:alice@example.org"), &to, "are you there")
        .await;
    let status = xmpp_handle
        .wait_for_status(WAIT, id, |o| matches!(o, DeliveryOutcome::Failed(_)))
        .await
        .expect("failure forwarded");
    assert_eq!(status.recipient, Some(to));
    let DeliveryOutcome::Failed(error) = status.outcome else {
        unreachable!()
    };
    assert_eq!(error.kind, ErrorKind::RecipientUnavailable);
    gateway.shutdown().await;
}

/// An adapter that never reads its queue: a network stuck on a slow link.
#[derive(Debug)]
struct StuckAdapter;

#[async_trait]
impl Adapter for StuckAdapter {
    fn id(&self) -> AdapterId {
        AdapterId::new("stuck")
    }
    fn claims(&self) -> Vec<AddressClaim> {
        domain(Scheme::Sip, "stuck.example")
    }
    async fn run(&self, cx: AdapterContext) -> Result<(), AdapterError> {
        cx.shutdown.cancelled().await;
        Ok(())
    }
}

#[tokio::test]
async fn a_full_queue_and_backlog_is_an_error_to_the_sender_and_other_adapters_keep_flowing() {
    let (_dir, store) = temp_store();
    let (xmpp, xmpp_handle) = MemoryAdapter::new("xmpp", domain(Scheme::Xmpp, "example.org"));
    let (irc, irc_handle) = MemoryAdapter::new("irc:libera", domain(Scheme::Irc, "libera"));
    let gateway = RouterBuilder::new(store)
        .queue_capacity(4)
        .backlog_limit(2)
        .adapter(xmpp)
        .adapter(irc)
        .adapter(Arc::new(StuckAdapter))
        .start()
        .expect("start");
    let alice = addr("xmpp:alice@example.org");
    let mut ids = Vec::new();
    for n in 0..10 {
        ids.push(
            xmpp_handle
                .send_text(
                    &alice,
                    &addr("sip:bob@stuck.example"),
                    &format!("stuck {n}"),
                )
                .await,
        );
    }
    // Four fill the queue, two wait in the router (they are in the outbox), the other four are refused.
    for id in &ids[6..] {
        let status = xmpp_handle
            .wait_for_status(WAIT, *id, |o| matches!(o, DeliveryOutcome::Failed(_)))
            .await
            .expect("overflow reported to the sender");
        let DeliveryOutcome::Failed(error) = status.outcome else {
            unreachable!()
        };
        assert_eq!(error.kind, ErrorKind::ResourceConstraint);
        assert_eq!(
            error.text,
            "the stuck adapter's queue is full; the message was not delivered, try again later"
        );
    }
    xmpp_handle
        .send_text(&alice, &addr("irc://libera/bob,isnick"), "still flowing")
        .await;
    delivered_text(&irc_handle, "still flowing").await;
    let snapshot = gateway.snapshot();
    let stuck = snapshot
        .adapters
        .iter()
        .find(|a| a.id.as_str() == "stuck")
        .expect("stuck stats");
    assert_eq!(stuck.queue_full, 4);
    for id in &ids[..6] {
        assert!(
            !xmpp_handle
                .statuses()
                .iter()
                .any(|s| s.about == *id && matches!(s.outcome, DeliveryOutcome::Failed(_))),
            "message {id:?} is queued or waiting, not refused"
        );
    }
    assert_eq!(stuck.queue_depth, 4);
    gateway.shutdown().await;
}

/// A network whose outgoing side is blocked (its peer is down): it sends one message into the core, takes no
/// deliveries, and reads only statuses, handing each to the test.
#[derive(Debug)]
struct BlockedSender {
    statuses: tokio::sync::mpsc::UnboundedSender<Envelope>,
    /// Sends its message once the test says its delivery queue is full.
    go: Arc<tokio::sync::Notify>,
}

#[async_trait]
impl Adapter for BlockedSender {
    fn id(&self) -> AdapterId {
        AdapterId::new("blocked")
    }
    fn claims(&self) -> Vec<AddressClaim> {
        domain(Scheme::Mailto, "blocked.example")
    }
    fn wants_acceptance(&self) -> bool {
        true
    }
    async fn run(&self, mut cx: AdapterContext) -> Result<(), AdapterError> {
        self.go.notified().await;
        let message = Message::text(
            MessageKind::Chat,
            &addr("mailto:bob@blocked.example"),
            &addr("xmpp:alice@example.org"),
            "reply",
        );
        let _ = cx
            .to_core
            .send(Envelope::new(
                EnvelopeId(1),
                Payload::Message(Box::new(message)),
            ))
            .await;
        loop {
            tokio::select! {
                () = cx.shutdown.cancelled() => return Ok(()),
                status = cx.inbox.recv_when(false) => match status {
                    Some(status) => { let _ = self.statuses.send(status); }
                    None => return Ok(()),
                },
            }
        }
    }
}

#[tokio::test]
async fn statuses_reach_an_adapter_whose_delivery_queue_is_full() {
    let (_dir, store) = temp_store();
    let (xmpp, xmpp_handle) = MemoryAdapter::new("xmpp", domain(Scheme::Xmpp, "example.org"));
    let (statuses_tx, mut statuses) = tokio::sync::mpsc::unbounded_channel();
    let go = Arc::new(tokio::sync::Notify::new());
    let gateway = RouterBuilder::new(store)
        .queue_capacity(4)
        .adapter(xmpp)
        .adapter(Arc::new(BlockedSender {
            statuses: statuses_tx,
            go: Arc::clone(&go),
        }))
        .start()
        .expect("start");
    // Its delivery queue fills up with mail it is not ready to send...
    let alice = addr("xmpp:alice@example.org");
    for n in 0..8 {
        let id = xmpp_handle
            .send_text(
                &alice,
                &addr("mailto:carol@blocked.example"),
                &format!("out {n}"),
            )
            .await;
        xmpp_handle
            .wait_for_status(WAIT, id, |o| *o == DeliveryOutcome::Accepted)
            .await
            .expect("held by the router");
    }
    go.notify_one();
    // ... and the status of its own message still reaches it.
    let status = tokio::time::timeout(WAIT, statuses.recv())
        .await
        .expect("a status in time")
        .expect("the adapter runs");
    let Payload::Status(status) = status.payload else {
        panic!("only statuses are read")
    };
    assert_eq!(status.about, EnvelopeId(1));
    assert_eq!(status.outcome, DeliveryOutcome::Accepted);
    delivered_text(&xmpp_handle, "reply").await;
    gateway.shutdown().await;
}

#[tokio::test]
async fn a_panicking_adapter_is_restarted_while_another_keeps_routing() {
    let (_dir, store) = temp_store();
    let (xmpp, xmpp_handle) = MemoryAdapter::new("xmpp", domain(Scheme::Xmpp, "example.org"));
    let (irc, irc_handle) = MemoryAdapter::new("irc:libera", domain(Scheme::Irc, "libera"));
    let (sip, sip_handle) = MemoryAdapter::new("sip", domain(Scheme::Sip, "sip.example"));
    let gateway = RouterBuilder::new(store)
        .backoff(fast_backoff())
        .adapter(xmpp)
        .adapter(irc)
        .adapter(sip)
        .start()
        .expect("start");
    assert!(sip_handle.wait_until(WAIT, |h| h.runs() == 1).await);
    let alice = addr("xmpp:alice@example.org");
    sip_handle.set_behavior(MemoryBehavior::PanicOnNext);
    xmpp_handle
        .send_text(&alice, &addr("sip:bob@sip.example"), "boom")
        .await;
    for n in 0..20 {
        xmpp_handle
            .send_text(
                &alice,
                &addr("irc://libera/bob,isnick"),
                &format!("during {n}"),
            )
            .await;
    }
    for n in 0..20 {
        delivered_text(&irc_handle, &format!("during {n}")).await;
    }
    assert!(
        sip_handle.wait_until(WAIT, |h| h.runs() == 2).await,
        "restarted after the panic"
    );
    xmpp_handle
        .send_text(&alice, &addr("sip:bob@sip.example"), "after restart")
        .await;
    delivered_text(&sip_handle, "after restart").await;
    let snapshot = gateway.snapshot();
    let sip_stats = snapshot
        .adapters
        .iter()
        .find(|a| a.id.as_str() == "sip")
        .expect("stats");
    assert_eq!(sip_stats.restarts, 1);
    assert_eq!(
        irc_handle.runs(),
        1,
        "the other adapter was never restarted"
    );

    sip_handle.set_behavior(MemoryBehavior::FailRunOnNext);
    xmpp_handle
        .send_text(&alice, &addr("sip:bob@sip.example"), "fail run")
        .await;
    assert!(
        sip_handle.wait_until(WAIT, |h| h.runs() == 3).await,
        "restarted after an error"
    );
    gateway.shutdown().await;
}

#[tokio::test]
async fn the_outbox_resumes_after_a_restart_and_suppresses_duplicates() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("store");
    let alice = addr("xmpp:alice@example.org");
    let bob = addr("irc://libera/bob,isnick");
    {
        let store: SharedStore = Arc::new(SledStore::open(&path).expect("open"));
        let (xmpp, xmpp_handle) = MemoryAdapter::new("xmpp", domain(Scheme::Xmpp, "example.org"));
        let (irc, irc_handle) = MemoryAdapter::new("irc:libera", domain(Scheme::Irc, "libera"));
        irc_handle.set_behavior(MemoryBehavior::Hold);
        let gateway = RouterBuilder::new(Arc::clone(&store))
            .adapter(xmpp)
            .adapter(irc)
            .start()
            .expect("start");
        let mut message = Message::text(MessageKind::Chat, &alice, &bob, "survives a restart");
        message.meta.source_id = Some("stanza-1".into());
        let id = xmpp_handle.send_message(message.clone()).await;
        assert!(
            xmpp_handle
                .wait_for_status(WAIT, id, |o| *o == DeliveryOutcome::Accepted)
                .await
                .is_some()
        );
        delivered_text(&irc_handle, "survives a restart").await;
        // The same stanza again (a client resending after a reconnect) is accepted but not delivered twice.
        let again = xmpp_handle.send_message(message).await;
        assert!(
            xmpp_handle
                .wait_for_status(WAIT, again, |o| *o == DeliveryOutcome::Accepted)
                .await
                .is_some()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(irc_handle.delivered().len(), 1);
        assert_eq!(gateway.snapshot().duplicates, 1);
        gateway.shutdown().await;
    }
    let store: SharedStore = Arc::new(SledStore::open(&path).expect("reopen"));
    let (xmpp, _xmpp_handle) = MemoryAdapter::new("xmpp", domain(Scheme::Xmpp, "example.org"));
    let (irc, irc_handle) = MemoryAdapter::new("irc:libera", domain(Scheme::Irc, "libera"));
    let gateway = RouterBuilder::new(Arc::clone(&store))
        .adapter(xmpp)
        .adapter(irc)
        .start()
        .expect("start");
    let resumed = delivered_text(&irc_handle, "survives a restart").await;
    assert_eq!(resumed.recipient, Some(bob));
    // Delivered now, so it leaves the outbox.
    let irc_id = AdapterId::new("irc:libera");
    let mut empty = false;
    for _ in 0..100 {
        if store.outbox_pending(&irc_id).expect("pending").is_empty() {
            empty = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(empty, "a delivered message is removed from the outbox");
    gateway.shutdown().await;
}

#[tokio::test]
async fn two_adapters_with_one_id_are_refused() {
    let (_dir, store) = temp_store();
    let (a, _) = MemoryAdapter::new("xmpp", vec![]);
    let (b, _) = MemoryAdapter::new("xmpp", vec![]);
    let error = RouterBuilder::new(store)
        .adapter(a)
        .adapter(b)
        .start()
        .expect_err("duplicate ids");
    assert_eq!(
        error.to_string(),
        "two adapters share the id xmpp: give each network its own name"
    );
}

#[tokio::test]
async fn the_memory_adapter_passes_the_conformance_suite() {
    use switchboard_core::testing::{ConformanceHarness, run_conformance};

    struct MemoryHarness {
        adapter: Arc<MemoryAdapter>,
        handle: MemoryHandle,
        _dir: tempfile::TempDir,
        store: SharedStore,
    }

    #[async_trait]
    impl ConformanceHarness for MemoryHarness {
        fn adapter(&self) -> Arc<dyn Adapter> {
            self.adapter.clone()
        }
        fn store(&self) -> SharedStore {
            Arc::clone(&self.store)
        }
        fn reachable(&self) -> Address {
            addr("xmpp:peer@example.org")
        }
        fn unreachable(&self) -> Option<Address> {
            None
        }
        async fn peer_sends(&mut self, to: &Address, text: &str) -> Result<(), String> {
            self.handle
                .send_text(&addr("xmpp:peer@example.org"), to, text)
                .await;
            Ok(())
        }
        async fn peer_received(&mut self, text: &str, timeout: Duration) -> bool {
            self.handle
                .wait_for_delivery(timeout, |e| body_of(e).as_deref() == Some(text))
                .await
                .is_some()
        }
    }

    let (dir, store) = temp_store();
    let (adapter, handle) = MemoryAdapter::new("xmpp", domain(Scheme::Xmpp, "example.org"));
    run_conformance(MemoryHarness {
        adapter,
        handle,
        _dir: dir,
        store,
    })
    .await
    .expect("memory adapter conforms");
}

#[tokio::test]
async fn a_room_event_for_one_participant_goes_to_that_participant_only() {
    let (_dir, store) = temp_store();
    let (xmpp, xmpp_handle) = MemoryAdapter::new("xmpp", domain(Scheme::Xmpp, "localhost"));
    let (irc, irc_handle) = MemoryAdapter::new("irc:libera", domain(Scheme::Irc, "libera"));
    let gateway = RouterBuilder::new(store)
        .adapter(xmpp)
        .adapter(irc)
        .start()
        .expect("start");
    let event = switchboard_core::room::RoomEvent {
        room: addr("irc://libera/%23dev"),
        nick: "carol".into(),
        real_address: None,
        change: switchboard_core::room::RoomChange::Topic {
            text: "for alice".into(),
        },
    };
    let mut envelope = Envelope::new(EnvelopeId(7), Payload::Room(Box::new(event.clone())));
    envelope.recipient = Some(addr("xmpp:alice@localhost/phone"));
    irc_handle.inject(envelope).await;
    let copy = xmpp_handle
        .wait_for_delivery(
            WAIT,
            |e| matches!(&e.payload, Payload::Room(r) if **r == event),
        )
        .await
        .expect("delivered to its recipient");
    assert_eq!(copy.recipient, Some(addr("xmpp:alice@localhost/phone")));
    gateway.shutdown().await;
}

#[tokio::test]
async fn a_reload_replaces_bridges_and_a_failed_one_keeps_the_old() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use switchboard_core::router::ReloadHook;
    let (_dir, store) = temp_store();
    let (xmpp, xmpp_handle) =
        MemoryAdapter::new("xmpp", domain(Scheme::Xmpp, "conference.example.org"));
    let (irc, irc_handle) = MemoryAdapter::new("irc:libera", domain(Scheme::Irc, "libera"));
    let broken = Arc::new(AtomicBool::new(false));
    let hook_broken = Arc::clone(&broken);
    let hook = ReloadHook::new(move || {
        if hook_broken.load(Ordering::SeqCst) {
            return Err(
                "switchboard.toml:3:1: bridge[0]: a bridge needs at least 2 endpoints".into(),
            );
        }
        Ok(RoutingTable {
            bridges: vec![Bridge {
                name: "dev".into(),
                endpoints: vec![
                    addr("xmpp:dev@conference.example.org"),
                    addr("irc://libera/#dev"),
                ],
            }],
            routes: vec![],
        })
    });
    let gateway = RouterBuilder::new(store)
        .reload_hook(hook)
        .adapter(xmpp)
        .adapter(irc)
        .start()
        .expect("start");
    let say = |text: &str| {
        Message::text(
            MessageKind::GroupChat,
            &addr("irc://libera/carol,isnick"),
            &addr("irc://libera/#dev"),
            text,
        )
    };
    // No bridge yet: the channel is just an address of the IRC adapter itself.
    irc_handle.send_message(say("before")).await;
    delivered_text(&irc_handle, "before").await;
    assert_eq!(
        gateway.control().reload().await,
        Ok("1 bridges, 0 routes".to_owned())
    );
    irc_handle.send_message(say("after")).await;
    delivered_text(&xmpp_handle, "after").await;
    broken.store(true, Ordering::SeqCst);
    assert_eq!(
        gateway.control().reload().await,
        Err("switchboard.toml:3:1: bridge[0]: a bridge needs at least 2 endpoints".to_owned())
    );
    irc_handle.send_message(say("still bridged")).await;
    delivered_text(&xmpp_handle, "still bridged").await;
    gateway.shutdown().await;
}

#[tokio::test]
async fn message_ids_older_than_the_retention_are_pruned() {
    use switchboard_core::ids::MessageId;
    let (_dir, store) = temp_store();
    let old = std::time::SystemTime::now() - Duration::from_secs(3600);
    store
        .map_message_id("xmpp", "old-stanza", &MessageId::new("canonical-old"), old)
        .expect("map");
    store
        .map_message_id(
            "xmpp",
            "new-stanza",
            &MessageId::new("canonical-new"),
            std::time::SystemTime::now(),
        )
        .expect("map");
    let gateway = RouterBuilder::new(Arc::clone(&store))
        .message_id_retention(Duration::from_secs(600))
        .prune_every(Duration::from_millis(20))
        .start()
        .expect("start");
    let mut pruned = false;
    for _ in 0..100 {
        if store
            .canonical_id("xmpp", "old-stanza")
            .expect("lookup")
            .is_none()
        {
            pruned = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(pruned, "a mapping older than the retention is pruned");
    assert_eq!(
        store.canonical_id("xmpp", "new-stanza").expect("lookup"),
        Some(MessageId::new("canonical-new")),
        "a recent mapping stays"
    );
    gateway.shutdown().await;
}
