//! Venue dialects: the simulator's market is venue-neutral (a consistent book per symbol,
//! trades that eat into it, candles), and a [`Dialect`] speaks one venue's protocol over it —
//! its subscribe/unsubscribe/ack frames, its heartbeat, its data frames (with the venue's
//! sequence numbers and checksums), the snapshot a venue sends on subscribe, and its REST.
//!
//! Binance is served by the original Binance-specific code (`ws.rs`, `synth.rs`, `rest.rs`);
//! every other venue by [`serve`] with its dialect, registered in [`dialect_for`].
//!
//! Adding a venue to the simulator: a file in `sim/dialects/`, implementing [`Dialect`] with the
//! formats of `docs/exchanges.md`, and one line in [`dialect_for`].

pub use super::candle::Weeks;
use super::candle::{candle_open, next_open};
use super::hub::{DataMsg, Out};
use super::tls::Stream;
use super::{lock, now_ms, Shared};
use crate::event::{Side, Venue};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::TryRecvError;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tungstenite::{Error as WsError, Message};

/// Levels per side the neutral market keeps at most: every venue's default book subscription
/// (OKX 400, Bybit 50, Kraken 100, …) covers the whole simulated book, so a client's book
/// equals the simulator's exactly. Dialects serving shallower subscriptions must send the
/// levels that enter the window themselves.
pub const MAX_DEPTH: usize = 45;

/// One side of a simulated book: price mantissa → size mantissa (at the symbol's decimals).
pub type Levels = BTreeMap<i64, i64>;

/// A simulated order book.
#[derive(Clone, Debug, Default)]
pub struct SimBook {
    /// Bids (best = last key).
    pub bids: Levels,
    /// Asks (best = first key).
    pub asks: Levels,
    /// The book's update sequence: +1 per change message (venues' `u`, `seqId`, ...).
    pub seq: u64,
}

impl SimBook {
    /// Best bid and ask.
    #[allow(clippy::type_complexity)]
    pub fn top(&self) -> (Option<(i64, i64)>, Option<(i64, i64)>) {
        (
            self.bids.iter().next_back().map(|(p, q)| (*p, *q)),
            self.asks.iter().next().map(|(p, q)| (*p, *q)),
        )
    }
    /// Up to `n` bids, best first.
    pub fn bids_best_first(&self, n: usize) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.bids.iter().rev().take(n).map(|(p, q)| (*p, *q))
    }
    /// Up to `n` asks, best first.
    pub fn asks_best_first(&self, n: usize) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.asks.iter().take(n).map(|(p, q)| (*p, *q))
    }
}

/// One symbol of the neutral market.
#[derive(Clone, Debug)]
pub struct SimSymbol {
    /// The market it belongs to, unique in the process: dialects are shared by every
    /// simulator of their venue, so state they keep per symbol is keyed by this too.
    pub market: u64,
    /// The venue's native symbol (`BTC-USDT`, `BTCUSDT`, `BTC/USD`, `BTC`).
    pub name: String,
    /// Price decimals (prices are mantissas at 10^-px_dec).
    pub px_dec: u32,
    /// Size decimals.
    pub qty_dec: u32,
    /// The book.
    pub book: SimBook,
    /// Last trade id.
    pub trade_id: u64,
    /// Recent trades (newest last, at most 1,000): `(id, px, qty, taker_buy, ts_ms)`.
    pub trades: std::collections::VecDeque<(u64, i64, i64, bool, i64)>,
    /// The open one-minute candle (always produced).
    pub candle: SimCandle,
    /// The open candles of the other intervals someone is subscribed to (the dialect's
    /// [`Dialect::candle_key`] of the symbol and interval is wanted), one per interval.
    pub candles: Vec<SimCandle>,
    /// When the intervals subscribed were last looked up (ms).
    candles_polled_ms: i64,
}

