//! `tickwire stream` (live events to stdout) and `tickwire record` (live raw frames to a file).

use crate::output::{self, Format};
use anyhow::{Context, Result};
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tickwire::event::{Event, Kind, Venue};
use tickwire::io::{Feed, FeedBuilder, Subscription};
use tickwire::json;
use tickwire::route::Overflow;

/// Connection options shared by `stream`, `record` and the demo.
#[derive(clap::Args, Clone)]
pub struct Connect {
    /// What to stream: venue:SYMBOL[:channel,...], channels trades, aggtrades, bbo, book, candles
    /// (e.g. binance:BTCUSDT:trades,bbo,book); channel=variant chooses the venue's native
    /// stream (okx:BTC-USDT:book=books-l2-tbt, bybit:BTCUSDT:book=50, gateio:BTC_USDT:book=obu,
    /// kraken:XBT/USD:book=100; candle intervals candles=5m, candles=1h, …, several at once:
    /// binance:BTCUSDT:candles,candles=5m; README "Subscription specs" lists them).
    #[arg(required = true)]
    pub specs: Vec<String>,
    /// WebSocket base URL instead of the venue's (e.g. a simulator's wss://127.0.0.1:PORT).
    #[arg(long)]
    pub endpoint: Option<String>,
    /// REST base URL instead of the venue's (defaults to the --endpoint host over https).
    #[arg(long)]
    pub rest_endpoint: Option<String>,
    /// Allow ws:// and http:// endpoints on hosts other than this machine (plain text is
    /// otherwise refused except for loopback).
    #[arg(long)]
    pub allow_plaintext: bool,
    /// Trust only this CA certificate (PEM) instead of the public roots (a simulator's).
    #[arg(long)]
    pub ca: Option<PathBuf>,
    /// Stop after this many seconds (default: run until interrupted).
    #[arg(long)]
    pub duration: Option<f64>,
    /// io shards (threads).
    #[arg(long, default_value_t = 1)]
    pub shards: usize,
    /// Redundant connections per stream set (first copy of each event wins).
    #[arg(long, default_value_t = 1)]
    pub redundancy: usize,
}

impl Connect {
    pub fn builder(&self) -> Result<FeedBuilder> {
        let mut b = FeedBuilder::new()
            .shards(self.shards)
            .redundancy(self.redundancy)
            .overflow(Overflow::DropNewest);
        for s in &self.specs {
            b = b.subscribe(Subscription::parse(s)?);
        }
        if let Some(e) = &self.endpoint {
            b = b.endpoint(e.clone());
        }
        if let Some(r) = &self.rest_endpoint {
            b = b.rest_endpoint(r.clone());
        }
        b = b.allow_plaintext(self.allow_plaintext);
        if let Some(ca) = &self.ca {
            let pem = std::fs::read(ca)
                .with_context(|| format!("cannot read CA file {}", ca.display()))?;
            b = b.ca_pem(pem);
        }
        Ok(b)
    }

    pub fn deadline(&self) -> Option<Instant> {
        self.duration
            .map(|d| Instant::now() + Duration::from_secs_f64(d.max(0.0)))
    }
}

#[derive(clap::Args)]
pub struct StreamArgs {
    #[command(flatten)]
    connect: Connect,
    /// After every applied book update print the top of the book (and gap/resync status)
    /// instead of every event.
    #[arg(long)]
    book_tops: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
}

#[derive(clap::Args)]
pub struct RecordArgs {
    #[command(flatten)]
    connect: Connect,
    /// The recording to write (.twrec; replay it with `tickwire replay`).
    #[arg(long, short)]
    out: PathBuf,
}

pub fn stream(args: StreamArgs) -> Result<()> {
    let mut feed = args
        .connect
        .builder()?
        .start()
        .context("cannot start the feed")?;
    let deadline = args.connect.deadline();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut buf = vec![Event::default(); 4096];
    let mut line = String::new();
    let mut last_tops: std::collections::HashMap<u32, u64> = std::collections::HashMap::new();
    if args.format == Format::Table {
        writeln!(out, "{}", output::TABLE_HEADER)?;
    }
    while deadline.is_none_or(|d| Instant::now() < d) {
        let n = feed.wait(&mut buf, Duration::from_millis(100));
        for ev in &buf[..n] {
            if args.book_tops {
                if crate::replay::is_gap_or_resync(ev) {
                    line.clear();
                    output::render(&mut line, ev, feed.instruments(), args.format);
                    writeln!(out, "{line}")?;
                } else if ev.kind == Kind::BookLevel as u8 && ev.has(tickwire::event::flags::LAST) {
                    print_top(&mut out, &feed, ev, &mut last_tops, &mut line)?;
                }
                continue;
            }
            line.clear();
            output::render(&mut line, ev, feed.instruments(), args.format);
            writeln!(out, "{line}")?;
        }
        out.flush()?;
    }
    let m = feed.metrics();
    eprintln!(
        "tickwire: {} events, {} frames, {} connects, latency p50/p99 {}/{} µs",
        m.delivered,
        m.frames,
        m.connects,
        m.latency_ns[0] / 1000,
        m.latency_ns[1] / 1000
    );
    feed.shutdown();
    Ok(())
}

fn print_top(
    out: &mut impl Write,
    feed: &Feed,
    ev: &Event,
    last: &mut std::collections::HashMap<u32, u64>,
    line: &mut String,
) -> Result<()> {
    let Some(info) = feed.instruments().info(ev.instrument()) else {
        return Ok(());
    };
    let Some(book) = feed.book(info.venue, &info.symbol) else {
        return Ok(());
    };
    if last.get(&ev.instrument) == Some(&book.seq) {
        return Ok(());
    }
    last.insert(ev.instrument, book.seq);
    let top = tickwire::book::Top {
        venue: info.venue,
        instrument: info.id,
        seq: book.seq,
        bid: book.best_bid(),
        ask: book.best_ask(),
        px_exp: book.px_exp,
        qty_exp: book.qty_exp,
    };
    line.clear();
    json::write_top(line, &top, &info.symbol);
    writeln!(out, "{line}")?;
    Ok(())
}

pub fn record(args: RecordArgs) -> Result<()> {
    let venue = args
        .connect
        .specs
        .first()
        .and_then(|s| s.split(':').next())
        .and_then(Venue::from_name);
    let mut feed = args
        .connect
        .builder()?
        .record_to(&args.out)
        .start()
        .context("cannot start the feed")?;
    let deadline = args.connect.deadline();
    let mut buf = vec![Event::default(); 4096];
    let started = Instant::now();
    let mut events = 0u64;
    while deadline.is_none_or(|d| Instant::now() < d) {
        events += feed.wait(&mut buf, Duration::from_millis(100)) as u64;
    }
    let m = feed.metrics();
    feed.shutdown();
    eprintln!(
        "tickwire: recorded {} frames ({} bytes) in {:.1} s to {} ({} events parsed); replay with: tickwire replay --venue {} {}",
        m.frames,
        m.bytes,
        started.elapsed().as_secs_f64(),
        args.out.display(),
        events,
        venue.map_or("binance", Venue::name),
        args.out.display()
    );
    Ok(())
}
