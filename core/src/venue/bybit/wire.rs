//! Bybit v5 wire types: borrowed, zero-copy views of the public WebSocket frames and REST bodies
//! (sonic-rs + serde). Shapes from `docs/exchanges.md` §5 and the corpus (`bybit/`).
//!
//! Every push has one envelope, `{"topic":…,"type":"snapshot"|"delta","ts":…,"data":…}` (plus
//! `cts` on books, `cs` on tickers), with its keys in no fixed order (`kline` frames put `type`
//! last). Control replies are `{"success":…,"ret_msg":…,"conn_id":…,"req_id":…,"op":…}`. REST
//! bodies are `{"retCode":…,"retMsg":…,"result":{…},"time":…}`.

use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use sonic_rs::LazyValue;
use std::fmt;

/// The envelope of every WebSocket frame (data push or control reply). `data` is kept raw and
/// parsed by the topic's own type afterwards.
#[derive(Deserialize, Debug, Default)]
pub struct BybitEnvelope<'a> {
    /// `orderbook.50.BTCUSDT`, `publicTrade.BTCUSDT`, `kline.1.BTCUSDT`, `tickers.BTCUSDT`.
    #[serde(borrow, default)]
    pub topic: Option<&'a str>,
    /// `snapshot` or `delta`.
    #[serde(rename = "type", borrow, default)]
    pub kind: Option<&'a str>,
    /// Push time (ms).
    #[serde(default)]
    pub ts: Option<i64>,
    /// Books: matching-engine time (ms), correlates with the trades' `T`.
    #[serde(default)]
    pub cts: Option<i64>,
    /// Tickers: the cross sequence the values were taken at.
    #[serde(default)]
    pub cs: Option<u64>,
    /// The payload.
    #[serde(borrow, default)]
    pub data: Option<LazyValue<'a>>,
    /// Control replies: `subscribe`, `unsubscribe`, `ping` (spot pong), `pong` (linear pong).
    #[serde(borrow, default)]
    pub op: Option<&'a str>,
    /// Control replies: whether the request succeeded.
    #[serde(default)]
    pub success: Option<bool>,
    /// Control replies: `""`, `"subscribe"`, `"pong"` or the error text.
    #[serde(borrow, default)]
    pub ret_msg: Option<LazyValue<'a>>,
    /// Control replies: the request's `req_id` (a string, `""` when none was sent).
    #[serde(borrow, default)]
    pub req_id: Option<LazyValue<'a>>,
    /// A REST-shaped body (`retCode`), should one arrive on the socket.
    #[serde(rename = "retCode", default)]
    pub ret_code: Option<i64>,
    /// Its message.
    #[serde(rename = "retMsg", borrow, default)]
    pub ret_msg_rest: Option<LazyValue<'a>>,
    /// Pre-v5 REST bodies (`ret_code`): not this API.
    #[serde(rename = "ret_code", borrow, default)]
    pub legacy_ret_code: Option<LazyValue<'a>>,
    /// Pre-v5 acks echo the whole request.
    #[serde(borrow, default)]
    pub request: Option<LazyValue<'a>>,
}

/// `publicTrade.<SYM>` data element:
/// `{"T":1786310819680,"s":"BTCUSDT","S":"Sell","v":"0.004","p":"65114.20","L":"MinusTick","i":"a9188a0a-…","BT":false,"RPI":false,"seq":753843954913}`
#[derive(Deserialize, Debug)]
pub struct BybitTrade<'a> {
    /// Fill time (ms).
    #[serde(rename = "T")]
    pub time: i64,
    /// Symbol.
    #[serde(borrow)]
    pub s: &'a str,
    /// Taker side: `Buy` or `Sell`.
    #[serde(rename = "S", borrow)]
    pub side: &'a str,
    /// Size.
    #[serde(borrow)]
    pub v: &'a str,
    /// Price.
    #[serde(borrow)]
    pub p: &'a str,
    /// Trade id: a UUID on derivatives, a decimal string on spot.
    #[serde(borrow)]
    pub i: &'a str,
    /// Block trade (off-book).
    #[serde(rename = "BT", default)]
    pub block: bool,
}

