//! Unit tests of the Gate.io parser on the frames Gate documents (`docs/exchanges.md` §6 and
//! Gate's API pages). These are SYNTHETIC: the documented examples, not captures (the real
//! captures are checked in `core/tests/gateio_corpus.rs`). Order Book V2 (`*.obu`) and error
//! frames exist only here: no real recording of them was found.

use super::*;
use crate::book::{BookConfig, Books};
use crate::event::{book_text_parts, flags, Kind, Side, StatusCode};
use crate::pipeline::{Pipeline, PipelineConfig};

fn spot() -> GateioParser {
    GateioParser::new(Venue::Gateio, Instruments::new())
}

fn futures() -> GateioParser {
    GateioParser::new(Venue::GateioFutures, Instruments::new())
}

fn parse(p: &mut GateioParser, frame: &str) -> (Result<Control, ParseError>, Vec<Event>) {
    let mut out = Vec::new();
    let r = p.parse_frame(frame.as_bytes(), Nanos(7), &mut out);
    (r, out)
}

/// Both paths give the same answer (fast on and off).
fn parse_both(futures_market: bool, frame: &str) -> (Result<Control, ParseError>, Vec<Event>) {
    let mk = || if futures_market { futures() } else { spot() };
    let (mut a, mut b) = (mk(), mk());
    b.set_fast_paths(false);
    let ra = parse(&mut a, frame);
    let rb = parse(&mut b, frame);
    assert_eq!(ra, rb, "fast and general paths differ on {frame}");
    assert_eq!(b.fast_hits(), 0);
    ra
}

#[test]
fn acks_errors_and_pongs_synthetic() {
    // §6.2 subscribe ack (with the request id) and error frames
    let (r, out) = parse_both(
        false,
        r#"{"time":1611541000,"time_ms":1611541000001,"id":123,"channel":"spot.trades","event":"subscribe","error":null,"result":{"status":"success"}}"#,
    );
    assert_eq!(r, Ok(Control::Ack { id: 123 }));
    assert!(out.is_empty());
    let (r, _) = parse_both(
        false,
        r#"{"time":1747391482,"time_ms":1747391482960,"id":1,"conn_id":"d9db9373dc5e081e","trace_id":"ee00","channel":"spot.obu","event":"subscribe","payload":["ob.BTC_USDT.400"],"error":{"code":2,"message":"Alert sub ob.BTC_USDT.400"},"result":{"status":"fail"}}"#,
    );
    assert_eq!(
        r,
        Ok(Control::VenueError {
            code: 2,
            msg: "Alert sub ob.BTC_USDT.400".into()
        })
    );
    // a failure without an error object is still an error
    let (r, _) = parse_both(
        true,
        r#"{"time":1,"channel":"futures.trades","event":"subscribe","result":{"status":"fail"}}"#,
    );
    assert!(matches!(r, Ok(Control::VenueError { code: 0, .. })));
    // unsubscribe acks (futures acks carry time_ms 0)
    let (r, _) = parse_both(
        true,
        r#"{"time":1545445847,"time_ms":0,"channel":"futures.order_book_update","event":"unsubscribe","result":{"status":"success"}}"#,
    );
    assert_eq!(r, Ok(Control::Ack { id: -1 }));
    // application pong
    let (r, _) = parse_both(
        false,
        r#"{"time":1545404023,"channel":"spot.pong","event":"","error":null,"result":null}"#,
    );
    assert_eq!(r, Ok(Control::Heartbeat));
    let (r, _) = parse_both(
        true,
        r#"{"time":1545404023,"time_ms":1545404023123,"channel":"futures.pong","event":"","result":null}"#,
    );
    assert_eq!(r, Ok(Control::Heartbeat));
    // the other market's data, tickers, unknown channels: ignored, counted
    let mut p = spot();
    for f in [
        r#"{"time":1,"channel":"futures.trades","event":"update","result":[]}"#,
        r#"{"time":1669107766,"time_ms":1669107766406,"channel":"spot.tickers","event":"update","result":{"currency_pair":"BTC_USDT","last":"15743.4"}}"#,
        r#"{"time":1,"channel":"spot.balances","event":"update","result":[]}"#,
        r#"{"method": "trades.update", "params": ["BTC_USDT", []], "id": null}"#,
        r#"[1,2,3]"#,
    ] {
        assert_eq!(parse(&mut p, f).0, Ok(Control::Ignored), "{f}");
    }
    assert_eq!(p.stats().ignored, 5);
    // not JSON, not UTF-8, an update without its result
    for f in [
        &b"{\"time\":1,"[..],
        b"\xff\xfe",
        br#"{"time":1,"channel":"spot.trades","event":"update"}"#,
        br#"{"time":1,"channel":"spot.trades","event":"update","result":{"id":1}}"#,
    ] {
        let mut out = Vec::new();
        assert!(p.parse_frame(f, Nanos(1), &mut out).is_err());
        assert!(out.is_empty());
    }
    assert_eq!(p.stats().malformed, 4);
}

