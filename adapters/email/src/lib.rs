//! Switchboard's email adapter: IMs out as mail over SMTP, replies back in through an SMTP listener.
#![forbid(unsafe_code)]

pub mod proto;
