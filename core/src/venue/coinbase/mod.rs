//! Coinbase: Advanced Trade (`wss://advanced-trade-ws.coinbase.com`, the current API) and the
//! older Exchange feed (`ws-feed`), which users still have recordings of.
//!
//! * `wire`: borrowed views of the frames (`l2_data` read in place into reused span buffers).
//! * `fast`: scanner fast paths for `l2_data` and `market_trades` in the venue's compact form
//!   (same buffers, same emission code; anything unexpected falls back to `wire`).
//! * `subscribe`: endpoints, limits, subscribe frames (one channel per message).
//! * `util`: RFC 3339 → exact ns, spans, a per-element serde seed, the candle closer (shared
//!   with Kraken).
//!
//! # Conventions
//!
//! * Trades: `market_trades.side` (and the Exchange feed's `match.side`) is the **maker's**
//!   side; events carry the taker's, the opposite (`SELL` → [`Side::Buy`]).
//! * Books: one `snapshot` event per product, then `update`s with absolute quantities ("0"
//!   deletes); no per-product sequence ([`crate::book::SyncRule::Unsequenced`]). `seq` and
//!   `v[2]` of book events are the envelope's `sequence_num`, `v[3]` is -1.
//! * Quotes: from `ticker` / `ticker_batch` where best bid and ask are present. There is no
//!   update id: `seq` is the envelope timestamp in ns plus the ticker's index in the message
//!   (distinct quotes never share it; the same message received twice does).
//! * Candles: 5-minute, `start` in Unix seconds; no closed flag: a candle is closed when the
//!   venue sends one with a later `start` (a `CLOSED` copy of the last values it sent is emitted
//!   then), and in a snapshot every candle but the newest is closed.
//!
//! # Lost messages
//!
//! `sequence_num` counts every message of a connection, across channels. The parser keeps the
//! next expected number; a jump means messages were lost, maybe `l2_data` ones, and no book fed
//! by the connection can be trusted. The parser then emits, ahead of the frame's own events, a
//! [`StatusCode::Gap`] for the connection (instrument NONE, `v[0]` missing messages, `v[1]..=v[2]`
//! their numbers) and, for every product whose book snapshot it has seen, a book-level resync
//! marker (a `BookLevel` event flagged [`flags::RESYNC`]): the book stage drops that book, says
//! `resync` and asks for a new snapshot (resubscribe), per product, while other venues' books
//! are untouched. A frame that fails to parse does not advance the expected number unless it
//! was not `l2_data`, so a withheld book message is itself reported as the gap it makes. A number
//! lower than expected is a new connection (numbering restarts at 0), not a gap.

mod fast;
mod subscribe;
pub mod util;
pub mod wire;

pub use subscribe::{CoinbaseProtocol, PROTOCOL};

use crate::decimal;
use crate::event::{book_text, flags, Event, InstrumentId, Kind, Nanos, Side, StatusCode, Venue};
use crate::instrument::{Instruments, Resolved, SymbolCache};
use crate::venue::{text, Control, FrameParser, ParseError, ParseStats};
use sonic_rs::JsonValueTrait;
use std::sync::Arc;
use util::{at, each, rfc3339_ns, written_digits, CandleCloser};
use wire::{Header, L2Scratch};

/// Default exponents (price, size): Coinbase prints at most 8 decimals for both (quote and base
/// increments go down to 1e-8); at -8 prices up to 9.2e10 fit.
pub const DEFAULT_EXPONENTS: (i8, i8) = (-8, -8);

/// Candle interval of the Advanced Trade `candles` channel (5 minutes).
pub const CANDLE_SECONDS: u32 = 300;

/// The Coinbase frame parser (one per connection: it checks that connection's `sequence_num`).
#[derive(Debug)]
pub struct CoinbaseParser {
    symbols: SymbolCache,
    l2: L2Scratch,
    stats: ParseStats,
    /// Next expected `sequence_num`, once one was seen.
    next_seq: Option<u64>,
    /// Products whose book snapshot this connection delivered.
    books_seen: Vec<InstrumentId>,
    candles: CandleCloser,
    tmp: Vec<Event>,
    /// The last `event_time` text and its value (levels of a message share it).
    time_cache: ([u8; 40], usize, i64),
    seq_stats: SeqStats,
    ignored: Vec<(&'static str, u64)>,
    trades: Vec<fast::TradeSpans>,
    fast: bool,
    fast_hits: u64,
}

/// What the `sequence_num` check saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeqStats {
    /// Messages whose number was checked.
    pub checked: u64,
    /// Jumps (lost messages).
    pub gaps: u64,
    /// Messages missing in all jumps.
    pub missing: u64,
    /// Numbering restarts (a new connection).
    pub restarts: u64,
    /// The first and last number seen.
    pub first: Option<u64>,
    /// The last number seen.
    pub last: Option<u64>,
}

