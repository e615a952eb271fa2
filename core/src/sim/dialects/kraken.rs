//! Kraken spot WebSocket v2 in the simulator (`/v2`): `{"method":"subscribe","params":{channel,
//! symbol:[…],depth}}` acknowledged per symbol, `{"method":"ping"}` → pong, `{"channel":
//! "heartbeat"}` every second, `book` snapshot on subscribe then updates at the subscribed depth
//! (levels entering the window are sent, the client truncates) with the CRC32 of the top 10,
//! `trade`, `ticker` (BBO), `ohlc`, `instrument` (every pair's precisions, on subscribe). Prices
//! and quantities are JSON numbers.

use crate::event::{Side, Venue};
use crate::sim::dialect::{
    fixed, rfc3339, ConnState, Dialect, NeutralMarket, Publish, Reply, SimBook, SimEvent,
    SimSymbol, MAX_DEPTH,
};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Bids and asks, best first.
type Window = (Vec<(i64, i64)>, Vec<(i64, i64)>);

/// The Kraken v2 dialect.
#[derive(Default)]
pub struct Kraken {
    /// Last published window per (market, symbol, depth): bids, asks (best first). The
    /// dialect is shared by every Kraken simulator of the process: each market has its own.
    windows: Mutex<HashMap<(u64, String, usize), Window>>,
}

const DEPTHS: &[usize] = &[10, 25, 100, 500, 1000];

/// Kraken's checksum: top 10 asks then top 10 bids, price and qty without the point and
/// leading zeros.
pub(crate) fn checksum(bids: &[(i64, i64)], asks: &[(i64, i64)], s: &SimSymbol) -> u32 {
    let mut text = String::new();
    let mut digits = |m: i64, dec: u32| {
        let mut t = String::new();
        fixed(&mut t, m, dec);
        let t: String = t.chars().filter(|c| *c != '.').collect();
        text.push_str(t.trim_start_matches('0'));
    };
    for (p, q) in asks.iter().take(10).chain(bids.iter().take(10)) {
        digits(*p, s.px_dec);
        digits(*q, s.qty_dec);
    }
    crc32fast::hash(text.as_bytes())
}

fn levels(out: &mut String, s: &SimSymbol, it: impl Iterator<Item = (i64, i64)>) {
    out.push('[');
    for (i, (p, q)) in it.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"price\":");
        fixed(out, p, s.px_dec);
        out.push_str(",\"qty\":");
        fixed(out, q, s.qty_dec);
        out.push('}');
    }
    out.push(']');
}

fn book_msg(
    s: &SimSymbol,
    kind: &str,
    bids: &[(i64, i64)],
    asks: &[(i64, i64)],
    cs: u32,
    ts_ms: i64,
) -> String {
    let mut f = format!(
        "{{\"channel\":\"book\",\"type\":\"{kind}\",\"data\":[{{\"symbol\":\"{}\",\"bids\":",
        s.name
    );
    levels(&mut f, s, bids.iter().copied());
    f.push_str(",\"asks\":");
    levels(&mut f, s, asks.iter().copied());
    let _ = write!(
        f,
        ",\"checksum\":{cs},\"timestamp\":\"{}\"}}]}}",
        rfc3339(ts_ms)
    );
    f
}

fn window(book: &SimBook, depth: usize) -> Window {
    (
        book.bids_best_first(depth).collect(),
        book.asks_best_first(depth).collect(),
    )
}

/// The changes that turn window `old` into `new` (removed levels as qty 0).
fn diff(old: &[(i64, i64)], new: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = old
        .iter()
        .filter(|(p, _)| !new.iter().any(|(np, _)| np == p))
        .map(|(p, _)| (*p, 0))
        .collect();
    out.extend(new.iter().filter(|l| !old.contains(l)).copied());
    out
}

/// The `ohlc` interval (minutes) of `interval_s` seconds, if Kraken has it.
fn ohlc_minutes(interval_s: u32) -> Option<u32> {
    let unified = crate::venue::protocol::candle_name(interval_s)?;
    crate::venue::kraken::CANDLES
        .iter()
        .find(|(u, _)| *u == unified)
        .map(|_| interval_s / 60)
}

