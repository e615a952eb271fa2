//! Kraken hot messages: a v1 trade frame, v1 book update frames (parse only, and parse + book
//! apply + checksum verification over the real capture's 4,269 updates), a v2 book update.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;
use tickwire::event::{Nanos, Venue};
use tickwire::instrument::Instruments;
use tickwire::pipeline::{Pipeline, PipelineConfig};
use tickwire::record::{FrameKind, Reader};
use tickwire::venue::kraken::KrakenParser;
use tickwire::venue::FrameParser;

/// Real frames from the corpus (kraken/cryptofeed_20210417).
const TRADE: &str =
    r#"[993,[["354.11000000","0.89594024","1618678142.557535","s","l",""]],"trade","XMR/USD"]"#;
const BOOK_UPDATE: &str = r#"[992,{"b":[["354.15000000","5.00000000","1618678133.365913"]],"c":"2583817756"},"book-1000","XMR/USD"]"#;
/// The documented v2 update shape.
const V2_UPDATE: &str = r#"{"channel":"book","type":"update","data":[{"symbol":"MATIC/USD","bids":[{"price":0.5657,"qty":1098.3947558}],"asks":[],"checksum":2114181697,"timestamp":"2023-10-06T17:35:55.440295Z"}]}"#;

fn frames_decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("kraken_frame");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(tickwire_bench::secs(3.0))
        .warm_up_time(tickwire_bench::warm(0.5));
    let mut parser = KrakenParser::new(Instruments::new());
    let mut out = Vec::with_capacity(64);
    for (name, frame) in [
        ("v1_trade", TRADE),
        ("v1_book_update", BOOK_UPDATE),
        ("v2_book_update", V2_UPDATE),
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

/// The capture's frames in order (AssetPairs, snapshots, updates, …).
fn capture() -> Vec<(FrameKind, Vec<u8>)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fixtures/kraken/cryptofeed_20210417.tsv");
    let mut r = Reader::open(path).expect("kraken fixture");
    let mut v = Vec::new();
    while let Some(f) = r.next_frame().expect("read") {
        if f.kind != FrameKind::ClientSent {
            v.push((f.kind, f.payload.to_vec()));
        }
    }
    v
}

fn book_apply(c: &mut Criterion) {
    let frames = capture();
    let updates: Vec<&[u8]> = frames
        .iter()
        .filter(|(_, f)| f.windows(5).any(|w| w == b"\"c\":\""))
        .map(|(_, f)| f.as_slice())
        .collect();
    assert_eq!(updates.len(), 4269);
    let last_snapshot = frames
        .iter()
        .rposition(|(_, f)| f.windows(5).any(|w| w == b"{\"as\""))
        .expect("snapshots");
    let mut g = c.benchmark_group("kraken_book_update");
    g.measurement_time(tickwire_bench::secs(3.0))
        .warm_up_time(tickwire_bench::warm(0.5));
    g.throughput(Throughput::Elements(1));
    g.bench_function("v1_parse_only", |b| {
        let mut parser = KrakenParser::new(Instruments::new());
        let mut out = Vec::with_capacity(4096);
        let mut i = 0;
        b.iter(|| {
            out.clear();
            let _ = parser.parse_frame(updates[i % updates.len()], Nanos(1), &mut out);
            i += 1;
        })
    });
    g.bench_function("v1_parse_apply_checksum", |b| {
        // Each measurement is one whole pass over what follows the last snapshot (4,4xx frames:
        // the checksummed updates, trades, heartbeats) on a pipeline fed the metadata and the
        // ten snapshots untimed; the time per frame is scaled to what criterion asked for.
        // (Short batches on fresh pipelines would time the setup's cold caches instead.)
        b.iter_custom(|iters| {
            let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
            for (kind, f) in &frames[..=last_snapshot] {
                if *kind == FrameKind::Rest {
                    let _ = p.on_rest(Venue::Kraken, f, None, Nanos(1), &mut |_| {});
                } else {
                    let _ = p.on_frame(Venue::Kraken, f, Nanos(1), &mut |_| {});
                }
            }
            let rest = &frames[last_snapshot + 1..];
            let mut sink = 0u64;
            let start = Instant::now();
            for (_, f) in rest {
                let _ = p.on_frame(Venue::Kraken, f, Nanos(2), &mut |_| sink += 1);
            }
            let elapsed = start.elapsed();
            assert_eq!(p.books().stats().checksum_mismatches, 0);
            black_box(sink);
            elapsed.mul_f64(iters as f64 / rest.len() as f64)
        })
    });
    g.finish();
}

criterion_group!(benches, frames_decode, book_apply);
criterion_main!(benches);
