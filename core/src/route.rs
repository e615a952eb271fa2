//! Route: subscriptions by venue / instrument / kind into per-consumer SPSC rings, each with its
//! own overflow policy.
//!
//! The router is the single producer of every consumer ring. When a ring is full, events wait
//! in that consumer's bounded *backlog* (sized at start-up); when the backlog is full too, the
//! consumer's [`Overflow`] policy decides what is lost. Every loss is counted and reported to
//! that consumer, in band, as a [`StatusCode::DroppedByConsumer`] status event carrying the
//! exact count (`v[0]`); the report itself is never dropped: counts accumulate until the ring
//! has room for it, and it is delivered before any later event.
//!
//! Memory is bounded whatever the load: ring + backlog per consumer.

use crate::event::{Event, InstrumentId, Kind, Nanos, StatusCode, Venue};
use crate::ring::{self, Consumer, Producer};
use std::collections::{HashMap, HashSet, VecDeque};

/// What to do when a consumer's ring and backlog are both full.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Overflow {
    /// Discard the incoming event (the default: the consumer keeps a contiguous past).
    #[default]
    DropNewest,
    /// Discard the oldest waiting event to make room.
    DropOldest,
    /// Quotes and book levels replace the waiting event with the same key (instrument; plus side
    /// and price for book levels), so the consumer gets the latest state; other kinds fall back to
    /// `DropOldest`. Each replaced event counts as dropped.
    Conflate,
    /// Wait for the consumer (spin, then yield). Never the default: a stuck consumer stalls
    /// every other consumer of this router.
    Block,
}

/// A set of kinds, as bits of [`Kind::bit`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KindMask(pub u8);

impl KindMask {
    /// Every kind.
    pub const ALL: KindMask = KindMask(0xff);
    /// No kind.
    pub const NONE: KindMask = KindMask(0);
    /// Adds a kind.
    pub const fn with(self, k: Kind) -> KindMask {
        KindMask(self.0 | k.bit())
    }
    /// Whether `k` is in the set.
    pub const fn contains(self, k: u8) -> bool {
        k < 8 && self.0 & (1 << k) != 0
    }
}

/// Which events a consumer receives. Status events about an instrument follow that
/// instrument's filter; connection-level status (no instrument) goes to every consumer that
/// takes [`Kind::Status`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    /// Venues (`None`: all).
    pub venues: Option<Vec<Venue>>,
    /// Instruments (`None`: all).
    pub instruments: Option<HashSet<InstrumentId>>,
    /// Kinds.
    pub kinds: KindMask,
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            venues: None,
            instruments: None,
            kinds: KindMask::ALL,
        }
    }
}

impl Filter {
    /// Whether `ev` passes.
    pub fn matches(&self, ev: &Event) -> bool {
        if !self.kinds.contains(ev.kind) {
            return false;
        }
        if let Some(v) = &self.venues {
            if !v.iter().any(|v| *v as u16 == ev.venue) {
                return false;
            }
        }
        match &self.instruments {
            Some(set) if ev.instrument != InstrumentId::NONE.0 => set.contains(&ev.instrument()),
            _ => true,
        }
    }
}

/// A consumer's settings.
#[derive(Clone, Debug)]
pub struct ConsumerConfig {
    /// Ring capacity (rounded up to a power of two).
    pub capacity: usize,
    /// Backlog held by the router when the ring is full.
    pub backlog: usize,
    /// Policy when ring and backlog are full.
    pub overflow: Overflow,
    /// What the consumer receives.
    pub filter: Filter,
}

impl Default for ConsumerConfig {
    fn default() -> Self {
        ConsumerConfig {
            capacity: 1 << 16,
            backlog: 1 << 14,
            overflow: Overflow::DropNewest,
            filter: Filter::default(),
        }
    }
}

/// Per-consumer counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConsumerStats {
    /// Events delivered into the ring.
    pub delivered: u64,
    /// Events lost (dropped or conflated).
    pub lost: u64,
    /// Loss reports delivered.
    pub loss_reports: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct ConflateKey {
    instrument: u32,
    venue: u16,
    kind: u8,
    side: u8,
    px: i64,
}