/// A candle of the neutral market.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimCandle {
    // (open_ms is aligned by the venue's rules: see `sim::candle`)
    /// Open time, ms.
    pub open_ms: i64,
    /// Interval, seconds.
    pub interval_s: u32,
    /// Open, high, low, close (price mantissas).
    pub ohlc: [i64; 4],
    /// Volume (size mantissa).
    pub volume: i64,
    /// Number of trades.
    pub trades: u64,
}

impl SimCandle {
    /// A candle of `interval_s` opening at `open_ms` at price `px`, without trades yet.
    pub fn open(open_ms: i64, interval_s: u32, px: i64) -> SimCandle {
        SimCandle {
            open_ms,
            interval_s,
            ohlc: [px; 4],
            volume: 0,
            trades: 0,
        }
    }

    /// The close time (ms, inclusive) of this candle under `weeks` (`open + interval − 1`;
    /// a month's last millisecond).
    pub fn close_ms(&self, weeks: Weeks) -> i64 {
        next_open(self.open_ms, self.interval_s, weeks) - 1
    }

    fn trade(&mut self, px: i64, qty: i64) {
        self.ohlc[1] = self.ohlc[1].max(px);
        self.ohlc[2] = self.ohlc[2].min(px);
        self.ohlc[3] = px;
        self.volume += qty;
        self.trades += 1;
    }
}

/// What the neutral market did in one step, for dialects to render.
#[derive(Debug)]
pub enum SimEvent<'a> {
    /// A trade (already applied to the book, whose change follows as a `Book` event).
    Trade {
        /// The symbol (with its decimals and book after the trade).
        sym: &'a SimSymbol,
        /// Trade id.
        id: u64,
        /// Price mantissa.
        px: i64,
        /// Size mantissa.
        qty: i64,
        /// Whether the taker bought.
        taker_buy: bool,
        /// Time, ms.
        ts_ms: i64,
    },
    /// A book change: the levels set (size 0 = removed), moving `seq` from `prev_seq`.
    Book {
        /// The symbol; `sym.book` is the book after the change.
        sym: &'a SimSymbol,
        /// Sequence before the change.
        prev_seq: u64,
        /// Sequence after the change.
        seq: u64,
        /// `(side, price, new size)`; `Side::Buy` = bid.
        changes: &'a [(Side, i64, i64)],
        /// Time, ms.
        ts_ms: i64,
    },
    /// A candle update (every second while open) or its close.
    Candle {
        /// The symbol.
        sym: &'a SimSymbol,
        /// The candle.
        candle: SimCandle,
        /// Whether the interval is over.
        closed: bool,
        /// Time, ms.
        ts_ms: i64,
    },
}

/// A frame a dialect publishes: the stream key a client subscribes to, the text, and for book
/// diffs the book sequence after it (so a connection that just got a snapshot at `seq` skips
/// the diffs it already covers).
#[derive(Debug, Clone)]
pub struct Publish {
    /// The stream key (the dialect's own naming; what `on_text` subscribes).
    pub key: String,
    /// The frame.
    pub text: String,
    /// Book diffs: the sequence after this diff; 0 otherwise.
    pub book_seq: u64,
}

/// What a client frame did.
#[derive(Debug, Default)]
pub struct Reply {
    /// Frames to send back, in order (acks, pongs, errors).
    pub frames: Vec<String>,
    /// Stream keys to add (a snapshot follows the acks where the dialect has one).
    pub subscribe: Vec<String>,
    /// Stream keys to remove.
    pub unsubscribe: Vec<String>,
    /// Close the connection after sending the frames.
    pub close: bool,
}

/// Per-connection state a dialect may keep (a connection-wide sequence, ...).
#[derive(Debug, Default)]
pub struct ConnState {
    /// Stream keys subscribed.
    pub keys: Vec<String>,
    /// A connection-wide counter (Coinbase `sequence_num`).
    pub seq: u64,
    /// When the client last sent anything.
    pub last_client: Option<Instant>,
    /// When the dialect last sent a periodic frame.
    pub last_tick: Option<Instant>,
}

