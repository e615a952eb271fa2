//! Kraken wire types: borrowed, zero-copy views of v1 arrays, v2 objects and REST bodies.
//!
//! v1 (`wss://ws.kraken.com`): data frames are arrays `[channelID, payload, (payload2),
//! channelName, pair]`, decimals are strings, times `"sec.usec"`; events are objects with
//! `event`. v2 (`wss://ws.kraken.com/v2`): objects `{"channel","type","data":[…]}` and method
//! replies `{"method","success","result"|"error","req_id"}`; prices and quantities are JSON
//! **numbers**, read here as their text ([`NumText`]) so no float ever touches them.

use crate::venue::coinbase::util::{span_of, NumText, Span};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use sonic_rs::LazyValue;
use std::borrow::Cow;
use std::fmt;

/// One price level, as spans into the frame.
#[derive(Clone, Copy, Debug, Default)]
pub struct Lvl {
    /// 1 bid, 2 ask.
    pub side: u8,
    /// Price text.
    pub px: Span,
    /// Volume text.
    pub qty: Span,
    /// v1 level time (`"sec.usec"`), `(0, 0)` in v2.
    pub ts: Span,
}

/// The elements of a v1 data array: `[channelID, payload…, channelName, pair]` (at most two
/// payloads).
#[derive(Debug, Default)]
pub struct V1Array<'a> {
    /// Payloads (1 or 2).
    pub payloads: [Option<LazyValue<'a>>; 2],
    /// Number of payloads.
    pub n_payloads: usize,
    /// `book-1000`, `trade`, `spread`, `ticker`, `ohlc-5`, …
    pub channel: &'a str,
    /// `XBT/USD`.
    pub pair: &'a str,
}

impl<'de> Deserialize<'de> for V1Array<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = V1Array<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[channelID, payload, channelName, pair]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                // up to 5 elements: id, 1–2 payloads, name, pair
                let mut el: [Option<LazyValue<'de>>; 5] = Default::default();
                let mut n = 0;
                while let Some(v) = seq.next_element::<LazyValue<'de>>()? {
                    if n == el.len() {
                        return Err(de::Error::custom("v1 array with more than 5 elements"));
                    }
                    el[n] = Some(v);
                    n += 1;
                }
                if n < 4 {
                    return Err(de::Error::invalid_length(n, &self));
                }
                let text = |v: &Option<LazyValue<'de>>| -> Result<&'de str, A::Error> {
                    let raw = match v.as_ref().map(LazyValue::as_raw_cow) {
                        Some(std::borrow::Cow::Borrowed(b)) => b,
                        _ => return Err(de::Error::custom("v1 channel name/pair not borrowed")),
                    };
                    raw.strip_prefix('"')
                        .and_then(|r| r.strip_suffix('"'))
                        .filter(|s| !s.contains('\\'))
                        .ok_or_else(|| de::Error::custom("v1 channel name/pair is not a string"))
                };
                let channel = text(&el[n - 2])?;
                let pair = text(&el[n - 1])?;
                let mut a = V1Array {
                    channel,
                    pair,
                    n_payloads: n - 3,
                    ..V1Array::default()
                };
                let [_, p1, p2, ..] = el;
                a.payloads = [p1, if n == 5 { p2 } else { None }];
                Ok(a)
            }
        }
        d.deserialize_seq(V)
    }
}

/// What a v1 book payload held besides its levels.
#[derive(Debug, Default, Clone, Copy)]
pub struct V1BookPart<'a> {
    /// `as`/`bs` seen: a snapshot.
    pub snapshot: bool,
    /// `a`/`b` seen: an update.
    pub update: bool,
    /// `c`: the checksum (a decimal string).
    pub checksum: Option<&'a str>,
}

/// Reads one v1 book payload object (`{"as":[…],"bs":[…]}`, `{"a":[…]}`, `{"b":[…],"c":"…"}`),
/// appending its levels to `out` as spans into the frame at `base`.
pub fn v1_book_part<'a>(
    payload: &'a str,
    base: usize,
    len: usize,
    out: &mut Vec<Lvl>,
) -> Result<V1BookPart<'a>, sonic_rs::Error> {
    let mut de = sonic_rs::Deserializer::from_str(payload);
    let part = de.deserialize_map(V1BookVisitor { base, len, out })?;
    de.end()?;
    Ok(part)
}

