//! The pieces of `bridge_bench`, which runs Switchboard and Biboumi side by side on one Prosody and one
//! ngircd and compares their throughput, latency, CPU time and memory in IRC transport mode.
//!
//! The scripted clients of the harness ([`crate::xmpp_user`], [`crate::irc_user`]) are built for
//! correctness checks, not thousands of messages: here are lean clients that timestamp every stanza or
//! line the moment it is read, so latency is measured at the receiving socket.

pub mod clock;
pub mod gateway;
pub mod irc;
pub mod measure;
pub mod xmpp;
