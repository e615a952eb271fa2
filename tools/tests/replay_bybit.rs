//! `tickwire replay` on Bybit captures: the binary, real fixtures, JSON lines and book tops.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fixtures")
        .join(rel)
}

fn tickwire(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tickwire"))
        .args(args)
        .output()
        .expect("run tickwire");
    (
        out.status.success(),
        String::from_utf8(out.stdout).expect("utf8"),
        String::from_utf8(out.stderr).expect("utf8"),
    )
}

fn json(line: &str) -> serde_json::Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
}

const LINEAR: &str = "bybit/cryptofeed_20260809_linear_first600_norest.tsv";

#[test]
fn replay_prints_trades_quotes_candles_and_books() {
    let f = fixture(LINEAR);
    let (ok, out, err) = tickwire(&["replay", "--venue", "bybit", f.to_str().unwrap()]);
    assert!(ok, "{err}");
    let lines: Vec<serde_json::Value> = out.lines().map(json).collect();
    assert!(lines.iter().all(|l| l["venue"] == "bybit-linear"));
    let count = |k: &str| lines.iter().filter(|l| l["kind"] == k).count();
    assert_eq!(count("trade"), 22);
    assert_eq!(count("quote"), 152);
    assert_eq!(count("candle"), 25);
    // first trade: {"T":1786310819680,"s":"BTCUSDT","S":"Sell","v":"0.004","p":"65114.20",...}
    let t = lines.iter().find(|l| l["kind"] == "trade").unwrap();
    assert_eq!(t["symbol"], "BTCUSDT");
    assert_eq!(t["side"], "sell");
    assert_eq!(t["price"], "65114.2");
    assert_eq!(t["qty"], "0.004");
    assert_eq!(t["ts_exchange"], 1786310819680000000u64);
    // the first ticker snapshot: bid 65114.20 x 5.954, ask 65114.30 x 10.470, cs 753843900397
    let q = lines.iter().find(|l| l["kind"] == "quote").unwrap();
    assert_eq!(q["seq"], 753843900397u64);
    assert_eq!(q["bid_px"], "65114.2");
    assert_eq!(q["ask_qty"], "10.47");
}

#[test]
fn book_tops_follow_the_u_chain() {
    let f = fixture(LINEAR);
    let (ok, out, err) = tickwire(&[
        "replay",
        "--venue",
        "bybit-linear",
        "--book-tops",
        "--summary",
        f.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let lines: Vec<serde_json::Value> = out.lines().map(json).collect();
    let statuses: Vec<&str> = lines.iter().filter_map(|l| l["status"].as_str()).collect();
    assert_eq!(statuses, ["book_synced"; 4]);
    let tops: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l.get("bid_px").is_some()).collect();
    assert_eq!(tops.len(), 352);
    // the BTC snapshot (u 15076952): best bid 65114.20 x 6.054, best ask 65114.30 x 10.486
    assert_eq!(
        out.lines().find(|l| l.contains("\"bid_px\"")).unwrap(),
        r#"{"venue":"bybit-linear","symbol":"BTCUSDT","seq":15076952,"bid_px":"65114.2","bid_qty":"6.054","ask_px":"65114.3","ask_qty":"10.486"}"#
    );
    // per symbol, every top after the snapshot is u + 1, and no book crosses
    let mut last = std::collections::HashMap::new();
    for t in &tops {
        let sym = t["symbol"].as_str().unwrap().to_string();
        let seq = t["seq"].as_u64().unwrap();
        if let Some(p) = last.insert(sym, seq) {
            assert_eq!(seq, p + 1);
        }
        let bid: f64 = t["bid_px"].as_str().unwrap().parse().unwrap();
        let ask: f64 = t["ask_px"].as_str().unwrap().parse().unwrap();
        assert!(bid < ask);
    }
    assert!(err.contains("gaps: 0"), "{err}");
}

#[test]
fn spot_level1_session_replays_as_quotes() {
    let f = fixture("bybit/cryptofeed_pr1085_20250613_spot.tsv");
    let (ok, out, err) = tickwire(&[
        "replay",
        "--venue",
        "bybit-spot",
        "--summary",
        f.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let lines: Vec<serde_json::Value> = out.lines().map(json).collect();
    assert!(lines.iter().all(|l| l["kind"] == "quote"));
    // 139 orderbook.1 frames, 45 of them repeats (same u): 94 quotes
    assert_eq!(lines.len(), 94);
    assert_eq!(lines[0]["symbol"], "OPUSDC");
    assert_eq!(lines[0]["bid_px"], "0.579");
    assert!(err.contains("duplicates: 45"), "{err}");
}

#[test]
fn legacy_sessions_are_counted_not_misread() {
    let f = fixture("bybit/cryptofeed_20210417_legacy_v2_inverse_first200.tsv");
    let (ok, out, err) = tickwire(&[
        "replay",
        "--venue",
        "bybit-inverse",
        "--summary",
        f.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("ignored: 191") && err.contains("malformed: 0"),
        "{err}"
    );
}
