//! Coinbase wire types: borrowed, zero-copy views of the JSON frames (sonic-rs + serde).
//!
//! Advanced Trade (`wss://advanced-trade-ws.coinbase.com`) wraps everything in
//! `{"channel","client_id"?,"timestamp","sequence_num","events":[…]}`; `l2_data` events are read
//! in place into reused span buffers (no allocation). The older Exchange feed
//! (`ws-feed.exchange.coinbase.com`, still in users' recordings) sends flat objects with a
//! `type`.

use super::util::{span_of, Span};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use sonic_rs::LazyValue;
use std::fmt;

/// One `l2_data` update: `{"side":"bid"|"offer","event_time":…,"price_level":…,"new_quantity":…}`.
#[derive(Clone, Copy, Debug, Default)]
pub struct L2Level {
    /// 1 bid, 2 offer, 0 unknown (malformed).
    pub side: u8,
    /// `price_level`.
    pub px: Span,
    /// `new_quantity` ("0" deletes).
    pub qty: Span,
    /// `event_time` (RFC 3339).
    pub time: Span,
}

/// One `l2_data` event: `{"type":"snapshot"|"update","product_id":…,"updates":[…]}`.
#[derive(Clone, Copy, Debug, Default)]
pub struct L2Event {
    /// `type == "snapshot"`.
    pub snapshot: bool,
    /// Whether `type` was one of the two known values.
    pub known_type: bool,
    /// `product_id`.
    pub product: Span,
    /// `levels[start..end]` of the scratch.
    pub levels: (u32, u32),
}

/// Reused buffers for `l2_data` frames.
#[derive(Debug, Default)]
pub struct L2Scratch {
    /// Events of the frame.
    pub events: Vec<L2Event>,
    /// Levels of all events.
    pub levels: Vec<L2Level>,
}

/// The Advanced Trade envelope (and the `type`/`message` of error frames and of Exchange-feed
/// frames, which have no `channel`).
#[derive(Debug, Default)]
pub struct Header<'a> {
    /// `channel`.
    pub channel: Option<&'a str>,
    /// `timestamp` (RFC 3339, ns).
    pub timestamp: Option<&'a str>,
    /// `sequence_num` (per connection, across channels).
    pub sequence_num: Option<u64>,
    /// `events`, unless they were read in place into the [`L2Scratch`].
    pub events: Option<LazyValue<'a>>,
    /// Whether `events` were `l2_data` events read into the scratch.
    pub l2_in_place: bool,
    /// Whether `events` were `market_trades` events read into the trade spans (fast path).
    pub trades_in_place: bool,
    /// `type` (errors, Exchange feed).
    pub kind: Option<&'a str>,
    /// `message` of an error.
    pub message: Option<LazyValue<'a>>,
}

/// Reads the envelope of `frame`; `l2_data` events go straight into `scratch`.
pub fn parse_header<'a>(
    frame: &'a str,
    scratch: &mut L2Scratch,
) -> Result<Header<'a>, sonic_rs::Error> {
    scratch.events.clear();
    scratch.levels.clear();
    let mut de = sonic_rs::Deserializer::from_str(frame);
    let h = de.deserialize_map(HeaderVisitor {
        base: frame.as_ptr() as usize,
        len: frame.len(),
        scratch,
    })?;
    de.end()?;
    Ok(h)
}

struct HeaderVisitor<'s> {
    base: usize,
    len: usize,
    scratch: &'s mut L2Scratch,
}

impl<'de, 's> Visitor<'de> for HeaderVisitor<'s> {
    type Value = Header<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Coinbase message object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut h = Header::default();
        while let Some(key) = map.next_key::<&'de str>()? {
            match key {
                "channel" => h.channel = Some(map.next_value()?),
                "timestamp" => h.timestamp = Some(map.next_value()?),
                "sequence_num" => h.sequence_num = Some(map.next_value()?),
                "events" if h.channel == Some("l2_data") && !h.l2_in_place => {
                    map.next_value_seed(L2EventsSeed {
                        base: self.base,
                        len: self.len,
                        scratch: &mut *self.scratch,
                    })?;
                    h.l2_in_place = true;
                }
                "events" => h.events = Some(map.next_value()?),
                "type" => h.kind = Some(map.next_value()?),
                "message" => h.message = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(h)
    }
}

