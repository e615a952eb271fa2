//! Bybit v5 parsers and books against real captures: the project's fixtures always, and every
//! Bybit session of `../shared/corpus` when it is beside the project. Formats the corpus does
//! not hold (spot tickers, pongs, failed subscriptions, REST bodies, `u == 1` restarts) are
//! tested on the documented examples of `docs/exchanges.md` §5 and say they are synthetic.

mod common;

use common::{fixture, label_counts, replay};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tickwire::book::Books;
use tickwire::decimal::Decimal;
use tickwire::event::{flags, Event, Kind, Nanos, Side, StatusCode, Venue};
use tickwire::instrument::Instruments;
use tickwire::pipeline::{Pipeline, PipelineConfig};
use tickwire::record::{FrameKind, Reader};
use tickwire::venue::{parser_for, Control, FrameParser};

// ---------------------------------------------------------------------------------------------
// allocation counting (for the steady-state test; counts only on the calling thread)

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

// ---------------------------------------------------------------------------------------------
// helpers

/// The shared corpus: `../shared/corpus` beside the checkout, found from any worktree depth.
fn corpus() -> Option<PathBuf> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in here.ancestors() {
        let p = dir.join("shared/corpus");
        if p.join("README.md").exists() {
            return Some(p);
        }
    }
    eprintln!("skipped: ../shared/corpus not found (the fixture checks ran, the whole-corpus checks did not)");
    None
}

/// What one frame turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Outcome {
    BookSnapshot,
    BookDiff,
    Quote,
    Trades(usize),
    Candles(usize),
    Ack,
    Ignored,
}

/// What a frame of a given corpus label must parse into.
fn check_frame(
    label: &str,
    kind: FrameKind,
    payload: &[u8],
    parser: &mut dyn FrameParser,
) -> Result<Outcome, String> {
    let mut out = Vec::new();
    let ts = Nanos(1);
    let r = if kind == FrameKind::Rest {
        parser.parse_rest(payload, None, ts, &mut out)
    } else {
        parser.parse_frame(payload, ts, &mut out)
    }
    .map_err(|e| format!("{label}: {e}"))?;
    let all = |k: Kind| !out.is_empty() && out.iter().all(|e| e.kind == k as u8);
    let bracketed = !out.is_empty()
        && out[0].has(flags::FIRST)
        && out[out.len() - 1].has(flags::LAST)
        && out[1..].iter().all(|e| !e.has(flags::FIRST))
        && out[..out.len() - 1].iter().all(|e| !e.has(flags::LAST));
    let text = String::from_utf8_lossy(payload);
    let ignored = r == Control::Ignored && out.is_empty();
    let outcome = match label {
        "orderbook_200" => {
            let snap = text.contains("\"type\":\"snapshot\"");
            let ok = all(Kind::BookLevel)
                && bracketed
                && out
                    .iter()
                    .all(|e| e.has(flags::SNAPSHOT) == snap && !e.has(flags::TOP_N))
                && out.iter().all(|e| e.seq as i64 == e.v[2] && e.v[3] == -1);
            match (ok, snap) {
                (true, true) => Some(Outcome::BookSnapshot),
                (true, false) => Some(Outcome::BookDiff),
                _ => None,
            }
        }
        "orderbook_1" => {
            (out.len() == 1 && all(Kind::Quote) && bracketed).then_some(Outcome::Quote)
        }
        "public_trade" => (all(Kind::Trade) && bracketed).then_some(Outcome::Trades(out.len())),
        "kline" => (all(Kind::Candle) && bracketed).then_some(Outcome::Candles(out.len())),
        "tickers" => {
            if out.len() == 1 && all(Kind::Quote) {
                Some(Outcome::Quote)
            } else {
                ignored.then_some(Outcome::Ignored)
            }
        }
        "subscribe_ack" => matches!(r, Control::Ack { .. }).then_some(Outcome::Ack),
        // pre-v5 frames and REST bodies (another API), v5 metadata: counted, ignored
        "rest_instruments_info"
        | "rest_symbols"
        | "rest_depth_snapshot"
        | "legacy_trade"
        | "legacy_orderbook_l2_25"
        | "trade"
        | "l2_orderbook"
        | "candlestick"
        | "ticker"
        | "open_interest" => ignored.then_some(Outcome::Ignored),
        _ => return Err(format!("unexpected label {label}")),
    };
    outcome.ok_or_else(|| {
        format!(
            "{label}: got {r:?} with {} events, first {:?}: {}",
            out.len(),
            out.first(),
            &text[..text.len().min(300)]
        )
    })
}

type Tally = HashMap<(String, Outcome), usize>;

/// Parses every row of a session with a fresh parser; returns rows checked per label and the
/// outcomes per label.
fn classify_session(venue: Venue, path: &Path) -> (HashMap<String, usize>, Tally) {
    let mut parser = parser_for(venue, Instruments::new());
    let mut reader = Reader::open(path).expect("open");
    let mut checked = HashMap::new();
    let mut tally = Tally::new();
    let mut failures = Vec::new();
    while let Some(f) = reader.next_frame().expect("read") {
        if f.kind == FrameKind::ClientSent {
            continue;
        }
        match check_frame(f.meta, f.kind, f.payload, parser.as_mut()) {
            Ok(o) => {
                *checked.entry(f.meta.to_string()).or_insert(0) += 1;
                *tally.entry((f.meta.to_string(), o)).or_insert(0) += 1;
            }
            Err(e) => failures.push(e),
        }
    }
    assert!(
        failures.is_empty(),
        "{}: {} frames misparsed, first: {}",
        path.display(),
        failures.len(),
        failures[0]
    );
    let stats = parser.stats();
    assert_eq!(stats.malformed, 0, "{}", path.display());
    assert_eq!(stats.out_of_range, 0, "{}", path.display());
    (checked, tally)
}

/// Which venue a session is replayed under: the caller's choice (linear and spot share symbol
/// names); here by the session's name.
fn venue_of(path: &Path) -> Venue {
    let name = path.file_name().unwrap().to_string_lossy();
    if name.contains("_spot") {
        Venue::BybitSpot
    } else if name.contains("inverse") {
        Venue::BybitInverse
    } else {
        Venue::BybitLinear
    }
}

fn sessions(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "tsv"))
        .collect();
    files.sort();
    files
}

fn count(t: &Tally, label: &str, o: Outcome) -> usize {
    t.get(&(label.to_string(), o)).copied().unwrap_or(0)
}

fn sum_trades(t: &Tally) -> (usize, usize) {
    let mut frames = 0;
    let mut trades = 0;
    for ((_, o), n) in t {
        if let Outcome::Trades(k) = o {
            frames += n;
            trades += k * n;
        }
    }
    (frames, trades)
}

