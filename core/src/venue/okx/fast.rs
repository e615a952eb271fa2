//! Fast paths for the hot OKX and Bitget frames (book messages, trades) in the compact form the
//! venues send: one pass of the strict scanner ([`crate::venue::scan`]) over the whole frame,
//! producing the same intermediate values the general sonic-rs path produces ([`OkxArg`],
//! [`OkxBook`] with level spans, [`TradeFields`]), so both paths emit through the same code and
//! give exactly the same events (a test checks this on every corpus frame).
//!
//! Anything else (whitespace, escapes, an unknown key, `data` before `arg`, several book objects
//! in one `data`, a number where a string was expected) returns `None` and the caller runs the
//! general path, which also gives the precise error.

use super::wire::{parse_int, LevelSpan, OkxArg, OkxBook};
use crate::venue::scan::{Next, Scanner};

/// A trade's fields, borrowed from the frame: what both paths hand to the emitters.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TradeFields<'a> {
    /// Instrument, when the trade names it.
    pub inst: Option<&'a str>,
    /// Trade id (absent on Bitget v1 rows).
    pub id: Option<i64>,
    /// Price text.
    pub px: &'a str,
    /// Size text.
    pub sz: &'a str,
    /// Taker side text.
    pub side: &'a str,
    /// Trade time (ms).
    pub ts: i64,
    /// OKX `count` (aggregated matches).
    pub count: Option<i64>,
}

/// A trade as byte ranges into the frame (so the scratch vector holds no borrow).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TradeSpan {
    inst: Option<(u32, u32)>,
    id: Option<i64>,
    px: (u32, u32),
    sz: (u32, u32),
    side: (u32, u32),
    ts: i64,
    count: Option<i64>,
}

impl TradeSpan {
    /// The fields, read back from the frame they were scanned in.
    pub fn fields<'a>(&self, f: &'a str) -> Option<TradeFields<'a>> {
        let s = |(a, b): (u32, u32)| f.get(a as usize..b as usize);
        Some(TradeFields {
            inst: match self.inst {
                Some(r) => Some(s(r)?),
                None => None,
            },
            id: self.id,
            px: s(self.px)?,
            sz: s(self.sz)?,
            side: s(self.side)?,
            ts: self.ts,
            count: self.count,
        })
    }
}

/// What `data` held.
#[derive(Clone, Copy, Debug)]
pub(crate) enum FastData<'a> {
    /// One book object; its level spans (into the frame) are in the level scratch.
    Book(OkxBook<'a>),
    /// Trades, in the trade scratch.
    Trades,
}

/// A frame the fast path understood.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FastFrame<'a> {
    /// `arg`.
    pub arg: OkxArg<'a>,
    /// `action`.
    pub action: Option<&'a str>,
    /// `data`.
    pub data: FastData<'a>,
}

/// The channels whose `data` is one book object.
fn is_book_channel(c: &str) -> bool {
    matches!(
        c,
        "books" | "books-l2-tbt" | "books50-l2-tbt" | "books5" | "bbo-tbt" | "books1" | "books15"
    )
}

/// The channels whose `data` is trades.
fn is_trade_channel(c: &str) -> bool {
    matches!(c, "trades" | "trades-all" | "trade")
}

/// Scans a whole frame of a book or trade channel; `None` for anything else.
pub(crate) fn scan<'a>(
    f: &'a str,
    levels: &mut Vec<LevelSpan>,
    trades: &mut Vec<TradeSpan>,
) -> Option<FastFrame<'a>> {
    let b = f.as_bytes();
    let base = b.as_ptr() as usize;
    let text = |x: &[u8]| -> Option<&'a str> {
        let a = (x.as_ptr() as usize).checked_sub(base)?;
        f.get(a..a + x.len())
    };
    let mut sc = Scanner::new(b);
    sc.byte(b'{')?;
    let (mut arg, mut action, mut data) = (None, None, None);
    loop {
        match sc.key()? {
            b"arg" => arg = Some(scan_arg(&mut sc, &text)?),
            b"action" => action = Some(text(sc.string()?)?),
            // Bitget v2 push time: candles use it, book and trade frames do not
            b"ts" => {
                int_or_string(&mut sc)?;
            }
            b"data" => {
                let channel = arg.as_ref().and_then(|a: &OkxArg<'_>| a.channel)?;
                data = Some(if is_book_channel(channel) {
                    levels.clear();
                    FastData::Book(scan_book(&mut sc, base, &text, levels)?)
                } else if is_trade_channel(channel) {
                    trades.clear();
                    scan_trades(&mut sc, base, trades)?;
                    FastData::Trades
                } else {
                    return None;
                });
            }
            _ => return None,
        }
        if sc.next(b'}')? == Next::End {
            break;
        }
    }
    sc.finish()?;
    Some(FastFrame {
        arg: arg?,
        action,
        data: data?,
    })
}

