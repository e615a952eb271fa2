//! Hyperliquid in the simulator: `/ws`, `{"method":"subscribe","subscription":{type,coin}}` →
//! `subscriptionResponse`, `{"method":"ping"}` → `{"channel":"pong"}`, the 60 s idle rule,
//! `l2Book` full snapshots (20 levels) on subscribe and on every change, `trades`, `bbo`,
//! `candle`, and REST `POST /info` is answered for GET-style probes only (`/info?type=l2Book&coin=`).

use crate::event::Venue;
use crate::sim::dialect::{
    fixed, ConnState, Dialect, NeutralMarket, Publish, Reply, SimEvent, SimSymbol,
};
use std::fmt::Write as _;
use std::time::Duration;

/// The Hyperliquid dialect.
pub struct Hyperliquid;

fn level(out: &mut String, s: &SimSymbol, p: i64, q: i64) {
    out.push_str("{\"px\":\"");
    fixed(out, p, s.px_dec);
    out.push_str("\",\"sz\":\"");
    fixed(out, q, s.qty_dec);
    out.push_str("\",\"n\":1}");
}

fn l2book(s: &SimSymbol, ts: i64) -> String {
    let mut f = format!(
        "{{\"channel\":\"l2Book\",\"data\":{{\"coin\":\"{}\",\"time\":{ts},\"levels\":[[",
        s.name
    );
    for (i, (p, q)) in s.book.bids_best_first(20).enumerate() {
        if i > 0 {
            f.push(',');
        }
        level(&mut f, s, p, q);
    }
    f.push_str("],[");
    for (i, (p, q)) in s.book.asks_best_first(20).enumerate() {
        if i > 0 {
            f.push(',');
        }
        level(&mut f, s, p, q);
    }
    f.push_str("]]}}");
    f
}

/// The candle interval of `interval_s` seconds (the unified names are Hyperliquid's), if
/// Hyperliquid has it.
fn candle_interval(interval_s: u32) -> Option<&'static str> {
    let i = crate::venue::protocol::candle_name(interval_s)?;
    crate::venue::hyperliquid::subscribe::CANDLE_VARIANTS
        .iter()
        .copied()
        .find(|v| *v == i)
}

