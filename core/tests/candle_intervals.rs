//! Candles of any interval, on every venue's parser: a candle of a non-default interval
//! decodes its interval into `aux` (seconds) and its open time into `seq`, and candles of two
//! intervals of one instrument, even with equal values, both pass the pipeline (dedupe keys
//! candles by interval too).
//!
//! The frames are **synthetic**: the documented candle push of each venue (`docs/exchanges.md`:
//! Binance §1.3 `@kline_<i>`, OKX §4.3 `candle<bar>`, Bybit §5.3 `kline.<i>`, Gate.io §6.3/6.4
//! `*.candlesticks`, Hyperliquid §7.3 `candle`, Coinbase §8.1 `candles`, Kraken §9.2 v2
//! `ohlc`, Bitget §10.2 `candle<bar>`) with the interval and open time changed; the captures
//! in `shared/corpus` hold one-minute candles only.

use tickwire::event::{flags, Event, Kind, Nanos, Venue};
use tickwire::instrument::Instruments;
use tickwire::pipeline::{Pipeline, PipelineConfig};
use tickwire::venue::parser_for;
use tickwire::venue::protocol::{candle_seconds, protocol_for, Channel};

/// 2023-11-14T22:15:00Z: a multiple of 5 minutes (and of 1 minute).
const OPEN_MS: i64 = 1_700_000_100_000;
/// A push 12.345 s into the candle.
const PUSH_MS: i64 = OPEN_MS + 12_345;

/// The native interval text of the stream a spec's `candles=<unified>` subscribes, read from
/// the venue's own stream key (so the frames follow the protocol's choice).
fn native(venue: Venue, unified: &str) -> String {
    let s = protocol_for(venue)
        .streams(symbol(venue), Channel::Candles, Some(unified))
        .pop()
        .expect("a stream");
    match venue {
        // btcusdt@kline_5m
        Venue::Binance | Venue::BinanceUsdm | Venue::BinanceCoinm => {
            s.rsplit_once("kline_").expect("kline").1.to_string()
        }
        // candle5m:BTC-USDT, candle1Dutc:BTCUSDT
        Venue::Okx | Venue::Bitget | Venue::BitgetFutures => {
            s.split_once(':').expect("key").0.to_string()
        }
        // kline.5.BTCUSDT
        Venue::BybitSpot | Venue::BybitLinear | Venue::BybitInverse => {
            s.split('.').nth(1).expect("interval").to_string()
        }
        // ohlc.5:BTC/USD (ohlc: 1)
        Venue::Kraken => s
            .split_once(':')
            .expect("key")
            .0
            .strip_prefix("ohlc.")
            .unwrap_or("1")
            .to_string(),
        // spot.candlesticks:5m_BTC_USDT
        Venue::Gateio | Venue::GateioFutures => s
            .split_once(':')
            .expect("key")
            .1
            .split_once('_')
            .expect("n")
            .0
            .to_string(),
        // candle:BTC:5m
        Venue::Hyperliquid => s.rsplit_once(':').expect("key").1.to_string(),
        Venue::Coinbase => "5m".to_string(),
        v => panic!("{v}: add its candle frame to this test"),
    }
}

fn symbol(venue: Venue) -> &'static str {
    match venue {
        Venue::Okx => "BTC-USDT",
        Venue::Kraken => "BTC/USD",
        Venue::Gateio | Venue::GateioFutures => "BTC_USDT",
        Venue::Hyperliquid => "BTC",
        Venue::Coinbase => "BTC-USD",
        Venue::BinanceCoinm => "BTCUSD_PERP",
        _ => "BTCUSDT",
    }
}

