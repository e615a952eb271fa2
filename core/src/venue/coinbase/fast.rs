//! Fast paths for Coinbase Advanced Trade's hot frames (`l2_data`, `market_trades`) in the
//! compact form the venue sends: the envelope and events are read with the strict scanner into
//! the same span buffers the general path fills, and the same code turns them into events.
//! Anything else (whitespace, escapes, an unknown or repeated key, another channel) returns
//! `None` and the general sonic-rs path reads the frame (a test checks both agree on every
//! corpus frame).

use super::util::Span;
use super::wire::{Header, L2Event, L2Level};
use super::CoinbaseParser;
use crate::event::{Event, Nanos};
use crate::venue::scan::{Next, Scanner};
use crate::venue::{Control, ParseError};

/// One `market_trades` trade as spans into the frame.
#[derive(Clone, Copy, Debug)]
pub(super) struct TradeSpans {
    product: Span,
    id: Span,
    price: Span,
    size: Span,
    time: Option<Span>,
    side: Span,
}

fn span(f: &[u8], s: &[u8]) -> Span {
    let start = (s.as_ptr() as usize).wrapping_sub(f.as_ptr() as usize);
    (start as u32, (start + s.len()) as u32)
}

fn text(f: &str, sp: Span) -> &str {
    f.get(sp.0 as usize..sp.1 as usize).unwrap_or("")
}

