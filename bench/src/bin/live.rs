//! Live-path harness (targets T3 and T4 of `../shared/docs/performance.md`), loopback only.
//!
//! One run measures, in this order:
//!
//! * **Floor**: the one-way latency of a bare loopback TCP socket pair (8-byte ping-pong on
//!   127.0.0.1, RTT / 2), with both ends busy-polling non-blocking reads, then with blocking
//!   reads (the thread sleeps in the kernel).
//! * **Throughput**, one io shard, plain `ws://` and TLS `wss://`: a server thread blasts N
//!   Binance trade frames; tungstenite's own blocking client reading them (the read-only
//!   ceiling) against a tickwire `Feed` delivering them as events to a consumer (spin and park
//!   wait policies). Best of R runs each, interleaved; ratio = tickwire / tungstenite, same
//!   transport.
//! * **Latency** at several rates (TLS), spin and park: the server paces frames at R per second
//!   and the feed runs with `FeedBuilder::stage_timing`, giving per-event hdrhistograms of
//!   socket read → consumer, socket read → published into the route ring by the io shard, and
//!   shard → consumer. The first 0.2 s of each point are a warm-up and discarded.
//!   `socket_to_shard` ends when the io shard pushes the event into its SPSC ring to the route
//!   stage; `shard_to_consumer` runs from there to the `Feed::poll` that hands it to this
//!   thread (route stage, consumer ring and the wake-up of a parked or descheduled consumer).
//!   Both ends are wall-clock stamps of the same machine (`SystemTime`, vDSO).
//!
//! Spin mode busy-polls in both the io shard and the consumer: with the server thread that is
//! three runnable threads on a 2-CPU machine, so its tails (and often medians) show the
//! scheduler's time slices, not tickwire. It needs two free cores to mean anything.
//!
//! The source is this harness's own TLS/plain WebSocket server thread, not `tickwire::sim`: the
//! simulator paces with sleeps and polls its clients every 1 ms, so it cannot hold a rate. The
//! paced server also sleeps between frames (a spinning server would take the CPU the feed needs
//! on a 2-core machine), so frames leave at the mean rate with the kernel's timer slack
//! (~50–60 µs): at 50,000/s they go out 2–4 at a time. Latency stamps start at the client's
//! socket read, so this jitter shapes the load, not the measurement.
//!
//! ```text
//! cargo run --release -p tickwire-bench --bin live -- --quick --out DIR   # ≤ ~20 s
//! cargo run --release -p tickwire-bench --bin live -- --out DIR           # ≤ ~3 min
//! ```
//! Options: `--messages N` (throughput frames), `--rates 1000,10000,50000`, `--seconds S` (per
//! latency point), `--repeat R` (throughput runs, best kept), `--only floor,throughput,latency`
//! (sections to run; for profiling). With `--out DIR` the figures also
//! go to `DIR/live.json`.

use hdrhistogram::Histogram;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::{json, Value};
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tickwire::event::{Event, Kind};
use tickwire::io::{FeedBuilder, Subscription, WaitPolicy};
use tungstenite::protocol::frame::Utf8Bytes;
use tungstenite::{Bytes, Message, WebSocket};

struct Certs {
    ca_pem: String,
    server: Arc<rustls::ServerConfig>,
}

fn certs() -> Certs {
    let ca_key = rcgen::KeyPair::generate().expect("key");
    let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = rcgen::CertifiedIssuer::self_signed(p, ca_key).expect("ca");
    let key = rcgen::KeyPair::generate().expect("key");
    let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .expect("params")
        .signed_by(&key, &ca)
        .expect("leaf");
    let chain = vec![CertificateDer::from_pem_slice(leaf.pem().as_bytes()).expect("cert")];
    let der = PrivateKeyDer::from_pem_slice(key.serialize_pem().as_bytes()).expect("key");
    let server = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(chain, der)
    .expect("server config");
    Certs {
        ca_pem: ca.pem(),
        server: Arc::new(server),
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Transport {
    Plain,
    Tls,
}

impl Transport {
    fn name(self) -> &'static str {
        match self {
            Transport::Plain => "plain",
            Transport::Tls => "tls",
        }
    }
}

fn wait_name(w: WaitPolicy) -> &'static str {
    match w {
        WaitPolicy::Spin => "spin",
        WaitPolicy::Yield => "yield",
        WaitPolicy::Park => "park",
    }
}

