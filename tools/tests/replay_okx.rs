//! `tickwire replay --venue okx` on the OKX fixture (a real 2022 capture): exact JSON lines,
//! book tops after every applied update, every checksum verified.

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
fn replay_prints_exact_okx_events() {
    let f = fixture("okx/cryptofeed_20220513_ws_3instr.tsv");
    let (ok, out, err) = tickwire(&["replay", "--venue", "okx", f.to_str().unwrap()]);
    assert!(ok, "{err}");
    let lines: Vec<serde_json::Value> = out.lines().map(json).collect();
    // {"instId":"BTC-USD-220527","tradeId":"7849","px":"30218.8","sz":"1","side":"buy","ts":"1652459199958"}
    let trade = lines
        .iter()
        .find(|l| l["kind"] == "trade")
        .expect("a trade");
    assert_eq!(trade["symbol"], "BTC-USD-220527");
    assert_eq!(trade["seq"], 7849);
    assert_eq!(trade["price"], "30218.8");
    assert_eq!(trade["qty"], "1");
    assert_eq!(trade["side"], "buy");
    assert_eq!(trade["ts_exchange"], 1652459199958000000u64);
    // a ticker is a quote: UNI-USD-SWAP bid 5.134 x 96, ask 5.142 x 25
    let q = lines
        .iter()
        .find(|l| l["kind"] == "quote" && l["symbol"] == "UNI-USD-SWAP")
        .expect("a quote");
    assert_eq!(
        (&q["bid_px"], &q["bid_qty"], &q["ask_px"], &q["ask_qty"]),
        (
            &json("\"5.134\""),
            &json("\"96\""),
            &json("\"5.142\""),
            &json("\"25\"")
        )
    );
    assert_eq!(lines.iter().filter(|l| l["kind"] == "trade").count(), 74);
    assert!(!out.contains("checksum_mismatch") && !out.contains("malformed"));
}

#[test]
fn book_tops_follow_every_applied_update_and_every_checksum_agrees() {
    let f = fixture("okx/cryptofeed_20220513_ws_3instr.tsv");
    let (ok, out, err) = tickwire(&[
        "replay",
        "--venue",
        "okx",
        "--book-tops",
        "--summary",
        f.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let lines: Vec<serde_json::Value> = out.lines().map(json).collect();
    let tops: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l.get("bid_px").is_some()).collect();
    assert_eq!(tops.len(), 290, "one top per applied book message");
    // the first top is the BTC-USD-220527 snapshot's
    assert_eq!(
        out.lines().find(|l| l.contains("\"bid_px\"")).unwrap(),
        r#"{"venue":"okx","symbol":"BTC-USD-220527","seq":0,"bid_px":"30233.6","bid_qty":"3","ask_px":"30238.8","ask_qty":"2"}"#
    );
    for t in &tops {
        let bid: f64 = t["bid_px"].as_str().unwrap().parse().unwrap();
        let ask: f64 = t["ask_px"].as_str().unwrap().parse().unwrap();
        assert!(bid < ask, "{t}");
    }
    let statuses: Vec<&str> = lines.iter().filter_map(|l| l["status"].as_str()).collect();
    assert_eq!(statuses, ["book_synced"; 3]);
    assert!(
        err.contains("checksums_ok: 290, checksum_mismatches: 0"),
        "{err}"
    );
    assert!(err.contains("gaps: 0"), "{err}");
}
