//! Coinbase Advanced Trade in the simulator: `{"type":"subscribe","product_ids":[…],"channel":…}`
//! (one channel per message) acknowledged on the `subscriptions` channel, `level2` snapshot on
//! subscribe then `l2_data` updates, `market_trades` (side = maker side), `ticker`, `candles`,
//! `heartbeats` once a second, and `sequence_num` counted per connection across all channels.

use crate::event::{Side, Venue};
use crate::sim::dialect::{
    fixed, rfc3339, ConnState, Dialect, NeutralMarket, Publish, Reply, SimEvent, SimSymbol,
};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// The Coinbase dialect.
pub struct Coinbase;

/// Replaced per connection by its next `sequence_num`.
const SEQ: &str = "\"sequence_num\":@SEQ@";

fn envelope(channel: &str, ts_ms: i64, events: &str) -> String {
    format!(
        "{{\"channel\":\"{channel}\",\"client_id\":\"\",\"timestamp\":\"{}\",{SEQ},\"events\":{events}}}",
        rfc3339(ts_ms)
    )
}

fn update(out: &mut String, s: &SimSymbol, side: Side, p: i64, q: i64, ts: &str) {
    let side = if side == Side::Buy { "bid" } else { "offer" };
    let _ = write!(
        out,
        "{{\"side\":\"{side}\",\"event_time\":\"{ts}\",\"price_level\":\""
    );
    fixed(out, p, s.px_dec);
    out.push_str("\",\"new_quantity\":\"");
    fixed(out, q, s.qty_dec);
    out.push_str("\"}");
}

fn l2(s: &SimSymbol, kind: &str, levels: &[(Side, i64, i64)], ts_ms: i64) -> String {
    let ts = rfc3339(ts_ms);
    let mut ev = format!(
        "[{{\"type\":\"{kind}\",\"product_id\":\"{}\",\"updates\":[",
        s.name
    );
    for (i, (side, p, q)) in levels.iter().enumerate() {
        if i > 0 {
            ev.push(',');
        }
        update(&mut ev, s, *side, *p, *q, &ts);
    }
    ev.push_str("]}]");
    envelope("l2_data", ts_ms, &ev)
}

