//! Kraken spot: WebSocket v1 (`wss://ws.kraken.com`, the recorded captures) and v2
//! (`wss://ws.kraken.com/v2`, what the live protocol speaks), and the REST bodies.
//!
//! * `wire`: borrowed views of v1 arrays, v2 objects and REST bodies (v2 numbers read as text).
//! * `fast`: scanner fast paths for v1 trades and book updates (same emission code; anything
//!   unexpected falls back to `wire`).
//! * `subscribe`: the v2 endpoints, limits and frames.
//!
//! # Conventions
//!
//! * Symbols are the frames' own: v1 `XBT/USD`, v2 `BTC/USD` (the unified form of both is
//!   `BTC-USD`: `XBT` → `BTC`, `XDG` → `DOGE`).
//! * Trades: v1 `side` `b`/`s` and v2 `buy`/`sell` are the taker's side. v1 trades carry no id:
//!   `seq` is the trade time in ns plus the trade's index in its message (times are µs, so
//!   distinct trades never share a `seq`, and the same message received twice does); v2 uses
//!   `trade_id`.
//! * Quotes: v1 `spread` (`seq` = its time in ns) and `ticker` (best bid/ask with lot volume; it
//!   has no time: `seq` = receive time), v2 `ticker` (`seq` = its timestamp in ns, else the
//!   receive time).
//! * Books: v1 `book-<depth>` and v2 `book`: a snapshot then updates, no sequence
//!   ([`crate::book::SyncRule::Unsequenced`]); the book keeps `depth` levels per side (`v[3]` of
//!   the snapshot's first event: v1 from the channel name, v2 from the subscribe reply, else
//!   inferred from the snapshot's size) and every update message's checksum (`c` in v1 updates,
//!   `checksum` in v2 snapshots and updates) is verified by the book stage
//!   ([`crate::book::ChecksumRule::KrakenTop10`]) from the levels' text digits (`v[4]`).
//! * v2 checksums format prices and quantities at the pair's precision, but JSON numbers lose
//!   trailing zeros (`0.5660` arrives as `0.566`). The digits recorded for a v2 level are the
//!   pair's precision when known (from the `instrument` channel the protocol subscribes with
//!   books, or from REST `AssetPairs`), else the most digits seen for that pair so far, over the
//!   whole message first (a 10-level snapshot practically always shows the full precision on
//!   some level). Should a later level show more digits, the precision grows; the levels stored
//!   earlier then fail the next checksum and the book resyncs once, with the right precision.
//! * Candles: neither v1 nor v2 `ohlc` says when a candle is final. A candle is closed when the
//!   venue sends one with a later open time (a `CLOSED` copy of the last values it sent is
//!   emitted then); in a v2 snapshot every candle but the newest is closed. v1 `[time, etime, …]`:
//!   open time = `etime` − interval (the channel name's minutes).
//! * Exponents: from REST `AssetPairs` (`-pair_decimals`, `-lot_decimals`) or the v2
//!   `instrument` channel when seen before the pair, else [`DEFAULT_EXPONENTS`].
//! * Kraken Futures frames (`{"feed":…}`, in crypto-msg-parser's Kraken samples) are a
//!   different API: classified as ignored, with their reason counted.

mod fast;
mod subscribe;
pub mod wire;

pub use subscribe::{unified, KrakenProtocol, CANDLES, CANDLE_VARIANTS, PROTOCOL};

use crate::decimal;
use crate::event::{
    book_text, book_text_with_checksum, flags, Event, InstrumentId, Kind, Nanos, Side, Venue,
};
use crate::instrument::{Instruments, Resolved, SymbolCache};
use crate::venue::coinbase::util::{
    at, decimal_seconds_ns, each, rfc3339_ns, written_digits, CandleCloser,
};
use crate::venue::{text, Control, FrameParser, ParseError, ParseStats};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use sonic_rs::{JsonValueTrait, LazyValue};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use wire::{Lvl, Probe, V2Book};

/// Default exponents (price, size) for pairs whose metadata was not seen: Kraken pairs have up
/// to 10 price decimals (`pair_decimals`) and 8 volume decimals; at -10 prices up to 9.2e8 fit.
pub const DEFAULT_EXPONENTS: (i8, i8) = (-10, -8);

/// Book depths Kraken serves (v2 `depth`; v1 `book-<n>`).
pub const DEPTHS: [u32; 5] = [10, 25, 100, 500, 1000];

/// Fraction digits the venue formats a pair's prices and volumes with (for v2 checksums).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Precision {
    px: u8,
    qty: u8,
    /// From metadata (exact), rather than learned from the digits seen.
    known: bool,
}

