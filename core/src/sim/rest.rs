//! The REST side: depth snapshots, recent trades and klines at the venue's paths, the
//! `X-MBX-USED-WEIGHT-1M` header, and the REST faults (429, stale snapshot).

use super::tls::Stream;
use super::{lock, read_head, Shared};
use crate::event::Venue;
use crate::venue::binance::subscribe::endpoints;
use std::io::Write;
use std::sync::atomic::Ordering;
use std::time::Duration;

struct Reply {
    status: u16,
    body: String,
    retry_after: bool,
}

fn error(status: u16, code: i32, msg: &str) -> Reply {
    Reply {
        status,
        body: format!("{{\"code\":{code},\"msg\":\"{msg}\"}}"),
        retry_after: false,
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        429 => "Too Many Requests",
        _ => "Error",
    }
}

/// Serves HTTP requests on one connection (keep-alive) until it closes, idles 30 s, or the
/// simulator stops. `buf` holds the bytes read so far (at least one full head).
pub(crate) fn serve(shared: &Shared, stream: &mut Stream, mut buf: Vec<u8>) {
    loop {
        let Some(head_len) = read_head(shared, stream, &mut buf, Duration::from_secs(30)) else {
            return;
        };
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut req = httparse::Request::new(&mut headers);
        let (reply, close) = match req.parse(&buf[..head_len]) {
            Ok(httparse::Status::Complete(_)) => {
                let close = req.headers.iter().any(|h| {
                    h.name.eq_ignore_ascii_case("connection")
                        && std::str::from_utf8(h.value)
                            .is_ok_and(|v| v.trim().eq_ignore_ascii_case("close"))
                }) || req.version == Some(0);
                let has_body = req.headers.iter().any(|h| {
                    (h.name.eq_ignore_ascii_case("content-length")
                        && h.value
                            .iter()
                            .any(|b| *b != b'0' && !b.is_ascii_whitespace()))
                        || h.name.eq_ignore_ascii_case("transfer-encoding")
                });
                let method = req.method.unwrap_or("");
                let path = req.path.unwrap_or("/").to_string();
                // request bodies are not supported: answer, then close
                (answer(shared, method, &path), close || has_body)
            }
            _ => (error(400, -1100, "Malformed HTTP request."), true),
        };
        buf.drain(..head_len);
        let weight = used_weight(shared, 0);
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: {}\r\nX-MBX-USED-WEIGHT-1M: {weight}\r\n",
            reply.status,
            reason(reply.status),
            reply.body.len()
        );
        if reply.retry_after {
            head.push_str("Retry-After: 1\r\n");
        }
        head.push_str(if close {
            "Connection: close\r\n\r\n"
        } else {
            "Connection: keep-alive\r\n\r\n"
        });
        shared
            .counters
            .rest_requests
            .fetch_add(1, Ordering::Relaxed);
        if stream
            .write_all(head.as_bytes())
            .and_then(|_| stream.write_all(reply.body.as_bytes()))
            .and_then(|_| stream.flush())
            .is_err()
            || close
        {
            if let Stream::Tls(s) = stream {
                s.conn.send_close_notify();
                let _ = s.flush();
            }
            return;
        }
    }
}

/// Adds `w` to the weight used in the current minute, returning the total.
fn used_weight(shared: &Shared, w: u64) -> u64 {
    let minute = (super::now_ms() / 60_000) as u64;
    let mut g = lock(&shared.weight);
    if g.0 != minute {
        *g = (minute, 0);
    }
    g.1 += w;
    g.1
}

fn query<'a>(q: &'a str, key: &str) -> Option<&'a str> {
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

fn limit(q: &str, default: usize, max: usize) -> Result<usize, Reply> {
    match query(q, "limit") {
        None | Some("") => Ok(default),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n.min(max)),
            _ => Err(error(
                400,
                -1100,
                "Illegal characters found in parameter 'limit'; legal range is '^[0-9]{1,20}$'.",
            )),
        },
    }
}