impl Dialect for Coinbase {
    fn venue(&self) -> Venue {
        Venue::Coinbase
    }
    fn default_symbols(&self) -> Vec<String> {
        vec!["BTC-USD".to_string()]
    }
    fn decimals(&self, _symbol: &str) -> (u32, u32) {
        (2, 8)
    }
    fn accepts(&self, path: &str) -> bool {
        path == "/" || path.is_empty()
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
                // Coinbase's side is the maker's
                let maker = if *taker_buy { "SELL" } else { "BUY" };
                let mut e = format!("[{{\"type\":\"update\",\"trades\":[{{\"trade_id\":\"{id}\",\"product_id\":\"{}\",\"price\":\"", sym.name);
                fixed(&mut e, *px, sym.px_dec);
                e.push_str("\",\"size\":\"");
                fixed(&mut e, *qty, sym.qty_dec);
                let _ = write!(
                    e,
                    "\",\"side\":\"{maker}\",\"time\":\"{}\"}}]}}]",
                    rfc3339(*ts_ms)
                );
                out.push(Publish {
                    key: format!("market_trades:{}", sym.name),
                    text: envelope("market_trades", *ts_ms, &e),
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
                out.push(Publish {
                    key: format!("level2:{}", sym.name),
                    text: l2(sym, "update", changes, *ts_ms),
                    book_seq: *seq,
                });
                if let (Some((bp, bq)), Some((ap, aq))) = sym.book.top() {
                    let mut e = format!("[{{\"type\":\"update\",\"tickers\":[{{\"type\":\"ticker\",\"product_id\":\"{}\",\"price\":\"", sym.name);
                    fixed(&mut e, bp, sym.px_dec);
                    e.push_str("\",\"volume_24_h\":\"0\",\"best_bid\":\"");
                    fixed(&mut e, bp, sym.px_dec);
                    e.push_str("\",\"best_bid_quantity\":\"");
                    fixed(&mut e, bq, sym.qty_dec);
                    e.push_str("\",\"best_ask\":\"");
                    fixed(&mut e, ap, sym.px_dec);
                    e.push_str("\",\"best_ask_quantity\":\"");
                    fixed(&mut e, aq, sym.qty_dec);
                    e.push_str("\"}]}]");
                    out.push(Publish {
                        key: format!("ticker:{}", sym.name),
                        text: envelope("ticker", *ts_ms, &e),
                        book_seq: 0,
                    });
                }
            }
            SimEvent::Candle {
                sym, candle, ts_ms, ..
            } => {
                // the `candles` channel is five-minute candles only
                if candle.interval_s != 300 {
                    return;
                }
                let mut e = format!(
                    "[{{\"type\":\"update\",\"candles\":[{{\"start\":\"{}\"",
                    candle.open_ms / 1000
                );
                for (name, v) in ["high", "low", "open", "close"].iter().zip([
                    candle.ohlc[1],
                    candle.ohlc[2],
                    candle.ohlc[0],
                    candle.ohlc[3],
                ]) {
                    let _ = write!(e, ",\"{name}\":\"");
                    fixed(&mut e, v, sym.px_dec);
                    e.push('"');
                }
                e.push_str(",\"volume\":\"");
                fixed(&mut e, candle.volume, sym.qty_dec);
                let _ = write!(e, "\",\"product_id\":\"{}\"}}]}}]", sym.name);
                out.push(Publish {
                    key: format!("candles:{}", sym.name),
                    text: envelope("candles", *ts_ms, &e),
                    book_seq: 0,
                });
            }
        }
    }
    fn candle_key(&self, symbol: &str, interval_s: u32) -> Option<String> {
        (interval_s == 300).then(|| format!("candles:{symbol}"))
    }
    fn on_text(&self, conn: &mut ConnState, text: &str) -> Reply {
        let mut r = Reply::default();
        let v: sonic_rs::Value = match crate::venue::check_nesting(text.as_bytes())
            .ok()
            .and_then(|_| sonic_rs::from_str(text).ok())
        {
            Some(v) => v,
            None => {
                r.frames.push(
                    "{\"type\":\"error\",\"message\":\"failure to unmarshal message\"}".to_string(),
                );
                return r;
            }
        };
        use sonic_rs::{JsonContainerTrait, JsonValueTrait};
        let ty = v.get("type").and_then(|t| t.as_str()).unwrap_or("");
        let channel = v.get("channel").and_then(|t| t.as_str()).unwrap_or("");
        let products: Vec<String> = v
            .get("product_ids")
            .and_then(|p| p.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if !matches!(ty, "subscribe" | "unsubscribe") {
            r.frames
                .push("{\"type\":\"error\",\"message\":\"Failed to subscribe\"}".to_string());
            return r;
        }
        if !matches!(
            channel,
            "level2" | "market_trades" | "ticker" | "candles" | "heartbeats"
        ) || (channel != "heartbeats" && products.is_empty())
        {
            r.frames.push(format!("{{\"type\":\"error\",\"message\":\"Failed to subscribe: channel {channel} not supported\"}}"));
            return r;
        }
        let keys: Vec<String> = if channel == "heartbeats" {
            vec!["heartbeats".to_string()]
        } else {
            products.iter().map(|p| format!("{channel}:{p}")).collect()
        };
        if ty == "subscribe" {
            for k in &keys {
                if !conn.keys.contains(k) {
                    r.subscribe.push(k.clone());
                }
            }
        } else {
            r.unsubscribe = keys.clone();
        }
        // the ack lists every active subscription after this request
        let mut active: Vec<String> = conn
            .keys
            .iter()
            .filter(|k| !r.unsubscribe.contains(k))
            .cloned()
            .collect();
        active.extend(r.subscribe.iter().cloned());
        let mut by: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
        for k in &active {
            let (c, p) = k.split_once(':').unwrap_or((k, ""));
            let e = by.entry(c).or_default();
            if !p.is_empty() {
                e.push(p);
            }
        }
        let mut subs = String::from("{");
        for (i, (c, ps)) in by.iter().enumerate() {
            if i > 0 {
                subs.push(',');
            }
            let list: Vec<String> = ps.iter().map(|p| format!("\"{p}\"")).collect();
            let _ = write!(subs, "\"{c}\":[{}]", list.join(","));
        }
        subs.push('}');
        r.frames.push(envelope(
            "subscriptions",
            crate::sim::now_ms(),
            &format!("[{{\"subscriptions\":{subs}}}]"),
        ));
        r
    }
    fn snapshot(&self, key: &str, market: &NeutralMarket) -> Option<(u64, String)> {
        let product = key.strip_prefix("level2:")?;
        market.with_symbol(product, |s| {
            let mut levels: Vec<(Side, i64, i64)> = s
                .book
                .bids_best_first(usize::MAX)
                .map(|(p, q)| (Side::Buy, p, q))
                .collect();
            levels.extend(
                s.book
                    .asks_best_first(usize::MAX)
                    .map(|(p, q)| (Side::Sell, p, q)),
            );
            (s.book.seq, l2(s, "snapshot", &levels, crate::sim::now_ms()))
        })
    }
    fn finish(&self, conn: &mut ConnState, _key: &str, text: &str) -> String {
        if !text.contains(SEQ) {
            return text.to_string();
        }
        let n = conn.seq;
        conn.seq += 1;
        text.replacen(SEQ, &format!("\"sequence_num\":{n}"), 1)
    }
    fn tick(&self, conn: &mut ConnState, now: Instant) -> Vec<String> {
        if !conn.keys.iter().any(|k| k == "heartbeats") {
            return Vec::new();
        }
        if conn
            .last_tick
            .is_some_and(|t| now.duration_since(t) < Duration::from_secs(1))
        {
            return Vec::new();
        }
        conn.last_tick = Some(now);
        let ms = crate::sim::now_ms();
        let counter = conn.seq;
        let hb = envelope(
            "heartbeats",
            ms,
            &format!("[{{\"current_time\":\"{} +0000 UTC m=+1.000000001\",\"heartbeat_counter\":{counter}}}]", rfc3339(ms).replace('T', " ").trim_end_matches('Z')),
        );
        vec![self.finish(conn, "heartbeats", &hb)]
    }
}