struct L2EventsSeed<'s> {
    base: usize,
    len: usize,
    scratch: &'s mut L2Scratch,
}

impl<'de, 's> DeserializeSeed<'de> for L2EventsSeed<'s> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, 's> Visitor<'de> for L2EventsSeed<'s> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of l2_data events")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(L2EventSeed {
                base: self.base,
                len: self.len,
                scratch: &mut *self.scratch,
            })?
            .is_some()
        {}
        Ok(())
    }
}

struct L2EventSeed<'s> {
    base: usize,
    len: usize,
    scratch: &'s mut L2Scratch,
}

impl<'de, 's> DeserializeSeed<'de> for L2EventSeed<'s> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, 's> Visitor<'de> for L2EventSeed<'s> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an l2_data event")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut ev = L2Event::default();
        let mut product = false;
        let mut updates = false;
        while let Some(key) = map.next_key::<&'de str>()? {
            match key {
                "type" => {
                    let t: &'de str = map.next_value()?;
                    ev.known_type = matches!(t, "snapshot" | "update");
                    ev.snapshot = t == "snapshot";
                }
                "product_id" => {
                    let p: &'de str = map.next_value()?;
                    ev.product = span_of(p, self.base, self.len)?;
                    product = true;
                }
                "updates" if !updates => {
                    let start = self.scratch.levels.len() as u32;
                    map.next_value_seed(L2LevelsSeed {
                        base: self.base,
                        len: self.len,
                        out: &mut self.scratch.levels,
                    })?;
                    ev.levels = (start, self.scratch.levels.len() as u32);
                    updates = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !product || !updates {
            return Err(de::Error::custom(
                "l2_data event without product_id or updates",
            ));
        }
        self.scratch.events.push(ev);
        Ok(())
    }
}

struct L2LevelsSeed<'s> {
    base: usize,
    len: usize,
    out: &'s mut Vec<L2Level>,
}

impl<'de, 's> DeserializeSeed<'de> for L2LevelsSeed<'s> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, 's> Visitor<'de> for L2LevelsSeed<'s> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of l2 updates")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(u) = seq.next_element::<L2Update<'de>>()? {
            let side = match u.side {
                "bid" => 1,
                "offer" | "ask" => 2,
                _ => return Err(de::Error::custom("l2 update side is neither bid nor offer")),
            };
            self.out.push(L2Level {
                side,
                px: span_of(u.price_level, self.base, self.len)?,
                qty: span_of(u.new_quantity, self.base, self.len)?,
                time: match u.event_time {
                    Some(t) => span_of(t, self.base, self.len)?,
                    None => (0, 0),
                },
            });
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct L2Update<'a> {
    #[serde(borrow)]
    side: &'a str,
    #[serde(borrow, default)]
    event_time: Option<&'a str>,
    #[serde(borrow)]
    price_level: &'a str,
    #[serde(borrow)]
    new_quantity: &'a str,
}

/// A `market_trades` event: `{"type":"snapshot"|"update","trades":[…]}` (trades read one by one).
#[derive(Deserialize, Debug)]
pub struct TradesEvent<'a> {
    /// `snapshot` or `update`.
    #[serde(rename = "type", borrow, default)]
    pub kind: Option<&'a str>,
    /// The trades, unparsed.
    #[serde(borrow)]
    pub trades: LazyValue<'a>,
}

/// One trade: `{"product_id","trade_id","price","size","time","side"}`. `side` is the
/// **maker's** side.
#[derive(Deserialize, Debug)]
pub struct Trade<'a> {
    /// Product.
    #[serde(borrow)]
    pub product_id: &'a str,
    /// Trade id (a decimal string).
    #[serde(borrow)]
    pub trade_id: super::util::NumText<'a>,
    /// Price.
    #[serde(borrow)]
    pub price: &'a str,
    /// Size.
    #[serde(borrow)]
    pub size: &'a str,
    /// Trade time (RFC 3339).
    #[serde(borrow, default)]
    pub time: Option<&'a str>,
    /// `BUY` / `SELL`: the maker's side.
    #[serde(borrow)]
    pub side: &'a str,
}

