"""Drives cryptofeed's Binance or OKX message handler with the frames of a corpus TSV, offline.

Runs in its own venv (cryptofeed pins old deps): `make py-bench` creates target/cfvenv.
Prints one JSON object on stdout: per message type, frames in, callback events out, best time.

    python bench/peers/cryptofeed_driver.py CAPTURE.tsv EXCHANGEINFO.tsv [REPEAT]   # Binance
    python bench/peers/cryptofeed_driver.py okx CAPTURE.tsv [REPEAT]                # OKX

OKX: the capture is cryptofeed's own recording (books/trades/tickers of 3 instruments); the
symbol table is seeded from its recorded rest_instruments bodies (OKX._parse_symbol_data), and
book snapshots arrive in band (`"action":"snapshot"`), so each timed pass starts from an empty
book and includes them, as tickwire's replay of the same frames does.

No network: the symbol table is seeded from a recorded /api/v3/exchangeInfo body (Symbols.set,
through cryptofeed's own Binance._parse_symbol_data), and the depth snapshot request
(`http_conn.read`) returns the capture's recorded rest_depth_snapshot body, so cryptofeed's own
`_snapshot` / `_check_update_id` / `_book` code runs unchanged.
"""

import asyncio
import json
import logging
import sys
import time
from importlib.metadata import version

from cryptofeed.defines import L2_BOOK, TICKER, TRADES
from cryptofeed.exchanges import OKX, Binance
from cryptofeed.symbols import Symbols

logging.disable(logging.CRITICAL)  # "unexpected message" warnings would be timed otherwise


def rows(path):
    with open(path, encoding="utf-8") as f:
        next(f)  # header: recv_ns conn channel frame
        for line in f:
            recv_ns, _conn, channel, frame = line.rstrip("\n").split("\t", 3)
            yield int(recv_ns), channel, frame


def as_agg_trade(frame):
    # The capture has the `trade` stream; cryptofeed 2.x only subscribes to and handles
    # `aggTrade` (it logs and drops "e":"trade"). Same fields but the id key: rename e and t -> a.
    return frame.replace('"e":"trade"', '"e":"aggTrade"', 1).replace(',"t":', ',"a":', 1)


async def main(capture, exinfo_tsv, repeat):
    info = next(fr for _, ch, fr in rows(exinfo_tsv) if ch == "rest_exchangeinfo")
    Symbols.set(Binance.id, *Binance._parse_symbol_data(json.loads(info)))

    frames = {"trade": [], "bookticker": [], "depth_update": []}
    mixed = []
    snapshot = None
    for recv_ns, ch, fr in rows(capture):
        if ch == "rest_depth_snapshot":
            snapshot = fr
            continue
        if ch == "trade":
            fr = as_agg_trade(fr)
        if ch in frames:
            frames[ch].append((fr, recv_ns / 1e9))
            mixed.append((fr, recv_ns / 1e9))

    counts = {TRADES: 0, TICKER: 0, L2_BOOK: 0}

    async def on_trade(obj, ts):
        counts[TRADES] += 1

    async def on_ticker(obj, ts):
        counts[TICKER] += 1

    async def on_book(obj, ts):
        counts[L2_BOOK] += 1

    feed = Binance(
        symbols=["BTC-USDT"],
        channels=[TRADES, TICKER, L2_BOOK],
        callbacks={TRADES: on_trade, TICKER: on_ticker, L2_BOOK: on_book},
    )

    async def recorded_read(url, *a, **k):  # the REST depth snapshot, from the capture
        return snapshot

    feed.http_conn.read = recorded_read
    handler = feed.message_handler
    conn = None

    async def run(lst):
        for fr, ts in lst:
            await handler(fr, conn, ts)

    out = {"cryptofeed": version("cryptofeed"), "python": sys.version.split()[0], "types": {}}
    cb_of = {"trade": TRADES, "bookticker": TICKER, "depth_update": L2_BOOK}
    for ch, lst in frames.items():
        best = float("inf")
        for _ in range(repeat):
            if ch == "depth_update":
                # fresh book each pass, seeded (untimed) by cryptofeed's own _snapshot
                feed._reset()
                await feed._snapshot("BTCUSDT")
            counts[cb_of[ch]] = 0
            t = time.perf_counter()
            await run(lst)
            best = min(best, time.perf_counter() - t)
        events = counts[cb_of[ch]]  # reset after the seeding snapshot's own callback
        out["types"][ch] = {"frames": len(lst), "events": events, "seconds": best}

    best = float("inf")
    for _ in range(repeat):
        feed._reset()  # snapshot fetched inline at the first depth frame, as live
        for k in counts:
            counts[k] = 0
        t = time.perf_counter()
        await run(mixed)
        best = min(best, time.perf_counter() - t)
    out["types"]["all"] = {"frames": len(mixed), "events": sum(counts.values()), "seconds": best}
    print(json.dumps(out))


OKX_TYPES = {"trades": TRADES, "tickers": TICKER, "books": L2_BOOK}


async def main_okx(capture, repeat):
    bodies = [json.loads(fr) for _, ch, fr in rows(capture) if ch == "rest_instruments"]
    Symbols.set(OKX.id, *OKX._parse_symbol_data(bodies))
    frames = {ch: [] for ch in OKX_TYPES}
    mixed = []
    inst = set()
    for recv_ns, ch, fr in rows(capture):
        if ch in frames:
            frames[ch].append((fr, recv_ns / 1e9))
            mixed.append((fr, recv_ns / 1e9))
            inst.add(json.loads(fr)["arg"]["instId"])
    counts = {TRADES: 0, TICKER: 0, L2_BOOK: 0}

    def counter(kind):
        async def cb(obj, ts):
            counts[kind] += 1
        return cb

    std = {v: k for k, v in Symbols.get(OKX.id)[0].items()}
    feed = OKX(
        symbols=sorted(std[i] for i in inst),
        channels=[TRADES, TICKER, L2_BOOK],
        callbacks={k: counter(k) for k in counts},
    )
    handler = feed.message_handler

    async def run(lst):
        for fr, ts in lst:
            await handler(fr, None, ts)

    out = {"cryptofeed": version("cryptofeed"), "python": sys.version.split()[0], "venue": "okx", "types": {}}
    for ch, lst in list(frames.items()) + [("all", mixed)]:
        best = float("inf")
        for _ in range(repeat):
            feed._l2_book = {}  # books start empty: the snapshots are in the frames (timed, both sides)
            for k in counts:
                counts[k] = 0
            t = time.perf_counter()
            await run(lst)
            best = min(best, time.perf_counter() - t)
        out["types"][ch] = {"frames": len(lst), "events": sum(counts.values()), "seconds": best}
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "okx":
        asyncio.run(main_okx(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 20))
    else:
        asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 20))
