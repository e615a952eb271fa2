//! Recordings: raw frames with their receive stamps, in two formats.
//!
//! * **tickwire recording** (`.twrec`, written by `tickwire record`): binary, compact, checked.
//!
//!   ```text
//!   file    := header record*
//!   header  := "TWREC" 0x00 version:u16le(=1) venue_len:u16le venue:utf8[venue_len]
//!   record  := len:u32le kind:u8 meta_len:u8 conn:u16le ts_recv:i64le crc:u32le
//!              meta:[meta_len] payload:[len]
//!   kind    := 1 WebSocket text | 2 WebSocket binary | 3 REST body | 4 client sent
//!   crc     := CRC-32 (IEEE) of kind, meta_len, conn, ts_recv, meta and payload
//!   ```
//!   `meta` is free text: for REST bodies the request's symbol (`BTCUSDT`), so a snapshot can be
//!   matched to its book. A record larger than [`MAX_RECORD`] is refused on write and read.
//!   A file cut short ends with [`RecordError::Truncated`]; a flipped bit gives
//!   [`RecordError::Corrupt`]; both name the byte offset.
//!
//! * **corpus TSV** (`../shared/corpus/README.md`): `recv_ns TAB conn TAB channel TAB frame` per
//!   line, a header line first. `client_sent` rows are what the recorder sent (kind 4);
//!   `rest_*` rows are REST bodies (kind 3); every other row is a WebSocket frame (kind 1),
//!   whatever its label: frames are classified by content.
//!
//! [`Reader::open`] detects the format by the first bytes. Readers reuse one buffer: reading
//! allocates only when a frame is larger than any before.

use crate::event::Nanos;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

/// The magic at the start of a tickwire recording.
pub const MAGIC: &[u8; 6] = b"TWREC\0";
/// The recording format version this build writes and reads.
pub const VERSION: u16 = 1;
/// Largest payload accepted in a record (64 MiB).
pub const MAX_RECORD: usize = 64 << 20;
const RECORD_HEADER: usize = 20;

/// What a recorded frame is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum FrameKind {
    /// A WebSocket text frame.
    WsText = 1,
    /// A WebSocket binary frame.
    WsBinary = 2,
    /// A REST response body.
    Rest = 3,
    /// Something the client sent (not exchange output; replay skips it).
    ClientSent = 4,
}

impl FrameKind {
    fn from_u8(v: u8) -> Option<FrameKind> {
        Some(match v {
            1 => FrameKind::WsText,
            2 => FrameKind::WsBinary,
            3 => FrameKind::Rest,
            4 => FrameKind::ClientSent,
            _ => return None,
        })
    }
}

/// One frame read from a recording, borrowed from the reader's buffer.
#[derive(Debug)]
pub struct Frame<'a> {
    /// Receive stamp.
    pub ts_recv: Nanos,
    /// What it is.
    pub kind: FrameKind,
    /// Connection number (recordings) or 0 (TSV).
    pub conn: u16,
    /// Free text: REST request symbol (recordings) or the TSV channel label.
    pub meta: &'a str,
    /// The bytes as received.
    pub payload: &'a [u8],
}

/// Why a recording could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub enum RecordError {
    /// The file could not be opened or read.
    Io(PathBuf, io::Error),
    /// Neither a tickwire recording nor a corpus TSV.
    UnknownFormat(PathBuf),
    /// A recording from a newer version.
    UnsupportedVersion(PathBuf, u16),
    /// The file ends inside a record.
    Truncated(PathBuf, u64),
    /// A record's checksum or header is wrong.
    Corrupt(PathBuf, u64, &'static str),
    /// A TSV line is not `recv_ns TAB conn TAB channel TAB frame`.
    BadLine(PathBuf, u64),
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordError::Io(p, e) => write!(f, "{}: {e}", p.display()),
            RecordError::UnknownFormat(p) => {
                write!(f, "{}: neither a tickwire recording nor a corpus TSV (recv_ns<TAB>conn<TAB>channel<TAB>frame)", p.display())
            }
            RecordError::UnsupportedVersion(p, v) => write!(
                f,
                "{}: recording version {v} is newer than this build ({VERSION})",
                p.display()
            ),
            RecordError::Truncated(p, off) => write!(
                f,
                "{}: recording ends inside a record at byte {off}",
                p.display()
            ),
            RecordError::Corrupt(p, off, why) => {
                write!(f, "{}: corrupt record at byte {off}: {why}", p.display())
            }
            RecordError::BadLine(p, line) => {
                write!(f, "{}:{line}: not a corpus TSV row", p.display())
            }
        }
    }
}