/// A `ticker` / `ticker_batch` event: `{"type","tickers":[…]}`.
#[derive(Deserialize, Debug)]
pub struct TickerEvent<'a> {
    /// `snapshot` or `update`.
    #[serde(rename = "type", borrow, default)]
    pub kind: Option<&'a str>,
    /// The tickers, unparsed.
    #[serde(borrow)]
    pub tickers: LazyValue<'a>,
}

/// One ticker (the fields used: best bid/ask and their sizes).
#[derive(Deserialize, Debug)]
pub struct Ticker<'a> {
    /// Product.
    #[serde(borrow)]
    pub product_id: &'a str,
    /// Best bid price.
    #[serde(borrow, default)]
    pub best_bid: Option<&'a str>,
    /// Best bid size.
    #[serde(borrow, default)]
    pub best_bid_quantity: Option<&'a str>,
    /// Best ask price.
    #[serde(borrow, default)]
    pub best_ask: Option<&'a str>,
    /// Best ask size.
    #[serde(borrow, default)]
    pub best_ask_quantity: Option<&'a str>,
}

/// A `candles` event: `{"type","candles":[…]}`.
#[derive(Deserialize, Debug)]
pub struct CandlesEvent<'a> {
    /// `snapshot` or `update`.
    #[serde(rename = "type", borrow, default)]
    pub kind: Option<&'a str>,
    /// The candles, unparsed.
    #[serde(borrow)]
    pub candles: LazyValue<'a>,
}

/// One candle: `{"start":"<unix s>","high","low","open","close","volume","product_id"}`
/// (WebSocket), also the REST form (no `product_id`).
#[derive(Deserialize, Debug)]
pub struct Candle<'a> {
    /// Open time, Unix seconds (a string).
    #[serde(borrow)]
    pub start: super::util::NumText<'a>,
    /// High.
    #[serde(borrow)]
    pub high: &'a str,
    /// Low.
    #[serde(borrow)]
    pub low: &'a str,
    /// Open.
    #[serde(borrow)]
    pub open: &'a str,
    /// Close.
    #[serde(borrow)]
    pub close: &'a str,
    /// Volume (base).
    #[serde(borrow)]
    pub volume: &'a str,
    /// Product (WebSocket only).
    #[serde(borrow, default)]
    pub product_id: Option<&'a str>,
}

/// An Exchange-feed (`ws-feed`) frame: every field any of its message types has that is used.
#[derive(Deserialize, Debug, Default)]
pub struct Legacy<'a> {
    /// `snapshot`, `l2update`, `match`, `last_match`, `ticker`, `subscriptions`, `heartbeat`,
    /// `error`, `open`, `done`, …
    #[serde(rename = "type", borrow)]
    pub kind: &'a str,
    /// Product.
    #[serde(borrow, default)]
    pub product_id: Option<&'a str>,
    /// Snapshot bids `[[price, size], …]`.
    #[serde(borrow, default)]
    pub bids: Option<LazyValue<'a>>,
    /// Snapshot asks.
    #[serde(borrow, default)]
    pub asks: Option<LazyValue<'a>>,
    /// `l2update` changes `[[side, price, size], …]`.
    #[serde(borrow, default)]
    pub changes: Option<LazyValue<'a>>,
    /// Event time (RFC 3339).
    #[serde(borrow, default)]
    pub time: Option<&'a str>,
    /// Trade id (`match`, `ticker`).
    #[serde(default)]
    pub trade_id: Option<u64>,
    /// Per-product sequence (`match`, `ticker`, full channel).
    #[serde(default)]
    pub sequence: Option<u64>,
    /// `match`: the maker's side (`buy`/`sell`).
    #[serde(borrow, default)]
    pub side: Option<&'a str>,
    /// `match`: price.
    #[serde(borrow, default)]
    pub price: Option<&'a str>,
    /// `match`: size.
    #[serde(borrow, default)]
    pub size: Option<&'a str>,
    /// `ticker`: best bid.
    #[serde(borrow, default)]
    pub best_bid: Option<&'a str>,
    /// `ticker`: best bid size (newer feeds).
    #[serde(borrow, default)]
    pub best_bid_size: Option<&'a str>,
    /// `ticker`: best ask.
    #[serde(borrow, default)]
    pub best_ask: Option<&'a str>,
    /// `ticker`: best ask size (newer feeds).
    #[serde(borrow, default)]
    pub best_ask_size: Option<&'a str>,
    /// `error`: message.
    #[serde(borrow, default)]
    pub message: Option<LazyValue<'a>>,
    /// `error`: reason.
    #[serde(borrow, default)]
    pub reason: Option<LazyValue<'a>>,
}

