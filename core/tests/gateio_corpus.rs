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
    let all = |k: Kind, f: u16| !out.is_empty() && out.iter().all(|e| e.kind == k as u8 && e.has(f));
    let bracketed = !out.is_empty()
        && out[0].has(flags::FIRST)
        && out[out.len() - 1].has(flags::LAST)
        && out.iter().filter(|e| e.has(flags::FIRST)).count() == 1;
    let diff = all(Kind::BookLevel, 0)
        && bracketed
        && out.iter().all(|e| !e.has(flags::SNAPSHOT) && e.seq >= e.v[2] as u64);
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
        ("candlesticks", _) | ("candlestick", _) => data && out.len() == 1 && kinds(Kind::Candle) == 1,
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
    let t = |s: &str, k: &str| totals.get(&(s.to_string(), k.to_string())).copied().unwrap_or(0);
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
    let tops: HashMap<(u32, u64), _> = o.tops.iter().map(|t| ((t.instrument.0, t.seq), t)).collect();
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
        let inst = p
            .instruments()
            .find(venue, sym)
            .expect("interned")
            .id;
        assert_eq!(gaps[0].instrument(), inst);
        assert!(gaps[0].v[0] >= 1, "missing ids counted: {:?}", gaps[0]);
        let books = p.books();
        assert!(books.book(inst).is_none(), "{f}: the broken book is withheld");
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
        assert!(resyncs.len() >= 2, "{f}: initial wait + resync after the gap");

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
