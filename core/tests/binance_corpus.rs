//! Binance parsers and books against real captures: the project's fixtures always, and every
//! Binance session of `../shared/corpus` when it is beside the project.

mod common;

use common::{fixture, label_counts, replay, shared_corpus};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tickwire::event::{flags, Event, Kind, Nanos, StatusCode, Venue};
use tickwire::instrument::Instruments;
use tickwire::record::{FrameKind, Reader};
use tickwire::venue::{parser_for, Control};

/// What a frame of a given corpus label must parse into.
fn check_frame(
    venue: Venue,
    label: &str,
    kind: FrameKind,
    payload: &[u8],
    parser: &mut dyn tickwire::venue::FrameParser,
) -> Result<(), String> {
    let mut out = Vec::new();
    let ts = Nanos(1);
    if kind == FrameKind::Rest {
        // REST bodies of klines/trades carry no symbol: the request knew it.
        let r = parser
            .parse_rest(payload, Some("BTCUSDT"), ts, &mut out)
            .map_err(|e| e.to_string())?;
        let all = |k: Kind, f: u16| {
            !out.is_empty() && out.iter().all(|e| e.kind == k as u8 && e.flags & f == f)
        };
        let ok = match label {
            "rest_depth_snapshot" => r == Control::Data && all(Kind::BookLevel, flags::SNAPSHOT),
            "rest_kline" => r == Control::Data && all(Kind::Candle, 0),
            "rest_trades" => r == Control::Data && all(Kind::Trade, 0),
            "rest_error" => matches!(r, Control::VenueError { code: -4088, .. }),
            "rest_exchangeinfo" => r == Control::Ignored,
            _ => return Err(format!("unexpected REST label {label}")),
        };
        return if ok {
            Ok(())
        } else {
            Err(format!("{label}: got {r:?} with {} events", out.len()))
        };
    }
    let r = parser
        .parse_frame(payload, ts, &mut out)
        .map_err(|e| e.to_string())?;
    let one = |k: Kind, agg: bool| {
        out.len() == 1 && out[0].kind == k as u8 && out[0].has(flags::AGGREGATED) == agg
    };
    let diff = !out.is_empty()
        && out
            .iter()
            .all(|e| e.kind == Kind::BookLevel as u8 && !e.has(flags::SNAPSHOT))
        && out[0].has(flags::FIRST)
        && out[out.len() - 1].has(flags::LAST);
    let top_n = !out.is_empty()
        && out
            .iter()
            .all(|e| e.kind == Kind::BookLevel as u8 && e.has(flags::SNAPSHOT | flags::TOP_N));
    let ok = match label {
        "depth_update" | "l2_event" => diff,
        "bookticker" | "bbo" => one(Kind::Quote, false),
        "aggtrade" => one(Kind::Trade, true),
        // crypto_msg_parser_tests label aggTrade frames "trade" too; options' trade_all is ignored
        "trade" => {
            one(Kind::Trade, false)
                || one(Kind::Trade, true)
                || (r == Control::Ignored && venue == Venue::Binance)
        }
        "kline" | "candlestick" => one(Kind::Candle, false),
        "l2_topk" => top_n,
        "ticker" | "funding_rate" | "open_interest" => r == Control::Ignored && out.is_empty(),
        "subscribe_ack" => matches!(r, Control::Ack { .. }),
        _ => return Err(format!("unexpected label {label}")),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{label}: got {r:?} with {} events: {:?}",
            out.len(),
            out.first()
        ))
    }
}

/// Parses every row of a session with a fresh parser; returns rows checked per label.
fn classify_session(venue: Venue, path: &Path) -> HashMap<String, usize> {
    let mut parser = parser_for(venue, Instruments::new());
    let mut reader = Reader::open(path).expect("open");
    let mut checked = HashMap::new();
    let mut failures = Vec::new();
    while let Some(f) = reader.next_frame().expect("read") {
        if f.kind == FrameKind::ClientSent {
            continue;
        }
        match check_frame(venue, f.meta, f.kind, f.payload, parser.as_mut()) {
            Ok(()) => *checked.entry(f.meta.to_string()).or_insert(0) += 1,
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
    checked
}

fn venue_of_dir(dir: &str) -> Venue {
    match dir {
        "binance" => Venue::Binance,
        "binance_usdm" => Venue::BinanceUsdm,
        "binance_coinm" => Venue::BinanceCoinm,
        other => panic!("not a Binance folder: {other}"),
    }
}

fn sessions(root: &Path) -> Vec<(Venue, PathBuf)> {
    let mut v = Vec::new();
    for dir in ["binance", "binance_usdm", "binance_coinm"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .expect("dir")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "tsv"))
            .collect();
        files.sort();
        v.extend(files.into_iter().map(|f| (venue_of_dir(dir), f)));
    }
    v
}

