//! Truncated, corrupted and oversized variants of real Binance frames: every one is counted and
//! reported, none panics, and the stream goes on.

mod common;

use common::fixture;
use tickwire::event::{Event, Kind, Nanos, StatusCode, Venue};
use tickwire::instrument::Instruments;
use tickwire::pipeline::{Pipeline, PipelineConfig};
use tickwire::record::{FrameKind, Reader};

/// A few real frames of each type (the first of each label).
fn samples() -> Vec<(Venue, String, Vec<u8>)> {
    let mut v = Vec::new();
    for (venue, f) in [
        (Venue::Binance, "binance/cryptofeed_20211012.tsv"),
        (
            Venue::Binance,
            "binance/hftbacktest_btcusdt_20240808_first2500.tsv",
        ),
        (
            Venue::BinanceUsdm,
            "binance_usdm/hftbacktest_btcusdt_20240808_first3000.tsv",
        ),
        (Venue::BinanceCoinm, "binance_coinm/cryptofeed_20210722.tsv"),
    ] {
        let mut r = Reader::open(fixture(f)).expect("fixture");
        let mut seen = std::collections::HashSet::new();
        while let Some(fr) = r.next_frame().expect("read") {
            if fr.kind == FrameKind::WsText
                && seen.insert(fr.meta.to_string())
                && fr.payload.len() < 4000
            {
                v.push((venue, fr.meta.to_string(), fr.payload.to_vec()));
            }
        }
    }
    assert!(v.len() >= 10);
    v
}

const GOOD_TRADE: &[u8] = br#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":42,"p":"1.5","q":"2","T":1,"m":false,"M":true}}"#;

/// Feeds `bad` then a good trade; returns the bad frame's events and whether the trade came out.
fn feed(p: &mut Pipeline, venue: Venue, bad: &[u8]) -> (Vec<Event>, bool) {
    let mut evs = Vec::new();
    let _ = p.on_frame(venue, bad, Nanos(1), &mut |e| evs.push(*e));
    let mut after = Vec::new();
    let mut good = GOOD_TRADE.to_vec();
    // a fresh trade id each time so dedupe passes it
    let id = format!("{}", 1000 + p.stats().frames);
    let s = String::from_utf8(good.clone())
        .unwrap()
        .replace("\"t\":42", &format!("\"t\":{id}"));
    good = s.into_bytes();
    p.on_frame(Venue::Binance, &good, Nanos(2), &mut |e| after.push(*e))
        .expect("good frame after a bad one");
    (evs, after.iter().any(|e| e.kind == Kind::Trade as u8))
}

#[test]
fn every_truncation_of_real_frames_is_reported_and_the_stream_goes_on() {
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let mut truncations = 0;
    for (venue, label, frame) in samples() {
        for cut in 0..frame.len() {
            let before = p.stats();
            let (evs, trade_ok) = feed(&mut p, venue, &frame[..cut]);
            assert!(trade_ok, "{label} cut at {cut}: the next frame was lost");
            let after = p.stats();
            let reported = after.malformed > before.malformed || after.ignored > before.ignored;
            assert!(reported, "{label} cut at {cut}: not counted");
            if after.malformed > before.malformed {
                assert!(
                    evs.iter()
                        .any(|e| e.status() == Some(StatusCode::Malformed)),
                    "{label} cut at {cut}: no status event"
                );
                assert!(
                    evs.iter().all(|e| e.kind == Kind::Status as u8),
                    "{label} cut at {cut}: partial events leaked"
                );
            }
            truncations += 1;
        }
    }
    assert!(truncations > 5000);
}

#[test]
fn corrupted_bytes_never_panic_and_never_half_apply() {
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let junk = [
        b'"', b'{', b'}', b'[', b']', b',', b':', b'\\', b'-', b'e', b'.', 0xff, 0, b'9',
    ];
    let mut corrupted = 0;
    for (venue, label, frame) in samples() {
        for _ in 0..300 {
            let mut f = frame.clone();
            for _ in 0..1 + next() % 3 {
                let i = (next() as usize) % f.len();
                f[i] = junk[(next() as usize) % junk.len()];
            }
            let (evs, trade_ok) = feed(&mut p, venue, &f);
            assert!(
                trade_ok,
                "{label}: the next frame was lost after {:?}",
                String::from_utf8_lossy(&f)
            );
            // Depth levels come whole or not at all: the FIRST..LAST bracket is intact.
            let book: Vec<&Event> = evs
                .iter()
                .filter(|e| e.kind == Kind::BookLevel as u8)
                .collect();
            if let (Some(first), Some(last)) = (book.first(), book.last()) {
                assert!(
                    first.has(tickwire::event::flags::FIRST)
                        && last.has(tickwire::event::flags::LAST)
                );
            }
            corrupted += 1;
        }
    }
    let s = p.stats();
    assert!(
        s.malformed + s.out_of_range > (corrupted as u64) / 4,
        "{s:?}"
    );
}

