"""Type stubs of the compiled module `tickwire._native` (private: use the `tickwire` package)."""

from typing import Any, Dict, List, Optional, Tuple, Union, final

__all__ = [
    "__version__",
    "EVENT_SIZE",
    "EVENT_ALIGN",
    "EVENT_FIELDS",
    "VENUES",
    "KINDS",
    "STATUS_CODES",
    "FLAGS",
    "TickwireError",
    "ConfigError",
    "RecordingError",
    "ClosedError",
    "TlsError",
    "Source",
    "Simulator",
    "decimal_text",
]

__version__: str
EVENT_SIZE: int
EVENT_ALIGN: int
EVENT_FIELDS: List[Tuple[str, int, int]]
VENUES: Dict[str, int]
KINDS: Dict[str, int]
STATUS_CODES: Dict[str, int]
FLAGS: Dict[str, int]

class TickwireError(Exception): ...
class ConfigError(TickwireError): ...
class RecordingError(TickwireError): ...
class ClosedError(TickwireError): ...
class TlsError(TickwireError): ...

def decimal_text(mantissa: int, exp: int) -> str: ...

@final
class Source:
    @staticmethod
    def open_feed(
        subscriptions: List[str],
        endpoint: Optional[str] = None,
        rest_endpoint: Optional[str] = None,
        ca_pem: Optional[bytes] = None,
        shards: Optional[int] = None,
        overflow: str = "drop_newest",
        capacity: Optional[int] = None,
        redundancy: Optional[int] = None,
    ) -> Source: ...
    @staticmethod
    def open_replay(paths: List[str], venue: str, speed: Optional[float] = None) -> Source: ...
    def poll(self, max_events: int = 4096, timeout: Optional[float] = None) -> Optional[bytearray]: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    @property
    def finished(self) -> bool: ...
    @property
    def live(self) -> bool: ...
    @property
    def description(self) -> str: ...
    def instruments(self) -> List[Tuple[int, str, str, int, int, str]]: ...
    def book_top(
        self, venue: str, symbol: str, n: int
    ) -> Optional[Tuple[List[Tuple[int, int]], List[Tuple[int, int]], int, int]]: ...
    def metrics(self) -> Dict[str, Any]: ...
    def json_lines(self, data: Union[bytes, bytearray]) -> List[str]: ...

@final
class Simulator:
    def __new__(
        cls,
        venue: str = "binance",
        rate: int = 1000,
        symbols: Optional[List[str]] = None,
        files: Optional[List[str]] = None,
        speed: Optional[float] = None,
        tls: bool = True,
        loop_forever: bool = False,
    ) -> Simulator: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...
    @property
    def running(self) -> bool: ...
    @property
    def venue(self) -> str: ...
    @property
    def ws_url(self) -> str: ...
    @property
    def rest_url(self) -> str: ...
    @property
    def ca_pem(self) -> str: ...
    def stats(self) -> Dict[str, int]: ...
