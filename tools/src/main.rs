//! `tickwire`: the command line.

mod demo;
mod output;
mod replay;
mod sim;
mod stream;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "tickwire",
    version,
    about = "Low-latency market-data ingestion: replay, stream, record, simulate"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay recordings (corpus TSV or tickwire .twrec) through parsers, books, dedupe and
    /// route; print events as JSON lines (exact decimal strings) or a table.
    Replay(replay::Args),
    /// Stream live events (real venues, or a simulator with --endpoint and --ca) as JSON lines
    /// or a table.
    Stream(stream::StreamArgs),
    /// Record live raw frames with receive stamps to a .twrec file.
    Record(stream::RecordArgs),
    /// The main job on an embedded default: the built-in exchange simulator on loopback, driven
    /// through the real TLS + WebSocket path for about 10 s, with a live summary.
    Demo(demo::DemoArgs),
    /// Run the local exchange simulator (Binance WebSocket + REST over TLS on loopback).
    Sim(sim::SimArgs),
}

fn main() {
    let cli = Cli::parse();
    let result: Result<()> = match cli.command {
        Command::Replay(args) => replay::run(args),
        Command::Stream(args) => stream::stream(args),
        Command::Record(args) => stream::record(args),
        Command::Demo(args) => demo::run(args),
        Command::Sim(args) => sim::run(args),
    };
    if let Err(e) = result {
        // A closed stdout (`| head`) is a normal way to stop.
        if e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
        {
            std::process::exit(0);
        }
        eprintln!("tickwire: error: {e:#}");
        std::process::exit(1);
    }
}
