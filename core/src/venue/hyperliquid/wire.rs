//! Hyperliquid wire types: borrowed, zero-copy views of the WebSocket frames and `POST /info`
//! bodies. Shapes from `docs/exchanges.md` §7 and the corpus (`hyperliquid/`).
//!
//! Every push is `{"channel":<name>,"data":<payload>}`.

use crate::venue::json::span_of;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use sonic_rs::LazyValue;
use std::fmt;

/// The envelope of every frame.
#[derive(Deserialize, Debug, Default)]
pub struct HlEnvelope<'a> {
    /// `l2Book`, `trades`, `bbo`, `candle`, `subscriptionResponse`, `pong`, `error`, …
    #[serde(borrow, default)]
    pub channel: Option<&'a str>,
    /// The payload.
    #[serde(borrow, default)]
    pub data: Option<LazyValue<'a>>,
}

/// A trade: `{"coin":"BTC","hash":"0x…","px":"105056.0","side":"B","sz":"0.00219","tid":121451470284048,"time":1737918794873,"users":[buyer,seller]}`.
#[derive(Deserialize, Debug)]
pub struct HlTrade<'a> {
    /// Coin (`BTC`, `kPEPE`, `@107`, `PURR/USDC`).
    #[serde(borrow)]
    pub coin: &'a str,
    /// Aggressor side: `B` (bought) or `A` (sold).
    #[serde(borrow)]
    pub side: &'a str,
    /// Price.
    #[serde(borrow)]
    pub px: &'a str,
    /// Size (base coin).
    #[serde(borrow)]
    pub sz: &'a str,
    /// Time (ms).
    pub time: i64,
    /// Trade id.
    pub tid: u64,
}

/// A book level `{"px":"105055.0","sz":"3.03622","n":5}` (`n`: order count, not kept).
#[derive(Deserialize, Debug, Clone, Copy)]
pub struct HlLevel<'a> {
    /// Price.
    #[serde(borrow)]
    pub px: &'a str,
    /// Size.
    #[serde(borrow)]
    pub sz: &'a str,
}

/// `bbo` data: `{"coin":"BTC","time":1737918843542,"bbo":[bidLevel|null, askLevel|null]}`.
#[derive(Deserialize, Debug)]
pub struct HlBbo<'a> {
    /// Coin.
    #[serde(borrow)]
    pub coin: &'a str,
    /// Time (ms).
    pub time: i64,
    /// Best bid and ask (either may be `null`).
    #[serde(borrow)]
    pub bbo: (Option<HlLevel<'a>>, Option<HlLevel<'a>>),
}

/// `candle` data: `{"t":open ms,"T":close ms,"s":"BTC","i":"1m","o":…,"c":…,"h":…,"l":…,"v":…,"n":trades}`.
#[derive(Deserialize, Debug)]
pub struct HlCandle<'a> {
    /// Open time (ms).
    pub t: i64,
    /// Close time (ms).
    #[serde(rename = "T")]
    pub close_time: i64,
    /// Coin.
    #[serde(borrow)]
    pub s: &'a str,
    /// Interval: `1m 3m 5m 15m 30m 1h 2h 4h 8h 12h 1d 3d 1w 1M`.
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
    /// Volume (base coin).
    #[serde(borrow)]
    pub v: &'a str,
}

/// The fields that tell `POST /info` bodies apart.
#[derive(Deserialize, Debug, Default)]
pub struct HlRestProbe<'a> {
    /// `l2Book`.
    #[serde(borrow, default)]
    pub levels: Option<LazyValue<'a>>,
    /// `meta` / `spotMeta`.
    #[serde(borrow, default)]
    pub universe: Option<LazyValue<'a>>,
}

pub use crate::venue::json::LevelSpan;

/// An `l2Book` object's header, with its levels as spans into the text:
/// `{"coin":"BTC","levels":[[bids best first],[asks best first]],"time":1737918843542}`.
#[derive(Debug, Default, Clone, Copy)]
pub struct HlBookHeader<'a> {
    /// Coin.
    pub coin: Option<&'a str>,
    /// Time (ms).
    pub time: Option<i64>,
    /// Bids: `scratch[bids.0..bids.1]`.
    pub bids: (usize, usize),
    /// Asks: `scratch[asks.0..asks.1]`.
    pub asks: (usize, usize),
    /// Whether `levels` was present.
    pub has_levels: bool,
}

/// Parses an `l2Book` object, writing level spans into `scratch` (cleared first).
pub fn parse_book<'a>(
    text: &'a str,
    scratch: &mut Vec<LevelSpan>,
) -> Result<HlBookHeader<'a>, sonic_rs::Error> {
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
    type Value = HlBookHeader<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Hyperliquid l2Book object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut h = HlBookHeader::default();
        while let Some(key) = map.next_key::<&'de str>()? {
            match key {
                "coin" => h.coin = Some(map.next_value()?),
                "time" => h.time = Some(map.next_value()?),
                "levels" => {
                    self.scratch.clear();
                    let (bids, asks) = map.next_value_seed(SidesSeed {
                        base: self.base,
                        len: self.len,
                        out: &mut *self.scratch,
                    })?;
                    h.bids = bids;
                    h.asks = asks;
                    h.has_levels = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(h)
    }
}

/// `[[bids…],[asks…]]`: exactly two sides.
struct SidesSeed<'s> {
    base: usize,
    len: usize,
    out: &'s mut Vec<LevelSpan>,
}

type Ranges = ((usize, usize), (usize, usize));

impl<'de, 's> DeserializeSeed<'de> for SidesSeed<'s> {
    type Value = Ranges;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Ranges, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, 's> Visitor<'de> for SidesSeed<'s> {
    type Value = Ranges;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[[bids], [asks]]")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ranges, A::Error> {
        let mut ranges = [(0usize, 0usize); 2];
        for (i, r) in ranges.iter_mut().enumerate() {
            let start = self.out.len();
            seq.next_element_seed(LevelsSeed {
                base: self.base,
                len: self.len,
                out: &mut *self.out,
            })?
            .ok_or_else(|| de::Error::invalid_length(i, &self))?;
            *r = (start, self.out.len());
        }
        if seq.next_element::<IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_length(3, &self));
        }
        Ok((ranges[0], ranges[1]))
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
        f.write_str("an array of {px, sz, n} levels")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(l) = seq.next_element::<HlLevel<'de>>()? {
            let (a, b) = span_of::<A::Error>(self.base, self.len, l.px)?;
            let (c, d) = span_of::<A::Error>(self.base, self.len, l.sz)?;
            self.out.push([a, b, c, d]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn book_levels_are_spans_into_the_text() {
        let t = r#"{"coin":"BTC","levels":[[{"n":5,"px":"105055.0","sz":"3.03622"}],[{"px":"105056.0","n":1,"sz":"6.3"},{"n":1,"px":"105057.0","sz":"0.0001"}]],"time":7}"#;
        let mut s = Vec::new();
        let h = parse_book(t, &mut s).unwrap();
        assert_eq!((h.coin, h.time), (Some("BTC"), Some(7)));
        assert_eq!((h.bids, h.asks), ((0, 1), (1, 3)));
        let [a, b, c, d] = s[2];
        assert_eq!(&t[a as usize..b as usize], "105057.0");
        assert_eq!(&t[c as usize..d as usize], "0.0001");
        assert!(parse_book(r#"{"levels":[[]]}"#, &mut s).is_err());
        assert!(parse_book(r#"{"levels":[[],[],[]]}"#, &mut s).is_err());
        assert!(parse_book(r#"{"levels":[[{"px":"1"}],[]]}"#, &mut s).is_err());
    }
}
