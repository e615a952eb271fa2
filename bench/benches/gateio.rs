//! Gate.io frame decode (spot and USDT futures): trades, book tickers, order book diffs, and
//! diff frame → events → book applied. The fast paths against the general sonic-rs path on the
//! same frames.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::time::{Duration, Instant};
use tickwire::event::{Nanos, Venue};
use tickwire::instrument::Instruments;
use tickwire::pipeline::{Pipeline, PipelineConfig};
use tickwire::venue::gateio::GateioParser;
use tickwire::venue::FrameParser;

/// Real frames from the corpus (gateio/cryptofeed_20210422, gateio_futures/cryptofeed_20230524,
/// gateio/crypto_msg_parser_tests).
const SPOT_TRADE: &str = r#"{"time":1619093543,"channel":"spot.trades","event":"update","result":{"id":816995772,"create_time":1619093543,"create_time_ms":"1619093543708.2642","side":"sell","currency_pair":"DIS_USDT","amount":"0.2010000000","price":"121.5800000000"}}"#;
const FUTURES_TRADE: &str = r#"{"time":1616327563,"channel":"futures.trades","event":"update","result":[{"size":50,"id":15366793,"create_time":1616327563,"create_time_ms":1616327563918,"price":"56233.3","contract":"BTC_USDT"}]}"#;
const FUTURES_BOOK_TICKER: &str = r#"{"time":1684930165,"time_ms":1684930165631,"channel":"futures.book_ticker","event":"update","result":{"t":1684930165621,"u":6159967,"s":"PHB_USDT","b":"0.7379","B":814,"a":"0.739","A":677}}"#;
const SPOT_DIFF: &str = r#"{"time":1619093534,"channel":"spot.order_book_update","event":"update","result":{"t":1619093534923,"e":"depthUpdate","E":1619093534,"s":"QTUM3S_USDT","U":69526952,"u":69526959,"b":[["0.226779","0"],["0.225553","3469.02"],["0.223292","22.2015"],["0.221831","15.48"]],"a":[["0.228734","0"],["0.229291","5869.24"],["0.235959","5032.83"],["0.236675","15.48"]]}}"#;
const FUTURES_DIFF: &str = r#"{"time":1684930165,"time_ms":1684930165353,"channel":"futures.order_book_update","event":"update","result":{"U":203083178,"a":[{"p":"0.3047","s":8393},{"p":"0.2992","s":1336},{"p":"0.2983","s":1553},{"p":"0.3225","s":13}],"b":[],"s":"RDNT_USDT","t":1684930165247,"u":203083178}}"#;

fn decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("gateio_frame");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(tickwire_bench::secs(3.0))
        .warm_up_time(tickwire_bench::warm(0.5));
    for (name, venue, frame) in [
        ("spot_trade", Venue::Gateio, SPOT_TRADE),
        ("futures_trade", Venue::GateioFutures, FUTURES_TRADE),
        (
            "futures_book_ticker",
            Venue::GateioFutures,
            FUTURES_BOOK_TICKER,
        ),
        ("spot_diff_8_levels", Venue::Gateio, SPOT_DIFF),
        ("futures_diff_4_levels", Venue::GateioFutures, FUTURES_DIFF),
    ] {
        for fast in [true, false] {
            let mut parser = GateioParser::new(venue, Instruments::new());
            parser.set_fast_paths(fast);
            let mut out = Vec::with_capacity(64);
            let id = format!("{name}/{}", if fast { "fast" } else { "sonic_rs" });
            g.bench_function(id, |b| {
                b.iter(|| {
                    out.clear();
                    black_box(parser.parse_frame(black_box(frame.as_bytes()), Nanos(1), &mut out))
                        .ok();
                })
            });
        }
    }
    g.finish();
}

/// `n` consecutive diff frames with `levels` levels per side, chained U = prev u + 1.
fn diff_frames(futures: bool, n: usize, levels: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let first = 1001 + (i as u64) * 5;
            let side = |base: i64, step: i64| -> String {
                (0..levels)
                    .map(|k| {
                        let ticks = base + step * (k as i64 + (i as i64 % 3));
                        let qty = if (i + k) % 7 == 0 { 0 } else { 1 + (i * 31 + k * 17) % 5000 };
                        if futures {
                            format!(r#"{{"p":"{}.{}","s":{qty}}}"#, ticks / 10, ticks % 10)
                        } else {
                            format!(r#"["{}.{}","{}.{:03}"]"#, ticks / 10, ticks % 10, qty / 1000, qty % 1000)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            };
            if futures {
                format!(
                    r#"{{"time":1684930165,"time_ms":1684930165353,"channel":"futures.order_book_update","event":"update","result":{{"U":{first},"a":[{}],"b":[{}],"s":"BTC_USDT","t":1684930165247,"u":{}}}}}"#,
                    side(618_380, 1),
                    side(618_370, -1),
                    first + 4
                )
            } else {
                format!(
                    r#"{{"time":1619093534,"channel":"spot.order_book_update","event":"update","result":{{"t":1619093534923,"e":"depthUpdate","E":1619093534,"s":"BTC_USDT","U":{first},"u":{},"b":[{}],"a":[{}]}}}}"#,
                    first + 4,
                    side(618_370, -1),
                    side(618_380, 1)
                )
            }
        })
        .collect()
}

fn snapshot(futures: bool, levels: usize) -> String {
    let side = |base: i64, step: i64| -> String {
        (0..levels)
            .map(|k| {
                let t = base + step * k as i64;
                if futures {
                    format!(r#"{{"s":1,"p":"{}.{}"}}"#, t / 10, t % 10)
                } else {
                    format!(r#"["{}.{}","1"]"#, t / 10, t % 10)
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    format!(
        r#"{{"current":1,"update":1,"asks":[{}],"bids":[{}],"id":1000}}"#,
        side(618_380, 1),
        side(618_370, -1)
    )
}

fn depth_apply(c: &mut Criterion) {
    let mut g = c.benchmark_group("gateio_depth_frame");
    g.measurement_time(tickwire_bench::secs(3.0))
        .warm_up_time(tickwire_bench::warm(0.5));
    for (market, venue) in [("spot", Venue::Gateio), ("futures", Venue::GateioFutures)] {
        let futures = venue == Venue::GateioFutures;
        let levels = 10; // per side: 20 levels per frame
        let frames = diff_frames(futures, 20_000, levels);
        let snap = snapshot(futures, 100);
        g.throughput(Throughput::Elements(1));
        g.bench_with_input(
            BenchmarkId::new(format!("{market}_parse_only"), levels * 2),
            &frames,
            |b, frames| {
                let mut parser = GateioParser::new(venue, Instruments::new());
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
            BenchmarkId::new(format!("{market}_parse_and_book_apply"), levels * 2),
            &frames,
            |b, frames| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    let mut done = 0u64;
                    let mut sink_count = 0u64;
                    while done < iters {
                        let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
                        p.on_rest(
                            venue,
                            snap.as_bytes(),
                            Some("BTC_USDT"),
                            Nanos(1),
                            &mut |_| {},
                        )
                        .expect("snapshot");
                        let n = ((iters - done) as usize).min(frames.len());
                        let start = Instant::now();
                        for f in &frames[..n] {
                            let _ =
                                p.on_frame(venue, f.as_bytes(), Nanos(2), &mut |_| sink_count += 1);
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

criterion_group!(benches, decode, depth_apply);
criterion_main!(benches);
