//! Inputs the fuzz targets (`fuzz/`, `make fuzz`) once crashed on, minimized, run through the
//! same public API as the target that found them, so CI catches a regression without the
//! fuzzer. One test per finding; the comment names the target.

use tickwire::io::parse_http_response;

/// Target `http`: a chunk size near `usize::MAX` overflowed `size + 2` (a panic with overflow
/// checks; in release the sum wrapped and the slice that followed panicked, killing the REST
/// worker). Any HTTP server, or anyone in the path of a plain-HTTP one, could send it.
#[test]
fn http_chunk_size_near_usize_max_is_an_error() {
    // as minimized by `cargo fuzz tmin`
    let minimized =
        b"HTTP/1.1 200 \nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\nffffffffffffffff\r\nxx";
    assert!(parse_http_response(minimized).is_err());
    // the first chunk alone (the overflow) and every size around the limit
    for size in [
        "ffffffffffffffff",
        "fffffffffffffffe",
        "fffffffffffffffd",
        "2000001",
        "7fffffffffffffff",
    ] {
        let first = format!("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{size}\r\nxx");
        assert!(parse_http_response(first.as_bytes()).is_err(), "{size}");
        let later = format!(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n{size}\r\nxx\r\n0\r\n\r\n"
        );
        assert!(parse_http_response(later.as_bytes()).is_err(), "{size}");
    }
    // a well-formed chunked body still reads
    let ok = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
    assert_eq!(parse_http_response(ok).unwrap().body, b"abc");
}
