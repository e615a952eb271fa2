//! Gate.io parsers and books against real captures: the project's fixtures always (copies of
//! the three Gate.io sessions), and `../shared/corpus` when it is beside the project. Order
//! Book V2 (`*.obu`) has no capture: those checks run on the documented examples of
//! `docs/exchanges.md` §6 and say they are synthetic.

mod common;

use common::{fixture, label_counts, replay};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tickwire::event::{flags, Event, InstrumentId, Kind, Nanos, Side, StatusCode, Venue};
use tickwire::instrument::Instruments;
use tickwire::pipeline::{Pipeline, PipelineConfig};
use tickwire::record::FrameKind;
use tickwire::venue::gateio::GateioParser;
use tickwire::venue::{parser_for, Control, FrameParser};

const SPOT: &str = "gateio/cryptofeed_20210422.tsv";
const FUTURES: &str = "gateio_futures/cryptofeed_20230524.tsv";
const SINGLES: &str = "gateio/crypto_msg_parser_tests.tsv";

/// The shared corpus: `../shared/corpus` beside the project (`common::shared_corpus`), or, in a
/// git worktree one level deeper (`wt/<name>/`), beside the worktrees' parent.
fn shared_corpus() -> Option<PathBuf> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    for rel in ["../../shared/corpus", "../../../shared/corpus"] {
        let p = here.join(rel);
        if p.join("README.md").exists() && p.join("gateio").is_dir() {
            return Some(p);
        }
    }
    eprintln!("skipped: ../shared/corpus not found (the fixture checks ran)");
    None
}

/// The market of a `crypto_msg_parser_tests` row (`test:trade::linear_swap` → futures).
fn venue_of_conn(conn: &str, default: Venue) -> Venue {
    match conn.rsplit("::").next() {
        Some(m) if conn.starts_with("test:") && !m.starts_with("spot") => Venue::GateioFutures,
        Some(_) if conn.starts_with("test:") => Venue::Gateio,
        _ => default,
    }
}

/// What one row must parse into; returns the label it was checked under.
fn check_row(
    conn: &str,
    label: &str,
    kind: FrameKind,
    payload: &[u8],
    parser: &mut dyn FrameParser,
) -> Result<(), String> {
    let mut out = Vec::new();
    let ts = Nanos(1);
    let r = if kind == FrameKind::Rest {
        parser.parse_rest(payload, Some("BTC_USDT"), ts, &mut out)
    } else {
        parser.parse_frame(payload, ts, &mut out)
    }
    .map_err(|e| format!("{conn} {label}: {e}"))?;
    let kinds = |k: Kind| out.iter().filter(|e| e.kind == k as u8).count();
    let all =
        |k: Kind, f: u16| !out.is_empty() && out.iter().all(|e| e.kind == k as u8 && e.has(f));
    let bracketed = !out.is_empty()
        && out[0].has(flags::FIRST)
        && out[out.len() - 1].has(flags::LAST)
        && out.iter().filter(|e| e.has(flags::FIRST)).count() == 1;
    let diff = all(Kind::BookLevel, 0)
        && bracketed
        && out
            .iter()
            .all(|e| !e.has(flags::SNAPSHOT) && e.seq >= e.v[2] as u64);
    let snapshot = all(Kind::BookLevel, flags::SNAPSHOT) && bracketed;
    let top_n = all(Kind::BookLevel, flags::SNAPSHOT | flags::TOP_N) && bracketed;
    let ignored = r == Control::Ignored && out.is_empty();
    let data = r == Control::Data;
    // crypto_msg_parser_tests rows: the test name says what the frame is
    let test = conn.strip_prefix("test:").unwrap_or("");
    let ok = match (label, test) {
        // legacy v3 API frames (`trades.update`, `depth.update`, `ticker.update`)
        (_, "trade::spot_20210916")
        | (_, "l2_event::spot_snapshot_20200916")
        | (_, "l2_event::spot_update_20210916")
        | (_, "ticker::spot_sample_2") => ignored,
        // legacy `futures.order_book` `update`: per-order changes, not a book
        (_, "l2_event::linear_future_update") => ignored,
        (_, "l2_event::inverse_future_snapshot") | (_, "l2_event::linear_future_snapshot") => {
            data && top_n
        }
        (_, "trade::inverse_future") => data && kinds(Kind::Trade) == 2 && out.len() == 2,
        (_, "candlestick::inverse_future") => data && kinds(Kind::Candle) == 2 && out.len() == 2,
        ("order_book_update", _) | ("l2_event", _) => data && diff,
        ("trades", _) | ("trade", _) => data && out.len() == 1 && kinds(Kind::Trade) == 1,
        ("book_ticker", _) | ("bbo", _) => data && out.len() == 1 && kinds(Kind::Quote) == 1,
        ("candlesticks", _) | ("candlestick", _) => {
            data && out.len() == 1 && kinds(Kind::Candle) == 1
        }
        ("l2_topk", _) => data && top_n,
        ("tickers", _) | ("ticker", _) | ("open_interest", _) => ignored,
        ("subscribe_ack", _) => matches!(r, Control::Ack { .. }) && out.is_empty(),
        ("rest_depth_snapshot", _) => data && snapshot,
        ("rest_currency_pairs", _) | ("rest_contracts", _) => ignored,
        _ => return Err(format!("unexpected label {label} ({conn})")),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{conn} {label}: got {r:?} with {} events, first {:?}",
            out.len(),
            out.first()
        ))
    }
}

