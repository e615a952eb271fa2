//! Faults the simulator injects, and the state of the ones still pending.

use std::time::Duration;

/// A fault to inject, on command ([`super::Simulator::inject`]) or on schedule
/// ([`super::SimConfig::faults`]).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Fault {
    /// Drop every client connection abruptly (TCP shutdown, no close frame).
    Disconnect,
    /// Stop producing and sending market data for this long; connections stay open and pings
    /// continue. The source pauses, so nothing is lost (books stay consistent afterwards). A new
    /// stall replaces the one in effect: `Stall(Duration::ZERO)` ends it now.
    Stall(Duration),
    /// Send each of the next `n` data frames twice.
    Duplicate(u32),
    /// Skip the next `n` depth diffs of one symbol (the first symbol whose diff comes next):
    /// a sequence gap. The server's own book (and REST snapshot) still includes them.
    Drop(u32),
    /// Swap the next two data frames of one stream (the stream of the next frame published;
    /// frames of other streams pass meanwhile).
    Reorder,
    /// Send the next `n` data frames truncated to half their length (broken JSON).
    Corrupt(u32),
    /// Send one text frame of exactly this many bytes (valid JSON, unknown event type) to every
    /// connection.
    Oversize(usize),
    /// Answer the next `n` REST requests with HTTP 429 and `Retry-After: 1`.
    RestRateLimit(u32),
    /// The next REST depth snapshot is an old one: its `lastUpdateId` is before every diff
    /// sent since the simulator started serving.
    StaleSnapshot,
}

/// Pending data-path faults (guarded by the hub's lock).
#[derive(Debug, Default)]
pub(crate) struct Pending {
    pub duplicate: u32,
    pub drop: u32,
    pub drop_symbol: Option<String>,
    /// The book change just dropped (symbol, sequence): its other renderings (a venue's
    /// several depth channels of the same change) are dropped too.
    pub dropped_change: Option<(String, u64)>,
    pub reorder: bool,
    pub corrupt: u32,
}

/// Pending REST faults.
#[derive(Debug, Default)]
pub(crate) struct RestPending {
    pub rate_limit: u32,
    pub stale: u32,
}
