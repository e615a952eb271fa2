//! `tickwire replay --venue kraken` end to end on the project's Kraken fixture (WebSocket v1,
//! `book-1000` with checksums).

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
fn trades_and_quotes_are_exact_json_lines() {
    let f = fixture("kraken/cryptofeed_20210417.tsv");
    let (ok, out, err) = tickwire(&["replay", "--venue", "kraken", f.to_str().unwrap()]);
    assert!(ok, "{err}");
    let lines: Vec<serde_json::Value> = out.lines().map(json).collect();
    // [993,[["354.11000000","0.89594024","1618678142.557535","s","l",""]],"trade","XMR/USD"]
    let trade = lines
        .iter()
        .find(|l| l["kind"] == "trade")
        .expect("a trade");
    assert_eq!(trade["symbol"], "XMR/USD");
    assert_eq!(trade["price"], "354.11");
    assert_eq!(trade["qty"], "0.89594024");
    assert_eq!(trade["side"], "sell");
    assert_eq!(trade["ts_exchange"], 1618678142557535000u64);
    // the first ticker: WAVES/EUR b 13.232900 (lot volume 185.18432037), a 13.253900
    let quote = lines
        .iter()
        .find(|l| l["kind"] == "quote")
        .expect("a quote");
    assert_eq!(quote["symbol"], "WAVES/EUR");
    assert_eq!(quote["bid_px"], "13.2329");
    assert_eq!(quote["bid_qty"], "185.18432037");
    assert_eq!(quote["ask_px"], "13.2539");
    assert!(!lines
        .iter()
        .any(|l| l["status"] == "checksum_mismatch" || l["status"] == "malformed"));
}

#[test]
fn book_tops_follow_every_checksummed_update() {
    let f = fixture("kraken/cryptofeed_20210417.tsv");
    let (ok, out, err) = tickwire(&[
        "replay",
        "--venue",
        "kraken",
        "--book-tops",
        "--summary",
        f.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let lines: Vec<serde_json::Value> = out.lines().map(json).collect();
    let tops: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l.get("bid_px").is_some()).collect();
    // 10 snapshots + 4,269 updates, every one checksummed
    assert_eq!(tops.len(), 10 + 4269);
    for t in &tops {
        let bid: f64 = t["bid_px"].as_str().unwrap().parse().unwrap();
        let ask: f64 = t["ask_px"].as_str().unwrap().parse().unwrap();
        assert!(bid < ask, "{t}");
    }
    // XBT/CHF's snapshot: best ask 56218.3 (from ["56218.30000","0.15000000",…])
    let chf = tops
        .iter()
        .find(|t| t["symbol"] == "XBT/CHF")
        .expect("XBT/CHF");
    assert_eq!(chf["ask_px"], "56218.3");
    assert_eq!(chf["ask_qty"], "0.15");
    let statuses: Vec<&str> = lines.iter().filter_map(|l| l["status"].as_str()).collect();
    assert_eq!(statuses, vec!["book_synced"; 10]);
    assert!(
        err.contains("checksums_ok: 4269, checksum_mismatches: 0"),
        "{err}"
    );
}
