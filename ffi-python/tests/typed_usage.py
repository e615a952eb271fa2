"""A script using the public API; `mypy --strict` must accept it (checks the stubs and hints)."""

from typing import Dict, List, Optional

import numpy as np

import tickwire


def summarize(path: str) -> Dict[str, int]:
    counts: Dict[str, int] = {}
    with tickwire.replay(path, venue="binance") as r:
        for batch in r:
            for k, n in batch.counts().items():
                counts[k] = counts.get(k, 0) + n
            arr: np.ndarray = batch.trades().array
            assert arr.dtype == tickwire.EVENT_DTYPE
        top: Optional[tickwire.BookTop] = r.book("binance", "BTCUSDT").top(5)
        if top is not None:
            bids: List[tuple] = top.bids  # type: ignore[type-arg]
            assert bids
    return counts


def live(sim: tickwire.Simulator) -> int:
    with tickwire.Feed(["binance:BTCUSDT:trades"], endpoint=sim.ws_url, ca=sim.ca_pem) as feed:
        b = feed.poll(max_events=10, timeout=0.1)
        return 0 if b is None else len(b)


try:
    tickwire.replay("x", venue="binance")
except tickwire.RecordingError as e:
    print(str(e))
