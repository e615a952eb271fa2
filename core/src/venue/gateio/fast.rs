//! Fast paths for Gate's hot frames (order book diffs, trades, book tickers) in the compact
//! form Gate sends: `{"time":…,"time_ms":…,"channel":"…","event":"update","result":…}` with
//! `result` last. Each returns `None` as soon as the frame is anything else (whitespace,
//! escapes, an unknown or repeated key, a snapshot), and the caller falls back to the general
//! sonic-rs path. They fill the same wire structs and call the same normalization as the
//! general path, so both produce exactly the same events (a test checks this on every corpus
//! frame).

use super::normalize::{envelope_ns, DepthSource};
use super::wire::{BookTicker, DepthHeader, FuturesTrade, LevelSpan, Num, SpotTrade};
use super::{classify_channel, ChannelKind, GateioParser};
use crate::event::{Event, Nanos};
use crate::venue::scan::{Next, Scanner};
use crate::venue::{Control, ParseError};

type Fast = Option<Result<Control, ParseError>>;

/// Trades per futures frame the fast path takes (Gate sends one or a few).
const MAX_TRADES: usize = 8;

/// `text[a..b]` for byte slices `s` of `text` (spans found by the scanner sit next to ASCII
/// bytes, so they are always on character boundaries; `get` keeps that from ever panicking).
fn sub<'a>(text: &'a str, s: &[u8]) -> Option<&'a str> {
    let start = (s.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    text.get(start..start + s.len())
}

/// A JSON number, or a string whose content is exactly a JSON number (what [`Num`] accepts).
fn num<'a>(sc: &mut Scanner<'a>, text: &'a str) -> Option<Num<'a>> {
    let s = if sc.peek()? == b'"' {
        let s = sc.string()?;
        let mut check = Scanner::new(s);
        check.number()?;
        check.finish()?;
        s
    } else {
        sc.number()?
    };
    Some(Num(sub(text, s)?))
}

/// A string without escapes.
fn string<'a>(sc: &mut Scanner<'a>, text: &'a str) -> Option<&'a str> {
    let s = sc.string()?;
    sub(text, s)
}

/// Sets `slot` once: a repeated key is left to the general path (serde refuses it).
fn once<T>(slot: &mut Option<T>, v: T) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(v);
    Some(())
}

/// `[["p","s"],…]` or `[{"p":"…","s":…},…]` → spans relative to `base`.
fn levels<'a>(sc: &mut Scanner<'a>, text: &'a str, out: &mut Vec<LevelSpan>) -> Option<()> {
    let base = text.as_ptr() as usize;
    let span = |s: &str| -> (u32, u32) {
        let start = s.as_ptr() as usize - base;
        (start as u32, (start + s.len()) as u32)
    };
    sc.byte(b'[')?;
    if sc.byte(b']').is_some() {
        return Some(());
    }
    loop {
        let (px, qty) = match sc.peek()? {
            b'[' => {
                sc.byte(b'[')?;
                let px = num(sc, text)?;
                sc.byte(b',')?;
                let qty = num(sc, text)?;
                sc.byte(b']')?;
                (px, qty)
            }
            b'{' => {
                sc.byte(b'{')?;
                let (mut px, mut qty) = (None, None);
                loop {
                    match sc.key()? {
                        b"p" => px = Some(num(sc, text)?),
                        b"s" => qty = Some(num(sc, text)?),
                        _ => return None,
                    }
                    if sc.next(b'}')? == Next::End {
                        break;
                    }
                }
                (px?, qty?)
            }
            _ => return None,
        };
        let (a, b) = span(px.0);
        let (c, d) = span(qty.0);
        out.push([a, b, c, d]);
        if sc.next(b']')? == Next::End {
            return Some(());
        }
    }
}