/// `kline.<interval>.<SYM>` data element:
/// `{"start":1786310760000,"end":1786310819999,"interval":"1","open":"65119.9","close":"65114.3","high":"65119.9","low":"65114.2","volume":"1.576","turnover":"102627.995","confirm":false,"timestamp":1786310818440}`
#[derive(Deserialize, Debug)]
pub struct BybitKline<'a> {
    /// Open time (ms).
    pub start: i64,
    /// Interval: `1 3 5 15 30 60 120 240 360 720` (minutes), `D`, `W`, `M`.
    #[serde(borrow)]
    pub interval: &'a str,
    /// Open.
    #[serde(borrow)]
    pub open: &'a str,
    /// Close.
    #[serde(borrow)]
    pub close: &'a str,
    /// High.
    #[serde(borrow)]
    pub high: &'a str,
    /// Low.
    #[serde(borrow)]
    pub low: &'a str,
    /// Volume (base coin; contracts on inverse).
    #[serde(borrow)]
    pub volume: &'a str,
    /// Closed.
    pub confirm: bool,
    /// Time of the values (ms).
    #[serde(default)]
    pub timestamp: Option<i64>,
}

/// `tickers.<SYM>` data: only the fields tickwire normalizes (best bid and offer). Linear and
/// inverse send a snapshot then deltas with only the changed fields; spot tickers carry no best
/// bid/offer at all.
#[derive(Deserialize, Debug, Default)]
pub struct BybitTicker<'a> {
    /// Symbol.
    #[serde(borrow, default)]
    pub symbol: Option<&'a str>,
    /// Best bid price.
    #[serde(rename = "bid1Price", borrow, default)]
    pub bid_px: Option<&'a str>,
    /// Best bid size.
    #[serde(rename = "bid1Size", borrow, default)]
    pub bid_qty: Option<&'a str>,
    /// Best ask price.
    #[serde(rename = "ask1Price", borrow, default)]
    pub ask_px: Option<&'a str>,
    /// Best ask size.
    #[serde(rename = "ask1Size", borrow, default)]
    pub ask_qty: Option<&'a str>,
}

/// REST envelope: `{"retCode":0,"retMsg":"OK","result":{…},"retExtInfo":{},"time":…}`.
#[derive(Deserialize, Debug, Default)]
pub struct BybitRest<'a> {
    /// 0 = OK.
    #[serde(rename = "retCode", default)]
    pub ret_code: Option<i64>,
    /// Message.
    #[serde(rename = "retMsg", borrow, default)]
    pub ret_msg: Option<LazyValue<'a>>,
    /// Payload.
    #[serde(borrow, default)]
    pub result: Option<LazyValue<'a>>,
    /// Server time (ms).
    #[serde(default)]
    pub time: Option<i64>,
    /// Pre-v5 bodies (`ret_code`).
    #[serde(rename = "ret_code", borrow, default)]
    pub legacy_ret_code: Option<LazyValue<'a>>,
}

/// The `result` of a REST body, for classification: `list` (klines, trades, instruments) or a
/// book (`s`, `b`, `a`, `u`).
#[derive(Deserialize, Debug, Default)]
pub struct BybitRestResult<'a> {
    /// `spot`, `linear`, `inverse`.
    #[serde(borrow, default)]
    pub category: Option<&'a str>,
    /// Klines: the symbol.
    #[serde(borrow, default)]
    pub symbol: Option<&'a str>,
    /// Klines, trades, instruments.
    #[serde(borrow, default)]
    pub list: Option<LazyValue<'a>>,
    /// Book: update id.
    #[serde(default)]
    pub u: Option<u64>,
}