/// The Kraken frame parser (v1 and v2 frames, one parser per connection).
#[derive(Debug)]
pub struct KrakenParser {
    symbols: SymbolCache,
    stats: ParseStats,
    lvls: Vec<Lvl>,
    books: Vec<V2Book>,
    /// By instrument id: `None` until first sight.
    precision: Vec<Option<Precision>>,
    /// Precision by symbol (both v1 and v2 names) from metadata.
    presets: HashMap<Box<str>, (u8, u8)>,
    /// REST pair names (`XXBTZUSD`, `XBTUSD`) → WebSocket name (`XBT/USD`).
    rest_names: HashMap<Box<str>, Box<str>>,
    /// v2 book depth by instrument id, from subscribe replies (0: unknown).
    depth: Vec<u32>,
    candles: CandleCloser,
    tmp: Vec<Event>,
    ignored: Vec<(&'static str, u64)>,
    trades: Vec<fast::TradeSpans>,
    fast: bool,
    fast_hits: u64,
}

impl KrakenParser {
    /// A parser over a shared instrument table.
    pub fn new(instruments: Arc<Instruments>) -> Self {
        KrakenParser {
            symbols: SymbolCache::new(Venue::Kraken, instruments, DEFAULT_EXPONENTS),
            stats: ParseStats::default(),
            lvls: Vec::with_capacity(2048),
            books: Vec::with_capacity(4),
            precision: Vec::new(),
            presets: HashMap::new(),
            rest_names: HashMap::new(),
            depth: Vec::new(),
            candles: CandleCloser::default(),
            tmp: Vec::with_capacity(64),
            ignored: Vec::new(),
            trades: Vec::with_capacity(64),
            fast: true,
            fast_hits: 0,
        }
    }

    /// Turns the fast paths for v1 trade and book update frames on (the default) or off
    /// (every frame through the general sonic-rs path; tests compare the two).
    pub fn set_fast_paths(&mut self, on: bool) {
        self.fast = on;
    }

    /// Frames the fast paths handled.
    pub fn fast_hits(&self) -> u64 {
        self.fast_hits
    }

