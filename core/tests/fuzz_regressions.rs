//! Inputs the fuzz targets (`fuzz/`, `make fuzz`) once crashed on, minimized, run through the
//! same public API as the target that found them, so CI catches a regression without the
//! fuzzer. One test per finding; the comment names the target.

use tickwire::instrument::Instruments;
use tickwire::io::parse_http_response;
use tickwire::pipeline::{Pipeline, PipelineConfig};
use tickwire::venue::ParseError;
use tickwire::{Nanos, StatusCode, Venue};

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

/// Target `frames` (Kraken): a v1 book update whose timestamp has 12 integer digits
/// (`"162027661700"` s) overflowed `secs * 1e9` in `decimal_seconds_ns` (a panic with overflow
/// checks; in release a wrapped, wrong exchange time). Now the frame is refused, and counted.
#[test]
fn kraken_timestamp_beyond_i64_nanoseconds_is_not_a_panic() {
    // as minimized by `cargo fuzz tmin` (venue byte 8 = Kraken, tag 0 = WebSocket frame)
    let frame = br#"[0,{"a":[["","","162027661700"]]},"book-2","D"]"#;
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let mut events = Vec::new();
    let r = p.on_frame(Venue::Kraken, frame, Nanos(1), &mut |e| events.push(*e));
    let malformed = matches!(r, Err(ParseError::Malformed(_)));
    assert_eq!(p.stats().malformed, malformed as u64, "{r:?}");
    let reported = events
        .iter()
        .filter(|e| e.status() == Some(StatusCode::Malformed))
        .count();
    assert_eq!(reported, malformed as usize, "{r:?}");
    // the same timestamp in a well-formed update, and one with 12 digits that fits
    for ts in [
        "999999999999.999999",
        "9223372036.854775807",
        "9223372036.854775808",
    ] {
        let frame =
            format!(r#"[0,{{"a":[["5541.30000","2.50700000","{ts}"]]}},"book-10","XBT/USD"]"#);
        let _ = p.on_frame(Venue::Kraken, frame.as_bytes(), Nanos(2), &mut |_| {});
    }
}

/// Review: candle intervals were split at `len - 1` bytes, which panics inside a multi-byte
/// last character (`"1é"`). Each venue's candle frame with such an interval is refused or
/// ignored, never a panic, and what is refused is counted.
#[test]
fn a_multi_byte_candle_interval_is_not_a_panic() {
    let frames: [(Venue, &str); 6] = [
        (
            Venue::Binance,
            r#"{"e":"kline","E":1,"s":"BTCUSDT","k":{"t":60000,"T":119999,"s":"BTCUSDT","i":"1é","f":1,"L":2,"o":"1","c":"1","h":"1","l":"1","v":"1","n":1,"x":false,"q":"1","V":"1","Q":"1","B":"0"}}"#,
        ),
        (
            Venue::Okx,
            r#"{"arg":{"channel":"candle1é","instId":"BTC-USDT"},"data":[["60000","1","1","1","1","1","1","1","0"]]}"#,
        ),
        (
            Venue::Bitget,
            r#"{"action":"snapshot","arg":{"instType":"SPOT","channel":"candle1é","instId":"BTCUSDT"},"data":[["60000","1","1","1","1","1","1","1"]],"ts":1}"#,
        ),
        (
            Venue::Gateio,
            r#"{"time":1,"channel":"spot.candlesticks","event":"update","result":{"t":"60","v":"1","c":"1","h":"1","l":"1","o":"1","n":"1é_BTC_USDT","a":"1","w":false}}"#,
        ),
        (
            Venue::Hyperliquid,
            r#"{"channel":"candle","data":{"t":60000,"T":119999,"s":"BTC","i":"1é","o":"1","c":"1","h":"1","l":"1","v":"1","n":1}}"#,
        ),
        (
            Venue::Okx,
            r#"{"arg":{"channel":"candleé","instId":"BTC-USDT"},"data":[]}"#,
        ),
    ];
    for (venue, frame) in frames {
        let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
        let mut events = Vec::new();
        let r = p.on_frame(venue, frame.as_bytes(), Nanos(1), &mut |e| events.push(*e));
        let malformed = matches!(r, Err(ParseError::Malformed(_)));
        assert_eq!(p.stats().malformed, malformed as u64, "{venue}: {r:?}");
        assert!(
            !events
                .iter()
                .any(|e| e.kind == tickwire::event::Kind::Candle as u8),
            "{venue}: a candle of an unknown interval"
        );
    }
}
