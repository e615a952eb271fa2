"""Live feeds and replays: one kind of object for both."""

from __future__ import annotations

import asyncio
import html
import os
from typing import Any, Dict, Iterable, Iterator, List, NamedTuple, Optional, Sequence, Tuple, Union

from . import _native
from ._batch import Batch, InstrumentTable, exact as _exact_decimal

PathLike = Union[str, "os.PathLike[str]"]
Level = Tuple[Any, Any]

#: Default number of events per batch.
DEFAULT_BATCH = 4096


class BookTop(NamedTuple):
    """The best levels of a book, best first: `(price, size)` pairs per side."""

    bids: List[Level]
    asks: List[Level]


class Book:
    """A handle on one live order book (`feed.book(venue, symbol)`)."""

    def __init__(self, stream: "Stream", venue: str, symbol: str) -> None:
        self._stream = stream
        self.venue = venue
        self.symbol = symbol.upper()

    def top(self, n: int = 10, exact: bool = False) -> Optional[BookTop]:
        """The `n` best levels per side (floats, or `decimal.Decimal`s with `exact=True`);
        `None` while the book is not synced (no snapshot yet, or resyncing after a gap)."""
        got = self._stream._native.book_top(self.venue, self.symbol, n)
        if got is None:
            return None
        bids, asks, pe, qe = got

        def conv(m: int, e: int) -> Any:
            d = _exact_decimal(m, e)
            return d if exact else float(d)

        return BookTop(
            [(conv(p, pe), conv(q, qe)) for p, q in bids],
            [(conv(p, pe), conv(q, qe)) for p, q in asks],
        )

    def __repr__(self) -> str:
        return f"<tickwire.Book {self.venue}:{self.symbol}>"


class Stream:
    """What `Feed(...)` and `replay(...)` return: a context manager that always stops cleanly,
    an iterator over non-empty `Batch`es, `poll()` for non-blocking use, and `async for`.

    Waiting releases the GIL and checks for signals every 50 ms (Ctrl-C interrupts a wait).
    """

    _native: "_native.Source"

    def __init__(self, source: "_native.Source", batch_size: int = DEFAULT_BATCH) -> None:
        self._native = source
        self._table = InstrumentTable(source)
        self.batch_size = batch_size
        self.events_delivered = 0

    # --- reading ------------------------------------------------------------------------------
    def poll(self, max_events: Optional[int] = None, timeout: Optional[float] = 0.0) -> Optional[Batch]:
        """Up to `max_events` events. `timeout` seconds to wait (0: do not wait; `None`: until
        some arrive). Returns an empty `Batch` on timeout and `None` once a replay has ended.
        Raises `ClosedError` after `close()`."""
        data = self._native.poll(self.batch_size if max_events is None else max_events, timeout)
        if data is None:
            return None
        self.events_delivered += len(data) // _native.EVENT_SIZE
        return Batch(data, self._table)

    def __iter__(self) -> Iterator[Batch]:
        return self

    def __next__(self) -> Batch:
        while True:
            batch = self.poll(timeout=None)
            if batch is None:
                raise StopIteration
            if len(batch):
                return batch

    def __aiter__(self) -> "Stream":
        return self

    async def __anext__(self) -> Batch:
        while True:
            # the wait runs in a worker thread with the GIL released: the loop keeps running
            batch = await asyncio.to_thread(self.poll, None, 0.1)
            if batch is None:
                raise StopAsyncIteration
            if len(batch):
                return batch

    # --- lifetime -----------------------------------------------------------------------------
    def close(self) -> None:
        """Stops the feed (joins its threads) or closes the replay. Idempotent."""
        self._native.close()

    @property
    def closed(self) -> bool:
        """Whether `close()` was called."""
        return self._native.closed

    def __enter__(self) -> "Stream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> "Stream":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.close)

    # --- state --------------------------------------------------------------------------------
    def instruments(self) -> List[Dict[str, Any]]:
        """The instrument table: `{"id", "venue", "symbol", "px_exp", "qty_exp", "unified"}` per
        instrument (`unified` is the cross-venue name: `BTC-USDT`, `BTC-USDT-PERP`)."""
        return [
            {"id": i, "venue": v, "symbol": s, "px_exp": pe, "qty_exp": qe, "unified": u}
            for i, v, s, pe, qe, u in self._native.instruments()
        ]

    def book(self, venue: str, symbol: str) -> Book:
        """A handle on the live book of `symbol` on `venue` (see `Book.top`)."""
        if venue not in _native.VENUES and venue.replace("_", "-") not in _native.VENUES:
            raise _native.ConfigError(f"unknown venue {venue!r} (known: {', '.join(_native.VENUES)})")
        return Book(self, venue, symbol)

    def metrics(self) -> Dict[str, Any]:
        """Counters (frames, connections, drops, books, dedupe) and latency percentiles in ns."""
        return self._native.metrics()

    # --- display ------------------------------------------------------------------------------
    def _state(self) -> str:
        if self._native.closed:
            return "closed"
        if self._native.finished:
            return "finished"
        return "open"

    def __repr__(self) -> str:
        kind = "Feed" if self._native.live else "Replay"
        return (
            f"<tickwire.{kind} {self._native.description} [{self._state()}], "
            f"{self.events_delivered} events delivered>"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{i['id']}</td><td>{i['venue']}</td><td>{html.escape(i['symbol'])}</td>"
            f"<td>{i['px_exp']}</td><td>{i['qty_exp']}</td></tr>"
            for i in self.instruments()[:20]
        )
        return (
            f"<p><b>{html.escape(repr(self))}</b></p>"
            f"<table><tr><th>id</th><th>venue</th><th>symbol</th><th>px_exp</th><th>qty_exp</th></tr>{rows}</table>"
        )


