//! Gate.io v4 wire types: borrowed, zero-copy views of the JSON frames (sonic-rs + serde).
//!
//! Every server frame is an envelope
//! `{"time":<s>,"time_ms":<ms>,"id"?,"channel":"spot.trades","event":"update","error"?,"result":…}`.
//! Numbers come as strings (spot), as JSON integers (futures sizes, contracts) or, in a few
//! frames, as JSON numbers with a fraction (a futures trade price `0.836`): [`Num`] reads all
//! three as their text, so no value ever goes through a float. API pages: Gate's "Spot
//! WebSocket v4" and "Futures WebSocket v4", "Order Book V2" (`*.obu`), and the REST reference
//! (`/spot/order_book`, `/futures/{settle}/order_book`, trades, candlesticks, currency pairs,
//! contracts).

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use sonic_rs::LazyValue;
use std::fmt;

/// sonic-rs's private name for "give me this number's text" (what `sonic_rs::RawNumber`
/// uses): a JSON number, or a string whose content is a JSON number, handed over as the
/// borrowed text. Any other value is an error.
const RAW_NUMBER: &str = "$sonic_rs::private::JsonNumber";

/// A JSON number, or a string holding one, as its text borrowed from the frame: `"0.2983"`,
/// `0`, `-90`, `0.836` → `0.2983`, `0`, `-90`, `0.836`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Num<'a>(pub &'a str);

impl<'de: 'a, 'a> Deserialize<'de> for Num<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Num<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or a string holding one")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Num<'de>, E> {
                Ok(Num(s))
            }
        }
        d.deserialize_newtype_struct(RAW_NUMBER, V)
    }
}

impl<'a> Num<'a> {
    /// The text as bytes.
    pub fn bytes(self) -> &'a [u8] {
        self.0.as_bytes()
    }
    /// A non-negative integer (an id), if the text is one.
    pub fn as_u64(self) -> Option<u64> {
        self.0.parse().ok()
    }
}

/// `Some` whenever the key is present, even with a `null` value.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<LazyValue<'de>>, D::Error> {
    LazyValue::deserialize(d).map(Some)
}

/// The envelope of every WebSocket frame (v4). Legacy v3 frames (`{"method":"trades.update",
/// "params":[…],"id":null}`) have `method` instead.
#[derive(Deserialize, Debug, Default)]
pub struct Envelope<'a> {
    /// Seconds.
    #[serde(borrow, default)]
    pub time: Option<Num<'a>>,
    /// Milliseconds (absent on older frames, `0` on some acks).
    #[serde(borrow, default)]
    pub time_ms: Option<Num<'a>>,
    /// The request id echoed on acks and errors (`null` or absent otherwise).
    #[serde(borrow, default, deserialize_with = "present")]
    pub id: Option<LazyValue<'a>>,
    /// `spot.trades`, `futures.order_book_update`, `spot.pong`, …
    #[serde(borrow, default)]
    pub channel: Option<&'a str>,
    /// `update`, `all` (legacy snapshots), `subscribe`, `unsubscribe`, `""` (pong).
    #[serde(borrow, default)]
    pub event: Option<&'a str>,
    /// `null`, or `{"code":2,"message":"…"}`.
    #[serde(borrow, default, deserialize_with = "present")]
    pub error: Option<LazyValue<'a>>,
    /// The payload, or `{"status":"success"|"fail"}` on acks.
    #[serde(borrow, default, deserialize_with = "present")]
    pub result: Option<LazyValue<'a>>,
    /// Legacy v3 API (`trades.update`, `depth.update`, `ticker.update`).
    #[serde(borrow, default)]
    pub method: Option<&'a str>,
}

/// An error object: `{"code":2,"message":"Alert sub ob.BTC_USDT.400"}`.
#[derive(Deserialize, Debug, Default)]
pub struct ErrorObject<'a> {
    /// Error code (1 invalid body, 2 invalid argument, 3 server error, 4 auth).
    #[serde(default)]
    pub code: Option<i64>,
    /// Message.
    #[serde(borrow, default)]
    pub message: Option<&'a str>,
}

