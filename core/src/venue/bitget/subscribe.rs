//! Bitget v2 WebSocket protocol: `wss://ws.bitget.com/v2/ws/public`, one endpoint for spot
//! (`instType` `SPOT`) and USDT-margined futures (`USDT-FUTURES`).
//!
//! * Subscribe: `{"op":"subscribe","args":[{"instType":"SPOT","channel":"books","instId":"BTCUSDT"}]}`;
//!   one ack per arg, `{"event":"subscribe","arg":{…}}`; errors `{"event":"error","code":30005,"msg":"…"}`.
//! * The client sends the text `ping` every 30 s (here 25 s) and gets `pong`; Bitget drops a
//!   connection that sent no `ping` for 2 minutes.
//! * Limits: 240 subscribe requests per hour per connection, at most 1,000 channels per
//!   connection (fewer than 50 recommended), 10 messages per second (`ping` included), 4,096
//!   bytes of args per request; 300 connection requests per 5 minutes and 100 connections
//!   per IP.
//! * A book that lost sync is resubscribed: Bitget sends a snapshot on subscribe.

use crate::event::Venue;
use crate::venue::okx::subscribe::push_escaped;
use crate::venue::protocol::{
    split_concatenated, variant_or_default, Channel, Limits, Protocol, Resync,
};
use std::time::Duration;

/// The Bitget v2 protocol of one market.
#[derive(Debug)]
pub struct BitgetProtocol(pub Venue);

/// Spot.
pub static SPOT: BitgetProtocol = BitgetProtocol(Venue::Bitget);
/// USDT-margined futures.
pub static FUTURES: BitgetProtocol = BitgetProtocol(Venue::BitgetFutures);

/// The book channels a spec may choose (`book=books5`), the default first: `books` (every
/// level, snapshot then updates), `books5` and `books15` (a full top-N image every push).
pub const BOOK_VARIANTS: &[&str] = &["books", "books5", "books15"];

/// The candle channels by unified interval (`candles=1h` → `candle1H`), the default first.
/// Six hours and longer take the `utc` channels (the plain `candle6H`…`candle1M` open at
/// 00:00 UTC+8).
pub const CANDLES: &[(&str, &str)] = &[
    ("1m", "candle1m"),
    ("5m", "candle5m"),
    ("15m", "candle15m"),
    ("30m", "candle30m"),
    ("1h", "candle1H"),
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

/// The public endpoint path.
pub const PUBLIC: &str = "/v2/ws/public";

impl BitgetProtocol {
    /// The v2 `instType` of this market.
    pub fn inst_type(&self) -> &'static str {
        if self.0 == Venue::BitgetFutures {
            "USDT-FUTURES"
        } else {
            "SPOT"
        }
    }

    fn frame(&self, op: &str, streams: &[String]) -> Vec<String> {
        if streams.is_empty() {
            return Vec::new();
        }
        let mut f = format!("{{\"op\":\"{op}\",\"args\":[");
        for (i, s) in streams.iter().enumerate() {
            let (channel, inst) = s.split_once(':').unwrap_or((s, ""));
            if i > 0 {
                f.push(',');
            }
            f.push_str("{\"instType\":\"");
            f.push_str(self.inst_type());
            f.push_str("\",\"channel\":\"");
            push_escaped(&mut f, channel);
            f.push_str("\",\"instId\":\"");
            push_escaped(&mut f, inst);
            f.push_str("\"}");
        }
        f.push_str("]}");
        vec![f]
    }
}

impl Protocol for BitgetProtocol {
    fn venue(&self) -> Venue {
        self.0
    }
    fn ws_origin(&self) -> &'static str {
        "wss://ws.bitget.com"
    }
    fn ws_path(&self, _stream: &str) -> &'static str {
        PUBLIC
    }
    fn variants(&self, channel: Channel) -> &'static [&'static str] {
        match channel {
            Channel::Book => BOOK_VARIANTS,
            Channel::Candles => CANDLE_VARIANTS,
            _ => &[],
        }
    }
    fn streams(&self, symbol: &str, channel: Channel, variant: Option<&str>) -> Vec<String> {
        let c = match channel {
            Channel::Trades | Channel::AggTrades => "trade",
            Channel::Bbo => "books1",
            Channel::Book => variant_or_default(BOOK_VARIANTS, variant),
            Channel::Candles => crate::venue::protocol::native_interval(CANDLES, variant),
        };
        vec![format!("{c}:{symbol}")]
    }
    fn subscribe(&self, streams: &[String], _id: u64) -> Vec<String> {
        self.frame("subscribe", streams)
    }
    fn unsubscribe(&self, streams: &[String], _id: u64) -> Vec<String> {
        self.frame("unsubscribe", streams)
    }
    fn heartbeat(&self) -> Option<(Duration, String)> {
        Some((Duration::from_secs(25), "ping".to_string()))
    }
    fn limits(&self) -> Limits {
        Limits {
            max_streams: 50,
            // args of one request must stay under 4,096 bytes (about 60 bytes each)
            streams_per_msg: 50,
            max_msgs_per_sec: 10,
            lifetime_secs: 0,
            idle_timeout_secs: 120,
            // market REST endpoints: 20 requests / s / IP
            rest_weight_per_minute: 1200,
            snapshot_weight: 1,
        }
    }
    fn rest_origin(&self) -> &'static str {
        "https://api.bitget.com"
    }
    /// `books` resubscribes (Bitget sends a snapshot on subscribe); `books5`/`books15` push a
    /// full image every time: nothing to do.
    fn resync(&self, symbol: &str, variant: Option<&str>) -> Resync {
        match variant_or_default(BOOK_VARIANTS, variant) {
            "books" => Resync::Resubscribe(vec![format!("books:{symbol}")]),
            _ => Resync::None,
        }
    }
    fn unified_symbol(&self, native: &str) -> String {
        unified_symbol(self.0, native)
    }
}

