//! Fast paths for Kraken v1's hot frames (trades, book updates) in the compact form Kraken
//! sends. Each returns `None` when the frame is anything else (whitespace, escapes, a snapshot,
//! an unexpected element), and the caller falls back to the general sonic-rs path; each produces
//! exactly the events the general path produces (a test checks this on every corpus frame).

use super::{wire, KrakenParser};
use crate::event::{Event, Nanos};
use crate::venue::coinbase::util::Span;
use crate::venue::scan::{Next, Scanner};
use crate::venue::{Control, ParseError};

type Fast = Option<Result<Control, ParseError>>;

/// One v1 trade as spans into the frame.
#[derive(Clone, Copy, Debug)]
pub(super) struct TradeSpans {
    price: Span,
    volume: Span,
    time: Span,
    side: Span,
    trade_id: Option<u64>,
}

/// Where `s` (a sub-slice of `f`) lies in `f`.
fn span(f: &[u8], s: &[u8]) -> Span {
    let start = (s.as_ptr() as usize).wrapping_sub(f.as_ptr() as usize);
    (start as u32, (start + s.len()) as u32)
}

fn text(f: &str, sp: Span) -> &str {
    f.get(sp.0 as usize..sp.1 as usize).unwrap_or("")
}

impl KrakenParser {
    /// `[id,[[…trade…],…],"trade",pair]` or `[id,{"a"|"b":[…],"c":…}(,{…}),"book-N",pair]`.
    pub(super) fn fast_v1(&mut self, f: &str, ts_recv: Nanos, out: &mut Vec<Event>) -> Fast {
        if f.len() > u32::MAX as usize {
            return None;
        }
        let mut sc = Scanner::new(f.as_bytes());
        sc.byte(b'[')?;
        sc.uint()?;
        sc.byte(b',')?;
        match sc.peek()? {
            b'[' => self.fast_trades(f, sc, ts_recv, out),
            b'{' => self.fast_book(f, sc, ts_recv, out),
            _ => None,
        }
    }

    fn fast_trades(
        &mut self,
        f: &str,
        mut sc: Scanner<'_>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Fast {
        let b = f.as_bytes();
        self.trades.clear();
        sc.byte(b'[')?;
        if sc.peek()? != b'[' {
            return None;
        }
        loop {
            sc.byte(b'[')?;
            let price = sc.string()?;
            sc.byte(b',')?;
            let volume = sc.string()?;
            sc.byte(b',')?;
            let time = sc.string()?;
            sc.byte(b',')?;
            let side = sc.string()?;
            sc.byte(b',')?;
            sc.string()?; // order type
            sc.byte(b',')?;
            sc.string()?; // misc
            let trade_id = match sc.next(b']')? {
                Next::End => None,
                Next::More => {
                    let id = sc.uint()?;
                    sc.byte(b']')?;
                    Some(id)
                }
            };
            self.trades.push(TradeSpans {
                price: span(b, price),
                volume: span(b, volume),
                time: span(b, time),
                side: span(b, side),
                trade_id,
            });
            if sc.next(b']')? == Next::End {
                break;
            }
        }
        sc.byte(b',')?;
        if sc.string()? != b"trade" {
            return None;
        }
        sc.byte(b',')?;
        let pair = span(b, sc.string()?);
        sc.byte(b']')?;
        sc.finish()?;
        let r = self.symbols.resolve(text(f, pair).as_bytes());
        for (i, t) in self.trades.iter().enumerate() {
            let t = wire::V1Trade {
                price: text(f, t.price),
                volume: text(f, t.volume),
                time: text(f, t.time),
                side: text(f, t.side),
                trade_id: t.trade_id,
            };
            if let Err(e) = Self::v1_trade(r, &t, i as u64, ts_recv, out) {
                return Some(Err(e));
            }
        }
        Some(Ok(Control::Data))
    }

    fn fast_book(
        &mut self,
        f: &str,
        mut sc: Scanner<'_>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Fast {
        let b = f.as_bytes();
        self.lvls.clear();
        let mut checksum: Option<&[u8]> = None;
        let mut update = false;
        let mut parts = 0;
        loop {
            sc.byte(b'{')?;
            loop {
                let side = match sc.key()? {
                    b"a" => 2,
                    b"b" => 1,
                    b"c" => {
                        checksum = Some(sc.string()?);
                        if sc.next(b'}')? == Next::End {
                            break;
                        }
                        continue;
                    }
                    _ => return None, // a snapshot (as/bs) or anything else
                };
                update = true;
                sc.byte(b'[')?;
                if sc.byte(b']').is_none() {
                    loop {
                        sc.byte(b'[')?;
                        let px = sc.string()?;
                        sc.byte(b',')?;
                        let qty = sc.string()?;
                        sc.byte(b',')?;
                        let ts = sc.string()?;
                        if sc.next(b']')? == Next::More {
                            sc.string()?; // "r": republished
                            sc.byte(b']')?;
                        }
                        self.lvls.push(wire::Lvl {
                            side,
                            px: span(b, px),
                            qty: span(b, qty),
                            ts: span(b, ts),
                        });
                        if sc.next(b']')? == Next::End {
                            break;
                        }
                    }
                }
                if sc.next(b'}')? == Next::End {
                    break;
                }
            }
            parts += 1;
            sc.byte(b',')?;
            if parts == 2 || sc.peek()? != b'{' {
                break;
            }
        }
        if !update {
            return None;
        }
        let name = span(b, sc.string()?);
        sc.byte(b',')?;
        let pair = span(b, sc.string()?);
        sc.byte(b']')?;
        sc.finish()?;
        let name = text(f, name);
        if !name.starts_with("book") {
            return None;
        }
        let checksum = checksum.map(|c| text(f, span(b, c)));
        Some(self.emit_v1_book(f, name, text(f, pair), false, checksum, ts_recv, out))
    }
}