/// One `/v5/market/recent-trade` row:
/// `{"execId":"2100000000007764263","symbol":"BTCUSDT","price":"16618.49","size":"0.00012","side":"Buy","time":"1672052955758","isBlockTrade":false}`
#[derive(Deserialize, Debug)]
pub struct BybitRestTrade<'a> {
    /// Trade id.
    #[serde(rename = "execId", borrow)]
    pub exec_id: &'a str,
    /// Symbol.
    #[serde(borrow, default)]
    pub symbol: Option<&'a str>,
    /// Price.
    #[serde(borrow)]
    pub price: &'a str,
    /// Size.
    #[serde(borrow)]
    pub size: &'a str,
    /// Taker side.
    #[serde(borrow)]
    pub side: &'a str,
    /// Fill time: ms as a string.
    #[serde(borrow)]
    pub time: &'a str,
    /// Block trade.
    #[serde(rename = "isBlockTrade", default)]
    pub block: bool,
}

/// One `/v5/market/kline` row: `[startTime, open, high, low, close, volume, turnover]`, strings.
#[derive(Deserialize, Debug)]
pub struct BybitRestKline<'a>(
    #[serde(borrow)] pub &'a str,
    #[serde(borrow)] pub &'a str,
    #[serde(borrow)] pub &'a str,
    #[serde(borrow)] pub &'a str,
    #[serde(borrow)] pub &'a str,
    #[serde(borrow)] pub &'a str,
    pub IgnoredAny,
);

/// One `/v5/market/instruments-info` row (linear/inverse: `priceFilter{minPrice,maxPrice,
/// tickSize}`, `lotSizeFilter{maxOrderQty,qtyStep,…}`; spot: `priceFilter{tickSize}`,
/// `lotSizeFilter{basePrecision,maxOrderQty,…}`).
#[derive(Deserialize, Debug)]
pub struct BybitInstrument<'a> {
    /// Symbol.
    #[serde(borrow)]
    pub symbol: &'a str,
    /// Price filter.
    #[serde(rename = "priceFilter", borrow, default)]
    pub price_filter: Option<BybitPriceFilter<'a>>,
    /// Lot size filter.
    #[serde(rename = "lotSizeFilter", borrow, default)]
    pub lot_size_filter: Option<BybitLotSizeFilter<'a>>,
}

/// `priceFilter`.
#[derive(Deserialize, Debug)]
pub struct BybitPriceFilter<'a> {
    /// Tick size.
    #[serde(rename = "tickSize", borrow, default)]
    pub tick_size: Option<&'a str>,
    /// Highest price (derivatives).
    #[serde(rename = "maxPrice", borrow, default)]
    pub max_price: Option<&'a str>,
}

/// `lotSizeFilter`.
#[derive(Deserialize, Debug)]
pub struct BybitLotSizeFilter<'a> {
    /// Size step (derivatives).
    #[serde(rename = "qtyStep", borrow, default)]
    pub qty_step: Option<&'a str>,
    /// Size step (spot).
    #[serde(rename = "basePrecision", borrow, default)]
    pub base_precision: Option<&'a str>,
    /// Largest limit order.
    #[serde(rename = "maxOrderQty", borrow, default)]
    pub max_order_qty: Option<&'a str>,
    /// Largest market order.
    #[serde(rename = "maxMktOrderQty", borrow, default)]
    pub max_mkt_order_qty: Option<&'a str>,
}

pub(crate) use crate::venue::json::for_each;
pub use crate::venue::json::LevelSpan;
use crate::venue::json::PairsSeed;

/// A book message's header (`orderbook.N` data or `/v5/market/orderbook` result), with its levels
/// recorded as spans into the text so no allocation is needed:
/// `{"s":"BTCUSDT","b":[["65114.20","6.054"],…],"a":[…],"u":15076953,"seq":753843913870}`.
#[derive(Debug, Default, Clone, Copy)]
pub struct BybitBookHeader<'a> {
    /// Symbol.
    pub s: Option<&'a str>,
    /// Update id.
    pub u: Option<u64>,
    /// Cross sequence.
    pub seq: Option<u64>,
    /// REST: snapshot time (ms).
    pub ts: Option<i64>,
    /// REST: matching-engine time (ms).
    pub cts: Option<i64>,
    /// Bids: `scratch[bids.0..bids.1]`.
    pub bids: (usize, usize),
    /// Asks: `scratch[asks.0..asks.1]`.
    pub asks: (usize, usize),
}

