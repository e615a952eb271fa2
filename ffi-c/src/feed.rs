//! `tw_feed`: a live feed or a replay behind one opaque handle.

use crate::config::{self, record_error, Opened};
use crate::event::{tw_event, tw_level};
use crate::panic::{guard, Error};
use crate::status::*;
use std::collections::BTreeSet;
use std::ffi::{c_char, c_int, CStr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tickwire::book::Level;
use tickwire::instrument::{InstrumentInfo, Instruments};
use tickwire::{Event, InstrumentId, Venue};

/// A live feed or a replay (opaque). Create with `tw_feed_new`, release with `tw_feed_free`.
///
/// Thread-safety: a feed may move between threads but must be used by one thread at a time
/// (the caller serialises every call on the same feed); distinct feeds are independent.
pub struct tw_feed {
    source: Source,
    delivered: u64,
}

enum Source {
    Live(Box<tickwire::io::Feed>),
    Replay {
        replay: Box<tickwire::replay::Replay>,
        finished: bool,
    },
    Closed(Arc<Instruments>),
}

/// One instrument: its id, venue (`TW_VENUE_*`), native symbol (NUL-terminated) and exponents.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct tw_instrument {
    /// The id events carry in `instrument`.
    pub id: u32,
    /// `TW_VENUE_*`.
    pub venue: u16,
    /// Price exponent: price = mantissa * 10^px_exp.
    pub px_exp: i8,
    /// Size exponent.
    pub qty_exp: i8,
    /// The venue's symbol, NUL-terminated.
    pub symbol: [c_char; 64],
    /// The unified symbol (`BTC-USDT`, `BTC-USDT-PERP`), NUL-terminated.
    pub unified: [c_char; 64],
}

/// A snapshot of a feed's counters. Live feeds fill every field; a replay fills the pipeline,
/// book, dedupe and `delivered` counters (the connection fields stay 0).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct tw_metrics {
    /// Text frames read (live: by the shards; replay: by the pipeline).
    pub frames: u64,
    /// Bytes read (live only).
    pub bytes: u64,
    /// Connections established.
    pub connects: u64,
    /// Connections lost or closed.
    pub disconnects: u64,
    /// Rollovers done.
    pub rollovers: u64,
    /// Events lost because the route stage fell behind a shard.
    pub ring_drops: u64,
    /// Malformed frames (each also reported in band).
    pub malformed: u64,
    /// Events delivered to the caller.
    pub delivered: u64,
    /// Events emitted by the pipeline.
    pub emitted: u64,
    /// Book diff messages applied.
    pub book_updates: u64,
    /// Book snapshots applied.
    pub book_snapshots: u64,
    /// Book gaps detected.
    pub book_gaps: u64,
    /// Duplicates dropped by dedupe.
    pub duplicates: u64,
    /// REST snapshots fetched.
    pub rest_snapshots: u64,
    /// REST requests rate-limited.
    pub rest_rate_limited: u64,
    /// REST requests failed.
    pub rest_failures: u64,
    /// Socket read to consumer latency, ns: p50.
    pub latency_p50_ns: u64,
    /// p99.
    pub latency_p99_ns: u64,
    /// p99.9.
    pub latency_p999_ns: u64,
    /// Maximum.
    pub latency_max_ns: u64,
    /// Seconds since start (live only).
    pub uptime_s: f64,
}

/// Handles returned by `tw_feed_new` and not yet freed: lets every entry point refuse a freed or
/// foreign pointer without reading through it.
static LIVE: Mutex<BTreeSet<usize>> = Mutex::new(BTreeSet::new());

fn registry() -> std::sync::MutexGuard<'static, BTreeSet<usize>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

fn check_live(addr: usize) -> Result<(), Error> {
    if registry().contains(&addr) {
        Ok(())
    } else {
        Err(Error::new(
            TW_INVALID_HANDLE,
            "not a live tw_feed (freed already, or never returned by tw_feed_new)",
        ))
    }
}

/// The feed behind a `const` handle, after the NULL and liveness checks.
pub(crate) fn feed_ref<'a>(p: *const tw_feed) -> Result<&'a tw_feed, Error> {
    if p.is_null() {
        return Err(Error::new(TW_NULL_ARGUMENT, "feed is NULL"));
    }
    check_live(p as usize)?;
    // SAFETY: `p` was returned by tw_feed_new and not freed (registry); callers serialise use.
    Ok(unsafe { &*p })
}

