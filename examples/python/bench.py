"""Brief benchmark: events per second into numpy batches and as single Python objects.

    python examples/python/bench.py [CAPTURE]
"""

import os
import pathlib
import sys
import time

import numpy as np

import tickwire

ROOT = pathlib.Path(os.environ.get("TICKWIRE_ROOT", pathlib.Path(__file__).resolve().parents[2]))
CAPTURE = sys.argv[1] if len(sys.argv) > 1 else str(
    ROOT / "core/tests/fixtures/binance/hftbacktest_btcusdt_20240808_first2500.tsv"
)


def best(f, repeat=5):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        n = f()
        times.append(time.perf_counter() - t)
    return n, min(times)


def replay_to_numpy():
    n = 0
    with tickwire.replay(CAPTURE, venue="binance", batch_size=65536) as r:
        for b in r:
            a = b.array  # zero-copy structured view
            n += len(a)
    return n


def report(what, n, dt):
    print(f"{what:<62} {n / dt / 1e6:8.2f} M events/s  ({n} events, {dt * 1e3:.1f} ms)")


n, dt = best(replay_to_numpy)
report("replay (JSON parse + books + dedupe) -> numpy batches", n, dt)

# the Python side alone: one big batch of already-normalized events
with tickwire.replay(CAPTURE, venue="binance", batch_size=1 << 20) as r:
    one = next(iter(r))
raw = bytes(one.data) * 100
table = one._table
n, dt = best(lambda: len(tickwire.Batch(bytearray(raw), table).array))
report("raw bytes -> numpy structured array (frombuffer)", n, dt)
big = tickwire.Batch(bytearray(raw), table)
n, dt = best(lambda: len(big.to_numpy()))
report("batch.to_numpy() (+ float64 price/size columns)", n, dt)
n, dt = best(lambda: len(big.trades().prices()) and len(big))
report("batch.trades().prices() (kind filter + float64)", n, dt)
n, dt = best(lambda: len(big.to_pandas()), repeat=3)
report("batch.to_pandas() (datetime64, categoricals, floats)", n, dt)
n, dt = best(lambda: sum(1 for _ in big), repeat=3)
report("for ev in batch: one tickwire.Event tuple per event", n, dt)
n, dt = best(lambda: len(big.array.tolist()), repeat=3)
report("batch.array.tolist(): one plain tuple per event", n, dt)
print(f"(numpy {np.__version__}, {len(raw) // 80} events in the big batch)")


# --- peer comparison: cryptofeed's Binance handler vs tickwire, same frames, same run -----------
# cryptofeed runs in its own venv (bench/peers/cryptofeed_driver.py, target/cfvenv via make py-bench).
import json  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402

CF_PYTHON = os.environ.get("CF_PYTHON", str(ROOT / "target/cfvenv/bin/python"))
EXINFO = ROOT / "core/tests/fixtures/binance/cryptofeed_20211012.tsv"  # recorded exchangeInfo
PEER_TYPES = [  # (corpus channels kept in the filtered capture, label)
    ("trade", ("trade",), "trade (cryptofeed: as aggTrade)"),
    ("bookticker", ("bookticker",), "bookTicker"),
    ("depth_update", ("depth_update", "rest_depth_snapshot"), "depthUpdate + book (snapshot untimed*)"),
    ("all", ("trade", "bookticker", "depth_update", "rest_depth_snapshot"), "all frames, file order (incl. snapshot)"),
]


def replay_count(path):
    n = 0
    with tickwire.replay(path, venue="binance", batch_size=65536) as r:
        for b in r:
            n += len(b.array)
    return n


def peer_comparison():
    print()
    if not os.path.exists(CF_PYTHON):
        print(f"cryptofeed comparison skipped: no {CF_PYTHON} (make py-bench creates it)")
        return
    proc = subprocess.run([CF_PYTHON, str(ROOT / "bench/peers/cryptofeed_driver.py"), CAPTURE, str(EXINFO)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        print("cryptofeed comparison failed:\n" + proc.stderr[-2000:])
        return
    cf = json.loads(proc.stdout.strip().splitlines()[-1])
    with open(CAPTURE, encoding="utf-8") as f:
        header, lines = f.readline(), f.readlines()
    tw = {}
    with tempfile.TemporaryDirectory() as d:
        empty = os.path.join(d, "empty.tsv")
        with open(empty, "w", encoding="utf-8") as f:
            f.write(header)
        _, fixed = best(lambda: replay_count(empty), repeat=20)
        snap = os.path.join(d, "snapshot.tsv")
        with open(snap, "w", encoding="utf-8") as f:
            f.write(header + "".join(ln for ln in lines if ln.split("\t", 3)[2] == "rest_depth_snapshot"))
        _, snap_dt = best(lambda: replay_count(snap), repeat=20)
        for key, channels, _ in PEER_TYPES:
            p = os.path.join(d, key + ".tsv")
            keep = [ln for ln in lines if ln.split("\t", 3)[2] in channels]
            with open(p, "w", encoding="utf-8") as f:
                f.write(header + "".join(keep))
            n, dt = best(lambda: replay_count(p), repeat=20)
            frames = sum(1 for ln in keep if ln.split("\t", 3)[2] != "rest_depth_snapshot")
            tw[key] = (frames, n, dt)
    print(f"peer: cryptofeed {cf['cryptofeed']} (Python {cf['python']}, its Binance.message_handler driven directly "
          f"in asyncio, callbacks counting) vs tickwire.replay -> numpy; best of 20; capture {os.path.basename(CAPTURE)}")
    print()
    print("| message type | frames | cryptofeed events | cryptofeed µs/frame (frames/s) "
          "| tickwire events | tickwire µs/frame (frames/s) | tickwire events/s | ratio "
          "| tickwire µs/frame net** | ratio net |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for key, _, label in PEER_TYPES:
        c = cf["types"][key]
        frames, n, dt = tw[key]
        cu, tu = c["seconds"] / c["frames"] * 1e6, dt / frames * 1e6
        net = ((snap_dt if key == "depth_update" else fixed) and (dt - (snap_dt if key == "depth_update" else fixed)))
        nu = max(net, 1e-9) / frames * 1e6
        print(f"| {label} | {frames} | {c['events']} | {cu:.2f} ({c['frames'] / c['seconds'] / 1e3:.0f} k/s) "
              f"| {n} | {tu:.3f} ({frames / dt / 1e6:.2f} M/s) | {n / dt / 1e6:.2f} M/s | {cu / tu:.1f}x | {nu:.3f} | {cu / nu:.1f}x |")
    print()
    print(f"tickwire figures are whole replays (open file, parse, books, dedupe, numpy batches), incl. a fixed "
          f"{fixed * 1e6:.0f} µs per replay (header-only file). *cryptofeed's depth pass is seeded by its own "
          f"_snapshot() before the clock starts; tickwire's depth file contains the snapshot row. "
          f"Ratio = cryptofeed µs/frame / tickwire µs/frame. "
          f"**net: minus that fixed cost (depth: minus a snapshot-only replay, {snap_dt * 1e6:.0f} µs), "
          f"so both sides exclude the snapshot there.")


peer_comparison()