/// The venue's candle push for `unified` (open at [`OPEN_MS`], o/h/l/c 10/12/9/11, volume
/// 1.5, not closed), as its documentation shows it.
fn frame(venue: Venue, unified: &str) -> String {
    let secs = i64::from(candle_seconds(unified).expect("unified"));
    let i = native(venue, unified);
    let sym = symbol(venue);
    let end = OPEN_MS + secs * 1000 - 1;
    let (o, s) = (OPEN_MS, OPEN_MS / 1000);
    match venue {
        Venue::Binance | Venue::BinanceUsdm | Venue::BinanceCoinm => format!(
            r#"{{"stream":"{l}@kline_{i}","data":{{"e":"kline","E":{PUSH_MS},"s":"{sym}","k":{{"t":{o},"T":{end},"s":"{sym}","i":"{i}","f":100,"L":101,"o":"10.0","c":"11.0","h":"12.0","l":"9.0","v":"1.5","n":2,"x":false,"q":"15.0","V":"1.0","Q":"10.0","B":"0"}}}}}}"#,
            l = sym.to_ascii_lowercase()
        ),
        Venue::Okx => format!(
            r#"{{"arg":{{"channel":"{i}","instId":"{sym}"}},"data":[["{o}","10","12","9","11","1.5","15","15","0"]]}}"#
        ),
        Venue::BybitSpot | Venue::BybitLinear | Venue::BybitInverse => format!(
            r#"{{"topic":"kline.{i}.{sym}","data":[{{"start":{o},"end":{end},"interval":"{i}","open":"10","close":"11","high":"12","low":"9","volume":"1.5","turnover":"15","confirm":false,"timestamp":{PUSH_MS}}}],"ts":{PUSH_MS},"type":"snapshot"}}"#
        ),
        Venue::Kraken => format!(
            r#"{{"channel":"ohlc","type":"update","timestamp":"2023-11-14T22:15:12.345000000Z","data":[{{"symbol":"{sym}","open":10.0,"high":12.0,"low":9.0,"close":11.0,"trades":2,"volume":1.5,"vwap":10.5,"interval_begin":"2023-11-14T22:15:00.000000000Z","interval":{i},"timestamp":"2023-11-14T22:15:12.345000Z"}}]}}"#
        ),
        Venue::Gateio => format!(
            r#"{{"time":{t},"time_ms":{PUSH_MS},"channel":"spot.candlesticks","event":"update","result":{{"t":"{s}","v":"15","c":"11","h":"12","l":"9","o":"10","n":"{i}_{sym}","a":"1.5","w":false}}}}"#,
            t = PUSH_MS / 1000
        ),
        Venue::GateioFutures => format!(
            r#"{{"time":{t},"time_ms":{PUSH_MS},"channel":"futures.candlesticks","event":"update","result":[{{"t":{s},"v":15,"c":"11","h":"12","l":"9","o":"10","n":"{i}_{sym}","a":"1.5"}}]}}"#,
            t = PUSH_MS / 1000
        ),
        Venue::Bitget | Venue::BitgetFutures => format!(
            r#"{{"action":"update","arg":{{"instType":"{it}","channel":"{i}","instId":"{sym}"}},"data":[["{o}","10","12","9","11","1.5","15","15"]],"ts":{PUSH_MS}}}"#,
            it = if venue == Venue::Bitget {
                "SPOT"
            } else {
                "USDT-FUTURES"
            }
        ),
        Venue::Hyperliquid => format!(
            r#"{{"channel":"candle","data":{{"t":{o},"T":{end},"s":"{sym}","i":"{i}","o":"10","c":"11","h":"12","l":"9","v":"1.5","n":2}}}}"#
        ),
        Venue::Coinbase => format!(
            r#"{{"channel":"candles","client_id":"","timestamp":"2023-11-14T22:15:12.345Z","sequence_num":0,"events":[{{"type":"update","candles":[{{"start":"{s}","high":"12","low":"9","open":"10","close":"11","volume":"1.5","product_id":"{sym}"}}]}}]}}"#
        ),
        v => panic!("{v}: add its candle frame to this test"),
    }
}

