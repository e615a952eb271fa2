"""bench/report.py on small made-up inputs (written to a temp dir here, never as results):
verdicts come from the figures, missing inputs say "not measured", plots are written.

    target/pyvenv/bin/python -m pytest -q bench/tests
"""

import json
import pathlib
import subprocess
import sys

REPORT = pathlib.Path(__file__).resolve().parents[1] / "report.py"


def crit(root, group, function, value, median_ns, elements=1):
    d = root / group.replace("/", "_") / function.replace("/", "_") / (value or "") / "new"
    d.mkdir(parents=True)
    full = "/".join(x for x in (group, function, value) if x)
    (d / "benchmark.json").write_text(json.dumps({
        "group_id": group, "function_id": function, "value_str": value, "full_id": full,
        "throughput": {"Elements": elements} if elements else None}))
    (d / "estimates.json").write_text(json.dumps({
        "mean": {"point_estimate": median_ns * 1.05}, "median": {"point_estimate": median_ns}}))


def run(tmp, *extra):
    out = tmp / "out"
    p = subprocess.run([sys.executable, str(REPORT), "--criterion", str(tmp / "criterion"), "--results",
                        str(tmp / "results"), "--out", str(out), "--latest", str(tmp / "latest.md"), *extra],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return (out / "report.md").read_text(), out


def row(text, t):
    return next(ln for ln in text.splitlines() if ln.startswith(f"| {t} |"))


def test_everything_missing(tmp_path):
    text, _ = run(tmp_path)
    for t in [f"T{i}" for i in range(1, 11)]:
        assert row(text, t).endswith("| not measured |"), row(text, t)
    assert "no live.json" in row(text, "T3")


def test_verdicts_from_figures(tmp_path):
    c = tmp_path / "criterion"
    crit(c, "binance_trade_frame", "tickwire", None, 140.0)
    crit(c, "binance_trade_frame", "serde_json_generic", None, 500.0)
    crit(c, "binance_depth_frame", "parse_and_book_apply", "20", 900.0)
    crit(c, "ring_throughput", "tickwire/batch64", None, 5.0)
    crit(c, "ring_latency", "tickwire", None, 100.0, elements=None)
    crit(c, "decimal/mixed64", "tickwire", None, 64 * 7.5, elements=64)
    crit(c, "c_feed_poll", "preloaded_cap1024", None, 10.0, elements=1000)
    crit(c, "c_feed_poll", "streaming_cap65536", None, 1000.0, elements=1000)
    r = tmp_path / "results"
    r.mkdir()
    (r / "live.json").write_text(json.dumps({
        "floor": {"busy_poll": {"p50_ns": 4000, "p99_ns": 9000, "p999_ns": 20000, "max_ns": 50000, "count": 100}},
        "throughput": [{"transport": "tls", "messages": 1000, "tungstenite_msgs_per_s": 4e6,
                        "tickwire_msgs_per_s": 2e6, "wait": "park", "ratio": 0.5}],
        "latency": [{"rate": 20000, "wait": "spin", "stage": "socket_to_consumer", "p50_ns": 800, "p99_ns": 5000,
                     "p999_ns": 15000, "max_ns": 90000, "count": 1000,
                     "cdf": [[500, 0.1], [800, 0.5], [5000, 0.99], [15000, 0.999], [90000, 1.0]]},
                    {"rate": 100000, "wait": "spin", "stage": "socket_to_consumer", "p50_ns": 3000, "p99_ns": 9000,
                     "p999_ns": 40000, "max_ns": 99000, "count": 1000, "cdf": [[3000, 0.5], [99000, 1.0]]}]}))
    (r / "memory.json").write_text(json.dumps({
        "rss_baseline_bytes": 10 << 20, "rss_1000_instruments_bytes": 80 << 20, "hwm_bytes": 90 << 20,
        "allocs_per_message": [{"venue": "binance", "frame": "trade", "messages": 100, "allocs": 0, "per_message": 0},
                               {"venue": "binance", "frame": "depthUpdate", "messages": 100, "allocs": 0, "per_message": 0}]}))
    (r / "python.json").write_text(json.dumps({
        "numpy_events_per_s": 1.5e7, "objects_events_per_s": 0.5e6,
        "peers": [{"venue": "okx", "frames": 10, "message_type": "books", "cryptofeed_us_per_frame": 60.0,
                   "tickwire_us_per_frame": 6.0, "ratio": 10.0}],
        "end_to_end": [{"who": "cryptofeed", "transport": "tls", "rate": 5000, "msgs_per_s": 4000, "cpu_s_per_msg": 5e-5},
                       {"who": "tickwire", "transport": "tls", "rate": 5000, "skipped": "no binary"}]}))
    text, out = run(tmp_path)
    assert row(text, "T1").endswith("| met |") and "3.57×" in row(text, "T1")
    assert row(text, "T2").endswith("| missed |")
    assert row(text, "T3").endswith("| missed |")
    assert row(text, "T4").endswith("| met |")  # lowest rate decides; both rates listed
    assert "100 k msg/s" in row(text, "T4")
    assert row(text, "T5").endswith("| met |")
    assert row(text, "T6").endswith("| met |") and "7.50 ns" in row(text, "T6")
    assert row(text, "T7").endswith("| met |")
    assert row(text, "T8").endswith("| missed |")
    assert row(text, "T9").endswith("| met |") and "with parsing, c_feed_poll/streaming_cap65536" in row(text, "T9")
    assert row(text, "T10").endswith("| missed |")
    assert "`ring_latency/tickwire`" in text and "skipped: no binary" in text
    assert (out / "latency_cdf.png").exists() or "No plots" in text
    assert (out / "per_frame.png").exists() or "No plots" in text
    latest = (tmp_path / "latest.md").read_text()
    assert "](out/" in latest or "No plots" in latest


def test_stale_criterion_results_are_ignored(tmp_path):
    crit(tmp_path / "criterion", "binance_trade_frame", "tickwire", None, 140.0)
    text, _ = run(tmp_path, "--since", "9999999999")
    assert row(text, "T1").endswith("| not measured |")
    assert "older than this run" in text
