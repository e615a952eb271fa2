//! Dedupe: drops repeats of the same event arriving from several sources (redundant
//! connections, reconnect and rollover overlap, replays of overlapping captures).
//!
//! Identity is the venue's own: trade id (or aggregate id) per instrument, update id per
//! instrument for quotes, (open time, event time, values) for candles. Book levels are deduped by
//! the book stage (an update already covered by the book is stale); status events are never
//! dropped.
//!
//! Memory is bounded: per stream a sliding window of the last [`WINDOW`] sequence numbers (one
//! bit each) above the highest seen. An event older than the window cannot be checked; it is
//! **passed**, never dropped, and counted as a window miss, because dropping a distinct event is
//! worse than a rare late duplicate.

use crate::event::{flags, Event, Kind};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Width of the per-stream sequence window.
pub const WINDOW: u64 = 4096;
const WORDS: usize = (WINDOW / 64) as usize;
/// Candle updates remembered per instrument for exact-duplicate checks.
const CANDLE_MEMORY: usize = 16;

/// Counters of the dedupe stage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DedupeStats {
    /// Events passed on.
    pub passed: u64,
    /// Duplicates dropped.
    pub duplicates: u64,
    /// Events older than the window, passed unchecked.
    pub window_misses: u64,
}

/// A sliding bitmap over sequence numbers `(hi - WINDOW, hi]`.
#[derive(Clone, Debug)]
pub struct SeqWindow {
    hi: u64,
    bits: [u64; WORDS],
    empty: bool,
}

/// What a window says about a sequence number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    /// Never seen: now recorded.
    New,
    /// Seen before.
    Duplicate,
    /// Too old to know.
    OutOfWindow,
}

impl Default for SeqWindow {
    fn default() -> Self {
        SeqWindow {
            hi: 0,
            bits: [0; WORDS],
            empty: true,
        }
    }
}

impl SeqWindow {
    /// Records `seq`, saying whether it was new.
    pub fn check(&mut self, seq: u64) -> Seen {
        if self.empty {
            self.empty = false;
            self.hi = seq;
            self.set(seq);
            return Seen::New;
        }
        if seq > self.hi {
            let advance = seq - self.hi;
            if advance >= WINDOW {
                self.bits = [0; WORDS];
            } else {
                self.clear_range(self.hi + 1, seq);
            }
            self.hi = seq;
            self.set(seq);
            return Seen::New;
        }
        if self.hi - seq >= WINDOW {
            return Seen::OutOfWindow;
        }
        if self.get(seq) {
            Seen::Duplicate
        } else {
            self.set(seq);
            Seen::New
        }
    }

