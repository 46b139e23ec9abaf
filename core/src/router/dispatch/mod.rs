//! The router task: takes envelopes from adapters in batches, resolves destinations, persists messages to the
//! outbox (one group commit per batch), fans out without ever waiting on one adapter, and carries delivery
//! status back to the sender.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::mpsc;
use tracing::{debug, error, info, warn};

use crate::address::Address;
use crate::envelope::{DeliveryError, DeliveryOutcome, Envelope, EnvelopeId, ErrorKind, Payload};
use crate::ids::AdapterId;
use crate::message::Message;
mod id_map;
mod presence_book;
mod status;

use id_map::IdMap;
use presence_book::PresenceBook;

use crate::router::control::{ControlRequest, ReloadHook};
use crate::router::persist::{
    CommitDone, CommitJob, OutboxWriter, Planned, StoredDelivery, dedupe_key,
};
use crate::router::stats::{AdapterStats, RouterCounters};
use crate::router::table::{Resolver, Target};
use crate::store::{OutboxPut, OutboxSeq, SharedStore};

/// Ids of envelopes that are not in the outbox carry this bit, so they never collide with outbox sequence
/// numbers.
const EPHEMERAL_BIT: u64 = 1 << 63;
/// How many envelopes the router takes from its queue at once (and writes to the outbox in one commit).
const BATCH: usize = 1024;
/// How many status reports may wait for one adapter that does not read its queue. Past this the adapter is
/// broken (it keeps sending but never reads); further reports to it are logged as errors and dropped, so the
/// router's memory stays bounded.
pub(crate) const MAX_STATUS_BACKLOG: usize = 65_536;

/// One adapter's place in the router.
#[derive(Debug)]
pub(crate) struct Slot {
    pub(crate) id: AdapterId,
    /// Deliveries (messages, presence, room events) to the adapter.
    pub(crate) tx: mpsc::Sender<Envelope>,
    /// Status reports to the adapter, on a queue of their own so they never wait behind deliveries the
    /// adapter is not ready to take (see [`crate::adapter::Inbox::recv_when`]).
    pub(crate) status_tx: mpsc::Sender<Envelope>,
    pub(crate) stats: Arc<AdapterStats>,
    /// Whether the adapter wants `Accepted` reports (it acknowledges its peer only once the gateway holds
    /// the message: SMTP 250, SIP 202).
    pub(crate) wants_acceptance: bool,
    /// Durable deliveries waiting for room in the adapter's queue, in order: outbox entries found at
    /// start-up, and copies that found the queue full. They are already in the outbox, so waiting loses
    /// nothing; past [`Dispatcher::backlog_limit`] new ones are refused instead.
    pub(crate) waiting: VecDeque<Envelope>,
    /// Status reports that found the adapter's status queue full, handed over as it drains: a status is
    /// never dropped because the sender is busy.
    pub(crate) statuses: VecDeque<Envelope>,
}

/// A copy handed to an adapter and not yet answered.
#[derive(Debug)]
struct Pending {
    slot: usize,
    origin: Option<usize>,
    origin_envelope: EnvelopeId,
    recipient: Address,
    durable: Option<OutboxSeq>,
    wants_receipt: bool,
}

/// The router's state.
pub(crate) struct Dispatcher {
    pub(crate) resolver: Resolver,
    pub(crate) store: SharedStore,
    pub(crate) durable: bool,
    pub(crate) slots: Vec<Slot>,
    pub(crate) counters: Arc<RouterCounters>,
    pending: IdMap<Pending>,
    presence: PresenceBook,
    next_ephemeral: u64,
    /// Batches handed to the outbox writer and not yet back.
    commits_in_flight: usize,
    /// How many durable deliveries may wait for one adapter beyond its queue.
    pub(crate) backlog_limit: usize,
    /// How to read a new routing table on a reload request.
    pub(crate) reload_hook: Option<ReloadHook>,
}

