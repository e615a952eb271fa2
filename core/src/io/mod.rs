//! The live engine: io shards (threads with their own `mio::Poll`, pinned), TLS by rustls driven
//! by hand, WebSocket framing by tungstenite, sessions that reconnect and roll over, a REST
//! worker for book snapshots, and the route stage run inline in the consumer's poll.
//!
//! ```no_run
//! use tickwire::io::{FeedBuilder, Subscription};
//! let mut feed = FeedBuilder::new()
//!     .subscribe(Subscription::parse("binance:BTCUSDT:trades,bbo,book").unwrap())
//!     .start()
//!     .unwrap();
//! let mut buf = vec![tickwire::Event::default(); 1024];
//! let n = feed.wait(&mut buf, std::time::Duration::from_secs(1));
//! println!("{n} events");
//! feed.shutdown();
//! ```

mod gate;
mod record;
mod rest;
mod session;
mod shard;
mod spec;
mod stream;
pub mod tls;

pub use gate::{Gate, GateConfig};
pub use record::RecordTx;
pub use rest::{get as http_get, parse_response as parse_http_response, Response, RestCounters};
pub use session::{CloseReason, SessionConfig};
pub use shard::ShardCounters;
pub use spec::{Channel, ChannelSpec, SpecError, Subscription};

use crate::book::{L2Book, Level};
use crate::event::{Event, Kind, Venue};
use crate::instrument::Instruments;
use crate::pipeline::{Pipeline, PipelineConfig, PipelineStats};
use crate::ring::{self, Consumer};
use crate::route::{ConsumerConfig, Filter, Overflow, Router};
use crate::sys;
use crate::venue::protocol_for;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How a waiting thread waits: spinning costs a core and wins microseconds (measured here:
/// ~4 µs one-way spinning vs ~37 µs sleeping in epoll).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum WaitPolicy {
    /// Busy-poll.
    Spin,
    /// Spin briefly, then yield the CPU.
    Yield,
    /// Spin, yield, then sleep/park (the default: right for small machines).
    #[default]
    Park,
}

/// Why a feed could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum FeedError {
    /// No subscription was given.
    NothingToSubscribe,
    /// The TLS configuration (e.g. the CA file) is unusable.
    Tls(tls::TlsConfigError),
    /// A thread or poller could not be created.
    Io(std::io::Error),
    /// A plain-text endpoint (`ws://`, `http://`) names a host that is not this machine, and
    /// [`FeedBuilder::allow_plaintext`] was not given: market data and subscriptions would
    /// cross the network unauthenticated.
    PlaintextEndpoint(String),
}

impl fmt::Display for FeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeedError::NothingToSubscribe => f.write_str("no subscription given"),
            FeedError::Tls(e) => write!(f, "{e}"),
            FeedError::Io(e) => write!(f, "cannot start the engine: {e}"),
            FeedError::PlaintextEndpoint(url) => write!(
                f,
                "refusing plain-text endpoint {url}: only loopback hosts may go without TLS \
                 (use wss:// / https://, or allow_plaintext(true) for a trusted network)"
            ),
        }
    }
}

impl std::error::Error for FeedError {}

/// Whether `url` is plain text (`ws://`, `http://`) to a host other than this machine
/// (`localhost`, `127.0.0.0/8`, `::1`).
fn plaintext_to_remote(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("ws://")
        .or_else(|| lower.strip_prefix("http://"))
    else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let hostport = authority.rsplit('@').next().unwrap_or("");
    let host = match hostport.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => hostport.split(':').next().unwrap_or(""),
    };
    let loopback = host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    !loopback
}

/// Builds a live [`Feed`].
#[derive(Clone, Debug)]
pub struct FeedBuilder {
    subscriptions: Vec<Subscription>,
    shards: usize,
    pin: bool,
    endpoint: Option<String>,
    rest_endpoint: Option<String>,
    allow_plaintext: bool,
    ca_pem: Option<Vec<u8>>,
    overflow: Overflow,
    capacity: usize,
    wait: WaitPolicy,
    max_message: usize,
    stale_after: Duration,
    lifetime: Option<Duration>,
    redundancy: usize,
    streams_per_connection: Option<usize>,
    backoff: (Duration, Duration),
    record: Option<std::path::PathBuf>,
    heartbeat: Option<Duration>,
    gate: GateConfig,
    watch: crate::watchdog::WatchConfig,
    stage_timing: bool,
}

