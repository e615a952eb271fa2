//! OKX v5 wire types: borrowed, zero-copy views of the JSON frames (sonic-rs + serde). Bitget
//! (v1 and v2) uses the same envelope (`arg`, `action`, `data`, `event`, `code`, `msg`), so
//! its parser reads frames with these types too.
//!
//! Nothing here allocates: strings borrow the frame, book levels are recorded as byte spans
//! into the `data` text (a reused scratch vector), and arrays of rows are visited one element
//! at a time ([`for_each`], [`for_each_book`]) instead of being collected.

use crate::venue::ParseError;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use sonic_rs::{JsonValueTrait, LazyValue};
use std::fmt;

/// The envelope of every OKX (and Bitget) frame (API page:
/// <https://www.okx.com/docs-v5/en/#overview-websocket>):
/// data `{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[…]}`,
/// replies `{"event":"subscribe","arg":{…},"connId":"…"}`, `{"event":"error","code":"60012","msg":"…"}`,
/// REST bodies `{"code":"0","msg":"","data":[…]}`, and the legacy OKEx v3 `{"table":"spot/trade","data":[…]}`.
#[derive(Deserialize, Debug, Default)]
pub struct OkxEnvelope<'a> {
    /// The subscription the data belongs to (or the one an ack answers).
    #[serde(borrow, default)]
    pub arg: Option<OkxArg<'a>>,
    /// `snapshot` / `update` (books; Bitget on every channel).
    #[serde(borrow, default)]
    pub action: Option<&'a str>,
    /// `subscribe`, `unsubscribe`, `error`, `login`, `notice`, `channel-conn-count`.
    #[serde(borrow, default)]
    pub event: Option<&'a str>,
    /// The payload: an array of objects or of rows (REST: also an object on Bitget).
    #[serde(borrow, default)]
    pub data: Option<LazyValue<'a>>,
    /// Error code (OKX: a string, `"0"` on REST success; Bitget: a number or a string).
    #[serde(borrow, default)]
    pub code: Option<LazyValue<'a>>,
    /// Error message (may hold escapes: read through [`text_of`]).
    #[serde(borrow, default)]
    pub msg: Option<LazyValue<'a>>,
    /// The request id echoed by the venue (OKX: a string of up to 32 alphanumerics).
    #[serde(borrow, default)]
    pub id: Option<LazyValue<'a>>,
    /// OKEx v3 (and Bitget before 2022-04-29): the channel of a legacy frame.
    #[serde(borrow, default)]
    pub table: Option<LazyValue<'a>>,
    /// Bitget v2: push time (ms, a number).
    #[serde(default)]
    pub ts: Option<Int>,
}

/// The `arg` object.
#[derive(Deserialize, Debug, Default, Clone, Copy)]
pub struct OkxArg<'a> {
    /// Channel name (`books`, `trades`, `candle1m`, …).
    #[serde(borrow, default)]
    pub channel: Option<&'a str>,
    /// Instrument (`BTC-USDT`, `BTC-USDT-SWAP`; Bitget `BTCUSDT`).
    #[serde(rename = "instId", borrow, default)]
    pub inst_id: Option<&'a str>,
    /// Bitget: `SPOT`, `USDT-FUTURES`, … (v2), `sp`, `mc` (v1); OKX: on some channels.
    #[serde(rename = "instType", borrow, default)]
    pub inst_type: Option<&'a str>,
}

/// An integer sent as a JSON number or as a string of digits (OKX sends `ts` and ids as
/// strings, `seqId` and `checksum` as numbers; Bitget mixes both).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Int(pub i64);

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Int, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Int;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or a string of digits")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Int, E> {
                Ok(Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Int, E> {
                i64::try_from(v)
                    .map(Int)
                    .map_err(|_| E::custom("integer out of range"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Int, E> {
                parse_int(v.as_bytes())
                    .map(Int)
                    .ok_or_else(|| E::custom("not an integer"))
            }
        }
        d.deserialize_any(V)
    }
}

/// `[-]digits` that fit an `i64`.
pub fn parse_int(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = digits.iter().try_fold(0i64, |v, &c| {
        v.checked_mul(10)?.checked_add(i64::from(c - b'0'))
    })?;
    Some(if neg { -v } else { v })
}

/// The text of a JSON string or, for anything else, its raw JSON (`"60012"` → `60012`,
/// `30005` → `30005`).
pub fn text_of(v: &LazyValue<'_>) -> String {
    v.as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| v.as_raw_str().to_owned())
}

/// An error code as an integer (`"60012"` or `60012`); `0` when it is not one.
pub fn code_of(v: &LazyValue<'_>) -> i64 {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| parse_int(s.as_bytes())))
        .unwrap_or(0)
}

