//! The sources' run loops, and the replay source: capture frames classified by stream and
//! re-published, REST depth snapshots of the capture served per symbol.

use super::hub::DataMsg;
use super::synth::SynthMarket;
use super::ws::stream_key;
use super::{lock, Market, Shared};
use crate::event::Venue;
use crate::record::{FrameKind, Reader};
use std::collections::HashMap;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A source ready to run on the source thread.
pub(crate) enum Runner {
    Synth(Arc<SynthMarket>, u32),
    Neutral(
        &'static dyn super::dialect::Dialect,
        Arc<super::dialect::NeutralMarket>,
        u32,
    ),
    Replay(Arc<ReplayMarket>, Vec<PathBuf>, Option<f64>, bool),
}

impl Runner {
    pub(crate) fn run(self, shared: &Shared) {
        if !shared.wait_for_subscriber() {
            return;
        }
        match self {
            Runner::Neutral(d, m, rate) => {
                let mut start = Instant::now();
                let mut sent = 0u64;
                loop {
                    if !shared.wait_while_stalled() {
                        return;
                    }
                    sent += m.step(d, shared).max(1) as u64;
                    let due = start + Duration::from_secs_f64(sent as f64 / f64::from(rate));
                    let now = Instant::now();
                    if due > now {
                        if !shared.sleep(due - now) {
                            return;
                        }
                    } else if now - due > Duration::from_millis(500) {
                        start = now;
                        sent = 0;
                    }
                }
            }
            Runner::Synth(m, rate) => {
                let mut start = Instant::now();
                let mut sent = 0u64;
                loop {
                    if !shared.wait_while_stalled() {
                        return;
                    }
                    sent += m.step(shared) as u64;
                    let due = start + Duration::from_secs_f64(sent as f64 / f64::from(rate));
                    let now = Instant::now();
                    if due > now {
                        if !shared.sleep(due - now) {
                            return;
                        }
                    } else if now - due > Duration::from_millis(500) {
                        // fell behind (a stall, a slow machine): do not burst to catch up
                        start = now;
                        sent = 0;
                    }
                }
            }
            Runner::Replay(m, files, speed, loop_forever) => loop {
                if !m.play(shared, &files, speed) {
                    return;
                }
                if !loop_forever {
                    shared.counters.source_done.store(true, Ordering::Release);
                    return;
                }
                m.rewind();
            },
        }
    }
}

/// A depth snapshot found in a capture.
struct Snap {
    /// Position in the replay (frame index over all files).
    at: u64,
    body: String,
}

#[derive(Default)]
struct ReplayState {
    /// Frames played so far.
    pos: u64,
}

/// The replay market: capture snapshots per symbol, served as they are reached.
pub(crate) struct ReplayMarket {
    venue: Venue,
    snaps: HashMap<String, Vec<Snap>>,
    state: Mutex<ReplayState>,
}

/// A capture frame's stream key, symbol and bare payload.
fn classify(frame: &str) -> Option<(String, String, &str)> {
    #[derive(serde::Deserialize)]
    struct Probe<'a> {
        #[serde(borrow, default)]
        stream: Option<&'a str>,
        #[serde(borrow, default)]
        data: Option<sonic_rs::LazyValue<'a>>,
        #[serde(borrow, default)]
        e: Option<&'a str>,
        #[serde(borrow, default)]
        s: Option<&'a str>,
        #[serde(default)]
        u: Option<u64>,
        #[serde(borrow, default)]
        b: Option<sonic_rs::LazyValue<'a>>,
        #[serde(borrow, default)]
        k: Option<sonic_rs::LazyValue<'a>>,
    }
    if crate::venue::check_nesting(frame.as_bytes()).is_err() {
        return None;
    }
    let p: Probe<'_> = sonic_rs::from_str(frame).ok()?;
    if let (Some(stream), Some(data)) = (p.stream, p.data) {
        let key = stream_key(stream)?;
        let sym = key.split('@').next().unwrap_or("").to_string();
        let raw = data.as_raw_str();
        // borrow the payload from `frame` (as_raw_str borrows it already)
        let start = raw.as_ptr() as usize - frame.as_ptr() as usize;
        return Some((key, sym, &frame[start..start + raw.len()]));
    }
    let sym = p.s?.to_ascii_lowercase();
    let chan = match p.e {
        Some("depthUpdate") => "depth".to_string(),
        Some("trade") => "trade".to_string(),
        Some("aggTrade") => "aggtrade".to_string(),
        Some("bookTicker") => "bookticker".to_string(),
        Some("kline") => {
            #[derive(serde::Deserialize)]
            struct K<'a> {
                #[serde(borrow)]
                i: &'a str,
            }
            let kv = p.k?;
            let k: K<'_> = sonic_rs::from_str(kv.as_raw_str()).ok()?;
            let chan = format!("kline_{}", k.i.to_ascii_lowercase());
            chan
        }
        Some(other) => other.to_ascii_lowercase(),
        None if p.u.is_some() && p.b.is_some() => "bookticker".to_string(),
        None => return None,
    };
    Some((format!("{sym}@{chan}"), sym, frame))
}

