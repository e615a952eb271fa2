//! The stale-stream watchdog, sans-IO: it learns each stream's usual pace (per instrument and
//! kind, an exponentially weighted mean of the gaps between events) and reports a stream that
//! has been silent for much longer than that: `max(floor, factor × mean gap)`. A busy BBO stream
//! is declared stale after a fraction of a second of silence, a quiet candle stream only after
//! minutes. Each silence is reported once; the stream is live again at its next event.
//!
//! Connection-level silence (a dead socket) is the session's own, coarser, watchdog.

use crate::event::{Event, InstrumentId, Kind, Nanos, StatusCode, Venue};

/// Settings.
#[derive(Clone, Copy, Debug)]
pub struct WatchConfig {
    /// Never stale before this much silence (ns).
    pub floor: i64,
    /// Stale after this many mean gaps of silence.
    pub factor: i64,
    /// Events seen before a stream's pace is trusted.
    pub warmup: u32,
}

impl Default for WatchConfig {
    fn default() -> Self {
        WatchConfig {
            floor: 2_000_000_000,
            factor: 20,
            warmup: 20,
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Stream {
    last: i64,
    mean_gap: i64,
    seen: u32,
    stale: bool,
    venue: u16,
}

/// Per-stream pace and silence.
#[derive(Debug, Default)]
pub struct Watchdog {
    config: WatchConfig,
    /// Indexed by instrument × kind slot (trade, quote, book, candle).
    streams: Vec<Stream>,
}

fn slot(kind: u8) -> Option<usize> {
    match Kind::from_u8(kind)? {
        Kind::Trade => Some(0),
        Kind::Quote => Some(1),
        Kind::BookLevel => Some(2),
        Kind::Candle => Some(3),
        Kind::Status => None,
    }
}

impl Watchdog {
    /// A watchdog with these settings.
    pub fn new(config: WatchConfig) -> Self {
        Watchdog {
            config,
            streams: Vec::new(),
        }
    }

    /// Notes an event's arrival at `now` (ns).
    #[inline]
    pub fn on_event(&mut self, ev: &Event, now: i64) {
        let Some(k) = slot(ev.kind) else { return };
        if ev.instrument == InstrumentId::NONE.0 {
            return;
        }
        let i = ev.instrument as usize * 4 + k;
        if i >= self.streams.len() {
            self.streams.resize(i + 1, Stream::default());
        }
        let s = &mut self.streams[i];
        if s.seen > 0 {
            let gap = (now - s.last).max(0);
            // EWMA with weight 1/8
            s.mean_gap = if s.seen == 1 {
                gap
            } else {
                s.mean_gap + (gap - s.mean_gap) / 8
            };
        }
        s.last = now;
        s.seen = s.seen.saturating_add(1);
        s.stale = false;
        s.venue = ev.venue;
    }

    /// Appends a `Stale` status event for every stream silent past its limit at `now`
    /// (`v[0]` = silence in ms, `v[1]` = the stream's kind, `v[2]` = its usual gap in µs).
    pub fn check(&mut self, now: i64, out: &mut Vec<Event>) {
        let c = self.config;
        for (i, s) in self.streams.iter_mut().enumerate() {
            if s.seen < c.warmup || s.stale {
                continue;
            }
            let limit = c.floor.max(s.mean_gap.saturating_mul(c.factor));
            let silent = now - s.last;
            if silent > limit {
                s.stale = true;
                let kind = [Kind::Trade, Kind::Quote, Kind::BookLevel, Kind::Candle][i % 4] as i64;
                let venue = Venue::from_u16(s.venue).unwrap_or(Venue::Binance);
                let mut e = Event::status_event(
                    venue,
                    InstrumentId((i / 4) as u32),
                    StatusCode::Stale,
                    Nanos(now),
                    silent / 1_000_000,
                    kind,
                    s.mean_gap / 1000,
                );
                e.ts_recv = now;
                out.push(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(inst: u32, kind: Kind) -> Event {
        Event {
            kind: kind as u8,
            instrument: inst,
            venue: Venue::Binance as u16,
            ..Event::default()
        }
    }

    #[test]
    fn each_stream_is_judged_by_its_own_pace() {
        let ms = 1_000_000i64;
        let mut w = Watchdog::new(WatchConfig {
            floor: 100 * ms,
            factor: 10,
            warmup: 5,
        });
        // fast quotes every 10 ms, slow trades every 1 s
        let mut t = 0;
        for i in 0..100 {
            t = i * 10 * ms;
            w.on_event(&ev(0, Kind::Quote), t);
            if i % 100 == 0 || i % 100 == 50 {
                w.on_event(&ev(0, Kind::Trade), t);
            }
        }
        for i in 0..6 {
            w.on_event(&ev(1, Kind::Trade), i * 1000 * ms);
        }
        let mut out = Vec::new();
        // 150 ms of quote silence: > max(100 ms, 10 × 10 ms): stale
        w.check(t + 150 * ms, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(
            (out[0].instrument, out[0].v[1], out[0].status()),
            (0, Kind::Quote as i64, Some(StatusCode::Stale))
        );
        // reported once
        w.check(t + 300 * ms, &mut out);
        assert_eq!(out.len(), 1);
        // the slow stream (1 s pace) is not stale after 5 s of quiet, but is after 11 s
        out.clear();
        w.check(5_000 * ms + 5_000 * ms, &mut out);
        assert!(out.iter().all(|e| e.instrument != 1));
        w.check(5_000 * ms + 11_000 * ms, &mut out);
        assert!(out.iter().any(|e| e.instrument == 1));
        // back to life: stale cleared
        w.on_event(&ev(0, Kind::Quote), 20_000 * ms);
        out.clear();
        w.check(20_000 * ms + 50 * ms, &mut out);
        assert!(out
            .iter()
            .all(|e| e.instrument != 0 || e.v[1] != Kind::Quote as i64));
    }
}