/// An ack's result: `{"status":"success"}`.
#[derive(Deserialize, Debug, Default)]
pub struct AckResult<'a> {
    /// `success` or `fail`.
    #[serde(borrow, default)]
    pub status: Option<&'a str>,
}

/// `spot.trades` result (also a REST `/spot/trades` row, whose id and times are strings):
/// `{"id":816995772,"create_time":1619093543,"create_time_ms":"1619093543708.2642","side":"sell","currency_pair":"DIS_USDT","amount":"0.2010000000","price":"121.5800000000"}`
#[derive(Deserialize, Debug, Clone, Copy)]
pub struct SpotTrade<'a> {
    /// Trade id.
    #[serde(borrow)]
    pub id: Num<'a>,
    /// Seconds.
    #[serde(borrow, default)]
    pub create_time: Option<Num<'a>>,
    /// Milliseconds with a fraction (`"1619093543708.2642"`).
    #[serde(borrow, default)]
    pub create_time_ms: Option<Num<'a>>,
    /// The taker's side (`buy`/`sell`).
    #[serde(borrow)]
    pub side: &'a str,
    /// Pair.
    #[serde(borrow, default)]
    pub currency_pair: Option<&'a str>,
    /// Size (base currency).
    #[serde(borrow)]
    pub amount: Num<'a>,
    /// Price.
    #[serde(borrow)]
    pub price: Num<'a>,
}

/// One `futures.trades` item (also a REST `/futures/{settle}/trades` row):
/// `{"size":-7,"id":376991,"create_time":1653808101,"create_time_ms":1653808101123,"price":"29009.9","contract":"BTC_USD_20220603","is_internal":false}`.
/// The sign of `size` is the taker's side.
#[derive(Deserialize, Debug, Clone, Copy)]
pub struct FuturesTrade<'a> {
    /// Trade id.
    #[serde(borrow)]
    pub id: Num<'a>,
    /// Seconds (REST: a number that may have a fraction).
    #[serde(borrow, default)]
    pub create_time: Option<Num<'a>>,
    /// Milliseconds (an integer on the WebSocket, a number with a fraction over REST).
    #[serde(borrow, default)]
    pub create_time_ms: Option<Num<'a>>,
    /// Contract.
    #[serde(borrow, default)]
    pub contract: Option<&'a str>,
    /// Signed size in contracts: > 0 taker bought, < 0 taker sold.
    #[serde(borrow)]
    pub size: Num<'a>,
    /// Price.
    #[serde(borrow)]
    pub price: Num<'a>,
    /// Insurance-fund / ADL takeover, not a trade on the book.
    #[serde(default)]
    pub is_internal: Option<bool>,
}

/// `*.book_ticker` result: `{"t":1684930165621,"u":6159967,"s":"PHB_USDT","b":"0.7379","B":814,"a":"0.739","A":677}`
/// (spot sizes are strings).
#[derive(Deserialize, Debug, Clone, Copy)]
pub struct BookTicker<'a> {
    /// Milliseconds.
    #[serde(borrow, default)]
    pub t: Option<Num<'a>>,
    /// Order-book update id (shares the depth id space).
    #[serde(default)]
    pub u: Option<u64>,
    /// Symbol.
    #[serde(borrow)]
    pub s: &'a str,
    /// Best bid price.
    #[serde(borrow)]
    pub b: Num<'a>,
    /// Best bid size.
    #[serde(rename = "B", borrow)]
    pub bid_size: Num<'a>,
    /// Best ask price.
    #[serde(borrow)]
    pub a: Num<'a>,
    /// Best ask size.
    #[serde(rename = "A", borrow)]
    pub ask_size: Num<'a>,
}

