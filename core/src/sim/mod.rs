//! A local exchange simulator: Binance's WebSocket and REST protocols on loopback, over TLS from
//! a generated CA, fed by a replay of captures or a synthetic generator with consistent books,
//! with faults injected on command or on schedule.
//!
//! Blocking std threads: one listener, one per connection, one source, one fault scheduler.
//! [`Simulator::shutdown`] (or drop) stops and joins all of them.
//!
//! ```no_run
//! use tickwire::sim::{SimConfig, Simulator, Fault};
//! let sim = Simulator::start(SimConfig::default()).unwrap();
//! println!("{} {}", sim.ws_url(), sim.rest_url());
//! sim.inject(Fault::Drop(3));
//! sim.shutdown();
//! ```

mod candle;
pub mod dialect;
mod dialects;
mod fault;
mod hub;
mod rest;
mod source;
mod synth;
mod tls;
mod ws;

pub use fault::Fault;
pub use ws::stream_key;

use crate::event::Venue;
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Where the market data come from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// A generator of consistent books, trades and klines.
    Synthetic {
        /// Data frames per second, all streams and symbols together (periodic streams such as
        /// `@depth20` and `@kline_1m` are produced only while someone is subscribed).
        rate_per_sec: u32,
        /// Symbols (upper case, e.g. `BTCUSDT`); empty = [`SimConfig::symbols`].
        symbols: Vec<String>,
    },
    /// A replay of capture files (corpus TSV or `.twrec`), read with [`crate::record::Reader`].
    Replay {
        /// Files, played one after the other.
        files: Vec<PathBuf>,
        /// Pace: recorded receive time divided by this factor; `None` = as fast as possible
        /// (with backpressure from the slowest connection).
        speed: Option<f64>,
        /// Start over at the end (update ids then go back: clients see it as a gap).
        loop_forever: bool,
    },
}

/// Simulator settings.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// The venue whose protocol is served (Binance spot, USD-M or COIN-M).
    pub venue: Venue,
    /// Address to listen on (port 0 = ephemeral).
    pub listen: SocketAddr,
    /// Serve TLS (`wss://`, `https://`) with a generated CA; otherwise plain `ws://`/`http://`.
    pub tls: bool,
    /// The data source.
    pub source: Source,
    /// Close every WebSocket connection after this long (Binance: 24 h), with a
    /// `serverShutdown` event shortly before (a tenth of the lifetime, at most 10 s).
    pub lifetime: Option<Duration>,
    /// Interval of server ping frames (spot 20 s, futures 3 min).
    pub ping_interval: Duration,
    /// A connection that leaves a ping unanswered this long is closed (spot 60 s).
    pub pong_timeout: Duration,
    /// Default symbols (upper case).
    pub symbols: Vec<String>,
    /// Faults injected at these offsets from start.
    pub faults: Vec<(Duration, Fault)>,
    /// Sources wait for the first WebSocket subscription before producing (so a replay is
    /// seen from its first frame).
    pub hold_until_subscribed: bool,
    /// Seed of the synthetic generator.
    pub seed: u64,
    /// Close WebSocket connections whose client sent nothing for this long (default: the
    /// venue's rule, e.g. OKX 30 s; Binance has none).
    pub idle_timeout: Option<Duration>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig::new(Venue::Binance)
    }
}

impl SimConfig {
    /// Defaults for `venue`: loopback ephemeral port, TLS, synthetic 1000 frames/s of
    /// `BTCUSDT` (COIN-M `BTCUSD_PERP`), the venue's ping interval, no lifetime limit.
    pub fn new(venue: Venue) -> SimConfig {
        let symbols = match (venue, dialect::dialect_for(venue)) {
            (Venue::BinanceCoinm, _) => vec!["BTCUSD_PERP".to_string()],
            (_, Some(d)) => d.default_symbols(),
            _ => vec!["BTCUSDT".to_string()],
        };
        SimConfig {
            venue,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: true,
            source: Source::Synthetic {
                rate_per_sec: 1000,
                symbols: Vec::new(),
            },
            lifetime: None,
            ping_interval: match venue {
                Venue::Binance => Duration::from_secs(20),
                _ => Duration::from_secs(180),
            },
            pong_timeout: match venue {
                Venue::Binance => Duration::from_secs(60),
                _ => Duration::from_secs(600),
            },
            symbols,
            faults: Vec::new(),
            hold_until_subscribed: true,
            seed: 0x5eed_7157_0000_0001,
            idle_timeout: None,
        }
    }

