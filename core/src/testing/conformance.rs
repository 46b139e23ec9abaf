//! The conformance suite: checks any adapter against the adapter contract, with its real peer behind it.
//!
//! An adapter's own tests implement [`ConformanceHarness`] (starting the real peer, e.g. Prosody or ngircd)
//! and call [`run_conformance`]. The suite puts the adapter in a router next to a memory adapter and checks,
//! through the router, what every adapter must do.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::adapter::{Adapter, AddressClaim};
use crate::address::Address;
use crate::envelope::{DeliveryOutcome, Payload};
use crate::message::{Message, MessageKind};
use crate::router::RouterBuilder;
use crate::store::SharedStore;
use crate::testing::memory::MemoryAdapter;

/// How long each check waits for the network.
const PATIENCE: Duration = Duration::from_secs(15);

/// The adapter-specific side of the conformance suite.
#[async_trait]
pub trait ConformanceHarness: Send {
    /// The adapter under test, configured to reach the harness's peer.
    fn adapter(&self) -> Arc<dyn Adapter>;
    /// A store for the run.
    fn store(&self) -> SharedStore;
    /// An address the adapter delivers to and whose peer the harness observes.
    fn reachable(&self) -> Address;
    /// An address the adapter claims but where delivery must fail (an unknown user); `None` when the network
    /// cannot tell.
    fn unreachable(&self) -> Option<Address>;
    /// Makes the peer send `text` into the gateway, addressed to the gateway-side form of `to`.
    async fn peer_sends(&mut self, to: &Address, text: &str) -> Result<(), String>;
    /// Waits up to `timeout` until the peer has received a message whose body is `text`.
    async fn peer_received(&mut self, text: &str, timeout: Duration) -> bool;
}

/// A contract rule the adapter broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("conformance check `{check}` failed: {detail}")]
pub struct ConformanceFailure {
    /// Which check.
    pub check: &'static str,
    /// What was seen.
    pub detail: String,
}

fn fail(check: &'static str, detail: impl Into<String>) -> ConformanceFailure {
    ConformanceFailure {
        check,
        detail: detail.into(),
    }
}

/// Runs every check against the harness's adapter; the first broken rule is returned.
pub async fn run_conformance(
    mut harness: impl ConformanceHarness,
) -> Result<(), ConformanceFailure> {
    let probe: Address = "im:conformance@switchboard.invalid"
        .parse()
        .map_err(|e| fail("setup", format!("probe address: {e}")))?;
    let (memory, memory_handle) = MemoryAdapter::new(
        "conformance-probe",
        vec![AddressClaim::Exact(probe.clone())],
    );
    let adapter = harness.adapter();
    let gateway = RouterBuilder::new(harness.store())
        .adapter(memory)
        .adapter(adapter)
        .shutdown_grace(Duration::from_secs(30))
        .start()
        .map_err(|e| fail("setup", e.to_string()))?;

    // 1. A message to a reachable address reaches the peer and is reported delivered.
    let reachable = harness.reachable();
    let mut message = Message::text(
        MessageKind::Chat,
        &probe,
        &reachable,
        "conformance: hello ✓",
    );
    message.meta.wants_receipt = true;
    let id = memory_handle.send_message(message).await;
    if !harness
        .peer_received("conformance: hello ✓", PATIENCE)
        .await
    {
        return Err(fail(
            "delivers",
            format!("the peer never received the message to {reachable}"),
        ));
    }
    memory_handle
        .wait_for_status(PATIENCE, id, |o| *o == DeliveryOutcome::Delivered)
        .await
        .ok_or_else(|| {
            fail(
                "reports-delivery",
                "no Delivered status came back for a delivered message",
            )
        })?;

    // 2. A message the network refuses comes back as a failure, not silence.
    if let Some(unreachable) = harness.unreachable() {
        let id = memory_handle
            .send_text(&probe, &unreachable, "conformance: nobody")
            .await;
        memory_handle
            .wait_for_status(PATIENCE, id, |o| matches!(o, DeliveryOutcome::Failed(_)))
            .await
            .ok_or_else(|| {
                fail(
                    "reports-failure",
                    format!("no Failed status for a message to {unreachable}"),
                )
            })?;
    }

    // 3. What the peer sends reaches the core, addressed to the probe.
    harness
        .peer_sends(&probe, "conformance: from the network")
        .await
        .map_err(|e| fail("inbound", e))?;
    memory_handle
        .wait_for_delivery(PATIENCE, |envelope| match &envelope.payload {
            Payload::Message(m) => {
                m.body_text().as_deref() == Some("conformance: from the network")
            }
            _ => false,
        })
        .await
        .ok_or_else(|| fail("inbound", "the peer's message never reached the core"))?;

    // 4. Every message of a burst is answered: none dropped silently.
    let mut ids = Vec::new();
    for n in 0..20 {
        let mut message = Message::text(
            MessageKind::Chat,
            &probe,
            &reachable,
            &format!("conformance: burst {n}"),
        );
        message.meta.wants_receipt = true;
        ids.push(memory_handle.send_message(message).await);
    }
    for id in ids {
        memory_handle
            .wait_for_status(PATIENCE, id, |o| !matches!(o, DeliveryOutcome::Accepted))
            .await
            .ok_or_else(|| {
                fail(
                    "answers-every-message",
                    format!("envelope {} was never answered", id.0),
                )
            })?;
    }

    // 5. Shutdown is prompt.
    tokio::time::timeout(Duration::from_secs(10), gateway.shutdown())
        .await
        .map_err(|_| {
            fail(
                "prompt-shutdown",
                "the adapter did not stop within 10 s of shutdown",
            )
        })?;
    Ok(())
}
