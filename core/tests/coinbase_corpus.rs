//! Coinbase parsers and books against real captures: the project's fixtures always, and every
//! Coinbase session of `../shared/corpus` when it is beside the project.
//!
//! Sessions: Advanced Trade (2026, the current API, `sequence_num` checked), the Exchange feed
//! (2021, `ws-feed`, read too) and crypto-msg-parser's single frames (Exchange feed, 2021–22).

mod common;

use common::{fixture, label_counts, replay};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tickwire::book::{BookConfig, Books};
use tickwire::event::{flags, Event, InstrumentId, Kind, Nanos, Side, StatusCode, Venue};
use tickwire::instrument::Instruments;
use tickwire::pipeline::{Pipeline, PipelineConfig};
use tickwire::record::{FrameKind, Reader};
use tickwire::venue::coinbase::{CoinbaseParser, SeqStats};
use tickwire::venue::{Control, FrameParser};

/// The shared corpus: `../shared/corpus` beside the project, else `$TICKWIRE_CORPUS` (a
/// worktree elsewhere).
fn shared_corpus() -> Option<PathBuf> {
    common::shared_corpus().or_else(|| {
        std::env::var_os("TICKWIRE_CORPUS")
            .map(PathBuf::from)
            .filter(|p| p.join("README.md").exists())
    })
}

/// Events produced per kind over a session.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Kinds {
    trades: usize,
    quotes: usize,
    levels: usize,
    candles: usize,
    closed: usize,
}

