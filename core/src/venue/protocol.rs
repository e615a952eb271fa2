//! What the live engine needs to know of a venue's WebSocket protocol (sans-IO): where to
//! connect, how streams are named, the subscribe/unsubscribe frames, the client heartbeat, the
//! limits, and how a book that lost sync gets a new snapshot.
//!
//! One implementation per venue folder; [`protocol_for`] is the registry.

use crate::event::Venue;
use std::time::Duration;

/// A stream a user can ask for, in the venue-neutral words of a subscription spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    /// Public trades.
    Trades,
    /// Aggregated trades (Binance `aggTrade`; venues without them serve trades).
    AggTrades,
    /// Best bid and offer.
    Bbo,
    /// The L2 book (snapshot + diffs under the venue's rules; resynced on any gap).
    Book,
    /// Candles, one minute by default; the interval is a variant in the unified notation of
    /// [`CANDLE_INTERVALS`] (`candles=5m`, `candles=1h`).
    Candles,
}

impl Channel {
    /// From a spec word: `trades`, `aggtrades`, `bbo`, `book`, `candles`.
    pub fn parse(s: &str) -> Option<Channel> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "trades" | "trade" => Channel::Trades,
            "aggtrades" | "aggtrade" => Channel::AggTrades,
            "bbo" | "quotes" | "ticker" => Channel::Bbo,
            "book" | "l2" | "depth" => Channel::Book,
            "candles" | "kline" | "klines" | "candle" => Channel::Candles,
            _ => return None,
        })
    }

    /// The spec word of the channel (`trades`, `aggtrades`, `bbo`, `book`, `candles`).
    pub fn name(self) -> &'static str {
        match self {
            Channel::Trades => "trades",
            Channel::AggTrades => "aggtrades",
            Channel::Bbo => "bbo",
            Channel::Book => "book",
            Channel::Candles => "candles",
        }
    }
}

/// `variant` if it is one of `variants`, else the default (the first; `variants` must not be
/// empty).
pub fn variant_or_default(
    variants: &'static [&'static str],
    variant: Option<&str>,
) -> &'static str {
    variant
        .and_then(|v| find_variant(variants, v))
        .unwrap_or(variants[0])
}

/// Finds `word` among a venue's `variants` of a channel ([`Protocol::variants`]): the list's
/// own `&'static str`. The exact spelling wins, then any case (`BOOKS5` is `books5`, `1H` is
/// `1h`), except for candle intervals in minutes or months, which are spelt exactly: `1m` is a
/// minute, `1M` a month, `5M` nothing.
pub fn find_variant(variants: &'static [&'static str], word: &str) -> Option<&'static str> {
    let w = word.trim();
    let exact = variants.iter().copied().find(|v| *v == w);
    exact.or_else(|| {
        variants
            .iter()
            .copied()
            .find(|v| v.eq_ignore_ascii_case(w) && !minute_or_month(v))
    })
}

/// A unified candle interval whose unit is case-sensitive (`m` minutes, `M` months).
fn minute_or_month(v: &str) -> bool {
    candle_seconds(v).is_some() && v.ends_with(['m', 'M'])
}

/// The unified candle intervals a spec may name (`candles=5m`), shortest first, with their
/// length in seconds as parsers write it in [`Event::aux`](crate::event::Event::aux) (`1M`,
/// a calendar month, counts 30 days). Each venue's [`Protocol::variants`] of
/// [`Channel::Candles`] lists those it serves, `1m` first (Coinbase: `5m` only).
pub const CANDLE_INTERVALS: &[(&str, u32)] = &[
    ("1s", 1),
    ("1m", 60),
    ("3m", 180),
    ("5m", 300),
    ("15m", 900),
    ("30m", 1_800),
    ("1h", 3_600),
    ("2h", 7_200),
    ("4h", 14_400),
    ("6h", 21_600),
    ("8h", 28_800),
    ("12h", 43_200),
    ("1d", 86_400),
    ("3d", 259_200),
    ("1w", 604_800),
    ("1M", 2_592_000),
];

