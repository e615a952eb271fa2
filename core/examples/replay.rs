//! Replays a recording and prints trades and book tops.
//!
//! `cargo run --release -p tickwire --example replay -- [--venue binance] FILE...`

use tickwire::decimal::Decimal;
use tickwire::event::{Event, Kind, Venue};
use tickwire::replay::{Replay, ReplayConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut venue = Venue::Binance;
    if args.first().map(String::as_str) == Some("--venue") && args.len() > 1 {
        venue = Venue::from_name(&args[1]).ok_or("unknown venue")?;
        args.drain(..2);
    }
    if args.is_empty() {
        return Err("usage: replay [--venue NAME] FILE...".into());
    }
    let mut config = ReplayConfig::new(venue);
    config.pipeline.books.record_tops = true;
    let mut replay = Replay::open(args, config)?;
    let mut buf = vec![Event::default(); 4096];
    let (mut trades, mut tops) = (0u64, 0u64);
    loop {
        let n = replay.poll(&mut buf)?;
        if n == 0 {
            break;
        }
        for ev in &buf[..n] {
            if ev.kind == Kind::Trade as u8 {
                trades += 1;
                if trades <= 5 {
                    let sym = replay
                        .instruments()
                        .info(ev.instrument())
                        .map(|i| i.symbol)
                        .unwrap_or_default();
                    println!(
                        "trade {sym} {} @ {}",
                        Decimal::new(ev.v[1], ev.qty_exp),
                        Decimal::new(ev.v[0], ev.px_exp)
                    );
                }
            }
        }
        for top in replay.drain_tops() {
            tops += 1;
            if let (Some(b), Some(a)) = (top.bid, top.ask) {
                if tops % 200 == 1 {
                    println!(
                        "top seq {} bid {} ask {}",
                        top.seq,
                        Decimal::new(b.px, top.px_exp),
                        Decimal::new(a.px, top.px_exp)
                    );
                }
            }
        }
    }
    println!(
        "{trades} trades, {tops} book updates; {:?}",
        replay.pipeline().books().stats()
    );
    Ok(())
}
