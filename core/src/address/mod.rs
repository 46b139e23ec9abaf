//! Addresses (being written).
