//! The synthetic source: a real L2 book per symbol, diffs with a correct `U`/`u` (`pu`) chain,
//! `bookTicker` at the book's top with the latest diff's `u`, trades at the touch that consume
//! the level they hit, `kline_1m`, partial depth, and the REST views of the same state.

use super::candle::{candle_open, next_open, Weeks};
use super::hub::DataMsg;
use super::{lock, now_ms, Market, Shared};
use crate::event::Venue;
use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

/// Numbers are kept as mantissas at exponent -8.
const SCALE: i64 = 100_000_000;
const MAX_LEVELS: usize = 150;
const MIN_LEVELS: usize = 20;
const KEEP_TRADES: usize = 1000;
const KEEP_KLINES: usize = 1000;

#[derive(Clone, Copy)]
struct Spec {
    px_dec: u32,
    qty_dec: u32,
    tick: i64,
    lot: i64,
    max_lots: i64,
}

fn spec(venue: Venue) -> Spec {
    match venue {
        Venue::BinanceUsdm => Spec {
            px_dec: 2,
            qty_dec: 3,
            tick: SCALE / 10,
            lot: SCALE / 1000,
            max_lots: 3000,
        },
        Venue::BinanceCoinm => Spec {
            px_dec: 1,
            qty_dec: 0,
            tick: SCALE / 10,
            lot: SCALE,
            max_lots: 500,
        },
        _ => Spec {
            px_dec: 8,
            qty_dec: 8,
            tick: SCALE / 100,
            lot: SCALE / 100_000,
            max_lots: 300_000,
        },
    }
}

