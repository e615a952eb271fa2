"""Quickstart: replay a capture, resample trades to 1-second bars, plot mid price and spread.

    python examples/python/quickstart.py [CAPTURE] [OUT.png]

Needs `tickwire`, `pandas` and `matplotlib`.
"""

import pathlib
import sys

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

import tickwire  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
capture = sys.argv[1] if len(sys.argv) > 1 else str(
    HERE.parents[1] / "core/tests/fixtures/binance/hftbacktest_btcusdt_20240808_first2500.tsv"
)
out = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else "quickstart.png")

trades, quotes = [], []
with tickwire.replay(capture, venue="binance") as replay:
    for batch in replay:  # batches of raw events; conversions are vectorized
        trades.append(batch.trades().to_pandas())
        quotes.append(batch.quotes().to_pandas())
    print(replay)
    print("book top:", replay.book("binance", "BTCUSDT").top(3))

# Binance spot bookTicker frames carry no exchange time (ts_exchange is 0): put trades and
# quotes on one clock, the receive time, which every event has.
tr = pd.concat(trades).set_index("ts_recv").sort_index()
qt = pd.concat(quotes).set_index("ts_recv").sort_index()
assert (qt.index.year > 2000).all(), "quotes need a real clock"

bars = tr["price"].resample("1s").ohlc()
bars["volume"] = tr["size"].resample("1s").sum()
bars["trades"] = tr["price"].resample("1s").count()
print(f"{len(tr)} trades -> {len(bars)} one-second bars")
print(bars.dropna().head())

fig, (ax1, ax2) = plt.subplots(2, 1, sharex=True, figsize=(10, 6))
ax1.plot(qt.index, qt["mid"], lw=0.8, label="mid (bookTicker)")
ax1.step(bars.index, bars["close"], where="post", lw=1.2, label="1 s close (trades)")
ax1.set_ylabel("price (USDT)")
ax1.legend()
ax2.plot(qt.index, qt["spread"], lw=0.8, color="tab:red")
ax2.set_ylabel("spread (USDT)")
ax2.set_xlabel("receive time (UTC)")
fig.suptitle("BTCUSDT, Binance spot (replayed with tickwire)")
fig.tight_layout()
fig.savefig(out, dpi=100)
print(f"wrote {out}")