impl CoinbaseParser {
    /// The envelope of an `l2_data` / `market_trades` frame, its events read into the scratch.
    pub(super) fn fast_header<'a>(&mut self, f: &'a str) -> Option<Header<'a>> {
        if f.len() > u32::MAX as usize || !f.starts_with("{\"channel\":\"") {
            return None;
        }
        let b = f.as_bytes();
        let mut sc = Scanner::new(b);
        sc.byte(b'{')?;
        self.l2.events.clear();
        self.l2.levels.clear();
        self.trades.clear();
        let mut h = Header::default();
        let mut seen = 0u8;
        let mut once = |bit: u8| -> Option<()> {
            if seen & bit != 0 {
                return None;
            }
            seen |= bit;
            Some(())
        };
        loop {
            match sc.key()? {
                b"channel" => {
                    once(1)?;
                    h.channel = Some(text(f, span(b, sc.string()?)));
                }
                b"client_id" => {
                    once(2)?;
                    sc.string()?;
                }
                b"timestamp" => {
                    once(4)?;
                    h.timestamp = Some(text(f, span(b, sc.string()?)));
                }
                b"sequence_num" => {
                    once(8)?;
                    h.sequence_num = Some(sc.uint()?);
                }
                b"events" => {
                    once(16)?;
                    match h.channel? {
                        "l2_data" => {
                            self.fast_l2(b, &mut sc)?;
                            h.l2_in_place = true;
                        }
                        "market_trades" => {
                            self.fast_trades(b, &mut sc)?;
                            h.trades_in_place = true;
                        }
                        _ => return None,
                    }
                }
                _ => return None,
            }
            if sc.next(b'}')? == Next::End {
                break;
            }
        }
        sc.finish()?;
        (h.l2_in_place || h.trades_in_place).then_some(h)
    }

    fn fast_l2(&mut self, b: &[u8], sc: &mut Scanner<'_>) -> Option<()> {
        sc.byte(b'[')?;
        if sc.byte(b']').is_some() {
            return Some(());
        }
        loop {
            sc.byte(b'{')?;
            let mut ev = L2Event::default();
            let mut got = 0u8;
            loop {
                match sc.key()? {
                    b"type" if got & 1 == 0 => {
                        let t = sc.string()?;
                        ev.known_type = t == b"snapshot" || t == b"update";
                        ev.snapshot = t == b"snapshot";
                        got |= 1;
                    }
                    b"product_id" if got & 2 == 0 => {
                        ev.product = span(b, sc.string()?);
                        got |= 2;
                    }
                    b"updates" if got & 4 == 0 => {
                        let start = self.l2.levels.len() as u32;
                        self.fast_levels(b, sc)?;
                        ev.levels = (start, self.l2.levels.len() as u32);
                        got |= 4;
                    }
                    _ => return None,
                }
                if sc.next(b'}')? == Next::End {
                    break;
                }
            }
            if got & 6 != 6 {
                return None;
            }
            self.l2.events.push(ev);
            if sc.next(b']')? == Next::End {
                return Some(());
            }
        }
    }

    fn fast_levels(&mut self, b: &[u8], sc: &mut Scanner<'_>) -> Option<()> {
        sc.byte(b'[')?;
        if sc.byte(b']').is_some() {
            return Some(());
        }
        loop {
            sc.byte(b'{')?;
            let mut l = L2Level::default();
            let mut got = 0u8;
            loop {
                match sc.key()? {
                    b"side" if got & 1 == 0 => {
                        l.side = match sc.string()? {
                            b"bid" => 1,
                            b"offer" | b"ask" => 2,
                            _ => return None,
                        };
                        got |= 1;
                    }
                    b"event_time" if got & 2 == 0 => {
                        l.time = span(b, sc.string()?);
                        got |= 2;
                    }
                    b"price_level" if got & 4 == 0 => {
                        l.px = span(b, sc.string()?);
                        got |= 4;
                    }
                    b"new_quantity" if got & 8 == 0 => {
                        l.qty = span(b, sc.string()?);
                        got |= 8;
                    }
                    _ => return None,
                }
                if sc.next(b'}')? == Next::End {
                    break;
                }
            }
            if got & 13 != 13 {
                return None;
            }
            self.l2.levels.push(l);
            if sc.next(b']')? == Next::End {
                return Some(());
            }
        }
    }

    fn fast_trades(&mut self, b: &[u8], sc: &mut Scanner<'_>) -> Option<()> {
        sc.byte(b'[')?;
        if sc.byte(b']').is_some() {
            return Some(());
        }
        loop {
            sc.byte(b'{')?;
            let mut got = 0u8;
            loop {
                match sc.key()? {
                    b"type" if got & 1 == 0 => {
                        sc.string()?;
                        got |= 1;
                    }
                    b"trades" if got & 2 == 0 => {
                        self.fast_trade_list(b, sc)?;
                        got |= 2;
                    }
                    _ => return None,
                }
                if sc.next(b'}')? == Next::End {
                    break;
                }
            }
            if got & 2 == 0 {
                return None;
            }
            if sc.next(b']')? == Next::End {
                return Some(());
            }
        }
    }

    fn fast_trade_list(&mut self, b: &[u8], sc: &mut Scanner<'_>) -> Option<()> {
        sc.byte(b'[')?;
        if sc.byte(b']').is_some() {
            return Some(());
        }
        loop {
            sc.byte(b'{')?;
            let mut got = 0u8;
            let (mut product, mut id, mut price, mut size, mut side) =
                ((0, 0), (0, 0), (0, 0), (0, 0), (0, 0));
            let mut time = None;
            loop {
                let key = sc.key()?;
                let bit = match key {
                    b"product_id" => 1,
                    b"trade_id" => 2,
                    b"price" => 4,
                    b"size" => 8,
                    b"time" => 16,
                    b"side" => 32,
                    _ => return None,
                };
                if got & bit != 0 {
                    return None;
                }
                got |= bit;
                let v = span(b, sc.string()?);
                match bit {
                    1 => product = v,
                    2 => id = v,
                    4 => price = v,
                    8 => size = v,
                    16 => time = Some(v),
                    _ => side = v,
                }
                if sc.next(b'}')? == Next::End {
                    break;
                }
            }
            if got & 47 != 47 {
                return None;
            }
            self.trades.push(TradeSpans {
                product,
                id,
                price,
                size,
                time,
                side,
            });
            if sc.next(b']')? == Next::End {
                return Some(());
            }
        }
    }

    /// The trades read by [`Self::fast_header`] → events (the general path's code).
    pub(super) fn trade_spans(
        &mut self,
        f: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        for i in 0..self.trades.len() {
            let t = self.trades[i];
            let id = text(f, t.id);
            // the general path reads trade_id as a number's text: same refusal here
            if !matches!(
                id.as_bytes().first(),
                Some(b'-' | b'0'..=b'9' | b'.' | b'+')
            ) {
                return Err(ParseError::Malformed(format!("trade_id {id:?}")));
            }
            let trade = super::wire::Trade {
                product_id: text(f, t.product),
                trade_id: super::util::NumText(id),
                price: text(f, t.price),
                size: text(f, t.size),
                time: t.time.map(|s| text(f, s)),
                side: text(f, t.side),
            };
            self.trade(&trade, ts_recv, out)?;
        }
        Ok(Control::Data)
    }
}
