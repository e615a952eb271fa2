"""Tests of the installed `tickwire` wheel (run from a directory where the source is not importable)."""

import asyncio
import decimal
import json
import os
import pathlib
import subprocess
import sys
import time

import numpy as np
import pytest

import tickwire
from tickwire import _native

ROOT = pathlib.Path(os.environ.get("TICKWIRE_ROOT", pathlib.Path(__file__).resolve().parents[2]))
CAPTURE = ROOT / "core/tests/fixtures/binance/hftbacktest_btcusdt_20240808_first2500.tsv"
CLI = pathlib.Path(os.environ.get("TICKWIRE_CLI", ROOT / "target/release/tickwire"))


def test_installed_not_source():
    assert "site-packages" in tickwire.__file__, tickwire.__file__
    assert tickwire.__version__ == _native.__version__


def test_dtype_matches_rust_layout_field_by_field():
    dt = tickwire.EVENT_DTYPE
    assert dt.itemsize == _native.EVENT_SIZE == 80
    assert list(dt.names) == [n for n, _, _ in _native.EVENT_FIELDS]
    for name, off, size in _native.EVENT_FIELDS:
        ftype, foff = dt.fields[name][:2]
        assert (foff, ftype.itemsize) == (off, size), name
    end = 0
    for name, off, size in _native.EVENT_FIELDS:
        assert off >= end
        end = off + size
    assert end == 80


