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
use crate::venue::protocol::{split_concatenated, Channel, Limits, Protocol, Resync};
use std::time::Duration;

/// The Bitget v2 protocol of one market.
#[derive(Debug)]
pub struct BitgetProtocol(pub Venue);

/// Spot.
pub static SPOT: BitgetProtocol = BitgetProtocol(Venue::Bitget);
/// USDT-margined futures.
pub static FUTURES: BitgetProtocol = BitgetProtocol(Venue::BitgetFutures);

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
    fn streams(&self, symbol: &str, channel: Channel) -> Vec<String> {
        let c = match channel {
            Channel::Trades | Channel::AggTrades => "trade",
            Channel::Bbo => "books1",
            Channel::Book => "books",
            Channel::Candles => "candle1m",
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
    fn resync(&self, symbol: &str) -> Resync {
        Resync::Resubscribe(vec![format!("books:{symbol}")])
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
        let s = SPOT.streams("BTCUSDT", Channel::Book);
        assert_eq!(s, vec!["books:BTCUSDT"]);
        assert_eq!(
            SPOT.subscribe(&s, 1),
            vec![
                r#"{"op":"subscribe","args":[{"instType":"SPOT","channel":"books","instId":"BTCUSDT"}]}"#
            ]
        );
        let t = FUTURES.streams("BTCUSDT", Channel::Trades);
        assert_eq!(
            FUTURES.unsubscribe(&t, 1),
            vec![
                r#"{"op":"unsubscribe","args":[{"instType":"USDT-FUTURES","channel":"trade","instId":"BTCUSDT"}]}"#
            ]
        );
        assert_eq!(SPOT.streams("X", Channel::Bbo), vec!["books1:X"]);
        assert_eq!(SPOT.streams("X", Channel::Candles), vec!["candle1m:X"]);
        assert_eq!(SPOT.ws_path("books:X"), "/v2/ws/public");
        assert_eq!(SPOT.ws_origin(), "wss://ws.bitget.com");
        assert!(SPOT.subscribe(&[], 1).is_empty());
        let hb = SPOT.heartbeat().unwrap();
        assert_eq!(hb.1, "ping");
        assert!(hb.0.as_secs() <= 30);
        assert_eq!(
            FUTURES.resync("ETHUSDT"),
            Resync::Resubscribe(vec!["books:ETHUSDT".into()])
        );
        // the args of a full subscribe frame stay under Bitget's 4,096 bytes
        let many: Vec<String> = (0..SPOT.limits().streams_per_msg)
            .map(|i| format!("candle1m:SYMBOL{i:05}USDT"))
            .collect();
        assert!(SPOT.subscribe(&many, 1)[0].len() < 4096);
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
