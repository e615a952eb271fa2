//! Gate.io API v4: spot ([`Venue::Gateio`]) and USDT-margined futures
//! ([`Venue::GateioFutures`]).
//!
//! * `wire`: borrowed views of the JSON frames.
//! * `normalize`: wire → [`Event`]s (exact decimals, ns timestamps, taker side).
//! * `fast`: scanner fast paths for the hot frames (order book diffs, trades, book tickers).
//! * `subscribe`: endpoints, stream keys, control frames, limits ([`GateProtocol`]).
//!
//! Frames are classified by the envelope's `channel` (`spot.*` for the spot parser,
//! `futures.*` for the futures parser; the other market's frames are ignored) and `event`:
//!
//! | frame | events |
//! |---|---|
//! | `*.order_book_update` | book diffs: `seq` = `u`, `v[2]` = `U`, `v[3]` = -1; `full: true` is a snapshot (depth `l`) |
//! | `*.obu` (Order Book V2) | `full: true` snapshot (`seq` = `u`, depth from `ob.<sym>.<depth>`), then diffs |
//! | `spot.order_book`, legacy `futures.order_book` `all` | top-N snapshots (`TOP_N`) |
//! | `*.trades` | trades; spot `side` is the taker's, futures `size` > 0 taker bought, < 0 sold |
//! | `*.book_ticker` | quotes (`seq` = `u`, the depth id space) |
//! | `*.candlesticks` | candles (`CLOSED` on `w: true`); spot volume = base amount `a` |
//! | `*.ping` / `*.pong` | [`Control::Heartbeat`] |
//! | `subscribe`/`unsubscribe` | [`Control::Ack`]; `error` objects and `status: fail` → [`Control::VenueError`] |
//! | `*.tickers`, legacy v3 `method` frames, other channels | [`Control::Ignored`] |
//!
//! REST bodies ([`FrameParser::parse_rest`]): order books (`with_id=true` gives the id the
//! diffs chain onto; the symbol comes from the request), trades, candles, error bodies
//! (`{"label","message"}`), and `/spot/currency_pairs` / `/futures/{settle}/contracts`, which
//! preset exponents.
//!
//! Books follow [`crate::book::SyncRule::BinanceSpot`], which is Gate's documented rule for
//! both markets: drop diffs with `u <= id`, start at the one with `U <= id + 1 <= u`, then
//! `U == prev.u + 1`.

mod fast;
mod normalize;
pub mod subscribe;
pub mod wire;

pub use normalize::interval_seconds;
pub use subscribe::{GateProtocol, FUTURES, SPOT};

use crate::event::{Event, Nanos, Venue};
use crate::instrument::{Instruments, SymbolCache};
use crate::venue::{text, Control, FrameParser, ParseError, ParseStats};
use normalize::DepthSource;
use std::sync::Arc;
use wire::LevelSpan;

/// Default exponents (price, size) of spot pairs whose metadata was not loaded: Gate keeps
/// prices and amounts with 10 decimals (trades print `"0.2010000000"`, books hold sizes such
/// as `152.9783789102`); sizes up to 9.2 × 10^8 fit.
pub const SPOT_EXPONENTS: (i8, i8) = (-10, -10);
/// Default exponents of futures contracts: prices with 10 decimals, sizes in whole contracts
/// (JSON integers).
pub const FUTURES_EXPONENTS: (i8, i8) = (-10, 0);

/// The channel of a frame, for this parser's market.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelKind {
    /// `*.trades` (and the deprecated `spot.trades_v2`).
    Trades,
    /// `*.book_ticker`.
    BookTicker,
    /// `*.order_book_update`.
    OrderBookUpdate,
    /// `*.obu` (Order Book V2).
    Obu,
    /// `spot.order_book` (top-N snapshots), legacy `futures.order_book`.
    OrderBook,
    /// `*.candlesticks`.
    Candles,
    /// `*.tickers` (24 h statistics: ignored).
    Tickers,
    /// `*.ping` / `*.pong`.
    Ping,
    /// Anything else, including the other market's channels.
    Other,
}

/// Classifies a channel name for the spot (`futures == false`) or the futures parser.
pub fn classify_channel(channel: &str, futures: bool) -> ChannelKind {
    let prefix = if futures { "futures." } else { "spot." };
    let Some(name) = channel.strip_prefix(prefix) else {
        return ChannelKind::Other;
    };
    match name {
        "trades" | "trades_v2" => ChannelKind::Trades,
        "book_ticker" => ChannelKind::BookTicker,
        "order_book_update" => ChannelKind::OrderBookUpdate,
        "obu" => ChannelKind::Obu,
        "order_book" => ChannelKind::OrderBook,
        "candlesticks" => ChannelKind::Candles,
        "tickers" => ChannelKind::Tickers,
        "ping" | "pong" => ChannelKind::Ping,
        _ => ChannelKind::Other,
    }
}

/// The Gate.io frame parser (one per connection or shard), spot or futures.
#[derive(Debug)]
pub struct GateioParser {
    venue: Venue,
    futures: bool,
    default_exps: (i8, i8),
    symbols: SymbolCache,
    scratch: Vec<LevelSpan>,
    stats: ParseStats,
    fast: bool,
    fast_hits: u64,
}

