//! `tickwire replay --venue coinbase` end to end on the project's Coinbase fixtures.

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

#[test]
fn advanced_trade_events_are_exact_json_lines() {
    let f = fixture("coinbase/cryptofeed_20260809_advanced_trade_first300_nosnapshots.tsv");
    let (ok, out, err) = tickwire(&["replay", "--venue", "coinbase", f.to_str().unwrap()]);
    assert!(ok, "{err}");
    let lines: Vec<serde_json::Value> = out.lines().map(json).collect();
    // the first trade of the market_trades snapshot: trade_id 1068572090, 65083.67 x 0.002186,
    // side SELL = the maker sold, so the taker bought (it paid the best ask, 65083.67)
    let trade = lines
        .iter()
        .find(|l| l["kind"] == "trade")
        .expect("a trade");
    assert_eq!(trade["seq"], 1068572090u64);
    assert_eq!(trade["symbol"], "BTC-USD");
    assert_eq!(trade["price"], "65083.67");
    assert_eq!(trade["qty"], "0.002186");
    assert_eq!(trade["side"], "buy");
    assert_eq!(trade["ts_exchange"], 1786309542514318000u64);
    let quote = lines
        .iter()
        .find(|l| l["kind"] == "quote")
        .expect("a quote");
    assert_eq!(quote["bid_px"], "65083.66");
    assert_eq!(quote["ask_px"], "65083.67");
    assert_eq!(quote["bid_qty"], "0.20371215");
    assert!(lines.iter().any(|l| l["kind"] == "candle"));
    // the two level2 snapshots were cut from this fixture: two connection gaps are reported
    let gaps: Vec<&serde_json::Value> = lines.iter().filter(|l| l["status"] == "gap").collect();
    assert_eq!(gaps.len(), 2);
    assert_eq!(
        (gaps[0]["from"].as_i64(), gaps[0]["to"].as_i64()),
        (Some(13), Some(13))
    );
    assert!(
        !lines.iter().any(|l| l["kind"] == "book"),
        "no book without a snapshot"
    );
}

#[test]
fn exchange_feed_book_tops_never_cross() {
    let f = fixture("coinbase/cryptofeed_20210417_exchange_wsfeed_first400.tsv");
    let (ok, out, err) = tickwire(&[
        "replay",
        "--venue",
        "coinbase",
        "--book-tops",
        "--summary",
        f.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let lines: Vec<serde_json::Value> = out.lines().map(json).collect();
    let tops: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l.get("bid_px").is_some()).collect();
    // 10 snapshots + 343 applied updates
    assert_eq!(tops.len(), 353);
    for t in &tops {
        let bid: f64 = t["bid_px"].as_str().unwrap().parse().unwrap();
        let ask: f64 = t["ask_px"].as_str().unwrap().parse().unwrap();
        assert!(bid < ask, "{t}");
    }
    let synced = lines
        .iter()
        .filter(|l| l["status"] == "book_synced")
        .count();
    assert_eq!(synced, 10);
    assert!(!lines
        .iter()
        .any(|l| l["status"] == "gap" || l["status"] == "resync"));
    assert!(err.contains("gaps: 0"), "{err}");
}