/// Spot `BTCUSDT` → `BTC-USDT`; futures `BTCUSDT` → `BTC-USDT-PERP` (v1 `mc` coin-margined
/// `BTCUSD` → `BTC-USD-PERP`). v1 suffixes (`_SPBL`, `_UMCBL`, `_DMCBL`) are cut.
pub fn unified_symbol(venue: Venue, native: &str) -> String {
    let base = native.split('_').next().unwrap_or(native);
    let pair = split_concatenated(base);
    if venue == Venue::BitgetFutures {
        format!("{pair}-PERP")
    } else {
        pair
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_the_documented_ones() {
        let s = SPOT.streams("BTCUSDT", Channel::Book, None);
        assert_eq!(s, vec!["books:BTCUSDT"]);
        assert_eq!(
            SPOT.subscribe(&s, 1),
            vec![
                r#"{"op":"subscribe","args":[{"instType":"SPOT","channel":"books","instId":"BTCUSDT"}]}"#
            ]
        );
        let t = FUTURES.streams("BTCUSDT", Channel::Trades, None);
        assert_eq!(
            FUTURES.unsubscribe(&t, 1),
            vec![
                r#"{"op":"unsubscribe","args":[{"instType":"USDT-FUTURES","channel":"trade","instId":"BTCUSDT"}]}"#
            ]
        );
        assert_eq!(SPOT.streams("X", Channel::Bbo, None), vec!["books1:X"]);
        assert_eq!(
            SPOT.streams("X", Channel::Candles, None),
            vec!["candle1m:X"]
        );
        assert_eq!(SPOT.ws_path("books:X"), "/v2/ws/public");
        assert_eq!(SPOT.ws_origin(), "wss://ws.bitget.com");
        assert!(SPOT.subscribe(&[], 1).is_empty());
        let hb = SPOT.heartbeat().unwrap();
        assert_eq!(hb.1, "ping");
        assert!(hb.0.as_secs() <= 30);
        assert_eq!(
            FUTURES.resync("ETHUSDT", None),
            Resync::Resubscribe(vec!["books:ETHUSDT".into()])
        );
        // the args of a full subscribe frame stay under Bitget's 4,096 bytes
        let many: Vec<String> = (0..SPOT.limits().streams_per_msg)
            .map(|i| format!("candle1m:SYMBOL{i:05}USDT"))
            .collect();
        assert!(SPOT.subscribe(&many, 1)[0].len() < 4096);
    }

    #[test]
    fn book_variants() {
        for p in [&SPOT, &FUTURES] {
            assert_eq!(p.variants(Channel::Book), ["books", "books5", "books15"]);
            assert!(p.variants(Channel::Bbo).is_empty());
            let s = p.streams("BTCUSDT", Channel::Book, Some("books15"));
            assert_eq!(s, ["books15:BTCUSDT"]);
            assert_eq!(
                p.subscribe(&s, 1),
                [format!(
                    r#"{{"op":"subscribe","args":[{{"instType":"{}","channel":"books15","instId":"BTCUSDT"}}]}}"#,
                    p.inst_type()
                )]
            );
            assert_eq!(
                p.streams("BTCUSDT", Channel::Book, Some("books5")),
                ["books5:BTCUSDT"]
            );
            assert_eq!(p.resync("BTCUSDT", Some("books5")), Resync::None);
            assert_eq!(
                p.resync("BTCUSDT", Some("books")),
                Resync::Resubscribe(vec!["books:BTCUSDT".into()])
            );
        }
    }

    #[test]
    fn candle_intervals_choose_the_channel() {
        for p in [&SPOT, &FUTURES] {
            let v = p.variants(Channel::Candles);
            assert_eq!(v.len(), CANDLES.len());
            for ((u, native), w) in CANDLES.iter().zip(v) {
                assert_eq!(u, w);
                let s = p.streams("BTCUSDT", Channel::Candles, Some(u));
                assert_eq!(s, [format!("{native}:BTCUSDT")]);
                assert_eq!(
                    crate::venue::okx::bar_seconds(&native["candle".len()..]),
                    crate::venue::protocol::candle_seconds(u),
                    "{native}"
                );
            }
            let mut two = p.streams("BTCUSDT", Channel::Candles, None);
            two.extend(p.streams("BTCUSDT", Channel::Candles, Some("5m")));
            assert_eq!(
                p.subscribe(&two, 1),
                [format!(
                    r#"{{"op":"subscribe","args":[{{"instType":"{0}","channel":"candle1m","instId":"BTCUSDT"}},{{"instType":"{0}","channel":"candle5m","instId":"BTCUSDT"}}]}}"#,
                    p.inst_type()
                )]
            );
            assert_eq!(p.unsubscribe(&two[1..], 2).len(), 1);
            assert!(p.unsubscribe(&two[1..], 2)[0].contains("\"channel\":\"candle5m\""));
        }
    }

    #[test]
    fn unified_symbols() {
        assert_eq!(unified_symbol(Venue::Bitget, "BTCUSDT"), "BTC-USDT");
        assert_eq!(unified_symbol(Venue::Bitget, "EOSUSDT_SPBL"), "EOS-USDT");
        assert_eq!(
            unified_symbol(Venue::BitgetFutures, "BTCUSDT"),
            "BTC-USDT-PERP"
        );
        assert_eq!(
            unified_symbol(Venue::BitgetFutures, "BTCUSD_DMCBL"),
            "BTC-USD-PERP"
        );
        assert_eq!(SPOT.unified_symbol("ETHBTC"), "ETH-BTC");
    }
}