#[test]
fn every_fixture_frame_is_parsed_or_classified() {
    for (venue, path) in sessions(&fixture("")) {
        let checked = classify_session(venue, &path);
        let mut labels = label_counts(&path);
        labels.remove("client_sent");
        assert_eq!(checked, labels, "{}", path.display());
    }
}

#[test]
fn every_corpus_frame_is_parsed_or_classified() {
    let Some(root) = shared_corpus() else { return };
    let mut totals: HashMap<(Venue, String), usize> = HashMap::new();
    for (venue, path) in sessions(&root) {
        let checked = classify_session(venue, &path);
        let mut labels = label_counts(&path);
        labels.remove("client_sent");
        assert_eq!(checked, labels, "{}", path.display());
        for (k, n) in checked {
            *totals.entry((venue, k)).or_insert(0) += n;
        }
    }
    // Counts per type over the whole Binance corpus (from the corpus README's sessions).
    let t = |v: Venue, k: &str| totals.get(&(v, k.to_string())).copied().unwrap_or(0);
    assert_eq!(t(Venue::Binance, "trade"), 1381 + 1936 + 6);
    assert_eq!(t(Venue::Binance, "bookticker"), 84 + 5360 + 8197);
    assert_eq!(t(Venue::Binance, "depth_update"), 177 + 599 + 600);
    assert_eq!(t(Venue::BinanceUsdm, "depth_update"), 764 + 1148);
    assert_eq!(t(Venue::BinanceUsdm, "bookticker"), 613 + 12088);
    assert_eq!(t(Venue::BinanceCoinm, "depth_update"), 2047 + 4468 + 3435);
    assert_eq!(t(Venue::BinanceCoinm, "trade"), 244 + 460);
}

/// Replays a session and checks its books: no gap, no crossed book, every snapshot used, and
/// wherever a bookTicker carries the update id of an applied diff, best bid/ask agree exactly.
/// Returns (books synced, tops compared against bookTicker).
fn check_books(venue: Venue, files: &[PathBuf]) -> (usize, usize) {
    let o = replay(venue, files);
    let stats = o.replay.pipeline().books().stats();
    assert_eq!(stats.gaps, 0, "{files:?}: {stats:?}");
    assert_eq!(stats.crossed, 0, "{files:?}: {stats:?}");
    assert_eq!(stats.unusable_snapshots, 0, "{files:?}: {stats:?}");
    assert!(stats.applied > 0, "{files:?}: {stats:?}");
    assert!(
        o.replay.pipeline().books().never_synced().is_empty(),
        "{files:?}"
    );
    let synced = o
        .events
        .iter()
        .filter(|e| e.status() == Some(StatusCode::BookSynced))
        .count();
    let tops: HashMap<(u32, u64), _> = o
        .tops
        .iter()
        .map(|t| ((t.instrument.0, t.seq), t))
        .collect();
    let mut compared = 0;
    for q in o.events.iter().filter(|e| e.kind == Kind::Quote as u8) {
        if let Some(top) = tops.get(&(q.instrument, q.seq)) {
            let (bid, ask) = (top.bid.expect("bid"), top.ask.expect("ask"));
            assert_eq!((q.px_exp, q.qty_exp), (top.px_exp, top.qty_exp));
            assert_eq!(
                [q.v[0], q.v[1], q.v[2], q.v[3]],
                [bid.px, bid.qty, ask.px, ask.qty],
                "{files:?}: bookTicker u={} disagrees with the book",
                q.seq
            );
            compared += 1;
        }
    }
    // The chain: every book event forwarded after a snapshot continues it.
    let mut last: HashMap<u32, u64> = HashMap::new();
    for e in o
        .events
        .iter()
        .filter(|e| e.kind == Kind::BookLevel as u8 && e.has(flags::FIRST))
    {
        if let Some(prev) = last.get(&e.instrument) {
            if !e.has(flags::SNAPSHOT) {
                match venue {
                    Venue::Binance => assert!(
                        e.v[2] as u64 <= prev + 1 && e.seq > *prev,
                        "spot chain broken at {}",
                        e.seq
                    ),
                    _ => assert!(
                        e.v[3] as u64 == *prev || (e.v[2] as u64 <= *prev && e.seq >= *prev),
                        "futures chain broken at {}",
                        e.seq
                    ),
                }
            }
        }
        last.insert(e.instrument, e.seq);
    }
    (synced, compared)
}

