//! An io shard: one thread, optionally pinned, with its own `mio::Poll`, its sessions, and one
//! SPSC ring into the route stage.

use super::session::{CloseReason, Session, SessionConfig};
use super::WaitPolicy;
use crate::event::{Event, InstrumentId, StatusCode, Venue};
use crate::instrument::Instruments;
use crate::ring::Producer;
use crate::sys;
use mio::{Events, Poll, Token, Waker};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(crate) const WAKER: Token = Token(usize::MAX);

/// What the engine asks of a shard.
pub(crate) enum Command {
    Subscribe {
        venue: Venue,
        streams: Vec<String>,
    },
    Unsubscribe {
        venue: Venue,
        streams: Vec<String>,
    },
    /// Book resync on venues that send a snapshot on subscribe.
    Resubscribe {
        venue: Venue,
        streams: Vec<String>,
    },
}

/// Counters a shard publishes (Relaxed: statistics only).
#[derive(Debug, Default)]
pub struct ShardCounters {
    /// Text frames read.
    pub frames: AtomicU64,
    /// Bytes read.
    pub bytes: AtomicU64,
    /// WebSocket handshakes completed.
    pub connects: AtomicU64,
    /// Connections lost.
    pub disconnects: AtomicU64,
    /// Events that did not fit the shard's ring (reported in band).
    pub ring_drops: AtomicU64,
    /// Rollovers (make-before-break replacements).
    pub rollovers: AtomicU64,
    /// Malformed frames.
    pub malformed: AtomicU64,
    /// Socket read → into the route ring, ns: p50, p99, p99.9, max (refreshed every second).
    pub stage_ns: [AtomicU64; 4],
}

/// How a parked consumer is woken: the shard unparks it after publishing, only when it
/// says it is parked (one atomic load per publish otherwise).
#[derive(Debug, Default)]
pub(crate) struct Waiter {
    pub parked: AtomicBool,
    pub thread: std::sync::Mutex<Option<std::thread::Thread>>,
}

impl Waiter {
    pub fn wake(&self) {
        // the first publish after the consumer parked unparks it; the next ones (frame by frame)
        // find the flag cleared and cost one load
        if self.parked.load(Ordering::SeqCst) && self.parked.swap(false, Ordering::SeqCst) {
            if let Ok(t) = self.thread.lock() {
                if let Some(t) = t.as_ref() {
                    t.unpark();
                }
            }
        }
    }
}

pub(crate) struct ShardSetup {
    pub index: usize,
    pub pin: bool,
    pub wait: WaitPolicy,
    pub sessions: Vec<(u16, SessionConfig)>,
    pub instruments: Arc<Instruments>,
    pub ring: Producer<Event>,
    pub commands: Receiver<Command>,
    pub poll: Poll,
    pub shutdown: Arc<AtomicBool>,
    pub counters: Arc<ShardCounters>,
    pub last_error: Arc<std::sync::Mutex<Option<String>>>,
    pub waiter: Arc<Waiter>,
    /// Stage timing (a benchmark aid, off by default): before each batch goes into `ring`,
    /// `(events pushed into the ring so far including this batch, publish time in ns)`.
    pub stamps: Option<Producer<(u64, i64)>>,
    /// Events pushed into `ring` so far (counted only with `stamps`).
    pub pushed: u64,
}

struct Slot {
    session: Session,
    /// The session replacing this one (rollover), by index.
    successor: Option<usize>,
    /// When the old session of a rollover may close: the successor has delivered data and both
    /// have run side by side for [`OVERLAP`], so nothing in flight on the old one is lost.
    handover_at: Option<Instant>,
    /// A rollover successor holds its events until the old session has drained and closed, so
    /// each instrument's events stay in order (the successor runs ahead of the old one).
    holding: bool,
    held: Vec<Event>,
    /// Readiness seen while the shard was backlogged: read when it clears (edge-triggered).
    pending_read: bool,
    cfg: SessionConfig,
}