impl CoinbaseParser {
    /// A parser over a shared instrument table.
    pub fn new(instruments: Arc<Instruments>) -> Self {
        CoinbaseParser {
            symbols: SymbolCache::new(Venue::Coinbase, instruments, DEFAULT_EXPONENTS),
            l2: L2Scratch {
                events: Vec::with_capacity(8),
                levels: Vec::with_capacity(1024),
            },
            stats: ParseStats::default(),
            next_seq: None,
            books_seen: Vec::new(),
            candles: CandleCloser::default(),
            tmp: Vec::with_capacity(512),
            time_cache: ([0; 40], 0, 0),
            seq_stats: SeqStats::default(),
            ignored: Vec::new(),
            trades: Vec::with_capacity(64),
            fast: true,
            fast_hits: 0,
        }
    }

    /// Turns the fast paths for `l2_data` and `market_trades` frames on (the default) or off
    /// (every frame through the general sonic-rs path; tests compare the two).
    pub fn set_fast_paths(&mut self, on: bool) {
        self.fast = on;
    }

    /// Frames the fast paths read.
    pub fn fast_hits(&self) -> u64 {
        self.fast_hits
    }

    /// The `sequence_num` check so far.
    pub fn seq_stats(&self) -> SeqStats {
        self.seq_stats
    }

    /// Ignored frames by reason (`"status channel"`, `"exchange feed: open"`, …).
    pub fn ignored_reasons(&self) -> &[(&'static str, u64)] {
        &self.ignored
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
        frame: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let fast = if self.fast {
            self.fast_header(frame)
        } else {
            None
        };
        let h = match fast {
            Some(h) => {
                self.fast_hits += 1;
                h
            }
            None => {
                crate::venue::check_nesting(frame.as_bytes())?;
                wire::parse_header(frame, &mut self.l2).map_err(malformed)?
            }
        };
        let Some(channel) = h.channel else {
            return self.untyped(frame, &h, ts_recv, out);
        };
        let seq = h.sequence_num;
        if let Some(seq) = seq {
            self.check_sequence(seq, ts_recv, out);
        }
        let result = self.channel(frame, channel, &h, ts_recv, out);
        if let Some(seq) = seq {
            // a failed l2_data frame is a lost book message: leave the number expected so the
            // next frame reports the gap (and resyncs the books)
            if result.is_ok() || channel != "l2_data" {
                self.next_seq = Some(seq.saturating_add(1));
                self.seq_stats.last = Some(seq);
                self.seq_stats.first.get_or_insert(seq);
            }
        }
        result
    }

    fn check_sequence(&mut self, seq: u64, ts: Nanos, out: &mut Vec<Event>) {
        self.seq_stats.checked += 1;
        let Some(expected) = self.next_seq else {
            return;
        };
        if seq == expected {
            return;
        }
        if seq < expected {
            self.seq_stats.restarts += 1;
            return;
        }
        let missing = seq - expected;
        self.seq_stats.gaps += 1;
        self.seq_stats.missing += missing;
        out.push(Event::status_event(
            Venue::Coinbase,
            InstrumentId::NONE,
            StatusCode::Gap,
            ts,
            missing as i64,
            expected as i64,
            (seq - 1) as i64,
        ));
        for id in &self.books_seen {
            out.push(resync_marker(*id, ts, missing, expected, seq - 1));
        }
    }

    fn channel(
        &mut self,
        frame: &str,
        channel: &str,
        h: &Header<'_>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let ts = match h.timestamp {
            Some(t) => rfc3339_ns(t.as_bytes())
                .ok_or_else(|| ParseError::Malformed(format!("timestamp {t:?} is not RFC 3339")))?,
            None => 0,
        };
        match channel {
            "l2_data" if h.l2_in_place => self.l2(frame, h.sequence_num.unwrap_or(0), ts_recv, out),
            "l2_data" => Err(ParseError::Malformed("l2_data without events".into())),
            "market_trades" if h.trades_in_place => self.trade_spans(frame, ts_recv, out),
            "market_trades" => self.trades(events(h)?, ts_recv, out),
            "ticker" | "ticker_batch" => self.tickers(events(h)?, ts, ts_recv, out),
            "candles" => self.ws_candles(events(h)?, ts, ts_recv, out),
            "heartbeats" => Ok(Control::Heartbeat),
            "subscriptions" => Ok(Control::Ack { id: -1 }),
            "status" => self.ignore("status channel"),
            "user" | "futures_balance_summary" => self.ignore("user channel"),
            _ => self.ignore("unknown channel"),
        }
    }