#[test]
fn fixture_books_follow_the_chain_and_agree_with_book_ticker() {
    let (synced, compared) = check_books(
        Venue::Binance,
        &[fixture(
            "binance/hftbacktest_btcusdt_20240808_first2500.tsv",
        )],
    );
    assert_eq!(synced, 1);
    // 35 bookTickers in these 2,500 rows carry the update id of an applied diff
    assert!(compared >= 30, "only {compared} tops compared");
    let (synced, _) = check_books(
        Venue::Binance,
        &[fixture("binance/cryptofeed_20211012.tsv")],
    );
    assert_eq!(synced, 4);
    let (synced, _) = check_books(
        Venue::BinanceUsdm,
        &[fixture("binance_usdm/cryptofeed_20210722.tsv")],
    );
    assert_eq!(synced, 4);
    let (synced, _) = check_books(
        Venue::BinanceCoinm,
        &[fixture("binance_coinm/cryptofeed_20210722.tsv")],
    );
    assert_eq!(synced, 10);
    let (synced, compared) = check_books(
        Venue::BinanceUsdm,
        &[fixture(
            "binance_usdm/hftbacktest_btcusdt_20240808_first3000.tsv",
        )],
    );
    assert_eq!(synced, 1);
    assert!(compared > 0);
}

#[test]
fn corpus_books_follow_the_chain_and_agree_with_book_ticker() {
    let Some(root) = shared_corpus() else { return };
    let mut report = Vec::new();
    for (venue, f) in [
        (
            Venue::Binance,
            "binance/hftbacktest_btcusdt_20240808_first60s.tsv",
        ),
        (Venue::Binance, "binance/cryptofeed_20211012.tsv"),
        (
            Venue::BinanceUsdm,
            "binance_usdm/hftbacktest_btcusdt_20240808_first60s.tsv",
        ),
        (Venue::BinanceUsdm, "binance_usdm/cryptofeed_20210722.tsv"),
        (
            Venue::BinanceCoinm,
            "binance_coinm/hftbacktest_btcusd_perp_20240808_first60s.tsv",
        ),
        (Venue::BinanceCoinm, "binance_coinm/cryptofeed_20210722.tsv"),
    ] {
        let (synced, compared) = check_books(venue, &[root.join(f)]);
        assert!(synced >= 1, "{f}");
        report.push(format!("{f}: {synced} books, {compared} tops = bookTicker"));
    }
    eprintln!("{}", report.join("\n"));
}

