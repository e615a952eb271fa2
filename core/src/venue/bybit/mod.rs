//! Bybit v5 public market data: spot, linear (USDT/USDC perpetuals and futures) and inverse.
//!
//! * `wire`: borrowed views of the JSON frames and REST bodies.
//! * `normalize`: wire → [`Event`]s (exact decimals, ns timestamps, taker side).
//! * `fast`: scanner fast paths for the hot pushes (book, level 1, trades), same events.
//! * `subscribe`: endpoints, limits, control frames and [`Protocol`](crate::venue::Protocol).
//!
//! What each topic becomes:
//!
//! | topic | events |
//! |---|---|
//! | `orderbook.{50,200,1000}.<SYM>` | book levels: `seq` = `v[2]` = `u`, `v[3]` = -1; `type:"snapshot"` (or a delta with `u == 1`: the venue restarted the book) is a `SNAPSHOT`, every delta must be `u == prev.u + 1` ([`crate::book::SyncRule::BinanceSpot`] with `U = u`) |
//! | `orderbook.1.<SYM>` | one **quote** per frame (`seq` = `u`), never book levels: level 1 is a separate id space and a one-level "book" would clobber a deeper book of the same instrument |
//! | `publicTrade.<SYM>` | trades: side = `S` (the taker side), `seq` = trade id `i` as a `u64` ([`wire::trade_id`]), block trades (`BT`) flagged `OFF_BOOK`; RPI trades are ordinary book trades |
//! | `kline.<i>.<SYM>` | candles: `CLOSED` when `confirm`, `aux` = interval (s), `seq` = `start` |
//! | `tickers.<SYM>` | a quote (`seq` = `cs`) when the frame carries best bid/offer fields; derivatives' partial deltas are merged onto the last snapshot (a missing field is unchanged); spot tickers carry none (ignored) |
//! | anything else (liquidations, pre-v5 `orderBookL2_25`, `trade.*`, `klineV2.*`, `instrument_info.*`) | ignored, counted |
//!
//! Control: `{"success":true,…,"op":"subscribe"}` is an ack (`req_id` as the id when it is an
//! integer), `success:false` a venue error (code 0: Bybit's WebSocket errors carry no code),
//! `{"op":"pong"}` and the spot reply `{"ret_msg":"pong","op":"ping"}` are heartbeats.
//!
//! REST (`parse_rest`): `/v5/market/orderbook` is a `SNAPSHOT` at its `u` (the id space of
//! `orderbook.1000`: books are resynced by resubscribing, which makes the venue send a snapshot
//! in the stream's own id space), `recent-trade` trades, `kline` candles (oldest first; the
//! interval is the step between rows), `instruments-info` presets exponents, `retCode != 0` is
//! a venue error, pre-v5 bodies (`ret_code`) are ignored.
//!
//! Exponents default to (-8, -8); an `instruments-info` body seen first presets each listed
//! instrument (see `normalize.rs`).
//!
//! Trade ids of derivatives are UUIDs: `seq` is their first 64 bits, stable and distinct but not
//! increasing, so the dedupe window recognises only recent repeats of the highest id (older
//! ids pass as window misses: never a lost trade, possibly a duplicate across redundant
//! connections). Spot ids are increasing decimals.

mod fast;
mod normalize;
pub mod subscribe;
pub mod wire;

pub use subscribe::{BybitProtocol, INVERSE, LINEAR, SPOT};

// shared with the Hyperliquid parser
pub(crate) use fast::{offset, sub};
pub(crate) use normalize::{mark_runs, value, written_digits};

use crate::event::{Event, Nanos, Venue};
use crate::instrument::{Instruments, SymbolCache};
use crate::venue::{text, Control, FrameParser, ParseError, ParseStats};
use std::sync::Arc;
use wire::LevelSpan;

/// Default exponents (price, size) for instruments whose metadata was not loaded: every value
/// in the corpus has at most 8 decimals, and 10^10 fits at 10^-8.
pub const DEFAULT_EXPONENTS: (i8, i8) = (-8, -8);