struct Slot {
    producer: Producer<Event>,
    config: ConsumerConfig,
    backlog: VecDeque<Event>,
    /// Absolute position of `backlog[0]` (for the conflation index).
    base: u64,
    conflate: HashMap<ConflateKey, u64>,
    /// Losses not yet reported.
    unreported: u64,
    last_venue: u16,
    stats: ConsumerStats,
}

/// Identifies a consumer of a [`Router`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConsumerId(pub usize);

/// Fans events out to consumers.
#[derive(Default)]
pub struct Router {
    slots: Vec<Option<Slot>>,
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("consumers", &self.slots.iter().flatten().count())
            .finish()
    }
}

impl Router {
    /// A router with no consumer.
    pub fn new() -> Self {
        Router::default()
    }

    /// Adds a consumer; returns its id and the consuming half of its ring.
    pub fn add_consumer(&mut self, config: ConsumerConfig) -> (ConsumerId, Consumer<Event>) {
        let (producer, consumer) = ring::channel(config.capacity.max(2));
        let backlog = config.backlog;
        let slot = Slot {
            producer,
            backlog: VecDeque::with_capacity(backlog),
            base: 0,
            conflate: if config.overflow == Overflow::Conflate {
                HashMap::with_capacity(backlog)
            } else {
                HashMap::new()
            },
            config,
            unreported: 0,
            last_venue: 0,
            stats: ConsumerStats::default(),
        };
        self.slots.push(Some(slot));
        (ConsumerId(self.slots.len() - 1), consumer)
    }

    /// Removes a consumer (its ring's consumer half sees `is_abandoned()`).
    pub fn remove_consumer(&mut self, id: ConsumerId) {
        if let Some(s) = self.slots.get_mut(id.0) {
            *s = None;
        }
    }

    /// Counters of a consumer.
    pub fn consumer_stats(&self, id: ConsumerId) -> Option<ConsumerStats> {
        self.slots.get(id.0)?.as_ref().map(|s| s.stats)
    }

    /// The smallest number of events every consumer can take right now without any loss or
    /// backlog (ring free space, minus what already waits). Used by single-threaded drivers
    /// (replay) to pace themselves instead of losing events.
    pub fn free_min(&self) -> usize {
        self.slots
            .iter()
            .flatten()
            .map(|s| {
                s.producer
                    .free_len()
                    .saturating_sub(s.backlog.len() + usize::from(s.unreported > 0))
            })
            .min()
            .unwrap_or(usize::MAX)
    }

    /// Routes one event to every consumer whose filter matches.
    pub fn route(&mut self, ev: &Event) {
        for slot in self.slots.iter_mut().flatten() {
            if slot.config.filter.matches(ev) {
                slot.offer(*ev);
            }
        }
    }

    /// Moves backlogged events (and pending loss reports) into rings that have room. Call it
    /// whenever the router is idle; [`Router::route`] also does it per consumer.
    pub fn flush(&mut self) {
        for slot in self.slots.iter_mut().flatten() {
            slot.drain_backlog();
        }
    }

    /// Drops consumers whose consuming half is gone.
    pub fn reap(&mut self) {
        for s in &mut self.slots {
            if s.as_ref().is_some_and(|s| s.producer.is_abandoned()) {
                *s = None;
            }
        }
    }
}

impl Slot {
    fn offer(&mut self, ev: Event) {
        self.last_venue = ev.venue;
        self.drain_backlog();
        if self.backlog.is_empty() && self.unreported == 0 {
            match self.producer.push(ev) {
                Ok(()) => {
                    self.stats.delivered += 1;
                    return;
                }
                Err(_) if self.producer.is_abandoned() => return,
                Err(_) => {}
            }
        }
        if self.config.overflow == Overflow::Block {
            self.block_until_room(ev);
            return;
        }
        if self.backlog.len() < self.config.backlog {
            self.enqueue(ev);
            return;
        }
        let overflow = self.config.overflow;
        match overflow {
            Overflow::DropNewest => self.lose(1),
            Overflow::Conflate if self.try_conflate(&ev) => {}
            Overflow::DropOldest | Overflow::Conflate => {
                if self.backlog.pop_front().is_some() {
                    self.base += 1;
                    self.lose(1);
                    self.enqueue(ev);
                } else {
                    // zero-sized backlog: the newest is all we can drop
                    self.lose(1);
                }
            }
            Overflow::Block => unreachable!("handled above"),
        }
    }

