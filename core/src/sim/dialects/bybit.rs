//! Bybit v5 in the simulator: `/v5/public/{spot,linear,inverse}`, `{"op":"subscribe","args":[…]}`
//! with one ack per request (spot: at most 10 args), `{"op":"ping"}` → pong, `orderbook.<N>`
//! snapshot on subscribe then deltas with `u` +1, `orderbook.1` snapshots, `publicTrade`,
//! `kline.1`, `tickers`, and REST `/v5/market/orderbook`.

use crate::event::{Side, Venue};
use crate::sim::dialect::{
    fixed, ConnState, Dialect, NeutralMarket, Publish, Reply, SimEvent, SimSymbol,
};
use std::fmt::Write as _;

/// The Bybit dialect of one market type.
pub struct Bybit(pub Venue);

const DEPTHS: &[usize] = &[50, 200, 1000];

fn levels(out: &mut String, it: impl Iterator<Item = (i64, i64)>, s: &SimSymbol) {
    crate::sim::dialect::string_pair_levels(out, s, it);
}

fn book_frame(
    topic: &str,
    kind: &str,
    s: &SimSymbol,
    bids: &[(i64, i64)],
    asks: &[(i64, i64)],
    u: u64,
    ts: i64,
) -> String {
    let mut f = format!(
        "{{\"topic\":\"{topic}\",\"type\":\"{kind}\",\"ts\":{ts},\"data\":{{\"s\":\"{}\",\"b\":",
        s.name
    );
    levels(&mut f, bids.iter().copied(), s);
    f.push_str(",\"a\":");
    levels(&mut f, asks.iter().copied(), s);
    let _ = write!(f, ",\"u\":{u},\"seq\":{}}},\"cts\":{ts}}}", u * 7 + 1_000);
    f
}

/// The kline interval of `interval_s` seconds (`5`, `60`, `D`), if Bybit has one.
fn kline_interval(interval_s: u32) -> Option<&'static str> {
    let unified = crate::venue::protocol::candle_name(interval_s)?;
    crate::venue::bybit::subscribe::CANDLES
        .iter()
        .find(|(u, _)| *u == unified)
        .map(|(_, i)| *i)
}

fn is_kline_interval(i: &str) -> bool {
    crate::venue::bybit::subscribe::CANDLES
        .iter()
        .any(|(_, n)| *n == i)
}