    fn l2(
        &mut self,
        frame: &str,
        seq: u64,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        for k in 0..self.l2.events.len() {
            let ev = self.l2.events[k];
            if !ev.known_type {
                return Err(ParseError::Malformed(
                    "l2_data event type is neither snapshot nor update".into(),
                ));
            }
            let r = self.symbols.resolve(at(frame, ev.product));
            if ev.snapshot && !self.books_seen.contains(&r.id) {
                self.books_seen.push(r.id);
            }
            let mut tmpl = template(r, Kind::BookLevel, ts_recv);
            tmpl.flags = if ev.snapshot { flags::SNAPSHOT } else { 0 };
            tmpl.seq = seq;
            tmpl.v[2] = seq as i64;
            tmpl.v[3] = -1;
            let start = out.len();
            for (index, i) in (ev.levels.0..ev.levels.1).enumerate() {
                let l = self.l2.levels[i as usize];
                let (px, qty) = (at(frame, l.px), at(frame, l.qty));
                let mut e = tmpl;
                e.side = if l.side == 1 { Side::Buy } else { Side::Sell } as u8;
                e.aux = index as u32;
                e.ts_exchange = self.event_time(at(frame, l.time))?;
                e.v[0] = value(px, r.px_exp, r.id, seq)?;
                e.v[1] = value(qty, r.qty_exp, r.id, seq)?;
                e.v[4] = book_text(written_digits(px), written_digits(qty));
                out.push(e);
            }
            close_batch(out, start, tmpl);
        }
        Ok(Control::Data)
    }

    /// `event_time` of a level (levels of one message share it: parsed once).
    fn event_time(&mut self, t: &[u8]) -> Result<i64, ParseError> {
        if t.is_empty() {
            return Ok(0);
        }
        let (buf, len, v) = &mut self.time_cache;
        if *len == t.len() && buf[..*len] == *t {
            return Ok(*v);
        }
        let ns = rfc3339_ns(t).ok_or_else(|| {
            ParseError::Malformed(format!(
                "event_time {:?} is not RFC 3339",
                String::from_utf8_lossy(t)
            ))
        })?;
        if t.len() <= buf.len() {
            buf[..t.len()].copy_from_slice(t);
            *len = t.len();
            *v = ns;
        }
        Ok(ns)
    }

