//! OKX v5 in the simulator: `/ws/v5/public` (books, books-l2-tbt, books50-l2-tbt, books5,
//! bbo-tbt, trades, tickers) and `/ws/v5/business` (candles, trades-all),
//! `{"op":"subscribe","args":[{channel,instId}]}` with one ack per arg, text `ping` → `pong`,
//! the 30 s idle rule, a snapshot on subscribe to the diff channels (`books`, `books-l2-tbt`,
//! `books50-l2-tbt`: 400, 400 and 50 levels) then updates with `prevSeqId`/`seqId` and the
//! signed CRC32 checksum of the top 25, `books5` full top-5 images, and REST
//! `/api/v5/market/books`. The simulator asks for no login (OKX serves the `-l2-tbt` channels
//! to logged-in VIP accounts only).

use crate::event::{Side, Venue};
use crate::sim::dialect::{
    fixed, ConnState, Dialect, NeutralMarket, Publish, Reply, SimBook, SimEvent, SimSymbol,
};
use std::fmt::Write as _;
use std::time::Duration;

/// The OKX dialect.
pub struct Okx;

const CHANNELS: &[&str] = &[
    "books",
    "books-l2-tbt",
    "books50-l2-tbt",
    "books5",
    "bbo-tbt",
    "trades",
    "trades-all",
    "tickers",
];

/// The candle channel of `interval_s` seconds (`candle5m`, `candle1Dutc`), if OKX has one.
fn candle_channel(interval_s: u32) -> Option<&'static str> {
    let unified = crate::venue::protocol::candle_name(interval_s)?;
    crate::venue::okx::subscribe::CANDLES
        .iter()
        .find(|(u, _)| *u == unified)
        .map(|(_, c)| *c)
}

fn is_candle_channel(ch: &str) -> bool {
    crate::venue::okx::subscribe::CANDLES
        .iter()
        .any(|(_, c)| *c == ch)
}

/// The diff book channels and the levels their snapshot holds.
const DIFF_BOOKS: &[(&str, usize)] = &[
    ("books", 400),
    ("books-l2-tbt", 400),
    ("books50-l2-tbt", 50),
];

fn levels(out: &mut String, it: impl Iterator<Item = (i64, i64)>, s: &SimSymbol) {
    out.push('[');
    for (i, (p, q)) in it.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("[\"");
        fixed(out, p, s.px_dec);
        out.push_str("\",\"");
        fixed(out, q, s.qty_dec);
        out.push_str("\",\"0\",\"1\"]");
    }
    out.push(']');
}

/// The signed CRC32 of the top 25 levels, as OKX computes it.
pub(crate) fn checksum(book: &SimBook, s: &SimSymbol) -> i32 {
    let mut text = String::new();
    let bids: Vec<_> = book.bids_best_first(25).collect();
    let asks: Vec<_> = book.asks_best_first(25).collect();
    for i in 0..25 {
        for lvl in [bids.get(i), asks.get(i)].into_iter().flatten() {
            if !text.is_empty() {
                text.push(':');
            }
            fixed(&mut text, lvl.0, s.px_dec);
            text.push(':');
            fixed(&mut text, lvl.1, s.qty_dec);
        }
    }
    crc32fast::hash(text.as_bytes()) as i32
}

#[allow(clippy::too_many_arguments)]
fn book_frame(
    channel: &str,
    action: Option<&str>,
    s: &SimSymbol,
    bids: &[(i64, i64)],
    asks: &[(i64, i64)],
    prev: i64,
    seq: u64,
    cs: Option<i32>,
    ts: i64,
) -> String {
    let mut f = format!(
        "{{\"arg\":{{\"channel\":\"{channel}\",\"instId\":\"{}\"}},",
        s.name
    );
    if let Some(a) = action {
        let _ = write!(f, "\"action\":\"{a}\",");
    }
    f.push_str("\"data\":[{\"asks\":");
    levels(&mut f, asks.iter().copied(), s);
    f.push_str(",\"bids\":");
    levels(&mut f, bids.iter().copied(), s);
    let _ = write!(f, ",\"ts\":\"{ts}\"");
    if let Some(c) = cs {
        let _ = write!(f, ",\"checksum\":{c}");
    }
    let _ = write!(f, ",\"prevSeqId\":{prev},\"seqId\":{seq}}}]}}");
    f
}

fn key(channel: &str, inst: &str) -> String {
    format!("{channel}:{inst}")
}

