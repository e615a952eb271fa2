//! The sans-IO processing chain behind every source: venue parser → books → dedupe, with
//! parse failures turned into in-band status events.
//!
//! Live, the io shards run the parsers and the route thread runs [`Pipeline::process`] on what
//! it pops from the shards' rings; replay and tests run [`Pipeline::on_frame`], which does both
//! in one call. Either way the same code decides what consumers see.

use crate::book::{BookConfig, Books};
use crate::dedupe::Deduper;
use crate::event::{flags, Event, InstrumentId, Kind, Nanos, StatusCode, Venue};
use crate::instrument::Instruments;
use crate::venue::{self, Control, FrameParser, ParseError};
use std::sync::Arc;

/// Settings of the pipeline.
#[derive(Clone, Copy, Debug, Default)]
pub struct PipelineConfig {
    /// Book stage settings.
    pub books: BookConfig,
}

/// Counters of the pipeline (parse outcomes; books and dedupe keep their own).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PipelineStats {
    /// WebSocket frames seen.
    pub frames: u64,
    /// REST bodies seen.
    pub rest_bodies: u64,
    /// Malformed frames (reported as status events).
    pub malformed: u64,
    /// Values out of range (reported as status events).
    pub out_of_range: u64,
    /// Frames of unknown type (ignored).
    pub ignored: u64,
    /// Control frames (acks, lists).
    pub control: u64,
    /// Error replies from the venue (reported as status events).
    pub venue_errors: u64,
    /// Events emitted to the sink.
    pub emitted: u64,
}

/// Parser(s), books and dedupe for any number of venues sharing one instrument table.
pub struct Pipeline {
    instruments: Arc<Instruments>,
    parsers: Vec<Box<dyn FrameParser>>,
    books: Books,
    dedupe: Deduper,
    parsed: Vec<Event>,
    book_out: Vec<Event>,
    /// Per source: book-level events of a message not yet complete (live rings may split one).
    partial: Vec<(u32, Vec<Event>)>,
    stats: PipelineStats,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("stats", &self.stats)
            .finish()
    }
}

impl Pipeline {
    /// A pipeline over a shared instrument table.
    pub fn new(instruments: Arc<Instruments>, config: PipelineConfig) -> Self {
        Pipeline {
            instruments,
            parsers: Vec::new(),
            books: Books::new(config.books),
            dedupe: Deduper::new(),
            parsed: Vec::with_capacity(4096),
            book_out: Vec::with_capacity(4096),
            partial: Vec::new(),
            stats: PipelineStats::default(),
        }
    }

    /// The instrument table.
    pub fn instruments(&self) -> &Arc<Instruments> {
        &self.instruments
    }
    /// The books.
    pub fn books(&self) -> &Books {
        &self.books
    }
    /// The books, mutably (to drain tops and resync requests).
    pub fn books_mut(&mut self) -> &mut Books {
        &mut self.books
    }
    /// Dedupe counters.
    pub fn dedupe(&self) -> &Deduper {
        &self.dedupe
    }
    /// Counters.
    pub fn stats(&self) -> PipelineStats {
        self.stats
    }

    fn parser(&mut self, venue: Venue) -> &mut Box<dyn FrameParser> {
        let i = match self.parsers.iter().position(|p| p.venue() == venue) {
            Some(i) => i,
            None => {
                self.parsers
                    .push(venue::parser_for(venue, self.instruments.clone()));
                self.parsers.len() - 1
            }
        };
        &mut self.parsers[i]
    }

    /// One WebSocket frame of `venue`: parse, then [`Pipeline::process`]. Returns what the
    /// frame was (control messages matter to the session that sent the request).
    pub fn on_frame(
        &mut self,
        venue: Venue,
        frame: &[u8],
        ts_recv: Nanos,
        sink: &mut impl FnMut(&Event),
    ) -> Result<Control, ParseError> {
        self.stats.frames += 1;
        let mut parsed = std::mem::take(&mut self.parsed);
        parsed.clear();
        let r = self.parser(venue).parse_frame(frame, ts_recv, &mut parsed);
        self.after_parse(venue, &r, ts_recv, &mut parsed);
        self.process(0, &parsed, sink);
        self.parsed = parsed;
        r
    }

