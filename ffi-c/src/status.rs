//! Status codes: stable values grouped by range (0 ok; 1xx arguments; 2xx configuration and
//! venues; 3xx I/O, recordings and TLS; 4xx state; 9xx internal).

use std::ffi::{c_char, c_int};

/// Success.
pub const TW_OK: c_int = 0;
/// A required pointer argument is NULL.
pub const TW_NULL_ARGUMENT: c_int = 101;
/// An argument is out of range or malformed (e.g. zero capacity, text not UTF-8).
pub const TW_INVALID_ARGUMENT: c_int = 102;
/// The configuration is not valid JSON.
pub const TW_INVALID_JSON: c_int = 103;
/// An output buffer is too small; nothing was written.
pub const TW_BUFFER_TOO_SMALL: c_int = 104;
/// The handle is not live: freed already, or never returned by a `_new` call.
pub const TW_INVALID_HANDLE: c_int = 105;
/// The configuration is valid JSON but not a valid configuration (unknown key, wrong type,
/// missing or conflicting fields, bad overflow policy).
pub const TW_INVALID_CONFIG: c_int = 201;
/// Unknown venue name or number.
pub const TW_UNKNOWN_VENUE: c_int = 202;
/// A subscription string is malformed (expected `venue:SYMBOL[:channel,...]`).
pub const TW_INVALID_SUBSCRIPTION: c_int = 203;
/// A file could not be opened or read.
pub const TW_IO: c_int = 301;
/// A recording is of an unknown format, truncated or corrupt.
pub const TW_BAD_RECORDING: c_int = 302;
/// The TLS configuration (the CA certificate) is unusable.
pub const TW_TLS: c_int = 303;
/// The engine could not start (threads, poller).
pub const TW_ENGINE: c_int = 304;
/// The replay has delivered every event. Returned by every later poll/wait.
pub const TW_FINISHED: c_int = 401;
/// The feed was closed with `tw_feed_close`.
pub const TW_CLOSED: c_int = 402;
/// The instrument has no live book (no snapshot yet, or resyncing).
pub const TW_NO_BOOK: c_int = 403;
/// No such instrument.
pub const TW_NOT_FOUND: c_int = 404;
/// A Rust panic was caught at the boundary (a bug: please report it with the message).
pub const TW_PANIC: c_int = 901;
/// An internal error.
pub const TW_INTERNAL: c_int = 902;

/// A short static description of a status code (`"unknown status"` for values not listed).
/// Never NULL.
///
/// Thread-safety: any thread.
#[no_mangle]
pub extern "C" fn tw_status_str(status: c_int) -> *const c_char {
    let s: &'static str = match status {
        TW_OK => "ok\0",
        TW_NULL_ARGUMENT => "null argument\0",
        TW_INVALID_ARGUMENT => "invalid argument\0",
        TW_INVALID_JSON => "invalid JSON\0",
        TW_BUFFER_TOO_SMALL => "buffer too small\0",
        TW_INVALID_HANDLE => "invalid handle (freed or never created)\0",
        TW_INVALID_CONFIG => "invalid configuration\0",
        TW_UNKNOWN_VENUE => "unknown venue\0",
        TW_INVALID_SUBSCRIPTION => "invalid subscription\0",
        TW_IO => "I/O error\0",
        TW_BAD_RECORDING => "bad recording\0",
        TW_TLS => "TLS configuration error\0",
        TW_ENGINE => "engine start failed\0",
        TW_FINISHED => "finished\0",
        TW_CLOSED => "closed\0",
        TW_NO_BOOK => "no live book\0",
        TW_NOT_FOUND => "not found\0",
        TW_PANIC => "internal panic\0",
        TW_INTERNAL => "internal error\0",
        _ => "unknown status\0",
    };
    s.as_ptr().cast()
}
