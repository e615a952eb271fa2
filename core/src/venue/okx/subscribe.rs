//! OKX v5 WebSocket protocol: endpoints, stream keys, subscribe frames, heartbeat, limits.
//!
//! * `wss://ws.okx.com:8443/ws/v5/public` carries books, `bbo-tbt`, trades and tickers;
//!   `/ws/v5/business` carries candles (`candle1m`, …) and `trades-all`.
//! * Subscribe: `{"id":"7","op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"}]}`
//!   (the `id` is echoed in the ack); one ack per arg.
//! * OKX closes a connection that received nothing for 30 s: the client sends the text `ping`
//!   every 25 s and gets `pong`.
//! * Limits: 480 subscribe/unsubscribe/login operations per hour per connection, 64 KB of args
//!   per request, 3 connection requests per second per IP; OKX recommends fewer than 30
//!   depth channels per connection.
//! * A book that lost sync is resubscribed: OKX sends a fresh snapshot on subscribe.

use crate::event::Venue;
use crate::venue::protocol::{variant_or_default as pick, Channel, Limits, Protocol, Resync};
use std::time::Duration;

/// The OKX protocol.
#[derive(Debug)]
pub struct OkxProtocol;

/// The OKX protocol (the registry's instance).
pub static PROTOCOL: OkxProtocol = OkxProtocol;

/// The public endpoint path.
pub const PUBLIC: &str = "/ws/v5/public";
/// The business endpoint path (candles, `trades-all`).
pub const BUSINESS: &str = "/ws/v5/business";

/// The book channels a spec may choose (`book=books5`), the default first: `books` (400
/// levels, snapshot then diffs every 100 ms), `books5` (a full top-5 image every push),
/// `books-l2-tbt` (400 levels, tick by tick) and `books50-l2-tbt` (50 levels, tick by tick);
/// OKX serves the two `-l2-tbt` channels only to logged-in VIP accounts.
pub const BOOK_VARIANTS: &[&str] = &["books", "books5", "books-l2-tbt", "books50-l2-tbt"];
/// The trade channels: `trades` (fills of one taker order at one price aggregated, `count`)
/// and `trades-all` (one trade per fill, on `/ws/v5/business`).
pub const TRADES_VARIANTS: &[&str] = &["trades", "trades-all"];

/// The candle channels by unified interval (`candles=1h` → `candle1H`), the default first.
/// Six hours and longer take the `utc` channels: OKX's plain `candle6H`…`candle1M` open at
/// 00:00 Hong Kong time (UTC+8), the `…utc` ones at 00:00 UTC like every other venue's.
pub const CANDLES: &[(&str, &str)] = &[
    ("1m", "candle1m"),
    ("1s", "candle1s"),
    ("3m", "candle3m"),
    ("5m", "candle5m"),
    ("15m", "candle15m"),
    ("30m", "candle30m"),
    ("1h", "candle1H"),
    ("2h", "candle2H"),
    ("4h", "candle4H"),
    ("6h", "candle6Hutc"),
    ("12h", "candle12Hutc"),
    ("1d", "candle1Dutc"),
    ("3d", "candle3Dutc"),
    ("1w", "candle1Wutc"),
    ("1M", "candle1Mutc"),
];
/// The unified candle intervals of [`CANDLES`] (`candles=5m`), the default first.
pub const CANDLE_VARIANTS: &[&str] =
    &crate::venue::protocol::unified_names::<{ CANDLES.len() }>(CANDLES);

/// A stream key is `channel:instId` (`books:BTC-USDT`).
fn split(stream: &str) -> (&str, &str) {
    stream.split_once(':').unwrap_or((stream, ""))
}