/// A venue's protocol spoken by the simulator.
pub trait Dialect: Send + Sync {
    /// The venue.
    fn venue(&self) -> Venue;
    /// Default symbols (native form).
    fn default_symbols(&self) -> Vec<String>;
    /// Price and size decimals of a symbol.
    fn decimals(&self, _symbol: &str) -> (u32, u32) {
        (1, 4)
    }
    /// Whether the WebSocket upgrade on `path` is served (`/ws/v5/public`).
    fn accepts(&self, path: &str) -> bool;
    /// Renders a market event as frames.
    fn render(&self, ev: &SimEvent<'_>, out: &mut Vec<Publish>);
    /// Answers one client text frame.
    fn on_text(&self, conn: &mut ConnState, text: &str) -> Reply;
    /// The snapshot a venue sends when `key` is subscribed: `(book seq, frame)`.
    fn snapshot(&self, _key: &str, _market: &NeutralMarket) -> Option<(u64, String)> {
        None
    }
    /// Last touch on a frame before it goes to one connection (a connection-wide sequence).
    fn finish(&self, _conn: &mut ConnState, _key: &str, text: &str) -> String {
        text.to_string()
    }
    /// Periodic frames (application heartbeats), called often.
    fn tick(&self, _conn: &mut ConnState, _now: Instant) -> Vec<String> {
        Vec::new()
    }
    /// The venue closes connections that send nothing for this long.
    fn idle_timeout(&self) -> Option<Duration> {
        None
    }
    /// Answers a REST GET (`path` with query): `(status, body)`, `None` = 404.
    fn rest(&self, _path: &str, _market: &NeutralMarket) -> Option<(u16, String)> {
        None
    }
    /// The stream key of `symbol`'s candles of `interval_s` seconds (one of
    /// [`CANDLE_INTERVALS`](crate::venue::protocol::CANDLE_INTERVALS)); `None` if the venue
    /// does not serve that interval. The market produces the one-minute candle always and
    /// another interval only while its key is subscribed.
    fn candle_key(&self, _symbol: &str, _interval_s: u32) -> Option<String> {
        None
    }
    /// Where the venue's week candles begin.
    fn weeks(&self) -> Weeks {
        Weeks::Monday
    }
}

static KRAKEN: std::sync::LazyLock<super::dialects::kraken::Kraken> =
    std::sync::LazyLock::new(Default::default);

/// The dialect serving `venue`, if the simulator speaks it (Binance has its own code).
pub fn dialect_for(venue: Venue) -> Option<&'static dyn Dialect> {
    match venue {
        Venue::Binance | Venue::BinanceUsdm | Venue::BinanceCoinm => None,
        Venue::Okx => Some(&super::dialects::okx::Okx),
        Venue::BybitSpot => Some(&super::dialects::bybit::Bybit(Venue::BybitSpot)),
        Venue::BybitLinear => Some(&super::dialects::bybit::Bybit(Venue::BybitLinear)),
        Venue::BybitInverse => Some(&super::dialects::bybit::Bybit(Venue::BybitInverse)),
        Venue::Hyperliquid => Some(&super::dialects::hyperliquid::Hyperliquid),
        Venue::Coinbase => Some(&super::dialects::coinbase::Coinbase),
        Venue::Kraken => Some(&*KRAKEN),
        Venue::Bitget => Some(&super::dialects::bitget::Bitget(Venue::Bitget)),
        Venue::BitgetFutures => Some(&super::dialects::bitget::Bitget(Venue::BitgetFutures)),
        Venue::Gateio => Some(&super::dialects::gateio::Gateio(Venue::Gateio)),
        Venue::GateioFutures => Some(&super::dialects::gateio::Gateio(Venue::GateioFutures)),
    }
}

/// Writes mantissa `m` with `dec` fixed decimals (`123456, 2` → `1234.56`).
pub fn fixed(out: &mut String, m: i64, dec: u32) {
    if m < 0 {
        out.push('-');
    }
    let m = m.unsigned_abs();
    if dec == 0 {
        let _ = write!(out, "{m}");
        return;
    }
    let p = 10u64.pow(dec);
    let _ = write!(out, "{}.{:0width$}", m / p, m % p, width = dec as usize);
}

