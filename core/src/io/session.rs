//! One WebSocket connection's life: connect (non-blocking TCP), TLS and WebSocket handshakes
//! (driven by readiness), subscribe, read and parse frames, answer pings, watch for staleness,
//! roll over before the venue's lifetime limit, and reconnect with capped exponential backoff
//! and full jitter.

use super::stream::{NetStream, TlsFailure};
use crate::event::{Event, InstrumentId, Nanos, StatusCode, Venue};
use crate::instrument::Instruments;
use crate::sys;
use crate::venue::{self, Control, FrameParser};
use mio::{Interest, Registry, Token};
use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use std::collections::VecDeque;
use std::net::ToSocketAddrs;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tungstenite::client::IntoClientRequest;
use tungstenite::handshake::client::ClientHandshake;
use tungstenite::handshake::{HandshakeError, MidHandshake};
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Message, WebSocket};

/// Frames one `on_ready` call reads at most before the shard publishes what it has and comes
/// back (at once) for the rest.
const READ_BUDGET: usize = 256;

/// Where a session hands what it parsed so far while it reads (the shard's ring), if anywhere.
pub type Publish<'a> = Option<&'a mut dyn FnMut(&mut Vec<Event>)>;

/// With eager publishing, frames of one read call between two publishes.
const EAGER_BATCH: usize = 16;

/// Why a connection ended: `v[1]` of a `Disconnected` status event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i64)]
pub enum CloseReason {
    /// The peer closed the TCP connection or sent a close frame.
    PeerClosed = 1,
    /// A socket error.
    Io = 2,
    /// A WebSocket protocol violation.
    Protocol = 3,
    /// A frame or message over the configured size limit.
    Oversized = 4,
    /// The TLS handshake or a TLS record failed (certificate not trusted, …).
    Tls = 5,
    /// Replaced by a fresh connection before the venue's lifetime limit.
    Rollover = 6,
    /// The venue announced its shutdown.
    ServerShutdown = 7,
    /// No data for longer than the stale limit.
    Stale = 8,
    /// The WebSocket handshake was refused (HTTP status, bad URL).
    Handshake = 9,
    /// The engine is shutting down.
    Shutdown = 10,
    /// The address could not be resolved or connected.
    Connect = 11,
}

/// Settings of one connection.
#[derive(Clone)]
pub struct SessionConfig {
    /// Venue.
    pub venue: Venue,
    /// Full URL (`wss://host:port/stream?streams=a/b`, `wss://ws.okx.com:8443/ws/v5/public`).
    pub url: String,
    /// The streams this connection carries. Venues that do not take them in the URL get them
    /// in subscribe frames after every (re)connect.
    pub streams: Vec<String>,
    /// TLS configuration (`None` for `ws://`).
    pub tls: Option<Arc<ClientConfig>>,
    /// Frame and message size limits.
    pub max_message: usize,
    /// Silence after which the connection is declared stale and replaced.
    pub stale_after: Duration,
    /// Reconnect backoff: first delay and cap.
    pub backoff: (Duration, Duration),
    /// Replace the connection after this long (Binance closes at 24 h).
    pub lifetime: Option<Duration>,
    /// Control messages per second the venue accepts.
    pub max_msgs_per_sec: u32,
    /// Client heartbeat interval replacing the venue's (tests against a simulator).
    pub heartbeat: Option<Duration>,
    /// Where raw frames go when recording (`tickwire record`).
    pub recorder: Option<super::record::RecordTx>,
    /// The venue's connect gate (attempt limit, circuit breaker), shared by its sessions.
    pub gate: Arc<super::gate::Gate>,
    /// A redundant copy whose book levels are discarded: the venue's book has no sequence
    /// ([`crate::book::SyncRule::Unsequenced`]: Kraken, Coinbase, Hyperliquid), so copies from
    /// two connections cannot be merged (a late copy of an older update would overwrite a
    /// newer level). The group's first connection keeps the book; trades, quotes and candles
    /// come from every copy.
    pub book_copy: bool,
}

impl std::fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionConfig")
            .field("venue", &self.venue)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

enum State {
    /// Not connected; (re)connect at the instant.
    Idle(Instant),
    Handshaking(MidHandshake<ClientHandshake<NetStream>>),
    Open(Box<WebSocket<NetStream>>),
    /// Retired: closed for good.
    Done,
}

