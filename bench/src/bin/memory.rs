//! Memory figures (target T10) and heap allocations per message in steady state (T7).
//!
//! (a) RSS of the real pipeline (parse → books → dedupe → route into a consumer ring, drained)
//!     holding 1,000 Binance spot instruments with trades, bookTicker and L2 books. Each book is
//!     seeded from a REST snapshot of `--depth` levels a side (default 1,000), then 20-level
//!     diffs, trades and bookTickers flow for every symbol. Each variant runs in its own child
//!     process (this binary, re-run), so one variant's freed heap never counts in another's
//!     RSS. RSS and its high-water mark come from `/proc/self/status` (VmRSS, VmHWM).
//! (b) Heap allocations per message: a counting global allocator; every venue's capture from
//!     `core/tests/fixtures` runs through a pipeline and a router; the first half of each
//!     capture is warm-up, then allocations are counted per frame type over the rest.
//!
//! `cargo run --release -p tickwire-bench --bin memory -- [--quick] [--out DIR]`

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use tickwire::event::{Event, InstrumentId, Nanos, Venue};
use tickwire::instrument::Instruments;
use tickwire::pipeline::{Pipeline, PipelineConfig};
use tickwire::record::{FrameKind, Reader};
use tickwire::ring::Consumer;
use tickwire::route::{ConsumerConfig, Router};
use tickwire_bench::{
    binance_book_ticker, binance_depth_frames, binance_snapshot, binance_trade, fixture,
};

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator unchanged; only counts calls on this thread.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> u64 {
    ALLOCS.with(Cell::get)
}

