//! Bitget wire → normalized events (v1 and v2 frames).

use super::wire::{BitgetSymbol, BitgetTickerV2, BitgetTrade};
use super::{market, Api, BitgetParser, DEFAULT_EXPONENTS};
use crate::event::{flags, Event, InstrumentId, Kind, Nanos, Venue};
use crate::instrument::{Resolved, SymbolCache};
use crate::venue::okx::fast::{self, FastData, TradeFields};
use crate::venue::okx::wire::{
    code_of, for_each, for_each_book, malformed, parse_book_object, parse_int, text_of, Int,
    OkxArg, OkxEnvelope, Row,
};
use crate::venue::okx::{
    book_message, book_template, emit_book, interval_of, non_negative, push_candle, push_quote,
    side_of, snapshot_flag, value, BookKind, BookMsg, Closing,
};
use crate::venue::{Control, ParseError};
use sonic_rs::{JsonValueTrait, LazyValue};

/// A value that may be an empty string (an empty side): 0.
fn value_or_zero(s: &str, exp: i8, id: InstrumentId, seq: u64) -> Result<i64, ParseError> {
    if s.is_empty() {
        Ok(0)
    } else {
        value(s, exp, id, seq)
    }
}

/// Exponent for `digits` decimals plus two spare ones (between 10^−12 and 10^0).
fn exponent_for_digits(digits: Option<Int>, default: i8) -> i8 {
    match digits {
        Some(Int(d)) if (0..=18).contains(&d) => (-(d as i32 + 2)).clamp(-12, 0) as i8,
        _ => default,
    }
}

impl BitgetParser {
    fn template(&self, r: Resolved, kind: Kind, ts_recv: Nanos) -> Event {
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
            return match event {
                "subscribe" | "unsubscribe" | "login" => Ok(Control::Ack { id: -1 }),
                "error" => Ok(Control::VenueError {
                    code: env.code.as_ref().map_or(0, code_of),
                    msg: env.msg.as_ref().map(text_of).unwrap_or_default(),
                }),
                _ => self.ignore("event not handled"),
            };
        }
        if env.table.is_some() {
            return self.ignore("Bitget API before 2022-04-29 (`table` frames): not read");
        }
        let (Some(arg), Some(data)) = (env.arg, env.data.as_ref()) else {
            return self.ignore("not a Bitget data or control frame");
        };
        let inst_type = arg
            .inst_type
            .ok_or_else(|| ParseError::Malformed("`arg` without instType".into()))?;
        let Some((venue, api)) = market(inst_type) else {
            return self.ignore("instType of a market this parser does not read");
        };
        if venue != self.venue {
            return self.ignore(if self.venue == Venue::Bitget {
                "a futures frame on the spot parser (the other Bitget market)"
            } else {
                "a spot frame on the futures parser (the other Bitget market)"
            });
        }
        let Some(channel) = arg.channel else {
            return Err(ParseError::Malformed("`arg` without a channel".into()));
        };
        let data = data.as_raw_str();
        let pushed = env.ts.map(|t| t.0);
        if let Some(kind) = book_kind(channel) {
            return self.books(arg, env.action, data, kind, ts_recv, out);
        }
        match channel {
            "books1" => self.bbo(arg, data, ts_recv, out),
            "trade" => self.trades(arg.inst_id, data, ts_recv, out),
            "ticker" if api == Api::V2 => self.ticker(arg, data, ts_recv, out),
            "ticker" => self
                .ignore("v1 ticker: no sizes, and spot bestBid/bestAsk are rounded to 6 decimals"),
            c if c.starts_with("candle") => self.candles(arg, &c[6..], data, pushed, ts_recv, out),
            _ => self.ignore("channel not handled"),
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
        let r = self.resolve(&arg, None)?;
        let venue = self.venue;
        let n = for_each_book(data, &mut self.scratch, |h, spans| {
            book_message(venue, r, h, spans, data, kind, snapshot, ts_recv, out)
        })?;
        if n == 0 {
            return Err(ParseError::Malformed("book frame with empty data".into()));
        }
        Ok(Control::Data)
    }

