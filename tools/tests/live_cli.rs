//! `tickwire sim`, `stream`, `record`, `replay` and `demo` end to end, as separate processes on
//! loopback.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tickwire"))
}

struct Sim(Child);

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_sim(dir: &std::path::Path) -> (Sim, String, std::path::PathBuf) {
    let ca = dir.join("ca.pem");
    let mut child = bin()
        .args([
            "sim",
            "--venue",
            "binance",
            "--rate",
            "2000",
            "--symbols",
            "BTCUSDT,ETHUSDT",
            "--duration",
            "30",
            "--tls-cert-out",
        ])
        .arg(&ca)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("sim");
    let mut url = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut url)
        .unwrap();
    assert!(url.starts_with("wss://127.0.0.1:"), "{url}");
    (Sim(child), url.trim().to_string(), ca)
}

/// Runs `cmd` (a `stream` with a long `--duration`) and reads its JSON lines until `done`
/// holds or the process ends; then stops it. Returns the lines and what it wrote to stderr.
fn stream_until(
    cmd: &mut Command,
    done: impl Fn(&[serde_json::Value]) -> bool,
) -> (Vec<serde_json::Value>, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("stream");
    let mut err = child.stderr.take().unwrap();
    let errs = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut s);
        s
    });
    let mut lines = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let Ok(line) = line else { break };
        lines.push(serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}")));
        if done(&lines) {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    (lines, errs.join().unwrap_or_default())
}

