//! The adapter contract: what every network adapter implements and what the core hands it.
//!
//! An adapter translates one network in and out of core types. The router runs each adapter inside a
//! supervisor that restarts it (with backoff) when [`Adapter::run`] fails or panics, so `run` may be called
//! many times on the same value over the gateway's life; state that must survive a restart belongs in the
//! store.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::{Mutex, OwnedMutexGuard, mpsc};
use tokio_util::sync::CancellationToken;

use crate::address::{Address, Scheme};
use crate::envelope::{DeliveryOutcome, DeliveryStatus, Envelope, EnvelopeId, Payload};
use crate::ids::AdapterId;
use crate::router::GatewayControl;
use crate::store::SharedStore;

/// A network adapter.
#[async_trait]
pub trait Adapter: Send + Sync + fmt::Debug + 'static {
    /// The adapter's stable id (`xmpp`, `irc:libera`); the outbox is keyed by it.
    fn id(&self) -> AdapterId;

    /// The addresses this adapter delivers to. The router sends an envelope for a recipient to the adapter
    /// whose most specific claim matches it.
    fn claims(&self) -> Vec<AddressClaim>;

    /// Whether the adapter wants a [`DeliveryOutcome::Accepted`] report once the gateway holds each of its
    /// messages durably. Networks that acknowledge their peer only then (SMTP 250, SIP 202, SMPP
    /// deliver_sm_resp) say yes; the others are spared the traffic.
    fn wants_acceptance(&self) -> bool {
        false
    }

    /// Runs until `cx.shutdown` is cancelled (then returns `Ok`) or a fatal error. Reconnects inside; returns
    /// an error only when the supervisor should restart it ([`AdapterErrorKind::Transient`]) or give up
    /// ([`AdapterErrorKind::Fatal`]).
    ///
    /// Contract (checked by the conformance suite behind the `testing` feature):
    /// - every envelope received from `cx.inbox` carrying a message is answered with exactly one
    ///   [`DeliveryStatus`] (delivered or failed), never dropped silently;
    /// - everything from the network goes to `cx.to_core`; when that queue is full the adapter slows down
    ///   (backpressure) rather than dropping;
    /// - on shutdown it returns promptly.
    async fn run(&self, cx: AdapterContext) -> Result<(), AdapterError>;
}

/// Which addresses an adapter delivers to, from least to most specific.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AddressClaim {
    /// Every address of a scheme (`mailto:` for the email adapter).
    Scheme(Scheme),
    /// Every address of a scheme under one domain or IRC network (`irc://libera/...`).
    Domain {
        /// The scheme.
        scheme: Scheme,
        /// The domain, host or network name, compared case-insensitively.
        domain: String,
    },
    /// One exact address (a room an adapter joined).
    Exact(Address),
}

impl AddressClaim {
    /// How specific the claim is; the most specific matching claim wins.
    pub fn specificity(&self) -> u8 {
        match self {
            AddressClaim::Scheme(_) => 0,
            AddressClaim::Domain { .. } => 1,
            AddressClaim::Exact(_) => 2,
        }
    }

    /// Whether `address` falls under this claim.
    pub fn matches(&self, address: &Address) -> bool {
        match self {
            AddressClaim::Scheme(scheme) => address.scheme() == *scheme,
            AddressClaim::Domain { scheme, domain } => {
                address.scheme() == *scheme
                    && address
                        .domain()
                        .is_some_and(|d| d.eq_ignore_ascii_case(domain))
            }
            AddressClaim::Exact(exact) => exact.bare_cow() == address.bare_cow(),
        }
    }
}

/// What the core hands an adapter for one run.
#[derive(Debug)]
pub struct AdapterContext {
    /// The adapter's id.
    pub id: AdapterId,
    /// Envelopes from the network to the core. Bounded: a full queue means the core is busy.
    pub to_core: CoreSender,
    /// Envelopes from the core for the network. Survives restarts of the adapter: what a crashed run had not
    /// taken is there for the next one.
    pub inbox: Inbox,
    /// The identity store, message-id map and registrations.
    pub store: SharedStore,
    /// Cancelled when the gateway shuts down.
    pub shutdown: CancellationToken,
    /// Requests to the router (reload bridges and routes, for admin commands).
    pub control: GatewayControl,
}

/// The sending half from an adapter to the router; tags every envelope with the adapter's slot.
#[derive(Debug, Clone)]
pub struct CoreSender {
    pub(crate) slot: usize,
    pub(crate) tx: mpsc::Sender<(usize, Envelope)>,
}

