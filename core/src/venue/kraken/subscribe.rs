//! Kraken spot WebSocket v2 endpoints, limits and control frames (sans-IO). `docs/exchanges.md`
//! §9.
//!
//! * Stream keys are `<channel>:<symbol>` with v2 symbols (`book:BTC/USD`, `trade:BTC/USD`,
//!   `ticker:BTC/USD`, `ohlc:BTC/USD`) plus `instrument`, which every book subscription brings
//!   along: its snapshot gives each pair's price and quantity precision, which v2 checksums are
//!   formatted with (and the exponents, when it arrives before the pair's first message).
//! * One subscribe frame per channel, naming all its symbols:
//!   `{"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":10},"req_id":1}`.
//!   BBO is the ticker with `"event_trigger":"bbo"`; candles are `ohlc` with `"interval":1`
//!   (minutes), or the interval chosen: `ohlc.60:BTC/USD` is `ohlc` at 60 minutes, and each
//!   interval gets its own frame (an `ohlc` request takes one interval).
//! * The client pings (`{"method":"ping"}`) every 30 s; the server also sends `heartbeat`.
//! * A book resyncs by resubscribing: the venue sends a new snapshot.

use crate::event::Venue;
use crate::venue::protocol::{variant_or_default, Channel, Limits, Protocol, Resync};
use std::fmt::Write as _;
use std::time::Duration;

/// Kraken spot v2's [`Protocol`].
#[derive(Debug)]
pub struct KrakenProtocol;

/// The protocol of Kraken spot (WebSocket v2).
pub static PROTOCOL: KrakenProtocol = KrakenProtocol;

/// Book depth the protocol subscribes (the checksum covers the top 10 whatever the depth).
pub const BOOK_DEPTH: u32 = 10;

/// The book depths a spec may choose (`book=100`), the default first.
pub const BOOK_VARIANTS: &[&str] = &["10", "25", "100", "500", "1000"];

/// The channel part of a book stream key: `book` at [`BOOK_DEPTH`], `book.<depth>` at another
/// depth (`book.100:BTC/USD`).
fn book_channel(variant: Option<&str>) -> String {
    match variant_or_default(BOOK_VARIANTS, variant) {
        d if d == BOOK_VARIANTS[0] => "book".to_string(),
        d => format!("book.{d}"),
    }
}

/// The `ohlc` intervals by unified name (`candles=1h` → `"interval":60`, minutes), the default
/// first (`docs/exchanges.md` §9.2: 1 5 15 30 60 240 1440 10080 21600; 21600, fifteen days,
/// has no unified name).
pub const CANDLES: &[(&str, &str)] = &[
    ("1m", "1"),
    ("5m", "5"),
    ("15m", "15"),
    ("30m", "30"),
    ("1h", "60"),
    ("4h", "240"),
    ("1d", "1440"),
    ("1w", "10080"),
];
/// The unified candle intervals of [`CANDLES`] (`candles=5m`), the default first.
pub const CANDLE_VARIANTS: &[&str] =
    &crate::venue::protocol::unified_names::<{ CANDLES.len() }>(CANDLES);

/// The channel part of a candle stream key: `ohlc` at one minute, `ohlc.<minutes>` at another
/// interval (`ohlc.60:BTC/USD`).
fn ohlc_channel(variant: Option<&str>) -> String {
    match crate::venue::protocol::native_interval(CANDLES, variant) {
        m if m == CANDLES[0].1 => "ohlc".to_string(),
        m => format!("ohlc.{m}"),
    }
}

/// The `instrument` stream (pair precisions) that book subscriptions bring along.
pub const INSTRUMENT: &str = "instrument";

fn map_asset(a: &str, to_v2: bool) -> &str {
    match (a, to_v2) {
        ("XBT", true) => "BTC",
        ("XDG", true) => "DOGE",
        ("BTC", false) => "XBT",
        ("DOGE", false) => "XDG",
        (a, _) => a,
    }
}

fn map_pair(symbol: &str, to_v2: bool) -> String {
    let up = symbol.trim().to_ascii_uppercase().replace(['-', '_'], "/");
    match up.split_once('/') {
        Some((b, q)) => format!("{}/{}", map_asset(b, to_v2), map_asset(q, to_v2)),
        None => up,
    }
}

/// The v2 name of a pair: `XBT/USD`, `xbt-usd`, `BTC_USD` → `BTC/USD`; `XDG/USD` → `DOGE/USD`.
pub fn v2_name(symbol: &str) -> String {
    map_pair(symbol, true)
}

