//! Hyperliquid parser and books against the real capture (`hftbacktest_btcusd_20250126_first60s`:
//! 46 `l2Book` and 9 `trades` frames), from the project's fixture always and from
//! `../shared/corpus` when it is beside the project. `bbo`, `candle`, acks, pongs, errors and
//! `POST /info` bodies have no capture: they are tested on the documented shapes of
//! `docs/exchanges.md` §7 and say they are synthetic.

mod common;

use common::{fixture, label_counts, replay};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tickwire::event::{flags, Event, Kind, Nanos, Side, StatusCode, Venue};
use tickwire::instrument::Instruments;
use tickwire::pipeline::{Pipeline, PipelineConfig};
use tickwire::record::{FrameKind, Reader};
use tickwire::venue::{parser_for, protocol_for, Control, FrameParser};

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

const SESSION: &str = "hyperliquid/hftbacktest_btcusd_20250126_first60s.tsv";

/// Parses every row; returns rows per label, book levels and trades.
fn classify(path: &Path) -> (HashMap<String, usize>, usize, usize) {
    let mut parser = parser_for(Venue::Hyperliquid, Instruments::new());
    let mut reader = Reader::open(path).unwrap();
    let mut checked: HashMap<String, usize> = HashMap::new();
    let (mut levels, mut trades) = (0, 0);
    while let Some(f) = reader.next_frame().unwrap() {
        if f.kind == FrameKind::ClientSent {
            continue;
        }
        let mut out = Vec::new();
        let r = parser
            .parse_frame(f.payload, f.ts_recv, &mut out)
            .unwrap_or_else(|e| panic!("{}: {e}", f.meta));
        assert_eq!(r, Control::Data);
        let bracketed = out[0].has(flags::FIRST) && out[out.len() - 1].has(flags::LAST);
        assert!(bracketed, "{}", f.meta);
        match f.meta {
            "l2book" => {
                assert!(out.iter().all(|e| e.kind == Kind::BookLevel as u8
                    && e.has(flags::SNAPSHOT | flags::TOP_N)
                    && e.v[2] == e.seq as i64
                    && e.v[3] == -1
                    && e.ts_exchange == e.seq as i64 * 1_000_000));
                // at most 20 levels per side
                assert!(out.len() <= 40);
                levels += out.len();
            }
            "trades" => {
                assert!(out.iter().all(|e| e.kind == Kind::Trade as u8));
                trades += out.len();
            }
            other => panic!("unexpected label {other}"),
        }
        *checked.entry(f.meta.to_string()).or_insert(0) += 1;
    }
    let s = parser.stats();
    assert_eq!((s.malformed, s.out_of_range, s.ignored), (0, 0, 0));
    (checked, levels, trades)
}

#[test]
fn every_frame_is_parsed() {
    let mut paths = vec![fixture(SESSION)];
    if let Some(root) = corpus() {
        paths.push(root.join(SESSION));
    }
    for path in paths {
        let (checked, levels, trades) = classify(&path);
        let mut labels = label_counts(&path);
        labels.remove("client_sent");
        assert_eq!(checked, labels);
        assert_eq!(checked["l2book"], 46);
        assert_eq!(checked["trades"], 9);
        assert_eq!(levels, 46 * 40);
        assert_eq!(trades, 64);
    }
}

#[test]
fn trades_are_the_aggressor_side() {
    let o = replay(Venue::Hyperliquid, &[fixture(SESSION)]);
    let trades: Vec<&Event> = o
        .events
        .iter()
        .filter(|e| e.kind == Kind::Trade as u8)
        .collect();
    assert_eq!(trades.len(), 64);
    // `side` "B" = the aggressor bought, "A" = the aggressor sold (hit the bid)
    let buys = trades.iter().filter(|e| e.side() == Side::Buy).count();
    let sells = trades.iter().filter(|e| e.side() == Side::Sell).count();
    assert_eq!((buys, sells), (23, 41));
    // {"coin":"BTC","px":"105056.0","side":"B","sz":"0.00219","tid":121451470284048,"time":1737918794873}
    let t = trades[0];
    assert_eq!(t.side(), Side::Buy);
    assert_eq!(t.seq, 121_451_470_284_048);
    assert_eq!((t.v[0], t.v[1]), (10_505_600_000_000, 219_000));
    assert_eq!(t.ts_exchange, 1_737_918_794_873_000_000);
    // the side is the aggressor's: every trade after the first book push is a buy at or above
    // the best ask then prevailing, or a sell at or below the best bid (34 of 64; the other 30
    // are the recent trades sent on subscribe, before any book)
    let (mut checked, mut before_book) = (0, 0);
    for t in &trades {
        let i = o
            .tops
            .partition_point(|b| b.seq as i64 * 1_000_000 <= t.ts_exchange);
        if i == 0 {
            before_book += 1;
            continue;
        }
        let top = &o.tops[i - 1];
        match t.side() {
            Side::Buy => assert!(t.v[0] >= top.ask.unwrap().px, "{t:?}"),
            Side::Sell => assert!(t.v[0] <= top.bid.unwrap().px, "{t:?}"),
            Side::None => panic!("no side"),
        }
        checked += 1;
    }
    assert_eq!((checked, before_book), (34, 30));
    assert_eq!(
        o.replay
            .instruments()
            .find(Venue::Hyperliquid, "BTC")
            .unwrap()
            .id
            .0,
        t.instrument
    );
}