fn frame(op: &str, streams: &[String], id: u64) -> String {
    let mut f = format!("{{\"id\":\"{id}\",\"op\":\"{op}\",\"args\":[");
    for (i, s) in streams.iter().enumerate() {
        let (channel, inst) = split(s);
        if i > 0 {
            f.push(',');
        }
        f.push_str("{\"channel\":\"");
        push_escaped(&mut f, channel);
        f.push_str("\",\"instId\":\"");
        push_escaped(&mut f, inst);
        f.push_str("\"}");
    }
    f.push_str("]}");
    f
}

/// JSON string content (symbols never need escaping; a hostile one stays valid JSON).
pub(crate) fn push_escaped(f: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '"' => f.push_str("\\\""),
            '\\' => f.push_str("\\\\"),
            c if (c as u32) < 0x20 => f.push_str(&format!("\\u{:04x}", c as u32)),
            c => f.push(c),
        }
    }
}

impl Protocol for OkxProtocol {
    fn venue(&self) -> Venue {
        Venue::Okx
    }
    fn ws_origin(&self) -> &'static str {
        "wss://ws.okx.com:8443"
    }
    fn ws_path(&self, stream: &str) -> &'static str {
        let (channel, _) = split(stream);
        if channel.starts_with("candle") || channel == "trades-all" {
            BUSINESS
        } else {
            PUBLIC
        }
    }
    fn variants(&self, channel: Channel) -> &'static [&'static str] {
        match channel {
            Channel::Trades => TRADES_VARIANTS,
            Channel::Book => BOOK_VARIANTS,
            Channel::Candles => CANDLE_VARIANTS,
            _ => &[],
        }
    }
    fn streams(&self, symbol: &str, channel: Channel, variant: Option<&str>) -> Vec<String> {
        let c = match channel {
            Channel::Trades => pick(TRADES_VARIANTS, variant),
            // `trades` aggregates the fills of one taker order at one price (`count`)
            Channel::AggTrades => "trades",
            Channel::Bbo => "bbo-tbt",
            Channel::Book => pick(BOOK_VARIANTS, variant),
            Channel::Candles => crate::venue::protocol::native_interval(CANDLES, variant),
        };
        vec![format!("{c}:{symbol}")]
    }
    fn subscribe(&self, streams: &[String], id: u64) -> Vec<String> {
        if streams.is_empty() {
            return Vec::new();
        }
        vec![frame("subscribe", streams, id)]
    }
    fn unsubscribe(&self, streams: &[String], id: u64) -> Vec<String> {
        if streams.is_empty() {
            return Vec::new();
        }
        vec![frame("unsubscribe", streams, id)]
    }
    fn heartbeat(&self) -> Option<(Duration, String)> {
        Some((Duration::from_secs(25), "ping".to_string()))
    }
    fn limits(&self) -> Limits {
        Limits {
            max_streams: 30,
            streams_per_msg: 30,
            // OKX limits operations per hour (480 subscribe/unsubscribe/login per connection),
            // not messages per second; this only spaces them (pings included)
            max_msgs_per_sec: 10,
            lifetime_secs: 0,
            idle_timeout_secs: 30,
            // GET /api/v5/market/books: 40 requests / 2 s / IP
            rest_weight_per_minute: 1200,
            snapshot_weight: 1,
        }
    }
    fn rest_origin(&self) -> &'static str {
        "https://www.okx.com"
    }
    /// Diff channels resubscribe (OKX sends a snapshot on subscribe); `books5` pushes a full
    /// top-5 image every time: nothing to do.
    fn resync(&self, symbol: &str, variant: Option<&str>) -> Resync {
        match pick(BOOK_VARIANTS, variant) {
            "books5" => Resync::None,
            c => Resync::Resubscribe(vec![format!("{c}:{symbol}")]),
        }
    }
    fn unified_symbol(&self, native: &str) -> String {
        unified_symbol(native)
    }
}