/// What a topic carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic<'a> {
    /// `orderbook.N.<SYM>` with N > 1 (and `orderbook.full.<SYM>`).
    Book(&'a str),
    /// `orderbook.1.<SYM>`.
    Bbo(&'a str),
    /// `publicTrade.<SYM>`.
    Trade(&'a str),
    /// `kline.<interval>.<SYM>`.
    Kline(&'a str),
    /// `tickers.<SYM>`.
    Ticker(&'a str),
    /// Anything else.
    Other,
}

/// Classifies a topic name, giving the symbol it names.
pub fn classify_topic(topic: &str) -> Topic<'_> {
    let Some((chan, rest)) = topic.split_once('.') else {
        return Topic::Other;
    };
    match chan {
        "orderbook" => match rest.split_once('.') {
            Some(("1", sym)) => Topic::Bbo(sym),
            Some((depth, sym))
                if depth == "full"
                    || (!depth.is_empty() && depth.bytes().all(|c| c.is_ascii_digit())) =>
            {
                Topic::Book(sym)
            }
            _ => Topic::Other,
        },
        "publicTrade" => Topic::Trade(rest),
        "kline" => match rest.split_once('.') {
            Some((_, sym)) => Topic::Kline(sym),
            None => Topic::Other,
        },
        "tickers" => Topic::Ticker(rest),
        _ => Topic::Other,
    }
}

/// Best bid and offer kept per instrument to merge partial updates (`tickers` deltas,
/// pre-2025 `orderbook.1` deltas). `known`: bits 0..4 = bid px, bid size, ask px, ask size.
#[derive(Clone, Copy, Debug, Default)]
struct BboState {
    v: [i64; 4],
    known: u8,
}

/// The Bybit frame parser (one per connection or shard), for one of the three Bybit venues.
#[derive(Debug)]
pub struct BybitParser {
    venue: Venue,
    symbols: SymbolCache,
    scratch: Vec<LevelSpan>,
    /// Per instrument id: the merged `tickers` best bid/offer.
    tickers: Vec<BboState>,
    /// Per instrument id: the merged `orderbook.1` best bid/offer.
    level1: Vec<BboState>,
    stats: ParseStats,
    fast: bool,
    fast_hits: u64,
}

impl BybitParser {
    /// A parser for `venue` (BybitSpot, BybitLinear or BybitInverse) over a shared instrument
    /// table.
    pub fn new(venue: Venue, instruments: Arc<Instruments>) -> Self {
        BybitParser {
            venue,
            symbols: SymbolCache::new(venue, instruments, DEFAULT_EXPONENTS),
            scratch: Vec::with_capacity(1024),
            tickers: Vec::new(),
            level1: Vec::new(),
            stats: ParseStats::default(),
            fast: true,
            fast_hits: 0,
        }
    }

    /// Turns the fast paths for `orderbook`, `orderbook.1` and `publicTrade` on (the default) or
    /// off (every frame through the general sonic-rs path; tests compare the two).
    pub fn set_fast_paths(&mut self, on: bool) {
        self.fast = on;
    }

    /// Frames the fast paths handled.
    pub fn fast_hits(&self) -> u64 {
        self.fast_hits
    }
}

impl FrameParser for BybitParser {
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
        let result = text(frame).and_then(|f| self.frame(f, ts_recv, out));
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
        let result = text(body).and_then(|b| self.rest(b, symbol, ts_recv, out));
        self.stats.account(result, before, out)
    }

    fn stats(&self) -> ParseStats {
        self.stats
    }
}

/// Whether the text is a JSON object (first non-blank byte `{`): serde would read structs from
/// arrays too.
pub(crate) fn is_object(text: &str) -> bool {
    text.bytes().find(|c| !c.is_ascii_whitespace()) == Some(b'{')
}

pub(crate) fn malformed(e: sonic_rs::Error) -> ParseError {
    ParseError::Malformed(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_classify() {
        assert_eq!(
            classify_topic("orderbook.200.BTCUSDT"),
            Topic::Book("BTCUSDT")
        );
        assert_eq!(classify_topic("orderbook.1.BTCUSDT"), Topic::Bbo("BTCUSDT"));
        assert_eq!(
            classify_topic("orderbook.1000.BTCUSDT"),
            Topic::Book("BTCUSDT")
        );
        assert_eq!(
            classify_topic("orderbook.full.BTCUSDT"),
            Topic::Book("BTCUSDT")
        );
        assert_eq!(
            classify_topic("publicTrade.BTCUSDT"),
            Topic::Trade("BTCUSDT")
        );
        assert_eq!(classify_topic("kline.D.BTCUSDT"), Topic::Kline("BTCUSDT"));
        assert_eq!(classify_topic("tickers.BTCUSDT"), Topic::Ticker("BTCUSDT"));
        for other in [
            "orderBookL2_25.BTCUSD",
            "trade.BTCUSD",
            "klineV2.1.BTCUSD",
            "candle.1.BTCUSDT",
            "instrument_info.100ms.BTCUSD",
            "allLiquidation.BTCUSDT",
            "orderbook.x.BTCUSDT",
            "orderbook",
            "kline.1",
            "",
        ] {
            assert_eq!(classify_topic(other), Topic::Other, "{other}");
        }
    }
}
