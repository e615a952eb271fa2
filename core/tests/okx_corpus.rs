//! OKX v5 against real captures (the project's fixtures always, every OKX session of
//! `../shared/corpus` when it is beside the project), and against OKX's documented examples
//! for what no capture holds (`seqId`/`prevSeqId`, `bbo-tbt`/`books5` with `seqId`, `trades`
//! with `count`, candles with `confirm`, error frames): those tests say **synthetic**.

mod common;

use common::{fixture, label_counts, replay, shared_corpus};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tickwire::event::{book_text_parts, flags, Event, Kind, Nanos, Side, StatusCode, Venue};
use tickwire::instrument::Instruments;
use tickwire::pipeline::{Pipeline, PipelineConfig};
use tickwire::record::{FrameKind, Reader};
use tickwire::venue::okx::OkxParser;
use tickwire::venue::{Control, FrameParser, ParseError};

/// What one frame became: `trade`, `trade_agg`, `quote`, `snapshot`, `diff`, `top_n`,
/// `candle`, `candle+closed`, `ack`, `venue_error`, `heartbeat`, `shutdown`,
/// `ignored: <reason>`, `malformed`, `out_of_range`.
fn category(r: &Result<Control, ParseError>, out: &[Event], reason: &str) -> String {
    let all = |k: Kind| !out.is_empty() && out.iter().all(|e| e.kind == k as u8);
    match r {
        Err(ParseError::Malformed(_)) => "malformed".into(),
        Err(_) => "out_of_range".into(),
        Ok(Control::Data) if all(Kind::Trade) => {
            if out.iter().any(|e| e.has(flags::AGGREGATED)) {
                "trade_agg".into()
            } else {
                "trade".into()
            }
        }
        Ok(Control::Data) if all(Kind::Quote) => "quote".into(),
        Ok(Control::Data) if all(Kind::Candle) => {
            if out.iter().any(|e| e.has(flags::CLOSED)) {
                "candle+closed".into()
            } else {
                "candle".into()
            }
        }
        Ok(Control::Data) if all(Kind::BookLevel) => {
            let bracketed = out[0].has(flags::FIRST) && out[out.len() - 1].has(flags::LAST);
            assert!(bracketed, "book events without FIRST..LAST");
            if out.iter().all(|e| e.has(flags::SNAPSHOT | flags::TOP_N)) {
                "top_n".into()
            } else if out.iter().all(|e| e.has(flags::SNAPSHOT)) {
                "snapshot".into()
            } else if out.iter().all(|e| !e.has(flags::SNAPSHOT)) {
                "diff".into()
            } else {
                "mixed".into()
            }
        }
        Ok(Control::Data) => format!("data of {} events", out.len()),
        Ok(Control::Ack { .. }) => "ack".into(),
        Ok(Control::VenueError { .. }) => "venue_error".into(),
        Ok(Control::Heartbeat) => "heartbeat".into(),
        Ok(Control::ServerShutdown) => "shutdown".into(),
        Ok(Control::Ignored) => format!("ignored: {reason}"),
        Ok(other) => format!("{other:?}"),
    }
}

/// Every row of a session through one fresh parser: (label, category) → rows.
fn classify(path: &Path) -> BTreeMap<(String, String), usize> {
    let mut p = OkxParser::new(Instruments::new());
    let mut reader = Reader::open(path).expect("open");
    let mut m = BTreeMap::new();
    while let Some(f) = reader.next_frame().expect("read") {
        if f.kind == FrameKind::ClientSent {
            continue;
        }
        let mut out = Vec::new();
        let r = if f.kind == FrameKind::Rest {
            p.parse_rest(f.payload, None, Nanos(1), &mut out)
        } else {
            p.parse_frame(f.payload, Nanos(1), &mut out)
        };
        let c = category(&r, &out, p.ignored_reason());
        *m.entry((f.meta.to_string(), c)).or_insert(0) += 1;
    }
    // every label of the file is accounted for
    let mut per_label: BTreeMap<String, usize> = BTreeMap::new();
    for ((l, _), n) in &m {
        *per_label.entry(l.clone()).or_insert(0) += n;
    }
    let mut labels = label_counts(path);
    labels.remove("client_sent");
    assert_eq!(
        per_label,
        labels.into_iter().collect(),
        "{}",
        path.display()
    );
    m
}

fn table(rows: &[(&str, &str, usize)]) -> BTreeMap<(String, String), usize> {
    rows.iter()
        .map(|(l, c, n)| ((l.to_string(), c.to_string()), *n))
        .collect()
}

const V3: &str = "ignored: OKEx v3 API frame (`table`): this parser reads the v5 API";
const META: &str = "ignored: instrument metadata (exponents preset)";
const OTHER_CHANNEL: &str =
    "ignored: channel not handled (funding rate, open interest, mark price, …)";
const NOT_V5: &str = "ignored: not an OKX v5 data or control frame";

