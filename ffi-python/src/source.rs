//! `Source`: a live [`Feed`] or a [`Replay`] behind one polling interface.

use crate::errors;
use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tickwire::decimal::Decimal;
use tickwire::instrument::Instruments;
use tickwire::io::{Feed, FeedBuilder, Subscription};
use tickwire::replay::{Replay, ReplayConfig};
use tickwire::route::Overflow;
use tickwire::{json, Event, InstrumentId, Venue};

const EVENT_SIZE: usize = core::mem::size_of::<Event>();
/// Longest stretch spent waiting without checking for signals (Ctrl-C).
const SIGNAL_CHECK: Duration = Duration::from_millis(50);

enum Engine {
    Live(Box<Feed>),
    Replay(Box<Replay>),
}

struct State {
    engine: Option<Engine>,
    finished: bool,
}

enum Outcome {
    Events(usize),
    Finished,
    Closed,
}

/// A stream of events: a live feed (`open_feed`) or a replay (`open_replay`).
#[pyclass(frozen, module = "tickwire._native")]
pub struct Source {
    state: Mutex<State>,
    instruments: Arc<Instruments>,
    live: bool,
    paced: bool,
    description: String,
}

/// The canonical text of `mantissa × 10^exp` (exact; what the JSON lines print).
#[pyfunction]
pub fn decimal_text(mantissa: i64, exp: i8) -> String {
    Decimal::new(mantissa, exp).to_string()
}

fn venue(name: &str) -> PyResult<Venue> {
    Venue::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Venue::ALL.iter().map(|v| v.name()).collect();
        errors::ConfigError::new_err(format!(
            "unknown venue {name:?} (known: {})",
            names.join(", ")
        ))
    })
}

fn overflow(name: &str) -> PyResult<Overflow> {
    Ok(match name.to_ascii_lowercase().replace('-', "_").as_str() {
        "drop_newest" => Overflow::DropNewest,
        "drop_oldest" => Overflow::DropOldest,
        "conflate" => Overflow::Conflate,
        "block" => Overflow::Block,
        _ => {
            return Err(errors::ConfigError::new_err(format!(
                "unknown overflow policy {name:?} (drop_newest, drop_oldest, conflate, block)"
            )))
        }
    })
}

#[pymethods]
impl Source {
    /// Starts a live feed. `subscriptions` are specs such as `"binance:BTCUSDT:trades,bbo,book"`.
    #[staticmethod]
    #[pyo3(signature = (subscriptions, endpoint=None, rest_endpoint=None, ca_pem=None, shards=None, overflow="drop_newest", capacity=None, redundancy=None))]
    #[allow(clippy::too_many_arguments)]
    fn open_feed(
        py: Python<'_>,
        subscriptions: Vec<String>,
        endpoint: Option<String>,
        rest_endpoint: Option<String>,
        ca_pem: Option<Vec<u8>>,
        shards: Option<usize>,
        overflow: &str,
        capacity: Option<usize>,
        redundancy: Option<usize>,
    ) -> PyResult<Source> {
        let mut builder = FeedBuilder::new().overflow(self::overflow(overflow)?);
        if subscriptions.is_empty() {
            return Err(errors::ConfigError::new_err(
                "no subscription given (e.g. \"binance:BTCUSDT:trades,bbo\")",
            ));
        }
        for s in &subscriptions {
            builder = builder.subscribe(Subscription::parse(s).map_err(errors::spec)?);
        }
        if let Some(e) = endpoint {
            builder = builder.endpoint(e);
        }
        if let Some(e) = rest_endpoint {
            builder = builder.rest_endpoint(e);
        }
        if let Some(pem) = ca_pem {
            builder = builder.ca_pem(pem);
        }
        if let Some(n) = shards {
            if n == 0 {
                return Err(errors::ConfigError::new_err("shards must be at least 1"));
            }
            builder = builder.shards(n);
        }
        if let Some(n) = capacity {
            if n == 0 {
                return Err(errors::ConfigError::new_err("capacity must be at least 1"));
            }
            builder = builder.capacity(n);
        }
        if let Some(n) = redundancy {
            if !(1..=8).contains(&n) {
                return Err(errors::ConfigError::new_err("redundancy must be 1..=8"));
            }
            builder = builder.redundancy(n);
        }
        let feed = py.detach(|| builder.start()).map_err(errors::feed)?;
        Ok(Source {
            instruments: feed.instruments().clone(),
            state: Mutex::new(State {
                engine: Some(Engine::Live(Box::new(feed))),
                finished: false,
            }),
            live: true,
            paced: false,
            description: subscriptions.join(" "),
        })
    }