impl GateioParser {
    /// The envelope, then the result of an order book diff, trades or a book ticker.
    pub(super) fn fast_path(&mut self, frame: &str, ts_recv: Nanos, out: &mut Vec<Event>) -> Fast {
        let b = frame.as_bytes();
        let mut sc = Scanner::new(b);
        sc.byte(b'{')?;
        let (mut time, mut time_ms, mut channel, mut event) = (None, None, None, None);
        loop {
            match sc.key()? {
                b"time" => once(&mut time, num(&mut sc, frame)?)?,
                b"time_ms" => once(&mut time_ms, num(&mut sc, frame)?)?,
                b"channel" => once(&mut channel, string(&mut sc, frame)?)?,
                b"event" => once(&mut event, string(&mut sc, frame)?)?,
                b"result" => break,
                _ => return None,
            }
            if sc.next(b'}')? == Next::End {
                return None;
            }
        }
        // `result` is the last member: its text runs to the closing brace
        let start = sc.pos();
        let end = b.len().checked_sub(1)?;
        if end <= start || b[end] != b'}' {
            return None;
        }
        let raw = frame.get(start..end)?;
        if event? != "update" {
            return None;
        }
        let ts_env = envelope_ns(time_ms, time);
        match classify_channel(channel?, self.futures) {
            ChannelKind::OrderBookUpdate => self.fast_depth(raw, ts_env, ts_recv, out),
            ChannelKind::Trades if self.futures => {
                self.fast_futures_trades(raw, ts_env, ts_recv, out)
            }
            ChannelKind::Trades => self.fast_spot_trade(raw, ts_env, ts_recv, out),
            ChannelKind::BookTicker => self.fast_book_ticker(raw, ts_env, ts_recv, out),
            _ => None,
        }
    }

    /// `{"t","e","E","s","U","u","b","a"}` (spot) or `{"U","a","b","s","t","u"}` (futures), in
    /// any order; `full: true` snapshots go to the general path.
    fn fast_depth(&mut self, raw: &str, ts_env: i64, ts_recv: Nanos, out: &mut Vec<Event>) -> Fast {
        let mut sc = Scanner::new(raw.as_bytes());
        sc.byte(b'{')?;
        self.scratch.clear();
        let mut h = DepthHeader::default();
        loop {
            match sc.key()? {
                b"t" => h.t = Some(num(&mut sc, raw)?),
                b"E" => h.event_secs = Some(num(&mut sc, raw)?),
                b"e" => {
                    sc.string()?;
                }
                b"s" => h.symbol = Some(string(&mut sc, raw)?),
                b"U" => h.first = Some(sc.uint()?),
                b"u" => h.last = Some(sc.uint()?),
                b"full" => {
                    if sc.boolean()? {
                        return None;
                    }
                }
                b"l" => h.level = Some(num(&mut sc, raw)?),
                k @ (b"b" | b"a") => {
                    let start = self.scratch.len();
                    levels(&mut sc, raw, &mut self.scratch)?;
                    let r = (start, self.scratch.len());
                    if k == b"b" {
                        h.bids = r;
                    } else {
                        h.asks = r;
                    }
                }
                _ => return None,
            }
            if sc.next(b'}')? == Next::End {
                break;
            }
        }
        sc.finish()?;
        Some(self.emit_depth(raw, &h, DepthSource::Update, None, ts_env, ts_recv, out))
    }

