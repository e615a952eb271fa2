//! Subscriptions: what a user asks for, parsed from `venue:SYMBOL:channel,channel` specs.
//!
//! A channel may name one of the venue's native variants of it after `=`
//! (`okx:BTC-USDT:trades,book=books-l2-tbt`, `bybit:BTCUSDT:book=50`,
//! `gateio:BTC_USDT:book=obu`, `kraken:XBT/USD:book=100`): the venue's
//! [`Protocol::variants`](crate::venue::protocol::Protocol::variants) lists them, the default
//! first. Candle intervals are variants in one notation across venues (`candles=5m`,
//! `candles=1h`, `candles=1d`; [`CANDLE_INTERVALS`](crate::venue::protocol::CANDLE_INTERVALS)),
//! and a spec may name several of them (`candles,candles=5m`): each is its own stream.

use crate::event::Venue;
pub use crate::venue::protocol::Channel;
use crate::venue::protocol::{find_variant, Resync};
use crate::venue::protocol_for;
use std::collections::HashMap;
use std::fmt;

/// One channel of a subscription and the venue's native variant of it, if the spec chose one
/// (`book=books5`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChannelSpec {
    /// The venue-neutral channel.
    pub channel: Channel,
    /// One of the venue's [`variants`](crate::venue::protocol::Protocol::variants) of the
    /// channel other than the default; `None`: the default.
    pub variant: Option<&'static str>,
}

impl From<Channel> for ChannelSpec {
    fn from(channel: Channel) -> ChannelSpec {
        ChannelSpec {
            channel,
            variant: None,
        }
    }
}

impl fmt::Display for ChannelSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.variant {
            Some(v) => write!(f, "{}={v}", self.channel.name()),
            None => f.write_str(self.channel.name()),
        }
    }
}

/// Streams of one instrument on one venue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    /// Venue.
    pub venue: Venue,
    /// Native symbol (`BTCUSDT`).
    pub symbol: String,
    /// Channels, each with the native variant chosen (if any).
    pub channels: Vec<ChannelSpec>,
}

/// Why a spec could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecError(pub String);

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SpecError {}

impl Subscription {
    /// Parses `binance:BTCUSDT:trades,bbo,book` (channels default to `trades,bbo`); a channel
    /// may choose a native variant: `okx:BTC-USDT:trades,book=books5`. One variant per channel,
    /// except candles, whose intervals are separate streams (`candles,candles=1h`).
    pub fn parse(spec: &str) -> Result<Subscription, SpecError> {
        let mut parts = spec.splitn(3, ':');
        let (Some(v), Some(sym)) = (parts.next(), parts.next()) else {
            return Err(SpecError(format!("{spec:?}: expected venue:SYMBOL[:channel,...] (e.g. binance:BTCUSDT:trades,bbo,book)")));
        };
        let venue = Venue::from_name(v).ok_or_else(|| {
            let names: Vec<&str> = Venue::ALL.iter().map(|v| v.name()).collect();
            SpecError(format!(
                "{spec:?}: unknown venue {v:?} (known: {})",
                names.join(", ")
            ))
        })?;
        // native symbols keep their case where the venue is case-sensitive (Hyperliquid `kPEPE`)
        let symbol = if venue == Venue::Hyperliquid {
            sym.trim().to_string()
        } else {
            sym.trim().to_ascii_uppercase()
        };
        if symbol.is_empty()
            || !symbol
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"_-/.".contains(&c))
        {
            return Err(SpecError(format!("{spec:?}: bad symbol {sym:?}")));
        }
        let channels = match parts.next() {
            None => vec![Channel::Trades.into(), Channel::Bbo.into()],
            Some(list) => {
                let mut out: Vec<ChannelSpec> = Vec::new();
                for item in list.split(',') {
                    let c = parse_channel(spec, venue, item)?;
                    let several = c.channel == Channel::Candles;
                    match out
                        .iter()
                        .find(|o| o.channel == c.channel && (!several || **o == c))
                    {
                        Some(o) if *o == c => {}
                        Some(o) => {
                            return Err(SpecError(format!(
                                "{spec:?}: {} named twice ({o} and {c}): one variant per channel",
                                c.channel.name()
                            )))
                        }
                        None => out.push(c),
                    }
                }
                out
            }
        };
        Ok(Subscription {
            venue,
            symbol,
            channels,
        })
    }

    /// The book variant of this subscription: `None` without a book channel, `Some(None)` for
    /// the default book stream, `Some(Some(v))` for the variant chosen.
    pub fn book_variant(&self) -> Option<Option<&'static str>> {
        self.channels
            .iter()
            .find(|c| c.channel == Channel::Book)
            .map(|c| c.variant)
    }

    /// The venue's stream names for this subscription.
    pub fn streams(&self) -> Vec<String> {
        let p = protocol_for(self.venue);
        let mut out: Vec<String> = Vec::new();
        for c in &self.channels {
            for s in p.streams(&self.symbol, c.channel, c.variant) {
                if !out.contains(&s) {
                    out.push(s);
                }
            }
        }
        out
    }
}

