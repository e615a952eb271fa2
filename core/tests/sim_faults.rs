//! Every simulator fault has a visible effect on a client.

mod sim_util;

use sim_util::*;
use sonic_rs::{JsonValueTrait, Value};
use std::time::{Duration, Instant};
use tickwire::event::Venue;
use tickwire::sim::{Fault, SimConfig, Simulator, Source};

fn synth(rate: u32) -> Simulator {
    let mut c = SimConfig::new(Venue::Binance);
    c.source = Source::Synthetic {
        rate_per_sec: rate,
        symbols: Vec::new(),
    };
    c.ping_interval = Duration::from_millis(100);
    Simulator::start(c).expect("start")
}

/// A synced client (book live, some frames processed).
fn synced(sim: &Simulator) -> Syncer {
    let mut s = Syncer::start(sim, "BTCUSDT");
    for _ in 0..100 {
        s.step().expect("frame");
    }
    assert!(s.book().is_some());
    assert_eq!(s.pipe.books().stats().gaps, 0);
    s
}

#[test]
fn drop_makes_a_sequence_gap() {
    let sim = synth(3000);
    let mut s = synced(&sim);
    sim.inject(Fault::Drop(2));
    // frames queued before the fault come first: read until the gap shows (bounded)
    let end = Instant::now() + Duration::from_secs(10);
    while s.pipe.books().stats().gaps == 0 {
        assert!(Instant::now() < end, "no gap: {:?}", s.pipe.books().stats());
        s.step().expect("frame");
    }
    assert_eq!(sim.stats().faults_applied, 1);
}

#[test]
fn corrupt_frames_are_counted_malformed() {
    let sim = synth(3000);
    let mut s = synced(&sim);
    sim.inject(Fault::Corrupt(3));
    let end = Instant::now() + Duration::from_secs(10);
    while s.pipe.stats().malformed < 3 {
        assert!(Instant::now() < end, "{:?}", s.pipe.stats());
        s.step().expect("frame");
    }
    // and no more than the three
    for _ in 0..100 {
        s.step().expect("frame");
    }
    assert_eq!(s.pipe.stats().malformed, 3);
}

#[test]
fn duplicate_sends_frames_twice() {
    let sim = synth(3000);
    let mut s = synced(&sim);
    sim.inject(Fault::Duplicate(4));
    let mut prev = String::new();
    let mut twice = 0;
    let end = Instant::now() + Duration::from_secs(10);
    let mut after = 0;
    // until the four show (frames queued before the fault come first), then 200 more
    while after < 200 {
        assert!(Instant::now() < end, "duplicates seen: {twice}");
        let t = s.step().expect("frame");
        if t == prev {
            twice += 1;
        }
        prev = t;
        if twice >= 4 {
            after += 1;
        }
    }
    assert_eq!(twice, 4);
    assert_eq!(s.pipe.books().stats().gaps, 0, "duplicates are not gaps");
}

fn seq_of(t: &str) -> (String, u64) {
    let v: Value = sonic_rs::from_str(t).expect("json");
    let stream = field(&v, "stream").as_str().expect("stream").to_string();
    let d = field(&v, "data");
    let id = ["u", "t", "a"]
        .iter()
        .find_map(|k| d.get(k).and_then(|x| x.as_u64()))
        .unwrap_or(0);
    (stream, id)
}

#[test]
fn reorder_swaps_two_frames_of_a_stream() {
    let sim = synth(3000);
    let mut s = synced(&sim);
    sim.inject(Fault::Reorder);
    let mut last = std::collections::HashMap::new();
    let mut backwards = 0;
    let end = Instant::now() + Duration::from_secs(10);
    let mut after = 0;
    // until the swap shows (frames queued before the fault come first), then 200 more
    while after < 200 {
        assert!(Instant::now() < end, "no swap seen");
        let (stream, id) = seq_of(&s.step().expect("frame"));
        if let Some(p) = last.insert(stream, id) {
            if id < p {
                backwards += 1;
            }
        }
        if backwards >= 1 {
            after += 1;
        }
    }
    assert_eq!(backwards, 1);
}

#[test]
fn stall_pauses_data_but_keeps_the_connection() {
    let sim = synth(2000);
    let mut ws = connect(&sim, "/stream?streams=btcusdt@trade/btcusdt@depth");
    next_text(&mut ws, Duration::from_secs(5)).expect("frame");
    sim.inject(Fault::Stall(Duration::from_millis(700)));
    let t0 = Instant::now();
    let mut longest = Duration::ZERO;
    let mut last = Instant::now();
    let mut pings = 0;
    while t0.elapsed() < Duration::from_millis(1200) {
        match ws.read() {
            Ok(tungstenite::Message::Text(_)) => {
                longest = longest.max(last.elapsed());
                last = Instant::now();
            }
            Ok(tungstenite::Message::Ping(_)) => pings += 1,
            Ok(_) => {}
            Err(e) => panic!("connection lost: {e}"),
        }
    }
    assert!(longest >= Duration::from_millis(550), "{longest:?}");
    assert!(pings >= 4, "pings during the stall: {pings}");
}

