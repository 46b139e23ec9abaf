//! The I/O-free IRC line codec.
