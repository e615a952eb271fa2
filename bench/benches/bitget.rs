//! Bitget hot messages: a v2 trade frame, a v1 trade frame and a v2 `books1` frame (parse
//! only), and the real v1 `books` updates of the spot capture (fixture
//! `bitget/cryptofeed_20220407_v1_spot_first200`): parse only, and parse + book apply +
//! checksum verification through the pipeline.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};
use tickwire::event::{Nanos, Venue};
use tickwire::instrument::Instruments;
use tickwire::pipeline::{Pipeline, PipelineConfig};
use tickwire::record::{FrameKind, Reader};
use tickwire::venue::bitget::BitgetParser;
use tickwire::venue::FrameParser;

/// Bitget's documented v2 trade push.
const TRADE_V2: &str = r#"{"action":"update","arg":{"instType":"SPOT","channel":"trade","instId":"BTCUSDT"},"data":[{"ts":"1695709835822","price":"26293.4","size":"0.0013","side":"buy","tradeId":"1000000000"}],"ts":1695711090682}"#;
/// A real v1 trade frame (bitget/crypto_msg_parser_tests).
const TRADE_V1: &str = r#"{"action":"update","arg":{"instType":"sp","channel":"trade","instId":"BTCUSDT"},"data":[["1653873778747","29443.24","0.4134","buy"]]}"#;
/// Bitget's documented v2 `books1` push shape.
const BOOKS1: &str = r#"{"action":"snapshot","arg":{"instType":"SPOT","channel":"books1","instId":"BTCUSDT"},"data":[{"asks":[["26274.9","0.0009"]],"bids":[["26274.8","0.0027"]],"checksum":0,"seq":123,"ts":"1695710946294"}],"ts":1695710946294}"#;

fn small_frames(c: &mut Criterion) {
    let mut g = c.benchmark_group("bitget_frame");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(tickwire_bench::secs(3.0))
        .warm_up_time(tickwire_bench::warm(0.5));
    let mut parser = BitgetParser::new(Venue::Bitget, Instruments::new());
    let mut out = Vec::with_capacity(16);
    for (name, frame) in [
        ("trade_v2", TRADE_V2),
        ("trade_v1", TRADE_V1),
        ("books1_v2", BOOKS1),
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

fn books(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fixtures/bitget/cryptofeed_20220407_v1_spot_first200.tsv");
    let mut r = Reader::open(path).expect("fixture");
    let (mut rest, mut frames) = (Vec::new(), Vec::new());
    while let Some(f) = r.next_frame().expect("read") {
        match (f.kind, f.meta) {
            (FrameKind::Rest, _) => rest.push(f.payload.to_vec()),
            (FrameKind::WsText, "books") => frames.push(f.payload.to_vec()),
            _ => {}
        }
    }
    // every book's snapshot comes before the last one: that prefix is each round's warm-up
    let last_snapshot = frames
        .iter()
        .rposition(|f| f.starts_with(br#"{"action":"snapshot""#))
        .expect("snapshots");
    let (warm, updates) = frames.split_at(last_snapshot + 1);
    assert!(updates
        .iter()
        .all(|f| f.starts_with(br#"{"action":"update""#)));
    let levels: usize = updates
        .iter()
        .map(|f| f.windows(3).filter(|w| w == b"\",\"").count())
        .sum();
    eprintln!(
        "bitget books: {} real updates, {:.1} levels each on average",
        updates.len(),
        levels as f64 / updates.len() as f64
    );
    let mut g = c.benchmark_group("bitget_books_update");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(tickwire_bench::secs(3.0))
        .warm_up_time(tickwire_bench::warm(0.5));
    g.bench_function("parse_only", |b| {
        let mut parser = BitgetParser::new(Venue::Bitget, Instruments::new());
        let mut out = Vec::with_capacity(4096);
        let mut i = 0;
        b.iter(|| {
            out.clear();
            let _ = parser.parse_frame(&updates[i % updates.len()], Nanos(1), &mut out);
            i += 1;
        })
    });
    g.bench_function("parse_apply_checksum", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut done = 0u64;
            let mut sink = 0u64;
            while done < iters {
                let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
                for r in &rest {
                    let _ = p.on_rest(Venue::Bitget, r, None, Nanos(1), &mut |_| {});
                }
                for f in warm {
                    let _ = p.on_frame(Venue::Bitget, f, Nanos(1), &mut |_| {});
                }
                let n = ((iters - done) as usize).min(updates.len());
                let start = Instant::now();
                for f in &updates[..n] {
                    let _ = p.on_frame(Venue::Bitget, f, Nanos(2), &mut |_| sink += 1);
                }
                total += start.elapsed();
                let s = p.books().stats();
                assert_eq!((s.checksum_mismatches, s.gaps), (0, 0));
                done += n as u64;
            }
            black_box(sink);
            total
        })
    });
    g.finish();
}

criterion_group!(benches, small_frames, books);
criterion_main!(benches);
