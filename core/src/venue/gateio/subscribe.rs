//! Gate.io endpoints, stream keys, control frames and limits (sans-IO: builds the text to
//! send). From `docs/exchanges.md` §6.
//!
//! Stream keys are `<channel>:<argument>` (`spot.order_book_update:BTC_USDT`,
//! `futures.trades:BTC_USDT`, `spot.obu:ob.BTC_USDT.400`): one key per channel and instrument,
//! turned into Gate's request frames
//! `{"time":<s>,"id":<n>,"channel":"spot.trades","event":"subscribe","payload":["BTC_USDT"]}`.

use crate::event::Venue;
use crate::venue::protocol::{variant_or_default, Channel, Limits, Protocol, Resync};
use std::fmt::Write as _;
use std::time::Duration;

/// Spot WebSocket origin.
pub const SPOT_WS: &str = "wss://api.gateio.ws";
/// Spot WebSocket path.
pub const SPOT_PATH: &str = "/ws/v4/";
/// USDT-margined futures WebSocket origin.
pub const FUTURES_WS: &str = "wss://fx-ws.gateio.ws";
/// USDT-margined futures WebSocket path (`/v4/ws/btc` serves BTC-settled contracts).
pub const FUTURES_PATH: &str = "/v4/ws/usdt";
/// REST origin (spot and futures).
pub const REST: &str = "https://api.gateio.ws";
/// Levels requested in a REST snapshot: the depth of the 100 ms diff stream.
pub const SNAPSHOT_LIMIT: u32 = 100;
/// The book channels a spec may choose (`book=obu`), the default first: `order_book_update`
/// (100 ms diffs, seeded over REST), `obu` (Order Book V2 `ob.<SYM>.400`, 100 ms: a `full`
/// book on subscribe, then diffs; resynced by resubscribing) and `obu50` (`ob.<SYM>.50`,
/// 20 ms).
pub const BOOK_VARIANTS: &[&str] = &["order_book_update", "obu", "obu50"];
/// The candlestick intervals by unified name (`candles=1h` → payload `["1h","BTC_USDT"]`), the
/// default first (`docs/exchanges.md` §6.3, the WebSocket table: `10s 1m 5m 15m 30m 1h 4h 8h
/// 1d 7d`). `10s` has no unified name; `7d` is served as `1w` though Gate counts its weeks from
/// the Unix epoch (Thursdays). REST candlesticks also take `30d`, but the WebSocket table does
/// not list it, so no month is offered.
pub const CANDLES: &[(&str, &str)] = &[
    ("1m", "1m"),
    ("5m", "5m"),
    ("15m", "15m"),
    ("30m", "30m"),
    ("1h", "1h"),
    ("4h", "4h"),
    ("8h", "8h"),
    ("1d", "1d"),
    ("1w", "7d"),
];
/// The unified candle intervals of [`CANDLES`] (`candles=5m`), the default first.
pub const CANDLE_VARIANTS: &[&str] =
    &crate::venue::protocol::unified_names::<{ CANDLES.len() }>(CANDLES);
/// How often the client sends `spot.ping` / `futures.ping` (the gatews SDK's interval).
pub const PING_EVERY: Duration = Duration::from_secs(10);

/// Gate.io's [`Protocol`] for one market.
#[derive(Debug)]
pub struct GateProtocol {
    venue: Venue,
}

/// Gate.io v4 spot.
pub static SPOT: GateProtocol = GateProtocol {
    venue: Venue::Gateio,
};
/// Gate.io v4 USDT-margined futures.
pub static FUTURES: GateProtocol = GateProtocol {
    venue: Venue::GateioFutures,
};

impl GateProtocol {
    fn futures(&self) -> bool {
        self.venue == Venue::GateioFutures
    }

