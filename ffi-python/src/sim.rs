//! `Simulator`: the local exchange simulator (Binance protocols over TLS on loopback).

use crate::errors;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use tickwire::sim::{self, SimConfig, Source};
use tickwire::Venue;

/// A local exchange simulator; `start()` binds an ephemeral loopback port.
#[pyclass(frozen, module = "tickwire._native")]
pub struct Simulator {
    config: SimConfig,
    running: Mutex<Option<sim::Simulator>>,
}

#[pymethods]
impl Simulator {
    /// Configures (does not start) a simulator of `venue`: synthetic data at `rate` frames/s
    /// over `symbols`, or a replay of `files` (corpus TSV or `.twrec`) at `speed`.
    #[new]
    #[pyo3(signature = (venue="binance", rate=1000, symbols=None, files=None, speed=None, tls=true, loop_forever=false))]
    fn new(
        venue: &str,
        rate: u32,
        symbols: Option<Vec<String>>,
        files: Option<Vec<String>>,
        speed: Option<f64>,
        tls: bool,
        loop_forever: bool,
    ) -> PyResult<Simulator> {
        let v = Venue::from_name(venue).ok_or_else(|| {
            let names: Vec<&str> = Venue::ALL.iter().map(|v| v.name()).collect();
            errors::ConfigError::new_err(format!(
                "unknown venue {venue:?} (known: {})",
                names.join(", ")
            ))
        })?;
        let mut config = SimConfig::new(v);
        config.tls = tls;
        let symbols: Vec<String> = symbols
            .unwrap_or_default()
            .into_iter()
            .map(|s| {
                if v == Venue::Hyperliquid {
                    s.trim().to_string() // coins are case-sensitive (kPEPE)
                } else {
                    s.trim().to_ascii_uppercase()
                }
            })
            .collect();
        if let Some(bad) = symbols.iter().find(|s| {
            s.is_empty()
                || !s
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"_-/".contains(&c))
        }) {
            return Err(errors::ConfigError::new_err(format!("bad symbol {bad:?}")));
        }
        if !symbols.is_empty() {
            config.symbols = symbols.clone();
        }
        config.source = match files {
            Some(files) => {
                for f in &files {
                    tickwire::record::Reader::open(f).map_err(errors::record)?;
                }
                Source::Replay {
                    files: files.into_iter().map(PathBuf::from).collect(),
                    speed,
                    loop_forever,
                }
            }
            None => {
                if rate == 0 {
                    return Err(errors::ConfigError::new_err("rate must be at least 1"));
                }
                Source::Synthetic {
                    rate_per_sec: rate,
                    symbols,
                }
            }
        };
        Ok(Simulator {
            config,
            running: Mutex::new(None),
        })
    }

    /// Starts serving (idempotent).
    fn start(&self, py: Python<'_>) -> PyResult<()> {
        let mut g = lock(&self.running);
        if g.is_none() {
            let config = self.config.clone();
            let s = py
                .detach(move || sim::Simulator::start(config))
                .map_err(|e| {
                    errors::TickwireError::new_err(format!("cannot start the simulator: {e}"))
                })?;
            *g = Some(s);
        }
        Ok(())
    }

    /// Stops serving and joins every thread (idempotent).
    fn stop(&self, py: Python<'_>) {
        let s = lock(&self.running).take();
        if let Some(s) = s {
            py.detach(move || s.shutdown());
        }
    }

    /// Whether the simulator is serving.
    #[getter]
    fn running(&self) -> bool {
        lock(&self.running).is_some()
    }

    /// The venue served.
    #[getter]
    fn venue(&self) -> &'static str {
        self.config.venue.name()
    }

    /// The WebSocket URL (`wss://127.0.0.1:PORT`).
    #[getter]
    fn ws_url(&self) -> PyResult<String> {
        self.with(|s| s.ws_url())
    }

    /// The REST base URL (`https://127.0.0.1:PORT`).
    #[getter]
    fn rest_url(&self) -> PyResult<String> {
        self.with(|s| s.rest_url())
    }

    /// The generated CA certificate (PEM) to trust.
    #[getter]
    fn ca_pem(&self) -> PyResult<String> {
        self.with(|s| s.ca_pem().to_string())
    }

    /// Counters of the running simulator.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.with(|s| s.stats())?;
        let d = PyDict::new(py);
        d.set_item("connections", s.connections)?;
        d.set_item("ws_connections", s.ws_connections)?;
        d.set_item("ws_open", s.ws_open)?;
        d.set_item("tls_failures", s.tls_failures)?;
        d.set_item("subscribe_requests", s.subscribe_requests)?;
        d.set_item("rest_requests", s.rest_requests)?;
        d.set_item("frames_sent", s.frames_sent)?;
        d.set_item("pings_sent", s.pings_sent)?;
        d.set_item("source_frames", s.source_frames)?;
        Ok(d)
    }
}

impl Simulator {
    fn with<T>(&self, f: impl FnOnce(&sim::Simulator) -> T) -> PyResult<T> {
        match lock(&self.running).as_ref() {
            Some(s) => Ok(f(s)),
            None => Err(errors::ClosedError::new_err(
                "the simulator is not running (call start() or use it in a with block)",
            )),
        }
    }
}

fn lock(m: &Mutex<Option<sim::Simulator>>) -> MutexGuard<'_, Option<sim::Simulator>> {
    // the guarded value is only ever replaced whole, so a poisoned lock is still consistent
    m.lock().unwrap_or_else(|e| e.into_inner())
}
