//! The WebSocket side: Binance's URL forms, control requests, fan-out filtering, pings,
//! lifetime and `serverShutdown`.

use super::hub::{ConnHandle, Out};
use super::tls::Stream;
use super::{now_ms, Shared};
use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tungstenite::protocol::{Role, WebSocketConfig};
use tungstenite::{Error as WsError, Message, WebSocket};

/// The canonical key of a stream name: lower case, speed suffixes removed, so that
/// `btcusdt@depth@100ms` and `BTCUSDT@depth` are the same stream (`btcusdt@depth`), likewise
/// `@depth20@100ms` → `@depth20`. `None` if it is not a stream name.
pub fn stream_key(name: &str) -> Option<String> {
    let n = name.trim().to_ascii_lowercase();
    if n.is_empty()
        || n.len() > 200
        || n.bytes()
            .any(|b| b <= b' ' || b == b'"' || b == b'\\' || b >= 0x7f)
    {
        return None;
    }
    if n.starts_with('!') {
        return Some(n);
    }
    let (sym, chan) = n.split_once('@')?;
    if sym.is_empty() || chan.is_empty() {
        return None;
    }
    let chan = match chan.split_once('@') {
        // `depth@100ms`, `depth5@500ms`, `kline_1m@+08:00`
        Some((c, speed)) if c.starts_with("depth") && speed.ends_with("ms") => c,
        _ => chan,
    };
    // a kline interval keeps its case: `kline_1m` is a minute, `kline_1M` a month
    if let Some(lower) = chan.strip_prefix("kline_") {
        let orig = name.trim();
        let at = orig.find('@').map_or(0, |i| i + 1);
        let interval = orig
            .get(at + "kline_".len()..at + chan.len())
            .unwrap_or(lower);
        return Some(format!("{sym}@kline_{interval}"));
    }
    Some(format!("{sym}@{chan}"))
}

/// The stream names in a WebSocket URL path, and whether it is the combined form.
fn parse_path(path: &str) -> Option<(bool, Vec<String>)> {
    let (p, query) = match path.split_once('?') {
        Some((p, q)) => (p, q),
        None => (path, ""),
    };
    // USD-M routed paths
    let p = p
        .strip_prefix("/public")
        .or_else(|| p.strip_prefix("/market"))
        .unwrap_or(p);
    if p == "/stream" || p == "/stream/" {
        let mut names = Vec::new();
        for kv in query.split('&') {
            if let Some(v) = kv.strip_prefix("streams=") {
                names.extend(v.split('/').filter(|s| !s.is_empty()).map(str::to_string));
            }
        }
        return Some((true, names));
    }
    if p == "/ws" || p == "/ws/" {
        return Some((false, Vec::new()));
    }
    let rest = p.strip_prefix("/ws/")?;
    Some((
        false,
        rest.split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    ))
}

struct Session<'a> {
    shared: &'a Shared,
    combined: bool,
    /// Client names, in subscription order.
    names: Vec<String>,
    /// key → client names.
    by_key: HashMap<String, Vec<String>>,
}

