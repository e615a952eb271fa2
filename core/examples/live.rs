//! The embedding API end to end: start the local simulator, connect a live feed to it through
//! TLS + WebSocket, print trades and the book top, shut down cleanly.
//!
//! `cargo run --release -p tickwire --example live`
//! (against Binance itself: build the feed without `endpoint`/`rest_endpoint`/`ca_pem`).

use std::time::{Duration, Instant};
use tickwire::decimal::Decimal;
use tickwire::event::{Event, Kind, Venue};
use tickwire::io::{FeedBuilder, Subscription};
use tickwire::sim::{SimConfig, Simulator};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = Simulator::start(SimConfig::new(Venue::Binance))?;
    let mut feed = FeedBuilder::new()
        .endpoint(sim.ws_url())
        .rest_endpoint(sim.rest_url())
        .ca_pem(sim.ca_pem().as_bytes().to_vec())
        .subscribe(Subscription::parse("binance:BTCUSDT:trades,bbo,book")?)
        .start()?;
    let mut buf = vec![Event::default(); 1024];
    let until = Instant::now() + Duration::from_secs(3);
    let mut trades = 0;
    while Instant::now() < until {
        let n = feed.wait(&mut buf, Duration::from_millis(100));
        for ev in &buf[..n] {
            if ev.kind == Kind::Trade as u8 {
                trades += 1;
                if trades <= 5 {
                    println!(
                        "trade {} @ {}",
                        Decimal::new(ev.v[1], ev.qty_exp),
                        Decimal::new(ev.v[0], ev.px_exp)
                    );
                }
            }
        }
    }
    if let Some((bids, asks)) = feed.book_top(Venue::Binance, "BTCUSDT", 3) {
        println!("book: bids {bids:?}\n      asks {asks:?}");
    }
    let m = feed.metrics();
    println!(
        "{trades} trades; {} events; latency p50 {} ns, p99 {} ns",
        m.delivered, m.latency_ns[0], m.latency_ns[1]
    );
    feed.shutdown();
    sim.shutdown();
    Ok(())
}