    fn slot(seq: u64) -> (usize, u64) {
        let i = seq % WINDOW;
        ((i / 64) as usize, 1u64 << (i % 64))
    }
    fn get(&self, seq: u64) -> bool {
        let (w, b) = Self::slot(seq);
        self.bits[w] & b != 0
    }
    fn set(&mut self, seq: u64) {
        let (w, b) = Self::slot(seq);
        self.bits[w] |= b;
    }
    /// Clears `from..=to` (fewer than `WINDOW` numbers), a word at a time: quote update ids
    /// often move on by tens or hundreds at once.
    fn clear_range(&mut self, from: u64, to: u64) {
        let mut s = from;
        while s <= to {
            let i = s % WINDOW;
            let bit = i % 64;
            let n = (64 - bit).min(to - s + 1);
            let mask = if n == 64 {
                u64::MAX
            } else {
                ((1u64 << n) - 1) << bit
            };
            self.bits[(i / 64) as usize] &= !mask;
            s += n;
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Stream {
    Trade,
    AggTrade,
    Quote,
}

/// A stream's key packed in one word: venue, instrument, stream.
fn stream_key(venue: u16, instrument: u32, stream: Stream) -> u64 {
    (u64::from(venue) << 40) | (u64::from(instrument) << 8) | stream as u64
}

/// One multiply for the packed stream keys (FxHash's constant): the keys are ours, not an
/// attacker's, and SipHash cost more than the window check itself.
#[derive(Default, Clone, Copy, Debug)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct CandleKey {
    seq: u64,
    ts_exchange: i64,
    flags: u16,
    v: [i64; 5],
}

/// The last few candle updates of one instrument (ring of exact keys) and the next slot.
type RecentCandles = (usize, [Option<CandleKey>; CANDLE_MEMORY]);

/// The dedupe stage.
#[derive(Debug, Default)]
pub struct Deduper {
    windows: HashMap<u64, SeqWindow, BuildHasherDefault<KeyHasher>>,
    candles: HashMap<(u16, u32), RecentCandles>,
    stats: DedupeStats,
}

impl Deduper {
    /// An empty dedupe stage.
    pub fn new() -> Self {
        Deduper::default()
    }

    /// Whether `ev` should pass (first copy) or be dropped (a repeat).
    pub fn admit(&mut self, ev: &Event) -> bool {
        let pass = match ev.kind() {
            Some(Kind::Trade) => {
                let stream = if ev.has(flags::AGGREGATED) {
                    Stream::AggTrade
                } else {
                    Stream::Trade
                };
                self.window(ev, stream)
            }
            Some(Kind::Quote) => self.window(ev, Stream::Quote),
            Some(Kind::Candle) => self.candle(ev),
            _ => true,
        };
        if pass {
            self.stats.passed += 1;
        } else {
            self.stats.duplicates += 1;
        }
        pass
    }

    /// Counters.
    pub fn stats(&self) -> DedupeStats {
        self.stats
    }

    fn window(&mut self, ev: &Event, stream: Stream) -> bool {
        let w = self
            .windows
            .entry(stream_key(ev.venue, ev.instrument, stream))
            .or_default();
        match w.check(ev.seq) {
            Seen::New => true,
            Seen::Duplicate => false,
            Seen::OutOfWindow => {
                self.stats.window_misses += 1;
                true
            }
        }
    }

    fn candle(&mut self, ev: &Event) -> bool {
        let key = CandleKey {
            seq: ev.seq,
            ts_exchange: ev.ts_exchange,
            flags: ev.flags & !(flags::FIRST | flags::LAST),
            v: ev.v,
        };
        let (next, recent) = self
            .candles
            .entry((ev.venue, ev.instrument))
            .or_insert((0, [None; CANDLE_MEMORY]));
        if recent.contains(&Some(key)) {
            return false;
        }
        recent[*next] = Some(key);
        *next = (*next + 1) % CANDLE_MEMORY;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Venue;

    fn trade(seq: u64) -> Event {
        Event {
            kind: Kind::Trade as u8,
            venue: Venue::Binance as u16,
            seq,
            ..Event::default()
        }
    }

    #[test]
    fn window_drops_repeats_and_keeps_late_distinct_events() {
        let mut d = Deduper::new();
        for s in [10, 11, 12, 11, 10, 15, 13, 14, 13] {
            d.admit(&trade(s));
        }
        assert_eq!(
            d.stats(),
            DedupeStats {
                passed: 6,
                duplicates: 3,
                window_misses: 0
            }
        );
        // far ahead, then an old one: passed, counted
        assert!(d.admit(&trade(100_000)));
        assert!(d.admit(&trade(12)));
        assert_eq!(d.stats().window_misses, 1);
        // the window wrapped: ids in it were cleared, not confused with old bits
        assert!(d.admit(&trade(100_000 - 4096 + 12)));
        assert!(!d.admit(&trade(100_000 - 4096 + 12)));
    }

    #[test]
    fn advancing_clears_exactly_the_numbers_left_behind() {
        for advance in [1, 63, 64, 65, 150, 1000, WINDOW - 1] {
            let mut w = SeqWindow::default();
            for s in 1000..1000 + WINDOW {
                assert_eq!(w.check(s), Seen::New);
            }
            let hi = 1000 + WINDOW - 1;
            assert_eq!(w.check(hi + advance), Seen::New);
            for s in hi + 1..hi + advance {
                assert_eq!(w.check(s), Seen::New, "advance {advance}, seq {s}");
            }
            for s in hi + advance + 1 - WINDOW..=hi {
                assert_eq!(w.check(s), Seen::Duplicate, "advance {advance}, seq {s}");
            }
            assert_eq!(w.check(hi + advance - WINDOW), Seen::OutOfWindow);
        }
    }

    #[test]
    fn streams_are_separate_per_instrument_and_kind() {
        let mut d = Deduper::new();
        let mut agg = trade(5);
        agg.flags = flags::AGGREGATED;
        let mut other = trade(5);
        other.instrument = 1;
        let mut quote = trade(5);
        quote.kind = Kind::Quote as u8;
        assert!(d.admit(&trade(5)));
        assert!(d.admit(&agg));
        assert!(d.admit(&other));
        assert!(d.admit(&quote));
        assert!(!d.admit(&quote));
    }

    #[test]
    fn candles_drop_exact_repeats_only() {
        let mut d = Deduper::new();
        let mut c = Event {
            kind: Kind::Candle as u8,
            seq: 60_000,
            ts_exchange: 1,
            v: [1, 2, 3, 4, 5],
            ..Event::default()
        };
        assert!(d.admit(&c));
        assert!(!d.admit(&c));
        c.ts_exchange = 2;
        assert!(d.admit(&c));
        c.v[4] = 6;
        assert!(d.admit(&c));
        let mut st = Event::status_event(
            Venue::Binance,
            crate::InstrumentId(0),
            crate::StatusCode::Gap,
            crate::Nanos(0),
            1,
            1,
            1,
        );
        assert!(d.admit(&st));
        st.seq = 0;
        assert!(d.admit(&st));
    }
}
