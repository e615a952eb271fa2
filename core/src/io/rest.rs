//! REST off the io shards: a worker thread fetches depth snapshots (book resyncs) under one
//! weight budget per venue, honouring 429/418 and `Retry-After`, and hands the parsed events to
//! the route stage through its own SPSC ring. A resync touches only its own instrument.

use crate::event::{Event, InstrumentId, StatusCode, Venue};
use crate::instrument::Instruments;
use crate::ring::Producer;
use crate::sys;
use crate::venue::{self, protocol_for};
use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Largest REST body accepted (a 5,000-level snapshot is ~300 KB).
pub const MAX_BODY: usize = 32 << 20;

/// A snapshot to fetch.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct RestJob {
    pub venue: Venue,
    pub symbol: String,
    /// Path and query on the venue's REST base (from [`venue::Protocol::resync`]).
    pub path: String,
}

/// Counters of the REST worker.
#[derive(Debug, Default)]
pub struct RestCounters {
    /// Requests sent.
    pub requests: AtomicU64,
    /// Snapshots delivered.
    pub snapshots: AtomicU64,
    /// 429/418 answers.
    pub rate_limited: AtomicU64,
    /// Failures (network, HTTP status, unreadable body).
    pub failures: AtomicU64,
}

pub(crate) struct RestSetup {
    pub jobs: Receiver<RestJob>,
    pub base: HashMap<Venue, String>,
    pub tls: Option<Arc<ClientConfig>>,
    pub instruments: Arc<Instruments>,
    pub ring: Producer<Event>,
    pub shutdown: Arc<AtomicBool>,
    pub counters: Arc<RestCounters>,
    pub recorder: Option<super::record::RecordTx>,
}

/// An HTTP response.
#[derive(Debug)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// `Retry-After` in seconds, when given.
    pub retry_after: Option<u64>,
    /// The body (de-chunked).
    pub body: Vec<u8>,
}