impl Default for FeedBuilder {
    fn default() -> Self {
        FeedBuilder {
            subscriptions: Vec::new(),
            shards: 1,
            // thread per core on real servers; on 2 cores the consumer and the OS need the other
            pin: sys::cores() > 2,
            endpoint: None,
            rest_endpoint: None,
            allow_plaintext: false,
            ca_pem: None,
            overflow: Overflow::DropNewest,
            capacity: 1 << 16,
            wait: WaitPolicy::Park,
            max_message: 16 << 20,
            stale_after: Duration::from_secs(60),
            lifetime: None,
            redundancy: 1,
            streams_per_connection: None,
            backoff: (Duration::from_millis(100), Duration::from_secs(30)),
            record: None,
            heartbeat: None,
            gate: GateConfig::default(),
            watch: crate::watchdog::WatchConfig::default(),
            stage_timing: false,
        }
    }
}

impl FeedBuilder {
    /// Defaults: one io shard (right for 2-core machines), park waiting, drop-newest overflow,
    /// 16 MiB message limit, 60 s stale limit, the venues' own lifetime limits.
    pub fn new() -> Self {
        FeedBuilder::default()
    }
    /// Adds a subscription.
    pub fn subscribe(mut self, s: Subscription) -> Self {
        self.subscriptions.push(s);
        self
    }
    /// Number of io shards (threads).
    pub fn shards(mut self, n: usize) -> Self {
        self.shards = n.max(1);
        self
    }
    /// Pin shard threads to cores.
    pub fn pin(mut self, on: bool) -> Self {
        self.pin = on;
        self
    }
    /// WebSocket base URL replacing the venue's (e.g. a local simulator's `wss://127.0.0.1:PORT`).
    /// Unless [`FeedBuilder::rest_endpoint`] says otherwise, REST goes to the same host
    /// (`wss://` → `https://`, `ws://` → `http://`): never to the real venue behind a simulator.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into().trim_end_matches('/').to_string());
        self
    }
    /// Lets `ws://` / `http://` endpoints name hosts other than this machine (off by default:
    /// plain text is accepted only for loopback, e.g. a local simulator).
    pub fn allow_plaintext(mut self, on: bool) -> Self {
        self.allow_plaintext = on;
        self
    }
    /// REST base URL replacing the venue's.
    pub fn rest_endpoint(mut self, url: impl Into<String>) -> Self {
        self.rest_endpoint = Some(url.into().trim_end_matches('/').to_string());
        self
    }
    /// Trust only this CA (PEM) instead of the webpki roots.
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_pem = Some(pem.into());
        self
    }
    /// The consumer's overflow policy.
    pub fn overflow(mut self, o: Overflow) -> Self {
        self.overflow = o;
        self
    }
    /// Consumer ring capacity.
    pub fn capacity(mut self, n: usize) -> Self {
        self.capacity = n.max(2);
        self
    }
    /// How shards and `Feed::wait` wait.
    pub fn wait_policy(mut self, w: WaitPolicy) -> Self {
        self.wait = w;
        self
    }
    /// Largest WebSocket frame/message accepted; a larger one closes that connection.
    pub fn max_message(mut self, bytes: usize) -> Self {
        self.max_message = bytes;
        self
    }
    /// Silence after which a connection is declared stale and replaced.
    pub fn stale_after(mut self, d: Duration) -> Self {
        self.stale_after = d;
        self
    }
    /// Replace every connection after this long (make before break); default: the venue's
    /// limit less 10 minutes.
    pub fn lifetime(mut self, d: Duration) -> Self {
        self.lifetime = Some(d);
        self
    }
    /// Redundant connections carrying the same streams (first copy of each event wins).
    pub fn redundancy(mut self, r: usize) -> Self {
        self.redundancy = r.max(1);
        self
    }
    /// Streams per connection (default: the venue's limit).
    pub fn streams_per_connection(mut self, n: usize) -> Self {
        self.streams_per_connection = Some(n.max(1));
        self
    }
    /// Reconnect backoff: first delay and cap (full jitter in between).
    pub fn backoff(mut self, first: Duration, cap: Duration) -> Self {
        self.backoff = (first, cap);
        self
    }

    /// Client heartbeat interval (venues that need the client to ping: OKX, Bybit, Gate.io,
    /// Bitget, Hyperliquid, Kraken v2); default: the venue's.
    pub fn heartbeat_every(mut self, d: Duration) -> Self {
        self.heartbeat = Some(d);
        self
    }

    /// Connection-attempt limit and circuit breaker per venue.
    pub fn gate(mut self, g: GateConfig) -> Self {
        self.gate = g;
        self
    }

    /// The per-stream stale watchdog (pace-adaptive).
    pub fn stream_watchdog(mut self, w: crate::watchdog::WatchConfig) -> Self {
        self.watch = w;
        self
    }

    /// Per-stage latency histograms ([`Feed::stage_histograms`]), a benchmark aid: each shard
    /// stamps every batch it publishes into the route ring, and the consumer's poll records
    /// socket read → published and published → delivered per event. Off by default (it costs
    /// a clock read per batch and three histogram records per event).
    pub fn stage_timing(mut self, on: bool) -> Self {
        self.stage_timing = on;
        self
    }

    /// Also record every raw frame (WebSocket and REST) with its receive stamp to a `.twrec`
    /// file, replayable with `tickwire replay`.
    pub fn record_to(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.record = Some(path.into());
        self
    }

    /// Starts the shards and the REST worker.
    pub fn start(self) -> Result<Feed, FeedError> {
        if self.subscriptions.is_empty() {
            return Err(FeedError::NothingToSubscribe);
        }
        if !self.allow_plaintext {
            for url in [&self.endpoint, &self.rest_endpoint].into_iter().flatten() {
                if plaintext_to_remote(url) {
                    return Err(FeedError::PlaintextEndpoint(url.clone()));
                }
            }
        }
        let tls = tls::client_config(self.ca_pem.as_deref()).map_err(FeedError::Tls)?;
        let (recorder, record_thread) = match &self.record {
            Some(path) => {
                let venue = self.subscriptions[0].venue.name();
                let (tx, handle) = record::start(path, venue).map_err(FeedError::Io)?;
                (Some(tx), Some(handle))
            }
            None => (None, None),
        };
        let instruments = Instruments::new();
        let shutdown = Arc::new(AtomicBool::new(false));
        let waiter = Arc::new(shard::Waiter::default());
        let last_error = Arc::new(Mutex::new(None));

        // plan connections: per venue and endpoint path (OKX business, USD-M public/market),
        // streams split by the per-connection limit
        let mut by_path: Vec<(Venue, &'static str, Vec<String>)> = Vec::new();
        let mut book_variants = spec::BookVariants::default();
        for sub in &self.subscriptions {
            book_variants.add(sub);
            let proto = protocol_for(sub.venue);
            for stream in sub.streams() {
                let path = proto.ws_path(&stream);
                match by_path
                    .iter_mut()
                    .find(|(v, p, _)| *v == sub.venue && *p == path)
                {
                    Some((_, _, list)) if !list.contains(&stream) => list.push(stream),
                    Some(_) => {}
                    None => by_path.push((sub.venue, path, vec![stream])),
                }
            }
        }
        let mut sessions: Vec<Vec<(u16, SessionConfig)>> = vec![Vec::new(); self.shards];
        let mut gates: HashMap<Venue, Arc<Gate>> = HashMap::new();
        let mut conn = 0u16;
        for (venue, path, streams) in &by_path {
            let proto = protocol_for(*venue);
            let limits = proto.limits();
            let origin = self
                .endpoint
                .clone()
                .unwrap_or_else(|| proto.ws_origin().to_string());
            let per = self.streams_per_connection.unwrap_or(limits.max_streams);
            for chunk in streams.chunks(per.max(1)) {
                for copy in 0..self.redundancy {
                    let url = proto.url(&origin, path, chunk);
                    let lifetime = match (self.lifetime, limits.lifetime_secs) {
                        (Some(l), _) => Some(l),
                        (None, 0) => None,
                        (None, secs) => Some(Duration::from_secs(secs.saturating_sub(600).max(60))),
                    };
                    let cfg = SessionConfig {
                        venue: *venue,
                        tls: url.starts_with("wss://").then(|| tls.clone()),
                        url,
                        streams: chunk.to_vec(),
                        max_message: self.max_message,
                        stale_after: self.stale_after,
                        backoff: self.backoff,
                        lifetime,
                        max_msgs_per_sec: limits.max_msgs_per_sec,
                        heartbeat: self.heartbeat,
                        recorder: recorder.clone(),
                        gate: gates
                            .entry(*venue)
                            .or_insert_with(|| Arc::new(Gate::new(self.gate)))
                            .clone(),
                        book_copy: copy > 0
                            && crate::book::SyncRule::for_venue(*venue)
                                == crate::book::SyncRule::Unsequenced,
                    };
                    sessions[conn as usize % self.shards].push((conn, cfg));
                    conn = conn.wrapping_add(1);
                }
            }
        }

        let mut shard_rings = Vec::new();
        let mut stamp_rings = Vec::new();
        let mut shards = Vec::new();
        let mut threads = Vec::new();
        for (index, list) in sessions.into_iter().enumerate() {
            let (producer, consumer) = ring::channel(1 << 16);
            let poll = mio::Poll::new().map_err(FeedError::Io)?;
            let waker = shard::waker(&poll).map_err(FeedError::Io)?;
            let (tx, rx) = mpsc::channel();
            let counters = Arc::new(ShardCounters::default());
            let stamps = if self.stage_timing {
                let (tx, rx) = ring::channel(1 << 16);
                stamp_rings.push(rx);
                Some(tx)
            } else {
                None
            };
            let setup = shard::ShardSetup {
                stamps,
                pushed: 0,
                index,
                pin: self.pin,
                wait: self.wait,
                sessions: list,
                instruments: instruments.clone(),
                ring: producer,
                commands: rx,
                poll,
                shutdown: shutdown.clone(),
                counters: counters.clone(),
                last_error: last_error.clone(),
                waiter: waiter.clone(),
            };
            threads.push(
                std::thread::Builder::new()
                    .name(format!("tickwire-io-{index}"))
                    .spawn(move || shard::run(setup))
                    .map_err(FeedError::Io)?,
            );
            shard_rings.push(consumer);
            shards.push((tx, waker, counters));
        }
        let (rest_producer, rest_ring) = ring::channel(1 << 16);
        let (rest_tx, rest_rx) = mpsc::channel();
        let rest_counters = Arc::new(RestCounters::default());
        let mut base = HashMap::new();
        if let Some(b) = self.rest_base() {
            for v in Venue::ALL {
                base.insert(*v, b.clone());
            }
        }
        let setup = rest::RestSetup {
            jobs: rest_rx,
            base,
            tls: Some(tls.clone()),
            instruments: instruments.clone(),
            ring: rest_producer,
            shutdown: shutdown.clone(),
            counters: rest_counters.clone(),
            recorder,
        };
        threads.push(
            std::thread::Builder::new()
                .name("tickwire-rest".into())
                .spawn(move || rest::run(setup))
                .map_err(FeedError::Io)?,
        );

        let mut router = Router::new();
        let (_, consumer) = router.add_consumer(ConsumerConfig {
            capacity: self.capacity,
            backlog: 1 << 14,
            overflow: self.overflow,
            filter: Filter::default(),
        });
        Ok(Feed {
            pipeline: Pipeline::new(instruments.clone(), PipelineConfig::default()),
            instruments,
            shard_rings,
            rest_ring,
            shards,
            rest_tx,
            rest_counters,
            router,
            consumer,
            staged: VecDeque::new(),
            scratch: vec![Event::default(); 4096],
            threads,
            shutdown,
            last_error,
            latency: hdrhistogram::Histogram::new_with_bounds(1, 60_000_000_000, 3).ok(),
            wait: self.wait,
            delivered: 0,
            started: Instant::now(),
            record_thread,
            watchdog: crate::watchdog::Watchdog::new(self.watch),
            waiter,
            last_watch: Instant::now(),
            stages: self.stage_timing.then(|| Stages::new(stamp_rings)),
            book_variants,
        })
    }

    /// The REST base replacing the venue's: the explicit one, else derived from the endpoint.
    fn rest_base(&self) -> Option<String> {
        self.rest_endpoint.clone().or_else(|| {
            self.endpoint.as_ref().map(|e| {
                e.replacen("wss://", "https://", 1)
                    .replacen("ws://", "http://", 1)
            })
        })
    }
}

