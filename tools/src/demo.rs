//! `tickwire demo`: the built-in exchange simulator on loopback, driven through the real TLS +
//! WebSocket path, with a live summary. Faults are injected on the way so recovery is visible.

use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tickwire::decimal::Decimal;
use tickwire::event::{Event, Kind, Side, StatusCode, Venue};
use tickwire::io::{FeedBuilder, Subscription};
use tickwire::sim::{Fault, SimConfig, Simulator, Source};

#[derive(clap::Args)]
pub struct DemoArgs {
    /// How long to stream.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Simulator messages per second (all streams together).
    #[arg(long, default_value_t = 3000)]
    rate: u32,
    /// The venue whose protocol the simulator speaks (binance, okx, bybit-linear, coinbase,
    /// kraken, gateio, bitget, hyperliquid, ...).
    #[arg(long, default_value = "binance")]
    venue: String,
    /// Symbols to simulate, in the venue's native form (default: BTC, ETH and SOL markets).
    #[arg(long, value_delimiter = ',')]
    symbols: Vec<String>,
    /// Do not inject faults (a dropped diff at 40 %, a disconnect at 70 % of the run).
    #[arg(long)]
    no_faults: bool,
}

#[derive(Default)]
struct PerSymbol {
    trades: u64,
    quotes: u64,
    levels: u64,
    last_trade: Option<(i64, i64, i8, i8, Side)>,
    last_quote: Option<[i64; 4]>,
    exps: (i8, i8),
}

pub fn run(args: DemoArgs) -> Result<()> {
    let venue = Venue::from_name(&args.venue).ok_or_else(|| {
        let names: Vec<&str> = Venue::ALL.iter().map(|v| v.name()).collect();
        anyhow::anyhow!(
            "unknown venue {:?} (known: {})",
            args.venue,
            names.join(", ")
        )
    })?;
    let symbols: Vec<String> = if args.symbols.is_empty() {
        default_symbols(venue)
    } else {
        args.symbols
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .map(|s| {
                if venue == Venue::Hyperliquid {
                    s
                } else {
                    s.to_ascii_uppercase()
                }
            })
            .collect()
    };
    let total = Duration::from_secs_f64(args.seconds.max(1.0));
    let mut config = SimConfig::new(venue);
    config.symbols = symbols.clone();
    config.source = Source::Synthetic {
        rate_per_sec: args.rate.max(1),
        symbols: symbols.clone(),
    };
    if !args.no_faults {
        config.faults = vec![
            (total.mul_f64(0.4), Fault::Drop(1)),
            (total.mul_f64(0.7), Fault::Disconnect),
        ];
    }
    let sim = Simulator::start(config).context("cannot start the simulator")?;
    println!(
        "tickwire demo: simulator serving {venue} on {} (TLS, generated CA)",
        sim.ws_url()
    );
    let mut builder = FeedBuilder::new()
        .endpoint(sim.ws_url())
        .rest_endpoint(sim.rest_url())
        .ca_pem(sim.ca_pem().as_bytes().to_vec())
        .backoff(Duration::from_millis(50), Duration::from_secs(1));
    for s in &symbols {
        builder = builder.subscribe(Subscription::parse(&format!(
            "{}:{s}:trades,bbo,book",
            venue.name()
        ))?);
    }
    let mut feed = builder.start().context("cannot start the feed")?;
    if !args.no_faults {
        println!(
            "faults on schedule: a dropped depth diff at {:.0} s (gap or checksum mismatch → resync the venue's way), every connection dropped at {:.0} s (reconnect)",
            total.as_secs_f64() * 0.4,
            total.as_secs_f64() * 0.7
        );
    }
    let started = Instant::now();
    let mut per: BTreeMap<String, PerSymbol> = BTreeMap::new();
    let mut statuses: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut buf = vec![Event::default(); 8192];
    let mut next_report = started + Duration::from_secs(1);
    let mut window_events = 0u64;
    let mut window_start = started;
    while started.elapsed() < total {
        let n = feed.wait(&mut buf, Duration::from_millis(50));
        window_events += n as u64;
        for ev in &buf[..n] {
            if let Some(code) = ev.status() {
                *statuses.entry(code.name()).or_insert(0) += 1;
                continue;
            }
            let Some(info) = feed.instruments().info(ev.instrument()) else {
                continue;
            };
            let p = per.entry(info.symbol).or_default();
            p.exps = (ev.px_exp, ev.qty_exp);
            match ev.kind() {
                Some(Kind::Trade) => {
                    p.trades += 1;
                    p.last_trade = Some((ev.v[0], ev.v[1], ev.px_exp, ev.qty_exp, ev.side()));
                }
                Some(Kind::Quote) => {
                    p.quotes += 1;
                    p.last_quote = Some([ev.v[0], ev.v[1], ev.v[2], ev.v[3]]);
                }
                Some(Kind::BookLevel) => p.levels += 1,
                _ => {}
            }
        }
        if Instant::now() >= next_report {
            let secs = window_start.elapsed().as_secs_f64();
            report(
                &feed,
                venue,
                &per,
                &statuses,
                started.elapsed().as_secs_f64(),
                window_events as f64 / secs,
            );
            window_events = 0;
            window_start = Instant::now();
            next_report += Duration::from_secs(1);
        }
    }
    let m = feed.metrics();
    let books_live = symbols
        .iter()
        .filter(|s| feed.book(venue, s).is_some())
        .count();
    println!();
    println!(
        "done in {:.1} s: {} events delivered, {} frames ({:.1} MB) over {} connection(s), {} reconnect(s), {} REST snapshot(s)",
        started.elapsed().as_secs_f64(),
        m.delivered,
        m.frames,
        m.bytes as f64 / 1e6,
        m.connects.min(1),
        m.connects.saturating_sub(1),
        m.rest.0
    );
    println!(
        "books: {} applied diffs, {} gap(s) announced and resynced, {} crossed, {}/{} books live; malformed frames: {}",
        m.books.applied,
        m.books.gaps,
        m.books.crossed,
        books_live,
        symbols.len(),
        m.malformed
    );
    println!(
        "latency socket read → consumer: p50 {:.1} µs, p99 {:.1} µs, p99.9 {:.1} µs, max {:.1} µs",
        m.latency_ns[0] as f64 / 1e3,
        m.latency_ns[1] as f64 / 1e3,
        m.latency_ns[2] as f64 / 1e3,
        m.latency_ns[3] as f64 / 1e3
    );
    println!(
        "  of which the io shard (socket read → parsed, into the route ring): p50 {:.1} µs, p99 {:.1} µs, p99.9 {:.1} µs",
        m.shard_latency_ns[0] as f64 / 1e3,
        m.shard_latency_ns[1] as f64 / 1e3,
        m.shard_latency_ns[2] as f64 / 1e3
    );
    feed.shutdown();
    sim.shutdown();
    Ok(())
}

