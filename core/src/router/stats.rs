//! Counters the router keeps, for the admin status command and the benches.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::ids::AdapterId;

/// Counters of one adapter slot.
#[derive(Debug, Default)]
pub(crate) struct AdapterStats {
    pub(crate) runs: AtomicU64,
    pub(crate) restarts: AtomicU64,
    pub(crate) fatal: AtomicBool,
    pub(crate) delivered: AtomicU64,
    pub(crate) queue_full: AtomicU64,
}

/// Counters of the whole router.
#[derive(Debug, Default)]
pub(crate) struct RouterCounters {
    pub(crate) routed: AtomicU64,
    pub(crate) rejected: AtomicU64,
    pub(crate) duplicates: AtomicU64,
}

/// A point-in-time copy of one adapter's counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterSnapshot {
    /// The adapter.
    pub id: AdapterId,
    /// How many times it was started.
    pub runs: u64,
    /// How many times it was restarted after a failure or panic.
    pub restarts: u64,
    /// Whether it stopped for good after a fatal error.
    pub fatal: bool,
    /// Envelopes handed to its queue.
    pub delivered: u64,
    /// Envelopes refused because its queue was full (each reported to the sender).
    pub queue_full: u64,
    /// Envelopes waiting in its queue now.
    pub queue_depth: usize,
}

/// A point-in-time copy of the router's counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouterSnapshot {
    /// Messages, presences and room events routed.
    pub routed: u64,
    /// Envelopes refused (no route, store failure).
    pub rejected: u64,
    /// Messages dropped as duplicates of one already accepted (same source id).
    pub duplicates: u64,
    /// Per adapter.
    pub adapters: Vec<AdapterSnapshot>,
}

impl RouterCounters {
    pub(crate) fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}
