//! Bybit wire → normalized events.
//!
//! Exponents: instruments default to [`DEFAULT_EXPONENTS`] (-8, -8). A
//! `/v5/market/instruments-info` body seen first presets each listed instrument: at least as fine
//! as its `tickSize` / `qtyStep` (`basePrecision` on spot) and, when those allow, as fine as the
//! default, but never so fine that ten times its `maxPrice` / `maxOrderQty` overflows an `i64`
//! mantissa.

use super::wire::{
    self, BybitEnvelope, BybitInstrument, BybitKline, BybitRest, BybitRestKline, BybitRestResult,
    BybitRestTrade, BybitTicker, BybitTrade,
};
use super::{
    classify_topic, is_object, malformed, BboState, BybitParser, Topic, DEFAULT_EXPONENTS,
};
use crate::decimal;
use crate::event::{book_text, flags, Event, InstrumentId, Kind, Nanos, Side, Venue};
use crate::instrument::{Resolved, SymbolCache};
use crate::venue::{check_nesting, Control, ParseError};
use sonic_rs::{JsonValueTrait, LazyValue};

/// An event of `kind` for instrument `r`, no flags.
pub(super) fn template(venue: Venue, r: Resolved, kind: Kind, ts_recv: Nanos) -> Event {
    Event {
        ts_recv: ts_recv.0,
        venue: venue as u16,
        instrument: r.id.0,
        kind: kind as u8,
        px_exp: r.px_exp,
        qty_exp: r.qty_exp,
        ..Event::default()
    }
}

/// Exact decimal text → mantissa, or the `Value` error naming the withheld event.
pub(crate) fn value(
    s: &str,
    exp: i8,
    instrument: InstrumentId,
    seq: u64,
) -> Result<i64, ParseError> {
    decimal::parse(s.as_bytes(), exp).map_err(|error| ParseError::Value {
        instrument,
        seq,
        error,
    })
}