fn feed_mut<'a>(p: *mut tw_feed) -> Result<&'a mut tw_feed, Error> {
    if p.is_null() {
        return Err(Error::new(TW_NULL_ARGUMENT, "feed is NULL"));
    }
    check_live(p as usize)?;
    // SAFETY: as in feed_ref; the caller gives this thread exclusive use of the feed.
    Ok(unsafe { &mut *p })
}

fn c_str<'a>(p: *const c_char, what: &str) -> Result<&'a str, Error> {
    if p.is_null() {
        return Err(Error::new(TW_NULL_ARGUMENT, format!("{what} is NULL")));
    }
    // SAFETY: non-null and NUL-terminated per the caller's contract.
    unsafe { CStr::from_ptr(p) }
        .to_str()
        .map_err(|_| Error::new(TW_INVALID_ARGUMENT, format!("{what} is not UTF-8")))
}

fn events_out<'a>(out: *mut tw_event, cap: usize) -> Result<&'a mut [Event], Error> {
    if out.is_null() {
        return Err(Error::new(TW_NULL_ARGUMENT, "out is NULL"));
    }
    if cap == 0 || cap > isize::MAX as usize / std::mem::size_of::<Event>() {
        return Err(Error::new(
            TW_INVALID_ARGUMENT,
            format!("cap {cap}: at least 1"),
        ));
    }
    if !out.cast::<Event>().is_aligned() {
        return Err(Error::new(TW_INVALID_ARGUMENT, "out is not 8-byte aligned"));
    }
    // SAFETY: `out` is non-null, aligned, valid for `cap` events per the contract; tw_event has
    // Event's exact layout (compile-time assertions in event.rs) and any bits are a valid Event.
    Ok(unsafe { std::slice::from_raw_parts_mut(out.cast::<Event>(), cap) })
}

impl tw_feed {
    pub(crate) fn instruments(&self) -> &Arc<Instruments> {
        match &self.source {
            Source::Live(f) => f.instruments(),
            Source::Replay { replay, .. } => replay.instruments(),
            Source::Closed(i) => i,
        }
    }

    fn fill(&mut self, out: &mut [Event], timeout: Option<Duration>) -> Result<usize, Error> {
        let n = match &mut self.source {
            Source::Live(f) => match timeout {
                Some(t) => f.wait(out, t),
                None => f.poll(out),
            },
            Source::Replay { replay, finished } => {
                if *finished {
                    return Err(finished_error());
                }
                // fill the buffer: the core's poll returns after the first frame with events
                let mut n = 0;
                while n < out.len() {
                    let k = replay.poll(&mut out[n..]).map_err(record_error)?;
                    if k == 0 {
                        *finished = true;
                        break;
                    }
                    n += k;
                }
                if n == 0 {
                    return Err(finished_error());
                }
                self.delivered += n as u64;
                n
            }
            Source::Closed(_) => return Err(Error::new(TW_CLOSED, "the feed is closed")),
        };
        Ok(n)
    }
}

fn finished_error() -> Error {
    Error::new(TW_FINISHED, "the replay has delivered every event")
}

/// Opens a live feed or a replay from a JSON configuration and stores its handle in `*out`.
///
/// Live: `{"subscriptions": ["binance:BTCUSDT:trades,bbo,book", ...],
///         "endpoint": "wss://...", "rest_endpoint": "https://...",
///         "ca_file": "ca.pem" | "ca_pem": "-----BEGIN...", "shards": 1, "redundancy": 1,
///         "overflow": "drop_newest|drop_oldest|conflate|block", "capacity": 65536,
///         "wait_policy": "spin|yield|park", "stale_after_ms": 60000}`
/// (only `subscriptions` is required; `rest_endpoint` defaults to `endpoint` over https;
/// without `endpoint` the venue's own servers, TLS verified against the webpki roots).
///
/// Replay: `{"replay": {"venue": "binance", "files": ["a.tsv", ...], "capacity": 65536,
///           "preload": false}}`
/// (several files are one continuous stream; every file is opened now; `preload` parses every
/// file inside `tw_feed_new` and holds all events in memory, so polls only copy them out).
///
/// Errors: `TW_NULL_ARGUMENT`, `TW_INVALID_ARGUMENT` (not UTF-8), `TW_INVALID_JSON`,
/// `TW_INVALID_CONFIG`, `TW_UNKNOWN_VENUE`, `TW_INVALID_SUBSCRIPTION`, `TW_IO`,
/// `TW_BAD_RECORDING`, `TW_TLS`, `TW_ENGINE`.
///
/// Thread-safety: any thread.
///
/// # Safety
/// `config_json` NUL-terminated; `out` valid for one pointer.
#[no_mangle]
pub unsafe extern "C" fn tw_feed_new(config_json: *const c_char, out: *mut *mut tw_feed) -> c_int {
    guard(|| {
        let json = c_str(config_json, "config_json")?;
        if out.is_null() {
            return Err(Error::new(TW_NULL_ARGUMENT, "out is NULL"));
        }
        let source = match config::open(json)? {
            Opened::Live(f) => Source::Live(Box::new(f)),
            Opened::Replay(r) => Source::Replay {
                replay: Box::new(r),
                finished: false,
            },
        };
        let p = Box::into_raw(Box::new(tw_feed {
            source,
            delivered: 0,
        }));
        registry().insert(p as usize);
        // SAFETY: `out` is non-null and valid per the contract.
        unsafe { *out = p };
        Ok(())
    })
}