/// A snapshot of the engine's counters and latencies.
#[derive(Clone, Debug, Default)]
pub struct Metrics {
    /// Text frames read by the shards.
    pub frames: u64,
    /// Bytes read.
    pub bytes: u64,
    /// WebSocket connections established.
    pub connects: u64,
    /// Connections lost or closed.
    pub disconnects: u64,
    /// Rollovers done.
    pub rollovers: u64,
    /// Events lost because the route stage fell behind a shard.
    pub ring_drops: u64,
    /// Malformed frames (each also reported in band as a status event).
    pub malformed: u64,
    /// Events delivered to the consumer.
    pub delivered: u64,
    /// Route-stage counters (events emitted; parse outcomes of frames parsed there, which live
    /// feeds do on the shards: see the fields above).
    pub pipeline: PipelineStats,
    /// Book counters.
    pub books: crate::book::BookStats,
    /// Dedupe counters.
    pub dedupe: crate::dedupe::DedupeStats,
    /// REST snapshots fetched / rate-limited / failed.
    pub rest: (u64, u64, u64),
    /// Socket read → consumer latency percentiles in ns: p50, p99, p99.9, max.
    pub latency_ns: [u64; 4],
    /// Stage: socket read → parsed and handed to the route ring (the io shard's part), ns: p50, p99,
    /// p99.9, max (the worst shard; refreshed every second). The route stage and consumer
    /// hand-off account for the rest of `latency_ns`.
    pub shard_latency_ns: [u64; 4],
    /// Seconds since start.
    pub uptime: f64,
    /// The last connection error, for people.
    pub last_error: Option<String>,
}