/// `[U, u]` of a depth diff payload.
fn diff_range(payload: &str) -> Option<(u64, u64)> {
    #[derive(serde::Deserialize)]
    struct D {
        #[serde(rename = "U")]
        first: u64,
        u: u64,
    }
    let d: D = sonic_rs::from_str(payload).ok()?;
    Some((d.first, d.u))
}

fn snapshot_id(body: &str) -> Option<u64> {
    #[derive(serde::Deserialize)]
    struct S {
        #[serde(rename = "lastUpdateId")]
        id: u64,
    }
    if !body.contains("\"bids\"") {
        return None;
    }
    sonic_rs::from_str::<S>(body).ok().map(|s| s.id)
}

fn snapshot_symbol(body: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct S {
        #[serde(default)]
        symbol: Option<String>,
    }
    sonic_rs::from_str::<S>(body).ok()?.symbol
}

impl ReplayMarket {
    /// Reads the captures once to find each REST depth snapshot's symbol (its own `symbol`,
    /// the recording's request symbol, or the symbol of the first later diff it bridges).
    pub(crate) fn prescan(venue: Venue, files: &[PathBuf]) -> io::Result<ReplayMarket> {
        let mut snaps: HashMap<String, Vec<Snap>> = HashMap::new();
        let mut pending: Vec<(u64, u64, String)> = Vec::new();
        let mut pos = 0u64;
        let mut symbols: Vec<String> = Vec::new();
        for f in files {
            let mut r = Reader::open(f).map_err(|e| io::Error::other(e.to_string()))?;
            loop {
                let frame = match r.next_frame() {
                    Ok(Some(fr)) => fr,
                    Ok(None) => break,
                    Err(e) => return Err(io::Error::other(e.to_string())),
                };
                let Ok(text) = std::str::from_utf8(frame.payload) else {
                    pos += 1;
                    continue;
                };
                match frame.kind {
                    FrameKind::Rest => {
                        if let Some(id) = snapshot_id(text) {
                            let meta = frame.meta.trim();
                            let sym = snapshot_symbol(text).or_else(|| {
                                (!meta.is_empty() && !meta.starts_with("rest"))
                                    .then(|| meta.to_string())
                            });
                            match sym {
                                Some(s) => {
                                    snaps.entry(s.to_ascii_uppercase()).or_default().push(Snap {
                                        at: pos,
                                        body: text.to_string(),
                                    })
                                }
                                None => pending.push((pos, id, text.to_string())),
                            }
                        }
                    }
                    FrameKind::WsText => {
                        if let Some((key, sym, payload)) = classify(text) {
                            if !symbols.contains(&sym) {
                                symbols.push(sym.clone());
                            }
                            if key.ends_with("@depth") && !pending.is_empty() {
                                if let Some((first, last)) = diff_range(payload) {
                                    pending.retain(|(at, id, body)| {
                                        let bridges = first <= id + 1 && *id <= last;
                                        if bridges {
                                            snaps
                                                .entry(sym.to_ascii_uppercase())
                                                .or_default()
                                                .push(Snap {
                                                    at: *at,
                                                    body: body.clone(),
                                                });
                                        }
                                        !bridges
                                    });
                                }
                            }
                        }
                    }
                    _ => {}
                }
                pos += 1;
            }
        }
        if symbols.len() == 1 {
            for (at, _, body) in pending {
                snaps
                    .entry(symbols[0].to_ascii_uppercase())
                    .or_default()
                    .push(Snap { at, body });
            }
        }
        for v in snaps.values_mut() {
            v.sort_by_key(|s| s.at);
        }
        Ok(ReplayMarket {
            venue,
            snaps,
            state: Mutex::new(ReplayState::default()),
        })
    }

