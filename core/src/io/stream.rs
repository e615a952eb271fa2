//! A non-blocking TCP stream with rustls driven by hand (`read_tls` / `process_new_packets` /
//! `write_tls`), exposed as `Read + Write` for tungstenite. `StreamOwned` is not used: it can
//! block on non-blocking sockets.
//!
//! Every socket read that returns data stamps [`NetStream::last_read`]: the receive time of
//! whatever frame that read completes.

use crate::event::Nanos;
use crate::sys;
use mio::net::TcpStream;
use rustls::ClientConnection;
use std::io::{self, Read, Write};

/// TCP, with or without TLS.
#[derive(Debug)]
pub struct NetStream {
    /// The socket.
    pub tcp: TcpStream,
    tls: Option<Box<ClientConnection>>,
    /// Receive stamp of the most recent socket read that returned data.
    pub last_read: Nanos,
    /// Bytes read from the socket.
    pub bytes_read: u64,
    eof: bool,
}

impl NetStream {
    /// Wraps a connected (or connecting) socket.
    pub fn new(tcp: TcpStream, tls: Option<ClientConnection>) -> Self {
        NetStream {
            tcp,
            tls: tls.map(Box::new),
            last_read: Nanos(0),
            bytes_read: 0,
            eof: false,
        }
    }

    /// Whether the TLS layer has data to send (the caller should keep WRITABLE interest).
    pub fn wants_write(&self) -> bool {
        self.tls.as_ref().is_some_and(|t| t.wants_write())
    }

    /// Sends whatever TLS records are pending, until the socket would block.
    pub fn flush_tls(&mut self) -> io::Result<()> {
        if let Some(tls) = self.tls.as_mut() {
            while tls.wants_write() {
                match tls.write_tls(&mut self.tcp) {
                    Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }

    fn read_socket(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.tcp.read(buf) {
                Ok(n) => {
                    if n > 0 {
                        self.last_read = sys::now();
                        self.bytes_read += n as u64;
                    }
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

impl Read for NetStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.tls.is_none() {
            return self.read_socket(buf);
        }
        let NetStream {
            tcp,
            tls,
            last_read,
            bytes_read,
            eof,
        } = self;
        let Some(tls) = tls.as_deref_mut() else {
            return Ok(0);
        };
        loop {
            match tls.reader().read(buf) {
                Ok(n) => return Ok(n), // 0: the peer sent close_notify
                Err(e) if e.kind() == io::ErrorKind::WouldBlock && !*eof => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Err(io::ErrorKind::UnexpectedEof.into())
                }
                Err(e) => return Err(e), // UnexpectedEof: closed without close_notify
            }
            // No plaintext buffered: read TLS records (WouldBlock ends the call).
            let n = match tls.read_tls(tcp) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                *eof = true;
            } else {
                *last_read = sys::now();
                *bytes_read += n as u64;
            }
            tls.process_new_packets()
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, TlsFailure(e)))?;
            // handshake messages and alerts go out as soon as they exist
            while tls.wants_write() {
                match tls.write_tls(tcp) {
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
    }
}

impl Write for NetStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.tls.as_mut() {
            None => self.tcp.write(buf),
            Some(tls) => {
                let n = tls.writer().write(buf)?;
                self.flush_tls()?;
                Ok(n)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.tls.as_mut() {
            None => self.tcp.flush(),
            Some(_) => {
                self.flush_tls()?;
                if self.wants_write() {
                    Err(io::ErrorKind::WouldBlock.into())
                } else {
                    Ok(())
                }
            }
        }
    }
}

/// A TLS failure carried inside an `io::Error` (so callers can tell it from a socket error).
#[derive(Debug)]
pub struct TlsFailure(pub rustls::Error);

impl std::fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TLS: {}", self.0)
    }
}

impl std::error::Error for TlsFailure {}