/// Binance combined-stream trade frames with ascending ids, cut from shared buffers (no
/// allocation per frame, so the server outruns the clients).
struct Frames {
    chunk: Bytes,
    ends: Vec<usize>,
    pos: usize,
    next_id: u64,
}

impl Frames {
    fn new() -> Self {
        Frames {
            chunk: Bytes::new(),
            ends: Vec::new(),
            pos: 0,
            next_id: 1,
        }
    }

    fn next(&mut self) -> Message {
        if self.pos == self.ends.len() {
            let mut s = String::with_capacity(1024 * 200);
            self.ends.clear();
            for _ in 0..1024 {
                let id = self.next_id;
                self.next_id += 1;
                s.push_str(&format!(
                    r#"{{"stream":"btcusdt@trade","data":{{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":{id},"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}}}"#
                ));
                self.ends.push(s.len());
            }
            self.chunk = Bytes::from(s);
            self.pos = 0;
        }
        let start = if self.pos == 0 {
            0
        } else {
            self.ends[self.pos - 1]
        };
        let end = self.ends[self.pos];
        self.pos += 1;
        Message::Text(Utf8Bytes::try_from(self.chunk.slice(start..end)).expect("utf-8"))
    }
}

/// Sends `n` frames, as fast as possible or paced at `rate` per second (sleeping between
/// frames), then holds the connection until the client goes away.
fn send_frames<S: Read + Write>(mut ws: WebSocket<S>, n: u64, rate: Option<u64>) {
    let mut frames = Frames::new();
    let start = Instant::now();
    for i in 0..n {
        if let Some(r) = rate {
            let due = start + Duration::from_nanos(i * 1_000_000_000 / r);
            let now = Instant::now();
            if due > now {
                if ws.flush().is_err() {
                    return;
                }
                std::thread::sleep(due - now);
            }
            if ws.write(frames.next()).is_err() {
                return;
            }
        } else {
            if ws.write(frames.next()).is_err() {
                return;
            }
            if i % 64 == 63 && ws.flush().is_err() {
                return;
            }
        }
    }
    let _ = ws.flush();
    while ws.read().is_ok() {}
}

/// Serves one WebSocket connection on a fresh port; returns the base URL.
fn serve(
    certs: &Certs,
    transport: Transport,
    n: u64,
    rate: Option<u64>,
) -> (String, u16, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let scheme = match transport {
        Transport::Plain => "ws",
        Transport::Tls => "wss",
    };
    let cfg = certs.server.clone();
    let handle = std::thread::spawn(move || {
        let (tcp, _) = listener.accept().expect("accept");
        tcp.set_nodelay(true).ok();
        match transport {
            Transport::Plain => send_frames(tungstenite::accept(tcp).expect("ws"), n, rate),
            Transport::Tls => {
                let conn = rustls::ServerConnection::new(cfg).expect("tls");
                let tls = rustls::StreamOwned::new(conn, tcp);
                send_frames(tungstenite::accept(tls).expect("ws"), n, rate);
            }
        }
    });
    (format!("{scheme}://127.0.0.1:{port}"), port, handle)
}

/// Reads `n` text frames; frames per second from the first to the last.
fn read_all<S: Read + Write>(mut ws: WebSocket<S>, n: u64) -> f64 {
    let mut got = 0u64;
    let mut start = None;
    while got < n {
        match ws.read() {
            Ok(Message::Text(t)) => {
                start.get_or_insert_with(Instant::now);
                std::hint::black_box(t.len());
                got += 1;
            }
            Ok(_) => {}
            Err(e) => panic!("read: {e}"),
        }
    }
    let secs = start.map_or(1.0, |s| s.elapsed().as_secs_f64());
    let _ = ws.close(None);
    let _ = ws.flush();
    (n - 1) as f64 / secs
}

