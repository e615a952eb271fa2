"""cryptofeed's Binance feed, end to end against `tickwire sim` over loopback TLS.

Runs in cryptofeed's own venv (target/cfvenv). Its unchanged Binance feed class connects with
`websockets` (TLS) to the simulator instead of stream.binance.com, subscribes to BTCUSDT
aggTrade + bookTicker + depth@100ms (TRADES, TICKER, L2_BOOK; the depth snapshot comes from the
simulator's REST /api/v3/depth through cryptofeed's own aiohttp client) and runs its normal
handler with counting callbacks. Only the endpoints are overridden; the CA of the simulator is
trusted through an ssl context (websockets) and SSL_CERT_FILE (aiohttp, set by the caller).

    python bench/peers/cryptofeed_e2e.py WS_URL REST_URL CA.pem EXCHANGEINFO.tsv WARMUP_S MEASURE_S

Prints one JSON object: frames (WebSocket messages handled) and process CPU seconds (all
threads, user + system) inside the measurement window, its wall time, callbacks, errors.
"""

import asyncio
import json
import logging
import os
import ssl
import sys
import time
from importlib.metadata import version

from cryptofeed.connection import RestEndpoint, Routes, WebsocketEndpoint
from cryptofeed.defines import L2_BOOK, TICKER, TRADES
from cryptofeed.exchanges import Binance
from cryptofeed.symbols import Symbols

class LastProblem(logging.Handler):
    """Keeps cryptofeed's last warning/error (the reason, if it never gets a frame)."""

    last = ""

    def emit(self, record):
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
        LastProblem.last = text[-400:]


logging.getLogger("feedhandler").addHandler(LastProblem(logging.WARNING))
logging.getLogger("feedhandler").setLevel(logging.WARNING)
logging.getLogger("feedhandler").propagate = False


def cpu():
    return time.process_time()  # CLOCK_PROCESS_CPUTIME_ID: every thread, user + system, ns resolution


async def main(ws_url, rest_url, ca, exinfo_tsv, warmup, measure):
    with open(exinfo_tsv, encoding="utf-8") as f:
        next(f)
        info = next(ln.rstrip("\n").split("\t", 3)[3] for ln in f if ln.split("\t", 3)[2] == "rest_exchangeinfo")
    # the simulator serves no exchangeInfo: the symbol table comes from a recorded one
    Symbols.set(Binance.id, *Binance._parse_symbol_data(json.loads(info)))
    ctx = ssl.create_default_context(cafile=ca)

    class SimBinance(Binance):
        websocket_endpoints = [WebsocketEndpoint(ws_url, options={"ssl": ctx})]
        rest_endpoints = [RestEndpoint(rest_url, routes=Routes("/api/v3/exchangeInfo", l2book="/api/v3/depth?symbol={}&limit={}"))]

    counts = {TRADES: 0, TICKER: 0, L2_BOOK: 0}

    def counter(kind):
        async def cb(obj, ts):
            counts[kind] += 1
        return cb

    feed = SimBinance(symbols=["BTC-USDT"], channels=[TRADES, TICKER, L2_BOOK],
                      callbacks={k: counter(k) for k in counts}, max_depth=0)
    frames = [0]
    handle = feed.message_handler

    async def counting(msg, conn, ts):  # every WebSocket message goes through here
        frames[0] += 1
        await handle(msg, conn, ts)

    feed.message_handler = counting
    loop = asyncio.get_running_loop()
    feed.start(loop)
    # wait for the first frame (connect, subscribe), then warm up
    t_end = time.monotonic() + 15
    while frames[0] == 0 and time.monotonic() < t_end:
        await asyncio.sleep(0.05)
    if frames[0] == 0:
        print(json.dumps({"error": f"cryptofeed got no frame within 15 s; its last log: {LastProblem.last or 'none'}"}))
        os._exit(0)
    await asyncio.sleep(warmup)
    f0, c0, w0, e0 = frames[0], cpu(), time.perf_counter(), sum(counts.values())
    await asyncio.sleep(measure)
    f1, c1, w1, e1 = frames[0], cpu(), time.perf_counter(), sum(counts.values())
    feed.stop()
    print(json.dumps({
        "who": "cryptofeed", "version": version("cryptofeed"), "python": sys.version.split()[0],
        "frames": f1 - f0, "cpu_s": c1 - c0, "wall_s": w1 - w0, "callbacks": e1 - e0,
        "callbacks_by_type": dict(counts), "warnings": LastProblem.last,
    }))
    os._exit(0)  # skip cryptofeed's shutdown path (tasks would log on cancel)


if __name__ == "__main__":
    a = sys.argv[1:]
    try:
        import uvloop  # cryptofeed's FeedHandler runs on uvloop when installed: same here

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main(a[0], a[1], a[2], a[3], float(a[4]), float(a[5])))