/// Rows of a corpus TSV: (recv_ns, conn, label, frame), header skipped.
fn rows(path: &Path) -> Vec<(i64, String, String, String)> {
    std::fs::read_to_string(path)
        .expect("read tsv")
        .lines()
        .skip(1)
        .map(|l| {
            let mut it = l.splitn(4, '\t');
            let mut next = || it.next().expect("4 columns").to_string();
            let ts = next().parse().expect("recv_ns");
            (ts, next(), next(), next())
        })
        .collect()
}

/// Parses every row of a session (spot and futures rows each with their market's parser);
/// returns rows checked per label.
fn classify_session(default: Venue, path: &Path) -> HashMap<String, usize> {
    let table = Instruments::new();
    let mut spot = parser_for(Venue::Gateio, table.clone());
    let mut fut = parser_for(Venue::GateioFutures, table);
    let mut checked = HashMap::new();
    let mut failures = Vec::new();
    for (_, conn, label, frame) in rows(path) {
        let kind = match label.as_str() {
            "client_sent" => continue,
            l if l.starts_with("rest_") => FrameKind::Rest,
            _ => FrameKind::WsText,
        };
        let parser = match venue_of_conn(&conn, default) {
            Venue::GateioFutures => fut.as_mut(),
            _ => spot.as_mut(),
        };
        match check_row(&conn, &label, kind, frame.as_bytes(), parser) {
            Ok(()) => *checked.entry(label.clone()).or_insert(0) += 1,
            Err(e) => failures.push(e),
        }
    }
    assert!(
        failures.is_empty(),
        "{}: {} rows misparsed, first: {}",
        path.display(),
        failures.len(),
        failures[0]
    );
    for p in [&spot, &fut] {
        let s = p.stats();
        assert_eq!(s.malformed, 0, "{}: {s:?}", path.display());
        assert_eq!(s.out_of_range, 0, "{}: {s:?}", path.display());
    }
    checked
}

fn sessions(root: &Path) -> Vec<(Venue, PathBuf)> {
    vec![
        (Venue::Gateio, root.join(SPOT)),
        (Venue::GateioFutures, root.join(FUTURES)),
        (Venue::Gateio, root.join(SINGLES)),
    ]
}

/// Counts per label, asserted exactly (they are the TSVs' own, minus `client_sent`).
fn check_counts(root: &Path) {
    let mut totals: HashMap<(String, String), usize> = HashMap::new();
    for (venue, path) in sessions(root) {
        let checked = classify_session(venue, &path);
        let mut labels = label_counts(&path);
        labels.remove("client_sent");
        assert_eq!(checked, labels, "{}", path.display());
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        for (k, n) in checked {
            totals.insert((name.clone(), k), n);
        }
    }
    let t = |s: &str, k: &str| {
        totals
            .get(&(s.to_string(), k.to_string()))
            .copied()
            .unwrap_or(0)
    };
    let spot = "cryptofeed_20210422.tsv";
    assert_eq!(t(spot, "order_book_update"), 172);
    assert_eq!(t(spot, "trades"), 9);
    assert_eq!(t(spot, "candlesticks"), 14);
    assert_eq!(t(spot, "tickers"), 22);
    assert_eq!(t(spot, "subscribe_ack"), 22);
    assert_eq!(t(spot, "rest_depth_snapshot"), 10);
    assert_eq!(t(spot, "rest_currency_pairs"), 1);
    let fut = "cryptofeed_20230524.tsv";
    assert_eq!(t(fut, "order_book_update"), 352);
    assert_eq!(t(fut, "book_ticker"), 75);
    assert_eq!(t(fut, "candlesticks"), 1);
    assert_eq!(t(fut, "subscribe_ack"), 22);
    assert_eq!(t(fut, "rest_depth_snapshot"), 10);
    assert_eq!(t(fut, "rest_contracts"), 1);
    let one = "crypto_msg_parser_tests.tsv";
    for (k, n) in [
        ("trade", 7),
        ("l2_event", 8),
        ("l2_topk", 3),
        ("bbo", 3),
        ("candlestick", 5),
        ("ticker", 6),
        ("rest_depth_snapshot", 5),
        ("open_interest", 2),
    ] {
        assert_eq!(t(one, k), n, "{k}");
    }
}