/// One trade of `trades` / `trades-all` (and of REST `/api/v5/market/trades`), e.g.
/// `{"instId":"BTC-USDT","tradeId":"314161276","px":"43474.1","sz":"0.00373695","side":"buy","ts":"1646311839593"}`
/// (corpus `okx/crypto_msg_parser_tests`); since 2023 `trades` adds `"count":"3","source":"0","seqId":1234`.
/// API page: <https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-trades-channel>.
#[derive(Deserialize, Debug)]
pub struct OkxTrade<'a> {
    /// Instrument.
    #[serde(rename = "instId", borrow, default)]
    pub inst_id: Option<&'a str>,
    /// Trade id (`trades`: the last of the aggregation).
    #[serde(rename = "tradeId")]
    pub trade_id: Int,
    /// Price.
    #[serde(borrow)]
    pub px: &'a str,
    /// Size (base currency for spot, contracts for derivatives).
    #[serde(borrow)]
    pub sz: &'a str,
    /// The taker's side, `buy` / `sell`.
    #[serde(borrow)]
    pub side: &'a str,
    /// Fill time (ms).
    pub ts: Int,
    /// `trades`: how many matches were aggregated.
    #[serde(default)]
    pub count: Option<Int>,
}

/// One `tickers` push, e.g. (corpus `okx/cryptofeed_20220513`)
/// `{"instType":"SWAP","instId":"UNI-USD-SWAP","last":"5.123","lastSz":"100","askPx":"5.142","askSz":"25","bidPx":"5.134","bidSz":"96",…,"ts":"1652459223143"}`;
/// an empty side is `""`. API page: <https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-tickers-channel>.
#[derive(Deserialize, Debug)]
pub struct OkxTicker<'a> {
    /// Instrument.
    #[serde(rename = "instId", borrow, default)]
    pub inst_id: Option<&'a str>,
    /// Best bid price.
    #[serde(rename = "bidPx", borrow, default)]
    pub bid_px: &'a str,
    /// Best bid size.
    #[serde(rename = "bidSz", borrow, default)]
    pub bid_sz: &'a str,
    /// Best ask price.
    #[serde(rename = "askPx", borrow, default)]
    pub ask_px: &'a str,
    /// Best ask size.
    #[serde(rename = "askSz", borrow, default)]
    pub ask_sz: &'a str,
    /// Ticker time (ms).
    pub ts: Int,
}

/// One instrument of REST `/api/v5/public/instruments`, e.g. (corpus `rest_instruments`)
/// `{"instId":"BTC-USDT","instType":"SPOT","lotSz":"0.00000001","tickSz":"0.1",…}`.
#[derive(Deserialize, Debug)]
pub struct OkxInstrument<'a> {
    /// Instrument.
    #[serde(rename = "instId", borrow)]
    pub inst_id: &'a str,
    /// Price step.
    #[serde(rename = "tickSz", borrow, default)]
    pub tick_sz: &'a str,
    /// Size step.
    #[serde(rename = "lotSz", borrow, default)]
    pub lot_sz: &'a str,
}

use crate::venue::json::PairsSeed;
pub use crate::venue::json::{for_each, LevelSpan};

/// One book object of `data`: `{"asks":[[px,sz,"0",n],…],"bids":[…],"ts":"…","checksum":…,
/// "prevSeqId":…,"seqId":…}` (OKX) or `{"asks":[[px,sz]],"bids":[…],"checksum":…,"seq":…,"ts":"…"}`
/// (Bitget). Levels are in the scratch vector: `scratch[bids.0..bids.1]`, `scratch[asks.0..asks.1]`.
#[derive(Debug, Default, Clone, Copy)]
pub struct OkxBook<'a> {
    /// Book time (ms).
    pub ts: Option<i64>,
    /// Signed CRC32 of the top 25 (0 or absent: none).
    pub checksum: Option<i64>,
    /// OKX `prevSeqId`.
    pub prev_seq: Option<i64>,
    /// OKX `seqId`, Bitget `seq`.
    pub seq: Option<i64>,
    /// OKX `books5` repeats the instrument.
    pub inst_id: Option<&'a str>,
    /// Bid level spans.
    pub bids: (usize, usize),
    /// Ask level spans.
    pub asks: (usize, usize),
}

