//! Book levels → events, shared by OKX and Bitget (same level layout, same checksum): exact
//! decimals at the instrument's exponents, the text digits of every level in `v[4]`, and the
//! message's checksum on its `LAST` event.

use super::wire::{text_digits, LevelSpan};
use crate::decimal;
use crate::event::{book_text, book_text_with_checksum, flags, Event, Side};
use crate::instrument::Resolved;
use crate::venue::ParseError;

/// One book message: level spans into `text`, bids then asks.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BookMsg<'a> {
    /// The `data` text the spans index.
    pub text: &'a str,
    /// Every level span of the message.
    pub spans: &'a [LevelSpan],
    /// `spans[bids.0..bids.1]`.
    pub bids: (usize, usize),
    /// `spans[asks.0..asks.1]`.
    pub asks: (usize, usize),
    /// The checksum the venue sent (signed CRC32), when it is not 0.
    pub checksum: Option<u32>,
}

/// Appends the message's levels (bids, then asks) as copies of `tmpl` (whose flags, `seq`,
/// timestamps and `v[2]`/`v[3]` are already set), brackets them with `FIRST`/`LAST` (a message
/// without levels is one `NO_LEVEL` event), and attaches the checksum to the last one. On a
/// value that does not fit, nothing is appended.
pub(crate) fn emit_book(
    out: &mut Vec<Event>,
    tmpl: Event,
    r: Resolved,
    m: &BookMsg<'_>,
) -> Result<(), ParseError> {
    let start = out.len();
    let b = m.text.as_bytes();
    let mut index = 0u32;
    for (range, side) in [(m.bids, Side::Buy), (m.asks, Side::Sell)] {
        for span in &m.spans[range.0..range.1] {
            let px = &b[span[0] as usize..span[1] as usize];
            let qty = &b[span[2] as usize..span[3] as usize];
            let mut ev = tmpl;
            ev.side = side as u8;
            ev.aux = index;
            let value = |s: &[u8], exp: i8| {
                decimal::parse(s, exp).map_err(|error| ParseError::Value {
                    instrument: r.id,
                    seq: tmpl.seq,
                    error,
                })
            };
            match (value(px, r.px_exp), value(qty, r.qty_exp)) {
                (Ok(p), Ok(q)) => {
                    ev.v[0] = p;
                    ev.v[1] = q;
                }
                (Err(e), _) | (_, Err(e)) => {
                    out.truncate(start);
                    return Err(e);
                }
            }
            if ev.v[1] < 0 {
                out.truncate(start);
                return Err(ParseError::Malformed("negative book level size".into()));
            }
            ev.v[4] = book_text(text_digits(px), text_digits(qty));
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
    if let Some(cs) = m.checksum {
        out[last].v[4] = book_text_with_checksum(out[last].v[4], cs);
    }
    Ok(())
}

/// A checksum as sent (signed 32-bit, or its unsigned bits) → its `u32` bits; 0 means none.
pub(crate) fn checksum_bits(cs: Option<i64>) -> Result<Option<u32>, ParseError> {
    match cs {
        None | Some(0) => Ok(None),
        Some(c) => {
            if let Ok(s) = i32::try_from(c) {
                Ok(Some(s as u32))
            } else if let Ok(u) = u32::try_from(c) {
                Ok(Some(u))
            } else {
                Err(ParseError::Malformed(format!(
                    "checksum {c} is not a 32-bit value"
                )))
            }
        }
    }
}