pub(crate) fn run(mut s: RestSetup) {
    let mut queue: VecDeque<(RestJob, Instant)> = VecDeque::new();
    let mut queued: HashSet<RestJob> = HashSet::new();
    let mut parsers: HashMap<Venue, Box<dyn venue::FrameParser>> = HashMap::new();
    let mut budget: HashMap<Venue, (Instant, u32)> = HashMap::new();
    // a venue that answered 429/418 is left alone until its Retry-After has passed
    let mut blocked_until: HashMap<Venue, Instant> = HashMap::new();
    let mut out = Vec::new();
    while !s.shutdown.load(Ordering::Acquire) {
        match s.jobs.recv_timeout(Duration::from_millis(20)) {
            Ok(job) => {
                if queued.insert(job.clone()) {
                    queue.push_back((job, Instant::now()));
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        let Some((job, due)) = queue.front().cloned() else {
            continue;
        };
        if due > Instant::now() {
            continue;
        }
        queue.pop_front();
        if let Some(until) = blocked_until
            .get(&job.venue)
            .copied()
            .filter(|u| *u > Instant::now())
        {
            queue.push_front((job, until));
            continue;
        }
        // one weight budget per venue, per minute
        let limits = protocol_for(job.venue).limits();
        let weight = limits.snapshot_weight;
        let (window, used) = budget.entry(job.venue).or_insert((Instant::now(), 0));
        if window.elapsed() >= Duration::from_secs(60) {
            *window = Instant::now();
            *used = 0;
        }
        if *used + weight > limits.rest_weight_per_minute {
            let wait = Duration::from_secs(60).saturating_sub(window.elapsed());
            queue.push_front((job, Instant::now() + wait));
            continue;
        }
        *used += weight;
        let base = s
            .base
            .get(&job.venue)
            .cloned()
            .unwrap_or_else(|| protocol_for(job.venue).rest_origin().to_string());
        let url = format!("{base}{}", job.path);
        s.counters.requests.fetch_add(1, Ordering::Relaxed);
        let status = |code: StatusCode, n: i64| {
            Event::status_event(job.venue, InstrumentId::NONE, code, sys::now(), 1, n, n)
        };
        match get(&url, s.tls.as_ref()) {
            Ok(r) if r.status == 200 => {
                if let Some(rec) = &s.recorder {
                    rec.frame(
                        crate::record::FrameKind::Rest,
                        0,
                        sys::now(),
                        &job.symbol,
                        &r.body,
                    );
                }
                let parser = parsers
                    .entry(job.venue)
                    .or_insert_with(|| venue::parser_for(job.venue, s.instruments.clone()));
                out.clear();
                match parser.parse_rest(&r.body, Some(&job.symbol), sys::now(), &mut out) {
                    Ok(_) => {
                        s.counters.snapshots.fetch_add(1, Ordering::Relaxed);
                        queued.remove(&job);
                    }
                    Err(_) => {
                        s.counters.failures.fetch_add(1, Ordering::Relaxed);
                        out.push(status(StatusCode::Malformed, 0));
                        queue.push_back((job, Instant::now() + Duration::from_secs(1)));
                    }
                }
                push_all(&mut s, &out);
            }
            Ok(r) if r.status == 429 || r.status == 418 => {
                s.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
                let secs = r
                    .retry_after
                    .unwrap_or(if r.status == 418 { 120 } else { 1 });
                push_all(
                    &mut s,
                    &[status(StatusCode::VenueError, i64::from(r.status))],
                );
                // the whole venue waits, not just this job
                let until = Instant::now() + Duration::from_secs(secs);
                blocked_until.insert(job.venue, until);
                queue.push_front((job, until));
            }
            Ok(r) => {
                s.counters.failures.fetch_add(1, Ordering::Relaxed);
                push_all(
                    &mut s,
                    &[status(StatusCode::VenueError, i64::from(r.status))],
                );
                queue.push_back((job, Instant::now() + Duration::from_secs(2)));
            }
            Err(_) => {
                s.counters.failures.fetch_add(1, Ordering::Relaxed);
                push_all(&mut s, &[status(StatusCode::VenueError, -1)]);
                queue.push_back((job, Instant::now() + Duration::from_secs(1)));
            }
        }
    }
}

fn push_all(s: &mut RestSetup, events: &[Event]) {
    let mut done = 0;
    while done < events.len() && !s.shutdown.load(Ordering::Acquire) && !s.ring.is_abandoned() {
        done += s.ring.push_slice(&events[done..]);
        if done < events.len() {
            std::thread::sleep(Duration::from_micros(200));
        }
    }
}

/// Blocking HTTPS (or HTTP) GET with certificate verification, a 10 s timeout and a body
/// limit. Handles `Content-Length`, chunked and close-delimited bodies.
pub fn get(url: &str, tls: Option<&Arc<ClientConfig>>) -> Result<Response, String> {
    let (secure, rest) = if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else {
        return Err(format!("unsupported URL {url}"));
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (
            h,
            p.parse::<u16>().map_err(|_| format!("bad port in {url}"))?,
        ),
        None => (authority, if secure { 443 } else { 80 }),
    };
    let addr = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("resolve {host}: {e}"))?
        .next()
        .ok_or("no address")?;
    let tcp = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
        .map_err(|e| format!("connect {addr}: {e}"))?;
    tcp.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    tcp.set_write_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: tickwire/{}\r\nAccept: application/json\r\nConnection: close\r\n\r\n", env!("CARGO_PKG_VERSION"));
    let raw = if secure {
        let cfg = tls.ok_or("https:// needs a TLS configuration")?;
        let name = ServerName::try_from(host.to_string()).map_err(|e| e.to_string())?;
        let conn = rustls::ClientConnection::new(cfg.clone(), name).map_err(|e| e.to_string())?;
        let mut stream = rustls::StreamOwned::new(conn, tcp);
        stream
            .write_all(request.as_bytes())
            .map_err(|e| format!("TLS/write: {e}"))?;
        read_limited(&mut stream)?
    } else {
        let mut tcp = tcp;
        tcp.write_all(request.as_bytes())
            .map_err(|e| e.to_string())?;
        read_limited(&mut tcp)?
    };
    parse_response(&raw)
}

fn read_limited(r: &mut impl Read) -> Result<Vec<u8>, String> {
    let mut buf = Vec::with_capacity(64 << 10);
    let mut chunk = [0u8; 16 << 10];
    loop {
        match r.read(&mut chunk) {
            Ok(0) => return Ok(buf),
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.len() > MAX_BODY + (64 << 10) {
                    return Err("response larger than the limit".into());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            // servers that close without TLS close_notify: what we have is the response
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !buf.is_empty() => {
                return Ok(buf)
            }
            Err(e) => return Err(format!("read: {e}")),
        }
    }
}

/// Parses a complete HTTP/1.1 response.
pub fn parse_response(raw: &[u8]) -> Result<Response, String> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut headers);
    let head = match resp
        .parse(raw)
        .map_err(|e| format!("bad HTTP response: {e}"))?
    {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial => return Err("truncated HTTP response".into()),
    };
    let status = resp.code.ok_or("no status code")?;
    let mut retry_after = None;
    let mut chunked = false;
    let mut length = None;
    for h in resp.headers.iter() {
        let v = std::str::from_utf8(h.value).unwrap_or("").trim();
        if h.name.eq_ignore_ascii_case("retry-after") {
            retry_after = v.parse().ok();
        } else if h.name.eq_ignore_ascii_case("transfer-encoding")
            && v.eq_ignore_ascii_case("chunked")
        {
            chunked = true;
        } else if h.name.eq_ignore_ascii_case("content-length") {
            length = v.parse::<usize>().ok();
        }
    }
    let rest = &raw[head..];
    let body = if chunked {
        dechunk(rest)?
    } else if let Some(n) = length {
        rest.get(..n)
            .ok_or("body shorter than Content-Length")?
            .to_vec()
    } else {
        rest.to_vec()
    };
    if body.len() > MAX_BODY {
        return Err("body larger than the limit".into());
    }
    Ok(Response {
        status,
        retry_after,
        body,
    })
}

fn dechunk(mut b: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let line_end = b
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("bad chunk header")?;
        let size_text = std::str::from_utf8(&b[..line_end]).map_err(|_| "bad chunk size")?;
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| "bad chunk size")?;
        b = &b[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        // `size` is the sender's: up to `usize::MAX` (no arithmetic on it may overflow)
        if b.len() < size.saturating_add(2) || size > MAX_BODY - out.len() {
            return Err("truncated or oversized chunk".into());
        }
        out.extend_from_slice(&b[..size]);
        b = &b[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_parse_in_all_framings() {
        let r = parse_response(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-MBX-USED-WEIGHT-1M: 5\r\n\r\nhello",
        )
        .unwrap();
        assert_eq!((r.status, r.body.as_slice()), (200, &b"hello"[..]));
        let r = parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2;x=y\r\nlo\r\n0\r\n\r\n").unwrap();
        assert_eq!(r.body, b"hello");
        let r = parse_response(
            b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nConnection: close\r\n\r\n{}",
        )
        .unwrap();
        assert_eq!(
            (r.status, r.retry_after, r.body.as_slice()),
            (429, Some(7), &b"{}"[..])
        );
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nContent-Le").is_err());
        assert!(
            parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").is_err()
        );
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort").is_err());
    }
}
