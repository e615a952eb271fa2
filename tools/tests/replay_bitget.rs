//! `tickwire replay --venue bitget` / `bitget-futures` on the Bitget v1 fixtures (real 2022
//! captures): exact JSON lines, book tops, every checksum verified.

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
fn replay_prints_exact_bitget_events() {
    let f = fixture("bitget/cryptofeed_20220407_v1_mix_first150.tsv");
    let (ok, out, err) = tickwire(&["replay", "--venue", "bitget-futures", f.to_str().unwrap()]);
    assert!(ok, "{err}");
    let lines: Vec<serde_json::Value> = out.lines().map(json).collect();
    // the first trade row of DASHUSDT: ["1649290076980","113.37","0.49","sell"] (v1 rows carry
    // no id: seq = ts × 1000 + rank in the millisecond)
    let trade = lines
        .iter()
        .find(|l| l["kind"] == "trade")
        .expect("a trade");
    assert_eq!(trade["venue"], "bitget-futures");
    assert_eq!(trade["symbol"], "DASHUSDT");
    assert_eq!(trade["seq"], 1649290076980000u64);
    assert_eq!(trade["price"], "113.37");
    assert_eq!(trade["qty"], "0.49");
    assert_eq!(trade["side"], "sell");
    let candle = lines
        .iter()
        .find(|l| l["kind"] == "candle")
        .expect("a candle");
    assert_eq!(candle["symbol"], "UNIUSDT");
    assert!(!out.contains("checksum_mismatch") && !out.contains("malformed"));
}

#[test]
fn book_tops_and_checksums_on_both_markets() {
    for (venue, file, books, first) in [
        (
            "bitget",
            "bitget/cryptofeed_20220407_v1_spot_first200.tsv",
            99,
            r#"{"venue":"bitget","symbol":"CULTUSDT","seq":0,"bid_px":"0.00003505","bid_qty":"285020","ask_px":"0.0000353","ask_qty":"145214"}"#,
        ),
        (
            "bitget-futures",
            "bitget/cryptofeed_20220407_v1_mix_first150.tsv",
            56,
            r#"{"venue":"bitget-futures","symbol":"DASHUSDT","seq":0,"bid_px":"113.37","bid_qty":"237.61","ask_px":"113.42","ask_qty":"6.4"}"#,
        ),
    ] {
        let f = fixture(file);
        let (ok, out, err) = tickwire(&[
            "replay",
            "--venue",
            venue,
            "--book-tops",
            "--summary",
            f.to_str().unwrap(),
        ]);
        assert!(ok, "{err}");
        let lines: Vec<serde_json::Value> = out.lines().map(json).collect();
        let tops: Vec<&serde_json::Value> =
            lines.iter().filter(|l| l.get("bid_px").is_some()).collect();
        assert_eq!(tops.len(), books, "{venue}");
        assert_eq!(
            out.lines().find(|l| l.contains("\"bid_px\"")).unwrap(),
            first
        );
        for t in &tops {
            let bid: f64 = t["bid_px"].as_str().unwrap().parse().unwrap();
            let ask: f64 = t["ask_px"].as_str().unwrap().parse().unwrap();
            assert!(bid < ask, "{t}");
        }
        assert!(
            err.contains(&format!("checksums_ok: {books}, checksum_mismatches: 0")),
            "{err}"
        );
        assert!(lines
            .iter()
            .filter_map(|l| l["status"].as_str())
            .all(|s| s == "book_synced"));
    }
    let (ok, _, err) = tickwire(&["replay", "--venue", "bitget-spot", "x.tsv"]);
    assert!(!ok && err.contains("unknown venue"), "{err}");
}
