//! Bitget v2 in the simulator (`/v2/ws/public`): `{"op":"subscribe","args":[{instType,channel,
//! instId}]}` with one ack per arg, text `ping` → `pong`, the 2-minute idle rule, `books`
//! snapshot on subscribe then updates with `seq` and the signed CRC32 of the top 25, the top-N
//! images `books1`, `books5` and `books15` (a snapshot every push), `trade`, `ticker`,
//! `candle<bar>` (every interval of `venue::bitget::subscribe::CANDLES`).

use crate::event::{Side, Venue};
use crate::sim::dialect::{
    fixed, ConnState, Dialect, NeutralMarket, Publish, Reply, SimEvent, SimSymbol,
};
use std::fmt::Write as _;
use std::time::Duration;

/// The Bitget dialect (spot or USDT futures).
pub struct Bitget(pub Venue);

const CHANNELS: &[&str] = &["books", "books1", "books5", "books15", "trade", "ticker"];

/// The candle channel of `interval_s` seconds (`candle5m`, `candle1Wutc`), if Bitget has one.
fn candle_channel(interval_s: u32) -> Option<&'static str> {
    let unified = crate::venue::protocol::candle_name(interval_s)?;
    crate::venue::bitget::subscribe::CANDLES
        .iter()
        .find(|(u, _)| *u == unified)
        .map(|(_, c)| *c)
}

fn is_candle_channel(ch: &str) -> bool {
    crate::venue::bitget::subscribe::CANDLES
        .iter()
        .any(|(_, c)| *c == ch)
}

impl Bitget {
    fn inst_type(&self) -> &'static str {
        if self.0 == Venue::BitgetFutures {
            "USDT-FUTURES"
        } else {
            "SPOT"
        }
    }
    fn head(&self, action: &str, channel: &str, inst: &str) -> String {
        format!("{{\"action\":\"{action}\",\"arg\":{{\"instType\":\"{}\",\"channel\":\"{channel}\",\"instId\":\"{inst}\"}},\"data\":", self.inst_type())
    }
}

fn levels(out: &mut String, it: impl Iterator<Item = (i64, i64)>, s: &SimSymbol) {
    crate::sim::dialect::string_pair_levels(out, s, it);
}