/// The v1 name of a pair: `BTC/USD` → `XBT/USD`, `DOGE/USD` → `XDG/USD`.
pub fn v1_name(symbol: &str) -> String {
    map_pair(symbol, false)
}

/// The unified form of any Kraken spot name (v1, v2, REST `XXBTZUSD`/`XBTUSD`): `BTC-USD`.
pub fn unified(native: &str) -> String {
    let ws = if native.contains(['/', '-', '_']) {
        native.to_string()
    } else {
        guess_ws_name(native)
    };
    v2_name(&ws).replace('/', "-")
}

/// A WebSocket name for a REST pair key when `AssetPairs` was not seen: `XXBTZUSD` → `XBT/USD`
/// (Kraken's X/Z-prefixed legacy assets), `XBTUSD` → `XBT/USD`, `ADAXBT` → `ADA/XBT`.
pub fn guess_ws_name(key: &str) -> String {
    let k = key.trim().to_ascii_uppercase();
    let b = k.as_bytes();
    if b.len() == 8 && b[0] == b'X' && matches!(b[4], b'X' | b'Z') {
        return format!("{}/{}", &k[1..4], &k[5..8]);
    }
    const QUOTES: &[&str] = &[
        "USDT", "USDC", "USD", "EUR", "GBP", "CAD", "JPY", "CHF", "AUD", "XBT", "ETH", "DAI",
    ];
    for q in QUOTES {
        if k.len() > q.len() && k.ends_with(q) {
            return format!("{}/{}", &k[..k.len() - q.len()], q);
        }
    }
    k
}

/// The stream key of `symbol` (any form) on a v2 channel.
pub fn stream(channel: &str, symbol: &str) -> String {
    format!("{channel}:{}", v2_name(symbol))
}

fn frames(method: &str, streams: &[String], id: u64) -> Vec<String> {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for s in streams {
        let (ch, sym) = match s.split_once(':') {
            Some((c, p)) => (c, Some(p)),
            None => (s.as_str(), None),
        };
        let g = match groups.iter().position(|(c, _)| *c == ch) {
            Some(i) => &mut groups[i].1,
            None => {
                groups.push((ch, Vec::new()));
                &mut groups.last_mut().expect("just pushed").1
            }
        };
        if let Some(p) = sym {
            if !g.contains(&p) {
                g.push(p);
            }
        }
    }
    groups
        .into_iter()
        .enumerate()
        .map(|(i, (ch, symbols))| {
            let clean = |s: &str| s.replace(['"', '\\'], "");
            // `book.100` is the `book` channel at depth 100, `ohlc.60` `ohlc` at 60 minutes
            let name = ch.split_once('.').map_or(ch, |(c, _)| c);
            let mut f = format!(
                "{{\"method\":\"{method}\",\"params\":{{\"channel\":\"{}\"",
                clean(name)
            );
            if !symbols.is_empty() {
                f.push_str(",\"symbol\":[");
                for (j, s) in symbols.iter().enumerate() {
                    if j > 0 {
                        f.push(',');
                    }
                    let _ = write!(f, "\"{}\"", clean(s));
                }
                f.push(']');
            }
            match ch {
                "book" => {
                    let _ = write!(f, ",\"depth\":{BOOK_DEPTH}");
                }
                _ if ch.starts_with("book.") => {
                    let _ = write!(f, ",\"depth\":{}", clean(&ch["book.".len()..]));
                }
                "ticker" => f.push_str(",\"event_trigger\":\"bbo\""),
                "ohlc" => f.push_str(",\"interval\":1"),
                _ if ch.starts_with("ohlc.") => {
                    // minutes: digits only, whatever the key holds
                    let m: String = ch["ohlc.".len()..]
                        .chars()
                        .filter(char::is_ascii_digit)
                        .take(6)
                        .collect();
                    let m = if m.is_empty() { "1" } else { m.as_str() };
                    let _ = write!(f, ",\"interval\":{m}");
                }
                _ => {}
            }
            // one request id per frame: id, id+1, … (acks echo it)
            let _ = write!(f, "}},\"req_id\":{}}}", id.saturating_add(i as u64));
            f
        })
        .collect()
}