    /// One REST body of `venue` (`symbol`: the instrument the request was for, if known).
    pub fn on_rest(
        &mut self,
        venue: Venue,
        body: &[u8],
        symbol: Option<&str>,
        ts_recv: Nanos,
        sink: &mut impl FnMut(&Event),
    ) -> Result<Control, ParseError> {
        self.stats.rest_bodies += 1;
        let mut parsed = std::mem::take(&mut self.parsed);
        parsed.clear();
        let r = self
            .parser(venue)
            .parse_rest(body, symbol, ts_recv, &mut parsed);
        self.after_parse(venue, &r, ts_recv, &mut parsed);
        // REST bodies come from their own source so they never interleave with a WS message.
        self.process(u32::MAX, &parsed, sink);
        self.parsed = parsed;
        r
    }

    /// Turns a parse outcome into status events where consumers must hear of it.
    fn after_parse(
        &mut self,
        venue: Venue,
        r: &Result<Control, ParseError>,
        ts: Nanos,
        out: &mut Vec<Event>,
    ) {
        let status = |code, inst, count, from, to| {
            Event::status_event(venue, inst, code, ts, count, from, to)
        };
        match r {
            Ok(Control::Data) => {}
            Ok(Control::Ignored) => self.stats.ignored += 1,
            Ok(Control::VenueError { code, .. }) => {
                self.stats.venue_errors += 1;
                out.push(status(
                    StatusCode::VenueError,
                    InstrumentId::NONE,
                    1,
                    *code,
                    *code,
                ));
            }
            Ok(Control::ServerShutdown) => {
                self.stats.control += 1;
                out.push(status(
                    StatusCode::ServerShutdown,
                    InstrumentId::NONE,
                    0,
                    0,
                    0,
                ));
            }
            Ok(_) => self.stats.control += 1,
            Err(ParseError::Malformed(_)) => {
                self.stats.malformed += 1;
                out.push(status(
                    StatusCode::Malformed,
                    InstrumentId::NONE,
                    1,
                    self.stats.malformed as i64,
                    0,
                ));
            }
            Err(ParseError::Value {
                instrument, seq, ..
            }) => {
                self.stats.out_of_range += 1;
                out.push(status(
                    StatusCode::ValueOutOfRange,
                    *instrument,
                    1,
                    *seq as i64,
                    *seq as i64,
                ));
            }
        }
    }

    /// The route-stage half: takes parsed events from `source` (in order), keeps books, drops
    /// duplicates, and hands every surviving event to `sink`. A message's book levels may be
    /// split across calls; they are held until their `LAST` event arrives.
    pub fn process(&mut self, source: u32, events: &[Event], sink: &mut impl FnMut(&Event)) {
        let mut out = std::mem::take(&mut self.book_out);
        let mut i = 0;
        while i < events.len() {
            let ev = &events[i];
            if ev.kind == Kind::BookLevel as u8 {
                let end = events[i..]
                    .iter()
                    .position(|e| e.has(flags::LAST))
                    .map(|p| i + p + 1);
                let slot = self.partial.iter().position(|(s, _)| *s == source);
                match (end, slot) {
                    (Some(end), None) => self.books.apply(&events[i..end], &mut out),
                    (Some(end), Some(k)) => {
                        let (_, mut held) = self.partial.swap_remove(k);
                        held.extend_from_slice(&events[i..end]);
                        self.books.apply(&held, &mut out);
                    }
                    (None, None) => self.partial.push((source, events[i..].to_vec())),
                    (None, Some(k)) => self.partial[k].1.extend_from_slice(&events[i..]),
                }
                for e in out.drain(..) {
                    self.stats.emitted += 1;
                    sink(&e);
                }
                i = end.unwrap_or(events.len());
                continue;
            }
            if self.dedupe.admit(ev) {
                self.stats.emitted += 1;
                sink(ev);
            }
            i += 1;
        }
        self.book_out = out;
    }
}
