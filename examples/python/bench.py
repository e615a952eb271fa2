"""Brief benchmark: events per second into numpy batches and as single Python objects, then
the peer (cryptofeed) on the same Binance and OKX frames and end to end from the simulator.

    python examples/python/bench.py [CAPTURE]

Environment: TW_BENCH_OUT=DIR also writes DIR/python.json (T8 figures, the peer table, the end
to end rows; every figure measured in this run); TW_BENCH_QUICK=1 fewer repeats, one end-to-end
rate, shorter windows; CF_PYTHON cryptofeed's venv python; TICKWIRE_CLI the tickwire binary
(for `tickwire sim`); TW_BENCH_E2E_RATES (default 5000,20000,50000; quick: 20000).
"""

import json
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


QUICK = os.environ.get("TW_BENCH_QUICK", "") not in ("", "0")
RESULT = {}  # -> python.json


def best(f, repeat=5):
    if QUICK:
        repeat = max(1, min(repeat, 3))
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


def report(what, n, dt, key=None):
    print(f"{what:<62} {n / dt / 1e6:8.2f} M events/s  ({n} events, {dt * 1e3:.1f} ms)")
    if key:
        RESULT[key] = n / dt


n, dt = best(replay_to_numpy)
report("replay (JSON parse + books + dedupe) -> numpy batches", n, dt, "replay_numpy_events_per_s")

# the Python side alone: one big batch of already-normalized events
with tickwire.replay(CAPTURE, venue="binance", batch_size=1 << 20) as r:
    one = next(iter(r))
raw = bytes(one.data) * 100
table = one._table
n, dt = best(lambda: len(tickwire.Batch(bytearray(raw), table).array))
report("raw bytes -> numpy structured array (frombuffer)", n, dt, "numpy_events_per_s")
big = tickwire.Batch(bytearray(raw), table)
n, dt = best(lambda: len(big.to_numpy()))
report("batch.to_numpy() (+ float64 price/size columns)", n, dt, "to_numpy_events_per_s")
n, dt = best(lambda: len(big.trades().prices()) and len(big))
report("batch.trades().prices() (kind filter + float64)", n, dt, "trades_prices_events_per_s")
n, dt = best(lambda: len(big.to_pandas()), repeat=3)
report("batch.to_pandas() (datetime64, categoricals, floats)", n, dt, "to_pandas_events_per_s")
n, dt = best(lambda: sum(1 for _ in big), repeat=3)
report("for ev in batch: one tickwire.Event tuple per event", n, dt, "objects_events_per_s")
n, dt = best(lambda: len(big.array.tolist()), repeat=3)
report("batch.array.tolist(): one plain tuple per event", n, dt, "plain_tuples_events_per_s")
print(f"(numpy {np.__version__}, {len(raw) // 80} events in the big batch)")
RESULT["notes"] = [
    "numpy_events_per_s (T8 numpy): already-normalized event bytes -> numpy structured array "
    f"(one batch of {len(raw) // 80} events); replay_numpy_events_per_s includes JSON parse, books, dedupe.",
    "objects_events_per_s (T8 objects): `for ev in batch`, one tickwire.Event named tuple per event; "
    "plain_tuples_events_per_s: batch.array.tolist(), one plain tuple per event.",
]


# --- peer comparison: cryptofeed's Binance and OKX handlers vs tickwire, same frames, same run -----
# cryptofeed runs in its own venv (bench/peers/cryptofeed_driver.py, target/cfvenv via make py-bench).
import subprocess  # noqa: E402
import tempfile  # noqa: E402

CF_PYTHON = os.environ.get("CF_PYTHON", str(ROOT / "target/cfvenv/bin/python"))
EXINFO = ROOT / "core/tests/fixtures/binance/cryptofeed_20211012.tsv"  # recorded exchangeInfo
OKX_CAPTURE = ROOT / "core/tests/fixtures/okx/cryptofeed_20220513_ws_3instr.tsv"  # cryptofeed's own capture
REPEAT = 5 if QUICK else 20
PEER_TYPES = [  # (corpus channels kept in the filtered capture, label)
    ("trade", ("trade",), "trade (cryptofeed: as aggTrade)"),
    ("bookticker", ("bookticker",), "bookTicker"),
    ("depth_update", ("depth_update", "rest_depth_snapshot"), "depthUpdate + book (snapshot untimed*)"),
    ("all", ("trade", "bookticker", "depth_update", "rest_depth_snapshot"), "all frames, file order (incl. snapshot)"),
]
OKX_TYPES = [  # OKX: book snapshots arrive in band, so both sides start from empty books and time them
    ("trades", ("trades",), "trades"),
    ("tickers", ("tickers",), "tickers"),
    ("books", ("books",), "books: snapshot + updates, book applied"),
    ("all", ("trades", "tickers", "books"), "all frames, file order"),
]


