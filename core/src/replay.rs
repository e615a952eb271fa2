//! Replay: recordings driven through the same parsers, books, dedupe and router as live data.
//!
//! Several files given in order are one continuous stream (books, dedupe windows and instrument
//! ids carry over from one file to the next). Replay is deterministic: the same files give the
//! same events, in the same order, every time. It runs as fast as possible, or paced by the
//! recorded receive stamps ([`ReplayConfig::speed`]).
//!
//! The driver is single-threaded and lossless: it feeds the next frame only when the consumer's
//! ring can take what is already waiting, so no overflow policy ever triggers.

use crate::book::Top;
use crate::event::{Event, Nanos, Venue};
use crate::instrument::Instruments;
use crate::pipeline::{Pipeline, PipelineConfig};
use crate::record::{FrameKind, Reader, RecordError};
use crate::ring::Consumer;
use crate::route::{ConsumerConfig, Filter, Overflow, Router};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Settings of a replay.
#[derive(Clone, Debug)]
pub struct ReplayConfig {
    /// The venue whose parser reads the frames.
    pub venue: Venue,
    /// `None`: as fast as possible; `Some(x)`: x times the recorded pace.
    pub speed: Option<f64>,
    /// Pipeline settings (set `books.record_tops` for [`Replay::drain_tops`]).
    pub pipeline: PipelineConfig,
    /// Which events the consumer receives.
    pub filter: Filter,
    /// Consumer ring capacity.
    pub capacity: usize,
}

impl ReplayConfig {
    /// Defaults for `venue`: fast, every event, 64 Ki ring.
    pub fn new(venue: Venue) -> Self {
        ReplayConfig {
            venue,
            speed: None,
            pipeline: PipelineConfig::default(),
            filter: Filter::default(),
            capacity: 1 << 16,
        }
    }
}

/// What one step did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// A frame was processed; its events are in the consumer ring.
    Frame,
    /// Every file has been read.
    Finished,
}

/// Counters of a replay.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplayStats {
    /// WebSocket frames fed.
    pub ws_frames: u64,
    /// REST bodies fed.
    pub rest_bodies: u64,
    /// `client_sent` rows skipped.
    pub client_sent: u64,
    /// Binary frames skipped (no venue here sends market data as binary JSON).
    pub binary: u64,
    /// Files fully read.
    pub files: u64,
}

/// A replay of one or more recordings.
pub struct Replay {
    config: ReplayConfig,
    files: VecDeque<PathBuf>,
    reader: Option<Reader>,
    pipeline: Pipeline,
    router: Router,
    consumer: Consumer<Event>,
    staged: VecDeque<Event>,
    stats: ReplayStats,
    pace: Option<(Instant, i64)>,
    finished: bool,
}

impl std::fmt::Debug for Replay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replay")
            .field("venue", &self.config.venue)
            .field("stats", &self.stats)
            .finish()
    }
}

impl Replay {
    /// Opens every file up front (so a missing or unreadable one fails now, not halfway).
    pub fn open<P: Into<PathBuf>>(
        paths: impl IntoIterator<Item = P>,
        config: ReplayConfig,
    ) -> Result<Replay, RecordError> {
        Replay::with_instruments(paths, config, Instruments::new())
    }

    /// As [`Replay::open`], with a caller-provided instrument table (e.g. preset exponents).
    pub fn with_instruments<P: Into<PathBuf>>(
        paths: impl IntoIterator<Item = P>,
        config: ReplayConfig,
        instruments: Arc<Instruments>,
    ) -> Result<Replay, RecordError> {
        let files: VecDeque<PathBuf> = paths.into_iter().map(Into::into).collect();
        for f in &files {
            Reader::open(f)?;
        }
        let mut router = Router::new();
        let (_, consumer) = router.add_consumer(ConsumerConfig {
            capacity: config.capacity,
            backlog: 0,
            overflow: Overflow::DropNewest, // never triggers: the driver paces itself
            filter: config.filter.clone(),
        });
        Ok(Replay {
            pipeline: Pipeline::new(instruments, config.pipeline),
            config,
            files,
            reader: None,
            router,
            consumer,
            staged: VecDeque::new(),
            stats: ReplayStats::default(),
            pace: None,
            finished: false,
        })
    }

