//! `tickwire replay` on the Hyperliquid capture: the binary, JSON lines and book tops.

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

const SESSION: &str = "hyperliquid/hftbacktest_btcusd_20250126_first60s.tsv";

#[test]
fn replay_prints_trades_and_full_books() {
    let f = fixture(SESSION);
    let (ok, out, err) = tickwire(&["replay", "--venue", "hyperliquid", f.to_str().unwrap()]);
    assert!(ok, "{err}");
    let lines: Vec<serde_json::Value> = out.lines().map(json).collect();
    let count = |k: &str| lines.iter().filter(|l| l["kind"] == k).count();
    assert_eq!(count("trade"), 64);
    assert_eq!(count("book"), 46 * 40);
    let t = lines.iter().find(|l| l["kind"] == "trade").unwrap();
    // {"coin":"BTC","px":"105056.0","side":"B","sz":"0.00219","tid":121451470284048,"time":1737918794873}
    assert_eq!(t["symbol"], "BTC");
    assert_eq!(t["side"], "buy");
    assert_eq!(t["price"], "105056");
    assert_eq!(t["qty"], "0.00219");
    assert_eq!(t["seq"], 121451470284048u64);
}

#[test]
fn book_tops_after_every_push() {
    let f = fixture(SESSION);
    let (ok, out, err) = tickwire(&[
        "replay",
        "--venue",
        "hyperliquid",
        "--book-tops",
        "--summary",
        f.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let tops: Vec<serde_json::Value> = out.lines().map(json).collect();
    assert_eq!(tops.len(), 46);
    assert_eq!(
        out.lines().next().unwrap(),
        r#"{"venue":"hyperliquid","symbol":"BTC","seq":1737918843542,"bid_px":"105055","bid_qty":"3.03622","ask_px":"105056","ask_qty":"6.34472"}"#
    );
    for w in tops.windows(2) {
        assert!(w[1]["seq"].as_u64() >= w[0]["seq"].as_u64());
    }
    assert!(
        err.contains("snapshots: 46") && err.contains("gaps: 0"),
        "{err}"
    );
}
