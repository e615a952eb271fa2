//! Shared helpers for tickwire's benchmarks (fixtures, frame sets).