impl CoreSender {
    /// Sends an envelope to the core, waiting while the core's queue is full (backpressure).
    pub async fn send(&self, envelope: Envelope) -> Result<(), CoreClosed> {
        self.tx
            .send((self.slot, envelope))
            .await
            .map_err(|_| CoreClosed)
    }

    /// Sends without waiting; gives the envelope back when the queue is full or closed.
    pub fn try_send(&self, envelope: Envelope) -> Result<(), Box<Envelope>> {
        self.tx
            .try_send((self.slot, envelope))
            .map_err(|error| match error {
                mpsc::error::TrySendError::Full((_, e))
                | mpsc::error::TrySendError::Closed((_, e)) => Box::new(e),
            })
    }

    /// Reports the outcome of an envelope the core sent this adapter.
    pub async fn report(
        &self,
        about: EnvelopeId,
        recipient: Option<Address>,
        outcome: DeliveryOutcome,
    ) -> Result<(), CoreClosed> {
        let status = DeliveryStatus {
            about,
            recipient,
            outcome,
        };
        self.send(Envelope::new(about, Payload::Status(status)))
            .await
    }
}

/// Happens when the router has stopped (the gateway is shutting down).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the router has stopped; the gateway is shutting down")]
pub struct CoreClosed;

/// The receiving half from the router to an adapter, held for the length of one run: deliveries
/// (messages, presence, room events) and status reports on two queues.
#[derive(Debug)]
pub struct Inbox {
    pub(crate) deliveries: OwnedMutexGuard<mpsc::Receiver<Envelope>>,
    pub(crate) statuses: OwnedMutexGuard<mpsc::Receiver<Envelope>>,
}

impl Inbox {
    /// The next envelope for the network, statuses first; `None` when the router has stopped.
    pub async fn recv(&mut self) -> Option<Envelope> {
        self.recv_when(true).await
    }

    /// The next envelope, taking deliveries only when `take_deliveries`. An adapter that cannot take another
    /// delivery yet (its network is slow or down) keeps receiving status reports meanwhile; the router holds
    /// the deliveries (backpressure), and the statuses its own senders wait for do not queue behind them.
    pub async fn recv_when(&mut self, take_deliveries: bool) -> Option<Envelope> {
        tokio::select! {
            biased;
            Some(status) = self.statuses.recv() => Some(status),
            delivery = self.deliveries.recv(), if take_deliveries => delivery,
            else => None,
        }
    }

    /// Up to `limit` envelopes at once (statuses first), waiting for the first; 0 when the router has
    /// stopped.
    pub async fn recv_many(&mut self, buffer: &mut Vec<Envelope>, limit: usize) -> usize {
        let mut taken = 0;
        while taken < limit {
            match self.statuses.try_recv() {
                Ok(status) => {
                    buffer.push(status);
                    taken += 1;
                }
                Err(_) => break,
            }
        }
        if taken > 0 {
            return taken;
        }
        tokio::select! {
            biased;
            Some(status) = self.statuses.recv() => {
                buffer.push(status);
                1
            }
            taken = self.deliveries.recv_many(buffer, limit) => taken,
        }
    }

    /// How many envelopes wait in the queues.
    pub fn len(&self) -> usize {
        self.deliveries.len() + self.statuses.len()
    }

    /// Whether no envelope waits.
    pub fn is_empty(&self) -> bool {
        self.deliveries.is_empty() && self.statuses.is_empty()
    }
}

/// The shared receiver an [`Inbox`] locks for one run.
pub(crate) type SharedReceiver = Arc<Mutex<mpsc::Receiver<Envelope>>>;

/// Why an adapter's run ended badly.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct AdapterError {
    /// Whether the supervisor should restart the adapter.
    pub kind: AdapterErrorKind,
    /// What happened and what the operator can do, e.g. "component handshake refused by 127.0.0.1:5347: check
    /// [xmpp].secret matches the server's component_secret".
    pub message: String,
    /// The underlying error.
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl AdapterError {
    /// A failure the supervisor retries with backoff (connection lost, peer restarting).
    pub fn transient(message: impl Into<String>) -> Self {
        Self {
            kind: AdapterErrorKind::Transient,
            message: message.into(),
            source: None,
        }
    }

    /// A failure no retry can mend (bad configuration): the supervisor stops this adapter and says why.
    pub fn fatal(message: impl Into<String>) -> Self {
        Self {
            kind: AdapterErrorKind::Fatal,
            message: message.into(),
            source: None,
        }
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }
}

/// Whether an adapter failure is worth a restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdapterErrorKind {
    /// Restart with backoff.
    Transient,
    /// The peer refused us for a reason a retry might mend later (auth temporarily refused); restart with
    /// backoff, logged as a warning the operator should read.
    Rejected,
    /// Do not restart.
    Fatal,
}
