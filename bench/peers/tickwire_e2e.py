"""tickwire's Python Feed, end to end against `tickwire sim` over loopback TLS.

Runs in the tickwire venv (target/pyvenv). Subscribes to BTCUSDT trades + bbo + book (the same
three streams cryptofeed_e2e.py takes: trades, best bid/offer, depth diffs with the REST
snapshot from the simulator), trusts the simulator's CA, and consumes every batch as a numpy
structured array in this (Python) thread.

    python bench/peers/tickwire_e2e.py WS_URL REST_URL CA.pem WARMUP_S MEASURE_S

Prints one JSON object: frames (WebSocket data frames the feed read, its `frames` counter),
events delivered to Python and process CPU seconds (all threads: io shard + this consumer,
user + system) inside the measurement window, and its wall time.
"""

import json
import os
import sys
import time

import tickwire


def cpu():
    return time.process_time()  # CLOCK_PROCESS_CPUTIME_ID: every thread, user + system, ns resolution


def main(ws_url, rest_url, ca, warmup, measure):
    events = 0
    with tickwire.Feed(["binance:BTCUSDT:trades,bbo,book"], endpoint=ws_url, rest_endpoint=rest_url, ca=ca) as feed:
        t_end = time.monotonic() + 15
        while feed.metrics().get("frames", 0) == 0 and time.monotonic() < t_end:
            b = feed.poll(timeout=0.05)
            events += len(b.array) if b is not None else 0
        if feed.metrics().get("frames", 0) == 0:
            print(json.dumps({"error": "no frame within 15 s (connection or TLS failed)",
                              "last_error": feed.metrics().get("last_error")}))
            return
        t_warm = time.monotonic() + warmup
        while time.monotonic() < t_warm:
            b = feed.poll(timeout=0.05)
            events += len(b.array) if b is not None else 0
        m0, c0, w0, e0 = feed.metrics(), cpu(), time.perf_counter(), events
        t_stop = time.monotonic() + measure
        while time.monotonic() < t_stop:
            b = feed.poll(timeout=0.05)
            events += len(b.array) if b is not None else 0
        m1, c1, w1, e1 = feed.metrics(), cpu(), time.perf_counter(), events
    print(json.dumps({
        "who": "tickwire", "version": getattr(tickwire, "__version__", "?"), "python": sys.version.split()[0],
        "frames": m1["frames"] - m0["frames"], "cpu_s": c1 - c0, "wall_s": w1 - w0, "events": e1 - e0,
        "ring_drops": m1.get("ring_drops", 0) - m0.get("ring_drops", 0),
        "rest_snapshots": m1.get("rest_snapshots"), "last_error": m1.get("last_error"),
    }))


if __name__ == "__main__":
    a = sys.argv[1:]
    main(a[0], a[1], a[2], float(a[3]), float(a[4]))
