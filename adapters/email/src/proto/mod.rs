//! The I/O-free wire code: the inbound SMTP session, SMTP paths, mail building and reading, reply stripping.
//! No sockets and no tokio here, so all of it is fed bytes in tests and fuzzers.

pub mod build;
pub mod header;
pub mod parse;
pub mod path;
pub mod quote;
pub mod smtp_server;
pub mod styling;
