//! Python exception classes and the mapping of core errors onto them.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use tickwire::io::{FeedError, SpecError};
use tickwire::record::RecordError;

create_exception!(
    tickwire,
    TickwireError,
    PyException,
    "Base class of every error tickwire raises."
);
create_exception!(
    tickwire,
    ConfigError,
    TickwireError,
    "A bad argument: unknown venue, bad subscription syntax, bad option value."
);
create_exception!(
    tickwire,
    RecordingError,
    TickwireError,
    "A recording could not be opened or read (missing, unknown format, corrupt)."
);
create_exception!(
    tickwire,
    ClosedError,
    TickwireError,
    "The feed, replay or simulator is closed (or not started)."
);
create_exception!(
    tickwire,
    TlsError,
    TickwireError,
    "The TLS configuration is unusable (e.g. the CA holds no certificate)."
);

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("TickwireError", py.get_type::<TickwireError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("RecordingError", py.get_type::<RecordingError>())?;
    m.add("ClosedError", py.get_type::<ClosedError>())?;
    m.add("TlsError", py.get_type::<TlsError>())?;
    Ok(())
}

pub(crate) fn spec(e: SpecError) -> PyErr {
    ConfigError::new_err(e.0)
}

pub(crate) fn record(e: RecordError) -> PyErr {
    RecordingError::new_err(e.to_string())
}

pub(crate) fn feed(e: FeedError) -> PyErr {
    match e {
        FeedError::NothingToSubscribe => {
            ConfigError::new_err("no subscription given (e.g. \"binance:BTCUSDT:trades,bbo\")")
        }
        FeedError::Tls(t) => TlsError::new_err(t.to_string()),
        e @ FeedError::PlaintextEndpoint(_) => ConfigError::new_err(e.to_string()),
        other => TickwireError::new_err(other.to_string()),
    }
}

pub(crate) fn closed(what: &str) -> PyErr {
    ClosedError::new_err(format!("{what} is closed"))
}