impl Session<'_> {
    fn add(&mut self, name: &str) {
        if self.names.iter().any(|n| n == name) {
            return;
        }
        let Some(key) = stream_key(name) else { return };
        self.names.push(name.to_string());
        let v = self.by_key.entry(key.clone()).or_default();
        if v.is_empty() {
            self.shared.hub.want(&key, 1);
        }
        v.push(name.to_string());
    }

    fn remove(&mut self, name: &str) {
        let Some(pos) = self.names.iter().position(|n| n == name) else {
            return;
        };
        self.names.remove(pos);
        let Some(key) = stream_key(name) else { return };
        if let Some(v) = self.by_key.get_mut(&key) {
            v.retain(|n| n != name);
            if v.is_empty() {
                self.by_key.remove(&key);
                self.shared.hub.want(&key, -1);
            }
        }
    }

    fn clear(&mut self) {
        for name in self.names.clone() {
            self.remove(&name);
        }
    }

    /// Answers one client text frame.
    fn request(&mut self, text: &str) -> String {
        self.shared
            .counters
            .control_requests
            .fetch_add(1, Ordering::Relaxed);
        // sonic-rs parses nested values recursively: refuse hostile nesting first
        if crate::venue::check_nesting(text.as_bytes()).is_err() {
            return err_reply("Invalid request: nested too deeply", "null");
        }
        let v: sonic_rs::Value = match sonic_rs::from_str(text) {
            Ok(v) => v,
            Err(_) => {
                return "{\"code\":3,\"msg\":\"Invalid JSON: expected value at line 1 column 1\",\"id\":null}".to_string();
            }
        };
        use sonic_rs::{JsonContainerTrait, JsonValueTrait};
        let id = v.get("id");
        let id_text = match id {
            None => "null".to_string(),
            Some(i) if i.is_null() || i.is_u64() || i.is_i64() => i.to_string(),
            Some(i)
                if i.as_str().is_some_and(|s| {
                    s.len() <= 36 && s.bytes().all(|b| b.is_ascii_alphanumeric())
                }) =>
            {
                i.to_string()
            }
            Some(_) => {
                return err_reply("Invalid request: invalid value for 'id'", "null");
            }
        };
        let Some(method) = v.get("method").and_then(|m| m.as_str()) else {
            return err_reply("Invalid request: missing field 'method'", &id_text);
        };
        let params: Option<Vec<String>> = match v.get("params") {
            None => None,
            Some(p) => match p.as_array() {
                Some(a) => {
                    let mut out = Vec::new();
                    for x in a.iter() {
                        match x.as_str() {
                            Some(s) => out.push(s.to_string()),
                            None => out.push(String::new()),
                        }
                    }
                    Some(out)
                }
                None => {
                    return err_reply("Invalid request: 'params' must be an array", &id_text);
                }
            },
        };
        match method {
            "SUBSCRIBE" | "UNSUBSCRIBE" => {
                if method == "SUBSCRIBE" {
                    self.shared
                        .counters
                        .subscribe_requests
                        .fetch_add(1, Ordering::Relaxed);
                }
                let Some(params) = params.filter(|p| !p.is_empty()) else {
                    return err_reply("Invalid request: missing field 'params'", &id_text);
                };
                if let Some(bad) = params.iter().find(|n| stream_key(n).is_none()) {
                    return err_reply(
                        &format!("Invalid request: invalid stream name '{}'", sanitize(bad)),
                        &id_text,
                    );
                }
                if self.names.len() + params.len() > 1024 && method == "SUBSCRIBE" {
                    return err_reply("Invalid request: too many streams (max 1024)", &id_text);
                }
                for n in &params {
                    if method == "SUBSCRIBE" {
                        self.add(n);
                    } else {
                        self.remove(n);
                    }
                }
                format!("{{\"result\":null,\"id\":{id_text}}}")
            }
            "LIST_SUBSCRIPTIONS" => {
                let mut s = String::from("{\"result\":[");
                for (i, n) in self.names.iter().enumerate() {
                    if i > 0 {
                        s.push(',');
                    }
                    s.push('"');
                    s.push_str(n);
                    s.push('"');
                }
                s.push_str("],\"id\":");
                s.push_str(&id_text);
                s.push('}');
                s
            }
            "SET_PROPERTY" => match params.as_deref() {
                Some([p, _]) if p == "combined" => {
                    let val = v
                        .get("params")
                        .and_then(|p| p.get(1))
                        .and_then(|b| b.as_bool());
                    match val {
                        Some(b) => {
                            self.combined = b;
                            format!("{{\"result\":null,\"id\":{id_text}}}")
                        }
                        None => err_reply(
                            "Invalid request: property value must be a boolean",
                            &id_text,
                        ),
                    }
                }
                _ => format!("{{\"code\":0,\"msg\":\"Unknown property\",\"id\":{id_text}}}"),
            },
            "GET_PROPERTY" => match params.as_deref() {
                Some([p]) if p == "combined" => {
                    format!("{{\"result\":{},\"id\":{id_text}}}", self.combined)
                }
                _ => format!("{{\"code\":0,\"msg\":\"Unknown property\",\"id\":{id_text}}}"),
            },
            _ => err_reply(
                &format!("Invalid request: unknown method '{}'", sanitize(method)),
                &id_text,
            ),
        }
    }

    /// The frames a published message becomes on this connection (with their stream names).
    fn render(&self, out: &Out, frames: &mut Vec<(String, String)>) {
        match out {
            Out::Data { msg, corrupt } => {
                let Some(names) = self.by_key.get(&*msg.key) else {
                    return;
                };
                let mut push = |name: &str, mut text: String| {
                    if *corrupt {
                        text.truncate((text.len() / 2).max(1));
                    }
                    frames.push((name.to_string(), text));
                };
                if self.combined {
                    for n in names {
                        push(
                            n,
                            format!("{{\"stream\":\"{n}\",\"data\":{}}}", msg.payload),
                        );
                    }
                } else if let Some(n) = names.first() {
                    push(n, msg.payload.to_string());
                }
            }
            Out::Oversize(bytes) => {
                let (head, tail) = if self.combined {
                    (
                        "{\"stream\":\"!simOversize\",\"data\":{\"e\":\"simOversize\",\"pad\":\"",
                        "\"}}",
                    )
                } else {
                    ("{\"e\":\"simOversize\",\"pad\":\"", "\"}")
                };
                let text = if *bytes >= head.len() + tail.len() {
                    let mut s = String::with_capacity(*bytes);
                    s.push_str(head);
                    s.extend(std::iter::repeat_n('x', bytes - head.len() - tail.len()));
                    s.push_str(tail);
                    s
                } else {
                    "x".repeat(*bytes)
                };
                frames.push(("!simOversize".to_string(), text));
            }
        }
    }

    fn shutdown_notice(&self) -> String {
        let data = format!("{{\"e\":\"serverShutdown\",\"E\":{}}}", now_ms());
        if self.combined {
            format!("{{\"stream\":\"!serverShutdown\",\"data\":{data}}}")
        } else {
            data
        }
    }
}

