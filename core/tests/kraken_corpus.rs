//! Kraken parsers and books against real captures (WebSocket v1, 2021: `kraken/cryptofeed_20210417`
//! and crypto-msg-parser's single frames, which include Kraken Futures frames), and the
//! WebSocket v2 formats, which have no real capture: those tests are **synthetic**, built from
//! the documented examples (docs.kraken.com `websocket-v2/book` and the book checksum guide, as
//! summarised in `docs/exchanges.md` §9).

mod common;

use common::{fixture, label_counts, replay};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tickwire::event::{flags, Event, Kind, Nanos, Side, StatusCode, Venue};
use tickwire::instrument::Instruments;
use tickwire::pipeline::{Pipeline, PipelineConfig};
use tickwire::record::{FrameKind, Reader};
use tickwire::venue::kraken::KrakenParser;
use tickwire::venue::{Control, FrameParser};

/// The shared corpus: `../shared/corpus` beside the project, else `$TICKWIRE_CORPUS`.
fn shared_corpus() -> Option<PathBuf> {
    common::shared_corpus().or_else(|| {
        std::env::var_os("TICKWIRE_CORPUS")
            .map(PathBuf::from)
            .filter(|p| p.join("README.md").exists())
    })
}

const SESSION: &str = "kraken/cryptofeed_20210417.tsv";

