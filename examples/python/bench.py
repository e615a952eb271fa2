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
