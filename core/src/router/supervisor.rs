//! Supervision of adapter tasks: a failed or panicking adapter is restarted with exponential backoff and
//! jitter, while every other adapter keeps running.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::adapter::{
    Adapter, AdapterContext, AdapterErrorKind, CoreSender, Inbox, SharedReceiver,
};
use crate::envelope::Envelope;
use crate::router::control::GatewayControl;
use crate::router::stats::AdapterStats;
use crate::store::SharedStore;

/// How long to wait between restarts of a failing adapter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The wait after the first failure.
    pub initial: Duration,
    /// The longest wait.
    pub max: Duration,
    /// Each further failure multiplies the wait by this.
    pub multiplier: f64,
    /// Each wait is shortened by a random fraction up to this (0.0..=1.0), so that many adapters failing
    /// together do not retry in lock-step.
    pub jitter: f64,
    /// A run that lasted this long counts as healthy: the next failure starts again from `initial`.
    pub reset_after: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(60),
            multiplier: 2.0,
            jitter: 0.3,
            reset_after: Duration::from_secs(60),
        }
    }
}

impl Backoff {
    /// The wait before restart number `attempt` (0-based), jitter included.
    pub fn delay(&self, attempt: u32) -> Duration {
        let exponent = i32::try_from(attempt.min(64)).unwrap_or(64);
        let base = self.initial.as_secs_f64() * self.multiplier.powi(exponent);
        let capped = base.min(self.max.as_secs_f64());
        let jitter = self.jitter.clamp(0.0, 1.0) * rand::random::<f64>();
        Duration::from_secs_f64(capped * (1.0 - jitter))
    }
}

/// Everything one supervisor needs to (re)start its adapter.
pub(crate) struct Supervised {
    pub(crate) adapter: Arc<dyn Adapter>,
    pub(crate) slot: usize,
    pub(crate) to_core: mpsc::Sender<(usize, Envelope)>,
    pub(crate) receiver: SharedReceiver,
    pub(crate) status_receiver: SharedReceiver,
    pub(crate) store: SharedStore,
    pub(crate) shutdown: CancellationToken,
    pub(crate) backoff: Backoff,
    pub(crate) stats: Arc<AdapterStats>,
    pub(crate) shutdown_grace: Duration,
    pub(crate) control: GatewayControl,
}

impl Supervised {
    /// Runs the adapter until shutdown or a fatal error, restarting it after failures and panics.
    pub(crate) async fn supervise(self) {
        let id = self.adapter.id();
        let mut attempt = 0u32;
        loop {
            let inbox = Inbox {
                deliveries: Arc::clone(&self.receiver).lock_owned().await,
                statuses: Arc::clone(&self.status_receiver).lock_owned().await,
            };
            let cx = AdapterContext {
                id: id.clone(),
                to_core: CoreSender {
                    slot: self.slot,
                    tx: self.to_core.clone(),
                },
                inbox,
                store: Arc::clone(&self.store),
                shutdown: self.shutdown.child_token(),
                control: self.control.clone(),
            };
            let adapter = Arc::clone(&self.adapter);
            let started = Instant::now();
            self.stats.runs.fetch_add(1, Ordering::Relaxed);
            info!(adapter = %id, "Adapter starting");
            let mut task = tokio::spawn(async move { adapter.run(cx).await });
            let outcome = tokio::select! {
                outcome = &mut task => outcome,
                () = self.shutdown.cancelled() => {
                    match tokio::time::timeout(self.shutdown_grace, &mut task).await {
                        Ok(outcome) => outcome,
                        Err(_) => {
                            warn!(adapter = %id, grace_ms = self.shutdown_grace.as_millis() as u64,
                                "Adapter did not stop within the grace period; aborting it");
                            task.abort();
                            return;
                        }
                    }
                }
            };
            if self.shutdown.is_cancelled() {
                if let Ok(Err(error)) = &outcome {
                    warn!(adapter = %id, error = %error, "Adapter reported an error while shutting down");
                }
                info!(adapter = %id, "Adapter stopped");
                return;
            }
            match outcome {
                Ok(Ok(())) => {
                    warn!(adapter = %id, "Adapter returned before shutdown; restarting it");
                }
                Ok(Err(error)) if error.kind == AdapterErrorKind::Fatal => {
                    error!(adapter = %id, error = %error,
                        "Adapter failed and will not be restarted; fix the cause and restart the gateway");
                    self.stats.fatal.store(true, Ordering::Relaxed);
                    return;
                }
                Ok(Err(error)) => {
                    warn!(adapter = %id, error = %error, kind = ?error.kind, "Adapter failed; restarting it");
                }
                Err(join_error) if join_error.is_panic() => {
                    error!(adapter = %id, "Adapter panicked; restarting it");
                }
                Err(join_error) => {
                    warn!(adapter = %id, error = %join_error, "Adapter task ended abnormally; restarting it");
                }
            }
            self.stats.restarts.fetch_add(1, Ordering::Relaxed);
            if started.elapsed() >= self.backoff.reset_after {
                attempt = 0;
            }
            let delay = self.backoff.delay(attempt);
            attempt = attempt.saturating_add(1);
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = self.shutdown.cancelled() => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_up_to_the_cap() {
        let backoff = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(1),
            multiplier: 2.0,
            jitter: 0.0,
            reset_after: Duration::from_secs(60),
        };
        assert_eq!(backoff.delay(0), Duration::from_millis(100));
        assert_eq!(backoff.delay(1), Duration::from_millis(200));
        assert_eq!(backoff.delay(3), Duration::from_millis(800));
        assert_eq!(backoff.delay(4), Duration::from_secs(1));
        assert_eq!(backoff.delay(1000), Duration::from_secs(1));
    }

    #[test]
    fn jitter_only_shortens_the_wait_and_varies_it() {
        let backoff = Backoff {
            jitter: 0.5,
            ..Backoff::default()
        };
        let delays: Vec<Duration> = (0..50).map(|_| backoff.delay(2)).collect();
        let full = Duration::from_secs(2);
        assert!(delays.iter().all(|d| *d <= full && *d >= full / 2));
        assert!(
            delays.iter().any(|d| *d != delays[0]),
            "jitter must vary the delay"
        );
    }
}
