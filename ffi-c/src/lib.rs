//! C bindings for tickwire. The full `tw_*` API lands with the C issue; this crate already builds
//! `libtickwire.a`/`libtickwire.so` and exposes the library version.

/// The library version as a NUL-terminated string, e.g. `"0.1.0"`. Never NULL; static storage.
#[no_mangle]
pub extern "C" fn tw_version() -> *const std::ffi::c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