    fn trades(
        &mut self,
        events: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let mut err: Option<ParseError> = None;
        let mut on_event = |e: wire::TradesEvent<'_>| -> Result<(), ()> {
            let mut on_trade = |t: wire::Trade<'_>| -> Result<(), ()> {
                self.trade(&t, ts_recv, out).map_err(|e| err = Some(e))
            };
            each(e.trades.as_raw_str(), &mut on_trade).map_err(|e| {
                err.get_or_insert(malformed(e));
            })
        };
        let r = each(events, &mut on_event);
        if let Some(e) = err {
            return Err(e);
        }
        r.map_err(malformed)?;
        Ok(Control::Data)
    }

    fn trade(
        &mut self,
        t: &wire::Trade<'_>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<(), ParseError> {
        let r = self.symbols.resolve(t.product_id.as_bytes());
        let id = t
            .trade_id
            .0
            .parse::<u64>()
            .map_err(|_| ParseError::Malformed(format!("trade_id {:?}", t.trade_id.0)))?;
        let mut ev = template(r, Kind::Trade, ts_recv);
        ev.seq = id;
        ev.side = taker_from_maker(t.side)? as u8;
        ev.ts_exchange = opt_time(t.time)?;
        ev.v[0] = value(t.price.as_bytes(), r.px_exp, r.id, id)?;
        ev.v[1] = value(t.size.as_bytes(), r.qty_exp, r.id, id)?;
        out.push(ev);
        Ok(())
    }

    fn tickers(
        &mut self,
        events: &str,
        ts: i64,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let mut err: Option<ParseError> = None;
        let start = out.len();
        let base = if ts != 0 { ts } else { ts_recv.0 } as u64;
        let mut index = 0u64;
        let mut on_event = |e: wire::TickerEvent<'_>| -> Result<(), ()> {
            let mut on_ticker = |t: wire::Ticker<'_>| -> Result<(), ()> {
                let seq = base.wrapping_add(index);
                index += 1;
                self.ticker(&t, seq, ts, ts_recv, out)
                    .map_err(|e| err = Some(e))
            };
            each(e.tickers.as_raw_str(), &mut on_ticker).map_err(|e| {
                err.get_or_insert(malformed(e));
            })
        };
        let r = each(events, &mut on_event);
        if let Some(e) = err {
            return Err(e);
        }
        r.map_err(malformed)?;
        Ok(if out.len() == start {
            Control::Ignored
        } else {
            Control::Data
        })
    }

    fn ticker(
        &mut self,
        t: &wire::Ticker<'_>,
        seq: u64,
        ts: i64,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<(), ParseError> {
        let (Some(bid), Some(ask)) = (nonempty(t.best_bid), nonempty(t.best_ask)) else {
            return Ok(());
        };
        let r = self.symbols.resolve(t.product_id.as_bytes());
        let mut ev = template(r, Kind::Quote, ts_recv);
        ev.seq = seq;
        ev.ts_exchange = ts;
        ev.v[0] = value(bid.as_bytes(), r.px_exp, r.id, seq)?;
        ev.v[1] = opt_value(t.best_bid_quantity, r.qty_exp, r.id, seq)?;
        ev.v[2] = value(ask.as_bytes(), r.px_exp, r.id, seq)?;
        ev.v[3] = opt_value(t.best_ask_quantity, r.qty_exp, r.id, seq)?;
        out.push(ev);
        Ok(())
    }

    fn ws_candles(
        &mut self,
        events: &str,
        ts: i64,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let mut err: Option<ParseError> = None;
        let mut tmp = std::mem::take(&mut self.tmp);
        let mut on_event = |e: wire::CandlesEvent<'_>| -> Result<(), ()> {
            tmp.clear();
            let mut on_candle = |c: wire::Candle<'_>| -> Result<(), ()> {
                let Some(product) = c.product_id else {
                    err = Some(ParseError::Malformed("candle without product_id".into()));
                    return Err(());
                };
                let r = self.symbols.resolve(product.as_bytes());
                let ev = candle(&c, r, CANDLE_SECONDS, ts, ts_recv).map_err(|e| err = Some(e))?;
                tmp.push(ev);
                Ok(())
            };
            each(e.candles.as_raw_str(), &mut on_candle).map_err(|e| {
                err.get_or_insert(malformed(e));
            })?;
            let snapshot = e.kind == Some("snapshot");
            for i in 0..tmp.len() {
                let mut ev = tmp[i];
                if snapshot
                    && tmp
                        .iter()
                        .any(|o| o.instrument == ev.instrument && o.seq > ev.seq)
                {
                    ev.flags |= flags::CLOSED;
                } else if let Some(closed) = self.candles.observe(&mut ev) {
                    out.push(closed);
                }
                out.push(ev);
            }
            Ok(())
        };
        let r = each(events, &mut on_event);
        self.tmp = tmp;
        if let Some(e) = err {
            return Err(e);
        }
        r.map_err(malformed)?;
        Ok(Control::Data)
    }
}

/// One candle event (open, not closed).
fn candle(
    c: &wire::Candle<'_>,
    r: Resolved,
    interval: u32,
    ts: i64,
    ts_recv: Nanos,
) -> Result<Event, ParseError> {
    let start: i64 = c
        .start
        .0
        .parse()
        .map_err(|_| ParseError::Malformed(format!("candle start {:?}", c.start.0)))?;
    let seq = start.saturating_mul(1000) as u64;
    let mut ev = template(r, Kind::Candle, ts_recv);
    ev.seq = seq;
    ev.ts_exchange = ts;
    ev.aux = interval;
    ev.v = [
        value(c.open.as_bytes(), r.px_exp, r.id, seq)?,
        value(c.high.as_bytes(), r.px_exp, r.id, seq)?,
        value(c.low.as_bytes(), r.px_exp, r.id, seq)?,
        value(c.close.as_bytes(), r.px_exp, r.id, seq)?,
        value(c.volume.as_bytes(), r.qty_exp, r.id, seq)?,
    ];
    Ok(ev)
}