impl Dialect for Okx {
    fn venue(&self) -> Venue {
        Venue::Okx
    }
    fn default_symbols(&self) -> Vec<String> {
        vec!["BTC-USDT".to_string()]
    }
    fn decimals(&self, _symbol: &str) -> (u32, u32) {
        (1, 8)
    }
    fn accepts(&self, path: &str) -> bool {
        matches!(path, "/ws/v5/public" | "/ws/v5/business")
    }
    fn idle_timeout(&self) -> Option<Duration> {
        Some(Duration::from_secs(30))
    }
    fn render(&self, ev: &SimEvent<'_>, out: &mut Vec<Publish>) {
        match ev {
            SimEvent::Trade {
                sym,
                id,
                px,
                qty,
                taker_buy,
                ts_ms,
            } => {
                // `trades` carries `count` (fills aggregated); `trades-all` one fill per push
                for (channel, count) in [("trades", ",\"count\":\"1\""), ("trades-all", "")] {
                    let mut f = format!(
                        "{{\"arg\":{{\"channel\":\"{channel}\",\"instId\":\"{0}\"}},\"data\":[{{\"instId\":\"{0}\",\"tradeId\":\"{id}\",\"px\":\"",
                        sym.name
                    );
                    fixed(&mut f, *px, sym.px_dec);
                    f.push_str("\",\"sz\":\"");
                    fixed(&mut f, *qty, sym.qty_dec);
                    let _ = write!(
                        f,
                        "\",\"side\":\"{}\",\"ts\":\"{ts_ms}\"{count}}}]}}",
                        if *taker_buy { "buy" } else { "sell" }
                    );
                    out.push(Publish {
                        key: key(channel, &sym.name),
                        text: f,
                        book_seq: 0,
                    });
                }
            }
            SimEvent::Book {
                sym,
                prev_seq,
                seq,
                changes,
                ts_ms,
            } => {
                let bids: Vec<(i64, i64)> = changes
                    .iter()
                    .filter(|c| c.0 == Side::Buy)
                    .map(|c| (c.1, c.2))
                    .collect();
                let asks: Vec<(i64, i64)> = changes
                    .iter()
                    .filter(|c| c.0 == Side::Sell)
                    .map(|c| (c.1, c.2))
                    .collect();
                let cs = checksum(&sym.book, sym);
                // the simulated book is shallower than every diff channel's depth: the same
                // diff serves them all
                for (channel, _) in DIFF_BOOKS {
                    out.push(Publish {
                        key: key(channel, &sym.name),
                        text: book_frame(
                            channel,
                            Some("update"),
                            sym,
                            &bids,
                            &asks,
                            *prev_seq as i64,
                            *seq,
                            Some(cs),
                            *ts_ms,
                        ),
                        book_seq: *seq,
                    });
                }
                let (b, a) = sym.book.top();
                let (b, a): (Vec<_>, Vec<_>) = (b.into_iter().collect(), a.into_iter().collect());
                out.push(Publish {
                    key: key("bbo-tbt", &sym.name),
                    text: book_frame("bbo-tbt", None, sym, &b, &a, -1, *seq, None, *ts_ms),
                    book_seq: 0,
                });
                let b5: Vec<_> = sym.book.bids_best_first(5).collect();
                let a5: Vec<_> = sym.book.asks_best_first(5).collect();
                out.push(Publish {
                    key: key("books5", &sym.name),
                    text: book_frame("books5", None, sym, &b5, &a5, -1, *seq, None, *ts_ms),
                    book_seq: 0,
                });
            }
            SimEvent::Candle {
                sym,
                candle,
                closed,
                ..
            } => {
                let Some(channel) = candle_channel(candle.interval_s) else {
                    return;
                };
                let mut f = format!(
                    "{{\"arg\":{{\"channel\":\"{channel}\",\"instId\":\"{}\"}},\"data\":[[\"{}\"",
                    sym.name, candle.open_ms
                );
                for v in candle.ohlc {
                    f.push_str(",\"");
                    fixed(&mut f, v, sym.px_dec);
                    f.push('"');
                }
                f.push_str(",\"");
                fixed(&mut f, candle.volume, sym.qty_dec);
                let _ = write!(f, "\",\"0\",\"0\",\"{}\"]]}}", if *closed { 1 } else { 0 });
                out.push(Publish {
                    key: key(channel, &sym.name),
                    text: f,
                    book_seq: 0,
                });
            }
        }
    }
    fn on_text(&self, _conn: &mut ConnState, text: &str) -> Reply {
        let mut r = Reply::default();
        if text == "ping" {
            r.frames.push("pong".to_string());
            return r;
        }
        let conn_id = "5f1c2a9e";
        if crate::venue::check_nesting(text.as_bytes()).is_err() {
            r.frames.push(format!("{{\"event\":\"error\",\"code\":\"60012\",\"msg\":\"Invalid request\",\"connId\":\"{conn_id}\"}}"));
            return r;
        }
        let v: sonic_rs::Value = match sonic_rs::from_str(text) {
            Ok(v) => v,
            Err(_) => {
                r.frames.push(format!("{{\"event\":\"error\",\"code\":\"60012\",\"msg\":\"Invalid request: {{}}\",\"connId\":\"{conn_id}\"}}"));
                return r;
            }
        };
        use sonic_rs::{JsonContainerTrait, JsonValueTrait};
        let op = v.get("op").and_then(|o| o.as_str()).unwrap_or("");
        if op != "subscribe" && op != "unsubscribe" {
            r.frames.push(format!("{{\"event\":\"error\",\"code\":\"60012\",\"msg\":\"Invalid request: unknown op\",\"connId\":\"{conn_id}\"}}"));
            return r;
        }
        let Some(args) = v.get("args").and_then(|a| a.as_array()) else {
            r.frames.push(format!("{{\"event\":\"error\",\"code\":\"60012\",\"msg\":\"Invalid request: missing args\",\"connId\":\"{conn_id}\"}}"));
            return r;
        };
        for a in args.iter() {
            let ch = a.get("channel").and_then(|c| c.as_str()).unwrap_or("");
            let inst = a.get("instId").and_then(|c| c.as_str()).unwrap_or("");
            if !(CHANNELS.contains(&ch) || is_candle_channel(ch)) || inst.is_empty() {
                r.frames.push(format!("{{\"event\":\"error\",\"code\":\"60018\",\"msg\":\"Wrong URL or channel:{ch},instId:{inst} doesn't exist.\",\"connId\":\"{conn_id}\"}}"));
                continue;
            }
            r.frames.push(format!(
                "{{\"event\":\"{op}\",\"arg\":{{\"channel\":\"{ch}\",\"instId\":\"{inst}\"}},\"connId\":\"{conn_id}\"}}"
            ));
            if op == "subscribe" {
                r.subscribe.push(key(ch, inst));
            } else {
                r.unsubscribe.push(key(ch, inst));
            }
        }
        r
    }
    fn snapshot(&self, k: &str, market: &NeutralMarket) -> Option<(u64, String)> {
        let (channel, inst) = k.split_once(':')?;
        let &(channel, depth) = DIFF_BOOKS.iter().find(|(c, _)| *c == channel)?;
        market.with_symbol(inst, |s| {
            let bids: Vec<_> = s.book.bids_best_first(depth).collect();
            let asks: Vec<_> = s.book.asks_best_first(depth).collect();
            let cs = checksum(&s.book, s);
            (
                s.book.seq,
                book_frame(
                    channel,
                    Some("snapshot"),
                    s,
                    &bids,
                    &asks,
                    -1,
                    s.book.seq,
                    Some(cs),
                    crate::sim::now_ms(),
                ),
            )
        })
    }
    fn candle_key(&self, symbol: &str, interval_s: u32) -> Option<String> {
        Some(key(candle_channel(interval_s)?, symbol))
    }
    fn rest(&self, path: &str, market: &NeutralMarket) -> Option<(u16, String)> {
        let (p, q) = path.split_once('?').unwrap_or((path, ""));
        if p != "/api/v5/market/books" {
            return None;
        }
        let inst = q.split('&').find_map(|kv| kv.strip_prefix("instId="))?;
        let sz: usize = q
            .split('&')
            .find_map(|kv| kv.strip_prefix("sz="))
            .and_then(|v| v.parse().ok())
            .unwrap_or(1)
            .clamp(1, 400);
        let body = market.with_symbol(inst, |s| {
            let mut f = String::from("{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"asks\":");
            levels(&mut f, s.book.asks_best_first(sz), s);
            f.push_str(",\"bids\":");
            levels(&mut f, s.book.bids_best_first(sz), s);
            let _ = write!(
                f,
                ",\"ts\":\"{}\",\"seqId\":{}}}]}}",
                crate::sim::now_ms(),
                s.book.seq
            );
            f
        });
        Some(match body {
            Some(b) => (200, b),
            None => (
                200,
                "{\"code\":\"51001\",\"msg\":\"Instrument ID does not exist\",\"data\":[]}"
                    .to_string(),
            ),
        })
    }
}