fn scan_arg<'a>(
    sc: &mut Scanner<'a>,
    text: &impl Fn(&[u8]) -> Option<&'a str>,
) -> Option<OkxArg<'a>> {
    let mut arg = OkxArg::default();
    sc.byte(b'{')?;
    loop {
        match sc.key()? {
            b"channel" => arg.channel = Some(text(sc.string()?)?),
            b"instId" => arg.inst_id = Some(text(sc.string()?)?),
            b"instType" => arg.inst_type = Some(text(sc.string()?)?),
            _ => return None,
        }
        if sc.next(b'}')? == Next::End {
            return Some(arg);
        }
    }
}

/// An integer written as a number or as a string of digits.
fn int_or_string(sc: &mut Scanner<'_>) -> Option<i64> {
    if sc.peek()? == b'"' {
        parse_int(sc.string()?)
    } else {
        sc.int()
    }
}

fn span(x: &[u8], base: usize) -> Option<(u32, u32)> {
    let a = (x.as_ptr() as usize).checked_sub(base)?;
    Some((u32::try_from(a).ok()?, u32::try_from(a + x.len()).ok()?))
}

/// `[{"asks":[…],"bids":[…],…}]`: exactly one book object.
fn scan_book<'a>(
    sc: &mut Scanner<'a>,
    base: usize,
    text: &impl Fn(&[u8]) -> Option<&'a str>,
    levels: &mut Vec<LevelSpan>,
) -> Option<OkxBook<'a>> {
    sc.byte(b'[')?;
    sc.byte(b'{')?;
    let mut h = OkxBook::default();
    let (mut seen_bids, mut seen_asks) = (false, false);
    loop {
        match sc.key()? {
            k @ (b"asks" | b"bids") => {
                let start = levels.len();
                scan_levels(sc, base, levels)?;
                let r = (start, levels.len());
                let seen = if k == b"bids" {
                    h.bids = r;
                    &mut seen_bids
                } else {
                    h.asks = r;
                    &mut seen_asks
                };
                if std::mem::replace(seen, true) {
                    return None;
                }
            }
            b"ts" => h.ts = Some(int_or_string(sc)?),
            b"checksum" => h.checksum = Some(int_or_string(sc)?),
            b"prevSeqId" => h.prev_seq = Some(int_or_string(sc)?),
            b"seqId" | b"seq" => h.seq = Some(int_or_string(sc)?),
            b"instId" => h.inst_id = Some(text(sc.string()?)?),
            _ => return None,
        }
        if sc.next(b'}')? == Next::End {
            break;
        }
    }
    sc.byte(b']')?;
    (seen_bids && seen_asks).then_some(h)
}

/// `[["px","sz"(,"…")*],…]`.
fn scan_levels(sc: &mut Scanner<'_>, base: usize, levels: &mut Vec<LevelSpan>) -> Option<()> {
    sc.byte(b'[')?;
    if sc.byte(b']').is_some() {
        return Some(());
    }
    loop {
        sc.byte(b'[')?;
        let (a, b) = span(sc.string()?, base)?;
        sc.byte(b',')?;
        let (c, d) = span(sc.string()?, base)?;
        while sc.next(b']')? == Next::More {
            sc.string()?;
        }
        levels.push([a, b, c, d]);
        if sc.next(b']')? == Next::End {
            return Some(());
        }
    }
}