/// Counters of a session.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SessionStats {
    /// Successful WebSocket handshakes.
    pub connects: u64,
    /// Connections lost or closed.
    pub disconnects: u64,
    /// Text frames received.
    pub frames: u64,
    /// Bytes read from the socket.
    pub bytes: u64,
    /// Subscribe/unsubscribe acks.
    pub acks: u64,
    /// Malformed frames (reported in band as status events).
    pub malformed: u64,
    /// Values out of range (reported in band).
    pub out_of_range: u64,
    /// Book levels discarded as a redundant copy ([`SessionConfig::book_copy`]).
    pub book_copies: u64,
}

/// One connection, owned by a shard.
pub struct Session {
    /// Connection number (stable across reconnects), carried in status events.
    pub conn: u16,
    cfg: SessionConfig,
    token: Token,
    state: State,
    parser: Box<dyn FrameParser>,
    attempts: u32,
    connected_at: Instant,
    last_data: Instant,
    rng: u64,
    outbox: VecDeque<String>,
    sent_this_second: (Instant, u32),
    next_id: u64,
    protocol: &'static dyn venue::Protocol,
    /// The streams currently subscribed (initial ones plus run-time changes).
    streams: Vec<String>,
    last_heartbeat: Instant,
    /// Set when this session should hand over to a successor before its lifetime ends.
    pub rollover_due: bool,
    /// Whether this session has received market data since it connected.
    pub has_data: bool,
    /// The last failure, for people (TLS errors name the certificate problem).
    pub last_error: Option<String>,
    stats: SessionStats,
    retire_after_close: bool,
    /// The last read stopped at its budget.
    more: bool,
    /// A `CircuitOpen` status was sent for the current wait.
    gated: bool,
}

impl Session {
    /// A session that connects right away.
    pub fn new(
        conn: u16,
        token: Token,
        cfg: SessionConfig,
        instruments: Arc<Instruments>,
    ) -> Session {
        let now = Instant::now();
        Session {
            conn,
            protocol: venue::protocol_for(cfg.venue),
            streams: cfg.streams.clone(),
            last_heartbeat: now,
            parser: venue::parser_for(cfg.venue, instruments),
            cfg,
            token,
            state: State::Idle(now),
            attempts: 0,
            connected_at: now,
            last_data: now,
            rng: 0x9e37_79b9_7f4a_7c15 ^ (u64::from(conn) << 17) ^ sys::now().0 as u64,
            outbox: VecDeque::new(),
            sent_this_second: (now, 0),
            next_id: 1,
            rollover_due: false,
            has_data: false,
            last_error: None,
            stats: SessionStats::default(),
            retire_after_close: false,
            more: false,
            gated: false,
        }
    }

    /// Counters.
    pub fn stats(&self) -> SessionStats {
        let p = self.parser.stats();
        SessionStats {
            malformed: p.malformed,
            out_of_range: p.out_of_range,
            ..self.stats
        }
    }

    /// Whether the session is closed for good.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Whether the session is open.
    pub fn is_open(&self) -> bool {
        matches!(self.state, State::Open(_))
    }

    /// Queues the venue's subscribe frames for `streams` (sent when open, within the venue's
    /// message rate), and remembers them for reconnects and successors.
    pub fn subscribe(&mut self, streams: &[String]) {
        for s in streams {
            if !self.streams.contains(s) {
                self.streams.push(s.clone());
            }
        }
        self.queue_subscribe(streams);
    }

    fn queue_subscribe(&mut self, streams: &[String]) {
        let per = self.protocol.limits().streams_per_msg.max(1);
        for chunk in streams.chunks(per) {
            let id = self.next_id;
            self.next_id += 1;
            self.outbox.extend(self.protocol.subscribe(chunk, id));
        }
    }

    /// Queues the venue's unsubscribe frames.
    pub fn unsubscribe(&mut self, streams: &[String]) {
        self.streams.retain(|s| !streams.contains(s));
        let per = self.protocol.limits().streams_per_msg.max(1);
        for chunk in streams.chunks(per) {
            let id = self.next_id;
            self.next_id += 1;
            self.outbox.extend(self.protocol.unsubscribe(chunk, id));
        }
    }

    /// Unsubscribes and subscribes again those of `streams` this session carries (a book
    /// resync on venues that send a snapshot on subscribe). Returns whether it carried any.
    pub fn resubscribe(&mut self, streams: &[String]) -> bool {
        let mine: Vec<String> = streams
            .iter()
            .filter(|s| self.streams.contains(s))
            .cloned()
            .collect();
        if mine.is_empty() {
            return false;
        }
        let per = self.protocol.limits().streams_per_msg.max(1);
        for chunk in mine.chunks(per) {
            let id = self.next_id;
            self.next_id += 1;
            self.outbox.extend(self.protocol.unsubscribe(chunk, id));
        }
        self.queue_subscribe(&mine);
        true
    }