    /// The fast path for book and trade frames of this parser's market in Bitget's compact
    /// form (see `okx::fast`).
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
        let (venue, _) = market(fr.arg.inst_type?)?;
        if venue != self.venue {
            return None;
        }
        let channel = fr.arg.channel?;
        let r = match fr.data {
            FastData::Book(h) if channel == "books1" => (|| {
                let r = self.resolve(&fr.arg, None)?;
                let tmpl = self.template(r, Kind::Quote, ts_recv);
                push_quote(out, tmpl, r, &h, &self.scratch, f)?;
                Ok(Control::Data)
            })(),
            FastData::Book(h) => {
                let kind = book_kind(channel)?;
                (|| {
                    let snapshot = snapshot_flag(kind, fr.action)?;
                    let r = self.resolve(&fr.arg, None)?;
                    book_message(venue, r, &h, &self.scratch, f, kind, snapshot, ts_recv, out)?;
                    Ok(Control::Data)
                })()
            }
            FastData::Trades if channel == "trade" => (|| {
                let start = out.len();
                for t in &self.trades {
                    let t = t.fields(f).ok_or_else(|| {
                        ParseError::Malformed("trade text outside the frame".into())
                    })?;
                    push_bitget_trade(out, &mut self.symbols, venue, fr.arg.inst_id, t, ts_recv)?;
                }
                number_v1_trades(&mut self.trade_ms, &mut out[start..]);
                Ok(Control::Data)
            })(),
            _ => return None,
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
            return Err(ParseError::Malformed("books1 frame with empty data".into()));
        }
        Ok(Control::Data)
    }

    fn trades(
        &mut self,
        inst: Option<&str>,
        data: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let venue = self.venue;
        let symbols = &mut self.symbols;
        let start = out.len();
        for_each(data, |t: BitgetTrade<'_>| {
            let fields = match &t {
                BitgetTrade::V1(row) => {
                    if row.len() != 4 {
                        return Err(ParseError::Malformed(format!(
                            "v1 trade row of {} elements",
                            row.len()
                        )));
                    }
                    let f = |i: usize| row.get(i).unwrap_or_default();
                    TradeFields {
                        inst: None,
                        id: None,
                        px: f(1),
                        sz: f(2),
                        side: f(3),
                        ts: parse_int(f(0).as_bytes()).ok_or_else(|| {
                            ParseError::Malformed("trade time is not an integer".into())
                        })?,
                        count: None,
                    }
                }
                BitgetTrade::V2(t) => TradeFields {
                    inst: t.symbol,
                    id: Some(t.trade_id.0),
                    px: t.price,
                    sz: t.size,
                    side: t.side,
                    ts: t.ts.0,
                    count: None,
                },
            };
            push_bitget_trade(out, symbols, venue, inst, fields, ts_recv)
        })?;
        number_v1_trades(&mut self.trade_ms, &mut out[start..]);
        Ok(Control::Data)
    }

    fn ticker(
        &mut self,
        arg: OkxArg<'_>,
        data: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let venue = self.venue as u16;
        let symbols = &mut self.symbols;
        for_each(data, |t: BitgetTickerV2<'_>| {
            let name = t
                .inst_id
                .or(arg.inst_id)
                .ok_or_else(|| ParseError::Malformed("ticker without instId".into()))?;
            let r = symbols.resolve(name.as_bytes());
            let seq = non_negative(t.ts.0, "ts")?;
            out.push(Event {
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
            });
            Ok(())
        })?;
        Ok(Control::Data)
    }

    fn candles(
        &mut self,
        arg: OkxArg<'_>,
        bar: &str,
        data: &str,
        pushed: Option<i64>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let interval = crate::venue::okx::bar_seconds(bar)
            .ok_or_else(|| ParseError::Malformed(format!("unknown candle bar {bar:?}")))?;
        let r = self.resolve(&arg, None)?;
        let tmpl = self.template(r, Kind::Candle, ts_recv);
        // no closed flag on the wire: an older row than the newest of the message is final
        let mut newest = None;
        for_each(data, |row: Row<'_>| {
            if let Some(t) = row.get(0).and_then(|t| parse_int(t.as_bytes())) {
                newest = newest.max(Some(t));
            }
            Ok(())
        })?;
        let closing = Closing {
            confirm_at: None,
            newest,
            pushed,
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
        if env.table.is_some() {
            return self.ignore("Bitget API before 2022-04-29 (`table` bodies): not read");
        }
        if let Some(code) = &env.code {
            let ok = code.as_str() == Some("00000") || code.as_i64() == Some(0);
            if !ok {
                return Ok(Control::VenueError {
                    code: code_of(code),
                    msg: env.msg.as_ref().map(text_of).unwrap_or_default(),
                });
            }
        }
        let Some(data) = env.data.as_ref() else {
            return self.ignore("REST body without data");
        };
        let resolved = |this: &mut Self| match symbol {
            Some(s) => this.symbols.resolve(s.as_bytes()),
            None => Resolved {
                id: InstrumentId::NONE,
                px_exp: DEFAULT_EXPONENTS.0,
                qty_exp: DEFAULT_EXPONENTS.1,
            },
        };
        if data.is_object() {
            if data.get("asks").is_none() {
                return self.ignore("REST body not handled (open interest, …)");
            }
            let text = data.as_raw_str();
            let h = parse_book_object(text, &mut self.scratch)?;
            let r = resolved(self);
            let mut tmpl = book_template(self.venue, r, &h, BookKind::Diffs(-1), true, ts_recv)?;
            tmpl.v[2] = -1;
            let msg = BookMsg {
                text,
                spans: &self.scratch,
                bids: h.bids,
                asks: h.asks,
                checksum: None,
            };
            emit_book(out, tmpl, r, &msg)?;
            return Ok(Control::Data);
        }
        let text = data.as_raw_str();
        let items: Vec<LazyValue<'_>> = sonic_rs::from_str(text).map_err(malformed)?;
        let Some(first) = items.first() else {
            return self.ignore("REST body with empty data");
        };
        if first.is_array() {
            let name = symbol.ok_or_else(|| {
                ParseError::Malformed("REST candles body needs the request's symbol".into())
            })?;
            let r = self.symbols.resolve(name.as_bytes());
            let tmpl = self.template(r, Kind::Candle, ts_recv);
            let rows: Vec<Row<'_>> = items
                .iter()
                .map(|i| sonic_rs::from_str::<Row<'_>>(i.as_raw_str()).map_err(malformed))
                .collect::<Result<_, _>>()?;
            let closing = Closing {
                confirm_at: None,
                newest: rows
                    .iter()
                    .filter_map(|r| r.get(0).and_then(|t| parse_int(t.as_bytes())))
                    .max(),
                pushed: (ts_recv.0 > 0).then_some(ts_recv.0 / 1_000_000),
            };
            let interval = interval_of(&rows);
            for row in &rows {
                push_candle(out, tmpl, r, interval, row, closing)?;
            }
            return Ok(Control::Data);
        }
        if first.get("tradeId").is_some() {
            return self.trades(symbol, text, ts_recv, out);
        }
        if first.get("priceScale").is_some()
            || first.get("pricePlace").is_some()
            || first.get("pricePrecision").is_some()
        {
            self.load_symbols(text)?;
            return self.ignore("symbol metadata (exponents preset)");
        }
        self.ignore("REST body not handled")
    }

    /// Presets exponents from v1 `products` (spot: `priceScale`/`quantityScale`), v1/v2
    /// `contracts` (`pricePlace`/`volumePlace`) and v2 spot `symbols`
    /// (`pricePrecision`/`quantityPrecision`), for instruments not seen yet: the venue's digits
    /// plus two spare ones. v1 names carry a market suffix (`BTCUSDT_SPBL`, `BTCUSDT_UMCBL`)
    /// that the WebSocket `instId` does not: it is cut. Contracts preset the futures venue,
    /// spot symbols the spot venue, whichever parser reads them.
    fn load_symbols(&mut self, data: &str) -> Result<(), ParseError> {
        let table = self.symbols.table().clone();
        for_each(data, |s: BitgetSymbol<'_>| {
            let name = s
                .symbol_name
                .unwrap_or_else(|| s.symbol.split('_').next().unwrap_or(s.symbol));
            let (venue, px, qty) = if s.price_place.is_some() || s.volume_place.is_some() {
                if s.product_type
                    .is_some_and(|p| !p.eq_ignore_ascii_case("USDT-FUTURES"))
                {
                    return Ok(());
                }
                (Venue::BitgetFutures, s.price_place, s.volume_place)
            } else if s.price_scale.is_some() || s.quantity_scale.is_some() {
                (Venue::Bitget, s.price_scale, s.quantity_scale)
            } else {
                (Venue::Bitget, s.price_precision, s.quantity_precision)
            };
            table.set_exponents(
                venue,
                name,
                exponent_for_digits(px, DEFAULT_EXPONENTS.0),
                exponent_for_digits(qty, DEFAULT_EXPONENTS.1),
            );
            Ok(())
        })?;
        Ok(())
    }
}