#[test]
fn spot_trade_book_ticker_and_candle_documented() {
    // spot.trades: `side` is the taker's; create_time_ms has a fraction of a ms
    let (r, out) = parse_both(
        false,
        r#"{"time":1606292218,"time_ms":1606292218231,"channel":"spot.trades","event":"update","result":{"id":309143071,"id_market":2390902,"create_time":1606292218,"create_time_ms":"1606292218213.4578","side":"sell","currency_pair":"GT_USDT","amount":"16.4700000000","price":"0.4705000000","range":"2390902-2390902"}}"#,
    );
    assert_eq!(r, Ok(Control::Data));
    let t = out[0];
    assert_eq!(t.kind(), Some(Kind::Trade));
    assert_eq!(t.side(), Side::Sell);
    assert_eq!(t.seq, 309143071);
    assert_eq!(t.ts_exchange, 1_606_292_218_213_457_800);
    assert_eq!((t.px_exp, t.qty_exp), SPOT_EXPONENTS);
    assert_eq!(t.v[0], 4_705_000_000);
    assert_eq!(t.v[1], 164_700_000_000);
    assert!(t.has(flags::FIRST | flags::LAST));
    // spot.book_ticker → quote with the update id
    let (_, out) = parse_both(
        false,
        r#"{"time":1606293275,"time_ms":1606293275723,"channel":"spot.book_ticker","event":"update","result":{"t":1606293275123,"u":48733182,"s":"BTC_USDT","b":"19177.79","B":"0.0003341504","a":"19179.38","A":"0.09"}}"#,
    );
    let q = out[0];
    assert_eq!(q.kind(), Some(Kind::Quote));
    assert_eq!(
        (q.seq, q.ts_exchange),
        (48733182, 1_606_293_275_123_000_000)
    );
    assert_eq!(
        q.v[..4],
        [
            191_777_900_000_000,
            3_341_504,
            191_793_800_000_000,
            900_000_000
        ]
    );
    // spot.candlesticks with `w: true` (window closed); volume = base amount `a`
    let (_, out) = parse_both(
        false,
        r#"{"time":1606292600,"time_ms":1606292600376,"channel":"spot.candlesticks","event":"update","result":{"t":"1606292580","v":"2362.32035","c":"19128.1","h":"19128.1","l":"19128.1","o":"19128.1","n":"1m_BTC_USDT","a":"3.8283","w":true}}"#,
    );
    let c = out[0];
    assert_eq!(c.kind(), Some(Kind::Candle));
    assert!(c.has(flags::CLOSED));
    assert_eq!((c.seq, c.aux), (1_606_292_580_000, 60));
    assert_eq!(c.v[4], 38_283_000_000);
    assert_eq!(c.ts_exchange, 1_606_292_600_376_000_000);
}

