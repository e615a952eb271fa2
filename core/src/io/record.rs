//! Recording raw frames from the live path into a `.twrec` file on a writer thread (so the io
//! shards never touch the disk). Recording copies each frame once; it is not the zero-allocation
//! path.

use crate::event::Nanos;
use crate::record::{FrameKind, Writer};
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;

struct Item {
    kind: FrameKind,
    conn: u16,
    ts: Nanos,
    meta: String,
    payload: Vec<u8>,
}

/// The sending side, cloned into every session and the REST worker.
#[derive(Clone)]
pub struct RecordTx {
    tx: SyncSender<Item>,
    dropped: Arc<AtomicU64>,
}

impl std::fmt::Debug for RecordTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecordTx")
    }
}

impl RecordTx {
    /// Queues one frame; if the writer is 64 Ki frames behind, the frame is counted as dropped
    /// rather than stalling the io shard.
    pub fn frame(&self, kind: FrameKind, conn: u16, ts: Nanos, meta: &str, payload: &[u8]) {
        let item = Item {
            kind,
            conn,
            ts,
            meta: meta.to_string(),
            payload: payload.to_vec(),
        };
        if let Err(TrySendError::Full(_)) = self.tx.try_send(item) {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Frames the writer could not keep up with.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// Starts a writer thread for `path`; it ends (flushing the file) when every `RecordTx` is gone.
pub fn start(
    path: &Path,
    venue: &str,
) -> std::io::Result<(RecordTx, JoinHandle<std::io::Result<u64>>)> {
    let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut writer = Writer::new(file, venue)?;
    let (tx, rx): (SyncSender<Item>, Receiver<Item>) = sync_channel(1 << 16);
    let handle = std::thread::Builder::new()
        .name("tickwire-record".into())
        .spawn(move || {
            let mut n = 0u64;
            for item in rx {
                writer.write(item.kind, item.conn, item.ts, &item.meta, &item.payload)?;
                n += 1;
            }
            writer.finish()?;
            Ok(n)
        })?;
    Ok((
        RecordTx {
            tx,
            dropped: Arc::new(AtomicU64::new(0)),
        },
        handle,
    ))
}