/// Levels as `[["price","size"],…]` at the symbol's decimals (Bybit, Bitget, Gate.io V2).
pub fn string_pair_levels(out: &mut String, s: &SimSymbol, it: impl Iterator<Item = (i64, i64)>) {
    out.push('[');
    for (i, (p, q)) in it.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("[\"");
        fixed(out, p, s.px_dec);
        out.push_str("\",\"");
        fixed(out, q, s.qty_dec);
        out.push_str("\"]");
    }
    out.push(']');
}

/// [`fixed`] into a new string.
pub fn fixed_str(m: i64, dec: u32) -> String {
    let mut s = String::new();
    fixed(&mut s, m, dec);
    s
}

/// RFC 3339 UTC time with nanoseconds from ms since the epoch
/// (`2026-08-09T21:05:48.851000000Z`).
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let nanos = ms.rem_euclid(1000) * 1_000_000;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = crate::calendar::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

struct MarketState {
    rng: Rng,
    syms: Vec<SimSymbol>,
    next: usize,
}

/// The venue-neutral synthetic market: consistent books, trades that take liquidity, candles.
pub struct NeutralMarket {
    state: Mutex<MarketState>,
}

fn base_price(sym: &str) -> f64 {
    let s = sym.to_ascii_uppercase();
    if s.starts_with("BTC") || s.starts_with("XBT") {
        61_837.6
    } else if s.starts_with("ETH") {
        2_650.12
    } else if s.starts_with("SOL") {
        153.21
    } else {
        100.0
    }
}

