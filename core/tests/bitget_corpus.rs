//! Bitget against real captures (legacy v1: `bitget/cryptofeed_20220407_v1_spot` on
//! [`Venue::Bitget`], `_v1_mix` on [`Venue::BitgetFutures`], and the crypto-msg-parser single
//! frames; the fixtures always, the whole corpus when it is beside the project), and against
//! Bitget's documented v2 frames, of which no capture exists: those tests say **synthetic**.

mod common;

use common::{fixture, label_counts, replay, shared_corpus};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tickwire::event::{book_text_parts, flags, Event, Kind, Nanos, Side, StatusCode, Venue};
use tickwire::instrument::Instruments;
use tickwire::pipeline::{Pipeline, PipelineConfig};
use tickwire::record::{FrameKind, Reader};
use tickwire::venue::bitget::BitgetParser;
use tickwire::venue::{Control, FrameParser, ParseError};

/// What one frame became (see `okx_corpus.rs`).
fn category(r: &Result<Control, ParseError>, out: &[Event], reason: &str) -> String {
    let all = |k: Kind| !out.is_empty() && out.iter().all(|e| e.kind == k as u8);
    match r {
        Err(ParseError::Malformed(m)) => format!("malformed: {m}"),
        Err(e) => format!("out_of_range: {e}"),
        Ok(Control::Data) if all(Kind::Trade) => "trade".into(),
        Ok(Control::Data) if all(Kind::Quote) => "quote".into(),
        Ok(Control::Data) if all(Kind::Candle) => {
            if out.iter().any(|e| e.has(flags::CLOSED)) {
                "candle+closed".into()
            } else {
                "candle".into()
            }
        }
        Ok(Control::Data) if all(Kind::BookLevel) => {
            assert!(out[0].has(flags::FIRST) && out[out.len() - 1].has(flags::LAST));
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
        Ok(Control::Ignored) => format!("ignored: {reason}"),
        Ok(other) => format!("{other:?}"),
    }
}

/// The market of a crypto-msg-parser row (`test:trade::spot`, `…::linear_swap`).
fn venue_of_row(conn: &str) -> Venue {
    if conn.contains("spot") {
        Venue::Bitget
    } else {
        Venue::BitgetFutures
    }
}

/// Every row of a session: (label, category) → rows. `venue` None: each row on its own
/// market's parser (single-frame files mix both; the `conn` column names the market). Also
/// checks that the other market's parser ignores every data frame of this one.
fn classify(path: &Path, venue: Option<Venue>) -> BTreeMap<(String, String), usize> {
    let mut spot = BitgetParser::new(Venue::Bitget, Instruments::new());
    let mut futures = BitgetParser::new(Venue::BitgetFutures, Instruments::new());
    let text = std::fs::read_to_string(path).expect("read");
    let mut m = BTreeMap::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.splitn(4, '\t').collect();
        let (conn, label, frame) = (cols[1], cols[2], cols[3].as_bytes());
        if label == "client_sent" {
            continue;
        }
        let v = venue.unwrap_or_else(|| venue_of_row(conn));
        let (p, other) = if v == Venue::Bitget {
            (&mut spot, &mut futures)
        } else {
            (&mut futures, &mut spot)
        };
        let mut out = Vec::new();
        let rest = label.starts_with("rest_");
        let r = if rest {
            p.parse_rest(frame, None, Nanos(1), &mut out)
        } else {
            p.parse_frame(frame, Nanos(1), &mut out)
        };
        if r == Ok(Control::Data) && !rest {
            let mut none = Vec::new();
            assert_eq!(
                other.parse_frame(frame, Nanos(1), &mut none),
                Ok(Control::Ignored),
                "the other market's parser must ignore {label}"
            );
            assert!(none.is_empty());
            assert!(other.ignored_reason().contains("other Bitget market"));
        }
        let c = category(&r, &out, p.ignored_reason());
        *m.entry((label.to_string(), c)).or_insert(0) += 1;
    }
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

const META: &str = "ignored: symbol metadata (exponents preset)";
const V1_TICKER: &str =
    "ignored: v1 ticker: no sizes, and spot bestBid/bestAsk are rounded to 6 decimals";
const LEGACY: &str = "ignored: Bitget API before 2022-04-29 (`table` frames): not read";
const NOT_FRAME: &str = "ignored: not a Bitget data or control frame";

fn expected_spot(full: bool) -> BTreeMap<(String, String), usize> {
    if full {
        table(&[
            ("books", "snapshot", 8),
            ("books", "diff", 435),
            ("candle", "candle+closed", 8),
            ("candle", "candle", 35),
            ("rest_products", META, 1),
            ("subscribe_ack", "ack", 32),
            ("ticker", V1_TICKER, 128),
            ("trade", "trade", 38),
        ])
    } else {
        table(&[
            ("books", "snapshot", 8),
            ("books", "diff", 91),
            ("candle", "candle+closed", 8),
            ("candle", "candle", 12),
            ("rest_products", META, 1),
            ("subscribe_ack", "ack", 32),
            ("ticker", V1_TICKER, 32),
            ("trade", "trade", 14),
        ])
    }
}

fn expected_mix(full: bool) -> BTreeMap<(String, String), usize> {
    if full {
        table(&[
            ("books", "snapshot", 2),
            ("books", "diff", 192),
            ("candle", "candle+closed", 2),
            ("candle", "candle", 25),
            ("rest_contracts", META, 2),
            ("subscribe_ack", "ack", 8),
            ("ticker", V1_TICKER, 217),
            ("trade", "trade", 27),
        ])
    } else {
        table(&[
            ("books", "snapshot", 2),
            ("books", "diff", 54),
            ("candle", "candle+closed", 2),
            ("candle", "candle", 7),
            ("rest_contracts", META, 2),
            ("subscribe_ack", "ack", 8),
            ("ticker", V1_TICKER, 64),
            ("trade", "trade", 9),
        ])
    }
}

fn expected_single_frames() -> BTreeMap<(String, String), usize> {
    table(&[
        ("before20220429_inverse_swap", LEGACY, 3),
        ("before20220429_inverse_swap_snapshot", LEGACY, 1),
        ("before20220429_inverse_swap_update", LEGACY, 1),
        ("before20220429_linear_swap", LEGACY, 4),
        ("before20220429_linear_swap_snapshot", LEGACY, 1),
        ("before20220429_linear_swap_update", LEGACY, 1),
        ("candlestick", "candle+closed", 3),
        ("candlestick", "candle", 3),
        ("funding_rate", LEGACY, 2),
        ("l2_event", "diff", 3),
        ("l2_topk", "top_n", 3),
        // open interest REST bodies, labelled as frames
        ("open_interest", NOT_FRAME, 2),
        ("rest_depth_snapshot", "snapshot", 3),
        ("ticker", V1_TICKER, 3),
        ("trade", "trade", 3),
    ])
}

#[test]
fn every_fixture_frame_is_parsed_or_classified() {
    assert_eq!(
        classify(
            &fixture("bitget/cryptofeed_20220407_v1_spot_first200.tsv"),
            Some(Venue::Bitget)
        ),
        expected_spot(false)
    );
    assert_eq!(
        classify(
            &fixture("bitget/cryptofeed_20220407_v1_mix_first150.tsv"),
            Some(Venue::BitgetFutures)
        ),
        expected_mix(false)
    );
    assert_eq!(
        classify(&fixture("bitget/crypto_msg_parser_tests.tsv"), None),
        expected_single_frames()
    );
}

#[test]
fn every_corpus_frame_is_parsed_or_classified() {
    let Some(root) = shared_corpus() else {
        eprintln!("skipped: ../shared/corpus not found");
        return;
    };
    let mut names: Vec<String> = std::fs::read_dir(root.join("bitget"))
        .expect("bitget dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tsv"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "crypto_msg_parser_tests.tsv",
            "cryptofeed_20220407_v1_mix.tsv",
            "cryptofeed_20220407_v1_spot.tsv"
        ],
        "a new Bitget session: classify it here"
    );
    let b = root.join("bitget");
    assert_eq!(
        classify(&b.join("crypto_msg_parser_tests.tsv"), None),
        expected_single_frames()
    );
    assert_eq!(
        classify(
            &b.join("cryptofeed_20220407_v1_mix.tsv"),
            Some(Venue::BitgetFutures)
        ),
        expected_mix(true)
    );
    assert_eq!(
        classify(
            &b.join("cryptofeed_20220407_v1_spot.tsv"),
            Some(Venue::Bitget)
        ),
        expected_spot(true)
    );
}