#[test]
fn futures_trades_sign_is_the_taker_side() {
    let (r, out) = parse_both(
        true,
        r#"{"time":1653808101,"channel":"futures.trades","event":"update","result":[{"size":-7,"id":376991,"create_time":1653808101,"create_time_ms":1653808101123,"price":"29009.9","contract":"BTC_USDT"},{"size":9,"id":376992,"create_time":1653808101,"price":"29008.7","contract":"BTC_USDT","is_internal":true}]}"#,
    );
    assert_eq!(r, Ok(Control::Data));
    assert_eq!(out.len(), 2);
    assert_eq!((out[0].side(), out[0].v[1]), (Side::Sell, 7));
    assert_eq!(out[0].ts_exchange, 1_653_808_101_123_000_000);
    assert_eq!((out[1].side(), out[1].v[1]), (Side::Buy, 9));
    assert_eq!(out[1].ts_exchange, 1_653_808_101_000_000_000);
    assert!(out[1].has(flags::OFF_BOOK) && !out[0].has(flags::OFF_BOOK));
    assert_eq!((out[0].px_exp, out[0].qty_exp), FUTURES_EXPONENTS);
    // sizes as decimal strings (`X-Gate-Size-Decimal: 1`) at a finer size exponent
    let t = Instruments::new();
    t.set_exponents(Venue::GateioFutures, "BTC_USDT", -10, -4);
    let mut p = GateioParser::new(Venue::GateioFutures, t);
    let (_, out) = parse(
        &mut p,
        r#"{"time":1,"channel":"futures.trades","event":"update","result":[{"size":"-0.5","id":1,"create_time":1,"price":"1","contract":"BTC_USDT"}]}"#,
    );
    assert_eq!((out[0].side(), out[0].v[1]), (Side::Sell, 5_000));
    // ... which do not fit whole contracts: withheld and reported, never rounded
    let (r, out) = parse(
        &mut futures(),
        r#"{"time":1,"channel":"futures.trades","event":"update","result":[{"size":"-0.5","id":1,"create_time":1,"price":"1","contract":"BTC_USDT"}]}"#,
    );
    assert!(matches!(r, Err(ParseError::Value { seq: 1, .. })));
    assert!(out.is_empty());
}

#[test]
fn order_book_update_full_snapshot_documented() {
    // §6.3: `full: true` replaces the book; `l` is the depth the stream keeps
    let (r, out) = parse_both(
        false,
        r#"{"time":1606294781,"time_ms":1606294781236,"channel":"spot.order_book_update","event":"update","result":{"t":1606294781123,"full":true,"l":"100","e":"depthUpdate","E":1606294781,"s":"BTC_USDT","U":48776301,"u":48776306,"b":[["19137.74","0.0001"],["19088.37","0"]],"a":[["19137.75","0.6135"]]}}"#,
    );
    assert_eq!(r, Ok(Control::Data));
    assert_eq!(out.len(), 3);
    assert!(out
        .iter()
        .all(|e| e.has(flags::SNAPSHOT) && !e.has(flags::TOP_N)));
    assert_eq!(
        (out[0].seq, out[0].v[2], out[0].v[3]),
        (48776306, 48776301, 100)
    );
    assert!(out[0].has(flags::FIRST) && out[2].has(flags::LAST));
    assert_eq!(book_text_parts(out[0].v[4]), (2, 4, None));
    // without `full`: a diff with U/u and no previous id (v[3] = -1)
    let (_, out) = parse_both(
        true,
        r#"{"time":1,"time_ms":2,"channel":"futures.order_book_update","event":"update","result":{"t":1615366381417,"s":"BTC_USD","U":2517661101,"u":2517661113,"b":[{"p":"54672.1","s":0},{"p":"54664.5","s":58794}],"a":[{"p":"54743.6","s":0}]}}"#,
    );
    assert!(out.iter().all(|e| !e.has(flags::SNAPSHOT)));
    assert_eq!(
        (out[0].seq, out[0].v[2], out[0].v[3]),
        (2517661113, 2517661101, -1)
    );
    assert_eq!((out[1].side(), out[1].v[1]), (Side::Buy, 58794));
    assert_eq!(out[2].side(), Side::Sell);
    // an empty diff still advances the chain: one NO_LEVEL event
    let (_, out) = parse_both(
        true,
        r#"{"time":1,"channel":"futures.order_book_update","event":"update","result":{"U":5,"a":[],"b":[],"s":"RDNT_USDT","t":1,"u":6}}"#,
    );
    assert_eq!(out.len(), 1);
    assert!(out[0].has(flags::NO_LEVEL | flags::FIRST | flags::LAST));
    assert_eq!((out[0].seq, out[0].v[2]), (6, 5));
    // a negative size is not a level
    let (r, _) = parse_both(
        true,
        r#"{"time":1,"channel":"futures.order_book_update","event":"update","result":{"U":5,"a":[{"p":"1","s":-3}],"b":[],"s":"RDNT_USDT","t":1,"u":6}}"#,
    );
    assert!(matches!(r, Err(ParseError::Malformed(_))));
}

