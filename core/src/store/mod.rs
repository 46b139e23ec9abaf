//! The gateway's durable state: identity links, the message-id map, the outbox and legacy-network registrations.
//!
//! [`Store`] is the backend-neutral contract; [`SledStore`] is the default backend. Every method blocks on disk
//! I/O, so async callers run it on a blocking thread (`tokio::task::spawn_blocking`) or accept the short stall.
//!
//! Keys are strings and bytes only: callers pass an address's canonical URI string and the outbox payload as
//! opaque bytes, so the store never depends on the address or message types.
//!
//! # Durability
//!
//! Every write method ([`Store::link_identity`], [`Store::unlink_identity`], [`Store::map_message_id`],
//! [`Store::prune_message_ids`], [`Store::outbox_put`], [`Store::outbox_remove`], [`Store::put_registration`],
//! [`Store::remove_registration`]) returns only once its change is flushed to disk: a change whose call returned
//! survives a crash or `SIGKILL`. [`Store::outbox_put`] writes a whole batch with one flush (group commit).
//!
//! # Bounds
//!
//! The message-id map and the outbox dedupe index grow with traffic; both are pruned by age with
//! [`Store::prune_message_ids`], so each holds at most the ids accepted within the retention window the caller
//! prunes to. The outbox holds what has not been delivered yet; identity links and registrations are
//! operator-managed and bounded by the number of users.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::ids::{AdapterId, MessageId, PersonId};

mod error;
mod fs;
mod keys;
mod sled_store;

pub use error::StoreError;
pub use sled_store::SledStore;

/// A store shared by the router and every adapter.
pub type SharedStore = Arc<dyn Store>;

/// The gateway's durable state, whatever the backend.
///
/// Implementations must be safe to call from many threads at once; see the [module docs](self) for the
/// durability promise every write method keeps.
pub trait Store: Send + Sync + fmt::Debug + 'static {
    /// Links a network address (its canonical URI string) to a person. An address belongs to one person at a
    /// time: linking it again moves it to the new person.
    fn link_identity(&self, person: &PersonId, address: &str) -> Result<(), StoreError>;

    /// Removes an address's link; answers whether there was one.
    fn unlink_identity(&self, address: &str) -> Result<bool, StoreError>;

    /// The person an address is linked to, if any.
    fn person_of(&self, address: &str) -> Result<Option<PersonId>, StoreError>;

    /// Every address linked to a person, in byte order.
    fn addresses_of(&self, person: &PersonId) -> Result<Vec<String>, StoreError>;

    /// Records that `network_id` is `network`'s id of the canonical message `canonical`, seen at `at`, in both
    /// directions. Mapping the same network id again replaces the earlier mapping; the latest network id
    /// recorded for a (canonical, network) pair is the one [`Store::network_id`] answers.
    ///
    /// Like [`Store::outbox_remove`], the mapping becomes durable with the next write that flushes (the
    /// outbox put of the message it belongs to, usually) or [`Store::flush`], not before this returns: an fsync
    /// per id would double the cost of every message, and a crash can at worst lose the ids of the last
    /// messages, whose later corrections then arrive as new messages.
    fn map_message_id(
        &self,
        network: &str,
        network_id: &str,
        canonical: &MessageId,
        at: SystemTime,
    ) -> Result<(), StoreError>;

    /// The canonical id of a network's message id, if mapped.
    fn canonical_id(
        &self,
        network: &str,
        network_id: &str,
    ) -> Result<Option<MessageId>, StoreError>;

    /// A network's id of a canonical message, if mapped.
    fn network_id(
        &self,
        canonical: &MessageId,
        network: &str,
    ) -> Result<Option<String>, StoreError>;

    /// Forgets message-id mappings recorded before `older_than`, and outbox dedupe keys accepted before it;
    /// answers how many message-id mappings were removed.
    fn prune_message_ids(&self, older_than: SystemTime) -> Result<usize, StoreError>;

    /// Writes the batch durably (one flush for the whole batch: group commit) before returning.
    ///
    /// An entry whose (destination, dedupe_key) was already accepted, earlier or in the same batch, is not
    /// written again: it answers [`OutboxPut::Duplicate`] with the first entry's sequence number, even if that
    /// entry was delivered and removed since (until [`Store::prune_message_ids`] forgets the key). Answers one
    /// [`OutboxPut`] per entry, in order.
    fn outbox_put(&self, entries: &[NewOutboxEntry]) -> Result<Vec<OutboxPut>, StoreError>;

    /// Removes a delivered entry. Removing an entry that is not there is not an error.
    ///
    /// The removal becomes durable with the next write that flushes (or [`Store::flush`]), not before this
    /// returns: after a crash a removed entry may come back and be delivered again. Delivery is at least once;
    /// a flush per delivered message would cost an fsync each.
    fn outbox_remove(&self, destination: &AdapterId, seq: OutboxSeq) -> Result<(), StoreError>;

    /// Every entry still waiting for a destination, in sequence order.
    fn outbox_pending(&self, destination: &AdapterId) -> Result<Vec<OutboxEntry>, StoreError>;

    /// Every destination with at least one waiting entry, in byte order.
    fn outbox_destinations(&self) -> Result<Vec<AdapterId>, StoreError>;

    /// Stores a user's registration with a legacy network (XEP-0100), replacing an earlier one for the same
    /// user and network.
    fn put_registration(&self, registration: &Registration) -> Result<(), StoreError>;

    /// A user's registration with a legacy network, if any.
    fn registration(&self, user: &str, network: &str) -> Result<Option<Registration>, StoreError>;

    /// Removes a user's registration with a legacy network; answers whether there was one.
    fn remove_registration(&self, user: &str, network: &str) -> Result<bool, StoreError>;

    /// Every registration with a legacy network, ordered by user.
    fn registrations(&self, network: &str) -> Result<Vec<Registration>, StoreError>;

    /// Makes every write so far durable.
    fn flush(&self) -> Result<(), StoreError>;
}

