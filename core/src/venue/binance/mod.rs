//! Binance spot, USDⓈ-M and COIN-M futures.
//!
//! * `wire`: borrowed views of the JSON frames.
//! * `normalize`: wire → [`Event`]s (exact decimals, ns timestamps, taker side).
//! * `subscribe`: endpoints, limits and control frames.
//! * book rules live in [`crate::book::SyncRule`] (spot `U == prev.u + 1`, futures `pu == prev.u`).
//!
//! Frames are classified by content: the combined-stream envelope's stream name when present,
//! else the payload's `e` field, else the shape of the object (spot `bookTicker` has no `e`;
//! replies carry `result`/`id` or `code`/`msg`).

mod fast;
mod normalize;
pub mod subscribe;
pub mod wire;

use crate::event::{Event, Nanos, Venue};
use crate::instrument::{Instruments, SymbolCache};
use crate::venue::{text, Control, FrameParser, ParseError, ParseStats};
use std::sync::Arc;
use wire::{BinanceProbe, LevelSpan};

/// Default exponents (price, size) for instruments whose metadata was not loaded: Binance
/// never sends more than 8 decimals.
pub const DEFAULT_EXPONENTS: (i8, i8) = (-8, -8);

/// The stream a frame belongs to, from its name or its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamKind {
    /// `@trade`
    Trade,
    /// `@aggTrade`
    AggTrade,
    /// `@bookTicker`
    BookTicker,
    /// `@depth`, `@depth@100ms`, …: diffs.
    Depth,
    /// `@depth5/10/20[@100ms]`: top-N snapshots.
    PartialDepth,
    /// `@kline_<i>`, `@continuousKline_<i>`.
    Kline,
    /// `!serverShutdown`.
    Shutdown,
    /// Anything else (tickers, mark price, …): ignored.
    Other,
}

/// Classifies a stream name (`btcusdt@depth@100ms`).
pub fn classify_stream(name: &str) -> StreamKind {
    classify_stream_bytes(name.as_bytes())
}

/// [`classify_stream`] on the name's bytes (the byte-level fast path has not checked UTF-8).
pub(crate) fn classify_stream_bytes(name: &[u8]) -> StreamKind {
    if name.ends_with(b"serverShutdown") {
        return StreamKind::Shutdown;
    }
    if name == b"!bookTicker" {
        // all-market book tickers: each payload names its symbol
        return StreamKind::BookTicker;
    }
    let chan = match name.iter().position(|&c| c == b'@') {
        Some(p) => &name[p + 1..],
        None => return StreamKind::Other,
    };
    match chan {
        b"trade" => StreamKind::Trade,
        b"aggTrade" => StreamKind::AggTrade,
        b"bookTicker" => StreamKind::BookTicker,
        c if c.starts_with(b"kline_") || c.starts_with(b"continuousKline_") => StreamKind::Kline,
        c if c.starts_with(b"depth") => {
            let rest = &c[5..];
            if rest.is_empty() || rest.starts_with(b"@") {
                StreamKind::Depth
            } else if rest[0].is_ascii_digit() {
                StreamKind::PartialDepth
            } else {
                StreamKind::Other
            }
        }
        _ => StreamKind::Other,
    }
}

/// The Binance frame parser (one per connection or shard).
#[derive(Debug)]
pub struct BinanceParser {
    venue: Venue,
    symbols: SymbolCache,
    scratch: Vec<LevelSpan>,
    stats: ParseStats,
    fast: bool,
    fast_hits: u64,
    depth_layout_hits: u64,
}

impl BinanceParser {
    /// A parser for one of the Binance venues over a shared instrument table.
    pub fn new(venue: Venue, instruments: Arc<Instruments>) -> Self {
        BinanceParser {
            venue,
            symbols: SymbolCache::new(venue, instruments, DEFAULT_EXPONENTS),
            scratch: Vec::with_capacity(1024),
            stats: ParseStats::default(),
            fast: true,
            fast_hits: 0,
            depth_layout_hits: 0,
        }
    }