/// What a frame of a given corpus label must parse into.
fn check_frame(
    label: &str,
    kind: FrameKind,
    payload: &[u8],
    parser: &mut CoinbaseParser,
    kinds: &mut Kinds,
) -> Result<(), String> {
    let mut out = Vec::new();
    let ts = Nanos(1);
    let r = if kind == FrameKind::Rest {
        parser.parse_rest(payload, None, ts, &mut out)
    } else {
        parser.parse_frame(payload, ts, &mut out)
    }
    .map_err(|e| format!("{label}: {e}"))?;
    // a connection gap puts its status and resync markers first (the fixture without
    // snapshots has two); the classification is about the frame's own events
    out.retain(|e| e.status() != Some(StatusCode::Gap) && !e.has(flags::RESYNC));
    if out.iter().any(|e| e.kind == Kind::Status as u8) {
        return Err(format!("{label}: unexpected status {:?}", out[0]));
    }
    for e in &out {
        match e.kind() {
            Some(Kind::Trade) => kinds.trades += 1,
            Some(Kind::Quote) => kinds.quotes += 1,
            Some(Kind::BookLevel) => kinds.levels += 1,
            Some(Kind::Candle) => {
                kinds.candles += 1;
                kinds.closed += usize::from(e.has(flags::CLOSED));
            }
            _ => {}
        }
    }
    let all = |k: Kind| !out.is_empty() && out.iter().all(|e| e.kind == k as u8);
    let bracketed = |snapshot: bool| {
        all(Kind::BookLevel)
            && out[0].has(flags::FIRST)
            && out[out.len() - 1].has(flags::LAST)
            && out.iter().all(|e| e.has(flags::SNAPSHOT) == snapshot)
    };
    let ok = match label {
        "rest_products" => r == Control::Ignored,
        "rest_depth_snapshot" | "l2_orderbook_snapshot" => r == Control::Data && bracketed(true),
        "l2_orderbook_update" => r == Control::Data && bracketed(false),
        "level2" => r == Control::Data && (bracketed(true) || bracketed(false)),
        "market_trades" | "matches" | "trade" => r == Control::Data && all(Kind::Trade),
        "ticker" => r == Control::Data && all(Kind::Quote),
        "candles" => r == Control::Data && all(Kind::Candle),
        "heartbeats" => r == Control::Heartbeat && out.is_empty(),
        "subscribe_ack" => r == Control::Ack { id: -1 },
        "l3_event" => r == Control::Ignored && out.is_empty(),
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

/// Parses every row of a session with a fresh parser: rows checked per label, events per kind,
/// the `sequence_num` check.
fn classify_session(path: &Path) -> (HashMap<String, usize>, Kinds, SeqStats) {
    let mut parser = CoinbaseParser::new(Instruments::new());
    let mut reader = Reader::open(path).expect("open");
    let mut checked = HashMap::new();
    let mut kinds = Kinds::default();
    let mut failures = Vec::new();
    while let Some(f) = reader.next_frame().expect("read") {
        if f.kind == FrameKind::ClientSent {
            continue;
        }
        match check_frame(f.meta, f.kind, f.payload, &mut parser, &mut kinds) {
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
    (checked, kinds, parser.seq_stats())
}

fn sessions(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("coinbase"))
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "tsv"))
        .collect();
    files.sort();
    files
}

fn counts(pairs: &[(&str, usize)]) -> HashMap<String, usize> {
    pairs.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

#[test]
fn every_fixture_frame_is_parsed_or_classified() {
    for path in sessions(&fixture("")) {
        let (checked, _, _) = classify_session(&path);
        let mut labels = label_counts(&path);
        labels.remove("client_sent");
        assert_eq!(checked, labels, "{}", path.display());
    }
    // The Advanced Trade fixture is the first 300 rows of the session without its three
    // multi-megabyte rows (rest_products and the two level2 snapshots, sequence_num 13 and 21):
    // the check reports exactly those two holes.
    let (_, kinds, seq) = classify_session(&fixture(
        "coinbase/cryptofeed_20260809_advanced_trade_first300_nosnapshots.tsv",
    ));
    assert_eq!((seq.gaps, seq.missing), (2, 2), "{seq:?}");
    assert_eq!((seq.first, seq.last), (Some(0), Some(293)));
    assert!(kinds.trades > 0 && kinds.quotes > 0 && kinds.candles > 0 && kinds.levels > 0);
}

#[test]
fn every_corpus_frame_is_parsed_or_classified() {
    let Some(root) = shared_corpus() else {
        eprintln!("skipped: ../shared/corpus not found");
        return;
    };
    let mut report = Vec::new();
    for path in sessions(&root) {
        let (checked, kinds, seq) = classify_session(&path);
        let mut labels = label_counts(&path);
        labels.remove("client_sent");
        assert_eq!(checked, labels, "{}", path.display());
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        match name.as_str() {
            "cryptofeed_20260809_advanced_trade" => {
                assert_eq!(
                    checked,
                    counts(&[
                        ("rest_products", 1),
                        ("market_trades", 59),
                        ("subscribe_ack", 5),
                        ("candles", 6),
                        ("ticker", 160),
                        ("level2", 775),
                        ("heartbeats", 25),
                    ])
                );
                // sequence_num: contiguous 0…1029 over all 1,030 messages of the connection
                assert_eq!(
                    seq,
                    SeqStats {
                        checked: 1030,
                        gaps: 0,
                        missing: 0,
                        restarts: 0,
                        first: Some(0),
                        last: Some(1029),
                    }
                );
            }
            "cryptofeed_20210417_exchange_wsfeed" => {
                assert_eq!(
                    checked,
                    counts(&[
                        ("rest_products", 1),
                        ("level2", 9729),
                        ("matches", 107),
                        ("ticker", 107),
                        ("subscribe_ack", 3),
                    ])
                );
                assert_eq!(seq.checked, 0, "the Exchange feed has no sequence_num");
            }
            "crypto_msg_parser_tests" => assert_eq!(
                checked,
                counts(&[
                    ("trade", 1),
                    ("l2_orderbook_snapshot", 1),
                    ("l2_orderbook_update", 1),
                    ("l3_event", 1),
                    ("ticker", 1),
                    ("rest_depth_snapshot", 1),
                ])
            ),
            other => panic!("a Coinbase session this test does not know: {other}"),
        }
        report.push(format!("{name}: {checked:?} → {kinds:?}, {seq:?}"));
    }
    eprintln!("{}", report.join("\n"));
}

/// Replays a session: every snapshot used, no gap, no crossed book, no book left unsynced.
/// Returns (books synced, diffs applied).
fn check_books(files: &[PathBuf]) -> (usize, u64) {
    let o = replay(Venue::Coinbase, files);
    let stats = o.replay.pipeline().books().stats();
    assert_eq!(stats.gaps, 0, "{files:?}: {stats:?}");
    assert_eq!(stats.forced_resyncs, 0, "{files:?}: {stats:?}");
    assert_eq!(stats.crossed, 0, "{files:?}: {stats:?}");
    assert_eq!(stats.unusable_snapshots, 0, "{files:?}: {stats:?}");
    assert!(
        o.replay.pipeline().books().never_synced().is_empty(),
        "{files:?}"
    );
    assert!(!o
        .events
        .iter()
        .any(|e| matches!(e.status(), Some(StatusCode::Gap | StatusCode::Malformed))));
    // never crossed after any applied update
    for t in &o.tops {
        if let (Some(b), Some(a)) = (t.bid, t.ask) {
            assert!(b.px < a.px, "{files:?}: crossed top {t:?}");
        }
    }
    let synced = o
        .events
        .iter()
        .filter(|e| e.status() == Some(StatusCode::BookSynced))
        .count();
    (synced, stats.applied)
}

#[test]
fn fixture_books_of_the_exchange_feed_stay_sane() {
    let (synced, applied) = check_books(&[fixture(
        "coinbase/cryptofeed_20210417_exchange_wsfeed_first400.tsv",
    )]);
    assert_eq!(synced, 10);
    assert_eq!(applied, 343);
}

#[test]
fn corpus_books_apply_every_update_without_gap() {
    let Some(root) = shared_corpus() else {
        eprintln!("skipped: ../shared/corpus not found");
        return;
    };
    let at = root.join("coinbase/cryptofeed_20260809_advanced_trade.tsv");
    let (synced, applied) = check_books(std::slice::from_ref(&at));
    // BTC-USD and ETH-USD: one snapshot each, then all 773 update messages apply
    assert_eq!((synced, applied), (2, 773));
    let ex = root.join("coinbase/cryptofeed_20210417_exchange_wsfeed.tsv");
    let (synced, applied) = check_books(std::slice::from_ref(&ex));
    assert_eq!((synced, applied), (10, 9729 - 10));
    eprintln!("advanced trade: 2 books, 773 updates; exchange feed: 10 books, 9719 updates");
}

#[test]
fn fixture_without_snapshots_reports_the_holes_and_builds_no_book() {
    // Replayed, the two missing level2 snapshots are two connection gaps: no book is guessed,
    // and trades, quotes and candles flow.
    let o = replay(
        Venue::Coinbase,
        &[fixture(
            "coinbase/cryptofeed_20260809_advanced_trade_first300_nosnapshots.tsv",
        )],
    );
    let gaps: Vec<&Event> = o
        .events
        .iter()
        .filter(|e| e.status() == Some(StatusCode::Gap))
        .collect();
    assert_eq!(gaps.len(), 2);
    assert_eq!(gaps[0].instrument, InstrumentId::NONE.0);
    assert_eq!((gaps[0].v[0], gaps[0].v[1], gaps[0].v[2]), (1, 13, 13));
    assert_eq!((gaps[1].v[0], gaps[1].v[1], gaps[1].v[2]), (1, 21, 21));
    assert!(o.tops.is_empty(), "a book was guessed");
    assert!(!o.events.iter().any(|e| e.kind == Kind::BookLevel as u8));
    for k in [Kind::Trade, Kind::Quote, Kind::Candle] {
        assert!(o.events.iter().any(|e| e.kind == k as u8), "{k:?}");
    }
}

/// The first frames of the Advanced Trade session up to and including its two snapshots (from
/// the corpus), or `None` when the corpus is absent.
fn advanced_trade_frames() -> Option<Vec<(FrameKind, Nanos, Vec<u8>)>> {
    let root = shared_corpus()?;
    let mut r = Reader::open(root.join("coinbase/cryptofeed_20260809_advanced_trade.tsv")).ok()?;
    let mut v = Vec::new();
    while let Some(f) = r.next_frame().ok()? {
        v.push((f.kind, f.ts_recv, f.payload.to_vec()));
    }
    Some(v)
}

#[test]
fn a_lost_message_resyncs_every_book_of_the_connection() {
    let Some(frames) = advanced_trade_frames() else {
        eprintln!("skipped: ../shared/corpus not found");
        return;
    };
    // drop one l2_data update (sequence_num 100) in the middle of the session
    let lost = frames
        .iter()
        .position(|(_, _, f)| f.windows(18).any(|w| w == b"\"sequence_num\":100"))
        .expect("message 100");
    assert!(String::from_utf8_lossy(&frames[lost].2).contains("l2_data"));
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let mut evs = Vec::new();
    for (i, (kind, ts, f)) in frames.iter().enumerate() {
        if i == lost {
            continue;
        }
        let mut sink = |e: &Event| evs.push((i, *e));
        match kind {
            FrameKind::WsText => {
                let _ = p.on_frame(Venue::Coinbase, f, *ts, &mut sink);
            }
            FrameKind::Rest => {
                let _ = p.on_rest(Venue::Coinbase, f, None, *ts, &mut sink);
            }
            _ => {}
        }
    }
    let gap: Vec<&Event> = evs
        .iter()
        .map(|(_, e)| e)
        .filter(|e| e.status() == Some(StatusCode::Gap))
        .collect();
    assert_eq!(gap.len(), 1);
    assert_eq!(
        (gap[0].instrument, gap[0].v[0], gap[0].v[1], gap[0].v[2]),
        (InstrumentId::NONE.0, 1, 100, 100)
    );
    // both books of the connection resync, right at the gap, naming the lost message
    let resyncs: Vec<&(usize, Event)> = evs
        .iter()
        .filter(|(_, e)| e.status() == Some(StatusCode::Resync))
        .collect();
    assert_eq!(resyncs.len(), 2, "{resyncs:?}");
    assert!(resyncs.iter().all(|(i, e)| *i == lost + 1 && e.v[1] == 100));
    assert_eq!(p.books().stats().forced_resyncs, 2);
    assert_eq!(p.books_mut().take_resync_requests().len(), 2);
    // no book level is delivered after the gap (no new snapshot in the capture)…
    assert!(!evs
        .iter()
        .any(|(i, e)| *i > lost && e.kind == Kind::BookLevel as u8));
    // …while trades and quotes go on
    assert!(evs
        .iter()
        .any(|(i, e)| *i > lost && e.kind == Kind::Trade as u8));
    assert!(evs
        .iter()
        .any(|(i, e)| *i > lost && e.kind == Kind::Quote as u8));
    // the markers never reach consumers
    assert!(!evs.iter().any(|(_, e)| e.has(flags::RESYNC)));
}

/// Two connections (one parser each) feeding one book stage: a gap on one connection resyncs
/// the books it fed, and only those.
#[test]
fn a_gap_on_one_connection_leaves_the_other_connections_books_live() {
    let instruments = Instruments::new();
    let mut a = CoinbaseParser::new(instruments.clone());
    let mut b = CoinbaseParser::new(instruments.clone());
    let mut books = Books::new(BookConfig::default());
    let mut out = Vec::new();
    let mut feed = |p: &mut CoinbaseParser, books: &mut Books, frame: &str| {
        let mut ev = Vec::new();
        p.parse_frame(frame.as_bytes(), Nanos(5), &mut ev)
            .expect("frame");
        let mut i = 0;
        let mut statuses = Vec::new();
        while i < ev.len() {
            if ev[i].kind == Kind::BookLevel as u8 {
                let end = i + ev[i..].iter().position(|e| e.has(flags::LAST)).unwrap() + 1;
                out.clear();
                books.apply(&ev[i..end], &mut out);
                statuses.extend(out.iter().filter_map(Event::status));
                i = end;
            } else {
                statuses.extend(ev[i].status());
                i += 1;
            }
        }
        statuses
    };
    let snap = |seq: u64, p: &str, bid: &str, ask: &str| {
        format!(
            r#"{{"channel":"l2_data","client_id":"","timestamp":"2023-02-09T20:32:50.714964855Z","sequence_num":{seq},"events":[{{"type":"snapshot","product_id":"{p}","updates":[{{"side":"bid","event_time":"1970-01-01T00:00:00Z","price_level":"{bid}","new_quantity":"1"}},{{"side":"offer","event_time":"1970-01-01T00:00:00Z","price_level":"{ask}","new_quantity":"2"}}]}}]}}"#
        )
    };
    let upd = |seq: u64, p: &str, bid: &str| {
        format!(
            r#"{{"channel":"l2_data","client_id":"","timestamp":"2023-02-09T20:32:50.714964855Z","sequence_num":{seq},"events":[{{"type":"update","product_id":"{p}","updates":[{{"side":"bid","event_time":"2023-02-09T20:32:50.714964855Z","price_level":"{bid}","new_quantity":"3"}}]}}]}}"#
        )
    };
    assert_eq!(
        feed(&mut a, &mut books, &snap(0, "BTC-USD", "100", "101")),
        vec![StatusCode::BookSynced]
    );
    assert_eq!(
        feed(&mut b, &mut books, &snap(0, "ETH-USD", "10", "11")),
        vec![StatusCode::BookSynced]
    );
    assert!(feed(&mut a, &mut books, &upd(1, "BTC-USD", "99")).is_empty());
    assert!(feed(&mut b, &mut books, &upd(1, "ETH-USD", "9")).is_empty());
    // connection A skips 2 and 3
    assert_eq!(
        feed(&mut a, &mut books, &upd(4, "BTC-USD", "98")),
        vec![StatusCode::Gap, StatusCode::Resync]
    );
    let btc = instruments.find(Venue::Coinbase, "BTC-USD").unwrap().id;
    let eth = instruments.find(Venue::Coinbase, "ETH-USD").unwrap().id;
    assert!(
        books.book(btc).is_none(),
        "BTC-USD waits for a new snapshot"
    );
    assert_eq!(books.take_resync_requests(), vec![btc]);
    let e = books.book(eth).expect("ETH-USD stays live");
    assert_eq!(e.best_bid().map(|l| l.px), Some(10_0000_0000));
    assert!(feed(&mut b, &mut books, &upd(2, "ETH-USD", "8")).is_empty());
    assert_eq!(a.seq_stats().gaps, 1);
    assert_eq!(a.seq_stats().missing, 2);
    assert_eq!(b.seq_stats().gaps, 0);
    // a resubscribe on A brings a new snapshot: the book is live again
    assert_eq!(
        feed(&mut a, &mut books, &snap(5, "BTC-USD", "97", "101")),
        vec![StatusCode::BookSynced]
    );
    assert!(books.book(btc).is_some());
    // a new connection numbers from 0 again: not a gap
    assert!(feed(&mut a, &mut books, &upd(0, "BTC-USD", "96")).is_empty());
    assert_eq!(a.seq_stats().restarts, 1);
}

#[test]
fn trades_quotes_candles_and_levels_are_exact() {
    let mut p = CoinbaseParser::new(Instruments::new());
    let mut out = Vec::new();
    // market_trades: side is the maker's
    let f = r#"{"channel":"market_trades","timestamp":"2026-08-09T21:05:48.251397169Z","sequence_num":9,"events":[{"type":"update","trades":[{"product_id":"BTC-USD","trade_id":"1068572091","price":"65083.67","size":"0.01034361","time":"2026-08-09T21:05:48.167634Z","side":"SELL"}]}]}"#;
    assert_eq!(
        p.parse_frame(f.as_bytes(), Nanos(7), &mut out),
        Ok(Control::Data)
    );
    let t = out[0];
    assert_eq!(t.kind(), Some(Kind::Trade));
    assert_eq!(t.seq, 1068572091);
    assert_eq!(t.side(), Side::Buy, "maker SELL → taker bought");
    assert_eq!((t.v[0], t.v[1]), (6_508_367_000_000, 1_034_361));
    assert_eq!((t.px_exp, t.qty_exp), (-8, -8));
    assert_eq!(t.ts_exchange, 1_786_309_548_167_634_000);
    assert_eq!(t.ts_recv, 7);
    // ticker → quote, seq = envelope timestamp (ns) + index
    out.clear();
    let f = r#"{"channel":"ticker","timestamp":"2026-08-09T21:05:48.298032046Z","sequence_num":10,"events":[{"type":"update","tickers":[{"type":"ticker","product_id":"ETH-USD","price":"1919.41","volume_24_h":"19975.95927439","low_24_h":"1911.04","high_24_h":"1925","low_52_w":"1505","high_52_w":"4955.9","price_percent_chg_24_h":"0.02501394006035","best_bid":"1919.44","best_ask":"1919.49","best_bid_quantity":"0.02858092","best_ask_quantity":"0.07814824"}]}]}"#;
    p.parse_frame(f.as_bytes(), Nanos(8), &mut out).unwrap();
    let q = out[0];
    assert_eq!(q.kind(), Some(Kind::Quote));
    assert_eq!(q.seq, 1_786_309_548_298_032_046);
    assert_eq!(
        q.v[..4],
        [191_944_000_000, 2_858_092, 191_949_000_000, 7_814_824]
    );
    // candles: the next interval closes the previous one
    out.clear();
    let c = |seq: u64, start: u64, close: &str| {
        format!(
            r#"{{"channel":"candles","timestamp":"2026-08-09T21:05:51.491081826Z","sequence_num":{seq},"events":[{{"type":"update","candles":[{{"start":"{start}","high":"1919.6","low":"1919.27","open":"1919.58","close":"{close}","volume":"36.36630914","product_id":"ETH-USD"}}]}}]}}"#
        )
    };
    p.parse_frame(c(11, 1786309500, "1919.41").as_bytes(), Nanos(9), &mut out)
        .unwrap();
    p.parse_frame(c(12, 1786309500, "1919.45").as_bytes(), Nanos(9), &mut out)
        .unwrap();
    p.parse_frame(c(13, 1786309800, "1919.5").as_bytes(), Nanos(10), &mut out)
        .unwrap();
    let kinds: Vec<(u64, bool, i64)> = out
        .iter()
        .map(|e| (e.seq, e.has(flags::CLOSED), e.v[3]))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (1_786_309_500_000, false, 191_941_000_000),
            (1_786_309_500_000, false, 191_945_000_000),
            (1_786_309_500_000, true, 191_945_000_000),
            (1_786_309_800_000, false, 191_950_000_000),
        ]
    );
    assert!(out.iter().all(|e| e.aux == 300));
    assert_eq!(p.seq_stats().gaps, 0);
    // heartbeats, acks, errors
    let hb = br#"{"channel":"heartbeats","client_id":"","timestamp":"2023-06-23T20:31:26.122969572Z","sequence_num":14,"events":[{"current_time":"2023-06-23 20:31:56.121961769 +0000 UTC m=+91717.525857105","heartbeat_counter":"3049"}]}"#;
    assert_eq!(
        p.parse_frame(hb, Nanos(1), &mut out),
        Ok(Control::Heartbeat)
    );
    let err = br#"{"type":"error","message":"failure to subscribe"}"#;
    assert_eq!(
        p.parse_frame(err, Nanos(1), &mut out),
        Ok(Control::VenueError {
            code: 0,
            msg: "failure to subscribe".into()
        })
    );
}

