//! Switchboard's email adapter: IMs out as mail over SMTP, replies back in through an SMTP listener.
//!
//! - Outbound: an envelope for a `mailto:` address becomes a mail (see [`map::prepare`]) handed to the relay;
//!   `Delivered` is reported only after the relay's 250, a 4xx or an unreachable relay is retried with
//!   backoff (the router's durable outbox keeps the envelope meanwhile), a 5xx is reported `Failed`.
//! - Inbound: the listener takes mail only for conversation tokens under the mail domain, and answers 250
//!   only after the router reported the message `Accepted` (held durably).
//! - Loops: mail from the gateway or from auto-responders is not relayed to chat; a message that came from
//!   mail is never sent out as mail.
#![forbid(unsafe_code)]

pub mod config;
pub mod conversations;
pub mod error;
pub mod inbound;
pub mod map;
pub mod outbound;
pub mod proto;

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use switchboard_core::adapter::{Adapter, AdapterContext, AdapterError, AddressClaim, CoreSender};
use switchboard_core::address::{Address, Scheme};
use switchboard_core::envelope::{DeliveryOutcome, DeliveryStatus, Envelope, Payload};
use switchboard_core::ids::AdapterId;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

pub use config::{EmailAdapterConfig, RelayCredentials, RelaySecurity};
pub use error::EmailError;

use conversations::Conversations;
use inbound::{Inbound, Waiting};
use outbound::{Relay, SendOutcome};

/// Outgoing mail queued for the sender task inside one run; more waits in the router (backpressure).
const OUTGOING_QUEUE: usize = 256;

/// The email adapter.
#[derive(Debug)]
pub struct EmailAdapter {
    config: EmailAdapterConfig,
}

impl EmailAdapter {
    /// An adapter with these settings.
    pub fn new(config: EmailAdapterConfig) -> Self {
        Self { config }
    }
}

#[async_trait]
impl Adapter for EmailAdapter {
    fn id(&self) -> AdapterId {
        AdapterId::new("email")
    }

    fn claims(&self) -> Vec<AddressClaim> {
        vec![AddressClaim::Scheme(Scheme::Mailto)]
    }

    /// SMTP answers 250 only once the gateway holds the message (RFC 5321 §4.2.5, §6.1).
    fn wants_acceptance(&self) -> bool {
        true
    }

    async fn run(&self, mut cx: AdapterContext) -> Result<(), AdapterError> {
        let relay = Relay::new(&self.config).map_err(|e| AdapterError::fatal(e.to_string()))?;
        let conversations = Conversations::new(cx.store.clone());
        let stop = cx.shutdown.child_token();
        let _stop_on_return = stop.clone().drop_guard();
        let waiting: Waiting = Arc::new(Mutex::new(HashMap::new()));
        let mut listening = None;
        if let Some(addr) = self.config.listen {
            let listener = TcpListener::bind(addr).await.map_err(|source| {
                AdapterError::transient(EmailError::Listen { addr, source }.to_string())
            })?;
            info!(listen = %addr, domain = %self.config.mail_domain, "Listening for reply mail");
            let inbound = Arc::new(Inbound {
                config: self.config.clone(),
                conversations: conversations.clone(),
                to_core: cx.to_core.clone(),
                waiting: waiting.clone(),
                next_id: AtomicU64::new(1),
            });
            listening = Some(tokio::spawn(inbound::serve(
                listener,
                inbound,
                stop.clone(),
            )));
        }
        let (outgoing_tx, outgoing_rx) = mpsc::channel(OUTGOING_QUEUE);
        let sender = Sender {
            config: self.config.clone(),
            relay,
            conversations,
            to_core: cx.to_core.clone(),
            stop: stop.clone(),
        };
        let sending = tokio::spawn(sender.run(outgoing_rx));
        let result = route(&mut cx, &outgoing_tx, &waiting).await;
        // The tasks hold the store: they end before the run does, so a restart can open it again.
        stop.cancel();
        let _ = sending.await;
        if let Some(listening) = listening {
            let _ = listening.await;
        }
        result
    }
}