    fn rewind(&self) {
        lock(&self.state).pos = 0;
    }

    /// Plays the files once. Returns false if the simulator is stopping.
    fn play(&self, shared: &Shared, files: &[PathBuf], speed: Option<f64>) -> bool {
        let start = Instant::now();
        let mut t0: Option<i64> = None;
        let mut stalled_for = Duration::ZERO;
        for f in files {
            let Ok(mut r) = Reader::open(f) else { continue };
            while let Ok(Some(frame)) = r.next_frame() {
                let ts = frame.ts_recv.0;
                let s0 = Instant::now();
                if !shared.wait_while_stalled() {
                    return false;
                }
                stalled_for += s0.elapsed();
                match speed {
                    Some(sp) if sp > 0.0 && ts > 0 => {
                        let base = *t0.get_or_insert(ts);
                        let offset = (ts.saturating_sub(base)) as f64 / sp / 1e9;
                        let due = Duration::try_from_secs_f64(offset.max(0.0))
                            .ok()
                            .and_then(|o| stalled_for.checked_add(o))
                            .and_then(|o| start.checked_add(o));
                        let now = Instant::now();
                        if let Some(due) = due {
                            if due > now && !shared.sleep(due - now) {
                                return false;
                            }
                        }
                    }
                    _ => {
                        // as fast as possible, but no faster than the slowest client
                        let mut waited = Duration::ZERO;
                        while shared.hub.max_backlog() > 50_000 && waited < Duration::from_secs(10)
                        {
                            if !shared.sleep(Duration::from_millis(1)) {
                                return false;
                            }
                            waited += Duration::from_millis(1);
                        }
                    }
                }
                if frame.kind == FrameKind::WsText {
                    if let Ok(text) = std::str::from_utf8(frame.payload) {
                        if let Some((key, sym, payload)) = classify(text) {
                            let is_diff = key.ends_with("@depth");
                            shared.publish(DataMsg {
                                key: Arc::from(key),
                                symbol: Arc::from(sym),
                                is_diff,
                                payload: Arc::from(payload),
                                seq: 0,
                            });
                        }
                    }
                }
                lock(&self.state).pos += 1;
            }
        }
        true
    }
}

impl Market for ReplayMarket {
    fn depth(&self, symbol: &str, _limit: usize, stale: bool) -> Option<String> {
        let v = self.snaps.get(symbol)?;
        let pos = lock(&self.state).pos;
        // the latest snapshot reached, or else the first one still ahead
        let reached = v.iter().rposition(|s| s.at < pos);
        let i = reached.unwrap_or(0);
        if stale {
            if let Some(j) = i.checked_sub(1) {
                return Some(v[j].body.clone());
            }
            // only one snapshot: the same book, claimed 1000 ids older
            let body = &v[i].body;
            let id = snapshot_id(body)?;
            return Some(body.replacen(
                &format!("\"lastUpdateId\":{id}"),
                &format!("\"lastUpdateId\":{}", id.saturating_sub(1000)),
                1,
            ));
        }
        let _ = self.venue;
        Some(v[i].body.clone())
    }

    fn trades(&self, symbol: &str, _limit: usize) -> Option<String> {
        self.snaps.get(symbol).map(|_| "[]".to_string())
    }

    fn klines(&self, symbol: &str, _interval: &str, _limit: usize) -> Option<String> {
        self.snaps.get(symbol).map(|_| "[]".to_string())
    }
}

/// The REST market of dialect venues lives in their dialect: this one knows nothing.
pub(crate) struct NoMarket;

impl Market for NoMarket {
    fn depth(&self, _symbol: &str, _limit: usize, _stale: bool) -> Option<String> {
        None
    }
    fn trades(&self, _symbol: &str, _limit: usize) -> Option<String> {
        None
    }
    fn klines(&self, _symbol: &str, _interval: &str, _limit: usize) -> Option<String> {
        None
    }
}