impl NeutralMarket {
    /// A market of `symbols` with the dialect's decimals.
    pub fn new(dialect: &dyn Dialect, symbols: &[String], seed: u64) -> NeutralMarket {
        static MARKETS: AtomicU64 = AtomicU64::new(0);
        let market = MARKETS.fetch_add(1, Ordering::Relaxed);
        let mut rng = Rng(seed | 1);
        let now = now_ms();
        let syms = symbols
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let (px_dec, qty_dec) = dialect.decimals(name);
                let tick = 1i64;
                let base = (base_price(name) * 10f64.powi(px_dec as i32)).round() as i64;
                let lot = 10i64.pow(qty_dec.saturating_sub(3));
                let mut book = SimBook {
                    seq: 1_000_000 + i as u64 * 10_000_000,
                    ..SimBook::default()
                };
                let (mut b, mut a) = (base, base + tick);
                for _ in 0..40 {
                    book.bids.insert(b, lot * (1 + rng.below(500) as i64));
                    book.asks.insert(a, lot * (1 + rng.below(500) as i64));
                    b -= tick * (1 + rng.below(3) as i64);
                    a += tick * (1 + rng.below(3) as i64);
                }
                SimSymbol {
                    market,
                    name: name.clone(),
                    px_dec,
                    qty_dec,
                    book,
                    trade_id: 100_000_000 + i as u64 * 1_000_000_000,
                    trades: Default::default(),
                    candle: SimCandle::open(now - now % 60_000, 60, base),
                    candles: Vec::new(),
                    candles_polled_ms: 0,
                }
            })
            .collect();
        NeutralMarket {
            state: Mutex::new(MarketState { rng, syms, next: 0 }),
        }
    }

    /// Runs `f` on a symbol's state (under the market lock: nothing is published meanwhile).
    pub fn with_symbol<R>(&self, name: &str, f: impl FnOnce(&SimSymbol) -> R) -> Option<R> {
        let st = lock(&self.state);
        st.syms
            .iter()
            .find(|s| s.name == name || s.name.eq_ignore_ascii_case(name))
            .map(f)
    }

    /// Runs `f` on every symbol's state (under the market lock).
    pub fn with_symbols<R>(&self, f: impl FnOnce(&[SimSymbol]) -> R) -> R {
        f(&lock(&self.state).syms)
    }

    /// One step for the next symbol in turn, rendered by `dialect` and published while the
    /// market lock is held (a snapshot never runs ahead of what was published). Returns the
    /// frames published.
    pub(crate) fn step(&self, dialect: &dyn Dialect, shared: &Shared) -> usize {
        let mut st = lock(&self.state);
        let MarketState { rng, syms, next } = &mut *st;
        if syms.is_empty() {
            return 0;
        }
        let i = *next % syms.len();
        *next = next.wrapping_add(1);
        let now = now_ms();
        let mut out = Vec::new();
        let s = &mut syms[i];
        // candles: close when their interval is over, update every second
        let weeks = dialect.weeks();
        if now - s.candles_polled_ms >= 1000 {
            s.candles_polled_ms = now;
            poll_candles(dialect, shared, s, now);
        }
        for k in 0..=s.candles.len() {
            let c = if k == 0 { s.candle } else { s.candles[k - 1] };
            let open = candle_open(now, c.interval_s, weeks);
            if open <= c.open_ms {
                continue;
            }
            dialect.render(
                &SimEvent::Candle {
                    sym: &*s,
                    candle: c,
                    closed: true,
                    ts_ms: now,
                },
                &mut out,
            );
            let next = SimCandle::open(open, c.interval_s, c.ohlc[3]);
            if k == 0 {
                s.candle = next;
            } else {
                s.candles[k - 1] = next;
            }
        }
        let mut changes: Vec<(Side, i64, i64)> = Vec::new();
        if rng.below(100) < 25 {
            // a trade takes (part of) the best level on one side
            let taker_buy = rng.below(2) == 0;
            let level = if taker_buy {
                s.book.asks.iter().next().map(|(p, q)| (*p, *q))
            } else {
                s.book.bids.iter().next_back().map(|(p, q)| (*p, *q))
            };
            if let Some((px, q)) = level {
                let take = (1 + rng.below(q as u64) as i64).min(q);
                let left = q - take;
                let (side, book) = if taker_buy {
                    (Side::Sell, &mut s.book.asks)
                } else {
                    (Side::Buy, &mut s.book.bids)
                };
                if left == 0 {
                    book.remove(&px);
                } else {
                    book.insert(px, left);
                }
                changes.push((side, px, left));
                s.trade_id += 1;
                s.trades.push_back((s.trade_id, px, take, taker_buy, now));
                if s.trades.len() > 1000 {
                    s.trades.pop_front();
                }
                s.candle.trade(px, take);
                for c in &mut s.candles {
                    c.trade(px, take);
                }
                dialect.render(
                    &SimEvent::Trade {
                        sym: &*s,
                        id: s.trade_id,
                        px,
                        qty: take,
                        taker_buy,
                        ts_ms: now,
                    },
                    &mut out,
                );
            }
        }
        // one to three level changes near the top, keeping the book uncrossed and deep
        for _ in 0..1 + rng.below(3) {
            let bid = rng.below(2) == 0;
            let lot = 10i64.pow(s.qty_dec.saturating_sub(3));
            let (best_bid, best_ask) = s.book.top();
            let (Some((bb, _)), Some((ba, _))) = (best_bid, best_ask) else {
                break;
            };
            let off = rng.below(8) as i64;
            let px = if bid { bb + 1 - off } else { ba - 1 + off };
            if px >= ba && bid || px <= bb && !bid {
                continue;
            }
            let book = if bid {
                &mut s.book.bids
            } else {
                &mut s.book.asks
            };
            let remove = book.len() > 30 && rng.below(3) == 0;
            let qty = if remove && book.contains_key(&px) {
                0
            } else {
                lot * (1 + rng.below(500) as i64)
            };
            if qty == 0 {
                book.remove(&px);
            } else {
                book.insert(px, qty);
            }
            let side = if bid { Side::Buy } else { Side::Sell };
            changes.retain(|c| !(c.0 == side && c.1 == px));
            changes.push((side, px, qty));
        }
        // keep the far end bounded
        while s.book.bids.len() > MAX_DEPTH {
            let (&p, _) = s.book.bids.iter().next().expect("non-empty");
            s.book.bids.remove(&p);
            changes.push((Side::Buy, p, 0));
        }
        while s.book.asks.len() > MAX_DEPTH {
            let (&p, _) = s.book.asks.iter().next_back().expect("non-empty");
            s.book.asks.remove(&p);
            changes.push((Side::Sell, p, 0));
        }
        if !changes.is_empty() {
            let prev_seq = s.book.seq;
            s.book.seq += 1;
            dialect.render(
                &SimEvent::Book {
                    sym: &*s,
                    prev_seq,
                    seq: s.book.seq,
                    changes: &changes,
                    ts_ms: now,
                },
                &mut out,
            );
        }
        for c in std::iter::once(&s.candle).chain(&s.candles) {
            if now % 1000 < 20 || c.trades == 1 {
                dialect.render(
                    &SimEvent::Candle {
                        sym: &*s,
                        candle: *c,
                        closed: false,
                        ts_ms: now,
                    },
                    &mut out,
                );
            }
        }
        let n = out.len();
        let symbol: Arc<str> = Arc::from(s.name.as_str());
        for p in out {
            shared.publish(DataMsg {
                key: Arc::from(p.key),
                symbol: symbol.clone(),
                is_diff: p.book_seq != 0,
                payload: Arc::from(p.text),
                seq: p.book_seq,
            });
        }
        n
    }
}

