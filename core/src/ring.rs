//! Lock-free bounded SPSC ring (being written).
