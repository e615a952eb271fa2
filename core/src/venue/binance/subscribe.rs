//! Binance endpoints, limits and control frames (sans-IO: builds the text to send).

use crate::event::Venue;
use std::fmt::Write as _;

/// Connection facts for one Binance venue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// WebSocket base (combined streams are served under `/stream`).
    pub ws: &'static str,
    /// REST base.
    pub rest: &'static str,
    /// REST depth snapshot path.
    pub depth_path: &'static str,
    /// REST recent trades path.
    pub trades_path: &'static str,
    /// REST klines path.
    pub klines_path: &'static str,
    /// Streams per connection.
    pub max_streams: usize,
    /// Control messages the client may send per second per connection.
    pub max_msgs_per_sec: u32,
    /// The venue closes every connection after this long.
    pub lifetime_secs: u64,
    /// Depth snapshot size requested when syncing a book.
    pub snapshot_limit: u32,
    /// REST weight budget per minute.
    pub weight_per_minute: u32,
}

/// The endpoints and limits of a Binance venue (from `docs/exchanges.md` §1–3).
pub const fn endpoints(venue: Venue) -> Endpoints {
    match venue {
        Venue::BinanceUsdm => Endpoints {
            ws: "wss://fstream.binance.com/public",
            rest: "https://fapi.binance.com",
            depth_path: "/fapi/v1/depth",
            trades_path: "/fapi/v1/trades",
            klines_path: "/fapi/v1/klines",
            max_streams: 1024,
            max_msgs_per_sec: 10,
            lifetime_secs: 24 * 3600,
            snapshot_limit: 1000,
            weight_per_minute: 2400,
        },
        Venue::BinanceCoinm => Endpoints {
            ws: "wss://dstream.binance.com",
            rest: "https://dapi.binance.com",
            depth_path: "/dapi/v1/depth",
            trades_path: "/dapi/v1/trades",
            klines_path: "/dapi/v1/klines",
            max_streams: 1024,
            max_msgs_per_sec: 10,
            lifetime_secs: 24 * 3600,
            snapshot_limit: 1000,
            weight_per_minute: 2400,
        },
        _ => Endpoints {
            ws: "wss://stream.binance.com:9443",
            rest: "https://api.binance.com",
            depth_path: "/api/v3/depth",
            trades_path: "/api/v3/trades",
            klines_path: "/api/v3/klines",
            max_streams: 1024,
            max_msgs_per_sec: 5,
            lifetime_secs: 24 * 3600,
            snapshot_limit: 5000,
            weight_per_minute: 6000,
        },
    }
}

/// A stream a user can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    /// `@trade`
    Trades,
    /// `@aggTrade`
    AggTrades,
    /// `@bookTicker`
    Bbo,
    /// `@depth@100ms` (diffs; the book is seeded over REST)
    Book,
    /// `@depth<n>@100ms` with n in 5, 10, 20
    TopN(u8),
    /// `@kline_<interval>`
    Candles(&'static str),
}

/// The stream name for `symbol` (any case) on `channel`: `btcusdt@depth@100ms`.
pub fn stream_name(symbol: &str, channel: Channel) -> String {
    let s = symbol.to_ascii_lowercase();
    match channel {
        Channel::Trades => format!("{s}@trade"),
        Channel::AggTrades => format!("{s}@aggTrade"),
        Channel::Bbo => format!("{s}@bookTicker"),
        Channel::Book => format!("{s}@depth@100ms"),
        Channel::TopN(n) => format!("{s}@depth{n}@100ms"),
        Channel::Candles(i) => format!("{s}@kline_{i}"),
    }
}

/// `{"method":"SUBSCRIBE","params":[...],"id":N}`
pub fn subscribe(streams: &[String], id: u64) -> String {
    request("SUBSCRIBE", streams, id)
}

/// `{"method":"UNSUBSCRIBE","params":[...],"id":N}`
pub fn unsubscribe(streams: &[String], id: u64) -> String {
    request("UNSUBSCRIBE", streams, id)
}