    /// Opens recordings (`.twrec` or corpus TSV) read in order as one stream.
    #[staticmethod]
    #[pyo3(signature = (paths, venue, speed=None))]
    fn open_replay(paths: Vec<String>, venue: &str, speed: Option<f64>) -> PyResult<Source> {
        let v = self::venue(venue)?;
        if paths.is_empty() {
            return Err(errors::ConfigError::new_err("no recording given"));
        }
        if let Some(s) = speed {
            if !(s.is_finite() && s > 0.0) {
                return Err(errors::ConfigError::new_err(format!(
                    "speed must be a positive number, not {s}"
                )));
            }
        }
        let mut config = ReplayConfig::new(v);
        config.speed = speed;
        let replay = Replay::open(paths.iter().cloned(), config).map_err(errors::record)?;
        Ok(Source {
            instruments: replay.instruments().clone(),
            state: Mutex::new(State {
                engine: Some(Engine::Replay(Box::new(replay))),
                finished: false,
            }),
            live: false,
            paced: speed.is_some(),
            description: format!("{} {}", v.name(), paths.join(" ")),
        })
    }

    /// Up to `max_events` events as raw 80-byte records in a `bytearray` (copied once, straight
    /// out of the consumer ring). Waits up to `timeout` seconds (`None`: until events arrive)
    /// with the GIL released, checking for signals every 50 ms. Returns an empty `bytearray`
    /// on timeout and `None` when a replay is finished.
    #[pyo3(signature = (max_events=4096, timeout=None))]
    fn poll<'py>(
        &self,
        py: Python<'py>,
        max_events: usize,
        timeout: Option<f64>,
    ) -> PyResult<Option<Bound<'py, PyByteArray>>> {
        if max_events == 0 {
            return Err(errors::ConfigError::new_err(
                "max_events must be at least 1",
            ));
        }
        let timeout = match timeout {
            Some(t) if t.is_nan() || t < 0.0 => {
                return Err(errors::ConfigError::new_err(format!(
                    "timeout must be a non-negative number of seconds, not {t}"
                )))
            }
            Some(t) if t.is_finite() => Some(Duration::from_secs_f64(t)),
            _ => None,
        };
        let nbytes = max_events
            .checked_mul(EVENT_SIZE)
            .filter(|n| *n <= isize::MAX as usize)
            .ok_or_else(|| errors::ConfigError::new_err("max_events is too large"))?;
        // SAFETY: a NULL source asks CPython for an uninitialised buffer of `nbytes`; the result
        // is a new reference (or NULL with an exception set, handled by from_owned_ptr_or_err).
        let out = unsafe {
            Bound::from_owned_ptr_or_err(
                py,
                ffi::PyByteArray_FromStringAndSize(std::ptr::null(), nbytes as ffi::Py_ssize_t),
            )?
        }
        .cast_into::<PyByteArray>()?;
        // SAFETY: `out` is a live bytearray; its buffer pointer stays valid until it is resized.
        let dst = unsafe { ffi::PyByteArray_AsString(out.as_ptr()) } as usize;
        // pymalloc and malloc both align to 16; fall back to a scratch vector if not.
        let mut scratch: Vec<Event> = Vec::new();
        let target = if (dst as *const Event).is_aligned() {
            dst
        } else {
            scratch = vec![Event::default(); max_events];
            scratch.as_mut_ptr() as usize
        };
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut zeroed = false;
        let outcome = loop {
            let chunk = match deadline {
                None => SIGNAL_CHECK,
                Some(d) => d
                    .saturating_duration_since(Instant::now())
                    .min(SIGNAL_CHECK),
            };
            let step = py.detach(|| {
                // SAFETY: `target` points to `max_events` writable, 8-aligned `Event` slots: the
                // bytearray was just created and no Python code holds it yet (so nothing else
                // reads, writes or resizes it while the GIL is released), or the scratch vector.
                // They are zeroed before the first use, and `Event` is plain old data.
                let slots = unsafe {
                    if !zeroed {
                        std::ptr::write_bytes(target as *mut Event, 0, max_events);
                    }
                    std::slice::from_raw_parts_mut(target as *mut Event, max_events)
                };
                let mut st = lock(&self.state);
                match st.engine.as_mut() {
                    None => Ok(Outcome::Closed),
                    Some(Engine::Live(feed)) => Ok(Outcome::Events(feed.wait(slots, chunk))),
                    Some(Engine::Replay(r)) => {
                        // fill the batch (a paced replay returns what is due instead)
                        let mut filled = 0;
                        while filled < slots.len() {
                            let n = r.poll(&mut slots[filled..])?;
                            filled += n;
                            if n == 0 || self.paced {
                                break;
                            }
                        }
                        if filled == 0 {
                            st.finished = true;
                            Ok(Outcome::Finished)
                        } else {
                            Ok(Outcome::Events(filled))
                        }
                    }
                }
            });
            zeroed = true;
            match step.map_err(errors::record)? {
                Outcome::Events(0) => {}
                other => break other,
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                break Outcome::Events(0);
            }
            py.check_signals()?;
        };
        match outcome {
            Outcome::Closed => Err(errors::closed(self.what())),
            Outcome::Finished => Ok(None),
            Outcome::Events(n) => {
                if target != dst {
                    let bytes = as_bytes(&scratch[..n]);
                    // SAFETY: as above; `dst` holds `nbytes >= bytes.len()` bytes.
                    unsafe {
                        std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst as *mut u8, bytes.len())
                    };
                }
                out.resize(n * EVENT_SIZE)?;
                Ok(Some(out))
            }
        }
    }

    /// Stops the feed (joins its threads) or closes the replay. Idempotent.
    fn close(&self, py: Python<'_>) {
        let engine = py.detach(|| lock(&self.state).engine.take());
        if let Some(Engine::Live(feed)) = engine {
            py.detach(move || feed.shutdown());
        }
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        lock(&self.state).engine.is_none()
    }

    /// Whether a replay has delivered its last event.
    #[getter]
    fn finished(&self) -> bool {
        lock(&self.state).finished
    }

    /// Whether this is a live feed (`False`: a replay).
    #[getter]
    fn live(&self) -> bool {
        self.live
    }

    /// The subscriptions or the recordings, for display.
    #[getter]
    fn description(&self) -> &str {
        &self.description
    }

    /// The instrument table: `(id, venue, symbol, px_exp, qty_exp, unified)` per instrument,
    /// by id.
    #[allow(clippy::type_complexity)]
    fn instruments(&self) -> Vec<(u32, &'static str, String, i8, i8, String)> {
        self.instruments
            .snapshot()
            .into_iter()
            .map(|i| {
                (
                    i.id.0,
                    i.venue.name(),
                    i.symbol,
                    i.px_exp,
                    i.qty_exp,
                    i.unified,
                )
            })
            .collect()
    }

    /// The `n` best levels per side of a live book as price and size mantissas, best first,
    /// with the exponents: `(bids, asks, px_exp, qty_exp)`; `None` while the book is not synced.
    #[allow(clippy::type_complexity)]
    fn book_top(
        &self,
        venue: &str,
        symbol: &str,
        n: usize,
    ) -> PyResult<Option<(Vec<(i64, i64)>, Vec<(i64, i64)>, i8, i8)>> {
        let v = self::venue(venue)?;
        let symbol = if v == Venue::Hyperliquid {
            symbol.trim().to_string()
        } else {
            symbol.trim().to_ascii_uppercase()
        };
        let Some(info) = self.instruments.find(v, &symbol) else {
            return Ok(None);
        };
        let st = lock(&self.state);
        let top = match st.engine.as_ref() {
            None => return Err(errors::closed(self.what())),
            Some(Engine::Live(f)) => f.book_top(v, &symbol, n),
            Some(Engine::Replay(r)) => r.pipeline().books().book(info.id).map(|b| b.top(n)),
        };
        let pairs = |l: Vec<tickwire::book::Level>| l.into_iter().map(|l| (l.px, l.qty)).collect();
        Ok(top.map(|(b, a)| (pairs(b), pairs(a), info.px_exp, info.qty_exp)))
    }

    /// Counters: frames, connections, drops, book and dedupe figures, latency percentiles (ns).
    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        let st = lock(&self.state);
        let (pipeline, books, dedupe) = match st.engine.as_ref() {
            None => return Err(errors::closed(self.what())),
            Some(Engine::Live(f)) => {
                let m = f.metrics();
                d.set_item("frames", m.frames)?;
                d.set_item("bytes", m.bytes)?;
                d.set_item("connects", m.connects)?;
                d.set_item("disconnects", m.disconnects)?;
                d.set_item("rollovers", m.rollovers)?;
                d.set_item("ring_drops", m.ring_drops)?;
                d.set_item("malformed", m.malformed)?;
                d.set_item("delivered", m.delivered)?;
                d.set_item("rest_snapshots", m.rest.0)?;
                d.set_item("rest_rate_limited", m.rest.1)?;
                d.set_item("rest_failures", m.rest.2)?;
                let [p50, p99, p999, max] = m.latency_ns;
                d.set_item("latency_ns_p50", p50)?;
                d.set_item("latency_ns_p99", p99)?;
                d.set_item("latency_ns_p999", p999)?;
                d.set_item("latency_ns_max", max)?;
                d.set_item("uptime_s", m.uptime)?;
                d.set_item("last_error", m.last_error)?;
                (m.pipeline, m.books, m.dedupe)
            }
            Some(Engine::Replay(r)) => {
                let s = r.stats();
                d.set_item("ws_frames", s.ws_frames)?;
                d.set_item("rest_bodies", s.rest_bodies)?;
                d.set_item("files", s.files)?;
                let p = r.pipeline();
                (p.stats(), p.books().stats(), p.dedupe().stats())
            }
        };
        d.set_item("pipeline_frames", pipeline.frames)?;
        d.set_item("pipeline_malformed", pipeline.malformed)?;
        d.set_item("out_of_range", pipeline.out_of_range)?;
        d.set_item("ignored", pipeline.ignored)?;
        d.set_item("venue_errors", pipeline.venue_errors)?;
        d.set_item("emitted", pipeline.emitted)?;
        d.set_item("book_applied", books.applied)?;
        d.set_item("book_snapshots", books.snapshots)?;
        d.set_item("book_stale", books.stale)?;
        d.set_item("book_gaps", books.gaps)?;
        d.set_item("book_crossed", books.crossed)?;
        d.set_item("dedupe_passed", dedupe.passed)?;
        d.set_item("dedupe_duplicates", dedupe.duplicates)?;
        Ok(d)
    }

    /// The canonical JSON line of each event in `data` (raw records as returned by `poll`):
    /// exactly what `tickwire replay` prints.
    fn json_lines(&self, data: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
        let bytes: Vec<u8> = if let Ok(b) = data.cast::<PyBytes>() {
            b.as_bytes().to_vec()
        } else if let Ok(b) = data.cast::<PyByteArray>() {
            b.to_vec()
        } else {
            return Err(PyTypeError::new_err("expected bytes or bytearray"));
        };
        if !bytes.chunks_exact(EVENT_SIZE).remainder().is_empty() {
            return Err(errors::ConfigError::new_err(format!(
                "{} bytes is not a whole number of {EVENT_SIZE}-byte events",
                bytes.len()
            )));
        }
        let mut lines = Vec::with_capacity(bytes.len() / EVENT_SIZE);
        for chunk in bytes.chunks_exact(EVENT_SIZE) {
            // SAFETY: `chunk` holds EVENT_SIZE bytes and `Event` is plain old data (any bit
            // pattern is valid); read_unaligned needs no alignment.
            let ev: Event = unsafe { std::ptr::read_unaligned(chunk.as_ptr().cast::<Event>()) };
            let info = self.instruments.info(InstrumentId(ev.instrument));
            let mut line = String::with_capacity(256);
            json::write_event(&mut line, &ev, info.as_ref().map(|i| i.symbol.as_str()));
            lines.push(line);
        }
        Ok(lines)
    }
}

impl Source {
    fn what(&self) -> &'static str {
        if self.live {
            "the feed"
        } else {
            "the replay"
        }
    }
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    // a panic while holding the lock cannot leave `State` half-updated (single field writes)
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn as_bytes(events: &[Event]) -> &[u8] {
    // SAFETY: `Event` is `#[repr(C)]` plain old data with no padding (EVENT_FIELDS tile it),
    // so its bytes are initialised; the length is exact.
    unsafe {
        std::slice::from_raw_parts(events.as_ptr().cast::<u8>(), std::mem::size_of_val(events))
    }
}
