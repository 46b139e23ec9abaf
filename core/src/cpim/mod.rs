//! CPIM (being written).
