//! An adapter whose "network" is a pair of in-memory queues, for tests of the router and of other adapters.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::{Mutex, Notify, mpsc};

use crate::adapter::{Adapter, AdapterContext, AdapterError, AddressClaim};
use crate::address::Address;
use crate::envelope::{
    DeliveryError, DeliveryOutcome, DeliveryStatus, Envelope, EnvelopeId, ErrorKind, Payload,
};
use crate::ids::AdapterId;
use crate::message::{Message, MessageKind};

/// What a [`MemoryAdapter`] does with each envelope the core delivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemoryBehavior {
    /// Records it and reports it delivered.
    Deliver,
    /// Records it and reports it failed with this error kind.
    Fail(ErrorKind),
    /// Records it and never answers (a stuck network).
    Hold,
    /// Panics on the next delivery, then goes back to [`MemoryBehavior::Deliver`] (for supervision tests).
    PanicOnNext,
    /// Returns a transient error from `run` on the next delivery, then goes back to `Deliver`.
    FailRunOnNext,
}

#[derive(Debug)]
struct Shared {
    behavior: StdMutex<MemoryBehavior>,
    record: bool,
    delivered: StdMutex<Vec<Envelope>>,
    delivered_count: AtomicU64,
    statuses: StdMutex<Vec<DeliveryStatus>>,
    status_count: AtomicU64,
    runs: AtomicU64,
    changed: Notify,
    inject_rx: Arc<Mutex<mpsc::Receiver<Envelope>>>,
}

/// An in-memory adapter: tests inject what its "network" sends and read what the core delivered to it.
#[derive(Debug)]
pub struct MemoryAdapter {
    id: AdapterId,
    claims: Vec<AddressClaim>,
    shared: Arc<Shared>,
}

/// The test's side of a [`MemoryAdapter`].
#[derive(Debug, Clone)]
pub struct MemoryHandle {
    shared: Arc<Shared>,
    inject_tx: mpsc::Sender<Envelope>,
    next_id: Arc<AtomicU64>,
}

impl MemoryAdapter {
    /// An adapter named `id` delivering to `claims`, recording everything delivered to it.
    pub fn new(id: &str, claims: Vec<AddressClaim>) -> (Arc<Self>, MemoryHandle) {
        Self::build(id, claims, true)
    }

    /// Like [`MemoryAdapter::new`] but only counting deliveries and statuses, and asking for no `Accepted`
    /// reports (as a chat network would not), for benches that push millions.
    pub fn counting(id: &str, claims: Vec<AddressClaim>) -> (Arc<Self>, MemoryHandle) {
        Self::build(id, claims, false)
    }

    fn build(id: &str, claims: Vec<AddressClaim>, record: bool) -> (Arc<Self>, MemoryHandle) {
        let (inject_tx, inject_rx) = mpsc::channel(1024);
        let shared = Arc::new(Shared {
            behavior: StdMutex::new(MemoryBehavior::Deliver),
            record,
            delivered: StdMutex::new(Vec::new()),
            delivered_count: AtomicU64::new(0),
            statuses: StdMutex::new(Vec::new()),
            status_count: AtomicU64::new(0),
            runs: AtomicU64::new(0),
            changed: Notify::new(),
            inject_rx: Arc::new(Mutex::new(inject_rx)),
        });
        let adapter = Arc::new(Self {
            id: AdapterId::new(id),
            claims,
            shared: Arc::clone(&shared),
        });
        let handle = MemoryHandle {
            shared,
            inject_tx,
            next_id: Arc::new(AtomicU64::new(1)),
        };
        (adapter, handle)
    }

    fn take_behavior(&self) -> MemoryBehavior {
        let mut behavior = self.shared.behavior.lock().expect("behavior lock");
        let current = behavior.clone();
        if matches!(
            current,
            MemoryBehavior::PanicOnNext | MemoryBehavior::FailRunOnNext
        ) {
            *behavior = MemoryBehavior::Deliver;
        }
        current
    }

    /// Answers one envelope from the core; returns an error when the behavior says to fail the run.
    async fn on_delivery(
        &self,
        cx: &AdapterContext,
        envelope: Envelope,
    ) -> Result<(), AdapterError> {
        if let Payload::Status(status) = envelope.payload {
            self.shared.status_count.fetch_add(1, Ordering::Relaxed);
            if self.shared.record {
                self.shared
                    .statuses
                    .lock()
                    .expect("status lock")
                    .push(status);
                self.shared.changed.notify_waiters();
            }
            return Ok(());
        }
        let behavior = self.take_behavior();
        let id = envelope.id;
        let recipient = envelope.recipient.clone();
        let is_message = matches!(envelope.payload, Payload::Message(_));
        match behavior {
            MemoryBehavior::PanicOnNext => panic!("memory adapter {} told to panic", self.id),
            MemoryBehavior::FailRunOnNext => {
                return Err(AdapterError::transient(format!(
                    "memory adapter {} told to fail",
                    self.id
                )));
            }
            _ => {}
        }
        self.shared.delivered_count.fetch_add(1, Ordering::Relaxed);
        if self.shared.record {
            self.shared
                .delivered
                .lock()
                .expect("delivered lock")
                .push(envelope);
            self.shared.changed.notify_waiters();
        }
        if !is_message {
            return Ok(());
        }
        let outcome = match behavior {
            MemoryBehavior::Hold => return Ok(()),
            MemoryBehavior::Fail(kind) => {
                DeliveryOutcome::Failed(DeliveryError::new(kind, "memory adapter refused it"))
            }
            _ => DeliveryOutcome::Delivered,
        };
        // The router gone means shutdown; the status has nowhere to go.
        let _ = cx.to_core.report(id, recipient, outcome).await;
        Ok(())
    }
}

