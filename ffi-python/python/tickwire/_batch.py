"""Batches of events: raw records viewed as numpy, converted to pandas/arrow on request."""

from __future__ import annotations

import decimal
import functools
import html
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, NamedTuple, Optional, Tuple, Union

import numpy as np

from . import _native
from ._layout import EVENT_DTYPE

if TYPE_CHECKING:  # pragma: no cover
    import pandas
    import pyarrow

KIND_CODES: Dict[str, int] = dict(_native.KINDS)
KIND_NAMES: Dict[int, str] = {v: k for k, v in KIND_CODES.items()}
VENUE_NAMES: Dict[int, str] = {v: k for k, v in _native.VENUES.items()}
STATUS_NAMES: Dict[int, str] = {v: k for k, v in _native.STATUS_CODES.items()}
_NO_INSTRUMENT = 0xFFFFFFFF

# per kind: float column -> (payload slot, "px" | "qty")
_FLOAT_COLUMNS: Dict[str, Dict[str, Tuple[int, str]]] = {
    "trade": {"price": (0, "px"), "size": (1, "qty")},
    "quote": {"bid_px": (0, "px"), "bid_size": (1, "qty"), "ask_px": (2, "px"), "ask_size": (3, "qty")},
    "book": {"price": (0, "px"), "size": (1, "qty")},
    "candle": {"open": (0, "px"), "high": (1, "px"), "low": (2, "px"), "close": (3, "px"), "volume": (4, "qty")},
    "status": {},
}
# per kind: integer column -> payload slot
_INT_COLUMNS: Dict[str, Dict[str, int]] = {
    "trade": {"first_trade_id": 2, "last_trade_id": 3},
    "quote": {},
    "book": {"first_id": 2, "prev_id": 3},
    "candle": {},
    "status": {"count": 0, "from_seq": 1, "to_seq": 2},
}


class Event(NamedTuple):
    """One event as a plain Python object (for code that wants one object per tick)."""

    ts_recv: int
    ts_exchange: int
    seq: int
    instrument: int
    venue: int
    kind: int
    side: int
    flags: int
    px_exp: int
    qty_exp: int
    aux: int
    v: Tuple[int, int, int, int, int]


class InstrumentTable:
    """A cache of a source's instrument table (ids are dense from 0 and never reused)."""

    def __init__(self, source: "_native.Source") -> None:
        self._source = source
        self._rows: List[Tuple[int, str, str, int, int, str]] = []

    def rows(self, need: int = 0) -> List[Tuple[int, str, str, int, int, str]]:
        """Every instrument as `(id, venue, symbol, px_exp, qty_exp)`, refreshed if `need` ids are unknown."""
        if need > len(self._rows) or not self._rows:
            self._rows = self._source.instruments()
        return self._rows

    def json_lines(self, data: Union[bytes, bytearray]) -> List[str]:
        return self._source.json_lines(data)


_POW10 = np.array([10.0**k for k in range(0, 23)])


def _scaled(m: np.ndarray, e: np.ndarray) -> np.ndarray:
    """`m × 10^e` as float64, correctly rounded where `|m| <= 2^53` and `|e| <= 22` (one exact
    IEEE operation, as in the core's `Decimal::to_f64`)."""
    mf = m.astype(np.float64)
    e = e.astype(np.int64)
    if len(e) and (e == e[0]).all():  # the common case: one instrument's exponent
        k = int(e[0])
        return mf / 10.0 ** (-k) if k < 0 else mf * 10.0**k
    p = _POW10[np.minimum(np.abs(e), 22)]
    return np.where(e < 0, mf / p, mf * p)


def _codes(raw: np.ndarray, names: Dict[int, str], cats: List[str]) -> np.ndarray:
    """Categorical codes of `raw` numeric values (-1 for values without a name)."""
    lut = np.full(max(names) + 2, -1, dtype=np.int64)
    for code, name in names.items():
        lut[code] = cats.index(name)
    r = raw.astype(np.int64)
    return lut[np.where((r >= 0) & (r <= max(names)), r, len(lut) - 1)]


