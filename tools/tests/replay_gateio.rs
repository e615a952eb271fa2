//! `tickwire replay --venue gateio|gateio-futures` end to end on the Gate.io fixtures: JSON
//! lines, book tops, summary.

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
fn spot_replay_prints_exact_json_lines() {
    let f = fixture("gateio/cryptofeed_20210422.tsv");
    let (ok, out, err) = tickwire(&["replay", "--venue", "gateio", f.to_str().unwrap()]);
    assert!(ok, "{err}");
    let lines: Vec<serde_json::Value> = out.lines().map(json).collect();
    let trade = lines
        .iter()
        .find(|l| l["kind"] == "trade")
        .expect("a trade");
    // {"id":816995772,"create_time_ms":"1619093543708.2642","side":"sell","currency_pair":"DIS_USDT","amount":"0.2010000000","price":"121.5800000000"}
    assert_eq!(trade["seq"], 816995772u64);
    assert_eq!(trade["symbol"], "DIS_USDT");
    assert_eq!(trade["side"], "sell");
    assert_eq!(trade["price"], "121.58");
    assert_eq!(trade["qty"], "0.201");
    assert_eq!(trade["ts_exchange"], 1619093543708264200u64);
    assert_eq!(lines.iter().filter(|l| l["kind"] == "trade").count(), 9);
    assert_eq!(lines.iter().filter(|l| l["kind"] == "candle").count(), 14);
    let book = lines.iter().filter(|l| l["kind"] == "book").count();
    assert!(book > 1000, "{book} book levels");
    assert!(!lines
        .iter()
        .any(|l| l["status"] == "gap" || l["status"] == "malformed"));
    // the venue's other names work too
    let (ok, same, _) = tickwire(&["replay", "--venue", "gate.io", f.to_str().unwrap()]);
    assert!(ok);
    assert_eq!(same, out);
}

#[test]
fn book_tops_follow_every_applied_update() {
    for (venue, f, tops_expected, first) in [
        (
            "gateio",
            "gateio/cryptofeed_20210422.tsv",
            169,
            r#"{"venue":"gateio","symbol":"HAI_ETH","seq":2691446,"bid_px":"0.00010322","bid_qty":"5360.209","ask_px":"0.00010396","ask_qty":"5876.967"}"#,
        ),
        (
            "gateio-futures",
            "gateio_futures/cryptofeed_20230524.tsv",
            326,
            r#"{"venue":"gateio-futures","symbol":"RDNT_USDT","seq":203083287,"bid_px":"0.2969","bid_qty":"5302","ask_px":"0.2974","ask_qty":"803"}"#,
        ),
    ] {
        let path = fixture(f);
        let (ok, out, err) = tickwire(&[
            "replay",
            "--venue",
            venue,
            "--book-tops",
            "--summary",
            path.to_str().unwrap(),
        ]);
        assert!(ok, "{err}");
        let lines: Vec<serde_json::Value> = out.lines().map(json).collect();
        let tops: Vec<&serde_json::Value> =
            lines.iter().filter(|l| l.get("bid_px").is_some()).collect();
        // one top per snapshot (10) and per applied diff
        assert_eq!(tops.len(), tops_expected, "{venue}");
        assert_eq!(
            out.lines().find(|l| l.contains("\"bid_px\"")).unwrap(),
            first
        );
        // per instrument the sequence only goes forward and the book never crosses
        let mut last = std::collections::HashMap::new();
        for t in &tops {
            let sym = t["symbol"].as_str().unwrap().to_string();
            let seq = t["seq"].as_u64().unwrap();
            if let Some(prev) = last.insert(sym, seq) {
                assert!(seq > prev, "{venue}: {seq} after {prev}");
            }
            let bid: f64 = t["bid_px"].as_str().unwrap().parse().unwrap();
            let ask: f64 = t["ask_px"].as_str().unwrap().parse().unwrap();
            assert!(bid < ask, "{venue}: crossed {t}");
        }
        assert_eq!(last.len(), 10);
        // status lines: each book waits for its snapshot, then is synced; nothing else
        let statuses: Vec<&str> = lines.iter().filter_map(|l| l["status"].as_str()).collect();
        assert_eq!(statuses.iter().filter(|s| **s == "resync").count(), 10);
        assert_eq!(statuses.iter().filter(|s| **s == "book_synced").count(), 10);
        assert_eq!(statuses.len(), 20, "{venue}: {statuses:?}");
        assert!(err.contains("books:") && err.contains("gaps: 0"), "{err}");
        assert!(!err.contains("no book for"), "{err}");
    }
}

#[test]
fn no_snapshot_books_say_so() {
    // the single-frame session: a spot BTC_USDT diff no snapshot bridges is resolved only by
    // a later top-N image; the futures frames are another market's and are ignored
    let f = fixture("gateio/crypto_msg_parser_tests.tsv");
    let (ok, out, err) = tickwire(&[
        "replay",
        "--venue",
        "gateio",
        "--summary",
        f.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(
        out.lines().all(|l| json(l)["status"] != "malformed"),
        "{out}"
    );
    assert!(err.contains("malformed: 0"), "{err}");
    // the futures session without its snapshots: every book says it never synced
    let src = std::fs::read_to_string(fixture("gateio_futures/cryptofeed_20230524.tsv")).unwrap();
    let kept: Vec<&str> = src
        .lines()
        .filter(|l| l.split('\t').nth(2) != Some("rest_depth_snapshot"))
        .collect();
    let dir = std::env::temp_dir().join(format!("tickwire-gate-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("nosnap.tsv");
    std::fs::write(&p, kept.join("\n") + "\n").unwrap();
    let (ok, out, err) = tickwire(&[
        "replay",
        "--venue",
        "gateio-futures",
        "--book-tops",
        "--summary",
        p.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(out.lines().all(|l| json(l)["status"] == "resync"), "{out}");
    assert_eq!(
        err.matches("no book for gateio-futures:").count(),
        10,
        "{err}"
    );
    assert!(
        err.contains("no book for gateio-futures:RDNT_USDT"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
