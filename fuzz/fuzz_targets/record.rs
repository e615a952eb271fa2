//! The recording reader (`tickwire::record::Reader`, `.twrec` and corpus TSV) on arbitrary
//! bytes: no panic, no unbounded loop; every frame it returns is well formed; and a `.twrec`
//! read without error writes back (`Writer`) to a file that reads as the same frames.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::Cursor;
use std::path::PathBuf;
use tickwire::event::Nanos;
use tickwire::record::{FrameKind, Reader, Writer, MAX_RECORD};

type Owned = (i64, FrameKind, u16, String, Vec<u8>);

/// Every frame of `bytes` (stops at the first error, which is returned with them).
fn read_all(bytes: Vec<u8>) -> Option<(Option<String>, Vec<Owned>, bool)> {
    let len = bytes.len();
    let mut r =
        Reader::from_read(PathBuf::from("fuzz-input"), Box::new(Cursor::new(bytes))).ok()?;
    let venue = r.venue().map(str::to_owned);
    let mut frames = Vec::new();
    let mut clean = true;
    loop {
        match r.next_frame() {
            Ok(Some(f)) => {
                assert!(f.payload.len() <= MAX_RECORD);
                assert!(
                    f.meta.len() + f.payload.len() <= len,
                    "a frame larger than its input"
                );
                frames.push((
                    f.ts_recv.0,
                    f.kind,
                    f.conn,
                    f.meta.to_owned(),
                    f.payload.to_vec(),
                ));
                // every frame consumes input: more frames than bytes means a loop
                assert!(frames.len() <= len);
            }
            Ok(None) => break,
            Err(e) => {
                let _ = e.to_string();
                clean = false;
                break;
            }
        }
    }
    Some((venue, frames, clean))
}

fuzz_target!(|data: &[u8]| {
    let Some((venue, frames, clean)) = read_all(data.to_vec()) else {
        return;
    };
    if !clean || !data.starts_with(tickwire::record::MAGIC) {
        return;
    }
    let mut w = Writer::new(Vec::new(), venue.as_deref().unwrap_or("")).expect("header");
    for (ts, kind, conn, meta, payload) in &frames {
        w.write(*kind, *conn, Nanos(*ts), meta, payload)
            .expect("write");
    }
    let out = w.finish().expect("finish");
    assert_eq!(
        out.as_slice(),
        data,
        "a clean recording writes back byte for byte"
    );
    let (venue2, frames2, clean2) = read_all(out).expect("reads back");
    assert!(clean2);
    assert_eq!((venue, frames), (venue2, frames2));
});
