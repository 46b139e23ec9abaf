//! The router: resolves destinations from bridges, routes and the identity store, persists messages to the
//! durable outbox, fans out to adapters without blocking on any one of them, and supervises every adapter.

mod control;
mod dispatch;
mod persist;
mod stats;
mod supervisor;
mod table;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::info;

pub use control::{GatewayControl, ReloadHook};
pub use stats::{AdapterSnapshot, RouterSnapshot};
pub use supervisor::Backoff;
pub use table::{Bridge, Route, RouteWhen, RoutingTable};

use crate::adapter::Adapter;
use crate::ids::AdapterId;
use crate::store::{SharedStore, StoreError};
use dispatch::{Dispatcher, Slot};
use stats::{AdapterStats, RouterCounters};
use supervisor::Supervised;
use table::Resolver;

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RouterError {
    /// Happens when two adapters are registered under the same id.
    #[error("two adapters share the id {0}: give each network its own name")]
    DuplicateAdapter(AdapterId),
    /// Happens when the outbox cannot be read at start-up.
    #[error("reading the outbox failed")]
    Outbox(#[source] StoreError),
}

/// Sets up the router and its adapters.
#[derive(Debug)]
pub struct RouterBuilder {
    store: SharedStore,
    table: RoutingTable,
    adapters: Vec<Arc<dyn Adapter>>,
    durable: bool,
    queue_capacity: usize,
    backlog_limit: usize,
    core_queue_capacity: usize,
    backoff: Backoff,
    shutdown_grace: Duration,
    message_id_retention: Duration,
    prune_every: Duration,
    reload_hook: Option<ReloadHook>,
}

impl RouterBuilder {
    /// A router over `store` with no routes and no adapters; messages go through the durable outbox.
    pub fn new(store: SharedStore) -> Self {
        Self {
            store,
            table: RoutingTable::default(),
            adapters: Vec::new(),
            durable: true,
            queue_capacity: 4096,
            backlog_limit: 65_536,
            core_queue_capacity: 8192,
            backoff: Backoff::default(),
            shutdown_grace: Duration::from_secs(10),
            message_id_retention: Duration::from_secs(30 * 24 * 3600),
            prune_every: Duration::from_secs(3600),
            reload_hook: None,
        }
    }

    /// How to read bridges and routes afresh when an admin asks for a reload.
    pub fn reload_hook(mut self, hook: ReloadHook) -> Self {
        self.reload_hook = Some(hook);
        self
    }

    /// How long message-id mappings (and source ids remembered against duplicates) are kept (default 30
    /// days): a correction or reply to an older message no longer finds its original.
    pub fn message_id_retention(mut self, retention: Duration) -> Self {
        self.message_id_retention = retention;
        self
    }

    /// How often the message-id map and the de-duplication index are pruned (default hourly).
    pub fn prune_every(mut self, every: Duration) -> Self {
        self.prune_every = every.max(Duration::from_millis(1));
        self
    }

    /// The bridges and routes.
    pub fn table(mut self, table: RoutingTable) -> Self {
        self.table = table;
        self
    }

    /// Adds an adapter.
    pub fn adapter(mut self, adapter: Arc<dyn Adapter>) -> Self {
        self.adapters.push(adapter);
        self
    }

    /// Whether messages are written to the outbox before they are acknowledged (default: yes).
    pub fn durable(mut self, durable: bool) -> Self {
        self.durable = durable;
        self
    }

    /// How many envelopes may wait for each adapter before further ones are refused (default 4096).
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.queue_capacity = capacity.max(1);
        self
    }

    /// How many durable messages may wait in the router for one adapter whose queue is full (default 65,536).
    /// They are in the outbox already; past this limit further messages for that adapter are refused with a
    /// resource-constraint error to their sender.
    pub fn backlog_limit(mut self, limit: usize) -> Self {
        self.backlog_limit = limit;
        self
    }

    /// How many envelopes may wait for the router before adapters are slowed down (default 8192).
    pub fn core_queue_capacity(mut self, capacity: usize) -> Self {
        self.core_queue_capacity = capacity.max(1);
        self
    }

    /// The restart policy for failing adapters.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// How long adapters get to stop at shutdown before they are aborted (default 10 s).
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// Starts the router and every adapter on the current tokio runtime.
    pub fn start(self) -> Result<RunningGateway, RouterError> {
        let mut ids = std::collections::HashSet::new();
        for adapter in &self.adapters {
            let id = adapter.id();
            if !ids.insert(id.clone()) {
                return Err(RouterError::DuplicateAdapter(id));
            }
        }
        let shutdown = CancellationToken::new();
        let (core_tx, core_rx) = mpsc::channel(self.core_queue_capacity);
        let (control_tx, control_rx) = mpsc::unbounded_channel();
        let control = GatewayControl { tx: control_tx };
        let mut slots = Vec::new();
        let mut claims = Vec::new();
        let mut supervised = Vec::new();
        for (index, adapter) in self.adapters.into_iter().enumerate() {
            let (tx, rx) = mpsc::channel(self.queue_capacity);
            let (status_tx, status_rx) = mpsc::channel(self.queue_capacity);
            let stats = Arc::new(AdapterStats::default());
            claims.extend(adapter.claims().into_iter().map(|claim| (claim, index)));
            slots.push(Slot {
                id: adapter.id(),
                tx,
                status_tx,
                stats: Arc::clone(&stats),
                wants_acceptance: adapter.wants_acceptance(),
                waiting: Default::default(),
                statuses: Default::default(),
            });
            supervised.push(Supervised {
                adapter,
                slot: index,
                to_core: core_tx.clone(),
                receiver: Arc::new(Mutex::new(rx)),
                status_receiver: Arc::new(Mutex::new(status_rx)),
                store: Arc::clone(&self.store),
                shutdown: shutdown.clone(),
                backoff: self.backoff,
                stats,
                shutdown_grace: self.shutdown_grace,
                control: control.clone(),
            });
        }
        drop(core_tx);
        let counters = Arc::new(RouterCounters::default());
        let adapter_view: Vec<(AdapterId, Arc<AdapterStats>, mpsc::Sender<_>)> = slots
            .iter()
            .map(|slot| (slot.id.clone(), Arc::clone(&slot.stats), slot.tx.clone()))
            .collect();
        let resolver = Resolver::new(self.table, claims);
        let mut dispatcher = Dispatcher::new(
            resolver,
            Arc::clone(&self.store),
            self.durable,
            slots,
            Arc::clone(&counters),
        );
        dispatcher.backlog_limit = self.backlog_limit;
        dispatcher.reload_hook = self.reload_hook;
        let resumed = dispatcher.load_outbox().map_err(RouterError::Outbox)?;
        if resumed > 0 {
            info!(entries = resumed, "Resuming deliveries left in the outbox");
        }
        let router = tokio::spawn(dispatcher.run(core_rx, control_rx));
        let pruner = tokio::spawn(prune_periodically(
            Arc::clone(&self.store),
            self.message_id_retention,
            self.prune_every,
            shutdown.clone(),
        ));
        let mut supervisors: Vec<JoinHandle<()>> = supervised
            .into_iter()
            .map(|s| tokio::spawn(s.supervise()))
            .collect();
        // Awaited at shutdown with the supervisors, so nothing holds the store afterwards.
        supervisors.push(pruner);
        Ok(RunningGateway {
            control,
            shutdown,
            router,
            supervisors,
            counters,
            adapters: adapter_view,
        })
    }
}