    /// One `spot.trades` object.
    fn fast_spot_trade(
        &mut self,
        raw: &str,
        ts_env: i64,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Fast {
        let mut sc = Scanner::new(raw.as_bytes());
        let t = spot_trade(&mut sc, raw)?;
        sc.finish()?;
        Some(
            self.spot_trade(&t, None, ts_env, ts_recv, out)
                .map(|()| Control::Data),
        )
    }

    /// A `futures.trades` array.
    fn fast_futures_trades(
        &mut self,
        raw: &str,
        ts_env: i64,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Fast {
        let mut sc = Scanner::new(raw.as_bytes());
        sc.byte(b'[')?;
        let mut items: [Option<FuturesTrade<'_>>; MAX_TRADES] = [None; MAX_TRADES];
        let mut n = 0;
        if sc.byte(b']').is_none() {
            loop {
                if n == MAX_TRADES {
                    return None;
                }
                items[n] = Some(futures_trade(&mut sc, raw)?);
                n += 1;
                if sc.next(b']')? == Next::End {
                    break;
                }
            }
        }
        sc.finish()?;
        for t in items.iter().take(n).flatten() {
            if let Err(e) = self.futures_trade(t, None, ts_env, ts_recv, out) {
                return Some(Err(e));
            }
        }
        Some(Ok(Control::Data))
    }

    /// `{"t","u","s","b","B","a","A"}`.
    fn fast_book_ticker(
        &mut self,
        raw: &str,
        ts_env: i64,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Fast {
        let mut sc = Scanner::new(raw.as_bytes());
        sc.byte(b'{')?;
        let (mut t, mut u, mut s) = (None, None, None);
        let (mut b, mut bq, mut a, mut aq) = (None, None, None, None);
        loop {
            match sc.key()? {
                b"t" => once(&mut t, num(&mut sc, raw)?)?,
                b"u" => once(&mut u, sc.uint()?)?,
                b"s" => once(&mut s, string(&mut sc, raw)?)?,
                b"b" => once(&mut b, num(&mut sc, raw)?)?,
                b"B" => once(&mut bq, num(&mut sc, raw)?)?,
                b"a" => once(&mut a, num(&mut sc, raw)?)?,
                b"A" => once(&mut aq, num(&mut sc, raw)?)?,
                _ => return None,
            }
            if sc.next(b'}')? == Next::End {
                break;
            }
        }
        sc.finish()?;
        let q = BookTicker {
            t,
            u,
            s: s?,
            b: b?,
            bid_size: bq?,
            a: a?,
            ask_size: aq?,
        };
        Some(self.quote(&q, ts_env, ts_recv, out))
    }
}

/// `{"id","create_time","create_time_ms","side","currency_pair","amount","price"}` (+ `id_market`,
/// `range`).
fn spot_trade<'a>(sc: &mut Scanner<'a>, raw: &'a str) -> Option<SpotTrade<'a>> {
    sc.byte(b'{')?;
    let (mut id, mut ct, mut ctm, mut side, mut pair, mut amount, mut price) =
        (None, None, None, None, None, None, None);
    let (mut id_market, mut range) = (None, None);
    loop {
        match sc.key()? {
            b"id" => once(&mut id, num(sc, raw)?)?,
            b"create_time" => once(&mut ct, num(sc, raw)?)?,
            b"create_time_ms" => once(&mut ctm, num(sc, raw)?)?,
            b"side" => once(&mut side, string(sc, raw)?)?,
            b"currency_pair" => once(&mut pair, string(sc, raw)?)?,
            b"amount" => once(&mut amount, num(sc, raw)?)?,
            b"price" => once(&mut price, num(sc, raw)?)?,
            b"id_market" => once(&mut id_market, sc.uint()?)?,
            b"range" => once(&mut range, sc.string()?)?,
            _ => return None,
        }
        if sc.next(b'}')? == Next::End {
            break;
        }
    }
    Some(SpotTrade {
        id: id?,
        create_time: ct,
        create_time_ms: ctm,
        side: side?,
        currency_pair: pair,
        amount: amount?,
        price: price?,
    })
}

/// `{"size","id","create_time","create_time_ms","price","contract","is_internal"?}`.
fn futures_trade<'a>(sc: &mut Scanner<'a>, raw: &'a str) -> Option<FuturesTrade<'a>> {
    sc.byte(b'{')?;
    let (mut id, mut ct, mut ctm, mut contract, mut size, mut price, mut internal) =
        (None, None, None, None, None, None, None);
    loop {
        match sc.key()? {
            b"id" => once(&mut id, num(sc, raw)?)?,
            b"create_time" => once(&mut ct, num(sc, raw)?)?,
            b"create_time_ms" => once(&mut ctm, num(sc, raw)?)?,
            b"contract" => once(&mut contract, string(sc, raw)?)?,
            b"size" => once(&mut size, num(sc, raw)?)?,
            b"price" => once(&mut price, num(sc, raw)?)?,
            b"is_internal" => once(&mut internal, sc.boolean()?)?,
            _ => return None,
        }
        if sc.next(b'}')? == Next::End {
            break;
        }
    }
    Some(FuturesTrade {
        id: id?,
        create_time: ct,
        create_time_ms: ctm,
        contract,
        size: size?,
        price: price?,
        is_internal: internal,
    })
}