    /// `spot` or `futures`: the channels' prefix.
    pub fn prefix(&self) -> &'static str {
        if self.futures() {
            "futures"
        } else {
            "spot"
        }
    }

    /// The stream key of `channel` (without prefix: `trades`, `order_book_update`, `obu`, …)
    /// for `arg` (a symbol; for `obu` the stream name `ob.BTC_USDT.400`).
    pub fn stream_key(&self, channel: &str, arg: &str) -> String {
        format!("{}.{channel}:{arg}", self.prefix())
    }

    /// The stream key of the book of `symbol` in `variant` (one of [`BOOK_VARIANTS`]; else
    /// the default): `spot.order_book_update:BTC_USDT`, `spot.obu:ob.BTC_USDT.400`.
    pub fn book_key(&self, symbol: &str, variant: Option<&str>) -> String {
        let sym = symbol.to_ascii_uppercase();
        match variant_or_default(BOOK_VARIANTS, variant) {
            "obu" => self.stream_key("obu", &format!("ob.{sym}.400")),
            "obu50" => self.stream_key("obu", &format!("ob.{sym}.50")),
            _ => self.stream_key("order_book_update", symbol),
        }
    }

    /// The stream key of the candles of `symbol` in `variant` (one of [`CANDLE_VARIANTS`]; else
    /// one minute): the argument is Gate's own candle name `<interval>_<SYM>`
    /// (`spot.candlesticks:1m_BTC_USDT`), what the candles' `n` field holds.
    pub fn candle_key(&self, symbol: &str, variant: Option<&str>) -> String {
        let i = crate::venue::protocol::native_interval(CANDLES, variant);
        self.stream_key(
            "candlesticks",
            &format!("{i}_{}", symbol.to_ascii_uppercase()),
        )
    }

    /// The request frames for `keys` at `time_s` (seconds; Gate refuses requests more than
    /// 60 s away from its clock). Channels that take a list get one frame for all their
    /// symbols; `order_book_update`, `candlesticks` and `obu` take one per frame.
    pub fn frames(&self, keys: &[String], id: u64, event: &str, time_s: i64) -> Vec<String> {
        let mut grouped: Vec<(&str, Vec<&str>)> = Vec::new();
        for key in keys {
            let Some((channel, arg)) = key.split_once(':') else {
                continue;
            };
            match grouped.iter_mut().find(|(c, _)| *c == channel) {
                Some((_, args)) => args.push(arg),
                None => grouped.push((channel, vec![arg])),
            }
        }
        let mut out = Vec::new();
        for (channel, args) in grouped {
            let short = channel.split_once('.').map_or(channel, |(_, s)| s);
            match short {
                "order_book_update" => {
                    for a in args {
                        let payload: &[&str] = if self.futures() {
                            &[a, "100ms", "100"]
                        } else {
                            &[a, "100ms"]
                        };
                        out.push(request(time_s, id, channel, event, payload));
                    }
                }
                "candlesticks" => {
                    // `1m_BTC_USDT` → ["1m","BTC_USDT"]
                    for a in args {
                        let (i, sym) = a.split_once('_').unwrap_or(("1m", a));
                        out.push(request(time_s, id, channel, event, &[i, sym]));
                    }
                }
                "obu" => {
                    for a in args {
                        out.push(request(time_s, id, channel, event, &[a]));
                    }
                }
                _ => out.push(request(time_s, id, channel, event, &args)),
            }
        }
        out
    }

    /// The application ping at `time_s`: `{"time":<s>,"channel":"spot.ping"}`.
    pub fn ping(&self, time_s: i64) -> String {
        format!(
            "{{\"time\":{time_s},\"channel\":\"{}.ping\"}}",
            self.prefix()
        )
    }
}

/// `{"time":T,"id":N,"channel":"…","event":"…","payload":[…]}`
pub fn request(time_s: i64, id: u64, channel: &str, event: &str, payload: &[&str]) -> String {
    let clean = |s: &str| s.replace(['"', '\\'], "");
    let mut s = format!(
        "{{\"time\":{time_s},\"id\":{id},\"channel\":\"{}\",\"event\":\"{}\",\"payload\":[",
        clean(channel),
        clean(event)
    );
    for (i, p) in payload.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "\"{}\"", clean(p));
    }
    s.push_str("]}");
    s
}