impl CoinbaseParser {
    /// A frame without `channel`: an error, or the Exchange feed.
    fn untyped(
        &mut self,
        frame: &str,
        h: &Header<'_>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        match h.kind {
            Some("error") => Ok(Control::VenueError {
                code: 0,
                msg: h.message.as_ref().map(text_of).unwrap_or_default(),
            }),
            Some(_) => {
                let l: wire::Legacy<'_> = sonic_rs::from_str(frame).map_err(malformed)?;
                self.legacy(&l, ts_recv, out)
            }
            None => Err(ParseError::Malformed(
                "object has neither channel nor type".into(),
            )),
        }
    }

    /// The Exchange feed (`ws-feed`): `snapshot`/`l2update` (level2), `match`/`last_match`,
    /// `ticker`, `subscriptions`, `heartbeat`; the full channel and others are ignored.
    fn legacy(
        &mut self,
        l: &wire::Legacy<'_>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        match l.kind {
            "snapshot" => {
                let (Some(bids), Some(asks)) = (&l.bids, &l.asks) else {
                    return Err(ParseError::Malformed("snapshot without bids/asks".into()));
                };
                let r = self.product(l.product_id)?;
                let mut tmpl = template(r, Kind::BookLevel, ts_recv);
                tmpl.flags = flags::SNAPSHOT;
                tmpl.v[3] = -1;
                tmpl.ts_exchange = opt_time(l.time)?;
                let start = out.len();
                Self::pairs(bids.as_raw_str(), Side::Buy, tmpl, r, start, out)?;
                Self::pairs(asks.as_raw_str(), Side::Sell, tmpl, r, start, out)?;
                close_batch(out, start, tmpl);
                Ok(Control::Data)
            }
            "l2update" => {
                let Some(changes) = &l.changes else {
                    return Err(ParseError::Malformed("l2update without changes".into()));
                };
                let r = self.product(l.product_id)?;
                let mut tmpl = template(r, Kind::BookLevel, ts_recv);
                tmpl.flags = 0;
                tmpl.v[3] = -1;
                tmpl.ts_exchange = opt_time(l.time)?;
                let start = out.len();
                let mut err = None;
                let mut on = |c: wire::Change<'_>| -> Result<(), ()> {
                    let side = match c.0 {
                        "buy" => Side::Buy,
                        "sell" => Side::Sell,
                        _ => {
                            err = Some(ParseError::Malformed(format!("l2update side {:?}", c.0)));
                            return Err(());
                        }
                    };
                    push_level(out, tmpl, r, side, c.1.as_bytes(), c.2.as_bytes(), start)
                        .map_err(|e| err = Some(e))
                };
                let res = each(changes.as_raw_str(), &mut on);
                if let Some(e) = err {
                    return Err(e);
                }
                res.map_err(malformed)?;
                close_batch(out, start, tmpl);
                Ok(Control::Data)
            }
            "match" | "last_match" => {
                let (Some(id), Some(side), Some(px), Some(sz)) =
                    (l.trade_id, l.side, l.price, l.size)
                else {
                    return Err(ParseError::Malformed(
                        "match without trade_id/side/price/size".into(),
                    ));
                };
                let r = self.product(l.product_id)?;
                let mut ev = template(r, Kind::Trade, ts_recv);
                ev.seq = id;
                ev.side = taker_from_maker(side)? as u8;
                ev.ts_exchange = opt_time(l.time)?;
                ev.v[0] = value(px.as_bytes(), r.px_exp, r.id, id)?;
                ev.v[1] = value(sz.as_bytes(), r.qty_exp, r.id, id)?;
                out.push(ev);
                Ok(Control::Data)
            }
            "ticker" => {
                let (Some(bid), Some(ask)) = (nonempty(l.best_bid), nonempty(l.best_ask)) else {
                    return self.ignore("exchange feed: ticker without best bid/ask");
                };
                let r = self.product(l.product_id)?;
                let ts = opt_time(l.time)?;
                let seq = l
                    .sequence
                    .unwrap_or(if ts != 0 { ts as u64 } else { ts_recv.0 as u64 });
                let mut ev = template(r, Kind::Quote, ts_recv);
                ev.seq = seq;
                ev.ts_exchange = ts;
                ev.v[0] = value(bid.as_bytes(), r.px_exp, r.id, seq)?;
                ev.v[1] = opt_value(l.best_bid_size, r.qty_exp, r.id, seq)?;
                ev.v[2] = value(ask.as_bytes(), r.px_exp, r.id, seq)?;
                ev.v[3] = opt_value(l.best_ask_size, r.qty_exp, r.id, seq)?;
                out.push(ev);
                Ok(Control::Data)
            }
            "subscriptions" => Ok(Control::Ack { id: -1 }),
            "heartbeat" => Ok(Control::Heartbeat),
            "error" => Ok(Control::VenueError {
                code: 0,
                msg: l
                    .message
                    .as_ref()
                    .or(l.reason.as_ref())
                    .map(text_of)
                    .unwrap_or_default(),
            }),
            "received" | "open" | "done" | "change" | "activate" => {
                self.ignore("exchange feed: full channel (L3)")
            }
            "status" => self.ignore("exchange feed: status"),
            _ => self.ignore("exchange feed: unknown type"),
        }
    }

    fn product(&mut self, p: Option<&str>) -> Result<Resolved, ParseError> {
        let p = p.ok_or_else(|| ParseError::Malformed("message without product_id".into()))?;
        Ok(self.symbols.resolve(p.as_bytes()))
    }

    /// `[[price, size, …], …]` → levels of one side.
    fn pairs(
        text: &str,
        side: Side,
        tmpl: Event,
        r: Resolved,
        start: usize,
        out: &mut Vec<Event>,
    ) -> Result<(), ParseError> {
        let mut err = None;
        let mut on = |p: wire::Pair<'_>| -> Result<(), ()> {
            push_level(out, tmpl, r, side, p.0.as_bytes(), p.1.as_bytes(), start)
                .map_err(|e| err = Some(e))
        };
        let res = each(text, &mut on);
        if let Some(e) = err {
            return Err(e);
        }
        res.map_err(malformed)
    }

    /// `{"price","size"}` entries (Advanced Trade REST book) → levels of one side.
    fn entries(
        text: &str,
        side: Side,
        tmpl: Event,
        r: Resolved,
        start: usize,
        out: &mut Vec<Event>,
    ) -> Result<(), ParseError> {
        let mut err = None;
        let mut on = |p: wire::BookEntry<'_>| -> Result<(), ()> {
            push_level(
                out,
                tmpl,
                r,
                side,
                p.price.as_bytes(),
                p.size.as_bytes(),
                start,
            )
            .map_err(|e| err = Some(e))
        };
        let res = each(text, &mut on);
        if let Some(e) = err {
            return Err(e);
        }
        res.map_err(malformed)
    }

    fn rest(
        &mut self,
        body: &str,
        symbol: Option<&str>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        match body.bytes().find(|c| !c.is_ascii_whitespace()) {
            Some(b'[') => self.rest_array(body, symbol, ts_recv, out),
            Some(b'{') => {
                let p: wire::RestProbe<'_> = sonic_rs::from_str(body).map_err(malformed)?;
                if let Some(book) = &p.pricebook {
                    let b: wire::PriceBook<'_> =
                        sonic_rs::from_str(book.as_raw_str()).map_err(malformed)?;
                    let r = self.product(b.product_id.or(symbol))?;
                    let mut tmpl = template(r, Kind::BookLevel, ts_recv);
                    tmpl.flags = flags::SNAPSHOT;
                    tmpl.v[3] = -1;
                    tmpl.ts_exchange = opt_time(b.time)?;
                    let start = out.len();
                    Self::entries(b.bids.as_raw_str(), Side::Buy, tmpl, r, start, out)?;
                    Self::entries(b.asks.as_raw_str(), Side::Sell, tmpl, r, start, out)?;
                    close_batch(out, start, tmpl);
                    return Ok(Control::Data);
                }
                if let (Some(bids), Some(asks)) = (&p.bids, &p.asks) {
                    // Exchange `/products/{id}/book?level=2`: `[price, size, num_orders]`
                    let r = match symbol {
                        Some(s) => self.symbols.resolve(s.as_bytes()),
                        None => Resolved {
                            id: InstrumentId::NONE,
                            px_exp: DEFAULT_EXPONENTS.0,
                            qty_exp: DEFAULT_EXPONENTS.1,
                        },
                    };
                    let mut tmpl = template(r, Kind::BookLevel, ts_recv);
                    tmpl.flags = flags::SNAPSHOT;
                    tmpl.seq = p.sequence.unwrap_or(0);
                    tmpl.v[2] = tmpl.seq as i64;
                    tmpl.v[3] = -1;
                    let start = out.len();
                    Self::pairs(bids.as_raw_str(), Side::Buy, tmpl, r, start, out)?;
                    Self::pairs(asks.as_raw_str(), Side::Sell, tmpl, r, start, out)?;
                    close_batch(out, start, tmpl);
                    return Ok(Control::Data);
                }
                if let Some(products) = &p.products {
                    self.load_products(products.as_raw_str())?;
                    return Ok(Control::Ignored);
                }
                if let Some(candles) = &p.candles {
                    return self.rest_candles(candles.as_raw_str(), symbol, ts_recv, out);
                }
                if let Some(trades) = &p.trades {
                    let mut err = None;
                    let mut on = |t: wire::RestTrade<'_>| -> Result<(), ()> {
                        let trade = wire::Trade {
                            product_id: t.product_id.or(symbol).unwrap_or(""),
                            trade_id: t.trade_id,
                            price: t.price,
                            size: t.size,
                            time: t.time,
                            side: t.side,
                        };
                        if trade.product_id.is_empty() {
                            err = Some(ParseError::Malformed(
                                "REST trades need the request's symbol".into(),
                            ));
                            return Err(());
                        }
                        self.trade(&trade, ts_recv, out).map_err(|e| err = Some(e))
                    };
                    let res = each(trades.as_raw_str(), &mut on);
                    if let Some(e) = err {
                        return Err(e);
                    }
                    res.map_err(malformed)?;
                    return Ok(Control::Data);
                }
                if p.error.is_some() || p.message.is_some() {
                    let msg = p
                        .message
                        .as_ref()
                        .or(p.error.as_ref())
                        .map(text_of)
                        .unwrap_or_default();
                    return Ok(Control::VenueError { code: 0, msg });
                }
                self.ignore("REST: unknown body")
            }
            _ => Err(ParseError::Malformed(
                "REST body is neither an object nor an array".into(),
            )),
        }
    }

    fn rest_array(
        &mut self,
        body: &str,
        _symbol: Option<&str>,
        _ts_recv: Nanos,
        _out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let items: Vec<sonic_rs::LazyValue<'_>> = sonic_rs::from_str(body).map_err(malformed)?;
        match items.first() {
            None => Ok(Control::Data),
            // Exchange `/products`: increments preset exponents
            Some(v) if v.get("quote_increment").is_some() => {
                self.load_products(body)?;
                Ok(Control::Ignored)
            }
            Some(_) => self.ignore("REST: Exchange trades/candles (not read)"),
        }
    }

    fn rest_candles(
        &mut self,
        text: &str,
        symbol: Option<&str>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let r = self.product(symbol)?;
        let start = out.len();
        let mut err = None;
        let mut on = |c: wire::Candle<'_>| -> Result<(), ()> {
            let ev = candle(&c, r, 0, 0, ts_recv).map_err(|e| err = Some(e))?;
            out.push(ev);
            Ok(())
        };
        let res = each(text, &mut on);
        if let Some(e) = err {
            return Err(e);
        }
        res.map_err(malformed)?;
        // the request chose the granularity: infer it from the spacing of the candles
        let got = &mut out[start..];
        let interval = got
            .windows(2)
            .map(|w| w[0].seq.abs_diff(w[1].seq) / 1000)
            .filter(|d| *d > 0)
            .min()
            .unwrap_or(u64::from(CANDLE_SECONDS));
        let interval = u32::try_from(interval).unwrap_or(CANDLE_SECONDS);
        for ev in got.iter_mut() {
            ev.aux = interval;
            ev.ts_exchange = ev.seq as i64 * 1_000_000;
            let end_ns = (ev.seq as i64 + i64::from(interval) * 1000) * 1_000_000;
            if ts_recv.0 == 0 || end_ns <= ts_recv.0 {
                ev.flags |= flags::CLOSED;
            }
        }
        Ok(Control::Data)
    }

    /// Presets exponents from product increments (Advanced Trade `products[]`, Exchange
    /// `/products`) for products not seen yet: the default, or finer where an increment is.
    fn load_products(&mut self, text: &str) -> Result<(), ParseError> {
        let table = self.symbols.table().clone();
        let mut on = |p: wire::Product<'_>| -> Result<(), ()> {
            let Some(id) = p.product_id.or(p.id) else {
                return Ok(());
            };
            let digits = |s: Option<&str>| {
                s.and_then(|s| decimal::fraction_digits(s.as_bytes()))
                    .map_or(0, |d| d.min(18) as i8)
            };
            let px = DEFAULT_EXPONENTS
                .0
                .min(-digits(p.price_increment))
                .min(-digits(p.quote_increment));
            let qty = DEFAULT_EXPONENTS.1.min(-digits(p.base_increment));
            table.set_exponents(Venue::Coinbase, id, px, qty);
            Ok(())
        };
        each(text, &mut on).map_err(malformed)
    }
}

