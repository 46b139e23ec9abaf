//! Switchboard's IRC adapter.
//!
//! - [`wire`]: the I/O-free IRC line codec: parsing (RFC 1459 §2.3.1, IRCv3 message tags), the one
//!   serializer every outgoing line passes through, line splitting, formatting and charset handling.
//! - [`client`]: one IRC connection (TLS or plain, CAP LS 302, SASL, registration, flood control, reconnect).
//! - the gateway: puppeted sessions per XMPP user (transport rooms `#chan%network@gw/nick`, as Biboumi
//!   presents them), static bridges with a relay per network and a puppet per bridged person.
#![forbid(unsafe_code)]

mod adapter;
pub mod client;
pub mod config;
mod gateway;
pub mod wire;

pub use adapter::IrcAdapter;
pub use config::{IrcAdapterConfig, NetworkSettings};