#[test]
fn rest_bodies_are_read() {
    let mut p = CoinbaseParser::new(Instruments::new());
    let mut out = Vec::new();
    // Advanced Trade GET /api/v3/brokerage/market/product_book (documented shape)
    let book = br#"{"pricebook":{"product_id":"BTC-USD","bids":[{"price":"65083.66","size":"0.20371215"}],"asks":[{"price":"65083.67","size":"0.24290402"},{"price":"65085","size":"1"}],"time":"2026-08-09T21:05:48.170326Z"},"last":"65083.67","mid_market":"65083.665","spread_bps":"0.0015","spread_absolute":"0.01"}"#;
    assert_eq!(
        p.parse_rest(book, None, Nanos(1), &mut out),
        Ok(Control::Data)
    );
    assert_eq!(out.len(), 3);
    assert!(out.iter().all(|e| e.has(flags::SNAPSHOT)));
    assert!(out[0].has(flags::FIRST) && out[2].has(flags::LAST));
    assert_eq!(out[1].side(), Side::Sell);
    // candles with the request's symbol
    out.clear();
    let candles = br#"{"candles":[{"start":"1786309800","low":"1","high":"3","open":"2","close":"2.5","volume":"10"},{"start":"1786309500","low":"1","high":"3","open":"2","close":"2.5","volume":"10"}]}"#;
    assert_eq!(
        p.parse_rest(
            candles,
            Some("BTC-USD"),
            Nanos(1_786_309_900_000_000_000),
            &mut out
        ),
        Ok(Control::Data)
    );
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].aux, 300);
    assert!(!out[0].has(flags::CLOSED) && out[1].has(flags::CLOSED));
    // products preset exponents for products not seen yet
    let products = br#"{"products":[{"product_id":"SHIB-USD","price_increment":"0.000000001","base_increment":"1","quote_increment":"0.000000001"}]}"#;
    assert_eq!(
        p.parse_rest(products, None, Nanos(1), &mut out),
        Ok(Control::Ignored)
    );
    out.clear();
    let f = br#"{"channel":"market_trades","timestamp":"2026-08-09T21:05:48.251397169Z","sequence_num":0,"events":[{"type":"update","trades":[{"product_id":"SHIB-USD","trade_id":"1","price":"0.000012345","size":"1000","time":"2026-08-09T21:05:48.167634Z","side":"BUY"}]}]}"#;
    p.parse_frame(f, Nanos(1), &mut out).unwrap();
    assert_eq!((out[0].px_exp, out[0].v[0]), (-9, 12345));
    assert_eq!(out[0].side(), Side::Sell);
    let err = br#"{"error":"NOT_FOUND","message":"ProductID is invalid"}"#;
    assert!(matches!(
        p.parse_rest(err, None, Nanos(1), &mut out),
        Ok(Control::VenueError { .. })
    ));
}

