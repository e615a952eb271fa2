//! Parses one frame kind N times: for instruction counts under callgrind
//! (`valgrind --tool=callgrind target/release/parse_loop trade 100000`).
use tickwire::venue::FrameParser;
const TRADE: &str = r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}"#;
const DEPTH: &str = r#"{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1723161255208,"s":"BTCUSDT","U":50093239189,"u":50093239202,"b":[["61737.63000000","0.00000000"],["61730.17000000","0.00000000"],["56854.58000000","0.00000000"],["61837.63000000","3.78826000"],["61837.62000000","0.61700000"],["61837.24000000","0.10610000"],["61836.01000000","0.01570000"],["61836.00000000","0.54369000"],["61835.99000000","0.64666000"],["61834.63000000","0.00105000"]],"a":[["61837.64000000","1.54698000"],["61839.85000000","0.00000000"],["61839.86000000","0.00000000"],["61845.11000000","0.32329000"],["61848.49000000","0.00000000"],["61855.45000000","0.32323000"],["61862.51000000","0.05041000"],["61862.52000000","0.00000000"],["61937.64000000","0.02000000"],["61937.65000000","0.02000000"]]}}"#;
/// A pipeline whose BTCUSDT book is synced on the REST snapshot `snap`.
fn synced(snap: &str) -> tickwire::pipeline::Pipeline {
    let mut p = tickwire::pipeline::Pipeline::new(
        tickwire::instrument::Instruments::new(),
        tickwire::pipeline::PipelineConfig::default(),
    );
    p.on_rest(
        tickwire::Venue::Binance,
        snap.as_bytes(),
        Some("BTCUSDT"),
        tickwire::Nanos(1),
        &mut |_| {},
    )
    .expect("snapshot");
    p
}

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "trade".into());
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    if which == "bench-parse" || which == "bench-book" {
        // the criterion bench's frames, made before the loop (callgrind: subtract `... 1`)
        let frames = tickwire_bench::binance_depth_frames("BTCUSDT", n.max(1), 10);
        let snap = tickwire_bench::binance_snapshot(1000);
        let mut p = synced(&snap);
        let mut parser = tickwire::venue::binance::BinanceParser::new(
            tickwire::Venue::Binance,
            tickwire::instrument::Instruments::new(),
        );
        let mut out = Vec::with_capacity(64);
        let mut sum = 0u64;
        for f in &frames[..n] {
            if which == "bench-book" {
                let _ = p.on_frame(
                    tickwire::Venue::Binance,
                    std::hint::black_box(f.as_bytes()),
                    tickwire::Nanos(2),
                    &mut |_| sum += 1,
                );
            } else {
                out.clear();
                let _ = parser.parse_frame(
                    std::hint::black_box(f.as_bytes()),
                    tickwire::Nanos(1),
                    &mut out,
                );
                sum += out.len() as u64;
            }
        }
        println!("{which}: {sum} events, gaps {}", p.books().stats().gaps);
        return;
    }
    if which == "book" {
        // parse + book apply + dedupe through the pipeline, on a synced book
        let snap = r#"{"lastUpdateId":50093239188,"bids":[["61737.63000000","1.00000000"],["61730.17000000","1.00000000"]],"asks":[["61837.64000000","1.00000000"]]}"#;
        let mut p = synced(snap);
        let mut sum = 0u64;
        for k in 0..n as u64 {
            // consecutive update ids so every frame applies
            let (u0, u1) = (50_093_239_189 + k * 14, 50_093_239_202 + k * 14);
            let frame = DEPTH.replacen("50093239189", &u0.to_string(), 1).replacen(
                "50093239202",
                &u1.to_string(),
                1,
            );
            let _ = p.on_frame(
                tickwire::Venue::Binance,
                std::hint::black_box(frame.as_bytes()),
                tickwire::Nanos(2),
                &mut |_| sum += 1,
            );
        }
        println!("book: {sum} events, gaps {}", p.books().stats().gaps);
        return;
    }
    let frame = if which == "depth" { DEPTH } else { TRADE };
    let mut p = tickwire::venue::binance::BinanceParser::new(
        tickwire::Venue::Binance,
        tickwire::instrument::Instruments::new(),
    );
    let mut out = Vec::with_capacity(64);
    let mut sum = 0i64;
    for _ in 0..n {
        out.clear();
        let _ = p.parse_frame(
            std::hint::black_box(frame.as_bytes()),
            tickwire::Nanos(1),
            &mut out,
        );
        sum = sum.wrapping_add(out[0].v[0]);
    }
    println!("{which}: {} events/frame, checksum {sum}", out.len());
}
