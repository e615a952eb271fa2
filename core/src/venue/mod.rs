//! Venues: one folder each (`wire`, `normalize`, `subscribe`, book rules), and the registry
//! that maps a [`Venue`] to its parser.
//!
//! A parser is sans-IO: it takes one frame's bytes and its receive stamp and appends normalized
//! [`Event`]s to a caller-owned buffer. It never allocates in steady state (the output buffer and
//! its own scratch space are reused), never panics on input, and classifies every frame as data,
//! a control message (ack, error reply, shutdown notice), ignored (an unknown type, counted) or
//! malformed (an error the caller reports as a status event).

pub mod binance;
pub mod bitget;
pub mod bybit;
pub mod coinbase;
pub mod gateio;
pub mod hyperliquid;
pub mod json;
pub mod kraken;
pub mod okx;
pub mod protocol;
pub mod scan;

pub use protocol::{protocol_for, Channel, Protocol};

use crate::decimal::DecimalError;
use crate::event::{Event, InstrumentId, Nanos, Venue};
use crate::instrument::Instruments;
use std::fmt;
use std::sync::Arc;

/// What a frame was, when it was not malformed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Control {
    /// Market data: events were appended.
    Data,
    /// A subscribe/unsubscribe acknowledgement for request `id`.
    Ack {
        /// The request id echoed by the venue (`-1` when absent or not an integer).
        id: i64,
    },
    /// The answer to a "list subscriptions" request.
    SubscriptionList {
        /// Request id.
        id: i64,
        /// Stream names the venue says are active.
        streams: Vec<String>,
    },
    /// The venue rejected a request.
    VenueError {
        /// The venue's error code.
        code: i64,
        /// The venue's message.
        msg: String,
    },
    /// The venue will close the connection soon: reconnect (make-before-break).
    ServerShutdown,
    /// A heartbeat or pong from the venue (OKX `pong`, Bybit `{"op":"pong"}`, Coinbase
    /// `heartbeats`, Kraken `heartbeat`): proof of life, no market data.
    Heartbeat,
    /// A well-formed message of a type this parser does not handle: counted and ignored.
    Ignored,
}

/// Why a frame produced no (or not all of its) events.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// Not valid JSON, or not the shape the venue documents.
    Malformed(String),
    /// A number did not fit the instrument's exponent or `i64`; the event was withheld.
    Value {
        /// The instrument the value belonged to.
        instrument: InstrumentId,
        /// The venue sequence of the withheld event.
        seq: u64,
        /// What went wrong.
        error: DecimalError,
    },
}

impl ParseError {
    /// Whether the frame itself was broken (as opposed to one value being out of range).
    pub fn is_malformed(&self) -> bool {
        matches!(self, ParseError::Malformed(_))
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Malformed(m) => write!(f, "malformed frame: {m}"),
            ParseError::Value {
                instrument,
                seq,
                error,
            } => {
                write!(
                    f,
                    "value out of range (instrument {}, seq {seq}): {error}",
                    instrument.0
                )
            }
        }
    }
}

impl std::error::Error for ParseError {}

/// Counters every parser keeps (plain integers: a parser is single-threaded).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParseStats {
    /// Frames handed to the parser.
    pub frames: u64,
    /// Events appended.
    pub events: u64,
    /// Control messages (acks, lists, error replies, shutdown notices).
    pub control: u64,
    /// Well-formed frames of unknown type (ignored).
    pub ignored: u64,
    /// Malformed frames.
    pub malformed: u64,
    /// Values that did not fit (events withheld).
    pub out_of_range: u64,
}

impl ParseStats {
    /// Counts one frame (or REST body) and what became of it, and makes it all or nothing: a
    /// frame that fails leaves none of its events in `out` (never half a book update).
    /// `before` is `out.len()` before the frame; returns `result`.
    #[inline]
    pub(crate) fn account(
        &mut self,
        result: Result<Control, ParseError>,
        before: usize,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        self.frames += 1;
        match &result {
            Ok(Control::Data) => {}
            Ok(Control::Ignored) => self.ignored += 1,
            Ok(_) => self.control += 1,
            Err(ParseError::Malformed(_)) => self.malformed += 1,
            Err(_) => self.out_of_range += 1,
        }
        if result.is_err() {
            out.truncate(before);
        }
        self.events += (out.len() - before) as u64;
        result
    }
}

/// A text frame's UTF-8 check (RFC 6455 text frames are UTF-8; checked once, so the JSON
/// readers after it can skip their own).
#[inline]
pub(crate) fn text(frame: &[u8]) -> Result<&str, ParseError> {
    std::str::from_utf8(frame)
        .map_err(|e| ParseError::Malformed(format!("frame is not UTF-8: {e}")))
}