impl Dialect for Hyperliquid {
    fn venue(&self) -> Venue {
        Venue::Hyperliquid
    }
    fn default_symbols(&self) -> Vec<String> {
        vec!["BTC".to_string()]
    }
    fn decimals(&self, _symbol: &str) -> (u32, u32) {
        (0, 5)
    }
    fn accepts(&self, path: &str) -> bool {
        path == "/ws"
    }
    fn idle_timeout(&self) -> Option<Duration> {
        Some(Duration::from_secs(60))
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
                    "{{\"channel\":\"trades\",\"data\":[{{\"coin\":\"{}\",\"side\":\"{}\",\"px\":\"",
                    sym.name,
                    if *taker_buy { "B" } else { "A" }
                );
                fixed(&mut f, *px, sym.px_dec);
                f.push_str("\",\"sz\":\"");
                fixed(&mut f, *qty, sym.qty_dec);
                let _ = write!(
                    f,
                    "\",\"time\":{ts_ms},\"hash\":\"0x{id:064x}\",\"tid\":{},\"users\":[\"0x01\",\"0x02\"]}}]}}",
                    id * 1_000_003
                );
                out.push(Publish {
                    key: format!("trades:{}", sym.name),
                    text: f,
                    book_seq: 0,
                });
            }
            SimEvent::Book { sym, ts_ms, .. } => {
                out.push(Publish {
                    key: format!("l2Book:{}", sym.name),
                    text: l2book(sym, *ts_ms),
                    book_seq: 0,
                });
                let (b, a) = sym.book.top();
                let mut f = format!(
                    "{{\"channel\":\"bbo\",\"data\":{{\"coin\":\"{}\",\"time\":{ts_ms},\"bbo\":[",
                    sym.name
                );
                for (i, l) in [b, a].into_iter().enumerate() {
                    if i > 0 {
                        f.push(',');
                    }
                    match l {
                        Some((p, q)) => level(&mut f, sym, p, q),
                        None => f.push_str("null"),
                    }
                }
                f.push_str("]}}");
                out.push(Publish {
                    key: format!("bbo:{}", sym.name),
                    text: f,
                    book_seq: 0,
                });
            }
            SimEvent::Candle { sym, candle, .. } => {
                let Some(i) = candle_interval(candle.interval_s) else {
                    return;
                };
                let mut f = format!(
                    "{{\"channel\":\"candle\",\"data\":{{\"t\":{},\"T\":{},\"s\":\"{}\",\"i\":\"{i}\"",
                    candle.open_ms,
                    candle.close_ms(self.weeks()),
                    sym.name
                );
                for (name, v) in ["o", "c", "h", "l"].iter().zip([
                    candle.ohlc[0],
                    candle.ohlc[3],
                    candle.ohlc[1],
                    candle.ohlc[2],
                ]) {
                    let _ = write!(f, ",\"{name}\":\"");
                    fixed(&mut f, v, sym.px_dec);
                    f.push('"');
                }
                f.push_str(",\"v\":\"");
                fixed(&mut f, candle.volume, sym.qty_dec);
                let _ = write!(f, "\",\"n\":{}}}}}", candle.trades);
                out.push(Publish {
                    key: format!("candle:{}:{i}", sym.name),
                    text: f,
                    book_seq: 0,
                });
            }
        }
    }
    fn on_text(&self, _conn: &mut ConnState, text: &str) -> Reply {
        let mut r = Reply::default();
        let v: sonic_rs::Value = match crate::venue::check_nesting(text.as_bytes())
            .ok()
            .and_then(|_| sonic_rs::from_str(text).ok())
        {
            Some(v) => v,
            None => {
                r.frames.push("{\"channel\":\"error\",\"data\":\"Error parsing JSON into valid websocket request\"}".to_string());
                return r;
            }
        };
        use sonic_rs::JsonValueTrait;
        let method = v.get("method").and_then(|m| m.as_str()).unwrap_or("");
        match method {
            "ping" => r.frames.push("{\"channel\":\"pong\"}".to_string()),
            "subscribe" | "unsubscribe" => {
                let sub = v.get("subscription");
                let ty = sub
                    .and_then(|s| s.get("type"))
                    .and_then(|t| t.as_str())
                    .unwrap_or("");
                let coin = sub
                    .and_then(|s| s.get("coin"))
                    .and_then(|t| t.as_str())
                    .unwrap_or("");
                let interval = sub
                    .and_then(|s| s.get("interval"))
                    .and_then(|t| t.as_str())
                    .unwrap_or("");
                let bad_interval = ty == "candle"
                    && !crate::venue::hyperliquid::subscribe::CANDLE_VARIANTS.contains(&interval);
                if !matches!(ty, "l2Book" | "trades" | "bbo" | "candle")
                    || coin.is_empty()
                    || bad_interval
                {
                    r.frames.push(format!(
                        "{{\"channel\":\"error\",\"data\":\"Invalid subscription {}\"}}",
                        text.replace('"', "'")
                    ));
                    return r;
                }
                let sub_text = sub.map(|s| s.to_string()).unwrap_or_default();
                r.frames.push(format!(
                    "{{\"channel\":\"subscriptionResponse\",\"data\":{{\"method\":\"{method}\",\"subscription\":{sub_text}}}}}"
                ));
                let key = if ty == "candle" {
                    format!("candle:{coin}:{interval}")
                } else {
                    format!("{ty}:{coin}")
                };
                if method == "subscribe" {
                    r.subscribe.push(key);
                } else {
                    r.unsubscribe.push(key);
                }
            }
            _ => r
                .frames
                .push("{\"channel\":\"error\",\"data\":\"Unknown method\"}".to_string()),
        }
        r
    }
    fn candle_key(&self, symbol: &str, interval_s: u32) -> Option<String> {
        Some(format!("candle:{symbol}:{}", candle_interval(interval_s)?))
    }
    fn snapshot(&self, key: &str, market: &NeutralMarket) -> Option<(u64, String)> {
        let coin = key.strip_prefix("l2Book:")?;
        market.with_symbol(coin, |s| (0, l2book(s, crate::sim::now_ms())))
    }
}
