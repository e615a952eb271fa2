//! OKX wire → normalized events.

use super::fast::{self, FastData, TradeFields};
use super::wire::{
    self, code_of, for_each, for_each_book, malformed, parse_int, text_of, OkxArg, OkxBook,
    OkxEnvelope, OkxInstrument, OkxTicker, OkxTrade, Row,
};
use super::{
    bar_seconds, checksum_bits, emit_book, BookMsg, OkxParser, BOOKS50_DEPTH, BOOKS_DEPTH,
    DEFAULT_EXPONENTS,
};
use crate::decimal;
use crate::event::{flags, Event, InstrumentId, Kind, Nanos, Side, Venue};
use crate::instrument::{Resolved, SymbolCache};
use crate::venue::{Control, ParseError};
use sonic_rs::{JsonValueTrait, LazyValue};

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

/// A value that may be an empty string (an empty side of a ticker): 0.
fn value_or_zero(s: &str, exp: i8, instrument: InstrumentId, seq: u64) -> Result<i64, ParseError> {
    if s.is_empty() {
        Ok(0)
    } else {
        value(s, exp, instrument, seq)
    }
}

pub(crate) fn side_of(s: &str) -> Result<Side, ParseError> {
    match s {
        "buy" => Ok(Side::Buy),
        "sell" => Ok(Side::Sell),
        other => Err(ParseError::Malformed(format!(
            "unknown trade side {other:?}"
        ))),
    }
}

pub(crate) fn non_negative(v: i64, what: &str) -> Result<u64, ParseError> {
    u64::try_from(v).map_err(|_| ParseError::Malformed(format!("negative {what}")))
}

/// What a book channel is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BookKind {
    /// Snapshot then diffs, keeping this many levels per side.
    Diffs(i64),
    /// A top-N snapshot every push (`books5`).
    TopN,
}

impl OkxParser {
    pub(super) fn template(&self, r: Resolved, kind: Kind, ts_recv: Nanos) -> Event {
        Event {
            ts_recv: ts_recv.0,
            venue: Venue::Okx as u16,
            instrument: r.id.0,
            kind: kind as u8,
            px_exp: r.px_exp,
            qty_exp: r.qty_exp,
            flags: flags::FIRST | flags::LAST,
            ..Event::default()
        }
    }

    pub(super) fn frame(
        &mut self,
        f: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        if f == "pong" || f == "ping" {
            return Ok(Control::Heartbeat);
        }
        if let Some(r) = self.fast_path(f, ts_recv, out) {
            return r;
        }
        crate::venue::check_nesting(f.as_bytes())?;
        let env: OkxEnvelope<'_> = sonic_rs::from_str(f).map_err(malformed)?;
        if let Some(event) = env.event {
            return self.event(event, &env);
        }
        if env.table.is_some() {
            return self.ignore("OKEx v3 API frame (`table`): this parser reads the v5 API");
        }
        let (Some(arg), Some(data)) = (env.arg, env.data.as_ref()) else {
            return self.ignore("not an OKX v5 data or control frame");
        };
        let Some(channel) = arg.channel else {
            return Err(ParseError::Malformed("`arg` without a channel".into()));
        };
        let data = data.as_raw_str();
        if let Some(kind) = book_kind(channel) {
            return self.books(arg, env.action, data, kind, ts_recv, out);
        }
        match channel {
            "bbo-tbt" => self.bbo(arg, data, ts_recv, out),
            "trades" | "trades-all" => self.trades(arg.inst_id, data, ts_recv, out),
            "tickers" => self.tickers(arg, data, ts_recv, out),
            c if c.starts_with("candle") => self.candles(arg, &c[6..], data, ts_recv, out),
            "books-elp" | "books-rpi-tbt" => {
                self.ignore("an ELP/RPI-only book is not the instrument's book")
            }
            _ => self.ignore("channel not handled (funding rate, open interest, mark price, …)"),
        }
    }

    fn event(&mut self, event: &str, env: &OkxEnvelope<'_>) -> Result<Control, ParseError> {
        match event {
            "subscribe" | "unsubscribe" | "login" => {
                let id = env
                    .id
                    .as_ref()
                    .and_then(|v| {
                        v.as_i64()
                            .or_else(|| v.as_str().and_then(|s| parse_int(s.as_bytes())))
                    })
                    .unwrap_or(-1);
                Ok(Control::Ack { id })
            }
            "error" => Ok(Control::VenueError {
                code: env.code.as_ref().map_or(0, code_of),
                msg: env.msg.as_ref().map(text_of).unwrap_or_default(),
            }),
            // service upgrade: the connection closes in 60 s (code 64008)
            "notice" => Ok(Control::ServerShutdown),
            _ => self.ignore("event not handled (channel-conn-count, …)"),
        }
    }

