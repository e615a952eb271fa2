//! The simulator's venue dialects, spoken to with plain WebSocket clients: each venue's
//! documented subscribe frame is acknowledged, a book snapshot follows where the venue sends
//! one, data flows, the venue's application ping is answered, and a bad request gets the
//! venue's error shape. (The live engine against these dialects is tested per venue.)

use std::net::TcpStream;
use std::time::{Duration, Instant};
use tickwire::sim::{SimConfig, Simulator};
use tickwire::Venue;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

type Ws = WebSocket<MaybeTlsStream<TcpStream>>;

fn start(venue: Venue) -> Simulator {
    let mut cfg = SimConfig::new(venue);
    cfg.tls = false;
    cfg.hold_until_subscribed = false;
    cfg.source = tickwire::sim::Source::Synthetic {
        // modest: debug-build clients must keep up, or replies queue behind data
        rate_per_sec: 300,
        symbols: Vec::new(),
    };
    Simulator::start(cfg).expect("simulator starts")
}

fn connect(sim: &Simulator, path: &str) -> Ws {
    let url = format!("{}{path}", sim.ws_url());
    let (ws, _) = tungstenite::connect(url.as_str()).expect("connects");
    if let MaybeTlsStream::Plain(s) = ws.get_ref() {
        s.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
    }
    ws
}

/// Text frames received within `secs`, until `enough` of them match `want`.
fn collect(ws: &mut Ws, secs: u64, mut done: impl FnMut(&[String]) -> bool) -> Vec<String> {
    let end = Instant::now() + Duration::from_secs(secs);
    let mut got = Vec::new();
    while Instant::now() < end && !done(&got) {
        match ws.read() {
            Ok(Message::Text(t)) => got.push(t.to_string()),
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => panic!("connection failed: {e}"),
        }
    }
    got
}

fn count(frames: &[String], needle: &str) -> usize {
    frames.iter().filter(|f| f.contains(needle)).count()
}

struct Case {
    venue: Venue,
    path: &'static str,
    subscribe: &'static [&'static str],
    ack: &'static str,
    snapshot: Option<&'static str>,
    data: &'static [&'static str],
    ping: &'static str,
    pong: &'static str,
    bad: &'static str,
    error: &'static str,
}