impl FrameParser for CoinbaseParser {
    fn venue(&self) -> Venue {
        Venue::Coinbase
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

/// The marker that tells the book stage to drop `id`'s book and resync it: the connection that
/// feeds it lost messages `from..=to` (`count` of them).
pub fn resync_marker(id: InstrumentId, ts: Nanos, count: u64, from: u64, to: u64) -> Event {
    Event {
        ts_recv: ts.0,
        venue: Venue::Coinbase as u16,
        instrument: id.0,
        kind: Kind::BookLevel as u8,
        flags: flags::FIRST | flags::LAST | flags::NO_LEVEL | flags::RESYNC,
        seq: to,
        v: [count as i64, from as i64, to as i64, -1, 0],
        ..Event::default()
    }
}

/// An event of `kind` for `r` with `FIRST | LAST` (one event per message).
fn template(r: Resolved, kind: Kind, ts_recv: Nanos) -> Event {
    Event {
        ts_recv: ts_recv.0,
        venue: Venue::Coinbase as u16,
        instrument: r.id.0,
        kind: kind as u8,
        px_exp: r.px_exp,
        qty_exp: r.qty_exp,
        flags: flags::FIRST | flags::LAST,
        ..Event::default()
    }
}

/// Appends one level (price, size at the instrument's exponents, venue text digits).
fn push_level(
    out: &mut Vec<Event>,
    tmpl: Event,
    r: Resolved,
    side: Side,
    px: &[u8],
    qty: &[u8],
    batch_start: usize,
) -> Result<(), ParseError> {
    let mut e = tmpl;
    e.side = side as u8;
    e.aux = (out.len() - batch_start) as u32;
    e.v[0] = value(px, r.px_exp, r.id, tmpl.seq)?;
    e.v[1] = value(qty, r.qty_exp, r.id, tmpl.seq)?;
    e.v[4] = book_text(written_digits(px), written_digits(qty));
    out.push(e);
    Ok(())
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

/// The taker's side from the maker's (`BUY`/`buy` → the taker sold).
fn taker_from_maker(maker: &str) -> Result<Side, ParseError> {
    if maker.eq_ignore_ascii_case("buy") {
        Ok(Side::Sell)
    } else if maker.eq_ignore_ascii_case("sell") {
        Ok(Side::Buy)
    } else if maker.is_empty() || maker.eq_ignore_ascii_case("unknown") {
        Ok(Side::None)
    } else {
        Err(ParseError::Malformed(format!("trade side {maker:?}")))
    }
}

fn events<'h>(h: &'h Header<'_>) -> Result<&'h str, ParseError> {
    h.events
        .as_ref()
        .map(|e| e.as_raw_str())
        .ok_or_else(|| ParseError::Malformed("message without events".into()))
}

fn nonempty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

fn opt_time(t: Option<&str>) -> Result<i64, ParseError> {
    match t {
        None | Some("") => Ok(0),
        Some(t) => rfc3339_ns(t.as_bytes())
            .ok_or_else(|| ParseError::Malformed(format!("time {t:?} is not RFC 3339"))),
    }
}

fn value(s: &[u8], exp: i8, instrument: InstrumentId, seq: u64) -> Result<i64, ParseError> {
    decimal::parse(s, exp).map_err(|error| ParseError::Value {
        instrument,
        seq,
        error,
    })
}

fn opt_value(
    s: Option<&str>,
    exp: i8,
    instrument: InstrumentId,
    seq: u64,
) -> Result<i64, ParseError> {
    match nonempty(s) {
        Some(s) => value(s.as_bytes(), exp, instrument, seq),
        None => Ok(0),
    }
}

fn text_of(v: &sonic_rs::LazyValue<'_>) -> String {
    v.as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| v.as_raw_str().to_owned())
}

fn malformed(e: sonic_rs::Error) -> ParseError {
    ParseError::Malformed(e.to_string())
}
