//! Exact decimal text.

use crate::event::copy_out;
use crate::panic::{guard, Error};
use crate::status::{TW_INVALID_ARGUMENT, TW_NULL_ARGUMENT};
use std::ffi::{c_char, c_int};

/// A buffer of this many bytes holds any `tw_decimal_format` output and its NUL.
pub const TW_DECIMAL_MAX_LEN: usize = 48;

/// Writes `mantissa * 10^exponent` in canonical form (no exponent for -18..=18, no trailing
/// zeros, `0` for zero), NUL-terminated, into `buf`; `*written` gets its length without the
/// NUL. `exponent` must fit -128..=127. A buffer too small gives `TW_BUFFER_TOO_SMALL` and
/// writes nothing (`TW_DECIMAL_MAX_LEN` always suffices).
///
/// Thread-safety: any thread.
///
/// # Safety
/// `buf` valid for `len` bytes; `written` valid.
#[no_mangle]
pub unsafe extern "C" fn tw_decimal_format(
    mantissa: i64,
    exponent: i32,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> c_int {
    guard(|| {
        if buf.is_null() || written.is_null() {
            return Err(Error::new(
                TW_NULL_ARGUMENT,
                "buf and written must not be NULL",
            ));
        }
        let exp = i8::try_from(exponent).map_err(|_| {
            Error::new(
                TW_INVALID_ARGUMENT,
                format!("exponent {exponent} outside -128..=127"),
            )
        })?;
        let mut tmp = [0u8; 48];
        let n = tickwire::decimal::format_into(mantissa, exp, &mut tmp);
        // SAFETY: `buf` valid for `len` bytes, `written` valid, per the contract.
        unsafe { copy_out(&tmp[..n], buf, len, written) }
    })
}
