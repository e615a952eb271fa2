//! Blocking clients for the simulator tests (tungstenite over rustls, raw HTTP/1.1).
#![allow(dead_code)]

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tickwire::sim::Simulator;
use tungstenite::{Message, WebSocket};

pub type Ws = WebSocket<StreamOwned<ClientConnection, TcpStream>>;

pub fn client_config(ca_pem: &str) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(c.expect("pem")).expect("add root");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

pub fn tls(
    sim: &Simulator,
    ca_pem: &str,
) -> std::io::Result<StreamOwned<ClientConnection, TcpStream>> {
    let sock = TcpStream::connect(sim.local_addr())?;
    sock.set_read_timeout(Some(Duration::from_secs(5)))?;
    let name = ServerName::try_from("127.0.0.1").expect("name");
    let conn = ClientConnection::new(client_config(ca_pem), name).map_err(std::io::Error::other)?;
    let mut s = StreamOwned::new(conn, sock);
    while s.conn.is_handshaking() {
        s.conn.complete_io(&mut s.sock)?;
    }
    Ok(s)
}

/// A WebSocket to `path` (e.g. `/stream?streams=btcusdt@trade`).
pub fn connect(sim: &Simulator, path: &str) -> Ws {
    let s = tls(sim, sim.ca_pem()).expect("tls");
    let url = format!("{}{}", sim.ws_url(), path);
    let (ws, _) = tungstenite::client::client(url.as_str(), s).expect("ws handshake");
    ws
}

/// The next text frame within `timeout` (pings are answered by tungstenite).
pub fn next_text(ws: &mut Ws, timeout: Duration) -> Option<String> {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        match ws.read() {
            Ok(Message::Text(t)) => return Some(t.as_str().to_string()),
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return None,
        }
    }
    None
}

pub fn send(ws: &mut Ws, text: &str) {
    ws.send(Message::text(text.to_string())).expect("send");
}

/// Sends a request and returns the reply with this `id` (data frames before it are returned too).
pub fn request(ws: &mut Ws, text: &str, id: &str) -> (String, Vec<String>) {
    send(ws, text);
    let mut data = Vec::new();
    let needle = format!("\"id\":{id}");
    loop {
        let t = next_text(ws, Duration::from_secs(5)).expect("reply");
        if !t.starts_with("{\"stream\"") && t.contains(&needle) {
            return (t, data);
        }
        data.push(t);
    }
}

pub struct HttpReply {
    pub status: u16,
    pub head: String,
    pub body: String,
}

/// `GET path` over HTTPS (one request per connection).
pub fn get(sim: &Simulator, path: &str) -> HttpReply {
    let mut s = tls(sim, sim.ca_pem()).expect("tls");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    s.flush().expect("flush");
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8(buf).expect("utf8");
    let (head, body) = text.split_once("\r\n\r\n").expect("head");
    let status = head[9..12].parse().expect("status");
    HttpReply {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

pub fn field<'a>(v: &'a sonic_rs::Value, k: &str) -> &'a sonic_rs::Value {
    use sonic_rs::JsonValueTrait;
    v.get(k).unwrap_or_else(|| panic!("no field {k} in {v}"))
}

use tickwire::event::{Nanos, Venue};
use tickwire::instrument::Instruments;
use tickwire::pipeline::{Pipeline, PipelineConfig};

/// A client that keeps a book with the project's own pipeline.
pub struct Syncer {
    pub ws: Ws,
    pub pipe: Pipeline,
    pub venue: Venue,
    pub symbol: String,
    pub frames: u64,
    /// `lastUpdateId` of the snapshot the book started from.
    pub snap_id: u64,
}

impl Syncer {
    /// Subscribes to depth, bookTicker, trade, aggTrade of `symbol`, buffers diffs, fetches the
    /// REST snapshot and feeds both to a `Pipeline`.
    pub fn start(sim: &Simulator, symbol: &str) -> Syncer {
        let venue = sim.venue();
        let l = symbol.to_ascii_lowercase();
        let mut ws = connect(
            sim,
            &format!("/stream?streams={l}@depth@100ms/{l}@bookTicker/{l}@trade/{l}@aggTrade"),
        );
        let mut pipe = Pipeline::new(Instruments::new(), PipelineConfig::default());
        let mut sink = |_: &tickwire::event::Event| {};
        let mut diffs = 0;
        let mut frames = 0;
        while diffs < 5 {
            let t = next_text(&mut ws, Duration::from_secs(5)).expect("frame");
            if t.contains("@depth") {
                diffs += 1;
            }
            let _ = pipe.on_frame(venue, t.as_bytes(), Nanos(1), &mut sink);
            frames += 1;
        }
        let path = match venue {
            Venue::BinanceUsdm => "/fapi/v1/depth",
            Venue::BinanceCoinm => "/dapi/v1/depth",
            _ => "/api/v3/depth",
        };
        let r = get(sim, &format!("{path}?symbol={symbol}&limit=1000"));
        assert_eq!(r.status, 200, "{}", r.body);
        let v: sonic_rs::Value = sonic_rs::from_str(&r.body).expect("snapshot json");
        let snap_id = {
            use sonic_rs::JsonValueTrait;
            field(&v, "lastUpdateId").as_u64().expect("lastUpdateId")
        };
        pipe.on_rest(venue, r.body.as_bytes(), Some(symbol), Nanos(2), &mut sink)
            .expect("snapshot parses");
        Syncer {
            ws,
            pipe,
            venue,
            symbol: symbol.to_string(),
            frames,
            snap_id,
        }
    }

    /// Reads and feeds one frame; returns it.
    pub fn step(&mut self) -> Option<String> {
        let t = next_text(&mut self.ws, Duration::from_secs(5))?;
        let mut sink = |_: &tickwire::event::Event| {};
        let _ = self
            .pipe
            .on_frame(self.venue, t.as_bytes(), Nanos(3), &mut sink);
        self.frames += 1;
        Some(t)
    }

    pub fn book(&self) -> Option<&tickwire::book::L2Book> {
        let id = self.pipe.instruments().find(self.venue, &self.symbol)?.id;
        self.pipe.books().book(id)
    }
}
