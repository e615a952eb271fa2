//! Gate.io v4 in the simulator, spot (`/ws/v4/`) and USDT futures (`/v4/ws/usdt`):
//! `{"time","channel","event":"subscribe","payload":[…]}` acks, `spot.ping`/`futures.ping` →
//! pong, `order_book_update` with `U`/`u` (the book is seeded over REST
//! `/api/v4/{spot,futures/usdt}/order_book?…&with_id=true`), trades (futures: signed integer
//! size), `book_ticker`, `candlesticks`, and Order Book V2 (`obu`, streams `ob.<SYM>.400` and
//! `ob.<SYM>.50`): a `full: true` book on subscribe, then diffs with `U` = previous `u` + 1.

use crate::event::{Side, Venue};
use crate::sim::dialect::{
    fixed, ConnState, Dialect, NeutralMarket, Publish, Reply, SimEvent, SimSymbol,
};
use std::fmt::Write as _;

/// The Gate.io dialect (spot or futures).
pub struct Gateio(pub Venue);

/// The Order Book V2 depths (`ob.BTC_USDT.400`, `ob.BTC_USDT.50`).
const OBU_DEPTHS: &[usize] = &[400, 50];

/// `ob.BTC_USDT.400` → (`BTC_USDT`, 400) when the depth is one Gate serves.
fn obu_stream(name: &str) -> Option<(&str, usize)> {
    let (sym, depth) = name.strip_prefix("ob.")?.rsplit_once('.')?;
    let depth: usize = depth.parse().ok()?;
    (OBU_DEPTHS.contains(&depth) && !sym.is_empty()).then_some((sym, depth))
}

impl Gateio {
    /// Order Book V2 levels: `[["price","size"]]` on both markets (futures sizes integers).
    fn obu_levels(out: &mut String, s: &SimSymbol, it: impl Iterator<Item = (i64, i64)>) {
        crate::sim::dialect::string_pair_levels(out, s, it);
    }

    /// An Order Book V2 result: a `full` book (`first` = None) or a diff `U..=u`.
    fn obu_result(
        s: &SimSymbol,
        depth: usize,
        first: Option<u64>,
        last: u64,
        bids: impl Iterator<Item = (i64, i64)>,
        asks: impl Iterator<Item = (i64, i64)>,
        ts_ms: i64,
    ) -> String {
        let mut r = format!("{{\"t\":{ts_ms},");
        if first.is_none() {
            r.push_str("\"full\":true,");
        }
        let _ = write!(r, "\"s\":\"ob.{}.{depth}\",", s.name);
        if let Some(f) = first {
            let _ = write!(r, "\"U\":{f},");
        }
        let _ = write!(r, "\"u\":{last},\"b\":");
        Self::obu_levels(&mut r, s, bids);
        r.push_str(",\"a\":");
        Self::obu_levels(&mut r, s, asks);
        r.push('}');
        r
    }

    fn futures(&self) -> bool {
        self.0 == Venue::GateioFutures
    }
    fn prefix(&self) -> &'static str {
        if self.futures() {
            "futures"
        } else {
            "spot"
        }
    }
    fn level(&self, out: &mut String, s: &SimSymbol, p: i64, q: i64) {
        if self.futures() {
            out.push_str("{\"p\":\"");
            fixed(out, p, s.px_dec);
            let _ = write!(out, "\",\"s\":{q}}}");
        } else {
            out.push_str("[\"");
            fixed(out, p, s.px_dec);
            out.push_str("\",\"");
            fixed(out, q, s.qty_dec);
            out.push_str("\"]");
        }
    }
    fn levels(&self, out: &mut String, s: &SimSymbol, it: impl Iterator<Item = (i64, i64)>) {
        out.push('[');
        for (i, (p, q)) in it.enumerate() {
            if i > 0 {
                out.push(',');
            }
            self.level(out, s, p, q);
        }
        out.push(']');
    }
    fn envelope(&self, channel: &str, ts_ms: i64, result: &str) -> String {
        format!(
            "{{\"time\":{},\"time_ms\":{ts_ms},\"channel\":\"{}.{channel}\",\"event\":\"update\",\"result\":{result}}}",
            ts_ms / 1000,
            self.prefix()
        )
    }
}