    /// Ignored frames by reason (`"Kraken Futures API"`, …).
    pub fn ignored_reasons(&self) -> &[(&'static str, u64)] {
        &self.ignored
    }

    /// The price and volume digits used for `symbol`'s v2 checksums, if it was seen.
    pub fn checksum_digits(&self, symbol: &str) -> Option<(u8, u8)> {
        let id = self.symbols.table().find(Venue::Kraken, symbol)?.id;
        self.precision
            .get(id.0 as usize)
            .copied()
            .flatten()
            .map(|p| (p.px, p.qty))
    }

    fn ignore(&mut self, reason: &'static str) -> Result<Control, ParseError> {
        match self.ignored.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, n)) => *n += 1,
            None => self.ignored.push((reason, 1)),
        }
        Ok(Control::Ignored)
    }

    fn frame(
        &mut self,
        f: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        if self.fast {
            if let Some(r) = self.fast_v1(f, ts_recv, out) {
                self.fast_hits += 1;
                return r;
            }
        }
        crate::venue::check_nesting(f.as_bytes())?;
        match f.bytes().find(|c| !c.is_ascii_whitespace()) {
            Some(b'[') => self.v1_data(f, ts_recv, out),
            Some(b'{') => {
                let p: Probe<'_> = sonic_rs::from_str(f).map_err(malformed)?;
                self.object(f, &p, ts_recv, out)
            }
            _ => Err(ParseError::Malformed(
                "frame is neither an array nor an object".into(),
            )),
        }
    }

    // ---- v1 -------------------------------------------------------------------------------

    fn v1_data(
        &mut self,
        f: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let a: wire::V1Array<'_> = sonic_rs::from_str(f).map_err(malformed)?;
        let ch = a.channel;
        if ch.starts_with("book") {
            return self.v1_book(f, &a, ts_recv, out);
        }
        if a.n_payloads != 1 {
            return Err(ParseError::Malformed(format!(
                "v1 {ch} with {} payloads",
                a.n_payloads
            )));
        }
        let payload = a.payloads[0].as_ref().map_or("", LazyValue::as_raw_str);
        match ch {
            "trade" => self.v1_trades(payload, a.pair, ts_recv, out),
            "spread" => {
                let s: wire::V1Spread<'_> = sonic_rs::from_str(payload).map_err(malformed)?;
                let r = self.symbols.resolve(a.pair.as_bytes());
                let ts = secs(s.2)?;
                let mut ev = template(r, Kind::Quote, ts_recv);
                ev.seq = ts as u64;
                ev.ts_exchange = ts;
                ev.v[0] = value(s.0, r.px_exp, r.id, ev.seq)?;
                ev.v[1] = value(s.3, r.qty_exp, r.id, ev.seq)?;
                ev.v[2] = value(s.1, r.px_exp, r.id, ev.seq)?;
                ev.v[3] = value(s.4, r.qty_exp, r.id, ev.seq)?;
                out.push(ev);
                Ok(Control::Data)
            }
            "ticker" => {
                let t: wire::V1Ticker<'_> = sonic_rs::from_str(payload).map_err(malformed)?;
                let r = self.symbols.resolve(a.pair.as_bytes());
                let mut ev = template(r, Kind::Quote, ts_recv);
                ev.seq = ts_recv.0 as u64;
                ev.v[0] = value(t.b.0, r.px_exp, r.id, ev.seq)?;
                ev.v[1] = value(t.b.2, r.qty_exp, r.id, ev.seq)?;
                ev.v[2] = value(t.a.0, r.px_exp, r.id, ev.seq)?;
                ev.v[3] = value(t.a.2, r.qty_exp, r.id, ev.seq)?;
                out.push(ev);
                Ok(Control::Data)
            }
            c if c.starts_with("ohlc") => {
                let minutes: u32 = c
                    .strip_prefix("ohlc-")
                    .and_then(|m| m.parse().ok())
                    .ok_or_else(|| ParseError::Malformed(format!("v1 channel {c:?}")))?;
                let k: wire::V1Ohlc<'_> = sonic_rs::from_str(payload).map_err(malformed)?;
                let r = self.symbols.resolve(a.pair.as_bytes());
                let interval = minutes.saturating_mul(60);
                let end_ms = secs(k.1)? / 1_000_000;
                let open_ms = end_ms - i64::from(interval) * 1000;
                let mut ev = template(r, Kind::Candle, ts_recv);
                ev.seq = open_ms as u64;
                ev.ts_exchange = secs(k.0)?;
                ev.aux = interval;
                ev.v = [
                    value(k.2, r.px_exp, r.id, ev.seq)?,
                    value(k.3, r.px_exp, r.id, ev.seq)?,
                    value(k.4, r.px_exp, r.id, ev.seq)?,
                    value(k.5, r.px_exp, r.id, ev.seq)?,
                    value(k.7, r.qty_exp, r.id, ev.seq)?,
                ];
                if let Some(closed) = self.candles.observe(&mut ev) {
                    out.push(closed);
                }
                out.push(ev);
                Ok(Control::Data)
            }
            _ => self.ignore("v1: unknown channel"),
        }
    }

    fn v1_book(
        &mut self,
        f: &str,
        a: &wire::V1Array<'_>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        self.lvls.clear();
        let (base, len) = (f.as_ptr() as usize, f.len());
        let (mut snapshot, mut update, mut checksum) = (false, false, None);
        for p in a.payloads.iter().take(a.n_payloads).flatten() {
            let part =
                wire::v1_book_part(p.as_raw_str(), base, len, &mut self.lvls).map_err(malformed)?;
            snapshot |= part.snapshot;
            update |= part.update;
            checksum = part.checksum.or(checksum);
        }
        if snapshot == update {
            return Err(ParseError::Malformed(
                "v1 book payload is neither a snapshot (as/bs) nor an update (a/b)".into(),
            ));
        }
        self.emit_v1_book(f, a.channel, a.pair, snapshot, checksum, ts_recv, out)
    }

    /// The levels in `self.lvls` as one book message of `pair` (`channel` `book-<depth>`).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn emit_v1_book(
        &mut self,
        f: &str,
        channel: &str,
        pair: &str,
        snapshot: bool,
        checksum: Option<&str>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let depth: u32 = match channel.strip_prefix("book-") {
            Some(d) => d
                .parse()
                .map_err(|_| ParseError::Malformed(format!("v1 channel {channel:?}")))?,
            None if channel == "book" => 0,
            None => return self.ignore("v1: unknown channel"),
        };
        let checksum = match checksum {
            Some(c) => Some(
                c.parse::<u32>()
                    .map_err(|_| ParseError::Malformed(format!("v1 book checksum {c:?}")))?,
            ),
            None => None,
        };
        let r = self.symbols.resolve(pair.as_bytes());
        let mut tmpl = template(r, Kind::BookLevel, ts_recv);
        tmpl.flags = if snapshot { flags::SNAPSHOT } else { 0 };
        tmpl.v[3] = -1;
        let start = out.len();
        for (index, i) in (0..self.lvls.len()).enumerate() {
            let l = self.lvls[i];
            let (px, qty) = (at(f, l.px), at(f, l.qty));
            let mut e = tmpl;
            e.side = if l.side == 1 { Side::Buy } else { Side::Sell } as u8;
            e.aux = index as u32;
            e.ts_exchange = decimal_seconds_ns(at(f, l.ts)).ok_or_else(|| {
                ParseError::Malformed(format!(
                    "v1 level time {:?}",
                    String::from_utf8_lossy(at(f, l.ts))
                ))
            })?;
            e.v[0] = value_b(px, r.px_exp, r.id, 0)?;
            e.v[1] = value_b(qty, r.qty_exp, r.id, 0)?;
            e.v[4] = book_text(written_digits(px), written_digits(qty));
            out.push(e);
        }
        close_batch(out, start, tmpl);
        if snapshot && depth > 0 {
            out[start].v[3] = i64::from(depth);
        }
        if let Some(c) = checksum {
            let last = out.len() - 1;
            out[last].v[4] = book_text_with_checksum(out[last].v[4], c);
        }
        Ok(Control::Data)
    }

    /// One v1 trade (`index`: its position in the message).
    pub(super) fn v1_trade(
        r: Resolved,
        t: &wire::V1Trade<'_>,
        index: u64,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<(), ParseError> {
        let ts = secs(t.time)?;
        let seq = t.trade_id.unwrap_or((ts as u64).wrapping_add(index));
        let mut ev = template(r, Kind::Trade, ts_recv);
        ev.seq = seq;
        ev.ts_exchange = ts;
        ev.side = taker_side(t.side)? as u8;
        ev.v[0] = value(t.price, r.px_exp, r.id, seq)?;
        ev.v[1] = value(t.volume, r.qty_exp, r.id, seq)?;
        out.push(ev);
        Ok(())
    }

    fn v1_trades(
        &mut self,
        payload: &str,
        pair: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let r = self.symbols.resolve(pair.as_bytes());
        let mut err = None;
        let mut index = 0u64;
        let mut on = |t: wire::V1Trade<'_>| -> Result<(), ()> {
            let e = Self::v1_trade(r, &t, index, ts_recv, out);
            index += 1;
            e.map_err(|e| err = Some(e))
        };
        let res = each(payload, &mut on);
        if let Some(e) = err {
            return Err(e);
        }
        res.map_err(malformed)?;
        Ok(Control::Data)
    }

    fn v1_event(&mut self, p: &Probe<'_>, event: &str) -> Result<Control, ParseError> {
        match event {
            "heartbeat" | "pong" => Ok(Control::Heartbeat),
            "systemStatus" => match p.status {
                Some("online") | None => Ok(Control::Heartbeat),
                Some(s) => Ok(Control::VenueError {
                    code: 0,
                    msg: format!("system status: {s}"),
                }),
            },
            "subscriptionStatus" => match p.status {
                Some("subscribed" | "unsubscribed") => Ok(Control::Ack {
                    id: p.reqid.unwrap_or(-1),
                }),
                _ => Ok(Control::VenueError {
                    code: 0,
                    msg: p.error_message.as_ref().map(text_of).unwrap_or_default(),
                }),
            },
            "error" => Ok(Control::VenueError {
                code: 0,
                msg: p.error_message.as_ref().map(text_of).unwrap_or_default(),
            }),
            _ => self.ignore("v1: unknown event"),
        }
    }

    // ---- objects (v1 events, v2) ----------------------------------------------------------

    fn object(
        &mut self,
        f: &str,
        p: &Probe<'_>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        if p.feed.is_some() || p.order_book.is_some() {
            return self.ignore("Kraken Futures API");
        }
        if let Some(ch) = p.channel {
            return self.v2_channel(f, ch, p, ts_recv, out);
        }
        if let Some(m) = p.method {
            return self.v2_method(p, m);
        }
        if let Some(e) = p.event {
            return self.v1_event(p, e);
        }
        if let Some(e) = &p.error {
            return Ok(Control::VenueError {
                code: 0,
                msg: text_of(e),
            });
        }
        Err(ParseError::Malformed(
            "object without channel, method or event".into(),
        ))
    }

    fn v2_method(&mut self, p: &Probe<'_>, method: &str) -> Result<Control, ParseError> {
        if p.success == Some(false) || (p.success.is_none() && p.error.is_some()) {
            return Ok(Control::VenueError {
                code: 0,
                msg: p.error.as_ref().map(text_of).unwrap_or_default(),
            });
        }
        match method {
            "pong" => Ok(Control::Heartbeat),
            "subscribe" | "unsubscribe" => {
                if let Some(res) = &p.result {
                    let r: wire::V2SubResult<'_> =
                        sonic_rs::from_str(res.as_raw_str()).unwrap_or_default();
                    if let (Some("book"), Some(sym), Some(d), "subscribe") =
                        (r.channel, r.symbol, r.depth, method)
                    {
                        let id = self.symbols.resolve(sym.as_bytes()).id;
                        let i = id.0 as usize;
                        if self.depth.len() <= i {
                            self.depth.resize(i + 1, 0);
                        }
                        self.depth[i] = d;
                    }
                }
                Ok(Control::Ack {
                    id: p.req_id.unwrap_or(-1),
                })
            }
            _ => self.ignore("v2: other method reply"),
        }
    }

    fn v2_channel(
        &mut self,
        f: &str,
        ch: &str,
        p: &Probe<'_>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let data = || {
            p.data
                .as_ref()
                .map(LazyValue::as_raw_str)
                .ok_or_else(|| ParseError::Malformed(format!("v2 {ch} without data")))
        };
        match ch {
            "heartbeat" => Ok(Control::Heartbeat),
            "book" => {
                let snapshot = match p.kind {
                    Some("snapshot") => true,
                    Some("update") => false,
                    _ => {
                        return Err(ParseError::Malformed(
                            "v2 book type is neither snapshot nor update".into(),
                        ))
                    }
                };
                self.v2_book(f, data()?, snapshot, ts_recv, out)
            }
            "trade" => {
                let mut err = None;
                let mut on = |t: wire::V2Trade<'_>| -> Result<(), ()> {
                    let e = (|| {
                        let r = self.symbols.resolve(t.symbol.as_bytes());
                        let mut ev = template(r, Kind::Trade, ts_recv);
                        ev.seq = t.trade_id;
                        ev.ts_exchange = opt_time(t.timestamp)?;
                        ev.side = taker_side(t.side)? as u8;
                        ev.v[0] = value(t.price.0, r.px_exp, r.id, ev.seq)?;
                        ev.v[1] = value(t.qty.0, r.qty_exp, r.id, ev.seq)?;
                        out.push(ev);
                        Ok(())
                    })();
                    e.map_err(|e| err = Some(e))
                };
                finish(each(data()?, &mut on), err)
            }
            "ticker" => {
                let mut err = None;
                let mut index = 0u64;
                let mut on = |t: wire::V2Ticker<'_>| -> Result<(), ()> {
                    let e = (|| {
                        let r = self.symbols.resolve(t.symbol.as_bytes());
                        let ts = opt_time(t.timestamp)?;
                        let mut ev = template(r, Kind::Quote, ts_recv);
                        ev.seq = (if ts != 0 { ts } else { ts_recv.0 } as u64).wrapping_add(index);
                        index += 1;
                        ev.ts_exchange = ts;
                        ev.v[0] = value(t.bid.0, r.px_exp, r.id, ev.seq)?;
                        ev.v[1] = value(t.bid_qty.0, r.qty_exp, r.id, ev.seq)?;
                        ev.v[2] = value(t.ask.0, r.px_exp, r.id, ev.seq)?;
                        ev.v[3] = value(t.ask_qty.0, r.qty_exp, r.id, ev.seq)?;
                        out.push(ev);
                        Ok(())
                    })();
                    e.map_err(|e| err = Some(e))
                };
                finish(each(data()?, &mut on), err)
            }
            "ohlc" => self.v2_ohlc(data()?, p.kind == Some("snapshot"), ts_recv, out),
            "status" => {
                let mut bad: Option<String> = None;
                let mut on = |s: wire::V2Status<'_>| -> Result<(), ()> {
                    if let Some(sys) = s.system.filter(|s| *s != "online") {
                        bad = Some(format!("system status: {sys}"));
                    }
                    Ok(())
                };
                each(data()?, &mut on).map_err(malformed)?;
                Ok(match bad {
                    Some(msg) => Control::VenueError { code: 0, msg },
                    None => Control::Heartbeat,
                })
            }
            "instrument" => {
                let d: wire::V2Instruments<'_> = sonic_rs::from_str(data()?).map_err(malformed)?;
                if let Some(pairs) = d.pairs {
                    let mut found: Vec<(String, u8, u8)> = Vec::new();
                    let mut on = |p: wire::V2Pair<'_>| -> Result<(), ()> {
                        found.push((p.symbol.to_owned(), p.price_precision, p.qty_precision));
                        Ok(())
                    };
                    each(pairs.as_raw_str(), &mut on).map_err(malformed)?;
                    for (sym, px, qty) in found {
                        self.preset(&sym, px, qty);
                    }
                }
                self.ignore("v2: instrument (precisions loaded)")
            }
            _ => self.ignore("v2: unknown channel"),
        }
    }

    fn v2_book(
        &mut self,
        f: &str,
        data: &str,
        snapshot: bool,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        self.lvls.clear();
        self.books.clear();
        wire::v2_books(
            data,
            f.as_ptr() as usize,
            f.len(),
            &mut self.lvls,
            &mut self.books,
        )
        .map_err(malformed)?;
        for k in 0..self.books.len() {
            let b = self.books[k];
            let r = self.symbols.resolve(at(f, b.symbol));
            // the precision: known, or the most digits seen (this message first)
            let mut prec = self.precision_of(r.id, at(f, b.symbol));
            if !prec.known {
                for l in &self.lvls[b.levels.0 as usize..b.levels.1 as usize] {
                    prec.px = prec.px.max(written_digits(at(f, l.px)));
                    prec.qty = prec.qty.max(written_digits(at(f, l.qty)));
                }
                self.precision[r.id.0 as usize] = Some(prec);
            }
            let ts = if b.timestamp.1 > b.timestamp.0 {
                rfc3339_ns(at(f, b.timestamp)).ok_or_else(|| {
                    ParseError::Malformed("v2 book timestamp is not RFC 3339".into())
                })?
            } else {
                0
            };
            let mut tmpl = template(r, Kind::BookLevel, ts_recv);
            tmpl.flags = if snapshot { flags::SNAPSHOT } else { 0 };
            tmpl.ts_exchange = ts;
            tmpl.v[3] = -1;
            let start = out.len();
            let (mut bids, mut asks) = (0usize, 0usize);
            for (index, i) in (b.levels.0..b.levels.1).enumerate() {
                let l = self.lvls[i as usize];
                let (px, qty) = (at(f, l.px), at(f, l.qty));
                let mut e = tmpl;
                if l.side == 1 {
                    e.side = Side::Buy as u8;
                    bids += 1;
                } else {
                    e.side = Side::Sell as u8;
                    asks += 1;
                }
                e.aux = index as u32;
                e.v[0] = value_b(px, r.px_exp, r.id, 0)?;
                e.v[1] = value_b(qty, r.qty_exp, r.id, 0)?;
                e.v[4] = book_text(
                    prec.px.max(written_digits(px)),
                    prec.qty.max(written_digits(qty)),
                );
                out.push(e);
            }
            close_batch(out, start, tmpl);
            if snapshot {
                let subscribed = self.depth.get(r.id.0 as usize).copied().unwrap_or(0);
                out[start].v[3] = i64::from(if subscribed > 0 {
                    subscribed
                } else {
                    infer_depth(bids.max(asks))
                });
            }
            if let Some(c) = b.checksum {
                let c = u32::try_from(c)
                    .map_err(|_| ParseError::Malformed(format!("v2 book checksum {c}")))?;
                let last = out.len() - 1;
                out[last].v[4] = book_text_with_checksum(out[last].v[4], c);
            }
        }
        Ok(Control::Data)
    }

    fn v2_ohlc(
        &mut self,
        data: &str,
        snapshot: bool,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let mut tmp = std::mem::take(&mut self.tmp);
        tmp.clear();
        let mut err = None;
        let mut on = |k: wire::V2Ohlc<'_>| -> Result<(), ()> {
            let e = (|| {
                let r = self.symbols.resolve(k.symbol.as_bytes());
                let open = rfc3339_ns(k.interval_begin.as_bytes()).ok_or_else(|| {
                    ParseError::Malformed(format!("interval_begin {:?}", k.interval_begin))
                })?;
                let seq = (open / 1_000_000) as u64;
                let mut ev = template(r, Kind::Candle, ts_recv);
                ev.seq = seq;
                ev.ts_exchange = opt_time(k.timestamp)?;
                ev.aux = k.interval.saturating_mul(60);
                ev.v = [
                    value(k.open.0, r.px_exp, r.id, seq)?,
                    value(k.high.0, r.px_exp, r.id, seq)?,
                    value(k.low.0, r.px_exp, r.id, seq)?,
                    value(k.close.0, r.px_exp, r.id, seq)?,
                    value(k.volume.0, r.qty_exp, r.id, seq)?,
                ];
                tmp.push(ev);
                Ok(())
            })();
            e.map_err(|e| err = Some(e))
        };
        let res = each(data, &mut on);
        if let Some(e) = err {
            self.tmp = tmp;
            return Err(e);
        }
        if let Err(e) = res {
            self.tmp = tmp;
            return Err(malformed(e));
        }
        for i in 0..tmp.len() {
            let mut ev = tmp[i];
            let newer = tmp
                .iter()
                .any(|o| o.instrument == ev.instrument && o.aux == ev.aux && o.seq > ev.seq);
            if snapshot && newer {
                ev.flags |= flags::CLOSED;
            } else if let Some(closed) = self.candles.observe(&mut ev) {
                out.push(closed);
            }
            out.push(ev);
        }
        self.tmp = tmp;
        Ok(Control::Data)
    }

    // ---- precision and metadata -----------------------------------------------------------

    /// The precision of instrument `id` (named `symbol`), initialised on first sight from the
    /// metadata presets.
    fn precision_of(&mut self, id: InstrumentId, symbol: &[u8]) -> Precision {
        let i = id.0 as usize;
        if self.precision.len() <= i {
            self.precision.resize(i + 1, None);
        }
        if let Some(p) = self.precision[i] {
            return p;
        }
        let p = std::str::from_utf8(symbol)
            .ok()
            .and_then(|s| self.presets.get(s))
            .map_or(Precision::default(), |&(px, qty)| Precision {
                px,
                qty,
                known: true,
            });
        self.precision[i] = Some(p);
        p
    }

    /// Records a pair's precision (both its v1 and v2 names) and presets its exponents.
    fn preset(&mut self, symbol: &str, px: u8, qty: u8) {
        let (px, qty) = (px.min(18), qty.min(18));
        let v1 = subscribe::v1_name(symbol);
        let v2 = subscribe::v2_name(symbol);
        for name in [symbol, v1.as_str(), v2.as_str()] {
            self.presets.insert(name.into(), (px, qty));
            let table = self.symbols.table();
            table.set_exponents(Venue::Kraken, name, -(px as i8), -(qty as i8));
            if let Some(info) = table.find(Venue::Kraken, name) {
                // already seen: its checksum digits are now known
                let i = info.id.0 as usize;
                if self.precision.len() <= i {
                    self.precision.resize(i + 1, None);
                }
                self.precision[i] = Some(Precision {
                    px,
                    qty,
                    known: true,
                });
            }
        }
    }

    // ---- REST -----------------------------------------------------------------------------

    fn rest(
        &mut self,
        body: &str,
        symbol: Option<&str>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        if body.bytes().find(|c| !c.is_ascii_whitespace()) != Some(b'{') {
            return Err(ParseError::Malformed("REST body is not an object".into()));
        }
        let p: Probe<'_> = sonic_rs::from_str(body).map_err(malformed)?;
        if p.order_book.is_some() || p.feed.is_some() {
            return self.ignore("Kraken Futures API");
        }
        if let Some(err) = &p.error {
            let errors: Vec<String> = sonic_rs::from_str(err.as_raw_str()).unwrap_or_default();
            if !errors.is_empty() {
                return Ok(Control::VenueError {
                    code: 0,
                    msg: errors.join("; "),
                });
            }
        }
        let Some(result) = &p.result else {
            return self.ignore("REST: unknown body");
        };
        if result.as_str().is_some() {
            return self.ignore("Kraken Futures API");
        }
        let entries: Entries<'_> = sonic_rs::from_str(result.as_raw_str()).map_err(malformed)?;
        let Some((_, first)) = entries.0.iter().find(|(k, _)| *k != "last") else {
            return Ok(Control::Data);
        };
        if first.get("pair_decimals").is_some() {
            self.load_asset_pairs(&entries)?;
            return Ok(Control::Ignored);
        }
        if first.get("asks").is_some() {
            for (key, v) in &entries.0 {
                let name = self.rest_symbol(key, symbol);
                self.rest_depth(v.as_raw_str(), &name, ts_recv, out)?;
            }
            return Ok(Control::Data);
        }
        if first.is_array() {
            for (key, v) in entries.0.iter().filter(|(k, _)| *k != "last") {
                let name = self.rest_symbol(key, symbol);
                let row0 = v.get(0usize);
                let trades = row0
                    .as_ref()
                    .and_then(|r| r.get(0usize))
                    .is_some_and(|x| x.is_str());
                if trades {
                    self.rest_trades(v.as_raw_str(), &name, ts_recv, out)?;
                } else {
                    self.rest_ohlc(v.as_raw_str(), &name, ts_recv, out)?;
                }
            }
            return Ok(Control::Data);
        }
        self.ignore("REST: unknown body")
    }

    /// The WebSocket name of a REST pair key: the request's symbol, else `AssetPairs`, else a
    /// guess (`XXBTZUSD` → `XBT/USD`).
    fn rest_symbol(&self, key: &str, symbol: Option<&str>) -> String {
        if let Some(s) = symbol {
            return s.to_string();
        }
        if let Some(ws) = self.rest_names.get(key) {
            return ws.to_string();
        }
        subscribe::guess_ws_name(key)
    }

    fn load_asset_pairs(&mut self, entries: &Entries<'_>) -> Result<(), ParseError> {
        for (key, v) in &entries.0 {
            let p: wire::AssetPair<'_> = sonic_rs::from_str(v.as_raw_str()).map_err(malformed)?;
            let Some(ws) = p.wsname else { continue };
            self.rest_names.insert((*key).into(), ws.as_ref().into());
            if let Some(alt) = p.altname {
                self.rest_names
                    .insert(alt.as_ref().into(), ws.as_ref().into());
            }
            self.preset(&ws, p.pair_decimals, p.lot_decimals);
        }
        Ok(())
    }

    fn rest_depth(
        &mut self,
        text: &str,
        symbol: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<(), ParseError> {
        let d: wire::RestDepth<'_> = sonic_rs::from_str(text).map_err(malformed)?;
        let r = self.symbols.resolve(symbol.as_bytes());
        let mut tmpl = template(r, Kind::BookLevel, ts_recv);
        tmpl.flags = flags::SNAPSHOT;
        tmpl.v[3] = -1;
        let start = out.len();
        for (side, levels) in [(Side::Buy, &d.bids), (Side::Sell, &d.asks)] {
            let mut err = None;
            let mut on = |l: wire::RestLevel<'_>| -> Result<(), ()> {
                let e = (|| {
                    let mut e = tmpl;
                    e.side = side as u8;
                    e.aux = (out.len() - start) as u32;
                    e.v[0] = value(l.0, r.px_exp, r.id, 0)?;
                    e.v[1] = value(l.1, r.qty_exp, r.id, 0)?;
                    e.v[4] = book_text(
                        written_digits(l.0.as_bytes()),
                        written_digits(l.1.as_bytes()),
                    );
                    out.push(e);
                    Ok(())
                })();
                e.map_err(|e| err = Some(e))
            };
            finish(each(levels.as_raw_str(), &mut on), err)?;
        }
        close_batch(out, start, tmpl);
        Ok(())
    }

    fn rest_trades(
        &mut self,
        text: &str,
        symbol: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<(), ParseError> {
        let r = self.symbols.resolve(symbol.as_bytes());
        let mut err = None;
        let mut index = 0u64;
        let mut on = |t: wire::RestTrade<'_>| -> Result<(), ()> {
            let e = (|| {
                let ts = secs(t.time.0)?;
                let seq = t.trade_id.unwrap_or((ts as u64).wrapping_add(index));
                index += 1;
                let mut ev = template(r, Kind::Trade, ts_recv);
                ev.seq = seq;
                ev.ts_exchange = ts;
                ev.side = taker_side(t.side)? as u8;
                ev.v[0] = value(t.price, r.px_exp, r.id, seq)?;
                ev.v[1] = value(t.volume, r.qty_exp, r.id, seq)?;
                out.push(ev);
                Ok(())
            })();
            e.map_err(|e| err = Some(e))
        };
        finish(each(text, &mut on), err).map(|_| ())
    }

    fn rest_ohlc(
        &mut self,
        text: &str,
        symbol: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<(), ParseError> {
        let r = self.symbols.resolve(symbol.as_bytes());
        let start = out.len();
        let mut err = None;
        let mut on = |k: wire::RestOhlc<'_>| -> Result<(), ()> {
            let e = (|| {
                let seq = k.0.saturating_mul(1000) as u64;
                let mut ev = template(r, Kind::Candle, ts_recv);
                ev.seq = seq;
                ev.ts_exchange = k.0.saturating_mul(1_000_000_000);
                ev.v = [
                    value(k.1, r.px_exp, r.id, seq)?,
                    value(k.2, r.px_exp, r.id, seq)?,
                    value(k.3, r.px_exp, r.id, seq)?,
                    value(k.4, r.px_exp, r.id, seq)?,
                    value(k.6, r.qty_exp, r.id, seq)?,
                ];
                out.push(ev);
                Ok(())
            })();
            e.map_err(|e| err = Some(e))
        };
        finish(each(text, &mut on), err)?;
        // the request chose the interval: infer it from the spacing of the rows
        let got = &mut out[start..];
        let interval = got
            .windows(2)
            .map(|w| w[0].seq.abs_diff(w[1].seq) / 1000)
            .filter(|d| *d > 0)
            .min()
            .unwrap_or(60);
        let interval = u32::try_from(interval).unwrap_or(60);
        for ev in got.iter_mut() {
            ev.aux = interval;
            let end_ns = (ev.seq as i64 + i64::from(interval) * 1000).saturating_mul(1_000_000);
            if ts_recv.0 == 0 || end_ns <= ts_recv.0 {
                ev.flags |= flags::CLOSED;
            }
        }
        Ok(())
    }
}

