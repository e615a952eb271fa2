//! Canonical JSON lines for events and book tops: what `tickwire replay` and `tickwire stream`
//! print, and what the Python and C faces are checked against.
//!
//! Numbers are exact decimal strings in canonical form (no exponent, no trailing zeros);
//! integers (ids, timestamps in ns) are JSON integers.

use crate::book::{Level, Top};
use crate::decimal::format_into;
use crate::event::{flags, Event, Kind, Side, StatusCode, Venue};
use crate::instrument::Instruments;
use std::fmt::Write as _;

/// Appends one event as a JSON object (no newline) to `out`. `symbol` is the instrument's
/// native symbol (`None` for connection-level status).
pub fn write_event(out: &mut String, ev: &Event, symbol: Option<&str>) {
    let venue = ev.venue().map_or("unknown", Venue::name);
    out.push_str("{\"venue\":\"");
    out.push_str(venue);
    out.push_str("\",\"symbol\":");
    match symbol {
        Some(s) => write_str(out, s),
        None => out.push_str("null"),
    }
    let kind = ev.kind();
    let _ = write!(
        out,
        ",\"kind\":\"{}\",\"seq\":{},\"ts_exchange\":{},\"ts_recv\":{}",
        kind.map_or("unknown", Kind::name),
        ev.seq,
        ev.ts_exchange,
        ev.ts_recv
    );
    let px = |out: &mut String, key: &str, m: i64| field_dec(out, key, m, ev.px_exp);
    let qty = |out: &mut String, key: &str, m: i64| field_dec(out, key, m, ev.qty_exp);
    match kind {
        Some(Kind::Trade) => {
            let side = match ev.side() {
                Side::Buy => "buy",
                Side::Sell => "sell",
                Side::None => "unknown",
            };
            let _ = write!(out, ",\"side\":\"{side}\"");
            px(out, "price", ev.v[0]);
            qty(out, "qty", ev.v[1]);
            if ev.has(flags::AGGREGATED) {
                let _ = write!(
                    out,
                    ",\"first_trade_id\":{},\"last_trade_id\":{}",
                    ev.v[2], ev.v[3]
                );
            }
            if ev.has(flags::OFF_BOOK) {
                out.push_str(",\"off_book\":true");
            }
        }
        Some(Kind::Quote) => {
            px(out, "bid_px", ev.v[0]);
            qty(out, "bid_qty", ev.v[1]);
            px(out, "ask_px", ev.v[2]);
            qty(out, "ask_qty", ev.v[3]);
        }
        Some(Kind::BookLevel) => {
            if ev.has(flags::NO_LEVEL) {
                out.push_str(",\"side\":null");
            } else {
                let side = if ev.side() == Side::Buy { "bid" } else { "ask" };
                let _ = write!(out, ",\"side\":\"{side}\"");
                px(out, "price", ev.v[0]);
                qty(out, "qty", ev.v[1]);
            }
            let _ = write!(out, ",\"first_id\":{},\"prev_id\":{}", ev.v[2], ev.v[3]);
            for (f, name) in [
                (flags::SNAPSHOT, "snapshot"),
                (flags::TOP_N, "top_n"),
                (flags::FIRST, "first"),
                (flags::LAST, "last"),
            ] {
                if ev.has(f) {
                    let _ = write!(out, ",\"{name}\":true");
                }
            }
        }
        Some(Kind::Candle) => {
            px(out, "open", ev.v[0]);
            px(out, "high", ev.v[1]);
            px(out, "low", ev.v[2]);
            px(out, "close", ev.v[3]);
            qty(out, "volume", ev.v[4]);
            let _ = write!(
                out,
                ",\"interval_s\":{},\"closed\":{}",
                ev.aux,
                ev.has(flags::CLOSED)
            );
        }
        Some(Kind::Status) => {
            let name = ev.status().map_or("unknown", StatusCode::name);
            let _ = write!(
                out,
                ",\"status\":\"{name}\",\"count\":{},\"from\":{},\"to\":{}",
                ev.v[0], ev.v[1], ev.v[2]
            );
        }
        None => {}
    }
    if ev.has(flags::BACKFILLED) {
        out.push_str(",\"backfilled\":true");
    }
    out.push('}');
}

/// Appends one book top as `{"venue","symbol","seq","bid_px","bid_qty","ask_px","ask_qty"}`
/// (a missing side prints `null`s).
pub fn write_top(out: &mut String, top: &Top, symbol: &str) {
    let _ = write!(out, "{{\"venue\":\"{}\",\"symbol\":", top.venue.name());
    write_str(out, symbol);
    let _ = write!(out, ",\"seq\":{}", top.seq);
    let side = |out: &mut String, l: Option<Level>, p: &str, q: &str| match l {
        Some(l) => {
            field_dec(out, p, l.px, top.px_exp);
            field_dec(out, q, l.qty, top.qty_exp);
        }
        None => {
            let _ = write!(out, ",\"{p}\":null,\"{q}\":null");
        }
    };
    side(out, top.bid, "bid_px", "bid_qty");
    side(out, top.ask, "ask_px", "ask_qty");
    out.push('}');
}

/// [`write_event`] resolving the symbol through the instrument table.
pub fn event_line(ev: &Event, instruments: &Instruments) -> String {
    let mut s = String::with_capacity(256);
    let sym = instruments.info(ev.instrument());
    write_event(&mut s, ev, sym.as_ref().map(|i| i.symbol.as_str()));
    s
}

fn field_dec(out: &mut String, key: &str, m: i64, exp: i8) {
    let mut buf = [0u8; 48];
    let n = format_into(m, exp, &mut buf);
    let _ = write!(out, ",\"{key}\":\"");
    // format_into writes ASCII digits, '-' and '.'
    out.push_str(std::str::from_utf8(&buf[..n]).unwrap_or("?"));
    out.push('"');
}

fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Nanos;

    #[test]
    fn trade_line_is_canonical() {
        let ev = Event {
            kind: Kind::Trade as u8,
            venue: Venue::Binance as u16,
            side: Side::Sell as u8,
            seq: 7,
            ts_exchange: 1_000_000,
            ts_recv: 2,
            px_exp: -8,
            qty_exp: -8,
            v: [6183763000000, 2000000, 0, 0, 0],
            ..Event::default()
        };
        let mut s = String::new();
        write_event(&mut s, &ev, Some("BTC\"USDT"));
        assert_eq!(
            s,
            r#"{"venue":"binance","symbol":"BTC\"USDT","kind":"trade","seq":7,"ts_exchange":1000000,"ts_recv":2,"side":"sell","price":"61837.63","qty":"0.02"}"#
        );
        let st = Event::status_event(
            Venue::Binance,
            crate::InstrumentId::NONE,
            StatusCode::Gap,
            Nanos(5),
            3,
            10,
            12,
        );
        s.clear();
        write_event(&mut s, &st, None);
        assert!(
            s.ends_with(r#""status":"gap","count":3,"from":10,"to":12}"#),
            "{s}"
        );
    }
}