/// The book variants subscribed per venue and instrument (by unified symbol, so that a spec's
/// `XBT/USD` and the parser's `BTC/USD` meet): a book that lost sync is resynced on the stream
/// it came on (`books-l2-tbt` resubscribes `books-l2-tbt`, Gate `obu` resubscribes `obu`).
#[derive(Clone, Debug, Default)]
pub(crate) struct BookVariants(HashMap<(Venue, String), Vec<Option<&'static str>>>);

impl BookVariants {
    fn key(venue: Venue, symbol: &str) -> (Venue, String) {
        (venue, protocol_for(venue).unified_symbol(symbol))
    }

    /// Notes the book variant of `s` (if it has a book).
    pub(crate) fn add(&mut self, s: &Subscription) {
        if let Some(v) = s.book_variant() {
            let list = self.0.entry(Self::key(s.venue, &s.symbol)).or_default();
            if !list.contains(&v) {
                list.push(v);
            }
        }
    }

    /// Forgets the book variant of `s` (unsubscribed).
    pub(crate) fn remove(&mut self, s: &Subscription) {
        if let Some(v) = s.book_variant() {
            let key = Self::key(s.venue, &s.symbol);
            if let Some(list) = self.0.get_mut(&key) {
                list.retain(|x| *x != v);
                if list.is_empty() {
                    self.0.remove(&key);
                }
            }
        }
    }

    /// How to resync the book of `symbol` (as the instrument table names it): one way per
    /// variant subscribed; the default stream's when none is known.
    pub(crate) fn resyncs(&self, venue: Venue, symbol: &str) -> Vec<Resync> {
        let p = protocol_for(venue);
        match self.0.get(&Self::key(venue, symbol)) {
            Some(list) => list.iter().map(|v| p.resync(symbol, *v)).collect(),
            None => vec![p.resync(symbol, None)],
        }
    }
}

/// One item of a spec's channel list: `book` or `book=books5`.
fn parse_channel(spec: &str, venue: Venue, item: &str) -> Result<ChannelSpec, SpecError> {
    let (word, variant) = match item.split_once('=') {
        Some((w, v)) => (w, Some(v.trim())),
        None => (item, None),
    };
    let channel = Channel::parse(word).ok_or_else(|| {
        SpecError(format!(
            "{spec:?}: unknown channel {word:?} (trades, aggtrades, bbo, book, candles)"
        ))
    })?;
    let Some(v) = variant else {
        return Ok(channel.into());
    };
    let list = protocol_for(venue).variants(channel);
    let (name, ch) = (venue.name(), channel.name());
    if list.is_empty() {
        return Err(SpecError(format!(
            "{spec:?}: {name} {ch} has no variants to choose from (drop \"={v}\")"
        )));
    }
    let found = find_variant(list, v).ok_or_else(|| {
        SpecError(format!(
            "{spec:?}: unknown {name} {ch} variant {v:?} (one of: {}; default {})",
            list.join(", "),
            list[0]
        ))
    })?;
    Ok(ChannelSpec {
        channel,
        // the default is no choice: the same stream as without `=`
        variant: (found != list[0]).then_some(found),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_with_clear_errors() {
        let s = Subscription::parse("binance:btcusdt:trades,bbo,book").unwrap();
        assert_eq!(s.symbol, "BTCUSDT");
        assert_eq!(
            s.streams(),
            vec!["btcusdt@trade", "btcusdt@bookTicker", "btcusdt@depth@100ms"]
        );
        assert_eq!(
            Subscription::parse("binance-usdm:ETHUSDT")
                .unwrap()
                .channels,
            vec![Channel::Trades.into(), Channel::Bbo.into()]
        );
        assert!(Subscription::parse("kraken2:XBT")
            .unwrap_err()
            .0
            .contains("unknown venue"));
        assert!(Subscription::parse("binance")
            .unwrap_err()
            .0
            .contains("expected venue:SYMBOL"));
        assert!(Subscription::parse("binance:BTC USDT")
            .unwrap_err()
            .0
            .contains("bad symbol"));
        assert!(Subscription::parse("binance:BTCUSDT:nope")
            .unwrap_err()
            .0
            .contains("unknown channel"));
    }

    #[test]
    fn variants_choose_native_streams() {
        let s = Subscription::parse("okx:BTC-USDT:trades,book=books-l2-tbt").unwrap();
        assert_eq!(
            s.channels,
            [
                Channel::Trades.into(),
                ChannelSpec {
                    channel: Channel::Book,
                    variant: Some("books-l2-tbt")
                }
            ]
        );
        assert_eq!(s.channels[1].to_string(), "book=books-l2-tbt");
        assert_eq!(s.book_variant(), Some(Some("books-l2-tbt")));
        assert_eq!(s.streams(), ["trades:BTC-USDT", "books-l2-tbt:BTC-USDT"]);
        // any case; the venue's spelling is kept
        let s = Subscription::parse("okx:btc-usdt:Trades=TRADES-ALL,book=Books5").unwrap();
        assert_eq!(s.streams(), ["trades-all:BTC-USDT", "books5:BTC-USDT"]);
        // naming the default is the same as naming nothing
        let d = Subscription::parse("okx:BTC-USDT:book=books").unwrap();
        assert_eq!(d.channels, [Channel::Book.into()]);
        assert_eq!(d.book_variant(), Some(None));
        assert_eq!(
            Subscription::parse("okx:BTC-USDT:trades")
                .unwrap()
                .book_variant(),
            None
        );
        for (spec, streams) in [
            ("bybit:BTCUSDT:book=50", vec!["orderbook.50.BTCUSDT"]),
            (
                "bybit-linear:BTCUSDT:book=1000",
                vec!["orderbook.1000.BTCUSDT"],
            ),
            ("gateio:BTC_USDT:book=obu", vec!["spot.obu:ob.BTC_USDT.400"]),
            (
                "gateio-futures:BTC_USDT:book=obu50",
                vec!["futures.obu:ob.BTC_USDT.50"],
            ),
            (
                "kraken:XBT/USD:book=100",
                vec!["instrument", "book.100:BTC/USD"],
            ),
            ("bitget:BTCUSDT:book=books15", vec!["books15:BTCUSDT"]),
            ("binance:BTCUSDT:book=1000ms", vec!["btcusdt@depth"]),
        ] {
            assert_eq!(
                Subscription::parse(spec).unwrap().streams(),
                streams,
                "{spec}"
            );
        }
    }

    #[test]
    fn variant_errors_say_what_is_valid() {
        let e = Subscription::parse("okx:BTC-USDT:book=books7")
            .unwrap_err()
            .0;
        assert_eq!(
            e,
            r#""okx:BTC-USDT:book=books7": unknown okx book variant "books7" (one of: books, books5, books-l2-tbt, books50-l2-tbt; default books)"#
        );
        let e = Subscription::parse("bybit:BTCUSDT:book=1").unwrap_err().0;
        assert!(e.contains("(one of: 200, 50, 1000; default 200)"), "{e}");
        let e = Subscription::parse("gateio:BTC_USDT:book=").unwrap_err().0;
        assert!(e.contains("order_book_update, obu, obu50"), "{e}");
        let e = Subscription::parse("coinbase:BTC-USD:book=level2_batch")
            .unwrap_err()
            .0;
        assert!(e.contains("coinbase book has no variants"), "{e}");
        let e = Subscription::parse("okx:BTC-USDT:bbo=bbo-tbt")
            .unwrap_err()
            .0;
        assert!(e.contains("okx bbo has no variants"), "{e}");
        let e = Subscription::parse("okx:BTC-USDT:book,book=books5")
            .unwrap_err()
            .0;
        assert!(e.contains("book named twice (book and book=books5)"), "{e}");
        let e = Subscription::parse("okx:BTC-USDT:bok=books5")
            .unwrap_err()
            .0;
        assert!(e.contains("unknown channel \"bok\""), "{e}");
        // the same channel twice, same variant: once
        let s = Subscription::parse("okx:BTC-USDT:book=books5,book=BOOKS5").unwrap();
        assert_eq!(s.streams(), ["books5:BTC-USDT"]);
    }

    #[test]
    fn candle_intervals_are_variants_in_one_notation() {
        for (spec, streams) in [
            ("binance:BTCUSDT:candles=5m", vec!["btcusdt@kline_5m"]),
            ("binance:BTCUSDT:candles=1M", vec!["btcusdt@kline_1M"]),
            ("binance-usdm:BTCUSDT:candles=1w", vec!["btcusdt@kline_1w"]),
            ("okx:BTC-USDT:candles=1h", vec!["candle1H:BTC-USDT"]),
            ("okx:BTC-USDT:candles=1d", vec!["candle1Dutc:BTC-USDT"]),
            ("bybit:BTCUSDT:candles=4h", vec!["kline.240.BTCUSDT"]),
            ("bybit-linear:BTCUSDT:candles=1d", vec!["kline.D.BTCUSDT"]),
            ("kraken:XBT/USD:candles=1d", vec!["ohlc.1440:BTC/USD"]),
            (
                "gateio:BTC_USDT:candles=1h",
                vec!["spot.candlesticks:1h_BTC_USDT"],
            ),
            (
                "gateio-futures:BTC_USDT:candles=1w",
                vec!["futures.candlesticks:7d_BTC_USDT"],
            ),
            ("bitget:BTCUSDT:candles=1h", vec!["candle1H:BTCUSDT"]),
            (
                "bitget-futures:BTCUSDT:candles=1w",
                vec!["candle1Wutc:BTCUSDT"],
            ),
            ("hyperliquid:BTC:candles=15m", vec!["candle:BTC:15m"]),
            (
                "coinbase:BTC-USD:candles=5m",
                vec!["heartbeats", "candles:BTC-USD"],
            ),
            // any case where it cannot be another interval
            ("okx:BTC-USDT:candles=1H", vec!["candle1H:BTC-USDT"]),
        ] {
            assert_eq!(
                Subscription::parse(spec).unwrap().streams(),
                streams,
                "{spec}"
            );
        }
        // the default interval is no choice
        let s = Subscription::parse("okx:BTC-USDT:candles=1m").unwrap();
        assert_eq!(s.channels, [Channel::Candles.into()]);
        let s = Subscription::parse("coinbase:BTC-USD:candles=5m").unwrap();
        assert_eq!(s.channels, [Channel::Candles.into()]);
        // several intervals: one stream each, in the spec's order; repeats once
        let s =
            Subscription::parse("bybit:BTCUSDT:trades,candles,candles=5m,candles=1h,candles=5m")
                .unwrap();
        assert_eq!(
            s.streams(),
            [
                "publicTrade.BTCUSDT",
                "kline.1.BTCUSDT",
                "kline.5.BTCUSDT",
                "kline.60.BTCUSDT"
            ]
        );
        let text: Vec<String> = s.channels.iter().map(|c| c.to_string()).collect();
        assert_eq!(text, ["trades", "candles", "candles=5m", "candles=1h"]);
        assert_eq!(
            Subscription::parse(&format!("bybit:BTCUSDT:{}", text.join(","))),
            Ok(s)
        );
        let s = Subscription::parse("kraken:XBT/USD:candles=5m,candles").unwrap();
        assert_eq!(s.streams(), ["ohlc.5:BTC/USD", "ohlc:BTC/USD"]);
    }

    #[test]
    fn unknown_candle_intervals_say_what_is_valid() {
        let e = Subscription::parse("kraken:XBT/USD:candles=3m")
            .unwrap_err()
            .0;
        assert_eq!(
            e,
            r#""kraken:XBT/USD:candles=3m": unknown kraken candles variant "3m" (one of: 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w; default 1m)"#
        );
        // minutes and months are spelt exactly: Kraken has no month, `1M` is not a minute
        let e = Subscription::parse("kraken:XBT/USD:candles=1M")
            .unwrap_err()
            .0;
        assert!(e.contains("unknown kraken candles variant \"1M\""), "{e}");
        let e = Subscription::parse("okx:BTC-USDT:candles=5M")
            .unwrap_err()
            .0;
        assert!(e.contains("unknown okx candles variant \"5M\""), "{e}");
        let e = Subscription::parse("coinbase:BTC-USD:candles=1m")
            .unwrap_err()
            .0;
        assert!(e.contains("(one of: 5m; default 5m)"), "{e}");
        let e = Subscription::parse("binance-usdm:BTCUSDT:candles=1s")
            .unwrap_err()
            .0;
        assert!(
            e.contains("unknown binance-usdm candles variant \"1s\""),
            "{e}"
        );
        assert!(Subscription::parse("binance:BTCUSDT:candles=1s").is_ok());
        for spec in [
            "okx:BTC-USDT:candles=8h",
            "bybit:BTCUSDT:candles=3d",
            "gateio:BTC_USDT:candles=10s",
            "gateio:BTC_USDT:candles=7d",
            "hyperliquid:BTC:candles=6h",
            "bitget:BTCUSDT:candles=3m",
            "binance:BTCUSDT:candles=",
            "binance:BTCUSDT:candles=60",
        ] {
            let e = Subscription::parse(spec).unwrap_err().0;
            assert!(
                e.contains("candles variant") && e.contains("default 1m"),
                "{e}"
            );
        }
    }

    #[test]
    fn resync_follows_the_book_variant_subscribed() {
        let mut b = BookVariants::default();
        let okx = Subscription::parse("okx:BTC-USDT:trades,book=books-l2-tbt").unwrap();
        let gate = Subscription::parse("gateio:btc_usdt:book=obu").unwrap();
        let kraken = Subscription::parse("kraken:XBT/USD:book=100").unwrap();
        let bybit = Subscription::parse("bybit:BTCUSDT:trades").unwrap();
        for s in [&okx, &gate, &kraken, &bybit] {
            b.add(s);
        }
        assert_eq!(
            b.resyncs(Venue::Okx, "BTC-USDT"),
            [Resync::Resubscribe(vec!["books-l2-tbt:BTC-USDT".into()])]
        );
        // Gate obu: resubscribe, not REST
        assert_eq!(
            b.resyncs(Venue::Gateio, "BTC_USDT"),
            [Resync::Resubscribe(vec!["spot.obu:ob.BTC_USDT.400".into()])]
        );
        // the parser's v2 name meets the spec's v1 name
        assert_eq!(
            b.resyncs(Venue::Kraken, "BTC/USD"),
            [Resync::Resubscribe(vec!["book.100:BTC/USD".into()])]
        );
        // no book variant known: the default stream's way
        assert_eq!(
            b.resyncs(Venue::BybitSpot, "BTCUSDT"),
            [Resync::Resubscribe(vec!["orderbook.200.BTCUSDT".into()])]
        );
        assert!(matches!(
            b.resyncs(Venue::Gateio, "ETH_USDT")[..],
            [Resync::Rest(_)]
        ));
        b.remove(&okx);
        assert_eq!(
            b.resyncs(Venue::Okx, "BTC-USDT"),
            [Resync::Resubscribe(vec!["books:BTC-USDT".into()])]
        );
    }
}