fn expected_session(instrument_rows: usize) -> BTreeMap<(String, String), usize> {
    table(&[
        ("books", "snapshot", 3),
        ("books", "diff", 287),
        ("rest_instruments", META, instrument_rows),
        ("subscribe_ack", "ack", 18),
        ("tickers", "quote", 28),
        ("trades", "trade", 74),
    ])
}

fn expected_single_frames() -> BTreeMap<(String, String), usize> {
    table(&[
        ("bbo", "quote", 6),
        ("candlestick", "candle", 6),
        ("funding_rate", OTHER_CHANNEL, 2),
        ("l2_event", "snapshot", 4),
        ("l2_event", "diff", 1),
        ("l2_topk", "top_n", 6),
        // `l2_topk::spot_2` is a v3 `spot/depth5` frame filed among the v5 ones
        ("l2_topk", V3, 1),
        // open interest REST bodies, labelled as frames
        ("open_interest", NOT_V5, 6),
        ("rest_depth_snapshot", "snapshot", 6),
        ("ticker", "quote", 6),
        ("trade", "trade", 6),
    ])
}

fn expected_v3() -> BTreeMap<(String, String), usize> {
    table(&[
        ("candlestick", V3, 1),
        ("funding_rate", V3, 2),
        ("l2_event", V3, 5),
        ("l2_topk", V3, 1),
        ("trade", V3, 7),
    ])
}

#[test]
fn every_fixture_frame_is_parsed_or_classified() {
    assert_eq!(
        classify(&fixture("okx/cryptofeed_20220513_ws_3instr.tsv")),
        expected_session(3)
    );
    assert_eq!(
        classify(&fixture("okx/crypto_msg_parser_tests.tsv")),
        expected_single_frames()
    );
    assert_eq!(
        classify(&fixture("okx/crypto_msg_parser_tests_okex_v3.tsv")),
        expected_v3()
    );
}

#[test]
fn every_corpus_frame_is_parsed_or_classified() {
    let Some(root) = shared_corpus() else {
        eprintln!("skipped: ../shared/corpus not found");
        return;
    };
    let mut sessions: Vec<PathBuf> = std::fs::read_dir(root.join("okx"))
        .expect("okx dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "tsv"))
        .collect();
    sessions.sort();
    let names: Vec<String> = sessions
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "crypto_msg_parser_tests.tsv",
            "crypto_msg_parser_tests_okex_v3.tsv",
            "cryptofeed_20220513.tsv"
        ],
        "a new OKX session: classify it here"
    );
    assert_eq!(classify(&sessions[0]), expected_single_frames());
    assert_eq!(classify(&sessions[1]), expected_v3());
    assert_eq!(classify(&sessions[2]), expected_session(25));
}

/// Books rebuilt through the replay: every checksum agrees, no gap, never crossed, every
/// snapshot used. Returns (checksums verified, tops).
fn check_books(files: &[PathBuf]) -> (u64, usize) {
    let o = replay(Venue::Okx, files);
    let books = o.replay.pipeline().books();
    let s = books.stats();
    assert_eq!(s.checksum_mismatches, 0, "{files:?}: {s:?}");
    assert_eq!(s.gaps, 0, "{files:?}: {s:?}");
    assert_eq!(s.crossed, 0, "{files:?}: {s:?}");
    assert_eq!(s.unusable_snapshots, 0, "{files:?}: {s:?}");
    assert!(books.never_synced().is_empty(), "{files:?}");
    for t in &o.tops {
        if let (Some(b), Some(a)) = (t.bid, t.ask) {
            assert!(b.px < a.px, "crossed top {t:?}");
        }
    }
    // every book message carried a checksum, and every one was checked
    let messages = o
        .events
        .iter()
        .filter(|e| e.kind == Kind::BookLevel as u8 && e.has(flags::LAST))
        .count() as u64;
    assert_eq!(s.checksums_ok, messages, "{files:?}");
    assert!(o
        .events
        .iter()
        .all(|e| e.status() != Some(StatusCode::Malformed)));
    (s.checksums_ok, o.tops.len())
}

#[test]
fn fixture_books_agree_with_every_checksum() {
    let (checked, tops) = check_books(&[fixture("okx/cryptofeed_20220513_ws_3instr.tsv")]);
    assert_eq!(checked, 290);
    assert_eq!(tops, 290);
}

#[test]
fn corpus_books_agree_with_every_checksum() {
    let Some(root) = shared_corpus() else {
        eprintln!("skipped: ../shared/corpus not found");
        return;
    };
    let (checked, _) = check_books(&[root.join("okx/cryptofeed_20220513.tsv")]);
    eprintln!("okx/cryptofeed_20220513: {checked}/290 checksums agree");
    assert_eq!(checked, 290);
}