impl FrameParser for KrakenParser {
    fn venue(&self) -> Venue {
        Venue::Kraken
    }

    fn parse_frame(
        &mut self,
        frame: &[u8],
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let before = out.len();
        let result = text(frame).and_then(|f| self.frame(f, ts_recv, out));
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
            .and_then(|b| self.rest(b, symbol, ts_recv, out));
        self.stats.account(result, before, out)
    }

    fn stats(&self) -> ParseStats {
        self.stats
    }
}

/// The smallest depth Kraken serves that holds `n` levels per side.
fn infer_depth(n: usize) -> u32 {
    DEPTHS
        .iter()
        .copied()
        .find(|d| *d as usize >= n)
        .unwrap_or(u32::try_from(n).unwrap_or(u32::MAX))
}

/// The entries of a JSON object, in order, values unparsed (REST `result`).
struct Entries<'a>(Vec<(&'a str, LazyValue<'a>)>);

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<'de>, A::Error> {
                let mut v = Vec::new();
                while let Some(k) = map.next_key::<&'de str>()? {
                    v.push((k, map.next_value::<LazyValue<'de>>()?));
                }
                Ok(Entries(v))
            }
        }
        d.deserialize_map(V)
    }
}

/// An event of `kind` for `r` with `FIRST | LAST` (one event per message).
fn template(r: Resolved, kind: Kind, ts_recv: Nanos) -> Event {
    Event {
        ts_recv: ts_recv.0,
        venue: Venue::Kraken as u16,
        instrument: r.id.0,
        kind: kind as u8,
        px_exp: r.px_exp,
        qty_exp: r.qty_exp,
        flags: flags::FIRST | flags::LAST,
        ..Event::default()
    }
}