pub use crate::venue::json::Pair;

/// `[side, price, size]` of an Exchange `l2update`.
#[derive(Deserialize, Debug)]
pub struct Change<'a>(
    #[serde(borrow)] pub &'a str,
    #[serde(borrow)] pub &'a str,
    #[serde(borrow)] pub &'a str,
);

/// `{"price","size"}` of an Advanced Trade REST `product_book`.
#[derive(Deserialize, Debug)]
pub struct BookEntry<'a> {
    /// Price.
    #[serde(borrow)]
    pub price: &'a str,
    /// Size.
    #[serde(borrow)]
    pub size: &'a str,
}

/// The fields used to classify a REST body (object form).
#[derive(Deserialize, Debug, Default)]
pub struct RestProbe<'a> {
    /// Advanced Trade `product_book`: `{"pricebook":{product_id,bids,asks,time}}`.
    #[serde(borrow, default)]
    pub pricebook: Option<LazyValue<'a>>,
    /// Advanced Trade products.
    #[serde(borrow, default)]
    pub products: Option<LazyValue<'a>>,
    /// Advanced Trade candles.
    #[serde(borrow, default)]
    pub candles: Option<LazyValue<'a>>,
    /// Advanced Trade market trades.
    #[serde(borrow, default)]
    pub trades: Option<LazyValue<'a>>,
    /// Exchange level-2 book: bids.
    #[serde(borrow, default)]
    pub bids: Option<LazyValue<'a>>,
    /// Exchange level-2 book: asks.
    #[serde(borrow, default)]
    pub asks: Option<LazyValue<'a>>,
    /// Exchange level-2 book: sequence.
    #[serde(default)]
    pub sequence: Option<u64>,
    /// Errors: `{"error":"NOT_FOUND","message":"…"}` / `{"message":"NotFound"}`.
    #[serde(borrow, default)]
    pub error: Option<LazyValue<'a>>,
    /// Error message.
    #[serde(borrow, default)]
    pub message: Option<LazyValue<'a>>,
}

/// The `pricebook` object of an Advanced Trade `product_book`.
#[derive(Deserialize, Debug)]
pub struct PriceBook<'a> {
    /// Product.
    #[serde(borrow, default)]
    pub product_id: Option<&'a str>,
    /// Bids.
    #[serde(borrow)]
    pub bids: LazyValue<'a>,
    /// Asks.
    #[serde(borrow)]
    pub asks: LazyValue<'a>,
    /// Book time.
    #[serde(borrow, default)]
    pub time: Option<&'a str>,
}

/// A product's increments (Advanced Trade `products[]`, Exchange `/products` rows).
#[derive(Deserialize, Debug)]
pub struct Product<'a> {
    /// Advanced Trade id.
    #[serde(borrow, default)]
    pub product_id: Option<&'a str>,
    /// Exchange id.
    #[serde(borrow, default)]
    pub id: Option<&'a str>,
    /// Price tick (Advanced Trade).
    #[serde(borrow, default)]
    pub price_increment: Option<&'a str>,
    /// Quote tick (both).
    #[serde(borrow, default)]
    pub quote_increment: Option<&'a str>,
    /// Size step (both).
    #[serde(borrow, default)]
    pub base_increment: Option<&'a str>,
}

/// An Advanced Trade REST trade (`GET /market/products/{id}/ticker`).
#[derive(Deserialize, Debug)]
pub struct RestTrade<'a> {
    /// Trade id.
    #[serde(borrow)]
    pub trade_id: super::util::NumText<'a>,
    /// Product.
    #[serde(borrow, default)]
    pub product_id: Option<&'a str>,
    /// Price.
    #[serde(borrow)]
    pub price: &'a str,
    /// Size.
    #[serde(borrow)]
    pub size: &'a str,
    /// Time.
    #[serde(borrow, default)]
    pub time: Option<&'a str>,
    /// `BUY`/`SELL`: the maker's side, as on the WebSocket.
    #[serde(borrow)]
    pub side: &'a str,
}