    /// This session's configuration with its current streams (for a successor).
    pub fn current_config(&self) -> SessionConfig {
        let mut cfg = self.cfg.clone();
        if self.protocol.subscribes_in_url() && self.streams != cfg.streams {
            // the URL names the streams: rebuild it for the successor
            if let Some(base) = cfg.url.split("/stream?").next() {
                cfg.url = format!("{base}/stream?streams={}", self.streams.join("/"));
            }
        }
        cfg.streams = self.streams.clone();
        cfg
    }

    /// Closes for good (no reconnect), e.g. after a rollover or at shutdown.
    pub fn retire(&mut self, registry: &Registry, reason: CloseReason, out: &mut Vec<Event>) {
        self.retire_after_close = true;
        self.close(registry, reason, out);
    }

    /// Timers: connect when due, stale watchdog, rollover. Returns the next instant it needs.
    pub fn tick(
        &mut self,
        registry: &Registry,
        now: Instant,
        out: &mut Vec<Event>,
    ) -> Option<Instant> {
        match &self.state {
            State::Idle(at) if *at <= now => {
                self.connect(registry, out);
                None
            }
            State::Idle(at) => Some(*at),
            State::Open(_) => {
                if now.duration_since(self.last_data) > self.cfg.stale_after {
                    out.push(self.status(
                        StatusCode::Stale,
                        self.conn as i64,
                        now.duration_since(self.last_data).as_millis() as i64,
                    ));
                    self.close(registry, CloseReason::Stale, out);
                    return None;
                }
                if let Some(life) = self.cfg.lifetime {
                    if !self.rollover_due && now.duration_since(self.connected_at) >= life {
                        self.rollover_due = true;
                    }
                }
                let mut next = self.last_data + self.cfg.stale_after;
                if let Some((every, text)) = self.protocol.heartbeat() {
                    let every = self.cfg.heartbeat.unwrap_or(every);
                    if now.duration_since(self.last_heartbeat) >= every {
                        self.last_heartbeat = now;
                        // the heartbeat goes first: it keeps the connection, subscribes can wait
                        self.outbox.push_front(text);
                    }
                    next = next.min(self.last_heartbeat + every);
                }
                self.flush_outbox(now);
                if !self.outbox.is_empty() {
                    next = next.min(self.sent_this_second.0 + Duration::from_secs(1));
                }
                Some(next)
            }
            State::Handshaking(_) => Some(now + Duration::from_millis(100)),
            State::Done => None,
        }
    }

    fn status(&self, code: StatusCode, a: i64, b: i64) -> Event {
        Event::status_event(
            self.cfg.venue,
            InstrumentId::NONE,
            code,
            sys::now(),
            a,
            b,
            0,
        )
    }

    fn connect(&mut self, registry: &Registry, out: &mut Vec<Event>) {
        let now = Instant::now();
        if let Err(wait) = self.cfg.gate.try_acquire(now) {
            let at = match wait {
                super::gate::Wait::BreakerOpen(at) | super::gate::Wait::RateLimited(at) => at,
            };
            if !self.gated {
                self.gated = true;
                out.push(self.status(
                    StatusCode::CircuitOpen,
                    self.conn as i64,
                    at.saturating_duration_since(now).as_millis() as i64,
                ));
            }
            self.state = State::Idle(at);
            return;
        }
        self.gated = false;
        match self.try_connect(registry) {
            Ok(state) => {
                // a handshake that completes within the first call (loopback, a fast peer)
                // is a connection like any other: announced, breaker and attempts reset
                let open = matches!(state, State::Open(_));
                self.state = state;
                if open {
                    self.attempts = 0;
                    self.cfg.gate.success();
                    out.push(self.status(StatusCode::Connected, self.conn as i64, 0));
                }
            }
            Err((reason, msg)) => {
                self.last_error = Some(msg);
                self.cfg.gate.failure(Instant::now());
                out.push(self.status(StatusCode::Disconnected, self.conn as i64, reason as i64));
                self.schedule_reconnect();
            }
        }
    }