#[test]
fn every_push_replaces_the_book_and_it_never_crosses() {
    let o = replay(Venue::Hyperliquid, &[fixture(SESSION)]);
    let stats = o.replay.pipeline().books().stats();
    assert_eq!(stats.snapshots, 46);
    assert_eq!((stats.gaps, stats.crossed, stats.applied), (0, 0, 0));
    assert_eq!(o.tops.len(), 46);
    // first push: best bid 105055.0 x 3.03622, best ask 105056.0 x 6.34472, time 1737918843542
    let t = &o.tops[0];
    assert_eq!(t.seq, 1_737_918_843_542);
    assert_eq!(
        (t.bid.unwrap().px, t.bid.unwrap().qty),
        (10_505_500_000_000, 303_622_000)
    );
    assert_eq!(
        (t.ask.unwrap().px, t.ask.unwrap().qty),
        (10_505_600_000_000, 634_472_000)
    );
    for t in &o.tops {
        assert!(t.bid.unwrap().px < t.ask.unwrap().px);
    }
    // `time` only goes forward (the first push arrives twice, same time: applied twice)
    for w in o.tops.windows(2) {
        assert!(w[1].seq >= w[0].seq);
    }
    assert_eq!(o.tops[0].seq, o.tops[1].seq);
    // the book holds exactly the last push: 20 levels per side
    let id = o
        .replay
        .instruments()
        .find(Venue::Hyperliquid, "BTC")
        .unwrap()
        .id;
    let book = o.replay.pipeline().books().book(id).unwrap();
    assert_eq!(book.depth(), (20, 20));
    assert_eq!(book.seq, o.tops[45].seq);
    // nothing to resync, ever
    assert!(!o
        .events
        .iter()
        .any(|e| matches!(e.status(), Some(StatusCode::Gap | StatusCode::Resync))));
    assert_eq!(
        protocol_for(Venue::Hyperliquid).resync("BTC", None),
        tickwire::venue::protocol::Resync::None
    );
}

fn parse(frame: &str) -> (Result<Control, tickwire::venue::ParseError>, Vec<Event>) {
    let mut p = parser_for(Venue::Hyperliquid, Instruments::new());
    let mut out = Vec::new();
    let r = p.parse_frame(frame.as_bytes(), Nanos(9), &mut out);
    (r, out)
}