    /// A replay of `files` (as fast as possible, once).
    pub fn replay(venue: Venue, files: Vec<PathBuf>) -> SimConfig {
        SimConfig {
            source: Source::Replay {
                files,
                speed: None,
                loop_forever: false,
            },
            ..SimConfig::new(venue)
        }
    }
}

/// Counters of a running simulator.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimStats {
    /// TCP connections accepted (WebSocket and REST).
    pub connections: u64,
    /// WebSocket sessions upgraded.
    pub ws_connections: u64,
    /// WebSocket sessions open now.
    pub ws_open: u64,
    /// TLS handshakes that failed (e.g. a client not trusting the CA).
    pub tls_failures: u64,
    /// `SUBSCRIBE` requests.
    pub subscribe_requests: u64,
    /// All JSON requests from clients (`SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, bad).
    pub control_requests: u64,
    /// REST requests answered (any status).
    pub rest_requests: u64,
    /// Data frames sent, all connections.
    pub frames_sent: u64,
    /// Data frames sent per stream name (as the client named it).
    pub frames_per_stream: BTreeMap<String, u64>,
    /// Ping frames sent.
    pub pings_sent: u64,
    /// Faults applied (injected or scheduled).
    pub faults_applied: u64,
    /// Frames the source published (before faults and fan-out).
    pub source_frames: u64,
    /// The source has finished (a replay reached its end).
    pub source_done: bool,
}

#[derive(Default)]
pub(crate) struct Counters {
    connections: AtomicU64,
    ws_connections: AtomicU64,
    ws_open: AtomicU64,
    tls_failures: AtomicU64,
    subscribe_requests: AtomicU64,
    control_requests: AtomicU64,
    rest_requests: AtomicU64,
    frames_sent: AtomicU64,
    pings_sent: AtomicU64,
    faults_applied: AtomicU64,
    source_frames: AtomicU64,
    source_done: AtomicBool,
    per_stream: Mutex<BTreeMap<String, u64>>,
}

/// REST views of the current market, implemented by each source.
pub(crate) trait Market: Send + Sync {
    /// The depth snapshot body, `None` if the symbol is unknown.
    fn depth(&self, symbol: &str, limit: usize, stale: bool) -> Option<String>;
    /// Recent trades body.
    fn trades(&self, symbol: &str, limit: usize) -> Option<String>;
    /// Klines body (`interval` already validated: one of the venue's kline intervals).
    fn klines(&self, symbol: &str, interval: &str, limit: usize) -> Option<String>;
}

