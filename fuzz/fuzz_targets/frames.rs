//! Everything a venue can send, through the public pipeline (parser → books → dedupe).
//!
//! Input: `venue_byte (SEP tag body)*`, more exactly `venue_byte chunk (0xFF chunk)*`. The first
//! byte picks the venue (`Venue::ALL[b % len]`); the rest is split on `0xFF` (never a byte of
//! UTF-8 text, so real frames never contain it) into messages, run in order through one
//! pipeline so that book state, dedupe windows and resyncs carry across them. Each message's
//! first byte says what it is (`tag % 4`): 1 a REST body without a symbol, 2 a REST body for
//! the symbol before the first `\n`, otherwise a WebSocket frame. `fuzz/seeds.py` writes seeds
//! in this format from the fixture captures.
//!
//! Invariants checked for every input (besides "no panic, no sanitizer report"):
//! * every emitted event has a known kind and the frame's venue; status events a known code;
//!   prices and sizes an exponent in `MIN_EXP..=MAX_EXP`; an instrument that was interned;
//! * a malformed frame is counted (`stats().malformed` + 1) and reported as exactly one
//!   `Malformed` status event; a frame that was not is neither; likewise out-of-range values;
//! * `stats().emitted` counts what reached the sink;
//! * a live book is never crossed unless the last book message applied to it was a snapshot
//!   (the book stage checks crossing after every diff it applies; a snapshot is taken as sent).

#![no_main]

use libfuzzer_sys::fuzz_target;
use tickwire::decimal::{MAX_EXP, MIN_EXP};
use tickwire::event::{flags, Event, InstrumentId, Kind, Nanos, StatusCode, Venue};
use tickwire::instrument::Instruments;
use tickwire::pipeline::{Pipeline, PipelineConfig};
use tickwire::venue::ParseError;

const SEP: u8 = 0xFF;

fuzz_target!(|data: &[u8]| {
    let Some((&v, rest)) = data.split_first() else {
        return;
    };
    let venue = Venue::ALL[v as usize % Venue::ALL.len()];
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    // per instrument: whether the last book batch emitted for it was a snapshot
    let mut last_was_snapshot: Vec<bool> = Vec::new();
    let mut events: Vec<Event> = Vec::new();
    for (i, chunk) in rest.split(|&b| b == SEP).enumerate() {
        let ts = Nanos(1_000_000 + i as i64);
        let (tag, body) = match chunk.split_first() {
            Some((t, b)) => (*t, b),
            None => (0, chunk),
        };
        let before = p.stats();
        events.clear();
        let mut sink = |e: &Event| events.push(*e);
        let r = match tag % 4 {
            1 => p.on_rest(venue, body, None, ts, &mut sink),
            2 => {
                let (sym, body) = match body.iter().position(|&b| b == b'\n') {
                    Some(n) => (&body[..n], &body[n + 1..]),
                    None => (&body[..0], body),
                };
                let sym = String::from_utf8_lossy(sym);
                p.on_rest(venue, body, Some(&sym), ts, &mut sink)
            }
            _ => p.on_frame(venue, body, ts, &mut sink),
        };
        let after = p.stats();
        let n_instruments = p.instruments().len();

        // counters
        assert_eq!(
            after.frames + after.rest_bodies,
            before.frames + before.rest_bodies + 1
        );
        assert_eq!(after.emitted - before.emitted, events.len() as u64);
        let count = |code: StatusCode| events.iter().filter(|e| e.status() == Some(code)).count();
        let malformed = matches!(r, Err(ParseError::Malformed(_)));
        let value = matches!(r, Err(ParseError::Value { .. }));
        assert_eq!(
            after.malformed - before.malformed,
            malformed as u64,
            "{r:?}"
        );
        assert_eq!(count(StatusCode::Malformed), malformed as usize, "{r:?}");
        assert_eq!(
            after.out_of_range - before.out_of_range,
            value as u64,
            "{r:?}"
        );

        // every event
        for e in &events {
            let kind = Kind::from_u8(e.kind).unwrap_or_else(|| panic!("unknown kind: {e:?}"));
            assert_eq!(e.venue(), Some(venue), "{e:?}");
            if kind == Kind::Status {
                assert!(e.status().is_some(), "unknown status code: {e:?}");
            } else {
                assert!((MIN_EXP..=MAX_EXP).contains(&e.px_exp), "{e:?}");
                assert!((MIN_EXP..=MAX_EXP).contains(&e.qty_exp), "{e:?}");
            }
            assert!(
                e.instrument == InstrumentId::NONE.0 || (e.instrument as usize) < n_instruments,
                "instrument not interned: {e:?}"
            );
            if kind == Kind::BookLevel && e.has(flags::FIRST) {
                let i = e.instrument as usize;
                if last_was_snapshot.len() <= i {
                    last_was_snapshot.resize(i + 1, false);
                }
                last_was_snapshot[i] = e.has(flags::SNAPSHOT);
            }
        }

        // books: a live book is not crossed unless it was loaded from a snapshot as is
        for id in 0..n_instruments {
            if let Some(b) = p.books().book(InstrumentId(id as u32)) {
                assert!(
                    !b.is_crossed() || last_was_snapshot.get(id).copied().unwrap_or(false),
                    "live book {id} crossed after a diff; events: {events:?}"
                );
            }
        }
        let _ = p.books_mut().take_resync_requests();
        let _ = p.books_mut().drain_tops().count();
    }
    let _ = p.books().never_synced();
});