/// Fraction digits as the venue wrote them (`"65114.20"` → 2), for `v[4]` of book levels.
pub(crate) fn written_digits(s: &[u8]) -> u8 {
    // level texts are short: a plain scan beats memchr's setup
    match s.iter().position(|&c| c == b'.') {
        None => 0,
        Some(p) => s[p + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
            .min(255) as u8,
    }
}

/// `FIRST` on the first and `LAST` on the last event of each run of one instrument in
/// `out[start..]` (one venue message).
pub(crate) fn mark_runs(out: &mut [Event], start: usize) {
    let evs = &mut out[start..];
    for i in 0..evs.len() {
        if i == 0 || evs[i - 1].instrument != evs[i].instrument {
            evs[i].flags |= flags::FIRST;
        }
        if i + 1 == evs.len() || evs[i + 1].instrument != evs[i].instrument {
            evs[i].flags |= flags::LAST;
        }
    }
}

fn ms(t: i64) -> i64 {
    Nanos::from_millis(t).0
}

fn taker_side(s: &str) -> Side {
    match s {
        "Buy" => Side::Buy,
        "Sell" => Side::Sell,
        _ => Side::None,
    }
}

/// Bybit kline interval (`1`…`720` minutes, `D`, `W`, `M` = 30 days) to seconds.
pub fn interval_seconds(i: &str) -> Option<u32> {
    match i {
        "D" => Some(86_400),
        "W" => Some(604_800),
        "M" => Some(2_592_000),
        _ if !i.is_empty() && i.len() <= 4 && i.bytes().all(|c| c.is_ascii_digit()) => {
            i.parse::<u32>().ok().filter(|m| *m > 0).map(|m| m * 60)
        }
        _ => None,
    }
}

/// A string from a JSON value: its text if it is a string, else its raw JSON.
fn lazy_text(v: Option<&LazyValue<'_>>) -> String {
    v.map(|m| m.as_str().unwrap_or(m.as_raw_str()).to_owned())
        .unwrap_or_default()
}

/// A control reply: ack, heartbeat, error, or something unknown.
pub(super) fn control(env: &BybitEnvelope<'_>) -> Control {
    let msg = lazy_text(env.ret_msg.as_ref());
    if env.success == Some(false) {
        return Control::VenueError { code: 0, msg };
    }
    if matches!(env.op, Some("pong" | "ping")) || msg == "pong" {
        return Control::Heartbeat;
    }
    if env.success == Some(true) {
        let id = env
            .req_id
            .as_ref()
            .and_then(|v| {
                v.as_i64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
            .unwrap_or(-1);
        return Control::Ack { id };
    }
    if let Some(code) = env.ret_code.filter(|c| *c != 0) {
        return Control::VenueError {
            code,
            msg: lazy_text(env.ret_msg_rest.as_ref()),
        };
    }
    Control::Ignored
}

impl BybitParser {
    pub(super) fn frame(
        &mut self,
        f: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        if self.fast {
            if let Some(r) = self.fast(f, ts_recv, out) {
                self.fast_hits += 1;
                return r;
            }
        }
        if !is_object(f) {
            return Err(ParseError::Malformed("not a JSON object".into()));
        }
        // sonic-rs skips unknown values recursively: bound the nesting first
        check_nesting(f.as_bytes())?;
        let env: BybitEnvelope<'_> = sonic_rs::from_str(f).map_err(malformed)?;
        let Some(topic) = env.topic else {
            return Ok(control(&env));
        };
        let t = classify_topic(topic);
        if t == Topic::Other {
            return Ok(Control::Ignored);
        }
        let Some(data) = env.data.as_ref() else {
            return Err(ParseError::Malformed(format!("{topic}: no data")));
        };
        let data = data.as_raw_str();
        match t {
            Topic::Book(_) | Topic::Bbo(_) => {
                let h = wire::parse_book(data, &mut self.scratch).map_err(malformed)?;
                self.book_message(data, &h, t, env.kind, env.cts.or(env.ts), ts_recv, out)
            }
            Topic::Trade(_) => self.trades(data, ts_recv, out),
            Topic::Kline(sym) => self.klines(sym, &env, data, ts_recv, out),
            Topic::Ticker(sym) => self.ticker(sym, &env, data, ts_recv, out),
            Topic::Other => Ok(Control::Ignored),
        }
    }

    /// Whether a book message replaces the book: `type:"snapshot"`, or a delta with `u == 1`
    /// (the venue restarted its book: "overwrite the local book").
    fn is_snapshot(kind: Option<&str>, u: u64) -> Result<bool, ParseError> {
        match kind {
            Some("snapshot") => Ok(true),
            Some("delta") => Ok(u == 1),
            other => Err(ParseError::Malformed(format!(
                "orderbook message of type {other:?}"
            ))),
        }
    }

    /// An `orderbook.N` message (levels as spans of `text` in the scratch, per `h`): book levels,
    /// or a quote for `orderbook.1`. `ts`: the matching-engine time (`cts`, else `ts`).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn book_message(
        &mut self,
        text: &str,
        h: &wire::BybitBookHeader<'_>,
        topic: Topic<'_>,
        kind: Option<&str>,
        ts: Option<i64>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let u =
            h.u.ok_or_else(|| ParseError::Malformed("orderbook data without u".into()))?;
        let snapshot = Self::is_snapshot(kind, u)?;
        let (topic_sym, level1) = match topic {
            Topic::Book(s) => (s, false),
            Topic::Bbo(s) => (s, true),
            _ => return Ok(Control::Ignored),
        };
        let r = self.symbols.resolve(h.s.unwrap_or(topic_sym).as_bytes());
        if level1 {
            self.emit_level1(text, h, r, u, snapshot, ts, ts_recv, out)
        } else {
            self.emit_book(text, h, r, u, snapshot, ts, ts_recv, out)
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn emit_book(
        &mut self,
        text: &str,
        h: &wire::BybitBookHeader<'_>,
        r: Resolved,
        u: u64,
        snapshot: bool,
        ts: Option<i64>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let mut tmpl = template(self.venue, r, Kind::BookLevel, ts_recv);
        if snapshot {
            tmpl.flags |= flags::SNAPSHOT;
        }
        tmpl.seq = u;
        tmpl.ts_exchange = ts.map_or(0, ms);
        tmpl.v[2] = u as i64;
        tmpl.v[3] = -1;
        let start = out.len();
        let b = text.as_bytes();
        let mut index = 0u32;
        for (range, side) in [(h.bids, Side::Buy), (h.asks, Side::Sell)] {
            for span in &self.scratch[range.0..range.1] {
                let px = &b[span[0] as usize..span[1] as usize];
                let qty = &b[span[2] as usize..span[3] as usize];
                let mut ev = tmpl;
                ev.side = side as u8;
                ev.aux = index;
                let err = |error| ParseError::Value {
                    instrument: r.id,
                    seq: u,
                    error,
                };
                ev.v[0] = decimal::parse(px, r.px_exp).map_err(err)?;
                ev.v[1] = decimal::parse(qty, r.qty_exp).map_err(err)?;
                ev.v[4] = book_text(written_digits(px), written_digits(qty));
                out.push(ev);
                index += 1;
            }
        }
        if out.len() == start {
            let mut ev = tmpl;
            ev.flags |= flags::NO_LEVEL;
            out.push(ev);
        }
        out[start].flags |= flags::FIRST;
        let last = out.len() - 1;
        out[last].flags |= flags::LAST;
        Ok(Control::Data)
    }

    /// `orderbook.1`: a quote. Frames are snapshots (since 2025-03-20: re-pushed every 3 s with
    /// the same `u` when unchanged); a delta (older behaviour) updates only the sides it names.
    #[allow(clippy::too_many_arguments)]
    fn emit_level1(
        &mut self,
        text: &str,
        h: &wire::BybitBookHeader<'_>,
        r: Resolved,
        u: u64,
        snapshot: bool,
        ts: Option<i64>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let mut st = state(&mut self.level1, r.id);
        if snapshot {
            st = BboState {
                v: [0; 4],
                known: 0b1111,
            };
        }
        let b = text.as_bytes();
        for (range, k) in [(h.bids, 0usize), (h.asks, 2usize)] {
            if let Some(span) = self.scratch[range.0..range.1].first() {
                let px = &b[span[0] as usize..span[1] as usize];
                let qty = &b[span[2] as usize..span[3] as usize];
                let err = |error| ParseError::Value {
                    instrument: r.id,
                    seq: u,
                    error,
                };
                let q = decimal::parse(qty, r.qty_exp).map_err(err)?;
                let p = if q == 0 {
                    0
                } else {
                    decimal::parse(px, r.px_exp).map_err(err)?
                };
                st.v[k] = p;
                st.v[k + 1] = q;
                st.known |= 0b11 << k;
            }
        }
        *slot(&mut self.level1, r.id) = st;
        if st.known != 0b1111 {
            return Ok(Control::Ignored);
        }
        let mut ev = template(self.venue, r, Kind::Quote, ts_recv);
        ev.flags = flags::FIRST | flags::LAST;
        ev.seq = u;
        ev.ts_exchange = ts.map_or(0, ms);
        ev.v[..4].copy_from_slice(&st.v);
        out.push(ev);
        Ok(Control::Data)
    }

    fn trades(
        &mut self,
        data: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let start = out.len();
        let venue = self.venue;
        let symbols = &mut self.symbols;
        wire::for_each::<BybitTrade<'_>>(data, |t| push_trade(venue, symbols, &t, ts_recv, out))?;
        mark_runs(out, start);
        Ok(Control::Data)
    }

    fn klines(
        &mut self,
        sym: &str,
        env: &BybitEnvelope<'_>,
        data: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let start = out.len();
        let venue = self.venue;
        let r = self.symbols.resolve(sym.as_bytes());
        wire::for_each::<BybitKline<'_>>(data, |k| {
            let seq = k.start as u64;
            let mut ev = template(venue, r, Kind::Candle, ts_recv);
            ev.seq = seq;
            ev.ts_exchange = k.timestamp.or(env.ts).map_or(0, ms);
            ev.aux = interval_seconds(k.interval).ok_or_else(|| {
                ParseError::Malformed(format!("unknown kline interval {:?}", k.interval))
            })?;
            if k.confirm {
                ev.flags |= flags::CLOSED;
            }
            ev.v = [
                value(k.open, r.px_exp, r.id, seq)?,
                value(k.high, r.px_exp, r.id, seq)?,
                value(k.low, r.px_exp, r.id, seq)?,
                value(k.close, r.px_exp, r.id, seq)?,
                value(k.volume, r.qty_exp, r.id, seq)?,
            ];
            out.push(ev);
            Ok(())
        })?;
        mark_runs(out, start);
        Ok(Control::Data)
    }

    /// `tickers`: a quote whenever the frame names a best bid/offer field, with the missing ones
    /// taken from the previous frames (a snapshot resets them).
    fn ticker(
        &mut self,
        topic_sym: &str,
        env: &BybitEnvelope<'_>,
        data: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        if !is_object(data) {
            return Err(ParseError::Malformed(
                "tickers data is not an object".into(),
            ));
        }
        let t: BybitTicker<'_> = sonic_rs::from_str(data).map_err(malformed)?;
        let snapshot = match env.kind {
            Some("snapshot") => true,
            Some("delta") | None => false,
            other => {
                return Err(ParseError::Malformed(format!(
                    "tickers message of type {other:?}"
                )))
            }
        };
        let r = self
            .symbols
            .resolve(t.symbol.unwrap_or(topic_sym).as_bytes());
        let seq = env.cs.unwrap_or(0);
        let mut st = state(&mut self.tickers, r.id);
        if snapshot {
            st = BboState::default();
        }
        let fields = [t.bid_px, t.bid_qty, t.ask_px, t.ask_qty];
        let mut named = false;
        for (k, f) in fields.into_iter().enumerate() {
            let Some(s) = f else { continue };
            named = true;
            let exp = if k % 2 == 0 { r.px_exp } else { r.qty_exp };
            // an empty string is an empty side
            st.v[k] = if s.is_empty() {
                0
            } else {
                value(s, exp, r.id, seq)?
            };
            st.known |= 1 << k;
        }
        *slot(&mut self.tickers, r.id) = st;
        if !named || st.known != 0b1111 {
            return Ok(Control::Ignored);
        }
        let mut ev = template(self.venue, r, Kind::Quote, ts_recv);
        ev.flags = flags::FIRST | flags::LAST;
        ev.seq = seq;
        ev.ts_exchange = env.ts.map_or(0, ms);
        ev.v[..4].copy_from_slice(&st.v);
        out.push(ev);
        Ok(Control::Data)
    }

    /// A REST body (`/v5/market/orderbook`, `recent-trade`, `kline`, `instruments-info`, or an
    /// error), classified by content.
    pub(super) fn rest(
        &mut self,
        body: &str,
        symbol: Option<&str>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        if !is_object(body) {
            return Err(ParseError::Malformed(
                "REST body is not a JSON object".into(),
            ));
        }
        check_nesting(body.as_bytes())?;
        let env: BybitRest<'_> = sonic_rs::from_str(body).map_err(malformed)?;
        if let Some(code) = env.ret_code {
            if code != 0 {
                return Ok(Control::VenueError {
                    code,
                    msg: lazy_text(env.ret_msg.as_ref()),
                });
            }
        } else if env.legacy_ret_code.is_some() {
            // pre-v5 REST (`/v2/public/...`): another API
            return Ok(Control::Ignored);
        }
        let Some(result) = env.result.as_ref() else {
            return Ok(Control::Ignored);
        };
        let result = result.as_raw_str();
        if !is_object(result) {
            return Ok(Control::Ignored);
        }
        let res: BybitRestResult<'_> = sonic_rs::from_str(result).map_err(malformed)?;
        if let Some(list) = &res.list {
            return self.rest_list(&res, list.as_raw_str(), symbol, ts_recv, out);
        }
        if res.u.is_some() {
            let h = wire::parse_book(result, &mut self.scratch).map_err(malformed)?;
            let u = h.u.unwrap_or_default();
            let r = match h.s.or(symbol) {
                Some(s) => self.symbols.resolve(s.as_bytes()),
                None => Resolved {
                    id: InstrumentId::NONE,
                    px_exp: DEFAULT_EXPONENTS.0,
                    qty_exp: DEFAULT_EXPONENTS.1,
                },
            };
            let ts = h.cts.or(h.ts).or(env.time);
            return self.emit_book(result, &h, r, u, true, ts, ts_recv, out);
        }
        Ok(Control::Ignored)
    }

    fn rest_list(
        &mut self,
        res: &BybitRestResult<'_>,
        list: &str,
        symbol: Option<&str>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let items: Vec<LazyValue<'_>> = sonic_rs::from_str(list).map_err(malformed)?;
        let Some(first) = items.first() else {
            return Ok(Control::Data);
        };
        if first.is_array() {
            let sym = res.symbol.or(symbol).ok_or_else(|| {
                ParseError::Malformed("REST klines body needs the request's symbol".into())
            })?;
            return self.rest_klines(sym, &items, ts_recv, out);
        }
        if first.get("execId").is_some() {
            let start = out.len();
            let venue = self.venue;
            for item in &items {
                let t: BybitRestTrade<'_> =
                    sonic_rs::from_str(item.as_raw_str()).map_err(malformed)?;
                let sym = t.symbol.or(symbol).ok_or_else(|| {
                    ParseError::Malformed("REST trades body needs the request's symbol".into())
                })?;
                let r = self.symbols.resolve(sym.as_bytes());
                let id = wire::trade_id(t.exec_id);
                let mut ev = template(venue, r, Kind::Trade, ts_recv);
                ev.seq = id;
                ev.ts_exchange = ms(t
                    .time
                    .parse()
                    .map_err(|_| ParseError::Malformed(format!("trade time {:?}", t.time)))?);
                ev.side = taker_side(t.side) as u8;
                if t.block {
                    ev.flags |= flags::OFF_BOOK;
                }
                ev.v[0] = value(t.price, r.px_exp, r.id, id)?;
                ev.v[1] = value(t.size, r.qty_exp, r.id, id)?;
                out.push(ev);
            }
            mark_runs(out, start);
            return Ok(Control::Data);
        }
        if first.get("priceFilter").is_some() || first.get("lotSizeFilter").is_some() {
            self.load_instruments(res.category, list)?;
            return Ok(Control::Ignored);
        }
        Ok(Control::Ignored)
    }

    /// `/v5/market/kline` rows, newest first on the wire, emitted oldest first. The interval is
    /// not in the body: it is the smallest step between rows (unknown, 0, for a single row).
    fn rest_klines(
        &mut self,
        sym: &str,
        items: &[LazyValue<'_>],
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let r = self.symbols.resolve(sym.as_bytes());
        let mut rows = Vec::with_capacity(items.len());
        for item in items {
            let k: BybitRestKline<'_> = sonic_rs::from_str(item.as_raw_str()).map_err(malformed)?;
            let start: i64 =
                k.0.parse()
                    .map_err(|_| ParseError::Malformed(format!("kline start {:?}", k.0)))?;
            rows.push((start, k));
        }
        rows.sort_by_key(|(s, _)| *s);
        let step_ms = rows
            .windows(2)
            .map(|w| w[1].0 - w[0].0)
            .filter(|d| *d > 0)
            .min()
            .unwrap_or(0);
        let start = out.len();
        for (open, k) in &rows {
            let seq = *open as u64;
            let mut ev = template(self.venue, r, Kind::Candle, ts_recv);
            ev.seq = seq;
            ev.ts_exchange = ms(*open);
            ev.aux = u32::try_from(step_ms / 1000).unwrap_or(0);
            let closes = Nanos::from_millis(open.saturating_add(step_ms));
            if ts_recv.0 == 0 || (step_ms > 0 && closes <= ts_recv) {
                ev.flags |= flags::CLOSED;
            }
            ev.v = [
                value(k.1, r.px_exp, r.id, seq)?,
                value(k.2, r.px_exp, r.id, seq)?,
                value(k.3, r.px_exp, r.id, seq)?,
                value(k.4, r.px_exp, r.id, seq)?,
                value(k.5, r.qty_exp, r.id, seq)?,
            ];
            out.push(ev);
        }
        mark_runs(out, start);
        Ok(Control::Data)
    }

    /// Presets exponents from `instruments-info` rows for instruments not seen yet (only when the
    /// body's `category` is this parser's venue: linear symbols are spot symbols too).
    fn load_instruments(&mut self, category: Option<&str>, list: &str) -> Result<(), ParseError> {
        let mine = match self.venue {
            Venue::BybitSpot => "spot",
            Venue::BybitInverse => "inverse",
            _ => "linear",
        };
        if category.is_some_and(|c| c != mine) {
            return Ok(());
        }
        let rows: Vec<BybitInstrument<'_>> = sonic_rs::from_str(list).map_err(malformed)?;
        for row in rows {
            let (tick, max_px) = row
                .price_filter
                .as_ref()
                .map_or((None, None), |p| (p.tick_size, p.max_price));
            let (step, max_qty) = row.lot_size_filter.as_ref().map_or((None, None), |l| {
                (
                    l.qty_step.or(l.base_precision),
                    larger(l.max_order_qty, l.max_mkt_order_qty),
                )
            });
            let px = preset_exponent(tick, max_px, DEFAULT_EXPONENTS.0);
            let qty = preset_exponent(step, max_qty, DEFAULT_EXPONENTS.1);
            self.symbols
                .table()
                .set_exponents(self.venue, row.symbol, px, qty);
        }
        Ok(())
    }
}

fn larger<'a>(a: Option<&'a str>, b: Option<&'a str>) -> Option<&'a str> {
    let f = |s: Option<&str>| s.and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    if f(a) >= f(b) {
        a.or(b)
    } else {
        b
    }
}

/// The exponent for values on a grid of `step` up to `max`: at least as fine as the step, as
/// fine as `default` where ten times `max` still fits an `i64` mantissa there. This chooses a
/// scale only; no value is converted through a float.
pub fn preset_exponent(step: Option<&str>, max: Option<&str>, default: i8) -> i8 {
    let step_digits = step
        .and_then(|s| decimal::fraction_digits(s.as_bytes()))
        .unwrap_or(0)
        .min(18) as i8;
    let coarsest = -step_digits;
    let mut exp = default.min(coarsest);
    let max = max
        .and_then(|m| m.parse::<f64>().ok())
        .filter(|m| m.is_finite() && *m > 0.0);
    if let Some(max) = max {
        while exp < coarsest && max * 10.0 * 10f64.powi(-i32::from(exp)) >= i64::MAX as f64 {
            exp += 1;
        }
    }
    exp
}

/// One `publicTrade` element → a trade event (no `FIRST`/`LAST`: see [`mark_runs`]).
pub(super) fn push_trade(
    venue: Venue,
    symbols: &mut SymbolCache,
    t: &BybitTrade<'_>,
    ts_recv: Nanos,
    out: &mut Vec<Event>,
) -> Result<(), ParseError> {
    let r = symbols.resolve(t.s.as_bytes());
    let id = wire::trade_id(t.i);
    let mut ev = template(venue, r, Kind::Trade, ts_recv);
    ev.seq = id;
    ev.ts_exchange = ms(t.time);
    ev.side = taker_side(t.side) as u8;
    if t.block {
        ev.flags |= flags::OFF_BOOK;
    }
    ev.v[0] = value(t.p, r.px_exp, r.id, id)?;
    ev.v[1] = value(t.v, r.qty_exp, r.id, id)?;
    out.push(ev);
    Ok(())
}

/// The merge state of instrument `id` (default when never seen).
fn state(v: &mut [BboState], id: InstrumentId) -> BboState {
    v.get(id.0 as usize).copied().unwrap_or_default()
}

/// The slot of instrument `id`, growing the table on first sight.
fn slot(v: &mut Vec<BboState>, id: InstrumentId) -> &mut BboState {
    let i = id.0 as usize;
    if v.len() <= i {
        v.resize(i + 1, BboState::default());
    }
    &mut v[i]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        assert_eq!(interval_seconds("1"), Some(60));
        assert_eq!(interval_seconds("720"), Some(43_200));
        assert_eq!(interval_seconds("D"), Some(86_400));
        assert_eq!(interval_seconds("W"), Some(604_800));
        assert_eq!(interval_seconds("M"), Some(2_592_000));
        assert_eq!(interval_seconds("0"), None);
        assert_eq!(interval_seconds("1m"), None);
        assert_eq!(interval_seconds(""), None);
    }

    #[test]
    fn presets_keep_the_step_and_fit_the_range() {
        assert_eq!(preset_exponent(Some("0.10"), Some("1999999.80"), -8), -8);
        // a step finer than the default wins
        assert_eq!(preset_exponent(Some("0.0000000001"), Some("1"), -8), -10);
        // a huge range coarsens, but never past the step
        assert_eq!(preset_exponent(Some("1"), Some("100000000000"), -8), -6);
        assert_eq!(preset_exponent(Some("100"), Some("1e30"), -8), 0);
        assert_eq!(preset_exponent(None, None, -8), -8);
    }

    #[test]
    fn written_digits_count_as_sent() {
        assert_eq!(written_digits(b"65114.20"), 2);
        assert_eq!(written_digits(b"6"), 0);
        assert_eq!(written_digits(b"0.00010"), 5);
    }
}