    fn try_connect(&mut self, registry: &Registry) -> Result<State, (CloseReason, String)> {
        let request = self.cfg.url.as_str().into_client_request().map_err(|e| {
            (
                CloseReason::Handshake,
                format!("bad URL {}: {e}", self.cfg.url),
            )
        })?;
        let host = request
            .uri()
            .host()
            .unwrap_or_default()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let secure = request.uri().scheme_str() == Some("wss");
        let port = request
            .uri()
            .port_u16()
            .unwrap_or(if secure { 443 } else { 80 });
        let addr = (host.as_str(), port)
            .to_socket_addrs()
            .map_err(|e| (CloseReason::Connect, format!("cannot resolve {host}: {e}")))?
            .next()
            .ok_or_else(|| (CloseReason::Connect, format!("no address for {host}")))?;
        let mut tcp = mio::net::TcpStream::connect(addr)
            .map_err(|e| (CloseReason::Connect, format!("connect {addr}: {e}")))?;
        let _ = tcp.set_nodelay(true);
        registry
            .register(
                &mut tcp,
                self.token,
                Interest::READABLE | Interest::WRITABLE,
            )
            .map_err(|e| (CloseReason::Io, format!("register: {e}")))?;
        let tls = match (&self.cfg.tls, secure) {
            (Some(cfg), true) => {
                let name = ServerName::try_from(host.clone())
                    .map_err(|e| (CloseReason::Tls, format!("bad server name {host}: {e}")))?;
                Some(
                    rustls::ClientConnection::new(cfg.clone(), name)
                        .map_err(|e| (CloseReason::Tls, e.to_string()))?,
                )
            }
            (None, true) => {
                return Err((CloseReason::Tls, "wss:// needs a TLS configuration".into()))
            }
            (_, false) => None,
        };
        let ws_config = WebSocketConfig::default()
            .max_frame_size(Some(self.cfg.max_message))
            .max_message_size(Some(self.cfg.max_message));
        let stream = NetStream::new(tcp, tls);
        match tungstenite::client::client_with_config(request, stream, Some(ws_config)) {
            Ok((ws, _)) => Ok(self.opened(ws)),
            Err(HandshakeError::Interrupted(mid)) => Ok(State::Handshaking(mid)),
            Err(HandshakeError::Failure(e)) => Err(classify(&e)),
        }
    }

    fn opened(&mut self, ws: WebSocket<NetStream>) -> State {
        let now = Instant::now();
        self.connected_at = now;
        self.last_data = now;
        self.last_heartbeat = now;
        // what was queued for the old connection is void; subscribe afresh
        self.outbox.clear();
        if !self.protocol.subscribes_in_url() {
            if !self.streams.is_empty() {
                let streams = self.streams.clone();
                self.queue_subscribe(&streams);
            }
        } else {
            // the URL carries the initial streams: apply run-time changes on top
            let added: Vec<String> = (self.streams.iter())
                .filter(|s| !self.cfg.streams.contains(s))
                .cloned()
                .collect();
            let removed: Vec<String> = (self.cfg.streams.iter())
                .filter(|s| !self.streams.contains(s))
                .cloned()
                .collect();
            if !added.is_empty() {
                self.queue_subscribe(&added);
            }
            if !removed.is_empty() {
                let id = self.next_id;
                self.next_id += 1;
                self.outbox.extend(self.protocol.unsubscribe(&removed, id));
            }
        }
        self.has_data = false;
        self.stats.connects += 1;
        State::Open(Box::new(ws))
    }

    /// Readiness: drive handshakes, read frames, parse them into `out`. Returns `true` when it
    /// stopped at its read budget with data possibly left (readiness is edge-triggered: the
    /// caller must call again).
    pub fn on_ready(&mut self, registry: &Registry, out: &mut Vec<Event>) -> bool {
        self.on_ready_publishing(registry, out, None)
    }

    /// [`Session::on_ready`], calling `publish(out)` after the first data frame it parses and
    /// then after every [`EAGER_BATCH`]-th, so the first events of a read reach the consumer
    /// before the rest are parsed (and before the read that finds the socket drained).
    pub fn on_ready_publishing(
        &mut self,
        registry: &Registry,
        out: &mut Vec<Event>,
        publish: Publish<'_>,
    ) -> bool {
        self.more = false;
        match std::mem::replace(&mut self.state, State::Done) {
            State::Handshaking(mid) => match mid.handshake() {
                Ok((ws, _)) => {
                    self.state = self.opened(ws);
                    self.attempts = 0;
                    self.cfg.gate.success();
                    out.push(self.status(StatusCode::Connected, self.conn as i64, 0));
                    self.read(registry, out, publish);
                }
                Err(HandshakeError::Interrupted(mid)) => self.state = State::Handshaking(mid),
                Err(HandshakeError::Failure(e)) => {
                    let (reason, msg) = classify(&e);
                    self.last_error = Some(msg);
                    self.cfg.gate.failure(Instant::now());
                    self.stats.disconnects += 1;
                    out.push(self.status(
                        StatusCode::Disconnected,
                        self.conn as i64,
                        reason as i64,
                    ));
                    self.schedule_reconnect();
                }
            },
            State::Open(ws) => {
                self.state = State::Open(ws);
                self.read(registry, out, publish);
            }
            other => self.state = other,
        }
        self.more
    }

