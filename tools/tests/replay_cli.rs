//! `tickwire replay` end to end: the binary, real fixtures, its JSON lines and book tops.

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
fn replay_prints_exact_json_lines() {
    let f = fixture("binance/hftbacktest_btcusdt_20240808_first2500.tsv");
    let (ok, out, err) = tickwire(&["replay", "--venue", "binance", f.to_str().unwrap()]);
    assert!(ok, "{err}");
    let lines: Vec<serde_json::Value> = out.lines().map(json).collect();
    let trade = lines
        .iter()
        .find(|l| l["kind"] == "trade")
        .expect("a trade");
    // first trade of the capture: {"t":3735683259,"p":"61837.63000000","q":"0.02000000","m":true}
    assert_eq!(trade["seq"], 3735683259u64);
    assert_eq!(trade["price"], "61837.63");
    assert_eq!(trade["qty"], "0.02");
    assert_eq!(trade["side"], "sell");
    assert_eq!(trade["symbol"], "BTCUSDT");
    assert_eq!(trade["ts_exchange"], 1723161255342000000u64);
    let quote = lines
        .iter()
        .find(|l| l["kind"] == "quote")
        .expect("a quote");
    assert_eq!(quote["bid_px"], "61837.63");
    assert_eq!(quote["bid_qty"], "3.78826");
    // canonical decimals everywhere: no exponent, no trailing zeros
    for l in &lines {
        for key in ["price", "qty", "bid_px", "bid_qty", "ask_px", "ask_qty"] {
            if let Some(s) = l[key].as_str() {
                assert!(
                    !(s.contains('e') || s.contains('.') && s.ends_with('0')),
                    "{key}={s}"
                );
            }
        }
    }
}

#[test]
fn book_tops_follow_every_applied_update() {
    let f = fixture("binance/hftbacktest_btcusdt_20240808_first2500.tsv");
    let (ok, out, err) = tickwire(&[
        "replay",
        "--venue",
        "binance",
        "--book-tops",
        f.to_str().unwrap(),
        "--summary",
    ]);
    assert!(ok, "{err}");
    let lines: Vec<serde_json::Value> = out.lines().map(json).collect();
    let tops: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l.get("bid_px").is_some()).collect();
    assert!(tops.len() > 100);
    let first_top = out.lines().find(|l| l.contains("\"bid_px\"")).unwrap();
    assert_eq!(
        first_top,
        r#"{"venue":"binance","symbol":"BTCUSDT","seq":50093239218,"bid_px":"61837.63","bid_qty":"3.78826","ask_px":"61837.64","ask_qty":"1.54698"}"#
    );
    // the first top is the snapshot's (lastUpdateId 50093239218, best bid 61837.63 x 3.78826)
    assert_eq!(tops[0]["seq"], 50093239218u64);
    assert_eq!(tops[0]["bid_px"], "61837.63");
    // sequence only goes forward, and the book never crosses
    for w in tops.windows(2) {
        assert!(w[1]["seq"].as_u64() > w[0]["seq"].as_u64());
    }
    for t in &tops {
        let bid: f64 = t["bid_px"].as_str().unwrap().parse().unwrap();
        let ask: f64 = t["ask_px"].as_str().unwrap().parse().unwrap();
        assert!(bid < ask);
    }
    // status lines: waiting for the snapshot, then synced
    let statuses: Vec<&str> = lines.iter().filter_map(|l| l["status"].as_str()).collect();
    assert_eq!(statuses, ["resync", "book_synced"]);
    assert!(err.contains("books:"), "{err}");
}

#[test]
fn no_snapshot_session_says_so() {
    let f = fixture("binance/hftbacktest_btcusdt_20240809_first400.tsv");
    let (ok, out, err) = tickwire(&[
        "replay",
        "--venue",
        "binance",
        "--book-tops",
        "--summary",
        f.to_str().unwrap(),
    ]);
    assert!(ok);
    assert!(out.lines().all(|l| json(l)["status"] == "resync"), "{out}");
    assert!(err.contains("no book for binance:BTCUSDT"), "{err}");
}

#[test]
fn table_format_and_errors() {
    let f = fixture("binance_coinm/cryptofeed_20210722.tsv");
    let (ok, out, _) = tickwire(&[
        "replay",
        "--venue",
        "binance-coinm",
        "--format",
        "table",
        f.to_str().unwrap(),
    ]);
    assert!(ok);
    assert!(out.lines().next().unwrap().starts_with("venue"));
    assert!(out.contains("BCHUSD_PERP"));
    let (ok, _, err) = tickwire(&["replay", "--venue", "nasdaq", f.to_str().unwrap()]);
    assert!(!ok && err.contains("unknown venue \"nasdaq\""), "{err}");
    let (ok, _, err) = tickwire(&["replay", "--venue", "binance", "/nonexistent.tsv"]);
    assert!(!ok && err.contains("/nonexistent.tsv"), "{err}");
    let (ok, _, err) = tickwire(&["replay", "--venue", "binance", env!("CARGO_MANIFEST_DIR")]);
    assert!(!ok, "{err}");
}

#[test]
fn recordings_in_both_formats_replay_identically() {
    use tickwire::record::{FrameKind, Reader, Writer};
    let src = fixture("binance_usdm/cryptofeed_20210722.tsv");
    let dir = std::env::temp_dir().join(format!("tickwire-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rec = dir.join("usdm.twrec");
    let mut w = Writer::new(std::fs::File::create(&rec).unwrap(), "binance-usdm").unwrap();
    let mut r = Reader::open(&src).unwrap();
    while let Some(f) = r.next_frame().unwrap() {
        let meta = if f.kind == FrameKind::Rest {
            ""
        } else {
            f.meta
        };
        w.write(f.kind, 1, f.ts_recv, meta, f.payload).unwrap();
    }
    w.finish().unwrap();
    let (ok1, a, _) = tickwire(&["replay", "--venue", "binance-usdm", src.to_str().unwrap()]);
    let (ok2, b, _) = tickwire(&["replay", "--venue", "binance-usdm", rec.to_str().unwrap()]);
    assert!(ok1 && ok2);
    assert_eq!(a, b);
    assert!(a.lines().count() > 10_000);
    std::fs::remove_dir_all(&dir).ok();
}
