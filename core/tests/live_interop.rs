//! The live path (mio + rustls by hand + tungstenite) against an independent WebSocket server:
//! Python's `websockets` over OpenSSL TLS, serving a real capture. The events must equal what
//! replay of the same capture gives. Loopback only.

mod common;

use common::{fixture, replay};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tickwire::event::{Event, Kind, StatusCode, Venue};
use tickwire::io::{CloseReason, FeedBuilder, Subscription};

struct Certs {
    ca: String,
    dir: PathBuf,
}

fn certs(tag: &str) -> Certs {
    let ca_key = rcgen::KeyPair::generate().expect("key");
    let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = rcgen::CertifiedIssuer::self_signed(p, ca_key).expect("ca");
    let leaf_key = rcgen::KeyPair::generate().expect("key");
    let leaf =
        rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .expect("params")
            .signed_by(&leaf_key, &ca)
            .expect("leaf");
    let dir = std::env::temp_dir().join(format!("tickwire-interop-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("cert.pem"), leaf.pem()).expect("write");
    std::fs::write(dir.join("key.pem"), leaf_key.serialize_pem()).expect("write");
    Certs { ca: ca.pem(), dir }
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn python_server(file: &Path, certs: Option<&Certs>) -> Server {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/ws_replay_server.py");
    let mut cmd = Command::new("python3");
    cmd.arg(script)
        .arg("--file")
        .arg(file)
        .arg("--seconds")
        .arg("60");
    if let Some(c) = certs {
        cmd.arg("--cert")
            .arg(c.dir.join("cert.pem"))
            .arg("--key")
            .arg(c.dir.join("key.pem"));
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python3 must be installed (make test installs the `websockets` package)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("server URL");
    assert!(
        line.starts_with("ws"),
        "the interop server did not start (is `pip install websockets` done?): {line:?}"
    );
    child.stdin.as_mut().expect("stdin").flush().ok();
    Server {
        child,
        url: line.trim().to_string(),
    }
}

fn key(e: &Event) -> (u8, u32, u64, [i64; 5], i64) {
    (e.kind, e.instrument, e.seq, e.v, e.ts_exchange)
}

#[test]
fn live_path_over_openssl_tls_equals_replay() {
    let file = fixture("binance/hftbacktest_btcusdt_20240808_first2500.tsv");
    let expected: Vec<_> = replay(Venue::Binance, std::slice::from_ref(&file))
        .events
        .iter()
        .filter(|e| e.kind == Kind::Trade as u8 || e.kind == Kind::Quote as u8)
        .map(key)
        .collect();
    assert!(expected.len() > 1500);
    let c = certs("tls");
    let server = python_server(&file, Some(&c));
    let mut feed = FeedBuilder::new()
        .endpoint(server.url.clone())
        .ca_pem(c.ca.clone())
        .subscribe(Subscription::parse("binance:BTCUSDT:trades,bbo").unwrap())
        .start()
        .expect("feed");
    let mut got = Vec::new();
    let mut statuses = Vec::new();
    let mut buf = vec![Event::default(); 4096];
    let deadline = Instant::now() + Duration::from_secs(30);
    while got.len() < expected.len() && Instant::now() < deadline {
        let n = feed.wait(&mut buf, Duration::from_millis(100));
        for e in &buf[..n] {
            match e.kind() {
                Some(Kind::Status) => statuses.push(e.status()),
                Some(Kind::Trade | Kind::Quote) => {
                    assert!(e.ts_recv > 0, "receive stamp missing");
                    got.push(key(e));
                }
                _ => {}
            }
        }
    }
    let m = feed.metrics();
    assert_eq!(
        got.len(),
        expected.len(),
        "metrics: {m:?}, statuses: {statuses:?}"
    );
    assert_eq!(got, expected);
    assert_eq!(statuses.first(), Some(&Some(StatusCode::Connected)));
    assert!(m.latency_ns[0] > 0, "latency recorded");
    assert_eq!(m.malformed, 0);
    feed.shutdown();
    std::fs::remove_dir_all(&c.dir).ok();
}

#[test]
fn wrong_ca_is_refused_with_a_clear_error() {
    let file = fixture("binance/crypto_msg_parser_tests.tsv");
    let server_certs = certs("srv");
    let other = certs("other");
    let server = python_server(&file, Some(&server_certs));
    let mut feed = FeedBuilder::new()
        .endpoint(server.url.clone())
        .ca_pem(other.ca.clone())
        .backoff(Duration::from_millis(50), Duration::from_millis(200))
        .subscribe(Subscription::parse("binance:BTCUSDT:trades").unwrap())
        .start()
        .expect("feed");
    let mut buf = vec![Event::default(); 64];
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut tls_failures = 0;
    while tls_failures < 2 && Instant::now() < deadline {
        let n = feed.wait(&mut buf, Duration::from_millis(100));
        for e in &buf[..n] {
            assert_ne!(
                e.status(),
                Some(StatusCode::Connected),
                "connected with an untrusted certificate"
            );
            if e.status() == Some(StatusCode::Disconnected) && e.v[1] == CloseReason::Tls as i64 {
                tls_failures += 1;
            }
        }
    }
    assert!(
        tls_failures >= 2,
        "TLS refusals seen: {tls_failures}; retries with backoff expected"
    );
    let err = feed.metrics().last_error.unwrap_or_default();
    assert!(
        err.contains("certificate") || err.contains("Unknown") || err.contains("issuer"),
        "{err}"
    );
    feed.shutdown();
    std::fs::remove_dir_all(&server_certs.dir).ok();
    std::fs::remove_dir_all(&other.dir).ok();
}

#[test]
fn a_bad_ca_file_is_an_error_at_start() {
    let e = FeedBuilder::new()
        .ca_pem("not a pem")
        .subscribe(Subscription::parse("binance:BTCUSDT").unwrap())
        .start()
        .unwrap_err();
    assert!(e.to_string().contains("no PEM certificate"), "{e}");
    assert!(FeedBuilder::new().start().is_err());
}