    /// Turns the fast paths for trade, aggTrade, bookTicker and depthUpdate on (the default)
    /// or off (every frame through the general sonic-rs path; tests compare the two).
    pub fn set_fast_paths(&mut self, on: bool) {
        self.fast = on;
    }

    /// Frames the fast paths handled.
    pub fn fast_hits(&self) -> u64 {
        self.fast_hits
    }

    /// Of [`Self::fast_hits`], the `depthUpdate` frames read whole on their bytes in Binance's
    /// exact layouts (the first frame of a symbol never is: it is left to the general path,
    /// which interns the symbol).
    pub fn depth_layout_hits(&self) -> u64 {
        self.depth_layout_hits
    }

    fn fast_path(
        &mut self,
        kind: StreamKind,
        payload: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Option<Result<Control, ParseError>> {
        if !self.fast {
            return None;
        }
        let r = match kind {
            StreamKind::Trade => self.fast_trade(payload, ts_recv, false, out),
            StreamKind::AggTrade => self.fast_trade(payload, ts_recv, true, out),
            StreamKind::BookTicker => self.fast_book_ticker(payload, ts_recv, out),
            StreamKind::Depth => self.fast_depth(payload, ts_recv, out),
            _ => None,
        };
        self.fast_hits += u64::from(r.is_some());
        r
    }

    fn dispatch(
        &mut self,
        kind: StreamKind,
        payload: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        self.dispatch_named(kind, payload, ts_recv, out, None)
    }

    fn dispatch_named(
        &mut self,
        kind: StreamKind,
        payload: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
        stream: Option<&str>,
    ) -> Result<Control, ParseError> {
        if let Some(r) = self.fast_path(kind, payload, ts_recv, out) {
            return r;
        }
        // the general path recurses: bound the nesting first
        crate::venue::check_nesting(payload.as_bytes())?;
        match kind {
            StreamKind::Trade => self.trade(payload, ts_recv, out),
            StreamKind::AggTrade => self.agg_trade(payload, ts_recv, out),
            StreamKind::BookTicker => self.book_ticker(payload, ts_recv, out),
            StreamKind::Depth => self.depth(payload, ts_recv, false, out, stream),
            StreamKind::PartialDepth => self.depth(payload, ts_recv, true, out, stream),
            StreamKind::Kline => self.kline(payload, ts_recv, out),
            StreamKind::Shutdown => Ok(Control::ServerShutdown),
            StreamKind::Other => Ok(Control::Ignored),
        }
    }

    /// A frame without a stream name: dispatch on `e`, then on shape.
    fn raw(
        &mut self,
        payload: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        // Fast paths for Binance's canonical key order.
        for (prefix, kind) in [
            ("{\"e\":\"trade\"", StreamKind::Trade),
            ("{\"e\":\"depthUpdate\"", StreamKind::Depth),
            ("{\"e\":\"aggTrade\"", StreamKind::AggTrade),
            ("{\"e\":\"bookTicker\"", StreamKind::BookTicker),
            ("{\"e\":\"kline\"", StreamKind::Kline),
        ] {
            if payload.starts_with(prefix) {
                return self.dispatch(kind, payload, ts_recv, out);
            }
        }
        crate::venue::check_nesting(payload.as_bytes())?;
        let probe: BinanceProbe<'_> = sonic_rs::from_str(payload).map_err(malformed)?;
        if let Some(e) = probe.e {
            let kind = match e {
                "trade" => StreamKind::Trade,
                "aggTrade" => StreamKind::AggTrade,
                "bookTicker" => StreamKind::BookTicker,
                "depthUpdate" => StreamKind::Depth,
                "kline" | "continuous_kline" => StreamKind::Kline,
                "serverShutdown" => StreamKind::Shutdown,
                _ => StreamKind::Other,
            };
            return self.dispatch(kind, payload, ts_recv, out);
        }
        if probe.last_update_id.is_some() {
            return self.dispatch(StreamKind::PartialDepth, payload, ts_recv, out);
        }
        if probe.u.is_some() && probe.bid_qty.is_some() {
            return self.dispatch(StreamKind::BookTicker, payload, ts_recv, out);
        }
        normalize::control(&probe)
    }
}

impl FrameParser for BinanceParser {
    fn venue(&self) -> Venue {
        self.venue
    }