/// The capture: the project's copy (the whole session, 1.1 MB).
fn session() -> PathBuf {
    fixture(SESSION)
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Kinds {
    trades: usize,
    quotes: usize,
    levels: usize,
    candles: usize,
}

/// What a frame of a given corpus label must parse into (Kraken Futures frames among the
/// crypto-msg-parser samples are ignored, with their reason counted).
fn check_frame(
    label: &str,
    kind: FrameKind,
    payload: &[u8],
    parser: &mut KrakenParser,
    kinds: &mut Kinds,
) -> Result<(), String> {
    let mut out = Vec::new();
    let r = if kind == FrameKind::Rest {
        parser.parse_rest(payload, None, Nanos(1), &mut out)
    } else {
        parser.parse_frame(payload, Nanos(1), &mut out)
    }
    .map_err(|e| {
        let t = String::from_utf8_lossy(payload);
        format!("{label}: {e}: {}", &t[..t.len().min(300)])
    })?;
    for e in &out {
        match e.kind() {
            Some(Kind::Trade) => kinds.trades += 1,
            Some(Kind::Quote) => kinds.quotes += 1,
            Some(Kind::BookLevel) => kinds.levels += 1,
            Some(Kind::Candle) => kinds.candles += 1,
            _ => {}
        }
    }
    let futures = payload.starts_with(b"{\"feed\"")
        || payload.starts_with(b"{\"time\"")
        || payload.starts_with(b"{\"result\":\"success\"");
    if futures {
        return if r == Control::Ignored && out.is_empty() {
            Ok(())
        } else {
            Err(format!("{label}: a Kraken Futures frame gave {r:?}"))
        };
    }
    let all = |k: Kind| !out.is_empty() && out.iter().all(|e| e.kind == k as u8);
    let bracketed =
        all(Kind::BookLevel) && out[0].has(flags::FIRST) && out[out.len() - 1].has(flags::LAST);
    let ok = match label {
        "rest_assetpairs" => r == Control::Ignored,
        "rest_depth_snapshot" => {
            r == Control::Data && bracketed && out.iter().all(|e| e.has(flags::SNAPSHOT))
        }
        "book" | "l2_event" => r == Control::Data && bracketed,
        "trade" => r == Control::Data && all(Kind::Trade),
        "ticker" | "bbo" => r == Control::Data && out.len() == 1 && all(Kind::Quote),
        "candlestick" => r == Control::Data && all(Kind::Candle),
        "heartbeat" | "system_status" => r == Control::Heartbeat,
        "subscribe_ack" => r == Control::Ack { id: -1 },
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

fn classify_session(path: &Path) -> (HashMap<String, usize>, Kinds, KrakenParser) {
    let mut parser = KrakenParser::new(Instruments::new());
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
    (checked, kinds, parser)
}

fn counts(pairs: &[(&str, usize)]) -> HashMap<String, usize> {
    pairs.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

fn check_session_counts(name: &str, checked: &HashMap<String, usize>, parser: &KrakenParser) {
    match name {
        "cryptofeed_20210417" => assert_eq!(
            *checked,
            counts(&[
                ("rest_assetpairs", 1),
                ("heartbeat", 30 + 31 + 31),
                ("subscribe_ack", 30),
                ("system_status", 3),
                ("trade", 8),
                ("ticker", 18),
                ("book", 4279),
            ])
        ),
        "crypto_msg_parser_tests" => {
            assert_eq!(
                *checked,
                counts(&[
                    ("trade", 5),
                    ("l2_event", 8),
                    ("rest_depth_snapshot", 3),
                    ("bbo", 1),
                    ("candlestick", 1),
                    ("ticker", 3),
                ])
            );
            // 4 trade, 4 book, 2 REST book and 2 ticker frames of Kraken Futures
            assert_eq!(parser.ignored_reasons(), &[("Kraken Futures API", 12)]);
        }
        other => panic!("a Kraken session this test does not know: {other}"),
    }
}

fn sessions(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("kraken"))
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "tsv"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_fixture_frame_is_parsed_or_classified() {
    for path in sessions(&fixture("")) {
        let (checked, _, parser) = classify_session(&path);
        let mut labels = label_counts(&path);
        labels.remove("client_sent");
        assert_eq!(checked, labels, "{}", path.display());
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        check_session_counts(&name, &checked, &parser);
    }
}

#[test]
fn every_corpus_frame_is_parsed_or_classified() {
    let Some(root) = shared_corpus() else {
        eprintln!("skipped: ../shared/corpus not found");
        return;
    };
    let mut report = Vec::new();
    for path in sessions(&root) {
        let (checked, kinds, parser) = classify_session(&path);
        let mut labels = label_counts(&path);
        labels.remove("client_sent");
        assert_eq!(checked, labels, "{}", path.display());
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        check_session_counts(&name, &checked, &parser);
        report.push(format!("{name}: {checked:?} → {kinds:?}"));
    }
    eprintln!("{}", report.join("\n"));
}

/// Replays the capture: every v1 checksum agrees, no book crosses, every snapshot is used.
#[test]
fn books_agree_with_every_checksum_kraken_sent() {
    let mut files = vec![session()];
    if let Some(root) = shared_corpus() {
        files.push(root.join(SESSION)); // the corpus copy too: must be the same session
    }
    for f in files {
        let o = replay(Venue::Kraken, std::slice::from_ref(&f));
        let s = o.replay.pipeline().books().stats();
        assert_eq!(s.checksums_ok, 4269, "{f:?}: {s:?}");
        assert_eq!(s.checksum_mismatches, 0, "{f:?}: {s:?}");
        assert_eq!(s.snapshots, 10, "{f:?}: {s:?}");
        assert_eq!(s.applied, 4269, "{f:?}: {s:?}");
        assert_eq!(
            (s.gaps, s.crossed, s.unusable_snapshots),
            (0, 0, 0),
            "{s:?}"
        );
        assert!(o.replay.pipeline().books().never_synced().is_empty());
        for t in &o.tops {
            if let (Some(b), Some(a)) = (t.bid, t.ask) {
                assert!(b.px < a.px, "crossed top {t:?}");
            }
        }
        // depth 1000 kept: no book deeper than the subscription
        for info in o.replay.instruments().snapshot() {
            if let Some(b) = o.replay.pipeline().books().book(info.id) {
                let (bids, asks) = b.depth();
                assert!(bids <= 1000 && asks <= 1000, "{}", info.symbol);
            }
        }
        assert!(!o.events.iter().any(|e| matches!(
            e.status(),
            Some(StatusCode::Malformed | StatusCode::ValueOutOfRange)
        )));
    }
}

/// One size changed in one real update: that instrument's book fails its checksum and
/// resyncs; the other nine keep agreeing with every checksum.
#[test]
fn a_tampered_update_is_caught_and_resyncs_only_its_instrument() {
    let mut frames: Vec<(FrameKind, Nanos, Vec<u8>)> = Vec::new();
    let mut r = Reader::open(session()).expect("fixture");
    while let Some(f) = r.next_frame().expect("read") {
        frames.push((f.kind, f.ts_recv, f.payload.to_vec()));
    }
    let run = |frames: &[(FrameKind, Nanos, Vec<u8>)]| {
        let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
        let mut evs: Vec<(usize, Event)> = Vec::new();
        for (i, (kind, ts, f)) in frames.iter().enumerate() {
            let mut sink = |e: &Event| evs.push((i, *e));
            match kind {
                FrameKind::WsText => {
                    let _ = p.on_frame(Venue::Kraken, f, *ts, &mut sink);
                }
                FrameKind::Rest => {
                    let _ = p.on_rest(Venue::Kraken, f, None, *ts, &mut sink);
                }
                _ => {}
            }
        }
        (p, evs)
    };
    // the 100th update of XMR/USD: change the volume of its first level by one unit of the
    // last digit (a level at the top of the book: the first checksum after it must fail)
    let mut seen = 0;
    let mut target = None;
    for (i, (_, _, f)) in frames.iter().enumerate() {
        let s = String::from_utf8_lossy(f);
        if s.ends_with(",\"book-1000\",\"XMR/USD\"]") && s.contains("\"c\":") {
            seen += 1;
            if seen >= 100 {
                target = Some(i);
                break;
            }
        }
    }
    let mut tries = 0;
    let mut i = target.expect("XMR/USD updates");
    loop {
        let s = String::from_utf8_lossy(&frames[i].2).to_string();
        if !(s.ends_with(",\"book-1000\",\"XMR/USD\"]") && s.contains("\"c\":")) {
            i += 1;
            continue;
        }
        // `[id,{"a":[["354.11000000","1.23456789","…"]…` → bump the last digit of the volume
        let vol_start = s.find("\",\"").expect("level") + 3;
        let vol_end = vol_start + s[vol_start..].find('"').expect("volume end");
        let mut t = s.clone().into_bytes();
        let d = &mut t[vol_end - 1];
        *d = if *d == b'9' { b'8' } else { *d + 1 };
        let mut tampered = frames.clone();
        tampered[i].2 = t;
        let (p, evs) = run(&tampered);
        let stats = p.books().stats();
        let mismatch: Vec<&(usize, Event)> = evs
            .iter()
            .filter(|(_, e)| e.status() == Some(StatusCode::ChecksumMismatch))
            .collect();
        tries += 1;
        if mismatch.is_empty() {
            // the changed level was below the top 10: try the next update
            assert!(tries < 50, "no tampered update reached the top 10");
            i += 1;
            continue;
        }
        assert_eq!(mismatch.len(), 1);
        assert_eq!(mismatch[0].0, i, "caught by the tampered message itself");
        let xmr = p
            .instruments()
            .find(Venue::Kraken, "XMR/USD")
            .expect("XMR/USD")
            .id;
        assert_eq!(mismatch[0].1.instrument, xmr.0);
        // ours ≠ theirs, both reported
        assert_ne!(mismatch[0].1.v[1], mismatch[0].1.v[2]);
        let resync: Vec<&(usize, Event)> = evs
            .iter()
            .filter(|(_, e)| e.status() == Some(StatusCode::Resync))
            .collect();
        assert_eq!(resync.len(), 1);
        assert_eq!(resync[0].1.instrument, xmr.0);
        // XMR/USD waits for a snapshot; the nine others stay live and keep agreeing
        let books = p.books();
        assert!(books.book(xmr).is_none());
        for info in p.instruments().snapshot() {
            if info.id != xmr {
                assert!(
                    books.book(info.id).is_some(),
                    "{} was disturbed",
                    info.symbol
                );
            }
        }
        let xmr_updates_after = frames[i..]
            .iter()
            .filter(|(_, _, f)| {
                let s = String::from_utf8_lossy(f);
                s.ends_with(",\"book-1000\",\"XMR/USD\"]") && s.contains("\"c\":")
            })
            .count() as u64;
        assert_eq!(stats.checksum_mismatches, 1);
        assert_eq!(stats.checksums_ok, 4269 - xmr_updates_after);
        // the withheld message's levels never reached the consumer
        assert!(!evs
            .iter()
            .any(|(j, e)| *j == i && e.kind == Kind::BookLevel as u8));
        break;
    }
}

#[test]
fn v1_frames_are_exact() {
    let mut p = KrakenParser::new(Instruments::new());
    let mut out = Vec::new();
    // real frames (cryptofeed_20210417, crypto_msg_parser_tests)
    let trade = br#"[993,[["354.04000000","0.28245396","1618678150.826417","s","m",""],["353.81000000","1.71754604","1618678150.827816","s","m",""]],"trade","XMR/USD"]"#;
    assert_eq!(p.parse_frame(trade, Nanos(5), &mut out), Ok(Control::Data));
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].side(), Side::Sell, "s: the taker sold");
    assert_eq!(out[0].ts_exchange, 1_618_678_150_826_417_000);
    assert_eq!(out[0].seq, 1_618_678_150_826_417_000);
    assert_eq!(out[1].seq, 1_618_678_150_827_816_001, "time + index");
    assert_eq!((out[0].px_exp, out[0].qty_exp), (-10, -8));
    assert_eq!((out[0].v[0], out[0].v[1]), (3_540_400_000_000, 28_245_396));
    out.clear();
    let spread = br#"[341,["31760.00000","31760.10000","1654031976.197239","0.02167307","6.46761464"],"spread","XBT/USD"]"#;
    p.parse_frame(spread, Nanos(5), &mut out).unwrap();
    let q = out[0];
    assert_eq!(q.kind(), Some(Kind::Quote));
    assert_eq!(q.seq, 1_654_031_976_197_239_000);
    assert_eq!(
        q.v[..4],
        [
            317_600_000_000_000,
            2_167_307,
            317_601_000_000_000,
            646_761_464
        ]
    );
    out.clear();
    let ohlc = br#"[343,["1675209613.118218","1675209660.000000","23135.00000","23135.40000","23135.00000","23135.40000","23135.13297","0.39012812",7],"ohlc-1","XBT/USD"]"#;
    p.parse_frame(ohlc, Nanos(5), &mut out).unwrap();
    let c = out[0];
    assert_eq!(
        (c.kind(), c.aux, c.seq),
        (Some(Kind::Candle), 60, 1_675_209_600_000)
    );
    assert_eq!(c.ts_exchange, 1_675_209_613_118_218_000);
    assert!(!c.has(flags::CLOSED));
    // the next minute closes it
    out.clear();
    let next = br#"[343,["1675209661.000000","1675209720.000000","23135.40000","23136.00000","23135.40000","23136.00000","23135.5","0.1",2],"ohlc-1","XBT/USD"]"#;
    p.parse_frame(next, Nanos(6), &mut out).unwrap();
    assert_eq!(out.len(), 2);
    assert!(out[0].has(flags::CLOSED) && out[0].seq == 1_675_209_600_000);
    assert!(!out[1].has(flags::CLOSED) && out[1].seq == 1_675_209_660_000);
    // the 5-element book update: asks and bids in one message, checksum on the last event
    out.clear();
    let upd = br#"[320,{"a":[["38800.00000","0.02203518","1622766170.577187"]]},{"b":[["38800.00000","0.03017320","1622766170.577304"]],"c":"2479000840"},"book-25","XBT/USD"]"#;
    p.parse_frame(upd, Nanos(7), &mut out).unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!((out[0].side(), out[1].side()), (Side::Sell, Side::Buy));
    assert!(out[0].has(flags::FIRST) && out[1].has(flags::LAST));
    let (pd, qd, cs) = tickwire::event::book_text_parts(out[1].v[4]);
    assert_eq!((pd, qd, cs), (5, 8, Some(2_479_000_840)));
    // events and errors
    for (frame, want) in [
        (&br#"{"event":"heartbeat"}"#[..], Control::Heartbeat),
        (
            br#"{"connectionID":18239578009413566319,"event":"systemStatus","status":"online","version":"1.8.3"}"#,
            Control::Heartbeat,
        ),
        (
            br#"{"event":"systemStatus","status":"maintenance","version":"1.8.3"}"#,
            Control::VenueError {
                code: 0,
                msg: "system status: maintenance".into(),
            },
        ),
        (
            br#"{"channelID":1664,"channelName":"book-1000","event":"subscriptionStatus","pair":"WAVES/EUR","reqid":4,"status":"subscribed","subscription":{"depth":1000,"name":"book"}}"#,
            Control::Ack { id: 4 },
        ),
        (
            br#"{"errorMessage":"Currency pair not in ISO 4217-A3 format FOO","event":"subscriptionStatus","pair":"FOO","status":"error","subscription":{"name":"ticker"}}"#,
            Control::VenueError {
                code: 0,
                msg: "Currency pair not in ISO 4217-A3 format FOO".into(),
            },
        ),
        (br#"{"event":"pong","reqid":42}"#, Control::Heartbeat),
    ] {
        assert_eq!(
            p.parse_frame(frame, Nanos(1), &mut out),
            Ok(want),
            "{}",
            String::from_utf8_lossy(frame)
        );
    }
}

// ---- WebSocket v2: synthetic frames from the documented examples --------------------------

/// docs.kraken.com websocket-v2/book: the BTC/USD snapshot of the checksum guide, whose
/// checksum is 3310070434 (asks `452852` `100000` … as the guide spells out).
const V2_SNAPSHOT: &str = r#"{"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD","bids":[{"price":45283.5,"qty":0.10000000},{"price":45283.4,"qty":1.54582015},{"price":45282.1,"qty":0.10000000},{"price":45281.0,"qty":0.10000000},{"price":45280.3,"qty":1.54592586},{"price":45279.0,"qty":0.07990000},{"price":45277.6,"qty":0.03310103},{"price":45277.5,"qty":0.30000000},{"price":45277.3,"qty":1.54602737},{"price":45276.6,"qty":0.15445238}],"asks":[{"price":45285.2,"qty":0.00100000},{"price":45286.4,"qty":1.54571953},{"price":45286.6,"qty":1.54571109},{"price":45289.6,"qty":1.54560911},{"price":45290.2,"qty":0.15890660},{"price":45291.8,"qty":1.54553491},{"price":45294.7,"qty":0.04454749},{"price":45296.1,"qty":0.35380000},{"price":45297.5,"qty":0.09945542},{"price":45299.5,"qty":0.18772827}],"checksum":3310070434}]}"#;

/// The same book as a venue writing JSON numbers in shortest form would send it (`0.1`,
/// `45281`): the checksum is still the one formatted at the pair's precision.
fn shortest(frame: &str) -> String {
    let mut s = frame.to_string();
    for (a, b) in [
        ("0.10000000", "0.1"),
        ("45281.0,", "45281,"),
        ("45279.0,", "45279,"),
        ("0.07990000", "0.0799"),
        ("0.30000000", "0.3"),
        ("0.00100000", "0.001"),
        ("0.15890660", "0.1589066"),
        ("0.35380000", "0.3538"),
    ] {
        s = s.replace(a, b);
    }
    s
}

fn pipeline_statuses(p: &mut Pipeline, frame: &str) -> Vec<StatusCode> {
    let mut st = Vec::new();
    p.on_frame(
        Venue::Kraken,
        frame.as_bytes(),
        Nanos(1),
        &mut |e: &Event| st.extend(e.status()),
    )
    .expect("frame");
    st
}

#[test]
fn v2_documented_snapshot_checksum_agrees() {
    // SYNTHETIC: the documented example, numbers as documented (full precision)
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    assert_eq!(
        pipeline_statuses(&mut p, V2_SNAPSHOT),
        vec![StatusCode::BookSynced]
    );
    assert_eq!(p.books().stats().checksums_ok, 1);
    let id = p.instruments().find(Venue::Kraken, "BTC/USD").unwrap().id;
    let b = p.books().book(id).unwrap();
    assert_eq!(b.best_bid().unwrap().px, 452_835_000_000_000);
    assert_eq!(b.depth(), (10, 10));

    // SYNTHETIC: shortest-form numbers, precision learned from the digits seen in the message
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    assert_eq!(
        pipeline_statuses(&mut p, &shortest(V2_SNAPSHOT)),
        vec![StatusCode::BookSynced]
    );
    assert_eq!(p.books().stats().checksums_ok, 1);
}

#[test]
fn v2_precision_from_the_instrument_channel() {
    // SYNTHETIC: the instrument snapshot (documented shape) gives BTC/USD price_precision 1,
    // qty_precision 8; a snapshot whose every number lost its trailing zeros still agrees
    let instrument = r#"{"channel":"instrument","type":"snapshot","data":{"assets":[{"id":"BTC","status":"enabled","precision":10,"precision_display":5,"borrowable":true,"collateral_value":1.0,"margin_rate":0.01}],"pairs":[{"symbol":"BTC/USD","base":"BTC","quote":"USD","status":"online","qty_precision":8,"qty_increment":0.00000001,"price_precision":1,"cost_precision":5,"marginable":true,"has_index":true,"cost_min":0.5,"margin_initial":0.2,"position_limit_long":250,"position_limit_short":200,"tick_size":0.1,"price_increment":0.1,"qty_min":0.0001}]}}"#;
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    assert_eq!(
        p.on_frame(Venue::Kraken, instrument.as_bytes(), Nanos(1), &mut |_| {}),
        Ok(Control::Ignored)
    );
    assert_eq!(
        pipeline_statuses(&mut p, &shortest(V2_SNAPSHOT)),
        vec![StatusCode::BookSynced]
    );
    // the pair was interned at the exponents of its precision
    let info = p.instruments().find(Venue::Kraken, "BTC/USD").unwrap();
    assert_eq!((info.px_exp, info.qty_exp), (-1, -8));
    assert_eq!(p.books().stats().checksums_ok, 1);
}

#[test]
fn v2_updates_truncate_to_depth_and_checksums_detect_drift() {
    // SYNTHETIC. Subscribe ack (documented shape) says depth 10.
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let ack = r#"{"method":"subscribe","result":{"channel":"book","depth":10,"snapshot":true,"symbol":"BTC/USD"},"success":true,"time_in":"2023-10-06T17:35:55.219022Z","time_out":"2023-10-06T17:35:55.219067Z","req_id":3}"#;
    assert_eq!(
        p.on_frame(Venue::Kraken, ack.as_bytes(), Nanos(1), &mut |_| {}),
        Ok(Control::Ack { id: 3 })
    );
    assert_eq!(
        pipeline_statuses(&mut p, V2_SNAPSHOT),
        vec![StatusCode::BookSynced]
    );
    // an update inserting a better bid: the 11th bid falls out (no qty 0 is sent for it). The
    // checksum the venue would send is computed here from the documented algorithm over the
    // truncated book.
    let book_after = {
        let mut bids: Vec<(&str, &str)> = vec![
            ("45284.0", "0.50000000"),
            ("45283.5", "0.10000000"),
            ("45283.4", "1.54582015"),
            ("45282.1", "0.10000000"),
            ("45281.0", "0.10000000"),
            ("45280.3", "1.54592586"),
            ("45279.0", "0.07990000"),
            ("45277.6", "0.03310103"),
            ("45277.5", "0.30000000"),
            ("45277.3", "1.54602737"),
        ];
        bids.truncate(10);
        let asks = [
            ("45285.2", "0.00100000"),
            ("45286.4", "1.54571953"),
            ("45286.6", "1.54571109"),
            ("45289.6", "1.54560911"),
            ("45290.2", "0.15890660"),
            ("45291.8", "1.54553491"),
            ("45294.7", "0.04454749"),
            ("45296.1", "0.35380000"),
            ("45297.5", "0.09945542"),
            ("45299.5", "0.18772827"),
        ];
        let digits = |s: &str| s.replace('.', "").trim_start_matches('0').to_string();
        let mut text = String::new();
        for (px, q) in asks.iter().chain(bids.iter()) {
            text.push_str(&digits(px));
            text.push_str(&digits(q));
        }
        crc32(text.as_bytes())
    };
    let update = format!(
        r#"{{"channel":"book","type":"update","data":[{{"symbol":"BTC/USD","bids":[{{"price":45284.0,"qty":0.5}}],"asks":[],"checksum":{book_after},"timestamp":"2023-10-06T17:35:55.440295Z"}}]}}"#
    );
    assert!(pipeline_statuses(&mut p, &update).is_empty());
    assert_eq!(p.books().stats().checksums_ok, 2);
    let id = p.instruments().find(Venue::Kraken, "BTC/USD").unwrap().id;
    assert_eq!(
        p.books().book(id).unwrap().depth(),
        (10, 10),
        "truncated to depth"
    );
    // a wrong checksum: mismatch, resync of this book
    let bad = update.replace(&book_after.to_string(), "12345");
    assert_eq!(
        pipeline_statuses(&mut p, &bad),
        vec![StatusCode::ChecksumMismatch, StatusCode::Resync]
    );
    assert!(p.books().book(id).is_none());
}

/// CRC32 (IEEE), bitwise: an independent implementation for the tests.
fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xedb8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

#[test]
fn the_documented_checksum_string_is_what_the_rule_hashes() {
    // the guide's asks string for the snapshot above, then the bids
    let asks = "45285210000045286415457195345286615457110945289615456091145290215890660452918154553491452947445474945296135380000452975994554245299518772827";
    // the bids derived the same way: price and qty digits without '.' or leading zeros
    let bids = "452835100000004528341545820154528211000000045281010000000452803154592586452790799000045277633101034527753000000045277315460273745276615445238";
    assert_eq!(crc32(format!("{asks}{bids}").as_bytes()), 3_310_070_434);
}

#[test]
fn v2_trades_tickers_candles_and_control() {
    // SYNTHETIC, documented examples (docs.kraken.com websocket-v2 trade / ticker / ohlc)
    let mut p = KrakenParser::new(Instruments::new());
    let mut out = Vec::new();
    let trade = br#"{"channel":"trade","type":"update","data":[{"symbol":"MATIC/USD","side":"sell","price":0.5117,"qty":40.0,"ord_type":"market","trade_id":4665906,"timestamp":"2023-09-25T07:49:37.708706Z"}]}"#;
    assert_eq!(p.parse_frame(trade, Nanos(1), &mut out), Ok(Control::Data));
    let t = out[0];
    assert_eq!((t.seq, t.side()), (4665906, Side::Sell));
    assert_eq!((t.v[0], t.v[1]), (5_117_000_000, 4_000_000_000));
    assert_eq!(t.ts_exchange, 1_695_628_177_708_706_000);
    out.clear();
    let ticker = br#"{"channel":"ticker","type":"update","data":[{"symbol":"ALGO/USD","bid":0.10025,"bid_qty":740.0,"ask":0.10036,"ask_qty":1361.44813783,"last":0.10035,"volume":997038.98383185,"vwap":0.10148,"low":0.09979,"high":0.10285,"change":-0.00017,"change_pct":-0.17,"timestamp":"2023-09-25T09:04:31.742648Z"}]}"#;
    p.parse_frame(ticker, Nanos(1), &mut out).unwrap();
    let q = out[0];
    assert_eq!(q.kind(), Some(Kind::Quote));
    assert_eq!(
        q.v[..4],
        [
            1_002_500_000,
            74_000_000_000,
            1_003_600_000,
            136_144_813_783
        ]
    );
    out.clear();
    let ohlc = br#"{"channel":"ohlc","type":"update","timestamp":"2023-10-04T16:26:30.524394914Z","data":[{"symbol":"MATIC/USD","open":0.5624,"high":0.5628,"low":0.5622,"close":0.5627,"trades":12,"volume":30927.68066226,"vwap":0.5626,"interval_begin":"2023-10-04T16:25:00.000000000Z","interval":5,"timestamp":"2023-10-04T16:30:00.000000Z"}]}"#;
    p.parse_frame(ohlc, Nanos(1), &mut out).unwrap();
    let c = out[0];
    assert_eq!((c.aux, c.seq), (300, 1_696_436_700_000));
    assert_eq!(c.v[4], 3_092_768_066_226);
    for (frame, want) in [
        (&br#"{"channel":"heartbeat"}"#[..], Control::Heartbeat),
        (
            br#"{"channel":"status","data":[{"api_version":"v2","connection_id":12393906104898154338,"system":"online","version":"2.0.0"}],"type":"update"}"#,
            Control::Heartbeat,
        ),
        (
            br#"{"method":"pong","req_id":101,"time_in":"2023-09-24T14:10:23.799685Z","time_out":"2023-09-24T14:10:23.799703Z"}"#,
            Control::Heartbeat,
        ),
        (
            br#"{"error":"Currency pair not supported","method":"subscribe","req_id":9,"success":false,"symbol":"FOO/USD","time_in":"2023-09-25T09:04:31.742599Z","time_out":"2023-09-25T09:04:31.742648Z"}"#,
            Control::VenueError {
                code: 0,
                msg: "Currency pair not supported".into(),
            },
        ),
        (
            br#"{"method":"subscribe","result":{"channel":"ticker","snapshot":true,"symbol":"BTC/USD"},"success":true,"time_in":"2023-09-25T09:04:31.742599Z","time_out":"2023-09-25T09:04:31.742648Z","req_id":1}"#,
            Control::Ack { id: 1 },
        ),
    ] {
        assert_eq!(
            p.parse_frame(frame, Nanos(1), &mut out),
            Ok(want),
            "{}",
            String::from_utf8_lossy(frame)
        );
    }
}

#[test]
fn rest_bodies_are_read() {
    let mut p = KrakenParser::new(Instruments::new());
    let mut out = Vec::new();
    // crypto-msg-parser's spot Depth sample: the pair name is guessed without AssetPairs
    let depth = br#"{"error":[],"result":{"XXBTZUSD":{"asks":[["29727.10000","0.420",1654302625],["29728.30000","5.047",1654302622]],"bids":[["29727.00000","3.127",1654302625]]}}}"#;
    assert_eq!(
        p.parse_rest(depth, None, Nanos(1), &mut out),
        Ok(Control::Data)
    );
    assert_eq!(out.len(), 3);
    assert!(out.iter().all(|e| e.has(flags::SNAPSHOT)));
    assert_eq!(
        p.checksum_digits("XBT/USD"),
        None,
        "the REST book named XXBTZUSD is XBT/USD; no v2 precision recorded"
    );
    // Trades and OHLC (documented shapes) with the request's symbol
    out.clear();
    let trades = br#"{"error":[],"result":{"XXBTZUSD":[["30243.40000","0.34507674",1688669597.8277369,"b","m","",59946592],["30243.30000","0.00100000",1688669599.5141211,"s","l","",59946593]],"last":"1688669599514121077"}}"#;
    assert_eq!(
        p.parse_rest(trades, Some("XBT/USD"), Nanos(1), &mut out),
        Ok(Control::Data)
    );
    assert_eq!(out.len(), 2);
    assert_eq!((out[0].seq, out[0].side()), (59946592, Side::Buy));
    assert_eq!(out[0].ts_exchange, 1_688_669_597_827_736_900);
    out.clear();
    let ohlc = br#"{"error":[],"result":{"XXBTZUSD":[[1688671200,"30306.1","30306.2","30305.7","30305.7","30306.1","3.39243896",23],[1688671260,"30304.5","30304.5","30300.0","30300.3","30301.2","4.42996871",18]],"last":1688672160}}"#;
    assert_eq!(
        p.parse_rest(
            ohlc,
            Some("XBT/USD"),
            Nanos(1_688_671_300_000_000_000),
            &mut out
        ),
        Ok(Control::Data)
    );
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].aux, 60);
    assert!(out[0].has(flags::CLOSED) && !out[1].has(flags::CLOSED));
    let err = br#"{"error":["EQuery:Unknown asset pair"]}"#;
    assert_eq!(
        p.parse_rest(err, None, Nanos(1), &mut out),
        Ok(Control::VenueError {
            code: 0,
            msg: "EQuery:Unknown asset pair".into()
        })
    );
}

#[test]
fn truncations_and_corruptions_of_real_frames_never_panic() {
    let mut samples: Vec<Vec<u8>> = Vec::new();
    for f in [SESSION, "kraken/crypto_msg_parser_tests.tsv"] {
        let mut r = Reader::open(fixture(f)).expect("fixture");
        let mut seen = std::collections::HashSet::new();
        while let Some(fr) = r.next_frame().expect("read") {
            if fr.kind != FrameKind::ClientSent
                && fr.payload.len() < 3000
                && seen.insert((fr.meta.to_string(), fr.payload.len() / 200))
            {
                samples.push(fr.payload.to_vec());
            }
        }
    }
    samples.push(V2_SNAPSHOT.as_bytes().to_vec());
    assert!(samples.len() >= 15);
    let mut p = KrakenParser::new(Instruments::new());
    let mut out = Vec::new();
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
    let mut errors = 0;
    for s in &samples {
        for cut in 0..s.len() {
            out.clear();
            if p.parse_frame(&s[..cut], Nanos(1), &mut out).is_err() {
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
    assert!(errors > 2000, "{errors}");
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(p.parse_frame(deep.as_bytes(), Nanos(1), &mut out).is_err());
    for bad in [
        &b""[..],
        b"null",
        b"[]",
        b"[1,2,3]",
        b"[1,{},\"book-x\",\"X/Y\"]",
        b"[1,{\"as\":[],\"a\":[]},\"book-10\",\"X/Y\"]",
        b"{}",
        b"\xff",
    ] {
        out.clear();
        assert!(p.parse_frame(bad, Nanos(1), &mut out).is_err() || out.is_empty());
    }
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

/// The whole capture through parser, books (checksums) and dedupe twice: the second pass (its
/// WebSocket frames: snapshots again, 4,269 checksummed updates, trades, quotes, heartbeats)
/// allocates nothing.
#[test]
fn steady_state_allocates_nothing() {
    let mut frames: Vec<(FrameKind, Nanos, Vec<u8>)> = Vec::new();
    let mut r = Reader::open(session()).expect("fixture");
    while let Some(f) = r.next_frame().expect("read") {
        frames.push((f.kind, f.ts_recv, f.payload.to_vec()));
    }
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let mut n = 0u64;
    for pass in 0..2 {
        let before = alloc::count();
        for (kind, ts, f) in &frames {
            match kind {
                FrameKind::WsText => {
                    let _ = p.on_frame(Venue::Kraken, f, *ts, &mut |_| n += 1);
                }
                FrameKind::Rest if pass == 0 => {
                    let _ = p.on_rest(Venue::Kraken, f, None, *ts, &mut |_| n += 1);
                }
                _ => {}
            }
        }
        if pass == 1 {
            assert_eq!(alloc::count() - before, 0, "allocations in steady state");
        }
    }
    assert!(n > 20_000);
    assert_eq!(p.books().stats().checksums_ok, 2 * 4269);
}

/// The fast paths give exactly what the general path gives, on every Kraken frame of the
/// fixtures and the corpus (and on corrupted variants), and they do read the hot frames.
#[test]
fn fast_paths_agree_with_the_general_path_on_every_frame() {
    let roots: Vec<PathBuf> = shared_corpus().into_iter().chain([fixture("")]).collect();
    let (mut hot, mut hits) = (0u64, 0u64);
    let mut rng = 0x1234_5678_9abc_def1u64;
    for root in roots {
        for path in sessions(&root) {
            let mut fast = KrakenParser::new(Instruments::new());
            let mut slow = KrakenParser::new(Instruments::new());
            slow.set_fast_paths(false);
            let mut reader = Reader::open(&path).expect("open");
            let (mut a, mut b) = (Vec::new(), Vec::new());
            while let Some(f) = reader.next_frame().expect("read") {
                if f.kind == FrameKind::Rest {
                    // metadata presets exponents in both
                    let _ = fast.parse_rest(f.payload, None, f.ts_recv, &mut a);
                    let _ = slow.parse_rest(f.payload, None, f.ts_recv, &mut b);
                    continue;
                }
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
                let s = f.payload;
                let update = s.starts_with(b"[") && !s.windows(5).any(|w| w == b"{\"as\"");
                if (f.meta == "book" || f.meta == "trade") && update {
                    hot += 1;
                    assert!(took, "the fast path missed a hot frame");
                }
            }
            assert_eq!(slow.fast_hits(), 0);
        }
    }
    assert!(
        hits >= hot && hot > 4000,
        "fast paths read {hits} frames, {hot} hot ones"
    );
}