impl Dialect for Bybit {
    fn venue(&self) -> Venue {
        self.0
    }
    fn default_symbols(&self) -> Vec<String> {
        vec![if self.0 == Venue::BybitInverse {
            "BTCUSD"
        } else {
            "BTCUSDT"
        }
        .to_string()]
    }
    fn decimals(&self, _symbol: &str) -> (u32, u32) {
        if self.0 == Venue::BybitInverse {
            (1, 3)
        } else {
            (2, 6)
        }
    }
    fn accepts(&self, path: &str) -> bool {
        path == match self.0 {
            Venue::BybitSpot => "/v5/public/spot",
            Venue::BybitInverse => "/v5/public/inverse",
            _ => "/v5/public/linear",
        }
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
                let mut f = format!(
                    "{{\"topic\":\"publicTrade.{0}\",\"type\":\"snapshot\",\"ts\":{ts_ms},\"data\":[{{\"T\":{ts_ms},\"s\":\"{0}\",\"S\":\"{1}\",\"v\":\"",
                    sym.name,
                    if *taker_buy { "Buy" } else { "Sell" }
                );
                fixed(&mut f, *qty, sym.qty_dec);
                f.push_str("\",\"p\":\"");
                fixed(&mut f, *px, sym.px_dec);
                let _ = write!(f, "\",\"L\":\"PlusTick\",\"i\":\"{id}\",\"BT\":false,\"RPI\":false,\"seq\":{id}}}]}}");
                out.push(Publish {
                    key: format!("publicTrade.{}", sym.name),
                    text: f,
                    book_seq: 0,
                });
            }
            SimEvent::Book {
                sym,
                seq,
                changes,
                ts_ms,
                ..
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
                for d in DEPTHS {
                    let topic = format!("orderbook.{d}.{}", sym.name);
                    out.push(Publish {
                        text: book_frame(&topic, "delta", sym, &bids, &asks, *seq, *ts_ms),
                        key: topic,
                        book_seq: *seq,
                    });
                }
                let (b, a) = sym.book.top();
                let (b, a): (Vec<_>, Vec<_>) = (b.into_iter().collect(), a.into_iter().collect());
                let topic = format!("orderbook.1.{}", sym.name);
                out.push(Publish {
                    text: book_frame(&topic, "snapshot", sym, &b, &a, *seq, *ts_ms),
                    key: topic,
                    book_seq: 0,
                });
            }
            SimEvent::Candle {
                sym,
                candle,
                closed,
                ts_ms,
            } => {
                let Some(i) = kline_interval(candle.interval_s) else {
                    return;
                };
                let mut f = format!(
                    "{{\"topic\":\"kline.{i}.{0}\",\"data\":[{{\"start\":{1},\"end\":{2},\"interval\":\"{i}\"",
                    sym.name,
                    candle.open_ms,
                    candle.close_ms(self.weeks())
                );
                for (name, v) in ["open", "close", "high", "low"].iter().zip([
                    candle.ohlc[0],
                    candle.ohlc[3],
                    candle.ohlc[1],
                    candle.ohlc[2],
                ]) {
                    let _ = write!(f, ",\"{name}\":\"");
                    fixed(&mut f, v, sym.px_dec);
                    f.push('"');
                }
                f.push_str(",\"volume\":\"");
                fixed(&mut f, candle.volume, sym.qty_dec);
                let _ = write!(f, "\",\"turnover\":\"0\",\"confirm\":{closed},\"timestamp\":{ts_ms}}}],\"ts\":{ts_ms},\"type\":\"snapshot\"}}");
                out.push(Publish {
                    key: format!("kline.{i}.{}", sym.name),
                    text: f,
                    book_seq: 0,
                });
            }
        }
    }
    fn on_text(&self, _conn: &mut ConnState, text: &str) -> Reply {
        let mut r = Reply::default();
        let conn_id = "d5c1a0f2-sim";
        let v: sonic_rs::Value = match crate::venue::check_nesting(text.as_bytes())
            .ok()
            .and_then(|_| sonic_rs::from_str(text).ok())
        {
            Some(v) => v,
            None => {
                r.frames.push(format!("{{\"success\":false,\"ret_msg\":\"Invalid request\",\"conn_id\":\"{conn_id}\",\"op\":\"\"}}"));
                return r;
            }
        };
        use sonic_rs::{JsonContainerTrait, JsonValueTrait};
        let op = v
            .get("op")
            .and_then(|o| o.as_str())
            .unwrap_or("")
            .to_string();
        let req_id = v
            .get("req_id")
            .and_then(|o| o.as_str())
            .unwrap_or("")
            .to_string();
        match op.as_str() {
            "ping" => {
                r.frames.push(format!(
                    "{{\"success\":true,\"ret_msg\":\"pong\",\"conn_id\":\"{conn_id}\",\"req_id\":\"{req_id}\",\"op\":\"ping\"}}"
                ));
            }
            "subscribe" | "unsubscribe" => {
                let args: Vec<String> = v
                    .get("args")
                    .and_then(|a| a.as_array())
                    .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
                    .unwrap_or_default();
                let bad = args.iter().find(|a| {
                    let parts: Vec<&str> = a.split('.').collect();
                    !matches!(parts.as_slice(),
                        ["publicTrade", _] | ["tickers", _]
                        | ["orderbook", "1" | "50" | "200" | "1000", _])
                        && !matches!(parts.as_slice(), ["kline", i, _] if is_kline_interval(i))
                });
                if args.is_empty() || (self.0 == Venue::BybitSpot && args.len() > 10) || bad.is_some() {
                    let why = match bad {
                        Some(b) => format!("Invalid topic: {b}"),
                        None if args.is_empty() => "args must not be empty".to_string(),
                        None => "args size >10".to_string(),
                    };
                    r.frames.push(format!(
                        "{{\"success\":false,\"ret_msg\":\"{why}\",\"conn_id\":\"{conn_id}\",\"req_id\":\"{req_id}\",\"op\":\"{op}\"}}"
                    ));
                    return r;
                }
                let msg = if self.0 == Venue::BybitSpot { op.as_str() } else { "" };
                r.frames.push(format!(
                    "{{\"success\":true,\"ret_msg\":\"{msg}\",\"conn_id\":\"{conn_id}\",\"req_id\":\"{req_id}\",\"op\":\"{op}\"}}"
                ));
                if op == "subscribe" {
                    r.subscribe = args;
                } else {
                    r.unsubscribe = args;
                }
            }
            _ => r.frames.push(format!(
                "{{\"success\":false,\"ret_msg\":\"Invalid op\",\"conn_id\":\"{conn_id}\",\"req_id\":\"{req_id}\",\"op\":\"{op}\"}}"
            )),
        }
        r
    }
    fn snapshot(&self, key: &str, market: &NeutralMarket) -> Option<(u64, String)> {
        let rest = key.strip_prefix("orderbook.")?;
        let (depth, sym) = rest.split_once('.')?;
        let depth: usize = depth.parse().ok()?;
        if depth == 1 {
            return None;
        }
        market.with_symbol(sym, |s| {
            let bids: Vec<_> = s.book.bids_best_first(depth).collect();
            let asks: Vec<_> = s.book.asks_best_first(depth).collect();
            (
                s.book.seq,
                book_frame(
                    key,
                    "snapshot",
                    s,
                    &bids,
                    &asks,
                    s.book.seq,
                    crate::sim::now_ms(),
                ),
            )
        })
    }
    fn candle_key(&self, symbol: &str, interval_s: u32) -> Option<String> {
        Some(format!("kline.{}.{symbol}", kline_interval(interval_s)?))
    }
    fn rest(&self, path: &str, market: &NeutralMarket) -> Option<(u16, String)> {
        let (p, q) = path.split_once('?').unwrap_or((path, ""));
        if p != "/v5/market/orderbook" {
            return None;
        }
        let sym = q.split('&').find_map(|kv| kv.strip_prefix("symbol="))?;
        let limit: usize = q
            .split('&')
            .find_map(|kv| kv.strip_prefix("limit="))
            .and_then(|v| v.parse().ok())
            .unwrap_or(25)
            .clamp(1, 1000);
        let body = market.with_symbol(sym, |s| {
            let mut f = format!("{{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{{\"s\":\"{}\",\"b\":", s.name);
            levels(&mut f, s.book.bids_best_first(limit), s);
            f.push_str(",\"a\":");
            levels(&mut f, s.book.asks_best_first(limit), s);
            let now = crate::sim::now_ms();
            let _ = write!(f, ",\"ts\":{now},\"u\":{},\"seq\":{},\"cts\":{now}}},\"retExtInfo\":{{}},\"time\":{now}}}", s.book.seq, s.book.seq * 7 + 1_000);
            f
        });
        Some((200, body.unwrap_or_else(|| "{\"retCode\":10001,\"retMsg\":\"params error: symbol invalid\",\"result\":{},\"retExtInfo\":{},\"time\":0}".to_string())))
    }
}