/// `{"method":"LIST_SUBSCRIPTIONS","id":N}`
pub fn list_subscriptions(id: u64) -> String {
    format!("{{\"method\":\"LIST_SUBSCRIPTIONS\",\"id\":{id}}}")
}

fn request(method: &str, streams: &[String], id: u64) -> String {
    let mut s = format!("{{\"method\":\"{method}\",\"params\":[");
    for (i, name) in streams.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        // stream names are [a-z0-9@_!]: no escaping needed, but never emit a raw quote
        let _ = write!(s, "\"{}\"", name.replace('"', ""));
    }
    let _ = write!(s, "],\"id\":{id}}}");
    s
}

/// The book streams a spec may choose, the default first: the diff-depth speeds `100ms`
/// (`@depth@100ms`) and `1000ms` (`@depth`), seeded over REST; and the partial books `depth5`,
/// `depth10`, `depth20` (`@depth20@100ms`), a top-N image every 100 ms that needs no seeding
/// and has nothing to resync (`docs/exchanges.md` §1.3).
pub const BOOK_VARIANTS: &[&str] = &["100ms", "1000ms", "depth5", "depth10", "depth20"];

/// The kline intervals of spot (`candles=5m` → `@kline_5m`), the default first: the unified
/// names are Binance's own (`docs/exchanges.md` §1.3; `1s` is spot only).
pub const SPOT_CANDLE_VARIANTS: &[&str] = &[
    "1m", "1s", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w",
    "1M",
];
/// The kline intervals of USDⓈ-M and COIN-M futures (no `1s`).
pub const FUTURES_CANDLE_VARIANTS: &[&str] = &[
    "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M",
];

/// Binance's [`Protocol`](crate::venue::protocol::Protocol) for one of its three venues.
#[derive(Debug)]
pub struct BinanceProtocol(Venue);

/// Binance spot.
pub static BINANCE_SPOT: BinanceProtocol = BinanceProtocol(Venue::Binance);
/// Binance USDⓈ-M futures.
pub static BINANCE_USDM: BinanceProtocol = BinanceProtocol(Venue::BinanceUsdm);
/// Binance COIN-M futures.
pub static BINANCE_COINM: BinanceProtocol = BinanceProtocol(Venue::BinanceCoinm);

impl BinanceProtocol {
    fn candle_variants(&self) -> &'static [&'static str] {
        if self.0 == Venue::Binance {
            SPOT_CANDLE_VARIANTS
        } else {
            FUTURES_CANDLE_VARIANTS
        }
    }
}