/// The length in seconds of a unified candle interval (`5m` → 300; exact spelling: `1M` is
/// a month, `1m` a minute); `None` if it is not one of [`CANDLE_INTERVALS`].
pub fn candle_seconds(interval: &str) -> Option<u32> {
    CANDLE_INTERVALS
        .iter()
        .find(|(n, _)| *n == interval)
        .map(|(_, s)| *s)
}

/// The unified name of a candle interval of `seconds` (300 → `5m`).
pub fn candle_name(seconds: u32) -> Option<&'static str> {
    CANDLE_INTERVALS
        .iter()
        .find(|(_, s)| *s == seconds)
        .map(|(n, _)| *n)
}

/// The first column of a venue's `(unified, native)` candle table, at compile time: the
/// variants a spec may name are exactly the table's (`static V: [&str; T.len()] =
/// unified_names(T)`).
pub const fn unified_names<const N: usize>(
    table: &[(&'static str, &'static str)],
) -> [&'static str; N] {
    assert!(table.len() == N, "the table and the array differ in length");
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = table[i].0;
        i += 1;
    }
    out
}

/// The native name of the unified candle interval `variant` (`None` or not served: the
/// default, the first of `table`) in a venue's `table` of `(unified, native)` pairs.
pub fn native_interval(
    table: &'static [(&'static str, &'static str)],
    variant: Option<&str>,
) -> &'static str {
    variant
        .and_then(|v| table.iter().find(|(u, _)| *u == v))
        .unwrap_or(&table[0])
        .1
}

/// How a book that lost sync (or never had a snapshot) gets one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resync {
    /// GET this path and query from the venue's REST base; the body goes to
    /// [`super::FrameParser::parse_rest`] with the symbol.
    Rest(String),
    /// Unsubscribe and subscribe these streams again: the venue sends a fresh snapshot on
    /// subscribe.
    Resubscribe(Vec<String>),
    /// Nothing to do: the venue pushes full snapshots by itself (Hyperliquid `l2Book`).
    None,
}

/// A venue's connection and rate limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Streams (subscriptions) per connection.
    pub max_streams: usize,
    /// Streams named in one subscribe frame (Coinbase: one channel per message).
    pub streams_per_msg: usize,
    /// Control messages the client may send per second per connection.
    pub max_msgs_per_sec: u32,
    /// The venue closes every connection after this long (0: no limit).
    pub lifetime_secs: u64,
    /// The venue drops a connection that sends nothing for this long (0: no such rule);
    /// the heartbeat must beat faster.
    pub idle_timeout_secs: u64,
    /// REST weight budget per minute.
    pub rest_weight_per_minute: u32,
    /// Weight of one book snapshot request.
    pub snapshot_weight: u32,
}