impl std::error::Error for RecordError {}

enum Format {
    Twrec { venue: String },
    Tsv { line: u64, header_skipped: bool },
}

/// Reads frames from one recording file, in either format.
pub struct Reader {
    path: PathBuf,
    input: BufReader<Box<dyn Read + Send>>,
    format: Format,
    buf: Vec<u8>,
    offset: u64,
}

impl fmt::Debug for Reader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reader")
            .field("path", &self.path)
            .field("offset", &self.offset)
            .finish()
    }
}

impl Reader {
    /// Opens a recording, detecting its format.
    pub fn open(path: impl AsRef<Path>) -> Result<Reader, RecordError> {
        let path = path.as_ref().to_path_buf();
        let file = File::open(&path).map_err(|e| RecordError::Io(path.clone(), e))?;
        Reader::from_read(path, Box::new(file))
    }

    /// Reads a recording from any byte source (`path` names it in errors).
    pub fn from_read(path: PathBuf, read: Box<dyn Read + Send>) -> Result<Reader, RecordError> {
        let mut input = BufReader::with_capacity(1 << 16, read);
        let head = input
            .fill_buf()
            .map_err(|e| RecordError::Io(path.clone(), e))?;
        let format = if head.starts_with(MAGIC) {
            let mut h = [0u8; 10];
            input
                .read_exact(&mut h)
                .map_err(|_| RecordError::Truncated(path.clone(), 0))?;
            let version = u16::from_le_bytes([h[6], h[7]]);
            if version != VERSION {
                return Err(RecordError::UnsupportedVersion(path, version));
            }
            let vlen = u16::from_le_bytes([h[8], h[9]]) as usize;
            let mut v = vec![0u8; vlen];
            input
                .read_exact(&mut v)
                .map_err(|_| RecordError::Truncated(path.clone(), 10))?;
            let venue = String::from_utf8(v)
                .map_err(|_| RecordError::Corrupt(path.clone(), 10, "venue name is not UTF-8"))?;
            Format::Twrec { venue }
        } else if head.starts_with(b"recv_ns\t") || looks_like_tsv_row(head) {
            Format::Tsv {
                line: 0,
                header_skipped: false,
            }
        } else {
            return Err(RecordError::UnknownFormat(path));
        };
        let offset = match &format {
            Format::Twrec { venue } => 10 + venue.len() as u64,
            Format::Tsv { .. } => 0,
        };
        Ok(Reader {
            path,
            input,
            format,
            buf: Vec::with_capacity(1 << 16),
            offset,
        })
    }

    /// The venue named in a recording's header (`None` for TSV or an empty name).
    pub fn venue(&self) -> Option<&str> {
        match &self.format {
            Format::Twrec { venue } if !venue.is_empty() => Some(venue),
            _ => None,
        }
    }

    /// The path being read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next frame, or `None` at the end.
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, RecordError> {
        match self.format {
            Format::Twrec { .. } => self.next_twrec(),
            Format::Tsv { .. } => self.next_tsv(),
        }
    }

