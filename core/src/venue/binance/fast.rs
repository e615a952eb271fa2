//! Fast paths for Binance's hot messages (trade, aggTrade, bookTicker, depthUpdate) in the
//! compact form Binance sends. Each returns `None` when the frame is anything else (whitespace,
//! escapes, an unknown key, a missing field), and the caller falls back to the general sonic-rs
//! path; each produces exactly the events the general path produces (a test checks this on
//! every corpus frame).

use super::BinanceParser;
use crate::decimal;
use crate::event::{flags, Event, Kind, Nanos, Side};
use crate::venue::scan::{Next, Scanner};
use crate::venue::{Control, ParseError};

type Fast = Option<Result<Control, ParseError>>;

/// A trade's fields as read from a frame, before conversion errors are reported.
struct TradeFields {
    r: crate::instrument::Resolved,
    id: u64,
    px: Result<i64, decimal::DecimalError>,
    qty: Result<i64, decimal::DecimalError>,
    maker: bool,
    off_book: bool,
    /// Trade time, else event time (ms).
    time: i64,
    /// aggTrade's first and last trade ids.
    range: Option<(u64, u64)>,
}

/// A quoted decimal at `exp`, in one pass when plain, else through the exact parser.
#[inline(always)]
fn quoted_decimal(sc: &mut Scanner<'_>, exp: i8) -> Option<Result<i64, decimal::DecimalError>> {
    match sc.quoted_decimal(exp) {
        Some(v) => Some(v),
        None => Some(decimal::parse(sc.string()?, exp)),
    }
}

/// `i` past `lit` when `b[i..]` starts with it.
#[inline(always)]
fn after(b: &[u8], i: usize, lit: &[u8]) -> Option<usize> {
    (b.get(i..i + lit.len())? == lit).then_some(i + lit.len())
}

/// One side's levels, `[["px","qty"],...]` at `b[i]`, appended to `out` as copies of `tmpl`
/// (numbered from `index`); the index just past the closing `]`. Levels in the usual form take
/// the one-pass reader, others the general one (same values). `None` on any other shape and
/// on a value that does not convert: the general path reports it (it may hide bytes that are
/// not UTF-8, and then the frame is what is reported, not the value).
#[inline(always)]
fn depth_side(
    b: &[u8],
    i: usize,
    tmpl: &Event,
    out: &mut Vec<Event>,
    index: &mut u32,
) -> Option<usize> {
    let mut i = after(b, i, b"[")?;
    if b.get(i) == Some(&b']') {
        return Some(i + 1);
    }
    // exponents outside -10..=0 never take the one-pass reader
    let kp = usize::try_from(-i32::from(tmpl.px_exp)).unwrap_or(usize::MAX);
    let kq = usize::try_from(-i32::from(tmpl.qty_exp)).unwrap_or(usize::MAX);
    let mut memo = decimal::LevelMemo::default();
    loop {
        let (px, qty, end) = match decimal::quoted_level(b, i, kp, kq, &mut memo) {
            Some((px, qty, next, end)) => {
                i = next;
                (px, qty, end)
            }
            None => {
                let mut sc = Scanner::at(b, i);
                let (level, end) = sc.decimal_level(tmpl.px_exp, tmpl.qty_exp)?;
                i = sc.pos();
                let (px, qty) = level.ok()?;
                (px, qty, end)
            }
        };
        let mut ev = *tmpl;
        ev.aux = *index;
        ev.v[0] = px;
        ev.v[1] = qty;
        out.push(ev);
        *index += 1;
        if end {
            return Some(i);
        }
    }
}