    fn read(&mut self, registry: &Registry, out: &mut Vec<Event>, mut publish: Publish<'_>) {
        let State::Open(ws) = &mut self.state else {
            return;
        };
        // A budget keeps one busy connection from starving the others on the shard, and bounds
        // how long the first events of a burst wait before the shard publishes them.
        self.more = true;
        // one clock read per call, not per frame (the stale watchdog needs no finer)
        let mut got_data = false;
        let mut frames_read = 0usize;
        for _ in 0..READ_BUDGET {
            match ws.read() {
                Ok(Message::Text(text)) => {
                    let ts = ws.get_ref().last_read;
                    got_data = true;
                    self.stats.frames += 1;
                    if let Some(rec) = &self.cfg.recorder {
                        rec.frame(
                            crate::record::FrameKind::WsText,
                            self.conn,
                            ts,
                            "",
                            text.as_bytes(),
                        );
                    }
                    let before = out.len();
                    let parsed = self.parser.parse_frame(text.as_bytes(), ts, out);
                    if self.cfg.book_copy {
                        self.stats.book_copies += drop_book_levels(out, before);
                    }
                    match parsed {
                        Ok(Control::Data) => self.has_data = true,
                        Ok(Control::Ack { .. }) => self.stats.acks += 1,
                        Ok(Control::ServerShutdown) => {
                            out.push(Event::status_event(
                                self.cfg.venue,
                                InstrumentId::NONE,
                                StatusCode::ServerShutdown,
                                ts,
                                self.conn as i64,
                                0,
                                0,
                            ));
                            self.rollover_due = true;
                        }
                        Ok(Control::VenueError { code, .. }) => {
                            out.push(Event::status_event(
                                self.cfg.venue,
                                InstrumentId::NONE,
                                StatusCode::VenueError,
                                ts,
                                1,
                                code,
                                code,
                            ));
                        }
                        Ok(_) => {}
                        Err(e) => out.push(parse_error_status(self.cfg.venue, &e, ts)),
                    }
                    // the first frame of a read at once (sparse traffic: every frame), then in
                    // batches of EAGER_BATCH (bursts: the consumer's per-batch costs amortise)
                    if frames_read % EAGER_BATCH == 0 {
                        if let Some(p) = publish.as_mut() {
                            p(out);
                        }
                    }
                    frames_read += 1;
                }
                Ok(Message::Binary(_)) | Ok(Message::Pong(_)) | Ok(Message::Frame(_)) => {}
                Ok(Message::Ping(_)) => got_data = true, // tungstenite queues the pong
                Ok(Message::Close(_)) => {
                    self.close(registry, CloseReason::PeerClosed, out);
                    return;
                }
                Err(tungstenite::Error::Io(e)) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    self.more = false;
                    break;
                }
                Err(e) => {
                    let (reason, msg) = classify(&e);
                    self.last_error = Some(msg);
                    self.close(registry, reason, out);
                    return;
                }
            }
        }
        if got_data {
            self.last_data = Instant::now();
        }
        let State::Open(ws) = &mut self.state else {
            return;
        };
        self.stats.bytes = ws.get_ref().bytes_read;
        // pongs and pending TLS records
        match ws.flush() {
            Ok(()) => {}
            Err(tungstenite::Error::Io(e)) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => {
                let (reason, msg) = classify(&e);
                self.last_error = Some(msg);
                self.close(registry, reason, out);
                return;
            }
        }
        self.flush_outbox(Instant::now());
    }

    fn flush_outbox(&mut self, now: Instant) {
        let State::Open(ws) = &mut self.state else {
            return;
        };
        if now.duration_since(self.sent_this_second.0) >= Duration::from_secs(1) {
            self.sent_this_second = (now, 0);
        }
        while self.sent_this_second.1 < self.cfg.max_msgs_per_sec {
            let Some(msg) = self.outbox.pop_front() else {
                break;
            };
            if ws.send(Message::text(msg)).is_err() {
                break;
            }
            self.sent_this_second.1 += 1;
        }
    }

    fn close(&mut self, registry: &Registry, reason: CloseReason, out: &mut Vec<Event>) {
        match std::mem::replace(&mut self.state, State::Done) {
            State::Open(mut ws) => {
                let _ = ws.close(None);
                let _ = ws.flush();
                let _ = registry.deregister(&mut ws.get_mut().tcp);
            }
            State::Handshaking(mut mid) => {
                let _ = registry.deregister(&mut mid.get_mut().get_mut().tcp);
            }
            other => {
                self.state = other;
                return;
            }
        }
        self.stats.disconnects += 1;
        out.push(self.status(StatusCode::Disconnected, self.conn as i64, reason as i64));
        if self.retire_after_close || reason == CloseReason::Shutdown {
            self.state = State::Done;
        } else {
            self.schedule_reconnect();
        }
    }

    fn schedule_reconnect(&mut self) {
        if self.retire_after_close {
            self.state = State::Done;
            return;
        }
        // full jitter: uniform in [0, min(cap, base * 2^attempts)]
        let (base, cap) = self.cfg.backoff;
        let ceiling = base.saturating_mul(1u32 << self.attempts.min(16)).min(cap);
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let delay = Duration::from_nanos(self.rng % (ceiling.as_nanos() as u64).max(1));
        self.attempts = self.attempts.saturating_add(1);
        self.state = State::Idle(Instant::now() + delay);
    }
}

