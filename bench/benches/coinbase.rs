//! Coinbase Advanced Trade hot messages: a `market_trades` frame, an `l2_data` update frame
//! (parse only, and parse + book apply through the pipeline).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::time::{Duration, Instant};
use tickwire::event::{Nanos, Venue};
use tickwire::instrument::Instruments;
use tickwire::pipeline::{Pipeline, PipelineConfig};
use tickwire::venue::coinbase::CoinbaseParser;
use tickwire::venue::FrameParser;

/// A real frame from the corpus (coinbase/cryptofeed_20260809_advanced_trade, sequence_num 9).
const TRADE: &str = r#"{"channel":"market_trades","timestamp":"2026-08-09T21:05:48.251397169Z","sequence_num":9,"events":[{"type":"update","trades":[{"product_id":"BTC-USD","trade_id":"1068572091","price":"65083.67","size":"0.01034361","time":"2026-08-09T21:05:48.167634Z","side":"SELL"}]}]}"#;
/// A real update (sequence_num 15).
const L2_UPDATE: &str = r#"{"channel":"l2_data","timestamp":"2026-08-09T21:05:48.506659391Z","sequence_num":15,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"offer","event_time":"2026-08-09T21:05:48.264069Z","price_level":"65106.54","new_quantity":"0.15361938"},{"side":"offer","event_time":"2026-08-09T21:05:48.264069Z","price_level":"65155.5","new_quantity":"0.00000011"}]}]}"#;

fn level(side: &str, cents: i64, qty: usize) -> String {
    format!(
        r#"{{"side":"{side}","event_time":"2026-08-09T21:05:48.210883Z","price_level":"{}.{:02}","new_quantity":"{}.{:08}"}}"#,
        cents / 100,
        cents % 100,
        qty / 1000,
        qty % 1000 * 1000
    )
}

/// `n` consecutive l2_data updates (sequence_num 1, 2, …) with `levels` levels per side, in
/// the venue's layout.
fn update_frames(n: usize, levels: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let mut ups = Vec::new();
            for k in 0..levels {
                let qty = if (i + k) % 7 == 0 { 0 } else { 1 + (i * 31 + k * 17) % 5000 };
                ups.push(level("bid", 6_508_300 - (k as i64 + (i as i64 % 3)), qty));
                ups.push(level("offer", 6_508_400 + (k as i64 + (i as i64 % 3)), qty));
            }
            format!(
                r#"{{"channel":"l2_data","timestamp":"2026-08-09T21:05:48.505350477Z","sequence_num":{},"events":[{{"type":"update","product_id":"BTC-USD","updates":[{}]}}]}}"#,
                i + 1,
                ups.join(",")
            )
        })
        .collect()
}

fn snapshot(levels: usize) -> String {
    let mut ups = Vec::new();
    for k in 0..levels as i64 {
        ups.push(level("bid", 6_508_300 - k, 1000));
        ups.push(level("offer", 6_508_400 + k, 1000));
    }
    format!(
        r#"{{"channel":"l2_data","timestamp":"2026-08-09T21:05:48.483587501Z","sequence_num":0,"events":[{{"type":"snapshot","product_id":"BTC-USD","updates":[{}]}}]}}"#,
        ups.join(",")
    )
}

fn trade_decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("coinbase_frame");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(tickwire_bench::secs(3.0))
        .warm_up_time(tickwire_bench::warm(0.5));
    let mut parser = CoinbaseParser::new(Instruments::new());
    let mut out = Vec::with_capacity(64);
    g.bench_function("market_trades", |b| {
        b.iter(|| {
            out.clear();
            black_box(parser.parse_frame(black_box(TRADE.as_bytes()), Nanos(1), &mut out)).ok();
        })
    });
    g.bench_function("l2_data_update_2_levels", |b| {
        b.iter(|| {
            out.clear();
            black_box(parser.parse_frame(black_box(L2_UPDATE.as_bytes()), Nanos(1), &mut out)).ok();
        })
    });
    g.finish();
}

fn book_apply(c: &mut Criterion) {
    let mut g = c.benchmark_group("coinbase_l2_update");
    g.measurement_time(tickwire_bench::secs(3.0))
        .warm_up_time(tickwire_bench::warm(0.5));
    g.throughput(Throughput::Elements(1));
    let frames = update_frames(20_000, 10);
    let snap = snapshot(1000);
    g.bench_with_input(BenchmarkId::new("parse_only", 20), &frames, |b, frames| {
        let mut parser = CoinbaseParser::new(Instruments::new());
        let mut out = Vec::with_capacity(4096);
        let mut i = 0;
        b.iter(|| {
            out.clear();
            let _ = parser.parse_frame(frames[i % frames.len()].as_bytes(), Nanos(1), &mut out);
            i += 1;
        })
    });
    g.bench_with_input(
        BenchmarkId::new("parse_and_book_apply", 20),
        &frames,
        |b, frames| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                let mut done = 0u64;
                let mut sink = 0u64;
                while done < iters {
                    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
                    p.on_frame(Venue::Coinbase, snap.as_bytes(), Nanos(1), &mut |_| {})
                        .expect("snapshot");
                    let n = ((iters - done) as usize).min(frames.len());
                    let start = Instant::now();
                    for f in &frames[..n] {
                        let _ =
                            p.on_frame(Venue::Coinbase, f.as_bytes(), Nanos(2), &mut |_| sink += 1);
                    }
                    total += start.elapsed();
                    let s = p.books().stats();
                    assert_eq!((s.forced_resyncs, s.crossed), (0, 0));
                    done += n as u64;
                }
                black_box(sink);
                total
            })
        },
    );
    g.finish();
}

criterion_group!(benches, trade_decode, book_apply);
criterion_main!(benches);