fn sum_candles(t: &Tally) -> usize {
    t.iter()
        .map(|((_, o), n)| {
            if let Outcome::Candles(k) = o {
                k * n
            } else {
                0
            }
        })
        .sum()
}

fn merge(into: &mut Tally, from: Tally) {
    for (k, n) in from {
        *into.entry(k).or_insert(0) += n;
    }
}

// ---------------------------------------------------------------------------------------------
// every frame parsed or classified

#[test]
fn every_fixture_frame_is_parsed_or_classified() {
    let mut all = Tally::new();
    for path in sessions(&fixture("bybit")) {
        let (checked, tally) = classify_session(venue_of(&path), &path);
        let mut labels = label_counts(&path);
        labels.remove("client_sent");
        assert_eq!(checked, labels, "{}", path.display());
        merge(&mut all, tally);
    }
    // cryptofeed_20260809_linear (first 600 lines, no REST row)
    assert_eq!(count(&all, "orderbook_200", Outcome::BookSnapshot), 4);
    assert_eq!(count(&all, "orderbook_200", Outcome::BookDiff), 348);
    assert_eq!(count(&all, "tickers", Outcome::Quote), 152);
    assert_eq!(count(&all, "tickers", Outcome::Ignored), 175 - 152);
    assert_eq!(sum_trades(&all), (16, 22));
    assert_eq!(sum_candles(&all), 25);
    // pr1085: every orderbook.1 frame is one quote
    assert_eq!(count(&all, "orderbook_1", Outcome::Quote), 198 + 139);
    assert_eq!(count(&all, "subscribe_ack", Outcome::Ack), 17 + 4 + 6 + 4);
    // pre-v5 frames: classified, ignored
    assert_eq!(count(&all, "legacy_orderbook_l2_25", Outcome::Ignored), 182);
    assert_eq!(count(&all, "legacy_trade", Outcome::Ignored), 9);
}

#[test]
fn every_corpus_frame_is_parsed_or_classified() {
    let Some(root) = corpus() else { return };
    let mut all = Tally::new();
    let mut report = Vec::new();
    for path in sessions(&root.join("bybit")) {
        let (checked, tally) = classify_session(venue_of(&path), &path);
        let mut labels = label_counts(&path);
        labels.remove("client_sent");
        assert_eq!(checked, labels, "{}", path.display());
        let mut l: Vec<_> = checked.iter().collect();
        l.sort();
        report.push(format!(
            "{}: {l:?}",
            path.file_name().unwrap().to_string_lossy()
        ));
        merge(&mut all, tally);
    }
    eprintln!("{}", report.join("\n"));
    // cryptofeed_20260809_linear
    assert_eq!(count(&all, "orderbook_200", Outcome::BookSnapshot), 4);
    assert_eq!(count(&all, "orderbook_200", Outcome::BookDiff), 1594);
    // 758 tickers frames: 638 carry best bid/offer fields, 120 only other fields
    assert_eq!(count(&all, "tickers", Outcome::Quote), 638);
    assert_eq!(count(&all, "tickers", Outcome::Ignored), 120);
    // 102 publicTrade frames holding 327 trades
    assert_eq!(sum_trades(&all), (102, 327));
    // 71 kline frames holding 75 candles (4 frames close one candle and open the next)
    assert_eq!(count(&all, "kline", Outcome::Candles(1)), 67);
    assert_eq!(count(&all, "kline", Outcome::Candles(2)), 4);
    assert_eq!(count(&all, "rest_instruments_info", Outcome::Ignored), 1);
    // pr1085 linear 198 + spot 139 orderbook.1 frames
    assert_eq!(count(&all, "orderbook_1", Outcome::Quote), 198 + 139);
    // acks: v5 linear 17 + 4, spot 6; legacy v2 4 + 16
    assert_eq!(
        count(&all, "subscribe_ack", Outcome::Ack),
        17 + 4 + 6 + 4 + 16
    );
    // legacy (pre-v5) sessions: classified, ignored
    assert_eq!(
        count(&all, "legacy_orderbook_l2_25", Outcome::Ignored),
        1018 + 3260
    );
    assert_eq!(count(&all, "legacy_trade", Outcome::Ignored), 76 + 66);
    assert_eq!(count(&all, "rest_symbols", Outcome::Ignored), 1);
    // crypto_msg_parser_tests: 24 pre-v5 frames
    let legacy_tests: usize = [
        "trade",
        "l2_orderbook",
        "candlestick",
        "ticker",
        "open_interest",
        "rest_depth_snapshot",
    ]
    .iter()
    .map(|l| count(&all, l, Outcome::Ignored))
    .sum();
    assert_eq!(legacy_tests, 24);
}

#[test]
fn trades_keep_the_taker_side_and_exact_values() {
    let f = fixture("bybit/cryptofeed_20260809_linear_first600_norest.tsv");
    let o = replay(Venue::BybitLinear, &[f]);
    let trades: Vec<&Event> = o
        .events
        .iter()
        .filter(|e| e.kind == Kind::Trade as u8)
        .collect();
    assert_eq!(trades.len(), 22);
    // first trade: {"T":1786310819680,"s":"BTCUSDT","S":"Sell","v":"0.004","p":"65114.20","i":"a9188a0a-82bc-50de-be60-03eedbe3cdd7",...}
    let t = trades[0];
    assert_eq!(t.side(), Side::Sell);
    assert_eq!((t.px_exp, t.qty_exp), (-8, -8));
    assert_eq!(t.v[0], 6_511_420_000_000);
    assert_eq!(t.v[1], 400_000);
    assert_eq!(t.seq, 0xa918_8a0a_82bc_50de);
    assert_eq!(t.ts_exchange, 1_786_310_819_680_000_000);
    assert!(t.has(flags::FIRST | flags::LAST));
    // the next frame: five ETH trades from one taker order (one `seq`), distinct ids, all Buy
    let eth: Vec<&&Event> = trades[1..6].iter().collect();
    assert!(eth.iter().all(|e| e.side() == Side::Buy));
    let ids: std::collections::HashSet<u64> = eth.iter().map(|e| e.seq).collect();
    assert_eq!(ids.len(), 5);
    assert!(eth[0].has(flags::FIRST) && !eth[0].has(flags::LAST));
    assert!(eth[4].has(flags::LAST) && !eth[4].has(flags::FIRST));
}