/// Starts the candles of the intervals now subscribed for `s` (open since their aligned start,
/// at the last price) and stops those no longer subscribed: the market's cost grows with what
/// clients ask for, not with the intervals a venue has.
fn poll_candles(dialect: &dyn Dialect, shared: &Shared, s: &mut SimSymbol, now: i64) {
    let weeks = dialect.weeks();
    for (_, secs) in crate::venue::protocol::CANDLE_INTERVALS {
        if *secs == s.candle.interval_s {
            continue;
        }
        let wanted = dialect
            .candle_key(&s.name, *secs)
            .is_some_and(|k| shared.hub.wants(&k));
        let at = s.candles.iter().position(|c| c.interval_s == *secs);
        match (wanted, at) {
            (true, None) => {
                let open = candle_open(now, *secs, weeks);
                s.candles
                    .push(SimCandle::open(open, *secs, s.candle.ohlc[3]));
            }
            (false, Some(i)) => {
                s.candles.remove(i);
            }
            _ => {}
        }
    }
}

fn would_block(e: &WsError) -> bool {
    matches!(e, WsError::Io(io) if matches!(io.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted))
}

/// Serves one upgraded connection in `dialect` until it closes or the simulator stops.
#[allow(clippy::too_many_arguments)]
pub(crate) fn serve(
    shared: &Shared,
    dialect: &dyn Dialect,
    market: &NeutralMarket,
    stream: Stream,
    path: &str,
    key: Option<Vec<u8>>,
    rest: Vec<u8>,
    id: u64,
) {
    const NOT_FOUND: &str = "{\"code\":404,\"msg\":\"Not found\"}";
    if !dialect.accepts(path) {
        super::ws::not_found(stream, NOT_FOUND);
        return;
    }
    let Some(super::ws::Upgraded {
        mut ws,
        rx,
        backlog,
    }) = super::ws::upgrade(shared, stream, key, rest, id, NOT_FOUND)
    else {
        return;
    };

    let c = &shared.counters;
    c.ws_connections.fetch_add(1, Ordering::Relaxed);
    c.ws_open.fetch_add(1, Ordering::Relaxed);
    let start = Instant::now();
    let mut conn = ConnState {
        last_client: Some(start),
        ..ConnState::default()
    };
    // book keys just snapshotted: skip diffs up to this sequence
    let mut skip_until: HashMap<String, u64> = HashMap::new();
    let close_at = shared.config.lifetime.and_then(|l| start.checked_add(l));
    let idle = shared.config.idle_timeout.or(dialect.idle_timeout());
    'conn: loop {
        if shared.stopping() {
            let _ = ws.close(None);
            let _ = ws.flush();
            break;
        }
        let now = Instant::now();
        if close_at.is_some_and(|t| now >= t)
            || idle.is_some_and(|d| conn.last_client.is_some_and(|t| now.duration_since(t) > d))
        {
            let _ = ws.close(None);
            let _ = ws.flush();
            break;
        }
        for text in dialect.tick(&mut conn, now) {
            if ws.write(Message::text(text)).is_err() {
                break 'conn;
            }
        }
        // outgoing
        for _ in 0..512 {
            match rx.try_recv() {
                Ok(out) => {
                    backlog.fetch_sub(1, Ordering::Relaxed);
                    let (key, text) = match &*out {
                        Out::Data { msg, corrupt } => {
                            if !conn.keys.iter().any(|k| **k == *msg.key) {
                                continue;
                            }
                            if msg.seq != 0 {
                                if let Some(s) = skip_until.get(&*msg.key) {
                                    if msg.seq <= *s {
                                        continue;
                                    }
                                }
                            }
                            let mut t = dialect.finish(&mut conn, &msg.key, &msg.payload);
                            if *corrupt {
                                t.truncate((t.len() / 2).max(1));
                            }
                            (msg.key.to_string(), t)
                        }
                        Out::Oversize(bytes) => {
                            let (head, tail) = ("{\"simOversize\":\"", "\"}");
                            let n = bytes.saturating_sub(head.len() + tail.len());
                            let mut s = String::with_capacity(*bytes);
                            s.push_str(head);
                            s.extend(std::iter::repeat_n('x', n));
                            s.push_str(tail);
                            ("!simOversize".to_string(), s)
                        }
                    };
                    if let Err(e) = ws.write(Message::text(text)) {
                        if !would_block(&e) {
                            break 'conn;
                        }
                    }
                    shared.count_sent(&key);
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
                conn.last_client = Some(Instant::now());
                c.control_requests.fetch_add(1, Ordering::Relaxed);
                let reply = dialect.on_text(&mut conn, t.as_str());
                for k in &reply.unsubscribe {
                    if let Some(p) = conn.keys.iter().position(|x| x == k) {
                        conn.keys.remove(p);
                        shared.hub.want(k, -1);
                    }
                    skip_until.remove(k);
                }
                for f in &reply.frames {
                    let f = dialect.finish(&mut conn, "", f);
                    if ws.write(Message::text(f)).is_err() {
                        break 'conn;
                    }
                }
                for k in &reply.subscribe {
                    c.subscribe_requests.fetch_add(1, Ordering::Relaxed);
                    if !conn.keys.contains(k) {
                        conn.keys.push(k.clone());
                        shared.hub.want(k, 1);
                    }
                    // registered first, snapshot second: diffs published in between are
                    // queued for us and skipped by sequence
                    if let Some((seq, snap)) = dialect.snapshot(k, market) {
                        skip_until.insert(k.clone(), seq);
                        let snap = dialect.finish(&mut conn, k, &snap);
                        if ws.write(Message::text(snap)).is_err() {
                            break 'conn;
                        }
                        shared.count_sent(k);
                    }
                }
                if reply.close {
                    let _ = ws.close(None);
                    let _ = ws.flush();
                    break;
                }
            }
            Ok(Message::Ping(_)) | Ok(Message::Pong(_)) => {
                conn.last_client = Some(Instant::now());
            }
            Ok(_) => {}
            Err(e) if would_block(&e) => {}
            Err(_) => break,
        }
    }
    for k in conn.keys.drain(..) {
        shared.hub.want(&k, -1);
    }
    shared.hub.unregister(id);
    c.ws_open.fetch_sub(1, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(rfc3339(1_786_309_548_851), "2026-08-09T21:05:48.851000000Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000000000Z");
    }

    #[test]
    fn fixed_decimals() {
        assert_eq!(fixed_str(123456, 2), "1234.56");
        assert_eq!(fixed_str(5, 3), "0.005");
        assert_eq!(fixed_str(-5, 1), "-0.5");
        assert_eq!(fixed_str(42, 0), "42");
    }
}