#[test]
fn disconnect_drops_clients_and_reconnect_works() {
    let sim = synth(1000);
    let mut ws = connect(&sim, "/stream?streams=btcusdt@trade");
    next_text(&mut ws, Duration::from_secs(5)).expect("frame");
    sim.inject(Fault::Disconnect);
    let end = Instant::now() + Duration::from_secs(3);
    let mut err = None;
    while Instant::now() < end {
        match ws.read() {
            Ok(tungstenite::Message::Close(_)) => panic!("a close frame is not abrupt"),
            Ok(_) => {}
            Err(e) => {
                err = Some(e);
                break;
            }
        }
    }
    assert!(err.is_some(), "still connected");
    let mut ws = connect(&sim, "/stream?streams=btcusdt@trade");
    next_text(&mut ws, Duration::from_secs(5)).expect("frame after reconnect");
}

#[test]
fn oversize_sends_one_big_frame() {
    let sim = synth(1000);
    let mut ws = connect(&sim, "/stream?streams=btcusdt@trade");
    next_text(&mut ws, Duration::from_secs(5)).expect("frame");
    sim.inject(Fault::Oversize(300_000));
    let end = Instant::now() + Duration::from_secs(5);
    loop {
        assert!(Instant::now() < end, "no oversize frame");
        let t = next_text(&mut ws, Duration::from_secs(5)).expect("frame");
        if t.len() > 1000 {
            assert_eq!(t.len(), 300_000);
            let _: Value = sonic_rs::from_str(&t).expect("valid json");
            break;
        }
    }
}

#[test]
fn rest_rate_limit_answers_429() {
    let sim = synth(500);
    sim.inject(Fault::RestRateLimit(2));
    for _ in 0..2 {
        let r = get(&sim, "/api/v3/depth?symbol=BTCUSDT&limit=5");
        assert_eq!(r.status, 429);
        assert!(r.head.contains("Retry-After: 1"), "{}", r.head);
        assert!(r.body.contains("\"code\":-1003"));
    }
    assert_eq!(
        get(&sim, "/api/v3/depth?symbol=BTCUSDT&limit=5").status,
        200
    );
}

#[test]
fn stale_snapshot_does_not_bridge_and_the_next_one_does() {
    let sim = synth(2000);
    let mut ws = connect(&sim, "/stream?streams=btcusdt@depth@100ms");
    let t = next_text(&mut ws, Duration::from_secs(5)).expect("diff");
    let v: Value = sonic_rs::from_str(&t).expect("json");
    let first_u = field(field(&v, "data"), "U").as_u64().expect("U");
    sim.inject(Fault::StaleSnapshot);
    let stale = get(&sim, "/api/v3/depth?symbol=BTCUSDT&limit=10");
    let v: Value = sonic_rs::from_str(&stale.body).expect("json");
    let id = field(&v, "lastUpdateId").as_u64().expect("id");
    assert!(id + 1 < first_u, "stale {id} vs first buffered U {first_u}");
    let fresh = get(&sim, "/api/v3/depth?symbol=BTCUSDT&limit=10");
    let v: Value = sonic_rs::from_str(&fresh.body).expect("json");
    assert!(field(&v, "lastUpdateId").as_u64().expect("id") + 1 >= first_u);
}

#[test]
fn scheduled_faults_fire() {
    let mut c = SimConfig::new(Venue::Binance);
    c.source = Source::Synthetic {
        rate_per_sec: 1000,
        symbols: Vec::new(),
    };
    // late enough that a debug build on a loaded machine is connected by then
    c.faults = vec![(Duration::from_secs(2), Fault::Disconnect)];
    let sim = Simulator::start(c).expect("start");
    let t0 = Instant::now();
    let mut ws = connect(&sim, "/stream?streams=btcusdt@trade");
    assert!(
        next_text(&mut ws, Duration::from_secs(2)).is_some(),
        "data before the fault"
    );
    assert_eq!(
        sim.stats().faults_applied,
        0,
        "connected after the fault's time"
    );
    while next_text(&mut ws, Duration::from_secs(3)).is_some() {
        assert!(t0.elapsed() < Duration::from_secs(8), "not disconnected");
    }
    assert_eq!(sim.stats().faults_applied, 1);
}
