//! # tickwire
//!
//! A low-latency, lock-free market-data ingestion core. (Crate docs with the full contract are
//! completed below once all modules exist.)
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod decimal;
pub mod event;
#[allow(unsafe_code)] // the ring is the one place with shared-memory unsafe code; see its docs
pub mod ring;
#[allow(unsafe_code)] // loom/std facade over atomics and UnsafeCell
pub(crate) mod sync;
pub mod sys;

pub use event::{Event, InstrumentId, Kind, Nanos, Side, StatusCode, Venue};
pub mod book;
pub mod calendar;
pub mod dedupe;
pub mod instrument;
pub mod io;
pub mod json;
pub mod pipeline;
pub mod record;
pub mod replay;
pub mod route;
pub mod sim;
pub mod venue;
pub mod watchdog;