/// tungstenite's blocking client, read only: the ceiling.
fn tungstenite_read_only(certs: &Certs, transport: Transport, n: u64) -> f64 {
    let (url, port, server) = serve(certs, transport, n, None);
    let tcp = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    tcp.set_nodelay(true).ok();
    let url = format!("{url}/stream?streams=btcusdt@trade");
    let rate = match transport {
        Transport::Plain => read_all(tungstenite::client(url, tcp).expect("client").0, n),
        Transport::Tls => {
            let tls = tickwire::io::tls::client_config(Some(certs.ca_pem.as_bytes())).expect("tls");
            let name = rustls::pki_types::ServerName::try_from("127.0.0.1").expect("name");
            let conn = rustls::ClientConnection::new(tls, name).expect("conn");
            let stream = rustls::StreamOwned::new(conn, tcp);
            read_all(tungstenite::client(url, stream).expect("client").0, n)
        }
    };
    let _ = server.join();
    rate
}

fn feed_builder(url: String, certs: &Certs, wait: WaitPolicy) -> FeedBuilder {
    FeedBuilder::new()
        .endpoint(url)
        .ca_pem(certs.ca_pem.as_bytes().to_vec())
        .wait_policy(wait)
        .subscribe(Subscription::parse("binance:BTCUSDT:trades").expect("spec"))
}

/// A tickwire feed (one io shard) delivering `n` trades to this thread: events per second.
fn tickwire_feed(certs: &Certs, transport: Transport, n: u64, wait: WaitPolicy) -> f64 {
    let (url, _, server) = serve(certs, transport, n, None);
    let mut feed = feed_builder(url, certs, wait)
        .capacity(1 << 18)
        .start()
        .expect("feed");
    let mut buf = vec![Event::default(); 8192];
    let mut got = 0u64;
    let mut start = None;
    let deadline = Instant::now() + Duration::from_secs(120);
    while got < n && Instant::now() < deadline {
        let k = feed.wait(&mut buf, Duration::from_millis(10));
        for e in &buf[..k] {
            if e.kind == Kind::Trade as u8 {
                start.get_or_insert_with(Instant::now);
                got += 1;
            }
        }
    }
    let secs = start.map_or(1.0, |s| s.elapsed().as_secs_f64());
    let m = feed.metrics();
    feed.shutdown();
    let _ = server.join();
    assert_eq!(got, n, "feed delivered {got} of {n}: {m:?}");
    (n - 1) as f64 / secs
}