    /// Fills `out` with the next events (fewer only at the end); `Ok(0)` means the replay is
    /// finished.
    pub fn poll(&mut self, out: &mut [Event]) -> Result<usize, RecordError> {
        let mut n = 0;
        loop {
            self.feed_router();
            n += self.consumer.pop_into(&mut out[n..]);
            if n == out.len() {
                return Ok(n);
            }
            if !self.staged.is_empty() {
                continue;
            }
            if self.step()? == Step::Finished {
                self.feed_router();
                n += self.consumer.pop_into(&mut out[n..]);
                return Ok(n);
            }
        }
    }

    /// Processes exactly one recorded frame (or reports the end). Its events wait in the
    /// consumer ring (and a driver-side queue when the ring is full); read them with
    /// [`Replay::poll`] or [`Replay::pop`].
    pub fn step(&mut self) -> Result<Step, RecordError> {
        loop {
            if self.finished {
                return Ok(Step::Finished);
            }
            if self.reader.is_none() {
                match self.files.pop_front() {
                    Some(p) => self.reader = Some(Reader::open(p)?),
                    None => {
                        self.finished = true;
                        return Ok(Step::Finished);
                    }
                }
            }
            let venue = self.config.venue;
            let reader = self.reader.as_mut().expect("set above");
            let Some(frame) = reader.next_frame()? else {
                self.reader = None;
                self.stats.files += 1;
                continue;
            };
            if let Some(speed) = self.config.speed {
                pace(&mut self.pace, frame.ts_recv, speed);
            }
            let staged = &mut self.staged;
            let mut sink = |e: &Event| staged.push_back(*e);
            match frame.kind {
                FrameKind::ClientSent => {
                    self.stats.client_sent += 1;
                    continue;
                }
                FrameKind::WsBinary => {
                    self.stats.binary += 1;
                    continue;
                }
                FrameKind::WsText => {
                    self.stats.ws_frames += 1;
                    let _ = self
                        .pipeline
                        .on_frame(venue, frame.payload, frame.ts_recv, &mut sink);
                }
                FrameKind::Rest => {
                    self.stats.rest_bodies += 1;
                    // twrec keeps the request's symbol in meta; TSV meta is the channel label
                    let symbol = (!frame.meta.is_empty() && !frame.meta.starts_with("rest_"))
                        .then_some(frame.meta);
                    let _ = self.pipeline.on_rest(
                        venue,
                        frame.payload,
                        symbol,
                        frame.ts_recv,
                        &mut sink,
                    );
                }
            }
            self.feed_router();
            return Ok(Step::Frame);
        }
    }

    /// Pops one event that is ready (after [`Replay::step`]).
    pub fn pop(&mut self) -> Option<Event> {
        self.feed_router();
        self.consumer.pop()
    }

    fn feed_router(&mut self) {
        let mut room = self.router.free_min();
        while room > 0 {
            let Some(ev) = self.staged.pop_front() else {
                break;
            };
            self.router.route(&ev);
            room -= 1;
        }
    }

    /// Book tops recorded since the last call (needs `pipeline.books.record_tops`).
    pub fn drain_tops(&mut self) -> Vec<Top> {
        self.pipeline.books_mut().drain_tops().collect()
    }

    /// The pipeline (books, counters).
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// The instrument table.
    pub fn instruments(&self) -> &Arc<Instruments> {
        self.pipeline.instruments()
    }

    /// Counters.
    pub fn stats(&self) -> ReplayStats {
        self.stats
    }
}

fn pace(state: &mut Option<(Instant, i64)>, ts: Nanos, speed: f64) {
    if ts.0 <= 0 || speed <= 0.0 {
        return;
    }
    match state {
        None => *state = Some((Instant::now(), ts.0)),
        Some((start, first)) => {
            let due = Duration::from_nanos(((ts.0 - *first).max(0) as f64 / speed) as u64);
            let elapsed = start.elapsed();
            if due > elapsed {
                std::thread::sleep(due - elapsed);
            }
        }
    }
}
