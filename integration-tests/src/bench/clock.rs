//! One clock for the whole bench, so a send time written into a message body can be compared with the
//! receive time of that message in the same process.

use std::sync::OnceLock;
use std::time::Instant;

static EPOCH: OnceLock<Instant> = OnceLock::new();

/// The bench's epoch: the first time anything asked for it.
pub fn epoch() -> Instant {
    *EPOCH.get_or_init(Instant::now)
}

/// Microseconds from the epoch to `at` (0 for instants before it).
pub fn micros(at: Instant) -> u64 {
    u64::try_from(at.saturating_duration_since(epoch()).as_micros()).unwrap_or(u64::MAX)
}

/// Microseconds from the epoch to now.
pub fn now_micros() -> u64 {
    micros(Instant::now())
}
