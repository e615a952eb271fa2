//! L2 book stage alone (`core/src/book.rs`, `Books::apply` on events parsed beforehand):
//!
//! * `book/binance_diff_apply_20`: a Binance depthUpdate of 20 levels (10 a side, about one in
//!   seven a delete) applied to a book of 1,000 levels a side; sync checks included.
//! * `book/top_of_book`: best bid and ask of a live 1,000-level book.
//! * `book/binance_snapshot_load_1000` and `_20`: a REST snapshot of 1,000 (20) levels a side
//!   replacing a live book.
//! * `book/okx_checksum_top25`: the OKX checksum (CRC32 over the text of the top 25 levels a
//!   side) of a real book from the capture `okx/cryptofeed_20220513_ws_3instr`.
//! * `book/kraken_checksum_top10`: the Kraken checksum (top 10 a side) of a real book from
//!   `kraken/cryptofeed_20210417`.
//!
//! `cargo bench -p tickwire-bench --bench book`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tickwire::book::{BookConfig, Books, ChecksumRule, L2Book};
use tickwire::event::{Event, InstrumentId, Nanos, Venue};
use tickwire::instrument::Instruments;
use tickwire::pipeline::{Pipeline, PipelineConfig};
use tickwire::record::{FrameKind, Reader};
use tickwire::venue::binance::BinanceParser;
use tickwire::venue::FrameParser;
use tickwire_bench::{binance_depth_frames, binance_snapshot, fixture};

const FRAMES: usize = 4000;

struct Binance {
    snapshot: Vec<Event>,
    snapshot20: Vec<Event>,
    diffs: Vec<Vec<Event>>,
}

fn binance() -> Binance {
    let inst = Instruments::new();
    let mut p = BinanceParser::new(Venue::Binance, inst.clone());
    let mut snapshot = Vec::new();
    p.parse_rest(
        binance_snapshot(1000).as_bytes(),
        Some("BTCUSDT"),
        Nanos(1),
        &mut snapshot,
    )
    .expect("snapshot");
    let mut snapshot20 = Vec::new();
    p.parse_rest(
        binance_snapshot(20).as_bytes(),
        Some("BTCUSDT"),
        Nanos(1),
        &mut snapshot20,
    )
    .expect("snapshot");
    let diffs = binance_depth_frames("BTCUSDT", FRAMES, 10)
        .iter()
        .map(|f| {
            let mut v = Vec::new();
            p.parse_frame(f.as_bytes(), Nanos(2), &mut v).expect("diff");
            assert_eq!(v.len(), 20);
            v
        })
        .collect();
    assert_eq!(snapshot.len(), 2000);
    Binance {
        snapshot,
        snapshot20,
        diffs,
    }
}

fn synced(snapshot: &[Event]) -> Books {
    let mut books = Books::new(BookConfig::default());
    let mut out = Vec::with_capacity(4096);
    books.apply(snapshot, &mut out);
    assert!(books.book(InstrumentId(0)).is_some(), "book is live");
    books
}

/// The first live book of a capture with at least `min` levels a side, after its metadata and
/// snapshots (and some updates) went through a pipeline.
fn real_book(venue: Venue, rel: &str, frames: usize, min: usize) -> L2Book {
    let mut r = Reader::open(fixture(rel)).expect("fixture");
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let mut n = 0;
    while let Some(f) = r.next_frame().expect("read") {
        match f.kind {
            FrameKind::Rest => {
                let _ = p.on_rest(venue, f.payload, None, f.ts_recv, &mut |_| {});
            }
            FrameKind::WsText => {
                let _ = p.on_frame(venue, f.payload, f.ts_recv, &mut |_| {});
                n += 1;
            }
            _ => {}
        }
        if n >= frames {
            break;
        }
    }
    let inst: &Arc<Instruments> = p.instruments();
    (0..inst.len() as u32)
        .filter_map(|i| p.books().book(InstrumentId(i)))
        .find(|b| {
            let (bids, asks) = b.depth();
            bids >= min && asks >= min
        })
        .expect("a live book")
        .clone()
}

fn book(c: &mut Criterion) {
    let bn = binance();
    let mut g = c.benchmark_group("book");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(tickwire_bench::secs(3.0))
        .warm_up_time(tickwire_bench::warm(0.5));

    g.bench_function("binance_diff_apply_20", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut done = 0u64;
            let mut out = Vec::with_capacity(4096);
            while done < iters {
                let mut books = synced(&bn.snapshot);
                let n = ((iters - done) as usize).min(bn.diffs.len());
                let start = Instant::now();
                for d in &bn.diffs[..n] {
                    books.apply(black_box(d), &mut out);
                    out.clear();
                }
                total += start.elapsed();
                let s = books.stats();
                assert_eq!((s.gaps, s.crossed), (0, 0));
                done += n as u64;
            }
            total
        })
    });

    g.bench_function("top_of_book", |b| {
        let books = synced(&bn.snapshot);
        b.iter(|| {
            let book = books.book(black_box(InstrumentId(0))).expect("live");
            black_box((book.best_bid(), book.best_ask()))
        })
    });

    for (name, snap) in [
        ("binance_snapshot_load_1000", &bn.snapshot),
        ("binance_snapshot_load_20", &bn.snapshot20),
    ] {
        g.bench_function(name, |b| {
            let mut books = synced(snap);
            let mut out = Vec::with_capacity(4096);
            b.iter(|| {
                books.apply(black_box(snap), &mut out);
                out.clear();
            })
        });
    }

    let okx = real_book(Venue::Okx, "okx/cryptofeed_20220513_ws_3instr.tsv", 150, 25);
    g.bench_function("okx_checksum_top25", |b| {
        let mut buf = String::with_capacity(4096);
        b.iter(|| ChecksumRule::InterleavedTop25.compute(black_box(&okx), &mut buf))
    });
    let kraken = real_book(Venue::Kraken, "kraken/cryptofeed_20210417.tsv", 1000, 10);
    g.bench_function("kraken_checksum_top10", |b| {
        let mut buf = String::with_capacity(4096);
        b.iter(|| ChecksumRule::KrakenTop10.compute(black_box(&kraken), &mut buf))
    });
    g.finish();
}

criterion_group!(benches, book);
criterion_main!(benches);