_CTX = decimal.Context(prec=40)
_ONE = decimal.Decimal(1)


def exact(mantissa: int, exp: int) -> decimal.Decimal:
    """`mantissa × 10^exp` as a `decimal.Decimal` in canonical form (no exponent, no trailing
    zeros): `str()` of it is the text the JSON lines print."""
    d = decimal.Decimal(mantissa).scaleb(exp, _CTX).normalize(_CTX)
    if d.as_tuple().exponent > 0:  # type: ignore[operator]
        d = d.quantize(_ONE, context=_CTX)
    return d


def _exact(m: np.ndarray, e: np.ndarray) -> List[decimal.Decimal]:
    return [exact(a, b) for a, b in zip(m.tolist(), e.tolist())]


class Batch:
    """Events copied once out of the ring, viewed as a numpy structured array.

    `array` is a zero-copy view (dtype `EVENT_DTYPE`); `to_numpy()`, `to_pandas()` and
    `to_arrow()` add float64 price/size columns; `trades()`, `quotes()`, `book()`, `candles()`,
    `status()` select one kind. Exact values: `batch.trades().prices(exact=True)`.
    """

    __slots__ = ("_array", "_data", "_table", "_kind")

    def __init__(
        self,
        data: Union[bytes, bytearray, np.ndarray],
        table: InstrumentTable,
        kind: Optional[str] = None,
    ) -> None:
        if isinstance(data, np.ndarray):
            self._array = data
            self._data: Optional[Union[bytes, bytearray]] = None
        else:
            self._array = np.frombuffer(data, dtype=EVENT_DTYPE)
            self._data = data
        self._table = table
        self._kind = kind

    # --- raw access -------------------------------------------------------------------------
    @property
    def array(self) -> np.ndarray:
        """The events as a structured array (zero-copy view of the raw records)."""
        return self._array

    @property
    def data(self) -> memoryview:
        """The raw 80-byte records (read-only)."""
        if self._data is None:
            self._data = self._array.tobytes()
        return memoryview(self._data).toreadonly()

    @property
    def kind(self) -> Optional[str]:
        """The kind this view holds (`None`: every kind)."""
        return self._kind

    def __len__(self) -> int:
        return len(self._array)

    def __bool__(self) -> bool:
        return len(self._array) > 0

    def __iter__(self) -> Iterator[Event]:
        """One `Event` tuple per event (slow path: prefer the array conversions)."""
        # column lists, the five payload slots zipped into tuples, and each row made an Event
        # by tuple.__new__ in C: no Python frame per event (1.7x a generator over rows)
        a = self._array
        cols: List[Any] = [a[n].tolist() for n in Event._fields[:-1]]
        v = a["v"]
        cols.append(zip(*[v[:, i].tolist() for i in range(5)]))
        return map(functools.partial(tuple.__new__, Event), zip(*cols))  # type: ignore[arg-type]

    def events(self) -> List[Event]:
        """Every event as an `Event` tuple."""
        return list(self)

    def counts(self) -> Dict[str, int]:
        """Number of events per kind."""
        kinds, n = np.unique(self._array["kind"], return_counts=True)
        return {KIND_NAMES.get(int(k), str(int(k))): int(c) for k, c in zip(kinds, n)}

    def to_json(self) -> List[str]:
        """The canonical JSON line of each event: exactly what `tickwire replay` prints."""
        return self._table.json_lines(bytes(self.data))

    # --- kind views ---------------------------------------------------------------------------
    def _only(self, kind: str) -> "Batch":
        if self._kind == kind:
            return self
        sel = self._array[self._array["kind"] == KIND_CODES[kind]]
        return Batch(sel, self._table, kind)

    def trades(self) -> "Batch":
        """Trades only (columns price, size, side, first/last trade id)."""
        return self._only("trade")

    def quotes(self) -> "Batch":
        """Best bid/offer updates only (bid_px, bid_size, ask_px, ask_size, mid, spread)."""
        return self._only("quote")

    def book(self) -> "Batch":
        """Order-book levels only (price, size, side bid/ask, first_id, prev_id, snapshot)."""
        return self._only("book")

    def candles(self) -> "Batch":
        """Candles only (open, high, low, close, volume, interval_s, closed)."""
        return self._only("candle")

    def status(self) -> "Batch":
        """Status events only (status name, count, from_seq, to_seq)."""
        return self._only("status")

    # --- values ---------------------------------------------------------------------------------
    def _slot(self, name: str) -> Tuple[int, str]:
        kind = self._kind
        if kind is None or name not in _FLOAT_COLUMNS[kind]:
            have = sorted(_FLOAT_COLUMNS[kind]) if kind else []
            raise _native.ConfigError(
                f"no column {name!r} on {'a mixed batch' if kind is None else kind + ' events'}"
                f" (select a kind first, e.g. batch.trades(); columns: {have})"
            )
        return _FLOAT_COLUMNS[kind][name]

    def values(self, name: str, exact: bool = False) -> Union[np.ndarray, List[decimal.Decimal]]:
        """A price or size column of a kind view: float64 array, or exact `decimal.Decimal`s."""
        slot, unit = self._slot(name)
        m = self._array["v"][:, slot]
        e = self._array["px_exp" if unit == "px" else "qty_exp"]
        return _exact(m, e) if exact else _scaled(m, e)

    def prices(self, exact: bool = False) -> Union[np.ndarray, List[decimal.Decimal]]:
        """Prices of trades or book levels (`exact=True`: `decimal.Decimal`s)."""
        return self.values("price", exact)

    def sizes(self, exact: bool = False) -> Union[np.ndarray, List[decimal.Decimal]]:
        """Sizes of trades or book levels (`exact=True`: `decimal.Decimal`s)."""
        return self.values("size", exact)

    # --- conversions ----------------------------------------------------------------------------
    def _columns(self) -> Dict[str, np.ndarray]:
        a = self._array
        cols: Dict[str, np.ndarray] = {}
        if self._kind is None:
            # mixed: price/size where meaningful (trade, book; bid for quotes)
            kind = a["kind"]
            has = np.isin(kind, [KIND_CODES["trade"], KIND_CODES["book"], KIND_CODES["quote"]])
            cols["price"] = np.where(has, _scaled(a["v"][:, 0], a["px_exp"]), np.nan)
            cols["size"] = np.where(has, _scaled(a["v"][:, 1], a["qty_exp"]), np.nan)
            return cols
        for name, (slot, unit) in _FLOAT_COLUMNS[self._kind].items():
            cols[name] = _scaled(a["v"][:, slot], a["px_exp" if unit == "px" else "qty_exp"])
        if self._kind == "quote":
            cols["mid"] = (cols["bid_px"] + cols["ask_px"]) / 2.0
            cols["spread"] = cols["ask_px"] - cols["bid_px"]
        for name, slot in _INT_COLUMNS[self._kind].items():
            cols[name] = a["v"][:, slot].copy()
        return cols

    def to_numpy(self) -> np.ndarray:
        """A new structured array: every raw field plus float64 columns (price, size, ...)."""
        a = self._array
        cols = self._columns()
        fields = [(n, a.dtype.fields[n][0]) for n in a.dtype.names]  # type: ignore[index,union-attr]
        fields += [(n, c.dtype) for n, c in cols.items() if n not in a.dtype.names]  # type: ignore[operator]
        out = np.empty(len(a), dtype=fields)
        for n in a.dtype.names:  # type: ignore[union-attr]
            out[n] = a[n]
        for n, c in cols.items():
            out[n] = c
        return out

    def _symbols(self) -> Tuple[np.ndarray, List[str], np.ndarray]:
        ids = self._array["instrument"].astype(np.int64)
        known = ids[ids != _NO_INSTRUMENT]
        rows = self._table.rows(int(known.max()) + 1 if len(known) else 0)
        cats = sorted({r[2] for r in rows})
        code_of = {c: i for i, c in enumerate(cats)}
        lut = np.array([code_of[r[2]] for r in rows] + [-1], dtype=np.int64)
        idx = np.where((ids >= 0) & (ids < len(rows)), ids, len(rows))
        return lut[idx], cats, ids

    def to_pandas(self) -> "pandas.DataFrame":
        """A DataFrame: `ts_recv`/`ts_exchange` as `datetime64[ns]`, `venue`/`symbol`/`kind`
        (and `side`, `status`) as categoricals, float64 price/size columns, raw fields kept."""
        import pandas as pd

        a = self._array
        codes, cats, _ = self._symbols()
        venue_cats = [VENUE_NAMES[c] for c in sorted(VENUE_NAMES)]
        venue_codes = _codes(a["venue"], VENUE_NAMES, venue_cats)
        kind_cats = list(KIND_CODES)
        kind_codes = _codes(a["kind"], KIND_NAMES, kind_cats)
        data: Dict[str, Any] = {
            "ts_recv": a["ts_recv"].view("datetime64[ns]"),
            "ts_exchange": a["ts_exchange"].view("datetime64[ns]"),
            "venue": pd.Categorical.from_codes(venue_codes, venue_cats),
            "symbol": pd.Categorical.from_codes(codes, cats),
            "kind": pd.Categorical.from_codes(kind_codes, kind_cats),
            "seq": a["seq"],
        }
        side = a["side"]
        if self._kind == "book":
            data["side"] = pd.Categorical.from_codes(np.array([-1, 0, 1], dtype=np.int64)[np.minimum(side, 2)], ["bid", "ask"])
        elif self._kind in (None, "trade"):
            data["side"] = pd.Categorical.from_codes(np.array([-1, 0, 1], dtype=np.int64)[np.minimum(side, 2)], ["buy", "sell"])
        if self._kind == "status":
            names = [STATUS_NAMES[c] for c in sorted(STATUS_NAMES)]
            data["status"] = pd.Categorical.from_codes(_codes(a["aux"], STATUS_NAMES, names), names)
        data.update(self._columns())
        if self._kind == "candle":
            data["interval_s"] = a["aux"].copy()
            data["closed"] = (a["flags"] & _native.FLAGS["closed"]) != 0
        if self._kind == "book":
            data["snapshot"] = (a["flags"] & _native.FLAGS["snapshot"]) != 0
        for raw in ("instrument", "flags", "px_exp", "qty_exp", "aux"):
            data[raw] = a[raw]
        if self._kind is None:
            for i in range(5):
                data[f"v{i}"] = a["v"][:, i]
        return pd.DataFrame(data)

    def to_arrow(self) -> "pyarrow.Table":
        """A pyarrow Table (needs `pyarrow`): the `to_pandas()` columns."""
        try:
            import pyarrow as pa
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("Batch.to_arrow() needs pyarrow: pip install pyarrow") from e
        return pa.Table.from_pandas(self.to_pandas(), preserve_index=False)

    # --- display ----------------------------------------------------------------------------
    def _span(self) -> str:
        if not len(self._array):
            return ""
        ts = self._array["ts_recv"]
        lo, hi = np.datetime64(int(ts.min()), "ns"), np.datetime64(int(ts.max()), "ns")
        return f" {lo} .. {hi}"

    def __repr__(self) -> str:
        what = "events" if self._kind is None else f"{self._kind} events"
        counts = ", ".join(f"{k} {n}" for k, n in self.counts().items())
        return f"<tickwire.Batch {len(self)} {what}{' (' + counts + ')' if counts and self._kind is None else ''}{self._span()}>"

    def _repr_html_(self) -> str:
        head = f"<p><b>tickwire.Batch</b>: {html.escape(repr(self)[16:-1])}</p>"
        try:
            df = self.to_pandas().head(10)
        except ImportError:
            return head
        return head + df._repr_html_()  # type: ignore[operator]
