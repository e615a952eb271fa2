//! OKX v5 hot messages: a trade frame, a ticker and a `bbo-tbt` frame (parse only), and the
//! real `books` updates of the 2022 capture (fixture `okx/cryptofeed_20220513_ws_3instr`):
//! parse only, and parse + book apply + checksum verification through the pipeline.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};
use tickwire::event::{Nanos, Venue};
use tickwire::instrument::Instruments;
use tickwire::pipeline::{Pipeline, PipelineConfig};
use tickwire::record::{FrameKind, Reader};
use tickwire::venue::okx::OkxParser;
use tickwire::venue::FrameParser;

/// Real frames (okx/crypto_msg_parser_tests).
const TRADE: &str = r#"{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"314161276","px":"43474.1","sz":"0.00373695","side":"buy","ts":"1646311839593"}]}"#;
const TICKER: &str = r#"{"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instType":"SPOT","instId":"BTC-USDT","last":"29934","lastSz":"0.00001468","askPx":"29934.1","askSz":"0.30918743","bidPx":"29934","bidSz":"0.05181315","open24h":"31588.3","high24h":"31899.8","low24h":"29318.7","sodUtc0":"29806.5","sodUtc8":"30747","volCcy24h":"302140058.01215828","vol24h":"9935.14546361","ts":"1654166073135"}]}"#;
const BBO: &str = r#"{"arg":{"channel":"bbo-tbt","instId":"BTC-USDT"},"data":[{"asks":[["31774.7","0.14368878","0","3"]],"bids":[["31774.6","0.3392211","0","3"]],"ts":"1654032991947"}]}"#;

fn fixture_frames() -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fixtures/okx/cryptofeed_20220513_ws_3instr.tsv");
    let mut r = Reader::open(path).expect("fixture");
    let (mut rest, mut books) = (Vec::new(), Vec::new());
    while let Some(f) = r.next_frame().expect("read") {
        match (f.kind, f.meta) {
            (FrameKind::Rest, _) => rest.push(f.payload.to_vec()),
            (FrameKind::WsText, "books") => books.push(f.payload.to_vec()),
            _ => {}
        }
    }
    (rest, books)
}

fn small_frames(c: &mut Criterion) {
    let mut g = c.benchmark_group("okx_frame");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(tickwire_bench::secs(3.0))
        .warm_up_time(tickwire_bench::warm(0.5));
    let mut parser = OkxParser::new(Instruments::new());
    let mut out = Vec::with_capacity(16);
    for (name, frame) in [("trade", TRADE), ("ticker", TICKER), ("bbo_tbt", BBO)] {
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
    let (rest, frames) = fixture_frames();
    // the 3 snapshots come first (each round's untimed warm-up), then 287 updates
    let is_snapshot = |f: &&Vec<u8>| f.windows(10).any(|w| w == b"\"snapshot\"");
    let snapshots: Vec<&Vec<u8>> = frames.iter().filter(is_snapshot).collect();
    let updates: Vec<&Vec<u8>> = frames.iter().filter(|f| !is_snapshot(f)).collect();
    assert_eq!((snapshots.len(), updates.len()), (3, 287));
    assert!(frames[..3].iter().all(|f| is_snapshot(&f)));
    let levels: usize = updates
        .iter()
        .map(|f| f.windows(3).filter(|w| w == b"\",\"").count() / 3)
        .sum();
    eprintln!(
        "okx books: {} real updates, {:.1} levels each on average",
        updates.len(),
        levels as f64 / updates.len() as f64
    );
    let mut g = c.benchmark_group("okx_books_update");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(tickwire_bench::secs(3.0))
        .warm_up_time(tickwire_bench::warm(0.5));
    g.bench_function("parse_only", |b| {
        let mut parser = OkxParser::new(Instruments::new());
        let mut out = Vec::with_capacity(4096);
        let mut i = 0;
        b.iter(|| {
            out.clear();
            let _ = parser.parse_frame(updates[i % updates.len()], Nanos(1), &mut out);
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
                    let _ = p.on_rest(Venue::Okx, r, None, Nanos(1), &mut |_| {});
                }
                for s in &snapshots {
                    let _ = p.on_frame(Venue::Okx, s, Nanos(1), &mut |_| {});
                }
                let n = ((iters - done) as usize).min(updates.len());
                let start = Instant::now();
                for f in &updates[..n] {
                    let _ = p.on_frame(Venue::Okx, f, Nanos(2), &mut |_| sink += 1);
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
