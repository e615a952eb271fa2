//! Binance wire types: borrowed, zero-copy views of the JSON frames (sonic-rs + serde).
//!
//! Spot, USDⓈ-M and COIN-M share these shapes; futures add `T` (transaction time), `pu`
//! (previous final update id), `ps` (pair) and `X` (trade type). API pages:
//! <https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams> and the futures
//! "websocket-market-streams" pages.

use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use sonic_rs::LazyValue;
use std::fmt;

/// `<symbol>@trade`:
/// `{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}`
#[derive(Deserialize, Debug)]
pub struct BinanceTrade<'a> {
    /// Event time (ms).
    #[serde(rename = "E", default)]
    pub event_time: i64,
    /// Symbol.
    #[serde(borrow)]
    pub s: &'a str,
    /// Trade id.
    pub t: u64,
    /// Price.
    #[serde(borrow)]
    pub p: &'a str,
    /// Quantity.
    #[serde(borrow)]
    pub q: &'a str,
    /// Trade time (ms).
    #[serde(rename = "T", default)]
    pub trade_time: i64,
    /// Buyer is the maker (the taker sold).
    pub m: bool,
    /// Spot: best-price match (absent on futures).
    #[serde(rename = "M", default)]
    pub best_match: Option<bool>,
    /// Futures: `MARKET`, `INSURANCE_FUND`, `ADL`, `NA`.
    #[serde(rename = "X", borrow, default)]
    pub trade_type: Option<&'a str>,
}

/// `<symbol>@aggTrade`:
/// `{"e":"aggTrade","E":1633998523963,"s":"NKNUSDT","a":15683430,"p":"0.35280000","q":"58.00000000","f":19862790,"l":19862790,"T":1633998523963,"m":false,"M":true}`
#[derive(Deserialize, Debug)]
pub struct BinanceAggTrade<'a> {
    /// Event time (ms).
    #[serde(rename = "E", default)]
    pub event_time: i64,
    /// Symbol.
    #[serde(borrow)]
    pub s: &'a str,
    /// Aggregate trade id.
    pub a: u64,
    /// Price.
    #[serde(borrow)]
    pub p: &'a str,
    /// Quantity.
    #[serde(borrow)]
    pub q: &'a str,
    /// First trade id.
    pub f: u64,
    /// Last trade id.
    pub l: u64,
    /// Trade time (ms).
    #[serde(rename = "T", default)]
    pub trade_time: i64,
    /// Buyer is the maker.
    pub m: bool,
}

/// `<symbol>@bookTicker`. Spot: `{"u":499869768,"s":"NKNUSDT","b":"0.35210000","B":"672.00000000","a":"0.35260000","A":"3199.00000000"}`;
/// futures add `"e":"bookTicker"`, `T`, `E` (and COIN-M `ps`).
#[derive(Deserialize, Debug)]
pub struct BinanceBookTicker<'a> {
    /// Order-book update id (shares the depth id space).
    pub u: u64,
    /// Symbol.
    #[serde(borrow)]
    pub s: &'a str,
    /// Best bid price.
    #[serde(borrow)]
    pub b: &'a str,
    /// Best bid quantity.
    #[serde(rename = "B", borrow)]
    pub bid_qty: &'a str,
    /// Best ask price.
    #[serde(borrow)]
    pub a: &'a str,
    /// Best ask quantity.
    #[serde(rename = "A", borrow)]
    pub ask_qty: &'a str,
    /// Futures: transaction time (ms).
    #[serde(rename = "T", default)]
    pub txn_time: Option<i64>,
    /// Futures: event time (ms).
    #[serde(rename = "E", default)]
    pub event_time: Option<i64>,
}

/// `<symbol>@kline_<interval>`: `{"e":"kline","E":..,"s":"NKNUSDT","k":{"t":..,"T":..,"s":..,"i":"1m","f":..,"L":..,"o":"0.35270000","c":..,"h":..,"l":..,"v":..,"n":30,"x":false,"q":..,"V":..,"Q":..,"B":"0"}}`
#[derive(Deserialize, Debug)]
pub struct BinanceKlineEvent<'a> {
    /// Event time (ms).
    #[serde(rename = "E", default)]
    pub event_time: i64,
    /// Symbol.
    #[serde(borrow)]
    pub s: &'a str,
    /// The candle.
    #[serde(borrow)]
    pub k: BinanceKline<'a>,
}