    fn enqueue(&mut self, ev: Event) {
        if self.config.overflow == Overflow::Conflate {
            if let Some(key) = conflate_key(&ev) {
                self.conflate
                    .insert(key, self.base + self.backlog.len() as u64);
            }
        }
        self.backlog.push_back(ev);
    }

    fn try_conflate(&mut self, ev: &Event) -> bool {
        let Some(key) = conflate_key(ev) else {
            return false;
        };
        match self.conflate.get(&key) {
            Some(&pos) if pos >= self.base => {
                let i = (pos - self.base) as usize;
                if let Some(slot) = self.backlog.get_mut(i) {
                    *slot = *ev;
                    self.lose(1);
                    return true;
                }
                false
            }
            _ => false,
        }
    }

    fn lose(&mut self, n: u64) {
        self.unreported += n;
        self.stats.lost += n;
    }

    fn drain_backlog(&mut self) {
        loop {
            if self.unreported > 0 {
                let venue = Venue::from_u16(self.last_venue).unwrap_or(Venue::Binance);
                let mut report = Event::status_event(
                    venue,
                    InstrumentId::NONE,
                    StatusCode::DroppedByConsumer,
                    Nanos(0),
                    self.unreported as i64,
                    self.stats.lost as i64,
                    0,
                );
                report.ts_recv = self.backlog.front().map_or(0, |e| e.ts_recv);
                if self.producer.push(report).is_err() {
                    return;
                }
                self.unreported = 0;
                self.stats.loss_reports += 1;
            }
            let Some(front) = self.backlog.front() else {
                return;
            };
            if self.producer.push(*front).is_err() {
                return;
            }
            self.backlog.pop_front();
            self.base += 1;
            self.stats.delivered += 1;
        }
    }