struct StagePoint {
    rate: u64,
    wait: WaitPolicy,
    stages: [(&'static str, Histogram<u64>); 3],
}

/// Paced frames at `rate` for `seconds` (after a 0.2 s warm-up), per-stage histograms.
fn latency(certs: &Certs, rate: u64, seconds: f64, wait: WaitPolicy) -> StagePoint {
    let warm = (rate / 5).max(50);
    let n = warm + (rate as f64 * seconds) as u64;
    let (url, _, server) = serve(certs, Transport::Tls, n, Some(rate));
    let mut feed = feed_builder(url, certs, wait)
        .stage_timing(true)
        .start()
        .expect("feed");
    let mut buf = vec![Event::default(); 1024];
    let mut got = 0;
    let mut warmed = false;
    let deadline = Instant::now() + Duration::from_secs_f64(seconds + 30.0);
    while got < n && Instant::now() < deadline {
        let k = feed.wait(&mut buf, Duration::from_millis(10));
        got += buf[..k]
            .iter()
            .filter(|e| e.kind == Kind::Trade as u8)
            .count() as u64;
        if !warmed && got >= warm {
            warmed = true;
            feed.reset_stage_histograms();
        }
    }
    let h = feed.stage_histograms().expect("stage timing on");
    let m = feed.metrics();
    feed.shutdown();
    let _ = server.join();
    assert_eq!(got, n, "feed delivered {got} of {n}: {m:?}");
    StagePoint {
        rate,
        wait,
        stages: [
            ("socket_to_consumer", h.socket_to_consumer),
            ("socket_to_shard", h.socket_to_shard),
            ("shard_to_consumer", h.shard_to_consumer),
        ],
    }
}

fn read_exact_spin(s: &mut TcpStream, buf: &mut [u8]) -> std::io::Result<()> {
    let mut got = 0;
    while got < buf.len() {
        match s.read(&mut buf[got..]) {
            Ok(0) => return Err(ErrorKind::UnexpectedEof.into()),
            Ok(k) => got += k,
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::hint::spin_loop(),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Loopback one-way latency of a bare TCP socket pair: 8-byte ping-pong, RTT / 2.
fn floor(n: u64, busy_poll: bool) -> Histogram<u64> {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let mut a = TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
    let (mut b, _) = listener.accept().expect("accept");
    for s in [&a, &b] {
        s.set_nodelay(true).expect("nodelay");
        s.set_nonblocking(busy_poll).expect("nonblocking");
    }
    let echo = std::thread::spawn(move || {
        let mut buf = [0u8; 8];
        while read_exact_spin(&mut b, &mut buf).is_ok() {
            if u64::from_le_bytes(buf) == u64::MAX || b.write_all(&buf).is_err() {
                break;
            }
        }
    });
    let warm = (n / 10).max(100);
    let mut h = hist();
    let mut buf = [0u8; 8];
    for i in 0..warm + n {
        let t0 = Instant::now();
        a.write_all(&i.to_le_bytes()).expect("write");
        read_exact_spin(&mut a, &mut buf).expect("read");
        let rtt = t0.elapsed().as_nanos() as u64;
        if i >= warm {
            let _ = h.record((rtt / 2).max(1));
        }
    }
    let _ = a.write_all(&u64::MAX.to_le_bytes());
    let _ = echo.join();
    h
}

fn hist() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("bounds")
}

fn summary(h: &Histogram<u64>) -> Value {
    json!({
        "p50_ns": h.value_at_quantile(0.5),
        "p99_ns": h.value_at_quantile(0.99),
        "p999_ns": h.value_at_quantile(0.999),
        "max_ns": h.max(),
        "count": h.len(),
    })
}

/// ~100 points of the distribution for plotting: quantiles 0 … 0.9999 spaced evenly in
/// -log10(1 - q), then the max.
fn cdf(h: &Histogram<u64>) -> Value {
    let mut pts: Vec<Value> = Vec::new();
    if h.is_empty() {
        return Value::Array(pts);
    }
    for i in 0..=100 {
        let q = 1.0 - 10f64.powf(-(i as f64) / 25.0);
        pts.push(json!([h.value_at_quantile(q), q]));
    }
    pts.push(json!([h.max(), 1.0]));
    Value::Array(pts)
}

fn us(ns: u64) -> f64 {
    ns as f64 / 1e3
}

struct Options {
    quick: bool,
    out: Option<PathBuf>,
    messages: u64,
    rates: Vec<u64>,
    seconds: f64,
    repeat: usize,
    pings: u64,
    /// Sections to run (`floor`, `throughput`, `latency`); all by default.
    only: Vec<String>,
}

impl Options {
    fn runs(&self, section: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|s| s == section)
    }
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let mut o = if quick {
        Options {
            quick,
            out: None,
            messages: 200_000,
            rates: vec![1_000, 10_000],
            seconds: 1.0,
            repeat: 1,
            pings: 20_000,
            only: Vec::new(),
        }
    } else {
        Options {
            quick,
            out: None,
            messages: 1_000_000,
            rates: vec![1_000, 10_000, 50_000],
            seconds: 3.0,
            repeat: 3,
            pings: 200_000,
            only: Vec::new(),
        }
    };
    let usage = || -> ! {
        eprintln!(
            "usage: live [--quick] [--out DIR] [--messages N] [--rates R1,R2,..] [--seconds S] [--repeat R] [--only floor,throughput,latency]"
        );
        std::process::exit(2)
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--quick" {
            continue;
        }
        let Some(v) = it.next() else { usage() };
        match a.as_str() {
            "--only" => o.only = v.split(',').map(|s| s.trim().to_string()).collect(),
            "--out" => o.out = Some(PathBuf::from(v)),
            "--messages" => o.messages = v.parse().unwrap_or_else(|_| usage()),
            "--seconds" => o.seconds = v.parse().unwrap_or_else(|_| usage()),
            "--repeat" => o.repeat = v.parse::<usize>().unwrap_or_else(|_| usage()).max(1),
            "--rates" => {
                o.rates = v
                    .split(',')
                    .map(|r| r.trim().parse().unwrap_or_else(|_| usage()))
                    .collect()
            }
            _ => usage(),
        }
    }
    o
}

fn main() {
    let o = options();
    let began = Instant::now();
    let certs = certs();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "live path, {} run: loopback, 1 io shard, {} CPUs",
        if o.quick { "quick" } else { "full" },
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    // floor
    let (busy, blocking) = if o.runs("floor") {
        (floor(o.pings, true), floor(o.pings / 4, false))
    } else {
        (hist(), hist())
    };
    let _ = writeln!(
        out,
        "\n## floor: bare loopback TCP one-way latency (ping-pong RTT/2)\n| mode | p50 | p99 | p99.9 | max | count |\n|---|---|---|---|---|---|"
    );
    for (name, h) in [("busy-poll", &busy), ("blocking", &blocking)] {
        let _ = writeln!(
            out,
            "| {name} | {:.1} µs | {:.1} µs | {:.1} µs | {:.1} µs | {} |",
            us(h.value_at_quantile(0.5)),
            us(h.value_at_quantile(0.99)),
            us(h.value_at_quantile(0.999)),
            us(h.max()),
            h.len()
        );
    }

    // throughput
    let waits = [WaitPolicy::Spin, WaitPolicy::Park];
    let mut tp_json = Vec::new();
    let _ = writeln!(
        out,
        "\n## throughput: socket → consumer, 1 io shard, {} trade frames, best of {}\n| transport | tungstenite read-only | tickwire spin | tickwire park |\n|---|---|---|---|",
        o.messages, o.repeat
    );
    let transports: &[Transport] = if o.runs("throughput") {
        &[Transport::Plain, Transport::Tls]
    } else {
        &[]
    };
    for &transport in transports {
        let mut ceiling = 0f64;
        let mut ours = [0f64; 2];
        for _ in 0..o.repeat {
            ceiling = ceiling.max(tungstenite_read_only(&certs, transport, o.messages));
            for (k, w) in waits.iter().enumerate() {
                ours[k] = ours[k].max(tickwire_feed(&certs, transport, o.messages, *w));
            }
        }
        let _ = writeln!(
            out,
            "| {} | {:.2} M/s | {:.2} M/s ({:.0} %) | {:.2} M/s ({:.0} %) |",
            transport.name(),
            ceiling / 1e6,
            ours[0] / 1e6,
            100.0 * ours[0] / ceiling,
            ours[1] / 1e6,
            100.0 * ours[1] / ceiling
        );
        for (k, w) in waits.iter().enumerate() {
            tp_json.push(json!({
                "transport": transport.name(),
                "messages": o.messages,
                "tungstenite_msgs_per_s": ceiling.round(),
                "tickwire_msgs_per_s": ours[k].round(),
                "wait": wait_name(*w),
                "ratio": (ours[k] / ceiling * 1e4).round() / 1e4,
            }));
        }
    }

    // latency
    let mut lat_json = Vec::new();
    let _ = writeln!(
        out,
        "\n## latency over TLS, paced ({} s a point after a 0.2 s warm-up)\n| rate/s | wait | stage | p50 | p99 | p99.9 | max | count |\n|---|---|---|---|---|---|---|---|",
        o.seconds
    );
    let rates: &[u64] = if o.runs("latency") { &o.rates } else { &[] };
    for &rate in rates {
        for w in waits {
            let p = latency(&certs, rate, o.seconds, w);
            for (stage, h) in &p.stages {
                let _ = writeln!(
                    out,
                    "| {} | {} | {stage} | {:.1} µs | {:.1} µs | {:.1} µs | {:.1} µs | {} |",
                    p.rate,
                    wait_name(p.wait),
                    us(h.value_at_quantile(0.5)),
                    us(h.value_at_quantile(0.99)),
                    us(h.value_at_quantile(0.999)),
                    us(h.max()),
                    h.len()
                );
                let mut v = summary(h);
                v["rate"] = json!(p.rate);
                v["wait"] = json!(wait_name(p.wait));
                v["stage"] = json!(stage);
                v["cdf"] = cdf(h);
                lat_json.push(v);
            }
        }
    }
    let _ = writeln!(out, "\ntotal {:.1} s", began.elapsed().as_secs_f64());

    if let Some(dir) = &o.out {
        let doc = json!({
            "floor": {"busy_poll": summary(&busy), "blocking": summary(&blocking)},
            "throughput": tp_json,
            "latency": lat_json,
        });
        std::fs::create_dir_all(dir).expect("create --out directory");
        let path = dir.join("live.json");
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&doc).expect("json") + "\n",
        )
        .expect("write live.json");
        let _ = writeln!(out, "wrote {}", path.display());
    }
}
