//! Scenarios against real peers over loopback, and the code that starts those peers.
//!
//! Every peer gets free loopback ports chosen at start (never the usual 5222/6667: tests run in parallel and
//! other programs may hold those), runs from a config in its own temporary directory, and is stopped by the
//! PID we started it with when the handle is dropped.
#![forbid(unsafe_code)]

pub mod bench;
pub mod irc_user;
pub mod ngircd;
pub mod ports;
pub mod process;
pub mod prosody;
pub mod smtp;
pub mod xmpp_user;