/// Writes a non-negative mantissa (exp -8) with exactly `dec` decimals.
fn num(out: &mut String, m: i64, dec: u32) {
    let m = m.max(0);
    let n = m / 10i64.pow(8 - dec.min(8));
    let p = 10i64.pow(dec);
    let _ = write!(out, "{}", n / p);
    if dec > 0 {
        let _ = write!(out, ".{:0width$}", n % p, width = dec as usize);
    }
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[derive(Clone, Copy)]
struct Trade {
    id: u64,
    px: i64,
    qty: i64,
    time: i64,
    buyer_maker: bool,
}

#[derive(Clone, Copy)]
struct Kline {
    t: i64,
    o: i64,
    h: i64,
    l: i64,
    c: i64,
    v: i64,
    q: i128,
    n: u64,
    first: i64,
    last: i64,
    tv: i64,
    tq: i128,
}

impl Kline {
    /// Adds one trade (`taker_buy`: the taker bought, which Binance's taker volumes count).
    fn trade(&mut self, id: u64, px: i64, qty: i64, taker_buy: bool) {
        self.h = self.h.max(px);
        self.l = self.l.min(px);
        self.c = px;
        self.v += qty;
        self.q += i128::from(px) * i128::from(qty);
        self.n += 1;
        if self.first < 0 {
            self.first = id as i64;
        }
        self.last = id as i64;
        if taker_buy {
            self.tv += qty;
            self.tq += i128::from(px) * i128::from(qty);
        }
    }

    /// Folds a later candle of the same window into this one (one-minute candles into a
    /// longer interval's).
    fn absorb(&mut self, k: &Kline) {
        if k.n == 0 {
            self.c = k.c;
            return;
        }
        if self.n == 0 {
            self.h = k.h;
            self.l = k.l;
            self.first = k.first;
        } else {
            self.h = self.h.max(k.h);
            self.l = self.l.min(k.l);
        }
        self.c = k.c;
        self.v += k.v;
        self.q += k.q;
        self.n += k.n;
        self.last = k.last;
        self.tv += k.tv;
        self.tq += k.tq;
    }

    fn open(t: i64, px: i64) -> Kline {
        Kline {
            t,
            o: px,
            h: px,
            l: px,
            c: px,
            v: 0,
            q: 0,
            n: 0,
            first: -1,
            last: -1,
            tv: 0,
            tq: 0,
        }
    }
}

type Top = (Option<(i64, i64)>, Option<(i64, i64)>);
/// `(lastUpdateId, bids best first, asks best first)`.
type Snapshot = (u64, Vec<(i64, i64)>, Vec<(i64, i64)>);

struct Sym {
    upper: String,
    pair: String,
    lower: Arc<str>,
    keys: [Arc<str>; 8],
    bids: BTreeMap<i64, i64>,
    asks: BTreeMap<i64, i64>,
    last_u: u64,
    stale: Snapshot,
    trade_id: u64,
    agg_id: u64,
    trades: VecDeque<Trade>,
    klines: VecDeque<Kline>,
    cur: Kline,
    /// The kline streams of other intervals the venue has: `(interval, seconds, key)`.
    kline_keys: Vec<(&'static str, u32, Arc<str>)>,
    /// The open klines of the intervals someone is subscribed to (index into `kline_keys`).
    extra: Vec<(usize, Kline)>,
    last_partial: i64,
    last_kline: i64,
    top: Top,
}

const K_DEPTH: usize = 0;
const K_BT: usize = 1;
const K_TRADE: usize = 2;
const K_AGG: usize = 3;
const K_KLINE: usize = 4;
const K_D5: usize = 5;

struct State {
    rng: Rng,
    syms: Vec<Sym>,
    next: usize,
}

/// The synthetic market (shared by the generator thread and REST).
pub(crate) struct SynthMarket {
    venue: Venue,
    spec: Spec,
    state: Mutex<State>,
}

fn base_price(sym: &str) -> i64 {
    let s = sym.to_ascii_uppercase();
    if s.starts_with("BTC") {
        6_183_763_000_000
    } else if s.starts_with("ETH") {
        265_012_000_000
    } else if s.starts_with("SOL") {
        15_321_000_000
    } else {
        10_000_000_000
    }
}

impl SynthMarket {
    pub(crate) fn new(venue: Venue, symbols: &[String], seed: u64) -> SynthMarket {
        let spec = spec(venue);
        let mut rng = Rng(seed | 1);
        let symbols: Vec<String> = if symbols.is_empty() {
            vec!["BTCUSDT".to_string()]
        } else {
            symbols.iter().map(|s| s.to_ascii_uppercase()).collect()
        };
        let mut syms = Vec::new();
        for (i, s) in symbols.iter().enumerate() {
            let lower: Arc<str> = Arc::from(s.to_ascii_lowercase());
            let k = |c: &str| -> Arc<str> { Arc::from(format!("{lower}@{c}")) };
            let keys = [
                k("depth"),
                k("bookticker"),
                k("trade"),
                k("aggtrade"),
                k("kline_1m"),
                k("depth5"),
                k("depth10"),
                k("depth20"),
            ];
            let base = base_price(s) / spec.tick * spec.tick;
            let mut bids = BTreeMap::new();
            let mut asks = BTreeMap::new();
            let (mut b, mut a) = (base, base + spec.tick);
            for _ in 0..60 {
                bids.insert(b, spec.lot * (1 + rng.below(spec.max_lots as u64) as i64));
                asks.insert(a, spec.lot * (1 + rng.below(spec.max_lots as u64) as i64));
                b -= spec.tick * (1 + rng.below(3) as i64);
                a += spec.tick * (1 + rng.below(3) as i64);
            }
            let first_u = 50_093_239_189u64 + (i as u64) * 7_000_000_000;
            let now = now_ms();
            let mut sym = Sym {
                upper: s.clone(),
                pair: s.split('_').next().unwrap_or(s).to_string(),
                lower: lower.clone(),
                keys,
                stale: (first_u, Vec::new(), Vec::new()),
                bids,
                asks,
                last_u: first_u,
                trade_id: 3_735_683_259 + (i as u64) * 1_000_000_000,
                agg_id: 3_100_000_000 + (i as u64) * 1_000_000_000,
                trades: VecDeque::new(),
                klines: VecDeque::new(),
                cur: Kline::open(now - now % 60_000, base),
                kline_keys: kline_intervals(venue)
                    .iter()
                    .filter(|i| **i != "1m")
                    .filter_map(|i| {
                        let secs = crate::venue::protocol::candle_seconds(i)?;
                        Some((*i, secs, k(&format!("kline_{i}"))))
                    })
                    .collect(),
                extra: Vec::new(),
                last_partial: 0,
                last_kline: 0,
                top: (None, None),
            };
            sym.stale.1 = sym.bids.iter().rev().map(|(p, q)| (*p, *q)).collect();
            sym.stale.2 = sym.asks.iter().map(|(p, q)| (*p, *q)).collect();
            syms.push(sym);
        }
        let mut st = State { rng, syms, next: 0 };
        // Silent warm-up: every diff ever sent comes after the stale copy's id.
        let mut sink = Vec::new();
        for i in 0..st.syms.len() {
            for _ in 0..300 {
                let State { rng, syms, .. } = &mut st;
                diff_step(venue, spec, &mut syms[i], rng, now_ms(), &mut sink);
                sink.clear();
            }
            let s = &mut st.syms[i];
            s.top = top(s);
        }
        SynthMarket {
            venue,
            spec,
            state: Mutex::new(st),
        }
    }

    /// One generator step (a diff, or a trade with the diff it causes, plus companions and
    /// due periodic frames), published while the book lock is held so that a REST snapshot
    /// never runs ahead of what was published. Returns the number of frames published.
    pub(crate) fn step(&self, shared: &Shared) -> usize {
        let mut st = lock(&self.state);
        let State { rng, syms, next } = &mut *st;
        if syms.is_empty() {
            return 0;
        }
        let i = *next % syms.len();
        *next = next.wrapping_add(1);
        let s = &mut syms[i];
        let now = now_ms();
        let mut out = Vec::new();
        roll_kline(self.venue, self.spec, s, now, shared, &mut out);
        if rng.below(100) < 25 {
            trade_step(self.venue, self.spec, s, rng, now, &mut out);
        } else {
            diff_step(self.venue, self.spec, s, rng, now, &mut out);
        }
        let t = top(s);
        if t != s.top {
            s.top = t;
            out.push(msg(
                s,
                K_BT,
                false,
                book_ticker(self.venue, self.spec, s, now),
            ));
        }
        if now - s.last_partial >= 100 {
            s.last_partial = now;
            for (j, n) in [5usize, 10, 20].iter().enumerate() {
                if shared.hub.wants(&s.keys[K_D5 + j]) {
                    let p = partial(self.venue, self.spec, s, *n, now);
                    out.push(msg(s, K_D5 + j, false, p));
                }
            }
        }
        if now - s.last_kline >= 1000 {
            s.last_kline = now;
            if shared.hub.wants(&s.keys[K_KLINE]) {
                out.push(msg(
                    s,
                    K_KLINE,
                    false,
                    kline_event(self.spec, s, "1m", &s.cur, false, now),
                ));
            }
            poll_klines(s, shared, now);
            for (i, k) in &s.extra {
                let (name, _, key) = &s.kline_keys[*i];
                out.push(key_msg(
                    s,
                    key.clone(),
                    kline_event(self.spec, s, name, k, false, now),
                ));
            }
        }
        let n = out.len();
        for m in out {
            shared.publish(m);
        }
        n
    }
}

/// The kline intervals `venue` serves (the client's candle variants: `1s` on spot only).
fn kline_intervals(venue: Venue) -> &'static [&'static str] {
    use crate::venue::binance::subscribe::{FUTURES_CANDLE_VARIANTS, SPOT_CANDLE_VARIANTS};
    if venue == Venue::Binance {
        SPOT_CANDLE_VARIANTS
    } else {
        FUTURES_CANDLE_VARIANTS
    }
}

/// Starts the klines of the intervals now subscribed (from the one-minute history of their
/// window, so they hold the same trades) and stops those no longer subscribed: the generator
/// pays for the intervals clients ask for only.
fn poll_klines(s: &mut Sym, shared: &Shared, now: i64) {
    for i in 0..s.kline_keys.len() {
        let (_, secs, key) = &s.kline_keys[i];
        let secs = *secs;
        let wanted = shared.hub.wants(key);
        let at = s.extra.iter().position(|(j, _)| *j == i);
        match (wanted, at) {
            (true, None) => {
                let k = if secs < 60 {
                    Kline::open(candle_open(now, secs, Weeks::Monday), s.cur.c)
                } else {
                    window(s, candle_open(now, secs, Weeks::Monday))
                };
                s.extra.push((i, k));
            }
            (false, Some(j)) => {
                s.extra.remove(j);
            }
            _ => {}
        }
    }
}

/// The kline opening at `open` built from the one-minute klines since then (history and the
/// current one).
fn window(s: &Sym, open: i64) -> Kline {
    let first_px = s
        .klines
        .iter()
        .find(|k| k.t >= open)
        .map_or(s.cur.o, |k| k.o);
    let mut w = Kline::open(open, first_px);
    for k in s.klines.iter().filter(|k| k.t >= open) {
        w.absorb(k);
    }
    w.absorb(&s.cur);
    w
}

fn key_msg(s: &Sym, key: Arc<str>, payload: String) -> DataMsg {
    DataMsg {
        key,
        symbol: s.lower.clone(),
        is_diff: false,
        payload: Arc::from(payload),
        seq: 0,
    }
}

fn msg(s: &Sym, k: usize, is_diff: bool, payload: String) -> DataMsg {
    DataMsg {
        key: s.keys[k].clone(),
        symbol: s.lower.clone(),
        is_diff,
        payload: Arc::from(payload),
        seq: 0,
    }
}

fn top(s: &Sym) -> Top {
    (
        s.bids.iter().next_back().map(|(p, q)| (*p, *q)),
        s.asks.iter().next().map(|(p, q)| (*p, *q)),
    )
}

fn nth_key(m: &BTreeMap<i64, i64>, bid: bool, n: usize) -> Option<i64> {
    if bid {
        m.keys().rev().nth(n).copied()
    } else {
        m.keys().nth(n).copied()
    }
}

fn diff_step(venue: Venue, sp: Spec, s: &mut Sym, rng: &mut Rng, now: i64, out: &mut Vec<DataMsg>) {
    let mut changes: BTreeMap<(bool, i64), i64> = BTreeMap::new();
    for _ in 0..1 + rng.below(4) {
        let bid = rng.below(2) == 0;
        let best_b = s.bids.keys().next_back().copied().unwrap_or(sp.tick);
        let best_a = s.asks.keys().next().copied().unwrap_or(best_b + sp.tick);
        let len = if bid { s.bids.len() } else { s.asks.len() };
        let r = rng.below(10);
        let qty = sp.lot * (1 + rng.below(sp.max_lots as u64) as i64);
        let side = if bid { &mut s.bids } else { &mut s.asks };
        if r < 4 {
            let n = rng.below(len.min(10) as u64) as usize;
            if let Some(px) = nth_key(side, bid, n) {
                side.insert(px, qty);
                changes.insert((bid, px), qty);
            }
        } else if r < 7 {
            let k = sp.tick * (1 + rng.below(15) as i64);
            let px = if bid { best_a - k } else { best_b + k };
            if px > 0 {
                side.insert(px, qty);
                changes.insert((bid, px), qty);
            }
        } else if len > MIN_LEVELS {
            let n = rng.below(len.min(10) as u64) as usize;
            if let Some(px) = nth_key(side, bid, n) {
                side.remove(&px);
                changes.insert((bid, px), 0);
            }
        }
    }
    emit_diff(venue, sp, s, rng, now, changes, out);
}

fn emit_diff(
    venue: Venue,
    sp: Spec,
    s: &mut Sym,
    rng: &mut Rng,
    now: i64,
    mut changes: BTreeMap<(bool, i64), i64>,
    out: &mut Vec<DataMsg>,
) {
    while s.bids.len() > MAX_LEVELS {
        if let Some((p, _)) = s.bids.pop_first() {
            changes.insert((true, p), 0);
        }
    }
    while s.asks.len() > MAX_LEVELS {
        if let Some((p, _)) = s.asks.pop_last() {
            changes.insert((false, p), 0);
        }
    }
    let pu = s.last_u;
    let first = pu + 1;
    let last = first + rng.below(3);
    s.last_u = last;
    let mut p = String::with_capacity(256);
    let _ = write!(p, "{{\"e\":\"depthUpdate\",\"E\":{now},");
    if venue != Venue::Binance {
        let _ = write!(p, "\"T\":{},", now - 1);
    }
    let _ = write!(p, "\"s\":\"{}\",", s.upper);
    if venue == Venue::BinanceCoinm {
        let _ = write!(p, "\"ps\":\"{}\",", s.pair);
    }
    let _ = write!(p, "\"U\":{first},\"u\":{last},");
    if venue != Venue::Binance {
        let _ = write!(p, "\"pu\":{pu},");
    }
    for (name, bid) in [("b", true), ("a", false)] {
        let _ = write!(p, "\"{name}\":[");
        let mut firstl = true;
        let it: Box<dyn Iterator<Item = (&(bool, i64), &i64)>> = if bid {
            Box::new(changes.range((true, i64::MIN)..).rev())
        } else {
            Box::new(changes.range(..(true, i64::MIN)))
        };
        for ((_, px), q) in it {
            if !firstl {
                p.push(',');
            }
            firstl = false;
            level(&mut p, sp, *px, *q);
        }
        p.push(']');
        p.push(if bid { ',' } else { '}' });
    }
    out.push(msg(s, K_DEPTH, true, p));
}

fn level(p: &mut String, sp: Spec, px: i64, q: i64) {
    p.push_str("[\"");
    num(p, px, sp.px_dec);
    p.push_str("\",\"");
    num(p, q, sp.qty_dec);
    p.push_str("\"]");
}

fn trade_step(
    venue: Venue,
    sp: Spec,
    s: &mut Sym,
    rng: &mut Rng,
    now: i64,
    out: &mut Vec<DataMsg>,
) {
    let buyer_maker = rng.below(2) == 0;
    let side = if buyer_maker {
        &mut s.bids
    } else {
        &mut s.asks
    };
    let lvl = if buyer_maker {
        side.iter().next_back()
    } else {
        side.iter().next()
    };
    let Some((&px, &have)) = lvl else {
        return diff_step(venue, sp, s, rng, now, out);
    };
    let lots = have / sp.lot;
    let mut take = 1 + rng.below((lots as u64).min(sp.max_lots as u64 / 10).max(1)) as i64;
    if take >= lots && side.len() <= MIN_LEVELS {
        take = lots - 1;
    }
    if take <= 0 {
        return diff_step(venue, sp, s, rng, now, out);
    }
    let qty = take * sp.lot;
    let left = have - qty;
    if left > 0 {
        side.insert(px, left);
    } else {
        side.remove(&px);
    }
    s.trade_id += 1;
    s.agg_id += 1;
    let t = Trade {
        id: s.trade_id,
        px,
        qty,
        time: now - 1,
        buyer_maker,
    };
    s.trades.push_back(t);
    if s.trades.len() > KEEP_TRADES {
        s.trades.pop_front();
    }
    s.cur.trade(t.id, px, qty, !buyer_maker);
    for (_, k) in &mut s.extra {
        k.trade(t.id, px, qty, !buyer_maker);
    }
    let mut p = String::with_capacity(200);
    let mut a = String::with_capacity(200);
    let pxs = {
        let mut x = String::new();
        num(&mut x, px, sp.px_dec);
        x
    };
    let qs = {
        let mut x = String::new();
        num(&mut x, qty, sp.qty_dec);
        x
    };
    if venue == Venue::Binance {
        let _ = write!(p, "{{\"e\":\"trade\",\"E\":{now},\"s\":\"{}\",\"t\":{},\"p\":\"{pxs}\",\"q\":\"{qs}\",\"T\":{},\"m\":{buyer_maker},\"M\":true}}", s.upper, t.id, t.time);
        let _ = write!(a, "{{\"e\":\"aggTrade\",\"E\":{now},\"s\":\"{}\",\"a\":{},\"p\":\"{pxs}\",\"q\":\"{qs}\",\"f\":{},\"l\":{},\"T\":{},\"m\":{buyer_maker},\"M\":true}}", s.upper, s.agg_id, t.id, t.id, t.time);
    } else {
        let _ = write!(p, "{{\"e\":\"trade\",\"E\":{now},\"T\":{},\"s\":\"{}\",\"t\":{},\"p\":\"{pxs}\",\"q\":\"{qs}\",\"X\":\"MARKET\",\"m\":{buyer_maker}}}", t.time, s.upper, t.id);
        let _ = write!(a, "{{\"e\":\"aggTrade\",\"E\":{now},\"a\":{},\"s\":\"{}\",\"p\":\"{pxs}\",\"q\":\"{qs}\",\"f\":{},\"l\":{},\"T\":{},\"m\":{buyer_maker}}}", s.agg_id, s.upper, t.id, t.id, t.time);
    }
    out.push(msg(s, K_TRADE, false, p));
    out.push(msg(s, K_AGG, false, a));
    let mut changes = BTreeMap::new();
    changes.insert((buyer_maker, px), left.max(0));
    emit_diff(venue, sp, s, rng, now, changes, out);
}

fn book_ticker(venue: Venue, sp: Spec, s: &Sym, now: i64) -> String {
    let (b, a) = s.top;
    let (bp, bq) = b.unwrap_or((0, 0));
    let (ap, aq) = a.unwrap_or((0, 0));
    let mut p = String::with_capacity(160);
    if venue == Venue::Binance {
        let _ = write!(p, "{{\"u\":{},\"s\":\"{}\",", s.last_u, s.upper);
    } else {
        let _ = write!(
            p,
            "{{\"e\":\"bookTicker\",\"u\":{},\"E\":{now},\"T\":{},\"s\":\"{}\",",
            s.last_u,
            now - 1,
            s.upper
        );
        if venue == Venue::BinanceCoinm {
            let _ = write!(p, "\"ps\":\"{}\",", s.pair);
        }
    }
    for (k, v, dec) in [
        ("b", bp, sp.px_dec),
        ("B", bq, sp.qty_dec),
        ("a", ap, sp.px_dec),
        ("A", aq, sp.qty_dec),
    ] {
        let _ = write!(p, "\"{k}\":\"");
        num(&mut p, v, dec);
        p.push_str("\",");
    }
    p.pop();
    p.push('}');
    p
}

fn levels(p: &mut String, sp: Spec, it: impl Iterator<Item = (i64, i64)>) {
    p.push('[');
    let mut first = true;
    for (px, q) in it {
        if !first {
            p.push(',');
        }
        first = false;
        level(p, sp, px, q);
    }
    p.push(']');
}

fn partial(venue: Venue, sp: Spec, s: &Sym, n: usize, now: i64) -> String {
    let mut p = String::with_capacity(64 * n);
    if venue == Venue::Binance {
        let _ = write!(p, "{{\"lastUpdateId\":{},\"bids\":", s.last_u);
        levels(
            &mut p,
            sp,
            s.bids.iter().rev().take(n).map(|(a, b)| (*a, *b)),
        );
        p.push_str(",\"asks\":");
        levels(&mut p, sp, s.asks.iter().take(n).map(|(a, b)| (*a, *b)));
    } else {
        let _ = write!(
            p,
            "{{\"e\":\"depthUpdate\",\"E\":{now},\"T\":{},\"s\":\"{}\",",
            now - 1,
            s.upper
        );
        if venue == Venue::BinanceCoinm {
            let _ = write!(p, "\"ps\":\"{}\",", s.pair);
        }
        let _ = write!(
            p,
            "\"U\":{},\"u\":{},\"pu\":{},\"b\":",
            s.last_u,
            s.last_u,
            s.last_u.saturating_sub(1)
        );
        levels(
            &mut p,
            sp,
            s.bids.iter().rev().take(n).map(|(a, b)| (*a, *b)),
        );
        p.push_str(",\"a\":");
        levels(&mut p, sp, s.asks.iter().take(n).map(|(a, b)| (*a, *b)));
    }
    p.push('}');
    p
}

fn quote(q: i128) -> i64 {
    i64::try_from(q / i128::from(SCALE)).unwrap_or(i64::MAX)
}

fn kline_body(p: &mut String, sp: Spec, sym: &str, i: &str, k: &Kline, closed: bool) {
    let secs = crate::venue::protocol::candle_seconds(i).unwrap_or(60);
    let _ = write!(
        p,
        "{{\"t\":{},\"T\":{},\"s\":\"{sym}\",\"i\":\"{i}\",\"f\":{},\"L\":{},",
        k.t,
        next_open(k.t, secs, Weeks::Monday) - 1,
        k.first,
        k.last
    );
    for (name, v, dec) in [
        ("o", k.o, sp.px_dec),
        ("c", k.c, sp.px_dec),
        ("h", k.h, sp.px_dec),
        ("l", k.l, sp.px_dec),
        ("v", k.v, sp.qty_dec),
    ] {
        let _ = write!(p, "\"{name}\":\"");
        num(p, v, dec);
        p.push_str("\",");
    }
    let _ = write!(p, "\"n\":{},\"x\":{closed},\"q\":\"", k.n);
    num(p, quote(k.q), 8);
    p.push_str("\",\"V\":\"");
    num(p, k.tv, sp.qty_dec);
    p.push_str("\",\"Q\":\"");
    num(p, quote(k.tq), 8);
    p.push_str("\",\"B\":\"0\"}");
}

fn kline_event(sp: Spec, s: &Sym, i: &str, k: &Kline, closed: bool, now: i64) -> String {
    let mut p = String::with_capacity(400);
    let _ = write!(
        p,
        "{{\"e\":\"kline\",\"E\":{now},\"s\":\"{}\",\"k\":",
        s.upper
    );
    kline_body(&mut p, sp, &s.upper, i, k, closed);
    p.push('}');
    p
}

fn roll_kline(
    _venue: Venue,
    sp: Spec,
    s: &mut Sym,
    now: i64,
    shared: &Shared,
    out: &mut Vec<DataMsg>,
) {
    // the other intervals subscribed: close each when its window is over
    for j in 0..s.extra.len() {
        let (i, k) = s.extra[j];
        let (name, secs, key) = &s.kline_keys[i];
        let t = candle_open(now, *secs, Weeks::Monday);
        if t <= k.t {
            continue;
        }
        out.push(key_msg(
            s,
            key.clone(),
            kline_event(sp, s, name, &k, true, now),
        ));
        s.extra[j].1 = Kline::open(t, k.c);
    }
    let t = now - now.rem_euclid(60_000);
    if t <= s.cur.t {
        return;
    }
    let closed = s.cur;
    if shared.hub.wants(&s.keys[K_KLINE]) {
        out.push(msg(
            s,
            K_KLINE,
            false,
            kline_event(sp, s, "1m", &closed, true, now),
        ));
    }
    s.klines.push_back(closed);
    if s.klines.len() > KEEP_KLINES {
        s.klines.pop_front();
    }
    s.cur = Kline::open(t, closed.c);
}

impl SynthMarket {
    fn with_sym<R>(&self, symbol: &str, f: impl FnOnce(&Sym) -> R) -> Option<R> {
        let st = lock(&self.state);
        st.syms.iter().find(|s| s.upper == symbol).map(f)
    }
}

impl Market for SynthMarket {
    fn depth(&self, symbol: &str, limit: usize, stale: bool) -> Option<String> {
        let (venue, sp) = (self.venue, self.spec);
        self.with_sym(symbol, |s| {
            let now = now_ms();
            let (id, bids, asks): Snapshot = if stale {
                (
                    s.stale.0,
                    s.stale.1.iter().take(limit).copied().collect(),
                    s.stale.2.iter().take(limit).copied().collect(),
                )
            } else {
                (
                    s.last_u,
                    s.bids
                        .iter()
                        .rev()
                        .take(limit)
                        .map(|(a, b)| (*a, *b))
                        .collect(),
                    s.asks.iter().take(limit).map(|(a, b)| (*a, *b)).collect(),
                )
            };
            let mut p = String::with_capacity(64 * (bids.len() + asks.len()) + 100);
            let _ = write!(p, "{{\"lastUpdateId\":{id},");
            if venue == Venue::BinanceCoinm {
                let _ = write!(p, "\"symbol\":\"{}\",\"pair\":\"{}\",", s.upper, s.pair);
            }
            if venue != Venue::Binance {
                let _ = write!(p, "\"E\":{now},\"T\":{},", now - 1);
            }
            p.push_str("\"bids\":");
            levels(&mut p, sp, bids.into_iter());
            p.push_str(",\"asks\":");
            levels(&mut p, sp, asks.into_iter());
            p.push('}');
            p
        })
    }

    fn trades(&self, symbol: &str, limit: usize) -> Option<String> {
        let sp = self.spec;
        self.with_sym(symbol, |s| {
            let skip = s.trades.len().saturating_sub(limit);
            let mut p = String::from("[");
            for (i, t) in s.trades.iter().skip(skip).enumerate() {
                if i > 0 {
                    p.push(',');
                }
                let _ = write!(p, "{{\"id\":{},\"price\":\"", t.id);
                num(&mut p, t.px, sp.px_dec);
                p.push_str("\",\"qty\":\"");
                num(&mut p, t.qty, sp.qty_dec);
                p.push_str("\",\"quoteQty\":\"");
                num(&mut p, quote(i128::from(t.px) * i128::from(t.qty)), 8);
                let _ = write!(
                    p,
                    "\",\"time\":{},\"isBuyerMaker\":{},\"isBestMatch\":true}}",
                    t.time, t.buyer_maker
                );
            }
            p.push(']');
            p
        })
    }

    fn klines(&self, symbol: &str, interval: &str, limit: usize) -> Option<String> {
        let sp = self.spec;
        let secs = crate::venue::protocol::candle_seconds(interval).unwrap_or(60);
        self.with_sym(symbol, |s| {
            let all: Vec<Kline> = if secs < 60 {
                // one-second klines from the recent trades
                let mut v: Vec<Kline> = Vec::new();
                for t in &s.trades {
                    let open = candle_open(t.time, secs, Weeks::Monday);
                    if v.last().is_none_or(|k| k.t != open) {
                        v.push(Kline::open(open, t.px));
                    }
                    if let Some(k) = v.last_mut() {
                        k.trade(t.id, t.px, t.qty, !t.buyer_maker);
                    }
                }
                v
            } else {
                // the one-minute history folded into the interval's windows
                let mut v: Vec<Kline> = Vec::new();
                for k in s.klines.iter().chain(std::iter::once(&s.cur)) {
                    let open = candle_open(k.t, secs, Weeks::Monday);
                    match v.last_mut() {
                        Some(w) if w.t == open => w.absorb(k),
                        _ => {
                            let mut w = Kline::open(open, k.o);
                            w.absorb(k);
                            v.push(w);
                        }
                    }
                }
                v
            };
            let skip = all.len().saturating_sub(limit);
            let mut p = String::from("[");
            for (i, k) in all.iter().skip(skip).enumerate() {
                if i > 0 {
                    p.push(',');
                }
                let _ = write!(p, "[{},", k.t);
                for v in [k.o, k.h, k.l, k.c] {
                    p.push('"');
                    num(&mut p, v, sp.px_dec);
                    p.push_str("\",");
                }
                p.push('"');
                num(&mut p, k.v, sp.qty_dec);
                let _ = write!(p, "\",{},\"", next_open(k.t, secs, Weeks::Monday) - 1);
                num(&mut p, quote(k.q), 8);
                let _ = write!(p, "\",{},\"", k.n);
                num(&mut p, k.tv, sp.qty_dec);
                p.push_str("\",\"");
                num(&mut p, quote(k.tq), 8);
                p.push_str("\",\"0\"]");
            }
            p.push(']');
            p
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let mut s = String::new();
        num(&mut s, 6_183_763_000_000, 8);
        assert_eq!(s, "61837.63000000");
        s.clear();
        num(&mut s, 6_183_760_000_000, 2);
        assert_eq!(s, "61837.60");
        s.clear();
        num(&mut s, 300_000_000, 0);
        assert_eq!(s, "3");
        s.clear();
        num(&mut s, 1000, 8);
        assert_eq!(s, "0.00001000");
    }
}