const CASES: &[Case] = &[
    Case {
        venue: Venue::Okx,
        path: "/ws/v5/public",
        subscribe: &[
            r#"{"id":"1","op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"},{"channel":"trades","instId":"BTC-USDT"}]}"#,
        ],
        ack: r#""event":"subscribe""#,
        snapshot: Some(r#""action":"snapshot""#),
        data: &[r#""action":"update""#, r#""channel":"trades""#],
        ping: "ping",
        pong: "pong",
        bad: r#"{"op":"subscribe","args":[{"channel":"nope","instId":"BTC-USDT"}]}"#,
        error: r#""event":"error""#,
    },
    Case {
        venue: Venue::BybitLinear,
        path: "/v5/public/linear",
        subscribe: &[
            r#"{"req_id":"t","op":"subscribe","args":["orderbook.50.BTCUSDT","publicTrade.BTCUSDT"]}"#,
        ],
        ack: r#""success":true"#,
        snapshot: Some(r#""type":"snapshot""#),
        data: &[r#""type":"delta""#, r#""topic":"publicTrade.BTCUSDT""#],
        ping: r#"{"req_id":"p","op":"ping"}"#,
        pong: r#""ret_msg":"pong""#,
        bad: r#"{"op":"subscribe","args":["nope.BTCUSDT"]}"#,
        error: r#""success":false"#,
    },
    Case {
        venue: Venue::Coinbase,
        path: "/",
        subscribe: &[
            r#"{"type":"subscribe","product_ids":["BTC-USD"],"channel":"level2"}"#,
            r#"{"type":"subscribe","product_ids":["BTC-USD"],"channel":"market_trades"}"#,
            r#"{"type":"subscribe","channel":"heartbeats"}"#,
        ],
        ack: r#""channel":"subscriptions""#,
        snapshot: Some(r#""type":"snapshot""#),
        data: &[
            r#""type":"update","product_id""#,
            r#""channel":"market_trades""#,
            r#""channel":"heartbeats""#,
        ],
        ping: "",
        pong: "",
        bad: r#"{"type":"subscribe","product_ids":["BTC-USD"],"channel":"nope"}"#,
        error: r#""type":"error""#,
    },
    Case {
        venue: Venue::Kraken,
        path: "/v2",
        subscribe: &[
            r#"{"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":10},"req_id":1}"#,
            r#"{"method":"subscribe","params":{"channel":"trade","symbol":["BTC/USD"]},"req_id":2}"#,
        ],
        ack: r#""success":true"#,
        snapshot: Some(r#""type":"snapshot""#),
        data: &[
            r#""channel":"book","type":"update""#,
            r#""channel":"trade""#,
            r#""channel":"heartbeat""#,
        ],
        ping: r#"{"method":"ping","req_id":9}"#,
        pong: r#""method":"pong""#,
        bad: r#"{"method":"subscribe","params":{"channel":"nope","symbol":["BTC/USD"]}}"#,
        error: r#""success":false"#,
    },
    Case {
        venue: Venue::Gateio,
        path: "/ws/v4/",
        subscribe: &[
            r#"{"time":1,"id":1,"channel":"spot.order_book_update","event":"subscribe","payload":["BTC_USDT","100ms"]}"#,
            r#"{"time":1,"id":2,"channel":"spot.trades","event":"subscribe","payload":["BTC_USDT"]}"#,
        ],
        ack: r#""status":"success""#,
        snapshot: None,
        data: &[
            r#""channel":"spot.order_book_update","event":"update""#,
            r#""channel":"spot.trades""#,
        ],
        ping: r#"{"time":1,"channel":"spot.ping"}"#,
        pong: r#""channel":"spot.pong""#,
        bad: r#"{"time":1,"channel":"spot.nope","event":"subscribe","payload":["BTC_USDT"]}"#,
        error: r#""status":"fail""#,
    },
    Case {
        venue: Venue::GateioFutures,
        path: "/v4/ws/usdt",
        subscribe: &[
            r#"{"time":1,"channel":"futures.order_book_update","event":"subscribe","payload":["BTC_USDT","100ms","100"]}"#,
        ],
        ack: r#""status":"success""#,
        snapshot: None,
        data: &[r#""channel":"futures.order_book_update","event":"update""#],
        ping: r#"{"time":1,"channel":"futures.ping"}"#,
        pong: r#""channel":"futures.pong""#,
        bad: r#"{"time":1,"channel":"futures.nope","event":"subscribe","payload":["BTC_USDT"]}"#,
        error: r#""status":"fail""#,
    },
    Case {
        venue: Venue::Bitget,
        path: "/v2/ws/public",
        subscribe: &[
            r#"{"op":"subscribe","args":[{"instType":"SPOT","channel":"books","instId":"BTCUSDT"},{"instType":"SPOT","channel":"trade","instId":"BTCUSDT"}]}"#,
        ],
        ack: r#""event":"subscribe""#,
        snapshot: Some(r#""action":"snapshot","arg":{"instType":"SPOT","channel":"books""#),
        data: &[
            r#""action":"update","arg":{"instType":"SPOT","channel":"books""#,
            r#""channel":"trade""#,
        ],
        ping: "ping",
        pong: "pong",
        bad: r#"{"op":"subscribe","args":[{"instType":"SPOT","channel":"nope","instId":"BTCUSDT"}]}"#,
        error: r#""event":"error""#,
    },
    Case {
        venue: Venue::Hyperliquid,
        path: "/ws",
        subscribe: &[
            r#"{"method":"subscribe","subscription":{"type":"l2Book","coin":"BTC"}}"#,
            r#"{"method":"subscribe","subscription":{"type":"trades","coin":"BTC"}}"#,
        ],
        ack: r#""channel":"subscriptionResponse""#,
        snapshot: Some(r#""channel":"l2Book""#),
        data: &[r#""channel":"l2Book""#, r#""channel":"trades""#],
        ping: r#"{"method":"ping"}"#,
        pong: r#""channel":"pong""#,
        bad: r#"{"method":"subscribe","subscription":{"type":"nope","coin":"BTC"}}"#,
        error: r#""channel":"error""#,
    },
];

#[test]
fn every_dialect_speaks_its_venues_protocol() {
    let only = std::env::var("TW_DIALECT").ok();
    for c in CASES {
        if only.as_deref().is_some_and(|o| o != c.venue.name()) {
            continue;
        }
        let sim = start(c.venue);
        let mut ws = connect(&sim, c.path);
        for s in c.subscribe {
            ws.send(Message::text(*s)).unwrap();
        }
        let got = collect(&mut ws, 10, |g| {
            count(g, c.ack) >= 1 && c.data.iter().all(|d| count(g, d) >= 2)
        });
        assert!(
            count(&got, c.ack) >= 1,
            "{}: no ack in {:?}",
            c.venue,
            &got[..got.len().min(3)]
        );
        if let Some(snap) = c.snapshot {
            assert!(count(&got, snap) >= 1, "{}: no snapshot", c.venue);
            let first_snap = got.iter().position(|f| f.contains(snap)).unwrap();
            let first_ack = got.iter().position(|f| f.contains(c.ack)).unwrap();
            assert!(
                first_ack < first_snap || c.venue == Venue::Hyperliquid,
                "{}: snapshot before ack",
                c.venue
            );
        }
        for d in c.data {
            assert!(
                count(&got, d) >= 2,
                "{}: too few {d} frames ({} frames in all)",
                c.venue,
                got.len()
            );
        }
        if !c.ping.is_empty() {
            ws.send(Message::text(c.ping)).unwrap();
            let got = collect(&mut ws, 5, |g| count(g, c.pong) >= 1);
            assert!(count(&got, c.pong) >= 1, "{}: no pong", c.venue);
        }
        ws.send(Message::text(c.bad)).unwrap();
        let got = collect(&mut ws, 5, |g| count(g, c.error) >= 1);
        assert!(
            count(&got, c.error) >= 1,
            "{}: no error reply to a bad request ({} frames)",
            c.venue,
            got.len()
        );
        ws.send(Message::text("{not json")).unwrap();
        let got = collect(&mut ws, 5, |g| !g.is_empty());
        assert!(
            !got.is_empty(),
            "{}: silent on garbage (the connection must stay up)",
            c.venue
        );
        sim.shutdown();
    }
}

#[test]
fn coinbase_sequence_num_is_per_connection_and_contiguous() {
    let sim = start(Venue::Coinbase);
    let mut a = connect(&sim, "/");
    let mut b = connect(&sim, "/");
    for ws in [&mut a, &mut b] {
        ws.send(Message::text(
            r#"{"type":"subscribe","product_ids":["BTC-USD"],"channel":"level2"}"#,
        ))
        .unwrap();
    }
    for ws in [&mut a, &mut b] {
        let got = collect(ws, 10, |g| g.len() >= 50);
        let seqs: Vec<u64> = got
            .iter()
            .map(|f| {
                let v: serde_json::Value = serde_json::from_str(f).unwrap();
                v["sequence_num"]
                    .as_u64()
                    .expect("every frame has a sequence_num")
            })
            .collect();
        assert_eq!(seqs[0], 0, "each connection counts from 0");
        assert!(
            seqs.windows(2).all(|w| w[1] == w[0] + 1),
            "contiguous: {seqs:?}"
        );
    }
    sim.shutdown();
}

#[test]
fn okx_closes_connections_that_do_not_ping() {
    let mut cfg = SimConfig::new(Venue::Okx);
    cfg.tls = false;
    cfg.idle_timeout = Some(Duration::from_millis(700));
    let sim = Simulator::start(cfg).unwrap();
    let mut ws = connect(&sim, "/ws/v5/public");
    ws.send(Message::text(
        r#"{"op":"subscribe","args":[{"channel":"trades","instId":"BTC-USDT"}]}"#,
    ))
    .unwrap();
    let end = Instant::now() + Duration::from_secs(10);
    let mut closed = false;
    while Instant::now() < end {
        match ws.read() {
            Ok(Message::Close(_)) => {
                closed = true;
                break;
            }
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => {
                closed = true;
                break;
            }
        }
    }
    assert!(closed, "an idle client is disconnected");
    sim.shutdown();
}