fn report(
    feed: &tickwire::io::Feed,
    venue: Venue,
    per: &BTreeMap<String, PerSymbol>,
    statuses: &BTreeMap<&'static str, u64>,
    t: f64,
    rate: f64,
) {
    let m = feed.metrics();
    println!(
        "── t={t:>4.1} s  {rate:>8.0} events/s  latency p50 {:.1} µs p99 {:.1} µs  status {:?}",
        m.latency_ns[0] as f64 / 1e3,
        m.latency_ns[1] as f64 / 1e3,
        statuses
    );
    for (sym, p) in per {
        let d = |m: i64, e: i8| Decimal::new(m, e).to_string();
        let trade = p
            .last_trade
            .map_or("-".to_string(), |(px, q, pe, qe, side)| {
                format!(
                    "{} {} @ {}",
                    if side == Side::Buy { "buy " } else { "sell" },
                    d(q, qe),
                    d(px, pe)
                )
            });
        let bbo = p.last_quote.map_or("-".to_string(), |q| {
            format!(
                "{} x {} | {} x {}",
                d(q[1], p.exps.1),
                d(q[0], p.exps.0),
                d(q[2], p.exps.0),
                d(q[3], p.exps.1)
            )
        });
        let book = match feed.book_top(venue, sym, 1) {
            Some((b, a)) if !b.is_empty() && !a.is_empty() => {
                format!("book {} / {}", d(b[0].px, p.exps.0), d(a[0].px, p.exps.0))
            }
            _ => "book resyncing".to_string(),
        };
        println!("   {sym:<9} trades {:>6} bbo {:>6} levels {:>7}   last {trade:<28} bbo {bbo:<40} {book}", p.trades, p.quotes, p.levels);
    }
    let _ = StatusCode::Gap;
}

/// The BTC, ETH and SOL markets in `venue`'s native spelling.
fn default_symbols(venue: Venue) -> Vec<String> {
    let pat = match venue {
        Venue::Binance | Venue::BinanceUsdm | Venue::BybitSpot | Venue::BybitLinear => "{}USDT",
        Venue::Bitget | Venue::BitgetFutures => "{}USDT",
        Venue::BinanceCoinm => "{}USD_PERP",
        Venue::BybitInverse => "{}USD",
        Venue::Okx => "{}-USDT",
        Venue::Coinbase => "{}-USD",
        Venue::Kraken => "{}/USD",
        Venue::Gateio | Venue::GateioFutures => "{}_USDT",
        _ => "{}",
    };
    ["BTC", "ETH", "SOL"]
        .iter()
        .map(|b| pat.replace("{}", b))
        .collect()
}