impl Dialect for Kraken {
    fn venue(&self) -> Venue {
        Venue::Kraken
    }
    fn default_symbols(&self) -> Vec<String> {
        vec!["BTC/USD".to_string()]
    }
    fn decimals(&self, _symbol: &str) -> (u32, u32) {
        (1, 8)
    }
    fn accepts(&self, path: &str) -> bool {
        path == "/v2"
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
                let mut f = format!("{{\"channel\":\"trade\",\"type\":\"update\",\"data\":[{{\"symbol\":\"{}\",\"side\":\"{}\",\"price\":", sym.name, if *taker_buy { "buy" } else { "sell" });
                fixed(&mut f, *px, sym.px_dec);
                f.push_str(",\"qty\":");
                fixed(&mut f, *qty, sym.qty_dec);
                let _ = write!(
                    f,
                    ",\"ord_type\":\"market\",\"trade_id\":{id},\"timestamp\":\"{}\"}}]}}",
                    rfc3339(*ts_ms)
                );
                out.push(Publish {
                    key: format!("trade:{}", sym.name),
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
                let mut windows = crate::sim::lock(&self.windows);
                for &depth in DEPTHS {
                    let (bids, asks) = window(&sym.book, depth);
                    let (db, da) = if depth >= MAX_DEPTH {
                        let b: Vec<_> = changes
                            .iter()
                            .filter(|c| c.0 == Side::Buy)
                            .map(|c| (c.1, c.2))
                            .collect();
                        let a: Vec<_> = changes
                            .iter()
                            .filter(|c| c.0 == Side::Sell)
                            .map(|c| (c.1, c.2))
                            .collect();
                        (b, a)
                    } else {
                        let prev = windows
                            .entry((sym.market, sym.name.clone(), depth))
                            .or_insert_with(|| (bids.clone(), asks.clone()));
                        let d = (diff(&prev.0, &bids), diff(&prev.1, &asks));
                        *prev = (bids.clone(), asks.clone());
                        d
                    };
                    if db.is_empty() && da.is_empty() {
                        continue;
                    }
                    let cs = checksum(&bids, &asks, sym);
                    out.push(Publish {
                        key: format!("book:{}:{depth}", sym.name),
                        text: book_msg(sym, "update", &db, &da, cs, *ts_ms),
                        book_seq: *seq,
                    });
                }
                drop(windows);
                if let (Some((bp, bq)), Some((ap, aq))) = sym.book.top() {
                    let mut f = format!("{{\"channel\":\"ticker\",\"type\":\"update\",\"data\":[{{\"symbol\":\"{}\",\"bid\":", sym.name);
                    fixed(&mut f, bp, sym.px_dec);
                    f.push_str(",\"bid_qty\":");
                    fixed(&mut f, bq, sym.qty_dec);
                    f.push_str(",\"ask\":");
                    fixed(&mut f, ap, sym.px_dec);
                    f.push_str(",\"ask_qty\":");
                    fixed(&mut f, aq, sym.qty_dec);
                    let _ = write!(f, ",\"timestamp\":\"{}\"}}]}}", rfc3339(*ts_ms));
                    out.push(Publish {
                        key: format!("ticker:{}", sym.name),
                        text: f,
                        book_seq: 0,
                    });
                }
            }
            SimEvent::Candle {
                sym, candle, ts_ms, ..
            } => {
                let Some(minutes) = ohlc_minutes(candle.interval_s) else {
                    return;
                };
                let mut f = format!(
                    "{{\"channel\":\"ohlc\",\"type\":\"update\",\"data\":[{{\"symbol\":\"{}\"",
                    sym.name
                );
                for (name, v) in ["open", "high", "low", "close"].iter().zip(candle.ohlc) {
                    let _ = write!(f, ",\"{name}\":");
                    fixed(&mut f, v, sym.px_dec);
                }
                f.push_str(",\"volume\":");
                fixed(&mut f, candle.volume, sym.qty_dec);
                let _ = write!(
                    f,
                    ",\"trades\":{},\"interval_begin\":\"{}\",\"interval\":{minutes},\"timestamp\":\"{}\"}}]}}",
                    candle.trades,
                    rfc3339(candle.open_ms),
                    rfc3339(*ts_ms)
                );
                out.push(Publish {
                    key: format!("ohlc:{}:{minutes}", sym.name),
                    text: f,
                    book_seq: 0,
                });
            }
        }
    }
    fn on_text(&self, _conn: &mut ConnState, text: &str) -> Reply {
        let mut r = Reply::default();
        let now = rfc3339(crate::sim::now_ms());
        let v: sonic_rs::Value = match crate::venue::check_nesting(text.as_bytes())
            .ok()
            .and_then(|_| sonic_rs::from_str(text).ok())
        {
            Some(v) => v,
            None => {
                r.frames.push(format!("{{\"error\":\"Malformed request\",\"method\":\"\",\"success\":false,\"time_in\":\"{now}\",\"time_out\":\"{now}\"}}"));
                return r;
            }
        };
        use sonic_rs::{JsonContainerTrait, JsonValueTrait};
        let method = v
            .get("method")
            .and_then(|m| m.as_str())
            .unwrap_or("")
            .to_string();
        let req_id = v
            .get("req_id")
            .map(|i| format!(",\"req_id\":{}", i))
            .unwrap_or_default();
        match method.as_str() {
            "ping" => r.frames.push(format!("{{\"method\":\"pong\"{req_id},\"time_in\":\"{now}\",\"time_out\":\"{now}\"}}")),
            "subscribe" | "unsubscribe" => {
                let params = v.get("params");
                let channel = params.and_then(|p| p.get("channel")).and_then(|c| c.as_str()).unwrap_or("").to_string();
                let symbols: Vec<String> = params
                    .and_then(|p| p.get("symbol"))
                    .and_then(|s| s.as_array())
                    .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
                    .unwrap_or_default();
                let depth = params.and_then(|p| p.get("depth")).and_then(|d| d.as_u64()).unwrap_or(10) as usize;
                // ohlc: one interval (minutes) per request, 1 when not given
                let interval = params.and_then(|p| p.get("interval")).and_then(|d| d.as_u64()).unwrap_or(1);
                let bad_interval = channel == "ohlc"
                    && !crate::venue::kraken::CANDLES.iter().any(|(_, m)| *m == interval.to_string());
                if channel == "instrument" {
                    // every pair's precisions: a snapshot on subscribe (no symbol parameter)
                    r.frames.push(format!(
                        "{{\"method\":\"{method}\",\"result\":{{\"channel\":\"instrument\",\"snapshot\":true}},\"success\":true{req_id},\"time_in\":\"{now}\",\"time_out\":\"{now}\"}}"
                    ));
                    if method == "subscribe" {
                        r.subscribe.push("instrument".into());
                    } else {
                        r.unsubscribe.push("instrument".into());
                    }
                    return r;
                }
                if !matches!(channel.as_str(), "book" | "trade" | "ticker" | "ohlc") || symbols.is_empty() || (channel == "book" && !DEPTHS.contains(&depth)) || bad_interval {
                    r.frames.push(format!("{{\"error\":\"Channel {channel} or params unsupported\",\"method\":\"{method}\",\"success\":false{req_id},\"time_in\":\"{now}\",\"time_out\":\"{now}\"}}"));
                    return r;
                }
                for s in symbols {
                    let extra = match channel.as_str() {
                        "book" => format!(",\"depth\":{depth}"),
                        "ohlc" => format!(",\"interval\":{interval}"),
                        _ => String::new(),
                    };
                    r.frames.push(format!(
                        "{{\"method\":\"{method}\",\"result\":{{\"channel\":\"{channel}\",\"symbol\":\"{s}\"{extra},\"snapshot\":true}},\"success\":true{req_id},\"time_in\":\"{now}\",\"time_out\":\"{now}\"}}"
                    ));
                    let key = match channel.as_str() {
                        "book" => format!("book:{s}:{depth}"),
                        "ohlc" => format!("ohlc:{s}:{interval}"),
                        _ => format!("{channel}:{s}"),
                    };
                    if method == "subscribe" {
                        r.subscribe.push(key);
                    } else {
                        r.unsubscribe.push(key);
                    }
                }
            }
            _ => r.frames.push(format!("{{\"error\":\"Method not found\",\"method\":\"{method}\",\"success\":false{req_id},\"time_in\":\"{now}\",\"time_out\":\"{now}\"}}")),
        }
        r
    }
    fn snapshot(&self, key: &str, market: &NeutralMarket) -> Option<(u64, String)> {
        if key == "instrument" {
            let mut f = String::from(
                "{\"channel\":\"instrument\",\"type\":\"snapshot\",\"data\":{\"assets\":[],\"pairs\":[",
            );
            market.with_symbols(|syms| {
                for (i, s) in syms.iter().enumerate() {
                    let (base, quote) = s.name.split_once('/').unwrap_or((&s.name, ""));
                    let _ = write!(
                        f,
                        "{}{{\"symbol\":\"{}\",\"base\":\"{base}\",\"quote\":\"{quote}\",\"status\":\"online\",\"price_precision\":{},\"qty_precision\":{}}}",
                        if i > 0 { "," } else { "" },
                        s.name,
                        s.px_dec,
                        s.qty_dec
                    );
                }
            });
            f.push_str("]}}");
            return Some((0, f));
        }
        let rest = key.strip_prefix("book:")?;
        let (sym, depth) = rest.rsplit_once(':')?;
        let depth: usize = depth.parse().ok()?;
        market.with_symbol(sym, |s| {
            let (bids, asks) = window(&s.book, depth);
            // the published window starts here if nothing was published yet
            crate::sim::lock(&self.windows)
                .entry((s.market, s.name.clone(), depth))
                .or_insert_with(|| (bids.clone(), asks.clone()));
            let cs = checksum(&bids, &asks, s);
            (
                s.book.seq,
                book_msg(s, "snapshot", &bids, &asks, cs, crate::sim::now_ms()),
            )
        })
    }
    fn candle_key(&self, symbol: &str, interval_s: u32) -> Option<String> {
        Some(format!("ohlc:{symbol}:{}", ohlc_minutes(interval_s)?))
    }
    /// Weekly `ohlc` counts weeks from the Unix epoch (a Thursday).
    fn weeks(&self) -> crate::sim::dialect::Weeks {
        crate::sim::dialect::Weeks::Epoch
    }
    fn tick(&self, conn: &mut ConnState, now: Instant) -> Vec<String> {
        if conn
            .last_tick
            .is_some_and(|t| now.duration_since(t) < Duration::from_secs(1))
        {
            return Vec::new();
        }
        conn.last_tick = Some(now);
        vec!["{\"channel\":\"heartbeat\"}".to_string()]
    }
}