#[test]
fn sim_stream_record_replay() {
    let dir = std::env::temp_dir().join(format!("tickwire-live-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (_sim, url, ca) = start_sim(&dir);

    // each run stops as soon as what it checks has arrived (at most 20 s)
    let has_all = |lines: &[serde_json::Value]| {
        lines
            .iter()
            .any(|l| l["kind"] == "trade" && l["symbol"] == "ETHUSDT")
            && lines
                .iter()
                .any(|l| l["kind"] == "quote" && l["symbol"] == "BTCUSDT")
            && lines.iter().any(|l| l["status"] == "connected")
    };
    let (lines, err) = stream_until(
        bin()
            .args([
                "stream",
                "binance:BTCUSDT:trades,bbo",
                "binance:ETHUSDT:trades",
                "--endpoint",
                &url,
                "--duration",
                "20",
                "--ca",
            ])
            .arg(&ca),
        has_all,
    );
    assert!(has_all(&lines), "{} lines; stderr: {err}", lines.len());

    let is_top = |l: &serde_json::Value| {
        l["venue"] == "binance"
            && l["symbol"] == "BTCUSDT"
            && l["seq"].is_u64()
            && l.get("bid_px").is_some()
            && l.get("ask_px").is_some()
    };
    let (tops, err) = stream_until(
        bin()
            .args([
                "stream",
                "binance:BTCUSDT:book",
                "--book-tops",
                "--endpoint",
                &url,
                "--duration",
                "20",
                "--ca",
            ])
            .arg(&ca),
        |lines| lines.iter().any(is_top),
    );
    assert!(tops.iter().any(is_top), "{tops:?}; stderr: {err}");

    let rec = dir.join("live.twrec");
    let out = bin()
        .args([
            "record",
            "binance:BTCUSDT:trades,bbo,book",
            "--endpoint",
            &url,
            "--duration",
            "4",
            "--out",
        ])
        .arg(&rec)
        .arg("--ca")
        .arg(&ca)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let replay = bin()
        .args(["replay", "--venue", "binance", "--summary"])
        .arg(&rec)
        .output()
        .unwrap();
    assert!(
        replay.status.success(),
        "{}",
        String::from_utf8_lossy(&replay.stderr)
    );
    let text = String::from_utf8(replay.stdout).unwrap();
    assert!(
        text.lines()
            .filter(|l| l.contains(r#""kind":"trade""#))
            .count()
            > 50
    );
    // the REST snapshot was recorded too: the replayed book syncs
    assert!(
        text.contains(r#""status":"book_synced""#),
        "{}",
        String::from_utf8_lossy(&replay.stderr)
    );

    // a wrong CA: clear error, no data
    let wrong = dir.join("wrong.pem");
    std::fs::write(&wrong, "garbage").unwrap();
    let out = bin()
        .args([
            "stream",
            "binance:BTCUSDT",
            "--endpoint",
            &url,
            "--duration",
            "0.5",
            "--ca",
        ])
        .arg(&wrong)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no PEM certificate"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn demo_runs_and_exits_zero() {
    let out = bin()
        .args(["demo", "--seconds", "3", "--rate", "1500"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("latency socket read → consumer"), "{text}");
    assert!(text.contains("gap(s) announced and resynced"), "{text}");
    assert!(text.contains("malformed frames: 0"), "{text}");
}

/// `tickwire sim --venue V` and `tickwire stream` against it, for every venue the simulator
/// speaks besides Binance: trades, quotes and a synced book arrive as JSON lines.
#[test]
fn stream_every_venue_from_its_simulator() {
    let dir = std::env::temp_dir().join(format!("tickwire-venues-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (venue, symbol) in [
        ("okx", "BTC-USDT"),
        ("bybit-spot", "BTCUSDT"),
        ("bybit-linear", "BTCUSDT"),
        ("bybit-inverse", "BTCUSD"),
        ("coinbase", "BTC-USD"),
        ("kraken", "BTC/USD"),
        ("gateio", "BTC_USDT"),
        ("gateio-futures", "BTC_USDT"),
        ("bitget", "BTCUSDT"),
        ("bitget-futures", "BTCUSDT"),
        ("hyperliquid", "BTC"),
    ] {
        let ca = dir.join(format!("{venue}-ca.pem"));
        let mut child = bin()
            .args([
                "sim",
                "--venue",
                venue,
                "--rate",
                "500",
                "--duration",
                "20",
                "--tls-cert-out",
            ])
            .arg(&ca)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("sim");
        let mut url = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut url)
            .unwrap();
        let _sim = Sim(child);
        let has = |lines: &[serde_json::Value], kind: &str| {
            lines
                .iter()
                .any(|l| l["kind"] == kind && l["symbol"] == symbol)
        };
        let all = |lines: &[serde_json::Value]| {
            has(lines, "trade") && has(lines, "quote") && has(lines, "book")
        };
        let (lines, err) = stream_until(
            bin()
                .args([
                    "stream",
                    &format!("{venue}:{symbol}:trades,bbo,book"),
                    "--endpoint",
                    url.trim(),
                    "--duration",
                    "15",
                    "--ca",
                ])
                .arg(&ca),
            all,
        );
        assert!(
            has(&lines, "trade"),
            "{venue}: no trade in {} lines; stderr: {err}",
            lines.len()
        );
        assert!(has(&lines, "quote"), "{venue}: no quote; stderr: {err}");
        assert!(has(&lines, "book"), "{venue}: no book level; stderr: {err}");
        assert!(
            !lines.iter().any(|l| l["status"] == "malformed"),
            "{venue}: malformed frames"
        );
    }
}

/// `tickwire stream` takes candle intervals in the unified notation, several at once, and
/// refuses an interval the venue does not serve with the list of those it does.
#[test]
fn stream_candles_of_two_intervals() {
    let dir = std::env::temp_dir().join(format!("tickwire-candles-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (_sim, url, ca) = start_sim(&dir);
    let has = |lines: &[serde_json::Value], secs: u64| {
        lines
            .iter()
            .any(|l| l["kind"] == "candle" && l["symbol"] == "BTCUSDT" && l["interval_s"] == secs)
    };
    let (lines, err) = stream_until(
        bin()
            .args([
                "stream",
                "binance:BTCUSDT:candles,candles=5m",
                "--endpoint",
                &url,
                "--duration",
                "20",
                "--ca",
            ])
            .arg(&ca),
        |lines| has(lines, 60) && has(lines, 300),
    );
    for secs in [60, 300] {
        assert!(
            has(&lines, secs),
            "no {secs} s candle in {} lines; stderr: {err}",
            lines.len()
        );
    }
    assert!(lines
        .iter()
        .filter(|l| l["kind"] == "candle")
        .all(|l| l["interval_s"] == 60 || l["interval_s"] == 300));

    let bad = bin()
        .args([
            "stream",
            "binance:BTCUSDT:candles=7m",
            "--endpoint",
            &url,
            "--duration",
            "1",
        ])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("unknown binance candles variant \"7m\"") && err.contains("1m, 1s, 3m, 5m"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
