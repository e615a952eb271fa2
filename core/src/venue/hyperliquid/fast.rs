//! Fast paths for Hyperliquid's hot pushes (`l2Book`, `trades`) in the compact form the venue
//! sends, `channel` first. Each returns `None` when the frame is anything else (whitespace,
//! escapes, an unknown or repeated key) and the caller falls back to the general sonic-rs path;
//! both end in the same emitting code (a test compares them on every corpus frame).

use super::wire::{HlBookHeader, HlTrade};
use super::{push_trade, HyperliquidParser};
use crate::event::{Event, Nanos};
use crate::venue::bybit::{mark_runs, offset, sub};
use crate::venue::scan::{Next, Scanner};
use crate::venue::{Control, ParseError};

type Fast = Option<Result<Control, ParseError>>;

impl HyperliquidParser {
    /// Tries the fast paths on a whole frame.
    pub(super) fn fast(&mut self, f: &str, ts_recv: Nanos, out: &mut Vec<Event>) -> Fast {
        let mut sc = Scanner::new(f.as_bytes());
        sc.byte(b'{')?;
        if sc.key()? != b"channel" {
            return None;
        }
        match sc.string()? {
            b"l2Book" => self.fast_book(f, sc, ts_recv, out),
            b"trades" => self.fast_trades(f, sc, ts_recv, out),
            _ => None,
        }
    }

    /// `{"channel":"l2Book","data":{"coin":…,"levels":[[{"n":…,"px":…,"sz":…},…],[…]],"time":…}}`
    fn fast_book<'a>(
        &mut self,
        f: &'a str,
        mut sc: Scanner<'a>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Fast {
        let mut header = None;
        while sc.next(b'}')? == Next::More {
            match sc.key()? {
                b"data" if header.is_none() => header = Some(self.fast_book_data(f, &mut sc)?),
                _ => return None,
            }
        }
        sc.finish()?;
        Some(self.emit_book(f, &header?, ts_recv, out))
    }

    fn fast_book_data<'a>(&mut self, f: &'a str, sc: &mut Scanner<'a>) -> Option<HlBookHeader<'a>> {
        self.scratch.clear();
        let mut h = HlBookHeader::default();
        sc.byte(b'{')?;
        if sc.byte(b'}').is_some() {
            return Some(h);
        }
        loop {
            match sc.key()? {
                b"coin" if h.coin.is_none() => h.coin = Some(sub(f, sc.string()?)?),
                b"time" if h.time.is_none() => h.time = Some(sc.int()?),
                b"levels" if !h.has_levels => {
                    h.has_levels = true;
                    sc.byte(b'[')?;
                    h.bids = self.fast_levels(f, sc)?;
                    sc.byte(b',')?;
                    h.asks = self.fast_levels(f, sc)?;
                    sc.byte(b']')?;
                }
                _ => return None,
            }
            if sc.next(b'}')? == Next::End {
                return Some(h);
            }
        }
    }

    /// `[{"n":…,"px":…,"sz":…},…]` → spans in the scratch.
    fn fast_levels<'a>(&mut self, f: &'a str, sc: &mut Scanner<'a>) -> Option<(usize, usize)> {
        let start = self.scratch.len();
        sc.byte(b'[')?;
        if sc.byte(b']').is_some() {
            return Some((start, start));
        }
        loop {
            sc.byte(b'{')?;
            let (mut n, mut px, mut sz) = (false, None, None);
            loop {
                match sc.key()? {
                    b"n" if !n => {
                        n = true;
                        sc.uint()?;
                    }
                    b"px" if px.is_none() => px = Some(sc.string()?),
                    b"sz" if sz.is_none() => sz = Some(sc.string()?),
                    _ => return None,
                }
                if sc.next(b'}')? == Next::End {
                    break;
                }
            }
            let (px, sz) = (px?, sz?);
            let (a, c) = (offset(f, px)?, offset(f, sz)?);
            self.scratch
                .push([a, a + px.len() as u32, c, c + sz.len() as u32]);
            if sc.next(b']')? == Next::End {
                return Some((start, self.scratch.len()));
            }
        }
    }

    /// `{"channel":"trades","data":[{"coin":…,"hash":…,"px":…,"side":…,"sz":…,"tid":…,
    /// "time":…,"users":[…,…]},…]}`
    fn fast_trades<'a>(
        &mut self,
        f: &'a str,
        mut sc: Scanner<'a>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Fast {
        let start = out.len();
        let mut data = false;
        let mut result = Ok(());
        let r = (|| {
            while sc.next(b'}')? == Next::More {
                match sc.key()? {
                    b"data" if !data => {
                        data = true;
                        sc.byte(b'[')?;
                        if sc.byte(b']').is_some() {
                            continue;
                        }
                        loop {
                            let t = fast_trade(f, &mut sc)?;
                            if result.is_ok() {
                                result = push_trade(&mut self.symbols, &t, ts_recv, out);
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
            mark_runs(out, start);
            Control::Data
        }))
    }
}

fn fast_trade<'a>(f: &'a str, sc: &mut Scanner<'a>) -> Option<HlTrade<'a>> {
    sc.byte(b'{')?;
    let (mut coin, mut side, mut px, mut sz, mut time, mut tid) =
        (None, None, None, None, None, None);
    loop {
        match sc.key()? {
            b"coin" if coin.is_none() => coin = Some(sub(f, sc.string()?)?),
            b"side" if side.is_none() => side = Some(sub(f, sc.string()?)?),
            b"px" if px.is_none() => px = Some(sub(f, sc.string()?)?),
            b"sz" if sz.is_none() => sz = Some(sub(f, sc.string()?)?),
            b"time" if time.is_none() => time = Some(sc.int()?),
            b"tid" if tid.is_none() => tid = Some(sc.uint()?),
            b"hash" => {
                sc.string()?;
            }
            b"users" => {
                sc.byte(b'[')?;
                if sc.byte(b']').is_none() {
                    loop {
                        sc.string()?;
                        if sc.next(b']')? == Next::End {
                            break;
                        }
                    }
                }
            }
            _ => return None,
        }
        if sc.next(b'}')? == Next::End {
            break;
        }
    }
    Some(HlTrade {
        coin: coin?,
        side: side?,
        px: px?,
        sz: sz?,
        time: time?,
        tid: tid?,
    })
}