/// Exponents come from `/public/instruments` (tickSz / lotSz digits + 2) when it came first;
/// values are exact either way.
#[test]
fn instrument_metadata_presets_exponents_and_values_are_exact() {
    let o = replay(
        Venue::Okx,
        &[fixture("okx/cryptofeed_20220513_ws_3instr.tsv")],
    );
    let t = o.replay.instruments();
    let exps = |s: &str| {
        let i = t.find(Venue::Okx, s).expect(s);
        (i.px_exp, i.qty_exp, i.unified)
    };
    // BTC-USDT: tickSz 0.1, lotSz 0.00000001; UNI-USD-SWAP: 0.001 / 1; BTC-USD-220527: 0.1 / 1
    assert_eq!(exps("BTC-USDT"), (-3, -10, "BTC-USDT".to_string()));
    assert_eq!(exps("UNI-USD-SWAP"), (-5, -2, "UNI-USD-PERP".to_string()));
    assert_eq!(
        exps("BTC-USD-220527"),
        (-3, -2, "BTC-USD-20220527".to_string())
    );
    // the first trade: {"instId":"BTC-USD-220527","tradeId":"7849","px":"30218.8","sz":"1","side":"buy","ts":"1652459199958"}
    let tr = o
        .events
        .iter()
        .find(|e| e.kind == Kind::Trade as u8)
        .unwrap();
    assert_eq!(tr.seq, 7849);
    assert_eq!((tr.v[0], tr.v[1]), (30_218_800, 100));
    assert_eq!(tr.side(), Side::Buy);
    assert_eq!(tr.ts_exchange, 1_652_459_199_958_000_000);
    // the first ticker of UNI-USD-SWAP: bid 5.134 x 96, ask 5.142 x 25
    let uni = t.find(Venue::Okx, "UNI-USD-SWAP").unwrap().id;
    let q = o
        .events
        .iter()
        .find(|e| e.kind == Kind::Quote as u8 && e.instrument() == uni)
        .unwrap();
    assert_eq!(q.v[..4], [513_400, 9_600, 514_200, 2_500]);
    assert_eq!(q.seq, 1_652_459_223_143);
    // without metadata: the defaults (-8, -8)
    let mut p = OkxParser::new(Instruments::new());
    let mut out = Vec::new();
    p.parse_frame(
        br#"{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"314161276","px":"43474.1","sz":"0.00373695","side":"sell","ts":"1646311839593"}]}"#,
        Nanos(5),
        &mut out,
    )
    .unwrap();
    assert_eq!(
        (out[0].v[0], out[0].v[1], out[0].px_exp, out[0].side()),
        (4_347_410_000_000, 373_695, -8, Side::Sell)
    );
}

/// One size changed in one real delta: the checksum catches it, and only that instrument
/// resyncs; the other books stay live.
#[test]
fn a_tampered_delta_is_a_checksum_mismatch_for_that_instrument_alone() {
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let mut r = Reader::open(fixture("okx/cryptofeed_20220513_ws_3instr.tsv")).unwrap();
    let mut events = Vec::new();
    let mut tampered = false;
    while let Some(f) = r.next_frame().unwrap() {
        let mut payload = f.payload.to_vec();
        if !tampered
            && f.meta == "books"
            && payload.windows(7).any(|w| w == b"update\"")
            && payload.windows(10).any(|w| w == b"\"BTC-USDT\"")
        {
            tamper_first_bid_size(&mut payload);
            tampered = true;
        }
        match f.kind {
            FrameKind::Rest => {
                let _ = p.on_rest(Venue::Okx, &payload, None, f.ts_recv, &mut |e| {
                    events.push(*e)
                });
            }
            FrameKind::WsText => {
                let _ = p.on_frame(Venue::Okx, &payload, f.ts_recv, &mut |e| events.push(*e));
            }
            _ => {}
        }
    }
    assert!(tampered);
    let t = p.instruments().clone();
    let id = |s: &str| t.find(Venue::Okx, s).unwrap().id;
    let mismatches: Vec<&Event> = events
        .iter()
        .filter(|e| e.status() == Some(StatusCode::ChecksumMismatch))
        .collect();
    assert_eq!(mismatches.len(), 1);
    assert_eq!(mismatches[0].instrument(), id("BTC-USDT"));
    assert!(events
        .iter()
        .any(|e| e.status() == Some(StatusCode::Resync) && e.instrument() == id("BTC-USDT")));
    let books = p.books();
    assert!(
        books.book(id("BTC-USDT")).is_none(),
        "waits for a new snapshot"
    );
    assert!(books.book(id("UNI-USD-SWAP")).is_some());
    assert!(books.book(id("BTC-USD-220527")).is_some());
    assert_eq!(
        books.stats().checksums_ok,
        290 - 1 - (books.stats().buffered)
    );
}

