//! Binance wire → normalized events.

use super::wire::{self, BinanceProbe};
use super::{malformed, BinanceParser, DEFAULT_EXPONENTS};
use crate::decimal;
use crate::event::{flags, Event, InstrumentId, Kind, Nanos, Side};
use crate::instrument::Resolved;
use crate::venue::{Control, ParseError};
use serde::Deserialize;
use sonic_rs::JsonValueTrait;

impl BinanceParser {
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

    pub(super) fn trade(
        &mut self,
        p: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let t: wire::BinanceTrade<'_> = sonic_rs::from_str(p).map_err(malformed)?;
        let r = self.symbols.resolve(t.s.as_bytes());
        let mut ev = self.template(r, Kind::Trade, ts_recv);
        ev.seq = t.t;
        ev.ts_exchange = Nanos::from_millis(if t.trade_time != 0 {
            t.trade_time
        } else {
            t.event_time
        })
        .0;
        ev.side = if t.m { Side::Sell } else { Side::Buy } as u8;
        let off_book = t.best_match == Some(false) || t.trade_type.is_some_and(|x| x != "MARKET");
        if off_book {
            ev.flags |= flags::OFF_BOOK;
        }
        ev.v[0] = value(t.p, r.px_exp, r.id, t.t)?;
        ev.v[1] = value(t.q, r.qty_exp, r.id, t.t)?;
        out.push(ev);
        Ok(Control::Data)
    }

    pub(super) fn agg_trade(
        &mut self,
        p: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let t: wire::BinanceAggTrade<'_> = sonic_rs::from_str(p).map_err(malformed)?;
        let r = self.symbols.resolve(t.s.as_bytes());
        let mut ev = self.template(r, Kind::Trade, ts_recv);
        ev.seq = t.a;
        ev.flags |= flags::AGGREGATED;
        ev.ts_exchange = Nanos::from_millis(if t.trade_time != 0 {
            t.trade_time
        } else {
            t.event_time
        })
        .0;
        ev.side = if t.m { Side::Sell } else { Side::Buy } as u8;
        ev.v[0] = value(t.p, r.px_exp, r.id, t.a)?;
        ev.v[1] = value(t.q, r.qty_exp, r.id, t.a)?;
        ev.v[2] = t.f as i64;
        ev.v[3] = t.l as i64;
        out.push(ev);
        Ok(Control::Data)
    }

    pub(super) fn book_ticker(
        &mut self,
        p: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let t: wire::BinanceBookTicker<'_> = sonic_rs::from_str(p).map_err(malformed)?;
        let r = self.symbols.resolve(t.s.as_bytes());
        let mut ev = self.template(r, Kind::Quote, ts_recv);
        ev.seq = t.u;
        ev.ts_exchange = t
            .txn_time
            .or(t.event_time)
            .map_or(0, |ms| Nanos::from_millis(ms).0);
        ev.v[0] = value(t.b, r.px_exp, r.id, t.u)?;
        ev.v[1] = value(t.bid_qty, r.qty_exp, r.id, t.u)?;
        ev.v[2] = value(t.a, r.px_exp, r.id, t.u)?;
        ev.v[3] = value(t.ask_qty, r.qty_exp, r.id, t.u)?;
        out.push(ev);
        Ok(Control::Data)
    }

    pub(super) fn kline(
        &mut self,
        p: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let k: wire::BinanceKlineEvent<'_> = sonic_rs::from_str(p).map_err(malformed)?;
        let r = self.symbols.resolve(k.s.as_bytes());
        let seq = k.k.t as u64;
        let mut ev = self.template(r, Kind::Candle, ts_recv);
        ev.seq = seq;
        ev.ts_exchange = Nanos::from_millis(k.event_time).0;
        ev.aux = interval_seconds(k.k.i)
            .ok_or_else(|| ParseError::Malformed(format!("unknown kline interval {:?}", k.k.i)))?;
        if k.k.x {
            ev.flags |= flags::CLOSED;
        }
        ev.v = [
            value(k.k.o, r.px_exp, r.id, seq)?,
            value(k.k.h, r.px_exp, r.id, seq)?,
            value(k.k.l, r.px_exp, r.id, seq)?,
            value(k.k.c, r.px_exp, r.id, seq)?,
            value(k.k.v, r.qty_exp, r.id, seq)?,
        ];
        out.push(ev);
        Ok(Control::Data)
    }