impl BinanceParser {
    /// Spot `trade` and `aggTrade` in the exact key order Binance sends them, read as fixed
    /// literals between the values; `None` at the first difference (the key-by-key path then
    /// reads the frame). Same events as [`BinanceParser::fast_trade`].
    #[inline(always)]
    fn fast_trade_layout(
        &mut self,
        p: &str,
        ts_recv: Nanos,
        agg: bool,
        out: &mut Vec<Event>,
    ) -> Fast {
        let mut sc = Scanner::new(p.as_bytes());
        sc.literal(if agg {
            b"{\"e\":\"aggTrade\",\"E\":"
        } else {
            b"{\"e\":\"trade\",\"E\":"
        })?;
        let event_time = sc.int()?;
        sc.literal(b",\"s\":")?;
        let r = self.symbols.resolve(sc.string()?);
        sc.literal(if agg { b",\"a\":" } else { b",\"t\":" })?;
        let id = sc.uint()?;
        sc.literal(b",\"p\":")?;
        let px = quoted_decimal(&mut sc, r.px_exp)?;
        sc.literal(b",\"q\":")?;
        let qty = quoted_decimal(&mut sc, r.qty_exp)?;
        let range = if agg {
            sc.literal(b",\"f\":")?;
            let first = sc.uint()?;
            sc.literal(b",\"l\":")?;
            Some((first, sc.uint()?))
        } else {
            None
        };
        sc.literal(b",\"T\":")?;
        let trade_time = sc.int()?;
        sc.literal(b",\"m\":")?;
        let maker = sc.boolean()?;
        sc.literal(b",\"M\":")?;
        let best_match = sc.boolean()?;
        sc.literal(b"}")?;
        sc.finish()?;
        Some(self.trade_event(
            TradeFields {
                r,
                id,
                px,
                qty,
                maker,
                off_book: !best_match,
                time: if trade_time != 0 {
                    trade_time
                } else {
                    event_time
                },
                range,
            },
            ts_recv,
            out,
        ))
    }

    /// One trade event from fields read by either fast path.
    #[inline(always)]
    fn trade_event(
        &mut self,
        t: TradeFields,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let mut ev = self.template(t.r, Kind::Trade, ts_recv);
        ev.seq = t.id;
        ev.ts_exchange = Nanos::from_millis(t.time).0;
        ev.side = if t.maker { Side::Sell } else { Side::Buy } as u8;
        if t.off_book {
            ev.flags |= flags::OFF_BOOK;
        }
        if let Some((first, last)) = t.range {
            ev.flags |= flags::AGGREGATED;
            ev.v[2] = first as i64;
            ev.v[3] = last as i64;
        }
        let value = |v: Result<i64, decimal::DecimalError>| {
            v.map_err(|error| ParseError::Value {
                instrument: t.r.id,
                seq: t.id,
                error,
            })
        };
        ev.v[0] = value(t.px)?;
        ev.v[1] = value(t.qty)?;
        out.push(ev);
        Ok(Control::Data)
    }

    /// `trade` (`agg == false`) or `aggTrade` (`agg == true`).
    pub(super) fn fast_trade(
        &mut self,
        p: &str,
        ts_recv: Nanos,
        agg: bool,
        out: &mut Vec<Event>,
    ) -> Fast {
        if let Some(r) = self.fast_trade_layout(p, ts_recv, agg, out) {
            return Some(r);
        }
        let mut sc = Scanner::new(p.as_bytes());
        sc.byte(b'{')?;
        let (mut r, mut id, mut px, mut qty, mut maker) = (None, None, None, None, None);
        let (mut event_time, mut trade_time, mut first, mut last) = (0i64, 0i64, None, None);
        let mut off_book = false;
        loop {
            match sc.key()? {
                [b'e'] => {
                    if sc.string()? != if agg { &b"aggTrade"[..] } else { b"trade" } {
                        return None;
                    }
                }
                [b'E'] => event_time = sc.int()?,
                [b'T'] => trade_time = sc.int()?,
                [b's'] => r = Some(self.symbols.resolve(sc.string()?)),
                [b't'] if !agg => id = Some(sc.uint()?),
                [b'a'] if agg => id = Some(sc.uint()?),
                [b'f'] if agg => first = Some(sc.uint()?),
                [b'l'] if agg => last = Some(sc.uint()?),
                // Binance sends the symbol first: prices and sizes convert in the same pass
                [b'p'] => px = Some(quoted_decimal(&mut sc, r.as_ref()?.px_exp)?),
                [b'q'] => qty = Some(quoted_decimal(&mut sc, r.as_ref()?.qty_exp)?),
                [b'm'] => maker = Some(sc.boolean()?),
                [b'M'] => off_book |= !sc.boolean()?,
                [b'X'] => off_book |= sc.string()? != b"MARKET",
                _ => return None,
            }
            if sc.next(b'}')? == Next::End {
                break;
            }
        }
        sc.finish()?;
        let (r, id, px, qty, maker) = (r?, id?, px?, qty?, maker?);
        let range = if agg { Some((first?, last?)) } else { None };
        Some(self.trade_event(
            TradeFields {
                r,
                id,
                px,
                qty,
                maker,
                off_book,
                time: if trade_time != 0 {
                    trade_time
                } else {
                    event_time
                },
                range,
            },
            ts_recv,
            out,
        ))
    }

