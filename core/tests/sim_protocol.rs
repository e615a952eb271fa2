//! The simulator's protocol over loopback TLS: envelopes, control replies, synthetic books that
//! sync exactly through REST, replay of a capture, certificates, pings, lifetime, REST, shutdown.

mod sim_util;

use sim_util::*;
use sonic_rs::{JsonContainerTrait, JsonValueTrait, Value};
use std::path::Path;
use std::time::{Duration, Instant};
use tickwire::decimal;
use tickwire::event::Venue;
use tickwire::sim::{SimConfig, Simulator, Source};

fn synth(venue: Venue, rate: u32) -> Simulator {
    let mut c = SimConfig::new(venue);
    c.source = Source::Synthetic {
        rate_per_sec: rate,
        symbols: Vec::new(),
    };
    Simulator::start(c).expect("start")
}

#[test]
fn combined_envelope_and_control_replies() {
    let sim = synth(Venue::Binance, 2000);
    let mut ws = connect(&sim, "/stream?streams=btcusdt@trade");
    let t = next_text(&mut ws, Duration::from_secs(5)).expect("frame");
    let v: Value = sonic_rs::from_str(&t).expect("json");
    assert_eq!(field(&v, "stream").as_str(), Some("btcusdt@trade"));
    assert_eq!(field(field(&v, "data"), "e").as_str(), Some("trade"));

    let (r, _) = request(
        &mut ws,
        r#"{"method":"SUBSCRIBE","params":["btcusdt@bookTicker"],"id":1}"#,
        "1",
    );
    assert_eq!(r, r#"{"result":null,"id":1}"#);
    let (r, _) = request(&mut ws, r#"{"method":"LIST_SUBSCRIPTIONS","id":2}"#, "2");
    assert_eq!(
        r,
        r#"{"result":["btcusdt@trade","btcusdt@bookTicker"],"id":2}"#
    );
    let (r, _) = request(
        &mut ws,
        r#"{"method":"UNSUBSCRIBE","params":["btcusdt@trade"],"id":3}"#,
        "3",
    );
    assert_eq!(r, r#"{"result":null,"id":3}"#);
    let (r, _) = request(
        &mut ws,
        r#"{"method":"LIST_SUBSCRIPTIONS","id":"abc"}"#,
        "\"abc\"",
    );
    assert_eq!(r, r#"{"result":["btcusdt@bookTicker"],"id":"abc"}"#);
    let (r, after) = request(&mut ws, r#"{"method":"FROB","id":4}"#, "4");
    assert!(
        r.starts_with(r#"{"code":2,"msg":"Invalid request: "#) && r.ends_with(r#""id":4}"#),
        "{r}"
    );
    assert!(
        after
            .iter()
            .all(|f| f.starts_with(r#"{"stream":"btcusdt@bookTicker""#)),
        "unsubscribed stream still sent"
    );
    let (r, _) = request(
        &mut ws,
        r#"{"method":"SUBSCRIBE","params":"x","id":5}"#,
        "5",
    );
    assert!(r.starts_with(r#"{"code":2,"#), "{r}");
    send(&mut ws, "not json");
    loop {
        let t = next_text(&mut ws, Duration::from_secs(5)).expect("reply");
        if t.starts_with("{\"code\"") {
            assert!(t.starts_with(r#"{"code":3,"msg":"Invalid JSON"#), "{t}");
            break;
        }
    }
    while !next_text(&mut ws, Duration::from_secs(5))
        .expect("frame")
        .starts_with(r#"{"stream":"btcusdt@bookTicker""#)
    {}
    let st = sim.stats();
    assert_eq!(st.subscribe_requests, 1);
    assert!(st.control_requests >= 7);
    assert!(
        st.frames_per_stream
            .get("btcusdt@bookTicker")
            .copied()
            .unwrap_or(0)
            > 0
    );
    sim.shutdown();
}

#[test]
fn raw_stream_sends_bare_payloads() {
    let sim = synth(Venue::Binance, 2000);
    let mut ws = connect(&sim, "/ws/btcusdt@depth@100ms");
    for _ in 0..5 {
        let t = next_text(&mut ws, Duration::from_secs(5)).expect("frame");
        assert!(t.starts_with(r#"{"e":"depthUpdate","E":"#), "{t}");
    }
}

fn check_sync(venue: Venue, symbol: &str) {
    let sim = synth(venue, 3000);
    let mut s = Syncer::start(&sim, symbol);
    let info = s
        .pipe
        .instruments()
        .find(venue, symbol)
        .expect("instrument");
    let (pe, qe) = (info.px_exp, info.qty_exp);
    let mut tickers = 0;
    let mut trades = 0;
    let mut prev_u: Option<u64> = None;
    for _ in 0..1500 {
        let t = s.step().expect("frame");
        let v: Value = sonic_rs::from_str(&t).expect("json");
        let stream = field(&v, "stream").as_str().expect("stream").to_string();
        let d = field(&v, "data");
        let num = |k: &str, e: i8| {
            decimal::parse(field(d, k).as_str().expect(k).as_bytes(), e).expect("decimal")
        };
        if stream.ends_with("@depth@100ms") {
            let (first, last) = (
                field(d, "U").as_u64().unwrap(),
                field(d, "u").as_u64().unwrap(),
            );
            if let Some(p) = prev_u {
                assert_eq!(first, p + 1, "spot chain");
                if venue != Venue::Binance {
                    assert_eq!(field(d, "pu").as_u64(), Some(p), "pu chain");
                }
            }
            prev_u = Some(last);
        }
        let Some(book) = s.book() else { continue };
        let (bb, ba) = (book.best_bid().expect("bid"), book.best_ask().expect("ask"));
        assert!(bb.px < ba.px, "crossed");
        if stream.ends_with("@bookTicker") && field(d, "u").as_u64() >= Some(s.snap_id) {
            tickers += 1;
            assert_eq!(
                (num("b", pe), num("B", qe), num("a", pe), num("A", qe)),
                (bb.px, bb.qty, ba.px, ba.qty),
                "bookTicker != book top: {t}"
            );
            assert_eq!(field(d, "u").as_u64(), prev_u, "bookTicker u = last diff u");
        } else if stream.ends_with("@trade") && tickers > 0 {
            trades += 1;
            let p = num("p", pe);
            assert!(p == bb.px || p == ba.px, "trade at the touch");
        }
    }
    let bs = s.pipe.books().stats();
    assert_eq!(bs.gaps, 0, "{bs:?}");
    assert!(bs.snapshots == 1 && bs.applied > 300, "{bs:?}");
    assert_eq!(s.pipe.stats().malformed, 0);
    assert!(
        tickers > 100 && trades > 50,
        "tickers {tickers} trades {trades}"
    );
}

#[test]
fn synthetic_spot_book_syncs_through_rest_gap_free() {
    check_sync(Venue::Binance, "BTCUSDT");
}

#[test]
fn synthetic_usdm_book_syncs_through_rest_gap_free() {
    check_sync(Venue::BinanceUsdm, "BTCUSDT");
}

#[test]
fn synthetic_coinm_book_syncs_through_rest_gap_free() {
    check_sync(Venue::BinanceCoinm, "BTCUSD_PERP");
}

#[test]
fn replay_delivers_the_capture_in_order() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/binance/hftbacktest_btcusdt_20240808_first2500.tsv");
    let text = std::fs::read_to_string(&path).expect("fixture");
    let mut ws_rows = Vec::new();
    let mut snapshot = None;
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.splitn(4, '\t').collect();
        match cols[2] {
            "rest_depth_snapshot" => snapshot = Some(cols[3].to_string()),
            _ => ws_rows.push(cols[3].to_string()),
        }
    }
    let sim = Simulator::start(SimConfig::replay(Venue::Binance, vec![path])).expect("start");
    let mut ws = connect(
        &sim,
        "/stream?streams=btcusdt@depth@100ms/btcusdt@bookTicker/btcusdt@trade",
    );
    for (i, want) in ws_rows.iter().enumerate() {
        let got = next_text(&mut ws, Duration::from_secs(5))
            .unwrap_or_else(|| panic!("frame {i} missing"));
        assert_eq!(&got, want, "frame {i}");
    }
    let r = get(&sim, "/api/v3/depth?symbol=BTCUSDT&limit=1000");
    assert_eq!(r.status, 200);
    assert_eq!(Some(r.body), snapshot);
    let end = Instant::now() + Duration::from_secs(5);
    while !sim.stats().source_done && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(sim.stats().source_done);
}

#[test]
fn a_client_with_another_ca_fails_the_handshake() {
    let sim = synth(Venue::Binance, 100);
    let other = synth(Venue::Binance, 100);
    assert!(tls(&sim, other.ca_pem()).is_err());
    assert!(tls(&sim, sim.ca_pem()).is_ok());
    let end = Instant::now() + Duration::from_secs(5);
    while sim.stats().tls_failures == 0 && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(sim.stats().tls_failures, 1);
    let dir = std::env::temp_dir().join(format!("tw-sim-ca-{}.pem", std::process::id()));
    sim.write_ca(&dir).expect("write ca");
    assert_eq!(std::fs::read_to_string(&dir).expect("read"), sim.ca_pem());
    let _ = std::fs::remove_file(dir);
}

#[test]
fn pings_arrive_and_the_lifetime_closes_with_server_shutdown() {
    let mut c = SimConfig::new(Venue::Binance);
    c.ping_interval = Duration::from_millis(100);
    c.lifetime = Some(Duration::from_millis(1200));
    c.source = Source::Synthetic {
        rate_per_sec: 50,
        symbols: vec![],
    };
    let sim = Simulator::start(c).expect("start");
    let mut ws = connect(&sim, "/stream?streams=btcusdt@trade");
    let t0 = Instant::now();
    let (mut pings, mut notice, mut closed) = (0, None, None);
    while t0.elapsed() < Duration::from_secs(5) {
        match ws.read() {
            Ok(tungstenite::Message::Ping(_)) => pings += 1,
            Ok(tungstenite::Message::Text(t)) if t.contains("serverShutdown") => {
                assert!(
                    t.starts_with(
                        r#"{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":"#
                    ),
                    "{t}"
                );
                notice = Some(t0.elapsed());
            }
            Ok(tungstenite::Message::Close(_)) => {}
            Ok(_) => {}
            Err(_) => {
                closed = Some(t0.elapsed());
                break;
            }
        }
    }
    assert!(pings >= 8, "pings {pings}");
    let (notice, closed) = (notice.expect("serverShutdown"), closed.expect("closed"));
    assert!(
        notice < closed && closed >= Duration::from_millis(1100) && closed < Duration::from_secs(3),
        "{notice:?} {closed:?}"
    );
    assert!(sim.stats().pings_sent >= 8);
}

#[test]
fn rest_endpoints_and_errors() {
    let sim = synth(Venue::Binance, 3000);
    let mut ws = connect(&sim, "/ws/btcusdt@trade");
    for _ in 0..20 {
        next_text(&mut ws, Duration::from_secs(5)).expect("trade");
    }
    let r = get(&sim, "/api/v3/trades?symbol=BTCUSDT&limit=5");
    assert_eq!(r.status, 200);
    assert!(r.head.contains("X-MBX-USED-WEIGHT-1M: "), "{}", r.head);
    let v: Value = sonic_rs::from_str(&r.body).expect("json");
    let a = v.as_array().expect("array");
    assert_eq!(a.len(), 5);
    for k in [
        "id",
        "price",
        "qty",
        "quoteQty",
        "time",
        "isBuyerMaker",
        "isBestMatch",
    ] {
        assert!(a[0].get(k).is_some(), "{k}");
    }
    let r = get(&sim, "/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=3");
    assert_eq!(r.status, 200);
    let v: Value = sonic_rs::from_str(&r.body).expect("json");
    let row = &v.as_array().expect("rows")[0];
    assert_eq!(row.as_array().expect("row").len(), 12);
    let r = get(&sim, "/api/v3/nope");
    assert_eq!(r.status, 404);
    assert!(r.body.starts_with("{\"code\":"));
    assert_eq!(get(&sim, "/api/v3/depth").status, 400);
    let r = get(&sim, "/api/v3/depth?symbol=NOPE");
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, r#"{"code":-1121,"msg":"Invalid symbol."}"#)
    );
    assert_eq!(
        get(&sim, "/api/v3/klines?symbol=BTCUSDT&interval=7m").status,
        400
    );
    assert!(sim.stats().rest_requests >= 6);
}

/// REST klines of any interval Binance has: rows open on their interval's boundary (UTC) and
/// close one millisecond before the next; the month is `1M` (a calendar month), not `1m`.
#[test]
fn rest_klines_of_other_intervals() {
    let sim = synth(Venue::Binance, 500);
    let rows = |q: &str| -> Vec<Vec<Value>> {
        let r = get(&sim, &format!("/api/v3/klines?symbol=BTCUSDT&{q}"));
        assert_eq!(r.status, 200, "{q}: {}", r.body);
        let v: Value = sonic_rs::from_str(&r.body).expect("json");
        v.as_array()
            .expect("rows")
            .iter()
            .map(|row| row.as_array().expect("row").iter().cloned().collect())
            .collect()
    };
    for (q, ms) in [
        ("interval=5m&limit=2", 300_000i64),
        ("interval=1h", 3_600_000),
        ("interval=1d", 86_400_000),
    ] {
        let got = rows(q);
        assert!(!got.is_empty(), "{q}");
        for row in &got {
            let open = row[0].as_i64().expect("open");
            let close = row[6].as_i64().expect("close");
            assert_eq!(open % ms, 0, "{q}: open {open}");
            assert_eq!(close, open + ms - 1, "{q}");
            assert_eq!(row.len(), 12);
        }
    }
    let month = rows("interval=1M");
    let open = month[0][0].as_i64().expect("open");
    let close = month[0][6].as_i64().expect("close");
    // the first of a month, 00:00 UTC, and a month is 28 to 31 days
    assert_eq!(open % 86_400_000, 0);
    let days = (close + 1 - open) / 86_400_000;
    assert!((28..=31).contains(&days), "{days}");
    assert_eq!(
        tickwire::sim::dialect::rfc3339(open).get(8..10),
        Some("01"),
        "{open}"
    );
    // spot has one-second klines; futures do not
    let secs = rows("interval=1s");
    for row in &secs {
        assert_eq!(row[6].as_i64().unwrap() - row[0].as_i64().unwrap(), 999);
    }
    let usdm = synth(Venue::BinanceUsdm, 500);
    assert_eq!(
        get(&usdm, "/fapi/v1/klines?symbol=BTCUSDT&interval=1s").status,
        400
    );
    assert_eq!(
        get(&usdm, "/fapi/v1/klines?symbol=BTCUSDT&interval=4h").status,
        200
    );
    // the case of the unit matters: `1M` is a month, `1H` nothing
    assert_eq!(
        get(&sim, "/api/v3/klines?symbol=BTCUSDT&interval=1H").status,
        400
    );
}

#[test]
fn futures_rest_snapshot_shape() {
    let sim = synth(Venue::BinanceCoinm, 500);
    let r = get(&sim, "/dapi/v1/depth?symbol=BTCUSD_PERP&limit=5");
    let v: Value = sonic_rs::from_str(&r.body).expect("json");
    for k in ["lastUpdateId", "symbol", "pair", "E", "T", "bids", "asks"] {
        assert!(v.get(k).is_some(), "{k}: {}", r.body);
    }
    assert_eq!(field(&v, "bids").as_array().map(|a| a.len()), Some(5));
}

#[test]
fn shutdown_joins_every_thread_and_closes_clients() {
    let sim = synth(Venue::Binance, 1000);
    let mut ws = connect(&sim, "/stream?streams=btcusdt@trade");
    next_text(&mut ws, Duration::from_secs(5)).expect("frame");
    let _idle = tls(&sim, sim.ca_pem()).expect("idle tls connection");
    let t = Instant::now();
    sim.shutdown();
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    let end = Instant::now() + Duration::from_secs(2);
    let mut ended = false;
    while Instant::now() < end {
        if let Err(e) = ws.read() {
            if !matches!(&e, tungstenite::Error::Io(io) if io.kind() == std::io::ErrorKind::WouldBlock)
            {
                ended = true;
                break;
            }
        }
    }
    assert!(ended);
}

#[test]
fn hostile_requests_do_not_hurt_the_server() {
    let sim = synth(Venue::Binance, 500);
    let mut ws = connect(&sim, "/ws");
    let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    send(&mut ws, &deep);
    let r = next_text(&mut ws, Duration::from_secs(5)).expect("reply");
    assert!(r.starts_with(r#"{"code":2"#), "{r}");
    let (r, _) = request(&mut ws, r#"{"method":"LIST_SUBSCRIPTIONS","id":1}"#, "1");
    assert_eq!(r, r#"{"result":[],"id":1}"#);
    // garbage HTTP over TLS is answered 400 and the server keeps serving
    let mut s = tls(&sim, sim.ca_pem()).expect("tls");
    use std::io::{Read, Write};
    s.write_all(b"\x01\x02 nonsense\r\n\r\n").expect("write");
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    assert!(
        buf.starts_with(b"HTTP/1.1 400"),
        "{}",
        String::from_utf8_lossy(&buf)
    );
    assert_eq!(
        get(&sim, "/api/v3/depth?symbol=BTCUSDT&limit=5").status,
        200
    );
}
