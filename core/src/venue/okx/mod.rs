//! OKX v5: one parser for spot, swaps, futures and options (the `instId` tells them apart).
//!
//! * `wire`: borrowed views of the frames (also read by Bitget, which shares the envelope).
//! * `levels`: book levels → events with the venue's text digits and checksum (shared too).
//! * `fast`: one strict scanner pass over book and trade frames in the venues' compact form
//!   (shared too); anything else takes the general sonic-rs path, and both emit through the
//!   same code.
//! * `normalize`: wire → [`Event`]s; `subscribe`: the [`crate::venue::Protocol`].
//!
//! What each frame becomes:
//!
//! | frame | events |
//! |---|---|
//! | `books`, `books-l2-tbt`, `books50-l2-tbt` (`action` `snapshot`/`update`) | book levels: `seq` = `seqId`, `v[2]` = `v[3]` = `prevSeqId` (none: `seq` 0, `v[2]` 0, `v[3]` −1); a snapshot has `v[2]` = `prevSeqId` (−1) and `v[3]` = the depth the channel keeps (400, 50); the checksum (when not 0) on the `LAST` event |
//! | `books5` | a `TOP_N` snapshot |
//! | `bbo-tbt`, `tickers` | a quote (`seq` = `seqId`, else the book/ticker time in ms; an empty side is 0/0) |
//! | `trades`, `trades-all` | trades, `side` = the taker's side (OKX `side` is the taker's); `trades` with `count` > 1 are `AGGREGATED` over ids `tradeId − count + 1 ..= tradeId` (`tradeId` is the last of the aggregation) |
//! | `candle<bar>` (business endpoint) | candles, `CLOSED` when `confirm` is `"1"` (2022 rows have no `confirm`: never closed) |
//! | `{"event":"subscribe"/"unsubscribe"/"login"}` | [`Control::Ack`] (the echoed `id`, else −1) |
//! | `{"event":"error","code":"…"}` | [`Control::VenueError`] |
//! | `{"event":"notice"}` (service upgrade, 60 s before the disconnect) | [`Control::ServerShutdown`] |
//! | text `pong` | [`Control::Heartbeat`] |
//! | other channels (funding rate, open interest, mark price, `books-elp`, …), OKEx v3 `table` frames | [`Control::Ignored`], reason in [`OkxParser::ignored_reason`] |
//!
//! REST bodies (`{"code":"0","data":[…]}`): `/market/books` (a snapshot; `seqId` when sent),
//! `/market/trades`, `/market/candles` (needs the request's symbol), `/public/instruments`
//! (presets exponents, answers `Ignored`), errors (`code` ≠ `"0"`: `VenueError`).
//!
//! Exponents: OKX prints at most 8 decimals in the corpus, so instruments default to (−8, −8);
//! `/public/instruments` presets each instrument at its `tickSz` / `lotSz` digits plus two spare
//! digits (ticks change; books keep old levels), never finer than 10^−12.

pub(crate) mod fast;
mod levels;
mod normalize;
pub mod subscribe;
pub mod wire;

pub(crate) use levels::{checksum_bits, emit_book, BookMsg};
pub(crate) use normalize::{
    book_message, book_template, interval_of, non_negative, push_candle, push_quote, side_of,
    snapshot_flag, value, BookKind, Closing,
};
pub use subscribe::{unified_symbol, OkxProtocol, PROTOCOL};

use crate::event::{Event, Nanos, Venue};
use crate::instrument::{Instruments, SymbolCache};
use crate::venue::{text, Control, FrameParser, ParseError, ParseStats};
use std::sync::Arc;
use wire::LevelSpan;

/// Default exponents (price, size) of instruments whose metadata was not loaded.
pub const DEFAULT_EXPONENTS: (i8, i8) = (-8, -8);

/// Levels the `books` and `books-l2-tbt` channels keep per side.
pub const BOOKS_DEPTH: i64 = 400;
/// Levels the `books50-l2-tbt` channel keeps per side.
pub const BOOKS50_DEPTH: i64 = 50;

/// The OKX frame parser (one per connection or shard).
#[derive(Debug)]
pub struct OkxParser {
    symbols: SymbolCache,
    scratch: Vec<LevelSpan>,
    trades: Vec<fast::TradeSpan>,
    stats: ParseStats,
    ignored: &'static str,
    fast: bool,
    fast_hits: u64,
}

impl OkxParser {
    /// A parser over a shared instrument table.
    pub fn new(instruments: Arc<Instruments>) -> Self {
        OkxParser {
            symbols: SymbolCache::new(Venue::Okx, instruments, DEFAULT_EXPONENTS),
            scratch: Vec::with_capacity(1024),
            trades: Vec::with_capacity(64),
            stats: ParseStats::default(),
            ignored: "",
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

impl FrameParser for OkxParser {
    fn venue(&self) -> Venue {
        Venue::Okx
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
        let result = crate::venue::check_nesting(body)
            .and_then(|()| text(body))
            .and_then(|b| self.rest(b, symbol, ts_recv, out));
        self.stats.account(result, before, out)
    }

    fn stats(&self) -> ParseStats {
        self.stats
    }
}

/// Bar text (`1s`, `1m`, `1H`, `1D`, `1W`, `1M`, `3M`, with an optional `utc` suffix) to
/// seconds; months count 30 days. OKX and Bitget share the spelling.
pub fn bar_seconds(bar: &str) -> Option<u32> {
    let bar = bar
        .strip_suffix("utc")
        .or_else(|| bar.strip_suffix("UTC"))
        .unwrap_or(bar);
    // a venue's text: a multi-byte last character must not split (it would panic)
    if !bar.is_ascii() {
        return None;
    }
    let (n, unit) = bar.split_at(bar.len().checked_sub(1)?);
    if n.is_empty() || !n.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: u32 = n.parse().ok()?;
    let unit = match unit {
        "s" => 1,
        "m" => 60,
        "H" | "h" => 3_600,
        "D" | "d" => 86_400,
        "W" | "w" => 604_800,
        "M" => 2_592_000,
        _ => return None,
    };
    n.checked_mul(unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_seconds() {
        for (b, s) in [
            ("1s", 1),
            ("1m", 60),
            ("15m", 900),
            ("1H", 3600),
            ("12Hutc", 43200),
            ("1D", 86400),
            ("1Dutc", 86400),
            ("1W", 604800),
            ("1M", 2592000),
            ("3M", 7776000),
            ("4h", 14400),
        ] {
            assert_eq!(bar_seconds(b), Some(s), "{b}");
        }
        for b in ["", "m", "1x", "-1m", "1.5m", "99999999999m"] {
            assert_eq!(bar_seconds(b), None, "{b}");
        }
    }
}