/// The position of an entry in the outbox: monotonic per store, never reused, survives restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OutboxSeq(pub u64);

impl fmt::Display for OutboxSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An entry to add to the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutboxEntry {
    /// The adapter the entry is waiting for.
    pub destination: AdapterId,
    /// Identifies the message at its source (e.g. the source network's message id), so that a message the
    /// source sends twice is queued once. `None` never deduplicates.
    pub dedupe_key: Option<String>,
    /// The caller's serialized delivery, opaque to the store.
    pub payload: Vec<u8>,
}

/// What [`Store::outbox_put`] did with one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxPut {
    /// The entry was written under this sequence number.
    Stored(OutboxSeq),
    /// The (destination, dedupe key) was accepted before, under this sequence number; nothing was written.
    Duplicate(OutboxSeq),
}

impl OutboxPut {
    /// The sequence number, whether the entry was stored now or before.
    pub fn seq(self) -> OutboxSeq {
        match self {
            Self::Stored(seq) | Self::Duplicate(seq) => seq,
        }
    }
}

/// An entry waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// The adapter the entry is waiting for.
    pub destination: AdapterId,
    /// Its position in the outbox.
    pub seq: OutboxSeq,
    /// The caller's serialized delivery.
    pub payload: Vec<u8>,
}

/// A user's registration with a legacy network (XEP-0100 gateway registration).
///
/// Its `Debug` output never shows the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    /// The user's bare JID.
    pub user: String,
    /// The legacy network's name, e.g. `irc:libera` or `sms`.
    pub network: String,
    /// The user's name on the legacy network.
    pub legacy_username: Option<String>,
    /// The user's password on the legacy network.
    pub legacy_password: Option<Secret>,
    /// Further per-user settings (nick, server options).
    pub settings: BTreeMap<String, String>,
}

/// A credential: kept and stored as is, but never printed.
///
/// `Debug` and `Display` print `[redacted]`; read the value with [`Secret::expose`] only where it is sent.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The credential itself, for sending it to the network that asked for it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_is_redacted_in_debug_and_display() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(format!("{secret}"), "[redacted]");
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn outbox_put_seq_reads_both_variants() {
        assert_eq!(OutboxPut::Stored(OutboxSeq(3)).seq(), OutboxSeq(3));
        assert_eq!(OutboxPut::Duplicate(OutboxSeq(4)).seq(), OutboxSeq(4));
    }
}