fn sanitize(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
        .take(64)
        .collect()
}

fn err_reply(msg: &str, id: &str) -> String {
    format!("{{\"code\":2,\"msg\":\"{msg}\",\"id\":{id}}}")
}

fn would_block(e: &WsError) -> bool {
    matches!(e, WsError::Io(io) if matches!(io.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted))
}

/// A connection upgraded to a WebSocket and registered with the hub.
pub(crate) struct Upgraded {
    pub ws: WebSocket<Stream>,
    /// What the hub sends this connection.
    pub rx: mpsc::Receiver<Arc<Out>>,
    /// Frames queued for it.
    pub backlog: Arc<AtomicUsize>,
}

/// Answers `404` with a JSON `body` and closes.
pub(crate) fn not_found(mut stream: Stream, body: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.flush();
}

/// Completes the WebSocket upgrade of `stream` (its request carried `key`; `rest` is what was
/// read past the request head), registering the connection with the hub first. `None` when
/// there is no key (a `404` with `body` is sent) or the client has gone.
pub(crate) fn upgrade(
    shared: &Shared,
    mut stream: Stream,
    key: Option<Vec<u8>>,
    rest: Vec<u8>,
    id: u64,
    body: &str,
) -> Option<Upgraded> {
    let Some(key) = key else {
        not_found(stream, body);
        return None;
    };
    let accept = tungstenite::handshake::derive_accept_key(&key);
    let resp = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    // registered before the client can see the upgrade: a fault injected as soon as the client
    // is connected reaches this connection too
    let (tx, rx) = mpsc::channel::<Arc<Out>>();
    let backlog = Arc::new(AtomicUsize::new(0));
    shared.hub.register(ConnHandle {
        id,
        tx,
        backlog: backlog.clone(),
        sock: stream.tcp().try_clone().ok(),
    });
    if stream
        .write_all(resp.as_bytes())
        .and_then(|_| stream.flush())
        .is_err()
    {
        return None;
    }
    let _ = stream
        .tcp()
        .set_read_timeout(Some(Duration::from_millis(1)));
    let mut config = WebSocketConfig::default();
    config.max_message_size = Some(1 << 20);
    config.max_frame_size = Some(1 << 20);
    let ws = WebSocket::from_partially_read(stream, rest, Role::Server, Some(config));
    Some(Upgraded { ws, rx, backlog })
}

