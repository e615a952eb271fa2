//! Dedupe: drops repeats of the same event arriving from several sources (redundant
//! connections, reconnect and rollover overlap, replays of overlapping captures).
//!
//! Identity is the venue's own: trade id (or aggregate id) per instrument, update id per
//! instrument for quotes, (interval, open time, event time, values) per instrument and interval
//! for candles. Book levels are deduped by
//! the book stage (an update already covered by the book is stale); status events are never
//! dropped.
//!
//! Memory is bounded: per stream a sliding window of the last [`WINDOW`] sequence numbers (one
//! bit each) above the highest seen.
//!
//! Some venues' ids are not ordered: Bybit derivatives' trade ids are UUIDs (`seq` = their first
//! 64 bits), Hyperliquid's `tid`s are not monotonic per coin. A window cannot judge those: the
//! first id it cannot place (further than [`WINDOW`] from the highest, ahead or behind) turns
//! the stream to exact memory of its last [`RECENT`] ids (seeded with the window's), and from
//! then on an id is a duplicate exactly when it is among them. A copy later than `RECENT`
//! distinct ids of the same stream is passed, never dropped: dropping a distinct event is worse
//! than a rare late duplicate.

use crate::event::{flags, Event, Kind};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// Width of the per-stream sequence window.
pub const WINDOW: u64 = 4096;
/// Ids remembered exactly per unordered stream.
pub const RECENT: usize = 512;
const WORDS: usize = (WINDOW / 64) as usize;
/// Candle updates remembered per instrument and interval for exact-duplicate checks.
const CANDLE_MEMORY: usize = 16;
/// Instrument-and-interval candle streams remembered at most (about 1.2 KiB each).
pub const MAX_CANDLE_STREAMS: usize = 16_384;

/// Counters of the dedupe stage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DedupeStats {
    /// Events passed on.
    pub passed: u64,
    /// Duplicates dropped.
    pub duplicates: u64,
    /// Streams whose ids a window could not place (unordered ids, or an id further than
    /// [`WINDOW`] from the highest): their ids are remembered exactly from then on.
    pub exact_streams: u64,
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

    /// The ids recorded, oldest first.
    fn ids(&self) -> impl Iterator<Item = u64> + '_ {
        let lo = self.hi.saturating_sub(WINDOW - 1);
        (lo..=self.hi).filter(move |&s| !self.empty && self.get(s))
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
    /// The interval (`aux`): a 5-minute candle equal to the 1-minute one that opened with it
    /// is not its duplicate.
    interval: u32,
    seq: u64,
    ts_exchange: i64,
    flags: u16,
    v: [i64; 5],
}

/// The last few candle updates of one instrument and interval (ring of exact keys) and the
/// next slot.
type RecentCandles = (usize, [Option<CandleKey>; CANDLE_MEMORY]);

/// The last [`RECENT`] ids of a stream whose ids are not ordered: a FIFO ring and a set.
#[derive(Debug)]
struct RecentIds {
    ring: Vec<u64>,
    next: usize,
    set: HashSet<u64, BuildHasherDefault<IdHasher>>,
}

impl RecentIds {
    fn new() -> Self {
        RecentIds {
            ring: Vec::with_capacity(RECENT),
            next: 0,
            set: HashSet::with_capacity_and_hasher(RECENT, Default::default()),
        }
    }

    /// Records `id`; whether it was new.
    fn insert(&mut self, id: u64) -> bool {
        if !self.set.insert(id) {
            return false;
        }
        if self.ring.len() < RECENT {
            self.ring.push(id);
        } else {
            let old = std::mem::replace(&mut self.ring[self.next], id);
            self.set.remove(&old);
            self.next = (self.next + 1) % RECENT;
        }
        true
    }
}

/// Multiplicative hashing of one `u64` (ids may be sequential or random).
#[derive(Default, Clone, Copy, Debug)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b) ^ self.0.rotate_left(8));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (v ^ (v >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 32)
    }
}

/// One id stream's memory: a window while its ids are ordered, exact recent ids once not.
#[derive(Debug, Default)]
struct StreamIds {
    window: SeqWindow,
    recent: Option<Box<RecentIds>>,
}