/// A live feed: the consumer's handle. Polling runs the route stage inline (books, dedupe,
/// routing) and copies events out; waiting spins, yields, then parks per the wait policy.
pub struct Feed {
    instruments: Arc<Instruments>,
    pipeline: Pipeline,
    shard_rings: Vec<Consumer<Event>>,
    rest_ring: Consumer<Event>,
    shards: Vec<(
        mpsc::Sender<shard::Command>,
        Arc<mio::Waker>,
        Arc<ShardCounters>,
    )>,
    rest_tx: mpsc::Sender<rest::RestJob>,
    rest_counters: Arc<RestCounters>,
    router: Router,
    consumer: Consumer<Event>,
    staged: VecDeque<Event>,
    scratch: Vec<Event>,
    threads: Vec<JoinHandle<()>>,
    shutdown: Arc<AtomicBool>,
    last_error: Arc<Mutex<Option<String>>>,
    latency: Option<hdrhistogram::Histogram<u64>>,
    wait: WaitPolicy,
    delivered: u64,
    started: Instant,
    record_thread: Option<JoinHandle<std::io::Result<u64>>>,
    watchdog: crate::watchdog::Watchdog,
    last_watch: Instant,
    waiter: Arc<shard::Waiter>,
    stages: Option<Stages>,
    /// The book variant of each subscribed book: resyncs use its stream.
    book_variants: spec::BookVariants,
}

