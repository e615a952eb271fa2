//! Venues: one folder each (`wire`, `normalize`, `subscribe`, book rules), and the registry
//! that maps a [`Venue`] to its parser.
//!
//! A parser is sans-IO: it takes one frame's bytes and its receive stamp and appends normalized
//! [`Event`]s to a caller-owned buffer. It never allocates in steady state (the output buffer and
//! its own scratch space are reused), never panics on input, and classifies every frame as data,
//! a control message (ack, error reply, shutdown notice), ignored (an unknown type, counted) or
//! malformed (an error the caller reports as a status event).

pub mod binance;

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
    }
}