impl Protocol for KrakenProtocol {
    fn venue(&self) -> Venue {
        Venue::Kraken
    }
    fn ws_origin(&self) -> &'static str {
        "wss://ws.kraken.com"
    }
    fn ws_path(&self, _stream: &str) -> &'static str {
        "/v2"
    }
    fn variants(&self, channel: Channel) -> &'static [&'static str] {
        match channel {
            Channel::Book => BOOK_VARIANTS,
            Channel::Candles => CANDLE_VARIANTS,
            _ => &[],
        }
    }
    fn streams(&self, symbol: &str, channel: Channel, variant: Option<&str>) -> Vec<String> {
        match channel {
            Channel::Book => vec![
                INSTRUMENT.to_string(),
                stream(&book_channel(variant), symbol),
            ],
            Channel::Trades | Channel::AggTrades => vec![stream("trade", symbol)],
            Channel::Bbo => vec![stream("ticker", symbol)],
            Channel::Candles => vec![stream(&ohlc_channel(variant), symbol)],
        }
    }
    fn subscribe(&self, streams: &[String], id: u64) -> Vec<String> {
        frames("subscribe", streams, id)
    }
    fn unsubscribe(&self, streams: &[String], id: u64) -> Vec<String> {
        let data: Vec<String> = streams
            .iter()
            .filter(|s| s.as_str() != INSTRUMENT)
            .cloned()
            .collect();
        frames("unsubscribe", &data, id)
    }
    fn heartbeat(&self) -> Option<(Duration, String)> {
        Some((Duration::from_secs(30), "{\"method\":\"ping\"}".to_string()))
    }
    fn limits(&self) -> Limits {
        Limits {
            max_streams: 200,
            streams_per_msg: 50,
            max_msgs_per_sec: 5,
            lifetime_secs: 0,
            idle_timeout_secs: 0,
            // public REST: about one request per second
            rest_weight_per_minute: 60,
            snapshot_weight: 1,
        }
    }
    fn rest_origin(&self) -> &'static str {
        "https://api.kraken.com"
    }
    /// Resubscribe the book at the depth it was subscribed at.
    fn resync(&self, symbol: &str, variant: Option<&str>) -> Resync {
        Resync::Resubscribe(vec![stream(&book_channel(variant), symbol)])
    }
    fn unified_symbol(&self, native: &str) -> String {
        unified(native)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_match_the_documented_shape() {
        let p = &PROTOCOL;
        let mut streams: Vec<String> = Vec::new();
        for sym in ["BTC/USD", "xbt-eur"] {
            for c in [
                Channel::Book,
                Channel::Trades,
                Channel::Bbo,
                Channel::Candles,
            ] {
                for s in p.streams(sym, c, None) {
                    if !streams.contains(&s) {
                        streams.push(s);
                    }
                }
            }
        }
        assert_eq!(
            p.subscribe(&streams, 7),
            vec![
                r#"{"method":"subscribe","params":{"channel":"instrument"},"req_id":7}"#,
                r#"{"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD","BTC/EUR"],"depth":10},"req_id":8}"#,
                r#"{"method":"subscribe","params":{"channel":"trade","symbol":["BTC/USD","BTC/EUR"]},"req_id":9}"#,
                r#"{"method":"subscribe","params":{"channel":"ticker","symbol":["BTC/USD","BTC/EUR"],"event_trigger":"bbo"},"req_id":10}"#,
                r#"{"method":"subscribe","params":{"channel":"ohlc","symbol":["BTC/USD","BTC/EUR"],"interval":1},"req_id":11}"#,
            ]
        );
        assert_eq!(
            p.unsubscribe(&p.streams("BTC/USD", Channel::Book, None), 3),
            vec![
                r#"{"method":"unsubscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":10},"req_id":3}"#
            ]
        );
        assert_eq!(
            p.resync("XBT/USD", None),
            Resync::Resubscribe(vec!["book:BTC/USD".into()])
        );
        assert_eq!(
            p.heartbeat(),
            Some((Duration::from_secs(30), r#"{"method":"ping"}"#.to_string()))
        );
        assert_eq!(
            format!("{}{}", p.ws_origin(), p.ws_path("book:BTC/USD")),
            "wss://ws.kraken.com/v2"
        );
    }

    #[test]
    fn book_depths_are_variants() {
        let p = &PROTOCOL;
        assert_eq!(
            p.variants(Channel::Book),
            ["10", "25", "100", "500", "1000"]
        );
        assert!(p.variants(Channel::Trades).is_empty());
        assert_eq!(
            p.streams("XBT/USD", Channel::Book, Some("10")),
            p.streams("XBT/USD", Channel::Book, None)
        );
        let s = p.streams("XBT/USD", Channel::Book, Some("100"));
        assert_eq!(s, ["instrument", "book.100:BTC/USD"]);
        assert_eq!(
            p.subscribe(&s, 4),
            [
                r#"{"method":"subscribe","params":{"channel":"instrument"},"req_id":4}"#,
                r#"{"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":100},"req_id":5}"#,
            ]
        );
        assert_eq!(
            p.unsubscribe(&s, 6),
            [
                r#"{"method":"unsubscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":100},"req_id":6}"#
            ]
        );
        assert_eq!(
            p.resync("BTC/USD", Some("100")),
            Resync::Resubscribe(vec!["book.100:BTC/USD".into()])
        );
        // two depths of two pairs: one frame per depth
        let mut two = p.streams("BTC/USD", Channel::Book, Some("25"));
        two.extend(p.streams("ETH/USD", Channel::Book, Some("1000")));
        let f = p.subscribe(&two, 1);
        assert_eq!(f.len(), 3);
        assert!(f[1].contains(r#""symbol":["BTC/USD"],"depth":25"#));
        assert!(f[2].contains(r#""symbol":["ETH/USD"],"depth":1000"#));
    }

    #[test]
    fn ohlc_intervals_are_variants_one_frame_each() {
        let p = &PROTOCOL;
        assert_eq!(p.variants(Channel::Candles), CANDLE_VARIANTS);
        assert_eq!(
            p.streams("XBT/USD", Channel::Candles, None),
            ["ohlc:BTC/USD"]
        );
        assert_eq!(
            p.streams("XBT/USD", Channel::Candles, Some("1h")),
            ["ohlc.60:BTC/USD"]
        );
        for ((u, minutes), w) in CANDLES.iter().zip(CANDLE_VARIANTS) {
            assert_eq!(u, w);
            let s = p.streams("BTC/USD", Channel::Candles, Some(u));
            let f = p.subscribe(&s, 1);
            assert_eq!(
                f,
                [format!(
                    r#"{{"method":"subscribe","params":{{"channel":"ohlc","symbol":["BTC/USD"],"interval":{minutes}}},"req_id":1}}"#
                )]
            );
            let m: u32 = minutes.parse().unwrap();
            assert_eq!(Some(m * 60), crate::venue::protocol::candle_seconds(u));
        }
        // 1m and 5m of two pairs: one frame per interval, each naming both pairs
        let mut s = Vec::new();
        for sym in ["BTC/USD", "ETH/USD"] {
            for v in [None, Some("5m")] {
                s.extend(p.streams(sym, Channel::Candles, v));
            }
        }
        assert_eq!(
            p.subscribe(&s, 3),
            [
                r#"{"method":"subscribe","params":{"channel":"ohlc","symbol":["BTC/USD","ETH/USD"],"interval":1},"req_id":3}"#,
                r#"{"method":"subscribe","params":{"channel":"ohlc","symbol":["BTC/USD","ETH/USD"],"interval":5},"req_id":4}"#,
            ]
        );
        assert_eq!(
            p.unsubscribe(&s[1..2], 9),
            [
                r#"{"method":"unsubscribe","params":{"channel":"ohlc","symbol":["BTC/USD"],"interval":5},"req_id":9}"#
            ]
        );
        // a hostile key cannot break the JSON
        let f = &p.subscribe(&["ohlc.5\"x:BTC/USD".to_string()], 1)[0];
        assert!(sonic_rs::from_str::<sonic_rs::Value>(f).is_ok(), "{f}");
    }

    #[test]
    fn symbols_unify() {
        assert_eq!(unified("XBT/USD"), "BTC-USD");
        assert_eq!(unified("BTC/USD"), "BTC-USD");
        assert_eq!(unified("XDG/EUR"), "DOGE-EUR");
        assert_eq!(unified("XXBTZUSD"), "BTC-USD");
        assert_eq!(unified("XBTUSD"), "BTC-USD");
        assert_eq!(unified("ADA/XBT"), "ADA-BTC");
        assert_eq!(v1_name("DOGE/USD"), "XDG/USD");
        assert_eq!(v2_name("xbt/usdt"), "BTC/USDT");
        assert_eq!(guess_ws_name("XXMRZUSD"), "XMR/USD");
        assert_eq!(guess_ws_name("SCEUR"), "SC/EUR");
    }
}
