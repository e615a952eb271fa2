//! Bitget spot ([`Venue::Bitget`]) and USDT-margined futures ([`Venue::BitgetFutures`]).
//!
//! The protocol targets the v2 API (`wss://ws.bitget.com/v2/ws/public`, `instType` `SPOT` /
//! `USDT-FUTURES`); the parser also reads the legacy v1 API (`/spot/v1/stream` and
//! `/mix/v1/stream`, `instType` `sp` / `mc`), of which the real captures are. Frames share
//! OKX's envelope and book layout, so the OKX wire types and level emission are reused.
//!
//! | frame | events |
//! |---|---|
//! | `books` (`action` `snapshot`/`update`) | book levels: `seq` = v2 `seq` (v1: none, 0), `v[2]` 0, `v[3]` −1 (no previous id: diffs apply in order, a `seq` not above the book's is stale), the checksum (when not 0) on the `LAST` event |
//! | `books5`, `books15` | `TOP_N` snapshots |
//! | `books1` | a quote (`seq` = `seq`, else the time in ms) |
//! | `ticker` (v2) | a quote from `bidPr`/`bidSz`/`askPr`/`askSz` (`seq` = its time in ms) |
//! | `trade` | trades, `side` = the taker's side; v2 `tradeId` is `seq`; v1 rows `[ts,px,sz,side]` carry no id: `seq` = ts (ms) × 1000 + how many trades of that instrument this parser saw in the same ms just before |
//! | `candle<bar>` | candles (no closed flag on the wire: a row is `CLOSED` when the same message holds a newer one, or its interval ended by the v2 push time `ts`) |
//! | `{"event":"subscribe"/"unsubscribe"/"login"}` | [`Control::Ack`] (id −1: Bitget echoes none) |
//! | `{"event":"error","code":…}` | [`Control::VenueError`] |
//! | text `pong` | [`Control::Heartbeat`] |
//! | v1 `ticker` | [`Control::Ignored`]: no sizes, and spot `bestBid`/`bestAsk` are rounded to 6 decimals |
//! | legacy `table` frames (before 2022-04-29), other channels | [`Control::Ignored`] |
//!
//! **Markets.** The spot parser reads `SPOT`/`sp` frames and the futures parser `USDT-FUTURES`/
//! `mc` frames (v1 `mc` also carries the coin-margined `BTCUSD`, read as is). A frame of the
//! other market is answered [`Control::Ignored`] (reason in [`BitgetParser::ignored_reason`]),
//! not parsed: the same `instId` (`BTCUSDT`) names a spot pair and a perpetual, and each
//! market has its own subscriptions, so interning it under this parser's venue would mix two
//! instruments. v2 `COIN-FUTURES` and `USDC-FUTURES` frames are ignored by both.
//!
//! REST bodies (`{"code":"00000","data":…}`): order books (a snapshot), fills (v2), candles
//! (with the request's symbol), v1 `products`/`contracts` and v2 `symbols`/`contracts`
//! (preset exponents at `priceScale`/`pricePlace`/`pricePrecision` digits plus two spare ones;
//! answered `Ignored`), errors (`code` ≠ `"00000"`: `VenueError`).

mod normalize;
pub mod subscribe;
pub mod wire;

pub use subscribe::{unified_symbol, BitgetProtocol, FUTURES, SPOT};

use crate::event::{Event, Nanos, Venue};
use crate::instrument::{Instruments, SymbolCache};
use crate::venue::okx::wire::LevelSpan;
use crate::venue::{Control, FrameParser, ParseError, ParseStats};
use std::sync::Arc;

/// Default exponents (price, size) of instruments whose metadata was not loaded: the
/// captures print at most 8 decimals.
pub const DEFAULT_EXPONENTS: (i8, i8) = (-8, -8);

/// The Bitget frame parser (one per connection or shard), for one market.
#[derive(Debug)]
pub struct BitgetParser {
    venue: Venue,
    symbols: SymbolCache,
    scratch: Vec<LevelSpan>,
    stats: ParseStats,
    ignored: &'static str,
    /// Per instrument id: the time (ms) of the last id-less v1 trade and how many trades of
    /// that millisecond came before it.
    trade_ms: Vec<(i64, u32)>,
    trades: Vec<crate::venue::okx::fast::TradeSpan>,
    fast: bool,
    fast_hits: u64,
}

impl BitgetParser {
    /// A parser for [`Venue::Bitget`] (spot) or [`Venue::BitgetFutures`] over a shared
    /// instrument table. Any other venue is read as spot.
    pub fn new(venue: Venue, instruments: Arc<Instruments>) -> Self {
        let venue = if venue == Venue::BitgetFutures {
            venue
        } else {
            Venue::Bitget
        };
        BitgetParser {
            venue,
            symbols: SymbolCache::new(venue, instruments, DEFAULT_EXPONENTS),
            scratch: Vec::with_capacity(1024),
            stats: ParseStats::default(),
            ignored: "",
            trade_ms: Vec::new(),
            trades: Vec::with_capacity(64),
            fast: true,
            fast_hits: 0,
        }
    }

    /// Turns the fast paths for book and trade frames on (the default) or off (every frame
    /// through the general sonic-rs path; tests compare the two).
    pub fn set_fast_paths(&mut self, on: bool) {
        self.fast = on;
    }

    /// Frames the fast paths handled.
    pub fn fast_hits(&self) -> u64 {
        self.fast_hits
    }

    /// Why the last frame answered [`Control::Ignored`] (empty before any).
    pub fn ignored_reason(&self) -> &'static str {
        self.ignored
    }

    fn ignore(&mut self, why: &'static str) -> Result<Control, ParseError> {
        self.ignored = why;
        Ok(Control::Ignored)
    }
}

impl FrameParser for BitgetParser {
    fn venue(&self) -> Venue {
        self.venue
    }

    fn parse_frame(
        &mut self,
        frame: &[u8],
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let before = out.len();
        let result = crate::venue::text(frame).and_then(|f| self.frame(f, ts_recv, out));
        self.stats.account(result, before, out)
    }

    fn parse_rest(
        &mut self,
        body: &[u8],
        symbol: Option<&str>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let before = out.len();
        let result = crate::venue::check_nesting(body)
            .and_then(|()| crate::venue::text(body))
            .and_then(|b| self.rest(b, symbol, ts_recv, out));
        self.stats.account(result, before, out)
    }

    fn stats(&self) -> ParseStats {
        self.stats
    }
}

/// Which API and market an `instType` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Api {
    /// `sp`, `mc` (and the request spelling `SP`, `MC`).
    V1,
    /// `SPOT`, `USDT-FUTURES`.
    V2,
}

/// The venue and API of an `instType`; `None` for markets neither parser reads.
pub(crate) fn market(inst_type: &str) -> Option<(Venue, Api)> {
    Some(match inst_type {
        "sp" | "SP" => (Venue::Bitget, Api::V1),
        "mc" | "MC" => (Venue::BitgetFutures, Api::V1),
        "SPOT" => (Venue::Bitget, Api::V2),
        "USDT-FUTURES" => (Venue::BitgetFutures, Api::V2),
        _ => return None,
    })
}
