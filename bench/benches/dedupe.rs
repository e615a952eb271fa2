//! Dedupe stage (`core/src/dedupe.rs`) alone, per event, on a realistic stream: trades and
//! quotes of 64 instruments with skewed activity (a few busy symbols, a long tail), trade ids
//! contiguous per instrument, quote update ids advancing by 1–200 (Binance bookTicker `u` skips
//! the book updates that did not change the top). A redundant second connection delivers a
//! share of the same events again, 1–64 events late.
//!
//! * `dedupe/trades_quotes_dup0`: one connection, no duplicates.
//! * `dedupe/trades_quotes_dup10`: 10 % of events arrive twice.
//! * `dedupe/trades_quotes_dup100`: a full redundant connection (every event twice).
//!
//! Each iteration admits one event; ids move on by a whole pass each time the stream wraps, so
//! the windows see a continuing stream, never replays.
//!
//! `cargo bench -p tickwire-bench --bench dedupe`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::time::Instant;
use tickwire::dedupe::Deduper;
use tickwire::event::{Event, Kind, Venue};
use tickwire_bench::Rng;

const INSTRUMENTS: usize = 64;
const PRIMARY: usize = 32_768;

/// The stream: (event, how far its id moves on per pass).
fn stream(dup_percent: u64) -> Vec<(Event, u64)> {
    let mut rng = Rng::new(7);
    // per instrument and kind: next id, and how far ids moved in one pass (filled after)
    let mut next_trade = [1_000_000u64; INSTRUMENTS];
    let mut next_quote = [50_000_000u64; INSTRUMENTS];
    let mut primary: Vec<Event> = Vec::with_capacity(PRIMARY);
    for _ in 0..PRIMARY {
        // skew: instrument = floor(64 * u^3) puts most of the flow on the first few
        let u = rng.below(1 << 20) as f64 / f64::from(1u32 << 20);
        let inst = ((u * u * u) * INSTRUMENTS as f64) as usize;
        let quote = rng.below(100) < 70;
        let (kind, seq) = if quote {
            next_quote[inst] += 1 + rng.below(200);
            (Kind::Quote, next_quote[inst])
        } else {
            next_trade[inst] += 1;
            (Kind::Trade, next_trade[inst])
        };
        primary.push(Event {
            kind: kind as u8,
            venue: Venue::Binance as u16,
            instrument: inst as u32,
            seq,
            ..Event::default()
        });
    }
    // the redundant connection: copies placed 1–64 events after their original
    let mut slots: Vec<Vec<Event>> = vec![Vec::new(); PRIMARY + 65];
    for (i, e) in primary.iter().enumerate() {
        slots[i].insert(0, *e);
        if rng.below(100) < dup_percent {
            slots[i + 1 + rng.below(64) as usize].push(*e);
        }
    }
    let merged: Vec<Event> = slots.into_iter().flatten().collect();
    // ids per pass: an instrument's ids move on by the span it used in one pass (+ a margin), so
    // pass k + 1 continues where pass k ended
    let span = |k: Kind, inst: usize| -> u64 {
        match k {
            Kind::Trade => next_trade[inst] - 1_000_000 + 1,
            _ => next_quote[inst] - 50_000_000 + 1,
        }
    };
    merged
        .into_iter()
        .map(|e| {
            let k = e.kind().expect("kind");
            (e, span(k, e.instrument as usize))
        })
        .collect()
}

fn dedupe(c: &mut Criterion) {
    let mut g = c.benchmark_group("dedupe");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(tickwire_bench::secs(3.0))
        .warm_up_time(tickwire_bench::warm(0.5));
    for dup in [0u64, 10, 100] {
        let events = stream(dup);
        g.bench_function(format!("trades_quotes_dup{dup}"), |b| {
            b.iter_custom(|iters| {
                let mut d = Deduper::new();
                // untimed first pass: every stream exists, as in steady state
                for (e, _) in &events {
                    d.admit(e);
                }
                let mut pass = 1u64;
                let mut i = 0;
                let mut passed = 0u64;
                let start = Instant::now();
                for _ in 0..iters {
                    let (mut e, step) = events[i];
                    e.seq += pass * step;
                    passed += u64::from(d.admit(black_box(&e)));
                    i += 1;
                    if i == events.len() {
                        i = 0;
                        pass += 1;
                    }
                }
                let t = start.elapsed();
                black_box((passed, d.stats()));
                t
            })
        });
    }
    g.finish();
}

criterion_group!(benches, dedupe);
criterion_main!(benches);