/// A candle: WebSocket `{"t":"1619093520","v":"0","c":"120.92","h":…,"l":…,"o":…,"n":"1m_DIS_USDT","a":"0","w":true}`
/// (futures: `t` and `v` integers), or a REST futures row `{"t":1539852480,"v":97151,"c":…,"sum":"3580"}`.
#[derive(Deserialize, Debug)]
pub struct Candle<'a> {
    /// Open time, seconds.
    #[serde(borrow)]
    pub t: Num<'a>,
    /// Spot: volume in the quote currency; futures: contracts.
    #[serde(borrow, default)]
    pub v: Option<Num<'a>>,
    /// Close.
    #[serde(borrow)]
    pub c: Num<'a>,
    /// High.
    #[serde(borrow)]
    pub h: Num<'a>,
    /// Low.
    #[serde(borrow)]
    pub l: Num<'a>,
    /// Open.
    #[serde(borrow)]
    pub o: Num<'a>,
    /// `<interval>_<symbol>`.
    #[serde(borrow, default)]
    pub n: Option<&'a str>,
    /// Base-currency amount.
    #[serde(borrow, default)]
    pub a: Option<Num<'a>>,
    /// The window is closed.
    #[serde(default)]
    pub w: Option<bool>,
}

/// One `/spot/currency_pairs` row (the fields that matter for exponents).
#[derive(Deserialize, Debug)]
pub struct CurrencyPair<'a> {
    /// Pair.
    #[serde(borrow)]
    pub id: &'a str,
    /// Price decimals.
    #[serde(default)]
    pub precision: Option<i64>,
    /// Amount decimals.
    #[serde(default)]
    pub amount_precision: Option<i64>,
    /// Largest order in the base currency (`null`: no limit).
    #[serde(borrow, default)]
    pub max_base_amount: Option<Num<'a>>,
}

/// One `/futures/{settle}/contracts` row (the fields that matter for exponents).
#[derive(Deserialize, Debug)]
pub struct Contract<'a> {
    /// Contract.
    #[serde(borrow)]
    pub name: &'a str,
    /// Tick of order prices.
    #[serde(borrow, default)]
    pub order_price_round: Option<Num<'a>>,
    /// Tick of mark prices.
    #[serde(borrow, default)]
    pub mark_price_round: Option<Num<'a>>,
    /// Smallest order (contracts; a decimal where fractional contracts trade).
    #[serde(borrow, default)]
    pub order_size_min: Option<Num<'a>>,
    /// Largest order (contracts).
    #[serde(borrow, default)]
    pub order_size_max: Option<Num<'a>>,
}

/// What classifies a REST object body.
#[derive(Deserialize, Debug, Default)]
pub struct RestProbe<'a> {
    /// Order book.
    #[serde(borrow, default, deserialize_with = "present")]
    pub asks: Option<LazyValue<'a>>,
    /// Order book.
    #[serde(borrow, default, deserialize_with = "present")]
    pub bids: Option<LazyValue<'a>>,
    /// Error label (`INVALID_CURRENCY_PAIR`).
    #[serde(borrow, default)]
    pub label: Option<&'a str>,
    /// Error message.
    #[serde(borrow, default)]
    pub message: Option<&'a str>,
}

use crate::venue::json::span_of;
pub use crate::venue::json::LevelSpan;

