//! Coinbase Advanced Trade endpoints, limits and control frames (sans-IO: builds the text to
//! send). `docs/exchanges.md` §8.1.
//!
//! * Stream keys are `<channel>:<product>` (`level2:BTC-USD`, `market_trades:BTC-USD`,
//!   `ticker:BTC-USD`, `candles:BTC-USD`) plus `heartbeats`, which every subscription carries
//!   so that quiet connections stay open (channels without updates close after 60–90 s).
//! * One channel per subscribe message: [`Protocol::subscribe`] returns one frame per channel,
//!   each naming all the products of that channel in the batch,
//!   `{"type":"subscribe","product_ids":["BTC-USD"],"channel":"level2"}`; heartbeats are
//!   subscribed without products, `{"type":"subscribe","channel":"heartbeats"}`.
//! * The first subscribe must arrive within 5 s of the connection: the session sends its
//!   subscribe frames as soon as the socket is open, within the message rate.
//! * A book resyncs by resubscribing `level2`: the venue sends a new snapshot.

use crate::event::Venue;
use crate::venue::protocol::{Channel, Limits, Protocol, Resync};
use std::fmt::Write as _;

/// Coinbase Advanced Trade's [`Protocol`].
#[derive(Debug)]
pub struct CoinbaseProtocol;

/// The protocol of Coinbase Advanced Trade.
pub static PROTOCOL: CoinbaseProtocol = CoinbaseProtocol;

/// The connection-wide heartbeat stream every connection subscribes.
pub const HEARTBEATS: &str = "heartbeats";

/// The stream key of `product` on `channel` (the venue's channel names).
pub fn stream(channel: &str, product: &str) -> String {
    format!("{channel}:{}", product.to_ascii_uppercase())
}

/// Native product id from a user's symbol: `btc-usd`, `BTC/USD`, `BTC_USD` → `BTC-USD`.
pub fn product_id(symbol: &str) -> String {
    symbol.trim().to_ascii_uppercase().replace(['/', '_'], "-")
}

fn frames(kind: &str, streams: &[String]) -> Vec<String> {
    // group products by channel, channels in the order they first appear
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for s in streams {
        let (ch, product) = match s.split_once(':') {
            Some((c, p)) => (c, Some(p)),
            None => (s.as_str(), None),
        };
        let g = match groups.iter_mut().position(|(c, _)| *c == ch) {
            Some(i) => &mut groups[i].1,
            None => {
                groups.push((ch, Vec::new()));
                &mut groups.last_mut().expect("just pushed").1
            }
        };
        if let Some(p) = product {
            if !g.contains(&p) {
                g.push(p);
            }
        }
    }
    groups
        .into_iter()
        .map(|(ch, products)| {
            let mut f = format!("{{\"type\":\"{kind}\",");
            if !products.is_empty() {
                f.push_str("\"product_ids\":[");
                for (i, p) in products.iter().enumerate() {
                    if i > 0 {
                        f.push(',');
                    }
                    // product ids are [A-Z0-9-]: never emit a raw quote or backslash
                    let _ = write!(f, "\"{}\"", p.replace(['"', '\\'], ""));
                }
                f.push_str("],");
            }
            let _ = write!(f, "\"channel\":\"{}\"}}", ch.replace(['"', '\\'], ""));
            f
        })
        .collect()
}

/// The one candle interval the WebSocket serves: five minutes (`candles` or `candles=5m`).
pub const CANDLE_VARIANTS: &[&str] = &["5m"];

impl Protocol for CoinbaseProtocol {
    fn venue(&self) -> Venue {
        Venue::Coinbase
    }
    fn ws_origin(&self) -> &'static str {
        "wss://advanced-trade-ws.coinbase.com"
    }
    fn ws_path(&self, _stream: &str) -> &'static str {
        ""
    }
    fn variants(&self, channel: Channel) -> &'static [&'static str] {
        match channel {
            Channel::Candles => CANDLE_VARIANTS,
            _ => &[],
        }
    }
    fn streams(&self, symbol: &str, channel: Channel, _variant: Option<&str>) -> Vec<String> {
        let p = product_id(symbol);
        let ch = match channel {
            Channel::Trades | Channel::AggTrades => "market_trades",
            Channel::Bbo => "ticker",
            Channel::Book => "level2",
            // the only candles the WebSocket serves are 5-minute ones
            Channel::Candles => "candles",
        };
        vec![HEARTBEATS.to_string(), stream(ch, &p)]
    }
    fn subscribe(&self, streams: &[String], _id: u64) -> Vec<String> {
        frames("subscribe", streams)
    }
    fn unsubscribe(&self, streams: &[String], _id: u64) -> Vec<String> {
        // heartbeats stay: other subscriptions of the connection need them
        let data: Vec<String> = streams
            .iter()
            .filter(|s| s.as_str() != HEARTBEATS)
            .cloned()
            .collect();
        frames("unsubscribe", &data)
    }
    fn limits(&self) -> Limits {
        Limits {
            max_streams: 100,
            streams_per_msg: 100,
            // 8 unauthenticated messages per second per IP: leave room for a second connection
            max_msgs_per_sec: 4,
            lifetime_secs: 0,
            idle_timeout_secs: 0,
            // public REST ≈10 requests/s; resyncs go over the WebSocket anyway
            rest_weight_per_minute: 600,
            snapshot_weight: 1,
        }
    }
    fn rest_origin(&self) -> &'static str {
        "https://api.coinbase.com"
    }
    fn resync(&self, symbol: &str, _variant: Option<&str>) -> Resync {
        Resync::Resubscribe(vec![stream("level2", &product_id(symbol))])
    }
    fn unified_symbol(&self, native: &str) -> String {
        product_id(native)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_channel_per_subscribe_message() {
        let p = &PROTOCOL;
        let mut streams: Vec<String> = Vec::new();
        for sym in ["BTC-USD", "eth-usd"] {
            for c in [Channel::Book, Channel::Trades, Channel::Bbo] {
                for s in p.streams(sym, c, None) {
                    if !streams.contains(&s) {
                        streams.push(s);
                    }
                }
            }
        }
        assert_eq!(streams[0], "heartbeats");
        assert_eq!(
            p.subscribe(&streams, 1),
            vec![
                r#"{"type":"subscribe","channel":"heartbeats"}"#,
                r#"{"type":"subscribe","product_ids":["BTC-USD","ETH-USD"],"channel":"level2"}"#,
                r#"{"type":"subscribe","product_ids":["BTC-USD","ETH-USD"],"channel":"market_trades"}"#,
                r#"{"type":"subscribe","product_ids":["BTC-USD","ETH-USD"],"channel":"ticker"}"#,
            ]
        );
        assert_eq!(
            p.unsubscribe(&p.streams("BTC-USD", Channel::Book, None), 2),
            vec![r#"{"type":"unsubscribe","product_ids":["BTC-USD"],"channel":"level2"}"#]
        );
        assert_eq!(
            p.resync("BTC-USD", None),
            Resync::Resubscribe(vec!["level2:BTC-USD".into()])
        );
        assert_eq!(
            p.streams("btc/usd", Channel::Candles, None)[1],
            "candles:BTC-USD"
        );
        assert_eq!(p.variants(Channel::Candles), ["5m"]);
        assert_eq!(
            p.streams("BTC-USD", Channel::Candles, Some("5m")),
            p.streams("BTC-USD", Channel::Candles, None)
        );
        assert_eq!(p.unified_symbol("BTC-USD"), "BTC-USD");
        assert_eq!(p.ws_origin(), "wss://advanced-trade-ws.coinbase.com");
        assert!(p.heartbeat().is_none());
    }
}