/// Copies up to `cap` ready events into `out` and their number into `*n_out` (0 when none is
/// ready on a live feed). Never blocks (a replay reads frames until `out` is full or the
/// recordings end).
/// A replay that has delivered everything returns `TW_FINISHED` (and keeps returning it);
/// a closed feed `TW_CLOSED`. `*n_out` is written only with `TW_OK`.
///
/// Thread-safety: one thread at a time per feed.
///
/// # Safety
/// `feed` from `tw_feed_new`; `out` valid for `cap` events; `n_out` valid.
#[no_mangle]
pub unsafe extern "C" fn tw_feed_poll(
    feed: *mut tw_feed,
    out: *mut tw_event,
    cap: usize,
    n_out: *mut usize,
) -> c_int {
    // SAFETY: the same contract as this function's.
    unsafe { fill(feed, out, cap, n_out, None) }
}

/// As `tw_feed_poll`, waiting up to `timeout_ns` for at least one event on a live feed (spin,
/// yield, then sleep per the feed's wait policy). A replay never waits.
///
/// Thread-safety: one thread at a time per feed.
///
/// # Safety
/// As `tw_feed_poll`.
#[no_mangle]
pub unsafe extern "C" fn tw_feed_wait(
    feed: *mut tw_feed,
    out: *mut tw_event,
    cap: usize,
    n_out: *mut usize,
    timeout_ns: u64,
) -> c_int {
    // SAFETY: the same contract as this function's.
    unsafe {
        fill(
            feed,
            out,
            cap,
            n_out,
            Some(Duration::from_nanos(timeout_ns)),
        )
    }
}

/// # Safety
/// As `tw_feed_poll`.
unsafe fn fill(
    feed: *mut tw_feed,
    out: *mut tw_event,
    cap: usize,
    n_out: *mut usize,
    timeout: Option<Duration>,
) -> c_int {
    guard(|| {
        let f = feed_mut(feed)?;
        let buf = events_out(out, cap)?;
        if n_out.is_null() {
            return Err(Error::new(TW_NULL_ARGUMENT, "n_out is NULL"));
        }
        let n = f.fill(buf, timeout)?;
        // SAFETY: `n_out` is non-null and valid per the contract.
        unsafe { *n_out = n };
        Ok(())
    })
}

/// Stops a live feed's threads (or ends a replay) but keeps the handle: later polls return
/// `TW_CLOSED`; instrument lookups still work. Closing twice is fine.
///
/// Thread-safety: one thread at a time per feed.
///
/// # Safety
/// `feed` from `tw_feed_new`.
#[no_mangle]
pub unsafe extern "C" fn tw_feed_close(feed: *mut tw_feed) -> c_int {
    guard(|| {
        let f = feed_mut(feed)?;
        let instruments = f.instruments().clone();
        if let Source::Live(live) = std::mem::replace(&mut f.source, Source::Closed(instruments)) {
            live.shutdown();
        }
        Ok(())
    })
}