/// A venue's frame parser: the interface the io shards and replay drive.
pub trait FrameParser: Send {
    /// The venue this parser reads.
    fn venue(&self) -> Venue;
    /// Parses one WebSocket text frame, appending events to `out`.
    fn parse_frame(
        &mut self,
        frame: &[u8],
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError>;
    /// Parses one REST response body, classified by its content (depth snapshot, trades,
    /// klines, error, metadata). `symbol` names the instrument when the request knew it (REST
    /// bodies often do not carry it). A depth snapshot whose instrument is unknown is emitted
    /// with [`InstrumentId::NONE`] at the venue's default exponents; the book stage assigns it
    /// to the book whose buffered diffs it bridges.
    fn parse_rest(
        &mut self,
        body: &[u8],
        symbol: Option<&str>,
        ts_recv: Nanos,
        out: &mut Vec<Event>,
    ) -> Result<Control, ParseError>;
    /// Counters so far.
    fn stats(&self) -> ParseStats;
}

/// The parser for `venue` over a shared instrument table. Adding a venue is a folder and one
/// line here.
pub fn parser_for(venue: Venue, instruments: Arc<Instruments>) -> Box<dyn FrameParser> {
    match venue {
        Venue::Binance | Venue::BinanceUsdm | Venue::BinanceCoinm => {
            Box::new(binance::BinanceParser::new(venue, instruments))
        }
        Venue::Okx => Box::new(okx::OkxParser::new(instruments)),
        Venue::BybitSpot | Venue::BybitLinear | Venue::BybitInverse => {
            Box::new(bybit::BybitParser::new(venue, instruments))
        }
        Venue::Coinbase => Box::new(coinbase::CoinbaseParser::new(instruments)),
        Venue::Kraken => Box::new(kraken::KrakenParser::new(instruments)),
        Venue::Gateio | Venue::GateioFutures => {
            Box::new(gateio::GateioParser::new(venue, instruments))
        }
        Venue::Bitget | Venue::BitgetFutures => {
            Box::new(bitget::BitgetParser::new(venue, instruments))
        }
        Venue::Hyperliquid => Box::new(hyperliquid::HyperliquidParser::new(instruments)),
    }
}

/// Deepest JSON nesting a parser accepts (venues nest 4 deep at most).
pub const MAX_NESTING: usize = 64;
/// Frames up to this size skip the nesting scan: nesting needs a byte per level, and 512
/// levels fit every thread stack we run parsers on.
const NESTING_SCAN_ABOVE: usize = 512;

/// Refuses frames nested deeper than [`MAX_NESTING`]. sonic-rs validates skipped values
/// (unknown fields, ignored array elements) recursively with no depth limit, so a hostile
/// `[[[[…]]]]` of some ten thousand levels would overflow the stack: this check runs first.
/// Small frames cost nothing; larger ones a count of their opening brackets; only frames with
/// more than `MAX_NESTING` of them get the exact, string-aware scan.
pub fn check_nesting(frame: &[u8]) -> Result<(), ParseError> {
    if frame.len() <= NESTING_SCAN_ABOVE
        || memchr::memchr2_iter(b'[', b'{', frame)
            .nth(MAX_NESTING)
            .is_none()
    {
        return Ok(());
    }
    let mut depth = 0usize;
    let mut i = 0;
    while i < frame.len() {
        match frame[i] {
            b'"' => {
                i += 1;
                loop {
                    match memchr::memchr2(b'"', b'\\', &frame[i.min(frame.len())..]) {
                        Some(p) if frame[i + p] == b'\\' => i += p + 2,
                        Some(p) => {
                            i += p + 1;
                            break;
                        }
                        None => return Ok(()), // unterminated string: the parser reports it
                    }
                }
                continue;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(ParseError::Malformed(format!(
                        "JSON nested deeper than {MAX_NESTING} levels"
                    )));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_bounded_and_strings_do_not_count() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(check_nesting(deep(300).as_bytes()).is_err());
        assert!(check_nesting(deep(64).as_bytes()).is_ok());
        let padded = format!("{{\"pad\":\"{}\",\"x\":{}}}", " ".repeat(600), deep(63));
        assert!(check_nesting(padded.as_bytes()).is_ok());
        // closers inside strings cannot hide real depth
        let sneaky = format!("[\"{}\",{}]", "]".repeat(600), deep(100));
        assert!(check_nesting(sneaky.as_bytes()).is_err());
        // brackets inside strings do not count, escaped quotes do not end strings
        let quoted = format!("[\"\\\"{}\"]", "[".repeat(600));
        assert!(check_nesting(quoted.as_bytes()).is_ok());
        // many flat levels (a 5000-level snapshot) are fine
        let wide = format!("[{}]", vec!["[\"1\",\"2\"]"; 5000].join(","));
        assert!(check_nesting(wide.as_bytes()).is_ok());
    }
}