/// Events a shard keeps while its ring is full before it drops (and reports) the excess.
const MAX_BACKLOG: usize = 1 << 20;

/// A successor holding more than this hands over at once (memory stays bounded).
const MAX_HELD: usize = 1 << 20;

/// How long a rollover runs both connections after the new one delivers data (dedupe absorbs
/// the duplicates).
const OVERLAP: Duration = Duration::from_millis(500);

pub(crate) fn run(mut s: ShardSetup) {
    if s.pin {
        sys::pin_current_thread(s.index);
    }
    let mut slots: Vec<Slot> = s
        .sessions
        .drain(..)
        .enumerate()
        .map(|(i, (conn, cfg))| Slot {
            session: Session::new(conn, Token(i), cfg.clone(), s.instruments.clone()),
            successor: None,
            handover_at: None,
            holding: false,
            held: Vec::new(),
            pending_read: false,
            cfg,
        })
        .collect();
    let mut events = Events::with_capacity(256);
    let mut out: Vec<Event> = Vec::with_capacity(1 << 14);
    let mut pending_drops = 0u64;
    let mut stage = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 2).ok();
    let mut stage_published = Instant::now();
    let mut next_conn = slots
        .iter()
        .map(|sl| sl.session.conn)
        .max()
        .unwrap_or(0)
        .wrapping_add(1);
    let mut next_timer = Instant::now();
    loop {
        let now = Instant::now();
        let timeout = match s.wait {
            WaitPolicy::Spin => Duration::ZERO,
            // a session stopped at its read budget: its data is waiting, read it now
            _ if out.is_empty() && slots.iter().any(|sl| sl.pending_read) => Duration::ZERO,
            // backlogged: give the route stage a moment
            _ if !out.is_empty() => Duration::from_micros(100),
            _ => next_timer
                .saturating_duration_since(now)
                .min(Duration::from_millis(50)),
        };
        if let Err(e) = s.poll.poll(&mut events, Some(timeout)) {
            if e.kind() != std::io::ErrorKind::Interrupted {
                set_error(
                    &s.last_error,
                    format!("shard {}: poll failed: {e}", s.index),
                );
                break;
            }
        }
        let registry = s.poll.registry();
        let backlogged = !out.is_empty();
        // events go out frame by frame as they are parsed (not after the whole read)
        let mut eager = |out: &mut Vec<Event>| {
            if !out.is_empty() {
                record_stage(&mut stage, out, &s.counters, &mut stage_published);
                push_out(&mut s.ring, &mut s.stamps, &mut s.pushed, &s.waiter, out);
            }
        };
        for ev in events.iter() {
            if ev.token() == WAKER {
                continue;
            }
            if backlogged {
                // the route stage is behind: leave the data in the socket (TCP backpressure);
                // mio is edge-triggered, so remember to read this session next round
                if let Some(slot) = slots.get_mut(ev.token().0) {
                    slot.pending_read = true;
                }
                continue;
            }
            if let Some(slot) = slots.get_mut(ev.token().0) {
                slot.pending_read = if slot.holding {
                    slot.session.on_ready(registry, &mut slot.held)
                } else {
                    slot.session
                        .on_ready_publishing(registry, &mut out, Some(&mut eager))
                };
            }
        }
        if !backlogged {
            for slot in slots.iter_mut().filter(|sl| sl.pending_read) {
                slot.pending_read = if slot.holding {
                    slot.session.on_ready(registry, &mut slot.held)
                } else {
                    slot.session
                        .on_ready_publishing(registry, &mut out, Some(&mut eager))
                };
            }
        }
        // what was read goes out now: commands and timers can wait, the consumer should not
        if !backlogged && !out.is_empty() {
            record_stage(&mut stage, &out, &s.counters, &mut stage_published);
            publish(&mut s, &slots, &mut out, &mut pending_drops);
        }
        let registry = s.poll.registry();
        // commands
        loop {
            match s.commands.try_recv() {
                Ok(Command::Subscribe { venue, streams }) => {
                    if let Some(slot) = slots
                        .iter_mut()
                        .find(|sl| sl.cfg.venue == venue && !sl.session.is_done())
                    {
                        slot.session.subscribe(&streams);
                    }
                }
                Ok(Command::Unsubscribe { venue, streams }) => {
                    for slot in slots.iter_mut().filter(|sl| sl.cfg.venue == venue) {
                        slot.session.unsubscribe(&streams);
                    }
                }
                Ok(Command::Resubscribe { venue, streams }) => {
                    for slot in slots
                        .iter_mut()
                        .filter(|sl| sl.cfg.venue == venue && !sl.session.is_done())
                    {
                        slot.session.resubscribe(&streams);
                    }
                }
                Err(TryRecvError::Empty) | Err(TryRecvError::Disconnected) => break,
            }
        }
        // timers, rollover
        let now = Instant::now();
        next_timer = now + Duration::from_millis(50);
        let mut spawn = Vec::new();
        for i in 0..slots.len() {
            let slot = &mut slots[i];
            let sink = if slot.holding {
                &mut slot.held
            } else {
                &mut out
            };
            if let Some(t) = slot.session.tick(registry, now, sink) {
                next_timer = next_timer.min(t);
            }
            if slots[i].session.rollover_due
                && slots[i].successor.is_none()
                && !slots[i].session.is_done()
            {
                spawn.push(i);
            }
            if let Some(j) = slots[i].successor {
                // make before break: the new one delivers data, both run for OVERLAP, then the
                // old one drains what it has and closes
                if slots[j].session.has_data && !slots[i].session.is_done() {
                    let at = *slots[i].handover_at.get_or_insert(now + OVERLAP);
                    let old_gone = !slots[i].session.is_open();
                    if now >= at || old_gone || slots[j].held.len() > MAX_HELD {
                        slots[i].session.on_ready(registry, &mut out);
                        slots[i]
                            .session
                            .retire(registry, CloseReason::Rollover, &mut out);
                        let mut held = std::mem::take(&mut slots[j].held);
                        out.append(&mut held);
                        slots[j].holding = false;
                        s.counters.rollovers.fetch_add(1, Ordering::Relaxed);
                    } else {
                        next_timer = next_timer.min(at);
                    }
                }
            }
        }
        for i in spawn {
            let cfg = slots[i].session.current_config();
            let token = Token(slots.len());
            let conn = next_conn;
            next_conn = next_conn.wrapping_add(1);
            let mut session = Session::new(conn, token, cfg.clone(), s.instruments.clone());
            session.tick(registry, now, &mut out);
            slots.push(Slot {
                session,
                successor: None,
                handover_at: None,
                holding: true,
                held: Vec::new(),
                pending_read: false,
                cfg,
            });
            let j = slots.len() - 1;
            slots[i].successor = Some(j);
        }
        record_stage(&mut stage, &out, &s.counters, &mut stage_published);
        publish(&mut s, &slots, &mut out, &mut pending_drops);
        if s.shutdown.load(Ordering::Acquire) {
            for slot in &mut slots {
                slot.session
                    .retire(s.poll.registry(), CloseReason::Shutdown, &mut out);
            }
            publish(&mut s, &slots, &mut out, &mut pending_drops);
            break;
        }
    }
}