/// Latency histograms (ns) per stage, from [`FeedBuilder::stage_timing`].
#[derive(Clone, Debug)]
pub struct StageHistograms {
    /// Socket read → delivered to the consumer by `poll` (every non-status event).
    pub socket_to_consumer: hdrhistogram::Histogram<u64>,
    /// Socket read → published into the route ring by the io shard (parse included).
    pub socket_to_shard: hdrhistogram::Histogram<u64>,
    /// Published by the shard → delivered by `poll` (route stage and consumer hand-off). Events
    /// are matched in order, so the split is exact when the route stage emits one event per
    /// shard event (trades, quotes); books and dedupe make it approximate.
    pub shard_to_consumer: hdrhistogram::Histogram<u64>,
}

fn histogram() -> hdrhistogram::Histogram<u64> {
    hdrhistogram::Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("histogram bounds")
}

/// Stage timing state of the consumer side.
struct Stages {
    logs: Vec<Consumer<(u64, i64)>>,
    /// Per shard: events popped from its ring so far, and the current stamp `(end, ns)`.
    popped: Vec<u64>,
    current: Vec<(u64, i64)>,
    /// Publish stamps of shard events popped but not yet delivered: `(ns, count)`.
    inflight: VecDeque<(i64, u32)>,
    hist: StageHistograms,
}

impl Stages {
    fn new(logs: Vec<Consumer<(u64, i64)>>) -> Stages {
        let n = logs.len();
        Stages {
            logs,
            popped: vec![0; n],
            current: vec![(0, 0); n],
            inflight: VecDeque::new(),
            hist: StageHistograms {
                socket_to_consumer: histogram(),
                socket_to_shard: histogram(),
                shard_to_consumer: histogram(),
            },
        }
    }