/// Visits every book object of a `data` array (usually one), with its level spans; stops at
/// the first error (of the JSON, or returned by `f`).
pub fn for_each_book<'a>(
    data: &'a str,
    scratch: &mut Vec<LevelSpan>,
    f: impl FnMut(&OkxBook<'a>, &[LevelSpan]) -> Result<(), ParseError>,
) -> Result<usize, ParseError> {
    let mut err = None;
    let mut de = sonic_rs::Deserializer::from_str(data);
    let r = de.deserialize_seq(BooksVisitor {
        base: data.as_ptr() as usize,
        len: data.len(),
        scratch,
        f,
        err: &mut err,
    });
    let r = r.and_then(|n| de.end().map(|()| n));
    match (r, err) {
        (_, Some(e)) => Err(e),
        (Ok(n), None) => Ok(n),
        (Err(e), None) => Err(malformed(e)),
    }
}

/// Visits one book object that is not inside an array (Bitget REST `data`).
pub fn parse_book_object<'a>(
    data: &'a str,
    scratch: &mut Vec<LevelSpan>,
) -> Result<OkxBook<'a>, ParseError> {
    scratch.clear();
    let mut de = sonic_rs::Deserializer::from_str(data);
    let h = de
        .deserialize_map(BookVisitor {
            base: data.as_ptr() as usize,
            len: data.len(),
            scratch,
        })
        .map_err(malformed)?;
    de.end().map_err(malformed)?;
    Ok(h)
}

struct BooksVisitor<'s, F> {
    base: usize,
    len: usize,
    scratch: &'s mut Vec<LevelSpan>,
    f: F,
    err: &'s mut Option<ParseError>,
}

impl<'de, F> Visitor<'de> for BooksVisitor<'_, F>
where
    F: FnMut(&OkxBook<'de>, &[LevelSpan]) -> Result<(), ParseError>,
{
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of book objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<usize, A::Error> {
        let mut n = 0;
        loop {
            self.scratch.clear();
            let Some(h) = seq.next_element_seed(BookSeed {
                base: self.base,
                len: self.len,
                scratch: &mut *self.scratch,
            })?
            else {
                return Ok(n);
            };
            if let Err(e) = (self.f)(&h, self.scratch) {
                *self.err = Some(e);
                return Err(de::Error::custom("stopped"));
            }
            n += 1;
        }
    }
}

struct BookSeed<'s> {
    base: usize,
    len: usize,
    scratch: &'s mut Vec<LevelSpan>,
}

impl<'de> DeserializeSeed<'de> for BookSeed<'_> {
    type Value = OkxBook<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<OkxBook<'de>, D::Error> {
        d.deserialize_map(BookVisitor {
            base: self.base,
            len: self.len,
            scratch: self.scratch,
        })
    }
}

struct BookVisitor<'s> {
    base: usize,
    len: usize,
    scratch: &'s mut Vec<LevelSpan>,
}

impl<'de> Visitor<'de> for BookVisitor<'_> {
    type Value = OkxBook<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a book object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OkxBook<'de>, A::Error> {
        let mut h = OkxBook::default();
        let (mut seen_bids, mut seen_asks) = (false, false);
        while let Some(key) = map.next_key::<&'de str>()? {
            match key {
                "asks" | "bids" => {
                    let start = self.scratch.len();
                    map.next_value_seed(PairsSeed {
                        base: self.base,
                        len: self.len,
                        out: &mut *self.scratch,
                    })?;
                    let r = (start, self.scratch.len());
                    let seen = if key == "bids" {
                        h.bids = r;
                        &mut seen_bids
                    } else {
                        h.asks = r;
                        &mut seen_asks
                    };
                    if std::mem::replace(seen, true) {
                        return Err(de::Error::duplicate_field("asks/bids"));
                    }
                }
                "ts" | "timestamp" => h.ts = map.next_value::<Option<Int>>()?.map(|i| i.0),
                "checksum" => h.checksum = map.next_value::<Option<Int>>()?.map(|i| i.0),
                "prevSeqId" => h.prev_seq = map.next_value::<Option<Int>>()?.map(|i| i.0),
                "seqId" | "seq" => h.seq = map.next_value::<Option<Int>>()?.map(|i| i.0),
                "instId" => h.inst_id = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !(seen_bids && seen_asks) {
            return Err(de::Error::missing_field("asks/bids"));
        }
        Ok(h)
    }
}

/// A row of strings (candles `["ts","o","h","l","c","vol",…]`, Bitget v1 trades
/// `["ts","px","sz","side"]`): up to [`Row::MAX`] kept, more are refused.
#[derive(Clone, Copy, Debug)]
pub struct Row<'a> {
    items: [&'a str; Row::MAX],
    len: usize,
}

impl<'a> Row<'a> {
    /// Most elements a row may have.
    pub const MAX: usize = 12;
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }
    /// Whether the row is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Element `i`, if present.
    pub fn get(&self, i: usize) -> Option<&'a str> {
        (i < self.len).then(|| self.items[i])
    }
}

