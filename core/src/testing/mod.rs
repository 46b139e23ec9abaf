//! Test support for adapters (feature `testing`): an in-memory adapter and the conformance suite every
//! adapter must pass.

mod conformance;
mod memory;

pub use conformance::{ConformanceFailure, ConformanceHarness, run_conformance};
pub use memory::{MemoryAdapter, MemoryBehavior, MemoryHandle};