impl crate::venue::protocol::Protocol for BinanceProtocol {
    fn venue(&self) -> Venue {
        self.0
    }
    fn ws_origin(&self) -> &'static str {
        match self.0 {
            Venue::BinanceUsdm => "wss://fstream.binance.com",
            Venue::BinanceCoinm => "wss://dstream.binance.com",
            _ => "wss://stream.binance.com:9443",
        }
    }
    fn ws_path(&self, stream: &str) -> &'static str {
        if self.0 != Venue::BinanceUsdm {
            return "";
        }
        // USDⓈ-M routes book streams to /public and everything else to /market
        if stream.contains("@depth") || stream.contains("@bookTicker") {
            "/public"
        } else {
            "/market"
        }
    }
    fn url(&self, origin: &str, path: &str, streams: &[String]) -> String {
        format!("{origin}{path}/stream?streams={}", streams.join("/"))
    }
    fn subscribes_in_url(&self) -> bool {
        true
    }
    fn variants(&self, channel: crate::venue::protocol::Channel) -> &'static [&'static str] {
        match channel {
            crate::venue::protocol::Channel::Book => BOOK_VARIANTS,
            crate::venue::protocol::Channel::Candles => self.candle_variants(),
            _ => &[],
        }
    }
    fn streams(
        &self,
        symbol: &str,
        channel: crate::venue::protocol::Channel,
        variant: Option<&str>,
    ) -> Vec<String> {
        use crate::venue::protocol::Channel as C;
        let ch = match channel {
            C::Trades => Channel::Trades,
            C::AggTrades => Channel::AggTrades,
            C::Bbo => Channel::Bbo,
            C::Book => {
                return match crate::venue::protocol::variant_or_default(BOOK_VARIANTS, variant) {
                    "1000ms" => vec![format!("{}@depth", symbol.to_ascii_lowercase())],
                    partial @ ("depth5" | "depth10" | "depth20") => {
                        vec![format!("{}@{partial}@100ms", symbol.to_ascii_lowercase())]
                    }
                    _ => vec![stream_name(symbol, Channel::Book)],
                }
            }
            C::Candles => Channel::Candles(crate::venue::protocol::variant_or_default(
                self.candle_variants(),
                variant,
            )),
        };
        vec![stream_name(symbol, ch)]
    }
    fn subscribe(&self, streams: &[String], id: u64) -> Vec<String> {
        vec![subscribe(streams, id)]
    }
    fn unsubscribe(&self, streams: &[String], id: u64) -> Vec<String> {
        vec![unsubscribe(streams, id)]
    }
    fn limits(&self) -> crate::venue::protocol::Limits {
        let ep = endpoints(self.0);
        crate::venue::protocol::Limits {
            max_streams: ep.max_streams,
            streams_per_msg: 200,
            max_msgs_per_sec: ep.max_msgs_per_sec,
            lifetime_secs: ep.lifetime_secs,
            idle_timeout_secs: 0,
            rest_weight_per_minute: ep.weight_per_minute,
            snapshot_weight: if ep.snapshot_limit > 1000 { 250 } else { 50 },
        }
    }
    fn rest_origin(&self) -> &'static str {
        endpoints(self.0).rest
    }
    /// A REST snapshot, whatever the diff stream's speed; partial books bring their own.
    fn resync(&self, symbol: &str, variant: Option<&str>) -> crate::venue::protocol::Resync {
        if crate::venue::protocol::variant_or_default(BOOK_VARIANTS, variant).starts_with("depth") {
            return crate::venue::protocol::Resync::None;
        }
        let ep = endpoints(self.0);
        crate::venue::protocol::Resync::Rest(format!(
            "{}?symbol={}&limit={}",
            ep.depth_path,
            symbol.to_ascii_uppercase(),
            ep.snapshot_limit.min(1000)
        ))
    }
    fn unified_symbol(&self, native: &str) -> String {
        let up = native.to_ascii_uppercase();
        match self.0 {
            // BTCUSD_PERP → BTC-USD-PERP, BTCUSD_211231 → BTC-USD-20211231
            Venue::BinanceCoinm | Venue::BinanceUsdm if up.contains('_') => {
                let (pair, tail) = up.split_once('_').unwrap_or((&up, ""));
                let pair = crate::venue::protocol::split_concatenated(pair);
                if tail == "PERP" {
                    format!("{pair}-PERP")
                } else {
                    format!("{pair}-20{tail}")
                }
            }
            Venue::BinanceUsdm | Venue::BinanceCoinm => {
                format!("{}-PERP", crate::venue::protocol::split_concatenated(&up))
            }
            _ => crate::venue::protocol::split_concatenated(&up),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_match_the_documented_shape() {
        let streams = vec![
            stream_name("BTCUSDT", Channel::AggTrades),
            stream_name("BTCUSDT", Channel::Book),
        ];
        assert_eq!(
            subscribe(&streams, 1),
            r#"{"method":"SUBSCRIBE","params":["btcusdt@aggTrade","btcusdt@depth@100ms"],"id":1}"#
        );
        assert_eq!(
            unsubscribe(&streams[1..], 312),
            r#"{"method":"UNSUBSCRIBE","params":["btcusdt@depth@100ms"],"id":312}"#
        );
        assert_eq!(
            list_subscriptions(3),
            r#"{"method":"LIST_SUBSCRIPTIONS","id":3}"#
        );
        assert_eq!(endpoints(Venue::BinanceUsdm).depth_path, "/fapi/v1/depth");
    }

    #[test]
    fn depth_speeds_are_variants() {
        use crate::venue::protocol::{Channel as C, Protocol, Resync};
        for p in [&BINANCE_SPOT, &BINANCE_USDM, &BINANCE_COINM] {
            assert_eq!(
                p.variants(C::Book),
                ["100ms", "1000ms", "depth5", "depth10", "depth20"]
            );
            for n in [5, 10, 20] {
                let v = format!("depth{n}");
                assert_eq!(
                    p.streams("BTCUSDT", C::Book, Some(&v)),
                    [format!("btcusdt@depth{n}@100ms")]
                );
                assert!(matches!(p.resync("BTCUSDT", Some(&v)), Resync::None));
            }
            assert!(matches!(p.resync("BTCUSDT", None), Resync::Rest(_)));
            assert_eq!(p.streams("BTCUSDT", C::Book, None), ["btcusdt@depth@100ms"]);
            let slow = p.streams("BTCUSDT", C::Book, Some("1000ms"));
            assert_eq!(slow, ["btcusdt@depth"]);
            assert_eq!(
                p.url("wss://x", "", &slow),
                "wss://x/stream?streams=btcusdt@depth"
            );
            assert!(matches!(
                p.resync("BTCUSDT", Some("1000ms")),
                Resync::Rest(_)
            ));
        }
        assert_eq!(BINANCE_USDM.ws_path("btcusdt@depth"), "/public");
    }

    #[test]
    fn kline_intervals_are_candle_variants() {
        use crate::venue::protocol::{Channel as C, Protocol};
        for p in [&BINANCE_SPOT, &BINANCE_USDM, &BINANCE_COINM] {
            assert_eq!(p.streams("BTCUSDT", C::Candles, None), ["btcusdt@kline_1m"]);
            for (v, s) in [
                ("5m", "btcusdt@kline_5m"),
                ("1h", "btcusdt@kline_1h"),
                ("1d", "btcusdt@kline_1d"),
                ("1w", "btcusdt@kline_1w"),
                ("1M", "btcusdt@kline_1M"),
            ] {
                assert_eq!(p.streams("BTCUSDT", C::Candles, Some(v)), [s]);
            }
            // 1m and 1M together: two streams in the URL, the month keeps its capital
            let mut both = p.streams("BTCUSDT", C::Candles, None);
            both.extend(p.streams("BTCUSDT", C::Candles, Some("1M")));
            assert_eq!(
                p.url("wss://x", "", &both),
                "wss://x/stream?streams=btcusdt@kline_1m/btcusdt@kline_1M"
            );
            assert_eq!(
                p.subscribe(&both, 2),
                [
                    r#"{"method":"SUBSCRIBE","params":["btcusdt@kline_1m","btcusdt@kline_1M"],"id":2}"#
                ]
            );
            assert_eq!(
                p.unsubscribe(&both[1..], 3),
                [r#"{"method":"UNSUBSCRIBE","params":["btcusdt@kline_1M"],"id":3}"#]
            );
        }
        assert_eq!(BINANCE_SPOT.variants(C::Candles).len(), 16);
        assert_eq!(
            BINANCE_SPOT.streams("BTCUSDT", C::Candles, Some("1s")),
            ["btcusdt@kline_1s"]
        );
        // futures have no 1s klines
        assert!(!BINANCE_USDM.variants(C::Candles).contains(&"1s"));
        assert!(!BINANCE_COINM.variants(C::Candles).contains(&"1s"));
        assert_eq!(BINANCE_USDM.ws_path("btcusdt@kline_5m"), "/market");
    }
}
