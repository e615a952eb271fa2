//! Binance frame decode: tickwire's parser against a generic serde_json path on the same
//! frames, and depth frame → events → book applied (targets T1, T2, T7 of
//! `../shared/docs/performance.md`).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde::Deserialize;
use std::hint::black_box;
use std::time::{Duration, Instant};
use tickwire::event::{Event, Kind, Nanos, Side, Venue};
use tickwire::instrument::Instruments;
use tickwire::pipeline::{Pipeline, PipelineConfig};
use tickwire::venue::binance::BinanceParser;
use tickwire::venue::FrameParser;

/// A real frame from the corpus (binance/hftbacktest_btcusdt_20240808_first60s).
const TRADE: &str = r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}"#;
const BOOK_TICKER: &str = r#"{"stream":"btcusdt@bookTicker","data":{"u":50093239212,"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}}"#;

/// The generic path: serde_json into owned structs, then the same exact normalization.
#[derive(Deserialize)]
struct JsonEnvelope {
    #[allow(dead_code)]
    stream: String,
    data: JsonTrade,
}
#[derive(Deserialize)]
struct JsonTrade {
    s: String,
    t: u64,
    p: String,
    q: String,
    #[serde(rename = "T")]
    time: i64,
    m: bool,
}

fn serde_json_trade(frame: &[u8], out: &mut Vec<Event>) {
    let env: JsonEnvelope = serde_json::from_slice(frame).expect("valid");
    let d = env.data;
    out.push(Event {
        kind: Kind::Trade as u8,
        venue: Venue::Binance as u16,
        instrument: d.s.len() as u32,
        seq: d.t,
        ts_exchange: d.time * 1_000_000,
        side: if d.m { Side::Sell } else { Side::Buy } as u8,
        px_exp: -8,
        qty_exp: -8,
        v: [
            tickwire::decimal::parse(d.p.as_bytes(), -8).unwrap_or(0),
            tickwire::decimal::parse(d.q.as_bytes(), -8).unwrap_or(0),
            0,
            0,
            0,
        ],
        ..Event::default()
    });
}

fn trade_decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("binance_trade_frame");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(tickwire_bench::secs(3.0))
        .warm_up_time(tickwire_bench::warm(0.5));
    let mut parser = BinanceParser::new(Venue::Binance, Instruments::new());
    let mut out = Vec::with_capacity(16);
    g.bench_function("tickwire", |b| {
        b.iter(|| {
            out.clear();
            black_box(parser.parse_frame(black_box(TRADE.as_bytes()), Nanos(1), &mut out)).ok();
        })
    });
    g.bench_function("serde_json_generic", |b| {
        b.iter(|| {
            out.clear();
            serde_json_trade(black_box(TRADE.as_bytes()), &mut out);
        })
    });
    g.bench_function("tickwire_book_ticker", |b| {
        b.iter(|| {
            out.clear();
            black_box(parser.parse_frame(black_box(BOOK_TICKER.as_bytes()), Nanos(1), &mut out))
                .ok();
        })
    });
    g.finish();
}

fn depth_apply(c: &mut Criterion) {
    let mut g = c.benchmark_group("binance_depth_frame");
    g.measurement_time(tickwire_bench::secs(3.0))
        .warm_up_time(tickwire_bench::warm(0.5));
    for levels in [10usize, 50] {
        // levels per side: 10 → 20 levels per frame (T2)
        let frames = tickwire_bench::binance_depth_frames("BTCUSDT", 20_000, levels);
        let snap = tickwire_bench::binance_snapshot(1000);
        g.throughput(Throughput::Elements(1));
        g.bench_with_input(
            BenchmarkId::new("parse_only", levels * 2),
            &frames,
            |b, frames| {
                let mut parser = BinanceParser::new(Venue::Binance, Instruments::new());
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
                        p.on_rest(
                            Venue::Binance,
                            snap.as_bytes(),
                            Some("BTCUSDT"),
                            Nanos(1),
                            &mut |_| {},
                        )
                        .expect("snapshot");
                        let n = ((iters - done) as usize).min(frames.len());
                        let start = Instant::now();
                        for f in &frames[..n] {
                            let _ = p.on_frame(Venue::Binance, f.as_bytes(), Nanos(2), &mut |_| {
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

criterion_group!(benches, trade_decode, depth_apply);
criterion_main!(benches);