/// The `k` object of a kline event.
#[derive(Deserialize, Debug)]
pub struct BinanceKline<'a> {
    /// Open time (ms).
    pub t: i64,
    /// Close time (ms).
    #[serde(rename = "T")]
    pub close_time: i64,
    /// Interval (`1s`, `1m`, … `1M`).
    #[serde(borrow)]
    pub i: &'a str,
    /// Open.
    #[serde(borrow)]
    pub o: &'a str,
    /// Close.
    #[serde(borrow)]
    pub c: &'a str,
    /// High.
    #[serde(borrow)]
    pub h: &'a str,
    /// Low.
    #[serde(borrow)]
    pub l: &'a str,
    /// Volume (base asset; contracts on COIN-M).
    #[serde(borrow)]
    pub v: &'a str,
    /// Number of trades.
    #[serde(default)]
    pub n: i64,
    /// Closed.
    pub x: bool,
}

/// One REST trade: `{"id":409018748,"price":"0.06436200","qty":"0.01580000","quoteQty":"..","time":1679280337591,"isBuyerMaker":false,"isBestMatch":true}`
#[derive(Deserialize, Debug)]
pub struct BinanceRestTrade<'a> {
    /// Trade id.
    pub id: u64,
    /// Price.
    #[serde(borrow)]
    pub price: &'a str,
    /// Quantity.
    #[serde(borrow)]
    pub qty: &'a str,
    /// Trade time (ms).
    pub time: i64,
    /// Buyer is the maker.
    #[serde(rename = "isBuyerMaker")]
    pub is_buyer_maker: bool,
    /// Spot: best-price match.
    #[serde(rename = "isBestMatch", default)]
    pub is_best_match: Option<bool>,
}

/// One REST kline row: `[openTime,"o","h","l","c","v",closeTime,"qv",n,"tbv","tqv","0"]`.
#[derive(Deserialize, Debug)]
pub struct BinanceRestKline<'a>(
    pub i64,
    #[serde(borrow)] pub &'a str,
    #[serde(borrow)] pub &'a str,
    #[serde(borrow)] pub &'a str,
    #[serde(borrow)] pub &'a str,
    #[serde(borrow)] pub &'a str,
    pub i64,
    pub IgnoredAny,
    pub IgnoredAny,
    pub IgnoredAny,
    pub IgnoredAny,
    pub IgnoredAny,
);

/// The fields used to classify a frame that arrived without a stream name (raw streams,
/// control replies, REST bodies).
#[derive(Deserialize, Debug, Default)]
pub struct BinanceProbe<'a> {
    /// Event type.
    #[serde(borrow, default)]
    pub e: Option<&'a str>,
    /// Depth snapshot / partial depth.
    #[serde(rename = "lastUpdateId", default)]
    pub last_update_id: Option<u64>,
    /// Control reply result (`null` for a successful SUBSCRIBE: present, unlike absent).
    #[serde(borrow, default, deserialize_with = "present")]
    pub result: Option<LazyValue<'a>>,
    /// Control reply id (may be `null`).
    #[serde(borrow, default, deserialize_with = "present")]
    pub id: Option<LazyValue<'a>>,
    /// Error code.
    #[serde(default)]
    pub code: Option<i64>,
    /// Error message.
    #[serde(borrow, default)]
    pub msg: Option<LazyValue<'a>>,
    /// WebSocket API style error object.
    #[serde(borrow, default)]
    pub error: Option<LazyValue<'a>>,
    /// Spot bookTicker has `u`, `s`, `B`, `A` and no `e`.
    #[serde(default)]
    pub u: Option<u64>,
    /// Best bid qty (bookTicker).
    #[serde(rename = "B", borrow, default)]
    pub bid_qty: Option<LazyValue<'a>>,
    /// exchangeInfo.
    #[serde(borrow, default)]
    pub symbols: Option<LazyValue<'a>>,
}

/// `Some` whenever the key is present, even with a `null` value.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<LazyValue<'de>>, D::Error> {
    LazyValue::deserialize(d).map(Some)
}

pub use crate::venue::json::LevelSpan;
use crate::venue::json::PairsSeed;