class Feed(Stream):
    """A live feed: `Feed(["binance:BTCUSDT:trades,bbo,book"])`.

    Specs are `venue:SYMBOL[:channel,...]`; a channel may choose the venue's native variant
    (`"okx:BTC-USDT:trades,book=books5"`, `"gateio:BTC_USDT:book=obu"`; README "Subscription
    specs" lists them). A bad spec raises `ConfigError` naming the valid variants.

    `endpoint`/`rest_endpoint` point it elsewhere (e.g. a `Simulator`), `ca` is a CA certificate
    (PEM text or bytes, or a path to a PEM file) to trust instead of the webpki roots, `shards`
    the number of io threads, `overflow` what happens when the consumer falls behind
    (`drop_newest`, `drop_oldest`, `conflate`, `block`; losses are reported in band),
    `redundancy` the connections carrying the same streams (1..8; the first copy of each event
    wins; books of venues without a sequence come from the first connection).
    """

    def __init__(
        self,
        subscriptions: Union[str, Sequence[str]],
        *,
        endpoint: Optional[str] = None,
        rest_endpoint: Optional[str] = None,
        ca: Union[str, bytes, "os.PathLike[str]", None] = None,
        shards: Optional[int] = None,
        overflow: str = "drop_newest",
        capacity: Optional[int] = None,
        batch_size: int = DEFAULT_BATCH,
        redundancy: Optional[int] = None,
    ) -> None:
        subs = [subscriptions] if isinstance(subscriptions, str) else list(subscriptions)
        source = _native.Source.open_feed(
            subs, endpoint, rest_endpoint, _ca_bytes(ca), shards, overflow, capacity, redundancy
        )
        super().__init__(source, batch_size)


class Replay(Stream):
    """A replay of recordings (see `replay()`)."""

    def __init__(
        self,
        paths: Union[PathLike, Iterable[PathLike]],
        venue: str,
        speed: Optional[float] = None,
        batch_size: int = DEFAULT_BATCH,
    ) -> None:
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        source = _native.Source.open_replay([os.fspath(p) for p in paths], venue, speed)
        super().__init__(source, batch_size)


def replay(
    paths: Union[PathLike, Iterable[PathLike]],
    venue: str,
    speed: Optional[float] = None,
    batch_size: int = DEFAULT_BATCH,
) -> Replay:
    """Replays recordings (`.twrec` or corpus TSV; several files are one stream) through the
    same parsers, books and dedupe as live data. `speed=None`: as fast as possible; `speed=x`:
    x times the recorded pace. Raises `RecordingError` if a file is missing or unreadable."""
    return Replay(paths, venue, speed, batch_size)


def _ca_bytes(ca: Union[str, bytes, "os.PathLike[str]", None]) -> Optional[bytes]:
    if ca is None or isinstance(ca, bytes):
        return ca
    if isinstance(ca, str) and "-----BEGIN" in ca:
        return ca.encode()
    try:
        with open(os.fspath(ca), "rb") as f:
            return f.read()
    except OSError as e:
        raise _native.TlsError(f"cannot read the CA file {os.fspath(ca)!r}: {e.strerror}") from None


class Simulator:
    """The local exchange simulator (Binance protocols, TLS with a generated CA, loopback).

    `Simulator()` serves synthetic BTCUSDT data at `rate` frames/s; `files=[...]` replays
    captures instead. A context manager (starts, then stops and joins every thread); or call
    `start()`/`stop()`. Point a `Feed` at it with `endpoint=sim.ws_url,
    rest_endpoint=sim.rest_url, ca=sim.ca_pem`.
    """

    def __init__(
        self,
        venue: str = "binance",
        *,
        rate: int = 1000,
        symbols: Optional[Sequence[str]] = None,
        files: Optional[Sequence[PathLike]] = None,
        speed: Optional[float] = None,
        tls: bool = True,
        loop_forever: bool = False,
    ) -> None:
        self._native = _native.Simulator(
            venue,
            rate,
            list(symbols) if symbols is not None else None,
            [os.fspath(f) for f in files] if files is not None else None,
            speed,
            tls,
            loop_forever,
        )

    def start(self) -> "Simulator":
        """Starts serving on an ephemeral loopback port (idempotent)."""
        self._native.start()
        return self

    def stop(self) -> None:
        """Stops serving and joins every thread (idempotent)."""
        self._native.stop()

    @property
    def running(self) -> bool:
        """Whether it is serving."""
        return self._native.running

    @property
    def ws_url(self) -> str:
        """The WebSocket URL (`wss://127.0.0.1:PORT`); `ClosedError` when not running."""
        return self._native.ws_url

    @property
    def rest_url(self) -> str:
        """The REST base URL; `ClosedError` when not running."""
        return self._native.rest_url

    @property
    def ca_pem(self) -> str:
        """The generated CA certificate (PEM); `ClosedError` when not running."""
        return self._native.ca_pem

    def stats(self) -> Dict[str, int]:
        """Counters: connections, frames sent, REST requests, ..."""
        return self._native.stats()

    def feed(self, subscriptions: Union[str, Sequence[str]], **kwargs: Any) -> Feed:
        """A `Feed` connected to this simulator."""
        return Feed(subscriptions, endpoint=self.ws_url, rest_endpoint=self.rest_url, ca=self.ca_pem, **kwargs)

    def __enter__(self) -> "Simulator":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self._native.ws_url if self._native.running else "stopped"
        return f"<tickwire.Simulator {self._native.venue} {where}>"