#[test]
fn sessions_without_snapshot_yield_no_book_and_say_so() {
    let o = replay(
        Venue::Binance,
        &[fixture("binance/hftbacktest_btcusdt_20240809_first400.tsv")],
    );
    let books = o.replay.pipeline().books();
    assert_eq!(books.stats().snapshots, 0);
    assert!(o.tops.is_empty(), "a book was guessed");
    assert!(
        !o.events.iter().any(|e| e.kind == Kind::BookLevel as u8),
        "book events leaked without a snapshot"
    );
    let waiting: Vec<&Event> = o
        .events
        .iter()
        .filter(|e| e.status() == Some(StatusCode::Resync))
        .collect();
    assert_eq!(waiting.len(), 1, "one clear 'waiting for snapshot' status");
    let id = books.never_synced();
    assert_eq!(id.len(), 1);
    assert!(books.book(id[0].1).is_none());
    // trades and quotes still flow
    assert!(o.events.iter().any(|e| e.kind == Kind::Trade as u8));
    assert!(o.events.iter().any(|e| e.kind == Kind::Quote as u8));

    if let Some(root) = shared_corpus() {
        for (venue, f) in [
            (
                Venue::Binance,
                "binance/hftbacktest_btcusdt_20240809_first60s.tsv",
            ),
            (
                Venue::BinanceCoinm,
                "binance_coinm/hftbacktest_btcusd_perp_20240809_first60s.tsv",
            ),
        ] {
            let o = replay(venue, &[root.join(f)]);
            assert!(o.tops.is_empty(), "{f}");
            assert_eq!(o.replay.pipeline().books().never_synced().len(), 1, "{f}");
            assert_eq!(
                o.events
                    .iter()
                    .filter(|e| e.status() == Some(StatusCode::Resync))
                    .count(),
                1,
                "{f}"
            );
        }
    }
}

#[test]
fn several_files_are_one_continuous_stream() {
    // The 2024-08-09 session continues a longer recording whose snapshot lies elsewhere; replayed
    // after the 2024-08-08 one (different days), the book waits again rather than guessing.
    let a = fixture("binance/hftbacktest_btcusdt_20240808_first2500.tsv");
    let b = fixture("binance/hftbacktest_btcusdt_20240809_first400.tsv");
    let one = replay(Venue::Binance, std::slice::from_ref(&a));
    let both = replay(Venue::Binance, &[a, b]);
    assert_eq!(
        &both.events[..one.events.len()],
        &one.events[..],
        "the first file's events are a prefix"
    );
    // same instrument ids across files
    assert_eq!(both.replay.instruments().len(), 1);
    let after: Vec<&Event> = both.events[one.events.len()..].iter().collect();
    assert!(
        after.iter().any(|e| e.status() == Some(StatusCode::Gap)),
        "the jump between days is announced as a gap"
    );
}

#[test]
fn replay_is_deterministic() {
    let f = fixture("binance_coinm/cryptofeed_20210722.tsv");
    let a = replay(Venue::BinanceCoinm, std::slice::from_ref(&f));
    let b = replay(Venue::BinanceCoinm, &[f]);
    assert_eq!(a.events, b.events);
    assert_eq!(a.tops, b.tops);
}

/// The fast paths give exactly what the general path gives, on every Binance corpus frame
/// (and on the fixtures when the corpus is absent), and they do handle the hot frames.
#[test]
fn fast_paths_agree_with_the_general_path_on_every_frame() {
    use tickwire::venue::binance::BinanceParser;
    use tickwire::venue::FrameParser;
    let roots: Vec<PathBuf> = shared_corpus().into_iter().chain([fixture("")]).collect();
    let mut frames = 0u64;
    let mut hits = 0u64;
    for root in roots {
        for (venue, path) in sessions(&root) {
            let mut fast = BinanceParser::new(venue, Instruments::new());
            let mut slow = BinanceParser::new(venue, Instruments::new());
            slow.set_fast_paths(false);
            let mut reader = Reader::open(&path).expect("open");
            let (mut a, mut b) = (Vec::new(), Vec::new());
            while let Some(f) = reader.next_frame().expect("read") {
                if f.kind != FrameKind::WsText {
                    continue;
                }
                a.clear();
                b.clear();
                let ra = fast.parse_frame(f.payload, f.ts_recv, &mut a);
                let rb = slow.parse_frame(f.payload, f.ts_recv, &mut b);
                assert_eq!(
                    ra.is_ok(),
                    rb.is_ok(),
                    "{}: {}",
                    path.display(),
                    String::from_utf8_lossy(f.payload)
                );
                assert_eq!(
                    a,
                    b,
                    "{}: {}",
                    path.display(),
                    String::from_utf8_lossy(f.payload)
                );
                frames += 1;
            }
            assert_eq!(slow.fast_hits(), 0);
            hits += fast.fast_hits();
        }
    }
    assert!(
        hits * 10 > frames * 9,
        "fast paths took only {hits} of {frames} frames"
    );
}