def test_replay_equals_cli_json_lines():
    assert CLI.exists(), f"build the CLI first: {CLI}"
    want = subprocess.run(
        [str(CLI), "replay", "--venue", "binance", str(CAPTURE)], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    got = []
    with tickwire.replay(CAPTURE, venue="binance") as r:
        for batch in r:
            got.extend(batch.to_json())
    assert len(got) == len(want) > 10000
    assert got == want


VENUE_FIXTURES = [
    ("okx", "okx/cryptofeed_20220513_ws_3instr.tsv"),
    ("bybit-linear", "bybit/cryptofeed_20260809_linear_first600_norest.tsv"),
    ("coinbase", "coinbase/cryptofeed_20260809_advanced_trade_first300_nosnapshots.tsv"),
    ("kraken", "kraken/cryptofeed_20210417.tsv"),
    ("gateio", "gateio/cryptofeed_20210422.tsv"),
    ("gateio-futures", "gateio_futures/cryptofeed_20230524.tsv"),
    ("bitget", "bitget/cryptofeed_20220407_v1_spot_first200.tsv"),
    ("hyperliquid", "hyperliquid/hftbacktest_btcusd_20250126_first60s.tsv"),
]


@pytest.mark.parametrize("venue,fixture", VENUE_FIXTURES)
def test_every_venue_replays_like_the_cli(venue, fixture):
    path = ROOT / "core/tests/fixtures" / fixture
    want = subprocess.run(
        [str(CLI), "replay", "--venue", venue, str(path)], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    got = []
    with tickwire.replay(path, venue=venue) as r:
        for batch in r:
            got.extend(batch.to_json())
            frame = batch.to_pandas()
            assert set(frame["venue"].dropna().unique()) <= {venue}
        units = {i["unified"] for i in r.instruments()}
    assert len(got) == len(want) > 50
    assert got == want
    assert units and any(u.count("-") >= 1 for u in units), units


def test_exact_values_equal_cli_json():
    lines = []
    trades_exact, book_exact = [], []
    with tickwire.replay(str(CAPTURE), venue="binance") as r:
        for b in r:
            lines.extend(json.loads(x) for x in b.to_json())
            trades_exact.extend(b.trades().prices(exact=True))
            book_exact.extend(zip(b.book().prices(exact=True), b.book().sizes(exact=True)))
    want_tr = [decimal.Decimal(x["price"]) for x in lines if x["kind"] == "trade"]
    assert trades_exact == want_tr and len(want_tr) > 0
    want_bk = [(decimal.Decimal(x["price"]), decimal.Decimal(x["qty"])) for x in lines if x["kind"] == "book" and "price" in x]
    assert book_exact == want_bk
    # string form is canonical too
    assert [str(d) for d in trades_exact] == [x["price"] for x in lines if x["kind"] == "trade"]
    assert [(str(p), str(q)) for p, q in book_exact] == [(x["price"], x["qty"]) for x in lines if x["kind"] == "book" and "price" in x]


def test_numpy_and_pandas_conversions():
    with tickwire.replay(CAPTURE, venue="binance", batch_size=100_000) as r:
        batch = next(iter(r))
    assert len(batch) == 10244
    a = batch.array
    assert a.dtype == tickwire.EVENT_DTYPE and a.base is not None  # a view, no copy
    t = batch.trades()
    assert t.kind == "trade" and (t.array["kind"] == tickwire.KINDS["trade"]).all()
    np.testing.assert_array_equal(t.prices(), np.array([float(d) for d in t.prices(exact=True)]))
    rec = batch.quotes().to_numpy()
    assert {"bid_px", "ask_px", "mid", "spread", "ts_recv", "v"} <= set(rec.dtype.names)
    df = batch.to_pandas()
    assert str(df["ts_recv"].dtype) == "datetime64[ns]"
    assert str(df["symbol"].dtype) == "category" and set(df["symbol"].dropna()) == {"BTCUSDT"}
    tdf = t.to_pandas()
    assert (tdf["price"] > 50000).all() and set(tdf["side"].dropna()) <= {"buy", "sell"}
    bdf = batch.book().to_pandas()
    assert set(bdf["side"].dropna()) == {"bid", "ask"}
    sdf = batch.status().to_pandas()
    assert "resync" in set(sdf["status"]) and "book_synced" in set(sdf["status"])
    assert sum(batch.counts().values()) == len(batch)
    assert "tickwire.Batch" in repr(batch) and "<table" in batch._repr_html_()
    ev = next(iter(batch))
    assert isinstance(ev, tickwire.Event) and len(ev.v) == 5
    # every event object equals the record it came from, field by field
    events = batch.events()
    assert len(events) == len(batch) and all(type(e) is tickwire.Event for e in events)
    for e, rec in zip(events, a.tolist()):
        assert tuple(e[:-1]) == rec[:-1] and e.v == tuple(rec[-1])
    assert events[1000]._asdict()["kind"] == int(a["kind"][1000])
    assert list(tickwire.Batch(bytearray(), batch._table)) == []
    pa = pytest.importorskip("pyarrow")
    tbl = t.to_arrow()
    assert tbl.num_rows == len(t) and isinstance(tbl, pa.Table)


def test_poll_and_state():
    r = tickwire.replay(CAPTURE, venue="binance")
    b = r.poll(max_events=7)
    assert len(b) == 7
    n = 7
    while True:
        b = r.poll(max_events=1000)
        if b is None:
            break
        n += len(b)
    assert n == 10244 and r.poll() is None
    assert r.instruments() == [
        {"id": 0, "venue": "binance", "symbol": "BTCUSDT", "px_exp": -8, "qty_exp": -8, "unified": "BTC-USDT"}
    ]
    top = r.book("binance", "btcusdt").top(5, exact=True)
    assert top is not None and len(top.bids) == 5 and top.bids[0][0] < top.asks[0][0]
    assert isinstance(top.bids[0][0], decimal.Decimal)
    m = r.metrics()
    assert m["emitted"] == 10244 and m["book_snapshots"] == 1
    assert "finished" in repr(r) and "<table" in r._repr_html_()
    r.close()
    assert r.closed and "closed" in repr(r)
    with pytest.raises(tickwire.ClosedError):
        r.poll()
    r.close()  # idempotent


def test_live_feed_against_simulator():
    with tickwire.Simulator(rate=2000) as sim:
        assert sim.ws_url.startswith("wss://127.0.0.1:")
        with tickwire.Feed(
            ["binance:BTCUSDT:trades,bbo,book"], endpoint=sim.ws_url, rest_endpoint=sim.rest_url, ca=sim.ca_pem
        ) as feed:
            kinds = {}
            deadline = time.monotonic() + 20
            top = None
            for batch in feed:
                for k, n in batch.counts().items():
                    kinds[k] = kinds.get(k, 0) + n
                top = feed.book("binance", "BTCUSDT").top(10)
                if {"trade", "quote", "book", "status"} <= set(kinds) and top is not None or time.monotonic() > deadline:
                    break
            assert {"trade", "quote", "book", "status"} <= set(kinds), kinds
            assert top is not None and 0 < len(top.bids) <= 10 and top.bids[0][0] < top.asks[0][0]
            status = batch.status().to_pandas() if len(batch.status()) else None
            m = feed.metrics()
            assert m["connects"] >= 1 and m["frames"] > 0 and m["delivered"] > 0
            assert feed.instruments()[0]["symbol"] == "BTCUSDT"
            assert "tickwire.Feed" in repr(feed)
            empty = feed.poll(timeout=0)
            assert empty is not None
            del status
        assert feed.closed
        assert sim.stats()["connections"] >= 1
    assert not sim.running
    with pytest.raises(tickwire.ClosedError):
        sim.ws_url


def test_candles_of_two_intervals_in_one_feed():
    # `candles=5m` beside the default 1m: both arrive, told apart by interval_s
    with tickwire.Simulator(rate=500) as sim, sim.feed("binance:BTCUSDT:candles,candles=5m") as feed:
        deadline = time.monotonic() + 15
        seen = set()
        while time.monotonic() < deadline and not {60, 300} <= seen:
            b = feed.poll(timeout=0.5)
            if b is not None and len(b.candles()):
                df = b.candles().to_pandas()
                assert set(df["symbol"].astype(str)) == {"BTCUSDT"}
                seen |= set(int(x) for x in df["interval_s"])
        assert seen == {60, 300}, seen
    with pytest.raises(tickwire.ConfigError, match='candles variant "7m"'):
        tickwire.Feed(["binance:BTCUSDT:candles=7m"])


def test_redundant_connections_deliver_each_trade_once():
    with tickwire.Simulator(rate=1000) as sim, sim.feed("binance:BTCUSDT:trades", redundancy=2) as feed:
        deadline = time.monotonic() + 15
        ids = []
        while time.monotonic() < deadline and (feed.metrics()["connects"] < 2 or len(ids) < 300):
            b = feed.poll(timeout=0.5)
            if b is not None and len(b.trades()):
                ids.extend(int(x) for x in b.trades().to_pandas()["seq"])
        m = feed.metrics()
    assert m["connects"] >= 2, m
    assert len(ids) >= 300
    assert len(set(ids)) == len(ids), "a trade came twice"
    assert m["dedupe_duplicates"] > 0, m


def test_status_events_in_stream():
    with tickwire.Simulator(rate=500) as sim, sim.feed("binance:BTCUSDT:trades,book") as feed:
        deadline = time.monotonic() + 15
        seen = set()
        while time.monotonic() < deadline and not {"connected", "book_synced"} <= seen:
            b = feed.poll(timeout=0.5)
            if b is not None and len(b.status()):
                seen |= set(b.status().to_pandas()["status"].astype(str))
        assert {"connected", "book_synced"} <= seen, seen


def test_asyncio_does_not_block_the_loop():
    async def main():
        ticks = 0
        stop = asyncio.Event()

        async def ticker():
            nonlocal ticks
            while not stop.is_set():
                ticks += 1
                await asyncio.sleep(0.01)

        t = asyncio.create_task(ticker())
        n = 0
        with tickwire.Simulator(rate=200) as sim:
            async with sim.feed("binance:BTCUSDT:trades,bbo") as feed:
                start = time.monotonic()
                async for batch in feed:
                    n += len(batch)
                    if time.monotonic() - start > 1.0:
                        break
        stop.set()
        await t
        return n, ticks

    n, ticks = asyncio.run(main())
    assert n > 0 and ticks >= 30  # the loop kept running while the feed waited
    # replay: async for ends
    async def count():
        total = 0
        async for b in tickwire.replay(CAPTURE, venue="binance"):
            total += len(b)
        return total

    assert asyncio.run(count()) == 10244


def test_wait_releases_gil():
    import threading

    counter = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            counter[0] += 1

    th = threading.Thread(target=spin, daemon=True)
    # a stream the simulator never produces: the poll really waits its whole timeout (with data
    # flowing it could return within microseconds, before another thread is scheduled at all)
    with tickwire.Simulator(rate=10) as sim, sim.feed("binance:XRPUSDT:trades") as feed:
        th.start()
        # the Connected status would end a poll early: take it first
        deadline = time.monotonic() + 15
        connected = False
        while time.monotonic() < deadline and not connected:
            b = feed.poll(timeout=0.2)
            if b is not None and len(b.status()):
                connected = "connected" in set(b.status().to_pandas()["status"].astype(str))
        assert connected
        before = counter[0]
        t0 = time.monotonic()
        batch = feed.poll(timeout=0.5)
        waited = time.monotonic() - t0
        stop.set()
        th.join()
    assert batch is not None and len(batch.trades()) == 0
    assert waited >= 0.4, waited
    assert counter[0] - before > 1000


def test_ctrl_c_interrupts_a_wait():
    code = (
        "import tickwire,os,signal,threading,time\n"
        "sim=tickwire.Simulator(rate=1).start()\n"
        "f=sim.feed('binance:BTCUSDT:candles')\n"
        "threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()\n"
        "t=time.monotonic()\n"
        "try:\n    while True: f.poll(timeout=30)\nexcept KeyboardInterrupt:\n    print('interrupted', round(time.monotonic()-t,1))\n"
        "f.close(); sim.stop()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert out.stdout.startswith("interrupted"), out.stderr
    assert float(out.stdout.split()[1]) < 5


@pytest.mark.parametrize(
    "call, exc, text",
    [
        (lambda: tickwire.Feed(["nasdaq:AAPL:trades"]), tickwire.ConfigError, "unknown venue"),
        (lambda: tickwire.Feed(["binance:BTC$USDT:trades"]), tickwire.ConfigError, "bad symbol"),
        (lambda: tickwire.Feed(["binance"]), tickwire.ConfigError, "expected venue:SYMBOL"),
        (lambda: tickwire.Feed(["binance:BTCUSDT:nonsense"]), tickwire.ConfigError, "unknown channel"),
        (lambda: tickwire.Feed([]), tickwire.ConfigError, "no subscription"),
        (lambda: tickwire.Feed("binance:BTCUSDT", overflow="explode"), tickwire.ConfigError, "overflow"),
        (lambda: tickwire.Feed("binance:BTCUSDT", shards=0), tickwire.ConfigError, "shards"),
        (lambda: tickwire.Feed("binance:BTCUSDT", redundancy=0), tickwire.ConfigError, "redundancy"),
        (lambda: tickwire.Feed("binance:BTCUSDT", ca="-----BEGIN nothing"), tickwire.TlsError, "CA"),
        (lambda: tickwire.Feed("binance:BTCUSDT", ca="/nonexistent/ca.pem"), tickwire.TlsError, "cannot read"),
        (lambda: tickwire.replay("/nonexistent.tsv", venue="binance"), tickwire.RecordingError, "nonexistent"),
        (lambda: tickwire.replay(__file__, venue="binance"), tickwire.RecordingError, "neither"),
        (lambda: tickwire.replay(CAPTURE, venue="nasdaq"), tickwire.ConfigError, "unknown venue"),
        (lambda: tickwire.replay([], venue="binance"), tickwire.ConfigError, "no recording"),
        (lambda: tickwire.replay(CAPTURE, venue="binance", speed=-1), tickwire.ConfigError, "speed"),
        (lambda: tickwire.replay(CAPTURE, venue="binance").poll(max_events=0), tickwire.ConfigError, "max_events"),
        (lambda: tickwire.replay(CAPTURE, venue="binance").poll(timeout=-1), tickwire.ConfigError, "timeout"),
        (lambda: tickwire.replay(CAPTURE, venue="binance").book("nyse", "X"), tickwire.ConfigError, "unknown venue"),
        (lambda: next(iter(tickwire.replay(CAPTURE, venue="binance"))).prices(), tickwire.ConfigError, "select a kind"),
        (lambda: tickwire.Simulator("nyse"), tickwire.ConfigError, "unknown venue"),
        (lambda: tickwire.Simulator(files=["/nonexistent.tsv"]), tickwire.RecordingError, "nonexistent"),
        (lambda: tickwire.Simulator().ws_url, tickwire.ClosedError, "not running"),
    ],
)
def test_error_paths(call, exc, text):
    with pytest.raises(exc, match=text):
        call()
    assert issubclass(exc, tickwire.TickwireError)


def test_error_hierarchy():
    for e in (tickwire.ConfigError, tickwire.RecordingError, tickwire.ClosedError, tickwire.TlsError):
        assert issubclass(e, tickwire.TickwireError) and issubclass(e, Exception)
    assert tickwire.ConfigError.__module__ == "tickwire"


def test_stub_and_typed_package():
    pkg = pathlib.Path(tickwire.__file__).parent
    assert (pkg / "py.typed").exists() and (pkg / "_native.pyi").exists()
    out = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "tickwire._native"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr
    script = pathlib.Path(__file__).parent / "typed_usage.py"
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(script)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_public_api_documented():
    for name in tickwire.__all__:
        obj = getattr(tickwire, name)
        if callable(obj) or isinstance(obj, type):
            assert obj.__doc__, name
    for cls in (tickwire.Stream, tickwire.Batch, tickwire.Simulator, tickwire.Book):
        for attr, val in vars(cls).items():
            if not attr.startswith("_") and callable(val):
                assert val.__doc__, f"{cls.__name__}.{attr}"