/// Parses a book object, writing level spans into `scratch` (cleared first). Levels are
/// `[price, size]` string pairs; extra elements are ignored.
pub fn parse_book<'a>(
    text: &'a str,
    scratch: &mut Vec<LevelSpan>,
) -> Result<BybitBookHeader<'a>, sonic_rs::Error> {
    scratch.clear();
    let mut de = sonic_rs::Deserializer::from_str(text);
    let header = de.deserialize_map(BookVisitor {
        base: text.as_ptr() as usize,
        len: text.len(),
        scratch,
    })?;
    de.end()?;
    Ok(header)
}

struct BookVisitor<'s> {
    base: usize,
    len: usize,
    scratch: &'s mut Vec<LevelSpan>,
}

impl<'de, 's> Visitor<'de> for BookVisitor<'s> {
    type Value = BybitBookHeader<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Bybit order book object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut h = BybitBookHeader::default();
        while let Some(key) = map.next_key::<&'de str>()? {
            match key {
                "s" => h.s = Some(map.next_value()?),
                "u" => h.u = Some(map.next_value()?),
                "seq" => h.seq = Some(map.next_value()?),
                "ts" => h.ts = Some(map.next_value()?),
                "cts" => h.cts = Some(map.next_value()?),
                "b" | "a" => {
                    let start = self.scratch.len();
                    map.next_value_seed(PairsSeed {
                        base: self.base,
                        len: self.len,
                        out: &mut *self.scratch,
                    })?;
                    let r = (start, self.scratch.len());
                    if key == "b" {
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

/// A trade id as a `u64`: decimal ids (spot) as their value; UUIDs (derivatives) as their first
/// 64 bits (16 hex digits); anything else as its 64-bit FNV-1a hash. Distinct trades keep
/// distinct ids (UUID bits are random), the same trade always maps to the same id.
pub fn trade_id(i: &str) -> u64 {
    let b = i.as_bytes();
    if !b.is_empty() && b.len() <= 20 && b.iter().all(u8::is_ascii_digit) {
        if let Ok(v) = i.parse::<u64>() {
            return v;
        }
    }
    let mut v = 0u64;
    let mut n = 0;
    for &c in b {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            b'-' => continue,
            _ => {
                n = 0;
                break;
            }
        };
        v = (v << 4) | u64::from(d);
        n += 1;
        if n == 16 {
            break;
        }
    }
    if n == 16 {
        return v;
    }
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for &c in b {
        h = (h ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trade_ids_are_stable_u64s() {
        assert_eq!(trade_id("2100000000007764263"), 2100000000007764263);
        assert_eq!(
            trade_id("a9188a0a-82bc-50de-be60-03eedbe3cdd7"),
            0xa918_8a0a_82bc_50de
        );
        assert_ne!(trade_id("x"), trade_id("y"));
        assert_eq!(trade_id("x"), trade_id("x"));
        // too short to be a UUID: hashed
        assert_ne!(trade_id("abc"), 0xabc);
    }

    #[test]
    fn book_spans_point_into_the_text() {
        let t = r#"{"s":"BTCUSDT","b":[["1.5","2"]],"a":[],"u":7,"seq":9,"x":{"y":[1]}}"#;
        let mut scratch = Vec::new();
        let h = parse_book(t, &mut scratch).unwrap();
        assert_eq!((h.s, h.u, h.seq), (Some("BTCUSDT"), Some(7), Some(9)));
        assert_eq!(h.bids, (0, 1));
        assert_eq!(h.asks, (1, 1));
        let [a, b, c, d] = scratch[0];
        assert_eq!(&t[a as usize..b as usize], "1.5");
        assert_eq!(&t[c as usize..d as usize], "2");
    }
}