/// Takes what the router hands over until shutdown: mail for the sender, statuses for waiting sessions.
async fn route(
    cx: &mut AdapterContext,
    outgoing_tx: &mpsc::Sender<Envelope>,
    waiting: &Waiting,
) -> Result<(), AdapterError> {
    loop {
        // Mail is taken only while the sender's queue has room; past that the router holds it (it is in
        // the outbox already). Statuses are read all the while, so inbound sessions still get their 250
        // when the relay is down.
        let room = outgoing_tx.capacity() > 0;
        tokio::select! {
            () = cx.shutdown.cancelled() => return Ok(()),
            envelope = cx.inbox.recv_when(room) => {
                let Some(envelope) = envelope else { return Ok(()) };
                match &envelope.payload {
                    Payload::Message(_) => {
                        if outgoing_tx.try_send(envelope).is_err() {
                            return Err(AdapterError::transient("the email sender task stopped"));
                        }
                    }
                    Payload::Status(status) => settle(waiting, status),
                    other => debug!(kind = other.kind(), "Not a message: mail has nothing to show for it"),
                }
            }
            // Wakes the loop once the sender frees a place.
            permit = outgoing_tx.reserve(), if !room => {
                if permit.is_err() {
                    return Err(AdapterError::transient("the email sender task stopped"));
                }
            }
        }
    }
}

/// A status from the router settles the inbound session waiting for it.
fn settle(waiting: &Waiting, status: &DeliveryStatus) {
    let waiter = waiting
        .lock()
        .expect("waiting map poisoned")
        .remove(&status.about.0);
    if let Some(waiter) = waiter {
        // The session may have given up waiting; then nobody needs the outcome.
        let _ = waiter.send(status.outcome.clone());
    }
}

/// Hands outgoing mail to the relay, one at a time and in order, retrying until it is taken or refused.
struct Sender {
    config: EmailAdapterConfig,
    relay: Relay,
    conversations: Conversations,
    to_core: CoreSender,
    stop: CancellationToken,
}

impl Sender {
    async fn run(self, mut queue: mpsc::Receiver<Envelope>) {
        loop {
            let envelope = tokio::select! {
                () = self.stop.cancelled() => return,
                envelope = queue.recv() => match envelope {
                    Some(envelope) => envelope,
                    None => return,
                },
            };
            let Some(outcome) = self.deliver(&envelope).await else {
                // Stopping: the router's outbox still has it and hands it over again after the restart.
                return;
            };
            if self
                .to_core
                .report(envelope.id, envelope.recipient.clone(), outcome)
                .await
                .is_err()
            {
                return;
            }
        }
    }

    /// `None` when the adapter stops before the relay took the mail.
    async fn deliver(&self, envelope: &Envelope) -> Option<DeliveryOutcome> {
        let Payload::Message(message) = &envelope.payload else {
            return None;
        };
        let Some(recipient) = envelope.recipient.clone().or_else(|| {
            message
                .recipients()
                .ok()
                .and_then(|r| r.into_iter().find(|a| matches!(a, Address::Mailto(_))))
        }) else {
            return Some(DeliveryOutcome::Failed(
                switchboard_core::envelope::DeliveryError::new(
                    switchboard_core::envelope::ErrorKind::BadRequest,
                    "the message names no mail recipient",
                ),
            ));
        };
        let prepared = match map::prepare(&self.config, &self.conversations, message, &recipient) {
            Ok(prepared) => prepared,
            Err(error) => {
                warn!(to = %recipient, error = %error, "Message not mailed");
                return Some(DeliveryOutcome::Failed(error));
            }
        };
        let mut attempt = 0;
        loop {
            match self.relay.send(&prepared.to, &prepared.bytes).await {
                SendOutcome::Sent => {
                    if let Err(error) = self
                        .conversations
                        .add_reference(&prepared.conversation.token, &prepared.message_id)
                    {
                        warn!(error = %error, "Recording a sent mail in its conversation failed");
                    }
                    info!(to = %prepared.to, message_id = %prepared.message_id, relay = self.relay.name(),
                        "Mail handed to the relay");
                    return Some(DeliveryOutcome::Delivered);
                }
                SendOutcome::Permanent(error) => {
                    warn!(to = %prepared.to, relay = self.relay.name(), error = %error, "The relay refused a mail");
                    return Some(DeliveryOutcome::Failed(error));
                }
                SendOutcome::Transient(reason) => {
                    let wait = self.config.retry.delay(attempt);
                    attempt = attempt.saturating_add(1);
                    warn!(to = %prepared.to, relay = self.relay.name(), reason = %reason, attempt,
                        retry_in_ms = wait.as_millis() as u64, "Mail not handed over; retrying");
                    tokio::select! {
                        () = self.stop.cancelled() => return None,
                        () = tokio::time::sleep(wait) => {}
                    }
                }
            }
        }
    }
}
