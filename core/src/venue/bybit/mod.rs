//! PLACEHOLDER: this venue's parser, books and protocol are being written (issue #7). Until
//! they land every frame is counted as ignored.

use crate::event::{Event, Nanos, Venue};
use crate::instrument::Instruments;
use crate::venue::protocol::{Channel, Limits, Protocol, Resync};
use crate::venue::{Control, FrameParser, ParseError, ParseStats};
use std::sync::Arc;

/// Placeholder parser.
#[derive(Debug)]
pub struct BybitParser {
    venue: Venue,
    stats: ParseStats,
}

impl BybitParser {
    /// A parser over a shared instrument table.
    pub fn new(venue: Venue, instruments: Arc<Instruments>) -> Self {
        let _ = instruments;
        BybitParser {
            venue,
            stats: ParseStats::default(),
        }
    }
}

impl FrameParser for BybitParser {
    fn venue(&self) -> Venue {
        self.venue
    }
    fn parse_frame(
        &mut self,
        _f: &[u8],
        _t: Nanos,
        _o: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        self.stats.frames += 1;
        self.stats.ignored += 1;
        Ok(Control::Ignored)
    }
    fn parse_rest(
        &mut self,
        _b: &[u8],
        _s: Option<&str>,
        _t: Nanos,
        _o: &mut Vec<Event>,
    ) -> Result<Control, ParseError> {
        self.stats.ignored += 1;
        Ok(Control::Ignored)
    }
    fn stats(&self) -> ParseStats {
        self.stats
    }
}

/// Placeholder protocol.
#[derive(Debug)]
pub struct StubProtocol {
    venue: Venue,
    ws: &'static str,
    rest: &'static str,
}

/// Placeholder protocol of BybitSpot.
pub static SPOT: StubProtocol = StubProtocol {
    venue: Venue::BybitSpot,
    ws: "wss://stream.bybit.com",
    rest: "https://api.bybit.com",
};
/// Placeholder protocol of BybitLinear.
pub static LINEAR: StubProtocol = StubProtocol {
    venue: Venue::BybitLinear,
    ws: "wss://stream.bybit.com",
    rest: "https://api.bybit.com",
};
/// Placeholder protocol of BybitInverse.
pub static INVERSE: StubProtocol = StubProtocol {
    venue: Venue::BybitInverse,
    ws: "wss://stream.bybit.com",
    rest: "https://api.bybit.com",
};

impl Protocol for StubProtocol {
    fn venue(&self) -> Venue {
        self.venue
    }
    fn ws_origin(&self) -> &'static str {
        self.ws
    }
    fn ws_path(&self, _stream: &str) -> &'static str {
        ""
    }
    fn streams(&self, symbol: &str, channel: Channel) -> Vec<String> {
        vec![format!("{channel:?}:{symbol}")]
    }
    fn subscribe(&self, _s: &[String], _id: u64) -> Vec<String> {
        Vec::new()
    }
    fn unsubscribe(&self, _s: &[String], _id: u64) -> Vec<String> {
        Vec::new()
    }
    fn limits(&self) -> Limits {
        Limits {
            max_streams: 100,
            streams_per_msg: 10,
            max_msgs_per_sec: 5,
            lifetime_secs: 0,
            idle_timeout_secs: 0,
            rest_weight_per_minute: 600,
            snapshot_weight: 1,
        }
    }
    fn rest_origin(&self) -> &'static str {
        self.rest
    }
    fn resync(&self, _symbol: &str) -> Resync {
        Resync::None
    }
    fn unified_symbol(&self, native: &str) -> String {
        native.to_string()
    }
}