fn candles(venue: Venue, text: &str) -> Vec<Event> {
    let mut p = parser_for(venue, Instruments::new());
    let mut out = Vec::new();
    p.parse_frame(text.as_bytes(), Nanos(PUSH_MS * 1_000_000), &mut out)
        .unwrap_or_else(|e| panic!("{venue}: {e}: {text}"));
    out.retain(|e| e.kind == Kind::Candle as u8);
    out
}

#[test]
fn every_interval_a_venue_serves_parses_with_its_seconds() {
    for venue in Venue::ALL {
        let list = protocol_for(*venue).variants(Channel::Candles);
        assert!(!list.is_empty(), "{venue}: no candle intervals");
        for unified in list {
            let text = frame(*venue, unified);
            let got = candles(*venue, &text);
            assert_eq!(got.len(), 1, "{venue} {unified}: {text}");
            let c = got[0];
            assert_eq!(
                Some(c.aux),
                candle_seconds(unified),
                "{venue} {unified}: aux"
            );
            assert_eq!(c.seq, OPEN_MS as u64, "{venue} {unified}: open time");
            assert!(!c.has(flags::CLOSED), "{venue} {unified}: closed");
        }
    }
}

#[test]
fn a_five_minute_and_an_hour_candle_carry_their_interval() {
    // the two intervals the loopback tests use, spelled out
    for venue in Venue::ALL {
        let five = if *venue == Venue::Coinbase { 300 } else { 60 };
        let list = protocol_for(*venue).variants(Channel::Candles);
        for (unified, secs) in [("5m", 300), ("1h", 3_600)] {
            if !list.contains(&unified) {
                assert_eq!(
                    (*venue, unified),
                    (Venue::Coinbase, "1h"),
                    "only Coinbase lacks one"
                );
                continue;
            }
            let c = candles(*venue, &frame(*venue, unified))[0];
            assert_eq!(c.aux, secs, "{venue} {unified}");
            assert!(c.v[0] != 0 && c.v[1] > c.v[2], "{venue}: values");
        }
        assert_eq!(
            candles(*venue, &frame(*venue, list[0]))[0].aux,
            five,
            "{venue}: the default"
        );
    }
}

#[test]
fn two_intervals_of_one_instrument_both_pass_the_pipeline() {
    for venue in Venue::ALL {
        let list = protocol_for(*venue).variants(Channel::Candles);
        let Some(other) = list.iter().find(|v| **v == "5m" && **v != list[0]) else {
            assert_eq!(*venue, Venue::Coinbase);
            continue;
        };
        let mut p = Pipeline::new(Instruments::new(), PipelineConfig::default());
        let mut seen: Vec<Event> = Vec::new();
        let ts = Nanos(PUSH_MS * 1_000_000);
        // the same values at the same open time: the first trade of 22:15 opened both
        let one = frame(*venue, list[0]);
        let five = frame(*venue, other);
        for f in [&one, &five, &one, &five] {
            p.on_frame(*venue, f.as_bytes(), ts, &mut |e: &Event| {
                if e.kind == Kind::Candle as u8 {
                    seen.push(*e)
                }
            })
            .unwrap_or_else(|e| panic!("{venue}: {e}"));
        }
        let aux: Vec<u32> = seen.iter().map(|e| e.aux).collect();
        // the repeats are dropped as duplicates, the other interval is not
        assert_eq!(aux, [60, 300], "{venue}");
        assert_eq!(seen[0].instrument, seen[1].instrument, "{venue}");
        assert_eq!(seen[0].v, seen[1].v, "{venue}");
    }
}

/// Binance's month is `1M`, its minute `1m`: the parser keeps them apart.
#[test]
fn binance_month_and_minute_differ() {
    let m = candles(Venue::Binance, &frame(Venue::Binance, "1M"))[0];
    let n = candles(Venue::Binance, &frame(Venue::Binance, "1m"))[0];
    assert_eq!((m.aux, n.aux), (2_592_000, 60));
}
