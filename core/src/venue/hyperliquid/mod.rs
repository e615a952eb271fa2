//! Hyperliquid public market data (perpetuals; spot coins `@N` / `PURR/USDC` parse the same).
//!
//! * `wire`: borrowed views of the JSON frames and `POST /info` bodies.
//! * `fast`: scanner fast paths for `l2Book` and `trades`, same events as the general path.
//! * `subscribe`: endpoint, limits, control frames and [`Protocol`](crate::venue::Protocol).
//!
//! REST (`POST /info` bodies, `parse_rest`): `l2Book` as a top-N snapshot, `recentTrades`,
//! `candleSnapshot` (closed once their close time has passed), `meta`/`spotMeta` ignored, a JSON
//! string is a venue error.
//!
//! What each channel becomes:
//!
//! | channel | events |
//! |---|---|
//! | `l2Book` | a full book on every push (≤ 20 levels per side): book levels flagged `SNAPSHOT`+`TOP_N`, `seq` = `v[2]` = `time` (there is no sequence number), `v[3]` = -1; the book is replaced each time, nothing to chain, no gap to detect |
//! | `trades` | trades: `side` is the aggressor (`B` = the taker bought, `A` = the taker sold: it hit the bid; the capture agrees: every trade after the first book is a buy at or above the best ask or a sell at or below the best bid), `seq` = `tid` (random, not increasing: the dedupe window recognises only recent repeats of the highest id) |
//! | `bbo` | a quote, `seq` = `time`; a `null` side is 0 / 0 |
//! | `candle` | a candle, `seq` = open time `t`, `aux` = interval (s); Hyperliquid has no closed flag (a candle is final when one with a later `t` arrives), so none is set, and no event time (`ts_exchange` = 0) |
//! | `subscriptionResponse` | ack (id -1: requests carry none) |
//! | `pong` | heartbeat |
//! | `error` | venue error (code 0) |
//! | anything else (`allMids`, `activeAssetCtx`, `post`, the `Websocket connection established.` greeting) | ignored, counted |
//!
//! Exponents default to (-8, -8): Hyperliquid prices have at most 5 significant figures and
//! 6 (perps) or 8 (spot) decimals, sizes at most `szDecimals` ≤ 8 decimals.

mod fast;
pub mod subscribe;
pub mod wire;

pub use subscribe::{HyperliquidProtocol, PROTOCOL};

use crate::decimal;
use crate::event::{book_text, flags, Event, Kind, Nanos, Side, Venue};
use crate::instrument::{Instruments, Resolved, SymbolCache};
use crate::venue::bybit::wire::for_each;
use crate::venue::bybit::{is_object, malformed, mark_runs, value, written_digits};
use crate::venue::{check_nesting, text, Control, FrameParser, ParseError, ParseStats};
use sonic_rs::JsonValueTrait;
use std::sync::Arc;
use wire::{HlBbo, HlCandle, HlEnvelope, HlRestProbe, HlTrade, LevelSpan};

/// Default exponents (price, size).
pub const DEFAULT_EXPONENTS: (i8, i8) = (-8, -8);

/// The text some servers send right after the handshake.
pub const GREETING: &str = "Websocket connection established.";

/// The Hyperliquid frame parser (one per connection or shard).
#[derive(Debug)]
pub struct HyperliquidParser {
    symbols: SymbolCache,
    scratch: Vec<LevelSpan>,
    stats: ParseStats,
    fast: bool,
    fast_hits: u64,
}

fn template(r: Resolved, kind: Kind, ts_recv: Nanos) -> Event {
    Event {
        ts_recv: ts_recv.0,
        venue: Venue::Hyperliquid as u16,
        instrument: r.id.0,
        kind: kind as u8,
        px_exp: r.px_exp,
        qty_exp: r.qty_exp,
        ..Event::default()
    }
}

fn ms(t: i64) -> i64 {
    Nanos::from_millis(t).0
}

