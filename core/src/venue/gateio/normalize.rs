//! Gate.io wire → normalized events (exact decimals, ns timestamps, taker side).

use super::wire::{self, DepthHeader, Num};
use super::{malformed, GateioParser};
use crate::decimal;
use crate::event::{book_text, flags, Event, InstrumentId, Kind, Nanos, Side};
use crate::instrument::Resolved;
use crate::venue::{Control, ParseError};
use sonic_rs::{JsonValueTrait, LazyValue};

/// Which stream a depth object came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum DepthSource {
    /// `*.order_book_update`: diffs (`full: true` replaces the book).
    Update,
    /// `*.obu` (Order Book V2): a full book on subscribe, then diffs; `s` is the stream name.
    Obu,
    /// `spot.order_book` / legacy `futures.order_book` `all`: a full top-N image.
    TopN,
    /// A REST `order_book` body.
    Rest,
}

/// Text (a number) counting `10^unit_digits`-ns units → ns; fraction digits finer than 1 ns are
/// cut (`"1619093543708.2642"` ms → `1619093543708264200`). `None` if it is not a plain
/// non-negative decimal or does not fit.
pub(super) fn to_ns(text: &[u8], unit_digits: u32) -> Option<i64> {
    let (int, frac) = match memchr::memchr(b'.', text) {
        Some(p) => (&text[..p], &text[p + 1..]),
        None => (text, &[][..]),
    };
    if int.is_empty() || !int.iter().all(u8::is_ascii_digit) || !frac.iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    let mut v: i64 = 0;
    for &c in int {
        v = v.checked_mul(10)?.checked_add(i64::from(c - b'0'))?;
    }
    v = v.checked_mul(10i64.pow(unit_digits))?;
    let mut f: i64 = 0;
    for i in 0..unit_digits as usize {
        f = f * 10 + frac.get(i).map_or(0, |c| i64::from(c - b'0'));
    }
    v.checked_add(f)
}

/// Milliseconds text → ns.
pub(super) fn ms_ns(n: Num<'_>) -> Result<i64, ParseError> {
    to_ns(n.bytes(), 6).ok_or_else(|| bad_time(n))
}

/// Seconds text → ns.
pub(super) fn secs_ns(n: Num<'_>) -> Result<i64, ParseError> {
    to_ns(n.bytes(), 9).ok_or_else(|| bad_time(n))
}

fn bad_time(n: Num<'_>) -> ParseError {
    ParseError::Malformed(format!("timestamp {:?} is not a non-negative decimal", n.0))
}

/// A REST `current`/`update` stamp: milliseconds on spot (`1654249526591`), seconds with a
/// fraction on futures (`1684930166.35`).
fn rest_stamp_ns(n: Num<'_>) -> Result<i64, ParseError> {
    let int_digits = n.0.find('.').unwrap_or(n.0.len());
    if int_digits >= 12 {
        ms_ns(n)
    } else {
        secs_ns(n)
    }
}

/// The envelope's stamp: `time_ms` when set (futures acks carry `0`), else `time` (s).
pub(super) fn envelope_ns(env_ms: Option<Num<'_>>, env_s: Option<Num<'_>>) -> i64 {
    env_ms
        .filter(|m| m.0 != "0")
        .and_then(|m| to_ns(m.bytes(), 6))
        .or_else(|| env_s.and_then(|s| to_ns(s.bytes(), 9)))
        .unwrap_or(0)
}

/// Fraction digits of a number as the venue wrote it (`"0.2010000000"` → 10, `"803"` → 0).
#[inline]
pub(super) fn written_digits(s: &[u8]) -> u8 {
    match memchr::memchr(b'.', s) {
        Some(p) => {
            let frac = &s[p + 1..];
            let end = frac
                .iter()
                .position(|c| !c.is_ascii_digit())
                .unwrap_or(frac.len());
            u8::try_from(end).unwrap_or(u8::MAX)
        }
        None => 0,
    }
}