/// Removes the book levels among `out[from..]`, keeping the order of the rest; how many.
fn drop_book_levels(out: &mut Vec<Event>, from: usize) -> u64 {
    let mut kept = from;
    for i in from..out.len() {
        if out[i].kind != crate::event::Kind::BookLevel as u8 {
            out[kept] = out[i];
            kept += 1;
        }
    }
    let dropped = (out.len() - kept) as u64;
    out.truncate(kept);
    dropped
}

fn classify(e: &tungstenite::Error) -> (CloseReason, String) {
    use tungstenite::error::{CapacityError, Error};
    let msg = e.to_string();
    match e {
        Error::Io(io) if io.get_ref().is_some_and(|inner| inner.is::<TlsFailure>()) => {
            (CloseReason::Tls, msg)
        }
        Error::Io(io)
            if matches!(
                io.kind(),
                std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset
            ) =>
        {
            (CloseReason::PeerClosed, msg)
        }
        Error::Io(_) => (CloseReason::Io, msg),
        Error::Tls(_) => (CloseReason::Tls, msg),
        Error::Capacity(CapacityError::MessageTooLong { .. }) | Error::Capacity(_) => {
            (CloseReason::Oversized, msg)
        }
        Error::ConnectionClosed | Error::AlreadyClosed => (CloseReason::PeerClosed, msg),
        Error::Http(_) | Error::HttpFormat(_) | Error::Url(_) => (CloseReason::Handshake, msg),
        _ => (CloseReason::Protocol, msg),
    }
}

/// A parse failure as the status event consumers see.
pub fn parse_error_status(venue: Venue, e: &venue::ParseError, ts: Nanos) -> Event {
    match e {
        venue::ParseError::Value {
            instrument, seq, ..
        } => Event::status_event(
            venue,
            *instrument,
            StatusCode::ValueOutOfRange,
            ts,
            1,
            *seq as i64,
            *seq as i64,
        ),
        _ => Event::status_event(
            venue,
            InstrumentId::NONE,
            StatusCode::Malformed,
            ts,
            1,
            0,
            0,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::drop_book_levels;
    use crate::event::{Event, Kind};

    #[test]
    fn a_copy_keeps_everything_but_its_book_levels_in_order() {
        let ev = |kind: Kind, seq: u64| Event {
            kind: kind as u8,
            seq,
            ..Event::default()
        };
        let mut out = vec![ev(Kind::BookLevel, 1)];
        out.extend([
            ev(Kind::Trade, 2),
            ev(Kind::BookLevel, 3),
            ev(Kind::BookLevel, 4),
            ev(Kind::Quote, 5),
            ev(Kind::BookLevel, 6),
        ]);
        // only what this frame appended (from index 1) is filtered
        assert_eq!(drop_book_levels(&mut out, 1), 3);
        let seqs: Vec<u64> = out.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [1, 2, 5]);
        assert_eq!(drop_book_levels(&mut out, 3), 0);
        assert_eq!(out.len(), 3);
    }
}