/// Bumps the last digit of the first bid's size in a book frame.
fn tamper_first_bid_size(frame: &mut [u8]) {
    let at = frame
        .windows(9)
        .position(|w| w == b"\"bids\":[[")
        .expect("bids")
        + 9;
    // ["px","sz",…: skip the price string, then find the size's closing quote
    let px_end = at + 1 + frame[at + 1..].iter().position(|c| *c == b'"').unwrap();
    let sz_start = px_end + 3;
    let sz_end = sz_start + frame[sz_start..].iter().position(|c| *c == b'"').unwrap();
    let d = &mut frame[sz_end - 1];
    *d = if *d == b'9' { b'8' } else { *d + 1 };
}

// ---------------------------------------------------------------------------------------------
// Synthetic: OKX's documented frames (docs-v5 "Order book channel", "Trades channel",
// "Candlesticks channel", the error example), since no capture holds them.
// ---------------------------------------------------------------------------------------------

fn book_frame(action: &str, bids: &str, asks: &str, cs: i32, prev: i64, seq: i64) -> String {
    format!(
        r#"{{"arg":{{"channel":"books","instId":"BTC-USDT"}},"action":"{action}","data":[{{"asks":[{asks}],"bids":[{bids}],"ts":"1597026383085","checksum":{cs},"prevSeqId":{prev},"seqId":{seq}}}]}}"#
    )
}

fn crc(s: &str) -> i32 {
    crc32fast::hash(s.as_bytes()) as i32
}

fn run(p: &mut Pipeline, frames: &[String]) -> Vec<Event> {
    let mut ev = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        p.on_frame(Venue::Okx, f.as_bytes(), Nanos(i as i64 + 1), &mut |e| {
            ev.push(*e)
        })
        .unwrap_or_else(|e| panic!("frame {i}: {e}"));
    }
    ev
}

fn statuses(ev: &[Event]) -> Vec<StatusCode> {
    ev.iter().filter_map(Event::status).collect()
}

