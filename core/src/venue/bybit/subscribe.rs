//! Bybit v5 endpoints, limits and control frames (sans-IO: builds the text to send), from
//! `docs/exchanges.md` §5.

use crate::event::Venue;
use crate::venue::protocol::{split_concatenated, Channel, Limits, Protocol, Resync};
use std::fmt::Write as _;
use std::time::Duration;

/// The public WebSocket origin (all three categories).
pub const WS_ORIGIN: &str = "wss://stream.bybit.com";
/// The REST origin.
pub const REST_ORIGIN: &str = "https://api.bybit.com";
/// The book depth tickwire subscribes to (`orderbook.200`: 100 ms pushes on spot and
/// derivatives; the chain `u == prev.u + 1` was verified on the corpus).
pub const BOOK_DEPTH: u32 = 200;
/// Client heartbeat period the venue recommends.
pub const HEARTBEAT: Duration = Duration::from_secs(20);
/// Spot takes at most 10 `args` per subscribe request.
pub const SPOT_ARGS_PER_REQUEST: usize = 10;
/// Derivatives have no per-request limit; tickwire keeps requests this size.
pub const DERIVATIVES_ARGS_PER_REQUEST: usize = 100;

/// The book depths a spec may choose (`book=50`), the default first. `orderbook.1` is not
/// among them: it is the BBO channel (a quote per push, in its own id space).
pub const BOOK_VARIANTS: &[&str] = &["200", "50", "1000"];

/// The kline intervals by unified name (`candles=1h` → `kline.60.BTCUSDT`), the default first
/// (`docs/exchanges.md` §5.3: `1 3 5 15 30 60 120 240 360 720 D W M`).
pub const CANDLES: &[(&str, &str)] = &[
    ("1m", "1"),
    ("3m", "3"),
    ("5m", "5"),
    ("15m", "15"),
    ("30m", "30"),
    ("1h", "60"),
    ("2h", "120"),
    ("4h", "240"),
    ("6h", "360"),
    ("12h", "720"),
    ("1d", "D"),
    ("1w", "W"),
    ("1M", "M"),
];
/// The unified candle intervals of [`CANDLES`] (`candles=5m`), the default first.
pub const CANDLE_VARIANTS: &[&str] =
    &crate::venue::protocol::unified_names::<{ CANDLES.len() }>(CANDLES);

/// A stream name: `orderbook.200.BTCUSDT`, `publicTrade.BTCUSDT`, `orderbook.1.BTCUSDT`,
/// `kline.1.BTCUSDT`, `tickers.BTCUSDT`. Bybit symbols are upper case.
pub fn stream_name(symbol: &str, channel: Channel) -> String {
    stream_variant(symbol, channel, None)
}

/// [`stream_name`] in `variant` (a depth of [`BOOK_VARIANTS`] for the book, an interval of
/// [`CANDLE_VARIANTS`] for candles).
pub fn stream_variant(symbol: &str, channel: Channel, variant: Option<&str>) -> String {
    let s = symbol.to_ascii_uppercase();
    match channel {
        Channel::Trades | Channel::AggTrades => format!("publicTrade.{s}"),
        Channel::Bbo => format!("orderbook.1.{s}"),
        Channel::Book => format!(
            "orderbook.{}.{s}",
            crate::venue::protocol::variant_or_default(BOOK_VARIANTS, variant)
        ),
        Channel::Candles => format!(
            "kline.{}.{s}",
            crate::venue::protocol::native_interval(CANDLES, variant)
        ),
    }
}

fn request(op: &str, args: &[String], req_id: u64) -> String {
    let mut s = format!("{{\"op\":\"{op}\",\"args\":[");
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        // topics are [A-Za-z0-9._-]: never emit a raw quote or backslash
        let _ = write!(s, "\"{}\"", a.replace(['"', '\\'], ""));
    }
    let _ = write!(s, "],\"req_id\":\"{req_id}\"}}");
    s
}

