//! Switchboard's IRC adapter.
//!
//! - `wire`: the I/O-free IRC line codec: parsing (RFC 1459 §2.3.1, IRCv3 message tags), the one serializer
//!   every outgoing line passes through, line splitting, formatting and charset handling.
//! - `client`: one IRC connection (TLS or plain, CAP LS 302, SASL, registration, flood control, reconnect).
//! - the adapter: puppeted sessions per XMPP user, transport rooms and static bridges.
#![forbid(unsafe_code)]

pub mod wire;