    fn resolve(&mut self, arg: &OkxArg<'_>, inst: Option<&str>) -> Result<Resolved, ParseError> {
        let inst = inst
            .or(arg.inst_id)
            .ok_or_else(|| ParseError::Malformed("no instId".into()))?;
        Ok(self.symbols.resolve(inst.as_bytes()))
    }

    fn books(
        &mut self,
        arg: OkxArg<'_>,
        action: Option<&str>,
        data: &str,
        kind: BookKind,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let snapshot = snapshot_flag(kind, action)?;
        let symbols = &mut self.symbols;
        let n = for_each_book(data, &mut self.scratch, |h, spans| {
            let r = resolve_book(symbols, &arg, h)?;
            book_message(Venue::Okx, r, h, spans, data, kind, snapshot, ts_recv, out)
        })?;
        if n == 0 {
            return Err(ParseError::Malformed("book frame with empty data".into()));
        }
        Ok(Control::Data)
    }

    /// The fast path for book and trade frames in OKX's compact form (see `fast`).
    fn fast_path(
        &mut self,
        f: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Option<Result<Control, ParseError>> {
        if !self.fast {
            return None;
        }
        let fr = fast::scan(f, &mut self.scratch, &mut self.trades)?;
        let channel = fr.arg.channel?;
        let r = match fr.data {
            FastData::Book(h) if channel == "bbo-tbt" => (|| {
                let r = resolve_book(&mut self.symbols, &fr.arg, &h)?;
                let tmpl = self.template(r, Kind::Quote, ts_recv);
                push_quote(out, tmpl, r, &h, &self.scratch, f)?;
                Ok(Control::Data)
            })(),
            FastData::Book(h) => {
                let kind = book_kind(channel)?;
                (|| {
                    let snapshot = snapshot_flag(kind, fr.action)?;
                    let r = resolve_book(&mut self.symbols, &fr.arg, &h)?;
                    book_message(
                        Venue::Okx,
                        r,
                        &h,
                        &self.scratch,
                        f,
                        kind,
                        snapshot,
                        ts_recv,
                        out,
                    )?;
                    Ok(Control::Data)
                })()
            }
            FastData::Trades if channel == "trades" || channel == "trades-all" => (|| {
                for t in &self.trades {
                    let t = t.fields(f).ok_or_else(|| {
                        ParseError::Malformed("trade text outside the frame".into())
                    })?;
                    push_okx_trade(out, &mut self.symbols, fr.arg.inst_id, t, ts_recv)?;
                }
                Ok(Control::Data)
            })(),
            FastData::Trades => return None,
        };
        self.fast_hits += 1;
        Some(r)
    }

    fn bbo(
        &mut self,
        arg: OkxArg<'_>,
        data: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let r = self.resolve(&arg, None)?;
        let tmpl = self.template(r, Kind::Quote, ts_recv);
        let n = for_each_book(data, &mut self.scratch, |h, spans| {
            push_quote(out, tmpl, r, h, spans, data)
        })?;
        if n == 0 {
            return Err(ParseError::Malformed("bbo frame with empty data".into()));
        }
        Ok(Control::Data)
    }

    pub(super) fn trades(
        &mut self,
        inst: Option<&str>,
        data: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let symbols = &mut self.symbols;
        for_each(data, |t: OkxTrade<'_>| {
            let fields = TradeFields {
                inst: t.inst_id,
                id: Some(t.trade_id.0),
                px: t.px,
                sz: t.sz,
                side: t.side,
                ts: t.ts.0,
                count: t.count.map(|c| c.0),
            };
            push_okx_trade(out, symbols, inst, fields, ts_recv)
        })?;
        Ok(Control::Data)
    }