/// `BTC-USDT` → `BTC-USDT`; `BTC-USDT-SWAP` → `BTC-USDT-PERP`; `BTC-USD-220527` →
/// `BTC-USD-20220527`; options keep strike and type (`BTC-USD-220624-50000-C` →
/// `BTC-USD-20220624-50000-C`). Anything else is returned upper-cased.
pub fn unified_symbol(native: &str) -> String {
    let up = native.to_ascii_uppercase();
    let parts: Vec<&str> = up.split('-').collect();
    match parts.as_slice() {
        [base, quote, "SWAP"] => format!("{base}-{quote}-PERP"),
        [base, quote, date, rest @ ..]
            if date.len() == 6 && date.bytes().all(|c| c.is_ascii_digit()) =>
        {
            let mut s = format!("{base}-{quote}-20{date}");
            for r in rest {
                s.push('-');
                s.push_str(r);
            }
            s
        }
        _ => up,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_the_documented_ones() {
        let p = &PROTOCOL;
        let s = p.streams("BTC-USDT", Channel::Book, None);
        assert_eq!(s, vec!["books:BTC-USDT"]);
        assert_eq!(
            p.subscribe(&s, 1512),
            vec![
                r#"{"id":"1512","op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"}]}"#
            ]
        );
        let two = vec!["books:BTC-USDT".to_string(), "trades:BTC-USDT".to_string()];
        assert_eq!(
            p.unsubscribe(&two, 3),
            vec![
                r#"{"id":"3","op":"unsubscribe","args":[{"channel":"books","instId":"BTC-USDT"},{"channel":"trades","instId":"BTC-USDT"}]}"#
            ]
        );
        for f in p.subscribe(&two, 9) {
            let v: sonic_rs::Value = sonic_rs::from_str(&f).expect("valid JSON");
            drop(v);
        }
        assert!(p.subscribe(&[], 1).is_empty());
        assert_eq!(p.ws_path("books:BTC-USDT"), PUBLIC);
        assert_eq!(p.ws_path("bbo-tbt:BTC-USDT"), PUBLIC);
        assert_eq!(p.ws_path("candle1m:BTC-USDT"), BUSINESS);
        assert_eq!(p.ws_path("trades-all:BTC-USDT"), BUSINESS);
        assert_eq!(p.ws_path("trades:BTC-USDT"), PUBLIC);
        assert_eq!(p.streams("X", Channel::Bbo, None), vec!["bbo-tbt:X"]);
        assert_eq!(p.streams("X", Channel::Trades, None), vec!["trades:X"]);
        assert_eq!(p.streams("X", Channel::Candles, None), vec!["candle1m:X"]);
        assert_eq!(
            p.heartbeat(),
            Some((Duration::from_secs(25), "ping".to_string()))
        );
        assert!(p.heartbeat().unwrap().0.as_secs() < p.limits().idle_timeout_secs);
        assert_eq!(
            p.resync("BTC-USDT", None),
            Resync::Resubscribe(vec!["books:BTC-USDT".into()])
        );
        assert_eq!(p.ws_origin(), "wss://ws.okx.com:8443");
        // a hostile symbol cannot break the JSON
        let f = &p.subscribe(&["books:A\"B".to_string()], 1)[0];
        assert!(sonic_rs::from_str::<sonic_rs::Value>(f).is_ok());
    }

    #[test]
    fn variants_choose_the_stream_and_its_resync() {
        let p = &PROTOCOL;
        assert_eq!(p.variants(Channel::Book), BOOK_VARIANTS);
        assert_eq!(p.variants(Channel::Trades), ["trades", "trades-all"]);
        assert_eq!(p.variants(Channel::Candles)[0], "1m");
        for (v, stream) in [
            (None, "books:BTC-USDT"),
            (Some("books"), "books:BTC-USDT"),
            (Some("books5"), "books5:BTC-USDT"),
            (Some("books-l2-tbt"), "books-l2-tbt:BTC-USDT"),
            (Some("books50-l2-tbt"), "books50-l2-tbt:BTC-USDT"),
        ] {
            let s = p.streams("BTC-USDT", Channel::Book, v);
            assert_eq!(s, [stream]);
            assert_eq!(p.ws_path(stream), PUBLIC);
            // the resync resubscribes the very stream the book came on (books5: nothing)
            let want = if v == Some("books5") {
                Resync::None
            } else {
                Resync::Resubscribe(s.clone())
            };
            assert_eq!(p.resync("BTC-USDT", v), want, "{v:?}");
        }
        assert_eq!(
            p.subscribe(
                &p.streams("BTC-USDT", Channel::Book, Some("books-l2-tbt")),
                4
            ),
            [
                r#"{"id":"4","op":"subscribe","args":[{"channel":"books-l2-tbt","instId":"BTC-USDT"}]}"#
            ]
        );
        assert_eq!(
            p.unsubscribe(&p.streams("BTC-USDT", Channel::Book, Some("books5")), 5),
            [r#"{"id":"5","op":"unsubscribe","args":[{"channel":"books5","instId":"BTC-USDT"}]}"#]
        );
        // trades-all lives on the business endpoint
        let t = p.streams("BTC-USDT", Channel::Trades, Some("trades-all"));
        assert_eq!(t, ["trades-all:BTC-USDT"]);
        assert_eq!(p.ws_path(&t[0]), BUSINESS);
        assert_eq!(
            p.streams("BTC-USDT", Channel::AggTrades, None),
            ["trades:BTC-USDT"]
        );
    }

    #[test]
    fn candle_intervals_choose_the_channel() {
        let p = &PROTOCOL;
        let v = p.variants(Channel::Candles);
        assert_eq!(v.len(), CANDLES.len());
        for ((u, native), w) in CANDLES.iter().zip(v) {
            assert_eq!(u, w);
            let s = p.streams("BTC-USDT", Channel::Candles, Some(u));
            assert_eq!(s, [format!("{native}:BTC-USDT")]);
            // every candle channel is on the business endpoint
            assert_eq!(p.ws_path(&s[0]), BUSINESS);
            // the parser reads the channel's interval back as the unified one's
            assert_eq!(
                crate::venue::okx::bar_seconds(&native["candle".len()..]),
                crate::venue::protocol::candle_seconds(u),
                "{native}"
            );
        }
        let mut two = p.streams("BTC-USDT", Channel::Candles, None);
        two.extend(p.streams("BTC-USDT", Channel::Candles, Some("5m")));
        assert_eq!(
            p.subscribe(&two, 8),
            [
                r#"{"id":"8","op":"subscribe","args":[{"channel":"candle1m","instId":"BTC-USDT"},{"channel":"candle5m","instId":"BTC-USDT"}]}"#
            ]
        );
        assert_eq!(
            p.unsubscribe(&two[1..], 9),
            [
                r#"{"id":"9","op":"unsubscribe","args":[{"channel":"candle5m","instId":"BTC-USDT"}]}"#
            ]
        );
        assert_eq!(
            p.streams("BTC-USDT", Channel::Candles, Some("1d")),
            ["candle1Dutc:BTC-USDT"]
        );
        assert!(!v.contains(&"8h"), "OKX has no 8-hour candles");
    }

    #[test]
    fn unified_symbols() {
        assert_eq!(unified_symbol("BTC-USDT"), "BTC-USDT");
        assert_eq!(unified_symbol("BTC-USDT-SWAP"), "BTC-USDT-PERP");
        assert_eq!(unified_symbol("BTC-USD-SWAP"), "BTC-USD-PERP");
        assert_eq!(unified_symbol("BTC-USD-220527"), "BTC-USD-20220527");
        assert_eq!(unified_symbol("BTC-USDT-260925"), "BTC-USDT-20260925");
        assert_eq!(
            unified_symbol("BTC-USD-220624-50000-C"),
            "BTC-USD-20220624-50000-C"
        );
        assert_eq!(unified_symbol("uni-usd-swap"), "UNI-USD-PERP");
    }
}