/// Marks `out[start..]` FIRST..LAST, or appends the single `NO_LEVEL` event of an empty batch.
fn close_batch(out: &mut Vec<Event>, start: usize, tmpl: Event) {
    if out.len() == start {
        let mut e = tmpl;
        e.flags |= flags::NO_LEVEL;
        out.push(e);
    }
    out[start].flags |= flags::FIRST;
    let last = out.len() - 1;
    out[last].flags |= flags::LAST;
}

/// `b`/`buy` → the taker bought; `s`/`sell` → sold.
fn taker_side(s: &str) -> Result<Side, ParseError> {
    match s {
        "b" | "buy" => Ok(Side::Buy),
        "s" | "sell" => Ok(Side::Sell),
        _ => Err(ParseError::Malformed(format!("trade side {s:?}"))),
    }
}

fn secs(s: &str) -> Result<i64, ParseError> {
    decimal_seconds_ns(s.as_bytes())
        .ok_or_else(|| ParseError::Malformed(format!("time {s:?} is not seconds")))
}

fn opt_time(t: Option<&str>) -> Result<i64, ParseError> {
    match t {
        None | Some("") => Ok(0),
        Some(t) => rfc3339_ns(t.as_bytes())
            .ok_or_else(|| ParseError::Malformed(format!("time {t:?} is not RFC 3339"))),
    }
}

fn finish(
    res: Result<(), sonic_rs::Error>,
    err: Option<ParseError>,
) -> Result<Control, ParseError> {
    if let Some(e) = err {
        return Err(e);
    }
    res.map_err(malformed)?;
    Ok(Control::Data)
}

fn value(s: &str, exp: i8, instrument: InstrumentId, seq: u64) -> Result<i64, ParseError> {
    value_b(s.as_bytes(), exp, instrument, seq)
}

fn value_b(s: &[u8], exp: i8, instrument: InstrumentId, seq: u64) -> Result<i64, ParseError> {
    decimal::parse(s, exp).map_err(|error| ParseError::Value {
        instrument,
        seq,
        error,
    })
}

fn text_of(v: &LazyValue<'_>) -> String {
    v.as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| v.as_raw_str().to_owned())
}

fn malformed(e: sonic_rs::Error) -> ParseError {
    ParseError::Malformed(e.to_string())
}