struct V1BookVisitor<'s> {
    base: usize,
    len: usize,
    out: &'s mut Vec<Lvl>,
}

impl<'de, 's> Visitor<'de> for V1BookVisitor<'s> {
    type Value = V1BookPart<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a v1 book payload")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut part = V1BookPart::default();
        while let Some(key) = map.next_key::<&'de str>()? {
            let side = match key {
                "as" | "a" => 2,
                "bs" | "b" => 1,
                "c" => {
                    part.checksum = Some(map.next_value()?);
                    continue;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            if key.len() == 2 {
                part.snapshot = true;
            } else {
                part.update = true;
            }
            map.next_value_seed(V1LevelsSeed {
                side,
                base: self.base,
                len: self.len,
                out: &mut *self.out,
            })?;
        }
        Ok(part)
    }
}

struct V1LevelsSeed<'s> {
    side: u8,
    base: usize,
    len: usize,
    out: &'s mut Vec<Lvl>,
}

impl<'de, 's> DeserializeSeed<'de> for V1LevelsSeed<'s> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, 's> Visitor<'de> for V1LevelsSeed<'s> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of [price, volume, time(, \"r\")]")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(l) = seq.next_element::<V1Level<'de>>()? {
            self.out.push(Lvl {
                side: self.side,
                px: span_of(l.0, self.base, self.len)?,
                qty: span_of(l.1, self.base, self.len)?,
                ts: span_of(l.2, self.base, self.len)?,
            });
        }
        Ok(())
    }
}

/// `[price, volume, time]` with an optional 4th element (`"r"`: republished).
struct V1Level<'a>(&'a str, &'a str, &'a str);

impl<'de> Deserialize<'de> for V1Level<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = V1Level<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[price, volume, time]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<V1Level<'de>, A::Error> {
                let mut next = |i| -> Result<&'de str, A::Error> {
                    seq.next_element()?
                        .ok_or_else(|| de::Error::invalid_length(i, &"3 elements"))
                };
                let px = next(0)?;
                let qty = next(1)?;
                let ts = next(2)?;
                // the republish flag ("r") and anything after it
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(V1Level(px, qty, ts))
            }
        }
        d.deserialize_seq(V)
    }
}

/// A v1 trade: `[price, volume, time, side, ordType, misc(, trade_id)]`.
#[derive(Debug)]
pub struct V1Trade<'a> {
    /// Price.
    pub price: &'a str,
    /// Volume.
    pub volume: &'a str,
    /// `"sec.usec"`.
    pub time: &'a str,
    /// `b`/`s`: the taker's side.
    pub side: &'a str,
    /// A trade id, where the venue appends one.
    pub trade_id: Option<u64>,
}

impl<'de> Deserialize<'de> for V1Trade<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = V1Trade<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[price, volume, time, side, ordType, misc]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<V1Trade<'de>, A::Error> {
                let mut next = |i| -> Result<&'de str, A::Error> {
                    seq.next_element()?
                        .ok_or_else(|| de::Error::invalid_length(i, &"6 elements"))
                };
                let price = next(0)?;
                let volume = next(1)?;
                let time = next(2)?;
                let side = next(3)?;
                let _ord_type = seq.next_element::<IgnoredAny>()?;
                let _misc = seq.next_element::<IgnoredAny>()?;
                let trade_id = match seq.next_element::<LazyValue<'de>>()? {
                    Some(v) => v.as_raw_str().parse::<u64>().ok(),
                    None => None,
                };
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(V1Trade {
                    price,
                    volume,
                    time,
                    side,
                    trade_id,
                })
            }
        }
        d.deserialize_seq(V)
    }
}

/// A v1 spread: `[bid, ask, timestamp, bidVolume, askVolume]`.
#[derive(Deserialize, Debug)]
pub struct V1Spread<'a>(
    #[serde(borrow)] pub &'a str,
    #[serde(borrow)] pub &'a str,
    #[serde(borrow)] pub &'a str,
    #[serde(borrow)] pub &'a str,
    #[serde(borrow)] pub &'a str,
);

/// `[price, wholeLotVolume, lotVolume]` of a v1 ticker's `a`/`b`.
#[derive(Deserialize, Debug)]
pub struct V1Best<'a>(
    #[serde(borrow)] pub &'a str,
    pub IgnoredAny,
    #[serde(borrow)] pub &'a str,
);