/// A depth message's header, whatever its source, with its levels recorded as spans:
/// * `spot.order_book_update`: `{"t","full"?,"l"?,"e","E","s","U","u","b":[[p,s]],"a":[[p,s]]}`
/// * `futures.order_book_update`: `{"t","full"?,"l"?,"s","U","u","b":[{"p","s"}],"a":[…]}`
/// * `*.obu`: `{"t","full"?,"s":"ob.BTC_USDT.400","U"?,"u","b":[[p,s]],"a":[…]}`
/// * `spot.order_book`: `{"t","lastUpdateId","s","l","bids","asks"}`
/// * legacy `futures.order_book` `all`: `{"t","id","contract","asks":[{"p","s"}],"bids"}`
/// * REST `{"id"?,"current","update","asks","bids"}` (spot levels `[p,s]`, futures `{"s","p"}`).
#[derive(Debug, Default, Clone, Copy)]
pub struct DepthHeader<'a> {
    /// Update time, ms (`t`).
    pub t: Option<Num<'a>>,
    /// Update time, s (`E`, spot diffs).
    pub event_secs: Option<Num<'a>>,
    /// Symbol (`s`, `contract`, `currency_pair`); for `obu` the stream name.
    pub symbol: Option<&'a str>,
    /// First update id (`U`).
    pub first: Option<u64>,
    /// Final update id (`u`).
    pub last: Option<u64>,
    /// Snapshot id (`id`, `lastUpdateId`).
    pub id: Option<u64>,
    /// `full: true`: the message replaces the book.
    pub full: bool,
    /// Depth the stream maintains (`l`).
    pub level: Option<Num<'a>>,
    /// REST: when the book last changed (s with a fraction on futures, ms on spot).
    pub update: Option<Num<'a>>,
    /// REST: when the body was generated.
    pub current: Option<Num<'a>>,
    /// Bids: `scratch[bids.0..bids.1]`.
    pub bids: (usize, usize),
    /// Asks: `scratch[asks.0..asks.1]`.
    pub asks: (usize, usize),
}