/// The candlestick interval of `interval_s` seconds (`5m`, `7d`), if Gate.io has one.
fn candle_interval(interval_s: u32) -> Option<&'static str> {
    let unified = crate::venue::protocol::candle_name(interval_s)?;
    crate::venue::gateio::subscribe::CANDLES
        .iter()
        .find(|(u, _)| *u == unified)
        .map(|(_, i)| *i)
}

fn is_candle_interval(i: &str) -> bool {
    crate::venue::gateio::subscribe::CANDLES
        .iter()
        .any(|(_, n)| *n == i)
}

impl Dialect for Gateio {
    fn venue(&self) -> Venue {
        self.0
    }
    fn default_symbols(&self) -> Vec<String> {
        vec!["BTC_USDT".to_string()]
    }
    fn decimals(&self, _symbol: &str) -> (u32, u32) {
        if self.futures() {
            (1, 0)
        } else {
            (1, 6)
        }
    }
    fn accepts(&self, path: &str) -> bool {
        if self.futures() {
            path == "/v4/ws/usdt"
        } else {
            path == "/ws/v4/" || path == "/ws/v4"
        }
    }
    fn render(&self, ev: &SimEvent<'_>, out: &mut Vec<Publish>) {
        let pre = self.prefix();
        match ev {
            SimEvent::Trade {
                sym,
                id,
                px,
                qty,
                taker_buy,
                ts_ms,
            } => {
                let mut r = String::new();
                if self.futures() {
                    let signed = if *taker_buy { *qty } else { -*qty };
                    let _ = write!(r, "[{{\"id\":{id},\"create_time\":{},\"create_time_ms\":{ts_ms},\"contract\":\"{}\",\"size\":{signed},\"price\":\"", ts_ms / 1000, sym.name);
                    fixed(&mut r, *px, sym.px_dec);
                    r.push_str("\"}]");
                } else {
                    let _ = write!(
                        r,
                        "{{\"id\":{id},\"create_time\":{},\"create_time_ms\":\"{ts_ms}.0000\",\"side\":\"{}\",\"currency_pair\":\"{}\",\"amount\":\"",
                        ts_ms / 1000,
                        if *taker_buy { "buy" } else { "sell" },
                        sym.name
                    );
                    fixed(&mut r, *qty, sym.qty_dec);
                    r.push_str("\",\"price\":\"");
                    fixed(&mut r, *px, sym.px_dec);
                    r.push_str("\"}");
                }
                out.push(Publish {
                    key: format!("{pre}.trades:{}", sym.name),
                    text: self.envelope("trades", *ts_ms, &r),
                    book_seq: 0,
                });
            }
            SimEvent::Book {
                sym,
                prev_seq,
                seq,
                changes,
                ts_ms,
            } => {
                let mut r = format!("{{\"t\":{ts_ms},");
                if !self.futures() {
                    let _ = write!(r, "\"e\":\"depthUpdate\",\"E\":{},", ts_ms / 1000);
                }
                let _ = write!(
                    r,
                    "\"s\":\"{}\",\"U\":{},\"u\":{seq},\"b\":",
                    sym.name,
                    prev_seq + 1
                );
                self.levels(
                    &mut r,
                    sym,
                    changes
                        .iter()
                        .filter(|c| c.0 == Side::Buy)
                        .map(|c| (c.1, c.2)),
                );
                r.push_str(",\"a\":");
                self.levels(
                    &mut r,
                    sym,
                    changes
                        .iter()
                        .filter(|c| c.0 == Side::Sell)
                        .map(|c| (c.1, c.2)),
                );
                r.push('}');
                out.push(Publish {
                    key: format!("{pre}.order_book_update:{}", sym.name),
                    text: self.envelope("order_book_update", *ts_ms, &r),
                    book_seq: *seq,
                });
                // Order Book V2: the simulated book is shallower than either depth, so the
                // same change serves both
                for &depth in OBU_DEPTHS {
                    let side = |side: Side| {
                        changes
                            .iter()
                            .filter(move |c| c.0 == side)
                            .map(|c| (c.1, c.2))
                    };
                    let r = Self::obu_result(
                        sym,
                        depth,
                        Some(prev_seq + 1),
                        *seq,
                        side(Side::Buy),
                        side(Side::Sell),
                        *ts_ms,
                    );
                    out.push(Publish {
                        key: format!("{pre}.obu:ob.{}.{depth}", sym.name),
                        text: self.envelope("obu", *ts_ms, &r),
                        book_seq: *seq,
                    });
                }
                if let (Some((bp, bq)), Some((ap, aq))) = sym.book.top() {
                    let mut r = format!(
                        "{{\"t\":{ts_ms},\"u\":{seq},\"s\":\"{}\",\"b\":\"",
                        sym.name
                    );
                    fixed(&mut r, bp, sym.px_dec);
                    let q = |r: &mut String, v: i64| {
                        if self.futures() {
                            let _ = write!(r, "{v}");
                        } else {
                            r.push('"');
                            fixed(r, v, sym.qty_dec);
                            r.push('"');
                        }
                    };
                    r.push_str("\",\"B\":");
                    q(&mut r, bq);
                    r.push_str(",\"a\":\"");
                    fixed(&mut r, ap, sym.px_dec);
                    r.push_str("\",\"A\":");
                    q(&mut r, aq);
                    r.push('}');
                    out.push(Publish {
                        key: format!("{pre}.book_ticker:{}", sym.name),
                        text: self.envelope("book_ticker", *ts_ms, &r),
                        book_seq: 0,
                    });
                }
            }
            SimEvent::Candle {
                sym,
                candle,
                closed,
                ts_ms,
            } => {
                let Some(i) = candle_interval(candle.interval_s) else {
                    return;
                };
                let mut r = format!("{{\"t\":\"{}\"", candle.open_ms / 1000);
                for (name, v) in ["o", "c", "h", "l"].iter().zip([
                    candle.ohlc[0],
                    candle.ohlc[3],
                    candle.ohlc[1],
                    candle.ohlc[2],
                ]) {
                    let _ = write!(r, ",\"{name}\":\"");
                    fixed(&mut r, v, sym.px_dec);
                    r.push('"');
                }
                r.push_str(",\"v\":\"");
                fixed(&mut r, candle.volume, sym.qty_dec);
                let _ = write!(r, "\",\"n\":\"{i}_{}\",\"a\":\"0\"", sym.name);
                if !self.futures() {
                    let _ = write!(r, ",\"w\":{closed}");
                }
                r.push('}');
                let r = if self.futures() { format!("[{r}]") } else { r };
                out.push(Publish {
                    key: format!("{pre}.candlesticks:{i}_{}", sym.name),
                    text: self.envelope("candlesticks", *ts_ms, &r),
                    book_seq: 0,
                });
            }
        }
    }
    fn on_text(&self, _conn: &mut ConnState, text: &str) -> Reply {
        let mut r = Reply::default();
        let pre = self.prefix();
        let now = crate::sim::now_ms();
        let v: sonic_rs::Value = match crate::venue::check_nesting(text.as_bytes())
            .ok()
            .and_then(|_| sonic_rs::from_str(text).ok())
        {
            Some(v) => v,
            None => {
                r.frames.push(format!("{{\"time\":{},\"time_ms\":{now},\"channel\":\"\",\"event\":\"\",\"error\":{{\"code\":1,\"message\":\"invalid argument provided\"}},\"result\":null}}", now / 1000));
                return r;
            }
        };
        use sonic_rs::{JsonContainerTrait, JsonValueTrait};
        let channel = v
            .get("channel")
            .and_then(|c| c.as_str())
            .unwrap_or("")
            .to_string();
        let event = v
            .get("event")
            .and_then(|c| c.as_str())
            .unwrap_or("")
            .to_string();
        let id = v.get("id").map(|i| i.to_string());
        let id_part = id.map(|i| format!("\"id\":{i},")).unwrap_or_default();
        if channel == format!("{pre}.ping") {
            r.frames.push(format!("{{\"time\":{},\"time_ms\":{now},{id_part}\"channel\":\"{pre}.pong\",\"event\":\"\",\"result\":null}}", now / 1000));
            return r;
        }
        let payload: Vec<String> = v
            .get("payload")
            .and_then(|p| p.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let short = channel.strip_prefix(&format!("{pre}.")).unwrap_or("");
        let sym = match short {
            // `["5m","BTC_USDT"]`: the key is Gate's candle name `5m_BTC_USDT`
            "candlesticks" => match (payload.first(), payload.get(1)) {
                (Some(i), Some(sym)) if is_candle_interval(i) => Some(format!("{i}_{sym}")),
                _ => None,
            },
            // Order Book V2 names a stream: `ob.BTC_USDT.400`
            "obu" => payload.first().filter(|p| obu_stream(p).is_some()).cloned(),
            _ => payload.first().cloned(),
        };
        let ok_channel = matches!(
            short,
            "trades" | "book_ticker" | "order_book_update" | "candlesticks" | "obu"
        );
        if !ok_channel || !matches!(event.as_str(), "subscribe" | "unsubscribe") || sym.is_none() {
            r.frames.push(format!(
                "{{\"time\":{},\"time_ms\":{now},{id_part}\"channel\":\"{channel}\",\"event\":\"{event}\",\"error\":{{\"code\":2,\"message\":\"invalid argument provided\"}},\"result\":{{\"status\":\"fail\"}}}}",
                now / 1000
            ));
            return r;
        }
        r.frames.push(format!(
            "{{\"time\":{},\"time_ms\":{now},{id_part}\"channel\":\"{channel}\",\"event\":\"{event}\",\"error\":null,\"result\":{{\"status\":\"success\"}}}}",
            now / 1000
        ));
        let key = format!("{channel}:{}", sym.unwrap_or_default());
        if event == "subscribe" {
            r.subscribe.push(key);
        } else {
            r.unsubscribe.push(key);
        }
        r
    }
    fn candle_key(&self, symbol: &str, interval_s: u32) -> Option<String> {
        Some(format!(
            "{}.candlesticks:{}_{symbol}",
            self.prefix(),
            candle_interval(interval_s)?
        ))
    }
    /// `7d` candles count weeks from the Unix epoch.
    fn weeks(&self) -> crate::sim::dialect::Weeks {
        crate::sim::dialect::Weeks::Epoch
    }
    /// Order Book V2 sends the whole book (`full: true`) first.
    fn snapshot(&self, key: &str, market: &NeutralMarket) -> Option<(u64, String)> {
        let name = key.strip_prefix(&format!("{}.obu:", self.prefix()))?;
        let (sym, depth) = obu_stream(name)?;
        market.with_symbol(sym, |s| {
            let now = crate::sim::now_ms();
            let r = Self::obu_result(
                s,
                depth,
                None,
                s.book.seq,
                s.book.bids_best_first(depth),
                s.book.asks_best_first(depth),
                now,
            );
            (s.book.seq, self.envelope("obu", now, &r))
        })
    }
    fn rest(&self, path: &str, market: &NeutralMarket) -> Option<(u16, String)> {
        let (p, q) = path.split_once('?').unwrap_or((path, ""));
        let (want, param) = if self.futures() {
            ("/api/v4/futures/usdt/order_book", "contract=")
        } else {
            ("/api/v4/spot/order_book", "currency_pair=")
        };
        if p != want {
            return None;
        }
        let sym = q.split('&').find_map(|kv| kv.strip_prefix(param))?;
        let limit: usize = q
            .split('&')
            .find_map(|kv| kv.strip_prefix("limit="))
            .and_then(|v| v.parse().ok())
            .unwrap_or(10)
            .clamp(1, 100);
        let body = market.with_symbol(sym, |s| {
            let now = crate::sim::now_ms();
            let mut f = format!(
                "{{\"id\":{},\"current\":{now},\"update\":{now},\"asks\":",
                s.book.seq
            );
            self.levels(&mut f, s, s.book.asks_best_first(limit));
            f.push_str(",\"bids\":");
            self.levels(&mut f, s, s.book.bids_best_first(limit));
            f.push('}');
            f
        });
        Some(match body {
            Some(b) => (200, b),
            None => (
                400,
                "{\"label\":\"INVALID_CURRENCY_PAIR\",\"message\":\"Invalid currency pair\"}"
                    .to_string(),
            ),
        })
    }
}