    fn tickers(
        &mut self,
        arg: OkxArg<'_>,
        data: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let venue = Venue::Okx as u16;
        let symbols = &mut self.symbols;
        for_each(data, |t: OkxTicker<'_>| {
            let name = t
                .inst_id
                .or(arg.inst_id)
                .ok_or_else(|| ParseError::Malformed("ticker without instId".into()))?;
            let r = symbols.resolve(name.as_bytes());
            let seq = non_negative(t.ts.0, "ts")?;
            let ev = Event {
                ts_recv: ts_recv.0,
                venue,
                instrument: r.id.0,
                kind: Kind::Quote as u8,
                px_exp: r.px_exp,
                qty_exp: r.qty_exp,
                flags: flags::FIRST | flags::LAST,
                seq,
                ts_exchange: Nanos::from_millis(t.ts.0).0,
                v: [
                    value_or_zero(t.bid_px, r.px_exp, r.id, seq)?,
                    value_or_zero(t.bid_sz, r.qty_exp, r.id, seq)?,
                    value_or_zero(t.ask_px, r.px_exp, r.id, seq)?,
                    value_or_zero(t.ask_sz, r.qty_exp, r.id, seq)?,
                    0,
                ],
                ..Event::default()
            };
            out.push(ev);
            Ok(())
        })?;
        Ok(Control::Data)
    }

    fn candles(
        &mut self,
        arg: OkxArg<'_>,
        bar: &str,
        data: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let interval = bar_seconds(bar)
            .ok_or_else(|| ParseError::Malformed(format!("unknown candle bar {bar:?}")))?;
        let r = self.resolve(&arg, None)?;
        let tmpl = self.template(r, Kind::Candle, ts_recv);
        let closing = Closing {
            confirm_at: Some(8),
            ..Closing::default()
        };
        for_each(data, |row: Row<'_>| {
            push_candle(out, tmpl, r, interval, &row, closing)
        })?;
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
        let env: OkxEnvelope<'_> = sonic_rs::from_str(body).map_err(malformed)?;
        if let Some(code) = &env.code {
            let ok = code.as_str() == Some("0") || code.as_i64() == Some(0);
            if !ok {
                return Ok(Control::VenueError {
                    code: code_of(code),
                    msg: env.msg.as_ref().map(text_of).unwrap_or_default(),
                });
            }
        }
        if env.table.is_some() {
            return self.ignore("OKEx v3 API body (`table`): this parser reads the v5 API");
        }
        let Some(data) = env.data.as_ref() else {
            return self.ignore("REST body without data");
        };
        let data = data.as_raw_str();
        let items: Vec<LazyValue<'_>> = sonic_rs::from_str(data).map_err(malformed)?;
        let Some(first) = items.first() else {
            return self.ignore("REST body with empty data");
        };
        if first.is_array() {
            let name = symbol.ok_or_else(|| {
                ParseError::Malformed("REST candles body needs the request's symbol".into())
            })?;
            return self.rest_candles(name, &items, ts_recv, out);
        }
        if !first.is_object() {
            return Err(ParseError::Malformed("REST data of scalars".into()));
        }
        if first.get("asks").is_some() {
            let r = match symbol {
                Some(s) => self.symbols.resolve(s.as_bytes()),
                None => Resolved {
                    id: InstrumentId::NONE,
                    px_exp: DEFAULT_EXPONENTS.0,
                    qty_exp: DEFAULT_EXPONENTS.1,
                },
            };
            let n = for_each_book(data, &mut self.scratch, |h, spans| {
                let mut tmpl = book_template(
                    Venue::Okx,
                    r,
                    h,
                    BookKind::Diffs(BOOKS_DEPTH),
                    true,
                    ts_recv,
                )?;
                tmpl.v[2] = -1;
                let msg = BookMsg {
                    text: data,
                    spans,
                    bids: h.bids,
                    asks: h.asks,
                    checksum: None,
                };
                emit_book(out, tmpl, r, &msg)
            })?;
            debug_assert!(n > 0);
            return Ok(Control::Data);
        }
        if first.get("tradeId").is_some() {
            return self.trades(symbol, data, ts_recv, out);
        }
        if first.get("tickSz").is_some() {
            self.load_instruments(data)?;
            return self.ignore("instrument metadata (exponents preset)");
        }
        self.ignore("REST body not handled (open interest, funding, …)")
    }

    fn rest_candles(
        &mut self,
        name: &str,
        items: &[LazyValue<'_>],
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let r = self.symbols.resolve(name.as_bytes());
        let tmpl = self.template(r, Kind::Candle, ts_recv);
        let rows: Vec<Row<'_>> = items
            .iter()
            .map(|i| sonic_rs::from_str::<Row<'_>>(i.as_raw_str()).map_err(malformed))
            .collect::<Result<_, _>>()?;
        let interval = interval_of(&rows);
        let newest = rows
            .iter()
            .filter_map(|r| r.get(0).and_then(|t| parse_int(t.as_bytes())))
            .max();
        let closing = Closing {
            confirm_at: Some(8),
            newest,
            pushed: None,
        };
        for row in &rows {
            push_candle(out, tmpl, r, interval, row, closing)?;
        }
        Ok(Control::Data)
    }

    /// Presets exponents from `/api/v5/public/instruments` for instruments not seen yet: the
    /// digits of `tickSz` / `lotSz` plus two spare ones, never finer than 10^−12.
    fn load_instruments(&mut self, data: &str) -> Result<(), ParseError> {
        let table = self.symbols.table().clone();
        for_each(data, |i: OkxInstrument<'_>| {
            let (px, qty) = (
                exponent_for_step(i.tick_sz, DEFAULT_EXPONENTS.0),
                exponent_for_step(i.lot_sz, DEFAULT_EXPONENTS.1),
            );
            table.set_exponents(Venue::Okx, i.inst_id, px, qty);
            Ok(())
        })?;
        Ok(())
    }
}

