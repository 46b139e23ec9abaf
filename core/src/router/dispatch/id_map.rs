//! Maps keyed by the router's own delivery ids.

use std::collections::HashMap;

/// Hashes the router's own sequential ids as they are: they are unique, dense and not chosen by peers, so
/// SipHash's protection buys nothing on this hot path.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        // Spread sequential ids over the table's buckets (Fibonacci hashing).
        self.0 = value.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

pub(super) type IdMap<V> = HashMap<u64, V, std::hash::BuildHasherDefault<IdHasher>>;
