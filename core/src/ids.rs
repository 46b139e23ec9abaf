//! Identifiers shared by the router, the store and every adapter.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Names one running adapter instance, e.g. `xmpp`, `irc:libera`, `email`.
///
/// The router addresses adapters by this id; the outbox is keyed by it, so it must stay stable across restarts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AdapterId(String);

impl AdapterId {
    /// Makes an id from a stable name (`xmpp`, `irc:libera`).
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AdapterId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The gateway's canonical id of one message, the same on every network it crossed.
///
/// Each network's own id (XMPP stanza-id, IRC msgid, email Message-ID) maps to this one in the store, so that a
/// correction or reply arriving later on any network finds the original.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MessageId(String);

impl MessageId {
    /// Wraps an id that is already canonical (read back from the store or a peer).
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// A fresh random id: 128 random bits in lowercase hex.
    pub fn generate() -> Self {
        let bits: u128 = rand::random();
        Self(format!("{bits:032x}"))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One person known to the gateway, whatever networks they use.
///
/// The identity store links each of the person's network addresses to this id, in both directions.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PersonId(String);

impl PersonId {
    /// Wraps a person id.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PersonId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