impl Dialect for Bitget {
    fn venue(&self) -> Venue {
        self.0
    }
    fn default_symbols(&self) -> Vec<String> {
        vec!["BTCUSDT".to_string()]
    }
    fn decimals(&self, _symbol: &str) -> (u32, u32) {
        (2, 6)
    }
    fn accepts(&self, path: &str) -> bool {
        path == "/v2/ws/public"
    }
    fn idle_timeout(&self) -> Option<Duration> {
        Some(Duration::from_secs(120))
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
                let mut f = self.head("update", "trade", &sym.name);
                let _ = write!(f, "[{{\"ts\":\"{ts_ms}\",\"price\":\"");
                fixed(&mut f, *px, sym.px_dec);
                f.push_str("\",\"size\":\"");
                fixed(&mut f, *qty, sym.qty_dec);
                let _ = write!(
                    f,
                    "\",\"side\":\"{}\",\"tradeId\":\"{id}\"}}],\"ts\":{ts_ms}}}",
                    if *taker_buy { "buy" } else { "sell" }
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
                let mut f = self.head("update", "books", &sym.name);
                f.push_str("[{\"asks\":");
                levels(
                    &mut f,
                    changes
                        .iter()
                        .filter(|c| c.0 == Side::Sell)
                        .map(|c| (c.1, c.2)),
                    sym,
                );
                f.push_str(",\"bids\":");
                levels(
                    &mut f,
                    changes
                        .iter()
                        .filter(|c| c.0 == Side::Buy)
                        .map(|c| (c.1, c.2)),
                    sym,
                );
                let cs = super::okx::checksum(&sym.book, sym);
                let _ = write!(
                    f,
                    ",\"checksum\":{cs},\"seq\":{seq},\"ts\":\"{ts_ms}\"}}],\"ts\":{ts_ms}}}"
                );
                out.push(Publish {
                    key: format!("books:{}", sym.name),
                    text: f,
                    book_seq: *seq,
                });
                // top-N images, a snapshot every push: `books1` (the BBO), `books5`, `books15`
                for (channel, n) in [("books1", 1), ("books5", 5), ("books15", 15)] {
                    let mut f = self.head("snapshot", channel, &sym.name);
                    f.push_str("[{\"asks\":");
                    levels(&mut f, sym.book.asks_best_first(n), sym);
                    f.push_str(",\"bids\":");
                    levels(&mut f, sym.book.bids_best_first(n), sym);
                    let _ = write!(
                        f,
                        ",\"checksum\":0,\"seq\":{seq},\"ts\":\"{ts_ms}\"}}],\"ts\":{ts_ms}}}"
                    );
                    out.push(Publish {
                        key: format!("{channel}:{}", sym.name),
                        text: f,
                        book_seq: 0,
                    });
                }
            }
            SimEvent::Candle {
                sym, candle, ts_ms, ..
            } => {
                let Some(channel) = candle_channel(candle.interval_s) else {
                    return;
                };
                let mut f = self.head("update", channel, &sym.name);
                let _ = write!(f, "[[\"{}\"", candle.open_ms);
                for v in candle.ohlc {
                    f.push_str(",\"");
                    fixed(&mut f, v, sym.px_dec);
                    f.push('"');
                }
                f.push_str(",\"");
                fixed(&mut f, candle.volume, sym.qty_dec);
                let _ = write!(f, "\",\"0\",\"0\"]],\"ts\":{ts_ms}}}");
                out.push(Publish {
                    key: format!("{channel}:{}", sym.name),
                    text: f,
                    book_seq: 0,
                });
            }
        }
    }
    fn candle_key(&self, symbol: &str, interval_s: u32) -> Option<String> {
        Some(format!("{}:{symbol}", candle_channel(interval_s)?))
    }
    fn on_text(&self, _conn: &mut ConnState, text: &str) -> Reply {
        let mut r = Reply::default();
        if text == "ping" {
            r.frames.push("pong".to_string());
            return r;
        }
        let err = |code: &str, msg: &str| {
            format!("{{\"event\":\"error\",\"code\":{code},\"msg\":\"{msg}\"}}")
        };
        let v: sonic_rs::Value = match crate::venue::check_nesting(text.as_bytes())
            .ok()
            .and_then(|_| sonic_rs::from_str(text).ok())
        {
            Some(v) => v,
            None => {
                r.frames.push(err("30001", "Invalid request"));
                return r;
            }
        };
        use sonic_rs::{JsonContainerTrait, JsonValueTrait};
        let op = v
            .get("op")
            .and_then(|o| o.as_str())
            .unwrap_or("")
            .to_string();
        let Some(args) = v
            .get("args")
            .and_then(|a| a.as_array())
            .filter(|_| op == "subscribe" || op == "unsubscribe")
        else {
            r.frames.push(err("30001", "Invalid op or args"));
            return r;
        };
        for a in args.iter() {
            let ty = a.get("instType").and_then(|c| c.as_str()).unwrap_or("");
            let ch = a.get("channel").and_then(|c| c.as_str()).unwrap_or("");
            let inst = a.get("instId").and_then(|c| c.as_str()).unwrap_or("");
            if ty != self.inst_type()
                || !(CHANNELS.contains(&ch) || is_candle_channel(ch))
                || inst.is_empty()
            {
                r.frames.push(err(
                    "30005",
                    &format!("instType:{ty},channel:{ch},instId:{inst} doesn't exist"),
                ));
                continue;
            }
            r.frames.push(format!("{{\"event\":\"{op}\",\"arg\":{{\"instType\":\"{ty}\",\"channel\":\"{ch}\",\"instId\":\"{inst}\"}}}}"));
            let key = format!("{ch}:{inst}");
            if op == "subscribe" {
                r.subscribe.push(key);
            } else {
                r.unsubscribe.push(key);
            }
        }
        r
    }
    fn snapshot(&self, key: &str, market: &NeutralMarket) -> Option<(u64, String)> {
        let inst = key.strip_prefix("books:")?;
        market.with_symbol(inst, |s| {
            let ts = crate::sim::now_ms();
            let mut f = self.head("snapshot", "books", &s.name);
            f.push_str("[{\"asks\":");
            levels(&mut f, s.book.asks_best_first(usize::MAX), s);
            f.push_str(",\"bids\":");
            levels(&mut f, s.book.bids_best_first(usize::MAX), s);
            let cs = super::okx::checksum(&s.book, s);
            let _ = write!(
                f,
                ",\"checksum\":{cs},\"seq\":{},\"ts\":\"{ts}\"}}],\"ts\":{ts}}}",
                s.book.seq
            );
            (s.book.seq, f)
        })
    }
}