/// `{"op":"subscribe","args":[...],"req_id":"<id>"}`, split into requests of at most `per`
/// args (ids `id`, `id+1`, …).
pub fn subscribe_frames(args: &[String], id: u64, per: usize) -> Vec<String> {
    args.chunks(per.max(1))
        .enumerate()
        .map(|(i, c)| request("subscribe", c, id + i as u64))
        .collect()
}

/// `{"op":"unsubscribe","args":[...],"req_id":"<id>"}`, split like [`subscribe_frames`].
pub fn unsubscribe_frames(args: &[String], id: u64, per: usize) -> Vec<String> {
    args.chunks(per.max(1))
        .enumerate()
        .map(|(i, c)| request("unsubscribe", c, id + i as u64))
        .collect()
}

/// `{"op":"ping"}`.
pub const PING: &str = "{\"op\":\"ping\"}";

/// Bybit's [`Protocol`] for one of its three public endpoints.
#[derive(Debug)]
pub struct BybitProtocol(Venue);

/// Bybit spot (`/v5/public/spot`).
pub static SPOT: BybitProtocol = BybitProtocol(Venue::BybitSpot);
/// Bybit linear: USDT/USDC perpetuals and futures (`/v5/public/linear`).
pub static LINEAR: BybitProtocol = BybitProtocol(Venue::BybitLinear);
/// Bybit inverse (`/v5/public/inverse`).
pub static INVERSE: BybitProtocol = BybitProtocol(Venue::BybitInverse);

impl BybitProtocol {
    fn args_per_request(&self) -> usize {
        if self.0 == Venue::BybitSpot {
            SPOT_ARGS_PER_REQUEST
        } else {
            DERIVATIVES_ARGS_PER_REQUEST
        }
    }
}

/// Month codes of inverse futures (`BTCUSDH26`).
const MONTH_CODES: &[u8] = b"FGHJKMNQUVXZ";
const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

/// `26DEC25` → `20251226`.
fn dated(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() != 7
        || !b[..2].iter().all(u8::is_ascii_digit)
        || !b[5..].iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    let m = MONTHS.iter().position(|m| *m == &s[2..5])? + 1;
    Some(format!("20{}{m:02}{}", &s[5..], &s[..2]))
}