    /// Spot `bookTicker` (`u,s,b,B,a,A` in that order) read as fixed literals between the
    /// values; `None` at the first difference. Same event as the key-by-key path.
    #[inline(always)]
    fn fast_book_ticker_layout(&mut self, p: &str, ts_recv: Nanos, out: &mut Vec<Event>) -> Fast {
        let mut sc = Scanner::new(p.as_bytes());
        sc.literal(b"{\"u\":")?;
        let u = sc.uint()?;
        sc.literal(b",\"s\":")?;
        let r = self.symbols.resolve(sc.string()?);
        sc.literal(b",\"b\":")?;
        let b = quoted_decimal(&mut sc, r.px_exp)?;
        sc.literal(b",\"B\":")?;
        let bq = quoted_decimal(&mut sc, r.qty_exp)?;
        sc.literal(b",\"a\":")?;
        let a = quoted_decimal(&mut sc, r.px_exp)?;
        sc.literal(b",\"A\":")?;
        let aq = quoted_decimal(&mut sc, r.qty_exp)?;
        sc.literal(b"}")?;
        sc.finish()?;
        Some(self.quote_event(r, u, 0, [b, bq, a, aq], ts_recv, out))
    }

    /// One quote event from values read by either fast path.
    #[inline(always)]
    fn quote_event(
        &mut self,
        r: crate::instrument::Resolved,
        u: u64,
        ts_exchange: i64,
        values: [Result<i64, decimal::DecimalError>; 4],
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let mut ev = self.template(r, Kind::Quote, ts_recv);
        ev.seq = u;
        ev.ts_exchange = ts_exchange;
        for (slot, v) in ev.v.iter_mut().zip(values) {
            *slot = v.map_err(|error| ParseError::Value {
                instrument: r.id,
                seq: u,
                error,
            })?;
        }
        out.push(ev);
        Ok(Control::Data)
    }

