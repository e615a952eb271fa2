//! Bybit v5 frame decode and book apply: the hot messages of `docs/exchanges.md` §5 (public
//! trades, `orderbook.N` deltas chained by `u`, `orderbook.1` and `tickers` quotes).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::time::{Duration, Instant};
use tickwire::event::{Nanos, Venue};
use tickwire::instrument::Instruments;
use tickwire::pipeline::{Pipeline, PipelineConfig};
use tickwire::venue::bybit::BybitParser;
use tickwire::venue::FrameParser;

/// Real frames from the corpus (bybit/cryptofeed_20260809_linear, cryptofeed_pr1085_20250613_linear).
const TRADE: &str = r#"{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1786310819681,"data":[{"T":1786310819680,"s":"BTCUSDT","S":"Sell","v":"0.004","p":"65114.20","L":"MinusTick","i":"a9188a0a-82bc-50de-be60-03eedbe3cdd7","BT":false,"RPI":false,"seq":753843954913}]}"#;
const DELTA: &str = r#"{"topic":"orderbook.200.BTCUSDT","type":"delta","ts":1786310818130,"data":{"s":"BTCUSDT","b":[["65095.30","0.005"],["65094.60","0.076"],["65093.10","0"],["65092.20","0.641"],["65088.60","0.007"],["65088.40","0.445"]],"a":[["65116.60","0"],["65116.80","0.002"],["65129.10","0"],["65129.50","2.302"],["65129.60","0.002"],["65129.90","0.645"],["65130.20","0"],["65130.70","0.007"],["65132.90","1.212"],["65133.40","0.689"],["65134.40","0.941"],["65134.50","0.001"],["65134.60","0.001"],["65134.80","0"],["65135.80","3.988"],["65146.70","0"]],"u":15076953,"seq":753843913870},"cts":1786310818129}"#;
const LEVEL1: &str = r#"{"topic":"orderbook.1.BANDUSDT","type":"snapshot","ts":1749833474773,"data":{"s":"BANDUSDT","b":[["0.6131","17.9"]],"a":[["0.6134","35.4"]],"u":24042997,"seq":209972815373},"cts":1749833474768}"#;
const TICKER: &str = r#"{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","bid1Price":"65114.20","bid1Size":"6.054","ask1Price":"65114.30","ask1Size":"10.486"},"cs":753843907770,"ts":1786310817883}"#;

fn decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("bybit_frame");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(tickwire_bench::secs(3.0))
        .warm_up_time(tickwire_bench::warm(0.5));
    let mut parser = BybitParser::new(Venue::BybitLinear, Instruments::new());
    let mut out = Vec::with_capacity(64);
    for (name, frame) in [
        ("trade", TRADE),
        ("orderbook_delta_22_levels", DELTA),
        ("orderbook_1_quote", LEVEL1),
        ("tickers_quote", TICKER),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                black_box(parser.parse_frame(black_box(frame.as_bytes()), Nanos(1), &mut out)).ok();
            })
        });
    }
    g.finish();
}

fn px(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// `n` consecutive deltas with `levels` levels per side, `u` chained +1 from 1001.
fn deltas(n: usize, levels: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let side = |base: i64, step: i64| -> String {
                (0..levels)
                    .map(|k| {
                        let p = base + step * (k as i64 + (i as i64 % 3));
                        let q = if (i + k) % 7 == 0 { 0 } else { 1 + (i * 31 + k * 17) % 5000 };
                        format!(r#"["{}","{}.{:03}"]"#, px(p), q / 1000, q % 1000)
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            };
            format!(
                r#"{{"topic":"orderbook.200.BTCUSDT","type":"delta","ts":1786310818130,"data":{{"s":"BTCUSDT","b":[{}],"a":[{}],"u":{},"seq":{}}},"cts":1786310818129}}"#,
                side(6_511_420, -1),
                side(6_511_430, 1),
                1001 + i,
                753_843_913_870 + i as u64 * 7
            )
        })
        .collect()
}

fn snapshot(levels: usize) -> String {
    let side = |base: i64, step: i64| -> String {
        (0..levels)
            .map(|k| format!(r#"["{}","1.000"]"#, px(base + step * k as i64)))
            .collect::<Vec<_>>()
            .join(",")
    };
    format!(
        r#"{{"topic":"orderbook.200.BTCUSDT","type":"snapshot","ts":1,"data":{{"s":"BTCUSDT","b":[{}],"a":[{}],"u":1000,"seq":1}},"cts":1}}"#,
        side(6_511_420, -1),
        side(6_511_430, 1)
    )
}

fn book_apply(c: &mut Criterion) {
    let mut g = c.benchmark_group("bybit_orderbook_delta");
    g.measurement_time(tickwire_bench::secs(3.0))
        .warm_up_time(tickwire_bench::warm(0.5));
    g.throughput(Throughput::Elements(1));
    let snap = snapshot(200);
    for levels in [5usize, 25] {
        let frames = deltas(20_000, levels);
        g.bench_with_input(
            BenchmarkId::new("parse_only", levels * 2),
            &frames,
            |b, frames| {
                let mut parser = BybitParser::new(Venue::BybitLinear, Instruments::new());
                let mut out = Vec::with_capacity(4096);
                let mut i = 0;
                b.iter(|| {
                    out.clear();
                    let _ =
                        parser.parse_frame(frames[i % frames.len()].as_bytes(), Nanos(1), &mut out);
                    i += 1;
                })
            },
        );
        g.bench_with_input(
            BenchmarkId::new("parse_and_book_apply", levels * 2),
            &frames,
            |b, frames| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    let mut done = 0u64;
                    let mut sink_count = 0u64;
                    while done < iters {
                        let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
                        p.on_frame(Venue::BybitLinear, snap.as_bytes(), Nanos(1), &mut |_| {})
                            .expect("snapshot");
                        let n = ((iters - done) as usize).min(frames.len());
                        let start = Instant::now();
                        for f in &frames[..n] {
                            let _ =
                                p.on_frame(Venue::BybitLinear, f.as_bytes(), Nanos(2), &mut |_| {
                                    sink_count += 1
                                });
                        }
                        total += start.elapsed();
                        assert_eq!(p.books().stats().gaps, 0);
                        done += n as u64;
                    }
                    black_box(sink_count);
                    total
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, decode, book_apply);
criterion_main!(benches);