/// State shared by every simulator thread.
pub(crate) struct Shared {
    pub venue: Venue,
    pub config: SimConfig,
    pub stop: AtomicBool,
    pub counters: Counters,
    pub hub: hub::Hub,
    pub market: Arc<dyn Market>,
    /// The venue's dialect and neutral market (every venue but Binance's three).
    pub dialect: Option<(&'static dyn dialect::Dialect, Arc<dialect::NeutralMarket>)>,
    pub rest_faults: Mutex<fault::RestPending>,
    pub stall_until: Mutex<Option<Instant>>,
    pub conn_threads: Mutex<Vec<JoinHandle<()>>>,
    pub weight: Mutex<(u64, u64)>,
    next_conn: AtomicU64,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means another simulator thread panicked mid-update; the guarded data
    // (counters, queues, books) stay usable for a test double.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Shared {
    pub(crate) fn stopping(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    /// Sleeps up to `d`, waking early on stop. Returns false if stopping.
    pub(crate) fn sleep(&self, d: Duration) -> bool {
        let end = Instant::now() + d;
        loop {
            if self.stopping() {
                return false;
            }
            let now = Instant::now();
            if now >= end {
                return true;
            }
            std::thread::sleep((end - now).min(Duration::from_millis(10)));
        }
    }

    /// Blocks while a `Stall` is in effect. Returns false if stopping.
    pub(crate) fn wait_while_stalled(&self) -> bool {
        loop {
            let until = *lock(&self.stall_until);
            match until {
                Some(t) if Instant::now() < t => {
                    if !self.sleep(Duration::from_millis(2)) {
                        return false;
                    }
                }
                _ => return !self.stopping(),
            }
        }
    }

    /// Blocks until some connection subscribed (when configured). Returns false if stopping.
    pub(crate) fn wait_for_subscriber(&self) -> bool {
        while self.config.hold_until_subscribed && !self.hub.any_subscribed.load(Ordering::Acquire)
        {
            if !self.sleep(Duration::from_millis(2)) {
                return false;
            }
        }
        !self.stopping()
    }

    pub(crate) fn publish(&self, msg: hub::DataMsg) {
        self.counters.source_frames.fetch_add(1, Ordering::Relaxed);
        self.hub.publish(msg);
    }

    pub(crate) fn count_sent(&self, stream: &str) {
        self.counters.frames_sent.fetch_add(1, Ordering::Relaxed);
        let mut m = lock(&self.counters.per_stream);
        match m.get_mut(stream) {
            Some(n) => *n += 1,
            None => {
                m.insert(stream.to_string(), 1);
            }
        }
    }

    fn apply(&self, fault: Fault) {
        self.counters.faults_applied.fetch_add(1, Ordering::Relaxed);
        match fault {
            Fault::Disconnect => self.hub.disconnect_all(),
            Fault::Stall(d) => {
                let now = Instant::now();
                *lock(&self.stall_until) = Some(
                    now.checked_add(d)
                        .unwrap_or(now + Duration::from_secs(365 * 86_400)),
                );
            }
            Fault::Duplicate(n) => self.hub.pending().duplicate += n,
            Fault::Drop(n) => self.hub.pending().drop += n,
            Fault::Reorder => self.hub.pending().reorder = true,
            Fault::Corrupt(n) => self.hub.pending().corrupt += n,
            Fault::Oversize(b) => self.hub.oversize(b),
            Fault::RestRateLimit(n) => lock(&self.rest_faults).rate_limit += n,
            Fault::StaleSnapshot => lock(&self.rest_faults).stale += 1,
        }
    }
}

/// A running simulator. Dropping it shuts it down.
pub struct Simulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    ca_pem: String,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("addr", &self.addr)
            .field("venue", &self.shared.venue)
            .finish()
    }
}