fn answer(shared: &Shared, method: &str, path: &str) -> Reply {
    if method != "GET" {
        return error(405, -1, "Method not allowed.");
    }
    {
        let mut f = lock(&shared.rest_faults);
        if f.rate_limit > 0 {
            f.rate_limit -= 1;
            let mut r = error(
                429,
                -1003,
                "Too many requests; current limit of IP(127.0.0.1) request weight per 1 MINUTE is exceeded. Please use WebSocket Streams for live updates to avoid polling the API.",
            );
            r.retry_after = true;
            return r;
        }
    }
    if let Some((d, m)) = &shared.dialect {
        used_weight(shared, 1);
        return match d.rest(path, m) {
            Some((200, body)) => ok(body),
            Some((status, body)) => Reply {
                status,
                body,
                retry_after: false,
            },
            None => error(404, -1, "Not found."),
        };
    }
    let venue = shared.venue;
    let ep = endpoints(venue);
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    let base = match venue {
        Venue::BinanceUsdm => "/fapi/v1",
        Venue::BinanceCoinm => "/dapi/v1",
        _ => "/api/v3",
    };
    if p == format!("{base}/ping") {
        used_weight(shared, 1);
        return ok("{}".to_string());
    }
    if p == format!("{base}/time") {
        used_weight(shared, 1);
        return ok(format!("{{\"serverTime\":{}}}", super::now_ms()));
    }
    let which = if p == ep.depth_path {
        0
    } else if p == ep.trades_path {
        1
    } else if p == ep.klines_path {
        2
    } else {
        return error(404, -1, "Not found.");
    };
    let symbol = match query(q, "symbol") {
        Some(s) if !s.is_empty() => s.to_ascii_uppercase(),
        _ => {
            return error(
                400,
                -1102,
                "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
            )
        }
    };
    let futures = venue != Venue::Binance;
    let body = match which {
        0 => {
            let (def, max) = if futures { (500, 1000) } else { (100, 5000) };
            let n = match limit(q, def, max) {
                Ok(n) => n,
                Err(r) => return r,
            };
            let w = match (futures, n) {
                (false, 0..=100) => 5,
                (false, 101..=500) => 25,
                (false, 501..=1000) => 50,
                (false, _) => 250,
                (true, 0..=50) => 2,
                (true, 51..=100) => 5,
                (true, 101..=500) => 10,
                (true, _) => 20,
            };
            used_weight(shared, w);
            let stale = {
                let mut f = lock(&shared.rest_faults);
                let s = f.stale > 0;
                if s {
                    f.stale -= 1;
                }
                s
            };
            shared.market.depth(&symbol, n, stale)
        }
        1 => {
            let n = match limit(q, 500, 1000) {
                Ok(n) => n,
                Err(r) => return r,
            };
            used_weight(shared, if futures { 5 } else { 25 });
            shared.market.trades(&symbol, n)
        }
        _ => {
            let intervals = if futures {
                crate::venue::binance::subscribe::FUTURES_CANDLE_VARIANTS
            } else {
                crate::venue::binance::subscribe::SPOT_CANDLE_VARIANTS
            };
            // exact spelling: `1m` a minute, `1M` a month
            let interval = match query(q, "interval") {
                Some(i) if intervals.contains(&i) => i,
                None => return error(
                    400,
                    -1102,
                    "Mandatory parameter 'interval' was not sent, was empty/null, or malformed.",
                ),
                Some(_) => return error(400, -1120, "Invalid interval."),
            };
            let n = match limit(q, 500, if futures { 1500 } else { 1000 }) {
                Ok(n) => n,
                Err(r) => return r,
            };
            used_weight(shared, 2);
            shared.market.klines(&symbol, interval, n)
        }
    };
    match body {
        Some(b) => ok(b),
        None => error(400, -1121, "Invalid symbol."),
    }
}

fn ok(body: String) -> Reply {
    Reply {
        status: 200,
        body,
        retry_after: false,
    }
}