    /// `events` were just popped from shard `k`'s ring.
    fn popped(&mut self, k: usize, events: &[Event]) {
        for e in events {
            let idx = self.popped[k];
            self.popped[k] += 1;
            while self.current[k].0 <= idx {
                match self.logs[k].pop() {
                    Some(s) => self.current[k] = s,
                    None => break,
                }
            }
            if e.kind == Kind::Status as u8 || e.ts_recv <= 0 {
                continue;
            }
            let published = self.current[k].1;
            // (a clock stepping back records 0: every event is counted in every stage)
            let _ = self
                .hist
                .socket_to_shard
                .record((published - e.ts_recv).max(0) as u64);
            match self.inflight.back_mut() {
                Some((ns, count)) if *ns == published && *count < u32::MAX => *count += 1,
                _ => self.inflight.push_back((published, 1)),
            }
        }
        if self.inflight.len() > 1 << 16 {
            self.inflight.clear(); // the route stage dropped or merged events: resynchronise
        }
    }

    /// `events` were just delivered at `now`.
    fn delivered(&mut self, events: &[Event], now: i64) {
        for e in events {
            if e.kind == Kind::Status as u8 || e.ts_recv <= 0 {
                continue;
            }
            let _ = self
                .hist
                .socket_to_consumer
                .record((now - e.ts_recv).max(0) as u64);
            let Some((published, count)) = self.inflight.front_mut() else {
                continue;
            };
            let _ = self
                .hist
                .shard_to_consumer
                .record((now - *published).max(0) as u64);
            *count -= 1;
            if *count == 0 {
                self.inflight.pop_front();
            }
        }
    }

    fn reset(&mut self) {
        self.hist.socket_to_consumer.reset();
        self.hist.socket_to_shard.reset();
        self.hist.shard_to_consumer.reset();
    }
}

impl fmt::Debug for Feed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Feed")
            .field("shards", &self.shards.len())
            .field("delivered", &self.delivered)
            .finish()
    }
}

impl Feed {
    /// Copies up to `out.len()` ready events; never blocks.
    pub fn poll(&mut self, out: &mut [Event]) -> usize {
        self.pump();
        let n = self.consumer.pop_into(out);
        if n > 0 {
            self.delivered += n as u64;
            let now = sys::now().0;
            if let Some(st) = self.stages.as_mut() {
                st.delivered(&out[..n], now);
            }
            if let Some(h) = self.latency.as_mut() {
                for e in &out[..n] {
                    if e.kind != Kind::Status as u8 && e.ts_recv > 0 && now > e.ts_recv {
                        let _ = h.record((now - e.ts_recv) as u64);
                    }
                }
            }
        }
        n
    }

    /// Waits up to `timeout` for at least one event.
    pub fn wait(&mut self, out: &mut [Event], timeout: Duration) -> usize {
        let deadline = Instant::now() + timeout;
        let mut idle = 0u32;
        loop {
            let n = self.poll(out);
            if n > 0 || Instant::now() >= deadline {
                return n;
            }
            idle += 1;
            match self.wait {
                WaitPolicy::Spin => std::hint::spin_loop(),
                WaitPolicy::Yield => std::thread::yield_now(),
                WaitPolicy::Park if idle < 64 => std::hint::spin_loop(),
                WaitPolicy::Park if idle < 256 => std::thread::yield_now(),
                WaitPolicy::Park => self.park(deadline),
            }
        }
    }

