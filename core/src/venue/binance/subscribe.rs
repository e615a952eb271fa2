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
}