    /// Diff depth (`top_n == false`) or partial depth (`top_n == true`), or a REST snapshot
    /// (`rest == true` via [`Self::rest`]).
    pub(super) fn depth(
        &mut self,
        p: &str,
        ts_recv: Nanos,
        top_n: bool,
        out: &mut Vec<Event>,
        stream: Option<&str>,
    ) -> Result<Control, ParseError> {
        let h = wire::parse_depth(p, &mut self.scratch).map_err(malformed)?;
        let is_snapshot = top_n || h.e.is_none();
        let r = match h.symbol {
            Some(s) => self.symbols.resolve(s.as_bytes()),
            // spot partial depth carries no symbol: take it from the stream name
            None if top_n && stream.is_some() => {
                let name = stream.unwrap_or_default();
                let sym = &name.as_bytes()[..name.find('@').unwrap_or(name.len())];
                let mut buf = [0u8; 64];
                let n = sym.len().min(buf.len());
                for (d, s) in buf.iter_mut().zip(&sym[..n]) {
                    *d = s.to_ascii_uppercase();
                }
                self.symbols.resolve(&buf[..n])
            }
            None if is_snapshot && !top_n => Resolved {
                id: InstrumentId::NONE,
                px_exp: DEFAULT_EXPONENTS.0,
                qty_exp: DEFAULT_EXPONENTS.1,
            },
            None => {
                return Err(ParseError::Malformed(
                    "depth message without a symbol".into(),
                ))
            }
        };
        self.emit_depth(p, &h, r, ts_recv, top_n, is_snapshot, out)
    }

