//! Route stage (`core/src/route.rs`): `Router::route` per event, fanning a mixed stream (trades,
//! quotes, book levels of 100 instruments) out to consumer rings.
//!
//! * `route/1_consumer_all`: one consumer taking everything.
//! * `route/4_consumers_filtered`: four consumers: everything; trades only; quotes and book
//!   levels of Binance only; ten instruments (a hash-set filter).
//! * `route/overflow_drop_newest`: one consumer whose ring and backlog are full (the consumer is
//!   stalled): every event is counted as lost.
//! * `route/overflow_drop_oldest`: the same with `DropOldest` (each event evicts the oldest).
//! * `route/overflow_conflate`: the same with `Conflate` on quotes (each quote replaces the
//!   waiting quote of its instrument).
//!
//! Only `route` is timed: the rings are drained between batches of 1,024 events with the clock
//! stopped. `Block` is left out: with a stalled consumer it waits forever, and with a live one
//! it measures the consumer thread.
//!
//! `cargo bench -p tickwire-bench --bench route`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::collections::HashSet;
use std::hint::black_box;
use std::time::{Duration, Instant};
use tickwire::event::{flags, Event, InstrumentId, Kind, Side, Venue};
use tickwire::ring::Consumer;
use tickwire::route::{ConsumerConfig, Filter, KindMask, Overflow, Router};
use tickwire_bench::Rng;

const BATCH: usize = 1024;

/// 4,096 events: 45 % quotes, 15 % trades, 40 % book levels, 100 instruments, two venues.
fn stream() -> Vec<Event> {
    let mut rng = Rng::new(11);
    (0..4096u64)
        .map(|i| {
            let r = rng.below(100);
            let kind = match r {
                0..45 => Kind::Quote,
                45..60 => Kind::Trade,
                _ => Kind::BookLevel,
            };
            Event {
                kind: kind as u8,
                venue: if rng.below(4) == 0 {
                    Venue::BinanceUsdm
                } else {
                    Venue::Binance
                } as u16,
                instrument: rng.below(100) as u32,
                seq: i,
                side: if i % 2 == 0 { Side::Buy } else { Side::Sell } as u8,
                flags: if kind == Kind::BookLevel {
                    flags::FIRST | flags::LAST
                } else {
                    0
                },
                v: [6_183_763_000_000 + rng.below(50) as i64, 1, 0, 0, 0],
                ..Event::default()
            }
        })
        .collect()
}

/// Times `iters` routed events; every `BATCH` the rings are drained with the clock stopped.
fn run(
    router: &mut Router,
    consumers: &mut [Consumer<Event>],
    events: &[Event],
    iters: u64,
) -> Duration {
    let mut sink = vec![Event::default(); 1 << 16];
    let mut total = Duration::ZERO;
    let mut done = 0u64;
    let mut i = 0;
    while done < iters {
        let n = (iters - done).min(BATCH as u64);
        let start = Instant::now();
        for _ in 0..n {
            router.route(black_box(&events[i]));
            i += 1;
            if i == events.len() {
                i = 0;
            }
        }
        total += start.elapsed();
        for c in consumers.iter_mut() {
            while c.pop_into(&mut sink) > 0 {}
        }
        done += n;
    }
    total
}

fn fan_out(c: &mut Criterion) {
    let events = stream();
    let mut g = c.benchmark_group("route");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(tickwire_bench::secs(3.0))
        .warm_up_time(tickwire_bench::warm(0.5));

    g.bench_function("1_consumer_all", |b| {
        let mut r = Router::new();
        let (_, c) = r.add_consumer(ConsumerConfig::default());
        let mut cs = vec![c];
        b.iter_custom(|iters| run(&mut r, &mut cs, &events, iters))
    });

    g.bench_function("4_consumers_filtered", |b| {
        let mut r = Router::new();
        let filters = [
            Filter::default(),
            Filter {
                kinds: KindMask::NONE.with(Kind::Trade).with(Kind::Status),
                ..Filter::default()
            },
            Filter {
                venues: Some(vec![Venue::Binance]),
                kinds: KindMask::NONE
                    .with(Kind::Quote)
                    .with(Kind::BookLevel)
                    .with(Kind::Status),
                ..Filter::default()
            },
            Filter {
                instruments: Some((0..10).map(InstrumentId).collect::<HashSet<_>>()),
                ..Filter::default()
            },
        ];
        let mut cs: Vec<Consumer<Event>> = filters
            .into_iter()
            .map(|filter| {
                r.add_consumer(ConsumerConfig {
                    filter,
                    ..ConsumerConfig::default()
                })
                .1
            })
            .collect();
        b.iter_custom(|iters| run(&mut r, &mut cs, &events, iters))
    });

    for (name, overflow) in [
        ("overflow_drop_newest", Overflow::DropNewest),
        ("overflow_drop_oldest", Overflow::DropOldest),
        ("overflow_conflate", Overflow::Conflate),
    ] {
        g.bench_function(name, |b| {
            let mut r = Router::new();
            // a stalled consumer: ring and backlog filled before timing, never drained
            let (_, consumer) = r.add_consumer(ConsumerConfig {
                capacity: 1024,
                backlog: 1024,
                overflow,
                filter: Filter::default(),
            });
            for e in events.iter().cycle().take(4096) {
                r.route(e);
            }
            let mut i = 0;
            b.iter(|| {
                r.route(black_box(&events[i & 4095]));
                i += 1;
            });
            black_box(consumer.len());
        });
    }
    g.finish();
}

criterion_group!(benches, fan_out);
criterion_main!(benches);