/// Synthetic (OKX's "Sequence ID" example): snapshot prev −1 / seq 10, update 10→15, "no
/// change" 15→15 with empty sides, reset 15→3 after maintenance, update 3→5, each with its
/// true checksum; then 7→9 after a lost message is a gap and a resync of that book alone.
#[test]
fn synthetic_seq_id_chain_no_change_reset_and_gap() {
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let lv = |px: &str, sz: &str| format!(r#"["{px}","{sz}","0","1"]"#);
    let frames = vec![
        book_frame(
            "snapshot",
            &lv("8476.97", "256"),
            &lv("8476.98", "415"),
            crc("8476.97:256:8476.98:415"),
            -1,
            10,
        ),
        book_frame(
            "update",
            &lv("8476.5", "1.50"),
            "",
            crc("8476.97:256:8476.98:415:8476.5:1.50"),
            10,
            15,
        ),
        // no change: asks [], bids [], seqId == prevSeqId; checksum of the unchanged book
        book_frame(
            "update",
            "",
            "",
            crc("8476.97:256:8476.98:415:8476.5:1.50"),
            15,
            15,
        ),
        // reset after maintenance: seqId < prevSeqId
        book_frame(
            "update",
            &lv("8476.97", "0"),
            "",
            crc("8476.5:1.50:8476.98:415"),
            15,
            3,
        ),
        book_frame(
            "update",
            "",
            &lv("8477", "7"),
            crc("8476.5:1.50:8476.98:415:8477:7"),
            3,
            5,
        ),
    ];
    let ev = run(&mut p, &frames);
    assert_eq!(statuses(&ev), vec![StatusCode::BookSynced]);
    assert_eq!(p.books().stats().checksums_ok, 5);
    let id = p.instruments().find(Venue::Okx, "BTC-USDT").unwrap().id;
    let book = p.books().book(id).unwrap();
    assert_eq!(book.seq, 5);
    assert_eq!(book.depth(), (1, 2));
    // what the parser put in the events: seq = seqId, v[2] = v[3] = prevSeqId; the snapshot
    // has v[3] = 400 (the depth `books` keeps) and the checksum rides on LAST
    let firsts: Vec<(u64, i64, i64)> = ev
        .iter()
        .filter(|e| e.kind == Kind::BookLevel as u8 && e.has(flags::FIRST))
        .map(|e| (e.seq, e.v[2], e.v[3]))
        .collect();
    assert_eq!(
        firsts,
        vec![
            (10, -1, 400),
            (15, 10, 10),
            (15, 15, 15),
            (3, 15, 15),
            (5, 3, 3)
        ]
    );
    let no_change: Vec<&Event> = ev
        .iter()
        .filter(|e| e.has(flags::NO_LEVEL) && e.seq == 15 && e.v[2] == 15)
        .collect();
    assert_eq!(no_change.len(), 1, "an empty update is one NO_LEVEL event");
    assert!(book_text_parts(no_change[0].v[4]).2.is_some());
    // a message lost (5→7): 7→9 does not chain onto 5
    let ev = run(
        &mut p,
        &[book_frame("update", "", &lv("8478", "1"), 0, 7, 9)],
    );
    assert_eq!(statuses(&ev), vec![StatusCode::Gap, StatusCode::Resync]);
    let gap = ev
        .iter()
        .find(|e| e.status() == Some(StatusCode::Gap))
        .unwrap();
    assert_eq!((gap.v[1], gap.v[2]), (5, 7));
    assert!(p.books().book(id).is_none());
    assert_eq!(p.books_mut().take_resync_requests().last(), Some(&id));
}

/// Synthetic: from 2026-06-23 OKX sends `checksum: 0`; the book then rests on the sequence
/// alone (a wrong book is not flagged by a checksum that says nothing).
#[test]
fn synthetic_zero_checksum_means_sequence_only() {
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let frames = vec![
        book_frame(
            "snapshot",
            r#"["100","1","0","1"]"#,
            r#"["101","1","0","1"]"#,
            0,
            -1,
            1,
        ),
        book_frame("update", r#"["100","2","0","1"]"#, "", 0, 1, 2),
    ];
    let ev = run(&mut p, &frames);
    assert_eq!(statuses(&ev), vec![StatusCode::BookSynced]);
    assert_eq!(p.books().stats().checksums_ok, 0);
    assert_eq!(p.books().stats().checksum_mismatches, 0);
    let last = ev
        .iter()
        .rev()
        .find(|e| e.kind == Kind::BookLevel as u8)
        .unwrap();
    assert_eq!(book_text_parts(last.v[4]).2, None, "0 is not attached");
}

/// Synthetic: OKX's REST-seeded procedure: WebSocket diffs buffered, then
/// `GET /api/v5/market/books?instId=…&sz=400` (with `seqId`) bridges them.
#[test]
fn synthetic_rest_snapshot_seeds_the_book() {
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let frames = vec![
        book_frame("update", r#"["99","1","0","1"]"#, "", 0, 100, 104),
        book_frame("update", r#"["98","1","0","1"]"#, "", 0, 104, 108),
    ];
    let ev = run(&mut p, &frames);
    assert_eq!(statuses(&ev), vec![StatusCode::Resync]);
    let rest = br#"{"code":"0","msg":"","data":[{"asks":[["101","5","0","2"]],"bids":[["100","3","0","1"]],"ts":"1597026383085","seqId":106}]}"#;
    let mut ev = Vec::new();
    p.on_rest(Venue::Okx, rest, Some("BTC-USDT"), Nanos(9), &mut |e| {
        ev.push(*e)
    })
    .unwrap();
    assert_eq!(statuses(&ev), vec![StatusCode::BookSynced]);
    let id = p.instruments().find(Venue::Okx, "BTC-USDT").unwrap().id;
    let book = p.books().book(id).unwrap();
    assert_eq!(book.seq, 108);
    assert_eq!(
        book.depth(),
        (2, 1),
        "99 predates the snapshot, 98 bridges it"
    );
    // a REST error body
    let mut parser = OkxParser::new(Instruments::new());
    let r = parser.parse_rest(
        br#"{"code":"51001","msg":"Instrument ID does not exist","data":[]}"#,
        Some("NOPE"),
        Nanos(1),
        &mut Vec::new(),
    );
    assert_eq!(
        r,
        Ok(Control::VenueError {
            code: 51001,
            msg: "Instrument ID does not exist".into()
        })
    );
}

/// Synthetic (documented REST responses): `/api/v5/market/trades` and `/market/candles`
/// (newest first, `confirm` last; the interval comes from the rows' spacing).
#[test]
fn synthetic_rest_trades_and_candles() {
    let mut p = OkxParser::new(Instruments::new());
    let mut out = Vec::new();
    let trades = br#"{"code":"0","msg":"","data":[{"instId":"BTC-USDT","side":"sell","sz":"0.00001","px":"29963.2","tradeId":"242720720","ts":"1654161646974"},{"instId":"BTC-USDT","side":"buy","sz":"0.1","px":"29963.3","tradeId":"242720719","ts":"1654161641568"}]}"#;
    assert_eq!(
        p.parse_rest(trades, Some("BTC-USDT"), Nanos(1), &mut out),
        Ok(Control::Data)
    );
    assert_eq!(
        out.iter().map(|e| (e.seq, e.side())).collect::<Vec<_>>(),
        vec![(242_720_720, Side::Sell), (242_720_719, Side::Buy)]
    );
    out.clear();
    let candles = br#"{"code":"0","msg":"","data":[["1597026443085","3.731","3.799","3.494","3.72","24912403","67632347.24399722","37632347.24399722","0"],["1597026383085","3.721","3.743","3.677","3.708","8422410","22698348.04828491","12698348.04828491","1"]]}"#;
    assert_eq!(
        p.parse_rest(candles, Some("BTC-USDT"), Nanos(1), &mut out),
        Ok(Control::Data)
    );
    assert_eq!(
        out.iter()
            .map(|e| (e.seq, e.aux, e.has(flags::CLOSED)))
            .collect::<Vec<_>>(),
        vec![
            (1_597_026_443_085, 60, false),
            (1_597_026_383_085, 60, true)
        ]
    );
    // candles need the request's symbol
    assert!(p
        .parse_rest(candles, None, Nanos(1), &mut Vec::new())
        .is_err());
}

/// Synthetic: `bbo-tbt` and `books5` with `seqId` (documented push examples), `trades` with
/// `count` (tradeId 123, count 3 = ids 121..=123), `trades-all`, candles with `confirm`.
#[test]
fn synthetic_bbo_books5_trades_and_candles() {
    let mut p = OkxParser::new(Instruments::new());
    let mut out = Vec::new();
    let bbo = br#"{"arg":{"channel":"bbo-tbt","instId":"BCH-USDT-SWAP"},"data":[{"asks":[["111.06","55154","0","2"]],"bids":[["111.05","57745","0","2"]],"ts":"1670324386802","seqId":363996337}]}"#;
    assert_eq!(p.parse_frame(bbo, Nanos(1), &mut out), Ok(Control::Data));
    assert_eq!(out.len(), 1);
    let q = out[0];
    assert_eq!(q.kind, Kind::Quote as u8);
    assert_eq!(q.seq, 363_996_337);
    let m = |s: &str| tickwire::decimal::parse(s.as_bytes(), -8).unwrap();
    assert_eq!(q.v[..4], [m("111.05"), m("57745"), m("111.06"), m("55154")]);
    out.clear();
    let books5 = br#"{"arg":{"channel":"books5","instId":"BCH-USDT-SWAP"},"data":[{"asks":[["111.06","55154","0","2"],["111.07","53276","0","2"],["111.08","72435","0","2"],["111.09","70312","0","2"],["111.1","67272","0","2"]],"bids":[["111.05","57745","0","2"],["111.04","57109","0","2"],["111.03","69563","0","2"],["111.02","71248","0","2"],["111.01","65090","0","2"]],"instId":"BCH-USDT-SWAP","ts":"1670324386802","seqId":363996337}]}"#;
    assert_eq!(p.parse_frame(books5, Nanos(1), &mut out), Ok(Control::Data));
    assert_eq!(out.len(), 10);
    assert!(out.iter().all(|e| e.has(flags::SNAPSHOT | flags::TOP_N)));
    assert_eq!(out[0].seq, 363_996_337);
    out.clear();
    let trades = br#"{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"123","px":"42219.9","sz":"0.12060306","side":"sell","ts":"1630048897897","count":"3","source":"0","seqId":1234}]}"#;
    assert_eq!(p.parse_frame(trades, Nanos(1), &mut out), Ok(Control::Data));
    let t = out[0];
    assert!(t.has(flags::AGGREGATED));
    assert_eq!((t.seq, t.v[2], t.v[3]), (123, 121, 123));
    assert_eq!(t.side(), Side::Sell);
    out.clear();
    let all = br#"{"arg":{"channel":"trades-all","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"130639474","px":"42219.9","sz":"0.12060306","side":"buy","source":"0","ts":"1630048897897"}]}"#;
    assert_eq!(p.parse_frame(all, Nanos(1), &mut out), Ok(Control::Data));
    assert!(!out[0].has(flags::AGGREGATED));
    assert_eq!((out[0].seq, out[0].side()), (130_639_474, Side::Buy));
    out.clear();
    let candles = br#"{"arg":{"channel":"candle1D","instId":"BTC-USDT"},"data":[["1597026383085","8533.02","8553.74","8527.17","8548.26","45247","529.5858061","5.3","1"],["1597112783085","8548.26","8550","8540","8545","10","0.1","0.1","0"]]}"#;
    assert_eq!(
        p.parse_frame(candles, Nanos(1), &mut out),
        Ok(Control::Data)
    );
    assert_eq!(out.len(), 2);
    assert!(out[0].has(flags::CLOSED) && !out[1].has(flags::CLOSED));
    assert_eq!((out[0].aux, out[0].seq), (86_400, 1_597_026_383_085));
    assert_eq!(out[0].v[4], m("45247"));
}

/// Synthetic (documented replies): acks echo the id, errors carry code and message (with
/// its escaped quotes), a service-upgrade notice is a shutdown, `pong` a heartbeat.
#[test]
fn synthetic_control_frames() {
    let mut p = OkxParser::new(Instruments::new());
    let mut out = Vec::new();
    let mut c = |f: &[u8]| p.parse_frame(f, Nanos(1), &mut out);
    assert_eq!(
        c(br#"{"id":"1512","event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"},"connId":"a4d3ae55"}"#),
        Ok(Control::Ack { id: 1512 })
    );
    assert_eq!(
        c(br#"{"event":"unsubscribe","arg":{"channel":"books","instId":"BTC-USDT"},"connId":"a4d3ae55"}"#),
        Ok(Control::Ack { id: -1 })
    );
    assert_eq!(
        c(br#"{"id":"1512","event":"error","code":"60012","msg":"Invalid request: {\"op\": \"subscribe\", \"argss\":[{ \"channel\" : \"books\", \"instId\" : \"BTC-USD-191227\"}]}","connId":"a4d3ae55"}"#),
        Ok(Control::VenueError {
            code: 60012,
            msg: r#"Invalid request: {"op": "subscribe", "argss":[{ "channel" : "books", "instId" : "BTC-USD-191227"}]}"#.into()
        })
    );
    assert_eq!(
        c(br#"{"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade. Please reconnect.","connId":"a4d3ae55"}"#),
        Ok(Control::ServerShutdown)
    );
    assert_eq!(c(b"pong"), Ok(Control::Heartbeat));
    assert_eq!(
        c(br#"{"event":"channel-conn-count","channel":"books","connCount":"2","connId":"a4d3ae55"}"#),
        Ok(Control::Ignored)
    );
    assert!(c(b"{\"arg\":").is_err());
    assert!(
        c(br#"{"arg":{"channel":"books","instId":"X"},"data":[{"asks":[],"bids":[]}]}"#).is_err(),
        "books without action"
    );
    assert!(out.is_empty());
    let s = p.stats();
    assert_eq!((s.control, s.ignored, s.malformed), (5, 1, 2));
}

// ---------------------------------------------------------------------------------------------
// Robustness: truncations and corruptions of real frames never panic, are counted, and never
// leave half a book message.
// ---------------------------------------------------------------------------------------------

/// Up to three real frames of each label (short ones).
fn samples() -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for f in [
        "okx/crypto_msg_parser_tests.tsv",
        "okx/crypto_msg_parser_tests_okex_v3.tsv",
        "okx/cryptofeed_20220513_ws_3instr.tsv",
    ] {
        let mut r = Reader::open(fixture(f)).unwrap();
        while let Some(fr) = r.next_frame().unwrap() {
            let k = seen.entry(format!("{f}:{}", fr.meta)).or_insert(0);
            if fr.kind == FrameKind::WsText && fr.payload.len() < 3000 && *k < 3 {
                *k += 1;
                v.push(fr.payload.to_vec());
            }
        }
    }
    v
}

#[test]
fn truncated_and_corrupted_frames_are_counted_never_panic() {
    let mut p = OkxParser::new(Instruments::new());
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
    let mut n = 0u64;
    for frame in samples() {
        let mut variants: Vec<Vec<u8>> = (0..frame.len()).map(|c| frame[..c].to_vec()).collect();
        for _ in 0..50 {
            let mut f = frame.clone();
            for _ in 0..1 + next() % 3 {
                let i = (next() as usize) % f.len();
                f[i] = junk[(next() as usize) % junk.len()];
            }
            variants.push(f);
        }
        for f in variants {
            out.clear();
            let r = p.parse_frame(&f, Nanos(1), &mut out);
            n += 1;
            if r.is_err() {
                assert!(out.is_empty(), "events leaked from a failed frame");
            }
            let book: Vec<&Event> = out
                .iter()
                .filter(|e| e.kind == Kind::BookLevel as u8)
                .collect();
            if let (Some(a), Some(b)) = (book.first(), book.last()) {
                assert!(a.has(flags::FIRST) && b.has(flags::LAST));
            }
        }
    }
    let s = p.stats();
    assert_eq!(s.frames, n);
    assert!(s.malformed > 1000, "{s:?}");
}

// ---------------------------------------------------------------------------------------------
// Steady state allocates nothing (a counting allocator, this thread only): trade frames and
// book updates with their checksum, through parser, books, dedupe and router.
// ---------------------------------------------------------------------------------------------

mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    pub struct Counting;

    thread_local! {
        pub static ALLOCS: Cell<u64> = const { Cell::new(0) };
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
static GLOBAL: counting::Counting = counting::Counting;

/// A 30×30 book whose top bid size alternates; checksums computed the venue's way.
fn steady_book_frames(n: usize) -> Vec<String> {
    let lv = |px: u32, sz: &str| format!(r#"["{px}","{sz}","0","1"]"#);
    let bids: Vec<String> = (0..30).map(|i| lv(1000 - i, "1.0")).collect();
    let asks: Vec<String> = (0..30).map(|i| lv(1001 + i, "2.0")).collect();
    let text = |top: &str| {
        let mut s = String::new();
        for i in 0..25u32 {
            if i > 0 {
                s.push(':');
            }
            let bsz = if i == 0 { top } else { "1.0" };
            s.push_str(&format!("{}:{bsz}:{}:2.0", 1000 - i, 1001 + i));
        }
        crc(&s)
    };
    let mut v = vec![book_frame(
        "snapshot",
        &bids.join(","),
        &asks.join(","),
        text("1.0"),
        -1,
        1,
    )];
    for k in 0..n {
        let sz = if k % 2 == 0 { "1.5" } else { "1.0" };
        v.push(book_frame(
            "update",
            &lv(1000, sz),
            "",
            text(sz),
            k as i64 + 1,
            k as i64 + 2,
        ));
    }
    v
}

#[test]
fn steady_state_trade_and_book_frames_allocate_nothing() {
    use tickwire::route::{ConsumerConfig, Router};
    let mut pipeline = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let mut router = Router::new();
    let (_, mut consumer) = router.add_consumer(ConsumerConfig {
        capacity: 1 << 12,
        ..ConsumerConfig::default()
    });
    let mut out = vec![Event::default(); 1 << 12];
    let trades: Vec<String> = (0..2000)
        .map(|i| format!(r#"{{"arg":{{"channel":"trades","instId":"BTC-USDT"}},"data":[{{"instId":"BTC-USDT","tradeId":"{}","px":"42219.9","sz":"0.12060306","side":"buy","ts":"1630048897897","count":"1","source":"0","seqId":{i}}}]}}"#, 1000 + i))
        .collect();
    let books = steady_book_frames(2000);
    let v = Venue::Okx;
    for f in trades.iter().take(100).chain(books.iter().take(101)) {
        pipeline
            .on_frame(v, f.as_bytes(), Nanos(2), &mut |e| router.route(e))
            .unwrap();
        consumer.pop_into(&mut out);
    }
    let before = counting::allocs();
    let mut events = 0;
    for f in &trades[100..] {
        pipeline
            .on_frame(v, f.as_bytes(), Nanos(3), &mut |e| router.route(e))
            .unwrap();
        events += consumer.pop_into(&mut out);
    }
    assert_eq!(events, 1900);
    assert_eq!(
        counting::allocs() - before,
        0,
        "allocations in 1,900 trade frames"
    );
    let before = counting::allocs();
    let mut events = 0;
    for f in &books[101..] {
        pipeline
            .on_frame(v, f.as_bytes(), Nanos(4), &mut |e| router.route(e))
            .unwrap();
        events += consumer.pop_into(&mut out);
    }
    assert_eq!(events, 1900);
    assert_eq!(
        counting::allocs() - before,
        0,
        "allocations in 1,900 book frames"
    );
    let s = pipeline.books().stats();
    assert_eq!(
        (s.checksums_ok, s.checksum_mismatches, s.gaps),
        (2001, 0, 0)
    );
}

/// The fast paths give exactly what the general path gives on every OKX frame (fixtures and
/// corpus), and they do take the hot frames.
#[test]
fn fast_paths_agree_with_the_general_path_on_every_frame() {
    let mut files: Vec<PathBuf> = [
        "okx/cryptofeed_20220513_ws_3instr.tsv",
        "okx/crypto_msg_parser_tests.tsv",
        "okx/crypto_msg_parser_tests_okex_v3.tsv",
    ]
    .iter()
    .map(|f| fixture(f))
    .collect();
    if let Some(root) = shared_corpus() {
        files.push(root.join("okx/cryptofeed_20220513.tsv"));
    }
    let (mut frames, mut hits) = (0u64, 0u64);
    for path in files {
        let mut fast = OkxParser::new(Instruments::new());
        let mut slow = OkxParser::new(Instruments::new());
        slow.set_fast_paths(false);
        let mut r = Reader::open(&path).unwrap();
        while let Some(f) = r.next_frame().unwrap() {
            if f.kind != FrameKind::WsText {
                if f.kind == FrameKind::Rest {
                    // keep both instrument tables alike (metadata presets exponents)
                    let _ = fast.parse_rest(f.payload, None, Nanos(1), &mut Vec::new());
                    let _ = slow.parse_rest(f.payload, None, Nanos(1), &mut Vec::new());
                }
                continue;
            }
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let ra = fast.parse_frame(f.payload, f.ts_recv, &mut a);
            let rb = slow.parse_frame(f.payload, f.ts_recv, &mut b);
            assert_eq!(ra.is_ok(), rb.is_ok(), "{}: {ra:?} vs {rb:?}", f.meta);
            if ra.is_ok() {
                assert_eq!(ra, rb, "{}", f.meta);
            }
            assert_eq!(a, b, "{} in {}", f.meta, path.display());
            frames += 1;
        }
        hits += fast.fast_hits();
        assert_eq!(slow.fast_hits(), 0);
    }
    // every book and trade frame of the 2022 session and the v5 single frames takes it
    assert!(hits >= 290 + 74 + 5 + 6 + 6 + 6, "{hits} of {frames}");
    // and the synthetic ones
    let mut p = OkxParser::new(Instruments::new());
    for f in steady_book_frames(3) {
        p.parse_frame(f.as_bytes(), Nanos(1), &mut Vec::new())
            .unwrap();
    }
    assert_eq!(p.fast_hits(), 4);
}