/// A v1 ticker (the fields used).
#[derive(Deserialize, Debug)]
pub struct V1Ticker<'a> {
    /// Best ask.
    #[serde(borrow)]
    pub a: V1Best<'a>,
    /// Best bid.
    #[serde(borrow)]
    pub b: V1Best<'a>,
}

/// A v1 candle: `[time, etime, open, high, low, close, vwap, volume, count]`.
#[derive(Deserialize, Debug)]
pub struct V1Ohlc<'a>(
    #[serde(borrow)] pub &'a str,
    #[serde(borrow)] pub &'a str,
    #[serde(borrow)] pub &'a str,
    #[serde(borrow)] pub &'a str,
    #[serde(borrow)] pub &'a str,
    #[serde(borrow)] pub &'a str,
    pub IgnoredAny,
    #[serde(borrow)] pub &'a str,
    pub IgnoredAny,
);

/// Any object frame: v1 events, v2 channel messages and method replies, Kraken Futures frames
/// (classified, not read), errors.
#[derive(Deserialize, Debug, Default)]
pub struct Probe<'a> {
    /// v1: `heartbeat`, `systemStatus`, `subscriptionStatus`, `pong`, `error`.
    #[serde(borrow, default)]
    pub event: Option<&'a str>,
    /// v2: `book`, `trade`, `ticker`, `ohlc`, `heartbeat`, `status`, `instrument`.
    #[serde(borrow, default)]
    pub channel: Option<&'a str>,
    /// v2: `snapshot` / `update`.
    #[serde(rename = "type", borrow, default)]
    pub kind: Option<&'a str>,
    /// v2 payload.
    #[serde(borrow, default)]
    pub data: Option<LazyValue<'a>>,
    /// v2 method reply: `subscribe`, `unsubscribe`, `pong`.
    #[serde(borrow, default)]
    pub method: Option<&'a str>,
    /// v2 method outcome.
    #[serde(default)]
    pub success: Option<bool>,
    /// v2 method result (`{channel, symbol, depth, …}`).
    #[serde(borrow, default)]
    pub result: Option<LazyValue<'a>>,
    /// v2 error text (and REST errors).
    #[serde(borrow, default)]
    pub error: Option<LazyValue<'a>>,
    /// v2 request id.
    #[serde(default)]
    pub req_id: Option<i64>,
    /// v1 request id.
    #[serde(default)]
    pub reqid: Option<i64>,
    /// v1 `subscriptionStatus`: `subscribed`, `unsubscribed`, `error`; `systemStatus`: `online`, …
    #[serde(borrow, default)]
    pub status: Option<&'a str>,
    /// v1 error text.
    #[serde(rename = "errorMessage", borrow, default)]
    pub error_message: Option<LazyValue<'a>>,
    /// Kraken Futures frames carry `feed`.
    #[serde(borrow, default)]
    pub feed: Option<LazyValue<'a>>,
    /// Kraken Futures REST: `orderBook`.
    #[serde(rename = "orderBook", borrow, default)]
    pub order_book: Option<LazyValue<'a>>,
}

/// One v2 `book` data element: `{symbol, bids:[{price,qty}], asks, checksum, timestamp}`,
/// as spans into the frame; its levels are in a span buffer.
#[derive(Debug, Default, Clone, Copy)]
pub struct V2Book {
    /// Symbol.
    pub symbol: Span,
    /// `levels[start..end]`.
    pub levels: (u32, u32),
    /// `checksum` (CRC32, unsigned).
    pub checksum: Option<u64>,
    /// `timestamp` (RFC 3339), `(0, 0)` when absent.
    pub timestamp: Span,
}

/// Reads a v2 `book` `data` array: one [`V2Book`] per element into `books`, the levels into
/// `out` (both reused buffers).
pub fn v2_books(
    data: &str,
    base: usize,
    len: usize,
    out: &mut Vec<Lvl>,
    books: &mut Vec<V2Book>,
) -> Result<(), sonic_rs::Error> {
    let mut de = sonic_rs::Deserializer::from_str(data);
    de.deserialize_seq(V2BooksSeed {
        base,
        len,
        out,
        books,
    })?;
    de.end()
}

struct V2BooksSeed<'s> {
    base: usize,
    len: usize,
    out: &'s mut Vec<Lvl>,
    books: &'s mut Vec<V2Book>,
}