/// Books through the replay: every checksum agrees, no gap, never crossed, every snapshot
/// used, every book message checked. Returns the checksums verified.
fn check_books(venue: Venue, files: &[PathBuf]) -> u64 {
    let o = replay(venue, files);
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
    let messages = o
        .events
        .iter()
        .filter(|e| e.kind == Kind::BookLevel as u8 && e.has(flags::LAST))
        .count() as u64;
    assert_eq!(s.checksums_ok, messages, "{files:?}");
    assert!(!o.events.iter().any(|e| matches!(
        e.status(),
        Some(StatusCode::Malformed | StatusCode::ValueOutOfRange)
    )));
    s.checksums_ok
}

#[test]
fn fixture_books_agree_with_every_checksum() {
    let spot = check_books(
        Venue::Bitget,
        &[fixture("bitget/cryptofeed_20220407_v1_spot_first200.tsv")],
    );
    let mix = check_books(
        Venue::BitgetFutures,
        &[fixture("bitget/cryptofeed_20220407_v1_mix_first150.tsv")],
    );
    assert_eq!((spot, mix), (99, 56));
}

#[test]
fn corpus_books_agree_with_every_checksum() {
    let Some(root) = shared_corpus() else {
        eprintln!("skipped: ../shared/corpus not found");
        return;
    };
    let spot = check_books(
        Venue::Bitget,
        &[root.join("bitget/cryptofeed_20220407_v1_spot.tsv")],
    );
    let mix = check_books(
        Venue::BitgetFutures,
        &[root.join("bitget/cryptofeed_20220407_v1_mix.tsv")],
    );
    eprintln!(
        "bitget v1: spot {spot} + mix {mix} = {}/637 checksums agree",
        spot + mix
    );
    assert_eq!((spot, mix), (443, 194));
    assert_eq!(spot + mix, 637);
}