    /// Parks until a shard publishes (it unparks us), or 10 ms pass (REST results, timers).
    fn park(&mut self, deadline: Instant) {
        if let Ok(mut t) = self.waiter.thread.lock() {
            let me = std::thread::current();
            if t.as_ref().map(|t| t.id()) != Some(me.id()) {
                *t = Some(me);
            }
        }
        self.waiter.parked.store(true, Ordering::SeqCst);
        // re-check after announcing: a publish between our last poll and the store is not lost
        if self.shard_rings.iter().all(|r| r.is_empty()) && self.rest_ring.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            std::thread::park_timeout(left.min(Duration::from_millis(10)));
        }
        self.waiter.parked.store(false, Ordering::SeqCst);
    }

    fn pump(&mut self) {
        let fresh = self.staged.len();
        let staged = &mut self.staged;
        for (k, ring) in self.shard_rings.iter_mut().enumerate() {
            loop {
                let n = ring.pop_into(&mut self.scratch);
                if n == 0 {
                    break;
                }
                if let Some(st) = self.stages.as_mut() {
                    st.popped(k, &self.scratch[..n]);
                }
                self.pipeline
                    .process(k as u32, &self.scratch[..n], &mut |e| staged.push_back(*e));
            }
        }
        loop {
            let n = self.rest_ring.pop_into(&mut self.scratch);
            if n == 0 {
                break;
            }
            self.pipeline
                .process(u32::MAX, &self.scratch[..n], &mut |e| staged.push_back(*e));
        }
        // per-stream pace and silence (one clock read per pump)
        let now = sys::now().0;
        for e in self.staged.range(fresh..) {
            self.watchdog.on_event(e, now);
        }
        if self.last_watch.elapsed() >= Duration::from_millis(100) {
            self.last_watch = Instant::now();
            let mut stale = Vec::new();
            self.watchdog.check(now, &mut stale);
            self.staged.extend(stale);
        }
        for id in self.pipeline.books_mut().take_resync_requests() {
            let Some(info) = self.instruments.info(id) else {
                continue;
            };
            // on the stream the book was subscribed on (its variant)
            for resync in self.book_variants.resyncs(info.venue, &info.symbol) {
                match resync {
                    crate::venue::protocol::Resync::Rest(path) => {
                        let _ = self.rest_tx.send(rest::RestJob {
                            venue: info.venue,
                            symbol: info.symbol.clone(),
                            path,
                        });
                    }
                    crate::venue::protocol::Resync::Resubscribe(streams) => {
                        let venue = info.venue;
                        self.command(|| shard::Command::Resubscribe {
                            venue,
                            streams: streams.clone(),
                        });
                    }
                    crate::venue::protocol::Resync::None => {}
                }
            }
        }
        let mut room = self.router.free_min();
        while room > 0 {
            let Some(ev) = self.staged.pop_front() else {
                break;
            };
            self.router.route(&ev);
            room -= 1;
        }
        // what does not fit waits in `staged` only up to the consumer's backlog; beyond, the
        // router's overflow policy decides (and reports the loss)
        while self.staged.len() > (1 << 16) {
            if let Some(ev) = self.staged.pop_front() {
                self.router.route(&ev);
            }
        }
        self.router.flush();
    }

    /// The instrument table.
    pub fn instruments(&self) -> &Arc<Instruments> {
        &self.instruments
    }

    /// The live book of `symbol` on `venue` (absent until synced, and while resyncing).
    pub fn book(&self, venue: Venue, symbol: &str) -> Option<&L2Book> {
        let info = self.instruments.find(venue, symbol)?;
        self.pipeline.books().book(info.id)
    }

    /// The `n` best levels per side of a live book.
    pub fn book_top(
        &self,
        venue: Venue,
        symbol: &str,
        n: usize,
    ) -> Option<(Vec<Level>, Vec<Level>)> {
        self.book(venue, symbol).map(|b| b.top(n))
    }

    /// Subscribes at run time, without reconnecting.
    pub fn subscribe(&mut self, s: &Subscription) {
        self.book_variants.add(s);
        self.command(|| shard::Command::Subscribe {
            venue: s.venue,
            streams: s.streams(),
        });
    }

    /// Unsubscribes at run time.
    pub fn unsubscribe(&mut self, s: &Subscription) {
        self.book_variants.remove(s);
        self.command(|| shard::Command::Unsubscribe {
            venue: s.venue,
            streams: s.streams(),
        });
    }

    fn command(&self, make: impl Fn() -> shard::Command) {
        for (tx, waker, _) in &self.shards {
            let _ = tx.send(make());
            let _ = waker.wake();
        }
    }

    /// An endless iterator over events: each `next()` waits (per the wait policy) until an
    /// event is ready. Stop with `take`, `take_while`, or by breaking out of the loop.
    pub fn events(&mut self) -> Events<'_> {
        Events {
            feed: self,
            buf: vec![Event::default(); 1024],
            pos: 0,
            len: 0,
        }
    }

    /// Counters and latency percentiles.
    pub fn metrics(&self) -> Metrics {
        let mut m = Metrics::default();
        for (_, _, c) in &self.shards {
            m.frames += c.frames.load(Ordering::Relaxed);
            m.bytes += c.bytes.load(Ordering::Relaxed);
            m.connects += c.connects.load(Ordering::Relaxed);
            m.disconnects += c.disconnects.load(Ordering::Relaxed);
            m.rollovers += c.rollovers.load(Ordering::Relaxed);
            m.ring_drops += c.ring_drops.load(Ordering::Relaxed);
            m.malformed += c.malformed.load(Ordering::Relaxed);
            for (dst, src) in m.shard_latency_ns.iter_mut().zip(&c.stage_ns) {
                *dst = (*dst).max(src.load(Ordering::Relaxed));
            }
        }
        m.delivered = self.delivered;
        m.pipeline = self.pipeline.stats();
        m.books = self.pipeline.books().stats();
        m.dedupe = self.pipeline.dedupe().stats();
        let r = &self.rest_counters;
        m.rest = (
            r.snapshots.load(Ordering::Relaxed),
            r.rate_limited.load(Ordering::Relaxed),
            r.failures.load(Ordering::Relaxed),
        );
        if let Some(h) = &self.latency {
            if !h.is_empty() {
                m.latency_ns = [
                    h.value_at_quantile(0.5),
                    h.value_at_quantile(0.99),
                    h.value_at_quantile(0.999),
                    h.max(),
                ];
            }
        }
        m.uptime = self.started.elapsed().as_secs_f64();
        m.last_error = self.last_error.lock().ok().and_then(|g| g.clone());
        m
    }

    /// Per-stage latency histograms; `None` unless [`FeedBuilder::stage_timing`] is on.
    pub fn stage_histograms(&self) -> Option<StageHistograms> {
        self.stages.as_ref().map(|s| s.hist.clone())
    }

    /// Empties the stage histograms (e.g. after a warm-up).
    pub fn reset_stage_histograms(&mut self) {
        if let Some(s) = self.stages.as_mut() {
            s.reset();
        }
    }

    /// Stops every thread and waits for them. Also done on drop.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.shutdown.store(true, Ordering::Release);
        for (_, waker, _) in &self.shards {
            let _ = waker.wake();
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        // the recorder ends when the sessions and the REST worker have dropped their senders
        if let Some(t) = self.record_thread.take() {
            match t.join() {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    if let Ok(mut g) = self.last_error.lock() {
                        *g = Some(format!("recording failed: {e}"));
                    }
                }
                Err(_) => {}
            }
        }
    }
}

