//! `tickwire replay`.

use anyhow::{anyhow, Context, Result};
use clap::ValueEnum;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use tickwire::decimal::Decimal;
use tickwire::event::{flags, Event, Kind, Venue};
use tickwire::replay::{Replay, ReplayConfig, Step};
use tickwire::{json, StatusCode};

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    Json,
    /// Aligned columns for people.
    Table,
}

#[derive(clap::Args)]
pub struct Args {
    /// Venue whose parser reads the frames: binance, binance-usdm, binance-coinm.
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
            "{:<13} {:<14} {:<7} {:>14} {:<5} {:>22} {:>22}  {}",
            "venue", "symbol", "kind", "seq", "side", "price/bid", "qty/ask", "detail"
        )?;
    }
    loop {
        let step = replay.step().context("replay failed")?;
        while let Some(ev) = replay.pop() {
            if args.book_tops && !is_gap_or_resync(&ev) {
                continue;
            }
            line.clear();
            render(&mut line, &ev, &replay, args.format);
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

fn is_gap_or_resync(ev: &Event) -> bool {
    matches!(
        ev.status(),
        Some(StatusCode::Gap | StatusCode::Resync | StatusCode::Crossed | StatusCode::BookSynced)
    )
}

fn render(line: &mut String, ev: &Event, replay: &Replay, format: Format) {
    let info = replay.instruments().info(ev.instrument());
    let sym = info.as_ref().map(|i| i.symbol.as_str());
    match format {
        Format::Json => json::write_event(line, ev, sym),
        Format::Table => {
            use std::fmt::Write as _;
            let d = |m: i64, e: i8| Decimal::new(m, e).to_string();
            let kind = ev.kind().map_or("?", Kind::name);
            let side = match ev.side() {
                tickwire::Side::Buy => {
                    if ev.kind == Kind::BookLevel as u8 {
                        "bid"
                    } else {
                        "buy"
                    }
                }
                tickwire::Side::Sell => {
                    if ev.kind == Kind::BookLevel as u8 {
                        "ask"
                    } else {
                        "sell"
                    }
                }
                tickwire::Side::None => "",
            };
            let (a, b, detail) = match ev.kind() {
                Some(Kind::Trade) | Some(Kind::BookLevel) => (
                    d(ev.v[0], ev.px_exp),
                    d(ev.v[1], ev.qty_exp),
                    if ev.has(flags::SNAPSHOT) {
                        "snapshot".to_string()
                    } else {
                        String::new()
                    },
                ),
                Some(Kind::Quote) => (
                    format!("{} x {}", d(ev.v[0], ev.px_exp), d(ev.v[1], ev.qty_exp)),
                    format!("{} x {}", d(ev.v[2], ev.px_exp), d(ev.v[3], ev.qty_exp)),
                    String::new(),
                ),
                Some(Kind::Candle) => (
                    format!("o {} c {}", d(ev.v[0], ev.px_exp), d(ev.v[3], ev.px_exp)),
                    format!("v {}", d(ev.v[4], ev.qty_exp)),
                    format!(
                        "{}s{}",
                        ev.aux,
                        if ev.has(flags::CLOSED) { " closed" } else { "" }
                    ),
                ),
                Some(Kind::Status) => (
                    String::new(),
                    String::new(),
                    format!(
                        "{} count={} from={} to={}",
                        ev.status().map_or("?", StatusCode::name),
                        ev.v[0],
                        ev.v[1],
                        ev.v[2]
                    ),
                ),
                None => (String::new(), String::new(), String::new()),
            };
            let venue = ev.venue().map_or("?", Venue::name);
            let _ = write!(
                line,
                "{:<13} {:<14} {:<7} {:>14} {:<5} {:>22} {:>22}  {}",
                venue,
                sym.unwrap_or("-"),
                kind,
                ev.seq,
                side,
                a,
                b,
                detail
            );
        }
    }
}