#[test]
fn truncations_and_corruptions_of_real_frames_never_panic() {
    let mut samples: Vec<Vec<u8>> = Vec::new();
    for f in [
        "coinbase/cryptofeed_20260809_advanced_trade_first300_nosnapshots.tsv",
        "coinbase/cryptofeed_20210417_exchange_wsfeed_first400.tsv",
        "coinbase/crypto_msg_parser_tests.tsv",
    ] {
        let mut r = Reader::open(fixture(f)).expect("fixture");
        let mut seen = std::collections::HashSet::new();
        while let Some(fr) = r.next_frame().expect("read") {
            if fr.kind != FrameKind::ClientSent
                && fr.payload.len() < 3000
                && seen.insert(fr.meta.to_string())
            {
                samples.push(fr.payload.to_vec());
            }
        }
    }
    assert!(samples.len() >= 12);
    let mut p = CoinbaseParser::new(Instruments::new());
    let mut out = Vec::new();
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
    let mut errors = 0;
    for s in &samples {
        for cut in 0..s.len() {
            out.clear();
            let r = p.parse_frame(&s[..cut], Nanos(1), &mut out);
            if r.is_err() {
                errors += 1;
                assert!(out.is_empty(), "partial events leaked");
            }
        }
        for _ in 0..200 {
            let mut f = s.clone();
            for _ in 0..1 + next() % 3 {
                let i = (next() as usize) % f.len();
                f[i] = junk[(next() as usize) % junk.len()];
            }
            out.clear();
            if p.parse_frame(&f, Nanos(1), &mut out).is_err() {
                assert!(out.is_empty());
            } else if let (Some(a), Some(b)) = (
                out.iter().find(|e| e.kind == Kind::BookLevel as u8),
                out.iter().rev().find(|e| e.kind == Kind::BookLevel as u8),
            ) {
                assert!(a.has(flags::FIRST) && b.has(flags::LAST));
            }
        }
    }
    assert!(errors > 5000, "{errors}");
    // hostile input
    for bad in [
        &b""[..],
        b"null",
        b"[]",
        b"{}",
        b"\xff\xfe",
        b"{\"channel\":\"l2_data\",\"events\":[{\"type\":\"snapshot\"}]}",
        b"{\"channel\":\"l2_data\",\"sequence_num\":-1,\"events\":[]}",
        b"{\"type\":\"match\",\"product_id\":\"X\"}",
    ] {
        out.clear();
        let _ = p.parse_frame(bad, Nanos(1), &mut out);
    }
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(p.parse_frame(deep.as_bytes(), Nanos(1), &mut out).is_err());
}