/// Stops (joining every thread) and releases a feed. `NULL`, and a handle already freed, are
/// no-ops.
///
/// Thread-safety: one thread at a time per feed; the handle is invalid afterwards.
///
/// # Safety
/// `feed` NULL or from `tw_feed_new`.
#[no_mangle]
pub unsafe extern "C" fn tw_feed_free(feed: *mut tw_feed) {
    let _ = guard(|| {
        if feed.is_null() || !registry().remove(&(feed as usize)) {
            return Ok(());
        }
        // SAFETY: `feed` came from Box::into_raw in tw_feed_new and was live until the removal
        // above, which makes this the only free.
        drop(unsafe { Box::from_raw(feed) });
        Ok(())
    });
}

/// Looks up instrument `id` (the `instrument` field of events) into `*out`.
/// `TW_NOT_FOUND` for an unknown id.
///
/// Thread-safety: not concurrently with a poll/wait/close of the same feed.
///
/// # Safety
/// `feed` from `tw_feed_new`; `out` valid.
#[no_mangle]
pub unsafe extern "C" fn tw_instrument_info(
    feed: *const tw_feed,
    id: u32,
    out: *mut tw_instrument,
) -> c_int {
    guard(|| {
        let f = feed_ref(feed)?;
        if out.is_null() {
            return Err(Error::new(TW_NULL_ARGUMENT, "out is NULL"));
        }
        let info = f
            .instruments()
            .info(InstrumentId(id))
            .ok_or_else(|| Error::new(TW_NOT_FOUND, format!("no instrument with id {id}")))?;
        let ins = instrument(&info)?;
        // SAFETY: `out` is non-null and valid per the contract.
        unsafe { *out = ins };
        Ok(())
    })
}

/// Looks up an instrument by venue (`TW_VENUE_*`) and native symbol (e.g. `"BTCUSDT"`).
/// `TW_NOT_FOUND` when the feed has not seen it.
///
/// Thread-safety: not concurrently with a poll/wait/close of the same feed.
///
/// # Safety
/// `feed` from `tw_feed_new`; `symbol` NUL-terminated; `out` valid.
#[no_mangle]
pub unsafe extern "C" fn tw_instrument_find(
    feed: *const tw_feed,
    venue: u16,
    symbol: *const c_char,
    out: *mut tw_instrument,
) -> c_int {
    guard(|| {
        let f = feed_ref(feed)?;
        let (v, sym) = venue_symbol(venue, symbol)?;
        if out.is_null() {
            return Err(Error::new(TW_NULL_ARGUMENT, "out is NULL"));
        }
        let info = find(f, v, sym)?;
        let ins = instrument(&info)?;
        // SAFETY: `out` is non-null and valid per the contract.
        unsafe { *out = ins };
        Ok(())
    })
}

/// Copies the `n` best levels per side of the live book of `symbol` on `venue` into `bids` and
/// `asks` (best first; each array holds `n`), and their counts into `*n_bids`/`*n_asks`.
/// Mantissas are at the instrument's exponents (`tw_instrument_find`).
/// `TW_NOT_FOUND` for an unknown instrument, `TW_NO_BOOK` while it has no live book.
///
/// Thread-safety: not concurrently with a poll/wait/close of the same feed.
///
/// # Safety
/// `feed` from `tw_feed_new`; `symbol` NUL-terminated; `bids`, `asks` valid for `n` levels;
/// `n_bids`, `n_asks` valid.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn tw_book_top(
    feed: *const tw_feed,
    venue: u16,
    symbol: *const c_char,
    n: usize,
    bids: *mut tw_level,
    asks: *mut tw_level,
    n_bids: *mut usize,
    n_asks: *mut usize,
) -> c_int {
    guard(|| {
        let f = feed_ref(feed)?;
        let (v, sym) = venue_symbol(venue, symbol)?;
        if bids.is_null() || asks.is_null() || n_bids.is_null() || n_asks.is_null() {
            return Err(Error::new(
                TW_NULL_ARGUMENT,
                "bids, asks, n_bids and n_asks must not be NULL",
            ));
        }
        if n == 0 {
            return Err(Error::new(TW_INVALID_ARGUMENT, "n must be at least 1"));
        }
        let info = find(f, v, sym)?;
        let book = match &f.source {
            Source::Live(live) => live.book(v, sym),
            Source::Replay { replay, .. } => replay.pipeline().books().book(info.id),
            Source::Closed(_) => None,
        };
        let (b, a) = book
            .map(|b| b.top(n))
            .ok_or_else(|| Error::new(TW_NO_BOOK, format!("{v}:{sym} has no live book")))?;
        // SAFETY: `bids`/`asks` are valid for `n` levels and top(n) returns at most n per side;
        // the counts are valid per the contract.
        unsafe {
            copy_levels(&b, bids, n);
            copy_levels(&a, asks, n);
            *n_bids = b.len().min(n);
            *n_asks = a.len().min(n);
        }
        Ok(())
    })
}

