//! `tickwire sim`: the local exchange simulator as a server.

use anyhow::{anyhow, Context, Result};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};
use tickwire::event::Venue;
use tickwire::sim::{SimConfig, Simulator, Source};

#[derive(clap::Args)]
pub struct SimArgs {
    /// Venue protocol to serve: binance, binance-usdm, binance-coinm, okx, bybit-spot,
    /// bybit-linear, bybit-inverse, coinbase, kraken, gateio, gateio-futures, bitget,
    /// bitget-futures, hyperliquid (replay: Binance's three only).
    #[arg(long, default_value = "binance")]
    venue: String,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Replay these captures (corpus TSV or .twrec) instead of generating data.
    #[arg(long, num_args = 1..)]
    replay: Vec<PathBuf>,
    /// Replay pace as a multiple of recorded time (default: as fast as possible).
    #[arg(long)]
    speed: Option<f64>,
    /// Synthetic messages per second.
    #[arg(long, default_value_t = 1000)]
    rate: u32,
    /// Symbols for the synthetic generator, in the venue's native form (default: the venue's
    /// BTC market: BTCUSDT, BTC-USDT, BTC/USD, BTC_USDT, BTC-USD, BTC).
    #[arg(long, value_delimiter = ',')]
    symbols: Vec<String>,
    /// Write the CA certificate clients must trust (PEM) to this path.
    #[arg(long)]
    tls_cert_out: Option<PathBuf>,
    /// Serve plain ws:// and http:// instead of TLS.
    #[arg(long)]
    no_tls: bool,
    /// Close connections after this many seconds (the venue's lifetime limit).
    #[arg(long)]
    lifetime: Option<f64>,
    /// Stop after this many seconds (default: until interrupted).
    #[arg(long)]
    duration: Option<f64>,
}

pub fn run(args: SimArgs) -> Result<()> {
    let venue =
        Venue::from_name(&args.venue).ok_or_else(|| anyhow!("unknown venue {:?}", args.venue))?;
    let mut config = SimConfig::new(venue);
    config.listen = args.listen;
    config.tls = !args.no_tls;
    config.lifetime = args.lifetime.map(Duration::from_secs_f64);
    let symbols: Vec<String> = if args.symbols.is_empty() {
        config.symbols.clone()
    } else if venue == Venue::Hyperliquid {
        args.symbols.clone() // coins are case-sensitive (kPEPE)
    } else {
        args.symbols
            .iter()
            .map(|s| s.to_ascii_uppercase())
            .collect()
    };
    config.symbols = symbols.clone();
    config.source = if args.replay.is_empty() {
        Source::Synthetic {
            rate_per_sec: args.rate,
            symbols,
        }
    } else {
        Source::Replay {
            files: args.replay.clone(),
            speed: args.speed,
            loop_forever: false,
        }
    };
    let sim = Simulator::start(config).context("cannot start the simulator")?;
    if let Some(path) = &args.tls_cert_out {
        sim.write_ca(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    println!("{}", sim.ws_url());
    eprintln!(
        "tickwire sim: {} on {} (REST {}); Ctrl-C to stop",
        venue,
        sim.ws_url(),
        sim.rest_url()
    );
    let stop = AtomicBool::new(false);
    let stats = sim.run_until(
        args.duration
            .map(|d| Instant::now() + Duration::from_secs_f64(d)),
        &stop,
    );
    eprintln!("tickwire sim: {stats:?}");
    Ok(())
}
