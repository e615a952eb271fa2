"""tickwire: exact, normalized crypto market data, in numpy batches.

    import tickwire
    with tickwire.replay("capture.tsv", venue="binance") as r:
        for batch in r:
            df = batch.trades().to_pandas()

    with tickwire.Feed(["binance:BTCUSDT:trades,bbo,book"]) as feed:
        for batch in feed:
            ...

See `Feed`, `replay`, `Batch`, `Simulator`; errors derive from `TickwireError`.
"""

from . import _native
from ._batch import Batch, Event
from ._layout import EVENT_DTYPE
from ._native import (
    ClosedError,
    ConfigError,
    RecordingError,
    TickwireError,
    TlsError,
)
from ._stream import Book, BookTop, Feed, Replay, Simulator, Stream, replay

__version__: str = _native.__version__

#: `(name, byte offset, size)` of each field of the Rust event record.
EVENT_FIELDS = list(_native.EVENT_FIELDS)
#: Venue name -> numeric value in events.
VENUES = dict(_native.VENUES)
#: Kind name -> numeric value in events.
KINDS = dict(_native.KINDS)
#: Status name -> status code (in `aux` of status events).
STATUS_CODES = dict(_native.STATUS_CODES)
#: Flag name -> bit of `flags`.
FLAGS = dict(_native.FLAGS)

__all__ = [
    "Batch",
    "Book",
    "BookTop",
    "ClosedError",
    "ConfigError",
    "EVENT_DTYPE",
    "EVENT_FIELDS",
    "Event",
    "FLAGS",
    "Feed",
    "KINDS",
    "RecordingError",
    "Replay",
    "STATUS_CODES",
    "Simulator",
    "Stream",
    "TickwireError",
    "TlsError",
    "VENUES",
    "__version__",
    "replay",
]