#[test]
fn every_fixture_row_is_parsed_or_classified_with_exact_counts() {
    check_counts(&fixture(""));
}

#[test]
fn every_corpus_row_is_parsed_or_classified_with_exact_counts() {
    let Some(root) = shared_corpus() else { return };
    check_counts(&root);
}

/// What a replayed session's books did.
#[derive(Debug, Default)]
struct BookReport {
    synced: usize,
    applied: u64,
    stale: u64,
    chain_links: usize,
    compared: usize,
    crossed_tops: usize,
}

/// Replays a session and checks its books: every snapshot used, no gap, never crossed, the
/// U/u chain continuous for every instrument, and wherever a book ticker carries the id of an
/// applied diff (futures), best bid/ask agree exactly.
fn check_books(venue: Venue, files: &[PathBuf]) -> BookReport {
    let o = replay(venue, files);
    let books = o.replay.pipeline().books();
    let stats = books.stats();
    assert_eq!(stats.gaps, 0, "{files:?}: {stats:?}");
    assert_eq!(stats.crossed, 0, "{files:?}: {stats:?}");
    assert_eq!(stats.unusable_snapshots, 0, "{files:?}: {stats:?}");
    assert_eq!(stats.buffer_overflow, 0, "{files:?}: {stats:?}");
    assert!(books.never_synced().is_empty(), "{files:?}");
    let mut r = BookReport {
        synced: o
            .events
            .iter()
            .filter(|e| e.status() == Some(StatusCode::BookSynced))
            .count(),
        applied: stats.applied,
        stale: stats.stale,
        ..BookReport::default()
    };
    // the chain: every diff forwarded after a snapshot continues it (U <= prev+1 <= u)
    let mut last: HashMap<u32, u64> = HashMap::new();
    for e in o
        .events
        .iter()
        .filter(|e| e.kind == Kind::BookLevel as u8 && e.has(flags::FIRST))
    {
        if let Some(prev) = last.get(&e.instrument) {
            if !e.has(flags::SNAPSHOT) {
                assert!(
                    e.v[2] as u64 <= prev + 1 && e.seq > *prev,
                    "{files:?}: chain broken at {} after {prev}",
                    e.seq
                );
                r.chain_links += 1;
            }
        }
        last.insert(e.instrument, e.seq);
    }
    for t in &o.tops {
        if let (Some(b), Some(a)) = (t.bid, t.ask) {
            if b.px >= a.px {
                r.crossed_tops += 1;
            }
        }
    }
    let tops: HashMap<(u32, u64), _> = o
        .tops
        .iter()
        .map(|t| ((t.instrument.0, t.seq), t))
        .collect();
    for q in o.events.iter().filter(|e| e.kind == Kind::Quote as u8) {
        if let Some(top) = tops.get(&(q.instrument, q.seq)) {
            let (bid, ask) = (top.bid.expect("bid"), top.ask.expect("ask"));
            assert_eq!((q.px_exp, q.qty_exp), (top.px_exp, top.qty_exp));
            assert_eq!(
                [q.v[0], q.v[1], q.v[2], q.v[3]],
                [bid.px, bid.qty, ask.px, ask.qty],
                "{files:?}: book_ticker u={} disagrees with the book",
                q.seq
            );
            r.compared += 1;
        }
    }
    assert_eq!(r.crossed_tops, 0);
    r
}

fn check_all_books(root: &Path) {
    let spot = check_books(Venue::Gateio, &[root.join(SPOT)]);
    eprintln!("gateio spot books: {spot:?}");
    assert_eq!(spot.synced, 10);
    // 172 diffs: 159 applied, 4 arrived after their snapshot already covered them, 9 were
    // buffered before it and covered by it (one buffered diff, DIS_USDT's, bridged)
    assert_eq!((spot.applied, spot.stale), (159, 4));
    assert_eq!(spot.chain_links as u64, spot.applied);
    let fut = check_books(Venue::GateioFutures, &[root.join(FUTURES)]);
    eprintln!("gateio futures books: {fut:?}");
    assert_eq!(fut.synced, 10);
    // 352 diffs: 316 applied, 26 covered by a snapshot fetched while they were in flight,
    // 10 buffered before the snapshots and covered by them
    assert_eq!((fut.applied, fut.stale), (316, 26));
    assert_eq!(fut.chain_links as u64, fut.applied);
    // book_ticker `u` shares the depth id space: every ticker at the id of an applied diff
    // equals that book's top
    assert_eq!(fut.compared, FUTURES_TOPS_COMPARED);
}