/// Prunes the message-id map and the de-duplication index every `every`, on a blocking thread, until
/// shutdown. Without it both would grow without bound.
async fn prune_periodically(
    store: SharedStore,
    retention: Duration,
    every: Duration,
    shutdown: CancellationToken,
) {
    let mut tick = tokio::time::interval(every);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let Some(cutoff) = std::time::SystemTime::now().checked_sub(retention) else {
            continue;
        };
        let store = Arc::clone(&store);
        match tokio::task::spawn_blocking(move || store.prune_message_ids(cutoff)).await {
            Ok(Ok(pruned)) => info!(pruned, "Pruned old message-id mappings"),
            Ok(Err(error)) => tracing::error!(error = %error, "Pruning message-id mappings failed"),
            Err(error) => tracing::error!(error = %error, "The pruning task failed"),
        }
    }
}

/// The router and its adapters, running.
#[derive(Debug)]
pub struct RunningGateway {
    control: GatewayControl,
    shutdown: CancellationToken,
    router: JoinHandle<()>,
    supervisors: Vec<JoinHandle<()>>,
    counters: Arc<RouterCounters>,
    adapters: Vec<(
        AdapterId,
        Arc<AdapterStats>,
        mpsc::Sender<crate::envelope::Envelope>,
    )>,
}

impl RunningGateway {
    /// A token that, cancelled, shuts everything down (for signal handlers).
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// The handle for requests to the router (reload on SIGHUP, say).
    pub fn control(&self) -> GatewayControl {
        self.control.clone()
    }

    /// The router's counters now.
    pub fn snapshot(&self) -> RouterSnapshot {
        RouterSnapshot {
            routed: RouterCounters::get(&self.counters.routed),
            rejected: RouterCounters::get(&self.counters.rejected),
            duplicates: RouterCounters::get(&self.counters.duplicates),
            adapters: self
                .adapters
                .iter()
                .map(|(id, stats, tx)| AdapterSnapshot {
                    id: id.clone(),
                    runs: stats.runs.load(Ordering::Relaxed),
                    restarts: stats.restarts.load(Ordering::Relaxed),
                    fatal: stats.fatal.load(Ordering::Relaxed),
                    delivered: stats.delivered.load(Ordering::Relaxed),
                    queue_full: stats.queue_full.load(Ordering::Relaxed),
                    queue_depth: tx.max_capacity() - tx.capacity(),
                })
                .collect(),
        }
    }

    /// Stops the adapters (each gets the grace period), then the router, which flushes the store.
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        for supervisor in self.supervisors {
            let _ = supervisor.await;
        }
        let _ = self.router.await;
    }

    /// Waits until the shutdown token is cancelled (by a signal handler), then shuts down.
    pub async fn run_until_shutdown(self) {
        self.shutdown.cancelled().await;
        self.shutdown().await;
    }
}