/// Hyperliquid candle interval (`1m`, `15m`, `1h`, `8h`, `1d`, `3d`, `1w`, `1M` = 30 days) to
/// seconds.
pub fn interval_seconds(i: &str) -> Option<u32> {
    // a venue's text: a multi-byte last character must not split (it would panic)
    if !i.is_ascii() {
        return None;
    }
    let (n, unit) = i.split_at(i.len().checked_sub(1)?);
    if n.is_empty() || n.len() > 3 || !n.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: u32 = n.parse().ok().filter(|n| *n > 0)?;
    let unit = match unit {
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        "M" => 2_592_000,
        _ => return None,
    };
    n.checked_mul(unit)
}

/// The aggressor side of a trade: `B` bought (taker buy), `A` sold (taker sell).
pub fn aggressor(side: &str) -> Side {
    match side {
        "B" => Side::Buy,
        "A" => Side::Sell,
        _ => Side::None,
    }
}

/// One trade element → a trade event (no `FIRST`/`LAST`: see [`mark_runs`]).
fn push_trade(
    symbols: &mut SymbolCache,
    t: &HlTrade<'_>,
    ts_recv: Nanos,
    out: &mut Vec<Event>,
) -> Result<(), ParseError> {
    let r = symbols.resolve(t.coin.as_bytes());
    let mut ev = template(r, Kind::Trade, ts_recv);
    ev.seq = t.tid;
    ev.ts_exchange = ms(t.time);
    ev.side = aggressor(t.side) as u8;
    ev.v[0] = value(t.px, r.px_exp, r.id, t.tid)?;
    ev.v[1] = value(t.sz, r.qty_exp, r.id, t.tid)?;
    out.push(ev);
    Ok(())
}

impl HyperliquidParser {
    /// A parser over a shared instrument table.
    pub fn new(instruments: Arc<Instruments>) -> Self {
        HyperliquidParser {
            symbols: SymbolCache::new(Venue::Hyperliquid, instruments, DEFAULT_EXPONENTS),
            scratch: Vec::with_capacity(64),
            stats: ParseStats::default(),
            fast: true,
            fast_hits: 0,
        }
    }

    /// Turns the fast paths for `l2Book` and `trades` on (the default) or off (every frame
    /// through the general sonic-rs path; tests compare the two).
    pub fn set_fast_paths(&mut self, on: bool) {
        self.fast = on;
    }

    /// Frames the fast paths handled.
    pub fn fast_hits(&self) -> u64 {
        self.fast_hits
    }