    #[allow(clippy::too_many_arguments)]
    fn emit_depth(
        &mut self,
        p: &str,
        h: &wire::BinanceDepthHeader<'_>,
        r: Resolved,
        ts_recv: Nanos,
        top_n: bool,
        snapshot: bool,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let (seq, first, prev) = if snapshot {
            let id = h.last_update_id.or(h.final_id).ok_or_else(|| {
                ParseError::Malformed("depth snapshot without lastUpdateId".into())
            })?;
            (id, h.first_id.unwrap_or(id), h.prev_final_id.unwrap_or(-1))
        } else {
            let (Some(first), Some(last)) = (h.first_id, h.final_id) else {
                return Err(ParseError::Malformed("depthUpdate without U/u".into()));
            };
            (last, first, h.prev_final_id.unwrap_or(-1))
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
        tmpl.ts_exchange = h
            .txn_time
            .or(h.event_time)
            .map_or(0, |ms| Nanos::from_millis(ms).0);
        tmpl.v[2] = first as i64;
        tmpl.v[3] = prev;
        let start = out.len();
        let mut index = 0u32;
        for (range, side) in [(h.bids, Side::Buy), (h.asks, Side::Sell)] {
            for span in &self.scratch[range.0..range.1] {
                let px = &p.as_bytes()[span[0] as usize..span[1] as usize];
                let qty = &p.as_bytes()[span[2] as usize..span[3] as usize];
                let mut ev = tmpl;
                ev.side = side as u8;
                ev.aux = index;
                ev.v[0] = decimal::parse(px, r.px_exp).map_err(|error| ParseError::Value {
                    instrument: r.id,
                    seq,
                    error,
                })?;
                ev.v[1] = decimal::parse(qty, r.qty_exp).map_err(|error| ParseError::Value {
                    instrument: r.id,
                    seq,
                    error,
                })?;
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
        let first = body.bytes().find(|c| !c.is_ascii_whitespace());
        match first {
            Some(b'[') => self.rest_array(body, symbol, ts_recv, out),
            Some(b'{') => {
                let probe: BinanceProbe<'_> = sonic_rs::from_str(body).map_err(malformed)?;
                if probe.last_update_id.is_some() {
                    let h = wire::parse_depth(body, &mut self.scratch).map_err(malformed)?;
                    let r = match h.symbol.or(symbol) {
                        Some(s) => self.symbols.resolve(s.as_bytes()),
                        None => Resolved {
                            id: InstrumentId::NONE,
                            px_exp: DEFAULT_EXPONENTS.0,
                            qty_exp: DEFAULT_EXPONENTS.1,
                        },
                    };
                    return self.emit_depth(body, &h, r, ts_recv, false, true, out);
                }
                if let Some(symbols) = &probe.symbols {
                    self.load_exchange_info(symbols.as_raw_str())?;
                    return Ok(Control::Ignored);
                }
                control(&probe)
            }
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
        let items: Vec<sonic_rs::LazyValue<'_>> = sonic_rs::from_str(body).map_err(malformed)?;
        let Some(first) = items.first() else {
            return Ok(Control::Data);
        };
        let symbol = symbol.ok_or_else(|| {
            ParseError::Malformed("REST trades/klines body needs the request's symbol".into())
        })?;
        let r = self.symbols.resolve(symbol.as_bytes());
        if first.is_array() {
            for item in &items {
                let k: wire::BinanceRestKline<'_> =
                    sonic_rs::from_str(item.as_raw_str()).map_err(malformed)?;
                let seq = k.0 as u64;
                let mut ev = self.template(r, Kind::Candle, ts_recv);
                ev.seq = seq;
                ev.ts_exchange = Nanos::from_millis(k.0).0;
                ev.aux = u32::try_from((k.6 + 1 - k.0) / 1000).unwrap_or(0);
                if Nanos::from_millis(k.6) < ts_recv || ts_recv.0 == 0 {
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
        } else if first.get("id").is_some() {
            for item in &items {
                let t: wire::BinanceRestTrade<'_> =
                    sonic_rs::from_str(item.as_raw_str()).map_err(malformed)?;
                let mut ev = self.template(r, Kind::Trade, ts_recv);
                ev.seq = t.id;
                ev.ts_exchange = Nanos::from_millis(t.time).0;
                ev.side = if t.is_buyer_maker {
                    Side::Sell
                } else {
                    Side::Buy
                } as u8;
                if t.is_best_match == Some(false) {
                    ev.flags |= flags::OFF_BOOK;
                }
                ev.v[0] = value(t.price, r.px_exp, r.id, t.id)?;
                ev.v[1] = value(t.qty, r.qty_exp, r.id, t.id)?;
                out.push(ev);
            }
        } else {
            return Ok(Control::Ignored);
        }
        Ok(Control::Data)
    }

    /// Presets exponents from `exchangeInfo` `symbols[]` for instruments not seen yet.
    ///
    /// Binance prints at most 8 decimals, and books keep levels finer than today's tick or step
    /// (ticks change; the corpus' NKNUSDT snapshot holds `0.25511` under a `0.0001` tick), so the
    /// exponent is not the tick's: it is the finest one (down to -8) at which ten times the
    /// instrument's `maxPrice` / `maxQty` still fits an `i64`. Meme coins with sizes of 10^11
    /// get a coarser size exponent; everything else keeps all 8 decimals.
    fn load_exchange_info(&mut self, symbols: &str) -> Result<(), ParseError> {
        #[derive(Deserialize)]
        struct Sym<'a> {
            #[serde(borrow)]
            symbol: &'a str,
            #[serde(borrow, default)]
            filters: Vec<Filter<'a>>,
        }
        #[derive(Deserialize)]
        struct Filter<'a> {
            #[serde(rename = "filterType", borrow)]
            filter_type: &'a str,
            #[serde(rename = "maxPrice", borrow, default)]
            max_price: Option<&'a str>,
            #[serde(rename = "maxQty", borrow, default)]
            max_qty: Option<&'a str>,
        }
        let syms: Vec<Sym<'_>> = sonic_rs::from_str(symbols).map_err(malformed)?;
        for s in syms {
            let (mut px, mut qty) = DEFAULT_EXPONENTS;
            for f in &s.filters {
                match f.filter_type {
                    "PRICE_FILTER" => px = px.max(exponent_for_range(f.max_price)),
                    "LOT_SIZE" | "MARKET_LOT_SIZE" => qty = qty.max(exponent_for_range(f.max_qty)),
                    _ => {}
                }
            }
            self.symbols
                .table()
                .set_exponents(self.venue, s.symbol, px, qty);
        }
        Ok(())
    }
}

/// The finest exponent (≥ -8) at which ten times `max` fits an `i64` mantissa. This chooses a
/// scale; no value is converted through a float.
fn exponent_for_range(max: Option<&str>) -> i8 {
    let Some(max) = max
        .and_then(|m| m.parse::<f64>().ok())
        .filter(|m| m.is_finite() && *m > 0.0)
    else {
        return DEFAULT_EXPONENTS.0;
    };
    let mut exp = DEFAULT_EXPONENTS.0;
    while exp < 18 && max * 10.0 * 10f64.powi(-i32::from(exp)) >= i64::MAX as f64 {
        exp += 1;
    }
    exp
}

/// A control reply: ack, list, error, or something unknown.
pub(super) fn control(probe: &BinanceProbe<'_>) -> Result<Control, ParseError> {
    let id = probe.id.as_ref().and_then(|v| v.as_i64()).unwrap_or(-1);
    if let Some(code) = probe.code {
        let msg = probe
            .msg
            .as_ref()
            .map(|m| m.as_str().unwrap_or(m.as_raw_str()).to_owned())
            .unwrap_or_default();
        return Ok(Control::VenueError { code, msg });
    }
    if let Some(err) = &probe.error {
        let code = err.get("code").and_then(|c| c.as_i64()).unwrap_or(0);
        let msg = err
            .get("msg")
            .and_then(|m| m.as_str().map(str::to_owned))
            .unwrap_or_default();
        return Ok(Control::VenueError { code, msg });
    }
    if let Some(result) = &probe.result {
        if result.is_null() {
            return Ok(Control::Ack { id });
        }
        if result.is_array() {
            let streams: Vec<String> = sonic_rs::from_str(result.as_raw_str()).unwrap_or_default();
            return Ok(Control::SubscriptionList { id, streams });
        }
        return Ok(Control::Ack { id });
    }
    Ok(Control::Ignored)
}

fn value(s: &str, exp: i8, instrument: InstrumentId, seq: u64) -> Result<i64, ParseError> {
    decimal::parse(s.as_bytes(), exp).map_err(|error| ParseError::Value {
        instrument,
        seq,
        error,
    })
}

/// Binance kline interval text to seconds (`1M` counts 30 days).
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
        "M" => 2_592_000,
        _ => return None,
    };
    n.checked_mul(unit)
}
