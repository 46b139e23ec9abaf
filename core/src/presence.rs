//! Presence (being written).