/// Book tickers of the futures session whose `u` is the final id of an applied diff.
const FUTURES_TOPS_COMPARED: usize = 18;

#[test]
fn fixture_books_follow_the_chain_and_never_cross() {
    check_all_books(&fixture(""));
}

#[test]
fn corpus_books_follow_the_chain_and_never_cross() {
    let Some(root) = shared_corpus() else { return };
    check_all_books(&root);
}

/// A session's rows without its REST snapshots, as a temporary TSV.
fn without_snapshots(src: &Path, name: &str) -> PathBuf {
    let text = std::fs::read_to_string(src).expect("read");
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| l.split('\t').nth(2) != Some("rest_depth_snapshot"))
        .collect();
    let dir = std::env::temp_dir().join(format!("tickwire-gateio-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let p = dir.join(name);
    std::fs::write(&p, kept.join("\n") + "\n").expect("write");
    p
}

#[test]
fn sessions_without_snapshot_yield_no_book_and_say_so() {
    for (venue, src, name) in [
        (Venue::Gateio, fixture(SPOT), "spot_nosnap.tsv"),
        (Venue::GateioFutures, fixture(FUTURES), "futures_nosnap.tsv"),
    ] {
        let path = without_snapshots(&src, name);
        let o = replay(venue, &[path]);
        let books = o.replay.pipeline().books();
        assert_eq!(books.stats().snapshots, 0, "{name}");
        assert!(o.tops.is_empty(), "{name}: a book was guessed");
        assert!(
            !o.events.iter().any(|e| e.kind == Kind::BookLevel as u8),
            "{name}: book events leaked without a snapshot"
        );
        let never = books.never_synced();
        assert_eq!(never.len(), 10, "{name}");
        for (_, id) in &never {
            assert!(books.book(*id).is_none());
        }
        // one clear "waiting for a snapshot" per instrument
        assert_eq!(
            o.events
                .iter()
                .filter(|e| e.status() == Some(StatusCode::Resync))
                .count(),
            10,
            "{name}"
        );
        // trades and candles still flow
        assert!(o
            .events
            .iter()
            .any(|e| e.kind == Kind::Candle as u8 || e.kind == Kind::Trade as u8));
    }
    // the single-frame session: a BTC_USDT diff (ids 4622074361..=4622074364) that no
    // snapshot bridges, then an unrelated top-N image (lastUpdateId 8093065166): the diff
    // never makes a book; the image does, on its own
    let o = replay(Venue::Gateio, &[fixture(SINGLES)]);
    assert!(o.tops.iter().all(|t| t.seq != 4622074364));
    assert!(o.tops.iter().any(|t| t.seq == 8093065166));
}

/// Feeds a session through a pipeline with `edit` applied to its rows; returns the events.
fn replay_edited(
    venue: Venue,
    path: &Path,
    mut edit: impl FnMut(&str, &str) -> Option<String>,
) -> (Vec<Event>, Pipeline) {
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let mut events = Vec::new();
    let text = std::fs::read_to_string(path).expect("read");
    for line in text.lines().skip(1) {
        let mut it = line.splitn(4, '\t');
        let (ts, _conn, label, frame) = (
            it.next().unwrap(),
            it.next().unwrap(),
            it.next().unwrap(),
            it.next().unwrap(),
        );
        let ts = Nanos(ts.parse().unwrap());
        let Some(frame) = edit(label, frame) else {
            continue;
        };
        let mut sink = |e: &Event| events.push(*e);
        match label {
            "client_sent" => {}
            l if l.starts_with("rest_") => {
                let _ = p.on_rest(venue, frame.as_bytes(), None, ts, &mut sink);
            }
            _ => {
                let _ = p.on_frame(venue, frame.as_bytes(), ts, &mut sink);
            }
        }
    }
    (events, p)
}

#[test]
fn a_lost_or_tampered_diff_resyncs_only_its_instrument() {
    for (venue, f, sym, nth) in [
        (Venue::Gateio, SPOT, "OMG_USDT", 10),
        (Venue::GateioFutures, FUTURES, "RDNT_USDT", 10),
    ] {
        // 1. drop the n-th diff of one instrument: a gap on that book alone
        let mut seen = 0;
        let needle = format!("\"s\":\"{sym}\"");
        let (events, p) = replay_edited(venue, &fixture(f), |label, frame| {
            if label == "order_book_update" && frame.contains(&needle) {
                seen += 1;
                if seen == nth {
                    return None;
                }
            }
            Some(frame.to_string())
        });
        let gaps: Vec<&Event> = events
            .iter()
            .filter(|e| e.status() == Some(StatusCode::Gap))
            .collect();
        assert_eq!(gaps.len(), 1, "{f}");
        let inst = p.instruments().find(venue, sym).expect("interned").id;
        assert_eq!(gaps[0].instrument(), inst);
        assert!(gaps[0].v[0] >= 1, "missing ids counted: {:?}", gaps[0]);
        let books = p.books();
        assert!(
            books.book(inst).is_none(),
            "{f}: the broken book is withheld"
        );
        // every other instrument's book is live
        let live = p
            .instruments()
            .snapshot()
            .iter()
            .filter(|i| i.venue == venue && i.id != inst && books.book(i.id).is_some())
            .count();
        assert_eq!(live, 9, "{f}");
        let resyncs: Vec<InstrumentId> = events
            .iter()
            .filter(|e| e.status() == Some(StatusCode::Resync) && e.instrument() == inst)
            .map(|e| e.instrument())
            .collect();
        assert!(
            resyncs.len() >= 2,
            "{f}: initial wait + resync after the gap"
        );

        // 2. tamper with a diff's U (claims to start later than it does): also a gap
        let mut seen = 0;
        let (events, _) = replay_edited(venue, &fixture(f), |label, frame| {
            if label == "order_book_update" && frame.contains(&needle) {
                seen += 1;
                if seen == nth {
                    let u = frame.find("\"U\":").expect("U") + 4;
                    let end = u + frame[u..].find(|c: char| !c.is_ascii_digit()).unwrap();
                    let first: u64 = frame[u..end].parse().unwrap();
                    return Some(format!("{}{}{}", &frame[..u], first + 3, &frame[end..]));
                }
            }
            Some(frame.to_string())
        });
        assert_eq!(
            events
                .iter()
                .filter(|e| e.status() == Some(StatusCode::Gap))
                .count(),
            1,
            "{f}"
        );
    }
}

/// Every WebSocket row of the Gate.io sessions (and REST bodies through `parse_rest`).
fn all_rows(roots: &[PathBuf]) -> Vec<(Venue, String, String, String)> {
    let mut v = Vec::new();
    for root in roots {
        for (default, path) in sessions(root) {
            for (_, conn, label, frame) in rows(&path) {
                if label != "client_sent" {
                    v.push((venue_of_conn(&conn, default), conn, label, frame));
                }
            }
        }
    }
    v
}

fn roots() -> Vec<PathBuf> {
    shared_corpus().into_iter().chain([fixture("")]).collect()
}

/// The fast paths give exactly what the general path gives on every frame, and they do take
/// the hot ones (order book diffs, trades, book tickers).
#[test]
fn fast_paths_agree_with_the_general_path_on_every_frame() {
    let mut frames = 0u64;
    let mut hot = 0u64;
    let mut hits = 0u64;
    for (venue, conn, label, frame) in all_rows(&roots()) {
        if label.starts_with("rest_") {
            continue;
        }
        let mut fast = GateioParser::new(venue, Instruments::new());
        let mut slow = GateioParser::new(venue, Instruments::new());
        slow.set_fast_paths(false);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let ra = fast.parse_frame(frame.as_bytes(), Nanos(3), &mut a);
        let rb = slow.parse_frame(frame.as_bytes(), Nanos(3), &mut b);
        assert_eq!(ra, rb, "{conn} {label}: {frame}");
        assert_eq!(a, b, "{conn} {label}: {frame}");
        assert_eq!(slow.fast_hits(), 0);
        frames += 1;
        if conn.starts_with("GATEIO")
            && matches!(
                label.as_str(),
                "order_book_update" | "trades" | "book_ticker"
            )
        {
            hot += 1;
            assert_eq!(
                fast.fast_hits(),
                1,
                "the fast path refused {label}: {frame}"
            );
        }
        hits += fast.fast_hits();
    }
    assert!(frames > 700 && hot > 600, "{frames} frames, {hot} hot");
    eprintln!("fast paths took {hits} of {frames} frames ({hot} hot captured frames, all taken)");
}

/// The values of real frames, exactly.
#[test]
fn real_frames_normalize_exactly() {
    let rows = all_rows(&[fixture("")]);
    let find = |label: &str, needle: &str| -> (Venue, String) {
        rows.iter()
            .find(|(_, _, l, f)| l == label && f.contains(needle))
            .map(|(v, _, _, f)| (*v, f.clone()))
            .unwrap_or_else(|| panic!("no {label} with {needle}"))
    };
    let parse = |(v, f): (Venue, String)| {
        let mut p = GateioParser::new(v, Instruments::new());
        let mut out = Vec::new();
        p.parse_frame(f.as_bytes(), Nanos(5), &mut out)
            .expect("parses");
        out
    };
    // spot trade: taker sold; create_time_ms "1619093543708.2642" to the ns
    let t = parse(find("trades", "816995772"))[0];
    assert_eq!(
        (t.kind(), t.side(), t.seq),
        (Some(Kind::Trade), Side::Sell, 816995772)
    );
    assert_eq!(t.ts_exchange, 1_619_093_543_708_264_200);
    assert_eq!((t.v[0], t.v[1]), (1_215_800_000_000, 2_010_000_000)); // 121.58 x 0.201 at 1e-10
                                                                      // spot diff: E is seconds, t is ms: ts from t
    let d = parse(find("order_book_update", "\"U\":1130669"));
    assert_eq!((d[0].seq, d[0].v[2], d[0].v[3]), (1138115, 1130669, -1));
    assert_eq!(d[0].ts_exchange, 1_619_093_533_020_000_000);
    assert_eq!(d.len(), 45 + 29);
    assert_eq!(tickwire::event::book_text_parts(d[0].v[4]), (2, 8, None)); // "10.28","36.50154112"
                                                                           // futures diff: integer sizes, levels before the symbol
    let d = parse(find("order_book_update", "\"U\":203083178"));
    assert_eq!(d.len(), 4);
    assert!(d.iter().all(|e| e.side() == Side::Sell && e.qty_exp == 0));
    assert_eq!((d[0].v[0], d[0].v[1]), (3_047_000_000, 8393));
    // futures book ticker: integer sizes
    let q = parse(find("book_ticker", "\"u\":6159967"))[0];
    assert_eq!(q.v[..4], [7_379_000_000, 814, 7_390_000_000, 677]);
    assert_eq!(q.ts_exchange, 1_684_930_165_621_000_000);
    // candles: spot string OHLC and `t` in seconds, no `w` in 2021 (not closed), no base amount
    let c = parse(find("candlesticks", "1m_DIS_USDT"))[0];
    assert_eq!(
        (c.seq, c.aux, c.has(flags::CLOSED)),
        (1_619_093_520_000, 60, false)
    );
    assert_eq!(
        c.v,
        [1_209_200_000_000; 4]
            .into_iter()
            .chain([0])
            .collect::<Vec<_>>()[..]
    );
    // futures candle: integer `t` and `v`
    let c = parse(find("candlesticks", "1m_FRONT_USDT"))[0];
    assert_eq!(
        (c.seq, c.v[0], c.v[4]),
        (1_684_930_140_000, 1_701_000_000, 0)
    );
    // crypto_msg_parser_tests: a price sent as a JSON number stays exact
    let t = parse(find("trade", "MOB_USDT"))[0];
    assert_eq!((t.side(), t.v[0], t.v[1]), (Side::Sell, 8_360_000_000, 90));
}

/// Metadata rows of the sessions preset exponents for instruments not yet seen.
#[test]
fn session_metadata_presets_exponents() {
    let o = replay(Venue::GateioFutures, &[fixture(FUTURES)]);
    let t = o.replay.instruments();
    // contracts seen in the session keep the defaults their tick allows
    let rdnt = t.find(Venue::GateioFutures, "RDNT_USDT").expect("seen");
    assert_eq!((rdnt.px_exp, rdnt.qty_exp), (-10, 0));
    assert_eq!(rdnt.unified, "RDNT-USDT-PERP");
    // contracts with 10^-11 and 10^-12 ticks get every digit
    let pepe = t.intern(Venue::GateioFutures, "PEPE_USDT", (0, 0));
    assert_eq!((pepe.px_exp, pepe.qty_exp), (-11, 0));
    let vinu = t.intern(Venue::GateioFutures, "VINU_USDT", (0, 0));
    assert_eq!((vinu.px_exp, vinu.qty_exp), (-12, 0));
    let o = replay(Venue::Gateio, &[fixture(SPOT)]);
    let omg = o
        .replay
        .instruments()
        .find(Venue::Gateio, "OMG_USDT")
        .expect("seen");
    assert_eq!((omg.px_exp, omg.qty_exp), (-10, -10));
    assert_eq!(omg.unified, "OMG-USDT");
}

/// A few real frames of each kind (the first of each label).
fn samples() -> Vec<(Venue, String, Vec<u8>)> {
    let mut seen = std::collections::HashSet::new();
    let mut v = Vec::new();
    for (venue, conn, label, frame) in all_rows(&[fixture("")]) {
        let key = format!("{venue:?}{label}{}", conn.split("::").nth(1).unwrap_or(""));
        if !label.starts_with("rest_") && frame.len() < 4000 && seen.insert(key) {
            v.push((venue, label, frame.into_bytes()));
        }
    }
    assert!(v.len() >= 20, "{}", v.len());
    v
}

const GOOD_TRADE: &str = r#"{"time":1,"channel":"spot.trades","event":"update","result":{"id":ID,"create_time":1,"create_time_ms":"1000.5","side":"buy","currency_pair":"BTC_USDT","amount":"1","price":"2"}}"#;

/// Feeds `bad` then a good trade; returns the bad frame's events and whether the trade came out.
fn feed(p: &mut Pipeline, venue: Venue, bad: &[u8]) -> (Vec<Event>, bool) {
    let mut evs = Vec::new();
    let _ = p.on_frame(venue, bad, Nanos(1), &mut |e| evs.push(*e));
    let good = GOOD_TRADE.replace("ID", &format!("{}", 1000 + p.stats().frames));
    let mut after = Vec::new();
    p.on_frame(Venue::Gateio, good.as_bytes(), Nanos(2), &mut |e| {
        after.push(*e)
    })
    .expect("good frame after a bad one");
    (evs, after.iter().any(|e| e.kind == Kind::Trade as u8))
}

#[test]
fn every_truncation_of_real_frames_is_reported_and_the_stream_goes_on() {
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let mut cuts = 0;
    for (venue, label, frame) in samples() {
        for cut in 0..frame.len() {
            let before = p.stats();
            let (evs, trade_ok) = feed(&mut p, venue, &frame[..cut]);
            assert!(trade_ok, "{label} cut at {cut}: the next frame was lost");
            let after = p.stats();
            assert!(
                after.malformed > before.malformed || after.ignored > before.ignored,
                "{label} cut at {cut}: not counted"
            );
            if after.malformed > before.malformed {
                assert!(evs
                    .iter()
                    .any(|e| e.status() == Some(StatusCode::Malformed)));
                assert!(
                    evs.iter().all(|e| e.kind == Kind::Status as u8),
                    "{label} cut at {cut}: partial events leaked"
                );
            }
            cuts += 1;
        }
    }
    assert!(cuts > 5000, "{cuts}");
}

#[test]
fn corrupted_bytes_never_panic_and_never_half_apply() {
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
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
    let mut n = 0u64;
    for (venue, label, frame) in samples() {
        for _ in 0..300 {
            let mut f = frame.clone();
            for _ in 0..1 + next() % 3 {
                let i = (next() as usize) % f.len();
                f[i] = junk[(next() as usize) % junk.len()];
            }
            let (evs, trade_ok) = feed(&mut p, venue, &f);
            assert!(
                trade_ok,
                "{label}: the next frame was lost after {:?}",
                String::from_utf8_lossy(&f)
            );
            // the fast paths agree with the general path on broken input too
            let mut fast = GateioParser::new(venue, Instruments::new());
            let mut slow = GateioParser::new(venue, Instruments::new());
            slow.set_fast_paths(false);
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let ra = fast.parse_frame(&f, Nanos(1), &mut a);
            let rb = slow.parse_frame(&f, Nanos(1), &mut b);
            assert_eq!(
                (ra.is_ok(), &a),
                (rb.is_ok(), &b),
                "{label}: {:?}",
                String::from_utf8_lossy(&f)
            );
            if let (Err(x), Err(y)) = (&ra, &rb) {
                assert_eq!(
                    x.is_malformed(),
                    y.is_malformed(),
                    "{label}: {:?}",
                    String::from_utf8_lossy(&f)
                );
            }
            let book: Vec<&Event> = evs
                .iter()
                .filter(|e| e.kind == Kind::BookLevel as u8)
                .collect();
            if let (Some(first), Some(last)) = (book.first(), book.last()) {
                assert!(first.has(flags::FIRST) && last.has(flags::LAST));
            }
            n += 1;
        }
    }
    let s = p.stats();
    assert!(s.malformed + s.out_of_range > n / 4, "{s:?} of {n}");
}

#[test]
fn hostile_frames_are_errors() {
    let mut p = GateioParser::new(Venue::Gateio, Instruments::new());
    let mut out = Vec::new();
    let deep = format!(
        r#"{{"time":1,"channel":"spot.trades","event":"update","result":{}{}}}"#,
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    assert!(p.parse_frame(deep.as_bytes(), Nanos(1), &mut out).is_err());
    let huge = GOOD_TRADE.replace("ID", "7").replace(
        "\"amount\":\"1\"",
        &format!("\"amount\":\"{}\"", "9".repeat(100_000)),
    );
    assert!(matches!(
        p.parse_frame(huge.as_bytes(), Nanos(1), &mut out),
        Err(tickwire::venue::ParseError::Value { .. })
    ));
    assert!(out.is_empty());
}

mod alloc_count {
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

    pub fn allocs() -> u64 {
        ALLOCS.with(Cell::get)
    }
}

#[global_allocator]
static GLOBAL: alloc_count::Counting = alloc_count::Counting;

/// Steady state allocates nothing: trades, book tickers and order book diffs (spot and
/// futures) through parser, books and dedupe, on the fast and on the general path.
#[test]
fn steady_state_frames_allocate_nothing() {
    for fast in [true, false] {
        for venue in [Venue::Gateio, Venue::GateioFutures] {
            let table = Instruments::new();
            let mut parser = GateioParser::new(venue, table.clone());
            parser.set_fast_paths(fast);
            let mut books = tickwire::book::Books::new(tickwire::book::BookConfig::default());
            let mut dedupe = tickwire::dedupe::Deduper::new();
            let mut out = Vec::with_capacity(4096);
            let mut book_out = Vec::with_capacity(4096);
            let futures = venue == Venue::GateioFutures;
            let snapshot = if futures {
                r#"{"current":1,"update":1,"asks":[{"s":5,"p":"0.2990"},{"s":7,"p":"0.3000"}],"bids":[{"s":3,"p":"0.2970"},{"s":9,"p":"0.2960"}],"id":1000}"#
            } else {
                r#"{"id":1000,"current":1,"update":1,"asks":[["0.2990","5"],["0.3000","7"]],"bids":[["0.2970","3"],["0.2960","9"]]}"#
            };
            parser
                .parse_rest(snapshot.as_bytes(), Some("RDNT_USDT"), Nanos(1), &mut out)
                .expect("snapshot");
            books.apply(&out, &mut book_out);
            let frames = |k: u64| -> [String; 3] {
                let (u0, u1) = (1001 + 2 * k, 1002 + 2 * k);
                let px = 2960 + (k % 5);
                if futures {
                    [
                        format!(
                            r#"{{"time":1,"time_ms":2,"channel":"futures.order_book_update","event":"update","result":{{"U":{u0},"a":[{{"p":"0.2990","s":{}}}],"b":[{{"p":"0.{px}","s":{}}},{{"p":"0.2965","s":0}}],"s":"RDNT_USDT","t":3,"u":{u1}}}}}"#,
                            5 + k % 3,
                            k % 4
                        ),
                        format!(
                            r#"{{"time":1,"time_ms":2,"channel":"futures.trades","event":"update","result":[{{"size":-{},"id":{},"create_time":1,"create_time_ms":1000,"price":"0.2970","contract":"RDNT_USDT"}}]}}"#,
                            1 + k % 9,
                            10_000 + k
                        ),
                        format!(
                            r#"{{"time":1,"time_ms":2,"channel":"futures.book_ticker","event":"update","result":{{"t":3,"u":{u1},"s":"RDNT_USDT","b":"0.2970","B":3,"a":"0.2990","A":5}}}}"#
                        ),
                    ]
                } else {
                    [
                        format!(
                            r#"{{"time":1,"channel":"spot.order_book_update","event":"update","result":{{"t":3,"e":"depthUpdate","E":1,"s":"RDNT_USDT","U":{u0},"u":{u1},"b":[["0.{px}","{}"],["0.2965","0"]],"a":[["0.2990","{}.5"]]}}}}"#,
                            k % 4,
                            5 + k % 3
                        ),
                        format!(
                            r#"{{"time":1,"channel":"spot.trades","event":"update","result":{{"id":{},"create_time":1,"create_time_ms":"1000.25","side":"buy","currency_pair":"RDNT_USDT","amount":"0.{}","price":"0.2970"}}}}"#,
                            10_000 + k,
                            1 + k % 9
                        ),
                        format!(
                            r#"{{"time":1,"channel":"spot.book_ticker","event":"update","result":{{"t":3,"u":{u1},"s":"RDNT_USDT","b":"0.2970","B":"3","a":"0.2990","A":"5"}}}}"#
                        ),
                    ]
                }
            };
            let all: Vec<[String; 3]> = (0..3000).map(frames).collect();
            let mut run = |range: std::ops::Range<usize>| {
                for fs in &all[range] {
                    for f in fs {
                        out.clear();
                        parser
                            .parse_frame(f.as_bytes(), Nanos(2), &mut out)
                            .expect("parses");
                        if out[0].kind == Kind::BookLevel as u8 {
                            book_out.clear();
                            books.apply(&out, &mut book_out);
                        } else {
                            for e in &out {
                                dedupe.admit(e);
                            }
                        }
                    }
                }
            };
            run(0..1000); // warm-up: instruments, book depth, dedupe windows
            let before = alloc_count::allocs();
            run(1000..3000);
            let n = alloc_count::allocs() - before;
            assert_eq!(n, 0, "{venue} fast={fast}: {n} allocations in 6000 frames");
            assert_eq!(books.stats().gaps, 0);
            assert_eq!(books.stats().applied, 3000);
        }
    }
}
