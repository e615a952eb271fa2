//! Python bindings for tickwire. The pyo3 module `tickwire._native` lands with the Python issue;
//! until then this crate only re-exports the core so the workspace builds as one.
pub use tickwire;