#[test]
fn oversized_and_hostile_frames_are_errors() {
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let huge_number = format!(
        r#"{{"stream":"btcusdt@trade","data":{{"e":"trade","E":1,"s":"BTCUSDT","t":7,"p":"{}","q":"1","T":1,"m":false}}}}"#,
        "9".repeat(100_000)
    );
    let (evs, ok) = feed(&mut p, Venue::Binance, huge_number.as_bytes());
    assert!(ok);
    assert_eq!(
        evs.iter().filter_map(Event::status).collect::<Vec<_>>(),
        vec![StatusCode::ValueOutOfRange]
    );

    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let (evs, ok) = feed(&mut p, Venue::Binance, deep.as_bytes());
    assert!(ok);
    assert!(
        evs.iter()
            .any(|e| e.status() == Some(StatusCode::Malformed) || e.kind == Kind::Status as u8)
            || p.stats().ignored > 0
    );

    let many_levels = format!(
        r#"{{"stream":"btcusdt@depth@100ms","data":{{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[{}],"a":[]}}}}"#,
        vec![r#"["1.0","1.0"]"#; 200_000].join(",")
    );
    let (evs, ok) = feed(&mut p, Venue::Binance, many_levels.as_bytes());
    assert!(ok);
    // no snapshot yet: buffered, one resync status, no levels leaked
    assert!(evs.iter().all(|e| e.kind == Kind::Status as u8));

    // a price with more decimals than the instrument's exponent is withheld, never rounded
    let inexact = br#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":8,"p":"1.000000001","q":"1","T":1,"m":false}}"#;
    let (evs, _) = feed(&mut p, Venue::Binance, inexact);
    assert_eq!(
        evs.iter().filter_map(Event::status).collect::<Vec<_>>(),
        vec![StatusCode::ValueOutOfRange]
    );
    assert_eq!(evs[0].v[1], 8, "the status names the withheld trade id");

    for bad in [
        &b""[..],
        b"null",
        b"[]",
        b"\"x\"",
        b"{}",
        b"{\"stream\":1,\"data\":2}",
        b"\xff\xfe",
        b"{\"e\":\"trade\"}",
    ] {
        let (_, ok) = feed(&mut p, Venue::BinanceUsdm, bad);
        assert!(ok, "{:?}", String::from_utf8_lossy(bad));
    }
}

#[test]
fn control_frames_and_errors_are_classified() {
    let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let mut evs = Vec::new();
    let mut sink = |e: &Event| evs.push(*e);
    use tickwire::venue::Control;
    assert_eq!(
        p.on_frame(
            Venue::Binance,
            br#"{"result":null,"id":1}"#,
            Nanos(1),
            &mut sink
        ),
        Ok(Control::Ack { id: 1 })
    );
    assert_eq!(
        p.on_frame(
            Venue::Binance,
            br#"{"result":["btcusdt@trade"],"id":3}"#,
            Nanos(1),
            &mut sink
        ),
        Ok(Control::SubscriptionList {
            id: 3,
            streams: vec!["btcusdt@trade".into()]
        })
    );
    assert_eq!(
        p.on_frame(
            Venue::Binance,
            br#"{"code":2,"msg":"Invalid request: unknown variant","id":5}"#,
            Nanos(1),
            &mut sink
        ),
        Ok(Control::VenueError {
            code: 2,
            msg: "Invalid request: unknown variant".into()
        })
    );
    assert_eq!(
        p.on_frame(
            Venue::Binance,
            br#"{"error":{"code":3,"msg":"Invalid JSON"},"id":null}"#,
            Nanos(1),
            &mut sink
        ),
        Ok(Control::VenueError {
            code: 3,
            msg: "Invalid JSON".into()
        })
    );
    assert_eq!(
        p.on_frame(
            Venue::Binance,
            br#"{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1}}"#,
            Nanos(1),
            &mut sink
        ),
        Ok(Control::ServerShutdown)
    );
    assert_eq!(
        p.on_frame(
            Venue::Binance,
            br#"{"e":"serverShutdown","E":1}"#,
            Nanos(1),
            &mut sink
        ),
        Ok(Control::ServerShutdown)
    );
    assert_eq!(
        p.on_frame(
            Venue::Binance,
            br#"{"e":"24hrTicker","s":"X"}"#,
            Nanos(1),
            &mut sink
        ),
        Ok(Control::Ignored)
    );
    let codes: Vec<StatusCode> = evs.iter().filter_map(Event::status).collect();
    assert_eq!(
        codes,
        vec![
            StatusCode::VenueError,
            StatusCode::VenueError,
            StatusCode::ServerShutdown,
            StatusCode::ServerShutdown
        ]
    );
    // raw (non-combined) streams are classified by content
    let mut out = Vec::new();
    let mut sink = |e: &Event| out.push(*e);
    p.on_frame(Venue::Binance, br#"{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}"#, Nanos(1), &mut sink).unwrap();
    p.on_frame(
        Venue::Binance,
        br#"{"lastUpdateId":160,"bids":[["0.0024","10"]],"asks":[["0.0026","100"]]}"#,
        Nanos(1),
        &mut sink,
    )
    .unwrap_err();
    p.on_frame(Venue::Binance, br#"{"E":1,"e":"aggTrade","s":"BNBBTC","a":12345,"p":"0.001","q":"100","f":100,"l":105,"T":1,"m":true}"#, Nanos(1), &mut sink).unwrap();
    assert_eq!(
        out.iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![Kind::Quote as u8, Kind::Status as u8, Kind::Trade as u8]
    );
    assert_eq!(out[2].v[2..4], [100, 105]);
}