    fn block_until_room(&mut self, ev: Event) {
        let mut spins = 0u32;
        loop {
            self.drain_backlog();
            if self.backlog.is_empty() && self.unreported == 0 && self.producer.push(ev).is_ok() {
                self.stats.delivered += 1;
                return;
            }
            if self.producer.is_abandoned() {
                return;
            }
            spins += 1;
            if spins < 128 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }
}

fn conflate_key(ev: &Event) -> Option<ConflateKey> {
    match ev.kind() {
        Some(Kind::Quote) => Some(ConflateKey {
            instrument: ev.instrument,
            venue: ev.venue,
            kind: ev.kind,
            side: 0,
            px: 0,
        }),
        Some(Kind::BookLevel) => Some(ConflateKey {
            instrument: ev.instrument,
            venue: ev.venue,
            kind: ev.kind,
            side: ev.side,
            px: ev.v[0],
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trade(seq: u64) -> Event {
        Event {
            kind: Kind::Trade as u8,
            venue: Venue::Binance as u16,
            seq,
            ..Event::default()
        }
    }

    fn drain(c: &mut Consumer<Event>) -> Vec<Event> {
        std::iter::from_fn(|| c.pop()).collect()
    }

    fn cfg(overflow: Overflow) -> ConsumerConfig {
        ConsumerConfig {
            capacity: 4,
            backlog: 2,
            overflow,
            filter: Filter::default(),
        }
    }

    #[test]
    fn drop_newest_reports_the_exact_count_before_later_events() {
        let mut r = Router::new();
        let (id, mut c) = r.add_consumer(cfg(Overflow::DropNewest));
        for s in 0..10 {
            r.route(&trade(s));
        }
        // ring 4 + backlog 2 kept; 4 lost
        let got = drain(&mut c);
        assert_eq!(
            got.iter().map(|e| e.seq).collect::<Vec<_>>(),
            vec![0, 1, 2, 3]
        );
        r.flush();
        let got = drain(&mut c);
        let status = got[0];
        assert_eq!(status.status(), Some(StatusCode::DroppedByConsumer));
        assert_eq!(status.v[0], 4);
        assert_eq!(
            got[1..].iter().map(|e| e.seq).collect::<Vec<_>>(),
            vec![4, 5]
        );
        r.route(&trade(10));
        assert_eq!(drain(&mut c)[0].seq, 10);
        assert_eq!(
            r.consumer_stats(id).unwrap(),
            ConsumerStats {
                delivered: 7,
                lost: 4,
                loss_reports: 1
            }
        );
    }

    #[test]
    fn drop_oldest_keeps_the_newest() {
        let mut r = Router::new();
        let (_, mut c) = r.add_consumer(cfg(Overflow::DropOldest));
        for s in 0..10 {
            r.route(&trade(s));
        }
        drain(&mut c);
        r.flush();
        let got = drain(&mut c);
        assert_eq!(got[0].v[0], 4);
        assert_eq!(
            got[1..].iter().map(|e| e.seq).collect::<Vec<_>>(),
            vec![8, 9]
        );
    }

    #[test]
    fn conflate_replaces_the_waiting_quote() {
        let mut r = Router::new();
        let (_, mut c) = r.add_consumer(cfg(Overflow::Conflate));
        let mut q = trade(0);
        q.kind = Kind::Quote as u8;
        for s in 0..4 {
            r.route(&trade(s));
        }
        for (s, inst) in [(10, 1), (11, 2), (12, 1), (13, 1)] {
            q.seq = s;
            q.instrument = inst;
            r.route(&q);
        }
        drain(&mut c);
        r.flush();
        let got = drain(&mut c);
        assert_eq!(got[0].v[0], 2, "two quotes of instrument 1 were replaced");
        assert_eq!(
            got[1..]
                .iter()
                .map(|e| (e.instrument, e.seq))
                .collect::<Vec<_>>(),
            vec![(1, 13), (2, 11)]
        );
    }

    #[test]
    fn filters_select_by_kind_venue_and_instrument() {
        let mut r = Router::new();
        let only_quotes = Filter {
            kinds: KindMask::NONE.with(Kind::Quote).with(Kind::Status),
            ..Filter::default()
        };
        let (_, mut qc) = r.add_consumer(ConsumerConfig {
            filter: only_quotes,
            ..ConsumerConfig::default()
        });
        let inst1 = Filter {
            instruments: Some([InstrumentId(1)].into()),
            venues: Some(vec![Venue::Binance]),
            ..Filter::default()
        };
        let (_, mut ic) = r.add_consumer(ConsumerConfig {
            filter: inst1,
            ..ConsumerConfig::default()
        });
        let mut q = trade(1);
        q.kind = Kind::Quote as u8;
        q.instrument = 1;
        r.route(&trade(0));
        r.route(&q);
        let mut other_venue = q;
        other_venue.venue = Venue::BinanceUsdm as u16;
        r.route(&other_venue);
        r.route(&Event::status_event(
            Venue::Binance,
            InstrumentId::NONE,
            StatusCode::Disconnected,
            Nanos(0),
            0,
            0,
            0,
        ));
        assert_eq!(drain(&mut qc).len(), 3);
        assert_eq!(
            drain(&mut ic).iter().map(|e| e.kind).collect::<Vec<_>>(),
            vec![Kind::Quote as u8, Kind::Status as u8]
        );
    }

    #[test]
    fn block_waits_for_a_consumer_thread() {
        let mut r = Router::new();
        let (_, mut c) = r.add_consumer(ConsumerConfig {
            capacity: 2,
            backlog: 0,
            overflow: Overflow::Block,
            filter: Filter::default(),
        });
        let t = std::thread::spawn(move || {
            let mut seen = Vec::new();
            while seen.len() < 1000 {
                if let Some(e) = c.pop() {
                    seen.push(e.seq);
                }
            }
            seen
        });
        for s in 0..1000 {
            r.route(&trade(s));
        }
        assert_eq!(t.join().unwrap(), (0..1000).collect::<Vec<_>>());
    }
}
