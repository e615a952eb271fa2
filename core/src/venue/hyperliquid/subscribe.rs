//! Hyperliquid endpoint, limits and control frames (sans-IO: builds the text to send), from
//! `docs/exchanges.md` §7.
//!
//! Stream keys are `<type>:<coin>` (`l2Book:BTC`, `trades:kPEPE`, `bbo:BTC`) and
//! `candle:<coin>:<interval>`; coins are case-sensitive and may contain `:` (HIP-3 `dex:COIN`)
//! or `/` (`PURR/USDC`).

use crate::event::Venue;
use crate::venue::protocol::{Channel, Limits, Protocol, Resync};
use std::time::Duration;

/// The WebSocket origin.
pub const WS_ORIGIN: &str = "wss://api.hyperliquid.xyz";
/// The WebSocket path.
pub const WS_PATH: &str = "/ws";
/// The REST origin (`POST /info`).
pub const REST_ORIGIN: &str = "https://api.hyperliquid.xyz";
/// The venue closes connections that sent nothing for 60 s; ping well within it (the official
/// SDK pings every 50 s).
pub const HEARTBEAT: Duration = Duration::from_secs(30);
/// `{"method":"ping"}` (answered by `{"channel":"pong"}`).
pub const PING: &str = "{\"method\":\"ping\"}";

/// The candle intervals (`candles=1h`), the default first: the unified names are
/// Hyperliquid's own (`docs/exchanges.md` §7.5).
pub const CANDLE_VARIANTS: &[&str] = &[
    "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "8h", "12h", "1d", "3d", "1w", "1M",
];

/// The stream key of `coin` on `channel` (candles: one minute).
pub fn stream_name(coin: &str, channel: Channel) -> String {
    stream_variant(coin, channel, None)
}

/// [`stream_name`] in `variant` (an interval of [`CANDLE_VARIANTS`] for candles).
pub fn stream_variant(coin: &str, channel: Channel, variant: Option<&str>) -> String {
    match channel {
        Channel::Trades | Channel::AggTrades => format!("trades:{coin}"),
        Channel::Bbo => format!("bbo:{coin}"),
        Channel::Book => format!("l2Book:{coin}"),
        Channel::Candles => format!(
            "candle:{coin}:{}",
            crate::venue::protocol::variant_or_default(CANDLE_VARIANTS, variant)
        ),
    }
}