/// A venue's WebSocket protocol (sans-IO: it builds text; the io layer sends it).
pub trait Protocol: Send + Sync {
    /// The venue.
    fn venue(&self) -> Venue;
    /// The venue's public WebSocket origin (`wss://ws.okx.com:8443`).
    fn ws_origin(&self) -> &'static str;
    /// The path of the endpoint serving `stream` (`/ws/v5/public`, `/ws/v5/business`):
    /// streams with the same path may share a connection.
    fn ws_path(&self, stream: &str) -> &'static str;
    /// The URL to connect to for `streams` on `path`; `origin` is the venue's or a
    /// replacement (a simulator). Venues that take the stream list in the URL (Binance) put it
    /// there and return `true` from [`Protocol::subscribes_in_url`].
    fn url(&self, origin: &str, path: &str, _streams: &[String]) -> String {
        format!("{origin}{path}")
    }
    /// Whether [`Protocol::url`] subscribes by itself (no subscribe frame on open).
    fn subscribes_in_url(&self) -> bool {
        false
    }
    /// The native variants of `channel` a spec may choose (`okx:BTC-USDT:book=books5`), the
    /// default first (the stream [`Protocol::streams`] derives without a variant); empty when
    /// the venue serves the channel one way only.
    fn variants(&self, _channel: Channel) -> &'static [&'static str] {
        &[]
    }
    /// The venue's stream keys for one instrument and channel in `variant` (one of
    /// [`Protocol::variants`]; `None` or an unknown one: the default): what subscribe frames
    /// name and what the simulator counts (`books:BTC-USDT`, `orderbook.200.BTCUSDT`).
    fn streams(&self, symbol: &str, channel: Channel, variant: Option<&str>) -> Vec<String>;
    /// The frames that subscribe `streams` (several when the venue takes fewer per message).
    fn subscribe(&self, streams: &[String], id: u64) -> Vec<String>;
    /// The frames that unsubscribe `streams`.
    fn unsubscribe(&self, streams: &[String], id: u64) -> Vec<String>;
    /// A text frame to send every interval to keep the connection alive (OKX `ping`, Bybit
    /// `{"op":"ping"}`); `None` where the venue pings (WebSocket ping frames) instead.
    fn heartbeat(&self) -> Option<(Duration, String)> {
        None
    }
    /// Connection and rate limits.
    fn limits(&self) -> Limits;
    /// The venue's REST base (`https://www.okx.com`).
    fn rest_origin(&self) -> &'static str;
    /// How the book of `symbol`, subscribed in `variant` of [`Channel::Book`] (`None`: the
    /// default), gets a new snapshot: the same stream as [`Protocol::streams`] derives.
    fn resync(&self, symbol: &str, variant: Option<&str>) -> Resync;
    /// The unified view of a native symbol: `BASE-QUOTE` for spot (`BTC-USDT`), with a suffix
    /// for derivatives (`BTC-USDT-PERP`, `BTC-USD-PERP`, `BTC-USD-20241227`). Best effort from
    /// the symbol alone; the native symbol is always the key.
    fn unified_symbol(&self, native: &str) -> String;
}

/// The protocol of `venue`. Adding a venue is a folder and one line here.
pub fn protocol_for(venue: Venue) -> &'static dyn Protocol {
    use super::*;
    match venue {
        Venue::Binance => &binance::subscribe::BINANCE_SPOT,
        Venue::BinanceUsdm => &binance::subscribe::BINANCE_USDM,
        Venue::BinanceCoinm => &binance::subscribe::BINANCE_COINM,
        Venue::Okx => &okx::PROTOCOL,
        Venue::BybitSpot => &bybit::SPOT,
        Venue::BybitLinear => &bybit::LINEAR,
        Venue::BybitInverse => &bybit::INVERSE,
        Venue::Coinbase => &coinbase::PROTOCOL,
        Venue::Kraken => &kraken::PROTOCOL,
        Venue::Gateio => &gateio::SPOT,
        Venue::GateioFutures => &gateio::FUTURES,
        Venue::Bitget => &bitget::SPOT,
        Venue::BitgetFutures => &bitget::FUTURES,
        Venue::Hyperliquid => &hyperliquid::PROTOCOL,
    }
}

