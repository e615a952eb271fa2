//! The panic boundary and the thread-local last error message.

use crate::status::{TW_BUFFER_TOO_SMALL, TW_INVALID_ARGUMENT, TW_OK, TW_PANIC};
use std::cell::RefCell;
use std::ffi::{c_char, c_int};
use std::panic::{catch_unwind, AssertUnwindSafe};

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// A failed call: its status code and a message for people.
#[derive(Debug)]
pub struct Error {
    /// A `TW_*` status code.
    pub code: c_int,
    /// What went wrong.
    pub msg: String,
}

impl Error {
    /// An error with `code` and `msg`.
    pub fn new(code: c_int, msg: impl Into<String>) -> Error {
        Error {
            code,
            msg: msg.into(),
        }
    }
}

/// Runs `f` behind the panic boundary: `Ok` is `TW_OK`; an error or a panic sets the thread's
/// last error message and returns its code.
pub fn guard(f: impl FnOnce() -> Result<(), Error>) -> c_int {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => TW_OK,
        Ok(Err(e)) => {
            set_last_error(e.msg);
            e.code
        }
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic payload".into());
            set_last_error(format!("internal panic (a tickwire bug): {what}"));
            TW_PANIC
        }
    }
}

fn set_last_error(msg: String) {
    LAST_ERROR.with(|e| *e.borrow_mut() = msg);
}

/// Copies the message of the last failed call on this thread, NUL-terminated, into `buf`
/// (`""` when no call has failed yet) and its length without the NUL into `*written`.
/// With `buf == NULL` and `len == 0` it only stores the length needed *including* the NUL in
/// `*written`. A buffer shorter than the message plus NUL gives `TW_BUFFER_TOO_SMALL` and
/// writes nothing. This call never changes the stored message.
///
/// Thread-safety: any thread; the message is per thread.
///
/// # Safety
/// `buf` must be NULL or valid for `len` bytes; `written` must be valid for one `size_t`.
#[no_mangle]
pub unsafe extern "C" fn tw_last_error_message(
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> c_int {
    let r = catch_unwind(AssertUnwindSafe(|| {
        if written.is_null() || (buf.is_null() && len != 0) {
            return TW_INVALID_ARGUMENT;
        }
        LAST_ERROR.with(|e| {
            let msg = e.borrow();
            let bytes = msg.as_bytes();
            if buf.is_null() {
                // SAFETY: `written` is non-null and valid per the contract.
                unsafe { *written = bytes.len() + 1 };
                return TW_OK;
            }
            if len < bytes.len() + 1 {
                return TW_BUFFER_TOO_SMALL;
            }
            // SAFETY: `buf` is valid for `len >= bytes.len() + 1` bytes per the contract.
            unsafe {
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf.cast::<u8>(), bytes.len());
                *buf.add(bytes.len()) = 0;
                *written = bytes.len();
            }
            TW_OK
        })
    }));
    r.unwrap_or(TW_PANIC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_status_and_a_message() {
        let code = guard(|| panic!("boom"));
        assert_eq!(code, TW_PANIC);
        let mut buf = [0 as c_char; 128];
        let mut n = 0usize;
        // SAFETY: buf is 128 bytes, n is a valid usize.
        let rc = unsafe { tw_last_error_message(buf.as_mut_ptr(), buf.len(), &mut n) };
        assert_eq!(rc, TW_OK);
        let msg = String::from_utf8(buf[..n].iter().map(|c| *c as u8).collect()).unwrap();
        assert!(msg.contains("boom"), "{msg}");
    }
}
