//! Live-path harness (targets T3 and T4 of `../shared/docs/performance.md`), loopback only.
//!
//! * Throughput: a server thread blasts N Binance trade frames over TLS + WebSocket; the same
//!   run measures (a) tungstenite's own blocking client reading them (the read-only ceiling) and
//!   (b) a tickwire `Feed` (one io shard, spin) delivering them as events to the consumer.
//! * Latency: the server paces frames at a fixed rate; the feed's histogram of socket read →
//!   consumer (ns) gives p50/p99/p99.9/max, in spin and in park mode.
//!
//! `cargo run --release -p tickwire-bench --bin live -- [--messages N] [--rate R] [--seconds S]`

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::io::Write as _;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tickwire::event::{Event, Kind};
use tickwire::io::{FeedBuilder, Subscription, WaitPolicy};
use tungstenite::Message;

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

fn frame(id: u64) -> String {
    format!(
        r#"{{"stream":"btcusdt@trade","data":{{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":{id},"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}}}"#
    )
}

/// Serves one WebSocket connection: `n` frames, as fast as possible or at `rate` per second.
fn serve(certs: &Certs, n: u64, rate: Option<u64>) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!(
        "wss://127.0.0.1:{}",
        listener.local_addr().expect("addr").port()
    );
    let cfg = certs.server.clone();
    let handle = std::thread::spawn(move || {
        let (tcp, _) = listener.accept().expect("accept");
        tcp.set_nodelay(true).ok();
        let conn = rustls::ServerConnection::new(cfg).expect("tls");
        let tls = rustls::StreamOwned::new(conn, tcp);
        let mut ws = tungstenite::accept(tls).expect("ws handshake");
        let start = Instant::now();
        for i in 0..n {
            if let Some(r) = rate {
                let due = start + Duration::from_nanos(i * 1_000_000_000 / r);
                while Instant::now() < due {
                    std::hint::spin_loop();
                }
                if ws.send(Message::text(frame(i + 1))).is_err() {
                    return;
                }
            } else {
                if ws.write(Message::text(frame(i + 1))).is_err() {
                    return;
                }
                if i % 64 == 63 && ws.flush().is_err() {
                    return;
                }
            }
        }
        let _ = ws.flush();
        // hold the connection until the client goes away
        while ws.read().is_ok() {}
    });
    (url, handle)
}

fn tungstenite_read_only(certs: &Certs, n: u64) -> f64 {
    let (url, server) = serve(certs, n, None);
    let tls = tickwire::io::tls::client_config(Some(certs.ca_pem.as_bytes())).expect("tls");
    let port: u16 = url
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    let tcp = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").expect("name");
    let conn = rustls::ClientConnection::new(tls, name).expect("conn");
    let stream = rustls::StreamOwned::new(conn, tcp);
    let (mut ws, _) =
        tungstenite::client(format!("{url}/stream?streams=btcusdt@trade"), stream).expect("client");
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
    drop(ws);
    let _ = server.join();
    (n - 1) as f64 / secs
}

fn tickwire_feed(certs: &Certs, n: u64, wait: WaitPolicy) -> (f64, [u64; 4]) {
    let (url, server) = serve(certs, n, None);
    let mut feed = FeedBuilder::new()
        .endpoint(url)
        .ca_pem(certs.ca_pem.as_bytes().to_vec())
        .wait_policy(wait)
        .capacity(1 << 18)
        .subscribe(Subscription::parse("binance:BTCUSDT:trades").expect("spec"))
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
    ((n - 1) as f64 / secs, m.latency_ns)
}

fn latency(certs: &Certs, rate: u64, seconds: u64, wait: WaitPolicy) -> [u64; 4] {
    let n = rate * seconds;
    let (url, server) = serve(certs, n, Some(rate));
    let mut feed = FeedBuilder::new()
        .endpoint(url)
        .ca_pem(certs.ca_pem.as_bytes().to_vec())
        .wait_policy(wait)
        .subscribe(Subscription::parse("binance:BTCUSDT:trades").expect("spec"))
        .start()
        .expect("feed");
    let mut buf = vec![Event::default(); 1024];
    let mut got = 0;
    let deadline = Instant::now() + Duration::from_secs(seconds + 30);
    while got < n && Instant::now() < deadline {
        got += feed.wait(&mut buf, Duration::from_millis(10)) as u64;
    }
    let m = feed.metrics();
    feed.shutdown();
    let _ = server.join();
    m.latency_ns
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut n, mut rate, mut seconds) = (1_000_000u64, 20_000u64, 3u64);
    while let Some(a) = args.next() {
        let v = args.next().and_then(|v| v.parse().ok());
        match (a.as_str(), v) {
            ("--messages", Some(v)) => n = v,
            ("--rate", Some(v)) => rate = v,
            ("--seconds", Some(v)) => seconds = v,
            _ => {
                eprintln!("usage: live [--messages N] [--rate R] [--seconds S]");
                std::process::exit(2);
            }
        }
    }
    let certs = certs();
    let ceiling = tungstenite_read_only(&certs, n);
    let (ours, _) = tickwire_feed(&certs, n, WaitPolicy::Spin);
    let (ours_yield, _) = tickwire_feed(&certs, n, WaitPolicy::Yield);
    let (ours_park, _) = tickwire_feed(&certs, n, WaitPolicy::Park);
    let lat_spin = latency(&certs, rate, seconds, WaitPolicy::Spin);
    let lat_park = latency(&certs, rate, seconds, WaitPolicy::Park);
    let us = |ns: u64| ns as f64 / 1e3;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "| measurement | figure |\n|---|---|");
    let _ = writeln!(
        out,
        "| tungstenite read-only over TLS ({n} trade frames) | {:.2} M msgs/s |",
        ceiling / 1e6
    );
    for (mode, r) in [("spin", ours), ("yield", ours_yield), ("park", ours_park)] {
        let _ = writeln!(out, "| tickwire socket → consumer over TLS, 1 io shard, {mode} | {:.2} M msgs/s ({:.0} % of the ceiling) |", r / 1e6, 100.0 * r / ceiling);
    }
    for (mode, l) in [("spin", lat_spin), ("park", lat_park)] {
        let _ = writeln!(
            out,
            "| latency socket read → consumer at {rate}/s, {mode} | p50 {:.1} µs, p99 {:.1} µs, p99.9 {:.1} µs, max {:.1} µs |",
            us(l[0]),
            us(l[1]),
            us(l[2]),
            us(l[3])
        );
    }
}