#[inline]
pub(super) fn value(
    s: &[u8],
    exp: i8,
    instrument: InstrumentId,
    seq: u64,
) -> Result<i64, ParseError> {
    decimal::parse(s, exp).map_err(|error| ParseError::Value {
        instrument,
        seq,
        error,
    })
}

/// Candle interval text (`10s`, `1m`, `4h`, `7d`, `30d` = a calendar month, counted 30 days)
/// → seconds.
pub fn interval_seconds(i: &str) -> Option<u32> {
    // a venue's text: a multi-byte last character must not split (it would panic)
    if !i.is_ascii() {
        return None;
    }
    let (n, unit) = i.split_at(i.len().checked_sub(1)?);
    let n: u32 = n.parse().ok()?;
    let unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return None,
    };
    n.checked_mul(unit)
}

/// The text of a JSON value that is a number or a string (REST candle rows mix both).
fn lazy_text(v: &LazyValue<'_>) -> String {
    match v.as_str() {
        Some(s) => s.to_owned(),
        None => v.as_raw_str().to_owned(),
    }
}

impl GateioParser {
    pub(super) fn template(&self, r: Resolved, kind: Kind, ts_recv: Nanos) -> Event {
        Event {
            ts_recv: ts_recv.0,
            venue: self.venue as u16,
            instrument: r.id.0,
            kind: kind as u8,
            px_exp: r.px_exp,
            qty_exp: r.qty_exp,
            flags: flags::FIRST | flags::LAST,
            ..Event::default()
        }
    }

    /// A spot trade (WebSocket `spot.trades` result or a REST `/spot/trades` row).
    pub(super) fn spot_trade(
        &mut self,
        t: &wire::SpotTrade<'_>,
        symbol: Option<&str>,
        ts_env: i64,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<(), ParseError> {
        let sym = t
            .currency_pair
            .or(symbol)
            .ok_or_else(|| ParseError::Malformed("trade without currency_pair".into()))?;
        let seq =
            t.id.as_u64()
                .ok_or_else(|| ParseError::Malformed(format!("trade id {:?}", t.id.0)))?;
        let side = match t.side {
            "buy" => Side::Buy,
            "sell" => Side::Sell,
            other => return Err(ParseError::Malformed(format!("trade side {other:?}"))),
        };
        let ts = match (t.create_time_ms, t.create_time) {
            (Some(ms), _) => ms_ns(ms)?,
            (None, Some(s)) => secs_ns(s)?,
            (None, None) => ts_env,
        };
        let r = self.symbols.resolve(sym.as_bytes());
        let mut ev = self.template(r, Kind::Trade, ts_recv);
        ev.seq = seq;
        ev.ts_exchange = ts;
        ev.side = side as u8;
        ev.v[0] = value(t.price.bytes(), r.px_exp, r.id, seq)?;
        ev.v[1] = value(t.amount.bytes(), r.qty_exp, r.id, seq)?;
        out.push(ev);
        Ok(())
    }

    /// A futures trade: the sign of `size` is the taker's side, its magnitude the size.
    pub(super) fn futures_trade(
        &mut self,
        t: &wire::FuturesTrade<'_>,
        symbol: Option<&str>,
        ts_env: i64,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<(), ParseError> {
        let sym = t
            .contract
            .or(symbol)
            .ok_or_else(|| ParseError::Malformed("trade without contract".into()))?;
        let seq =
            t.id.as_u64()
                .ok_or_else(|| ParseError::Malformed(format!("trade id {:?}", t.id.0)))?;
        let ts = match (t.create_time_ms, t.create_time) {
            (Some(ms), _) => ms_ns(ms)?,
            (None, Some(s)) => secs_ns(s)?,
            (None, None) => ts_env,
        };
        let r = self.symbols.resolve(sym.as_bytes());
        let (sold, size) = match t.size.0.strip_prefix('-') {
            Some(abs) => (true, abs),
            None => (false, t.size.0),
        };
        let mut ev = self.template(r, Kind::Trade, ts_recv);
        ev.seq = seq;
        ev.ts_exchange = ts;
        ev.v[0] = value(t.price.bytes(), r.px_exp, r.id, seq)?;
        ev.v[1] = value(size.as_bytes(), r.qty_exp, r.id, seq)?;
        ev.side = match (ev.v[1], sold) {
            (0, _) => Side::None,
            (_, true) => Side::Sell,
            (_, false) => Side::Buy,
        } as u8;
        if t.is_internal == Some(true) {
            ev.flags |= flags::OFF_BOOK;
        }
        out.push(ev);
        Ok(())
    }

    /// `*.trades` result: one object (spot) or an array of them (futures).
    pub(super) fn trades(
        &mut self,
        raw: &str,
        ts_env: i64,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let is_array = raw.trim_start().starts_with('[');
        let mut first_error = None;
        match (self.futures, is_array) {
            (false, false) => {
                let t: wire::SpotTrade<'_> = sonic_rs::from_str(raw).map_err(malformed)?;
                self.spot_trade(&t, None, ts_env, ts_recv, out)?;
            }
            (true, false) => {
                let t: wire::FuturesTrade<'_> = sonic_rs::from_str(raw).map_err(malformed)?;
                self.futures_trade(&t, None, ts_env, ts_recv, out)?;
            }
            (false, true) => wire::for_each(raw, &mut first_error, |t: wire::SpotTrade<'_>| {
                self.spot_trade(&t, None, ts_env, ts_recv, out)
            })
            .map_err(malformed)?,
            (true, true) => wire::for_each(raw, &mut first_error, |t: wire::FuturesTrade<'_>| {
                self.futures_trade(&t, None, ts_env, ts_recv, out)
            })
            .map_err(malformed)?,
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(Control::Data),
        }
    }

