//! Python bindings for tickwire: the private extension module `tickwire._native`.
//!
//! Thin by design: each entry point converts its arguments, calls one core API and maps the
//! result. The public Python API (`tickwire.Feed`, `tickwire.replay`, `Batch`, ...) lives in the
//! `tickwire` package (`ffi-python/python/tickwire`), which wraps what this module exports:
//!
//! * `Source`: a live feed or a replay behind one `poll` that fills a `bytearray` with raw
//!   80-byte events, copied once out of the consumer ring, waiting with the GIL released;
//! * `Simulator`: the local exchange simulator;
//! * the record layout (`EVENT_FIELDS`, `EVENT_SIZE`) and the enum tables the dtype and the
//!   views are built from;
//! * the exception classes (`TickwireError` and its subclasses).

use pyo3::prelude::*;
use pyo3::types::PyDict;
use tickwire::event::{flags, Kind, StatusCode, Venue, EVENT_FIELDS};
use tickwire::Event;

mod errors;
mod sim;
mod source;

pub use errors::{ClosedError, ConfigError, RecordingError, TickwireError, TlsError};

/// `tickwire._native`: the compiled core of the `tickwire` package.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("EVENT_SIZE", core::mem::size_of::<Event>())?;
    m.add("EVENT_ALIGN", core::mem::align_of::<Event>())?;
    let fields: Vec<(&str, usize, usize)> = EVENT_FIELDS.to_vec();
    m.add("EVENT_FIELDS", fields)?;

    let venues = PyDict::new(py);
    for v in Venue::ALL {
        venues.set_item(v.name(), *v as u16)?;
    }
    m.add("VENUES", venues)?;
    let kinds = PyDict::new(py);
    for k in [
        Kind::Trade,
        Kind::Quote,
        Kind::BookLevel,
        Kind::Candle,
        Kind::Status,
    ] {
        kinds.set_item(k.name(), k as u8)?;
    }
    m.add("KINDS", kinds)?;
    let codes = PyDict::new(py);
    for c in 1..=64u32 {
        if let Some(s) = StatusCode::from_u32(c) {
            codes.set_item(s.name(), c)?;
        }
    }
    m.add("STATUS_CODES", codes)?;
    let bits = PyDict::new(py);
    for (name, bit) in [
        ("snapshot", flags::SNAPSHOT),
        ("first", flags::FIRST),
        ("last", flags::LAST),
        ("closed", flags::CLOSED),
        ("backfilled", flags::BACKFILLED),
        ("aggregated", flags::AGGREGATED),
        ("top_n", flags::TOP_N),
        ("no_level", flags::NO_LEVEL),
        ("off_book", flags::OFF_BOOK),
    ] {
        bits.set_item(name, bit)?;
    }
    m.add("FLAGS", bits)?;

    errors::register(m)?;
    m.add_class::<source::Source>()?;
    m.add_class::<sim::Simulator>()?;
    m.add_function(wrap_pyfunction!(source::decimal_text, m)?)?;
    Ok(())
}