def replay_count(path, venue="binance"):
    n = 0
    with tickwire.replay(path, venue=venue, batch_size=65536) as r:
        for b in r:
            n += len(b.array)
    return n


def run_driver(args):
    """cryptofeed's figures (its venv), or (None, reason)."""
    if not os.path.exists(CF_PYTHON):
        return None, f"no {CF_PYTHON} (make py-bench creates it)"
    proc = subprocess.run([CF_PYTHON, str(ROOT / "bench/peers/cryptofeed_driver.py"), *args, str(REPEAT)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return None, "cryptofeed driver failed: " + proc.stderr.strip()[-600:]
    return json.loads(proc.stdout.strip().splitlines()[-1]), ""


def peer_comparison():
    print()
    cf, why = run_driver([CAPTURE, str(EXINFO)])
    if cf is None:
        print(f"cryptofeed comparison (Binance) skipped: {why}")
        RESULT.setdefault("peers_skipped", []).append(f"binance: {why}")
        return
    with open(CAPTURE, encoding="utf-8") as f:
        header, lines = f.readline(), f.readlines()
    tw = {}
    with tempfile.TemporaryDirectory() as d:
        empty = os.path.join(d, "empty.tsv")
        with open(empty, "w", encoding="utf-8") as f:
            f.write(header)
        _, fixed = best(lambda: replay_count(empty), repeat=REPEAT)
        snap = os.path.join(d, "snapshot.tsv")
        with open(snap, "w", encoding="utf-8") as f:
            f.write(header + "".join(ln for ln in lines if ln.split("\t", 3)[2] == "rest_depth_snapshot"))
        _, snap_dt = best(lambda: replay_count(snap), repeat=REPEAT)
        for key, channels, _ in PEER_TYPES:
            p = os.path.join(d, key + ".tsv")
            keep = [ln for ln in lines if ln.split("\t", 3)[2] in channels]
            with open(p, "w", encoding="utf-8") as f:
                f.write(header + "".join(keep))
            n, dt = best(lambda: replay_count(p), repeat=REPEAT)
            frames = sum(1 for ln in keep if ln.split("\t", 3)[2] != "rest_depth_snapshot")
            tw[key] = (frames, n, dt)
    print(f"peer: cryptofeed {cf['cryptofeed']} (Python {cf['python']}, its Binance.message_handler driven directly "
          f"in asyncio, callbacks counting) vs tickwire.replay -> numpy; best of {REPEAT}; capture {os.path.basename(CAPTURE)}")
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
        RESULT.setdefault("peers", []).append({
            "venue": "binance", "frames": frames, "message_type": key,
            "cryptofeed_us_per_frame": cu, "tickwire_us_per_frame": tu, "ratio": cu / tu,
            "tickwire_us_per_frame_net": nu, "ratio_net": cu / nu,
            "cryptofeed_events": c["events"], "tickwire_events": n, "cryptofeed": cf["cryptofeed"],
        })
    print()
    print(f"tickwire figures are whole replays (open file, parse, books, dedupe, numpy batches), incl. a fixed "
          f"{fixed * 1e6:.0f} µs per replay (header-only file). *cryptofeed's depth pass is seeded by its own "
          f"_snapshot() before the clock starts; tickwire's depth file contains the snapshot row. "
          f"Ratio = cryptofeed µs/frame / tickwire µs/frame. "
          f"**net: minus that fixed cost (depth: minus a snapshot-only replay, {snap_dt * 1e6:.0f} µs), "
          f"so both sides exclude the snapshot there.")


def peer_comparison_okx():
    print()
    cf, why = run_driver(["okx", str(OKX_CAPTURE)])
    if cf is None:
        print(f"cryptofeed comparison (OKX) skipped: {why}")
        RESULT.setdefault("peers_skipped", []).append(f"okx: {why}")
        return
    with open(OKX_CAPTURE, encoding="utf-8") as f:
        header, lines = f.readline(), f.readlines()
    tw = {}
    # A replay pays a fixed cost per file and per first-seen instrument (~0.2-0.6 ms here): large
    # next to 28-290 frames. "net" is the slope: a file with the frames K times over minus the file
    # once, over (K-1) x frames. Book copies restart at their snapshots; repeated trades are
    # parsed and then dropped by tickwire's dedupe (events column: the single copy).
    K = 4  # more copies grow the batches past one 65,536-event batch (books: 8,267 events a copy)
    with tempfile.TemporaryDirectory() as d:
        for key, channels, _ in OKX_TYPES:
            keep = [ln for ln in lines if ln.split("\t", 3)[2] in channels]
            p = os.path.join(d, key + ".tsv")
            with open(p, "w", encoding="utf-8") as f:
                f.write(header + "".join(keep))
            n, dt = best(lambda: replay_count(p, "okx"), repeat=REPEAT)
            pk = os.path.join(d, key + "_k.tsv")
            with open(pk, "w", encoding="utf-8") as f:
                f.write(header + "".join(keep * K))
            _, dt_k = best(lambda: replay_count(pk, "okx"), repeat=REPEAT)
            tw[key] = (len(keep), n, dt, (dt_k - dt) / (K - 1))
    print(f"peer: cryptofeed {cf['cryptofeed']} OKX.message_handler (books, trades, tickers of 3 instruments) vs "
          f"tickwire.replay(venue='okx') -> numpy; best of {REPEAT}; capture {OKX_CAPTURE.name} (cryptofeed's own)")
    print()
    print("| message type | frames | cryptofeed events | cryptofeed µs/frame | tickwire events "
          "| tickwire µs/frame | ratio | tickwire µs/frame net** | ratio net |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for key, _, label in OKX_TYPES:
        c = cf["types"][key]
        frames, n, dt, net = tw[key]
        assert frames == c["frames"], (key, frames, c["frames"])
        cu, tu = c["seconds"] / c["frames"] * 1e6, dt / frames * 1e6
        nu = max(net, 1e-9) / frames * 1e6
        print(f"| {label} | {frames} | {c['events']} | {cu:.2f} | {n} | {tu:.3f} | {cu / tu:.1f}x | {nu:.3f} | {cu / nu:.1f}x |")
        RESULT.setdefault("peers", []).append({
            "venue": "okx", "frames": frames, "message_type": key,
            "cryptofeed_us_per_frame": cu, "tickwire_us_per_frame": tu, "ratio": cu / tu,
            "tickwire_us_per_frame_net": nu, "ratio_net": cu / nu,
            "cryptofeed_events": c["events"], "tickwire_events": n, "cryptofeed": cf["cryptofeed"],
        })
    print()
    print(f"Both sides start each pass with empty books and process the in-band snapshots (cryptofeed's symbol "
          f"table and feed object are built before its clock starts). tickwire figures are whole replays; "
          f"**net: the slope, (replay of the frames {K} times over - replay of them once) / ({K - 1} x frames): "
          f"removes the per-file and first-instrument setup, keeps the snapshots.")


def end_to_end():
    print()
    sys.path.insert(0, str(ROOT / "bench/peers"))
    import e2e  # bench/peers/e2e.py

    rates = [int(x) for x in os.environ.get("TW_BENCH_E2E_RATES", "20000" if QUICK else "5000,20000,50000").split(",")]
    warmup, measure = (0.5, 2.0) if QUICK else (1.0, 4.0)
    got = e2e.run(rates, warmup, measure, CF_PYTHON)
    RESULT["end_to_end"] = got["end_to_end"]
    if got.get("end_to_end_skipped"):
        RESULT["end_to_end_skipped"] = got["end_to_end_skipped"]
        print(f"end to end skipped: {got['end_to_end_skipped']}")
        return
    print(f"end to end: `tickwire sim --venue binance` (synthetic BTCUSDT, loopback TLS), one client at a time, "
          f"BTCUSDT trades + best bid/offer + depth diffs; warm-up {warmup} s, window {measure} s; "
          f"CPU = the client process, all threads")
    print()
    print("| who | offered rate | msgs/s | CPU s/msg | CPU µs/msg | cores busy | note |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in got["end_to_end"]:
        if r.get("skipped"):
            print(f"| {r['who']} | {r['rate']} | — | — | — | — | skipped: {r['skipped']} |")
        else:
            print(f"| {r['who']} | {r['rate']} | {r['msgs_per_s']:.0f} | {r['cpu_s_per_msg']:.3g} "
                  f"| {r['cpu_s_per_msg'] * 1e6:.2f} | {r['cpu_share']:.2f} | |")


def write_json():
    out = os.environ.get("TW_BENCH_OUT")
    if not out:
        return
    os.makedirs(out, exist_ok=True)
    RESULT.setdefault("peers", [])
    RESULT.setdefault("end_to_end", [])
    RESULT["quick"] = QUICK
    path = os.path.join(out, "python.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(RESULT, f, indent=1)
    print(f"\nwrote {path}")


for section, skip_key in ((peer_comparison, "peers_skipped"), (peer_comparison_okx, "peers_skipped"),
                          (end_to_end, "end_to_end_skipped")):
    try:
        section()
    except Exception as e:  # recorded as skipped with the reason, never as a figure
        import traceback

        traceback.print_exc()
        why = f"{section.__name__} failed: {type(e).__name__}: {e}"
        if skip_key == "peers_skipped":
            RESULT.setdefault(skip_key, []).append(why)
        else:
            RESULT[skip_key] = why
write_json()
