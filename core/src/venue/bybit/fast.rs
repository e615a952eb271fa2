//! Fast paths for Bybit's hot pushes (`orderbook.N`, `orderbook.1`, `publicTrade`) in the
//! compact form Bybit sends, `topic` first. Each returns `None` when the frame is anything else
//! (whitespace, escapes, an unknown key, another layout) and the caller falls back to the general
//! sonic-rs path; both end in the same emitting code, so they produce exactly the same events (a
//! test checks this on every corpus frame).

use super::normalize::push_trade;
use super::wire::{BybitBookHeader, BybitTrade};
use super::{classify_topic, BybitParser, Topic};
use crate::event::{Event, Nanos};
use crate::venue::scan::{Next, Scanner};
use crate::venue::{Control, ParseError};

type Fast = Option<Result<Control, ParseError>>;

/// `s` (a slice of `frame`'s bytes at ASCII boundaries) as a `&str` of `frame`.
pub(crate) fn sub<'a>(frame: &'a str, s: &[u8]) -> Option<&'a str> {
    let start = (s.as_ptr() as usize).checked_sub(frame.as_ptr() as usize)?;
    frame.get(start..start.checked_add(s.len())?)
}

/// The byte offset of `s` inside `frame`.
pub(crate) fn offset(frame: &str, s: &[u8]) -> Option<u32> {
    let start = (s.as_ptr() as usize).checked_sub(frame.as_ptr() as usize)?;
    u32::try_from(start).ok()
}

impl BybitParser {
    /// Tries the fast paths on a whole frame.
    pub(super) fn fast(&mut self, f: &str, ts_recv: Nanos, out: &mut Vec<Event>) -> Fast {
        let mut sc = Scanner::new(f.as_bytes());
        sc.byte(b'{')?;
        if sc.key()? != b"topic" {
            return None;
        }
        let topic = sub(f, sc.string()?)?;
        match classify_topic(topic) {
            t @ (Topic::Book(_) | Topic::Bbo(_)) => self.fast_book(f, sc, t, ts_recv, out),
            Topic::Trade(_) => self.fast_trades(f, sc, ts_recv, out),
            _ => None,
        }
    }

    /// `{"topic":…,"type":…,"ts":…,"data":{"s":…,"b":[[p,q],…],"a":[…],"u":…,"seq":…},"cts":…}`
    /// (any order after `topic`).
    fn fast_book<'a>(
        &mut self,
        f: &'a str,
        mut sc: Scanner<'a>,
        topic: Topic<'_>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Fast {
        let (mut kind, mut ts, mut cts, mut header) = (None, None, None, None);
        while sc.next(b'}')? == Next::More {
            match sc.key()? {
                b"type" if kind.is_none() => kind = Some(sub(f, sc.string()?)?),
                b"ts" if ts.is_none() => ts = Some(sc.int()?),
                b"cts" if cts.is_none() => cts = Some(sc.int()?),
                b"data" if header.is_none() => header = Some(self.fast_book_data(f, &mut sc)?),
                _ => return None,
            }
        }
        sc.finish()?;
        let h = header?;
        Some(self.book_message(f, &h, topic, kind, cts.or(ts), ts_recv, out))
    }

    fn fast_book_data<'a>(
        &mut self,
        f: &'a str,
        sc: &mut Scanner<'a>,
    ) -> Option<BybitBookHeader<'a>> {
        self.scratch.clear();
        let mut h = BybitBookHeader::default();
        let (mut seen_b, mut seen_a) = (false, false);
        sc.byte(b'{')?;
        if sc.byte(b'}').is_some() {
            return Some(h);
        }
        loop {
            match sc.key()? {
                b"s" if h.s.is_none() => h.s = Some(sub(f, sc.string()?)?),
                b"u" if h.u.is_none() => h.u = Some(sc.uint()?),
                b"seq" if h.seq.is_none() => h.seq = Some(sc.uint()?),
                k @ (b"b" | b"a") => {
                    let seen = if k == b"b" { &mut seen_b } else { &mut seen_a };
                    if std::mem::replace(seen, true) {
                        return None; // a repeated key: let the general path decide
                    }
                    let start = self.scratch.len();
                    let scratch = &mut self.scratch;
                    sc.pairs(|px, qty| {
                        let (a, c) = (offset(f, px)?, offset(f, qty)?);
                        scratch.push([a, a + px.len() as u32, c, c + qty.len() as u32]);
                        Some(())
                    })?;
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
                return Some(h);
            }
        }
    }

    /// `{"topic":"publicTrade.…","type":"snapshot","ts":…,"data":[{"T":…,"s":…,"S":…,"v":…,
    /// "p":…,"L":…,"i":…,"BT":…,"RPI":…,"seq":…},…]}`.
    fn fast_trades<'a>(
        &mut self,
        f: &'a str,
        mut sc: Scanner<'a>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Fast {
        let start = out.len();
        let (mut data, mut kind, mut ts) = (false, false, false);
        let mut result = Ok(());
        let r = (|| {
            while sc.next(b'}')? == Next::More {
                match sc.key()? {
                    b"type" if !std::mem::replace(&mut kind, true) => {
                        sc.string()?;
                    }
                    b"ts" if !std::mem::replace(&mut ts, true) => {
                        sc.int()?;
                    }
                    b"data" if !data => {
                        data = true;
                        sc.byte(b'[')?;
                        if sc.byte(b']').is_some() {
                            continue;
                        }
                        loop {
                            let t = fast_trade(f, &mut sc)?;
                            if result.is_ok() {
                                result =
                                    push_trade(self.venue, &mut self.symbols, &t, ts_recv, out);
                            }
                            if sc.next(b']')? == Next::End {
                                break;
                            }
                        }
                    }
                    _ => return None,
                }
            }
            sc.finish()?;
            data.then_some(())
        })();
        if r.is_none() {
            out.truncate(start);
            return None;
        }
        Some(result.map(|()| {
            super::normalize::mark_runs(out, start);
            Control::Data
        }))
    }
}

/// One trade object, every key known.
fn fast_trade<'a>(f: &'a str, sc: &mut Scanner<'a>) -> Option<BybitTrade<'a>> {
    sc.byte(b'{')?;
    let (mut time, mut s, mut side, mut v, mut p, mut i) = (None, None, None, None, None, None);
    let mut block = None;
    loop {
        match sc.key()? {
            b"T" if time.is_none() => time = Some(sc.int()?),
            b"s" if s.is_none() => s = Some(sub(f, sc.string()?)?),
            b"S" if side.is_none() => side = Some(sub(f, sc.string()?)?),
            b"v" if v.is_none() => v = Some(sub(f, sc.string()?)?),
            b"p" if p.is_none() => p = Some(sub(f, sc.string()?)?),
            b"i" if i.is_none() => i = Some(sub(f, sc.string()?)?),
            b"L" => {
                sc.string()?;
            }
            b"BT" if block.is_none() => block = Some(sc.boolean()?),
            b"RPI" => {
                sc.boolean()?;
            }
            b"seq" => {
                sc.uint()?;
            }
            _ => return None,
        }
        if sc.next(b'}')? == Next::End {
            break;
        }
    }
    Some(BybitTrade {
        time: time?,
        s: s?,
        side: side?,
        v: v?,
        p: p?,
        i: i?,
        block: block.unwrap_or(false),
    })
}