impl<'de, 's> Visitor<'de> for V2BooksSeed<'s> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of book objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(b) = seq.next_element_seed(V2BookSeed {
            base: self.base,
            len: self.len,
            out: &mut *self.out,
        })? {
            self.books.push(b);
        }
        Ok(())
    }
}

struct V2BookSeed<'s> {
    base: usize,
    len: usize,
    out: &'s mut Vec<Lvl>,
}

impl<'de, 's> DeserializeSeed<'de> for V2BookSeed<'s> {
    type Value = V2Book;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, 's> Visitor<'de> for V2BookSeed<'s> {
    type Value = V2Book;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a v2 book object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let start = self.out.len() as u32;
        let mut b = V2Book::default();
        let mut symbol = false;
        while let Some(key) = map.next_key::<&'de str>()? {
            match key {
                "symbol" => {
                    let sym: &'de str = map.next_value()?;
                    b.symbol = span_of(sym, self.base, self.len)?;
                    symbol = true;
                }
                "bids" | "asks" => map.next_value_seed(V2LevelsSeed {
                    side: if key == "bids" { 1 } else { 2 },
                    base: self.base,
                    len: self.len,
                    out: &mut *self.out,
                })?,
                "checksum" => b.checksum = Some(map.next_value()?),
                "timestamp" => {
                    let t: &'de str = map.next_value()?;
                    b.timestamp = span_of(t, self.base, self.len)?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !symbol {
            return Err(de::Error::custom("book data without symbol"));
        }
        b.levels = (start, self.out.len() as u32);
        Ok(b)
    }
}

struct V2LevelsSeed<'s> {
    side: u8,
    base: usize,
    len: usize,
    out: &'s mut Vec<Lvl>,
}

impl<'de, 's> DeserializeSeed<'de> for V2LevelsSeed<'s> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, 's> Visitor<'de> for V2LevelsSeed<'s> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of {price, qty}")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(l) = seq.next_element::<V2Level<'de>>()? {
            self.out.push(Lvl {
                side: self.side,
                px: span_of(l.price.0, self.base, self.len)?,
                qty: span_of(l.qty.0, self.base, self.len)?,
                ts: (0, 0),
            });
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct V2Level<'a> {
    #[serde(borrow)]
    price: NumText<'a>,
    #[serde(borrow)]
    qty: NumText<'a>,
}

/// A v2 trade.
#[derive(Deserialize, Debug)]
pub struct V2Trade<'a> {
    /// Symbol.
    #[serde(borrow)]
    pub symbol: &'a str,
    /// `buy`/`sell`: the taker's side.
    #[serde(borrow)]
    pub side: &'a str,
    /// Price (a JSON number).
    #[serde(borrow)]
    pub price: NumText<'a>,
    /// Quantity.
    #[serde(borrow)]
    pub qty: NumText<'a>,
    /// Trade id.
    pub trade_id: u64,
    /// RFC 3339.
    #[serde(borrow, default)]
    pub timestamp: Option<&'a str>,
}

/// A v2 ticker (the fields used).
#[derive(Deserialize, Debug)]
pub struct V2Ticker<'a> {
    /// Symbol.
    #[serde(borrow)]
    pub symbol: &'a str,
    /// Best bid.
    #[serde(borrow)]
    pub bid: NumText<'a>,
    /// Best bid quantity.
    #[serde(borrow)]
    pub bid_qty: NumText<'a>,
    /// Best ask.
    #[serde(borrow)]
    pub ask: NumText<'a>,
    /// Best ask quantity.
    #[serde(borrow)]
    pub ask_qty: NumText<'a>,
    /// RFC 3339 (newer feeds).
    #[serde(borrow, default)]
    pub timestamp: Option<&'a str>,
}

/// A v2 candle.
#[derive(Deserialize, Debug)]
pub struct V2Ohlc<'a> {
    /// Symbol.
    #[serde(borrow)]
    pub symbol: &'a str,
    /// Open.
    #[serde(borrow)]
    pub open: NumText<'a>,
    /// High.
    #[serde(borrow)]
    pub high: NumText<'a>,
    /// Low.
    #[serde(borrow)]
    pub low: NumText<'a>,
    /// Close.
    #[serde(borrow)]
    pub close: NumText<'a>,
    /// Volume.
    #[serde(borrow)]
    pub volume: NumText<'a>,
    /// Open time (RFC 3339).
    #[serde(borrow)]
    pub interval_begin: &'a str,
    /// Minutes.
    pub interval: u32,
    /// Last update (RFC 3339).
    #[serde(borrow, default)]
    pub timestamp: Option<&'a str>,
}