impl Dispatcher {
    pub(crate) fn new(
        resolver: Resolver,
        store: SharedStore,
        durable: bool,
        slots: Vec<Slot>,
        counters: Arc<RouterCounters>,
    ) -> Self {
        Self {
            resolver,
            store,
            durable,
            slots,
            counters,
            pending: IdMap::default(),
            presence: PresenceBook::default(),
            next_ephemeral: 0,
            commits_in_flight: 0,
            backlog_limit: 0,
            reload_hook: None,
        }
    }

    /// Loads what the outbox still holds for each adapter, to hand over again as its queue has room.
    pub(crate) fn load_outbox(&mut self) -> Result<usize, crate::store::StoreError> {
        let mut total = 0;
        for index in 0..self.slots.len() {
            for entry in self.store.outbox_pending(&self.slots[index].id)? {
                let stored = match postcard::from_bytes::<StoredDelivery>(&entry.payload) {
                    Ok(stored) => stored,
                    Err(error) => {
                        // Unreadable entries stay in the store for an operator to inspect; they are not
                        // silently deleted.
                        error!(adapter = %self.slots[index].id, seq = entry.seq.0, error = %error,
                            "Outbox entry cannot be decoded; leaving it in the store");
                        continue;
                    }
                };
                let Some(recipient) = stored.envelope.recipient.clone() else {
                    error!(adapter = %self.slots[index].id, seq = entry.seq.0,
                        "Outbox entry has no recipient; leaving it in the store");
                    continue;
                };
                let origin = self.slots.iter().position(|s| s.id == stored.origin);
                let wants_receipt = matches!(&stored.envelope.payload,
                    Payload::Message(m) if m.meta.wants_receipt);
                self.pending.insert(
                    entry.seq.0,
                    Pending {
                        slot: index,
                        origin,
                        origin_envelope: stored.origin_envelope,
                        recipient,
                        durable: Some(entry.seq),
                        wants_receipt,
                    },
                );
                let mut envelope = stored.envelope;
                envelope.id = EnvelopeId(entry.seq.0);
                self.slots[index].waiting.push_back(envelope);
                total += 1;
            }
        }
        Ok(total)
    }

    /// Runs until every adapter has stopped (their senders are gone) and every outbox write is back, then
    /// flushes the store. Adapters stop first at shutdown, so whatever they sent on their way out is still
    /// routed.
    pub(crate) async fn run(
        mut self,
        mut rx: mpsc::Receiver<(usize, Envelope)>,
        mut control: mpsc::UnboundedReceiver<ControlRequest>,
    ) {
        let (done_tx, mut done_rx) = mpsc::unbounded_channel();
        let writer = self
            .durable
            .then(|| OutboxWriter::spawn(Arc::clone(&self.store), done_tx));
        let mut batch = Vec::with_capacity(BATCH);
        // While anything waits for room in an adapter's queue, look again this often.
        let mut backlog_tick = tokio::time::interval(Duration::from_millis(2));
        backlog_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut inbound_open = true;
        while inbound_open || self.commits_in_flight > 0 {
            self.flush_statuses();
            self.flush_waiting();
            tokio::select! {
                received = rx.recv_many(&mut batch, BATCH), if inbound_open => {
                    if received == 0 {
                        inbound_open = false;
                    } else {
                        self.handle_batch(&mut batch, writer.as_ref());
                    }
                }
                Some(done) = done_rx.recv() => self.finish_commit(done),
                Some(request) = control.recv() => self.on_control(request),
                _ = backlog_tick.tick(), if self.has_backlog() => {}
            }
        }
        if let Some(writer) = writer {
            writer.close().await;
        }
        if let Err(error) = self.store.flush() {
            error!(error = %error, "Flushing the store at shutdown failed");
        }
    }