impl GateioParser {
    /// A parser for [`Venue::Gateio`] or [`Venue::GateioFutures`] over a shared instrument
    /// table (any other venue is read as spot).
    pub fn new(venue: Venue, instruments: Arc<Instruments>) -> Self {
        let futures = venue == Venue::GateioFutures;
        let default_exps = if futures {
            FUTURES_EXPONENTS
        } else {
            SPOT_EXPONENTS
        };
        GateioParser {
            venue,
            futures,
            default_exps,
            symbols: SymbolCache::new(venue, instruments, default_exps),
            scratch: Vec::with_capacity(1024),
            stats: ParseStats::default(),
            fast: true,
            fast_hits: 0,
        }
    }

    /// Turns the fast paths on (the default) or off (every frame through sonic-rs; tests
    /// compare the two).
    pub fn set_fast_paths(&mut self, on: bool) {
        self.fast = on;
    }

    /// Frames the fast paths handled.
    pub fn fast_hits(&self) -> u64 {
        self.fast_hits
    }

    fn frame(
        &mut self,
        frame: &str,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        if self.fast {
            if let Some(r) = self.fast_path(frame, ts_recv, out) {
                self.fast_hits += 1;
                return r;
            }
        }
        crate::venue::check_nesting(frame.as_bytes())?;
        if frame.bytes().find(|c| !c.is_ascii_whitespace()) != Some(b'{') {
            // valid JSON that is not an envelope (a REST-style array, a bare value): not ours
            return match sonic_rs::from_str::<serde::de::IgnoredAny>(frame) {
                Ok(_) => Ok(Control::Ignored),
                Err(e) => Err(malformed(e)),
            };
        }
        let env: wire::Envelope<'_> = sonic_rs::from_str(frame).map_err(malformed)?;
        self.envelope(&env, ts_recv, out)
    }

    fn envelope(
        &mut self,
        env: &wire::Envelope<'_>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        use sonic_rs::JsonValueTrait;
        if env.method.is_some() {
            // the legacy v3 API (`trades.update`, `depth.update`): not read
            return Ok(Control::Ignored);
        }
        if let Some(err) = env.error.as_ref().filter(|e| !e.is_null()) {
            let e: wire::ErrorObject<'_> =
                sonic_rs::from_str(err.as_raw_str()).map_err(malformed)?;
            return Ok(Control::VenueError {
                code: e.code.unwrap_or(0),
                msg: e.message.unwrap_or_default().to_owned(),
            });
        }
        let channel = env.channel.unwrap_or_default();
        let event = env.event.unwrap_or_default();
        let kind = classify_channel(channel, self.futures);
        let result = env.result.as_ref().filter(|r| !r.is_null());
        match event {
            "subscribe" | "unsubscribe" => {
                let status = match result {
                    Some(r) if r.is_object() => {
                        sonic_rs::from_str::<wire::AckResult<'_>>(r.as_raw_str())
                            .map_err(malformed)?
                            .status
                    }
                    _ => None,
                };
                if status == Some("fail") {
                    return Ok(Control::VenueError {
                        code: 0,
                        msg: format!("{event} {channel}: fail"),
                    });
                }
                Ok(Control::Ack {
                    id: Self::request_id(env.id.as_ref()),
                })
            }
            _ if kind == ChannelKind::Ping => Ok(Control::Heartbeat),
            "update" | "all" => {
                let ts_env = normalize::envelope_ns(env.time_ms, env.time);
                let raw = match result {
                    Some(r) => r.as_raw_str(),
                    None if matches!(kind, ChannelKind::Other | ChannelKind::Tickers) => {
                        return Ok(Control::Ignored)
                    }
                    None => {
                        return Err(ParseError::Malformed(format!(
                            "{channel} {event} without a result"
                        )))
                    }
                };
                self.data(kind, event, raw, ts_env, ts_recv, out)
            }
            _ => Ok(Control::Ignored),
        }
    }

    fn data(
        &mut self,
        kind: ChannelKind,
        event: &str,
        raw: &str,
        ts_env: i64,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        let (ts, o) = (ts_recv, out);
        match kind {
            ChannelKind::Trades => self.trades(raw, ts_env, ts, o),
            ChannelKind::BookTicker => {
                let t: wire::BookTicker<'_> = sonic_rs::from_str(raw).map_err(malformed)?;
                self.quote(&t, ts_env, ts, o)
            }
            ChannelKind::OrderBookUpdate => {
                self.depth(raw, DepthSource::Update, None, ts_env, ts, o)
            }
            ChannelKind::Obu => self.depth(raw, DepthSource::Obu, None, ts_env, ts, o),
            // legacy `futures.order_book` `update` pushes per-order changes: not a book
            ChannelKind::OrderBook if event == "update" && raw.trim_start().starts_with('[') => {
                Ok(Control::Ignored)
            }
            ChannelKind::OrderBook => self.depth(raw, DepthSource::TopN, None, ts_env, ts, o),
            ChannelKind::Candles => self.candles(raw, ts_env, ts, o),
            ChannelKind::Tickers | ChannelKind::Ping | ChannelKind::Other => Ok(Control::Ignored),
        }
    }
}

impl FrameParser for GateioParser {
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
        let result = crate::venue::check_nesting(body)
            .and_then(|()| text(body))
            .and_then(|body| self.rest(body, symbol, ts_recv, out));
        self.stats.account(result, before, out)
    }

    fn stats(&self) -> ParseStats {
        self.stats
    }
}

fn malformed(e: sonic_rs::Error) -> ParseError {
    ParseError::Malformed(e.to_string())
}

#[cfg(test)]
mod tests;