/// The Bitget book channels.
fn book_kind(channel: &str) -> Option<BookKind> {
    Some(match channel {
        // `books` keeps every level: no depth to truncate to
        "books" => BookKind::Diffs(-1),
        "books5" | "books15" => BookKind::TopN,
        _ => return None,
    })
}

/// `seq` of a v1 trade until [`number_v1_trades`] numbers it.
const V1_UNNUMBERED: u64 = u64::MAX;

/// One trade; a v1 row (no id) gets its `seq` from [`number_v1_trades`] once the whole frame
/// has parsed (a value error reports ts × 1000).
fn push_bitget_trade(
    out: &mut Vec<Event>,
    symbols: &mut SymbolCache,
    venue: Venue,
    inst: Option<&str>,
    t: TradeFields<'_>,
    ts_recv: Nanos,
) -> Result<(), ParseError> {
    let name = t
        .inst
        .or(inst)
        .ok_or_else(|| ParseError::Malformed("trade without instId".into()))?;
    let r = symbols.resolve(name.as_bytes());
    let ms = non_negative(t.ts, "trade time")?;
    let (seq, reported) = match t.id {
        Some(id) => {
            let id = non_negative(id, "tradeId")?;
            (id, id)
        }
        None => (V1_UNNUMBERED, ms.saturating_mul(1000)),
    };
    out.push(Event {
        ts_recv: ts_recv.0,
        venue: venue as u16,
        instrument: r.id.0,
        kind: Kind::Trade as u8,
        px_exp: r.px_exp,
        qty_exp: r.qty_exp,
        flags: flags::FIRST | flags::LAST,
        seq,
        ts_exchange: Nanos::from_millis(t.ts).0,
        side: side_of(t.side)? as u8,
        v: [
            value(t.px, r.px_exp, r.id, reported)?,
            value(t.sz, r.qty_exp, r.id, reported)?,
            0,
            0,
            0,
        ],
        ..Event::default()
    });
    Ok(())
}