impl Simulator {
    /// Binds, generates the certificates, prepares the source and starts the threads.
    pub fn start(config: SimConfig) -> io::Result<Simulator> {
        let certs = tls::generate()?;
        let listener = TcpListener::bind(config.listen)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let venue = config.venue;
        let dialect = dialect::dialect_for(venue);
        let mut neutral = None;
        let (market, runner): (Arc<dyn Market>, source::Runner) = match &config.source {
            Source::Synthetic {
                rate_per_sec,
                symbols,
            } if dialect.is_some() => {
                let d = dialect.expect("checked");
                let symbols = if symbols.is_empty() {
                    config.symbols.clone()
                } else {
                    symbols.clone()
                };
                let m = Arc::new(dialect::NeutralMarket::new(d, &symbols, config.seed));
                neutral = Some((d, m.clone()));
                (
                    Arc::new(source::NoMarket),
                    source::Runner::Neutral(d, m, (*rate_per_sec).max(1)),
                )
            }
            Source::Replay { .. }
                if !matches!(
                    venue,
                    Venue::Binance | Venue::BinanceUsdm | Venue::BinanceCoinm
                ) =>
            {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("the simulator replays Binance captures only; {venue} runs on the synthetic source"),
                ));
            }
            Source::Synthetic { .. }
                if !matches!(
                    venue,
                    Venue::Binance | Venue::BinanceUsdm | Venue::BinanceCoinm
                ) =>
            {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("the simulator does not speak {venue} yet"),
                ));
            }
            Source::Synthetic {
                rate_per_sec,
                symbols,
            } => {
                let symbols = if symbols.is_empty() {
                    config.symbols.clone()
                } else {
                    symbols.clone()
                };
                let m = Arc::new(synth::SynthMarket::new(venue, &symbols, config.seed));
                (m.clone(), source::Runner::Synth(m, (*rate_per_sec).max(1)))
            }
            Source::Replay {
                files,
                speed,
                loop_forever,
            } => {
                let m = Arc::new(source::ReplayMarket::prescan(venue, files)?);
                (
                    m.clone(),
                    source::Runner::Replay(m, files.clone(), *speed, *loop_forever),
                )
            }
        };
        let tls_cfg = if config.tls {
            Some(certs.server.clone())
        } else {
            None
        };
        let mut faults = config.faults.clone();
        faults.sort_by_key(|f| f.0);
        let shared = Arc::new(Shared {
            venue,
            config,
            stop: AtomicBool::new(false),
            counters: Counters::default(),
            hub: hub::Hub::default(),
            market,
            dialect: neutral,
            rest_faults: Mutex::new(fault::RestPending::default()),
            stall_until: Mutex::new(None),
            conn_threads: Mutex::new(Vec::new()),
            weight: Mutex::new((0, 0)),
            next_conn: AtomicU64::new(1),
        });
        let mut threads = Vec::new();
        let sh = shared.clone();
        threads.push(spawn("sim-listen", move || listen(sh, listener, tls_cfg))?);
        let sh = shared.clone();
        threads.push(spawn("sim-source", move || runner.run(&sh))?);
        if !faults.is_empty() {
            let sh = shared.clone();
            let t0 = Instant::now();
            threads.push(spawn("sim-faults", move || {
                for (at, f) in faults {
                    let now = t0.elapsed();
                    if at > now && !sh.sleep(at - now) {
                        return;
                    }
                    sh.apply(f);
                }
            })?);
        }
        Ok(Simulator {
            shared,
            addr,
            ca_pem: certs.ca_pem,
            threads,
        })
    }

    /// The simulator's own book of `symbol` (venues served by a dialect): bids and asks best
    /// first as `(price, size)` mantissas, and the price and size decimals.
    #[allow(clippy::type_complexity)]
    pub fn book(&self, symbol: &str) -> Option<(Vec<(i64, i64)>, Vec<(i64, i64)>, u32, u32)> {
        let (_, m) = self.shared.dialect.as_ref()?;
        m.with_symbol(symbol, |s| {
            (
                s.book.bids_best_first(usize::MAX).collect(),
                s.book.asks_best_first(usize::MAX).collect(),
                s.px_dec,
                s.qty_dec,
            )
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `wss://127.0.0.1:PORT` (`ws://` without TLS): append `/stream?streams=a/b` or `/ws/<s>`.
    pub fn ws_url(&self) -> String {
        let scheme = if self.shared.config.tls { "wss" } else { "ws" };
        format!("{scheme}://{}", self.addr)
    }

    /// `https://127.0.0.1:PORT` (`http://` without TLS): same port as the WebSocket.
    pub fn rest_url(&self) -> String {
        let scheme = if self.shared.config.tls {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// PEM of the CA certificate clients must trust.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Writes the CA certificate (PEM) to `path`.
    pub fn write_ca(&self, path: impl AsRef<Path>) -> io::Result<()> {
        std::fs::write(path, self.ca_pem.as_bytes())
    }

    /// The venue served.
    pub fn venue(&self) -> Venue {
        self.shared.venue
    }

    /// Injects a fault now.
    pub fn inject(&self, fault: Fault) {
        self.shared.apply(fault);
    }

    /// Counters so far.
    pub fn stats(&self) -> SimStats {
        let c = &self.shared.counters;
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        SimStats {
            connections: l(&c.connections),
            ws_connections: l(&c.ws_connections),
            ws_open: l(&c.ws_open),
            tls_failures: l(&c.tls_failures),
            subscribe_requests: l(&c.subscribe_requests),
            control_requests: l(&c.control_requests),
            rest_requests: l(&c.rest_requests),
            frames_sent: l(&c.frames_sent),
            frames_per_stream: lock(&c.per_stream).clone(),
            pings_sent: l(&c.pings_sent),
            faults_applied: l(&c.faults_applied),
            source_frames: l(&c.source_frames),
            source_done: c.source_done.load(Ordering::Relaxed),
        }
    }

    /// Runs until `deadline` (forever if `None`) or until `stop` is set, then shuts down and
    /// returns the final counters. For `tickwire sim`.
    pub fn run_until(self, deadline: Option<Instant>, stop: &AtomicBool) -> SimStats {
        while !stop.load(Ordering::Acquire) && deadline.is_none_or(|d| Instant::now() < d) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut sim = self;
        sim.stop_and_join();
        sim.stats()
    }

    /// Stops every thread (closing all connections) and joins them.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        // the listener is gone: no new connection threads can appear
        self.shared.hub.disconnect_all();
        let conns: Vec<_> = lock(&self.shared.conn_threads).drain(..).collect();
        for t in conns {
            let _ = t.join();
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> io::Result<JoinHandle<()>> {
    std::thread::Builder::new().name(name.to_string()).spawn(f)
}

fn listen(shared: Arc<Shared>, listener: TcpListener, tls: Option<Arc<rustls::ServerConfig>>) {
    while !shared.stopping() {
        match listener.accept() {
            Ok((sock, _)) => {
                shared.counters.connections.fetch_add(1, Ordering::Relaxed);
                let id = shared.next_conn.fetch_add(1, Ordering::Relaxed);
                let sh = shared.clone();
                let tls = tls.clone();
                let t = spawn("sim-conn", move || connection(sh, sock, tls, id));
                let mut threads = lock(&shared.conn_threads);
                threads.retain(|t| !t.is_finished());
                if let Ok(t) = t {
                    threads.push(t);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Largest HTTP request head accepted.
const MAX_HEAD: usize = 64 * 1024;

/// Reads one HTTP request head into `buf` (which may already hold bytes). Returns the head's
/// length, or `None` on EOF, error, timeout or stop.
pub(crate) fn read_head(
    shared: &Shared,
    stream: &mut tls::Stream,
    buf: &mut Vec<u8>,
    idle: Duration,
) -> Option<usize> {
    let start = Instant::now();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            return Some(p + 4);
        }
        if buf.len() > MAX_HEAD || shared.stopping() || start.elapsed() > idle {
            return None;
        }
        match stream.read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(_) => return None,
        }
    }
}

fn connection(
    shared: Arc<Shared>,
    sock: TcpStream,
    tls: Option<Arc<rustls::ServerConfig>>,
    id: u64,
) {
    let _ = sock.set_nodelay(true);
    let _ = sock.set_nonblocking(false);
    let _ = sock.set_read_timeout(Some(Duration::from_millis(50)));
    let _ = sock.set_write_timeout(Some(Duration::from_secs(10)));
    let ctl = sock.try_clone().ok();
    // registered so that shutdown/Disconnect can unblock this thread even before it is a
    // WebSocket
    shared.hub.register(hub::ConnHandle {
        id,
        tx: std::sync::mpsc::channel().0,
        backlog: Arc::default(),
        sock: ctl,
    });
    let mut stream = match tls::Stream::new(sock, tls.as_ref()) {
        Ok(s) => s,
        Err(_) => {
            shared.hub.unregister(id);
            return;
        }
    };
    let hs_deadline = Instant::now() + Duration::from_secs(10);
    let mut ok = false;
    while !shared.stopping() && Instant::now() < hs_deadline {
        match stream.handshake() {
            Ok(()) => {
                ok = true;
                break;
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break,
        }
    }
    if !ok {
        shared.counters.tls_failures.fetch_add(1, Ordering::Relaxed);
        let _ = stream.tcp().shutdown(Shutdown::Both);
        shared.hub.unregister(id);
        return;
    }
    let mut buf = Vec::new();
    if let Some(head_len) = read_head(&shared, &mut stream, &mut buf, Duration::from_secs(10)) {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut req = httparse::Request::new(&mut headers);
        let parsed = matches!(
            req.parse(&buf[..head_len]),
            Ok(httparse::Status::Complete(_))
        );
        let is_ws = parsed
            && req.headers.iter().any(|h| {
                h.name.eq_ignore_ascii_case("upgrade")
                    && std::str::from_utf8(h.value)
                        .is_ok_and(|v| v.trim().eq_ignore_ascii_case("websocket"))
            });
        if is_ws {
            let path = req.path.unwrap_or("/").to_string();
            let key = req
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("sec-websocket-key"))
                .map(|h| h.value.to_vec());
            // read_head returns the end of the head inside `buf`
            let rest = buf.get(head_len..).unwrap_or_default().to_vec();
            // the placeholder stays registered until serve replaces it, so a Disconnect
            // fault finds the connection at every moment
            match &shared.dialect {
                Some((d, m)) => {
                    let (d, m) = (*d, m.clone());
                    dialect::serve(&shared, d, &m, stream, &path, key, rest, id);
                }
                None => ws::serve(&shared, stream, &path, key, rest, id),
            }
            shared.hub.unregister(id);
            return;
        }
        rest::serve(&shared, &mut stream, buf);
    }
    shared.hub.unregister(id);
}