/// v1 metadata presets exponents (`priceScale`/`pricePlace` + 2); values are exact; v1 trades
/// get `seq` = ts × 1000 + their rank in that millisecond.
#[test]
fn metadata_presets_exponents_values_are_exact_and_v1_trades_are_numbered() {
    let o = replay(
        Venue::Bitget,
        &[fixture("bitget/cryptofeed_20220407_v1_spot_first200.tsv")],
    );
    let t = o.replay.instruments();
    let info = t.find(Venue::Bitget, "CULTUSDT").unwrap();
    // CULTUSDT_SPBL: priceScale 8, quantityScale 0
    assert_eq!((info.px_exp, info.qty_exp), (-10, -2));
    assert_eq!(info.unified, "CULT-USDT");
    // the first CULTUSDT trade row: ["1649290076333","0.00003507","271967","sell"]
    let tr = o
        .events
        .iter()
        .find(|e| e.kind == Kind::Trade as u8 && e.instrument() == info.id)
        .unwrap();
    assert_eq!(
        (tr.v[0], tr.v[1], tr.side()),
        (350_700, 27_196_700, Side::Sell)
    );
    assert_eq!(tr.seq, 1_649_290_076_333_000);
    let o = replay(
        Venue::BitgetFutures,
        &[fixture("bitget/cryptofeed_20220407_v1_mix_first150.tsv")],
    );
    let info = o
        .replay
        .instruments()
        .find(Venue::BitgetFutures, "DASHUSDT")
        .unwrap();
    // DASHUSDT_UMCBL: pricePlace 2, volumePlace 2
    assert_eq!((info.px_exp, info.qty_exp), (-4, -4));
    assert_eq!(info.unified, "DASH-USDT-PERP");
    // two trades in one millisecond (crypto-msg-parser linear_swap) keep distinct ids
    let mut p = BitgetParser::new(Venue::BitgetFutures, Instruments::new());
    let mut out = Vec::new();
    p.parse_frame(
        br#"{"action":"update","arg":{"instType":"mc","channel":"trade","instId":"BTCUSDT"},"data":[["1653882567817","30322.5","1.117","buy"],["1653882567817","30322","1.566","buy"]]}"#,
        Nanos(1),
        &mut out,
    )
    .unwrap();
    assert_eq!(
        out.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![1_653_882_567_817_000, 1_653_882_567_817_001]
    );
    // through the pipeline both survive dedupe
    let mut pl = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let mut n = 0;
    pl.on_frame(
        Venue::BitgetFutures,
        br#"{"action":"update","arg":{"instType":"mc","channel":"trade","instId":"BTCUSDT"},"data":[["1653882567817","30322.5","1.117","buy"],["1653882567817","30322","1.566","buy"]]}"#,
        Nanos(1),
        &mut |e| n += usize::from(e.kind == Kind::Trade as u8),
    )
    .unwrap();
    assert_eq!(n, 2);
}