impl<'de> Deserialize<'de> for Row<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Row<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Row<'de>, A::Error> {
                let mut row = Row {
                    items: [""; Row::MAX],
                    len: 0,
                };
                while let Some(s) = seq.next_element::<&'de str>()? {
                    if row.len == Row::MAX {
                        return Err(de::Error::invalid_length(row.len + 1, &self));
                    }
                    row.items[row.len] = s;
                    row.len += 1;
                }
                Ok(row)
            }
        }
        d.deserialize_seq(V)
    }
}

/// Fraction digits of a number as the venue wrote it (`"0.5000"` → 4, `"30316"` → 0): what a
/// checksum over the venue's text needs. Exponent forms (`"2.315E+4"`, seen in a Bitget REST
/// body) have no such text; they get their exact significant digits.
pub fn text_digits(s: &[u8]) -> u8 {
    if s.iter().any(|c| matches!(c, b'e' | b'E')) {
        return crate::decimal::fraction_digits(s).unwrap_or(0);
    }
    match memchr::memchr(b'.', s) {
        Some(p) => u8::try_from(s.len() - p - 1).unwrap_or(u8::MAX),
        None => 0,
    }
}

/// A sonic-rs error as a malformed-frame error.
pub fn malformed(e: sonic_rs::Error) -> ParseError {
    ParseError::Malformed(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_and_books_borrow_the_frame() {
        let f = r#"{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[["8476.98","415","0","13"]],"bids":[["8476.97","256","0","12"],["8475.5","0","0","0"]],"ts":"1597026383085","checksum":-855196043,"prevSeqId":123456,"seqId":123457}]}"#;
        let env: OkxEnvelope<'_> = sonic_rs::from_str(f).unwrap();
        let arg = env.arg.unwrap();
        assert_eq!(
            (arg.channel, arg.inst_id, env.action),
            (Some("books"), Some("BTC-USDT"), Some("update"))
        );
        let data = env.data.as_ref().unwrap().as_raw_str();
        let mut scratch = Vec::new();
        let mut seen = Vec::new();
        let n = for_each_book(data, &mut scratch, |h, spans| {
            let txt = |a: u32, b: u32| &data[a as usize..b as usize];
            for s in &spans[h.bids.0..h.bids.1] {
                seen.push((txt(s[0], s[1]).to_string(), txt(s[2], s[3]).to_string()));
            }
            assert_eq!(h.ts, Some(1597026383085));
            assert_eq!(h.checksum, Some(-855196043));
            assert_eq!((h.prev_seq, h.seq), (Some(123456), Some(123457)));
            assert_eq!(h.asks.1 - h.asks.0, 1);
            Ok(())
        })
        .unwrap();
        assert_eq!(n, 1);
        assert_eq!(
            seen,
            vec![
                ("8476.97".to_string(), "256".to_string()),
                ("8475.5".to_string(), "0".to_string())
            ]
        );
    }

    #[test]
    fn rows_ints_and_digits() {
        let mut rows = Vec::new();
        for_each::<Row<'_>>(r#"[["1","2.5","x"],[]]"#, |r| {
            rows.push(r.len());
            Ok(())
        })
        .unwrap();
        assert_eq!(rows, vec![3, 0]);
        let too_long = format!("[[{}]]", vec!["\"1\""; 13].join(","));
        assert!(for_each::<Row<'_>>(&too_long, |_| Ok(())).is_err());
        assert!(for_each::<Row<'_>>(r#"[[1]]"#, |_| Ok(())).is_err());
        let i: Int = sonic_rs::from_str(r#""-42""#).unwrap();
        assert_eq!(i, Int(-42));
        let i: Int = sonic_rs::from_str("1597026383085").unwrap();
        assert_eq!(i, Int(1597026383085));
        assert!(sonic_rs::from_str::<Int>(r#""1.5""#).is_err());
        assert!(sonic_rs::from_str::<Int>(r#""""#).is_err());
        assert_eq!(parse_int(b"99999999999999999999"), None);
        assert_eq!(text_digits(b"0.5000"), 4);
        assert_eq!(text_digits(b"30316"), 0);
        assert_eq!(text_digits(b"2.315E+4"), 0);
        assert_eq!(text_digits(b"1.5e-7"), 8);
        // an error returned by the callback stops the visit and comes back as is
        let r = for_each::<Row<'_>>(r#"[["1"],["2"]]"#, |_| {
            Err(ParseError::Malformed("mine".into()))
        });
        assert_eq!(r, Err(ParseError::Malformed("mine".into())));
    }
}