/// Splits a concatenated spot symbol (`BTCUSDT`) at a known quote asset: `BTC-USDT`. Returns
/// the symbol unchanged when no known quote ends it.
pub fn split_concatenated(symbol: &str) -> String {
    const QUOTES: &[&str] = &[
        "USDT", "USDC", "FDUSD", "BUSD", "TUSD", "USDE", "DAI", "USD", "EUR", "GBP", "TRY", "BRL",
        "JPY", "AUD", "BTC", "ETH", "BNB", "SOL", "XRP", "DOGE", "TRX",
    ];
    let up = symbol.to_ascii_uppercase();
    for q in QUOTES {
        if up.len() > q.len() && up.ends_with(q) {
            return format!("{}-{}", &up[..up.len() - q.len()], q);
        }
    }
    up
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_venue_has_a_protocol_with_sane_limits() {
        for v in Venue::ALL {
            let p = protocol_for(*v);
            assert_eq!(p.venue(), *v);
            let l = p.limits();
            assert!(l.max_streams > 0 && l.streams_per_msg > 0 && l.max_msgs_per_sec > 0);
            assert!(
                p.ws_origin().starts_with("wss://"),
                "{v}: {}",
                p.ws_origin()
            );
            assert!(p.rest_origin().starts_with("https://"), "{v}");
        }
    }

    #[test]
    fn variants_are_found_in_any_case_and_defaults_come_first() {
        for v in Venue::ALL {
            let p = protocol_for(*v);
            for c in [
                Channel::Trades,
                Channel::AggTrades,
                Channel::Bbo,
                Channel::Book,
                Channel::Candles,
            ] {
                let list = p.variants(c);
                if let Some(first) = list.first() {
                    // the default variant derives today's stream
                    assert_eq!(
                        p.streams("BTC-USDT", c, Some(first)),
                        p.streams("BTC-USDT", c, None),
                        "{v} {c:?}"
                    );
                }
                for w in list {
                    assert_eq!(find_variant(list, w), Some(*w));
                    // any case, unless that makes it another candle interval (`1m` and `1M`)
                    let up = w.to_ascii_uppercase();
                    if !minute_or_month(w) {
                        assert_eq!(find_variant(list, &up), Some(*w));
                    }
                    assert!(!w.is_empty() && !w.contains([',', ':', '=']), "{v}: {w}");
                    if c == Channel::Candles {
                        // candle variants are unified interval names, each its own stream
                        assert!(candle_seconds(w).is_some(), "{v}: {w}");
                        if Some(*w) != list.first().copied() {
                            assert_ne!(
                                p.streams("BTC-USDT", c, Some(w)),
                                p.streams("BTC-USDT", c, None),
                                "{v} {w}"
                            );
                        }
                    }
                }
                if c == Channel::Candles {
                    let want = if *v == Venue::Coinbase { "5m" } else { "1m" };
                    assert_eq!(list.first(), Some(&want), "{v}: candle default");
                }
                assert_eq!(Channel::parse(c.name()), Some(c));
            }
        }
        assert_eq!(
            find_variant(&["books", "books5"], " BOOKS5 "),
            Some("books5")
        );
        assert_eq!(find_variant(&["books"], "books6"), None);
        // minute and month: the exact spelling decides; any case where unambiguous
        let iv: &'static [&'static str] = &["1m", "1h", "1M"];
        assert_eq!(find_variant(iv, "1m"), Some("1m"));
        assert_eq!(find_variant(iv, "1M"), Some("1M"));
        assert_eq!(find_variant(iv, "1H"), Some("1h"));
        assert_eq!(find_variant(&["1m", "1M"], "1m"), Some("1m"));
        // a venue without months does not read `1M` as a minute, nor `1m` as a month
        assert_eq!(find_variant(&["1m", "5m"], "1M"), None);
        assert_eq!(find_variant(&["1M"], "1m"), None);
        assert_eq!(find_variant(&["1m", "5m"], " 5M "), None);
    }

    #[test]
    fn candle_intervals_are_unified() {
        assert_eq!(candle_seconds("5m"), Some(300));
        assert_eq!(candle_seconds("1M"), Some(2_592_000));
        assert_eq!(candle_seconds("1m"), Some(60));
        assert_eq!(candle_seconds("5M"), None);
        assert_eq!(candle_seconds(""), None);
        assert_eq!(candle_name(3_600), Some("1h"));
        assert_eq!(candle_name(7), None);
        let mut last = 0;
        for (n, s) in CANDLE_INTERVALS {
            assert!(*s > last, "{n}: shortest first");
            last = *s;
            assert_eq!(candle_name(*s), Some(*n));
        }
        let t: &'static [(&str, &str)] = &[("1m", "1"), ("5m", "5")];
        assert_eq!(native_interval(t, None), "1");
        assert_eq!(native_interval(t, Some("5m")), "5");
        assert_eq!(native_interval(t, Some("7m")), "1");
    }

    #[test]
    fn concatenated_symbols_split_at_the_quote() {
        assert_eq!(split_concatenated("BTCUSDT"), "BTC-USDT");
        assert_eq!(split_concatenated("ethbtc"), "ETH-BTC");
        assert_eq!(split_concatenated("XYZ"), "XYZ");
    }
}