#[test]
fn synthetic_channels_and_control() {
    // SYNTHETIC (docs §7.3): bbo with both sides, then with a null side
    let (r, q) = parse(
        r#"{"channel":"bbo","data":{"coin":"BTC","time":1737918843542,"bbo":[{"px":"105055.0","sz":"3.03622","n":5},{"px":"105056.0","sz":"6.34472","n":13}]}}"#,
    );
    assert_eq!(r, Ok(Control::Data));
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].kind, Kind::Quote as u8);
    assert_eq!(q[0].seq, 1_737_918_843_542);
    assert_eq!(
        q[0].v[..4],
        [
            10_505_500_000_000,
            303_622_000,
            10_505_600_000_000,
            634_472_000
        ]
    );
    let (_, q) = parse(
        r#"{"channel":"bbo","data":{"coin":"kPEPE","time":1,"bbo":[null,{"px":"0.012345","sz":"1000","n":1}]}}"#,
    );
    assert_eq!(q[0].v[..4], [0, 0, 1_234_500, 100_000_000_000]);
    // SYNTHETIC: candle (no closed flag on the wire)
    let (r, c) = parse(
        r#"{"channel":"candle","data":{"t":1737918780000,"T":1737918839999,"s":"BTC","i":"1m","o":"105040.0","c":"105056.0","h":"105060.0","l":"105030.0","v":"12.34567","n":150}}"#,
    );
    assert_eq!(r, Ok(Control::Data));
    assert_eq!(c[0].kind, Kind::Candle as u8);
    assert_eq!((c[0].seq, c[0].aux), (1_737_918_780_000, 60));
    assert!(!c[0].has(flags::CLOSED));
    assert_eq!(
        c[0].v,
        [
            10_504_000_000_000,
            10_506_000_000_000,
            10_503_000_000_000,
            10_505_600_000_000,
            1_234_567_000
        ]
    );
    // SYNTHETIC: acks, pongs, errors, the greeting, other channels
    assert_eq!(
        parse(r#"{"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":{"type":"trades","coin":"SOL"}}}"#).0,
        Ok(Control::Ack { id: -1 })
    );
    assert_eq!(parse(r#"{"channel":"pong"}"#).0, Ok(Control::Heartbeat));
    assert_eq!(
        parse(r#"{"channel":"error","data":"Invalid subscription {\"type\":\"l2Book\",\"coin\":\"NOPE\"}"}"#).0,
        Ok(Control::VenueError {
            code: 0,
            msg: r#"Invalid subscription {"type":"l2Book","coin":"NOPE"}"#.into()
        })
    );
    assert_eq!(
        parse("Websocket connection established.").0,
        Ok(Control::Ignored)
    );
    assert_eq!(
        parse(r#"{"channel":"allMids","data":{"mids":{"BTC":"105055.5"}}}"#).0,
        Ok(Control::Ignored)
    );
    // symbols are case-sensitive: kPEPE and KPEPE are two instruments
    let inst = Instruments::new();
    let mut p = parser_for(Venue::Hyperliquid, inst.clone());
    let mut out = Vec::new();
    for coin in ["kPEPE", "KPEPE"] {
        let f = format!(
            r#"{{"channel":"trades","data":[{{"coin":"{coin}","side":"A","px":"0.01","sz":"5","hash":"0x0","time":1,"tid":7,"users":["a","b"]}}]}}"#
        );
        p.parse_frame(f.as_bytes(), Nanos(1), &mut out).unwrap();
    }
    assert_ne!(out[0].instrument, out[1].instrument);
    assert_eq!(out[0].side(), Side::Sell);
    assert_eq!(
        inst.info(tickwire::InstrumentId(out[0].instrument))
            .unwrap()
            .symbol,
        "kPEPE"
    );
}

#[test]
fn synthetic_rest_bodies() {
    let mut p = parser_for(Venue::Hyperliquid, Instruments::new());
    let mut out = Vec::new();
    // SYNTHETIC: POST /info {"type":"l2Book","coin":"BTC"}
    let book = r#"{"coin":"BTC","time":1737918843542,"levels":[[{"px":"105055.0","sz":"3.03622","n":5}],[{"px":"105056.0","sz":"6.34472","n":13}]]}"#;
    assert_eq!(
        p.parse_rest(book.as_bytes(), Some("BTC"), Nanos(1), &mut out),
        Ok(Control::Data)
    );
    assert_eq!(out.len(), 2);
    assert!(out.iter().all(|e| e.has(flags::SNAPSHOT | flags::TOP_N)));
    out.clear();
    // SYNTHETIC: recentTrades
    let trades = r#"[{"coin":"BTC","side":"A","px":"105055.0","sz":"0.1","time":1,"hash":"0x0","tid":5,"users":["a","b"]},{"coin":"BTC","side":"B","px":"105056.0","sz":"0.2","time":2,"hash":"0x0","tid":6,"users":["a","b"]}]"#;
    p.parse_rest(trades.as_bytes(), None, Nanos(1), &mut out)
        .unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!((out[0].side(), out[1].side()), (Side::Sell, Side::Buy));
    assert!(out[0].has(flags::FIRST) && out[1].has(flags::LAST));
    out.clear();
    // SYNTHETIC: candleSnapshot: history, closed once its close time passed
    let candles = r#"[{"t":60000,"T":119999,"s":"BTC","i":"1m","o":"1","c":"2","h":"3","l":"0.5","v":"10","n":3},{"t":120000,"T":179999,"s":"BTC","i":"1m","o":"2","c":"2","h":"2","l":"2","v":"0","n":0}]"#;
    p.parse_rest(
        candles.as_bytes(),
        None,
        Nanos::from_millis(150_000),
        &mut out,
    )
    .unwrap();
    assert_eq!(out.len(), 2);
    assert!(out[0].has(flags::CLOSED) && !out[1].has(flags::CLOSED));
    out.clear();
    // meta, null, errors
    assert_eq!(
        p.parse_rest(
            br#"{"universe":[{"name":"BTC","szDecimals":5,"maxLeverage":40}]}"#,
            None,
            Nanos(1),
            &mut out
        ),
        Ok(Control::Ignored)
    );
    assert_eq!(
        p.parse_rest(b"null", None, Nanos(1), &mut out),
        Ok(Control::Ignored)
    );
    assert_eq!(
        p.parse_rest(br#""Unknown coin""#, None, Nanos(1), &mut out),
        Ok(Control::VenueError {
            code: 0,
            msg: "Unknown coin".into()
        })
    );
    assert!(p
        .parse_rest(
            b"Failed to deserialize the JSON body",
            None,
            Nanos(1),
            &mut out
        )
        .is_err());
}

fn samples() -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    let mut r = Reader::open(fixture(SESSION)).unwrap();
    let mut seen = std::collections::HashSet::new();
    while let Some(f) = r.next_frame().unwrap() {
        if seen.insert(f.meta.to_string()) {
            v.push(f.payload.to_vec());
        }
    }
    v.push(
        br#"{"channel":"bbo","data":{"coin":"BTC","time":1,"bbo":[{"px":"1.0","sz":"2","n":1},null]}}"#
            .to_vec(),
    );
    v.push(
        br#"{"channel":"candle","data":{"t":1,"T":2,"s":"BTC","i":"1m","o":"1","c":"2","h":"3","l":"0.5","v":"10","n":3}}"#
            .to_vec(),
    );
    v
}

const GOOD: &str = r#"{"channel":"trades","data":[{"coin":"BTC","side":"B","px":"1.5","sz":"1","hash":"0x0","time":1,"tid":ID,"users":["a","b"]}]}"#;

fn feed(p: &mut Pipeline, bad: &[u8]) -> (Vec<Event>, bool) {
    let mut evs = Vec::new();
    let _ = p.on_frame(Venue::Hyperliquid, bad, Nanos(1), &mut |e| evs.push(*e));
    let good = GOOD.replace("ID", &format!("{}", 1000 + p.stats().frames));
    let mut after = Vec::new();
    p.on_frame(Venue::Hyperliquid, good.as_bytes(), Nanos(2), &mut |e| {
        after.push(*e)
    })
    .expect("good frame after a bad one");
    (evs, after.iter().any(|e| e.kind == Kind::Trade as u8))
}

#[test]
fn truncated_and_corrupted_frames_are_reported_and_the_stream_goes_on() {
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let mut n = 0;
    for frame in samples() {
        // the book frames are 2.8 KB: every 3rd cut keeps the test short
        for cut in (0..frame.len()).step_by(3) {
            let before = p.stats();
            let (evs, ok) = feed(&mut p, &frame[..cut]);
            assert!(ok, "cut at {cut}: the next frame was lost");
            let after = p.stats();
            assert!(
                after.malformed > before.malformed,
                "cut at {cut}: not reported"
            );
            assert!(evs.iter().all(|e| e.kind == Kind::Status as u8));
            n += 1;
        }
    }
    assert!(n > 1000);
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let junk = [
        b'"', b'{', b'}', b'[', b']', b',', b':', b'\\', b'-', b'e', b'.', 0xff, 0, b'9',
    ];
    for frame in samples() {
        for _ in 0..300 {
            let mut f = frame.clone();
            for _ in 0..1 + next() % 3 {
                let i = (next() as usize) % f.len();
                f[i] = junk[(next() as usize) % junk.len()];
            }
            let (evs, ok) = feed(&mut p, &f);
            assert!(ok);
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
        b"{}",
        b"\xff",
        b"{\"channel\":1}",
        b"{\"channel\":\"l2Book\"}",
    ] {
        let (_, ok) = feed(&mut p, bad);
        assert!(ok);
    }
}

#[test]
fn steady_state_book_and_trade_frames_allocate_nothing() {
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let mut sink = |_: &Event| {};
    let mut r = Reader::open(fixture(SESSION)).unwrap();
    let mut frames = Vec::new();
    while let Some(f) = r.next_frame().unwrap() {
        frames.push(f.payload.to_vec());
    }
    // warm-up: one pass
    for f in &frames {
        p.on_frame(Venue::Hyperliquid, f, Nanos(1), &mut sink)
            .unwrap();
    }
    // new trades (fresh ids) and books: nothing allocates
    let trade = |k: u64| {
        format!(
            r#"{{"channel":"trades","data":[{{"coin":"BTC","side":"A","px":"105055.0","sz":"0.00035","hash":"0x0","time":1737918797023,"tid":{},"users":["a","b"]}}]}}"#,
            5_000_000 + k
        )
    };
    let trades: Vec<String> = (0..500).map(trade).collect();
    let before = allocs();
    for (k, f) in frames.iter().cycle().take(500).enumerate() {
        p.on_frame(Venue::Hyperliquid, f, Nanos(1), &mut sink)
            .unwrap();
        p.on_frame(
            Venue::Hyperliquid,
            trades[k].as_bytes(),
            Nanos(1),
            &mut sink,
        )
        .unwrap();
    }
    let n = allocs() - before;
    assert_eq!(n, 0, "{n} allocations in steady state");
}

/// The fast paths give exactly what the general path gives on every frame of the capture and on
/// variants they must refuse or agree with, and they take every hot frame.
#[test]
fn fast_paths_agree_with_the_general_path() {
    use tickwire::venue::hyperliquid::HyperliquidParser;
    let mut frames: Vec<Vec<u8>> = Vec::new();
    let mut paths = vec![fixture(SESSION)];
    if let Some(root) = corpus() {
        paths.push(root.join(SESSION));
    }
    for p in paths {
        let mut r = Reader::open(p).unwrap();
        while let Some(f) = r.next_frame().unwrap() {
            frames.push(f.payload.to_vec());
        }
    }
    let hot = frames.len() as u64;
    for v in [
        r#"{"channel":"l2Book","data":{"coin":"BTC","levels":[[],[]],"time":1}}"#,
        r#"{"channel":"l2Book","data":{"levels":[[{"px":"1","sz":"2","n":1,"n":2}],[]],"time":1,"coin":"X"}}"#,
        r#"{"channel":"l2Book","data":{"coin":"BTC","levels":[[{"px":"1","sz":"2","x":3}],[]],"time":1}}"#,
        r#"{"channel":"l2Book","data":{"coin":"BTC","levels":[[],[]],"levels":[[{"px":"1","sz":"2"}],[]],"time":1}}"#,
        r#"{"channel":"l2Book","data":{"coin":"BTC","levels":[[],[],[]],"time":1}}"#,
        r#"{"channel":"l2Book","data":{"coin":"BTC","time":1}}"#,
        r#"{"channel":"l2Book","data":{"coin":"BTC","levels":[[{"px":"1.000000001","sz":"2"}],[]],"time":1}}"#,
        r#"{"channel":"trades","data":[{"coin":"BTC","side":"A","px":"1","sz":"2","time":1,"tid":3,"users":[]}]}"#,
        r#"{"channel":"trades","data":[{"coin":"BTC","side":"A","px":"1","sz":"2","time":1,"tid":3,"tid":4}]}"#,
        r#"{"channel":"trades","data":[{"coin":"BTC","side":"A","px":"1","sz":"2","time":1,"tid":-3}]}"#,
        r#"{"channel":"trades","data":[]}"#,
        r#"{"channel":"trades"}"#,
    ] {
        frames.push(v.as_bytes().to_vec());
    }
    let mut fast = HyperliquidParser::new(Instruments::new());
    let mut slow = HyperliquidParser::new(Instruments::new());
    slow.set_fast_paths(false);
    for f in &frames {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let ra = fast.parse_frame(f, Nanos(1), &mut a);
        let rb = slow.parse_frame(f, Nanos(1), &mut b);
        let text = String::from_utf8_lossy(f);
        assert_eq!(ra.is_ok(), rb.is_ok(), "{text}: {ra:?} vs {rb:?}");
        if ra.is_ok() {
            assert_eq!(ra, rb, "{text}");
        }
        assert_eq!(a, b, "{text}");
    }
    assert_eq!(slow.fast_hits(), 0);
    assert!(fast.fast_hits() >= hot, "{} of {hot}", fast.fast_hits());
}
