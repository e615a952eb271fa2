//! `tickwire replay`.

use anyhow::{anyhow, Context, Result};
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use tickwire::event::{Event, Venue};
use tickwire::replay::{Replay, ReplayConfig, Step};
use tickwire::{json, StatusCode};

pub use crate::output::Format;

#[derive(clap::Args)]
pub struct Args {
    /// Venue whose parser reads the frames: binance, binance-usdm, binance-coinm, okx, bybit-spot,
    /// bybit-linear (alias bybit), bybit-inverse, coinbase, kraken, gateio, gateio-futures, bitget,
    /// bitget-futures, hyperliquid.
    #[arg(long)]
    venue: String,
    /// Recordings, read in order as one continuous stream.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// After every applied book update print the top of the book (plus gap/resync status lines)
    /// instead of every event.
    #[arg(long)]
    book_tops: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    /// Pace by the recorded receive stamps, at this multiple of real time (default: as fast as
    /// possible).
    #[arg(long)]
    speed: Option<f64>,
    /// Print a summary (counts, books never synced) to stderr at the end.
    #[arg(long)]
    summary: bool,
}

pub fn run(args: Args) -> Result<()> {
    let venue = Venue::from_name(&args.venue).ok_or_else(|| {
        let names: Vec<&str> = Venue::ALL.iter().map(|v| v.name()).collect();
        anyhow!(
            "unknown venue {:?} (known: {})",
            args.venue,
            names.join(", ")
        )
    })?;
    let mut config = ReplayConfig::new(venue);
    config.speed = args.speed;
    config.pipeline.books.record_tops = args.book_tops;
    let mut replay =
        Replay::open(args.files.iter().cloned(), config).context("cannot open recording")?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut line = String::with_capacity(512);
    if args.format == Format::Table {
        writeln!(
            out,
            "{:<13} {:<14} {:<7} {:>14} {:<5} {:>22} {:>22}  detail",
            "venue", "symbol", "kind", "seq", "side", "price/bid", "qty/ask"
        )?;
    }
    loop {
        let step = replay.step().context("replay failed")?;
        while let Some(ev) = replay.pop() {
            if args.book_tops && !is_gap_or_resync(&ev) {
                continue;
            }
            line.clear();
            crate::output::render(&mut line, &ev, replay.instruments(), args.format);
            out.write_all(line.as_bytes())?;
            out.write_all(b"\n")?;
        }
        if args.book_tops {
            for top in replay.drain_tops() {
                let sym = replay
                    .instruments()
                    .info(top.instrument)
                    .map(|i| i.symbol)
                    .unwrap_or_default();
                line.clear();
                json::write_top(&mut line, &top, &sym);
                out.write_all(line.as_bytes())?;
                out.write_all(b"\n")?;
            }
        }
        if step == Step::Finished {
            break;
        }
    }
    out.flush()?;
    if args.summary {
        let p = replay.pipeline();
        eprintln!("replay: {:?}", replay.stats());
        eprintln!("parse: {:?}", p.stats());
        eprintln!("books: {:?}", p.books().stats());
        eprintln!("dedupe: {:?}", p.dedupe().stats());
        for (venue, id) in p.books().never_synced() {
            let sym = replay
                .instruments()
                .info(id)
                .map(|i| i.symbol)
                .unwrap_or_default();
            eprintln!("no book for {venue}:{sym}: no snapshot bridged its diffs");
        }
    }
    Ok(())
}

pub fn is_gap_or_resync(ev: &Event) -> bool {
    matches!(
        ev.status(),
        Some(StatusCode::Gap | StatusCode::Resync | StatusCode::Crossed | StatusCode::BookSynced)
    )
}
