//! Switchboard's protocol-neutral core: the CPIM message model (RFC 3862), addresses, the presence model
//! (RFC 3859 / RFC 3863), the adapter contract, the router and the store.
//!
//! Nothing in this crate opens a network socket; adapters do that.
#![forbid(unsafe_code)]

pub mod adapter;
pub mod address;
pub mod composing;
pub mod cpim;
pub mod envelope;
pub mod ids;
pub mod message;
pub mod presence;
pub mod room;
pub mod router;
pub mod store;
pub mod styling;
#[cfg(feature = "testing")]
pub mod testing;