// ---- allocation: none in steady state ----------------------------------------------------

mod alloc {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    pub struct Counting;

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

    pub fn count() -> u64 {
        ALLOCS.with(Cell::get)
    }
}

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

/// Advanced Trade frames of every hot kind (real ones from the fixture, renumbered so the
/// connection's `sequence_num` stays contiguous) after a snapshot, and the Exchange feed's
/// sessions, through parser, books and dedupe: the second pass allocates nothing.
#[test]
fn steady_state_allocates_nothing() {
    let mut hot: Vec<String> = Vec::new();
    let mut r = Reader::open(fixture(
        "coinbase/cryptofeed_20260809_advanced_trade_first300_nosnapshots.tsv",
    ))
    .expect("fixture");
    while let Some(f) = r.next_frame().expect("read") {
        if f.kind == FrameKind::WsText && f.payload.len() < 4000 {
            hot.push(String::from_utf8(f.payload.to_vec()).unwrap());
        }
    }
    // a deep book far from the market: its level vectors have room for what the updates add
    // (a book deeper than ever before is the one allowed allocation)
    let far = |product: &str, bid0: u32, ask0: u32| -> String {
        let mut ups = Vec::new();
        for k in 0..1500u32 {
            ups.push(format!(r#"{{"side":"bid","event_time":"2026-08-09T21:05:48.170326Z","price_level":"{}","new_quantity":"1"}}"#, bid0 + k));
            ups.push(format!(r#"{{"side":"offer","event_time":"2026-08-09T21:05:48.170326Z","price_level":"{}","new_quantity":"1"}}"#, ask0 + k));
        }
        format!(
            r#"{{"type":"snapshot","product_id":"{product}","updates":[{}]}}"#,
            ups.join(",")
        )
    };
    let snapshot = format!(
        r#"{{"channel":"l2_data","timestamp":"2026-08-09T21:05:48.483587501Z","sequence_num":0,"events":[{},{}]}}"#,
        far("BTC-USD", 1000, 100_000),
        far("ETH-USD", 10, 10_000)
    );
    // renumber: snapshot 0, then 1, 2, … across both passes
    let renumber = |f: &str, seq: usize| -> String {
        let at = f.find("\"sequence_num\":").expect("sequence_num") + 15;
        let end = at + f[at..].find(',').expect("comma");
        format!("{}{seq}{}", &f[..at], &f[end..])
    };
    let passes: Vec<Vec<String>> = (0..2)
        .map(|pass| {
            hot.iter()
                .enumerate()
                .map(|(i, f)| renumber(f, 1 + pass * hot.len() + i))
                .collect()
        })
        .collect();
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let mut n = 0u64;
    p.on_frame(Venue::Coinbase, snapshot.as_bytes(), Nanos(1), &mut |_| {})
        .expect("snapshot");
    let legacy = fixture("coinbase/cryptofeed_20210417_exchange_wsfeed_first400.tsv");
    let mut legacy_frames = Vec::new();
    let mut r = Reader::open(&legacy).expect("fixture");
    while let Some(f) = r.next_frame().expect("read") {
        if f.kind == FrameKind::WsText {
            legacy_frames.push(f.payload.to_vec());
        }
    }
    for (pass, frames) in passes.iter().enumerate() {
        let before = alloc::count();
        for f in frames {
            p.on_frame(Venue::Coinbase, f.as_bytes(), Nanos(2), &mut |_| n += 1)
                .expect("frame");
        }
        if pass == 1 {
            assert_eq!(alloc::count() - before, 0, "advanced trade: steady state");
        }
    }
    assert_eq!(p.books().stats().forced_resyncs, 0);
    assert_eq!(p.books().stats().applied, 2 * 213);
    // the Exchange feed: a second connection's parser would be separate; here the same
    // pipeline reads it after (its frames carry no sequence_num)
    for pass in 0..2 {
        let before = alloc::count();
        for f in &legacy_frames {
            let _ = p.on_frame(Venue::Coinbase, f, Nanos(3), &mut |_| n += 1);
        }
        if pass == 1 {
            assert_eq!(alloc::count() - before, 0, "exchange feed: steady state");
        }
    }
    assert!(n > 10_000);
}

/// The fast paths give exactly what the general path gives, on every Coinbase frame of the
/// fixtures and the corpus (and on corrupted variants), and they do read the hot frames.
#[test]
fn fast_paths_agree_with_the_general_path_on_every_frame() {
    let roots: Vec<PathBuf> = shared_corpus().into_iter().chain([fixture("")]).collect();
    let (mut hot, mut hits) = (0u64, 0u64);
    let mut rng = 0x1234_5678_9abc_def1u64;
    for root in roots {
        for path in sessions(&root) {
            let mut fast = CoinbaseParser::new(Instruments::new());
            let mut slow = CoinbaseParser::new(Instruments::new());
            slow.set_fast_paths(false);
            let mut reader = Reader::open(&path).expect("open");
            let (mut a, mut b) = (Vec::new(), Vec::new());
            while let Some(f) = reader.next_frame().expect("read") {
                if f.kind != FrameKind::WsText {
                    continue;
                }
                let mut variants = vec![f.payload.to_vec()];
                if f.payload.len() < 3000 {
                    for _ in 0..3 {
                        let mut v = f.payload.to_vec();
                        rng ^= rng << 13;
                        rng ^= rng >> 7;
                        rng ^= rng << 17;
                        let i = (rng as usize) % v.len();
                        v[i] = b"\"{}[],:0.-\\x"[(rng >> 40) as usize % 12];
                        variants.push(v);
                    }
                }
                let mut took = false;
                for (k, v) in variants.into_iter().enumerate() {
                    a.clear();
                    b.clear();
                    let h0 = fast.fast_hits();
                    let ra = fast.parse_frame(&v, f.ts_recv, &mut a);
                    if k == 0 {
                        took = fast.fast_hits() > h0;
                        hits += u64::from(took);
                    }
                    let rb = slow.parse_frame(&v, f.ts_recv, &mut b);
                    let show = || String::from_utf8_lossy(&v[..v.len().min(300)]).to_string();
                    assert_eq!(ra.is_ok(), rb.is_ok(), "{}: {}", path.display(), show());
                    assert_eq!(a, b, "{}: {}", path.display(), show());
                }
                if (f.meta == "level2" || f.meta == "market_trades")
                    && f.payload.starts_with(b"{\"channel\"")
                {
                    hot += 1;
                    assert!(took, "the fast path missed a hot frame");
                }
            }
            assert_eq!(slow.fast_hits(), 0);
            assert_eq!(fast.seq_stats(), slow.seq_stats());
        }
    }
    assert!(hits >= hot, "fast paths read {hits} frames, {hot} hot ones");
}