/// The OKX book channels: what they are and the depth they keep.
fn book_kind(channel: &str) -> Option<BookKind> {
    Some(match channel {
        "books" | "books-l2-tbt" => BookKind::Diffs(BOOKS_DEPTH),
        "books50-l2-tbt" => BookKind::Diffs(BOOKS50_DEPTH),
        "books5" => BookKind::TopN,
        _ => return None,
    })
}

/// Whether a book message is a snapshot: top-N pushes always are; diff channels say so in
/// `action`.
pub(crate) fn snapshot_flag(kind: BookKind, action: Option<&str>) -> Result<bool, ParseError> {
    match (kind, action) {
        (BookKind::TopN, _) | (_, Some("snapshot")) => Ok(true),
        (_, Some("update")) => Ok(false),
        (_, other) => Err(ParseError::Malformed(format!(
            "book frame with action {other:?}"
        ))),
    }
}

/// The instrument of a book message: `arg.instId`, else the object's own `instId`.
pub(crate) fn resolve_book(
    symbols: &mut SymbolCache,
    arg: &OkxArg<'_>,
    h: &OkxBook<'_>,
) -> Result<Resolved, ParseError> {
    let inst = arg
        .inst_id
        .or(h.inst_id)
        .ok_or_else(|| ParseError::Malformed("book without instId".into()))?;
    Ok(symbols.resolve(inst.as_bytes()))
}

/// One book message's events (levels spanning `text`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn book_message(
    venue: Venue,
    r: Resolved,
    h: &OkxBook<'_>,
    spans: &[wire::LevelSpan],
    text: &str,
    kind: BookKind,
    snapshot: bool,
    ts_recv: Nanos,
    out: &mut Vec<Event>,
) -> Result<(), ParseError> {
    let tmpl = book_template(venue, r, h, kind, snapshot, ts_recv)?;
    let msg = BookMsg {
        text,
        spans,
        bids: h.bids,
        asks: h.asks,
        checksum: if kind == BookKind::TopN {
            None
        } else {
            checksum_bits(h.checksum)?
        },
    };
    emit_book(out, tmpl, r, &msg)
}

/// One OKX trade: `side` is the taker's; `count` > 1 makes it `AGGREGATED` over
/// `tradeId − count + 1 ..= tradeId`.
fn push_okx_trade(
    out: &mut Vec<Event>,
    symbols: &mut SymbolCache,
    inst: Option<&str>,
    t: TradeFields<'_>,
    ts_recv: Nanos,
) -> Result<(), ParseError> {
    let name = t
        .inst
        .or(inst)
        .ok_or_else(|| ParseError::Malformed("trade without instId".into()))?;
    let r = symbols.resolve(name.as_bytes());
    let id = non_negative(
        t.id.ok_or_else(|| ParseError::Malformed("trade without tradeId".into()))?,
        "tradeId",
    )?;
    let mut ev = Event {
        ts_recv: ts_recv.0,
        venue: Venue::Okx as u16,
        instrument: r.id.0,
        kind: Kind::Trade as u8,
        px_exp: r.px_exp,
        qty_exp: r.qty_exp,
        flags: flags::FIRST | flags::LAST,
        seq: id,
        ts_exchange: Nanos::from_millis(t.ts).0,
        side: side_of(t.side)? as u8,
        ..Event::default()
    };
    if let Some(count) = t.count {
        if count > 1 {
            ev.flags |= flags::AGGREGATED;
            ev.v[2] = (id as i64).saturating_sub(count - 1);
            ev.v[3] = id as i64;
        }
    }
    ev.v[0] = value(t.px, r.px_exp, r.id, id)?;
    ev.v[1] = value(t.sz, r.qty_exp, r.id, id)?;
    out.push(ev);
    Ok(())
}