/// See [`Feed::events`].
pub struct Events<'a> {
    feed: &'a mut Feed,
    buf: Vec<Event>,
    pos: usize,
    len: usize,
}

impl Iterator for Events<'_> {
    type Item = Event;
    fn next(&mut self) -> Option<Event> {
        while self.pos == self.len {
            self.len = self.feed.wait(&mut self.buf, Duration::from_millis(100));
            self.pos = 0;
        }
        self.pos += 1;
        Some(self.buf[self.pos - 1])
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plaintext_only_to_loopback() {
        for local in [
            "ws://127.0.0.1:9443",
            "ws://127.8.9.10/ws",
            "WS://LOCALHOST:80/stream",
            "http://[::1]:8080/api",
            "ws://user@localhost:1/x",
            "ws://sim.localhost:5000",
        ] {
            assert!(!plaintext_to_remote(local), "{local}");
        }
        for remote in [
            "ws://stream.binance.com:9443/ws",
            "http://api.binance.com",
            "ws://10.0.0.5:9000",
            "ws://[2001:db8::1]:80/",
            "ws://127.0.0.1.evil.example/ws",
            "ws://localhost@evil.example/",
        ] {
            assert!(plaintext_to_remote(remote), "{remote}");
        }
        for tls in [
            "wss://stream.binance.com:9443/ws",
            "https://api.binance.com",
        ] {
            assert!(!plaintext_to_remote(tls), "{tls}");
        }
    }

    #[test]
    fn plaintext_to_a_remote_host_is_refused_unless_allowed() {
        let sub = Subscription::parse("binance:BTCUSDT:trades").unwrap();
        let Err(err) = FeedBuilder::new()
            .subscribe(sub.clone())
            .endpoint("ws://stream.binance.com:9443")
            .start()
        else {
            panic!("refused");
        };
        assert!(matches!(err, FeedError::PlaintextEndpoint(_)), "{err}");
        assert!(err.to_string().contains("only loopback hosts"), "{err}");
        let Err(err) = FeedBuilder::new()
            .subscribe(sub)
            .endpoint("wss://127.0.0.1:1")
            .rest_endpoint("http://api.binance.com")
            .start()
        else {
            panic!("refused");
        };
        assert!(matches!(err, FeedError::PlaintextEndpoint(u) if u == "http://api.binance.com"));
    }
}