#[async_trait]
impl Adapter for MemoryAdapter {
    fn id(&self) -> AdapterId {
        self.id.clone()
    }

    fn claims(&self) -> Vec<AddressClaim> {
        self.claims.clone()
    }

    fn wants_acceptance(&self) -> bool {
        self.shared.record
    }

    async fn run(&self, mut cx: AdapterContext) -> Result<(), AdapterError> {
        self.shared.runs.fetch_add(1, Ordering::Relaxed);
        self.shared.changed.notify_waiters();
        let mut injected = Arc::clone(&self.shared.inject_rx).lock_owned().await;
        let mut batch = Vec::with_capacity(256);
        loop {
            tokio::select! {
                () = cx.shutdown.cancelled() => return Ok(()),
                received = cx.inbox.recv_many(&mut batch, 256) => {
                    if received == 0 {
                        return Ok(());
                    }
                    for envelope in batch.drain(..) {
                        self.on_delivery(&cx, envelope).await?;
                    }
                }
                Some(envelope) = injected.recv() => {
                    if cx.to_core.send(envelope).await.is_err() {
                        return Ok(());
                    }
                }
            }
        }
    }
}

impl MemoryHandle {
    /// Sends an envelope into the core as if the network had produced it.
    pub async fn inject(&self, envelope: Envelope) {
        self.inject_tx
            .send(envelope)
            .await
            .expect("memory adapter injection queue closed");
    }

    /// Sends a chat message from `from` to `to` into the core; returns the envelope id statuses will name.
    pub async fn send_text(&self, from: &Address, to: &Address, body: &str) -> EnvelopeId {
        let message = Message::text(MessageKind::Chat, from, to, body);
        self.send_message(message).await
    }

    /// Sends a prepared message into the core; returns its envelope id.
    pub async fn send_message(&self, message: Message) -> EnvelopeId {
        let id = EnvelopeId(self.next_id.fetch_add(1, Ordering::Relaxed));
        self.inject(Envelope::new(id, Payload::Message(Box::new(message))))
            .await;
        id
    }

    /// Changes what the adapter does with further deliveries.
    pub fn set_behavior(&self, behavior: MemoryBehavior) {
        *self.shared.behavior.lock().expect("behavior lock") = behavior;
    }

    /// Everything delivered so far (empty for a counting adapter).
    pub fn delivered(&self) -> Vec<Envelope> {
        self.shared
            .delivered
            .lock()
            .expect("delivered lock")
            .clone()
    }

    /// How many envelopes were delivered so far.
    pub fn delivered_count(&self) -> u64 {
        self.shared.delivered_count.load(Ordering::Relaxed)
    }

    /// How many statuses the core reported so far.
    pub fn status_count(&self) -> u64 {
        self.shared.status_count.load(Ordering::Relaxed)
    }

    /// Statuses the core reported about envelopes this adapter sent.
    pub fn statuses(&self) -> Vec<DeliveryStatus> {
        self.shared.statuses.lock().expect("status lock").clone()
    }

    /// How many times the adapter was started.
    pub fn runs(&self) -> u64 {
        self.shared.runs.load(Ordering::Relaxed)
    }

    /// Waits until `check` holds, re-checking after each change; `false` after `timeout`.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        check: impl Fn(&MemoryHandle) -> bool,
    ) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let changed = self.shared.changed.notified();
            if check(self) {
                return true;
            }
            // Changes can race the registration above; a short poll interval bounds the wait.
            let step = tokio::time::sleep(Duration::from_millis(20));
            tokio::select! {
                () = changed => {}
                () = step => {}
                () = tokio::time::sleep_until(deadline) => return check(self),
            }
        }
    }

    /// Waits for a delivery matching `predicate`.
    pub async fn wait_for_delivery(
        &self,
        timeout: Duration,
        predicate: impl Fn(&Envelope) -> bool,
    ) -> Option<Envelope> {
        let ok = self
            .wait_until(timeout, |handle| handle.delivered().iter().any(&predicate))
            .await;
        ok.then(|| self.delivered().into_iter().find(|e| predicate(e)))
            .flatten()
    }

    /// Waits for a status about envelope `about` matching `predicate`.
    pub async fn wait_for_status(
        &self,
        timeout: Duration,
        about: EnvelopeId,
        predicate: impl Fn(&DeliveryOutcome) -> bool,
    ) -> Option<DeliveryStatus> {
        let matches = |s: &DeliveryStatus| s.about == about && predicate(&s.outcome);
        let ok = self
            .wait_until(timeout, |handle| handle.statuses().iter().any(matches))
            .await;
        ok.then(|| self.statuses().into_iter().find(|s| matches(s)))
            .flatten()
    }
}