/// The dedupe stage.
#[derive(Debug, Default)]
pub struct Deduper {
    windows: HashMap<u64, StreamIds, BuildHasherDefault<KeyHasher>>,
    candles: HashMap<(u16, u32, u32), RecentCandles>,
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
        let ids = self
            .windows
            .entry(stream_key(ev.venue, ev.instrument, stream))
            .or_default();
        if let Some(recent) = &mut ids.recent {
            return recent.insert(ev.seq);
        }
        let w = &mut ids.window;
        if !w.empty && w.hi.abs_diff(ev.seq) >= WINDOW {
            // an id the window cannot place: remember ids exactly from now on
            let mut recent = Box::new(RecentIds::new());
            for seq in w.ids() {
                recent.insert(seq);
            }
            let new = recent.insert(ev.seq);
            ids.recent = Some(recent);
            self.stats.exact_streams += 1;
            return new;
        }
        match w.check(ev.seq) {
            Seen::New => true,
            Seen::Duplicate => false,
            Seen::OutOfWindow => {
                // not reached: ids the window cannot place switch the stream above
                true
            }
        }
    }

    fn candle(&mut self, ev: &Event) -> bool {
        let key = CandleKey {
            interval: ev.aux,
            seq: ev.seq,
            ts_exchange: ev.ts_exchange,
            flags: ev.flags & !(flags::FIRST | flags::LAST),
            v: ev.v,
        };
        let id = (ev.venue, ev.instrument, ev.aux);
        if self.candles.len() >= MAX_CANDLE_STREAMS && !self.candles.contains_key(&id) {
            // the interval is the venue's text: a venue inventing intervals must not grow this
            // without bound; past the cap a new stream passes unremembered (never dropped)
            return true;
        }
        let (next, recent) = self.candles.entry(id).or_insert((0, [None; CANDLE_MEMORY]));
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

    #[test]
    fn candle_memory_is_bounded_and_passes_what_it_cannot_remember() {
        let candle = |instrument: u32, interval: u32| Event {
            kind: Kind::Candle as u8,
            venue: Venue::Binance as u16,
            instrument,
            aux: interval,
            seq: 60_000,
            ..Event::default()
        };
        let mut d = Deduper::new();
        for i in 0..MAX_CANDLE_STREAMS as u32 + 100 {
            assert!(d.admit(&candle(1, i + 1)));
        }
        assert_eq!(d.candles.len(), MAX_CANDLE_STREAMS);
        // remembered streams still drop their repeats; the ones past the cap pass
        assert!(!d.admit(&candle(1, 1)));
        assert!(d.admit(&candle(1, MAX_CANDLE_STREAMS as u32 + 50)));
        assert!(d.admit(&candle(1, MAX_CANDLE_STREAMS as u32 + 50)));
    }

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
                exact_streams: 0
            }
        );
        // far ahead: the window cannot place it; ids are remembered exactly from here on,
        // the window's among them
        assert!(d.admit(&trade(100_000)));
        assert!(!d.admit(&trade(12)));
        assert!(d.admit(&trade(16)));
        assert!(!d.admit(&trade(16)));
        assert!(d.admit(&trade(100_000 - 4096 + 12)));
        assert!(!d.admit(&trade(100_000 - 4096 + 12)));
        assert_eq!(d.stats().exact_streams, 1);

        // an ordered stream and a straggler older than its window: remembered exactly from
        // then on (the window's last ids carried over)
        let mut d = Deduper::new();
        for s in 0..5_000 {
            assert!(d.admit(&trade(s)));
        }
        assert!(d.admit(&trade(500)));
        assert!(!d.admit(&trade(500)));
        assert!(!d.admit(&trade(4_999)));
        assert!(d.admit(&trade(5_000)));
        assert_eq!(d.stats().exact_streams, 1);
    }

    #[test]
    fn unordered_ids_are_remembered_exactly() {
        // UUID-derived ids (Bybit derivatives): random 64-bit values, each sent twice by
        // redundant connections, the copy a few trades later
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut ids = Vec::new();
        for _ in 0..5_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ids.push(x);
        }
        let mut d = Deduper::new();
        let (mut passed, mut dropped) = (0, 0);
        for (i, &id) in ids.iter().enumerate() {
            assert!(d.admit(&trade(id)), "first copy of trade {i}");
            passed += 1;
            if i >= 7 {
                assert!(
                    !d.admit(&trade(ids[i - 7])),
                    "second copy of trade {}",
                    i - 7
                );
                dropped += 1;
            }
        }
        assert_eq!(d.stats().passed, passed);
        assert_eq!(d.stats().duplicates, dropped);
        // the exact memory is bounded: an id RECENT distinct ids ago is forgotten (passed)
        assert!(d.admit(&trade(ids[ids.len() - RECENT - 1])));
        // a copy of the very first id, remembered by the window and carried over, was dropped
        let mut d = Deduper::new();
        assert!(d.admit(&trade(ids[0])));
        assert!(d.admit(&trade(ids[1])));
        assert!(!d.admit(&trade(ids[0])));
    }

    #[test]
    fn ordered_ids_keep_the_window() {
        let mut d = Deduper::new();
        for s in 1_000..3_000u64 {
            assert!(d.admit(&trade(s)));
            assert!(!d.admit(&trade(s - 3)) || s < 1_003);
        }
        assert!(d.windows.values().all(|ids| ids.recent.is_none()));
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

    #[test]
    fn candles_of_two_intervals_are_kept_apart() {
        let mut d = Deduper::new();
        // the first trade of 12:00 opens the 1m and the 5m candle with the same values
        let one = Event {
            kind: Kind::Candle as u8,
            venue: Venue::Okx as u16,
            instrument: 3,
            seq: 1_700_000_100_000,
            ts_exchange: 1_700_000_100_000_000_000,
            aux: 60,
            v: [10, 10, 10, 10, 1],
            ..Event::default()
        };
        let five = Event { aux: 300, ..one };
        assert!(d.admit(&one));
        assert!(
            d.admit(&five),
            "a 5m candle is not a duplicate of the 1m one"
        );
        assert!(!d.admit(&one));
        assert!(!d.admit(&five));
        // a burst of 1m updates does not push the 5m one out of memory
        for i in 0..2 * CANDLE_MEMORY as i64 {
            let mut u = one;
            u.ts_exchange += i + 1;
            assert!(d.admit(&u));
        }
        assert!(!d.admit(&five), "the 5m copy is still known");
        assert_eq!(d.stats().duplicates, 3);
    }
}