    fn next_twrec(&mut self) -> Result<Option<Frame<'_>>, RecordError> {
        let at = self.offset;
        let mut h = [0u8; RECORD_HEADER];
        match read_full(&mut self.input, &mut h) {
            Ok(0) => return Ok(None),
            Ok(n) if n < RECORD_HEADER => {
                return Err(RecordError::Truncated(self.path.clone(), at))
            }
            Ok(_) => {}
            Err(e) => return Err(RecordError::Io(self.path.clone(), e)),
        }
        let len = u32::from_le_bytes([h[0], h[1], h[2], h[3]]) as usize;
        let kind = FrameKind::from_u8(h[4])
            .ok_or_else(|| RecordError::Corrupt(self.path.clone(), at, "unknown frame kind"))?;
        let meta_len = h[5] as usize;
        let conn = u16::from_le_bytes([h[6], h[7]]);
        let ts = i64::from_le_bytes([h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]]);
        let crc = u32::from_le_bytes([h[16], h[17], h[18], h[19]]);
        if len > MAX_RECORD {
            return Err(RecordError::Corrupt(
                self.path.clone(),
                at,
                "record length over the limit",
            ));
        }
        self.buf.resize(meta_len + len, 0);
        match read_full(&mut self.input, &mut self.buf) {
            Ok(n) if n == self.buf.len() => {}
            Ok(_) => return Err(RecordError::Truncated(self.path.clone(), at)),
            Err(e) => return Err(RecordError::Io(self.path.clone(), e)),
        }
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&h[4..16]);
        hasher.update(&self.buf);
        if hasher.finalize() != crc {
            return Err(RecordError::Corrupt(
                self.path.clone(),
                at,
                "checksum mismatch",
            ));
        }
        self.offset += (RECORD_HEADER + meta_len + len) as u64;
        let (meta, payload) = self.buf.split_at(meta_len);
        let meta = std::str::from_utf8(meta)
            .map_err(|_| RecordError::Corrupt(self.path.clone(), at, "meta is not UTF-8"))?;
        Ok(Some(Frame {
            ts_recv: Nanos(ts),
            kind,
            conn,
            meta,
            payload,
        }))
    }

    fn next_tsv(&mut self) -> Result<Option<Frame<'_>>, RecordError> {
        loop {
            self.buf.clear();
            let n = self
                .input
                .read_until(b'\n', &mut self.buf)
                .map_err(|e| RecordError::Io(self.path.clone(), e))?;
            if n == 0 {
                return Ok(None);
            }
            self.offset += n as u64;
            let Format::Tsv {
                line,
                header_skipped,
            } = &mut self.format
            else {
                unreachable!("tsv reader")
            };
            *line += 1;
            let line_no = *line;
            while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
                self.buf.pop();
            }
            if self.buf.is_empty() {
                continue;
            }
            if !*header_skipped {
                *header_skipped = true;
                if self.buf.starts_with(b"recv_ns\t") {
                    continue;
                }
            }
            // Re-borrow for the split below.
            let mut cols = self.buf.splitn(4, |&c| c == b'\t');
            let (Some(ts), Some(_conn), Some(channel), Some(frame)) =
                (cols.next(), cols.next(), cols.next(), cols.next())
            else {
                return Err(RecordError::BadLine(self.path.clone(), line_no));
            };
            let ts: i64 = std::str::from_utf8(ts)
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| RecordError::BadLine(self.path.clone(), line_no))?;
            let channel = std::str::from_utf8(channel)
                .map_err(|_| RecordError::BadLine(self.path.clone(), line_no))?;
            let kind = if channel == "client_sent" {
                FrameKind::ClientSent
            } else if channel.starts_with("rest_") {
                FrameKind::Rest
            } else {
                FrameKind::WsText
            };
            return Ok(Some(Frame {
                ts_recv: Nanos(ts),
                kind,
                conn: 0,
                meta: channel,
                payload: frame,
            }));
        }
    }
}