/// v1 rows carry no id: `seq` = ts (ms) × 1000 + how many trades of the same instrument and
/// millisecond this parser saw just before (`trade_ms[instrument]` = (last ms, that count)).
fn number_v1_trades(trade_ms: &mut Vec<(i64, u32)>, events: &mut [Event]) {
    for ev in events.iter_mut().filter(|e| e.seq == V1_UNNUMBERED) {
        let ms = ev.ts_exchange / 1_000_000;
        let i = ev.instrument as usize;
        if trade_ms.len() <= i {
            trade_ms.resize(i + 1, (-1, 0));
        }
        let (last, n) = &mut trade_ms[i];
        if *last == ms {
            *n = (*n + 1).min(999);
        } else {
            *last = ms;
            *n = 0;
        }
        ev.seq = (ms as u64)
            .saturating_mul(1000)
            .saturating_add(u64::from(*n));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_give_exponents_with_spare_digits() {
        assert_eq!(exponent_for_digits(Some(Int(4)), -8), -6);
        assert_eq!(exponent_for_digits(Some(Int(0)), -8), -2);
        assert_eq!(exponent_for_digits(Some(Int(11)), -8), -12);
        assert_eq!(exponent_for_digits(Some(Int(-1)), -8), -8);
        assert_eq!(exponent_for_digits(None, -8), -8);
    }
}