/// The exponent for an instrument whose prices (or sizes) step by `step`: its digits plus two
/// spare ones, between 10^−12 and 10^0; `default` when the step is not a number.
pub(crate) fn exponent_for_step(step: &str, default: i8) -> i8 {
    if decimal::fraction_digits(step.as_bytes()).is_none() {
        return default;
    }
    let digits = i32::from(wire::text_digits(step.as_bytes()));
    (-(digits + 2)).clamp(-12, 0) as i8
}

/// The interval of REST candle rows (they do not say): the smallest gap between open times.
pub(crate) fn interval_of(rows: &[Row<'_>]) -> u32 {
    let mut times: Vec<i64> = rows
        .iter()
        .filter_map(|r| r.get(0).and_then(|t| parse_int(t.as_bytes())))
        .collect();
    times.sort_unstable();
    times
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| *d > 0)
        .min()
        .and_then(|ms| u32::try_from(ms / 1000).ok())
        .unwrap_or(0)
}

/// The template of a book message's level events.
pub(crate) fn book_template(
    venue: Venue,
    r: Resolved,
    h: &OkxBook<'_>,
    kind: BookKind,
    snapshot: bool,
    ts_recv: Nanos,
) -> Result<Event, ParseError> {
    let mut tmpl = Event {
        ts_recv: ts_recv.0,
        venue: venue as u16,
        instrument: r.id.0,
        kind: Kind::BookLevel as u8,
        px_exp: r.px_exp,
        qty_exp: r.qty_exp,
        ts_exchange: h.ts.map_or(0, |ms| Nanos::from_millis(ms).0),
        ..Event::default()
    };
    if snapshot {
        tmpl.flags |= flags::SNAPSHOT;
    }
    tmpl.seq = match h.seq {
        Some(s) => non_negative(s, "seqId")?,
        None => 0,
    };
    match kind {
        BookKind::TopN => {
            tmpl.flags |= flags::TOP_N;
            tmpl.v[2] = 0;
            tmpl.v[3] = -1;
        }
        BookKind::Diffs(depth) if snapshot => {
            // `prevSeqId` is -1 on a snapshot; `v[3]` of a snapshot is the depth kept
            tmpl.v[2] = h.prev_seq.unwrap_or(-1);
            tmpl.v[3] = depth;
        }
        BookKind::Diffs(_) => match h.prev_seq {
            Some(p) => {
                tmpl.v[2] = p;
                tmpl.v[3] = p;
            }
            None => {
                tmpl.v[2] = 0;
                tmpl.v[3] = -1;
            }
        },
    }
    Ok(tmpl)
}

/// The first bid and the first ask of a book object as one quote (`seq` = `seqId`, else the
/// time in ms); an empty side is 0/0.
pub(crate) fn push_quote(
    out: &mut Vec<Event>,
    tmpl: Event,
    r: Resolved,
    h: &OkxBook<'_>,
    spans: &[wire::LevelSpan],
    data: &str,
) -> Result<(), ParseError> {
    let ts = h.ts.unwrap_or(0);
    let seq = match h.seq {
        Some(s) => non_negative(s, "seqId")?,
        None => non_negative(ts, "ts")?,
    };
    let mut ev = tmpl;
    ev.seq = seq;
    ev.ts_exchange = Nanos::from_millis(ts).0;
    let txt = |a: u32, b: u32| &data[a as usize..b as usize];
    for (range, slot) in [(h.bids, 0usize), (h.asks, 2usize)] {
        if range.1 > range.0 {
            let s = spans[range.0];
            ev.v[slot] = value(txt(s[0], s[1]), r.px_exp, r.id, seq)?;
            ev.v[slot + 1] = value(txt(s[2], s[3]), r.qty_exp, r.id, seq)?;
        }
    }
    out.push(ev);
    Ok(())
}

