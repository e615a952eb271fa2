//! Hyperliquid frame decode and book apply: `trades` and full `l2Book` pushes (every push
//! replaces the book: 20 levels per side).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use tickwire::event::{Nanos, Venue};
use tickwire::instrument::Instruments;
use tickwire::pipeline::{Pipeline, PipelineConfig};
use tickwire::venue::hyperliquid::HyperliquidParser;
use tickwire::venue::FrameParser;

/// A real trades frame from the corpus (hyperliquid/hftbacktest_btcusd_20250126_first60s).
const TRADE: &str = r#"{"channel":"trades","data":[{"coin":"BTC","hash":"0x84f7cbe3596546489dac041c922b5b01650050179ee3058030bca59dd434d1d5","px":"105056.0","side":"B","sz":"0.01853","tid":754186699313231,"time":1737918853204,"users":["0x592c6f1df3cd8b8f39408c807b5227fa4837c4c7","0x6802b4267f7f2bf7003dcf993c51542245b38329"]}]}"#;

/// An `l2Book` push shaped like the corpus' (20 levels per side, key order n, px, sz).
fn book(k: usize) -> String {
    let side = |base: i64, step: i64| -> String {
        (0..20)
            .map(|i| {
                let px = base + step * (i as i64 + (k as i64 % 2));
                format!(
                    r#"{{"n":{},"px":"{}.0","sz":"{}.{:05}"}}"#,
                    1 + (i + k) % 9,
                    px,
                    (i * 7 + k) % 20,
                    (i * 31 + k * 17) % 100_000
                )
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    format!(
        r#"{{"channel":"l2Book","data":{{"coin":"BTC","levels":[[{}],[{}]],"time":{}}}}}"#,
        side(105_055, -1),
        side(105_056, 1),
        1_737_918_843_542u64 + k as u64 * 500
    )
}

fn decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("hyperliquid_frame");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(tickwire_bench::secs(3.0))
        .warm_up_time(tickwire_bench::warm(0.5));
    let mut parser = HyperliquidParser::new(Instruments::new());
    let mut out = Vec::with_capacity(64);
    g.bench_function("trade", |b| {
        b.iter(|| {
            out.clear();
            black_box(parser.parse_frame(black_box(TRADE.as_bytes()), Nanos(1), &mut out)).ok();
        })
    });
    let books: Vec<String> = (0..64).map(book).collect();
    let mut i = 0;
    g.bench_function("l2book_40_levels_parse_only", |b| {
        b.iter(|| {
            out.clear();
            let _ = parser.parse_frame(books[i % books.len()].as_bytes(), Nanos(1), &mut out);
            i += 1;
        })
    });
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let mut n = 0u64;
    g.bench_function("l2book_40_levels_parse_and_book_apply", |b| {
        b.iter(|| {
            let _ = p.on_frame(
                Venue::Hyperliquid,
                books[i % books.len()].as_bytes(),
                Nanos(1),
                &mut |_| n += 1,
            );
            i += 1;
        })
    });
    black_box(n);
    g.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