fn json_str(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => {}
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// The `subscription` object of a stream key: `{"type":"l2Book","coin":"BTC"}`,
/// `{"type":"candle","coin":"BTC","interval":"1m"}`.
pub fn subscription(stream: &str) -> String {
    let (kind, rest) = stream.split_once(':').unwrap_or((stream, ""));
    if kind == "candle" {
        if let Some((coin, interval)) = rest.rsplit_once(':') {
            return format!(
                "{{\"type\":\"candle\",\"coin\":{},\"interval\":{}}}",
                json_str(coin),
                json_str(interval)
            );
        }
    }
    format!(
        "{{\"type\":{},\"coin\":{}}}",
        json_str(kind),
        json_str(rest)
    )
}

fn request(method: &str, streams: &[String]) -> Vec<String> {
    streams
        .iter()
        .map(|s| {
            format!(
                "{{\"method\":\"{method}\",\"subscription\":{}}}",
                subscription(s)
            )
        })
        .collect()
}

/// Hyperliquid's [`Protocol`].
#[derive(Debug)]
pub struct HyperliquidProtocol;

/// The protocol of [`Venue::Hyperliquid`].
pub static PROTOCOL: HyperliquidProtocol = HyperliquidProtocol;

impl Protocol for HyperliquidProtocol {
    fn venue(&self) -> Venue {
        Venue::Hyperliquid
    }
    fn ws_origin(&self) -> &'static str {
        WS_ORIGIN
    }
    fn ws_path(&self, _stream: &str) -> &'static str {
        WS_PATH
    }
    fn variants(&self, channel: Channel) -> &'static [&'static str] {
        match channel {
            Channel::Candles => CANDLE_VARIANTS,
            _ => &[],
        }
    }
    fn streams(&self, symbol: &str, channel: Channel, variant: Option<&str>) -> Vec<String> {
        vec![stream_variant(symbol, channel, variant)]
    }
    /// One frame per stream (a subscription names one type and coin); requests carry no id.
    fn subscribe(&self, streams: &[String], _id: u64) -> Vec<String> {
        request("subscribe", streams)
    }
    fn unsubscribe(&self, streams: &[String], _id: u64) -> Vec<String> {
        request("unsubscribe", streams)
    }
    fn heartbeat(&self) -> Option<(Duration, String)> {
        Some((HEARTBEAT, PING.to_string()))
    }
    fn limits(&self) -> Limits {
        Limits {
            // per IP: 1000 subscriptions, 100 connections, 2000 messages sent per minute
            max_streams: 1000,
            streams_per_msg: 1,
            max_msgs_per_sec: 30,
            lifetime_secs: 0,
            idle_timeout_secs: 60,
            rest_weight_per_minute: 1200,
            snapshot_weight: 2,
        }
    }
    fn rest_origin(&self) -> &'static str {
        REST_ORIGIN
    }
    /// Every `l2Book` push is a full book: nothing to request.
    fn resync(&self, _symbol: &str, _variant: Option<&str>) -> Resync {
        Resync::None
    }
    /// Perps `BTC` → `BTC-USD-PERP` (case kept: `kPEPE-USD-PERP`); spot `PURR/USDC` →
    /// `PURR-USDC`; spot `@107` and outcomes `#…` have no name in the symbol: unchanged.
    fn unified_symbol(&self, native: &str) -> String {
        if native.starts_with('@') || native.starts_with('#') {
            native.to_string()
        } else if let Some((base, quote)) = native.split_once('/') {
            format!("{base}-{quote}")
        } else {
            format!("{native}-USD-PERP")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_match_the_documented_shape() {
        let p = &PROTOCOL;
        assert_eq!(
            format!("{}{}", p.ws_origin(), p.ws_path("l2Book:BTC")),
            "wss://api.hyperliquid.xyz/ws"
        );
        let s = p.streams("BTC", Channel::Book, None);
        assert_eq!(
            p.subscribe(&s, 1),
            vec![r#"{"method":"subscribe","subscription":{"type":"l2Book","coin":"BTC"}}"#]
        );
        assert_eq!(
            p.unsubscribe(&s, 2),
            vec![r#"{"method":"unsubscribe","subscription":{"type":"l2Book","coin":"BTC"}}"#]
        );
        let both = [
            p.streams("SOL", Channel::Trades, None),
            p.streams("BTC", Channel::Candles, None),
            p.streams("BTC", Channel::Bbo, None),
        ]
        .concat();
        assert_eq!(
            p.subscribe(&both, 3),
            vec![
                r#"{"method":"subscribe","subscription":{"type":"trades","coin":"SOL"}}"#,
                r#"{"method":"subscribe","subscription":{"type":"candle","coin":"BTC","interval":"1m"}}"#,
                r#"{"method":"subscribe","subscription":{"type":"bbo","coin":"BTC"}}"#,
            ]
        );
        // case and separators survive
        assert_eq!(
            subscription("l2Book:kPEPE"),
            r#"{"type":"l2Book","coin":"kPEPE"}"#
        );
        assert_eq!(
            subscription("candle:dex:COIN:15m"),
            r#"{"type":"candle","coin":"dex:COIN","interval":"15m"}"#
        );
        assert_eq!(
            p.heartbeat(),
            Some((Duration::from_secs(30), r#"{"method":"ping"}"#.to_string()))
        );
        assert!(p.heartbeat().unwrap().0.as_secs() < p.limits().idle_timeout_secs);
        assert_eq!(p.resync("BTC", None), Resync::None);
    }

    #[test]
    fn candle_intervals_are_variants() {
        let p = &PROTOCOL;
        assert_eq!(p.variants(Channel::Candles), CANDLE_VARIANTS);
        for v in CANDLE_VARIANTS {
            let s = p.streams("BTC", Channel::Candles, Some(v));
            assert_eq!(s, [format!("candle:BTC:{v}")]);
            assert_eq!(
                crate::venue::hyperliquid::interval_seconds(v),
                crate::venue::protocol::candle_seconds(v)
            );
        }
        let mut two = p.streams("BTC", Channel::Candles, None);
        two.extend(p.streams("BTC", Channel::Candles, Some("1M")));
        assert_eq!(
            p.subscribe(&two, 1),
            [
                r#"{"method":"subscribe","subscription":{"type":"candle","coin":"BTC","interval":"1m"}}"#,
                r#"{"method":"subscribe","subscription":{"type":"candle","coin":"BTC","interval":"1M"}}"#,
            ]
        );
        assert_eq!(
            p.unsubscribe(&two[1..], 2),
            [
                r#"{"method":"unsubscribe","subscription":{"type":"candle","coin":"BTC","interval":"1M"}}"#
            ]
        );
        assert!(p.variants(Channel::Book).is_empty());
    }

    #[test]
    fn unified_symbols() {
        assert_eq!(PROTOCOL.unified_symbol("BTC"), "BTC-USD-PERP");
        assert_eq!(PROTOCOL.unified_symbol("kPEPE"), "kPEPE-USD-PERP");
        assert_eq!(PROTOCOL.unified_symbol("PURR/USDC"), "PURR-USDC");
        assert_eq!(PROTOCOL.unified_symbol("@107"), "@107");
    }
}
