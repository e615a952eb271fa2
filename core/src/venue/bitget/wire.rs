//! Bitget wire types. The envelope (`action`, `arg` with `instType`/`channel`/`instId`,
//! `data`, `event`, `code`, `msg`) and the book objects are OKX's layout and are read with
//! [`crate::venue::okx::wire`]; what differs is here. API pages:
//! <https://www.bitget.com/api-doc/spot/websocket/public/Trades-Channel>,
//! <https://www.bitget.com/api-doc/spot/websocket/public/Tickers-Channel>,
//! <https://www.bitget.com/api-doc/spot/market/Get-Symbols>.

use crate::venue::okx::wire::{Int, Row};
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// A v2 trade (documented push):
/// `{"ts":"1695709835822","price":"26293.4","size":"0.0013","side":"buy","tradeId":"1000000000"}`;
/// REST fills add `symbol`.
#[derive(Deserialize, Debug)]
pub struct BitgetTradeV2<'a> {
    /// Trade time (ms).
    pub ts: Int,
    /// Price.
    #[serde(borrow)]
    pub price: &'a str,
    /// Size.
    #[serde(borrow)]
    pub size: &'a str,
    /// The taker's side, `buy` / `sell`.
    #[serde(borrow)]
    pub side: &'a str,
    /// Trade id.
    #[serde(rename = "tradeId")]
    pub trade_id: Int,
    /// REST fills: the symbol.
    #[serde(borrow, default)]
    pub symbol: Option<&'a str>,
}

/// A trade of either API: a v1 row `["1649290076333","0.00003507","271967","sell"]` (corpus
/// `bitget/cryptofeed_20220407_v1_spot`: time, price, size, taker side; no id) or a v2 object.
#[derive(Debug)]
pub enum BitgetTrade<'a> {
    /// v1 row.
    V1(Row<'a>),
    /// v2 object.
    V2(BitgetTradeV2<'a>),
}

impl<'de> Deserialize<'de> for BitgetTrade<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = BitgetTrade<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a trade row or object")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<BitgetTrade<'de>, A::Error> {
                Row::deserialize(SeqAccessDeserializer::new(seq)).map(BitgetTrade::V1)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<BitgetTrade<'de>, A::Error> {
                BitgetTradeV2::deserialize(MapAccessDeserializer::new(map)).map(BitgetTrade::V2)
            }
        }
        d.deserialize_any(V)
    }
}

/// A v2 `ticker` (documented push; the quote fields of it):
/// `{"instId":"ETHUSDT","lastPr":"2200.10",…,"bidPr":"1792","askPr":"2200.1","bidSz":"0.0084","askSz":"19740.8811",…,"ts":"1695702438018"}`.
#[derive(Deserialize, Debug)]
pub struct BitgetTickerV2<'a> {
    /// Instrument.
    #[serde(rename = "instId", borrow, default)]
    pub inst_id: Option<&'a str>,
    /// Best bid price.
    #[serde(rename = "bidPr", borrow)]
    pub bid_px: &'a str,
    /// Best bid size.
    #[serde(rename = "bidSz", borrow)]
    pub bid_sz: &'a str,
    /// Best ask price.
    #[serde(rename = "askPr", borrow)]
    pub ask_px: &'a str,
    /// Best ask size.
    #[serde(rename = "askSz", borrow)]
    pub ask_sz: &'a str,
    /// Time (ms).
    pub ts: Int,
}

/// A symbol of REST metadata: v1 `products` (corpus `rest_products`:
/// `{"symbol":"EOSUSDT_SPBL","symbolName":"EOSUSDT",…,"priceScale":"4","quantityScale":"4",…}`),
/// v1 `contracts` (`{"symbol":"DASHUSDT_UMCBL",…,"volumePlace":"2","pricePlace":"2"}`), v2 spot
/// `symbols` (`pricePrecision`, `quantityPrecision`) and v2 `contracts` (with `productType`).
#[derive(Deserialize, Debug)]
pub struct BitgetSymbol<'a> {
    /// Symbol (v1 with a market suffix: `BTCUSDT_SPBL`).
    #[serde(borrow)]
    pub symbol: &'a str,
    /// v1 spot: the symbol without its suffix.
    #[serde(rename = "symbolName", borrow, default)]
    pub symbol_name: Option<&'a str>,
    /// v1 spot: price decimals.
    #[serde(rename = "priceScale", default)]
    pub price_scale: Option<Int>,
    /// v1 spot: size decimals.
    #[serde(rename = "quantityScale", default)]
    pub quantity_scale: Option<Int>,
    /// v2 spot: price decimals.
    #[serde(rename = "pricePrecision", default)]
    pub price_precision: Option<Int>,
    /// v2 spot: size decimals.
    #[serde(rename = "quantityPrecision", default)]
    pub quantity_precision: Option<Int>,
    /// Contracts: price decimals.
    #[serde(rename = "pricePlace", default)]
    pub price_place: Option<Int>,
    /// Contracts: size decimals.
    #[serde(rename = "volumePlace", default)]
    pub volume_place: Option<Int>,
    /// v2 contracts: `USDT-FUTURES`, `COIN-FUTURES`, `USDC-FUTURES`.
    #[serde(rename = "productType", borrow, default)]
    pub product_type: Option<&'a str>,
}