fn now_s() -> i64 {
    crate::sys::now().0 / 1_000_000_000
}

impl Protocol for GateProtocol {
    fn venue(&self) -> Venue {
        self.venue
    }
    fn ws_origin(&self) -> &'static str {
        if self.futures() {
            FUTURES_WS
        } else {
            SPOT_WS
        }
    }
    fn ws_path(&self, _stream: &str) -> &'static str {
        if self.futures() {
            FUTURES_PATH
        } else {
            SPOT_PATH
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
        let ch = match channel {
            Channel::Trades | Channel::AggTrades => "trades",
            Channel::Bbo => "book_ticker",
            Channel::Book => return vec![self.book_key(symbol, variant)],
            Channel::Candles => return vec![self.candle_key(symbol, variant)],
        };
        vec![self.stream_key(ch, symbol)]
    }
    fn subscribe(&self, streams: &[String], id: u64) -> Vec<String> {
        self.frames(streams, id, "subscribe", now_s())
    }
    fn unsubscribe(&self, streams: &[String], id: u64) -> Vec<String> {
        self.frames(streams, id, "unsubscribe", now_s())
    }
    fn heartbeat(&self) -> Option<(Duration, String)> {
        Some((PING_EVERY, self.ping(now_s())))
    }
    fn limits(&self) -> Limits {
        Limits {
            // Gate documents no per-connection subscription limit (⚠ docs/exchanges.md §6.1):
            // a conservative 100 streams per connection, 20 per request message.
            max_streams: 100,
            streams_per_msg: 20,
            max_msgs_per_sec: 10,
            lifetime_secs: 0,
            // the server pings at the protocol level; the app ping resets its idle timer,
            // whose length is not documented
            idle_timeout_secs: 0,
            // public REST: 200 requests per 10 s per endpoint and IP
            rest_weight_per_minute: 1200,
            snapshot_weight: 1,
        }
    }
    fn rest_origin(&self) -> &'static str {
        REST
    }
    /// `order_book_update`: a REST snapshot `with_id`; Order Book V2 (`obu`): unsubscribe and
    /// subscribe again, Gate sends a `full` book first (no REST, §6.5).
    fn resync(&self, symbol: &str, variant: Option<&str>) -> Resync {
        if variant_or_default(BOOK_VARIANTS, variant) != BOOK_VARIANTS[0] {
            return Resync::Resubscribe(vec![self.book_key(symbol, variant)]);
        }
        let sym = symbol.to_ascii_uppercase();
        Resync::Rest(if self.futures() {
            format!("/api/v4/futures/usdt/order_book?contract={sym}&limit={SNAPSHOT_LIMIT}&with_id=true")
        } else {
            format!(
                "/api/v4/spot/order_book?currency_pair={sym}&limit={SNAPSHOT_LIMIT}&with_id=true"
            )
        })
    }
    fn unified_symbol(&self, native: &str) -> String {
        let up = native.to_ascii_uppercase();
        let parts: Vec<&str> = up.split('_').collect();
        match (self.futures(), parts.as_slice()) {
            (false, _) => parts.join("-"),
            // delivery futures `BTC_USDT_20210326`
            (true, [base, quote, date])
                if date.len() == 8 && date.bytes().all(|c| c.is_ascii_digit()) =>
            {
                format!("{base}-{quote}-{date}")
            }
            (true, [base, quote]) => format!("{base}-{quote}-PERP"),
            (true, _) => parts.join("-"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_match_the_documented_shape() {
        let keys = vec![
            SPOT.stream_key("trades", "BTC_USDT"),
            SPOT.stream_key("order_book_update", "BTC_USDT"),
            SPOT.stream_key("trades", "ETH_USDT"),
            SPOT.stream_key("candlesticks", "1m_BTC_USDT"),
            SPOT.stream_key("book_ticker", "BTC_USDT"),
            SPOT.stream_key("obu", "ob.BTC_USDT.400"),
        ];
        assert_eq!(
            SPOT.frames(&keys, 7, "subscribe", 1611541000),
            [
                r#"{"time":1611541000,"id":7,"channel":"spot.trades","event":"subscribe","payload":["BTC_USDT","ETH_USDT"]}"#,
                r#"{"time":1611541000,"id":7,"channel":"spot.order_book_update","event":"subscribe","payload":["BTC_USDT","100ms"]}"#,
                r#"{"time":1611541000,"id":7,"channel":"spot.candlesticks","event":"subscribe","payload":["1m","BTC_USDT"]}"#,
                r#"{"time":1611541000,"id":7,"channel":"spot.book_ticker","event":"subscribe","payload":["BTC_USDT"]}"#,
                r#"{"time":1611541000,"id":7,"channel":"spot.obu","event":"subscribe","payload":["ob.BTC_USDT.400"]}"#,
            ]
        );
        let fut = FUTURES.streams("BTC_USDT", Channel::Book, None);
        assert_eq!(fut, ["futures.order_book_update:BTC_USDT"]);
        assert_eq!(
            FUTURES.frames(&fut, 2, "unsubscribe", 5),
            [
                r#"{"time":5,"id":2,"channel":"futures.order_book_update","event":"unsubscribe","payload":["BTC_USDT","100ms","100"]}"#
            ]
        );
        assert_eq!(
            SPOT.ping(1545404023),
            r#"{"time":1545404023,"channel":"spot.ping"}"#
        );
        assert_eq!(FUTURES.ping(1), r#"{"time":1,"channel":"futures.ping"}"#);
        // the live frames carry the current time
        let live = SPOT.subscribe(&keys[..1], 1);
        let t: i64 = live[0]["{\"time\":".len()..live[0].find(',').unwrap()]
            .parse()
            .unwrap();
        assert!((t - now_s()).abs() < 5);
        let (every, ping) = FUTURES.heartbeat().expect("app ping");
        assert!(every >= Duration::from_secs(10) && every <= Duration::from_secs(20));
        assert!(ping.contains("\"channel\":\"futures.ping\""));
        // nothing can break out of the JSON strings
        assert_eq!(
            request(1, 1, "spot.trades", "subscribe", &["A\"B\\"]),
            r#"{"time":1,"id":1,"channel":"spot.trades","event":"subscribe","payload":["AB"]}"#
        );
    }

    #[test]
    fn order_book_v2_is_a_book_variant() {
        for (p, pre) in [(&SPOT, "spot"), (&FUTURES, "futures")] {
            assert_eq!(
                p.variants(Channel::Book),
                ["order_book_update", "obu", "obu50"]
            );
            assert_eq!(
                p.streams("btc_usdt", Channel::Book, Some("order_book_update")),
                p.streams("btc_usdt", Channel::Book, None)
            );
            let obu = p.streams("btc_usdt", Channel::Book, Some("obu"));
            assert_eq!(obu, [format!("{pre}.obu:ob.BTC_USDT.400")]);
            assert_eq!(
                p.frames(&obu, 3, "subscribe", 9),
                [format!(
                    r#"{{"time":9,"id":3,"channel":"{pre}.obu","event":"subscribe","payload":["ob.BTC_USDT.400"]}}"#
                )]
            );
            let obu50 = p.streams("BTC_USDT", Channel::Book, Some("OBU50"));
            assert_eq!(obu50, [format!("{pre}.obu:ob.BTC_USDT.50")]);
            // Order Book V2 resyncs by resubscribing the same stream, never over REST
            assert_eq!(p.resync("btc_usdt", Some("obu")), Resync::Resubscribe(obu));
            assert_eq!(
                p.resync("BTC_USDT", Some("obu50")),
                Resync::Resubscribe(obu50)
            );
            assert!(matches!(
                p.resync("BTC_USDT", Some("order_book_update")),
                Resync::Rest(_)
            ));
        }
    }

    #[test]
    fn endpoints_resync_and_symbols() {
        assert_eq!(SPOT.ws_origin(), "wss://api.gateio.ws");
        assert_eq!(SPOT.ws_path("spot.trades:BTC_USDT"), "/ws/v4/");
        assert_eq!(FUTURES.ws_origin(), "wss://fx-ws.gateio.ws");
        assert_eq!(FUTURES.ws_path("x"), "/v4/ws/usdt");
        assert_eq!(SPOT.rest_origin(), "https://api.gateio.ws");
        assert_eq!(
            SPOT.resync("btc_usdt", None),
            Resync::Rest(
                "/api/v4/spot/order_book?currency_pair=BTC_USDT&limit=100&with_id=true".into()
            )
        );
        assert_eq!(
            FUTURES.resync("BTC_USDT", None),
            Resync::Rest(
                "/api/v4/futures/usdt/order_book?contract=BTC_USDT&limit=100&with_id=true".into()
            )
        );
        assert_eq!(SPOT.unified_symbol("BTC_USDT"), "BTC-USDT");
        assert_eq!(SPOT.unified_symbol("qtum3s_usdt"), "QTUM3S-USDT");
        assert_eq!(FUTURES.unified_symbol("BTC_USDT"), "BTC-USDT-PERP");
        assert_eq!(FUTURES.unified_symbol("BTC_USD"), "BTC-USD-PERP");
        assert_eq!(
            FUTURES.unified_symbol("BTC_USDT_20210326"),
            "BTC-USDT-20210326"
        );
        assert_eq!(
            SPOT.streams("BTC_USDT", Channel::AggTrades, None),
            ["spot.trades:BTC_USDT"]
        );
        assert_eq!(
            SPOT.streams("BTC_USDT", Channel::Bbo, None),
            ["spot.book_ticker:BTC_USDT"]
        );
        assert_eq!(
            SPOT.streams("BTC_USDT", Channel::Candles, None),
            ["spot.candlesticks:1m_BTC_USDT"]
        );
        let l = FUTURES.limits();
        assert_eq!(l.rest_weight_per_minute, 1200);
        assert!(l.max_streams >= l.streams_per_msg);
    }
    #[test]
    fn candle_intervals_are_variants() {
        for (p, pre) in [(&SPOT, "spot"), (&FUTURES, "futures")] {
            let v = p.variants(Channel::Candles);
            assert_eq!(v.len(), CANDLES.len());
            for ((u, native), w) in CANDLES.iter().zip(v) {
                assert_eq!(u, w);
                let s = p.streams("btc_usdt", Channel::Candles, Some(u));
                assert_eq!(s, [format!("{pre}.candlesticks:{native}_BTC_USDT")]);
                assert_eq!(
                    p.frames(&s, 2, "subscribe", 9),
                    [format!(
                        r#"{{"time":9,"id":2,"channel":"{pre}.candlesticks","event":"subscribe","payload":["{native}","BTC_USDT"]}}"#
                    )]
                );
                assert_eq!(
                    p.frames(&s, 3, "unsubscribe", 9),
                    [format!(
                        r#"{{"time":9,"id":3,"channel":"{pre}.candlesticks","event":"unsubscribe","payload":["{native}","BTC_USDT"]}}"#
                    )]
                );
                // the parser reads Gate's interval back as the unified one's
                assert_eq!(
                    crate::venue::gateio::normalize::interval_seconds(native),
                    crate::venue::protocol::candle_seconds(u),
                    "{native}"
                );
            }
            // two intervals of one pair: one frame each
            let mut two = p.streams("BTC_USDT", Channel::Candles, None);
            two.extend(p.streams("BTC_USDT", Channel::Candles, Some("1h")));
            let f = p.frames(&two, 4, "subscribe", 1);
            assert_eq!(f.len(), 2);
            assert!(
                f[0].ends_with(r#""payload":["1m","BTC_USDT"]}"#),
                "{}",
                f[0]
            );
            assert!(
                f[1].ends_with(r#""payload":["1h","BTC_USDT"]}"#),
                "{}",
                f[1]
            );
        }
    }
}