    fn on_control(&mut self, request: ControlRequest) {
        match request {
            ControlRequest::Reload(answer) => {
                let outcome = match &self.reload_hook {
                    None => Err("this gateway has no configuration file to reload from".to_owned()),
                    Some(hook) => hook.read().map(|table| {
                        let summary = format!(
                            "{} bridges, {} routes",
                            table.bridges.len(),
                            table.routes.len()
                        );
                        self.resolver = self.resolver.with_table(table);
                        summary
                    }),
                };
                match &outcome {
                    Ok(summary) => info!(summary = %summary, "Bridges and routes reloaded"),
                    Err(reason) => {
                        warn!(reason = %reason, "Reload refused; the old bridges and routes stay")
                    }
                }
                let _ = answer.send(outcome);
            }
        }
    }

    fn has_backlog(&self) -> bool {
        self.slots
            .iter()
            .any(|slot| !slot.waiting.is_empty() || !slot.statuses.is_empty())
    }

    fn flush_waiting(&mut self) {
        for index in 0..self.slots.len() {
            while let Some(envelope) = self.slots[index].waiting.pop_front() {
                let id = envelope.id.0;
                match self.slots[index].tx.try_send(envelope) {
                    Ok(()) => {
                        self.slots[index]
                            .stats
                            .delivered
                            .fetch_add(1, Ordering::Relaxed);
                    }
                    Err(mpsc::error::TrySendError::Full(envelope)) => {
                        self.slots[index].waiting.push_front(envelope);
                        break;
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => {
                        let text = format!("the {} adapter has stopped", self.slots[index].id);
                        self.fail_pending(
                            id,
                            DeliveryError::new(ErrorKind::ServiceUnavailable, text),
                        );
                    }
                }
            }
        }
    }

    pub(crate) fn handle_batch(
        &mut self,
        batch: &mut Vec<(usize, Envelope)>,
        writer: Option<&OutboxWriter>,
    ) {
        let mut planned = Vec::new();
        let mut accepted = Vec::new();
        for (origin, envelope) in batch.drain(..) {
            match envelope.payload {
                Payload::Status(status) => self.handle_status(origin, status),
                Payload::Presence(presence) => {
                    self.presence.record(&presence);
                    if let Some(recipient) = envelope.recipient {
                        self.send_ephemeral(
                            origin,
                            envelope.id,
                            &recipient,
                            Payload::Presence(presence),
                        );
                    }
                }
                // A room event for one participant (a transport user joining a channel, the channel's
                // occupants shown to that user) goes to its recipient; one without goes across bridges.
                Payload::Room(event) if envelope.recipient.is_some() => {
                    let recipient = envelope.recipient.expect("checked by the guard");
                    self.send_ephemeral(origin, envelope.id, &recipient, Payload::Room(event));
                }
                Payload::Room(event) => {
                    for target in self.resolver.resolve_room(&event.room) {
                        let payload = Payload::Room(event.clone());
                        self.deliver_ephemeral(target, payload);
                    }
                }
                // Typing notifications (RFC 3994) are state, not messages: never written to the outbox,
                // never acknowledged; one that cannot be routed is only logged.
                Payload::Message(message) if message.composing_state().is_some() => {
                    let recipients = match envelope.recipient {
                        Some(recipient) => vec![recipient],
                        None => message.recipients().unwrap_or_default(),
                    };
                    let presence = &self.presence;
                    match self.resolver.resolve_message(
                        &recipients,
                        &|address| presence.is_offline(address),
                        self.store.as_ref(),
                    ) {
                        Ok(targets) => {
                            for target in targets {
                                self.deliver_ephemeral(target, Payload::Message(message.clone()));
                            }
                        }
                        Err(error) => debug!(error = %error, "Typing notification not routed"),
                    }
                }
                Payload::Message(message) => {
                    match self.plan_message(
                        origin,
                        envelope.id,
                        envelope.recipient,
                        message,
                        &mut planned,
                    ) {
                        Ok(()) => accepted.push((origin, envelope.id)),
                        Err(error) => {
                            self.counters.rejected.fetch_add(1, Ordering::Relaxed);
                            self.report(origin, envelope.id, None, DeliveryOutcome::Failed(error));
                        }
                    }
                }
            }
        }
        if accepted.is_empty() {
            return;
        }
        let job = CommitJob { planned, accepted };
        match writer {
            Some(writer) => match writer.submit(job) {
                Ok(()) => self.commits_in_flight += 1,
                Err(job) => self.finish_commit(CommitDone {
                    job,
                    outcome: Err("the outbox writer has stopped".to_owned()),
                }),
            },
            None => {
                let count = job.planned.len();
                self.finish_commit(CommitDone {
                    job,
                    outcome: Ok(Vec::with_capacity(count)),
                });
            }
        }
    }

    fn plan_message(
        &mut self,
        origin: usize,
        origin_envelope: EnvelopeId,
        recipient_override: Option<Address>,
        message: Box<Message>,
        planned: &mut Vec<Planned>,
    ) -> Result<(), DeliveryError> {
        let recipients = match recipient_override {
            Some(recipient) => vec![recipient],
            None => message.recipients().map_err(|error| {
                DeliveryError::new(
                    ErrorKind::BadRequest,
                    format!("bad recipient address: {error}"),
                )
            })?,
        };
        let presence = &self.presence;
        let targets = self.resolver.resolve_message(
            &recipients,
            &|address| presence.is_offline(address),
            self.store.as_ref(),
        )?;
        let wants_receipt = message.meta.wants_receipt;
        let origin_id = &self.slots[origin].id;
        let dedupe = if self.durable {
            dedupe_key(origin_id, &Payload::Message(message.clone()))
        } else {
            None
        };
        let mut message = Some(message);
        let count = targets.len();
        for (index, target) in targets.into_iter().enumerate() {
            // The last copy takes the message itself; only fan-out pays for clones.
            let copy = if index + 1 == count {
                message.take().expect("taken once, for the last copy")
            } else {
                message.clone().expect("still here before the last copy")
            };
            let record = self.durable.then(|| {
                (
                    origin_id.clone(),
                    self.slots[target.slot].id.clone(),
                    dedupe.clone(),
                )
            });
            let envelope = Envelope {
                id: EnvelopeId(0),
                recipient: Some(target.recipient.clone()),
                bridge: target
                    .bridge
                    .and_then(|b| self.resolver.bridge_name(b))
                    .map(str::to_owned),
                payload: Payload::Message(copy),
            };
            planned.push(Planned {
                origin,
                origin_envelope,
                target,
                envelope,
                wants_receipt,
                record,
            });
        }
        self.counters.routed.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Acknowledges the sources of a written batch and hands its copies over; a failed write is reported to
    /// every source instead.
    fn finish_commit(&mut self, done: CommitDone) {
        if self.durable {
            self.commits_in_flight = self.commits_in_flight.saturating_sub(1);
        }
        let CommitJob { planned, accepted } = done.job;
        let puts = match done.outcome {
            Ok(puts) => puts,
            Err(text) => {
                for (origin, id) in accepted {
                    self.counters.rejected.fetch_add(1, Ordering::Relaxed);
                    let error = DeliveryError::new(ErrorKind::InternalServerError, text.clone());
                    self.report(origin, id, None, DeliveryOutcome::Failed(error));
                }
                return;
            }
        };
        for (origin, id) in accepted {
            if self.slots[origin].wants_acceptance {
                self.report(origin, id, None, DeliveryOutcome::Accepted);
            }
        }
        if !self.durable {
            for plan in planned {
                let id = self.ephemeral_id();
                self.start_delivery(plan, id, None);
            }
            return;
        }
        for (plan, put) in planned.into_iter().zip(puts) {
            match put {
                OutboxPut::Stored(seq) => self.start_delivery(plan, seq.0, Some(seq)),
                OutboxPut::Duplicate(seq) => {
                    self.counters.duplicates.fetch_add(1, Ordering::Relaxed);
                    debug!(
                        seq = seq.0,
                        "Duplicate message (same source id) not delivered again"
                    );
                }
            }
        }
    }

    fn start_delivery(&mut self, plan: Planned, id: u64, durable: Option<OutboxSeq>) {
        self.pending.insert(
            id,
            Pending {
                slot: plan.target.slot,
                origin: Some(plan.origin),
                origin_envelope: plan.origin_envelope,
                recipient: plan.target.recipient,
                durable,
                wants_receipt: plan.wants_receipt,
            },
        );
        let mut envelope = plan.envelope;
        envelope.id = EnvelopeId(id);
        self.hand_over(plan.target.slot, envelope, durable.is_some());
    }

    /// Puts an envelope in an adapter's queue without waiting; a full or closed queue fails the delivery and
    /// tells the sender.
    /// Puts an envelope in an adapter's queue without waiting. A durable copy that finds the queue full waits
    /// in the router (it is in the outbox already) up to the backlog limit; past that, or for a copy that is
    /// not durable, a full or closed queue fails the delivery and tells the sender.
    fn hand_over(&mut self, slot: usize, envelope: Envelope, durable: bool) {
        let id = envelope.id.0;
        let adapter = &mut self.slots[slot];
        let envelope = if adapter.waiting.is_empty() {
            match adapter.tx.try_send(envelope) {
                Ok(()) => {
                    adapter.stats.delivered.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    let text = format!("the {} adapter has stopped", adapter.id);
                    warn!(adapter = %adapter.id, error = %text, "Delivery refused");
                    self.fail_pending(id, DeliveryError::new(ErrorKind::ServiceUnavailable, text));
                    return;
                }
                Err(mpsc::error::TrySendError::Full(envelope)) => envelope,
            }
        } else {
            envelope
        };
        if durable && adapter.waiting.len() < self.backlog_limit {
            adapter.waiting.push_back(envelope);
            return;
        }
        adapter.stats.queue_full.fetch_add(1, Ordering::Relaxed);
        let text = format!(
            "the {} adapter's queue is full; the message was not delivered, try again later",
            adapter.id
        );
        warn!(adapter = %adapter.id, error = %text, "Delivery refused");
        self.fail_pending(id, DeliveryError::new(ErrorKind::ResourceConstraint, text));
    }

    fn send_ephemeral(
        &mut self,
        origin: usize,
        origin_envelope: EnvelopeId,
        recipient: &Address,
        payload: Payload,
    ) {
        match self.resolver.direct_target(recipient, self.store.as_ref()) {
            Ok(target) => self.deliver_ephemeral(target, payload),
            Err(error) => self.report(
                origin,
                origin_envelope,
                Some(recipient.clone()),
                DeliveryOutcome::Failed(error),
            ),
        }
    }

    fn deliver_ephemeral(&mut self, target: Target, payload: Payload) {
        self.counters.routed.fetch_add(1, Ordering::Relaxed);
        let envelope = Envelope {
            id: EnvelopeId(self.ephemeral_id()),
            recipient: Some(target.recipient),
            bridge: target
                .bridge
                .and_then(|b| self.resolver.bridge_name(b))
                .map(str::to_owned),
            payload,
        };
        if let Err(error) = self.slots[target.slot].tx.try_send(envelope) {
            let queue_full = matches!(error, mpsc::error::TrySendError::Full(_));
            if queue_full {
                self.slots[target.slot]
                    .stats
                    .queue_full
                    .fetch_add(1, Ordering::Relaxed);
            }
            warn!(adapter = %self.slots[target.slot].id, queue_full,
                "Presence or room event not handed over: the adapter's queue is full or closed");
        } else {
            self.slots[target.slot]
                .stats
                .delivered
                .fetch_add(1, Ordering::Relaxed);
        }
    }

    fn ephemeral_id(&mut self) -> u64 {
        self.next_ephemeral = self.next_ephemeral.wrapping_add(1);
        EPHEMERAL_BIT | self.next_ephemeral
    }
}