    /// `bookTicker` (spot: `u,s,b,B,a,A`; futures add `e,E,T` and COIN-M `ps`).
    pub(super) fn fast_book_ticker(
        &mut self,
        p: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Fast {
        if let Some(r) = self.fast_book_ticker_layout(p, ts_recv, out) {
            return Some(r);
        }
        let mut sc = Scanner::new(p.as_bytes());
        sc.byte(b'{')?;
        let (mut u, mut r, mut b, mut bq, mut a, mut aq) = (None, None, None, None, None, None);
        let (mut event_time, mut txn_time) = (None, None);
        loop {
            match sc.key()? {
                [b'u'] => u = Some(sc.uint()?),
                [b's'] => r = Some(self.symbols.resolve(sc.string()?)),
                [b'b'] => b = Some(quoted_decimal(&mut sc, r.as_ref()?.px_exp)?),
                [b'B'] => bq = Some(quoted_decimal(&mut sc, r.as_ref()?.qty_exp)?),
                [b'a'] => a = Some(quoted_decimal(&mut sc, r.as_ref()?.px_exp)?),
                [b'A'] => aq = Some(quoted_decimal(&mut sc, r.as_ref()?.qty_exp)?),
                [b'E'] => event_time = Some(sc.int()?),
                [b'T'] => txn_time = Some(sc.int()?),
                [b'e'] => {
                    if sc.string()? != b"bookTicker" {
                        return None;
                    }
                }
                [b'p', b's'] => {
                    sc.string()?;
                }
                _ => return None,
            }
            if sc.next(b'}')? == Next::End {
                break;
            }
        }
        sc.finish()?;
        let (u, r, b, bq, a, aq) = (u?, r?, b?, bq?, a?, aq?);
        let ts_exchange = txn_time
            .or(event_time)
            .map_or(0, |ms| Nanos::from_millis(ms).0);
        Some(self.quote_event(r, u, ts_exchange, [b, bq, a, aq], ts_recv, out))
    }

    /// A whole `depthUpdate` frame, combined-stream envelope or raw, in the exact layouts
    /// Binance sends (spot `e,E,s,U,u,b,a`; USDⓈ-M adds `T` and `pu`, COIN-M also `ps`), read
    /// on the frame's bytes before any UTF-8 validation. Everything it accepts is fixed ASCII
    /// literals, digits, and strings it checks to be ASCII (stream name, symbol, pair), so a
    /// frame it takes is valid UTF-8 and the general path would take it too, with the same
    /// events. Symbols not resolved yet are left to the general path (nothing is interned
    /// here). `None` at the first difference.
    pub(super) fn fast_depth_frame(
        &mut self,
        frame: &[u8],
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Fast {
        const DEPTH: &[u8] = b"{\"e\":\"depthUpdate\",\"E\":";
        // a depth frame ends with its asks' `]`, then one or two `}`: other frames leave here
        // after a look at their last bytes
        match frame {
            [.., b']', b'}'] | [.., b']', b'}', b'}'] => {}
            _ => return None,
        }
        let payload = match frame.strip_prefix(b"{\"stream\":\"") {
            Some(rest) => {
                let q = memchr::memchr(b'"', rest)?;
                let (name, after) = rest.split_at(q);
                let payload = after.strip_prefix(b"\",\"data\":")?.strip_suffix(b"}")?;
                if !payload.starts_with(DEPTH)
                    || !name.is_ascii()
                    || super::classify_stream_bytes(name) != super::StreamKind::Depth
                {
                    return None;
                }
                payload
            }
            None => frame,
        };
        let mut sc = Scanner::new(payload);
        sc.literal(DEPTH)?;
        let event_time = sc.int()?;
        let txn_time = match sc.literal(b",\"T\":") {
            Some(()) => Some(sc.int()?),
            None => None,
        };
        sc.literal(b",\"s\":")?;
        let symbol = sc.string()?;
        if sc.literal(b",\"ps\":").is_some() && !sc.string()?.is_ascii() {
            return None;
        }
        sc.literal(b",\"U\":")?;
        let first = sc.uint()?;
        sc.literal(b",\"u\":")?;
        let last = sc.uint()?;
        let prev = match sc.literal(b",\"pu\":") {
            Some(()) => sc.int()?,
            None => -1,
        };
        if !symbol.is_ascii() {
            return None;
        }
        let r = self.symbols.get(symbol)?;
        let ts_exchange = Nanos::from_millis(txn_time.unwrap_or(event_time)).0;
        let tmpl = Event {
            ts_recv: ts_recv.0,
            ts_exchange,
            seq: last,
            venue: self.venue as u16,
            instrument: r.id.0,
            kind: Kind::BookLevel as u8,
            px_exp: r.px_exp,
            qty_exp: r.qty_exp,
            v: [0, 0, first as i64, prev, 0],
            ..Event::default()
        };
        let start = out.len();
        let mut index = 0u32;
        let mut i = sc.pos();
        let read = (|| {
            i = after(payload, i, b",\"b\":")?;
            let mut t = tmpl;
            t.side = Side::Buy as u8;
            i = depth_side(payload, i, &t, out, &mut index)?;
            i = after(payload, i, b",\"a\":")?;
            t.side = Side::Sell as u8;
            i = depth_side(payload, i, &t, out, &mut index)?;
            (i + 1 == payload.len() && payload[i] == b'}').then_some(())
        })();
        if read.is_none() {
            out.truncate(start);
            return None;
        }
        if out.len() == start {
            out.push(Event {
                flags: flags::NO_LEVEL,
                ..tmpl
            });
        }
        let n = out.len();
        out[start].flags |= flags::FIRST;
        out[n - 1].flags |= flags::LAST;
        Some(Ok(Control::Data))
    }

    /// `depthUpdate` diffs (not partial depth): `e,E,[T],s,[ps],U,u,[pu],b,a` with the symbol
    /// before the levels.
    pub(super) fn fast_depth(&mut self, p: &str, ts_recv: Nanos, out: &mut Vec<Event>) -> Fast {
        let mut sc = Scanner::new(p.as_bytes());
        sc.byte(b'{')?;
        let start = out.len();
        let (mut first, mut last, mut prev) = (None, None, -1i64);
        let (mut event_time, mut txn_time) = (None, None);
        let mut r = None;
        let mut value_error = None;
        let mut seen_levels = false;
        loop {
            match sc.key()? {
                [b'e'] => {
                    if sc.string()? != b"depthUpdate" {
                        return None;
                    }
                }
                [b'E'] => event_time = Some(sc.int()?),
                [b'T'] => txn_time = Some(sc.int()?),
                [b's'] => r = Some(self.symbols.resolve(sc.string()?)),
                [b'p', b's'] => {
                    sc.string()?;
                }
                [b'U'] => first = Some(sc.uint()?),
                [b'u'] => last = Some(sc.uint()?),
                [b'p', b'u'] => prev = sc.int()?,
                k @ ([b'b'] | [b'a']) => {
                    let r = r?; // levels before the symbol: general path
                    seen_levels = true;
                    let side = if k == b"b" { Side::Buy } else { Side::Sell } as u8;
                    let tmpl = Event {
                        ts_recv: ts_recv.0,
                        venue: self.venue as u16,
                        instrument: r.id.0,
                        kind: Kind::BookLevel as u8,
                        px_exp: r.px_exp,
                        qty_exp: r.qty_exp,
                        side,
                        ..Event::default()
                    };
                    sc.decimal_pairs(r.px_exp, r.qty_exp, |level| {
                        let mut ev = tmpl;
                        match level {
                            Ok((px, qty)) => {
                                ev.v[0] = px;
                                ev.v[1] = qty;
                            }
                            Err(e) => value_error = value_error.or(Some(e)),
                        }
                        out.push(ev);
                        Some(())
                    })
                    .or_else(|| {
                        out.truncate(start);
                        None
                    })?;
                }
                _ => {
                    out.truncate(start);
                    return None;
                }
            }
            if sc.next(b'}').or_else(|| {
                out.truncate(start);
                None
            })? == Next::End
            {
                break;
            }
        }
        let complete = sc.finish().is_some() && seen_levels;
        let (Some(r), Some(first), Some(last), true) = (r, first, last, complete) else {
            out.truncate(start);
            return None;
        };
        if let Some(error) = value_error {
            out.truncate(start);
            return Some(Err(ParseError::Value {
                instrument: r.id,
                seq: last,
                error,
            }));
        }
        let ts_exchange = txn_time
            .or(event_time)
            .map_or(0, |ms| Nanos::from_millis(ms).0);
        if out.len() == start {
            out.push(Event {
                ts_recv: ts_recv.0,
                venue: self.venue as u16,
                instrument: r.id.0,
                kind: Kind::BookLevel as u8,
                px_exp: r.px_exp,
                qty_exp: r.qty_exp,
                flags: flags::NO_LEVEL,
                ..Event::default()
            });
        }
        let n = out.len();
        for (i, ev) in out[start..].iter_mut().enumerate() {
            ev.seq = last;
            ev.ts_exchange = ts_exchange;
            ev.v[2] = first as i64;
            ev.v[3] = prev;
            ev.aux = i as u32;
        }
        out[start].flags |= flags::FIRST;
        out[n - 1].flags |= flags::LAST;
        Some(Ok(Control::Data))
    }
}