#[test]
fn klines_close_with_confirm() {
    let Some(root) = corpus() else { return };
    let o = replay(
        Venue::BybitLinear,
        &[root.join("bybit/cryptofeed_20260809_linear.tsv")],
    );
    let candles: Vec<&Event> = o
        .events
        .iter()
        .filter(|e| e.kind == Kind::Candle as u8)
        .collect();
    // 75 candles in 71 frames, all distinct (dedupe drops exact repeats only)
    assert_eq!(candles.len(), 75);
    let closed: Vec<&&Event> = candles.iter().filter(|e| e.has(flags::CLOSED)).collect();
    assert_eq!(closed.len(), 4);
    assert!(candles.iter().all(|e| e.aux == 60 && e.seq % 60_000 == 0));
    // ETHUSDT 1786310760000 closed: o 1922.43 h 1922.48 l 1922.42 c 1922.48 v 15.7
    let eth = closed
        .iter()
        .find(|e| e.seq == 1_786_310_760_000 && e.v[0] == 192_243_000_000)
        .expect("the closed ETH candle");
    assert_eq!(
        eth.v,
        [
            192_243_000_000,
            192_248_000_000,
            192_242_000_000,
            192_248_000_000,
            1_570_000_000
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// books: sequence chain, never crossed

/// Replays and checks: every forwarded diff continues its book (`u == prev.u + 1`), no gap, no
/// crossed book, no stale diff. Returns (snapshots, diffs applied, tops).
fn check_books(venue: Venue, files: &[PathBuf]) -> (u64, u64, usize) {
    let o = replay(venue, files);
    let stats = o.replay.pipeline().books().stats();
    assert_eq!(stats.gaps, 0, "{files:?}: {stats:?}");
    assert_eq!(stats.crossed, 0, "{files:?}: {stats:?}");
    assert_eq!(stats.stale, 0, "{files:?}: {stats:?}");
    assert_eq!(stats.unusable_snapshots, 0, "{files:?}: {stats:?}");
    assert!(o.replay.pipeline().books().never_synced().is_empty());
    let mut last: HashMap<u32, u64> = HashMap::new();
    let mut diffs = 0;
    for e in o
        .events
        .iter()
        .filter(|e| e.kind == Kind::BookLevel as u8 && e.has(flags::FIRST))
    {
        if !e.has(flags::SNAPSHOT) {
            let prev = last.get(&e.instrument).expect("a diff after a snapshot");
            assert_eq!(e.seq, prev + 1, "chain broken at u={}", e.seq);
            diffs += 1;
        }
        last.insert(e.instrument, e.seq);
    }
    assert_eq!(diffs, stats.applied);
    for t in &o.tops {
        let (b, a) = (t.bid.expect("bid"), t.ask.expect("ask"));
        assert!(b.px < a.px, "crossed at u={}", t.seq);
    }
    assert!(!o
        .events
        .iter()
        .any(|e| matches!(e.status(), Some(StatusCode::Gap | StatusCode::Crossed))));
    (stats.snapshots, stats.applied, o.tops.len())
}

#[test]
fn fixture_books_follow_the_chain() {
    let f = fixture("bybit/cryptofeed_20260809_linear_first600_norest.tsv");
    let (snaps, diffs, tops) = check_books(Venue::BybitLinear, &[f]);
    assert_eq!((snaps, diffs, tops), (4, 348, 352));
}

#[test]
fn corpus_books_follow_the_chain() {
    let Some(root) = corpus() else { return };
    let f = root.join("bybit/cryptofeed_20260809_linear.tsv");
    let (snaps, diffs, tops) = check_books(Venue::BybitLinear, std::slice::from_ref(&f));
    // 4 symbols: 1 snapshot each, then 1,594 deltas with u == prev.u + 1, 0 gaps
    assert_eq!((snaps, diffs, tops), (4, 1594, 1598));
    // `bybit` is an alias of bybit-linear
    assert_eq!(Venue::from_name("bybit"), Some(Venue::BybitLinear));
    eprintln!("bybit linear: {snaps} snapshots, {diffs} deltas chained (0 gaps), {tops} tops, never crossed");
}

/// Level-1 quotes: `u` is its own id space, +1 per change and repeated unchanged (+0) every
/// 3 s; the corpus has no session with both `orderbook.1` and a deeper book, so no equality of
/// books at equal `u` can be asserted. What holds: per symbol `u` never goes back and steps by
/// 0 or 1, and no quote is crossed.
#[test]
fn level1_quotes_chain_and_never_cross() {
    for (venue, f) in [
        (
            Venue::BybitLinear,
            "bybit/cryptofeed_pr1085_20250613_linear.tsv",
        ),
        (
            Venue::BybitSpot,
            "bybit/cryptofeed_pr1085_20250613_spot.tsv",
        ),
    ] {
        let o = replay(venue, &[fixture(f)]);
        let mut last: HashMap<u32, u64> = HashMap::new();
        let mut steps = [0usize; 2];
        let quotes: Vec<&Event> = o
            .events
            .iter()
            .filter(|e| e.kind == Kind::Quote as u8)
            .collect();
        for q in &quotes {
            assert!(q.v[0] < q.v[2], "{f}: crossed quote {q:?}");
            assert!(q.v[1] > 0 && q.v[3] > 0);
            if let Some(p) = last.insert(q.instrument, q.seq) {
                let d = q.seq.checked_sub(p).expect("u went back");
                assert!(d <= 1, "{f}: u jumped by {d}");
                steps[d as usize] += 1;
            }
        }
        // dedupe drops the repeats (same u): only +1 steps reach the consumer
        assert_eq!(steps[0], 0, "{f}");
        let parsed = o.replay.pipeline().stats().emitted;
        assert!(parsed > 0);
        eprintln!(
            "{f}: {} quotes after dedupe, {} +1 steps",
            quotes.len(),
            steps[1]
        );
    }
}

/// `tickers` quotes are taken at cross sequence `cs`; book pushes carry their own cross `seq`.
/// The book at the latest `seq <= cs` has the ticker's best bid and ask prices almost always,
/// not always its sizes (tickers sample the engine between book pushes): what holds is
/// asserted, the rest reported.
#[test]
fn ticker_quotes_against_the_rebuilt_book() {
    let Some(root) = corpus() else { return };
    let f = root.join("bybit/cryptofeed_20260809_linear.tsv");
    // u → cross seq of each book push
    let mut cross: HashMap<(String, u64), u64> = HashMap::new();
    let mut reader = Reader::open(&f).unwrap();
    while let Some(fr) = reader.next_frame().unwrap() {
        if fr.meta == "orderbook_200" {
            let v: sonic_rs::Value = sonic_rs::from_slice(fr.payload).unwrap();
            use sonic_rs::JsonValueTrait;
            let d = v.get("data").unwrap();
            cross.insert(
                (
                    d.get("s").unwrap().as_str().unwrap().to_string(),
                    d.get("u").unwrap().as_u64().unwrap(),
                ),
                d.get("seq").unwrap().as_u64().unwrap(),
            );
        }
    }
    let o = replay(Venue::BybitLinear, std::slice::from_ref(&f));
    let inst = o.replay.instruments().clone();
    let mut tops: HashMap<u32, Vec<(u64, [i64; 4])>> = HashMap::new();
    for t in &o.tops {
        let sym = inst.info(t.instrument).unwrap().symbol;
        let cs = cross[&(sym, t.seq)];
        let (b, a) = (t.bid.unwrap(), t.ask.unwrap());
        tops.entry(t.instrument.0)
            .or_default()
            .push((cs, [b.px, b.qty, a.px, a.qty]));
    }
    let (mut compared, mut prices, mut full) = (0, 0, 0);
    for q in o.events.iter().filter(|e| e.kind == Kind::Quote as u8) {
        let Some(list) = tops.get(&q.instrument) else {
            continue;
        };
        let i = list.partition_point(|(cs, _)| *cs <= q.seq);
        if i == 0 {
            continue;
        }
        let top = list[i - 1].1;
        compared += 1;
        prices += usize::from(top[0] == q.v[0] && top[2] == q.v[2]);
        full += usize::from(top == [q.v[0], q.v[1], q.v[2], q.v[3]]);
    }
    eprintln!("tickers vs book at the latest seq <= cs: {compared} compared, prices equal {prices}, prices and sizes equal {full}");
    assert!(compared > 600);
    assert!(prices * 100 >= compared * 99, "{prices}/{compared}");
}

// ---------------------------------------------------------------------------------------------
// tampering: a gap or a crossed book resyncs that instrument alone

fn frames_of(path: &Path) -> Vec<(FrameKind, String, Vec<u8>, Nanos)> {
    let mut r = Reader::open(path).unwrap();
    let mut v = Vec::new();
    while let Some(f) = r.next_frame().unwrap() {
        v.push((f.kind, f.meta.to_string(), f.payload.to_vec(), f.ts_recv));
    }
    v
}

/// Runs frames through a pipeline; returns the events.
fn run(frames: &[(FrameKind, String, Vec<u8>, Nanos)]) -> (Pipeline, Vec<Event>) {
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let mut evs = Vec::new();
    for (kind, _, payload, ts) in frames {
        if *kind == FrameKind::WsText {
            let _ = p.on_frame(Venue::BybitLinear, payload, *ts, &mut |e| evs.push(*e));
        }
    }
    (p, evs)
}

fn is_btc_delta(f: &(FrameKind, String, Vec<u8>, Nanos)) -> bool {
    f.1 == "orderbook_200"
        && String::from_utf8_lossy(&f.2)
            .contains("\"topic\":\"orderbook.200.BTCUSDT\",\"type\":\"delta\"")
}

#[test]
fn a_missing_delta_is_a_gap_for_that_instrument_alone_and_a_new_snapshot_heals_it() {
    let frames = frames_of(&fixture(
        "bybit/cryptofeed_20260809_linear_first600_norest.tsv",
    ));
    let (clean_p, _) = run(&frames);
    let clean = clean_p.books().stats();
    // drop the 10th BTC delta
    let drop_at = frames
        .iter()
        .enumerate()
        .filter(|(_, f)| is_btc_delta(f))
        .nth(9)
        .unwrap()
        .0;
    let mut tampered = frames.clone();
    tampered.remove(drop_at);
    let (p, evs) = run(&tampered);
    let s = p.books().stats();
    assert_eq!(s.gaps, 1);
    let btc = p
        .instruments()
        .find(Venue::BybitLinear, "BTCUSDT")
        .unwrap()
        .id;
    let statuses: Vec<(StatusCode, u32)> = evs
        .iter()
        .filter_map(|e| e.status().map(|c| (c, e.instrument)))
        .filter(|(c, _)| *c != StatusCode::BookSynced)
        .collect();
    assert_eq!(
        statuses,
        vec![(StatusCode::Gap, btc.0), (StatusCode::Resync, btc.0)]
    );
    // the other books stayed live and applied every delta; BTC waits for a snapshot
    for sym in ["ETHUSDT", "SOLUSDT", "DOGEUSDT"] {
        let id = p.instruments().find(Venue::BybitLinear, sym).unwrap().id;
        assert!(p.books().book(id).is_some(), "{sym}");
    }
    assert!(p.books().book(btc).is_none());
    let btc_deltas = frames.iter().filter(|f| is_btc_delta(f)).count() as u64;
    // every delta after the gap is buffered, none applied
    assert_eq!(s.applied, clean.applied - (btc_deltas - 9));

    // the venue answers the resubscribe with a snapshot: the book is live again and ends
    // exactly where the untampered one does
    let mut healed = tampered.clone();
    let last_btc = healed.iter().rposition(is_btc_delta).unwrap();
    let snapshot_before_last = {
        // the clean book just before the last BTC delta, as the venue would send it
        let (p, _) = run(&frames[..frames.iter().rposition(is_btc_delta).unwrap()]);
        let id = p
            .instruments()
            .find(Venue::BybitLinear, "BTCUSDT")
            .unwrap()
            .id;
        let b = p.books().book(id).unwrap();
        let side = |levels: Vec<&tickwire::book::Level>| -> String {
            levels
                .iter()
                .map(|l| {
                    format!(
                        "[\"{}\",\"{}\"]",
                        Decimal::new(l.px, b.px_exp),
                        Decimal::new(l.qty, b.qty_exp)
                    )
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        format!(
            r#"{{"topic":"orderbook.200.BTCUSDT","type":"snapshot","ts":1,"data":{{"s":"BTCUSDT","b":[{}],"a":[{}],"u":{},"seq":1}},"cts":1}}"#,
            side(b.bids().collect()),
            side(b.asks().collect()),
            b.seq
        )
    };
    healed.insert(
        last_btc,
        (
            FrameKind::WsText,
            "orderbook_200".into(),
            snapshot_before_last.into_bytes(),
            Nanos(2),
        ),
    );
    let (p, evs) = run(&healed);
    let btc = p
        .instruments()
        .find(Venue::BybitLinear, "BTCUSDT")
        .unwrap()
        .id;
    let (a, b) = (
        p.books().book(btc).unwrap(),
        clean_p.books().book(btc).unwrap(),
    );
    assert_eq!(a.seq, b.seq);
    assert_eq!(a.top(200), b.top(200));
    assert!(evs
        .iter()
        .any(|e| e.status() == Some(StatusCode::BookSynced)
            && e.instrument == btc.0
            && e.ts_recv == 2));
}

#[test]
fn a_crossing_delta_resyncs_that_instrument_alone() {
    let mut frames = frames_of(&fixture(
        "bybit/cryptofeed_20260809_linear_first600_norest.tsv",
    ));
    // the 5th SOL delta gets a bid far above the book
    let i = frames
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            f.1 == "orderbook_200"
                && String::from_utf8_lossy(&f.2)
                    .contains("orderbook.200.SOLUSDT\",\"type\":\"delta\"")
        })
        .nth(4)
        .unwrap()
        .0;
    let t = String::from_utf8(frames[i].2.clone()).unwrap();
    let t = t.replacen("\"b\":[", "\"b\":[[\"999.00\",\"1.0\"],", 1);
    frames[i].2 = t.into_bytes();
    let (p, evs) = run(&frames);
    let sol = p
        .instruments()
        .find(Venue::BybitLinear, "SOLUSDT")
        .unwrap()
        .id;
    let bad: Vec<(StatusCode, u32)> = evs
        .iter()
        .filter_map(|e| e.status().map(|c| (c, e.instrument)))
        .filter(|(c, _)| *c != StatusCode::BookSynced)
        .collect();
    assert_eq!(
        bad,
        vec![(StatusCode::Crossed, sol.0), (StatusCode::Resync, sol.0)]
    );
    assert!(p.books().book(sol).is_none());
    for sym in ["BTCUSDT", "ETHUSDT", "DOGEUSDT"] {
        let id = p.instruments().find(Venue::BybitLinear, sym).unwrap().id;
        assert!(p.books().book(id).is_some(), "{sym}");
    }
    // a changed size alone cannot be caught: Bybit sends no checksum (nothing to compare)
}

// ---------------------------------------------------------------------------------------------
// synthetic frames (documented shapes, `docs/exchanges.md` §5): not in any capture

fn parse(venue: Venue, frame: &str) -> (Result<Control, tickwire::venue::ParseError>, Vec<Event>) {
    let mut p = parser_for(venue, Instruments::new());
    let mut out = Vec::new();
    let r = p.parse_frame(frame.as_bytes(), Nanos(5), &mut out);
    (r, out)
}

#[test]
fn synthetic_control_frames() {
    // SYNTHETIC: pong shapes from the v5 docs (linear/inverse `op:"pong"`, spot `op:"ping"` +
    // `ret_msg:"pong"`), a failed subscribe (exact error texts were not captured)
    for (venue, f) in [
        (
            Venue::BybitLinear,
            r#"{"req_id":"100001","op":"pong","args":["1672916271846"],"conn_id":"2324d924-aa4d-45b0-a858-7b8be29ab52b-uuc"}"#,
        ),
        (
            Venue::BybitSpot,
            r#"{"success":true,"ret_msg":"pong","conn_id":"0970e817-426e-429a-a679-ff7f55e0b16a","op":"ping"}"#,
        ),
        (Venue::BybitInverse, r#"{"op":"pong"}"#),
    ] {
        assert_eq!(parse(venue, f).0, Ok(Control::Heartbeat), "{f}");
    }
    assert_eq!(
        parse(
            Venue::BybitLinear,
            r#"{"success":true,"ret_msg":"","conn_id":"d8bu","req_id":"42","op":"subscribe"}"#
        )
        .0,
        Ok(Control::Ack { id: 42 })
    );
    assert_eq!(
        parse(
            Venue::BybitSpot,
            r#"{"success":true,"ret_msg":"subscribe","conn_id":"1764937c","op":"subscribe"}"#
        )
        .0,
        Ok(Control::Ack { id: -1 })
    );
    assert_eq!(
        parse(
            Venue::BybitLinear,
            r#"{"success":false,"ret_msg":"error:handler not found,topic:orderbook.7.BTCUSDT","conn_id":"x","req_id":"","op":"subscribe"}"#
        )
        .0,
        Ok(Control::VenueError {
            code: 0,
            msg: "error:handler not found,topic:orderbook.7.BTCUSDT".into()
        })
    );
    // the pipeline reports venue errors in band
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let mut evs = Vec::new();
    p.on_frame(
        Venue::BybitLinear,
        br#"{"success":false,"ret_msg":"Invalid topic","op":"unsubscribe"}"#,
        Nanos(1),
        &mut |e| evs.push(*e),
    )
    .unwrap();
    assert_eq!(evs[0].status(), Some(StatusCode::VenueError));
    // unknown but valid: counted as ignored
    assert_eq!(
        parse(
            Venue::BybitLinear,
            r#"{"topic":"allLiquidation.BTCUSDT","type":"snapshot","ts":1,"data":[]}"#
        )
        .0,
        Ok(Control::Ignored)
    );
}

#[test]
fn synthetic_book_restart_empty_delta_and_bbo_delta() {
    let mut books = Books::new(Default::default());
    let mut out = Vec::new();
    let mut p = parser_for(Venue::BybitLinear, Instruments::new());
    let mut feed = |f: &str, books: &mut Books, out: &mut Vec<Event>| {
        let mut evs = Vec::new();
        p.parse_frame(f.as_bytes(), Nanos(1), &mut evs).unwrap();
        books.apply(&evs, out);
        evs
    };
    feed(
        r#"{"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1,"data":{"s":"BTCUSDT","b":[["100.0","1"]],"a":[["101.0","1"]],"u":500,"seq":9},"cts":1}"#,
        &mut books,
        &mut out,
    );
    // SYNTHETIC: an empty delta still advances the chain (one NO_LEVEL event)
    let evs = feed(
        r#"{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":2,"data":{"s":"BTCUSDT","b":[],"a":[],"u":501,"seq":10},"cts":2}"#,
        &mut books,
        &mut out,
    );
    assert_eq!(evs.len(), 1);
    assert!(evs[0].has(flags::NO_LEVEL | flags::FIRST | flags::LAST));
    let id = tickwire::InstrumentId(evs[0].instrument);
    assert_eq!(books.book(id).unwrap().seq, 501);
    // SYNTHETIC: `u == 1` in a delta = the venue restarted its book: a snapshot, overwrite
    let evs = feed(
        r#"{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":3,"data":{"s":"BTCUSDT","b":[["99.5","2"]],"a":[["100.5","3"]],"u":1,"seq":11},"cts":3}"#,
        &mut books,
        &mut out,
    );
    assert!(evs.iter().all(|e| e.has(flags::SNAPSHOT)));
    let b = books.book(id).unwrap();
    assert_eq!(b.seq, 1);
    assert_eq!(b.depth(), (1, 1));
    assert_eq!(b.best_bid().unwrap().px, 9_950_000_000);
    feed(
        r#"{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":4,"data":{"s":"BTCUSDT","b":[["99.5","0"]],"a":[],"u":2,"seq":12},"cts":4}"#,
        &mut books,
        &mut out,
    );
    assert_eq!(books.book(id).unwrap().depth(), (0, 1));
    assert_eq!(books.stats().gaps, 0);

    // SYNTHETIC: pre-2025 `orderbook.1` deltas name only the side that changed
    let (_, q) = parse(
        Venue::BybitLinear,
        r#"{"topic":"orderbook.1.BTCUSDT","type":"snapshot","ts":1,"data":{"s":"BTCUSDT","b":[["100.0","1"]],"a":[["101.0","2"]],"u":7,"seq":1},"cts":1}"#,
    );
    assert_eq!(
        q[0].v[..4],
        [10_000_000_000, 100_000_000, 10_100_000_000, 200_000_000]
    );
    let mut p = parser_for(Venue::BybitLinear, Instruments::new());
    let mut out = Vec::new();
    for f in [
        r#"{"topic":"orderbook.1.BTCUSDT","type":"snapshot","ts":1,"data":{"s":"BTCUSDT","b":[["100.0","1"]],"a":[["101.0","2"]],"u":7,"seq":1},"cts":1}"#,
        r#"{"topic":"orderbook.1.BTCUSDT","type":"delta","ts":2,"data":{"s":"BTCUSDT","b":[],"a":[["100.5","4"]],"u":8,"seq":2},"cts":2}"#,
    ] {
        p.parse_frame(f.as_bytes(), Nanos(1), &mut out).unwrap();
    }
    assert_eq!(out[1].seq, 8);
    assert_eq!(
        out[1].v[..4],
        [10_000_000_000, 100_000_000, 10_050_000_000, 400_000_000]
    );
}

#[test]
fn synthetic_tickers_merge_partial_deltas_and_spot_has_no_bbo() {
    let mut p = parser_for(Venue::BybitLinear, Instruments::new());
    let mut out = Vec::new();
    // real shapes (linear): snapshot, then deltas naming only changed fields
    for f in [
        r#"{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","lastPrice":"65114.30","bid1Price":"65114.20","bid1Size":"5.954","ask1Price":"65114.30","ask1Size":"10.470"},"cs":100,"ts":1786310817583}"#,
        r#"{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","bid1Price":"65114.20","bid1Size":"6.124"},"cs":101,"ts":1786310818484}"#,
        r#"{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","markPrice":"65117.43"},"cs":102,"ts":1786310818485}"#,
    ] {
        p.parse_frame(f.as_bytes(), Nanos(1), &mut out).unwrap();
    }
    assert_eq!(out.len(), 2);
    assert_eq!(out[1].seq, 101);
    assert_eq!(
        out[1].v[..4],
        [
            6_511_420_000_000,
            612_400_000,
            6_511_430_000_000,
            1_047_000_000
        ]
    );
    assert_eq!(out[1].ts_exchange, 1_786_310_818_484_000_000);
    assert_eq!(p.stats().ignored, 1);
    // SYNTHETIC: the spot tickers example of the v5 docs (no best bid/offer fields)
    let (r, evs) = parse(
        Venue::BybitSpot,
        r#"{"topic":"tickers.BTCUSDT","ts":1673853746003,"type":"snapshot","cs":2588407389,"data":{"symbol":"BTCUSDT","lastPrice":"21109.77","highPrice24h":"21426.99","lowPrice24h":"20575","prevPrice24h":"20704.93","volume24h":"6780.866843","turnover24h":"141946527.22907118","price24hPcnt":"0.0196","usdIndexPrice":"21120.2400136"}}"#,
    );
    assert_eq!((r, evs.len()), (Ok(Control::Ignored), 0));
}

#[test]
fn synthetic_rest_bodies() {
    let mut p = parser_for(Venue::BybitSpot, Instruments::new());
    let mut out = Vec::new();
    // SYNTHETIC: instruments-info (spot shape) presets exponents before first sight
    let info = r#"{"retCode":0,"retMsg":"OK","result":{"category":"spot","list":[{"symbol":"PEPEUSDT","baseCoin":"PEPE","quoteCoin":"USDT","status":"Trading","lotSizeFilter":{"basePrecision":"1","quotePrecision":"0.00000001","minOrderQty":"1","maxOrderQty":"900000000000","minOrderAmt":"1","maxOrderAmt":"200000"},"priceFilter":{"tickSize":"0.0000000001"}}]},"retExtInfo":{},"time":1}"#;
    assert_eq!(
        p.parse_rest(info.as_bytes(), None, Nanos(1), &mut out),
        Ok(Control::Ignored)
    );
    // SYNTHETIC: /v5/market/orderbook (docs example)
    let book = r#"{"retCode":0,"retMsg":"OK","result":{"s":"PEPEUSDT","a":[["0.0000123457","1000"]],"b":[["0.0000123456","2000"]],"ts":1716863719031,"u":230704,"seq":1432604333,"cts":1716863718905},"retExtInfo":{},"time":1716863719382}"#;
    assert_eq!(
        p.parse_rest(book.as_bytes(), None, Nanos(1), &mut out),
        Ok(Control::Data)
    );
    assert_eq!(out.len(), 2);
    assert!(out
        .iter()
        .all(|e| e.has(flags::SNAPSHOT) && e.seq == 230_704));
    // ten decimals of price kept (tick 1e-10), sizes up to 9e11 in a coarser exponent
    assert_eq!((out[0].px_exp, out[0].qty_exp), (-10, -6));
    assert_eq!(out[0].side(), Side::Buy);
    assert_eq!(out[0].v[0], 123_456);
    assert_eq!(out[0].ts_exchange, 1_716_863_718_905_000_000);
    out.clear();
    // SYNTHETIC: /v5/market/recent-trade (docs example)
    let trades = r#"{"retCode":0,"retMsg":"OK","result":{"category":"spot","list":[{"execId":"2100000000007764263","symbol":"BTCUSDT","price":"16618.49","size":"0.00012","side":"Buy","time":"1672052955758","isBlockTrade":false}]},"retExtInfo":{},"time":1672053054358}"#;
    p.parse_rest(trades.as_bytes(), None, Nanos(1), &mut out)
        .unwrap();
    assert_eq!(out[0].kind, Kind::Trade as u8);
    assert_eq!(out[0].seq, 2_100_000_000_007_764_263);
    assert_eq!(out[0].side(), Side::Buy);
    assert_eq!(out[0].ts_exchange, 1_672_052_955_758_000_000);
    out.clear();
    // SYNTHETIC: /v5/market/kline (docs example, newest first): emitted oldest first
    let kl = r#"{"retCode":0,"retMsg":"OK","result":{"symbol":"BTCUSD","category":"inverse","list":[["1670608800000","17071","17073","17027","17055.5","268611","15.74462667"],["1670605200000","17071.5","17071.5","17061","17071","4177","0.24469757"]]},"retExtInfo":{},"time":1672025956592}"#;
    let mut p = parser_for(Venue::BybitInverse, Instruments::new());
    p.parse_rest(
        kl.as_bytes(),
        None,
        Nanos(1_672_025_956_592_000_000),
        &mut out,
    )
    .unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].seq, 1_670_605_200_000);
    assert!(out.iter().all(|e| e.aux == 3600 && e.has(flags::CLOSED)));
    assert_eq!(out[1].v[4], 268_611 * 100_000_000);
    // errors
    out.clear();
    assert_eq!(
        p.parse_rest(
            br#"{"retCode":10001,"retMsg":"params error: symbol invalid","result":{},"retExtInfo":{},"time":1}"#,
            None,
            Nanos(1),
            &mut out
        ),
        Ok(Control::VenueError {
            code: 10001,
            msg: "params error: symbol invalid".into()
        })
    );
}

#[test]
fn corpus_instruments_info_presets_exponents() {
    let Some(root) = corpus() else { return };
    let o = replay(
        Venue::BybitLinear,
        &[root.join("bybit/cryptofeed_20260809_linear.tsv")],
    );
    // tick 0.10 / step 0.001 and maxPrice 1,999,999.80: every linear instrument keeps -8
    let btc = o
        .replay
        .instruments()
        .find(Venue::BybitLinear, "BTCUSDT")
        .unwrap();
    assert_eq!((btc.px_exp, btc.qty_exp), (-8, -8));
    // the body was read: replaying under bybit-spot ignores a linear body (category differs)
    let o = replay(
        Venue::BybitSpot,
        &[root.join("bybit/cryptofeed_20260809_linear.tsv")],
    );
    assert_eq!(o.replay.pipeline().stats().malformed, 0);
}

// ---------------------------------------------------------------------------------------------
// truncations and corruptions never panic; the stream goes on

const GOOD_TRADE: &str = r#"{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[{"T":1,"s":"BTCUSDT","S":"Buy","v":"1","p":"1.5","L":"PlusTick","i":"ID","BT":false}]}"#;

fn samples() -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    for f in [
        "bybit/cryptofeed_20260809_linear_first600_norest.tsv",
        "bybit/cryptofeed_pr1085_20250613_spot.tsv",
        "bybit/crypto_msg_parser_tests.tsv",
    ] {
        let mut r = Reader::open(fixture(f)).unwrap();
        let mut seen = std::collections::HashSet::new();
        while let Some(fr) = r.next_frame().unwrap() {
            if fr.kind != FrameKind::ClientSent
                && seen.insert(fr.meta.to_string())
                && fr.payload.len() < 3000
            {
                v.push((fr.meta.to_string(), fr.payload.to_vec()));
            }
        }
    }
    assert!(v.len() >= 8);
    v
}

fn feed(p: &mut Pipeline, bad: &[u8]) -> (Vec<Event>, bool) {
    let mut evs = Vec::new();
    let _ = p.on_frame(Venue::BybitLinear, bad, Nanos(1), &mut |e| evs.push(*e));
    let id = format!("T{}", p.stats().frames);
    let good = GOOD_TRADE.replace("\"ID\"", &format!("\"{id}\""));
    let mut after = Vec::new();
    p.on_frame(Venue::BybitLinear, good.as_bytes(), Nanos(2), &mut |e| {
        after.push(*e)
    })
    .expect("good frame after a bad one");
    (evs, after.iter().any(|e| e.kind == Kind::Trade as u8))
}

#[test]
fn truncated_and_corrupted_frames_are_reported_and_the_stream_goes_on() {
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let mut n = 0;
    for (label, frame) in samples() {
        for cut in 0..frame.len() {
            let before = p.stats();
            let (evs, ok) = feed(&mut p, &frame[..cut]);
            assert!(ok, "{label} cut at {cut}: the next frame was lost");
            let after = p.stats();
            assert!(
                after.malformed + after.ignored + after.control
                    > before.malformed + before.ignored + before.control
                    || evs.iter().any(|e| e.kind != Kind::Status as u8),
                "{label} cut at {cut}: not counted"
            );
            if after.malformed > before.malformed {
                assert!(evs.iter().all(|e| e.kind == Kind::Status as u8));
            }
            n += 1;
        }
    }
    assert!(n > 2000, "{n}");
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let junk = [
        b'"', b'{', b'}', b'[', b']', b',', b':', b'\\', b'-', b'e', b'.', 0xff, 0, b'9',
    ];
    for (label, frame) in samples() {
        for _ in 0..200 {
            let mut f = frame.clone();
            for _ in 0..1 + next() % 3 {
                let i = (next() as usize) % f.len();
                f[i] = junk[(next() as usize) % junk.len()];
            }
            let (evs, ok) = feed(&mut p, &f);
            assert!(
                ok,
                "{label}: lost the next frame after {:?}",
                String::from_utf8_lossy(&f)
            );
            let book: Vec<&Event> = evs
                .iter()
                .filter(|e| e.kind == Kind::BookLevel as u8)
                .collect();
            if let (Some(a), Some(b)) = (book.first(), book.last()) {
                assert!(a.has(flags::FIRST) && b.has(flags::LAST));
            }
        }
    }
    for bad in [
        &b""[..],
        b"null",
        b"[]",
        b"\"x\"",
        b"{}",
        b"\xff\xfe",
        b"{\"topic\":1}",
        b"{\"topic\":\"publicTrade.X\"}",
    ] {
        let (_, ok) = feed(&mut p, bad);
        assert!(ok);
    }
    let deep = format!(
        "{{\"topic\":\"publicTrade.X\",\"data\":{}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let (evs, ok) = feed(&mut p, deep.as_bytes());
    assert!(
        ok && evs
            .iter()
            .any(|e| e.status() == Some(StatusCode::Malformed))
    );
}

// ---------------------------------------------------------------------------------------------
// steady state allocates nothing

#[test]
fn steady_state_trade_and_book_frames_allocate_nothing() {
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let mut sink = |_: &Event| {};
    let snap = r#"{"topic":"orderbook.200.BTCUSDT","type":"snapshot","ts":1,"data":{"s":"BTCUSDT","b":[["65114.20","6.054"],["65114.10","0.002"],["65000.00","1"]],"a":[["65114.30","10.488"],["65116.60","0.5"],["65200.00","2"]],"u":100,"seq":1},"cts":1}"#;
    p.on_frame(Venue::BybitLinear, snap.as_bytes(), Nanos(1), &mut sink)
        .unwrap();
    let delta = |u: u64| {
        format!(
            r#"{{"topic":"orderbook.200.BTCUSDT","type":"delta","ts":1,"data":{{"s":"BTCUSDT","b":[["65114.10","{}.002"],["65095.30","0"]],"a":[["65116.60","0"],["65116.80","0.{:03}"]],"u":{u},"seq":{}}},"cts":1}}"#,
            u % 5,
            u % 1000,
            u * 7
        )
    };
    let trade = |k: u64| {
        format!(
            r#"{{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[{{"T":1,"s":"BTCUSDT","S":"Sell","v":"0.004","p":"65114.20","L":"MinusTick","i":"{k:08x}-82bc-50de-be60-03eedbe3cdd7","BT":false,"RPI":false,"seq":{k}}}]}}"#
        )
    };
    let frames: Vec<String> = (101..2101u64).flat_map(|u| [delta(u), trade(u)]).collect();
    // warm-up
    for f in &frames[..1000] {
        p.on_frame(Venue::BybitLinear, f.as_bytes(), Nanos(1), &mut sink)
            .unwrap();
    }
    let before = allocs();
    for f in &frames[1000..] {
        p.on_frame(Venue::BybitLinear, f.as_bytes(), Nanos(1), &mut sink)
            .unwrap();
    }
    let n = allocs() - before;
    assert_eq!(n, 0, "{n} allocations in steady state");
    assert_eq!(p.books().stats().gaps, 0);
    assert_eq!(p.books().stats().applied, 2000);
}

// ---------------------------------------------------------------------------------------------
// fast paths = general path

/// The fast paths give exactly what the general path gives, on every Bybit corpus frame (and
/// on the fixtures when the corpus is absent), and they do take the hot frames.
#[test]
fn fast_paths_agree_with_the_general_path_on_every_frame() {
    use tickwire::venue::bybit::BybitParser;
    let mut files: Vec<PathBuf> = sessions(&fixture("bybit"));
    if let Some(root) = corpus() {
        files.extend(sessions(&root.join("bybit")));
    }
    let (mut frames, mut hot, mut hits) = (0u64, 0u64, 0u64);
    for path in files {
        let venue = venue_of(&path);
        let mut fast = BybitParser::new(venue, Instruments::new());
        let mut slow = BybitParser::new(venue, Instruments::new());
        slow.set_fast_paths(false);
        let mut reader = Reader::open(&path).unwrap();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        while let Some(f) = reader.next_frame().unwrap() {
            if f.kind != FrameKind::WsText {
                continue;
            }
            a.clear();
            b.clear();
            let ra = fast.parse_frame(f.payload, f.ts_recv, &mut a);
            let rb = slow.parse_frame(f.payload, f.ts_recv, &mut b);
            let text = String::from_utf8_lossy(f.payload);
            assert_eq!(ra, rb, "{}: {text}", path.display());
            assert_eq!(a, b, "{}: {text}", path.display());
            frames += 1;
            hot += u64::from(matches!(
                f.meta,
                "orderbook_200" | "orderbook_1" | "public_trade"
            ));
        }
        assert_eq!(slow.fast_hits(), 0);
        hits += fast.fast_hits();
    }
    assert_eq!(
        hits, hot,
        "every hot frame took a fast path ({frames} frames)"
    );
    // and on variants the fast paths must refuse or agree with: reordered, duplicated, odd keys
    let variants = [
        r#"{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"ts":2,"data":[]}"#,
        r#"{"topic":"publicTrade.BTCUSDT","data":[{"T":1,"s":"BTCUSDT","S":"Buy","v":"1","p":"2","i":"x","BT":true,"BT":false}]}"#,
        r#"{"topic":"publicTrade.BTCUSDT","data":[{"T":1,"s":"BTCUSDT","S":"Buy","v":"1","p":"2","i":"x","mP":"3"}]}"#,
        r#"{"topic":"publicTrade.BTCUSDT","data":[{"T":1,"s":"BTCUSDT","S":"Buy","v":"1","p":"1e-12","i":"x"}]}"#,
        r#"{"topic":"publicTrade.BTCUSDT","data":[]}"#,
        r#"{"topic":"publicTrade.BTCUSDT"}"#,
        r#"{"topic":"orderbook.50.BTCUSDT","type":"delta","data":{"s":"BTCUSDT","b":[["1","2"]],"b":[],"a":[],"u":5}}"#,
        r#"{"topic":"orderbook.50.BTCUSDT","type":"delta","data":{"u":5,"a":[],"s":"BTCUSDT","b":[["1","2"]]},"cts":7}"#,
        r#"{"topic":"orderbook.50.BTCUSDT","type":"delta","data":{"u":5,"a":[],"b":[["1","2"]]},"cts":7}"#,
        r#"{"topic":"orderbook.50.BTCUSDT","type":"delta","data":{"s":"BTCUSDT","b":[["1","2","3"]],"a":[],"u":5}}"#,
        r#"{"topic":"orderbook.50.BTCUSDT","type":"weird","data":{"s":"BTCUSDT","b":[],"a":[],"u":5}}"#,
        r#"{"topic":"orderbook.50.BTCUSDT","data":{"s":"BTCUSDT","b":[],"a":[],"u":5}}"#,
        r#"{"topic":"orderbook.50.BTCUSDT","type":"delta","data":{"s":"BTCUSDT","b":[],"a":[]}}"#,
        r#"{"topic":"orderbook.50.BTCUSDT","type":"delta","data":{}}"#,
        r#"{"topic":"orderbook.1.BTCUSDT","type":"snapshot","data":{"s":"BTCUSDT","b":[],"a":[["5","0"]],"u":1}}"#,
        r#"{"topic":"orderbook.50.BTCUSDT","type":"delta","data":{"s":"BTCUSDT","b":[["1.123456789","2"]],"a":[],"u":5}}"#,
        r#"{"topic":"orderbook.50.BTCUSDT","type":"delta","cts":1,"cts":2,"data":{"s":"BTCUSDT","b":[],"a":[],"u":5}}"#,
    ];
    for v in variants {
        let mut fast = BybitParser::new(Venue::BybitLinear, Instruments::new());
        let mut slow = BybitParser::new(Venue::BybitLinear, Instruments::new());
        slow.set_fast_paths(false);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let ra = fast.parse_frame(v.as_bytes(), Nanos(1), &mut a);
        let rb = slow.parse_frame(v.as_bytes(), Nanos(1), &mut b);
        assert_eq!(ra.is_ok(), rb.is_ok(), "{v}: {ra:?} vs {rb:?}");
        assert_eq!(a, b, "{v}");
    }
}