/// Serves one upgraded connection until it closes, the lifetime ends, or the simulator stops.
pub(crate) fn serve(
    shared: &Shared,
    stream: Stream,
    path: &str,
    key: Option<Vec<u8>>,
    rest: Vec<u8>,
    id: u64,
) {
    let Some((combined, initial)) = parse_path(path) else {
        not_found(stream, "{\"code\":-1,\"msg\":\"Not found\"}");
        return;
    };
    let Some(Upgraded {
        mut ws,
        rx,
        backlog,
    }) = upgrade(
        shared,
        stream,
        key,
        rest,
        id,
        "{\"code\":-1,\"msg\":\"Not found\"}",
    )
    else {
        return;
    };

    let mut s = Session {
        shared,
        combined,
        names: Vec::new(),
        by_key: HashMap::new(),
    };
    for n in &initial {
        s.add(n);
    }
    let c = &shared.counters;
    c.ws_connections.fetch_add(1, Ordering::Relaxed);
    c.ws_open.fetch_add(1, Ordering::Relaxed);

    let start = Instant::now();
    let (notice_at, close_at) = match shared.config.lifetime {
        Some(l) => {
            let grace = (l / 10).min(Duration::from_secs(10));
            (start.checked_add(l - grace), start.checked_add(l))
        }
        None => (None, None),
    };
    let ping_every = shared.config.ping_interval.max(Duration::from_millis(1));
    let mut next_ping = start + ping_every;
    let mut unanswered: Option<(Instant, Vec<u8>)> = None;
    let mut last_ping: Vec<u8> = Vec::new();
    let mut frames: Vec<(String, String)> = Vec::new();
    let mut notice_sent = false;
    'conn: loop {
        if shared.stopping() {
            let _ = ws.close(None);
            let _ = ws.flush();
            break;
        }
        let now = Instant::now();
        if let Some(t) = notice_at {
            if !notice_sent && now >= t {
                notice_sent = true;
                if ws.write(Message::text(s.shutdown_notice())).is_err() {
                    break;
                }
            }
        }
        if close_at.is_some_and(|t| now >= t) {
            let _ = ws.close(None);
            let _ = ws.flush();
            // give the client a moment to answer the close frame
            let end = Instant::now() + Duration::from_millis(200);
            while Instant::now() < end {
                match ws.read() {
                    Ok(_) => {}
                    Err(e) if would_block(&e) => {}
                    Err(_) => break,
                }
            }
            break;
        }
        if now >= next_ping {
            next_ping = now + ping_every;
            let payload = now_ms().to_string().into_bytes();
            if unanswered.is_none() {
                unanswered = Some((now, payload.clone()));
            }
            last_ping.clone_from(&payload);
            if ws.write(Message::Ping(payload.into())).is_err() {
                break;
            }
            c.pings_sent.fetch_add(1, Ordering::Relaxed);
        }
        if let Some((t, _)) = &unanswered {
            if now.duration_since(*t) > shared.config.pong_timeout {
                let _ = ws.close(None);
                let _ = ws.flush();
                break;
            }
        }
        // outgoing
        for _ in 0..512 {
            match rx.try_recv() {
                Ok(out) => {
                    backlog.fetch_sub(1, Ordering::Relaxed);
                    frames.clear();
                    s.render(&out, &mut frames);
                    for (name, text) in frames.drain(..) {
                        if let Err(e) = ws.write(Message::text(text)) {
                            if !would_block(&e) {
                                break 'conn;
                            }
                        }
                        shared.count_sent(&name);
                    }
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => break 'conn,
            }
        }
        match ws.flush() {
            Ok(()) => {}
            Err(e) if would_block(&e) => {}
            Err(_) => break,
        }
        // incoming (waits up to the 1 ms read timeout)
        match ws.read() {
            Ok(Message::Text(t)) => {
                let reply = s.request(t.as_str());
                if ws.write(Message::text(reply)).is_err() {
                    break;
                }
            }
            Ok(Message::Binary(_)) => {
                let reply = "{\"code\":3,\"msg\":\"Invalid JSON: binary frames are not accepted\",\"id\":null}";
                if ws.write(Message::text(reply)).is_err() {
                    break;
                }
            }
            Ok(Message::Pong(p)) => {
                // tungstenite (and others) answer only the latest of several queued pings
                if unanswered
                    .as_ref()
                    .is_some_and(|(_, want)| *want == p.as_ref() || last_ping == p.as_ref())
                {
                    unanswered = None;
                }
            }
            Ok(_) => {}
            Err(e) if would_block(&e) => {}
            Err(_) => break,
        }
    }
    s.clear();
    shared.hub.unregister(id);
    c.ws_open.fetch_sub(1, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert_eq!(
            stream_key("BTCUSDT@depth@100ms").as_deref(),
            Some("btcusdt@depth")
        );
        assert_eq!(
            stream_key("btcusdt@depth").as_deref(),
            Some("btcusdt@depth")
        );
        assert_eq!(
            stream_key("btcusdt@depth20@100ms").as_deref(),
            Some("btcusdt@depth20")
        );
        assert_eq!(
            stream_key("btcusdt@bookTicker").as_deref(),
            Some("btcusdt@bookticker")
        );
        assert_eq!(
            stream_key("btcusdt@kline_1m").as_deref(),
            Some("btcusdt@kline_1m")
        );
        assert_eq!(
            stream_key("BTCUSDT@kline_1M").as_deref(),
            Some("btcusdt@kline_1M")
        );
        assert_eq!(
            stream_key("btcusdt@kline_5m@+08:00").as_deref(),
            Some("btcusdt@kline_5m@+08:00")
        );
        assert_eq!(stream_key("nonsense"), None);
        assert_eq!(stream_key("a\"b@x"), None);
    }

    #[test]
    fn paths() {
        assert_eq!(
            parse_path("/stream?streams=a@trade/b@depth"),
            Some((true, vec!["a@trade".into(), "b@depth".into()]))
        );
        assert_eq!(
            parse_path("/ws/a@trade"),
            Some((false, vec!["a@trade".into()]))
        );
        assert_eq!(parse_path("/public/ws"), Some((false, vec![])));
        assert_eq!(parse_path("/nope"), None);
    }
}