/// Order Book V2 frames as documented (SYNTHETIC: no capture exists).
const OBU_FULL: &str = r#"{"channel":"spot.obu","result":{"t":1747054612673,"full":true,"s":"ob.BTC_USDT.50","u":73777715168,"b":[["104027.1","509392"],["104027","477932"]],"a":[["104027.2","44617"],["104027.4","39322"]]},"time_ms":1747054612848}"#;
const OBU_DIFF: &str = r#"{"channel":"spot.obu","result":{"t":1747054612695,"s":"ob.BTC_USDT.50","U":73777715169,"u":73777715212,"b":[["104024.5","10343"],["104014.5","509392"]],"a":[["104027.2","0"],["104027.4","0"]]},"time_ms":1747054612925}"#;

#[test]
fn order_book_v2_obu_builds_a_book_synthetic() {
    // the documented examples carry no `event`; Gate sends `"event":"update"` on pushes
    let with_event = |f: &str| {
        f.replacen(
            "\"channel\":\"spot.obu\",",
            "\"channel\":\"spot.obu\",\"event\":\"update\",",
            1,
        )
    };
    let (r, full) = parse_both(false, &with_event(OBU_FULL));
    assert_eq!(r, Ok(Control::Data));
    assert!(full.iter().all(|e| e.has(flags::SNAPSHOT)));
    // seq = u, U absent (= u), depth 50 from the stream name
    assert_eq!(
        (full[0].seq, full[0].v[2], full[0].v[3]),
        (73777715168, 73777715168, 50)
    );
    assert_eq!(full[0].ts_exchange, 1_747_054_612_673_000_000);
    let (_, diff) = parse_both(false, &with_event(OBU_DIFF));
    assert_eq!((diff[0].seq, diff[0].v[2]), (73777715212, 73777715169));
    // applied: snapshot, then the diff that starts at u + 1
    let mut books = Books::new(BookConfig::default());
    let mut out = Vec::new();
    books.apply(&full, &mut out);
    books.apply(&diff, &mut out);
    let book = books.book(full[0].instrument()).expect("live");
    let bb = book.best_bid().unwrap();
    // asks 104027.2 and 104027.4 removed: no ask left
    assert_eq!(bb.px, 1_040_271_000_000_000);
    assert!(book.best_ask().is_none());
    assert_eq!(book.seq, 73777715212);
    assert_eq!(books.stats().gaps, 0);
    // a diff that does not start at u + 1: gap, resync for this book alone
    let gap = with_event(OBU_DIFF)
        .replace("73777715169", "73777715300")
        .replace("73777715212", "73777715310");
    let (_, gap) = parse_both(false, &gap);
    books.apply(&gap, &mut out);
    assert_eq!(books.stats().gaps, 1);
    assert!(out.iter().any(|e| e.status() == Some(StatusCode::Gap)));
    assert!(books.book(full[0].instrument()).is_none());
    // futures.obu: same shape, futures parser
    let fut = with_event(OBU_FULL)
        .replace("spot.obu", "futures.obu")
        .replace("BTC_USDT.50", "BTC_USDT.400");
    let (_, out) = parse_both(true, &fut);
    assert_eq!(out[0].v[3], 400);
    assert_eq!(out[0].qty_exp, 0);
}