impl Protocol for BybitProtocol {
    fn venue(&self) -> Venue {
        self.0
    }
    fn ws_origin(&self) -> &'static str {
        WS_ORIGIN
    }
    fn ws_path(&self, _stream: &str) -> &'static str {
        match self.0 {
            Venue::BybitSpot => "/v5/public/spot",
            Venue::BybitInverse => "/v5/public/inverse",
            _ => "/v5/public/linear",
        }
    }
    fn variants(&self, channel: Channel) -> &'static [&'static str] {
        match channel {
            Channel::Book => BOOK_VARIANTS,
            Channel::Candles => CANDLE_VARIANTS,
            _ => &[],
        }
    }
    fn streams(&self, symbol: &str, channel: Channel, variant: Option<&str>) -> Vec<String> {
        vec![stream_variant(symbol, channel, variant)]
    }
    fn subscribe(&self, streams: &[String], id: u64) -> Vec<String> {
        subscribe_frames(streams, id, self.args_per_request())
    }
    fn unsubscribe(&self, streams: &[String], id: u64) -> Vec<String> {
        unsubscribe_frames(streams, id, self.args_per_request())
    }
    fn heartbeat(&self) -> Option<(Duration, String)> {
        Some((HEARTBEAT, PING.to_string()))
    }
    fn limits(&self) -> Limits {
        Limits {
            // args ≤ 21,000 characters per connection: 500 topics of ≤ 40 characters
            max_streams: 500,
            streams_per_msg: self.args_per_request(),
            // not documented for public streams: a conservative pace
            max_msgs_per_sec: 10,
            lifetime_secs: 0,
            // public connections are not cut for idleness while pinged every 20 s
            idle_timeout_secs: 0,
            // 600 requests per 5 s per IP
            rest_weight_per_minute: 7_200,
            snapshot_weight: 1,
        }
    }
    fn rest_origin(&self) -> &'static str {
        REST_ORIGIN
    }
    /// The venue sends a snapshot on every subscribe: resubscribe the book stream (at the
    /// depth it was subscribed at).
    fn resync(&self, symbol: &str, variant: Option<&str>) -> Resync {
        Resync::Resubscribe(vec![stream_variant(symbol, Channel::Book, variant)])
    }
    fn unified_symbol(&self, native: &str) -> String {
        let up = native.to_ascii_uppercase();
        match self.0 {
            Venue::BybitSpot => split_concatenated(&up),
            Venue::BybitInverse => {
                // BTCUSD → BTC-USD-PERP; BTCUSDH26 → BTC-USD-H26 (the day is not in the name)
                let b = up.as_bytes();
                let n = b.len();
                if n > 6
                    && MONTH_CODES.contains(&b[n - 3])
                    && b[n - 2..].iter().all(u8::is_ascii_digit)
                    && up[..n - 3].ends_with("USD")
                {
                    return format!("{}-{}", split_concatenated(&up[..n - 3]), &up[n - 3..]);
                }
                format!("{}-PERP", split_concatenated(&up))
            }
            _ => {
                // BTCUSDT-26DEC25 → BTC-USDT-20251226; BTC-26DEC25 (USDC) → BTC-USDC-20251226
                if let Some((pair, date)) = up.rsplit_once('-') {
                    if let Some(d) = dated(date) {
                        let pair = if pair.contains("USD") {
                            split_concatenated(pair)
                        } else {
                            format!("{pair}-USDC")
                        };
                        return format!("{pair}-{d}");
                    }
                }
                // BTCPERP (USDC perpetual) → BTC-USDC-PERP
                if let Some(base) = up.strip_suffix("PERP").filter(|b| !b.is_empty()) {
                    return format!("{base}-USDC-PERP");
                }
                format!("{}-PERP", split_concatenated(&up))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_match_the_documented_shape() {
        let s = LINEAR.streams("btcusdt", Channel::Book, None);
        assert_eq!(s, vec!["orderbook.200.BTCUSDT"]);
        assert_eq!(
            LINEAR.subscribe(&["orderbook.50.BTCUSDT".to_string()], 1),
            vec![r#"{"op":"subscribe","args":["orderbook.50.BTCUSDT"],"req_id":"1"}"#]
        );
        assert_eq!(
            LINEAR.unsubscribe(&["publicTrade.ETHUSD".to_string()], 7),
            vec![r#"{"op":"unsubscribe","args":["publicTrade.ETHUSD"],"req_id":"7"}"#]
        );
        assert_eq!(
            LINEAR.streams("BTCUSDT", Channel::Trades, None),
            vec!["publicTrade.BTCUSDT"]
        );
        assert_eq!(
            LINEAR.streams("BTCUSDT", Channel::Bbo, None),
            vec!["orderbook.1.BTCUSDT"]
        );
        assert_eq!(
            LINEAR.streams("BTCUSDT", Channel::Candles, None),
            vec!["kline.1.BTCUSDT"]
        );
        // spot: at most 10 args per request
        let many: Vec<String> = (0..23).map(|i| format!("publicTrade.S{i}USDT")).collect();
        let frames = SPOT.subscribe(&many, 100);
        assert_eq!(frames.len(), 3);
        assert!(frames[2].ends_with(r#""publicTrade.S22USDT"],"req_id":"102"}"#));
        assert_eq!(LINEAR.subscribe(&many, 1).len(), 1);
        assert_eq!(SPOT.limits().streams_per_msg, 10);
        assert_eq!(
            SPOT.heartbeat(),
            Some((Duration::from_secs(20), r#"{"op":"ping"}"#.to_string()))
        );
    }

    #[test]
    fn endpoints_and_resync() {
        assert_eq!(
            format!("{}{}", SPOT.ws_origin(), SPOT.ws_path("x")),
            "wss://stream.bybit.com/v5/public/spot"
        );
        assert_eq!(LINEAR.ws_path("x"), "/v5/public/linear");
        assert_eq!(INVERSE.ws_path("x"), "/v5/public/inverse");
        assert_eq!(INVERSE.rest_origin(), "https://api.bybit.com");
        assert_eq!(
            LINEAR.resync("BTCUSDT", None),
            Resync::Resubscribe(vec!["orderbook.200.BTCUSDT".into()])
        );
    }

    #[test]
    fn book_depths_are_variants() {
        for p in [&SPOT, &LINEAR, &INVERSE] {
            assert_eq!(p.variants(Channel::Book), ["200", "50", "1000"]);
            assert!(p.variants(Channel::Bbo).is_empty());
            for (v, topic) in [
                (None, "orderbook.200.BTCUSDT"),
                (Some("50"), "orderbook.50.BTCUSDT"),
                (Some("200"), "orderbook.200.BTCUSDT"),
                (Some("1000"), "orderbook.1000.BTCUSDT"),
            ] {
                let s = p.streams("btcusdt", Channel::Book, v);
                assert_eq!(s, [topic]);
                assert_eq!(p.resync("BTCUSDT", v), Resync::Resubscribe(s.clone()));
                assert_eq!(
                    p.subscribe(&s, 3),
                    [format!(
                        r#"{{"op":"subscribe","args":["{topic}"],"req_id":"3"}}"#
                    )]
                );
            }
        }
    }

    #[test]
    fn kline_intervals_are_candle_variants() {
        for p in [&SPOT, &LINEAR, &INVERSE] {
            let v = p.variants(Channel::Candles);
            assert_eq!(v.len(), CANDLES.len());
            for ((u, native), w) in CANDLES.iter().zip(v) {
                assert_eq!(u, w);
                let s = p.streams("btcusdt", Channel::Candles, Some(u));
                assert_eq!(s, [format!("kline.{native}.BTCUSDT")]);
                // the parser reads the topic's interval back as the unified one's
                assert_eq!(
                    crate::venue::bybit::normalize::interval_seconds(native),
                    crate::venue::protocol::candle_seconds(u)
                );
            }
            let mut two = p.streams("BTCUSDT", Channel::Candles, None);
            two.extend(p.streams("BTCUSDT", Channel::Candles, Some("1h")));
            assert_eq!(
                p.subscribe(&two, 4),
                [
                    r#"{"op":"subscribe","args":["kline.1.BTCUSDT","kline.60.BTCUSDT"],"req_id":"4"}"#
                ]
            );
            assert_eq!(
                p.unsubscribe(&two[1..], 5),
                [r#"{"op":"unsubscribe","args":["kline.60.BTCUSDT"],"req_id":"5"}"#]
            );
        }
    }

    #[test]
    fn unified_symbols() {
        assert_eq!(SPOT.unified_symbol("BTCUSDT"), "BTC-USDT");
        assert_eq!(LINEAR.unified_symbol("BTCUSDT"), "BTC-USDT-PERP");
        assert_eq!(LINEAR.unified_symbol("1000PEPEUSDT"), "1000PEPE-USDT-PERP");
        assert_eq!(LINEAR.unified_symbol("BTCPERP"), "BTC-USDC-PERP");
        assert_eq!(
            LINEAR.unified_symbol("BTCUSDT-14AUG26"),
            "BTC-USDT-20260814"
        );
        assert_eq!(LINEAR.unified_symbol("BTC-26DEC25"), "BTC-USDC-20251226");
        assert_eq!(INVERSE.unified_symbol("BTCUSD"), "BTC-USD-PERP");
        assert_eq!(INVERSE.unified_symbol("BTCUSDH26"), "BTC-USD-H26");
    }
}
