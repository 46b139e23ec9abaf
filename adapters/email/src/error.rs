//! The email adapter's errors.

/// What can go wrong in the email adapter.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmailError {
    /// Happens when the listen address is taken or not ours.
    #[error("cannot listen for mail on {addr}: {source}; choose a free [email] listen address")]
    Listen {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Happens when the relay settings cannot make an SMTP client (a host name that is not a valid TLS name).
    #[error("bad [email] relay settings: {0}")]
    Relay(String),
    /// Happens when the identity store fails.
    #[error("the store failed: {0}; check the data directory's disk")]
    Store(#[from] switchboard_core::store::StoreError),
    /// Happens when a stored conversation record does not name valid addresses (written by another version).
    #[error(
        "a stored email conversation is unreadable: {why}; it was written by another version of Switchboard \
         (replies to it are refused; keep the data directory with the version that wrote it)"
    )]
    /// (The conversation's token is not kept: whoever holds it can write into the chat.)
    Conversation {
        /// What is wrong with it.
        why: String,
    },
}