/// Parses a depth object, writing level spans (relative to `text`) into `scratch` (cleared
/// first).
pub fn parse_depth<'a>(
    text: &'a str,
    scratch: &mut Vec<LevelSpan>,
) -> Result<DepthHeader<'a>, sonic_rs::Error> {
    scratch.clear();
    let mut de = sonic_rs::Deserializer::from_str(text);
    let header = de.deserialize_map(DepthVisitor {
        base: text.as_ptr() as usize,
        len: text.len(),
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
    type Value = DepthHeader<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Gate.io order book object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut h = DepthHeader::default();
        while let Some(key) = map.next_key::<&'de str>()? {
            match key {
                "t" => h.t = map.next_value()?,
                "E" => h.event_secs = map.next_value()?,
                "s" | "contract" | "currency_pair" => h.symbol = map.next_value()?,
                "U" => h.first = map.next_value()?,
                "u" => h.last = map.next_value()?,
                "id" | "lastUpdateId" => h.id = map.next_value()?,
                "full" => h.full = map.next_value::<Option<bool>>()?.unwrap_or(false),
                "l" => h.level = map.next_value()?,
                "update" => h.update = map.next_value()?,
                "current" => h.current = map.next_value()?,
                "b" | "bids" | "a" | "asks" => {
                    let start = self.scratch.len();
                    map.next_value_seed(LevelsSeed {
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

struct LevelsSeed<'s> {
    base: usize,
    len: usize,
    out: &'s mut Vec<LevelSpan>,
}

impl<'de, 's> DeserializeSeed<'de> for LevelsSeed<'s> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, 's> Visitor<'de> for LevelsSeed<'s> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of [price, size] pairs or {\"p\",\"s\"} objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(Level(px, qty)) = seq.next_element::<Level<'de>>()? {
            let (a, b) = span_of::<A::Error>(self.base, self.len, px)?;
            let (c, d) = span_of::<A::Error>(self.base, self.len, qty)?;
            self.out.push([a, b, c, d]);
        }
        Ok(())
    }
}

/// One level: `["price","size", …]` (extra elements ignored) or `{"p":"price","s":size}`
/// (other keys ignored). Prices and sizes are strings or JSON numbers.
struct Level<'a>(&'a str, &'a str);

impl<'de> Deserialize<'de> for Level<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Level<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[price, size] or {\"p\": price, \"s\": size}")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Level<'de>, A::Error> {
                let px: Num<'de> = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let qty: Num<'de> = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Level(px.0, qty.0))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Level<'de>, A::Error> {
                let (mut px, mut qty) = (None, None);
                while let Some(key) = map.next_key::<&'de str>()? {
                    match key {
                        "p" => px = Some(map.next_value::<Num<'de>>()?),
                        "s" => qty = Some(map.next_value::<Num<'de>>()?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                match (px, qty) {
                    (Some(p), Some(q)) => Ok(Level(p.0, q.0)),
                    _ => Err(de::Error::custom("level without p and s")),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// Deserializes a JSON array element by element, handing each to `f` as it is read (no
/// vector is built). The first error `f` returns is kept in `error` while the rest of the
/// array is still read, so a syntax error anywhere wins over a value error, as it would when
/// collecting the array first.
pub fn for_each<'de, T, E>(
    text: &'de str,
    error: &mut Option<E>,
    f: impl FnMut(T) -> Result<(), E>,
) -> Result<(), sonic_rs::Error>
where
    T: Deserialize<'de>,
{
    struct Each<'e, T, E, F> {
        f: F,
        error: &'e mut Option<E>,
        _t: std::marker::PhantomData<T>,
    }
    impl<'de, 'e, T: Deserialize<'de>, E, F: FnMut(T) -> Result<(), E>> Visitor<'de>
        for Each<'e, T, E, F>
    {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array")
        }
        fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
            while let Some(item) = seq.next_element::<T>()? {
                if self.error.is_none() {
                    if let Err(e) = (self.f)(item) {
                        *self.error = Some(e);
                    }
                }
            }
            Ok(())
        }
    }
    let mut de = sonic_rs::Deserializer::from_str(text);
    de.deserialize_seq(Each {
        f,
        error,
        _t: std::marker::PhantomData,
    })?;
    de.end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_numeric_strings_read_as_text() {
        let v: Vec<Num<'_>> =
            sonic_rs::from_str(r#"["0.2983",0,-90,0.836,"1619093543708.2642"]"#).expect("numbers");
        let t: Vec<&str> = v.iter().map(|n| n.0).collect();
        assert_eq!(t, ["0.2983", "0", "-90", "0.836", "1619093543708.2642"]);
        assert!(sonic_rs::from_str::<Num<'_>>(r#""abc""#).is_err());
        assert!(sonic_rs::from_str::<Num<'_>>(r#""""#).is_err());
        assert!(sonic_rs::from_str::<Num<'_>>("true").is_err());
        assert!(sonic_rs::from_str::<Num<'_>>("null").is_err());
    }

    #[test]
    fn depth_objects_of_every_shape() {
        let mut scratch = Vec::new();
        let spot = r#"{"t":1,"e":"depthUpdate","E":1,"s":"BTC_USDT","U":5,"u":7,"b":[["1.5","2"]],"a":[["1.6","0"],["1.7","3"]]}"#;
        let h = parse_depth(spot, &mut scratch).expect("spot");
        assert_eq!(
            (h.first, h.last, h.symbol),
            (Some(5), Some(7), Some("BTC_USDT"))
        );
        assert_eq!((h.bids, h.asks), ((0, 1), (1, 3)));
        let fut = r#"{"U":1,"a":[{"p":"0.2983","s":0}],"b":[],"s":"RDNT_USDT","t":2,"u":1}"#;
        let h = parse_depth(fut, &mut scratch).expect("futures");
        assert_eq!((h.bids, h.asks), ((1, 1), (0, 1)));
        let [a, b, c, d] = scratch[0];
        assert_eq!(&fut[a as usize..b as usize], "0.2983");
        assert_eq!(&fut[c as usize..d as usize], "0");
        let rest =
            r#"{"current":1.5,"update":1.25,"asks":[{"s":803,"p":"0.2974"}],"bids":[],"id":9}"#;
        let h = parse_depth(rest, &mut scratch).expect("rest");
        assert_eq!(h.id, Some(9));
        let [a, b, c, d] = scratch[0];
        assert_eq!(
            (&rest[a as usize..b as usize], &rest[c as usize..d as usize]),
            ("0.2974", "803")
        );
        assert!(parse_depth(r#"{"b":[["1"]]}"#, &mut scratch).is_err());
        assert!(parse_depth(r#"{"b":[{"p":"1"}]}"#, &mut scratch).is_err());
    }
}