/// When a candle row is final.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Closing {
    /// The row element that says so (`"1"`: OKX `confirm`, the 9th).
    pub confirm_at: Option<usize>,
    /// Without it: the newest open time of the message (an older row is closed).
    pub newest: Option<i64>,
    /// Without it: the push time (ms); a row whose interval ended by then is closed.
    pub pushed: Option<i64>,
}

/// One candle row `[ts, o, h, l, c, vol, …]` (`seq` = open time, `aux` = interval seconds).
pub(crate) fn push_candle(
    out: &mut Vec<Event>,
    tmpl: Event,
    r: Resolved,
    interval: u32,
    row: &Row<'_>,
    closing: Closing,
) -> Result<(), ParseError> {
    if row.len() < 6 {
        return Err(ParseError::Malformed(format!(
            "candle row of {} elements",
            row.len()
        )));
    }
    let f = |i: usize| row.get(i).unwrap_or_default();
    let open = parse_int(f(0).as_bytes())
        .ok_or_else(|| ParseError::Malformed("candle open time is not an integer".into()))?;
    let seq = non_negative(open, "candle time")?;
    let mut ev = tmpl;
    ev.seq = seq;
    ev.ts_exchange = Nanos::from_millis(open).0;
    ev.aux = interval;
    let closed = match closing.confirm_at.and_then(|i| row.get(i)) {
        Some(confirm) => confirm == "1",
        None => {
            closing.newest.is_some_and(|n| n > open)
                || (interval > 0
                    && closing
                        .pushed
                        .is_some_and(|p| period_end_ms(open, interval) <= p))
        }
    };
    if closed {
        ev.flags |= flags::CLOSED;
    }
    ev.v = [
        value(f(1), r.px_exp, r.id, seq)?,
        value(f(2), r.px_exp, r.id, seq)?,
        value(f(3), r.px_exp, r.id, seq)?,
        value(f(4), r.px_exp, r.id, seq)?,
        value(f(5), r.qty_exp, r.id, seq)?,
    ];
    out.push(ev);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_give_exponents_with_spare_digits() {
        assert_eq!(exponent_for_step("0.1", -8), -3);
        assert_eq!(exponent_for_step("0.00000001", -8), -10);
        assert_eq!(exponent_for_step("1", -8), -2);
        assert_eq!(exponent_for_step("0.0000000000001", -8), -12);
        assert_eq!(exponent_for_step("", -8), -8);
        assert_eq!(exponent_for_step("x", -8), -8);
        assert_eq!(exponent_for_step("100000", -8), -2);
    }
}

/// When the candle of `interval` seconds opened at `open_ms` ends: a month (`1M`, 30 days in
/// `aux`) ends on the first of the next calendar month, 00:00 UTC (a 31-day month's candle is
/// not over after 30 days); any other interval after its length.
fn period_end_ms(open_ms: i64, interval: u32) -> i64 {
    const MONTH: u32 = 2_592_000;
    const DAY_MS: i64 = 86_400_000;
    // beyond year 292 million the calendar is not needed: saturate as before
    if interval == MONTH && (0..i64::MAX / 2).contains(&open_ms) {
        let (y, m, _) = crate::calendar::civil_from_days(open_ms.div_euclid(DAY_MS));
        let (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        return crate::calendar::days_from_civil(y, m, 1) * DAY_MS;
    }
    open_ms.saturating_add(i64::from(interval) * 1000)
}

#[cfg(test)]
mod month_tests {
    use super::period_end_ms;

    #[test]
    fn a_month_candle_ends_with_its_calendar_month() {
        const DAY: i64 = 86_400_000;
        // 2026-01-01 00:00 UTC, a 31-day month: over on 2026-02-01, not after 30 days
        let jan = 1_767_225_600_000;
        assert_eq!(period_end_ms(jan, 2_592_000), jan + 31 * DAY);
        // 2026-02-01: 28 days
        assert_eq!(period_end_ms(jan + 31 * DAY, 2_592_000), jan + 59 * DAY);
        // other intervals: their length; nothing overflows
        assert_eq!(period_end_ms(jan, 3_600), jan + 3_600_000);
        assert_eq!(period_end_ms(i64::MAX - 5, 2_592_000), i64::MAX);
        assert_eq!(period_end_ms(-5, 2_592_000), -5 + 2_592_000_000);
    }
}
