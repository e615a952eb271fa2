//! Fan-out of market data to the WebSocket connections, with the data-path faults applied on
//! the way (so every connection sees the same fault).

use super::fault::Pending;
use std::collections::HashMap;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, MutexGuard};

/// Connections whose queue grows beyond this many frames are dropped as slow consumers.
pub(crate) const MAX_BACKLOG: usize = 200_000;

/// What a source publishes: one data frame of one stream.
#[derive(Debug, Clone)]
pub(crate) struct DataMsg {
    /// Canonical stream key (`btcusdt@depth`, see [`super::ws::stream_key`]).
    pub key: Arc<str>,
    /// Lower-case symbol (for `Drop`).
    pub symbol: Arc<str>,
    /// Whether it is a depth diff (for `Drop`).
    pub is_diff: bool,
    /// The bare payload (the raw-stream frame).
    pub payload: Arc<str>,
    /// Book diffs of dialect venues: the book sequence after this diff (0 otherwise).
    pub seq: u64,
}

/// What a connection receives.
#[derive(Debug)]
pub(crate) enum Out {
    /// A data frame; `corrupt` means send it truncated.
    Data { msg: DataMsg, corrupt: bool },
    /// One frame of exactly this many bytes.
    Oversize(usize),
}

/// A registered connection.
pub(crate) struct ConnHandle {
    pub id: u64,
    pub tx: Sender<Arc<Out>>,
    pub backlog: Arc<AtomicUsize>,
    pub sock: Option<TcpStream>,
}

/// The hub.
#[derive(Default)]
pub(crate) struct Hub {
    conns: Mutex<Vec<ConnHandle>>,
    pending: Mutex<Pending>,
    held: Mutex<Option<DataMsg>>,
    wanted: Mutex<HashMap<String, usize>>,
    /// Some connection has subscribed to something (sources may wait for it).
    pub any_subscribed: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means another simulator thread panicked mid-update; the data are
    // counters and queues that stay usable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Hub {
    /// Registers a connection, replacing any earlier handle with the same id (the placeholder
    /// a connection holds before it is a WebSocket).
    pub(crate) fn register(&self, h: ConnHandle) {
        let mut conns = lock(&self.conns);
        conns.retain(|c| c.id != h.id);
        conns.push(h);
    }

    pub(crate) fn unregister(&self, id: u64) {
        lock(&self.conns).retain(|c| c.id != id);
    }

    /// Shuts every connection's socket (abrupt disconnect; unblocks their threads).
    pub(crate) fn disconnect_all(&self) {
        for c in lock(&self.conns).iter() {
            if let Some(s) = &c.sock {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }

    /// Largest queue of any connection.
    pub(crate) fn max_backlog(&self) -> usize {
        lock(&self.conns)
            .iter()
            .map(|c| c.backlog.load(Ordering::Relaxed))
            .max()
            .unwrap_or(0)
    }

    pub(crate) fn pending(&self) -> MutexGuard<'_, Pending> {
        lock(&self.pending)
    }

    /// Counts subscriptions per key (`delta` +1 / -1).
    pub(crate) fn want(&self, key: &str, delta: isize) {
        let mut w = lock(&self.wanted);
        let n = w.entry(key.to_string()).or_insert(0);
        *n = n.saturating_add_signed(delta);
        if *n == 0 {
            w.remove(key);
        }
        if delta > 0 {
            self.any_subscribed.store(true, Ordering::Release);
        }
    }

    /// Whether any connection is subscribed to `key`.
    pub(crate) fn wants(&self, key: &str) -> bool {
        lock(&self.wanted).contains_key(key)
    }

    fn send(&self, out: Out) {
        let out = Arc::new(out);
        let conns = lock(&self.conns);
        for c in conns.iter() {
            if c.backlog.load(Ordering::Relaxed) >= MAX_BACKLOG {
                // slow consumer: Binance drops it too
                if let Some(s) = &c.sock {
                    let _ = s.shutdown(Shutdown::Both);
                }
                continue;
            }
            c.backlog.fetch_add(1, Ordering::Relaxed);
            if c.tx.send(out.clone()).is_err() {
                c.backlog.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }

    /// Sends one frame of `bytes` bytes to every connection.
    pub(crate) fn oversize(&self, bytes: usize) {
        self.send(Out::Oversize(bytes));
    }

    /// Publishes a data frame through the pending faults.
    pub(crate) fn publish(&self, msg: DataMsg) {
        let (corrupt, dup, reorder) = {
            let mut p = self.pending();
            if msg.seq != 0
                && p.dropped_change
                    .as_ref()
                    .is_some_and(|(sym, seq)| **sym == *msg.symbol && *seq == msg.seq)
            {
                return;
            }
            if p.drop > 0 && msg.is_diff {
                let sym = p.drop_symbol.get_or_insert_with(|| msg.symbol.to_string());
                if **sym == *msg.symbol {
                    if msg.seq != 0 {
                        p.dropped_change = Some((msg.symbol.to_string(), msg.seq));
                    }
                    p.drop -= 1;
                    if p.drop == 0 {
                        p.drop_symbol = None;
                    }
                    return;
                }
            }
            let corrupt = p.corrupt > 0;
            if corrupt {
                p.corrupt -= 1;
            }
            let dup = p.duplicate > 0;
            if dup {
                p.duplicate -= 1;
            }
            let reorder = p.reorder;
            (corrupt, dup, reorder)
        };
        if reorder {
            let mut held = lock(&self.held);
            match held.take() {
                None => {
                    *held = Some(msg);
                    return;
                }
                Some(first) if first.key == msg.key => {
                    self.pending().reorder = false;
                    drop(held);
                    self.send(Out::Data {
                        msg: msg.clone(),
                        corrupt,
                    });
                    self.send(Out::Data {
                        msg: first,
                        corrupt: false,
                    });
                    return;
                }
                Some(first) => {
                    // other streams pass while the held frame waits for the next of its own
                    *held = Some(first);
                }
            }
        }
        if dup {
            self.send(Out::Data {
                msg: msg.clone(),
                corrupt,
            });
        }
        self.send(Out::Data { msg, corrupt });
    }
}