/// One size changed in one real delta: a checksum mismatch for that instrument alone; the
/// other books stay live.
#[test]
fn a_tampered_delta_is_a_checksum_mismatch_for_that_instrument_alone() {
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let mut r = Reader::open(fixture("bitget/cryptofeed_20220407_v1_spot_first200.tsv")).unwrap();
    let mut events = Vec::new();
    let mut tampered = false;
    while let Some(f) = r.next_frame().unwrap() {
        let mut payload = f.payload.to_vec();
        if !tampered
            && f.meta == "books"
            && payload.starts_with(br#"{"action":"update""#)
            && payload.windows(9).any(|w| w == b"\"EOSUSDT\"")
        {
            let at = payload
                .windows(9)
                .position(|w| w == b"\"bids\":[[")
                .expect("bids")
                + 9;
            let px_end = at + 1 + payload[at + 1..].iter().position(|c| *c == b'"').unwrap();
            let sz_start = px_end + 3;
            let sz_end = sz_start + payload[sz_start..].iter().position(|c| *c == b'"').unwrap();
            let d = &mut payload[sz_end - 1];
            *d = if *d == b'9' { b'8' } else { *d + 1 };
            tampered = true;
        }
        match f.kind {
            FrameKind::Rest => {
                let _ = p.on_rest(Venue::Bitget, &payload, None, f.ts_recv, &mut |e| {
                    events.push(*e)
                });
            }
            FrameKind::WsText => {
                let _ = p.on_frame(Venue::Bitget, &payload, f.ts_recv, &mut |e| events.push(*e));
            }
            _ => {}
        }
    }
    assert!(tampered);
    let t = p.instruments().clone();
    let id = |s: &str| t.find(Venue::Bitget, s).unwrap().id;
    let mismatches: Vec<&Event> = events
        .iter()
        .filter(|e| e.status() == Some(StatusCode::ChecksumMismatch))
        .collect();
    assert_eq!(mismatches.len(), 1);
    assert_eq!(mismatches[0].instrument(), id("EOSUSDT"));
    assert!(p.books().book(id("EOSUSDT")).is_none());
    for other in [
        "CULTUSDT", "VVSUSDT", "GOGUSDT", "AVAXUSDT", "STGUSDT", "HOTUSDT", "SUNUSDT",
    ] {
        assert!(p.books().book(id(other)).is_some(), "{other}");
    }
}

// ---------------------------------------------------------------------------------------------
// Synthetic: Bitget v2 (documented frames of the spot and futures "Depth", "Trade",
// "Candlestick" and "Market" channels), since no v2 capture exists.
// ---------------------------------------------------------------------------------------------

fn v2(inst_type: &str, channel: &str, action: &str, data: &str) -> String {
    format!(
        r#"{{"action":"{action}","arg":{{"instType":"{inst_type}","channel":"{channel}","instId":"BTCUSDT"}},"data":{data},"ts":1695710946294}}"#
    )
}

fn crc(s: &str) -> i32 {
    crc32fast::hash(s.as_bytes()) as i32
}

fn statuses(ev: &[Event]) -> Vec<StatusCode> {
    ev.iter().filter_map(Event::status).collect()
}

/// Synthetic v2 `books`: snapshot then updates with `seq` and the signed CRC32 of the top 25
/// (prices and sizes as written: `"26274.90"`, `"0.0500"`), through the pipeline; a repeated
/// `seq` is stale, a skipped one is accepted (no +1 promise), a wrong book is caught.
#[test]
fn synthetic_v2_books_with_seq_and_checksum() {
    for (venue, inst_type) in [
        (Venue::Bitget, "SPOT"),
        (Venue::BitgetFutures, "USDT-FUTURES"),
    ] {
        let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
        let book = |action: &str, asks: &str, bids: &str, cs: i32, seq: u64| {
            v2(
                inst_type,
                "books",
                action,
                &format!(
                    r#"[{{"asks":[{asks}],"bids":[{bids}],"checksum":{cs},"seq":{seq},"ts":"1695710946294"}}]"#
                ),
            )
        };
        let frames = [
            book(
                "snapshot",
                r#"["26274.90","0.0009"],["26275.0","0.0500"]"#,
                r#"["26274.8","0.0009"],["26274.7","0.0027"]"#,
                crc("26274.8:0.0009:26274.90:0.0009:26274.7:0.0027:26275.0:0.0500"),
                123,
            ),
            book(
                "update",
                r#"["26274.90","0"]"#,
                r#"["26274.85","1.5"]"#,
                crc("26274.85:1.5:26275.0:0.0500:26274.8:0.0009:26274.7:0.0027"),
                124,
            ),
            // the same seq again (a redundant copy): stale, not applied
            book("update", r#"["26275.0","9"]"#, "", 1, 124),
            // seq 130: Bitget does not promise +1
            book(
                "update",
                "",
                r#"["26274.85","0"]"#,
                crc("26274.8:0.0009:26275.0:0.0500:26274.7:0.0027"),
                130,
            ),
        ];
        let mut ev = Vec::new();
        for f in &frames {
            p.on_frame(venue, f.as_bytes(), Nanos(1), &mut |e| ev.push(*e))
                .unwrap();
        }
        assert_eq!(statuses(&ev), vec![StatusCode::BookSynced], "{venue}");
        let s = p.books().stats();
        assert_eq!((s.checksums_ok, s.stale, s.checksum_mismatches), (3, 1, 0));
        let id = p.instruments().find(venue, "BTCUSDT").unwrap().id;
        let b = p.books().book(id).unwrap();
        assert_eq!((b.seq, b.depth()), (130, (2, 1)));
        let firsts: Vec<(u64, i64, i64)> = ev
            .iter()
            .filter(|e| e.kind == Kind::BookLevel as u8 && e.has(flags::FIRST))
            .map(|e| (e.seq, e.v[2], e.v[3]))
            .collect();
        assert_eq!(firsts, vec![(123, -1, -1), (124, 0, -1), (130, 0, -1)]);
        // a book that disagrees with the checksum resyncs
        let mut ev = Vec::new();
        p.on_frame(
            venue,
            book("update", r#"["26275.0","1"]"#, "", 12345, 131).as_bytes(),
            Nanos(2),
            &mut |e| ev.push(*e),
        )
        .unwrap();
        assert_eq!(
            statuses(&ev),
            vec![StatusCode::ChecksumMismatch, StatusCode::Resync]
        );
        assert_eq!(p.books_mut().take_resync_requests(), vec![id]);
    }
}

/// Synthetic v2 `books1` (BBO), `books5`/`books15` (top-N, `checksum` 0), `trade` with
/// `tradeId`, `ticker`, `candle1m` (8-element rows; no closed flag on the wire).
#[test]
fn synthetic_v2_channels() {
    let mut p = BitgetParser::new(Venue::Bitget, Instruments::new());
    let mut out = Vec::new();
    let m = |s: &str| tickwire::decimal::parse(s.as_bytes(), -8).unwrap();
    let books1 = v2(
        "SPOT",
        "books1",
        "snapshot",
        r#"[{"asks":[["26274.9","0.0009"]],"bids":[["26274.8","0.0027"]],"checksum":0,"seq":123,"ts":"1695710946294"}]"#,
    );
    assert_eq!(
        p.parse_frame(books1.as_bytes(), Nanos(1), &mut out),
        Ok(Control::Data)
    );
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].kind, Kind::Quote as u8);
    assert_eq!(out[0].seq, 123);
    assert_eq!(
        out[0].v[..4],
        [m("26274.8"), m("0.0027"), m("26274.9"), m("0.0009")]
    );
    out.clear();
    let books5 = v2(
        "SPOT",
        "books5",
        "snapshot",
        r#"[{"asks":[["26274.9","0.0009"],["26275.0","0.0500"]],"bids":[["26274.8","0.0009"],["26274.7","0.0027"]],"checksum":0,"seq":123,"ts":"1695710946294"}]"#,
    );
    assert_eq!(
        p.parse_frame(books5.as_bytes(), Nanos(1), &mut out),
        Ok(Control::Data)
    );
    assert_eq!(out.len(), 4);
    assert!(out.iter().all(|e| e.has(flags::SNAPSHOT | flags::TOP_N)));
    assert!(book_text_parts(out[3].v[4]).2.is_none());
    out.clear();
    let trade = v2(
        "SPOT",
        "trade",
        "snapshot",
        r#"[{"ts":"1695709835822","price":"26293.4","size":"0.0013","side":"buy","tradeId":"1000000000"}]"#,
    );
    assert_eq!(
        p.parse_frame(trade.as_bytes(), Nanos(1), &mut out),
        Ok(Control::Data)
    );
    assert_eq!(
        (out[0].seq, out[0].side(), out[0].v[0]),
        (1_000_000_000, Side::Buy, m("26293.4"))
    );
    assert_eq!(out[0].ts_exchange, 1_695_709_835_822_000_000);
    out.clear();
    let ticker = v2(
        "SPOT",
        "ticker",
        "snapshot",
        r#"[{"instId":"ETHUSDT","lastPr":"2200.10","open24h":"0.00","high24h":"0.00","low24h":"0.00","change24h":"0.00","bidPr":"1792","askPr":"2200.1","bidSz":"0.0084","askSz":"19740.8811","baseVolume":"0.0000","quoteVolume":"0.0000","openUtc":"0.00","changeUtc24h":"0","ts":"1695702438018"}]"#,
    );
    assert_eq!(
        p.parse_frame(ticker.as_bytes(), Nanos(1), &mut out),
        Ok(Control::Data)
    );
    assert_eq!(
        out[0].v[..4],
        [m("1792"), m("0.0084"), m("2200.1"), m("19740.8811")]
    );
    assert_eq!(out[0].seq, 1_695_702_438_018);
    out.clear();
    // two rows: the older one is final; the newer one too once the push time passes its end
    let candles = r#"{"action":"snapshot","arg":{"instType":"SPOT","channel":"candle1m","instId":"ETHUSDT"},"data":[["1695672720000","2200.1","2200.1","2200.1","2200.1","0","0","0"],["1695672780000","2200.1","2200.2","2200.0","2200.2","1.5","3300.2","3300.2"]],"ts":1695672800000}"#;
    assert_eq!(
        p.parse_frame(candles.as_bytes(), Nanos(1), &mut out),
        Ok(Control::Data)
    );
    assert_eq!(out.len(), 2);
    assert!(out[0].has(flags::CLOSED) && !out[1].has(flags::CLOSED));
    assert_eq!(
        (out[1].aux, out[1].seq, out[1].v[4]),
        (60, 1_695_672_780_000, m("1.5"))
    );
    out.clear();
    let later = candles.replace("1695672800000}", "1695672840000}");
    p.parse_frame(later.as_bytes(), Nanos(1), &mut out).unwrap();
    assert!(out.iter().all(|e| e.has(flags::CLOSED)));
}

/// Synthetic: acks, errors (code as a number or a string), `pong`; a frame of the other
/// market, or of COIN-/USDC-margined futures, is ignored with its reason.
#[test]
fn synthetic_control_frames_and_markets() {
    let mut p = BitgetParser::new(Venue::Bitget, Instruments::new());
    let mut out = Vec::new();
    let mut c = |p: &mut BitgetParser, f: &str| p.parse_frame(f.as_bytes(), Nanos(1), &mut out);
    assert_eq!(
        c(
            &mut p,
            r#"{"event":"subscribe","arg":{"instType":"SPOT","channel":"books5","instId":"BTCUSDT"}}"#
        ),
        Ok(Control::Ack { id: -1 })
    );
    assert_eq!(
        c(
            &mut p,
            r#"{"event":"error","code":30005,"msg":"instType:SPOT,channel:nope,instId:BTCUSDT doesn't exist"}"#
        ),
        Ok(Control::VenueError {
            code: 30005,
            msg: "instType:SPOT,channel:nope,instId:BTCUSDT doesn't exist".into()
        })
    );
    assert_eq!(
        c(
            &mut p,
            r#"{"event":"error","code":"30001","msg":"Invalid op"}"#
        ),
        Ok(Control::VenueError {
            code: 30001,
            msg: "Invalid op".into()
        })
    );
    assert_eq!(c(&mut p, "pong"), Ok(Control::Heartbeat));
    let fut = v2(
        "USDT-FUTURES",
        "trade",
        "update",
        r#"[{"ts":"1","price":"1","size":"1","side":"buy","tradeId":"1"}]"#,
    );
    assert_eq!(c(&mut p, &fut), Ok(Control::Ignored));
    assert!(p
        .ignored_reason()
        .contains("futures frame on the spot parser"));
    let coin = v2(
        "COIN-FUTURES",
        "trade",
        "update",
        r#"[{"ts":"1","price":"1","size":"1","side":"buy","tradeId":"1"}]"#,
    );
    let mut f = BitgetParser::new(Venue::BitgetFutures, Instruments::new());
    assert_eq!(c(&mut f, &coin), Ok(Control::Ignored));
    assert_eq!(c(&mut f, &fut), Ok(Control::Data));
    let spot = fut.replace("USDT-FUTURES", "SPOT");
    assert_eq!(c(&mut f, &spot), Ok(Control::Ignored));
    assert!(f
        .ignored_reason()
        .contains("spot frame on the futures parser"));
    assert!(
        c(
            &mut p,
            r#"{"action":"update","arg":{"channel":"books","instId":"X"},"data":[]}"#
        )
        .is_err(),
        "no instType"
    );
    assert!(c(&mut p, r#"{"action":"sideways","arg":{"instType":"SPOT","channel":"books","instId":"X"},"data":[{"asks":[],"bids":[]}]}"#).is_err());
}

/// REST: v2 order book, fills and candles; errors.
#[test]
fn rest_bodies() {
    let mut p = BitgetParser::new(Venue::Bitget, Instruments::new());
    let mut out = Vec::new();
    let r = p.parse_rest(
        br#"{"code":"00000","msg":"success","requestTime":1695865615662,"data":{"asks":[["26347.5","0.25"]],"bids":[["26346.5","0.16"]],"ts":"1695865615662"}}"#,
        Some("BTCUSDT"),
        Nanos(1),
        &mut out,
    );
    assert_eq!(r, Ok(Control::Data));
    assert_eq!(out.len(), 2);
    assert!(out.iter().all(|e| e.has(flags::SNAPSHOT)));
    out.clear();
    let r = p.parse_rest(
        br#"{"code":"00000","msg":"success","requestTime":1695865615662,"data":[{"symbol":"BTCUSDT","tradeId":"1","side":"sell","price":"26372.6","size":"0.0043","ts":"1695865151000"}]}"#,
        None,
        Nanos(1),
        &mut out,
    );
    assert_eq!(r, Ok(Control::Data));
    assert_eq!((out[0].seq, out[0].side()), (1, Side::Sell));
    out.clear();
    let r = p.parse_rest(
        br#"{"code":"00000","msg":"success","requestTime":1695865864944,"data":[["1695835800000","26210.5","26210.5","26194.5","26194.5","26.26","687897.63","687897.63"],["1695835860000","26194.5","26194.5","26185.8","26189.7","9.89","259080.01","259080.01"]]}"#,
        Some("BTCUSDT"),
        Nanos(1_695_865_864_944_000_000),
        &mut out,
    );
    assert_eq!(r, Ok(Control::Data));
    assert_eq!(out.len(), 2);
    assert!(out.iter().all(|e| e.aux == 60 && e.has(flags::CLOSED)));
    let r = p.parse_rest(
        br#"{"code":"40034","msg":"Parameter does not exist","requestTime":1695865864944,"data":null}"#,
        Some("NOPE"),
        Nanos(1),
        &mut Vec::new(),
    );
    assert_eq!(
        r,
        Ok(Control::VenueError {
            code: 40034,
            msg: "Parameter does not exist".into()
        })
    );
}

#[test]
fn truncated_and_corrupted_frames_are_counted_never_panic() {
    let mut frames = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for f in [
        "bitget/crypto_msg_parser_tests.tsv",
        "bitget/cryptofeed_20220407_v1_spot_first200.tsv",
    ] {
        let mut r = Reader::open(fixture(f)).unwrap();
        while let Some(fr) = r.next_frame().unwrap() {
            let k = seen.entry(format!("{f}:{}", fr.meta)).or_insert(0);
            if fr.kind == FrameKind::WsText && fr.payload.len() < 3000 && *k < 3 {
                *k += 1;
                frames.push(fr.payload.to_vec());
            }
        }
    }
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
    for venue in [Venue::Bitget, Venue::BitgetFutures] {
        let mut p = BitgetParser::new(venue, Instruments::new());
        let mut out = Vec::new();
        let mut n = 0u64;
        for frame in &frames {
            let mut variants: Vec<Vec<u8>> =
                (0..frame.len()).map(|c| frame[..c].to_vec()).collect();
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
                    assert!(out.is_empty());
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
}

// ---------------------------------------------------------------------------------------------
// Steady state allocates nothing (a counting allocator, this thread only): v2 trade frames and
// book updates with `seq` and their checksum, through parser, books, dedupe and router.
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

/// A 30×30 v2 book whose top bid size alternates; checksums computed the venue's way.
fn steady_book_frames(n: usize) -> Vec<String> {
    let lv = |px: u32, sz: &str| format!(r#"["{px}","{sz}"]"#);
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
    let frame = |action: &str, bids: &str, asks: &str, cs: i32, seq: usize| {
        v2(
            "SPOT",
            "books",
            action,
            &format!(
                r#"[{{"asks":[{asks}],"bids":[{bids}],"checksum":{cs},"seq":{seq},"ts":"1695710946294"}}]"#
            ),
        )
    };
    let mut v = vec![frame(
        "snapshot",
        &bids.join(","),
        &asks.join(","),
        text("1.0"),
        1,
    )];
    for k in 0..n {
        let sz = if k % 2 == 0 { "1.5" } else { "1.0" };
        v.push(frame("update", &lv(1000, sz), "", text(sz), k + 2));
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
        .map(|i| {
            v2(
                "SPOT",
                "trade",
                "update",
                &format!(r#"[{{"ts":"1695709835822","price":"26293.4","size":"0.0013","side":"buy","tradeId":"{}"}}]"#, 1000 + i),
            )
        })
        .collect();
    let books = steady_book_frames(2000);
    let v = Venue::Bitget;
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

/// The fast paths give exactly what the general path gives on every Bitget frame (fixtures
/// and corpus, both markets), and they do take the hot frames.
#[test]
fn fast_paths_agree_with_the_general_path_on_every_frame() {
    let mut files: Vec<(Venue, PathBuf)> = vec![
        (
            Venue::Bitget,
            fixture("bitget/cryptofeed_20220407_v1_spot_first200.tsv"),
        ),
        (
            Venue::BitgetFutures,
            fixture("bitget/cryptofeed_20220407_v1_mix_first150.tsv"),
        ),
        (Venue::Bitget, fixture("bitget/crypto_msg_parser_tests.tsv")),
        (
            Venue::BitgetFutures,
            fixture("bitget/crypto_msg_parser_tests.tsv"),
        ),
    ];
    if let Some(root) = shared_corpus() {
        files.push((
            Venue::Bitget,
            root.join("bitget/cryptofeed_20220407_v1_spot.tsv"),
        ));
        files.push((
            Venue::BitgetFutures,
            root.join("bitget/cryptofeed_20220407_v1_mix.tsv"),
        ));
    }
    let mut hits = 0u64;
    for (venue, path) in files {
        let mut fast = BitgetParser::new(venue, Instruments::new());
        let mut slow = BitgetParser::new(venue, Instruments::new());
        slow.set_fast_paths(false);
        let mut r = Reader::open(&path).unwrap();
        while let Some(f) = r.next_frame().unwrap() {
            if f.kind == FrameKind::Rest {
                let _ = fast.parse_rest(f.payload, None, Nanos(1), &mut Vec::new());
                let _ = slow.parse_rest(f.payload, None, Nanos(1), &mut Vec::new());
                continue;
            }
            if f.kind != FrameKind::WsText {
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
        }
        hits += fast.fast_hits();
    }
    // the fixtures' book and trade frames: 99 + 14 spot, 56 + 9 mix, and the single frames
    assert!(hits >= 99 + 14 + 56 + 9 + 3 + 3, "{hits}");
    let mut p = BitgetParser::new(Venue::Bitget, Instruments::new());
    for f in steady_book_frames(3) {
        p.parse_frame(f.as_bytes(), Nanos(1), &mut Vec::new())
            .unwrap();
    }
    assert_eq!(p.fast_hits(), 4);
}