#[test]
fn top_n_images_documented() {
    // spot.order_book: a full top-N image with its id
    let (_, out) = parse_both(
        false,
        r#"{"time":1606295412,"time_ms":1606295412213,"channel":"spot.order_book","event":"update","result":{"t":1606295412123,"lastUpdateId":48791820,"s":"BTC_USDT","l":"5","bids":[["19079.55","0.0195"],["19079.07","0.7341"]],"asks":[["19080.24","0.1638"]]}}"#,
    );
    assert!(out.iter().all(|e| e.has(flags::SNAPSHOT | flags::TOP_N)));
    assert_eq!(out[0].seq, 48791820);
    assert_eq!(out.len(), 3);
}

#[test]
fn rest_bodies_documented() {
    let mut p = futures();
    // futures order book with id (the key order Gate uses: id last)
    let mut out = Vec::new();
    let r = p.parse_rest(
        br#"{"current":1684930166.384,"update":1684930166.35,"asks":[{"s":803,"p":"0.2974"}],"bids":[{"s":57,"p":"0.2972"}],"id":203083287}"#,
        Some("RDNT_USDT"),
        Nanos(1),
        &mut out,
    );
    assert_eq!(r, Ok(Control::Data));
    assert_eq!(out.len(), 2);
    assert!(out
        .iter()
        .all(|e| e.has(flags::SNAPSHOT) && !e.has(flags::TOP_N)));
    assert_eq!(
        (out[0].seq, out[0].ts_exchange),
        (203083287, 1_684_930_166_350_000_000)
    );
    assert_eq!((out[0].side(), out[0].v[1]), (Side::Buy, 57));
    // without a symbol: the book stage matches it
    let mut out = Vec::new();
    p.parse_rest(
        br#"{"id":1,"current":1,"update":1,"asks":[],"bids":[]}"#,
        None,
        Nanos(1),
        &mut out,
    )
    .unwrap();
    assert_eq!(out[0].instrument(), crate::event::InstrumentId::NONE);
    assert!(out[0].has(flags::NO_LEVEL));
    // error body
    let mut out = Vec::new();
    let r = p.parse_rest(
        br#"{"label":"INVALID_CURRENCY_PAIR","message":"Invalid currency pair"}"#,
        Some("X"),
        Nanos(1),
        &mut out,
    );
    assert_eq!(
        r,
        Ok(Control::VenueError {
            code: 0,
            msg: "INVALID_CURRENCY_PAIR: Invalid currency pair".into()
        })
    );
    // futures trades and candles
    let mut out = Vec::new();
    p.parse_rest(
        br#"[{"id":121234231,"create_time":1514764800,"contract":"BTC_USDT","size":-100,"price":"100.123"}]"#,
        None,
        Nanos(1),
        &mut out,
    )
    .unwrap();
    assert_eq!(
        (out[0].side(), out[0].v[1], out[0].seq),
        (Side::Sell, 100, 121234231)
    );
    let mut out = Vec::new();
    p.parse_rest(
        br#"[{"t":1539852480,"v":97151,"c":"1.032","h":"1.032","l":"1.032","o":"1.032","sum":"3580"},{"t":1539852540,"v":1,"c":"1","h":"1","l":"1","o":"1","sum":"1"}]"#,
        Some("BTC_USDT"),
        Nanos(1_539_852_560_000_000_000),
        &mut out,
    )
    .unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!(
        (out[0].aux, out[0].v[4], out[0].seq),
        (60, 97151, 1_539_852_480_000)
    );
    assert!(out[0].has(flags::CLOSED) && !out[1].has(flags::CLOSED));
    // spot: trades (ids and times as strings), candles with their closed flag
    let mut s = spot();
    let mut out = Vec::new();
    s.parse_rest(
        br#"[{"id":"1232893232","create_time":"1548000000","create_time_ms":"1548000000123.456","side":"buy","amount":"0.15","price":"0.03","sequence_id":"588018"}]"#,
        Some("ETH_BTC"),
        Nanos(1),
        &mut out,
    )
    .unwrap();
    assert_eq!((out[0].seq, out[0].side()), (1232893232, Side::Buy));
    assert_eq!(out[0].ts_exchange, 1_548_000_000_123_456_000);
    let mut out = Vec::new();
    s.parse_rest(
        br#"[["1539852480","971519.677","0.0021724","0.0021922","0.0021724","0.0021737","447.2","true"],["1539852540","1","1","1","1","1","1","false"]]"#,
        Some("ETH_BTC"),
        Nanos(1),
        &mut out,
    )
    .unwrap();
    assert_eq!(out.len(), 2);
    assert!(out[0].has(flags::CLOSED) && !out[1].has(flags::CLOSED));
    assert_eq!(out[0].v[0], 21_737_000);
    assert_eq!(out[0].v[4], 4_472_000_000_000);
    // a candles page without its symbol cannot be attributed
    let mut out = Vec::new();
    assert!(s
        .parse_rest(br#"[["1","1","1","1","1","1"]]"#, None, Nanos(1), &mut out)
        .is_err());
}

#[test]
fn metadata_presets_exponents() {
    let t = Instruments::new();
    let mut s = GateioParser::new(Venue::Gateio, t.clone());
    let mut out = Vec::new();
    let r = s.parse_rest(
        br#"[{"id":"ETH_USDT","base":"ETH","quote":"USDT","max_base_amount":"10000","amount_precision":3,"precision":6},{"id":"SHIB_USDT","amount_precision":0,"precision":12,"max_base_amount":"100000000000"},{"id":"X_USDT","precision":9,"amount_precision":1,"max_base_amount":null}]"#,
        None,
        Nanos(1),
        &mut out,
    );
    assert_eq!(r, Ok(Control::Ignored));
    let e = |v, s: &str| {
        let i = t.intern(v, s, (0, 0));
        (i.px_exp, i.qty_exp)
    };
    assert_eq!(e(Venue::Gateio, "ETH_USDT"), (-10, -10));
    assert_eq!(e(Venue::Gateio, "SHIB_USDT"), (-12, -6));
    assert_eq!(e(Venue::Gateio, "X_USDT"), (-10, -10));
    let mut f = GateioParser::new(Venue::GateioFutures, t.clone());
    f.parse_rest(
        br#"[{"name":"PEPE_USDT","order_price_round":"0.000000000001","mark_price_round":"0.000000000001","order_size_min":1,"order_size_max":1000000,"quanto_multiplier":"10000000"},{"name":"ETH_USDT","order_price_round":"0.05","order_size_min":"0.01","quanto_multiplier":"0.01"}]"#,
        None,
        Nanos(1),
        &mut out,
    )
    .unwrap();
    assert_eq!(e(Venue::GateioFutures, "PEPE_USDT"), (-12, 0));
    assert_eq!(e(Venue::GateioFutures, "ETH_USDT"), (-10, -2));
    assert!(out.is_empty());
}

#[test]
fn pipeline_seeds_a_book_from_rest_and_follows_the_diffs() {
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let mut ev = Vec::new();
    p.on_rest(
        Venue::Gateio,
        br#"{"id":100,"current":1654249533113,"update":1654249526591,"asks":[["2","1"]],"bids":[["1","1"]]}"#,
        Some("BTC_USDT"),
        Nanos(1),
        &mut |e| ev.push(*e),
    )
    .unwrap();
    // covered by the snapshot (u <= id): dropped; then U <= id+1 <= u bridges; then U = u+1
    for (u0, u1, px) in [(99, 100, "1.5"), (95, 101, "1.1"), (102, 102, "1.2")] {
        let f = format!(
            r#"{{"time":1,"channel":"spot.order_book_update","event":"update","result":{{"t":1,"e":"depthUpdate","E":1,"s":"BTC_USDT","U":{u0},"u":{u1},"b":[["{px}","3"]],"a":[]}}}}"#
        );
        p.on_frame(Venue::Gateio, f.as_bytes(), Nanos(2), &mut |e| ev.push(*e))
            .unwrap();
    }
    let id = p.instruments().find(Venue::Gateio, "BTC_USDT").unwrap().id;
    let book = p.books().book(id).expect("live");
    assert_eq!(book.seq, 102);
    assert_eq!(book.best_bid().unwrap().px, 12_000_000_000);
    assert_eq!(book.depth(), (3, 1));
    assert_eq!(p.books().stats().stale, 1);
    assert!(ev
        .iter()
        .any(|e| e.status() == Some(StatusCode::BookSynced)));
}