    fn frame(
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
            if f.trim() == GREETING {
                return Ok(Control::Ignored);
            }
            return Err(ParseError::Malformed("not a JSON object".into()));
        }
        check_nesting(f.as_bytes())?;
        let env: HlEnvelope<'_> = sonic_rs::from_str(f).map_err(malformed)?;
        let Some(channel) = env.channel else {
            return Ok(Control::Ignored);
        };
        let data = env.data.as_ref().map(|d| d.as_raw_str());
        if matches!(channel, "l2Book" | "trades" | "bbo" | "candle") && data.is_none() {
            return Err(ParseError::Malformed(format!("{channel} without data")));
        }
        let data = data.unwrap_or_default();
        match channel {
            "l2Book" => self.book(data, ts_recv, out),
            "trades" => self.trades(data, ts_recv, out),
            "bbo" => self.bbo(data, ts_recv, out),
            "candle" => self.candles(data, ts_recv, out),
            "subscriptionResponse" => Ok(Control::Ack { id: -1 }),
            "pong" => Ok(Control::Heartbeat),
            "error" => Ok(Control::VenueError {
                code: 0,
                msg: env
                    .data
                    .as_ref()
                    .map(|m| m.as_str().unwrap_or(m.as_raw_str()).to_owned())
                    .unwrap_or_default(),
            }),
            _ => Ok(Control::Ignored),
        }
    }

    /// `l2Book` (WebSocket data or `POST /info` body): a top-N snapshot.
    fn book(
        &mut self,
        data: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let h = wire::parse_book(data, &mut self.scratch).map_err(malformed)?;
        self.emit_book(data, &h, ts_recv, out)
    }

    /// An `l2Book` whose levels are spans of `data` in the scratch (per `h`).
    fn emit_book(
        &mut self,
        data: &str,
        h: &wire::HlBookHeader<'_>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let (Some(coin), Some(time), true) = (h.coin, h.time, h.has_levels) else {
            return Err(ParseError::Malformed(
                "l2Book without coin, time or levels".into(),
            ));
        };
        let r = self.symbols.resolve(coin.as_bytes());
        let seq = time as u64;
        let mut tmpl = template(r, Kind::BookLevel, ts_recv);
        tmpl.flags = flags::SNAPSHOT | flags::TOP_N;
        tmpl.seq = seq;
        tmpl.ts_exchange = ms(time);
        tmpl.v[2] = time;
        tmpl.v[3] = -1;
        let start = out.len();
        let b = data.as_bytes();
        let mut index = 0u32;
        for (range, side) in [(h.bids, Side::Buy), (h.asks, Side::Sell)] {
            for span in &self.scratch[range.0..range.1] {
                let px = &b[span[0] as usize..span[1] as usize];
                let sz = &b[span[2] as usize..span[3] as usize];
                let err = |error| ParseError::Value {
                    instrument: r.id,
                    seq,
                    error,
                };
                let mut ev = tmpl;
                ev.side = side as u8;
                ev.aux = index;
                ev.v[0] = decimal::parse(px, r.px_exp).map_err(err)?;
                ev.v[1] = decimal::parse(sz, r.qty_exp).map_err(err)?;
                ev.v[4] = book_text(written_digits(px), written_digits(sz));
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

    fn trades(
        &mut self,
        data: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let start = out.len();
        let symbols = &mut self.symbols;
        for_each::<HlTrade<'_>>(data, |t| push_trade(symbols, &t, ts_recv, out))?;
        mark_runs(out, start);
        Ok(Control::Data)
    }

    fn bbo(
        &mut self,
        data: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        if !is_object(data) {
            return Err(ParseError::Malformed("bbo data is not an object".into()));
        }
        let q: HlBbo<'_> = sonic_rs::from_str(data).map_err(malformed)?;
        let r = self.symbols.resolve(q.coin.as_bytes());
        let seq = q.time as u64;
        let mut ev = template(r, Kind::Quote, ts_recv);
        ev.flags = flags::FIRST | flags::LAST;
        ev.seq = seq;
        ev.ts_exchange = ms(q.time);
        for (k, level) in [(0, q.bbo.0), (2, q.bbo.1)] {
            if let Some(l) = level {
                ev.v[k] = value(l.px, r.px_exp, r.id, seq)?;
                ev.v[k + 1] = value(l.sz, r.qty_exp, r.id, seq)?;
            }
        }
        out.push(ev);
        Ok(Control::Data)
    }

    /// `candle`: one object per push (an array of them is read too).
    fn candles(
        &mut self,
        data: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let start = out.len();
        if is_object(data) {
            let c: HlCandle<'_> = sonic_rs::from_str(data).map_err(malformed)?;
            self.candle(&c, ts_recv, false, out)?;
        } else {
            // candle arrays come from REST (rare): collecting them is fine
            let cs: Vec<HlCandle<'_>> = sonic_rs::from_str(data).map_err(malformed)?;
            for c in &cs {
                self.candle(c, ts_recv, false, out)?;
            }
        }
        mark_runs(out, start);
        Ok(Control::Data)
    }

    fn candle(
        &mut self,
        c: &HlCandle<'_>,
        ts_recv: Nanos,
        rest: bool,
        out: &mut Vec<Event>,
    ) -> Result<(), ParseError> {
        let r = self.symbols.resolve(c.s.as_bytes());
        let seq = c.t as u64;
        let mut ev = template(r, Kind::Candle, ts_recv);
        ev.seq = seq;
        ev.aux = interval_seconds(c.i)
            .ok_or_else(|| ParseError::Malformed(format!("unknown candle interval {:?}", c.i)))?;
        // REST history: a candle whose close time has passed is final
        if rest && (ts_recv.0 == 0 || Nanos::from_millis(c.close_time) < ts_recv) {
            ev.flags |= flags::CLOSED;
        }
        ev.v = [
            value(c.o, r.px_exp, r.id, seq)?,
            value(c.h, r.px_exp, r.id, seq)?,
            value(c.l, r.px_exp, r.id, seq)?,
            value(c.c, r.px_exp, r.id, seq)?,
            value(c.v, r.qty_exp, r.id, seq)?,
        ];
        out.push(ev);
        Ok(())
    }

    /// A `POST /info` body: `l2Book`, `recentTrades`, `candleSnapshot`, `meta`…
    fn rest(
        &mut self,
        body: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        check_nesting(body.as_bytes())?;
        let first = body.bytes().find(|c| !c.is_ascii_whitespace());
        match first {
            Some(b'{') => {
                let probe: HlRestProbe<'_> = sonic_rs::from_str(body).map_err(malformed)?;
                if probe.levels.is_some() {
                    return self.book(body, ts_recv, out);
                }
                Ok(Control::Ignored)
            }
            Some(b'[') => {
                let items: Vec<sonic_rs::LazyValue<'_>> =
                    sonic_rs::from_str(body).map_err(malformed)?;
                let Some(first) = items.first() else {
                    return Ok(Control::Data);
                };
                if first.get("tid").is_some() {
                    return self.trades(body, ts_recv, out);
                }
                if first.get("t").is_some() && first.get("o").is_some() {
                    let start = out.len();
                    for item in &items {
                        let c: HlCandle<'_> =
                            sonic_rs::from_str(item.as_raw_str()).map_err(malformed)?;
                        self.candle(&c, ts_recv, true, out)?;
                    }
                    mark_runs(out, start);
                    return Ok(Control::Data);
                }
                Ok(Control::Ignored)
            }
            Some(b'"') => {
                // an error answer as a JSON string
                let msg: String = sonic_rs::from_str(body).map_err(malformed)?;
                Ok(Control::VenueError { code: 0, msg })
            }
            Some(b'n') if body.trim() == "null" => Ok(Control::Ignored),
            _ => Err(ParseError::Malformed(
                "REST body is not JSON of a known shape".into(),
            )),
        }
    }
}

impl FrameParser for HyperliquidParser {
    fn venue(&self) -> Venue {
        Venue::Hyperliquid
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

    /// `symbol` is not needed: every Hyperliquid body names its coin.
    fn parse_rest(
        &mut self,
        body: &[u8],
        _symbol: Option<&str>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let before = out.len();
        let result = text(body).and_then(|b| self.rest(b, ts_recv, out));
        self.stats.account(result, before, out)
    }

    fn stats(&self) -> ParseStats {
        self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_and_sides() {
        assert_eq!(interval_seconds("1m"), Some(60));
        assert_eq!(interval_seconds("15m"), Some(900));
        assert_eq!(interval_seconds("8h"), Some(28_800));
        assert_eq!(interval_seconds("3d"), Some(259_200));
        assert_eq!(interval_seconds("1w"), Some(604_800));
        assert_eq!(interval_seconds("1M"), Some(2_592_000));
        for bad in ["", "m", "1", "0m", "1x", "-1m", "1000000m"] {
            assert_eq!(interval_seconds(bad), None, "{bad}");
        }
        assert_eq!(aggressor("B"), Side::Buy);
        assert_eq!(aggressor("A"), Side::Sell);
        assert_eq!(aggressor("X"), Side::None);
    }
}