/// `[{…},…]` (OKX, Bitget v2) or `[["ts","px","sz","side"],…]` (Bitget v1).
fn scan_trades(sc: &mut Scanner<'_>, base: usize, trades: &mut Vec<TradeSpan>) -> Option<()> {
    sc.byte(b'[')?;
    if sc.byte(b']').is_some() {
        return Some(());
    }
    loop {
        let t = if sc.peek()? == b'[' {
            sc.byte(b'[')?;
            let ts = parse_int(sc.string()?)?;
            sc.byte(b',')?;
            let px = span(sc.string()?, base)?;
            sc.byte(b',')?;
            let sz = span(sc.string()?, base)?;
            sc.byte(b',')?;
            let side = span(sc.string()?, base)?;
            sc.byte(b']')?;
            TradeSpan {
                ts,
                px,
                sz,
                side,
                ..TradeSpan::default()
            }
        } else {
            scan_trade_object(sc, base)?
        };
        trades.push(t);
        if sc.next(b']')? == Next::End {
            return Some(());
        }
    }
}

fn scan_trade_object(sc: &mut Scanner<'_>, base: usize) -> Option<TradeSpan> {
    sc.byte(b'{')?;
    let mut t = TradeSpan::default();
    let (mut px, mut sz, mut side, mut ts) = (None, None, None, None);
    loop {
        match sc.key()? {
            b"instId" => t.inst = Some(span(sc.string()?, base)?),
            b"tradeId" => t.id = Some(int_or_string(sc)?),
            b"px" | b"price" => px = Some(span(sc.string()?, base)?),
            b"sz" | b"size" => sz = Some(span(sc.string()?, base)?),
            b"side" => side = Some(span(sc.string()?, base)?),
            b"ts" => ts = Some(int_or_string(sc)?),
            b"count" => t.count = Some(int_or_string(sc)?),
            b"source" => {
                sc.string()?;
            }
            b"seqId" => {
                int_or_string(sc)?;
            }
            _ => return None,
        }
        if sc.next(b'}')? == Next::End {
            break;
        }
    }
    t.id?;
    (t.px, t.sz, t.side, t.ts) = (px?, sz?, side?, ts?);
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_books_and_trades_or_declines() {
        let f = r#"{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[["8476.98","415","0","13"]],"bids":[["8476.97","256","0","12"]],"ts":"1597026383085","checksum":-855196043,"prevSeqId":123456,"seqId":123457}]}"#;
        let (mut l, mut t) = (Vec::new(), Vec::new());
        let fr = scan(f, &mut l, &mut t).unwrap();
        let FastData::Book(h) = fr.data else {
            panic!("book")
        };
        assert_eq!(fr.action, Some("update"));
        assert_eq!(
            (h.checksum, h.prev_seq, h.seq),
            (Some(-855196043), Some(123456), Some(123457))
        );
        let s = l[h.bids.0];
        assert_eq!(&f[s[0] as usize..s[1] as usize], "8476.97");
        assert_eq!(&f[s[2] as usize..s[3] as usize], "256");
        let f = r#"{"action":"update","arg":{"instType":"sp","channel":"trade","instId":"BTCUSDT"},"data":[["1653873778747","29443.24","0.4134","buy"]]}"#;
        let fr = scan(f, &mut l, &mut t).unwrap();
        assert!(matches!(fr.data, FastData::Trades));
        let tf = t[0].fields(f).unwrap();
        assert_eq!(
            (tf.ts, tf.px, tf.sz, tf.side, tf.id),
            (1653873778747, "29443.24", "0.4134", "buy", None)
        );
        // declined: whitespace, unknown keys, two book objects, another channel
        for f in [
            r#"{ "arg":{"channel":"books","instId":"X"},"data":[]}"#,
            r#"{"arg":{"channel":"books","instId":"X"},"data":[{"asks":[],"bids":[],"x":1}]}"#,
            r#"{"arg":{"channel":"books","instId":"X"},"data":[{"asks":[],"bids":[]},{"asks":[],"bids":[]}]}"#,
            r#"{"arg":{"channel":"tickers","instId":"X"},"data":[]}"#,
            r#"{"data":[],"arg":{"channel":"books","instId":"X"}}"#,
            r#"{"arg":{"channel":"trades","instId":"X"},"data":[{"px":"1","sz":"1","side":"buy","ts":"1"}]}"#,
        ] {
            assert!(scan(f, &mut l, &mut t).is_none(), "{f}");
        }
    }
}