/// # Safety
/// `dst` valid for `n` levels.
unsafe fn copy_levels(src: &[Level], dst: *mut tw_level, n: usize) {
    for (i, l) in src.iter().take(n).enumerate() {
        // SAFETY: i < n and `dst` is valid for n levels.
        unsafe {
            *dst.add(i) = tw_level {
                px: l.px,
                qty: l.qty,
            }
        };
    }
}

/// Stores a snapshot of the feed's counters in `*out`.
///
/// Thread-safety: not concurrently with a poll/wait/close of the same feed.
///
/// # Safety
/// `feed` from `tw_feed_new`; `out` valid.
#[no_mangle]
pub unsafe extern "C" fn tw_feed_metrics(feed: *const tw_feed, out: *mut tw_metrics) -> c_int {
    guard(|| {
        let f = feed_ref(feed)?;
        if out.is_null() {
            return Err(Error::new(TW_NULL_ARGUMENT, "out is NULL"));
        }
        let mut m = tw_metrics {
            delivered: f.delivered,
            ..tw_metrics::default()
        };
        match &f.source {
            Source::Live(live) => {
                let x = live.metrics();
                m = tw_metrics {
                    frames: x.frames,
                    bytes: x.bytes,
                    connects: x.connects,
                    disconnects: x.disconnects,
                    rollovers: x.rollovers,
                    ring_drops: x.ring_drops,
                    malformed: x.malformed,
                    delivered: x.delivered,
                    emitted: x.pipeline.emitted,
                    book_updates: x.books.applied,
                    book_snapshots: x.books.snapshots,
                    book_gaps: x.books.gaps,
                    duplicates: x.dedupe.duplicates,
                    rest_snapshots: x.rest.0,
                    rest_rate_limited: x.rest.1,
                    rest_failures: x.rest.2,
                    latency_p50_ns: x.latency_ns[0],
                    latency_p99_ns: x.latency_ns[1],
                    latency_p999_ns: x.latency_ns[2],
                    latency_max_ns: x.latency_ns[3],
                    uptime_s: x.uptime,
                };
            }
            Source::Replay { replay, .. } => {
                let p = replay.pipeline();
                let (s, b, d) = (p.stats(), p.books().stats(), p.dedupe().stats());
                m.frames = s.frames;
                m.malformed = s.malformed;
                m.emitted = s.emitted;
                m.book_updates = b.applied;
                m.book_snapshots = b.snapshots;
                m.book_gaps = b.gaps;
                m.duplicates = d.duplicates;
            }
            Source::Closed(_) => {}
        }
        // SAFETY: `out` is non-null and valid per the contract.
        unsafe { *out = m };
        Ok(())
    })
}

fn venue_symbol<'a>(venue: u16, symbol: *const c_char) -> Result<(Venue, &'a str), Error> {
    let v = Venue::from_u16(venue)
        .ok_or_else(|| Error::new(TW_UNKNOWN_VENUE, format!("unknown venue number {venue}")))?;
    Ok((v, c_str(symbol, "symbol")?))
}

fn find(f: &tw_feed, v: Venue, sym: &str) -> Result<InstrumentInfo, Error> {
    f.instruments()
        .find(v, sym)
        .ok_or_else(|| Error::new(TW_NOT_FOUND, format!("no instrument {v}:{sym}")))
}

fn instrument(info: &InstrumentInfo) -> Result<tw_instrument, Error> {
    let text = |what: &str, s: &str| -> Result<[c_char; 64], Error> {
        let bytes = s.as_bytes();
        let mut out = [0 as c_char; 64];
        if bytes.len() >= out.len() {
            return Err(Error::new(
                TW_BUFFER_TOO_SMALL,
                format!("{what} {s:?} longer than 63 bytes"),
            ));
        }
        for (d, b) in out.iter_mut().zip(bytes) {
            *d = *b as c_char;
        }
        Ok(out)
    };
    Ok(tw_instrument {
        id: info.id.0,
        venue: info.venue as u16,
        px_exp: info.px_exp,
        qty_exp: info.qty_exp,
        symbol: text("symbol", &info.symbol)?,
        unified: text("unified symbol", &info.unified)?,
    })
}
