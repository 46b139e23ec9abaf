//! Switchboard's XMPP adapter: the XEP-0114 component side of the gateway.
//!
//! [`proto`] is the I/O-free stream codec (parser, DOM, serializer, stream errors, handshake).
#![forbid(unsafe_code)]

pub mod proto;