    fn parse_frame(
        &mut self,
        frame: &[u8],
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let before = out.len();
        // depthUpdate, the largest hot frame, is read on its bytes: the fast path accepts only
        // ASCII, so the frame's UTF-8 check is not needed when it takes the frame
        if self.fast {
            if let Some(r) = self.fast_depth_frame(frame, ts_recv, out) {
                self.fast_hits += 1;
                self.depth_layout_hits += 1;
                return self.stats.account(r, before, out);
            }
        }
        // Text frames are UTF-8 (RFC 6455); checking once here lets sonic-rs skip its own check.
        let frame = match text(frame) {
            Ok(f) => f,
            Err(e) => {
                let r = Err(e);
                return self.stats.account(r, before, out);
            }
        };
        let result = match wire::split_envelope(frame) {
            Some((stream, payload)) => {
                match self.dispatch_named(
                    classify_stream(stream),
                    payload,
                    ts_recv,
                    out,
                    Some(stream),
                ) {
                    // the canonical split can be fooled by extra keys after `data`; re-parse
                    Err(ParseError::Malformed(_)) => self.enveloped(frame, ts_recv, out),
                    r => r,
                }
            }
            None if memchr::memmem::find(frame.as_bytes(), b"\"stream\"").is_some() => {
                self.enveloped(frame, ts_recv, out)
            }
            None => self.raw(frame, ts_recv, out),
        };
        self.stats.account(result, before, out)
    }

    fn parse_rest(
        &mut self,
        body: &[u8],
        symbol: Option<&str>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let before = out.len();
        let result = crate::venue::check_nesting(body)
            .and_then(|()| text(body))
            .and_then(|body| self.rest(body, symbol, ts_recv, out));
        self.stats.account(result, before, out)
    }

    fn stats(&self) -> ParseStats {
        self.stats
    }
}

impl BinanceParser {
    fn enveloped(
        &mut self,
        frame: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        crate::venue::check_nesting(frame.as_bytes())?;
        match sonic_rs::from_str::<wire::BinanceEnvelope<'_>>(frame) {
            Ok(env) => {
                let kind = classify_stream(env.stream);
                let payload = env.data.as_raw_str();
                self.dispatch_named(kind, payload, ts_recv, out, Some(env.stream))
            }
            // Not an envelope after all (e.g. an error reply mentioning "stream").
            Err(_) => self.raw(frame, ts_recv, out),
        }
    }
}

fn malformed(e: sonic_rs::Error) -> ParseError {
    ParseError::Malformed(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_names_classify() {
        assert_eq!(classify_stream("btcusdt@trade"), StreamKind::Trade);
        assert_eq!(classify_stream("btcusdt@aggTrade"), StreamKind::AggTrade);
        assert_eq!(
            classify_stream("btcusdt@bookTicker"),
            StreamKind::BookTicker
        );
        assert_eq!(classify_stream("btcusdt@depth"), StreamKind::Depth);
        assert_eq!(classify_stream("btcusdt@depth@100ms"), StreamKind::Depth);
        assert_eq!(classify_stream("btcusdt@depth@0ms"), StreamKind::Depth);
        assert_eq!(
            classify_stream("btcusdt@depth20@100ms"),
            StreamKind::PartialDepth
        );
        assert_eq!(classify_stream("btcusdt@depth5"), StreamKind::PartialDepth);
        assert_eq!(classify_stream("btcusdt@kline_1m"), StreamKind::Kline);
        assert_eq!(classify_stream("!serverShutdown"), StreamKind::Shutdown);
        assert_eq!(classify_stream("!bookTicker"), StreamKind::BookTicker);
        assert_eq!(classify_stream("!miniTicker@arr"), StreamKind::Other);
        assert_eq!(classify_stream("btcusdt@markPrice"), StreamKind::Other);
        assert_eq!(classify_stream("nonsense"), StreamKind::Other);
    }
}