/// A v2 `status` element.
#[derive(Deserialize, Debug)]
pub struct V2Status<'a> {
    /// `online`, `maintenance`, `cancel_only`, `post_only`.
    #[serde(borrow, default)]
    pub system: Option<&'a str>,
}

/// The `result` of a v2 subscribe reply.
#[derive(Deserialize, Debug, Default)]
pub struct V2SubResult<'a> {
    /// Channel.
    #[serde(borrow, default)]
    pub channel: Option<&'a str>,
    /// Symbol (one reply per symbol).
    #[serde(borrow, default)]
    pub symbol: Option<&'a str>,
    /// Book depth.
    #[serde(default)]
    pub depth: Option<u32>,
}

/// A v2 `instrument` snapshot's `data`: `{"assets":[…],"pairs":[…]}`.
#[derive(Deserialize, Debug)]
pub struct V2Instruments<'a> {
    /// The pairs, unparsed.
    #[serde(borrow, default)]
    pub pairs: Option<LazyValue<'a>>,
}

/// One v2 instrument pair (the fields used).
#[derive(Deserialize, Debug)]
pub struct V2Pair<'a> {
    /// `BTC/USD`.
    #[serde(borrow)]
    pub symbol: &'a str,
    /// Price decimals.
    pub price_precision: u8,
    /// Quantity decimals.
    pub qty_precision: u8,
}

/// One REST `AssetPairs` entry (the fields used).
#[derive(Deserialize, Debug)]
pub struct AssetPair<'a> {
    /// Alternative name (`XBTUSD`).
    #[serde(borrow, default)]
    pub altname: Option<Cow<'a, str>>,
    /// WebSocket v1 name (`XBT/USD`; Kraken escapes the slash: `"XBT\/USD"`); absent on
    /// dark-pool `.d` pairs.
    #[serde(borrow, default)]
    pub wsname: Option<Cow<'a, str>>,
    /// Price decimals.
    pub pair_decimals: u8,
    /// Volume decimals.
    pub lot_decimals: u8,
}

/// A REST `Depth` entry: `{"asks":[[price, volume, time]],"bids":…}`.
#[derive(Deserialize, Debug)]
pub struct RestDepth<'a> {
    /// Asks.
    #[serde(borrow)]
    pub asks: LazyValue<'a>,
    /// Bids.
    #[serde(borrow)]
    pub bids: LazyValue<'a>,
}

/// `[price, volume, time]` of a REST depth level (time, an integer there, ignored).
pub use crate::venue::json::Pair as RestLevel;

/// A REST `Trades` row: `[price, volume, time(number), side, type, misc(, trade_id)]`.
#[derive(Debug)]
pub struct RestTrade<'a> {
    /// Price.
    pub price: &'a str,
    /// Volume.
    pub volume: &'a str,
    /// Seconds with a fraction (a JSON number).
    pub time: NumText<'a>,
    /// `b`/`s`: the taker's side.
    pub side: &'a str,
    /// Trade id (newer responses).
    pub trade_id: Option<u64>,
}

impl<'de> Deserialize<'de> for RestTrade<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RestTrade<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[price, volume, time, side, type, misc(, trade_id)]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RestTrade<'de>, A::Error> {
                let price: &'de str = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let volume: &'de str = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                let time: NumText<'de> = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(2, &self))?;
                let side: &'de str = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(3, &self))?;
                let _ = seq.next_element::<IgnoredAny>()?;
                let _ = seq.next_element::<IgnoredAny>()?;
                let trade_id = seq.next_element::<u64>()?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(RestTrade {
                    price,
                    volume,
                    time,
                    side,
                    trade_id,
                })
            }
        }
        d.deserialize_seq(V)
    }
}

/// A REST `OHLC` row: `[time, open, high, low, close, vwap, volume, count]`.
#[derive(Deserialize, Debug)]
pub struct RestOhlc<'a>(
    pub i64,
    #[serde(borrow)] pub &'a str,
    #[serde(borrow)] pub &'a str,
    #[serde(borrow)] pub &'a str,
    #[serde(borrow)] pub &'a str,
    pub IgnoredAny,
    #[serde(borrow)] pub &'a str,
    pub IgnoredAny,
);