fn looks_like_tsv_row(head: &[u8]) -> bool {
    let digits = head.iter().take_while(|c| c.is_ascii_digit()).count();
    digits > 0 && head.get(digits) == Some(&b'\t')
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Writes a tickwire recording.
#[derive(Debug)]
pub struct Writer<W: Write> {
    out: W,
}

impl<W: Write> Writer<W> {
    /// Starts a recording for `venue` (may be empty) on `out`.
    pub fn new(mut out: W, venue: &str) -> io::Result<Writer<W>> {
        let v = venue.as_bytes();
        let vlen = u16::try_from(v.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "venue name too long"))?;
        out.write_all(MAGIC)?;
        out.write_all(&VERSION.to_le_bytes())?;
        out.write_all(&vlen.to_le_bytes())?;
        out.write_all(v)?;
        Ok(Writer { out })
    }

    /// Appends one frame.
    pub fn write(
        &mut self,
        kind: FrameKind,
        conn: u16,
        ts_recv: Nanos,
        meta: &str,
        payload: &[u8],
    ) -> io::Result<()> {
        if payload.len() > MAX_RECORD {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "frame larger than the recording limit",
            ));
        }
        let meta = meta.as_bytes();
        let meta = &meta[..meta.len().min(255)];
        let mut h = [0u8; RECORD_HEADER];
        h[0..4].copy_from_slice(&(payload.len() as u32).to_le_bytes());
        h[4] = kind as u8;
        h[5] = meta.len() as u8;
        h[6..8].copy_from_slice(&conn.to_le_bytes());
        h[8..16].copy_from_slice(&ts_recv.0.to_le_bytes());
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&h[4..16]);
        hasher.update(meta);
        hasher.update(payload);
        h[16..20].copy_from_slice(&hasher.finalize().to_le_bytes());
        self.out.write_all(&h)?;
        self.out.write_all(meta)?;
        self.out.write_all(payload)
    }

    /// Flushes and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn reader(bytes: Vec<u8>) -> Result<Reader, RecordError> {
        Reader::from_read(PathBuf::from("mem"), Box::new(Cursor::new(bytes)))
    }

    fn sample() -> Vec<u8> {
        let mut w = Writer::new(Vec::new(), "binance").unwrap();
        w.write(FrameKind::WsText, 1, Nanos(10), "", b"{\"a\":1}")
            .unwrap();
        w.write(
            FrameKind::Rest,
            0,
            Nanos(20),
            "BTCUSDT",
            b"{\"lastUpdateId\":1}",
        )
        .unwrap();
        w.finish().unwrap()
    }

    #[test]
    fn twrec_round_trips() {
        let mut r = reader(sample()).unwrap();
        assert_eq!(r.venue(), Some("binance"));
        let f = r.next_frame().unwrap().unwrap();
        assert_eq!(
            (f.kind, f.conn, f.ts_recv, f.payload),
            (FrameKind::WsText, 1, Nanos(10), &b"{\"a\":1}"[..])
        );
        let f = r.next_frame().unwrap().unwrap();
        assert_eq!((f.kind, f.meta), (FrameKind::Rest, "BTCUSDT"));
        assert!(r.next_frame().unwrap().is_none());
    }

    #[test]
    fn truncation_and_corruption_are_errors_with_offsets() {
        let full = sample();
        for cut in [full.len() - 1, full.len() - 20, 20] {
            let mut r = reader(full[..cut].to_vec()).unwrap();
            let mut err = None;
            for _ in 0..3 {
                match r.next_frame() {
                    Ok(Some(_)) => continue,
                    Ok(None) => break,
                    Err(e) => {
                        err = Some(e);
                        break;
                    }
                }
            }
            assert!(
                matches!(err, Some(RecordError::Truncated(..))),
                "cut at {cut}: {err:?}"
            );
        }
        let mut bad = full.clone();
        let last = bad.len() - 2;
        bad[last] ^= 0x20;
        let mut r = reader(bad).unwrap();
        r.next_frame().unwrap();
        let e = r.next_frame().unwrap_err();
        assert!(
            matches!(e, RecordError::Corrupt(_, 44, "checksum mismatch")),
            "{e}"
        );
    }

    #[test]
    fn tsv_rows_are_classified_by_channel_prefix() {
        let text = "recv_ns\tconn\tchannel\tframe\n1\tc\tclient_sent\t{}\n2\tc\trest_depth_snapshot\t{\"x\":1}\n3\tc\tanything\t{\"a\":\"b\\tc\"}\n";
        let mut r = reader(text.as_bytes().to_vec()).unwrap();
        let kinds: Vec<(FrameKind, i64)> =
            std::iter::from_fn(|| r.next_frame().unwrap().map(|f| (f.kind, f.ts_recv.0))).collect();
        assert_eq!(
            kinds,
            vec![
                (FrameKind::ClientSent, 1),
                (FrameKind::Rest, 2),
                (FrameKind::WsText, 3)
            ]
        );
        assert!(matches!(
            reader(b"hello".to_vec()),
            Err(RecordError::UnknownFormat(_))
        ));
        let mut r = reader(b"1\tonly-two\n".to_vec()).unwrap();
        assert!(matches!(r.next_frame(), Err(RecordError::BadLine(_, 1))));
    }
}