    /// `*.book_ticker` → a quote.
    pub(super) fn quote(
        &mut self,
        t: &wire::BookTicker<'_>,
        ts_env: i64,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let r = self.symbols.resolve(t.s.as_bytes());
        let seq = t.u.unwrap_or(0);
        let mut ev = self.template(r, Kind::Quote, ts_recv);
        ev.seq = seq;
        ev.ts_exchange = match t.t {
            Some(ms) => ms_ns(ms)?,
            None => ts_env,
        };
        ev.v[0] = value(t.b.bytes(), r.px_exp, r.id, seq)?;
        ev.v[1] = value(t.bid_size.bytes(), r.qty_exp, r.id, seq)?;
        ev.v[2] = value(t.a.bytes(), r.px_exp, r.id, seq)?;
        ev.v[3] = value(t.ask_size.bytes(), r.qty_exp, r.id, seq)?;
        out.push(ev);
        Ok(Control::Data)
    }

    /// `*.candlesticks`: one object (spot) or an array (futures). Spot `v` is the quote
    /// volume, so the event's volume is the base amount `a` (0 where a frame has none, as in
    /// 2021); futures volume is `v` in contracts.
    pub(super) fn candles(
        &mut self,
        raw: &str,
        ts_env: i64,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        if raw.trim_start().starts_with('[') {
            let mut first_error = None;
            wire::for_each(raw, &mut first_error, |c: wire::Candle<'_>| {
                self.candle(&c, None, None, ts_env, ts_recv, out)
            })
            .map_err(malformed)?;
            if let Some(e) = first_error {
                return Err(e);
            }
        } else {
            let c: wire::Candle<'_> = sonic_rs::from_str(raw).map_err(malformed)?;
            self.candle(&c, None, None, ts_env, ts_recv, out)?;
        }
        Ok(Control::Data)
    }

    /// One candle. `symbol`/`interval` come from `n` on the WebSocket, from the request over
    /// REST. `closed`: the REST row's own flag or the caller's judgement.
    fn candle(
        &mut self,
        c: &wire::Candle<'_>,
        rest: Option<(&str, u32)>,
        closed: Option<bool>,
        ts_env: i64,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<(), ParseError> {
        let (sym, interval) = match (c.n, rest) {
            (Some(n), _) => {
                let (i, s) = n
                    .split_once('_')
                    .ok_or_else(|| ParseError::Malformed(format!("candle name {n:?}")))?;
                let secs = interval_seconds(i).ok_or_else(|| {
                    ParseError::Malformed(format!("unknown candle interval {i:?}"))
                })?;
                (s, secs)
            }
            (None, Some((s, i))) => (s, i),
            (None, None) => return Err(ParseError::Malformed("candle without n".into())),
        };
        let open_ns = secs_ns(c.t)?;
        let seq = (open_ns / 1_000_000) as u64;
        let r = self.symbols.resolve(sym.as_bytes());
        let mut ev = self.template(r, Kind::Candle, ts_recv);
        ev.seq = seq;
        ev.ts_exchange = if ts_env != 0 { ts_env } else { open_ns };
        ev.aux = interval;
        if closed.or(c.w) == Some(true) {
            ev.flags |= flags::CLOSED;
        }
        let volume = if self.futures { c.v } else { c.a };
        ev.v = [
            value(c.o.bytes(), r.px_exp, r.id, seq)?,
            value(c.h.bytes(), r.px_exp, r.id, seq)?,
            value(c.l.bytes(), r.px_exp, r.id, seq)?,
            value(c.c.bytes(), r.px_exp, r.id, seq)?,
            match volume {
                Some(v) => value(v.bytes(), r.qty_exp, r.id, seq)?,
                None => 0,
            },
        ];
        out.push(ev);
        Ok(())
    }

    /// A depth object of any source (see [`DepthSource`]), parsed from `text`.
    pub(super) fn depth(
        &mut self,
        text: &str,
        source: DepthSource,
        symbol: Option<&str>,
        ts_env: i64,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let h = wire::parse_depth(text, &mut self.scratch).map_err(malformed)?;
        self.emit_depth(text, &h, source, symbol, ts_env, ts_recv, out)
    }

    /// Emits the levels recorded in `self.scratch` for `h` (spans into `text`). Shared by the
    /// general and the fast path, so both produce exactly the same events.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn emit_depth(
        &mut self,
        text: &str,
        h: &DepthHeader<'_>,
        source: DepthSource,
        symbol: Option<&str>,
        ts_env: i64,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        // symbol and, for Order Book V2, the depth from the stream name `ob.BTC_USDT.400`
        let (sym, stream_depth) = match (source, h.symbol) {
            (DepthSource::Obu, Some(name)) => {
                let inner = name.strip_prefix("ob.").unwrap_or(name);
                match inner.rsplit_once('.') {
                    Some((s, d)) => (Some(s), d.parse::<i64>().ok()),
                    None => (Some(inner), None),
                }
            }
            (_, s) => (s.or(symbol), None),
        };
        let level_depth = h.level.and_then(|l| l.0.parse::<i64>().ok());
        let (snapshot, top_n) = match source {
            DepthSource::Update | DepthSource::Obu => (h.full, false),
            DepthSource::TopN => (true, true),
            DepthSource::Rest => (true, false),
        };
        let (seq, first, depth) =
            if snapshot && source != DepthSource::Update && source != DepthSource::Obu {
                // REST and top-N images: the book id (absent from REST bodies fetched without
                // `with_id=true`: such a snapshot cannot be chained and never bridges a diff)
                let id = h.id.or(h.last).unwrap_or(0);
                (id, id, -1)
            } else {
                let Some(last) = h.last else {
                    return Err(ParseError::Malformed("order book update without u".into()));
                };
                let first = match (h.first, snapshot) {
                    (Some(f), _) => f,
                    (None, true) => last,
                    (None, false) => {
                        return Err(ParseError::Malformed("order book update without U".into()))
                    }
                };
                let depth = if snapshot {
                    stream_depth.or(level_depth).unwrap_or(-1)
                } else {
                    -1
                };
                (last, first, depth)
            };
        let r = match sym {
            Some(s) => self.symbols.resolve(s.as_bytes()),
            None if source == DepthSource::Rest => Resolved {
                id: InstrumentId::NONE,
                px_exp: self.default_exps.0,
                qty_exp: self.default_exps.1,
            },
            None => {
                return Err(ParseError::Malformed(
                    "order book message without a symbol".into(),
                ))
            }
        };
        let ts_exchange = match (h.t, h.event_secs, h.update) {
            (Some(ms), _, _) => ms_ns(ms)?,
            (None, Some(s), _) => secs_ns(s)?,
            (None, None, Some(u)) => rest_stamp_ns(u)?,
            (None, None, None) => ts_env,
        };
        let mut tmpl = self.template(r, Kind::BookLevel, ts_recv);
        tmpl.flags = 0;
        if snapshot {
            tmpl.flags |= flags::SNAPSHOT;
        }
        if top_n {
            tmpl.flags |= flags::TOP_N;
        }
        tmpl.seq = seq;
        tmpl.ts_exchange = ts_exchange;
        tmpl.v[2] = first as i64;
        tmpl.v[3] = depth;
        let start = out.len();
        let bytes = text.as_bytes();
        let mut index = 0u32;
        for (range, side) in [(h.bids, Side::Buy), (h.asks, Side::Sell)] {
            for span in &self.scratch[range.0..range.1] {
                let px = &bytes[span[0] as usize..span[1] as usize];
                let qty = &bytes[span[2] as usize..span[3] as usize];
                if qty.first() == Some(&b'-') {
                    return Err(ParseError::Malformed(format!(
                        "negative size {:?} in a book level",
                        String::from_utf8_lossy(qty)
                    )));
                }
                let mut ev = tmpl;
                ev.side = side as u8;
                ev.aux = index;
                ev.v[0] = value(px, r.px_exp, r.id, seq)?;
                ev.v[1] = value(qty, r.qty_exp, r.id, seq)?;
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

    /// A REST body, classified by content.
    pub(super) fn rest(
        &mut self,
        body: &str,
        symbol: Option<&str>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        match body.bytes().find(|c| !c.is_ascii_whitespace()) {
            Some(b'{') => {
                let probe: wire::RestProbe<'_> = sonic_rs::from_str(body).map_err(malformed)?;
                if probe.asks.is_some() || probe.bids.is_some() {
                    return self.depth(body, DepthSource::Rest, symbol, 0, ts_recv, out);
                }
                if let Some(label) = probe.label {
                    return Ok(Control::VenueError {
                        code: 0,
                        msg: format!("{label}: {}", probe.message.unwrap_or_default()),
                    });
                }
                Ok(Control::Ignored)
            }
            Some(b'[') => self.rest_array(body, symbol, ts_recv, out),
            _ => Err(ParseError::Malformed(
                "REST body is neither an object nor an array".into(),
            )),
        }
    }

    fn rest_array(
        &mut self,
        body: &str,
        symbol: Option<&str>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let items: Vec<LazyValue<'_>> = sonic_rs::from_str(body).map_err(malformed)?;
        let Some(first) = items.first() else {
            return Ok(Control::Data);
        };
        let has = |k: &str| first.get(k).is_some();
        if first.is_array() {
            return self.rest_spot_candles(&items, symbol, ts_recv, out);
        }
        if !first.is_object() {
            return Ok(Control::Ignored);
        }
        if has("size") && (has("contract") || has("price")) {
            for it in &items {
                let t: wire::FuturesTrade<'_> =
                    sonic_rs::from_str(it.as_raw_str()).map_err(malformed)?;
                self.futures_trade(&t, symbol, 0, ts_recv, out)?;
            }
            return Ok(Control::Data);
        }
        if has("side") && has("amount") {
            for it in &items {
                let t: wire::SpotTrade<'_> =
                    sonic_rs::from_str(it.as_raw_str()).map_err(malformed)?;
                self.spot_trade(&t, symbol, 0, ts_recv, out)?;
            }
            return Ok(Control::Data);
        }
        if has("precision") || has("amount_precision") {
            self.load_currency_pairs(body)?;
            return Ok(Control::Ignored);
        }
        if has("order_price_round") || has("quanto_multiplier") {
            self.load_contracts(body)?;
            return Ok(Control::Ignored);
        }
        if has("t") && has("o") && has("c") {
            let symbol = symbol.ok_or_else(|| {
                ParseError::Malformed("REST candles body needs the request's symbol".into())
            })?;
            let rows: Vec<wire::Candle<'_>> = sonic_rs::from_str(body).map_err(malformed)?;
            let times: Vec<i64> = rows
                .iter()
                .map(|c| secs_ns(c.t))
                .collect::<Result<_, _>>()?;
            let interval = infer_interval(&times);
            for (c, open) in rows.iter().zip(&times) {
                let closed = closed_by_time(*open, interval, ts_recv);
                self.candle(c, Some((symbol, interval)), Some(closed), 0, ts_recv, out)?;
            }
            return Ok(Control::Data);
        }
        Ok(Control::Ignored)
    }

    /// `/spot/candlesticks` rows: `[t, quote volume, close, high, low, open, base amount?,
    /// closed?]`, strings.
    fn rest_spot_candles(
        &mut self,
        items: &[LazyValue<'_>],
        symbol: Option<&str>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let symbol = symbol.ok_or_else(|| {
            ParseError::Malformed("REST candles body needs the request's symbol".into())
        })?;
        let mut rows = Vec::with_capacity(items.len());
        for it in items {
            let cells: Vec<LazyValue<'_>> =
                sonic_rs::from_str(it.as_raw_str()).map_err(malformed)?;
            if cells.len() < 6 {
                return Err(ParseError::Malformed(format!(
                    "candle row with {} cells",
                    cells.len()
                )));
            }
            let text: Vec<String> = cells.iter().map(lazy_text).collect();
            rows.push(text);
        }
        let times: Vec<i64> = rows
            .iter()
            .map(|r| secs_ns(Num(&r[0])))
            .collect::<Result<_, _>>()?;
        let interval = infer_interval(&times);
        for (r, open) in rows.iter().zip(&times) {
            let closed = match r.get(7).map(String::as_str) {
                Some("true") => true,
                Some("false") => false,
                _ => closed_by_time(*open, interval, ts_recv),
            };
            let c = wire::Candle {
                t: Num(&r[0]),
                v: Some(Num(&r[1])),
                c: Num(&r[2]),
                h: Num(&r[3]),
                l: Num(&r[4]),
                o: Num(&r[5]),
                n: None,
                a: r.get(6).map(|a| Num(a)),
                w: None,
            };
            self.candle(&c, Some((symbol, interval)), Some(closed), 0, ts_recv, out)?;
        }
        Ok(Control::Data)
    }

    /// Presets exponents from `/spot/currency_pairs` for pairs not seen yet.
    ///
    /// Gate keeps amounts and prices with 10 decimals (book sizes like `152.9783789102` under
    /// an `amount_precision` of 3 are real), so the default is 10 decimals for both; a pair
    /// whose `precision` is finer keeps all its digits, and a pair whose `max_base_amount`
    /// would not fit ten times over at 10 decimals gets the finest size exponent that does.
    fn load_currency_pairs(&mut self, body: &str) -> Result<(), ParseError> {
        let pairs: Vec<wire::CurrencyPair<'_>> = sonic_rs::from_str(body).map_err(malformed)?;
        for p in pairs {
            let (mut px, mut qty) = self.default_exps;
            if let Some(prec) = p.precision.filter(|p| (0..=18).contains(p)) {
                px = px.min(-(prec as i8));
            }
            if let Some(prec) = p.amount_precision.filter(|p| (0..=18).contains(p)) {
                qty = qty.min(-(prec as i8));
            }
            qty = coarsen_for_range(qty, p.max_base_amount);
            self.symbols
                .table()
                .set_exponents(self.venue, p.id, px, qty);
        }
        Ok(())
    }

    /// Presets exponents from `/futures/{settle}/contracts` for contracts not seen yet: the
    /// price keeps every digit of its tick (down to 10^-18), sizes are whole contracts unless
    /// the contract trades fractions.
    fn load_contracts(&mut self, body: &str) -> Result<(), ParseError> {
        let cs: Vec<wire::Contract<'_>> = sonic_rs::from_str(body).map_err(malformed)?;
        for c in cs {
            let (mut px, mut qty) = self.default_exps;
            for tick in [c.order_price_round, c.mark_price_round]
                .into_iter()
                .flatten()
            {
                if let Some(d) = decimal::fraction_digits(tick.bytes()).filter(|d| *d <= 18) {
                    px = px.min(-(d as i8));
                }
            }
            if let Some(d) = c
                .order_size_min
                .and_then(|m| decimal::fraction_digits(m.bytes()))
                .filter(|d| *d <= 18)
            {
                qty = qty.min(-(d as i8));
            }
            qty = coarsen_for_range(qty, c.order_size_max);
            self.symbols
                .table()
                .set_exponents(self.venue, c.name, px, qty);
        }
        Ok(())
    }

    /// An acknowledgement's or error's request id.
    pub(super) fn request_id(id: Option<&LazyValue<'_>>) -> i64 {
        id.and_then(|v| v.as_i64()).unwrap_or(-1)
    }
}

/// The finest exponent, no finer than `exp`, at which ten times `max` fits an `i64` mantissa.
/// This chooses a scale; no value is converted through a float.
fn coarsen_for_range(exp: i8, max: Option<Num<'_>>) -> i8 {
    let Some(max) = max
        .and_then(|m| m.0.parse::<f64>().ok())
        .filter(|m| m.is_finite() && *m > 0.0)
    else {
        return exp;
    };
    let mut exp = exp;
    while exp < 18 && max * 10.0 * 10f64.powi(-i32::from(exp)) >= i64::MAX as f64 {
        exp += 1;
    }
    exp
}

/// The candle interval of a REST page: the smallest step between open times (s); 0 when the
/// page has a single row.
fn infer_interval(open_ns: &[i64]) -> u32 {
    open_ns
        .windows(2)
        .map(|w| (w[1] - w[0]).abs() / 1_000_000_000)
        .filter(|d| *d > 0)
        .min()
        .and_then(|d| u32::try_from(d).ok())
        .unwrap_or(0)
}

/// A REST candle without its own flag is closed when its window ended before the body was
/// received (or when no receive stamp is known).
fn closed_by_time(open_ns: i64, interval: u32, ts_recv: Nanos) -> bool {
    ts_recv.0 == 0
        || (interval > 0
            && open_ns.saturating_add(i64::from(interval) * 1_000_000_000) <= ts_recv.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_exact_to_the_nanosecond() {
        assert_eq!(
            to_ns(b"1619093543708.2642", 6),
            Some(1_619_093_543_708_264_200)
        );
        assert_eq!(to_ns(b"1684930166.35", 9), Some(1_684_930_166_350_000_000));
        assert_eq!(to_ns(b"1684930165", 9), Some(1_684_930_165_000_000_000));
        assert_eq!(to_ns(b"1.0000000009", 6), Some(1_000_000));
        assert_eq!(to_ns(b"", 6), None);
        assert_eq!(to_ns(b"-1", 6), None);
        assert_eq!(to_ns(b"1e5", 6), None);
        assert_eq!(to_ns(b"99999999999999999999", 6), None);
    }

    #[test]
    fn digits_as_written() {
        assert_eq!(written_digits(b"0.2010000000"), 10);
        assert_eq!(written_digits(b"803"), 0);
        assert_eq!(written_digits(b"10.0"), 1);
    }

    #[test]
    fn intervals() {
        assert_eq!(interval_seconds("10s"), Some(10));
        assert_eq!(interval_seconds("1m"), Some(60));
        assert_eq!(interval_seconds("8h"), Some(28_800));
        assert_eq!(interval_seconds("30d"), Some(2_592_000));
        assert_eq!(interval_seconds("x"), None);
        assert_eq!(infer_interval(&[0, 60_000_000_000, 120_000_000_000]), 60);
        assert_eq!(coarsen_for_range(-10, Some(Num("10000"))), -10);
        assert_eq!(coarsen_for_range(-10, Some(Num("100000000000"))), -6);
    }
}