/// Socket read → published, per event (the shard's stage histogram).
fn record_stage(
    stage: &mut Option<hdrhistogram::Histogram<u64>>,
    out: &[Event],
    counters: &ShardCounters,
    published: &mut Instant,
) {
    let Some(h) = stage.as_mut() else {
        return;
    };
    if !out.is_empty() {
        let now = sys::now().0;
        for e in out {
            if e.ts_recv > 0 && now > e.ts_recv {
                let _ = h.record((now - e.ts_recv) as u64);
            }
        }
    }
    if published.elapsed() >= Duration::from_secs(1) && !h.is_empty() {
        *published = Instant::now();
        for (slot, q) in counters.stage_ns.iter().zip([0.5, 0.99, 0.999, 1.0]) {
            slot.store(h.value_at_quantile(q), Ordering::Relaxed);
        }
    }
}

fn set_error(slot: &std::sync::Mutex<Option<String>>, msg: String) {
    if let Ok(mut g) = slot.lock() {
        *g = Some(msg);
    }
}

/// Pushes this round's events into the ring; what does not fit waits in `out` for the next
/// round (see [`MAX_BACKLOG`]).
fn publish(s: &mut ShardSetup, slots: &[Slot], out: &mut Vec<Event>, pending_drops: &mut u64) {
    let mut frames = 0;
    let mut bytes = 0;
    let mut connects = 0;
    let mut disconnects = 0;
    let mut malformed = 0;
    for sl in slots {
        let st = sl.session.stats();
        frames += st.frames;
        bytes += st.bytes;
        connects += st.connects;
        disconnects += st.disconnects;
        malformed += st.malformed;
        if let Some(e) = &sl.session.last_error {
            set_error(&s.last_error, e.clone());
        }
    }
    s.counters.frames.store(frames, Ordering::Relaxed);
    s.counters.bytes.store(bytes, Ordering::Relaxed);
    s.counters.connects.store(connects, Ordering::Relaxed);
    s.counters.disconnects.store(disconnects, Ordering::Relaxed);
    s.counters.malformed.store(malformed, Ordering::Relaxed);
    if *pending_drops > 0 {
        let venue = slots.first().map_or(Venue::Binance, |sl| sl.cfg.venue);
        let report = Event::status_event(
            venue,
            InstrumentId::NONE,
            StatusCode::DroppedByConsumer,
            sys::now(),
            *pending_drops as i64,
            0,
            0,
        );
        if s.ring.push(report).is_ok() {
            *pending_drops = 0;
            s.pushed += 1;
        }
    }
    // What does not fit stays in `out` (the shard stops reading sockets meanwhile, so TCP
    // pushes back on the venue); beyond MAX_BACKLOG events it is dropped, counted and reported.
    push_out(&mut s.ring, &mut s.stamps, &mut s.pushed, &s.waiter, out);
    if out.len() > MAX_BACKLOG {
        let lost = (out.len() - MAX_BACKLOG) as u64;
        out.truncate(MAX_BACKLOG);
        *pending_drops += lost;
        s.counters.ring_drops.fetch_add(lost, Ordering::Relaxed);
    }
}

/// Moves as many of `out`'s events as fit into the route ring (in order) and wakes a parked
/// consumer.
fn push_out(
    ring: &mut Producer<Event>,
    stamps: &mut Option<Producer<(u64, i64)>>,
    pushed: &mut u64,
    waiter: &Waiter,
    out: &mut Vec<Event>,
) {
    let done = if ring.is_abandoned() {
        out.len()
    } else if let Some(stamps) = stamps.as_mut() {
        // the stamp goes first, so the consumer finds it when it pops these events; only
        // what fits now is announced (the producer's free space can only grow meanwhile)
        let n = out.len().min(ring.free_len());
        if n > 0 {
            *pushed += n as u64;
            let _ = stamps.push((*pushed, sys::now().0));
            ring.push_slice(&out[..n])
        } else {
            0
        }
    } else {
        ring.push_slice(out)
    };
    if done == out.len() {
        out.clear();
    } else {
        out.drain(..done);
    }
    if done > 0 {
        waiter.wake();
    }
}

/// A shard's waker, to interrupt its poll for commands and shutdown.
pub(crate) fn waker(poll: &Poll) -> std::io::Result<Arc<Waker>> {
    Ok(Arc::new(Waker::new(poll.registry(), WAKER)?))
}