/// `VmRSS` and `VmHWM` of this process, bytes.
fn rss() -> (u64, u64) {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| -> u64 {
        s.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn mb(b: u64) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}

// ---------------------------------------------------------------------------------------------
// (a) RSS

struct RssResult {
    baseline: u64,
    rss: u64,
    hwm: u64,
    levels: u64,
    events: u64,
}

fn drain(c: &mut Consumer<Event>, buf: &mut [Event]) -> u64 {
    let mut n = 0;
    loop {
        let k = c.pop_into(buf);
        if k == 0 {
            return n;
        }
        n += k as u64;
    }
}

/// Runs one variant in this process: `instruments` Binance symbols, books `depth` levels a side.
fn rss_variant(instruments: usize, depth: usize, diffs: usize) -> RssResult {
    let (baseline, _) = rss();
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let mut router = Router::new();
    let (_, mut consumer) = router.add_consumer(ConsumerConfig::default());
    let mut buf = vec![Event::default(); 4096];
    let mut events = 0u64;
    let snapshot = binance_snapshot(depth);
    let mut frame = String::with_capacity(512);
    let v = Venue::Binance;
    for i in 0..instruments {
        let symbol = format!("S{i:04}USDT");
        p.on_rest(v, snapshot.as_bytes(), Some(&symbol), Nanos(1), &mut |e| {
            router.route(e)
        })
        .expect("snapshot");
        events += drain(&mut consumer, &mut buf);
        for f in binance_depth_frames(&symbol, diffs, 10) {
            p.on_frame(v, f.as_bytes(), Nanos(2), &mut |e| router.route(e))
                .expect("diff");
            events += drain(&mut consumer, &mut buf);
        }
        for k in 0..10u64 {
            frame.clear();
            frame.push_str(&binance_trade(&symbol, 1_000 + k));
            p.on_frame(v, frame.as_bytes(), Nanos(3), &mut |e| router.route(e))
                .expect("trade");
            frame.clear();
            frame.push_str(&binance_book_ticker(&symbol, 5_000 + k * 7));
            p.on_frame(v, frame.as_bytes(), Nanos(3), &mut |e| router.route(e))
                .expect("bookTicker");
            events += drain(&mut consumer, &mut buf);
        }
    }
    let s = p.books().stats();
    assert_eq!((s.snapshots, s.gaps), (instruments as u64, 0));
    let levels: u64 = (0..instruments as u32)
        .filter_map(|i| p.books().book(tickwire::InstrumentId(i)))
        .map(|b| {
            let (x, y) = b.depth();
            (x + y) as u64
        })
        .sum();
    let (rss, hwm) = rss();
    std::hint::black_box((&p, &router));
    RssResult {
        baseline,
        rss,
        hwm,
        levels,
        events,
    }
}

/// Runs a variant in a child process and reads its result line.
fn rss_child(instruments: usize, depth: usize, diffs: usize) -> RssResult {
    let exe = std::env::current_exe().expect("own path");
    let out = Command::new(exe)
        .args([
            "--child",
            &instruments.to_string(),
            &depth.to_string(),
            &diffs.to_string(),
        ])
        .output()
        .expect("child runs");
    assert!(out.status.success(), "child failed: {out:?}");
    let line = String::from_utf8_lossy(&out.stdout);
    let f: Vec<u64> = line
        .split_whitespace()
        .map(|x| x.parse().expect("number"))
        .collect();
    RssResult {
        baseline: f[0],
        rss: f[1],
        hwm: f[2],
        levels: f[3],
        events: f[4],
    }
}

// ---------------------------------------------------------------------------------------------
// (b) allocations per message

struct Capture {
    venue: Venue,
    file: &'static str,
    /// (TSV channel label, frame name reported)
    frames: &'static [(&'static str, &'static str)],
}

const CAPTURES: &[Capture] = &[
    Capture {
        venue: Venue::Binance,
        file: "binance/hftbacktest_btcusdt_20240808_first2500.tsv",
        frames: &[
            ("trade", "trade"),
            ("bookticker", "bookTicker"),
            ("depth_update", "depthUpdate"),
        ],
    },
    Capture {
        venue: Venue::BinanceUsdm,
        file: "binance_usdm/hftbacktest_btcusdt_20240808_first3000.tsv",
        frames: &[
            ("trade", "trade"),
            ("bookticker", "bookTicker"),
            ("depth_update", "depthUpdate"),
        ],
    },
    Capture {
        venue: Venue::Okx,
        file: "okx/cryptofeed_20220513_ws_3instr.tsv",
        frames: &[
            ("books", "books"),
            ("trades", "trades"),
            ("tickers", "tickers"),
        ],
    },
    Capture {
        venue: Venue::BybitLinear,
        file: "bybit/cryptofeed_20260809_linear_first600_norest.tsv",
        frames: &[
            ("orderbook_200", "orderbook.200"),
            ("public_trade", "publicTrade"),
            ("tickers", "tickers"),
        ],
    },
    Capture {
        venue: Venue::BybitSpot,
        file: "bybit/cryptofeed_pr1085_20250613_spot.tsv",
        frames: &[("orderbook_1", "orderbook.1")],
    },
    Capture {
        venue: Venue::Coinbase,
        file: "coinbase/cryptofeed_20210417_exchange_wsfeed_first400.tsv",
        frames: &[
            ("level2", "l2update (Exchange feed)"),
            ("matches", "match (Exchange feed)"),
            ("ticker", "ticker (Exchange feed)"),
        ],
    },
    Capture {
        venue: Venue::Coinbase,
        file: "coinbase/cryptofeed_20260809_advanced_trade_first300_nosnapshots.tsv",
        frames: &[
            ("market_trades", "market_trades (Advanced Trade)"),
            ("ticker", "ticker (Advanced Trade)"),
        ],
    },
    Capture {
        venue: Venue::Kraken,
        file: "kraken/cryptofeed_20210417.tsv",
        frames: &[
            ("book", "book (v1, checksummed)"),
            ("trade", "trade (v1)"),
            ("ticker", "ticker (v1)"),
        ],
    },
    Capture {
        venue: Venue::Gateio,
        file: "gateio/cryptofeed_20210422.tsv",
        frames: &[
            ("order_book_update", "spot.order_book_update"),
            ("trades", "spot.trades"),
            ("tickers", "spot.tickers"),
        ],
    },
    Capture {
        venue: Venue::GateioFutures,
        file: "gateio_futures/cryptofeed_20230524.tsv",
        frames: &[
            ("order_book_update", "futures.order_book_update"),
            ("book_ticker", "futures.book_ticker"),
        ],
    },
    Capture {
        venue: Venue::Bitget,
        file: "bitget/cryptofeed_20220407_v1_spot_first200.tsv",
        frames: &[
            ("books", "books (v1 spot)"),
            ("trade", "trade (v1 spot)"),
            ("ticker", "ticker (v1 spot)"),
        ],
    },
    Capture {
        venue: Venue::BitgetFutures,
        file: "bitget/cryptofeed_20220407_v1_mix_first150.tsv",
        frames: &[
            ("books", "books (v1 mix)"),
            ("trade", "trade (v1 mix)"),
            ("ticker", "ticker (v1 mix)"),
        ],
    },
    Capture {
        venue: Venue::Hyperliquid,
        file: "hyperliquid/hftbacktest_btcusd_20250126_first60s.tsv",
        frames: &[("l2book", "l2Book"), ("trades", "trades")],
    },
];

struct AllocRow {
    venue: Venue,
    frame: &'static str,
    messages: u64,
    allocs: u64,
    first_sight_messages: u64,
    first_sight_allocs: u64,
}

fn alloc_rows(c: &Capture) -> Vec<AllocRow> {
    let mut r = Reader::open(fixture(c.file)).expect("fixture");
    let mut frames: Vec<(FrameKind, String, Vec<u8>, Nanos)> = Vec::new();
    while let Some(f) = r.next_frame().expect("read") {
        if matches!(f.kind, FrameKind::WsText | FrameKind::Rest) {
            frames.push((f.kind, f.meta.to_string(), f.payload.to_vec(), f.ts_recv));
        }
    }
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let mut router = Router::new();
    let (_, mut consumer) = router.add_consumer(ConsumerConfig {
        capacity: 1 << 14,
        ..ConsumerConfig::default()
    });
    let mut buf = vec![Event::default(); 1 << 14];
    let warm = frames.len() / 2;
    // per frame type: (messages, allocations) in steady state, and the same for set-up messages:
    // the first message of that type carrying an instrument (new book, dedupe window, table
    // entries), the one that gives an id stream its exact memory (ids a window cannot place), or
    // one that takes a book deeper than it has ever been (its level vectors grow)
    let mut counts: BTreeMap<&str, [u64; 4]> = BTreeMap::new();
    let mut seen: HashSet<(&str, u32)> = HashSet::new();
    let mut ids: Vec<u32> = Vec::with_capacity(1 << 20);
    let mut caps: HashMap<u32, (usize, usize)> = HashMap::new();
    for (i, (kind, meta, payload, ts)) in frames.iter().enumerate() {
        ids.clear();
        let switched_before = p.dedupe().stats().exact_streams;
        let before = allocs();
        match kind {
            FrameKind::Rest => {
                let symbol = (!meta.is_empty() && !meta.starts_with("rest_")).then_some(&**meta);
                let _ = p.on_rest(c.venue, payload, symbol, *ts, &mut |e| router.route(e));
            }
            _ => {
                let _ = p.on_frame(c.venue, payload, *ts, &mut |e| router.route(e));
            }
        }
        loop {
            let k = consumer.pop_into(&mut buf);
            if k == 0 {
                break;
            }
            ids.extend(
                buf[..k]
                    .iter()
                    .filter(|e| e.instrument != InstrumentId::NONE.0)
                    .map(|e| e.instrument),
            );
        }
        let spent = allocs() - before;
        // an id stream the window cannot place (UUID or far-apart ids) gets its exact memory of
        // recent ids once, on the message that shows it: set-up of that stream, like a new book
        let dedupe_setup = p.dedupe().stats().exact_streams != switched_before;
        let Some((_, name)) = c.frames.iter().find(|(label, _)| label == meta) else {
            continue;
        };
        let mut first_sight = dedupe_setup;
        for id in &ids {
            first_sight |= seen.insert((name, *id));
            // a book deeper than it has ever been grows its level vectors (amortized doubling):
            // growth, not steady state, and counted with the set-up messages
            if let Some(cap) = p.books().book(InstrumentId(*id)).map(|b| b.capacity()) {
                let prev = caps.insert(*id, cap);
                first_sight |= prev.is_some_and(|(b, a)| cap.0 > b || cap.1 > a);
            }
        }
        if i < warm || *kind != FrameKind::WsText {
            continue;
        }
        if spent > 0 && std::env::var_os("TW_MEMORY_DEBUG").is_some() {
            let text = String::from_utf8_lossy(payload);
            eprintln!(
                "{} {name} (set-up: {first_sight}): {spent} allocations: {:.300}",
                c.venue, text
            );
        }
        let e = counts.entry(name).or_default();
        let k = if first_sight { 2 } else { 0 };
        e[k] += 1;
        e[k + 1] += spent;
    }
    c.frames
        .iter()
        .filter_map(|(_, name)| {
            counts
                .get(name)
                .map(|&[messages, allocs, fs_messages, fs_allocs]| AllocRow {
                    venue: c.venue,
                    frame: name,
                    messages,
                    allocs,
                    first_sight_messages: fs_messages,
                    first_sight_allocs: fs_allocs,
                })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------

fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for ch in s.chars() {
        match ch {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        let n = |i: usize| -> usize { args[i].parse().expect("number") };
        let r = rss_variant(n(1), n(2), n(3));
        println!(
            "{} {} {} {} {}",
            r.baseline, r.rss, r.hwm, r.levels, r.events
        );
        return;
    }
    let mut quick = false;
    let mut out: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => quick = true,
            "--out" => out = Some(PathBuf::from(it.next().expect("--out DIR"))),
            "-h" | "--help" => {
                println!("usage: memory [--quick] [--out DIR]");
                return;
            }
            other => panic!("unknown argument {other:?} (usage: memory [--quick] [--out DIR])"),
        }
    }
    let instruments = 1000;
    let depth = 1000;
    let diffs = if quick { 5 } else { 50 };

    println!("tickwire memory: parse -> books -> dedupe -> route, Binance spot, {instruments} instruments");
    println!("  each: REST snapshot of D levels a side, {diffs} depthUpdates of 20 levels, 10 trades, 10 bookTickers");
    let variants = [
        (format!("{instruments}_instruments_depth{depth}"), depth),
        (format!("{instruments}_instruments_depth20"), 20),
        ("1_instrument_depth1000".to_string(), 1000),
    ];
    let mut results = Vec::new();
    for (name, d) in &variants {
        let n = if name.starts_with("1_") {
            1
        } else {
            instruments
        };
        let r = rss_child(n, *d, diffs);
        println!(
            "  {name:<32} RSS {:>7.1} MB (baseline {:>5.1} MB, +{:>6.1} MB), HWM {:>7.1} MB, {} book levels, {} events routed",
            mb(r.rss),
            mb(r.baseline),
            mb(r.rss.saturating_sub(r.baseline)),
            mb(r.hwm),
            r.levels,
            r.events
        );
        results.push((name.clone(), r));
    }
    let main_r = &results[0].1;
    println!(
        "T10 (RSS <= 64 MB, 1,000 instruments, trades + BBO + L2 books at depth {depth}): {:.1} MB: {}",
        mb(main_r.rss),
        if main_r.rss <= 64 << 20 { "met" } else { "missed" }
    );

    println!(
        "\nheap allocations per message, steady state (first half of each capture is warm-up):"
    );
    let mut rows = Vec::new();
    for c in CAPTURES {
        rows.extend(alloc_rows(c));
    }
    for r in &rows {
        println!(
            "  {:<16} {:<32} {:>6} messages {:>6} allocations  {:.3} per message   (set-up: {} messages, {} allocations)",
            r.venue.to_string(),
            r.frame,
            r.messages,
            r.allocs,
            r.allocs as f64 / r.messages.max(1) as f64,
            r.first_sight_messages,
            r.first_sight_allocs
        );
    }

    if let Some(dir) = out {
        std::fs::create_dir_all(&dir).expect("create --out DIR");
        let mut j = String::from("{\n");
        let _ = writeln!(j, "  \"rss_baseline_bytes\": {},", main_r.baseline);
        let _ = writeln!(j, "  \"rss_1000_instruments_bytes\": {},", main_r.rss);
        let _ = writeln!(j, "  \"hwm_bytes\": {},", main_r.hwm);
        let _ = writeln!(j, "  \"book_depth\": {depth},");
        let _ = writeln!(j, "  \"instruments\": {instruments},");
        let _ = writeln!(j, "  \"diffs_per_instrument\": {diffs},");
        j.push_str("  \"variants\": [\n");
        for (i, (name, r)) in results.iter().enumerate() {
            let _ = write!(
                j,
                "    {{\"name\": {}, \"rss_bytes\": {}, \"baseline_bytes\": {}, \"hwm_bytes\": {}, \"book_levels\": {}}}",
                json_str(name),
                r.rss,
                r.baseline,
                r.hwm,
                r.levels
            );
            j.push_str(if i + 1 < results.len() { ",\n" } else { "\n" });
        }
        j.push_str("  ],\n  \"allocs_per_message\": [\n");
        for (i, r) in rows.iter().enumerate() {
            let _ = write!(
                j,
                "    {{\"venue\": {}, \"frame\": {}, \"messages\": {}, \"allocs\": {}, \"per_message\": {}, \"setup_messages\": {}, \"setup_allocs\": {}}}",
                json_str(&r.venue.to_string()),
                json_str(r.frame),
                r.messages,
                r.allocs,
                r.allocs as f64 / r.messages.max(1) as f64,
                r.first_sight_messages,
                r.first_sight_allocs
            );
            j.push_str(if i + 1 < rows.len() { ",\n" } else { "\n" });
        }
        j.push_str("  ]\n}\n");
        let path = dir.join("memory.json");
        std::fs::write(&path, j).expect("write memory.json");
        println!("\nwrote {}", path.display());
    }
}