/// A depth message's header (diff or snapshot), with its levels recorded as spans into the
/// frame so no allocation is needed: `{"e":"depthUpdate","E":..,"T":..,"s":..,"U":..,"u":..,"pu":..,"b":[["px","qty"],..],"a":[..]}`
/// and `{"lastUpdateId":..,"E":..,"T":..,"symbol":..,"bids":[..],"asks":[..]}`.
#[derive(Debug, Default, Clone, Copy)]
pub struct BinanceDepthHeader<'a> {
    /// Event type, when present.
    pub e: Option<&'a str>,
    /// Event time (ms).
    pub event_time: Option<i64>,
    /// Transaction time (ms), futures.
    pub txn_time: Option<i64>,
    /// Symbol (`s` in diffs, `symbol` in COIN-M REST snapshots).
    pub symbol: Option<&'a str>,
    /// First update id.
    pub first_id: Option<u64>,
    /// Final update id.
    pub final_id: Option<u64>,
    /// Previous final update id (futures).
    pub prev_final_id: Option<i64>,
    /// Snapshot / partial depth id.
    pub last_update_id: Option<u64>,
    /// Bids: `scratch[bids.0..bids.1]`.
    pub bids: (usize, usize),
    /// Asks: `scratch[asks.0..asks.1]`.
    pub asks: (usize, usize),
}

/// Parses a depth message, writing level spans into `scratch` (cleared first). Levels are
/// `[price, qty]` string pairs; extra elements are ignored.
pub fn parse_depth<'a>(
    frame: &'a str,
    scratch: &mut Vec<LevelSpan>,
) -> Result<BinanceDepthHeader<'a>, sonic_rs::Error> {
    scratch.clear();
    let mut de = sonic_rs::Deserializer::from_str(frame);
    let base = frame.as_ptr() as usize;
    let header = de.deserialize_map(DepthVisitor {
        base,
        len: frame.len(),
        scratch,
    })?;
    de.end()?;
    Ok(header)
}

struct DepthVisitor<'s> {
    base: usize,
    len: usize,
    scratch: &'s mut Vec<LevelSpan>,
}

impl<'de, 's> Visitor<'de> for DepthVisitor<'s> {
    type Value = BinanceDepthHeader<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Binance depth object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut h = BinanceDepthHeader::default();
        while let Some(key) = map.next_key::<&'de str>()? {
            match key {
                "e" => h.e = Some(map.next_value()?),
                "E" => h.event_time = Some(map.next_value()?),
                "T" => h.txn_time = Some(map.next_value()?),
                "s" | "symbol" => h.symbol = Some(map.next_value()?),
                "U" => h.first_id = Some(map.next_value()?),
                "u" => h.final_id = Some(map.next_value()?),
                "pu" => h.prev_final_id = Some(map.next_value()?),
                "lastUpdateId" => h.last_update_id = Some(map.next_value()?),
                "b" | "bids" | "a" | "asks" => {
                    let start = self.scratch.len();
                    map.next_value_seed(PairsSeed {
                        base: self.base,
                        len: self.len,
                        out: &mut *self.scratch,
                    })?;
                    let r = (start, self.scratch.len());
                    if key.starts_with('b') {
                        h.bids = r;
                    } else {
                        h.asks = r;
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(h)
    }
}

/// Splits Binance's combined-stream envelope `{"stream":"<name>","data":<payload>}` without
/// parsing the payload. Returns `None` when the frame is not in that exact canonical layout
/// (the caller then falls back to a full parse).
pub fn split_envelope(frame: &str) -> Option<(&str, &str)> {
    let rest = frame.strip_prefix("{\"stream\":\"")?;
    let q = memchr::memchr(b'"', rest.as_bytes())?;
    let name = &rest[..q];
    let after = rest[q..].strip_prefix("\",\"data\":")?;
    let payload = after.strip_suffix('}')?;
    Some((name, payload))
}

/// The generic envelope, for frames whose keys are not in the canonical order.
#[derive(Deserialize, Debug)]
pub struct BinanceEnvelope<'a> {
    /// Stream name.
    #[serde(borrow)]
    pub stream: &'a str,
    /// Payload.
    #[serde(borrow)]
    pub data: LazyValue<'a>,
}
